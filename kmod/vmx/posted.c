// SPDX-License-Identifier: GPL-2.0
/*
 * Hardware posted-interrupt processing (SDM Vol. 3C 30.6) and the host
 * side it needs.
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

#include <linux/module.h>
#include <linux/smp.h>
#include <asm/apic.h>
#include <asm/desc.h>
#include <asm/irq_vectors.h>
#include <asm/vmx.h>

#include "../lapic.h"
#include "../pi.h"
#include "vmx.h"
#include "vmx_ops.h"

static bool hw_posted_interrupts = true;
module_param(hw_posted_interrupts, bool, 0444);
MODULE_PARM_DESC(hw_posted_interrupts,
		 "use the CPU's posted-interrupt processing where it has it (default: on)");

static bool ack_intr_on_exit;
module_param(ack_intr_on_exit, bool, 0644);
MODULE_PARM_DESC(ack_intr_on_exit,
		 "acknowledge host interrupts on VM exit and dispatch them here even without posted interrupts; read at vCPU creation (default: off)");

static unsigned long host_idt_base;

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
	kvmlite_pi_set_route(vcpu->pi, POSTED_INTR_VECTOR,
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
	vmcs_write(POSTED_INTR_DESC_ADDR, __pa(vcpu->pi));
	kvmlite_posted_vcpu_moved(vcpu, cpu);
	/* Level-triggered vectors must reach the EOI-exit bitmap first. */
	vcpu->apic->level_unposted = true;
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
