/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal unit-test harness: each CHECK is one TAP line, so a failure
 * names the exact expression and values; the program exits 1 on any
 * failure.
 */
#ifndef KVMLITE_UNIT_H
#define KVMLITE_UNIT_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "kvmlite_compiler.h"

extern int unit_checks, unit_failures;

__printf(3, 4) bool unit_check(bool ok, const char *expr, const char *fmt, ...);

#define CHECK(cond, ...) unit_check((cond), #cond, __VA_ARGS__)

typedef void (*unit_test_fn)(void);

/* Before each atomic read-modify-write of the shim (coop.h). */
void unit_sched_point(void);

/* Run the tests in order; print the plan last (TAP allows it). */
int unit_run(const unit_test_fn *tests, size_t count);

#endif /* KVMLITE_UNIT_H */
