/* SPDX-License-Identifier: GPL-2.0 */
/* The kernel's small compiler helpers, for kvmlite's userspace programs. */
#ifndef KVMLITE_COMPILER_H
#define KVMLITE_COMPILER_H

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define __printf(fmt, args) __attribute__((format(printf, fmt, args)))
#define __noreturn	__attribute__((noreturn))
#define __used		__attribute__((used))
#define fallthrough	__attribute__((__fallthrough__))
#define __weak		__attribute__((weak))

#endif /* KVMLITE_COMPILER_H */
