// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of kmod/vmx/vmx_caps.c, the module's own source: the load
 * verdict over every combination of the inputs that matter, the parsing
 * of IA32_VMX_BASIC and the CR fixed-bit rule against a bit-by-bit
 * reference.
 */
#include <errno.h>
#include <string.h>

#include "unit.h"
#include "../../../kmod/vmx/vmx_caps.h"

/* IA32_VMX_BASIC as Bochs 2.7's corei7_skylake_x model reports it. */
#define BASIC_SKYLAKE	0x00d810000000002bULL

static void test_verdict_cases(void)
{
	const u64 locked_on = KVMLITE_FEAT_CTL_LOCKED |
			      KVMLITE_FEAT_CTL_VMX_OUTSIDE_SMX;

	CHECK(kvmlite_vmx_verdict(0, true, locked_on) ==
	      KVMLITE_VMX_NO_CPUID_FLAG, "no CPUID flag: no VT-x, whatever the MSR");
	CHECK(kvmlite_vmx_verdict_errno(KVMLITE_VMX_NO_CPUID_FLAG) == -EOPNOTSUPP,
	      "no VT-x is -EOPNOTSUPP");
	CHECK(kvmlite_vmx_verdict(KVMLITE_CPUID1_ECX_VMX, false, locked_on) ==
	      KVMLITE_VMX_FEAT_CTL_UNREADABLE, "unreadable feature control");
	CHECK(kvmlite_vmx_verdict(KVMLITE_CPUID1_ECX_VMX, true,
				  KVMLITE_FEAT_CTL_VMX_OUTSIDE_SMX) ==
	      KVMLITE_VMX_FEAT_CTL_UNLOCKED, "enabled but unlocked is unusable");
	CHECK(kvmlite_vmx_verdict(KVMLITE_CPUID1_ECX_VMX, true,
				  KVMLITE_FEAT_CTL_LOCKED |
				  KVMLITE_FEAT_CTL_VMX_IN_SMX) ==
	      KVMLITE_VMX_FEAT_CTL_DISABLED, "locked with VMX only inside SMX");
	CHECK(kvmlite_vmx_verdict_errno(KVMLITE_VMX_FEAT_CTL_DISABLED) == -ENODEV,
	      "disabled by firmware is -ENODEV");
	CHECK(kvmlite_vmx_verdict(KVMLITE_CPUID1_ECX_VMX | 0xffffffdfU, true,
				  ~0ULL) == KVMLITE_VMX_USABLE,
	      "all bits set is usable");
	CHECK(kvmlite_vmx_verdict_errno(KVMLITE_VMX_USABLE) == 0, "usable is 0");
	CHECK(kvmlite_vmx_verdict_errno((enum kvmlite_vmx_verdict)99) == -EINVAL,
	      "an unknown verdict is -EINVAL, not success");
}

/* Every combination of the CPUID flag, readability and low MSR bits. */
static void test_verdict_exhaustive(void)
{
	int mismatches = 0, flag, readable;
	u64 msr;

	for (flag = 0; flag < 2; flag++) {
		for (readable = 0; readable < 2; readable++) {
			for (msr = 0; msr < 8; msr++) {
				u32 ecx = flag ? KVMLITE_CPUID1_ECX_VMX : 0;
				bool usable = flag && readable && (msr & 1) &&
					      (msr & 4);
				enum kvmlite_vmx_verdict v;
				bool says_usable;
				int err;

				v = kvmlite_vmx_verdict(ecx, readable, msr);
				err = kvmlite_vmx_verdict_errno(v);
				says_usable = v == KVMLITE_VMX_USABLE;
				if (usable != says_usable ||
				    (usable && err) ||
				    (!usable && err != (flag ? -ENODEV : -EOPNOTSUPP)))
					mismatches++;
			}
		}
	}
	CHECK(mismatches == 0, "32 input combinations agree with the rule (%d mismatches)",
	      mismatches);
}

static void test_verdict_strings(void)
{
	const char *seen[5];
	int v, w, dup = 0;

	for (v = 0; v < 5; v++) {
		seen[v] = kvmlite_vmx_verdict_str(v);
		for (w = 0; w < v; w++)
			dup += !strcmp(seen[v], seen[w]);
	}
	CHECK(dup == 0, "each verdict has its own message");
	CHECK(strstr(kvmlite_vmx_verdict_str(KVMLITE_VMX_NO_CPUID_FLAG),
		     "CPU has no VT-x"), "the no-VT-x message is the one the load test greps");
}

static void test_parse_basic(void)
{
	struct kvmlite_vmx_basic b = { 0 };

	CHECK(kvmlite_vmx_parse_basic(BASIC_SKYLAKE, &b) == 0, "Bochs skylake_x value parses");
	CHECK(b.revision_id == 0x2b, "revision id 0x2b (got %#x)", b.revision_id);
	CHECK(b.region_size == 0x1000, "region size 0x1000 (got %#x)", b.region_size);
	CHECK(b.memtype == KVMLITE_MEMTYPE_WB, "write-back (got %u)", b.memtype);
	CHECK(b.true_ctls, "true controls advertised");

	CHECK(kvmlite_vmx_parse_basic(BASIC_SKYLAKE & ~KVMLITE_VMX_BASIC_SIZE_MASK,
				      &b) == -EIO, "size 0 refused");
	CHECK(kvmlite_vmx_parse_basic((BASIC_SKYLAKE & ~KVMLITE_VMX_BASIC_SIZE_MASK) |
				      (0x1001ULL << 32), &b) == -EIO,
	      "size above a page refused");
	CHECK(kvmlite_vmx_parse_basic((BASIC_SKYLAKE & ~KVMLITE_VMX_BASIC_SIZE_MASK) |
				      (0x400ULL << 32), &b) == 0 &&
	      b.region_size == 0x400, "size below a page accepted");
	CHECK(kvmlite_vmx_parse_basic(BASIC_SKYLAKE | KVMLITE_VMX_BASIC_32BIT_ADDR,
				      &b) == -EIO, "32-bit address limit refused");
	CHECK(kvmlite_vmx_parse_basic(BASIC_SKYLAKE & ~KVMLITE_VMX_BASIC_MEMTYPE_MASK,
				      &b) == -EIO, "uncacheable regions refused");
	CHECK(kvmlite_vmx_parse_basic(BASIC_SKYLAKE | (1ULL << 31), &b) == -EIO,
	      "bit 31 set refused");
}

/* The rule one bit at a time, written independently of the module's. */
static bool cr_fixed_ok_reference(u64 cr, u64 fixed0, u64 fixed1)
{
	int bit;

	for (bit = 0; bit < 64; bit++) {
		bool v = (cr >> bit) & 1, must1 = (fixed0 >> bit) & 1,
		     may1 = (fixed1 >> bit) & 1;

		if ((must1 && !v) || (!may1 && v))
			return false;
	}
	return true;
}

static u64 rand64(u64 *state)
{
	/* xorshift64*: deterministic, so a failure is reproducible. */
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return *state * 2685821657736338717ULL;
}

static void test_cr_fixed(void)
{
	const u64 cr0_fixed0 = 0x80000021, cr0_fixed1 = 0xffffffff;
	const u64 cr4_fixed0 = 0x2000, cr4_fixed1 = 0x3767ff;
	u64 seed = 0x6b766d6c697465ULL;
	int i, mismatches = 0;

	CHECK(kvmlite_vmx_cr_fixed_ok(0x80050033, cr0_fixed0, cr0_fixed1),
	      "Linux's CR0 (PG|WP|AM|NE|ET|MP|PE) is allowed");
	CHECK(!kvmlite_vmx_cr_fixed_ok(0x80050013, cr0_fixed0, cr0_fixed1),
	      "CR0 without NE is refused");
	CHECK(!kvmlite_vmx_cr_fixed_ok(0x3406e0, cr4_fixed0, cr4_fixed1),
	      "CR4 without VMXE is refused");
	CHECK(kvmlite_vmx_cr_fixed_ok(0x3406e0 | 0x2000, cr4_fixed0, cr4_fixed1),
	      "CR4 with VMXE is allowed");
	CHECK(!kvmlite_vmx_cr_fixed_ok(0x3406e0 | 0x2000 | (1ULL << 23),
				       cr4_fixed0, cr4_fixed1),
	      "CR4 with a bit FIXED1 forbids is refused");

	for (i = 0; i < 1000000; i++) {
		u64 f0 = rand64(&seed) & rand64(&seed);
		u64 f1 = rand64(&seed) | f0;
		u64 cr = (rand64(&seed) & f1) | f0;

		/* Half the time, break one random bit of a legal value. */
		if (i & 1)
			cr ^= 1ULL << (rand64(&seed) & 63);
		if (kvmlite_vmx_cr_fixed_ok(cr, f0, f1) !=
		    cr_fixed_ok_reference(cr, f0, f1))
			mismatches++;
	}
	CHECK(mismatches == 0, "1e6 random CR/FIXED triples agree with the reference (%d)",
	      mismatches);
}

static void test_adjust_controls(void)
{
	/* must-be-one 0x16 (low half), may-be-one 0xff (high half) */
	const u64 cap = (0xffULL << 32) | 0x16;
	u32 ctl = 0;

	CHECK(kvmlite_vmx_adjust_controls(0x01, 0x0100, cap, &ctl) == 0 &&
	      ctl == 0x17, "forced bits added, unsupported optional dropped (%#x)", ctl);
	CHECK(kvmlite_vmx_adjust_controls(0x0100, 0, cap, &ctl) == -EOPNOTSUPP,
	      "unsupported required bit refused");
	CHECK(kvmlite_vmx_adjust_controls(0, 0, cap, &ctl) == 0 && ctl == 0x16,
	      "nothing asked gives the forced bits (%#x)", ctl);
	CHECK(kvmlite_vmx_adjust_controls(0xff, 0, cap, &ctl) == 0 && ctl == 0xff,
	      "everything allowed can be required (%#x)", ctl);
}

int main(void)
{
	static const unit_test_fn tests[] = {
		test_verdict_cases, test_verdict_exhaustive,
		test_verdict_strings, test_parse_basic, test_cr_fixed,
		test_adjust_controls,
	};

	return unit_run(tests, ARRAY_SIZE(tests));
}
