/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VM entry and exit.
 *
 * int kvmlite_vmx_enter(u64 *gprs, bool launched)
 *
 * Loads the guest's general-purpose registers from gprs (instruction
 * encoding order, RSP excluded: the VMCS holds it), enters the guest with
 * VMLAUNCH or VMRESUME, and on VM exit stores them back.  The VMCS's
 * HOST_RIP is kvmlite_vmx_exit_point and HOST_RSP is written here, just
 * before entry, so that the exit lands on this frame.  Returns 0 after a
 * VM exit, 1 when VMLAUNCH/VMRESUME failed (VMfail: the VM-instruction
 * error field says why), 2 when HOST_RSP could not be written.
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/cpufeatures.h>
#include <asm/nospec-branch.h>
#include <asm/unwind_hints.h>

#define VMCS_HOST_RSP	0x6c14
#define GPR(n)		((n) * 8)

	.text

SYM_FUNC_START(kvmlite_vmx_enter)
	push	%rbp
	mov	%rsp, %rbp
	push	%r15
	push	%r14
	push	%r13
	push	%r12
	push	%rbx
	/* gprs, found again on this stack after the exit */
	push	%rdi

	mov	$VMCS_HOST_RSP, %eax
	vmwrite	%rsp, %rax
	jbe	.Lhost_rsp_failed

	/* ZF decides VMLAUNCH or VMRESUME; the MOVs below keep flags. */
	test	%sil, %sil
	mov	%rdi, %rax
	mov	GPR(1)(%rax), %rcx
	mov	GPR(2)(%rax), %rdx
	mov	GPR(3)(%rax), %rbx
	mov	GPR(5)(%rax), %rbp
	mov	GPR(6)(%rax), %rsi
	mov	GPR(7)(%rax), %rdi
	mov	GPR(8)(%rax), %r8
	mov	GPR(9)(%rax), %r9
	mov	GPR(10)(%rax), %r10
	mov	GPR(11)(%rax), %r11
	mov	GPR(12)(%rax), %r12
	mov	GPR(13)(%rax), %r13
	mov	GPR(14)(%rax), %r14
	mov	GPR(15)(%rax), %r15
	mov	GPR(0)(%rax), %rax
	jnz	.Lresume
	UNWIND_HINT_SAVE
	vmlaunch
	jmp	.Lvmfail
.Lresume:
	vmresume
	jmp	.Lvmfail

SYM_INNER_LABEL(kvmlite_vmx_exit_point, SYM_L_GLOBAL)
	UNWIND_HINT_RESTORE
	ENDBR
	push	%rax
	mov	8(%rsp), %rax
	mov	%rcx, GPR(1)(%rax)
	mov	%rdx, GPR(2)(%rax)
	mov	%rbx, GPR(3)(%rax)
	mov	%rbp, GPR(5)(%rax)
	mov	%rsi, GPR(6)(%rax)
	mov	%rdi, GPR(7)(%rax)
	mov	%r8, GPR(8)(%rax)
	mov	%r9, GPR(9)(%rax)
	mov	%r10, GPR(10)(%rax)
	mov	%r11, GPR(11)(%rax)
	mov	%r12, GPR(12)(%rax)
	mov	%r13, GPR(13)(%rax)
	mov	%r14, GPR(14)(%rax)
	mov	%r15, GPR(15)(%rax)
	popq	GPR(0)(%rax)
	/*
	 * Where the host kernel asks for it, overwrite the return-stack
	 * entries the guest left before the first host RET (spec.c).
	 */
	FILL_RETURN_BUFFER %rcx, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_VMEXIT, \
			   X86_FEATURE_RSB_VMEXIT_LITE
	xor	%eax, %eax
	jmp	.Lclear

.Lvmfail:
	mov	$1, %eax
	jmp	.Lclear
.Lhost_rsp_failed:
	mov	$2, %eax

	/* Leave no guest value in a caller-saved register. */
.Lclear:
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%esi, %esi
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r10d, %r10d
	xor	%r11d, %r11d
	pop	%rdi
	pop	%rbx
	pop	%r12
	pop	%r13
	pop	%r14
	pop	%r15
	pop	%rbp
	RET
SYM_FUNC_END(kvmlite_vmx_enter)
