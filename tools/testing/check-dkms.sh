#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# dkms.conf, tried with Debian's dkms against the installed 6.1 headers:
# "dkms add" and "dkms build" with a scratch source tree and DKMS tree
# (--sourcetree, --dkmstree), so nothing goes to /usr/src, /var/lib/dkms's
# trees or any kernel's /lib/modules.  No "dkms install": it would run
# depmod on the host's /lib/modules/<release>.
#
# Prints one line per check: "check-dkms: <what> ok|FAIL".
# Exit status: 0 when every check passed.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tools/testing/lib-apt.sh
. "$top/tools/testing/lib-apt.sh"
# shellcheck source=tools/testing/lib.sh
. "$top/tools/testing/lib.sh"
ensure_pkgs dkms >/dev/null || exit 1

pkg=$(debian_headers_pkg)
rel=${pkg#linux-headers-}
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$top/dkms.conf")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
src=$tmp/src/kvmlite-$ver
mkdir -p "$src" "$tmp/tree"
# The tracked sources only: no objects of an earlier build.
(cd "$top" && git ls-files Kbuild dkms.conf kmod | cpio -pdm --quiet "$src")
CHECK_NAME=check-dkms CHECK_LOG=$tmp/dkms.log
dkms_() {
	dkms "$@" --sourcetree "$tmp/src" --dkmstree "$tmp/tree" >>"$CHECK_LOG" 2>&1
}
check add dkms_ add -m kvmlite -v "$ver"
check "build-$rel" dkms_ build -m kvmlite -v "$ver" -k "$rel" \
	--kernelsourcedir "/usr/src/$pkg"
ko=$tmp/tree/kvmlite/$ver/$rel/x86_64/module/kvmlite.ko
check vermagic test "$(modinfo -F vermagic "$ko" 2>/dev/null | cut -d' ' -f1)" = "$rel"
exit $CHECK_FAILED
