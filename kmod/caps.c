// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_CHECK_EXTENSION: answer 1 (or a limit) only for what is really
 * implemented, 0 for every other capability, as KVM does for ones it
 * does not know.
 */
#include <linux/kvm.h>
#include "kvmlite.h"

long kvmlite_check_extension(long cap)
{
	switch (cap) {
	case KVM_CAP_CHECK_EXTENSION_VM:
	case KVM_CAP_USER_MEMORY:
	case KVM_CAP_READONLY_MEM:
	case KVM_CAP_IMMEDIATE_EXIT:
	case KVM_CAP_EXT_CPUID:
	case KVM_CAP_MP_STATE:
	case KVM_CAP_SPLIT_IRQCHIP:
	case KVM_CAP_SIGNAL_MSI:
	case KVM_CAP_USER_NMI:
	case KVM_CAP_TSC_DEADLINE_TIMER:
	case KVM_CAP_GET_TSC_KHZ:
		return 1;
	case KVM_CAP_NR_VCPUS:
	case KVM_CAP_MAX_VCPUS:
	case KVM_CAP_MAX_VCPU_ID:
		return KVMLITE_MAX_VCPUS;
	case KVM_CAP_NR_MEMSLOTS:
		return KVMLITE_MAX_MEMSLOTS;
	default:
		return 0;
	}
}
