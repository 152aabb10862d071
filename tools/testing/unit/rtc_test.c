// SPDX-License-Identifier: GPL-2.0
/*
 * kvmlite-run's CMOS clock (tools/vmm/rtc.c), through its port handlers:
 * the time registers against the host's UTC clock in each format
 * register B selects, register A without UIP, C and D, ignored time
 * writes, the RAM, the index port.
 */
#include <string.h>
#include <time.h>

#include "unit.h"
#include "kvmlite-run.h"

#define DATA_PORT	(RTC_INDEX_PORT + 1)

static void out(uint16_t port, uint8_t v)
{
	rtc_device.write(NULL, port, 1, v);
}

static uint8_t in(uint16_t port)
{
	uint32_t v = 0;

	rtc_device.read(NULL, port, 1, &v);
	return v;
}

static uint8_t cmos(uint8_t index)
{
	out(RTC_INDEX_PORT, index);
	return in(DATA_PORT);
}

static void cmos_set(uint8_t index, uint8_t v)
{
	out(RTC_INDEX_PORT, index);
	out(DATA_PORT, v);
}

static unsigned int bcd(unsigned int v)
{
	return (v / 10) << 4 | v % 10;
}

/* The 7 time registers, read within one second of the host's clock. */
static bool read_clock(uint8_t r[7], struct tm *tm)
{
	static const uint8_t regs[7] = { 0, 2, 4, 6, 7, 8, 9 };
	time_t before, after;
	int i, tries;

	for (tries = 0; tries < 5; tries++) {
		before = time(NULL);
		for (i = 0; i < 7; i++)
			r[i] = cmos(regs[i]);
		after = time(NULL);
		if (before == after) {
			gmtime_r(&before, tm);
			return true;
		}
	}
	return false;
}

static void test_bcd_24h(void)
{
	uint8_t r[7];
	struct tm tm;

	CHECK(cmos(0x0b) == 0x02, "register B starts BCD, 24 hours: %#x", cmos(0x0b));
	CHECK(read_clock(r, &tm), "a clock read within one second");
	CHECK(r[0] == bcd(tm.tm_sec) && r[1] == bcd(tm.tm_min) &&
	      r[2] == bcd(tm.tm_hour),
	      "BCD %02x:%02x:%02x, host %02d:%02d:%02d", r[2], r[1], r[0],
	      tm.tm_hour, tm.tm_min, tm.tm_sec);
	CHECK(r[3] == bcd(tm.tm_wday + 1) && r[4] == bcd(tm.tm_mday) &&
	      r[5] == bcd(tm.tm_mon + 1) && r[6] == bcd(tm.tm_year % 100),
	      "BCD weekday %x date %02x-%02x-%02x, host %d %02d-%02d-%02d",
	      r[3], r[6], r[5], r[4], tm.tm_wday + 1, tm.tm_year % 100,
	      tm.tm_mon + 1, tm.tm_mday);
	CHECK(cmos(0x32) == bcd((tm.tm_year + 1900) / 100),
	      "century byte %#x", cmos(0x32));
}

static void test_binary_12h(void)
{
	uint8_t r[7];
	struct tm tm;
	unsigned int h12;

	cmos_set(0x0b, 0x06);	/* binary, 24 hours */
	CHECK(read_clock(r, &tm), "a clock read within one second");
	CHECK(r[0] == tm.tm_sec && r[2] == tm.tm_hour && r[6] == tm.tm_year % 100,
	      "binary %u:..:%u year %u, host %d:..:%d %d", r[2], r[0], r[6],
	      tm.tm_hour, tm.tm_sec, tm.tm_year % 100);
	cmos_set(0x0b, 0x00);	/* BCD, 12 hours */
	CHECK(read_clock(r, &tm), "a clock read within one second");
	h12 = tm.tm_hour % 12 ? tm.tm_hour % 12 : 12;
	CHECK(r[2] == (bcd(h12) | (tm.tm_hour >= 12 ? 0x80 : 0)),
	      "12-hour %#x for hour %d", r[2], tm.tm_hour);
	cmos_set(0x0b, 0x02);
}

static void test_status_registers(void)
{
	CHECK(cmos(0x0a) == 0x26, "register A %#x: no update in progress", cmos(0x0a));
	cmos_set(0x0a, 0xa5);
	CHECK(cmos(0x0a) == 0x25, "register A keeps its divider and rate, never UIP: %#x",
	      cmos(0x0a));
	cmos_set(0x0a, 0x26);
	cmos_set(0x0c, 0xff);
	cmos_set(0x0d, 0x00);
	CHECK(cmos(0x0c) == 0 && cmos(0x0d) == 0x80,
	      "C %#x (no flags), D %#x (valid time), writes ignored", cmos(0x0c),
	      cmos(0x0d));
}

static void test_writes(void)
{
	uint8_t r[7];
	struct tm tm;

	cmos_set(0x09, 0x99);	/* year 99: the host's clock wins */
	CHECK(read_clock(r, &tm) && r[6] == bcd(tm.tm_year % 100),
	      "a write to the year is ignored: %#x", r[6]);
	cmos_set(0x40, 0xab);
	cmos_set(0x7f, 0x5a);
	cmos_set(0x01, 0x33);	/* alarm seconds: RAM */
	CHECK(cmos(0x40) == 0xab && cmos(0x7f) == 0x5a && cmos(0x01) == 0x33,
	      "RAM keeps writes: %#x %#x %#x", cmos(0x40), cmos(0x7f), cmos(0x01));
	CHECK(cmos(0x80 | 0x40) == 0xab, "index bit 7 (NMI disable) ignored");
	CHECK(in(RTC_INDEX_PORT) == 0xff, "the index port reads all ones");
}

int main(void)
{
	static const unit_test_fn tests[] = {
		test_bcd_24h, test_binary_12h, test_status_registers, test_writes,
	};

	return unit_run(tests, ARRAY_SIZE(tests));
}
