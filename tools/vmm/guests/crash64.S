/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 64-bit guest that triple-faults: an empty IDT, then ud2.  kvmlite-run
 * must report the shutdown with the registers and exit with status 70.
 */
	.text
	.code64
	.globl _start
_start:
	lidt empty_idt(%rip)
	mov $0xdead, %rax
	ud2

	.section .rodata
empty_idt:
	.word 0
	.quad 0
