/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for the kernel's <linux/bits.h>. */
#ifndef KVMLITE_SHIM_LINUX_BITS_H
#define KVMLITE_SHIM_LINUX_BITS_H

#define BITS_PER_LONG		64
#define BIT(n)			(1UL << (n))
#define BIT_ULL(n)		(1ULL << (n))
#define GENMASK_ULL(h, l)	((~0ULL >> (63 - (h))) & (~0ULL << (l)))

#endif /* KVMLITE_SHIM_LINUX_BITS_H */
