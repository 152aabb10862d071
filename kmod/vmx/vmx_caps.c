// SPDX-License-Identifier: GPL-2.0
/*
 * Decide from raw register values whether VT-x can be used.
 * Pure logic: see vmx_caps.h for why.
 */
#include <linux/errno.h>
#include "vmx_caps.h"

enum kvmlite_vmx_verdict kvmlite_vmx_verdict(u32 cpuid1_ecx,
					     bool feat_ctl_readable,
					     u64 feat_ctl)
{
	if (!(cpuid1_ecx & KVMLITE_CPUID1_ECX_VMX))
		return KVMLITE_VMX_NO_CPUID_FLAG;
	if (!feat_ctl_readable)
		return KVMLITE_VMX_FEAT_CTL_UNREADABLE;
	/*
	 * VMXON #GPs unless the MSR is locked (SDM 23.7).  Linux locks it
	 * during boot when firmware did not, so unlocked here means the
	 * kernel chose not to (e.g. it was booted with VMX turned off).
	 */
	if (!(feat_ctl & KVMLITE_FEAT_CTL_LOCKED))
		return KVMLITE_VMX_FEAT_CTL_UNLOCKED;
	if (!(feat_ctl & KVMLITE_FEAT_CTL_VMX_OUTSIDE_SMX))
		return KVMLITE_VMX_FEAT_CTL_DISABLED;
	return KVMLITE_VMX_USABLE;
}

/*
 * A CPU without VMX cannot do what is asked at all (-EOPNOTSUPP); a CPU
 * whose VMX was switched off by firmware has the device, just not usable
 * here (-ENODEV).
 */
int kvmlite_vmx_verdict_errno(enum kvmlite_vmx_verdict verdict)
{
	switch (verdict) {
	case KVMLITE_VMX_USABLE:
		return 0;
	case KVMLITE_VMX_NO_CPUID_FLAG:
		return -EOPNOTSUPP;
	case KVMLITE_VMX_FEAT_CTL_UNREADABLE:
	case KVMLITE_VMX_FEAT_CTL_UNLOCKED:
	case KVMLITE_VMX_FEAT_CTL_DISABLED:
		return -ENODEV;
	}
	return -EINVAL;
}

const char *kvmlite_vmx_verdict_str(enum kvmlite_vmx_verdict verdict)
{
	switch (verdict) {
	case KVMLITE_VMX_USABLE:
		return "VT-x usable";
	case KVMLITE_VMX_NO_CPUID_FLAG:
		return "CPU has no VT-x (CPUID.1:ECX.VMX[bit 5] is 0)";
	case KVMLITE_VMX_FEAT_CTL_UNREADABLE:
		return "IA32_FEATURE_CONTROL cannot be read";
	case KVMLITE_VMX_FEAT_CTL_UNLOCKED:
		return "VT-x disabled: IA32_FEATURE_CONTROL is not locked";
	case KVMLITE_VMX_FEAT_CTL_DISABLED:
		return "VT-x disabled by firmware (IA32_FEATURE_CONTROL: VMX outside SMX is off)";
	}
	return "unknown VT-x verdict";
}

/*
 * IA32_VMX_BASIC must describe regions that fit one page, may sit
 * anywhere in physical memory and are accessed write-back; otherwise the
 * VMXON region and VMCS pages allocated by the module would be wrong.
 */
int kvmlite_vmx_parse_basic(u64 basic, struct kvmlite_vmx_basic *out)
{
	u32 size = (basic & KVMLITE_VMX_BASIC_SIZE_MASK) >>
		   KVMLITE_VMX_BASIC_SIZE_SHIFT;
	u8 memtype = (basic & KVMLITE_VMX_BASIC_MEMTYPE_MASK) >>
		     KVMLITE_VMX_BASIC_MEMTYPE_SHIFT;

	/* Bit 31 is always 0 (SDM A.1); a set bit means a bogus value. */
	if (basic & BIT_ULL(31))
		return -EIO;
	if (size == 0 || size > KVMLITE_VMX_REGION_MAX)
		return -EIO;
	if (basic & KVMLITE_VMX_BASIC_32BIT_ADDR)
		return -EIO;
	if (memtype != KVMLITE_MEMTYPE_WB)
		return -EIO;

	out->revision_id = basic & KVMLITE_VMX_BASIC_REVISION_MASK;
	out->region_size = size;
	out->memtype = memtype;
	out->true_ctls = !!(basic & KVMLITE_VMX_BASIC_TRUE_CTLS);
	return 0;
}

/*
 * A control register value is legal in VMX operation when every bit that
 * is 1 in FIXED0 is set and every bit that is 0 in FIXED1 is clear
 * (SDM A.7, A.8).
 */
bool kvmlite_vmx_cr_fixed_ok(u64 cr, u64 fixed0, u64 fixed1)
{
	return (cr & fixed0) == fixed0 && (cr & ~fixed1) == 0;
}

/*
 * A VMX capability MSR gives, for a 32-bit control field, the bits that
 * must be 1 (low half, "allowed-0 settings") and the bits that may be 1
 * (high half, "allowed-1 settings"), SDM A.3-A.5.  The result has every
 * required and every supported optional bit, plus the bits the CPU forces;
 * -EOPNOTSUPP when a required bit cannot be set.
 */
int kvmlite_vmx_adjust_controls(u32 required, u32 optional, u64 cap_msr,
				u32 *result)
{
	u32 must_be_one = (u32)cap_msr;
	u32 may_be_one = (u32)(cap_msr >> 32);

	if (required & ~may_be_one)
		return -EOPNOTSUPP;
	*result = ((required | optional) & may_be_one) | must_be_one;
	return 0;
}
