/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the generic code calls in the VT-x backend (kmod/vmx/), by name,
 * Jailhouse-style: the only door into vmx/ besides the LAPIC's backend
 * table (struct kvmlite_apic_backend).  Nothing outside vmx/ touches the
 * VMCS or includes a VT-x header.
 */
#ifndef KVMLITE_BACKEND_H
#define KVMLITE_BACKEND_H

#include <linux/kvm.h>
#include <linux/types.h>

struct dentry;
struct kvmlite_apic_backend;
struct kvmlite_ept;
struct kvmlite_vcpu;

/* apic_delivery.c: the LAPIC's backend table for event injection. */
extern const struct kvmlite_apic_backend kvmlite_injection_backend;

/* vmx_enable.c: VMX root operation on all CPUs while VMs exist. */
int kvmlite_vmx_init(struct dentry *debugfs_dir);
void kvmlite_vmx_exit(void);
int kvmlite_vmx_get(void);
void kvmlite_vmx_put(void);

/* vmcs.c: a vCPU's VMCS, and the state INIT and creation give it. */
int kvmlite_vcpu_vmx_create(struct kvmlite_vcpu *vcpu);
void kvmlite_vcpu_vmx_free(struct kvmlite_vcpu *vcpu);
void kvmlite_vcpu_load(struct kvmlite_vcpu *vcpu, int cpu);
void kvmlite_vcpu_reset(struct kvmlite_vcpu *vcpu);
extern struct preempt_ops kvmlite_preempt_ops;

/* ept.c */
int kvmlite_ept_init(struct kvmlite_ept *ept);
void kvmlite_ept_free(struct kvmlite_ept *ept);
int kvmlite_ept_map(struct kvmlite_ept *ept, u64 gpa, u64 hpa, bool writable);
void kvmlite_ept_unmap(struct kvmlite_ept *ept, u64 gpa);
void kvmlite_ept_flush(struct kvmlite_ept *ept);

/* run.c */
void kvmlite_vmx_complete_userspace_exit(struct kvmlite_vcpu *vcpu);
int kvmlite_vmx_enter_guest(struct kvmlite_vcpu *vcpu);
/* The CPU ends a stay in the guest at a set time (VMX preemption timer). */
bool kvmlite_vmx_bounds_guest_stay(void);

/* inject.c: event injection, KVM_INTERRUPT; what kvm_run reports */
bool kvmlite_ready_for_interrupt(struct kvmlite_vcpu *vcpu);
bool kvmlite_guest_irq_enabled(struct kvmlite_vcpu *vcpu);
int kvmlite_queue_interrupt(struct kvmlite_vcpu *vcpu, u32 irq);
void kvmlite_save_run_state(struct kvmlite_vcpu *vcpu);

/* regs.c: registers, and the MSRs the VMCS holds */
void kvmlite_get_regs(struct kvmlite_vcpu *vcpu, struct kvm_regs *regs);
void kvmlite_set_regs(struct kvmlite_vcpu *vcpu, const struct kvm_regs *regs);
void kvmlite_get_sregs(struct kvmlite_vcpu *vcpu, struct kvm_sregs *sregs);
int kvmlite_set_sregs(struct kvmlite_vcpu *vcpu,
		      const struct kvm_sregs *sregs);
void kvmlite_vmx_sipi_start(struct kvmlite_vcpu *vcpu, u8 vector);
unsigned long kvmlite_guest_cr0(void);
int kvmlite_set_efer(struct kvmlite_vcpu *vcpu, u64 efer);
/* An MSR kept in the VMCS: 0, or -ENOENT when it is not one of those. */
int kvmlite_vmx_get_msr(struct kvmlite_vcpu *vcpu, u32 index, u64 *val);
int kvmlite_vmx_set_msr(struct kvmlite_vcpu *vcpu, u32 index, u64 val);
/* The guest's TSC: the host's plus the offset, when the CPU offsets it. */
u64 kvmlite_guest_tsc(void);
/* Make the guest's TSC read tsc now; -EINVAL without TSC offsetting. */
int kvmlite_set_guest_tsc(u64 tsc);
int kvmlite_adjust_guest_tsc(s64 delta);

#endif /* KVMLITE_BACKEND_H */
