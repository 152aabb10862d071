#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build Bochs 3.0 from Debian trixie's source package, for the "bochs3"
# lane (hardware posted-interrupt processing, which Debian 12's Bochs 2.7
# lacks).  Nothing is installed: the binary lives in the cache and the
# system's bochs package stays as it is.
#
#   1. bochs_3.0+dfsg.orig.tar.xz and the Debian tarball are fetched once
#      with apt-get source --download-only, through a private apt
#      configuration listing trixie's deb-src (the system's sources and
#      package lists are left alone); their SHA-256 sums are checked.
#   2. The source is unpacked, the patches in tools/testing/bochs3/patches
#      are applied in order (each says why, with its SDM reference), and a
#      lean configuration is built (no debugger, no plugins, no GUI but
#      RFB).  This takes 10 to 20 minutes on two cores, once.
#   3. The binary goes to $CACHE_DIR/bochs-3.0-<key>/bochs, where <key> is
#      a hash of the source's checksum, the configure options and the
#      patches: changing any of them rebuilds.
#
# Usage: tools/testing/build-bochs3.sh [--stock] [--print]
#   --stock   build without the patches (to reproduce the emulator's bugs)
#   --print   print the binary's path on stdout (building it if needed)
# Debian's bochsbios and vgabios (installed by setup-deps.sh) are the ROMs.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
# shellcheck source=tools/testing/lib-apt.sh
. "$TESTING_DIR/lib-apt.sh"

stock=0 print=0
for a in "$@"; do
	case $a in
	--stock) stock=1 ;;
	--print) print=1 ;;
	*) die "usage: $0 [--stock] [--print]" ;;
	esac
done

orig=bochs_3.0+dfsg.orig.tar.xz
orig_sha=78f6c73d4a6472d5130a87ab9dc306d02c7c71ed8e25b3a8ef642e2a7acd282b
debtar=bochs_3.0+dfsg-1.debian.tar.xz
debtar_sha=c68fe1162aa485249467ec93707ccbf5d039b00d12815899fc2c819ec16d00df
patches=("$TESTING_DIR"/bochs3/patches/*.patch)
((stock)) && patches=()
configure_opts=(
	--enable-x86-64 --enable-smp --enable-vmx=2 --enable-cpu-level=6
	--enable-avx --enable-evex --enable-all-optimizations
	--enable-pci --enable-cdrom --with-nogui --with-rfb
	--disable-debugger --disable-plugins
)

# What the binary depends on: the source, the configuration, the patches.
key=$( { echo "$orig_sha"; printf '%s\n' "${configure_opts[@]}"
	((stock)) && echo stock; cat "${patches[@]}" /dev/null; } |
	sha256sum | cut -c1-12)
dest=$CACHE_DIR/bochs-3.0-$key
srcdir=$CACHE_DIR/bochs-3.0-source

say() { echo "build-bochs3: $*" >&2; }

done_already() {
	[[ -x $dest/bochs && -e $dest/.built ]]
}

# Both tarballs are in srcdir with their pinned SHA-256 sums.
tarballs_ok() {
	printf '%s  %s\n' "$orig_sha" "$srcdir/$orig" "$debtar_sha" "$srcdir/$debtar" |
		sha256sum -c --quiet --status 2>/dev/null
}

fetch_source() {
	tarballs_ok && return 0
	say "fetching Debian trixie's bochs 3.0+dfsg-1 source package (apt-get source --download-only)"
	private_apt "$srcdir/apt" "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main" ||
		die "cannot read trixie's source index"
	local log=$srcdir/apt.log
	# The .dsc is not served (404): apt-get then exits non-zero after
	# fetching both tarballs, which the checksums below vouch for.
	(cd "$srcdir" && apt-get "${PRIVATE_APT[@]}" -q source --download-only bochs) \
		>"$log" 2>&1 ||
		say "apt-get source exited non-zero (the .dsc is not served); checking the tarballs (log: $log)"
	tarballs_ok || {
		cat "$log" >&2
		printf '%s  %s\n' "$orig_sha" "$srcdir/$orig" "$debtar_sha" \
			"$srcdir/$debtar" | sha256sum -c >&2 || true
		die "apt-get source did not fetch both tarballs with their pinned SHA-256 sums"
	}
}

build() {
	local tmp=$CACHE_DIR/bochs-3.0-build.$$ t0=$SECONDS
	rm -rf "$tmp"
	mkdir -p "$tmp"
	trap 'rm -rf "$tmp"' EXIT
	tar -xf "$srcdir/$orig" -C "$tmp"
	local tree=$tmp/bochs-3.0 p
	[[ -d $tree ]] || die "unexpected layout in $orig"
	# Debian's own patches are packaging (paths, docs, BIOS build); the
	# lean emulator needs none of them.  The Debian tarball is kept for
	# reference only.
	for p in "${patches[@]}"; do
		say "applying ${p##*/}"
		patch -s -p1 -d "$tree" <"$p" || die "${p##*/} does not apply"
	done
	say "configuring and building Bochs 3.0 in $tmp (10-20 minutes on 2 cores; once)"
	(cd "$tree" && ./configure -q "${configure_opts[@]}" >"$tmp/configure.log" 2>&1) || {
		tail -n 20 "$tmp/configure.log" >&2
		die "configure failed"
	}
	make -s -C "$tree" -j"$(nproc)" >"$tmp/make.log" 2>&1 || {
		tail -n 30 "$tmp/make.log" >&2
		die "make failed"
	}
	rm -rf "$dest"
	mkdir -p "$dest"
	cp "$tree/bochs" "$dest/bochs"
	printf '%s\n' "${patches[@]##*/}" >"$dest/patches"
	touch "$dest/.built"
	rm -rf "$tmp"
	trap - EXIT
	say "built $dest/bochs in $((SECONDS - t0)) s"
}

mkdir -p "$CACHE_DIR" "$srcdir"
exec 9>"$CACHE_DIR/bochs-3.0.lock"
flock 9
if ! done_already; then
	ensure_pkgs g++ make patch xz-utils bochsbios vgabios
	fetch_source
	build
fi
if ((print)); then
	echo "$dest/bochs"
else
	say "Bochs 3.0 $( ((stock)) && echo "(stock)" || echo "(patched: ${#patches[@]} patches)"): $dest/bochs"
fi
