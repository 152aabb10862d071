// SPDX-License-Identifier: GPL-2.0
/*
 * The wake-up rule (kmod/halt_check.h) over the module's own code: the
 * halt check (halt_check.c), the LAPIC model (lapic.c), the backends'
 * delivery (vmx/apic_delivery.c) and the descriptor (vmx/pi.c), all run
 * unchanged in cooperative threads (coop.h) that may interleave at every
 * atomic read-modify-write:
 *   1. the exact OS-6829 sequence: PPR 0x70, low vectors posted and left
 *      pending, the vCPU halts, the timer posts 0xd3 later;
 *   2. every interleaving (depth-first) of a halting vCPU, two posters
 *      and the LAPIC timer, over a table of vectors and priorities, with
 *      posting and with event injection;
 *   3. random interleavings over random configurations.
 * The invariant: when nothing can run any more, the vCPU is awake or no
 * vector above PPR is pending (in IRR or in PIR).  The same search over
 * two deliberately broken drains (bhyve's, which never clears ON, and
 * one that takes PIR before clearing ON) must find lost wake-ups: that is
 * how we know it can fail.  tools/testing/unit/mutate.sh breaks the
 * module's code itself and checks that these tests fail.
 *
 * The vCPU thread is run.c's halt loop: set the task state, take the
 * LAPIC lock, kvmlite_halt_check(), drop the lock, schedule(); with halt
 * polling, the same check a number of times first, the task running.  A poster
 * is a remote CPU's kvmlite_lapic_accept_irq() (lock-free: stronger than
 * the module, which holds the target's lock), notifying on NOTIFY as
 * vmx/posted.c does; the timer fires under the lock.
 */
#include <string.h>

#include "coop.h"
#include "unit.h"
#include "../../../kmod/halt_check.h"
#include "../../../kmod/lapic.h"
#include "../../../kmod/vmx/apic_delivery.h"

/* How vectors wait for the vCPU: the module's two ways, and two broken. */
enum variant {
	POSTED,			/* kvmlite_posted_sync_irr: the real drain */
	INJECTION,		/* kvmlite_injection_backend */
	BROKEN_NEVER_CLEAR,	/* bhyve: PIR taken, ON never cleared */
	BROKEN_TAKE_THEN_CLEAR,	/* PIR taken before ON is cleared */
};

#define MAX_POSTERS	2

struct model {
	struct kvmlite_lapic apic;
	struct kvmlite_pi_desc pi;
	struct kvmlite_posted_apic posted;
	enum variant variant;
	bool task_running;	/* task state: woken (TASK_RUNNING) */
	bool blocked, awake;	/* the vCPU sleeps in schedule(); runs */
	bool locked;		/* the LAPIC lock */
	bool lock_waiter[COOP_MAX_THREADS];
	int nposters;
	u8 vec[MAX_POSTERS];
	bool timer;		/* the timer is armed and will fire once */
	u64 now;
	int notifies, coalesced, wakeups;
};

static struct model M;
/* Halt checks the vCPU polls before its halt loop (run.c halt_poll). */
static int poll_checks;

static void model_wake(void)
{
	M.task_running = true;
	M.wakeups++;
	if (M.blocked)
		coop_wake(0);
}

static void lock(void)
{
	while (M.locked) {
		M.lock_waiter[coop_self()] = true;
		coop_block();
	}
	M.locked = true;
}

static void unlock(void)
{
	int t;

	M.locked = false;
	for (t = 0; t < COOP_MAX_THREADS; t++)
		if (M.lock_waiter[t]) {
			M.lock_waiter[t] = false;
			coop_wake(t);
		}
}

static u64 m_now(struct kvmlite_lapic *apic)
{
	(void)apic;
	return M.now;
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
	(void)apic;
	model_wake();
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

static const struct kvmlite_lapic_ops model_ops = {
	.now_ns = m_now, .timer_arm = m_arm, .timer_cancel = m_cancel,
	.kick = m_kick, .eoi_level = m_eoi, .send_ipi = m_ipi,
};

/* vmx/posted.c's posted_deliver, with the model's notification. */
static enum kvmlite_apic_delivery m_deliver(struct kvmlite_lapic *apic,
					    u8 vector, bool level)
{
	enum kvmlite_apic_delivery d;

	if (M.variant == INJECTION)
		return kvmlite_injection_backend.deliver(apic, vector, level);
	d = kvmlite_posted_deliver(&M.posted, apic, vector, level);
	if (d == KVMLITE_DELIVERY_PI_NOTIFY) {
		M.notifies++;
		unit_sched_point();	/* the notification is a step of its own */
		model_wake();
	} else if (d != KVMLITE_DELIVERY_LEVEL_HELD) {
		M.coalesced++;
	}
	return d;
}

static int m_sync_irr(struct kvmlite_lapic *apic)
{
	u64 taken[4];

	switch (M.variant) {
	case POSTED:
		return kvmlite_posted_sync_irr(&M.posted, apic);
	case INJECTION:
		return kvmlite_injection_backend.sync_irr(apic);
	case BROKEN_NEVER_CLEAR:
		kvmlite_pi_take_pir(&M.pi, taken);
		return kvmlite_lapic_merge_irr(apic, taken);
	case BROKEN_TAKE_THEN_CLEAR:
		kvmlite_pi_take_pir(&M.pi, taken);
		kvmlite_pi_clear_on(&M.pi);
		return kvmlite_lapic_merge_irr(apic, taken);
	}
	return -1;
}

static u8 m_rvi(struct kvmlite_lapic *apic)
{
	(void)apic;
	return 0;
}

static void m_eoi_exitmap(struct kvmlite_lapic *apic)
{
	(void)apic;
}

static const struct kvmlite_apic_backend model_backend = {
	.deliver = m_deliver, .sync_irr = m_sync_irr, .rvi = m_rvi,
	.update_eoi_exitmap = m_eoi_exitmap,
};

/*
 * A vCPU in x2APIC mode, in service at in_service (0: none, PPR 0), with
 * TPR tpr, the timer (one-shot, vector timer_vec) armed when timer_vec.
 */
static void model_init(u8 in_service, u8 tpr, u8 timer_vec, int nposters,
		       const u8 *vecs, enum variant v)
{
	int i;

	memset(&M, 0, sizeof(M));
	M.variant = v;
	M.posted.pi = &M.pi;
	kvmlite_lapic_init(&M.apic, 0, &model_ops, &model_backend, &M);
	kvmlite_lapic_set_x2apic(&M.apic, true);
	kvmlite_lapic_wrmsr(&M.apic, 0x80f, 0x1ff);	/* SVR: enabled */
	if (in_service) {
		kvmlite_lapic_accept_irq(&M.apic, in_service, false);
		kvmlite_lapic_sync_irr(&M.apic);
		kvmlite_lapic_ack(&M.apic);
	}
	kvmlite_lapic_wrmsr(&M.apic, 0x808, tpr);
	if (timer_vec) {
		kvmlite_lapic_wrmsr(&M.apic, 0x83e, 0xb);	/* divide by 1 */
		kvmlite_lapic_wrmsr(&M.apic, 0x832, timer_vec);
		kvmlite_lapic_wrmsr(&M.apic, 0x838, 1000);
		M.timer = true;
	}
	M.nposters = nposters;
	for (i = 0; i < nposters; i++)
		M.vec[i] = vecs[i];
	M.notifies = 0;
	M.coalesced = 0;
	M.wakeups = 0;
	M.task_running = true;
}

/* run.c's halt_wakes(): the check under the lock; true when it wakes. */
static bool halt_wakes(void)
{
	struct kvmlite_halt_check c = { .irq_allowed = true };
	enum kvmlite_wake_cause cause;

	lock();
	cause = kvmlite_halt_check(&M.apic, &c);
	unlock();
	if (cause != KVMLITE_WAKE_NONE)
		M.awake = true;
	return M.awake;
}

/* run.c's halt_poll() and vcpu_block(), step for step. */
static void vcpu_thread(void *arg)
{
	(void)arg;
	for (int i = 0; i < poll_checks; i++) {
		unit_sched_point();		/* cpu_relax() */
		if (halt_wakes())
			return;
	}
	for (;;) {
		unit_sched_point();		/* prepare_to_wait() */
		M.task_running = false;
		if (halt_wakes())
			return;
		unit_sched_point();		/* schedule() */
		if (!M.task_running) {
			M.blocked = true;
			coop_block();
			M.blocked = false;
		}
	}
}

static void poster_thread(void *arg)
{
	kvmlite_lapic_accept_irq(&M.apic, *(u8 *)arg, false);
}

static void timer_thread(void *arg)
{
	(void)arg;
	lock();
	M.now = M.apic.timer_expiry_ns;
	kvmlite_lapic_timer_fire(&M.apic);
	unlock();
}

/* Is a vector above PPR pending anywhere: IRR, PIR or held? */
static bool deliverable_pending(void)
{
	int hi = kvmlite_lapic_highest_irr(&M.apic), p = kvmlite_pi_highest(&M.pi);

	return kvmlite_lapic_beats_ppr(&M.apic, hi > p ? hi : p);
}

/* A final state: nothing can run.  The rule says the vCPU is not stuck. */
static bool final_ok(void)
{
	return M.awake || !deliverable_pending();
}

static void spawn_all(void)
{
	int i;

	coop_spawn(vcpu_thread, NULL);
	for (i = 0; i < M.nposters; i++)
		coop_spawn(poster_thread, &M.vec[i]);
	if (M.timer)
		coop_spawn(timer_thread, NULL);
}

struct search {
	long runs, violations, truncated;
};

/*
 * Every interleaving of one configuration (nposters posters, and the
 * timer when timer is a vector); a broken variant stops at its first
 * lost wake-up.
 */
static void explore(u8 isr, u8 tpr, u8 timer, int nposters, const u8 *vecs,
		    enum variant v, struct search *s)
{
	struct coop_path path;
	bool broken = v == BROKEN_NEVER_CLEAR || v == BROKEN_TAKE_THEN_CLEAR;

	memset(&path, 0, sizeof(path));
	do {
		model_init(isr, tpr, timer, nposters, vecs, v);
		spawn_all();
		coop_run(&path);
		s->runs++;
		s->truncated += path.truncated;
		if (!final_ok()) {
			s->violations++;
			if (broken)
				return;
		}
	} while (coop_next(&path));
}

/* ---- 1. OS-6829, step by step ---- */

/* The vCPU's halt check, once, outside any thread. */
static enum kvmlite_wake_cause halt_check_now(void)
{
	struct kvmlite_halt_check c = { .irq_allowed = true };

	M.task_running = false;
	return kvmlite_halt_check(&M.apic, &c);
}

static void test_os6829_sequence(void)
{
	static const u8 low[2] = { 0x60, 0x61 };

	/* PPR 0x70: the guest halts inside a class-7 handler. */
	model_init(0x70, 0, 0xd3, 2, low, POSTED);
	CHECK(kvmlite_lapic_ppr(&M.apic) == 0x70, "PPR %#x",
	      kvmlite_lapic_ppr(&M.apic));

	/* The NIC's vectors arrive; the first notifies, the second not. */
	kvmlite_lapic_accept_irq(&M.apic, 0x60, false);
	kvmlite_lapic_accept_irq(&M.apic, 0x61, false);
	CHECK(M.notifies == 1 && M.coalesced == 1,
	      "posts of 0x60, 0x61: %d notified, %d coalesced", M.notifies,
	      M.coalesced);

	/* The vCPU halts: 0x60 and 0x61 are below PPR, so it sleeps. */
	CHECK(halt_check_now() == KVMLITE_WAKE_NONE,
	      "the vCPU sleeps with only 0x60/0x61 pending");
	CHECK(!kvmlite_pi_on(&M.pi), "ON is clear while it sleeps");
	CHECK(kvmlite_lapic_highest_irr(&M.apic) == 0x61,
	      "0x61 waits in IRR (highest %#x)",
	      kvmlite_lapic_highest_irr(&M.apic));

	/* The timer fires 0xd3: it must notify, and the vCPU must wake. */
	M.now = M.apic.timer_expiry_ns;
	kvmlite_lapic_timer_fire(&M.apic);
	CHECK(M.notifies == 2 && M.task_running,
	      "the timer's post of 0xd3 notified and woke the vCPU");
	CHECK(halt_check_now() == KVMLITE_WAKE_IRQ, "the vCPU runs to take 0xd3");
	CHECK(kvmlite_lapic_ack(&M.apic) == 0xd3, "and 0xd3 is what it takes");

	/* bhyve's drain, same sequence: the 0xd3 post is coalesced. */
	model_init(0x70, 0, 0xd3, 2, low, BROKEN_NEVER_CLEAR);
	kvmlite_lapic_accept_irq(&M.apic, 0x60, false);
	kvmlite_lapic_accept_irq(&M.apic, 0x61, false);
	halt_check_now();
	M.now = M.apic.timer_expiry_ns;
	kvmlite_lapic_timer_fire(&M.apic);
	CHECK(!M.task_running && M.notifies == 0 && !final_ok(),
	      "bhyve's drain sleeps through 0xd3 (woken %d, notified %d)",
	      M.task_running, M.notifies);
}

/* ---- 2. Every interleaving ---- */

/* Below PPR 0x70's class (in two PIR words) and above it (in two). */
static const u8 vector_table[] = { 0x35, 0x60, 0x80, 0xd3 };

/*
 * Every pair of remote vectors at PPR 0x70 (by ISR), and every single one
 * racing a 0xd3 timer there (a vCPU and three threads are beyond a unit
 * test's time); then the same shapes, fewer vectors, at PPR 0x70 by TPR
 * and at PPR 0.  Returns total violations.
 */
static long explore_all(enum variant v, struct search *s)
{
	static const struct {
		u8 isr, tpr, first, last;	/* vector_table[first..last] */
	} setups[] = {
		{ 0x70, 0, 0, 3 }, { 0, 0x70, 1, 3 }, { 0, 0, 2, 3 },
	};
	size_t a, b, p;

	memset(s, 0, sizeof(*s));
	for (p = 0; p < ARRAY_SIZE(setups); p++) {
		for (a = setups[p].first; a <= setups[p].last; a++) {
			u8 vecs[2] = { vector_table[a] };

			explore(setups[p].isr, setups[p].tpr, 0xd3, 1, vecs, v,
				s);
			for (b = a; b <= setups[p].last; b++) {
				vecs[1] = vector_table[b];
				explore(setups[p].isr, setups[p].tpr, 0, 2, vecs,
					v, s);
			}
		}
	}
	return s->violations;
}

static void test_exhaustive(void)
{
	struct search s;
	long bad;

	bad = explore_all(POSTED, &s);
	CHECK(bad == 0 && !s.truncated,
	      "posting: %ld interleavings, %ld lost wake-ups, %ld cut short",
	      s.runs, bad, s.truncated);
	CHECK(s.runs > 100000, "the search ran %ld interleavings", s.runs);
	bad = explore_all(INJECTION, &s);
	CHECK(bad == 0 && !s.truncated,
	      "event injection: %ld interleavings, %ld lost wake-ups",
	      s.runs, bad);
	/* The OS-6829 shape (PPR 0x70, a remote vector, the timer), polled. */
	memset(&s, 0, sizeof(s));
	poll_checks = 1;
	for (size_t i = 0; i < ARRAY_SIZE(vector_table); i++)
		explore(0x70, 0, 0xd3, 1, &vector_table[i], POSTED, &s);
	poll_checks = 0;
	CHECK(s.violations == 0 && !s.truncated && s.runs > 1000,
	      "posting, one halt poll first: %ld interleavings, %ld lost wake-ups",
	      s.runs, s.violations);
	bad = explore_all(BROKEN_NEVER_CLEAR, &s);
	CHECK(bad > 0, "bhyve's drain (ON never cleared): %ld lost wake-ups found",
	      bad);
	bad = explore_all(BROKEN_TAKE_THEN_CLEAR, &s);
	CHECK(bad > 0, "PIR taken before ON cleared: %ld lost wake-ups found",
	      bad);
}

/* ---- 3. Random interleavings ---- */

static u64 rng_state = 0x9e3779b97f4a7c15ULL;

static unsigned long long rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

#define RANDOM_RUNS	60000L

static long random_runs(enum variant v, long runs)
{
	struct coop_path path;
	long r, bad = 0;

	memset(&path, 0, sizeof(path));
	path.random = rng;
	for (r = 0; r < runs; r++) {
		u8 vecs[MAX_POSTERS];
		int i, np = 1 + (int)(rng() % MAX_POSTERS);
		u8 isr = (rng() & 1) ? (u8)(0x20 + rng() % 0xe0) : 0;
		u8 timer = (rng() % 3) ? (u8)(0x20 + rng() % 0xe0) : 0;

		for (i = 0; i < np; i++)
			vecs[i] = (u8)(0x20 + rng() % 0xe0);
		model_init(isr, (u8)(rng() % 0x100) & 0xf0, timer, np, vecs, v);
		poll_checks = (int)(rng() % 3);
		spawn_all();
		coop_run(&path);
		bad += !final_ok();
	}
	poll_checks = 0;
	return bad;
}

static void test_random(void)
{
	long bad = random_runs(POSTED, RANDOM_RUNS);

	CHECK(bad == 0, "%ld random interleavings (0-2 halt polls): %ld lost wake-ups",
	      RANDOM_RUNS, bad);
	bad = random_runs(INJECTION, RANDOM_RUNS / 4);
	CHECK(bad == 0, "event injection, %ld random: %ld lost wake-ups",
	      RANDOM_RUNS / 4, bad);
	bad = random_runs(BROKEN_NEVER_CLEAR, RANDOM_RUNS / 4);
	CHECK(bad > 0, "bhyve's drain: %ld of %ld random runs lost a wake-up",
	      bad, RANDOM_RUNS / 4);
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
	u64 bit = 1ull << (0x61 % 64);
	struct kvmlite_halt_check c = { .irq_allowed = true };

	model_init(0, 0, 0, 0, NULL, POSTED);
	M.wakeups = 0;
	M.posted.level_unposted = true;
	kvmlite_lapic_accept_irq(&M.apic, 0x61, true);
	CHECK(kvmlite_pi_highest(&M.pi) == -1 && !kvmlite_pi_on(&M.pi) &&
	      M.posted.level_pending[1] == bit && M.wakeups == 1,
	      "level 0x61: PIR %d, ON %d, pending %#llx, wake-ups %d",
	      kvmlite_pi_highest(&M.pi), kvmlite_pi_on(&M.pi),
	      (unsigned long long)M.posted.level_pending[1], M.wakeups);
	kvmlite_lapic_accept_irq(&M.apic, 0x41, false);
	CHECK(kvmlite_pi_highest(&M.pi) == 0x41 && M.notifies == 1,
	      "edge 0x41 is posted");
	CHECK(kvmlite_halt_check(&M.apic, &c) == KVMLITE_WAKE_IRQ &&
	      c.drained == 0x61 && c.highest == 0x61 &&
	      !M.posted.level_pending[1] &&
	      (M.apic.regs[(KVMLITE_APIC_TMR + 0x30) / 4] & (1u << 1)) &&
	      (M.apic.regs[(KVMLITE_APIC_IRR + 0x30) / 4] & (1u << 1)) &&
	      (M.apic.regs[(KVMLITE_APIC_IRR + 0x20) / 4] & (1u << 1)),
	      "the halt check merges both into IRR, TMR set for 0x61, and wakes");
}

/* NMI and ExtINT: the halt check's other causes, with and without IF. */
static void test_halt_causes(void)
{
	struct kvmlite_halt_check c;

	model_init(0, 0, 0, 0, NULL, POSTED);
	memset(&c, 0, sizeof(c));
	c.nmi_pending = true;
	CHECK(kvmlite_halt_check(&M.apic, &c) == KVMLITE_WAKE_NMI,
	      "an NMI wakes with IF clear");
	c.nmi_pending = false;
	c.extint_pending = true;
	CHECK(kvmlite_halt_check(&M.apic, &c) == KVMLITE_WAKE_NONE,
	      "ExtINT with IF clear: sleep");
	c.irq_allowed = true;
	CHECK(kvmlite_halt_check(&M.apic, &c) == KVMLITE_WAKE_EXTINT,
	      "ExtINT with IF set wakes");
	kvmlite_lapic_accept_irq(&M.apic, 0x31, false);
	c.extint_pending = false;
	c.irq_allowed = false;
	CHECK(kvmlite_halt_check(&M.apic, &c) == KVMLITE_WAKE_NONE &&
	      c.drained == 0x31 && !kvmlite_pi_on(&M.pi),
	      "IF clear: sleep, but the drain ran (drained %d)", c.drained);
}

int main(void)
{
	static const unit_test_fn tests[] = {
		test_descriptor, test_route, test_level_unposted,
		test_halt_causes, test_os6829_sequence, test_exhaustive,
		test_random,
	};

	return unit_run(tests, ARRAY_SIZE(tests));
}
