// SPDX-License-Identifier: GPL-2.0
/*
 * The posted-interrupt wake-up rule (kmod/pi.c, kmod/lapic.c: the
 * module's own source), proved three ways:
 *   1. the exact OS-6829 sequence: PPR 0x70, low vectors posted and left
 *      pending, the vCPU halts, the timer posts 0xd3 later;
 *   2. every interleaving (exhaustive search) of a halting vCPU and up to
 *      three posters, over a table of vectors and priorities;
 *   3. millions of random interleavings over random configurations.
 * The invariant: when nothing can run any more, the vCPU is awake or no
 * vector above PPR is pending (in IRR or in PIR).  The same search over
 * two deliberately broken halt checks (bhyve's, which never clears ON,
 * and one that reads PIR before clearing ON) must find lost wake-ups:
 * that is how we know the search can fail.
 *
 * The model's steps are the kernel's: a remote post is
 * kvmlite_pi_set_pir() then kvmlite_pi_set_on() then, on NOTIFY, a
 * wake-up; the timer fires under the LAPIC lock through
 * kvmlite_lapic_timer_fire(); the halt check (irq.c's apic_halt and
 * apic_should_wake) is: set the task state, take the lock, clear ON, take
 * PIR into IRR, kvmlite_lapic_wake_pending(), drop the lock, schedule().
 */
#include <string.h>

#include "unit.h"
#include "../../../kmod/lapic.h"

enum halt_variant { HALT_CORRECT, HALT_TAKE_THEN_CLEAR, HALT_NEVER_CLEAR };

/* vCPU program counter, one value per step of the halt loop. */
enum vcpu_pc {
	V_PREPARE,	/* set_current_state(TASK_INTERRUPTIBLE) */
	V_CLEAR_ON,	/* lock; clear ON */
	V_TAKE_PIR,	/* PIR -> IRR */
	V_CHECK,	/* wake_pending(); unlock */
	V_SCHEDULE,	/* schedule(): sleeps unless woken meanwhile */
	V_BLOCKED,	/* asleep until a wake-up */
	V_AWAKE,	/* decided to run the guest: done */
};

#define MAX_POSTERS	3

struct model {
	struct kvmlite_lapic apic;
	struct kvmlite_pi_desc pi;
	enum vcpu_pc pc;
	bool task_running;	/* task state: woken (TASK_RUNNING) */
	bool locked;		/* the LAPIC lock, held by the vCPU */
	int nposters;
	u8 vec[MAX_POSTERS];
	int ppc[MAX_POSTERS];	/* 0 set PIR, 1 set ON, 2 notify, 3 done */
	enum kvmlite_pi_post_result res[MAX_POSTERS];
	bool timer;		/* the timer is armed and will fire once */
	u64 now;
	int notifies, coalesced, wakeups;
	enum halt_variant variant;
};

static void model_wake(struct model *m)
{
	m->task_running = true;
	m->wakeups++;
	if (m->pc == V_BLOCKED)
		m->pc = V_PREPARE;
}

static struct model *owner_of(struct kvmlite_lapic *apic)
{
	return apic->owner;
}

static u64 m_now(struct kvmlite_lapic *apic)
{
	return owner_of(apic)->now;
}

static void m_arm(struct kvmlite_lapic *apic, u64 expiry)
{
	(void)apic;
	(void)expiry;
}

static void m_cancel(struct kvmlite_lapic *apic)
{
	(void)apic;
}

static void m_kick(struct kvmlite_lapic *apic)
{
	model_wake(owner_of(apic));
}

static void m_eoi(struct kvmlite_lapic *apic, u8 vector)
{
	(void)apic;
	(void)vector;
}

static void m_ipi(struct kvmlite_lapic *apic, u32 low, u32 dest)
{
	(void)apic;
	(void)low;
	(void)dest;
}

/* irq.c's vcpu_posted(): notify (kick or wake) only on NOTIFY. */
static void m_posted(struct kvmlite_lapic *apic, u8 vector,
		     enum kvmlite_pi_post_result r)
{
	struct model *m = owner_of(apic);

	(void)vector;
	if (r == KVMLITE_PI_NOTIFY) {
		m->notifies++;
		model_wake(m);
	} else {
		m->coalesced++;
	}
}

static const struct kvmlite_lapic_ops model_ops = {
	.now_ns = m_now, .timer_arm = m_arm, .timer_cancel = m_cancel,
	.kick = m_kick, .eoi_level = m_eoi, .send_ipi = m_ipi,
	.posted = m_posted,
};

/* The pointers inside a model point into it; fix them after a copy. */
static void model_fixup(struct model *m)
{
	m->apic.owner = m;
	m->apic.pi = &m->pi;
}

/*
 * A vCPU in x2APIC mode, in service at in_service (0: none, PPR 0), with
 * TPR tpr, the timer (one-shot, vector timer_vec) armed when timer_vec.
 */
static void model_init(struct model *m, u8 in_service, u8 tpr, u8 timer_vec,
		       int nposters, const u8 *vecs, enum halt_variant v)
{
	int i;

	memset(m, 0, sizeof(*m));
	kvmlite_lapic_init(&m->apic, 0, &model_ops, m);
	m->apic.owner = m;
	kvmlite_lapic_set_x2apic(&m->apic, true);
	kvmlite_lapic_wrmsr(&m->apic, 0x80f, 0x1ff);	/* SVR: enabled */
	if (in_service) {
		kvmlite_lapic_accept_irq(&m->apic, in_service, false);
		kvmlite_lapic_ack(&m->apic);
	}
	kvmlite_lapic_wrmsr(&m->apic, 0x808, tpr);
	if (timer_vec) {
		kvmlite_lapic_wrmsr(&m->apic, 0x83e, 0xb);	/* divide by 1 */
		kvmlite_lapic_wrmsr(&m->apic, 0x832, timer_vec);
		kvmlite_lapic_wrmsr(&m->apic, 0x838, 1000);
		m->timer = true;
	}
	m->nposters = nposters;
	for (i = 0; i < nposters; i++)
		m->vec[i] = vecs[i];
	m->pc = V_PREPARE;
	m->variant = v;
	model_fixup(m);
}

/* Is a vector above PPR pending anywhere, IRR or PIR? */
static bool deliverable_pending(const struct model *m)
{
	struct model copy = *m;
	u64 pir[4];

	model_fixup(&copy);
	kvmlite_pi_take_pir(&copy.pi, pir);
	kvmlite_lapic_merge_pir(&copy.apic, pir);
	return kvmlite_lapic_wake_pending(&copy.apic, 0, true);
}

/* Threads: 0 the vCPU, 1..n the remote posters, n+1 the timer. */
static int nthreads(const struct model *m)
{
	return m->nposters + 2;
}

static bool can_step(const struct model *m, int t)
{
	if (t == 0)
		return m->pc != V_BLOCKED && m->pc != V_AWAKE;
	if (t <= m->nposters)
		return m->ppc[t - 1] < 3;
	/* The timer callback takes the LAPIC lock. */
	return m->timer && !m->locked;
}

/* The broken checks peek at PIR the way bhyve's vmx_pending_intr did. */
static bool check_peek_pir(struct model *m)
{
	int hi = kvmlite_pi_highest(&m->pi);
	u32 ppr = kvmlite_lapic_ppr(&m->apic) & 0xf0;

	return kvmlite_lapic_wake_pending(&m->apic, 0, true) ||
	       (hi >= 0 && ((u32)hi & 0xf0) > ppr);
}

static void vcpu_step(struct model *m)
{
	u64 pir[4];

	switch (m->pc) {
	case V_PREPARE:
		m->task_running = false;
		m->pc = V_CLEAR_ON;
		break;
	case V_CLEAR_ON:
		m->locked = true;
		if (m->variant == HALT_CORRECT)
			kvmlite_pi_clear_on(&m->pi);
		m->pc = V_TAKE_PIR;
		break;
	case V_TAKE_PIR:
		if (m->variant != HALT_NEVER_CLEAR) {
			kvmlite_pi_take_pir(&m->pi, pir);
			kvmlite_lapic_merge_pir(&m->apic, pir);
		}
		m->pc = V_CHECK;
		break;
	case V_CHECK:
		/* The broken order: a post between the two steps is lost. */
		if (m->variant == HALT_TAKE_THEN_CLEAR)
			kvmlite_pi_clear_on(&m->pi);
		m->locked = false;
		if (m->variant == HALT_NEVER_CLEAR ? check_peek_pir(m) :
		    kvmlite_lapic_wake_pending(&m->apic, 0, true))
			m->pc = V_AWAKE;
		else
			m->pc = V_SCHEDULE;
		break;
	case V_SCHEDULE:
		m->pc = m->task_running ? V_PREPARE : V_BLOCKED;
		break;
	default:
		break;
	}
}

static void step(struct model *m, int t)
{
	if (t == 0) {
		vcpu_step(m);
	} else if (t <= m->nposters) {
		int p = t - 1;

		switch (m->ppc[p]++) {
		case 0:
			kvmlite_pi_set_pir(&m->pi, m->vec[p]);
			break;
		case 1:
			m->res[p] = kvmlite_pi_set_on(&m->pi);
			break;
		case 2:
			m_posted(&m->apic, m->vec[p], m->res[p]);
			break;
		}
	} else {
		m->timer = false;
		m->now = m->apic.timer_expiry_ns;
		kvmlite_lapic_timer_fire(&m->apic);
	}
}

/* A final state: nothing can run.  The rule says the vCPU is not stuck. */
static bool final_ok(const struct model *m)
{
	return m->pc == V_AWAKE || !deliverable_pending(m);
}

struct search {
	long states, finals, violations;
};

static void explore(const struct model *m, struct search *s)
{
	int t, n = nthreads(m);
	bool any = false;

	s->states++;
	for (t = 0; t < n; t++) {
		struct model next;

		if (!can_step(m, t))
			continue;
		any = true;
		next = *m;
		model_fixup(&next);
		step(&next, t);
		explore(&next, s);
	}
	if (!any) {
		s->finals++;
		if (!final_ok(m))
			s->violations++;
	}
}

/* ---- 1. OS-6829, step by step ---- */

static void test_os6829_sequence(void)
{
	static const u8 low[2] = { 0x60, 0x61 };
	struct model m;
	int i;

	/* PPR 0x70: the guest halts inside a class-7 handler. */
	model_init(&m, 0x70, 0, 0xd3, 2, low, HALT_CORRECT);
	CHECK(kvmlite_lapic_ppr(&m.apic) == 0x70, "PPR %#x",
	      kvmlite_lapic_ppr(&m.apic));

	/* The NIC's vectors arrive; the first notifies, the second not. */
	for (i = 1; i <= 2; i++)
		while (m.ppc[i - 1] < 3)
			step(&m, i);
	CHECK(m.notifies == 1 && m.coalesced == 1,
	      "posts of 0x60, 0x61: %d notified, %d coalesced", m.notifies,
	      m.coalesced);

	/* The vCPU halts: 0x60 and 0x61 are below PPR, so it sleeps. */
	while (m.pc != V_BLOCKED && m.pc != V_AWAKE)
		vcpu_step(&m);
	/* The first post's wake-up came before the halt: one more round. */
	CHECK(m.pc == V_BLOCKED, "the vCPU sleeps with only 0x60/0x61 pending");
	CHECK(!kvmlite_pi_on(&m.pi), "ON is clear while it sleeps");
	CHECK(kvmlite_lapic_highest_irr(&m.apic) == 0x61,
	      "0x61 waits in IRR (highest %#x)",
	      kvmlite_lapic_highest_irr(&m.apic));

	/* The timer fires 0xd3: it must notify, and the vCPU must wake. */
	step(&m, nthreads(&m) - 1);
	CHECK(m.notifies == 2, "the timer's post of 0xd3 notified");
	CHECK(m.pc == V_PREPARE, "the wake-up restarted the halt loop");
	while (m.pc != V_BLOCKED && m.pc != V_AWAKE)
		vcpu_step(&m);
	CHECK(m.pc == V_AWAKE, "the vCPU runs to take 0xd3");
	CHECK(kvmlite_lapic_ack(&m.apic) == 0xd3, "and 0xd3 is what it takes");

	/* bhyve's check, same sequence: the 0xd3 post is coalesced. */
	model_init(&m, 0x70, 0, 0xd3, 2, low, HALT_NEVER_CLEAR);
	for (i = 1; i <= 2; i++)
		while (m.ppc[i - 1] < 3)
			step(&m, i);
	while (m.pc != V_BLOCKED && m.pc != V_AWAKE)
		vcpu_step(&m);
	step(&m, nthreads(&m) - 1);
	CHECK(m.pc == V_BLOCKED && m.coalesced == 2 && !final_ok(&m),
	      "bhyve's check sleeps through 0xd3 (pc %d, coalesced %d)",
	      m.pc, m.coalesced);
}

/* ---- 2. Every interleaving ---- */

/* Below, in and above PPR 0x70's class. */
static const u8 vector_table[] = { 0x35, 0x60, 0x7f, 0x80, 0xd3 };

/*
 * Every pair of remote vectors, with and without a 0xd3 timer, at PPR
 * 0x00 and 0x70 (by ISR and by TPR): returns total violations.
 */
static long explore_all(enum halt_variant v, struct search *s)
{
	static const u8 isr[] = { 0, 0x70, 0 }, tpr[] = { 0, 0, 0x70 };
	size_t a, b, p;
	int timer;
	struct model m;

	memset(s, 0, sizeof(*s));
	for (p = 0; p < ARRAY_SIZE(isr); p++)
		for (a = 0; a < ARRAY_SIZE(vector_table); a++)
			for (b = 0; b < ARRAY_SIZE(vector_table); b++)
				for (timer = 0; timer < 2; timer++) {
					u8 vecs[2] = { vector_table[a],
						       vector_table[b] };

					model_init(&m, isr[p], tpr[p],
						   timer ? 0xd3 : 0, 2, vecs, v);
					explore(&m, s);
				}
	return s->violations;
}

static void test_exhaustive(void)
{
	struct search s;
	long bad;

	bad = explore_all(HALT_CORRECT, &s);
	CHECK(bad == 0,
	      "correct halt check: %ld states, %ld final, %ld lost wake-ups",
	      s.states, s.finals, bad);
	CHECK(s.finals > 100000, "the search reached %ld final states",
	      s.finals);
	bad = explore_all(HALT_NEVER_CLEAR, &s);
	CHECK(bad > 0, "bhyve's check (ON never cleared): %ld lost wake-ups found",
	      bad);
	bad = explore_all(HALT_TAKE_THEN_CLEAR, &s);
	CHECK(bad > 0, "PIR taken before ON cleared: %ld lost wake-ups found",
	      bad);
}

/* ---- 3. Random interleavings ---- */

static u64 rng_state = 0x9e3779b97f4a7c15ULL;

static u64 rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

#define RANDOM_RUNS	2000000L

static long random_runs(enum halt_variant v, long runs)
{
	long r, bad = 0;

	for (r = 0; r < runs; r++) {
		u8 vecs[MAX_POSTERS];
		int i, np = 1 + (int)(rng() % MAX_POSTERS), n;
		u8 isr = (rng() & 1) ? (u8)(0x20 + rng() % 0xe0) : 0;
		u8 timer = (rng() % 3) ? (u8)(0x20 + rng() % 0xe0) : 0;
		struct model m;

		for (i = 0; i < np; i++)
			vecs[i] = (u8)(0x20 + rng() % 0xe0);
		model_init(&m, isr, (u8)(rng() % 0x100) & 0xf0, timer, np,
			   vecs, v);
		for (;;) {
			int ready[MAX_POSTERS + 2];

			n = 0;
			for (i = 0; i < nthreads(&m); i++)
				if (can_step(&m, i))
					ready[n++] = i;
			if (!n)
				break;
			step(&m, ready[rng() % (u64)n]);
		}
		bad += !final_ok(&m);
	}
	return bad;
}

static void test_random(void)
{
	long bad = random_runs(HALT_CORRECT, RANDOM_RUNS);

	CHECK(bad == 0, "%ld random interleavings: %ld lost wake-ups",
	      RANDOM_RUNS, bad);
	bad = random_runs(HALT_NEVER_CLEAR, RANDOM_RUNS / 10);
	CHECK(bad > 0, "bhyve's check: %ld of %ld random runs lost a wake-up",
	      bad, RANDOM_RUNS / 10);
}

/* ---- The descriptor itself ---- */

static void test_descriptor(void)
{
	struct kvmlite_pi_desc pi;
	u64 out[4];

	memset(&pi, 0, sizeof(pi));
	CHECK(sizeof(pi) == 64 && (unsigned long)&pi % 64 == 0,
	      "descriptor is %zu bytes at %p", sizeof(pi), (void *)&pi);
	CHECK(kvmlite_pi_post(&pi, 0x31) == KVMLITE_PI_NOTIFY, "first post notifies");
	CHECK(kvmlite_pi_post(&pi, 0xf0) == KVMLITE_PI_COALESCED,
	      "second post while ON: coalesced");
	CHECK(kvmlite_pi_highest(&pi) == 0xf0, "highest %d",
	      kvmlite_pi_highest(&pi));
	/* PIR bit 256 is ON: bits 0..255 are vectors, as the SDM lays out. */
	CHECK(pi.control == 1 && pi.pir[1] == 0 && pi.pir[2] == 0 &&
	      pi.pir[0x31 / 64] == 1ull << (0x31 % 64) &&
	      pi.pir[3] == 1ull << (0xf0 % 64),
	      "PIR words %#lx %#lx %#lx %#lx, control %#lx", pi.pir[0],
	      pi.pir[1], pi.pir[2], pi.pir[3], pi.control);
	CHECK(kvmlite_pi_drain(&pi, out) && out[0x31 / 64] && out[3] &&
	      !kvmlite_pi_on(&pi) && kvmlite_pi_highest(&pi) == -1,
	      "drain takes both and clears ON");
	CHECK(!kvmlite_pi_drain(&pi, out), "second drain: nothing");
	pi.control |= 1ul << KVMLITE_PI_SN;
	CHECK(kvmlite_pi_post(&pi, 0x40) == KVMLITE_PI_SUPPRESSED &&
	      !kvmlite_pi_on(&pi) && kvmlite_pi_highest(&pi) == 0x40,
	      "SN: PIR set, ON not, nobody notified");
}

/*
 * NV and NDST where the SDM puts them (bits 279:272 and 319:288 of the
 * descriptor: bytes 34 and 36..39), set without touching ON, SN or PIR.
 */
static void test_route(void)
{
	struct kvmlite_pi_desc pi;
	const unsigned char *bytes = (const unsigned char *)&pi;
	u32 ndst;

	memset(&pi, 0, sizeof(pi));
	kvmlite_pi_post(&pi, 0x51);
	pi.control |= 1ul << KVMLITE_PI_SN;
	kvmlite_pi_set_route(&pi, 0xf2, 0x0300);
	memcpy(&ndst, bytes + 36, sizeof(ndst));
	CHECK(bytes[34] == 0xf2 && ndst == 0x0300,
	      "NV byte %#x, NDST %#x", bytes[34], ndst);
	CHECK(kvmlite_pi_on(&pi) && (pi.control & (1ul << KVMLITE_PI_SN)) &&
	      kvmlite_pi_highest(&pi) == 0x51,
	      "ON, SN and PIR kept: control %#lx", pi.control);
	/* Moving to another CPU replaces NDST whole (an x2APIC ID here). */
	kvmlite_pi_set_route(&pi, 0xf2, 0x12345678);
	memcpy(&ndst, bytes + 36, sizeof(ndst));
	CHECK(ndst == 0x12345678 && bytes[34] == 0xf2 && kvmlite_pi_on(&pi),
	      "NDST %#x after a move", ndst);
}

/*
 * With hardware posted-interrupt processing, level-triggered vectors
 * stay out of PIR (the processor could deliver them before their EOI
 * exit is set): they wait in level_pending, kick, and the drain merges
 * them with TMR set; edge vectors still post.
 */
static void test_level_unposted(void)
{
	struct model m;
	u64 bit = 1ull << (0x61 % 64);

	model_init(&m, 0, 0, 0, 0, NULL, HALT_CORRECT);
	m.apic.level_unposted = true;
	kvmlite_lapic_accept_irq(&m.apic, 0x61, true);
	CHECK(kvmlite_pi_highest(&m.pi) == -1 && !kvmlite_pi_on(&m.pi) &&
	      m.apic.level_pending[1] == bit && m.wakeups == 1,
	      "level 0x61: PIR %d, ON %d, pending %#llx, wake-ups %d",
	      kvmlite_pi_highest(&m.pi), kvmlite_pi_on(&m.pi),
	      (unsigned long long)m.apic.level_pending[1], m.wakeups);
	kvmlite_lapic_accept_irq(&m.apic, 0x41, false);
	CHECK(kvmlite_pi_highest(&m.pi) == 0x41 && m.notifies == 1,
	      "edge 0x41 is posted");
	CHECK(kvmlite_lapic_sync_pir(&m.apic) == 0x61 &&
	      !m.apic.level_pending[1] && kvmlite_lapic_highest_irr(&m.apic) == 0x61 &&
	      (m.apic.regs[(KVMLITE_APIC_TMR + 0x30) / 4] & (1u << 1)) &&
	      (m.apic.regs[(KVMLITE_APIC_IRR + 0x30) / 4] & (1u << 1)) &&
	      (m.apic.regs[(KVMLITE_APIC_IRR + 0x20) / 4] & (1u << 1)),
	      "the drain merges both into IRR, TMR set for 0x61");
	CHECK(kvmlite_lapic_wake_pending(&m.apic, 0, true), "0x61 wakes");
}

int main(void)
{
	static const unit_test_fn tests[] = {
		test_descriptor, test_route, test_level_unposted,
		test_os6829_sequence, test_exhaustive,
		test_random,
	};

	return unit_run(tests, ARRAY_SIZE(tests));
}
