#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# exit_bench (selftests/kvmlite/exit_bench.c): what an exit and an
# interrupt cost on kvmlite and on KVM, in guest TSC ticks, one table.
# Figures only: nothing is asserted on time.
#
# Usage: tools/testing/bench.sh [-n] [bochs|bochs3|host]
#   bochs   (default) boot the test machine in Bochs 2.7 in its bench mode
#           (boot-bochs.sh bench) and print the table from the serial log
#   bochs3  the same on Bochs 3.0 (hardware posted interrupts)
#   host    run it here, on a real VT-x host, as root: it loads
#           kmod/kvmlite.ko (once per kvmlite setting) and kvm_intel
#           (modprobe), and unloads both; nothing else may use them
#   -n      do not rebuild the image (use what is in $BUILD_DIR)
# Expects the top-level "make" to have built the module and the
# programs ("make bench" does both).
# Environment: KVMLITE_BENCH_ITERATIONS (2000), KVMLITE_BENCH_SAMPLES (7),
# and those of boot-bochs.sh (KVMLITE_BUILD_DIR, ...).
# Output: the table; $BUILD_DIR/<lane>-bench.table holds it too.
# Exit status: 0 when every row was measured, 1 otherwise.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

build=1
if [[ ${1:-} == -n ]]; then
	build=0
	shift
fi
where=${1:-bochs}
iters=${KVMLITE_BENCH_ITERATIONS:-2000}
samples=${KVMLITE_BENCH_SAMPLES:-7}

case $where in
host)
	[[ $(id -u) == 0 ]] || die "host: run as root (it loads modules)"
	grep -qw vmx /proc/cpuinfo || die "host: this CPU has no VT-x"
	KVMLITE_KO=$REPO_DIR/kmod/kvmlite.ko KVMLITE_LANE=host \
		"$REPO_DIR/selftests/kvmlite/exit_bench" -i "$iters" -s "$samples"
	exit ;;
bochs | bochs3) ;;
*) die "usage: $0 [-n] [bochs|bochs3|host]" ;;
esac

mkdir -p "$BUILD_DIR"
((build)) && "$TESTING_DIR/mkimage.sh" >/dev/null
serial=$BUILD_DIR/$where-bench.serial
table=$BUILD_DIR/$where-bench.table
rc=0
KVMLITE_CMDLINE="${KVMLITE_CMDLINE:-} kvmlite_test.env=KVMLITE_BENCH_ITERATIONS=$iters,KVMLITE_BENCH_SAMPLES=$samples" \
	"$TESTING_DIR/boot-$where.sh" bench || rc=1
# The table and the lines about it (what was loaded, how, what ran);
# the ok/not ok line says whether it ran.
sed -n '/^# exit_bench: lane/,/^# exit_bench: \(every\|some\)/p' \
	"$serial" | grep -v '^==== ' | tr -d '\r' >"$table" || true
if [[ -s $table ]]; then
	cat "$table"
else
	echo "bench: no table in $serial"
	rc=1
fi
grep -q '^ok 1 selftests: kvmlite: exit_bench' "$serial" || rc=1
exit "$rc"
