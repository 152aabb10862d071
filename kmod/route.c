// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupt messages between the LAPICs of a VM (IPIs and KVM_SIGNAL_MSI):
 * destination matching, lowest-priority arbitration, and acceptance of
 * fixed, NMI, INIT and SIPI messages at each target.  INIT and SIPI only
 * record what the target's thread applies (run.c).
 */
#include <linux/atomic.h>
#include <linux/kvm.h>
#include <asm/irq_vectors.h>

#include "kvmlite.h"
#include "lapic.h"
#include "trace.h"

/*
 * INIT (SDM 9.4, 11.6.1): the LAPIC resets now; the processor state is
 * reset by the vCPU thread, which then waits for a SIPI.  The target's
 * LAPIC lock is held.
 */
static void accept_init(struct kvmlite_vcpu *target)
{
	trace_kvmlite_apic_accept_irq(target->vm->id, target->id, 0, false);
	/* What was posted before the INIT goes with the reset IRR. */
	kvmlite_apic_sync_irr(target);
	kvmlite_lapic_reset(target->apic, true);
	target->init_pending = true;
	target->sipi_vector = -1;
	target->mp_state = KVM_MP_STATE_INIT_RECEIVED;
	kvmlite_vcpu_kick(target);
}

/* A SIPI starts a processor waiting after INIT; others ignore it. */
static int accept_sipi(struct kvmlite_vcpu *target, u8 vector)
{
	if (target->mp_state != KVM_MP_STATE_INIT_RECEIVED)
		return 0;
	trace_kvmlite_apic_accept_irq(target->vm->id, target->id, vector,
				      false);
	target->sipi_vector = vector;
	kvmlite_vcpu_kick(target);
	return 1;
}

/* KVM_NMI, and NMI IPIs and MSIs from any thread. */
void kvmlite_queue_nmi(struct kvmlite_vcpu *vcpu)
{
	atomic_inc(&vcpu->nmi_queued);
	vcpu->stats[KSTAT_NMIS_QUEUED]++;
	kvmlite_vcpu_kick(vcpu);
}

/* Is an NMI waiting (queued, or taken in by the backend and not yet in)? */
bool kvmlite_nmi_pending(struct kvmlite_vcpu *vcpu)
{
	return vcpu->nmi_pending || atomic_read(&vcpu->nmi_queued);
}

/* Accept one message at a LAPIC whose lock is held. */
static int accept_msg(struct kvmlite_vcpu *target, unsigned int mode,
		      u8 vector, bool level)
{
	switch (mode) {
	case KVMLITE_APIC_DM_INIT:
		accept_init(target);
		return 1;
	case KVMLITE_APIC_DM_SIPI:
		return accept_sipi(target, vector);
	case KVMLITE_APIC_DM_NMI:
		trace_kvmlite_apic_accept_irq(target->vm->id, target->id,
					      NMI_VECTOR, false);
		kvmlite_queue_nmi(target);
		return 1;
	default:
		trace_kvmlite_apic_accept_irq(target->vm->id, target->id,
					      vector, level);
		kvmlite_lapic_accept_irq(target->apic, vector, level);
		return 1;
	}
}

/*
 * Lowest priority: of the matching LAPICs, the one with the lowest PPR
 * takes it; ties rotate through the VM's round-robin counter.  PPRs are
 * read one LAPIC lock at a time (never two held), so the choice can be a
 * moment stale, which the SDM allows: the message still goes to exactly
 * one LAPIC.
 */
static int deliver_lowest(struct kvmlite_vm *vm, struct kvmlite_vcpu *source,
			  u32 dest, bool logical, unsigned int shorthand,
			  u8 vector, bool level)
{
	struct kvmlite_vcpu *cands[KVMLITE_MAX_VCPUS];
	u32 ppr[KVMLITE_MAX_VCPUS];
	unsigned int i, n = READ_ONCE(vm->nr_vcpus);
	unsigned long flags;
	int nc = 0, pick, r;

	/* vcpus[] only grows, and entries below nr_vcpus are set. */
	smp_rmb();
	for (i = 0; i < n; i++) {
		struct kvmlite_vcpu *target = vm->vcpus[i];

		if (!target->apic)
			continue;
		flags = kvmlite_apic_lock(target);
		if (kvmlite_lapic_match_dest(target->apic, dest, logical,
					     shorthand, target == source)) {
			cands[nc] = target;
			ppr[nc++] = kvmlite_lapic_ppr(target->apic);
		}
		kvmlite_apic_unlock(target, flags);
	}
	pick = kvmlite_lapic_lowest_priority(ppr, nc,
					     atomic_inc_return(&vm->lowest_rr));
	if (pick < 0)
		return 0;
	flags = kvmlite_apic_lock(cands[pick]);
	r = accept_msg(cands[pick], KVMLITE_APIC_DM_FIXED, vector, level);
	kvmlite_apic_unlock(cands[pick], flags);
	return r;
}

/*
 * Deliver an interrupt message (IPI or MSI) to every matching LAPIC:
 * fixed, lowest priority (to one of them), NMI, INIT and SIPI.  SMI and
 * ExtINT messages are dropped (no SMM; the 8259 comes through
 * KVM_INTERRUPT).  Returns how many LAPICs accepted it.
 */
int kvmlite_deliver(struct kvmlite_vm *vm, struct kvmlite_vcpu *source,
		    u32 dest, bool logical, unsigned int shorthand,
		    unsigned int mode, u8 vector, bool level)
{
	unsigned int i, n = READ_ONCE(vm->nr_vcpus);
	int delivered = 0;

	trace_kvmlite_apic_ipi(vm->id, source ? (int)source->id : -1, dest,
			       mode, vector, shorthand);
	if (mode != KVMLITE_APIC_DM_FIXED && mode != KVMLITE_APIC_DM_LOWEST &&
	    mode != KVMLITE_APIC_DM_NMI && mode != KVMLITE_APIC_DM_INIT &&
	    mode != KVMLITE_APIC_DM_SIPI)
		return 0;
	if (mode == KVMLITE_APIC_DM_LOWEST)
		return deliver_lowest(vm, source, dest, logical, shorthand,
				      vector, level);
	/* vcpus[] only grows, and entries below nr_vcpus are set. */
	smp_rmb();
	for (i = 0; i < n; i++) {
		struct kvmlite_vcpu *target = vm->vcpus[i];
		unsigned long flags;

		if (!target->apic)
			continue;
		flags = kvmlite_apic_lock(target);
		if (kvmlite_lapic_match_dest(target->apic, dest, logical,
					     shorthand, target == source))
			delivered += accept_msg(target, mode, vector, level);
		kvmlite_apic_unlock(target, flags);
	}
	return delivered;
}

/* KVM_SIGNAL_MSI: the x86 MSI address/data format (SDM 11.11). */
int kvmlite_signal_msi(struct kvmlite_vm *vm, const struct kvm_msi *msi)
{
	u32 dest = (msi->address_lo >> 12) & 0xff;

	/* KVM's answer for both: EINVAL. */
	if (msi->flags || !vm->split_irqchip)
		return -EINVAL;
	/* With x2APIC IDs, KVM takes the high byte from address_hi. */
	dest |= msi->address_hi & 0xffffff00;
	return kvmlite_deliver(vm, NULL, dest, msi->address_lo & BIT(2),
			       KVMLITE_APIC_SH_NONE, (msi->data >> 8) & 7,
			       msi->data & 0xff, msi->data & BIT(15));
}
