/*
 * Memory regions and address spaces: the tree of RAM, ROM, MMIO, alias and
 * container regions that a board builds, flattened into a sorted view that
 * answers "what is at this address" in O(log n). The same machinery serves
 * the physical address space and the I/O-port space.
 */
#ifndef VESSEL_SOFTMMU_MEMORY_H
#define VESSEL_SOFTMMU_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct MemoryRegion MemoryRegion;
typedef struct AddressSpace AddressSpace;
typedef struct FlatView FlatView;

/* Result of a memory transaction. */
typedef enum MemTxResult {
    MEMTX_OK = 0,
    MEMTX_UNASSIGNED = 1, /* nothing mapped there: reads gave all ones */
    MEMTX_ERROR = 2,      /* the device refused the access */
} MemTxResult;

/*
 * Device callbacks. One signature for MMIO and port I/O. `addr` is the
 * offset inside the region; `size` is in bytes (1, 2, 4 or 8).
 *
 * valid: which guest accesses the device accepts. An access outside these
 *        rules is treated like unassigned space (reads all ones, writes
 *        dropped). min 0 means 1, max 0 means 4.
 * impl:  what the callbacks implement. The core splits wider accesses and
 *        widens narrower ones (little endian) to fit. min 0 means 1, max 0
 *        means 4.
 */
typedef struct MemoryRegionOps {
    uint64_t (*read)(void *opaque, uint64_t addr, unsigned size);
    void (*write)(void *opaque, uint64_t addr, uint64_t val, unsigned size);
    struct {
        unsigned min_access_size;
        unsigned max_access_size;
        bool unaligned; /* accept accesses not aligned to their size */
    } valid;
    struct {
        unsigned min_access_size;
        unsigned max_access_size;
        bool unaligned;
    } impl;
} MemoryRegionOps;

typedef enum MemoryRegionKind {
    MR_CONTAINER,
    MR_RAM,
    MR_ROM,   /* host-backed, guest writes dropped (logged with -d unimp) */
    MR_IO,    /* callbacks */
    MR_ALIAS, /* a window onto part of another region */
} MemoryRegionKind;

struct MemoryRegion {
    MemoryRegionKind kind;
    const char *name;
    uint64_t size;           /* bytes; 0 for a container or an alias means all
                              * 2^64 bytes, for RAM/ROM/IO it means empty */
    bool enabled;
    uint8_t *ram;            /* MR_RAM / MR_ROM host memory, `size` bytes */
    bool ram_owned;          /* ram was allocated by the region and is freed with it */
    const MemoryRegionOps *ops;
    void *opaque;
    MemoryRegion *alias;     /* MR_ALIAS target */
    uint64_t alias_offset;
    /* placement inside the parent container */
    MemoryRegion *parent;
    uint64_t addr;
    int priority;
    /* children (MR_CONTAINER), kept sorted by descending priority */
    MemoryRegion **subregions;
    unsigned nr_subregions;
    AddressSpace *owner_as;  /* set on the root of an address space */
};

/* A contiguous piece of the flattened view: [start, start + size) maps to
 * `mr` (a RAM, ROM or IO region) at `offset_in_region`. */
typedef struct FlatRange {
    uint64_t start;
    uint64_t size;
    MemoryRegion *mr;
    uint64_t offset_in_region;
} FlatRange;

struct FlatView {
    FlatRange *ranges;
    unsigned nr;
    unsigned capacity;
};

/* Notified after every change of an address space's flattened view. KVM
 * turns RAM ranges into memslots, the TLB flushes. Called with the big lock
 * held; commit() must not change the topology itself. */
typedef struct MemoryListener {
    void (*commit)(void *opaque, AddressSpace *as, const FlatView *view);
    void *opaque;
    struct MemoryListener *next;
} MemoryListener;

struct AddressSpace {
    const char *name;
    MemoryRegion *root;
    FlatView *view;
    MemoryListener *listeners;
    unsigned generation;     /* bumped on every re-flatten */
    bool log_unassigned;     /* -d unimp: log unassigned accesses */
};

/* ---- region construction ---- */
void memory_region_init_container(MemoryRegion *mr, const char *name, uint64_t size);
/* RAM/ROM: allocates zeroed host memory. Returns false if allocation fails. */
bool memory_region_init_ram(MemoryRegion *mr, const char *name, uint64_t size);
bool memory_region_init_rom(MemoryRegion *mr, const char *name, uint64_t size);
/* RAM backed by caller memory (not freed by the region). */
void memory_region_init_ram_ptr(MemoryRegion *mr, const char *name, uint64_t size, void *host);
void memory_region_init_io(MemoryRegion *mr, const char *name, const MemoryRegionOps *ops,
                           void *opaque, uint64_t size);
void memory_region_init_alias(MemoryRegion *mr, const char *name, MemoryRegion *target,
                              uint64_t offset, uint64_t size);
/* Frees host memory owned by the region and its subregion list. */
void memory_region_destroy(MemoryRegion *mr);

/* Place `child` inside container `parent` at `offset`. Higher priority wins
 * where regions overlap; at equal priority the later-added one wins. */
void memory_region_add_subregion(MemoryRegion *parent, uint64_t offset, MemoryRegion *child);
void memory_region_add_subregion_overlap(MemoryRegion *parent, uint64_t offset,
                                         MemoryRegion *child, int priority);
void memory_region_del_subregion(MemoryRegion *parent, MemoryRegion *child);
void memory_region_set_enabled(MemoryRegion *mr, bool enabled);
void memory_region_set_address(MemoryRegion *mr, uint64_t addr);
void memory_region_set_alias_offset(MemoryRegion *mr, uint64_t offset);

/* ---- address spaces ---- */
void address_space_init(AddressSpace *as, MemoryRegion *root, const char *name);
void address_space_destroy(AddressSpace *as);
/* Appends `l` and calls its commit() once right away with the current view. */
void address_space_add_listener(AddressSpace *as, MemoryListener *l);
void address_space_remove_listener(AddressSpace *as, MemoryListener *l);
/* Recompute the view of every address space whose tree contains `mr`.
 * Called automatically by the topology functions above. */
void memory_region_update_topology(MemoryRegion *mr);

/* Group topology changes: views are rebuilt (and listeners called) once,
 * when the outermost commit ends. Nests. */
void memory_region_transaction_begin(void);
void memory_region_transaction_commit(void);

/* O(log n): the flat range containing addr, or NULL for unassigned space. */
const FlatRange *address_space_lookup(AddressSpace *as, uint64_t addr);

/*
 * Host pointer for [addr, addr + *plen) if it lies in RAM (or ROM when
 * !is_write), clamping *plen to the end of that RAM range. NULL otherwise.
 * is_write reports a write of the whole [addr, addr + *plen) to the code
 * pages (code-pages.h) before returning: map only what will be written.
 */
uint8_t *address_space_map_ram(AddressSpace *as, uint64_t addr, uint64_t *plen, bool is_write);

/* ---- accesses ---- */
/* A CPU-style access of 1, 2, 4 or 8 bytes, little endian. Unaligned and
 * region-crossing accesses are split. Unassigned bytes read as 0xff. */
uint64_t address_space_ld(AddressSpace *as, uint64_t addr, unsigned size, MemTxResult *res);
MemTxResult address_space_st(AddressSpace *as, uint64_t addr, uint64_t val, unsigned size);

/* Bounds-checked byte copies for devices (DMA) and loaders. Any length,
 * any address: pieces that hit unassigned space read 0xff and report
 * MEMTX_UNASSIGNED; writes there are dropped. ROM is written by
 * address_space_write_rom only (which skips IO regions: MEMTX_ERROR).
 * Addresses never wrap: bytes at or past 2^64 (here and in ld/st) are
 * unassigned. */
MemTxResult address_space_read(AddressSpace *as, uint64_t addr, void *buf, uint64_t len);
MemTxResult address_space_write(AddressSpace *as, uint64_t addr, const void *buf, uint64_t len);
MemTxResult address_space_write_rom(AddressSpace *as, uint64_t addr, const void *buf, uint64_t len);

#endif
