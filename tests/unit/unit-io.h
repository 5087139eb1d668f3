/*
 * Shared scaffolding for the device unit tests: a 64 KiB port-I/O space
 * (container region plus address space), a system-memory space with RAM,
 * byte port accessors that assert the access was claimed, a recording
 * register-file device, an IRQ-line recorder counting rising edges, and
 * stepping the -icount virtual clock with expired timers run.
 */
#ifndef VESSEL_TESTS_UNIT_IO_H
#define VESSEL_TESTS_UNIT_IO_H

#include <check.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/clock.h"
#include "softmmu/memory.h"

/* A port-I/O bus: the 64 KiB I/O container root and an address space over it. */
typedef struct UnitIo {
    MemoryRegion root;
    AddressSpace as;
} UnitIo;

static inline void unit_io_init(UnitIo *io, const char *name)
{
    memory_region_init_container(&io->root, "io", 0x10000);
    address_space_init(&io->as, &io->root, name);
}

static inline void unit_io_destroy(UnitIo *io)
{
    address_space_destroy(&io->as);
    memory_region_destroy(&io->root);
}

/* A system-memory bus: a 2^64 container with ram_size bytes of RAM at 0
 * and an address space over it. */
typedef struct UnitMem {
    MemoryRegion root;
    MemoryRegion ram;
    AddressSpace as;
} UnitMem;

static inline void unit_mem_init(UnitMem *m, uint64_t ram_size)
{
    memory_region_init_container(&m->root, "system", 0);
    ck_assert(memory_region_init_ram(&m->ram, "ram", ram_size));
    memory_region_add_subregion(&m->root, 0, &m->ram);
    address_space_init(&m->as, &m->root, "memory");
}

static inline void unit_mem_destroy(UnitMem *m)
{
    address_space_destroy(&m->as);
    memory_region_del_subregion(&m->root, &m->ram);
    memory_region_destroy(&m->ram);
    memory_region_destroy(&m->root);
}

/* outb/inb on as; the access must be claimed (MEMTX_OK). */
static inline void unit_outb(AddressSpace *as, uint16_t port, uint8_t v)
{
    ck_assert_int_eq(address_space_st(as, port, v, 1), MEMTX_OK);
}

static inline uint8_t unit_inb(AddressSpace *as, uint16_t port)
{
    MemTxResult r;
    uint8_t v = (uint8_t)address_space_ld(as, port, 1, &r);
    ck_assert_int_eq(r, MEMTX_OK);
    return v;
}

/* Define a test file's outb(port, v) and inb(port) on its UnitIo `bus`. */
#define UNIT_IO_PORT_HELPERS(bus)                                                            \
    static inline void outb(uint16_t port, uint8_t v) { unit_outb(&(bus).as, port, v); }    \
    static inline uint8_t inb(uint16_t port) { return unit_inb(&(bus).as, port); }

/* A recording device for MMIO/port tests: a register file the accesses
 * read and write byte by byte (offsets wrap at span, 0 meaning all
 * UNIT_DEV_REGS registers) and a log of the first UNIT_DEV_REGS accesses. */
#define UNIT_DEV_REGS 64

typedef struct UnitDevAccess {
    uint64_t addr;
    uint64_t val;
    unsigned size;
    bool write;
} UnitDevAccess;

typedef struct UnitDev {
    uint8_t regs[UNIT_DEV_REGS];
    UnitDevAccess log[UNIT_DEV_REGS];
    unsigned nlog;
    unsigned span;
} UnitDev;

static inline void unit_dev_record(UnitDev *d, uint64_t addr, uint64_t val, unsigned size,
                                   bool write)
{
    if (d->nlog < UNIT_DEV_REGS)
        d->log[d->nlog++] = (UnitDevAccess){ addr, val, size, write };
}

static inline unsigned unit_dev_reg(const UnitDev *d, uint64_t addr)
{
    return (unsigned)(addr % (d->span ? d->span : UNIT_DEV_REGS));
}

/* MemoryRegionOps read/write callbacks; opaque is the UnitDev. */
static inline uint64_t unit_dev_read(void *opaque, uint64_t addr, unsigned size)
{
    UnitDev *d = opaque;
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)d->regs[unit_dev_reg(d, addr + i)] << (8 * i);
    unit_dev_record(d, addr, v, size, false);
    return v;
}

static inline void unit_dev_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    UnitDev *d = opaque;
    for (unsigned i = 0; i < size; i++)
        d->regs[unit_dev_reg(d, addr + i)] = (uint8_t)(val >> (8 * i));
    unit_dev_record(d, addr, val, size, true);
}

/* One recorded IRQ line: its number (asserted on every call), current
 * level and count of rising edges. The opaque of unit_irq_record. */
typedef struct UnitIrq {
    int n;
    int level;
    int rises;
} UnitIrq;

static inline void unit_irq_record(void *opaque, int n, int level)
{
    UnitIrq *q = opaque;
    ck_assert_int_eq(n, q->n);
    if (level && !q->level)
        q->rises++;
    q->level = level;
}

/* A fresh clock in -icount mode (1 ns per instruction) at time 0. */
static inline void unit_clock_start(void)
{
    clock_init();
    clock_set_icount(0);
}

/* Advance the virtual clock by ns (none if ns <= 0) and run the timers. */
static inline void unit_clock_advance(int64_t ns)
{
    if (ns > 0)
        clock_icount_advance((uint64_t)ns);
    timers_run_expired(CLOCK_VIRTUAL);
}

#endif
