/*
 * MC146818 real-time clock with CMOS RAM.
 *
 * The time is not ticked: the RTC keeps a guest time in nanoseconds since
 * the epoch at a point of its source clock (CLOCK_HOST in host mode,
 * CLOCK_VIRTUAL with a fixed start time) and derives the time registers
 * from it when read. While SET is 1 or the divider is not running, the
 * time stands still and the registers hold what was last stored or
 * written; when the clock starts again the registers are converted back to
 * a time. Out-of-range register values are normalised arithmetically
 * (month 13 is January of the next year, and so on), never trusted as
 * indexes. The periodic flag is computed lazily from the divider phase; a
 * timer runs for it only while PIE is set. A second timer runs at each
 * second boundary for the update-ended and alarm flags.
 */
#include "hw/timer/rtc.h"

#include <glib.h>

#include "core/clock.h"
#include "core/log.h"

#define NS_PER_SEC 1000000000LL
#define UIP_WINDOW_NS 244000LL  /* UIP is set this long before an update */
#define DIVIDER_HZ 32768u

#define A_DV_MASK 0x70
#define A_DV_NORMAL 0x20
#define A_DV_RESET 0x60         /* 11x: divider chain in reset */
#define A_RS_MASK 0x0f

struct RTCState {
    uint8_t cmos[RTC_NVRAM_SIZE];
    uint8_t index;
    bool nmi_disabled;
    IRQLine irq;
    int irq_level;
    ClockType src;
    /* guest time base_sec + base_frac_ns at source clock time base_src_ns
     * (and frozen there while stopped); seconds and fraction are kept apart
     * so that any year the registers can express fits */
    int64_t base_sec;
    int64_t base_frac_ns;
    int64_t base_src_ns;
    bool stopped;
    /* periodic interrupt: edges at div_anchor_ns + k * period */
    int64_t div_anchor_ns;
    int64_t pf_seen_k;
    Timer periodic_timer;
    Timer update_timer;
    int64_t update_due_sec;
    MemoryRegion io;
    MemoryRegion *io_root;
};

typedef struct RTCTime {
    int64_t year;
    int month, day, hour, min, sec, wday;  /* month 1..12, wday 0 = Sunday */
} RTCTime;

/* ---- arithmetic helpers ---- */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t floor_mod(int64_t a, int64_t b)
{
    return a - floor_div(a, b) * b;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (any month/day). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y += floor_div(m - 1, 12);
    m = floor_mod(m - 1, 12) + 1;
    y -= m <= 2;
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468 + (d - 1);
}

static void civil_from_days(int64_t days, RTCTime *t)
{
    days += 719468;
    int64_t era = floor_div(days, 146097);
    int64_t doe = days - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    t->day = (int)(doy - (153 * mp + 2) / 5 + 1);
    t->month = (int)(mp < 10 ? mp + 3 : mp - 9);
    t->year = yoe + era * 400 + (t->month <= 2);
}

static void time_from_seconds(int64_t secs, RTCTime *t)
{
    int64_t days = floor_div(secs, 86400);
    int64_t rem = secs - days * 86400;
    civil_from_days(days, t);
    t->hour = (int)(rem / 3600);
    t->min = (int)(rem / 60 % 60);
    t->sec = (int)(rem % 60);
    t->wday = (int)floor_mod(days + 4, 7);  /* 1970-01-01 was a Thursday */
}

/* ---- register encoding ---- */

static bool rtc_binary(const RTCState *s)
{
    return s->cmos[RTC_REG_B] & RTC_B_DM_BINARY;
}

static uint8_t rtc_encode(const RTCState *s, int v)
{
    if (rtc_binary(s))
        return (uint8_t)v;
    return (uint8_t)((v / 10 % 10) << 4 | v % 10);
}

/* Invalid BCD digits count as 10..15: defined, if odd. */
static int rtc_decode(const RTCState *s, uint8_t v)
{
    return rtc_binary(s) ? v : (v >> 4) * 10 + (v & 15);
}

static uint8_t rtc_encode_hour(const RTCState *s, int hour)
{
    if (s->cmos[RTC_REG_B] & RTC_B_24H)
        return rtc_encode(s, hour);
    int h12 = hour % 12 ? hour % 12 : 12;
    return rtc_encode(s, h12) | (hour >= 12 ? 0x80 : 0);
}

static int rtc_decode_hour(const RTCState *s, uint8_t v)
{
    if (s->cmos[RTC_REG_B] & RTC_B_24H)
        return rtc_decode(s, v);
    return rtc_decode(s, v & 0x7f) % 12 + (v & 0x80 ? 12 : 0);
}

/* Store a time into the time registers and the century byte. */
static void rtc_store_registers(RTCState *s, int64_t secs)
{
    RTCTime t;
    time_from_seconds(secs, &t);
    s->cmos[RTC_SECONDS] = rtc_encode(s, t.sec);
    s->cmos[RTC_MINUTES] = rtc_encode(s, t.min);
    s->cmos[RTC_HOURS] = rtc_encode_hour(s, t.hour);
    s->cmos[RTC_DAY_OF_WEEK] = rtc_encode(s, t.wday + 1);
    s->cmos[RTC_DAY_OF_MONTH] = rtc_encode(s, t.day);
    s->cmos[RTC_MONTH] = rtc_encode(s, t.month);
    s->cmos[RTC_YEAR] = rtc_encode(s, (int)floor_mod(t.year, 100));
    s->cmos[RTC_CENTURY] = rtc_encode(s, (int)floor_mod(floor_div(t.year, 100), 100));
}

/* The time the registers describe (day of week is not used). */
static int64_t rtc_load_registers(const RTCState *s)
{
    int64_t year = rtc_decode(s, s->cmos[RTC_CENTURY]) * 100LL + rtc_decode(s, s->cmos[RTC_YEAR]);
    int64_t days = days_from_civil(year, rtc_decode(s, s->cmos[RTC_MONTH]),
                                   rtc_decode(s, s->cmos[RTC_DAY_OF_MONTH]));
    return days * 86400 + rtc_decode_hour(s, s->cmos[RTC_HOURS]) * 3600LL +
           rtc_decode(s, s->cmos[RTC_MINUTES]) * 60LL + rtc_decode(s, s->cmos[RTC_SECONDS]);
}

static bool rtc_is_time_register(int index)
{
    return (index <= RTC_YEAR && index != RTC_SECONDS_ALARM && index != RTC_MINUTES_ALARM &&
            index != RTC_HOURS_ALARM) || index == RTC_CENTURY;
}

/* ---- the clock ---- */

static int64_t rtc_src_now(const RTCState *s)
{
    return clock_get_ns(s->src);
}

static bool rtc_divider_running(const RTCState *s)
{
    return (s->cmos[RTC_REG_A] & A_DV_MASK) == A_DV_NORMAL;
}

static bool rtc_should_run(const RTCState *s)
{
    return rtc_divider_running(s) && !(s->cmos[RTC_REG_B] & RTC_B_SET);
}

/* Nanoseconds since base_sec + 0 (the fraction plus the time run since). */
static int64_t rtc_since_base_ns(const RTCState *s)
{
    if (s->stopped)
        return s->base_frac_ns;
    return s->base_frac_ns + (rtc_src_now(s) - s->base_src_ns);
}

static int64_t rtc_time_sec(const RTCState *s)
{
    return s->base_sec + floor_div(rtc_since_base_ns(s), NS_PER_SEC);
}

/* Where in the current second we are, 0..NS_PER_SEC-1. */
static int64_t rtc_time_frac(const RTCState *s)
{
    return floor_mod(rtc_since_base_ns(s), NS_PER_SEC);
}

/* Re-base so that the guest time is now sec + frac_ns. */
static void rtc_set_time(RTCState *s, int64_t sec, int64_t frac_ns)
{
    s->base_sec = sec;
    s->base_frac_ns = frac_ns;
    s->base_src_ns = rtc_src_now(s);
}

/* ---- periodic interrupt ---- */

/* Periodic interval in 32.768 kHz clocks, 0 if off. */
static uint32_t rtc_periodic_clocks(const RTCState *s)
{
    int rs = s->cmos[RTC_REG_A] & A_RS_MASK;
    if (rs == 0 || !rtc_divider_running(s))
        return 0;
    return rs <= 2 ? 1u << (rs + 6) : 1u << (rs - 1);
}

/* Number of periodic edges since the divider started. */
static int64_t rtc_periodic_index(const RTCState *s, uint32_t clocks)
{
    int64_t dt = rtc_src_now(s) - s->div_anchor_ns;
    if (dt <= 0 || !clocks)
        return 0;
    return (int64_t)(clock_muldiv64((uint64_t)dt, DIVIDER_HZ, NS_PER_SEC, NULL) / clocks);
}

static int64_t rtc_periodic_edge_ns(const RTCState *s, int64_t k, uint32_t clocks)
{
    uint64_t rem;
    uint64_t ns = clock_muldiv64((uint64_t)k * clocks, NS_PER_SEC, DIVIDER_HZ, &rem);
    return s->div_anchor_ns + (int64_t)ns + (rem != 0);
}

static void rtc_update_irq(RTCState *s)
{
    uint8_t c = s->cmos[RTC_REG_C] & (RTC_C_PF | RTC_C_AF | RTC_C_UF);
    if (c & s->cmos[RTC_REG_B] & (RTC_B_PIE | RTC_B_AIE | RTC_B_UIE))
        c |= RTC_C_IRQF;
    s->cmos[RTC_REG_C] = c;
    int level = (c & RTC_C_IRQF) != 0;
    if (level != s->irq_level) {
        s->irq_level = level;
        irq_set(&s->irq, level);
    }
}

/* Set PF if a periodic edge passed since we last looked. */
static void rtc_sync_periodic_flag(RTCState *s)
{
    uint32_t clocks = rtc_periodic_clocks(s);
    if (!clocks)
        return;
    int64_t k = rtc_periodic_index(s, clocks);
    if (k > s->pf_seen_k)
        s->cmos[RTC_REG_C] |= RTC_C_PF;
    s->pf_seen_k = k;
}

/* Re-anchor the lazy PF bookkeeping after a rate or divider change. */
static void rtc_restart_periodic_count(RTCState *s)
{
    s->pf_seen_k = rtc_periodic_index(s, rtc_periodic_clocks(s));
}

/* The periodic timer runs only when it can raise IRQ8 (PIE, PF clear). */
static void rtc_arm_periodic(RTCState *s)
{
    uint32_t clocks = rtc_periodic_clocks(s);
    if (!clocks || !(s->cmos[RTC_REG_B] & RTC_B_PIE) || (s->cmos[RTC_REG_C] & RTC_C_PF)) {
        timer_del(&s->periodic_timer);
        return;
    }
    timer_mod(&s->periodic_timer, rtc_periodic_edge_ns(s, s->pf_seen_k + 1, clocks));
}

static void rtc_periodic_cb(void *opaque)
{
    RTCState *s = opaque;
    rtc_sync_periodic_flag(s);
    rtc_update_irq(s);
    rtc_arm_periodic(s);
}

/* ---- update-ended and alarm ---- */

static bool rtc_alarm_field_matches(uint8_t alarm, uint8_t now)
{
    return (alarm & 0xc0) == 0xc0 || alarm == now;
}

static bool rtc_alarm_matches(const RTCState *s, int64_t secs)
{
    RTCTime t;
    time_from_seconds(secs, &t);
    return rtc_alarm_field_matches(s->cmos[RTC_SECONDS_ALARM], rtc_encode(s, t.sec)) &&
           rtc_alarm_field_matches(s->cmos[RTC_MINUTES_ALARM], rtc_encode(s, t.min)) &&
           rtc_alarm_field_matches(s->cmos[RTC_HOURS_ALARM], rtc_encode_hour(s, t.hour));
}

static void rtc_arm_update(RTCState *s)
{
    if (s->stopped) {
        timer_del(&s->update_timer);
        return;
    }
    int64_t next = rtc_time_sec(s) + 1;
    s->update_due_sec = next;
    timer_mod(&s->update_timer,
              s->base_src_ns + ((next - s->base_sec) * NS_PER_SEC - s->base_frac_ns));
}

static void rtc_update_cb(void *opaque)
{
    RTCState *s = opaque;
    int64_t now = rtc_time_sec(s);
    s->cmos[RTC_REG_C] |= RTC_C_UF;
    if (rtc_alarm_matches(s, s->update_due_sec) || rtc_alarm_matches(s, now))
        s->cmos[RTC_REG_C] |= RTC_C_AF;
    rtc_update_irq(s);
    rtc_arm_update(s);
}

/* ---- starting and stopping ---- */

static void rtc_stop_clock(RTCState *s)
{
    if (s->stopped)
        return;
    rtc_set_time(s, rtc_time_sec(s), rtc_time_frac(s));
    s->stopped = true;
    rtc_store_registers(s, s->base_sec);
}

/* Start from the registers; `frac_ns` is where in the second we are. */
static void rtc_start_clock(RTCState *s, int64_t frac_ns)
{
    if (!s->stopped)
        return;
    s->stopped = false;
    rtc_set_time(s, rtc_load_registers(s), frac_ns);
}

/* After a change of register A or the SET bit. */
static void rtc_clock_control_changed(RTCState *s, uint8_t old_a)
{
    bool was_reset = (old_a & A_DV_RESET) == A_DV_RESET;
    bool div_was_running = (old_a & A_DV_MASK) == A_DV_NORMAL;
    if (!rtc_should_run(s)) {
        rtc_stop_clock(s);
    } else if (s->stopped) {
        int64_t frac = s->base_frac_ns;
        /* The first update comes 500 ms after the divider leaves reset. */
        rtc_start_clock(s, was_reset ? NS_PER_SEC / 2 : frac);
    }
    if (rtc_divider_running(s) && !div_was_running) {
        int64_t frac = rtc_time_frac(s);
        s->div_anchor_ns = rtc_src_now(s) - frac;  /* periodic in phase with seconds */
    }
    rtc_restart_periodic_count(s);
    rtc_arm_update(s);
    rtc_arm_periodic(s);
}

/* ---- register access ---- */

static uint8_t rtc_read_reg_a(RTCState *s)
{
    uint8_t a = s->cmos[RTC_REG_A] & 0x7f;
    if (!s->stopped) {
        int64_t to_next = NS_PER_SEC - rtc_time_frac(s);
        if (to_next <= UIP_WINDOW_NS)
            a |= RTC_A_UIP;
    }
    return a;
}

/* Register C: reading returns the flags and clears them. */
static uint8_t rtc_read_reg_c(RTCState *s, bool clear)
{
    rtc_sync_periodic_flag(s);
    rtc_update_irq(s);
    uint8_t c = s->cmos[RTC_REG_C];
    if (clear) {
        s->cmos[RTC_REG_C] = 0;
        rtc_update_irq(s);
        rtc_arm_periodic(s);
    }
    return c;
}

static uint8_t rtc_read(RTCState *s, int index, bool side_effects)
{
    if (rtc_is_time_register(index) && !s->stopped)
        rtc_store_registers(s, rtc_time_sec(s));
    switch (index) {
    case RTC_REG_A:
        return rtc_read_reg_a(s);
    case RTC_REG_C:
        return rtc_read_reg_c(s, side_effects);
    case RTC_REG_D:
        return RTC_D_VRT;
    default:
        return s->cmos[index];
    }
}

static void rtc_write_time_register(RTCState *s, int index, uint8_t val)
{
    if (s->stopped) {
        s->cmos[index] = val;
        return;
    }
    int64_t frac = rtc_time_frac(s);
    rtc_store_registers(s, rtc_time_sec(s));
    s->cmos[index] = val;
    rtc_set_time(s, rtc_load_registers(s), frac);
    rtc_arm_update(s);
}

static void rtc_write_reg_a(RTCState *s, uint8_t val)
{
    uint8_t old = s->cmos[RTC_REG_A];
    rtc_sync_periodic_flag(s);
    s->cmos[RTC_REG_A] = (uint8_t)(val & 0x7f);
    rtc_clock_control_changed(s, old);
    rtc_update_irq(s);
}

static void rtc_write_reg_b(RTCState *s, uint8_t val)
{
    uint8_t old_a = s->cmos[RTC_REG_A];
    if (val & RTC_B_SET)
        val &= ~RTC_B_UIE;  /* SET clears UIE */
    if (!s->stopped)  /* keep the registers right if the format changes */
        rtc_store_registers(s, rtc_time_sec(s));
    rtc_sync_periodic_flag(s);
    bool was_set = s->cmos[RTC_REG_B] & RTC_B_SET;
    s->cmos[RTC_REG_B] = val;
    if (was_set != ((val & RTC_B_SET) != 0))
        rtc_clock_control_changed(s, old_a);
    rtc_update_irq(s);
    rtc_arm_periodic(s);
}

static void rtc_write(RTCState *s, int index, uint8_t val)
{
    if (rtc_is_time_register(index)) {
        rtc_write_time_register(s, index, val);
        return;
    }
    switch (index) {
    case RTC_REG_A:
        rtc_write_reg_a(s, val);
        break;
    case RTC_REG_B:
        rtc_write_reg_b(s, val);
        break;
    case RTC_REG_C:
    case RTC_REG_D:
        break;  /* read-only */
    default:
        s->cmos[index] = val;
        break;
    }
}

/* ---- ports ---- */

static uint64_t rtc_port_read(void *opaque, uint64_t addr, unsigned size)
{
    RTCState *s = opaque;
    if (addr == 0)
        return 0xff;  /* the index register is write-only */
    return rtc_read(s, s->index, true);
}

static void rtc_port_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    RTCState *s = opaque;
    if (addr == 0) {
        s->index = val & 0x7f;
        s->nmi_disabled = (val & 0x80) != 0;
        return;
    }
    rtc_write(s, s->index, (uint8_t)val);
}

const MemoryRegionOps rtc_ops = {
    .read = rtc_port_read,
    .write = rtc_port_write,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

void rtc_set_nvram(RTCState *s, int index, uint8_t value)
{
    if (index >= 0 && index < RTC_NVRAM_SIZE)
        rtc_write(s, index, value);
}

uint8_t rtc_get_nvram(RTCState *s, int index)
{
    if (index < 0 || index >= RTC_NVRAM_SIZE)
        return 0xff;
    return rtc_read(s, index, false);
}

int64_t rtc_get_time(RTCState *s)
{
    return s->stopped ? rtc_load_registers(s) : rtc_time_sec(s);
}

bool rtc_nmi_disabled(const RTCState *s)
{
    return s->nmi_disabled;
}

/* ---- lifecycle ---- */

void rtc_reset(void *opaque)
{
    RTCState *s = opaque;
    s->cmos[RTC_REG_B] &= ~(RTC_B_PIE | RTC_B_AIE | RTC_B_UIE | RTC_B_SQWE);
    s->cmos[RTC_REG_C] = 0;
    rtc_restart_periodic_count(s);
    rtc_update_irq(s);
    rtc_arm_periodic(s);
}

RTCState *rtc_new(const IRQLine *irq8, int64_t start_time)
{
    RTCState *s = g_new0(RTCState, 1);
    if (irq8)
        s->irq = *irq8;
    s->src = start_time < 0 ? CLOCK_HOST : CLOCK_VIRTUAL;
    timer_init(&s->periodic_timer, s->src, rtc_periodic_cb, s);
    timer_init(&s->update_timer, s->src, rtc_update_cb, s);
    s->cmos[RTC_REG_A] = A_DV_NORMAL | 0x06;  /* 32.768 kHz, 1024 Hz */
    s->cmos[RTC_REG_B] = RTC_B_24H;
    s->cmos[RTC_REG_D] = RTC_D_VRT;
    if (start_time < 0) {
        int64_t host = clock_get_ns(CLOCK_HOST);
        rtc_set_time(s, floor_div(host, NS_PER_SEC), floor_mod(host, NS_PER_SEC));
    } else {
        rtc_set_time(s, start_time, 0);
    }
    s->div_anchor_ns = s->base_src_ns - s->base_frac_ns;
    rtc_store_registers(s, rtc_time_sec(s));
    memory_region_init_io(&s->io, "rtc", &rtc_ops, s, 2);
    rtc_reset(s);
    rtc_arm_update(s);
    return s;
}

void rtc_map(RTCState *s, MemoryRegion *io_root)
{
    s->io_root = io_root;
    memory_region_add_subregion(io_root, RTC_PORT, &s->io);
}

void rtc_free(RTCState *s)
{
    if (!s)
        return;
    timer_del(&s->periodic_timer);
    timer_del(&s->update_timer);
    if (s->io_root)
        memory_region_del_subregion(s->io_root, &s->io);
    g_free(s);
}
