// SPDX-License-Identifier: GPL-2.0
/*
 * Posting into and draining the posted-interrupt descriptor (pi.h; the
 * rule is in halt_check.h).  Every step is one locked read-modify-write,
 * which on x86 is a full barrier: a post's PIR bit is visible before its
 * ON, and a drain clears ON before it reads PIR.
 */
#include <linux/bitops.h>
#include <linux/atomic.h>

#include "pi.h"

void kvmlite_pi_set_pir(struct kvmlite_pi_desc *pi, u8 vector)
{
	set_bit(vector, pi->pir);
}

enum kvmlite_pi_post_result kvmlite_pi_set_on(struct kvmlite_pi_desc *pi)
{
	/* SN: the CPU would set PIR and stay quiet; so do we. */
	if (test_bit(KVMLITE_PI_SN, &pi->control))
		return KVMLITE_PI_SUPPRESSED;
	if (test_and_set_bit(KVMLITE_PI_ON, &pi->control))
		return KVMLITE_PI_COALESCED;
	return KVMLITE_PI_NOTIFY;
}

enum kvmlite_pi_post_result kvmlite_pi_post(struct kvmlite_pi_desc *pi,
					    u8 vector)
{
	kvmlite_pi_set_pir(pi, vector);
	return kvmlite_pi_set_on(pi);
}

bool kvmlite_pi_clear_on(struct kvmlite_pi_desc *pi)
{
	return test_and_clear_bit(KVMLITE_PI_ON, &pi->control);
}

bool kvmlite_pi_take_pir(struct kvmlite_pi_desc *pi, u64 out[4])
{
	unsigned int i;
	bool any = false;

	for (i = 0; i < 4; i++) {
		/* Read only words with bits set: xchg is a locked cycle. */
		out[i] = READ_ONCE(pi->pir[i]) ? xchg(&pi->pir[i], 0) : 0;
		any |= out[i] != 0;
	}
	return any;
}

bool kvmlite_pi_drain(struct kvmlite_pi_desc *pi, u64 out[4])
{
	kvmlite_pi_clear_on(pi);
	return kvmlite_pi_take_pir(pi, out);
}

/*
 * NV and NDST share the control word with ON and SN, which posters set
 * with locked operations at any time: replace them in one cmpxchg so no
 * concurrent ON is lost.
 */
void kvmlite_pi_set_route(struct kvmlite_pi_desc *pi, u8 nv, u32 ndst)
{
	unsigned long old = READ_ONCE(pi->control), new;

	do {
		new = old & (BIT(KVMLITE_PI_ON) | BIT(KVMLITE_PI_SN));
		new |= (unsigned long)nv << KVMLITE_PI_NV_SHIFT;
		new |= (unsigned long)ndst << KVMLITE_PI_NDST_SHIFT;
	} while (!try_cmpxchg(&pi->control, &old, new));
}

bool kvmlite_pi_on(const struct kvmlite_pi_desc *pi)
{
	return test_bit(KVMLITE_PI_ON, &pi->control);
}

int kvmlite_pi_highest(const struct kvmlite_pi_desc *pi)
{
	int i;

	for (i = 3; i >= 0; i--) {
		unsigned long w = READ_ONCE(pi->pir[i]);

		if (w)
			return i * 64 + (int)__fls(w);
	}
	return -1;
}
