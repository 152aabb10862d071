// SPDX-License-Identifier: GPL-2.0
/*
 * The LAPIC's owner for the libFuzzer targets: a clock the target moves,
 * and timer, kick, EOI and IPI requests that need no action here.
 */
#include "../unit.h"
#include "../../../../kmod/lapic.h"
#include "fuzz_owner.h"

u64 fuzz_now_ns;

/* One thread here: the atomics' scheduling points (coop.c) do nothing. */
void unit_sched_point(void)
{
}

static u64 f_now(struct kvmlite_lapic *apic)
{
	return fuzz_now_ns;
}

static void f_arm(struct kvmlite_lapic *apic, u64 expiry)
{
}

static void f_cancel(struct kvmlite_lapic *apic)
{
}

static void f_kick(struct kvmlite_lapic *apic)
{
}

static void f_eoi(struct kvmlite_lapic *apic, u8 vector)
{
}

static void f_ipi(struct kvmlite_lapic *apic, u32 low, u32 dest)
{
}

const struct kvmlite_lapic_ops fuzz_ops = {
	.now_ns = f_now, .timer_arm = f_arm, .timer_cancel = f_cancel,
	.kick = f_kick, .eoi_level = f_eoi, .send_ipi = f_ipi,
};
