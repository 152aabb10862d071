/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 64-bit SMP guest, for kvmlite-run --irqchip split --smp 2 (or more): the
 * BSP brings up APIC ID 1 the way an OS does, with INIT and SIPI.
 *
 * BSP (vCPU 0): checks that a local APIC answers at 0xfee00000, enables
 * it (SVR), copies the real-mode trampoline to TRAMPOLINE (SIPI vector
 * TRAMPOLINE >> 12), prints "smp64: BSP sends INIT and SIPI to APIC ID 1",
 * sends INIT then SIPI (SDM 9.4.4; a second SIPI only if the AP has not
 * answered within WAIT_TSC TSC ticks), waits for the AP's flag, prints
 * "smp64: 2 CPUs up" and exits with status 43 through port 0xf4.
 * AP (APIC ID 1): starts in real mode at CS = vector << 8, IP = 0, prints
 * "AP 1 up" (its APIC ID from CPUID) on COM1, sets the flag, then
 * cli; hlt.
 * Failures print "smp64: FAIL: what" and exit with status 0x21 (fewer
 * than 2 vCPUs), 0x22 (no local APIC: --irqchip none), 0x23 (ICR stays
 * busy), 0x24 (the AP never answered), 0x25 (the AP has the wrong APIC
 * ID).  Without an irqchip every vCPU starts here: all but vCPU 0 (RDI)
 * halt.
 */
#include "guest.h"
#include "uart.inc"

#define APIC_BASE	0xfee00000
#define APIC_ID		0x20
#define APIC_VERSION	0x30
#define APIC_SVR	0xf0
#define APIC_ICR_LO	0x300
#define APIC_ICR_HI	0x310
#define SVR_ENABLE	0x100
#define SPURIOUS_VECTOR	0xff
#define ICR_BUSY	0x1000		/* delivery status: send pending */
#define ICR_INIT	0x00004500	/* INIT, level assert, physical dest */
#define ICR_SIPI	0x00004600	/* start-up, | vector */
#define AP_APIC_ID	1
#define TRAMPOLINE	0x8000		/* 4 KiB aligned, below 1 MiB, free */
#define SIPI_VECTOR	(TRAMPOLINE >> 12)
/* ~0.3 s at 3 GHz; in Bochs (TSC = instructions) far more than an AP needs. */
#define WAIT_TSC	(1 << 30)
#define ICR_SPINS	(1 << 20)
#define EXIT_OK		43

/* Where the AP's flag and APIC ID are, in the trampoline's copy. */
#define AP_FLAG		(TRAMPOLINE + (ap_flag - trampoline))
#define AP_ID		(TRAMPOLINE + (ap_id - trampoline))

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
	cmp $2, %rsi
	CHECK(jae, 0x21, msg_smp)

	/* RBX: the xAPIC page; absolute 0xfee00000 would sign-extend. */
	mov $APIC_BASE, %ebx
	mov APIC_VERSION(%rbx), %eax
	cmp $0xffffffff, %eax
	CHECK(jne, 0x22, msg_noapic)
	/* Integrated APIC: version 0x1X. */
	and $0xf0, %al
	cmp $0x10, %al
	CHECK(je, 0x22, msg_noapic)
	mov APIC_ID(%rbx), %eax
	shr $24, %eax
	CHECK(jz, 0x22, msg_bspid)

	/* Software-enable the LAPIC: INIT and SIPI are sent from here. */
	mov APIC_SVR(%rbx), %eax
	or $(SVR_ENABLE | SPURIOUS_VECTOR), %eax
	mov %eax, APIC_SVR(%rbx)

	/* The AP starts in real mode below 1 MiB: give it its code there. */
	lea trampoline(%rip), %rsi
	mov $TRAMPOLINE, %edi
	mov $(trampoline_end - trampoline), %ecx
	cld
	rep movsb

	lea msg_start(%rip), %rsi
	call puts

	mov $ICR_INIT, %eax
	call send_ipi
	mov $(ICR_SIPI | SIPI_VECTOR), %eax
	call send_ipi
	call wait_ap
	jnc up
	/* SDM 9.4.4 sends a second SIPI; an AP already running ignores it. */
	mov $(ICR_SIPI | SIPI_VECTOR), %eax
	call send_ipi
	call wait_ap
	CHECK(jnc, 0x24, msg_noap)
up:
	cmpb $AP_APIC_ID, AP_ID
	CHECK(je, 0x25, msg_apid)
	lea msg_up(%rip), %rsi
	call puts
	mov $EXIT_OK, %eax
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

/* Send ICR low %eax to APIC ID AP_APIC_ID and wait until it is sent. */
send_ipi:
	movl $(AP_APIC_ID << 24), APIC_ICR_HI(%rbx)
	mov %eax, APIC_ICR_LO(%rbx)
	mov $ICR_SPINS, %ecx
1:	mov APIC_ICR_LO(%rbx), %eax
	test $ICR_BUSY, %eax
	jz 2f
	pause
	loop 1b
	mov $0x23, %ecx
	lea msg_icr(%rip), %rsi
	jmp fail
2:	ret

/* Wait up to WAIT_TSC ticks for the AP's flag: CF clear when it is set. */
wait_ap:
	rdtsc
	shl $32, %rdx
	or %rax, %rdx
	mov %rdx, %r13
1:	cmpb $0, AP_FLAG
	jne 2f
	pause
	rdtsc
	shl $32, %rdx
	or %rax, %rdx
	sub %r13, %rdx
	cmp $WAIT_TSC, %rdx
	jb 1b
	stc
	ret
2:	clc
	ret

/* putc: print %al; puts: print the string at %rsi (guest.h). */
	UART_PUTC_PUTS_64

/*
 * The AP's real-mode code, copied to TRAMPOLINE: position-independent,
 * addressed through DS = CS = SIPI_VECTOR << 8.
 */
	.code16
	.balign 16
trampoline:
	cli
	mov %cs, %ax
	mov %ax, %ds
	/* The APIC ID from CPUID: the xAPIC page is out of real mode's reach. */
	mov $1, %eax
	cpuid
	shr $24, %ebx
	mov %bl, ap_id - trampoline
	add $'0', %bl
	mov %bl, ap_msg_id - trampoline
	mov $(ap_msg - trampoline), %si
1:	lodsb
	test %al, %al
	jz 3f
	mov %al, %ah
	UART_OUT_AH
	jmp 1b
	/* Only now: the BSP prints its last line after this one. */
3:	movb $1, ap_flag - trampoline
4:	cli
	hlt
	jmp 4b
ap_msg:		.ascii "AP "
ap_msg_id:	.ascii "?"
		.asciz " up\n"
ap_flag:	.byte 0
ap_id:		.byte 0xff
trampoline_end:
	.code64

	.section .rodata
msg_start:	.asciz "smp64: BSP sends INIT and SIPI to APIC ID 1\n"
msg_up:		.asciz "smp64: 2 CPUs up\n"
msg_fail:	.asciz "smp64: FAIL: "
msg_smp:	.asciz "needs 2 vCPUs or more (--smp 2)\n"
msg_noapic:	.asciz "no local APIC at 0xfee00000 (--irqchip split)\n"
msg_bspid:	.asciz "BSP APIC ID is not 0\n"
msg_icr:	.asciz "ICR delivery status stays busy\n"
msg_noap:	.asciz "AP 1 did not start after INIT and 2 SIPIs\n"
msg_apid:	.asciz "the AP's APIC ID is not 1\n"
