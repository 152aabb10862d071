// SPDX-License-Identifier: GPL-2.0
/*
 * APICv (SDM Vol. 3C ch. 30, "APIC Virtualization and Virtual
 * Interrupts"): where the CPU has them, the TPR shadow, virtual-interrupt
 * delivery and x2APIC virtualization take the LAPIC's hot paths out of
 * the hypervisor.  The LAPIC's register page is the virtual-APIC page
 * (struct kvmlite_lapic starts with it and is allocated page-aligned),
 * so the processor and lapic.c read and write the same IRR, ISR and TPR.
 *
 * What runs in the guest without an exit: CR8 and TPR writes, EOI (an
 * EOI-induced exit only for level-triggered vectors, whose EOI goes to
 * userspace's IOAPIC), self-IPIs, the delivery of any vector in IRR as
 * soon as RFLAGS.IF and PPR allow, and (with APIC-register virtualization)
 * reads of the registers kept verbatim in the page, through x2APIC MSRs
 * or the xAPIC page.  Everything else still exits: reads the model
 * computes (the current count, the x2APIC ID), the other x2APIC writes.
 *
 * xAPIC MMIO goes through the VM's APIC-access page, mapped by EPT at
 * 0xfee00000, while a vCPU's APIC is enabled there in xAPIC mode.  A
 * write the processor virtualizes but cannot finish (ICR, LVTs, timer,
 * SVR...) is stored in the page and then exits trap-like (APIC-write
 * exit); the model then needs the value it had before, so the registers
 * such a write can reach are copied at every entry.  Accesses it does not
 * virtualize exit fault-like (APIC-access exit) and are emulated as MMIO.
 *
 * Posting goes through the descriptor in pi.c; where the CPU processes
 * posted interrupts, posted.c sends it the notification vector, else a
 * post that notifies kicks the vCPU out of the guest, and before the next
 * entry PIR goes into IRR and RVI is recomputed.  Module parameter
 * enable_apicv=0 turns all of this off: the LAPIC then injects through VM
 * entry as before.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <asm/apicdef.h>
#include <asm/vmx.h>

#include "../lapic.h"
#include "../trace.h"
#include "vmx.h"
#include "vmx_ops.h"

static bool enable_apicv = true;
module_param(enable_apicv, bool, 0444);
MODULE_PARM_DESC(enable_apicv,
		 "use the CPU's APIC virtualization where it has it (default: on)");

/* MSR bitmap (SDM 25.6.9): 1 KiB each of read-low, read-high, write-low, write-high. */
#define MSR_BITMAP_READ_LOW	0
#define MSR_BITMAP_WRITE_LOW	2048

static unsigned long *apicv_msr_bitmap;
/*
 * Every MSR exits: the bitmap of a vCPU whose APIC is not in x2APIC mode.
 * Without "virtualize x2APIC mode", an x2APIC MSR the bitmap lets through
 * reaches the physical local APIC (SDM Vol. 3C, "Virtualizing MSR-Based
 * APIC Accesses"): the guest would write the host's TPR, EOI and
 * SELF IPI, where it must get #GP.
 */
static unsigned long *intercept_all_msr_bitmap;
static u32 apicv_proc2;		/* the secondary controls in use */

/*
 * With APIC-register virtualization, the x2APIC reads served from the
 * virtual-APIC page: registers lapic.c keeps there as the guest sees
 * them.  Not these: ID (x2APIC format is computed), PPR and the current
 * count (computed), ESR (latched on write), ICR (two halves), EOI and
 * SELF IPI (write-only: #GP), and reserved ones.
 */
static const u32 apicv_passthrough_reads[][2] = {
	{ 0x808, 0x808 },	/* TPR */
	{ 0x80d, 0x80d },	/* LDR */
	{ 0x80f, 0x80f },	/* SVR */
	{ 0x810, 0x827 },	/* ISR, TMR, IRR */
	{ 0x832, 0x838 },	/* LVTs, initial count */
	{ 0x83e, 0x83e },	/* divide configuration */
};

/* The x2APIC writes that virtualize without an exit. */
static const u32 apicv_passthrough_writes[] = {
	0x808,	/* TPR: TPR virtualization */
	0x80b,	/* EOI: EOI virtualization */
	0x83f,	/* SELF IPI: self-IPI virtualization */
};

/*
 * Decide at load: APICv needs the TPR shadow, MSR bitmaps, virtual-
 * interrupt delivery and x2APIC virtualization (the allowed-1 settings of
 * the capability MSRs); lacking any, event injection does the work.
 */
int kvmlite_apicv_setup(struct kvmlite_vmcs_config *c, u32 proc_allowed,
			u32 proc2_allowed)
{
	const u32 proc = CPU_BASED_TPR_SHADOW | CPU_BASED_USE_MSR_BITMAPS;
	const u32 proc2 = SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY |
			  SECONDARY_EXEC_VIRTUALIZE_X2APIC_MODE;
	unsigned int i;

	c->apicv = false;
	c->tpr_shadow = enable_apicv && (proc_allowed & CPU_BASED_TPR_SHADOW);
	if (!enable_apicv || (proc_allowed & proc) != proc ||
	    (proc2_allowed & proc2) != proc2) {
		pr_info("APICv not used (%s)\n", enable_apicv ?
			"the CPU lacks a piece of it" : "enable_apicv=0");
		return 0;
	}
	apicv_msr_bitmap = (unsigned long *)get_zeroed_page(GFP_KERNEL);
	intercept_all_msr_bitmap = (unsigned long *)__get_free_page(GFP_KERNEL);
	if (!apicv_msr_bitmap || !intercept_all_msr_bitmap) {
		kvmlite_apicv_free();
		return -ENOMEM;
	}
	memset(intercept_all_msr_bitmap, 0xff, PAGE_SIZE);
	/* Every MSR access exits, as without a bitmap, but for these. */
	memset(apicv_msr_bitmap, 0xff, PAGE_SIZE);
	for (i = 0; i < ARRAY_SIZE(apicv_passthrough_writes); i++)
		__clear_bit(MSR_BITMAP_WRITE_LOW * 8 +
			    apicv_passthrough_writes[i], apicv_msr_bitmap);
	apicv_proc2 = SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY;
	if (proc2_allowed & SECONDARY_EXEC_APIC_REGISTER_VIRT) {
		for (i = 0; i < ARRAY_SIZE(apicv_passthrough_reads); i++)
			bitmap_clear(apicv_msr_bitmap,
				     MSR_BITMAP_READ_LOW * 8 +
				     apicv_passthrough_reads[i][0],
				     apicv_passthrough_reads[i][1] -
				     apicv_passthrough_reads[i][0] + 1);
		apicv_proc2 |= SECONDARY_EXEC_APIC_REGISTER_VIRT;
	}
	c->apicv = true;
	c->apicv_reads = apicv_proc2 & SECONDARY_EXEC_APIC_REGISTER_VIRT;
	/* Switched per vCPU with the guest's APIC mode (kvmlite_apicv_sync). */
	c->apic_access = proc2_allowed & SECONDARY_EXEC_VIRTUALIZE_APIC_ACCESSES;
	pr_info("APICv used: TPR shadow, virtual-interrupt delivery, x2APIC virtualization%s%s\n",
		c->apicv_reads ? ", APIC-register virtualization" : "",
		c->apic_access ? ", the APIC-access page for xAPIC MMIO" : "");
	return 0;
}

void kvmlite_apicv_free(void)
{
	free_page((unsigned long)apicv_msr_bitmap);
	apicv_msr_bitmap = NULL;
	free_page((unsigned long)intercept_all_msr_bitmap);
	intercept_all_msr_bitmap = NULL;
}

/* The MSR bitmap that goes with these secondary controls. */
static u64 msr_bitmap_for(u32 proc2)
{
	return __pa(proc2 & SECONDARY_EXEC_VIRTUALIZE_X2APIC_MODE ?
		    apicv_msr_bitmap : intercept_all_msr_bitmap);
}

/*
 * The VM's APIC-access page, mapped at the xAPIC base on the first vCPU
 * that wants it (vm->lock held: vCPU creation); none where a memslot
 * already covers that address or memory is short (xAPIC MMIO is then
 * emulated on EPT violations, as without APICv).  Its contents never
 * matter: the processor redirects the accesses to the virtual-APIC page.
 */
static void apic_access_page_map(struct kvmlite_vm *vm)
{
	struct page *page;

	lockdep_assert_held(&vm->lock);
	if (vm->apic_access_tried)
		return;
	vm->apic_access_tried = true;
	if (kvmlite_memslot_overlaps(vm, KVMLITE_APIC_ACCESS_GPA, 1))
		return;
	page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!page)
		return;
	if (kvmlite_ept_map(&vm->ept, KVMLITE_APIC_ACCESS_GPA,
			    page_to_phys(page), true)) {
		__free_page(page);
		return;
	}
	vm->apic_access_page = page;
}

/*
 * Every vCPU with an in-kernel LAPIC keeps CR8 off the exit path where
 * the CPU has the TPR shadow (SDM 30.1.1, 30.1.2): MOV to CR8 writes TPR
 * in the LAPIC page itself.  APICv builds on this.  Without APICv
 * (posting off, or a CPU without virtual-interrupt delivery) a CR8 write
 * exits (trap-like, TPR below threshold) only when it drops below the
 * TPR threshold, the class of a vector TPR was holding back; the next
 * entry injects it.  The processor then touches no other byte of the
 * page, so senders still write IRR.
 */
static void tpr_shadow_vcpu_setup(struct kvmlite_vcpu *vcpu)
{
	u32 proc = vmcs_read(CPU_BASED_VM_EXEC_CONTROL);

	vcpu->tpr_shadow = kvmlite_vmcs_config.tpr_shadow && vcpu->apic;
	if (!vcpu->tpr_shadow)
		return;
	proc &= ~(CPU_BASED_CR8_LOAD_EXITING | CPU_BASED_CR8_STORE_EXITING);
	vmcs_write(CPU_BASED_VM_EXEC_CONTROL, proc | CPU_BASED_TPR_SHADOW);
	vmcs_write(VIRTUAL_APIC_PAGE_ADDR, __pa(vcpu->apic->regs));
	vmcs_write(TPR_THRESHOLD, 0);
	vcpu->tpr_threshold = 0;
}

/*
 * Before entry, LAPIC lock held: the threshold is the class of the
 * highest pending vector when TPR alone holds it back, else 0 (never
 * exit).  It never exceeds TPR[7:4], as VM entry requires (SDM 26.2.1.1).
 */
void kvmlite_tpr_threshold_update(struct kvmlite_vcpu *vcpu)
{
	int irr = kvmlite_lapic_highest_irr(vcpu->apic);
	u8 tpr_class = (vcpu->apic->regs[KVMLITE_APIC_TPR / 4] >> 4) & 0xf;
	u8 threshold = 0;

	if (irr >= 0 && (irr >> 4) <= tpr_class)
		threshold = irr >> 4;
	if (threshold != vcpu->tpr_threshold) {
		vmcs_write(TPR_THRESHOLD, threshold);
		vcpu->tpr_threshold = threshold;
	}
}

/*
 * Whether the vCPU uses APICv, and what kvmlite_apicv_vcpu_setup() then
 * needs that may sleep: the VM's APIC-access page and its EPT entry.
 * Called before the VMCS is loaded, since the setup runs with preemption
 * off (make test-debug's DEBUG_ATOMIC_SLEEP kernel reported the
 * allocation there).
 */
void kvmlite_apicv_vcpu_prepare(struct kvmlite_vcpu *vcpu)
{
	const struct kvmlite_vmcs_config *c = &kvmlite_vmcs_config;

	might_sleep();
	/* Senders must not write IRR under the processor: posting needed. */
	vcpu->apicv = c->apicv && vcpu->apic && vcpu->posted;
	if (vcpu->apicv && c->apic_access)
		apic_access_page_map(vcpu->vm);
}

/*
 * VMCS fields of a vCPU with an in-kernel LAPIC, after
 * kvmlite_apicv_vcpu_prepare(); the VMCS is current and preemption off,
 * so nothing here may sleep.
 */
void kvmlite_apicv_vcpu_setup(struct kvmlite_vcpu *vcpu)
{
	const struct kvmlite_vmcs_config *c = &kvmlite_vmcs_config;
	int i;

	/* APICv implies the TPR shadow (kvmlite_apicv_setup). */
	tpr_shadow_vcpu_setup(vcpu);
	if (!vcpu->apicv)
		return;
	vmcs_write(CPU_BASED_VM_EXEC_CONTROL,
		   vmcs_read(CPU_BASED_VM_EXEC_CONTROL) |
		   CPU_BASED_USE_MSR_BITMAPS);
	vcpu->proc2 = vmcs_read(SECONDARY_VM_EXEC_CONTROL) | apicv_proc2;
	vmcs_write(SECONDARY_VM_EXEC_CONTROL, vcpu->proc2);
	vmcs_write(MSR_BITMAP, msr_bitmap_for(vcpu->proc2));
	for (i = 0; i < 4; i++)
		vmcs_write(EOI_EXIT_BITMAP0 + i * 2, 0);
	vcpu->eoi_exit_bitmap_stale = true;
	vmcs_write(GUEST_INTR_STATUS, 0);
	if (c->apic_access && vcpu->vm->apic_access_page) {
		vmcs_write(APIC_ACCESS_ADDR,
			   page_to_phys(vcpu->vm->apic_access_page));
		vcpu->apic_access = true;
	}
}

/* The xAPIC page is at the access page's address and enabled there. */
static bool xapic_page_virtualized(const struct kvmlite_vcpu *vcpu)
{
	return vcpu->apic_access && !vcpu->apic->x2apic &&
	       (vcpu->msr_apic_base & (MSR_IA32_APICBASE_BASE |
				       MSR_IA32_APICBASE_ENABLE)) ==
	       (KVMLITE_APIC_ACCESS_GPA | MSR_IA32_APICBASE_ENABLE);
}

/*
 * Before VM entry, with the LAPIC lock held and PIR already in IRR: the
 * processor takes RVI (the highest vector requested) and SVI (the highest
 * in service) from the guest interrupt status and does PPR virtualization
 * and the pending-interrupt evaluation itself at entry.  The EOI-exit
 * bitmap is TMR: the EOI of a level-triggered vector exits.
 */
void kvmlite_apicv_sync(struct kvmlite_vcpu *vcpu)
{
	const u32 *regs = vcpu->apic->regs;
	/* No vector: 0, which the processor takes as none. */
	int rvi = max(kvmlite_lapic_highest_irr(vcpu->apic), 0);
	int svi = max(kvmlite_lapic_highest_isr(vcpu->apic), 0);
	u16 status = rvi | svi << 8;
	u64 tmr[4];
	u32 want2 = vcpu->proc2 & ~(SECONDARY_EXEC_VIRTUALIZE_X2APIC_MODE |
				    SECONDARY_EXEC_VIRTUALIZE_APIC_ACCESSES);
	int i;

	/* The two are exclusive (SDM 26.2.1.1): one per APIC mode. */
	if (vcpu->apic->x2apic)
		want2 |= SECONDARY_EXEC_VIRTUALIZE_X2APIC_MODE;
	else if (xapic_page_virtualized(vcpu))
		want2 |= SECONDARY_EXEC_VIRTUALIZE_APIC_ACCESSES;
	/* What an APIC-write exit will need to find the old values. */
	if (want2 & SECONDARY_EXEC_VIRTUALIZE_APIC_ACCESSES)
		for (i = 0; i < ARRAY_SIZE(vcpu->apic_page_at_entry); i++)
			vcpu->apic_page_at_entry[i] = regs[i * 4];

	vmcs_write(GUEST_INTR_STATUS, status);
	if (vcpu->eoi_exit_bitmap_stale) {
		kvmlite_lapic_tmr(vcpu->apic, tmr);
		for (i = 0; i < 4; i++) {
			if (tmr[i] == vcpu->eoi_exit_bitmap[i])
				continue;
			vmcs_write(EOI_EXIT_BITMAP0 + i * 2, tmr[i]);
			vcpu->eoi_exit_bitmap[i] = tmr[i];
		}
		vcpu->eoi_exit_bitmap_stale = false;
	}
	/* APIC virtualization, and the MSR bitmap, follow the APIC mode. */
	if (want2 != vcpu->proc2) {
		vmcs_write(SECONDARY_VM_EXEC_CONTROL, want2);
		if ((want2 ^ vcpu->proc2) & SECONDARY_EXEC_VIRTUALIZE_X2APIC_MODE)
			vmcs_write(MSR_BITMAP, msr_bitmap_for(want2));
		vcpu->proc2 = want2;
	}
	trace_kvmlite_apicv_sync(vcpu->vm->id, vcpu->id, status & 0xff,
				 status >> 8);
}

/* RVI, for the halt check (the backend table's rvi). */
u8 kvmlite_apicv_rvi(struct kvmlite_vcpu *vcpu)
{
	return vcpu->apicv ? vmcs_read(GUEST_INTR_STATUS) & 0xff : 0;
}

/*
 * TMR changed (the backend table's update_eoi_exitmap; LAPIC lock held,
 * any CPU): the next entry writes the EOI-exit bitmap from it.
 */
void kvmlite_apicv_eoi_exitmap_changed(struct kvmlite_vcpu *vcpu)
{
	vcpu->eoi_exit_bitmap_stale = true;
}

/*
 * EOI-induced exit (SDM 30.1.3): the processor already retired the vector
 * from ISR; a level-triggered one goes to userspace's IOAPIC.
 */
int kvmlite_apicv_eoi_exit(struct kvmlite_vcpu *vcpu, u64 qual)
{
	vcpu->eoi_exit_vector = qual & 0xff;
	vcpu->eoi_exit_pending = true;
	return 1;
}

/*
 * APIC-write exit (SDM 30.4.3.3): trap-like, after the guest's write to
 * a register of the xAPIC page went into the virtual-APIC page.
 */
int kvmlite_apicv_write_exit(struct kvmlite_vcpu *vcpu, u64 qual)
{
	u32 offset = qual & 0xfff;

	vcpu->stats[KSTAT_APIC_WRITE]++;
	/* Only 16-byte aligned registers below 0x400 are written this way. */
	if (offset < KVMLITE_APIC_PAGE_SIZE && !(offset & 0xf))
		kvmlite_apic_write_trapped(vcpu, offset,
					   vcpu->apic_page_at_entry[offset >> 4]);
	return 1;
}
