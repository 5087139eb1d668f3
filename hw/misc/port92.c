/*
 * System Control Port A at 0x92. Bits other than 0 and 1 (the security
 * lock and the disk activity LEDs on some chipsets) are stored and read
 * back without effect.
 */
#include "hw/misc/port92.h"

#include <glib.h>

#include "core/log.h"
#include "core/runstate.h"

struct Port92State {
    uint8_t value;
    IRQLine a20;
    MemoryRegion io;
    MemoryRegion *io_root;
};

static uint64_t port92_read(void *opaque, uint64_t addr, unsigned size)
{
    Port92State *s = opaque;
    return s->value;
}

static void port92_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    Port92State *s = opaque;
    uint8_t old = s->value;
    s->value = (uint8_t)val;
    if ((old ^ s->value) & PORT92_A20)
        irq_set(&s->a20, (s->value & PORT92_A20) != 0);
    if (!(old & PORT92_RESET) && (s->value & PORT92_RESET)) {
        log_mask(LOG_RESET, "port92: fast reset\n");
        runstate_request_reset();
    }
}

const MemoryRegionOps port92_ops = {
    .read = port92_read,
    .write = port92_write,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

void port92_reset(void *opaque)
{
    Port92State *s = opaque;
    s->value = PORT92_A20;
}

Port92State *port92_new(const IRQLine *a20_out)
{
    Port92State *s = g_new0(Port92State, 1);
    if (a20_out)
        s->a20 = *a20_out;
    memory_region_init_io(&s->io, "port92", &port92_ops, s, 1);
    port92_reset(s);
    return s;
}

void port92_map(Port92State *s, MemoryRegion *io_root)
{
    s->io_root = io_root;
    memory_region_add_subregion(io_root, PORT92_PORT, &s->io);
}

void port92_free(Port92State *s)
{
    if (!s)
        return;
    if (s->io_root)
        memory_region_del_subregion(s->io_root, &s->io);
    g_free(s);
}
