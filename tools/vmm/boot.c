// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's first state.
 *
 * Guest RAM below 1 MiB, written here (see kvmlite-run.h):
 *   0x1000  GDT: 0x08 64-bit code, 0x10 flat data, 0x18 flat 32-bit code
 *   0x1100  Multiboot info (flags = memory: mem_lower, mem_upper in KiB)
 *   0x2000  PML4, 0x3000 PDPT, 0x4000-0x7fff four PDs: the first 4 GiB
 *           identity-mapped with 2 MiB pages (64-bit ELF only); the
 *           last GiB, above RAM, is the MMIO hole (the LAPIC at
 *           0xfee00000) and is mapped uncached (PCD|PWT)
 *   0x70000-0x7ffff  one 8 KiB stack per vCPU (64-bit ELF: RSP)
 *
 * Every vCPU starts at the entry point, with EDI/RDI = its index and
 * ESI/RSI = the number of vCPUs (there is no INIT/SIPI without an
 * in-kernel LAPIC, so application processors are not held back: a guest
 * that wants one CPU halts the others, and a halted vCPU's thread ends).
 * With --irqchip split only vCPU 0 gets this state (kvm.c): the others
 * wait in their reset state for the guest's INIT and SIPI.
 * Multiboot handoff goes to vCPU 0 only: EAX=0x2BADB002 and EBX=0x1100;
 * the others get EAX=EBX=0.
 *
 * A bzImage (--kernel, bzimage.c) gets the Linux 32-bit boot protocol's
 * state instead: its own GDT at 0x1000 (0x10 code, 0x18 data, as the
 * protocol names them), ESI = the zero page, every other GPR zero.
 */
#include <string.h>
#include <sys/ioctl.h>

#include "kvmlite-run.h"

#define CR0_PE		BIT_ULL(0)
#define CR0_MP		BIT_ULL(1)
#define CR0_ET		BIT_ULL(4)
#define CR0_NE		BIT_ULL(5)
#define CR0_WP		BIT_ULL(16)
#define CR0_PG		BIT_ULL(31)
#define CR4_PAE		BIT_ULL(5)
#define EFER_LME	BIT_ULL(8)
#define EFER_LMA	BIT_ULL(10)
#define PTE_P		BIT_ULL(0)
#define PTE_RW		BIT_ULL(1)
#define PTE_PWT		BIT_ULL(3)
#define PTE_PCD		BIT_ULL(4)
#define PTE_PS		BIT_ULL(7)

/* Multiboot (v1) information structure, the part that is filled in. */
struct multiboot_info {
	uint32_t flags;
	uint32_t mem_lower;
	uint32_t mem_upper;
	uint32_t unused[25];
};

static const uint64_t gdt[] = {
	0,
	0x00af9b000000ffffULL,	/* 0x08: code, 64-bit, DPL 0 */
	0x00cf93000000ffffULL,	/* 0x10: data, 4 GiB, writable */
	0x00cf9b000000ffffULL,	/* 0x18: code, 32-bit, 4 GiB */
};

static const uint64_t linux_gdt[] = {
	0,
	0,
	0x00cf9b000000ffffULL,	/* 0x10 (__BOOT_CS): code, 32-bit, 4 GiB */
	0x00cf93000000ffffULL,	/* 0x18 (__BOOT_DS): data, 4 GiB */
};

static void put64(struct vm *vm, uint64_t gpa, uint64_t val)
{
	memcpy(vm->ram + gpa, &val, sizeof(val));
}

void boot_write_tables(struct vm *vm)
{
	struct multiboot_info mbi = { 0 };
	uint64_t i;

	if (vm->mode == BOOT_REAL16)
		return;
	if (vm->mode == BOOT_LINUX32) {
		memcpy(vm->ram + BOOT_GDT, linux_gdt, sizeof(linux_gdt));
		return;
	}
	memcpy(vm->ram + BOOT_GDT, gdt, sizeof(gdt));

	mbi.flags = 1;	/* mem_lower and mem_upper are valid */
	mbi.mem_lower = 640;
	mbi.mem_upper = (vm->ram_size >> 10) - 1024;
	memcpy(vm->ram + BOOT_MBI, &mbi, sizeof(mbi));

	if (vm->mode != BOOT_LONG64)
		return;
	put64(vm, BOOT_PML4, BOOT_PDPT | PTE_P | PTE_RW);
	for (i = 0; i < 4; i++)
		put64(vm, BOOT_PDPT + i * 8,
		      (BOOT_PD + i * 0x1000) | PTE_P | PTE_RW);
	for (i = 0; i < 4 * 512; i++)
		put64(vm, BOOT_PD + i * 8,
		      (i << 21) | PTE_P | PTE_RW | PTE_PS |
		      ((i << 21) >= MMIO_HOLE_START ? PTE_PCD | PTE_PWT : 0));
}

static void flat_segment(struct kvm_segment *s, uint16_t sel, bool code,
			 bool long_mode)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->base = 0;
	s->limit = 0xffffffff;
	s->type = code ? 11 : 3;	/* execute/read, accessed : read/write */
	s->present = 1;
	s->s = 1;
	s->g = 1;
	s->l = code && long_mode;
	s->db = !s->l;
}

/* Flat data in DS, ES, FS, GS, SS; the GDT at BOOT_GDT; CR0.PE. */
static void flat_data(struct kvm_sregs *sregs, uint16_t sel, size_t gdt_size)
{
	struct kvm_segment data;

	flat_segment(&data, sel, false, false);
	sregs->ds = data;
	sregs->es = data;
	sregs->fs = data;
	sregs->gs = data;
	sregs->ss = data;
	sregs->gdt.base = BOOT_GDT;
	sregs->gdt.limit = gdt_size - 1;
	sregs->cr0 = CR0_PE | CR0_ET | CR0_NE;
}

static void real_segment(struct kvm_segment *s, uint16_t sel)
{
	s->selector = sel;
	s->base = (uint64_t)sel << 4;
}

int boot_setup_vcpu(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	uint16_t cs;

	if (ioctl(vcpu->fd, KVM_GET_SREGS, &sregs) < 0)
		return dev_error(vm, "KVM_GET_SREGS");
	memset(&regs, 0, sizeof(regs));
	regs.rflags = 0x2;
	regs.rip = vm->entry;
	regs.rdi = vcpu->id;
	regs.rsi = vm->nr_vcpus;

	switch (vm->mode) {
	case BOOT_REAL16:
		/* CS:IP = 0:ADDR below 64 KiB, else ADDR/16:0; SS:SP = CS:0. */
		cs = vm->entry < 0x10000 ? 0 : vm->entry >> 4;
		regs.rip = vm->entry - ((uint64_t)cs << 4);
		real_segment(&sregs.cs, cs);
		real_segment(&sregs.ds, cs);
		real_segment(&sregs.es, cs);
		real_segment(&sregs.fs, cs);
		real_segment(&sregs.gs, cs);
		real_segment(&sregs.ss, cs);
		break;
	case BOOT_LINUX32:
		flat_segment(&sregs.cs, SEL_LINUX_CS, true, false);
		flat_data(&sregs, SEL_LINUX_DS, sizeof(linux_gdt));
		regs.rdi = 0;
		regs.rsi = LINUX_ZERO_PAGE;
		break;
	case BOOT_PROT32:
	case BOOT_LONG64:
		flat_segment(&sregs.cs, vm->mode == BOOT_LONG64 ?
			     SEL_CODE64 : SEL_CODE32, true,
			     vm->mode == BOOT_LONG64);
		flat_data(&sregs, SEL_DATA, sizeof(gdt));
		if (vm->mode == BOOT_PROT32) {
			if (vcpu->id == 0) {
				regs.rax = MULTIBOOT_BOOT_MAGIC;
				regs.rbx = BOOT_MBI;
			}
			break;
		}
		sregs.cr0 |= CR0_MP | CR0_WP | CR0_PG;
		sregs.cr3 = BOOT_PML4;
		sregs.cr4 = CR4_PAE;
		sregs.efer = EFER_LME | EFER_LMA;
		regs.rsp = BOOT_STACKS_END - vcpu->id * BOOT_STACK_SIZE;
		break;
	}
	if (ioctl(vcpu->fd, KVM_SET_SREGS, &sregs) < 0)
		return dev_error(vm, "KVM_SET_SREGS");
	if (ioctl(vcpu->fd, KVM_SET_REGS, &regs) < 0)
		return dev_error(vm, "KVM_SET_REGS");
	return 0;
}
