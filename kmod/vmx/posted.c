// SPDX-License-Identifier: GPL-2.0
/*
 * Posting: the LAPIC's backend table for a vCPU with a posted-interrupt
 * descriptor (its pure half is apic_delivery.c), hardware posted-interrupt
 * processing (SDM Vol. 3C 30.6), and the host side it needs.
 *
 * With "process posted interrupts", a vCPU in VMX non-root operation that
 * receives the notification vector does not exit: the processor clears
 * ON, moves PIR into the virtual IRR (the LAPIC's own page here), raises
 * RVI and delivers.  So a post (pi.c, from any CPU) that turned ON from 0
 * to 1 sends the notification vector to the vCPU's physical CPU when the
 * vCPU is in guest mode, and falls back to the software notification (a
 * wake-up or a kick) otherwise.
 *
 * Why that cannot lose a vector: the vCPU thread says it is in guest
 * mode (in_guest, then a full barrier) before its last drain of PIR ahead
 * of VM entry, with interrupts off; a post sets PIR and ON with locked
 * operations before it reads in_guest.  Either the drain sees the vector,
 * or the post sees in_guest and sends the vector, which stays pending
 * in the local APIC (interrupts are off) until VM entry, where the
 * processor takes it as a posted-interrupt notification.  A notification
 * that reaches the CPU after the exit is taken by the host's own handler
 * for the vector (it only acknowledges); ON stays set, and the next drain
 * (before entry, or in the halt check) takes the vector.
 *
 * The processor only processes posted interrupts with "acknowledge
 * interrupt on exit" (SDM 26.2.1.2): a VM exit for any other external
 * interrupt then takes its vector from the local APIC, and kvmlite must
 * run the host's IDT entry for it (host_irq.S).  That path can also be
 * turned on alone (ack_intr_on_exit=1), so it runs on CPUs without
 * posted interrupts, such as the emulator the suite runs on.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <asm/apic.h>
#include <asm/desc.h>
#include <asm/irq_vectors.h>
#include <asm/vmx.h>

#include "../lapic.h"
#include "../trace.h"
#include "apic_delivery.h"
#include "pi.h"
#include "vmx.h"
#include "vmx_ops.h"

/*
 * Posting: vectors go through the posted-interrupt descriptor and its
 * ON-gated notification, which the processor takes itself where it has
 * posted-interrupt processing.  Off: every vector goes straight into IRR
 * and kicks when it beats PPR, and APICv is not used (the processor owns
 * IRR while the guest runs; the TPR shadow still is).  Read when a vCPU
 * is created, so a change applies to vCPUs created after it.
 */
static bool posted_interrupts = true;
module_param(posted_interrupts, bool, 0644);
MODULE_PARM_DESC(posted_interrupts,
		 "post interrupts through a posted-interrupt descriptor (default: on)");

static bool hw_posted_interrupts = true;
module_param(hw_posted_interrupts, bool, 0444);
MODULE_PARM_DESC(hw_posted_interrupts,
		 "use the CPU's posted-interrupt processing where it has it (default: on)");

static bool ack_intr_on_exit;
module_param(ack_intr_on_exit, bool, 0644);
MODULE_PARM_DESC(ack_intr_on_exit,
		 "acknowledge host interrupts on VM exit and dispatch them here even without posted interrupts; read at vCPU creation (default: off)");

static unsigned long host_idt_base;

static struct kvmlite_vcpu *apic_vcpu(struct kvmlite_lapic *apic)
{
	return apic->owner;
}

/*
 * Post, and notify only a post that turned ON from 0 to 1 (halt_check.h):
 * through the processor when the vCPU is in guest mode and it processes
 * posted interrupts, else by a wake-up or a kick.
 */
static enum kvmlite_apic_delivery posted_deliver(struct kvmlite_lapic *apic,
						 u8 vector, bool level)
{
	struct kvmlite_vcpu *vcpu = apic_vcpu(apic);
	enum kvmlite_apic_delivery d;

	d = kvmlite_posted_deliver(vcpu->posted, apic, vector, level);
	if (d == KVMLITE_DELIVERY_LEVEL_HELD)
		return d;
	vcpu->stats[KSTAT_PI_POSTED]++;
	trace_kvmlite_pi_post(vcpu->vm->id, vcpu->id, vector, d);
	if (d != KVMLITE_DELIVERY_PI_NOTIFY) {
		vcpu->stats[KSTAT_PI_SUPPRESSED]++;
		return d;
	}
	vcpu->stats[KSTAT_PI_NOTIFIED]++;
	if (kvmlite_posted_notify(vcpu)) {
		trace_kvmlite_pi_notify(vcpu->vm->id, vcpu->id,
					KVMLITE_NOTIFY_POSTED_IPI);
		return d;
	}
	trace_kvmlite_pi_notify(vcpu->vm->id, vcpu->id,
				READ_ONCE(vcpu->halted) ? KVMLITE_NOTIFY_WAKE :
				KVMLITE_NOTIFY_KICK);
	kvmlite_vcpu_kick(vcpu);
	return d;
}

static int posted_sync_irr(struct kvmlite_lapic *apic)
{
	return kvmlite_posted_sync_irr(apic_vcpu(apic)->posted, apic);
}

static u8 posted_rvi(struct kvmlite_lapic *apic)
{
	return kvmlite_apicv_rvi(apic_vcpu(apic));
}

static void posted_update_eoi_exitmap(struct kvmlite_lapic *apic)
{
	kvmlite_apicv_eoi_exitmap_changed(apic_vcpu(apic));
}

static const struct kvmlite_apic_backend posted_backend = {
	.deliver = posted_deliver,
	.sync_irr = posted_sync_irr,
	.rvi = posted_rvi,
	.update_eoi_exitmap = posted_update_eoi_exitmap,
};

/*
 * At vCPU creation, before APICv's setup: the descriptor (with
 * posted_interrupts=1) and the LAPIC's backend table.  The descriptor is
 * a page of its own: the SDM asks only for 64-byte alignment, but Bochs
 * 3.0 fails VM entry (invalid control field) on one that is not
 * page-aligned, and a page per vCPU costs little.
 */
int kvmlite_posted_vcpu_create(struct kvmlite_vcpu *vcpu)
{
	struct kvmlite_posted_apic *p;

	if (!vcpu->apic || !READ_ONCE(posted_interrupts))
		return 0;
	BUILD_BUG_ON(sizeof(struct kvmlite_pi_desc) > PAGE_SIZE);
	p = kzalloc(sizeof(*p), GFP_KERNEL_ACCOUNT);
	if (!p)
		return -ENOMEM;
	p->pi = (struct kvmlite_pi_desc *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!p->pi) {
		kfree(p);
		return -ENOMEM;
	}
	vcpu->posted = p;
	vcpu->apic->backend = &posted_backend;
	return 0;
}

void kvmlite_posted_vcpu_free(struct kvmlite_vcpu *vcpu)
{
	if (!vcpu->posted)
		return;
	free_page((unsigned long)vcpu->posted->pi);
	kfree(vcpu->posted);
	vcpu->posted = NULL;
}

/* Decide at load, after APICv: what the allowed-1 settings offer. */
void kvmlite_posted_setup(struct kvmlite_vmcs_config *c, u32 pin_allowed,
			  u32 exit_allowed)
{
	struct desc_ptr idt;
	const char *why = NULL;

	c->ack_intr = false;
	c->posted_intr = false;
	if (!(exit_allowed & VM_EXIT_ACK_INTR_ON_EXIT)) {
		pr_info("posted interrupts not used (no acknowledge-interrupt-on-exit)\n");
		return;
	}
#ifdef X86_FEATURE_FRED
	/* Under FRED the host's handlers are not reached through the IDT. */
	if (cpu_feature_enabled(X86_FEATURE_FRED)) {
		pr_info("posted interrupts not used (FRED host)\n");
		return;
	}
#endif
	/* One IDT for all CPUs (idt_table), fixed once the kernel is up. */
	store_idt(&idt);
	host_idt_base = idt.address;
	c->ack_intr = true;
#ifdef POSTED_INTR_VECTOR
	if (!hw_posted_interrupts)
		why = "hw_posted_interrupts=0";
	else if (!c->apicv)
		why = "needs APICv";
	else if (!(pin_allowed & PIN_BASED_POSTED_INTR))
		why = "the CPU lacks it";
	else
		c->posted_intr = true;
#else
	why = "the kernel has no posted-interrupt vector";
#endif
	if (c->posted_intr)
		pr_info("posted interrupts: hardware processing, notification vector %#x\n",
			POSTED_INTR_VECTOR);
	else
		pr_info("posted interrupts: software notification only (hardware processing: %s)\n",
			why);
}

/* NV and NDST for the CPU the vCPU's VMCS is now loaded on. */
void kvmlite_posted_vcpu_moved(struct kvmlite_vcpu *vcpu, int cpu)
{
#ifdef POSTED_INTR_VECTOR
	u32 id = cpu_physical_id(cpu);

	if (!vcpu->hw_pi)
		return;
	/* NDST: the x2APIC ID, or the xAPIC ID in bits 15:8 (SDM 30.6). */
	kvmlite_pi_set_route(vcpu->posted->pi, POSTED_INTR_VECTOR,
			     x2apic_mode ? id : (id << 8) & 0xff00);
#endif
}

/* VMCS fields at vCPU creation, after APICv's; the VMCS is current. */
void kvmlite_posted_vcpu_setup(struct kvmlite_vcpu *vcpu, int cpu)
{
	const struct kvmlite_vmcs_config *c = &kvmlite_vmcs_config;

	vcpu->hw_pi = c->posted_intr && vcpu->apicv;
	vcpu->ack_intr = c->ack_intr &&
			 (vcpu->hw_pi || READ_ONCE(ack_intr_on_exit));
	if (vcpu->ack_intr)
		vmcs_write(VM_EXIT_CONTROLS, vmcs_read(VM_EXIT_CONTROLS) |
			   VM_EXIT_ACK_INTR_ON_EXIT);
#ifdef POSTED_INTR_VECTOR
	if (!vcpu->hw_pi)
		return;
	vmcs_write(PIN_BASED_VM_EXEC_CONTROL,
		   vmcs_read(PIN_BASED_VM_EXEC_CONTROL) | PIN_BASED_POSTED_INTR);
	vmcs_write(POSTED_INTR_NV, POSTED_INTR_VECTOR);
	vmcs_write(POSTED_INTR_DESC_ADDR, __pa(vcpu->posted->pi));
	kvmlite_posted_vcpu_moved(vcpu, cpu);
	/* Level-triggered vectors must reach the EOI-exit bitmap first. */
	vcpu->posted->level_unposted = true;
#endif
}

/*
 * A post turned ON from 0 to 1: notify through the hardware when the
 * vCPU is in guest mode.  False: the caller wakes or kicks instead.
 */
bool kvmlite_posted_notify(struct kvmlite_vcpu *vcpu)
{
#ifdef POSTED_INTR_VECTOR
	int cpu;

	if (!vcpu->hw_pi)
		return false;
	/* Pairs with the barrier after in_guest is set (run.c). */
	smp_mb__after_atomic();
	if (!READ_ONCE(vcpu->in_guest))
		return false;
	/* Left and moved meanwhile: that entry drains PIR again. */
	cpu = READ_ONCE(vcpu->cpu);
	if (cpu < 0)
		return false;
	apic->send_IPI(cpu, POSTED_INTR_VECTOR);
	vcpu->stats[KSTAT_PI_IPIS]++;
	return true;
#else
	return false;
#endif
}

/*
 * After a VM exit, interrupts still off: an external interrupt that the
 * exit acknowledged is delivered to the host's handler for its vector.
 */
void kvmlite_posted_host_irq(struct kvmlite_vcpu *vcpu)
{
	const gate_desc *idt = (const gate_desc *)host_idt_base;
	u32 info;

	if (!vcpu->ack_intr ||
	    (u16)vmcs_read(VM_EXIT_REASON) != EXIT_REASON_EXTERNAL_INTERRUPT)
		return;
	info = vmcs_read(VM_EXIT_INTR_INFO);
	if (WARN_ONCE(!(info & INTR_INFO_VALID_MASK),
		      "kvmlite: external-interrupt exit without a vector (%#x)\n",
		      info))
		return;
	vcpu->stats[KSTAT_HOST_IRQS]++;
#ifdef POSTED_INTR_VECTOR
	/*
	 * Under posted-interrupt processing the notification vector never
	 * exits; one here means the processor did not take it as such.
	 */
	if (vcpu->hw_pi &&
	    (info & INTR_INFO_VECTOR_MASK) == POSTED_INTR_VECTOR)
		vcpu->stats[KSTAT_PI_NV_EXITS]++;
#endif
	kvmlite_call_host_irq(gate_offset(idt + (info & INTR_INFO_VECTOR_MASK)));
}
