/*
 * isa-debug-exit: a port that ends the emulator with a status the guest
 * chooses, for test programs (QEMU-compatible).
 */
#ifndef VESSEL_HW_MISC_DEBUGEXIT_H
#define VESSEL_HW_MISC_DEBUGEXIT_H

#include <stdbool.h>

#include "softmmu/memory.h"

typedef struct DebugExit DebugExit;

#define DEBUGEXIT_DEFAULT_IOBASE 0x501
#define DEBUGEXIT_DEFAULT_IOSIZE 2

/*
 * Map an isa-debug-exit device into the port space. `options` is the
 * -device text after "isa-debug-exit," ("iobase=N,iosize=N", decimal or
 * 0x hex) or NULL. A write of V asks the main loop to exit with status
 * (V << 1) | 1; reads return 0. On a bad option returns NULL with a
 * one-line *err (g_free it). The caller (the board) owns the device.
 */
DebugExit *debugexit_create(MemoryRegion *io_root, const char *options, char **err);
/* Unmap and free one device. */
void debugexit_free(DebugExit *d);

#endif
