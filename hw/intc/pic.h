/*
 * The i8259A programmable interrupt controller pair of the PC: master at
 * ports 0x20/0x21 (IRQ 0-7), slave at 0xa0/0xa1 (IRQ 8-15) cascaded on the
 * master's IRQ2, and the PIIX edge/level control registers (ELCR) at
 * 0x4d0/0x4d1.
 */
#ifndef VESSEL_HW_INTC_PIC_H
#define VESSEL_HW_INTC_PIC_H

#include <stdint.h>

#include "hw/irq.h"
#include "softmmu/memory.h"

#define PIC_MASTER_PORT 0x20
#define PIC_SLAVE_PORT 0xa0
#define PIC_ELCR_PORT 0x4d0
#define PIC_NR_IRQS 16

typedef struct PICState PICState;

/* `cpu_intr` (copied; may be NULL) receives the INTR pin level. */
PICState *pic_new(const IRQLine *cpu_intr);
/* Unmaps (if mapped) and frees. */
void pic_free(PICState *s);
/* Power-on state: both chips uninitialised, masks and ELCR cleared. The
 * input pin levels are wires, not PIC state, and are kept. */
void pic_reset(void *opaque);  /* opaque: PICState; fits machine_register_reset */
/* Maps 0x20-0x21, 0xa0-0xa1 and 0x4d0-0x4d1 into the port space. */
void pic_map(PICState *s, MemoryRegion *io_root);

/* IRQHandler for inputs 0..15 (others are ignored). `opaque` is the PICState. */
void pic_set_irq(void *opaque, int irq, int level);
/* The line for input n (NULL when n is out of range). */
IRQLine *pic_irq(PICState *s, int n);
/*
 * Interrupt acknowledge (the CPU's intr_ack hook, opaque = PICState): the
 * vector of the highest-priority pending request. If the request vanished
 * since INTR was raised the answer is the spurious vector, IRQ7 of the
 * master (or IRQ15 of the slave, the master then having IRQ2 in service).
 * Never returns -1: like the hardware, an INTA always yields a vector.
 */
int pic_intr_ack(void *opaque);
/* Current INTR output level (0/1). */
int pic_get_output(const PICState *s);

/* Port callbacks, exposed for tests and for boards with other decoding. */
extern const MemoryRegionOps pic_master_ops;  /* opaque: PICState, 2 ports */
extern const MemoryRegionOps pic_slave_ops;   /* opaque: PICState, 2 ports */
extern const MemoryRegionOps pic_elcr_ops;    /* opaque: PICState, 2 ports */

#endif
