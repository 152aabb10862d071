#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The whole kvmlite test suite, from a fresh Debian 12 machine (run as
# root: missing packages are installed).  In order:
#   build       the module and the userspace programs
#   unit        userspace unit tests under ASan/UBSan, one result per check
#   checkpatch  checkpatch.pl --strict over all C sources
#   kernels     the module against Debian's 6.1 and 6.12 headers, W=1
#   install     make install / make uninstall, staged with DESTDIR
#   dkms        dkms.conf: dkms add and build against the 6.1 headers,
#               in scratch trees
#   host        the host's installed linux-image packages and /boot are
#               the same at the end as at the start (the suite installs
#               tools, never a kernel)
#   lanes       every selftest booted in Bochs 2.7 (VT-x, software posted
#               interrupts), Bochs 3.0 (VT-x, hardware posted interrupts;
#               built from Debian's source package the first time) and
#               QEMU TCG (no VT-x); the Linux-guest boots in a second,
#               448 MiB machine of each Bochs
#   bench       exit_bench booted in Bochs 2.7 (what exits and interrupts
#               cost on kvmlite and KVM) and linux_boot_bench in Bochs 3.0
#               (the Linux guest's time to init and exits on each), by
#               tools/testing/bench.sh; figures only, nothing asserted on
#               time
# Ends with "N passed, N failed, N skipped"; exit status 1 if any failed.
#
# Environment: KVMLITE_SKIP_LANES=1 leaves out the emulated machines (for a
# quick local run; CI never sets it).
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/build
results=$out/results.txt
mkdir -p "$out"
: >"$results"
cd "$top"

record() {	# record PART NAME pass|fail|skip
	echo "RESULT $1 $2 $3" >>"$results"
}

step() {
	echo
	echo "==== $* ===="
}

# What the host boots: its kernel packages and /boot (names, sizes, link
# targets, times), taken before anything is installed and compared at
# the end.
host_boot_state() {
	dpkg-query -W -f='${Package} ${Version} ${Status}\n' 'linux-image-*' 2>/dev/null |
		grep ' installed$' || true
	ls -l --time-style=+%s /boot / 2>/dev/null | grep -E 'vmlinuz|initrd|System.map|config-' || true
}
host_boot_state >"$out/host-boot.before"

step "dependencies"
if ! tools/testing/setup-deps.sh; then
	echo "run-tests: cannot install dependencies"
	record setup deps fail
fi

step "build"
if make -s module user 2>&1 | tee "$out/build.log"; then
	record build kvmlite pass
else
	record build kvmlite fail
fi

step "unit tests (ASan, UBSan)"
make -s -C tools/testing/unit run >"$out/unit.log" 2>&1
unit_rc=$?
sed -n 's/^\(not ok\|ok\) [0-9]* - \(.*\)/\1: \2/p' "$out/unit.log" |
	grep '^not ok' || true
awk '/^ok [0-9]+ - /{print "RESULT unit " $2 " pass"}
     /^not ok [0-9]+ - /{print "RESULT unit " $3 " fail"}' \
	"$out/unit.log" >>"$results"
grep -q '^ok ' "$out/unit.log" || record unit none fail
# A sanitizer report or a crash ends a test binary early: count it.
if [ $unit_rc -ne 0 ] && ! grep -q '^not ok' "$out/unit.log"; then
	tail -n 30 "$out/unit.log"
	record unit aborted fail
fi
echo "unit: $(grep -c '^ok ' "$out/unit.log") checks passed, exit $unit_rc"

step "checkpatch --strict"
if tools/testing/checkpatch.sh; then
	record style checkpatch pass
else
	record style checkpatch fail
fi

# run_checks PART SCRIPT: a check script printing "<script>: NAME ok" or
# "<script>: NAME FAIL ...", one result per line; no "ok" at all fails.
run_checks() {
	local part=$1 script=$2 name=${2##*/}
	name=${name%.sh}
	"$script" | tee "$out/$part.log"
	sed -n "s/^$name: \([^ ]*\) ok\$/RESULT $part \1 pass/p;
		s/^$name: \([^ ]*\) FAIL.*/RESULT $part \1 fail/p" \
		"$out/$part.log" >>"$results"
	grep -q "^$name: .* ok\$" "$out/$part.log" || record "$part" none fail
}

step "module against Debian 6.1 and 6.12 headers (W=1, warnings fail)"
run_checks kernels tools/testing/check-kernels.sh

step "make install and uninstall (DESTDIR, scratch directory)"
run_checks install tools/testing/check-install.sh

step "DKMS: add and build against the 6.1 headers (scratch trees)"
run_checks dkms tools/testing/check-dkms.sh

# Before the lanes: mkimage.sh puts the kernel's runner it unpacks into
# the test machine (guest/init's kselftest mode).
step "kselftest: make install and the kernel's run_kselftest.sh (scratch directory)"
run_checks kselftest tools/testing/check-kselftest.sh

# make test-debug builds its kernel outside CI (it takes minutes); here,
# only that both fragments still fit the source, in seconds.
step "debug kernel (make test-debug): the configuration fragments take, no build"
for kasan in 0 1; do
	if KVMLITE_DEBUG_KASAN=$kasan tools/testing/build-debug-kernel.sh --config-only; then
		record debug-kernel "config-kasan=$kasan" pass
	else
		record debug-kernel "config-kasan=$kasan" fail
	fi
done

if [ -z "${KVMLITE_SKIP_LANES:-}" ]; then
	step "selftests in the emulated machines"
	tools/testing/run-lanes.sh -r "$results" bochs bochs-linux bochs3 bochs3-linux qemu ||
		echo "run-tests: the lanes reported failures"
	for lane in bochs bochs-linux bochs3 bochs3-linux qemu; do
		grep -q "^RESULT $lane lane-run " "$results" ||
			record "$lane" lane-run fail
	done

	# Figures, never a verdict on them: only a bench that does not run
	# (no table, a row that could not be measured) is a failure.
	step "exit_bench in Bochs 2.7: kvmlite against KVM (figures only)"
	if tools/testing/bench.sh -n bochs exit_bench; then
		record bench exit_bench pass
	else
		record bench exit_bench fail
	fi
	# Bochs 2.7's XRSTOR fault can corrupt kvmlite-run's FPU state at
	# 448 MiB (docs/linux-guest.md): the Linux boots are timed on 3.0.
	step "linux_boot_bench in Bochs 3.0: the Linux guest on kvmlite and KVM (figures only)"
	if tools/testing/bench.sh -n bochs3 linux_boot_bench; then
		record bench linux_boot_bench pass
	else
		record bench linux_boot_bench fail
	fi
fi

step "the host's kernels and /boot unchanged"
host_boot_state >"$out/host-boot.after"
if cmp -s "$out/host-boot.before" "$out/host-boot.after"; then
	echo "host: $(grep -c ' installed$' "$out/host-boot.after" || true) linux-image package(s) and /boot as they were"
	record host boot-unchanged pass
else
	echo "host: the suite changed what the host boots:"
	diff "$out/host-boot.before" "$out/host-boot.after" || true
	record host boot-unchanged fail
fi

step "summary"
grep ' fail$' "$results" | sed 's/^RESULT /FAILED: /' || true
# One line per part; the lanes say which emulator and posting path.
awk 'BEGIN {
	what["bochs"] = "Bochs 2.7, VT-x, software posted interrupts"
	what["bochs-linux"] = "Bochs 2.7, 448 MiB: the Linux-guest boots, APICv off"
	what["bochs3"] = "Bochs 3.0, VT-x, hardware posted interrupts"
	what["bochs3-linux"] = "Bochs 3.0, 448 MiB: the Linux-guest boots, APICv on"
	what["qemu"] = "QEMU TCG, no VT-x: the tests that need it skip"
	what["bench"] = "exit_bench and linux_boot_bench ran; figures not checked"
}
$1 == "RESULT" { if (!($2 in n)) order[++k] = $2; n[$2]++; c[$2, $4]++ }
END {
	for (i = 1; i <= k; i++) {
		p = order[i]
		printf "  %-12s %4d passed, %d failed, %d skipped%s\n", p,
			c[p, "pass"], c[p, "fail"], c[p, "skip"],
			(p in what) ? "  (" what[p] ")" : ""
	}
}' "$results"
passed=$(grep -c ' pass$' "$results")
failed=$(grep -c ' fail$' "$results")
skipped=$(grep -c ' skip$' "$results")
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
