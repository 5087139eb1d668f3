/*
 * The BIOS-style (e820) memory map of a PC guest, built from its RAM layout
 * and the ranges the board reserves; handed to the kernel by the direct
 * boot loaders (Linux boot_params, Multiboot mmap).
 */
#ifndef VESSEL_HW_X86_E820_H
#define VESSEL_HW_X86_E820_H

#include <stdbool.h>
#include <stdint.h>

#define E820_MAX_ENTRIES 128   /* what boot_params.e820_table holds */

enum { E820_RAM = 1, E820_RESERVED = 2, E820_ACPI = 3, E820_NVS = 4, E820_UNUSABLE = 5 };

typedef struct E820Entry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;
} E820Entry;

typedef struct E820Map {
    E820Entry e[E820_MAX_ENTRIES];
    int nr;
} E820Map;

/*
 * The PC default: 0-0x9FC00 RAM, 0x9FC00-0xA0000 reserved (EBDA),
 * 0xF0000-0x100000 reserved (BIOS), 1 MiB-below_4g RAM, 4 GiB+ RAM.
 */
void e820_init_pc(E820Map *map, uint64_t below_4g, uint64_t above_4g);
/*
 * Mark [addr, addr + size) as `type`, carving it out of any entry it
 * overlaps; the map stays sorted and non-overlapping. False if the table
 * would overflow or the range wraps.
 */
bool e820_add(E820Map *map, uint64_t addr, uint64_t size, uint32_t type);
/*
 * The highest `align`-aligned address a (align a power of two) with
 * [a, a + size) inside one RAM entry and inside [lo, hi). False if none.
 */
bool e820_find_top(const E820Map *map, uint64_t lo, uint64_t hi, uint64_t size,
                   uint64_t align, uint64_t *out);
/* True if [addr, addr + size) lies entirely inside RAM entries. */
bool e820_is_ram(const E820Map *map, uint64_t addr, uint64_t size);

#endif
