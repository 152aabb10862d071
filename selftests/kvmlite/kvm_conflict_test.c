// SPDX-License-Identifier: GPL-2.0
/*
 * Sharing VT-x with Debian's kvm_intel: while a KVM VM holds VMX, creating
 * a kvmlite VM fails with EBUSY, logs one clear line and leaves no CPU in
 * VMX operation; while a kvmlite VM holds it, KVM cannot create a VM;
 * once each side closes its VMs the other works again, which also shows
 * that kvmlite left VMX operation on every CPU (KVM enables all of them).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kvmlite_util.h"
#include "tap.h"

int main(int argc, char **argv)
{
	char line[512] = "";
	struct vmx_state st = { 0 };
	int dev, kvm, kvm_vm, vm, kmsg, r, err;

	dev = open_device_or_skip(argc, argv, NULL);
	tap_plan(9);

	r = kvm_modules_load();
	kvm = r ? -1 : open("/dev/kvm", O_RDWR);
	if (!tap_check(kvm >= 0, "kvm_intel loads and /dev/kvm opens (r=%d)", r))
		tap_bail("cannot go on without KVM");

	kvm_vm = ioctl(kvm, KVM_CREATE_VM, 0);
	tap_check(kvm_vm >= 0, "KVM VM created (fd %d)", kvm_vm);

	kmsg = kmsg_open_at_end();
	vm = ioctl(dev, KVM_CREATE_VM, 0);
	err = errno;
	tap_check_errno(vm, err, EBUSY, "kvmlite KVM_CREATE_VM while KVM owns VT-x");
	tap_check(kmsg >= 0 && kmsg_find(kmsg, "another hypervisor", line,
					 sizeof(line)),
		  "one clear log line: '%s'", line);
	tap_check(!vmx_state_read(&st) && st.users == 0 && st.cpus_on == 0,
		  "failed create leaves no CPU in kvmlite's VMX operation (%d on)",
		  st.cpus_on);

	close(kvm_vm);
	vm = ioctl(dev, KVM_CREATE_VM, 0);
	tap_check(vm >= 0, "after KVM's VM is closed kvmlite creates a VM (%d)",
		  vm);

	kvm_vm = ioctl(kvm, KVM_CREATE_VM, 0);
	err = errno;
	tap_check(kvm_vm < 0, "KVM cannot create a VM while kvmlite owns VT-x (%d/%s)",
		  kvm_vm, strerror(err));
	if (kvm_vm >= 0)
		close(kvm_vm);

	close(vm);
	kvm_vm = ioctl(kvm, KVM_CREATE_VM, 0);
	tap_check(kvm_vm >= 0,
		  "after kvmlite's VM is closed KVM creates a VM (%d)", kvm_vm);
	close(kvm_vm);
	close(kvm);

	kvm_modules_unload();
	tap_check(!module_loaded("kvm_intel") && !module_loaded("kvm"),
		  "kvm_intel and kvm unload afterwards");
	close(dev);
	tap_finish();
}
