# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034
#
# Common settings for the tools/testing scripts; sourced, not run.
#
# Environment (all optional):
#   KVMLITE_BUILD_DIR   build dir (default <repo>/build/testing)
#   KVMLITE_CACHE_DIR   download cache (default $HOME/.cache/kvmlite)
#   KVMLITE_CMDLINE     extra kernel command line words for both lanes

TESTING_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$TESTING_DIR/../.." && pwd)
BUILD_DIR=${KVMLITE_BUILD_DIR:-$REPO_DIR/build/testing}
CACHE_DIR=${KVMLITE_CACHE_DIR:-${HOME:-/root}/.cache/kvmlite}

# Kernel command line shared by both lanes. Boot-speed choices are measured
# in BOOT-SPEED.md; the console must stay on COM1 for the logs. "quiet"
# keeps the slow serial console short during boot (guest/init raises the
# console level again for the tests, and dumps dmesg at the end).
BASE_CMDLINE="console=ttyS0,115200 quiet"

die() {
	echo "${0##*/}: $*" >&2
	exit 1
}

# Version of the kernel whose headers are installed through the
# linux-headers-amd64 meta package, e.g. 6.1.0-56-amd64.
kernel_version() {
	local dep
	dep=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 2>/dev/null) ||
		die "linux-headers-amd64 is not installed (run setup-deps.sh)"
	dep=${dep%%[ ,]*}
	[[ $dep == linux-headers-* ]] || die "cannot parse linux-headers-amd64 dependency: $dep"
	echo "${dep#linux-headers-}"
}

# supervise LIMIT_SECS LOG_PREFIX CMD...
# Run an emulator whose COM1 goes to $LOG_PREFIX.serial, and stop it when
# the guest is done, the kernel panicked or LIMIT_SECS of wall time passed.
# Writes $LOG_PREFIX.serial.ts (each serial line with its host time) and
# $LOG_PREFIX.status ("done|panic|timeout|exited WALL_SECONDS").
# Returns 0 when the guest printed its done marker, 1 otherwise.
supervise() {
	local limit=$1 prefix=$2 serial=$2.serial
	shift 2
	local start now pid tailpid state=exited deadline=0

	: >"$serial"
	start=$EPOCHREALTIME
	echo "$start ==== EMULATOR START" >"$prefix.serial.ts"
	# Timestamp serial lines as they arrive, for the boot-speed report.
	tail -n +1 -F "$serial" 2>/dev/null > >(while IFS= read -r l; do
		printf '%s %s\n' "$EPOCHREALTIME" "$l"
	done >>"$prefix.serial.ts") &
	tailpid=$!
	"$@" &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		sleep 0.5
		now=${EPOCHREALTIME%.*}
		if [[ $state == exited ]]; then
			# After the done marker give poweroff time to end it.
			if grep -q '^==== KVMLITE DONE' "$serial"; then
				state="done" deadline=$((now + 20))
			# The machine's own panic starts a console line; a guest's
			# in a selftest's output is prefixed with "# ".
			elif grep -aq '^\[ *[0-9.]*\] Kernel panic - not syncing' "$serial"; then
				state=panic deadline=$((now + 5))
			elif ((now - ${start%.*} >= limit)); then
				state=timeout deadline=$now
				echo "${0##*/}: wall-clock limit of ${limit}s reached, killing emulator" >&2
			fi
		fi
		if [[ $state != exited ]] && ((now >= deadline)); then
			kill "$pid" 2>/dev/null || true
			sleep 2
			kill -9 "$pid" 2>/dev/null || true
			break
		fi
	done
	wait "$pid" 2>/dev/null || true
	# Poweroff may end the emulator before the poll saw the marker.
	if [[ $state == exited ]] && grep -q '^==== KVMLITE DONE' "$serial"; then
		state="done"
	fi
	sleep 0.3
	kill "$tailpid" 2>/dev/null || true
	wait "$tailpid" 2>/dev/null || true
	echo "$EPOCHREALTIME ==== EMULATOR END $state" >>"$prefix.serial.ts"
	awk -v s="$state" -v a="$EPOCHREALTIME" -v b="$start" \
		'BEGIN { printf "%s %.1f\n", s, a - b }' >"$prefix.status"
	[[ $state == "done" ]]
}

# check WHAT COMMAND...: run COMMAND and print "$CHECK_NAME: WHAT ok" or
# "... FAIL" (run-tests.sh turns these into results); a failure sets
# CHECK_FAILED=1 and shows the tail of $CHECK_LOG where one is set.
CHECK_FAILED=0
check() {
	local what=$1
	shift
	if "$@"; then
		echo "$CHECK_NAME: $what ok"
	else
		echo "$CHECK_NAME: $what FAIL"
		[[ -n ${CHECK_LOG:-} ]] && tail -n 20 "$CHECK_LOG"
		CHECK_FAILED=1
	fi
	return 0
}
