/*
 * fw_cfg: the QEMU firmware configuration interface that SeaBIOS and Linux
 * read (ports 0x510 selector / 0x511 data, DMA at 0x514). Items are keyed
 * by a 16-bit selector; named files live from selector 0x20 on and are
 * listed in the file directory (selector 0x19).
 */
#ifndef VESSEL_HW_MISC_FW_CFG_H
#define VESSEL_HW_MISC_FW_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "softmmu/memory.h"

#define FW_CFG_IO_BASE      0x510   /* 16-bit selector; data at +1 */
#define FW_CFG_DMA_IO_BASE  0x514   /* 64-bit big-endian DMA address */

/* Standard selectors. Integer items are little endian. */
enum {
    FW_CFG_SIGNATURE = 0x00,   /* "QEMU" */
    FW_CFG_ID = 0x01,          /* le32: bit 0 traditional, bit 1 DMA */
    FW_CFG_UUID = 0x02,
    FW_CFG_RAM_SIZE = 0x03,    /* le64 */
    FW_CFG_NOGRAPHIC = 0x04,   /* le16 */
    FW_CFG_NB_CPUS = 0x05,     /* le16 */
    FW_CFG_MACHINE_ID = 0x06,
    FW_CFG_KERNEL_ADDR = 0x07,
    FW_CFG_KERNEL_SIZE = 0x08,
    FW_CFG_KERNEL_CMDLINE = 0x09,
    FW_CFG_INITRD_ADDR = 0x0a,
    FW_CFG_INITRD_SIZE = 0x0b,
    FW_CFG_BOOT_DEVICE = 0x0c,
    FW_CFG_NUMA = 0x0d,
    FW_CFG_BOOT_MENU = 0x0e,
    FW_CFG_MAX_CPUS = 0x0f,    /* le16 */
    FW_CFG_KERNEL_ENTRY = 0x10,
    FW_CFG_KERNEL_DATA = 0x11,
    FW_CFG_INITRD_DATA = 0x12,
    FW_CFG_CMDLINE_ADDR = 0x13,
    FW_CFG_CMDLINE_SIZE = 0x14,
    FW_CFG_CMDLINE_DATA = 0x15,
    FW_CFG_SETUP_ADDR = 0x16,
    FW_CFG_SETUP_SIZE = 0x17,
    FW_CFG_SETUP_DATA = 0x18,
    FW_CFG_FILE_DIR = 0x19,
    FW_CFG_FILE_FIRST = 0x20,
};

/* Selector bits. */
#define FW_CFG_WRITE_CHANNEL 0x4000
#define FW_CFG_ARCH_LOCAL    0x8000
#define FW_CFG_ENTRY_MASK    0x3fff
/* x86 arch-local keys (FW_CFG_ARCH_LOCAL + n). */
#define FW_CFG_ACPI_TABLES   (FW_CFG_ARCH_LOCAL + 0)
#define FW_CFG_SMBIOS_ENTRIES (FW_CFG_ARCH_LOCAL + 1)
#define FW_CFG_IRQ0_OVERRIDE (FW_CFG_ARCH_LOCAL + 2)
#define FW_CFG_E820_TABLE    (FW_CFG_ARCH_LOCAL + 3)
#define FW_CFG_HPET          (FW_CFG_ARCH_LOCAL + 4)
#define FW_CFG_ARCH_KEYS     0x20   /* arch-local keys 0x8000..0x801f */

#define FW_CFG_MAX_FILES     256
#define FW_CFG_MAX_FILE_NAME 56     /* including the terminating NUL */

/* FWCfgDmaAccess.control bits (big endian in guest memory). */
#define FW_CFG_DMA_CTL_ERROR  0x01
#define FW_CFG_DMA_CTL_READ   0x02
#define FW_CFG_DMA_CTL_SKIP   0x04
#define FW_CFG_DMA_CTL_SELECT 0x08
#define FW_CFG_DMA_CTL_WRITE  0x10

typedef struct FWCfgState FWCfgState;

/* Called after the guest wrote [offset, offset + len) of a writable file
 * (through DMA); the file's data buffer already holds the new bytes. */
typedef void (*FWCfgWriteCb)(void *opaque, uint32_t offset, uint32_t len);

/* A device with the signature, ID (DMA supported) and an empty directory.
 * DMA goes to `dma_as` (the system address space); NULL disables DMA. */
FWCfgState *fw_cfg_new(AddressSpace *dma_as);
/* Unmaps (if mapped) and frees the device and every item's data. */
void fw_cfg_free(FWCfgState *s);
/* Map the ports 0x510-0x511 and 0x514-0x51b into `io_root`. */
void fw_cfg_map(FWCfgState *s, MemoryRegion *io_root);
/* Selector back to 0, offsets and DMA address cleared (machine reset). */
void fw_cfg_reset(void *opaque);

/*
 * Set item `key` (a standard key below 0x20 or an arch-local key
 * 0x8000-0x801f) to `data`, taking ownership (g_free'd later; it must come
 * from g_malloc). Replaces an existing item. False for a bad key or a
 * length over 4 GiB - 1 (data is then freed).
 */
bool fw_cfg_add_bytes(FWCfgState *s, uint16_t key, void *data, size_t len);
bool fw_cfg_add_i16(FWCfgState *s, uint16_t key, uint16_t value);
bool fw_cfg_add_i32(FWCfgState *s, uint16_t key, uint32_t value);
bool fw_cfg_add_i64(FWCfgState *s, uint16_t key, uint64_t value);
/* A copy of the NUL-terminated string, NUL included. */
bool fw_cfg_add_string(FWCfgState *s, uint16_t key, const char *value);

/*
 * Add a named file, taking ownership of `data` (g_malloc'd). The directory
 * stays sorted by name, so selectors are reassigned (0x20 + index) as files
 * are added: add all files before the guest runs. Returns the file's
 * selector at the time, or -1 (data freed) for a duplicate or too long
 * name, a full directory or a length over 4 GiB - 1.
 */
int fw_cfg_add_file(FWCfgState *s, const char *name, void *data, size_t len);
/* The same for a file the guest may write through DMA (never past its
 * length); `cb` (may be NULL) runs after each write. */
int fw_cfg_add_file_writable(FWCfgState *s, const char *name, void *data, size_t len,
                             FWCfgWriteCb cb, void *opaque);
/* Current selector of a file, or -1. */
int fw_cfg_file_select(const FWCfgState *s, const char *name);
/* The data and length of a file (for tests and the board), or NULL. */
const void *fw_cfg_file_data(const FWCfgState *s, const char *name, size_t *len);

/* The port callbacks, exposed for unit tests: offset 0 of the 2-byte
 * selector/data region (0x510) and of the 8-byte DMA region (0x514). */
extern const MemoryRegionOps fw_cfg_io_ops;
extern const MemoryRegionOps fw_cfg_dma_ops;

#endif
