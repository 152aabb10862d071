// SPDX-License-Identifier: GPL-2.0
/*
 * The VM object: one per KVM_CREATE_VM file descriptor.  It holds a
 * reference on VMX operation for its whole life, so VT-x is on while any
 * VM exists and off once the last VM is gone.  vCPU files hold references
 * on their VM, so the VM (memory, EPT, vCPUs) goes when its last file is
 * closed, as in KVM.
 */
#include <linux/anon_inodes.h>
#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kvm.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "kvmlite.h"
#include "trace.h"
#include "backend.h"

static atomic64_t kvmlite_next_vm_id = ATOMIC64_INIT(0);

static void kvmlite_vm_free(struct kvmlite_vm *vm)
{
	unsigned int i;

	trace_kvmlite_vm_destroy(vm->id);
	for (i = 0; i < vm->nr_vcpus; i++)
		kvmlite_vcpu_destroy(vm->vcpus[i]);
	/* No vCPU can run now: drop the translations, then the pages. */
	kvmlite_ept_free(&vm->ept);
	kvmlite_free_memslots(vm);
	if (vm->apic_access_page)
		__free_page(vm->apic_access_page);
	debugfs_remove_recursive(vm->debugfs);
	mmdrop(vm->mm);
	kfree(vm);
	kvmlite_vmx_put();
}

void kvmlite_vm_put(struct kvmlite_vm *vm)
{
	if (refcount_dec_and_test(&vm->refs))
		kvmlite_vm_free(vm);
}

static int kvmlite_vm_release(struct inode *inode, struct file *filp)
{
	kvmlite_vm_put(filp->private_data);
	return 0;
}

/* KVM's rules for KVM_CAP_SPLIT_IRQCHIP: once, before any vCPU. */
#define KVMLITE_MAX_IOAPIC_PINS 48

static int kvmlite_vm_enable_cap(struct kvmlite_vm *vm,
				 const struct kvm_enable_cap *cap)
{
	int r;

	if (cap->flags)
		return -EINVAL;
	if (cap->cap != KVM_CAP_SPLIT_IRQCHIP)
		return -EINVAL;
	/* KVM checks "too late" before the pin count: EEXIST wins. */
	mutex_lock(&vm->lock);
	r = -EEXIST;
	if (!vm->split_irqchip && !vm->nr_vcpus) {
		r = -EINVAL;
		if (cap->args[0] <= KVMLITE_MAX_IOAPIC_PINS) {
			vm->split_irqchip = true;
			r = 0;
		}
	}
	mutex_unlock(&vm->lock);
	return r;
}

static long kvmlite_vm_ioctl(struct file *filp, unsigned int ioctl,
			     unsigned long arg)
{
	struct kvmlite_vm *vm = filp->private_data;
	void __user *argp = (void __user *)arg;

	/* A VM belongs to the process that created it, as in KVM. */
	if (vm->mm != current->mm)
		return -EIO;

	switch (ioctl) {
	case KVM_CHECK_EXTENSION:
		return kvmlite_check_extension(arg);
	case KVM_SET_USER_MEMORY_REGION: {
		struct kvm_userspace_memory_region mem;

		if (copy_from_user(&mem, argp, sizeof(mem)))
			return -EFAULT;
		return kvmlite_set_memory_region(vm, &mem);
	}
	case KVM_CREATE_VCPU:
		return kvmlite_create_vcpu(vm, arg);
	case KVM_ENABLE_CAP: {
		struct kvm_enable_cap cap;

		if (copy_from_user(&cap, argp, sizeof(cap)))
			return -EFAULT;
		return kvmlite_vm_enable_cap(vm, &cap);
	}
	case KVM_SIGNAL_MSI: {
		struct kvm_msi msi;

		if (copy_from_user(&msi, argp, sizeof(msi)))
			return -EFAULT;
		return kvmlite_signal_msi(vm, &msi);
	}
	default:
		/* KVM's answer to a VM ioctl it does not know. */
		return -ENOTTY;
	}
}

static const struct file_operations kvmlite_vm_fops = {
	.owner = THIS_MODULE,
	.release = kvmlite_vm_release,
	.unlocked_ioctl = kvmlite_vm_ioctl,
	.llseek = noop_llseek,
};

int kvmlite_create_vm(unsigned long type)
{
	struct kvmlite_vm *vm;
	char name[48];
	int fd;

	/* Only the default x86 VM type (0) exists here. */
	if (type)
		return -EINVAL;

	vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm)
		return -ENOMEM;
	vm->id = atomic64_inc_return(&kvmlite_next_vm_id);
	refcount_set(&vm->refs, 1);
	mutex_init(&vm->lock);
	init_rwsem(&vm->slots_lock);

	fd = kvmlite_vmx_get();
	if (fd)
		goto err_free;
	fd = kvmlite_ept_init(&vm->ept);
	if (fd)
		goto err_put;

	vm->mm = current->mm;
	mmgrab(vm->mm);
	snprintf(name, sizeof(name), "vm%llu-%d", vm->id, task_pid_nr(current));
	vm->debugfs = debugfs_create_dir(name, kvmlite_debugfs_dir);

	fd = anon_inode_getfd("kvmlite-vm", &kvmlite_vm_fops, vm,
			      O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		trace_kvmlite_vm_create(vm->id, task_pid_nr(current), fd);
		/* Frees everything, VMX reference included. */
		kvmlite_vm_free(vm);
		return fd;
	}
	trace_kvmlite_vm_create(vm->id, task_pid_nr(current), fd);
	return fd;

err_put:
	kvmlite_vmx_put();
err_free:
	trace_kvmlite_vm_create(vm->id, task_pid_nr(current), fd);
	kfree(vm);
	return fd;
}
