// SPDX-License-Identifier: GPL-2.0
/*
 * What booting Linux as a guest found missing in kvmlite, pinned, on
 * /dev/kvmlite and /dev/kvm alike (KVM's behaviour is the reference):
 *
 *   IA32_UCODE_REV (0x8b)  Linux writes 0 and reads it back early in boot
 *                          with plain RDMSR/WRMSR (a #GP there is an
 *                          "unchecked MSR access" warning): readable,
 *                          guest writes ignored, the host's write sets it.
 *   IA32_TSC_ADJUST (0x3b) with CPUID.7.EBX[1]: without it Linux keeps a
 *                          clocksource watchdog on the TSC, which in an
 *                          emulator marks it unstable.  A guest write
 *                          moves the TSC by the change; a guest write to
 *                          IA32_TSC moves TSC_ADJUST by as much (SDM
 *                          17.17.3); host writes only restore.
 *   CPUID 6 ARAT           the LAPIC timer runs in every C-state; without
 *                          the bit Linux keeps the PIT as its timer.
 *   CPUID 0x40000000       KVM's hypervisor signature "KVMKVMKVM": Linux
 *                          turns on x2APIC without interrupt remapping only
 *                          under a hypervisor it knows.  kvmlite has none of
 *                          KVM's paravirtual features, so on kvmlite leaf
 *                          0x40000001 reads 0; the guest's CPUID returns
 *                          both leaves.
 */
#include <asm/kvm_para.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>

#include "kvm_util.h"
#include "kvmlite_util.h"

#define MSR_IA32_TSC		0x10
#define MSR_IA32_TSC_ADJUST	0x3b
#define MSR_IA32_UCODE_REV	0x8b
#define HOST_UCODE_REV		0x4200000000ULL
#define ADJUST			0x10000000000ULL	/* 2^40 */
/* Slack for the instructions between two TSC reads, exits included. */
#define SLACK			0x40000000ULL	/* 2^30 */

static u64 rdtsc_guest(void)
{
	u32 lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (u64)hi << 32 | lo;
}

static void guest_ucode_rev(void)
{
	u64 v = 0;

	GUEST_ASSERT_EQ(rdmsr_safe(MSR_IA32_UCODE_REV, &v), -1);
	GUEST_ASSERT_EQ(v, HOST_UCODE_REV);
	/* The revision sampling sequence: write 0, CPUID, read. */
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_IA32_UCODE_REV, 0), -1);
	asm volatile("cpuid" : : "a"(1) : "ebx", "ecx", "edx");
	GUEST_ASSERT_EQ(rdmsr_safe(MSR_IA32_UCODE_REV, &v), -1);
	GUEST_ASSERT_EQ(v, HOST_UCODE_REV);
	GUEST_DONE();
}

static void ucode_rev(int dev)
{
	struct kvm_vm *vm = vm_create_long_mode(dev);
	struct kvm_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_ucode_rev);

	vcpu_set_msr(vcpu, MSR_IA32_UCODE_REV, HOST_UCODE_REV);
	vcpu_run_to_done(vcpu);
	TEST_EXPECT(vcpu_get_msr(vcpu, MSR_IA32_UCODE_REV) == HOST_UCODE_REV,
		    "the guest's write changed the host's value");
	vm_free(vm);
}

static u64 adj_after_tsc_write, tsc_before_write;

static void guest_tsc_adjust(void)
{
	u64 v = 1, t0, t1;

	GUEST_ASSERT_EQ(rdmsr_safe(MSR_IA32_TSC_ADJUST, &v), -1);
	GUEST_ASSERT_EQ(v, 0);
	t0 = rdtsc_guest();
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_IA32_TSC_ADJUST, ADJUST), -1);
	t1 = rdtsc_guest();
	GUEST_ASSERT(t1 - t0 >= ADJUST && t1 - t0 < ADJUST + SLACK);
	GUEST_ASSERT_EQ(rdmsr_safe(MSR_IA32_TSC_ADJUST, &v), -1);
	GUEST_ASSERT_EQ(v, ADJUST);
	/* Back to 1000: TSC_ADJUST moves down by what the TSC lost. */
	tsc_before_write = rdtsc_guest();
	GUEST_ASSERT_EQ(wrmsr_safe(MSR_IA32_TSC, 1000), -1);
	GUEST_ASSERT_EQ(rdmsr_safe(MSR_IA32_TSC_ADJUST, &adj_after_tsc_write), -1);
	GUEST_DONE();
}

static void tsc_adjust(int dev)
{
	struct kvm_vm *vm = vm_create_long_mode(dev);
	struct kvm_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_tsc_adjust);
	u64 want, got;

	vcpu_run_to_done(vcpu);
	sync_global_from_guest(vm, adj_after_tsc_write);
	sync_global_from_guest(vm, tsc_before_write);
	/* adjust + (1000 - TSC at the write), up to the slack. */
	want = ADJUST + 1000 - tsc_before_write;
	got = adj_after_tsc_write;
	tap_diag("TSC_ADJUST after writing IA32_TSC: %#llx, expected about %#llx",
		 (unsigned long long)got, (unsigned long long)want);
	TEST_EXPECT(want - got < SLACK, "TSC_ADJUST did not follow the TSC write");
	/* A host write restores the value and leaves the TSC alone. */
	vcpu_set_msr(vcpu, MSR_IA32_TSC_ADJUST, 5);
	TEST_EXPECT(vcpu_get_msr(vcpu, MSR_IA32_TSC_ADJUST) == 5,
		    "host write of TSC_ADJUST not kept");
	vm_free(vm);
}

static void cpuid_bits(int dev)
{
	struct kvm_cpuid2 *t = dev_supported_cpuid(dev);
	struct kvm_cpuid_entry2 *e6 = cpuid_leaf(t, 6), *e7 = cpuid_leaf(t, 7);

	TEST_EXPECT(e6 && (e6->eax & (1U << 2)), "CPUID 6 EAX %#x: no ARAT",
		    e6 ? e6->eax : 0);
	TEST_EXPECT(e7 && (e7->ebx & (1U << 1)), "CPUID 7 EBX %#x: no TSC_ADJUST",
		    e7 ? e7->ebx : 0);
	free(t);
}

static u32 leaf_regs[2][4];

static void guest_hypervisor_leaves(void)
{
	u32 i, a, b, c, d;

	for (i = 0; i < 2; i++) {
		asm volatile("cpuid"
			     : "=a"(a), "=b"(b), "=c"(c), "=d"(d)
			     : "a"(KVM_CPUID_SIGNATURE + i), "c"(0));
		leaf_regs[i][0] = a;
		leaf_regs[i][1] = b;
		leaf_regs[i][2] = c;
		leaf_regs[i][3] = d;
	}
	guest_done_fn();
}

static void hypervisor_leaves(int dev)
{
	struct kvm_cpuid2 *t = dev_supported_cpuid(dev);
	struct kvm_cpuid_entry2 *sig = cpuid_leaf(t, KVM_CPUID_SIGNATURE);
	struct kvm_cpuid_entry2 *feat = cpuid_leaf(t, KVM_CPUID_FEATURES);
	char name[13] = "";
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm;

	if (sig) {
		memcpy(name, &sig->ebx, 4);
		memcpy(name + 4, &sig->ecx, 4);
		memcpy(name + 8, &sig->edx, 4);
	}
	TEST_EXPECT(sig && !memcmp(name, "KVMKVMKVM\0\0\0", 12) &&
		    sig->eax >= KVM_CPUID_FEATURES,
		    "leaf 0x40000000: signature '%s', eax %#x", name,
		    sig ? sig->eax : 0);
	TEST_EXPECT(feat, "no leaf 0x40000001");
	if (feat && dev_is_kvmlite(dev))
		TEST_EXPECT(!feat->eax && !feat->edx,
			    "kvmlite offers paravirtual features %#x, hints %#x",
			    feat->eax, feat->edx);

	/* The guest reads what the table says. */
	vm = vm_create_long_mode(dev);
	vcpu = vm_vcpu_add(vm, 0, guest_hypervisor_leaves);
	vcpu_set_cpuid(vcpu, t);
	vcpu_run_to_done(vcpu);
	if (sig && feat) {
		u32 *g = leaf_regs[0], *f = leaf_regs[1];

		sync_global_from_guest(vm, leaf_regs);
		TEST_EXPECT(g[0] == sig->eax && g[1] == sig->ebx &&
			    g[2] == sig->ecx && g[3] == sig->edx,
			    "guest leaf 0x40000000 %#x %#x %#x %#x", g[0], g[1],
			    g[2], g[3]);
		TEST_EXPECT(f[0] == feat->eax && f[3] == feat->edx,
			    "guest leaf 0x40000001 eax %#x edx %#x", f[0], f[3]);
	}
	vm_free(vm);
	free(t);
}

static const struct scenario scenarios[] = {
	{ "IA32_UCODE_REV: host sets it, the guest reads it, guest writes ignored",
	  ucode_rev, NEED_GUEST, { 0 } },
	{ "IA32_TSC_ADJUST: moves the TSC, follows IA32_TSC writes",
	  tsc_adjust, NEED_GUEST, { 0 } },
	{ "KVM_GET_SUPPORTED_CPUID: leaf 6 ARAT, leaf 7 TSC_ADJUST",
	  cpuid_bits, NEED_GUEST, { KVM_CAP_EXT_CPUID } },
	{ "CPUID 0x40000000: KVM's signature, no PV features on kvmlite, guest reads both",
	  hypervisor_leaves, NEED_GUEST, { KVM_CAP_EXT_CPUID } },
};

int main(int argc, char **argv)
{
	run_scenarios(argc, argv, scenarios, ARRAY_SIZE(scenarios));
}
