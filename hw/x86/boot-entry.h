/*
 * The CPU state in which the direct boot loaders (Linux, Multiboot) hand
 * over to a kernel: 32-bit flat protected mode, paging and interrupts off,
 * a small GDT in guest RAM, and a few registers.
 *
 * Guest memory used by the direct boot loaders (all below 640 KiB, clear of
 * each other):
 *   0x05000 - 0x0501F  boot GDT (null, null, 0x10 flat code, 0x18 flat data)
 *   0x07000 - 0x07FFF  Linux boot_params ("zero page")
 *   0x09000 - 0x1FFFF  Multiboot info, mmap, module list and strings
 *   0x20000 - 0x9EFFF  Linux kernel command line
 * The kernel itself goes at 1 MiB (or its preferred address), initrd and
 * modules above it.
 */
#ifndef VESSEL_HW_X86_BOOT_ENTRY_H
#define VESSEL_HW_X86_BOOT_ENTRY_H

#include <stdbool.h>
#include <stdint.h>

#include "softmmu/memory.h"

typedef struct X86CPU X86CPU;

#define BOOT_GDT_ADDR      0x5000u
#define BOOT_PARAMS_ADDR   0x7000u
#define BOOT_MBINFO_ADDR   0x9000u
#define BOOT_MBINFO_END    0x20000u
#define BOOT_CMDLINE_ADDR  0x20000u
#define BOOT_CMDLINE_END   0x9f000u
#define BOOT_CS            0x10u
#define BOOT_DS            0x18u

/* Where and how the BSP starts; applied after every CPU reset. */
typedef struct BootEntry {
    uint32_t eip;
    uint32_t eax, ebx, esi;  /* other general registers are zero */
} BootEntry;

/* Write the boot GDT at BOOT_GDT_ADDR. False with *err if that is not RAM. */
bool boot_gdt_write(AddressSpace *as, char **err);
/* Put `cpu` (just reset) into the flat 32-bit state described by `e`. */
void boot_entry_apply(X86CPU *cpu, const BootEntry *e);
/* Write guest RAM; false (with *err "what: ...") if any byte misses RAM. */
bool boot_write(AddressSpace *as, uint64_t addr, const void *buf, uint64_t len,
                const char *what, char **err);
/* Zero [addr, addr + len) of guest RAM, same rules. */
bool boot_zero(AddressSpace *as, uint64_t addr, uint64_t len, const char *what, char **err);

#endif
