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
		return 1;
	default:
		return 0;
	}
}
