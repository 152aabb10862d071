#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build kmod/ against every kernel Debian 12 ships headers for (6.1 from
# bookworm, 6.12 from bookworm-backports) with W=1, and fail on any
# warning.  Installs the headers as root when missing.  Each kernel builds
# in its own copy of the sources so the builds cannot mix objects.
#
# Prints one line per kernel: "check-kernels: <headers> ok|FAIL".
# Exit status: 0 when every kernel built clean.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tools/testing/lib-apt.sh
. "$top/tools/testing/lib-apt.sh"

out=$top/build/kcheck
mkdir -p "$out"

headers_61=$(debian_headers_pkg default)
headers_612=$(debian_headers_pkg backports)

fail=0
for pkg in "$headers_61" "$headers_612"; do
	if [ -z "$pkg" ]; then
		echo "check-kernels: cannot resolve a headers package (see above)"
		fail=1
		continue
	fi
	ensure_pkgs "$pkg"
	kdir=/usr/src/$pkg
	src=$out/$pkg
	rm -rf "$src"
	mkdir -p "$src"
	cp -r "$top/Kbuild" "$top/kmod" "$src/"
	log=$out/$pkg.log
	if make -C "$kdir" M="$src" W=1 KCFLAGS=-Werror modules >"$log" 2>&1 &&
	   ! grep -qi 'warning' "$log"; then
		echo "check-kernels: $pkg ok"
	else
		echo "check-kernels: $pkg FAIL (log: $log)"
		grep -i -B2 -A6 'warning\|error' "$log" | head -40 || true
		fail=1
	fi
done
exit $fail
