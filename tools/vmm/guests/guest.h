/* SPDX-License-Identifier: GPL-2.0 */
/* Shared by the kvmlite-run test guests (GNU assembler, via cpp). */
#ifndef KVMLITE_GUEST_H
#define KVMLITE_GUEST_H

#define COM1		0x3f8
#define UART_THR	(COM1 + 0)
#define UART_DLL	(COM1 + 0)
#define UART_IER	(COM1 + 1)
#define UART_DLM	(COM1 + 1)
#define UART_IIR	(COM1 + 2)
#define UART_LCR	(COM1 + 3)
#define UART_MCR	(COM1 + 4)
#define UART_LSR	(COM1 + 5)
#define UART_MSR	(COM1 + 6)
#define UART_SCR	(COM1 + 7)
#define LSR_THRE	0x20
#define LSR_TEMT	0x40

#define EXIT_PORT	0xf4
/* A port nothing claims: IN must read all ones. */
#define UNKNOWN_PORT	0x2e0

#define MB_HEADER_MAGIC	0x1BADB002
#define MB_BOOT_MAGIC	0x2BADB002
#define MB_FLAGS	0x00000003	/* page-align modules, memory info */

#endif /* KVMLITE_GUEST_H */
