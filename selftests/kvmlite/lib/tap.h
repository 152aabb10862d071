/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TAP 13 output with kselftest's exit codes (0 pass, 1 fail, 4 skip), so
 * the tests read the same inside a kernel tree's selftest runner.
 */
#ifndef KVMLITE_TAP_H
#define KVMLITE_TAP_H

#include <stdbool.h>
#include "kvmlite_compiler.h"

#define KSFT_PASS	0
#define KSFT_FAIL	1
#define KSFT_SKIP	4

void tap_plan(int planned);
__printf(2, 3) bool tap_check(bool ok, const char *fmt, ...);
__printf(1, 2) void tap_skip(const char *fmt, ...);
/* "ok N desc # SKIP reason" */
__printf(2, 3) void tap_skip_desc(const char *desc, const char *fmt, ...);
__printf(1, 2) void tap_diag(const char *fmt, ...);
__printf(1, 2) __noreturn void tap_skip_all(const char *fmt, ...);
__printf(1, 2) __noreturn void tap_bail(const char *fmt, ...);
__noreturn void tap_finish(void);

/*
 * Check that a call failed with one precise errno: ret must be -1 and
 * err (the errno saved right after the call) must equal expected.
 */
bool tap_check_errno(long ret, int err, int expected, const char *what);
const char *errno_name(int err);

#endif /* KVMLITE_TAP_H */
