/*
 * The PIIX reset control register at port 0xcf9: writing bit 2 (reset CPU)
 * resets the machine; bit 1 chooses a hard or soft reset and bit 3 a full
 * reset, which are all the same full machine reset here.
 */
#ifndef VESSEL_HW_MISC_RESETCTL_H
#define VESSEL_HW_MISC_RESETCTL_H

#include <stdint.h>

#include "softmmu/memory.h"

#define RESETCTL_PORT 0xcf9
#define RESETCTL_HARD 0x02
#define RESETCTL_RESET_CPU 0x04
#define RESETCTL_FULL 0x08

typedef struct ResetCtlState ResetCtlState;

ResetCtlState *resetctl_new(void);
void resetctl_free(ResetCtlState *s);
void resetctl_reset(void *opaque);  /* opaque: ResetCtlState; fits machine_register_reset */
/*
 * With a PCI host bridge (hw/pci: its 0xcf8 window covers 0xcf9), do not
 * map this device; install its hooks instead:
 *     pci_bus_set_reset_control(bus, resetctl_read, resetctl_write, rc);
 * resetctl_map maps the byte at 0xcf9 by itself, for boards without one.
 */
void resetctl_map(ResetCtlState *s, MemoryRegion *io_root);
/* opaque: ResetCtlState */
uint64_t resetctl_read(void *opaque);
void resetctl_write(void *opaque, uint8_t val);

extern const MemoryRegionOps resetctl_ops;  /* opaque: ResetCtlState, 1 port */

#endif
