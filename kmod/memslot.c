// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory: KVM_SET_USER_MEMORY_REGION with KVM's rules and errnos.
 *
 * A slot's userspace pages are pinned when the slot is created and stay
 * pinned, mapped in EPT, until the slot is deleted or the VM destroyed.
 * Read-only slots are mapped without write permission, so guest writes
 * exit as MMIO.
 */
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "kvmlite.h"
#include "backend.h"

/* KVM's limit on one slot (KVM_MEM_MAX_NR_PAGES). */
#define KVMLITE_MEM_MAX_NR_PAGES ((1UL << 31) - 1)

static void memslot_unpin(struct kvmlite_memslot *slot, u64 npages)
{
	unpin_user_pages_dirty_lock(slot->pages, npages,
				    !(slot->flags & KVM_MEM_READONLY));
	kvfree(slot->pages);
	kfree(slot);
}

/*
 * Pin the slot's pages.  Pages are pinned as if for writing even in a
 * read-only slot wherever the mapping allows it: a read-only pin of an
 * untouched private page would pin the shared zero page, and later writes
 * by userspace would land in a new page the guest never sees.  A mapping
 * userspace cannot write (a read-only slot over PROT_READ memory) gets a
 * read-only pin, which cannot go stale that way.
 */
static int memslot_pin(struct kvmlite_memslot *slot)
{
	bool readonly = slot->flags & KVM_MEM_READONLY;
	u64 done = 0;
	long n;

	slot->pages = kvcalloc(slot->npages, sizeof(*slot->pages),
			       GFP_KERNEL_ACCOUNT);
	if (!slot->pages)
		return -ENOMEM;
	while (done < slot->npages) {
		unsigned long addr = slot->uaddr + done * PAGE_SIZE;
		int count = min_t(u64, slot->npages - done, INT_MAX);

		n = pin_user_pages_fast(addr, count, FOLL_LONGTERM | FOLL_WRITE,
					slot->pages + done);
		if (n <= 0 && readonly)
			n = pin_user_pages_fast(addr, 1, FOLL_LONGTERM,
						slot->pages + done);
		if (n <= 0) {
			unpin_user_pages(slot->pages, done);
			kvfree(slot->pages);
			return n ? n : -EFAULT;
		}
		done += n;
	}
	return 0;
}

static void memslot_unmap(struct kvmlite_vm *vm, struct kvmlite_memslot *slot)
{
	u64 i;

	for (i = 0; i < slot->npages; i++)
		kvmlite_ept_unmap(&vm->ept, slot->gpa + i * PAGE_SIZE);
}

static int memslot_map(struct kvmlite_vm *vm, struct kvmlite_memslot *slot)
{
	bool writable = !(slot->flags & KVM_MEM_READONLY);
	u64 i;
	int r;

	for (i = 0; i < slot->npages; i++) {
		r = kvmlite_ept_map(&vm->ept, slot->gpa + i * PAGE_SIZE,
				    page_to_phys(slot->pages[i]), writable);
		if (r) {
			memslot_unmap(vm, slot);
			return r;
		}
	}
	return 0;
}

static bool overlaps_other(struct kvmlite_vm *vm, u32 id, u64 gpa, u64 npages)
{
	u64 end = gpa + npages * PAGE_SIZE;
	int i;

	/* The APIC-access page is the VM's own slot (vmx/apicv.c). */
	if (vm->apic_access_page && gpa <= KVMLITE_APIC_ACCESS_GPA &&
	    end > KVMLITE_APIC_ACCESS_GPA)
		return true;
	for (i = 0; i < KVMLITE_MAX_MEMSLOTS; i++) {
		struct kvmlite_memslot *s = vm->slots[i];

		if (!s || i == id)
			continue;
		if (gpa < s->gpa + s->npages * PAGE_SIZE && s->gpa < end)
			return true;
	}
	return false;
}

/* Does any slot cover part of [gpa, gpa + npages pages)?  vm->lock held. */
bool kvmlite_memslot_overlaps(struct kvmlite_vm *vm, u64 gpa, u64 npages)
{
	return overlaps_other(vm, KVMLITE_MAX_MEMSLOTS, gpa, npages);
}

/* Take a slot out of service; the caller holds vm->lock. */
static void memslot_retire(struct kvmlite_vm *vm, struct kvmlite_memslot *slot)
{
	down_write(&vm->slots_lock);
	vm->slots[slot->id] = NULL;
	memslot_unmap(vm, slot);
	up_write(&vm->slots_lock);
	kvmlite_ept_flush(&vm->ept);
}

static int memslot_move(struct kvmlite_vm *vm, struct kvmlite_memslot *slot,
			u64 new_gpa)
{
	u64 old_gpa = slot->gpa;
	int r;

	memslot_retire(vm, slot);
	slot->gpa = new_gpa;
	r = memslot_map(vm, slot);
	if (r) {
		/* The old range mapped before; map it again. */
		slot->gpa = old_gpa;
		if (memslot_map(vm, slot)) {
			memslot_unpin(slot, slot->npages);
			return r;
		}
	}
	down_write(&vm->slots_lock);
	vm->slots[slot->id] = slot;
	up_write(&vm->slots_lock);
	return r;
}

int kvmlite_set_memory_region(struct kvmlite_vm *vm,
			      const struct kvm_userspace_memory_region *mem)
{
	u64 npages = mem->memory_size >> PAGE_SHIFT;
	struct kvmlite_memslot *old, *slot;
	u32 id = mem->slot;
	int r;

	if (mem->flags & ~(KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_READONLY))
		return -EINVAL;
	/* Dirty logging is not implemented (KVM_CAP_... says so). */
	if (mem->flags & KVM_MEM_LOG_DIRTY_PAGES)
		return -EINVAL;
	/* Address space id in the upper half: only 0 exists here. */
	if ((id >> 16) || id >= KVMLITE_MAX_MEMSLOTS)
		return -EINVAL;
	if ((mem->memory_size | mem->guest_phys_addr | mem->userspace_addr) &
	    (PAGE_SIZE - 1))
		return -EINVAL;
	if (npages > KVMLITE_MEM_MAX_NR_PAGES)
		return -EINVAL;
	if (mem->guest_phys_addr + mem->memory_size < mem->guest_phys_addr)
		return -EINVAL;
	if (mem->memory_size &&
	    !access_ok((void __user *)(unsigned long)mem->userspace_addr,
		       mem->memory_size))
		return -EINVAL;
	/*
	 * Every page is pinned: more than the machine has cannot be, and
	 * the page array of such a slot alone could exhaust memory (the
	 * OOM killer) or exceed what kvmalloc takes (a WARN).
	 */
	if (npages > totalram_pages())
		return -ENOMEM;

	mutex_lock(&vm->lock);
	old = vm->slots[id];
	if (!npages) {
		r = old ? 0 : -EINVAL;
		if (old) {
			memslot_retire(vm, old);
			memslot_unpin(old, old->npages);
		}
		goto out;
	}
	if (old) {
		/* Only the address and the dirty-log flag may change. */
		r = -EINVAL;
		if (mem->userspace_addr != old->uaddr || npages != old->npages ||
		    (mem->flags ^ old->flags) & KVM_MEM_READONLY)
			goto out;
		r = 0;
		if (mem->guest_phys_addr == old->gpa)
			goto out;
		r = -EEXIST;
		if (overlaps_other(vm, id, mem->guest_phys_addr, npages))
			goto out;
		r = memslot_move(vm, old, mem->guest_phys_addr);
		goto out;
	}

	r = -EEXIST;
	if (overlaps_other(vm, id, mem->guest_phys_addr, npages))
		goto out;
	r = -ENOMEM;
	slot = kzalloc(sizeof(*slot), GFP_KERNEL_ACCOUNT);
	if (!slot)
		goto out;
	slot->id = id;
	slot->flags = mem->flags;
	slot->gpa = mem->guest_phys_addr;
	slot->npages = npages;
	slot->uaddr = mem->userspace_addr;
	r = memslot_pin(slot);
	if (r) {
		kfree(slot);
		goto out;
	}
	r = memslot_map(vm, slot);
	if (r) {
		kvmlite_ept_flush(&vm->ept);
		memslot_unpin(slot, slot->npages);
		goto out;
	}
	down_write(&vm->slots_lock);
	vm->slots[id] = slot;
	up_write(&vm->slots_lock);
out:
	mutex_unlock(&vm->lock);
	return r;
}

/* The pinned page behind gpa; the caller holds vm->slots_lock for read. */
struct page *kvmlite_gpa_to_page(struct kvmlite_vm *vm, u64 gpa, bool write)
{
	int i;

	for (i = 0; i < KVMLITE_MAX_MEMSLOTS; i++) {
		struct kvmlite_memslot *s = vm->slots[i];

		if (!s || gpa < s->gpa || gpa >= s->gpa + s->npages * PAGE_SIZE)
			continue;
		if (write && (s->flags & KVM_MEM_READONLY))
			return NULL;
		return s->pages[(gpa - s->gpa) >> PAGE_SHIFT];
	}
	return NULL;
}

void kvmlite_free_memslots(struct kvmlite_vm *vm)
{
	int i;

	/* The EPT is gone and flushed: nothing maps these pages now. */
	for (i = 0; i < KVMLITE_MAX_MEMSLOTS; i++) {
		if (vm->slots[i])
			memslot_unpin(vm->slots[i], vm->slots[i]->npages);
		vm->slots[i] = NULL;
	}
}
