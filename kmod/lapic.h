/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Virtual local APIC (Intel SDM Vol. 3A ch. 11) as pure logic over plain
 * data.  No locks, allocation, timers or clocks in here: the caller holds
 * its lock around every call and supplies time, timers and delivery
 * through struct kvmlite_lapic_ops, so the same source builds into the
 * module and into the userspace unit tests (tools/testing/unit).
 */
#ifndef KVMLITE_LAPIC_H
#define KVMLITE_LAPIC_H

#include <linux/types.h>
#include <linux/bits.h>
#include <linux/kvm.h>

/* Register offsets in the xAPIC page; the x2APIC MSR is 0x800 + off / 16. */
#define KVMLITE_APIC_ID		0x020
#define KVMLITE_APIC_LVR	0x030
#define KVMLITE_APIC_TPR	0x080
#define KVMLITE_APIC_APR	0x090
#define KVMLITE_APIC_PPR	0x0a0
#define KVMLITE_APIC_EOI	0x0b0
#define KVMLITE_APIC_RRD	0x0c0
#define KVMLITE_APIC_LDR	0x0d0
#define KVMLITE_APIC_DFR	0x0e0
#define KVMLITE_APIC_SVR	0x0f0
#define KVMLITE_APIC_ISR	0x100
#define KVMLITE_APIC_TMR	0x180
#define KVMLITE_APIC_IRR	0x200
#define KVMLITE_APIC_ESR	0x280
#define KVMLITE_APIC_ICR	0x300
#define KVMLITE_APIC_ICR2	0x310
#define KVMLITE_APIC_LVTT	0x320
#define KVMLITE_APIC_LVTTHMR	0x330
#define KVMLITE_APIC_LVTPC	0x340
#define KVMLITE_APIC_LVT0	0x350
#define KVMLITE_APIC_LVT1	0x360
#define KVMLITE_APIC_LVTERR	0x370
#define KVMLITE_APIC_TMICT	0x380
#define KVMLITE_APIC_TMCCT	0x390
#define KVMLITE_APIC_TDCR	0x3e0
#define KVMLITE_APIC_SELF_IPI	0x3f0	/* x2APIC only (MSR 0x83f) */
/* The register page is KVM's struct kvm_lapic_state, 1 KiB. */
#define KVMLITE_APIC_PAGE_SIZE	KVM_APIC_REG_SIZE

#define KVMLITE_X2APIC_MSR_BASE	0x800
#define KVMLITE_X2APIC_MSR_LAST	0x8ff

/* Version 0x14, max LVT entry 5: timer, thermal, perf, LINT0/1, error. */
#define KVMLITE_APIC_VERSION	0x00050014u

#define KVMLITE_APIC_SVR_ENABLE	BIT(8)
#define KVMLITE_APIC_LVT_MASKED	BIT(16)
#define KVMLITE_APIC_LVT_VECTOR	0xffu
#define KVMLITE_APIC_LVTT_MODE_SHIFT 17
#define KVMLITE_APIC_LVTT_ONESHOT	0
#define KVMLITE_APIC_LVTT_PERIODIC	1
#define KVMLITE_APIC_LVTT_TSCDEADLINE	2

/* ESR bits (SDM Figure "Error Status Register") */
#define KVMLITE_APIC_ESR_SEND_ILLEGAL	BIT(5)
#define KVMLITE_APIC_ESR_RECV_ILLEGAL	BIT(6)
#define KVMLITE_APIC_ESR_ILLEGAL_REG	BIT(7)

/* ICR fields (low word) */
#define KVMLITE_APIC_ICR_DM_SHIFT	8
#define KVMLITE_APIC_ICR_DM_MASK	(7u << 8)
#define KVMLITE_APIC_DM_FIXED		0
#define KVMLITE_APIC_DM_LOWEST		1
#define KVMLITE_APIC_DM_SMI		2
#define KVMLITE_APIC_DM_NMI		4
#define KVMLITE_APIC_DM_INIT		5
#define KVMLITE_APIC_DM_SIPI		6
#define KVMLITE_APIC_DM_EXTINT		7
#define KVMLITE_APIC_ICR_LOGICAL	BIT(11)
#define KVMLITE_APIC_ICR_BUSY		BIT(12)
#define KVMLITE_APIC_ICR_LEVEL_ASSERT	BIT(14)
#define KVMLITE_APIC_ICR_TRIGGER_LEVEL	BIT(15)
#define KVMLITE_APIC_ICR_SHORTHAND_SHIFT 18

/* Destination shorthands (ICR bits 19:18) */
#define KVMLITE_APIC_SH_NONE		0
#define KVMLITE_APIC_SH_SELF		1
#define KVMLITE_APIC_SH_ALL		2
#define KVMLITE_APIC_SH_ALL_BUT_SELF	3

/*
 * The timer counts at a 1 GHz bus clock: one count per nanosecond before
 * the divider, which is also KVM's default (KVM_CAP_X86_APIC_BUS_CYCLES_NS
 * = 1), so guests calibrate the same on /dev/kvm and /dev/kvmlite.
 */
#define KVMLITE_APIC_BUS_NS_PER_TICK	1

/*
 * The shortest period the module lets a periodic timer reload with, as
 * KVM's default min_timer_period_us (200): a guest cannot make the host
 * fire its timer every few nanoseconds.
 */
#define KVMLITE_APIC_MIN_PERIOD_NS	200000

struct kvmlite_lapic;

/*
 * What the LAPIC needs from its owner.  Every callback is called with the
 * owner's lock held, from inside a kvmlite_lapic_* call.
 */
struct kvmlite_lapic_ops {
	/* Monotonic time in ns, the base of the timer's count. */
	u64 (*now_ns)(struct kvmlite_lapic *apic);
	/* (Re)arm the one timer to call kvmlite_lapic_timer_fire() then. */
	void (*timer_arm)(struct kvmlite_lapic *apic, u64 expiry_ns);
	void (*timer_cancel)(struct kvmlite_lapic *apic);
	/* Make the vCPU look at its LAPIC: wake it, or kick it out of the guest. */
	void (*kick)(struct kvmlite_lapic *apic);
	/* EOI of a level-triggered vector (KVM_EXIT_IOAPIC_EOI). */
	void (*eoi_level)(struct kvmlite_lapic *apic, u8 vector);
	/*
	 * An ICR write: icr_low as the SDM lays it out, dest the 8-bit xAPIC
	 * or 32-bit x2APIC destination.  The owner finds the targets with
	 * kvmlite_lapic_match_dest() and delivers.
	 */
	void (*send_ipi)(struct kvmlite_lapic *apic, u32 icr_low, u32 dest);
};

/* Where a delivered vector went, and whether its vCPU was told. */
enum kvmlite_apic_delivery {
	KVMLITE_DELIVERY_IRR,		/* in IRR, not above PPR: no kick */
	KVMLITE_DELIVERY_IRR_KICK,	/* in IRR above PPR: kicked */
	KVMLITE_DELIVERY_PI_NOTIFY,	/* posted, ON went 0 -> 1: notified */
	KVMLITE_DELIVERY_PI_COALESCED,	/* posted, ON was already 1 */
	KVMLITE_DELIVERY_PI_SUPPRESSED,	/* posted, SN set: nobody told */
	KVMLITE_DELIVERY_LEVEL_HELD,	/* level vector kept out of PIR: kicked */
};

/*
 * The seam between this model and the virtualization backend (bhyve's
 * vlapic_ops, KVM's kvm_x86_ops): the model owns IRR, ISR, TMR and PPR;
 * the backend decides where an accepted vector waits until the vCPU
 * looks (IRR itself with event injection, a posted-interrupt descriptor
 * with posting) and how the vCPU is told.  Called with the owner's lock
 * held; deliver may run on any CPU, the others on the vCPU's.
 * vmx/apic_delivery.c and vmx/posted.c hold the implementations.
 */
struct kvmlite_apic_backend {
	/* TMR is already set (level) or clear (edge); says what was done. */
	enum kvmlite_apic_delivery (*deliver)(struct kvmlite_lapic *apic,
					      u8 vector, bool level);
	/* Move what deliver left outside IRR into it: highest moved, or -1. */
	int (*sync_irr)(struct kvmlite_lapic *apic);
	/* The processor's requesting virtual interrupt, 0 for none. */
	u8 (*rvi)(struct kvmlite_lapic *apic);
	/* TMR changed: the EOI-exit bitmap must follow it before entry. */
	void (*update_eoi_exitmap)(struct kvmlite_lapic *apic);
};

struct kvmlite_lapic {
	/* The architectural page, xAPIC layout, as KVM_GET_LAPIC shows it. */
	u32 regs[KVMLITE_APIC_PAGE_SIZE / 4];
	u32 vcpu_id;
	bool x2apic;
	/* Errors seen since the last ESR write (ESR shows them after one). */
	u32 esr_pending;
	/* Timer: armed until the count reaches 0 (or the deadline passes). */
	bool timer_armed;
	u64 timer_expiry_ns;	/* when the current count reaches 0 */
	u64 timer_period_ns;	/* TMICT in ns: periodic mode's reload */
	u64 tsc_deadline;	/* IA32_TSC_DEADLINE as the guest wrote it */
	u64 min_period_ns;	/* periodic reloads never come sooner; owner's */
	const struct kvmlite_lapic_ops *ops;
	const struct kvmlite_apic_backend *backend;
	void *owner;		/* for the ops' and the backend's use */
};

void kvmlite_lapic_init(struct kvmlite_lapic *apic, u32 vcpu_id,
			const struct kvmlite_lapic_ops *ops,
			const struct kvmlite_apic_backend *backend, void *owner);
void kvmlite_lapic_reset(struct kvmlite_lapic *apic, bool init_only);
void kvmlite_lapic_set_x2apic(struct kvmlite_lapic *apic, bool on);

/* Register access: 0 or -EINVAL (x2APIC: the caller injects #GP). */
int kvmlite_lapic_mmio_read(struct kvmlite_lapic *apic, u32 offset, u32 *val);
int kvmlite_lapic_mmio_write(struct kvmlite_lapic *apic, u32 offset, u32 val);
u32 kvmlite_lapic_trapped_write(struct kvmlite_lapic *apic, u32 offset, u32 old);
int kvmlite_lapic_rdmsr(struct kvmlite_lapic *apic, u32 msr, u64 *val);
int kvmlite_lapic_wrmsr(struct kvmlite_lapic *apic, u32 msr, u64 val);

u8 kvmlite_lapic_get_cr8(struct kvmlite_lapic *apic);
void kvmlite_lapic_set_cr8(struct kvmlite_lapic *apic, u8 cr8);
u64 kvmlite_lapic_get_tsc_deadline(struct kvmlite_lapic *apic);
void kvmlite_lapic_set_tsc_deadline(struct kvmlite_lapic *apic, u64 tsc,
				    u64 expiry_ns);

/* Interrupts */
bool kvmlite_lapic_accept_irq(struct kvmlite_lapic *apic, int vector,
			      bool level);
u32 kvmlite_lapic_ppr(const struct kvmlite_lapic *apic);
int kvmlite_lapic_highest_irr(const struct kvmlite_lapic *apic);
int kvmlite_lapic_highest_isr(const struct kvmlite_lapic *apic);
int kvmlite_lapic_pending_vector(const struct kvmlite_lapic *apic);
int kvmlite_lapic_ack(struct kvmlite_lapic *apic);
int kvmlite_lapic_eoi(struct kvmlite_lapic *apic);
bool kvmlite_lapic_beats_ppr(const struct kvmlite_lapic *apic, int vector);
void kvmlite_lapic_set_irr(struct kvmlite_lapic *apic, u8 vector);
int kvmlite_lapic_sync_irr(struct kvmlite_lapic *apic);
int kvmlite_lapic_merge_irr(struct kvmlite_lapic *apic, const u64 vectors[4]);
void kvmlite_lapic_tmr(const struct kvmlite_lapic *apic, u64 tmr[4]);

/* Timer */
void kvmlite_lapic_timer_fire(struct kvmlite_lapic *apic);
u32 kvmlite_lapic_timer_divisor(u32 tdcr);

/* Destinations */
bool kvmlite_lapic_match_dest(const struct kvmlite_lapic *apic, u32 dest,
			      bool logical, unsigned int shorthand,
			      bool source_is_self);
bool kvmlite_lapic_accepts_extint(const struct kvmlite_lapic *apic);
int kvmlite_lapic_lowest_priority(const u32 *ppr, int n, unsigned int rr);

/* KVM_GET_LAPIC / KVM_SET_LAPIC */
void kvmlite_lapic_get_state(struct kvmlite_lapic *apic,
			     struct kvm_lapic_state *s, bool x2apic_32bit_ids);
int kvmlite_lapic_set_state(struct kvmlite_lapic *apic,
			    const struct kvm_lapic_state *s,
			    bool x2apic_32bit_ids);

#endif /* KVMLITE_LAPIC_H */
