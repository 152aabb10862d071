// SPDX-License-Identifier: GPL-2.0
/*
 * Where an accepted vector waits, and who is told: event injection's
 * backend table, and the pure half of posting's (apic_delivery.h).
 */
#include <linux/types.h>
#include <linux/string.h>

#include "apic_delivery.h"

/*
 * Event injection: the vector goes straight into IRR, and the vCPU is
 * kicked whenever it beats PPR, whatever else is pending (halt_check.h).
 */
static enum kvmlite_apic_delivery injection_deliver(struct kvmlite_lapic *apic,
						    u8 vector,
						    bool level __always_unused)
{
	kvmlite_lapic_set_irr(apic, vector);
	if (!kvmlite_lapic_beats_ppr(apic, vector))
		return KVMLITE_DELIVERY_IRR;
	apic->ops->kick(apic);
	return KVMLITE_DELIVERY_IRR_KICK;
}

static int injection_sync_irr(struct kvmlite_lapic *apic __always_unused)
{
	return -1;		/* nothing is kept outside IRR */
}

static u8 injection_rvi(struct kvmlite_lapic *apic __always_unused)
{
	return 0;		/* no virtual-interrupt delivery */
}

static void
injection_update_eoi_exitmap(struct kvmlite_lapic *apic __always_unused)
{
	/* Every EOI exits without APICv. */
}

const struct kvmlite_apic_backend kvmlite_injection_backend = {
	.deliver = injection_deliver,
	.sync_irr = injection_sync_irr,
	.rvi = injection_rvi,
	.update_eoi_exitmap = injection_update_eoi_exitmap,
};

enum kvmlite_apic_delivery
kvmlite_posted_deliver(struct kvmlite_posted_apic *p, struct kvmlite_lapic *apic,
		       u8 vector, bool level)
{
	if (level && p->level_unposted) {
		p->level_pending[vector / 64] |= 1ULL << (vector % 64);
		apic->ops->kick(apic);
		return KVMLITE_DELIVERY_LEVEL_HELD;
	}
	switch (kvmlite_pi_post(p->pi, vector)) {
	case KVMLITE_PI_NOTIFY:
		return KVMLITE_DELIVERY_PI_NOTIFY;
	case KVMLITE_PI_COALESCED:
		return KVMLITE_DELIVERY_PI_COALESCED;
	default:
		return KVMLITE_DELIVERY_PI_SUPPRESSED;
	}
}

int kvmlite_posted_sync_irr(struct kvmlite_posted_apic *p,
			    struct kvmlite_lapic *apic)
{
	u64 taken[4];
	int highest = -1, held;

	if (kvmlite_pi_drain(p->pi, taken))
		highest = kvmlite_lapic_merge_irr(apic, taken);
	if (p->level_pending[0] | p->level_pending[1] |
	    p->level_pending[2] | p->level_pending[3]) {
		held = kvmlite_lapic_merge_irr(apic, p->level_pending);
		memset(p->level_pending, 0, sizeof(p->level_pending));
		if (held > highest)
			highest = held;
	}
	return highest;
}
