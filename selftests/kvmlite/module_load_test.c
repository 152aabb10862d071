// SPDX-License-Identifier: GPL-2.0
/*
 * Loading the module: refused with -EOPNOTSUPP and one clear log line
 * where the CPU has no VT-x (QEMU TCG lane); refused with -EINVAL for a
 * bad parameter, leaving nothing behind; loaded, with /dev/kvmlite as a
 * root-only character device and VMX still off, where VT-x exists (Bochs
 * lane).  Leaves the module loaded in the VT-x lane.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kvmlite_util.h"
#include "tap.h"

static void check_refused_without_vmx(void)
{
	char line[512] = "";
	int kmsg = kmsg_open_at_end();
	int r;

	tap_plan(4);
	r = module_load(kvmlite_ko_path(), NULL);
	tap_check_errno(r ? -1 : 0, -r, EOPNOTSUPP, "finit_module without VT-x");
	tap_check(kmsg >= 0 && kmsg_find(kmsg, "kvmlite: CPU has no VT-x", line,
					 sizeof(line)),
		  "one clear log line: '%s'", line);
	tap_check(!module_loaded(KVMLITE_MODULE), "module not left loaded");
	tap_check(access(KVMLITE_DEV, F_OK) && errno == ENOENT,
		  "%s does not exist", KVMLITE_DEV);
}

static void check_loads_with_vmx(void)
{
	char line[512] = "";
	struct vmx_state st;
	struct stat sb;
	int kmsg, r;

	tap_plan(13);
	if (module_loaded(KVMLITE_MODULE) && module_unload(KVMLITE_MODULE))
		tap_bail("kvmlite is loaded and cannot be unloaded");

	r = module_load(kvmlite_ko_path(), "devmode=01777");
	tap_check_errno(r ? -1 : 0, -r, EINVAL, "load with devmode=01777");
	tap_check(!module_loaded(KVMLITE_MODULE) &&
		  access(KVMLITE_DEV, F_OK) != 0,
		  "refused load leaves no module and no device");

	r = module_load(kvmlite_ko_path(), "devmode=0666");
	tap_check(r == 0 && stat(KVMLITE_DEV, &sb) == 0 &&
		  (sb.st_mode & 07777) == 0666,
		  "devmode=0666 gives a 0666 device (r=%d)", r);
	tap_check(module_unload(KVMLITE_MODULE) == 0 &&
		  access(KVMLITE_DEV, F_OK) != 0,
		  "unload removes the device");

	kmsg = kmsg_open_at_end();
	r = module_load(kvmlite_ko_path(), NULL);
	tap_check(r == 0, "finit_module with VT-x (r=%d)", r);
	tap_check(kmsg >= 0 && kmsg_find(kmsg, "kvmlite: VT-x available", line,
					 sizeof(line)),
		  "load logs '%s'", line);
	tap_check(module_loaded(KVMLITE_MODULE), "listed in /proc/modules");
	tap_check(stat(KVMLITE_DEV, &sb) == 0 && S_ISCHR(sb.st_mode),
		  "%s is a character device", KVMLITE_DEV);
	tap_check((sb.st_mode & 07777) == 0600 && sb.st_uid == 0,
		  "mode 0600, owned by root (mode %o uid %u)",
		  sb.st_mode & 07777, sb.st_uid);

	r = module_load(kvmlite_ko_path(), NULL);
	tap_check_errno(r ? -1 : 0, -r, EEXIST, "second load");

	r = vmx_state_read(&st);
	tap_check(r == 0, "debugfs vmx_state readable (%d)", r);
	tap_check(st.users == 0, "no VMX users before any VM (%u)", st.users);
	tap_check(st.cpus > 0 && st.cpus_on == 0,
		  "no CPU in VMX operation before any VM (%d of %d on)",
		  st.cpus_on, st.cpus);
}

int main(void)
{
	tap_diag("lane %s, module %s", lane_name(), kvmlite_ko_path());
	if (lane_has_vmx())
		check_loads_with_vmx();
	else
		check_refused_without_vmx();
	tap_finish();
}
