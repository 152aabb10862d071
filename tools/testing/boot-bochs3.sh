#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The "bochs3" lane: boot-bochs.sh on Bochs 3.0 (hardware posted-interrupt
# processing), built from Debian's source package by build-bochs3.sh.
# Usage and outputs as boot-bochs.sh, with bochs3- in the file names.
KVMLITE_BOCHS_LANE=bochs3 exec "$(dirname "$0")/boot-bochs.sh" "$@"
