// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

static int tap_planned = -1;
static int tap_number, tap_failed, tap_skipped;

void tap_plan(int planned)
{
	tap_planned = planned;
	printf("TAP version 13\n1..%d\n", planned);
	fflush(stdout);
}

static void tap_line(const char *status, const char *directive,
		     const char *fmt, va_list ap)
{
	printf("%s %d ", status, ++tap_number);
	vprintf(fmt, ap);
	if (directive)
		printf(" # %s", directive);
	printf("\n");
	fflush(stdout);
}

bool tap_check(bool ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_line(ok ? "ok" : "not ok", NULL, fmt, ap);
	va_end(ap);
	if (!ok)
		tap_failed++;
	return ok;
}

void tap_skip(const char *fmt, ...)
{
	va_list ap;

	printf("ok %d # SKIP ", ++tap_number);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	tap_skipped++;
}

void tap_skip_desc(const char *desc, const char *fmt, ...)
{
	va_list ap;

	printf("ok %d %s # SKIP ", ++tap_number, desc);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	tap_skipped++;
}

void tap_diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

void tap_skip_all(const char *fmt, ...)
{
	va_list ap;

	printf("TAP version 13\n1..0 # SKIP ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	exit(KSFT_SKIP);
}

void tap_bail(const char *fmt, ...)
{
	va_list ap;

	printf("Bail out! ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	exit(KSFT_FAIL);
}

void tap_finish(void)
{
	if (tap_planned >= 0 && tap_number != tap_planned) {
		printf("# planned %d tests but ran %d\n", tap_planned,
		       tap_number);
		tap_failed++;
	}
	printf("# Totals: pass:%d fail:%d skip:%d\n",
	       tap_number - tap_failed - tap_skipped, tap_failed, tap_skipped);
	fflush(stdout);
	if (tap_failed)
		exit(KSFT_FAIL);
	if (tap_skipped && tap_skipped == tap_number)
		exit(KSFT_SKIP);
	exit(KSFT_PASS);
}

/* The errno's symbolic name, for messages that compare errnos. */
const char *errno_name(int err)
{
	static char buf[32];

	switch (err) {
	case 0: return "0";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EINTR: return "EINTR";
	case EIO: return "EIO";
	case ENXIO: return "ENXIO";
	case E2BIG: return "E2BIG";
	case EBADF: return "EBADF";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case ENODEV: return "ENODEV";
	case EINVAL: return "EINVAL";
	case ENOSPC: return "ENOSPC";
	case ENOTTY: return "ENOTTY";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	}
	snprintf(buf, sizeof(buf), "errno %d", err);
	return buf;
}

bool tap_check_errno(long ret, int err, int expected, const char *what)
{
	char got[64];

	if (ret == -1)
		snprintf(got, sizeof(got), "-1/%s", errno_name(err));
	else
		snprintf(got, sizeof(got), "%ld", ret);
	return tap_check(ret == -1 && err == expected,
			 "%s fails with %s (got %s)", what,
			 errno_name(expected), got);
}
