// SPDX-License-Identifier: GPL-2.0
/*
 * Guest register state in and out of the VMCS: KVM_GET/SET_REGS and
 * KVM_GET/SET_SREGS, and the control registers whose guest view differs
 * from what the hardware runs with (CR0.CD/NW/NE, CR4.VMXE).
 */
#include <linux/kvm.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>

#include "interruptibility.h"
#include "vmx.h"
#include "vmx_ops.h"

#define EFER_VALID (EFER_SCE | EFER_LME | EFER_LMA | EFER_NX)

unsigned long kvmlite_guest_cr0(void)
{
	return (vmcs_read(GUEST_CR0) & ~KVMLITE_CR0_SHADOWED) |
	       (vmcs_read(CR0_READ_SHADOW) & KVMLITE_CR0_SHADOWED);
}

unsigned long kvmlite_guest_cr4(void)
{
	return (vmcs_read(GUEST_CR4) & ~KVMLITE_CR4_SHADOWED) |
	       (vmcs_read(CR4_READ_SHADOW) & KVMLITE_CR4_SHADOWED);
}

/* EFER.LMA decides whether the next entry is into IA-32e mode. */
static void update_ia32e_entry(u64 efer)
{
	u32 entry = vmcs_read(VM_ENTRY_CONTROLS);

	if (efer & EFER_LMA)
		entry |= VM_ENTRY_IA32E_MODE;
	else
		entry &= ~VM_ENTRY_IA32E_MODE;
	vmcs_write(VM_ENTRY_CONTROLS, entry);
}

int kvmlite_set_efer(struct kvmlite_vcpu *vcpu, u64 efer)
{
	if (efer & ~EFER_VALID)
		return -EINVAL;
	vmcs_write(GUEST_IA32_EFER, efer);
	update_ia32e_entry(efer);
	return 0;
}

/* IA-32e mode (EFER.LMA): 64-bit registers and RIP. */
bool kvmlite_guest_long_mode(void)
{
	return vmcs_read(GUEST_IA32_EFER) & EFER_LMA;
}

/* A general-purpose register, whole (RSP lives in the VMCS). */
u64 kvmlite_gpr_get(struct kvmlite_vcpu *vcpu, int reg)
{
	return reg == GPR_RSP ? vmcs_read(GUEST_RSP) : vcpu->gprs[reg];
}

void kvmlite_gpr_set(struct kvmlite_vcpu *vcpu, int reg, u64 val)
{
	if (reg == GPR_RSP)
		vmcs_write(GUEST_RSP, val);
	else
		vcpu->gprs[reg] = val;
}

/*
 * Step over an instruction of len bytes that kvmlite completed for the
 * guest: RIP moves on, and an STI or MOV-SS shadow ends with it.
 */
void kvmlite_skip_instruction(unsigned int len)
{
	u64 rip = vmcs_read(GUEST_RIP) + len;
	u32 state = vmcs_read(GUEST_INTERRUPTIBILITY_INFO);

	/* interruptibility.h's bits are the SDM's, as asm/vmx.h has them. */
	BUILD_BUG_ON(KVMLITE_INTR_BLOCK_STI != GUEST_INTR_STATE_STI);
	BUILD_BUG_ON(KVMLITE_INTR_BLOCK_MOV_SS != GUEST_INTR_STATE_MOV_SS);
	BUILD_BUG_ON(KVMLITE_INTR_BLOCK_SMI != GUEST_INTR_STATE_SMI);
	BUILD_BUG_ON(KVMLITE_INTR_BLOCK_NMI != GUEST_INTR_STATE_NMI);
	vmcs_write(GUEST_RIP, kvmlite_guest_long_mode() ? rip : (u32)rip);
	if (kvmlite_intr_state_after_insn(state) != state)
		vmcs_write(GUEST_INTERRUPTIBILITY_INFO,
			   kvmlite_intr_state_after_insn(state));
}

/* SIPI (SDM 9.4.4): real mode at vector * 4 KiB, CS = vector << 8, IP 0. */
void kvmlite_vmx_sipi_start(struct kvmlite_vcpu *vcpu, u8 vector)
{
	vmcs_write(GUEST_CS_SELECTOR, vector << 8);
	vmcs_write(GUEST_CS_BASE, vector << 12);
	vmcs_write(GUEST_RIP, 0);
}

/*
 * The guest's CR0 as written by the guest or userspace.  The hardware
 * runs with caches on (CD/NW clear, the guest's choice is only shown back
 * to it, as KVM does) and NE set, which VMX operation requires.  Paging
 * with EFER.LME activates long mode, as the CPU would do itself.
 */
int kvmlite_set_cr0(struct kvmlite_vcpu *vcpu, unsigned long cr0)
{
	u64 efer = vmcs_read(GUEST_IA32_EFER);

	if ((cr0 >> 32) || ((cr0 & X86_CR0_PG) && !(cr0 & X86_CR0_PE)) ||
	    ((cr0 & X86_CR0_NW) && !(cr0 & X86_CR0_CD)))
		return -EINVAL;
	if ((cr0 & X86_CR0_PG) && (efer & EFER_LME))
		efer |= EFER_LMA;
	else if (!(cr0 & X86_CR0_PG))
		efer &= ~EFER_LMA;
	vmcs_write(GUEST_IA32_EFER, efer);
	update_ia32e_entry(efer);
	vmcs_write(CR0_READ_SHADOW, cr0);
	vmcs_write(GUEST_CR0, (cr0 & ~(X86_CR0_CD | X86_CR0_NW)) | X86_CR0_NE);
	return 0;
}

int kvmlite_set_cr4(struct kvmlite_vcpu *vcpu, unsigned long cr4)
{
	/* Nested VT-x, XSAVE and the rest are not offered: #GP. */
	if (cr4 & ~KVMLITE_CR4_GUEST_BITS)
		return -EINVAL;
	vmcs_write(CR4_READ_SHADOW, cr4);
	vmcs_write(GUEST_CR4, cr4 | X86_CR4_VMXE);
	return 0;
}

void kvmlite_get_regs(struct kvmlite_vcpu *vcpu, struct kvm_regs *regs)
{
	const u64 *g = vcpu->gprs;

	regs->rax = g[GPR_RAX];
	regs->rbx = g[GPR_RBX];
	regs->rcx = g[GPR_RCX];
	regs->rdx = g[GPR_RDX];
	regs->rsi = g[GPR_RSI];
	regs->rdi = g[GPR_RDI];
	regs->rbp = g[GPR_RBP];
	regs->r8 = g[GPR_R8];
	regs->r9 = g[GPR_R9];
	regs->r10 = g[GPR_R10];
	regs->r11 = g[GPR_R11];
	regs->r12 = g[GPR_R12];
	regs->r13 = g[GPR_R13];
	regs->r14 = g[GPR_R14];
	regs->r15 = g[GPR_R15];
	regs->rsp = vmcs_read(GUEST_RSP);
	regs->rip = vmcs_read(GUEST_RIP);
	regs->rflags = vmcs_read(GUEST_RFLAGS);
}

void kvmlite_set_regs(struct kvmlite_vcpu *vcpu, const struct kvm_regs *regs)
{
	u64 *g = vcpu->gprs;

	g[GPR_RAX] = regs->rax;
	g[GPR_RBX] = regs->rbx;
	g[GPR_RCX] = regs->rcx;
	g[GPR_RDX] = regs->rdx;
	g[GPR_RSI] = regs->rsi;
	g[GPR_RDI] = regs->rdi;
	g[GPR_RBP] = regs->rbp;
	g[GPR_R8] = regs->r8;
	g[GPR_R9] = regs->r9;
	g[GPR_R10] = regs->r10;
	g[GPR_R11] = regs->r11;
	g[GPR_R12] = regs->r12;
	g[GPR_R13] = regs->r13;
	g[GPR_R14] = regs->r14;
	g[GPR_R15] = regs->r15;
	vmcs_write(GUEST_RSP, regs->rsp);
	vmcs_write(GUEST_RIP, regs->rip);
	/* Bit 1 always reads as 1 (SDM 2.3). */
	vmcs_write(GUEST_RFLAGS, regs->rflags | X86_EFLAGS_FIXED);
}

/* Field encodings of one guest segment register. */
struct seg_fields {
	u32 sel, base, limit, ar;
};

#define SEG(s) { GUEST_##s##_SELECTOR, GUEST_##s##_BASE, GUEST_##s##_LIMIT, \
		 GUEST_##s##_AR_BYTES }

static const struct seg_fields seg_cs = SEG(CS), seg_ds = SEG(DS),
	seg_es = SEG(ES), seg_fs = SEG(FS), seg_gs = SEG(GS), seg_ss = SEG(SS),
	seg_tr = SEG(TR), seg_ldtr = SEG(LDTR);

/* Access-rights layout: SDM 25.4.1, Table 25-2. */
#define AR_UNUSABLE	BIT(16)

static void get_segment(const struct seg_fields *f, struct kvm_segment *s)
{
	u32 ar = vmcs_read(f->ar);

	s->selector = vmcs_read(f->sel);
	s->base = vmcs_read(f->base);
	s->limit = vmcs_read(f->limit);
	s->unusable = !!(ar & AR_UNUSABLE);
	s->type = ar & 15;
	s->s = (ar >> 4) & 1;
	s->dpl = (ar >> 5) & 3;
	s->present = (ar >> 7) & 1 && !s->unusable;
	s->avl = (ar >> 12) & 1;
	s->l = (ar >> 13) & 1;
	s->db = (ar >> 14) & 1;
	s->g = (ar >> 15) & 1;
	s->padding = 0;
}

static void set_segment(const struct seg_fields *f,
			const struct kvm_segment *s)
{
	u32 ar;

	if (s->unusable || !s->present)
		ar = AR_UNUSABLE;
	else
		ar = (s->type & 15) | (s->s & 1) << 4 | (s->dpl & 3) << 5 |
		     1 << 7 | (s->avl & 1) << 12 | (s->l & 1) << 13 |
		     (s->db & 1) << 14 | (s->g & 1) << 15;
	vmcs_write(f->sel, s->selector);
	vmcs_write(f->base, s->base);
	vmcs_write(f->limit, s->limit);
	vmcs_write(f->ar, ar);
}

void kvmlite_get_sregs(struct kvmlite_vcpu *vcpu, struct kvm_sregs *sregs)
{
	memset(sregs, 0, sizeof(*sregs));
	get_segment(&seg_cs, &sregs->cs);
	get_segment(&seg_ds, &sregs->ds);
	get_segment(&seg_es, &sregs->es);
	get_segment(&seg_fs, &sregs->fs);
	get_segment(&seg_gs, &sregs->gs);
	get_segment(&seg_ss, &sregs->ss);
	get_segment(&seg_tr, &sregs->tr);
	get_segment(&seg_ldtr, &sregs->ldt);
	sregs->gdt.base = vmcs_read(GUEST_GDTR_BASE);
	sregs->gdt.limit = vmcs_read(GUEST_GDTR_LIMIT);
	sregs->idt.base = vmcs_read(GUEST_IDTR_BASE);
	sregs->idt.limit = vmcs_read(GUEST_IDTR_LIMIT);
	sregs->cr0 = kvmlite_guest_cr0();
	sregs->cr2 = vcpu->cr2;
	sregs->cr3 = vmcs_read(GUEST_CR3);
	sregs->cr4 = kvmlite_guest_cr4();
	sregs->cr8 = vcpu->cr8;
	sregs->efer = vmcs_read(GUEST_IA32_EFER);
	sregs->apic_base = vcpu->msr_apic_base;
}

int kvmlite_set_sregs(struct kvmlite_vcpu *vcpu,
		      const struct kvm_sregs *sregs)
{
	int r;

	/* Validate everything before changing anything. */
	if ((sregs->efer & ~EFER_VALID) ||
	    (sregs->cr4 & ~KVMLITE_CR4_GUEST_BITS) ||
	    (sregs->cr0 >> 32) ||
	    ((sregs->cr0 & X86_CR0_PG) && !(sregs->cr0 & X86_CR0_PE)) ||
	    ((sregs->efer & EFER_LMA) && !(sregs->cr0 & X86_CR0_PG)) ||
	    ((sregs->cr0 & X86_CR0_PG) && (sregs->efer & EFER_LME) &&
	     !(sregs->efer & EFER_LMA)) || sregs->cr8 > 15)
		return -EINVAL;
	/* Long mode needs PAE; a 64-bit CS exists only in long mode (KVM). */
	if ((sregs->efer & EFER_LMA) && !(sregs->cr4 & X86_CR4_PAE))
		return -EINVAL;
	if (sregs->cs.l && !(sregs->efer & EFER_LMA))
		return -EINVAL;

	set_segment(&seg_cs, &sregs->cs);
	set_segment(&seg_ds, &sregs->ds);
	set_segment(&seg_es, &sregs->es);
	set_segment(&seg_fs, &sregs->fs);
	set_segment(&seg_gs, &sregs->gs);
	set_segment(&seg_ss, &sregs->ss);
	set_segment(&seg_tr, &sregs->tr);
	set_segment(&seg_ldtr, &sregs->ldt);
	vmcs_write(GUEST_GDTR_BASE, sregs->gdt.base);
	vmcs_write(GUEST_GDTR_LIMIT, sregs->gdt.limit);
	vmcs_write(GUEST_IDTR_BASE, sregs->idt.base);
	vmcs_write(GUEST_IDTR_LIMIT, sregs->idt.limit);
	vcpu->cr2 = sregs->cr2;
	vcpu->cr8 = sregs->cr8;
	vmcs_write(GUEST_CR3, sregs->cr3);
	r = kvmlite_set_efer(vcpu, sregs->efer);
	r = r ? r : kvmlite_set_cr0(vcpu, sregs->cr0);
	r = r ? r : kvmlite_set_cr4(vcpu, sregs->cr4);
	return r;
}
