#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the kvmlite selftests in the emulated lanes and summarize them.
#
# Usage: tools/testing/run-lanes.sh [-r RESULTS] [-n] [LANE...]
#   LANE        bochs  (Bochs 2.7, emulated VMX: the module runs for real,
#                      posted interrupts notified in software)
#               bochs3 (Bochs 3.0 from Debian's source, built once by
#                      build-bochs3.sh: hardware posted interrupts)
#               qemu   (QEMU TCG, no VMX: clean refusal and error paths)
#               bochs-linux (Bochs 2.7 again, 448 MiB: only the Linux-guest
#                      selftests, whose kvmlite-run --kernel --mem 256 does
#                      not fit the suite's 256 MiB machine; kvmlite with
#                      enable_apicv=0 there)
#               bochs3-linux (the same on Bochs 3.0: APICv and hardware
#                      posted interrupts under Linux)
#               default: bochs bochs-linux bochs3 bochs3-linux qemu
#   -r RESULTS  append machine-readable results to RESULTS (default:
#               $BUILD_DIR/lane-results.txt, truncated first). One line each:
#                 RESULT <lane> <test> pass|fail|skip
#               for every selftest of every lane, plus "RESULT <lane>
#               lane-run pass|fail" for the run itself (fail: image build
#               failed, guest crashed/hung/was killed, or the kernel logged
#               Oops/BUG/WARNING/panic/Call Trace/GPF). A caller can count
#               lines by their last word to build "N passed, N failed,
#               N skipped" over its own tests and these.
#               The "lanes:" line counts these lane-run entries too.
#   -n          do not rebuild the image (use what is in $BUILD_DIR)
# Inputs: kmod/kvmlite.ko, selftests/kvmlite (list-tests), tools/vmm/
# kvmlite-run, all built beforehand by the top-level make; see mkimage.sh.
# Environment (optional):
#   KVMLITE_BUILD_DIR      outputs (default <repo>/build/testing)
#   KVMLITE_CACHE_DIR      kernel package cache (default ~/.cache/kvmlite)
#   KVMLITE_BOCHS_TIMEOUT  Bochs whole-run wall limit, seconds (2400)
#   KVMLITE_QEMU_TIMEOUT   QEMU whole-run wall limit, seconds (900)
#   KVMLITE_TEST_TIMEOUT   per-test limit in guest seconds (300)
#   KVMLITE_TEST_ONLY      comma-separated subset of selftests
#   KVMLITE_LANES_SERIAL=1 run the lanes one after the other (default:
#                          both at once; Bochs uses one host CPU)
# Output: per-lane result lists (failed/hung tests with their output tail),
# then "lanes: N passed, N failed, N skipped". Logs: $BUILD_DIR/<lane>-
# suite.serial. Exit status: 0 when every test passed or skipped and every
# run was sound, 1 otherwise, 2 on usage errors.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

results=
build=1
while getopts r:n opt; do
	case $opt in
	r) results=$OPTARG ;;
	n) build=0 ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
lanes=("$@")
[[ ${#lanes[@]} -gt 0 ]] || lanes=(bochs bochs-linux bochs3 bochs3-linux qemu)
# The Linux-guest selftests: the *-linux boots run only these.
linux_tests=linux_guest_test,linux_kvm_test,linux_smp_test,linux_apicv_test
for l in "${lanes[@]}"; do
	case $l in
	bochs | bochs-linux | bochs3 | bochs3-linux | qemu) ;;
	*) echo "run-lanes: unknown lane $l" >&2; exit 2 ;;
	esac
done

mkdir -p "$BUILD_DIR"
if [[ -z $results ]]; then
	results=$BUILD_DIR/lane-results.txt
	: >"$results"
fi

"$TESTING_DIR/setup-deps.sh"
# Bochs 3.0 is built before any lane starts, so that its 10-20 minutes
# of compiling do not share the CPUs with running lanes.
bochs3_lanes=()
for l in "${lanes[@]}"; do
	[[ $l == bochs3* ]] && bochs3_lanes+=("$l")
done
if ((${#bochs3_lanes[@]})) && ! "$TESTING_DIR/build-bochs3.sh"; then
	echo "run-lanes: cannot build Bochs 3.0; the bochs3 lanes fail" >&2
	for l in "${bochs3_lanes[@]}"; do
		echo "RESULT $l lane-run fail" >>"$results"
	done
	mapfile -t lanes < <(printf '%s\n' "${lanes[@]}" | grep -v '^bochs3')
fi
if ((build)) && ! "$TESTING_DIR/mkimage.sh"; then
	echo "run-lanes: image build failed; every lane fails" >&2
	for l in "${lanes[@]}"; do
		echo "RESULT $l lane-run fail" >>"$results"
	done
	echo "lanes: 0 passed, ${#lanes[@]} failed, 0 skipped"
	exit 1
fi

# One lane's boot; a *-linux lane is a second machine of its Bochs, of
# 448 MiB, that runs only the Linux-guest tests.
boot_lane() {
	if [[ $1 == *-linux ]]; then
		KVMLITE_BOOT_NAME=$1-suite KVMLITE_BOCHS_MEGS=448 \
			KVMLITE_TEST_ONLY=$linux_tests \
			"$TESTING_DIR/boot-${1%-linux}.sh" suite
	else
		"$TESTING_DIR/boot-$1.sh" suite
	fi
}

# Boot the lanes (in parallel unless asked not to); each writes its logs.
pids=()
for l in "${lanes[@]}"; do
	if [[ ${KVMLITE_LANES_SERIAL:-0} == 1 ]]; then
		boot_lane "$l" || true
	else
		boot_lane "$l" &
		pids+=($!)
	fi
done
for p in "${pids[@]}"; do
	wait "$p" || true
done

rc=0
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
for l in "${lanes[@]}"; do
	echo
	if [[ $l == *-linux ]]; then
		KVMLITE_TEST_ONLY=$linux_tests "$TESTING_DIR/summarize.sh" -r "$tmp" \
			"$l" "$BUILD_DIR/$l-suite.serial" || rc=1
	else
		"$TESTING_DIR/summarize.sh" -r "$tmp" "$l" "$BUILD_DIR/$l-suite.serial" || rc=1
	fi
	[[ -f $BUILD_DIR/$l-suite.status ]] &&
		echo "lane $l: emulator $(cat "$BUILD_DIR/$l-suite.status")s"
done
cat "$tmp" >>"$results"
echo
awk '$1 == "RESULT" { n[$4]++ }
	END { printf "lanes: %d passed, %d failed, %d skipped\n", n["pass"], n["fail"], n["skip"] }' "$tmp"
exit $rc
