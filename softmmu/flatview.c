/*
 * Flattening a MemoryRegion tree into a FlatView: a sorted array of
 * non-overlapping FlatRanges, each naming the leaf region (RAM, ROM or IO)
 * visible there. Regions are rendered from the highest priority down and
 * each one only fills the gaps the earlier ones left, so the winner of an
 * overlap is the first one rendered. Lookups are binary searches.
 *
 * All bounds are inclusive ("last" byte) so that ranges ending at 2^64
 * never overflow.
 */
#include "softmmu/memory-internal.h"

#include <glib.h>
#include <string.h>

unsigned flatview_find_index(const FlatView *fv, uint64_t addr)
{
    unsigned lo = 0, hi = fv->nr;
    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        if (flat_range_last(&fv->ranges[mid]) < addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

const FlatRange *flatview_lookup(const FlatView *fv, uint64_t addr)
{
    unsigned i = flatview_find_index(fv, addr);
    if (i < fv->nr && fv->ranges[i].start <= addr)
        return &fv->ranges[i];
    return NULL;
}

void flatview_free(FlatView *fv)
{
    if (!fv)
        return;
    g_free(fv->ranges);
    g_free(fv);
}

/* Insert [start, last] -> mr@offset as a new range at index idx. */
static void flatview_insert(FlatView *fv, unsigned idx, uint64_t start, uint64_t last,
                            MemoryRegion *mr, uint64_t offset)
{
    if (fv->nr == fv->capacity) {
        fv->capacity = fv->capacity ? fv->capacity * 2 : 16;
        fv->ranges = g_renew(FlatRange, fv->ranges, fv->capacity);
    }
    memmove(&fv->ranges[idx + 1], &fv->ranges[idx], (fv->nr - idx) * sizeof(FlatRange));
    fv->ranges[idx] = (FlatRange){
        .start = start,
        .size = last - start + 1,
        .mr = mr,
        .offset_in_region = offset,
    };
    fv->nr++;
}

/* Map [start, last] (absolute) to mr, whose byte `offset` is at `start`,
 * wherever no earlier (higher priority) range covers it yet. */
static void flatview_fill_gaps(FlatView *fv, uint64_t start, uint64_t last,
                               MemoryRegion *mr, uint64_t offset)
{
    uint64_t cur = start;
    unsigned i = flatview_find_index(fv, start);
    for (;;) {
        if (i == fv->nr || fv->ranges[i].start > last) {
            flatview_insert(fv, i, cur, last, mr, offset + (cur - start));
            return;
        }
        if (fv->ranges[i].start > cur) {
            flatview_insert(fv, i, cur, fv->ranges[i].start - 1, mr, offset + (cur - start));
            i++;
        }
        uint64_t covered = flat_range_last(&fv->ranges[i]);
        if (covered >= last)
            return;
        cur = covered + 1;
        i++;
    }
}

/* Rendering state: the view being built and the regions being rendered
 * right now (outermost first), which cuts alias cycles short. */
typedef struct Renderer {
    FlatView *fv;
    const MemoryRegion *stack[MEMORY_MAX_DEPTH + 1];
} Renderer;

static void render_region(Renderer *rd, MemoryRegion *mr, uint64_t delta,
                          uint64_t lo, uint64_t hi, int depth);

/* Children are kept highest priority first (later-added first among
 * equals), which is exactly the rendering order. */
static void render_container(Renderer *rd, MemoryRegion *mr, uint64_t delta,
                             uint64_t lo, uint64_t hi, int depth)
{
    for (unsigned i = 0; i < mr->nr_subregions; i++) {
        MemoryRegion *c = mr->subregions[i];
        uint64_t clast;
        if (!memory_region_last(c, &clast))
            continue;
        uint64_t cend = c->addr + clast;
        if (cend < c->addr)
            cend = UINT64_MAX; /* child sticks out past 2^64: clip */
        uint64_t a = lo > c->addr ? lo : c->addr;
        uint64_t b = hi < cend ? hi : cend;
        if (a > b)
            continue;
        render_region(rd, c, delta + c->addr, a - c->addr, b - c->addr, depth + 1);
    }
}

static void render_alias(Renderer *rd, MemoryRegion *mr, uint64_t delta,
                         uint64_t lo, uint64_t hi, int depth)
{
    uint64_t off = mr->alias_offset;
    if (!mr->alias || lo > UINT64_MAX - off)
        return;
    uint64_t thi = hi > UINT64_MAX - off ? UINT64_MAX : hi + off;
    render_region(rd, mr->alias, delta - off, lo + off, thi, depth + 1);
}

/*
 * Render `mr` where its local window [lo, hi] is visible; local address x
 * is at absolute address x + delta (the window never wraps).
 */
static bool render_is_cycle(const Renderer *rd, const MemoryRegion *mr, int depth)
{
    for (int i = 0; i < depth; i++)
        if (rd->stack[i] == mr)
            return true;
    return false;
}

static void render_region(Renderer *rd, MemoryRegion *mr, uint64_t delta,
                          uint64_t lo, uint64_t hi, int depth)
{
    uint64_t last;
    if (!mr->enabled || depth > MEMORY_MAX_DEPTH || !memory_region_last(mr, &last))
        return;
    if (lo > last || render_is_cycle(rd, mr, depth))
        return;
    if (hi > last)
        hi = last;
    rd->stack[depth] = mr;
    switch (mr->kind) {
    case MR_CONTAINER:
        render_container(rd, mr, delta, lo, hi, depth);
        break;
    case MR_ALIAS:
        render_alias(rd, mr, delta, lo, hi, depth);
        break;
    case MR_RAM:
    case MR_ROM:
    case MR_IO:
        flatview_fill_gaps(rd->fv, lo + delta, hi + delta, mr, lo);
        break;
    }
}

/* Join neighbours that continue the same region, so a RAM region split by
 * nothing stays one range. */
static void flatview_merge(FlatView *fv)
{
    if (fv->nr == 0)
        return;
    unsigned out = 0;
    for (unsigned i = 1; i < fv->nr; i++) {
        FlatRange *prev = &fv->ranges[out];
        const FlatRange *cur = &fv->ranges[i];
        if (cur->mr == prev->mr && prev->start + prev->size == cur->start &&
            prev->offset_in_region + prev->size == cur->offset_in_region) {
            prev->size += cur->size;
        } else {
            fv->ranges[++out] = *cur;
        }
    }
    fv->nr = out + 1;
}

FlatView *flatview_build(MemoryRegion *root)
{
    FlatView *fv = g_new0(FlatView, 1);
    if (root) {
        Renderer rd = { .fv = fv };
        render_region(&rd, root, 0, 0, UINT64_MAX, 0);
        flatview_merge(fv);
    }
    return fv;
}
