// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupt stress: two vCPUs halt and wake at a high rate on three
 * sources at once, and every interrupt is counted at both ends.
 *   - timer: a one-shot LAPIC timer re-armed by its own handler, a fixed
 *     number of times per vCPU;
 *   - IPIs: each timer interrupt sends an IPI to the other vCPU, when the
 *     previous one was taken (so none is merged with a pending one);
 *   - MSIs: a host thread per vCPU sends KVM_SIGNAL_MSI each time the
 *     guest has taken the previous one.
 * Then: every vCPU took exactly its timer interrupts, exactly as many
 * IPIs as the other sent and exactly the MSIs the host sent: none lost
 * (a lost wake-up hangs a vCPU and the test times out), none twice.
 */
#define _GNU_SOURCE
#include <linux/kvm.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "apic.h"
#include "kvm_util.h"
#include "kvmlite_util.h"

#define TIMERS		1000	/* per vCPU */
#define MSIS		1000	/* per vCPU */
#define TIMER_NS	200000
#define TIMER_VECTOR	0x41
#define IPI_VECTOR	0x51
#define MSI_VECTOR	0x61
#define SPURIOUS_VECTOR	0xff	/* SVR's: nothing sends it */

/* Per vCPU, indexed by x2APIC ID. */
u64 guest_timers[2], guest_ipi_sent[2], guest_ipi_taken[2];
u64 guest_msi_taken[2], guest_done[2], guest_ff_taken[2];

/*
 * Interrupt stubs that call the C handlers below (lib/apic.h), and one
 * that counts 0xff: an emulator bug once made it up (pi_delivery_test).
 */
asm(GUEST_C_STUB_MACRO GUEST_X2APIC_COUNT_STUB_MACRO
	".text\n"
	"GUEST_C_STUB stress_timer_stub, stress_timer\n"
	"GUEST_C_STUB stress_ipi_stub, stress_ipi\n"
	"GUEST_C_STUB stress_msi_stub, stress_msi\n"
	"GUEST_X2APIC_COUNT_STUB stress_ff_stub, guest_ff_taken\n");

static u64 load(u64 *p)
{
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

static void bump(u64 *p)
{
	__atomic_add_fetch(p, 1, __ATOMIC_SEQ_CST);
}

static u64 me(void)
{
	return guest_rdmsr(X2APIC_ID);
}

__used void stress_timer(void)
{
	u64 i = me(), other = 1 - i;

	bump(&guest_timers[i]);
	if (load(&guest_timers[i]) < TIMERS)
		guest_wrmsr(X2APIC_TMICT, TIMER_NS);
	/* The previous IPI was taken: this one cannot merge with it. */
	if (load(&guest_ipi_taken[other]) == load(&guest_ipi_sent[i])) {
		bump(&guest_ipi_sent[i]);
		guest_wrmsr(X2APIC_ICR, other << 32 | IPI_VECTOR);
	}
	guest_x2apic_eoi();
}

__used void stress_ipi(void)
{
	bump(&guest_ipi_taken[me()]);
	guest_x2apic_eoi();
}

__used void stress_msi(void)
{
	bump(&guest_msi_taken[me()]);
	guest_x2apic_eoi();
}

static void guest_stress(u64 i)
{
	u64 other = 1 - i;

	guest_x2apic_enable();
	guest_wrmsr(X2APIC_TDCR, 0xb);
	guest_wrmsr(X2APIC_LVTT, TIMER_VECTOR);
	GUEST_SYNC(0, i);
	guest_wrmsr(X2APIC_TMICT, TIMER_NS);
	/* Halt until this vCPU's timers and MSIs are all in. */
	for (;;) {
		asm volatile("cli");
		if (load(&guest_timers[i]) >= TIMERS &&
		    load(&guest_msi_taken[i]) >= MSIS)
			break;
		asm volatile("sti; hlt");
	}
	asm volatile("sti");
	/* The other's IPIs stop with its timers: wait for the last one. */
	__atomic_store_n(&guest_done[i], 1, __ATOMIC_SEQ_CST);
	while (!load(&guest_done[other]) ||
	       load(&guest_ipi_taken[i]) < load(&guest_ipi_sent[other]))
		asm volatile("pause");
	GUEST_SYNC(1, load(&guest_timers[i]));
	GUEST_SYNC(2, load(&guest_ipi_sent[i]));
	GUEST_SYNC(3, load(&guest_ipi_taken[i]));
	GUEST_SYNC(4, load(&guest_msi_taken[i]));
	GUEST_DONE();
}

struct stress_vcpu {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	unsigned int id;
	u64 counts[5];		/* by stage: timers, IPIs sent/taken, MSIs */
	long msis_sent;
};

static void *run_vcpu(void *arg)
{
	struct stress_vcpu *sv = arg;
	int stage;

	for (stage = 1; stage <= 4; stage++)
		sv->counts[stage] = vcpu_expect_sync(sv->vcpu, stage);
	vcpu_run_to_done(sv->vcpu);
	return NULL;
}

/* Send the next MSI whenever the guest has taken the previous one. */
static void *send_msis(void *arg)
{
	struct stress_vcpu *sv = arg;
	u64 *taken = gpa2hva(sv->vm, (unsigned long)&guest_msi_taken[sv->id]);

	/* Give up after 20 s of waiting: the vCPU is stuck. */
	sv->msis_sent = vm_send_gated_msis(sv->vm, sv->id, MSI_VECTOR, taken,
					   MSIS, 20, NULL);
	return NULL;
}

/* Returns the host interrupts kvmlite's exits dispatched (0 on KVM). */
static long stress_run(int dev, bool hw_posting)
{
	long host_irqs = 0;
	struct kvm_vm *vm = vm_create_long_mode(dev);
	struct stress_vcpu sv[2];
	pthread_t vcpu_threads[2], msi_threads[2];
	unsigned int i;

	vm_enable_split_irqchip(vm);
	vm_set_idt_gate(vm, TIMER_VECTOR, ASM_SYMBOL_ADDR(stress_timer_stub));
	vm_set_idt_gate(vm, IPI_VECTOR, ASM_SYMBOL_ADDR(stress_ipi_stub));
	vm_set_idt_gate(vm, MSI_VECTOR, ASM_SYMBOL_ADDR(stress_msi_stub));
	vm_set_idt_gate(vm, SPURIOUS_VECTOR, ASM_SYMBOL_ADDR(stress_ff_stub));
	for (i = 0; i < 2; i++) {
		struct ucall uc;

		memset(&sv[i], 0, sizeof(sv[i]));
		sv[i].vm = vm;
		sv[i].id = i;
		sv[i].vcpu = vm_vcpu_add(vm, i, guest_stress);
		vcpu_args_set(sv[i].vcpu, 1, (u64)i);
		vcpu_idt_all_vectors(sv[i].vcpu);
		/* With an in-kernel LAPIC, KVM holds APs for INIT/SIPI. */
		vcpu_make_runnable(sv[i].vcpu);
		/* Both LAPICs on before anything is sent. */
		vcpu_expect_ucall(sv[i].vcpu, &uc, UCALL_SYNC);
	}
	for (i = 0; i < 2; i++) {
		TEST_ASSERT(!pthread_create(&vcpu_threads[i], NULL, run_vcpu,
					    &sv[i]), "pthread_create");
		TEST_ASSERT(!pthread_create(&msi_threads[i], NULL, send_msis,
					    &sv[i]), "pthread_create");
	}
	for (i = 0; i < 2; i++) {
		pthread_join(msi_threads[i], NULL);
		pthread_join(vcpu_threads[i], NULL);
	}
	for (i = 0; i < 2; i++) {
		u64 *c = sv[i].counts, other_sent = sv[1 - i].counts[2];

		TEST_EXPECT(c[1] == TIMERS, "vCPU %u took %llu timer interrupts of %d",
			    i, c[1], TIMERS);
		TEST_EXPECT(c[3] == other_sent && other_sent > 0,
			    "vCPU %u took %llu IPIs, vCPU %u sent %llu", i, c[3],
			    1 - i, other_sent);
		TEST_EXPECT(c[4] == (u64)sv[i].msis_sent && c[4] == MSIS,
			    "vCPU %u took %llu MSIs, the host sent %ld", i, c[4],
			    sv[i].msis_sent);
		tap_diag("vCPU %u: %llu timer, %llu IPIs taken, %llu MSIs taken",
			 i, c[1], c[3], c[4]);
		if (dev_is_kvmlite(dev))
			tap_diag("vCPU %u: sleeps %ld notified %ld suppressed %ld spurious %ld",
				 i, kvmlite_vcpu_stat(i, "halt_sleeps"),
				 kvmlite_vcpu_stat(i, "pi_notifications"),
				 kvmlite_vcpu_stat(i, "pi_notifications_suppressed"),
				 kvmlite_vcpu_stat(i, "halt_spurious_wakeups"));
		if (dev_is_kvmlite(dev)) {
			host_irqs += kvmlite_vcpu_stat(i, "host_irqs_dispatched");
			kvmlite_expect_posting_path(i, hw_posting);
		}
	}
	sync_global_from_guest(vm, guest_ff_taken);
	for (i = 0; i < 2; i++)
		TEST_EXPECT(!guest_ff_taken[i],
			    "vCPU %u took vector 0xff %llu times; nothing sent it",
			    i, guest_ff_taken[i]);
	vm_free(vm);
	return host_irqs;
}

static void stress(int dev)
{
	stress_run(dev, dev_is_kvmlite(dev) && kvmlite_hw_posting());
}

/* kvmlite without posted interrupts: IRR directly, kicks every time. */
static void stress_no_posting(int dev)
{
	kvmlite_param_or_skip(dev, "posted_interrupts", "0");
	stress_run(dev, false);
	kvmlite_set_param("posted_interrupts", "1");
}

/* Host interrupts acknowledged by the exits, run by kvmlite's dispatch. */
static void stress_ack_intr(int dev)
{
	long host_irqs;

	kvmlite_ack_intr_on(dev);
	host_irqs = stress_run(dev, kvmlite_hw_posting());
	kvmlite_set_param("ack_intr_on_exit", "0");
	TEST_EXPECT(host_irqs > 0, "host_irqs_dispatched %ld", host_irqs);
}

static const struct scenario scenarios[] = {
	{ "2 vCPUs halting on timers, IPIs and MSIs: none lost, none twice",
	  stress, NEED_GUEST, { KVM_CAP_SPLIT_IRQCHIP, 0 } },
	{ "the same with posted_interrupts=0",
	  stress_no_posting, NEED_GUEST, { KVM_CAP_SPLIT_IRQCHIP, 0 } },
	{ "the same with ack_intr_on_exit=1: host interrupts dispatched by kvmlite",
	  stress_ack_intr, NEED_GUEST, { KVM_CAP_SPLIT_IRQCHIP, 0 } },
};

int main(int argc, char **argv)
{
	run_scenarios(argc, argv, scenarios, ARRAY_SIZE(scenarios));
}
