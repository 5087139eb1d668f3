/*
 * Unit tests for the PIIX4 ACPI PM block: the PM timer's frequency under
 * -icount, its overflow status and SCI, S5 soft-off through PM1a_CNT,
 * the power button and the APM port.
 */
#include <check.h>
#include <glib.h>
#include <stdlib.h>

#include "core/clock.h"
#include "core/runstate.h"
#include "hw/acpi/pm.h"
#include "softmmu/memory.h"
#include "unit-test.h"
#include "unit-io.h"

#define BASE 0x600

static UnitIo pio;
static PMState *pm;
static int sci_level, sci_changes;

static void record_sci(void *opaque, int n, int level)
{
    ck_assert_int_eq(n, PM_SCI_IRQ);
    if (level != sci_level)
        sci_changes++;
    sci_level = level;
}

static void setup(void)
{
    unit_clock_start();   /* 1 ns per instruction */
    unit_io_init(&pio, "io");
    IRQLine sci;
    irq_init(&sci, record_sci, NULL, PM_SCI_IRQ);
    sci_level = 0;
    sci_changes = 0;
    pm = pm_new(&sci);
    pm_map(pm, &pio.root, BASE);
    pm_map_apm(pm, &pio.root);
    runstate_take_request();
}

static void teardown(void)
{
    pm_free(pm);
    unit_io_destroy(&pio);
    clock_set_icount(-1);
}

static uint32_t in(uint16_t port, unsigned size) { return (uint32_t)address_space_ld(&pio.as, port, size, NULL); }
static void out(uint16_t port, uint32_t v, unsigned size) { address_space_st(&pio.as, port, v, size); }

START_TEST(test_timer_frequency)
{
    uint32_t t0 = in(BASE + PM_TMR, 4);
    ck_assert_uint_eq(t0, 0);
    clock_icount_advance(1000000000ull);           /* one second */
    ck_assert_uint_eq(in(BASE + PM_TMR, 4), PM_TIMER_HZ & 0xffffff);
    clock_icount_advance(1000);                      /* 1 us: 3.58 ticks */
    uint32_t t1 = in(BASE + PM_TMR, 4);
    ck_assert_uint_ge(t1 - (PM_TIMER_HZ & 0xffffff), 3);
    ck_assert_uint_le(t1 - (PM_TIMER_HZ & 0xffffff), 4);
    /* 24 bits: wraps after 2^24 ticks (~4.69 s); top byte reads 0. */
    clock_icount_advance(4000000000ull);
    ck_assert_uint_eq(in(BASE + PM_TMR, 4) >> 24, 0);
    ck_assert_uint_eq(in(BASE + PM_TMR, 4), pm_timer_value(pm));
    /* Byte reads of the timer. */
    ck_assert_uint_eq(in(BASE + PM_TMR + 3, 1), 0);
}
END_TEST

START_TEST(test_timer_overflow_sci)
{
    out(BASE + PM1_EN, PM1_TMR, 2);
    ck_assert_int_eq(sci_level, 0);
    /* Bit 23 flips after 2^23 ticks = 2.3435 s. */
    clock_icount_advance(2343000000ull);
    timers_run_expired(CLOCK_VIRTUAL);
    ck_assert_int_eq(sci_level, 0);
    clock_icount_advance(1000000ull);
    ck_assert_int_ge(timers_deadline_ns(CLOCK_VIRTUAL), 0);
    timers_run_expired(CLOCK_VIRTUAL);
    ck_assert_int_eq(sci_level, 1);
    ck_assert_uint_eq(in(BASE + PM1_STS, 2) & PM1_TMR, PM1_TMR);
    out(BASE + PM1_STS, PM1_TMR, 2);                /* write 1 to clear */
    ck_assert_uint_eq(in(BASE + PM1_STS, 2) & PM1_TMR, 0);
    ck_assert_int_eq(sci_level, 0);
    /* Status without enable: no SCI. */
    out(BASE + PM1_EN, 0, 2);
    clock_icount_advance(2400000000ull);
    timers_run_expired(CLOCK_VIRTUAL);
    ck_assert_uint_eq(in(BASE + PM1_STS, 2) & PM1_TMR, PM1_TMR);
    ck_assert_int_eq(sci_level, 0);
}
END_TEST

START_TEST(test_s5_poweroff)
{
    /* SLP_TYP without SLP_EN: nothing. */
    out(BASE + PM1_CNT, PM_SLP_TYP_S5 << PM1_CNT_SLP_TYP_SHIFT | 1, 2);
    ck_assert_int_eq(runstate_take_request(), SHUTDOWN_NONE);
    /* A type that is not S5: ignored. */
    out(BASE + PM1_CNT, 1u << PM1_CNT_SLP_TYP_SHIFT | PM1_CNT_SLP_EN, 2);
    ck_assert_int_eq(runstate_take_request(), SHUTDOWN_NONE);
    out(BASE + PM1_CNT, PM_SLP_TYP_S5 << PM1_CNT_SLP_TYP_SHIFT | PM1_CNT_SLP_EN | 1, 2);
    ck_assert_int_eq(runstate_take_request(), SHUTDOWN_GUEST_POWEROFF);
    /* SLP_EN reads as 0. */
    ck_assert_uint_eq(in(BASE + PM1_CNT, 2) & PM1_CNT_SLP_EN, 0);
    /* Linux writes the high byte alone. */
    out(BASE + PM1_CNT + 1, (PM_SLP_TYP_S5 << 2) | 0x20, 1);
    ck_assert_int_eq(runstate_take_request(), SHUTDOWN_GUEST_POWEROFF);
}
END_TEST

START_TEST(test_power_button)
{
    pm_power_button(pm);
    ck_assert_int_eq(sci_level, 0);                  /* not enabled */
    ck_assert_uint_eq(in(BASE + PM1_STS, 2) & PM1_PWRBTN, PM1_PWRBTN);
    out(BASE + PM1_EN, PM1_PWRBTN, 2);
    ck_assert_int_eq(sci_level, 1);
    out(BASE + PM1_STS + 1, PM1_PWRBTN >> 8, 1);      /* byte write-1-to-clear */
    ck_assert_int_eq(sci_level, 0);
    pm_power_button(pm);
    ck_assert_int_eq(sci_level, 1);
    pm_reset(pm);
    ck_assert_int_eq(sci_level, 0);
    ck_assert_uint_eq(in(BASE + PM1_EN, 2), 0);
    /* GPE0. */
    pm_gpe_event(pm, 3);
    ck_assert_int_eq(sci_level, 0);
    out(BASE + PM_GPE0_EN, 1 << 3, 2);
    ck_assert_int_eq(sci_level, 1);
    out(BASE + PM_GPE0_STS, 1 << 3, 2);
    ck_assert_int_eq(sci_level, 0);
    pm_gpe_event(pm, 99);                            /* ignored */
}
END_TEST

START_TEST(test_apm_and_mapping)
{
    ck_assert_uint_eq(in(BASE + PM1_CNT, 2) & PM1_CNT_SCI_EN, 0);
    out(APM_CNT_PORT, APM_ACPI_ENABLE, 1);
    ck_assert_uint_eq(in(BASE + PM1_CNT, 2) & PM1_CNT_SCI_EN, PM1_CNT_SCI_EN);
    out(APM_CNT_PORT, APM_ACPI_DISABLE, 1);
    ck_assert_uint_eq(in(BASE + PM1_CNT, 2) & PM1_CNT_SCI_EN, 0);
    out(APM_STS_PORT, 0x5a, 1);
    ck_assert_uint_eq(in(APM_STS_PORT, 1), 0x5a);
    /* Moving the block. */
    pm_map(pm, &pio.root, 0xb000);
    ck_assert_uint_eq(in(BASE + PM1_EN, 2), 0xffff);  /* unassigned now */
    out(0xb000 + PM1_EN, PM1_PWRBTN, 2);
    ck_assert_uint_eq(in(0xb000 + PM1_EN, 2), PM1_PWRBTN);
    pm_map(pm, &pio.root, 0xffe0);                     /* does not fit: unmapped */
    ck_assert(!pm_is_mapped(pm, NULL));
    /* Unknown registers read 0. */
    pm_map(pm, &pio.root, BASE);
    ck_assert_uint_eq(in(BASE + 0x30, 4), 0);
}
END_TEST

int main(void)
{
    return unit_run_tcase("pm", "core", setup, teardown, UNIT_TESTS(
        test_timer_frequency, test_timer_overflow_sci, test_s5_poweroff, test_power_button,
        test_apm_and_mapping));
}
