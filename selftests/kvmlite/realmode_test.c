// SPDX-License-Identifier: GPL-2.0
/*
 * A real-mode guest doing port I/O: OUT and IN of each width, string I/O
 * (rep outsb / rep insb), HLT, and a start from the reset vector.  Each
 * KVM_EXIT_IO is checked field by field (direction, port, size, count,
 * data).  With no in-kernel irqchip, HLT exits as KVM_EXIT_HLT.
 */
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>

#include "kvm_util.h"

#define CODE_CS		0x0100		/* base 0x1000 */
#define CODE_GPA	0x1000
#define OUT_BUF_GPA	0x3000
#define IN_BUF_GPA	0x3100
#define STR_LEN		8
#define RESET_GPA	0xfffffff0UL

/* The guests: 16-bit code (assembled with as --32, .code16). */
static const u8 rm_out[] = {
	0xb0, 0x12, /* mov $0x12,%al */
	0xe6, 0x80, /* out %al,$0x80 */
	0xb8, 0x56, 0x34, /* mov $0x3456,%ax */
	0xe7, 0x82, /* out %ax,$0x82 */
	0x66, 0xb8, 0xde, 0xbc, 0x9a, 0x78, /* mov $0x789abcde,%eax */
	0x66, 0xe7, 0x84, /* out %eax,$0x84 */
	0xba, 0x34, 0x12, /* mov $0x1234,%dx */
	0xb0, 0x9a, /* mov $0x9a,%al */
	0xee, /* out %al,(%dx) */
	0xf4, /* hlt */
};

static const u8 rm_in[] = {
	0xe4, 0x80, /* in $0x80,%al */
	0xe6, 0x90, /* out %al,$0x90 */
	0xe5, 0x82, /* in $0x82,%ax */
	0xe7, 0x92, /* out %ax,$0x92 */
	0x66, 0xe5, 0x84, /* in $0x84,%eax */
	0x66, 0xe7, 0x94, /* out %eax,$0x94 */
	0xf4, /* hlt */
};

static const u8 rm_str[] = {
	0xfc, /* cld */
	0xbe, 0x00, 0x30, /* mov $0x3000,%si */
	0xb9, 0x08, 0x00, /* mov $0x8,%cx */
	0xba, 0x88, 0x00, /* mov $0x88,%dx */
	0xf3, 0x6e, /* rep outsb %ds:(%si),(%dx) */
	0xbf, 0x00, 0x31, /* mov $0x3100,%di */
	0xb9, 0x08, 0x00, /* mov $0x8,%cx */
	0xba, 0x8a, 0x00, /* mov $0x8a,%dx */
	0xf3, 0x6c, /* rep insb (%dx),%es:(%di) */
	0xbe, 0x00, 0x31, /* mov $0x3100,%si */
	0xb9, 0x08, 0x00, /* mov $0x8,%cx */
	0xba, 0x8c, 0x00, /* mov $0x8c,%dx */
	0xf3, 0x6e, /* rep outsb %ds:(%si),(%dx) */
	0xf4, /* hlt */
};

static const u8 rm_reset[] = {
	0xb0, 0x42, /* mov $0x42,%al */
	0xe6, 0x80, /* out %al,$0x80 */
	0xf4, /* hlt */
};

static struct kvm_vcpu *start(int dev, const u8 *code, size_t len,
			      struct kvm_vm **vm)
{
	struct kvm_vcpu *vcpu;

	*vm = vm_create_real_mode(dev);
	vm_load_bytes(*vm, CODE_GPA, code, len);
	vcpu = vm_vcpu_add_raw(*vm, 0);
	vcpu_set_real_mode_entry(vcpu, CODE_CS, 0);
	return vcpu;
}

static void expect_hlt(struct kvm_vcpu *vcpu, u16 ip)
{
	struct kvm_regs regs;

	vcpu_run(vcpu);
	vcpu_expect_exit(vcpu, KVM_EXIT_HLT);
	vcpu_get_regs(vcpu, &regs);
	/* RIP points after the HLT. */
	TEST_EXPECT(regs.rip == ip, "RIP after HLT %#llx, expected %#x",
		    regs.rip, ip);
}

static void out_each_width(int dev)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu = start(dev, rm_out, sizeof(rm_out), &vm);
	u8 *d;

	vcpu_run(vcpu);
	d = vcpu_expect_io(vcpu, KVM_EXIT_IO_OUT, 0x80, 1, 1);
	TEST_EXPECT(d[0] == 0x12, "outb data %#x", d[0]);
	vcpu_run(vcpu);
	d = vcpu_expect_io(vcpu, KVM_EXIT_IO_OUT, 0x82, 2, 1);
	TEST_EXPECT(*(u16 *)d == 0x3456, "outw data %#x", *(u16 *)d);
	vcpu_run(vcpu);
	d = vcpu_expect_io(vcpu, KVM_EXIT_IO_OUT, 0x84, 4, 1);
	TEST_EXPECT(*(u32 *)d == 0x789abcde, "outl data %#x", *(u32 *)d);
	vcpu_run(vcpu);
	d = vcpu_expect_io(vcpu, KVM_EXIT_IO_OUT, 0x1234, 1, 1);
	TEST_EXPECT(d[0] == 0x9a, "outb (%%dx) data %#x", d[0]);
	expect_hlt(vcpu, sizeof(rm_out));
	vm_free(vm);
}

static void in_each_width(int dev)
{
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu = start(dev, rm_in, sizeof(rm_in), &vm);
	static const struct {
		u16 in_port, echo_port;
		u8 size;
		u32 val;
	} steps[] = {
		{ 0x80, 0x90, 1, 0xa5 },
		{ 0x82, 0x92, 2, 0xbeef },
		{ 0x84, 0x94, 4, 0xdeadbeef },
	};
	size_t i;
	u32 got;
	void *d;

	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		vcpu_run(vcpu);
		d = vcpu_expect_io(vcpu, KVM_EXIT_IO_IN, steps[i].in_port,
				   steps[i].size, 1);
		memcpy(d, &steps[i].val, steps[i].size);
		/* The next KVM_RUN completes the IN, then the guest echoes. */
		vcpu_run(vcpu);
		d = vcpu_expect_io(vcpu, KVM_EXIT_IO_OUT, steps[i].echo_port,
				   steps[i].size, 1);
		got = 0;
		memcpy(&got, d, steps[i].size);
		TEST_EXPECT(got == steps[i].val, "in%u: guest read %#x, expected %#x",
			    steps[i].size, got, steps[i].val);
	}
	expect_hlt(vcpu, sizeof(rm_in));
	vm_free(vm);
}

/*
 * One rep-string instruction may exit more than once (count is what one
 * exit carries); gather STR_LEN bytes, out or in.
 */
static void string_io(struct kvm_vcpu *vcpu, u8 dir, u16 port, u8 *buf)
{
	struct kvm_run *run = vcpu->run;
	u32 done = 0;

	while (done < STR_LEN) {
		vcpu_run(vcpu);
		vcpu_expect_exit(vcpu, KVM_EXIT_IO);
		TEST_ASSERT(run->io.direction == dir && run->io.port == port &&
			    run->io.size == 1 && run->io.count >= 1 &&
			    run->io.count <= STR_LEN - done,
			    "string I/O exit: %s port %#x size %u count %u",
			    run->io.direction ? "out" : "in", run->io.port,
			    run->io.size, run->io.count);
		if (dir == KVM_EXIT_IO_OUT)
			memcpy(buf + done, vcpu_io_data(vcpu), run->io.count);
		else
			memcpy(vcpu_io_data(vcpu), buf + done, run->io.count);
		done += run->io.count;
	}
	tap_diag("%s %#x: %u bytes", dir ? "rep outsb" : "rep insb", port, done);
}

static void string_out_in(int dev)
{
	static const u8 out_pattern[STR_LEN] = "kvmlite";
	static const u8 in_pattern[STR_LEN] = { 1, 2, 3, 4, 0xfc, 0xfd, 0xfe, 0xff };
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu = start(dev, rm_str, sizeof(rm_str), &vm);
	u8 buf[STR_LEN];

	vm_load_bytes(vm, OUT_BUF_GPA, out_pattern, STR_LEN);
	string_io(vcpu, KVM_EXIT_IO_OUT, 0x88, buf);
	TEST_EXPECT(!memcmp(buf, out_pattern, STR_LEN), "rep outsb data");
	memcpy(buf, in_pattern, STR_LEN);
	string_io(vcpu, KVM_EXIT_IO_IN, 0x8a, buf);
	/* The echo completes the insb and shows what reached memory. */
	string_io(vcpu, KVM_EXIT_IO_OUT, 0x8c, buf);
	TEST_EXPECT(!memcmp(buf, in_pattern, STR_LEN), "rep insb data echoed");
	TEST_EXPECT(!memcmp(gpa2hva(vm, IN_BUF_GPA), in_pattern, STR_LEN),
		    "rep insb data in guest memory");
	expect_hlt(vcpu, sizeof(rm_str));
	vm_free(vm);
}

static void from_reset(int dev)
{
	struct kvm_vm *vm = vm_create_real_mode(dev);
	struct kvm_vcpu *vcpu;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	u8 *d;

	vm_load_bytes(vm, RESET_GPA, rm_reset, sizeof(rm_reset));
	vcpu = vm_vcpu_add_raw(vm, 0);
	vcpu_get_sregs(vcpu, &sregs);
	vcpu_get_regs(vcpu, &regs);
	TEST_EXPECT(sregs.cs.selector == 0xf000 && sregs.cs.base == 0xffff0000 &&
		    regs.rip == 0xfff0,
		    "reset state CS %#x base %#llx RIP %#llx", sregs.cs.selector,
		    sregs.cs.base, regs.rip);
	TEST_EXPECT(!(sregs.cr0 & 1) && regs.rflags == 2,
		    "reset state CR0 %#llx RFLAGS %#llx", sregs.cr0, regs.rflags);
	vcpu_run(vcpu);
	d = vcpu_expect_io(vcpu, KVM_EXIT_IO_OUT, 0x80, 1, 1);
	TEST_EXPECT(d[0] == 0x42, "outb data %#x", d[0]);
	expect_hlt(vcpu, 0xfff0 + sizeof(rm_reset));
	vm_free(vm);
}

static const struct scenario scenarios[] = {
	{ "real mode OUT of each width", out_each_width, NEED_GUEST, { 0 } },
	{ "real mode IN of each width", in_each_width, NEED_GUEST, { 0 } },
	{ "real mode rep outsb/insb", string_out_in, NEED_GUEST, { 0 } },
	{ "real mode from the reset vector", from_reset, NEED_GUEST, { 0 } },
};

int main(int argc, char **argv)
{
	run_scenarios(argc, argv, scenarios, ARRAY_SIZE(scenarios));
}
