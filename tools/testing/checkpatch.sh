#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# checkpatch.pl --strict over kvmlite's C sources and headers.  The script
# comes from Debian's linux-source package: its .deb is fetched once into
# the cache with apt-get download (not installed: it is a 139 MB tarball)
# and the three files checkpatch needs are unpacked into build/.
# Exit status: 0 when every file is clean.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tools/testing/lib-apt.sh
. "$top/tools/testing/lib-apt.sh"
# shellcheck source=tools/testing/lib.sh
. "$top/tools/testing/lib.sh"

ensure_pkgs perl
cp_dir=$top/build/checkpatch
if [ ! -x "$cp_dir/scripts/checkpatch.pl" ]; then
	deb=$(linux_source_deb) || die "cannot get Debian's linux-source package"
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	dpkg -x "$deb" "$tmp"
	tarball=$(ls "$tmp"/usr/src/linux-source-*.tar.xz)
	base=$(basename "$tarball" .tar.xz)
	mkdir -p "$cp_dir"
	tar -xJf "$tarball" -C "$cp_dir" --strip-components=1 \
		"$base/scripts/checkpatch.pl" "$base/scripts/spelling.txt" \
		"$base/scripts/const_structs.checkpatch"
	rm -rf "$tmp"
	trap - EXIT
fi

cd "$top"
mapfile -t files < <(git ls-files '*.c' '*.h')
# Checks that misfire on kernel idioms, per file, each with its reason:
# TRACE_EVENT() is laid out with open-ended lines, as in the kernel's own
# trace headers; checkpatch reads the asm-goto label operand "%l[fault]"
# as a modulo operator; the userspace compiler header and the unit
# tests' kernel-type shim are where the preferred attribute macros are
# defined; libFuzzer names its entry point LLVMFuzzerTestOneInput.
extra_ignore() {
	case "$1" in
	kmod/trace.h) echo ",PARENTHESIS_ALIGNMENT,OPEN_ENDED_LINE" ;;
	kmod/vmx/vmx_insn.h) echo ",SPACING" ;;
	tools/include/kvmlite_compiler.h | tools/testing/unit/shim/linux/types.h)
		echo ",PREFER_DEFINED_ATTRIBUTE_MACRO" ;;
	tools/testing/unit/fuzz/*_fuzz.c) echo ",CAMELCASE" ;;
	esac
}

status=0
for f in "${files[@]}"; do
	if ! out=$("$cp_dir/scripts/checkpatch.pl" --no-tree --strict --quiet \
			--ignore "FILE_PATH_CHANGES$(extra_ignore "$f")" -f "$f" 2>&1); then
		echo "$out"
		status=1
	fi
done
[ $status -eq 0 ] && echo "checkpatch: ${#files[@]} files clean"
exit $status
