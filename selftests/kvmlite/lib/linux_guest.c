// SPDX-License-Identifier: GPL-2.0
/*
 * Boot and check the Linux guest (linux_guest.h).
 *
 * The guest's console runs at loglevel 5: warnings and worse reach it,
 * the boot chatter does not (every character is a port write that exits
 * to the VMM).  Its init prints its TSC when it starts, and kvmlite-run
 * --verbose the guest's TSC before the first KVM_RUN (KVM starts it at
 * 0, kvmlite at the host's): the difference is the time from start to
 * init in guest TSC ticks, which under Bochs count emulated instructions.
 *
 * The exit counters (kvmlite's debugfs, /sys/kernel/debug/kvmlite/
 * vm<N>-<pid>/vcpu<M>) vanish with the VM, so they are sampled while the
 * guest runs and the last sample is printed.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kvmlite_util.h"
#include "linux_guest.h"
#include "tap.h"
#include "vmm_run.h"

#define BOOT_TIMEOUT_S	200	/* the harness gives a test 300 */
/*
 * A 448 MiB Bochs machine has ~400 MiB of MemTotal; at 256 MiB (205) the
 * OOM killer took kvmlite-run at ~100 MiB of the guest's RSS.
 */
#define LINUX_MIN_MACHINE_MIB	380

/*
 * What a healthy boot never prints: WARN() ("WARNING: CPU: n PID: ..."),
 * BUG, oopses, lockups, RCU stalls, panics.  Mitigation notes such as
 * "RETBleed: WARNING: ..." are not warnings of this kind.
 */
static const char *const bad_words[] = {
	"WARNING: CPU", "cut here", "BUG:", "Oops", "Call Trace", "Kernel panic",
	"soft lockup", "hard LOCKUP", "rcu: INFO", "self-detected stall",
	"unchecked MSR access", "kvmlite-guest: FAIL", "general protection",
};

const char *linux_kernel_path(void)
{
	const char *p = getenv("KVMLITE_LINUX_KERNEL");

	return p && *p ? p : "/usr/share/kvmlite/linux/vmlinuz";
}

const char *linux_initrd_path(void)
{
	const char *p = getenv("KVMLITE_LINUX_INITRD");

	return p && *p ? p : "/usr/share/kvmlite/linux/initrd.img";
}

const char *linux_guest_missing(void)
{
	static char why[600];

	if (access(linux_kernel_path(), R_OK))
		snprintf(why, sizeof(why), "no guest kernel at %s",
			 linux_kernel_path());
	else if (access(linux_initrd_path(), R_OK))
		snprintf(why, sizeof(why), "no guest initrd at %s",
			 linux_initrd_path());
	else
		return NULL;
	return why;
}

static long meminfo_kb(const char *key)
{
	char line[128];
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)) && line[strlen(key)] == ':')
			v = strtol(line + strlen(key) + 1, NULL, 10);
	if (f)
		fclose(f);
	return v;
}

const char *linux_boot_skip_reason(void)
{
	static char why[128];

	if (!lane_has_vmx()) {
		snprintf(why, sizeof(why), "no VT-x in lane '%s'", lane_name());
		return why;
	}
	/*
	 * The pages the guest touches of its 256 MiB are pinned on top of
	 * what the test machine uses (its kernel and the initramfs in RAM).
	 */
	if (meminfo_kb("MemTotal") < LINUX_MIN_MACHINE_MIB * 1024) {
		snprintf(why, sizeof(why),
			 "the test machine has %ld MiB, the guest needs 448: the lanes' bochs-linux and bochs3-linux boots run it",
			 meminfo_kb("MemTotal") / 1024);
		return why;
	}
	return NULL;
}

bool linux_lane_apicv_ok(void)
{
	return !lane_delivers_virtual_intr_if0() || getenv("KVMLITE_LINUX_APICV");
}

const char *linux_lane_kvmlite_params(void)
{
	return linux_lane_apicv_ok() ? "" : "enable_apicv=0";
}

bool linux_lane_kvm_intel_params_set(void)
{
	const char *kp = getenv("KVM_INTEL_PARAMS");

	if (linux_lane_apicv_ok() || (kp && *kp))
		return false;
	setenv("KVM_INTEL_PARAMS", "enable_apicv=0", 1);
	return true;
}

static void add_counter(struct linux_counters *c, const char *name,
			unsigned long long v)
{
	int i;

	for (i = 0; i < c->n; i++)
		if (!strcmp(c->name[i], name))
			break;
	if (i == c->n) {
		if (c->n == LINUX_MAX_COUNTERS)
			return;
		snprintf(c->name[c->n++], sizeof(c->name[0]), "%s", name);
		c->val[i] = 0;
	}
	c->val[i] += v;
}

/* Every "name value" line of a kvmlite vcpuN file. */
static void read_kvmlite_vcpu(const char *path, struct linux_counters *c)
{
	unsigned long long val;
	char name[40];
	FILE *f = fopen(path, "r");

	while (f && fscanf(f, "%39s %llu", name, &val) == 2)
		add_counter(c, name, val);
	if (f)
		fclose(f);
}

/* One KVM stat file: a single number, summed over the VM's vCPUs. */
static void read_kvm_stat(const char *path, const char *name,
			  struct linux_counters *c)
{
	unsigned long long val;
	FILE *f = fopen(path, "r");

	if (f && fscanf(f, "%llu", &val) == 1)
		add_counter(c, name, val);
	if (f)
		fclose(f);
}

/*
 * The VM of process pid, from debugfs: kvmlite's <name>-<pid>/vcpuN
 * files, or KVM's <pid>-<fd>/ directory of one file per stat.
 */
static bool sample(pid_t pid, bool kvm, struct linux_counters *c)
{
	const char *base = kvm ? "/sys/kernel/debug/kvm" :
			   "/sys/kernel/debug/kvmlite";
	char tag[32], path[512];
	struct dirent *d, *v;
	bool found = false;
	DIR *dir, *vm;

	snprintf(tag, sizeof(tag), kvm ? "%d-" : "-%d", pid);
	dir = opendir(base);
	if (!dir)
		return false;
	memset(c, 0, sizeof(*c));
	while ((d = readdir(dir))) {
		size_t l = strlen(d->d_name), t = strlen(tag);

		if (l <= t || (kvm ? strncmp(d->d_name, tag, t) :
				    strcmp(d->d_name + l - t, tag)))
			continue;
		snprintf(path, sizeof(path), "%s/%s", base, d->d_name);
		vm = opendir(path);
		while (vm && (v = readdir(vm))) {
			snprintf(path, sizeof(path), "%s/%s/%s", base,
				 d->d_name, v->d_name);
			if (kvm && v->d_type == DT_REG)
				read_kvm_stat(path, v->d_name, c);
			else if (!kvm && !strncmp(v->d_name, "vcpu", 4))
				read_kvmlite_vcpu(path, c);
			else
				continue;
			found = true;
		}
		if (vm)
			closedir(vm);
	}
	closedir(dir);
	return found;
}

/* vmm_run_poll's callback knows only the pid: the boot's state is here. */
static struct linux_counters *polled;
static bool polled_kvm;

static void poll_counters(pid_t pid)
{
	static struct linux_counters now;

	if (sample(pid, polled_kvm, &now))
		*polled = now;
}

bool linux_counter_shown(const char *name)
{
	return strstr(name, "exits") || strstr(name, "pi_") ||
	       !strcmp(name, "halt_sleeps") || !strcmp(name, "halt_wakeups") ||
	       !strcmp(name, "halt_wakeup") || !strcmp(name, "irqs_injected") ||
	       !strcmp(name, "irq_injections") ||
	       !strcmp(name, "insn_emulation");
}

void linux_counters_print(const struct linux_counters *c)
{
	char line[1024];
	size_t len = 0;
	int i;

	for (i = 0; i < c->n; i++) {
		if (!linux_counter_shown(c->name[i]) || !c->val[i])
			continue;
		len += snprintf(line + len, sizeof(line) - len, " %s=%llu",
				c->name[i], c->val[i]);
		if (len > 200) {
			tap_diag("counters:%s", line);
			len = 0;
		}
	}
	if (len)
		tap_diag("counters:%s", line);
}

/*
 * Bochs 2.7's XRSTOR(S) fault: a guest that uses XSAVE (on KVM) can see
 * it as the test machine does, "Bad FPU state detected at
 * restore_fpregs_from_fpstate" and its WARNING block
 * (docs/linux-guest.md).  In that lane the block, up to its end marker,
 * is cut out of out before the check, and said; anything else stays.
 */
static void cut_bochs27_xrstor_faults(char *out)
{
	static const char start[] = "------------[ cut here ]------------";
	static const char end[] = "---[ end trace";
	char *at, *fault, *stop, *eol;
	int back;

	if (strcmp(lane_name(), "bochs"))
		return;
	while ((fault = strstr(out, "Bad FPU state detected at restore_fpregs_from_fpstate"))) {
		/* From the "cut here" line just before, or the fault's line. */
		at = fault;
		for (back = 0; at > out && back < 256; back++, at--)
			if (!strncmp(at, start, sizeof(start) - 1))
				break;
		if (strncmp(at, start, sizeof(start) - 1))
			for (at = fault; at > out && at[-1] != '\n'; at--)
				;
		stop = strstr(fault, end);
		if (!stop)
			return;
		eol = strchr(stop, '\n');
		stop = eol ? eol + 1 : stop + strlen(stop);
		tap_diag("the guest saw Bochs 2.7's XRSTOR fault (\"Bad FPU state\"), not counted");
		memmove(at, stop, strlen(stop) + 1);
	}
}

static const char *bad_word(const char *out)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad_words); i++)
		if (strstr(out, bad_words[i]))
			return bad_words[i];
	return NULL;
}

bool linux_boot_run(const char *device, int smp, const char *what,
		    struct linux_boot *boot)
{
	char smp_arg[16], append[256], pass[64];
	unsigned long long tsc0 = 0, tsc_init = 0;
	struct vmm_result res;
	const char *bad, *p, *extra;

	snprintf(smp_arg, sizeof(smp_arg), "%d", smp);
	/* KVMLITE_LINUX_APPEND: more guest command line, for experiments. */
	extra = getenv("KVMLITE_LINUX_APPEND");
	/* The guest's wall clock must be this one (the CMOS, or kvm-clock). */
	snprintf(append, sizeof(append),
		 "console=ttyS0 loglevel=5 kvmlite_guest.cpus=%d kvmlite_guest.apic=x2apic kvmlite_guest.epoch=%lld%s%s",
		 smp, (long long)time(NULL), extra ? " " : "", extra ? extra : "");
	snprintf(pass, sizeof(pass), "kvmlite-guest: PASS cpus=%d apic=x2apic ",
		 smp);
	memset(boot, 0, sizeof(*boot));
	polled = &boot->counters;
	polled_kvm = !strcmp(device, "/dev/kvm");
	vmm_run_poll(&res, (const char *const[]){ "--verbose", "--device", device,
		     "--smp", smp_arg, "--mem", "256",
		     "--kernel", linux_kernel_path(),
		     "--initrd", linux_initrd_path(),
		     "--append", append, NULL }, BOOT_TIMEOUT_S,
		     poll_counters);
	if (res.out)
		cut_bochs27_xrstor_faults(res.out);
	bad = bad_word(res.out);
	boot->ok = res.status == 0 && strstr(res.out, pass) && !bad;
	boot->seconds = res.seconds;
	p = strstr(res.out, "kvmlite-guest: init: tsc=");
	if (p)
		tsc_init = strtoull(p + 25, NULL, 10);
	p = strstr(res.err, "guest TSC at start ");
	if (p)
		tsc0 = strtoull(p + 19, NULL, 10);
	boot->init_ticks = tsc_init > tsc0 ? tsc_init - tsc0 : 0;
	if (!boot->ok) {
		vmm_show(what, &res, 6000);
		tap_diag("expected exit 0, \"%s\", none of the warning words%s%s",
			 pass, bad ? "; found: " : "", bad ? bad : "");
	}
	vmm_result_free(&res);
	return boot->ok;
}

bool linux_boot_check(const char *device, int smp, const char *what)
{
	static struct linux_boot boot;

	linux_boot_run(device, smp, what, &boot);
	tap_diag("%s: %.1f s, kvmlite-run start to guest init: %llu TSC ticks",
		 what, boot.seconds, boot.init_ticks);
	linux_counters_print(&boot.counters);
	return tap_check(boot.ok, "%s", what);
}

void linux_variants_main(const struct linux_variant *v, int n)
{
	const char *skip = linux_guest_missing();
	int i, r;

	if (!skip)
		skip = linux_boot_skip_reason();
	tap_plan(n);
	for (i = 0; i < n; i++) {
		const char *params = v[i].params ? v[i].params :
				     linux_lane_kvmlite_params();

		if (skip || (v[i].needs_apicv && !linux_lane_apicv_ok())) {
			tap_skip("%s: %s", v[i].what, skip ? skip :
				 "this emulator delivers virtual interrupts with IF=0 (docs/linux-guest.md); KVMLITE_LINUX_APICV=1 runs it");
			continue;
		}
		if (*params)
			tap_diag("%s: kvmlite %s", v[i].what, params);
		module_unload(KVMLITE_MODULE);
		r = module_load(kvmlite_ko_path(), params);
		if (r) {
			tap_check(false, "%s: load %s %s: %d", v[i].what,
				  kvmlite_ko_path(), params, r);
			continue;
		}
		linux_boot_check(KVMLITE_DEV, v[i].smp, v[i].what);
	}
	module_unload(KVMLITE_MODULE);
	tap_finish();
}
