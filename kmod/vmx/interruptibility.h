/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest interruptibility state's bits (SDM Vol. 3C 25.4.2, "Guest
 * Non-Register State"), and what an instruction the hypervisor completes
 * for the guest does to them.  Pure: the unit tests pin it.
 */
#ifndef KVMLITE_INTERRUPTIBILITY_H
#define KVMLITE_INTERRUPTIBILITY_H

#include <linux/bits.h>
#include <linux/types.h>

#define KVMLITE_INTR_BLOCK_STI		BIT(0)
#define KVMLITE_INTR_BLOCK_MOV_SS	BIT(1)
#define KVMLITE_INTR_BLOCK_SMI		BIT(2)
#define KVMLITE_INTR_BLOCK_NMI		BIT(3)

/*
 * After an instruction that exited and was emulated or skipped: blocking
 * by STI or by MOV SS lasts only until the end of the next instruction,
 * which this was, so it ends (SDM Vol. 3A 6.8.3, "Masking Exceptions and
 * Interrupts When Switching Stacks", and the STI entry in Vol. 2B); a
 * hypervisor that steps over it must clear it, as the processor would
 * have.  Blocking by NMI and by SMI last until IRET and RSM: kept.
 */
static inline u32 kvmlite_intr_state_after_insn(u32 state)
{
	return state & ~(KVMLITE_INTR_BLOCK_STI | KVMLITE_INTR_BLOCK_MOV_SS);
}

#endif /* KVMLITE_INTERRUPTIBILITY_H */
