/*
 * The i440FX host bridge (PCI 00:00.0, 8086:1237): its configuration
 * registers, including the PAM registers that decide whether each piece of
 * 0xC0000-0xFFFFF reads and writes RAM or the ROM/PCI behind it. The board
 * does the actual shadow-RAM switching in a callback.
 */
#ifndef VESSEL_HW_PCI_I440FX_H
#define VESSEL_HW_PCI_I440FX_H

#include <stdint.h>

#include "hw/pci/pci.h"

#define I440FX_VENDOR_ID  0x8086
#define I440FX_DEVICE_ID  0x1237
#define I440FX_PAM0       0x59     /* PAM0-PAM6: 0x59-0x5f */
#define I440FX_PAM_REGS   7
#define I440FX_SMRAM      0x72

/* 13 PAM segments: 0 is 0xF0000-0xFFFFF (PAM0 bits 5:4); segment i (1-12)
 * is the 16 KiB at 0xC0000 + (i - 1) * 16 KiB (PAMn low nibble for the
 * lower half, high nibble for the upper half). */
#define I440FX_PAM_SEGMENTS 13

/* The two bits per segment: bit 0 RE (reads go to RAM), bit 1 WE (writes
 * go to RAM). 0: ROM/PCI, 1: read-only RAM, 2: write-only RAM, 3: RAM. */
enum { PAM_MODE_ROM = 0, PAM_MODE_READ_RAM = 1, PAM_MODE_WRITE_RAM = 2, PAM_MODE_RAM = 3 };

/* Called for each segment whose mode changes (and for all at reset). */
typedef void (*I440FXPamUpdate)(void *opaque, int segment, uint64_t start, uint64_t size,
                                int mode);

typedef struct I440FXState I440FXState;

/* Create the host bridge at 00:00.0 on `bus`. `pam_update` may be NULL. */
I440FXState *i440fx_new(PCIBus *bus, I440FXPamUpdate pam_update, void *opaque);
void i440fx_free(I440FXState *s);
/* Machine reset: registers to defaults, every PAM segment back to ROM. */
void i440fx_reset(void *opaque);
PCIDevice *i440fx_pci_device(I440FXState *s);
int i440fx_pam_mode(const I440FXState *s, int segment);
/* The range a PAM segment covers. */
void i440fx_pam_segment_range(int segment, uint64_t *start, uint64_t *size);

#endif
