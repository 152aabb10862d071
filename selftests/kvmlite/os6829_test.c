// SPDX-License-Identifier: GPL-2.0
/*
 * OS-6829 in a real guest: bhyve lost the wake-up of a vCPU halted at PPR
 * 0x70 with low-priority vectors pending, when the APIC timer then fired
 * a vector above PPR.  Here the guest takes a class-7 interrupt (0x70)
 * and, inside its handler, arms the one-shot timer at 0xd3 and halts with
 * STI;HLT, while a host thread keeps sending class-6 MSIs (0x60-0x6f)
 * that must stay pending.  Every round the 0xd3 interrupt must end the
 * HLT; a lost wake-up hangs the round and the test times out.  The guest
 * also counts the rounds in which class-6 vectors were already pending in
 * IRR when it halted: the OS-6829 shape, which must have happened.
 */
#define _GNU_SOURCE
#include <linux/kvm.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "apic.h"
#include "kvm_util.h"
#include "kvmlite_util.h"

#define ROUNDS		2000
#define CLASS7_VECTOR	0x70
#define TIMER_VECTOR	0xd3
#define LOW_VECTOR	0x60	/* 0x60..0x6f: below PPR 0x70 */
#define TIMER_NS	1000000	/* 1 ms: fires after the vCPU sleeps */

u64 guest_timer_count, guest_low_count, guest_low_pending_rounds;
u64 guest_round, guest_max_latency, guest_armed_tsc;
/* The round of the longest latency, and timer interrupts before any arming. */
u64 guest_max_latency_round, guest_unarmed_timers;

/* Interrupt stubs that call the C handlers below (lib/apic.h). */
asm(GUEST_C_STUB_MACRO
	".text\n"
	"GUEST_C_STUB guest_class7_stub, guest_class7\n"
	"GUEST_C_STUB guest_timer_stub, guest_timer\n"
	"GUEST_C_STUB guest_low_stub, guest_low\n");

static u64 rdtsc(void)
{
	u32 lo, hi;

	asm volatile("rdtsc" : "=a" (lo), "=d" (hi));
	return lo | (u64)hi << 32;
}

static u64 load(u64 *p)
{
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

__used void guest_timer(void)
{
	u64 latency = rdtsc() - guest_armed_tsc;

	if (!guest_armed_tsc)
		guest_unarmed_timers++;
	if (latency > guest_max_latency) {
		guest_max_latency = latency;
		guest_max_latency_round = load(&guest_round);
	}
	__atomic_add_fetch(&guest_timer_count, 1, __ATOMIC_SEQ_CST);
	guest_x2apic_eoi();
}

__used void guest_low(void)
{
	__atomic_add_fetch(&guest_low_count, 1, __ATOMIC_SEQ_CST);
	guest_x2apic_eoi();
}

/* PPR is 0x70 in here: only the timer's 0xd3 can end the HLT. */
__used void guest_class7(void)
{
	u64 want = load(&guest_round);

	guest_armed_tsc = rdtsc();
	guest_wrmsr(X2APIC_TMICT, TIMER_NS);
	while (load(&guest_timer_count) < want)
		asm volatile("sti; hlt; cli");
	/*
	 * IRR word 3 holds 0x60..0x7f: class-6 vectors that came while this
	 * vCPU halted at PPR 0x70 wait there still (the OS-6829 shape).
	 */
	if (guest_rdmsr(X2APIC_IRR + 3) & 0xffff)
		guest_low_pending_rounds++;
	guest_x2apic_eoi();
}

static void guest_os6829(u64 rounds)
{
	u64 round;

	guest_x2apic_enable();
	guest_wrmsr(X2APIC_TDCR, 0xb);			/* divide by 1 */
	guest_wrmsr(X2APIC_LVTT, TIMER_VECTOR);		/* one-shot */
	asm volatile("sti");
	GUEST_SYNC(0, 0);
	for (round = 1; round <= rounds; round++) {
		__atomic_store_n(&guest_round, round, __ATOMIC_SEQ_CST);
		guest_wrmsr(X2APIC_SELF_IPI, CLASS7_VECTOR);
		/* Taken at once; its handler returns after the timer's. */
		while (load(&guest_timer_count) < round)
			asm volatile("pause");
	}
	GUEST_SYNC(1, load(&guest_timer_count));
	GUEST_SYNC(2, guest_low_pending_rounds);
	GUEST_SYNC(3, guest_max_latency);
	GUEST_SYNC(4, load(&guest_low_count));
	GUEST_DONE();
}

static int msi_vm_fd;
static int msi_stop;
static long msi_sent;

static void *send_low_msis(void *unused)
{
	unsigned int i = 0;

	(void)unused;
	while (!__atomic_load_n(&msi_stop, __ATOMIC_SEQ_CST)) {
		struct kvm_msi msi = {
			.address_lo = 0xfee00000,
			.data = LOW_VECTOR + (i++ & 0xf),
		};

		if (ioctl(msi_vm_fd, KVM_SIGNAL_MSI, &msi) > 0)
			msi_sent++;
		usleep(200);
	}
	return NULL;
}

/* A VM whose vCPU 0 runs guest_os6829(rounds), stopped at stage 0. */
static struct kvm_vcpu *os6829_vcpu(struct kvm_vm *vm, u64 rounds)
{
	struct kvm_vcpu *vcpu;
	int v;

	vm_enable_split_irqchip(vm);
	vm_set_idt_gate(vm, CLASS7_VECTOR, ASM_SYMBOL_ADDR(guest_class7_stub));
	vm_set_idt_gate(vm, TIMER_VECTOR, ASM_SYMBOL_ADDR(guest_timer_stub));
	for (v = 0; v < 16; v++)
		vm_set_idt_gate(vm, LOW_VECTOR + v, ASM_SYMBOL_ADDR(guest_low_stub));
	vcpu = vm_vcpu_add(vm, 0, guest_os6829);
	vcpu_args_set(vcpu, 1, rounds);
	vcpu_idt_all_vectors(vcpu);
	vcpu_expect_sync(vcpu, 0);
	return vcpu;
}

/* Run the rounds with the MSI thread going; returns the timer count. */
static u64 run_rounds(struct kvm_vm *vm, struct kvm_vcpu *vcpu)
{
	pthread_t thread;
	u64 timers;

	msi_vm_fd = vm->fd;
	__atomic_store_n(&msi_stop, 0, __ATOMIC_SEQ_CST);
	TEST_ASSERT(!pthread_create(&thread, NULL, send_low_msis, NULL),
		    "pthread_create");
	timers = vcpu_expect_sync(vcpu, 1);
	__atomic_store_n(&msi_stop, 1, __ATOMIC_SEQ_CST);
	pthread_join(thread, NULL);
	return timers;
}

static const char *const counters[] = {
	"halt_sleeps", "halt_wakeups", "halt_spurious_wakeups",
	"pi_posted", "pi_notifications", "pi_notifications_suppressed",
	"irq_exits", "host_irqs_dispatched", "pi_notification_ipis",
	"pi_drained_in_software", "pi_notification_exits",
};

enum {
	C_SLEEPS, C_WAKEUPS, C_SPURIOUS, C_POSTED, C_NOTIFIED, C_SUPPRESSED,
	C_IRQ_EXITS, C_HOST_IRQS, C_PI_IPIS, C_SW_DRAINS, C_NV_EXITS,
};

/* The rounds, checked; on kvmlite, the counters into stat[] too. */
static void os6829_rounds(int dev, long *stat)
{
	struct kvm_vm *vm = vm_create_long_mode(dev);
	struct kvm_vcpu *vcpu = os6829_vcpu(vm, ROUNDS);
	u64 timers, low_rounds, latency, lows;
	u64 khz = vcpu_tsc_khz(vcpu);
	size_t i;

	timers = run_rounds(vm, vcpu);
	low_rounds = vcpu_expect_sync(vcpu, 2);
	latency = vcpu_expect_sync(vcpu, 3);
	lows = vcpu_expect_sync(vcpu, 4);
	vcpu_run_to_done(vcpu);
	sync_global_from_guest(vm, guest_max_latency_round);
	sync_global_from_guest(vm, guest_unarmed_timers);

	TEST_EXPECT(timers == ROUNDS, "%llu timer interrupts in %d rounds",
		    timers, ROUNDS);
	TEST_EXPECT(low_rounds > 0,
		    "no round woke with class-6 vectors pending (%ld MSIs sent)",
		    msi_sent);
	TEST_EXPECT(lows > 0, "no class-6 interrupt was ever taken");
	/* The bound: the timer's 1 ms plus a generous 1 s for the emulator. */
	TEST_EXPECT(latency < khz * (TIMER_NS / 1000000 + 1000),
		    "0xd3 taken %llu TSC after the timer was armed (%llu kHz)",
		    latency, khz);
	tap_diag("%d rounds; %llu with class-6 vectors pending at PPR 0x70 on wake-up",
		 ROUNDS, low_rounds);
	tap_diag("%ld low MSIs sent, %llu taken; longest arm-to-handler %llu TSC, round %llu",
		 msi_sent, lows, latency, guest_max_latency_round);
	TEST_EXPECT(!guest_unarmed_timers, "%llu timer interrupts before any arming",
		    guest_unarmed_timers);
	for (i = 0; stat && i < ARRAY_SIZE(counters); i++) {
		stat[i] = kvmlite_vcpu_stat(0, counters[i]);
		tap_diag("debugfs %s %ld", counters[i], stat[i]);
	}
	vm_free(vm);
}

static void os6829(int dev)
{
	long stat[ARRAY_SIZE(counters)];
	bool hw_posting;

	if (!dev_is_kvmlite(dev)) {
		os6829_rounds(dev, NULL);
		return;
	}
	hw_posting = kvmlite_hw_posting();
	os6829_rounds(dev, stat);
	/* The vCPU slept, and posts were both notified and coalesced. */
	TEST_EXPECT(stat[C_SLEEPS] > 0 && stat[C_NOTIFIED] > 0 &&
		    stat[C_SUPPRESSED] > 0,
		    "halt_sleeps %ld, pi_notifications %ld, suppressed %ld",
		    stat[C_SLEEPS], stat[C_NOTIFIED], stat[C_SUPPRESSED]);
	/*
	 * Where the processor posts, some notifications reached the vCPU in
	 * guest mode as the posted-interrupt IPI, and none of them exited.
	 */
	if (hw_posting)
		TEST_EXPECT(stat[C_PI_IPIS] > 0 && stat[C_NV_EXITS] == 0,
			    "pi_notification_ipis %ld, pi_notification_exits %ld",
			    stat[C_PI_IPIS], stat[C_NV_EXITS]);
}

/* The same with posting off: IRR directly, a kick for every vector. */
static void os6829_no_posting(int dev)
{
	long stat[ARRAY_SIZE(counters)];

	kvmlite_param_or_skip(dev, "posted_interrupts", "0");
	os6829_rounds(dev, stat);
	TEST_EXPECT(stat[C_SLEEPS] > 0 && stat[C_POSTED] == 0,
		    "halt_sleeps %ld, pi_posted %ld", stat[C_SLEEPS],
		    stat[C_POSTED]);
	kvmlite_set_param("posted_interrupts", "1");
}

/*
 * The same with ack_intr_on_exit=1: every host interrupt that ends a
 * stay in the guest is taken from the local APIC by the exit and run
 * through kvmlite's dispatch to the host's IDT entry (vmx/posted.c), as
 * with hardware posted interrupts.  The host must not notice.
 */
static void os6829_ack_intr(int dev)
{
	long stat[ARRAY_SIZE(counters)];

	kvmlite_ack_intr_on(dev);
	os6829_rounds(dev, stat);
	kvmlite_set_param("ack_intr_on_exit", "0");
	TEST_EXPECT(stat[C_HOST_IRQS] > 0 &&
		    stat[C_HOST_IRQS] == stat[C_IRQ_EXITS],
		    "host_irqs_dispatched %ld, irq_exits %ld",
		    stat[C_HOST_IRQS], stat[C_IRQ_EXITS]);
}

#define TRACING		"/sys/kernel/tracing"
#define TRACE_ROUNDS	3

static const char *const trace_events[] = {
	"kvmlite_apic_timer_arm", "kvmlite_apic_timer_fire", "kvmlite_pi_post",
	"kvmlite_pi_notify", "kvmlite_pi_drain", "kvmlite_halt",
	"kvmlite_halt_check", "kvmlite_vcpu_block", "kvmlite_vcpu_wakeup",
	/* Delivery: by event injection, or by APICv from RVI (either). */
	"kvmlite_inject_irq", "kvmlite_apicv_sync",
};

#define DELIVERY_EVENTS	2

static void set_events(bool on)
{
	size_t i;
	int r;

	for (i = 0; i < ARRAY_SIZE(trace_events); i++) {
		r = trace_event_set(trace_events[i], on);
		TEST_ASSERT(!r, "%s %s: %s", on ? "enable" : "disable",
			    trace_events[i], strerror(-r));
	}
}

/*
 * A few rounds with the wake-up path traced, printed as TAP comments:
 * the raw material of docs/debugging-hangs.md, and a check that the
 * events a stuck vCPU would be diagnosed with are all there.
 */
static void os6829_trace(int dev)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	char line[512];
	size_t i;
	int seen[ARRAY_SIZE(trace_events)] = { 0 };
	FILE *f;

	if (!dev_is_kvmlite(dev))
		test_skip("kvmlite's trace events");
	vm = vm_create_long_mode(dev);
	vcpu = os6829_vcpu(vm, TRACE_ROUNDS);
	f = fopen(TRACING "/trace", "w");	/* opening for write clears it */
	TEST_ASSERT(f && !fclose(f), "clear " TRACING "/trace");
	set_events(true);
	TEST_EXPECT(run_rounds(vm, vcpu) == TRACE_ROUNDS, "timer count");
	set_events(false);
	vcpu_expect_sync(vcpu, 2);
	vcpu_expect_sync(vcpu, 3);
	vcpu_expect_sync(vcpu, 4);
	vcpu_run_to_done(vcpu);
	vm_free(vm);

	f = fopen(TRACING "/trace", "r");
	TEST_ASSERT(f, "open " TRACING "/trace");
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#')
			continue;
		line[strcspn(line, "\n")] = 0;
		tap_diag("%s", line);
		for (i = 0; i < ARRAY_SIZE(trace_events); i++) {
			char needle[64];

			snprintf(needle, sizeof(needle), "%s:", trace_events[i]);
			seen[i] += !!strstr(line, needle);
		}
	}
	fclose(f);
	for (i = 0; i < ARRAY_SIZE(trace_events) - DELIVERY_EVENTS; i++)
		TEST_EXPECT(seen[i] > 0, "no %s event in the trace",
			    trace_events[i]);
	TEST_EXPECT(seen[i] + seen[i + 1] > 0, "no %s or %s event in the trace",
		    trace_events[i], trace_events[i + 1]);
}

static const struct scenario scenarios[] = {
	{ "OS-6829: timer 0xd3 wakes a vCPU halted at PPR 0x70, class-6 MSIs pending",
	  os6829, NEED_GUEST, { KVM_CAP_SPLIT_IRQCHIP, 0 } },
	{ "OS-6829 traced: every event of the wake-up path shows in tracefs",
	  os6829_trace, NEED_GUEST, { KVM_CAP_SPLIT_IRQCHIP, 0 } },
	{ "OS-6829 with posted_interrupts=0: IRR and a kick per vector",
	  os6829_no_posting, NEED_GUEST, { KVM_CAP_SPLIT_IRQCHIP, 0 } },
	{ "OS-6829 with ack_intr_on_exit=1: host interrupts dispatched by kvmlite",
	  os6829_ack_intr, NEED_GUEST, { KVM_CAP_SPLIT_IRQCHIP, 0 } },
};

int main(int argc, char **argv)
{
	run_scenarios(argc, argv, scenarios, ARRAY_SIZE(scenarios));
}
