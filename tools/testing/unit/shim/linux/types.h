/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for the kernel's <linux/types.h>: the uapi header
 * plus the kernel-internal short type names, so module sources that are
 * pure logic compile unchanged into the unit tests.
 */
#ifndef KVMLITE_SHIM_LINUX_TYPES_H
#define KVMLITE_SHIM_LINUX_TYPES_H

#include_next <linux/types.h>
#include <stdbool.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

#define __aligned(x)	__attribute__((aligned(x)))
/* The kernel has these from <linux/compiler_attributes.h>, always. */
#define __always_unused	__attribute__((unused))

#endif /* KVMLITE_SHIM_LINUX_TYPES_H */
