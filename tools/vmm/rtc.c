// SPDX-License-Identifier: GPL-2.0
/*
 * The CMOS clock (an MC146818) at ports 0x70 (index) and 0x71 (data),
 * for a Linux guest.
 *
 * Why it is here although the FADT says "no CMOS RTC": Linux 6.1 reads
 * its wall clock from the CMOS at boot whatever that flag says
 * (mach_get_cmos_time). With no chip, register A's update-in-progress bit
 * reads 1 (an empty port reads all ones) and the guest polled it: 20,000
 * index writes and 20,000 data reads in one boot, 40% of its exits on
 * kvmlite, then "Unable to read current time from RTC" and a clock at
 * 1970. On KVM the guest takes the time from kvm-clock instead.
 *
 * - The time registers read the host's UTC clock at each read, in the
 *   format register B selects (BCD or binary, 24 or 12 hours). UIP is
 *   always 0: there is no update cycle to wait for. A second that turns
 *   between two reads shows in the seconds register, which Linux reads
 *   again after the others for that reason.
 * - Register D says the time is valid; register C reads 0.
 * - No interrupts (alarm, periodic, update-ended). The FADT flag stays
 *   set so that Linux's RTC driver, which would want them, does not bind.
 * - Writes to the time registers are ignored: the clock is the host's.
 *   Register A's divider and rate bits, register B, the alarms and the
 *   CMOS RAM (0x0e-0x7f; 0x32 starts with the century) keep what the
 *   guest writes.
 * - Bit 7 of the index (NMI disable) is ignored: nothing sends NMIs.
 */
#include <string.h>
#include <time.h>

#include "kvmlite-run.h"

#define CMOS_SECONDS	0x00
#define CMOS_ALARM_SECONDS	0x01
#define CMOS_MINUTES	0x02
#define CMOS_ALARM_MINUTES	0x03
#define CMOS_HOURS	0x04
#define CMOS_ALARM_HOURS	0x05
#define CMOS_WEEKDAY	0x06
#define CMOS_MDAY	0x07
#define CMOS_MONTH	0x08
#define CMOS_YEAR	0x09
#define CMOS_REG_A	0x0a
#define CMOS_REG_B	0x0b
#define CMOS_REG_C	0x0c
#define CMOS_REG_D	0x0d
#define CMOS_CENTURY	0x32	/* the PC's convention, in CMOS RAM */
#define CMOS_SIZE	0x80

#define REG_A_UIP	BIT(7)
#define REG_A_DEFAULT	0x26	/* 32.768 kHz time base, 1024 Hz rate */
#define REG_B_24H	BIT(1)
#define REG_B_BINARY	BIT(2)
#define REG_B_DEFAULT	REG_B_24H	/* BCD, 24 hours */
#define REG_D_VRT	BIT(7)	/* valid RAM and time */
#define HOUR_PM		BIT(7)	/* in 12-hour mode */

static struct {
	pthread_mutex_t lock;
	uint8_t index;
	bool ram_ready;
	uint8_t ram[CMOS_SIZE];	/* what the guest wrote, by index */
} cmos = { .lock = PTHREAD_MUTEX_INITIALIZER };

static uint8_t to_bcd(unsigned int v)
{
	return (v / 10) << 4 | v % 10;
}

static uint8_t in_format(unsigned int v)
{
	return cmos.ram[CMOS_REG_B] & REG_B_BINARY ? v : to_bcd(v);
}

static uint8_t hour_register(unsigned int hour)
{
	unsigned int h12;

	if (cmos.ram[CMOS_REG_B] & REG_B_24H)
		return in_format(hour);
	h12 = hour % 12 ? hour % 12 : 12;
	return in_format(h12) | (hour >= 12 ? HOUR_PM : 0);
}

/* A time register, from the host's UTC clock now. */
static uint8_t time_register(uint8_t index)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	switch (index) {
	case CMOS_SECONDS:
		return in_format(tm.tm_sec);
	case CMOS_MINUTES:
		return in_format(tm.tm_min);
	case CMOS_HOURS:
		return hour_register(tm.tm_hour);
	case CMOS_WEEKDAY:
		return in_format(tm.tm_wday + 1);	/* Sunday is 1 */
	case CMOS_MDAY:
		return in_format(tm.tm_mday);
	case CMOS_MONTH:
		return in_format(tm.tm_mon + 1);
	default:
		return in_format(tm.tm_year % 100);
	}
}

static void ram_init(void)
{
	time_t now = time(NULL);
	struct tm tm;

	if (cmos.ram_ready)
		return;
	gmtime_r(&now, &tm);
	cmos.ram[CMOS_REG_A] = REG_A_DEFAULT;
	cmos.ram[CMOS_REG_B] = REG_B_DEFAULT;
	cmos.ram[CMOS_CENTURY] = to_bcd((tm.tm_year + 1900) / 100);
	cmos.ram_ready = true;
}

/* 0-9 but the alarms (1, 3, 5), which are plain RAM here. */
static bool is_time_register(uint8_t index)
{
	return index <= CMOS_YEAR && index != CMOS_ALARM_SECONDS &&
	       index != CMOS_ALARM_MINUTES && index != CMOS_ALARM_HOURS;
}

static uint8_t data_read(uint8_t index)
{
	if (is_time_register(index))
		return time_register(index);
	switch (index) {
	case CMOS_REG_A:
		return cmos.ram[index] & ~REG_A_UIP;
	case CMOS_REG_C:
		return 0;
	case CMOS_REG_D:
		return REG_D_VRT;
	default:
		return cmos.ram[index];
	}
}

static void data_write(uint8_t index, uint8_t val)
{
	if (is_time_register(index))
		return;		/* the host's clock */
	switch (index) {
	case CMOS_REG_C:
	case CMOS_REG_D:
		return;		/* read-only flags */
	case CMOS_REG_A:
		cmos.ram[index] = val & ~REG_A_UIP;
		return;
	default:
		cmos.ram[index] = val;
	}
}

/* The index port reads all ones: it is write-only. */
static void rtc_read(struct vcpu *vcpu, uint64_t addr, int size,
		     uint32_t *val)
{
	(void)vcpu;
	(void)size;
	pthread_mutex_lock(&cmos.lock);
	ram_init();
	*val = addr == RTC_INDEX_PORT ? 0xff : data_read(cmos.index);
	pthread_mutex_unlock(&cmos.lock);
}

static void rtc_write(struct vcpu *vcpu, uint64_t addr, int size,
		      uint32_t val)
{
	(void)vcpu;
	(void)size;
	pthread_mutex_lock(&cmos.lock);
	ram_init();
	if (addr == RTC_INDEX_PORT)
		cmos.index = val & (CMOS_SIZE - 1);
	else
		data_write(cmos.index, val);
	pthread_mutex_unlock(&cmos.lock);
}

const struct io_device rtc_device = {
	.name = "cmos-rtc", .read = rtc_read, .write = rtc_write,
};
