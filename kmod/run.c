// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_RUN's policy, the part that is not VT-x: finish what userspace
 * answered, sleep while the vCPU is halted or waits for INIT/SIPI (the
 * one place a vCPU sleeps), stop for signals, and turn a level EOI or an
 * open interrupt window into an exit to userspace.  The backend (vmx/)
 * enters the guest and handles the exit; the HLT exit only records the
 * halt, and the sleep happens here, around kvmlite_halt_check().
 */
#include <linux/kvm.h>
#include <linux/minmax.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/stat.h>
#include <linux/timekeeping.h>
#include <linux/signal.h>
#include <linux/wait.h>
#include <asm/fpu/api.h>

#include "kvmlite.h"
#include "backend.h"
#include "halt_check.h"
#include "lapic.h"
#include "spec.h"
#include "trace.h"

/* An AP before its first INIT/SIPI, or any vCPU after an INIT. */
static bool waits_for_sipi(const struct kvmlite_vcpu *vcpu)
{
	return vcpu->apic && (vcpu->init_pending ||
			      vcpu->mp_state == KVM_MP_STATE_UNINITIALIZED ||
			      vcpu->mp_state == KVM_MP_STATE_INIT_RECEIVED);
}

/*
 * Apply a pending INIT (the processor state resets; IA32_APIC_BASE and
 * x2APIC mode stay) and start at a received SIPI's vector.  True when the
 * vCPU may run.
 */
static bool apply_init_sipi(struct kvmlite_vcpu *vcpu)
{
	unsigned long flags;
	bool init;
	int sipi;

	flags = kvmlite_apic_lock(vcpu);
	init = vcpu->init_pending;
	vcpu->init_pending = false;
	sipi = vcpu->sipi_vector;
	vcpu->sipi_vector = -1;
	if (sipi >= 0)
		vcpu->mp_state = KVM_MP_STATE_RUNNABLE;
	kvmlite_apic_unlock(vcpu, flags);

	if (init) {
		u64 apic_base = vcpu->msr_apic_base;

		kvmlite_vcpu_reset(vcpu);
		vcpu->msr_apic_base = apic_base;
		vcpu->halted = false;
	}
	if (sipi >= 0) {
		kvmlite_vmx_sipi_start(vcpu, sipi);
		trace_kvmlite_sipi_start(vcpu->vm->id, vcpu->id, sipi);
		return true;
	}
	return vcpu->mp_state == KVM_MP_STATE_RUNNABLE;
}

/*
 * Halt polling, as KVM's halt_poll_ns: a halted vCPU runs the halt check
 * in a loop for a while before it sleeps, so a wake-up that comes soon
 * costs no sleep and no wake.  Each vCPU's poll starts at 0, grows from
 * HALT_POLL_START_NS, doubling, after a halt that slept yet ended within
 * the maximum, and drops to 0 after a longer halt: a vCPU that halts for
 * long burns no CPU.
 */
static unsigned int halt_poll_ns = 200000;
module_param(halt_poll_ns, uint, 0644);
MODULE_PARM_DESC(halt_poll_ns,
		 "Longest a halted vCPU polls before it sleeps, in ns (0: never poll; default 200000, as KVM)");

#define HALT_POLL_START_NS	10000

/*
 * May the halted vCPU run again?  kvmlite_halt_check() under the LAPIC
 * lock, with the task state already set (vcpu_block), so a kick after the
 * check wakes the task and a kick before it is seen by the check.  While
 * polling (the task still running) only a check that wakes is traced.
 */
static bool halt_wakes(struct kvmlite_vcpu *vcpu, bool polling)
{
	struct kvmlite_halt_check c = {
		.irq_allowed = kvmlite_guest_irq_enabled(vcpu),
		.nmi_pending = kvmlite_nmi_pending(vcpu),
		.extint_pending = vcpu->ext_irq >= 0 &&
				  kvmlite_apic_takes_extint(vcpu),
	};
	enum kvmlite_wake_cause cause;
	unsigned long flags;

	flags = kvmlite_apic_lock(vcpu);
	cause = kvmlite_halt_check(vcpu->apic, &c);
	kvmlite_apic_unlock(vcpu, flags);
	kvmlite_apic_count_drain(vcpu, c.drained);
	if (!polling || cause != KVMLITE_WAKE_NONE)
		trace_kvmlite_halt_check(vcpu->vm->id, vcpu->id, c.highest,
					 c.rvi, c.ppr, c.irq_allowed, cause);
	return cause != KVMLITE_WAKE_NONE;
}

/*
 * The same halt check, again and again, until it wakes the vCPU, the poll
 * time is up, or the CPU is wanted (another task, a signal).
 */
static bool halt_poll(struct kvmlite_vcpu *vcpu, u64 start)
{
	u64 stop = start + vcpu->halt_poll_ns;
	bool woken;

	if (!vcpu->halt_poll_ns)
		return false;
	WRITE_ONCE(vcpu->halt_polling, true);
	for (;;) {
		woken = halt_wakes(vcpu, true);
		if (woken || need_resched() || signal_pending(current) ||
		    !single_task_running() || ktime_get_ns() >= stop)
			break;
		cpu_relax();
	}
	WRITE_ONCE(vcpu->halt_polling, false);
	vcpu->stats[woken ? KSTAT_HALT_POLL_HITS : KSTAT_HALT_POLL_MISSES]++;
	return woken;
}

/* After a halt that slept and was woken, halted_ns after it began. */
static void halt_poll_adapt(struct kvmlite_vcpu *vcpu, u64 halted_ns)
{
	unsigned int max = READ_ONCE(halt_poll_ns);

	if (halted_ns > max)
		vcpu->halt_poll_ns = 0;
	else if (vcpu->halt_poll_ns < max)
		vcpu->halt_poll_ns = min(max, vcpu->halt_poll_ns ?
					 vcpu->halt_poll_ns * 2 :
					 HALT_POLL_START_NS);
}

/*
 * The one place a vCPU sleeps: halted (HLT with an in-kernel LAPIC, or
 * KVM_SET_MP_STATE), or waiting for INIT/SIPI.  Returns 1 to enter the
 * guest, -EINTR for a signal (the state stays: the next KVM_RUN sleeps
 * again).
 */
static int vcpu_block(struct kvmlite_vcpu *vcpu)
{
	DEFINE_WAIT(wait);
	bool slept = false, halt = false;
	u64 start = ktime_get_ns();
	int r = 1;

	if (!waits_for_sipi(vcpu) && halt_poll(vcpu, start)) {
		halt = true;
		goto woken;
	}
	for (;;) {
		prepare_to_wait(&vcpu->wq, &wait, TASK_INTERRUPTIBLE);
		halt = !waits_for_sipi(vcpu);
		if (halt ? halt_wakes(vcpu, false) : apply_init_sipi(vcpu))
			break;
		if (signal_pending(current)) {
			r = -EINTR;
			break;
		}
		if (halt) {
			/* Woken, yet nothing to take: a spurious wake-up. */
			if (slept)
				vcpu->stats[KSTAT_SPURIOUS_WAKEUPS]++;
			vcpu->stats[KSTAT_BLOCKS]++;
			trace_kvmlite_vcpu_block(vcpu->vm->id, vcpu->id);
		}
		schedule();
		slept = true;
	}
	finish_wait(&vcpu->wq, &wait);
	/* Other tasks ran on this CPU: flush L1D before entry (spec.c). */
	if (slept)
		kvmlite_spec_l1d_dirty(vcpu);
	if (r > 0 && halt && slept)
		halt_poll_adapt(vcpu, ktime_get_ns() - start);
woken:
	if (r > 0 && halt) {
		vcpu->halted = false;
		vcpu->mp_state = KVM_MP_STATE_RUNNABLE;
		vcpu->stats[KSTAT_WAKEUPS]++;
		trace_kvmlite_vcpu_wakeup(vcpu->vm->id, vcpu->id);
	}
	return r;
}

static bool must_block(const struct kvmlite_vcpu *vcpu)
{
	return vcpu->halted || waits_for_sipi(vcpu);
}

/*
 * After an exit the backend handled (r > 0): a level-triggered EOI goes
 * to userspace's IOAPIC, and userspace that asked to inject hears that
 * it may (KVM_INTERRUPT).  Returns 0 to exit to userspace, else r.
 */
static int exit_to_userspace(struct kvmlite_vcpu *vcpu, int r)
{
	struct kvm_run *run = vcpu->run;

	if (vcpu->eoi_exit_pending) {
		vcpu->eoi_exit_pending = false;
		run->exit_reason = KVM_EXIT_IOAPIC_EOI;
		run->eoi.vector = vcpu->eoi_exit_vector;
		trace_kvmlite_ioapic_eoi(vcpu->vm->id, vcpu->id,
					 vcpu->eoi_exit_vector);
		return 0;
	}
	if (run->request_interrupt_window && kvmlite_ready_for_interrupt(vcpu)) {
		run->exit_reason = KVM_EXIT_IRQ_WINDOW_OPEN;
		vcpu->stats[KSTAT_IRQ_WINDOW]++;
		return 0;
	}
	return r;
}

/*
 * kvm_run.immediate_exit is byte 1 of the ABI; kernels since 6.10 rename
 * the field in their in-kernel copy of <linux/kvm.h>, so read the byte.
 */
static bool immediate_exit(const struct kvm_run *run)
{
	return READ_ONCE(((const u8 *)run)[1]);
}

/* The VMCS is current (vcpu.c's vcpu_get) for the whole call. */
int kvmlite_vcpu_run(struct kvmlite_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	/* An exit whose userspace checks wait for the halt that it began. */
	bool checks_after_block = false;
	int r;

	kvmlite_vmx_complete_userspace_exit(vcpu);
	/* As KVM: -EINTR without running, exit_reason left as it was. */
	if (immediate_exit(run)) {
		kvmlite_save_run_state(vcpu);
		return -EINTR;
	}

	WRITE_ONCE(vcpu->task, current);
	/* KVM_SET_SIGNAL_MASK: the mask in force while in KVM_RUN. */
	if (vcpu->sigset_active)
		sigprocmask(SIG_SETMASK, &vcpu->sigset, &current->real_blocked);
	fpu_swap_kvm_fpstate(&vcpu->fpu, true);
	/* Userspace ran on this CPU: flush L1D before entry (spec.c). */
	kvmlite_spec_l1d_dirty(vcpu);
	kvmlite_apic_timer_enter_guest(vcpu);

	for (;;) {
		if (must_block(vcpu)) {
			/* Its timer must wake it: back on the hrtimer. */
			kvmlite_apic_timer_leave_guest(vcpu);
			r = vcpu_block(vcpu);
			kvmlite_apic_timer_enter_guest(vcpu);
			if (r < 0) {
				run->exit_reason = KVM_EXIT_INTR;
				break;
			}
			if (checks_after_block) {
				r = exit_to_userspace(vcpu, r);
				if (r <= 0)
					break;
			}
		}
		checks_after_block = false;
		if (signal_pending(current)) {
			run->exit_reason = KVM_EXIT_INTR;
			vcpu->stats[KSTAT_SIGNAL]++;
			r = -EINTR;
			break;
		}
		if (cond_resched())
			kvmlite_spec_l1d_dirty(vcpu);	/* another task ran */

		r = kvmlite_vmx_enter_guest(vcpu);
		if (r == -EAGAIN)
			continue;
		if (r <= 0)
			break;
		/* HLT: the checks come once the halt is over, as before. */
		if (vcpu->halted) {
			checks_after_block = true;
			continue;
		}
		r = exit_to_userspace(vcpu, r);
		if (r <= 0)
			break;
	}
	kvmlite_apic_timer_leave_guest(vcpu);
	kvmlite_save_run_state(vcpu);

	fpu_swap_kvm_fpstate(&vcpu->fpu, false);
	WRITE_ONCE(vcpu->task, NULL);
	if (vcpu->sigset_active) {
		sigprocmask(SIG_SETMASK, &current->real_blocked, NULL);
		sigemptyset(&current->real_blocked);
	}
	return r;
}
