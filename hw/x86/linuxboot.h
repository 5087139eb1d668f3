/*
 * Direct boot of a Linux bzImage per the x86 boot protocol (2.06 or later):
 * the protected-mode kernel at 1 MiB (or its preferred address when it is
 * relocatable and that fits), boot_params at BOOT_PARAMS_ADDR, the command
 * line at BOOT_CMDLINE_ADDR, the initrd as high as possible below
 * min(initrd_addr_max, end of RAM below 4 GiB), the e820 table from the
 * board's map, and entry at the 32-bit protected-mode entry point (flat CS
 * 0x10 / DS 0x18, ESI = boot_params, paging and interrupts off). The 32-bit
 * entry also starts 64-bit kernels, which switch to long mode themselves.
 */
#ifndef VESSEL_HW_X86_LINUXBOOT_H
#define VESSEL_HW_X86_LINUXBOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/x86/boot-entry.h"
#include "hw/x86/boot-image.h"

/* Offsets in the file / boot_params (Documentation/arch/x86/boot.rst, zero-page.rst). */
#define LINUX_HDR_SETUP_SECTS    0x1f1
#define LINUX_HDR_SYSSIZE        0x1f4
#define LINUX_HDR_VID_MODE       0x1fa
#define LINUX_HDR_BOOT_FLAG      0x1fe
#define LINUX_HDR_JUMP           0x200
#define LINUX_HDR_MAGIC          0x202   /* "HdrS" */
#define LINUX_HDR_VERSION        0x206
#define LINUX_HDR_KERNEL_VERSION 0x20e
#define LINUX_HDR_TYPE_OF_LOADER 0x210
#define LINUX_HDR_LOADFLAGS      0x211
#define LINUX_HDR_CODE32_START   0x214
#define LINUX_HDR_RAMDISK_IMAGE  0x218
#define LINUX_HDR_RAMDISK_SIZE   0x21c
#define LINUX_HDR_HEAP_END_PTR   0x224
#define LINUX_HDR_CMD_LINE_PTR   0x228
#define LINUX_HDR_INITRD_MAX     0x22c
#define LINUX_HDR_KERNEL_ALIGN   0x230
#define LINUX_HDR_RELOCATABLE    0x234
#define LINUX_HDR_XLOADFLAGS     0x236
#define LINUX_HDR_CMDLINE_SIZE   0x238
#define LINUX_HDR_PREF_ADDRESS   0x258
#define LINUX_HDR_INIT_SIZE      0x260
#define LINUX_HDR_END_MAX        0x290   /* boot_params.hdr ends here */
#define LINUX_BP_ACPI_RSDP       0x070
#define LINUX_BP_EXT_RAMDISK_IMG 0x0c0
#define LINUX_BP_EXT_RAMDISK_SZ  0x0c4
#define LINUX_BP_EXT_CMD_LINE    0x0c8
#define LINUX_BP_E820_ENTRIES    0x1e8
#define LINUX_BP_E820_TABLE      0x2d0
#define LINUX_BP_SIZE            0x1000

#define LINUX_LOADED_HIGH   0x01
#define LINUX_CAN_USE_HEAP  0x80
#define LINUX_XLF_KERNEL_64 0x01
#define LINUX_LOADER_TYPE   0xff         /* no assigned boot loader id */
#define LINUX_HEAP_END      (0xfe00 - 0x200)
#define LINUX_LOAD_ADDR     0x100000u
#define LINUX_MIN_VERSION   0x206

/* Whether buf looks like a Linux kernel with a setup header ("HdrS"). */
bool linux_probe(const uint8_t *buf, size_t len);
/* The protocol version (e.g. 0x20f), or 0 if buf is not a kernel. */
unsigned linux_protocol_version(const uint8_t *buf, size_t len);
/* Copy the kernel version string into out (NUL-terminated); false if absent. */
bool linux_kernel_version(const uint8_t *buf, size_t len, char *out, size_t outlen);
/* What a boot loader (here: the fw_cfg boot through firmware) needs to know
 * of a bzImage, every field checked against the file. */
typedef struct LinuxImageInfo {
    unsigned version;          /* boot protocol, 0x206 or later */
    size_t setup_len;          /* real-mode part at the start of the file */
    size_t kernel_len;         /* protected-mode part, the rest of the file */
    uint64_t need;             /* RAM needed at the load address (init_size or kernel_len) */
    uint32_t initrd_max;       /* highest address the initrd may end at, inclusive */
    uint32_t cmdline_size;     /* longest command line, without the NUL */
} LinuxImageInfo;
/* Parse and check img->kernel's setup header; false with a one-line *err. */
bool linux_image_info(const BootImage *img, LinuxImageInfo *info, char **err);
/*
 * Load img (a bzImage, modules[0] = initrd) into guest memory and fill
 * *entry for boot_entry_apply. False with a one-line *err (g_free it).
 */
bool linux_load(AddressSpace *as, const BootImage *img, BootEntry *entry, char **err);

#endif
