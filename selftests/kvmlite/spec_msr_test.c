// SPDX-License-Identifier: GPL-2.0
/*
 * The speculation-control MSRs as a guest sees them, on /dev/kvmlite and
 * /dev/kvm alike: whatever CPUID.7.0:EDX advertises works, and nothing
 * else does (kmod/spec.c, docs/mitigations.md).
 *
 *   bit 26 (IBRS, IBPB)  IA32_SPEC_CTRL.IBRS, and PRED_CMD.IBPB writes
 *   bit 27 (STIBP)       IA32_SPEC_CTRL.STIBP
 *   bit 31 (SSBD)        IA32_SPEC_CTRL.SSBD
 *   bit 28 (L1D_FLUSH)   FLUSH_CMD.L1D_FLUSH writes
 *   bit 29               IA32_ARCH_CAPABILITIES reads; writes #GP
 *
 * Without any of 26, 27 and 31, IA32_SPEC_CTRL does not exist (#GP).  A
 * reserved bit in any of them is #GP.  The guest's SPEC_CTRL value reads
 * back, also from the host (KVM_GET_MSRS, for migration).
 */
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>

#include "kvm_util.h"

#define MSR_IA32_SPEC_CTRL		0x48
#define MSR_IA32_PRED_CMD		0x49
#define MSR_IA32_FLUSH_CMD		0x10b
#define MSR_IA32_ARCH_CAPABILITIES	0x10a
#define EDX_IBRS_IBPB			0x04000000U
#define EDX_STIBP			0x08000000U
#define EDX_L1D_FLUSH			0x10000000U
#define EDX_ARCH_CAP			0x20000000U
#define EDX_SSBD			0x80000000U
#define SPEC_CTRL_IBRS			1
#define SPEC_CTRL_STIBP			2
#define SPEC_CTRL_SSBD			4
#define GP_VECTOR			13

static u32 guest_edx;
static u64 guest_spec_ctrl, guest_arch_caps;

static u64 spec_ctrl_bits(u32 edx)
{
	return ((edx & EDX_IBRS_IBPB) ? SPEC_CTRL_IBRS : 0) |
	       ((edx & EDX_STIBP) ? SPEC_CTRL_STIBP : 0) |
	       ((edx & EDX_SSBD) ? SPEC_CTRL_SSBD : 0);
}

static void guest_spec_msrs(void)
{
	u32 a, b, c, d;
	u64 bits, v = 0;

	asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d)
		     : "a"(7), "c"(0));
	guest_edx = d;
	bits = spec_ctrl_bits(d);

	if (bits) {
		GUEST_ASSERT_EQ(rdmsr_safe(MSR_IA32_SPEC_CTRL, &v), -1);
		GUEST_ASSERT_EQ(v, 0);
		GUEST_ASSERT_EQ(wrmsr_safe(MSR_IA32_SPEC_CTRL, bits), -1);
		GUEST_ASSERT_EQ(rdmsr_safe(MSR_IA32_SPEC_CTRL, &v), -1);
		GUEST_ASSERT_EQ(v, bits);
		GUEST_ASSERT_EQ(wrmsr_safe(MSR_IA32_SPEC_CTRL, 1ULL << 63),
				GP_VECTOR);
		guest_spec_ctrl = bits;
	} else {
		GUEST_ASSERT_EQ(rdmsr_safe(MSR_IA32_SPEC_CTRL, &v), GP_VECTOR);
		GUEST_ASSERT_EQ(wrmsr_safe(MSR_IA32_SPEC_CTRL, 0), GP_VECTOR);
	}
	if (d & EDX_IBRS_IBPB) {
		GUEST_ASSERT_EQ(wrmsr_safe(MSR_IA32_PRED_CMD, 1), -1);
		GUEST_ASSERT_EQ(wrmsr_safe(MSR_IA32_PRED_CMD, 2), GP_VECTOR);
	}
	if (d & EDX_L1D_FLUSH) {
		GUEST_ASSERT_EQ(wrmsr_safe(MSR_IA32_FLUSH_CMD, 1), -1);
		GUEST_ASSERT_EQ(wrmsr_safe(MSR_IA32_FLUSH_CMD, 2), GP_VECTOR);
	} else {
		GUEST_ASSERT_EQ(wrmsr_safe(MSR_IA32_FLUSH_CMD, 1), GP_VECTOR);
	}
	if (d & EDX_ARCH_CAP) {
		GUEST_ASSERT_EQ(rdmsr_safe(MSR_IA32_ARCH_CAPABILITIES, &v), -1);
		guest_arch_caps = v;
		GUEST_ASSERT_EQ(wrmsr_safe(MSR_IA32_ARCH_CAPABILITIES, v),
				GP_VECTOR);
	}
	GUEST_DONE();
}

static void spec_msrs(int dev)
{
	struct kvm_cpuid2 *t = dev_supported_cpuid(dev);
	struct kvm_vm *vm = vm_create_long_mode(dev);
	struct kvm_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_spec_msrs);
	struct kvm_cpuid_entry2 *e7 = cpuid_leaf(t, 7);
	struct ucall uc;
	u64 cmd;

	vcpu_set_cpuid(vcpu, t);
	/* Each #GP of a *_safe() access is reported; the guest goes on. */
	while ((cmd = vcpu_run_ucall(vcpu, &uc)) == UCALL_EXCEPTION)
		TEST_ASSERT(uc.args[0] == GP_VECTOR,
			    "vector %llu at %#llx, expected #GP",
			    (unsigned long long)uc.args[0],
			    (unsigned long long)uc.args[2]);
	TEST_ASSERT(cmd == UCALL_DONE, "ucall %llu, expected DONE",
		    (unsigned long long)cmd);
	sync_global_from_guest(vm, guest_edx);
	sync_global_from_guest(vm, guest_spec_ctrl);
	sync_global_from_guest(vm, guest_arch_caps);
	TEST_EXPECT(e7 && guest_edx == e7->edx,
		    "guest CPUID.7 EDX %#x, the table's %#x", guest_edx,
		    e7 ? e7->edx : 0);
	tap_diag("CPUID.7 EDX %#x: SPEC_CTRL bits %#llx, ARCH_CAPABILITIES %#llx",
		 guest_edx, (unsigned long long)spec_ctrl_bits(guest_edx),
		 (unsigned long long)guest_arch_caps);
	if (guest_spec_ctrl)
		TEST_EXPECT(vcpu_get_msr(vcpu, MSR_IA32_SPEC_CTRL) ==
			    guest_spec_ctrl, "host KVM_GET_MSRS of SPEC_CTRL");
	vm_free(vm);
	free(t);
}

static const struct scenario scenarios[] = {
	{ "SPEC_CTRL, PRED_CMD, FLUSH_CMD, ARCH_CAPABILITIES follow CPUID.7 EDX",
	  spec_msrs, NEED_GUEST, { KVM_CAP_EXT_CPUID } },
};

int main(int argc, char **argv)
{
	run_scenarios(argc, argv, scenarios, ARRAY_SIZE(scenarios));
}
