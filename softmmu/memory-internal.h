/*
 * Private interface between the three parts of the memory core:
 * memory.c (region tree, address spaces), flatview.c (flattening and
 * lookup) and access.c (loads, stores and byte copies).
 */
#ifndef VESSEL_SOFTMMU_MEMORY_INTERNAL_H
#define VESSEL_SOFTMMU_MEMORY_INTERNAL_H

#include "softmmu/memory.h"

/* Deepest nesting of containers and aliases that is rendered; deeper
 * trees (or alias cycles) are cut off there. */
#define MEMORY_MAX_DEPTH 32

/* Last byte of a flat range (size is never 0, so this cannot overflow). */
static inline uint64_t flat_range_last(const FlatRange *fr)
{
    return fr->start + (fr->size - 1);
}

/* Last byte of a region in its own coordinates. Size 0 means the whole
 * 2^64 space for containers and aliases, and nothing for leaves. Returns
 * false for an empty region. */
static inline bool memory_region_last(const MemoryRegion *mr, uint64_t *last)
{
    if (mr->size != 0) {
        *last = mr->size - 1;
        return true;
    }
    if (mr->kind == MR_CONTAINER || mr->kind == MR_ALIAS) {
        *last = UINT64_MAX;
        return true;
    }
    return false;
}

/* Flatten the tree under `root` into a new view (never NULL). */
FlatView *flatview_build(MemoryRegion *root);
void flatview_free(FlatView *fv);
/* Index of the first range whose last byte is >= addr (fv->nr if none). */
unsigned flatview_find_index(const FlatView *fv, uint64_t addr);
/* The range containing addr, or NULL. */
const FlatRange *flatview_lookup(const FlatView *fv, uint64_t addr);

#endif
