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
 *
 * In xAPIC mode the same guest work goes through the APIC page: with the
 * APIC-access page, EOIs and register reads must not exit, ICR writes
 * exit at most trap-like (APIC-write), and the writes the model must see
 * with their old value (a timer-mode switch, TMICT in TSC-deadline mode,
 * ESR, a read-only register) must leave what an emulated LAPIC leaves.
 *
 * In xAPIC mode the x2APIC MSRs do not exist (#GP): on kvmlite every
 * access to them must exit, even those APICv lets through in x2APIC
 * mode, since without x2APIC virtualization they would reach the
 * physical local APIC.
 *
 * CR8 holds back an MSI until it drops below the MSI's class, and then
 * the MSI comes at once; on kvmlite neither the CR8 writes nor reads
 * exit, with APICv or, posted_interrupts=0, with the TPR shadow alone
 * and its TPR-below-threshold exit.
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
#define XAPIC_VECTOR	0x41
#define XAPIC_BASE	0xfee00000ULL
#define CR8_VECTOR	0x51
#define CR8_LOOPS	100

u64 guest_count, guest_order[2], guest_order_n;
u64 guest_level_count;

/* Interrupt stubs that call the C handlers below (lib/apic.h). */
asm(GUEST_C_STUB_MACRO
	".text\n"
	"GUEST_C_STUB apicv_ipi_stub, apicv_ipi\n"
	"GUEST_C_STUB apicv_low_stub, apicv_low\n"
	"GUEST_C_STUB apicv_high_stub, apicv_high\n"
	"GUEST_C_STUB apicv_level_stub, apicv_level\n"
	"GUEST_C_STUB xapic_ipi_stub, xapic_ipi\n"
	"GUEST_C_STUB cr8_msi_stub, apicv_ipi\n");

__used void apicv_ipi(void)
{
	guest_count++;
	guest_x2apic_eoi();
}

static u64 load_count(void)
{
	return __atomic_load_n(&guest_count, __ATOMIC_SEQ_CST);
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

static u32 xapic_read(u32 off)
{
	return guest_read32(XAPIC_BASE + off);
}

static void xapic_write(u32 off, u32 val)
{
	guest_write32(XAPIC_BASE + off, val);
}

__used void xapic_ipi(void)
{
	guest_count++;
	xapic_write(0xb0, 0);	/* EOI */
}

static void guest_xapic(void)
{
	u64 i, sum = 0;
	u32 cur1, cur2, version;

	xapic_write(0xf0, 0x1ff);	/* SVR: software-enabled */
	asm volatile("sti");
	GUEST_SYNC(1, 0);
	for (i = 1; i <= SELF_IPIS; i++) {
		/* ICR: fixed, shorthand "self" */
		xapic_write(0x300, 1 << 18 | XAPIC_VECTOR);
		asm volatile("nop");
	}
	GUEST_SYNC(2, guest_count);

	xapic_write(0x80, 0x30);	/* TPR */
	GUEST_SYNC(7, 0);
	for (i = 0; i < REG_READS; i++)
		sum += xapic_read(0x80) + xapic_read(0xf0) + xapic_read(0x360);
	GUEST_SYNC(3, sum);
	xapic_write(0x80, 0);

	/* One-shot, masked, divide by 1: the count runs down. */
	xapic_write(0x320, 1 << 16 | 0xef);
	xapic_write(0x3e0, 0xb);
	xapic_write(0x380, 0x7fffffff);
	cur1 = xapic_read(0x390);
	for (i = 0; i < 1000; i++)
		asm volatile("pause");
	cur2 = xapic_read(0x390);
	GUEST_SYNC(4, cur1 && cur2 < cur1);
	/* Into TSC-deadline mode: the count is dropped... */
	xapic_write(0x320, 1 << 16 | 2 << 17 | 0xef);
	GUEST_SYNC(5, xapic_read(0x380));
	/* ...and TMICT writes are ignored there. */
	xapic_write(0x380, 1234);
	GUEST_SYNC(6, xapic_read(0x380));
	/* ESR shows the errors latched by the write, not the value. */
	xapic_write(0x280, 0x55);
	GUEST_SYNC(8, xapic_read(0x280));
	/* The version register is read-only. */
	version = xapic_read(0x30);
	xapic_write(0x30, 0);
	GUEST_SYNC(9, xapic_read(0x30) == version);
	xapic_write(0xd0, 0x01000000);	/* LDR */
	GUEST_SYNC(10, xapic_read(0xd0));
	GUEST_DONE();
}

static void write_cr8(u64 v)
{
	asm volatile("mov %0, %%cr8" : : "r" (v) : "memory");
}

static u64 read_cr8(void)
{
	u64 v;

	asm volatile("mov %%cr8, %0" : "=r" (v));
	return v;
}

static void guest_cr8(void)
{
	u64 i, sum = 0;

	guest_x2apic_enable();
	asm volatile("sti");
	write_cr8(15);
	GUEST_SYNC(1, 0);		/* the host sends the class-5 MSI */
	asm volatile("nop; nop");
	GUEST_SYNC(2, load_count());
	write_cr8(5);			/* still holds class 5 back */
	asm volatile("nop; nop");
	GUEST_SYNC(3, load_count());
	write_cr8(4);			/* taken right after this */
	GUEST_SYNC(4, load_count());
	GUEST_SYNC(5, 0);
	for (i = 0; i < CR8_LOOPS; i++) {
		write_cr8(i & 15);
		sum += read_cr8();
	}
	write_cr8(0);
	GUEST_SYNC(6, sum);
	GUEST_DONE();
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

/* vCPU 0 running guest, every vector reachable; on kvmlite, *st read. */
static struct kvm_vcpu *apicv_vcpu(struct kvm_vm *vm, void *guest,
				   struct vmx_state *st)
{
	struct kvm_vcpu *vcpu = vm_vcpu_add(vm, 0, guest);

	vcpu_idt_all_vectors(vcpu);
	if (dev_is_kvmlite(vm->dev_fd))
		TEST_ASSERT(!vmx_state_read(st), "read vmx_state");
	return vcpu;
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
	vcpu = apicv_vcpu(vm, guest_apicv, &st);

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

static void xapic_apicv(int dev)
{
	struct kvm_vm *vm = vm_create_long_mode(dev);
	bool kvmlite = dev_is_kvmlite(dev);
	struct vmx_state st = { 0 };
	struct kvm_vcpu *vcpu;
	long mmio0 = 0, mmio1 = 0, aw0 = 0, aw1 = 0;
	u64 v;

	vm_enable_split_irqchip(vm);
	vm_set_idt_gate(vm, XAPIC_VECTOR, ASM_SYMBOL_ADDR(xapic_ipi_stub));
	vcpu = apicv_vcpu(vm, guest_xapic, &st);
	vcpu_set_cpuid_tsc_deadline(vcpu);

	vcpu_expect_sync(vcpu, 1);
	if (kvmlite) {
		mmio0 = kvmlite_vcpu_stat(0, "mmio_exits");
		aw0 = kvmlite_vcpu_stat(0, "apic_write_exits");
	}
	v = vcpu_expect_sync(vcpu, 2);
	TEST_EXPECT(v == SELF_IPIS, "%llu of %d xAPIC self-IPIs taken", v,
		    SELF_IPIS);
	if (kvmlite) {
		mmio1 = kvmlite_vcpu_stat(0, "mmio_exits");
		aw1 = kvmlite_vcpu_stat(0, "apic_write_exits");
		tap_diag("APIC-access page %s: %ld MMIO, %ld APIC-write exits, %d ICRs+EOIs",
			 st.apic_access ? "on" : "off", mmio1 - mmio0,
			 aw1 - aw0, SELF_IPIS);
		/* Emulated, each ICR write and each EOI exits. */
		TEST_EXPECT(st.apic_access ?
			    mmio1 - mmio0 < 10 && aw1 - aw0 <= SELF_IPIS + 2 :
			    mmio1 - mmio0 >= 2 * SELF_IPIS,
			    "%ld MMIO exits, %ld APIC-write exits", mmio1 - mmio0,
			    aw1 - aw0);
	}

	vcpu_expect_sync(vcpu, 7);
	mmio0 = kvmlite ? kvmlite_vcpu_stat(0, "mmio_exits") : 0;
	v = vcpu_expect_sync(vcpu, 3);
	mmio1 = kvmlite ? kvmlite_vcpu_stat(0, "mmio_exits") : 0;
	/* TPR 0x30, SVR 0x1ff, LVT1 masked (KVM's BSP has LVT0 in ExtINT). */
	TEST_EXPECT(v == REG_READS * (0x30 + 0x1ff + 0x10000),
		    "xAPIC register reads sum %#llx", v);
	if (kvmlite) {
		tap_diag("%ld MMIO exits for %d xAPIC reads", mmio1 - mmio0,
			 3 * REG_READS);
		TEST_EXPECT(st.apic_access && st.apicv_reads ?
			    mmio1 - mmio0 < 10 : mmio1 - mmio0 >= 3 * REG_READS,
			    "%ld MMIO exits for %d reads", mmio1 - mmio0,
			    3 * REG_READS);
	}

	v = vcpu_expect_sync(vcpu, 4);
	TEST_EXPECT(v == 1, "current count did not run down");
	v = vcpu_expect_sync(vcpu, 5);
	TEST_EXPECT(v == 0, "TMICT %#llx after the switch to TSC-deadline mode", v);
	v = vcpu_expect_sync(vcpu, 6);
	TEST_EXPECT(v == 0, "TMICT %#llx after a write in TSC-deadline mode", v);
	v = vcpu_expect_sync(vcpu, 8);
	TEST_EXPECT(v == 0, "ESR %#llx after writing 0x55 with no error", v);
	v = vcpu_expect_sync(vcpu, 9);
	TEST_EXPECT(v == 1, "the version register changed when written");
	v = vcpu_expect_sync(vcpu, 10);
	TEST_EXPECT(v == 0x01000000, "LDR %#llx, wrote 0x01000000", v);
	vcpu_run_to_done(vcpu);
	if (kvmlite)
		tap_diag("whole xAPIC guest: %ld APIC-access exits, %ld APIC-write exits",
			 kvmlite_vcpu_stat(0, "apic_access_exits"),
			 kvmlite_vcpu_stat(0, "apic_write_exits"));
	vm_free(vm);
}

static void cr8_run(int dev, bool shadow_only)
{
	struct kvm_vm *vm = vm_create_long_mode(dev);
	struct kvm_msi msi = { .address_lo = 0xfee00000, .data = CR8_VECTOR };
	bool kvmlite = dev_is_kvmlite(dev);
	struct vmx_state st = { 0 };
	struct kvm_vcpu *vcpu;
	long cr0 = 0, cr1 = 0;
	u64 v;

	vm_enable_split_irqchip(vm);
	vm_set_idt_gate(vm, CR8_VECTOR, ASM_SYMBOL_ADDR(cr8_msi_stub));
	vcpu = apicv_vcpu(vm, guest_cr8, &st);

	vcpu_expect_sync(vcpu, 1);
	TEST_ASSERT(ioctl(vm->fd, KVM_SIGNAL_MSI, &msi) == 1,
		    "KVM_SIGNAL_MSI: %s", errno_str(errno));
	v = vcpu_expect_sync(vcpu, 2);
	TEST_EXPECT(v == 0, "vector 0x51 taken %llu times at CR8 15", v);
	v = vcpu_expect_sync(vcpu, 3);
	TEST_EXPECT(v == 0, "vector 0x51 taken %llu times at CR8 5", v);
	v = vcpu_expect_sync(vcpu, 4);
	TEST_EXPECT(v == 1, "vector 0x51 taken %llu times right after CR8 4", v);
	vcpu_expect_sync(vcpu, 5);
	cr0 = kvmlite ? kvmlite_vcpu_stat(0, "cr_exits") : 0;
	v = vcpu_expect_sync(vcpu, 6);
	cr1 = kvmlite ? kvmlite_vcpu_stat(0, "cr_exits") : 0;
	TEST_EXPECT(v == 15 * 16 / 2 * (CR8_LOOPS / 16) +
		    (CR8_LOOPS % 16) * (CR8_LOOPS % 16 - 1) / 2,
		    "CR8 reads sum %llu", v);
	if (kvmlite) {
		long below = kvmlite_vcpu_stat(0, "tpr_below_threshold_exits");

		tap_diag("TPR shadow %s: %ld CR exits for %d CR8 accesses, %ld below threshold",
			 st.tpr_shadow ? "on" : "off", cr1 - cr0,
			 2 * CR8_LOOPS, below);
		/* APICv needs the TPR shadow: st.tpr_shadow covers both. */
		TEST_EXPECT(st.tpr_shadow ? cr1 - cr0 < 5 :
			    cr1 - cr0 >= 2 * CR8_LOOPS,
			    "%ld CR exits for %d CR8 accesses", cr1 - cr0,
			    2 * CR8_LOOPS);
		/* Without virtual-interrupt delivery CR8 4 must exit. */
		if (st.tpr_shadow && shadow_only)
			TEST_EXPECT(below >= 1, "no TPR-below-threshold exit");
	}
	vcpu_run_to_done(vcpu);
	vm_free(vm);
}

static void cr8(int dev)
{
	cr8_run(dev, false);
}

/* Posting off: no APICv; the TPR shadow and its threshold do the work. */
static void cr8_tpr_shadow(int dev)
{
	kvmlite_param_or_skip(dev, "posted_interrupts", "0");
	cr8_run(dev, true);
	kvmlite_set_param("posted_interrupts", "1");
}

/*
 * The x2APIC MSRs that APICv passes through in x2APIC mode (reads of
 * TPR, SVR and IRR; writes of TPR, EOI and SELF IPI), in xAPIC mode.
 */
#define XAPIC_X2APIC_ACCESSES	6

static void guest_xapic_x2apic_msrs(void)
{
	u64 v;

	GUEST_ASSERT_EQ(guest_rdmsr(MSR_APIC_BASE) &
			(APIC_BASE_EN | APIC_BASE_EXTD), APIC_BASE_EN);
	GUEST_SYNC(1, 0);
	GUEST_ASSERT_EQ(rdmsr_safe(X2APIC_TPR, &v), GP_VECTOR);
	GUEST_ASSERT_EQ(rdmsr_safe(X2APIC_SVR, &v), GP_VECTOR);
	GUEST_ASSERT_EQ(rdmsr_safe(X2APIC_IRR, &v), GP_VECTOR);
	GUEST_ASSERT_EQ(wrmsr_safe(X2APIC_TPR, 0xf0), GP_VECTOR);
	GUEST_ASSERT_EQ(wrmsr_safe(X2APIC_EOI, 0), GP_VECTOR);
	GUEST_ASSERT_EQ(wrmsr_safe(X2APIC_SELF_IPI, IPI_VECTOR), GP_VECTOR);
	GUEST_SYNC(2, 0);
	GUEST_DONE();
}

static void xapic_x2apic_msrs(int dev)
{
	struct kvm_vm *vm = vm_create_long_mode(dev);
	bool kvmlite = dev_is_kvmlite(dev);
	struct vmx_state st = { 0 };
	struct kvm_vcpu *vcpu;
	unsigned int gps = 0;
	long msr0 = 0, msr1;
	struct ucall uc;
	u64 cmd;

	vm_enable_split_irqchip(vm);
	vcpu = apicv_vcpu(vm, guest_xapic_x2apic_msrs, &st);
	vcpu_expect_sync(vcpu, 1);
	if (kvmlite)
		msr0 = kvmlite_vcpu_stat(0, "msr_exits");
	for (;;) {
		cmd = vcpu_run_ucall(vcpu, &uc);
		if (cmd != UCALL_EXCEPTION)
			break;
		TEST_ASSERT(uc.args[0] == GP_VECTOR,
			    "vector %llu at %#llx, expected #GP", uc.args[0],
			    uc.args[2]);
		gps++;
	}
	TEST_ASSERT(cmd == UCALL_SYNC && uc.args[0] == 2,
		    "ucall %llu, expected SYNC 2", cmd);
	TEST_EXPECT(gps == XAPIC_X2APIC_ACCESSES, "%u #GPs, expected %d", gps,
		    XAPIC_X2APIC_ACCESSES);
	if (kvmlite) {
		msr1 = kvmlite_vcpu_stat(0, "msr_exits");
		tap_diag("APICv %s: %ld MSR exits for %d x2APIC accesses in xAPIC mode",
			 st.apicv ? "on" : "off", msr1 - msr0,
			 XAPIC_X2APIC_ACCESSES);
		TEST_EXPECT(msr1 - msr0 == XAPIC_X2APIC_ACCESSES,
			    "%ld MSR exits for %d accesses: some reached the CPU's own APIC",
			    msr1 - msr0, XAPIC_X2APIC_ACCESSES);
	}
	vcpu_run_to_done(vcpu);
	vm_free(vm);
}

static const struct scenario scenarios[] = {
	{ "self-IPIs, EOIs and TPR in x2APIC mode; without exits under APICv",
	  apicv, NEED_GUEST, { KVM_CAP_SPLIT_IRQCHIP, 0 } },
	{ "the same in xAPIC mode through the APIC page; old values kept on trapped writes",
	  xapic_apicv, NEED_GUEST, { KVM_CAP_SPLIT_IRQCHIP, 0 } },
	{ "xAPIC mode: x2APIC MSRs #GP, and on kvmlite every access exits",
	  xapic_x2apic_msrs, NEED_GUEST, { KVM_CAP_SPLIT_IRQCHIP, 0 } },
	{ "CR8 holds an MSI back until it drops below its class; CR8 without exits",
	  cr8, NEED_GUEST, { KVM_CAP_SPLIT_IRQCHIP, 0 } },
	{ "the same with posted_interrupts=0: the TPR shadow and its threshold",
	  cr8_tpr_shadow, NEED_GUEST, { KVM_CAP_SPLIT_IRQCHIP, 0 } },
};

int main(int argc, char **argv)
{
	run_scenarios(argc, argv, scenarios, ARRAY_SIZE(scenarios));
}
