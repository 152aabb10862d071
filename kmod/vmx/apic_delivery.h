/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The two ways a vector accepted by the LAPIC model waits for its vCPU,
 * as pure logic (built into the unit tests too): in IRR itself, for event
 * injection (kvmlite_injection_backend, the whole backend table), or in a
 * posted-interrupt descriptor, with level-triggered vectors held out of
 * it while the processor could deliver them unseen (the posted half of
 * the table; vmx/posted.c adds the notification and RVI).
 */
#ifndef KVMLITE_APIC_DELIVERY_H
#define KVMLITE_APIC_DELIVERY_H

#include <linux/types.h>

#include "../backend.h"
#include "../lapic.h"
#include "pi.h"

/* A vCPU's posting state; every field under the LAPIC's lock but pi. */
struct kvmlite_posted_apic {
	struct kvmlite_pi_desc *pi;	/* a page of its own (posted.c) */
	/*
	 * With hardware posted-interrupt processing the processor may take
	 * PIR and deliver while the guest runs, before a level-triggered
	 * vector is in the EOI-exit bitmap (whose EOI must exit).  Such
	 * vectors then skip the descriptor and wait here; a kick brings the
	 * vCPU out to merge them and set the bitmap before entry.
	 */
	bool level_unposted;
	u64 level_pending[4];
};

/*
 * Post vector (or hold it, level-triggered with level_unposted: then the
 * vCPU is kicked here).  On KVMLITE_DELIVERY_PI_NOTIFY the caller must
 * notify the vCPU; on the other results nobody needs to.
 */
enum kvmlite_apic_delivery
kvmlite_posted_deliver(struct kvmlite_posted_apic *p, struct kvmlite_lapic *apic,
		       u8 vector, bool level);
/* Drain the descriptor (ON first), then the held vectors, into IRR. */
int kvmlite_posted_sync_irr(struct kvmlite_posted_apic *p,
			    struct kvmlite_lapic *apic);

#endif /* KVMLITE_APIC_DELIVERY_H */
