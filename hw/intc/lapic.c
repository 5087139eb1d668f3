/*
 * Local APIC in xAPIC mode (Intel SDM vol. 3 ch. 11), and the APIC bus.
 *
 * Model choices (all guest-visible behaviour is defined):
 * - IPIs are delivered synchronously, so ICR.delivery-status always reads 0.
 * - The timer counts at 1 GHz (one bus tick per virtual-clock ns) before the
 *   divider. Changing between TSC-deadline and the other modes disarms it.
 * - The BSP's LINT0 resets to ExtINT unmasked (virtual wire), so the 8259
 *   works before firmware programs the APIC; ExtINT pass-through works while
 *   the APIC is software-disabled, and with the APIC globally disabled
 *   (IA32_APIC_BASE.EN = 0) LINT0 is the INTR pin and LINT1 is NMI.
 * - Fixed interrupts are dropped while software-disabled. Vectors 0-15 set
 *   ESR "send/receive illegal vector" and are not delivered. Unaligned or
 *   non-32-bit writes and reserved registers are ignored (ESR bit 7).
 * - No EOI-broadcast suppression, no x2APIC.
 */
#include "hw/intc/lapic.h"

#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"

enum { LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR, LVT_NR };

static const uint32_t lvt_write_mask[LVT_NR] = {
    [LVT_TIMER] = 0x700ff, [LVT_THERMAL] = 0x107ff, [LVT_PERF] = 0x107ff,
    [LVT_LINT0] = 0x1a7ff, [LVT_LINT1] = 0x1a7ff, [LVT_ERROR] = 0x100ff,
};

struct LAPICState {
    APICBus *bus;
    const LAPICCpuOps *ops;
    void *cpu;
    bool bsp;
    uint8_t initial_id;
    uint64_t base;            /* IA32_APIC_BASE value */
    uint32_t id, tpr, ldr, dfr, svr;
    uint32_t isr[8], tmr[8], irr[8];
    uint32_t esr, esr_pending;
    uint32_t icr_lo, icr_hi;
    uint32_t lvt[LVT_NR];
    uint32_t timer_initial, timer_dcr;
    int64_t timer_start_ns;   /* when the current period began */
    bool timer_running;
    uint64_t tsc_deadline;
    uint64_t tsc_hz;
    Timer timer;
    int lint_level[2];
    bool extint_bus_pending;  /* ExtINT message from the IOAPIC */
    int intr_level;           /* last level given to the CPU, -1 unknown */
    int (*extint_ack)(void *opaque);
    void *extint_opaque;
    void (*base_hook)(void *opaque, LAPICState *s, uint64_t base);
    void *base_hook_opaque;
};

/* ---- 256-bit vector registers ---- */
static void vec_set(uint32_t *r, int v) { r[v >> 5] |= 1u << (v & 31); }
static void vec_clear(uint32_t *r, int v) { r[v >> 5] &= ~(1u << (v & 31)); }
static bool vec_test(const uint32_t *r, int v) { return r[v >> 5] & (1u << (v & 31)); }

static int vec_highest(const uint32_t *r)
{
    for (int i = 7; i >= 0; i--)
        if (r[i])
            return i * 32 + 31 - __builtin_clz(r[i]);
    return -1;
}

/* ---- state helpers ---- */
static bool hw_enabled(const LAPICState *s) { return s->base & APIC_BASE_ENABLE; }
static bool sw_enabled(const LAPICState *s) { return s->svr & APIC_SVR_ENABLE; }
static int lvt_mode(uint32_t lvt) { return (lvt >> 8) & 7; }
static bool lvt_masked(uint32_t lvt) { return lvt & APIC_LVT_MASKED; }

static uint32_t lapic_ppr(const LAPICState *s)
{
    int isrv = vec_highest(s->isr);
    uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;
    return (s->tpr & 0xf0) >= isr_class ? s->tpr & 0xff : isr_class;
}

static uint32_t lapic_apr(const LAPICState *s)
{
    int isrv = vec_highest(s->isr), irrv = vec_highest(s->irr);
    uint32_t top = 0;
    if (isrv > 0)
        top = (uint32_t)isrv & 0xf0;
    if (irrv > 0 && ((uint32_t)irrv & 0xf0) > top)
        top = (uint32_t)irrv & 0xf0;
    return (s->tpr & 0xf0) >= top ? s->tpr & 0xff : top;
}

/* The IRR vector the CPU would take now, or -1. */
static int deliverable_vector(const LAPICState *s)
{
    if (!hw_enabled(s) || !sw_enabled(s))
        return -1;
    int v = vec_highest(s->irr);
    if (v < 0 || ((uint32_t)v & 0xf0) <= (lapic_ppr(s) & 0xf0))
        return -1;
    return v;
}

static bool extint_pending(const LAPICState *s)
{
    if (!hw_enabled(s))
        return s->lint_level[0];
    uint32_t lvt0 = s->lvt[LVT_LINT0];
    bool lint0 = !lvt_masked(lvt0) && lvt_mode(lvt0) == APIC_DM_EXTINT && s->lint_level[0];
    return lint0 || s->extint_bus_pending;
}

static void update_intr(LAPICState *s)
{
    int level = deliverable_vector(s) >= 0 || extint_pending(s);
    if (level != s->intr_level) {
        s->intr_level = level;
        if (s->ops && s->ops->set_intr)
            s->ops->set_intr(s->cpu, level);
    }
}

/* ---- errors ---- */
static void signal_error(LAPICState *s, uint32_t bits)
{
    if ((s->esr_pending & bits) == bits)
        return;
    s->esr_pending |= bits;
    uint32_t lvt = s->lvt[LVT_ERROR];
    if (!lvt_masked(lvt))
        lapic_accept_irq(s, lvt & 0xff, false, APIC_DM_FIXED);
}

/* ---- accepting interrupts ---- */
static void accept_fixed(LAPICState *s, int vector, bool level)
{
    if (!hw_enabled(s) || !sw_enabled(s))
        return;
    if (vector < 16) {
        signal_error(s, APIC_ESR_RECV_ILLEGAL_VECTOR);
        return;
    }
    vec_set(s->irr, vector);
    if (level)
        vec_set(s->tmr, vector);
    else
        vec_clear(s->tmr, vector);
    update_intr(s);
}

static void lapic_init_state(LAPICState *s);

static void accept_init(LAPICState *s)
{
    lapic_init_state(s);
    if (s->ops && s->ops->raise_init)
        s->ops->raise_init(s->cpu);
}

void lapic_accept_irq(LAPICState *s, int vector, bool level_trigger, int delivery_mode)
{
    vector &= 0xff;
    switch (delivery_mode) {
    case APIC_DM_FIXED:
    case APIC_DM_LOWEST:
        accept_fixed(s, vector, level_trigger);
        break;
    case APIC_DM_NMI:
        if (hw_enabled(s) && s->ops && s->ops->raise_nmi)
            s->ops->raise_nmi(s->cpu);
        break;
    case APIC_DM_INIT:
        if (hw_enabled(s))
            accept_init(s);
        break;
    case APIC_DM_SIPI:
        if (hw_enabled(s) && s->ops && s->ops->raise_sipi)
            s->ops->raise_sipi(s->cpu, vector);
        break;
    case APIC_DM_EXTINT:
        if (hw_enabled(s)) {
            s->extint_bus_pending = true;
            update_intr(s);
        }
        break;
    default:
        log_mask(LOG_UNIMP, "lapic: delivery mode %d ignored\n", delivery_mode);
        break;
    }
}

/* ---- LINT pins ---- */
static void lint_fire(LAPICState *s, int n)
{
    uint32_t lvt = s->lvt[LVT_LINT0 + n];
    int mode = lvt_mode(lvt);
    bool level = (lvt & APIC_LVT_LEVEL) && mode == APIC_DM_FIXED;
    if (level) {
        if (lvt & APIC_LVT_REMOTE_IRR)
            return;
        s->lvt[LVT_LINT0 + n] |= APIC_LVT_REMOTE_IRR;
    }
    lapic_accept_irq(s, lvt & 0xff, level, mode);
}

static bool lint_asserted(const LAPICState *s, int n)
{
    bool active_low = s->lvt[LVT_LINT0 + n] & APIC_LVT_ACTIVE_LOW;
    return s->lint_level[n] != active_low;
}

void lapic_set_lint(void *opaque, int n, int level)
{
    LAPICState *s = opaque;
    if (n < 0 || n > 1)
        return;
    bool was = lint_asserted(s, n);
    s->lint_level[n] = level != 0;
    bool now = lint_asserted(s, n);
    uint32_t lvt = s->lvt[LVT_LINT0 + n];
    if (!hw_enabled(s)) {
        if (n == 1 && now && !was && s->ops && s->ops->raise_nmi)
            s->ops->raise_nmi(s->cpu);
    } else if (lvt_mode(lvt) != APIC_DM_EXTINT && !lvt_masked(lvt) && now && !was) {
        lint_fire(s, n);
    }
    update_intr(s);
}

/* EOI of a level LINT vector clears its remote IRR and re-fires if still asserted. */
static void lint_eoi(LAPICState *s, int vector)
{
    for (int n = 0; n < 2; n++) {
        uint32_t *lvt = &s->lvt[LVT_LINT0 + n];
        if (!(*lvt & APIC_LVT_REMOTE_IRR) || (int)(*lvt & 0xff) != vector)
            continue;
        *lvt &= ~APIC_LVT_REMOTE_IRR;
        if (!lvt_masked(*lvt) && lint_asserted(s, n))
            lint_fire(s, n);
    }
}

/* ---- INTA and EOI ---- */
int lapic_intr_ack(void *opaque)
{
    LAPICState *s = opaque;
    int v = deliverable_vector(s);
    if (v >= 0) {
        vec_clear(s->irr, v);
        vec_set(s->isr, v);
    } else if (extint_pending(s)) {
        s->extint_bus_pending = false;
        v = s->extint_ack ? s->extint_ack(s->extint_opaque) : -1;
    }
    update_intr(s);
    return v;
}

static void lapic_eoi(LAPICState *s)
{
    int v = vec_highest(s->isr);
    if (v < 0)
        return;
    vec_clear(s->isr, v);
    if (vec_test(s->tmr, v)) {
        vec_clear(s->tmr, v);
        lint_eoi(s, v);
        APICBus *bus = s->bus;
        for (int i = 0; bus && i < bus->nr_eoi_listeners; i++)
            bus->eoi_listeners[i].fn(bus->eoi_listeners[i].opaque, v);
    }
    update_intr(s);
}

/* ---- timer ---- */
static int timer_shift(const LAPICState *s)
{
    uint32_t d = s->timer_dcr;
    return (int)((((d & 3) | ((d >> 1) & 4)) + 1) & 7);
}

static uint32_t timer_mode(const LAPICState *s) { return s->lvt[LVT_TIMER] & (3u << 17); }

/* Bus ticks (1 ns each) divided; elapsed counter decrements since start. */
static uint64_t timer_elapsed(const LAPICState *s, int64_t now)
{
    int64_t d = now - s->timer_start_ns;
    return d <= 0 ? 0 : (uint64_t)d >> timer_shift(s);
}

static uint32_t timer_current(const LAPICState *s, int64_t now)
{
    if (!s->timer_running || s->timer_initial == 0 || timer_mode(s) == APIC_LVT_TIMER_TSCDEADLINE)
        return 0;
    uint64_t e = timer_elapsed(s, now);
    if (timer_mode(s) == APIC_LVT_TIMER_PERIODIC)
        return s->timer_initial - (uint32_t)(e % s->timer_initial);
    return e >= s->timer_initial ? 0 : s->timer_initial - (uint32_t)e;
}

static void timer_arm_period(LAPICState *s)
{
    int64_t period = (int64_t)((uint64_t)s->timer_initial << timer_shift(s));
    timer_mod(&s->timer, s->timer_start_ns + period);
}

static void timer_start_count(LAPICState *s, int64_t now)
{
    s->timer_start_ns = now;
    s->timer_running = s->timer_initial != 0;
    if (s->timer_running)
        timer_arm_period(s);
    else
        timer_del(&s->timer);
}

static void timer_fire_lvt(LAPICState *s)
{
    uint32_t lvt = s->lvt[LVT_TIMER];
    if (!lvt_masked(lvt))
        lapic_accept_irq(s, lvt & 0xff, false, APIC_DM_FIXED);
}

static uint64_t muldiv64(uint64_t a, uint64_t mul, uint64_t div)
{
#ifdef __SIZEOF_INT128__
    unsigned __int128 r = (unsigned __int128)a * mul / div;
    return r > INT64_MAX ? INT64_MAX : (uint64_t)r;
#else
    long double r = (long double)a * mul / div;
    return r > (long double)INT64_MAX ? INT64_MAX : (uint64_t)r;
#endif
}

static void deadline_arm(LAPICState *s)
{
    if (s->tsc_deadline == 0 || !s->ops || !s->ops->read_tsc) {
        timer_del(&s->timer);
        return;
    }
    uint64_t tsc = s->ops->read_tsc(s->cpu);
    int64_t now = clock_get_ns(CLOCK_VIRTUAL);
    uint64_t delta = s->tsc_deadline > tsc ? s->tsc_deadline - tsc : 0;
    uint64_t ns = muldiv64(delta, 1000000000ull, s->tsc_hz);
    timer_mod(&s->timer, ns > (uint64_t)(INT64_MAX - now) ? INT64_MAX : now + (int64_t)ns);
}

static void timer_expired(void *opaque)
{
    LAPICState *s = opaque;
    if (timer_mode(s) == APIC_LVT_TIMER_TSCDEADLINE) {
        s->tsc_deadline = 0;
        timer_fire_lvt(s);
        return;
    }
    if (!s->timer_running)
        return;
    timer_fire_lvt(s);
    if (timer_mode(s) != APIC_LVT_TIMER_PERIODIC) {
        s->timer_running = false;
        return;
    }
    int64_t period = (int64_t)((uint64_t)s->timer_initial << timer_shift(s));
    int64_t now = clock_get_ns(CLOCK_VIRTUAL);
    int64_t periods = (now - s->timer_start_ns) / period;
    s->timer_start_ns += (periods > 0 ? periods : 1) * period;
    timer_arm_period(s);
}

static void write_timer_lvt(LAPICState *s, uint32_t val)
{
    uint32_t old_mode = timer_mode(s);
    s->lvt[LVT_TIMER] = val;
    uint32_t new_mode = timer_mode(s);
    if (old_mode == new_mode)
        return;
    if (old_mode == APIC_LVT_TIMER_TSCDEADLINE || new_mode == APIC_LVT_TIMER_TSCDEADLINE) {
        timer_del(&s->timer);
        s->timer_running = false;
        s->timer_initial = 0;
        s->tsc_deadline = 0;
    } else if (s->timer_running) {
        int64_t now = clock_get_ns(CLOCK_VIRTUAL);
        uint32_t cur = timer_current(s, now);
        if (cur == 0) {
            s->timer_running = false;
            timer_del(&s->timer);
        } else {
            s->timer_start_ns = now - (int64_t)((uint64_t)(s->timer_initial - cur) << timer_shift(s));
            timer_arm_period(s);
        }
    }
}

static void write_timer_dcr(LAPICState *s, uint32_t val)
{
    int64_t now = clock_get_ns(CLOCK_VIRTUAL);
    uint32_t cur = timer_current(s, now);
    s->timer_dcr = val & 0xb;
    if (!s->timer_running || cur == 0)
        return;
    s->timer_start_ns = now - (int64_t)((uint64_t)(s->timer_initial - cur) << timer_shift(s));
    timer_arm_period(s);
}

static void write_timer_initial(LAPICState *s, uint32_t val)
{
    if (timer_mode(s) == APIC_LVT_TIMER_TSCDEADLINE)
        return;
    s->timer_initial = val;
    timer_start_count(s, clock_get_ns(CLOCK_VIRTUAL));
}

void lapic_set_tsc_deadline(LAPICState *s, uint64_t deadline)
{
    if (timer_mode(s) != APIC_LVT_TIMER_TSCDEADLINE)
        return;
    s->tsc_deadline = deadline;
    deadline_arm(s);
}

uint64_t lapic_get_tsc_deadline(const LAPICState *s)
{
    return timer_mode(s) == APIC_LVT_TIMER_TSCDEADLINE ? s->tsc_deadline : 0;
}

/* ---- destinations and IPIs ---- */
static bool match_logical(const LAPICState *s, uint8_t dest)
{
    if (dest == 0xff)
        return true;
    uint8_t ldr = (uint8_t)(s->ldr >> 24);
    if ((s->dfr >> 28) == 0xf)
        return (ldr & dest) != 0;
    return (ldr >> 4) == (dest >> 4) && (ldr & dest & 0xf) != 0;
}

static bool lapic_matches(const LAPICState *s, uint8_t dest, bool logical)
{
    if (!hw_enabled(s))
        return false;
    if (logical)
        return match_logical(s, dest);
    return dest == 0xff || (uint8_t)(s->id >> 24) == dest;
}

static LAPICState *lowest_priority_target(APICBus *bus, uint8_t dest, bool logical)
{
    LAPICState *best = NULL;
    for (int i = 0; i < bus->nr_lapics; i++) {
        LAPICState *l = bus->lapics[i];
        if (!lapic_matches(l, dest, logical) || !sw_enabled(l))
            continue;
        if (!best || (l->tpr & 0xf0) < (best->tpr & 0xf0) ||
            ((l->tpr & 0xf0) == (best->tpr & 0xf0) && (l->id >> 24) < (best->id >> 24)))
            best = l;
    }
    return best;
}

void apic_bus_deliver(APICBus *bus, uint8_t dest, bool logical, int delivery_mode,
                      int vector, bool level_trigger)
{
    if (delivery_mode == APIC_DM_LOWEST) {
        LAPICState *t = lowest_priority_target(bus, dest, logical);
        if (t)
            lapic_accept_irq(t, vector, level_trigger, delivery_mode);
        return;
    }
    for (int i = 0; i < bus->nr_lapics; i++)
        if (lapic_matches(bus->lapics[i], dest, logical))
            lapic_accept_irq(bus->lapics[i], vector, level_trigger, delivery_mode);
}

void apic_bus_deliver_msi(APICBus *bus, uint64_t addr, uint32_t data)
{
    if ((addr >> 20) != 0xfee)
        return;
    uint8_t dest = (uint8_t)(addr >> 12);
    bool logical = addr & 4;
    int dm = (data >> 8) & 7;
    apic_bus_deliver(bus, dest, logical, dm, data & 0xff, (data >> 15) & 1);
}

/* The ICR delivery modes that a shorthand "self" may not use. */
static bool self_mode_invalid(int dm)
{
    return dm != APIC_DM_FIXED;
}

static void send_ipi(LAPICState *s)
{
    int dm = (s->icr_lo >> 8) & 7;
    int vector = s->icr_lo & 0xff;
    bool logical = s->icr_lo & (1u << 11);
    bool level_assert = s->icr_lo & (1u << 14);
    bool level_trig = s->icr_lo & (1u << 15);
    int shorthand = (s->icr_lo >> 18) & 3;
    uint8_t dest = (uint8_t)(s->icr_hi >> 24);

    if (dm == 3 || dm == APIC_DM_EXTINT)
        return;                                    /* reserved */
    if (dm == APIC_DM_INIT && !level_assert && level_trig)
        return;                                    /* INIT level de-assert */
    if (dm == APIC_DM_SMI) {
        log_mask(LOG_UNIMP, "lapic: SMI IPI ignored\n");
        return;
    }
    if ((dm == APIC_DM_FIXED || dm == APIC_DM_LOWEST) && vector < 16) {
        signal_error(s, APIC_ESR_SEND_ILLEGAL_VECTOR);
        return;
    }
    bool trig = (dm == APIC_DM_FIXED || dm == APIC_DM_LOWEST) && level_trig;
    if (shorthand == 1) {
        if (!self_mode_invalid(dm))
            lapic_accept_irq(s, vector, trig, dm);
        return;
    }
    APICBus *bus = s->bus;
    if (shorthand == 0) {
        apic_bus_deliver(bus, dest, logical, dm, vector, trig);
        return;
    }
    if (dm == APIC_DM_LOWEST)
        dm = APIC_DM_FIXED;                        /* broadcast lowest: all receive */
    for (int i = 0; i < bus->nr_lapics; i++) {
        LAPICState *t = bus->lapics[i];
        if ((shorthand == 2 || t != s) && hw_enabled(t))
            lapic_accept_irq(t, vector, trig, dm);
    }
}

/* ---- register file ---- */
static void set_all_lvt_masks(LAPICState *s)
{
    for (int i = 0; i < LVT_NR; i++)
        s->lvt[i] |= APIC_LVT_MASKED;
}

static void lapic_clear_registers(LAPICState *s)
{
    s->tpr = s->ldr = 0;
    s->dfr = 0xffffffff;
    s->svr = 0xff;
    memset(s->isr, 0, sizeof(s->isr));
    memset(s->tmr, 0, sizeof(s->tmr));
    memset(s->irr, 0, sizeof(s->irr));
    s->esr = s->esr_pending = 0;
    s->icr_lo = s->icr_hi = 0;
    for (int i = 0; i < LVT_NR; i++)
        s->lvt[i] = APIC_LVT_MASKED;
    if (s->bsp)
        s->lvt[LVT_LINT0] = APIC_DM_EXTINT << 8;
    s->timer_initial = s->timer_dcr = 0;
    s->timer_running = false;
    s->tsc_deadline = 0;
    s->extint_bus_pending = false;
    timer_del(&s->timer);
}

/* INIT: everything but the APIC id and the base MSR. */
static void lapic_init_state(LAPICState *s)
{
    lapic_clear_registers(s);
    update_intr(s);
}

void lapic_reset(LAPICState *s)
{
    uint64_t old = s->base;
    s->base = APIC_DEFAULT_BASE | APIC_BASE_ENABLE | (s->bsp ? APIC_BASE_BSP : 0);
    s->id = (uint32_t)s->initial_id << 24;
    lapic_clear_registers(s);
    s->intr_level = -1;
    update_intr(s);
    if (s->base_hook && old != s->base)
        s->base_hook(s->base_hook_opaque, s, s->base);   /* undo a relocation */
}

static uint32_t read_vector_reg(const uint32_t *r, uint32_t reg) { return r[reg & 7]; }

static bool read_register(LAPICState *s, uint32_t reg, uint32_t *out)
{
    uint32_t off = reg << 4;
    if (off >= APIC_REG_ISR && off < APIC_REG_ISR + 0x80) { *out = read_vector_reg(s->isr, reg); return true; }
    if (off >= APIC_REG_TMR && off < APIC_REG_TMR + 0x80) { *out = read_vector_reg(s->tmr, reg); return true; }
    if (off >= APIC_REG_IRR && off < APIC_REG_IRR + 0x80) { *out = read_vector_reg(s->irr, reg); return true; }
    if (off >= APIC_REG_LVT_TIMER && off <= APIC_REG_LVT_ERROR) {
        *out = s->lvt[(off - APIC_REG_LVT_TIMER) >> 4];
        return true;
    }
    switch (off) {
    case APIC_REG_ID: *out = s->id; break;
    case APIC_REG_VERSION: *out = APIC_VERSION_VALUE; break;
    case APIC_REG_TPR: *out = s->tpr; break;
    case APIC_REG_APR: *out = lapic_apr(s); break;
    case APIC_REG_PPR: *out = lapic_ppr(s); break;
    case APIC_REG_EOI: *out = 0; break;
    case APIC_REG_RRD: *out = 0; break;
    case APIC_REG_LDR: *out = s->ldr; break;
    case APIC_REG_DFR: *out = s->dfr; break;
    case APIC_REG_SVR: *out = s->svr; break;
    case APIC_REG_ESR: *out = s->esr; break;
    case APIC_REG_ICR_LO: *out = s->icr_lo; break;
    case APIC_REG_ICR_HI: *out = s->icr_hi; break;
    case APIC_REG_TIMER_ICR: *out = s->timer_initial; break;
    case APIC_REG_TIMER_CCR: *out = timer_current(s, clock_get_ns(CLOCK_VIRTUAL)); break;
    case APIC_REG_TIMER_DCR: *out = s->timer_dcr; break;
    default: return false;
    }
    return true;
}

uint64_t lapic_mmio_read(LAPICState *s, uint64_t offset, unsigned size)
{
    offset &= APIC_MMIO_SIZE - 1;
    uint32_t val;
    if (!read_register(s, (uint32_t)(offset >> 4), &val)) {
        signal_error(s, APIC_ESR_ILLEGAL_REGISTER);
        return 0;
    }
    unsigned byte = offset & 0xf;
    if (byte >= 4)
        return 0;
    val >>= byte * 8;
    return size >= 4 ? val : val & ((1u << (size * 8)) - 1);
}

static void write_svr(LAPICState *s, uint32_t val)
{
    s->svr = val & 0x3ff;
    if (!sw_enabled(s))
        set_all_lvt_masks(s);
    update_intr(s);
}

static void write_lvt(LAPICState *s, int idx, uint32_t val)
{
    val &= lvt_write_mask[idx];
    if (!sw_enabled(s))
        val |= APIC_LVT_MASKED;
    if (idx == LVT_TIMER) {
        write_timer_lvt(s, val);
        return;
    }
    if (idx == LVT_LINT0 || idx == LVT_LINT1)
        val |= s->lvt[idx] & APIC_LVT_REMOTE_IRR;
    s->lvt[idx] = val;
    update_intr(s);
}

static bool write_register(LAPICState *s, uint32_t off, uint32_t val)
{
    if (off >= APIC_REG_LVT_TIMER && off <= APIC_REG_LVT_ERROR) {
        write_lvt(s, (int)((off - APIC_REG_LVT_TIMER) >> 4), val);
        return true;
    }
    switch (off) {
    case APIC_REG_ID: s->id = val & 0xff000000; break;
    case APIC_REG_TPR: s->tpr = val & 0xff; update_intr(s); break;
    case APIC_REG_EOI: lapic_eoi(s); break;
    case APIC_REG_LDR: s->ldr = val & 0xff000000; break;
    case APIC_REG_DFR: s->dfr = (val & 0xf0000000) | 0x0fffffff; break;
    case APIC_REG_SVR: write_svr(s, val); break;
    case APIC_REG_ESR: s->esr = s->esr_pending; s->esr_pending = 0; break;
    case APIC_REG_ICR_LO: s->icr_lo = val & 0xccfff; send_ipi(s); break;
    case APIC_REG_ICR_HI: s->icr_hi = val & 0xff000000; break;
    case APIC_REG_TIMER_ICR: write_timer_initial(s, val); break;
    case APIC_REG_TIMER_DCR: write_timer_dcr(s, val); break;
    case APIC_REG_VERSION: case APIC_REG_APR: case APIC_REG_PPR: case APIC_REG_RRD:
    case APIC_REG_TIMER_CCR:
        break;                                     /* read-only */
    default:
        if (off >= APIC_REG_ISR && off < APIC_REG_IRR + 0x80)
            break;                                 /* ISR/TMR/IRR read-only */
        return false;
    }
    return true;
}

void lapic_mmio_write(LAPICState *s, uint64_t offset, uint64_t val, unsigned size)
{
    offset &= APIC_MMIO_SIZE - 1;
    if ((offset & 0xf) != 0 || size != 4) {
        log_mask(LOG_GUEST_ERROR, "lapic: %u-byte write at %#x ignored\n", size, (unsigned)offset);
        return;
    }
    if (!write_register(s, (uint32_t)offset, (uint32_t)val))
        signal_error(s, APIC_ESR_ILLEGAL_REGISTER);
}

/* ---- base MSR, TPR ---- */
void lapic_set_base(LAPICState *s, uint64_t val)
{
    uint64_t old = s->base;
    s->base = (val & ~APIC_BASE_BSP & ~0xfffull) | (val & APIC_BASE_ENABLE) |
              (s->bsp ? APIC_BASE_BSP : 0);
    if ((old & APIC_BASE_ENABLE) && !hw_enabled(s))
        lapic_clear_registers(s);          /* re-enabling gives the reset state */
    update_intr(s);
    if (s->base_hook && ((old ^ s->base) & ~APIC_BASE_BSP))
        s->base_hook(s->base_hook_opaque, s, s->base);
}

uint64_t lapic_get_base(const LAPICState *s) { return s->base; }

void lapic_set_base_hook(LAPICState *s, void (*fn)(void *opaque, LAPICState *s, uint64_t base),
                         void *opaque)
{
    s->base_hook = fn;
    s->base_hook_opaque = opaque;
}

void lapic_set_tpr(LAPICState *s, uint8_t tpr)
{
    s->tpr = tpr;
    update_intr(s);
}

uint8_t lapic_get_tpr(const LAPICState *s) { return (uint8_t)s->tpr; }
uint8_t lapic_get_id(const LAPICState *s) { return (uint8_t)(s->id >> 24); }

void lapic_set_tsc_hz(LAPICState *s, uint64_t hz) { s->tsc_hz = hz ? hz : 1000000000ull; }

void lapic_set_extint_ack(LAPICState *s, int (*ack)(void *opaque), void *opaque)
{
    s->extint_ack = ack;
    s->extint_opaque = opaque;
}

/* ---- bus and lifecycle ---- */
void apic_bus_init(APICBus *bus)
{
    memset(bus, 0, sizeof(*bus));
}

bool apic_bus_add_eoi_listener(APICBus *bus, APICEOIListener fn, void *opaque)
{
    if (bus->nr_eoi_listeners >= 4)
        return false;
    bus->eoi_listeners[bus->nr_eoi_listeners].fn = fn;
    bus->eoi_listeners[bus->nr_eoi_listeners].opaque = opaque;
    bus->nr_eoi_listeners++;
    return true;
}

LAPICState *lapic_new(APICBus *bus, uint8_t id, bool bsp, const LAPICCpuOps *ops, void *cpu)
{
    if (!bus || bus->nr_lapics >= APIC_BUS_MAX)
        return NULL;
    LAPICState *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->bus = bus;
    s->ops = ops;
    s->cpu = cpu;
    s->bsp = bsp;
    s->initial_id = id;
    s->tsc_hz = 1000000000ull;
    timer_init(&s->timer, CLOCK_VIRTUAL, timer_expired, s);
    bus->lapics[bus->nr_lapics++] = s;
    lapic_reset(s);
    return s;
}

void lapic_free(LAPICState *s)
{
    if (!s)
        return;
    timer_del(&s->timer);
    APICBus *bus = s->bus;
    for (int i = 0; i < bus->nr_lapics; i++) {
        if (bus->lapics[i] == s) {
            bus->lapics[i] = bus->lapics[--bus->nr_lapics];
            break;
        }
    }
    free(s);
}
