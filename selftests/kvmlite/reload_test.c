// SPDX-License-Identifier: GPL-2.0
/*
 * Unload and reload the module ten times, creating a VM each time; an
 * open VM pins the module (unload fails with EWOULDBLOCK and changes
 * nothing).  Leaves the module loaded.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kvmlite_util.h"
#include "tap.h"

#define ROUNDS 10

static bool one_round(int round)
{
	struct vmx_state st = { 0 };
	bool ok = true;
	int r, dev, vm;

	r = module_unload(KVMLITE_MODULE);
	ok &= tap_check(r == 0 && access(KVMLITE_DEV, F_OK) != 0,
			"round %d: unload (r=%d), device gone", round, r);
	r = module_load(kvmlite_ko_path(), NULL);
	dev = open(KVMLITE_DEV, O_RDWR);
	vm = dev >= 0 ? ioctl(dev, KVM_CREATE_VM, 0) : -1;
	ok &= tap_check(r == 0 && vm >= 0 && !vmx_state_read(&st) &&
			st.cpus_on == st.cpus,
			"round %d: reload (r=%d), VM %d, %d of %d CPUs in VMX",
			round, r, vm, st.cpus_on, st.cpus);
	close(vm);
	close(dev);
	return ok;
}

int main(int argc, char **argv)
{
	struct vmx_state st = { 0 };
	int dev, vm, r, round;

	dev = open_device_or_skip(argc, argv, NULL);
	tap_plan(2 * ROUNDS + 3);

	vm = ioctl(dev, KVM_CREATE_VM, 0);
	close(dev);
	r = module_unload(KVMLITE_MODULE);
	tap_check_errno(r ? -1 : 0, -r, EWOULDBLOCK, "unload with a VM open");
	tap_check(module_loaded(KVMLITE_MODULE) &&
		  ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_CHECK_EXTENSION_VM) == 1,
		  "module and VM still there");
	close(vm);

	for (round = 1; round <= ROUNDS; round++)
		if (!one_round(round))
			break;
	for (round++; round <= ROUNDS; round++) {
		tap_skip("round %d: earlier round failed", round);
		tap_skip("round %d: earlier round failed", round);
	}

	tap_check(!vmx_state_read(&st) && st.users == 0 && st.cpus_on == 0,
		  "after the last round no CPU is in VMX operation");
	tap_finish();
}
