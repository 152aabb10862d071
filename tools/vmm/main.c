// SPDX-License-Identifier: GPL-2.0
/*
 * kvmlite-run: a small VMM on the KVM ABI (/dev/kvmlite or /dev/kvm).
 *
 * Order of things: options; guest RAM (anonymous mmap) and the image
 * loaded into it, so that a bad image is reported without touching the
 * device; then the device: VM (with its in-kernel LAPICs for --irqchip
 * split), memory slot, vCPUs; then one thread per vCPU until the guest
 * writes the exit port or (without an irqchip) every vCPU halts.
 */
#include <errno.h>
#include <getopt.h>
#include <linux/kvmlite.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "kvmlite-run.h"

#define DEFAULT_CMDLINE		"console=ttyS0"

int vmm_error(int code, const char *fmt, ...)
{
	va_list ap;

	serial_flush();
	fputs(KVMLITE_RUN ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

int dev_error(const struct vm *vm, const char *what)
{
	return vmm_error(EX_UNAVAILABLE, "%s: %s: %s", vm->device, what,
			 strerror(errno));
}

static void print_help(FILE *out)
{
	fprintf(out,
		"usage: " KVMLITE_RUN " [OPTIONS] IMAGE\n"
		"       " KVMLITE_RUN " [OPTIONS] --kernel BZIMAGE [--initrd FILE]\n"
		"                   [--append CMDLINE]\n"
		"       " KVMLITE_RUN " [--device PATH] --info\n"
		"IMAGE is an ELF file: 32-bit with a Multiboot header (entered in\n"
		"protected mode, EAX=0x2BADB002, EBX=Multiboot info) or 64-bit\n"
		"(entered in long mode, 4 GiB identity-mapped), or with --flat a\n"
		"raw binary entered in real mode at its load address.\n"
		"  --kernel BZIMAGE  boot a Linux bzImage (x86 boot protocol 2.06+,\n"
		"                 32-bit entry) on a PC-like platform: ACPI tables,\n"
		"                 an IOAPIC, COM1 on IRQ 4 with stdin as its input;\n"
		"                 implies --irqchip split; the guest's poweroff and\n"
		"                 reboot end the run with status 0; Ctrl-A x quits\n"
		"  --initrd FILE  the initramfs for --kernel\n"
		"  --append CMDLINE  the kernel command line for --kernel\n"
		"                 (default \"" DEFAULT_CMDLINE "\")\n"
		"  --device PATH  hypervisor device (default %s; /dev/kvm works too)\n"
		"  --mem MIB      guest RAM in MiB, %d..%d (default %d)\n"
		"  --smp N        vCPUs, 1..%d (default 1); with --irqchip none all\n"
		"                 start at the entry with EDI/RDI = vCPU index,\n"
		"                 ESI/RSI = N\n"
		"  --irqchip none|split\n"
		"                 none (default): no interrupt controller, a vCPU\n"
		"                 that halts stops; split: in-kernel LAPICs at\n"
		"                 0xfee00000 (KVM_CAP_SPLIT_IRQCHIP), only vCPU 0\n"
		"                 starts at the entry, the others wait for INIT and\n"
		"                 SIPI from the guest, and a halted vCPU sleeps\n"
		"                 until an interrupt (the run ends at port 0xf4)\n"
		"  --flat ADDR    IMAGE is a flat binary loaded at ADDR (below 1 MiB,\n"
		"                 e.g. 0x7c00), entered in real mode at CS:IP=ADDR\n"
		"  --verbose      log unknown ports (once each) and vCPU halts\n"
		"  --info         print the API version and capabilities, create\n"
		"                 and destroy one VM\n"
		"  --help         this text\n"
		"Guest devices: COM1 16550 UART at 0x3f8 (output to stdout); OUT\n"
		"to port 0xf4 ends the run with the value as exit status.\n"
		"Exit status: the guest's port 0xf4 value (low 8 bits), 0 when all\n"
		"vCPUs halted (--irqchip none) or a --kernel guest powered off or\n"
		"rebooted, 64 bad option, 65 bad image,\n"
		"66 image unreadable, 69 device error, 70 guest failure, 71 host\n"
		"error.\n",
		KVMLITE_DEVICE_PATH, MIN_MEM_MIB, MAX_MEM_MIB, DEFAULT_MEM_MIB,
		MAX_VCPUS);
}

static int parse_number(const char *opt, const char *arg,
			unsigned long long min, unsigned long long max,
			unsigned long long *val)
{
	char *end;

	errno = 0;
	*val = strtoull(arg, &end, 0);
	if (errno || end == arg || *end || arg[0] == '-' ||
	    *val < min || *val > max)
		return vmm_error(EX_USAGE,
				 "--%s '%s': expected a number from %llu to %llu (try --help)",
				 opt, arg, min, max);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "mem", required_argument, NULL, 'm' },
		{ "smp", required_argument, NULL, 's' },
		{ "flat", required_argument, NULL, 'f' },
		{ "irqchip", required_argument, NULL, 'I' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "initrd", required_argument, NULL, 'r' },
		{ "append", required_argument, NULL, 'a' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "info", no_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct vm vm = {
		.device = KVMLITE_DEVICE_PATH,
		.dev_fd = -1,
		.vm_fd = -1,
	};
	unsigned long long mem_mib = DEFAULT_MEM_MIB, smp = 1, flat_addr = 0;
	const char *kernel = NULL, *initrd = NULL, *cmdline = NULL;
	bool info = false, flat = false, irqchip_none = false;
	int opt, r;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":d:m:s:f:vih", options,
				  NULL)) != -1) {
		switch (opt) {
		case 'd':
			vm.device = optarg;
			break;
		case 'm':
			r = parse_number("mem", optarg, MIN_MEM_MIB,
					 MAX_MEM_MIB, &mem_mib);
			if (r)
				return r;
			break;
		case 's':
			r = parse_number("smp", optarg, 1, MAX_VCPUS, &smp);
			if (r)
				return r;
			break;
		case 'f':
			r = parse_number("flat", optarg, 0, 0xfffff,
					 &flat_addr);
			if (r)
				return r;
			flat = true;
			break;
		case 'I':
			if (strcmp(optarg, "none") && strcmp(optarg, "split"))
				return vmm_error(EX_USAGE,
						 "--irqchip '%s': expected none or split (try --help)",
						 optarg);
			vm.split_irqchip = !strcmp(optarg, "split");
			irqchip_none = !vm.split_irqchip;
			break;
		case 'k':
			kernel = optarg;
			break;
		case 'r':
			initrd = optarg;
			break;
		case 'a':
			cmdline = optarg;
			break;
		case 'v':
			vm.verbose = true;
			break;
		case 'i':
			info = true;
			break;
		case 'h':
			print_help(stdout);
			return 0;
		case ':':
			return vmm_error(EX_USAGE,
					 "option '%s' needs an argument (try --help)",
					 argv[optind - 1]);
		default:
			return vmm_error(EX_USAGE,
					 "unknown option '%s' (try --help)",
					 argv[optind - 1]);
		}
	}
	if (info) {
		if (optind < argc)
			return vmm_error(EX_USAGE,
					 "--info takes no image (try --help)");
		return print_info(vm.device);
	}
	if (!kernel && (initrd || cmdline))
		return vmm_error(EX_USAGE, "%s needs --kernel (try --help)",
				 initrd ? "--initrd" : "--append");
	if (kernel && (optind < argc || flat || irqchip_none))
		return vmm_error(EX_USAGE, optind < argc ?
				 "--kernel takes no IMAGE (try --help)" : flat ?
				 "--kernel and --flat exclude each other (try --help)" :
				 "--kernel needs the in-kernel LAPIC, not --irqchip none (try --help)");
	if (!kernel && optind != argc - 1)
		return vmm_error(EX_USAGE, optind < argc ?
				 "one image only (try --help)" :
				 "no image given (try --help)");

	vm.nr_vcpus = smp;
	vm.ram_size = mem_mib << 20;
	vm.ram = mmap(NULL, vm.ram_size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm.ram == MAP_FAILED)
		return vmm_error(EX_OSERR, "mmap of %llu MiB guest RAM: %s",
				 mem_mib, strerror(errno));

	if (kernel) {
		vm.split_irqchip = true;
		r = load_linux(&vm, kernel, initrd,
			       cmdline ? cmdline : DEFAULT_CMDLINE);
	} else {
		r = load_image(&vm, argv[optind], flat, flat_addr);
	}
	if (r)
		return r;
	boot_write_tables(&vm);

	r = kvm_open(&vm);
	if (!r)
		r = kvm_setup_memory(&vm);
	if (!r && vm.linux_guest)
		ioapic_init(&vm);
	if (!r)
		r = kvm_create_vcpus(&vm);
	if (!r && vm.linux_guest)
		r = console_start(&vm);
	if (!r)
		r = vcpus_run(&vm);
	serial_flush();
	console_stop();
	kvm_close(&vm);
	return r;
}
