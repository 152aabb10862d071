// SPDX-License-Identifier: GPL-2.0
/*
 * 64-bit long mode for guest code: identity-mapped page tables, a GDT
 * with 64-bit code and data segments and a TSS, an IDT whose handlers
 * (guest_entry.S) report exceptions through ucall, a stack per vCPU, and
 * the initial registers.  Also the guest's exception handler.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "kvm_util.h"

#define PTE_P		0x1ULL
#define PTE_RW		0x2ULL
#define PTE_PS		0x80ULL
#define SZ_2M		0x200000UL
#define SZ_1G		0x40000000UL
#define GUEST_MAP_GB	4
#define GUEST_MEM_EXTRA	SZ_2M
#define IDT_VECTORS	32

#define X86_CR0_PE	0x1ULL
#define X86_CR0_MP	0x2ULL
#define X86_CR0_ET	0x10ULL
#define X86_CR0_NE	0x20ULL
#define X86_CR0_WP	0x10000ULL
#define X86_CR0_PG	0x80000000ULL
#define X86_CR4_PAE	0x20ULL
#define X86_CR4_OSFXSR	0x200ULL
#define X86_CR4_OSXMMEXCPT 0x400ULL
#define EFER_LME	0x100ULL
#define EFER_LMA	0x400ULL

/* Guest state for rdmsr_safe()/wrmsr_safe(): where to resume. */
u64 guest_ex_fixup;
int guest_ex_vector;

/*
 * Runs in the guest, called by guest_exc_common.  Every exception is
 * reported to the host; a faulting *_safe() access then resumes at its
 * fixup, anything else stays stopped.
 */
void guest_exception(struct ex_regs *regs)
{
	ucall(UCALL_EXCEPTION, 3, regs->vector, regs->error_code, regs->rip);
	if (guest_ex_fixup) {
		regs->rip = guest_ex_fixup;
		guest_ex_fixup = 0;
		guest_ex_vector = regs->vector;
		return;
	}
	for (;;)
		guest_assert_fail(__FILE__, __LINE__, "unhandled exception",
				  "vector %llu at %#llx",
				  (unsigned long long)regs->vector,
				  (unsigned long long)regs->rip);
}

void guest_done_fn(void)
{
	GUEST_DONE();
}

void guest_spin_fn(void)
{
	for (;;)
		asm volatile("pause");
}

/* Runs in the guest when a guest function returns. */
void guest_returned(void)
{
	for (;;)
		GUEST_DONE();
}

static u64 round_up(u64 v, u64 a)
{
	return (v + a - 1) & ~(a - 1);
}

static void setup_page_tables(struct kvm_vm *vm)
{
	u64 *pml4 = gpa2hva(vm, GUEST_PT_GPA);
	u64 *pdpt = gpa2hva(vm, GUEST_PT_GPA + 0x1000);
	u64 *pd;
	int i, j;

	pml4[0] = (GUEST_PT_GPA + 0x1000) | PTE_P | PTE_RW;
	for (i = 0; i < GUEST_MAP_GB; i++) {
		u64 pd_gpa = GUEST_PT_GPA + 0x2000 + i * 0x1000;

		pdpt[i] = pd_gpa | PTE_P | PTE_RW;
		pd = gpa2hva(vm, pd_gpa);
		for (j = 0; j < 512; j++)
			pd[j] = ((u64)i * SZ_1G + (u64)j * SZ_2M) |
				PTE_P | PTE_RW | PTE_PS;
	}
}

static void setup_descriptor_tables(struct kvm_vm *vm)
{
	u64 *gdt = gpa2hva(vm, GUEST_GDT_GPA);
	u64 *idt = gpa2hva(vm, GUEST_IDT_GPA);
	u64 tss = GUEST_TSS_GPA;
	int v;

	gdt[0] = 0;
	gdt[GUEST_SEL_CODE / 8] = 0x00af9b000000ffffULL;
	gdt[GUEST_SEL_DATA / 8] = 0x00cf93000000ffffULL;
	/* 64-bit busy TSS, limit 0x67 */
	gdt[GUEST_SEL_TSS / 8] = 0x67 | ((tss & 0xffffff) << 16) |
				 (0x8bULL << 40) | ((tss >> 24) << 56);
	gdt[GUEST_SEL_TSS / 8 + 1] = tss >> 32;

	for (v = 0; v < IDT_VECTORS; v++) {
		u64 h = (u64)(unsigned long)guest_exc_stubs + v * 16;

		/* 64-bit interrupt gate, present, DPL 0 */
		idt[2 * v] = (h & 0xffff) | ((u64)GUEST_SEL_CODE << 16) |
			     (0x8eULL << 40) | (((h >> 16) & 0xffff) << 48);
		idt[2 * v + 1] = h >> 32;
	}
}

struct kvm_vm *vm_create_long_mode(int dev_fd)
{
	struct kvm_vm *vm = vm_create_barebones(dev_fd);
	u64 start = (u64)(unsigned long)__executable_start;
	u64 end = (u64)(unsigned long)_end;
	u64 size = round_up(end, SZ_2M) + GUEST_MEM_EXTRA;
	char *mem;

	TEST_ASSERT(start >= GUEST_STACK_GPA + GUEST_MAX_VCPUS * GUEST_STACK_SIZE &&
		    end < SZ_1G,
		    "test image at %#llx-%#llx: link it -no-pie at 0x400000",
		    (unsigned long long)start, (unsigned long long)end);
	mem = vm_add_region(vm, 0, 0, size, 0);
	memcpy(mem + start, __executable_start, end - start);
	setup_page_tables(vm);
	setup_descriptor_tables(vm);
	vm->long_mode = true;
	return vm;
}

static void set_seg(struct kvm_segment *s, u16 sel, u8 type, bool code)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->limit = 0xffffffff;
	s->type = type;
	s->present = 1;
	s->s = 1;
	s->g = 1;
	s->l = code;
	s->db = !code;
}

struct kvm_vcpu *vm_vcpu_add(struct kvm_vm *vm, unsigned int id,
			     void *guest_code)
{
	struct kvm_vcpu *vcpu = vm_vcpu_add_raw(vm, id);
	u64 stack_top = GUEST_STACK_GPA + (id + 1) * GUEST_STACK_SIZE;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	u64 *ret_addr;

	TEST_ASSERT(vm->long_mode, "%s needs vm_create_long_mode", __func__);
	/*
	 * KVM accepts EFER.LME only when the guest's CPUID has long mode,
	 * so give the guest what the device supports when it can tell.
	 */
	if (check_cap(vm->dev_fd, KVM_CAP_EXT_CPUID) > 0) {
		struct kvm_cpuid2 *cpuid = dev_supported_cpuid(vm->dev_fd);

		vcpu_set_cpuid(vcpu, cpuid);
		free(cpuid);
	}

	vcpu_get_sregs(vcpu, &sregs);
	sregs.cr0 = X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE |
		    X86_CR0_WP | X86_CR0_PG;
	sregs.cr4 = X86_CR4_PAE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
	sregs.efer = EFER_LME | EFER_LMA;
	sregs.cr3 = GUEST_PT_GPA;
	set_seg(&sregs.cs, GUEST_SEL_CODE, 11, true);
	set_seg(&sregs.ds, GUEST_SEL_DATA, 3, false);
	sregs.es = sregs.ds;
	sregs.fs = sregs.ds;
	sregs.gs = sregs.ds;
	sregs.ss = sregs.ds;
	memset(&sregs.tr, 0, sizeof(sregs.tr));
	sregs.tr.selector = GUEST_SEL_TSS;
	sregs.tr.base = GUEST_TSS_GPA;
	sregs.tr.limit = 0x67;
	sregs.tr.type = 11;
	sregs.tr.present = 1;
	memset(&sregs.ldt, 0, sizeof(sregs.ldt));
	sregs.ldt.type = 2;
	sregs.ldt.unusable = 1;
	sregs.gdt.base = GUEST_GDT_GPA;
	sregs.gdt.limit = 0x27;
	sregs.idt.base = GUEST_IDT_GPA;
	sregs.idt.limit = IDT_VECTORS * 16 - 1;
	vcpu_set_sregs(vcpu, &sregs);

	/* Enter as if called: RSP + 8 16-byte aligned, return to a catcher. */
	ret_addr = gpa2hva(vm, stack_top - 8);
	*ret_addr = (u64)(unsigned long)guest_code_returned;
	memset(&regs, 0, sizeof(regs));
	regs.rip = (u64)(unsigned long)guest_code;
	regs.rsp = stack_top - 8;
	regs.rflags = 2;
	vcpu_set_regs(vcpu, &regs);
	return vcpu;
}

void vcpu_args_set(struct kvm_vcpu *vcpu, int n, ...)
{
	struct kvm_regs regs;
	va_list ap;

	TEST_ASSERT(n <= 4, "%d arguments", n);
	vcpu_get_regs(vcpu, &regs);
	va_start(ap, n);
	if (n > 0)
		regs.rdi = va_arg(ap, u64);
	if (n > 1)
		regs.rsi = va_arg(ap, u64);
	if (n > 2)
		regs.rdx = va_arg(ap, u64);
	if (n > 3)
		regs.rcx = va_arg(ap, u64);
	va_end(ap);
	vcpu_set_regs(vcpu, &regs);
}
