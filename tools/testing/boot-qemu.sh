#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the test guest in QEMU TCG with a CPU model WITHOUT VMX ("qemu"
# lane: kvmlite must refuse to load cleanly, error paths, ABI checks).
#
# Usage: tools/testing/boot-qemu.sh [suite|demo]
# Output: $BUILD_DIR/qemu-<mode>.serial (serial log), .serial.ts (same with
#         host timestamps), .status ("done|panic|timeout|exited SECS").
# Environment (see lib.sh for more):
#   KVMLITE_QEMU_TIMEOUT   whole-run wall-clock limit in seconds (900)
#   KVMLITE_TEST_TIMEOUT   per-test limit in guest seconds (300)
#   KVMLITE_TEST_ONLY      comma-separated selftests to run instead of all
# Exit status: 0 when the guest reached its done marker, 1 otherwise.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

mode=${1:-suite}
[[ $mode == suite || $mode == demo ]] || die "usage: $0 [suite|demo]"
[[ -f $BUILD_DIR/initrd.img ]] || "$TESTING_DIR/mkimage.sh"

cmdline="$BASE_CMDLINE kvmlite_test.mode=$mode kvmlite_test.lane=qemu"
cmdline+=" kvmlite_test.timeout=${KVMLITE_TEST_TIMEOUT:-300}"
[[ -n ${KVMLITE_TEST_ONLY:-} ]] && cmdline+=" kvmlite_test.only=$KVMLITE_TEST_ONLY"
cmdline+=" ${KVMLITE_CMDLINE:-}"

prefix=$BUILD_DIR/qemu-$mode
echo "boot-qemu: $mode, log $prefix.serial"
supervise "${KVMLITE_QEMU_TIMEOUT:-900}" "$prefix" \
	qemu-system-x86_64 -accel tcg -cpu qemu64,-vmx -smp 2 -m 256 \
	-nographic -monitor none -serial "file:$prefix.serial" -no-reboot \
	-kernel "$BUILD_DIR/vmlinuz" -initrd "$BUILD_DIR/initrd.img" \
	-append "$cmdline" </dev/null >"$prefix.qemu.log" 2>&1 && rc=0 || rc=$?
echo "boot-qemu: $(cat "$prefix.status")"
exit "$rc"
