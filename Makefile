# SPDX-License-Identifier: GPL-2.0
#
# kvmlite top-level build.
#   make                 build kmod/kvmlite.ko and the userspace programs
#   make module          the module only (KDIR=... to pick the headers)
#   make check-kernels   build against Debian's 6.1 and 6.12 headers, W=1,
#                        failing on any warning
#   make checkpatch      checkpatch.pl --strict over the kernel and user code
#   make unit            userspace unit tests under ASan and UBSan
#   make test            the whole suite (tools/testing/run-tests.sh)
#   make test-debug      the suite under a lockdep/KASAN kernel built from
#                        linux-source (tools/testing/test-debug.sh; not in make test)
#   make bench           exit_bench and linux_boot_bench in Bochs 2.7: what
#                        exits and interrupts cost on kvmlite and on KVM, and
#                        the Linux guest's ticks to init and exits on each
#                        (BENCH_ON=bochs3 for Bochs 3.0, BENCH_ON=host on a
#                        real VT-x host as root; tools/testing/bench.sh)
#   make demo            boot the emulated VT-x machine and show the module
#   make install         the module into /lib/modules/<release>/updates/
#                        (then depmod), kvmlite-run and its manual page
#                        under $(PREFIX), the udev rule and a modprobe.d
#                        example under /etc; DESTDIR=... stages it all
#                        (and skips depmod)
#   make uninstall       removes exactly those files
#   make dkms-install    as root: the module's sources to
#                        /usr/src/kvmlite-<version>, then dkms add, build
#                        and install for the running kernel; DKMS
#                        rebuilds it when a kernel is installed
#   make dkms-remove     dkms remove --all, and the sources

# The running kernel's build tree where it has one, else the headers of
# Debian's linux-headers-amd64 (the version it depends on).
KERNEL_RELEASE := $(shell uname -r)
DEBIAN_HEADERS := $(shell dpkg-query -W -f='$${Depends}' linux-headers-amd64 2>/dev/null | \
			sed -n 's/^\(linux-headers-[^ ,]*\).*/\1/p')
ifneq ($(wildcard /lib/modules/$(KERNEL_RELEASE)/build/Makefile),)
KDIR ?= /lib/modules/$(KERNEL_RELEASE)/build
else
KDIR ?= /usr/src/$(DEBIAN_HEADERS)
endif

CC ?= gcc
USER_CFLAGS := -O2 -g -Wall -Wextra -Werror -Iinclude/uapi

# make install: the release the module was built for (its vermagic; Debian's
# headers say only the upstream version in kernel.release), and where
# things go.
KREL = $(shell modinfo -F vermagic kmod/kvmlite.ko 2>/dev/null | cut -d' ' -f1)
PREFIX ?= /usr/local
DESTDIR ?=
INSTALLED = $(DESTDIR)/lib/modules/$(KREL)/updates/kvmlite.ko \
	    $(DESTDIR)$(PREFIX)/bin/kvmlite-run \
	    $(DESTDIR)$(PREFIX)/share/man/man1/kvmlite-run.1 \
	    $(DESTDIR)/etc/udev/rules.d/60-kvmlite.rules \
	    $(DESTDIR)/etc/modprobe.d/kvmlite.conf

# make dkms-install: the version dkms.conf gives.
DKMS_VERSION = $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"$$/\1/p' dkms.conf)
DKMS_SRC = /usr/src/kvmlite-$(DKMS_VERSION)

.PHONY: all module user clean check-kernels checkpatch unit test test-debug demo bench \
	install uninstall dkms-install dkms-remove

all: module user

module:
	@test -f $(KDIR)/Makefile || { \
		echo "kvmlite: no kernel build tree at '$(KDIR)'; install linux-headers-amd64 or set KDIR=" >&2; \
		exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

user:
	$(MAKE) -C tools/vmm
	$(MAKE) -C selftests/kvmlite

check-kernels:
	tools/testing/check-kernels.sh

checkpatch:
	tools/testing/checkpatch.sh

unit:
	$(MAKE) -C tools/testing/unit run

test:
	tools/testing/run-tests.sh

# The suite under the debug kernel (not in CI).
test-debug: all
	tools/testing/test-debug.sh

demo:
	tools/testing/demo.sh

BENCH_ON ?= bochs
bench: all
	tools/testing/bench.sh $(BENCH_ON)

install: all
	@test -n "$(KREL)" || { echo "kvmlite: cannot read the release kmod/kvmlite.ko was built for" >&2; exit 1; }
	install -D -m 0644 kmod/kvmlite.ko $(DESTDIR)/lib/modules/$(KREL)/updates/kvmlite.ko
	install -D -m 0755 tools/vmm/kvmlite-run $(DESTDIR)$(PREFIX)/bin/kvmlite-run
	install -D -m 0644 tools/vmm/kvmlite-run.1 $(DESTDIR)$(PREFIX)/share/man/man1/kvmlite-run.1
	install -D -m 0644 packaging/60-kvmlite.rules $(DESTDIR)/etc/udev/rules.d/60-kvmlite.rules
	install -D -m 0644 packaging/kvmlite.conf $(DESTDIR)/etc/modprobe.d/kvmlite.conf
	@if [ -z "$(DESTDIR)" ]; then depmod -a $(KREL); \
	else echo "kvmlite: staged in $(DESTDIR); run depmod -a $(KREL) on the target"; fi

uninstall:
	rm -f $(INSTALLED)
	@if [ -z "$(DESTDIR)" ]; then depmod -a $(KREL); fi

dkms-install:
	rm -rf $(DKMS_SRC)
	mkdir -p $(DKMS_SRC)
	cp -r Kbuild dkms.conf kmod $(DKMS_SRC)/
	find $(DKMS_SRC) \( -name '*.o' -o -name '*.ko' -o -name '*.mod' -o \
		-name '*.mod.c' -o -name '.*.cmd' -o -name Module.symvers -o \
		-name modules.order \) -delete
	dkms add -m kvmlite -v $(DKMS_VERSION)
	dkms build -m kvmlite -v $(DKMS_VERSION)
	dkms install -m kvmlite -v $(DKMS_VERSION)

dkms-remove:
	-dkms remove -m kvmlite -v $(DKMS_VERSION) --all
	rm -rf $(DKMS_SRC)

clean:
	-test -f $(KDIR)/Makefile && $(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C tools/vmm clean
	$(MAKE) -C selftests/kvmlite clean
	$(MAKE) -C tools/testing/unit clean
