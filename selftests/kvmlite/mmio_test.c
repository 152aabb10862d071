// SPDX-License-Identifier: GPL-2.0
/*
 * Guest accesses to an address no memslot covers exit as KVM_EXIT_MMIO:
 * writes and reads of 1, 2, 4 and 8 bytes, with address, length and
 * data checked both ways (a read of N bytes takes only the first N
 * bytes of run->mmio.data).
 */
#include <linux/kvm.h>
#include <string.h>

#include "kvm_util.h"

#define MMIO_GPA	0xc0000000ULL

static const struct {
	u8 len;
	u64 off, wval, rval;
} accesses[] = {
	{ 1, 0x00, 0x11, 0xa5 },
	{ 2, 0x10, 0x2233, 0xbeef },
	{ 4, 0x20, 0x44556677, 0xdeadbeef },
	{ 8, 0x38, 0x8899aabbccddeeffULL, 0x0123456789abcdefULL },
};

static void guest_mmio(void)
{
	guest_write8(MMIO_GPA + 0x00, 0x11);
	guest_write16(MMIO_GPA + 0x10, 0x2233);
	guest_write32(MMIO_GPA + 0x20, 0x44556677);
	guest_write64(MMIO_GPA + 0x38, 0x8899aabbccddeeffULL);
	GUEST_SYNC(1, guest_read8(MMIO_GPA + 0x00));
	GUEST_SYNC(2, guest_read16(MMIO_GPA + 0x10));
	GUEST_SYNC(4, guest_read32(MMIO_GPA + 0x20));
	GUEST_SYNC(8, guest_read64(MMIO_GPA + 0x38));
	GUEST_DONE();
}

static bool expect_mmio(struct kvm_vcpu *vcpu, bool write, u64 addr, u8 len)
{
	struct kvm_run *run = vcpu->run;

	vcpu_run(vcpu);
	vcpu_expect_exit(vcpu, KVM_EXIT_MMIO);
	return TEST_EXPECT(run->mmio.is_write == write &&
			   run->mmio.phys_addr == addr && run->mmio.len == len,
			   "expected %s %#llx len %u, got %s %#llx len %u",
			   write ? "write" : "read", addr, len,
			   run->mmio.is_write ? "write" : "read",
			   run->mmio.phys_addr, run->mmio.len);
}

static void mmio_rw(int dev)
{
	struct kvm_vm *vm = vm_create_long_mode(dev);
	struct kvm_vcpu *vcpu = vm_vcpu_add(vm, 0, guest_mmio);
	struct kvm_run *run = vcpu->run;
	struct ucall uc;
	unsigned int i;
	u64 data;

	for (i = 0; i < ARRAY_SIZE(accesses); i++) {
		expect_mmio(vcpu, true, MMIO_GPA + accesses[i].off,
			    accesses[i].len);
		data = 0;
		memcpy(&data, run->mmio.data, accesses[i].len);
		TEST_EXPECT(data == accesses[i].wval,
			    "%u-byte write: data %#llx, expected %#llx",
			    accesses[i].len, data, accesses[i].wval);
	}
	for (i = 0; i < ARRAY_SIZE(accesses); i++) {
		expect_mmio(vcpu, false, MMIO_GPA + accesses[i].off,
			    accesses[i].len);
		/* Bytes past len must not reach the guest. */
		memset(run->mmio.data, 0xff, sizeof(run->mmio.data));
		memcpy(run->mmio.data, &accesses[i].rval, accesses[i].len);
		vcpu_expect_ucall(vcpu, &uc, UCALL_SYNC);
		TEST_EXPECT(uc.args[0] == accesses[i].len &&
			    uc.args[1] == accesses[i].rval,
			    "%u-byte read: guest got %#llx (stage %llu), expected %#llx",
			    accesses[i].len, uc.args[1], uc.args[0],
			    accesses[i].rval);
	}
	vcpu_run_to_done(vcpu);
	vm_free(vm);
}

static const struct scenario scenarios[] = {
	{ "MMIO reads and writes of 1, 2, 4, 8 bytes", mmio_rw,
	  NEED_GUEST, { 0 } },
};

int main(int argc, char **argv)
{
	run_scenarios(argc, argv, scenarios, ARRAY_SIZE(scenarios));
}
