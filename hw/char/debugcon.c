/*
 * The 0xe9 debug console (Bochs "port e9 hack", QEMU -debugcon): each byte
 * written goes to the character device, wider writes byte by byte; reads
 * return 0xe9 so a guest can detect the console.
 */
#include "hw/char/debugcon.h"

#include <glib.h>

struct DebugconState {
    MemoryRegion io;
    MemoryRegion *parent;
    Chardev *chr;
};

static uint64_t debugcon_read(void *opaque, uint64_t addr, unsigned size)
{
    return DEBUGCON_READBACK;
}

static void debugcon_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    DebugconState *d = opaque;
    uint8_t byte = (uint8_t)val;
    chardev_write(d->chr, &byte, 1);
}

static const MemoryRegionOps debugcon_ops = {
    .read = debugcon_read,
    .write = debugcon_write,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

DebugconState *debugcon_create(MemoryRegion *io_root, uint16_t port, Chardev *chr)
{
    DebugconState *d = g_new0(DebugconState, 1);
    d->chr = chr;
    memory_region_init_io(&d->io, "debugcon", &debugcon_ops, d, 1);
    memory_region_add_subregion(io_root, port, &d->io);
    d->parent = io_root;
    return d;
}

void debugcon_free(DebugconState *d)
{
    if (!d)
        return;
    memory_region_del_subregion(d->parent, &d->io);
    g_free(d);
}
