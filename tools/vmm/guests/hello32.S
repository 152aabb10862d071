/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 32-bit Multiboot guest: checks the Multiboot handoff and the UART's
 * registers, prints "Hello from kvmlite guest" on COM1 and exits with
 * status 0 through port 0xf4.  A failed check prints "FAIL: what" and
 * exits with a status from 0x10 up.  Built with -DNO_MULTIBOOT it lacks
 * the header (nomb32.elf), which kvmlite-run must refuse.  Any vCPU but
 * the one given the Multiboot magic halts.
 */
#include "guest.h"
#include "uart.inc"

	.text
	.code32
	.globl _start
#ifndef NO_MULTIBOOT
	.balign 4
multiboot_header:
	.long MB_HEADER_MAGIC, MB_FLAGS, -(MB_HEADER_MAGIC + MB_FLAGS)
#endif

#define CHECK(cond_jump, code, msg)		\
	cond_jump 9f;				\
	mov $code, %ecx;			\
	mov $msg, %esi;				\
	jmp fail;				\
9:

_start:
	cmp $MB_BOOT_MAGIC, %eax
	jne halt
	mov $stack_top, %esp

	/* Multiboot info: flags bit 0, mem_lower 640, mem_upper > 0. */
	testl $1, (%ebx)
	CHECK(jnz, 0x10, msg_mbi)
	cmpl $640, 4(%ebx)
	CHECK(je, 0x10, msg_mbi)
	cmpl $0, 8(%ebx)
	CHECK(jne, 0x10, msg_mbi)

	/* Protected mode, paging off. */
	mov %cr0, %eax
	and $0x80000001, %eax
	cmp $1, %eax
	CHECK(je, 0x11, msg_cr0)

	/* Divisor latch: 115200 baud (1), read back with DLAB set. */
	mov $UART_LCR, %dx
	mov $0x80, %al
	out %al, %dx
	mov $UART_DLL, %dx
	mov $1, %al
	out %al, %dx
	mov $UART_DLM, %dx
	mov $0, %al
	out %al, %dx
	mov $UART_DLL, %dx
	in %dx, %al
	cmp $1, %al
	CHECK(je, 0x12, msg_dll)
	/* 8N1, DLAB off: offset 0 is RBR again (no input: 0). */
	mov $UART_LCR, %dx
	mov $0x03, %al
	out %al, %dx
	in %dx, %al
	cmp $0x03, %al
	CHECK(je, 0x13, msg_lcr)
	mov $UART_THR, %dx
	in %dx, %al
	test %al, %al
	CHECK(jz, 0x13, msg_lcr)
	/* Scratch register keeps what is written. */
	mov $UART_SCR, %dx
	mov $0x5a, %al
	out %al, %dx
	in %dx, %al
	cmp $0x5a, %al
	CHECK(je, 0x14, msg_scr)
	/* Transmitter empty, no interrupt pending. */
	mov $UART_LSR, %dx
	in %dx, %al
	and $(LSR_THRE | LSR_TEMT), %al
	cmp $(LSR_THRE | LSR_TEMT), %al
	CHECK(je, 0x15, msg_lsr)
	mov $UART_IIR, %dx
	in %dx, %al
	and $0x0f, %al
	cmp $0x01, %al
	CHECK(je, 0x16, msg_iir)
	/* Nothing answers at UNKNOWN_PORT: all ones. */
	mov $UNKNOWN_PORT, %dx
	in %dx, %al
	cmp $0xff, %al
	CHECK(je, 0x17, msg_unknown)

	mov $msg_hello, %esi
	call puts
	xor %eax, %eax
	mov $EXIT_PORT, %dx
	out %eax, %dx
halt:
	cli
	hlt
	jmp halt

/* Print "FAIL: " and the string at %esi, exit with status %ecx. */
fail:
	push %esi
	mov $msg_fail, %esi
	call puts
	pop %esi
	call puts
	mov %ecx, %eax
	mov $EXIT_PORT, %dx
	out %eax, %dx
	jmp halt

/* Print the NUL-terminated string at %esi, waiting for THRE. */
puts:
	push %eax
	push %edx
1:	lodsb
	test %al, %al
	jz 3f
	mov %al, %ah
	UART_OUT_AH
	jmp 1b
3:	pop %edx
	pop %eax
	ret

	.section .rodata
msg_hello:	.asciz "Hello from kvmlite guest\n"
msg_fail:	.asciz "FAIL: "
msg_mbi:	.asciz "Multiboot info\n"
msg_cr0:	.asciz "CR0 (want PE, no PG)\n"
msg_dll:	.asciz "UART divisor latch\n"
msg_lcr:	.asciz "UART LCR/DLAB\n"
msg_scr:	.asciz "UART scratch register\n"
msg_lsr:	.asciz "UART LSR\n"
msg_iir:	.asciz "UART IIR\n"
msg_unknown:	.asciz "unknown port read\n"

	.bss
	.balign 16
	.skip 4096
stack_top:
