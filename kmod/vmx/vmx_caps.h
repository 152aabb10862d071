/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VT-x capability checks as pure functions over raw CPUID and MSR values.
 *
 * Nothing here touches hardware, so the same source builds into the module
 * and into the userspace unit tests (tools/testing/unit), which feed it
 * every interesting combination of register values.
 */
#ifndef KVMLITE_VMX_CAPS_H
#define KVMLITE_VMX_CAPS_H

#include <linux/types.h>
#include <linux/bits.h>

/* CPUID.1:ECX */
#define KVMLITE_CPUID1_ECX_VMX		BIT(5)

/* IA32_FEATURE_CONTROL (MSR 0x3a) */
#define KVMLITE_FEAT_CTL_LOCKED		BIT_ULL(0)
#define KVMLITE_FEAT_CTL_VMX_IN_SMX	BIT_ULL(1)
#define KVMLITE_FEAT_CTL_VMX_OUTSIDE_SMX BIT_ULL(2)

/* IA32_VMX_BASIC (MSR 0x480), Intel SDM Vol. 3D, Appendix A.1 */
#define KVMLITE_VMX_BASIC_REVISION_MASK	GENMASK_ULL(30, 0)
#define KVMLITE_VMX_BASIC_SIZE_SHIFT	32
#define KVMLITE_VMX_BASIC_SIZE_MASK	GENMASK_ULL(44, 32)
#define KVMLITE_VMX_BASIC_32BIT_ADDR	BIT_ULL(48)
#define KVMLITE_VMX_BASIC_MEMTYPE_SHIFT	50
#define KVMLITE_VMX_BASIC_MEMTYPE_MASK	GENMASK_ULL(53, 50)
#define KVMLITE_VMX_BASIC_TRUE_CTLS	BIT_ULL(55)
#define KVMLITE_MEMTYPE_WB		6

/* The VMXON region and each VMCS live in one page. */
#define KVMLITE_VMX_REGION_MAX		4096

/* Why VT-x cannot be used; each has its own errno and message. */
enum kvmlite_vmx_verdict {
	KVMLITE_VMX_USABLE = 0,
	KVMLITE_VMX_NO_CPUID_FLAG,	/* CPU (or emulator) lacks VMX */
	KVMLITE_VMX_FEAT_CTL_UNREADABLE, /* IA32_FEATURE_CONTROL #GP */
	KVMLITE_VMX_FEAT_CTL_UNLOCKED,	/* firmware left the MSR unlocked */
	KVMLITE_VMX_FEAT_CTL_DISABLED,	/* locked with VMX outside SMX off */
};

struct kvmlite_vmx_basic {
	u32 revision_id;
	u32 region_size;
	u8 memtype;
	bool true_ctls;
};

enum kvmlite_vmx_verdict kvmlite_vmx_verdict(u32 cpuid1_ecx,
					     bool feat_ctl_readable,
					     u64 feat_ctl);
int kvmlite_vmx_verdict_errno(enum kvmlite_vmx_verdict verdict);
const char *kvmlite_vmx_verdict_str(enum kvmlite_vmx_verdict verdict);
int kvmlite_vmx_parse_basic(u64 basic, struct kvmlite_vmx_basic *out);
bool kvmlite_vmx_cr_fixed_ok(u64 cr, u64 fixed0, u64 fixed1);
int kvmlite_vmx_adjust_controls(u32 required, u32 optional, u64 cap_msr,
				u32 *result);

#endif /* KVMLITE_VMX_CAPS_H */
