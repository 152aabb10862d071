#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian 12 packages needed to build kvmlite and boot it in the
# emulated test machines (Bochs with VMX, QEMU TCG without). Idempotent:
# prints nothing and touches no network when everything is already there.
# Must run as root when something is missing.
#
# Usage: tools/testing/setup-deps.sh
set -euo pipefail

pkgs=(
	build-essential gcc make libc6-dev
	linux-headers-amd64
	bochs bochsbios vgabios bochs-term
	busybox-static
	isolinux syslinux-common xorriso cpio
	qemu-system-x86
	xz-utils kmod
	# rewrap-kernel.sh: kbuild of the LZ4 boot stub
	flex bison bc libelf-dev libssl-dev lz4
)

missing=()
for p in "${pkgs[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
	# "ii " is installed; anything else (absent, half-configured) needs work.
	[[ $st == ii* ]] || missing+=("$p")
done

[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -ne 0 ]]; then
	echo "setup-deps: missing packages: ${missing[*]} (run as root)" >&2
	exit 1
fi

echo "setup-deps: installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
