// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>

#include "unit.h"

int unit_checks, unit_failures;

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
