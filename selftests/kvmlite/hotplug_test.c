// SPDX-License-Identifier: GPL-2.0
/*
 * CPU hotplug while a VM exists: a CPU going offline leaves VMX
 * operation, one coming online enters it; with no VM, onlining a CPU
 * leaves it out of VMX operation.
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

#define CPU1_ONLINE "/sys/devices/system/cpu/cpu1/online"

static int set_cpu1_online(bool online)
{
	int fd = open(CPU1_ONLINE, O_WRONLY);
	int r = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, online ? "1" : "0", 1) != 1)
		r = -errno;
	close(fd);
	return r;
}

static struct vmx_state state(void)
{
	struct vmx_state st = { 0 };

	if (vmx_state_read(&st))
		tap_bail("cannot read %s", KVMLITE_VMX_STATE);
	return st;
}

int main(int argc, char **argv)
{
	struct vmx_state st;
	int dev, vm, r;

	dev = open_device_or_skip(argc, argv, NULL);
	if (access(CPU1_ONLINE, W_OK))
		tap_skip_all("no hot-pluggable CPU 1");
	tap_plan(7);

	vm = ioctl(dev, KVM_CREATE_VM, 0);
	st = state();
	tap_check(vm >= 0 && st.cpus >= 2 && st.cpus_on == st.cpus,
		  "VM created, %d of %d CPUs in VMX operation", st.cpus_on,
		  st.cpus);

	r = set_cpu1_online(false);
	st = state();
	tap_check(r == 0 && st.cpus_on == st.cpus - 1,
		  "CPU 1 offline leaves VMX (r=%d, %d on)", r, st.cpus_on);
	r = set_cpu1_online(true);
	st = state();
	tap_check(r == 0 && st.cpus_on == st.cpus,
		  "CPU 1 online enters VMX (r=%d, %d on)", r, st.cpus_on);
	tap_check(ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_CHECK_EXTENSION_VM) == 1,
		  "VM still answers");
	close(vm);
	st = state();
	tap_check(st.users == 0 && st.cpus_on == 0,
		  "closing the VM leaves VMX everywhere (%d on)", st.cpus_on);

	r = set_cpu1_online(false);
	r = r ? r : set_cpu1_online(true);
	st = state();
	tap_check(r == 0 && st.cpus_on == 0,
		  "CPU 1 cycled with no VM stays out of VMX (r=%d, %d on)", r,
		  st.cpus_on);

	vm = ioctl(dev, KVM_CREATE_VM, 0);
	st = state();
	tap_check(vm >= 0 && st.cpus_on == st.cpus,
		  "a new VM enters VMX on the re-onlined CPU too (%d of %d)",
		  st.cpus_on, st.cpus);
	close(vm);
	close(dev);
	tap_finish();
}
