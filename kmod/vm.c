// SPDX-License-Identifier: GPL-2.0
/*
 * The VM object: one per KVM_CREATE_VM file descriptor.  It holds a
 * reference on VMX operation for its whole life, so VT-x is on while any
 * VM exists and off once the last VM file is closed.
 */
#include <linux/anon_inodes.h>
#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/kvm.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "kvmlite.h"
#include "trace.h"

struct kvmlite_vm {
	u64 id;
};

static atomic64_t kvmlite_next_vm_id = ATOMIC64_INIT(0);

static int kvmlite_vm_release(struct inode *inode, struct file *filp)
{
	struct kvmlite_vm *vm = filp->private_data;

	trace_kvmlite_vm_destroy(vm->id);
	kfree(vm);
	kvmlite_vmx_put();
	return 0;
}

static long kvmlite_vm_ioctl(struct file *filp, unsigned int ioctl,
			     unsigned long arg)
{
	switch (ioctl) {
	case KVM_CHECK_EXTENSION:
		return kvmlite_check_extension(arg);
	default:
		/* KVM's answer to a VM ioctl it does not know. */
		return -ENOTTY;
	}
}

static const struct file_operations kvmlite_vm_fops = {
	.owner = THIS_MODULE,
	.release = kvmlite_vm_release,
	.unlocked_ioctl = kvmlite_vm_ioctl,
	.compat_ioctl = kvmlite_vm_ioctl,
	.llseek = noop_llseek,
};

int kvmlite_create_vm(unsigned long type)
{
	struct kvmlite_vm *vm;
	int fd;

	/* Only the default x86 VM type (0) exists here. */
	if (type)
		return -EINVAL;

	vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm)
		return -ENOMEM;
	vm->id = atomic64_inc_return(&kvmlite_next_vm_id);

	fd = kvmlite_vmx_get();
	if (fd)
		goto err_free;

	fd = anon_inode_getfd("kvmlite-vm", &kvmlite_vm_fops, vm,
			      O_RDWR | O_CLOEXEC);
	if (fd < 0)
		goto err_put;

	trace_kvmlite_vm_create(vm->id, task_pid_nr(current), fd);
	return fd;

err_put:
	kvmlite_vmx_put();
err_free:
	trace_kvmlite_vm_create(vm->id, task_pid_nr(current), fd);
	kfree(vm);
	return fd;
}
