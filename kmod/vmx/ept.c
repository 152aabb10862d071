// SPDX-License-Identifier: GPL-2.0
/*
 * EPT: the guest-physical to host-physical page tables of a VM.
 *
 * Four levels of 512 entries, 4 KiB leaves only, each leaf a page pinned
 * by its memslot.  Tables are built as slots are added and torn down as a
 * whole when the VM goes; leaves are cleared when a slot goes away, then
 * every CPU drops the VM's cached translations (INVEPT) before the pages
 * are unpinned.
 */
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/smp.h>
#include <asm/mtrr.h>

#include "vmx.h"
#include "vmx_ops.h"

#define EPT_LEVELS	4
#define EPT_ENTRIES	512
#define EPT_ADDR_MASK	GENMASK_ULL(51, 12)
#define EPT_TABLE_PROT	VMX_EPT_RWX_MASK
#define EPT_LEAF_MEMTYPE (MTRR_TYPE_WRBACK << VMX_EPT_MT_EPTE_SHIFT)

static unsigned int ept_index(u64 gpa, int level)
{
	return (gpa >> (PAGE_SHIFT + 9 * level)) & (EPT_ENTRIES - 1);
}

int kvmlite_ept_init(struct kvmlite_ept *ept)
{
	ept->root = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!ept->root)
		return -ENOMEM;
	ept->eptp = page_to_phys(ept->root) | VMX_EPTP_PWL_4 | VMX_EPTP_MT_WB;
	return 0;
}

/* The leaf entry for gpa, building missing tables when alloc is set. */
static u64 *ept_leaf(struct kvmlite_ept *ept, u64 gpa, bool alloc)
{
	u64 *table = page_address(ept->root);
	int level;

	for (level = EPT_LEVELS - 1; level > 0; level--) {
		u64 *entry = &table[ept_index(gpa, level)];

		if (!(*entry & VMX_EPT_RWX_MASK)) {
			struct page *page;

			if (!alloc)
				return NULL;
			page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
			if (!page)
				return NULL;
			WRITE_ONCE(*entry, page_to_phys(page) | EPT_TABLE_PROT);
		}
		table = phys_to_virt(*entry & EPT_ADDR_MASK);
	}
	return &table[ept_index(gpa, 0)];
}

int kvmlite_ept_map(struct kvmlite_ept *ept, u64 gpa, u64 hpa, bool writable)
{
	u64 *leaf = ept_leaf(ept, gpa, true);
	u64 prot = VMX_EPT_READABLE_MASK | VMX_EPT_EXECUTABLE_MASK;

	if (!leaf)
		return -ENOMEM;
	if (writable)
		prot |= VMX_EPT_WRITABLE_MASK;
	WRITE_ONCE(*leaf, hpa | prot | EPT_LEAF_MEMTYPE);
	return 0;
}

void kvmlite_ept_unmap(struct kvmlite_ept *ept, u64 gpa)
{
	u64 *leaf = ept_leaf(ept, gpa, false);

	if (leaf)
		WRITE_ONCE(*leaf, 0);
}

static void ept_flush_ipi(void *data)
{
	vmx_invept(VMX_EPT_EXTENT_CONTEXT, *(u64 *)data);
}

/*
 * INVEPT acts on the CPU that runs it, so run it on all of them; the IPI
 * also forces any CPU running this VM's guest out to the host first.
 */
void kvmlite_ept_flush(struct kvmlite_ept *ept)
{
	on_each_cpu(ept_flush_ipi, &ept->eptp, 1);
}

static void ept_free_table(u64 *table, int level)
{
	int i;

	if (level > 0) {
		for (i = 0; i < EPT_ENTRIES; i++)
			if (table[i] & VMX_EPT_RWX_MASK)
				ept_free_table(phys_to_virt(table[i] &
							    EPT_ADDR_MASK),
					       level - 1);
	}
	free_page((unsigned long)table);
}

void kvmlite_ept_free(struct kvmlite_ept *ept)
{
	if (!ept->root)
		return;
	kvmlite_ept_flush(ept);
	ept_free_table(page_address(ept->root), EPT_LEVELS - 1);
	ept->root = NULL;
}
