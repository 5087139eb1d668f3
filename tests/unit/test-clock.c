/*
 * Unit tests for clocks and timers: ordering, re-arming, deletion, the
 * virtual clock stopping while paused, and -icount determinism.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "unit-test.h"

static int fired[8];
static int order[8];
static int nr_order;

static void on_timer(void *opaque)
{
    int id = (int)(intptr_t)opaque;
    fired[id]++;
    order[nr_order++] = id;
}

static void reset_counts(void)
{
    memset(fired, 0, sizeof(fired));
    nr_order = 0;
}

START_TEST(test_icount_timers_in_order)
{
    Timer a, b, c;
    reset_counts();
    clock_init();
    clock_set_icount(0);  /* 1 ns per instruction */
    timer_init(&a, CLOCK_VIRTUAL, on_timer, (void *)1);
    timer_init(&b, CLOCK_VIRTUAL, on_timer, (void *)2);
    timer_init(&c, CLOCK_VIRTUAL, on_timer, (void *)3);
    timer_mod(&a, 300);
    timer_mod(&b, 100);
    timer_mod(&c, 200);
    ck_assert_int_eq(timers_deadline_ns(CLOCK_VIRTUAL), 100);
    clock_icount_advance(150);
    ck_assert(timers_run_expired(CLOCK_VIRTUAL));
    ck_assert_int_eq(nr_order, 1);
    ck_assert_int_eq(order[0], 2);
    ck_assert(!timer_pending(&b));
    ck_assert_int_eq(timers_deadline_ns(CLOCK_VIRTUAL), 50);
    timer_del(&c);
    clock_icount_advance(1000);
    timers_run_expired(CLOCK_VIRTUAL);
    ck_assert_int_eq(nr_order, 2);
    ck_assert_int_eq(order[1], 1);
    ck_assert_int_eq(fired[3], 0);
    ck_assert_int_eq(timers_deadline_ns(CLOCK_VIRTUAL), -1);
    clock_set_icount(-1);
}
END_TEST

START_TEST(test_icount_shift_and_warp)
{
    clock_init();
    clock_set_icount(3);
    ck_assert_int_eq(clock_get_ns(CLOCK_VIRTUAL), 0);
    clock_icount_advance(10);
    ck_assert_int_eq(clock_get_ns(CLOCK_VIRTUAL), 80);
    clock_icount_warp(1000);
    ck_assert_int_eq(clock_get_ns(CLOCK_VIRTUAL), 1080);
    clock_set_icount(-1);
}
END_TEST

START_TEST(test_virtual_clock_pauses)
{
    clock_init();
    int64_t t0 = clock_get_ns(CLOCK_VIRTUAL);
    ck_assert_int_eq(t0, 0);  /* not started yet */
    clock_virtual_start();
    struct timespec ts = { 0, 2000000 };
    nanosleep(&ts, NULL);
    clock_virtual_stop();
    int64_t t1 = clock_get_ns(CLOCK_VIRTUAL);
    ck_assert_int_ge(t1, 2000000);
    nanosleep(&ts, NULL);
    ck_assert_int_eq(clock_get_ns(CLOCK_VIRTUAL), t1);  /* frozen while stopped */
    clock_virtual_start();
    ck_assert_int_ge(clock_get_ns(CLOCK_VIRTUAL), t1);
    clock_virtual_stop();
}
END_TEST

static Timer self_rearming;
static int rearm_count;

static void rearm(void *opaque)
{
    if (++rearm_count < 5)
        timer_mod(&self_rearming, clock_get_ns(CLOCK_VIRTUAL) + 10);
}

START_TEST(test_rearm_from_callback)
{
    clock_init();
    clock_set_icount(0);
    rearm_count = 0;
    timer_init(&self_rearming, CLOCK_VIRTUAL, rearm, NULL);
    timer_mod(&self_rearming, 10);
    for (int i = 0; i < 10; i++) {
        clock_icount_advance(10);
        timers_run_expired(CLOCK_VIRTUAL);
    }
    ck_assert_int_eq(rearm_count, 5);
    ck_assert(!timer_pending(&self_rearming));
    clock_set_icount(-1);
}
END_TEST

START_TEST(test_muldiv64_wide_products)
{
    uint64_t rem = 99;
    /* (2^64-1) * 1e9 / 1193182 needs the 96-bit intermediate. */
    ck_assert_uint_eq(clock_muldiv64(UINT64_MAX, 1000000000u, 1193182u, &rem),
                      (uint64_t)(((unsigned __int128)UINT64_MAX * 1000000000u) / 1193182u));
    ck_assert_uint_eq(rem, (uint64_t)(((unsigned __int128)UINT64_MAX * 1000000000u) % 1193182u));
    ck_assert_uint_eq(clock_muldiv64(3000000000ull, 1193182u, 1000000000u, NULL), 3579546u);
    ck_assert_uint_eq(clock_muldiv64(0, 7u, 3u, &rem), 0);
    ck_assert_uint_eq(rem, 0);
}
END_TEST

int main(void)
{
    return unit_run_tcase("clock", "timers", NULL, NULL, UNIT_TESTS(
        test_icount_timers_in_order, test_icount_shift_and_warp, test_virtual_clock_pauses,
        test_rearm_from_callback, test_muldiv64_wide_products));
}
