/*
 * The -kernel front end: reads the kernel and -initrd files (each must fit
 * in guest RAM below 4 GiB) and boots a Linux bzImage or a Multiboot v1
 * kernel directly, without firmware.
 *
 * Board usage (hw/x86/pc.c), after RAM is mapped and the e820 map built:
 *     DirectBootConfig dc = { cfg->kernel, cfg->initrd, cfg->append, &e820, below_4g, rsdp };
 *     BootEntry entry;
 *     if (!pc_direct_boot(&m->system_as, &dc, &entry, err)) fail;
 * then, after every reset of the BSP (a reset handler registered after the
 * CPUs'): boot_entry_apply(m->cpus[0], &entry). APs wait for INIT/SIPI as
 * usual. To restore guest memory on reboot, call pc_direct_boot again.
 */
#ifndef VESSEL_HW_X86_KERNEL_LOADER_H
#define VESSEL_HW_X86_KERNEL_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/x86/boot-entry.h"
#include "hw/x86/e820.h"

typedef struct DirectBootConfig {
    const char *kernel;        /* -kernel path */
    const char *initrd;        /* -initrd: Linux: one file; Multiboot: "FILE ARGS,FILE ARGS" (",," = ",") */
    const char *append;        /* -append, or NULL */
    const E820Map *e820;
    uint64_t ram_below_4g;
    uint64_t acpi_rsdp;        /* 0 = none */
} DirectBootConfig;

/* Load per the kernel's format and fill *entry; false with a one-line *err (g_free it). */
bool pc_direct_boot(AddressSpace *as, const DirectBootConfig *dc, BootEntry *entry, char **err);
/*
 * Read a whole regular file of at most `limit` bytes (g_free *data).
 * `what` names it in errors ("-kernel", "-initrd").
 */
bool boot_read_file(const char *what, const char *path, uint64_t limit, uint8_t **data,
                    size_t *len, char **err);

#endif
