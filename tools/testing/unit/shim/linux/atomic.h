/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for the kernel's <linux/atomic.h>: xchg, READ_ONCE,
 * try_cmpxchg (which, as the kernel's, updates *old on failure).
 */
#ifndef KVMLITE_SHIM_LINUX_ATOMIC_H
#define KVMLITE_SHIM_LINUX_ATOMIC_H

void unit_sched_point(void);	/* shim/linux/bitops.h */

#define xchg(ptr, val)	({ unit_sched_point(); \
			   __atomic_exchange_n((ptr), (val), __ATOMIC_SEQ_CST); })
#define READ_ONCE(x)	__atomic_load_n(&(x), __ATOMIC_SEQ_CST)

#define try_cmpxchg(ptr, old, new) \
	__atomic_compare_exchange_n((ptr), (old), (new), false, \
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)

#endif /* KVMLITE_SHIM_LINUX_ATOMIC_H */
