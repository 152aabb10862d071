#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The debug kernel of "make test-debug" (issue 14, item 4): Debian's
# linux-source (the same 6.1 release as the test machine's kernel),
# configured as x86_64_defconfig plus tools/testing/debug-kernel/
# debug.config: lockdep (PROVE_LOCKING), DEBUG_ATOMIC_SLEEP,
# DEBUG_OBJECTS, KFENCE, DEBUG_PREEMPT on a fully preemptible kernel, and
# KVM as modules; with KVMLITE_DEBUG_KASAN=1 also kasan.config (KASAN
# instead of KFENCE). Then kvmlite built against that tree.
#
# Everything is cached in $CACHE_DIR/debug-kernel/; a rebuild happens only
# when the source package or a fragment changes (and make then rebuilds
# only what changed):
#   linux-source-<series>/   the unpacked source
#   obj/ (obj-kasan/)        the build tree (O=): KDIR for kvmlite
#   obj/arch/x86/boot/bzImage
#   modules/ (modules-kasan/) irqbypass.ko kvm.ko kvm-intel.ko
# kvmlite.ko goes to $BUILD_DIR/debug-kmod/kmod/kvmlite.ko (a copy of the
# sources, so that kmod/'s objects for Debian's kernel stay as they are).
#
# Usage: tools/testing/build-debug-kernel.sh [--config-only]
# Prints "debug-kernel: ..." progress lines on stderr and, last, three
# lines on stdout: "bzimage PATH", "kvm-modules DIR", "kvmlite-ko PATH".
# Takes about 8 minutes of two CPUs the first time.
#   --config-only  configure a scratch tree and check that every line of
#                  the fragments took, then stop (make test's check that
#                  the fragments still fit the source: seconds, no build)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tools/testing/lib-apt.sh
. "$top/tools/testing/lib-apt.sh"
# shellcheck source=tools/testing/lib.sh
. "$top/tools/testing/lib.sh"

say() { echo "debug-kernel: $*" >&2; }

config_only=0
case ${1:-} in
'') ;;
--config-only) config_only=1 ;;
*) die "usage: $0 [--config-only]" ;;
esac

ensure_pkgs build-essential bc bison flex libelf-dev libssl-dev cpio xz-utils
fragments=("$top/tools/testing/debug-kernel/debug.config")
flavour=
if [[ ${KVMLITE_DEBUG_KASAN:-0} == 1 ]]; then
	fragments+=("$top/tools/testing/debug-kernel/kasan.config")
	flavour=-kasan
fi
dir=$CACHE_DIR/debug-kernel
mkdir -p "$dir"
deb=$(linux_source_deb) || die "cannot get Debian's linux-source package"
debver=$(dpkg-deb -f "$deb" Version)

# --- the source, unpacked once per package version ----------------------
tarball=$(dpkg-deb -c "$deb" | grep -o '\./usr/src/linux-source-[^ ]*\.tar\.xz$')
series=$(basename "$tarball" .tar.xz)
src=$dir/$series
if [[ $(cat "$src/.kvmlite-unpacked" 2>/dev/null) != "$debver" ]]; then
	say "unpacking $series $debver"
	rm -rf "$src" "$dir"/obj*
	tmp=$(mktemp -d)
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" "$tarball"
	tar -xJf "$tmp/$tarball" -C "$dir"
	rm -rf "$tmp"
	echo "$debver" >"$src/.kvmlite-unpacked"
fi

# configure OBJ: x86_64_defconfig plus the fragments, checked.
configure() {
	local obj=$1 bad=0 key val
	mkdir -p "$obj"
	say "configuring $obj (x86_64_defconfig + ${fragments[*]##*/})"
	make -s -C "$src" O="$obj" x86_64_defconfig >/dev/null
	"$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "${fragments[@]}" \
		>"$obj/merge.log" 2>&1 || { tail -n 20 "$obj/merge.log" >&2; die "merge_config failed"; }
	make -s -C "$src" O="$obj" olddefconfig >>"$obj/merge.log" 2>&1
	# A fragment line Kconfig did not take (a dependency missing, a
	# symbol renamed) would leave the lane without what it is for. The
	# last fragment that sets a symbol wins, as in merge_config.sh.
	while IFS='=' read -r key val; do
		if [[ $val == n ]]; then
			grep -q "^$key=" "$obj/.config" && { say "$key=n did not take"; bad=1; }
		else
			grep -qx "$key=$val" "$obj/.config" || { say "$key=$val did not take"; bad=1; }
		fi
	done < <(cat "${fragments[@]}" | grep '^CONFIG_' | tac | awk -F= '!seen[$1]++')
	((bad == 0)) || die "the kernel configuration lacks what ${fragments[*]##*/} asks for"
}

if ((config_only)); then
	configure "$dir/obj-config-check"
	rm -rf "$dir/obj-config-check"
	say "every line of ${fragments[*]##*/} took"
	exit 0
fi

# --- configure and build, when the stamp says it is stale ---------------
obj=$dir/obj$flavour
modules=$dir/modules$flavour
stamp="$debver $(cat "${fragments[@]}" | sha256sum | cut -c1-16)"
if [[ $(cat "$obj/.kvmlite-built" 2>/dev/null) != "$stamp" ]]; then
	rm -f "$obj/.kvmlite-built"
	configure "$obj"
	say "building bzImage and modules in $obj ($(nproc) CPUs; log: $obj/build.log)"
	make -C "$src" O="$obj" -j"$(nproc)" bzImage modules >"$obj/build.log" 2>&1 ||
		{ tail -n 30 "$obj/build.log" >&2; die "kernel build failed"; }
	mkdir -p "$modules"
	for m in virt/lib/irqbypass arch/x86/kvm/kvm arch/x86/kvm/kvm-intel; do
		cp "$obj/$m.ko" "$modules/"
	done
	echo "$stamp" >"$obj/.kvmlite-built"
fi

# --- kvmlite against it, in a copy of the sources -------------------------
kbuild=$BUILD_DIR/debug-kmod
rm -rf "$kbuild"
mkdir -p "$kbuild"
cp -r "$top/Kbuild" "$top/kmod" "$kbuild/"
# Only the sources: kmod/ may hold objects built for Debian's kernel.
find "$kbuild/kmod" \( -name '*.o' -o -name '*.ko' -o -name '*.mod*' -o -name '.*.cmd' \
	-o -name modules.order \) -delete
say "building kvmlite against the debug kernel"
make -C "$obj" M="$kbuild" modules >"$kbuild/build.log" 2>&1 ||
	{ tail -n 30 "$kbuild/build.log" >&2; die "kvmlite build against the debug kernel failed"; }

echo "bzimage $obj/arch/x86/boot/bzImage"
echo "kvm-modules $modules"
echo "kvmlite-ko $kbuild/kmod/kvmlite.ko"
