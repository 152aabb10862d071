/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints (events/kvmlite/ in tracefs), each named for what happened,
 * so that a hang can be diagnosed from trace_pipe alone.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM kvmlite

#ifndef KVMLITE_TRACE_DEFS_H
#define KVMLITE_TRACE_DEFS_H
/* How a post's notification went out (kvmlite_pi_notify). */
enum kvmlite_notify_how {
	KVMLITE_NOTIFY_KICK,		/* force the running vCPU out */
	KVMLITE_NOTIFY_WAKE,		/* wake the vCPU halted in HLT */
	KVMLITE_NOTIFY_POSTED_IPI,	/* the CPU's posted-interrupt processing */
};

#include "halt_check.h"
#include "lapic.h"
#endif

#if !defined(KVMLITE_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define KVMLITE_TRACE_H

#include <linux/tracepoint.h>

/* A CPU entering or leaving VMX operation, and the instruction's result. */
DECLARE_EVENT_CLASS(kvmlite_vmx_cpu,
	TP_PROTO(int cpu, int err),
	TP_ARGS(cpu, err),
	TP_STRUCT__entry(
		__field(int, cpu)
		__field(int, err)
	),
	TP_fast_assign(
		__entry->cpu = cpu;
		__entry->err = err;
	),
	TP_printk("cpu %d %s (%d)", __entry->cpu,
		  __entry->err ? "failed" : "ok", __entry->err)
);

DEFINE_EVENT(kvmlite_vmx_cpu, kvmlite_vmx_enable,
	TP_PROTO(int cpu, int err),
	TP_ARGS(cpu, err)
);

DEFINE_EVENT(kvmlite_vmx_cpu, kvmlite_vmx_disable,
	TP_PROTO(int cpu, int err),
	TP_ARGS(cpu, err)
);

TRACE_EVENT(kvmlite_vm_create,
	TP_PROTO(u64 vm_id, pid_t pid, int result),
	TP_ARGS(vm_id, pid, result),
	TP_STRUCT__entry(
		__field(u64, vm_id)
		__field(pid_t, pid)
		__field(int, result)
	),
	TP_fast_assign(
		__entry->vm_id = vm_id;
		__entry->pid = pid;
		__entry->result = result;
	),
	TP_printk("vm %llu pid %d result %d", __entry->vm_id, __entry->pid,
		  __entry->result)
);

TRACE_EVENT(kvmlite_vm_destroy,
	TP_PROTO(u64 vm_id),
	TP_ARGS(vm_id),
	TP_STRUCT__entry(
		__field(u64, vm_id)
	),
	TP_fast_assign(
		__entry->vm_id = vm_id;
	),
	TP_printk("vm %llu", __entry->vm_id)
);

TRACE_EVENT(kvmlite_entry,
	TP_PROTO(u64 vm_id, unsigned int vcpu_id, u64 rip),
	TP_ARGS(vm_id, vcpu_id, rip),
	TP_STRUCT__entry(
		__field(u64, vm_id)
		__field(unsigned int, vcpu_id)
		__field(u64, rip)
	),
	TP_fast_assign(
		__entry->vm_id = vm_id;
		__entry->vcpu_id = vcpu_id;
		__entry->rip = rip;
	),
	TP_printk("vm %llu vcpu %u rip %#llx", __entry->vm_id,
		  __entry->vcpu_id, __entry->rip)
);

TRACE_EVENT(kvmlite_exit,
	TP_PROTO(u64 vm_id, unsigned int vcpu_id, u32 reason, u64 qual,
		 u64 rip),
	TP_ARGS(vm_id, vcpu_id, reason, qual, rip),
	TP_STRUCT__entry(
		__field(u64, vm_id)
		__field(unsigned int, vcpu_id)
		__field(u32, reason)
		__field(u64, qual)
		__field(u64, rip)
	),
	TP_fast_assign(
		__entry->vm_id = vm_id;
		__entry->vcpu_id = vcpu_id;
		__entry->reason = reason;
		__entry->qual = qual;
		__entry->rip = rip;
	),
	/* Basic exit reasons, SDM Vol. 3D Appendix C. */
	TP_printk("vm %llu vcpu %u reason %u %s qualification %#llx rip %#llx",
		  __entry->vm_id, __entry->vcpu_id, __entry->reason,
		  __print_symbolic(__entry->reason & 0xffff,
				   { 0, "EXCEPTION_NMI" },
				   { 1, "EXTERNAL_INTERRUPT" },
				   { 2, "TRIPLE_FAULT" },
				   { 7, "INTERRUPT_WINDOW" },
				   { 8, "NMI_WINDOW" },
				   { 10, "CPUID" },
				   { 12, "HLT" },
				   { 18, "VMCALL" },
				   { 28, "CR_ACCESS" },
				   { 29, "DR_ACCESS" },
				   { 30, "IO_INSTRUCTION" },
				   { 31, "MSR_READ" },
				   { 32, "MSR_WRITE" },
				   { 33, "INVALID_GUEST_STATE" },
				   { 43, "TPR_BELOW_THRESHOLD" },
				   { 44, "APIC_ACCESS" },
				   { 45, "EOI_INDUCED" },
				   { 48, "EPT_VIOLATION" },
				   { 49, "EPT_MISCONFIG" },
				   { 52, "PREEMPTION_TIMER" },
				   { 55, "XSETBV" },
				   { 56, "APIC_WRITE" }),
		  __entry->qual, __entry->rip)
);

TRACE_EVENT(kvmlite_userspace_exit,
	TP_PROTO(u64 vm_id, unsigned int vcpu_id, u32 exit_reason, int ret),
	TP_ARGS(vm_id, vcpu_id, exit_reason, ret),
	TP_STRUCT__entry(
		__field(u64, vm_id)
		__field(unsigned int, vcpu_id)
		__field(u32, exit_reason)
		__field(int, ret)
	),
	TP_fast_assign(
		__entry->vm_id = vm_id;
		__entry->vcpu_id = vcpu_id;
		__entry->exit_reason = exit_reason;
		__entry->ret = ret;
	),
	TP_printk("vm %llu vcpu %u kvm_run exit_reason %u ret %d",
		  __entry->vm_id, __entry->vcpu_id, __entry->exit_reason,
		  __entry->ret)
);

/* A vCPU event with no payload beyond which vCPU it was. */
DECLARE_EVENT_CLASS(kvmlite_vcpu_event,
	TP_PROTO(u64 vm_id, unsigned int vcpu_id),
	TP_ARGS(vm_id, vcpu_id),
	TP_STRUCT__entry(
		__field(u64, vm_id)
		__field(unsigned int, vcpu_id)
	),
	TP_fast_assign(
		__entry->vm_id = vm_id;
		__entry->vcpu_id = vcpu_id;
	),
	TP_printk("vm %llu vcpu %u", __entry->vm_id, __entry->vcpu_id)
);

DEFINE_EVENT(kvmlite_vcpu_event, kvmlite_halt,
	TP_PROTO(u64 vm_id, unsigned int vcpu_id),
	TP_ARGS(vm_id, vcpu_id)
);

/* The halted vCPU's thread gives up the CPU (schedule()). */
DEFINE_EVENT(kvmlite_vcpu_event, kvmlite_vcpu_block,
	TP_PROTO(u64 vm_id, unsigned int vcpu_id),
	TP_ARGS(vm_id, vcpu_id)
);

DEFINE_EVENT(kvmlite_vcpu_event, kvmlite_vcpu_wakeup,
	TP_PROTO(u64 vm_id, unsigned int vcpu_id),
	TP_ARGS(vm_id, vcpu_id)
);

DEFINE_EVENT(kvmlite_vcpu_event, kvmlite_apic_timer_fire,
	TP_PROTO(u64 vm_id, unsigned int vcpu_id),
	TP_ARGS(vm_id, vcpu_id)
);

/*
 * The halt check's verdict (halt_check.h) and what it was made from: the
 * highest vector in IRR after the drain, RVI, PPR, RFLAGS.IF, and what
 * keeps the vCPU awake, if anything.
 */
TRACE_EVENT(kvmlite_halt_check,
	TP_PROTO(u64 vm_id, unsigned int vcpu_id, int highest, u8 rvi, u32 ppr,
		 bool irq_allowed, int cause),
	TP_ARGS(vm_id, vcpu_id, highest, rvi, ppr, irq_allowed, cause),
	TP_STRUCT__entry(
		__field(u64, vm_id)
		__field(unsigned int, vcpu_id)
		__field(int, highest)
		__field(u8, rvi)
		__field(u32, ppr)
		__field(bool, irq_allowed)
		__field(int, cause)
	),
	TP_fast_assign(
		__entry->vm_id = vm_id;
		__entry->vcpu_id = vcpu_id;
		__entry->highest = highest;
		__entry->rvi = rvi;
		__entry->ppr = ppr;
		__entry->irq_allowed = irq_allowed;
		__entry->cause = cause;
	),
	TP_printk("vm %llu vcpu %u highest %#x rvi %#x ppr %#x if %d verdict %s",
		  __entry->vm_id, __entry->vcpu_id,
		  __entry->highest < 0 ? 0 : __entry->highest, __entry->rvi,
		  __entry->ppr, __entry->irq_allowed,
		  __print_symbolic(__entry->cause,
				   { KVMLITE_WAKE_NONE, "sleep" },
				   { KVMLITE_WAKE_IRQ, "run (interrupt above PPR)" },
				   { KVMLITE_WAKE_EXTINT, "run (ExtINT)" },
				   { KVMLITE_WAKE_NMI, "run (NMI)" }))
);

/* A vector posted into a descriptor: did ON go 0 -> 1 (notify)? */
TRACE_EVENT(kvmlite_pi_post,
	TP_PROTO(u64 vm_id, unsigned int vcpu_id, u8 vector, int result),
	TP_ARGS(vm_id, vcpu_id, vector, result),
	TP_STRUCT__entry(
		__field(u64, vm_id)
		__field(unsigned int, vcpu_id)
		__field(u8, vector)
		__field(int, result)
	),
	TP_fast_assign(
		__entry->vm_id = vm_id;
		__entry->vcpu_id = vcpu_id;
		__entry->vector = vector;
		__entry->result = result;
	),
	TP_printk("vm %llu vcpu %u vector %#x %s", __entry->vm_id,
		  __entry->vcpu_id, __entry->vector,
		  __print_symbolic(__entry->result,
				   { KVMLITE_DELIVERY_PI_NOTIFY, "ON 0->1 notify" },
				   { KVMLITE_DELIVERY_PI_COALESCED,
				     "ON 1->1 coalesced" },
				   { KVMLITE_DELIVERY_PI_SUPPRESSED,
				     "SN set suppressed" }))
);

/* The notification of a post: a wake-up of a halted vCPU, or a kick. */
TRACE_EVENT(kvmlite_pi_notify,
	TP_PROTO(u64 vm_id, unsigned int vcpu_id, int how),
	TP_ARGS(vm_id, vcpu_id, how),
	TP_STRUCT__entry(
		__field(u64, vm_id)
		__field(unsigned int, vcpu_id)
		__field(int, how)
	),
	TP_fast_assign(
		__entry->vm_id = vm_id;
		__entry->vcpu_id = vcpu_id;
		__entry->how = how;
	),
	TP_printk("vm %llu vcpu %u %s", __entry->vm_id, __entry->vcpu_id,
		  __print_symbolic(__entry->how,
				   { KVMLITE_NOTIFY_KICK, "kick" },
				   { KVMLITE_NOTIFY_WAKE, "wake halted vCPU" },
				   { KVMLITE_NOTIFY_POSTED_IPI,
				     "posted-interrupt IPI" }))
);

/* APICv: RVI and SVI written to the guest interrupt status at entry. */
TRACE_EVENT(kvmlite_apicv_sync,
	TP_PROTO(u64 vm_id, unsigned int vcpu_id, u8 rvi, u8 svi),
	TP_ARGS(vm_id, vcpu_id, rvi, svi),
	TP_STRUCT__entry(
		__field(u64, vm_id)
		__field(unsigned int, vcpu_id)
		__field(u8, rvi)
		__field(u8, svi)
	),
	TP_fast_assign(
		__entry->vm_id = vm_id;
		__entry->vcpu_id = vcpu_id;
		__entry->rvi = rvi;
		__entry->svi = svi;
	),
	TP_printk("vm %llu vcpu %u rvi %#x svi %#x", __entry->vm_id,
		  __entry->vcpu_id, __entry->rvi, __entry->svi)
);

/* PIR drained into IRR (ON cleared first); the highest vector taken. */
TRACE_EVENT(kvmlite_pi_drain,
	TP_PROTO(u64 vm_id, unsigned int vcpu_id, int highest),
	TP_ARGS(vm_id, vcpu_id, highest),
	TP_STRUCT__entry(
		__field(u64, vm_id)
		__field(unsigned int, vcpu_id)
		__field(int, highest)
	),
	TP_fast_assign(
		__entry->vm_id = vm_id;
		__entry->vcpu_id = vcpu_id;
		__entry->highest = highest;
	),
	TP_printk("vm %llu vcpu %u PIR -> IRR, highest %#x", __entry->vm_id,
		  __entry->vcpu_id, __entry->highest)
);

TRACE_EVENT(kvmlite_apic_timer_arm,
	TP_PROTO(u64 vm_id, unsigned int vcpu_id, u64 expiry_ns),
	TP_ARGS(vm_id, vcpu_id, expiry_ns),
	TP_STRUCT__entry(
		__field(u64, vm_id)
		__field(unsigned int, vcpu_id)
		__field(u64, expiry_ns)
	),
	TP_fast_assign(
		__entry->vm_id = vm_id;
		__entry->vcpu_id = vcpu_id;
		__entry->expiry_ns = expiry_ns;
	),
	TP_printk("vm %llu vcpu %u expiry %llu ns", __entry->vm_id,
		  __entry->vcpu_id, __entry->expiry_ns)
);

/* A vector accepted into a LAPIC, or injected into the guest. */
DECLARE_EVENT_CLASS(kvmlite_vector,
	TP_PROTO(u64 vm_id, unsigned int vcpu_id, u8 vector, bool level),
	TP_ARGS(vm_id, vcpu_id, vector, level),
	TP_STRUCT__entry(
		__field(u64, vm_id)
		__field(unsigned int, vcpu_id)
		__field(u8, vector)
		__field(bool, level)
	),
	TP_fast_assign(
		__entry->vm_id = vm_id;
		__entry->vcpu_id = vcpu_id;
		__entry->vector = vector;
		__entry->level = level;
	),
	TP_printk("vm %llu vcpu %u vector %#x%s", __entry->vm_id,
		  __entry->vcpu_id, __entry->vector,
		  __entry->level ? " level" : "")
);

DEFINE_EVENT(kvmlite_vector, kvmlite_apic_accept_irq,
	TP_PROTO(u64 vm_id, unsigned int vcpu_id, u8 vector, bool level),
	TP_ARGS(vm_id, vcpu_id, vector, level)
);

/* A vCPU event about one vector. */
DECLARE_EVENT_CLASS(kvmlite_vcpu_vector,
	TP_PROTO(u64 vm_id, unsigned int vcpu_id, u8 vector),
	TP_ARGS(vm_id, vcpu_id, vector),
	TP_STRUCT__entry(
		__field(u64, vm_id)
		__field(unsigned int, vcpu_id)
		__field(u8, vector)
	),
	TP_fast_assign(
		__entry->vm_id = vm_id;
		__entry->vcpu_id = vcpu_id;
		__entry->vector = vector;
	),
	TP_printk("vm %llu vcpu %u vector %#x", __entry->vm_id,
		  __entry->vcpu_id, __entry->vector)
);

/* A SIPI starts the vCPU, in real mode at vector * 4 KiB. */
DEFINE_EVENT(kvmlite_vcpu_vector, kvmlite_sipi_start,
	TP_PROTO(u64 vm_id, unsigned int vcpu_id, u8 vector),
	TP_ARGS(vm_id, vcpu_id, vector)
);

/* A level-triggered vector's EOI, on its way to userspace's IOAPIC. */
DEFINE_EVENT(kvmlite_vcpu_vector, kvmlite_ioapic_eoi,
	TP_PROTO(u64 vm_id, unsigned int vcpu_id, u8 vector),
	TP_ARGS(vm_id, vcpu_id, vector)
);

TRACE_EVENT(kvmlite_inject_irq,
	TP_PROTO(u64 vm_id, unsigned int vcpu_id, u8 vector, bool nmi),
	TP_ARGS(vm_id, vcpu_id, vector, nmi),
	TP_STRUCT__entry(
		__field(u64, vm_id)
		__field(unsigned int, vcpu_id)
		__field(u8, vector)
		__field(bool, nmi)
	),
	TP_fast_assign(
		__entry->vm_id = vm_id;
		__entry->vcpu_id = vcpu_id;
		__entry->vector = vector;
		__entry->nmi = nmi;
	),
	TP_printk("vm %llu vcpu %u %s vector %#x", __entry->vm_id,
		  __entry->vcpu_id, __entry->nmi ? "NMI" : "interrupt",
		  __entry->vector)
);

/* An interrupt message: an ICR write (src = sender) or an MSI (src -1). */
TRACE_EVENT(kvmlite_apic_ipi,
	TP_PROTO(u64 vm_id, int src, u32 dest, unsigned int mode, u8 vector,
		 unsigned int shorthand),
	TP_ARGS(vm_id, src, dest, mode, vector, shorthand),
	TP_STRUCT__entry(
		__field(u64, vm_id)
		__field(int, src)
		__field(u32, dest)
		__field(unsigned int, mode)
		__field(u8, vector)
		__field(unsigned int, shorthand)
	),
	TP_fast_assign(
		__entry->vm_id = vm_id;
		__entry->src = src;
		__entry->dest = dest;
		__entry->mode = mode;
		__entry->vector = vector;
		__entry->shorthand = shorthand;
	),
	TP_printk("vm %llu from vcpu %d dest %#x mode %s vector %#x shorthand %s",
		  __entry->vm_id, __entry->src, __entry->dest,
		  __print_symbolic(__entry->mode, { 0, "fixed" },
				   { 1, "lowest" }, { 2, "SMI" },
				   { 3, "reserved" }, { 4, "NMI" },
				   { 5, "INIT" }, { 6, "SIPI" },
				   { 7, "ExtINT" }),
		  __entry->vector,
		  __print_symbolic(__entry->shorthand, { 0, "none" },
				   { 1, "self" }, { 2, "all" },
				   { 3, "all-but-self" }))
);

/* A guest access to a LAPIC register: xAPIC offset, or x2APIC MSR. */
TRACE_EVENT(kvmlite_apic_access,
	TP_PROTO(u64 vm_id, unsigned int vcpu_id, u32 reg, u64 val,
		 bool write),
	TP_ARGS(vm_id, vcpu_id, reg, val, write),
	TP_STRUCT__entry(
		__field(u64, vm_id)
		__field(unsigned int, vcpu_id)
		__field(u32, reg)
		__field(u64, val)
		__field(bool, write)
	),
	TP_fast_assign(
		__entry->vm_id = vm_id;
		__entry->vcpu_id = vcpu_id;
		__entry->reg = reg;
		__entry->val = val;
		__entry->write = write;
	),
	TP_printk("vm %llu vcpu %u %s %#x = %#llx", __entry->vm_id,
		  __entry->vcpu_id, __entry->write ? "write" : "read",
		  __entry->reg, __entry->val)
);

#endif /* KVMLITE_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
