// SPDX-License-Identifier: GPL-2.0
/*
 * COM1: a 16550A UART at 0x3f8 on IRQ 4.
 *
 * Transmit: THR writes go to stdout (flushed at each newline and when
 * the run ends) at once, so the transmitter is always empty (LSR reads
 * THRE|TEMT) and every write re-arms the THR-empty interrupt.
 * Receive: console.c feeds stdin into a 16-byte FIFO (serial_receive());
 * LSR.DR says it holds data and RBR reads take from it.  In loopback
 * (MCR bit 4) what is written comes back in the FIFO, MSR mirrors MCR,
 * and nothing reaches stdout.
 *
 * Interrupts, by priority in IIR: received data (while the FIFO holds
 * any), then THR empty (from a THR write or IER.THRI being set, until
 * IIR reports it).  The line to the IOAPIC is high while an enabled
 * source is pending and MCR.OUT2 (the PC's interrupt gate) is set; it is
 * recomputed after every access.  DLAB switches offsets 0 and 1 to the
 * divisor latch.  Offsets:
 *   0 RBR/THR (DLL)  1 IER (DLM)  2 IIR/FCR  3 LCR  4 MCR  5 LSR  6 MSR
 *   7 SCR
 */
#include <pthread.h>

#include "kvmlite-run.h"

#define UART_LCR_DLAB	0x80
#define UART_IER_RDI	0x01
#define UART_IER_THRI	0x02
#define UART_IIR_NO_INT	0x01
#define UART_IIR_THRI	0x02
#define UART_IIR_RDI	0x04
#define UART_IIR_FIFO	0xc0
#define UART_FCR_ENABLE	0x01
#define UART_FCR_CLEAR_RCVR 0x02
#define UART_MCR_OUT2	0x08
#define UART_MCR_LOOP	0x10
#define UART_LSR_DR	0x01
#define UART_LSR_THRE	0x20
#define UART_LSR_TEMT	0x40
#define UART_MSR_CTS	0x10
#define UART_MSR_DSR	0x20
#define UART_MSR_DCD	0x80
#define RX_FIFO_SIZE	16

static struct {
	pthread_mutex_t lock;
	uint8_t dll, dlm, ier, fcr, lcr, mcr, scr;
	bool thri_pending;
	bool line;		/* the IRQ line as last told to the IOAPIC */
	uint8_t rx[RX_FIFO_SIZE];
	unsigned int rx_head, rx_count;
} com1 = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.dll = 12,		/* 9600 baud until the guest says otherwise */
	.lcr = 0x03,		/* 8N1 */
};

void serial_flush(void)
{
	fflush(stdout);
}

/* Lock held: tell the IOAPIC when the line changes. */
static void update_irq(void)
{
	bool line = (com1.mcr & UART_MCR_OUT2) &&
		    (((com1.ier & UART_IER_RDI) && com1.rx_count) ||
		     ((com1.ier & UART_IER_THRI) && com1.thri_pending));

	if (line != com1.line) {
		com1.line = line;
		ioapic_set_irq(COM1_IRQ, line);
	}
}

/* Lock held. */
static bool rx_push(uint8_t byte)
{
	if (com1.rx_count == RX_FIFO_SIZE)
		return false;
	com1.rx[(com1.rx_head + com1.rx_count++) % RX_FIFO_SIZE] = byte;
	return true;
}

static uint8_t rx_pop(void)
{
	uint8_t byte;

	if (!com1.rx_count)
		return 0;
	byte = com1.rx[com1.rx_head];
	com1.rx_head = (com1.rx_head + 1) % RX_FIFO_SIZE;
	com1.rx_count--;
	return byte;
}

bool serial_receive(uint8_t byte)
{
	bool ok;

	pthread_mutex_lock(&com1.lock);
	/* In loopback the receiver hears only the transmitter. */
	ok = (com1.mcr & UART_MCR_LOOP) || rx_push(byte);
	update_irq();
	pthread_mutex_unlock(&com1.lock);
	return ok;
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

static uint8_t iir_read(void)
{
	uint8_t val = com1.fcr & UART_FCR_ENABLE ? UART_IIR_FIFO : 0;

	if ((com1.ier & UART_IER_RDI) && com1.rx_count)
		return val | UART_IIR_RDI;
	if ((com1.ier & UART_IER_THRI) && com1.thri_pending) {
		com1.thri_pending = false;	/* reading IIR clears it */
		return val | UART_IIR_THRI;
	}
	return val | UART_IIR_NO_INT;
}

static void serial_read(struct vcpu *vcpu, uint64_t addr, int size,
			uint32_t *val)
{
	bool dlab;
	uint8_t v = 0;

	(void)vcpu;
	pthread_mutex_lock(&com1.lock);
	dlab = com1.lcr & UART_LCR_DLAB;
	switch (addr - COM1_BASE) {
	case 0:
		v = dlab ? com1.dll : rx_pop();
		break;
	case 1:
		v = dlab ? com1.dlm : com1.ier;
		break;
	case 2:
		v = iir_read();
		break;
	case 3:
		v = com1.lcr;
		break;
	case 4:
		v = com1.mcr;
		break;
	case 5:
		v = UART_LSR_THRE | UART_LSR_TEMT |
		    (com1.rx_count ? UART_LSR_DR : 0);
		break;
	case 6:
		v = msr_read();
		break;
	case 7:
		v = com1.scr;
		break;
	}
	update_irq();
	pthread_mutex_unlock(&com1.lock);
	/* A byte-wide device: wider accesses touch only this port. */
	*val = (size > 1 ? 0xffffff00U : 0) | v;
}

static void serial_write(struct vcpu *vcpu, uint64_t addr, int size,
			 uint32_t val32)
{
	uint8_t val = val32;
	bool dlab;

	(void)vcpu;
	(void)size;
	pthread_mutex_lock(&com1.lock);
	dlab = com1.lcr & UART_LCR_DLAB;
	switch (addr - COM1_BASE) {
	case 0:
		if (dlab) {
			com1.dll = val;
			break;
		}
		if (com1.mcr & UART_MCR_LOOP) {
			rx_push(val);
		} else {
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
		if (val & UART_FCR_CLEAR_RCVR)
			com1.rx_count = 0;
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
	update_irq();
	pthread_mutex_unlock(&com1.lock);
}

const struct io_device serial_device = {
	.name = "com1", .read = serial_read, .write = serial_write,
};
