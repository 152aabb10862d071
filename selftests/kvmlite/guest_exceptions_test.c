// SPDX-License-Identifier: GPL-2.0
/*
 * Exceptions a guest handles itself, while the host interrupts it.
 *
 * Each vCPU divides by zero a fixed number of times, pinned to a host CPU
 * of its own. Its #DE handler (the guest's IDT; neither kvmlite nor KVM
 * intercepts #DE) checks the frame the CPU pushed: RIP at the DIV, the
 * guest's CS, and RSP as it was at the DIV. It then resumes after the
 * DIV. The host's timer and IPIs take the vCPU out of the guest all
 * along, at any point of the fault, of its delivery and of the handler.
 *
 * Afterwards each vCPU must have taken exactly one #DE per DIV, every
 * frame must be right and the stack pointer must be back where it was.
 * A VM exit that saves the guest's RIP, RSP or CS out of step with the
 * exception's delivery shows as a wrong frame or a stack that moved.
 * Bochs 3.0 without the fixed patch 0005 (tools/testing/bochs3/) does
 * that on its second CPU: the exit saves the faulting RIP with the
 * handler's CS and stack, and the guest runs the DIV again on that stack.
 * (#UD would do as well on kvmlite, but KVM intercepts #UD to emulate
 * hypercall instructions, so every one would be an exit there.)
 */
#define _GNU_SOURCE
#include <linux/kvm.h>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include "apic.h"
#include "kvm_util.h"
#include "kvmlite_util.h"

#define NR_VCPUS	2
#define DE_PER_VCPU	1000000
#define DE_VECTOR	0

/* Per vCPU; written by the #DE handler. */
u64 guest_de_taken[NR_VCPUS];
u64 guest_de_bad_rip[NR_VCPUS];
u64 guest_de_bad_cs[NR_VCPUS];
u64 guest_de_bad_rsp[NR_VCPUS];
/* RSP at the DIV, which each frame must hold. */
u64 guest_de_rsp[NR_VCPUS];

/*
 * de_loop(n, i): as vCPU i, divide by zero n times at de_site; returns
 * how far RSP moved (down). R8 holds i and RCX 0 throughout.
 * de_stub: the #DE handler. Above its two pushes the frame is RIP, CS,
 * RFLAGS, RSP, SS (#DE has no error code).
 */
asm(".text\n"
	".globl de_loop\n"
	"de_loop:\n"
	"	mov %rsi, %r8\n"
	"	mov %rsp, guest_de_rsp(,%r8,8)\n"
	"	xor %r9d, %r9d\n"
	"	xor %ecx, %ecx\n"
	"1:\n"
	".globl de_site\n"
	"de_site:\n"
	"	div %rcx\n"
	".globl de_resume\n"
	"de_resume:\n"
	"	inc %r9\n"		/* up to n: ends even if run twice */
	"	cmp %rdi, %r9\n"
	"	jb 1b\n"
	"	mov guest_de_rsp(,%r8,8), %rax\n"
	"	sub %rsp, %rax\n"
	"	mov guest_de_rsp(,%r8,8), %rsp\n"	/* to return, whatever moved */
	"	ret\n"
	".globl de_stub\n"
	"de_stub:\n"
	"	push %rax\n"
	"	push %rcx\n"
	"	incq guest_de_taken(,%r8,8)\n"
	"	lea de_site(%rip), %rcx\n"
	"	cmp %rcx, 16(%rsp)\n"		/* frame RIP */
	"	je 2f\n"
	"	incq guest_de_bad_rip(,%r8,8)\n"
	"2:\n"
	"	mov %cs, %rcx\n"
	"	cmpw %cx, 24(%rsp)\n"		/* frame CS */
	"	je 3f\n"
	"	incq guest_de_bad_cs(,%r8,8)\n"
	"3:\n"
	"	mov guest_de_rsp(,%r8,8), %rcx\n"
	"	cmp %rcx, 40(%rsp)\n"		/* frame RSP */
	"	je 4f\n"
	"	incq guest_de_bad_rsp(,%r8,8)\n"
	"4:\n"
	"	lea de_resume(%rip), %rcx\n"
	"	mov %rcx, 16(%rsp)\n"
	"	pop %rcx\n"
	"	pop %rax\n"
	"	iretq\n");

static void guest_de(u64 i)
{
	u64 (*loop)(u64 n, u64 i);

	loop = (void *)ASM_SYMBOL_ADDR(de_loop);
	GUEST_SYNC(1, loop(DE_PER_VCPU, i));
	GUEST_DONE();
}

struct de_vcpu {
	struct kvm_vcpu *vcpu;
	int host_cpu;		/* -1: not pinned */
	u64 moved;
};

static void *run_de_vcpu(void *arg)
{
	struct de_vcpu *dv = arg;

	if (dv->host_cpu >= 0)
		thread_pin_to_cpu(0, dv->host_cpu);
	dv->moved = vcpu_expect_sync(dv->vcpu, 1);
	vcpu_run_to_done(dv->vcpu);
	return NULL;
}

/* The i-th online host CPU this process may use, or -1. */
static int host_cpu_nr(int i)
{
	cpu_set_t set;
	int cpu, seen = 0;

	if (sched_getaffinity(0, sizeof(set), &set))
		return -1;
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &set) && seen++ == i)
			return cpu;
	return -1;
}

/*
 * On kvmlite: the host did take the vCPU out of the guest while it ran,
 * else the test proved nothing.
 */
static void expect_async_exits(int i)
{
	long irq = kvmlite_vcpu_stat(i, "irq_exits");
	long timer = kvmlite_vcpu_stat(i, "preemption_timer_exits");

	tap_diag("vCPU %d: %ld external-interrupt exits, %ld preemption-timer exits",
		 i, irq, timer);
	TEST_EXPECT(irq + timer > 0, "vCPU %d was never interrupted by the host", i);
}

static void de_under_exits(int dev)
{
	struct kvm_vm *vm = vm_create_long_mode(dev);
	struct de_vcpu dv[NR_VCPUS];
	pthread_t threads[NR_VCPUS];
	int i;

	vm_set_idt_gate(vm, DE_VECTOR, ASM_SYMBOL_ADDR(de_stub));
	for (i = 0; i < NR_VCPUS; i++) {
		dv[i].vcpu = vm_vcpu_add(vm, i, guest_de);
		dv[i].host_cpu = host_cpu_nr(i);
		vcpu_args_set(dv[i].vcpu, 1, (u64)i);
		vcpu_idt_all_vectors(dv[i].vcpu);
	}
	for (i = 0; i < NR_VCPUS; i++)
		TEST_ASSERT(!pthread_create(&threads[i], NULL, run_de_vcpu,
					    &dv[i]), "pthread_create");
	for (i = 0; i < NR_VCPUS; i++)
		pthread_join(threads[i], NULL);

	sync_global_from_guest(vm, guest_de_taken);
	sync_global_from_guest(vm, guest_de_bad_rip);
	sync_global_from_guest(vm, guest_de_bad_cs);
	sync_global_from_guest(vm, guest_de_bad_rsp);
	for (i = 0; i < NR_VCPUS; i++) {
		tap_diag("vCPU %d on host CPU %d: %llu #DE taken, RSP moved %lld",
			 i, dv[i].host_cpu, guest_de_taken[i],
			 (long long)dv[i].moved);
		TEST_EXPECT(guest_de_taken[i] == DE_PER_VCPU,
			    "vCPU %d took %llu #DE for %d divisions by zero", i,
			    guest_de_taken[i], DE_PER_VCPU);
		TEST_EXPECT(!guest_de_bad_rip[i] && !guest_de_bad_cs[i] &&
			    !guest_de_bad_rsp[i],
			    "vCPU %d: #DE frames with a wrong RIP %llu, CS %llu, RSP %llu times",
			    i, guest_de_bad_rip[i], guest_de_bad_cs[i],
			    guest_de_bad_rsp[i]);
		TEST_EXPECT(!dv[i].moved, "vCPU %d: RSP moved by %lld bytes",
			    i, (long long)dv[i].moved);
		if (dev_is_kvmlite(dev))
			expect_async_exits(i);
	}
	vm_free(vm);
}

static const struct scenario scenarios[] = {
	{ "2 vCPUs, a million guest-handled #DE each under host interrupts: frames right",
	  de_under_exits, NEED_GUEST, { 0 } },
};

int main(int argc, char **argv)
{
	run_scenarios(argc, argv, scenarios, ARRAY_SIZE(scenarios));
}
