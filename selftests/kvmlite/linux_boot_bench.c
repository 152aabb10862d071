// SPDX-License-Identifier: GPL-2.0
/*
 * linux_boot_bench: the Linux guest of linux_guest_test (kvmlite-run
 * --kernel, 2 vCPUs, 256 MiB) booted once on /dev/kvmlite and once on
 * /dev/kvm in the same machine, in one table: the guest TSC ticks from
 * kvmlite-run's start to the guest's init, the wall time of the whole run
 * (boot, the init's workload, poweroff), and the exits by reason over
 * that run (debugfs: kvmlite's per-vCPU counters, KVM's per-VM ones; "-"
 * where a device has no such counter).
 *
 * Not a selftest: nothing is asserted on time. Its exit status is 0 when
 * both boots passed linux_guest_test's check, 1 when one did not or a
 * module would not load, 4 (skip) where the lane cannot boot the guest.
 * kvmlite gets the lane's parameters for this guest (enable_apicv=0 in
 * Bochs 2.7: docs/linux-guest.md), and kvm_intel the same.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kvmlite_util.h"
#include "linux_guest.h"
#include "tap.h"

#define BENCH_SMP	2

static struct linux_boot boots[2];	/* kvmlite, kvm */
static bool ran[2];

static const char *counter(const struct linux_counters *c, const char *name,
			   char *buf, size_t size)
{
	int i;

	for (i = 0; i < c->n; i++)
		if (!strcmp(c->name[i], name)) {
			snprintf(buf, size, "%llu", c->val[i]);
			return buf;
		}
	return "-";
}

static void print_row(const char *name, const char *lite, const char *kvm)
{
	printf("%-40s %14s %14s\n", name, lite, kvm);
}

/* A counter row, once per name, from either device's list. */
static void print_counter_rows(void)
{
	const struct linux_counters *all[2] = { &boots[0].counters,
						&boots[1].counters };
	char a[24], b[24];
	int d, i, j;

	for (d = 0; d < 2; d++) {
		for (i = 0; i < all[d]->n; i++) {
			const char *name = all[d]->name[i];
			bool seen = false;

			if (!linux_counter_shown(name))
				continue;
			/* From KVM's list only names kvmlite lacks. */
			for (j = 0; d && j < all[0]->n; j++)
				seen |= !strcmp(all[0]->name[j], name);
			if (seen)
				continue;
			print_row(name,
				  ran[0] ? counter(all[0], name, a, sizeof(a)) : "-",
				  ran[1] ? counter(all[1], name, b, sizeof(b)) : "-");
		}
	}
}

static void print_table(void)
{
	char a[24] = "-", b[24] = "-";

	printf("==== KVMLITE LINUX BENCH TABLE BEGIN ====\n");
	print_row("name", "kvmlite", "kvm");
	if (ran[0])
		snprintf(a, sizeof(a), "%llu", boots[0].init_ticks);
	if (ran[1])
		snprintf(b, sizeof(b), "%llu", boots[1].init_ticks);
	print_row("guest TSC ticks, start to init", a, b);
	if (ran[0])
		snprintf(a, sizeof(a), "%.1f", boots[0].seconds);
	if (ran[1])
		snprintf(b, sizeof(b), "%.1f", boots[1].seconds);
	print_row("wall seconds, whole run", a, b);
	print_counter_rows();
	printf("==== KVMLITE LINUX BENCH TABLE END ====\n");
}

static bool boot_kvmlite(void)
{
	const char *params = linux_lane_kvmlite_params();
	int r;

	module_unload(KVMLITE_MODULE);
	r = module_load(kvmlite_ko_path(), params);
	if (r) {
		printf("# linux_boot_bench: insmod %s %s: %s\n", kvmlite_ko_path(),
		       params, strerror(-r));
		return false;
	}
	printf("# linux_boot_bench: kvmlite %s\n", *params ? params : "(defaults)");
	ran[0] = true;
	linux_boot_run(KVMLITE_DEV, BENCH_SMP, "/dev/kvmlite", &boots[0]);
	module_unload(KVMLITE_MODULE);
	return boots[0].ok;
}

static bool boot_kvm(void)
{
	const char *kp;

	linux_lane_kvm_intel_params_set();
	kp = getenv("KVM_INTEL_PARAMS");
	if (kvm_modules_load() || access("/dev/kvm", R_OK | W_OK)) {
		printf("# linux_boot_bench: cannot load kvm_intel: no KVM column\n");
		kvm_modules_unload();
		return false;
	}
	printf("# linux_boot_bench: kvm_intel %s\n", kp && *kp ? kp : "(defaults)");
	ran[1] = true;
	linux_boot_run("/dev/kvm", BENCH_SMP, "/dev/kvm", &boots[1]);
	kvm_modules_unload();
	return boots[1].ok;
}

int main(void)
{
	const char *skip = linux_guest_missing();
	bool ok;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!skip)
		skip = linux_boot_skip_reason();
	if (skip) {
		printf("# linux_boot_bench: SKIP: %s\n", skip);
		return KSFT_SKIP;
	}
	printf("# linux_boot_bench: lane %s, one boot per device: %s %d --mem 256 --kernel %s\n",
	       lane_name(), "kvmlite-run --smp", BENCH_SMP, linux_kernel_path());
	kvm_modules_unload();
	ok = boot_kvmlite();
	ok &= boot_kvm();
	print_table();
	printf("# linux_boot_bench: %s\n",
	       ok ? "both boots passed their check" : "some boot failed or did not run");
	return ok ? 0 : 1;
}
