// SPDX-License-Identifier: GPL-2.0
/*
 * A vCPU's VMCS: allocation, which CPU it is active on, and the state a
 * vCPU starts from.
 *
 * A VMCS is active on at most one CPU.  Each CPU keeps a list of the VMCSs
 * active on it; a vCPU that moves to another CPU has its VMCS cleared on
 * the old one first (VMCLEAR writes its cached state back to memory), and
 * a CPU leaving VMX operation clears all of its VMCSs.  Preempt notifiers
 * make the vCPU's VMCS current again whenever its thread is scheduled in,
 * so VMREAD and VMWRITE work anywhere in a vCPU ioctl.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/spinlock.h>
#include <asm/desc.h>
#include <asm/cpu_entry_area.h>
#include <asm/msr.h>
#include <asm/segment.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>

#include "vmx.h"
#include "vmx_ops.h"

static DEFINE_PER_CPU(struct list_head, loaded_vmcss);
static DEFINE_PER_CPU(bool, loaded_vmcss_ready);
static DEFINE_PER_CPU(struct page *, current_vmcs);

#define KVMLITE_MAX_VPID 0xffff
static DECLARE_BITMAP(vpid_bitmap, KVMLITE_MAX_VPID + 1);
static DEFINE_SPINLOCK(vpid_lock);

void kvmlite_vmx_insn_failed(const char *insn, unsigned long field)
{
	pr_err_ratelimited("%s of field %#lx failed\n", insn, field);
	WARN_ONCE(1, "kvmlite: %s failed", insn);
}

static struct list_head *this_cpu_loaded(void)
{
	struct list_head *head = this_cpu_ptr(&loaded_vmcss);

	if (!__this_cpu_read(loaded_vmcss_ready)) {
		INIT_LIST_HEAD(head);
		__this_cpu_write(loaded_vmcss_ready, true);
	}
	return head;
}

/* Runs on the CPU the VMCS is active on, with interrupts off. */
static void vmcs_clear_here(struct kvmlite_vcpu *vcpu)
{
	if (vcpu->cpu != smp_processor_id())
		return;
	vmcs_clear(page_to_phys(vcpu->vmcs));
	if (__this_cpu_read(current_vmcs) == vcpu->vmcs)
		__this_cpu_write(current_vmcs, NULL);
	list_del(&vcpu->loaded_link);
	/* The list removal must be seen before cpu changes (see load). */
	smp_wmb();
	vcpu->cpu = -1;
	vcpu->launched = false;
}

static void vmcs_clear_ipi(void *data)
{
	vmcs_clear_here(data);
}

/* Called before VMXOFF: nothing may stay active on this CPU. */
void kvmlite_vmx_clear_loaded_vmcss(void)
{
	struct kvmlite_vcpu *vcpu, *tmp;

	list_for_each_entry_safe(vcpu, tmp, this_cpu_loaded(), loaded_link)
		vmcs_clear_here(vcpu);
}

static void vmcs_clear_everywhere(struct kvmlite_vcpu *vcpu)
{
	int cpu = READ_ONCE(vcpu->cpu);

	if (cpu >= 0)
		smp_call_function_single(cpu, vmcs_clear_ipi, vcpu, 1);
}

/*
 * Host state that differs from CPU to CPU; written whenever the VMCS
 * becomes active on a new CPU.
 */
static void vmcs_write_host_percpu(int cpu)
{
	struct desc_ptr gdt;
	unsigned long sysenter_esp;

	native_store_gdt(&gdt);
	vmcs_write(HOST_GDTR_BASE, gdt.address);
	vmcs_write(HOST_TR_BASE,
		   (unsigned long)&get_cpu_entry_area(cpu)->tss.x86_tss);
	rdmsrl(MSR_IA32_SYSENTER_ESP, sysenter_esp);
	vmcs_write(HOST_IA32_SYSENTER_ESP, sysenter_esp);
}

/* Make the vCPU's VMCS current on this CPU; preemption is off. */
void kvmlite_vcpu_load(struct kvmlite_vcpu *vcpu, int cpu)
{
	bool moved = vcpu->cpu != cpu;
	unsigned long flags;

	if (moved) {
		vmcs_clear_everywhere(vcpu);
		local_irq_save(flags);
		/* Pairs with vmcs_clear_here(): the old list entry is gone. */
		smp_rmb();
		list_add(&vcpu->loaded_link, this_cpu_loaded());
		vcpu->cpu = cpu;
		local_irq_restore(flags);
	}
	if (__this_cpu_read(current_vmcs) != vcpu->vmcs) {
		if (vmcs_load(page_to_phys(vcpu->vmcs)))
			kvmlite_vmx_insn_failed("vmptrld", 0);
		__this_cpu_write(current_vmcs, vcpu->vmcs);
	}
	if (moved) {
		vmcs_write_host_percpu(cpu);
		kvmlite_posted_vcpu_moved(vcpu, cpu);
		/* TLB entries tagged with this VPID here may be stale. */
		vcpu->flush_vpid = true;
	}
}

static struct kvmlite_vcpu *preempt_to_vcpu(struct preempt_notifier *pn)
{
	return container_of(pn, struct kvmlite_vcpu, preempt);
}

static void kvmlite_sched_in(struct preempt_notifier *pn, int cpu)
{
	kvmlite_vcpu_load(preempt_to_vcpu(pn), cpu);
}

static void kvmlite_sched_out(struct preempt_notifier *pn,
			      struct task_struct *next)
{
	/* The VMCS stays active on this CPU until the vCPU moves. */
}

struct preempt_ops kvmlite_preempt_ops = {
	.sched_in = kvmlite_sched_in,
	.sched_out = kvmlite_sched_out,
};

static int vpid_alloc(u16 *vpid)
{
	unsigned long id;

	*vpid = 0;
	if (!kvmlite_vmcs_config.vpid)
		return 0;
	spin_lock(&vpid_lock);
	/* VPID 0 belongs to the host. */
	id = find_next_zero_bit(vpid_bitmap, KVMLITE_MAX_VPID + 1, 1);
	if (id <= KVMLITE_MAX_VPID) {
		__set_bit(id, vpid_bitmap);
		*vpid = id;
	}
	spin_unlock(&vpid_lock);
	return *vpid ? 0 : -ENOSPC;
}

static void vpid_flush_ipi(void *data)
{
	vmx_invvpid(VMX_VPID_EXTENT_SINGLE_CONTEXT, (unsigned long)data);
}

static void vpid_free(u16 vpid)
{
	if (!vpid)
		return;
	/* No later owner of this VPID may see our translations. */
	on_each_cpu(vpid_flush_ipi, (void *)(unsigned long)vpid, 1);
	spin_lock(&vpid_lock);
	__clear_bit(vpid, vpid_bitmap);
	spin_unlock(&vpid_lock);
}

/* Host state that is the same on every CPU and for every entry. */
static void vmcs_write_host_constant(void)
{
	struct desc_ptr idt;
	u64 val;

	vmcs_write(HOST_CR0, read_cr0());
	vmcs_write(HOST_CR4, cr4_read_shadow());
	vmcs_write(HOST_CS_SELECTOR, __KERNEL_CS);
	vmcs_write(HOST_SS_SELECTOR, __KERNEL_DS);
	/* Null here; the real ones are reloaded after each exit. */
	vmcs_write(HOST_DS_SELECTOR, 0);
	vmcs_write(HOST_ES_SELECTOR, 0);
	vmcs_write(HOST_FS_SELECTOR, 0);
	vmcs_write(HOST_GS_SELECTOR, 0);
	vmcs_write(HOST_TR_SELECTOR, GDT_ENTRY_TSS * 8);
	store_idt(&idt);
	vmcs_write(HOST_IDTR_BASE, idt.address);
	vmcs_write(HOST_RIP, (unsigned long)kvmlite_vmx_exit_point);
	rdmsrl(MSR_IA32_SYSENTER_CS, val);
	vmcs_write(HOST_IA32_SYSENTER_CS, (u32)val);
	rdmsrl(MSR_IA32_SYSENTER_EIP, val);
	vmcs_write(HOST_IA32_SYSENTER_EIP, val);
	rdmsrl(MSR_IA32_CR_PAT, val);
	vmcs_write(HOST_IA32_PAT, val);
	rdmsrl(MSR_EFER, val);
	vmcs_write(HOST_IA32_EFER, val);
}

static void vmcs_write_controls(struct kvmlite_vcpu *vcpu)
{
	const struct kvmlite_vmcs_config *c = &kvmlite_vmcs_config;

	vmcs_write(PIN_BASED_VM_EXEC_CONTROL, c->pin);
	vmcs_write(CPU_BASED_VM_EXEC_CONTROL, c->proc);
	vmcs_write(SECONDARY_VM_EXEC_CONTROL, c->proc2);
	vmcs_write(VM_EXIT_CONTROLS, c->exit);
	vmcs_write(VM_ENTRY_CONTROLS, c->entry);
	vmcs_write(EXCEPTION_BITMAP, 0);
	vmcs_write(PAGE_FAULT_ERROR_CODE_MASK, 0);
	vmcs_write(PAGE_FAULT_ERROR_CODE_MATCH, 0);
	vmcs_write(CR3_TARGET_COUNT, 0);
	vmcs_write(VM_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write(VM_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write(VM_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, 0);
	vmcs_write(CR0_GUEST_HOST_MASK, KVMLITE_CR0_SHADOWED);
	vmcs_write(CR4_GUEST_HOST_MASK, KVMLITE_CR4_SHADOWED);
	vmcs_write(EPT_POINTER, vcpu->vm->ept.eptp);
	if (c->vpid)
		vmcs_write(VIRTUAL_PROCESSOR_ID, vcpu->vpid);
	if (c->proc & CPU_BASED_USE_TSC_OFFSETTING)
		vmcs_write(TSC_OFFSET, 0);
	vmcs_write(VMCS_LINK_POINTER, -1ull);
}

static void vmcs_write_segment(u32 sel_field, u32 sel, u32 base_field,
			       u64 base, u32 limit_field, u32 limit,
			       u32 ar_field, u32 ar)
{
	vmcs_write(sel_field, sel);
	vmcs_write(base_field, base);
	vmcs_write(limit_field, limit);
	vmcs_write(ar_field, ar);
}

/*
 * The architectural state after RESET/INIT (SDM 10.1.1), as KVM sets it:
 * real mode at F000:FFF0 with CS.base 0xffff0000, caches off, paging off.
 */
void kvmlite_vcpu_reset(struct kvmlite_vcpu *vcpu)
{
	static const u32 data_segs[][4] = {
		{ GUEST_DS_SELECTOR, GUEST_DS_BASE, GUEST_DS_LIMIT, GUEST_DS_AR_BYTES },
		{ GUEST_ES_SELECTOR, GUEST_ES_BASE, GUEST_ES_LIMIT, GUEST_ES_AR_BYTES },
		{ GUEST_FS_SELECTOR, GUEST_FS_BASE, GUEST_FS_LIMIT, GUEST_FS_AR_BYTES },
		{ GUEST_GS_SELECTOR, GUEST_GS_BASE, GUEST_GS_LIMIT, GUEST_GS_AR_BYTES },
		{ GUEST_SS_SELECTOR, GUEST_SS_BASE, GUEST_SS_LIMIT, GUEST_SS_AR_BYTES },
	};
	unsigned int i;

	memset(vcpu->gprs, 0, sizeof(vcpu->gprs));
	/* EDX holds the processor signature after reset (family 6). */
	vcpu->gprs[GPR_RDX] = 0x600;
	vcpu->cr2 = 0;
	vcpu->cr8 = 0;
	vcpu->pio_in_pending = false;

	vmcs_write_segment(GUEST_CS_SELECTOR, 0xf000, GUEST_CS_BASE,
			   0xffff0000, GUEST_CS_LIMIT, 0xffff,
			   GUEST_CS_AR_BYTES, 0x9b);
	for (i = 0; i < ARRAY_SIZE(data_segs); i++)
		vmcs_write_segment(data_segs[i][0], 0, data_segs[i][1], 0,
				   data_segs[i][2], 0xffff, data_segs[i][3],
				   0x93);
	vmcs_write_segment(GUEST_TR_SELECTOR, 0, GUEST_TR_BASE, 0,
			   GUEST_TR_LIMIT, 0xffff, GUEST_TR_AR_BYTES, 0x8b);
	vmcs_write_segment(GUEST_LDTR_SELECTOR, 0, GUEST_LDTR_BASE, 0,
			   GUEST_LDTR_LIMIT, 0xffff, GUEST_LDTR_AR_BYTES,
			   0x82);
	vmcs_write(GUEST_GDTR_BASE, 0);
	vmcs_write(GUEST_GDTR_LIMIT, 0xffff);
	vmcs_write(GUEST_IDTR_BASE, 0);
	vmcs_write(GUEST_IDTR_LIMIT, 0xffff);

	vmcs_write(GUEST_RIP, 0xfff0);
	vmcs_write(GUEST_RSP, 0);
	vmcs_write(GUEST_RFLAGS, X86_EFLAGS_FIXED);
	kvmlite_set_efer(vcpu, 0);
	kvmlite_set_cr0(vcpu, X86_CR0_CD | X86_CR0_NW | X86_CR0_ET);
	kvmlite_set_cr4(vcpu, 0);
	vmcs_write(GUEST_CR3, 0);
	vmcs_write(GUEST_DR7, 0x400);
	vmcs_write(GUEST_IA32_DEBUGCTL, 0);
	vmcs_write(GUEST_IA32_PAT, 0x0007040600070406ull);
	vmcs_write(GUEST_SYSENTER_CS, 0);
	vmcs_write(GUEST_SYSENTER_ESP, 0);
	vmcs_write(GUEST_SYSENTER_EIP, 0);
	vmcs_write(GUEST_INTERRUPTIBILITY_INFO, 0);
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, 0);
	/* Reset (INIT) drops NMIs and interrupts not yet taken, as KVM does. */
	atomic_set(&vcpu->nmi_queued, 0);
	vcpu->nmi_pending = 0;
	vcpu->ext_irq = -1;
	vmcs_write(GUEST_ACTIVITY_STATE, GUEST_ACTIVITY_ACTIVE);
	vmcs_write(GUEST_PENDING_DBG_EXCEPTIONS, 0);

	vcpu->msr_star = 0;
	vcpu->msr_lstar = 0;
	vcpu->msr_cstar = 0;
	vcpu->msr_sfmask = 0;
	vcpu->msr_kernel_gs_base = 0;
	vcpu->msr_misc_enable = 0;
	vcpu->msr_apic_base = APIC_DEFAULT_PHYS_BASE | MSR_IA32_APICBASE_ENABLE |
			      (vcpu->id == 0 ? MSR_IA32_APICBASE_BSP : 0);
}

/* Allocate and initialise the VMCS; leaves it current on this CPU. */
int kvmlite_vcpu_vmx_create(struct kvmlite_vcpu *vcpu)
{
	int r, cpu;

	vcpu->cpu = -1;
	INIT_LIST_HEAD(&vcpu->loaded_link);
	vcpu->vmcs = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!vcpu->vmcs)
		return -ENOMEM;
	*(u32 *)page_address(vcpu->vmcs) = kvmlite_vmcs_config.revision_id;

	r = vpid_alloc(&vcpu->vpid);
	if (r)
		goto err_free;
	r = kvmlite_posted_vcpu_create(vcpu);
	if (r) {
		vpid_free(vcpu->vpid);
		goto err_free;
	}

	kvmlite_apicv_vcpu_prepare(vcpu);

	cpu = get_cpu();
	kvmlite_vcpu_load(vcpu, cpu);
	vmcs_write_host_constant();
	vmcs_write_controls(vcpu);
	kvmlite_apicv_vcpu_setup(vcpu);
	kvmlite_posted_vcpu_setup(vcpu, cpu);
	kvmlite_vcpu_reset(vcpu);
	put_cpu();
	return 0;

err_free:
	__free_page(vcpu->vmcs);
	return r;
}

void kvmlite_vcpu_vmx_free(struct kvmlite_vcpu *vcpu)
{
	vmcs_clear_everywhere(vcpu);
	vpid_free(vcpu->vpid);
	__free_page(vcpu->vmcs);
	kvmlite_posted_vcpu_free(vcpu);
}
