#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# exit_bench (selftests/kvmlite/exit_bench.c): what an exit and an
# interrupt cost on kvmlite and on KVM, in guest TSC ticks, one table.
# linux_boot_bench (linux_boot_bench.c): the Linux guest booted on each,
# guest TSC ticks to its init and exits by reason, a second table.
# Figures only: nothing is asserted on time.
#
# Usage: tools/testing/bench.sh [-n] [bochs|bochs3|host] [BENCH...]
#   bochs   (default) boot the test machine in Bochs 2.7 in its bench mode
#           (boot-bochs.sh bench) and print the table from the serial log
#   bochs3  the same on Bochs 3.0 (hardware posted interrupts)
#   host    run them here, on a real VT-x host, as root: they load
#           kmod/kvmlite.ko (once per kvmlite setting) and kvm_intel
#           (modprobe), and unload both; nothing else may use them.
#           linux_boot_bench runs only with KVMLITE_LINUX_KERNEL and
#           KVMLITE_LINUX_INITRD set (a bzImage, and an initramfs whose
#           /init is tools/testing/guest/linux-init, as mkimage.sh builds)
#   -n      do not rebuild the image (use what is in $BUILD_DIR)
#   BENCH   exit_bench, linux_boot_bench (default: both)
# Expects the top-level "make" to have built the module and the
# programs ("make bench" does both).
# Environment: KVMLITE_BENCH_ITERATIONS (2000), KVMLITE_BENCH_SAMPLES (7),
# and those of boot-bochs.sh (KVMLITE_BUILD_DIR, KVMLITE_BOCHS_MEGS: 448
# here, which the Linux guest needs, ...).
# Output: the tables; $BUILD_DIR/<lane>-bench.table holds them too.
# Exit status: 0 when every row was measured and both Linux boots passed
# their check, 1 otherwise.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

build=1
if [[ ${1:-} == -n ]]; then
	build=0
	shift
fi
where=${1:-bochs}
shift || true
benches=("$@")
((${#benches[@]})) || benches=(exit_bench linux_boot_bench)
for b in "${benches[@]}"; do
	[[ $b == exit_bench || $b == linux_boot_bench ]] ||
		die "unknown benchmark $b (exit_bench, linux_boot_bench)"
done
iters=${KVMLITE_BENCH_ITERATIONS:-2000}
samples=${KVMLITE_BENCH_SAMPLES:-7}

case $where in
host)
	[[ $(id -u) == 0 ]] || die "host: run as root (it loads modules)"
	grep -qw vmx /proc/cpuinfo || die "host: this CPU has no VT-x"
	rc=0
	if [[ " ${benches[*]} " == *" exit_bench "* ]]; then
		KVMLITE_KO=$REPO_DIR/kmod/kvmlite.ko KVMLITE_LANE=host \
			"$REPO_DIR/selftests/kvmlite/exit_bench" -i "$iters" -s "$samples" || rc=1
	fi
	if [[ " ${benches[*]} " == *" linux_boot_bench "* ]]; then
		if [[ -n ${KVMLITE_LINUX_KERNEL:-} && -n ${KVMLITE_LINUX_INITRD:-} ]]; then
			KVMLITE_KO=$REPO_DIR/kmod/kvmlite.ko KVMLITE_LANE=host \
				KVMLITE_RUN=$REPO_DIR/tools/vmm/kvmlite-run \
				"$REPO_DIR/selftests/kvmlite/linux_boot_bench" || rc=1
		else
			echo "bench: linux_boot_bench not run: set KVMLITE_LINUX_KERNEL and KVMLITE_LINUX_INITRD"
		fi
	fi
	exit "$rc" ;;
bochs | bochs3) ;;
*) die "usage: $0 [-n] [bochs|bochs3|host]" ;;
esac

mkdir -p "$BUILD_DIR"
((build)) && "$TESTING_DIR/mkimage.sh" >/dev/null
serial=$BUILD_DIR/$where-bench.serial
table=$BUILD_DIR/$where-bench.table
rc=0
KVMLITE_BOCHS_MEGS=${KVMLITE_BOCHS_MEGS:-448} KVMLITE_TEST_ONLY=$(IFS=,; echo "${benches[*]}") \
KVMLITE_CMDLINE="${KVMLITE_CMDLINE:-} kvmlite_test.env=KVMLITE_BENCH_ITERATIONS=$iters,KVMLITE_BENCH_SAMPLES=$samples" \
	"$TESTING_DIR/boot-$where.sh" bench || rc=1
# Each table and the lines about it (what was loaded, how, what ran),
# from "# <bench>: lane" to its verdict line ("every row measured",
# "both boots passed ...", "some ..."); the ok/not ok lines say whether
# each ran.
for b in "${benches[@]}"; do
	sed -n "/^# $b: lane/,/^# $b: \\(every\\|both\\|some\\) /p" "$serial"
done | grep -v '^==== ' | tr -d '\r' >"$table" || true
cat "$table"
for b in "${benches[@]}"; do
	grep -q "^# $b: lane" "$table" || { echo "bench: no $b table in $serial"; rc=1; }
	tr -d '\r' <"$serial" | grep -qx "ok [0-9]* selftests: kvmlite: $b" || rc=1
done
exit "$rc"
