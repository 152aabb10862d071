#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The selftests' kselftest targets against the kernel's own runner:
# run_kselftest.sh and kselftest/ are unpacked from Debian's linux-source
# package (cached .deb, never installed) into build/kselftest/ksft, and
# "make -C selftests/kvmlite install" fills a scratch directory that
# run_kselftest.sh must list and run as it is.  The tests themselves need
# root and load kvmlite.ko, so nothing here runs them: the runner is
# tried on stand-ins with the same names, and run_tests with a runner.sh
# whose run_one only reports what it was given.  The emulated machines
# run the real ones.
#
# Prints one line per check: "check-kselftest: <what> ok|FAIL".
# Exit status: 0 when every check passed.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tools/testing/lib-apt.sh
. "$top/tools/testing/lib-apt.sh"
# shellcheck source=tools/testing/lib.sh
. "$top/tools/testing/lib.sh"

out=$top/build/kselftest
ksft=$out/ksft
mkdir -p "$out"
CHECK_NAME=check-kselftest CHECK_LOG=$out/make.log
: >"$CHECK_LOG"

# --- the runner, from the linux-source tarball (only these files) -------
deb=$(linux_source_deb) || die "cannot get Debian's linux-source package"
if [ "$(cat "$ksft/.unpacked" 2>/dev/null)" != "${deb##*/}" ]; then
	rm -rf "$ksft"
	mkdir -p "$ksft"
	tarball=$(dpkg-deb -c "$deb" | grep -o '\./usr/src/linux-source-[^ ]*\.tar\.xz$')
	base=$(basename "$tarball" .tar.xz)
	# Streamed: the 139 MB tarball is not written out.
	dpkg-deb --fsys-tarfile "$deb" | tar -xO "$tarball" |
		tar -xJ -C "$ksft" --strip-components=4 \
			"$base/tools/testing/selftests/run_kselftest.sh" \
			"$base/tools/testing/selftests/kselftest"
	echo "${deb##*/}" >"$ksft/.unpacked"
fi
[ -x "$ksft/run_kselftest.sh" ] && [ -r "$ksft/kselftest/runner.sh" ] ||
	die "no run_kselftest.sh or kselftest/runner.sh in ${deb##*/}"

st=$top/selftests/kvmlite
mk() { make -s --no-print-directory -C "$st" "$@" >>"$CHECK_LOG" 2>&1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
make -s -C "$st" list-tests >"$tmp/tests"
sed 's/^/kvmlite:/' "$tmp/tests" >"$tmp/want-list"

# --- install into a scratch kselftest directory -------------------------
dest=$tmp/install
check install mk install INSTALL_PATH="$dest" KSFT_DIR="$ksft"
check kselftest-list cmp -s "$tmp/want-list" "$dest/kselftest-list.txt"
all_executable() {
	local t
	while read -r t; do
		[ -f "$dest/kvmlite/$t" ] && [ -x "$dest/kvmlite/$t" ] ||
			{ echo "check-kselftest: kvmlite/$t missing or not executable"; return 1; }
	done <"$tmp/tests"
}
check binaries all_executable
check settings grep -qx 'timeout=300' "$dest/kvmlite/settings"
check runner-files test -x "$dest/run_kselftest.sh" -a -r "$dest/kselftest/runner.sh"
# A second install replaces the kvmlite lines and keeps another
# collection's.
twice() {
	echo "other:some_test" >>"$dest/kselftest-list.txt"
	mk install INSTALL_PATH="$dest" KSFT_DIR="$ksft" &&
		{ grep -v '^other:' "$dest/kselftest-list.txt" | cmp -s "$tmp/want-list" - ; } &&
		grep -qx 'other:some_test' "$dest/kselftest-list.txt" &&
		sed -i '/^other:/d' "$dest/kselftest-list.txt"
}
check reinstall twice
check emit-tests eval 'make -s -C "$st" emit_tests | cmp -s "$tmp/want-list" -'
check runner-list eval '"$dest/run_kselftest.sh" --list | cmp -s "$tmp/want-list" -'
# --dry-run prints the runner's commands: one collection, every test.
check runner-dry-run eval '"$dest/run_kselftest.sh" --dry-run |
	cmp -s - <(echo "cd kvmlite"; echo "run_many $(paste -sd" " "$tmp/tests")")'

# --- the unchanged runner over the layout, with stand-in tests ----------
# Stand-ins with the tests' names: the first passes, the second skips
# (exit 4), the third fails; the runner must report each as kselftest
# does and read the collection's settings.
standins() {
	local d=$tmp/standin n=0 t rc
	cp -a "$dest" "$d"
	: >"$tmp/want-tap"
	while read -r t; do
		n=$((n + 1))
		case $n in 2) rc=4 ;; 3) rc=1 ;; *) rc=0 ;; esac
		printf '#!/bin/sh\necho "stand-in $0 timeout=$kselftest_timeout"\nexit %d\n' \
			"$rc" >"$d/kvmlite/$t"
		case $rc in
		0) echo "ok $n selftests: kvmlite: $t" ;;
		4) echo "ok $n selftests: kvmlite: $t # SKIP" ;;
		1) echo "not ok $n selftests: kvmlite: $t # exit=1" ;;
		esac >>"$tmp/want-tap"
	done <"$tmp/tests"
	# Appending: the runner reopens /dev/stdout for the tests' output,
	# which a file opened with ">" would then write over.
	: >"$tmp/tap"
	"$d/run_kselftest.sh" >>"$tmp/tap" 2>&1 || true
	grep -E '^(not )?ok ' "$tmp/tap" | cmp -s "$tmp/want-tap" - &&
		grep -q '^# stand-in ./module_load_test timeout=300$' "$tmp/tap" ||
		{ cat "$tmp/tap"; return 1; }
}
check runner-run standins

# --- run_tests: sources runner.sh; a stub run_one reports its arguments -
run_tests_stub() {
	local fake=$tmp/fake n=0 t
	mkdir -p "$fake/kselftest"
	cat >"$fake/kselftest/runner.sh" <<-EOF
		. "$ksft/kselftest/runner.sh"
		run_one() {
			echo "run_one \$1 \$2 \$(grep '^timeout=' "\$BASE_DIR/\$1/settings")"
		}
	EOF
	{
		echo "TAP version 13"
		echo "1..$(wc -l <"$tmp/tests")"
		while read -r t; do echo "run_one kvmlite $t timeout=300"; done <"$tmp/tests"
	} >"$tmp/want-run"
	make -s --no-print-directory -C "$st" run_tests KSFT_DIR="$fake" >"$tmp/run" 2>&1 &&
		cmp -s "$tmp/want-run" "$tmp/run" || { cat "$tmp/run"; return 1; }
}
check run-tests run_tests_stub

# --- as a kernel tree's selftests Makefile calls it (OUTPUT= given) -----
tree_install() {
	local d=$tmp/tree/kvmlite
	mk install OUTPUT="$st" INSTALL_PATH="$d" && [ -x "$d/module_load_test" ] &&
		[ -f "$d/settings" ] && [ ! -e "$d/kselftest-list.txt" ] && [ ! -e "$d/kvmlite" ]
}
check tree-install tree_install
check tree-emit-tests eval 'make -s --no-print-directory -C "$st" OUTPUT="$st" COLLECTION=kvmlite \
	emit_tests | cmp -s "$tmp/want-list" -'

# --- the failure cases: a clear message, no pretending -----------------
fails_with() {	# fails_with REGEX MAKE-ARGS...: make fails, saying REGEX
	local re=$1
	shift
	! make --no-print-directory -C "$st" "$@" >"$tmp/err" 2>&1 &&
		grep -q "$re" "$tmp/err" || { cat "$tmp/err"; return 1; }
}
check install-needs-path fails_with 'install needs INSTALL_PATH=' install
check run-tests-needs-ksft fails_with 'set KSFT_DIR to a kernel tree' run_tests
check bad-ksft-dir fails_with 'has no kselftest/runner.sh' run_tests KSFT_DIR="$tmp/none"
exit $CHECK_FAILED
