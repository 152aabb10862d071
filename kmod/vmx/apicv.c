// SPDX-License-Identifier: GPL-2.0
/*
 * APICv (SDM Vol. 3C ch. 30, "APIC Virtualization and Virtual
 * Interrupts"): where the CPU has them, the TPR shadow, virtual-interrupt
 * delivery and x2APIC virtualization take the LAPIC's hot paths out of
 * the hypervisor.  The LAPIC's register page is the virtual-APIC page
 * (struct kvmlite_lapic starts with it and is allocated page-aligned),
 * so the processor and lapic.c read and write the same IRR, ISR and TPR.
 *
 * What runs in the guest without an exit: CR8 and x2APIC TPR writes, EOI
 * (an EOI-induced exit only for level-triggered vectors, whose EOI goes to
 * userspace's IOAPIC), self-IPIs, the delivery of any vector in IRR as
 * soon as RFLAGS.IF and PPR allow, and (with APIC-register virtualization)
 * x2APIC reads of the registers kept verbatim in the page.  Everything
 * else still exits: reads the model computes (PPR, the current count, the
 * x2APIC ID), the other x2APIC writes, and xAPIC MMIO (no APIC-access
 * page: MMIO to the APIC base goes through the EPT-violation emulator).
 *
 * Posting stays software (the descriptor in pi.c): a post that notifies
 * kicks the vCPU out of the guest, and before the next entry PIR goes into
 * IRR and RVI is recomputed.  Hardware posted-interrupt processing is not
 * used.  Module parameter enable_apicv=0 turns all of this off: the LAPIC
 * then injects through VM entry as before.
 */
#include <linux/bitmap.h>
#include <linux/minmax.h>
#include <linux/module.h>
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
	if (!enable_apicv || (proc_allowed & proc) != proc ||
	    (proc2_allowed & proc2) != proc2) {
		pr_info("APICv not used (%s)\n", enable_apicv ?
			"the CPU lacks a piece of it" : "enable_apicv=0");
		return 0;
	}
	apicv_msr_bitmap = (unsigned long *)get_zeroed_page(GFP_KERNEL);
	if (!apicv_msr_bitmap)
		return -ENOMEM;
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
	pr_info("APICv used: TPR shadow, virtual-interrupt delivery, x2APIC virtualization%s; posting in software\n",
		apicv_proc2 & SECONDARY_EXEC_APIC_REGISTER_VIRT ?
		", APIC-register virtualization of x2APIC reads" : "");
	return 0;
}

void kvmlite_apicv_free(void)
{
	free_page((unsigned long)apicv_msr_bitmap);
	apicv_msr_bitmap = NULL;
}

/* VMCS fields of a vCPU with an in-kernel LAPIC; the VMCS is current. */
void kvmlite_apicv_vcpu_setup(struct kvmlite_vcpu *vcpu)
{
	const struct kvmlite_vmcs_config *c = &kvmlite_vmcs_config;
	u32 proc = vmcs_read(CPU_BASED_VM_EXEC_CONTROL);
	int i;

	/* Senders must not write IRR under the processor: posting needed. */
	vcpu->apicv = c->apicv && vcpu->apic && vcpu->pi;
	if (!vcpu->apicv)
		return;
	/* CR8 is the virtual TPR now: no CR8 exits. */
	proc &= ~(CPU_BASED_CR8_LOAD_EXITING | CPU_BASED_CR8_STORE_EXITING);
	proc |= CPU_BASED_TPR_SHADOW | CPU_BASED_USE_MSR_BITMAPS;
	vmcs_write(CPU_BASED_VM_EXEC_CONTROL, proc);
	vmcs_write(SECONDARY_VM_EXEC_CONTROL,
		   vmcs_read(SECONDARY_VM_EXEC_CONTROL) | apicv_proc2);
	vmcs_write(VIRTUAL_APIC_PAGE_ADDR, __pa(vcpu->apic->regs));
	vmcs_write(MSR_BITMAP, __pa(apicv_msr_bitmap));
	vmcs_write(TPR_THRESHOLD, 0);
	for (i = 0; i < 4; i++)
		vmcs_write(EOI_EXIT_BITMAP0 + i * 2, 0);
	vmcs_write(GUEST_INTR_STATUS, 0);
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
	u32 proc2 = vmcs_read(SECONDARY_VM_EXEC_CONTROL);
	u32 want2 = vcpu->apic->x2apic ?
		    proc2 | SECONDARY_EXEC_VIRTUALIZE_X2APIC_MODE :
		    proc2 & ~SECONDARY_EXEC_VIRTUALIZE_X2APIC_MODE;
	int i;

	vmcs_write(GUEST_INTR_STATUS, status);
	for (i = 0; i < 4; i++) {
		u64 tmr = regs[(KVMLITE_APIC_TMR + i * 0x20) / 4] |
			  (u64)regs[(KVMLITE_APIC_TMR + i * 0x20 + 0x10) / 4] << 32;

		if (tmr != vcpu->eoi_exit_bitmap[i]) {
			vmcs_write(EOI_EXIT_BITMAP0 + i * 2, tmr);
			vcpu->eoi_exit_bitmap[i] = tmr;
		}
	}
	/* x2APIC virtualization follows the guest's APIC mode. */
	if (want2 != proc2)
		vmcs_write(SECONDARY_VM_EXEC_CONTROL, want2);
	trace_kvmlite_apicv_sync(vcpu->vm->id, vcpu->id, status & 0xff,
				 status >> 8);
}

/* RVI, for the halt check. */
u8 kvmlite_apicv_rvi(struct kvmlite_vcpu *vcpu)
{
	return vcpu->apicv ? vmcs_read(GUEST_INTR_STATUS) & 0xff : 0;
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
