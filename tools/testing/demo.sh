#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# kvmlite's main job, from a fresh Debian 12 machine (run as root: missing
# packages are installed): build the module and the VMM, boot the emulated
# VT-x machine (Bochs, 2 CPUs), load the module there and show it
# answering through kvmlite-run, which then runs two demo guests (a
# Multiboot kernel and a 64-bit ELF that print on the emulated COM1 and
# exit through port 0xf4).  The whole serial log stays in
# build/testing/bochs-demo.serial.
# Exit status: 0 when the module loaded, kvmlite-run created a VM and both
# guests printed their greeting and exited with their status (0 and 42).
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"

tools/testing/setup-deps.sh
make -s module user
tools/testing/mkimage.sh
tools/testing/boot-bochs.sh demo || true

log=build/testing/bochs-demo.serial
echo
echo "==== what the emulated machine printed (from $log) ===="
sed -n '/^kvmlite-test: mode=demo/,/KVMLITE DMESG BEGIN/p' "$log" |
	grep -v 'KVMLITE DMESG\|KVMLITE DONE'
echo
if grep -q '^kvmlite-test: demo: kvmlite-run exit=0' "$log" &&
   grep -q '^kvmlite-test: demo: guest hello32.elf exit=0' "$log" &&
   grep -q '^kvmlite-test: demo: guest hello64.elf exit=42' "$log" &&
   grep -q 'Hello from kvmlite guest' "$log" &&
   grep -q 'Hello from 64-bit kvmlite guest' "$log"; then
	echo "demo: kvmlite loaded in the emulated VT-x machine and ran both guests"
else
	echo "demo: FAILED; see $log"
	exit 1
fi
