// SPDX-License-Identifier: GPL-2.0
/*
 * Port I/O exits: COM1, the exit port, and everything else.
 *
 *   0x3f8-0x3ff  COM1 16550 UART (serial.c)
 *   0xf4         OUT ends the run; the value (low 8 bits) is the exit
 *                status, as QEMU's isa-debug-exit without the shift
 *   other        IN reads all ones; OUT is ignored (--verbose logs the
 *                first one of each port)
 *
 * String I/O (INS/OUTS, REP) arrives as count accesses in a row.
 */
#include <string.h>

#include "kvmlite-run.h"

static uint8_t logged[65536 / 8];

static void log_unknown_out(struct vcpu *vcpu, uint16_t port, int size,
			    uint32_t val)
{
	if (!vcpu->vm->verbose || logged[port / 8] & (1U << (port % 8)))
		return;
	logged[port / 8] |= 1U << (port % 8);
	fprintf(stderr,
		KVMLITE_RUN ": vcpu%d: OUT%d 0x%x to unknown port 0x%x ignored (logged once)\n",
		vcpu->id, size * 8, val, port);
}

static void port_io(struct vcpu *vcpu, bool out, uint16_t port, int size,
		    uint8_t *data)
{
	uint32_t val = 0;

	if (out)
		memcpy(&val, data, size);

	if (port == EXIT_PORT && out) {
		if (vcpu->vm->verbose) {
			serial_flush();
			fprintf(stderr,
				KVMLITE_RUN ": vcpu%d: exit port: 0x%x\n",
				vcpu->id, val);
		}
		vm_stop(vcpu->vm, val & 0xff);
		return;
	}
	if (serial_owns(port)) {
		/* A byte-wide device: wider accesses touch only port. */
		if (out) {
			serial_out(port, data[0]);
		} else {
			memset(data, 0xff, size);
			data[0] = serial_in(port);
		}
		return;
	}
	if (out)
		log_unknown_out(vcpu, port, size, val);
	else
		memset(data, 0xff, size);
}

void ioport_handle(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	__u32 i;

	/* Nothing after the exit port: the run is ending. */
	for (i = 0; i < run->io.count && !vm_stopping(vcpu->vm);
	     i++, data += run->io.size)
		port_io(vcpu, run->io.direction == KVM_EXIT_IO_OUT,
			run->io.port, run->io.size, data);
}
