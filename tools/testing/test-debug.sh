#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# "make test-debug" (issue 14, item 4): the whole selftest suite, the ABI
# fuzzer included, in both Bochs lanes, booting a debug kernel built from
# Debian's linux-source (build-debug-kernel.sh: lockdep, DEBUG_ATOMIC_SLEEP,
# DEBUG_OBJECTS, KFENCE or, with KVMLITE_DEBUG_KASAN=1, KASAN,
# DEBUG_PREEMPT, full preemption), with kvm_intel and kvmlite built for
# it. Any lockdep, KFENCE/KASAN, atomic-sleep or debugobjects report is
# a "BUG:"/"WARNING:" line summarize.sh counts as a kernel
# problem; lockdep must also still be on at the end of the suite (its
# first report turns it off). It runs in Bochs 2.7 and Bochs 3.0 at
# once (KASAN: 2.7 only), with each lane's known emulator faults handled
# as in make test (summarize.sh, lib/).
#
# Not part of "make test": the kernel build takes ~8 min of two CPUs the
# first time (then cached), and the emulator runs the suite about twice
# as slow as on Debian's kernel (KASAN: 40 times). Run it before
# submitting a change to kmod/.
#
# Usage: tools/testing/test-debug.sh [-n] [--debian]
#   -n        do not rebuild the image (use what is in $BUILD_DIR/debug,
#             or debug-kasan)
#   --debian  Bochs 3.0 and Debian's own kernel with the allocator
#             debugging it can turn on at boot (slub_debug=FZPU
#             page_poison=1) instead: no kernel build, no lockdep or KASAN
# Environment: KVMLITE_TEST_ONLY as for the lanes; KVMLITE_BOCHS_MEGS
# (512 for the debug kernel: lockdep's tables, KASAN's shadow);
# KVMLITE_DEBUG_KASAN=1 for the KASAN kernel.
# Output: each lane's summary; $BUILD_DIR/debug/<lane>-debug-kernel-suite.serial
# holds its log. Exit status: 0 when every test passed or skipped and the console
# shows no kernel problem, 1 otherwise.
set -euo pipefail
# shellcheck source=tools/testing/lib.sh
. "$(dirname "$0")/lib.sh"

build=1 debian=0 kasan=${KVMLITE_DEBUG_KASAN:-0}
for a in "$@"; do
	case $a in
	-n) build=0 ;;
	--debian) debian=1 ;;
	*) die "usage: $0 [-n] [--debian]" ;;
	esac
done

rc=0
if ((debian)); then
	mkdir -p "$BUILD_DIR"
	((build)) && "$TESTING_DIR/mkimage.sh" >/dev/null
	name=bochs3-debug-suite
	KVMLITE_BOOT_NAME=$name \
		KVMLITE_CMDLINE="${KVMLITE_CMDLINE:-} slub_debug=FZPU page_poison=1" \
		"$TESTING_DIR/boot-bochs3.sh" suite || rc=1
	grep -a -q 'slub_debug=FZPU' "$BUILD_DIR/$name.serial" ||
		{ echo "test-debug: the kernel did not get slub_debug=FZPU"; rc=1; }
	"$TESTING_DIR/summarize.sh" bochs3 "$BUILD_DIR/$name.serial" || rc=1
	exit "$rc"
fi

# The debug kernel's image in a build directory of its own, so that the
# lanes' image stays as it is.
debug_dir=$BUILD_DIR/debug
[[ $kasan == 1 ]] && debug_dir=$BUILD_DIR/debug-kasan
mkdir -p "$debug_dir"
if ((build)); then
	built=$("$TESTING_DIR/build-debug-kernel.sh")
	bzimage=$(awk '$1 == "bzimage" {print $2}' <<<"$built")
	kvm_modules=$(awk '$1 == "kvm-modules" {print $2}' <<<"$built")
	ko=$(awk '$1 == "kvmlite-ko" {print $2}' <<<"$built")
	KVMLITE_BUILD_DIR=$debug_dir KVMLITE_TEST_KERNEL=$bzimage \
		KVMLITE_TEST_KVM_MODULES=$kvm_modules KVMLITE_TEST_KO=$ko KVMLITE_LINUX_GUEST=0 \
		"$TESTING_DIR/mkimage.sh" >/dev/null
fi
# boot_lane LANE: the suite under the debug kernel in that lane's Bochs.
# log_buf_len: the suite's kernel log is dumped at its end, and must still
# hold the boot's lines and every report.
boot_lane() {
	KVMLITE_BUILD_DIR=$debug_dir KVMLITE_BOOT_NAME=$1-debug-kernel-suite \
		KVMLITE_CMDLINE="${KVMLITE_CMDLINE:-} log_buf_len=8M" \
		KVMLITE_BOCHS_MEGS=${KVMLITE_BOCHS_MEGS:-512} \
		KVMLITE_TEST_TIMEOUT=${KVMLITE_TEST_TIMEOUT:-900} \
		KVMLITE_BOCHS_TIMEOUT=${KVMLITE_BOCHS_TIMEOUT:-7200} \
		"$TESTING_DIR/boot-$1.sh" suite
}

# check_lane LANE: the run is worth nothing unless it was the debug
# kernel, with lockdep watching kvmlite and still on when the suite
# ended; then the summary's own checks. 0 when all hold.
check_lane() {
	local serial=$debug_dir/$1-debug-kernel-suite.serial classes ok=0 lockdep
	# The serial console ends lines with CR LF.
	lockdep=$(grep -a 'kvmlite-test: lockdep: ' "$serial" | tr -d '\r')
	grep -q '^kvmlite-test: lockdep: debug_locks: *1$' <<<"$lockdep" ||
		{ echo "test-debug: $1: lockdep was not on at the end of the suite (a report turned it off, or not the debug kernel)"; ok=1; }
	classes=$(sed -n 's/.*kvmlite-test: lockdep: kvmlite lock classes: \([0-9]*\).*/\1/p' <<<"$lockdep")
	[[ ${classes:-0} -ge 3 ]] ||
		{ echo "test-debug: $1: lockdep saw ${classes:-none} of kvmlite's lock classes after a guest ran (want 3 or more)"; ok=1; }
	if [[ $kasan == 1 ]]; then
		grep -a -q 'KernelAddressSanitizer initialized' "$serial" ||
			{ echo "test-debug: $1: KASAN was not initialized"; ok=1; }
	else
		grep -a -q 'kfence: initialized' "$serial" ||
			{ echo "test-debug: $1: KFENCE was not initialized"; ok=1; }
	fi
	"$TESTING_DIR/summarize.sh" "$1" "$serial" || ok=1
	return "$ok"
}

# Both Bochs lanes at once (one CPU each): software posting on 2.7,
# the hardware path on 3.0. Bochs 3.0 stops the KASAN kernel in early
# boot (after the HPET clocksource registers), so KASAN runs on 2.7 only.
lanes=(bochs bochs3)
[[ $kasan == 1 ]] && lanes=(bochs)
pids=()
for lane in "${lanes[@]}"; do
	# Two emulators started together can race for the display port.
	((${#pids[@]})) && sleep 20
	boot_lane "$lane" &
	pids+=($!)
done
for pid in "${pids[@]}"; do
	wait "$pid" || rc=1
done
for lane in "${lanes[@]}"; do
	check_lane "$lane" || rc=1
done
exit "$rc"
