/*
 * Accesses through an address space: CPU-style loads and stores of 1, 2,
 * 4 or 8 bytes and byte copies of any length for devices and loaders.
 *
 * - RAM and ROM are host memory, read and written little endian; guest
 *   writes to ROM are dropped (address_space_write_rom writes it).
 * - IO regions go through their ops: `valid` decides whether the device
 *   accepts an access (rejected accesses read all ones and drop writes),
 *   `impl` how the core splits or widens it for the callbacks.
 * - Unassigned bytes read 0xff and drop writes.
 * - Accesses that cross flat ranges are split at the range boundaries.
 * - Addresses do not wrap: bytes at or past 2^64 are unassigned.
 * - Every write into RAM (and RAM mapped for writing) is reported to the
 *   code-page marks first (code-pages.h: self-modifying code, DMA).
 */
#include "softmmu/memory-internal.h"
#include "softmmu/code-pages.h"
#include "core/log.h"

#include <glib.h>
#include <inttypes.h>
#include <string.h>

typedef enum AccessKind {
    ACCESS_READ,
    ACCESS_WRITE,
    ACCESS_WRITE_ROM, /* loaders: RAM and ROM are written, IO is not */
} AccessKind;

static const MemoryRegionOps no_ops;

static MemTxResult worse(MemTxResult a, MemTxResult b)
{
    return a > b ? a : b;
}

static uint64_t size_mask(unsigned size)
{
    return size >= 8 ? UINT64_MAX : (1ull << (size * 8)) - 1;
}

static uint64_t shift_left(uint64_t v, uint64_t bits)
{
    return bits >= 64 ? 0 : v << bits;
}

static uint64_t shift_right(uint64_t v, uint64_t bits)
{
    return bits >= 64 ? 0 : v >> bits;
}

/* Little-endian host memory access, whatever the host byte order. */
static uint64_t ld_le(const uint8_t *p, unsigned size)
{
    uint16_t v16;
    uint32_t v32;
    uint64_t v64;
    switch (size) {
    case 1:
        return p[0];
    case 2:
        memcpy(&v16, p, 2);
        return GUINT16_FROM_LE(v16);
    case 4:
        memcpy(&v32, p, 4);
        return GUINT32_FROM_LE(v32);
    case 8:
        memcpy(&v64, p, 8);
        return GUINT64_FROM_LE(v64);
    }
    v64 = 0;
    for (unsigned i = 0; i < size; i++)
        v64 |= (uint64_t)p[i] << (i * 8);
    return v64;
}

static void st_le(uint8_t *p, uint64_t v, unsigned size)
{
    uint16_t v16;
    uint32_t v32;
    switch (size) {
    case 1:
        p[0] = (uint8_t)v;
        return;
    case 2:
        v16 = GUINT16_TO_LE((uint16_t)v);
        memcpy(p, &v16, 2);
        return;
    case 4:
        v32 = GUINT32_TO_LE((uint32_t)v);
        memcpy(p, &v32, 4);
        return;
    case 8:
        v = GUINT64_TO_LE(v);
        memcpy(p, &v, 8);
        return;
    }
    for (unsigned i = 0; i < size; i++)
        p[i] = (uint8_t)(v >> (i * 8));
}

static bool is_access_size(unsigned size)
{
    return size == 1 || size == 2 || size == 4 || size == 8;
}

/* ---- device (IO region) dispatch ---- */

static const MemoryRegionOps *region_ops(const MemoryRegion *mr)
{
    return mr->ops ? mr->ops : &no_ops;
}

static unsigned rule_min(unsigned v)
{
    return v ? v : 1;
}

static unsigned rule_max(unsigned v)
{
    return v ? v : 4;
}

static bool io_access_valid(const MemoryRegionOps *ops, uint64_t off, unsigned size)
{
    if (size < rule_min(ops->valid.min_access_size) || size > rule_max(ops->valid.max_access_size))
        return false;
    return ops->valid.unaligned || (off & (size - 1)) == 0;
}

/* How an accepted access of `size` at `off` becomes callback accesses:
 * `count` accesses of `chunk` bytes from `start`. */
typedef struct ImplPlan {
    uint64_t start;
    unsigned chunk;
    unsigned count;
} ImplPlan;

/* Largest power of two in {1, 2, 4, 8} that is <= v (1 for 0). */
static unsigned pow2_floor(unsigned v)
{
    unsigned s = 8;
    while (s > 1 && s > v)
        s >>= 1;
    return s;
}

static ImplPlan io_impl_plan(const MemoryRegionOps *ops, uint64_t off, unsigned size)
{
    unsigned s = size;
    unsigned imin = pow2_floor(rule_min(ops->impl.min_access_size));
    unsigned imax = pow2_floor(rule_max(ops->impl.max_access_size));
    if (s < imin)
        s = imin;
    if (s > imax)
        s = imax;
    uint64_t start = ops->impl.unaligned ? off : off & ~(uint64_t)(s - 1);
    uint64_t last = off + (size - 1);
    return (ImplPlan){ .start = start, .chunk = s, .count = (unsigned)((last - start) / s + 1) };
}

static MemTxResult io_read(MemoryRegion *mr, uint64_t off, unsigned size, uint64_t *val)
{
    const MemoryRegionOps *ops = region_ops(mr);
    *val = size_mask(size);
    if (!io_access_valid(ops, off, size)) {
        log_mask(LOG_GUEST_ERROR, "%s: invalid %u-byte read at offset 0x%" PRIx64 "\n",
                 mr->name, size, off);
        return MEMTX_ERROR;
    }
    if (!ops->read) {
        log_mask(LOG_UNIMP, "%s: read of %u bytes at offset 0x%" PRIx64 " not implemented\n",
                 mr->name, size, off);
        return MEMTX_ERROR;
    }
    ImplPlan p = io_impl_plan(ops, off, size);
    uint64_t v = 0;
    for (unsigned k = 0; k < p.count; k++) {
        uint64_t cs = p.start + (uint64_t)k * p.chunk;
        uint64_t part = ops->read(mr->opaque, cs, p.chunk) & size_mask(p.chunk);
        v |= cs >= off ? shift_left(part, (cs - off) * 8) : shift_right(part, (off - cs) * 8);
    }
    *val = v & size_mask(size);
    return MEMTX_OK;
}

static MemTxResult io_write(MemoryRegion *mr, uint64_t off, uint64_t val, unsigned size)
{
    const MemoryRegionOps *ops = region_ops(mr);
    if (!io_access_valid(ops, off, size)) {
        log_mask(LOG_GUEST_ERROR, "%s: invalid %u-byte write at offset 0x%" PRIx64 "\n",
                 mr->name, size, off);
        return MEMTX_ERROR;
    }
    if (!ops->write)
        return MEMTX_OK;
    val &= size_mask(size);
    ImplPlan p = io_impl_plan(ops, off, size);
    for (unsigned k = 0; k < p.count; k++) {
        uint64_t cs = p.start + (uint64_t)k * p.chunk;
        uint64_t part = cs >= off ? shift_right(val, (cs - off) * 8) : shift_left(val, (off - cs) * 8);
        ops->write(mr->opaque, cs, part & size_mask(p.chunk), p.chunk);
    }
    return MEMTX_OK;
}

/* The largest access the device accepts for the next bytes of a copy. */
static unsigned io_chunk_size(const MemoryRegionOps *ops, uint64_t off, uint64_t len)
{
    unsigned vmax = rule_max(ops->valid.max_access_size);
    for (unsigned s = 8; s > 1; s >>= 1)
        if (s <= len && s <= vmax && (ops->valid.unaligned || (off & (s - 1)) == 0))
            return s;
    return 1;
}

static MemTxResult io_bytes(MemoryRegion *mr, uint64_t off, uint8_t *buf, uint64_t len,
                            AccessKind kind)
{
    const MemoryRegionOps *ops = region_ops(mr);
    MemTxResult r = MEMTX_OK;
    if (kind == ACCESS_WRITE_ROM) {
        log_mask(LOG_UNIMP, "%s: ROM load into an IO region dropped\n", mr->name);
        return MEMTX_ERROR;
    }
    while (len) {
        unsigned s = io_chunk_size(ops, off, len);
        if (kind == ACCESS_READ) {
            uint64_t v;
            r = worse(r, io_read(mr, off, s, &v));
            st_le(buf, v, s);
        } else {
            r = worse(r, io_write(mr, off, ld_le(buf, s), s));
        }
        off += s;
        buf += s;
        len -= s;
    }
    return r;
}

/* ---- pieces of a copy ---- */

static void log_unassigned(AddressSpace *as, AccessKind kind, uint64_t addr, uint64_t len)
{
    if (as->log_unassigned || log_enabled(LOG_UNIMP))
        log_printf("%s: unassigned %s of %" PRIu64 " bytes at 0x%" PRIx64 "\n", as->name,
                   kind == ACCESS_READ ? "read" : "write", len, addr);
}

static MemTxResult unassigned_bytes(AddressSpace *as, uint64_t addr, uint8_t *buf, uint64_t len,
                                    AccessKind kind)
{
    log_unassigned(as, kind, addr, len);
    if (kind == ACCESS_READ)
        memset(buf, 0xff, len);
    return MEMTX_UNASSIGNED;
}

static MemTxResult host_bytes(MemoryRegion *mr, uint64_t off, uint8_t *buf, uint64_t len,
                              AccessKind kind)
{
    if (kind == ACCESS_READ) {
        memcpy(buf, mr->ram + off, len);
    } else if (mr->kind == MR_RAM || kind == ACCESS_WRITE_ROM) {
        code_pages_notify_write(mr->ram + off, len);
        memcpy(mr->ram + off, buf, len);
    } else {
        log_mask(LOG_UNIMP, "%s: write of %" PRIu64 " bytes to ROM at offset 0x%" PRIx64
                 " dropped\n", mr->name, len, off);
    }
    return MEMTX_OK;
}

static MemTxResult range_bytes(const FlatRange *fr, uint64_t addr, uint8_t *buf, uint64_t len,
                               AccessKind kind)
{
    MemoryRegion *mr = fr->mr;
    uint64_t off = fr->offset_in_region + (addr - fr->start);
    if (mr->kind == MR_IO)
        return io_bytes(mr, off, buf, len, kind);
    return host_bytes(mr, off, buf, len, kind);
}

/*
 * Copy `len` (>= 1) bytes from addr, one flat range or unassigned gap at a
 * time. The view is looked up again for every piece, since a device write
 * may change the memory map.
 */
static MemTxResult access_bytes(AddressSpace *as, uint64_t addr, uint8_t *buf, uint64_t len,
                                AccessKind kind)
{
    MemTxResult r = MEMTX_OK;
    while (len) {
        const FlatView *fv = as->view;
        unsigned nr = fv ? fv->nr : 0;
        unsigned i = fv ? flatview_find_index(fv, addr) : 0;
        uint64_t avail; /* bytes available after addr in this piece, minus one */
        uint64_t piece;
        if (i < nr && fv->ranges[i].start <= addr) {
            avail = flat_range_last(&fv->ranges[i]) - addr;
            piece = len - 1 < avail ? len : avail + 1;
            r = worse(r, range_bytes(&fv->ranges[i], addr, buf, piece, kind));
        } else {
            avail = (i < nr ? fv->ranges[i].start - 1 : UINT64_MAX) - addr;
            piece = len - 1 < avail ? len : avail + 1;
            r = worse(r, unassigned_bytes(as, addr, buf, piece, kind));
        }
        buf += piece;
        len -= piece;
        if (len && piece - 1 == UINT64_MAX - addr) {
            /* the rest lies past 2^64: no wrap-around, it is unassigned */
            return worse(r, unassigned_bytes(as, 0, buf, len, kind));
        }
        addr += piece;
    }
    return r;
}

/* ---- public accesses ---- */

uint64_t address_space_ld(AddressSpace *as, uint64_t addr, unsigned size, MemTxResult *res)
{
    MemTxResult r;
    uint64_t v;
    const FlatRange *fr = address_space_lookup(as, addr);
    if (!is_access_size(size)) {
        r = MEMTX_ERROR;
        v = UINT64_MAX;
    } else if (fr && size - 1 <= flat_range_last(fr) - addr) {
        uint64_t off = fr->offset_in_region + (addr - fr->start);
        if (fr->mr->kind == MR_IO) {
            r = io_read(fr->mr, off, size, &v);
        } else {
            v = ld_le(fr->mr->ram + off, size);
            r = MEMTX_OK;
        }
    } else {
        uint8_t b[8];
        r = access_bytes(as, addr, b, size, ACCESS_READ);
        v = ld_le(b, size);
    }
    if (res)
        *res = r;
    return v;
}

MemTxResult address_space_st(AddressSpace *as, uint64_t addr, uint64_t val, unsigned size)
{
    const FlatRange *fr = address_space_lookup(as, addr);
    if (!is_access_size(size))
        return MEMTX_ERROR;
    if (fr && size - 1 <= flat_range_last(fr) - addr) {
        uint64_t off = fr->offset_in_region + (addr - fr->start);
        if (fr->mr->kind == MR_IO)
            return io_write(fr->mr, off, val, size);
        uint8_t b[8];
        st_le(b, val, size);
        return host_bytes(fr->mr, off, b, size, ACCESS_WRITE);
    }
    uint8_t b[8];
    st_le(b, val, size);
    return access_bytes(as, addr, b, size, ACCESS_WRITE);
}

MemTxResult address_space_read(AddressSpace *as, uint64_t addr, void *buf, uint64_t len)
{
    return len ? access_bytes(as, addr, buf, len, ACCESS_READ) : MEMTX_OK;
}

MemTxResult address_space_write(AddressSpace *as, uint64_t addr, const void *buf, uint64_t len)
{
    /* the buffer is only read for writes */
    return len ? access_bytes(as, addr, (uint8_t *)buf, len, ACCESS_WRITE) : MEMTX_OK;
}

MemTxResult address_space_write_rom(AddressSpace *as, uint64_t addr, const void *buf, uint64_t len)
{
    return len ? access_bytes(as, addr, (uint8_t *)buf, len, ACCESS_WRITE_ROM) : MEMTX_OK;
}

uint8_t *address_space_map_ram(AddressSpace *as, uint64_t addr, uint64_t *plen, bool is_write)
{
    const FlatRange *fr = address_space_lookup(as, addr);
    if (!fr)
        return NULL;
    MemoryRegion *mr = fr->mr;
    if (mr->kind != MR_RAM && !(mr->kind == MR_ROM && !is_write))
        return NULL;
    uint64_t avail = flat_range_last(fr) - addr + 1; /* <= fr->size, no overflow */
    if (*plen > avail)
        *plen = avail;
    uint8_t *host = mr->ram + fr->offset_in_region + (addr - fr->start);
    if (is_write)
        code_pages_notify_write(host, *plen);
    return host;
}
