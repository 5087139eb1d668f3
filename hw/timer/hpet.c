/*
 * HPET: main counter on the virtual clock, three comparators.
 *
 * Model choices (all guest-visible behaviour is defined):
 * - The counter runs at 100 MHz (10 ns per tick) while GEN_CONF.ENABLE is
 *   set; it may be written at any time (the spec asks software to halt it).
 * - One-shot 64-bit comparators fire once when the counter reaches them;
 *   in 32-bit mode they fire again at every 2^32-tick wrap.
 * - Periodic: a comparator write sets the period (the "accumulator"); with
 *   Tn_VAL_SET_CNF it also sets the comparator, and VAL_SET self-clears.
 *   After firing the comparator advances by whole periods past the counter.
 * - Level mode sets GINTR_STA even with Tn_INT_ENB_CNF clear; the line is
 *   asserted while status, INT_ENB and GEN_CONF.ENABLE are all set. Edge
 *   mode pulses the line. Routes outside the lines given are not wired.
 * - FSB delivery is not offered (capability 0); its registers read 0.
 * - 32- and 64-bit accesses; a 32-bit access reads/writes half a register.
 */
#include "hw/timer/hpet.h"

#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"

#define TN_WRITABLE (HPET_TN_LEVEL | HPET_TN_INT_ENABLE | HPET_TN_PERIODIC | HPET_TN_SETVAL | \
                     HPET_TN_32BIT | HPET_TN_ROUTE_MASK)
#define NEVER_TICKS (1ull << 58)

typedef struct HPETTimer {
    struct HPETState *hpet;
    int index;
    uint64_t config;
    uint64_t cmp;
    uint64_t period;
    Timer timer;
} HPETTimer;

struct HPETState {
    uint64_t config;
    uint64_t status;
    uint64_t counter_base;    /* counter at base_ns (the value while halted) */
    int64_t base_ns;
    HPETTimer t[HPET_NUM_TIMERS];
    IRQLine lines[HPET_MAX_LINES];
    int nr_lines;
    uint32_t line_level;
    void (*legacy_hook)(void *opaque, bool legacy);
    void *legacy_opaque;
    MemoryRegion mmio;
    MemoryRegion *parent;
};

static bool hpet_enabled(const HPETState *s) { return s->config & HPET_CFG_ENABLE; }
bool hpet_legacy_active(const HPETState *s) { return s->config & HPET_CFG_LEGACY; }
static bool timer_is_32bit(const HPETTimer *t) { return t->config & HPET_TN_32BIT; }

static uint64_t counter_now(const HPETState *s, int64_t now)
{
    if (!hpet_enabled(s) || now <= s->base_ns)
        return s->counter_base;
    return s->counter_base + (uint64_t)(now - s->base_ns) / HPET_NS_PER_TICK;
}

/* The line a timer drives, or -1. */
static int timer_line(const HPETTimer *t)
{
    const HPETState *s = t->hpet;
    int line = (int)((t->config & HPET_TN_ROUTE_MASK) >> HPET_TN_ROUTE_SHIFT);
    if (hpet_legacy_active(s) && t->index < 2)
        line = t->index == 0 ? 0 : 8;
    return line < s->nr_lines ? line : -1;
}

static void update_lines(HPETState *s)
{
    uint32_t level = 0;
    for (int i = 0; i < HPET_NUM_TIMERS && hpet_enabled(s); i++) {
        const HPETTimer *t = &s->t[i];
        int line = timer_line(t);
        if (line >= 0 && (t->config & HPET_TN_LEVEL) && (t->config & HPET_TN_INT_ENABLE) &&
            (s->status & (1u << i)))
            level |= 1u << line;
    }
    uint32_t changed = level ^ s->line_level;
    s->line_level = level;
    for (int line = 0; line < s->nr_lines; line++)
        if (changed & (1u << line))
            irq_set(&s->lines[line], (level >> line) & 1);
}

static void raise_timer_irq(HPETTimer *t)
{
    HPETState *s = t->hpet;
    if (t->config & HPET_TN_LEVEL) {
        s->status |= 1u << t->index;
        update_lines(s);
        return;
    }
    int line = timer_line(t);
    if (line >= 0 && (t->config & HPET_TN_INT_ENABLE) && !(s->line_level & (1u << line)))
        irq_pulse(&s->lines[line]);
}

/* Arm for the next time the counter equals the comparator. With `strict`,
 * a match right now does not count (the timer just fired). */
static void timer_arm(HPETTimer *t, bool strict)
{
    HPETState *s = t->hpet;
    if (!hpet_enabled(s)) {
        timer_del(&t->timer);
        return;
    }
    uint64_t c = counter_now(s, clock_get_ns(CLOCK_VIRTUAL));
    uint64_t diff = timer_is_32bit(t) ? (uint32_t)(t->cmp - c) : t->cmp - c;
    if (diff == 0 && strict)
        diff = timer_is_32bit(t) ? 1ull << 32 : NEVER_TICKS;
    if (diff >= NEVER_TICKS) {
        timer_del(&t->timer);
        return;
    }
    uint64_t ticks = c + diff - s->counter_base;
    timer_mod(&t->timer, s->base_ns + (int64_t)(ticks * HPET_NS_PER_TICK));
}

static void timer_advance_periodic(HPETTimer *t, uint64_t c)
{
    uint64_t mask = timer_is_32bit(t) ? 0xffffffffull : ~0ull;
    uint64_t period = t->period & mask;
    if (period == 0)
        return;
    uint64_t behind = (c - t->cmp) & mask;        /* ticks since the match */
    uint64_t k = behind / period + 1;
    t->cmp = (t->cmp + k * period) & mask;
}

static void timer_expired(void *opaque)
{
    HPETTimer *t = opaque;
    HPETState *s = t->hpet;
    if (!hpet_enabled(s))
        return;
    uint64_t c = counter_now(s, clock_get_ns(CLOCK_VIRTUAL));
    raise_timer_irq(t);
    if (t->config & HPET_TN_PERIODIC) {
        timer_advance_periodic(t, c);
        if ((t->period & (timer_is_32bit(t) ? 0xffffffffull : ~0ull)) == 0)
            return;
    }
    timer_arm(t, true);
}

static void arm_all(HPETState *s)
{
    for (int i = 0; i < HPET_NUM_TIMERS; i++)
        timer_arm(&s->t[i], false);
}

/* ---- register reads ---- */
static uint64_t read_capabilities(void)
{
    return 0x01 | ((HPET_NUM_TIMERS - 1) << 8) | (1u << 13) | (1u << 15) |
           (0x8086u << 16) | (HPET_PERIOD_FS << 32);
}

static uint64_t read_timer_reg(HPETState *s, const HPETTimer *t, uint64_t reg)
{
    switch (reg) {
    case HPET_TN_CONFIG:
        return t->config | HPET_TN_PERIODIC_CAP | HPET_TN_SIZE_CAP | ((uint64_t)HPET_ROUTE_CAP << 32);
    case HPET_TN_CMP:
        return timer_is_32bit(t) ? (uint32_t)t->cmp : t->cmp;
    default:
        return 0;
    }
}

static uint64_t read_reg64(HPETState *s, uint64_t reg)
{
    if (reg >= HPET_REG_TIMER0 && reg < HPET_REG_TIMER0 + HPET_NUM_TIMERS * HPET_TIMER_STRIDE) {
        uint64_t n = (reg - HPET_REG_TIMER0) / HPET_TIMER_STRIDE;
        return read_timer_reg(s, &s->t[n], (reg - HPET_REG_TIMER0) % HPET_TIMER_STRIDE);
    }
    switch (reg) {
    case HPET_REG_CAP: return read_capabilities();
    case HPET_REG_CONFIG: return s->config;
    case HPET_REG_STATUS: return s->status;
    case HPET_REG_COUNTER: return counter_now(s, clock_get_ns(CLOCK_VIRTUAL));
    default: return 0;
    }
}

static uint64_t hpet_read(void *opaque, uint64_t addr, unsigned size)
{
    uint64_t val = read_reg64(opaque, addr & ~7ull);
    if (size == 8)
        return val;
    return (uint32_t)(val >> ((addr & 4) * 8));
}

/* ---- register writes ---- */
static uint64_t merge(uint64_t old, uint64_t val, uint64_t mask)
{
    return (old & ~mask) | (val & mask);
}

static void write_config(HPETState *s, uint64_t val)
{
    int64_t now = clock_get_ns(CLOCK_VIRTUAL);
    uint64_t c = counter_now(s, now);
    bool old_legacy = hpet_legacy_active(s);
    s->config = val & (HPET_CFG_ENABLE | HPET_CFG_LEGACY);
    s->counter_base = c;
    s->base_ns = now;
    arm_all(s);
    update_lines(s);
    if (old_legacy != hpet_legacy_active(s) && s->legacy_hook)
        s->legacy_hook(s->legacy_opaque, hpet_legacy_active(s));
}

static void write_counter(HPETState *s, uint64_t val, uint64_t mask)
{
    int64_t now = clock_get_ns(CLOCK_VIRTUAL);
    s->counter_base = merge(counter_now(s, now), val, mask);
    s->base_ns = now;
    arm_all(s);
}

static void write_timer_config(HPETTimer *t, uint64_t val, uint64_t mask)
{
    HPETState *s = t->hpet;
    t->config = merge(t->config, val, mask) & TN_WRITABLE;
    if (!(t->config & HPET_TN_LEVEL))
        s->status &= ~(1ull << t->index);
    if (timer_is_32bit(t)) {
        t->cmp = (uint32_t)t->cmp;
        t->period = (uint32_t)t->period;
    }
    timer_arm(t, false);
    update_lines(s);
}

static void write_timer_cmp(HPETTimer *t, uint64_t val, uint64_t mask)
{
    if (timer_is_32bit(t))
        mask &= 0xffffffffull;
    bool periodic = t->config & HPET_TN_PERIODIC;
    if (!periodic || (t->config & HPET_TN_SETVAL))
        t->cmp = merge(t->cmp, val, mask);
    if (periodic)
        t->period = merge(t->period, val, mask);
    t->config &= ~(uint64_t)HPET_TN_SETVAL;
    timer_arm(t, false);
}

static void write_reg64(HPETState *s, uint64_t reg, uint64_t val, uint64_t mask)
{
    if (reg >= HPET_REG_TIMER0 && reg < HPET_REG_TIMER0 + HPET_NUM_TIMERS * HPET_TIMER_STRIDE) {
        HPETTimer *t = &s->t[(reg - HPET_REG_TIMER0) / HPET_TIMER_STRIDE];
        uint64_t r = (reg - HPET_REG_TIMER0) % HPET_TIMER_STRIDE;
        if (r == HPET_TN_CONFIG)
            write_timer_config(t, val, mask);
        else if (r == HPET_TN_CMP)
            write_timer_cmp(t, val, mask);
        return;
    }
    switch (reg) {
    case HPET_REG_CONFIG: write_config(s, merge(s->config, val, mask)); break;
    case HPET_REG_STATUS: s->status &= ~(val & mask); update_lines(s); break;
    case HPET_REG_COUNTER: write_counter(s, val, mask); break;
    default:
        log_mask(LOG_GUEST_ERROR, "hpet: write to %#llx ignored\n", (unsigned long long)reg);
        break;
    }
}

static void hpet_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    if (size == 8) {
        write_reg64(opaque, addr & ~7ull, val, ~0ull);
        return;
    }
    unsigned shift = (addr & 4) * 8;
    write_reg64(opaque, addr & ~7ull, (val & 0xffffffffull) << shift, 0xffffffffull << shift);
}

const MemoryRegionOps hpet_mmio_ops = {
    .read = hpet_read,
    .write = hpet_write,
    .valid = { .min_access_size = 4, .max_access_size = 8 },
    .impl = { .min_access_size = 4, .max_access_size = 8 },
};

/* ---- lifecycle ---- */
void hpet_reset(HPETState *s)
{
    bool old_legacy = hpet_legacy_active(s);
    s->config = 0;
    s->status = 0;
    s->counter_base = 0;
    s->base_ns = clock_get_ns(CLOCK_VIRTUAL);
    for (int i = 0; i < HPET_NUM_TIMERS; i++) {
        HPETTimer *t = &s->t[i];
        timer_del(&t->timer);
        t->config = 0;
        t->cmp = ~0ull;
        t->period = 0;
    }
    update_lines(s);
    if (old_legacy && s->legacy_hook)
        s->legacy_hook(s->legacy_opaque, false);
}

HPETState *hpet_new(const IRQLine *lines, int nr_lines)
{
    HPETState *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->nr_lines = nr_lines < 0 ? 0 : nr_lines > HPET_MAX_LINES ? HPET_MAX_LINES : nr_lines;
    if (lines)
        memcpy(s->lines, lines, (size_t)s->nr_lines * sizeof(IRQLine));
    for (int i = 0; i < HPET_NUM_TIMERS; i++) {
        s->t[i].hpet = s;
        s->t[i].index = i;
        timer_init(&s->t[i].timer, CLOCK_VIRTUAL, timer_expired, &s->t[i]);
    }
    hpet_reset(s);
    memory_region_init_io(&s->mmio, "hpet", &hpet_mmio_ops, s, HPET_MMIO_SIZE);
    return s;
}

void hpet_set_legacy_hook(HPETState *s, void (*fn)(void *opaque, bool legacy), void *opaque)
{
    s->legacy_hook = fn;
    s->legacy_opaque = opaque;
}

void hpet_map(HPETState *s, MemoryRegion *sysroot, uint64_t base)
{
    memory_region_add_subregion(sysroot, base, &s->mmio);
    s->parent = sysroot;
}

void hpet_free(HPETState *s)
{
    if (!s)
        return;
    for (int i = 0; i < HPET_NUM_TIMERS; i++)
        timer_del(&s->t[i].timer);
    if (s->parent)
        memory_region_del_subregion(s->parent, &s->mmio);
    memory_region_destroy(&s->mmio);
    free(s);
}
