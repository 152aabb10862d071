// SPDX-License-Identifier: GPL-2.0
/*
 * The Linux guest of linux_guest_test on /dev/kvmlite in the other
 * configurations: one vCPU and four (more vCPUs than the test machine
 * has CPUs), then two vCPUs with APICv off (kvmlite enable_apicv=0:
 * injection through VM entry) and with posted interrupts off
 * (posted_interrupts=0).  Each must reach init, see its interrupts move
 * and power off, with no warning in its console.
 */
#include <stdio.h>

#include "kvmlite_util.h"
#include "linux_guest.h"
#include "tap.h"

static const struct {
	int smp;
	const char *params;	/* kvmlite module parameters */
	const char *what;
} variants[] = {
	{ 1, "", "/dev/kvmlite: Linux, 1 vCPU" },
	{ 4, "", "/dev/kvmlite: Linux, 4 vCPUs" },
	{ 2, "enable_apicv=0", "/dev/kvmlite: Linux, 2 vCPUs, enable_apicv=0" },
	{ 2, "posted_interrupts=0", "/dev/kvmlite: Linux, 2 vCPUs, posted_interrupts=0" },
};

int main(void)
{
	const char *missing = linux_guest_missing();
	size_t i;
	int r;

	tap_plan(ARRAY_SIZE(variants));
	for (i = 0; i < ARRAY_SIZE(variants); i++) {
		if (missing || !lane_has_vmx()) {
			tap_skip("%s: %s", variants[i].what, missing ? missing :
				 "no VT-x in this lane");
			continue;
		}
		module_unload(KVMLITE_MODULE);
		r = module_load(kvmlite_ko_path(), variants[i].params);
		if (r) {
			tap_check(false, "%s: load %s %s: %d", variants[i].what,
				  kvmlite_ko_path(), variants[i].params, r);
			continue;
		}
		linux_boot_check(KVMLITE_DEV, variants[i].smp,
				 variants[i].what);
	}
	module_unload(KVMLITE_MODULE);
	tap_finish();
}
