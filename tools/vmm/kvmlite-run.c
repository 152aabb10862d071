// SPDX-License-Identifier: GPL-2.0
/*
 * kvmlite-run: the kvmlite VMM.
 *
 * For now it reports what the hypervisor device answers (--info); running
 * guest images needs vCPUs and guest memory, which the VMX core brings.
 * It speaks the KVM ABI, so --device /dev/kvm works the same way.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/kvm.h>
#include <linux/kvmlite.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kvmlite_compiler.h"

static const struct {
	int cap;
	const char *name;
} known_caps[] = {
	{ KVM_CAP_CHECK_EXTENSION_VM, "KVM_CAP_CHECK_EXTENSION_VM" },
	{ KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY" },
	{ KVM_CAP_NR_VCPUS, "KVM_CAP_NR_VCPUS" },
	{ KVM_CAP_MAX_VCPUS, "KVM_CAP_MAX_VCPUS" },
	{ KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP" },
	{ KVM_CAP_SPLIT_IRQCHIP, "KVM_CAP_SPLIT_IRQCHIP" },
	{ KVM_CAP_SIGNAL_MSI, "KVM_CAP_SIGNAL_MSI" },
	{ KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT" },
};

static void print_help(FILE *out)
{
	fprintf(out,
		"usage: kvmlite-run [--device PATH] --info\n"
		"  --device PATH  hypervisor device (default %s; /dev/kvm works too)\n"
		"  --info         print the API version and capabilities, create and\n"
		"                 destroy one VM\n"
		"  --help         this text\n", KVMLITE_DEVICE_PATH);
}

static int print_info(const char *device)
{
	int dev, version, vm;
	size_t i;

	dev = open(device, O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		fprintf(stderr, "kvmlite-run: cannot open %s: %s\n", device,
			strerror(errno));
		return 1;
	}
	version = ioctl(dev, KVM_GET_API_VERSION, 0);
	if (version != KVM_API_VERSION) {
		fprintf(stderr, "kvmlite-run: %s: API version %d, expected %d\n",
			device, version, KVM_API_VERSION);
		close(dev);
		return 1;
	}
	printf("%s: KVM API version %d\n", device, version);
	for (i = 0; i < ARRAY_SIZE(known_caps); i++)
		printf("  %-28s %d\n", known_caps[i].name,
		       ioctl(dev, KVM_CHECK_EXTENSION, known_caps[i].cap));

	vm = ioctl(dev, KVM_CREATE_VM, 0);
	if (vm < 0) {
		fprintf(stderr, "kvmlite-run: KVM_CREATE_VM: %s\n",
			strerror(errno));
		close(dev);
		return 1;
	}
	printf("%s: created VM (fd %d) and destroyed it\n", device, vm);
	close(vm);
	close(dev);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "info", no_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *device = KVMLITE_DEVICE_PATH;
	int opt, info = 0;

	while ((opt = getopt_long(argc, argv, "d:ih", options, NULL)) != -1) {
		switch (opt) {
		case 'd':
			device = optarg;
			break;
		case 'i':
			info = 1;
			break;
		case 'h':
			print_help(stdout);
			return 0;
		default:
			print_help(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr,
			"kvmlite-run: running guest image '%s' is not supported yet: kvmlite has no vCPUs or guest memory so far\n",
			argv[optind]);
		return 2;
	}
	if (!info) {
		print_help(stderr);
		return 2;
	}
	return print_info(device);
}
