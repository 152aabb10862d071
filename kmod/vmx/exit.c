// SPDX-License-Identifier: GPL-2.0
/*
 * VM-exit dispatch.  Each handler returns 1 to re-enter the guest, 0 to
 * return to userspace with kvm_run filled in, or a negative errno.
 */
#include <linux/kvm.h>
#include <linux/mm.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>
#include <asm/traps.h>

#include "../lapic.h"
#include "../spec.h"
#include "../trace.h"
#include "vmx.h"
#include "vmx_ops.h"

/* A register operand, in the guest's operand size outside long mode. */
static u64 gpr_read(struct kvmlite_vcpu *vcpu, int reg)
{
	u64 val = kvmlite_gpr_get(vcpu, reg);

	return kvmlite_guest_long_mode() ? val : (u32)val;
}

static void gpr_write(struct kvmlite_vcpu *vcpu, int reg, u64 val)
{
	kvmlite_gpr_set(vcpu, reg, kvmlite_guest_long_mode() ? val : (u32)val);
}

/* Step over the instruction that exited. */
static void skip_instruction(void)
{
	kvmlite_skip_instruction(vmcs_read(VM_EXIT_INSTRUCTION_LEN));
}

static void inject_exception(unsigned int vector, bool has_error_code)
{
	u32 info = vector | INTR_TYPE_HARD_EXCEPTION | INTR_INFO_VALID_MASK;

	/* Real-mode exceptions push no error code (SDM 26.2.1.3). */
	if (has_error_code && (vmcs_read(GUEST_CR0) & X86_CR0_PE)) {
		info |= INTR_INFO_DELIVER_CODE_MASK;
		vmcs_write(VM_ENTRY_EXCEPTION_ERROR_CODE, 0);
	}
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, info);
}

void kvmlite_inject_gp(struct kvmlite_vcpu *vcpu)
{
	inject_exception(X86_TRAP_GP, true);
}

static int inject_ud(struct kvmlite_vcpu *vcpu)
{
	inject_exception(X86_TRAP_UD, false);
	return 1;
}

/*
 * An exit in the middle of delivering an event (e.g. an EPT violation on
 * the IDT) must not lose the event: deliver it again on the next entry.
 */
static void requeue_interrupted_event(void)
{
	u32 info = vmcs_read(IDT_VECTORING_INFO_FIELD);
	u32 type = info & INTR_INFO_INTR_TYPE_MASK;

	if (!(info & VECTORING_INFO_VALID_MASK))
		return;
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, info & ~INTR_INFO_UNBLOCK_NMI);
	if (info & VECTORING_INFO_DELIVER_CODE_MASK)
		vmcs_write(VM_ENTRY_EXCEPTION_ERROR_CODE,
			   vmcs_read(IDT_VECTORING_ERROR_CODE));
	if (type == INTR_TYPE_SOFT_INTR || type == INTR_TYPE_SOFT_EXCEPTION ||
	    type == INTR_TYPE_PRIV_SW_EXCEPTION)
		vmcs_write(VM_ENTRY_INSTRUCTION_LEN,
			   vmcs_read(VM_EXIT_INSTRUCTION_LEN));
}

/* An exit kvmlite cannot handle: the reason, qualification and RIP. */
static int internal_error(struct kvmlite_vcpu *vcpu, u32 suberror, u64 reason)
{
	return kvmlite_internal_error(vcpu, suberror, reason,
				      vmcs_read(EXIT_QUALIFICATION),
				      vmcs_read(GUEST_RIP));
}

/* Port I/O exit qualification: SDM Table 28-5. */
#define IO_SIZE(q)	(((q) & 7) + 1)
#define IO_IN(q)	((q) & BIT(3))
#define IO_STRING(q)	((q) & BIT(4))
#define IO_PORT(q)	((q) >> 16)

static int handle_io(struct kvmlite_vcpu *vcpu, u64 qual)
{
	struct kvm_run *run = vcpu->run;
	void *data = page_address(vcpu->run_pages[KVMLITE_PIO_PAGE]);
	unsigned int size = IO_SIZE(qual);

	vcpu->stats[KSTAT_IO]++;
	if (IO_STRING(qual))
		return kvmlite_handle_string_io(vcpu, qual);

	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = IO_IN(qual) ? KVM_EXIT_IO_IN : KVM_EXIT_IO_OUT;
	run->io.size = size;
	run->io.port = IO_PORT(qual);
	run->io.count = 1;
	run->io.data_offset = KVMLITE_PIO_PAGE * PAGE_SIZE;
	if (IO_IN(qual)) {
		vcpu->pio_in_pending = true;
		vcpu->pio_size = size;
	} else {
		memcpy(data, &vcpu->gprs[GPR_RAX], size);
	}
	skip_instruction();
	return 0;
}

/* Finish an IN that userspace has answered in the I/O data page. */
void kvmlite_complete_pio_in(struct kvmlite_vcpu *vcpu)
{
	const void *data = page_address(vcpu->run_pages[KVMLITE_PIO_PAGE]);
	u64 *rax = &vcpu->gprs[GPR_RAX];
	u32 val32;
	u16 val16;

	switch (vcpu->pio_size) {
	case 1:
		*rax = (*rax & ~0xffull) | *(const u8 *)data;
		break;
	case 2:
		memcpy(&val16, data, 2);
		*rax = (*rax & ~0xffffull) | val16;
		break;
	default:
		/* A 32-bit destination zero-extends. */
		memcpy(&val32, data, 4);
		*rax = val32;
		break;
	}
	vcpu->pio_in_pending = false;
}

static const struct kvm_cpuid_entry2 *find_cpuid(struct kvmlite_vcpu *vcpu,
						 u32 function, u32 index)
{
	unsigned int i;

	for (i = 0; i < vcpu->nr_cpuid; i++) {
		const struct kvm_cpuid_entry2 *e = &vcpu->cpuid[i];

		if (e->function == function &&
		    (!(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) ||
		     e->index == index))
			return e;
	}
	return NULL;
}

/*
 * CPUID from the table userspace set.  A leaf above the range's maximum
 * returns the highest basic leaf, as Intel CPUs (and KVM) do; a leaf the
 * table lacks otherwise reads as zeros.
 */
static int handle_cpuid(struct kvmlite_vcpu *vcpu)
{
	u32 function = vcpu->gprs[GPR_RAX], index = vcpu->gprs[GPR_RCX];
	const struct kvm_cpuid_entry2 *e = find_cpuid(vcpu, function, index);
	const struct kvm_cpuid_entry2 *max;

	vcpu->stats[KSTAT_CPUID]++;
	if (!e) {
		max = find_cpuid(vcpu, function & 0x80000000, 0);
		if (max && function > max->eax) {
			max = find_cpuid(vcpu, 0, 0);
			e = max ? find_cpuid(vcpu, max->eax, index) : NULL;
		}
	}
	vcpu->gprs[GPR_RAX] = e ? e->eax : 0;
	vcpu->gprs[GPR_RBX] = e ? e->ebx : 0;
	vcpu->gprs[GPR_RCX] = e ? e->ecx : 0;
	vcpu->gprs[GPR_RDX] = e ? e->edx : 0;
	skip_instruction();
	return 1;
}

/* What a WRMSR writes: EDX:EAX. */
static u64 wrmsr_value(const struct kvmlite_vcpu *vcpu)
{
	return (u32)vcpu->gprs[GPR_RAX] | (u64)(u32)vcpu->gprs[GPR_RDX] << 32;
}

static int handle_msr(struct kvmlite_vcpu *vcpu, bool write)
{
	u32 index = vcpu->gprs[GPR_RCX];
	u64 val;

	vcpu->stats[KSTAT_MSR]++;
	if (write) {
		val = wrmsr_value(vcpu);
		if (kvmlite_set_msr(vcpu, index, val, false)) {
			/* As KVM's report_ignored_msrs: say which, rarely. */
			pr_info_ratelimited("kvmlite: vcpu %u: WRMSR 0x%x <- 0x%llx: #GP (rip 0x%lx)\n",
					    vcpu->id, index, val,
					    vmcs_read(GUEST_RIP));
			kvmlite_inject_gp(vcpu);
			return 1;
		}
	} else {
		if (kvmlite_get_msr(vcpu, index, &val, false)) {
			pr_info_ratelimited("kvmlite: vcpu %u: RDMSR 0x%x: #GP (rip 0x%lx)\n",
					    vcpu->id, index,
					    vmcs_read(GUEST_RIP));
			kvmlite_inject_gp(vcpu);
			return 1;
		}
		vcpu->gprs[GPR_RAX] = (u32)val;
		vcpu->gprs[GPR_RDX] = val >> 32;
	}
	skip_instruction();
	return 1;
}

/* CR8 is the LAPIC's TPR[7:4] when the LAPIC is in the kernel. */
static void set_cr8(struct kvmlite_vcpu *vcpu, u64 val)
{
	unsigned long flags;

	vcpu->cr8 = val;
	if (!vcpu->apic)
		return;
	flags = kvmlite_apic_lock(vcpu);
	kvmlite_lapic_set_cr8(vcpu->apic, val);
	kvmlite_apic_unlock(vcpu, flags);
}

static u64 get_cr8(struct kvmlite_vcpu *vcpu)
{
	unsigned long flags;
	u64 val;

	if (!vcpu->apic)
		return vcpu->cr8;
	flags = kvmlite_apic_lock(vcpu);
	val = kvmlite_lapic_get_cr8(vcpu->apic);
	kvmlite_apic_unlock(vcpu, flags);
	return val;
}

/* Control-register access qualification: SDM Table 28-3. */
#define CR_NUM(q)	((q) & 15)
#define CR_TYPE(q)	(((q) >> 4) & 3)
#define CR_GPR(q)	(((q) >> 8) & 15)
#define CR_LMSW_SRC(q)	(((q) >> 16) & 0xffff)
enum { CR_MOV_TO, CR_MOV_FROM, CR_CLTS, CR_LMSW };

static int handle_cr(struct kvmlite_vcpu *vcpu, u64 qual)
{
	unsigned long val, cr0;
	int r = 0;

	vcpu->stats[KSTAT_CR]++;
	switch (CR_TYPE(qual)) {
	case CR_MOV_TO:
		val = gpr_read(vcpu, CR_GPR(qual));
		switch (CR_NUM(qual)) {
		case 0:
			r = kvmlite_set_cr0(vcpu, val);
			break;
		case 3:
			vmcs_write(GUEST_CR3, val);
			break;
		case 4:
			r = kvmlite_set_cr4(vcpu, val);
			break;
		case 8:
			r = val > 15 ? -EINVAL : 0;
			if (!r)
				set_cr8(vcpu, val);
			break;
		default:
			return inject_ud(vcpu);
		}
		break;
	case CR_MOV_FROM:
		switch (CR_NUM(qual)) {
		case 3:
			gpr_write(vcpu, CR_GPR(qual), vmcs_read(GUEST_CR3));
			break;
		case 8:
			gpr_write(vcpu, CR_GPR(qual), get_cr8(vcpu));
			break;
		default:
			return inject_ud(vcpu);
		}
		break;
	case CR_CLTS:
		cr0 = kvmlite_guest_cr0() & ~X86_CR0_TS;
		r = kvmlite_set_cr0(vcpu, cr0);
		break;
	case CR_LMSW:
		/* LMSW sets PE, MP, EM, TS but can never clear PE. */
		cr0 = kvmlite_guest_cr0();
		val = CR_LMSW_SRC(qual) & 0xf;
		r = kvmlite_set_cr0(vcpu, (cr0 & ~0xeul) | val);
		break;
	}
	if (r) {
		kvmlite_inject_gp(vcpu);
		return 1;
	}
	skip_instruction();
	return 1;
}

/* Debug registers are not virtualised yet: reads see reset values. */
static int handle_dr(struct kvmlite_vcpu *vcpu, u64 qual)
{
	unsigned int dr = qual & 7, reg = (qual >> 8) & 15;
	bool from = qual & BIT(4);

	if (from)
		gpr_write(vcpu, reg, dr == 6 ? 0xffff0ff0 : dr == 7 ? 0x400 : 0);
	skip_instruction();
	return 1;
}

/*
 * HLT with an in-kernel LAPIC only records the halt: the vCPU sleeps in
 * the run loop (run.c), around the one halt check.
 */
static int handle_hlt(struct kvmlite_vcpu *vcpu)
{
	vcpu->stats[KSTAT_HLT]++;
	skip_instruction();
	if (vcpu->apic) {
		vcpu->halted = true;
		vcpu->mp_state = KVM_MP_STATE_HALTED;
		trace_kvmlite_halt(vcpu->vm->id, vcpu->id);
		return 1;
	}
	/* No in-kernel LAPIC: userspace decides what HLT means. */
	vcpu->run->exit_reason = KVM_EXIT_HLT;
	return 0;
}

/* EPT-violation qualification bit 12 (SDM Table 28-7). */
#define EPT_VIOLATION_NMI_UNBLOCKED	BIT(12)

/*
 * APICv's APIC-access exit (SDM 28.2.1, table 28-6): fault-like, for an
 * access to the xAPIC page the processor does not virtualize (the
 * current count, a partial or misaligned access...).  A data access is
 * emulated as MMIO; a fetch or event delivery through the page is not.
 */
static int handle_apic_access(struct kvmlite_vcpu *vcpu, u64 qual)
{
	unsigned int type = (qual >> 12) & 0xf;

	vcpu->stats[KSTAT_APIC_ACCESS]++;
	if (type > 1)
		return internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION,
				      EXIT_REASON_APIC_ACCESS);
	return kvmlite_handle_mmio(vcpu, (vcpu->msr_apic_base &
					  MSR_IA32_APICBASE_BASE) +
				   (qual & 0xfff), type == 1);
}

static int handle_ept_violation(struct kvmlite_vcpu *vcpu, u64 qual)
{
	vcpu->stats[KSTAT_EPT]++;
	/* Page tables and memslots walked, maybe pages pinned: host data. */
	kvmlite_spec_l1d_dirty(vcpu);
	if (qual & EPT_VIOLATION_NMI_UNBLOCKED)
		kvmlite_nmi_unblocked_by_iret();
	return kvmlite_handle_mmio(vcpu, vmcs_read(GUEST_PHYSICAL_ADDRESS),
				   qual & EPT_VIOLATION_ACC_WRITE);
}

/*
 * Interrupts still off after the exit, before kvmlite_handle_exit: the
 * exits that need nothing a sleeping lock or an open interrupt window
 * would give, handled here so that the vCPU goes straight back in
 * (kvm_intel's irqs-off fastpath).  Only a guest's TSC-deadline write
 * while its timer waits for the entry (apic_timer.c): it notes the
 * deadline and arms nothing.  The caller (vmx/run.c) checked that the
 * timer waits for the entry (timer_entry_ok).  True when the exit is done.
 */
bool kvmlite_exit_fastpath(struct kvmlite_vcpu *vcpu)
{
	u32 reason;

	/* Cheapest first: every exit with such a timer passes here. */
	if ((u32)vcpu->gprs[GPR_RCX] != MSR_IA32_TSC_DEADLINE)
		return false;
	reason = vmcs_read(VM_EXIT_REASON);
	if (reason != EXIT_REASON_MSR_WRITE)
		return false;
	vcpu->stats[KSTAT_EXITS]++;
	vcpu->stats[KSTAT_MSR]++;
	vcpu->stats[KSTAT_FASTPATH]++;
	trace_kvmlite_exit(vcpu->vm->id, vcpu->id, reason, 0,
			   vmcs_read(GUEST_RIP));
	/* The LAPIC takes any deadline (0 disarms); the write never faults. */
	kvmlite_set_msr(vcpu, MSR_IA32_TSC_DEADLINE, wrmsr_value(vcpu), false);
	skip_instruction();
	return true;
}

int kvmlite_handle_exit(struct kvmlite_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	u32 reason;
	u64 qual;

	if (vcpu->entry_fail) {
		/* VMLAUNCH/VMRESUME failed before the guest ran. */
		run->exit_reason = KVM_EXIT_FAIL_ENTRY;
		run->fail_entry.hardware_entry_failure_reason =
			vcpu->entry_fail == 1 ? vmcs_read(VM_INSTRUCTION_ERROR) :
			0;
		run->fail_entry.cpu = vcpu->cpu;
		return 0;
	}

	reason = vmcs_read(VM_EXIT_REASON);
	qual = vmcs_read(EXIT_QUALIFICATION);
	vcpu->stats[KSTAT_EXITS]++;
	trace_kvmlite_exit(vcpu->vm->id, vcpu->id, reason, qual,
			   vmcs_read(GUEST_RIP));

	if (reason & VMX_EXIT_REASONS_FAILED_VMENTRY) {
		/* Invalid guest state (33), MSR loading (34), machine check. */
		run->exit_reason = KVM_EXIT_FAIL_ENTRY;
		run->fail_entry.hardware_entry_failure_reason = reason;
		run->fail_entry.cpu = vcpu->cpu;
		return 0;
	}
	requeue_interrupted_event();

	switch ((u16)reason) {
	case EXIT_REASON_EXCEPTION_NMI:
		return 1;	/* only NMIs exit, handled in run.c */
	case EXIT_REASON_EXTERNAL_INTERRUPT:
		vcpu->stats[KSTAT_EXTINT]++;
		return 1;	/* the host took it when interrupts came on */
	case EXIT_REASON_EOI_INDUCED:
		return kvmlite_apicv_eoi_exit(vcpu, qual);
	case EXIT_REASON_TPR_BELOW_THRESHOLD:
		/* CR8 dropped below a held-back vector's class (apicv.c). */
		vcpu->stats[KSTAT_TPR_BELOW]++;
		return 1;
	case EXIT_REASON_INTERRUPT_WINDOW:
	case EXIT_REASON_NMI_WINDOW:
		/* kvmlite_inject_events() decides again before the entry. */
		return 1;
	case EXIT_REASON_PREEMPTION_TIMER:
		vcpu->stats[KSTAT_TIMER]++;
		return 1;	/* the guest's slice ended: look around */
	case EXIT_REASON_TRIPLE_FAULT:
		run->exit_reason = KVM_EXIT_SHUTDOWN;
		return 0;
	case EXIT_REASON_HLT:
		return handle_hlt(vcpu);
	case EXIT_REASON_IO_INSTRUCTION:
		return handle_io(vcpu, qual);
	case EXIT_REASON_CPUID:
		return handle_cpuid(vcpu);
	case EXIT_REASON_MSR_READ:
		return handle_msr(vcpu, false);
	case EXIT_REASON_MSR_WRITE:
		return handle_msr(vcpu, true);
	case EXIT_REASON_CR_ACCESS:
		return handle_cr(vcpu, qual);
	case EXIT_REASON_DR_ACCESS:
		return handle_dr(vcpu, qual);
	case EXIT_REASON_EPT_VIOLATION:
		return handle_ept_violation(vcpu, qual);
	case EXIT_REASON_APIC_ACCESS:
		return handle_apic_access(vcpu, qual);
	case EXIT_REASON_APIC_WRITE:
		return kvmlite_apicv_write_exit(vcpu, qual);
	case EXIT_REASON_INVD:
	case EXIT_REASON_WBINVD:
		skip_instruction();
		return 1;
	case EXIT_REASON_XSETBV:
		/* XSAVE is not offered in CPUID. */
		kvmlite_inject_gp(vcpu);
		return 1;
	case EXIT_REASON_MWAIT_INSTRUCTION:
	case EXIT_REASON_MONITOR_INSTRUCTION:
	case EXIT_REASON_RDPMC:
	case EXIT_REASON_VMCALL:
	case EXIT_REASON_VMCLEAR:
	case EXIT_REASON_VMLAUNCH:
	case EXIT_REASON_VMPTRLD:
	case EXIT_REASON_VMPTRST:
	case EXIT_REASON_VMREAD:
	case EXIT_REASON_VMRESUME:
	case EXIT_REASON_VMWRITE:
	case EXIT_REASON_VMOFF:
	case EXIT_REASON_VMON:
	case EXIT_REASON_INVEPT:
	case EXIT_REASON_INVVPID:
		/* Not offered to the guest: #UD, as on a CPU without it. */
		return inject_ud(vcpu);
	default:
		vcpu->stats[KSTAT_OTHER]++;
		return internal_error(vcpu,
				      KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON,
				      reason);
	}
}
