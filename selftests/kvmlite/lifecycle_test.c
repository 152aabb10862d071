// SPDX-License-Identifier: GPL-2.0
/*
 * VM and vCPU lifetimes: many VMs with vCPUs that run, created and
 * destroyed, give back all memory and every pinned page; a process
 * killed with SIGKILL in the middle of KVM_RUN leaves the host healthy
 * (a new VM works afterwards); a vCPU outlives its VM's file descriptor.
 */
#include <linux/kvm.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kvm_util.h"
#include "kvmlite_util.h"

#define ROUNDS		12
#define VCPUS		4
/* Slack for allocator and page-cache noise; a leak of one VM is more. */
#define LEAK_SLACK_KB	3072
/*
 * KVM, the reference, keeps more across VMs: on the 768 MiB test machine
 * MemFree dropped by 4.2, 4.3 and 8.2 MB over the 12 rounds (3 of 4 runs,
 * Bochs 2.7 and 3.0), with nothing left pinned.
 */
#define KVM_LEAK_SLACK_KB	16384
#define PIN_SLACK	256

static long file_value(const char *path, const char *key)
{
	char line[256];
	long v = -1;
	size_t n = strlen(key);
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) &&
		    (line[n] == ' ' || line[n] == ':')) {
			if (sscanf(line + n + 1, "%ld", &v) != 1)
				v = -1;
			break;
		}
	fclose(f);
	return v;
}

/* Pages pinned with FOLL_PIN and not yet released, system wide. */
static long pinned_now(void)
{
	return file_value("/proc/vmstat", "nr_foll_pin_acquired") -
	       file_value("/proc/vmstat", "nr_foll_pin_released");
}

static void guest_hello(u64 id)
{
	GUEST_SYNC(1, id);
	GUEST_DONE();
}

static void one_round(int dev)
{
	struct kvm_vm *vm = vm_create_long_mode(dev);
	struct kvm_vcpu *vcpu;
	struct ucall uc;
	unsigned int i;

	for (i = 0; i < VCPUS; i++) {
		vcpu = vm_vcpu_add(vm, i, guest_hello);
		vcpu_args_set(vcpu, 1, (u64)i);
		vcpu_expect_ucall(vcpu, &uc, UCALL_SYNC);
		TEST_ASSERT(uc.args[1] == i, "vCPU %u says %llu", i, uc.args[1]);
		vcpu_run_to_done(vcpu);
	}
	vm_free(vm);
}

/*
 * MemFree, with the per-CPU page lists drained first: they grow with the
 * machine's RAM (hundreds of pages per CPU with 768 MiB) and hold freed
 * pages that MemFree does not count.  Compaction drains them; where it
 * is not built in, the slack must cover them.
 */
static long mem_free_kb(void)
{
	FILE *f = fopen("/proc/sys/vm/compact_memory", "w");

	if (f) {
		fputs("1\n", f);
		fclose(f);
	}
	return file_value("/proc/meminfo", "MemFree");
}

static void many_vms(int dev)
{
	long free0, free1, pin0, pin1, slack;
	int i;

	/* Warm up the allocators and the module's first-use state. */
	one_round(dev);
	one_round(dev);
	sync();
	free0 = mem_free_kb();
	pin0 = pinned_now();
	for (i = 0; i < ROUNDS; i++)
		one_round(dev);
	sync();
	free1 = mem_free_kb();
	pin1 = pinned_now();
	tap_diag("%d VMs x %d vCPUs: MemFree %ld -> %ld kB, pinned pages %ld -> %ld",
		 ROUNDS, VCPUS, free0, free1, pin0, pin1);
	slack = dev_is_kvmlite(dev) ? LEAK_SLACK_KB : KVM_LEAK_SLACK_KB;
	TEST_EXPECT(free1 >= free0 - slack, "MemFree dropped by %ld kB (slack %ld)",
		    free0 - free1, slack);
	/*
	 * /proc/vmstat folds per-CPU counter deltas lazily (up to ~125 per
	 * CPU), so small differences either way are noise; one leaked VM
	 * is at least 2 MiB of guest memory, 512 pinned pages.
	 */
	TEST_EXPECT(pin1 - pin0 <= PIN_SLACK, "%ld pinned pages left behind",
		    pin1 - pin0);
}

static void killed_in_run(int dev)
{
	int ready[2], status;
	pid_t child;
	char c;

	TEST_ASSERT(!pipe(ready), "pipe");
	child = fork();
	TEST_ASSERT(child >= 0, "fork");
	if (!child) {
		struct kvm_vm *vm = vm_create_long_mode(dev);
		struct kvm_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_spin_fn);

		/* Tell the parent, then spin in the guest until killed. */
		TEST_ASSERT(write(ready[1], "r", 1) == 1, "write");
		vcpu_run(vcpu);
		_exit(KSFT_FAIL);
	}
	close(ready[1]);
	TEST_ASSERT(read(ready[0], &c, 1) == 1, "child never got ready");
	usleep(300000);
	kill(child, SIGKILL);
	TEST_ASSERT(waitpid(child, &status, 0) == child, "waitpid");
	TEST_EXPECT(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
		    "child status %#x", status);
	/* The host is healthy: a new VM runs a guest. */
	one_round(dev);
}

static void vcpu_outlives_vm_fd(int dev)
{
	struct kvm_vm *vm = vm_create_long_mode(dev);
	struct kvm_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_done_fn);

	/* The vCPU file holds the VM: closing the VM's fd first is fine. */
	close(vm->fd);
	vm->fd = -1;
	vcpu_run_to_done(vcpu);
	vm_free(vm);
	one_round(dev);
}

static const struct scenario scenarios[] = {
	{ "many VMs and vCPUs, no leaked memory or pins", many_vms,
	  NEED_GUEST, { 0 } },
	{ "SIGKILL in KVM_RUN leaves the host healthy", killed_in_run,
	  NEED_GUEST, { 0 } },
	{ "a vCPU outlives its VM's file descriptor", vcpu_outlives_vm_fd,
	  NEED_GUEST, { 0 } },
};

int main(int argc, char **argv)
{
	run_scenarios(argc, argv, scenarios, ARRAY_SIZE(scenarios));
}
