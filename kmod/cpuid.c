// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_GET_SUPPORTED_CPUID: the host's CPUID leaves with every feature
 * kvmlite cannot give a guest masked out.  Userspace passes (a subset of)
 * this table back with KVM_SET_CPUID2; CPUID exits are answered from it.
 */
#include <linux/kvm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/cpufeatures.h>
#include <asm/kvm_para.h>
#include <asm/processor.h>

#include "kvmlite.h"
#include "spec.h"

/* Feature bits kvmlite offers, per register: plain execution features. */
#define LEAF1_ECX_OK	(BIT(0) | BIT(1) | BIT(9) | BIT(12) | BIT(13) | \
			 BIT(19) | BIT(20) | BIT(22) | BIT(23) | BIT(25) | \
			 BIT(21) | BIT(24) | \
			 BIT(29) | BIT(30))	/* SSE3..RDRAND, no VMX/XSAVE */
#define LEAF1_EDX_OK	(BIT(0) | BIT(1) | BIT(3) | BIT(4) | BIT(5) | \
			 BIT(6) | BIT(7) | BIT(8) | BIT(9) | BIT(11) | \
			 BIT(15) | BIT(16) | BIT(17) | BIT(19) | BIT(23) | \
			 BIT(24) | BIT(25) | BIT(26))	/* FPU..SSE2, APIC */
#define LEAF7_EBX_OK	(BIT(0) | BIT(3) | BIT(8) | BIT(9) | BIT(18) | \
			 BIT(19) | BIT(23) | BIT(29))	/* FSGSBASE..SHA */
#define EXT1_ECX_OK	(BIT(0) | BIT(5) | BIT(8))	/* LAHF, ABM, PREFETCHW */
#define EXT1_EDX_OK	(BIT(11) | BIT(20) | BIT(26) | BIT(29))	/* SYSCALL, NX, 1G, LM */
#define HYPERVISOR_BIT	BIT(31)

/*
 * The hypervisor leaves, as KVM's: the "KVMKVMKVM" signature and a
 * features leaf.  kvmlite implements none of KVM's paravirtual features,
 * so the features and hints read 0; the signature alone is what lets a
 * Linux guest use x2APIC without interrupt remapping, as it does on KVM.
 */
#define KVM_SIGNATURE_EBX	0x4b4d564b	/* "KVMK" */
#define KVM_SIGNATURE_ECX	0x564b4d56	/* "VMKV" */
#define KVM_SIGNATURE_EDX	0x0000004d	/* "M\0\0\0" */

static void add(struct kvm_cpuid_entry2 *e, unsigned int *n, u32 function,
		u32 index, u32 flags)
{
	struct kvm_cpuid_entry2 *x = &e[(*n)++];

	memset(x, 0, sizeof(*x));
	x->function = function;
	x->index = index;
	x->flags = flags;
	cpuid_count(function, index, &x->eax, &x->ebx, &x->ecx, &x->edx);
}

static void clear_regs(struct kvm_cpuid_entry2 *e, bool a, bool b, bool c,
		       bool d)
{
	if (a)
		e->eax = 0;
	if (b)
		e->ebx = 0;
	if (c)
		e->ecx = 0;
	if (d)
		e->edx = 0;
}

static unsigned int build_table(struct kvm_cpuid_entry2 *e)
{
	unsigned int n = 0, max_basic = min_t(u32, cpuid_eax(0), 7);
	u32 max_ext = min_t(u32, cpuid_eax(0x80000000), 0x80000008);
	u32 f;

	add(e, &n, 0, 0, 0);
	e[0].eax = max_basic;
	for (f = 1; f <= max_basic; f++) {
		switch (f) {
		case 1:
			add(e, &n, 1, 0, 0);
			e[n - 1].ecx = (e[n - 1].ecx & LEAF1_ECX_OK) |
				       HYPERVISOR_BIT;
			e[n - 1].edx &= LEAF1_EDX_OK;
			/* Initial APIC ID and logical count are per vCPU. */
			e[n - 1].ebx &= 0xffff;
			break;
		case 7:
			add(e, &n, 7, 0, KVM_CPUID_FLAG_SIGNIFCANT_INDEX);
			e[n - 1].eax = 0;
			/* TSC_ADJUST is emulated (msr.c), as in KVM. */
			e[n - 1].ebx = (e[n - 1].ebx & LEAF7_EBX_OK) | BIT(1);
			e[n - 1].ecx = 0;
			/* Speculation control, as the host has it (spec.c). */
			e[n - 1].edx = kvmlite_spec_cpuid7_edx();
			break;
		case 2:
			add(e, &n, 2, 0, 0);
			break;
		case 6:
			/*
			 * Power management: only ARAT, as KVM offers it.  The
			 * LAPIC timer is an hrtimer, running whatever the
			 * guest's C-state; without ARAT Linux keeps the PIT.
			 */
			add(e, &n, 6, 0, 0);
			e[n - 1].eax = BIT(2);
			clear_regs(&e[n - 1], false, true, true, true);
			break;
		default:
			/* 3-5: serial number, cache/topology, MONITOR. */
			break;
		}
	}
	e[n++] = (struct kvm_cpuid_entry2){
		.function = KVM_CPUID_SIGNATURE, .eax = KVM_CPUID_FEATURES,
		.ebx = KVM_SIGNATURE_EBX, .ecx = KVM_SIGNATURE_ECX,
		.edx = KVM_SIGNATURE_EDX,
	};
	e[n++] = (struct kvm_cpuid_entry2){ .function = KVM_CPUID_FEATURES };
	add(e, &n, 0x80000000, 0, 0);
	e[n - 1].eax = max_ext;
	for (f = 0x80000001; f <= max_ext; f++) {
		add(e, &n, f, 0, 0);
		if (f == 0x80000001) {
			e[n - 1].ecx &= EXT1_ECX_OK;
			e[n - 1].edx &= EXT1_EDX_OK;
		} else if (f == 0x80000007) {
			/* Only the invariant TSC bit. */
			e[n - 1].edx &= BIT(8);
			clear_regs(&e[n - 1], true, true, true, false);
		} else if (f == 0x80000008) {
			/* Only the address sizes. */
			e[n - 1].eax &= 0xffff;
			clear_regs(&e[n - 1], false, true, true, true);
		}
	}
	return n;
}

int kvmlite_get_supported_cpuid(struct kvm_cpuid2 __user *ucpuid)
{
	struct kvm_cpuid_entry2 *entries;
	struct kvm_cpuid2 hdr;
	unsigned int n;
	int r = 0;

	if (copy_from_user(&hdr, ucpuid, sizeof(hdr)))
		return -EFAULT;
	entries = kcalloc(KVMLITE_MAX_CPUID, sizeof(*entries), GFP_KERNEL);
	if (!entries)
		return -ENOMEM;
	n = build_table(entries);
	/* KVM's rule: too small a buffer is E2BIG, and nent says nothing. */
	if (hdr.nent < n) {
		r = -E2BIG;
		goto out;
	}
	hdr.nent = n;
	if (copy_to_user(ucpuid, &hdr, sizeof(hdr)) ||
	    copy_to_user(ucpuid->entries, entries, n * sizeof(*entries)))
		r = -EFAULT;
out:
	kfree(entries);
	return r;
}
