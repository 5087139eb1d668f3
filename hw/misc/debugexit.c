/*
 * isa-debug-exit: a write of value V to any of its ports requests process
 * exit with status (V << 1) | 1, so a guest test can report success or
 * failure and never be mistaken for a clean exit 0. Reads return 0.
 */
#include "hw/misc/debugexit.h"

#include <string.h>
#include <glib.h>

#include "core/config.h"
#include "core/log.h"
#include "core/runstate.h"

struct DebugExit {
    MemoryRegion io;
    uint64_t iobase, iosize;
};

static uint64_t debugexit_read(void *opaque, uint64_t addr, unsigned size)
{
    return 0;
}

static void debugexit_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    log_mask(LOG_IOPORT, "isa-debug-exit: write 0x%" G_GINT64_MODIFIER "x (%u bytes)\n",
             (guint64)val, size);
    runstate_request_exit((int)((val << 1) | 1));
}

static const MemoryRegionOps debugexit_ops = {
    .read = debugexit_read,
    .write = debugexit_write,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 4 },
};

/* One "key=value" option; false with *err on anything unknown or bad. */
static bool parse_option(DebugExit *d, const char *opt, char **err)
{
    const char *eq = strchr(opt, '=');
    uint64_t v;
    if (!eq) {
        *err = g_strdup_printf("isa-debug-exit: bad option '%s' (expected iobase=N or iosize=N)", opt);
        return false;
    }
    size_t klen = (size_t)(eq - opt);
    bool is_base = klen == 6 && !strncmp(opt, "iobase", 6);
    bool is_size = klen == 6 && !strncmp(opt, "iosize", 6);
    if (!is_base && !is_size) {
        *err = g_strdup_printf("isa-debug-exit: unknown option '%.*s'", (int)klen, opt);
        return false;
    }
    if (!parse_uint(eq + 1, &v) || (is_base ? v > 0xffff : (v < 1 || v > 0x10000))) {
        *err = g_strdup_printf("isa-debug-exit: bad value '%s' for %.*s", eq + 1, (int)klen, opt);
        return false;
    }
    *(is_base ? &d->iobase : &d->iosize) = v;
    return true;
}

static bool parse_options(DebugExit *d, const char *options, char **err)
{
    if (!options || !*options)
        return true;
    gchar **opts = g_strsplit(options, ",", -1);
    bool ok = true;
    for (int i = 0; ok && opts[i]; i++)
        ok = parse_option(d, opts[i], err);
    g_strfreev(opts);
    if (ok && d->iobase + d->iosize > 0x10000) {
        *err = g_strdup_printf("isa-debug-exit: ports 0x%" G_GINT64_MODIFIER "x+%" G_GINT64_MODIFIER
                               "u do not fit in the port space", (guint64)d->iobase, (guint64)d->iosize);
        ok = false;
    }
    return ok;
}

DebugExit *debugexit_create(MemoryRegion *io_root, const char *options, char **err)
{
    DebugExit *d = g_new0(DebugExit, 1);
    d->iobase = DEBUGEXIT_DEFAULT_IOBASE;
    d->iosize = DEBUGEXIT_DEFAULT_IOSIZE;
    if (!parse_options(d, options, err)) {
        g_free(d);
        return NULL;
    }
    memory_region_init_io(&d->io, "isa-debug-exit", &debugexit_ops, d, d->iosize);
    memory_region_add_subregion(io_root, d->iobase, &d->io);
    return d;
}

void debugexit_free(DebugExit *d)
{
    memory_region_destroy(&d->io);   /* also unmaps it */
    g_free(d);
}
