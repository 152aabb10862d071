// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel LAPIC (KVM_CAP_SPLIT_IRQCHIP) seen from a guest in x2APIC
 * mode: a self-IPI is taken at once; a one-shot timer interrupt wakes the
 * vCPU from HLT; a self-IPI below TPR stays pending until TPR drops; an
 * MSI sent by another host thread wakes a halted vCPU; two vCPUs wake
 * each other with IPIs, halting in between; INIT and SIPI start an AP in
 * real mode; xAPIC MMIO and KVM_GET/SET_LAPIC see the same registers.
 * Same results on /dev/kvmlite and /dev/kvm.
 */
#define _GNU_SOURCE
#include <linux/kvm.h>
#include <pthread.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "apic.h"
#include "kvm_util.h"
#include "kvmlite_util.h"

#define IPI_VECTOR	0x40
#define TIMER_VECTOR	0x41

/* Bumped by the guest's interrupt handler (guest_irq_stub below). */
u64 guest_irq_count;
/* Per vCPU (by x2APIC ID), bumped by guest_ipi_stub. */
u64 guest_ipi_count[2];
/* vCPUs whose LAPIC is on: a disabled LAPIC drops fixed IPIs. */
u64 guest_ready;

/*
 * guest_irq_stub counts the interrupt and EOIs it through the x2APIC EOI
 * MSR (0x80b); guest_ipi_stub counts per vCPU (lib/apic.h).
 */
asm(GUEST_X2APIC_COUNT_STUB_MACRO
	".text\n"
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
	"	iretq\n"
	"GUEST_X2APIC_COUNT_STUB guest_ipi_stub, guest_ipi_count\n");

/* The handler changes it behind the compiler's back. */
static u64 irq_count(void)
{
	return __atomic_load_n(&guest_irq_count, __ATOMIC_SEQ_CST);
}

/*
 * Halt until n interrupts were taken.  The check runs with interrupts
 * off and STI;HLT reopens them in HLT's shadow, so an interrupt that
 * arrives after the check still ends the HLT.
 */
static void wait_until(u64 *counter, u64 n)
{
	for (;;) {
		asm volatile("cli");
		if (__atomic_load_n(counter, __ATOMIC_SEQ_CST) >= n)
			break;
		asm volatile("sti; hlt");
	}
	asm volatile("sti");
}

static void wait_for_irqs(u64 n)
{
	wait_until(&guest_irq_count, n);
}

static void guest_x2apic_on(void)
{
	guest_x2apic_enable();
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

static void enable_split_irqchip(struct kvm_vm *vm)
{
	vm_enable_split_irqchip(vm);
	vm_set_idt_gate(vm, IPI_VECTOR, ASM_SYMBOL_ADDR(guest_irq_stub));
	vm_set_idt_gate(vm, TIMER_VECTOR, ASM_SYMBOL_ADDR(guest_irq_stub));
}

/* A vCPU whose IDT reaches the interrupt vectors. */
static struct kvm_vcpu *lapic_vcpu_add(struct kvm_vm *vm, unsigned int id,
				       void *guest_fn)
{
	struct kvm_vcpu *vcpu = vm_vcpu_add(vm, id, guest_fn);

	vcpu_idt_all_vectors(vcpu);
	return vcpu;
}

/* A VM with an in-kernel LAPIC and one vCPU. */
static struct kvm_vcpu *lapic_vcpu(struct kvm_vm *vm, void *guest_fn)
{
	enable_split_irqchip(vm);
	return lapic_vcpu_add(vm, 0, guest_fn);
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

#define PING_PONG_ROUNDS	200
#define PING_VECTOR		0x42

/*
 * Two vCPUs take turns: send an IPI to the other (x2APIC ICR, physical
 * destination in the high half), then halt until the other's reaches
 * this one.  Every IPI must wake its target, or both sleep forever.
 */
static void guest_ping_pong(u64 me)
{
	u64 other = 1 - me, round;

	guest_x2apic_on();
	__atomic_add_fetch(&guest_ready, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&guest_ready, __ATOMIC_SEQ_CST) < 2)
		asm volatile("pause");
	for (round = 1; round <= PING_PONG_ROUNDS; round++) {
		if (me == 0)
			guest_wrmsr(0x830, other << 32 | PING_VECTOR);
		wait_until(&guest_ipi_count[me], round);
		if (me == 1)
			guest_wrmsr(0x830, other << 32 | PING_VECTOR);
	}
	GUEST_SYNC(me, __atomic_load_n(&guest_ipi_count[me], __ATOMIC_SEQ_CST));
	GUEST_DONE();
}

static void *run_ping_pong(void *arg)
{
	struct kvm_vcpu *vcpu = arg;
	struct ucall uc;

	vcpu_expect_ucall(vcpu, &uc, UCALL_SYNC);
	TEST_EXPECT(uc.args[1] == PING_PONG_ROUNDS,
		    "vCPU %llu received %llu IPIs, expected %d", uc.args[0],
		    uc.args[1], PING_PONG_ROUNDS);
	vcpu_run_to_done(vcpu);
	return NULL;
}

/* halt_poll_ns: kvmlite's setting for the run, NULL for the default. */
static void ping_pong(int dev, const char *halt_poll_ns)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpus[2];
	pthread_t threads[2];
	long hits = 0, misses = 0;
	int i;

	if (halt_poll_ns)
		kvmlite_param_or_skip(dev, "halt_poll_ns", halt_poll_ns);
	vm = vm_create_long_mode(dev);

	enable_split_irqchip(vm);
	vm_set_idt_gate(vm, PING_VECTOR, ASM_SYMBOL_ADDR(guest_ipi_stub));
	for (i = 0; i < 2; i++) {
		vcpus[i] = lapic_vcpu_add(vm, i, guest_ping_pong);
		vcpu_args_set(vcpus[i], 1, (u64)i);
		/* With an in-kernel LAPIC, KVM holds APs for INIT/SIPI. */
		vcpu_make_runnable(vcpus[i]);
	}
	for (i = 0; i < 2; i++)
		TEST_ASSERT(!pthread_create(&threads[i], NULL, run_ping_pong,
					    vcpus[i]), "pthread_create");
	for (i = 0; i < 2; i++)
		pthread_join(threads[i], NULL);
	for (i = 0; i < 2; i++) {
		hits += kvmlite_vcpu_stat(i, "halt_poll_hits");
		misses += kvmlite_vcpu_stat(i, "halt_poll_misses");
	}
	vm_free(vm);
	if (!dev_is_kvmlite(dev))
		return;
	if (halt_poll_ns)
		kvmlite_set_param("halt_poll_ns", "200000");	/* the default */
	tap_diag("halt polls: %ld ended the halt, %ld gave up and slept",
		 hits, misses);
	/*
	 * Halts between IPIs are shorter than a millisecond: the poll grows
	 * from 0 after the first of them that sleeps, and polls the later
	 * ones.  (With the default maximum, in Bochs, they are about as long
	 * as the poll: it may shrink to 0 again, so that run only reports.)
	 */
	if (halt_poll_ns && !strcmp(halt_poll_ns, "0"))
		TEST_EXPECT(!hits && !misses,
			    "halt_poll_ns=0: %ld polls ended a halt, %ld gave up",
			    hits, misses);
	else if (halt_poll_ns)
		TEST_EXPECT(hits + misses > 0,
			    "halt_poll_ns=%s: no halt polled in 400 short halts",
			    halt_poll_ns);
}

static void ipi_ping_pong(int dev)
{
	ping_pong(dev, NULL);
}

static void ipi_ping_pong_long_poll(int dev)
{
	ping_pong(dev, "1000000");
}

static void ipi_ping_pong_no_poll(int dev)
{
	ping_pong(dev, "0");
}

#define AP_VECTOR	0x09		/* the AP starts at 0x9000 */
#define AP_PORT		0x77

/* The BSP starts vCPU 1 with INIT then SIPI (x2APIC ICR). */
static void guest_start_ap(void)
{
	guest_x2apic_on();
	/* INIT, level assert, physical destination 1 */
	guest_wrmsr(0x830, 1ull << 32 | 5 << 8 | 1 << 14);
	/* Start-up IPI with the trampoline's page number */
	guest_wrmsr(0x830, 1ull << 32 | 6 << 8 | AP_VECTOR);
	GUEST_SYNC(1, 0);
	GUEST_DONE();
}

static void *run_ap(void *arg)
{
	struct kvm_vcpu *ap = arg;
	struct kvm_sregs sregs;
	int r, tries = 0;
	u8 *data;

	/* KVM returns EAGAIN when an AP waiting for SIPI is woken: retry. */
	do
		r = _vcpu_run(ap);
	while (r == -EAGAIN && ++tries < 100);
	data = (u8 *)ap->run + ap->run->io.data_offset;

	TEST_EXPECT(r == 0 && ap->run->exit_reason == KVM_EXIT_IO &&
		    ap->run->io.port == AP_PORT && *data == 0x5a,
		    "AP: KVM_RUN %d, exit %s port %#x data %#x", r,
		    exit_reason_str(ap->run->exit_reason), ap->run->io.port,
		    *data);
	vcpu_get_sregs(ap, &sregs);
	TEST_EXPECT(sregs.cs.selector == AP_VECTOR << 8 &&
		    sregs.cs.base == AP_VECTOR << 12 && !(sregs.cr0 & 1),
		    "AP in real mode at %#x (base %#llx), cr0 %#llx",
		    sregs.cs.selector, sregs.cs.base, sregs.cr0);
	return NULL;
}

static void init_sipi(int dev)
{
	/* mov al, 0x5a; out 0x77, al; hlt; jmp $-1 */
	static const u8 trampoline[] = { 0xb0, 0x5a, 0xe6, AP_PORT, 0xf4,
					 0xeb, 0xfd };
	struct kvm_vm *vm = vm_create_long_mode(dev);
	struct kvm_mp_state mp;
	struct kvm_vcpu *bsp, *ap;
	struct ucall uc;
	pthread_t thread;

	enable_split_irqchip(vm);
	bsp = lapic_vcpu_add(vm, 0, guest_start_ap);
	ap = vm_vcpu_add_raw(vm, 1);
	vm_load_bytes(vm, AP_VECTOR << 12, trampoline, sizeof(trampoline));
	TEST_ASSERT(!ioctl(ap->fd, KVM_GET_MP_STATE, &mp), "KVM_GET_MP_STATE");
	TEST_EXPECT(mp.mp_state == KVM_MP_STATE_UNINITIALIZED,
		    "AP mp_state %u before INIT, expected UNINITIALIZED",
		    mp.mp_state);
	TEST_ASSERT(!pthread_create(&thread, NULL, run_ap, ap),
		    "pthread_create");
	vcpu_expect_ucall(bsp, &uc, UCALL_SYNC);
	vcpu_run_to_done(bsp);
	pthread_join(thread, NULL);
	vm_free(vm);
}

#define XAPIC_BASE	0xfee00000ULL

/* xAPIC mode (the reset state): registers through the APIC page. */
static void guest_xapic_mmio(void)
{
	GUEST_SYNC(1, guest_read32(XAPIC_BASE + 0x30));	/* version */
	guest_write32(XAPIC_BASE + 0x80, 0x20);		/* TPR */
	GUEST_SYNC(2, 0);
	GUEST_SYNC(3, guest_read32(XAPIC_BASE + 0x80));
	GUEST_DONE();
}

static void xapic_mmio_and_state(int dev)
{
	struct kvm_vm *vm = vm_create_long_mode(dev);
	struct kvm_vcpu *vcpu = lapic_vcpu(vm, guest_xapic_mmio);
	struct kvm_lapic_state state;
	u32 *tpr = (u32 *)&state.regs[0x80];
	struct ucall uc;

	vcpu_expect_ucall(vcpu, &uc, UCALL_SYNC);
	TEST_EXPECT((uc.args[1] & 0xff) == 0x14 &&
		    ((uc.args[1] >> 16) & 0xff) >= 5,
		    "version register %#llx: expected 0x14 and >= 5 LVTs",
		    uc.args[1]);
	vcpu_expect_ucall(vcpu, &uc, UCALL_SYNC);
	TEST_ASSERT(!ioctl(vcpu->fd, KVM_GET_LAPIC, &state),
		    "KVM_GET_LAPIC: %s", errno_str(errno));
	TEST_EXPECT(*tpr == 0x20, "TPR written over MMIO reads %#x in KVM_GET_LAPIC",
		    *tpr);
	*tpr = 0x30;
	TEST_ASSERT(!ioctl(vcpu->fd, KVM_SET_LAPIC, &state),
		    "KVM_SET_LAPIC: %s", errno_str(errno));
	vcpu_expect_ucall(vcpu, &uc, UCALL_SYNC);
	TEST_EXPECT(uc.args[1] == 0x30, "guest reads TPR %#llx after KVM_SET_LAPIC",
		    uc.args[1]);
	vcpu_run_to_done(vcpu);
	vm_free(vm);
}

static const struct scenario scenarios[] = {
	{ "x2APIC self-IPI, one-shot timer waking HLT, TPR masking",
	  self_ipi_timer_tpr, NEED_GUEST, { KVM_CAP_SPLIT_IRQCHIP, 0 } },
	{ "KVM_SIGNAL_MSI from another thread wakes a halted vCPU",
	  msi_wakes_halted, NEED_GUEST, { KVM_CAP_SPLIT_IRQCHIP, 0 } },
	{ "two vCPUs ping-pong 200 IPIs, halting between them",
	  ipi_ping_pong, NEED_GUEST, { KVM_CAP_SPLIT_IRQCHIP, 0 } },
	{ "the same ping-pong, halt_poll_ns=1000000: the halts poll",
	  ipi_ping_pong_long_poll, NEED_GUEST, { KVM_CAP_SPLIT_IRQCHIP, 0 } },
	{ "the same ping-pong, halt_poll_ns=0: every halt sleeps",
	  ipi_ping_pong_no_poll, NEED_GUEST, { KVM_CAP_SPLIT_IRQCHIP, 0 } },
	{ "INIT and SIPI start an application processor in real mode",
	  init_sipi, NEED_GUEST, { KVM_CAP_SPLIT_IRQCHIP, 0 } },
	{ "xAPIC MMIO and KVM_GET/SET_LAPIC see the same registers",
	  xapic_mmio_and_state, NEED_GUEST, { KVM_CAP_SPLIT_IRQCHIP, 0 } },
};

int main(int argc, char **argv)
{
	run_scenarios(argc, argv, scenarios, ARRAY_SIZE(scenarios));
}
