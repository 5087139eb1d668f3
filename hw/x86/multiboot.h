/*
 * Direct boot of a Multiboot (version 1, spec 0.6.96) kernel: the header in
 * the first 8192 bytes, an ELF32/ELF64 image loaded by its program headers
 * (physical addresses) or the a.out-kludge address fields (flag 16), the
 * -initrd files as modules page-aligned after the kernel, and the info
 * structure (memory sizes, command line "FILE APPEND", modules, e820 mmap,
 * boot loader name "vessel") at BOOT_MBINFO_ADDR. Entry in flat 32-bit
 * protected mode with EAX = 0x2BADB002 and EBX = the info address.
 * Kernel segments must lie in e820 RAM at or above 0x20000 (clear of the
 * boot GDT and info area) and below 4 GiB.
 */
#ifndef VESSEL_HW_X86_MULTIBOOT_H
#define VESSEL_HW_X86_MULTIBOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/x86/boot-entry.h"
#include "hw/x86/boot-image.h"

#define MULTIBOOT_HEADER_MAGIC   0x1badb002u
#define MULTIBOOT_BOOTLOADER_MAGIC 0x2badb002u
#define MULTIBOOT_SEARCH         8192
#define MULTIBOOT_PAGE_ALIGN     0x00000001u
#define MULTIBOOT_MEMORY_INFO    0x00000002u
#define MULTIBOOT_VIDEO_MODE     0x00000004u
#define MULTIBOOT_AOUT_KLUDGE    0x00010000u

/* Info structure flags and offsets. */
#define MBI_FLAG_MEM      (1u << 0)
#define MBI_FLAG_CMDLINE  (1u << 2)
#define MBI_FLAG_MODS     (1u << 3)
#define MBI_FLAG_MMAP     (1u << 6)
#define MBI_FLAG_LOADER   (1u << 9)
#define MBI_FLAGS         0
#define MBI_MEM_LOWER     4
#define MBI_MEM_UPPER     8
#define MBI_CMDLINE       16
#define MBI_MODS_COUNT    20
#define MBI_MODS_ADDR     24
#define MBI_MMAP_LENGTH   44
#define MBI_MMAP_ADDR     48
#define MBI_LOADER_NAME   64
#define MBI_SIZE          88
#define MB_MOD_SIZE       16   /* mod_start, mod_end, string, reserved */
#define MB_MMAP_SIZE      24   /* size (20), base_addr, length, type */

/* Whether buf has a valid Multiboot v1 header in its first 8192 bytes. */
bool multiboot_probe(const uint8_t *buf, size_t len);
/* Load img and its modules; fill *entry. False with a one-line *err. */
bool multiboot_load(AddressSpace *as, const BootImage *img, BootEntry *entry, char **err);

#endif
