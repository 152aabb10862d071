// SPDX-License-Identifier: GPL-2.0
/*
 * exit_bench: what an exit and an interrupt cost on /dev/kvmlite and on
 * /dev/kvm, in guest TSC ticks, in the same boot.  Not a selftest: it
 * prints figures and asserts nothing on time.  Its exit status is 0 when
 * every row was measured, 1 when some row could not be run, 4 (skip)
 * without VT-x.
 *
 * Each row is a guest microbenchmark run "iterations" times per sample;
 * a row's figure is the median over the samples of the ticks per
 * operation.  Exit rows time a loop of the operation with RDTSC around
 * it; interrupt rows stamp the moment the operation starts (the ICR
 * write, the timer's deadline, the host's KVM_SIGNAL_MSI) and the
 * moment the handler runs, on one clock: the sending vCPU's TSC where a
 * vCPU sends, the guest TSC itself for the timer, and for the host's MSI
 * the host TSC plus the TSC offset read through KVM_GET_MSRS
 * (IA32_TSC), bracketed by host RDTSCs (the bracket is printed).
 *
 * Inside Bochs the TSC counts emulated instructions, host and guest
 * alike: a figure is the length of the emulated instruction path, the
 * same from run to run.  On a real VT-x host the figures are cycles.
 *
 * The floor: INVD exits unconditionally and both kvmlite and KVM only
 * skip it; kvmlite answers VMCALL with #UD, no lookup either.  The
 * cheapest of the exits handled in the kernel is the bare cost of a VM
 * exit, the run loop and VMRESUME on this device; each kvmlite row is
 * also printed as a multiple of kvmlite's.
 *
 * Usage: exit_bench [-i ITERATIONS] [-s SAMPLES] [-k]
 *   -i  operations per sample (2000; the rows that wait for a halted
 *       vCPU to wake use a tenth of it, at least 10)
 *   -s  samples per row (7)
 *   -k  kvmlite only (no /dev/kvm column)
 * $KVMLITE_BENCH_ITERATIONS and $KVMLITE_BENCH_SAMPLES set the same.
 * kvmlite is loaded from $KVMLITE_KO (each setting needs a reload), KVM
 * from $KVM_MODULES_DIR as in the selftests, else with modprobe.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "apic.h"
#include "kvm_util.h"
#include "kvmlite_util.h"

#define MAX_SAMPLES		31
#define BENCH_PORT		0x2f0
#define BENCH_MMIO_GPA		0xd0000000UL
#define MSR_UCODE_REV		0x8b
#define IRQ_VECTOR		0xe0	/* counted, stamped, EOIed */
#define NOEOI_VECTOR		0xe1	/* counted, left in service */
#define PEER_VECTOR		0xe3	/* vCPU 1's, counted and EOIed */
#define ICR_SELF		0x40000ULL	/* destination shorthand self */
#define LVTT_TSC_DEADLINE	(2U << 17)
/* A halted vCPU is left this long to go to sleep before it is woken. */
#define WAKE_DELAY		20000
/* One that halted this recently is woken within halt polling's reach. */
#define SOON_DELAY		2000
#define ROW_TIMEOUT_S		600

enum row_id {
	ROW_LOOP, ROW_INVD, ROW_CPUID, ROW_VMCALL, ROW_PIO, ROW_MMIO,
	ROW_RDMSR, ROW_WRMSR, ROW_SELF_IPI, ROW_IPI, ROW_EOI, ROW_TSCDL,
	ROW_MSI_HALTED, ROW_TIMER_HALTED, ROW_IPI_HALTED, ROW_IPI_HALTED_SOON,
	NR_ROWS,
};

/* The rows kvmlite's APICv and posting settings change. */
#define APIC_ROW(r)	((r) >= ROW_SELF_IPI)
/* The rows that wait for a halted vCPU: fewer operations per sample. */
#define WAKE_ROW(r)	((r) >= ROW_MSI_HALTED)

/* The rows with a second vCPU, which takes the IPIs. */
static bool peer_row(u64 row)
{
	return row == ROW_IPI || row >= ROW_IPI_HALTED;
}

static const char *const row_names[NR_ROWS] = {
	[ROW_LOOP] = "guest loop, no exit",
	[ROW_INVD] = "INVD exit",
	[ROW_CPUID] = "CPUID exit",
	[ROW_VMCALL] = "VMCALL exit",
	[ROW_PIO] = "port I/O exit to userspace",
	[ROW_MMIO] = "MMIO exit to userspace",
	[ROW_RDMSR] = "RDMSR IA32_UCODE_REV",
	[ROW_WRMSR] = "WRMSR IA32_UCODE_REV",
	[ROW_SELF_IPI] = "x2APIC ICR self-IPI to handler",
	[ROW_IPI] = "x2APIC ICR IPI, running vCPU",
	[ROW_EOI] = "x2APIC EOI write",
	[ROW_TSCDL] = "TSC-deadline write",
	[ROW_MSI_HALTED] = "KVM_SIGNAL_MSI, halted vCPU",
	[ROW_TIMER_HALTED] = "APIC timer, halted vCPU",
	[ROW_IPI_HALTED] = "x2APIC ICR IPI, halted vCPU",
	[ROW_IPI_HALTED_SOON] = "x2APIC ICR IPI, vCPU halted 2000 ticks ago",
};

/* Shared with the guest (sync_global_*). */
u64 guest_total[MAX_SAMPLES];
u64 guest_hits, guest_hit_tsc, guest_peer_hits;
u64 guest_ready, guest_peer_ready, guest_stop;

asm(GUEST_C_STUB_MACRO
	".text\n"
	"GUEST_C_STUB bench_irq_stub, bench_irq\n"
	"GUEST_C_STUB bench_noeoi_stub, bench_noeoi\n"
	"GUEST_C_STUB bench_peer_stub, bench_peer\n"
	/* kvmlite answers VMCALL with #UD: step over the 3 bytes. */
	".globl bench_ud_stub\n"
	"bench_ud_stub:\n"
	"	addq $3, (%rsp)\n"
	"	iretq\n");

static inline u64 rdtsc(void)
{
	u32 lo, hi;

	asm volatile("rdtsc" : "=a" (lo), "=d" (hi));
	return lo | (u64)hi << 32;
}

static inline u64 load(u64 *p)
{
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

/* Spin until *p moves on from old (a handler ran). */
static inline void wait_change(u64 *p, u64 old)
{
	while (load(p) == old)
		asm volatile("pause");
}

static inline void store(u64 *p, u64 v)
{
	__atomic_store_n(p, v, __ATOMIC_SEQ_CST);
}

__used void bench_irq(void)
{
	store(&guest_hit_tsc, rdtsc());
	__atomic_add_fetch(&guest_hits, 1, __ATOMIC_SEQ_CST);
	guest_x2apic_eoi();
}

__used void bench_noeoi(void)
{
	__atomic_add_fetch(&guest_hits, 1, __ATOMIC_SEQ_CST);
}

__used void bench_peer(void)
{
	__atomic_add_fetch(&guest_peer_hits, 1, __ATOMIC_SEQ_CST);
	guest_x2apic_eoi();
}

static void guest_delay(u64 ticks)
{
	u64 t0 = rdtsc();

	while (rdtsc() - t0 < ticks)
		asm volatile("pause");
}

/* Sleep with STI;HLT until *count moves from what it was or stop is set. */
static void guest_halt_until(u64 *count, u64 was, u64 *ready)
{
	asm volatile("cli");
	store(ready, 1);
	while (load(count) == was && !load(&guest_stop))
		asm volatile("sti; hlt; cli");
	asm volatile("sti");
}

/* An x2APIC IPI to vCPU 1, until its handler ran: the ticks it took. */
static u64 ipi_to_peer_ticks(void)
{
	u64 h = load(&guest_peer_hits), t1 = rdtsc();

	guest_wrmsr(X2APIC_ICR, 1ULL << 32 | PEER_VECTOR);
	wait_change(&guest_peer_hits, h);
	return rdtsc() - t1;
}

/* One sample of a row: the ticks of iterations operations. */
static u64 guest_sample(u64 row, u64 iterations)
{
	u64 i, t0, t1, h, total = 0, far = rdtsc() + (1ULL << 40);

	t0 = rdtsc();
	for (i = 0; i < iterations; i++) {
		switch (row) {
		case ROW_LOOP:
			asm volatile("" ::: "memory");
			break;
		case ROW_INVD:
			asm volatile("invd" ::: "memory");
			break;
		case ROW_CPUID: {
			u32 a = 0, b, c = 0, d;

			asm volatile("cpuid" : "+a" (a), "=b" (b), "+c" (c),
				     "=d" (d) :: "memory");
			break;
		}
		case ROW_VMCALL: {
			/* No such hypercall: KVM answers -KVM_ENOSYS. */
			u64 nr = 0xffff;

			asm volatile("vmcall" : "+a" (nr) : : "rbx", "rcx",
				     "rdx", "rsi", "memory");
			break;
		}
		case ROW_PIO:
			asm volatile("outb %%al, %%dx" : : "a" (0),
				     "d" (BENCH_PORT) : "memory");
			break;
		case ROW_MMIO:
			guest_write32(BENCH_MMIO_GPA, 0);
			break;
		case ROW_RDMSR:
			guest_rdmsr(MSR_UCODE_REV);
			break;
		case ROW_WRMSR:
			guest_wrmsr(MSR_UCODE_REV, 0);
			break;
		case ROW_SELF_IPI:
			h = load(&guest_hits);
			t1 = rdtsc();
			guest_wrmsr(X2APIC_ICR, ICR_SELF | IRQ_VECTOR);
			wait_change(&guest_hits, h);
			total += load(&guest_hit_tsc) - t1;
			break;
		case ROW_IPI:
			total += ipi_to_peer_ticks();
			break;
		case ROW_EOI:
			h = load(&guest_hits);
			guest_wrmsr(X2APIC_ICR, ICR_SELF | NOEOI_VECTOR);
			wait_change(&guest_hits, h);
			t1 = rdtsc();
			guest_x2apic_eoi();
			total += rdtsc() - t1;
			break;
		case ROW_TSCDL:
			t1 = rdtsc();
			guest_wrmsr(MSR_TSC_DEADLINE, far + i);
			total += rdtsc() - t1;
			break;
		case ROW_TIMER_HALTED:
			h = load(&guest_hits);
			t1 = rdtsc() + WAKE_DELAY;
			guest_wrmsr(MSR_TSC_DEADLINE, t1);
			guest_halt_until(&guest_hits, h, &guest_ready);
			total += load(&guest_hit_tsc) - t1;
			break;
		case ROW_IPI_HALTED:
		case ROW_IPI_HALTED_SOON:
			wait_change(&guest_peer_ready, 0);
			store(&guest_peer_ready, 0);
			guest_delay(row == ROW_IPI_HALTED ? WAKE_DELAY : SOON_DELAY);
			total += ipi_to_peer_ticks();
			break;
		}
	}
	if (row <= ROW_WRMSR)
		total = rdtsc() - t0;
	if (row == ROW_TSCDL)
		guest_wrmsr(MSR_TSC_DEADLINE, 0);
	return total;
}

static void guest_bench(u64 row, u64 iterations, u64 samples)
{
	u64 s, h;

	if (APIC_ROW(row)) {
		guest_x2apic_enable();
		guest_wrmsr(X2APIC_LVTT, LVTT_TSC_DEADLINE | IRQ_VECTOR);
	}
	asm volatile("sti");
	/* vCPU 1 is in its loop before the first IPI. */
	if (peer_row(row))
		while (!load(&guest_peer_ready))
			asm volatile("pause");
	if (row == ROW_MSI_HALTED) {
		/* The host sends; this vCPU only sleeps until it stops. */
		while (!load(&guest_stop)) {
			h = load(&guest_hits);
			guest_halt_until(&guest_hits, h, &guest_ready);
		}
		GUEST_DONE();
	}
	for (s = 0; s < samples; s++)
		guest_total[s] = guest_sample(row, iterations);
	store(&guest_stop, 1);
	if (peer_row(row))
		guest_wrmsr(X2APIC_ICR, 1ULL << 32 | PEER_VECTOR);
	GUEST_DONE();
}

/* vCPU 1: takes IPIs, spinning (halt 0) or halted (halt 1). */
static void guest_peer(u64 halt)
{
	u64 h;

	guest_x2apic_enable();
	GUEST_SYNC(0, 0);
	asm volatile("sti");
	if (!halt) {
		store(&guest_peer_ready, 1);
		while (!load(&guest_stop))
			asm volatile("pause");
	}
	while (halt && !load(&guest_stop)) {
		h = load(&guest_peer_hits);
		guest_halt_until(&guest_peer_hits, h, &guest_peer_ready);
	}
	GUEST_DONE();
}

/* Host side. */
static unsigned int bench_iterations = 2000, bench_samples = 7;

static unsigned int row_iterations(int row)
{
	unsigned int n = bench_iterations;

	if (WAKE_ROW(row)) {
		n /= 10;
		if (n < 10)
			n = 10;
	}
	return n;
}

static u64 host_rdtsc(void)
{
	return rdtsc();
}

static void pin_to_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	/* A machine with one CPU runs everything there. */
	sched_setaffinity(0, sizeof(set), &set);
}

/*
 * The guest TSC minus the host TSC: KVM_GET_MSRS(IA32_TSC) between two
 * host RDTSCs, the tightest of a few tries; *bracket gets its width.
 */
static u64 tsc_offset(struct kvm_vcpu *vcpu, u64 *bracket)
{
	u64 best = ~0ULL, offset = 0;
	int i;

	for (i = 0; i < 5; i++) {
		u64 h0 = host_rdtsc();
		u64 g = vcpu_get_msr(vcpu, 0x10);
		u64 h1 = host_rdtsc();

		if (h1 - h0 < best) {
			best = h1 - h0;
			offset = g - (h0 + (h1 - h0) / 2);
		}
	}
	*bracket = best;
	return offset;
}

struct msi_sender {
	struct kvm_vm *vm;
	u64 offset;
	u64 totals[MAX_SAMPLES];
	bool stuck;
};

/* Wait for *p to differ from was; false after 10 s. */
static bool host_wait_change(u64 *p, u64 was)
{
	time_t end = time(NULL) + 10;

	while (load(p) == was)
		if (time(NULL) > end)
			return false;
	return true;
}

/* Host thread: wake the halted vCPU 0 with KVM_SIGNAL_MSI, stamped. */
static void *msi_send(void *arg)
{
	struct msi_sender *ms = arg;
	struct kvm_msi msi = { .address_lo = 0xfee00000, .data = IRQ_VECTOR };
	u64 *ready = gpa2hva(ms->vm, (unsigned long)&guest_ready);
	u64 *hits = gpa2hva(ms->vm, (unsigned long)&guest_hits);
	u64 *hit_tsc = gpa2hva(ms->vm, (unsigned long)&guest_hit_tsc);
	u64 *stop = gpa2hva(ms->vm, (unsigned long)&guest_stop);
	unsigned int s, i, n = row_iterations(ROW_MSI_HALTED);

	pin_to_cpu(0);
	for (s = 0; s < bench_samples && !ms->stuck; s++) {
		for (i = 0; i < n; i++) {
			u64 h, t0;

			if (!host_wait_change(ready, 0)) {
				ms->stuck = true;
				break;
			}
			store(ready, 0);
			t0 = host_rdtsc();
			while (host_rdtsc() - t0 < WAKE_DELAY)
				;
			h = load(hits);
			t0 = host_rdtsc();
			if (ioctl(ms->vm->fd, KVM_SIGNAL_MSI, &msi) < 0 ||
			    !host_wait_change(hits, h)) {
				ms->stuck = true;
				break;
			}
			ms->totals[s] += load(hit_tsc) - ms->offset - t0;
		}
	}
	store(stop, 1);
	ioctl(ms->vm->fd, KVM_SIGNAL_MSI, &msi);
	return NULL;
}

static void *peer_run(void *arg)
{
	pin_to_cpu(0);
	vcpu_run_to_done(arg);
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* Run vCPU 0 to GUEST_DONE; the bench's own port and MMIO exits resume. */
static void run_to_done(struct kvm_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	struct ucall uc;
	u64 cmd;

	for (;;) {
		vcpu_run(vcpu);
		if (run->exit_reason == KVM_EXIT_IO && run->io.port == BENCH_PORT)
			continue;
		if (run->exit_reason == KVM_EXIT_MMIO &&
		    run->mmio.phys_addr == BENCH_MMIO_GPA)
			continue;
		cmd = get_ucall(vcpu, &uc);
		if (cmd == UCALL_DONE)
			return;
		if (cmd == UCALL_ABORT)
			test_fail(__FILE__, __LINE__, "guest assertion: %s", uc.buf);
		TEST_ASSERT(cmd == UCALL_PRINTF, "exit %s (%u), ucall %llu",
			    exit_reason_str(run->exit_reason), run->exit_reason,
			    cmd);
	}
}

/* One row on the open device, in a child; the median into *median. */
static void measure_row(int dev, int row, u64 *median, u64 *bracket)
{
	unsigned int n = row_iterations(row), s;
	struct kvm_vm *vm = vm_create_long_mode(dev);
	struct kvm_vcpu *vcpu, *peer = NULL;
	struct msi_sender ms = { .vm = vm };
	pthread_t peer_thread, msi_thread;
	u64 per_op[MAX_SAMPLES];
	bool two = peer_row(row);

	if (APIC_ROW(row))
		vm_enable_split_irqchip(vm);
	vm_set_idt_gate(vm, 6, ASM_SYMBOL_ADDR(bench_ud_stub));
	vm_set_idt_gate(vm, IRQ_VECTOR, ASM_SYMBOL_ADDR(bench_irq_stub));
	vm_set_idt_gate(vm, NOEOI_VECTOR, ASM_SYMBOL_ADDR(bench_noeoi_stub));
	vm_set_idt_gate(vm, PEER_VECTOR, ASM_SYMBOL_ADDR(bench_peer_stub));
	vcpu = vm_vcpu_add(vm, 0, guest_bench);
	vcpu_args_set(vcpu, 3, (u64)row, (u64)n, (u64)bench_samples);
	vcpu_idt_all_vectors(vcpu);
	if (APIC_ROW(row))
		vcpu_set_cpuid_tsc_deadline(vcpu);
	if (two) {
		peer = vm_vcpu_add(vm, 1, guest_peer);
		vcpu_args_set(peer, 1, (u64)(row != ROW_IPI));
		vcpu_idt_all_vectors(peer);
		vcpu_make_runnable(peer);
		vcpu_expect_sync(peer, 0);
		TEST_ASSERT(!pthread_create(&peer_thread, NULL, peer_run, peer),
			    "pthread_create");
	}
	pin_to_cpu(1);
	if (row == ROW_MSI_HALTED) {
		ms.offset = tsc_offset(vcpu, bracket);
		TEST_ASSERT(!pthread_create(&msi_thread, NULL, msi_send, &ms),
			    "pthread_create");
	}
	run_to_done(vcpu);
	if (two)
		pthread_join(peer_thread, NULL);
	if (row == ROW_MSI_HALTED) {
		pthread_join(msi_thread, NULL);
		TEST_ASSERT(!ms.stuck, "the halted vCPU did not take the MSI");
		memcpy(guest_total, ms.totals, sizeof(guest_total));
	} else {
		sync_global_from_guest(vm, guest_total);
	}
	for (s = 0; s < bench_samples; s++)
		per_op[s] = guest_total[s] / n;
	qsort(per_op, bench_samples, sizeof(per_op[0]), cmp_u64);
	*median = per_op[bench_samples / 2];
	vm_free(vm);
}

#define NOT_RUN		(~0ULL)

struct result {
	u64 median;
	u64 bracket;
};

/*
 * The floor: the cheapest of the exits the kernel handles without work
 * (INVD is skipped, VMCALL answered with #UD, CPUID and the MSR looked
 * up), as measured: which path is shortest is the device's business.
 */
static int cheapest_exit(const struct result *res)
{
	int row, best = ROW_INVD;

	for (row = ROW_INVD; row <= ROW_WRMSR; row++)
		if (row != ROW_PIO && row != ROW_MMIO &&
		    res[row].median < res[best].median)
			best = row;
	return best;
}

/*
 * Each row in a child of its own with a time limit, so that one that
 * hangs or fails costs only its own figure.
 */
static bool run_rows(const char *path, bool apic_only, struct result *res)
{
	struct result *shared;
	bool all = true;
	int row;

	shared = mmap(NULL, sizeof(*shared) * NR_ROWS, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(shared != MAP_FAILED, "mmap");
	for (row = 0; row < NR_ROWS; row++) {
		int status = 0;
		pid_t pid;

		shared[row].median = NOT_RUN;
		if (apic_only && !APIC_ROW(row))
			continue;
		fflush(stdout);
		pid = fork();
		TEST_ASSERT(pid >= 0, "fork");
		if (!pid) {
			int dev = open(path, O_RDWR | O_CLOEXEC);

			alarm(ROW_TIMEOUT_S);
			TEST_ASSERT(dev >= 0, "open %s: %s", path,
				    strerror(errno));
			measure_row(dev, row, &shared[row].median,
				    &shared[row].bracket);
			exit(0);
		}
		waitpid(pid, &status, 0);
		if (shared[row].median == NOT_RUN) {
			printf("# exit_bench: %s on %s did not run (status %#x)\n",
			       row_names[row], path, status);
			all = false;
		}
	}
	memcpy(res, shared, sizeof(*shared) * NR_ROWS);
	munmap(shared, sizeof(*shared) * NR_ROWS);
	return all;
}

struct setting {
	const char *params;	/* kvmlite's insmod parameters */
	bool apic_only;		/* only the rows the setting changes */
};

static const struct setting settings[] = {
	{ "", false },
	{ "enable_apicv=0", true },
	{ "posted_interrupts=0", true },
	/* Before the fast paths, each on its own. */
	{ "hv_timer=0", true },
	{ "halt_poll_ns=0", true },
	/* Only where the CPU posts (Bochs 3.0, real hardware). */
	{ "hw_posted_interrupts=0", true },
};

static bool kvm_load(void)
{
	if (!kvm_modules_load())
		return true;
	return !system("modprobe kvm_intel 2>/dev/null") &&
	       !access("/dev/kvm", F_OK);
}

/* KVM's APICv needs posted-interrupt processing: say whether it took. */
static void print_kvm_apicv(void)
{
	const char *params = getenv("KVM_INTEL_PARAMS");
	char val[8] = "?";
	FILE *f = fopen("/sys/module/kvm_intel/parameters/enable_apicv", "r");

	if (f) {
		if (!fgets(val, sizeof(val), f))
			strcpy(val, "?");
		val[strcspn(val, "\n")] = 0;
		fclose(f);
	}
	printf("# exit_bench: kvm_intel %s: enable_apicv %s\n",
	       params && *params ? params : "(defaults)", val);
}

static void fmt_figure(char *buf, size_t size, u64 v)
{
	if (v == NOT_RUN)
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%llu", v);
}

static void print_row(const char *name, const char *suffix, u64 lite, u64 kvm,
		      u64 floor)
{
	char n[80], a[24], b[24], ratio[16] = "-", times[16] = "-";

	snprintf(n, sizeof(n), "%s%s", name, suffix);
	fmt_figure(a, sizeof(a), lite);
	fmt_figure(b, sizeof(b), kvm);
	if (lite != NOT_RUN && kvm != NOT_RUN && kvm)
		snprintf(ratio, sizeof(ratio), "%.2f", (double)lite / kvm);
	if (lite != NOT_RUN && floor != NOT_RUN && floor)
		snprintf(times, sizeof(times), "%.2f", (double)lite / floor);
	printf("%-56s %9s %9s %6s %7s\n", n, a, b, ratio, times);
}

int main(int argc, char **argv)
{
	struct result lite[ARRAY_SIZE(settings)][NR_ROWS], kvm[NR_ROWS];
	bool ran[ARRAY_SIZE(settings)] = { false }, ok = true, kvm_too = true;
	bool hw_posting = false;
	int floor_row;
	const char *env;
	size_t i;
	int opt, row, r;

	env = getenv("KVMLITE_BENCH_ITERATIONS");
	if (env)
		bench_iterations = strtoul(env, NULL, 0);
	env = getenv("KVMLITE_BENCH_SAMPLES");
	if (env)
		bench_samples = strtoul(env, NULL, 0);
	while ((opt = getopt(argc, argv, "i:s:k")) != -1) {
		switch (opt) {
		case 'i':
			bench_iterations = strtoul(optarg, NULL, 0);
			break;
		case 's':
			bench_samples = strtoul(optarg, NULL, 0);
			break;
		case 'k':
			kvm_too = false;
			break;
		default:
			fprintf(stderr, "usage: %s [-i ITERATIONS] [-s SAMPLES] [-k]\n",
				argv[0]);
			return 2;
		}
	}
	if (!bench_iterations || !bench_samples || bench_samples > MAX_SAMPLES) {
		fprintf(stderr, "exit_bench: 1..%d samples, at least one iteration\n",
			MAX_SAMPLES);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!lane_has_vmx()) {
		printf("# exit_bench: SKIP: no VT-x in this machine (lane %s)\n",
		       lane_name());
		return KSFT_SKIP;
	}
	printf("# exit_bench: lane %s, %u samples of %u operations (%u for halted-vCPU rows)\n",
	       lane_name(), bench_samples, bench_iterations,
	       row_iterations(ROW_MSI_HALTED));

	kvm_modules_unload();
	for (i = 0; i < ARRAY_SIZE(settings); i++) {
		struct vmx_state st;

		/* Turning off what the CPU lacks changes nothing: not run. */
		if (!strcmp(settings[i].params, "hw_posted_interrupts=0") &&
		    !hw_posting)
			continue;
		module_unload(KVMLITE_MODULE);
		r = module_load(kvmlite_ko_path(), settings[i].params);
		if (r) {
			printf("# exit_bench: insmod %s %s: %s\n", kvmlite_ko_path(),
			       settings[i].params, strerror(-r));
			ok = false;
			continue;
		}
		if (!vmx_state_read(&st))
			printf("# exit_bench: kvmlite %s: apicv %d, posted_intr_hw %d\n",
			       *settings[i].params ? settings[i].params : "(defaults)",
			       st.apicv, st.posted_intr_hw);
		if (!i)
			hw_posting = kvmlite_hw_posting();
		ok &= run_rows(KVMLITE_DEV, settings[i].apic_only, lite[i]);
		ran[i] = true;
	}
	module_unload(KVMLITE_MODULE);
	for (row = 0; row < NR_ROWS; row++)
		kvm[row].median = NOT_RUN;
	if (kvm_too && kvm_load()) {
		print_kvm_apicv();
		ok &= run_rows("/dev/kvm", false, kvm);
		kvm_modules_unload();
	} else if (kvm_too) {
		printf("# exit_bench: cannot load kvm_intel: no KVM column\n");
		ok = false;
	}

	floor_row = ran[0] ? cheapest_exit(lite[0]) : ROW_INVD;
	printf("==== KVMLITE BENCH TABLE BEGIN ====\n");
	printf("# guest TSC ticks per operation, median of %u samples\n",
	       bench_samples);
	printf("# ratio = kvmlite / kvm; xfloor = kvmlite / kvmlite's cheapest exit (%s)\n",
	       row_names[floor_row]);
	printf("%-56s %9s %9s %6s %7s\n", "name", "kvmlite", "kvm", "ratio",
	       "xfloor");
	for (i = 0; i < ARRAY_SIZE(settings); i++) {
		char suffix[40] = "";

		if (!ran[i])
			continue;
		if (i)
			snprintf(suffix, sizeof(suffix), " [%s]", settings[i].params);
		for (row = 0; row < NR_ROWS; row++) {
			if (settings[i].apic_only && !APIC_ROW(row))
				continue;
			print_row(row_names[row], suffix, lite[i][row].median,
				  kvm[row].median, lite[0][floor_row].median);
		}
	}
	printf("==== KVMLITE BENCH TABLE END ====\n");
	printf("# VMCALL: kvmlite offers no hypercalls and injects #UD (the\n");
	printf("#   guest's handler steps over it); KVM returns -KVM_ENOSYS\n");
	printf("# MSI: host TSC to guest TSC by KVM_GET_MSRS(IA32_TSC), within\n");
	printf("#   %llu ticks (kvmlite), %llu (kvm)\n",
	       ran[0] ? lite[0][ROW_MSI_HALTED].bracket : 0,
	       kvm[ROW_MSI_HALTED].median != NOT_RUN ? kvm[ROW_MSI_HALTED].bracket : 0);
	printf("# exit_bench: %s\n", ok ? "every row measured" : "some rows did not run");
	return ok ? 0 : 1;
}
