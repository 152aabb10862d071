// SPDX-License-Identifier: GPL-2.0
/*
 * The little instruction emulation kvmlite needs: guest linear-to-physical
 * translation, string port I/O (INS/OUTS, with REP), and the MOV-family
 * instructions a guest uses on device registers (MMIO).  Anything else
 * that touches MMIO is reported as KVM_EXIT_INTERNAL_ERROR, never
 * half-emulated.
 */
#include <linux/highmem.h>
#include <linux/kvm.h>
#include <linux/mm.h>
#include <asm/processor-flags.h>
#include <asm/traps.h>

#include "vmx.h"
#include "vmx_ops.h"

/* Copy guest-physical memory; -EFAULT where no memslot backs it. */
static int gpa_copy(struct kvmlite_vm *vm, u64 gpa, void *buf, unsigned int len,
		    bool write)
{
	int r = 0;

	down_read(&vm->slots_lock);
	while (len) {
		unsigned int off = offset_in_page(gpa);
		unsigned int n = min_t(unsigned int, len, PAGE_SIZE - off);
		struct page *page = kvmlite_gpa_to_page(vm, gpa, write);
		void *va;

		if (!page) {
			r = -EFAULT;
			break;
		}
		va = kmap_local_page(page);
		if (write) {
			memcpy(va + off, buf, n);
			set_page_dirty_lock(page);
		} else {
			memcpy(buf, va + off, n);
		}
		kunmap_local(va);
		gpa += n;
		buf += n;
		len -= n;
	}
	up_read(&vm->slots_lock);
	return r;
}

/* 1 GiB and 2 MiB pages with 8-byte entries, 4 MiB ones with PSE. */
static bool large_page_ok(int level, int levels, int esize, unsigned long cr4)
{
	if (esize == 4)
		return level == 1 && (cr4 & X86_CR4_PSE);
	return level == 1 || (levels == 4 && level == 2);
}

/*
 * Walk the guest's page tables: none (paging off), 32-bit with 4 MiB
 * pages, PAE, or 4-level long mode with 2 MiB and 1 GiB pages.
 */
static int gva_to_gpa(struct kvmlite_vcpu *vcpu, u64 gva, u64 *gpa)
{
	unsigned long cr0 = kvmlite_guest_cr0(), cr4 = kvmlite_guest_cr4();
	u64 efer = vmcs_read(GUEST_IA32_EFER);
	u64 table = vmcs_read(GUEST_CR3), entry = 0;
	int level, levels, shift, bits, esize;

	if (!(cr0 & X86_CR0_PG)) {
		*gpa = (u32)gva;
		return 0;
	}
	if (efer & EFER_LMA) {
		levels = 4, bits = 9, esize = 8;
		table &= GENMASK_ULL(51, 12);
	} else if (cr4 & X86_CR4_PAE) {
		levels = 3, bits = 9, esize = 8;
		table &= GENMASK_ULL(31, 5);
		gva = (u32)gva;
	} else {
		levels = 2, bits = 10, esize = 4;
		table &= GENMASK_ULL(31, 12);
		gva = (u32)gva;
	}

	for (level = levels - 1; level >= 0; level--) {
		unsigned int index;

		shift = 12 + bits * level;
		/* The PAE PDPT has 4 entries indexed by bits 31:30. */
		index = (gva >> shift) & ((levels == 3 && level == 2) ? 3 :
					  (1u << bits) - 1);
		entry = 0;
		if (gpa_copy(vcpu->vm, table + index * esize, &entry, esize,
			     false))
			return -EFAULT;
		if (!(entry & _PAGE_PRESENT))
			return -EFAULT;
		if (level > 0 && (entry & _PAGE_PSE) &&
		    large_page_ok(level, levels, esize, cr4)) {
			u64 base;

			if (esize == 4)
				base = (entry & GENMASK_ULL(31, 22)) |
				       ((entry & GENMASK_ULL(20, 13)) << 19);
			else
				base = entry & GENMASK_ULL(51, shift);
			*gpa = base | (gva & GENMASK_ULL(shift - 1, 0));
			return 0;
		}
		table = entry & (esize == 8 ? GENMASK_ULL(51, 12) :
				 GENMASK_ULL(31, 12));
	}
	*gpa = table | (gva & 0xfff);
	return 0;
}

static void inject_page_fault(struct kvmlite_vcpu *vcpu, u64 gva, bool write)
{
	u32 info = X86_TRAP_PF | INTR_TYPE_HARD_EXCEPTION |
		   INTR_INFO_DELIVER_CODE_MASK | INTR_INFO_VALID_MASK;

	vcpu->cr2 = gva;
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, info);
	vmcs_write(VM_ENTRY_EXCEPTION_ERROR_CODE, write ? 2 : 0);
}

/* Copy to or from guest linear memory, page by page. */
static int gva_copy(struct kvmlite_vcpu *vcpu, u64 gva, void *buf,
		    unsigned int len, bool write)
{
	while (len) {
		unsigned int n = min_t(unsigned int, len,
				       PAGE_SIZE - offset_in_page(gva));
		u64 gpa;

		if (gva_to_gpa(vcpu, gva, &gpa) ||
		    gpa_copy(vcpu->vm, gpa, buf, n, write)) {
			inject_page_fault(vcpu, gva, write);
			return -EFAULT;
		}
		gva += n;
		buf += n;
		len -= n;
	}
	return 0;
}

/* KVM_EXIT_INTERNAL_ERROR with three words of detail; returns 0. */
int kvmlite_internal_error(struct kvmlite_vcpu *vcpu, u32 suberror, u64 d0,
			   u64 d1, u64 d2)
{
	struct kvm_run *run = vcpu->run;

	run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	run->internal.suberror = suberror;
	run->internal.ndata = 3;
	run->internal.data[0] = d0;
	run->internal.data[1] = d1;
	run->internal.data[2] = d2;
	return 0;
}

/* Segment bases, in the VMX instruction-information encoding order. */
static const u32 seg_base_field[] = {
	GUEST_ES_BASE, GUEST_CS_BASE, GUEST_SS_BASE, GUEST_DS_BASE,
	GUEST_FS_BASE, GUEST_GS_BASE,
};

/*
 * Address size and segment of an INS/OUTS.  CPUs that set bit 54 of
 * IA32_VMX_BASIC report them in the VM-exit instruction information;
 * elsewhere assume the mode's default address size and DS, which is what
 * compilers and firmware emit (no prefixes).
 */
static u32 string_io_info(void)
{
	u32 asize_code;

	if (kvmlite_vmcs_config.ins_outs_info)
		return vmcs_read(VMX_INSTRUCTION_INFO);
	if (kvmlite_guest_long_mode())
		asize_code = 2;
	else
		asize_code = (vmcs_read(GUEST_CS_AR_BYTES) & BIT(14)) ? 1 : 0;
	return asize_code << 7 | 3 << 15;
}

/*
 * INS/OUTS move at most one page of data per exit through the I/O data
 * page; with REP the instruction is simply re-executed for the rest, with
 * RCX/RSI/RDI already advanced.
 */
int kvmlite_handle_string_io(struct kvmlite_vcpu *vcpu, u64 qual)
{
	void *data = page_address(vcpu->run_pages[KVMLITE_PIO_PAGE]);
	u32 info = string_io_info();
	unsigned int size = (qual & 7) + 1, asize = 2u << ((info >> 7) & 7);
	u64 amask = asize == 8 ? ~0ull : (1ull << (asize * 8)) - 1;
	bool in = qual & BIT(3), rep = qual & BIT(5);
	int index_reg = in ? GPR_RDI : GPR_RSI;
	unsigned int seg = in ? 0 : (info >> 15) & 7, i, n;
	u64 count = rep ? vcpu->gprs[GPR_RCX] & amask : 1;
	u64 ptr = vcpu->gprs[index_reg] & amask, base;
	bool down = vmcs_read(GUEST_RFLAGS) & X86_EFLAGS_DF;
	struct kvm_run *run = vcpu->run;

	if (seg >= ARRAY_SIZE(seg_base_field))
		return -EINVAL;
	if (!count) {
		kvmlite_skip_instruction(vmcs_read(VM_EXIT_INSTRUCTION_LEN));
		return 1;
	}
	base = kvmlite_guest_long_mode() && seg < 4 ? 0 : vmcs_read(seg_base_field[seg]);
	n = min_t(u64, count, PAGE_SIZE / size);

	if (!in) {
		for (i = 0; i < n; i++) {
			u64 p = (ptr + (down ? -(u64)i : i) * size) & amask;

			if (gva_copy(vcpu, base + p, data + i * size, size,
				     false))
				return 1;
		}
	} else {
		vcpu->pio_string.base = base;
		vcpu->pio_string.ptr = ptr;
		vcpu->pio_string.amask = amask;
		vcpu->pio_string.down = down;
		vcpu->pio_string.pending = true;
	}
	vcpu->pio_string.count = n;
	vcpu->pio_string.size = size;
	vcpu->pio_string.rep = rep;
	vcpu->pio_string.done = n == count;
	vcpu->pio_string.insn_len = vmcs_read(VM_EXIT_INSTRUCTION_LEN);

	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = in ? KVM_EXIT_IO_IN : KVM_EXIT_IO_OUT;
	run->io.size = size;
	run->io.port = qual >> 16;
	run->io.count = n;
	run->io.data_offset = KVMLITE_PIO_PAGE * PAGE_SIZE;
	if (!in)
		kvmlite_finish_string_io(vcpu);
	return 0;
}

/* Advance RSI/RDI and RCX past the elements moved; done: past the insn. */
void kvmlite_finish_string_io(struct kvmlite_vcpu *vcpu)
{
	struct kvmlite_pio_string *ps = &vcpu->pio_string;
	void *data = page_address(vcpu->run_pages[KVMLITE_PIO_PAGE]);
	bool in = ps->pending;
	int reg = in ? GPR_RDI : GPR_RSI;
	u64 step = (u64)ps->count * ps->size, amask, val;
	unsigned int i;

	if (in) {
		for (i = 0; i < ps->count; i++) {
			u64 p = (ps->ptr + (ps->down ? -(u64)i : i) *
				 ps->size) & ps->amask;

			if (gva_copy(vcpu, ps->base + p, data + i * ps->size,
				     ps->size, true)) {
				ps->pending = false;
				return;
			}
		}
		amask = ps->amask;
		ps->pending = false;
	} else {
		u32 info = string_io_info();
		unsigned int asize = 2u << ((info >> 7) & 7);

		amask = asize == 8 ? ~0ull : (1ull << (asize * 8)) - 1;
	}
	val = vcpu->gprs[reg];
	val = (val & ~amask) | ((val + (ps->down ? -step : step)) & amask);
	vcpu->gprs[reg] = val;
	if (ps->rep) {
		val = vcpu->gprs[GPR_RCX];
		vcpu->gprs[GPR_RCX] = (val & ~amask) |
				      ((val - ps->count) & amask);
	}
	if (ps->done)
		kvmlite_skip_instruction(ps->insn_len);
}

/* ---- MMIO: decode the MOV family ---- */

struct mmio_insn {
	unsigned int len;	/* whole instruction */
	unsigned int size;	/* bytes accessed */
	bool write;
	int reg;		/* register operand, -1 for none */
	bool high_byte;		/* AH/CH/DH/BH */
	bool has_imm;
	u64 imm;
	enum { EXT_NONE, EXT_ZERO, EXT_SIGN } ext;
	unsigned int dest_size;	/* register size for MOVZX/MOVSX */
};

/* Bytes of ModRM addressing after the ModRM byte (SIB + displacement). */
static int modrm_extra(const u8 *p, unsigned int avail, unsigned int asize,
		       bool rip_rel_ok)
{
	u8 modrm = p[0], mod = modrm >> 6, rm = modrm & 7;
	int extra = 0;

	if (mod == 3)
		return -1;	/* register operand: not a memory access */
	if (asize == 2) {
		if (mod == 0 && rm == 6)
			return 2;
		return mod == 1 ? 1 : mod == 2 ? 2 : 0;
	}
	if (rm == 4) {
		if (avail < 2)
			return -1;
		extra = 1;
		if (mod == 0 && (p[1] & 7) == 5)
			return extra + 4;
	} else if (mod == 0 && rm == 5) {
		return 4;	/* disp32, or RIP-relative in 64-bit mode */
	}
	(void)rip_rel_ok;
	return extra + (mod == 1 ? 1 : mod == 2 ? 4 : 0);
}

static int decode_mov(const u8 *p, unsigned int avail, struct mmio_insn *d)
{
	bool lm = kvmlite_guest_long_mode();
	bool cs_d = vmcs_read(GUEST_CS_AR_BYTES) & BIT(14);
	unsigned int osize = (lm || cs_d) ? 4 : 2, asize = lm ? 8 : cs_d ? 4 : 2;
	unsigned int i = 0, imm_size = 0, op;
	bool rex = false, rex_w = false, rex_r = false;
	int extra;

	memset(d, 0, sizeof(*d));
	d->reg = -1;
	for (; i < avail; i++) {
		u8 b = p[i];

		if (b == 0x66)
			osize = (lm || cs_d) ? 2 : 4;
		else if (b == 0x67)
			asize = lm ? 4 : cs_d ? 2 : 4;
		else if (b != 0x26 && b != 0x2e && b != 0x36 && b != 0x3e &&
			 b != 0x64 && b != 0x65)
			break;
	}
	if (lm && i < avail && (p[i] & 0xf0) == 0x40) {
		rex = true;
		rex_w = p[i] & 8;
		rex_r = p[i] & 4;
		i++;
	}
	if (rex_w)
		osize = 8;
	if (i >= avail)
		return -EINVAL;
	op = p[i++];
	if (op == 0x0f) {
		if (i >= avail)
			return -EINVAL;
		op = 0x0f00 | p[i++];
	}

	switch (op) {
	case 0x88: case 0x89: case 0x8a: case 0x8b:
		d->size = (op & 1) ? osize : 1;
		d->write = !(op & 2);
		break;
	case 0xc6: case 0xc7:
		d->size = (op & 1) ? osize : 1;
		d->write = true;
		d->has_imm = true;
		imm_size = min(d->size, 4u);
		break;
	case 0x0fb6: case 0x0fb7: case 0x0fbe: case 0x0fbf:
		d->size = (op & 1) ? 2 : 1;
		d->ext = (op & 8) ? EXT_SIGN : EXT_ZERO;
		d->dest_size = osize;
		break;
	case 0xa0: case 0xa1: case 0xa2: case 0xa3:
		/* MOV between the accumulator and a direct offset. */
		d->size = (op & 1) ? osize : 1;
		d->write = op & 2;
		d->reg = GPR_RAX;
		if (i + asize > avail)
			return -EINVAL;
		d->len = i + asize;
		return 0;
	default:
		return -EINVAL;
	}

	if (i >= avail)
		return -EINVAL;
	extra = modrm_extra(p + i, avail - i, asize, lm);
	if (extra < 0)
		return -EINVAL;
	if (!d->has_imm) {
		d->reg = ((p[i] >> 3) & 7) | (rex_r ? 8 : 0);
		/* Without REX, byte registers 4-7 are AH, CH, DH, BH. */
		if (d->size == 1 && !d->ext && !rex && d->reg >= 4) {
			d->reg -= 4;
			d->high_byte = true;
		}
	} else if ((p[i] >> 3) & 7) {
		return -EINVAL;	/* C6/C7 with reg != 0 is not MOV */
	}
	i += 1 + extra;
	if (i + imm_size > avail)
		return -EINVAL;
	if (d->has_imm) {
		s32 imm32 = 0;

		memcpy(&imm32, p + i, imm_size);
		/* imm8/16 as is; imm32 sign-extends to a 64-bit operand. */
		d->imm = imm_size == 4 ? (u64)(s64)imm32 : (u64)(u32)imm32;
		i += imm_size;
	}
	d->len = i;
	return 0;
}

static u64 reg_value(struct kvmlite_vcpu *vcpu, const struct mmio_insn *d)
{
	u64 val = kvmlite_gpr_get(vcpu, d->reg);

	return d->high_byte ? val >> 8 : val;
}

static void reg_store(struct kvmlite_vcpu *vcpu, int reg, bool high,
		      unsigned int size, u64 val)
{
	u64 old = kvmlite_gpr_get(vcpu, reg);
	u64 mask;

	if (size == 4) {
		old = (u32)val;		/* 32-bit writes zero-extend */
	} else if (size == 8) {
		old = val;
	} else {
		mask = size == 1 ? 0xff : 0xffff;
		if (high)
			old = (old & ~(mask << 8)) | ((val & mask) << 8);
		else
			old = (old & ~mask) | (val & mask);
	}
	kvmlite_gpr_set(vcpu, reg, old);
}

int kvmlite_handle_mmio(struct kvmlite_vcpu *vcpu, u64 gpa, bool write)
{
	struct kvm_run *run = vcpu->run;
	struct mmio_insn d;
	u8 insn[15];
	u64 rip = vmcs_read(GUEST_RIP), cs_base = vmcs_read(GUEST_CS_BASE);
	u64 linear = kvmlite_guest_long_mode() ? rip : (u32)(cs_base + rip);
	unsigned int avail = sizeof(insn);
	unsigned long cr2 = vcpu->cr2;
	u64 data;

	vcpu->stats[KSTAT_MMIO]++;
	/*
	 * The instruction may end before an unmapped page: fetch less.  A
	 * failed fetch is not the guest's fault, so undo its #PF.
	 */
	while (avail && gva_copy(vcpu, linear, insn, avail, false)) {
		vmcs_write(VM_ENTRY_INTR_INFO_FIELD, 0);
		vcpu->cr2 = cr2;
		avail = min_t(unsigned int, avail - 1,
			      PAGE_SIZE - offset_in_page(linear));
	}
	if (!avail || decode_mov(insn, avail, &d) || d.write != write)
		return kvmlite_internal_error(vcpu, KVM_INTERNAL_ERROR_EMULATION,
					      gpa, rip, avail ? insn[0] : 0);

	/* The xAPIC page of an in-kernel LAPIC: handled here. */
	if (d.size == 4) {
		u32 val32 = d.write ? (u32)(d.has_imm ? d.imm :
					     reg_value(vcpu, &d)) : 0;

		if (kvmlite_apic_mmio(vcpu, gpa, d.write, &val32)) {
			if (!d.write)
				reg_store(vcpu, d.reg, false, d.ext ? d.dest_size :
					  4, val32);
			kvmlite_skip_instruction(d.len);
			return 1;
		}
	}

	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = gpa;
	run->mmio.len = d.size;
	run->mmio.is_write = d.write;
	if (d.write) {
		data = d.has_imm ? d.imm : reg_value(vcpu, &d);
		memcpy(run->mmio.data, &data, d.size);
	} else {
		vcpu->mmio_read.pending = true;
		vcpu->mmio_read.reg = d.reg;
		vcpu->mmio_read.high_byte = d.high_byte;
		vcpu->mmio_read.size = d.size;
		vcpu->mmio_read.ext = d.ext;
		vcpu->mmio_read.dest_size = d.ext ? d.dest_size : d.size;
	}
	kvmlite_skip_instruction(d.len);
	return 0;
}

/* Put the value userspace supplied for an MMIO read into its register. */
void kvmlite_complete_mmio_read(struct kvmlite_vcpu *vcpu)
{
	struct kvmlite_mmio_read *m = &vcpu->mmio_read;
	u64 val = 0;

	memcpy(&val, vcpu->run->mmio.data, m->size);
	if (m->ext == EXT_SIGN)
		val = m->size == 1 ? (u64)(s64)(s8)val : (u64)(s64)(s16)val;
	reg_store(vcpu, m->reg, m->high_byte, m->dest_size, val);
	m->pending = false;
}
