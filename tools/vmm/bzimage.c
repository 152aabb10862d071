// SPDX-License-Identifier: GPL-2.0
/*
 * --kernel: a Linux bzImage, loaded by the x86 boot protocol
 * (Documentation/arch/x86/boot.rst) and entered by its 32-bit protocol:
 * the real-mode setup code is not run, so the VMM does its job and
 * writes struct boot_params (the "zero page") itself.
 *
 *   0x10000   boot_params: a copy of the image's setup header, with
 *             type_of_loader, the command line and initrd fields filled
 *             in, the e820 map and the RSDP's address
 *   0x20000   the command line (NUL-terminated)
 *   0x100000  the protected-mode kernel: the file after its setup
 *             sectors (a relocatable kernel moves itself from here)
 *   top       the initrd, page-aligned, as high as initrd_addr_max and
 *             RAM allow
 *
 * e820: RAM below the EBDA (0x9fc00), reserved EBDA, reserved BIOS area
 * from 0xe0000 (the ACPI tables), RAM from 1 MiB to the end of --mem.
 *
 * Entry (the 32-bit protocol): flat 4 GiB segments with CS = 0x10 and
 * DS = ES = SS = 0x18, paging off, interrupts off, ESI = the zero page,
 * EBP = EDI = EBX = 0, at code32_start.  The boot CPU only; the others
 * wait for the kernel's INIT/SIPI.
 */
#include <stdlib.h>
#include <string.h>

#include "kvmlite-run.h"

/* Setup header fields, as offsets into the file and into boot_params. */
#define HDR_SETUP_SECTS		0x1f1	/* u8; 0 means 4 */
#define HDR_SYSSIZE		0x1f4	/* u32, 16-byte units (2.04+) */
#define HDR_BOOT_FLAG		0x1fe	/* u16 0xaa55 */
#define HDR_HEADER		0x202	/* "HdrS" */
#define HDR_VERSION		0x206	/* u16 */
#define HDR_TYPE_OF_LOADER	0x210	/* u8 */
#define HDR_LOADFLAGS		0x211	/* u8 */
#define HDR_CODE32_START	0x214	/* u32 */
#define HDR_RAMDISK_IMAGE	0x218	/* u32 */
#define HDR_RAMDISK_SIZE	0x21c	/* u32 */
#define HDR_CMD_LINE_PTR	0x228	/* u32 */
#define HDR_INITRD_ADDR_MAX	0x22c	/* u32 */
#define HDR_CMDLINE_SIZE	0x238	/* u32 (2.06+) */
#define HDR_PREF_ADDRESS	0x258	/* u64 (2.10+) */
#define HDR_INIT_SIZE		0x260	/* u32 (2.10+) */
#define HDR_END			0x268	/* what the VMM copies (2.15) */

/* Fields of boot_params outside the setup header. */
#define BP_ACPI_RSDP_ADDR	0x070	/* u64 (2.14+) */
#define BP_EXT_RAMDISK_IMAGE	0x0c0
#define BP_EXT_RAMDISK_SIZE	0x0c4
#define BP_EXT_CMD_LINE_PTR	0x0c8
#define BP_E820_ENTRIES		0x1e8	/* u8 */
#define BP_E820_TABLE		0x2d0	/* 128 x { u64 addr, size; u32 type } */
#define BP_SIZE			0x1000

#define HDRS_MAGIC		0x53726448	/* "HdrS" */
#define BOOT_FLAG_MAGIC		0xaa55
#define LOADED_HIGH		BIT(0)
#define MIN_PROTOCOL		0x0206	/* cmdline_size and everything above */
#define LOADER_UNDEFINED	0xff
#define E820_RAM		1
#define E820_RESERVED		2
#define PAGE_MASK_4K		(~0xfffULL)

static uint32_t get32(const uint8_t *p, unsigned int off)
{
	uint32_t v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

static uint16_t get16(const uint8_t *p, unsigned int off)
{
	uint16_t v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

static void put32(uint8_t *p, unsigned int off, uint32_t v)
{
	memcpy(p + off, &v, sizeof(v));
}

static void put64(uint8_t *p, unsigned int off, uint64_t v)
{
	memcpy(p + off, &v, sizeof(v));
}

static void e820_add(uint8_t *bp, uint64_t addr, uint64_t size,
		     uint32_t type)
{
	unsigned int n = bp[BP_E820_ENTRIES], off = BP_E820_TABLE + n * 20;

	put64(bp, off, addr);
	put64(bp, off + 8, size);
	put32(bp, off + 16, type);
	bp[BP_E820_ENTRIES] = n + 1;
}

/* Checks the setup header; returns the protocol version or 0. */
static unsigned int check_header(const struct image *k)
{
	unsigned int version, setup_sects;
	uint64_t need;

	if (k->size < HDR_END || get16(k->data, HDR_BOOT_FLAG) != BOOT_FLAG_MAGIC ||
	    get32(k->data, HDR_HEADER) != HDRS_MAGIC) {
		vmm_error(EX_DATAERR,
			  "%s: not a Linux bzImage (no \"HdrS\" setup header at 0x%x)",
			  k->path, HDR_HEADER);
		return 0;
	}
	version = get16(k->data, HDR_VERSION);
	if (version < MIN_PROTOCOL) {
		vmm_error(EX_DATAERR,
			  "%s: boot protocol %u.%02u is too old (need %u.%02u or later)",
			  k->path, version >> 8, version & 0xff,
			  MIN_PROTOCOL >> 8, MIN_PROTOCOL & 0xff);
		return 0;
	}
	if (!(k->data[HDR_LOADFLAGS] & LOADED_HIGH)) {
		vmm_error(EX_DATAERR,
			  "%s: a zImage (loaded at 0x10000), not a bzImage",
			  k->path);
		return 0;
	}
	setup_sects = k->data[HDR_SETUP_SECTS] ? k->data[HDR_SETUP_SECTS] : 4;
	need = (setup_sects + 1) * 512ULL +
	       (uint64_t)get32(k->data, HDR_SYSSIZE) * 16;
	if (k->size < need) {
		vmm_error(EX_DATAERR,
			  "%s: truncated: %zu bytes, the setup header says %llu",
			  k->path, k->size, (unsigned long long)need);
		return 0;
	}
	return version;
}

/*
 * Where the kernel will run: a relocatable one decompresses at or above
 * pref_address (2.10+) and needs init_size bytes there.
 */
static uint64_t kernel_end(const struct image *k, unsigned int version,
			   uint64_t pm_size)
{
	uint64_t base = LINUX_KERNEL, size = pm_size;

	if (version >= 0x020a) {
		uint64_t pref;

		memcpy(&pref, k->data + HDR_PREF_ADDRESS, sizeof(pref));
		if (pref > base)
			base = pref;
		if (get32(k->data, HDR_INIT_SIZE) > size)
			size = get32(k->data, HDR_INIT_SIZE);
	}
	return base + size;
}

static int place_initrd(struct vm *vm, uint8_t *bp, const struct image *k,
			const char *path, uint64_t low)
{
	struct image rd = { .path = path };
	uint64_t max, addr;
	int r;

	r = image_read(&rd, vm->ram_size);
	if (r)
		return r;
	max = get32(k->data, HDR_INITRD_ADDR_MAX);
	if (max >= vm->ram_size)
		max = vm->ram_size - 1;
	addr = (max + 1 - rd.size) & PAGE_MASK_4K;
	if (rd.size > max + 1 || addr < low) {
		r = vmm_error(EX_DATAERR,
			      "%s: initrd of %zu bytes does not fit between the kernel (up to 0x%llx) and 0x%llx (--mem %llu)",
			      path, rd.size, (unsigned long long)low,
			      (unsigned long long)max + 1,
			      (unsigned long long)(vm->ram_size >> 20));
		goto out;
	}
	memcpy(vm->ram + addr, rd.data, rd.size);
	put32(bp, HDR_RAMDISK_IMAGE, addr);
	put32(bp, HDR_RAMDISK_SIZE, rd.size);
	put32(bp, BP_EXT_RAMDISK_IMAGE, addr >> 32);
	put32(bp, BP_EXT_RAMDISK_SIZE, (uint64_t)rd.size >> 32);
out:
	free(rd.data);
	return r;
}

int load_linux(struct vm *vm, const char *kernel, const char *initrd,
	       const char *cmdline)
{
	struct image k = { .path = kernel };
	uint8_t *bp = vm->ram + LINUX_ZERO_PAGE;
	uint64_t pm_off, pm_size, end, rsdp;
	unsigned int version, max_cmdline;
	size_t len = strlen(cmdline);
	int r;

	r = image_read(&k, vm->ram_size);
	if (r)
		return r;
	version = check_header(&k);
	if (!version) {
		r = EX_DATAERR;
		goto out;
	}
	/* The limit excludes the NUL; the VMM's own area is smaller still. */
	max_cmdline = get32(k.data, HDR_CMDLINE_SIZE);
	if (max_cmdline > LINUX_CMDLINE_MAX - 1)
		max_cmdline = LINUX_CMDLINE_MAX - 1;
	if (len > max_cmdline) {
		r = vmm_error(EX_USAGE,
			      "--append: command line of %zu bytes, the kernel accepts at most %u",
			      len, max_cmdline);
		goto out;
	}
	pm_off = ((k.data[HDR_SETUP_SECTS] ? k.data[HDR_SETUP_SECTS] : 4) +
		  1) * 512ULL;
	pm_size = k.size - pm_off;
	end = kernel_end(&k, version, pm_size);
	if (end > vm->ram_size) {
		r = vmm_error(EX_DATAERR,
			      "%s: the kernel needs guest RAM up to 0x%llx (%llu MiB), --mem is %llu MiB",
			      kernel, (unsigned long long)end,
			      (unsigned long long)((end + (1 << 20) - 1) >> 20),
			      (unsigned long long)(vm->ram_size >> 20));
		goto out;
	}

	memset(bp, 0, BP_SIZE);
	memcpy(bp + HDR_SETUP_SECTS, k.data + HDR_SETUP_SECTS,
	       HDR_END - HDR_SETUP_SECTS);
	bp[HDR_TYPE_OF_LOADER] = LOADER_UNDEFINED;
	memcpy(vm->ram + LINUX_KERNEL, k.data + pm_off, pm_size);
	memcpy(vm->ram + LINUX_CMDLINE, cmdline, len + 1);
	put32(bp, HDR_CMD_LINE_PTR, LINUX_CMDLINE);
	put32(bp, BP_EXT_CMD_LINE_PTR, 0);
	if (initrd) {
		r = place_initrd(vm, bp, &k, initrd, end);
		if (r)
			goto out;
	}

	e820_add(bp, 0, LINUX_EBDA, E820_RAM);
	e820_add(bp, LINUX_EBDA, 0xa0000 - LINUX_EBDA, E820_RESERVED);
	e820_add(bp, ACPI_TABLES, BIOS_AREA_END - ACPI_TABLES, E820_RESERVED);
	e820_add(bp, BIOS_AREA_END, vm->ram_size - BIOS_AREA_END, E820_RAM);
	rsdp = acpi_write_tables(vm);
	if (version >= 0x020e)
		put64(bp, BP_ACPI_RSDP_ADDR, rsdp);

	vm->mode = BOOT_LINUX32;
	vm->entry = get32(k.data, HDR_CODE32_START);
	vm->linux_guest = true;
	vm->image_low = LINUX_KERNEL;
	vm->image_high = LINUX_KERNEL + pm_size;
out:
	free(k.data);
	return r;
}
