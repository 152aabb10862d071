// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel LAPIC (KVM_CAP_SPLIT_IRQCHIP) seen from a guest in x2APIC
 * mode: a self-IPI is taken at once; a one-shot timer interrupt wakes the
 * vCPU from HLT; a self-IPI below TPR stays pending until TPR drops; an
 * MSI sent by another host thread wakes a halted vCPU.  Same results on
 * /dev/kvmlite and /dev/kvm.
 */
#define _GNU_SOURCE
#include <linux/kvm.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kvm_util.h"

#define IPI_VECTOR	0x40
#define TIMER_VECTOR	0x41
#define MSR_APIC_BASE	0x1b
#define X2APIC_TPR	0x808
#define X2APIC_SVR	0x80f
#define X2APIC_LVTT	0x832
#define X2APIC_TMICT	0x838
#define X2APIC_TDCR	0x83e
#define X2APIC_SELF_IPI	0x83f

/* Bumped by the guest's interrupt handler (guest_irq_stub below). */
u64 guest_irq_count;

/* Count the interrupt and EOI it through the x2APIC EOI MSR (0x80b). */
asm(".text\n"
	".globl guest_irq_stub\n"
	"guest_irq_stub:\n"
	"	push %rax\n"
	"	push %rcx\n"
	"	push %rdx\n"
	"	lock incq guest_irq_count(%rip)\n"
	"	mov $0x80b, %ecx\n"
	"	xor %eax, %eax\n"
	"	xor %edx, %edx\n"
	"	wrmsr\n"
	"	pop %rdx\n"
	"	pop %rcx\n"
	"	pop %rax\n"
	"	iretq\n");

static u64 irq_stub_address(void)
{
	u64 addr;

	asm("lea guest_irq_stub(%%rip), %0" : "=r" (addr));
	return addr;
}

/* The handler changes it behind the compiler's back. */
static u64 irq_count(void)
{
	return __atomic_load_n(&guest_irq_count, __ATOMIC_SEQ_CST);
}

static void guest_wrmsr(u32 msr, u64 val)
{
	asm volatile("wrmsr" : : "c" (msr), "a" ((u32)val),
		     "d" ((u32)(val >> 32)) : "memory");
}

static u64 guest_rdmsr(u32 msr)
{
	u32 lo, hi;

	asm volatile("rdmsr" : "=a" (lo), "=d" (hi) : "c" (msr));
	return lo | (u64)hi << 32;
}

/*
 * Halt until n interrupts were taken.  The check runs with interrupts
 * off and STI;HLT reopens them in HLT's shadow, so an interrupt that
 * arrives after the check still ends the HLT.
 */
static void wait_for_irqs(u64 n)
{
	for (;;) {
		asm volatile("cli");
		if (irq_count() >= n)
			break;
		asm volatile("sti; hlt");
	}
	asm volatile("sti");
}

static void guest_x2apic_on(void)
{
	/* EN (bit 11) and EXTD (bit 10): x2APIC mode. */
	guest_wrmsr(MSR_APIC_BASE, guest_rdmsr(MSR_APIC_BASE) | 0xc00);
	guest_wrmsr(X2APIC_SVR, 0x1ff);
	asm volatile("sti");
}

static void guest_lapic(void)
{
	guest_x2apic_on();
	guest_wrmsr(X2APIC_SELF_IPI, IPI_VECTOR);
	asm volatile("nop");
	GUEST_SYNC(1, irq_count());

	guest_wrmsr(X2APIC_TDCR, 0xb);		/* divide by 1 */
	guest_wrmsr(X2APIC_LVTT, TIMER_VECTOR);	/* one-shot */
	guest_wrmsr(X2APIC_TMICT, 2000000);
	wait_for_irqs(2);
	GUEST_SYNC(2, irq_count());

	/* Class 4 below TPR class 5: must wait. */
	guest_wrmsr(X2APIC_TPR, 0x50);
	guest_wrmsr(X2APIC_SELF_IPI, IPI_VECTOR);
	asm volatile("nop; nop");
	GUEST_SYNC(3, irq_count());
	guest_wrmsr(X2APIC_TPR, 0);
	asm volatile("nop");
	GUEST_SYNC(4, irq_count());
	GUEST_DONE();
}

static void guest_wait_msi(void)
{
	guest_x2apic_on();
	GUEST_SYNC(0, 0);
	wait_for_irqs(1);
	GUEST_SYNC(1, irq_count());
	GUEST_DONE();
}

/* A VM with an in-kernel LAPIC and IDT gates for the two vectors. */
static struct kvm_vcpu *lapic_vcpu(struct kvm_vm *vm, void *guest_fn)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_SPLIT_IRQCHIP,
				      .args = { 24 } };
	u64 *idt = gpa2hva(vm, GUEST_IDT_GPA);
	u64 h = irq_stub_address();
	struct kvm_sregs sregs;
	struct kvm_vcpu *vcpu;
	int v;

	TEST_ASSERT(!ioctl(vm->fd, KVM_ENABLE_CAP, &cap),
		    "KVM_ENABLE_CAP(SPLIT_IRQCHIP): %s", errno_str(errno));
	vcpu = vm_vcpu_add(vm, 0, guest_fn);
	for (v = IPI_VECTOR; v <= TIMER_VECTOR; v++) {
		idt[2 * v] = (h & 0xffff) | ((u64)GUEST_SEL_CODE << 16) |
			     (0x8eULL << 40) | (((h >> 16) & 0xffff) << 48);
		idt[2 * v + 1] = h >> 32;
	}
	vcpu_get_sregs(vcpu, &sregs);
	sregs.idt.limit = 256 * 16 - 1;
	vcpu_set_sregs(vcpu, &sregs);
	return vcpu;
}

static void expect_count(struct kvm_vcpu *vcpu, u64 stage, u64 count)
{
	struct ucall uc;

	vcpu_expect_ucall(vcpu, &uc, UCALL_SYNC);
	TEST_EXPECT(uc.args[0] == stage && uc.args[1] == count,
		    "stage %llu: %llu interrupts taken, expected stage %llu: %llu",
		    uc.args[0], uc.args[1], stage, count);
}

static void self_ipi_timer_tpr(int dev)
{
	struct kvm_vm *vm = vm_create_long_mode(dev);
	struct kvm_vcpu *vcpu = lapic_vcpu(vm, guest_lapic);

	expect_count(vcpu, 1, 1);
	expect_count(vcpu, 2, 2);
	expect_count(vcpu, 3, 2);
	expect_count(vcpu, 4, 3);
	vcpu_run_to_done(vcpu);
	vm_free(vm);
}

static int msi_vm_fd;

static void *send_msi(void *unused)
{
	struct kvm_msi msi = { .address_lo = 0xfee00000, .data = IPI_VECTOR };

	(void)unused;
	usleep(100000);
	return (void *)(long)ioctl(msi_vm_fd, KVM_SIGNAL_MSI, &msi);
}

static void msi_wakes_halted(int dev)
{
	struct kvm_vm *vm = vm_create_long_mode(dev);
	struct kvm_vcpu *vcpu = lapic_vcpu(vm, guest_wait_msi);
	pthread_t thread;
	void *ret;

	expect_count(vcpu, 0, 0);
	msi_vm_fd = vm->fd;
	TEST_ASSERT(!pthread_create(&thread, NULL, send_msi, NULL),
		    "pthread_create");
	expect_count(vcpu, 1, 1);
	pthread_join(thread, &ret);
	TEST_EXPECT((long)ret == 1, "KVM_SIGNAL_MSI returned %ld, expected 1",
		    (long)ret);
	vcpu_run_to_done(vcpu);
	vm_free(vm);
}

static const struct scenario scenarios[] = {
	{ "x2APIC self-IPI, one-shot timer waking HLT, TPR masking",
	  self_ipi_timer_tpr, NEED_GUEST, { KVM_CAP_SPLIT_IRQCHIP, 0 } },
	{ "KVM_SIGNAL_MSI from another thread wakes a halted vCPU",
	  msi_wakes_halted, NEED_GUEST, { KVM_CAP_SPLIT_IRQCHIP, 0 } },
};

int main(int argc, char **argv)
{
	run_scenarios(argc, argv, scenarios, ARRAY_SIZE(scenarios));
}
