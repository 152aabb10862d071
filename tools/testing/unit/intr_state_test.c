// SPDX-License-Identifier: GPL-2.0
/*
 * What stepping over an instruction does to the guest interruptibility
 * state (kmod/vmx/interruptibility.h): every exit that kvmlite completes
 * for the guest (port I/O, CPUID, MSRs, CRs, emulated MMIO, string I/O)
 * goes through kvmlite_skip_instruction(), which applies this.
 */
#include "unit.h"
#include "../../../kmod/vmx/interruptibility.h"

static void test_shadow_ends(void)
{
	u32 s, after;
	int bad = 0;

	for (s = 0; s < 16; s++) {
		after = kvmlite_intr_state_after_insn(s);
		if (after & (KVMLITE_INTR_BLOCK_STI | KVMLITE_INTR_BLOCK_MOV_SS))
			bad++;
		if ((after & KVMLITE_INTR_BLOCK_NMI) != (s & KVMLITE_INTR_BLOCK_NMI) ||
		    (after & KVMLITE_INTR_BLOCK_SMI) != (s & KVMLITE_INTR_BLOCK_SMI))
			bad++;
	}
	CHECK(!bad, "STI and MOV-SS blocking end, NMI and SMI blocking stay (%d bad)",
	      bad);
	CHECK(kvmlite_intr_state_after_insn(KVMLITE_INTR_BLOCK_STI) == 0,
	      "sti; <emulated instruction>: the shadow is gone");
	CHECK(kvmlite_intr_state_after_insn(KVMLITE_INTR_BLOCK_MOV_SS |
					    KVMLITE_INTR_BLOCK_NMI) ==
	      KVMLITE_INTR_BLOCK_NMI, "mov ss in an NMI handler: NMI still blocked");
	CHECK(kvmlite_intr_state_after_insn(0x10) == 0x10,
	      "bit 4 (enclave interruption) is left alone");
}

int main(void)
{
	static const unit_test_fn tests[] = { test_shadow_ends };

	return unit_run(tests, ARRAY_SIZE(tests));
}
