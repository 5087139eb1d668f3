/*
 * The machine: the address spaces, the vCPUs and the devices that a board
 * (hw/x86/pc.c) builds from the configuration.
 */
#ifndef VESSEL_CORE_MACHINE_H
#define VESSEL_CORE_MACHINE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/config.h"
#include "softmmu/memory.h"

typedef struct AccelOps AccelOps;
typedef struct X86CPU X86CPU;

typedef struct ResetHandler {
    void (*fn)(void *opaque);
    void *opaque;
} ResetHandler;

typedef struct Machine {
    const VesselConfig *cfg;
    MemoryRegion system_root;   /* container for the physical address space */
    MemoryRegion io_root;       /* container for the 64 KiB port space */
    AddressSpace system_as;
    AddressSpace io_as;
    X86CPU *cpus[VESSEL_MAX_CPUS];
    int nr_cpus;
    const AccelOps *accel;
    ResetHandler *reset_handlers;
    int nr_reset_handlers;
    void *board;                /* board-private state */
} Machine;

/* Device reset hooks, run in registration order on every machine reset. */
void machine_register_reset(Machine *m, void (*fn)(void *opaque), void *opaque);
void machine_reset(Machine *m);

#endif
