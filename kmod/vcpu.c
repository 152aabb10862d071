// SPDX-License-Identifier: GPL-2.0
/*
 * The vCPU object: KVM_CREATE_VCPU, the vCPU file's ioctls and its mmap'd
 * kvm_run area (the kvm_run page, then the port I/O data page).
 */
#include <linux/anon_inodes.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kvm.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/tsc.h>
#include <asm/fpu/types.h>

#include "kvmlite.h"
#include "trace.h"
#include "backend.h"

/* KVM's limit on one KVM_GET/SET_MSRS call. */
#define KVMLITE_MAX_IO_MSRS 256

static const char *const stat_names[NR_KSTATS] = {
	[KSTAT_EXITS] = "exits", [KSTAT_IO] = "io_exits",
	[KSTAT_MMIO] = "mmio_exits", [KSTAT_HLT] = "halt_exits",
	[KSTAT_CPUID] = "cpuid_exits", [KSTAT_MSR] = "msr_exits",
	[KSTAT_CR] = "cr_exits", [KSTAT_EXTINT] = "irq_exits",
	[KSTAT_NMI] = "nmi_exits", [KSTAT_EPT] = "ept_violations",
	[KSTAT_SIGNAL] = "signal_exits", [KSTAT_OTHER] = "other_exits",
	[KSTAT_TIMER] = "preemption_timer_exits",
	[KSTAT_KICKS] = "kicks", [KSTAT_IPIS] = "ipis_sent",
	[KSTAT_INJECTED] = "irqs_injected", [KSTAT_BLOCKS] = "halt_sleeps",
	[KSTAT_WAKEUPS] = "halt_wakeups", [KSTAT_NMIS_QUEUED] = "nmis_queued",
	[KSTAT_IRQ_WINDOW] = "irq_window_exits",
	[KSTAT_PI_POSTED] = "pi_posted", [KSTAT_PI_NOTIFIED] = "pi_notifications",
	[KSTAT_PI_SUPPRESSED] = "pi_notifications_suppressed",
	[KSTAT_SPURIOUS_WAKEUPS] = "halt_spurious_wakeups",
	[KSTAT_PI_IPIS] = "pi_notification_ipis",
	[KSTAT_HOST_IRQS] = "host_irqs_dispatched",
	[KSTAT_APIC_ACCESS] = "apic_access_exits",
	[KSTAT_APIC_WRITE] = "apic_write_exits",
	[KSTAT_TPR_BELOW] = "tpr_below_threshold_exits",
	/* PIR found non-empty by kvmlite, not by the processor */
	[KSTAT_PI_SW_DRAINS] = "pi_drained_in_software",
	/* external-interrupt exits for the notification vector itself */
	[KSTAT_PI_NV_EXITS] = "pi_notification_exits",
	[KSTAT_L1D_FLUSH] = "l1d_flushes",
	[KSTAT_TIMER_ENTRY_FIRES] = "timer_entry_fires",
	[KSTAT_TIMER_HRTIMER_ARMS] = "timer_hrtimer_arms",
	[KSTAT_HALT_POLL_HITS] = "halt_poll_hits",
	[KSTAT_HALT_POLL_MISSES] = "halt_poll_misses",
	/* exits handled with interrupts off, straight back in (vmx/exit.c) */
	[KSTAT_FASTPATH] = "fastpath_exits",
};

static int vcpu_stats_show(struct seq_file *m, void *unused)
{
	struct kvmlite_vcpu *vcpu = m->private;
	int i;

	for (i = 0; i < NR_KSTATS; i++)
		seq_printf(m, "%s %llu\n", stat_names[i],
			   READ_ONCE(vcpu->stats[i]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vcpu_stats);

/* Make the VMCS current for the rest of an ioctl, wherever it runs. */
static void vcpu_get(struct kvmlite_vcpu *vcpu)
{
	preempt_disable();
	preempt_notifier_register(&vcpu->preempt);
	kvmlite_vcpu_load(vcpu, smp_processor_id());
	preempt_enable();
}

static void vcpu_put(struct kvmlite_vcpu *vcpu)
{
	preempt_disable();
	preempt_notifier_unregister(&vcpu->preempt);
	preempt_enable();
}

static vm_fault_t vcpu_fault(struct vm_fault *vmf)
{
	struct kvmlite_vcpu *vcpu = vmf->vma->vm_file->private_data;

	if (vmf->pgoff >= KVMLITE_RUN_PAGES)
		return VM_FAULT_SIGBUS;
	vmf->page = vcpu->run_pages[vmf->pgoff];
	get_page(vmf->page);
	return 0;
}

static const struct vm_operations_struct vcpu_vm_ops = {
	.fault = vcpu_fault,
};

static int vcpu_mmap(struct file *file, struct vm_area_struct *vma)
{
	vma->vm_ops = &vcpu_vm_ops;
	return 0;
}

static int vcpu_release(struct inode *inode, struct file *filp)
{
	struct kvmlite_vcpu *vcpu = filp->private_data;

	kvmlite_vm_put(vcpu->vm);
	return 0;
}

static int vcpu_set_cpuid2(struct kvmlite_vcpu *vcpu,
			   struct kvm_cpuid2 __user *arg)
{
	struct kvm_cpuid2 hdr;

	if (copy_from_user(&hdr, arg, sizeof(hdr)))
		return -EFAULT;
	if (hdr.nent > KVMLITE_MAX_CPUID)
		return -E2BIG;
	if (copy_from_user(vcpu->cpuid, arg->entries,
			   hdr.nent * sizeof(vcpu->cpuid[0])))
		return -EFAULT;
	vcpu->nr_cpuid = hdr.nent;
	return 0;
}

static int vcpu_get_cpuid2(struct kvmlite_vcpu *vcpu,
			   struct kvm_cpuid2 __user *arg)
{
	struct kvm_cpuid2 hdr;

	if (copy_from_user(&hdr, arg, sizeof(hdr)))
		return -EFAULT;
	if (hdr.nent < vcpu->nr_cpuid)
		return -E2BIG;
	hdr.nent = vcpu->nr_cpuid;
	if (copy_to_user(arg, &hdr, sizeof(hdr)) ||
	    copy_to_user(arg->entries, vcpu->cpuid,
			 hdr.nent * sizeof(vcpu->cpuid[0])))
		return -EFAULT;
	return 0;
}

/* KVM_GET/SET_MSRS: the number of MSRs done, stopping at the first bad one. */
static int vcpu_msrs(struct kvmlite_vcpu *vcpu, struct kvm_msrs __user *arg,
		     bool set)
{
	struct kvm_msr_entry entry;
	struct kvm_msrs hdr;
	u32 i;

	if (copy_from_user(&hdr, arg, sizeof(hdr)))
		return -EFAULT;
	if (hdr.nmsrs >= KVMLITE_MAX_IO_MSRS)
		return -E2BIG;
	for (i = 0; i < hdr.nmsrs; i++) {
		if (copy_from_user(&entry, &arg->entries[i], sizeof(entry)))
			return -EFAULT;
		if (set) {
			if (kvmlite_set_msr(vcpu, entry.index, entry.data, true))
				break;
		} else {
			if (kvmlite_get_msr(vcpu, entry.index, &entry.data,
					    true))
				break;
			if (copy_to_user(&arg->entries[i], &entry,
					 sizeof(entry)))
				return -EFAULT;
		}
	}
	return i;
}

static void vcpu_get_fpu(struct kvmlite_vcpu *vcpu, struct kvm_fpu *fpu)
{
	const struct fxregs_state *fx = &vcpu->fpu.fpstate->regs.fxsave;

	memset(fpu, 0, sizeof(*fpu));
	memcpy(fpu->fpr, fx->st_space, sizeof(fpu->fpr));
	fpu->fcw = fx->cwd;
	fpu->fsw = fx->swd;
	fpu->ftwx = fx->twd;
	fpu->last_opcode = fx->fop;
	fpu->last_ip = fx->rip;
	fpu->last_dp = fx->rdp;
	memcpy(fpu->xmm, fx->xmm_space, sizeof(fpu->xmm));
	fpu->mxcsr = fx->mxcsr;
}

static int vcpu_set_fpu(struct kvmlite_vcpu *vcpu, const struct kvm_fpu *fpu)
{
	struct fxregs_state *fx = &vcpu->fpu.fpstate->regs.fxsave;

	/* Reserved MXCSR bits would make the next FXRSTOR fault. */
	if (fpu->mxcsr & ~0xffffu)
		return -EINVAL;
	memcpy(fx->st_space, fpu->fpr, sizeof(fpu->fpr));
	fx->cwd = fpu->fcw;
	fx->swd = fpu->fsw;
	fx->twd = fpu->ftwx;
	fx->fop = fpu->last_opcode;
	fx->rip = fpu->last_ip;
	fx->rdp = fpu->last_dp;
	memcpy(fx->xmm_space, fpu->xmm, sizeof(fpu->xmm));
	fx->mxcsr = fpu->mxcsr;
	return 0;
}

/* KVM_SET_SIGNAL_MASK: NULL stops using a mask during KVM_RUN. */
static int vcpu_set_signal_mask(struct kvmlite_vcpu *vcpu,
				struct kvm_signal_mask __user *arg)
{
	struct kvm_signal_mask hdr;
	sigset_t set;

	if (!arg) {
		vcpu->sigset_active = false;
		return 0;
	}
	if (copy_from_user(&hdr, arg, sizeof(hdr)))
		return -EFAULT;
	if (hdr.len != sizeof(sigset_t))
		return -EINVAL;
	if (copy_from_user(&set, arg->sigset, sizeof(set)))
		return -EFAULT;
	sigdelsetmask(&set, sigmask(SIGKILL) | sigmask(SIGSTOP));
	vcpu->sigset = set;
	vcpu->sigset_active = true;
	return 0;
}

static long vcpu_ioctl_locked(struct kvmlite_vcpu *vcpu, unsigned int ioctl,
			      void __user *argp, unsigned long arg)
{
	union {
		struct kvm_regs regs;
		struct kvm_sregs sregs;
		struct kvm_fpu fpu;
		struct kvm_mp_state mp;
		struct kvm_lapic_state lapic;
	} *u;
	long r;

	if (ioctl == KVM_RUN) {
		if (arg)
			return -EINVAL;
		r = kvmlite_vcpu_run(vcpu);
		trace_kvmlite_userspace_exit(vcpu->vm->id, vcpu->id,
					     vcpu->run->exit_reason, r);
		return r;
	}
	/* The guest TSC ticks at the host's rate (no TSC scaling). */
	if (ioctl == KVM_GET_TSC_KHZ)
		return tsc_khz ? tsc_khz : -EIO;
	if (ioctl == KVM_NMI) {
		kvmlite_queue_nmi(vcpu);
		return 0;
	}
	if (ioctl == KVM_INTERRUPT) {
		struct kvm_interrupt irq;

		if (copy_from_user(&irq, argp, sizeof(irq)))
			return -EFAULT;
		return kvmlite_queue_interrupt(vcpu, irq.irq);
	}

	u = kzalloc(sizeof(*u), GFP_KERNEL);
	if (!u)
		return -ENOMEM;
	switch (ioctl) {
	case KVM_GET_REGS:
		kvmlite_get_regs(vcpu, &u->regs);
		r = copy_to_user(argp, &u->regs, sizeof(u->regs)) ? -EFAULT : 0;
		break;
	case KVM_SET_REGS:
		r = -EFAULT;
		if (!copy_from_user(&u->regs, argp, sizeof(u->regs))) {
			kvmlite_set_regs(vcpu, &u->regs);
			r = 0;
		}
		break;
	case KVM_GET_SREGS:
		kvmlite_get_sregs(vcpu, &u->sregs);
		r = copy_to_user(argp, &u->sregs, sizeof(u->sregs)) ? -EFAULT : 0;
		break;
	case KVM_SET_SREGS:
		r = -EFAULT;
		if (!copy_from_user(&u->sregs, argp, sizeof(u->sregs)))
			r = kvmlite_set_sregs(vcpu, &u->sregs);
		break;
	case KVM_GET_FPU:
		vcpu_get_fpu(vcpu, &u->fpu);
		r = copy_to_user(argp, &u->fpu, sizeof(u->fpu)) ? -EFAULT : 0;
		break;
	case KVM_SET_FPU:
		r = -EFAULT;
		if (!copy_from_user(&u->fpu, argp, sizeof(u->fpu)))
			r = vcpu_set_fpu(vcpu, &u->fpu);
		break;
	case KVM_GET_MP_STATE:
		u->mp.mp_state = vcpu->mp_state;
		r = copy_to_user(argp, &u->mp, sizeof(u->mp)) ? -EFAULT : 0;
		break;
	case KVM_SET_MP_STATE:
		r = -EFAULT;
		if (copy_from_user(&u->mp, argp, sizeof(u->mp)))
			break;
		/* Without an in-kernel LAPIC only RUNNABLE exists (KVM). */
		r = -EINVAL;
		if (u->mp.mp_state == KVM_MP_STATE_RUNNABLE ||
		    (vcpu->apic && (u->mp.mp_state == KVM_MP_STATE_HALTED ||
				    u->mp.mp_state == KVM_MP_STATE_INIT_RECEIVED ||
				    u->mp.mp_state == KVM_MP_STATE_UNINITIALIZED))) {
			vcpu->mp_state = u->mp.mp_state;
			vcpu->halted = vcpu->mp_state == KVM_MP_STATE_HALTED;
			r = 0;
		}
		break;
	case KVM_GET_LAPIC:
		r = kvmlite_apic_get_state(vcpu, &u->lapic);
		if (!r && copy_to_user(argp, &u->lapic, sizeof(u->lapic)))
			r = -EFAULT;
		break;
	case KVM_SET_LAPIC:
		r = -EFAULT;
		if (!copy_from_user(&u->lapic, argp, sizeof(u->lapic)))
			r = kvmlite_apic_set_state(vcpu, &u->lapic);
		break;
	case KVM_SET_CPUID2:
		r = vcpu_set_cpuid2(vcpu, argp);
		break;
	case KVM_SET_SIGNAL_MASK:
		r = vcpu_set_signal_mask(vcpu, argp);
		break;
	case KVM_GET_CPUID2:
		r = vcpu_get_cpuid2(vcpu, argp);
		break;
	case KVM_GET_MSRS:
		r = vcpu_msrs(vcpu, argp, false);
		break;
	case KVM_SET_MSRS:
		r = vcpu_msrs(vcpu, argp, true);
		break;
	default:
		r = -EINVAL;
		break;
	}
	kfree(u);
	return r;
}

static long vcpu_ioctl(struct file *filp, unsigned int ioctl,
		       unsigned long arg)
{
	struct kvmlite_vcpu *vcpu = filp->private_data;
	long r;

	if (vcpu->vm->mm != current->mm)
		return -EIO;
	if (mutex_lock_killable(&vcpu->mutex))
		return -EINTR;
	vcpu_get(vcpu);
	r = vcpu_ioctl_locked(vcpu, ioctl, (void __user *)arg, arg);
	vcpu_put(vcpu);
	mutex_unlock(&vcpu->mutex);
	return r;
}

static const struct file_operations vcpu_fops = {
	.owner = THIS_MODULE,
	.release = vcpu_release,
	.unlocked_ioctl = vcpu_ioctl,
	.mmap = vcpu_mmap,
	.llseek = noop_llseek,
};

static void vcpu_free(struct kvmlite_vcpu *vcpu)
{
	int i;

	for (i = 0; i < KVMLITE_RUN_PAGES; i++)
		if (vcpu->run_pages[i])
			__free_page(vcpu->run_pages[i]);
	kfree(vcpu);
}

/* Called when the VM goes, after every vCPU file is closed. */
void kvmlite_vcpu_destroy(struct kvmlite_vcpu *vcpu)
{
	kvmlite_apic_destroy(vcpu);
	kvmlite_vcpu_vmx_free(vcpu);
	fpu_free_guest_fpstate(&vcpu->fpu);
	vcpu_free(vcpu);
}

int kvmlite_create_vcpu(struct kvmlite_vm *vm, unsigned long id)
{
	struct kvmlite_vcpu *vcpu;
	char name[16];
	unsigned int i;
	int r, fd;

	if (id >= KVMLITE_MAX_VCPUS)
		return -EINVAL;

	vcpu = kzalloc(sizeof(*vcpu), GFP_KERNEL_ACCOUNT);
	if (!vcpu)
		return -ENOMEM;
	vcpu->vm = vm;
	vcpu->id = id;
	/* KVM's default: a revision no microcode update check rejects. */
	vcpu->msr_ucode_rev = 0x100000000ULL;
	mutex_init(&vcpu->mutex);
	preempt_notifier_init(&vcpu->preempt, &kvmlite_preempt_ops);
	for (i = 0; i < KVMLITE_RUN_PAGES; i++) {
		vcpu->run_pages[i] = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
		if (!vcpu->run_pages[i]) {
			vcpu_free(vcpu);
			return -ENOMEM;
		}
	}
	vcpu->run = page_address(vcpu->run_pages[0]);
	if (!fpu_alloc_guest_fpstate(&vcpu->fpu)) {
		vcpu_free(vcpu);
		return -ENOMEM;
	}

	init_waitqueue_head(&vcpu->wq);
	vcpu->sipi_vector = -1;
	vcpu->ext_irq = -1;

	mutex_lock(&vm->lock);
	r = -EEXIST;
	for (i = 0; i < vm->nr_vcpus; i++)
		if (vm->vcpus[i]->id == id)
			goto err_unlock;
	r = vm->split_irqchip ? kvmlite_apic_create(vcpu) : 0;
	if (r)
		goto err_unlock;
	/* As in KVM: with the LAPIC in the kernel, APs wait for INIT/SIPI. */
	if (vcpu->apic && id != 0)
		vcpu->mp_state = KVM_MP_STATE_UNINITIALIZED;
	r = kvmlite_vcpu_vmx_create(vcpu);
	if (r)
		goto err_unlock;

	refcount_inc(&vm->refs);
	snprintf(name, sizeof(name), "kvm-vcpu:%lu", id);
	fd = anon_inode_getfd(name, &vcpu_fops, vcpu, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		refcount_dec(&vm->refs);
		kvmlite_vcpu_vmx_free(vcpu);
		r = fd;
		goto err_unlock;
	}
	vm->vcpus[vm->nr_vcpus] = vcpu;
	/* kvmlite_deliver() reads nr_vcpus without the lock. */
	smp_wmb();
	vm->nr_vcpus++;
	snprintf(name, sizeof(name), "vcpu%lu", id);
	debugfs_create_file(name, 0444, vm->debugfs, vcpu, &vcpu_stats_fops);
	mutex_unlock(&vm->lock);
	return fd;

err_unlock:
	mutex_unlock(&vm->lock);
	kvmlite_apic_destroy(vcpu);
	fpu_free_guest_fpstate(&vcpu->fpu);
	vcpu_free(vcpu);
	return r;
}
