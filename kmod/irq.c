// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel LAPIC of each vCPU (KVM_CAP_SPLIT_IRQCHIP), wired to the
 * pure-logic model in lapic.c: its lock, its hrtimer, kicks and wake-ups,
 * interrupt delivery (IPIs, KVM_SIGNAL_MSI), injection through VM entry,
 * and HLT handled in the kernel.
 *
 * Locking: each LAPIC has a raw spinlock, taken with interrupts off (the
 * timer fires in hard interrupt context).  Nothing takes two LAPIC locks
 * at once: an ICR write only records the IPI, which is delivered after
 * the sender's lock is dropped.
 */
#include <linux/gfp.h>
#include <linux/hrtimer.h>
#include <linux/kvm.h>
#include <linux/math64.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/wait.h>
#include <asm/irq_vectors.h>
#include <asm/msr-index.h>
#include <asm/tsc.h>

#include "kvmlite.h"
#include "lapic.h"
#include "trace.h"
#include "vmx/vmx.h"
#include "vmx/vmx_ops.h"

static struct kvmlite_vcpu *apic_vcpu(struct kvmlite_lapic *apic)
{
	return apic->owner;
}

static u64 op_now_ns(struct kvmlite_lapic *apic)
{
	return ktime_get_ns();
}

static void op_timer_arm(struct kvmlite_lapic *apic, u64 expiry_ns)
{
	struct kvmlite_vcpu *vcpu = apic_vcpu(apic);

	trace_kvmlite_apic_timer_arm(vcpu->vm->id, vcpu->id, expiry_ns);
	hrtimer_start(&vcpu->apic_timer, ns_to_ktime(expiry_ns),
		      HRTIMER_MODE_ABS_HARD);
}

static void op_timer_cancel(struct kvmlite_lapic *apic)
{
	/* Never wait here: the callback itself takes this lock. */
	hrtimer_try_to_cancel(&apic_vcpu(apic)->apic_timer);
}

/*
 * Make the vCPU look at its LAPIC: wake it if it sleeps in HLT, force it
 * out of the guest if it runs on another CPU.  Called for every accepted
 * vector above PPR, so nothing pending can hide a later kick.
 */
void kvmlite_vcpu_kick(struct kvmlite_vcpu *vcpu)
{
	struct task_struct *task = READ_ONCE(vcpu->task);

	vcpu->stats[KSTAT_KICKS]++;
	wake_up_interruptible(&vcpu->wq);
	if (task && task != current)
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

/*
 * A vector was posted into this vCPU's descriptor (from any CPU).  Only
 * a post that turned ON from 0 to 1 notifies; the others ride on that
 * notification, which the vCPU answers with a drain that clears ON
 * before it takes PIR (pi.h has the rule and why).
 */
static void op_posted(struct kvmlite_lapic *apic, u8 vector,
		      enum kvmlite_pi_post_result result)
{
	struct kvmlite_vcpu *vcpu = apic_vcpu(apic);

	vcpu->stats[KSTAT_PI_POSTED]++;
	trace_kvmlite_pi_post(vcpu->vm->id, vcpu->id, vector, result);
	if (result != KVMLITE_PI_NOTIFY) {
		vcpu->stats[KSTAT_PI_SUPPRESSED]++;
		return;
	}
	vcpu->stats[KSTAT_PI_NOTIFIED]++;
	if (kvmlite_posted_notify(vcpu)) {
		trace_kvmlite_pi_notify(vcpu->vm->id, vcpu->id,
					KVMLITE_NOTIFY_POSTED_IPI);
		return;
	}
	trace_kvmlite_pi_notify(vcpu->vm->id, vcpu->id,
				READ_ONCE(vcpu->halted) ? KVMLITE_NOTIFY_WAKE :
				KVMLITE_NOTIFY_KICK);
	kvmlite_vcpu_kick(vcpu);
}

static const struct kvmlite_lapic_ops vcpu_lapic_ops = {
	.now_ns = op_now_ns,
	.timer_arm = op_timer_arm,
	.timer_cancel = op_timer_cancel,
	.kick = op_kick,
	.eoi_level = op_eoi_level,
	.send_ipi = op_send_ipi,
	.posted = op_posted,
};

/*
 * Posting: vectors go through the posted-interrupt descriptor and its
 * ON-gated notification, which the processor takes itself where it has
 * posted-interrupt processing (vmx/posted.c).  Off: every vector goes
 * straight into IRR and kicks when it beats PPR, and APICv is not used
 * (the processor owns IRR while the guest runs; the TPR shadow still
 * is).  Read when a vCPU is created, so a change applies to vCPUs created
 * after it.
 */
static bool posted_interrupts = true;
module_param(posted_interrupts, bool, 0644);
MODULE_PARM_DESC(posted_interrupts,
		 "post interrupts through a posted-interrupt descriptor (default: on)");

/* Everything posted goes into IRR; the LAPIC lock is held. */
void kvmlite_apic_sync_pir(struct kvmlite_vcpu *vcpu)
{
	int vec = kvmlite_lapic_sync_pir(vcpu->apic);

	if (vec >= 0) {
		vcpu->stats[KSTAT_PI_SW_DRAINS]++;
		trace_kvmlite_pi_drain(vcpu->vm->id, vcpu->id, vec);
	}
}

/*
 * Does the LAPIC take the 8259's interrupt from KVM_INTERRUPT now?  As on
 * hardware: when LINT0 is unmasked in ExtINT mode, or the LAPIC is off
 * in IA32_APIC_BASE (then the INTR pin goes straight to the CPU).  The
 * LAPIC lock is held.
 */
bool kvmlite_apic_takes_extint(struct kvmlite_vcpu *vcpu)
{
	return !(vcpu->msr_apic_base & MSR_IA32_APICBASE_ENABLE) ||
	       kvmlite_lapic_accepts_extint(vcpu->apic);
}

unsigned long kvmlite_apic_lock(struct kvmlite_vcpu *vcpu)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&vcpu->apic_lock, flags);
	return flags;
}

void kvmlite_apic_unlock(struct kvmlite_vcpu *vcpu, unsigned long flags)
{
	bool ipi = vcpu->ipi_pending;
	u32 icr = vcpu->ipi_icr, dest = vcpu->ipi_dest;

	vcpu->ipi_pending = false;
	raw_spin_unlock_irqrestore(&vcpu->apic_lock, flags);
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

/*
 * INIT (SDM 9.4, 11.6.1): the LAPIC resets now; the processor state is
 * reset by the vCPU thread, which then waits for a SIPI.  The target's
 * LAPIC lock is held.
 */
static void accept_init(struct kvmlite_vcpu *target)
{
	trace_kvmlite_apic_accept_irq(target->vm->id, target->id, 0, false);
	/* What was posted before the INIT goes with the reset IRR. */
	kvmlite_apic_sync_pir(target);
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

/*
 * A vCPU that is not running yet (an AP before INIT/SIPI, or after INIT):
 * apply a pending INIT, start at a received SIPI's vector, or sleep until
 * one of them comes.  Returns 1 when the vCPU may enter the guest,
 * -EINTR on a signal.
 */
int kvmlite_apic_wait_sipi(struct kvmlite_vcpu *vcpu)
{
	DEFINE_WAIT(wait);
	unsigned long flags;
	bool init;
	int sipi, r = 1;

	for (;;) {
		prepare_to_wait(&vcpu->wq, &wait, TASK_INTERRUPTIBLE);
		flags = kvmlite_apic_lock(vcpu);
		init = vcpu->init_pending;
		vcpu->init_pending = false;
		sipi = vcpu->sipi_vector;
		vcpu->sipi_vector = -1;
		if (sipi >= 0)
			vcpu->mp_state = KVM_MP_STATE_RUNNABLE;
		kvmlite_apic_unlock(vcpu, flags);

		if (init) {
			/* INIT leaves IA32_APIC_BASE (and x2APIC mode) alone. */
			u64 apic_base = vcpu->msr_apic_base;

			kvmlite_vcpu_reset(vcpu);
			vcpu->msr_apic_base = apic_base;
			vcpu->halted = false;
		}
		if (sipi >= 0) {
			/* Real mode at vector * 4 KiB: CS = vector << 8, IP 0. */
			vmcs_write(GUEST_CS_SELECTOR, sipi << 8);
			vmcs_write(GUEST_CS_BASE, sipi << 12);
			vmcs_write(GUEST_RIP, 0);
			trace_kvmlite_vcpu_wakeup(vcpu->vm->id, vcpu->id);
			break;
		}
		if (vcpu->mp_state == KVM_MP_STATE_RUNNABLE)
			break;
		if (signal_pending(current)) {
			r = -EINTR;
			break;
		}
		schedule();
	}
	finish_wait(&vcpu->wq, &wait);
	return r;
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
	if (READ_ONCE(posted_interrupts)) {
		/*
		 * A page of its own.  The SDM asks only for 64-byte
		 * alignment, but Bochs 3.0 fails VM entry (invalid control
		 * field) on a descriptor that is not page-aligned, and a
		 * page per vCPU costs little.
		 */
		BUILD_BUG_ON(sizeof(*vcpu->pi) > PAGE_SIZE);
		vcpu->pi = (struct kvmlite_pi_desc *)
			get_zeroed_page(GFP_KERNEL_ACCOUNT);
		if (!vcpu->pi) {
			kfree(vcpu->apic);
			vcpu->apic = NULL;
			return -ENOMEM;
		}
	}
	raw_spin_lock_init(&vcpu->apic_lock);
	hrtimer_init(&vcpu->apic_timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_HARD);
	vcpu->apic_timer.function = apic_timer_fn;
	kvmlite_lapic_init(vcpu->apic, vcpu->id, &vcpu_lapic_ops, vcpu);
	kvmlite_lapic_reset(vcpu->apic, false);
	vcpu->apic->pi = vcpu->pi;
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
	free_page((unsigned long)vcpu->pi);
	vcpu->pi = NULL;
}

/*
 * "May this vCPU sleep now?" -- the one place that decides.  Called with
 * the task state already set, so a kick after this check wakes the task
 * (it is no longer TASK_RUNNING) and a kick before it is seen here.  An
 * NMI always wakes; a maskable interrupt (the LAPIC's above PPR, or the
 * 8259's through LINT0) only when the guest has IF set.
 */
static bool apic_should_wake(struct kvmlite_vcpu *vcpu)
{
	bool irq_allowed = vmcs_read(GUEST_RFLAGS) & X86_EFLAGS_IF;
	u8 rvi = kvmlite_apicv_rvi(vcpu);
	unsigned long flags;
	bool wake, extint;
	int highest;
	u32 ppr;

	flags = kvmlite_apic_lock(vcpu);
	/* Clears ON first: any post from here on notifies again. */
	kvmlite_apic_sync_pir(vcpu);
	wake = kvmlite_lapic_wake_pending(vcpu->apic, rvi, irq_allowed);
	highest = kvmlite_lapic_highest_irr(vcpu->apic);
	ppr = kvmlite_lapic_ppr(vcpu->apic);
	extint = vcpu->ext_irq >= 0 && kvmlite_apic_takes_extint(vcpu);
	kvmlite_apic_unlock(vcpu, flags);
	wake = wake || (extint && irq_allowed) || kvmlite_nmi_pending(vcpu);
	trace_kvmlite_halt_check(vcpu->vm->id, vcpu->id, highest, rvi, ppr,
				 irq_allowed, wake);
	return wake;
}

/*
 * HLT with an in-kernel LAPIC: sleep until an interrupt the guest can
 * take arrives.  Returns 1 to enter the guest again, -EINTR for a signal
 * (the vCPU stays halted: the next KVM_RUN sleeps again).
 */
int kvmlite_apic_halt(struct kvmlite_vcpu *vcpu)
{
	DEFINE_WAIT(wait);
	bool slept = false;
	int r = 1;

	vcpu->halted = true;
	vcpu->mp_state = KVM_MP_STATE_HALTED;
	trace_kvmlite_halt(vcpu->vm->id, vcpu->id);
	for (;;) {
		prepare_to_wait(&vcpu->wq, &wait, TASK_INTERRUPTIBLE);
		if (apic_should_wake(vcpu))
			break;
		if (signal_pending(current)) {
			r = -EINTR;
			break;
		}
		/* Woken, yet nothing to take: a spurious wake-up. */
		if (slept)
			vcpu->stats[KSTAT_SPURIOUS_WAKEUPS]++;
		vcpu->stats[KSTAT_BLOCKS]++;
		trace_kvmlite_vcpu_block(vcpu->vm->id, vcpu->id);
		schedule();
		slept = true;
	}
	finish_wait(&vcpu->wq, &wait);
	if (r > 0) {
		vcpu->halted = false;
		vcpu->mp_state = KVM_MP_STATE_RUNNABLE;
		vcpu->stats[KSTAT_WAKEUPS]++;
		trace_kvmlite_vcpu_wakeup(vcpu->vm->id, vcpu->id);
	}
	return r;
}

/* x2APIC MSRs, IA32_TSC_DEADLINE; -EINVAL means #GP. */
int kvmlite_apic_rdmsr(struct kvmlite_vcpu *vcpu, u32 index, u64 *val)
{
	unsigned long flags;
	int r = 0;

	flags = kvmlite_apic_lock(vcpu);
	/* IRR reads show what was posted. */
	kvmlite_apic_sync_pir(vcpu);
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

int kvmlite_apic_wrmsr(struct kvmlite_vcpu *vcpu, u32 index, u64 val)
{
	unsigned long flags;
	int r = 0;

	flags = kvmlite_apic_lock(vcpu);
	if (index == MSR_IA32_TSC_DEADLINE) {
		u64 now = rdtsc(), ns = ktime_get_ns();

		/* The deadline is in guest TSC: the host's plus the offset. */
		if (kvmlite_vmcs_config.proc & CPU_BASED_USE_TSC_OFFSETTING)
			now += vmcs_read(TSC_OFFSET);
		/*
		 * A deadline past the end of the ns clock never fires: a
		 * larger quotient would overflow the division (#DE).
		 */
		if (val > now && tsc_khz &&
		    div_u64(val - now, tsc_khz) < div_u64(KTIME_MAX - ns, 1000000))
			ns += mul_u64_u32_div(val - now, 1000000, tsc_khz);
		else if (val > now)
			ns = KTIME_MAX;
		kvmlite_lapic_set_tsc_deadline(vcpu->apic, val, ns);
	} else if (vcpu->apic->x2apic) {
		r = kvmlite_lapic_wrmsr(vcpu->apic, index, val);
	} else {
		r = -EINVAL;
	}
	kvmlite_apic_unlock(vcpu, flags);
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
	kvmlite_apic_sync_pir(vcpu);
	if (write)
		kvmlite_lapic_mmio_write(vcpu->apic, gpa - base, *val);
	else if (kvmlite_lapic_mmio_read(vcpu->apic, gpa - base, val))
		*val = 0;
	kvmlite_apic_unlock(vcpu, flags);
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
	kvmlite_apic_sync_pir(vcpu);
	val = kvmlite_lapic_trapped_write(vcpu->apic, offset, old);
	kvmlite_apic_unlock(vcpu, flags);
	trace_kvmlite_apic_access(vcpu->vm->id, vcpu->id, offset, val, true);
}

int kvmlite_apic_get_state(struct kvmlite_vcpu *vcpu, struct kvm_lapic_state *s)
{
	unsigned long flags;

	if (!vcpu->apic)
		return -EINVAL;
	flags = kvmlite_apic_lock(vcpu);
	kvmlite_apic_sync_pir(vcpu);
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
	kvmlite_apic_sync_pir(vcpu);
	r = kvmlite_lapic_set_state(vcpu->apic, s, false);
	kvmlite_apic_unlock(vcpu, flags);
	return r;
}
