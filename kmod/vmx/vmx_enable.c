// SPDX-License-Identifier: GPL-2.0
/*
 * VMX operation on every online CPU, for as long as any VM exists.
 *
 * Like KVM, kvmlite enters VMX root operation (VMXON) on all CPUs when the
 * first VM is created and leaves it (VMXOFF) when the last one goes away,
 * so an idle kvmlite does not keep VT-x from other hypervisors.  CPUs that
 * come online meanwhile enter VMX operation from a CPU-hotplug callback,
 * CPUs going offline leave it, and so do all CPUs on reboot and across
 * suspend.
 *
 * CR4.VMXE is the ownership flag shared by every hypervisor on the host: a
 * CPU that already has it set belongs to someone else (e.g. kvm_intel with
 * a live VM), and kvmlite refuses with -EBUSY rather than share.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/debugfs.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/reboot.h>
#include <linux/seq_file.h>
#include <linux/smp.h>
#include <linux/syscore_ops.h>
#include <asm/cpufeature.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>

#include "../kvmlite.h"
#include "../trace.h"
#include "vmx.h"
#include "vmx_caps.h"
#include "vmx_insn.h"
#include "vmx_ops.h"

struct vmx_cpu_state {
	struct page *vmxon_region;
	bool vmx_on;
};

static DEFINE_PER_CPU(struct vmx_cpu_state, vmx_cpu_state);

/* Protects vmx_users and vmx_shutting_down; nests inside cpus_read_lock(). */
static DEFINE_MUTEX(vmx_users_lock);
static unsigned int vmx_users;
static bool vmx_shutting_down;

static struct kvmlite_vmx_basic vmx_basic;
static u64 vmx_basic_raw;
static u64 cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
static int vmx_hp_state = -1;

/* CPUID and IA32_FEATURE_CONTROL on this CPU: may VMXON run here? */
static enum kvmlite_vmx_verdict vmx_verdict_here(void)
{
	u64 feat_ctl = 0;
	bool readable = !rdmsrl_safe(MSR_IA32_FEAT_CTL, &feat_ctl);

	return kvmlite_vmx_verdict(cpuid_ecx(1), readable, feat_ctl);
}

/* Runs with interrupts off, so nothing else can touch CR4 meanwhile. */
static int vmx_enable_this_cpu(void)
{
	struct vmx_cpu_state *st = this_cpu_ptr(&vmx_cpu_state);
	int cpu = smp_processor_id();
	enum kvmlite_vmx_verdict verdict;
	int r;

	if (st->vmx_on)
		return 0;

	verdict = vmx_verdict_here();
	if (verdict != KVMLITE_VMX_USABLE) {
		pr_err_ratelimited("CPU %d: %s\n", cpu,
				   kvmlite_vmx_verdict_str(verdict));
		r = kvmlite_vmx_verdict_errno(verdict);
		goto out;
	}

	if (cr4_read_shadow() & X86_CR4_VMXE) {
		pr_err_ratelimited("CPU %d: CR4.VMXE is already set: another hypervisor (e.g. kvm_intel with a live VM) owns VT-x\n",
				   cpu);
		r = -EBUSY;
		goto out;
	}

	if (!kvmlite_vmx_cr_fixed_ok(read_cr0(), cr0_fixed0, cr0_fixed1) ||
	    !kvmlite_vmx_cr_fixed_ok(cr4_read_shadow() | X86_CR4_VMXE,
				     cr4_fixed0, cr4_fixed1)) {
		pr_err_ratelimited("CPU %d: CR0/CR4 do not satisfy the VMX fixed bits\n",
				   cpu);
		r = -EIO;
		goto out;
	}

	/* The region must carry the revision identifier (SDM 25.11.5). */
	*(u32 *)page_address(st->vmxon_region) = vmx_basic.revision_id;

	cr4_set_bits(X86_CR4_VMXE);
	r = kvmlite_vmxon(page_to_phys(st->vmxon_region));
	if (r) {
		cr4_clear_bits(X86_CR4_VMXE);
		pr_err_ratelimited("CPU %d: VMXON failed (%d)\n", cpu, r);
		goto out;
	}
	st->vmx_on = true;
	/* Drop guest-physical mappings left from before this VMXON. */
	if (kvmlite_vmcs_config.ept_vpid_cap & VMX_EPT_EXTENT_GLOBAL_BIT)
		vmx_invept(VMX_EPT_EXTENT_GLOBAL, 0);
out:
	trace_kvmlite_vmx_enable(cpu, r);
	return r;
}

static void vmx_disable_this_cpu(void)
{
	struct vmx_cpu_state *st = this_cpu_ptr(&vmx_cpu_state);
	int r;

	if (!st->vmx_on)
		return;
	kvmlite_vmx_clear_loaded_vmcss();
	r = kvmlite_vmxoff();
	cr4_clear_bits(X86_CR4_VMXE);
	st->vmx_on = false;
	if (r)
		pr_err_ratelimited("CPU %d: VMXOFF failed (%d)\n",
				   smp_processor_id(), r);
	trace_kvmlite_vmx_disable(smp_processor_id(), r);
}

static void vmx_enable_ipi(void *data)
{
	atomic_t *first_err = data;
	int r = vmx_enable_this_cpu();

	if (r)
		atomic_cmpxchg(first_err, 0, r);
}

static void vmx_disable_ipi(void *unused)
{
	vmx_disable_this_cpu();
}

/*
 * Take a reference on VMX operation; the first one enters it on every
 * online CPU.  On any failure every CPU is back out of VMX operation.
 */
int kvmlite_vmx_get(void)
{
	atomic_t first_err = ATOMIC_INIT(0);
	int r = 0;

	cpus_read_lock();
	mutex_lock(&vmx_users_lock);
	if (vmx_shutting_down) {
		r = -EBUSY;
		goto out;
	}
	if (vmx_users == 0) {
		on_each_cpu(vmx_enable_ipi, &first_err, 1);
		r = atomic_read(&first_err);
		if (r) {
			on_each_cpu(vmx_disable_ipi, NULL, 1);
			goto out;
		}
	}
	vmx_users++;
out:
	mutex_unlock(&vmx_users_lock);
	cpus_read_unlock();
	return r;
}

void kvmlite_vmx_put(void)
{
	cpus_read_lock();
	mutex_lock(&vmx_users_lock);
	if (!WARN_ON_ONCE(vmx_users == 0) && --vmx_users == 0)
		on_each_cpu(vmx_disable_ipi, NULL, 1);
	mutex_unlock(&vmx_users_lock);
	cpus_read_unlock();
}

/* CPU-hotplug callbacks run on the CPU concerned, with hotplug locked. */
static int vmx_cpu_online(unsigned int cpu)
{
	unsigned long flags;
	int r = 0;

	mutex_lock(&vmx_users_lock);
	if (vmx_users && !vmx_shutting_down) {
		local_irq_save(flags);
		r = vmx_enable_this_cpu();
		local_irq_restore(flags);
	}
	mutex_unlock(&vmx_users_lock);
	return r;
}

static int vmx_cpu_offline(unsigned int cpu)
{
	unsigned long flags;

	local_irq_save(flags);
	vmx_disable_this_cpu();
	local_irq_restore(flags);
	return 0;
}

/*
 * VMX operation blocks INIT, which a reboot may use to reset the CPUs.
 *
 * The kernel's emergency path (crash, emergency restart) has a single
 * callback slot for "the" VMX owner, and kvm_intel takes it at load time
 * (Debian's 6.1 and 6.12 alike); registering there as well would WARN on
 * any host with kvm_intel loaded, so kvmlite covers orderly reboots only.
 * kvm_intel's callback, when loaded, does VMXOFF on any CPU with CR4.VMXE
 * set, kvmlite's included.
 */
static int vmx_reboot_notify(struct notifier_block *nb, unsigned long code,
			     void *unused)
{
	mutex_lock(&vmx_users_lock);
	vmx_shutting_down = true;
	on_each_cpu(vmx_disable_ipi, NULL, 1);
	mutex_unlock(&vmx_users_lock);
	return NOTIFY_OK;
}

static struct notifier_block vmx_reboot_nb = {
	.notifier_call = vmx_reboot_notify,
};

/* Syscore callbacks run on the last online CPU with interrupts off. */
static int vmx_syscore_suspend(void)
{
	vmx_disable_this_cpu();
	return 0;
}

static void vmx_syscore_resume(void)
{
	if (READ_ONCE(vmx_users) && !vmx_shutting_down)
		WARN_ON_ONCE(vmx_enable_this_cpu());
}

static struct syscore_ops vmx_syscore_ops = {
	.suspend = vmx_syscore_suspend,
	.resume = vmx_syscore_resume,
};

static int vmx_state_show(struct seq_file *m, void *unused)
{
	unsigned int cpu;

	mutex_lock(&vmx_users_lock);
	seq_printf(m, "users %u\n", vmx_users);
	seq_printf(m, "apicv %d\n", kvmlite_vmcs_config.apicv);
	seq_printf(m, "apicv_reads %d\n", kvmlite_vmcs_config.apicv_reads);
	seq_printf(m, "apic_access %d\n", kvmlite_vmcs_config.apic_access);
	seq_printf(m, "tpr_shadow %d\n", kvmlite_vmcs_config.tpr_shadow);
	seq_printf(m, "ack_intr_on_exit %d\n", kvmlite_vmcs_config.ack_intr);
	seq_printf(m, "posted_intr_hw %d\n", kvmlite_vmcs_config.posted_intr);
	for_each_possible_cpu(cpu)
		seq_printf(m, "cpu%u %s\n", cpu,
			   per_cpu(vmx_cpu_state, cpu).vmx_on ? "on" : "off");
	mutex_unlock(&vmx_users_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vmx_state);

static void vmx_free_regions(void)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		struct vmx_cpu_state *st = per_cpu_ptr(&vmx_cpu_state, cpu);

		if (st->vmxon_region)
			__free_page(st->vmxon_region);
		st->vmxon_region = NULL;
	}
}

static int vmx_alloc_regions(void)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		struct page *page;

		page = alloc_pages_node(cpu_to_node(cpu),
					GFP_KERNEL | __GFP_ZERO, 0);
		if (!page) {
			vmx_free_regions();
			return -ENOMEM;
		}
		per_cpu_ptr(&vmx_cpu_state, cpu)->vmxon_region = page;
	}
	return 0;
}

struct kvmlite_vmcs_config kvmlite_vmcs_config;

static int vmx_adjust(u32 msr, u32 required, u32 optional, u32 *result,
		      const char *what)
{
	u64 cap;
	int r;

	if (rdmsrl_safe(msr, &cap))
		return -ENODEV;
	r = kvmlite_vmx_adjust_controls(required, optional, cap, result);
	if (r)
		pr_err("VT-x lacks required %s controls %#x (allowed %#x); not loading\n",
		       what, required, (u32)(cap >> 32));
	return r;
}

/* APICv's and posted interrupts' controls, from their allowed-1 settings. */
static int apicv_setup(struct kvmlite_vmcs_config *c, bool true_ctls)
{
	u64 pin = 0, proc = 0, proc2 = 0, exit = 0;
	int r;

	rdmsrl_safe(true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS :
		    MSR_IA32_VMX_PINBASED_CTLS, &pin);
	rdmsrl_safe(true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS :
		    MSR_IA32_VMX_PROCBASED_CTLS, &proc);
	rdmsrl_safe(MSR_IA32_VMX_PROCBASED_CTLS2, &proc2);
	rdmsrl_safe(true_ctls ? MSR_IA32_VMX_TRUE_EXIT_CTLS :
		    MSR_IA32_VMX_EXIT_CTLS, &exit);
	r = kvmlite_apicv_setup(c, proc >> 32, proc2 >> 32);
	if (!r)
		kvmlite_posted_setup(c, pin >> 32, exit >> 32);
	return r;
}

/*
 * kvmlite needs EPT and unrestricted guest (guests start in real mode on
 * EPT with no emulator underneath) and exits on everything it emulates:
 * HLT, all port I/O, CR8, debug registers, MONITOR/MWAIT and RDPMC.  All
 * MSR accesses exit too (no MSR bitmap), so none reaches the hardware.
 * Virtual NMIs are needed too: the CPU then tracks the guest's NMI
 * blocking, which NMI injection relies on (every EPT-capable CPU has it).
 */
int kvmlite_vmx_setup_config(bool true_ctls)
{
	struct kvmlite_vmcs_config *c = &kvmlite_vmcs_config;
	const u64 ept_needed = VMX_EPT_PAGE_WALK_4_BIT | VMX_EPTP_WB_BIT |
			       VMX_EPT_INVEPT_BIT | VMX_EPT_EXTENT_CONTEXT_BIT;
	int r;

	r = vmx_adjust(true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS :
		       MSR_IA32_VMX_PINBASED_CTLS,
		       PIN_BASED_EXT_INTR_MASK | PIN_BASED_NMI_EXITING |
		       PIN_BASED_VIRTUAL_NMIS,
		       PIN_BASED_VMX_PREEMPTION_TIMER,
		       &c->pin, "pin-based");
	r = r ? r : vmx_adjust(true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS :
			       MSR_IA32_VMX_PROCBASED_CTLS,
			       CPU_BASED_HLT_EXITING | CPU_BASED_UNCOND_IO_EXITING |
			       CPU_BASED_MOV_DR_EXITING |
			       CPU_BASED_CR8_LOAD_EXITING |
			       CPU_BASED_CR8_STORE_EXITING |
			       CPU_BASED_MWAIT_EXITING |
			       CPU_BASED_MONITOR_EXITING |
			       CPU_BASED_RDPMC_EXITING |
			       CPU_BASED_ACTIVATE_SECONDARY_CONTROLS,
			       CPU_BASED_USE_TSC_OFFSETTING |
			       CPU_BASED_NMI_WINDOW_EXITING, &c->proc,
			       "processor-based");
	r = r ? r : vmx_adjust(MSR_IA32_VMX_PROCBASED_CTLS2,
			       SECONDARY_EXEC_ENABLE_EPT |
			       SECONDARY_EXEC_UNRESTRICTED_GUEST,
			       SECONDARY_EXEC_ENABLE_VPID, &c->proc2,
			       "secondary processor-based");
	r = r ? r : vmx_adjust(true_ctls ? MSR_IA32_VMX_TRUE_EXIT_CTLS :
			       MSR_IA32_VMX_EXIT_CTLS,
			       VM_EXIT_HOST_ADDR_SPACE_SIZE |
			       VM_EXIT_SAVE_IA32_EFER | VM_EXIT_LOAD_IA32_EFER |
			       VM_EXIT_SAVE_IA32_PAT | VM_EXIT_LOAD_IA32_PAT, 0,
			       &c->exit, "VM-exit");
	r = r ? r : vmx_adjust(true_ctls ? MSR_IA32_VMX_TRUE_ENTRY_CTLS :
			       MSR_IA32_VMX_ENTRY_CTLS,
			       VM_ENTRY_LOAD_IA32_EFER | VM_ENTRY_LOAD_IA32_PAT,
			       0, &c->entry, "VM-entry");
	if (r)
		return r;
	if (c->pin & PIN_BASED_VMX_PREEMPTION_TIMER) {
		u64 misc;

		if (rdmsrl_safe(MSR_IA32_VMX_MISC, &misc))
			c->pin &= ~PIN_BASED_VMX_PREEMPTION_TIMER;
		else
			c->preemption_timer_rate =
				misc & KVMLITE_VMX_MISC_TIMER_RATE;
	}
	/* Set per guest from EFER.LMA, never forced on for all guests. */
	c->entry &= ~VM_ENTRY_IA32E_MODE;
	/* Armed only while an NMI waits (vmx/inject.c). */
	c->nmi_window = c->proc & CPU_BASED_NMI_WINDOW_EXITING;
	c->proc &= ~CPU_BASED_NMI_WINDOW_EXITING;

	if (rdmsrl_safe(MSR_IA32_VMX_EPT_VPID_CAP, &c->ept_vpid_cap) ||
	    (c->ept_vpid_cap & ept_needed) != ept_needed) {
		pr_err("VT-x EPT lacks 4-level tables, WB or single-context INVEPT (cap %#llx); not loading\n",
		       c->ept_vpid_cap);
		return -EOPNOTSUPP;
	}
	/* The VPID capabilities are the MSR's upper half. */
	c->vpid = (c->proc2 & SECONDARY_EXEC_ENABLE_VPID) &&
		  ((c->ept_vpid_cap >> 32) & VMX_VPID_INVVPID_BIT) &&
		  ((c->ept_vpid_cap >> 32) &
		   VMX_VPID_EXTENT_SINGLE_CONTEXT_BIT);
	if (!c->vpid)
		c->proc2 &= ~SECONDARY_EXEC_ENABLE_VPID;
	return apicv_setup(c, true_ctls);
}

/*
 * Decide at load time whether this machine can run kvmlite at all, with
 * one clear line when it cannot.
 */
static int vmx_probe(void)
{
	enum kvmlite_vmx_verdict verdict = vmx_verdict_here();
	int r;

	if (verdict != KVMLITE_VMX_USABLE) {
		pr_err("%s; not loading\n", kvmlite_vmx_verdict_str(verdict));
		return kvmlite_vmx_verdict_errno(verdict);
	}
	/* The kernel clears the flag when it found VT-x unusable at boot. */
	if (!boot_cpu_has(X86_FEATURE_VMX)) {
		pr_err("VT-x disabled by the kernel at boot (see dmesg for x86/cpu); not loading\n");
		return -ENODEV;
	}

	if (rdmsrl_safe(MSR_IA32_VMX_BASIC, &vmx_basic_raw) ||
	    rdmsrl_safe(MSR_IA32_VMX_CR0_FIXED0, &cr0_fixed0) ||
	    rdmsrl_safe(MSR_IA32_VMX_CR0_FIXED1, &cr0_fixed1) ||
	    rdmsrl_safe(MSR_IA32_VMX_CR4_FIXED0, &cr4_fixed0) ||
	    rdmsrl_safe(MSR_IA32_VMX_CR4_FIXED1, &cr4_fixed1)) {
		pr_err("VMX capability MSRs cannot be read; not loading\n");
		return -ENODEV;
	}
	r = kvmlite_vmx_parse_basic(vmx_basic_raw, &vmx_basic);
	if (r) {
		pr_err("unusable IA32_VMX_BASIC %#llx; not loading\n",
		       vmx_basic_raw);
		return r;
	}
	kvmlite_vmcs_config.revision_id = vmx_basic.revision_id;
	kvmlite_vmcs_config.ins_outs_info = vmx_basic_raw & BIT_ULL(54);
	return kvmlite_vmx_setup_config(vmx_basic.true_ctls);
}

/*
 * Which APICv pieces the CPU offers (allowed-1 settings), said once at
 * load, so that a bug report shows what the hardware could have done;
 * vmx/apicv.c says which of them kvmlite uses.
 */
static void vmx_report_apicv(void)
{
	u64 pin = 0, proc = 0, proc2 = 0;

	rdmsrl_safe(MSR_IA32_VMX_PINBASED_CTLS, &pin);
	rdmsrl_safe(MSR_IA32_VMX_PROCBASED_CTLS, &proc);
	rdmsrl_safe(MSR_IA32_VMX_PROCBASED_CTLS2, &proc2);
	pin >>= 32;
	proc >>= 32;
	proc2 >>= 32;
	pr_info("APICv on this CPU: TPR shadow %d, APIC-access %d, x2APIC virt %d, APIC-register virt %d, virtual-interrupt delivery %d, posted interrupts %d\n",
		!!(proc & CPU_BASED_TPR_SHADOW),
		!!(proc2 & SECONDARY_EXEC_VIRTUALIZE_APIC_ACCESSES),
		!!(proc2 & SECONDARY_EXEC_VIRTUALIZE_X2APIC_MODE),
		!!(proc2 & SECONDARY_EXEC_APIC_REGISTER_VIRT),
		!!(proc2 & SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY),
		!!(pin & PIN_BASED_POSTED_INTR));
}

int kvmlite_vmx_init(struct dentry *debugfs_dir)
{
	int r;

	r = vmx_probe();
	if (r)
		return r;
	r = vmx_alloc_regions();
	if (r) {
		kvmlite_apicv_free();
		return r;
	}

	r = cpuhp_setup_state_nocalls(CPUHP_AP_ONLINE_DYN, "kvmlite/vmx:online",
				      vmx_cpu_online, vmx_cpu_offline);
	if (r < 0) {
		vmx_free_regions();
		kvmlite_apicv_free();
		return r;
	}
	vmx_hp_state = r;

	/* vCPU threads follow their VMCS around with preempt notifiers. */
	preempt_notifier_inc();
	register_reboot_notifier(&vmx_reboot_nb);
	register_syscore_ops(&vmx_syscore_ops);
	debugfs_create_file("vmx_state", 0400, debugfs_dir, NULL,
			    &vmx_state_fops);
	pr_info("VT-x available: VMCS revision %#x, region size %u (IA32_VMX_BASIC %#llx)\n",
		vmx_basic.revision_id, vmx_basic.region_size, vmx_basic_raw);
	vmx_report_apicv();
	return 0;
}

/* Called at unload; VM files pin the module, so no VM is left. */
void kvmlite_vmx_exit(void)
{
	unregister_syscore_ops(&vmx_syscore_ops);
	unregister_reboot_notifier(&vmx_reboot_nb);
	preempt_notifier_dec();
	cpuhp_remove_state_nocalls(vmx_hp_state);
	WARN_ON_ONCE(vmx_users);
	vmx_free_regions();
	kvmlite_apicv_free();
}
