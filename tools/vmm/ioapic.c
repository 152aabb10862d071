// SPDX-License-Identifier: GPL-2.0
/*
 * The IOAPIC (82093AA programming model, version 0x11, 24 pins) at
 * 0xfec00000, in the VMM as in QEMU's split irqchip: the LAPICs are in
 * the kernel, and a pin's interrupt goes to them as the MSI its
 * redirection entry describes (KVM_SIGNAL_MSI).
 *
 *   edge pin    a rising line sends one message; masked, it is lost
 *   level pin   while the line is high and Remote IRR is clear, a
 *               message is sent and Remote IRR set; the guest's EOI of
 *               that vector (KVM_EXIT_IOAPIC_EOI) clears it, and a line
 *               still high sends again.  Unmasking a high line sends.
 *
 * The kernel must know which vectors are level-triggered to report
 * their EOI: kvmlite reads the MSI's trigger bit; KVM reads its
 * GSI routing table, so where the device has KVM_CAP_IRQ_ROUTING the
 * redirection table is mirrored there as MSI routes (as QEMU does) after
 * every change.  Registers: IOREGSEL at +0x00, IOWIN at +0x10 (32-bit
 * accesses); index 0 ID, 1 version, 2 arbitration, 0x10 + 2n the low
 * and high halves of pin n's entry.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kvmlite-run.h"

#define IOREGSEL		0x00
#define IOWIN			0x10
#define REG_ID			0x00
#define REG_VERSION		0x01
#define REG_ARB			0x02
#define REG_REDIR		0x10
#define IOAPIC_VERSION		(0x11 | ((IOAPIC_PINS - 1) << 16))

#define RTE_VECTOR		0xffULL
#define RTE_DELIVERY_MODE(e)	(((e) >> 8) & 7)
#define RTE_DEST_LOGICAL	BIT_ULL(11)
#define RTE_REMOTE_IRR		BIT_ULL(14)
#define RTE_LEVEL		BIT_ULL(15)
#define RTE_MASKED		BIT_ULL(16)
#define RTE_DEST(e)		((uint32_t)((e) >> 56))
#define RTE_RO_BITS		(BIT_ULL(12) | RTE_REMOTE_IRR)
#define DM_EXTINT		7

static struct {
	pthread_mutex_t lock;
	struct vm *vm;
	bool routing;		/* mirror to KVM_SET_GSI_ROUTING */
	uint32_t regsel, id;
	uint64_t rte[IOAPIC_PINS];
	bool line[IOAPIC_PINS];
} ioapic = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void rte_msi(uint64_t e, uint32_t *address, uint32_t *data)
{
	*address = 0xfee00000U | RTE_DEST(e) << 12 |
		   (e & RTE_DEST_LOGICAL ? BIT(2) : 0);
	*data = (e & RTE_VECTOR) | RTE_DELIVERY_MODE(e) << 8 |
		(e & RTE_LEVEL ? BIT(15) | BIT(14) : 0);
}

/* Lock held. */
static void send(unsigned int pin)
{
	uint64_t e = ioapic.rte[pin];
	struct kvm_msi msi = { 0 };

	/* There is no 8259 behind the IOAPIC to supply an ExtINT vector. */
	if (RTE_DELIVERY_MODE(e) == DM_EXTINT)
		return;
	rte_msi(e, &msi.address_lo, &msi.data);
	if (e & RTE_LEVEL)
		ioapic.rte[pin] |= RTE_REMOTE_IRR;
	if (ioctl(ioapic.vm->vm_fd, KVM_SIGNAL_MSI, &msi) < 0 &&
	    ioapic.vm->verbose)
		fprintf(stderr, KVMLITE_RUN ": ioapic: pin %u: KVM_SIGNAL_MSI: %s\n",
			pin, strerror(errno));
}

/* Lock held: a level pin that should (re)send. */
static void level_check(unsigned int pin)
{
	uint64_t e = ioapic.rte[pin];

	if ((e & RTE_LEVEL) && ioapic.line[pin] &&
	    !(e & (RTE_MASKED | RTE_REMOTE_IRR)))
		send(pin);
}

/* Lock held: KVM learns the level-triggered vectors from its routes. */
static void update_routes(void)
{
	struct kvm_irq_routing *rt;
	unsigned int pin;

	if (!ioapic.routing)
		return;
	rt = calloc(1, sizeof(*rt) + IOAPIC_PINS * sizeof(rt->entries[0]));
	if (!rt)
		return;
	for (pin = 0; pin < IOAPIC_PINS; pin++) {
		struct kvm_irq_routing_entry *r = &rt->entries[rt->nr];

		if (ioapic.rte[pin] & RTE_MASKED)
			continue;
		r->gsi = pin;
		r->type = KVM_IRQ_ROUTING_MSI;
		rte_msi(ioapic.rte[pin], &r->u.msi.address_lo, &r->u.msi.data);
		rt->nr++;
	}
	if (ioctl(ioapic.vm->vm_fd, KVM_SET_GSI_ROUTING, rt) < 0 &&
	    ioapic.vm->verbose)
		fprintf(stderr, KVMLITE_RUN ": ioapic: KVM_SET_GSI_ROUTING: %s\n",
			strerror(errno));
	free(rt);
}

void ioapic_init(struct vm *vm)
{
	unsigned int pin;

	ioapic.vm = vm;
	ioapic.id = vm->nr_vcpus;	/* as the MADT says (acpi.c) */
	for (pin = 0; pin < IOAPIC_PINS; pin++)
		ioapic.rte[pin] = RTE_MASKED;
	ioapic.routing = ioctl(vm->dev_fd, KVM_CHECK_EXTENSION,
			       KVM_CAP_IRQ_ROUTING) > 0;
}

void ioapic_set_irq(unsigned int pin, bool level)
{
	bool rising;

	if (!ioapic.vm || pin >= IOAPIC_PINS)
		return;
	pthread_mutex_lock(&ioapic.lock);
	rising = level && !ioapic.line[pin];
	ioapic.line[pin] = level;
	if (ioapic.rte[pin] & RTE_LEVEL)
		level_check(pin);
	else if (rising && !(ioapic.rte[pin] & RTE_MASKED))
		send(pin);
	pthread_mutex_unlock(&ioapic.lock);
}

void ioapic_eoi(uint8_t vector)
{
	unsigned int pin;

	if (!ioapic.vm)
		return;
	pthread_mutex_lock(&ioapic.lock);
	for (pin = 0; pin < IOAPIC_PINS; pin++) {
		uint64_t e = ioapic.rte[pin];

		if ((e & RTE_VECTOR) != vector || !(e & RTE_REMOTE_IRR))
			continue;
		ioapic.rte[pin] &= ~RTE_REMOTE_IRR;
		level_check(pin);
	}
	pthread_mutex_unlock(&ioapic.lock);
}

static uint32_t reg_read(uint32_t index)
{
	unsigned int pin = (index - REG_REDIR) / 2;

	switch (index) {
	case REG_ID:
		return ioapic.id << 24;
	case REG_VERSION:
		return IOAPIC_VERSION;
	case REG_ARB:
		return ioapic.id << 24;
	}
	if (index < REG_REDIR || pin >= IOAPIC_PINS)
		return 0xffffffff;
	return index & 1 ? ioapic.rte[pin] >> 32 : (uint32_t)ioapic.rte[pin];
}

static void reg_write(uint32_t index, uint32_t val)
{
	unsigned int pin = (index - REG_REDIR) / 2;
	uint64_t e;

	if (index == REG_ID) {
		ioapic.id = (val >> 24) & 0xf;
		return;
	}
	if (index < REG_REDIR || pin >= IOAPIC_PINS)
		return;
	e = ioapic.rte[pin];
	if (index & 1)
		e = (e & 0xffffffffULL) | (uint64_t)val << 32;
	else
		e = (e & ~0xffffffffULL) | val;
	e = (e & ~RTE_RO_BITS) | (ioapic.rte[pin] & RTE_RO_BITS);
	/* An edge pin has no Remote IRR. */
	if (!(e & RTE_LEVEL))
		e &= ~RTE_REMOTE_IRR;
	ioapic.rte[pin] = e;
	update_routes();
	level_check(pin);
}

static void ioapic_read(struct vcpu *vcpu, uint64_t addr, int size,
			uint32_t *val)
{
	uint64_t off = addr - IOAPIC_BASE;

	(void)vcpu;
	(void)size;
	pthread_mutex_lock(&ioapic.lock);
	if (off == IOREGSEL)
		*val = ioapic.regsel;
	else if (off == IOWIN)
		*val = reg_read(ioapic.regsel);
	pthread_mutex_unlock(&ioapic.lock);
}

static void ioapic_write(struct vcpu *vcpu, uint64_t addr, int size,
			 uint32_t val)
{
	uint64_t off = addr - IOAPIC_BASE;

	(void)vcpu;
	(void)size;
	pthread_mutex_lock(&ioapic.lock);
	if (off == IOREGSEL)
		ioapic.regsel = val & 0xff;
	else if (off == IOWIN)
		reg_write(ioapic.regsel, val);
	pthread_mutex_unlock(&ioapic.lock);
}

const struct io_device ioapic_device = {
	.name = "ioapic", .read = ioapic_read, .write = ioapic_write,
};
