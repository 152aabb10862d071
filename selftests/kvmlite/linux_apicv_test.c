// SPDX-License-Identifier: GPL-2.0
/*
 * The Linux guest of linux_guest_test on /dev/kvmlite, two vCPUs: with
 * APICv on (virtual-interrupt delivery; skipped in the Bochs lanes, whose
 * emulated CPU gets it wrong: linux_guest.h), with APICv off
 * (enable_apicv=0: every interrupt injected through VM entry, every LAPIC
 * access emulated) and with posted interrupts off (posted_interrupts=0:
 * vectors go to IRR under the LAPIC lock and the target is kicked).  Each
 * must reach init, see its interrupts move and power off, with no warning
 * in its console.
 */
#include "kvmlite_util.h"
#include "linux_guest.h"

static const struct linux_variant variants[] = {
	{ 2, "", true, "/dev/kvmlite: Linux, 2 vCPUs, APICv on" },
	{ 2, "enable_apicv=0", false, "/dev/kvmlite: Linux, 2 vCPUs, enable_apicv=0" },
	{ 2, "posted_interrupts=0", false, "/dev/kvmlite: Linux, 2 vCPUs, posted_interrupts=0" },
};

int main(void)
{
	linux_variants_main(variants, ARRAY_SIZE(variants));
}
