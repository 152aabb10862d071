/* SPDX-License-Identifier: GPL-2.0 */
/* Declarations shared between the parts of the kvmlite module. */
#ifndef KVMLITE_H
#define KVMLITE_H

#include <linux/kvm.h>
#include <linux/hrtimer.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/preempt.h>
#include <linux/refcount.h>
#include <linux/rwsem.h>
#include <linux/signal_types.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <asm/fpu/api.h>

struct dentry;
struct kvmlite_posted_apic;
struct mm_struct;
struct page;

#define KVMLITE_MAX_VCPUS	8
#define KVMLITE_MAX_MEMSLOTS	32
/* Where APICv's APIC-access page sits: the xAPIC's default base. */
#define KVMLITE_APIC_ACCESS_GPA	0xfee00000ULL
#define KVMLITE_MAX_CPUID	80
/* kvm_run page, then the page that port I/O data goes through. */
#define KVMLITE_PIO_PAGE	1
#define KVMLITE_RUN_PAGES	2

/* General-purpose registers in instruction-encoding order (RSP unused). */
enum kvmlite_gpr {
	GPR_RAX, GPR_RCX, GPR_RDX, GPR_RBX, GPR_RSP, GPR_RBP, GPR_RSI, GPR_RDI,
	GPR_R8, GPR_R9, GPR_R10, GPR_R11, GPR_R12, GPR_R13, GPR_R14, GPR_R15,
	NR_GPRS
};

struct kvmlite_memslot {
	u32 id;
	u32 flags;
	u64 gpa;
	u64 npages;
	unsigned long uaddr;
	struct page **pages;	/* pinned for the life of the slot */
};

struct kvmlite_ept {
	struct page *root;
	u64 eptp;
};

struct kvmlite_vm {
	u64 id;
	refcount_t refs;		/* the VM file and each vCPU file */
	struct mm_struct *mm;		/* ioctls from another mm get -EIO */
	struct mutex lock;		/* vCPU creation, memslot changes */
	struct rw_semaphore slots_lock;	/* readers: vCPUs looking up pages */
	struct kvmlite_memslot *slots[KVMLITE_MAX_MEMSLOTS];
	struct kvmlite_ept ept;
	/* APICv's APIC-access page, mapped at 0xfee00000 (vmx/apicv.c) */
	struct page *apic_access_page;
	bool apic_access_tried;
	struct kvmlite_vcpu *vcpus[KVMLITE_MAX_VCPUS];
	unsigned int nr_vcpus;
	struct dentry *debugfs;
	bool split_irqchip;		/* KVM_CAP_SPLIT_IRQCHIP: LAPICs here */
	atomic_t lowest_rr;		/* lowest-priority tie breaker */
};

/* Why the last KVM_RUN left the guest, counted per vCPU. */
enum kvmlite_stat {
	KSTAT_EXITS, KSTAT_IO, KSTAT_MMIO, KSTAT_HLT, KSTAT_CPUID, KSTAT_MSR,
	KSTAT_CR, KSTAT_EXTINT, KSTAT_NMI, KSTAT_EPT, KSTAT_SIGNAL, KSTAT_OTHER,
	KSTAT_TIMER, KSTAT_KICKS, KSTAT_IPIS, KSTAT_INJECTED, KSTAT_BLOCKS,
	KSTAT_WAKEUPS, KSTAT_NMIS_QUEUED, KSTAT_IRQ_WINDOW,
	KSTAT_PI_POSTED, KSTAT_PI_NOTIFIED, KSTAT_PI_SUPPRESSED,
	KSTAT_SPURIOUS_WAKEUPS, KSTAT_PI_IPIS, KSTAT_HOST_IRQS,
	KSTAT_APIC_ACCESS, KSTAT_APIC_WRITE, KSTAT_TPR_BELOW,
	KSTAT_PI_SW_DRAINS, KSTAT_PI_NV_EXITS, KSTAT_L1D_FLUSH,
	KSTAT_TIMER_ENTRY_FIRES, KSTAT_TIMER_HRTIMER_ARMS,
	KSTAT_HALT_POLL_HITS, KSTAT_HALT_POLL_MISSES, KSTAT_FASTPATH,
	NR_KSTATS
};

/* An INS/OUTS in progress through the I/O data page. */
struct kvmlite_pio_string {
	u64 base, ptr, amask;
	unsigned int count, size, insn_len;
	bool down, rep, done, pending;
};

/* An MMIO read waiting for userspace's data. */
struct kvmlite_mmio_read {
	int reg;
	bool high_byte, pending;
	unsigned int size, dest_size, ext;
};

struct kvmlite_vcpu {
	struct kvmlite_vm *vm;
	unsigned int id;
	struct mutex mutex;		/* one ioctl at a time */
	struct kvm_run *run;
	struct page *run_pages[KVMLITE_RUN_PAGES];

	/* VMX state */
	struct page *vmcs;
	int cpu;			/* where the VMCS is active, or -1 */
	bool launched;
	bool flush_vpid;
	u16 vpid;
	struct list_head loaded_link;	/* per-CPU list of active VMCSs */
	struct preempt_notifier preempt;
	u64 gprs[NR_GPRS];
	unsigned long cr2;
	u64 cr8;
	int entry_fail;			/* VMfail code from the last entry */

	/* MSRs the VMCS does not switch */
	u64 msr_star, msr_lstar, msr_cstar, msr_sfmask, msr_kernel_gs_base;
	u64 msr_apic_base, msr_misc_enable;
	u64 msr_ucode_rev;	/* set by the host only, as in KVM */
	u64 msr_tsc_adjust;	/* IA32_TSC_ADJUST (SDM 17.17.3) */
	u64 spec_ctrl;		/* the guest's IA32_SPEC_CTRL (spec.c) */
	bool l1d_flush_pending;	/* host data may be in L1D (spec.c) */
	int last_cpu;		/* where it last entered (spec.c) */

	struct fpu_guest fpu;

	/* Exits that userspace must complete on the next run. */
	bool pio_in_pending;
	u8 pio_size;
	struct kvmlite_pio_string pio_string;
	struct kvmlite_mmio_read mmio_read;

	bool sigset_active;
	sigset_t sigset;

	struct kvm_cpuid_entry2 cpuid[KVMLITE_MAX_CPUID];
	unsigned int nr_cpuid;
	u32 mp_state;

	/* In-kernel LAPIC (apic.c), NULL without KVM_CAP_SPLIT_IRQCHIP. */
	struct kvmlite_lapic *apic;
	/* Posting (vmx/posted.c), or NULL: the LAPIC's backend then injects. */
	struct kvmlite_posted_apic *posted;
	bool apicv;			/* vmx/apicv.c drives this LAPIC */
	bool tpr_shadow;		/* CR8 in the TPR shadow (APICv too) */
	u32 proc2;			/* with APICv: secondary controls as set */
	u8 tpr_threshold;		/* as last written to the VMCS */
	bool hw_pi;			/* the CPU processes posted interrupts */
	bool ack_intr;			/* exits acknowledge host interrupts */
	bool in_guest;			/* about to enter or in the guest */
	bool apic_access;		/* xAPIC MMIO through the APIC-access page */
	/* Registers 0x20-0x3f0 at entry: APIC-write exits need the old value. */
	u32 apic_page_at_entry[64];
	u64 eoi_exit_bitmap[4];		/* as last written to the VMCS */
	bool eoi_exit_bitmap_stale;	/* TMR changed since (apicv.c) */
	raw_spinlock_t apic_lock;
	struct hrtimer apic_timer;
	/*
	 * Inside KVM_RUN the LAPIC timer may wait for the next entry instead
	 * of the hrtimer (apic_timer.c): the VMX preemption timer ends the
	 * stay in the guest at timer_entry_ns.  The vCPU thread sets
	 * timer_entry_ok while it runs the guest; the rest is under apic_lock.
	 */
	bool timer_entry_ok;
	bool timer_at_entry;
	u64 timer_entry_ns;
	wait_queue_head_t wq;		/* HLT sleeps here */
	struct task_struct *task;	/* the thread in KVM_RUN, for kicks */
	bool halted;
	unsigned int halt_poll_ns;	/* how long the next halt polls (run.c) */
	bool halt_polling;		/* in that poll now: kicks need no IPI */
	bool init_pending;		/* INIT seen: reset the VMCS state */
	int sipi_vector;		/* SIPI to start at, or -1 */
	bool ipi_pending, eoi_exit_pending;
	u32 ipi_icr, ipi_dest;
	u8 eoi_exit_vector;
	/* NMIs sent from any thread, then taken into nmi_pending (vmx/inject.c) */
	atomic_t nmi_queued;
	unsigned int nmi_pending;	/* vCPU thread only */
	int ext_irq;			/* KVM_INTERRUPT's vector, or -1 */

	u64 stats[NR_KSTATS];
	struct dentry *debugfs;
};

/* vm.c */
int kvmlite_create_vm(unsigned long type);
void kvmlite_vm_put(struct kvmlite_vm *vm);
extern struct dentry *kvmlite_debugfs_dir;

/* memslot.c */
bool kvmlite_memslot_overlaps(struct kvmlite_vm *vm, u64 gpa, u64 npages);
int kvmlite_set_memory_region(struct kvmlite_vm *vm,
			      const struct kvm_userspace_memory_region *mem);
void kvmlite_free_memslots(struct kvmlite_vm *vm);
struct page *kvmlite_gpa_to_page(struct kvmlite_vm *vm, u64 gpa,
				 bool write);

/* vcpu.c */
int kvmlite_create_vcpu(struct kvmlite_vm *vm, unsigned long id);
void kvmlite_vcpu_destroy(struct kvmlite_vcpu *vcpu);

/* msr.c */
extern const u32 kvmlite_msr_list[];
extern const unsigned int kvmlite_nr_msrs;
int kvmlite_get_msr(struct kvmlite_vcpu *vcpu, u32 index, u64 *val,
		    bool host);
int kvmlite_set_msr(struct kvmlite_vcpu *vcpu, u32 index, u64 val, bool host);

/* cpuid.c */
int kvmlite_get_supported_cpuid(struct kvm_cpuid2 __user *ucpuid);

/* apic.c: the in-kernel LAPIC of a vCPU */
int kvmlite_apic_create(struct kvmlite_vcpu *vcpu);
void kvmlite_apic_destroy(struct kvmlite_vcpu *vcpu);
unsigned long kvmlite_apic_lock(struct kvmlite_vcpu *vcpu);
void kvmlite_apic_unlock(struct kvmlite_vcpu *vcpu, unsigned long flags);
void kvmlite_apic_sync_irr(struct kvmlite_vcpu *vcpu);
void kvmlite_apic_count_drain(struct kvmlite_vcpu *vcpu, int highest);
bool kvmlite_apic_takes_extint(struct kvmlite_vcpu *vcpu);
void kvmlite_vcpu_kick(struct kvmlite_vcpu *vcpu);
/* apic_timer.c: where the LAPIC timer waits (hrtimer or next entry) */
void kvmlite_apic_timer_init(struct kvmlite_vcpu *vcpu);
void kvmlite_apic_timer_arm(struct kvmlite_vcpu *vcpu, u64 expiry_ns);
void kvmlite_apic_timer_cancel(struct kvmlite_vcpu *vcpu);
void kvmlite_apic_timer_enter_guest(struct kvmlite_vcpu *vcpu);
u64 __kvmlite_apic_timer_at_entry(struct kvmlite_vcpu *vcpu);
u64 kvmlite_apic_timer_left(struct kvmlite_vcpu *vcpu);

/* Every entry asks: inline, so that a vCPU without such a timer pays little. */
static inline u64 kvmlite_apic_timer_at_entry(struct kvmlite_vcpu *vcpu)
{
	if (!READ_ONCE(vcpu->timer_at_entry))
		return U64_MAX;
	return __kvmlite_apic_timer_at_entry(vcpu);
}

void kvmlite_apic_timer_leave_guest(struct kvmlite_vcpu *vcpu);
int kvmlite_apic_rdmsr(struct kvmlite_vcpu *vcpu, u32 index, u64 *val);
int kvmlite_apic_wrmsr(struct kvmlite_vcpu *vcpu, u32 index, u64 val,
		       u64 expiry_ns);
int kvmlite_apic_set_base(struct kvmlite_vcpu *vcpu, u64 val, bool host);
void kvmlite_apic_write_trapped(struct kvmlite_vcpu *vcpu, u32 offset, u32 old);
bool kvmlite_apic_mmio(struct kvmlite_vcpu *vcpu, u64 gpa, bool write,
		       u32 *val);
int kvmlite_apic_get_state(struct kvmlite_vcpu *vcpu,
			   struct kvm_lapic_state *s);
int kvmlite_apic_set_state(struct kvmlite_vcpu *vcpu,
			   const struct kvm_lapic_state *s);

/* route.c: interrupt messages between LAPICs */
int kvmlite_deliver(struct kvmlite_vm *vm, struct kvmlite_vcpu *source,
		    u32 dest, bool logical, unsigned int shorthand,
		    unsigned int mode, u8 vector, bool level);
int kvmlite_signal_msi(struct kvmlite_vm *vm, const struct kvm_msi *msi);
void kvmlite_queue_nmi(struct kvmlite_vcpu *vcpu);
bool kvmlite_nmi_pending(struct kvmlite_vcpu *vcpu);

/* run.c: KVM_RUN, and the one place a vCPU sleeps */
int kvmlite_vcpu_run(struct kvmlite_vcpu *vcpu);

/* caps.c: what KVM_CHECK_EXTENSION answers. */
long kvmlite_check_extension(long cap);

#endif /* KVMLITE_H */
