#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# kvmlite's main job, from a fresh Debian 12 machine (run as root: missing
# packages are installed): build the module and the VMM, boot the emulated
# VT-x machine (Bochs, 2 CPUs), load the module there and show it
# answering through kvmlite-run.  The whole serial log stays in
# build/testing/bochs-demo.serial.
# Exit status: 0 when the module loaded and kvmlite-run created a VM.
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
sed -n '/^kvmlite-test: mode=demo/,/KVMLITE DONE/p' "$log" |
	grep -v 'KVMLITE DMESG\|KVMLITE DONE'
echo
if grep -q '^kvmlite-test: demo: kvmlite-run exit=0' "$log"; then
	echo "demo: kvmlite loaded in the emulated VT-x machine and answered"
else
	echo "demo: FAILED; see $log"
	exit 1
fi
