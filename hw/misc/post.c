/*
 * Port 0x80 POST-code sink. Writes store the byte (logged with -d ioport);
 * reads return it, as a POST card's latch and many PC chipsets do. (QEMU
 * answers reads of 0x80 with 0xff instead; nothing we know of depends on
 * either, and reading back the code is the more useful behaviour.)
 */
#include "hw/misc/post.h"

#include <glib.h>

#include "core/log.h"

struct PostState {
    MemoryRegion io;
    MemoryRegion *parent;
    uint8_t code;
};

static uint64_t post_read(void *opaque, uint64_t addr, unsigned size)
{
    PostState *p = opaque;
    return p->code;
}

static void post_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    PostState *p = opaque;
    p->code = (uint8_t)val;
    log_mask(LOG_IOPORT, "POST code 0x%02x\n", p->code);
}

static const MemoryRegionOps post_ops = {
    .read = post_read,
    .write = post_write,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

PostState *post_create(MemoryRegion *io_root)
{
    PostState *p = g_new0(PostState, 1);
    memory_region_init_io(&p->io, "post", &post_ops, p, 1);
    memory_region_add_subregion(io_root, POST_PORT, &p->io);
    p->parent = io_root;
    return p;
}

uint8_t post_last_code(const PostState *p)
{
    return p->code;
}

void post_free(PostState *p)
{
    if (!p)
        return;
    memory_region_del_subregion(p->parent, &p->io);
    g_free(p);
}
