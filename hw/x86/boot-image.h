/*
 * What the direct boot loaders are given: the kernel image and the extra
 * files already read into host memory, the command line, and the guest's
 * memory map.
 */
#ifndef VESSEL_HW_X86_BOOT_IMAGE_H
#define VESSEL_HW_X86_BOOT_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "hw/x86/e820.h"

#define BOOT_MAX_MODULES 32

typedef struct BootModule {
    const uint8_t *data;
    size_t len;
    const char *cmdline;   /* Multiboot module string: file name and arguments */
} BootModule;

typedef struct BootImage {
    const char *name;          /* the -kernel file name, for messages */
    const uint8_t *kernel;
    size_t kernel_len;
    const char *cmdline;       /* -append, or NULL */
    /* Linux: modules[0] is the initrd (at most one). Multiboot: the modules. */
    const BootModule *modules;
    int nr_modules;
    const E820Map *e820;       /* RAM and reserved ranges */
    uint64_t ram_below_4g;     /* end of RAM below 4 GiB */
    uint64_t acpi_rsdp;        /* RSDP address for Linux (0 = none) */
} BootImage;

#endif
