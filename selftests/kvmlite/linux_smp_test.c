// SPDX-License-Identifier: GPL-2.0
/*
 * The Linux guest of linux_guest_test on /dev/kvmlite with one vCPU and
 * with four (more vCPUs than the test machine has CPUs, so vCPU threads
 * share CPUs and IPIs reach preempted and halted vCPUs).  Each must reach
 * init, see its interrupts move on every CPU and power off, with no
 * warning in its console.  In the Bochs lanes kvmlite runs them with
 * enable_apicv=0 (linux_guest.h says why).
 */
#include "kvmlite_util.h"
#include "linux_guest.h"

static const struct linux_variant variants[] = {
	{ 1, NULL, false, "/dev/kvmlite: Linux, 1 vCPU" },
	{ 4, NULL, false, "/dev/kvmlite: Linux, 4 vCPUs" },
};

int main(void)
{
	linux_variants_main(variants, ARRAY_SIZE(variants));
}
