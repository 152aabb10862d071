// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>

#include "unit.h"

int unit_checks, unit_failures;

/* No scheduler: the shim's scheduling points do nothing (coop.c has one). */
__weak void unit_sched_point(void)
{
}

bool unit_check(bool ok, const char *expr, const char *fmt, ...)
{
	va_list ap;

	unit_checks++;
	if (!ok)
		unit_failures++;
	printf("%s %d - ", ok ? "ok" : "not ok", unit_checks);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!ok)
		printf("# failed: %s\n", expr);
	return ok;
}

int unit_run(const unit_test_fn *tests, size_t count)
{
	size_t i;

	printf("TAP version 13\n");
	for (i = 0; i < count; i++)
		tests[i]();
	printf("1..%d\n", unit_checks);
	return unit_failures ? 1 : 0;
}
