// SPDX-License-Identifier: GPL-2.0
/*
 * kvmlite-run --kernel boots an unmodified Linux (the test machine's own
 * Debian kernel) with two vCPUs on /dev/kvmlite (linux_kvm_test does it
 * on /dev/kvm); the
 * guest's init (tools/testing/guest/linux-init) checks that both CPUs are
 * online, makes them idle in HLT while timers, IPIs and UART interrupts
 * arrive, checks /proc/interrupts moved on every CPU and powers off.
 *
 * Before that, the bad inputs of --kernel, none of which needs a device:
 * not a bzImage, boot protocol too old, truncated, a kernel or an initrd
 * that does not fit --mem, --initrd without --kernel, a command line
 * longer than the kernel takes.  Each must give its exit status and
 * message.
 *
 * The boots are skipped where the lane has no VT-x or the test machine
 * too little memory (the lanes' bochs-linux and bochs3-linux boots run
 * them).
 *
 * Environment: KVMLITE_LINUX_KERNEL, KVMLITE_LINUX_INITRD,
 * KVMLITE_LINUX_APPEND (linux_guest.h), KVMLITE_RUN (vmm_run.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kvmlite_util.h"
#include "linux_guest.h"
#include "tap.h"
#include "vmm_run.h"

#define NR_BAD_INPUTS	8
#define HDR_VERSION	0x206
#define HDR_PREF_ADDR	0x258
#define HDR_INIT_SIZE	0x260

static unsigned char *kernel;
static size_t kernel_size;

static void read_kernel(void)
{
	struct stat st;
	int fd = open(linux_kernel_path(), O_RDONLY);

	if (fd < 0 || fstat(fd, &st) < 0)
		tap_bail("%s: %s", linux_kernel_path(), strerror(errno));
	kernel_size = st.st_size;
	kernel = malloc(kernel_size);
	if (!kernel || read(fd, kernel, kernel_size) != (ssize_t)kernel_size)
		tap_bail("%s: read failed", linux_kernel_path());
	close(fd);
}

static const char *write_tmp(const char *name, const void *data, size_t len)
{
	static char paths[4][64];
	static int next;
	char *p = paths[next++ % 4];
	int fd;

	snprintf(p, sizeof(paths[0]), "/tmp/linux_guest_test.%s", name);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, data, len) != (ssize_t)len)
		tap_bail("%s: %s", p, strerror(errno));
	close(fd);
	return p;
}

static void bad_input(const char *what, const char *const *args, int status,
		      const char *msg)
{
	struct vmm_result res;
	bool ok;

	vmm_run(&res, args, 60);
	ok = res.status == status && strstr(res.err, msg);
	if (!ok) {
		vmm_show(what, &res, 2000);
		tap_diag("expected exit %d and \"%s\" on stderr", status, msg);
	}
	vmm_result_free(&res);
	tap_check(ok, "--kernel, %s: exit %d, \"%s\"", what, status, msg);
}

static void bad_inputs(void)
{
	unsigned char *old = malloc(kernel_size);
	char mem[16], *cmdline;
	unsigned long long need, pref;
	unsigned int init_size;
	const char *k = linux_kernel_path(), *f;

	/* The kernel's footprint, as bzimage.c computes it. */
	memcpy(&pref, kernel + HDR_PREF_ADDR, sizeof(pref));
	memcpy(&init_size, kernel + HDR_INIT_SIZE, sizeof(init_size));
	need = (pref > 0x100000 ? pref : 0x100000) + init_size;
	snprintf(mem, sizeof(mem), "%llu", (need >> 20) + 2);

	bad_input("not a bzImage", (const char *const[]){ "--kernel",
		  vmm_path(), NULL }, VMM_EX_DATAERR, "not a Linux bzImage");
	memcpy(old, kernel, kernel_size);
	old[HDR_VERSION] = 0x05;
	old[HDR_VERSION + 1] = 0x02;
	f = write_tmp("old", old, kernel_size);
	bad_input("protocol 2.05", (const char *const[]){ "--kernel", f,
		  NULL }, VMM_EX_DATAERR, "boot protocol 2.05 is too old");
	f = write_tmp("trunc", kernel, kernel_size / 2);
	bad_input("truncated", (const char *const[]){ "--kernel", f, NULL },
		  VMM_EX_DATAERR, "truncated");
	bad_input("kernel larger than --mem", (const char *const[]){ "--mem",
		  "16", "--kernel", k, NULL }, VMM_EX_DATAERR,
		  "the kernel needs guest RAM up to");
	/* Room for the kernel, not for a kernel-sized initrd. */
	bad_input("initrd does not fit", (const char *const[]){ "--mem", mem,
		  "--kernel", k, "--initrd", k, NULL }, VMM_EX_DATAERR,
		  "does not fit between the kernel");
	bad_input("initrd without kernel", (const char *const[]){
		  "--initrd", k, "x.elf", NULL }, VMM_EX_USAGE,
		  "--initrd needs --kernel");
	cmdline = malloc(8192);
	memset(cmdline, 'a', 8191);
	cmdline[8191] = '\0';
	bad_input("command line too long", (const char *const[]){
		  "--kernel", k, "--append", cmdline, NULL }, VMM_EX_USAGE,
		  "the kernel accepts at most");
	bad_input("--kernel with an image", (const char *const[]){
		  "--kernel", k, "x.elf", NULL }, VMM_EX_USAGE,
		  "--kernel takes no IMAGE");
	free(cmdline);
	free(old);
}

int main(void)
{
	const char *missing = linux_guest_missing(), *skip;

	tap_plan(NR_BAD_INPUTS + 1);
	if (missing) {
		for (int i = 0; i < NR_BAD_INPUTS + 1; i++)
			tap_skip("%s", missing);
		tap_finish();
	}
	read_kernel();
	bad_inputs();

	skip = linux_boot_skip_reason();
	if (skip) {
		tap_skip("/dev/kvmlite: Linux, 2 vCPUs: %s", skip);
		tap_finish();
	}
	module_unload(KVMLITE_MODULE);
	if (*linux_lane_kvmlite_params())
		tap_diag("kvmlite %s: this lane's CPU delivers virtual interrupts with IF=0",
			 linux_lane_kvmlite_params());
	if (module_load(kvmlite_ko_path(), linux_lane_kvmlite_params()))
		tap_check(false, "load %s", kvmlite_ko_path());
	else
		linux_boot_check(KVMLITE_DEV, 2,
				 "/dev/kvmlite: Linux, 2 vCPUs, to init and poweroff");
	module_unload(KVMLITE_MODULE);
	tap_finish();
}
