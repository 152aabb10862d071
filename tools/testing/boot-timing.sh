#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Where did the wall time of a boot go? Reads the host-timestamped serial
# log written by boot-bochs.sh / boot-qemu.sh and prints the phases.
# The "decompress" split needs earlyprintk=serial,ttyS0,115200 on the
# kernel command line (KVMLITE_CMDLINE); without it, it is folded into
# "loader". With "quiet" the kernel prints nothing before /init, so its
# boot time is folded into the phase that ends at "init-script".
#
# Usage: tools/testing/boot-timing.sh build/testing/bochs-suite.serial.ts
set -euo pipefail

awk '
function mark(name, t) { if (!(name in at)) { at[name] = t; order[++n] = name } }
$2 == "====" && $3 == "EMULATOR" && $4 == "START" { mark("start", $1) }
# Kernel lines of the dmesg dump at the end are not boot progress.
/==== KVMLITE DMESG BEGIN/ { indmesg = 1 }
/==== KVMLITE DMESG END/ { indmesg = 0; next }
indmesg { next }
/ISOLINUX [0-9]/ { mark("loader", $1) }
/Decompressing Linux/ { mark("decompress", $1) }
/Linux version/ { mark("kernel", $1) }
/Run \/init as init process/ { mark("init", $1) }
/kvmlite-test: stamp init/ { mark("init-script", $1); for (i = 1; i <= NF; i++) if ($i ~ /^tsc=/) tsc_init = substr($i, 5) }
/ selftests: kvmlite: / && !/^[0-9.]+ (not )?ok / { mark("first-test", $1) }
/kvmlite-test: stamp end/ { mark("tests-done", $1); for (i = 1; i <= NF; i++) if ($i ~ /^tsc=/) tsc_end = substr($i, 5) }
/==== KVMLITE DONE/ { mark("done", $1) }
$2 == "====" && $3 == "EMULATOR" && $4 == "END" { mark("end", $1) }
END {
	if (!("start" in at)) { print "no EMULATOR START stamp"; exit 1 }
	for (i = 2; i <= n; i++)
		printf "%-12s at %7.1f s  (+%6.1f s since %s)\n", order[i],
			at[order[i]] - at["start"], at[order[i]] - at[order[i-1]], order[i-1]
	if (tsc_init != "")
		printf "guest TSC at /init: %.3g, at end of tests: %.3g\n", tsc_init, tsc_end
}' "$1"
