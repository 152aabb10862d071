// SPDX-License-Identifier: GPL-2.0
/*
 * ACPI tables for a Linux guest (--kernel), in the reserved BIOS area at
 * 0xe0000, where a kernel searches for the RSDP (its address is also in
 * boot_params).
 *
 * Why ACPI and not MP tables: both describe the CPUs and the IOAPIC, but
 * only ACPI also gives the guest a way to power off (the \_S5 sleep type
 * and the PM1 control register) and to reset (the FADT's reset
 * register), which is what ends a run with status 0 (power.c).
 *
 *   RSDP -> XSDT (and RSDT) -> FADT -> FACS, DSDT
 *                           -> MADT
 *
 * FADT (revision 6, not hardware-reduced): PM1a event block at 0x600,
 * PM1a control at 0x604, SCI on IRQ 9, no SMI command port (the
 * platform is always in ACPI mode), no PM timer and no GPE block; the
 * reset register is port 0xcf9, value 6.  IAPC boot flags: no VGA, no
 * CMOS RTC (rtc.c's clock raises no interrupts: the flag keeps Linux's
 * RTC driver off it, and Linux still reads its time at boot).
 * DSDT: only Name (_S5, Package () { 5, 0 }).
 * MADT: the LAPIC at 0xfee00000, PC-AT compatible (legacy IRQs 0-15
 * keep their ISA numbers), one enabled local APIC per vCPU (APIC ID =
 * vCPU index), the IOAPIC (ID = number of vCPUs, GSI 0-23), the ISA
 * overrides every PC has (IRQ 0 on GSI 2; the SCI level, active high),
 * and LINT1 as NMI on every CPU.
 */
#include <string.h>

#include "kvmlite-run.h"

#define SDT_HEADER_LEN		36
#define FADT_LEN		276
#define FACS_LEN		64
#define OEM_ID			"KVMLTE"
#define OEM_TABLE_ID		"KVMLITE "
#define CREATOR_ID		"KVML"

/* FADT fields (ACPI 6.x, 5.2.9). */
#define FADT_FIRMWARE_CTRL	36
#define FADT_DSDT		40
#define FADT_SCI_INT		46
#define FADT_PM1A_EVT_BLK	56
#define FADT_PM1A_CNT_BLK	64
#define FADT_PM1_EVT_LEN	88
#define FADT_PM1_CNT_LEN	89
#define FADT_IAPC_BOOT_ARCH	109
#define FADT_FLAGS		112
#define FADT_RESET_REG		116
#define FADT_RESET_VALUE	128
#define FADT_MINOR_REVISION	131

#define IAPC_NO_VGA		BIT(2)
#define IAPC_NO_CMOS_RTC	BIT(5)
#define FADT_F_WBINVD		BIT(0)
#define FADT_F_PROC_C1		BIT(2)
#define FADT_F_PWR_BUTTON	BIT(4)	/* no fixed-feature power button */
#define FADT_F_SLP_BUTTON	BIT(5)
#define FADT_F_RESET_REG_SUP	BIT(10)
#define GAS_SYSTEM_IO		1
#define GAS_ACCESS_BYTE		1

#define MADT_PCAT_COMPAT	BIT(0)
#define MADT_LAPIC		0
#define MADT_IOAPIC		1
#define MADT_INT_OVERRIDE	2
#define MADT_LAPIC_NMI		4
#define LAPIC_ENABLED		BIT(0)
#define MPS_ACTIVE_HIGH		0x1
#define MPS_LEVEL		0xc

struct acpi_writer {
	struct vm *vm;
	uint64_t next;		/* guest-physical */
};

static uint8_t *gpa(struct acpi_writer *w, uint64_t addr)
{
	return w->vm->ram + addr;
}

static uint64_t alloc(struct acpi_writer *w, uint64_t len, uint64_t align)
{
	uint64_t addr = (w->next + align - 1) & ~(align - 1);

	w->next = addr + len;
	memset(gpa(w, addr), 0, len);
	return addr;
}

static void put8(uint8_t *p, unsigned int off, uint8_t v)
{
	p[off] = v;
}

static void put16(uint8_t *p, unsigned int off, uint16_t v)
{
	memcpy(p + off, &v, sizeof(v));
}

static void put32(uint8_t *p, unsigned int off, uint32_t v)
{
	memcpy(p + off, &v, sizeof(v));
}

static void put64(uint8_t *p, unsigned int off, uint64_t v)
{
	memcpy(p + off, &v, sizeof(v));
}

/* Bytes that sum to zero, modulo 256, with the checksum byte. */
static uint8_t checksum(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	while (len--)
		sum += *p++;
	return -sum;
}

/* A table's header; its checksum is set by sdt_finish(). */
static uint64_t sdt_begin(struct acpi_writer *w, const char *sig,
			  uint32_t len, uint8_t revision)
{
	uint64_t addr = alloc(w, len, 16);
	uint8_t *t = gpa(w, addr);

	memcpy(t, sig, 4);
	put32(t, 4, len);
	put8(t, 8, revision);
	memcpy(t + 10, OEM_ID, 6);
	memcpy(t + 16, OEM_TABLE_ID, 8);
	put32(t, 24, 1);
	memcpy(t + 28, CREATOR_ID, 4);
	put32(t, 32, 1);
	return addr;
}

static void sdt_finish(struct acpi_writer *w, uint64_t addr)
{
	uint8_t *t = gpa(w, addr);
	uint32_t len;

	memcpy(&len, t + 4, sizeof(len));
	t[9] = 0;
	t[9] = checksum(t, len);
}

static void gas_io(uint8_t *p, unsigned int off, uint16_t port,
		   uint8_t bits)
{
	put8(p, off, GAS_SYSTEM_IO);
	put8(p, off + 1, bits);
	put8(p, off + 2, 0);
	put8(p, off + 3, GAS_ACCESS_BYTE);
	put64(p, off + 4, port);
}

static uint64_t write_dsdt(struct acpi_writer *w)
{
	/* Name (_S5, Package () { 5, 0 }): NameOp, name, PackageOp, ... */
	static const uint8_t aml[] = {
		0x08, '_', 'S', '5', '_', 0x12, 0x05, 0x02,
		0x0a, ACPI_S5_SLP_TYP, 0x00,
	};
	uint64_t addr = sdt_begin(w, "DSDT", SDT_HEADER_LEN + sizeof(aml), 2);

	memcpy(gpa(w, addr) + SDT_HEADER_LEN, aml, sizeof(aml));
	sdt_finish(w, addr);
	return addr;
}

static uint64_t write_facs(struct acpi_writer *w)
{
	uint64_t addr = alloc(w, FACS_LEN, 64);
	uint8_t *t = gpa(w, addr);

	memcpy(t, "FACS", 4);
	put32(t, 4, FACS_LEN);
	put8(t, 32, 2);		/* version */
	return addr;
}

static uint64_t write_fadt(struct acpi_writer *w, uint64_t facs,
			   uint64_t dsdt)
{
	uint64_t addr = sdt_begin(w, "FACP", FADT_LEN, 6);
	uint8_t *t = gpa(w, addr);

	put32(t, FADT_FIRMWARE_CTRL, facs);
	put32(t, FADT_DSDT, dsdt);
	put16(t, FADT_SCI_INT, ACPI_SCI_IRQ);
	put32(t, FADT_PM1A_EVT_BLK, ACPI_PM1_EVT);
	put32(t, FADT_PM1A_CNT_BLK, ACPI_PM1_CNT);
	put8(t, FADT_PM1_EVT_LEN, 4);
	put8(t, FADT_PM1_CNT_LEN, 2);
	put16(t, FADT_IAPC_BOOT_ARCH, IAPC_NO_VGA | IAPC_NO_CMOS_RTC);
	put32(t, FADT_FLAGS, FADT_F_WBINVD | FADT_F_PROC_C1 |
	      FADT_F_PWR_BUTTON | FADT_F_SLP_BUTTON | FADT_F_RESET_REG_SUP);
	gas_io(t, FADT_RESET_REG, RESET_PORT, 8);
	put8(t, FADT_RESET_VALUE, RESET_VALUE);
	put8(t, FADT_MINOR_REVISION, 0);
	sdt_finish(w, addr);
	return addr;
}

static uint64_t write_madt(struct acpi_writer *w)
{
	int n = w->vm->nr_vcpus, i;
	uint32_t len = SDT_HEADER_LEN + 8 + n * 8 + 12 + 2 * 10 + 6;
	uint64_t addr = sdt_begin(w, "APIC", len, 4);
	uint8_t *t = gpa(w, addr), *e = t + SDT_HEADER_LEN + 8;

	put32(t, SDT_HEADER_LEN, 0xfee00000);
	put32(t, SDT_HEADER_LEN + 4, MADT_PCAT_COMPAT);
	for (i = 0; i < n; i++, e += 8) {
		e[0] = MADT_LAPIC;
		e[1] = 8;
		e[2] = i;		/* ACPI processor UID */
		e[3] = i;		/* APIC ID */
		put32(e, 4, LAPIC_ENABLED);
	}
	e[0] = MADT_IOAPIC;
	e[1] = 12;
	e[2] = n;			/* IOAPIC ID, after the CPUs' */
	put32(e, 4, IOAPIC_BASE);
	put32(e, 8, 0);			/* GSI base */
	e += 12;
	e[0] = MADT_INT_OVERRIDE;	/* the PIT's IRQ 0 is on pin 2 */
	e[1] = 10;
	e[3] = 0;
	put32(e, 4, 2);
	put16(e, 8, 0);
	e += 10;
	e[0] = MADT_INT_OVERRIDE;	/* the SCI: level, active high */
	e[1] = 10;
	e[3] = ACPI_SCI_IRQ;
	put32(e, 4, ACPI_SCI_IRQ);
	put16(e, 8, MPS_ACTIVE_HIGH | MPS_LEVEL);
	e += 10;
	e[0] = MADT_LAPIC_NMI;
	e[1] = 6;
	e[2] = 0xff;			/* all processors */
	put16(e, 3, 0);
	e[5] = 1;			/* LINT1 */
	sdt_finish(w, addr);
	return addr;
}

uint64_t acpi_write_tables(struct vm *vm)
{
	struct acpi_writer w = { .vm = vm, .next = ACPI_TABLES };
	uint64_t rsdp, xsdt, rsdt, fadt, madt, dsdt, facs;
	uint8_t *p;

	rsdp = alloc(&w, 36, 16);
	dsdt = write_dsdt(&w);
	facs = write_facs(&w);
	fadt = write_fadt(&w, facs, dsdt);
	madt = write_madt(&w);

	xsdt = sdt_begin(&w, "XSDT", SDT_HEADER_LEN + 2 * 8, 1);
	put64(gpa(&w, xsdt), SDT_HEADER_LEN, fadt);
	put64(gpa(&w, xsdt), SDT_HEADER_LEN + 8, madt);
	sdt_finish(&w, xsdt);
	rsdt = sdt_begin(&w, "RSDT", SDT_HEADER_LEN + 2 * 4, 1);
	put32(gpa(&w, rsdt), SDT_HEADER_LEN, fadt);
	put32(gpa(&w, rsdt), SDT_HEADER_LEN + 4, madt);
	sdt_finish(&w, rsdt);

	p = gpa(&w, rsdp);
	memcpy(p, "RSD PTR ", 8);
	memcpy(p + 9, OEM_ID, 6);
	p[15] = 2;			/* ACPI 2.0+: the XSDT is valid */
	put32(p, 16, rsdt);
	put32(p, 20, 36);
	put64(p, 24, xsdt);
	p[8] = checksum(p, 20);
	p[32] = checksum(p, 36);
	return rsdp;
}
