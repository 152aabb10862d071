/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The posted-interrupt descriptor (Intel SDM Vol. 3C 30.6, "Posted-
 * Interrupt Processing"), and posting into it and draining it, as pure
 * logic: the same source builds into the module and into the userspace
 * unit tests, where every interleaving of post, drain and sleep is
 * explored (tools/testing/unit/pi_test.c).  The wake-up rule these
 * functions keep is stated once, in halt_check.h.
 */
#ifndef KVMLITE_PI_H
#define KVMLITE_PI_H

#include <linux/types.h>
#include <linux/bits.h>

#define KVMLITE_PI_ON		0	/* outstanding notification */
#define KVMLITE_PI_SN		1	/* suppress notification */
#define KVMLITE_PI_NV_SHIFT	16	/* notification vector, bits 23:16 */
#define KVMLITE_PI_NDST_SHIFT	32	/* notification destination */

/* 64 bytes, 64-byte aligned, as the CPU reads it. */
struct kvmlite_pi_desc {
	unsigned long pir[256 / BITS_PER_LONG];	/* requests, one bit each */
	unsigned long control;	/* ON, SN, NV, NDST (bits 256..319) */
	u32 rsvd[6];
} __aligned(64);

/* What a post did: the trace and the counters say which. */
enum kvmlite_pi_post_result {
	KVMLITE_PI_NOTIFY,	/* ON went 0 -> 1: the caller must notify */
	KVMLITE_PI_COALESCED,	/* ON was already 1: a notification is due */
	KVMLITE_PI_SUPPRESSED,	/* SN is set: nobody is notified */
};

/* The two steps of a post, separate so the unit tests can interleave. */
void kvmlite_pi_set_pir(struct kvmlite_pi_desc *pi, u8 vector);
enum kvmlite_pi_post_result kvmlite_pi_set_on(struct kvmlite_pi_desc *pi);
/* Both, in that order: any CPU, no lock. */
enum kvmlite_pi_post_result kvmlite_pi_post(struct kvmlite_pi_desc *pi,
					    u8 vector);

/* Drain, step 1: clear ON; true if it was set. */
bool kvmlite_pi_clear_on(struct kvmlite_pi_desc *pi);
/* Drain, step 2: take PIR (bits out[vector / 64]); false if empty. */
bool kvmlite_pi_take_pir(struct kvmlite_pi_desc *pi, u64 out[4]);
/* Both, in that order, by the vCPU's owner under its lock. */
bool kvmlite_pi_drain(struct kvmlite_pi_desc *pi, u64 out[4]);

/*
 * Where hardware notifications go (NV, and NDST in the host APIC's ID
 * format: xAPIC ID in bits 15:8, or the x2APIC ID); ON and SN are kept.
 */
void kvmlite_pi_set_route(struct kvmlite_pi_desc *pi, u8 nv, u32 ndst);

bool kvmlite_pi_on(const struct kvmlite_pi_desc *pi);
int kvmlite_pi_highest(const struct kvmlite_pi_desc *pi);

#endif /* KVMLITE_PI_H */
