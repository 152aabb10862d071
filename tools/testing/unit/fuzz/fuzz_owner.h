/* SPDX-License-Identifier: GPL-2.0 */
/* The libFuzzer targets' LAPIC owner (fuzz_owner.c). */
#ifndef KVMLITE_FUZZ_OWNER_H
#define KVMLITE_FUZZ_OWNER_H

#include "../../../../kmod/lapic.h"

extern u64 fuzz_now_ns;
extern const struct kvmlite_lapic_ops fuzz_ops;

#endif /* KVMLITE_FUZZ_OWNER_H */
