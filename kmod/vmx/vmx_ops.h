/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VMCS access and the VMX invalidation instructions.  A VMfail here means
 * a kvmlite bug (no current VMCS, a bad field): it is reported once with
 * the field and the VM-instruction error, never silently ignored.
 */
#ifndef KVMLITE_VMX_OPS_H
#define KVMLITE_VMX_OPS_H

#include <linux/types.h>
#include <asm/asm.h>
#include <asm/vmx.h>

void kvmlite_vmx_insn_failed(const char *insn, unsigned long field);

static __always_inline unsigned long vmcs_read(unsigned long field)
{
	unsigned long value;
	bool fail;

	asm volatile("vmread %[field], %[value]" CC_SET(na)
		     : [value] "=r" (value), CC_OUT(na) (fail)
		     : [field] "r" (field) : "cc");
	if (unlikely(fail))
		kvmlite_vmx_insn_failed("vmread", field);
	return value;
}

static __always_inline void vmcs_write(unsigned long field,
				       unsigned long value)
{
	bool fail;

	asm volatile("vmwrite %[value], %[field]" CC_SET(na)
		     : CC_OUT(na) (fail)
		     : [value] "r" (value), [field] "r" (field) : "cc");
	if (unlikely(fail))
		kvmlite_vmx_insn_failed("vmwrite", field);
}

static __always_inline int vmcs_load(u64 pa)
{
	bool fail;

	asm volatile("vmptrld %[pa]" CC_SET(na)
		     : CC_OUT(na) (fail) : [pa] "m" (pa) : "cc", "memory");
	return fail ? -EIO : 0;
}

static __always_inline int vmcs_clear(u64 pa)
{
	bool fail;

	asm volatile("vmclear %[pa]" CC_SET(na)
		     : CC_OUT(na) (fail) : [pa] "m" (pa) : "cc", "memory");
	return fail ? -EIO : 0;
}

static __always_inline int vmx_invept(unsigned long type, u64 eptp)
{
	struct { u64 eptp, reserved; } desc = { eptp, 0 };
	bool fail;

	asm volatile("invept %[desc], %[type]" CC_SET(na)
		     : CC_OUT(na) (fail)
		     : [desc] "m" (desc), [type] "r" (type) : "cc", "memory");
	return fail ? -EIO : 0;
}

static __always_inline int vmx_invvpid(unsigned long type, u16 vpid)
{
	struct { u64 vpid, linear; } desc = { vpid, 0 };
	bool fail;

	asm volatile("invvpid %[desc], %[type]" CC_SET(na)
		     : CC_OUT(na) (fail)
		     : [desc] "m" (desc), [type] "r" (type) : "cc", "memory");
	return fail ? -EIO : 0;
}

#endif /* KVMLITE_VMX_OPS_H */
