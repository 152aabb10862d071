// SPDX-License-Identifier: GPL-2.0
/*
 * Bad input to the system, VM and vCPU ioctls of the VMX core: each case
 * must fail with the errno KVM uses (the table below), and /dev/kvm, the
 * oracle, is asked the same questions where kvm_intel can be loaded.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kvmlite_util.h"
#include "tap.h"

struct answer {
	long ret;
	int err;
	long detail;	/* a value the case reports back, e.g. nmsrs */
};

enum {
	CASE_CPUID_SMALL, CASE_MSR_LIST_SMALL, CASE_MMAP_SIZE_ARG,
	CASE_SET_CPUID_HUGE, CASE_SIGMASK_LEN, CASE_RUN_ARG, CASE_MP_HALTED,
	CASE_GET_UNKNOWN_MSR, CASE_SET_MSRS_HUGE, CASE_OTHER_MM,
	CASE_CAP_FLAGS, CASE_CAP_PINS, CASE_CAP_LATE, CASE_MSI_NO_IRQCHIP,
	CASE_LAPIC_NO_IRQCHIP,
	NR_CASES
};

static const struct {
	const char *what;
	long ret;	/* expected return, -1 for an error */
	int err;
} expected[NR_CASES] = {
	[CASE_CPUID_SMALL] = { "KVM_GET_SUPPORTED_CPUID with nent 1", -1, E2BIG },
	[CASE_MSR_LIST_SMALL] = { "KVM_GET_MSR_INDEX_LIST with nmsrs 0", -1, E2BIG },
	[CASE_MMAP_SIZE_ARG] = { "KVM_GET_VCPU_MMAP_SIZE with arg 1", -1, EINVAL },
	[CASE_SET_CPUID_HUGE] = { "KVM_SET_CPUID2 with nent 100000", -1, E2BIG },
	[CASE_SIGMASK_LEN] = { "KVM_SET_SIGNAL_MASK with len 4", -1, EINVAL },
	[CASE_RUN_ARG] = { "KVM_RUN with arg 1", -1, EINVAL },
	[CASE_MP_HALTED] = { "KVM_SET_MP_STATE HALTED without irqchip", -1, EINVAL },
	[CASE_GET_UNKNOWN_MSR] = { "KVM_GET_MSRS of an unknown MSR does 0", 0, 0 },
	[CASE_SET_MSRS_HUGE] = { "KVM_SET_MSRS with nmsrs 100000", -1, E2BIG },
	[CASE_OTHER_MM] = { "a VM ioctl from another process", -1, EIO },
	[CASE_CAP_FLAGS] = { "KVM_ENABLE_CAP with flags 1", -1, EINVAL },
	/* KVM 6.1 reports "too late" before it looks at the pin count. */
	[CASE_CAP_PINS] = { "KVM_ENABLE_CAP(SPLIT_IRQCHIP) with 1000 pins, late", -1, EEXIST },
	[CASE_CAP_LATE] = { "KVM_ENABLE_CAP(SPLIT_IRQCHIP) after a vCPU", -1, EEXIST },
	[CASE_MSI_NO_IRQCHIP] = { "KVM_SIGNAL_MSI without an irqchip", -1, EINVAL },
	[CASE_LAPIC_NO_IRQCHIP] = { "KVM_GET_LAPIC without an irqchip", -1, EINVAL },
};

static struct answer answer(long ret)
{
	struct answer a = { ret, ret == -1 ? errno : 0, 0 };

	return a;
}

/* Ask every question of one device; false if it cannot make a vCPU. */
static bool ask_all(const char *path, struct answer *a)
{
	struct kvm_cpuid2 *cpuid = calloc(1, sizeof(*cpuid) +
					 sizeof(struct kvm_cpuid_entry2));
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} msrs = { { .nmsrs = 1 }, { .index = 0xdeadbeef } };
	struct kvm_signal_mask sigmask = { .len = 4 };
	struct kvm_mp_state mp = { KVM_MP_STATE_HALTED };
	struct kvm_msr_list list = { .nmsrs = 0 };
	struct kvm_enable_cap cap = { .cap = KVM_CAP_SPLIT_IRQCHIP };
	struct kvm_msi msi = { .address_lo = 0xfee00000, .data = 0x40 };
	struct kvm_lapic_state *lapic = calloc(1, sizeof(*lapic));
	int dev, vm, vcpu, status;
	pid_t child;

	dev = open(path, O_RDWR);
	vm = dev >= 0 ? ioctl(dev, KVM_CREATE_VM, 0) : -1;
	vcpu = vm >= 0 ? ioctl(vm, KVM_CREATE_VCPU, 0) : -1;
	if (!cpuid || !lapic || vcpu < 0) {
		tap_diag("%s: no vCPU (%s)", path, strerror(errno));
		free(cpuid);
		free(lapic);
		return false;
	}

	cpuid->nent = 1;
	a[CASE_CPUID_SMALL] = answer(ioctl(dev, KVM_GET_SUPPORTED_CPUID, cpuid));
	a[CASE_MSR_LIST_SMALL] = answer(ioctl(dev, KVM_GET_MSR_INDEX_LIST, &list));
	a[CASE_MSR_LIST_SMALL].detail = list.nmsrs > 0;
	a[CASE_MMAP_SIZE_ARG] = answer(ioctl(dev, KVM_GET_VCPU_MMAP_SIZE, 1));
	cpuid->nent = 100000;
	a[CASE_SET_CPUID_HUGE] = answer(ioctl(vcpu, KVM_SET_CPUID2, cpuid));
	a[CASE_SIGMASK_LEN] = answer(ioctl(vcpu, KVM_SET_SIGNAL_MASK, &sigmask));
	a[CASE_RUN_ARG] = answer(ioctl(vcpu, KVM_RUN, 1));
	a[CASE_MP_HALTED] = answer(ioctl(vcpu, KVM_SET_MP_STATE, &mp));
	a[CASE_GET_UNKNOWN_MSR] = answer(ioctl(vcpu, KVM_GET_MSRS, &msrs));
	msrs.hdr.nmsrs = 100000;
	a[CASE_SET_MSRS_HUGE] = answer(ioctl(vcpu, KVM_SET_MSRS, &msrs));

	cap.flags = 1;
	a[CASE_CAP_FLAGS] = answer(ioctl(vm, KVM_ENABLE_CAP, &cap));
	cap.flags = 0;
	cap.args[0] = 1000;
	a[CASE_CAP_PINS] = answer(ioctl(vm, KVM_ENABLE_CAP, &cap));
	cap.args[0] = 24;
	a[CASE_CAP_LATE] = answer(ioctl(vm, KVM_ENABLE_CAP, &cap));
	a[CASE_MSI_NO_IRQCHIP] = answer(ioctl(vm, KVM_SIGNAL_MSI, &msi));
	a[CASE_LAPIC_NO_IRQCHIP] = answer(ioctl(vcpu, KVM_GET_LAPIC, lapic));

	/* A VM belongs to the process that created it. */
	child = fork();
	if (child == 0) {
		long r = ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY);

		_exit(r == -1 ? errno : 0);
	}
	waitpid(child, &status, 0);
	a[CASE_OTHER_MM].ret = WEXITSTATUS(status) ? -1 : 0;
	a[CASE_OTHER_MM].err = WEXITSTATUS(status);

	close(vcpu);
	close(vm);
	close(dev);
	free(cpuid);
	free(lapic);
	return true;
}

int main(int argc, char **argv)
{
	struct answer mine[NR_CASES] = { 0 }, kvm[NR_CASES] = { 0 };
	bool have_kvm;
	int dev, i;

	dev = open_device_or_skip(argc, argv, NULL);
	close(dev);
	tap_plan(2 * NR_CASES + 1);

	if (!ask_all(KVMLITE_DEV, mine))
		tap_bail("kvmlite cannot create a vCPU");
	have_kvm = !kvm_modules_load() && ask_all("/dev/kvm", kvm);

	for (i = 0; i < NR_CASES; i++) {
		if (expected[i].ret == -1)
			tap_check_errno(mine[i].ret, mine[i].err, expected[i].err,
					expected[i].what);
		else
			tap_check(mine[i].ret == expected[i].ret,
				  "%s (got %ld/%s)", expected[i].what,
				  mine[i].ret, errno_name(mine[i].err));
	}
	tap_check(mine[CASE_MSR_LIST_SMALL].detail,
		  "KVM_GET_MSR_INDEX_LIST reports the size it needs");
	for (i = 0; i < NR_CASES; i++) {
		if (!have_kvm) {
			tap_skip("/dev/kvm not available to compare: %s",
				 expected[i].what);
			continue;
		}
		tap_check(mine[i].ret == kvm[i].ret && mine[i].err == kvm[i].err,
			  "same as KVM: %s (kvmlite %ld/%s, kvm %ld/%s)",
			  expected[i].what, mine[i].ret, errno_name(mine[i].err),
			  kvm[i].ret, errno_name(kvm[i].err));
	}
	kvm_modules_unload();
	tap_finish();
}
