// SPDX-License-Identifier: GPL-2.0
/*
 * Guest MSRs, for RDMSR/WRMSR exits and for KVM_GET/SET_MSRS: the checks
 * here, the values that live in the VMCS through the backend (backend.h).
 * An MSR not listed here raises #GP in the guest, and fails
 * KVM_GET/SET_MSRS, as in KVM.
 */
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/ktime.h>
#include <asm/msr-index.h>
#include <asm/apicdef.h>
#include <asm/tsc.h>

#include "kvmlite.h"
#include "backend.h"
#include "lapic.h"
#include "spec.h"

/* What KVM_GET_MSR_INDEX_LIST reports: every MSR handled below. */
const u32 kvmlite_msr_list[] = {
	MSR_IA32_TSC, MSR_IA32_APICBASE, MSR_IA32_MISC_ENABLE, MSR_EFER,
	MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SYSCALL_MASK, MSR_FS_BASE,
	MSR_GS_BASE, MSR_KERNEL_GS_BASE, MSR_IA32_SYSENTER_CS,
	MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP, MSR_IA32_CR_PAT,
	MSR_IA32_UCODE_REV, MSR_IA32_TSC_ADJUST,
};

const unsigned int kvmlite_nr_msrs = ARRAY_SIZE(kvmlite_msr_list);

/* Each byte of PAT is a memory type; 2, 3 and above 7 are reserved. */
static bool pat_valid(u64 pat)
{
	int i;

	for (i = 0; i < 8; i++) {
		u8 type = pat >> (i * 8);

		if (type == 2 || type == 3 || type > 7)
			return false;
	}
	return true;
}

static bool canonical(u64 addr)
{
	return (s64)(addr << 16) >> 16 == (s64)addr;
}

/* When the guest's TSC reaches tsc, in host ns (for IA32_TSC_DEADLINE). */
static u64 tsc_expiry_ns(u64 tsc)
{
	u64 now = kvmlite_guest_tsc(), ns = ktime_get_ns();

	/*
	 * A deadline past the end of the ns clock never fires: a larger
	 * quotient would overflow the division (#DE in the host; found by
	 * abi_fuzz_test).
	 */
	if (tsc > now && tsc_khz &&
	    div_u64(tsc - now, tsc_khz) < div_u64(KTIME_MAX - ns, 1000000))
		ns += mul_u64_u32_div(tsc - now, 1000000, tsc_khz);
	else if (tsc > now)
		ns = KTIME_MAX;
	return ns;
}

/*
 * The guest's physical-address width, from its CPUID as KVM reads it
 * (leaf 0x80000008, or 36 bits without that leaf).
 */
static unsigned int guest_maxphyaddr(struct kvmlite_vcpu *vcpu)
{
	u32 max_ext = 0, bits = 36;
	unsigned int i;

	for (i = 0; i < vcpu->nr_cpuid; i++)
		if (vcpu->cpuid[i].function == 0x80000000)
			max_ext = vcpu->cpuid[i].eax;
	for (i = 0; i < vcpu->nr_cpuid && max_ext >= 0x80000008; i++)
		if (vcpu->cpuid[i].function == 0x80000008)
			bits = vcpu->cpuid[i].eax & 0xff;
	return clamp_t(u32, bits, 32, 52);
}

/* IA32_APIC_BASE bits that are reserved: 0-7, 9 and from MAXPHYADDR up. */
static u64 apic_base_reserved(struct kvmlite_vcpu *vcpu)
{
	return GENMASK_ULL(63, guest_maxphyaddr(vcpu)) | GENMASK_ULL(7, 0) |
	       BIT_ULL(9);
}

static bool apic_msr(struct kvmlite_vcpu *vcpu, u32 index)
{
	return vcpu->apic && ((index >= KVMLITE_X2APIC_MSR_BASE &&
			       index <= KVMLITE_X2APIC_MSR_LAST) ||
			      index == MSR_IA32_TSC_DEADLINE);
}

int kvmlite_get_msr(struct kvmlite_vcpu *vcpu, u32 index, u64 *val,
		    bool host)
{
	int r = kvmlite_spec_get_msr(vcpu, index, val, host);

	if (r != -ENOENT)
		return r;
	if (apic_msr(vcpu, index))
		return kvmlite_apic_rdmsr(vcpu, index, val);
	switch (index) {
	case MSR_IA32_TSC:
		*val = kvmlite_guest_tsc();
		return 0;
	case MSR_IA32_APICBASE:
		*val = vcpu->msr_apic_base;
		return 0;
	case MSR_IA32_MISC_ENABLE:
		*val = vcpu->msr_misc_enable;
		return 0;
	case MSR_STAR:
		*val = vcpu->msr_star;
		return 0;
	case MSR_LSTAR:
		*val = vcpu->msr_lstar;
		return 0;
	case MSR_CSTAR:
		*val = vcpu->msr_cstar;
		return 0;
	case MSR_SYSCALL_MASK:
		*val = vcpu->msr_sfmask;
		return 0;
	case MSR_KERNEL_GS_BASE:
		*val = vcpu->msr_kernel_gs_base;
		return 0;
	case MSR_IA32_UCODE_REV:
		*val = vcpu->msr_ucode_rev;
		return 0;
	case MSR_IA32_TSC_ADJUST:
		*val = vcpu->msr_tsc_adjust;
		return 0;
	}
	return kvmlite_vmx_get_msr(vcpu, index, val) ? -EINVAL : 0;
}

int kvmlite_set_msr(struct kvmlite_vcpu *vcpu, u32 index, u64 val, bool host)
{
	u64 efer, tsc;
	int r = kvmlite_spec_set_msr(vcpu, index, val, host);

	if (r != -ENOENT)
		return r;
	if (apic_msr(vcpu, index))
		return kvmlite_apic_wrmsr(vcpu, index, val,
					  index == MSR_IA32_TSC_DEADLINE ?
					  tsc_expiry_ns(val) : 0);
	switch (index) {
	case MSR_IA32_TSC:
		/*
		 * A guest's write moves IA32_TSC_ADJUST by as much as it
		 * moves the TSC (SDM 17.17.3); the host's (a restore) does
		 * not, as in KVM.
		 */
		tsc = kvmlite_guest_tsc();
		r = kvmlite_set_guest_tsc(val);
		if (!r && !host)
			vcpu->msr_tsc_adjust += val - tsc;
		return r;
	case MSR_IA32_TSC_ADJUST:
		/* The guest's write moves its TSC; the host's only restores. */
		if (!host && val != vcpu->msr_tsc_adjust) {
			r = kvmlite_adjust_guest_tsc(val - vcpu->msr_tsc_adjust);
			if (r)
				return r;
		}
		vcpu->msr_tsc_adjust = val;
		return 0;
	case MSR_IA32_APICBASE:
		/*
		 * Reserved bits (0-7, 9, and the base above MAXPHYADDR), and
		 * EXTD without EN, which is no mode at all: refused to the
		 * host too, as KVM does.  The guest may also not go from
		 * disabled straight to x2APIC (SDM "x2APIC State
		 * Transitions"); the host may.
		 */
		if (val & apic_base_reserved(vcpu))
			return -EINVAL;
		if ((val & X2APIC_ENABLE) && !(val & MSR_IA32_APICBASE_ENABLE))
			return -EINVAL;
		if (!host && (val & X2APIC_ENABLE) &&
		    !(vcpu->msr_apic_base & MSR_IA32_APICBASE_ENABLE))
			return -EINVAL;
		/* The BSP flag is read-only to the guest. */
		if (!host)
			val = (val & ~MSR_IA32_APICBASE_BSP) |
			      (vcpu->msr_apic_base & MSR_IA32_APICBASE_BSP);
		return kvmlite_apic_set_base(vcpu, val, host);
	case MSR_IA32_MISC_ENABLE:
		vcpu->msr_misc_enable = val;
		return 0;
	case MSR_EFER:
		/* LMA follows CR0.PG; LME cannot change while paging is on. */
		kvmlite_vmx_get_msr(vcpu, MSR_EFER, &efer);
		if (!host) {
			if ((kvmlite_guest_cr0() & X86_CR0_PG) &&
			    ((val ^ efer) & EFER_LME))
				return -EINVAL;
			val = (val & ~EFER_LMA) | (efer & EFER_LMA);
		}
		return kvmlite_set_efer(vcpu, val);
	case MSR_STAR:
		vcpu->msr_star = val;
		return 0;
	case MSR_LSTAR:
	case MSR_CSTAR:
	case MSR_FS_BASE:
	case MSR_GS_BASE:
	case MSR_KERNEL_GS_BASE:
	case MSR_IA32_SYSENTER_ESP:
	case MSR_IA32_SYSENTER_EIP:
		if (!canonical(val))
			return -EINVAL;
		break;
	case MSR_SYSCALL_MASK:
		vcpu->msr_sfmask = val;
		return 0;
	case MSR_IA32_SYSENTER_CS:
		return kvmlite_vmx_set_msr(vcpu, index, val);
	case MSR_IA32_CR_PAT:
		if (!pat_valid(val))
			return -EINVAL;
		return kvmlite_vmx_set_msr(vcpu, index, val);
	case MSR_IA32_UCODE_REV:
		/*
		 * The guest writes 0 before CPUID to sample the revision
		 * (SDM 10.11.7.1); only the host changes it, as in KVM.
		 */
		if (host)
			vcpu->msr_ucode_rev = val;
		return 0;
	default:
		return -EINVAL;
	}

	/* The canonical-address MSRs checked above. */
	switch (index) {
	case MSR_LSTAR:
		vcpu->msr_lstar = val;
		break;
	case MSR_CSTAR:
		vcpu->msr_cstar = val;
		break;
	case MSR_KERNEL_GS_BASE:
		vcpu->msr_kernel_gs_base = val;
		break;
	default:	/* FS/GS base, SYSENTER_ESP/EIP: in the VMCS */
		return kvmlite_vmx_set_msr(vcpu, index, val);
	}
	return 0;
}
