// SPDX-License-Identifier: GPL-2.0
/*
 * How a Linux guest ends the run (both end it with status 0):
 *
 *   poweroff  ACPI S5: the guest writes the DSDT's \_S5 sleep type with
 *             SLP_EN to the PM1a control register (0x604)
 *   reboot    the FADT's reset register (port 0xcf9, value 6), or, when
 *             the guest falls back to it, the i8042's reset line
 *             (command 0xfe to port 0x64)
 *
 * The PM1a event block (0x600: status, 0x602: enable) keeps the enable
 * bits; status reads 0, since no fixed event (timer, buttons) exists.
 * PM1a control reads SCI_EN set: the platform is always in ACPI mode.
 * Of the i8042 only the reset line is there: status and data read 0
 * (nothing pending), so a guest polling for an empty input buffer
 * before the reset command sees one at once.
 */
#include "kvmlite-run.h"

#define PM1_SCI_EN		BIT(0)
#define PM1_SLP_TYP_SHIFT	10
#define PM1_SLP_EN		BIT(13)
#define CF9_RST_CPU		BIT(2)

static struct {
	uint16_t pm1_enable;
	uint16_t pm1_control;
} pm = { .pm1_control = PM1_SCI_EN };

static void end_run(struct vcpu *vcpu, const char *why)
{
	if (vcpu->vm->verbose) {
		serial_flush();
		fprintf(stderr, KVMLITE_RUN ": vcpu%d: guest %s\n", vcpu->id,
			why);
	}
	vm_stop(vcpu->vm, 0);
}

/* A register of width bytes at reg, in a block read at off, size bytes. */
static uint32_t field(uint64_t off, int size, unsigned int reg, uint16_t val)
{
	uint32_t v = 0;
	int i;

	for (i = 0; i < size; i++)
		if (off + i >= reg && off + i < reg + 2)
			v |= ((val >> ((off + i - reg) * 8)) & 0xffU) << (i * 8);
	return v;
}

static void pm_read(struct vcpu *vcpu, uint64_t addr, int size,
		    uint32_t *val)
{
	uint64_t off = addr - ACPI_PM1_EVT;

	(void)vcpu;
	/* 0-1 status (0), 2-3 enable, 4-5 control. */
	*val = field(off, size, 2, pm.pm1_enable) |
	       field(off, size, 4, pm.pm1_control);
}

static void pm_write(struct vcpu *vcpu, uint64_t addr, int size,
		     uint32_t val)
{
	uint64_t off = addr - ACPI_PM1_EVT;
	uint16_t control = pm.pm1_control;
	int i;

	for (i = 0; i < size; i++) {
		uint64_t at = off + i;
		uint8_t byte = val >> (i * 8);

		if (at == 2 || at == 3)
			pm.pm1_enable = (pm.pm1_enable &
					 ~(0xff << ((at - 2) * 8))) |
					byte << ((at - 2) * 8);
		else if (at == 4 || at == 5)
			control = (control & ~(0xff << ((at - 4) * 8))) |
				  byte << ((at - 4) * 8);
	}
	/* SLP_EN is write-only: it starts the transition, reads 0. */
	pm.pm1_control = (control & ~PM1_SLP_EN) | PM1_SCI_EN;
	if ((control & PM1_SLP_EN) &&
	    ((control >> PM1_SLP_TYP_SHIFT) & 7) == ACPI_S5_SLP_TYP)
		end_run(vcpu, "powered off (ACPI S5)");
}

static void reset_write(struct vcpu *vcpu, uint64_t addr, int size,
			uint32_t val)
{
	(void)addr;
	(void)size;
	if (val & CF9_RST_CPU)
		end_run(vcpu, "reset (reset register 0xcf9)");
}

static void i8042_read(struct vcpu *vcpu, uint64_t addr, int size,
		       uint32_t *val)
{
	(void)vcpu;
	(void)addr;
	(void)size;
	*val = 0;
}

static void i8042_write(struct vcpu *vcpu, uint64_t addr, int size,
			uint32_t val)
{
	(void)size;
	if (addr == I8042_CMD && (val & 0xff) == I8042_RESET)
		end_run(vcpu, "reset (i8042 reset line)");
}

const struct io_device acpi_pm_device = {
	.name = "acpi-pm1", .read = pm_read, .write = pm_write,
};

const struct io_device reset_device = {
	.name = "reset", .write = reset_write,
};

/* At ports 0x60 (data) and 0x64 (status, command). */
const struct io_device i8042_device = {
	.name = "i8042", .read = i8042_read, .write = i8042_write,
};
