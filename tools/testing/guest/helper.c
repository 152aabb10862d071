// SPDX-License-Identifier: GPL-2.0
/*
 * kvmlite-testhelper: tiny helper for the test guest's /init.
 *
 *   kvmlite-testhelper tsc             print the TSC (Bochs: emulated
 *                                      instructions since reset)
 *   kvmlite-testhelper bochs-shutdown  write "Shutdown" to port 0x8900, which
 *                                      makes Bochs exit (fallback when ACPI
 *                                      poweroff does not end the emulator)
 *
 * Built without libc (-nostdlib -static): a static glibc binary is ~750 KB,
 * and every byte of the initramfs costs emulated time to unpack.
 */
#include <linux/unistd.h>

#include "kvmlite_compiler.h"

static long sys3(long nr, long a, long b, long c)
{
	long ret;

	asm volatile("syscall"
		     : "=a"(ret)
		     : "a"(nr), "D"(a), "S"(b), "d"(c)
		     : "rcx", "r11", "memory");
	return ret;
}

static unsigned long str_len(const char *s)
{
	unsigned long n = 0;

	while (s[n])
		n++;
	return n;
}

static int str_eq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

static void put(int fd, const char *s)
{
	sys3(__NR_write, fd, (long)s, (long)str_len(s));
}

static void put_u64(unsigned long long v)
{
	char buf[24];
	int i = sizeof(buf) - 1;

	buf[i] = '\0';
	buf[--i] = '\n';
	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put(1, buf + i);
}

static int bochs_shutdown(void)
{
	const char *s = "Shutdown";

	if (sys3(__NR_ioperm, 0x8900, 1, 1)) {
		put(2, "kvmlite-testhelper: ioperm failed\n");
		return 1;
	}
	while (*s)
		asm volatile("outb %b0, %w1" : : "a"(*s++), "Nd"(0x8900));
	return 0;
}

static int run(int argc, char **argv)
{
	unsigned int lo, hi;

	if (argc == 2 && str_eq(argv[1], "tsc")) {
		asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
		put_u64(((unsigned long long)hi << 32) | lo);
		return 0;
	}
	if (argc == 2 && str_eq(argv[1], "bochs-shutdown"))
		return bochs_shutdown();
	put(2, "usage: kvmlite-testhelper tsc|bochs-shutdown\n");
	return 2;
}

/* Called from _start with the initial stack pointer (argc, argv...). */
__used void helper_main(long *sp)
{
	sys3(__NR_exit, run((int)sp[0], (char **)(sp + 1)), 0, 0);
}

asm(".globl _start\n"
	"_start:\n"
	"	mov %rsp, %rdi\n"
	"	and $-16, %rsp\n"
	"	call helper_main\n"
	"	hlt\n");
