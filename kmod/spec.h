/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Speculative-execution mitigations on VM entry and exit, chosen from the
 * host kernel's own view of the CPU: docs/mitigations.md.
 */
#ifndef KVMLITE_SPEC_H
#define KVMLITE_SPEC_H

#include <linux/kvm.h>
#include <linux/types.h>

struct kvmlite_vcpu;

int kvmlite_spec_init(void);
void kvmlite_spec_exit(void);

/* Interrupts off, the last host work done: just before VMLAUNCH/RESUME. */
void kvmlite_spec_guest_enter(struct kvmlite_vcpu *vcpu);
/* Right after the VM exit, before the host does anything else. */
void kvmlite_spec_guest_exit(struct kvmlite_vcpu *vcpu);
/*
 * The vCPU may have brought host data into the L1D (L1TF): flush before
 * its next entry (vmentry_l1d_flush=cond).
 */
void kvmlite_spec_l1d_dirty(struct kvmlite_vcpu *vcpu);

/*
 * IA32_SPEC_CTRL, PRED_CMD, FLUSH_CMD, ARCH_CAPABILITIES: 0, -EINVAL
 * (#GP), or -ENOENT when index is none of them.
 */
int kvmlite_spec_get_msr(struct kvmlite_vcpu *vcpu, u32 index, u64 *val,
			 bool host);
int kvmlite_spec_set_msr(struct kvmlite_vcpu *vcpu, u32 index, u64 val,
			 bool host);
/* CPUID.7.0:EDX: the speculation-control bits a guest gets. */
u32 kvmlite_spec_cpuid7_edx(void);

#endif /* KVMLITE_SPEC_H */
