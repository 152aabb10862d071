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

/* Run the test functions in order; print the plan last (TAP allows it). */
#define UNIT_MAIN(...)							\
int main(void)								\
{									\
	void (*const tests[])(void) = { __VA_ARGS__ };			\
	size_t i;							\
									\
	printf("TAP version 13\n");					\
	for (i = 0; i < ARRAY_SIZE(tests); i++)				\
		tests[i]();						\
	printf("1..%d\n", unit_checks);					\
	return unit_failures ? 1 : 0;					\
}

#endif /* KVMLITE_UNIT_H */
