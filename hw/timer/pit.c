/*
 * i8254 programmable interval timer.
 *
 * Nothing ticks: each counting element (CE) is a function of the virtual
 * clock. A channel remembers the tick at which its count n was loaded
 * (load_tick, on a global grid of 1.193182 MHz ticks) and derives the CE
 * value and the OUT level from d = now - load_tick and its mode. Channel
 * 0's OUT drives IRQ0; a single timer is armed for its next OUT change.
 * Conventions: CE = n at d = 0 (the load clock is not modelled separately);
 * a count written while counting in modes 2 and 3 takes effect at the end of
 * the current period (mode 2) or half-cycle (mode 3), as the data sheet says.
 */
#include "hw/timer/pit.h"

#include <glib.h>

#include "core/clock.h"
#include "core/log.h"

#define NS_PER_SEC 1000000000u
#define REFRESH_NS 15085  /* port 0x61 bit 4 toggles this often */

typedef struct PITChannel {
    uint8_t ctrl;          /* RW, M and BCD bits as programmed (for status) */
    uint8_t mode;          /* 0..5 */
    uint8_t rw;            /* 1 LSB, 2 MSB, 3 LSB then MSB */
    bool bcd;
    bool gate;
    /* count register */
    uint32_t cr;           /* decoded count, 1..65536 (10000 in BCD) */
    bool cr_written;       /* a whole count arrived since the control word */
    uint8_t write_lsb;
    bool write_msb_next;
    bool read_msb_next;
    /* counting element */
    bool counting;         /* CE runs from load_tick (or is paused at paused_d) */
    bool paused;           /* modes 0 and 4 with the gate low */
    uint32_t n;
    int64_t load_tick;
    int64_t paused_d;
    uint32_t held_ce;      /* CE while not counting */
    bool null_count;
    /* a count written during counting in modes 2/3, applied later */
    bool pending;
    uint32_t pending_n;
    int64_t pending_tick;
    int64_t pending_load_tick;
    /* latches */
    bool count_latched;
    bool latch_msb_next;
    uint16_t latched_count;
    bool status_latched;
    uint8_t latched_status;
} PITChannel;

struct PITState {
    PITChannel ch[PIT_NR_CHANNELS];
    IRQLine irq0;
    int irq_level;
    Timer irq_timer;
    int64_t irq_edge_tick;   /* the OUT0 change irq_timer is armed for */
    uint8_t port61;          /* bits 0-3 as written */
    MemoryRegion io;
    MemoryRegion io61;
    MemoryRegion *io_root;
};

/* ---- time ---- */

static int64_t pit_now_tick(void)
{
    int64_t ns = clock_get_ns(CLOCK_VIRTUAL);
    return ns <= 0 ? 0 : (int64_t)clock_muldiv64((uint64_t)ns, PIT_FREQ_HZ, NS_PER_SEC, NULL);
}

/* First virtual-clock ns at which the tick count reaches `tick`. */
static int64_t pit_tick_to_ns(int64_t tick)
{
    uint64_t rem;
    uint64_t ns = clock_muldiv64((uint64_t)tick, NS_PER_SEC, PIT_FREQ_HZ, &rem);
    return (int64_t)(ns + (rem != 0));
}

/* ---- counting element as a function of time ---- */

static uint32_t ch_modulus(const PITChannel *c)
{
    return c->bcd ? 10000 : 65536;
}

/* A count written during counting in modes 2/3 takes over once due. */
static void ch_sync(PITChannel *c, int64_t tick)
{
    if (c->pending && tick >= c->pending_tick) {
        c->pending = false;
        c->n = c->pending_n;
        c->load_tick = c->pending_load_tick;
        c->null_count = false;
    }
}

static int64_t ch_elapsed(const PITChannel *c, int64_t tick)
{
    if (c->paused)
        return c->paused_d;
    return tick > c->load_tick ? tick - c->load_tick : 0;
}

static uint32_t ch_ce_square(uint32_t n, int64_t d)
{
    int64_t phase = d % n;
    int64_t high = (n + 1) / 2;
    int64_t even_n = n & ~1u;
    int64_t ce = phase < high ? even_n - 2 * phase : even_n - 2 * (phase - high);
    return ce < 0 ? 0 : (uint32_t)ce;
}

/* The CE value at `tick` (after ch_sync), before BCD encoding. */
static uint32_t ch_ce(const PITChannel *c, int64_t tick)
{
    if (!c->counting)
        return c->held_ce;
    int64_t d = ch_elapsed(c, tick);
    int64_t m = ch_modulus(c);
    switch (c->mode) {
    case 2:
        return c->n - (uint32_t)(d % c->n);
    case 3:
        return ch_ce_square(c->n, d);
    default: /* 0, 1, 4, 5 count down and wrap */
        return (uint32_t)((((int64_t)c->n - d) % m + m) % m);
    }
}

/* OUT level at `tick` (after ch_sync). */
static int ch_out(const PITChannel *c, int64_t tick)
{
    if (!c->counting)
        return c->mode != 0;  /* mode 0 waits low, the others high */
    int64_t d = ch_elapsed(c, tick);
    int64_t n = c->n;
    switch (c->mode) {
    case 0:
    case 1:
        return d >= n;
    case 2:
        return d % n != n - 1;
    case 3:
        return d % n < (n + 1) / 2;
    default: /* 4, 5: low for the one clock at terminal count */
        return d != n;
    }
}

/* Offset (from load_tick) of the next OUT change after elapsed d, or -1. */
static int64_t ch_next_change_d(const PITChannel *c, int64_t d)
{
    int64_t n = c->n;
    int64_t base = d - d % n;
    switch (c->mode) {
    case 0:
    case 1:
        return d < n ? n : -1;
    case 2:
        if (n == 1)
            return -1;
        return d % n < n - 1 ? base + n - 1 : base + n;
    case 3:
        if (n == 1)
            return -1;
        return d % n < (n + 1) / 2 ? base + (n + 1) / 2 : base + n;
    default:
        return d < n ? n : d == n ? n + 1 : -1;
    }
}

/* Absolute tick of the next OUT change or count switch after `tick`, or -1. */
static int64_t ch_next_event(const PITChannel *c, int64_t tick)
{
    int64_t next = -1;
    if (c->counting && !c->paused) {
        int64_t d = ch_next_change_d(c, ch_elapsed(c, tick));
        if (d >= 0)
            next = c->load_tick + d;
    }
    if (c->pending && (next < 0 || c->pending_tick < next))
        next = c->pending_tick;
    return next;
}

static uint16_t bin_to_bcd16(uint32_t v)
{
    v %= 10000;
    return (uint16_t)((v / 1000) << 12 | (v / 100 % 10) << 8 | (v / 10 % 10) << 4 | v % 10);
}

/* Invalid BCD digits (A-F) simply count as 10-15. */
static uint32_t bcd16_to_bin(uint16_t v)
{
    return (v >> 12) * 1000u + ((v >> 8) & 15) * 100u + ((v >> 4) & 15) * 10u + (v & 15);
}

/* The CE as the guest reads it. */
static uint16_t ch_read_value(const PITChannel *c, int64_t tick)
{
    uint32_t ce = ch_ce(c, tick);
    return c->bcd ? bin_to_bcd16(ce) : (uint16_t)ce;
}

/* ---- IRQ0 ---- */

static void pit_set_irq_level(PITState *s, int level)
{
    if (level != s->irq_level) {
        s->irq_level = level;
        irq_set(&s->irq0, level);
    }
}

static void pit_arm_irq_timer(PITState *s, int64_t tick)
{
    int64_t next = ch_next_event(&s->ch[0], tick);
    if (next < 0) {
        timer_del(&s->irq_timer);
        return;
    }
    s->irq_edge_tick = next;
    timer_mod(&s->irq_timer, pit_tick_to_ns(next));
}

/* After any change to channel 0: OUT0 now and the next change. */
static void pit_update_irq(PITState *s, int64_t tick)
{
    ch_sync(&s->ch[0], tick);
    pit_set_irq_level(s, ch_out(&s->ch[0], tick));
    pit_arm_irq_timer(s, tick);
}

/* The edge the timer was armed for happened, even if we run late. */
static void pit_irq_timer_cb(void *opaque)
{
    PITState *s = opaque;
    PITChannel *c = &s->ch[0];
    int64_t edge = s->irq_edge_tick;
    ch_sync(c, edge);
    pit_set_irq_level(s, ch_out(c, edge));
    pit_update_irq(s, pit_now_tick());
}

static void pit_channel_changed(PITState *s, PITChannel *c, int64_t tick)
{
    if (c == &s->ch[0])
        pit_update_irq(s, tick);
}

/* ---- programming ---- */

static void ch_start(PITChannel *c, int64_t tick)
{
    c->counting = true;
    c->paused = false;
    c->pending = false;
    c->n = c->cr;
    c->load_tick = tick;
    c->null_count = false;
}

static void ch_stop(PITChannel *c, int64_t tick)
{
    c->held_ce = ch_ce(c, tick);
    c->counting = false;
    c->paused = false;
    c->pending = false;
}

/* Modes 2/3: a new count waits for the end of the period / half-cycle. */
static void ch_schedule_count(PITChannel *c, int64_t tick)
{
    int64_t d = ch_elapsed(c, tick);
    int64_t n = c->n;
    int64_t period_start = c->load_tick + d - d % n;
    c->pending = true;
    c->pending_n = c->cr;
    if (c->mode == 3 && d % n < (n + 1) / 2) {
        /* end of the high half: the new count continues with its low half */
        c->pending_tick = period_start + (n + 1) / 2;
        c->pending_load_tick = c->pending_tick - (int64_t)(c->cr + 1) / 2;
    } else {
        c->pending_tick = period_start + n;
        c->pending_load_tick = c->pending_tick;
    }
}

static void ch_load_count(PITChannel *c, uint16_t raw, int64_t tick)
{
    uint32_t v = c->bcd ? bcd16_to_bin(raw) : raw;
    c->cr = v ? v : ch_modulus(c);
    c->cr_written = true;
    c->null_count = true;
    switch (c->mode) {
    case 0:
    case 4:
        ch_start(c, tick);
        if (!c->gate) {
            c->paused = true;
            c->paused_d = 0;
        }
        break;
    case 2:
    case 3:
        if (c->counting)
            ch_schedule_count(c, tick);
        else if (c->gate)
            ch_start(c, tick);
        break;
    default: /* 1, 5: wait for a gate trigger */
        break;
    }
}

static void ch_write_count_byte(PITChannel *c, uint8_t val, int64_t tick)
{
    ch_sync(c, tick);
    switch (c->rw) {
    case 1:
        ch_load_count(c, val, tick);
        break;
    case 2:
        ch_load_count(c, (uint16_t)(val << 8), tick);
        break;
    default:
        if (!c->write_msb_next) {
            c->write_lsb = val;
            c->write_msb_next = true;
            if (c->mode == 0)
                ch_stop(c, tick);  /* the first byte stops mode 0 counting */
        } else {
            c->write_msb_next = false;
            ch_load_count(c, (uint16_t)(c->write_lsb | val << 8), tick);
        }
        break;
    }
}

static void ch_write_control(PITChannel *c, uint8_t val, int64_t tick)
{
    ch_sync(c, tick);
    ch_stop(c, tick);
    c->ctrl = val & 0x3f;
    c->rw = (val >> 4) & 3;
    c->mode = (val >> 1) & 7;
    if (c->mode > 5)
        c->mode &= 3;  /* 6 and 7 are 2 and 3 */
    c->bcd = val & 1;
    c->cr_written = false;
    c->write_msb_next = false;
    c->read_msb_next = false;
    c->count_latched = false;
    c->status_latched = false;
    c->null_count = true;
}

static void ch_latch_count(PITChannel *c, int64_t tick)
{
    if (c->count_latched)
        return;  /* a second latch before reading is ignored */
    ch_sync(c, tick);
    c->latched_count = ch_read_value(c, tick);
    c->count_latched = true;
    c->latch_msb_next = false;
}

static void ch_latch_status(PITChannel *c, int64_t tick)
{
    if (c->status_latched)
        return;
    ch_sync(c, tick);
    c->latched_status = (uint8_t)(ch_out(c, tick) << 7 | c->null_count << 6 | c->ctrl);
    c->status_latched = true;
}

static void pit_read_back(PITState *s, uint8_t val, int64_t tick)
{
    for (int i = 0; i < PIT_NR_CHANNELS; i++) {
        if (!(val & (2 << i)))
            continue;
        if (!(val & 0x10))
            ch_latch_status(&s->ch[i], tick);
        if (!(val & 0x20))
            ch_latch_count(&s->ch[i], tick);
    }
}

static void pit_write_control(PITState *s, uint8_t val, int64_t tick)
{
    int sc = val >> 6;
    if (sc == 3) {
        pit_read_back(s, val, tick);
        return;
    }
    PITChannel *c = &s->ch[sc];
    if ((val & 0x30) == 0) {
        ch_latch_count(c, tick);
        return;
    }
    ch_write_control(c, val, tick);
    pit_channel_changed(s, c, tick);
}

/* Byte of a 16-bit value for the channel's access mode; toggles *msb_next. */
static uint8_t ch_select_byte(const PITChannel *c, uint16_t v, bool *msb_next, bool *done)
{
    bool msb = c->rw == 2 || (c->rw == 3 && *msb_next);
    *done = c->rw != 3 || *msb_next;
    if (c->rw == 3)
        *msb_next = !*msb_next;
    return msb ? (uint8_t)(v >> 8) : (uint8_t)v;
}

static uint8_t ch_read_port(PITChannel *c, int64_t tick)
{
    bool done;
    if (c->status_latched) {
        c->status_latched = false;
        return c->latched_status;
    }
    if (c->count_latched) {
        uint8_t b = ch_select_byte(c, c->latched_count, &c->latch_msb_next, &done);
        if (done)
            c->count_latched = false;
        return b;
    }
    ch_sync(c, tick);
    return ch_select_byte(c, ch_read_value(c, tick), &c->read_msb_next, &done);
}

/* ---- gates ---- */

static void ch_set_gate(PITChannel *c, bool level, int64_t tick)
{
    ch_sync(c, tick);
    if (level == c->gate)
        return;
    c->gate = level;
    switch (c->mode) {
    case 0:
    case 4:
        if (!c->counting)
            break;
        if (!level) {
            c->paused_d = ch_elapsed(c, tick);
            c->paused = true;
        } else {
            c->load_tick = tick - c->paused_d;
            c->paused = false;
        }
        break;
    case 1:
    case 5:
        if (level && c->cr_written)
            ch_start(c, tick);
        break;
    default: /* 2, 3: low stops counting with OUT high, rising reloads */
        if (!level && c->counting)
            ch_stop(c, tick);
        else if (level && c->cr_written)
            ch_start(c, tick);
        break;
    }
}

void pit_set_gate(PITState *s, int channel, bool level)
{
    if (channel < 0 || channel >= PIT_NR_CHANNELS)
        return;
    int64_t tick = pit_now_tick();
    ch_set_gate(&s->ch[channel], level, tick);
    pit_channel_changed(s, &s->ch[channel], tick);
}

int pit_get_out(PITState *s, int channel)
{
    if (channel < 0 || channel >= PIT_NR_CHANNELS)
        return 0;
    int64_t tick = pit_now_tick();
    ch_sync(&s->ch[channel], tick);
    return ch_out(&s->ch[channel], tick);
}

/* ---- port callbacks ---- */

static uint64_t pit_port_read(void *opaque, uint64_t addr, unsigned size)
{
    PITState *s = opaque;
    if (addr >= PIT_NR_CHANNELS)
        return 0xff;  /* the control word register is write-only */
    return ch_read_port(&s->ch[addr], pit_now_tick());
}

static void pit_port_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    PITState *s = opaque;
    int64_t tick = pit_now_tick();
    if (addr >= PIT_NR_CHANNELS) {
        pit_write_control(s, (uint8_t)val, tick);
        return;
    }
    ch_write_count_byte(&s->ch[addr], (uint8_t)val, tick);
    pit_channel_changed(s, &s->ch[addr], tick);
}

static uint64_t port61_read(void *opaque, uint64_t addr, unsigned size)
{
    PITState *s = opaque;
    int64_t ns = clock_get_ns(CLOCK_VIRTUAL);
    int refresh = ns > 0 ? (int)((ns / REFRESH_NS) & 1) : 0;
    return (s->port61 & 0x0f) | refresh << 4 | pit_get_out(s, 2) << 5;
}

static void port61_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    PITState *s = opaque;
    s->port61 = (uint8_t)val & 0x0f;
    pit_set_gate(s, 2, val & 1);
}

const MemoryRegionOps pit_ops = {
    .read = pit_port_read,
    .write = pit_port_write,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

const MemoryRegionOps port61_ops = {
    .read = port61_read,
    .write = port61_write,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

/* ---- lifecycle ---- */

void pit_reset(void *opaque)
{
    PITState *s = opaque;
    timer_del(&s->irq_timer);
    for (int i = 0; i < PIT_NR_CHANNELS; i++) {
        PITChannel *c = &s->ch[i];
        *c = (PITChannel){ 0 };
        c->ctrl = 0x30;
        c->rw = 3;
        c->gate = i != 2;
        c->null_count = true;
    }
    s->port61 = 0;
    s->irq_level = -1;
    pit_update_irq(s, pit_now_tick());
}

PITState *pit_new(const IRQLine *irq0)
{
    PITState *s = g_new0(PITState, 1);
    if (irq0)
        s->irq0 = *irq0;
    timer_init(&s->irq_timer, CLOCK_VIRTUAL, pit_irq_timer_cb, s);
    memory_region_init_io(&s->io, "pit", &pit_ops, s, 4);
    memory_region_init_io(&s->io61, "port61", &port61_ops, s, 1);
    pit_reset(s);
    return s;
}

void pit_map(PITState *s, MemoryRegion *io_root)
{
    s->io_root = io_root;
    memory_region_transaction_begin();
    memory_region_add_subregion(io_root, PIT_PORT, &s->io);
    memory_region_add_subregion(io_root, PIT_PORT61, &s->io61);
    memory_region_transaction_commit();
}

void pit_free(PITState *s)
{
    if (!s)
        return;
    timer_del(&s->irq_timer);
    if (s->io_root) {
        memory_region_transaction_begin();
        memory_region_del_subregion(s->io_root, &s->io);
        memory_region_del_subregion(s->io_root, &s->io61);
        memory_region_transaction_commit();
    }
    g_free(s);
}
