/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the kvmlite selftests: which machine ("lane") the
 * suite runs in, loading and unloading modules, reading new kernel log
 * records, and the module's debugfs view of VMX operation.
 */
#ifndef KVMLITE_UTIL_H
#define KVMLITE_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#define KVMLITE_DEV		"/dev/kvmlite"
#define KVMLITE_MODULE		"kvmlite"
#define KVMLITE_VMX_STATE	"/sys/kernel/debug/kvmlite/vmx_state"
#define KVMLITE_NOBODY_ID	65534

/*
 * The harness names the lane on the kernel command line
 * (kvmlite_test.lane=bochs|qemu) and in $KVMLITE_LANE; elsewhere the CPU
 * flags decide.
 */
const char *lane_name(void);
bool lane_has_vmx(void);
/*
 * The lane's emulator enters a guest whose RFLAGS.IF is 0 with external
 * interrupts masked, although external-interrupt exiting is on, until the
 * guest changes IF (Bochs 2.7 as Debian ships it; Bochs 3.0 carries
 * tools/testing/bochs3/patches/0006): a hypervisor with no other bound on
 * a stay in the guest (kvm_intel) never gets the CPU back from a guest
 * that spins with IF = 0.
 */
bool lane_masks_host_irqs_in_if0_guest(void);
/* In a scenario: skip on such a lane when dev is not kvmlite. */
void skip_kvm_where_if0_guest_keeps_cpu(int dev);
/*
 * The lane's emulator delivers a pending virtual interrupt (APICv) with
 * RFLAGS.IF = 0 when a physical interrupt reaches it in guest mode (Bochs
 * 2.7; Bochs 3.0 carries tools/testing/bochs3/patches/0003):
 * docs/linux-guest.md.
 */
bool lane_delivers_virtual_intr_if0(void);

const char *kvmlite_ko_path(void);
/*
 * 0 or -errno, from finit_module() / delete_module(O_NONBLOCK).  For
 * kvmlite, $KVMLITE_LANE_PARAMS (the test machine's, guest/init) come
 * before params, so params override them.
 */
int module_load(const char *path, const char *params);
int module_unload(const char *name);
bool module_loaded(const char *name);
/* Load kvmlite if it is not loaded yet; 0 or -errno. */
int kvmlite_ensure_loaded(void);
/* With KVMLITE_TRACE_EVENTS set: print the trace's last lines. */
void trace_dump_tail(unsigned int lines);
/*
 * Open the device under test (--device PATH, default /dev/kvmlite).  When
 * it is missing in a lane without VT-x the whole test is skipped; missing
 * anywhere else is a failure.
 */
int open_device_or_skip(int argc, char **argv, const char **path_out);

/* Debian's kvm_intel and its dependencies, from $KVM_MODULES_DIR. */
int kvm_modules_load(void);
void kvm_modules_unload(void);

/* A /dev/kmsg reader positioned after every record logged so far. */
int kmsg_open_at_end(void);
/* Consume new records; true if one contains needle (copied to line). */
bool kmsg_find(int fd, const char *needle, char *line, size_t size);

struct vmx_state {
	unsigned int users;
	int cpus;
	int cpus_on;
	int apicv;	/* vmx/apicv.c in use: 0 or 1 */
	int apicv_reads;	/* x2APIC reads virtualized too */
	int apic_access;	/* xAPIC page through an APIC-access page */
	int tpr_shadow;		/* CR8 through the TPR shadow */
	int ack_intr;		/* exits can acknowledge host interrupts */
	int posted_intr_hw;	/* the CPU processes posted interrupts */
};

/* Parse the module's debugfs vmx_state file; 0 or -errno. */
int vmx_state_read(struct vmx_state *st);
/* kvmlite is loaded and has chosen the CPU's posted-interrupt processing. */
bool kvmlite_hw_posting(void);
/*
 * kvmlite vCPU vcpu's posting counters, printed; and checked: with
 * hw_posting some notifications went to it as the posted-interrupt IPI
 * and none of them exited, without it none were sent.
 */
void kvmlite_expect_posting_path(unsigned int vcpu, bool hw_posting);
/* Write "1" or "0" to events/<name>/enable; a bare name is kvmlite's. */
int trace_event_set(const char *name, bool on);

/*
 * Write one of kvmlite's writable module parameters (sysfs); 0 or
 * -errno.
 */
int kvmlite_set_param(const char *name, const char *val);

/*
 * Skip unless dev is kvmlite; else set one of its writable parameters
 * (asserting that it took) for the vCPUs created next.
 */
void kvmlite_param_or_skip(int dev, const char *name, const char *val);

/*
 * Skip unless dev is kvmlite on a CPU whose VM exits can acknowledge
 * host interrupts; else set ack_intr_on_exit=1 for the vCPUs created
 * next (kvmlite_set_param("ack_intr_on_exit", "0") undoes it).
 */
void kvmlite_ack_intr_on(int dev);

/* Is this open device kvmlite (not /dev/kvm)? */
bool dev_is_kvmlite(int dev_fd);
/*
 * A counter from debugfs kvmlite/vm*-<this pid>/vcpu<N>; -1 when there is
 * no such file or counter (one VM per process).
 */
long kvmlite_vcpu_stat(unsigned int vcpu, const char *name);

#endif /* KVMLITE_UTIL_H */
