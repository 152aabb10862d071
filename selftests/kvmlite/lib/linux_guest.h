/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Booting the Linux guest (kvmlite-run --kernel) from a selftest: the
 * test machine's own kernel and the busybox initramfs whose /init is
 * tools/testing/guest/linux-init, which checks CPUs and interrupts and
 * prints "kvmlite-guest: PASS" before powering off.
 */
#ifndef SELFTEST_LINUX_GUEST_H
#define SELFTEST_LINUX_GUEST_H

#include <stdbool.h>

#include "kvmlite_compiler.h"

/* $KVMLITE_LINUX_KERNEL / $KVMLITE_LINUX_INITRD, else the harness's. */
const char *linux_kernel_path(void);
const char *linux_initrd_path(void);
/* Why the guest's files are missing, or NULL. */
const char *linux_guest_missing(void);
/*
 * Why this lane cannot boot it (no VT-x; Bochs 3.0, unless
 * KVMLITE_LINUX_ON_BOCHS3 is set), or NULL.
 */
const char *linux_boot_skip_reason(void);

/*
 * Boot on device with smp vCPUs and 256 MiB and check it (one TAP line,
 * named what): exit status 0, the guest's PASS line for smp CPUs in
 * x2APIC mode (the guest sees KVM's CPUID signature on both devices), no
 * kernel warning, oops, BUG, lockup, RCU stall or panic in its console.
 * Prints the time from start to the guest's init in host TSC ticks and,
 * on /dev/kvmlite, the exits by reason over the run.
 * $KVMLITE_LINUX_APPEND adds words to the guest's command line.
 */
bool linux_boot_check(const char *device, int smp, const char *what);

/*
 * May this lane run the guest with virtual-interrupt delivery?  Not the
 * Bochs lanes (their emulated CPU delivers a virtual interrupt with
 * RFLAGS.IF = 0: docs/linux-guest.md) unless KVMLITE_LINUX_APICV=1.
 */
bool linux_lane_apicv_ok(void);
/* kvmlite's parameters for a default boot here: "" or "enable_apicv=0". */
const char *linux_lane_kvmlite_params(void);

/*
 * One boot on /dev/kvmlite, loaded with params (module parameters; NULL:
 * the lane's default); needs_apicv: skipped where the lane cannot.
 */
struct linux_variant {
	int smp;
	const char *params;
	bool needs_apicv;
	const char *what;
};

/* A whole test: one TAP line per variant, then exit. */
__noreturn void linux_variants_main(const struct linux_variant *v, int n);

#endif
