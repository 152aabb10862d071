// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: kmod/vmx/pi.c and posting's pure half
 * (vmx/apic_delivery.c) under the LAPIC model and the module's halt check,
 * driven by arbitrary sequences of posts (edge and level, SN set or not,
 * level vectors held out of the descriptor or not), drains, acks, EOIs,
 * TPR writes and halt checks, under ASan/UBSan.  A bitmap model beside
 * it checks, after every operation:
 *   - each post's result follows ON and SN as they were: SUPPRESSED when
 *     SN was set, else COALESCED when ON was set, else NOTIFY; a post
 *     sets ON unless SN is set;
 *   - a drain moves into IRR exactly what was posted or held since the
 *     last one, and leaves ON clear and PIR empty: nothing is lost;
 *   - the halt check wakes exactly when, with everything drained, a
 *     vector beats PPR (kmod/halt_check.h).
 * The orderings that need two CPUs (clear ON, then take PIR) are
 * pi_test's: it runs every interleaving.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>

#include "../unit.h"
#include "../../../../kmod/halt_check.h"
#include "../../../../kmod/lapic.h"
#include "../../../../kmod/vmx/apic_delivery.h"
#include "fuzz_input.h"
#include "fuzz_owner.h"

#define PI_ON	BIT(0)
#define PI_SN	BIT(1)

static struct {
	struct kvmlite_lapic apic;
	struct kvmlite_pi_desc pi;
	struct kvmlite_posted_apic posted;
	u64 waiting[4];		/* the model: posted or held, not yet drained */
	bool on;		/* the model's ON */
} M;

static enum kvmlite_apic_delivery f_deliver(struct kvmlite_lapic *apic,
					    u8 vector, bool level)
{
	return kvmlite_posted_deliver(&M.posted, apic, vector, level);
}

static int f_sync_irr(struct kvmlite_lapic *apic)
{
	return kvmlite_posted_sync_irr(&M.posted, apic);
}

static u8 f_rvi(struct kvmlite_lapic *apic)
{
	return 0;
}

static void f_eoi_exitmap(struct kvmlite_lapic *apic)
{
}

static const struct kvmlite_apic_backend fuzz_backend = {
	.deliver = f_deliver, .sync_irr = f_sync_irr, .rvi = f_rvi,
	.update_eoi_exitmap = f_eoi_exitmap,
};

static void irr_bits(u64 irr[4])
{
	int i;

	for (i = 0; i < 8; i++) {
		u32 w = M.apic.regs[(KVMLITE_APIC_IRR + i * 16) / 4];

		if (i % 2)
			irr[i / 2] |= (u64)w << 32;
		else
			irr[i / 2] = w;
	}
}

static int highest(const u64 v[4])
{
	int i;

	for (i = 3; i >= 0; i--)
		if (v[i])
			return i * 64 + 63 - __builtin_clzll(v[i]);
	return -1;
}

static void post_vector(u8 vector, bool level)
{
	bool sn = M.pi.control & PI_SN;
	bool held = level && M.posted.level_unposted;

	if (!kvmlite_lapic_accept_irq(&M.apic, vector, level))
		return;		/* illegal vector: the model's error path */
	/* accept_irq went through the backend; read what it did. */
	if (held) {
		FUZZ_ASSERT(M.posted.level_pending[vector / 64] &
			    (1ULL << (vector % 64)), "held %u not kept", vector);
	} else {
		FUZZ_ASSERT(M.pi.pir[vector / BITS_PER_LONG] &
			    (1UL << (vector % BITS_PER_LONG)),
			    "posted %u not in PIR", vector);
		FUZZ_ASSERT((M.pi.control & PI_ON) == (M.on || !sn ? PI_ON : 0),
			    "ON %lu after posting (ON was %d, SN %d)",
			    M.pi.control & PI_ON, M.on, sn);
		M.on = M.pi.control & PI_ON;
	}
	M.waiting[vector / 64] |= 1ULL << (vector % 64);
}

/* The results, checked on the descriptor alone (no LAPIC). */
static void post_result(struct fuzz_input *in)
{
	struct kvmlite_pi_desc pi = M.pi;
	bool on = pi.control & PI_ON, sn = pi.control & PI_SN;
	enum kvmlite_pi_post_result r = kvmlite_pi_post(&pi, fuzz_u8(in));

	FUZZ_ASSERT(r == (sn ? KVMLITE_PI_SUPPRESSED :
			  on ? KVMLITE_PI_COALESCED : KVMLITE_PI_NOTIFY),
		    "post result %d with ON %d SN %d", r, on, sn);
}

static void drain_and_check(void)
{
	u64 before[4], after[4];
	int i;

	irr_bits(before);
	kvmlite_lapic_sync_irr(&M.apic);
	irr_bits(after);
	for (i = 0; i < 4; i++)
		FUZZ_ASSERT(after[i] == (before[i] | M.waiting[i]),
			    "IRR word %d: %#llx, expected %#llx | %#llx", i,
			    (unsigned long long)after[i],
			    (unsigned long long)before[i],
			    (unsigned long long)M.waiting[i]);
	FUZZ_ASSERT(!(M.pi.control & PI_ON) && kvmlite_pi_highest(&M.pi) < 0,
		    "descriptor not empty after draining");
	memset(M.waiting, 0, sizeof(M.waiting));
	M.on = false;
}

static void halt_check_and_compare(void)
{
	struct kvmlite_halt_check c = { .irq_allowed = true };
	u64 all[4];
	int i, top;
	bool due;

	irr_bits(all);
	for (i = 0; i < 4; i++)
		all[i] |= M.waiting[i];
	top = highest(all);
	due = top >= 0 && (top & 0xf0) > (kvmlite_lapic_ppr(&M.apic) & 0xf0);
	FUZZ_ASSERT((kvmlite_halt_check(&M.apic, &c) == KVMLITE_WAKE_IRQ) == due,
		    "halt check with vector %d waiting, PPR %#x", top,
		    kvmlite_lapic_ppr(&M.apic));
	/* The check drained: the model follows. */
	memset(M.waiting, 0, sizeof(M.waiting));
	M.on = false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { .data = data, .size = size };
	int steps = 0;
	u8 v;

	memset(&M, 0, sizeof(M));
	M.posted.pi = &M.pi;
	kvmlite_lapic_init(&M.apic, 0, &fuzz_ops, &fuzz_backend, NULL);
	kvmlite_lapic_set_x2apic(&M.apic, true);
	kvmlite_lapic_wrmsr(&M.apic, 0x80f, 0x1ff);	/* SVR: enabled */
	while (fuzz_more(&in) && steps++ < 4096) {
		switch (fuzz_u8(&in) % 9) {
		case 0:
		case 1:
			v = fuzz_u8(&in);
			post_vector(v, fuzz_u8(&in) & 1);
			break;
		case 2:
			drain_and_check();
			break;
		case 3:
			drain_and_check();
			kvmlite_lapic_ack(&M.apic);
			break;
		case 4:
			kvmlite_lapic_eoi(&M.apic);
			break;
		case 5:
			M.pi.control ^= PI_SN;
			break;
		case 6:
			M.posted.level_unposted = fuzz_u8(&in) & 1;
			break;
		case 7:
			kvmlite_lapic_wrmsr(&M.apic, 0x808, fuzz_u8(&in));
			break;
		case 8:
			post_result(&in);
			halt_check_and_compare();
			break;
		}
	}
	halt_check_and_compare();
	return 0;
}
