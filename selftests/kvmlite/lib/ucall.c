// SPDX-License-Identifier: GPL-2.0
/*
 * Guest half of ucall and a small freestanding formatter for
 * GUEST_PRINTF and GUEST_ASSERT messages.  Everything here runs inside
 * the guest: no libc, no memset/memcpy calls (the Makefile builds guest
 * code with -fno-tree-loop-distribute-patterns so that loops stay loops).
 */
#include <stddef.h>

#include "ucall.h"

static void ucall_out(struct ucall *uc)
{
	u32 gpa = (u32)(unsigned long)uc;

	asm volatile("outl %0, %w1" : : "a"(gpa), "Nd"(UCALL_PORT) : "memory");
}

static void ucall_init(struct ucall *uc, u64 cmd)
{
	int i;

	uc->cmd = cmd;
	for (i = 0; i < UCALL_MAX_ARGS; i++)
		uc->args[i] = 0;
	uc->buf[0] = '\0';
}

void ucall(u64 cmd, int nargs, ...)
{
	struct ucall uc;
	va_list ap;
	int i;

	ucall_init(&uc, cmd);
	va_start(ap, nargs);
	for (i = 0; i < nargs && i < UCALL_MAX_ARGS; i++)
		uc.args[i] = va_arg(ap, u64);
	va_end(ap);
	ucall_out(&uc);
}

void guest_printf(const char *fmt, ...)
{
	struct ucall uc;
	va_list ap;

	ucall_init(&uc, UCALL_PRINTF);
	va_start(ap, fmt);
	guest_vsnprintf(uc.buf, sizeof(uc.buf), fmt, ap);
	va_end(ap);
	ucall_out(&uc);
}

void guest_assert_fail(const char *file, int line, const char *expr,
		       const char *fmt, ...)
{
	struct ucall uc;
	va_list ap;
	int n;

	ucall_init(&uc, UCALL_ABORT);
	uc.args[0] = line;
	n = guest_snprintf(uc.buf, sizeof(uc.buf), "%s:%d: %s: ", file, line,
			   expr);
	if (n < (int)sizeof(uc.buf)) {
		va_start(ap, fmt);
		guest_vsnprintf(uc.buf + n, sizeof(uc.buf) - n, fmt, ap);
		va_end(ap);
	}
	/* The host ends the test; should it run the vCPU again, say so again. */
	for (;;)
		ucall_out(&uc);
}

struct fmt_out {
	char *buf;
	int size, len;
};

static void put_c(struct fmt_out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void put_num(struct fmt_out *o, unsigned long long v, unsigned int base,
		    bool neg, int width, char pad, const char *prefix)
{
	char digits[24];
	int n = 0, plen = 0;

	do {
		digits[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	while (prefix && prefix[plen])
		plen++;
	width -= n + plen + neg;
	if (pad == '0') {
		if (neg)
			put_c(o, '-');
		while (prefix && *prefix)
			put_c(o, *prefix++);
	}
	while (width-- > 0)
		put_c(o, pad);
	if (pad != '0') {
		if (neg)
			put_c(o, '-');
		while (prefix && *prefix)
			put_c(o, *prefix++);
	}
	while (n)
		put_c(o, digits[--n]);
}

/* %[#][0][width][l|ll|z](d|i|u|x|p|s|c) and %%. */
int guest_vsnprintf(char *buf, int size, const char *fmt, va_list ap)
{
	struct fmt_out o = { buf, size, 0 };
	unsigned long long v;
	const char *s;
	bool alt, neg;
	int width, lng;
	char pad;

	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			put_c(&o, *fmt);
			continue;
		}
		fmt++;
		alt = *fmt == '#';
		fmt += alt;
		pad = *fmt == '0' ? '0' : ' ';
		width = 0;
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + *fmt++ - '0';
		lng = 0;
		while (*fmt == 'l' || *fmt == 'z') {
			lng++;
			fmt++;
		}
		neg = false;
		switch (*fmt) {
		case 'd':
		case 'i': {
			long long sv = lng ? va_arg(ap, long long) :
					     va_arg(ap, int);

			neg = sv < 0;
			v = neg ? -(unsigned long long)sv : (unsigned long long)sv;
			put_num(&o, v, 10, neg, width, pad, NULL);
			break;
		}
		case 'u':
		case 'x':
			v = lng ? va_arg(ap, unsigned long long) :
				  va_arg(ap, unsigned int);
			put_num(&o, v, *fmt == 'u' ? 10 : 16, false, width, pad,
				alt && *fmt == 'x' ? "0x" : NULL);
			break;
		case 'p':
			v = (unsigned long)va_arg(ap, void *);
			put_num(&o, v, 16, false, width, pad, "0x");
			break;
		case 's':
			s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			while (*s)
				put_c(&o, *s++);
			break;
		case 'c':
			put_c(&o, (char)va_arg(ap, int));
			break;
		case '%':
			put_c(&o, '%');
			break;
		case '\0':
			fmt--;
			break;
		default:
			put_c(&o, '%');
			put_c(&o, *fmt);
		}
	}
	if (size > 0)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return o.len;
}

int guest_snprintf(char *buf, int size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = guest_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
