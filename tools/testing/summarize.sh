#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Summarize one lane's serial log (kselftest TAP printed by guest/init).
#
# Usage: tools/testing/summarize.sh [-r RESULTS] [-t TESTLIST] LANE SERIAL_LOG
#   -r RESULTS   append machine-readable lines to RESULTS:
#                  RESULT <lane> <test> pass|fail|skip
#                one per selftest, plus one for the run itself under the
#                test name "lane-run" (fail: no done marker, kernel
#                Oops/BUG/WARNING/panic/Call Trace/GPF, or no TAP at all).
#                In the Bochs 2.7 lanes (bochs, bochs-linux) one WARNING is
#                the emulator's: "Bad FPU state detected at
#                restore_fpregs_from_fpstate" (an XRSTOR(S) #GP on a
#                nonzero reserved XSAVE-header field; seen with only KVM
#                loaded, never in Bochs 3.0; docs/linux-guest.md). Its
#                block is left out of the check and counted in a line
#                "RESULT <lane> bochs27-xrstor-fault skip".
#   -t TESTLIST  expected tests, one per line (default: KVMLITE_TEST_ONLY if
#                set, else the initramfs list);
#                a listed test that never started counts as failed
#                ("not run"), e.g. after a kernel crash.
# Prints each test's result by name, the tail of the output of failed or
# hung tests (started, no result line), the run problems and the counts.
# Exit status: 0 if every test passed or skipped and the run is sound,
# 1 otherwise, 2 on usage errors.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

results=/dev/null
list=$BUILD_DIR/initramfs/selftests/kvmlite/list
while getopts r:t: opt; do
	case $opt in
	r) results=$OPTARG ;;
	t) list=$OPTARG ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[[ $# -eq 2 ]] || { echo "usage: $0 [-r RESULTS] [-t TESTLIST] LANE SERIAL_LOG" >&2; exit 2; }
lane=$1 log=$2
[[ -f $list ]] || list=/dev/null
# A run limited to some tests (see boot-*.sh) expects only those.
if [[ -n ${KVMLITE_TEST_ONLY:-} ]]; then
	tr ',' '\n' <<<"$KVMLITE_TEST_ONLY" >"$BUILD_DIR/only-tests.txt"
	list=$BUILD_DIR/only-tests.txt
fi
[[ -f $log ]] || { echo "summarize: $log missing" >&2; log=/dev/null; }

bochs27=0
[[ $lane == bochs || $lane == bochs-linux ]] && bochs27=1
awk -v lane="$lane" -v results="$results" -v list="$list" -v tail_n=15 \
	-v bochs27="$bochs27" '
function add_test(t) { if (!(t in seen)) { seen[t] = 1; order[++ntests] = t } }
BEGIN { while ((getline l < list) > 0) { sub(/\r$/, "", l); if (l != "") add_test(l) } }
{
	sub(/\r$/, "")
	line = $0
	if (line ~ /^==== KVMLITE DONE/) done = 1
	if (line ~ /^TAP version 13$/) tap = 1
	if (line ~ /^==== KVMLITE DMESG BEGIN/) indmesg = 1
	if (line ~ /^==== KVMLITE DMESG END/) indmesg = 0
	if (line ~ /^# selftests: kvmlite: /) {
		cur = line
		sub(/^# selftests: kvmlite: /, "", cur)
		add_test(cur)
		started[cur] = 1
		nout[cur] = 0
		next
	}
	if (line ~ /^(not )?ok [0-9]+ selftests: kvmlite: /) {
		rest = line
		sub(/^(not )?ok [0-9]+ selftests: kvmlite: /, "", rest)
		name = rest
		sub(/ # .*$/, "", name)
		add_test(name)
		if (line ~ /^not ok/) {
			res[name] = "fail"
			why[name] = (rest ~ / # /) ? substr(rest, index(rest, " # ") + 3) : ""
		} else if (rest ~ / # SKIP/) {
			res[name] = "skip"
		} else {
			res[name] = "pass"
		}
		cur = ""
		next
	}
	# Test output (TAP comments): keep the tail, do not scan it for
	# kernel messages (a test may print the words it checks for).
	if (cur != "" && line ~ /^#/) {
		out[cur, nout[cur] % tail_n] = line
		nout[cur]++
		next
	}
	if (line ~ /^#/) next
	# Bochs 2.7 XRSTOR fault: its WARNING block, up to the end marker.
	if (bochs27 && line ~ /Bad FPU state detected at restore_fpregs_from_fpstate/) {
		nxrstor++
		inxrstor = 1
		next
	}
	if (inxrstor) {
		if (line ~ /---\[ end trace /) inxrstor = 0
		next
	}
	# Known one-line advisories that merely contain a pattern word.
	if (line ~ /RETBleed: WARNING: Spectre v2 mitigation leaves CPU vulnerable/) next
	# "BUG <cache> (...)": a slab debugging report (make test-debug).
	if (line ~ /(Oops|BUG:|BUG [^ :]+ \(|WARNING:|Kernel panic|Call Trace:|general protection fault)/) {
		nbad++
		if (nbad <= 10)
			bad[nbad] = sprintf("line %d%s: %s", FNR, indmesg ? " (dmesg)" : "", line)
	}
}
function show_tail(t,    i, k) {
	k = nout[t] < tail_n ? nout[t] : tail_n
	if (!k) { print "      (no output)"; return }
	for (i = nout[t] - k; i < nout[t]; i++) print "      " out[t, i % tail_n]
}
END {
	np = nf = ns = 0
	printf "== lane %s ==\n", lane
	for (i = 1; i <= ntests; i++) {
		t = order[i]
		if (t in res) {
			r = res[t]; note = (r == "fail" && why[t] != "") ? " (" why[t] ")" : ""
		} else if (t in started) {
			r = "fail"; note = " (hung: started, no result)"
		} else {
			r = "fail"; note = " (not run)"
		}
		if (r == "pass") np++; else if (r == "skip") ns++; else nf++
		printf "  %-4s %s%s\n", toupper(r), t, note
		if (r == "fail" && (t in started))
			show_tail(t)
		printf "RESULT %s %s %s\n", lane, t, r >> results
	}
	broken = 0
	if (!tap) { print "  RUN: no TAP output (guest never ran the suite)"; broken = 1 }
	if (!done) { print "  RUN: no done marker (guest died, hung or was killed)"; broken = 1 }
	if (nbad) {
		printf "  RUN: %d kernel problem line(s) in the serial log:\n", nbad
		for (i = 1; i <= nbad && i <= 10; i++) print "      " bad[i]
		broken = 1
	}
	if (nxrstor) {
		printf "  RUN: %d Bochs 2.7 XRSTOR fault warning(s) (\"Bad FPU state\"), the emulator'"'"'s: docs/linux-guest.md\n", nxrstor
		printf "RESULT %s bochs27-xrstor-fault skip\n", lane >> results
	}
	printf "RESULT %s lane-run %s\n", lane, broken ? "fail" : "pass" >> results
	printf "lane %s: %d passed, %d failed, %d skipped%s\n", lane, np, nf, ns,
		broken ? ", run BROKEN" : ""
	exit (nf || broken) ? 1 : 0
}' "$log"
