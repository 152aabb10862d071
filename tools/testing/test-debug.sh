#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# "make test-debug": the whole selftest suite, the ABI fuzzer included, on
# Bochs 3.0 with the allocator debugging that Debian's own kernel can
# turn on at boot (issue 14, item 4, the part that needs no kernel build):
#   slub_debug=FZPU  red zones, poisoning, sanity checks and owner
#                    tracking on every slab cache: an overrun, a use after
#                    free or a double free of a kmalloc'd object is a
#                    "BUG <cache>" report with a call trace
#   page_poison=1    freed pages are poisoned and checked on allocation
# Debian 6.1 builds no lockdep, KASAN, KFENCE or DEBUG_ATOMIC_SLEEP
# (CONFIG_PROVE_LOCKING and the rest are off in its config): those need a
# kernel built from linux-source, which this does not do yet.  Not part of
# "make test" (it adds a Bochs machine's worth of time); run it before
# submitting a change to kmod/.
#
# Usage: tools/testing/test-debug.sh [-n]
#   -n   do not rebuild the image (use what is in $BUILD_DIR)
# Output: the summary of the run; $BUILD_DIR/bochs3-debug-suite.serial
# holds the log.  Exit status: 0 when every test passed or skipped and the
# console shows no kernel problem (summarize.sh), 1 otherwise.
set -euo pipefail
# shellcheck source=tools/testing/lib.sh
. "$(dirname "$0")/lib.sh"

build=1
for a in "$@"; do
	case $a in
	-n) build=0 ;;
	*) die "usage: $0 [-n]" ;;
	esac
done

mkdir -p "$BUILD_DIR"
((build)) && "$TESTING_DIR/mkimage.sh" >/dev/null
name=bochs3-debug-suite
rc=0
KVMLITE_BOOT_NAME=$name \
	KVMLITE_CMDLINE="${KVMLITE_CMDLINE:-} slub_debug=FZPU page_poison=1" \
	"$TESTING_DIR/boot-bochs3.sh" suite || rc=1
grep -a -q 'slub_debug=FZPU' "$BUILD_DIR/$name.serial" ||
	{ echo "test-debug: the kernel did not get slub_debug=FZPU"; rc=1; }
"$TESTING_DIR/summarize.sh" bochs3 "$BUILD_DIR/$name.serial" || rc=1
exit "$rc"
