// SPDX-License-Identifier: GPL-2.0
/*
 * Run kvmlite-run for a selftest (vmm_run.h).  Its output goes to memfds,
 * read whole when it has ended, so that a chatty guest (a Linux boot log)
 * cannot block it on a full pipe.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "vmm_run.h"

#define MAX_ARGS	32

const char *vmm_path(void)
{
	const char *env = getenv("KVMLITE_RUN");

	if (env && *env)
		return env;
	if (!access("/usr/bin/kvmlite-run", X_OK))
		return "/usr/bin/kvmlite-run";
	return "../../tools/vmm/kvmlite-run";
}

static char *read_all(int fd)
{
	struct stat st;
	char *buf;
	ssize_t n;

	if (fstat(fd, &st) < 0)
		st.st_size = 0;
	buf = malloc(st.st_size + 1);
	if (!buf)
		tap_bail("out of memory");
	n = pread(fd, buf, st.st_size, 0);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
	return buf;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void vmm_run(struct vmm_result *res, const char *const *args,
	     unsigned int timeout_s)
{
	vmm_run_poll(res, args, timeout_s, NULL);
}

void vmm_run_poll(struct vmm_result *res, const char *const *args,
		  unsigned int timeout_s, void (*poll)(pid_t pid))
{
	struct timespec tick = { 0, 20 * 1000 * 1000 };
	const char *argv[MAX_ARGS];
	int out, err, n = 0, wstatus = 0;
	double start = now();
	pid_t pid;

	memset(res, 0, sizeof(*res));
	res->status = -1;
	argv[n++] = vmm_path();
	for (; *args && n < MAX_ARGS - 1; args++)
		argv[n++] = *args;
	argv[n] = NULL;

	out = memfd_create("vmm-stdout", MFD_CLOEXEC);
	err = memfd_create("vmm-stderr", MFD_CLOEXEC);
	if (out < 0 || err < 0)
		tap_bail("memfd_create: %s", strerror(errno));
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		tap_bail("fork: %s", strerror(errno));
	if (!pid) {
		int null = open("/dev/null", O_RDONLY);

		dup2(null, 0);
		dup2(out, 1);
		dup2(err, 2);
		execv(argv[0], (char *const *)argv);
		dprintf(2, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &wstatus, WNOHANG) == 0) {
		if (now() - start >= timeout_s) {
			/* Its vCPUs' registers and LAPICs first (vcpu.c). */
			kill(pid, SIGUSR2);
			sleep(3);
			kill(pid, SIGKILL);
			waitpid(pid, &wstatus, 0);
			res->timed_out = true;
			tap_diag("kvmlite-run killed after %u s", timeout_s);
			break;
		}
		if (poll)
			poll(pid);
		nanosleep(&tick, NULL);
	}
	res->seconds = now() - start;
	if (!res->timed_out && WIFEXITED(wstatus))
		res->status = WEXITSTATUS(wstatus);
	res->out = read_all(out);
	res->err = read_all(err);
}

void vmm_result_free(struct vmm_result *res)
{
	free(res->out);
	free(res->err);
	res->out = NULL;
	res->err = NULL;
}

static const char *tail(const char *s, size_t max)
{
	size_t len = strlen(s);

	return len > max ? s + len - max : s;
}

void vmm_show(const char *what, const struct vmm_result *res, size_t max)
{
	tap_diag("%s: exit %d%s", what, res->status,
		 res->timed_out ? " (timed out)" : "");
	if (res->out && res->out[0])
		tap_diag("stdout: %s", tail(res->out, max));
	if (res->err && res->err[0])
		tap_diag("stderr: %s", tail(res->err, max));
}
