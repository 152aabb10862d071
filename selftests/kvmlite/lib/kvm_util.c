// SPDX-License-Identifier: GPL-2.0
/*
 * Host side of the guest-code library: VMs, memslots, vCPUs, KVM_RUN and
 * ucall decoding.  The long-mode setup is in processor.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvm_util.h"

#define RM_LOW_SIZE	0x100000UL
#define RM_RESET_GPA	0xffff0000UL
#define RM_RESET_SIZE	0x10000UL

struct kvm_vm *vm_create_barebones(int dev_fd)
{
	struct kvm_vm *vm = calloc(1, sizeof(*vm));

	TEST_ASSERT(vm, "out of memory");
	vm->dev_fd = dev_fd;
	vm->fd = ioctl(dev_fd, KVM_CREATE_VM, 0);
	TEST_ASSERT(vm->fd >= 0, "KVM_CREATE_VM: %s", errno_str(errno));
	return vm;
}

struct kvm_vm *vm_create_real_mode(int dev_fd)
{
	struct kvm_vm *vm = vm_create_barebones(dev_fd);

	vm_add_region(vm, 0, 0, RM_LOW_SIZE, 0);
	vm_add_region(vm, 1, RM_RESET_GPA, RM_RESET_SIZE, 0);
	return vm;
}

int vm_set_user_memory_region(struct kvm_vm *vm, u32 slot, u32 flags,
			      u64 gpa, u64 size, void *hva)
{
	struct kvm_userspace_memory_region mr = {
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (u64)(unsigned long)hva,
	};

	return ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &mr);
}

struct guest_region *vm_find_region(struct kvm_vm *vm, u32 slot)
{
	int i;

	for (i = 0; i < GUEST_MEM_MAX_REGIONS; i++)
		if (vm->regions[i].mmap_size && vm->regions[i].mr.slot == slot)
			return &vm->regions[i];
	return NULL;
}

void *vm_add_region(struct kvm_vm *vm, u32 slot, u64 gpa, size_t size,
		    u32 flags)
{
	struct guest_region *r = NULL;
	int i;

	for (i = 0; i < GUEST_MEM_MAX_REGIONS && !r; i++)
		if (!vm->regions[i].mmap_size)
			r = &vm->regions[i];
	TEST_ASSERT(r, "too many regions");
	r->hva = mmap(NULL, size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	TEST_ASSERT(r->hva != MAP_FAILED, "mmap %zu: %s", size,
		    errno_str(errno));
	r->mmap_size = size;
	r->mr.slot = slot;
	r->mr.flags = flags;
	r->mr.guest_phys_addr = gpa;
	r->mr.memory_size = size;
	r->mr.userspace_addr = (u64)(unsigned long)r->hva;
	TEST_ASSERT(!ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r->mr),
		    "KVM_SET_USER_MEMORY_REGION slot %u gpa %#llx size %#zx: %s",
		    slot, (unsigned long long)gpa, size, errno_str(errno));
	return r->hva;
}

void *gpa2hva(struct kvm_vm *vm, u64 gpa)
{
	struct guest_region *r;
	int i;

	for (i = 0; i < GUEST_MEM_MAX_REGIONS; i++) {
		r = &vm->regions[i];
		if (r->mmap_size && r->mr.memory_size &&
		    gpa >= r->mr.guest_phys_addr &&
		    gpa - r->mr.guest_phys_addr < r->mr.memory_size)
			return (char *)r->hva + (gpa - r->mr.guest_phys_addr);
	}
	return NULL;
}

void vm_load_bytes(struct kvm_vm *vm, u64 gpa, const void *bytes, size_t len)
{
	void *hva = gpa2hva(vm, gpa);

	TEST_ASSERT(hva && gpa2hva(vm, gpa + len - 1),
		    "no memory at %#llx+%zu", (unsigned long long)gpa, len);
	memcpy(hva, bytes, len);
}

void vm_free(struct kvm_vm *vm)
{
	int i;

	if (!vm)
		return;
	for (i = 0; i < GUEST_MAX_VCPUS; i++)
		vcpu_free(vm->vcpus[i]);
	close(vm->fd);
	for (i = 0; i < GUEST_MEM_MAX_REGIONS; i++)
		if (vm->regions[i].mmap_size)
			munmap(vm->regions[i].hva, vm->regions[i].mmap_size);
	free(vm);
}

struct kvm_vcpu *vm_vcpu_add_raw(struct kvm_vm *vm, unsigned int id)
{
	struct kvm_vcpu *vcpu;
	int size;

	TEST_ASSERT(id < GUEST_MAX_VCPUS && !vm->vcpus[id], "vCPU id %u", id);
	vcpu = calloc(1, sizeof(*vcpu));
	TEST_ASSERT(vcpu, "out of memory");
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->fd = ioctl(vm->fd, KVM_CREATE_VCPU, id);
	TEST_ASSERT(vcpu->fd >= 0, "KVM_CREATE_VCPU %u: %s", id,
		    errno_str(errno));
	size = ioctl(vm->dev_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	TEST_ASSERT(size >= (int)sizeof(struct kvm_run),
		    "KVM_GET_VCPU_MMAP_SIZE %d: %s", size, errno_str(errno));
	vcpu->run_size = size;
	vcpu->run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 vcpu->fd, 0);
	TEST_ASSERT(vcpu->run != MAP_FAILED, "mmap of the vCPU: %s",
		    errno_str(errno));
	vm->vcpus[id] = vcpu;
	return vcpu;
}

void vcpu_free(struct kvm_vcpu *vcpu)
{
	if (!vcpu)
		return;
	vcpu->vm->vcpus[vcpu->id] = NULL;
	munmap(vcpu->run, vcpu->run_size);
	close(vcpu->fd);
	free(vcpu);
}

#define VCPU_IOCTL(vcpu, nr, arg)					\
	TEST_ASSERT(!ioctl((vcpu)->fd, nr, arg), #nr ": %s",		\
		    errno_str(errno))

void vcpu_get_regs(struct kvm_vcpu *vcpu, struct kvm_regs *regs)
{
	VCPU_IOCTL(vcpu, KVM_GET_REGS, regs);
}

void vcpu_set_regs(struct kvm_vcpu *vcpu, struct kvm_regs *regs)
{
	VCPU_IOCTL(vcpu, KVM_SET_REGS, regs);
}

void vcpu_get_sregs(struct kvm_vcpu *vcpu, struct kvm_sregs *sregs)
{
	VCPU_IOCTL(vcpu, KVM_GET_SREGS, sregs);
}

void vcpu_set_sregs(struct kvm_vcpu *vcpu, struct kvm_sregs *sregs)
{
	VCPU_IOCTL(vcpu, KVM_SET_SREGS, sregs);
}

struct one_msr {
	struct kvm_msrs hdr;
	struct kvm_msr_entry e;
};

void vcpu_set_msr(struct kvm_vcpu *vcpu, u32 index, u64 data)
{
	struct one_msr m;

	memset(&m, 0, sizeof(m));
	m.hdr.nmsrs = 1;
	m.e.index = index;
	m.e.data = data;
	TEST_ASSERT(ioctl(vcpu->fd, KVM_SET_MSRS, &m) == 1,
		    "KVM_SET_MSRS(%#x): %s", index, errno_str(errno));
}

u64 vcpu_get_msr(struct kvm_vcpu *vcpu, u32 index)
{
	struct one_msr m;

	memset(&m, 0, sizeof(m));
	m.hdr.nmsrs = 1;
	m.e.index = index;
	TEST_ASSERT(ioctl(vcpu->fd, KVM_GET_MSRS, &m) == 1,
		    "KVM_GET_MSRS(%#x): %s", index, errno_str(errno));
	return m.e.data;
}

struct kvm_cpuid_entry2 *cpuid_leaf(struct kvm_cpuid2 *c, u32 fn)
{
	u32 i;

	for (i = 0; i < c->nent; i++)
		if (c->entries[i].function == fn && !c->entries[i].index)
			return &c->entries[i];
	return NULL;
}

void vcpu_set_cpuid(struct kvm_vcpu *vcpu, struct kvm_cpuid2 *cpuid)
{
	VCPU_IOCTL(vcpu, KVM_SET_CPUID2, cpuid);
}

struct kvm_cpuid2 *dev_supported_cpuid(int dev_fd)
{
	struct kvm_cpuid2 *c;
	int nent = 64;

	for (;;) {
		c = calloc(1, sizeof(*c) + nent * sizeof(c->entries[0]));
		TEST_ASSERT(c, "out of memory");
		c->nent = nent;
		if (!ioctl(dev_fd, KVM_GET_SUPPORTED_CPUID, c))
			return c;
		TEST_ASSERT(errno == E2BIG && nent < 4096,
			    "KVM_GET_SUPPORTED_CPUID: %s", errno_str(errno));
		free(c);
		nent *= 2;
	}
}

void vcpu_set_real_mode_entry(struct kvm_vcpu *vcpu, u16 cs, u16 ip)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	vcpu_get_sregs(vcpu, &sregs);
	sregs.cs.selector = cs;
	sregs.cs.base = (u64)cs << 4;
	vcpu_set_sregs(vcpu, &sregs);
	vcpu_get_regs(vcpu, &regs);
	regs.rip = ip;
	regs.rflags = 2;
	vcpu_set_regs(vcpu, &regs);
}

int _vcpu_run(struct kvm_vcpu *vcpu)
{
	return ioctl(vcpu->fd, KVM_RUN, 0) ? -errno : 0;
}

void vcpu_run(struct kvm_vcpu *vcpu)
{
	int r = _vcpu_run(vcpu);

	TEST_ASSERT(!r, "KVM_RUN: %s (exit %s)", errno_str(-r),
		    exit_reason_str(vcpu->run->exit_reason));
}

u64 get_ucall(struct kvm_vcpu *vcpu, struct ucall *uc)
{
	struct kvm_run *run = vcpu->run;
	void *hva;
	u32 gpa;

	if (run->exit_reason != KVM_EXIT_IO || run->io.port != UCALL_PORT ||
	    run->io.direction != KVM_EXIT_IO_OUT || run->io.size != 4 ||
	    run->io.count != 1)
		return UCALL_NONE;
	memcpy(&gpa, vcpu_io_data(vcpu), sizeof(gpa));
	hva = gpa2hva(vcpu->vm, gpa);
	TEST_ASSERT(hva && gpa2hva(vcpu->vm, gpa + sizeof(*uc) - 1),
		    "ucall struct at %#x is not in guest memory", gpa);
	memcpy(uc, hva, sizeof(*uc));
	uc->buf[sizeof(uc->buf) - 1] = '\0';
	return uc->cmd;
}

u64 vcpu_run_ucall(struct kvm_vcpu *vcpu, struct ucall *uc)
{
	struct kvm_run *run = vcpu->run;
	u64 cmd;

	for (;;) {
		vcpu_run(vcpu);
		cmd = get_ucall(vcpu, uc);
		if (cmd == UCALL_PRINTF) {
			tap_diag("guest: %s", uc->buf);
			continue;
		}
		if (cmd == UCALL_ABORT)
			test_fail(__FILE__, __LINE__, "guest assertion: %s",
				  uc->buf);
		if (cmd != UCALL_NONE)
			return cmd;
		if (run->exit_reason == KVM_EXIT_IO)
			test_fail(__FILE__, __LINE__,
				  "unexpected I/O exit: port %#x %s size %u count %u",
				  run->io.port,
				  run->io.direction ? "out" : "in",
				  run->io.size, run->io.count);
		if (run->exit_reason == KVM_EXIT_MMIO)
			test_fail(__FILE__, __LINE__,
				  "unexpected MMIO exit: %s %#llx len %u",
				  run->mmio.is_write ? "write" : "read",
				  (unsigned long long)run->mmio.phys_addr,
				  run->mmio.len);
		if (run->exit_reason == KVM_EXIT_INTERNAL_ERROR)
			test_fail(__FILE__, __LINE__,
				  "internal error: suberror %u, data %#llx %#llx %#llx",
				  run->internal.suberror,
				  (unsigned long long)run->internal.data[0],
				  (unsigned long long)run->internal.data[1],
				  (unsigned long long)run->internal.data[2]);
		test_fail(__FILE__, __LINE__, "unexpected exit %s (%u)",
			  exit_reason_str(run->exit_reason), run->exit_reason);
	}
}

void vcpu_expect_ucall(struct kvm_vcpu *vcpu, struct ucall *uc, u64 cmd)
{
	u64 got = vcpu_run_ucall(vcpu, uc);

	if (got == cmd)
		return;
	if (got == UCALL_EXCEPTION)
		test_fail(__FILE__, __LINE__,
			  "guest exception vector %llu error code %#llx at RIP %#llx",
			  (unsigned long long)uc->args[0],
			  (unsigned long long)uc->args[1],
			  (unsigned long long)uc->args[2]);
	test_fail(__FILE__, __LINE__, "ucall %llu, expected %llu",
		  (unsigned long long)got, (unsigned long long)cmd);
}

u64 vcpu_expect_sync(struct kvm_vcpu *vcpu, u64 stage)
{
	struct ucall uc;

	vcpu_expect_ucall(vcpu, &uc, UCALL_SYNC);
	TEST_ASSERT(uc.args[0] == stage, "stage %llu, expected %llu",
		    (unsigned long long)uc.args[0], (unsigned long long)stage);
	return uc.args[1];
}

void vcpu_run_to_done(struct kvm_vcpu *vcpu)
{
	struct ucall uc;

	vcpu_expect_ucall(vcpu, &uc, UCALL_DONE);
}

void vcpu_expect_exit(struct kvm_vcpu *vcpu, u32 reason)
{
	u32 got = vcpu->run->exit_reason;

	if (got == reason)
		return;
	if (got == KVM_EXIT_IO)
		test_fail(__FILE__, __LINE__,
			  "expected %s, got KVM_EXIT_IO port %#x %s size %u count %u",
			  exit_reason_str(reason), vcpu->run->io.port,
			  vcpu->run->io.direction ? "out" : "in",
			  vcpu->run->io.size, vcpu->run->io.count);
	test_fail(__FILE__, __LINE__, "expected %s, got %s (%u)",
		  exit_reason_str(reason), exit_reason_str(got), got);
}

void *vcpu_expect_io(struct kvm_vcpu *vcpu, u8 direction, u16 port, u8 size,
		     u32 count)
{
	struct kvm_run *run = vcpu->run;

	vcpu_expect_exit(vcpu, KVM_EXIT_IO);
	TEST_ASSERT(run->io.direction == direction && run->io.port == port &&
		    run->io.size == size && run->io.count == count,
		    "expected %s port %#x size %u count %u, got %s port %#x size %u count %u",
		    direction ? "out" : "in", port, size, count,
		    run->io.direction ? "out" : "in", run->io.port,
		    run->io.size, run->io.count);
	return vcpu_io_data(vcpu);
}

const char *exit_reason_str(u32 reason)
{
	static const char *const names[] = {
		[KVM_EXIT_UNKNOWN] = "KVM_EXIT_UNKNOWN",
		[KVM_EXIT_EXCEPTION] = "KVM_EXIT_EXCEPTION",
		[KVM_EXIT_IO] = "KVM_EXIT_IO",
		[KVM_EXIT_HYPERCALL] = "KVM_EXIT_HYPERCALL",
		[KVM_EXIT_DEBUG] = "KVM_EXIT_DEBUG",
		[KVM_EXIT_HLT] = "KVM_EXIT_HLT",
		[KVM_EXIT_MMIO] = "KVM_EXIT_MMIO",
		[KVM_EXIT_IRQ_WINDOW_OPEN] = "KVM_EXIT_IRQ_WINDOW_OPEN",
		[KVM_EXIT_SHUTDOWN] = "KVM_EXIT_SHUTDOWN",
		[KVM_EXIT_FAIL_ENTRY] = "KVM_EXIT_FAIL_ENTRY",
		[KVM_EXIT_INTR] = "KVM_EXIT_INTR",
		[KVM_EXIT_INTERNAL_ERROR] = "KVM_EXIT_INTERNAL_ERROR",
		[KVM_EXIT_SYSTEM_EVENT] = "KVM_EXIT_SYSTEM_EVENT",
	};

	if (reason < ARRAY_SIZE(names) && names[reason])
		return names[reason];
	return "an exit reason this library does not name";
}

struct kvm_cpuid_entry2 *cpuid_entry(struct kvm_cpuid2 *c, u32 fn)
{
	u32 i;

	for (i = 0; i < c->nent; i++)
		if (c->entries[i].function == fn)
			return &c->entries[i];
	return NULL;
}

void thread_pin_to_cpu(pid_t tid, int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	TEST_ASSERT(!sched_setaffinity(tid, sizeof(set), &set),
		    "sched_setaffinity(%d) to CPU %d: %s", tid, cpu,
		    errno_str(errno));
}
