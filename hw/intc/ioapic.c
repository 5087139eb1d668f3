/*
 * I/O APIC: IOREGSEL/IOWIN register window, ID/version/arbitration
 * registers and 24 redirection entries delivering to the APIC bus.
 *
 * Model choices (all guest-visible behaviour is defined):
 * - Deliveries are immediate: the delivery-status bit always reads 0.
 * - Edge entries deliver on a rising pin edge while unmasked (edges that
 *   arrive while masked are lost). Level entries with fixed or lowest-
 *   priority delivery deliver while the pin is asserted and remote IRR is
 *   clear, then set remote IRR until an EOI for their vector. NMI, INIT,
 *   SMI and ExtINT entries always behave as edge-triggered.
 * - Unknown register indexes read 0 and ignore writes; the EOI register at
 *   0x40 (version 0x20) clears remote IRR like an EOI broadcast.
 */
#include "hw/intc/ioapic.h"

#include <stdlib.h>
#include <string.h>

#include "core/log.h"

#define RTE_LOW_WRITE_MASK 0x1afffull   /* vector, mode, dest mode, polarity, trigger, mask */
#define RTE_HIGH_WRITE_MASK 0xff00000000000000ull

struct IOAPICState {
    APICBus *bus;
    uint8_t id;
    uint32_t ioregsel;
    uint64_t rte[IOAPIC_NUM_PINS];
    uint32_t pin_level;          /* bit n = pin n asserted */
    MemoryRegion mmio;
    MemoryRegion *parent;
};

static int rte_mode(uint64_t rte) { return (int)((rte >> 8) & 7); }

static bool rte_is_level(uint64_t rte)
{
    int mode = rte_mode(rte);
    return (rte & IOAPIC_RTE_LEVEL) && (mode == APIC_DM_FIXED || mode == APIC_DM_LOWEST);
}

static void deliver(IOAPICState *s, int pin)
{
    uint64_t rte = s->rte[pin];
    bool level = rte_is_level(rte);
    if (level)
        s->rte[pin] |= IOAPIC_RTE_REMOTE_IRR;
    apic_bus_deliver(s->bus, (uint8_t)(rte >> 56), rte & IOAPIC_RTE_DEST_LOGICAL,
                     rte_mode(rte), (int)(rte & 0xff), level);
}

/* Level entries: deliver if asserted, unmasked and not already in service. */
static void service_level(IOAPICState *s, int pin)
{
    uint64_t rte = s->rte[pin];
    if (rte_is_level(rte) && (s->pin_level & (1u << pin)) && !(rte & IOAPIC_RTE_MASKED) &&
        !(rte & IOAPIC_RTE_REMOTE_IRR))
        deliver(s, pin);
}

void ioapic_set_irq(void *opaque, int gsi, int level)
{
    IOAPICState *s = opaque;
    if (gsi < 0 || gsi >= IOAPIC_NUM_PINS)
        return;
    uint32_t bit = 1u << gsi;
    bool was = s->pin_level & bit;
    s->pin_level = level ? s->pin_level | bit : s->pin_level & ~bit;
    uint64_t rte = s->rte[gsi];
    if (rte_is_level(rte))
        service_level(s, gsi);
    else if (level && !was && !(rte & IOAPIC_RTE_MASKED))
        deliver(s, gsi);
}

void ioapic_eoi(void *opaque, int vector)
{
    IOAPICState *s = opaque;
    for (int pin = 0; pin < IOAPIC_NUM_PINS; pin++) {
        uint64_t rte = s->rte[pin];
        if (!(rte & IOAPIC_RTE_REMOTE_IRR) || (int)(rte & 0xff) != vector)
            continue;
        s->rte[pin] &= ~(uint64_t)IOAPIC_RTE_REMOTE_IRR;
        service_level(s, pin);
    }
}

uint64_t ioapic_get_entry(const IOAPICState *s, int pin)
{
    return pin >= 0 && pin < IOAPIC_NUM_PINS ? s->rte[pin] : 0;
}

/* ---- indirect registers ---- */
static uint32_t read_indirect(IOAPICState *s, uint32_t index)
{
    switch (index) {
    case IOAPIC_REG_ID:
    case IOAPIC_REG_ARB:
        return (uint32_t)s->id << 24;
    case IOAPIC_REG_VER:
        return ((IOAPIC_NUM_PINS - 1) << 16) | 0x20;
    }
    if (index >= IOAPIC_REG_REDTBL && index < IOAPIC_REG_REDTBL + 2 * IOAPIC_NUM_PINS) {
        uint64_t rte = s->rte[(index - IOAPIC_REG_REDTBL) / 2];
        return (index & 1) ? (uint32_t)(rte >> 32) : (uint32_t)rte;
    }
    return 0;
}

static void write_rte(IOAPICState *s, int pin, bool high, uint32_t val)
{
    uint64_t rte = s->rte[pin];
    if (high) {
        rte = (rte & 0xffffffffull) | (((uint64_t)val << 32) & RTE_HIGH_WRITE_MASK);
    } else {
        uint64_t keep = ~RTE_LOW_WRITE_MASK & 0xffffffffull;   /* remote IRR, status */
        rte = (rte & ~0xffffffffull) | (rte & keep) | (val & RTE_LOW_WRITE_MASK);
        if (!(rte & IOAPIC_RTE_LEVEL))
            rte &= ~(uint64_t)IOAPIC_RTE_REMOTE_IRR;
    }
    s->rte[pin] = rte;
    service_level(s, pin);
}

static void write_indirect(IOAPICState *s, uint32_t index, uint32_t val)
{
    if (index == IOAPIC_REG_ID) {
        s->id = (uint8_t)((val >> 24) & 0xf);
        return;
    }
    if (index >= IOAPIC_REG_REDTBL && index < IOAPIC_REG_REDTBL + 2 * IOAPIC_NUM_PINS) {
        write_rte(s, (int)(index - IOAPIC_REG_REDTBL) / 2, index & 1, val);
        return;
    }
    log_mask(LOG_GUEST_ERROR, "ioapic: write to register %#x ignored\n", index);
}

/* ---- MMIO window ---- */
static uint64_t ioapic_read(void *opaque, uint64_t addr, unsigned size)
{
    IOAPICState *s = opaque;
    uint32_t val;
    switch (addr & ~3ull) {
    case IOAPIC_IOREGSEL: val = s->ioregsel; break;
    case IOAPIC_IOWIN: val = read_indirect(s, s->ioregsel); break;
    default: return 0;
    }
    val >>= (addr & 3) * 8;
    return size >= 4 ? val : val & ((1u << (size * 8)) - 1);
}

static void ioapic_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    IOAPICState *s = opaque;
    if (addr == IOAPIC_IOREGSEL) {
        s->ioregsel = (uint32_t)val & 0xff;
    } else if (addr == IOAPIC_IOWIN && size == 4) {
        write_indirect(s, s->ioregsel, (uint32_t)val);
    } else if (addr == IOAPIC_EOI && size == 4) {
        ioapic_eoi(s, (int)(val & 0xff));
    } else {
        log_mask(LOG_GUEST_ERROR, "ioapic: %u-byte write at %#llx ignored\n", size,
                 (unsigned long long)addr);
    }
}

const MemoryRegionOps ioapic_mmio_ops = {
    .read = ioapic_read,
    .write = ioapic_write,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 4 },
};

/* ---- lifecycle ---- */
void ioapic_reset(IOAPICState *s)
{
    s->ioregsel = 0;
    for (int i = 0; i < IOAPIC_NUM_PINS; i++)
        s->rte[i] = IOAPIC_RTE_MASKED;
}

IOAPICState *ioapic_new(APICBus *bus, uint8_t id)
{
    IOAPICState *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->bus = bus;
    s->id = id & 0xf;
    ioapic_reset(s);
    apic_bus_add_eoi_listener(bus, ioapic_eoi, s);
    memory_region_init_io(&s->mmio, "ioapic", &ioapic_mmio_ops, s, IOAPIC_MMIO_SIZE);
    return s;
}

void ioapic_map(IOAPICState *s, MemoryRegion *sysroot, uint64_t base)
{
    memory_region_add_subregion(sysroot, base, &s->mmio);
    s->parent = sysroot;
}

void ioapic_free(IOAPICState *s)
{
    if (!s)
        return;
    if (s->parent)
        memory_region_del_subregion(s->parent, &s->mmio);
    APICBus *bus = s->bus;
    for (int i = 0; i < bus->nr_eoi_listeners; i++) {
        if (bus->eoi_listeners[i].opaque == s) {
            bus->eoi_listeners[i] = bus->eoi_listeners[--bus->nr_eoi_listeners];
            break;
        }
    }
    memory_region_destroy(&s->mmio);
    free(s);
}
