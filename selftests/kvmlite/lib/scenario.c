// SPDX-License-Identifier: GPL-2.0
/*
 * The device switch: each scenario of a test runs on /dev/kvmlite and
 * then on /dev/kvm (KVM is the oracle), or on the one --device PATH, in
 * a child process of its own so that a failed assertion, a crash or a
 * hung guest ends only that scenario.  A capability the device does not
 * report (KVM_CHECK_EXTENSION) turns the scenario into a SKIP naming it.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kvm_util.h"
#include "kvmlite_util.h"

#define KVM_DEV			"/dev/kvm"
#define SCENARIO_TIMEOUT_S	120
#define REASON_SIZE		256

int test_failures;
static char *skip_reason;	/* shared with the parent */

static void diag_at(const char *file, int line, const char *fmt, va_list ap)
{
	printf("# %s:%d: ", file, line);
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
}

void test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_at(file, line, fmt, ap);
	va_end(ap);
	trace_dump_tail(60);
	exit(KSFT_FAIL);
}

void test_expect_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_at(file, line, fmt, ap);
	va_end(ap);
	test_failures++;
}

void test_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (skip_reason)
		vsnprintf(skip_reason, REASON_SIZE, fmt, ap);
	va_end(ap);
	fflush(stdout);
	exit(KSFT_SKIP);
}

const char *errno_str(int err)
{
	return errno_name(err);
}

bool test_expect_errno(const char *file, int line, long ret, int err,
		       int expected, const char *what)
{
	if (ret == -1 && err == expected)
		return true;
	if (ret == -1)
		test_expect_fail(file, line, "%s: expected %s, got -1/%s", what,
				 errno_str(expected), errno_str(err));
	else
		test_expect_fail(file, line, "%s: expected -1/%s, got %ld",
				 what, errno_str(expected), ret);
	return false;
}

long check_cap(int fd, long cap)
{
	return ioctl(fd, KVM_CHECK_EXTENSION, cap);
}

const char *cap_name(long cap)
{
	static char buf[32];

	switch (cap) {
	case KVM_CAP_USER_MEMORY: return "KVM_CAP_USER_MEMORY";
	case KVM_CAP_NR_VCPUS: return "KVM_CAP_NR_VCPUS";
	case KVM_CAP_MAX_VCPUS: return "KVM_CAP_MAX_VCPUS";
	case KVM_CAP_MAX_VCPU_ID: return "KVM_CAP_MAX_VCPU_ID";
	case KVM_CAP_NR_MEMSLOTS: return "KVM_CAP_NR_MEMSLOTS";
	case KVM_CAP_READONLY_MEM: return "KVM_CAP_READONLY_MEM";
	case KVM_CAP_IMMEDIATE_EXIT: return "KVM_CAP_IMMEDIATE_EXIT";
	case KVM_CAP_EXT_CPUID: return "KVM_CAP_EXT_CPUID";
	case KVM_CAP_SET_TSS_ADDR: return "KVM_CAP_SET_TSS_ADDR";
	}
	snprintf(buf, sizeof(buf), "capability %ld", cap);
	return buf;
}

const char *device_arg(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc - 1; i++)
		if (!strcmp(argv[i], "--device"))
			return argv[i + 1];
	return NULL;
}

/* Open a device, loading its module where needed; -1 with a reason. */
static int device_open(const char *path, char *why, size_t size,
		       bool *loaded_kvm)
{
	int fd, r;

	if (!strcmp(path, KVMLITE_DEV)) {
		if (!lane_has_vmx()) {
			snprintf(why, size, "no VT-x in lane '%s'", lane_name());
			return -1;
		}
		r = kvmlite_ensure_loaded();
		if (r) {
			snprintf(why, size, "cannot load %s: %s",
				 kvmlite_ko_path(), strerror(-r));
			return -2;
		}
	} else if (!strcmp(path, KVM_DEV) && access(KVM_DEV, F_OK)) {
		if (!lane_has_vmx() || kvm_modules_load()) {
			snprintf(why, size, "no %s (kvm_intel does not load in lane '%s')",
				 KVM_DEV, lane_name());
			return -1;
		}
		*loaded_kvm = true;
	}
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, size, "open %s: %s", path, strerror(errno));
		return errno == ENOENT ? -1 : -2;
	}
	return fd;
}

static void run_one(int fd, const char *path, const struct scenario *s)
{
	char desc[256];
	int status, i;
	pid_t pid;

	snprintf(desc, sizeof(desc), "%s: %s", path, s->name);
	if ((s->needs & NEED_VCPUS) && check_cap(fd, KVM_CAP_NR_VCPUS) <= 0) {
		tap_skip_desc(desc, "device lacks KVM_CAP_NR_VCPUS (vCPUs)");
		return;
	}
	if ((s->needs & NEED_MEMORY) &&
	    check_cap(fd, KVM_CAP_USER_MEMORY) <= 0) {
		tap_skip_desc(desc, "device lacks KVM_CAP_USER_MEMORY (guest memory)");
		return;
	}
	for (i = 0; i < SCENARIO_MAX_CAPS && s->caps[i]; i++) {
		if (check_cap(fd, s->caps[i]) <= 0) {
			tap_skip_desc(desc, "device lacks %s",
				      cap_name(s->caps[i]));
			return;
		}
	}
	skip_reason[0] = '\0';
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		tap_check(false, "%s (fork: %s)", desc, strerror(errno));
		return;
	}
	if (!pid) {
		alarm(SCENARIO_TIMEOUT_S);
		test_failures = 0;
		s->fn(fd);
		fflush(stdout);
		exit(test_failures ? KSFT_FAIL : KSFT_PASS);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == KSFT_SKIP)
		tap_skip_desc(desc, "%s", skip_reason);
	else if (WIFSIGNALED(status))
		tap_check(false, "%s (killed by signal %d%s)", desc,
			  WTERMSIG(status),
			  WTERMSIG(status) == SIGALRM ? ": timeout" : "");
	else
		tap_check(WIFEXITED(status) && WEXITSTATUS(status) == KSFT_PASS,
			  "%s", desc);
}

void run_scenarios_then(int argc, char **argv, const struct scenario *s,
			int n, int extra)
{
	static const char * const all[] = { KVMLITE_DEV, KVM_DEV };
	const char *only = device_arg(argc, argv);
	const char * const *devs = only ? &only : all;
	int ndevs = only ? 1 : 2;
	bool loaded_kvm = false;
	char why[256];
	int d, i, fd;

	skip_reason = mmap(NULL, REASON_SIZE, PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (skip_reason == MAP_FAILED)
		tap_bail("mmap: %s", strerror(errno));
	tap_plan(n * ndevs + extra);
	for (d = 0; d < ndevs; d++) {
		fd = device_open(devs[d], why, sizeof(why), &loaded_kvm);
		for (i = 0; i < n; i++) {
			char desc[256];

			snprintf(desc, sizeof(desc), "%s: %s", devs[d],
				 s[i].name);
			if (fd == -1)
				tap_skip_desc(desc, "%s", why);
			else if (fd < 0)
				tap_check(false, "%s (%s)", desc, why);
			else
				run_one(fd, devs[d], &s[i]);
		}
		if (fd >= 0)
			close(fd);
	}
	if (loaded_kvm)
		kvm_modules_unload();
}

void run_scenarios(int argc, char **argv, const struct scenario *s, int n)
{
	run_scenarios_then(argc, argv, s, n, 0);
	tap_finish();
}
