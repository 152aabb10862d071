/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * kvmlite's userspace ABI is the subset of KVM's <linux/kvm.h> that it
 * implements: the same ioctl numbers, structures and errnos, on its own
 * device node.  Only what KVM has no equivalent for is defined here.
 */
#ifndef _UAPI_LINUX_KVMLITE_H
#define _UAPI_LINUX_KVMLITE_H

/* The device node, beside KVM's /dev/kvm. */
#define KVMLITE_DEVICE_PATH	"/dev/kvmlite"

#endif /* _UAPI_LINUX_KVMLITE_H */
