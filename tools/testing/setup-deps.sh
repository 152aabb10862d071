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
# shellcheck source=tools/testing/lib-apt.sh
. "$(dirname "$0")/lib-apt.sh"

pkgs=(
	build-essential gcc make libc6-dev
	linux-headers-amd64
	bochs bochsbios vgabios bochs-term
	busybox-static
	isolinux syslinux-common xorriso cpio
	qemu-system-x86
	xz-utils kmod
	# make unit: the libFuzzer targets (clang -fsanitize=fuzzer)
	clang libclang-rt-14-dev
	# rewrap-kernel.sh: kbuild of the LZ4 boot stub
	flex bison bc libelf-dev libssl-dev lz4
)

ensure_pkgs "${pkgs[@]}"
