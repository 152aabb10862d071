// SPDX-License-Identifier: GPL-2.0
/*
 * A vCPU thread moving between CPUs: its VMCS must be cleared on the old
 * CPU and loaded on the new one, with the guest's state intact.  The
 * host moves the thread before every KVM_RUN, and, in the second
 * scenario, from another thread while the guest computes; the guest's
 * running result must match the host's computation at every step.
 */
#define _GNU_SOURCE
#include <linux/kvm.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kvm_util.h"

#define SYNC_EVERY	1024

static u64 step(u64 *a, u64 b, u64 i)
{
	b += *a * 3 + i;
	*a ^= b << 1;
	return b;
}

static void guest_compute(u64 rounds, u64 sync_every)
{
	u64 i, a = 1, b = 0;

	for (i = 0; i < rounds; i++) {
		b = step(&a, b, i);
		if (i % sync_every == 0)
			GUEST_SYNC(i, b);
	}
	GUEST_SYNC(rounds, b);
	GUEST_DONE();
}

static void expect_sync(struct kvm_vcpu *vcpu, u64 i, u64 b)
{
	struct ucall uc;

	vcpu_expect_ucall(vcpu, &uc, UCALL_SYNC);
	TEST_ASSERT(uc.args[0] == i && uc.args[1] == b,
		    "step %llu: guest %llu/%#llx, host %#llx", i, uc.args[0],
		    uc.args[1], b);
}

/* Follow the guest's SYNCs, checking each against the host's result. */
static void check_guest(struct kvm_vcpu *vcpu, u64 rounds, u64 sync_every,
			bool move_each_run)
{
	int ncpus = sysconf(_SC_NPROCESSORS_ONLN), runs = 0;
	u64 i, a = 1, b = 0;

	for (i = 0; i < rounds; i++) {
		b = step(&a, b, i);
		if (i % sync_every)
			continue;
		if (move_each_run)
			thread_pin_to_cpu(0, runs % ncpus);
		runs++;
		expect_sync(vcpu, i, b);
	}
	expect_sync(vcpu, rounds, b);
	vcpu_run_to_done(vcpu);
	tap_diag("%d results checked, %d CPUs", runs + 1, ncpus);
}

static void move_between_runs(int dev)
{
	struct kvm_vm *vm = vm_create_long_mode(dev);
	struct kvm_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_compute);

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		test_skip("one CPU: nowhere to move to");
	vcpu_args_set(vcpu, 2, (u64)(64 * SYNC_EVERY), (u64)SYNC_EVERY);
	check_guest(vcpu, 64 * SYNC_EVERY, SYNC_EVERY, true);
	vm_free(vm);
}

static atomic_int mover_stop;
static pid_t vcpu_tid;

static void *mover(void *unused)
{
	int cpu = 0;

	(void)unused;
	while (!atomic_load(&mover_stop)) {
		thread_pin_to_cpu(vcpu_tid, cpu);
		cpu ^= 1;
		usleep(2000);
	}
	return NULL;
}

static void move_during_run(int dev)
{
	const u64 rounds = 1 << 21, sync_every = 1 << 16;
	struct kvm_vm *vm = vm_create_long_mode(dev);
	struct kvm_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_compute);
	pthread_t thread;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		test_skip("one CPU: nowhere to move to");
	vcpu_args_set(vcpu, 2, rounds, sync_every);
	vcpu_tid = syscall(SYS_gettid);
	atomic_store(&mover_stop, 0);
	TEST_ASSERT(!pthread_create(&thread, NULL, mover, NULL),
		    "pthread_create");
	check_guest(vcpu, rounds, sync_every, false);
	atomic_store(&mover_stop, 1);
	pthread_join(thread, NULL);
	vm_free(vm);
}

static const struct scenario scenarios[] = {
	{ "vCPU thread moved to another CPU before every run",
	  move_between_runs, NEED_GUEST, { 0 } },
	{ "vCPU thread moved between CPUs while the guest runs",
	  move_during_run, NEED_GUEST, { 0 } },
};

int main(int argc, char **argv)
{
	run_scenarios(argc, argv, scenarios, ARRAY_SIZE(scenarios));
}
