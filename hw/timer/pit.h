/*
 * The i8254 programmable interval timer at ports 0x40-0x43, clocked at
 * 1.193182 MHz from the virtual clock, and port 0x61 (system control port
 * B: channel 2 gate, speaker enable, OUT2 and the refresh toggle).
 */
#ifndef VESSEL_HW_TIMER_PIT_H
#define VESSEL_HW_TIMER_PIT_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/irq.h"
#include "softmmu/memory.h"

#define PIT_PORT 0x40
#define PIT_PORT61 0x61
#define PIT_FREQ_HZ 1193182u
#define PIT_NR_CHANNELS 3

typedef struct PITState PITState;

/* `irq0` (copied; may be NULL) follows channel 0's OUT. */
PITState *pit_new(const IRQLine *irq0);
/* Deletes the timer, unmaps (if mapped) and frees. */
void pit_free(PITState *s);
/* Power-on state: every channel in mode 0, binary, LSB-then-MSB access,
 * waiting for a count (OUT low, so IRQ0 low); channel 2 gate and the
 * speaker off. */
void pit_reset(void *opaque);  /* opaque: PITState; fits machine_register_reset */
/* Maps 0x40-0x43 and 0x61. */
void pit_map(PITState *s, MemoryRegion *io_root);

/* Gate input of a channel (the board wires channel 2 through port 0x61;
 * 0 and 1 are tied high on a PC). */
void pit_set_gate(PITState *s, int channel, bool level);
/* OUT level of a channel now (0/1; 0 for an invalid channel). */
int pit_get_out(PITState *s, int channel);

/* Port callbacks, exposed for tests and boards. */
extern const MemoryRegionOps pit_ops;     /* opaque: PITState, 4 ports */
extern const MemoryRegionOps port61_ops;  /* opaque: PITState, 1 port */

#endif
