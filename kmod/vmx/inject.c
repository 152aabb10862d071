// SPDX-License-Identifier: GPL-2.0
/*
 * Event injection through VM entry (SDM 26.6): NMIs (KVM_NMI, NMI IPIs and
 * MSIs), the external interrupt userspace queued with KVM_INTERRUPT, and
 * the in-kernel LAPIC's vectors.  An event the guest cannot take now (IF
 * clear, an STI or MOV-SS shadow, NMI blocking, another event already on
 * its way in) arms the interrupt- or NMI-window exit instead, so it goes
 * in at the first instruction boundary where the guest can take it.
 */
#include <linux/kvm.h>
#include <asm/irq_vectors.h>
#include <asm/vmx.h>

#include "../lapic.h"
#include "../trace.h"
#include "vmx.h"
#include "vmx_ops.h"

/* One NMI may be pending behind the one being handled (SDM 6.7.1). */
#define NMI_PENDING_MAX	2

#define SHADOWS	(GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS)

static bool guest_if(void)
{
	return vmcs_read(GUEST_RFLAGS) & X86_EFLAGS_IF;
}

/* RFLAGS.IF, for the halt check. */
bool kvmlite_guest_irq_enabled(struct kvmlite_vcpu *vcpu)
{
	return guest_if();
}

static bool event_in_flight(void)
{
	return vmcs_read(VM_ENTRY_INTR_INFO_FIELD) & INTR_INFO_VALID_MASK;
}

/*
 * KVM's kvm_run.ready_for_interrupt_injection: may userspace issue
 * KVM_INTERRUPT now?  The guest must be interruptible and nothing queued
 * may be waiting already.
 */
bool kvmlite_ready_for_interrupt(struct kvmlite_vcpu *vcpu)
{
	if (!guest_if() ||
	    (vmcs_read(GUEST_INTERRUPTIBILITY_INFO) & SHADOWS) ||
	    vcpu->ext_irq >= 0)
		return false;
	return !vcpu->apic || kvmlite_apic_takes_extint(vcpu);
}

/* KVM_INTERRUPT: KVM's errnos. */
int kvmlite_queue_interrupt(struct kvmlite_vcpu *vcpu, u32 irq)
{
	if (irq >= 256)
		return -EINVAL;
	if (vcpu->apic && vcpu->ext_irq >= 0)
		return -EEXIST;
	vcpu->ext_irq = irq;
	return 0;
}

static void inject(struct kvmlite_vcpu *vcpu, u32 type, int vector)
{
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, vector | type |
		   INTR_INFO_VALID_MASK);
	vcpu->stats[KSTAT_INJECTED]++;
	trace_kvmlite_inject_irq(vcpu->vm->id, vcpu->id, vector,
				 type == INTR_TYPE_NMI_INTR);
}

/* NMIs first: they go in whenever no shadow and no NMI blocks them. */
static bool inject_nmi(struct kvmlite_vcpu *vcpu, u32 *proc, bool busy,
		       u32 blocking)
{
	unsigned int queued = atomic_xchg(&vcpu->nmi_queued, 0);
	/* Without it, the slice's preemption-timer exit looks again. */
	u32 window = kvmlite_vmcs_config.nmi_window ?
		     CPU_BASED_NMI_WINDOW_EXITING : 0;

	vcpu->nmi_pending = min(vcpu->nmi_pending + queued, NMI_PENDING_MAX);
	if (!vcpu->nmi_pending)
		return busy;
	if (busy || (blocking & (SHADOWS | GUEST_INTR_STATE_NMI))) {
		*proc |= window;
		return busy;
	}
	inject(vcpu, INTR_TYPE_NMI_INTR, NMI_VECTOR);
	vcpu->nmi_pending--;
	/* The next one waits for the handler's IRET. */
	if (vcpu->nmi_pending)
		*proc |= window;
	return true;
}

/*
 * Before VM entry (interrupts off): inject what the guest can take now,
 * and arm a window exit for what it cannot take yet.
 */
void kvmlite_inject_events(struct kvmlite_vcpu *vcpu)
{
	u32 proc = vmcs_read(CPU_BASED_VM_EXEC_CONTROL) &
		   ~(CPU_BASED_INTR_WINDOW_EXITING |
		     CPU_BASED_NMI_WINDOW_EXITING);
	u32 blocking = vmcs_read(GUEST_INTERRUPTIBILITY_INFO);
	/* An event being re-injected (an exit hit its delivery) goes first. */
	bool busy = event_in_flight(), open, want_irq = false;
	unsigned long flags;
	int vec;

	busy = inject_nmi(vcpu, &proc, busy, blocking);
	open = !busy && guest_if() && !(blocking & SHADOWS);

	if (vcpu->ext_irq >= 0 && !vcpu->apic) {
		/* No irqchip: userspace checked the window, as with KVM. */
		if (!busy) {
			inject(vcpu, INTR_TYPE_EXT_INTR, vcpu->ext_irq);
			vcpu->ext_irq = -1;
			busy = true;
			open = false;
		}
	} else if (vcpu->ext_irq >= 0 && kvmlite_apic_takes_extint(vcpu)) {
		/* The 8259 comes before the LAPIC, as KVM orders them. */
		if (open) {
			inject(vcpu, INTR_TYPE_EXT_INTR, vcpu->ext_irq);
			vcpu->ext_irq = -1;
			open = false;
		} else {
			want_irq = true;
		}
	}

	if (vcpu->apic) {
		flags = kvmlite_apic_lock(vcpu);
		/* A kick forced this exit: take what was posted. */
		kvmlite_apic_sync_irr(vcpu);
		if (vcpu->apicv) {
			/* The processor delivers from RVI as soon as it may. */
			kvmlite_apicv_sync(vcpu);
			vec = -1;
		} else {
			vec = open ? kvmlite_lapic_ack(vcpu->apic) :
				     kvmlite_lapic_pending_vector(vcpu->apic);
			if (vcpu->tpr_shadow)
				kvmlite_tpr_threshold_update(vcpu);
		}
		kvmlite_apic_unlock(vcpu, flags);
		if (vec >= 0 && open)
			inject(vcpu, INTR_TYPE_EXT_INTR, vec);
		else if (vec >= 0)
			want_irq = true;
	}

	/* Userspace asked to hear when it may inject (IRQ_WINDOW_OPEN). */
	if (want_irq || vcpu->run->request_interrupt_window)
		proc |= CPU_BASED_INTR_WINDOW_EXITING;
	vmcs_write(CPU_BASED_VM_EXEC_CONTROL, proc);
}

/*
 * An exit in the middle of an IRET that unblocked NMIs (an EPT violation
 * on the stack, say) must put NMI blocking back (SDM 28.2.3, 31.7.1.2):
 * the IRET runs again.
 */
void kvmlite_nmi_unblocked_by_iret(void)
{
	if (vmcs_read(IDT_VECTORING_INFO_FIELD) & VECTORING_INFO_VALID_MASK)
		return;
	vmcs_write(GUEST_INTERRUPTIBILITY_INFO,
		   vmcs_read(GUEST_INTERRUPTIBILITY_INFO) |
		   GUEST_INTR_STATE_NMI);
}

/* What KVM reports in kvm_run on every return from KVM_RUN. */
void kvmlite_save_run_state(struct kvmlite_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	unsigned long flags;

	run->if_flag = guest_if();
	run->ready_for_interrupt_injection = kvmlite_ready_for_interrupt(vcpu);
	run->apic_base = vcpu->msr_apic_base;
	run->cr8 = vcpu->cr8;
	if (vcpu->apic) {
		flags = kvmlite_apic_lock(vcpu);
		run->cr8 = kvmlite_lapic_get_cr8(vcpu->apic);
		kvmlite_apic_unlock(vcpu, flags);
	}
}
