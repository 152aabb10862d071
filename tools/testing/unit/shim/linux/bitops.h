/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for the kernel's <linux/bitops.h>: the atomic bit
 * operations pi.c uses, as sequentially consistent GCC atomics (the
 * kernel's are locked instructions on x86, full barriers too).
 */
#ifndef KVMLITE_SHIM_LINUX_BITOPS_H
#define KVMLITE_SHIM_LINUX_BITOPS_H

#include <stdbool.h>
#include "bits.h"

/*
 * Where the unit tests' model checker may run another thread (unit.c:
 * nothing; coop.c: a scheduling point), before each read-modify-write.
 */
void unit_sched_point(void);

#define BIT_WORD(nr)	((nr) / BITS_PER_LONG)
#define BIT_MASK(nr)	(1UL << ((nr) % BITS_PER_LONG))

static inline void set_bit(long nr, unsigned long *addr)
{
	unit_sched_point();
	__atomic_fetch_or(&addr[BIT_WORD(nr)], BIT_MASK(nr), __ATOMIC_SEQ_CST);
}

static inline bool test_and_set_bit(long nr, unsigned long *addr)
{
	unit_sched_point();
	return __atomic_fetch_or(&addr[BIT_WORD(nr)], BIT_MASK(nr),
				 __ATOMIC_SEQ_CST) & BIT_MASK(nr);
}

static inline bool test_and_clear_bit(long nr, unsigned long *addr)
{
	unit_sched_point();
	return __atomic_fetch_and(&addr[BIT_WORD(nr)], ~BIT_MASK(nr),
				  __ATOMIC_SEQ_CST) & BIT_MASK(nr);
}

static inline bool test_bit(long nr, const unsigned long *addr)
{
	return __atomic_load_n(&addr[BIT_WORD(nr)], __ATOMIC_SEQ_CST) &
	       BIT_MASK(nr);
}

/* Index of the most significant set bit; word must not be 0. */
static inline unsigned long __fls(unsigned long word)
{
	return BITS_PER_LONG - 1 - __builtin_clzl(word);
}

#endif /* KVMLITE_SHIM_LINUX_BITOPS_H */
