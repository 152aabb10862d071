// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: kmod/lapic.c (with halt_check.c and event injection's
 * backend) driven by arbitrary register, MSR, interrupt, EOI, timer and
 * KVM_SET_LAPIC sequences, under ASan/UBSan.  Besides memory and UB
 * errors it checks, after every operation:
 *   - PPR is what the SDM derives from TPR and the highest ISR vector;
 *   - the pending vector is the highest IRR vector and beats PPR, or -1;
 *   - the halt check wakes exactly when an interrupt is pending (event
 *     injection: RVI is 0), the rule of kmod/halt_check.h;
 *   - an acknowledged vector moves from IRR to ISR;
 * and at the end that KVM_GET_LAPIC -> KVM_SET_LAPIC -> KVM_GET_LAPIC
 * gives the same page (bar the current count, which reads the clock).
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

static u32 reg(const struct kvmlite_lapic *apic, u32 off)
{
	return apic->regs[off / 4];
}

/* SDM "Processor Priority Register": the higher class of TPR and ISRV. */
static u32 expected_ppr(const struct kvmlite_lapic *apic)
{
	u32 tpr = reg(apic, KVMLITE_APIC_TPR) & 0xff;
	int isrv = kvmlite_lapic_highest_isr(apic);
	u32 isr_class = isrv < 0 ? 0 : (u32)isrv & 0xf0;

	return (tpr & 0xf0) >= isr_class ? tpr : isr_class;
}

static void check_invariants(struct kvmlite_lapic *apic)
{
	struct kvmlite_halt_check c = { .irq_allowed = true };
	int irr = kvmlite_lapic_highest_irr(apic);
	int pending = kvmlite_lapic_pending_vector(apic);
	u32 ppr = kvmlite_lapic_ppr(apic);
	enum kvmlite_wake_cause wake;

	FUZZ_ASSERT(ppr == expected_ppr(apic), "PPR %#x, TPR %#x ISRV %d",
		    ppr, reg(apic, KVMLITE_APIC_TPR),
		    kvmlite_lapic_highest_isr(apic));
	FUZZ_ASSERT(pending < 0 ||
		    (pending == irr && (pending & 0xf0) > (ppr & 0xf0)),
		    "pending %d, highest IRR %d, PPR %#x", pending, irr, ppr);
	wake = kvmlite_halt_check(apic, &c);
	FUZZ_ASSERT((wake == KVMLITE_WAKE_IRQ) == (pending >= 0) ||
		    wake == KVMLITE_WAKE_EXTINT,
		    "halt check says %d, pending vector %d", wake, pending);
}

static bool vector_in(const struct kvmlite_lapic *apic, u32 base, int v)
{
	return (reg(apic, base + (v / 32) * 16) >> (v % 32)) & 1;
}

static const u32 apic_write_offsets[] = {
	KVMLITE_APIC_TPR, KVMLITE_APIC_EOI, KVMLITE_APIC_LDR, KVMLITE_APIC_DFR,
	KVMLITE_APIC_SVR, KVMLITE_APIC_ESR, KVMLITE_APIC_ICR, KVMLITE_APIC_ICR2,
	KVMLITE_APIC_LVTT, KVMLITE_APIC_LVTTHMR, KVMLITE_APIC_LVTPC,
	KVMLITE_APIC_LVT0, KVMLITE_APIC_LVT1, KVMLITE_APIC_LVTERR,
	KVMLITE_APIC_TMICT, KVMLITE_APIC_TDCR,
};

static void op(struct kvmlite_lapic *apic, struct fuzz_input *in)
{
	struct kvm_lapic_state s;
	u32 off, v32;
	u64 v64;
	int v;

	switch (fuzz_u8(in) % 14) {
	case 0:
		off = fuzz_u32(in) & 0xffc;
		kvmlite_lapic_mmio_write(apic, off, fuzz_u32(in));
		break;
	case 1:
		kvmlite_lapic_mmio_read(apic, fuzz_u32(in) & 0xffff, &v32);
		break;
	case 2:
		v32 = 0x800 + fuzz_u8(in);
		kvmlite_lapic_wrmsr(apic, v32, fuzz_u64(in));
		break;
	case 3:
		kvmlite_lapic_rdmsr(apic, 0x800 + fuzz_u8(in), &v64);
		break;
	case 4:
		v32 = fuzz_u8(in);
		kvmlite_lapic_accept_irq(apic, v32, v32 & 1);
		break;
	case 5:
		v = kvmlite_lapic_pending_vector(apic);
		if (kvmlite_lapic_ack(apic) >= 0 && v >= 0)
			FUZZ_ASSERT(vector_in(apic, KVMLITE_APIC_ISR, v),
				    "acked %d not in ISR", v);
		break;
	case 6:
		kvmlite_lapic_eoi(apic);
		break;
	case 7:
		fuzz_now_ns += fuzz_u32(in);
		kvmlite_lapic_timer_fire(apic);
		break;
	case 8:
		kvmlite_lapic_set_x2apic(apic, fuzz_u8(in) & 1);
		break;
	case 9:
		kvmlite_lapic_reset(apic, fuzz_u8(in) & 1);
		break;
	case 10:
		kvmlite_lapic_set_cr8(apic, fuzz_u8(in));
		break;
	case 11:
		v64 = fuzz_u64(in);
		kvmlite_lapic_set_tsc_deadline(apic, v64, fuzz_now_ns + (u32)v64);
		break;
	case 12:
		/* KVM_SET_LAPIC of the current page with one word changed. */
		kvmlite_lapic_get_state(apic, &s, true);
		off = fuzz_u32(in) & 0x3fc;
		v32 = fuzz_u32(in);
		memcpy(&s.regs[off], &v32, 4);
		kvmlite_lapic_set_state(apic, &s, fuzz_u8(in) & 1);
		break;
	case 13:
		/*
		 * An APIC-write exit: the processor stored the guest's value in
		 * the page, at an offset it traps (SDM "APIC-Write Emulation").
		 */
		off = apic_write_offsets[fuzz_u8(in) % ARRAY_SIZE(apic_write_offsets)];
		v32 = reg(apic, off);
		apic->regs[off / 4] = fuzz_u32(in);
		kvmlite_lapic_trapped_write(apic, off, v32);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { .data = data, .size = size };
	static struct kvmlite_lapic apic, copy;
	struct kvm_lapic_state a, b;
	int steps = 0;

	fuzz_now_ns = 0;
	kvmlite_lapic_init(&apic, fuzz_u8(&in), &fuzz_ops,
			   &kvmlite_injection_backend, NULL);
	while (fuzz_more(&in) && steps++ < 4096) {
		op(&apic, &in);
		check_invariants(&apic);
	}

	kvmlite_lapic_get_state(&apic, &a, true);
	kvmlite_lapic_init(&copy, apic.vcpu_id, &fuzz_ops,
			   &kvmlite_injection_backend, NULL);
	kvmlite_lapic_set_x2apic(&copy, apic.x2apic);
	if (!kvmlite_lapic_set_state(&copy, &a, true)) {
		kvmlite_lapic_get_state(&copy, &b, true);
		memset(&a.regs[KVMLITE_APIC_TMCCT], 0, 4);
		memset(&b.regs[KVMLITE_APIC_TMCCT], 0, 4);
		FUZZ_ASSERT(!memcmp(&a, &b, sizeof(a)),
			    "KVM_SET_LAPIC of KVM_GET_LAPIC changed the page");
	}
	return 0;
}
