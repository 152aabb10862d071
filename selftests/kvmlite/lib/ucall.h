/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ucall: how guest code talks to the host test.  The guest fills a
 * struct ucall (on its stack) and writes its guest-physical address, as
 * 32 bits, to UCALL_PORT with OUT; the host sees KVM_EXIT_IO on that
 * port, reads the struct out of guest memory and acts on it.  Guest
 * pointers fit in 32 bits: the test image and every guest page the
 * library sets up live below 4 GiB, identity mapped.
 *
 * The guest half of this header (ucall(), GUEST_*) runs in the guest:
 * freestanding, no libc.
 */
#ifndef KVMLITE_UCALL_H
#define KVMLITE_UCALL_H

#include <stdarg.h>
#include <stdbool.h>
#include "kvmlite_compiler.h"

/* The kernel's fixed-size types, as <linux/types.h> spells them. */
typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;

#define UCALL_PORT	0x7ff0
#define UCALL_BUF_SIZE	256
#define UCALL_MAX_ARGS	4

enum ucall_cmd {
	UCALL_NONE,		/* the exit was not a ucall */
	UCALL_SYNC,		/* args[0] stage, args[1] value */
	UCALL_DONE,		/* the guest finished */
	UCALL_ABORT,		/* GUEST_ASSERT failed: buf says where and why */
	UCALL_PRINTF,		/* buf holds a line of guest output */
	UCALL_EXCEPTION,	/* args[0] vector, args[1] error code, args[2] RIP */
};

struct ucall {
	u64 cmd;
	u64 args[UCALL_MAX_ARGS];
	char buf[UCALL_BUF_SIZE];
};

/* Guest side. */
void ucall(u64 cmd, int nargs, ...);
__printf(1, 2) void guest_printf(const char *fmt, ...);
__printf(4, 5) __noreturn void guest_assert_fail(const char *file, int line,
						 const char *expr,
						 const char *fmt, ...);
int guest_vsnprintf(char *buf, int size, const char *fmt, va_list ap);
__printf(3, 4) int guest_snprintf(char *buf, int size, const char *fmt, ...);

#define GUEST_SYNC(stage, val)	ucall(UCALL_SYNC, 2, (u64)(stage), (u64)(val))
#define GUEST_DONE()		ucall(UCALL_DONE, 0)
#define GUEST_PRINTF(...)	guest_printf(__VA_ARGS__)

#define GUEST_ASSERT(cond)						\
	do {								\
		if (!(cond))						\
			guest_assert_fail(__FILE__, __LINE__, #cond,	\
					  "%s", "");			\
	} while (0)

#define GUEST_ASSERT_EQ(a, b)						\
	do {								\
		u64 __ga = (u64)(a), __gb = (u64)(b);			\
		if (__ga != __gb)					\
			guest_assert_fail(__FILE__, __LINE__,		\
					  #a " == " #b,			\
					  "%#llx != %#llx",		\
					  (unsigned long long)__ga,	\
					  (unsigned long long)__gb);	\
	} while (0)

#endif /* KVMLITE_UCALL_H */
