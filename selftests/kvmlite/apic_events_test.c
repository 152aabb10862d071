// SPDX-License-Identifier: GPL-2.0
/*
 * Events other than fixed interrupts, and the injection rules around
 * them: NMIs (KVM_NMI, an NMI IPI to self held back by NMI blocking until
 * the handler's IRET, an NMI MSI waking a vCPU halted with IF clear);
 * lowest-priority MSIs, each taken by exactly one of the matching vCPUs;
 * the 8259's interrupt through KVM_INTERRUPT and LINT0 in ExtINT mode
 * with a split irqchip; and, with no irqchip at all, KVM_INTERRUPT after
 * request_interrupt_window brings KVM_EXIT_IRQ_WINDOW_OPEN once the STI
 * shadow has passed; and an STI shadow ends with the instruction in it
 * even when the hypervisor emulates that one (an MMIO write).  Same
 * results on /dev/kvmlite and /dev/kvm.
 */
#define _GNU_SOURCE
#include <linux/kvm.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "apic.h"
#include "kvm_util.h"

#define NMI_IDT_VECTOR	2
/* One vector per message (a vector pending twice is one interrupt). */
#define LOWEST_VECTOR	0x50
/* Below all of them: the stop comes last. */
#define STOP_VECTOR	0x30
#define EXTINT_VECTOR	0x46
#define PIC_VECTOR	0x47
#define SHADOW_VECTOR	0x48
/* No memslot covers it: accesses exit as KVM_EXIT_MMIO. */
#define SHADOW_MMIO_GPA	0xc0000000ULL

/* Counted by the stubs below; per vCPU where indexed by x2APIC ID. */
u64 guest_lowest_count[2];
u64 guest_stop_count[2];
u64 guest_irq_count;
/* Where guest_shadow_stub interrupted the guest (its frame's RIP). */
u64 guest_shadow_rip;
/* The NMI handler's state (guest_nmi_body). */
u64 guest_nmi_count, guest_nmi_depth, guest_nmi_max_depth;
u64 guest_nmi_send_nested;

/*
 * Interrupt stubs (lib/apic.h): per-vCPU counts with an x2APIC EOI; a
 * plain count (no LAPIC to EOI); the NMI handler guest_nmi_body.
 */
asm(GUEST_C_STUB_MACRO GUEST_X2APIC_COUNT_STUB_MACRO
	".text\n"
	"GUEST_X2APIC_COUNT_STUB guest_lowest_stub, guest_lowest_count\n"
	"GUEST_X2APIC_COUNT_STUB guest_stop_stub, guest_stop_count\n"
	".globl guest_plain_stub\n"
	"guest_plain_stub:\n"
	"	lock incq guest_irq_count(%rip)\n"
	"	iretq\n"
	"GUEST_C_STUB guest_nmi_stub, guest_nmi_body\n"
	".globl guest_shadow_stub\n"
	"guest_shadow_stub:\n"
	"	push %rax\n	push %rcx\n	push %rdx\n"
	"	mov 24(%rsp), %rax\n"	/* the interrupted RIP */
	"	mov %rax, guest_shadow_rip(%rip)\n"
	"	mov $0x80b, %ecx\n"	/* x2APIC EOI */
	"	xor %eax, %eax\n"
	"	xor %edx, %edx\n"
	"	wrmsr\n"
	"	pop %rdx\n	pop %rcx\n	pop %rax\n"
	"	iretq\n");

static u64 load(u64 *p)
{
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

/* Physical destination 0 (this vCPU), delivery mode NMI. */
#define ICR_NMI_TO_SELF	(4u << 8)

/*
 * The NMI handler.  On request it sends itself another NMI and waits a
 * little: NMI blocking must hold that one back until this handler's
 * IRET, so the depth never exceeds 1.
 */
__used void guest_nmi_body(void)
{
	u64 depth = __atomic_add_fetch(&guest_nmi_depth, 1, __ATOMIC_SEQ_CST);
	int i;

	if (depth > load(&guest_nmi_max_depth))
		__atomic_store_n(&guest_nmi_max_depth, depth, __ATOMIC_SEQ_CST);
	if (__atomic_exchange_n(&guest_nmi_send_nested, 0, __ATOMIC_SEQ_CST)) {
		guest_wrmsr(X2APIC_ICR, ICR_NMI_TO_SELF);
		for (i = 0; i < 1000; i++)
			asm volatile("pause");
	}
	__atomic_add_fetch(&guest_nmi_count, 1, __ATOMIC_SEQ_CST);
	__atomic_sub_fetch(&guest_nmi_depth, 1, __ATOMIC_SEQ_CST);
}

/* A vCPU whose IDT reaches every vector, made runnable (no SIPI wait). */
static struct kvm_vcpu *irq_vcpu_add(struct kvm_vm *vm, unsigned int id,
				     void *guest_fn)
{
	struct kvm_vcpu *vcpu = vm_vcpu_add(vm, id, guest_fn);

	vcpu_idt_all_vectors(vcpu);
	vcpu_make_runnable(vcpu);
	return vcpu;
}

static void expect_sync(struct kvm_vcpu *vcpu, u64 stage, u64 val,
			const char *what)
{
	struct ucall uc;

	vcpu_expect_ucall(vcpu, &uc, UCALL_SYNC);
	TEST_EXPECT(uc.args[0] == stage && uc.args[1] == val,
		    "%s: stage %llu value %#llx, expected stage %llu value %#llx",
		    what, uc.args[0], uc.args[1], stage, val);
}

/* ---- NMIs ---- */

static void guest_nmis(void)
{
	guest_x2apic_enable();
	asm volatile("cli");
	GUEST_SYNC(1, 0);
	/* KVM_NMI came in at entry, IF clear notwithstanding. */
	GUEST_SYNC(2, load(&guest_nmi_count));

	__atomic_store_n(&guest_nmi_send_nested, 1, __ATOMIC_SEQ_CST);
	guest_wrmsr(X2APIC_ICR, ICR_NMI_TO_SELF);
	while (load(&guest_nmi_count) < 3)
		asm volatile("pause");
	GUEST_SYNC(3, load(&guest_nmi_count) | load(&guest_nmi_max_depth) << 32);

	/* Halted with IF clear: only an NMI can end this HLT. */
	GUEST_SYNC(4, 0);
	while (load(&guest_nmi_count) < 4)
		asm volatile("hlt");
	GUEST_SYNC(5, load(&guest_nmi_count));
	GUEST_DONE();
}

static int nmi_vm_fd;

static void *send_nmi_msi(void *unused)
{
	/* Physical destination 0, delivery mode NMI (data bits 10:8 = 4). */
	struct kvm_msi msi = { .address_lo = 0xfee00000, .data = 4 << 8 };

	(void)unused;
	usleep(100000);
	return (void *)(long)ioctl(nmi_vm_fd, KVM_SIGNAL_MSI, &msi);
}

static void nmis(int dev)
{
	struct kvm_vm *vm = vm_create_long_mode(dev);
	struct kvm_vcpu *vcpu;
	pthread_t thread;
	void *ret;

	vm_enable_split_irqchip(vm);
	vm_set_idt_gate(vm, NMI_IDT_VECTOR, ASM_SYMBOL_ADDR(guest_nmi_stub));
	vcpu = irq_vcpu_add(vm, 0, guest_nmis);

	expect_sync(vcpu, 1, 0, "before KVM_NMI");
	TEST_ASSERT(!ioctl(vcpu->fd, KVM_NMI), "KVM_NMI: %s",
		    errno_str(errno));
	expect_sync(vcpu, 2, 1, "KVM_NMI taken with IF clear");
	/* 3 NMIs taken, never more than one handler at a time. */
	expect_sync(vcpu, 3, 3 | 1ull << 32, "NMI sent from the NMI handler");

	expect_sync(vcpu, 4, 0, "before HLT with IF clear");
	nmi_vm_fd = vm->fd;
	TEST_ASSERT(!pthread_create(&thread, NULL, send_nmi_msi, NULL),
		    "pthread_create");
	expect_sync(vcpu, 5, 4, "NMI MSI ends a HLT with IF clear");
	pthread_join(thread, &ret);
	TEST_EXPECT((long)ret == 1, "KVM_SIGNAL_MSI(NMI) returned %ld", (long)ret);
	vcpu_run_to_done(vcpu);
	vm_free(vm);
}

/* ---- Lowest priority ---- */

#define LOWEST_MSIS	100

/* Halt until the host's stop interrupt, then report what came here. */
static void guest_lowest(u64 me)
{
	guest_x2apic_enable();
	GUEST_SYNC(0, me);
	for (;;) {
		asm volatile("cli");
		if (load(&guest_stop_count[me]))
			break;
		asm volatile("sti; hlt");
	}
	asm volatile("sti");
	GUEST_SYNC(me, load(&guest_lowest_count[me]));
	GUEST_DONE();
}

struct lowest_run {
	struct kvm_vcpu *vcpu;
	u64 received;
};

static void *run_lowest(void *arg)
{
	struct lowest_run *lr = arg;
	struct ucall uc;

	vcpu_expect_ucall(lr->vcpu, &uc, UCALL_SYNC);
	lr->received = uc.args[1];
	vcpu_run_to_done(lr->vcpu);
	return NULL;
}

static int signal_msi(int vm_fd, u32 dest, bool logical, u32 mode, u8 vec)
{
	struct kvm_msi msi = {
		.address_lo = 0xfee00000 | dest << 12 | (logical ? 1 << 2 : 0),
		.data = mode << 8 | vec,
	};

	return ioctl(vm_fd, KVM_SIGNAL_MSI, &msi);
}

static void lowest_priority(int dev)
{
	struct kvm_vm *vm = vm_create_long_mode(dev);
	struct lowest_run runs[2];
	pthread_t threads[2];
	struct ucall uc;
	int i, accepted = 0;

	vm_enable_split_irqchip(vm);
	for (i = 0; i < LOWEST_MSIS; i++)
		vm_set_idt_gate(vm, LOWEST_VECTOR + i, ASM_SYMBOL_ADDR(guest_lowest_stub));
	vm_set_idt_gate(vm, STOP_VECTOR, ASM_SYMBOL_ADDR(guest_stop_stub));
	for (i = 0; i < 2; i++) {
		runs[i].vcpu = irq_vcpu_add(vm, i, guest_lowest);
		vcpu_args_set(runs[i].vcpu, 1, (u64)i);
		/* Both LAPICs on before any message is sent. */
		vcpu_expect_ucall(runs[i].vcpu, &uc, UCALL_SYNC);
	}
	for (i = 0; i < 2; i++)
		TEST_ASSERT(!pthread_create(&threads[i], NULL, run_lowest,
					    &runs[i]), "pthread_create");
	/* Logical cluster 0, members 0 and 1 (x2APIC LDRs 1 and 2). */
	for (i = 0; i < LOWEST_MSIS; i++)
		accepted += signal_msi(vm->fd, 3, true, 1, LOWEST_VECTOR + i);
	for (i = 0; i < 2; i++)
		TEST_EXPECT(signal_msi(vm->fd, i, false, 0, STOP_VECTOR) == 1,
			    "stop MSI to vCPU %d not accepted", i);
	for (i = 0; i < 2; i++)
		pthread_join(threads[i], NULL);
	TEST_EXPECT(accepted == LOWEST_MSIS,
		    "KVM_SIGNAL_MSI accepted %d of %d lowest-priority MSIs",
		    accepted, LOWEST_MSIS);
	TEST_EXPECT(runs[0].received + runs[1].received == LOWEST_MSIS,
		    "vCPUs took %llu + %llu lowest-priority interrupts, expected %d in all",
		    runs[0].received, runs[1].received, LOWEST_MSIS);
	tap_diag("lowest priority: vCPU 0 took %llu, vCPU 1 took %llu",
		 runs[0].received, runs[1].received);
	vm_free(vm);
}

/* ---- The 8259 through KVM_INTERRUPT ---- */

static void guest_extint(void)
{
	guest_x2apic_enable();
	guest_wrmsr(X2APIC_LVT0, 7 << 8);	/* ExtINT, unmasked */
	asm volatile("sti");
	GUEST_SYNC(1, 0);
	while (!load(&guest_irq_count))
		asm volatile("hlt");
	GUEST_SYNC(2, load(&guest_irq_count));
	guest_wrmsr(X2APIC_LVT0, 1 << 16 | 7 << 8);	/* masked */
	GUEST_SYNC(3, 0);
	GUEST_DONE();
}

static void extint_split_irqchip(int dev)
{
	struct kvm_vm *vm = vm_create_long_mode(dev);
	struct kvm_interrupt irq = { .irq = EXTINT_VECTOR };
	struct kvm_interrupt bad = { .irq = 256 };
	struct kvm_vcpu *vcpu;
	int r;

	vm_enable_split_irqchip(vm);
	vm_set_idt_gate(vm, EXTINT_VECTOR, ASM_SYMBOL_ADDR(guest_plain_stub));
	vcpu = irq_vcpu_add(vm, 0, guest_extint);

	expect_sync(vcpu, 1, 0, "LINT0 in ExtINT mode");
	TEST_EXPECT(vcpu->run->ready_for_interrupt_injection &&
		    vcpu->run->if_flag,
		    "ready_for_interrupt_injection %u if_flag %u, expected 1 1",
		    vcpu->run->ready_for_interrupt_injection,
		    vcpu->run->if_flag);
	r = ioctl(vcpu->fd, KVM_INTERRUPT, &bad);
	TEST_EXPECT_ERRNO(r, errno, EINVAL, "KVM_INTERRUPT(256)");
	TEST_ASSERT(!ioctl(vcpu->fd, KVM_INTERRUPT, &irq),
		    "KVM_INTERRUPT: %s", errno_str(errno));
	r = ioctl(vcpu->fd, KVM_INTERRUPT, &irq);
	TEST_EXPECT_ERRNO(r, errno, EEXIST, "second KVM_INTERRUPT");
	expect_sync(vcpu, 2, 1, "the 8259's vector taken");
	expect_sync(vcpu, 3, 0, "LINT0 masked");
	TEST_EXPECT(!vcpu->run->ready_for_interrupt_injection,
		    "ready_for_interrupt_injection %u with LINT0 masked",
		    vcpu->run->ready_for_interrupt_injection);
	vcpu_run_to_done(vcpu);
	vm_free(vm);
}

/* ---- No irqchip: the interrupt window ---- */

static void guest_irq_window(void)
{
	asm volatile("cli");
	GUEST_SYNC(1, 0);
	/* The window opens after STI's shadow, i.e. after the NOP. */
	asm volatile("sti; nop");
	while (!load(&guest_irq_count))
		asm volatile("pause");
	GUEST_SYNC(2, load(&guest_irq_count));
	GUEST_DONE();
}

static void irq_window_no_irqchip(int dev)
{
	struct kvm_vm *vm = vm_create_long_mode(dev);
	struct kvm_interrupt irq = { .irq = PIC_VECTOR };
	struct kvm_vcpu *vcpu;
	struct kvm_regs regs;

	vm_set_idt_gate(vm, PIC_VECTOR, ASM_SYMBOL_ADDR(guest_plain_stub));
	vcpu = vm_vcpu_add(vm, 0, guest_irq_window);
	vcpu_idt_all_vectors(vcpu);
	expect_sync(vcpu, 1, 0, "IF clear");
	TEST_EXPECT(!vcpu->run->ready_for_interrupt_injection &&
		    !vcpu->run->if_flag,
		    "with IF clear: ready_for_interrupt_injection %u if_flag %u",
		    vcpu->run->ready_for_interrupt_injection,
		    vcpu->run->if_flag);
	vcpu->run->request_interrupt_window = 1;
	vcpu_run(vcpu);
	vcpu_expect_exit(vcpu, KVM_EXIT_IRQ_WINDOW_OPEN);
	vcpu_get_regs(vcpu, &regs);
	TEST_EXPECT(vcpu->run->ready_for_interrupt_injection &&
		    vcpu->run->if_flag && (regs.rflags & 0x200),
		    "window open: ready %u if_flag %u rflags %#llx",
		    vcpu->run->ready_for_interrupt_injection,
		    vcpu->run->if_flag, regs.rflags);
	vcpu->run->request_interrupt_window = 0;
	TEST_ASSERT(!ioctl(vcpu->fd, KVM_INTERRUPT, &irq),
		    "KVM_INTERRUPT: %s", errno_str(errno));
	expect_sync(vcpu, 2, 1, "KVM_INTERRUPT's vector taken");
	vcpu_run_to_done(vcpu);
	vm_free(vm);
}

/* ---- The STI shadow ends with an emulated instruction ---- */

/*
 * A vector pending with IF clear; then STI and, in its shadow, an MMIO
 * write the hypervisor emulates and steps over.  The shadow covered that
 * write only (SDM: blocking by STI ends after the next instruction), so
 * the vector comes in right after it, before the NOP.
 */
static void guest_sti_mmio(void)
{
	guest_x2apic_enable();
	asm volatile("cli");
	guest_wrmsr(X2APIC_SELF_IPI, SHADOW_VECTOR);
	asm volatile("sti\n\t"
		     "movl %%eax, (%0)\n"
		     ".globl guest_after_mmio\n"
		     "guest_after_mmio:\n\t"
		     "nop\n"
		     ".globl guest_after_nop\n"
		     "guest_after_nop:\n\t"
		     "nop"
		     : : "r" (SHADOW_MMIO_GPA), "a" (0) : "memory");
	GUEST_SYNC(1, load(&guest_shadow_rip));
	GUEST_DONE();
}

static void sti_shadow_mmio(int dev)
{
	struct kvm_vm *vm = vm_create_long_mode(dev);
	u64 after_mmio = ASM_SYMBOL_ADDR(guest_after_mmio);
	u64 after_nop = ASM_SYMBOL_ADDR(guest_after_nop);
	struct kvm_vcpu *vcpu;
	struct ucall uc;

	vm_enable_split_irqchip(vm);
	vm_set_idt_gate(vm, SHADOW_VECTOR, ASM_SYMBOL_ADDR(guest_shadow_stub));
	vcpu = irq_vcpu_add(vm, 0, guest_sti_mmio);
	vcpu_run(vcpu);
	vcpu_expect_exit(vcpu, KVM_EXIT_MMIO);
	TEST_EXPECT(vcpu->run->mmio.is_write &&
		    vcpu->run->mmio.phys_addr == SHADOW_MMIO_GPA,
		    "MMIO exit: %s %#llx", vcpu->run->mmio.is_write ?
		    "write" : "read", vcpu->run->mmio.phys_addr);
	vcpu_expect_ucall(vcpu, &uc, UCALL_SYNC);
	TEST_EXPECT(uc.args[1] == after_mmio,
		    "vector taken at %#llx: after the MMIO write is %#llx, after the NOP %#llx",
		    uc.args[1], after_mmio, after_nop);
	vcpu_run_to_done(vcpu);
	vm_free(vm);
}

static const struct scenario scenarios[] = {
	{ "NMIs: KVM_NMI, NMI blocking until IRET, NMI MSI ends HLT with IF=0",
	  nmis, NEED_GUEST, { KVM_CAP_SPLIT_IRQCHIP, KVM_CAP_USER_NMI, 0 } },
	{ "lowest-priority MSIs: each taken by exactly one vCPU",
	  lowest_priority, NEED_GUEST, { KVM_CAP_SPLIT_IRQCHIP, 0 } },
	{ "KVM_INTERRUPT through LINT0 in ExtINT mode (split irqchip)",
	  extint_split_irqchip, NEED_GUEST, { KVM_CAP_SPLIT_IRQCHIP, 0 } },
	{ "no irqchip: request_interrupt_window, IRQ_WINDOW_OPEN, KVM_INTERRUPT",
	  irq_window_no_irqchip, NEED_GUEST, { 0 } },
	{ "an STI shadow ends with an emulated MMIO write in it",
	  sti_shadow_mmio, NEED_GUEST, { KVM_CAP_SPLIT_IRQCHIP, 0 } },
};

int main(int argc, char **argv)
{
	run_scenarios(argc, argv, scenarios, ARRAY_SIZE(scenarios));
}
