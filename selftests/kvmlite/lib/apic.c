// SPDX-License-Identifier: GPL-2.0
/* Host helpers of the LAPIC selftests (apic.h). */
#include <errno.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "apic.h"

void vm_enable_split_irqchip(struct kvm_vm *vm)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_SPLIT_IRQCHIP,
				      .args = { 24 } };

	TEST_ASSERT(!ioctl(vm->fd, KVM_ENABLE_CAP, &cap),
		    "KVM_ENABLE_CAP(SPLIT_IRQCHIP): %s", errno_str(errno));
}

void vm_set_idt_gate(struct kvm_vm *vm, int vector, u64 handler)
{
	u64 *idt = gpa2hva(vm, GUEST_IDT_GPA);

	idt[2 * vector] = (handler & 0xffff) | ((u64)GUEST_SEL_CODE << 16) |
			  (0x8eULL << 40) | (((handler >> 16) & 0xffff) << 48);
	idt[2 * vector + 1] = handler >> 32;
}

void vcpu_idt_all_vectors(struct kvm_vcpu *vcpu)
{
	struct kvm_sregs sregs;

	vcpu_get_sregs(vcpu, &sregs);
	sregs.idt.limit = 256 * 16 - 1;
	vcpu_set_sregs(vcpu, &sregs);
}

void vcpu_make_runnable(struct kvm_vcpu *vcpu)
{
	struct kvm_mp_state runnable = { KVM_MP_STATE_RUNNABLE };

	TEST_ASSERT(!ioctl(vcpu->fd, KVM_SET_MP_STATE, &runnable),
		    "KVM_SET_MP_STATE: %s", errno_str(errno));
}

u64 vcpu_tsc_khz(struct kvm_vcpu *vcpu)
{
	int r = ioctl(vcpu->fd, KVM_GET_TSC_KHZ, 0);

	TEST_ASSERT(r > 0, "KVM_GET_TSC_KHZ: %s", errno_str(errno));
	tap_diag("TSC %d kHz (KVM_GET_TSC_KHZ)", r);
	return r;
}

#define CPUID_1_ECX_TSC_DEADLINE 0x1000000U

void vcpu_set_cpuid_tsc_deadline(struct kvm_vcpu *vcpu)
{
	struct kvm_cpuid2 *cpuid = dev_supported_cpuid(vcpu->vm->dev_fd);
	struct kvm_cpuid_entry2 *leaf1 = cpuid_entry(cpuid, 1);

	TEST_ASSERT(leaf1, "no CPUID leaf 1");
	leaf1->ecx |= CPUID_1_ECX_TSC_DEADLINE;
	vcpu_set_cpuid(vcpu, cpuid);
	free(cpuid);
}

long vm_send_gated_msis(struct kvm_vm *vm, u32 dest, u8 vector,
			const u64 *taken, long count, unsigned int max_wait_s,
			bool *stuck)
{
	struct kvm_msi msi = {
		.address_lo = 0xfee00000 | dest << 12,
		.data = vector,
	};
	/* Polled every 100 us. */
	unsigned long spins = 0, max_spins = max_wait_s * 10000UL;
	long sent = 0;

	while (sent < count) {
		if (__atomic_load_n(taken, __ATOMIC_SEQ_CST) < (u64)sent) {
			if (++spins > max_spins) {
				if (stuck)
					*stuck = true;
				break;
			}
			usleep(100);
			continue;
		}
		spins = 0;
		if (ioctl(vm->fd, KVM_SIGNAL_MSI, &msi) != 1)
			break;
		sent++;
	}
	return sent;
}
