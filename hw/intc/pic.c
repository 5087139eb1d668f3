/*
 * i8259A interrupt controller pair, as found in the PC (and in PIIX).
 *
 * Each chip has an interrupt request register (IRR), an in-service register
 * (ISR) and a mask (IMR). Edge-triggered inputs latch a request in IRR on a
 * rising edge (and keep it when the line falls again, so that a device
 * pulsing its line is never lost); level-triggered inputs (ELCR) make IRR
 * follow the line, so a request that goes away before INTA produces the
 * spurious IRQ7 vector. The slave's INT output drives the master's
 * (edge-triggered) IR2, so a slave request that goes away gives IRQ15. As in PIIX, ICW1's LTIM bit is ignored: ELCR selects the trigger.
 */
#include "hw/intc/pic.h"

#include <glib.h>
#include <stdbool.h>

#include "core/log.h"

typedef struct PICChip {
    uint8_t irr;
    uint8_t isr;
    uint8_t imr;
    uint8_t pins;          /* current input levels */
    uint8_t elcr;          /* 1 = level-triggered */
    uint8_t elcr_mask;     /* which ELCR bits are writable */
    uint8_t vector_base;   /* ICW2 & 0xf8 */
    uint8_t icw3;
    uint8_t lowest_prio_next; /* IR (n) has highest priority where n = this */
    uint8_t init_step;     /* 0 = operational, else next ICW number (2..4) */
    bool icw4_needed;
    bool single;
    bool auto_eoi;
    bool rotate_on_aeoi;
    bool sfnm;             /* special fully nested mode */
    bool special_mask;
    bool poll;
    bool read_isr;
    bool is_master;
} PICChip;

struct PICState {
    PICChip chip[2];
    IRQLine cpu_intr;
    IRQLine lines[PIC_NR_IRQS];
    int intr_level;
    MemoryRegion io_master;
    MemoryRegion io_slave;
    MemoryRegion io_elcr;
    MemoryRegion *io_root;
};

#define MASTER 0
#define SLAVE 1
#define CASCADE_IRQ 2

/* ---- priority logic ---- */

/* Priority (0 = highest) of the highest-priority bit in mask, 8 if none. */
static int chip_priority(const PICChip *c, uint8_t mask)
{
    for (int p = 0; p < 8; p++) {
        if (mask & (1u << ((p + c->lowest_prio_next) & 7)))
            return p;
    }
    return 8;
}

/* The IR the chip would present now, or -1. */
static int chip_pending_irq(const PICChip *c)
{
    int req = chip_priority(c, c->irr & ~c->imr);
    if (req == 8)
        return -1;
    uint8_t in_service = c->isr;
    if (c->special_mask)
        in_service &= ~c->imr;
    if (c->is_master && c->sfnm)
        in_service &= ~(1u << CASCADE_IRQ);
    if (req < chip_priority(c, in_service))
        return (req + c->lowest_prio_next) & 7;
    return -1;
}

static bool chip_is_level(const PICChip *c, uint8_t bit)
{
    return (c->elcr & bit) != 0;
}

/* Apply a new level to input `irq` (0..7) of chip c. */
static void chip_set_input(PICChip *c, int irq, int level)
{
    uint8_t bit = 1u << irq;
    bool was = (c->pins & bit) != 0;
    if (level)
        c->pins |= bit;
    else
        c->pins &= ~bit;
    if (chip_is_level(c, bit)) {
        if (level)
            c->irr |= bit;
        else
            c->irr &= ~bit;
    } else if (level && !was) {
        c->irr |= bit;
    }
}

/* Propagate the slave's output to master IR2 and the master's to INTR. */
static void pic_update(PICState *s)
{
    PICChip *m = &s->chip[MASTER];
    /* IR2 is edge-triggered like any master input: a slave request that
     * vanishes after raising it gives the spurious IRQ15. */
    chip_set_input(m, CASCADE_IRQ, chip_pending_irq(&s->chip[SLAVE]) >= 0);
    int out = chip_pending_irq(m) >= 0;
    if (out != s->intr_level) {
        s->intr_level = out;
        irq_set(&s->cpu_intr, out);
    }
}

void pic_set_irq(void *opaque, int irq, int level)
{
    PICState *s = opaque;
    if (!s || irq < 0 || irq >= PIC_NR_IRQS)
        return;
    if (irq == CASCADE_IRQ)
        return;  /* the cascade input is wired to the slave */
    chip_set_input(&s->chip[irq >> 3], irq & 7, level != 0);
    pic_update(s);
}

IRQLine *pic_irq(PICState *s, int n)
{
    if (!s || n < 0 || n >= PIC_NR_IRQS)
        return NULL;
    return &s->lines[n];
}

int pic_get_output(const PICState *s)
{
    return s->intr_level;
}

/* ---- acknowledge and end of interrupt ---- */

/* INTA on one chip for IR `irq`: IRR -> ISR (unless auto-EOI). */
static void chip_ack(PICChip *c, int irq)
{
    uint8_t bit = 1u << irq;
    if (c->auto_eoi) {
        if (c->rotate_on_aeoi)
            c->lowest_prio_next = (irq + 1) & 7;
    } else {
        c->isr |= bit;
    }
    if (!chip_is_level(c, bit))
        c->irr &= ~bit;
}

int pic_intr_ack(void *opaque)
{
    PICState *s = opaque;
    PICChip *m = &s->chip[MASTER];
    PICChip *sl = &s->chip[SLAVE];
    int irq = chip_pending_irq(m);
    int vector;
    if (irq < 0) {
        vector = m->vector_base | 7;  /* spurious IRQ7 */
    } else if (irq == CASCADE_IRQ) {
        chip_ack(m, irq);
        int irq2 = chip_pending_irq(sl);
        if (irq2 >= 0)
            chip_ack(sl, irq2);
        else
            irq2 = 7;  /* spurious IRQ15 */
        vector = sl->vector_base | irq2;
    } else {
        chip_ack(m, irq);
        vector = m->vector_base | irq;
    }
    pic_update(s);
    log_mask(LOG_INT, "pic: INTA -> vector 0x%02x\n", vector);
    return vector;
}

/* Highest-priority in-service IR, or -1. */
static int chip_highest_isr(const PICChip *c)
{
    int p = chip_priority(c, c->isr);
    return p == 8 ? -1 : (p + c->lowest_prio_next) & 7;
}

/* OCW2: EOI and rotation commands. */
static void chip_write_ocw2(PICChip *c, uint8_t val)
{
    int level = val & 7;
    int irq;
    switch (val >> 5) {
    case 0: /* clear rotate in auto-EOI mode */
        c->rotate_on_aeoi = false;
        break;
    case 4: /* set rotate in auto-EOI mode */
        c->rotate_on_aeoi = true;
        break;
    case 1: /* non-specific EOI */
    case 5: /* rotate on non-specific EOI */
        irq = chip_highest_isr(c);
        if (irq >= 0) {
            c->isr &= ~(1u << irq);
            if (val & 0x80)
                c->lowest_prio_next = (irq + 1) & 7;
        }
        break;
    case 3: /* specific EOI */
        c->isr &= ~(1u << level);
        break;
    case 7: /* rotate on specific EOI */
        c->isr &= ~(1u << level);
        c->lowest_prio_next = (level + 1) & 7;
        break;
    case 6: /* set priority: `level` becomes the lowest */
        c->lowest_prio_next = (level + 1) & 7;
        break;
    default: /* 2: no operation */
        break;
    }
}

/* OCW3: read register select, poll, special mask mode. */
static void chip_write_ocw3(PICChip *c, uint8_t val)
{
    if (val & 0x04)
        c->poll = true;
    if (val & 0x02)
        c->read_isr = val & 0x01;
    if (val & 0x40)
        c->special_mask = (val & 0x20) != 0;
}

/* ICW1: starts the initialisation sequence. */
static void chip_write_icw1(PICChip *c, uint8_t val)
{
    c->icw4_needed = val & 0x01;
    c->single = (val & 0x02) != 0;
    c->init_step = 2;
    c->imr = 0;
    c->isr = 0;
    c->irr = c->pins & c->elcr;  /* edge sense reset; levels stay */
    c->lowest_prio_next = 0;
    c->special_mask = false;
    c->read_isr = false;
    c->poll = false;
    c->auto_eoi = false;
    c->rotate_on_aeoi = false;
    c->sfnm = false;
    if (val & 0x08)
        log_mask(LOG_UNIMP, "pic: ICW1 LTIM ignored (ELCR selects trigger mode)\n");
}

static void chip_write_icw(PICChip *c, uint8_t val)
{
    switch (c->init_step) {
    case 2:
        c->vector_base = val & 0xf8;
        c->init_step = c->single ? (c->icw4_needed ? 4 : 0) : 3;
        break;
    case 3:
        c->icw3 = val;
        c->init_step = c->icw4_needed ? 4 : 0;
        break;
    default: /* 4 */
        c->auto_eoi = (val & 0x02) != 0;
        c->sfnm = (val & 0x10) != 0;
        c->init_step = 0;
        break;
    }
}

static void chip_write(PICChip *c, uint64_t addr, uint8_t val)
{
    if (addr == 0) {
        if (val & 0x10)
            chip_write_icw1(c, val);
        else if (val & 0x08)
            chip_write_ocw3(c, val);
        else
            chip_write_ocw2(c, val);
    } else if (c->init_step) {
        chip_write_icw(c, val);
    } else {
        c->imr = val;  /* OCW1 */
    }
}

/* Poll command: the read acts as an INTA; bit 7 says a request was there. */
static uint8_t chip_poll_read(PICChip *c)
{
    c->poll = false;
    int irq = chip_pending_irq(c);
    if (irq < 0)
        return 0;
    chip_ack(c, irq);
    return 0x80 | irq;
}

static uint8_t chip_read(PICChip *c, uint64_t addr)
{
    if (c->poll)
        return chip_poll_read(c);
    if (addr == 1)
        return c->imr;
    return c->read_isr ? c->isr : c->irr;
}

/* ---- port callbacks ---- */

static uint64_t pic_port_read(PICState *s, int chip, uint64_t addr)
{
    uint8_t v = chip_read(&s->chip[chip], addr & 1);
    pic_update(s);
    return v;
}

static void pic_port_write(PICState *s, int chip, uint64_t addr, uint64_t val)
{
    chip_write(&s->chip[chip], addr & 1, (uint8_t)val);
    pic_update(s);
}

static uint64_t pic_master_read(void *opaque, uint64_t addr, unsigned size)
{
    return pic_port_read(opaque, MASTER, addr);
}

static void pic_master_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    pic_port_write(opaque, MASTER, addr, val);
}

static uint64_t pic_slave_read(void *opaque, uint64_t addr, unsigned size)
{
    return pic_port_read(opaque, SLAVE, addr);
}

static void pic_slave_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    pic_port_write(opaque, SLAVE, addr, val);
}

static uint64_t pic_elcr_read(void *opaque, uint64_t addr, unsigned size)
{
    PICState *s = opaque;
    return s->chip[addr & 1].elcr;
}

static void pic_elcr_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    PICState *s = opaque;
    PICChip *c = &s->chip[addr & 1];
    c->elcr = (uint8_t)val & c->elcr_mask;
    /* Inputs that became level-triggered now follow their line. */
    c->irr = (c->irr & ~c->elcr) | (c->pins & c->elcr);
    pic_update(s);
}

#define PIC_BYTE_OPS(rd, wr) { \
    .read = rd, .write = wr, \
    .valid = { .min_access_size = 1, .max_access_size = 4 }, \
    .impl = { .min_access_size = 1, .max_access_size = 1 }, }

const MemoryRegionOps pic_master_ops = PIC_BYTE_OPS(pic_master_read, pic_master_write);
const MemoryRegionOps pic_slave_ops = PIC_BYTE_OPS(pic_slave_read, pic_slave_write);
const MemoryRegionOps pic_elcr_ops = PIC_BYTE_OPS(pic_elcr_read, pic_elcr_write);

/* ---- lifecycle ---- */

static void chip_reset(PICChip *c, bool master)
{
    uint8_t pins = c->pins;
    *c = (PICChip){ 0 };
    c->pins = pins;
    c->is_master = master;
    /* IRQ 0, 1, 2 (master) and 8, 13 (slave) are edge-only. */
    c->elcr_mask = master ? 0xf8 : 0xde;
}

void pic_reset(void *opaque)
{
    PICState *s = opaque;
    chip_reset(&s->chip[MASTER], true);
    chip_reset(&s->chip[SLAVE], false);
    s->intr_level = 0;
    irq_set(&s->cpu_intr, 0);
    pic_update(s);
}

PICState *pic_new(const IRQLine *cpu_intr)
{
    PICState *s = g_new0(PICState, 1);
    if (cpu_intr)
        s->cpu_intr = *cpu_intr;
    for (int i = 0; i < PIC_NR_IRQS; i++)
        irq_init(&s->lines[i], pic_set_irq, s, i);
    memory_region_init_io(&s->io_master, "pic-master", &pic_master_ops, s, 2);
    memory_region_init_io(&s->io_slave, "pic-slave", &pic_slave_ops, s, 2);
    memory_region_init_io(&s->io_elcr, "pic-elcr", &pic_elcr_ops, s, 2);
    pic_reset(s);
    return s;
}

void pic_map(PICState *s, MemoryRegion *io_root)
{
    s->io_root = io_root;
    memory_region_transaction_begin();
    memory_region_add_subregion(io_root, PIC_MASTER_PORT, &s->io_master);
    memory_region_add_subregion(io_root, PIC_SLAVE_PORT, &s->io_slave);
    memory_region_add_subregion(io_root, PIC_ELCR_PORT, &s->io_elcr);
    memory_region_transaction_commit();
}

void pic_free(PICState *s)
{
    if (!s)
        return;
    if (s->io_root) {
        memory_region_transaction_begin();
        memory_region_del_subregion(s->io_root, &s->io_master);
        memory_region_del_subregion(s->io_root, &s->io_slave);
        memory_region_del_subregion(s->io_root, &s->io_elcr);
        memory_region_transaction_commit();
    }
    g_free(s);
}
