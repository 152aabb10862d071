/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VMXON and VMXOFF.  Both report failure through RFLAGS (CF: VMfailInvalid,
 * ZF: VMfailValid) and may fault (#UD, #GP) if CR4 or the feature-control
 * MSR changed under us; a fault is caught through the exception table and
 * turned into an errno instead of an oops.
 */
#ifndef KVMLITE_VMX_INSN_H
#define KVMLITE_VMX_INSN_H

#include <linux/errno.h>
#include <linux/types.h>
#include <asm/asm.h>

static __always_inline int kvmlite_vmxon(u64 vmxon_region_pa)
{
	asm goto("1: vmxon %[pa]\n\t"
		 "jna %l[vmfail]\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : [pa] "m" (vmxon_region_pa)
		 : "cc", "memory" : vmfail, fault);
	return 0;
vmfail:
	return -EIO;
fault:
	return -EFAULT;
}

static __always_inline int kvmlite_vmxoff(void)
{
	asm goto("1: vmxoff\n\t"
		 "jna %l[vmfail]\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : : "cc", "memory" : vmfail, fault);
	return 0;
vmfail:
	return -EIO;
fault:
	return -EFAULT;
}

#endif /* KVMLITE_VMX_INSN_H */
