// SPDX-License-Identifier: GPL-2.0
/*
 * kvmlite: a KVM-style hypervisor on Intel VT-x.
 *
 * Module init and exit, the /dev/kvmlite misc device and its system
 * ioctls.  The ioctl ABI is the subset of KVM's <linux/kvm.h> that kvmlite
 * implements, with KVM's numbers, structures and errnos.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kvm.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/uaccess.h>

#include "kvmlite.h"
#include "backend.h"
#include "spec.h"

static unsigned int devmode = 0600;
module_param(devmode, uint, 0444);
MODULE_PARM_DESC(devmode, "Permission bits of /dev/kvmlite (default 0600)");

struct dentry *kvmlite_debugfs_dir;

static long kvmlite_get_msr_index_list(struct kvm_msr_list __user *ulist);

static long kvmlite_dev_ioctl(struct file *filp, unsigned int ioctl,
			      unsigned long arg)
{
	switch (ioctl) {
	case KVM_GET_API_VERSION:
		if (arg)
			return -EINVAL;
		return KVM_API_VERSION;
	case KVM_CHECK_EXTENSION:
		return kvmlite_check_extension(arg);
	case KVM_CREATE_VM:
		return kvmlite_create_vm(arg);
	case KVM_GET_VCPU_MMAP_SIZE:
		if (arg)
			return -EINVAL;
		return KVMLITE_RUN_PAGES * PAGE_SIZE;
	case KVM_GET_SUPPORTED_CPUID:
		return kvmlite_get_supported_cpuid((void __user *)arg);
	case KVM_GET_MSR_INDEX_LIST:
		return kvmlite_get_msr_index_list((void __user *)arg);
	default:
		/* KVM's answer to a system ioctl it does not know. */
		return -EINVAL;
	}
}

/* KVM's rule: too small a list is E2BIG, with nmsrs set to the need. */
static long kvmlite_get_msr_index_list(struct kvm_msr_list __user *ulist)
{
	struct kvm_msr_list list;
	u32 n;

	if (copy_from_user(&list, ulist, sizeof(list)))
		return -EFAULT;
	n = list.nmsrs;
	list.nmsrs = kvmlite_nr_msrs;
	if (copy_to_user(ulist, &list, sizeof(list)))
		return -EFAULT;
	if (n < kvmlite_nr_msrs)
		return -E2BIG;
	if (copy_to_user(ulist->indices, kvmlite_msr_list,
			 kvmlite_nr_msrs * sizeof(u32)))
		return -EFAULT;
	return 0;
}

static const struct file_operations kvmlite_dev_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = kvmlite_dev_ioctl,
	.compat_ioctl = kvmlite_dev_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice kvmlite_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "kvmlite",
	.fops = &kvmlite_dev_fops,
};

static int __init kvmlite_init(void)
{
	int r;

	if (devmode & ~0777) {
		pr_err("devmode=%#o is not a permission mode; not loading\n",
		       devmode);
		return -EINVAL;
	}

	r = kvmlite_spec_init();
	if (r)
		return r;
	kvmlite_debugfs_dir = debugfs_create_dir("kvmlite", NULL);
	r = kvmlite_vmx_init(kvmlite_debugfs_dir);
	if (r)
		goto err_debugfs;

	kvmlite_dev.mode = devmode;
	r = misc_register(&kvmlite_dev);
	if (r) {
		pr_err("cannot register /dev/kvmlite (%d)\n", r);
		goto err_vmx;
	}
	return 0;

err_vmx:
	kvmlite_vmx_exit();
err_debugfs:
	debugfs_remove_recursive(kvmlite_debugfs_dir);
	kvmlite_spec_exit();
	return r;
}

static void __exit kvmlite_exit(void)
{
	misc_deregister(&kvmlite_dev);
	kvmlite_vmx_exit();
	debugfs_remove_recursive(kvmlite_debugfs_dir);
	kvmlite_spec_exit();
}

module_init(kvmlite_init);
module_exit(kvmlite_exit);

MODULE_DESCRIPTION("kvmlite: a KVM-style hypervisor on Intel VT-x");
MODULE_LICENSE("GPL");
