/* SPDX-License-Identifier: GPL-2.0 */
/*
 * void kvmlite_call_host_irq(unsigned long handler)
 *
 * With "acknowledge interrupt on exit", a VM exit for an external
 * interrupt has already taken the vector from the host's local APIC; the
 * interrupt will not be delivered again.  The host's IDT entry for the
 * vector must run as if the CPU had delivered it: on a 16-byte aligned
 * stack holding SS, RSP, RFLAGS and CS (SDM 6.14.2), with the return
 * address as RIP.  The handler ends in IRET, which pops that frame and
 * comes back here.  Interrupts are off and stay off (RFLAGS is saved
 * with IF clear).
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/nospec-branch.h>
#include <asm/segment.h>

	.text

SYM_FUNC_START(kvmlite_call_host_irq)
	push	%rbp
	mov	%rsp, %rbp
	/* The CPU aligns the stack before it pushes an interrupt frame. */
	and	$-16, %rsp
	push	$__KERNEL_DS
	push	%rbp
	pushf
	push	$__KERNEL_CS
	/* The IDT entry: pushes the vector (device IRQs) or not, as on delivery. */
	CALL_NOSPEC rdi
	/* IRET put RSP back to RBP's value; LEAVE says so to objtool too. */
	leave
	RET
SYM_FUNC_END(kvmlite_call_host_irq)
