// SPDX-License-Identifier: GPL-2.0
/*
 * Virtual local APIC: registers, acceptance and priority, EOI, the timer
 * and destination matching, as pure logic (see lapic.h for why).
 *
 * The state lives in the architectural register page itself, so that
 * KVM_GET/SET_LAPIC are a copy plus the few registers that are computed
 * on read (PPR, APR, current count).
 */
#include <linux/types.h>
#include <linux/bits.h>
#include <linux/bitops.h>
#include <linux/errno.h>
#include <linux/string.h>
#include "lapic.h"

/* Writable bits of each register; the rest are reserved or read-only. */
#define TPR_MASK	0xffu
#define SVR_MASK	0x1ffu		/* vector, software enable */
#define XAPIC_ID_MASK	0xff000000u
#define LDR_MASK	0xff000000u
#define DFR_RSVD	0x0fffffffu	/* reads as ones */
#define TDCR_MASK	0xbu
#define ICR_MASK	0x000ccfffu	/* without delivery status */
#define LVTT_MASK	0x000700ffu	/* vector, mask, mode 18:17 */
#define LVT_DM_MASK	0x000107ffu	/* thermal, perf: vector, mode, mask */
#define LVT_LINT_MASK	0x0001a7ffu	/* + polarity 13, trigger 15 */
#define LVTERR_MASK	0x000100ffu
/*
 * Status bits of the LVTs: read-only, not reserved (SDM Figure 10-8), so
 * an x2APIC WRMSR that sets them is no #GP; they are ignored, as on the
 * CPU and in KVM.  Linux's disconnect_bsp_APIC() writes both to LINT0.
 */
#define LVT_DELIVERY_STATUS	BIT(12)
#define LVT_REMOTE_IRR		BIT(14)	/* LINT0 and LINT1 only */

#define LVT_COUNT	6

static u32 reg(const struct kvmlite_lapic *apic, u32 off)
{
	return apic->regs[off >> 2];
}

static void set_reg(struct kvmlite_lapic *apic, u32 off, u32 val)
{
	apic->regs[off >> 2] = val;
}

/* IRR, ISR and TMR: 256 bits, 32 in each 16-byte register. */
static bool vec_test(const struct kvmlite_lapic *apic, u32 base, u8 vec)
{
	return reg(apic, base + (vec >> 5) * 16) & BIT(vec & 31);
}

static void vec_set(struct kvmlite_lapic *apic, u32 base, u8 vec)
{
	apic->regs[(base + (vec >> 5) * 16) >> 2] |= BIT(vec & 31);
}

static void vec_clear(struct kvmlite_lapic *apic, u32 base, u8 vec)
{
	apic->regs[(base + (vec >> 5) * 16) >> 2] &= ~BIT(vec & 31);
}

static int vec_highest(const struct kvmlite_lapic *apic, u32 base)
{
	int i;

	for (i = 7; i >= 0; i--) {
		u32 w = reg(apic, base + i * 16);

		if (w)
			return i * 32 + 31 - __builtin_clz(w);
	}
	return -1;
}

static bool sw_enabled(const struct kvmlite_lapic *apic)
{
	return reg(apic, KVMLITE_APIC_SVR) & KVMLITE_APIC_SVR_ENABLE;
}

static u32 x2apic_ldr(u32 id)
{
	return ((id >> 4) << 16) | BIT(id & 0xf);
}

static unsigned int timer_mode(const struct kvmlite_lapic *apic)
{
	return (reg(apic, KVMLITE_APIC_LVTT) >> KVMLITE_APIC_LVTT_MODE_SHIFT) & 3;
}

/* SDM: PPR is TPR unless the highest in-service class is above it. */
u32 kvmlite_lapic_ppr(const struct kvmlite_lapic *apic)
{
	u32 tpr = reg(apic, KVMLITE_APIC_TPR) & TPR_MASK;
	int isrv = vec_highest(apic, KVMLITE_APIC_ISR);
	u32 isr_class = isrv < 0 ? 0 : (u32)isrv & 0xf0;

	return (tpr & 0xf0) >= isr_class ? tpr : isr_class;
}

/* SDM: APR, the priority this APIC arbitrates with. */
static u32 lapic_apr(const struct kvmlite_lapic *apic)
{
	u32 tpr = reg(apic, KVMLITE_APIC_TPR) & TPR_MASK;
	int isrv = vec_highest(apic, KVMLITE_APIC_ISR);
	int irrv = vec_highest(apic, KVMLITE_APIC_IRR);
	u32 isr_class = isrv < 0 ? 0 : (u32)isrv & 0xf0;
	u32 irr_class = irrv < 0 ? 0 : (u32)irrv & 0xf0;
	u32 apr = tpr & 0xf0;

	if ((tpr & 0xf0) >= irr_class && (tpr & 0xf0) > isr_class)
		return tpr;
	if (isr_class > apr)
		apr = isr_class;
	if (irr_class > apr)
		apr = irr_class;
	return apr;
}

int kvmlite_lapic_highest_irr(const struct kvmlite_lapic *apic)
{
	return vec_highest(apic, KVMLITE_APIC_IRR);
}

int kvmlite_lapic_highest_isr(const struct kvmlite_lapic *apic)
{
	return vec_highest(apic, KVMLITE_APIC_ISR);
}

/* The vector the CPU would take now, or -1: its class must beat PPR's. */
int kvmlite_lapic_pending_vector(const struct kvmlite_lapic *apic)
{
	int irrv = vec_highest(apic, KVMLITE_APIC_IRR);

	if (irrv < 0 || ((u32)irrv & 0xf0) <= (kvmlite_lapic_ppr(apic) & 0xf0))
		return -1;
	return irrv;
}

bool kvmlite_lapic_beats_ppr(const struct kvmlite_lapic *apic, int vector)
{
	return vector >= 0 &&
	       ((u32)vector & 0xf0) > (kvmlite_lapic_ppr(apic) & 0xf0);
}

/* For a backend that keeps its vectors in IRR itself. */
void kvmlite_lapic_set_irr(struct kvmlite_lapic *apic, u8 vector)
{
	vec_set(apic, KVMLITE_APIC_IRR, vector);
}

/*
 * Set TMR (level) or clear it (edge), then hand the vector to the
 * backend, which puts it where the vCPU will find it and tells the vCPU
 * (see struct kvmlite_apic_backend).
 */
static void set_irr(struct kvmlite_lapic *apic, u8 vec, bool level)
{
	if (vec_test(apic, KVMLITE_APIC_TMR, vec) != level) {
		if (level)
			vec_set(apic, KVMLITE_APIC_TMR, vec);
		else
			vec_clear(apic, KVMLITE_APIC_TMR, vec);
		apic->backend->update_eoi_exitmap(apic);
	}
	apic->backend->deliver(apic, vec, level);
}

/*
 * Record an error for the next ESR write and raise the error LVT.  An
 * illegal vector in the error LVT itself only records "received illegal
 * vector", so this cannot recurse.
 */
static void lapic_error(struct kvmlite_lapic *apic, u32 bits)
{
	u32 lvt = reg(apic, KVMLITE_APIC_LVTERR);
	u8 vec = lvt & KVMLITE_APIC_LVT_VECTOR;

	apic->esr_pending |= bits;
	if (lvt & KVMLITE_APIC_LVT_MASKED)
		return;
	if (vec < 16)
		apic->esr_pending |= KVMLITE_APIC_ESR_RECV_ILLEGAL;
	else
		set_irr(apic, vec, false);
}

/*
 * Accept a fixed or lowest-priority interrupt (IPI, MSI) into IRR.  A
 * software-disabled APIC takes none; vectors 0-15 are refused and
 * flagged in ESR.  Returns whether it was accepted.
 */
bool kvmlite_lapic_accept_irq(struct kvmlite_lapic *apic, int vector,
			      bool level)
{
	if (!sw_enabled(apic))
		return false;
	if (vector < 16 || vector > 255) {
		lapic_error(apic, KVMLITE_APIC_ESR_RECV_ILLEGAL);
		return false;
	}
	set_irr(apic, vector, level);
	return true;
}

/* Interrupt acknowledge: the vector moves from IRR to ISR; -1 if none. */
int kvmlite_lapic_ack(struct kvmlite_lapic *apic)
{
	int vec = kvmlite_lapic_pending_vector(apic);

	if (vec < 0)
		return -1;
	vec_clear(apic, KVMLITE_APIC_IRR, vec);
	vec_set(apic, KVMLITE_APIC_ISR, vec);
	return vec;
}

/* EOI retires the highest in-service vector; returns it, or -1. */
int kvmlite_lapic_eoi(struct kvmlite_lapic *apic)
{
	int vec = vec_highest(apic, KVMLITE_APIC_ISR);

	if (vec < 0)
		return -1;
	vec_clear(apic, KVMLITE_APIC_ISR, vec);
	if (vec_test(apic, KVMLITE_APIC_TMR, vec))
		apic->ops->eoi_level(apic, vec);
	return vec;
}

/* What the backend holds outside IRR goes into it; highest, or -1. */
int kvmlite_lapic_sync_irr(struct kvmlite_lapic *apic)
{
	return apic->backend->sync_irr(apic);
}

/* OR vectors (bit v of vectors[v / 64]) into IRR; highest, or -1. */
int kvmlite_lapic_merge_irr(struct kvmlite_lapic *apic, const u64 vectors[4])
{
	int w, highest = -1;

	for (w = 0; w < 4; w++) {
		u32 irr = KVMLITE_APIC_IRR + (u32)w * 0x20;

		if (!vectors[w])
			continue;
		set_reg(apic, irr, reg(apic, irr) | (u32)vectors[w]);
		set_reg(apic, irr + 0x10,
			reg(apic, irr + 0x10) | (u32)(vectors[w] >> 32));
		highest = w * 64 + (int)__fls(vectors[w]);
	}
	return highest;
}

/* TMR as four 64-bit words (bit v of tmr[v / 64]), for the EOI-exit bitmap. */
void kvmlite_lapic_tmr(const struct kvmlite_lapic *apic, u64 tmr[4])
{
	int w;

	for (w = 0; w < 4; w++)
		tmr[w] = reg(apic, KVMLITE_APIC_TMR + (u32)w * 0x20) |
			 (u64)reg(apic, KVMLITE_APIC_TMR + (u32)w * 0x20 + 0x10) << 32;
}

/* ---- Timer ---- */

/* TDCR bits 3,1:0: 000 -> 2, 001 -> 4, ..., 110 -> 128, 111 -> 1. */
u32 kvmlite_lapic_timer_divisor(u32 tdcr)
{
	u32 v = ((tdcr >> 1) & 4) | (tdcr & 3);

	return v == 7 ? 1 : 2u << v;
}

static u64 tick_ns(const struct kvmlite_lapic *apic)
{
	return (u64)kvmlite_lapic_timer_divisor(reg(apic, KVMLITE_APIC_TDCR)) *
	       KVMLITE_APIC_BUS_NS_PER_TICK;
}

static void timer_disarm(struct kvmlite_lapic *apic)
{
	if (apic->timer_armed)
		apic->ops->timer_cancel(apic);
	apic->timer_armed = false;
	apic->timer_expiry_ns = 0;
	apic->timer_period_ns = 0;
}

/*
 * Count down 'count' ticks from now (one-shot or periodic modes).  The
 * period is kept in one-shot mode too: a switch to periodic mode while
 * the count runs makes it reload (KVM's behaviour).
 */
static void timer_start(struct kvmlite_lapic *apic, u32 count)
{
	u64 tick = tick_ns(apic);

	timer_disarm(apic);
	if (!count)
		return;
	apic->timer_expiry_ns = apic->ops->now_ns(apic) + count * tick;
	apic->timer_period_ns = reg(apic, KVMLITE_APIC_TMICT) * tick;
	apic->timer_armed = true;
	apic->ops->timer_arm(apic, apic->timer_expiry_ns);
}

/* Periodic mode, started from a non-zero count: the count reloads. */
static bool timer_reloads(const struct kvmlite_lapic *apic)
{
	return timer_mode(apic) == KVMLITE_APIC_LVTT_PERIODIC &&
	       apic->timer_period_ns;
}

/* Current count: ticks left, rounded up (it reads TMICT right at load). */
static u32 timer_current(struct kvmlite_lapic *apic)
{
	u64 now, left, tick = tick_ns(apic);

	if (!apic->timer_armed || timer_mode(apic) ==
	    KVMLITE_APIC_LVTT_TSCDEADLINE)
		return 0;
	now = apic->ops->now_ns(apic);
	if (now < apic->timer_expiry_ns) {
		left = apic->timer_expiry_ns - now;
	} else if (timer_reloads(apic)) {
		/* Expired but not yet fired: the count has reloaded. */
		left = apic->timer_period_ns -
		       (now - apic->timer_expiry_ns) % apic->timer_period_ns;
	} else {
		return 0;
	}
	return (left + tick - 1) / tick;
}

static void lvtt_deliver(struct kvmlite_lapic *apic)
{
	u32 lvt = reg(apic, KVMLITE_APIC_LVTT);
	u8 vec = lvt & KVMLITE_APIC_LVT_VECTOR;

	if (lvt & KVMLITE_APIC_LVT_MASKED)
		return;
	if (vec < 16)
		lapic_error(apic, KVMLITE_APIC_ESR_RECV_ILLEGAL);
	else
		set_irr(apic, vec, false);
}

/*
 * The caller's timer expired.  A stale or early call re-arms for the real
 * expiry; periodic mode reloads from the previous expiry (no drift) and
 * skips the periods it missed, which coalesce in IRR anyway.
 */
void kvmlite_lapic_timer_fire(struct kvmlite_lapic *apic)
{
	u64 now, missed;

	if (!apic->timer_armed)
		return;
	now = apic->ops->now_ns(apic);
	if (now < apic->timer_expiry_ns) {
		apic->ops->timer_arm(apic, apic->timer_expiry_ns);
		return;
	}
	lvtt_deliver(apic);
	if (timer_reloads(apic)) {
		/* A guest's tiny period must not become a host timer storm. */
		u64 period = apic->timer_period_ns < apic->min_period_ns ?
			     apic->min_period_ns : apic->timer_period_ns;

		missed = (now - apic->timer_expiry_ns) / period;
		apic->timer_expiry_ns += (missed + 1) * period;
		apic->ops->timer_arm(apic, apic->timer_expiry_ns);
		return;
	}
	/* One-shot stops at 0; TSC-deadline disarms and clears the MSR. */
	apic->timer_armed = false;
	if (timer_mode(apic) == KVMLITE_APIC_LVTT_TSCDEADLINE)
		apic->tsc_deadline = 0;
}

u64 kvmlite_lapic_get_tsc_deadline(struct kvmlite_lapic *apic)
{
	if (timer_mode(apic) != KVMLITE_APIC_LVTT_TSCDEADLINE)
		return 0;
	return apic->tsc_deadline;
}

/*
 * IA32_TSC_DEADLINE write; the caller converts the guest TSC value to a
 * host expiry.  Outside TSC-deadline mode writes are ignored; 0 disarms.
 */
void kvmlite_lapic_set_tsc_deadline(struct kvmlite_lapic *apic, u64 tsc,
				    u64 expiry_ns)
{
	if (timer_mode(apic) != KVMLITE_APIC_LVTT_TSCDEADLINE)
		return;
	timer_disarm(apic);
	apic->tsc_deadline = tsc;
	if (!tsc)
		return;
	apic->timer_expiry_ns = expiry_ns;
	apic->timer_armed = true;
	apic->ops->timer_arm(apic, expiry_ns);
}

static void write_tmict(struct kvmlite_lapic *apic, u32 val)
{
	/* TSC-deadline mode ignores the initial count. */
	if (timer_mode(apic) == KVMLITE_APIC_LVTT_TSCDEADLINE)
		return;
	set_reg(apic, KVMLITE_APIC_TMICT, val);
	timer_start(apic, val);
}

/* A new divider applies to the ticks still left, from now on. */
static void write_tdcr(struct kvmlite_lapic *apic, u32 val)
{
	u32 left = timer_current(apic);

	set_reg(apic, KVMLITE_APIC_TDCR, val & TDCR_MASK);
	if (left)
		timer_start(apic, left);
}

/* ---- Registers ---- */

static const u32 lvt_mask[LVT_COUNT] = {
	LVTT_MASK, LVT_DM_MASK, LVT_DM_MASK, LVT_LINT_MASK, LVT_LINT_MASK,
	LVTERR_MASK,
};

static void mask_all_lvts(struct kvmlite_lapic *apic)
{
	u32 off;

	for (off = KVMLITE_APIC_LVTT; off <= KVMLITE_APIC_LVTERR; off += 16)
		apic->regs[off >> 2] |= KVMLITE_APIC_LVT_MASKED;
}

static int write_lvt(struct kvmlite_lapic *apic, u32 off, u32 val, bool x2)
{
	u32 mask = lvt_mask[(off - KVMLITE_APIC_LVTT) >> 4];
	u32 status = LVT_DELIVERY_STATUS |
		     (mask == LVT_LINT_MASK ? LVT_REMOTE_IRR : 0);
	bool to_deadline, from_deadline;
	unsigned int mode;

	if (x2 && (val & ~(mask | status)))
		return -EINVAL;
	val &= mask;
	if (!sw_enabled(apic))
		val |= KVMLITE_APIC_LVT_MASKED;
	if (off != KVMLITE_APIC_LVTT) {
		set_reg(apic, off, val);
		return 0;
	}
	mode = (val >> KVMLITE_APIC_LVTT_MODE_SHIFT) & 3;
	if (mode == 3)		/* reserved mode */
		return x2 ? -EINVAL : 0;
	to_deadline = mode == KVMLITE_APIC_LVTT_TSCDEADLINE;
	from_deadline = timer_mode(apic) == KVMLITE_APIC_LVTT_TSCDEADLINE;
	if (to_deadline != from_deadline) {
		/*
		 * Into or out of TSC-deadline mode disarms (SDM "TSC-Deadline
		 * Mode").  Between one-shot and periodic KVM keeps the count
		 * running, in the new mode, and so does this model.
		 */
		timer_disarm(apic);
		set_reg(apic, KVMLITE_APIC_TMICT, 0);
		apic->tsc_deadline = 0;
	}
	set_reg(apic, off, val);
	return 0;
}

static void write_svr(struct kvmlite_lapic *apic, u32 val)
{
	set_reg(apic, KVMLITE_APIC_SVR, val & SVR_MASK);
	/* Software disable masks every LVT (SDM "Spurious-Interrupt Vector"). */
	if (!(val & KVMLITE_APIC_SVR_ENABLE))
		mask_all_lvts(apic);
}

static void send_ipi(struct kvmlite_lapic *apic, u32 low, u32 dest)
{
	u32 dm = (low & KVMLITE_APIC_ICR_DM_MASK) >> KVMLITE_APIC_ICR_DM_SHIFT;

	if ((dm == KVMLITE_APIC_DM_FIXED || dm == KVMLITE_APIC_DM_LOWEST) &&
	    (low & 0xff) < 16) {
		lapic_error(apic, KVMLITE_APIC_ESR_SEND_ILLEGAL);
		return;
	}
	apic->ops->send_ipi(apic, low, dest);
}

static void self_ipi(struct kvmlite_lapic *apic, u8 vec)
{
	if (vec < 16) {
		lapic_error(apic, KVMLITE_APIC_ESR_SEND_ILLEGAL |
			    KVMLITE_APIC_ESR_RECV_ILLEGAL);
		return;
	}
	if (sw_enabled(apic))
		set_irr(apic, vec, false);
}

static bool in_vec_regs(u32 off)
{
	return off >= KVMLITE_APIC_ISR && off < KVMLITE_APIC_ESR;
}

/* One register, 16-byte aligned offset; x2 selects the x2APIC rules. */
static int reg_read(struct kvmlite_lapic *apic, u32 off, bool x2, u32 *val)
{
	switch (off) {
	case KVMLITE_APIC_ID:
		*val = x2 ? apic->vcpu_id : reg(apic, off);
		return 0;
	case KVMLITE_APIC_LVR:
		*val = KVMLITE_APIC_VERSION;
		return 0;
	case KVMLITE_APIC_PPR:
		*val = kvmlite_lapic_ppr(apic);
		return 0;
	case KVMLITE_APIC_APR:
		if (x2)
			return -EINVAL;
		*val = lapic_apr(apic);
		return 0;
	case KVMLITE_APIC_EOI:
	case KVMLITE_APIC_RRD:
		/* Write-only in x2APIC; RRD is not implemented (reads 0). */
		if (x2)
			return -EINVAL;
		*val = 0;
		return 0;
	case KVMLITE_APIC_DFR:
	case KVMLITE_APIC_ICR2:
		if (x2)
			return -EINVAL;
		*val = reg(apic, off);
		return 0;
	case KVMLITE_APIC_TMCCT:
		*val = timer_current(apic);
		return 0;
	case KVMLITE_APIC_TPR:
	case KVMLITE_APIC_LDR:
	case KVMLITE_APIC_SVR:
	case KVMLITE_APIC_ESR:
	case KVMLITE_APIC_ICR:
	case KVMLITE_APIC_LVTT ... KVMLITE_APIC_LVTERR:
	case KVMLITE_APIC_TMICT:
	case KVMLITE_APIC_TDCR:
		*val = reg(apic, off);
		return 0;
	}
	if (in_vec_regs(off)) {
		*val = reg(apic, off);
		return 0;
	}
	return -EINVAL;		/* reserved, or SELF IPI (write-only) */
}

static int reg_write(struct kvmlite_lapic *apic, u32 off, u32 val, bool x2)
{
	switch (off) {
	case KVMLITE_APIC_ID:
		/* xAPIC ID is writable; the x2APIC ID is read-only. */
		if (x2)
			return -EINVAL;
		set_reg(apic, off, val & XAPIC_ID_MASK);
		return 0;
	case KVMLITE_APIC_LVR:
	case KVMLITE_APIC_PPR:
	case KVMLITE_APIC_TMCCT:
	case KVMLITE_APIC_APR:
	case KVMLITE_APIC_RRD:
		return x2 ? -EINVAL : 0;
	case KVMLITE_APIC_TPR:
		if (x2 && (val & ~TPR_MASK))
			return -EINVAL;
		set_reg(apic, off, val & TPR_MASK);
		return 0;
	case KVMLITE_APIC_EOI:
		if (x2 && val)
			return -EINVAL;
		kvmlite_lapic_eoi(apic);
		return 0;
	case KVMLITE_APIC_LDR:
		if (x2)
			return -EINVAL;
		set_reg(apic, off, val & LDR_MASK);
		return 0;
	case KVMLITE_APIC_DFR:
		if (x2)
			return -EINVAL;
		set_reg(apic, off, val | DFR_RSVD);
		return 0;
	case KVMLITE_APIC_SVR:
		if (x2 && (val & ~SVR_MASK))
			return -EINVAL;
		write_svr(apic, val);
		return 0;
	case KVMLITE_APIC_ESR:
		/* A write latches the errors seen since the previous one. */
		if (x2 && val)
			return -EINVAL;
		set_reg(apic, off, apic->esr_pending);
		apic->esr_pending = 0;
		return 0;
	case KVMLITE_APIC_ICR:
		/* xAPIC only: x2APIC's 64-bit ICR is handled in wrmsr. */
		set_reg(apic, off, val & ICR_MASK);
		send_ipi(apic, val & ICR_MASK, reg(apic, KVMLITE_APIC_ICR2) >> 24);
		return 0;
	case KVMLITE_APIC_ICR2:
		if (x2)
			return -EINVAL;
		set_reg(apic, off, val & XAPIC_ID_MASK);
		return 0;
	case KVMLITE_APIC_LVTT ... KVMLITE_APIC_LVTERR:
		return write_lvt(apic, off, val, x2);
	case KVMLITE_APIC_TMICT:
		write_tmict(apic, val);
		return 0;
	case KVMLITE_APIC_TDCR:
		if (x2 && (val & ~TDCR_MASK))
			return -EINVAL;
		write_tdcr(apic, val);
		return 0;
	case KVMLITE_APIC_SELF_IPI:
		if (!x2)
			return -EINVAL;
		if (val & ~0xffu)
			return -EINVAL;
		self_ipi(apic, val);
		return 0;
	}
	if (in_vec_regs(off))
		return x2 ? -EINVAL : 0;
	return -EINVAL;
}

/*
 * xAPIC MMIO, 32-bit accesses at offset (0..0xfff) into the APIC page.
 * -EINVAL: not the xAPIC's to answer (x2APIC mode, or a misaligned
 * access), and the caller decides.  Unimplemented registers read 0 and
 * set ESR "illegal register address"; bytes 4-15 of each register read 0.
 */
int kvmlite_lapic_mmio_read(struct kvmlite_lapic *apic, u32 offset, u32 *val)
{
	if (apic->x2apic || offset >= 0x1000 || (offset & 3))
		return -EINVAL;
	*val = 0;
	if (offset & 0xc)
		return 0;
	if (offset >= KVMLITE_APIC_PAGE_SIZE ||
	    reg_read(apic, offset, false, val)) {
		*val = 0;
		lapic_error(apic, KVMLITE_APIC_ESR_ILLEGAL_REG);
	}
	return 0;
}

int kvmlite_lapic_mmio_write(struct kvmlite_lapic *apic, u32 offset, u32 val)
{
	if (apic->x2apic || offset >= 0x1000 || (offset & 3))
		return -EINVAL;
	if (offset & 0xc)
		return 0;
	if (offset >= KVMLITE_APIC_PAGE_SIZE ||
	    reg_write(apic, offset, val, false))
		lapic_error(apic, KVMLITE_APIC_ESR_ILLEGAL_REG);
	return 0;
}

/*
 * A write the processor has already stored in the page (APICv's trap-like
 * APIC-write exit): put back old, the model's value before it, then write
 * through the model, which needs the old value (timer mode, divider) and
 * may not keep the new one (ESR, TMICT in TSC-deadline mode, masks).
 * Returns the value the guest wrote.
 */
u32 kvmlite_lapic_trapped_write(struct kvmlite_lapic *apic, u32 offset, u32 old)
{
	u32 val;

	if (offset >= KVMLITE_APIC_PAGE_SIZE || (offset & 0xf))
		return 0;
	val = reg(apic, offset);
	set_reg(apic, offset, old);
	kvmlite_lapic_mmio_write(apic, offset, val);
	return val;
}

/* x2APIC MSRs 0x800-0x8ff; -EINVAL means #GP. */
int kvmlite_lapic_rdmsr(struct kvmlite_lapic *apic, u32 msr, u64 *val)
{
	u32 off, lo;
	int ret;

	if (!apic->x2apic || msr < KVMLITE_X2APIC_MSR_BASE ||
	    msr > KVMLITE_X2APIC_MSR_LAST)
		return -EINVAL;
	off = (msr - KVMLITE_X2APIC_MSR_BASE) << 4;
	ret = reg_read(apic, off, true, &lo);
	if (ret)
		return ret;
	*val = lo;
	if (off == KVMLITE_APIC_ICR)
		*val |= (u64)reg(apic, KVMLITE_APIC_ICR2) << 32;
	return 0;
}

int kvmlite_lapic_wrmsr(struct kvmlite_lapic *apic, u32 msr, u64 val)
{
	u32 off, lo = (u32)val;

	if (!apic->x2apic || msr < KVMLITE_X2APIC_MSR_BASE ||
	    msr > KVMLITE_X2APIC_MSR_LAST)
		return -EINVAL;
	off = (msr - KVMLITE_X2APIC_MSR_BASE) << 4;
	if (off == KVMLITE_APIC_ICR) {
		/* One write: destination in 63:32; bit 12 is reserved here. */
		if (lo & ~ICR_MASK)
			return -EINVAL;
		set_reg(apic, KVMLITE_APIC_ICR, lo);
		set_reg(apic, KVMLITE_APIC_ICR2, val >> 32);
		send_ipi(apic, lo, val >> 32);
		return 0;
	}
	if (val >> 32)
		return -EINVAL;
	return reg_write(apic, off, lo, true);
}

u8 kvmlite_lapic_get_cr8(struct kvmlite_lapic *apic)
{
	return (reg(apic, KVMLITE_APIC_TPR) >> 4) & 0xf;
}

void kvmlite_lapic_set_cr8(struct kvmlite_lapic *apic, u8 cr8)
{
	set_reg(apic, KVMLITE_APIC_TPR, (cr8 & 0xf) << 4);
}

/* ---- Life cycle and modes ---- */

void kvmlite_lapic_init(struct kvmlite_lapic *apic, u32 vcpu_id,
			const struct kvmlite_lapic_ops *ops,
			const struct kvmlite_apic_backend *backend, void *owner)
{
	memset(apic, 0, sizeof(*apic));
	apic->vcpu_id = vcpu_id;
	apic->ops = ops;
	apic->backend = backend;
	apic->owner = owner;
	kvmlite_lapic_reset(apic, false);
}

/*
 * SDM "Local APIC State After Power-Up or Reset": everything zero but DFR
 * (all ones), SVR (0xff, software-disabled) and the LVTs (masked).  INIT
 * (init_only) keeps the APIC ID and the x2APIC mode.
 */
void kvmlite_lapic_reset(struct kvmlite_lapic *apic, bool init_only)
{
	u32 id = reg(apic, KVMLITE_APIC_ID);

	timer_disarm(apic);
	memset(apic->regs, 0, sizeof(apic->regs));
	apic->backend->update_eoi_exitmap(apic);
	if (!init_only) {
		apic->x2apic = false;
		id = apic->vcpu_id << 24;
	}
	set_reg(apic, KVMLITE_APIC_ID, id);
	set_reg(apic, KVMLITE_APIC_LVR, KVMLITE_APIC_VERSION);
	set_reg(apic, KVMLITE_APIC_DFR, 0xffffffffu);
	set_reg(apic, KVMLITE_APIC_SVR, 0xff);
	mask_all_lvts(apic);
	if (apic->x2apic)
		set_reg(apic, KVMLITE_APIC_LDR, x2apic_ldr(apic->vcpu_id));
	apic->esr_pending = 0;
	apic->tsc_deadline = 0;
}

/*
 * Entering x2APIC mode: the ID becomes the vCPU id and LDR is derived
 * from it (cluster in 31:16, one bit of 16 in 15:0).  Leaving it is only
 * legal through the disabled state, after which the owner resets.
 */
void kvmlite_lapic_set_x2apic(struct kvmlite_lapic *apic, bool on)
{
	apic->x2apic = on;
	if (on) {
		set_reg(apic, KVMLITE_APIC_ID, apic->vcpu_id << 24);
		set_reg(apic, KVMLITE_APIC_LDR, x2apic_ldr(apic->vcpu_id));
	} else {
		set_reg(apic, KVMLITE_APIC_LDR, 0);
	}
}

/* ---- Destinations ---- */

static bool match_logical(const struct kvmlite_lapic *apic, u32 dest)
{
	u32 ldr = reg(apic, KVMLITE_APIC_LDR);

	if (apic->x2apic) {
		if (dest == 0xffffffffu)
			return true;
		return (dest >> 16) == (ldr >> 16) && (dest & ldr & 0xffff);
	}
	dest &= 0xff;
	if (dest == 0xff)
		return true;
	ldr >>= 24;
	if ((reg(apic, KVMLITE_APIC_DFR) >> 28) == 0xf)	/* flat */
		return dest & ldr;
	/* cluster: 4-bit cluster id, 4-bit member mask */
	return (dest >> 4) == (ldr >> 4) && (dest & ldr & 0xf);
}

/*
 * Does a message (IPI or MSI) reach this LAPIC?  dest is read in this
 * LAPIC's own mode: 8 bits for xAPIC (0xff broadcast), 32 for x2APIC
 * (0xffffffff broadcast).
 */
bool kvmlite_lapic_match_dest(const struct kvmlite_lapic *apic, u32 dest,
			      bool logical, unsigned int shorthand,
			      bool source_is_self)
{
	switch (shorthand) {
	case KVMLITE_APIC_SH_SELF:
		return source_is_self;
	case KVMLITE_APIC_SH_ALL:
		return true;
	case KVMLITE_APIC_SH_ALL_BUT_SELF:
		return !source_is_self;
	}
	if (logical)
		return match_logical(apic, dest);
	if (apic->x2apic)
		return dest == 0xffffffffu || dest == apic->vcpu_id;
	dest &= 0xff;
	return dest == 0xff || dest == reg(apic, KVMLITE_APIC_ID) >> 24;
}

/* LINT0 unmasked in ExtINT mode: the 8259's interrupts come through. */
bool kvmlite_lapic_accepts_extint(const struct kvmlite_lapic *apic)
{
	u32 lvt0 = reg(apic, KVMLITE_APIC_LVT0);

	return !(lvt0 & KVMLITE_APIC_LVT_MASKED) &&
	       ((lvt0 & KVMLITE_APIC_ICR_DM_MASK) >> KVMLITE_APIC_ICR_DM_SHIFT) ==
	       KVMLITE_APIC_DM_EXTINT;
}

/*
 * Lowest-priority arbitration over the matched LAPICs, given their PPRs
 * (each read under its own LAPIC's lock): the lowest PPR wins; ties go to
 * the first at or after index rr, so a caller that rotates rr spreads
 * equal-priority interrupts.  Returns an index or -1.
 */
int kvmlite_lapic_lowest_priority(const u32 *ppr, int n, unsigned int rr)
{
	int best = -1, k;

	for (k = 0; k < n; k++) {
		int i = (int)((rr + k) % (unsigned int)n);

		if (best < 0 || ppr[i] < ppr[best])
			best = i;
	}
	return best;
}

/* ---- KVM_GET_LAPIC / KVM_SET_LAPIC ---- */

static void state_put(struct kvm_lapic_state *s, u32 off, u32 val)
{
	memcpy(&s->regs[off], &val, sizeof(val));
}

static u32 state_get(const struct kvm_lapic_state *s, u32 off)
{
	u32 val;

	memcpy(&val, &s->regs[off], sizeof(val));
	return val;
}

/*
 * The page as KVM lays it out, computed registers filled in.  For an
 * x2APIC-mode LAPIC KVM shows the ID as id << 24 unless userspace
 * enabled KVM_X2APIC_API_USE_32BIT_IDS, when it is the 32-bit ID.
 */
void kvmlite_lapic_get_state(struct kvmlite_lapic *apic,
			     struct kvm_lapic_state *s, bool x2apic_32bit_ids)
{
	memcpy(s->regs, apic->regs, sizeof(s->regs));
	if (apic->x2apic)
		state_put(s, KVMLITE_APIC_ID, x2apic_32bit_ids ?
			  apic->vcpu_id : apic->vcpu_id << 24);
	state_put(s, KVMLITE_APIC_PPR, kvmlite_lapic_ppr(apic));
	state_put(s, KVMLITE_APIC_APR, lapic_apr(apic));
	state_put(s, KVMLITE_APIC_TMCCT, timer_current(apic));
}

/*
 * Load a page, keeping only what a guest could have written, so no
 * reserved bit or vector below 16 gets in.  The timer restarts from the
 * saved current count (KVM restarts from the initial count; resuming is
 * what a migrated guest expects).  The TSC deadline is an MSR and comes
 * back through kvmlite_lapic_set_tsc_deadline() afterwards.
 */
int kvmlite_lapic_set_state(struct kvmlite_lapic *apic,
			    const struct kvm_lapic_state *s,
			    bool x2apic_32bit_ids)
{
	u32 id = state_get(s, KVMLITE_APIC_ID), off, cur, init;
	int i;

	if (apic->x2apic &&
	    id != (x2apic_32bit_ids ? apic->vcpu_id : apic->vcpu_id << 24))
		return -EINVAL;

	timer_disarm(apic);
	apic->tsc_deadline = 0;
	apic->esr_pending = 0;
	memset(apic->regs, 0, sizeof(apic->regs));
	set_reg(apic, KVMLITE_APIC_ID, apic->x2apic ? apic->vcpu_id << 24 :
		id & XAPIC_ID_MASK);
	set_reg(apic, KVMLITE_APIC_LVR, KVMLITE_APIC_VERSION);
	set_reg(apic, KVMLITE_APIC_TPR, state_get(s, KVMLITE_APIC_TPR) & TPR_MASK);
	set_reg(apic, KVMLITE_APIC_LDR, apic->x2apic ?
		x2apic_ldr(apic->vcpu_id) : state_get(s, KVMLITE_APIC_LDR) & LDR_MASK);
	set_reg(apic, KVMLITE_APIC_DFR, state_get(s, KVMLITE_APIC_DFR) | DFR_RSVD);
	set_reg(apic, KVMLITE_APIC_SVR, state_get(s, KVMLITE_APIC_SVR) & SVR_MASK);
	for (off = KVMLITE_APIC_ISR; off < KVMLITE_APIC_ESR; off += 16)
		set_reg(apic, off, state_get(s, off));
	for (i = 0; i < 3; i++)		/* vectors 0-15 cannot be pending */
		apic->regs[(KVMLITE_APIC_ISR + i * 0x80) >> 2] &= ~0xffffu;
	set_reg(apic, KVMLITE_APIC_ESR, state_get(s, KVMLITE_APIC_ESR) & 0xffu);
	set_reg(apic, KVMLITE_APIC_ICR, state_get(s, KVMLITE_APIC_ICR) & ICR_MASK);
	set_reg(apic, KVMLITE_APIC_ICR2, state_get(s, KVMLITE_APIC_ICR2));
	for (off = KVMLITE_APIC_LVTT; off <= KVMLITE_APIC_LVTERR; off += 16)
		set_reg(apic, off, state_get(s, off) &
			lvt_mask[(off - KVMLITE_APIC_LVTT) >> 4]);
	if (timer_mode(apic) == 3)
		apic->regs[KVMLITE_APIC_LVTT >> 2] &= ~(3u << 17);
	if (!sw_enabled(apic))
		mask_all_lvts(apic);
	set_reg(apic, KVMLITE_APIC_TDCR, state_get(s, KVMLITE_APIC_TDCR) & TDCR_MASK);
	apic->backend->update_eoi_exitmap(apic);

	if (timer_mode(apic) != KVMLITE_APIC_LVTT_TSCDEADLINE) {
		init = state_get(s, KVMLITE_APIC_TMICT);
		cur = state_get(s, KVMLITE_APIC_TMCCT);
		set_reg(apic, KVMLITE_APIC_TMICT, init);
		if (!cur || cur > init)
			cur = timer_mode(apic) == KVMLITE_APIC_LVTT_PERIODIC ?
			      init : 0;
		timer_start(apic, cur);
	}
	if (kvmlite_lapic_pending_vector(apic) >= 0)
		apic->ops->kick(apic);
	return 0;
}
