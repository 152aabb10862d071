/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Running guest code from a selftest, on /dev/kvmlite or /dev/kvm (the
 * same KVM ABI): VMs, guest memory, vCPUs, a 64-bit long-mode setup in
 * which the test's own C functions run as guest code, a real-mode
 * helper, KVM_RUN with ucall decoding, and a runner that executes each
 * scenario of a test on each device and reports one TAP line per
 * scenario and device.
 *
 * Guest memory of a long-mode VM (memslot 0, from GPA 0):
 *   0x100000  page tables: identity map of the low 4 GiB in 2 MiB pages
 *   0x106000  GDT, 0x107000 IDT, 0x108000 TSS
 *   0x110000  scratch page for tests (GUEST_SCRATCH_GPA)
 *   0x200000  vCPU stacks, GUEST_STACK_SIZE each
 *   0x400000  a copy of the test binary, __executable_start.._end, at
 *             its link address (static, non-PIE), so that guest virtual
 *             == guest physical == host virtual for code and data
 * Anything above the slot and below 4 GiB is mapped but has no memory:
 * accesses there exit as KVM_EXIT_MMIO.
 */
#ifndef KVMLITE_KVM_UTIL_H
#define KVMLITE_KVM_UTIL_H

#include <errno.h>
#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/types.h>

#include "tap.h"
#include "ucall.h"

#define GUEST_PT_GPA		0x100000UL
#define GUEST_GDT_GPA		0x106000UL
#define GUEST_IDT_GPA		0x107000UL
#define GUEST_TSS_GPA		0x108000UL
#define GUEST_SCRATCH_GPA	0x110000UL
#define GUEST_STACK_GPA		0x200000UL
#define GUEST_STACK_SIZE	0x10000UL
#define GUEST_MAX_VCPUS		16
#define GUEST_SEL_CODE		0x08
#define GUEST_SEL_DATA		0x10
#define GUEST_SEL_TSS		0x18
#define GUEST_MEM_MAX_REGIONS	16

struct kvm_vm;

struct kvm_vcpu {
	struct kvm_vm *vm;
	unsigned int id;
	int fd;
	struct kvm_run *run;
	size_t run_size;
};

struct guest_region {
	struct kvm_userspace_memory_region mr;	/* memory_size 0: unused */
	void *hva;
	size_t mmap_size;
};

struct kvm_vm {
	int dev_fd;		/* not owned */
	int fd;
	bool long_mode;
	struct guest_region regions[GUEST_MEM_MAX_REGIONS];
	struct kvm_vcpu *vcpus[GUEST_MAX_VCPUS];
};

/*
 * Host-side assertions, for use inside a scenario (which runs in a
 * child process of the runner): TEST_ASSERT ends the scenario as a
 * failure; TEST_EXPECT records a failure and goes on.
 */
extern int test_failures;
__printf(3, 4) __noreturn void test_fail(const char *file, int line,
					 const char *fmt, ...);
__printf(1, 2) __noreturn void test_skip(const char *fmt, ...);
__printf(3, 4) void test_expect_fail(const char *file, int line,
				     const char *fmt, ...);
bool test_expect_errno(const char *file, int line, long ret, int err,
		       int expected, const char *what);
const char *errno_str(int err);

#define TEST_ASSERT(cond, fmt, ...)					\
	do {								\
		if (!(cond))						\
			test_fail(__FILE__, __LINE__, "%s: " fmt,	\
				  #cond, ##__VA_ARGS__);		\
	} while (0)

#define TEST_EXPECT(cond, fmt, ...)					\
	({								\
		bool __ok = (cond);					\
		if (!__ok)						\
			test_expect_fail(__FILE__, __LINE__, "%s: " fmt, \
					 #cond, ##__VA_ARGS__);		\
		__ok;							\
	})

/* ret must be -1 with errno (saved in err) == expected. */
#define TEST_EXPECT_ERRNO(ret, err, expected, what)			\
	test_expect_errno(__FILE__, __LINE__, ret, err, expected, what)

/* Device switch: one TAP line per scenario and device. */
#define SCENARIO_MAX_CAPS	4

/* What a scenario needs of the device (struct scenario's needs). */
#define NEED_VCPUS	0x1	/* KVM_CAP_NR_VCPUS */
#define NEED_MEMORY	0x2	/* KVM_CAP_USER_MEMORY */
#define NEED_GUEST	(NEED_VCPUS | NEED_MEMORY)

struct scenario {
	const char *name;
	void (*fn)(int dev_fd);
	unsigned int needs;
	/* further capabilities the scenario needs, 0-terminated */
	long caps[SCENARIO_MAX_CAPS];
};

/*
 * Run every scenario on /dev/kvmlite then /dev/kvm (or only on the
 * --device PATH given), each in a child process with a timeout, and
 * finish the TAP output.  A device without a capability a scenario
 * needs reports that scenario as SKIP with the reason.
 */
/* The PATH of a "--device PATH" among the arguments, or NULL. */
const char *device_arg(int argc, char **argv);

__noreturn void run_scenarios(int argc, char **argv,
			      const struct scenario *s, int n);
/*
 * The same without finishing: the plan has room for extra more TAP
 * lines, which the caller prints before tap_finish().  Every device is
 * closed (and kvm_intel unloaded if it was loaded here) on return.
 */
void run_scenarios_then(int argc, char **argv, const struct scenario *s,
			int n, int extra);
long check_cap(int fd, long cap);
const char *cap_name(long cap);

/* VMs and memory. */
struct kvm_vm *vm_create_barebones(int dev_fd);
/* A VM with memslot 0 set up for long-mode guest code (layout above). */
struct kvm_vm *vm_create_long_mode(int dev_fd);
/*
 * A VM for real-mode code: slot 0 holds the low 1 MiB, slot 1 the
 * 64 KiB below 4 GiB, where the reset vector 0xfffffff0 is.
 */
struct kvm_vm *vm_create_real_mode(int dev_fd);
void vm_free(struct kvm_vm *vm);
/* Pin thread tid (0: the caller) to one host CPU, or fail the test. */
void thread_pin_to_cpu(pid_t tid, int cpu);

/* Allocate host memory and install it as a memslot; returns its HVA. */
void *vm_add_region(struct kvm_vm *vm, u32 slot, u64 gpa, size_t size,
		    u32 flags);
/* The raw ioctl; 0 or -1 with errno. */
int vm_set_user_memory_region(struct kvm_vm *vm, u32 slot, u32 flags,
			      u64 gpa, u64 size, void *hva);
struct guest_region *vm_find_region(struct kvm_vm *vm, u32 slot);
/* Host address of guest-physical memory; NULL when no slot holds it. */
void *gpa2hva(struct kvm_vm *vm, u64 gpa);
void vm_load_bytes(struct kvm_vm *vm, u64 gpa, const void *bytes,
		   size_t len);

/* Copy a global variable between the host and the guest's copy. */
#define sync_global_to_guest(vm, g)					\
	({								\
		typeof(g) *__g = &(g);					\
		memcpy(gpa2hva(vm, (unsigned long)__g), __g, sizeof(*__g)); \
	})
#define sync_global_from_guest(vm, g)					\
	({								\
		typeof(g) *__g = &(g);					\
		memcpy(__g, gpa2hva(vm, (unsigned long)__g), sizeof(*__g)); \
	})

/* vCPUs. */
struct kvm_vcpu *vm_vcpu_add_raw(struct kvm_vm *vm, unsigned int id);
/* A vCPU in long mode that starts at guest_code (in a long-mode VM). */
struct kvm_vcpu *vm_vcpu_add(struct kvm_vm *vm, unsigned int id,
			     void *guest_code);
/* Set up to four integer arguments of guest_code (RDI, RSI, RDX, RCX). */
void vcpu_args_set(struct kvm_vcpu *vcpu, int n, ...);
/* Real mode, CS = cs (base cs << 4), IP = ip, RFLAGS = 2. */
void vcpu_set_real_mode_entry(struct kvm_vcpu *vcpu, u16 cs, u16 ip);
void vcpu_free(struct kvm_vcpu *vcpu);

void vcpu_get_regs(struct kvm_vcpu *vcpu, struct kvm_regs *regs);
void vcpu_set_regs(struct kvm_vcpu *vcpu, struct kvm_regs *regs);
void vcpu_get_sregs(struct kvm_vcpu *vcpu, struct kvm_sregs *sregs);
void vcpu_set_sregs(struct kvm_vcpu *vcpu, struct kvm_sregs *sregs);
/* One MSR through KVM_SET_MSRS / KVM_GET_MSRS; the test fails if refused. */
void vcpu_set_msr(struct kvm_vcpu *vcpu, u32 index, u64 data);
u64 vcpu_get_msr(struct kvm_vcpu *vcpu, u32 index);
/* KVM_GET_SUPPORTED_CPUID of the device; free() the result. */
struct kvm_cpuid2 *dev_supported_cpuid(int dev_fd);
/* The entry of leaf fn, subleaf 0, in a CPUID table; NULL if absent. */
struct kvm_cpuid_entry2 *cpuid_leaf(struct kvm_cpuid2 *c, u32 fn);
void vcpu_set_cpuid(struct kvm_vcpu *vcpu, struct kvm_cpuid2 *cpuid);
/* The entry for leaf fn (its first subleaf), or NULL. */
struct kvm_cpuid_entry2 *cpuid_entry(struct kvm_cpuid2 *c, u32 fn);

/* KVM_RUN: returns 0 or -errno. */
int _vcpu_run(struct kvm_vcpu *vcpu);
/* KVM_RUN that must succeed. */
void vcpu_run(struct kvm_vcpu *vcpu);
/* Decode the last exit as a ucall (copied to uc); UCALL_NONE if not. */
u64 get_ucall(struct kvm_vcpu *vcpu, struct ucall *uc);
/*
 * Run until the guest makes a ucall other than PRINTF (printed as TAP
 * diagnostics); a failed GUEST_ASSERT or an exit that is no ucall ends
 * the scenario.  Returns the command, the ucall in uc.
 */
u64 vcpu_run_ucall(struct kvm_vcpu *vcpu, struct ucall *uc);
/* Same, and the command must be cmd (an exception is described). */
void vcpu_expect_ucall(struct kvm_vcpu *vcpu, struct ucall *uc, u64 cmd);
/* The next ucall must be GUEST_SYNC(stage, val); returns val. */
u64 vcpu_expect_sync(struct kvm_vcpu *vcpu, u64 stage);
/* Run a guest to GUEST_DONE, taking no SYNC. */
void vcpu_run_to_done(struct kvm_vcpu *vcpu);
const char *exit_reason_str(u32 reason);
/* The I/O data of a KVM_EXIT_IO. */
static inline void *vcpu_io_data(struct kvm_vcpu *vcpu)
{
	return (char *)vcpu->run + vcpu->run->io.data_offset;
}

/*
 * The last exit must be KVM_EXIT_IO with these fields (ends the scenario
 * otherwise); returns the data.
 */
void *vcpu_expect_io(struct kvm_vcpu *vcpu, u8 direction, u16 port, u8 size,
		     u32 count);
/* The last exit must be this reason. */
void vcpu_expect_exit(struct kvm_vcpu *vcpu, u32 reason);

/* Guest helpers (run in the guest). */
/* RDMSR/WRMSR that return -1, or the vector of the exception they took. */
int rdmsr_safe(u32 msr, u64 *val);
/* A guest function that only does GUEST_DONE. */
void guest_done_fn(void);
/* A guest function that spins forever. */
void guest_spin_fn(void);

/* Guest accesses of one width, exactly one instruction each. */
static inline u8 guest_read8(u64 addr)
{
	u8 v;

	asm volatile("movb (%1), %0" : "=r"(v) : "r"(addr) : "memory");
	return v;
}

static inline void guest_write8(u64 addr, u8 v)
{
	asm volatile("movb %0, (%1)" : : "r"(v), "r"(addr) : "memory");
}

static inline u16 guest_read16(u64 addr)
{
	u16 v;

	asm volatile("movw (%1), %0" : "=r"(v) : "r"(addr) : "memory");
	return v;
}

static inline void guest_write16(u64 addr, u16 v)
{
	asm volatile("movw %0, (%1)" : : "r"(v), "r"(addr) : "memory");
}

static inline u32 guest_read32(u64 addr)
{
	u32 v;

	asm volatile("movl (%1), %0" : "=r"(v) : "r"(addr) : "memory");
	return v;
}

static inline void guest_write32(u64 addr, u32 v)
{
	asm volatile("movl %0, (%1)" : : "r"(v), "r"(addr) : "memory");
}

static inline u64 guest_read64(u64 addr)
{
	u64 v;

	asm volatile("movq (%1), %0" : "=r"(v) : "r"(addr) : "memory");
	return v;
}

static inline void guest_write64(u64 addr, u64 v)
{
	asm volatile("movq %0, (%1)" : : "r"(v), "r"(addr) : "memory");
}

/* Keep the compiler from knowing a value (no constant folding). */
#define HIDE_VALUE(v)	({ asm volatile("" : "+g"(v)); })

/* Library internals: linker symbols, guest_entry.S. */
extern char __executable_start[], _end[];
extern char guest_exc_stubs[], guest_code_returned[];
extern u64 guest_ex_fixup;
extern int guest_ex_vector;

/* The frame guest_exc_common builds for guest_exception(). */
struct ex_regs {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rdi, rsi, rbp, rbx, rdx, rcx, rax;
	u64 vector, error_code;
	u64 rip, cs, rflags, rsp, ss;
};

void guest_exception(struct ex_regs *regs);
void guest_returned(void);
int wrmsr_safe(u32 msr, u64 val);

#endif /* KVMLITE_KVM_UTIL_H */
