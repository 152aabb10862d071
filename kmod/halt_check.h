/* SPDX-License-Identifier: GPL-2.0 */
/*
 * "May this halted vCPU sleep?", as one pure function over the LAPIC
 * model and its backend, run by the module (run.c) and, unchanged, by the
 * unit tests' model checker (tools/testing/unit/pi_test.c).
 *
 * The rule (OS-6829, shared/seed/; every other mention points here):
 *
 *   Before a vCPU sleeps in HLT, under its LAPIC lock and after setting
 *   its task state, drain what the backend holds outside IRR (the
 *   posted-interrupt descriptor: clear ON, then take PIR), and only then
 *   compare the highest of IRR and RVI with PPR.  A post notifies exactly
 *   when it turns ON from 0 to 1; so any post after the drain sees ON
 *   clear and notifies afresh, and vectors left pending at or below PPR
 *   never hide a later one.  Without posting, every vector that beats PPR
 *   kicks.  An NMI always wakes; a maskable interrupt (the LAPIC's, or
 *   the 8259's ExtINT through LINT0) only with RFLAGS.IF set.  No
 *   software state rides in the descriptor's architectural bits.
 */
#ifndef KVMLITE_HALT_CHECK_H
#define KVMLITE_HALT_CHECK_H

#include <linux/types.h>

#include "lapic.h"

/* Why a halted vCPU may not sleep (or NONE: it may). */
enum kvmlite_wake_cause {
	KVMLITE_WAKE_NONE,
	KVMLITE_WAKE_IRQ,	/* the LAPIC's vector beats PPR */
	KVMLITE_WAKE_EXTINT,	/* the 8259's interrupt through LINT0 */
	KVMLITE_WAKE_NMI,
};

struct kvmlite_halt_check {
	/* In: what the caller knows beyond the LAPIC. */
	bool irq_allowed;	/* RFLAGS.IF */
	bool nmi_pending;
	bool extint_pending;	/* KVM_INTERRUPT's vector, LINT0 takes it */
	/* Out, for the trace and the counters. */
	int drained;		/* highest vector the drain moved, or -1 */
	int highest;		/* highest in IRR after the drain, or -1 */
	u8 rvi;
	u32 ppr;
};

enum kvmlite_wake_cause kvmlite_halt_check(struct kvmlite_lapic *apic,
					   struct kvmlite_halt_check *c);

#endif /* KVMLITE_HALT_CHECK_H */
