/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Running kvmlite-run (the VMM) from a selftest: its exit status and
 * everything it wrote to stdout and stderr, with a time limit.
 */
#ifndef SELFTEST_VMM_RUN_H
#define SELFTEST_VMM_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* kvmlite-run's exit status (tools/vmm/kvmlite-run.h). */
#define VMM_EX_USAGE		64
#define VMM_EX_DATAERR		65
#define VMM_EX_NOINPUT		66
#define VMM_EX_UNAVAILABLE	69

struct vmm_result {
	int status;		/* exit status; -1: killed or not run */
	bool timed_out;
	double seconds;		/* wall-clock time it ran */
	char *out;		/* NUL-terminated, never NULL after vmm_run */
	char *err;
};

/* $KVMLITE_RUN, else /usr/bin/kvmlite-run, else the build tree's. */
const char *vmm_path(void);
/*
 * Run the VMM with args (NULL-terminated, without argv[0]), stdin from
 * /dev/null; after timeout_s seconds it gets SIGUSR2 (it prints its vCPUs'
 * state) and, 3 s later, SIGKILL.
 */
void vmm_run(struct vmm_result *res, const char *const *args,
	     unsigned int timeout_s);
/* The same, calling poll(pid) about every 20 ms while it runs. */
void vmm_run_poll(struct vmm_result *res, const char *const *args,
		  unsigned int timeout_s, void (*poll)(pid_t pid));
void vmm_result_free(struct vmm_result *res);
/* Exit status, then stdout and stderr (their last max bytes) as TAP diagnostics. */
void vmm_show(const char *what, const struct vmm_result *res, size_t max);

#endif
