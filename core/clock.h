/*
 * Clocks and timers. CLOCK_VIRTUAL is guest time in nanoseconds: it runs
 * only while the vCPUs run and, with -icount, advances with the number of
 * executed instructions, so that two runs are identical. CLOCK_HOST is
 * wall-clock time (for the RTC's host-time mode); CLOCK_STEADY is the host's
 * monotonic time (timeouts that must not follow guest time). Timer callbacks run with
 * the big lock held.
 */
#ifndef VESSEL_CORE_CLOCK_H
#define VESSEL_CORE_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

typedef enum ClockType { CLOCK_VIRTUAL, CLOCK_HOST, CLOCK_STEADY, CLOCK_MAX } ClockType;

typedef void (*TimerCb)(void *opaque);

typedef struct Timer {
    ClockType clock;
    TimerCb cb;
    void *opaque;
    int64_t expire_ns;   /* -1 when not armed */
    struct Timer *next;  /* armed list, sorted by expire_ns */
} Timer;

void clock_init(void);
int64_t clock_get_ns(ClockType type);

void timer_init(Timer *t, ClockType clock, TimerCb cb, void *opaque);
/* Arm (or re-arm) for absolute time expire_ns on the timer's clock. */
void timer_mod(Timer *t, int64_t expire_ns);
void timer_del(Timer *t);
bool timer_pending(const Timer *t);

/* Earliest deadline on `type` in ns from now, or -1 if none. */
int64_t timers_deadline_ns(ClockType type);
/* Run every expired timer on `type`. Returns true if any ran. */
bool timers_run_expired(ClockType type);

/* Virtual clock control: stopped while the machine is paused. */
void clock_virtual_start(void);
void clock_virtual_stop(void);
/* -icount SHIFT: each instruction is 2^shift ns; negative disables. */
void clock_set_icount(int shift);
bool clock_icount_enabled(void);
/* Called by the accelerator with instructions executed since last call. */
void clock_icount_advance(uint64_t insns);
/* -icount: jump the virtual clock forward (an idle CPU skipping to the next timer). */
void clock_icount_warp(int64_t ns);

/* a * b / c without overflow (96-bit intermediate), for converting between
 * nanoseconds and device tick rates; *rem (if not NULL) gets the remainder. */
uint64_t clock_muldiv64(uint64_t a, uint32_t b, uint32_t c, uint64_t *rem);

#endif
