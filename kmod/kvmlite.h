/* SPDX-License-Identifier: GPL-2.0 */
/* Declarations shared between the parts of the kvmlite module. */
#ifndef KVMLITE_H
#define KVMLITE_H

#include <linux/types.h>

struct dentry;

/* vmx/vmx_enable.c: VMX root operation on all CPUs while VMs exist. */
int kvmlite_vmx_init(struct dentry *debugfs_dir);
void kvmlite_vmx_exit(void);
int kvmlite_vmx_get(void);
void kvmlite_vmx_put(void);

/* vm.c: the VM object behind a KVM_CREATE_VM file descriptor. */
int kvmlite_create_vm(unsigned long type);

/* caps.c: what KVM_CHECK_EXTENSION answers. */
long kvmlite_check_extension(long cap);

#endif /* KVMLITE_H */
