// SPDX-License-Identifier: GPL-2.0
/*
 * --info: what the hypervisor device answers (API version, capabilities),
 * and one VM created and destroyed.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kvmlite-run.h"

static const struct {
	int cap;
	const char *name;
} known_caps[] = {
	{ KVM_CAP_CHECK_EXTENSION_VM, "KVM_CAP_CHECK_EXTENSION_VM" },
	{ KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY" },
	{ KVM_CAP_NR_VCPUS, "KVM_CAP_NR_VCPUS" },
	{ KVM_CAP_MAX_VCPUS, "KVM_CAP_MAX_VCPUS" },
	{ KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID" },
	{ KVM_CAP_SET_TSS_ADDR, "KVM_CAP_SET_TSS_ADDR" },
	{ KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP" },
	{ KVM_CAP_SPLIT_IRQCHIP, "KVM_CAP_SPLIT_IRQCHIP" },
	{ KVM_CAP_SIGNAL_MSI, "KVM_CAP_SIGNAL_MSI" },
	{ KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT" },
};

int print_info(const char *device)
{
	struct vm vm = { .device = device };
	int dev, version, vm_fd, r = 0;
	size_t i;

	dev = open(device, O_RDWR | O_CLOEXEC);
	if (dev < 0)
		return vmm_error(EX_UNAVAILABLE, "%s: %s", device,
				 strerror(errno));
	version = ioctl(dev, KVM_GET_API_VERSION, 0);
	if (version != KVM_API_VERSION) {
		r = vmm_error(EX_UNAVAILABLE,
			      "%s: API version %d, expected %d", device,
			      version, KVM_API_VERSION);
		goto out;
	}
	printf("%s: KVM API version %d\n", device, version);
	for (i = 0; i < ARRAY_SIZE(known_caps); i++)
		printf("  %-28s %d\n", known_caps[i].name,
		       ioctl(dev, KVM_CHECK_EXTENSION, known_caps[i].cap));

	vm_fd = ioctl(dev, KVM_CREATE_VM, 0);
	if (vm_fd < 0) {
		r = dev_error(&vm, "KVM_CREATE_VM");
		goto out;
	}
	printf("%s: created VM (fd %d) and destroyed it\n", device, vm_fd);
	close(vm_fd);
out:
	close(dev);
	return r;
}
