/*
 * IRQ lines: a device raises and lowers a line; whoever the board wired it
 * to (PIC, IOAPIC, LAPIC, the CPU's INTR pin) gets a callback.
 */
#ifndef VESSEL_HW_IRQ_H
#define VESSEL_HW_IRQ_H

typedef void (*IRQHandler)(void *opaque, int n, int level);

typedef struct IRQLine {
    IRQHandler handler;
    void *opaque;
    int n;
} IRQLine;

static inline void irq_init(IRQLine *irq, IRQHandler handler, void *opaque, int n)
{
    irq->handler = handler;
    irq->opaque = opaque;
    irq->n = n;
}

/* A line nobody wired is silently ignored. */
static inline void irq_set(const IRQLine *irq, int level)
{
    if (irq && irq->handler)
        irq->handler(irq->opaque, irq->n, level);
}
static inline void irq_raise(const IRQLine *irq) { irq_set(irq, 1); }
static inline void irq_lower(const IRQLine *irq) { irq_set(irq, 0); }
static inline void irq_pulse(const IRQLine *irq)
{
    irq_set(irq, 1);
    irq_set(irq, 0);
}

#endif
