/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the LAPIC selftests share: x2APIC MSR numbers, guest RDMSR/WRMSR,
 * an assembler macro for interrupt stubs that call C, and host helpers
 * that give a VM an in-kernel LAPIC and route IDT vectors to handlers.
 */
#ifndef KVMLITE_APIC_H
#define KVMLITE_APIC_H

#include "kvm_util.h"

#define MSR_APIC_BASE		0x1b
#define APIC_BASE_EXTD		0x400ULL
#define APIC_BASE_EN		0x800ULL
#define MSR_TSC_DEADLINE	0x6e0

/* x2APIC registers: MSR 0x800 + xAPIC offset / 16. */
#define X2APIC_ID		0x802
#define X2APIC_LVR		0x803
#define X2APIC_TPR		0x808
#define X2APIC_PPR		0x80a
#define X2APIC_EOI		0x80b
#define X2APIC_LDR		0x80d
#define X2APIC_SVR		0x80f
#define X2APIC_IRR		0x820	/* 0x820..0x827 */
#define X2APIC_ESR		0x828
#define X2APIC_ICR		0x830
#define X2APIC_LVTT		0x832
#define X2APIC_LVT0		0x835
#define X2APIC_LVTERR		0x837
#define X2APIC_TMICT		0x838
#define X2APIC_TMCCT		0x839
#define X2APIC_TDCR		0x83e
#define X2APIC_SELF_IPI		0x83f

/* Guest side. */
static inline void guest_wrmsr(u32 msr, u64 val)
{
	asm volatile("wrmsr" : : "c" (msr), "a" ((u32)val),
		     "d" ((u32)(val >> 32)) : "memory");
}

static inline u64 guest_rdmsr(u32 msr)
{
	u32 lo, hi;

	asm volatile("rdmsr" : "=a" (lo), "=d" (hi) : "c" (msr));
	return lo | (u64)hi << 32;
}

/* x2APIC mode, software-enabled (spurious vector 0xff); IF unchanged. */
static inline void guest_x2apic_enable(void)
{
	guest_wrmsr(MSR_APIC_BASE, guest_rdmsr(MSR_APIC_BASE) |
		    APIC_BASE_EN | APIC_BASE_EXTD);
	guest_wrmsr(X2APIC_SVR, 0x1ff);
}

static inline void guest_x2apic_eoi(void)
{
	guest_wrmsr(X2APIC_EOI, 0);
}

/*
 * "GUEST_C_STUB name, fn" in a test's top-level asm() defines an
 * interrupt stub that saves the caller-saved registers (nine pushes keep
 * the call 16-byte aligned), calls the C function fn and returns with
 * IRETQ.  Put GUEST_C_STUB_MACRO first in that asm().
 */
#define GUEST_C_STUB_MACRO						\
	".macro GUEST_C_STUB name, fn\n"				\
	".globl \\name\n"						\
	"\\name:\n"							\
	"	push %rax\n	push %rcx\n	push %rdx\n"		\
	"	push %rsi\n	push %rdi\n	push %r8\n"		\
	"	push %r9\n	push %r10\n	push %r11\n"		\
	"	call \\fn\n"						\
	"	pop %r11\n	pop %r10\n	pop %r9\n"		\
	"	pop %r8\n	pop %rdi\n	pop %rsi\n"		\
	"	pop %rdx\n	pop %rcx\n	pop %rax\n"		\
	"	iretq\n"						\
	".endm\n"

/*
 * "GUEST_X2APIC_COUNT_STUB name, array": an interrupt stub that bumps
 * array[x2APIC ID] (a u64 per vCPU) and EOIs through the x2APIC EOI MSR.
 * Put GUEST_X2APIC_COUNT_STUB_MACRO first in the test's top-level asm().
 */
#define GUEST_X2APIC_COUNT_STUB_MACRO					\
	".macro GUEST_X2APIC_COUNT_STUB name, array\n"			\
	".globl \\name\n"						\
	"\\name:\n"							\
	"	push %rax\n	push %rcx\n	push %rdx\n"		\
	"	mov $0x802, %ecx\n"	/* x2APIC ID: which vCPU */	\
	"	rdmsr\n"						\
	"	lock incq \\array(,%rax,8)\n"				\
	"	mov $0x80b, %ecx\n"					\
	"	xor %eax, %eax\n"					\
	"	xor %edx, %edx\n"					\
	"	wrmsr\n"						\
	"	pop %rdx\n	pop %rcx\n	pop %rax\n"		\
	"	iretq\n"						\
	".endm\n"

/* The address of a symbol defined in asm, without a C declaration. */
#define ASM_SYMBOL_ADDR(name)						\
	({								\
		u64 __addr;						\
		asm("lea " #name "(%%rip), %0" : "=r" (__addr));	\
		__addr;							\
	})

/* Host side. */
/* KVM_ENABLE_CAP(KVM_CAP_SPLIT_IRQCHIP, 24 routes): before any vCPU. */
void vm_enable_split_irqchip(struct kvm_vm *vm);
/* A present 64-bit interrupt gate, DPL 0, for vector in the guest IDT. */
void vm_set_idt_gate(struct kvm_vm *vm, int vector, u64 handler);
/* Let the vCPU's IDT reach all 256 vectors (the library sets fewer). */
void vcpu_idt_all_vectors(struct kvm_vcpu *vcpu);
/* KVM_SET_MP_STATE(RUNNABLE): an AP that need not wait for INIT/SIPI. */
void vcpu_make_runnable(struct kvm_vcpu *vcpu);
/* The guest TSC rate, KVM_GET_TSC_KHZ (printed as a TAP comment). */
u64 vcpu_tsc_khz(struct kvm_vcpu *vcpu);
/*
 * The device's supported CPUID plus TSC-deadline: KVM does not list it
 * (VMMs add it on KVM_CAP_TSC_DEADLINE_TIMER) and takes LVTT mode 2 only
 * with it.
 */
void vcpu_set_cpuid_tsc_deadline(struct kvm_vcpu *vcpu);
/*
 * Send count fixed MSIs of vector to APIC ID dest, each only once *taken
 * (the guest's count, through gpa2hva) has reached the number sent, so
 * that no two can merge.  Gives up after max_wait_s seconds without
 * progress (then *stuck, where given, is set) or when KVM_SIGNAL_MSI does
 * not deliver.  Returns the number sent.
 */
long vm_send_gated_msis(struct kvm_vm *vm, u32 dest, u8 vector,
			const u64 *taken, long count, unsigned int max_wait_s,
			bool *stuck);

#endif /* KVMLITE_APIC_H */
