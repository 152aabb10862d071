// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_SET_USER_MEMORY_REGION: a slot added, moved and deleted while a
 * guest looks at it, a read-only slot (guest writes exit as MMIO), and
 * every bad request with KVM's errno.
 */
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "apic.h"
#include "kvm_util.h"
#include "kvmlite_util.h"

#define SLOT		1
#define SLOT_GPA	0x40000000ULL
#define MOVED_GPA	0x40200000ULL
#define SLOT_SIZE	0x10000ULL
#define PATTERN		0x1122334455667788ULL
#define MMIO_FILL	0x5555aaaa5555aaaaULL

/* Read the u64 at addr, report it, then write val at addr + 8. */
static void guest_peek_poke(u64 addr, u64 val)
{
	GUEST_SYNC(1, guest_read64(addr));
	guest_write64(addr + 8, val);
	GUEST_SYNC(2, 0);
	GUEST_DONE();
}

static void expect_mmio(struct kvm_vcpu *vcpu, bool write, u64 addr)
{
	struct kvm_run *run = vcpu->run;

	vcpu_run(vcpu);
	vcpu_expect_exit(vcpu, KVM_EXIT_MMIO);
	TEST_ASSERT(run->mmio.is_write == write && run->mmio.len == 8 &&
		    run->mmio.phys_addr == addr,
		    "expected MMIO %s %#llx len 8, got %s %#llx len %u",
		    write ? "write" : "read", addr,
		    run->mmio.is_write ? "write" : "read",
		    run->mmio.phys_addr, run->mmio.len);
}

/*
 * Run guest_peek_poke on a new vCPU: the read and the write each either
 * reach memory or exit as MMIO (a read then gets MMIO_FILL).  Returns
 * what the guest read.
 */
static u64 peek_poke(struct kvm_vm *vm, unsigned int id, u64 addr, u64 val,
		     bool read_mmio, bool write_mmio)
{
	struct kvm_vcpu *vcpu = vm_vcpu_add(vm, id, guest_peek_poke);
	struct ucall uc;
	u64 fill = MMIO_FILL, got, written;

	vcpu_args_set(vcpu, 2, addr, val);
	if (read_mmio) {
		expect_mmio(vcpu, false, addr);
		memcpy(vcpu->run->mmio.data, &fill, 8);
	}
	vcpu_expect_ucall(vcpu, &uc, UCALL_SYNC);
	TEST_ASSERT(uc.args[0] == 1, "stage %llu", uc.args[0]);
	got = uc.args[1];
	if (write_mmio) {
		expect_mmio(vcpu, true, addr + 8);
		memcpy(&written, vcpu->run->mmio.data, 8);
		TEST_EXPECT(written == val, "MMIO write data %#llx, expected %#llx",
			    written, val);
	}
	vcpu_expect_ucall(vcpu, &uc, UCALL_SYNC);
	TEST_ASSERT(uc.args[0] == 2, "stage %llu", uc.args[0]);
	vcpu_run_to_done(vcpu);
	vcpu_free(vcpu);
	return got;
}

static void add_move_delete(int dev)
{
	struct kvm_vm *vm = vm_create_long_mode(dev);
	u64 *mem = vm_add_region(vm, SLOT, SLOT_GPA, SLOT_SIZE, 0);
	struct guest_region *r = vm_find_region(vm, SLOT);
	u64 got;

	mem[0] = PATTERN;
	got = peek_poke(vm, 0, SLOT_GPA, 0xcafe, false, false);
	TEST_EXPECT(got == PATTERN, "guest read %#llx from the new slot", got);
	TEST_EXPECT(mem[1] == 0xcafe, "host reads %#llx written by the guest",
		    mem[1]);

	/* Move: same slot, size and memory; new guest-physical address. */
	r->mr.guest_phys_addr = MOVED_GPA;
	TEST_ASSERT(!ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r->mr),
		    "moving the slot: %s", errno_str(errno));
	got = peek_poke(vm, 1, MOVED_GPA, 0xbeef, false, false);
	TEST_EXPECT(got == PATTERN, "guest read %#llx at the new address", got);
	TEST_EXPECT(mem[1] == 0xbeef, "host reads %#llx after the move",
		    mem[1]);
	got = peek_poke(vm, 2, SLOT_GPA, 0xdead, true, true);
	TEST_EXPECT(got == MMIO_FILL, "old address reads %#llx", got);

	/* Delete: the address has no memory any more. */
	r->mr.memory_size = 0;
	TEST_ASSERT(!ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r->mr),
		    "deleting the slot: %s", errno_str(errno));
	got = peek_poke(vm, 3, MOVED_GPA, 0xf00d, true, true);
	TEST_EXPECT(got == MMIO_FILL, "deleted slot reads %#llx", got);
	TEST_EXPECT(mem[1] == 0xbeef, "memory of the deleted slot untouched");
	vm_free(vm);
}

static void read_only(int dev)
{
	struct kvm_vm *vm = vm_create_long_mode(dev);
	u64 *mem = vm_add_region(vm, SLOT, SLOT_GPA, SLOT_SIZE,
				 KVM_MEM_READONLY);
	u64 got;

	mem[0] = PATTERN;
	mem[1] = 7;
	/* Reads come from memory; the write exits as KVM_EXIT_MMIO. */
	got = peek_poke(vm, 0, SLOT_GPA, 0xcafe, false, true);
	TEST_EXPECT(got == PATTERN, "guest read %#llx from the read-only slot",
		    got);
	TEST_EXPECT(mem[1] == 7, "read-only memory changed to %#llx", mem[1]);
	vm_free(vm);
}

static void expect_einval_or(struct kvm_vm *vm, u32 slot, u32 flags, u64 gpa,
			     u64 size, void *hva, int expected,
			     const char *what)
{
	int r = vm_set_user_memory_region(vm, slot, flags, gpa, size, hva);
	int err = errno;

	TEST_EXPECT_ERRNO(r, err, expected, what);
}

static void bad_requests(int dev)
{
	struct kvm_vm *vm = vm_create_barebones(dev);
	long nr_slots = check_cap(dev, KVM_CAP_NR_MEMSLOTS);
	char *mem = mmap(NULL, 4 * SLOT_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	TEST_ASSERT(mem != MAP_FAILED, "mmap");
	TEST_ASSERT(!vm_set_user_memory_region(vm, SLOT, 0, SLOT_GPA, SLOT_SIZE,
					       mem),
		    "a good slot: %s", errno_str(errno));
	expect_einval_or(vm, 2, 0, SLOT_GPA + 0x10000 + 0x800, SLOT_SIZE,
			 mem + SLOT_SIZE, EINVAL, "misaligned guest address");
	expect_einval_or(vm, 2, 0, SLOT_GPA + 0x100000, SLOT_SIZE - 0x800,
			 mem + SLOT_SIZE, EINVAL, "misaligned size");
	expect_einval_or(vm, 2, 0, SLOT_GPA + 0x100000, SLOT_SIZE,
			 mem + SLOT_SIZE + 0x800, EINVAL,
			 "misaligned userspace address");
	expect_einval_or(vm, 2, 0, SLOT_GPA + 0x8000, SLOT_SIZE,
			 mem + SLOT_SIZE, EEXIST, "a slot overlapping another");
	expect_einval_or(vm, 2, 0, SLOT_GPA - 0x8000, SLOT_SIZE,
			 mem + SLOT_SIZE, EEXIST,
			 "a slot overlapping another's start");
	expect_einval_or(vm, 2, 1U << 7, SLOT_GPA + 0x100000, SLOT_SIZE,
			 mem + SLOT_SIZE, EINVAL, "unknown flags");
	if (nr_slots > 0)
		expect_einval_or(vm, nr_slots, 0, SLOT_GPA + 0x100000,
				 SLOT_SIZE, mem + SLOT_SIZE, EINVAL,
				 "slot id KVM_CAP_NR_MEMSLOTS");
	expect_einval_or(vm, 0x7fff, 0, SLOT_GPA + 0x100000, SLOT_SIZE,
			 mem + SLOT_SIZE, EINVAL, "slot id 0x7fff");
	expect_einval_or(vm, 2, 0, 0, 0, NULL, EINVAL,
			 "deleting a slot that does not exist");
	expect_einval_or(vm, SLOT, 0, SLOT_GPA, 2 * SLOT_SIZE, mem, EINVAL,
			 "resizing an existing slot");
	expect_einval_or(vm, SLOT, 0, SLOT_GPA, SLOT_SIZE, mem + SLOT_SIZE,
			 EINVAL, "changing an existing slot's memory");
	expect_einval_or(vm, 2, 0, 0xfffffffffffff000ULL, SLOT_SIZE,
			 mem + SLOT_SIZE, EINVAL,
			 "a slot wrapping around the address space");
	expect_einval_or(vm, 2, 0, SLOT_GPA + 0x100000, SLOT_SIZE,
			 (void *)0xffff888000000000ULL, EINVAL,
			 "a kernel userspace address");
	/* The good slot is still there and can be deleted once. */
	TEST_EXPECT(!vm_set_user_memory_region(vm, SLOT, 0, SLOT_GPA, 0, mem),
		    "deleting the good slot: %s", errno_str(errno));
	expect_einval_or(vm, SLOT, 0, SLOT_GPA, 0, mem, EINVAL,
			 "deleting it again");
	vm_free(vm);
	munmap(mem, 4 * SLOT_SIZE);
}

static void guest_nothing(void)
{
	GUEST_DONE();
}

/*
 * kvmlite's APICv maps its APIC-access page at 0xfee00000 when the first
 * vCPU with an in-kernel LAPIC is created; a slot over it is refused as
 * one over another slot, and the refusal leaves nothing behind.
 */
static void over_apic_access_page(int dev)
{
	struct kvm_vm *vm;
	struct vmx_state st;
	char *mem;

	if (!dev_is_kvmlite(dev))
		test_skip("kvmlite's APIC-access page");
	TEST_ASSERT(!vmx_state_read(&st), "read vmx_state");
	if (!st.apicv || !st.apic_access)
		test_skip("no APIC-access page on this CPU");
	vm = vm_create_long_mode(dev);
	vm_enable_split_irqchip(vm);
	vm_vcpu_add(vm, 0, guest_nothing);
	mem = mmap(NULL, SLOT_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(mem != MAP_FAILED, "mmap");
	expect_einval_or(vm, SLOT, 0, 0xfee00000ULL - SLOT_SIZE / 2, SLOT_SIZE,
			 mem, EEXIST, "a slot over the APIC-access page");
	TEST_EXPECT(!vm_set_user_memory_region(vm, SLOT, 0, 0xfee00000ULL -
					       SLOT_SIZE, SLOT_SIZE, mem),
		    "the same slot just below it: %s", errno_str(errno));
	vm_free(vm);
	munmap(mem, SLOT_SIZE);
}

/*
 * Slots larger than the machine: KVM, which pins nothing, takes them;
 * kvmlite pins every page and refuses them with ENOMEM before it
 * allocates anything.  It used to allocate the page array first (8 bytes
 * a page): a vmalloc failure and the OOM killer at 64 GiB on the 256 MiB
 * test machine, kvmalloc's WARN over INT_MAX bytes at 4 TiB (found by
 * abi_fuzz_test).  No kernel stack trace either way.
 */
#define LOW_HVA		0x10000000UL

static void larger_than_memory(int dev)
{
	static const u64 sizes[] = { 64ULL << 30, 4ULL << 40 };
	struct kvm_vm *vm = vm_create_barebones(dev);
	char *mem = mmap(NULL, SLOT_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int kmsg = kmsg_open_at_end();
	char line[256];
	unsigned int i;
	int r;

	TEST_ASSERT(mem != MAP_FAILED, "mmap");
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		/*
		 * Low in the address space, so that the whole range passes
		 * access_ok(); nothing needs to be mapped there.
		 */
		r = vm_set_user_memory_region(vm, SLOT, 0, SLOT_GPA, sizes[i],
					      (void *)LOW_HVA);
		if (dev_is_kvmlite(dev))
			TEST_EXPECT_ERRNO(r, errno, ENOMEM, "a slot larger than memory");
		/* KVM: EINVAL past the host's MAXPHYADDR. */
		else if (TEST_EXPECT(!r || errno == EINVAL, "KVM: %s",
				     errno_str(errno)) && !r)
			vm_set_user_memory_region(vm, SLOT, 0, SLOT_GPA, 0,
						  (void *)LOW_HVA);
	}
	TEST_EXPECT(kmsg < 0 || !kmsg_find(kmsg, "Call Trace", line, sizeof(line)),
		    "the kernel logged a stack trace: %s", line);
	/* The VM still takes a slot that fits. */
	TEST_EXPECT(!vm_set_user_memory_region(vm, SLOT, 0, SLOT_GPA, SLOT_SIZE,
					       mem),
		    "a good slot after them: %s", errno_str(errno));
	if (kmsg >= 0)
		close(kmsg);
	vm_free(vm);
	munmap(mem, SLOT_SIZE);
}

static const struct scenario scenarios[] = {
	{ "memslot add, move, delete under a guest", add_move_delete,
	  NEED_GUEST, { 0 } },
	{ "read-only memslot: writes exit as MMIO", read_only,
	  NEED_GUEST, { KVM_CAP_READONLY_MEM } },
	{ "bad KVM_SET_USER_MEMORY_REGION requests, KVM's errnos",
	  bad_requests, NEED_MEMORY, { 0 } },
	{ "memslots larger than memory: refused without a kernel warning",
	  larger_than_memory, NEED_MEMORY, { 0 } },
	{ "a memslot over the APIC-access page: EEXIST, nothing left behind",
	  over_apic_access_page, NEED_GUEST, { KVM_CAP_SPLIT_IRQCHIP, 0 } },
};

int main(int argc, char **argv)
{
	run_scenarios(argc, argv, scenarios, ARRAY_SIZE(scenarios));
}
