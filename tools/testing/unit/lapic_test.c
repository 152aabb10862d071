// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of kmod/lapic.c, the module's own source: register semantics
 * in both modes, priority arithmetic over every TPR/ISR combination, EOI,
 * timer arithmetic, destination matching, KVM state round trips, and a
 * long random sequence checked against a separate bitmap model.
 */
#include <errno.h>
#include <string.h>

#include "unit.h"
#include "../../../kmod/halt_check.h"
#include "../../../kmod/lapic.h"
#include "../../../kmod/vmx/apic_delivery.h"

/* The owner: a fake clock and timer, and a log of what the LAPIC asked. */
struct fake {
	u64 now;
	bool armed;
	u64 expiry;
	int arms, cancels, kicks, eois, ipis;
	u8 last_eoi, rvi;
	u32 ipi_low, ipi_dest;
};

static struct fake *owner(struct kvmlite_lapic *apic)
{
	return apic->owner;
}

static u64 f_now(struct kvmlite_lapic *apic)
{
	return owner(apic)->now;
}

static void f_arm(struct kvmlite_lapic *apic, u64 expiry)
{
	owner(apic)->armed = true;
	owner(apic)->expiry = expiry;
	owner(apic)->arms++;
}

static void f_cancel(struct kvmlite_lapic *apic)
{
	owner(apic)->armed = false;
	owner(apic)->cancels++;
}

static void f_kick(struct kvmlite_lapic *apic)
{
	owner(apic)->kicks++;
}

static void f_eoi(struct kvmlite_lapic *apic, u8 vector)
{
	owner(apic)->eois++;
	owner(apic)->last_eoi = vector;
}

static void f_ipi(struct kvmlite_lapic *apic, u32 low, u32 dest)
{
	owner(apic)->ipis++;
	owner(apic)->ipi_low = low;
	owner(apic)->ipi_dest = dest;
}

static const struct kvmlite_lapic_ops fake_ops = {
	.now_ns = f_now, .timer_arm = f_arm, .timer_cancel = f_cancel,
	.kick = f_kick, .eoi_level = f_eoi, .send_ipi = f_ipi,
};

/* Event injection's table, with an RVI the test sets. */
static enum kvmlite_apic_delivery f_deliver(struct kvmlite_lapic *apic,
					    u8 vector, bool level)
{
	return kvmlite_injection_backend.deliver(apic, vector, level);
}

static int f_sync_irr(struct kvmlite_lapic *apic)
{
	return kvmlite_injection_backend.sync_irr(apic);
}

static u8 f_rvi(struct kvmlite_lapic *apic)
{
	return owner(apic)->rvi;
}

static void f_eoi_exitmap(struct kvmlite_lapic *apic)
{
	kvmlite_injection_backend.update_eoi_exitmap(apic);
}

static const struct kvmlite_apic_backend fake_backend = {
	.deliver = f_deliver, .sync_irr = f_sync_irr, .rvi = f_rvi,
	.update_eoi_exitmap = f_eoi_exitmap,
};

/* The module's halt check: may the vCPU sleep, with this RVI and IF? */
static bool wake_pending(struct kvmlite_lapic *apic, u8 rvi, bool irq_allowed)
{
	struct kvmlite_halt_check c = { .irq_allowed = irq_allowed };

	owner(apic)->rvi = rvi;
	return kvmlite_halt_check(apic, &c) != KVMLITE_WAKE_NONE;
}

static struct kvmlite_lapic A;
static struct fake F;

/* A fresh, software-enabled xAPIC (spurious vector 0xff). */
static void setup(u32 id)
{
	memset(&F, 0, sizeof(F));
	kvmlite_lapic_init(&A, id, &fake_ops, &fake_backend, &F);
	kvmlite_lapic_mmio_write(&A, KVMLITE_APIC_SVR, 0x1ff);
}

static u32 rd(u32 off)
{
	u32 v = 0xdeadbeef;

	if (kvmlite_lapic_mmio_read(&A, off, &v))
		return 0xdeadbeef;
	return v;
}

static void wr(u32 off, u32 val)
{
	kvmlite_lapic_mmio_write(&A, off, val);
}

static u64 rdmsr(u32 off)
{
	u64 v = 0xdeadbeefULL;

	if (kvmlite_lapic_rdmsr(&A, 0x800 + off / 16, &v))
		return ~0ULL;
	return v;
}

static int wrmsr(u32 off, u64 val)
{
	return kvmlite_lapic_wrmsr(&A, 0x800 + off / 16, val);
}

static bool vec_bit(u32 base, int v)
{
	return (rd(base + (v / 32) * 16) >> (v % 32)) & 1;
}

static void test_reset_state(void)
{
	u32 off;
	bool masked = true;

	memset(&F, 0, sizeof(F));
	kvmlite_lapic_init(&A, 3, &fake_ops, &fake_backend, &F);
	CHECK(rd(KVMLITE_APIC_ID) == 0x03000000, "xAPIC ID is id << 24: %#x",
	      rd(KVMLITE_APIC_ID));
	CHECK(rd(KVMLITE_APIC_LVR) == 0x00050014, "version %#x",
	      rd(KVMLITE_APIC_LVR));
	CHECK(rd(KVMLITE_APIC_DFR) == 0xffffffff, "DFR all ones at reset");
	CHECK(rd(KVMLITE_APIC_SVR) == 0xff, "SVR 0xff, disabled: %#x",
	      rd(KVMLITE_APIC_SVR));
	for (off = KVMLITE_APIC_LVTT; off <= KVMLITE_APIC_LVTERR; off += 16)
		masked &= rd(off) == KVMLITE_APIC_LVT_MASKED;
	CHECK(masked, "every LVT reads masked, nothing else");
	CHECK(!kvmlite_lapic_accept_irq(&A, 0x40, false) && !vec_bit(KVMLITE_APIC_IRR, 0x40),
	      "a software-disabled APIC accepts no fixed interrupt");
}

static void test_xapic_registers(void)
{
	u32 v;
	u64 m;

	setup(1);
	wr(KVMLITE_APIC_TPR, 0xffffff5a);
	CHECK(rd(KVMLITE_APIC_TPR) == 0x5a, "TPR keeps bits 7:0: %#x",
	      rd(KVMLITE_APIC_TPR));
	CHECK(kvmlite_lapic_get_cr8(&A) == 5, "CR8 is TPR[7:4]");
	kvmlite_lapic_set_cr8(&A, 0x1c);
	CHECK(rd(KVMLITE_APIC_TPR) == 0xc0, "CR8 write sets TPR[7:4] only");
	wr(KVMLITE_APIC_LDR, 0xffffffff);
	CHECK(rd(KVMLITE_APIC_LDR) == 0xff000000, "LDR keeps 31:24");
	wr(KVMLITE_APIC_DFR, 0);
	CHECK(rd(KVMLITE_APIC_DFR) == 0x0fffffff, "DFR: model bits only");
	wr(KVMLITE_APIC_ID, 0x12345678);
	CHECK(rd(KVMLITE_APIC_ID) == 0x12000000, "xAPIC ID writable, 31:24");
	wr(KVMLITE_APIC_LVR, 0);
	wr(KVMLITE_APIC_PPR, 0xff);
	wr(KVMLITE_APIC_IRR + 0x20, ~0u);
	wr(KVMLITE_APIC_ISR + 0x20, ~0u);
	CHECK(rd(KVMLITE_APIC_LVR) == 0x00050014 && rd(KVMLITE_APIC_PPR) == 0xc0 &&
	      rd(KVMLITE_APIC_IRR + 0x20) == 0 && rd(KVMLITE_APIC_ISR + 0x20) == 0,
	      "writes to version, PPR, IRR and ISR are ignored");
	wr(KVMLITE_APIC_SVR, 0xfffff3ff);
	CHECK(rd(KVMLITE_APIC_SVR) == 0x1ff, "SVR keeps vector and enable: %#x",
	      rd(KVMLITE_APIC_SVR));
	wr(KVMLITE_APIC_LVT0, ~0u);
	CHECK(rd(KVMLITE_APIC_LVT0) == 0x1a7ff, "LINT0 valid bits: %#x",
	      rd(KVMLITE_APIC_LVT0));
	wr(KVMLITE_APIC_LVTTHMR, ~0u);
	wr(KVMLITE_APIC_LVTPC, ~0u);
	CHECK(rd(KVMLITE_APIC_LVTTHMR) == 0x107ff && rd(KVMLITE_APIC_LVTPC) == 0x107ff,
	      "thermal and perf valid bits");
	wr(KVMLITE_APIC_LVTERR, ~0u);
	CHECK(rd(KVMLITE_APIC_LVTERR) == 0x100ff, "error LVT valid bits");
	wr(KVMLITE_APIC_LVTT, 0xfffbffff);	/* mode 01: periodic */
	CHECK(rd(KVMLITE_APIC_LVTT) == 0x300ff, "timer LVT valid bits: %#x",
	      rd(KVMLITE_APIC_LVTT));
	wr(KVMLITE_APIC_LVTT, 0x60040);		/* mode 11 reserved */
	CHECK(rd(KVMLITE_APIC_LVTT) == 0x300ff, "reserved timer mode ignored");
	wr(KVMLITE_APIC_TDCR, ~0u);
	CHECK(rd(KVMLITE_APIC_TDCR) == 0xb, "TDCR keeps bits 3,1:0");
	wr(KVMLITE_APIC_ICR2, 0xffffffff);
	CHECK(rd(KVMLITE_APIC_ICR2) == 0xff000000, "ICR high keeps 31:24");
	CHECK(rd(KVMLITE_APIC_EOI) == 0 && rd(KVMLITE_APIC_RRD) == 0,
	      "EOI and RRD read 0");
	CHECK(rd(KVMLITE_APIC_TPR + 4) == 0, "bytes 4-15 of a register read 0");
	CHECK(kvmlite_lapic_mmio_read(&A, 0x82, &v) == -EINVAL,
	      "misaligned MMIO is the caller's");
	CHECK(kvmlite_lapic_rdmsr(&A, 0x808, &m) == -EINVAL,
	      "x2APIC MSRs #GP in xAPIC mode");
}

static void test_esr(void)
{
	setup(0);
	kvmlite_lapic_accept_irq(&A, 7, false);
	CHECK(rd(KVMLITE_APIC_ESR) == 0, "ESR shows nothing before a write");
	CHECK(!vec_bit(KVMLITE_APIC_IRR, 7), "vector 7 not accepted");
	wr(KVMLITE_APIC_ESR, 0x1234);
	CHECK(rd(KVMLITE_APIC_ESR) == KVMLITE_APIC_ESR_RECV_ILLEGAL,
	      "write latches received-illegal: %#x", rd(KVMLITE_APIC_ESR));
	wr(KVMLITE_APIC_ESR, 0);
	CHECK(rd(KVMLITE_APIC_ESR) == 0, "a second write clears it");
	rd(0x3f0);	/* SELF IPI is not an xAPIC register */
	wr(KVMLITE_APIC_ESR, 0);
	CHECK(rd(KVMLITE_APIC_ESR) == KVMLITE_APIC_ESR_ILLEGAL_REG,
	      "reserved register: illegal register address");
	wr(KVMLITE_APIC_LVTERR, 0xe3);
	wr(KVMLITE_APIC_ICR, 0x0000400f);	/* fixed, vector 15 */
	CHECK(F.ipis == 0, "an illegal vector is not sent");
	CHECK(vec_bit(KVMLITE_APIC_IRR, 0xe3), "error LVT raised vector 0xe3");
	wr(KVMLITE_APIC_ESR, 0);
	CHECK(rd(KVMLITE_APIC_ESR) == KVMLITE_APIC_ESR_SEND_ILLEGAL,
	      "send illegal vector: %#x", rd(KVMLITE_APIC_ESR));
	wr(KVMLITE_APIC_ICR, 0x00000400);	/* NMI ignores the vector */
	CHECK(F.ipis == 1 && F.ipi_low == 0x400, "NMI with vector 0 is sent");
	wr(KVMLITE_APIC_LVTERR, 0x05);	/* illegal error vector: no loop */
	kvmlite_lapic_accept_irq(&A, 1, false);
	wr(KVMLITE_APIC_ESR, 0);
	CHECK(rd(KVMLITE_APIC_ESR) == KVMLITE_APIC_ESR_RECV_ILLEGAL,
	      "illegal error vector only records the error");
}

static void test_svr_disable(void)
{
	u32 off;
	bool ok = true;

	setup(0);
	for (off = KVMLITE_APIC_LVTT; off <= KVMLITE_APIC_LVTERR; off += 16)
		wr(off, 0x40);
	CHECK(rd(KVMLITE_APIC_LVT1) == 0x40, "LVT unmasked while enabled");
	kvmlite_lapic_accept_irq(&A, 0x50, false);
	wr(KVMLITE_APIC_SVR, 0xff);
	for (off = KVMLITE_APIC_LVTT; off <= KVMLITE_APIC_LVTERR; off += 16)
		ok &= rd(off) == 0x10040;
	CHECK(ok, "software disable masks every LVT, keeping the vector");
	wr(KVMLITE_APIC_LVT0, 0x41);
	CHECK(rd(KVMLITE_APIC_LVT0) == 0x10041, "unmasking is refused while disabled");
	CHECK(vec_bit(KVMLITE_APIC_IRR, 0x50), "IRR is held while disabled");
	CHECK(!kvmlite_lapic_accept_irq(&A, 0x60, false), "no new fixed interrupt");
	wr(KVMLITE_APIC_SVR, 0x1ff);
	CHECK(rd(KVMLITE_APIC_LVT0) == 0x10041, "enabling does not unmask");
}

static void test_x2apic_registers(void)
{
	static const u32 ids[] = { 0, 1, 15, 16, 0x23, 0xff, 0x1234 };
	unsigned int i;
	bool ok = true;
	u32 lo;

	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		setup(ids[i]);
		kvmlite_lapic_set_x2apic(&A, true);
		ok &= rdmsr(KVMLITE_APIC_ID) == ids[i];
		ok &= rdmsr(KVMLITE_APIC_LDR) ==
		      (((ids[i] >> 4) << 16) | (1u << (ids[i] & 15)));
	}
	CHECK(ok, "x2APIC ID is the vCPU id, LDR cluster << 16 | bit");
	setup(0x23);
	kvmlite_lapic_set_x2apic(&A, true);
	CHECK(rdmsr(KVMLITE_APIC_LDR) == 0x20008, "LDR of 0x23: %#llx",
	      (unsigned long long)rdmsr(KVMLITE_APIC_LDR));
	CHECK(wrmsr(KVMLITE_APIC_ID, 5) == -EINVAL, "ID read-only");
	CHECK(wrmsr(KVMLITE_APIC_LDR, 5) == -EINVAL, "LDR read-only");
	CHECK(wrmsr(KVMLITE_APIC_LVR, 0) == -EINVAL &&
	      wrmsr(KVMLITE_APIC_PPR, 0) == -EINVAL &&
	      wrmsr(KVMLITE_APIC_TMCCT, 0) == -EINVAL &&
	      wrmsr(KVMLITE_APIC_IRR, 0) == -EINVAL &&
	      wrmsr(KVMLITE_APIC_ISR + 0x70, 0) == -EINVAL &&
	      wrmsr(KVMLITE_APIC_TMR, 0) == -EINVAL, "read-only registers #GP");
	CHECK(rdmsr(KVMLITE_APIC_DFR) == ~0ULL && rdmsr(KVMLITE_APIC_APR) == ~0ULL &&
	      rdmsr(KVMLITE_APIC_ICR2) == ~0ULL && rdmsr(KVMLITE_APIC_RRD) == ~0ULL &&
	      rdmsr(0x2f0) == ~0ULL, "DFR, APR, ICR2, RRD, CMCI: no such MSR");
	CHECK(rdmsr(KVMLITE_APIC_EOI) == ~0ULL && rdmsr(KVMLITE_APIC_SELF_IPI) == ~0ULL,
	      "EOI and SELF IPI are write-only");
	CHECK(wrmsr(KVMLITE_APIC_EOI, 1) == -EINVAL, "EOI of non-zero #GP");
	CHECK(wrmsr(KVMLITE_APIC_ESR, 1) == -EINVAL, "ESR of non-zero #GP");
	CHECK(wrmsr(KVMLITE_APIC_TPR, 0x100) == -EINVAL, "TPR reserved bits #GP");
	CHECK(wrmsr(KVMLITE_APIC_TPR, 1ULL << 32) == -EINVAL, "upper half #GP");
	CHECK(wrmsr(KVMLITE_APIC_SVR, 0x1000) == -EINVAL, "SVR bit 12 #GP");
	CHECK(wrmsr(KVMLITE_APIC_LVT1, 0x20000) == -EINVAL &&
	      wrmsr(KVMLITE_APIC_LVT1, 0x800) == -EINVAL, "LVT reserved bits #GP");
	/* Linux's disconnect_bsp_APIC(): ExtINT with both status bits set. */
	CHECK(wrmsr(KVMLITE_APIC_LVT0, 0x5700) == 0 &&
	      rdmsr(KVMLITE_APIC_LVT0) == 0x700,
	      "LINT0 delivery status and remote IRR ignored, no #GP");
	CHECK(wrmsr(KVMLITE_APIC_LVTERR, 0x10fe) == 0 &&
	      rdmsr(KVMLITE_APIC_LVTERR) == 0xfe,
	      "error LVT delivery status ignored, no #GP");
	CHECK(wrmsr(KVMLITE_APIC_LVTERR, 0x4000) == -EINVAL,
	      "remote IRR is reserved in the error LVT");
	CHECK(wrmsr(KVMLITE_APIC_LVTT, 0x60040) == -EINVAL, "timer mode 11 #GP");
	CHECK(wrmsr(KVMLITE_APIC_TDCR, 4) == -EINVAL, "TDCR bit 2 #GP");
	CHECK(wrmsr(KVMLITE_APIC_TPR, 0x20) == 0 && rdmsr(KVMLITE_APIC_TPR) == 0x20,
	      "TPR through MSR 0x808");
	CHECK(wrmsr(KVMLITE_APIC_SELF_IPI, 0x100) == -EINVAL, "SELF IPI reserved #GP");
	CHECK(wrmsr(KVMLITE_APIC_SELF_IPI, 0x31) == 0, "SELF IPI accepted");
	CHECK(((rdmsr(KVMLITE_APIC_IRR + 0x10) >> 17) & 1) == 1, "0x31 in IRR");
	CHECK(F.ipis == 0, "self IPI does not go through the owner");
	CHECK(wrmsr(KVMLITE_APIC_ICR, 0x0000123400004041ULL) == 0 && F.ipis == 1 &&
	      F.ipi_low == 0x4041 && F.ipi_dest == 0x1234, "64-bit ICR sends once");
	CHECK(rdmsr(KVMLITE_APIC_ICR) == 0x0000123400004041ULL, "ICR reads back");
	CHECK(wrmsr(KVMLITE_APIC_ICR, 0x1041) == -EINVAL && F.ipis == 1,
	      "ICR bit 12 reserved in x2APIC");
	CHECK(kvmlite_lapic_wrmsr(&A, 0x900, 0) == -EINVAL &&
	      kvmlite_lapic_wrmsr(&A, 0x7ff, 0) == -EINVAL, "outside 0x800-0x8ff");
	CHECK(kvmlite_lapic_mmio_read(&A, KVMLITE_APIC_TPR, &lo) == -EINVAL,
	      "no xAPIC MMIO in x2APIC mode");
}

/* PPR and APR over every TPR and every highest in-service vector. */
static void test_ppr_exhaustive(void)
{
	int tpr, isrv, bad = 0, bad_mmio = 0;

	setup(0);
	for (tpr = 0; tpr < 256; tpr++) {
		for (isrv = 15; isrv < 256; isrv++) {
			int expect, cls = isrv >= 16 ? isrv & 0xf0 : 0;

			memset(&A.regs[KVMLITE_APIC_ISR / 4], 0, 0x80);
			if (isrv >= 16) {
				A.regs[(KVMLITE_APIC_ISR + isrv / 32 * 16) / 4] |=
					1u << (isrv % 32);
				/* in-service vector 16 is at or below isrv */
				A.regs[KVMLITE_APIC_ISR / 4] |= 1u << 16;
			}
			wr(KVMLITE_APIC_TPR, tpr);
			expect = (tpr >> 4) >= (cls >> 4) ? tpr : cls;
			if (kvmlite_lapic_ppr(&A) != (u32)expect)
				bad++;
			if (rd(KVMLITE_APIC_PPR) != (u32)expect)
				bad_mmio++;
		}
	}
	CHECK(bad == 0, "PPR over all TPR x ISR: %d wrong", bad);
	CHECK(bad_mmio == 0, "PPR register reads the same: %d wrong", bad_mmio);

	setup(0);
	wr(KVMLITE_APIC_TPR, 0x35);
	CHECK(rd(KVMLITE_APIC_APR) == 0x35, "APR = TPR when nothing is above");
	kvmlite_lapic_accept_irq(&A, 0x71, false);
	CHECK(rd(KVMLITE_APIC_APR) == 0x70, "APR follows a higher IRR class: %#x",
	      rd(KVMLITE_APIC_APR));
}

/* Highest deliverable over every TPR class and IRR vector. */
static void test_deliverable(void)
{
	int tpr, v, bad = 0;

	for (tpr = 0; tpr < 256; tpr += 7) {
		for (v = 16; v < 256; v++) {
			int want;

			setup(0);
			wr(KVMLITE_APIC_TPR, tpr);
			kvmlite_lapic_accept_irq(&A, v, false);
			want = (v >> 4) > (tpr >> 4) ? v : -1;
			if (kvmlite_lapic_pending_vector(&A) != want ||
			    kvmlite_lapic_ack(&A) != want ||
			    (want >= 0 && (!vec_bit(KVMLITE_APIC_ISR, v) ||
					   vec_bit(KVMLITE_APIC_IRR, v))) ||
			    (want < 0 && !vec_bit(KVMLITE_APIC_IRR, v)))
				bad++;
		}
	}
	CHECK(bad == 0, "deliverable iff class above TPR class, ack moves it: %d",
	      bad);
	setup(0);
	kvmlite_lapic_accept_irq(&A, 0x41, false);
	kvmlite_lapic_accept_irq(&A, 0x42, false);
	kvmlite_lapic_accept_irq(&A, 0x3f, false);
	CHECK(kvmlite_lapic_ack(&A) == 0x42, "highest first");
	CHECK(kvmlite_lapic_ack(&A) == -1, "same class as in service waits");
	CHECK(kvmlite_lapic_eoi(&A) == 0x42 && kvmlite_lapic_ack(&A) == 0x41,
	      "after EOI the next one");
}

static void test_eoi_level(void)
{
	setup(0);
	kvmlite_lapic_accept_irq(&A, 0x40, true);
	kvmlite_lapic_accept_irq(&A, 0x50, false);
	CHECK(vec_bit(KVMLITE_APIC_TMR, 0x40) && !vec_bit(KVMLITE_APIC_TMR, 0x50),
	      "TMR set for level only");
	CHECK(kvmlite_lapic_ack(&A) == 0x50, "ack 0x50");
	wr(KVMLITE_APIC_EOI, 0);
	CHECK(F.eois == 0 && !vec_bit(KVMLITE_APIC_ISR, 0x50), "edge EOI is silent");
	CHECK(kvmlite_lapic_ack(&A) == 0x40, "ack 0x40");
	wr(KVMLITE_APIC_EOI, 0x1234);
	CHECK(F.eois == 1 && F.last_eoi == 0x40, "level EOI reported once: %d %#x",
	      F.eois, F.last_eoi);
	wr(KVMLITE_APIC_EOI, 0);
	CHECK(F.eois == 1, "EOI with nothing in service does nothing");
	kvmlite_lapic_accept_irq(&A, 0x40, false);
	CHECK(!vec_bit(KVMLITE_APIC_TMR, 0x40), "edge acceptance clears TMR");
	kvmlite_lapic_set_x2apic(&A, true);
	kvmlite_lapic_accept_irq(&A, 0x90, true);
	kvmlite_lapic_ack(&A);
	CHECK(wrmsr(KVMLITE_APIC_EOI, 0) == 0 && F.eois == 2 && F.last_eoi == 0x90,
	      "x2APIC EOI of a level vector");
}

/* The OS-6829 shape: low vectors pending below PPR must not hide a kick. */
static void test_kick_and_wake(void)
{
	setup(0);
	wr(KVMLITE_APIC_TPR, 0x70);
	kvmlite_lapic_accept_irq(&A, 0x60, false);
	kvmlite_lapic_accept_irq(&A, 0x61, false);
	CHECK(F.kicks == 0, "below PPR: no kick");
	CHECK(!wake_pending(&A, 0, true), "below PPR: may sleep");
	kvmlite_lapic_accept_irq(&A, 0xd3, false);
	CHECK(F.kicks == 1, "above PPR with others pending: kick");
	CHECK(wake_pending(&A, 0, true), "above PPR: must not sleep");
	CHECK(!wake_pending(&A, 0, false), "IF clear: may sleep");
	kvmlite_lapic_accept_irq(&A, 0xd3, false);
	CHECK(F.kicks == 2, "a coalesced vector still kicks");
	setup(0);
	wr(KVMLITE_APIC_TPR, 0x70);
	CHECK(wake_pending(&A, 0x81, true), "RVI above PPR wakes");
	CHECK(!wake_pending(&A, 0x7f, true), "RVI in PPR's class not");
	kvmlite_lapic_accept_irq(&A, 0x90, false);
	kvmlite_lapic_ack(&A);
	CHECK(!wake_pending(&A, 0x85, true), "in-service 0x90 raises PPR");
}

static void test_timer_divide(void)
{
	static const u32 div[8] = { 2, 4, 8, 16, 32, 64, 128, 1 };
	int i, bad = 0;

	for (i = 0; i < 8; i++) {
		u32 tdcr = ((i & 4) << 1) | (i & 3);

		if (kvmlite_lapic_timer_divisor(tdcr) != div[i] ||
		    kvmlite_lapic_timer_divisor(tdcr | 0xf4) != div[i])
			bad++;
	}
	CHECK(bad == 0, "divide configuration table: %d wrong", bad);
	for (i = 0; i < 8; i++) {
		u32 tdcr = ((i & 4) << 1) | (i & 3);

		setup(0);
		F.now = 1000;
		wr(KVMLITE_APIC_TDCR, tdcr);
		wr(KVMLITE_APIC_LVTT, 0x40);
		wr(KVMLITE_APIC_TMICT, 100);
		if (F.expiry != 1000 + 100ULL * div[i])
			bad++;
		F.now += 10ULL * div[i];
		if (rd(KVMLITE_APIC_TMCCT) != 90)
			bad++;
	}
	CHECK(bad == 0, "expiry and count scale with the divider: %d wrong", bad);
}

/* As APICv does before an APIC-write exit: the value is in the page. */
static void trapped(u32 off, u32 val)
{
	u32 old = A.regs[off / 4];

	A.regs[off / 4] = val;
	kvmlite_lapic_trapped_write(&A, off, old);
}

/*
 * Trapped writes behave as emulated ones: the model sees the old value
 * (divider, timer mode) and the page ends as the model leaves it.
 */
static void test_trapped_write(void)
{
	setup(0);
	F.now = 1000;
	trapped(KVMLITE_APIC_LVTT, 0x40);
	trapped(KVMLITE_APIC_TDCR, 0xb);
	trapped(KVMLITE_APIC_TMICT, 100);
	CHECK(F.armed && F.expiry == 1100, "one-shot at divide 1: expiry %llu",
	      (unsigned long long)F.expiry);
	F.now = 1040;
	trapped(KVMLITE_APIC_TDCR, 0);
	CHECK(F.expiry == 1160 && rd(KVMLITE_APIC_TMCCT) == 60,
	      "divide 1 -> 2 with 60 ticks left: expiry %llu, count %u",
	      (unsigned long long)F.expiry, rd(KVMLITE_APIC_TMCCT));
	trapped(KVMLITE_APIC_LVTT, 0x40 | KVMLITE_APIC_LVTT_TSCDEADLINE << 17);
	CHECK(!F.armed && rd(KVMLITE_APIC_TMICT) == 0,
	      "into TSC-deadline mode: disarmed, TMICT %u", rd(KVMLITE_APIC_TMICT));
	trapped(KVMLITE_APIC_TMICT, 1234);
	CHECK(!F.armed && rd(KVMLITE_APIC_TMICT) == 0,
	      "TMICT write ignored in TSC-deadline mode: %u", rd(KVMLITE_APIC_TMICT));
	trapped(KVMLITE_APIC_ESR, 0x55);
	CHECK(rd(KVMLITE_APIC_ESR) == 0, "ESR %#x after writing 0x55",
	      rd(KVMLITE_APIC_ESR));
	trapped(KVMLITE_APIC_SVR, 0xff);
	CHECK(rd(KVMLITE_APIC_LVT0) & KVMLITE_APIC_LVT_MASKED,
	      "software disable masks LVT0: %#x", rd(KVMLITE_APIC_LVT0));
	CHECK(kvmlite_lapic_trapped_write(&A, KVMLITE_APIC_LDR + 4, 0) == 0,
	      "a write inside a register is not one the processor traps");
}

static void test_timer_oneshot(void)
{
	setup(0);
	F.now = 100;
	wr(KVMLITE_APIC_TDCR, 1);		/* divide by 4 */
	wr(KVMLITE_APIC_LVTT, 0x41);
	wr(KVMLITE_APIC_TMICT, 1000);
	CHECK(F.armed && F.expiry == 4100, "armed at 100 + 1000 * 4: %llu",
	      (unsigned long long)F.expiry);
	CHECK(rd(KVMLITE_APIC_TMCCT) == 1000, "count starts at TMICT");
	F.now = 103;
	CHECK(rd(KVMLITE_APIC_TMCCT) == 1000, "3 ns < one tick at /4");
	F.now = 104;
	CHECK(rd(KVMLITE_APIC_TMCCT) == 999, "one tick");
	F.now = 4099;
	CHECK(rd(KVMLITE_APIC_TMCCT) == 1, "last tick");
	F.now = 4000;
	kvmlite_lapic_timer_fire(&A);
	CHECK(!vec_bit(KVMLITE_APIC_IRR, 0x41) && F.arms == 2,
	      "an early fire re-arms and delivers nothing");
	F.now = 4100;
	CHECK(rd(KVMLITE_APIC_TMCCT) == 0, "zero at expiry");
	kvmlite_lapic_timer_fire(&A);
	CHECK(vec_bit(KVMLITE_APIC_IRR, 0x41) && F.kicks == 1, "fired 0x41");
	CHECK(F.arms == 2 && rd(KVMLITE_APIC_TMCCT) == 0 &&
	      rd(KVMLITE_APIC_TMICT) == 1000, "one-shot stays at 0");
	kvmlite_lapic_timer_fire(&A);
	CHECK(F.kicks == 1, "a stale fire after expiry does nothing");
	wr(KVMLITE_APIC_TMICT, 10);
	wr(KVMLITE_APIC_TMICT, 0);
	CHECK(!F.armed && rd(KVMLITE_APIC_TMCCT) == 0, "TMICT 0 stops the timer");
}

/* The owner's floor on periodic reloads (KVM's min_timer_period_us). */
static void test_timer_min_period(void)
{
	setup(0);
	A.min_period_ns = 200000;
	F.now = 0;
	wr(KVMLITE_APIC_TDCR, 0xb);		/* divide by 1 */
	wr(KVMLITE_APIC_LVTT, 0x20042);		/* periodic */
	wr(KVMLITE_APIC_TMICT, 10);		/* 10 ns */
	CHECK(F.expiry == 10, "the first expiry is the count: %llu",
	      (unsigned long long)F.expiry);
	F.now = 10;
	kvmlite_lapic_timer_fire(&A);
	CHECK(F.expiry == 200010, "reloads 200 us later, not 10 ns: %llu",
	      (unsigned long long)F.expiry);
	A.min_period_ns = 0;
}

static void test_timer_periodic(void)
{
	int arms;

	setup(0);
	F.now = 0;
	wr(KVMLITE_APIC_TDCR, 0xb);		/* divide by 1 */
	wr(KVMLITE_APIC_LVTT, 0x20042);
	wr(KVMLITE_APIC_TMICT, 500);
	F.now = 500;
	kvmlite_lapic_timer_fire(&A);
	CHECK(vec_bit(KVMLITE_APIC_IRR, 0x42) && F.expiry == 1000,
	      "fires and re-arms a period later: %llu", (unsigned long long)F.expiry);
	F.now = 2300;
	CHECK(rd(KVMLITE_APIC_TMCCT) == 200, "count wraps while fire is late: %u",
	      rd(KVMLITE_APIC_TMCCT));
	kvmlite_lapic_timer_fire(&A);
	CHECK(F.expiry == 2500, "late fire skips missed periods: %llu",
	      (unsigned long long)F.expiry);
	wr(KVMLITE_APIC_LVTT, 0x30042);		/* masked */
	kvmlite_lapic_ack(&A);
	wr(KVMLITE_APIC_EOI, 0);
	F.now = 2500;
	kvmlite_lapic_timer_fire(&A);
	CHECK(!vec_bit(KVMLITE_APIC_IRR, 0x42) && F.expiry == 3000,
	      "masked: counts and reloads, no interrupt");
	F.now = 2600;
	wr(KVMLITE_APIC_TDCR, 0);		/* divide by 2 mid-count */
	CHECK(F.expiry == 2600 + 400 * 2 && rd(KVMLITE_APIC_TMCCT) == 400,
	      "new divider applies to the remaining count");
	F.now = 3400;
	kvmlite_lapic_timer_fire(&A);
	CHECK(F.expiry == 3400 + 1000, "next period at the new rate: %llu",
	      (unsigned long long)F.expiry);
	/* As in KVM: only a switch to or from TSC-deadline mode disarms. */
	wr(KVMLITE_APIC_LVTT, 0x42);		/* periodic -> one-shot */
	CHECK(F.armed && rd(KVMLITE_APIC_TMICT) == 500 &&
	      rd(KVMLITE_APIC_TMCCT) == 500, "periodic -> one-shot keeps counting");
	F.now = 4400;
	arms = F.arms;
	kvmlite_lapic_timer_fire(&A);
	CHECK(F.arms == arms && rd(KVMLITE_APIC_TMCCT) == 0 &&
	      rd(KVMLITE_APIC_TMICT) == 500, "then stops at 0, one-shot");
	wr(KVMLITE_APIC_TMICT, 100);		/* 200 ns at divide by 2 */
	wr(KVMLITE_APIC_LVTT, 0x20042);		/* one-shot -> periodic */
	CHECK(F.armed && F.expiry == 4600 && rd(KVMLITE_APIC_TMICT) == 100,
	      "one-shot -> periodic keeps counting");
	F.now = 4600;
	kvmlite_lapic_timer_fire(&A);
	CHECK(F.armed && F.expiry == 4800 && rd(KVMLITE_APIC_TMCCT) == 100,
	      "and reloads in periodic mode: %llu", (unsigned long long)F.expiry);
	wr(KVMLITE_APIC_LVTT, 0x40042);		/* periodic -> TSC deadline */
	CHECK(!F.armed && rd(KVMLITE_APIC_TMICT) == 0 && rd(KVMLITE_APIC_TMCCT) == 0,
	      "a switch to TSC-deadline mode disarms");
}

static void test_timer_tsc_deadline(void)
{
	setup(0);
	kvmlite_lapic_set_tsc_deadline(&A, 5000, 700);
	CHECK(!F.armed && kvmlite_lapic_get_tsc_deadline(&A) == 0,
	      "deadline writes ignored outside the mode");
	wr(KVMLITE_APIC_LVTT, 0x40043);
	wr(KVMLITE_APIC_TMICT, 100);
	CHECK(!F.armed && rd(KVMLITE_APIC_TMICT) == 0, "TMICT ignored in deadline mode");
	kvmlite_lapic_set_tsc_deadline(&A, 5000, 700);
	CHECK(F.armed && F.expiry == 700 && kvmlite_lapic_get_tsc_deadline(&A) == 5000,
	      "deadline armed");
	F.now = 650;
	CHECK(rd(KVMLITE_APIC_TMCCT) == 0, "current count reads 0");
	F.now = 700;
	kvmlite_lapic_timer_fire(&A);
	CHECK(vec_bit(KVMLITE_APIC_IRR, 0x43) &&
	      kvmlite_lapic_get_tsc_deadline(&A) == 0, "fires once and clears the MSR");
	kvmlite_lapic_set_tsc_deadline(&A, 9000, 900);
	kvmlite_lapic_set_tsc_deadline(&A, 0, 0);
	CHECK(!F.armed && kvmlite_lapic_get_tsc_deadline(&A) == 0, "0 disarms");
	kvmlite_lapic_set_tsc_deadline(&A, 9000, 900);
	wr(KVMLITE_APIC_LVTT, 0x43);
	CHECK(!F.armed && kvmlite_lapic_get_tsc_deadline(&A) == 0,
	      "leaving deadline mode disarms");
}

struct dest_case {
	bool x2;
	u32 id, ldr, dfr;	/* xAPIC: LDR and DFR as written */
	u32 dest;
	bool logical;
	unsigned int sh;
	bool self, want;
};

static const struct dest_case dest_cases[] = {
	/* xAPIC physical */
	{ false, 3, 0, ~0u, 3, false, 0, false, true },
	{ false, 3, 0, ~0u, 4, false, 0, false, false },
	{ false, 3, 0, ~0u, 0x103, false, 0, false, true },	/* 8 bits */
	{ false, 3, 0, ~0u, 0xff, false, 0, false, true },
	/* xAPIC logical flat */
	{ false, 3, 0x04000000, ~0u, 0x04, true, 0, false, true },
	{ false, 3, 0x04000000, ~0u, 0x0b, true, 0, false, false },
	{ false, 3, 0x04000000, ~0u, 0x85, true, 0, false, true },
	{ false, 3, 0, ~0u, 0xff, true, 0, false, true },
	/* xAPIC logical cluster */
	{ false, 3, 0x24000000, 0x0fffffff, 0x24, true, 0, false, true },
	{ false, 3, 0x24000000, 0x0fffffff, 0x2c, true, 0, false, true },
	{ false, 3, 0x24000000, 0x0fffffff, 0x34, true, 0, false, false },
	{ false, 3, 0x24000000, 0x0fffffff, 0x2b, true, 0, false, false },
	/* shorthands ignore the destination */
	{ false, 3, 0, ~0u, 9, false, 1, true, true },
	{ false, 3, 0, ~0u, 3, false, 1, false, false },
	{ false, 3, 0, ~0u, 9, false, 2, false, true },
	{ false, 3, 0, ~0u, 9, false, 2, true, true },
	{ false, 3, 0, ~0u, 3, false, 3, true, false },
	{ false, 3, 0, ~0u, 9, false, 3, false, true },
	/* x2APIC physical */
	{ true, 0x123, 0, 0, 0x123, false, 0, false, true },
	{ true, 0x123, 0, 0, 0x23, false, 0, false, false },
	{ true, 0x123, 0, 0, 0xff, false, 0, false, false },
	{ true, 0x123, 0, 0, 0xffffffff, false, 0, false, true },
	/* x2APIC logical: cluster 0x12, bit 3 */
	{ true, 0x123, 0, 0, 0x00120008, true, 0, false, true },
	{ true, 0x123, 0, 0, 0x0012fff7, true, 0, false, false },
	{ true, 0x123, 0, 0, 0x00130008, true, 0, false, false },
	{ true, 0x123, 0, 0, 0xffffffff, true, 0, false, true },
	{ true, 0x123, 0, 0, 0x0012000c, true, 3, true, false },
};

static void test_match_dest(void)
{
	unsigned int i;
	int bad = 0;

	for (i = 0; i < ARRAY_SIZE(dest_cases); i++) {
		const struct dest_case *c = &dest_cases[i];
		bool got;

		setup(c->id);
		if (c->x2) {
			kvmlite_lapic_set_x2apic(&A, true);
		} else {
			wr(KVMLITE_APIC_LDR, c->ldr);
			wr(KVMLITE_APIC_DFR, c->dfr);
		}
		got = kvmlite_lapic_match_dest(&A, c->dest, c->logical, c->sh,
					       c->self);
		if (got != c->want) {
			bad++;
			printf("# dest case %u: got %d\n", i, got);
		}
	}
	CHECK(bad == 0, "destination table, %zu cases: %d wrong",
	      ARRAY_SIZE(dest_cases), bad);
}

static void test_lowest_priority(void)
{
	static struct kvmlite_lapic c[4];
	static struct fake cf[4];
	static const u8 tpr[4] = { 0x50, 0x20, 0x20, 0x90 };
	u32 p[4];
	int i;

	for (i = 0; i < 4; i++) {
		kvmlite_lapic_init(&c[i], i, &fake_ops, &fake_backend, &cf[i]);
		kvmlite_lapic_set_cr8(&c[i], tpr[i] >> 4);
		p[i] = kvmlite_lapic_ppr(&c[i]);
	}
	CHECK(kvmlite_lapic_lowest_priority(p, 4, 0) == 1, "lowest PPR wins");
	CHECK(kvmlite_lapic_lowest_priority(p, 4, 2) == 2, "ties rotate with rr");
	CHECK(kvmlite_lapic_lowest_priority(p, 4, 3) == 1, "rr wraps");
	CHECK(kvmlite_lapic_lowest_priority(p, 0, 0) == -1, "no candidate");
}

static void test_state_round_trip(void)
{
	struct kvm_lapic_state s1, s2;
	u32 v;

	setup(7);
	F.now = 1000;
	wr(KVMLITE_APIC_TPR, 0x31);
	wr(KVMLITE_APIC_LDR, 0x40000000);
	wr(KVMLITE_APIC_DFR, 0x0fffffff);
	wr(KVMLITE_APIC_LVT0, 0x8700);
	wr(KVMLITE_APIC_LVTERR, 0x100e0);
	kvmlite_lapic_accept_irq(&A, 0x80, true);
	kvmlite_lapic_accept_irq(&A, 0x91, false);
	kvmlite_lapic_ack(&A);
	kvmlite_lapic_accept_irq(&A, 0x55, false);
	kvmlite_lapic_accept_irq(&A, 3, false);
	wr(KVMLITE_APIC_ESR, 0);
	wr(KVMLITE_APIC_TDCR, 0x3);
	wr(KVMLITE_APIC_LVTT, 0x20040);
	wr(KVMLITE_APIC_TMICT, 400);
	F.now = 1000 + 16 * 100 + 5;
	kvmlite_lapic_get_state(&A, &s1, false);
	memcpy(&v, &s1.regs[KVMLITE_APIC_TMCCT], 4);
	CHECK(v == 300, "saved current count: %u", v);
	memcpy(&v, &s1.regs[KVMLITE_APIC_PPR], 4);
	CHECK(v == 0x90, "saved PPR: %#x", v);

	memset(&F, 0, sizeof(F));
	F.now = 50000;
	kvmlite_lapic_init(&A, 7, &fake_ops, &fake_backend, &F);
	CHECK(kvmlite_lapic_set_state(&A, &s1, false) == 0, "restore");
	CHECK(F.armed && F.expiry == 50000 + 300 * 16, "timer resumes its count");
	kvmlite_lapic_get_state(&A, &s2, false);
	CHECK(!memcmp(s1.regs, s2.regs, sizeof(s1.regs)), "page round-trips");
	CHECK(kvmlite_lapic_ack(&A) == -1 && vec_bit(KVMLITE_APIC_IRR, 0x55),
	      "0x55 still pending below in-service 0x91");
	CHECK(kvmlite_lapic_eoi(&A) == 0x91 && F.eois == 0 &&
	      kvmlite_lapic_ack(&A) == 0x80, "EOI, then the level vector");
	CHECK(kvmlite_lapic_eoi(&A) == 0x80 && F.eois == 1, "its TMR came back");

	/* Reserved bits and low vectors do not get in. */
	memset(&s1, 0xff, sizeof(s1));
	kvmlite_lapic_set_state(&A, &s1, false);
	CHECK(rd(KVMLITE_APIC_IRR) == 0xffff0000 && rd(KVMLITE_APIC_ISR) == 0xffff0000,
	      "vectors 0-15 dropped");
	CHECK(rd(KVMLITE_APIC_LVT0) == 0x1a7ff && rd(KVMLITE_APIC_SVR) == 0x1ff &&
	      rd(KVMLITE_APIC_TPR) == 0xff && rd(KVMLITE_APIC_LVR) == 0x00050014,
	      "reserved bits dropped");
	CHECK((rd(KVMLITE_APIC_LVTT) >> 17 & 3) == 0, "reserved timer mode dropped");

	/* x2APIC: KVM's ID conventions. */
	setup(0x105);
	kvmlite_lapic_set_x2apic(&A, true);
	kvmlite_lapic_get_state(&A, &s1, true);
	memcpy(&v, &s1.regs[KVMLITE_APIC_ID], 4);
	CHECK(v == 0x105, "32-bit ID format: %#x", v);
	kvmlite_lapic_get_state(&A, &s2, false);
	memcpy(&v, &s2.regs[KVMLITE_APIC_ID], 4);
	CHECK(v == 0x05000000, "legacy format: id << 24: %#x", v);
	memcpy(&v, &s2.regs[KVMLITE_APIC_LDR], 4);
	CHECK(v == 0x100020, "x2APIC LDR saved: %#x", v);
	CHECK(kvmlite_lapic_set_state(&A, &s1, true) == 0 &&
	      kvmlite_lapic_set_state(&A, &s2, false) == 0, "both restore");
	CHECK(kvmlite_lapic_set_state(&A, &s1, false) == -EINVAL,
	      "an ID not the vCPU's is refused");
	CHECK(rdmsr(KVMLITE_APIC_ID) == 0x105, "ID unchanged");
}

/*
 * The reference: plain bool arrays and loops, written from the SDM
 * without looking at lapic.c.
 */
struct ref {
	bool irr[256], isr[256], tmr[256];
	int tpr;
	u32 esr;
	int kicks, eois;
};

static int ref_top(const bool *b)
{
	int v, top = -1;

	for (v = 0; v < 256; v++)
		if (b[v])
			top = v;
	return top;
}

static int ref_ppr(const struct ref *r)
{
	int isrv = ref_top(r->isr);
	int isr_pri = isrv < 0 ? 0 : isrv / 16;

	if (r->tpr / 16 >= isr_pri)
		return r->tpr;
	return isr_pri * 16;
}

static int ref_deliverable(const struct ref *r)
{
	int irrv = ref_top(r->irr);

	if (irrv >= 0 && irrv / 16 > ref_ppr(r) / 16)
		return irrv;
	return -1;
}

static u64 rng_state = 0x2545f4914f6cdd1dULL;

static u32 rnd(u32 n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (u32)(rng_state >> 32) % n;
}

static bool ref_matches(const struct ref *r)
{
	int i, v;

	for (i = 0; i < 8; i++) {
		u32 irr = 0, isr = 0, tmr = 0;

		for (v = 0; v < 32; v++) {
			irr |= (u32)r->irr[i * 32 + v] << v;
			isr |= (u32)r->isr[i * 32 + v] << v;
			tmr |= (u32)r->tmr[i * 32 + v] << v;
		}
		if (rd(KVMLITE_APIC_IRR + i * 16) != irr ||
		    rd(KVMLITE_APIC_ISR + i * 16) != isr ||
		    rd(KVMLITE_APIC_TMR + i * 16) != tmr)
			return false;
	}
	return rd(KVMLITE_APIC_PPR) == (u32)ref_ppr(r) &&
	       rd(KVMLITE_APIC_TPR) == (u32)r->tpr &&
	       kvmlite_lapic_pending_vector(&A) == ref_deliverable(r) &&
	       F.kicks == r->kicks && F.eois == r->eois;
}

#define RANDOM_STEPS 300000

static void test_random_vs_model(void)
{
	static struct ref r;
	long step, first_bad = -1;
	int ops[6] = { 0 };

	memset(&r, 0, sizeof(r));
	setup(0);
	for (step = 0; step < RANDOM_STEPS && first_bad < 0; step++) {
		u32 op = rnd(100);
		int v, got, want;
		bool level, ifl;

		if (op < 40) {			/* accept */
			v = rnd(20) ? 16 + rnd(240) : rnd(16);
			level = rnd(3) == 0;
			kvmlite_lapic_accept_irq(&A, v, level);
			if (v < 16) {
				r.esr |= 0x40;
			} else {
				r.irr[v] = true;
				r.tmr[v] = level;
				if (v / 16 > ref_ppr(&r) / 16)
					r.kicks++;
			}
			ops[0]++;
		} else if (op < 65) {		/* ack */
			want = ref_deliverable(&r);
			got = kvmlite_lapic_ack(&A);
			if (got != want)
				first_bad = step;
			if (want >= 0) {
				r.irr[want] = false;
				r.isr[want] = true;
			}
			ops[1]++;
		} else if (op < 85) {		/* EOI */
			v = ref_top(r.isr);
			if (v >= 0) {
				r.isr[v] = false;
				if (r.tmr[v])
					r.eois++;
			}
			wr(KVMLITE_APIC_EOI, 0);
			if (v >= 0 && r.tmr[v] && F.last_eoi != v)
				first_bad = step;
			ops[2]++;
		} else if (op < 93) {		/* TPR */
			r.tpr = rnd(256);
			wr(KVMLITE_APIC_TPR, r.tpr);
			ops[3]++;
		} else if (op < 97) {		/* wake-up decision */
			ifl = rnd(2);
			v = rnd(4) ? 0 : 16 + rnd(240);
			want = ifl && ((ref_top(r.irr) > v ? ref_top(r.irr) : v) / 16 >
				       ref_ppr(&r) / 16);
			if (wake_pending(&A, v, ifl) != want)
				first_bad = step;
			ops[4]++;
		} else {			/* ESR */
			wr(KVMLITE_APIC_ESR, 0);
			if (rd(KVMLITE_APIC_ESR) != r.esr)
				first_bad = step;
			r.esr = 0;
			ops[5]++;
		}
		if (first_bad < 0 && !ref_matches(&r))
			first_bad = step;
	}
	CHECK(first_bad < 0, "%d random steps match the model (first mismatch %ld; "
	      "accept %d ack %d eoi %d tpr %d wake %d esr %d)", RANDOM_STEPS,
	      first_bad, ops[0], ops[1], ops[2], ops[3], ops[4], ops[5]);
	CHECK(r.eois > 1000 && r.kicks > 1000 && ops[1] > 1000,
	      "the sequence exercised level EOIs (%d) and kicks (%d)", r.eois,
	      r.kicks);
}

int main(void)
{
	static const unit_test_fn tests[] = {
		test_reset_state, test_xapic_registers, test_esr,
		test_svr_disable, test_x2apic_registers, test_ppr_exhaustive,
		test_deliverable, test_eoi_level, test_kick_and_wake,
		test_timer_divide, test_timer_oneshot, test_timer_periodic,
		test_timer_tsc_deadline, test_timer_min_period, test_trapped_write,
		test_match_dest,
		test_lowest_priority,
		test_state_round_trip, test_random_vs_model,
	};

	return unit_run(tests, ARRAY_SIZE(tests));
}
