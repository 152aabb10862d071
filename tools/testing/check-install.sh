#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make install and make uninstall, staged with DESTDIR in a scratch
# directory (nothing reaches the host's /lib/modules, /usr or /etc):
# every file lands where it belongs with its mode, the manual page
# renders without a groff warning, and uninstall leaves no file behind.
#
# Prints one line per check: "check-install: <what> ok|FAIL ...".
# Exit status: 0 when every check passed.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tools/testing/lib-apt.sh
. "$top/tools/testing/lib-apt.sh"
# shellcheck source=tools/testing/lib.sh
. "$top/tools/testing/lib.sh"
ensure_pkgs groff-base kmod >/dev/null || exit 1

dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
CHECK_NAME=check-install

cd "$top"
check make-install make -s install DESTDIR="$dest" PREFIX=/usr
rel=$(modinfo -F vermagic kmod/kvmlite.ko | cut -d' ' -f1)
# Each file and its mode.
for want in "lib/modules/$rel/updates/kvmlite.ko 644" "usr/bin/kvmlite-run 755" \
	    "usr/share/man/man1/kvmlite-run.1 644" \
	    "etc/udev/rules.d/60-kvmlite.rules 644" "etc/modprobe.d/kvmlite.conf 644"; do
	f=${want% *} mode=${want#* }
	check "$f" test "$(stat -c %a "$dest/$f" 2>/dev/null)" = "$mode"
done
check udev-rule grep -qx 'KERNEL=="kvmlite", GROUP="kvm", MODE="0660"' \
	"$dest/etc/udev/rules.d/60-kvmlite.rules"
# Every parameter the module has is in the modprobe.d example.
params_listed() {
	local p
	for p in $(modinfo -F parm kmod/kvmlite.ko | cut -d: -f1); do
		grep -q "options kvmlite $p=" "$dest/etc/modprobe.d/kvmlite.conf" ||
			{ echo "check-install: $p missing from kvmlite.conf"; return 1; }
	done
}
check modprobe-example params_listed
# The manual page: no groff warnings, and every option of --help in it.
man_clean() {
	local warn opt
	warn=$(groff -man -Tutf8 -ww -z "$dest/usr/share/man/man1/kvmlite-run.1" 2>&1)
	[ -z "$warn" ] || { echo "$warn"; return 1; }
	for opt in $(tools/vmm/kvmlite-run --help 2>&1 | grep -o -- '--[a-z]*' | sort -u); do
		grep -q -- "${opt//-/\\\\-}" "$dest/usr/share/man/man1/kvmlite-run.1" ||
			{ echo "check-install: $opt missing from kvmlite-run.1"; return 1; }
	done
}
check man-page man_clean
check make-uninstall make -s uninstall DESTDIR="$dest" PREFIX=/usr
check nothing-left test -z "$(find "$dest" -type f)"
exit $CHECK_FAILED
