// SPDX-License-Identifier: GPL-2.0
/*
 * KVM_GET/SET_REGS and KVM_GET/SET_SREGS: round trips, registers the
 * guest sees and leaves behind, and bad inputs with KVM's errnos.
 */
#include <linux/kvm.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kvm_util.h"

#define CODE_GPA	0x1000
#define X86_CR0_PE	0x1ULL
#define X86_CR0_NW	0x20000000ULL
#define X86_CR0_CD	0x40000000ULL
#define X86_CR0_PG	0x80000000ULL
#define EFER_LMA	0x400ULL
/* A vCPU ioctl number no KVM defines. */
#define BOGUS_VCPU_IOCTL _IO(KVMIO, 0xfe)

static const u8 rm_regs[] = {
	0x89, 0xd8, /* mov %bx,%ax */
	0x01, 0xc8, /* add %cx,%ax */
	0xe7, 0x80, /* out %ax,$0x80 */
	0xba, 0x78, 0x56, /* mov $0x5678,%dx */
	0xf4, /* hlt */
};

static void regs_round_trip(int dev)
{
	struct kvm_vm *vm = vm_create_barebones(dev);
	struct kvm_vcpu *vcpu = vm_vcpu_add_raw(vm, 0);
	struct kvm_regs set, got;
	u64 *r = (u64 *)&set;
	unsigned int i;

	for (i = 0; i < sizeof(set) / sizeof(u64); i++)
		r[i] = 0x1111111111111111ULL * (i + 1) + i;
	set.rflags = 0x2 | 0x40 | 0x80;	/* reserved bit 1, ZF, SF */
	set.rip = 0x1234;
	vcpu_set_regs(vcpu, &set);
	vcpu_get_regs(vcpu, &got);
	for (i = 0; i < sizeof(set) / sizeof(u64); i++)
		TEST_EXPECT(r[i] == ((u64 *)&got)[i],
			    "kvm_regs word %u: set %#llx got %#llx", i, r[i],
			    ((u64 *)&got)[i]);
	vm_free(vm);
}

static bool seg_eq(const struct kvm_segment *a, const struct kvm_segment *b)
{
	return a->base == b->base && a->limit == b->limit &&
	       a->selector == b->selector && a->type == b->type &&
	       a->present == b->present && a->dpl == b->dpl &&
	       a->db == b->db && a->s == b->s && a->l == b->l && a->g == b->g;
}

static void sregs_round_trip(int dev)
{
	struct kvm_vm *vm = vm_create_barebones(dev);
	struct kvm_vcpu *vcpu = vm_vcpu_add_raw(vm, 0);
	struct kvm_sregs set, got;

	vcpu_get_sregs(vcpu, &set);
	set.fs.selector = 0x1234;
	set.fs.base = 0x12340;
	set.gs.selector = 0x2000;
	set.gs.base = 0x20000;
	set.gs.limit = 0xfff;
	set.es.base = 0xabcd0;
	set.es.selector = 0xabcd;
	set.gdt.base = 0x5000;
	set.gdt.limit = 0x27;
	set.idt.base = 0x6000;
	set.idt.limit = 0x3ff;
	set.cr2 = 0xdeadb000;
	set.cr3 = 0x7000;
	vcpu_set_sregs(vcpu, &set);
	vcpu_get_sregs(vcpu, &got);
	TEST_EXPECT(seg_eq(&set.cs, &got.cs), "CS differs");
	TEST_EXPECT(seg_eq(&set.ds, &got.ds), "DS differs");
	TEST_EXPECT(seg_eq(&set.es, &got.es), "ES differs");
	TEST_EXPECT(seg_eq(&set.fs, &got.fs), "FS differs: base %#llx sel %#x",
		    got.fs.base, got.fs.selector);
	TEST_EXPECT(seg_eq(&set.gs, &got.gs), "GS differs: base %#llx limit %#x",
		    got.gs.base, got.gs.limit);
	TEST_EXPECT(seg_eq(&set.ss, &got.ss), "SS differs");
	TEST_EXPECT(seg_eq(&set.tr, &got.tr), "TR differs");
	TEST_EXPECT(got.gdt.base == 0x5000 && got.gdt.limit == 0x27,
		    "GDT %#llx/%#x", got.gdt.base, got.gdt.limit);
	TEST_EXPECT(got.idt.base == 0x6000 && got.idt.limit == 0x3ff,
		    "IDT %#llx/%#x", got.idt.base, got.idt.limit);
	TEST_EXPECT(got.cr0 == set.cr0 && got.cr2 == set.cr2 &&
		    got.cr3 == set.cr3 && got.cr4 == set.cr4 &&
		    got.efer == set.efer,
		    "CR0 %#llx CR2 %#llx CR3 %#llx CR4 %#llx EFER %#llx",
		    got.cr0, got.cr2, got.cr3, got.cr4, got.efer);
	vm_free(vm);
}

static void regs_and_guest(int dev)
{
	struct kvm_vm *vm = vm_create_real_mode(dev);
	struct kvm_vcpu *vcpu = vm_vcpu_add_raw(vm, 0);
	u16 end = sizeof(rm_regs);
	struct kvm_regs regs;
	u16 *d;

	vm_load_bytes(vm, CODE_GPA, rm_regs, end);
	vcpu_set_real_mode_entry(vcpu, CODE_GPA >> 4, 0);
	vcpu_get_regs(vcpu, &regs);
	regs.rbx = 0x1000;
	regs.rcx = 0x0234;
	vcpu_set_regs(vcpu, &regs);
	vcpu_run(vcpu);
	d = vcpu_expect_io(vcpu, KVM_EXIT_IO_OUT, 0x80, 2, 1);
	TEST_EXPECT(*d == 0x1234, "guest computed %#x from RBX+RCX", *d);
	vcpu_run(vcpu);
	vcpu_expect_exit(vcpu, KVM_EXIT_HLT);
	vcpu_get_regs(vcpu, &regs);
	TEST_EXPECT(regs.rax == 0x1234 && regs.rdx == 0x5678 &&
		    regs.rip == end,
		    "after the guest: RAX %#llx RDX %#llx RIP %#llx", regs.rax,
		    regs.rdx, regs.rip);

	/* Start it over with other inputs. */
	regs.rip = 0;
	regs.rbx = 0x4000;
	regs.rcx = 0x0321;
	vcpu_set_regs(vcpu, &regs);
	vcpu_run(vcpu);
	d = vcpu_expect_io(vcpu, KVM_EXIT_IO_OUT, 0x80, 2, 1);
	TEST_EXPECT(*d == 0x4321, "second run computed %#x", *d);
	vm_free(vm);
}

static void expect_sregs_einval(struct kvm_vcpu *vcpu,
				const struct kvm_sregs *good,
				struct kvm_sregs *bad, const char *what)
{
	struct kvm_sregs now;
	int r, err;

	r = ioctl(vcpu->fd, KVM_SET_SREGS, bad);
	err = errno;
	TEST_EXPECT_ERRNO(r, err, EINVAL, what);
	vcpu_get_sregs(vcpu, &now);
	TEST_EXPECT(now.cr0 == good->cr0 && now.efer == good->efer &&
		    now.cs.l == good->cs.l,
		    "%s: state changed anyway (CR0 %#llx EFER %#llx)", what,
		    now.cr0, now.efer);
	*bad = *good;
}

/* KVM checks these in kvm_is_valid_sregs() before changing anything. */
static void sregs_invalid(int dev)
{
	struct kvm_vm *vm = vm_create_barebones(dev);
	struct kvm_vcpu *vcpu = vm_vcpu_add_raw(vm, 0);
	struct kvm_sregs good, bad;

	vcpu_get_sregs(vcpu, &good);
	bad = good;
	bad.cr0 = (good.cr0 | X86_CR0_PG) & ~X86_CR0_PE;
	expect_sregs_einval(vcpu, &good, &bad, "CR0.PG without CR0.PE");
	bad.cr0 = (good.cr0 | X86_CR0_NW) & ~X86_CR0_CD;
	expect_sregs_einval(vcpu, &good, &bad, "CR0.NW without CR0.CD");
	bad.cr0 = good.cr0 | (1ULL << 32);
	expect_sregs_einval(vcpu, &good, &bad, "CR0 bit 32 set");
	bad.efer = good.efer | EFER_LMA;
	expect_sregs_einval(vcpu, &good, &bad, "EFER.LMA without paging");
	bad.cs.l = 1;
	expect_sregs_einval(vcpu, &good, &bad, "CS.L outside long mode");
	vm_free(vm);
}

static void bad_pointers(int dev)
{
	struct kvm_vm *vm = vm_create_barebones(dev);
	struct kvm_vcpu *vcpu = vm_vcpu_add_raw(vm, 0);
	void *bad = (void *)8;
	int r, err;

	r = ioctl(vcpu->fd, KVM_GET_REGS, bad);
	err = errno;
	TEST_EXPECT_ERRNO(r, err, EFAULT, "KVM_GET_REGS to a bad pointer");
	r = ioctl(vcpu->fd, KVM_SET_REGS, bad);
	err = errno;
	TEST_EXPECT_ERRNO(r, err, EFAULT, "KVM_SET_REGS from a bad pointer");
	r = ioctl(vcpu->fd, KVM_GET_SREGS, bad);
	err = errno;
	TEST_EXPECT_ERRNO(r, err, EFAULT, "KVM_GET_SREGS to a bad pointer");
	r = ioctl(vcpu->fd, KVM_SET_SREGS, bad);
	err = errno;
	TEST_EXPECT_ERRNO(r, err, EFAULT, "KVM_SET_SREGS from a bad pointer");
	/* KVM's vCPU ioctl fallback answers EINVAL, not ENOTTY. */
	r = ioctl(vcpu->fd, BOGUS_VCPU_IOCTL, 0);
	err = errno;
	TEST_EXPECT_ERRNO(r, err, EINVAL, "an unknown vCPU ioctl");
	vm_free(vm);
}

static const struct scenario scenarios[] = {
	{ "regs round trip", regs_round_trip, NEED_VCPUS, { 0 } },
	{ "sregs round trip", sregs_round_trip, NEED_VCPUS, { 0 } },
	{ "regs in and out of a guest", regs_and_guest, NEED_GUEST, { 0 } },
	{ "KVM_SET_SREGS rejects invalid CR0/EFER/CS.L with EINVAL",
	  sregs_invalid, NEED_VCPUS, { 0 } },
	{ "bad pointers give EFAULT, unknown ioctl EINVAL", bad_pointers,
	  NEED_VCPUS, { 0 } },
};

int main(int argc, char **argv)
{
	run_scenarios(argc, argv, scenarios, ARRAY_SIZE(scenarios));
}
