/*
 * Reset control register (0xcf9). Any write with bit 2 set requests a
 * machine reset (as Linux's "reboot=pci" writes 0x02 then 0x06); bits 1
 * and 3 are stored and read back; bit 2 reads as 0.
 */
#include "hw/misc/resetctl.h"

#include <glib.h>

#include "core/log.h"
#include "core/runstate.h"

struct ResetCtlState {
    uint8_t value;
    MemoryRegion io;
    MemoryRegion *io_root;
};

uint64_t resetctl_read(void *opaque)
{
    ResetCtlState *s = opaque;
    return s->value;
}

void resetctl_write(void *opaque, uint8_t val)
{
    ResetCtlState *s = opaque;
    s->value = val & (RESETCTL_HARD | RESETCTL_FULL);
    if (val & RESETCTL_RESET_CPU) {
        log_mask(LOG_RESET, "resetctl: %s reset (0x%02x)\n",
                 val & (RESETCTL_HARD | RESETCTL_FULL) ? "hard" : "soft", val);
        runstate_request_reset();
    }
}

static uint64_t resetctl_port_read(void *opaque, uint64_t addr, unsigned size)
{
    return resetctl_read(opaque);
}

static void resetctl_port_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    resetctl_write(opaque, (uint8_t)val);
}

const MemoryRegionOps resetctl_ops = {
    .read = resetctl_port_read,
    .write = resetctl_port_write,
    .valid = { .min_access_size = 1, .max_access_size = 1 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

void resetctl_reset(void *opaque)
{
    ResetCtlState *s = opaque;
    s->value = 0;
}

ResetCtlState *resetctl_new(void)
{
    ResetCtlState *s = g_new0(ResetCtlState, 1);
    memory_region_init_io(&s->io, "reset-control", &resetctl_ops, s, 1);
    return s;
}

void resetctl_map(ResetCtlState *s, MemoryRegion *io_root)
{
    s->io_root = io_root;
    memory_region_add_subregion(io_root, RESETCTL_PORT, &s->io);
}

void resetctl_free(ResetCtlState *s)
{
    if (!s)
        return;
    if (s->io_root)
        memory_region_del_subregion(s->io_root, &s->io);
    g_free(s);
}
