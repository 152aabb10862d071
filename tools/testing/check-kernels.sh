#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build kmod/ against every kernel Debian 12 ships headers for (6.1 from
# bookworm, 6.12 from bookworm-backports) with W=1, and fail on any
# warning.  Each kernel builds in its own copy of the sources so the
# builds cannot mix objects.
#
# The 6.1 headers are the installed linux-headers-amd64 (setup-deps.sh;
# the module's own build needs them).  The 6.12 headers are never
# installed: Debian's linux-headers-6.12.*-amd64 depends on the matching
# linux-image, and installing that would change what the host boots.
# They are fetched with apt-get download through a private apt
# configuration listing bookworm-backports (the system's sources stay as
# they are), unpacked with dpkg -x into $CACHE_DIR/headers-backports/,
# and built against from there.
#
# Prints one line per kernel: "check-kernels: <headers> ok|FAIL".
# Exit status: 0 when every kernel built clean.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tools/testing/lib-apt.sh
. "$top/tools/testing/lib-apt.sh"
# shellcheck source=tools/testing/lib.sh
. "$top/tools/testing/lib.sh"

out=$top/build/kcheck
mkdir -p "$out"

# The installed 6.1 headers: "PACKAGE DIR".
installed_headers() {
	local pkg
	pkg=$(debian_headers_pkg)
	[ -n "$pkg" ] || return 1
	ensure_pkgs "$pkg" || return 1
	echo "$pkg /usr/src/$pkg"
}

# The version of PKG in bookworm-backports (PRIVATE_APT set).
bpo_version() {
	apt-cache "${PRIVATE_APT[@]}" madison "$1" |
		awk -F'|' '$3 ~ /bookworm-backports/ {gsub(/ /, "", $2); print $2; exit}'
}

# The newest backports headers, unpacked into the cache: "PACKAGE DIR".
backports_headers() {
	local dir=$CACHE_DIR/headers-backports ver pkg deps p v root debs=()
	local line="deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm-backports main"

	private_apt "$dir/apt" "$line" || return 1
	ver=$(bpo_version linux-headers-amd64)
	[ -n "$ver" ] || { echo "check-kernels: no linux-headers-amd64 in bookworm-backports" >&2; return 1; }
	pkg=$(first_depends "${PRIVATE_APT[@]}" "linux-headers-amd64=$ver")
	root=$dir/$pkg
	if [ ! -e "$root/.unpacked" ]; then
		# The headers, their -common half and their kbuild scripts:
		# not the linux-image the package also depends on.
		deps=$(apt-cache "${PRIVATE_APT[@]}" show "$pkg" |
			sed -n 's/^Depends: //p' | head -n 1 | tr ',' '\n' |
			sed -n 's/^ *\(linux-headers-[^ ]*-common\|linux-kbuild-[^ ]*\).*/\1/p')
		mkdir -p "$dir/debs"
		for p in "$pkg" $deps; do
			v=$(bpo_version "$p")
			echo "check-kernels: downloading $p $v (unpacked into the cache, not installed)" >&2
			(cd "$dir/debs" && apt-get "${PRIVATE_APT[@]}" -q download "$p=$v" \
				>>"$dir/apt.log" 2>&1) || {
				tail -n 5 "$dir/apt.log" >&2
				return 1
			}
			debs+=("$dir/debs/${p}_${v//:/%3a}_"*.deb)
		done
		rm -rf "$root"
		for p in "${debs[@]}"; do
			dpkg -x "$p" "$root"
		done
		# The -amd64 Makefile includes the -common one by its absolute
		# path under /usr/src: point it at the unpacked copy.
		sed -i "s|^include /usr/src/|include $root/usr/src/|" \
			"$root/usr/src/$pkg/Makefile"
		touch "$root/.unpacked"
	fi
	echo "$pkg $root/usr/src/$pkg"
}

# Package lists a day old may name a version the mirror no longer has.
fresh_backports_headers() {
	backports_headers ||
		{ rm -f "$CACHE_DIR/headers-backports/apt/.updated"; backports_headers; }
}

fail=0
for which in installed fresh_backports; do
	if ! got=$("${which}_headers"); then
		echo "check-kernels: ${which#fresh_} headers FAIL (cannot get them; see above)"
		fail=1
		continue
	fi
	pkg=${got% *} kdir=${got#* }
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
