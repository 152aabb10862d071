// SPDX-License-Identifier: GPL-2.0
/*
 * The Linux guest of linux_guest_test on /dev/kvm, two vCPUs: the same
 * kvmlite-run, kernel and checks on KVM in the same boot, for the
 * comparison (time to init, what the guest sees).  Skipped where
 * kvm_intel cannot load.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kvmlite_util.h"
#include "linux_guest.h"
#include "tap.h"

int main(void)
{
	const char *skip = linux_guest_missing();

	if (!skip)
		skip = linux_boot_skip_reason();
	tap_plan(1);
	if (skip) {
		tap_skip("/dev/kvm: Linux, 2 vCPUs: %s", skip);
		tap_finish();
	}
	/* Without APICv where the emulated CPU gets it wrong, as kvmlite. */
	if (linux_lane_kvm_intel_params_set())
		tap_diag("kvm_intel enable_apicv=0: this lane's CPU mishandles APICv");
	if ((access("/dev/kvm", R_OK | W_OK) && kvm_modules_load()) ||
	    access("/dev/kvm", R_OK | W_OK))
		tap_skip("/dev/kvm: Linux, 2 vCPUs: kvm_intel not available");
	else
		linux_boot_check("/dev/kvm", 2,
				 "/dev/kvm: Linux, 2 vCPUs, to init and poweroff");
	kvm_modules_unload();
	tap_finish();
}
