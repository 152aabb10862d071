// SPDX-License-Identifier: GPL-2.0
/*
 * APICv seen from both sides.  The guest sends itself 200 x2APIC
 * self-IPIs and EOIs each one, and raises and drops TPR around a pending
 * self-IPI: every interrupt must arrive, in order of priority, on
 * /dev/kvmlite and /dev/kvm alike.  On kvmlite with APICv in use
 * (debugfs vmx_state says so), none of those self-IPIs, EOIs or TPR
 * writes may exit: the MSR-exit counter must not grow by more than the
 * few accesses that do exit, and with APIC-register virtualization the
 * same holds for reads of TPR, IRR and SVR.  And a level-triggered MSI's
 * EOI comes back as KVM_EXIT_IOAPIC_EOI through an EOI-induced exit.
 */
#define _GNU_SOURCE
#include <linux/kvm.h>
#include <sys/ioctl.h>

#include "apic.h"
#include "kvm_util.h"
#include "kvmlite_util.h"

#define SELF_IPIS	200
#define IPI_VECTOR	0x40
#define LOW_VECTOR	0x50
#define HIGH_VECTOR	0x90
#define LEVEL_VECTOR	0x60
#define REG_READS	100

u64 guest_count, guest_order[2], guest_order_n;
u64 guest_level_count;

/* Interrupt stubs that call the C handlers below (lib/apic.h). */
asm(GUEST_C_STUB_MACRO
	".text\n"
	"GUEST_C_STUB apicv_ipi_stub, apicv_ipi\n"
	"GUEST_C_STUB apicv_low_stub, apicv_low\n"
	"GUEST_C_STUB apicv_high_stub, apicv_high\n"
	"GUEST_C_STUB apicv_level_stub, apicv_level\n");

__used void apicv_ipi(void)
{
	guest_count++;
	guest_x2apic_eoi();
}

static void record(u64 vector)
{
	if (guest_order_n < 2)
		guest_order[guest_order_n] = vector;
	guest_order_n++;
	guest_x2apic_eoi();
}

__used void apicv_low(void)
{
	record(LOW_VECTOR);
}

__used void apicv_high(void)
{
	record(HIGH_VECTOR);
}

__used void apicv_level(void)
{
	guest_level_count++;
	guest_x2apic_eoi();
}

static void guest_apicv(void)
{
	u64 i, sum = 0;

	guest_x2apic_enable();
	asm volatile("sti");
	GUEST_SYNC(1, 0);
	for (i = 1; i <= SELF_IPIS; i++) {
		guest_wrmsr(X2APIC_SELF_IPI, IPI_VECTOR);
		/* Taken at the next instruction boundary. */
		asm volatile("nop");
	}
	GUEST_SYNC(2, guest_count);

	/* TPR 0xa0 holds back both; at TPR 0 the higher comes first. */
	guest_wrmsr(X2APIC_TPR, 0xa0);
	guest_wrmsr(X2APIC_SELF_IPI, LOW_VECTOR);
	guest_wrmsr(X2APIC_SELF_IPI, HIGH_VECTOR);
	asm volatile("nop; nop");
	GUEST_SYNC(3, guest_order_n);
	guest_wrmsr(X2APIC_TPR, 0);
	asm volatile("nop; nop");
	GUEST_SYNC(4, guest_order[0] | guest_order[1] << 8 |
		   guest_order_n << 16);

	/* Reads of registers kept in the virtual-APIC page. */
	guest_wrmsr(X2APIC_TPR, 0x30);
	GUEST_SYNC(7, 0);
	for (i = 0; i < REG_READS; i++)
		sum += guest_rdmsr(X2APIC_TPR) + guest_rdmsr(X2APIC_IRR + 7) +
		       guest_rdmsr(X2APIC_SVR);
	GUEST_SYNC(8, sum);
	guest_wrmsr(X2APIC_TPR, 0);

	/* A level-triggered MSI from the host, taken and EOIed here. */
	GUEST_SYNC(5, 0);
	while (!guest_level_count)
		asm volatile("pause");
	GUEST_SYNC(6, guest_level_count);
	GUEST_DONE();
}

static void apicv(int dev)
{
	struct kvm_vm *vm = vm_create_long_mode(dev);
	struct kvm_msi msi = {
		.address_lo = 0xfee00000,
		/* level-triggered (bit 15), asserted (bit 14) */
		.data = 1 << 15 | 1 << 14 | LEVEL_VECTOR,
	};
	bool kvmlite = dev_is_kvmlite(dev);
	struct vmx_state st = { 0 };
	struct kvm_vcpu *vcpu;
	long msr0 = 0, msr1 = 0;
	u64 v;
	int r;

	vm_enable_split_irqchip(vm);
	vm_set_idt_gate(vm, IPI_VECTOR, ASM_SYMBOL_ADDR(apicv_ipi_stub));
	vm_set_idt_gate(vm, LOW_VECTOR, ASM_SYMBOL_ADDR(apicv_low_stub));
	vm_set_idt_gate(vm, HIGH_VECTOR, ASM_SYMBOL_ADDR(apicv_high_stub));
	vm_set_idt_gate(vm, LEVEL_VECTOR, ASM_SYMBOL_ADDR(apicv_level_stub));
	vcpu = vm_vcpu_add(vm, 0, guest_apicv);
	vcpu_idt_all_vectors(vcpu);
	if (kvmlite)
		TEST_ASSERT(!vmx_state_read(&st), "read vmx_state");

	vcpu_expect_sync(vcpu, 1);
	msr0 = kvmlite ? kvmlite_vcpu_stat(0, "msr_exits") : 0;
	v = vcpu_expect_sync(vcpu, 2);
	msr1 = kvmlite ? kvmlite_vcpu_stat(0, "msr_exits") : 0;
	TEST_EXPECT(v == SELF_IPIS, "%llu of %d self-IPIs taken", v, SELF_IPIS);
	if (kvmlite) {
		tap_diag("APICv %s: %ld MSR exits for %d self-IPIs and EOIs",
			 st.apicv ? "on" : "off", msr1 - msr0, SELF_IPIS);
		/* Without APICv each self-IPI and each EOI exits. */
		TEST_EXPECT(st.apicv ? msr1 - msr0 < 10 :
			    msr1 - msr0 >= 2 * SELF_IPIS,
			    "%ld MSR exits with APICv %d", msr1 - msr0, st.apicv);
	}
	v = vcpu_expect_sync(vcpu, 3);
	TEST_EXPECT(v == 0, "%llu taken below TPR 0xa0", v);
	v = vcpu_expect_sync(vcpu, 4);
	TEST_EXPECT(v == (HIGH_VECTOR | LOW_VECTOR << 8 | 2 << 16),
		    "after TPR 0: order %#llx, expected 0x90 then 0x50", v);

	vcpu_expect_sync(vcpu, 7);
	msr0 = kvmlite ? kvmlite_vcpu_stat(0, "msr_exits") : 0;
	v = vcpu_expect_sync(vcpu, 8);
	msr1 = kvmlite ? kvmlite_vcpu_stat(0, "msr_exits") : 0;
	/* TPR 0x30, IRR7 0, SVR 0x1ff, each read REG_READS times. */
	TEST_EXPECT(v == REG_READS * (0x30 + 0x1ff), "register reads sum %#llx", v);
	if (kvmlite) {
		tap_diag("APIC-register virtualization %s: %ld MSR exits for %d reads",
			 st.apicv_reads ? "on" : "off", msr1 - msr0,
			 3 * REG_READS);
		TEST_EXPECT(st.apicv_reads ? msr1 - msr0 < 10 :
			    msr1 - msr0 >= 3 * REG_READS,
			    "%ld MSR exits for %d reads", msr1 - msr0,
			    3 * REG_READS);
	}

	vcpu_expect_sync(vcpu, 5);
	r = ioctl(vm->fd, KVM_SIGNAL_MSI, &msi);
	TEST_EXPECT(r == 1, "level MSI accepted by %d LAPICs", r);
	if (kvmlite) {
		/* The guest's EOI of a level vector goes to userspace. */
		vcpu_run(vcpu);
		TEST_EXPECT(vcpu->run->exit_reason == KVM_EXIT_IOAPIC_EOI &&
			    vcpu->run->eoi.vector == LEVEL_VECTOR,
			    "exit %s vector %#x, expected IOAPIC_EOI 0x60",
			    exit_reason_str(vcpu->run->exit_reason),
			    vcpu->run->eoi.vector);
	}
	v = vcpu_expect_sync(vcpu, 6);
	TEST_EXPECT(v == 1, "level vector taken %llu times", v);
	vcpu_run_to_done(vcpu);
	vm_free(vm);
}

static const struct scenario scenarios[] = {
	{ "self-IPIs, EOIs and TPR in x2APIC mode; without exits under APICv",
	  apicv, NEED_GUEST, { KVM_CAP_SPLIT_IRQCHIP, 0 } },
};

int main(int argc, char **argv)
{
	run_scenarios(argc, argv, scenarios, ARRAY_SIZE(scenarios));
}
