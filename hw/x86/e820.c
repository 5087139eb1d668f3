/*
 * e820 memory map construction: a sorted list of non-overlapping typed
 * ranges; adding a range carves it out of what it overlaps.
 */
#include "hw/x86/e820.h"

#include <string.h>

static bool e820_push(E820Map *map, uint64_t addr, uint64_t size, uint32_t type)
{
    if (size == 0)
        return true;
    if (map->nr >= E820_MAX_ENTRIES)
        return false;
    map->e[map->nr++] = (E820Entry){ addr, size, type };
    return true;
}

static void e820_sort(E820Map *map)
{
    for (int i = 1; i < map->nr; i++) {
        E820Entry cur = map->e[i];
        int j = i - 1;
        while (j >= 0 && map->e[j].addr > cur.addr) {
            map->e[j + 1] = map->e[j];
            j--;
        }
        map->e[j + 1] = cur;
    }
}

/* Keep the parts of `src` outside [lo, hi) in `dst`. */
static bool e820_carve(E820Map *dst, const E820Entry *src, uint64_t lo, uint64_t hi)
{
    uint64_t s = src->addr, e = src->addr + src->size;
    if (e <= lo || s >= hi)
        return e820_push(dst, s, e - s, src->type);
    if (s < lo && !e820_push(dst, s, lo - s, src->type))
        return false;
    if (e > hi && !e820_push(dst, hi, e - hi, src->type))
        return false;
    return true;
}

bool e820_add(E820Map *map, uint64_t addr, uint64_t size, uint32_t type)
{
    if (size == 0)
        return true;
    if (addr + size < addr)
        return false;
    E820Map out = { .nr = 0 };
    for (int i = 0; i < map->nr; i++) {
        if (!e820_carve(&out, &map->e[i], addr, addr + size))
            return false;
    }
    if (!e820_push(&out, addr, size, type))
        return false;
    e820_sort(&out);
    *map = out;
    return true;
}

void e820_init_pc(E820Map *map, uint64_t below_4g, uint64_t above_4g)
{
    memset(map, 0, sizeof(*map));
    e820_add(map, 0, 0x9fc00, E820_RAM);
    e820_add(map, 0x9fc00, 0x400, E820_RESERVED);
    e820_add(map, 0xf0000, 0x10000, E820_RESERVED);
    if (below_4g > 0x100000)
        e820_add(map, 0x100000, below_4g - 0x100000, E820_RAM);
    if (above_4g)
        e820_add(map, 0x100000000ull, above_4g, E820_RAM);
}

/* The candidate inside entry `e` for e820_find_top, or false. */
static bool e820_top_in(const E820Entry *e, uint64_t lo, uint64_t hi, uint64_t size,
                        uint64_t align, uint64_t *out)
{
    uint64_t s = e->addr > lo ? e->addr : lo;
    uint64_t end = e->addr + e->size < hi ? e->addr + e->size : hi;
    if (end <= s || end - s < size)
        return false;
    uint64_t a = (end - size) & ~(align - 1);
    if (a < s)
        return false;
    *out = a;
    return true;
}

bool e820_find_top(const E820Map *map, uint64_t lo, uint64_t hi, uint64_t size,
                   uint64_t align, uint64_t *out)
{
    bool found = false;
    for (int i = 0; i < map->nr; i++) {
        uint64_t a;
        if (map->e[i].type == E820_RAM && e820_top_in(&map->e[i], lo, hi, size, align, &a) &&
            (!found || a > *out)) {
            *out = a;
            found = true;
        }
    }
    return found;
}

bool e820_is_ram(const E820Map *map, uint64_t addr, uint64_t size)
{
    uint64_t end = addr + size;
    if (end < addr)
        return false;
    while (addr < end) {
        bool found = false;
        for (int i = 0; i < map->nr && !found; i++) {
            const E820Entry *e = &map->e[i];
            if (e->type == E820_RAM && addr >= e->addr && addr - e->addr < e->size) {
                addr = e->addr + e->size;
                found = true;
            }
        }
        if (!found)
            return false;
    }
    return true;
}
