/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Flat real-mode guest, linked at 0x7c00 (kvmlite-run --flat 0x7c00):
 * prints "Hello from flat kvmlite guest" on COM1 and exits with status 7
 * through a 32-bit OUT to port 0xf4.  Exits 0x30 if CR0.PE is set.
 * vCPUs other than 0 (DI) halt.
 */
#include "guest.h"

	.text
	.code16
	.globl _start
_start:
	cli
	test %di, %di
	jnz halt
	mov %cr0, %eax
	test $1, %al
	jz 1f
	mov $0x30, %eax
	jmp exit
1:	mov $msg, %si
2:	lodsb
	test %al, %al
	jz 3f
	mov $UART_THR, %dx
	out %al, %dx
	jmp 2b
3:	mov $7, %eax
exit:
	mov $EXIT_PORT, %dx
	out %eax, %dx
halt:
	hlt
	jmp halt

msg:	.asciz "Hello from flat kvmlite guest\n"
