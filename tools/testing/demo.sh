#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# kvmlite's main job, from a fresh Debian 12 machine (run as root: missing
# packages are installed): build the module and the VMM, boot the emulated
# VT-x machine (Debian 12's Bochs 2.7, 2 CPUs), load the module there and
# show it answering through kvmlite-run, which then runs three demo guests
# (a Multiboot kernel and a 64-bit ELF that print on the emulated COM1 and
# exit through port 0xf4, and a two-vCPU 64-bit ELF whose BSP starts its
# AP with INIT/SIPI through kvmlite's in-kernel LAPIC), and last boots
# Linux (the machine's own kernel, two vCPUs) with kvmlite-run --kernel
# to a shell on its console, which runs a few commands and powers off.
# The whole serial log stays in build/testing/<lane>-demo.serial
# ($KVMLITE_BUILD_DIR if set).
# KVMLITE_DEMO_LANE=bochs3 runs it on Bochs 3.0 instead (built from
# Debian's source package into ~/.cache/kvmlite the first time, a few
# minutes on 2 cores): there Linux runs with APICv and hardware posted
# interrupts, where Bochs 2.7's needs kvmlite's enable_apicv=0
# (docs/linux-guest.md).
# Exit status: 0 when the module loaded, kvmlite-run created a VM and the
# guests printed their lines and exited with their status (0, 42, 43), and
# the Linux guest passed its check, reached its shell and powered off (0).
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
# BUILD_DIR: where boot-bochs.sh writes the log (KVMLITE_BUILD_DIR).
. tools/testing/lib.sh

tools/testing/setup-deps.sh
make -s module user
lane=${KVMLITE_DEMO_LANE:-bochs}
case $lane in
bochs | bochs3) ;;
*) die "KVMLITE_DEMO_LANE must be bochs or bochs3" ;;
esac
tools/testing/mkimage.sh
"tools/testing/boot-$lane.sh" demo || true

log=$BUILD_DIR/$lane-demo.serial
echo
echo "==== what the emulated machine printed (from $log) ===="
sed -n '/^kvmlite-test: mode=demo/,/KVMLITE DMESG BEGIN/p' "$log" |
	grep -v 'KVMLITE DMESG\|KVMLITE DONE'
echo
if grep -q '^kvmlite-test: demo: kvmlite-run exit=0' "$log" &&
   grep -q '^kvmlite-test: demo: guest hello32.elf exit=0' "$log" &&
   grep -q '^kvmlite-test: demo: guest hello64.elf exit=42' "$log" &&
   grep -q '^kvmlite-test: demo: guest smp64.elf exit=43' "$log" &&
   grep -q 'Hello from kvmlite guest' "$log" &&
   grep -q 'Hello from 64-bit kvmlite guest' "$log" &&
   grep -q '^AP 1 up' "$log" &&
   grep -q '^smp64: 2 CPUs up' "$log" &&
   grep -q '^kvmlite-guest: PASS cpus=2 ' "$log" &&
   grep -q '^kvmlite-guest: a shell on ttyS0' "$log" &&
   grep -q '^Linux 6' "$log" &&
   grep -q '^kvmlite-test: demo: guest linux exit=0' "$log" &&
   { [[ $lane != bochs3 ]] ||
     grep -q 'kvmlite: posted interrupts: hardware processing' "$log"; }; then
	echo "demo: kvmlite loaded in the emulated VT-x machine ($lane), ran the three guests and booted Linux to its shell"
else
	echo "demo: FAILED; see $log"
	exit 1
fi
