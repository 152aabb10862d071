#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the test guest in Bochs with an emulated VMX CPU (kvmlite runs for
# real). Two CPUs (corei7_skylake_x), 256 MiB for the suite and 768 MiB for
# demo and linux (room for kvmlite-run --kernel --mem 256; KVMLITE_BOCHS_MEGS
# overrides), an ISOLINUX CD holding
# kernel and initramfs, COM1 to a file, no GUI (rfb display nobody
# connects to). Two lanes:
#   bochs    Debian 12's Bochs 2.7: no posted-interrupt processing, so
#            kvmlite notifies by kicks (software posting)
#   bochs3   Bochs 3.0 built from Debian trixie's source package with the
#            project's patches (build-bochs3.sh; boot-bochs3.sh runs this
#            script with KVMLITE_BOCHS_LANE=bochs3): hardware posted-
#            interrupt processing; kvm_intel gets enable_apicv=0 there
#
# Usage: tools/testing/boot-bochs.sh [suite|demo|linux|bench]  (linux:
#        kvmlite-run --kernel boots the same kernel as a guest, unchecked;
#        debugging; bench: exit_bench, kvmlite against KVM, a table of
#        figures, nothing asserted on time)
# Output: $BUILD_DIR/<lane>-<mode>.serial (serial log), .serial.ts (same
#         with host timestamps), .status ("done|panic|timeout|exited
#         SECS"), .bochs.log (emulator log, errors only).
# Environment (see lib.sh for more):
#   KVMLITE_BOCHS_LANE     bochs (default) or bochs3
#   KVMLITE_BOCHS3_STOCK=1 bochs3 on Bochs 3.0 without the patches
#   KVMLITE_BOCHS3_BIN     bochs3 on this Bochs binary instead
#   KVMLITE_BOCHS_TIMEOUT  whole-run wall-clock limit in seconds (2400)
#   KVMLITE_BOCHS_IPS      Bochs ips= (emulated instructions per guest second)
#   KVMLITE_TEST_TIMEOUT   per-test limit in guest seconds (300)
#   KVMLITE_BOCHS_INFO     "report" logs Bochs info messages with tick counts
#   KVMLITE_BOCHS_ERROR    "report" logs Bochs error messages (#GP reasons; costs time)
#   KVMLITE_BOOT_NAME      output name instead of <lane>-<mode> (two boots
#                          of one lane at once: run-lanes.sh's *-linux)
#   KVMLITE_TEST_ONLY      comma-separated selftests to run instead of all
# Exit status: 0 when the guest reached its done marker, 1 otherwise.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

mode=${1:-suite}
[[ $mode == suite || $mode == demo || $mode == linux || $mode == bench ]] ||
	die "usage: $0 [suite|demo|linux|bench]"
[[ -f $BUILD_DIR/initrd.img ]] || "$TESTING_DIR/mkimage.sh"

# ips: emulated instructions per emulated second for Bochs' timers. The
# CPU model's CPUID claims a 3.5 GHz TSC, so the kernel would count 3.5e9
# instructions per second and every sleep, udelay and timeout would cost
# 70 times more emulated work than with the real rate; tsc_early_khz makes
# the kernel use the Bochs rate (it then refines to the same value).
# clearcpuid=avx512f: Bochs reports inconsistent XSAVE sizes for AVX-512
# (kernel WARNING at fpu/xstate.c, then XSAVE is turned off entirely);
# without AVX-512 the XSAVE layout checks pass. It taints the kernel (S).
# cryptomgr.notests: the deferred crypto self-tests cost ~15 guest seconds.
# nohz=off: with the idle tick stopped, a vCPU's APIC-timer interrupt now
# and then came about 0.5 s late (25.4M TSC at 50 MHz, once 52.5M): once
# per 2,000-round os6829_test run, with posting on or off, and on the
# code before APICv's hardware paths as well.  Where the emulated CPU
# loses that wake-up is not pinned down (0.5 s is the clocksource
# watchdog's period).  With the tick kept, no run has shown it.
lane=${KVMLITE_BOCHS_LANE:-bochs}
case $lane in
bochs)
	# Debian's build stops at its debugger prompt: "c" in the rc file
	# starts the simulation.
	echo c >"$BUILD_DIR/${KVMLITE_BOOT_NAME:-$lane-$mode}.rc"
	emulator=(bochs -rc "$BUILD_DIR/${KVMLITE_BOOT_NAME:-$lane-$mode}.rc") ;;
bochs3)
	# No debugger in this build, so no -rc.  Built once into the cache.
	stock=
	[[ ${KVMLITE_BOCHS3_STOCK:-0} == 1 ]] && stock=--stock
	if [[ -n ${KVMLITE_BOCHS3_BIN:-} ]]; then
		bin=$KVMLITE_BOCHS3_BIN
	else
		bin=$("$TESTING_DIR/build-bochs3.sh" --print $stock) ||
			die "cannot build Bochs 3.0"
	fi
	emulator=("$bin")
	# kvm_intel's reference runs without APICv here, as the issue that
	# added the lane asks: its descriptor is not page-aligned, which
	# stock Bochs 3.0 refuses.
	cmdline_lane="kvmlite_test.kvm_intel=enable_apicv=0" ;;
*) die "unknown Bochs lane $lane" ;;
esac
ips=${KVMLITE_BOCHS_IPS:-50000000}
cmdline="$BASE_CMDLINE tsc_early_khz=$((ips / 1000)) clearcpuid=avx512f nohz=off"
cmdline+=" cryptomgr.notests"
cmdline+=" kvmlite_test.mode=$mode kvmlite_test.lane=$lane ${cmdline_lane:-}"
cmdline+=" kvmlite_test.timeout=${KVMLITE_TEST_TIMEOUT:-300}"
[[ -n ${KVMLITE_TEST_ONLY:-} ]] && cmdline+=" kvmlite_test.only=$KVMLITE_TEST_ONLY"
cmdline+=" ${KVMLITE_CMDLINE:-}"

prefix=$BUILD_DIR/${KVMLITE_BOOT_NAME:-$lane-$mode}
# The demo and linux modes boot a 256 MiB Linux guest inside: 768 MiB
# (run-lanes.sh's *-linux boots give the suite's Linux boots 448).
# The suite keeps 256 MiB: with more, Bochs 2.7 trips its XRSTOR #GP
# ("Bad FPU state") in the machine's kernel more often (docs/linux-guest.md).
megs=256
[[ $mode == suite || $mode == bench ]] || megs=768
megs=${KVMLITE_BOCHS_MEGS:-$megs}

# --- CD image: ISOLINUX boots straight into the kernel, no menu, no wait.
iso=$prefix.iso
isodir=$prefix.isodir
rm -rf "$isodir"
mkdir -p "$isodir/isolinux"
cp /usr/lib/ISOLINUX/isolinux.bin /usr/lib/syslinux/modules/bios/ldlinux.c32 \
	"$isodir/isolinux/"
ln "$BUILD_DIR/vmlinuz" "$isodir/vmlinuz" 2>/dev/null || cp "$BUILD_DIR/vmlinuz" "$isodir/"
ln "$BUILD_DIR/initrd.img" "$isodir/initrd.img" 2>/dev/null || cp "$BUILD_DIR/initrd.img" "$isodir/"
# SERIAL: the loader's banner on COM1 marks the end of the BIOS phase.
cat >"$isodir/isolinux/isolinux.cfg" <<EOC
SERIAL 0 115200
DEFAULT kvmlite
PROMPT 0
TIMEOUT 0
LABEL kvmlite
  KERNEL /vmlinuz
  INITRD /initrd.img
  APPEND $cmdline
EOC
xorriso -as mkisofs -quiet -o "$iso" -b isolinux/isolinux.bin \
	-c isolinux/boot.cat -no-emul-boot -boot-load-size 4 \
	-boot-info-table "$isodir" 2>/dev/null

# --- Bochs configuration. Logging is kept to errors: Bochs logs a line per
# unknown MSR, which costs time.
cat >"$prefix.bochsrc" <<EOC
megs: $megs
cpu: model=corei7_skylake_x, count=2, ips=$ips, reset_on_triple_fault=0
clock: sync=none, time0=local
romimage: file=/usr/share/bochs/BIOS-bochs-latest, options=fastboot
vgaromimage: file=/usr/share/bochs/VGABIOS-lgpl-latest
ata0-master: type=cdrom, path="$iso", status=inserted
boot: cdrom
floppy_bootsig_check: disabled=1
com1: enabled=1, mode=file, dev="$prefix.serial"
display_library: rfb, options="timeout=0"
mouse: enabled=0
log: $prefix.bochs.log
panic: action=fatal
error: action=${KVMLITE_BOCHS_ERROR:-ignore}
info: action=${KVMLITE_BOCHS_INFO:-ignore}
debug: action=ignore
EOC

echo "boot-bochs: $lane $mode, log $prefix.serial"
supervise "${KVMLITE_BOCHS_TIMEOUT:-2400}" "$prefix" \
	"${emulator[@]}" -q -f "$prefix.bochsrc" \
	</dev/null >"$prefix.stdout" 2>&1 && rc=0 || rc=$?
echo "boot-bochs: $(cat "$prefix.status")"
exit "$rc"
