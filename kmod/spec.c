// SPDX-License-Identifier: GPL-2.0
/*
 * Speculative-execution mitigations on VM entry and exit.  Each is chosen
 * at load from the host kernel's own view of the CPU (its bug and feature
 * bits and its mitigation settings), as kvm_intel chooses them, and the
 * choice is logged.  docs/mitigations.md says, bug by bug, what kvmlite
 * does and where, next to kvm_intel.
 *
 *   IA32_SPEC_CTRL   kept per vCPU; loaded for the guest when it differs
 *                    from the host's value, the host's put back on exit
 *   PRED_CMD (IBPB)  the guest's writes reach the CPU; an IBPB when a CPU
 *                    enters a vCPU of another VM than it last ran
 *   VERW             before entry where the host clears CPU buffers for
 *                    guests (X86_FEATURE_CLEAR_CPU_BUF_VM: MDS, TAA, MMIO)
 *   L1D flush        before entry where the host is affected by L1TF:
 *                    vmentry_l1d_flush=never|cond|always, as kvm_intel's;
 *                    FLUSH_CMD where the CPU has it, else a 64 KiB read
 *   RSB              filled after every exit where the host needs it
 *                    (X86_FEATURE_RSB_VMEXIT: vmx/vmenter.S)
 */
#include <linux/cpu.h>
#include <linux/gfp.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <asm/cpufeature.h>
#include <asm/hardirq.h>
#include <asm/msr.h>
#include <asm/nospec-branch.h>
#include <asm/processor.h>

#include "kvmlite.h"
#include "spec.h"

enum l1d_flush_mode { L1D_NEVER, L1D_COND, L1D_ALWAYS };

static char *vmentry_l1d_flush = "cond";
module_param(vmentry_l1d_flush, charp, 0444);
MODULE_PARM_DESC(vmentry_l1d_flush,
		 "L1D flush before VM entry where the host is affected by L1TF: never, cond (after host work that may have loaded secrets, the default) or always");

/* ARCH_CAPABILITIES bits that describe the CPU, as KVM passes them on. */
#define ARCH_CAP_GUEST	(ARCH_CAP_RDCL_NO | ARCH_CAP_IBRS_ALL | \
			 ARCH_CAP_RSBA | ARCH_CAP_SSB_NO | ARCH_CAP_MDS_NO | \
			 ARCH_CAP_PSCHANGE_MC_NO | ARCH_CAP_TAA_NO | \
			 ARCH_CAP_SBDR_SSDP_NO | ARCH_CAP_FBSDP_NO | \
			 ARCH_CAP_PSDP_NO | ARCH_CAP_FB_CLEAR | \
			 ARCH_CAP_RRSBA | ARCH_CAP_PBRSB_NO | \
			 ARCH_CAP_GDS_NO | ARCH_CAP_RFDS_NO)

#define L1D_FLUSH_SIZE	(64 * 1024)

static struct {
	bool spec_ctrl;		/* IA32_SPEC_CTRL exists */
	u64 spec_ctrl_bits;	/* what a guest may set in it */
	bool ibpb;
	bool clear_buffers;
	enum l1d_flush_mode l1d;
	bool l1d_msr;		/* FLUSH_CMD; else the software flush */
	u64 arch_caps;		/* what a guest reads */
} spec;

static void *l1d_flush_pages;
/* The VM whose vCPU this CPU ran last (IBPB between VMs). */
static DEFINE_PER_CPU(u64, last_vm_id);

/* What a guest reads, from the host's IA32_ARCH_CAPABILITIES (or 0). */
static u64 guest_arch_caps(u64 host)
{
	host &= ARCH_CAP_GUEST;
	/* What the host kernel knows the CPU is not affected by, as KVM. */
	if (!boot_cpu_has_bug(X86_BUG_CPU_MELTDOWN))
		host |= ARCH_CAP_RDCL_NO;
	if (!boot_cpu_has_bug(X86_BUG_SPEC_STORE_BYPASS))
		host |= ARCH_CAP_SSB_NO;
	if (!boot_cpu_has_bug(X86_BUG_MDS))
		host |= ARCH_CAP_MDS_NO;
	if (!boot_cpu_has_bug(X86_BUG_TAA))
		host |= ARCH_CAP_TAA_NO;
	if (!boot_cpu_has_bug(X86_BUG_RFDS))
		host |= ARCH_CAP_RFDS_NO;
	if (!boot_cpu_has_bug(X86_BUG_GDS))
		host |= ARCH_CAP_GDS_NO;
	/* Guest memory is mapped with 4 KiB EPT pages only: no multihit. */
	host |= ARCH_CAP_PSCHANGE_MC_NO;
	/* The guest need not flush for its own guests: kvmlite does. */
	if (spec.l1d != L1D_NEVER || !boot_cpu_has_bug(X86_BUG_L1TF))
		host |= ARCH_CAP_SKIP_VMENTRY_L1DFLUSH;
	return host;
}

static int choose_l1d_flush(void)
{
	if (!strcmp(vmentry_l1d_flush, "never"))
		spec.l1d = L1D_NEVER;
	else if (!strcmp(vmentry_l1d_flush, "cond"))
		spec.l1d = L1D_COND;
	else if (!strcmp(vmentry_l1d_flush, "always"))
		spec.l1d = L1D_ALWAYS;
	else
		return -EINVAL;
	/* Not affected, told so by the CPU, or the host turned it off. */
	if (!boot_cpu_has_bug(X86_BUG_L1TF) ||
	    (spec.arch_caps & ARCH_CAP_SKIP_VMENTRY_L1DFLUSH) ||
	    l1tf_mitigation == L1TF_MITIGATION_OFF)
		spec.l1d = L1D_NEVER;
	spec.l1d_msr = boot_cpu_has(X86_FEATURE_FLUSH_L1D);
	return 0;
}

int kvmlite_spec_init(void)
{
	static const char * const l1d_name[] = { "never", "cond", "always" };
	u64 host_caps = 0;

	spec.spec_ctrl = boot_cpu_has(X86_FEATURE_MSR_SPEC_CTRL);
	if (boot_cpu_has(X86_FEATURE_SPEC_CTRL))
		spec.spec_ctrl_bits |= SPEC_CTRL_IBRS;
	if (boot_cpu_has(X86_FEATURE_INTEL_STIBP))
		spec.spec_ctrl_bits |= SPEC_CTRL_STIBP;
	if (boot_cpu_has(X86_FEATURE_SPEC_CTRL_SSBD))
		spec.spec_ctrl_bits |= SPEC_CTRL_SSBD;
	spec.ibpb = boot_cpu_has(X86_FEATURE_IBPB);
	spec.clear_buffers = cpu_feature_enabled(X86_FEATURE_CLEAR_CPU_BUF_VM);
	if (boot_cpu_has(X86_FEATURE_ARCH_CAPABILITIES))
		rdmsrl(MSR_IA32_ARCH_CAPABILITIES, host_caps);
	spec.arch_caps = host_caps;
	if (choose_l1d_flush()) {
		pr_err("kvmlite: vmentry_l1d_flush=%s: expected never, cond or always\n",
		       vmentry_l1d_flush);
		return -EINVAL;
	}
	if (spec.l1d != L1D_NEVER && !spec.l1d_msr) {
		l1d_flush_pages = (void *)__get_free_pages(GFP_KERNEL | __GFP_ZERO,
							  get_order(L1D_FLUSH_SIZE));
		if (!l1d_flush_pages)
			return -ENOMEM;
	}
	spec.arch_caps = guest_arch_caps(host_caps);
	pr_info("kvmlite: mitigations: SPEC_CTRL %s, IBPB %s, VERW before entry %s, L1D flush %s%s, RSB fill after exit %s%s\n",
		spec.spec_ctrl ? "per vCPU" : "absent",
		spec.ibpb ? "between VMs" : "absent",
		spec.clear_buffers ? "on" : "off",
		l1d_name[spec.l1d],
		spec.l1d == L1D_NEVER ? "" :
		spec.l1d_msr ? " (FLUSH_CMD)" : " (software, 64 KiB)",
		boot_cpu_has(X86_FEATURE_RSB_VMEXIT) ? "on" : "off",
		cpu_mitigations_off() ? " (mitigations=off)" : "");
	return 0;
}

void kvmlite_spec_exit(void)
{
	if (l1d_flush_pages)
		free_pages((unsigned long)l1d_flush_pages,
			   get_order(L1D_FLUSH_SIZE));
	l1d_flush_pages = NULL;
}

/*
 * VERW with a memory operand clears the CPU buffers on CPUs whose
 * microcode has MD_CLEAR (SDM: "VERW"); any data segment will do.
 */
static __always_inline void verw_clear_cpu_buffers(void)
{
	static const u16 ds = __KERNEL_DS;

	asm volatile("verw %[ds]" : : [ds] "m" (ds) : "cc");
}

/* Evict the L1D by reading a buffer twice its size, a line at a time. */
static void l1d_flush_software(void)
{
	const u8 *p = l1d_flush_pages;
	unsigned int i;

	for (i = 0; i < L1D_FLUSH_SIZE; i += L1_CACHE_BYTES)
		(void)READ_ONCE(p[i]);
}

void kvmlite_spec_l1d_dirty(struct kvmlite_vcpu *vcpu)
{
	vcpu->l1d_flush_pending = true;
}

static bool l1d_flush_due(struct kvmlite_vcpu *vcpu, int cpu)
{
	bool due = spec.l1d == L1D_ALWAYS || vcpu->l1d_flush_pending ||
		   vcpu->last_cpu != cpu;

#if IS_ENABLED(CONFIG_KVM_INTEL)
	/* An interrupt handler ran on this CPU since (irq_enter sets it). */
	due = due || kvm_get_cpu_l1tf_flush_l1d();
	kvm_clear_cpu_l1tf_flush_l1d();
#endif
	return due;
}

void kvmlite_spec_guest_enter(struct kvmlite_vcpu *vcpu)
{
	int cpu = smp_processor_id();
	bool flushed = false;

	if (spec.ibpb && this_cpu_read(last_vm_id) != vcpu->vm->id) {
		indirect_branch_prediction_barrier();
		this_cpu_write(last_vm_id, vcpu->vm->id);
	}
	if (spec.spec_ctrl && vcpu->spec_ctrl != spec_ctrl_current())
		wrmsrl(MSR_IA32_SPEC_CTRL, vcpu->spec_ctrl);
	if (spec.l1d != L1D_NEVER && l1d_flush_due(vcpu, cpu)) {
		if (spec.l1d_msr)
			wrmsrl(MSR_IA32_FLUSH_CMD, L1D_FLUSH);
		else
			l1d_flush_software();
		vcpu->stats[KSTAT_L1D_FLUSH]++;
		flushed = spec.l1d_msr;
	}
	vcpu->l1d_flush_pending = false;
	vcpu->last_cpu = cpu;
	/* FLUSH_CMD also clears the buffers VERW would (as kvm_intel). */
	if (spec.clear_buffers && !flushed)
		verw_clear_cpu_buffers();
}

void kvmlite_spec_guest_exit(struct kvmlite_vcpu *vcpu)
{
	/* The guest's value is known: its writes are intercepted. */
	if (spec.spec_ctrl && vcpu->spec_ctrl != spec_ctrl_current())
		wrmsrl(MSR_IA32_SPEC_CTRL, spec_ctrl_current());
}

int kvmlite_spec_get_msr(struct kvmlite_vcpu *vcpu, u32 index, u64 *val,
			 bool host)
{
	switch (index) {
	case MSR_IA32_SPEC_CTRL:
		if (!spec.spec_ctrl)
			return -EINVAL;
		*val = vcpu->spec_ctrl;
		return 0;
	case MSR_IA32_ARCH_CAPABILITIES:
		*val = spec.arch_caps;
		return 0;
	case MSR_IA32_PRED_CMD:
	case MSR_IA32_FLUSH_CMD:
		return -EINVAL;		/* write-only */
	}
	return -ENOENT;
}

int kvmlite_spec_set_msr(struct kvmlite_vcpu *vcpu, u32 index, u64 val,
			 bool host)
{
	switch (index) {
	case MSR_IA32_SPEC_CTRL:
		if (!spec.spec_ctrl || (val & ~spec.spec_ctrl_bits))
			return -EINVAL;
		vcpu->spec_ctrl = val;
		return 0;
	case MSR_IA32_PRED_CMD:
		if (!spec.ibpb || (val & ~PRED_CMD_IBPB))
			return -EINVAL;
		if (val)
			wrmsrl(MSR_IA32_PRED_CMD, PRED_CMD_IBPB);
		return 0;
	case MSR_IA32_FLUSH_CMD:
		if (!spec.l1d_msr || (val & ~L1D_FLUSH))
			return -EINVAL;
		if (val)
			wrmsrl(MSR_IA32_FLUSH_CMD, L1D_FLUSH);
		return 0;
	case MSR_IA32_ARCH_CAPABILITIES:
		/* Read-only; the host may restore the value it read. */
		return host && val == spec.arch_caps ? 0 : -EINVAL;
	}
	return -ENOENT;
}

u32 kvmlite_spec_cpuid7_edx(void)
{
	u32 edx = 0;

	/* IBRS and IBPB share a bit (26); STIBP is 27, SSBD 31. */
	if (spec.spec_ctrl_bits & SPEC_CTRL_IBRS && spec.ibpb)
		edx |= BIT(26);
	if (spec.spec_ctrl_bits & SPEC_CTRL_STIBP)
		edx |= BIT(27);
	if (spec.l1d_msr)
		edx |= BIT(28);
	edx |= BIT(29);			/* ARCH_CAPABILITIES, emulated */
	if (spec.spec_ctrl_bits & SPEC_CTRL_SSBD)
		edx |= BIT(31);
	return edx;
}
