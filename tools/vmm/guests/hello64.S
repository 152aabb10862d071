/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 64-bit guest: checks long mode and its stack, prints
 * "Hello from 64-bit kvmlite guest, N vCPU(s)" on COM1 and exits with
 * status 42 through port 0xf4.  vCPUs other than 0 (RDI) halt.  A failed
 * check prints "FAIL: what" and exits with status 0x20 up.
 */
#include "guest.h"
#include "uart.inc"

	.text
	.code64
	.globl _start

#define CHECK(cond_jump, code, msg)		\
	cond_jump 9f;				\
	mov $code, %ecx;			\
	lea msg(%rip), %rsi;			\
	jmp fail;				\
9:

_start:
	test %rdi, %rdi
	jnz halt
	mov %rsi, %r12			/* number of vCPUs */

	/* Paging on, EFER.LMA set. */
	mov %cr0, %rax
	bt $31, %rax
	CHECK(jc, 0x20, msg_mode)
	mov $0xc0000080, %ecx
	rdmsr
	bt $10, %eax
	CHECK(jc, 0x20, msg_mode)
	/* The stack the VMM set up works. */
	mov $0x123456789a, %rax
	push %rax
	pop %rbx
	cmp %rax, %rbx
	CHECK(je, 0x21, msg_stack)

	lea msg_hello(%rip), %rsi
	call puts
	mov %r12, %rax
	add $'0', %al
	call putc
	lea msg_tail(%rip), %rsi
	call puts
	mov $42, %eax
	mov $EXIT_PORT, %dx
	out %eax, %dx
halt:
	cli
	hlt
	jmp halt

fail:
	push %rsi
	lea msg_fail(%rip), %rsi
	call puts
	pop %rsi
	call puts
	mov %ecx, %eax
	mov $EXIT_PORT, %dx
	out %eax, %dx
	jmp halt

/* putc: print %al; puts: print the string at %rsi (guest.h). */
	UART_PUTC_PUTS_64

	.section .rodata
msg_hello:	.asciz "Hello from 64-bit kvmlite guest, "
msg_tail:	.asciz " vCPU(s)\n"
msg_fail:	.asciz "FAIL: "
msg_mode:	.asciz "long mode (CR0.PG, EFER.LMA)\n"
msg_stack:	.asciz "stack\n"
