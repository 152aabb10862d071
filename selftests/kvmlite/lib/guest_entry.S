/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest-side entry points: the IDT's exception stubs (vectors 0-31, 16
 * bytes apart, each pushing the vector and, where the CPU pushes none, a
 * zero error code), the common path into guest_exception(), the catcher
 * for guest functions that return, and RDMSR/WRMSR that survive #GP.
 */
	.text
	.code64

.macro EXC_STUB vec
	.balign 16
	.if (\vec == 8) || (\vec >= 10 && \vec <= 14) || (\vec == 17) || \
	    (\vec == 21) || (\vec == 29) || (\vec == 30)
	.else
	pushq $0
	.endif
	pushq $\vec
	jmp guest_exc_common
.endm

	.balign 16
	.globl guest_exc_stubs
guest_exc_stubs:
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	EXC_STUB \v
	.endr

guest_exc_common:
	pushq %rax
	pushq %rcx
	pushq %rdx
	pushq %rbx
	pushq %rbp
	pushq %rsi
	pushq %rdi
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, %rdi
	movq %rsp, %rbx
	andq $-16, %rsp
	call guest_exception
	movq %rbx, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rdi
	popq %rsi
	popq %rbp
	popq %rbx
	popq %rdx
	popq %rcx
	popq %rax
	addq $16, %rsp
	iretq

	.globl guest_code_returned
guest_code_returned:
	andq $-16, %rsp
	call guest_returned
1:	hlt
	jmp 1b

/* int rdmsr_safe(u32 msr, u64 *val): -1 or the exception vector */
	.globl rdmsr_safe
rdmsr_safe:
	movl %edi, %ecx
	leaq 1f(%rip), %rax
	movq %rax, guest_ex_fixup(%rip)
	movl $-1, guest_ex_vector(%rip)
	xorl %eax, %eax
	xorl %edx, %edx
	rdmsr
1:	movq $0, guest_ex_fixup(%rip)
	movl %eax, (%rsi)
	movl %edx, 4(%rsi)
	movl guest_ex_vector(%rip), %eax
	ret

/* int wrmsr_safe(u32 msr, u64 val): -1 or the exception vector */
	.globl wrmsr_safe
wrmsr_safe:
	movl %edi, %ecx
	leaq 1f(%rip), %rax
	movq %rax, guest_ex_fixup(%rip)
	movl $-1, guest_ex_vector(%rip)
	movl %esi, %eax
	movq %rsi, %rdx
	shrq $32, %rdx
	wrmsr
1:	movq $0, guest_ex_fixup(%rip)
	movl guest_ex_vector(%rip), %eax
	ret

	.section .note.GNU-stack, "", @progbits
