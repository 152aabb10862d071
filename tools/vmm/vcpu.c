// SPDX-License-Identifier: GPL-2.0
/*
 * One thread per vCPU, each in its own KVM_RUN loop.
 *
 * KVM_EXIT_HLT ends the vCPU's thread (no interrupt can wake it: there is
 * no interrupt controller yet); when every thread has ended the run ends
 * with status 0.  The exit port ends the whole run at once, and so does a
 * vCPU failure (shutdown, failed entry, internal error, unknown exit),
 * after the registers are printed.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kvmlite-run.h"

/* Held by whoever ends the run, so that two endings never interleave. */
static pthread_mutex_t end_lock = PTHREAD_MUTEX_INITIALIZER;

void vmm_exit(int status)
{
	pthread_mutex_lock(&end_lock);
	serial_flush();
	fflush(stderr);
	_exit(status);
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

/* Print why the vCPU stopped, its registers, and end the run. */
static __printf(2, 3) __noreturn void vcpu_fail(struct vcpu *vcpu,
						const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&end_lock);
	serial_flush();
	fprintf(stderr, KVMLITE_RUN ": %s: vcpu%d: ", vcpu->vm->device,
		vcpu->id);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	vcpu_dump(vcpu);
	fflush(stderr);
	_exit(EX_SOFTWARE);
}

/* No device is memory-mapped: reads see all ones, writes are dropped. */
static void mmio_handle(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	static bool logged;

	if (!run->mmio.is_write)
		memset(run->mmio.data, 0xff, sizeof(run->mmio.data));
	if (vcpu->vm->verbose && !logged) {
		logged = true;
		fprintf(stderr,
			KVMLITE_RUN ": vcpu%d: MMIO %s at 0x%llx outside RAM (%s; logged once)\n",
			vcpu->id, run->mmio.is_write ? "write" : "read",
			run->mmio.phys_addr,
			run->mmio.is_write ? "ignored" : "reads all ones");
	}
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

static void *vcpu_thread(void *arg)
{
	struct vcpu *vcpu = arg;
	struct kvm_run *run = vcpu->run;

	for (;;) {
		if (ioctl(vcpu->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			pthread_mutex_lock(&end_lock);
			dev_error(vcpu->vm, "KVM_RUN");
			fflush(stderr);
			_exit(EX_UNAVAILABLE);
		}
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			ioport_handle(vcpu);
			break;
		case KVM_EXIT_MMIO:
			mmio_handle(vcpu);
			break;
		case KVM_EXIT_INTR:
			break;
		case KVM_EXIT_HLT:
			if (vcpu->vm->verbose)
				fprintf(stderr, KVMLITE_RUN ": vcpu%d: halted\n",
					vcpu->id);
			return NULL;
		case KVM_EXIT_SHUTDOWN:
			vcpu_fail(vcpu, "guest shutdown (KVM_EXIT_SHUTDOWN: triple fault?)");
		case KVM_EXIT_FAIL_ENTRY:
			vcpu_fail(vcpu,
				  "VM entry failed (KVM_EXIT_FAIL_ENTRY), hardware_entry_failure_reason 0x%llx on cpu %u",
				  run->fail_entry.hardware_entry_failure_reason,
				  run->fail_entry.cpu);
		case KVM_EXIT_INTERNAL_ERROR:
			internal_error(vcpu);
			break;
		default:
			vcpu_fail(vcpu, "unhandled exit reason %u",
				  run->exit_reason);
		}
	}
}

int vcpus_run(struct vm *vm)
{
	pthread_t threads[MAX_VCPUS];
	int i, r;

	for (i = 0; i < vm->nr_vcpus; i++) {
		r = pthread_create(&threads[i], NULL, vcpu_thread,
				   &vm->vcpus[i]);
		if (r) {
			pthread_mutex_lock(&end_lock);
			vmm_error(EX_OSERR, "vcpu%d: pthread_create: %s", i,
				  strerror(r));
			_exit(EX_OSERR);
		}
	}
	for (i = 0; i < vm->nr_vcpus; i++)
		pthread_join(threads[i], NULL);
	if (vm->verbose)
		fprintf(stderr, KVMLITE_RUN ": all vCPUs halted\n");
	return 0;
}
