// SPDX-License-Identifier: GPL-2.0
/*
 * System ioctls: KVM_GET_API_VERSION, KVM_CHECK_EXTENSION (truthful: only
 * what is implemented answers non-zero) and unknown ioctls, each with
 * KVM's errno.  Where kvm_intel can be loaded, every error case is also
 * asked of /dev/kvm, the oracle for what KVM answers.
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

#define CAP(c, v) { c, #c, v }

/*
 * What KVM_CHECK_EXTENSION must answer: 1 or a limit for what kvmlite
 * implements, 0 for what it does not implement yet.
 */
static const struct {
	long cap;
	const char *name;
	long value;
} expected_caps[] = {
	CAP(KVM_CAP_USER_MEMORY, 1),
	CAP(KVM_CAP_READONLY_MEM, 1),
	CAP(KVM_CAP_IMMEDIATE_EXIT, 1),
	CAP(KVM_CAP_EXT_CPUID, 1),
	CAP(KVM_CAP_MP_STATE, 1),
	CAP(KVM_CAP_NR_VCPUS, 8),
	CAP(KVM_CAP_MAX_VCPUS, 8),
	CAP(KVM_CAP_MAX_VCPU_ID, 8),
	CAP(KVM_CAP_NR_MEMSLOTS, 32),
	CAP(KVM_CAP_SPLIT_IRQCHIP, 1),
	CAP(KVM_CAP_SIGNAL_MSI, 1),
	CAP(KVM_CAP_TSC_DEADLINE_TIMER, 1),
	CAP(KVM_CAP_IRQCHIP, 0),
	CAP(KVM_CAP_XSAVE, 0),
	CAP(KVM_CAP_SET_TSS_ADDR, 0),
	{ 100000, "an undefined capability (100000)", 0 },
	{ -1, "a negative capability (-1)", 0 },
};

#define NCAPS ARRAY_SIZE(expected_caps)
/* A system ioctl number no KVM defines. */
#define BOGUS_IOCTL _IO(KVMIO, 0xfe)

struct answer {
	long ret;
	int err;
};

static struct answer ask(int fd, unsigned long ioctl_nr, unsigned long arg)
{
	struct answer a;

	errno = 0;
	a.ret = ioctl(fd, ioctl_nr, arg);
	a.err = a.ret == -1 ? errno : 0;
	return a;
}

static void compare_with_kvm(int dev)
{
	static const struct {
		unsigned long ioctl_nr, arg;
		const char *what;
	} cases[] = {
		{ KVM_GET_API_VERSION, 1, "KVM_GET_API_VERSION(1)" },
		{ BOGUS_IOCTL, 0, "an unknown system ioctl" },
		{ KVM_CREATE_VM, 1000, "KVM_CREATE_VM(type 1000)" },
		{ KVM_CHECK_EXTENSION, KVM_CAP_CHECK_EXTENSION_VM,
		  "KVM_CHECK_EXTENSION(KVM_CAP_CHECK_EXTENSION_VM)" },
	};
	size_t i;
	int kvm;

	kvm = kvm_modules_load() ? -1 : open("/dev/kvm", O_RDWR);
	if (kvm < 0) {
		for (i = 0; i < ARRAY_SIZE(cases); i++)
			tap_skip("/dev/kvm not available to compare %s",
				 cases[i].what);
		return;
	}
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct answer a = ask(dev, cases[i].ioctl_nr, cases[i].arg);
		struct answer b = ask(kvm, cases[i].ioctl_nr, cases[i].arg);

		tap_check(a.ret == b.ret && a.err == b.err,
			  "%s: kvmlite %ld/%s, kvm %ld/%s", cases[i].what,
			  a.ret, strerror(a.err), b.ret, strerror(b.err));
	}
	close(kvm);
}

int main(int argc, char **argv)
{
	const char *path;
	struct answer a;
	size_t i;
	int dev;

	dev = open_device_or_skip(argc, argv, &path);
	tap_plan(7 + NCAPS + 4);
	tap_diag("device %s", path);

	a = ask(dev, KVM_GET_API_VERSION, 0);
	tap_check(a.ret == KVM_API_VERSION, "KVM_GET_API_VERSION is %d (got %ld)",
		  KVM_API_VERSION, a.ret);
	a = ask(dev, KVM_GET_API_VERSION, 1);
	tap_check_errno(a.ret, a.err, EINVAL, "KVM_GET_API_VERSION with arg 1");
	a = ask(dev, BOGUS_IOCTL, 0);
	tap_check_errno(a.ret, a.err, EINVAL, "an unknown system ioctl");

	a = ask(dev, KVM_CHECK_EXTENSION, KVM_CAP_CHECK_EXTENSION_VM);
	tap_check(a.ret == 1, "KVM_CAP_CHECK_EXTENSION_VM is 1 (got %ld)",
		  a.ret);
	for (i = 0; i < NCAPS; i++) {
		a = ask(dev, KVM_CHECK_EXTENSION, expected_caps[i].cap);
		tap_check(a.ret == expected_caps[i].value,
			  "%s answers %ld (got %ld)", expected_caps[i].name,
			  expected_caps[i].value, a.ret);
	}

	/* The same questions on a VM file descriptor. */
	{
		int vm = ioctl(dev, KVM_CREATE_VM, 0);

		tap_check(vm >= 0, "KVM_CREATE_VM (fd %d)", vm);
		a = ask(vm, KVM_CHECK_EXTENSION, KVM_CAP_CHECK_EXTENSION_VM);
		tap_check(a.ret == 1,
			  "VM fd: KVM_CAP_CHECK_EXTENSION_VM is 1 (got %ld)",
			  a.ret);
		a = ask(vm, BOGUS_IOCTL, 0);
		tap_check_errno(a.ret, a.err, ENOTTY, "VM fd: unknown ioctl");
		close(vm);
	}

	compare_with_kvm(dev);
	close(dev);
	tap_finish();
}
