// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kvm_util.h"
#include "kvmlite_util.h"
#include "tap.h"

static bool file_contains(const char *path, const char *needle)
{
	char line[4096];
	bool found = false;
	FILE *f = fopen(path, "r");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, needle);
	fclose(f);
	return found;
}

const char *lane_name(void)
{
	static char lane[32];
	const char *env = getenv("KVMLITE_LANE");
	char cmdline[4096] = "";
	const char *p;
	FILE *f;

	if (env && *env)
		return env;
	if (lane[0])
		return lane;
	f = fopen("/proc/cmdline", "r");
	if (f) {
		if (!fgets(cmdline, sizeof(cmdline), f))
			cmdline[0] = '\0';
		fclose(f);
	}
	p = strstr(cmdline, "kvmlite_test.lane=");
	if (p)
		sscanf(p + strlen("kvmlite_test.lane="), "%31[a-z0-9_-]", lane);
	else
		snprintf(lane, sizeof(lane), "host");
	return lane;
}

bool lane_has_vmx(void)
{
	const char *lane = lane_name();

	if (!strcmp(lane, "bochs") || !strcmp(lane, "bochs3"))
		return true;
	if (!strcmp(lane, "qemu"))
		return false;
	return file_contains("/proc/cpuinfo", " vmx");
}

bool lane_masks_host_irqs_in_if0_guest(void)
{
	return !strcmp(lane_name(), "bochs");
}

bool lane_delivers_virtual_intr_if0(void)
{
	return !strcmp(lane_name(), "bochs");
}

void skip_kvm_where_if0_guest_keeps_cpu(int dev)
{
	if (!dev_is_kvmlite(dev) && lane_masks_host_irqs_in_if0_guest())
		test_skip("lane '%s' masks host interrupts in an IF = 0 guest %s",
			  lane_name(),
			  "and kvm_intel has no other bound (bochs3 runs it)");
}

const char *kvmlite_ko_path(void)
{
	const char *env = getenv("KVMLITE_KO");

	return env && *env ? env : "/lib/modules/kvmlite/kvmlite.ko";
}

int module_load(const char *path, const char *params)
{
	const char *lane = getenv("KVMLITE_LANE_PARAMS");
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char all[512];
	int r;

	if (fd < 0)
		return -errno;
	/* The lane's kvmlite parameters first: the caller's win over them. */
	snprintf(all, sizeof(all), "%s %s",
		 lane && strstr(path, "kvmlite") ? lane : "",
		 params ? params : "");
	r = syscall(SYS_finit_module, fd, all, 0);
	r = r ? -errno : 0;
	close(fd);
	return r;
}

int module_unload(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK) ? -errno : 0;
}

bool module_loaded(const char *name)
{
	char line[512], mod[128];
	bool found = false;
	FILE *f = fopen("/proc/modules", "r");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%127s", mod) == 1 && !strcmp(mod, name);
	fclose(f);
	return found;
}

#define TRACING_DIR	"/sys/kernel/tracing"

/*
 * KVMLITE_TRACE_EVENTS=a,b (the harness's kvmlite_test.trace=): enable
 * these trace events once the module is loaded, so that a failing test
 * can print what led to it (trace_dump_tail()).  A bare name is one of
 * kvmlite's events; "kvm/kvm_exit" names another system's (enabled when
 * kvm_intel is loaded).
 */
int trace_event_set(const char *name, bool on)
{
	char path[192];
	FILE *f;
	int r = 0;

	snprintf(path, sizeof(path), TRACING_DIR "/events/%s%s/enable",
		 strchr(name, '/') ? "" : "kvmlite/", name);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	if (fputs(on ? "1" : "0", f) < 0)
		r = -EIO;
	if (fclose(f) && !r)
		r = -errno;
	return r;
}

static void trace_events_from_env(void)
{
	const char *env = getenv("KVMLITE_TRACE_EVENTS");
	char list[512], *ev, *save;
	FILE *f;
	int r;

	if (!env || !*env)
		return;
	f = fopen(TRACING_DIR "/trace", "w");	/* clears the buffer */
	if (f)
		fclose(f);
	snprintf(list, sizeof(list), "%s", env);
	for (ev = strtok_r(list, ",", &save); ev;
	     ev = strtok_r(NULL, ",", &save)) {
		r = trace_event_set(ev, true);
		/* ENOENT: its module is not loaded (yet). */
		if (r && r != -ENOENT)
			tap_diag("cannot enable trace event %s: %s", ev,
				 strerror(-r));
	}
}

void trace_dump_tail(unsigned int lines)
{
	char **ring = calloc(lines, sizeof(*ring));
	char line[512];
	unsigned int n = 0, i;
	FILE *f;

	if (!getenv("KVMLITE_TRACE_EVENTS") || !ring)
		goto out;
	f = fopen(TRACING_DIR "/trace", "r");
	if (!f)
		goto out;
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#')
			continue;
		line[strcspn(line, "\n")] = '\0';
		free(ring[n % lines]);
		ring[n % lines] = strdup(line);
		n++;
	}
	fclose(f);
	tap_diag("the last %u of %u trace lines:", n < lines ? n : lines, n);
	for (i = n < lines ? 0 : n - lines; i < n; i++)
		tap_diag("  %s", ring[i % lines]);
out:
	for (i = 0; ring && i < lines; i++)
		free(ring[i]);
	free(ring);
}

int kvmlite_ensure_loaded(void)
{
	int r;

	if (module_loaded(KVMLITE_MODULE))
		return 0;
	r = module_load(kvmlite_ko_path(), NULL);
	if (!r)
		trace_events_from_env();
	return r;
}

int open_device_or_skip(int argc, char **argv, const char **path_out)
{
	const char *path = KVMLITE_DEV;
	int i, fd;

	for (i = 1; i < argc - 1; i++)
		if (!strcmp(argv[i], "--device"))
			path = argv[i + 1];
	if (!strcmp(path, KVMLITE_DEV) && !lane_has_vmx())
		tap_skip_all("no VT-x in lane '%s': kvmlite cannot load",
			     lane_name());
	if (!strcmp(path, KVMLITE_DEV) && kvmlite_ensure_loaded())
		tap_bail("cannot load %s", kvmlite_ko_path());
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		tap_bail("open %s: %s", path, strerror(errno));
	if (path_out)
		*path_out = path;
	return fd;
}

static const char *const kvm_modules[] = { "irqbypass", "kvm", "kvm-intel" };

int kvm_modules_load(void)
{
	const char *dir = getenv("KVM_MODULES_DIR");
	char path[512];
	size_t i;
	int r;

	if (!dir || !*dir)
		dir = "/lib/modules/kvm";
	for (i = 0; i < ARRAY_SIZE(kvm_modules); i++) {
		char name[64];

		snprintf(name, sizeof(name), "%s", kvm_modules[i]);
		for (char *c = name; *c; c++)
			if (*c == '-')
				*c = '_';
		if (module_loaded(name))
			continue;
		snprintf(path, sizeof(path), "%s/%s.ko", dir, kvm_modules[i]);
		/* The lane may ask for kvm_intel options (enable_apicv=0). */
		r = module_load(path, strcmp(name, "kvm_intel") ? NULL :
				getenv("KVM_INTEL_PARAMS"));
		if (r) {
			tap_diag("loading %s: %s", path, strerror(-r));
			return r;
		}
	}
	trace_events_from_env();
	return 0;
}

void kvm_modules_unload(void)
{
	module_unload("kvm_intel");
	module_unload("kvm");
	module_unload("irqbypass");
}

int kmsg_open_at_end(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

bool kmsg_find(int fd, const char *needle, char *line, size_t size)
{
	char rec[2048];
	bool found = false;
	ssize_t n;

	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: keep reading */
		if (n <= 0)
			break;
		rec[n] = '\0';
		if (!found && strstr(rec, needle)) {
			const char *text = strchr(rec, ';');

			snprintf(line, size, "%s", text ? text + 1 : rec);
			line[strcspn(line, "\n")] = '\0';
			found = true;
		}
	}
	return found;
}

int vmx_state_read(struct vmx_state *st)
{
	char line[128], state[8];
	unsigned int cpu;
	FILE *f = fopen(KVMLITE_VMX_STATE, "r");

	if (!f && errno == ENOENT) {
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
		f = fopen(KVMLITE_VMX_STATE, "r");
	}
	if (!f)
		return -errno;
	memset(st, 0, sizeof(*st));
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "users %u", &st->users) == 1)
			continue;
		if (sscanf(line, "apicv %d", &st->apicv) == 1)
			continue;
		if (sscanf(line, "apicv_reads %d", &st->apicv_reads) == 1)
			continue;
		if (sscanf(line, "apic_access %d", &st->apic_access) == 1)
			continue;
		if (sscanf(line, "tpr_shadow %d", &st->tpr_shadow) == 1)
			continue;
		if (sscanf(line, "ack_intr_on_exit %d", &st->ack_intr) == 1)
			continue;
		if (sscanf(line, "posted_intr_hw %d", &st->posted_intr_hw) == 1)
			continue;
		if (sscanf(line, "cpu%u %7s", &cpu, state) == 2) {
			st->cpus++;
			st->cpus_on += !strcmp(state, "on");
		}
	}
	fclose(f);
	return 0;
}

bool dev_is_kvmlite(int dev_fd)
{
	struct stat a, b;

	return !fstat(dev_fd, &a) && !stat(KVMLITE_DEV, &b) &&
	       a.st_rdev == b.st_rdev;
}

long kvmlite_vcpu_stat(unsigned int vcpu, const char *name)
{
	char pattern[128], line[128];
	long val = -1, v;
	glob_t g;
	FILE *f;

	snprintf(pattern, sizeof(pattern),
		 "/sys/kernel/debug/kvmlite/vm*-%d/vcpu%u", getpid(), vcpu);
	if (glob(pattern, 0, NULL, &g) || g.gl_pathc != 1) {
		globfree(&g);
		return -1;
	}
	f = fopen(g.gl_pathv[0], "r");
	globfree(&g);
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char key[64];

		if (sscanf(line, "%63s %ld", key, &v) == 2 && !strcmp(key, name))
			val = v;
	}
	fclose(f);
	return val;
}

int kvmlite_set_param(const char *name, const char *val)
{
	char path[128];
	ssize_t len = strlen(val);
	int fd, r = 0;

	snprintf(path, sizeof(path), "/sys/module/%s/parameters/%s",
		 KVMLITE_MODULE, name);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	if (write(fd, val, len) != len)
		r = -errno;
	close(fd);
	return r;
}

void kvmlite_param_or_skip(int dev, const char *name, const char *val)
{
	int r;

	if (!dev_is_kvmlite(dev))
		test_skip("kvmlite's %s parameter", name);
	r = kvmlite_set_param(name, val);
	TEST_ASSERT(!r, "%s=%s: %s", name, val, strerror(-r));
}

bool kvmlite_hw_posting(void)
{
	struct vmx_state st;

	return !vmx_state_read(&st) && st.posted_intr_hw;
}

void kvmlite_expect_posting_path(unsigned int vcpu, bool hw_posting)
{
	long ipis = kvmlite_vcpu_stat(vcpu, "pi_notification_ipis");
	long nv_exits = kvmlite_vcpu_stat(vcpu, "pi_notification_exits");

	tap_diag("vCPU %u: posted %ld IPIs %ld sw drains %ld NV exits %ld",
		 vcpu, kvmlite_vcpu_stat(vcpu, "pi_posted"), ipis,
		 kvmlite_vcpu_stat(vcpu, "pi_drained_in_software"), nv_exits);
	if (hw_posting)
		TEST_EXPECT(ipis > 0 && nv_exits == 0,
			    "vCPU %u: %ld notification IPIs, %ld of them exited",
			    vcpu, ipis, nv_exits);
	else
		TEST_EXPECT(ipis == 0 && nv_exits == 0,
			    "vCPU %u: software posting sent %ld notification IPIs",
			    vcpu, ipis);
}

void kvmlite_ack_intr_on(int dev)
{
	struct vmx_state st;
	int r;

	if (!dev_is_kvmlite(dev))
		test_skip("kvmlite's ack_intr_on_exit parameter");
	r = vmx_state_read(&st);
	TEST_ASSERT(!r, "%s: %s", KVMLITE_VMX_STATE, strerror(-r));
	if (!st.ack_intr)
		test_skip("the CPU cannot acknowledge interrupts on VM exit");
	kvmlite_param_or_skip(dev, "ack_intr_on_exit", "1");
}
