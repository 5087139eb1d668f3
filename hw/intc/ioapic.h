/*
 * I/O APIC (82093AA register model, version 0x20 with the EOI register):
 * 24 redirection entries that turn interrupt pins (GSIs) into APIC bus
 * messages.
 */
#ifndef VESSEL_HW_INTC_IOAPIC_H
#define VESSEL_HW_INTC_IOAPIC_H

#include <stdint.h>

#include "hw/intc/lapic.h"
#include "softmmu/memory.h"

#define IOAPIC_DEFAULT_BASE 0xfec00000ull
#define IOAPIC_MMIO_SIZE 0x1000
#define IOAPIC_NUM_PINS 24

/* MMIO offsets and register indexes. */
enum { IOAPIC_IOREGSEL = 0x00, IOAPIC_IOWIN = 0x10, IOAPIC_EOI = 0x40 };
enum { IOAPIC_REG_ID = 0, IOAPIC_REG_VER = 1, IOAPIC_REG_ARB = 2, IOAPIC_REG_REDTBL = 0x10 };

/* Redirection entry bits (low dword). */
#define IOAPIC_RTE_DEST_LOGICAL (1u << 11)
#define IOAPIC_RTE_ACTIVE_LOW (1u << 13)
#define IOAPIC_RTE_REMOTE_IRR (1u << 14)
#define IOAPIC_RTE_LEVEL (1u << 15)
#define IOAPIC_RTE_MASKED (1u << 16)

typedef struct IOAPICState IOAPICState;

/* Registers an EOI listener on `bus`. */
IOAPICState *ioapic_new(APICBus *bus, uint8_t id);
void ioapic_free(IOAPICState *s);
void ioapic_reset(IOAPICState *s);
/* Map the register window at `base` (normally 0xFEC00000) in `sysroot`. */
void ioapic_map(IOAPICState *s, MemoryRegion *sysroot, uint64_t base);
extern const MemoryRegionOps ioapic_mmio_ops;   /* opaque: IOAPICState * */
/*
 * IRQHandler: `level` is the logical state (1 = asserted) of pin `gsi`;
 * the polarity bit is stored for the guest but not applied, as the board
 * delivers asserted/deasserted. Out-of-range pins are ignored.
 */
void ioapic_set_irq(void *opaque, int gsi, int level);
/* An EOI for `vector`: clears remote IRR of matching level entries. */
void ioapic_eoi(void *opaque, int vector);
/* The 64-bit redirection entry of `pin` (tests, monitor). */
uint64_t ioapic_get_entry(const IOAPICState *s, int pin);

#endif
