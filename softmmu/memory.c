/*
 * The memory region tree: construction of RAM, ROM, IO, alias and
 * container regions, placing them inside containers, and keeping every
 * address space's flattened view (and its listeners) up to date when the
 * topology changes. No locking: callers hold the big lock.
 */
#include "softmmu/memory-internal.h"
#include "softmmu/code-pages.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

/* Every initialised address space, so that a change anywhere (including
 * inside the target of an alias) re-flattens the views that can see it.
 * `stale` marks views changed inside a transaction, rebuilt at its end. */
typedef struct SpaceEntry {
    AddressSpace *as;
    bool stale;
} SpaceEntry;

static SpaceEntry *address_spaces;
static unsigned nr_address_spaces;
static unsigned transaction_depth;

/* ---- construction ---- */

static void region_init(MemoryRegion *mr, MemoryRegionKind kind, const char *name, uint64_t size)
{
    memset(mr, 0, sizeof(*mr));
    mr->kind = kind;
    mr->name = name ? name : "anon";
    mr->size = size;
    mr->enabled = true;
}

void memory_region_init_container(MemoryRegion *mr, const char *name, uint64_t size)
{
    region_init(mr, MR_CONTAINER, name, size);
}

#define HOST_HUGE_PAGE (2u << 20)

/* Lazily committed, zeroed host memory: untouched pages cost nothing, so
 * a 16 GiB guest does not reserve 16 GiB of host memory. Regions of 2 MiB
 * and more are 2 MiB aligned and marked for transparent huge pages where
 * the host has them: guest code that walks tens of megabytes (the Linux
 * decompressor) then costs far fewer host TLB misses. */
static uint8_t *host_ram_alloc(uint64_t size)
{
    if (size > SIZE_MAX - HOST_HUGE_PAGE)
        return NULL;
    size_t extra = size >= HOST_HUGE_PAGE ? HOST_HUGE_PAGE : 0;
    uint8_t *p = mmap(NULL, (size_t)size + extra, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    if (extra) {
        size_t head = (HOST_HUGE_PAGE - ((uintptr_t)p & (HOST_HUGE_PAGE - 1))) & (HOST_HUGE_PAGE - 1);
        if (head)
            munmap(p, head);
        size_t end = (size_t)((size + 4095) & ~(uint64_t)4095);   /* host pages in use */
        if (extra - head > end - size)
            munmap(p + head + end, extra - head - (end - size));
        p += head;
#ifdef MADV_HUGEPAGE
        madvise(p, (size_t)size, MADV_HUGEPAGE);   /* advice only: failure is harmless */
#endif
    }
    return p;
}

static bool region_init_host(MemoryRegion *mr, MemoryRegionKind kind, const char *name,
                             uint64_t size)
{
    region_init(mr, kind, name, size);
    if (size == 0)
        return true;
    mr->ram = host_ram_alloc(size);
    if (!mr->ram) {
        mr->size = 0;
        return false;
    }
    mr->ram_owned = true;
    return true;
}

bool memory_region_init_ram(MemoryRegion *mr, const char *name, uint64_t size)
{
    return region_init_host(mr, MR_RAM, name, size);
}

bool memory_region_init_rom(MemoryRegion *mr, const char *name, uint64_t size)
{
    return region_init_host(mr, MR_ROM, name, size);
}

void memory_region_init_ram_ptr(MemoryRegion *mr, const char *name, uint64_t size, void *host)
{
    region_init(mr, MR_RAM, name, size);
    mr->ram = host;
    if (!host)
        mr->size = 0;
}

void memory_region_init_io(MemoryRegion *mr, const char *name, const MemoryRegionOps *ops,
                           void *opaque, uint64_t size)
{
    region_init(mr, MR_IO, name, size);
    mr->ops = ops;
    mr->opaque = opaque;
}

void memory_region_init_alias(MemoryRegion *mr, const char *name, MemoryRegion *target,
                              uint64_t offset, uint64_t size)
{
    region_init(mr, MR_ALIAS, name, size);
    mr->alias = target;
    mr->alias_offset = offset;
}

/* Also vanishes from views that still reach it through an alias, so no
 * view keeps a pointer into freed host memory. */
void memory_region_destroy(MemoryRegion *mr)
{
    if (mr->parent)
        memory_region_del_subregion(mr->parent, mr);
    memory_region_set_enabled(mr, false);
    for (unsigned i = 0; i < mr->nr_subregions; i++)
        mr->subregions[i]->parent = NULL;
    g_free(mr->subregions);
    mr->subregions = NULL;
    mr->nr_subregions = 0;
    if (mr->ram_owned && mr->ram) {
        /* code translated from it dies before the host memory is reused */
        code_pages_notify_write(mr->ram, (size_t)mr->size);
        munmap(mr->ram, (size_t)mr->size);
    }
    mr->ram = NULL;
    mr->ram_owned = false;
    if (mr->kind == MR_RAM || mr->kind == MR_ROM)
        mr->size = 0;
}

/* ---- topology ---- */

/* Insert before the first child of lower or equal priority: children stay
 * sorted by descending priority with the newest first among equals. */
static void subregion_insert_sorted(MemoryRegion *parent, MemoryRegion *child)
{
    unsigned i = 0;
    while (i < parent->nr_subregions && parent->subregions[i]->priority > child->priority)
        i++;
    parent->subregions = g_renew(MemoryRegion *, parent->subregions, parent->nr_subregions + 1);
    memmove(&parent->subregions[i + 1], &parent->subregions[i],
            (parent->nr_subregions - i) * sizeof(MemoryRegion *));
    parent->subregions[i] = child;
    parent->nr_subregions++;
}

void memory_region_add_subregion_overlap(MemoryRegion *parent, uint64_t offset,
                                         MemoryRegion *child, int priority)
{
    if (parent->kind != MR_CONTAINER || child->parent || child == parent) {
        fprintf(stderr, "vessel: cannot add region '%s' to '%s'\n", child->name, parent->name);
        return;
    }
    child->parent = parent;
    child->addr = offset;
    child->priority = priority;
    subregion_insert_sorted(parent, child);
    memory_region_update_topology(parent);
}

void memory_region_add_subregion(MemoryRegion *parent, uint64_t offset, MemoryRegion *child)
{
    memory_region_add_subregion_overlap(parent, offset, child, 0);
}

void memory_region_del_subregion(MemoryRegion *parent, MemoryRegion *child)
{
    for (unsigned i = 0; i < parent->nr_subregions; i++) {
        if (parent->subregions[i] != child)
            continue;
        memmove(&parent->subregions[i], &parent->subregions[i + 1],
                (parent->nr_subregions - i - 1) * sizeof(MemoryRegion *));
        parent->nr_subregions--;
        child->parent = NULL;
        memory_region_update_topology(parent);
        return;
    }
}

void memory_region_set_enabled(MemoryRegion *mr, bool enabled)
{
    if (mr->enabled == enabled)
        return;
    mr->enabled = enabled;
    memory_region_update_topology(mr);
}

void memory_region_set_address(MemoryRegion *mr, uint64_t addr)
{
    if (mr->addr == addr)
        return;
    mr->addr = addr;
    memory_region_update_topology(mr);
}

void memory_region_set_alias_offset(MemoryRegion *mr, uint64_t offset)
{
    if (mr->alias_offset == offset)
        return;
    mr->alias_offset = offset;
    memory_region_update_topology(mr);
}

/* Whether `mr` is somewhere in the tree under `top`, through containers
 * (enabled or not) and alias targets. `stack` holds the regions above
 * `top`, so that alias cycles end the search. */
static bool region_reaches(const MemoryRegion *top, const MemoryRegion *mr,
                           const MemoryRegion **stack, int depth)
{
    if (top == mr)
        return true;
    if (!top || depth > MEMORY_MAX_DEPTH)
        return false;
    for (int i = 0; i < depth; i++)
        if (stack[i] == top)
            return false;
    stack[depth] = top;
    if (top->kind == MR_ALIAS)
        return region_reaches(top->alias, mr, stack, depth + 1);
    for (unsigned i = 0; i < top->nr_subregions; i++)
        if (region_reaches(top->subregions[i], mr, stack, depth + 1))
            return true;
    return false;
}

static void address_space_reflatten(AddressSpace *as)
{
    FlatView *old = as->view;
    as->view = flatview_build(as->root);
    flatview_free(old);
    as->generation++;
    for (MemoryListener *l = as->listeners; l; l = l->next)
        if (l->commit)
            l->commit(l->opaque, as, as->view);
}

static void reflatten_stale_spaces(void)
{
    for (unsigned i = 0; i < nr_address_spaces; i++) {
        if (address_spaces[i].stale) {
            address_spaces[i].stale = false;
            address_space_reflatten(address_spaces[i].as);
        }
    }
}

void memory_region_update_topology(MemoryRegion *mr)
{
    for (unsigned i = 0; i < nr_address_spaces; i++) {
        const MemoryRegion *stack[MEMORY_MAX_DEPTH + 1];
        if (region_reaches(address_spaces[i].as->root, mr, stack, 0))
            address_spaces[i].stale = true;
    }
    if (transaction_depth == 0)
        reflatten_stale_spaces();
}

void memory_region_transaction_begin(void)
{
    transaction_depth++;
}

void memory_region_transaction_commit(void)
{
    if (transaction_depth == 0)
        return;
    if (--transaction_depth == 0)
        reflatten_stale_spaces();
}

/* ---- address spaces ---- */

static int address_space_index(const AddressSpace *as)
{
    for (unsigned i = 0; i < nr_address_spaces; i++)
        if (address_spaces[i].as == as)
            return (int)i;
    return -1;
}

void address_space_init(AddressSpace *as, MemoryRegion *root, const char *name)
{
    int stale_entry = address_space_index(as);
    if (stale_entry >= 0) /* re-init without destroy: forget the old entry */
        address_spaces[stale_entry] = address_spaces[--nr_address_spaces];
    memset(as, 0, sizeof(*as));
    as->name = name ? name : "anon";
    as->root = root;
    if (root)
        root->owner_as = as;
    as->view = flatview_build(root);
    address_spaces = g_renew(SpaceEntry, address_spaces, nr_address_spaces + 1);
    address_spaces[nr_address_spaces++] = (SpaceEntry){ .as = as };
}

void address_space_destroy(AddressSpace *as)
{
    int i = address_space_index(as);
    if (i >= 0)
        address_spaces[i] = address_spaces[--nr_address_spaces];
    if (nr_address_spaces == 0) {
        g_free(address_spaces);
        address_spaces = NULL;
    }
    if (as->root && as->root->owner_as == as)
        as->root->owner_as = NULL;
    flatview_free(as->view);
    as->view = NULL;
    as->listeners = NULL;
}

/* Listeners are called in the order they were added. A new listener's
 * commit() runs once at once with the current view, so it never misses
 * the regions that were mapped before it arrived. */
void address_space_add_listener(AddressSpace *as, MemoryListener *l)
{
    MemoryListener **p = &as->listeners;
    while (*p)
        p = &(*p)->next;
    l->next = NULL;
    *p = l;
    if (l->commit)
        l->commit(l->opaque, as, as->view);
}

void address_space_remove_listener(AddressSpace *as, MemoryListener *l)
{
    for (MemoryListener **p = &as->listeners; *p; p = &(*p)->next) {
        if (*p == l) {
            *p = l->next;
            l->next = NULL;
            return;
        }
    }
}

const FlatRange *address_space_lookup(AddressSpace *as, uint64_t addr)
{
    return as->view ? flatview_lookup(as->view, addr) : NULL;
}
