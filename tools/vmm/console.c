// SPDX-License-Identifier: GPL-2.0
/*
 * The guest console's input (--kernel): a thread reads stdin and feeds
 * COM1's receive FIFO, waiting while the FIFO is full.
 *
 * When stdin is a terminal it is put in raw mode, so that every key
 * (Ctrl-C too) goes to the guest, and restored on every way out: the
 * end of the run, exit(), and SIGINT/SIGTERM/SIGHUP/SIGQUIT (restored,
 * then the signal's default action).  Ctrl-A x ends the run (status 0),
 * Ctrl-A Ctrl-A sends one Ctrl-A, as in QEMU.  At end of input (EOF)
 * the thread ends and the guest keeps running.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "kvmlite-run.h"

#define CTRL_A		0x01

static struct termios saved_tty;
/* Read by the signal handler: accessed atomically. */
static sig_atomic_t tty_raw;

void console_stop(void)
{
	if (__atomic_exchange_n(&tty_raw, 0, __ATOMIC_SEQ_CST))
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tty);
}

static void restore_and_die(int sig)
{
	console_stop();
	signal(sig, SIG_DFL);
	raise(sig);
}

static int make_raw(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct sigaction sa = { .sa_handler = restore_and_die };
	struct termios raw;
	size_t i;

	if (!isatty(STDIN_FILENO))
		return 0;
	if (tcgetattr(STDIN_FILENO, &saved_tty) < 0)
		return vmm_error(EX_OSERR, "stdin: tcgetattr: %s",
				 strerror(errno));
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], &sa, NULL);
	atexit(console_stop);
	raw = saved_tty;
	cfmakeraw(&raw);
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) < 0)
		return vmm_error(EX_OSERR, "stdin: tcsetattr: %s",
				 strerror(errno));
	__atomic_store_n(&tty_raw, 1, __ATOMIC_SEQ_CST);
	return 0;
}

static void feed(struct vm *vm, uint8_t byte)
{
	while (!serial_receive(byte) && !vm_stopping(vm))
		usleep(1000);
}

static void *input_thread(void *arg)
{
	struct vm *vm = arg;
	bool escape = false;
	uint8_t buf[64];
	ssize_t n, i;

	while (!vm_stopping(vm)) {
		n = read(STDIN_FILENO, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (i = 0; i < n; i++) {
			if (escape) {
				escape = false;
				if (buf[i] == 'x') {
					vm_stop(vm, 0);
					return NULL;
				}
				if (buf[i] != CTRL_A)
					feed(vm, CTRL_A);
			} else if (buf[i] == CTRL_A &&
				   __atomic_load_n(&tty_raw, __ATOMIC_SEQ_CST)) {
				escape = true;
				continue;
			}
			feed(vm, buf[i]);
		}
	}
	return NULL;
}

int console_start(struct vm *vm)
{
	sigset_t all, old;
	pthread_t thread;
	int r;

	r = make_raw();
	if (r)
		return r;
	/* The thread takes no signal: the vCPU threads' kicks stay theirs. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	r = pthread_create(&thread, NULL, input_thread, vm);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r)
		return vmm_error(EX_OSERR, "console: pthread_create: %s",
				 strerror(r));
	pthread_detach(thread);
	return 0;
}
