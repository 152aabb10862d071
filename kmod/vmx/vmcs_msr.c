// SPDX-License-Identifier: GPL-2.0
/*
 * The guest MSRs whose value lives in the VMCS, and the guest's TSC (the
 * host's plus the VMCS's offset), for msr.c, which owns the checks.
 */
#include <asm/msr.h>
#include <asm/msr-index.h>

#include "vmx.h"
#include "vmx_ops.h"

static long vmcs_msr_field(u32 index)
{
	switch (index) {
	case MSR_EFER:
		return GUEST_IA32_EFER;
	case MSR_FS_BASE:
		return GUEST_FS_BASE;
	case MSR_GS_BASE:
		return GUEST_GS_BASE;
	case MSR_IA32_SYSENTER_CS:
		return GUEST_SYSENTER_CS;
	case MSR_IA32_SYSENTER_ESP:
		return GUEST_SYSENTER_ESP;
	case MSR_IA32_SYSENTER_EIP:
		return GUEST_SYSENTER_EIP;
	case MSR_IA32_CR_PAT:
		return GUEST_IA32_PAT;
	}
	return -1;
}

int kvmlite_vmx_get_msr(struct kvmlite_vcpu *vcpu, u32 index, u64 *val)
{
	long field = vmcs_msr_field(index);

	if (field < 0)
		return -ENOENT;
	*val = vmcs_read(field);
	return 0;
}

/* Already checked by msr.c; EFER goes through kvmlite_set_efer(). */
int kvmlite_vmx_set_msr(struct kvmlite_vcpu *vcpu, u32 index, u64 val)
{
	long field = vmcs_msr_field(index);

	if (field < 0 || index == MSR_EFER)
		return -ENOENT;
	vmcs_write(field, val);
	return 0;
}

static bool tsc_offsetting(void)
{
	return kvmlite_vmcs_config.proc & CPU_BASED_USE_TSC_OFFSETTING;
}

u64 kvmlite_guest_tsc(void)
{
	return rdtsc() + (tsc_offsetting() ? vmcs_read(TSC_OFFSET) : 0);
}

int kvmlite_set_guest_tsc(u64 tsc)
{
	if (!tsc_offsetting())
		return -EINVAL;
	vmcs_write(TSC_OFFSET, tsc - rdtsc());
	return 0;
}

int kvmlite_adjust_guest_tsc(s64 delta)
{
	if (!tsc_offsetting())
		return -EINVAL;
	vmcs_write(TSC_OFFSET, vmcs_read(TSC_OFFSET) + delta);
	return 0;
}
