// SPDX-License-Identifier: GPL-2.0
/*
 * One trip into the guest and back (run.c, one level up, has KVM_RUN's
 * policy).
 *
 * Each entry happens with interrupts off, after the host state the VMCS
 * does not restore has been saved: data segment selectors, FS/GS, the
 * SYSCALL MSRs and KERNEL_GS_BASE (the guest's values are loaded in their
 * place), DR7 and CR2.  After the exit the host's values go back before
 * interrupts are enabled, so no host code ever runs with guest state.
 * An external interrupt that caused the exit is taken by the host as soon
 * as interrupts are enabled again, or, where the exit acknowledged it
 * (posted.c), handed to the host's handler before that; so is an NMI.
 */
#include <linux/context_tracking.h>
#include <linux/math64.h>
#include <linux/preempt.h>
#include <linux/rcupdate.h>
#include <linux/signal.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <asm/debugreg.h>
#include <asm/desc.h>
#include <asm/fpu/api.h>
#include <asm/mmu_context.h>
#include <asm/msr.h>
#include <asm/special_insns.h>
#include <asm/tsc.h>
#include <asm/tlbflush.h>

#include "../spec.h"
#include "../trace.h"
#include "vmx.h"
#include "vmx_ops.h"

struct host_state {
	u16 ds, es, fs, gs;
	u64 fs_base, kernel_gs_base;
	u64 star, lstar, cstar, sfmask, debugctl;
	unsigned long dr7;
};

static void switch_to_guest(struct kvmlite_vcpu *vcpu, struct host_state *h)
{
	u64 gs_base;

	vmcs_write(HOST_CR3, __get_current_cr3_fast());
	vmcs_write(HOST_CR4, cr4_read_shadow());

	savesegment(ds, h->ds);
	savesegment(es, h->es);
	savesegment(fs, h->fs);
	savesegment(gs, h->gs);
	rdmsrl(MSR_FS_BASE, h->fs_base);
	rdmsrl(MSR_GS_BASE, gs_base);
	vmcs_write(HOST_FS_BASE, h->fs_base);
	vmcs_write(HOST_GS_BASE, gs_base);

	rdmsrl(MSR_KERNEL_GS_BASE, h->kernel_gs_base);
	rdmsrl(MSR_STAR, h->star);
	rdmsrl(MSR_LSTAR, h->lstar);
	rdmsrl(MSR_CSTAR, h->cstar);
	rdmsrl(MSR_SYSCALL_MASK, h->sfmask);
	wrmsrl(MSR_KERNEL_GS_BASE, vcpu->msr_kernel_gs_base);
	wrmsrl(MSR_STAR, vcpu->msr_star);
	wrmsrl(MSR_LSTAR, vcpu->msr_lstar);
	wrmsrl(MSR_CSTAR, vcpu->msr_cstar);
	wrmsrl(MSR_SYSCALL_MASK, vcpu->msr_sfmask);

	get_debugreg(h->dr7, 7);
	rdmsrl(MSR_IA32_DEBUGCTLMSR, h->debugctl);
	if (native_read_cr2() != vcpu->cr2)
		native_write_cr2(vcpu->cr2);
}

static void switch_to_host(struct kvmlite_vcpu *vcpu, struct host_state *h)
{
	vcpu->cr2 = native_read_cr2();

	rdmsrl(MSR_KERNEL_GS_BASE, vcpu->msr_kernel_gs_base);
	rdmsrl(MSR_STAR, vcpu->msr_star);
	rdmsrl(MSR_LSTAR, vcpu->msr_lstar);
	rdmsrl(MSR_CSTAR, vcpu->msr_cstar);
	rdmsrl(MSR_SYSCALL_MASK, vcpu->msr_sfmask);
	wrmsrl(MSR_STAR, h->star);
	wrmsrl(MSR_LSTAR, h->lstar);
	wrmsrl(MSR_CSTAR, h->cstar);
	wrmsrl(MSR_SYSCALL_MASK, h->sfmask);

	/* VM exit leaves DR7 at 0x400: put host breakpoints back. */
	if (h->dr7 != 0x400)
		set_debugreg(h->dr7, 7);
	/* VM exit clears IA32_DEBUGCTL (LBR, BTF): restore the host's. */
	if (h->debugctl)
		wrmsrl(MSR_IA32_DEBUGCTLMSR, h->debugctl);

	/* VM exit loaded null DS/ES/FS/GS and the host FS/GS bases. */
	loadsegment(ds, h->ds);
	loadsegment(es, h->es);
	if (h->fs) {
		loadsegment(fs, h->fs);
		wrmsrl(MSR_FS_BASE, h->fs_base);
	}
	if (h->gs)
		load_gs_index(h->gs);
	wrmsrl(MSR_KERNEL_GS_BASE, h->kernel_gs_base);

	/* VM exit set the GDT and TSS limits to 0xffff and 0x67. */
	load_fixmap_gdt(smp_processor_id());
	invalidate_tss_limit();
}

static bool exit_was_nmi(void)
{
	u32 info;

	if ((u16)vmcs_read(VM_EXIT_REASON) != EXIT_REASON_EXCEPTION_NMI)
		return false;
	info = vmcs_read(VM_EXIT_INTR_INFO);
	return (info & INTR_INFO_VALID_MASK) &&
	       (info & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_NMI_INTR;
}

bool kvmlite_vmx_bounds_guest_stay(void)
{
	return kvmlite_vmcs_config.pin & PIN_BASED_VMX_PREEMPTION_TIMER;
}

/* The stay in the guest: a slice, or less where the LAPIC timer is due. */
static u32 preemption_timer_value(u64 timer_ns)
{
	u64 tsc = KVMLITE_GUEST_SLICE_TSC;

	if (timer_ns != U64_MAX && tsc_khz &&
	    timer_ns < div_u64(tsc * 1000000, tsc_khz))
		tsc = mul_u64_u32_div(timer_ns, tsc_khz, 1000000);
	return tsc >> kvmlite_vmcs_config.preemption_timer_rate;
}

/*
 * One entry and exit; interrupts and preemption are off.  timer_ns: how
 * long until the LAPIC timer is due, U64_MAX when it waits elsewhere.
 */
static void run_once(struct kvmlite_vcpu *vcpu, u64 timer_ns)
{
	struct host_state host;

	if (test_thread_flag(TIF_NEED_FPU_LOAD))
		switch_fpu_return();
	/*
	 * A guest that never exits must still give the CPU back: Bochs 2.7
	 * was seen not to exit on host interrupts while a guest spins with
	 * IF=0 (KVM_RUN then ignored signals and IPIs went unanswered), and
	 * the preemption timer bounds every stay in the guest anyway.
	 */
	if (kvmlite_vmx_bounds_guest_stay())
		vmcs_write(VMX_PREEMPTION_TIMER_VALUE,
			   preemption_timer_value(timer_ns));
	if (vcpu->flush_vpid) {
		if (vcpu->vpid)
			vmx_invvpid(VMX_VPID_EXTENT_SINGLE_CONTEXT, vcpu->vpid);
		vcpu->flush_vpid = false;
	}

	trace_kvmlite_entry(vcpu->vm->id, vcpu->id, vmcs_read(GUEST_RIP));
	switch_to_guest(vcpu, &host);
	/*
	 * Guest mode is a quiescent state for RCU, as user mode is: say so
	 * (through context tracking where it is on), or a vCPU that stays
	 * in the guest stalls every grace period.
	 */
	if (!context_tracking_guest_enter())
		rcu_note_context_switch(false);
	kvmlite_spec_guest_enter(vcpu);
	vcpu->entry_fail = kvmlite_vmx_enter(vcpu->gprs, vcpu->launched);
	kvmlite_spec_guest_exit(vcpu);
	context_tracking_guest_exit();
	switch_to_host(vcpu, &host);

	if (vcpu->entry_fail)
		return;
	vcpu->launched = true;
	/* Acknowledged by the exit: the host's handler runs here. */
	kvmlite_posted_host_irq(vcpu);
	/* The NMI was consumed by the exit: deliver it to the host now. */
	if (exit_was_nmi()) {
		vcpu->stats[KSTAT_NMI]++;
		asm volatile("int $2");
	}
}

/* Finish what the last exit left to userspace, now that it answered. */
void kvmlite_vmx_complete_userspace_exit(struct kvmlite_vcpu *vcpu)
{
	if (vcpu->pio_in_pending)
		kvmlite_complete_pio_in(vcpu);
	if (vcpu->pio_string.pending)
		kvmlite_finish_string_io(vcpu);
	if (vcpu->mmio_read.pending)
		kvmlite_complete_mmio_read(vcpu);
}

/*
 * Inject what is due, enter, and handle the exit: 1 to enter again, 0 to
 * return to userspace, a negative errno; -EAGAIN when it did not enter
 * (the thread must reschedule or a signal came).  An exit the fastpath
 * handles enters again from here.  The VMCS is current.
 */
int kvmlite_vmx_enter_guest(struct kvmlite_vcpu *vcpu)
{
	bool fast;
	u64 timer_ns;

	preempt_disable();
	local_irq_disable();
	if (need_resched() || signal_pending(current)) {
		local_irq_enable();
		preempt_enable();
		return -EAGAIN;
	}
	/* Before in_guest: a vector the timer sets is drained below. */
	timer_ns = kvmlite_apic_timer_at_entry(vcpu);
	/* From here a post notifies through the hardware (posted.c). */
	if (vcpu->hw_pi) {
		WRITE_ONCE(vcpu->in_guest, true);
		/* in_guest before the drain in inject_events. */
		smp_mb();
	}
	kvmlite_inject_events(vcpu);
	for (;;) {
		run_once(vcpu, timer_ns);
		fast = vcpu->timer_entry_ok && !vcpu->entry_fail &&
		       kvmlite_exit_fastpath(vcpu);
		if (!fast || need_resched() || signal_pending(current))
			break;
		/*
		 * Nothing to inject that was not there: a post since kicks or
		 * notifies, which ends the next stay at once.  A timer that is
		 * due fires on the way round (kvmlite_apic_timer_at_entry,
		 * before in_guest).
		 */
		timer_ns = kvmlite_apic_timer_left(vcpu);
		if (!timer_ns)
			break;
	}
	WRITE_ONCE(vcpu->in_guest, false);
	local_irq_enable();
	preempt_enable();

	return fast ? 1 : kvmlite_handle_exit(vcpu);
}
