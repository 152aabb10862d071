// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel LAPIC of each vCPU (KVM_CAP_SPLIT_IRQCHIP), wired to the
 * pure-logic model in lapic.c: its lock, its timer (apic_timer.c),
 * kicks, and the guest's and userspace's ways in (x2APIC MSRs, xAPIC
 * MMIO, APIC-write exits, KVM_GET/SET_LAPIC).  Delivery between LAPICs
 * is route.c's; the backend (vmx/) is reached only through
 * apic->backend.
 *
 * Locking: each LAPIC has a raw spinlock, taken with interrupts off (the
 * timer fires in hard interrupt context).  Nothing takes two LAPIC locks
 * at once: an ICR write only records the IPI, which the entry point that
 * wrote ICR sends after the lock is dropped (apic_unlock_send_ipi).
 */
#include <linux/hrtimer.h>
#include <linux/kvm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <asm/irq_vectors.h>
#include <asm/msr-index.h>

#include "kvmlite.h"
#include "backend.h"
#include "lapic.h"
#include "trace.h"

static struct kvmlite_vcpu *apic_vcpu(struct kvmlite_lapic *apic)
{
	return apic->owner;
}

static u64 op_now_ns(struct kvmlite_lapic *apic)
{
	return ktime_get_ns();
}

/* Where the timer waits is apic_timer.c's. */
static void op_timer_arm(struct kvmlite_lapic *apic, u64 expiry_ns)
{
	kvmlite_apic_timer_arm(apic_vcpu(apic), expiry_ns);
}

static void op_timer_cancel(struct kvmlite_lapic *apic)
{
	kvmlite_apic_timer_cancel(apic_vcpu(apic));
}

/*
 * Make the vCPU look at its LAPIC: wake it if it sleeps (run.c), force it
 * out of the guest if it runs on another CPU.
 */
void kvmlite_vcpu_kick(struct kvmlite_vcpu *vcpu)
{
	struct task_struct *task = READ_ONCE(vcpu->task);

	vcpu->stats[KSTAT_KICKS]++;
	wake_up_interruptible(&vcpu->wq);
	/*
	 * A vCPU that polls in its halt is in the kernel and runs the halt
	 * check again: no IPI to interrupt it (the wake-up above covers it
	 * if it stops polling to sleep).
	 */
	if (task && task != current && !READ_ONCE(vcpu->halt_polling))
		kick_process(task);
}

static void op_kick(struct kvmlite_lapic *apic)
{
	kvmlite_vcpu_kick(apic_vcpu(apic));
}

static void op_eoi_level(struct kvmlite_lapic *apic, u8 vector)
{
	struct kvmlite_vcpu *vcpu = apic_vcpu(apic);

	vcpu->eoi_exit_vector = vector;
	vcpu->eoi_exit_pending = true;
}

static void op_send_ipi(struct kvmlite_lapic *apic, u32 icr_low, u32 dest)
{
	struct kvmlite_vcpu *vcpu = apic_vcpu(apic);

	/* Delivered by kvmlite_apic_unlock() once this lock is dropped. */
	vcpu->ipi_icr = icr_low;
	vcpu->ipi_dest = dest;
	vcpu->ipi_pending = true;
}

static const struct kvmlite_lapic_ops vcpu_lapic_ops = {
	.now_ns = op_now_ns,
	.timer_arm = op_timer_arm,
	.timer_cancel = op_timer_cancel,
	.kick = op_kick,
	.eoi_level = op_eoi_level,
	.send_ipi = op_send_ipi,
};

/* The drain's counter and trace; highest is what it moved, or -1. */
void kvmlite_apic_count_drain(struct kvmlite_vcpu *vcpu, int highest)
{
	if (highest >= 0) {
		vcpu->stats[KSTAT_PI_SW_DRAINS]++;
		trace_kvmlite_pi_drain(vcpu->vm->id, vcpu->id, highest);
	}
}

/* What the backend holds outside IRR goes into it; the lock is held. */
void kvmlite_apic_sync_irr(struct kvmlite_vcpu *vcpu)
{
	kvmlite_apic_count_drain(vcpu, kvmlite_lapic_sync_irr(vcpu->apic));
}

unsigned long kvmlite_apic_lock(struct kvmlite_vcpu *vcpu)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&vcpu->apic_lock, flags);
	return flags;
}

void kvmlite_apic_unlock(struct kvmlite_vcpu *vcpu, unsigned long flags)
{
	raw_spin_unlock_irqrestore(&vcpu->apic_lock, flags);
}

/*
 * Does the LAPIC take the 8259's interrupt from KVM_INTERRUPT now?  As on
 * hardware: when LINT0 is unmasked in ExtINT mode, or the LAPIC is off
 * in IA32_APIC_BASE (then the INTR pin goes straight to the CPU).  The
 * one such predicate; it takes the LAPIC lock.
 */
bool kvmlite_apic_takes_extint(struct kvmlite_vcpu *vcpu)
{
	unsigned long flags;
	bool r;

	if (!(vcpu->msr_apic_base & MSR_IA32_APICBASE_ENABLE))
		return true;
	flags = kvmlite_apic_lock(vcpu);
	r = kvmlite_lapic_accepts_extint(vcpu->apic);
	kvmlite_apic_unlock(vcpu, flags);
	return r;
}

/* Unlock after a guest write that may have been to ICR: send the IPI. */
static void apic_unlock_send_ipi(struct kvmlite_vcpu *vcpu,
				 unsigned long flags)
{
	bool ipi = vcpu->ipi_pending;
	u32 icr = vcpu->ipi_icr, dest = vcpu->ipi_dest;

	vcpu->ipi_pending = false;
	kvmlite_apic_unlock(vcpu, flags);
	if (ipi) {
		vcpu->stats[KSTAT_IPIS]++;
		kvmlite_deliver(vcpu->vm, vcpu, dest,
				icr & KVMLITE_APIC_ICR_LOGICAL,
				(icr >> KVMLITE_APIC_ICR_SHORTHAND_SHIFT) & 3,
				(icr & KVMLITE_APIC_ICR_DM_MASK) >>
				KVMLITE_APIC_ICR_DM_SHIFT,
				icr & KVMLITE_APIC_LVT_VECTOR,
				icr & KVMLITE_APIC_ICR_TRIGGER_LEVEL);
	}
}

int kvmlite_apic_create(struct kvmlite_vcpu *vcpu)
{
	/*
	 * A whole page: its first KiB, the register page, doubles as the
	 * virtual-APIC page of APICv (vmx/apicv.c), which must be aligned.
	 */
	BUILD_BUG_ON(offsetof(struct kvmlite_lapic, regs) != 0 ||
		     sizeof(struct kvmlite_lapic) > PAGE_SIZE);
	vcpu->apic = kzalloc(PAGE_SIZE, GFP_KERNEL_ACCOUNT);
	if (!vcpu->apic)
		return -ENOMEM;
	raw_spin_lock_init(&vcpu->apic_lock);
	kvmlite_apic_timer_init(vcpu);
	/* Event injection until the backend sets its own (vmx/posted.c). */
	kvmlite_lapic_init(vcpu->apic, vcpu->id, &vcpu_lapic_ops,
			   &kvmlite_injection_backend, vcpu);
	vcpu->apic->min_period_ns = KVMLITE_APIC_MIN_PERIOD_NS;
	return 0;
}

void kvmlite_apic_destroy(struct kvmlite_vcpu *vcpu)
{
	if (!vcpu->apic)
		return;
	hrtimer_cancel(&vcpu->apic_timer);
	kfree(vcpu->apic);
	vcpu->apic = NULL;
}

/* x2APIC MSRs, IA32_TSC_DEADLINE; -EINVAL means #GP. */
int kvmlite_apic_rdmsr(struct kvmlite_vcpu *vcpu, u32 index, u64 *val)
{
	unsigned long flags;
	int r = 0;

	flags = kvmlite_apic_lock(vcpu);
	/* IRR reads show what was posted. */
	kvmlite_apic_sync_irr(vcpu);
	if (index == MSR_IA32_TSC_DEADLINE)
		*val = kvmlite_lapic_get_tsc_deadline(vcpu->apic);
	else if (vcpu->apic->x2apic)
		r = kvmlite_lapic_rdmsr(vcpu->apic, index, val);
	else
		r = -EINVAL;
	kvmlite_apic_unlock(vcpu, flags);
	if (!r)
		trace_kvmlite_apic_access(vcpu->vm->id, vcpu->id, index, *val,
					  false);
	return r;
}

/* expiry_ns: when the guest's TSC reaches val (msr.c), for the deadline. */
int kvmlite_apic_wrmsr(struct kvmlite_vcpu *vcpu, u32 index, u64 val,
		       u64 expiry_ns)
{
	unsigned long flags;
	int r = 0;

	flags = kvmlite_apic_lock(vcpu);
	if (index == MSR_IA32_TSC_DEADLINE)
		kvmlite_lapic_set_tsc_deadline(vcpu->apic, val, expiry_ns);
	else if (vcpu->apic->x2apic)
		r = kvmlite_lapic_wrmsr(vcpu->apic, index, val);
	else
		r = -EINVAL;
	apic_unlock_send_ipi(vcpu, flags);
	if (!r)
		trace_kvmlite_apic_access(vcpu->vm->id, vcpu->id, index, val,
					  true);
	return r;
}

/* The APIC base MSR: enable, and xAPIC <-> x2APIC (SDM 11.12.5). */
int kvmlite_apic_set_base(struct kvmlite_vcpu *vcpu, u64 val, bool host)
{
	bool was_x2 = vcpu->msr_apic_base & X2APIC_ENABLE;
	bool x2 = val & X2APIC_ENABLE, en = val & MSR_IA32_APICBASE_ENABLE;
	unsigned long flags;

	if (!host && ((x2 && !en) || (was_x2 && !x2 && en)))
		return -EINVAL;
	vcpu->msr_apic_base = val;
	if (!vcpu->apic)
		return 0;
	flags = kvmlite_apic_lock(vcpu);
	kvmlite_lapic_set_x2apic(vcpu->apic, x2 && en);
	kvmlite_apic_unlock(vcpu, flags);
	return 0;
}

/* xAPIC MMIO in the APIC page: true if this access was the LAPIC's. */
bool kvmlite_apic_mmio(struct kvmlite_vcpu *vcpu, u64 gpa, bool write,
		       u32 *val)
{
	u64 base = vcpu->msr_apic_base & ~0xfffull;
	unsigned long flags;

	if (!vcpu->apic || vcpu->apic->x2apic ||
	    !(vcpu->msr_apic_base & MSR_IA32_APICBASE_ENABLE) ||
	    gpa < base || gpa >= base + PAGE_SIZE)
		return false;
	flags = kvmlite_apic_lock(vcpu);
	kvmlite_apic_sync_irr(vcpu);
	if (write)
		kvmlite_lapic_mmio_write(vcpu->apic, gpa - base, *val);
	else if (kvmlite_lapic_mmio_read(vcpu->apic, gpa - base, val))
		*val = 0;
	apic_unlock_send_ipi(vcpu, flags);
	trace_kvmlite_apic_access(vcpu->vm->id, vcpu->id, gpa - base, *val,
				  write);
	return true;
}

/*
 * APICv's APIC-write exit: the guest's write to offset of the xAPIC page
 * is already in the page; old is what the model had there at entry.
 */
void kvmlite_apic_write_trapped(struct kvmlite_vcpu *vcpu, u32 offset, u32 old)
{
	unsigned long flags;
	u32 val;

	flags = kvmlite_apic_lock(vcpu);
	kvmlite_apic_sync_irr(vcpu);
	val = kvmlite_lapic_trapped_write(vcpu->apic, offset, old);
	apic_unlock_send_ipi(vcpu, flags);
	trace_kvmlite_apic_access(vcpu->vm->id, vcpu->id, offset, val, true);
}

int kvmlite_apic_get_state(struct kvmlite_vcpu *vcpu, struct kvm_lapic_state *s)
{
	unsigned long flags;

	if (!vcpu->apic)
		return -EINVAL;
	flags = kvmlite_apic_lock(vcpu);
	kvmlite_apic_sync_irr(vcpu);
	kvmlite_lapic_get_state(vcpu->apic, s, false);
	kvmlite_apic_unlock(vcpu, flags);
	return 0;
}

int kvmlite_apic_set_state(struct kvmlite_vcpu *vcpu,
			   const struct kvm_lapic_state *s)
{
	unsigned long flags;
	int r;

	if (!vcpu->apic)
		return -EINVAL;
	flags = kvmlite_apic_lock(vcpu);
	/* Posted vectors belong to the state being replaced. */
	kvmlite_apic_sync_irr(vcpu);
	r = kvmlite_lapic_set_state(vcpu->apic, s, false);
	kvmlite_apic_unlock(vcpu, flags);
	return r;
}
