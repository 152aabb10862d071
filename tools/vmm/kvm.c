// SPDX-License-Identifier: GPL-2.0
/*
 * The hypervisor device: open it, create the VM, give it the guest RAM as
 * memory slot 0 at guest-physical 0, and create the vCPUs with their
 * kvm_run pages.  Optional setup (CPUID, the real-mode TSS) is done only
 * where KVM_CHECK_EXTENSION says the device has it.  --irqchip split
 * enables the in-kernel LAPICs first, and only vCPU 0 (the BSP) gets the
 * boot state: the APs start when the guest sends them INIT and SIPI.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvmlite-run.h"

static int check_extension(struct vm *vm, long cap)
{
	int r = ioctl(vm->dev_fd, KVM_CHECK_EXTENSION, cap);

	return r < 0 ? 0 : r;
}

int kvm_open(struct vm *vm)
{
	int version;

	vm->dev_fd = open(vm->device, O_RDWR | O_CLOEXEC);
	if (vm->dev_fd < 0)
		return vmm_error(EX_UNAVAILABLE, "%s: %s", vm->device,
				 strerror(errno));
	version = ioctl(vm->dev_fd, KVM_GET_API_VERSION, 0);
	if (version < 0)
		return dev_error(vm, "KVM_GET_API_VERSION");
	if (version != KVM_API_VERSION)
		return vmm_error(EX_UNAVAILABLE,
				 "%s: KVM API version %d, expected %d",
				 vm->device, version, KVM_API_VERSION);
	/* Without memory slots no guest can run: say so up front. */
	if (!check_extension(vm, KVM_CAP_USER_MEMORY))
		return vmm_error(EX_UNAVAILABLE,
				 "%s: no guest memory support (KVM_CAP_USER_MEMORY is 0)",
				 vm->device);
	vm->run_size = ioctl(vm->dev_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vm->run_size < 0)
		return dev_error(vm, "KVM_GET_VCPU_MMAP_SIZE");
	if ((size_t)vm->run_size < sizeof(struct kvm_run))
		return vmm_error(EX_UNAVAILABLE,
				 "%s: KVM_GET_VCPU_MMAP_SIZE: %d, smaller than struct kvm_run",
				 vm->device, vm->run_size);
	vm->vm_fd = ioctl(vm->dev_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0)
		return dev_error(vm, "KVM_CREATE_VM");
	if (vm->split_irqchip) {
		struct kvm_enable_cap cap = {
			.cap = KVM_CAP_SPLIT_IRQCHIP,
			.args[0] = SPLIT_IRQCHIP_ROUTES,
		};

		if (!check_extension(vm, KVM_CAP_SPLIT_IRQCHIP))
			return vmm_error(EX_UNAVAILABLE,
					 "%s: no in-kernel LAPIC for --irqchip split (KVM_CAP_SPLIT_IRQCHIP is 0)",
					 vm->device);
		/* Before any vCPU: each then gets its LAPIC. */
		if (ioctl(vm->vm_fd, KVM_ENABLE_CAP, &cap) < 0)
			return dev_error(vm, "KVM_ENABLE_CAP(KVM_CAP_SPLIT_IRQCHIP)");
	}
	/* Real mode without unrestricted guest needs KVM's vm86 TSS. */
	if (check_extension(vm, KVM_CAP_SET_TSS_ADDR) &&
	    ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, TSS_ADDR) < 0)
		return dev_error(vm, "KVM_SET_TSS_ADDR");
	return 0;
}

int kvm_setup_memory(struct vm *vm)
{
	struct kvm_userspace_memory_region region = {
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = vm->ram_size,
		.userspace_addr = (uintptr_t)vm->ram,
	};

	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return dev_error(vm, "KVM_SET_USER_MEMORY_REGION");
	return 0;
}

/*
 * KVM checks CR4 and EFER against the guest's CPUID (no PAE or LM, no
 * long mode), so give every vCPU what the device supports, with its own
 * initial APIC ID.
 */
static struct kvm_cpuid2 *supported_cpuid(struct vm *vm, int *err,
					  __u32 *room)
{
	struct kvm_cpuid2 *cpuid;
	int nent = 128;

	for (;;) {
		cpuid = calloc(1, sizeof(*cpuid) +
			       nent * sizeof(cpuid->entries[0]));
		if (!cpuid) {
			*err = vmm_error(EX_OSERR, "out of memory");
			return NULL;
		}
		cpuid->nent = nent - 64;
		if (!ioctl(vm->dev_fd, KVM_GET_SUPPORTED_CPUID, cpuid)) {
			*room = nent;
			return cpuid;
		}
		free(cpuid);
		if (errno != E2BIG || nent >= 4096) {
			*err = dev_error(vm, "KVM_GET_SUPPORTED_CPUID");
			return NULL;
		}
		nent *= 2;
	}
}

static struct kvm_cpuid_entry2 *find_leaf(struct kvm_cpuid2 *cpuid,
					  __u32 function)
{
	__u32 i;

	for (i = 0; i < cpuid->nent; i++)
		if (cpuid->entries[i].function == function &&
		    !cpuid->entries[i].index)
			return &cpuid->entries[i];
	return NULL;
}

static bool is_intel(const struct kvm_cpuid_entry2 *leaf0)
{
	/* "GenuineIntel" in EBX, EDX, ECX. */
	return leaf0->ebx == 0x756e6547 && leaf0->edx == 0x49656e69 &&
	       leaf0->ecx == 0x6c65746e;
}

/*
 * --kernel: tell the guest its TSC frequency (the device's
 * KVM_GET_TSC_KHZ), so that Linux needs no PIT to calibrate it: leaf
 * 0x15 (TSC = crystal x 1/1) and 0x16 (base MHz), where the device
 * offers neither usable, on Intel only (Linux reads them there only).  The
 * table has room: supported_cpuid() allocates at least 64 entries more
 * than the device fills.
 */
static void add_tsc_leaves(struct vm *vm, struct kvm_cpuid2 *cpuid,
			   __u32 room)
{
	struct kvm_cpuid_entry2 *leaf0 = find_leaf(cpuid, 0), *e;
	uint64_t hz = (uint64_t)vm->tsc_khz * 1000;

	if (!vm->tsc_khz || hz > UINT32_MAX || !leaf0 || !is_intel(leaf0) ||
	    cpuid->nent + 2 > room)
		return;
	/* A leaf the guest would ignore (no ratio, no base) counts as absent. */
	e = find_leaf(cpuid, 0x15);
	if (!e || !e->eax || !e->ebx) {
		if (!e)
			e = &cpuid->entries[cpuid->nent++];
		*e = (struct kvm_cpuid_entry2){ .function = 0x15, .eax = 1,
						.ebx = 1, .ecx = hz };
	}
	e = find_leaf(cpuid, 0x16);
	if (!e || !e->eax) {
		if (!e)
			e = &cpuid->entries[cpuid->nent++];
		*e = (struct kvm_cpuid_entry2){ .function = 0x16,
						.eax = vm->tsc_khz / 1000,
						.ebx = vm->tsc_khz / 1000 };
	}
	if (leaf0->eax < 0x16)
		leaf0->eax = 0x16;
}

static int set_cpuid(struct vcpu *vcpu, struct kvm_cpuid2 *cpuid)
{
	__u32 i;

	for (i = 0; i < cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *e = &cpuid->entries[i];

		if (e->function == 1)
			e->ebx = (e->ebx & 0x00ffffff) | (vcpu->id << 24);
		/*
		 * --kernel: a guest under a hypervisor is told so (KVM's table leaves
		 * the bit to userspace, as QEMU sets it): Linux then looks
		 * for the hypervisor's leaves and trusts no microcode errata.
		 */
		if (e->function == 1 && vcpu->vm->linux_guest)
			e->ecx |= BIT(31);
		/*
		 * The in-kernel LAPIC emulates the TSC-deadline mode; KVM
		 * says so by capability, not in its CPUID (as QEMU sets it).
		 */
		if (e->function == 1 && vcpu->vm->linux_guest &&
		    check_extension(vcpu->vm, KVM_CAP_TSC_DEADLINE_TIMER))
			e->ecx |= BIT(24);
		if (e->function == 0xb || e->function == 0x1f)
			e->edx = vcpu->id;
	}
	if (ioctl(vcpu->fd, KVM_SET_CPUID2, cpuid) < 0)
		return dev_error(vcpu->vm, "KVM_SET_CPUID2");
	return 0;
}

int kvm_create_vcpus(struct vm *vm)
{
	struct kvm_cpuid2 *cpuid = NULL;
	__u32 cpuid_room = 0;
	int i, r = 0;

	if (check_extension(vm, KVM_CAP_EXT_CPUID)) {
		cpuid = supported_cpuid(vm, &r, &cpuid_room);
		if (!cpuid)
			return r;
	}
	for (i = 0; i < vm->nr_vcpus && !r; i++) {
		struct vcpu *vcpu = &vm->vcpus[i];

		vcpu->vm = vm;
		vcpu->id = i;
		vcpu->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, i);
		if (vcpu->fd < 0) {
			r = dev_error(vm, "KVM_CREATE_VCPU");
			break;
		}
		vcpu->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE,
				 MAP_SHARED, vcpu->fd, 0);
		if (vcpu->run == MAP_FAILED) {
			vcpu->run = NULL;
			r = dev_error(vm, "mmap of the vCPU's kvm_run");
			break;
		}
		if (cpuid && i == 0 && vm->linux_guest) {
			r = ioctl(vcpu->fd, KVM_GET_TSC_KHZ, 0);
			vm->tsc_khz = r > 0 ? r : 0;
			r = 0;
			add_tsc_leaves(vm, cpuid, cpuid_room);
		}
		if (cpuid)
			r = set_cpuid(vcpu, cpuid);
		/* An AP of a split irqchip keeps its reset state for INIT. */
		if (!r && (!vm->split_irqchip || i == 0))
			r = boot_setup_vcpu(vcpu);
	}
	free(cpuid);
	return r;
}

void kvm_close(struct vm *vm)
{
	int i;

	for (i = 0; i < vm->nr_vcpus; i++) {
		if (vm->vcpus[i].run)
			munmap(vm->vcpus[i].run, vm->run_size);
		if (vm->vcpus[i].fd > 0)
			close(vm->vcpus[i].fd);
	}
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->dev_fd >= 0)
		close(vm->dev_fd);
}
