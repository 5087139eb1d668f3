/*
 * The PC board: RAM with the PC layout, the firmware ROM below 4 GiB and
 * its alias below 1 MiB, the vCPUs and the ISA devices.
 */
#ifndef VESSEL_HW_X86_PC_H
#define VESSEL_HW_X86_PC_H

#include "core/config.h"
#include "core/machine.h"

#define PC_LOW_RAM_END      0xa0000ull      /* 640 KiB */
#define PC_LEGACY_END       0x100000ull
#define PC_BIOS_ALIAS_MAX   (128ull << 10)
#define PC_PCI_HOLE_START   0xc0000000ull   /* low RAM stops here when -m >= 3.5G */
#define PC_BELOW_4G_LIMIT   0xe0000000ull
#define PC_4G               0x100000000ull
#define PC_DEFAULT_BIOS     "/usr/share/seabios/bios-256k.bin"

/* Build the machine described by cfg; NULL + one-line *err on failure. */
Machine *pc_machine_new(const VesselConfig *cfg, char **err);
void pc_machine_free(Machine *m);

/* Split of guest RAM around the PCI hole (exposed for tests). */
void pc_ram_split(uint64_t ram_size, uint64_t *below_4g, uint64_t *above_4g);
/* Firmware image size rule: a power of two from 64 KiB to 16 MiB. */
bool pc_bios_size_ok(uint64_t size);

#endif
