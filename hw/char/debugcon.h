/*
 * The Bochs/QEMU debug console: bytes written to one port (0xe9 on the PC)
 * go straight to a character device; reads return 0xe9 so guests can tell
 * the port is there.
 */
#ifndef VESSEL_HW_CHAR_DEBUGCON_H
#define VESSEL_HW_CHAR_DEBUGCON_H

#include <stdint.h>

#include "core/chardev.h"
#include "softmmu/memory.h"

#define DEBUGCON_READBACK 0xe9

typedef struct DebugconState DebugconState;

/* Map the console at `port`; chr may be NULL (output dropped). */
DebugconState *debugcon_create(MemoryRegion *io_root, uint16_t port, Chardev *chr);
/* Unmap and free; the chardev belongs to the chardev registry. */
void debugcon_free(DebugconState *d);

#endif
