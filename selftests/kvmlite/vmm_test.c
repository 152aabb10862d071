// SPDX-License-Identifier: GPL-2.0
/*
 * kvmlite-run, the VMM, end to end: each test guest it ships
 * (/usr/share/kvmlite/guests) runs on /dev/kvm and on /dev/kvmlite and
 * must print its text and exit with its status (a triple fault: status
 * 70 and the registers); bad options, images and devices must give the
 * documented exit status and message.
 *
 * SMP with --irqchip split (in-kernel LAPICs): smp64.elf's BSP starts
 * APIC ID 1 with INIT/SIPI and both CPUs print; the run must end at the
 * BSP's exit port while the other vCPUs sleep in KVM_RUN, halted or still
 * waiting for a SIPI that never comes.  These cases are skipped on a
 * device without KVM_CAP_SPLIT_IRQCHIP.
 *
 * On /dev/kvmlite the guests run only once KVM_CHECK_EXTENSION says it
 * has guest memory (KVM_CAP_USER_MEMORY); until then they are skipped
 * with that reason, and the VMM must refuse the device cleanly.  On
 * /dev/kvm they run wherever kvm_intel loads (the Bochs lane).
 *
 * Options: --device PATH runs the guests on that device only.
 * Environment: KVMLITE_RUN (the VMM, default /usr/bin/kvmlite-run, else
 * ../../tools/vmm/kvmlite-run), KVMLITE_GUESTS (the guests' directory).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kvmlite_util.h"
#include "tap.h"
#include "vmm_run.h"

#define VMM_TIMEOUT_S	120

struct guest_case {
	const char *what;
	const char *args[6];	/* options and image, NULL-terminated */
	int status;
	const char *out;	/* the guest's whole output */
	const char *err[2];	/* in stderr; none: stderr must be empty */
	bool split_irqchip;	/* needs KVM_CAP_SPLIT_IRQCHIP */
};

/* Image names are relative to the guests' directory (see guest_path). */
static const struct guest_case guest_cases[] = {
	{
		.what = "32-bit Multiboot ELF prints and exits 0",
		.args = { "hello32.elf" },
		.status = 0,
		.out = "Hello from kvmlite guest\n",
	}, {
		.what = "64-bit ELF prints and exits 42",
		.args = { "hello64.elf" },
		.status = 42,
		.out = "Hello from 64-bit kvmlite guest, 1 vCPU(s)\n",
	}, {
		.what = "flat real-mode binary prints and exits 7",
		.args = { "--flat", "0x7c00", "flat.bin" },
		.status = 7,
		.out = "Hello from flat kvmlite guest\n",
	}, {
		.what = "64-bit ELF with --smp 2: vCPU 1 halts, vCPU 0 prints once",
		.args = { "--smp", "2", "hello64.elf" },
		.status = 42,
		.out = "Hello from 64-bit kvmlite guest, 2 vCPU(s)\n",
	}, {
		.what = "triple fault is reported with the registers, exit 70",
		.args = { "crash64.elf" },
		.status = 70,
		.out = "",
		.err = { "vcpu0: guest shutdown (KVM_EXIT_SHUTDOWN",
			 "rax 000000000000dead" },
	}, {
		.what = "smp64 --irqchip split --smp 2: INIT/SIPI starts AP 1, both print, exit 43",
		.args = { "--irqchip", "split", "--smp", "2", "smp64.elf" },
		.status = 43,
		.out = "smp64: BSP sends INIT and SIPI to APIC ID 1\n"
		       "AP 1 up\n"
		       "smp64: 2 CPUs up\n",
		.split_irqchip = true,
	}, {
		.what = "smp64 --irqchip split --smp 3: exit 43, AP 1 halted, AP 2 awaits SIPI",
		.args = { "--irqchip", "split", "--smp", "3", "smp64.elf" },
		.status = 43,
		.out = "smp64: BSP sends INIT and SIPI to APIC ID 1\n"
		       "AP 1 up\n"
		       "smp64: 2 CPUs up\n",
		.split_irqchip = true,
	}, {
		.what = "hello64 --irqchip split --smp 2: no SIPI, the BSP's exit 42 ends it",
		.args = { "--irqchip", "split", "--smp", "2", "hello64.elf" },
		.status = 42,
		.out = "Hello from 64-bit kvmlite guest, 2 vCPU(s)\n",
		.split_irqchip = true,
	}, {
		.what = "crash64 --irqchip split --smp 2: triple fault, AP awaits SIPI, exit 70",
		.args = { "--irqchip", "split", "--smp", "2", "crash64.elf" },
		.status = 70,
		.out = "",
		.err = { "vcpu0: guest shutdown (KVM_EXIT_SHUTDOWN",
			 "rax 000000000000dead" },
		.split_irqchip = true,
	}, {
		.what = "smp64 --smp 2 without an irqchip: no LAPIC answers, exit 0x22",
		.args = { "--smp", "2", "smp64.elf" },
		.status = 0x22,
		.out = "smp64: FAIL: no local APIC at 0xfee00000 (--irqchip split)\n",
	}, {
		.what = "smp64 --irqchip split --smp 1: no AP to start, exit 0x21",
		.args = { "--irqchip", "split", "smp64.elf" },
		.status = 0x21,
		.out = "smp64: FAIL: needs 2 vCPUs or more (--smp 2)\n",
		.split_irqchip = true,
	},
};

#define NR_GUEST_CASES	ARRAY_SIZE(guest_cases)
#define NR_ERROR_CASES	7
#define NR_KVMLITE_EXTRA 1

static const char *guest_path(const char *name)
{
	static char paths[8][512];
	static int next;
	const char *dir = getenv("KVMLITE_GUESTS");
	char *p = paths[next++ % ARRAY_SIZE(paths)];

	if (!dir || !*dir)
		dir = access("/usr/share/kvmlite/guests", F_OK) ?
		      "../../tools/vmm/guests" : "/usr/share/kvmlite/guests";
	snprintf(p, sizeof(paths[0]), "%s/%s", dir, name);
	return p;
}

static bool is_image(const char *arg)
{
	const char *dot = strrchr(arg, '.');

	return dot && (!strcmp(dot, ".elf") || !strcmp(dot, ".bin"));
}

/* Run the VMM with args, image names resolved in the guests' directory. */
static void run_vmm(struct vmm_result *res, const char *const *args)
{
	const char *argv[16];
	int n = 0;

	for (; *args && n < (int)ARRAY_SIZE(argv) - 1; args++)
		argv[n++] = is_image(*args) ? guest_path(*args) : *args;
	argv[n] = NULL;
	vmm_run(res, argv, VMM_TIMEOUT_S);
}

static bool check_error(const char *what, const char *const *args,
			int status, const char *msg)
{
	struct vmm_result res;
	bool ok;

	run_vmm(&res, args);
	ok = res.status == status && strstr(res.err, msg);
	if (!ok) {
		vmm_show(what, &res, 4096);
		tap_diag("expected exit %d and \"%s\" on stderr", status, msg);
	}
	vmm_result_free(&res);
	return tap_check(ok, "%s: exit %d, \"%s\"", what, status, msg);
}

static void error_cases(void)
{
	check_error("bad option", (const char *const[]){ "--bogus",
		    "hello32.elf", NULL }, VMM_EX_USAGE,
		    "unknown option '--bogus'");
	check_error("bad --irqchip", (const char *const[]){ "--irqchip",
		    "full", "hello64.elf", NULL }, VMM_EX_USAGE,
		    "--irqchip 'full': expected none or split");
	check_error("missing image",
		    (const char *const[]){ "/nonexistent/guest.elf", NULL },
		    VMM_EX_NOINPUT,
		    "/nonexistent/guest.elf: No such file or directory");
	check_error("non-ELF image without --flat",
		    (const char *const[]){ "flat.bin", NULL }, VMM_EX_DATAERR,
		    "not an ELF image");
	check_error("32-bit ELF without Multiboot header",
		    (const char *const[]){ "nomb32.elf", NULL },
		    VMM_EX_DATAERR, "without a Multiboot header");
	check_error("image outside --mem",
		    (const char *const[]){ "--mem", "2", "hello64.elf", NULL },
		    VMM_EX_DATAERR, "is outside guest RAM");
	check_error("missing device",
		    (const char *const[]){ "--device", "/nonexistent/kvm",
		    "hello32.elf", NULL }, VMM_EX_UNAVAILABLE,
		    "kvmlite-run: /nonexistent/kvm: No such file or directory");
}

static void skip_guests(const char *device, const char *why)
{
	size_t i;

	for (i = 0; i < NR_GUEST_CASES; i++)
		tap_skip("%s: %s: %s", device, guest_cases[i].what, why);
}

static int check_cap(const char *device, long cap)
{
	int fd = open(device, O_RDWR | O_CLOEXEC);
	int r;

	if (fd < 0)
		return -errno;
	r = ioctl(fd, KVM_CHECK_EXTENSION, cap);
	close(fd);
	return r < 0 ? 0 : r;
}

static void run_guests(const char *device)
{
	bool split = check_cap(device, KVM_CAP_SPLIT_IRQCHIP) > 0;
	size_t i;

	for (i = 0; i < NR_GUEST_CASES; i++) {
		const struct guest_case *c = &guest_cases[i];
		const char *args[12] = { "--device", device, "--mem", "16" };
		struct vmm_result res;
		bool ok;
		int n = 4;

		if (c->split_irqchip && !split) {
			tap_skip("%s: %s: KVM_CAP_SPLIT_IRQCHIP is 0", device,
				 c->what);
			continue;
		}
		for (const char *const *a = c->args; *a; a++)
			args[n++] = *a;
		run_vmm(&res, args);
		ok = res.status == c->status && !strcmp(res.out, c->out);
		if (!c->err[0])
			ok = ok && !res.err[0];
		for (size_t e = 0; e < ARRAY_SIZE(c->err) && c->err[e]; e++)
			ok = ok && strstr(res.err, c->err[e]);
		if (!ok) {
			vmm_show(c->what, &res, 4096);
			tap_diag("expected exit %d, stdout \"%s\", stderr with \"%s\"",
				 c->status, c->out,
				 c->err[0] ? c->err[0] : "(nothing)");
		}
		vmm_result_free(&res);
		tap_check(ok, "%s: %s", device, c->what);
	}
}

static void kvm_cases(bool wanted)
{
	bool loaded;

	if (!wanted) {
		skip_guests("/dev/kvm", "--device names another device");
		return;
	}
	/* /dev/kvm may be there already (built in, or a host's). */
	loaded = access("/dev/kvm", R_OK | W_OK) && !kvm_modules_load();
	if (access("/dev/kvm", R_OK | W_OK)) {
		skip_guests("/dev/kvm", "kvm_intel not available in this lane");
		return;
	}
	run_guests("/dev/kvm");
	/* Leave VT-x to kvmlite for what follows. */
	if (loaded)
		kvm_modules_unload();
}

static void kvmlite_cases(bool wanted)
{
	const char *dev = KVMLITE_DEV;
	struct vmm_result res;
	int cap;

	if (!wanted) {
		tap_skip("%s: refused without guest memory: --device names another device",
			 dev);
		skip_guests(dev, "--device names another device");
		return;
	}
	if (!lane_has_vmx()) {
		tap_skip("%s: refused without guest memory: no VT-x in lane '%s'",
			 dev, lane_name());
		skip_guests(dev, "no VT-x in this lane");
		return;
	}
	if (kvmlite_ensure_loaded()) {
		tap_check(false, "%s: load %s", dev, kvmlite_ko_path());
		skip_guests(dev, "kvmlite did not load");
		return;
	}
	cap = check_cap(dev, KVM_CAP_USER_MEMORY);
	if (cap < 0) {
		tap_check(false, "%s: open: %s", dev, strerror(-cap));
		skip_guests(dev, "device cannot be opened");
		return;
	}
	if (cap) {
		tap_skip("%s: refused without guest memory: KVM_CAP_USER_MEMORY is %d",
			 dev, cap);
		run_guests(dev);
		return;
	}
	run_vmm(&res, (const char *const[]){ "--device", dev,
		"hello32.elf", NULL });
	if (!tap_check(res.status == VMM_EX_UNAVAILABLE &&
		       strstr(res.err, "KVM_CAP_USER_MEMORY is 0"),
		       "%s: refused without guest memory: exit %d, names KVM_CAP_USER_MEMORY",
		       dev, VMM_EX_UNAVAILABLE))
		vmm_show("kvmlite-run on " KVMLITE_DEV, &res, 4096);
	vmm_result_free(&res);
	skip_guests(dev, "KVM_CAP_USER_MEMORY is 0 (kvmlite has no guest memory yet)");
}

int main(int argc, char **argv)
{
	const char *only = NULL;
	int i;

	for (i = 1; i < argc - 1; i++)
		if (!strcmp(argv[i], "--device"))
			only = argv[i + 1];

	tap_plan(NR_ERROR_CASES + 2 * NR_GUEST_CASES + NR_KVMLITE_EXTRA);
	tap_diag("VMM %s, guests in %s", vmm_path(), guest_path(""));
	error_cases();
	kvm_cases(!only || !strcmp(only, "/dev/kvm"));
	kvmlite_cases(!only || !strcmp(only, KVMLITE_DEV));
	tap_finish();
}
