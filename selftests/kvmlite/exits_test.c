// SPDX-License-Identifier: GPL-2.0
/*
 * Exits to userspace other than I/O: a triple fault (KVM_EXIT_SHUTDOWN),
 * an invalid guest state (KVM_EXIT_FAIL_ENTRY), a signal (KVM_RUN
 * fails with EINTR and exit reason KVM_EXIT_INTR, also from a guest that
 * spins with interrupts off), immediate_exit, and KVM_CREATE_VCPU with a
 * bad or duplicate id.
 */
#include <linux/kvm.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kvm_util.h"
#include "kvmlite_util.h"

#define EXIT_REASON_INVALID_STATE	33
#define RFLAGS_IF			0x200

static void guest_ud2(void)
{
	asm volatile("ud2");
	GUEST_DONE();
}

static void triple_fault(int dev)
{
	struct kvm_vm *vm = vm_create_long_mode(dev);
	struct kvm_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_ud2);
	struct kvm_sregs sregs;
	int r;

	/* No IDT: #UD becomes #GP, then #DF, then a triple fault. */
	vcpu_get_sregs(vcpu, &sregs);
	sregs.idt.limit = 0;
	vcpu_set_sregs(vcpu, &sregs);
	r = _vcpu_run(vcpu);
	TEST_ASSERT(!r, "KVM_RUN: %s", errno_str(-r));
	vcpu_expect_exit(vcpu, KVM_EXIT_SHUTDOWN);
	vm_free(vm);
}

static void invalid_state(int dev)
{
	struct kvm_vm *vm = vm_create_long_mode(dev);
	struct kvm_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_done_fn);
	struct kvm_sregs sregs;
	u64 reason;
	int r;

	/*
	 * A guest TR must be usable (SDM 26.3.1.2): KVM_SET_SREGS takes the
	 * unusable TR as it is and VM entry fails on it.
	 */
	vcpu_get_sregs(vcpu, &sregs);
	sregs.tr.unusable = 1;
	sregs.tr.present = 0;
	vcpu_set_sregs(vcpu, &sregs);
	r = _vcpu_run(vcpu);
	TEST_ASSERT(!r, "KVM_RUN: %s", errno_str(-r));
	vcpu_expect_exit(vcpu, KVM_EXIT_FAIL_ENTRY);
	reason = vcpu->run->fail_entry.hardware_entry_failure_reason;
	tap_diag("hardware_entry_failure_reason %#llx", reason);
	/* KVM reports the full exit reason: bit 31 (entry failure) | 33. */
	TEST_EXPECT((reason & 0xffff) == EXIT_REASON_INVALID_STATE,
		    "entry failure reason %#llx, expected invalid guest state",
		    reason);
	vm_free(vm);
}

static void on_sigusr1(int sig)
{
	(void)sig;
}

static void install_handler(void)
{
	struct sigaction sa = { .sa_handler = on_sigusr1 };

	/* No SA_RESTART: KVM_RUN must come back with EINTR. */
	sigemptyset(&sa.sa_mask);
	TEST_ASSERT(!sigaction(SIGUSR1, &sa, NULL), "sigaction");
}

/* KVM_RUN while another process sends SIGUSR1 every 200 ms: EINTR. */
static void run_until_signal(struct kvm_vcpu *vcpu)
{
	pid_t me = getpid(), kicker;
	int r;

	install_handler();
	kicker = fork();
	TEST_ASSERT(kicker >= 0, "fork");
	if (!kicker) {
		for (;;) {
			usleep(200000);
			kill(me, SIGUSR1);
		}
	}
	r = _vcpu_run(vcpu);
	kill(kicker, SIGKILL);
	waitpid(kicker, NULL, 0);
	TEST_EXPECT(r == -EINTR, "KVM_RUN returned %s, expected EINTR",
		    errno_str(-r));
	TEST_EXPECT(vcpu->run->exit_reason == KVM_EXIT_INTR,
		    "exit reason %s, expected KVM_EXIT_INTR",
		    exit_reason_str(vcpu->run->exit_reason));
}

static void signal_in_run(int dev)
{
	struct kvm_vm *vm = vm_create_long_mode(dev);

	run_until_signal(vm_vcpu_add(vm, 0, guest_spin_fn));
	vm_free(vm);
}

/* Interrupts off from the start (RFLAGS = 2), no exiting instruction. */
static void guest_spin_if0_fn(void)
{
	asm volatile("1: jmp 1b");
}

static void if0_spin_timeout(int sig)
{
	(void)sig;
	printf("# KVM_RUN of a guest spinning with IF = 0 %s\n",
	       "did not end in 20 s of signals");
	fflush(stdout);
	_exit(KSFT_FAIL);
}

/*
 * The host's interrupts (the signal's IPI, the tick) must end a stay in
 * the guest whatever the guest's RFLAGS.IF: external-interrupt exiting.
 */
static void signal_in_if0_spin(int dev)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	struct kvm_regs regs;
	unsigned int scenario_left;

	skip_kvm_where_if0_guest_keeps_cpu(dev);
	vm = vm_create_long_mode(dev);
	vcpu = vm_vcpu_add(vm, 0, guest_spin_if0_fn);
	vcpu_get_regs(vcpu, &regs);
	TEST_ASSERT(!(regs.rflags & RFLAGS_IF), "rflags %#llx: IF set",
		    regs.rflags);
	signal(SIGALRM, if0_spin_timeout);
	/* The scenario's own timeout comes back after. */
	scenario_left = alarm(20);
	run_until_signal(vcpu);
	signal(SIGALRM, SIG_DFL);
	alarm(scenario_left);
	vcpu_get_regs(vcpu, &regs);
	TEST_EXPECT(!(regs.rflags & RFLAGS_IF),
		    "rflags %#llx after the signal: IF set", regs.rflags);
	vm_free(vm);
}

static void signal_pending(int dev)
{
	struct kvm_vm *vm = vm_create_long_mode(dev);
	struct kvm_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_spin_fn);
	struct kvm_signal_mask *kmask;
	sigset_t block;
	int r;

	install_handler();
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, NULL);
	raise(SIGUSR1);
	/* While in KVM_RUN nothing is blocked: the pending signal counts. */
	kmask = calloc(1, sizeof(*kmask) + 8);
	TEST_ASSERT(kmask, "out of memory");
	kmask->len = 8;
	TEST_ASSERT(!ioctl(vcpu->fd, KVM_SET_SIGNAL_MASK, kmask),
		    "KVM_SET_SIGNAL_MASK: %s", errno_str(errno));
	r = _vcpu_run(vcpu);
	TEST_EXPECT(r == -EINTR, "KVM_RUN returned %s, expected EINTR",
		    errno_str(-r));
	TEST_EXPECT(vcpu->run->exit_reason == KVM_EXIT_INTR,
		    "exit reason %s, expected KVM_EXIT_INTR",
		    exit_reason_str(vcpu->run->exit_reason));
	free(kmask);
	vm_free(vm);
}

static void immediate_exit(int dev)
{
	struct kvm_vm *vm = vm_create_long_mode(dev);
	struct kvm_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_done_fn);
	int r;

	vcpu->run->immediate_exit = 1;
	vcpu->run->exit_reason = KVM_EXIT_HLT;
	r = _vcpu_run(vcpu);
	TEST_EXPECT(r == -EINTR, "KVM_RUN returned %s, expected EINTR",
		    errno_str(-r));
	/*
	 * KVM (6.1, the oracle here) returns before touching kvm_run: the
	 * exit reason stays what it was.
	 */
	TEST_EXPECT(vcpu->run->exit_reason == KVM_EXIT_HLT,
		    "exit reason %s, expected it unchanged (KVM_EXIT_HLT)",
		    exit_reason_str(vcpu->run->exit_reason));
	/* The guest has not run: it still gets to GUEST_DONE. */
	vcpu->run->immediate_exit = 0;
	vcpu_run_to_done(vcpu);
	vm_free(vm);
}

static void vcpu_ids(int dev)
{
	struct kvm_vm *vm = vm_create_barebones(dev);
	long max_id = check_cap(dev, KVM_CAP_MAX_VCPU_ID);
	int r, err;

	vm_vcpu_add_raw(vm, 0);
	r = ioctl(vm->fd, KVM_CREATE_VCPU, 0);
	err = errno;
	TEST_EXPECT_ERRNO(r, err, EEXIST, "KVM_CREATE_VCPU with a duplicate id");
	if (max_id > 0) {
		r = ioctl(vm->fd, KVM_CREATE_VCPU, max_id);
		err = errno;
		TEST_EXPECT_ERRNO(r, err, EINVAL,
				  "KVM_CREATE_VCPU with id KVM_CAP_MAX_VCPU_ID");
	}
	r = ioctl(vm->fd, KVM_CREATE_VCPU, 0x7fffffff);
	err = errno;
	TEST_EXPECT_ERRNO(r, err, EINVAL, "KVM_CREATE_VCPU with id 0x7fffffff");
	r = ioctl(vm->fd, KVM_CREATE_VCPU, 1);
	TEST_EXPECT(r >= 0, "a good id still works: %s", errno_str(errno));
	if (r >= 0)
		close(r);
	vm_free(vm);
}

static const struct scenario scenarios[] = {
	{ "triple fault gives KVM_EXIT_SHUTDOWN", triple_fault, NEED_GUEST, { 0 } },
	{ "invalid guest state gives KVM_EXIT_FAIL_ENTRY", invalid_state,
	  NEED_GUEST, { 0 } },
	{ "signal during KVM_RUN: EINTR, KVM_EXIT_INTR", signal_in_run,
	  NEED_GUEST, { 0 } },
	{ "signal ends KVM_RUN of a guest spinning with IF = 0",
	  signal_in_if0_spin, NEED_GUEST, { 0 } },
	{ "pending signal: EINTR, KVM_EXIT_INTR", signal_pending,
	  NEED_GUEST, { 0 } },
	{ "immediate_exit: EINTR, exit_reason untouched", immediate_exit,
	  NEED_GUEST, { KVM_CAP_IMMEDIATE_EXIT } },
	{ "KVM_CREATE_VCPU with bad or duplicate ids", vcpu_ids,
	  NEED_VCPUS, { 0 } },
};

int main(int argc, char **argv)
{
	run_scenarios(argc, argv, scenarios, ARRAY_SIZE(scenarios));
}
