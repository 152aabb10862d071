#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# checkpatch.pl --strict over kvmlite's C sources and headers.  The script
# comes from Debian's linux-source package (unpacked once into build/).
# Exit status: 0 when every file is clean.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tools/testing/lib-apt.sh
. "$top/tools/testing/lib-apt.sh"

ensure_pkgs linux-source perl
tarball=$(ls /usr/src/linux-source-*.tar.xz | sort -V | tail -n 1)
cp_dir=$top/build/checkpatch
if [ ! -x "$cp_dir/scripts/checkpatch.pl" ]; then
	mkdir -p "$cp_dir"
	base=$(basename "$tarball" .tar.xz)
	tar -xJf "$tarball" -C "$cp_dir" --strip-components=1 \
		"$base/scripts/checkpatch.pl" "$base/scripts/spelling.txt" \
		"$base/scripts/const_structs.checkpatch"
fi

cd "$top"
mapfile -t files < <(git ls-files '*.c' '*.h')
# Checks that misfire on kernel idioms, per file, each with its reason:
# TRACE_EVENT() is laid out with open-ended lines, as in the kernel's own
# trace headers; checkpatch reads the asm-goto label operand "%l[fault]"
# as a modulo operator; the userspace compiler header and the unit
# tests' kernel-type shim are where the preferred attribute macros are
# defined.
extra_ignore() {
	case "$1" in
	kmod/trace.h) echo ",PARENTHESIS_ALIGNMENT,OPEN_ENDED_LINE" ;;
	kmod/vmx/vmx_insn.h) echo ",SPACING" ;;
	tools/include/kvmlite_compiler.h | tools/testing/unit/shim/linux/types.h)
		echo ",PREFER_DEFINED_ATTRIBUTE_MACRO" ;;
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
