// SPDX-License-Identifier: GPL-2.0
/*
 * C functions of this test run as 64-bit guest code: ucalls (SYNC with
 * arguments, PRINTF, ASSERT, DONE), guest access to the test's globals,
 * SSE arithmetic and XMM state kept across exits, CPUID after
 * KVM_SET_CPUID2 with KVM_GET_SUPPORTED_CPUID's table, RDMSR/WRMSR of
 * common MSRs, and #GP on an unknown MSR reported by the IDT handler.
 */
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>

#include "kvm_util.h"

#define MSR_IA32_TSC		0x10
#define MSR_IA32_SYSENTER_CS	0x174
#define MSR_IA32_SYSENTER_ESP	0x175
#define MSR_IA32_SYSENTER_EIP	0x176
#define MSR_IA32_CR_PAT		0x277
#define MSR_EFER		0xc0000080
#define MSR_STAR		0xc0000081
#define MSR_LSTAR		0xc0000082
#define MSR_CSTAR		0xc0000083
#define MSR_SYSCALL_MASK	0xc0000084
#define MSR_KERNEL_GS_BASE	0xc0000102
#define MSR_BOGUS		0xdeadbeef
#define PAT_RESET		0x0007040600070406ULL

static u64 host_to_guest;
static u64 guest_to_host;

static void guest_ucalls(u64 a, u64 b)
{
	GUEST_PRINTF("guest running: a=%llu b=%#llx %s %c %d%%", a, b, "ok",
		     'x', -5);
	GUEST_SYNC(1, a + b);
	GUEST_SYNC(2, host_to_guest);
	guest_to_host = host_to_guest * 3;
	GUEST_DONE();
}

static void ucalls(int dev)
{
	struct kvm_vm *vm = vm_create_long_mode(dev);
	struct kvm_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_ucalls);
	struct ucall uc;

	vcpu_args_set(vcpu, 2, 40ULL, 2ULL);
	host_to_guest = 0x1234;
	sync_global_to_guest(vm, host_to_guest);
	vcpu_expect_ucall(vcpu, &uc, UCALL_SYNC);
	TEST_EXPECT(uc.args[0] == 1 && uc.args[1] == 42,
		    "SYNC(1, 42): got (%llu, %llu)", uc.args[0], uc.args[1]);
	vcpu_expect_ucall(vcpu, &uc, UCALL_SYNC);
	TEST_EXPECT(uc.args[0] == 2 && uc.args[1] == 0x1234,
		    "guest read the host's global: %#llx", uc.args[1]);
	vcpu_expect_ucall(vcpu, &uc, UCALL_DONE);
	sync_global_from_guest(vm, guest_to_host);
	TEST_EXPECT(guest_to_host == 0x1234 * 3,
		    "host reads the guest's global: %#llx", guest_to_host);
	vm_free(vm);
}

static void guest_assert(void)
{
	int three = 3;

	GUEST_ASSERT_EQ(three, 4);
	GUEST_DONE();
}

static void guest_asserts(int dev)
{
	struct kvm_vm *vm = vm_create_long_mode(dev);
	struct kvm_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_assert);
	struct ucall uc;

	vcpu_run(vcpu);
	TEST_ASSERT(get_ucall(vcpu, &uc) == UCALL_ABORT, "no ABORT ucall");
	tap_diag("guest assertion text: %s", uc.buf);
	TEST_EXPECT(strstr(uc.buf, "longmode_test.c:") &&
		    strstr(uc.buf, "three == 4") && strstr(uc.buf, "0x3 != 0x4"),
		    "assertion text: %s", uc.buf);
	vm_free(vm);
}

static void guest_sse(void)
{
	float __attribute__((vector_size(16))) x = { 1, 2, 3, 4 },
		y = { 0.5, 0.25, 2, -1 }, z;
	double a = 1.5, b = 2.25;
	u64 in[2] = { 0x0123456789abcdefULL, 0xfedcba9876543210ULL };
	u64 out[2] = { 0, 0 };
	struct ucall uc;
	union {
		double d;
		u64 bits;
	} res;
	double r;

	/* Computed at run time, in the guest, with SSE instructions. */
	HIDE_VALUE(a);
	HIDE_VALUE(b);
	asm volatile("" : "+x"(x), "+x"(y));
	asm("sqrtsd %1, %0" : "=x"(r) : "x"(b));
	r = a * b + r / a;
	GUEST_ASSERT(r == 4.375);
	z = x * y + x;
	GUEST_ASSERT(z[0] == 1.5f && z[1] == 2.5f && z[2] == 9.0f && z[3] == 0.0f);

	/* XMM7 must survive an exit to the host, which uses XMM7 itself. */
	uc.cmd = UCALL_SYNC;
	uc.args[0] = 2;
	uc.args[1] = 0;
	asm volatile("movdqu %[in], %%xmm7\n\t"
		     "outl %[gpa], %w[port]\n\t"
		     "movdqu %%xmm7, %[out]"
		     : [out] "=m"(out)
		     : [in] "m"(in), [gpa] "a"((u32)(unsigned long)&uc),
		       [port] "Nd"(UCALL_PORT)
		     : "xmm7", "memory");
	GUEST_ASSERT_EQ(out[0], in[0]);
	GUEST_ASSERT_EQ(out[1], in[1]);
	res.d = r;
	GUEST_SYNC(3, res.bits);
	GUEST_DONE();
}

static void sse(int dev)
{
	struct kvm_vm *vm = vm_create_long_mode(dev);
	struct kvm_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_sse);
	double h = 4.375;
	struct ucall uc;

	vcpu_expect_ucall(vcpu, &uc, UCALL_SYNC);
	TEST_ASSERT(uc.args[0] == 2, "stage %llu", uc.args[0]);
	asm volatile("pcmpeqd %%xmm7, %%xmm7\n\t"
		     "xorps %%xmm0, %%xmm0" : : : "xmm7", "xmm0");
	vcpu_expect_ucall(vcpu, &uc, UCALL_SYNC);
	TEST_EXPECT(uc.args[0] == 3 && !memcmp(&uc.args[1], &h, 8),
		    "guest's double %#llx", uc.args[1]);
	vcpu_run_to_done(vcpu);
	vm_free(vm);
}

struct cpuid_regs {
	u32 eax, ebx, ecx, edx;
};

static const u32 cpuid_leaves[] = { 0, 1, 0x80000000, 0x80000001 };
static struct cpuid_regs guest_cpuid_res[ARRAY_SIZE(cpuid_leaves)];

static void guest_cpuid(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cpuid_leaves); i++) {
		struct cpuid_regs *r = &guest_cpuid_res[i];

		asm volatile("cpuid"
			     : "=a"(r->eax), "=b"(r->ebx), "=c"(r->ecx),
			       "=d"(r->edx)
			     : "a"(cpuid_leaves[i]), "c"(0));
	}
	GUEST_DONE();
}

static void cpuid(int dev)
{
	struct kvm_vm *vm = vm_create_long_mode(dev);
	/* vm_vcpu_add() sets the supported table with KVM_SET_CPUID2. */
	struct kvm_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_cpuid);
	struct kvm_cpuid2 *table = dev_supported_cpuid(dev);
	struct kvm_cpuid_entry2 *e;
	struct cpuid_regs *r = guest_cpuid_res;
	unsigned int i;

	vcpu_run_to_done(vcpu);
	sync_global_from_guest(vm, guest_cpuid_res);
	for (i = 0; i < ARRAY_SIZE(cpuid_leaves); i++) {
		e = cpuid_leaf(table, cpuid_leaves[i]);
		TEST_ASSERT(e, "leaf %#x not in the supported table",
			    cpuid_leaves[i]);
		tap_diag("leaf %#x: guest %08x %08x %08x %08x table %08x %08x %08x %08x",
			 cpuid_leaves[i], r[i].eax, r[i].ebx, r[i].ecx, r[i].edx,
			 e->eax, e->ebx, e->ecx, e->edx);
	}
	/* Vendor and maximum leaves exactly as set. */
	e = cpuid_leaf(table, 0);
	TEST_EXPECT(!memcmp(&r[0], &e->eax, 16), "leaf 0 differs");
	e = cpuid_leaf(table, 0x80000000);
	TEST_EXPECT(!memcmp(&r[2], &e->eax, 16), "leaf 0x80000000 differs");
	/* Family/model/stepping, and ECX but OSXSAVE (follows CR4). */
	e = cpuid_leaf(table, 1);
	TEST_EXPECT(r[1].eax == e->eax, "leaf 1 EAX %#x", r[1].eax);
	TEST_EXPECT((r[1].ecx & ~(1U << 27)) == (e->ecx & ~(1U << 27)),
		    "leaf 1 ECX %#x", r[1].ecx);
	e = cpuid_leaf(table, 0x80000001);
	TEST_EXPECT(r[3].edx == e->edx && (r[3].edx & (1U << 29)),
		    "leaf 0x80000001 EDX %#x (long mode bit 29)", r[3].edx);
	free(table);
	vm_free(vm);
}

static void guest_msrs(void)
{
	static const struct {
		u32 msr;
		u64 val;
	} rw[] = {
		{ MSR_IA32_SYSENTER_CS, 0x1234 },
		{ MSR_IA32_SYSENTER_ESP, 0xffff888012345678ULL },
		{ MSR_IA32_SYSENTER_EIP, 0xffffffff81000000ULL },
		{ MSR_STAR, 0x0023001000000000ULL },
		{ MSR_LSTAR, 0xffffffff81a00000ULL },
		{ MSR_CSTAR, 0xffffffff81a00040ULL },
		{ MSR_SYSCALL_MASK, 0x47700 },
		{ MSR_KERNEL_GS_BASE, 0x00007f0012340000ULL },
		{ MSR_IA32_CR_PAT, 0x0007010600070106ULL },
	};
	u64 t1, t2, v;
	unsigned int i;

	GUEST_ASSERT_EQ(rdmsr_safe(MSR_IA32_TSC, &t1), -1);
	GUEST_ASSERT_EQ(rdmsr_safe(MSR_IA32_TSC, &t2), -1);
	GUEST_ASSERT(t2 > t1);
	GUEST_ASSERT_EQ(rdmsr_safe(MSR_EFER, &v), -1);
	GUEST_ASSERT_EQ(v & 0x500, 0x500);	/* LME | LMA */
	GUEST_ASSERT_EQ(rdmsr_safe(MSR_IA32_CR_PAT, &v), -1);
	GUEST_ASSERT_EQ(v, PAT_RESET);
	for (i = 0; i < ARRAY_SIZE(rw); i++) {
		GUEST_ASSERT_EQ(wrmsr_safe(rw[i].msr, rw[i].val), -1);
		GUEST_ASSERT_EQ(rdmsr_safe(rw[i].msr, &v), -1);
		if (v != rw[i].val)
			GUEST_PRINTF("MSR %#x: wrote %#llx read %#llx",
				     rw[i].msr, (unsigned long long)rw[i].val,
				     (unsigned long long)v);
		GUEST_ASSERT_EQ(v, rw[i].val);
	}
	GUEST_DONE();
}

static void msrs(int dev)
{
	struct kvm_vm *vm = vm_create_long_mode(dev);
	struct kvm_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_msrs);

	vcpu_run_to_done(vcpu);
	vm_free(vm);
}

static void guest_bogus_msr(void)
{
	u64 v = 0;

	GUEST_SYNC(1, rdmsr_safe(MSR_BOGUS, &v));
	GUEST_SYNC(2, wrmsr_safe(MSR_BOGUS, 1));
	GUEST_DONE();
}

static void expect_gp(struct kvm_vcpu *vcpu, const void *fn, const char *what)
{
	u64 lo = (u64)(unsigned long)fn;
	struct ucall uc;

	vcpu_expect_ucall(vcpu, &uc, UCALL_EXCEPTION);
	TEST_EXPECT(uc.args[0] == 13 && uc.args[1] == 0,
		    "%s: vector %llu error code %#llx, expected #GP(0)", what,
		    uc.args[0], uc.args[1]);
	TEST_EXPECT(uc.args[2] >= lo && uc.args[2] < lo + 64,
		    "%s: #GP at RIP %#llx, not in the function at %#llx", what,
		    uc.args[2], lo);
}

static void bogus_msr(int dev)
{
	struct kvm_vm *vm = vm_create_long_mode(dev);
	struct kvm_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_bogus_msr);
	struct ucall uc;

	expect_gp(vcpu, rdmsr_safe, "RDMSR");
	vcpu_expect_ucall(vcpu, &uc, UCALL_SYNC);
	TEST_EXPECT(uc.args[0] == 1 && uc.args[1] == 13,
		    "guest saw vector %lld", (long long)uc.args[1]);
	expect_gp(vcpu, wrmsr_safe, "WRMSR");
	vcpu_expect_ucall(vcpu, &uc, UCALL_SYNC);
	TEST_EXPECT(uc.args[0] == 2 && uc.args[1] == 13,
		    "guest saw vector %lld", (long long)uc.args[1]);
	vcpu_run_to_done(vcpu);
	vm_free(vm);
}

static const struct scenario scenarios[] = {
	{ "long mode ucalls, arguments and globals", ucalls, NEED_GUEST, { 0 } },
	{ "GUEST_ASSERT reports file, line and values", guest_asserts,
	  NEED_GUEST, { 0 } },
	{ "SSE arithmetic, XMM state across exits", sse, NEED_GUEST, { 0 } },
	{ "CPUID after KVM_SET_CPUID2", cpuid,
	  NEED_GUEST, { KVM_CAP_EXT_CPUID } },
	{ "RDMSR/WRMSR of common MSRs", msrs, NEED_GUEST, { 0 } },
	{ "unknown MSR gives #GP through the IDT", bogus_msr, NEED_GUEST, { 0 } },
};

int main(int argc, char **argv)
{
	run_scenarios(argc, argv, scenarios, ARRAY_SIZE(scenarios));
}
