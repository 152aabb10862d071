/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The libFuzzer targets' input: a byte string read front to back as a
 * sequence of operations and their operands.  Reading past the end gives
 * zeros, so every input is a valid (if short) program.
 */
#ifndef KVMLITE_FUZZ_INPUT_H
#define KVMLITE_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct fuzz_input {
	const uint8_t *data;
	size_t size, pos;
};

static inline bool fuzz_more(const struct fuzz_input *in)
{
	return in->pos < in->size;
}

static inline uint64_t fuzz_bytes(struct fuzz_input *in, unsigned int n)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < n && in->pos < in->size; i++)
		v |= (uint64_t)in->data[in->pos++] << (8 * i);
	return v;
}

static inline uint8_t fuzz_u8(struct fuzz_input *in)
{
	return fuzz_bytes(in, 1);
}

static inline uint32_t fuzz_u32(struct fuzz_input *in)
{
	return fuzz_bytes(in, 4);
}

static inline uint64_t fuzz_u64(struct fuzz_input *in)
{
	return fuzz_bytes(in, 8);
}

/* A failed invariant: say which and crash, so libFuzzer keeps the input. */
#define FUZZ_ASSERT(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "fuzz: %s:%d: %s: ", __FILE__,	\
				__LINE__, #cond);			\
			fprintf(stderr, __VA_ARGS__);			\
			fputc('\n', stderr);				\
			__builtin_trap();				\
		}							\
	} while (0)

#endif /* KVMLITE_FUZZ_INPUT_H */
