// SPDX-License-Identifier: GPL-2.0
/*
 * Port I/O and MMIO exits, dispatched through tables of devices.
 *
 * Always:
 *   0x3f8-0x3ff  COM1 16550 UART (serial.c)
 *   0xf4         OUT ends the run; the value (low 8 bits) is the exit
 *                status, as QEMU's isa-debug-exit without the shift
 * With --kernel, the platform a Linux guest boots on:
 *   0x60, 0x64   i8042: the reset line only (power.c)
 *   0x600-0x605  ACPI PM1a event and control blocks (power.c)
 *   0xcf9        the reset register (power.c)
 *   0xfec00000   the IOAPIC, 4 KiB of MMIO (ioapic.c)
 * Everything else: IN and MMIO reads see all ones; OUT and MMIO writes
 * are ignored (--verbose logs the first of each port, the first MMIO).
 *
 * String I/O (INS/OUTS, REP) arrives as count accesses in a row.
 */
#include <string.h>

#include "kvmlite-run.h"

struct io_range {
	uint64_t base, len;
	const struct io_device *dev;
};

static void exit_port_write(struct vcpu *vcpu, uint64_t addr, int size,
			    uint32_t val)
{
	(void)addr;
	(void)size;
	if (vcpu->vm->verbose) {
		serial_flush();
		fprintf(stderr, KVMLITE_RUN ": vcpu%d: exit port: 0x%x\n",
			vcpu->id, val);
	}
	vm_stop(vcpu->vm, val & 0xff);
}

static const struct io_device exit_port_device = {
	.name = "exit-port", .write = exit_port_write,
};

static const struct io_range ports[] = {
	{ COM1_BASE, 8, &serial_device },
	{ EXIT_PORT, 1, &exit_port_device },
};

static const struct io_range linux_ports[] = {
	{ 0x60, 1, &i8042_device },
	{ I8042_CMD, 1, &i8042_device },
	{ ACPI_PM1_EVT, 6, &acpi_pm_device },
	{ RESET_PORT, 1, &reset_device },
	{ RTC_INDEX_PORT, 2, &rtc_device },
};

static const struct io_range linux_mmio[] = {
	{ IOAPIC_BASE, IOAPIC_SIZE, &ioapic_device },
};

static const struct io_range *find(const struct io_range *t, size_t n,
				   uint64_t addr)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (addr >= t[i].base && addr - t[i].base < t[i].len)
			return &t[i];
	return NULL;
}

static const struct io_range *find_port(struct vm *vm, uint16_t port)
{
	const struct io_range *r = find(ports, ARRAY_SIZE(ports), port);

	if (!r && vm->linux_guest)
		r = find(linux_ports, ARRAY_SIZE(linux_ports), port);
	return r;
}

static uint8_t logged[65536 / 8];

static void log_unknown_out(struct vcpu *vcpu, uint16_t port, int size,
			    uint32_t val)
{
	if (!vcpu->vm->verbose || logged[port / 8] & (1U << (port % 8)))
		return;
	logged[port / 8] |= 1U << (port % 8);
	fprintf(stderr,
		KVMLITE_RUN ": vcpu%d: OUT%d 0x%x to unknown port 0x%x ignored (logged once)\n",
		vcpu->id, size * 8, val, port);
}

/* An access to a device, or to nothing (r == NULL). */
static void access(struct vcpu *vcpu, const struct io_range *r, bool write,
		   uint64_t addr, int size, uint8_t *data)
{
	uint32_t val = 0xffffffff;

	if (write) {
		val = 0;
		memcpy(&val, data, size);
		if (r && r->dev->write)
			r->dev->write(vcpu, addr, size, val);
		return;
	}
	if (r && r->dev->read)
		r->dev->read(vcpu, addr, size, &val);
	memcpy(data, &val, size);
}

void ioport_handle(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	bool out = run->io.direction == KVM_EXIT_IO_OUT;
	const struct io_range *r = find_port(vcpu->vm, run->io.port);
	__u32 i;

	if (!r && out) {
		uint32_t val = 0;

		memcpy(&val, data, run->io.size);
		log_unknown_out(vcpu, run->io.port, run->io.size, val);
	}
	/* Nothing after the exit port: the run is ending. */
	for (i = 0; i < run->io.count && !vm_stopping(vcpu->vm);
	     i++, data += run->io.size)
		access(vcpu, r, out, run->io.port, run->io.size, data);
}

void mmio_handle(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	const struct io_range *r = NULL;
	static bool logged_mmio;

	if (vcpu->vm->linux_guest)
		r = find(linux_mmio, ARRAY_SIZE(linux_mmio),
			 run->mmio.phys_addr);
	if (r && run->mmio.len <= 4) {
		access(vcpu, r, run->mmio.is_write, run->mmio.phys_addr,
		       run->mmio.len, run->mmio.data);
		return;
	}
	if (!run->mmio.is_write)
		memset(run->mmio.data, 0xff, sizeof(run->mmio.data));
	if (vcpu->vm->verbose && !logged_mmio) {
		logged_mmio = true;
		fprintf(stderr, KVMLITE_RUN
			": vcpu%d: MMIO %s of %u bytes at 0x%llx, no device (%s; once)\n",
			vcpu->id, run->mmio.is_write ? "write" : "read",
			run->mmio.len, run->mmio.phys_addr,
			run->mmio.is_write ? "ignored" : "reads all ones");
	}
}
