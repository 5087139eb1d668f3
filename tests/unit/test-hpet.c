/*
 * Unit tests for the HPET: capabilities, counter run/halt/write, one-shot
 * and periodic comparators, edge and level interrupts with the status
 * register, 32-bit mode, legacy replacement routing and hostile accesses.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "hw/timer/hpet.h"
#include "unit-test.h"

#define NR_LINES 24
static int level[NR_LINES], edges[NR_LINES];
static IRQLine lines[NR_LINES];
static HPETState *hp;
static int legacy_calls, legacy_state;

static void on_irq(void *opaque, int n, int l)
{
    if (l && !level[n])
        edges[n]++;
    level[n] = l;
}

static void on_legacy(void *opaque, bool on) { legacy_calls++; legacy_state = on; }

static void setup(void)
{
    clock_init();
    clock_set_icount(0);
    memset(level, 0, sizeof(level));
    memset(edges, 0, sizeof(edges));
    legacy_calls = legacy_state = 0;
    for (int i = 0; i < NR_LINES; i++)
        irq_init(&lines[i], on_irq, NULL, i);
    hp = hpet_new(lines, NR_LINES);
    hpet_set_legacy_hook(hp, on_legacy, NULL);
}

static void teardown(void)
{
    hpet_free(hp);
    clock_set_icount(-1);
}

static uint64_t rd64(uint64_t a) { return hpet_mmio_ops.read(hp, a, 8); }
static uint32_t rd32(uint64_t a) { return (uint32_t)hpet_mmio_ops.read(hp, a, 4); }
static void wr64(uint64_t a, uint64_t v) { hpet_mmio_ops.write(hp, a, v, 8); }
static void wr32(uint64_t a, uint32_t v) { hpet_mmio_ops.write(hp, a, v, 4); }
static uint64_t tcfg(int n) { return HPET_REG_TIMER0 + HPET_TIMER_STRIDE * n + HPET_TN_CONFIG; }
static uint64_t tcmp(int n) { return HPET_REG_TIMER0 + HPET_TIMER_STRIDE * n + HPET_TN_CMP; }

static void advance(int64_t ns)
{
    clock_icount_advance((uint64_t)ns);
    timers_run_expired(CLOCK_VIRTUAL);
}

START_TEST(test_capabilities)
{
    uint64_t cap = rd64(HPET_REG_CAP);
    ck_assert_uint_eq(cap & 0xff, 1);
    ck_assert_uint_eq((cap >> 8) & 0x1f, 2);
    ck_assert(cap & (1u << 13));
    ck_assert(cap & (1u << 15));
    ck_assert_uint_eq((cap >> 16) & 0xffff, 0x8086);
    ck_assert_uint_eq(cap >> 32, 10000000);
    ck_assert_uint_eq(rd32(HPET_REG_CAP + 4), 10000000);
    ck_assert_uint_eq(rd64(tcfg(0)) >> 32, HPET_ROUTE_CAP);
    ck_assert(rd64(tcfg(1)) & HPET_TN_PERIODIC_CAP);
    ck_assert(rd64(tcfg(2)) & HPET_TN_SIZE_CAP);
    ck_assert_uint_eq(rd64(tcmp(0)), ~0ull);
    wr64(HPET_REG_CAP, 0);
    ck_assert_uint_eq(rd64(HPET_REG_CAP), cap);
}
END_TEST

START_TEST(test_counter)
{
    advance(1000);
    ck_assert_uint_eq(rd64(HPET_REG_COUNTER), 0);               /* halted */
    wr64(HPET_REG_COUNTER, 0x1234);
    ck_assert_uint_eq(rd64(HPET_REG_COUNTER), 0x1234);
    wr64(HPET_REG_CONFIG, HPET_CFG_ENABLE);
    advance(1000);
    ck_assert_uint_eq(rd64(HPET_REG_COUNTER), 0x1234 + 100);
    wr64(HPET_REG_CONFIG, 0);
    advance(1000);
    ck_assert_uint_eq(rd64(HPET_REG_COUNTER), 0x1234 + 100);
    wr32(HPET_REG_COUNTER + 4, 0x1);                            /* high half */
    ck_assert_uint_eq(rd64(HPET_REG_COUNTER), 0x100001298ull);
    ck_assert_uint_eq(rd32(HPET_REG_COUNTER + 4), 1);
    ck_assert_uint_eq(rd32(HPET_REG_COUNTER), 0x1298);
}
END_TEST

START_TEST(test_oneshot_edge)
{
    wr64(tcfg(2), HPET_TN_INT_ENABLE | (20u << HPET_TN_ROUTE_SHIFT));
    wr64(tcmp(2), 50);                                          /* 500 ns */
    wr64(HPET_REG_CONFIG, HPET_CFG_ENABLE);
    advance(490);
    ck_assert_int_eq(edges[20], 0);
    advance(10);
    ck_assert_int_eq(edges[20], 1);
    ck_assert_int_eq(level[20], 0);
    ck_assert_uint_eq(rd64(HPET_REG_STATUS), 0);
    advance(100000);
    ck_assert_int_eq(edges[20], 1);                             /* 64-bit: once */
}
END_TEST

START_TEST(test_level_status)
{
    wr64(tcfg(2), HPET_TN_LEVEL | (21u << HPET_TN_ROUTE_SHIFT));  /* interrupts disabled */
    wr64(tcmp(2), 10);
    wr64(HPET_REG_CONFIG, HPET_CFG_ENABLE);
    advance(100);
    ck_assert_uint_eq(rd64(HPET_REG_STATUS), 4);                 /* status without IRQ */
    ck_assert_int_eq(level[21], 0);
    wr64(tcfg(2), HPET_TN_LEVEL | HPET_TN_INT_ENABLE | (21u << HPET_TN_ROUTE_SHIFT));
    ck_assert_int_eq(level[21], 1);
    wr64(HPET_REG_STATUS, 4);                                     /* write 1 to clear */
    ck_assert_int_eq(level[21], 0);
    ck_assert_uint_eq(rd64(HPET_REG_STATUS), 0);
}
END_TEST

START_TEST(test_periodic)
{
    wr64(HPET_REG_CONFIG, HPET_CFG_ENABLE);
    advance(1000);                                              /* counter 100 */
    wr64(tcfg(2), HPET_TN_INT_ENABLE | HPET_TN_PERIODIC | HPET_TN_SETVAL |
                  (22u << HPET_TN_ROUTE_SHIFT));
    wr64(tcmp(2), 150);                                         /* first at 150 */
    wr64(tcmp(2), 40);                                          /* then every 40 */
    ck_assert_uint_eq(rd64(tcmp(2)), 150);
    ck_assert(!(rd64(tcfg(2)) & HPET_TN_SETVAL));
    advance(500);
    ck_assert_int_eq(edges[22], 1);
    ck_assert_uint_eq(rd64(tcmp(2)), 190);
    advance(400);
    ck_assert_int_eq(edges[22], 2);
    advance(400);
    advance(400);
    ck_assert_int_eq(edges[22], 4);
    ck_assert_uint_eq(rd64(tcmp(2)), 310);
}
END_TEST

START_TEST(test_32bit_mode)
{
    wr64(tcfg(2), HPET_TN_INT_ENABLE | HPET_TN_32BIT | (23u << HPET_TN_ROUTE_SHIFT));
    ck_assert_uint_eq(rd64(tcmp(2)), 0xffffffffull);
    wr64(HPET_REG_COUNTER, 0x1fffffff0ull);
    wr64(tcmp(2), 0x100000005ull);                              /* high bits dropped */
    ck_assert_uint_eq(rd64(tcmp(2)), 5);
    wr64(HPET_REG_CONFIG, HPET_CFG_ENABLE);
    advance(200);
    ck_assert_int_eq(edges[23], 0);
    advance(10);                                                /* 21 ticks: wraps low 32 bits */
    ck_assert_int_eq(edges[23], 1);
}
END_TEST

START_TEST(test_legacy_replacement)
{
    wr64(tcfg(0), HPET_TN_INT_ENABLE);
    wr64(tcfg(1), HPET_TN_INT_ENABLE);
    wr64(tcmp(0), 10);
    wr64(tcmp(1), 20);
    wr64(HPET_REG_CONFIG, HPET_CFG_ENABLE | HPET_CFG_LEGACY);
    ck_assert_int_eq(legacy_calls, 1);
    ck_assert_int_eq(legacy_state, 1);
    advance(300);
    ck_assert_int_eq(edges[0], 1);
    ck_assert_int_eq(edges[8], 1);
    wr64(HPET_REG_CONFIG, HPET_CFG_ENABLE);
    ck_assert_int_eq(legacy_calls, 2);
    ck_assert_int_eq(legacy_state, 0);
}
END_TEST

START_TEST(test_hostile)
{
    srand(3);
    for (int i = 0; i < 20000; i++) {
        uint64_t addr = ((uint64_t)rand() % HPET_MMIO_SIZE) & ~3ull;
        uint64_t val = ((uint64_t)rand() << 33) ^ ((uint64_t)rand() << 11) ^ (uint64_t)rand();
        if (rand() & 1)
            wr64(addr & ~7ull, val);
        else
            wr32(addr, (uint32_t)val);
        rd32(addr);
        rd64(addr & ~7ull);
        if ((i & 31) == 0)
            advance(rand() % 100000);
    }
    hpet_reset(hp);
    ck_assert_uint_eq(rd64(HPET_REG_CONFIG), 0);
}
END_TEST

int main(void)
{
    return unit_run_tcase("hpet", "core", setup, teardown, UNIT_TESTS(
        test_capabilities, test_counter, test_oneshot_edge, test_level_status, test_periodic,
        test_32bit_mode, test_legacy_replacement, test_hostile));
}
