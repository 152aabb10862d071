// SPDX-License-Identifier: GPL-2.0
/* Cooperative threads on ucontext, for the model checker (coop.h). */
#include <string.h>
#include <ucontext.h>
#include <linux/types.h>

#include "coop.h"
#include "unit.h"

#define STACK_SIZE	(128 * 1024)

struct coop_thread {
	ucontext_t ctx;
	coop_fn fn;
	void *arg;
	bool done, blocked;
};

static struct coop_thread threads[COOP_MAX_THREADS];
static char stacks[COOP_MAX_THREADS][STACK_SIZE] __aligned(16);
static int nthreads, current = -1;
static ucontext_t sched_ctx;

/* The shim calls this before every atomic read-modify-write. */
void unit_sched_point(void)
{
	if (current >= 0)
		coop_yield();
}

int coop_self(void)
{
	return current;
}

static void trampoline(void)
{
	struct coop_thread *t = &threads[current];

	t->fn(t->arg);
	t->done = true;
	/* uc_link returns to the scheduler. */
}

void coop_spawn(coop_fn fn, void *arg)
{
	struct coop_thread *t = &threads[nthreads];

	memset(t, 0, sizeof(*t));
	t->fn = fn;
	t->arg = arg;
	getcontext(&t->ctx);
	t->ctx.uc_stack.ss_sp = stacks[nthreads];
	t->ctx.uc_stack.ss_size = STACK_SIZE;
	t->ctx.uc_link = &sched_ctx;
	makecontext(&t->ctx, trampoline, 0);
	nthreads++;
}

void coop_yield(void)
{
	swapcontext(&threads[current].ctx, &sched_ctx);
}

void coop_block(void)
{
	threads[current].blocked = true;
	coop_yield();
}

void coop_wake(int tid)
{
	threads[tid].blocked = false;
}

static int pick(struct coop_path *p, int n)
{
	int k = p->len, c;

	if (k >= COOP_MAX_DEPTH) {
		p->truncated = true;
		return 0;
	}
	if (p->random)
		c = (int)(p->random() % (unsigned long long)n);
	else
		c = k < p->prefix ? p->choice[k] : 0;
	p->choice[k] = (unsigned char)c;
	p->options[k] = (unsigned char)n;
	p->len++;
	return c;
}

int coop_run(struct coop_path *p)
{
	int ready[COOP_MAX_THREADS], n, i, blocked = 0;

	p->len = 0;
	p->truncated = false;
	for (;;) {
		n = 0;
		for (i = 0; i < nthreads; i++)
			if (!threads[i].done && !threads[i].blocked)
				ready[n++] = i;
		if (!n)
			break;
		current = ready[n > 1 ? pick(p, n) : 0];
		swapcontext(&sched_ctx, &threads[current].ctx);
		current = -1;
	}
	for (i = 0; i < nthreads; i++)
		blocked += !threads[i].done;
	nthreads = 0;
	return blocked;
}

bool coop_next(struct coop_path *p)
{
	int k;

	for (k = p->len - 1; k >= 0; k--) {
		if (p->choice[k] + 1 < p->options[k]) {
			p->choice[k]++;
			p->prefix = k + 1;
			return true;
		}
	}
	return false;
}
