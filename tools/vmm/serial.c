// SPDX-License-Identifier: GPL-2.0
/*
 * COM1: a 16550A UART at 0x3f8, enough for a guest to print.
 *
 * THR writes go to stdout (flushed at each newline and when the run
 * ends).  The transmitter is always empty: LSR reads THRE|TEMT.  There is
 * no input (RBR reads 0, LSR.DR is never set) and no interrupt line: IIR
 * still reports a THR-empty interrupt while IER enables it, until IIR is
 * read, as a real 16550 would.  DLAB switches offsets 0 and 1 to the
 * divisor latch, which reads back what was written.  In loopback (MCR
 * bit 4) MSR mirrors MCR and nothing is transmitted.  Offsets:
 *   0 RBR/THR (DLL)  1 IER (DLM)  2 IIR/FCR  3 LCR  4 MCR  5 LSR  6 MSR
 *   7 SCR
 */
#include <pthread.h>

#include "kvmlite-run.h"

#define UART_LCR_DLAB	0x80
#define UART_IER_THRI	0x02
#define UART_IIR_NO_INT	0x01
#define UART_IIR_THRI	0x02
#define UART_IIR_FIFO	0xc0
#define UART_FCR_ENABLE	0x01
#define UART_MCR_LOOP	0x10
#define UART_LSR_THRE	0x20
#define UART_LSR_TEMT	0x40
#define UART_MSR_CTS	0x10
#define UART_MSR_DSR	0x20
#define UART_MSR_DCD	0x80

static struct {
	pthread_mutex_t lock;
	uint8_t dll, dlm, ier, fcr, lcr, mcr, scr;
	bool thri_pending;
} com1 = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.dll = 12,		/* 9600 baud until the guest says otherwise */
	.lcr = 0x03,		/* 8N1 */
};

bool serial_owns(uint16_t port)
{
	return port >= COM1_BASE && port < COM1_BASE + 8;
}

void serial_flush(void)
{
	fflush(stdout);
}

static uint8_t msr_read(void)
{
	uint8_t mcr = com1.mcr;

	if (!(mcr & UART_MCR_LOOP))
		return UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS;
	/* Loopback: DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD. */
	return ((mcr & 0x01) << 5) | ((mcr & 0x02) << 3) |
	       ((mcr & 0x04) << 4) | ((mcr & 0x08) << 4);
}

uint8_t serial_in(uint16_t port)
{
	bool dlab;
	uint8_t val = 0;

	pthread_mutex_lock(&com1.lock);
	dlab = com1.lcr & UART_LCR_DLAB;
	switch (port - COM1_BASE) {
	case 0:
		val = dlab ? com1.dll : 0;
		break;
	case 1:
		val = dlab ? com1.dlm : com1.ier;
		break;
	case 2:
		val = com1.fcr & UART_FCR_ENABLE ? UART_IIR_FIFO : 0;
		if ((com1.ier & UART_IER_THRI) && com1.thri_pending) {
			val |= UART_IIR_THRI;
			com1.thri_pending = false;
		} else {
			val |= UART_IIR_NO_INT;
		}
		break;
	case 3:
		val = com1.lcr;
		break;
	case 4:
		val = com1.mcr;
		break;
	case 5:
		val = UART_LSR_THRE | UART_LSR_TEMT;
		break;
	case 6:
		val = msr_read();
		break;
	case 7:
		val = com1.scr;
		break;
	}
	pthread_mutex_unlock(&com1.lock);
	return val;
}

void serial_out(uint16_t port, uint8_t val)
{
	bool dlab;

	pthread_mutex_lock(&com1.lock);
	dlab = com1.lcr & UART_LCR_DLAB;
	switch (port - COM1_BASE) {
	case 0:
		if (dlab) {
			com1.dll = val;
			break;
		}
		if (!(com1.mcr & UART_MCR_LOOP)) {
			putchar(val);
			if (val == '\n')
				fflush(stdout);
		}
		com1.thri_pending = true;	/* sent at once */
		break;
	case 1:
		if (dlab) {
			com1.dlm = val;
			break;
		}
		if ((val & UART_IER_THRI) && !(com1.ier & UART_IER_THRI))
			com1.thri_pending = true;
		com1.ier = val & 0x0f;
		break;
	case 2:
		com1.fcr = val & 0xc9;	/* enable, DMA mode, trigger level */
		break;
	case 3:
		com1.lcr = val;
		break;
	case 4:
		com1.mcr = val & 0x1f;
		break;
	case 7:
		com1.scr = val;
		break;
	}
	pthread_mutex_unlock(&com1.lock);
}
