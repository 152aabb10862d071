/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvmlite-run: state shared by the VMM's files.
 *
 *   main.c     options and the order of things
 *   kvm.c      the device: VM, guest memory, CPUID, vCPUs
 *   info.c     --info
 *   loader.c   ELF (Multiboot 32-bit, 64-bit) and flat images
 *   bzimage.c  a Linux bzImage, its initrd and command line (the x86
 *              boot protocol: setup header, boot_params, e820)
 *   acpi.c     the ACPI tables a Linux guest finds its CPUs, IOAPIC,
 *              poweroff and reset in
 *   boot.c     the guest's first state: GDT, page tables, Multiboot info,
 *              segment and general registers
 *   vcpu.c     one thread per vCPU, the KVM_RUN loop and its exits
 *   ioport.c   port I/O and MMIO dispatch tables, the exit port,
 *              unknown ports
 *   serial.c   the COM1 16550 UART, its interrupt (IRQ 4)
 *   console.c  stdin to the UART: the input thread, raw terminal mode
 *   ioapic.c   the IOAPIC at 0xfec00000, delivering by KVM_SIGNAL_MSI
 *   power.c    ACPI PM1 (poweroff), the reset register, the i8042's
 *              reset line
 *   rtc.c      the CMOS clock at ports 0x70-0x71, the host's UTC time
 *
 * Errors are printed where they happen ("kvmlite-run: ...") and passed up
 * as the process exit status, one of the sysexits.h codes below.
 */
#ifndef KVMLITE_RUN_H
#define KVMLITE_RUN_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sysexits.h>

#include "kvmlite_compiler.h"

/*
 * Exit status of kvmlite-run (also in print_help() and README.md):
 *   0..255          the guest's value OUT to port 0xf4 (low 8 bits), or 0
 *                   when every vCPU halted
 *   EX_USAGE        64  bad option or argument
 *   EX_DATAERR      65  bad image: not ELF, no Multiboot header, does not
 *                       fit --mem, segment outside RAM; not a bzImage,
 *                       boot protocol too old, truncated, kernel or
 *                       initrd does not fit --mem
 *   EX_NOINPUT      66  the image cannot be opened or read
 *   EX_UNAVAILABLE  69  the device: open, an ioctl, a missing capability
 *   EX_SOFTWARE     70  the guest failed: shutdown (triple fault), failed
 *                       VM entry, KVM internal error, unknown exit
 *   EX_OSERR        71  the host: mmap, threads
 */

#define KVMLITE_RUN		"kvmlite-run"
#define BIT(n)			(1U << (n))
#define BIT_ULL(n)		(1ULL << (n))
#define MAX_VCPUS		8
#define MIN_MEM_MIB		2
#define MAX_MEM_MIB		3072	/* below the 32-bit MMIO hole */
#define MMIO_HOLE_START		0xc0000000ULL	/* LAPIC at 0xfee00000 */
#define DEFAULT_MEM_MIB		64

/* Guest-physical layout of what the VMM writes before the guest starts. */
#define BOOT_GDT		0x1000ULL	/* GDT, then the Multiboot info */
#define BOOT_MBI		0x1100ULL
#define BOOT_PML4		0x2000ULL
#define BOOT_PDPT		0x3000ULL
#define BOOT_PD			0x4000ULL	/* 4 pages: 4 GiB of 2 MiB pages */
#define BOOT_DATA_END		0x8000ULL
#define BOOT_STACKS		0x70000ULL	/* MAX_VCPUS stacks, 8 KiB each */
#define BOOT_STACKS_END		0x80000ULL
#define BOOT_STACK_SIZE		0x2000ULL
#define TSS_ADDR		0xfffbd000ULL	/* KVM_SET_TSS_ADDR, as QEMU */

#define SEL_CODE64		0x08
#define SEL_DATA		0x10
#define SEL_CODE32		0x18

#define MULTIBOOT_HEADER_MAGIC	0x1BADB002U
#define MULTIBOOT_BOOT_MAGIC	0x2BADB002U

#define EXIT_PORT		0xf4
#define COM1_BASE		0x3f8
#define COM1_IRQ		4

/*
 * --kernel: guest-physical layout below 1 MiB (bzimage.c, acpi.c).  The
 * GDT at BOOT_GDT has the boot protocol's selectors, 0x10 code and 0x18
 * data.  The ACPI tables sit in the e820-reserved BIOS area, where a
 * kernel also searches for the RSDP.
 */
#define LINUX_ZERO_PAGE		0x10000ULL	/* struct boot_params */
#define LINUX_CMDLINE		0x20000ULL
#define LINUX_CMDLINE_MAX	0x10000ULL	/* up to 0x30000 */
#define LINUX_EBDA		0x9fc00ULL	/* reserved from here to 640K */
#define ACPI_TABLES		0xe0000ULL	/* RSDP first */
#define ACPI_TABLES_END		0xf0000ULL
#define BIOS_AREA_END		0x100000ULL	/* reserved from ACPI_TABLES */
#define LINUX_KERNEL		0x100000ULL	/* protected-mode kernel */
#define SEL_LINUX_CS		0x10
#define SEL_LINUX_DS		0x18

/* Platform devices for --kernel (ioapic.c, power.c, rtc.c). */
#define IOAPIC_BASE		0xfec00000ULL
#define IOAPIC_SIZE		0x1000
#define IOAPIC_PINS		24
#define ACPI_SCI_IRQ		9
#define ACPI_PM1_EVT		0x600	/* status, enable: 2 + 2 bytes */
#define ACPI_PM1_CNT		0x604	/* 2 bytes: SLP_TYP, SLP_EN */
#define ACPI_S5_SLP_TYP		5	/* the DSDT's \_S5 value */
#define RESET_PORT		0xcf9	/* the FADT's reset register */
#define RESET_VALUE		0x06
#define I8042_CMD		0x64
#define I8042_RESET		0xfe	/* pulse the reset line */
#define RTC_INDEX_PORT		0x70	/* then 0x71, the data port */

/* KVM_CAP_SPLIT_IRQCHIP's args[0]: the userspace IOAPIC's routes, as QEMU. */
#define SPLIT_IRQCHIP_ROUTES	24

enum boot_mode {
	BOOT_REAL16,		/* --flat: CS:IP = the load address */
	BOOT_PROT32,		/* Multiboot: flat segments, paging off */
	BOOT_LONG64,		/* 64-bit ELF: identity-mapped 4 GiB */
	BOOT_LINUX32,		/* bzImage: the 32-bit boot protocol */
};

/* A file read whole into memory (loader.c). */
struct image {
	const char *path;
	uint8_t *data;
	size_t size;
};

struct vm;

struct vcpu {
	struct vm *vm;
	int id;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	bool started;		/* thread is valid (under vcpu.c's stop lock) */
};

struct vm {
	const char *device;
	bool verbose;
	/*
	 * --irqchip split: LAPICs in the kernel, APs (vCPU id != 0) wait in
	 * KVM_RUN for INIT/SIPI and halted vCPUs sleep there.
	 */
	bool split_irqchip;
	int dev_fd;
	int vm_fd;
	int run_size;
	uint8_t *ram;
	uint64_t ram_size;
	int nr_vcpus;
	struct vcpu vcpus[MAX_VCPUS];

	/* What the loader found. */
	enum boot_mode mode;
	uint64_t entry;
	uint64_t image_low, image_high;	/* guest-physical, [low, high) */

	/* --kernel: a Linux guest on the platform below. */
	bool linux_guest;
	uint32_t tsc_khz;	/* for CPUID 0x15/0x16; 0: unknown */

	/* Set once by vm_stop(), under vcpu.c's stop lock. */
	bool stopping;
	int exit_status;
};

/* "kvmlite-run: " + message on stderr; returns code. */
__printf(2, 3) int vmm_error(int code, const char *fmt, ...);
/* "kvmlite-run: DEVICE: WHAT: strerror(errno)"; returns EX_UNAVAILABLE. */
int dev_error(const struct vm *vm, const char *what);

/* kvm.c */
int kvm_open(struct vm *vm);
int kvm_setup_memory(struct vm *vm);
int kvm_create_vcpus(struct vm *vm);
void kvm_close(struct vm *vm);

/* info.c */
int print_info(const char *device);

/* loader.c */
int load_image(struct vm *vm, const char *path, bool flat,
	       uint64_t flat_addr);
/* Read path whole; EX_DATAERR if larger than max bytes. */
int image_read(struct image *img, uint64_t max);

/* bzimage.c */
int load_linux(struct vm *vm, const char *kernel, const char *initrd,
	       const char *cmdline);

/* acpi.c: the tables at ACPI_TABLES; returns the RSDP's address. */
uint64_t acpi_write_tables(struct vm *vm);

/* boot.c */
void boot_write_tables(struct vm *vm);
int boot_setup_vcpu(struct vcpu *vcpu);

/* vcpu.c */
int vcpus_run(struct vm *vm);
void vcpu_dump(struct vcpu *vcpu);
/* End the run with status (the first caller's wins); returns at once. */
void vm_stop(struct vm *vm, int status);
bool vm_stopping(struct vm *vm);

/* ioport.c */
void ioport_handle(struct vcpu *vcpu);
void mmio_handle(struct vcpu *vcpu);

/*
 * A device's registers, for the dispatch tables of ioport.c (which say
 * at which ports or MMIO ranges it sits): addr is the port or the
 * guest-physical address, size 1, 2 or 4 bytes; a read fills *val.
 * Either callback may be NULL: reads all ones, writes ignored.
 */
struct io_device {
	const char *name;
	void (*read)(struct vcpu *vcpu, uint64_t addr, int size,
		     uint32_t *val);
	void (*write)(struct vcpu *vcpu, uint64_t addr, int size,
		      uint32_t val);
};

/* serial.c */
extern const struct io_device serial_device;
void serial_flush(void);
/* From the input thread: bytes for RBR; false when the FIFO is full. */
bool serial_receive(uint8_t byte);

/* console.c: raw tty, the stdin thread; restores the tty at exit. */
int console_start(struct vm *vm);
void console_stop(void);

/* ioapic.c */
extern const struct io_device ioapic_device;
void ioapic_init(struct vm *vm);
/* A device's line (pin), from any thread. */
void ioapic_set_irq(unsigned int pin, bool level);
/* KVM_EXIT_IOAPIC_EOI: the guest's EOI of a level-triggered vector. */
void ioapic_eoi(uint8_t vector);

/* power.c */
extern const struct io_device acpi_pm_device, reset_device, i8042_device;

/* rtc.c */
extern const struct io_device rtc_device;

#endif /* KVMLITE_RUN_H */
