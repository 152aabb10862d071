// SPDX-License-Identifier: GPL-2.0
/*
 * kvmlite-testhelper: tiny static helper for the test guest's /init.
 *
 *   kvmlite-testhelper tsc             print the TSC (Bochs: emulated
 *                                      instructions since reset)
 *   kvmlite-testhelper bochs-shutdown  write "Shutdown" to port 0x8900, which
 *                                      makes Bochs exit (fallback when ACPI
 *                                      poweroff does not end the emulator)
 */
#include <stdio.h>
#include <string.h>
#include <sys/io.h>
#include <x86intrin.h>

static int bochs_shutdown(void)
{
	const char *s = "Shutdown";

	if (ioperm(0x8900, 1, 1)) {
		perror("ioperm");
		return 1;
	}
	while (*s)
		outb((unsigned char)*s++, 0x8900);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "tsc")) {
		printf("%llu\n", (unsigned long long)__rdtsc());
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "bochs-shutdown"))
		return bochs_shutdown();
	fprintf(stderr, "usage: %s tsc|bochs-shutdown\n", argv[0]);
	return 2;
}
