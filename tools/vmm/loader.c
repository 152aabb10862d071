// SPDX-License-Identifier: GPL-2.0
/*
 * Guest image loaders.  The whole file is read, checked and copied into
 * guest RAM before the device is opened.
 *
 *   ELF32 (EM_386)     must carry a Multiboot (v1) header in its first
 *                      8 KiB; PT_LOAD segments go to their p_paddr; entered
 *                      in 32-bit protected mode at e_entry.
 *   ELF64 (EM_X86_64)  PT_LOAD segments go to their p_paddr; entered in
 *                      long mode at e_entry (identity-mapped, so e_entry
 *                      is also a physical address).
 *   --flat ADDR        the raw file at ADDR, below 1 MiB; real mode.
 *
 * Segments may not overlap what the VMM itself writes to guest RAM: the
 * boot data at 0x1000-0x7fff and the stacks at 0x70000-0x7ffff.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/elf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kvmlite-run.h"

#define MULTIBOOT_SEARCH	8192
#define MB_FLAG_ALIGN		BIT(0)
#define MB_FLAG_MEMINFO		BIT(1)
#define REAL_MODE_END		0x100000ULL

int image_read(struct image *img, uint64_t max)
{
	struct stat st;
	size_t done = 0;
	int fd, r = 0;

	fd = open(img->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return vmm_error(EX_NOINPUT, "%s: %s", img->path,
				 strerror(errno));
	if (fstat(fd, &st) < 0) {
		r = vmm_error(EX_NOINPUT, "%s: %s", img->path,
			      strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = vmm_error(EX_NOINPUT, "%s: not a regular file",
			      img->path);
		goto out;
	}
	if ((uint64_t)st.st_size > max) {
		r = vmm_error(EX_DATAERR,
			      "%s: file of %lld bytes does not fit in %llu MiB of guest RAM",
			      img->path, (long long)st.st_size,
			      (unsigned long long)(max >> 20));
		goto out;
	}
	img->size = st.st_size;
	img->data = malloc(img->size ? img->size : 1);
	if (!img->data) {
		r = vmm_error(EX_OSERR, "out of memory");
		goto out;
	}
	while (done < img->size) {
		ssize_t n = read(fd, img->data + done, img->size - done);

		if (n <= 0) {
			r = vmm_error(EX_NOINPUT, "%s: read: %s", img->path,
				      n ? strerror(errno) : "file shrank");
			goto out;
		}
		done += n;
	}
out:
	close(fd);
	return r;
}

static bool overlaps(uint64_t lo, uint64_t hi, uint64_t lo2, uint64_t hi2)
{
	return lo < hi2 && lo2 < hi;
}

/* Copy [off, off + filesz) of the file to paddr and zero up to memsz. */
static int place(struct vm *vm, struct image *img, int idx, uint64_t paddr,
		 uint64_t off, uint64_t filesz, uint64_t memsz)
{
	uint64_t end = paddr + memsz;

	if (filesz > memsz || off > img->size || filesz > img->size - off)
		return vmm_error(EX_DATAERR,
				 "%s: segment %d: file range 0x%llx+0x%llx is outside the file",
				 img->path, idx, (unsigned long long)off,
				 (unsigned long long)filesz);
	if (end < paddr || end > vm->ram_size)
		return vmm_error(EX_DATAERR,
				 "%s: segment %d (0x%llx-0x%llx) is outside guest RAM (0-0x%llx, --mem %llu)",
				 img->path, idx, (unsigned long long)paddr,
				 (unsigned long long)end,
				 (unsigned long long)vm->ram_size,
				 (unsigned long long)(vm->ram_size >> 20));
	if (vm->mode != BOOT_REAL16 &&
	    (overlaps(paddr, end, BOOT_GDT, BOOT_DATA_END) ||
	     overlaps(paddr, end, BOOT_STACKS, BOOT_STACKS_END)))
		return vmm_error(EX_DATAERR,
				 "%s: segment %d (0x%llx-0x%llx) overlaps the VMM's boot data (0x%llx-0x%llx, 0x%llx-0x%llx)",
				 img->path, idx, (unsigned long long)paddr,
				 (unsigned long long)end, BOOT_GDT,
				 BOOT_DATA_END, BOOT_STACKS, BOOT_STACKS_END);
	memcpy(vm->ram + paddr, img->data + off, filesz);
	memset(vm->ram + paddr + filesz, 0, memsz - filesz);
	if (memsz) {
		if (paddr < vm->image_low || vm->image_low == vm->image_high)
			vm->image_low = paddr;
		if (end > vm->image_high)
			vm->image_high = end;
	}
	return 0;
}

static int check_multiboot(struct image *img)
{
	size_t off, limit = img->size < MULTIBOOT_SEARCH ?
			    img->size : MULTIBOOT_SEARCH;
	uint32_t h[3], unsupported;

	for (off = 0; off + sizeof(h) <= limit; off += 4) {
		memcpy(h, img->data + off, sizeof(h));
		if (h[0] != MULTIBOOT_HEADER_MAGIC || h[0] + h[1] + h[2])
			continue;
		/* Bits 0-15 are requirements: refuse what is not provided. */
		unsupported = h[1] & 0xffff & ~(MB_FLAG_ALIGN | MB_FLAG_MEMINFO);
		if (unsupported)
			return vmm_error(EX_DATAERR,
					 "%s: Multiboot header requires flags 0x%x, not supported (only memory info)",
					 img->path, unsupported);
		return 0;
	}
	return vmm_error(EX_DATAERR,
			 "%s: 32-bit ELF without a Multiboot header in its first %d bytes",
			 img->path, MULTIBOOT_SEARCH);
}

/* A program header of either class, as the loader needs it. */
struct segment {
	uint32_t type;
	uint64_t offset, paddr, filesz, memsz;
};

static void get_segment(const struct image *img, bool is64, uint64_t phoff,
			int i, struct segment *seg)
{
	if (is64) {
		struct elf64_phdr ph;

		memcpy(&ph, img->data + phoff + i * sizeof(ph), sizeof(ph));
		*seg = (struct segment){ ph.p_type, ph.p_offset, ph.p_paddr,
					 ph.p_filesz, ph.p_memsz };
	} else {
		struct elf32_phdr ph;

		memcpy(&ph, img->data + phoff + i * sizeof(ph), sizeof(ph));
		*seg = (struct segment){ ph.p_type, ph.p_offset, ph.p_paddr,
					 ph.p_filesz, ph.p_memsz };
	}
}

/* Load the PT_LOAD segments of an ELF whose class is checked already. */
static int load_segments(struct vm *vm, struct image *img, bool is64)
{
	uint64_t phoff, entry;
	size_t ehsize = is64 ? sizeof(struct elf64_hdr) :
			       sizeof(struct elf32_hdr);
	size_t phsize = is64 ? sizeof(struct elf64_phdr) :
			       sizeof(struct elf32_phdr);
	unsigned int type, phentsize, phnum;
	int i, r, loaded = 0;

	if (img->size < ehsize)
		goto bad;
	if (is64) {
		const struct elf64_hdr *eh = (const void *)img->data;

		type = eh->e_type;
		entry = eh->e_entry;
		phoff = eh->e_phoff;
		phentsize = eh->e_phentsize;
		phnum = eh->e_phnum;
	} else {
		const struct elf32_hdr *eh = (const void *)img->data;

		type = eh->e_type;
		entry = eh->e_entry;
		phoff = eh->e_phoff;
		phentsize = eh->e_phentsize;
		phnum = eh->e_phnum;
	}
	if (type != ET_EXEC || phentsize != phsize || phoff > img->size ||
	    (uint64_t)phnum * phsize > img->size - phoff)
		goto bad;
	for (i = 0; i < (int)phnum; i++) {
		struct segment seg;

		get_segment(img, is64, phoff, i, &seg);
		if (seg.type != PT_LOAD)
			continue;
		r = place(vm, img, i, seg.paddr, seg.offset, seg.filesz,
			  seg.memsz);
		if (r)
			return r;
		loaded++;
	}
	if (!loaded)
		return vmm_error(EX_DATAERR, "%s: no PT_LOAD segment",
				 img->path);
	if (entry >= vm->ram_size)
		return vmm_error(EX_DATAERR,
				 "%s: entry point 0x%llx is outside guest RAM",
				 img->path, (unsigned long long)entry);
	vm->entry = entry;
	return 0;
bad:
	return vmm_error(EX_DATAERR,
			 "%s: not an executable ELF (bad header or program headers)",
			 img->path);
}

static int load_elf(struct vm *vm, struct image *img)
{
	const uint8_t *id = img->data;
	uint16_t machine;
	int r;

	if (img->size < EI_NIDENT + 4 || memcmp(id, ELFMAG, SELFMAG))
		return vmm_error(EX_DATAERR,
				 "%s: not an ELF image (use --flat ADDR for a raw binary)",
				 img->path);
	if (id[EI_DATA] != ELFDATA2LSB)
		return vmm_error(EX_DATAERR, "%s: not a little-endian ELF",
				 img->path);
	/* e_machine follows e_ident and e_type in both classes. */
	memcpy(&machine, id + EI_NIDENT + 2, sizeof(machine));
	if (id[EI_CLASS] == ELFCLASS32 && machine == EM_386) {
		r = check_multiboot(img);
		if (r)
			return r;
		vm->mode = BOOT_PROT32;
		return load_segments(vm, img, false);
	}
	if (id[EI_CLASS] == ELFCLASS64 && machine == EM_X86_64) {
		vm->mode = BOOT_LONG64;
		return load_segments(vm, img, true);
	}
	return vmm_error(EX_DATAERR,
			 "%s: ELF for another machine (need 32-bit i386 with Multiboot, or x86-64)",
			 img->path);
}

static int load_flat(struct vm *vm, struct image *img, uint64_t addr)
{
	uint64_t end = addr + img->size;

	if (end > REAL_MODE_END || end > vm->ram_size)
		return vmm_error(EX_DATAERR,
				 "%s: flat image at 0x%llx-0x%llx does not fit below 1 MiB of guest RAM",
				 img->path, (unsigned long long)addr,
				 (unsigned long long)end);
	if (addr >= 0x10000 && (addr & 0xf))
		return vmm_error(EX_DATAERR,
				 "%s: --flat 0x%llx: above 64 KiB the address must be 16-byte aligned (CS:IP = ADDR/16:0)",
				 img->path, (unsigned long long)addr);
	vm->mode = BOOT_REAL16;
	vm->entry = addr;
	return place(vm, img, 0, addr, 0, img->size, img->size);
}

int load_image(struct vm *vm, const char *path, bool flat, uint64_t flat_addr)
{
	struct image img = { .path = path };
	int r;

	r = image_read(&img, vm->ram_size);
	if (!r)
		r = flat ? load_flat(vm, &img, flat_addr) : load_elf(vm, &img);
	free(img.data);
	return r;
}
