/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Cooperative threads for stateless model checking.  The module's own
 * code runs in them unchanged; every atomic read-modify-write in the shim
 * (shim/linux/bitops.h, atomic.h) is a point where another thread may
 * run.  coop_run() runs one interleaving, chosen by a path; coop_next()
 * moves the path on, depth first, until every interleaving was run.
 */
#ifndef KVMLITE_UNIT_COOP_H
#define KVMLITE_UNIT_COOP_H

#include <stdbool.h>

#define COOP_MAX_THREADS	6
#define COOP_MAX_DEPTH		512

typedef void (*coop_fn)(void *arg);

struct coop_path {
	int len;			/* decisions made in the last run */
	int prefix;			/* decisions to replay in the next */
	unsigned char choice[COOP_MAX_DEPTH];
	unsigned char options[COOP_MAX_DEPTH];
	unsigned long long (*random)(void);	/* set: random, not DFS */
	bool truncated;			/* the last run went past the depth */
};

/* Before coop_run(): the threads of one run, in a fixed order. */
void coop_spawn(coop_fn fn, void *arg);
/* Run the spawned threads until none can run; returns how many blocked. */
int coop_run(struct coop_path *p);
/* The next depth-first path; false when all were run. */
bool coop_next(struct coop_path *p);

/* From a thread: let another run; block until coop_wake(tid). */
void coop_yield(void);
void coop_block(void);
void coop_wake(int tid);
/* The running thread, -1 outside coop_run(). */
int coop_self(void);

#endif /* KVMLITE_UNIT_COOP_H */
