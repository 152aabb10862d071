// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/kvmlite is root-only by default: root opens it, an unprivileged
 * user (nobody) gets EACCES, as with an ordinary 0600 device node.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kvmlite_util.h"
#include "tap.h"

int main(int argc, char **argv)
{
	struct stat sb;
	int dev, status;
	pid_t child;

	dev = open_device_or_skip(argc, argv, NULL);
	tap_plan(3);
	tap_check(dev >= 0, "root opens %s", KVMLITE_DEV);
	tap_check(fstat(dev, &sb) == 0 && (sb.st_mode & 0077) == 0,
		  "no group or other permission bits (mode %o)",
		  sb.st_mode & 07777);
	close(dev);

	child = fork();
	if (child == 0) {
		if (setgroups(0, NULL) || setgid(KVMLITE_NOBODY_ID) ||
		    setuid(KVMLITE_NOBODY_ID))
			_exit(10);
		if (open(KVMLITE_DEV, O_RDWR) >= 0)
			_exit(11);
		_exit(errno == EACCES ? 0 : 12);
	}
	tap_check(waitpid(child, &status, 0) == child && WIFEXITED(status) &&
		  WEXITSTATUS(status) == 0,
		  "uid %d cannot open it: EACCES (child exit %d: 10 setuid failed, 11 opened, 12 other errno)",
		  KVMLITE_NOBODY_ID, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	tap_finish();
}
