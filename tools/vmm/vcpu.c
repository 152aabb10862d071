// SPDX-License-Identifier: GPL-2.0
/*
 * One thread per vCPU, each in its own KVM_RUN loop.
 *
 * Without an in-kernel irqchip, KVM_EXIT_HLT ends the vCPU's thread (no
 * interrupt can wake it); when every thread has ended the run ends with
 * status 0.  With --irqchip split a halted vCPU sleeps inside KVM_RUN, and
 * so does an AP until INIT/SIPI.
 *
 * The exit port ends the whole run, and so does a vCPU failure (shutdown,
 * failed entry, internal error, unknown exit), after the registers are
 * printed: vm_stop() records the status and brings every thread out of
 * KVM_RUN, wherever it sleeps, with immediate_exit and SIG_KICK.  SIG_KICK
 * is blocked in userspace and unblocked only inside KVM_RUN
 * (KVM_SET_SIGNAL_MASK), so a kick sent just before a thread enters
 * KVM_RUN stays pending and makes KVM_RUN return EINTR at once.  The main
 * thread joins every vCPU thread, then the devices are closed.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kvmlite-run.h"

#define SIG_KICK	SIGUSR1
#define SIG_DUMP	SIGUSR2

/*
 * SIGUSR2 (kill -USR2 PID): every vCPU prints its registers and LAPIC
 * summary once and runs on; for a guest that hangs.  The handler only
 * counts and kicks; each vCPU thread prints after its KVM_RUN returns.
 */
static int dump_requests;	/* atomic: written in a signal handler */
static struct vm *dump_vm;

/* Orders vm_stop() against thread creation and failure reports. */
static pthread_mutex_t stop_lock = PTHREAD_MUTEX_INITIALIZER;

/* stop_lock held. */
static void stop_locked(struct vm *vm, int status)
{
	int i;

	if (vm->stopping)
		return;
	vm->exit_status = status;
	__atomic_store_n(&vm->stopping, true, __ATOMIC_SEQ_CST);
	/* A thread not yet in KVM_RUN: immediate_exit makes it return. */
	for (i = 0; i < vm->nr_vcpus; i++)
		if (vm->vcpus[i].run)
			__atomic_store_n(&vm->vcpus[i].run->immediate_exit, 1,
					 __ATOMIC_SEQ_CST);
	/* A thread inside KVM_RUN (halted, waiting for SIPI): the signal. */
	for (i = 0; i < vm->nr_vcpus; i++)
		if (vm->vcpus[i].started &&
		    !pthread_equal(vm->vcpus[i].thread, pthread_self()))
			pthread_kill(vm->vcpus[i].thread, SIG_KICK);
}

void vm_stop(struct vm *vm, int status)
{
	pthread_mutex_lock(&stop_lock);
	stop_locked(vm, status);
	pthread_mutex_unlock(&stop_lock);
}

bool vm_stopping(struct vm *vm)
{
	return __atomic_load_n(&vm->stopping, __ATOMIC_SEQ_CST);
}

void vcpu_dump(struct vcpu *vcpu)
{
	struct kvm_regs r;
	struct kvm_sregs s;

	if (ioctl(vcpu->fd, KVM_GET_REGS, &r) < 0 ||
	    ioctl(vcpu->fd, KVM_GET_SREGS, &s) < 0) {
		fprintf(stderr, "  (registers unavailable: %s)\n",
			strerror(errno));
		return;
	}
	fprintf(stderr,
		"  rax %016llx rbx %016llx rcx %016llx rdx %016llx\n"
		"  rsi %016llx rdi %016llx rsp %016llx rbp %016llx\n"
		"  r8  %016llx r9  %016llx r10 %016llx r11 %016llx\n"
		"  r12 %016llx r13 %016llx r14 %016llx r15 %016llx\n"
		"  rip %016llx rflags %08llx\n"
		"  cr0 %08llx cr2 %016llx cr3 %016llx cr4 %08llx efer %llx\n"
		"  cs %04x base %llx  ds %04x  ss %04x base %llx  gdt %llx/%x\n",
		r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rsp, r.rbp,
		r.r8, r.r9, r.r10, r.r11, r.r12, r.r13, r.r14, r.r15,
		r.rip, r.rflags, s.cr0, s.cr2, s.cr3, s.cr4, s.efer,
		s.cs.selector, s.cs.base, s.ds.selector, s.ss.selector,
		s.ss.base, s.gdt.base, s.gdt.limit);
}

/*
 * Print why the vCPU stopped and its registers, and end the run with
 * EX_SOFTWARE; nothing is printed when the run is already ending.
 */
static __printf(2, 3) void vcpu_fail(struct vcpu *vcpu, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&stop_lock);
	if (!vcpu->vm->stopping) {
		serial_flush();
		fprintf(stderr, KVMLITE_RUN ": %s: vcpu%d: ", vcpu->vm->device,
			vcpu->id);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
		vcpu_dump(vcpu);
		fflush(stderr);
		stop_locked(vcpu->vm, EX_SOFTWARE);
	}
	pthread_mutex_unlock(&stop_lock);
}

static void internal_error(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	char data[160] = "";
	size_t len = 0;
	__u32 i;

	for (i = 0; i < run->internal.ndata && i < ARRAY_SIZE(run->internal.data) &&
	     len < sizeof(data) - 20; i++)
		len += snprintf(data + len, sizeof(data) - len, " 0x%llx",
				run->internal.data[i]);
	vcpu_fail(vcpu, "KVM_EXIT_INTERNAL_ERROR, suberror %u, data:%s",
		  run->internal.suberror, len ? data : " none");
}

/* Returns false when this vCPU's thread is done. */
static bool handle_exit(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		ioport_handle(vcpu);
		return true;
	case KVM_EXIT_MMIO:
		mmio_handle(vcpu);
		return true;
	case KVM_EXIT_INTR:
		return true;
	case KVM_EXIT_IOAPIC_EOI:
		ioapic_eoi(run->eoi.vector);
		return true;
	case KVM_EXIT_HLT:
		if (vcpu->vm->verbose)
			fprintf(stderr, KVMLITE_RUN ": vcpu%d: halted\n",
				vcpu->id);
		return false;
	case KVM_EXIT_SHUTDOWN:
		vcpu_fail(vcpu, "guest shutdown (KVM_EXIT_SHUTDOWN: triple fault?)");
		return false;
	case KVM_EXIT_FAIL_ENTRY:
		vcpu_fail(vcpu,
			  "VM entry failed (KVM_EXIT_FAIL_ENTRY), hardware_entry_failure_reason 0x%llx on cpu %u",
			  run->fail_entry.hardware_entry_failure_reason,
			  run->fail_entry.cpu);
		return false;
	case KVM_EXIT_INTERNAL_ERROR:
		internal_error(vcpu);
		return false;
	default:
		vcpu_fail(vcpu, "unhandled exit reason %u", run->exit_reason);
		return false;
	}
}

/* The highest vector set in a 256-bit LAPIC register, or -1. */
static int highest(const struct kvm_lapic_state *l, unsigned int reg)
{
	int v;

	for (v = 255; v >= 0; v--) {
		uint32_t w;

		memcpy(&w, l->regs + reg + (v / 32) * 16, 4);
		if (w & (1U << (v % 32)))
			return v;
	}
	return -1;
}

static void dump_state(struct vcpu *vcpu)
{
	struct kvm_lapic_state l;
	struct kvm_mp_state mp = { 0 };

	pthread_mutex_lock(&stop_lock);
	serial_flush();
	ioctl(vcpu->fd, KVM_GET_MP_STATE, &mp);
	fprintf(stderr, KVMLITE_RUN ": vcpu%d: state on SIGUSR2 (mp_state %u):\n",
		vcpu->id, mp.mp_state);
	vcpu_dump(vcpu);
	if (vcpu->vm->split_irqchip && !ioctl(vcpu->fd, KVM_GET_LAPIC, &l))
		fprintf(stderr,
			"  lapic: highest IRR %d ISR %d TMR %d, TPR %#x\n",
			highest(&l, 0x200), highest(&l, 0x100),
			highest(&l, 0x180), (unsigned int)l.regs[0x80]);
	fflush(stderr);
	pthread_mutex_unlock(&stop_lock);
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *vcpu = arg;
	struct vm *vm = vcpu->vm;
	int dumped = 0;

	while (!vm_stopping(vm)) {
		if (dumped != __atomic_load_n(&dump_requests, __ATOMIC_SEQ_CST)) {
			dumped = __atomic_load_n(&dump_requests, __ATOMIC_SEQ_CST);
			dump_state(vcpu);
		}
		if (ioctl(vcpu->fd, KVM_RUN, 0) < 0) {
			/* EAGAIN: an AP woken by INIT or SIPI (KVM 6.1). */
			if (errno == EINTR || errno == EAGAIN)
				continue;
			pthread_mutex_lock(&stop_lock);
			if (!vm->stopping) {
				serial_flush();
				dev_error(vm, "KVM_RUN");
				fflush(stderr);
				stop_locked(vm, EX_UNAVAILABLE);
			}
			pthread_mutex_unlock(&stop_lock);
			break;
		}
		if (!handle_exit(vcpu))
			break;
	}
	return NULL;
}

static void kick_handler(int sig)
{
	(void)sig;
}

static void dump_handler(int sig)
{
	int i;

	(void)sig;
	__atomic_add_fetch(&dump_requests, 1, __ATOMIC_SEQ_CST);
	for (i = 0; i < dump_vm->nr_vcpus; i++)
		if (dump_vm->vcpus[i].started)
			pthread_kill(dump_vm->vcpus[i].thread, SIG_KICK);
}

/*
 * SIG_KICK: a handler that does nothing (so that the signal interrupts
 * KVM_RUN instead of killing the process), blocked in every thread (they
 * inherit the mask), and unblocked in KVM_RUN only.
 */
static int setup_kick(struct vm *vm)
{
	struct sigaction sa = { .sa_handler = kick_handler };
	struct kvm_signal_mask *kmask;
	sigset_t block, in_run;
	int i, r = 0;

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIG_KICK, &sa, NULL) < 0)
		return vmm_error(EX_OSERR, "sigaction: %s", strerror(errno));
	dump_vm = vm;
	sa.sa_handler = dump_handler;
	if (sigaction(SIG_DUMP, &sa, NULL) < 0)
		return vmm_error(EX_OSERR, "sigaction: %s", strerror(errno));
	sigemptyset(&block);
	sigaddset(&block, SIG_KICK);
	r = pthread_sigmask(SIG_BLOCK, &block, &in_run);
	if (r)
		return vmm_error(EX_OSERR, "pthread_sigmask: %s", strerror(r));
	sigdelset(&in_run, SIG_KICK);

	/* The kernel's sigset is 8 bytes on x86-64: the first 64 signals. */
	kmask = calloc(1, sizeof(*kmask) + 8);
	if (!kmask)
		return vmm_error(EX_OSERR, "out of memory");
	kmask->len = 8;
	memcpy(kmask->sigset, &in_run, 8);
	for (i = 0; i < vm->nr_vcpus && !r; i++)
		if (ioctl(vm->vcpus[i].fd, KVM_SET_SIGNAL_MASK, kmask) < 0)
			r = dev_error(vm, "KVM_SET_SIGNAL_MASK");
	free(kmask);
	return r;
}

/* --verbose: the guest's TSC before it runs (time-to-X measurements). */
static void print_start_tsc(struct vcpu *vcpu)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry entry;
	} m = { .hdr.nmsrs = 1, .entry.index = 0x10 };	/* IA32_TSC */

	if (ioctl(vcpu->fd, KVM_GET_MSRS, &m) == 1)
		fprintf(stderr, KVMLITE_RUN ": vcpu%d: guest TSC at start %llu\n",
			vcpu->id, m.entry.data);
}

int vcpus_run(struct vm *vm)
{
	int i, r;

	r = setup_kick(vm);
	if (r)
		return r;
	if (vm->verbose)
		print_start_tsc(&vm->vcpus[0]);
	for (i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *vcpu = &vm->vcpus[i];

		/* Under the lock: vm_stop() kicks only started threads. */
		pthread_mutex_lock(&stop_lock);
		r = vm->stopping ? 0 : pthread_create(&vcpu->thread, NULL,
						      vcpu_thread, vcpu);
		vcpu->started = !vm->stopping && !r;
		if (r) {
			vmm_error(EX_OSERR, "vcpu%d: pthread_create: %s", i,
				  strerror(r));
			stop_locked(vm, EX_OSERR);
		}
		pthread_mutex_unlock(&stop_lock);
	}
	for (i = 0; i < vm->nr_vcpus; i++)
		if (vm->vcpus[i].started)
			pthread_join(vm->vcpus[i].thread, NULL);
	if (vm->stopping)
		return vm->exit_status;
	if (vm->verbose)
		fprintf(stderr, KVMLITE_RUN ": all vCPUs halted\n");
	return 0;
}
