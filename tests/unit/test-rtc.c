/*
 * Unit tests for the MC146818 RTC in fixed-start-time mode on the virtual
 * clock (-icount): time registers in BCD/binary and 12/24-hour formats,
 * date rollover, the SET bit, divider reset, UIP, periodic, alarm and
 * update-ended interrupts with register C, CMOS RAM and hostile values.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "hw/irq.h"
#include "hw/timer/rtc.h"
#include "softmmu/memory.h"
#include "unit-test.h"
#include "unit-io.h"

#define T_LEAP 1709251198LL   /* 2024-02-29 23:59:58 UTC, a Thursday */
#define MS 1000000LL
#define SEC 1000000000LL

static UnitIo pio;
static RTCState *rtc;
static UnitIrq irq_rec;

UNIT_IO_PORT_HELPERS(pio)

static uint8_t cmos_read(uint8_t index)
{
    outb(0x70, index);
    return inb(0x71);
}

static void cmos_write(uint8_t index, uint8_t v)
{
    outb(0x70, index);
    outb(0x71, v);
}

/* Advance the virtual clock by ns and run the timers. */
static void advance(int64_t ns)
{
    unit_clock_advance(ns);
}

/* Advance in steps of `step` ns, acknowledging (reading C) on each IRQ. */
static int count_irqs(int64_t total, int64_t step, uint8_t *flags_or)
{
    int n = 0;
    for (int64_t t = 0; t < total; t += step) {
        advance(step);
        if (irq_rec.level) {
            uint8_t c = cmos_read(RTC_REG_C);
            if (flags_or)
                *flags_or |= c;
            n++;
        }
    }
    return n;
}

static void create(int64_t start)
{
    IRQLine irq;
    irq_init(&irq, unit_irq_record, &irq_rec, 8);
    rtc = rtc_new(&irq, start);
    rtc_map(rtc, &pio.root);
}

static void setup(void)
{
    unit_clock_start();
    unit_io_init(&pio, "I/O");
    irq_rec = (UnitIrq){ .n = 8 };
    create(T_LEAP);
}

static void teardown(void)
{
    rtc_free(rtc);
    rtc = NULL;
    ck_assert_int_eq(timers_deadline_ns(CLOCK_VIRTUAL), -1);
    unit_io_destroy(&pio);
}

START_TEST(test_power_on_registers)
{
    ck_assert_uint_eq(cmos_read(RTC_REG_A), 0x26);
    ck_assert_uint_eq(cmos_read(RTC_REG_B), 0x02);
    ck_assert_uint_eq(cmos_read(RTC_REG_C), 0x00);
    ck_assert_uint_eq(cmos_read(RTC_REG_D), 0x80);
    ck_assert_int_eq(irq_rec.level, 0);
    ck_assert_uint_eq(inb(0x70), 0xff);
}
END_TEST

START_TEST(test_bcd_time_and_leap_rollover)
{
    ck_assert_uint_eq(cmos_read(RTC_SECONDS), 0x58);
    ck_assert_uint_eq(cmos_read(RTC_MINUTES), 0x59);
    ck_assert_uint_eq(cmos_read(RTC_HOURS), 0x23);
    ck_assert_uint_eq(cmos_read(RTC_DAY_OF_WEEK), 5);   /* Thursday, Sunday = 1 */
    ck_assert_uint_eq(cmos_read(RTC_DAY_OF_MONTH), 0x29);
    ck_assert_uint_eq(cmos_read(RTC_MONTH), 0x02);
    ck_assert_uint_eq(cmos_read(RTC_YEAR), 0x24);
    ck_assert_uint_eq(cmos_read(RTC_CENTURY), 0x20);
    ck_assert_int_eq(rtc_get_time(rtc), T_LEAP);
    advance(2 * SEC - 1);
    ck_assert_uint_eq(cmos_read(RTC_SECONDS), 0x59);
    advance(1);
    ck_assert_uint_eq(cmos_read(RTC_SECONDS), 0x00);
    ck_assert_uint_eq(cmos_read(RTC_MINUTES), 0x00);
    ck_assert_uint_eq(cmos_read(RTC_HOURS), 0x00);
    ck_assert_uint_eq(cmos_read(RTC_DAY_OF_WEEK), 6);
    ck_assert_uint_eq(cmos_read(RTC_DAY_OF_MONTH), 0x01);
    ck_assert_uint_eq(cmos_read(RTC_MONTH), 0x03);
    ck_assert_uint_eq(cmos_read(RTC_YEAR), 0x24);
}
END_TEST

START_TEST(test_century_rollover)
{
    rtc_free(rtc);
    create(4102444799LL);                              /* 2099-12-31 23:59:59 */
    ck_assert_uint_eq(cmos_read(RTC_CENTURY), 0x20);
    advance(SEC);
    ck_assert_uint_eq(cmos_read(RTC_YEAR), 0x00);
    ck_assert_uint_eq(cmos_read(RTC_CENTURY), 0x21);
    ck_assert_uint_eq(cmos_read(RTC_MONTH), 0x01);
    ck_assert_uint_eq(cmos_read(RTC_DAY_OF_MONTH), 0x01);
}
END_TEST

START_TEST(test_binary_and_12_hour)
{
    cmos_write(RTC_REG_B, 0x06);                       /* binary, 24h */
    ck_assert_uint_eq(cmos_read(RTC_SECONDS), 58);
    ck_assert_uint_eq(cmos_read(RTC_HOURS), 23);
    ck_assert_uint_eq(cmos_read(RTC_CENTURY), 20);
    cmos_write(RTC_REG_B, 0x00);                       /* BCD, 12h */
    ck_assert_uint_eq(cmos_read(RTC_HOURS), 0x91);     /* 11 PM */
    advance(2 * SEC);
    ck_assert_uint_eq(cmos_read(RTC_HOURS), 0x12);     /* 12 AM */
    cmos_write(RTC_REG_B, 0x04);                       /* binary, 12h */
    ck_assert_uint_eq(cmos_read(RTC_HOURS), 12);
    /* Writing 12h time: 0x80 | 12 is noon. */
    cmos_write(RTC_HOURS, 0x80 | 12);
    ck_assert_uint_eq(cmos_read(RTC_HOURS), 0x80 | 12);
    cmos_write(RTC_REG_B, 0x06);
    ck_assert_uint_eq(cmos_read(RTC_HOURS), 12);
    cmos_write(RTC_HOURS, 3);
    ck_assert_uint_eq(cmos_read(RTC_HOURS), 3);
    ck_assert_uint_eq(cmos_read(RTC_DAY_OF_MONTH), 1);
}
END_TEST

START_TEST(test_set_bit_holds_and_restarts)
{
    cmos_write(RTC_REG_B, 0x82 | RTC_B_UIE);
    ck_assert_uint_eq(cmos_read(RTC_REG_B), 0x82);     /* SET clears UIE */
    cmos_write(RTC_SECONDS, 0x00);
    cmos_write(RTC_MINUTES, 0x30);
    cmos_write(RTC_HOURS, 0x12);
    cmos_write(RTC_DAY_OF_MONTH, 0x15);
    cmos_write(RTC_MONTH, 0x06);
    cmos_write(RTC_YEAR, 0x01);
    cmos_write(RTC_CENTURY, 0x20);
    advance(5 * SEC);
    ck_assert_uint_eq(cmos_read(RTC_SECONDS), 0x00);   /* held */
    ck_assert_uint_eq(cmos_read(RTC_MINUTES), 0x30);
    ck_assert_uint_eq(cmos_read(RTC_REG_C) & RTC_C_UF, 0); /* no updates */
    cmos_write(RTC_REG_B, 0x02);
    advance(999 * MS);
    ck_assert_uint_eq(cmos_read(RTC_SECONDS), 0x00);
    advance(1 * MS);
    ck_assert_uint_eq(cmos_read(RTC_SECONDS), 0x01);
    ck_assert_uint_eq(cmos_read(RTC_DAY_OF_MONTH), 0x15);
    ck_assert_uint_eq(cmos_read(RTC_DAY_OF_WEEK), 6);  /* 2001-06-15: Friday */
    ck_assert_int_eq(rtc_get_time(rtc), 992608201LL);
}
END_TEST

START_TEST(test_write_while_running)
{
    advance(300 * MS);
    cmos_write(RTC_MINUTES, 0x10);
    ck_assert_uint_eq(cmos_read(RTC_MINUTES), 0x10);
    ck_assert_uint_eq(cmos_read(RTC_SECONDS), 0x58);
    advance(700 * MS);                                 /* sub-second phase kept */
    ck_assert_uint_eq(cmos_read(RTC_SECONDS), 0x59);
}
END_TEST

START_TEST(test_uip)
{
    ck_assert_uint_eq(cmos_read(RTC_REG_A) & 0x80, 0);
    advance(SEC - 245000);
    ck_assert_uint_eq(cmos_read(RTC_REG_A) & 0x80, 0);
    advance(2000);
    ck_assert_uint_eq(cmos_read(RTC_REG_A), 0x80 | 0x26);
    ck_assert_uint_eq(cmos_read(RTC_SECONDS), 0x58);
    advance(243000);
    ck_assert_uint_eq(cmos_read(RTC_REG_A), 0x26);
    ck_assert_uint_eq(cmos_read(RTC_SECONDS), 0x59);
    cmos_write(RTC_REG_A, 0xa6);                       /* UIP is read-only */
    ck_assert_uint_eq(cmos_read(RTC_REG_A), 0x26);
}
END_TEST

START_TEST(test_divider_reset)
{
    advance(200 * MS);
    cmos_write(RTC_REG_A, 0x76);                       /* divider in reset */
    advance(10 * SEC);
    ck_assert_uint_eq(cmos_read(RTC_SECONDS), 0x58);
    ck_assert_uint_eq(cmos_read(RTC_REG_A) & 0x80, 0);
    cmos_write(RTC_REG_A, 0x26);
    advance(499 * MS);
    ck_assert_uint_eq(cmos_read(RTC_SECONDS), 0x58);
    advance(1 * MS);                                   /* first update at 500 ms */
    ck_assert_uint_eq(cmos_read(RTC_SECONDS), 0x59);
    /* Oscillator off (00x) also stops the clock. */
    cmos_write(RTC_REG_A, 0x06);
    advance(3 * SEC);
    ck_assert_uint_eq(cmos_read(RTC_SECONDS), 0x59);
}
END_TEST

START_TEST(test_periodic_interrupt)
{
    cmos_write(RTC_REG_B, 0x02 | RTC_B_PIE);
    ck_assert_int_eq(irq_rec.level, 0);
    uint8_t flags = 0;
    int n = count_irqs(SEC, 100000, &flags);           /* 100 us steps */
    ck_assert_int_eq(n, 1024);
    ck_assert_uint_eq(flags & 0xc0, 0xc0);
    /* 8192 Hz (RS=3), then 2 Hz (RS=15). */
    cmos_write(RTC_REG_A, 0x23);
    n = count_irqs(10 * MS, 50000, NULL);              /* 81.92 periods */
    ck_assert_int_ge(n, 81);
    ck_assert_int_le(n, 82);
    cmos_write(RTC_REG_A, 0x2f);
    (void)cmos_read(RTC_REG_C);
    ck_assert_int_eq(count_irqs(2 * SEC, 10 * MS, NULL), 4);
    /* RS=0: none. */
    cmos_write(RTC_REG_A, 0x20);
    ck_assert_int_eq(count_irqs(SEC, 10 * MS, NULL), 0);
    ck_assert_int_eq(timers_deadline_ns(CLOCK_VIRTUAL) <= SEC, 1); /* update timer only */
}
END_TEST

START_TEST(test_periodic_flag_polled_without_irq)
{
    cmos_write(RTC_REG_A, 0x2f);                       /* 500 ms */
    (void)cmos_read(RTC_REG_C);
    advance(400 * MS);
    ck_assert_uint_eq(cmos_read(RTC_REG_C) & RTC_C_PF, 0);
    advance(100 * MS);
    ck_assert_uint_eq(cmos_read(RTC_REG_C), RTC_C_PF); /* no IRQF without PIE */
    ck_assert_uint_eq(cmos_read(RTC_REG_C), 0);        /* read clears */
    ck_assert_int_eq(irq_rec.level, 0);
    /* Enabling PIE with PF pending raises IRQ8 at once. */
    advance(500 * MS);
    cmos_write(RTC_REG_B, 0x02 | RTC_B_PIE);
    ck_assert_int_eq(irq_rec.level, 1);
    ck_assert_uint_eq(cmos_read(RTC_REG_C) & 0xc0, 0xc0);
    ck_assert_int_eq(irq_rec.level, 0);
}
END_TEST

START_TEST(test_update_ended_interrupt)
{
    cmos_write(RTC_HOURS_ALARM, 0x05);                 /* no alarm at midnight */
    cmos_write(RTC_REG_B, 0x02 | RTC_B_UIE);
    uint8_t flags = 0;
    int n = count_irqs(5 * SEC, 10 * MS, &flags);
    ck_assert_int_eq(n, 5);
    ck_assert_uint_eq(flags & ~RTC_C_PF, 0x90);       /* PF runs regardless */
    ck_assert_int_eq(irq_rec.rises, 5);
}
END_TEST

START_TEST(test_alarm)
{
    /* Alarm at 00:00:01 the next day (BCD, 24h). */
    cmos_write(RTC_SECONDS_ALARM, 0x01);
    cmos_write(RTC_MINUTES_ALARM, 0x00);
    cmos_write(RTC_HOURS_ALARM, 0x00);
    cmos_write(RTC_REG_B, 0x02 | RTC_B_AIE);
    advance(2 * SEC);
    ck_assert_int_eq(irq_rec.level, 0);
    advance(SEC);
    ck_assert_int_eq(irq_rec.level, 1);
    ck_assert_uint_eq(cmos_read(RTC_REG_C) & ~RTC_C_PF, 0x80 | RTC_C_AF | RTC_C_UF);
    ck_assert_int_eq(irq_rec.level, 0);
    advance(SEC);
    ck_assert_int_eq(irq_rec.level, 0);
    /* Don't-care seconds and minutes: every second within hour 0. */
    cmos_write(RTC_SECONDS_ALARM, 0xc0);
    cmos_write(RTC_MINUTES_ALARM, 0xff);
    ck_assert_int_eq(count_irqs(3 * SEC, 10 * MS, NULL), 3);
    /* Hour 5 never matches now. */
    cmos_write(RTC_HOURS_ALARM, 0x05);
    ck_assert_int_eq(count_irqs(3 * SEC, 10 * MS, NULL), 0);
}
END_TEST

START_TEST(test_nvram_and_index)
{
    for (int i = 0x0e; i < 0x80; i++) {
        if (i != RTC_CENTURY)
            cmos_write((uint8_t)i, (uint8_t)(i * 3));
    }
    for (int i = 0x0e; i < 0x80; i++) {
        if (i != RTC_CENTURY)
            ck_assert_uint_eq(cmos_read((uint8_t)i), (uint8_t)(i * 3));
    }
    outb(0x70, 0x80 | 0x20);                           /* NMI off, index 0x20 */
    ck_assert(rtc_nmi_disabled(rtc));
    ck_assert_uint_eq(inb(0x71), 0x60);
    outb(0x70, 0x20);
    ck_assert(!rtc_nmi_disabled(rtc));
    rtc_set_nvram(rtc, 0x34, 0x12);
    ck_assert_uint_eq(rtc_get_nvram(rtc, 0x34), 0x12);
    ck_assert_uint_eq(cmos_read(0x34), 0x12);
    rtc_set_nvram(rtc, 128, 1);
    rtc_set_nvram(rtc, -1, 1);
    ck_assert_uint_eq(rtc_get_nvram(rtc, 128), 0xff);
    ck_assert_uint_eq(rtc_get_nvram(rtc, RTC_REG_D), 0x80);
    /* C and D ignore writes. */
    cmos_write(RTC_REG_C, 0xff);
    cmos_write(RTC_REG_D, 0x00);
    ck_assert_uint_eq(cmos_read(RTC_REG_C), 0x00);
    ck_assert_uint_eq(cmos_read(RTC_REG_D), 0x80);
}
END_TEST

START_TEST(test_reset_clears_enables_and_flags)
{
    cmos_write(0x40, 0x5a);
    cmos_write(RTC_REG_B, 0x02 | RTC_B_UIE | RTC_B_PIE | RTC_B_SQWE);
    advance(SEC);
    ck_assert_int_eq(irq_rec.level, 1);
    rtc_reset(rtc);
    ck_assert_int_eq(irq_rec.level, 0);
    ck_assert_uint_eq(cmos_read(RTC_REG_B), 0x02);
    ck_assert_uint_eq(cmos_read(RTC_REG_C), 0x00);
    ck_assert_uint_eq(cmos_read(0x40), 0x5a);         /* battery-backed */
    ck_assert_uint_eq(cmos_read(RTC_SECONDS), 0x59);
}
END_TEST

START_TEST(test_host_time_mode)
{
    rtc_free(rtc);
    create(-1);
    int64_t host = clock_get_ns(CLOCK_HOST) / SEC;
    int64_t t = rtc_get_time(rtc);
    ck_assert_int_ge(t, host - 2);
    ck_assert_int_le(t, host + 2);
    rtc_free(rtc);
    create(T_LEAP);
}
END_TEST

START_TEST(test_hostile_values)
{
    uint32_t x = 99;
    for (int i = 0; i < 20000; i++) {
        x = x * 1103515245 + 12345;
        uint8_t idx = (uint8_t)(x >> 8);
        if ((x >> 20) & 1)
            idx &= 0x0f;                               /* favour the clock registers */
        cmos_write(idx, (uint8_t)(x >> 16));
        (void)cmos_read((uint8_t)(x >> 24));
        (void)cmos_read((uint8_t)((x >> 4) & 0x0f));
        if (i % 5 == 0)
            advance((x >> 12) & 0xfffffff);
    }
    (void)rtc_get_time(rtc);
    ck_assert_int_eq(address_space_st(&pio.as, 0x70, 0xffff, 2), MEMTX_OK);
    (void)address_space_st(&pio.as, 0x70, 0xffffffff, 4);  /* 0x72-0x73 unassigned */
}
END_TEST

int main(void)
{
    return unit_run_tcase("rtc", "mc146818", setup, teardown, UNIT_TESTS(
        test_power_on_registers, test_bcd_time_and_leap_rollover, test_century_rollover,
        test_binary_and_12_hour, test_set_bit_holds_and_restarts, test_write_while_running,
        test_uip, test_divider_reset, test_periodic_interrupt,
        test_periodic_flag_polled_without_irq, test_update_ended_interrupt, test_alarm,
        test_nvram_and_index, test_reset_clears_enables_and_flags, test_host_time_mode,
        test_hostile_values));
}
