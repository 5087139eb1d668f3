/*
 * PIIX4 ACPI power management block: PM1a status/enable/control, the
 * 24-bit PM timer at 3.579545 MHz derived from the virtual clock (so it is
 * deterministic under -icount), GPE0, the SCI line and the APM port that
 * switches the chipset into ACPI mode.
 *
 * SLP_EN with SLP_TYP = PM_SLP_TYP_S5 requests a guest power-off; other
 * sleep types are not supported and are ignored (the DSDT offers only
 * \_S5_). As in QEMU, the SCI follows (status & enable) whatever SCI_EN
 * says; SCI_EN is kept for the OS's mode checks.
 */
#include "hw/acpi/pm.h"

#include <glib.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/runstate.h"

#define NS_PER_SEC 1000000000ull
#define TMR_EPOCH_SHIFT (PM_TIMER_BITS - 1)   /* TMR_STS when bit 23 flips */
#define PM1_SCI_EVENTS (PM1_TMR | PM1_GBL | PM1_PWRBTN | PM1_SLPBTN | PM1_RTC)

struct PMState {
    uint16_t sts, en, cnt;
    uint16_t gpe_sts, gpe_en;
    uint64_t tmr_epoch;         /* ticks >> 23 when last checked */
    uint8_t apm_cnt, apm_sts;
    int sci_level;
    IRQLine sci;
    Timer overflow_timer;
    MemoryRegion io, apm_io;
    MemoryRegion *io_parent, *apm_parent;
    uint16_t base;
};

/* ---- the PM timer ---- */

static uint64_t ns_to_ticks(uint64_t ns)
{
    return ns / NS_PER_SEC * PM_TIMER_HZ + ns % NS_PER_SEC * PM_TIMER_HZ / NS_PER_SEC;
}

/* The first virtual time at which the tick count reaches `ticks`. */
static uint64_t ticks_to_ns(uint64_t ticks)
{
    uint64_t rem = ticks % PM_TIMER_HZ * NS_PER_SEC;
    return ticks / PM_TIMER_HZ * NS_PER_SEC + (rem + PM_TIMER_HZ - 1) / PM_TIMER_HZ;
}

static uint64_t now_ticks(void)
{
    int64_t ns = clock_get_ns(CLOCK_VIRTUAL);
    return ns_to_ticks(ns > 0 ? (uint64_t)ns : 0);
}

uint32_t pm_timer_value(const PMState *pm)
{
    return (uint32_t)(now_ticks() & ((1u << PM_TIMER_BITS) - 1));
}

static void check_timer_overflow(PMState *pm)
{
    uint64_t epoch = now_ticks() >> TMR_EPOCH_SHIFT;
    if (epoch != pm->tmr_epoch) {
        pm->sts |= PM1_TMR;
        pm->tmr_epoch = epoch;
    }
}

/* ---- SCI ---- */

static void update_sci(PMState *pm)
{
    int level = (pm->sts & pm->en & PM1_SCI_EVENTS) || (pm->gpe_sts & pm->gpe_en);
    if (level != pm->sci_level) {
        pm->sci_level = level;
        irq_set(&pm->sci, level);
    }
}

static void arm_overflow_timer(PMState *pm)
{
    if (pm->en & PM1_TMR)
        timer_mod(&pm->overflow_timer,
                  (int64_t)ticks_to_ns((pm->tmr_epoch + 1) << TMR_EPOCH_SHIFT));
    else
        timer_del(&pm->overflow_timer);
}

static void overflow_timer_cb(void *opaque)
{
    PMState *pm = opaque;
    check_timer_overflow(pm);
    update_sci(pm);
    arm_overflow_timer(pm);
}

/* ---- registers ---- */

static void sleep_request(PMState *pm, unsigned typ)
{
    if (typ == PM_SLP_TYP_S5) {
        log_mask(LOG_RESET, "acpi: S5 soft-off requested\n");
        runstate_request_shutdown(SHUTDOWN_GUEST_POWEROFF);
    } else {
        log_mask(LOG_UNIMP, "acpi: sleep type %u not supported, ignored\n", typ);
    }
}

static uint8_t reg16_byte(uint16_t reg, uint64_t off)
{
    return (uint8_t)(reg >> (8 * (off & 1)));
}

static uint8_t pm_read_byte(PMState *pm, uint64_t off)
{
    switch (off) {
    case PM1_STS: case PM1_STS + 1:
        return reg16_byte(pm->sts, off);
    case PM1_EN: case PM1_EN + 1:
        return reg16_byte(pm->en, off);
    case PM1_CNT: case PM1_CNT + 1:
        return reg16_byte(pm->cnt, off);
    case PM_TMR: case PM_TMR + 1: case PM_TMR + 2: case PM_TMR + 3:
        return (uint8_t)(pm_timer_value(pm) >> (8 * (off - PM_TMR)));
    case PM_GPE0_STS: case PM_GPE0_STS + 1:
        return reg16_byte(pm->gpe_sts, off);
    case PM_GPE0_EN: case PM_GPE0_EN + 1:
        return reg16_byte(pm->gpe_en, off);
    default:
        return 0;
    }
}

static void set_reg16_byte(uint16_t *reg, uint64_t off, uint8_t b)
{
    unsigned shift = 8 * (off & 1);
    *reg = (uint16_t)((*reg & ~(0xffu << shift)) | ((unsigned)b << shift));
}

static void clear_reg16_byte(uint16_t *reg, uint64_t off, uint8_t b)
{
    *reg &= (uint16_t)~((unsigned)b << (8 * (off & 1)));
}

static void pm_write_cnt_byte(PMState *pm, uint64_t off, uint8_t b)
{
    if (off == PM1_CNT) {
        set_reg16_byte(&pm->cnt, off, b & 0x03);   /* SCI_EN, BM_RLD; GBL_RLS ignored */
        return;
    }
    set_reg16_byte(&pm->cnt, off, b & (PM1_CNT_SLP_TYP >> 8));
    if (b & (PM1_CNT_SLP_EN >> 8))
        sleep_request(pm, (pm->cnt & PM1_CNT_SLP_TYP) >> PM1_CNT_SLP_TYP_SHIFT);
}

static void pm_write_byte(PMState *pm, uint64_t off, uint8_t b)
{
    switch (off) {
    case PM1_STS: case PM1_STS + 1:
        clear_reg16_byte(&pm->sts, off, b);
        break;
    case PM1_EN: case PM1_EN + 1:
        set_reg16_byte(&pm->en, off, b);
        break;
    case PM1_CNT: case PM1_CNT + 1:
        pm_write_cnt_byte(pm, off, b);
        break;
    case PM_GPE0_STS: case PM_GPE0_STS + 1:
        clear_reg16_byte(&pm->gpe_sts, off, b);
        break;
    case PM_GPE0_EN: case PM_GPE0_EN + 1:
        set_reg16_byte(&pm->gpe_en, off, b);
        break;
    default:
        break;
    }
}

static uint64_t pm_io_read(void *opaque, uint64_t addr, unsigned size)
{
    PMState *pm = opaque;
    uint64_t v = 0;
    check_timer_overflow(pm);
    update_sci(pm);
    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)pm_read_byte(pm, addr + i) << (8 * i);
    return v;
}

static void pm_io_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    PMState *pm = opaque;
    check_timer_overflow(pm);
    for (unsigned i = 0; i < size; i++)
        pm_write_byte(pm, addr + i, (uint8_t)(val >> (8 * i)));
    update_sci(pm);
    arm_overflow_timer(pm);
}

const MemoryRegionOps pm_io_ops = {
    .read = pm_io_read,
    .write = pm_io_write,
    .valid = { .min_access_size = 1, .max_access_size = 4, .unaligned = true },
    .impl = { .min_access_size = 1, .max_access_size = 4, .unaligned = true },
};

/* ---- APM ports ---- */

static uint64_t apm_read(void *opaque, uint64_t addr, unsigned size)
{
    PMState *pm = opaque;
    return addr == 0 ? pm->apm_cnt : pm->apm_sts;
}

static void apm_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    PMState *pm = opaque;
    if (addr != 0) {
        pm->apm_sts = (uint8_t)val;
        return;
    }
    pm->apm_cnt = (uint8_t)val;
    if (val == APM_ACPI_ENABLE)
        pm->cnt |= PM1_CNT_SCI_EN;
    else if (val == APM_ACPI_DISABLE)
        pm->cnt &= ~PM1_CNT_SCI_EN;
}

static const MemoryRegionOps apm_ops = {
    .read = apm_read,
    .write = apm_write,
    .valid = { .min_access_size = 1, .max_access_size = 2 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

/* ---- events ---- */

void pm_power_button(PMState *pm)
{
    pm->sts |= PM1_PWRBTN;
    update_sci(pm);
}

void pm_rtc_event(PMState *pm)
{
    pm->sts |= PM1_RTC;
    update_sci(pm);
}

void pm_gpe_event(PMState *pm, int bit)
{
    if (bit < 0 || bit > 15)
        return;
    pm->gpe_sts |= (uint16_t)(1u << bit);
    update_sci(pm);
}

/* ---- lifecycle ---- */

PMState *pm_new(const IRQLine *sci)
{
    PMState *pm = g_new0(PMState, 1);
    if (sci)
        pm->sci = *sci;
    timer_init(&pm->overflow_timer, CLOCK_VIRTUAL, overflow_timer_cb, pm);
    memory_region_init_io(&pm->io, "acpi-pm", &pm_io_ops, pm, PM_IO_SIZE);
    memory_region_init_io(&pm->apm_io, "apm", &apm_ops, pm, 2);
    pm_reset(pm);
    return pm;
}

void pm_reset(void *opaque)
{
    PMState *pm = opaque;
    pm->sts = pm->en = pm->cnt = 0;
    pm->gpe_sts = pm->gpe_en = 0;
    pm->apm_cnt = pm->apm_sts = 0;
    pm->tmr_epoch = now_ticks() >> TMR_EPOCH_SHIFT;
    timer_del(&pm->overflow_timer);
    pm->sci_level = -1;
    update_sci(pm);
}

void pm_map(PMState *pm, MemoryRegion *io_root, uint16_t base)
{
    if (pm->io_parent && pm->io_parent == io_root && pm->base == base)
        return;
    pm_unmap(pm);
    if ((uint32_t)base + PM_IO_SIZE > 0x10000)
        return;
    memory_region_add_subregion(io_root, base, &pm->io);
    pm->io_parent = io_root;
    pm->base = base;
}

void pm_unmap(PMState *pm)
{
    if (!pm->io_parent)
        return;
    memory_region_del_subregion(pm->io_parent, &pm->io);
    pm->io_parent = NULL;
}

bool pm_is_mapped(const PMState *pm, uint16_t *base)
{
    if (pm->io_parent && base)
        *base = pm->base;
    return pm->io_parent != NULL;
}

void pm_map_apm(PMState *pm, MemoryRegion *io_root)
{
    if (pm->apm_parent)
        return;
    memory_region_add_subregion(io_root, APM_CNT_PORT, &pm->apm_io);
    pm->apm_parent = io_root;
}

void pm_free(PMState *pm)
{
    if (!pm)
        return;
    timer_del(&pm->overflow_timer);
    pm_unmap(pm);
    if (pm->apm_parent)
        memory_region_del_subregion(pm->apm_parent, &pm->apm_io);
    g_free(pm);
}
