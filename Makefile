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
#   make demo            boot the emulated VT-x machine and show the module

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

.PHONY: all module user clean check-kernels checkpatch unit test demo

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

demo:
	tools/testing/demo.sh

clean:
	-test -f $(KDIR)/Makefile && $(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C tools/vmm clean
	$(MAKE) -C selftests/kvmlite clean
	$(MAKE) -C tools/testing/unit clean
