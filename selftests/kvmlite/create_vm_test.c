// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_CREATE_VM: a VM fd enters VMX operation on every CPU and closing
 * the last one leaves it; a bad VM type fails with EINVAL and leaves
 * nothing behind; many VMs at once; a VM outlives the device fd; a
 * process that exits without closing its VMs releases them.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kvmlite_util.h"
#include "tap.h"

#define MANY_VMS 64

static struct vmx_state state(void)
{
	struct vmx_state st = { 0 };

	if (vmx_state_read(&st))
		tap_bail("cannot read %s", KVMLITE_VMX_STATE);
	return st;
}

static bool vmx_all_off(void)
{
	struct vmx_state st = state();

	return st.users == 0 && st.cpus_on == 0;
}

static bool vmx_all_on(unsigned int users)
{
	struct vmx_state st = state();

	return st.users == users && st.cpus_on == st.cpus && st.cpus > 0;
}

int main(int argc, char **argv)
{
	int dev, vm, vms[MANY_VMS], i, n, flags, status;
	const char *path;
	pid_t child;

	dev = open_device_or_skip(argc, argv, &path);
	tap_plan(14);

	tap_check(vmx_all_off(), "no CPU in VMX operation before the test");

	vm = ioctl(dev, KVM_CREATE_VM, 0);
	tap_check(vm >= 0, "KVM_CREATE_VM returns a VM fd (%d)", vm);
	flags = fcntl(vm, F_GETFD);
	tap_check(flags >= 0 && (flags & FD_CLOEXEC), "VM fd is close-on-exec");
	tap_check(vmx_all_on(1), "every CPU in VMX operation with one VM");
	close(vm);
	tap_check(vmx_all_off(), "closing the last VM leaves VMX on every CPU");

	vm = ioctl(dev, KVM_CREATE_VM, 1);
	tap_check_errno(vm, errno, EINVAL, "KVM_CREATE_VM with type 1");
	vm = ioctl(dev, KVM_CREATE_VM, ~0UL);
	tap_check_errno(vm, errno, EINVAL, "KVM_CREATE_VM with type ~0");
	tap_check(vmx_all_off(), "failed creates leave nothing behind");

	for (n = 0; n < MANY_VMS; n++) {
		vms[n] = ioctl(dev, KVM_CREATE_VM, 0);
		if (vms[n] < 0)
			break;
	}
	tap_check(n == MANY_VMS && vmx_all_on(MANY_VMS),
		  "%d VMs at once (%d created)", MANY_VMS, n);
	for (i = 0; i < n; i++)
		close(vms[i]);
	tap_check(vmx_all_off(), "closing all %d VMs leaves VMX", n);

	/* The VM holds its own reference: closing the device fd is fine. */
	vm = ioctl(dev, KVM_CREATE_VM, 0);
	close(dev);
	tap_check(vm >= 0 && ioctl(vm, KVM_CHECK_EXTENSION,
				   KVM_CAP_CHECK_EXTENSION_VM) == 1,
		  "VM fd works after the device fd is closed");
	close(vm);
	tap_check(vmx_all_off(), "and releases VMX when closed");

	/* A process that dies holding VMs must not leak them. */
	child = fork();
	if (child == 0) {
		int d = open(path, O_RDWR);

		for (i = 0; i < 8; i++)
			if (ioctl(d, KVM_CREATE_VM, 0) < 0)
				_exit(2);
		_exit(vmx_all_on(8) ? 0 : 3);
	}
	tap_check(waitpid(child, &status, 0) == child && WIFEXITED(status) &&
		  WEXITSTATUS(status) == 0,
		  "a child holds 8 VMs (status %#x)", status);
	tap_check(vmx_all_off(), "its exit releases them all");
	tap_finish();
}
