/* SPDX-License-Identifier: GPL-2.0 */
/* The VT-x backend's internal interface. */
#ifndef KVMLITE_VMX_H
#define KVMLITE_VMX_H

#include "../kvmlite.h"
#include "../backend.h"

/* VMCS controls chosen once from the capability MSRs. */
struct kvmlite_vmcs_config {
	u32 revision_id;
	u32 pin, proc, proc2, exit, entry;
	u64 ept_vpid_cap;
	bool vpid;
	bool nmi_window;	/* NMI-window exiting may be set */
	bool apicv;		/* vmx/apicv.c is in use */
	bool apicv_reads;	/* with APIC-register virtualization */
	bool apic_access;	/* xAPIC page through an APIC-access page */
	bool tpr_shadow;	/* the TPR shadow, for vCPUs without APICv */
	bool ack_intr;		/* acknowledge interrupt on exit is usable */
	bool posted_intr;	/* hardware posted-interrupt processing */
	bool ins_outs_info;	/* IA32_VMX_BASIC bit 54 */
	u8 preemption_timer_rate;	/* TSC bits per timer tick */
};

extern struct kvmlite_vmcs_config kvmlite_vmcs_config;

/* vmx_enable.c */
int kvmlite_vmx_setup_config(bool true_ctls);

/* vmcs.c */
void kvmlite_vmx_clear_loaded_vmcss(void);

/* apicv.c */
int kvmlite_apicv_setup(struct kvmlite_vmcs_config *c, u32 proc_allowed,
			u32 proc2_allowed);
void kvmlite_apicv_free(void);
void kvmlite_apicv_vcpu_prepare(struct kvmlite_vcpu *vcpu);
void kvmlite_apicv_vcpu_setup(struct kvmlite_vcpu *vcpu);
void kvmlite_apicv_sync(struct kvmlite_vcpu *vcpu);
u8 kvmlite_apicv_rvi(struct kvmlite_vcpu *vcpu);
void kvmlite_apicv_eoi_exitmap_changed(struct kvmlite_vcpu *vcpu);
void kvmlite_tpr_threshold_update(struct kvmlite_vcpu *vcpu);
int kvmlite_apicv_eoi_exit(struct kvmlite_vcpu *vcpu, u64 qual);
int kvmlite_apicv_write_exit(struct kvmlite_vcpu *vcpu, u64 qual);

/* posted.c, host_irq.S */
int kvmlite_posted_vcpu_create(struct kvmlite_vcpu *vcpu);
void kvmlite_posted_vcpu_free(struct kvmlite_vcpu *vcpu);
bool kvmlite_posted_notify(struct kvmlite_vcpu *vcpu);
void kvmlite_posted_setup(struct kvmlite_vmcs_config *c, u32 pin_allowed,
			  u32 exit_allowed);
void kvmlite_posted_vcpu_setup(struct kvmlite_vcpu *vcpu, int cpu);
void kvmlite_posted_vcpu_moved(struct kvmlite_vcpu *vcpu, int cpu);
void kvmlite_posted_host_irq(struct kvmlite_vcpu *vcpu);
void kvmlite_call_host_irq(unsigned long handler);

/* vmenter.S: 0 after a VM exit, 1 on VMfail, 2 if HOST_RSP failed. */
int kvmlite_vmx_enter(u64 *gprs, bool launched);
extern char kvmlite_vmx_exit_point[];

/* inject.c */
void kvmlite_inject_events(struct kvmlite_vcpu *vcpu);
void kvmlite_nmi_unblocked_by_iret(void);

/* exit.c */
int kvmlite_handle_exit(struct kvmlite_vcpu *vcpu);
bool kvmlite_exit_fastpath(struct kvmlite_vcpu *vcpu);
void kvmlite_inject_gp(struct kvmlite_vcpu *vcpu);

void kvmlite_complete_pio_in(struct kvmlite_vcpu *vcpu);

/* emulate.c */
int kvmlite_handle_string_io(struct kvmlite_vcpu *vcpu, u64 qual);
void kvmlite_finish_string_io(struct kvmlite_vcpu *vcpu);
int kvmlite_handle_mmio(struct kvmlite_vcpu *vcpu, u64 gpa, bool write);
void kvmlite_complete_mmio_read(struct kvmlite_vcpu *vcpu);
int kvmlite_internal_error(struct kvmlite_vcpu *vcpu, u32 suberror, u64 d0,
			   u64 d1, u64 d2);

/* regs.c */
bool kvmlite_guest_long_mode(void);
u64 kvmlite_gpr_get(struct kvmlite_vcpu *vcpu, int reg);
void kvmlite_gpr_set(struct kvmlite_vcpu *vcpu, int reg, u64 val);
void kvmlite_skip_instruction(unsigned int len);
unsigned long kvmlite_guest_cr4(void);
int kvmlite_set_cr0(struct kvmlite_vcpu *vcpu, unsigned long cr0);
int kvmlite_set_cr4(struct kvmlite_vcpu *vcpu, unsigned long cr4);

/* IA32_VMX_MISC bits 4:0: the preemption timer ticks every 2^N TSC. */
#define KVMLITE_VMX_MISC_TIMER_RATE	0x1f

/* Longest stay in the guest between exits, in TSC ticks. */
#define KVMLITE_GUEST_SLICE_TSC	BIT_ULL(22)

/* CR0 bits the guest sees but the hardware value overrides. */
#define KVMLITE_CR0_SHADOWED	(X86_CR0_CD | X86_CR0_NW | X86_CR0_NE)
/*
 * CR4 bits a guest may set.  All others belong to the host (writes that
 * change them exit): VMXE is on in hardware and hidden, and features not
 * offered in CPUID (PCID, SMEP, SMAP, XSAVE, PKE, LA57, SMX, CET) are
 * refused.
 */
#define KVMLITE_CR4_GUEST_BITS	(X86_CR4_VME | X86_CR4_PVI | X86_CR4_TSD | \
				 X86_CR4_DE | X86_CR4_PSE | X86_CR4_PAE | \
				 X86_CR4_MCE | X86_CR4_PGE | X86_CR4_PCE | \
				 X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT | \
				 X86_CR4_FSGSBASE)
#define KVMLITE_CR4_SHADOWED	(~(unsigned long)KVMLITE_CR4_GUEST_BITS)

#endif /* KVMLITE_VMX_H */
