/*
 * HPET (IA-PC HPET spec 1.0a): a 64-bit 100 MHz main counter and three
 * comparators with one-shot/periodic, edge/level, 32/64-bit modes and the
 * legacy replacement route (timer 0 -> IRQ0, timer 1 -> IRQ8).
 */
#ifndef VESSEL_HW_TIMER_HPET_H
#define VESSEL_HW_TIMER_HPET_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/irq.h"
#include "softmmu/memory.h"

#define HPET_DEFAULT_BASE 0xfed00000ull
#define HPET_MMIO_SIZE 0x400
#define HPET_NUM_TIMERS 3
#define HPET_PERIOD_FS 10000000ull          /* 10 ns: 100 MHz */
#define HPET_NS_PER_TICK 10
#define HPET_MAX_LINES 32
#define HPET_ROUTE_CAP 0x00f00000u          /* timers may use GSI 20-23 */

enum {
    HPET_REG_CAP = 0x000, HPET_REG_CONFIG = 0x010, HPET_REG_STATUS = 0x020,
    HPET_REG_COUNTER = 0x0f0, HPET_REG_TIMER0 = 0x100, HPET_TIMER_STRIDE = 0x20,
    HPET_TN_CONFIG = 0x00, HPET_TN_CMP = 0x08, HPET_TN_FSB = 0x10,
};

#define HPET_CFG_ENABLE (1u << 0)
#define HPET_CFG_LEGACY (1u << 1)

#define HPET_TN_LEVEL (1u << 1)
#define HPET_TN_INT_ENABLE (1u << 2)
#define HPET_TN_PERIODIC (1u << 3)
#define HPET_TN_PERIODIC_CAP (1u << 4)
#define HPET_TN_SIZE_CAP (1u << 5)
#define HPET_TN_SETVAL (1u << 6)
#define HPET_TN_32BIT (1u << 8)
#define HPET_TN_ROUTE_SHIFT 9
#define HPET_TN_ROUTE_MASK (0x1fu << 9)
#define HPET_TN_FSB_ENABLE (1u << 14)

typedef struct HPETState HPETState;

/*
 * `lines[i]` is interrupt input i as the board numbers its GSIs (copied;
 * up to HPET_MAX_LINES). Legacy replacement uses lines[0] for timer 0 (the
 * board's ISA IRQ0: PIC IRQ0 / IOAPIC pin 2) and lines[8] for timer 1.
 */
HPETState *hpet_new(const IRQLine *lines, int nr_lines);
void hpet_free(HPETState *s);
void hpet_reset(HPETState *s);
void hpet_map(HPETState *s, MemoryRegion *sysroot, uint64_t base);
extern const MemoryRegionOps hpet_mmio_ops;     /* opaque: HPETState * */
/* Called whenever legacy replacement (GEN_CONF.LEG_RT_CNF) turns on or
 * off: while on, the board disconnects the PIT's IRQ0 and the RTC's IRQ8. */
void hpet_set_legacy_hook(HPETState *s, void (*fn)(void *opaque, bool legacy), void *opaque);
bool hpet_legacy_active(const HPETState *s);

#endif
