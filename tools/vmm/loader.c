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
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kvmlite-run.h"

#define MULTIBOOT_SEARCH	8192
#define MB_FLAG_ALIGN		(1U << 0)
#define MB_FLAG_MEMINFO		(1U << 1)
#define MB_FLAG_VIDEO		(1U << 2)
#define MB_FLAG_AOUT_KLUDGE	(1U << 16)
#define REAL_MODE_END		0x100000ULL

struct image {
	const char *path;
	uint8_t *data;
	size_t size;
};

static int read_file(struct image *img, uint64_t max)
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
			      "%s: image of %lld bytes does not fit in %llu MiB of guest RAM",
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

/* The ELF32 and ELF64 loaders, written once over the two layouts. */
#define DEFINE_ELF_LOADER(name, Ehdr, Phdr)				\
static int name(struct vm *vm, struct image *img)			\
{									\
	const Ehdr *eh = (const Ehdr *)img->data;			\
	int i, r, loaded = 0;						\
									\
	if (img->size < sizeof(*eh) || eh->e_type != ET_EXEC ||	\
	    eh->e_phentsize != sizeof(Phdr) ||				\
	    eh->e_phoff > img->size ||					\
	    (uint64_t)eh->e_phnum * sizeof(Phdr) >			\
	    img->size - eh->e_phoff)					\
		return vmm_error(EX_DATAERR,				\
				 "%s: not an executable ELF (bad header or program headers)", \
				 img->path);				\
	for (i = 0; i < eh->e_phnum; i++) {				\
		Phdr ph;						\
									\
		memcpy(&ph, img->data + eh->e_phoff + i * sizeof(ph),	\
		       sizeof(ph));					\
		if (ph.p_type != PT_LOAD)				\
			continue;					\
		r = place(vm, img, i, ph.p_paddr, ph.p_offset,		\
			  ph.p_filesz, ph.p_memsz);			\
		if (r)							\
			return r;					\
		loaded++;						\
	}								\
	if (!loaded)							\
		return vmm_error(EX_DATAERR, "%s: no PT_LOAD segment",	\
				 img->path);				\
	vm->entry = eh->e_entry;					\
	return 0;							\
}

DEFINE_ELF_LOADER(load_elf32, Elf32_Ehdr, Elf32_Phdr)
DEFINE_ELF_LOADER(load_elf64, Elf64_Ehdr, Elf64_Phdr)

static int load_elf(struct vm *vm, struct image *img)
{
	const uint8_t *id = img->data;
	int r;

	if (img->size < EI_NIDENT || memcmp(id, ELFMAG, SELFMAG))
		return vmm_error(EX_DATAERR,
				 "%s: not an ELF image (use --flat ADDR for a raw binary)",
				 img->path);
	if (id[EI_DATA] != ELFDATA2LSB)
		return vmm_error(EX_DATAERR, "%s: not a little-endian ELF",
				 img->path);
	if (id[EI_CLASS] == ELFCLASS32 &&
	    img->size >= sizeof(Elf32_Ehdr) &&
	    ((Elf32_Ehdr *)id)->e_machine == EM_386) {
		r = check_multiboot(img);
		if (r)
			return r;
		vm->mode = BOOT_PROT32;
		r = load_elf32(vm, img);
		goto check_entry;
	}
	if (id[EI_CLASS] == ELFCLASS64 &&
	    img->size >= sizeof(Elf64_Ehdr) &&
	    ((Elf64_Ehdr *)id)->e_machine == EM_X86_64) {
		vm->mode = BOOT_LONG64;
		r = load_elf64(vm, img);
		goto check_entry;
	}
	return vmm_error(EX_DATAERR,
			 "%s: ELF for another machine (need 32-bit i386 with Multiboot, or x86-64)",
			 img->path);
check_entry:
	if (!r && vm->entry >= vm->ram_size)
		r = vmm_error(EX_DATAERR,
			      "%s: entry point 0x%llx is outside guest RAM",
			      img->path, (unsigned long long)vm->entry);
	return r;
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

	r = read_file(&img, vm->ram_size);
	if (!r)
		r = flat ? load_flat(vm, &img, flat_addr) : load_elf(vm, &img);
	free(img.data);
	return r;
}
