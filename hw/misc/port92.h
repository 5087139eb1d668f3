/*
 * Port 0x92, System Control Port A ("fast A20 and reset"): bit 1 drives the
 * A20 gate (shared with the i8042's output port), a 0->1 transition of
 * bit 0 resets the machine.
 */
#ifndef VESSEL_HW_MISC_PORT92_H
#define VESSEL_HW_MISC_PORT92_H

#include <stdint.h>

#include "hw/irq.h"
#include "softmmu/memory.h"

#define PORT92_PORT 0x92
#define PORT92_RESET 0x01
#define PORT92_A20 0x02

typedef struct Port92State Port92State;

/* `a20_out` (copied; may be NULL): set to bit 1 whenever a write changes it. */
Port92State *port92_new(const IRQLine *a20_out);
void port92_free(Port92State *s);
/* Power-on value 0x02 (A20 on, matching the i8042's default). The A20 line
 * is not driven here: the i8042's reset drives it. */
void port92_reset(void *opaque);  /* opaque: Port92State; fits machine_register_reset */
void port92_map(Port92State *s, MemoryRegion *io_root);

extern const MemoryRegionOps port92_ops;  /* opaque: Port92State, 1 port */

#endif
