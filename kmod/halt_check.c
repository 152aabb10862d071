// SPDX-License-Identifier: GPL-2.0
/* The halt check; the rule it implements is in halt_check.h. */
#include "halt_check.h"

enum kvmlite_wake_cause kvmlite_halt_check(struct kvmlite_lapic *apic,
					   struct kvmlite_halt_check *c)
{
	int pending;

	/* First the drain: a post from here on notifies again. */
	c->drained = kvmlite_lapic_sync_irr(apic);
	c->highest = kvmlite_lapic_highest_irr(apic);
	c->rvi = apic->backend->rvi(apic);
	c->ppr = kvmlite_lapic_ppr(apic);
	pending = c->rvi > c->highest ? c->rvi : c->highest;
	if (c->nmi_pending)
		return KVMLITE_WAKE_NMI;
	if (!c->irq_allowed)
		return KVMLITE_WAKE_NONE;
	if (pending >= 0 && ((u32)pending & 0xf0) > (c->ppr & 0xf0))
		return KVMLITE_WAKE_IRQ;
	if (c->extint_pending)
		return KVMLITE_WAKE_EXTINT;
	return KVMLITE_WAKE_NONE;
}
