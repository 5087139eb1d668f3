/*
 * Clocks and timers. The virtual clock follows host time while the machine
 * runs (frozen while paused), or the instruction count with -icount. Timer
 * lists are protected by the big lock.
 */
#include "core/clock.h"

#include <stdatomic.h>
#include <time.h>

#include "core/main-loop.h"

static Timer *armed[CLOCK_MAX];
static int64_t virtual_offset;      /* virtual = monotonic - offset while running */
static int64_t virtual_frozen_at;   /* value while stopped */
static bool virtual_running;
static int icount_shift = -1;
static atomic_uint_fast64_t icount_insns;
static int64_t icount_base;

static int64_t monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t realtime_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void clock_init(void)
{
    virtual_offset = monotonic_ns();
    virtual_frozen_at = 0;
    virtual_running = false;
}

int64_t clock_get_ns(ClockType type)
{
    switch (type) {
    case CLOCK_VIRTUAL:
        if (icount_shift >= 0)
            return icount_base + (int64_t)(atomic_load(&icount_insns) << icount_shift);
        return virtual_running ? monotonic_ns() - virtual_offset : virtual_frozen_at;
    case CLOCK_HOST:
        return realtime_ns();
    case CLOCK_STEADY:
    default:
        return monotonic_ns();
    }
}

void clock_virtual_start(void)
{
    if (virtual_running)
        return;
    virtual_offset = monotonic_ns() - virtual_frozen_at;
    virtual_running = true;
}

void clock_virtual_stop(void)
{
    if (!virtual_running)
        return;
    virtual_frozen_at = monotonic_ns() - virtual_offset;
    virtual_running = false;
}

void clock_set_icount(int shift)
{
    icount_shift = shift;
    icount_base = 0;
    atomic_store(&icount_insns, 0);
}

bool clock_icount_enabled(void)
{
    return icount_shift >= 0;
}

void clock_icount_advance(uint64_t insns)
{
    atomic_fetch_add(&icount_insns, insns);
}

void clock_icount_warp(int64_t ns)
{
    if (ns > 0)
        icount_base += ns;
}

void timer_init(Timer *t, ClockType clock, TimerCb cb, void *opaque)
{
    t->clock = clock;
    t->cb = cb;
    t->opaque = opaque;
    t->expire_ns = -1;
    t->next = NULL;
}

static void timer_unlink(Timer *t)
{
    for (Timer **pp = &armed[t->clock]; *pp; pp = &(*pp)->next) {
        if (*pp == t) {
            *pp = t->next;
            break;
        }
    }
    t->next = NULL;
    t->expire_ns = -1;
}

void timer_mod(Timer *t, int64_t expire_ns)
{
    if (expire_ns < 0)
        expire_ns = 0;
    timer_unlink(t);
    Timer **pp = &armed[t->clock];
    while (*pp && (*pp)->expire_ns <= expire_ns)
        pp = &(*pp)->next;
    t->expire_ns = expire_ns;
    t->next = *pp;
    bool first = pp == &armed[t->clock];
    *pp = t;
    if (first)
        main_loop_wakeup();
}

void timer_del(Timer *t)
{
    if (t->expire_ns >= 0)
        timer_unlink(t);
}

bool timer_pending(const Timer *t)
{
    return t->expire_ns >= 0;
}

int64_t timers_deadline_ns(ClockType type)
{
    if (!armed[type])
        return -1;
    int64_t d = armed[type]->expire_ns - clock_get_ns(type);
    return d < 0 ? 0 : d;
}

bool timers_run_expired(ClockType type)
{
    bool ran = false;
    int64_t now = clock_get_ns(type);
    /* Bounded, so a timer that keeps re-arming in the past cannot hang us. */
    for (int budget = 10000; budget > 0 && armed[type] && armed[type]->expire_ns <= now; budget--) {
        Timer *t = armed[type];
        timer_unlink(t);
        t->cb(t->opaque);  /* may re-arm itself */
        ran = true;
    }
    return ran;
}

uint64_t clock_muldiv64(uint64_t a, uint32_t b, uint32_t c, uint64_t *rem)
{
    uint64_t lo = (a & 0xffffffffu) * b;
    uint64_t mid = (a >> 32) * b + (lo >> 32);
    uint32_t digits[3] = { (uint32_t)(mid >> 32), (uint32_t)mid, (uint32_t)lo };
    uint64_t q = 0, r = 0;
    for (int i = 0; i < 3; i++) {
        uint64_t cur = (r << 32) | digits[i];
        q = (q << 32) | (cur / c);
        r = cur % c;
    }
    if (rem)
        *rem = r;
    return q;
}
