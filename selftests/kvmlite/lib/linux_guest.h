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
/* Why this lane cannot boot it (no VT-x, too little memory), or NULL. */
const char *linux_boot_skip_reason(void);

#define LINUX_MAX_COUNTERS	128

/* A VM's debugfs counters, summed over its vCPUs, by name. */
struct linux_counters {
	int n;
	char name[LINUX_MAX_COUNTERS][40];
	unsigned long long val[LINUX_MAX_COUNTERS];
};

/* What one boot measured (linux_boot_run). */
struct linux_boot {
	bool ok;
	double seconds;			/* wall, kvmlite-run start to exit */
	unsigned long long init_ticks;	/* guest TSC, start to the guest's init */
	/* the last sample before kvmlite-run exited: the whole run */
	struct linux_counters counters;
};

/*
 * Boot on device with smp vCPUs and 256 MiB and check it: exit status 0,
 * the guest's PASS line for smp CPUs in x2APIC mode (the guest sees KVM's
 * CPUID signature on both devices) with this machine's wall clock, no
 * kernel warning, oops, BUG, lockup, RCU stall or panic in its console.
 * A failed check prints its reasons and the VMM's output as TAP
 * diagnostics, under what. The counters are kvmlite's per-vCPU ones or
 * KVM's per-VM ones (debugfs).
 * $KVMLITE_LINUX_APPEND adds words to the guest's command line.
 */
bool linux_boot_run(const char *device, int smp, const char *what,
		    struct linux_boot *boot);
/* Is it a counter of exits by reason, halts, injection or posting? */
bool linux_counter_shown(const char *name);
/* Those counters (not zero) as diagnostics. */
void linux_counters_print(const struct linux_counters *c);
/*
 * linux_boot_run, then its time to init and counters as diagnostics, and
 * one TAP line named what.
 */
bool linux_boot_check(const char *device, int smp, const char *what);

/*
 * May this lane run the guest with virtual-interrupt delivery?  Not the
 * Bochs 2.7 lane (its emulated CPU delivers a virtual interrupt with
 * RFLAGS.IF = 0: docs/linux-guest.md; the bochs3 lane's Bochs carries the
 * fix) unless KVMLITE_LINUX_APICV=1.
 */
bool linux_lane_apicv_ok(void);
/* kvmlite's parameters for a default boot here: "" or "enable_apicv=0". */
const char *linux_lane_kvmlite_params(void);
/*
 * The same for kvm_intel (kvm_modules_load() reads $KVM_INTEL_PARAMS):
 * sets it to "enable_apicv=0" where the lane needs that and the
 * variable names nothing; true when it did.
 */
bool linux_lane_kvm_intel_params_set(void);

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
