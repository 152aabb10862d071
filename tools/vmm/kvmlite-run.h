/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvmlite-run: state shared by the VMM's files.
 *
 *   main.c     options and the order of things
 *   kvm.c      the device: VM, guest memory, CPUID, vCPUs
 *   info.c     --info
 *   loader.c   ELF (Multiboot 32-bit, 64-bit) and flat images
 *   boot.c     the guest's first state: GDT, page tables, Multiboot info,
 *              segment and general registers
 *   vcpu.c     one thread per vCPU, the KVM_RUN loop and its exits
 *   ioport.c   port I/O dispatch, the exit port, unknown ports
 *   serial.c   the COM1 16550 UART
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
 *                       fit --mem, segment outside RAM
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

/* KVM_CAP_SPLIT_IRQCHIP's args[0]: the userspace IOAPIC's routes, as QEMU. */
#define SPLIT_IRQCHIP_ROUTES	24

enum boot_mode {
	BOOT_REAL16,		/* --flat: CS:IP = the load address */
	BOOT_PROT32,		/* Multiboot: flat segments, paging off */
	BOOT_LONG64,		/* 64-bit ELF: identity-mapped 4 GiB */
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

/* serial.c */
bool serial_owns(uint16_t port);
uint8_t serial_in(uint16_t port);
void serial_out(uint16_t port, uint8_t val);
void serial_flush(void);

#endif /* KVMLITE_RUN_H */
