// SPDX-License-Identifier: GPL-2.0
/*
 * Where a vCPU's LAPIC timer waits to fire: an hrtimer, or, while the
 * vCPU thread runs the guest, the next VM entry.
 *
 * The model (lapic.c) asks for "fire at expiry_ns" through timer_arm.
 * Arming an hrtimer on every TSC-deadline write costs more than the exit
 * itself, so inside KVM_RUN, on the vCPU's own thread, the expiry is only
 * noted: each entry fires the timer if it is due and otherwise bounds
 * the stay in the guest by the VMX preemption timer (vmx/run.c), as
 * kvm_intel's "hv timer" does.  Before the vCPU sleeps or KVM_RUN returns
 * the hrtimer takes over again (kvmlite_apic_timer_leave_guest), so a
 * halted vCPU is woken by its timer exactly as before: the halt check
 * sees the vector the hrtimer's callback sets.
 *
 * Everything here runs under the LAPIC's lock except the flag the vCPU
 * thread owns, timer_entry_ok.  A callback of the hrtimer that was
 * already running when the timer moved to the entry is harmless: the
 * model re-arms a stale or early call for the real expiry.
 */
#include <linux/hrtimer.h>
#include <linux/math64.h>
#include <linux/moduleparam.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/timekeeping.h>

#include "kvmlite.h"
#include "backend.h"
#include "lapic.h"
#include "trace.h"

static bool hv_timer = true;
module_param(hv_timer, bool, 0644);
MODULE_PARM_DESC(hv_timer,
		 "Keep the LAPIC timer of a running vCPU for its next VM entry (VMX preemption timer) instead of an hrtimer (default: on)");

static bool timer_waits_for_entry(const struct kvmlite_vcpu *vcpu)
{
	return vcpu->timer_entry_ok && in_task() &&
	       READ_ONCE(vcpu->task) == current;
}

void kvmlite_apic_timer_arm(struct kvmlite_vcpu *vcpu, u64 expiry_ns)
{
	trace_kvmlite_apic_timer_arm(vcpu->vm->id, vcpu->id, expiry_ns);
	if (timer_waits_for_entry(vcpu)) {
		vcpu->timer_at_entry = true;
		vcpu->timer_entry_ns = expiry_ns;
		/* Never wait here: the callback itself takes this lock. */
		hrtimer_try_to_cancel(&vcpu->apic_timer);
		return;
	}
	vcpu->timer_at_entry = false;
	vcpu->stats[KSTAT_TIMER_HRTIMER_ARMS]++;
	hrtimer_start(&vcpu->apic_timer, ns_to_ktime(expiry_ns),
		      HRTIMER_MODE_ABS_HARD);
}

void kvmlite_apic_timer_cancel(struct kvmlite_vcpu *vcpu)
{
	vcpu->timer_at_entry = false;
	hrtimer_try_to_cancel(&vcpu->apic_timer);
}

static enum hrtimer_restart apic_timer_fn(struct hrtimer *timer)
{
	struct kvmlite_vcpu *vcpu = container_of(timer, struct kvmlite_vcpu,
						 apic_timer);
	unsigned long flags = kvmlite_apic_lock(vcpu);

	trace_kvmlite_apic_timer_fire(vcpu->vm->id, vcpu->id);
	kvmlite_lapic_timer_fire(vcpu->apic);
	kvmlite_apic_unlock(vcpu, flags);
	/* A periodic timer was re-armed by the model through timer_arm. */
	return HRTIMER_NORESTART;
}

void kvmlite_apic_timer_init(struct kvmlite_vcpu *vcpu)
{
	hrtimer_init(&vcpu->apic_timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_HARD);
	vcpu->apic_timer.function = apic_timer_fn;
}

/*
 * The vCPU thread runs the guest from now on (KVM_RUN began, or a sleep
 * ended): the timer may wait for its entries.
 */
void kvmlite_apic_timer_enter_guest(struct kvmlite_vcpu *vcpu)
{
	vcpu->timer_entry_ok = vcpu->apic && READ_ONCE(hv_timer) &&
			       kvmlite_vmx_bounds_guest_stay();
}

static u64 left_locked(const struct kvmlite_vcpu *vcpu, u64 now)
{
	if (!vcpu->timer_at_entry)
		return U64_MAX;
	return vcpu->timer_entry_ns > now ? vcpu->timer_entry_ns - now : 0;
}

/*
 * Interrupts off, just before the entry (and before the vCPU says it is
 * in the guest, so a vector the timer sets is drained into this entry):
 * fire the timer if it is due.  Returns the ns left until it is, or
 * U64_MAX when the timer does not wait for the entry.
 */
u64 __kvmlite_apic_timer_at_entry(struct kvmlite_vcpu *vcpu)
{
	unsigned long flags;
	u64 now, left;

	flags = kvmlite_apic_lock(vcpu);
	now = ktime_get_ns();
	if (vcpu->timer_at_entry && now >= vcpu->timer_entry_ns) {
		vcpu->timer_at_entry = false;
		vcpu->stats[KSTAT_TIMER_ENTRY_FIRES]++;
		trace_kvmlite_apic_timer_fire(vcpu->vm->id, vcpu->id);
		/* A periodic timer re-arms here, for the next entry. */
		kvmlite_lapic_timer_fire(vcpu->apic);
	}
	left = left_locked(vcpu, now);
	kvmlite_apic_unlock(vcpu, flags);
	return left;
}

/* How long until a timer that waits for the entry is due; U64_MAX if none. */
u64 kvmlite_apic_timer_left(struct kvmlite_vcpu *vcpu)
{
	unsigned long flags;
	u64 now, left;

	if (!READ_ONCE(vcpu->timer_at_entry))
		return U64_MAX;
	flags = kvmlite_apic_lock(vcpu);
	now = ktime_get_ns();
	left = left_locked(vcpu, now);
	kvmlite_apic_unlock(vcpu, flags);
	return left;
}

/* Before the vCPU sleeps or KVM_RUN returns: back to the hrtimer. */
void kvmlite_apic_timer_leave_guest(struct kvmlite_vcpu *vcpu)
{
	unsigned long flags;

	if (!vcpu->timer_entry_ok)
		return;
	flags = kvmlite_apic_lock(vcpu);
	vcpu->timer_entry_ok = false;
	if (vcpu->timer_at_entry)
		kvmlite_apic_timer_arm(vcpu, vcpu->timer_entry_ns);
	kvmlite_apic_unlock(vcpu, flags);
}
