/*
 * Code pages (code-pages.h): the marks on host pages of guest RAM that hold
 * translated code, and the registered TLBs whose write tags follow them.
 *
 * Marks are one bit per 4 KiB host page (host address >> 12), in leaves of
 * 2^18 bits covering 1 GiB of host address space each. Leaves are found
 * through a fixed open-addressing table keyed by that 1 GiB chunk, added
 * with a compare-and-swap and never freed, so marking, testing and
 * unmarking take no lock. `nr_marked` counts the set bits: zero means no
 * write anywhere needs a look.
 *
 * The race between a mark and a concurrent TLB fill (tlb_set_page) is
 * closed Dekker-style with sequentially consistent operations: the marker
 * counts and sets the bit, then scans every registered TLB's write tags;
 * the filler stores its write tag, then tests the mark. In the single
 * order of those operations one of the two sees the other's store.
 */
#include "softmmu/code-pages.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#define PAGE_SHIFT TARGET_PAGE_BITS
#define CHUNK_SHIFT 30
#define LEAF_PAGES (1u << (CHUNK_SHIFT - PAGE_SHIFT))
#define LEAF_WORDS (LEAF_PAGES / 64)
#define TABLE_SIZE 4096u   /* 1 GiB chunks of host address space: 4 TiB */

typedef struct Leaf {
    uintptr_t chunk;                  /* host address >> CHUNK_SHIFT */
    _Atomic uint64_t word[LEAF_WORDS];
} Leaf;

static Leaf *_Atomic leaves[TABLE_SIZE];
static atomic_long nr_marked;

static CodePageWriteHook *_Atomic write_hook;
static void *_Atomic write_hook_opaque;

static pthread_mutex_t tlbs_lock = PTHREAD_MUTEX_INITIALIZER;
static CPUTLB **tlbs;
static size_t nr_tlbs, cap_tlbs;

/* ---- the mark bitmap ---- */

static unsigned table_slot(uintptr_t chunk)
{
    return (unsigned)((chunk * 0x9e3779b97f4a7c15ull) >> 52) & (TABLE_SIZE - 1);
}

/* The leaf of `chunk`, or NULL (not found and !create, or no memory). */
static Leaf *find_leaf(uintptr_t chunk, bool create)
{
    Leaf *fresh = NULL;
    unsigned slot = table_slot(chunk);
    for (unsigned n = 0; n < TABLE_SIZE; n++, slot = (slot + 1) & (TABLE_SIZE - 1)) {
        Leaf *l = atomic_load_explicit(&leaves[slot], memory_order_acquire);
        if (!l) {
            if (!create)
                return NULL;
            if (!fresh && !(fresh = calloc(1, sizeof(*fresh))))
                break;
            fresh->chunk = chunk;
            if (atomic_compare_exchange_strong(&leaves[slot], &l, fresh))
                return fresh;
        }
        if (l->chunk == chunk) {
            free(fresh);
            return l;
        }
    }
    free(fresh);
    if (create)
        fprintf(stderr, "vessel: code-pages: cannot track host page %p\n",
                (void *)(chunk << CHUNK_SHIFT));
    return NULL;
}

/* The word holding the bit of host page `page` (host >> PAGE_SHIFT). */
static _Atomic uint64_t *mark_word(uintptr_t page, bool create, uint64_t *bit)
{
    Leaf *l = find_leaf(page >> (CHUNK_SHIFT - PAGE_SHIFT), create);
    if (!l)
        return NULL;
    unsigned i = (unsigned)(page & (LEAF_PAGES - 1));
    *bit = 1ull << (i % 64);
    return &l->word[i / 64];
}

bool code_pages_is_marked(const void *host)
{
    if (!atomic_load(&nr_marked))
        return false;
    uint64_t bit;
    _Atomic uint64_t *w = mark_word((uintptr_t)host >> PAGE_SHIFT, false, &bit);
    return w && (atomic_load(w) & bit);
}

/* ---- registered TLBs ---- */

/* Registering twice is harmless (the CPU and the accelerator both may). */
void code_pages_register_tlb(CPUTLB *tlb)
{
    pthread_mutex_lock(&tlbs_lock);
    for (size_t i = 0; i < nr_tlbs; i++) {
        if (tlbs[i] == tlb) {
            pthread_mutex_unlock(&tlbs_lock);
            return;
        }
    }
    if (nr_tlbs == cap_tlbs) {
        size_t cap = cap_tlbs ? 2 * cap_tlbs : 8;
        CPUTLB **n = realloc(tlbs, cap * sizeof(*n));
        if (!n) {
            pthread_mutex_unlock(&tlbs_lock);
            fprintf(stderr, "vessel: code-pages: out of memory\n");
            abort();
        }
        tlbs = n;
        cap_tlbs = cap;
    }
    tlbs[nr_tlbs++] = tlb;
    pthread_mutex_unlock(&tlbs_lock);
}

void code_pages_unregister_tlb(CPUTLB *tlb)
{
    pthread_mutex_lock(&tlbs_lock);
    for (size_t i = 0; i < nr_tlbs; i++) {
        if (tlbs[i] == tlb) {
            tlbs[i] = tlbs[--nr_tlbs];
            break;
        }
    }
    pthread_mutex_unlock(&tlbs_lock);
}

void code_pages_flush_tlbs(void)
{
    pthread_mutex_lock(&tlbs_lock);
    for (size_t i = 0; i < nr_tlbs; i++)
        tlb_flush(tlbs[i]);
    pthread_mutex_unlock(&tlbs_lock);
}

/* Set TLB_NOTDIRTY on every RAM write tag whose 4 KiB of host memory
 * overlaps the host page at `page_addr`. */
static void protect_tlb(CPUTLB *tlb, uintptr_t page_addr)
{
    for (int idx = 0; idx < NB_MMU_MODES; idx++) {
        for (unsigned i = 0; i < TLB_SIZE; i++) {
            TLBEntry *e = &tlb->e[idx][i];
            uint64_t tag = __atomic_load_n(&e->addr_write, __ATOMIC_SEQ_CST);
            if (tag & (TLB_INVALID | TLB_MMIO | TLB_NOTDIRTY))
                continue;
            uintptr_t host = (uintptr_t)(tag & TARGET_PAGE_MASK) +
                             __atomic_load_n(&e->addend, __ATOMIC_RELAXED);
            if (host - page_addr + (TARGET_PAGE_SIZE - 1) < 2 * TARGET_PAGE_SIZE - 1)
                __atomic_fetch_or(&e->addr_write, (uint64_t)TLB_NOTDIRTY, __ATOMIC_SEQ_CST);
        }
    }
}

void code_pages_mark(const void *host)
{
    uintptr_t page = (uintptr_t)host >> PAGE_SHIFT;
    uint64_t bit;
    _Atomic uint64_t *w = mark_word(page, true, &bit);
    if (!w)
        return;
    /* count first: a filler that sees the count zero stored its tag
     * before this mark's scan reads it */
    atomic_fetch_add(&nr_marked, 1);
    bool was = atomic_fetch_or(w, bit) & bit;
    if (was)
        atomic_fetch_sub(&nr_marked, 1);
    /* already marked: the marker may still be scanning; the lock waits for
     * it, so every entry is protected when this returns */
    pthread_mutex_lock(&tlbs_lock);
    for (size_t i = 0; i < nr_tlbs && !was; i++)
        protect_tlb(tlbs[i], page << PAGE_SHIFT);
    pthread_mutex_unlock(&tlbs_lock);
}

/* ---- writes ---- */

void code_pages_set_hook(CodePageWriteHook *hook, void *opaque)
{
    atomic_store(&write_hook_opaque, opaque);
    atomic_store(&write_hook, hook);
}

static void page_written(uintptr_t page)
{
    atomic_fetch_sub(&nr_marked, 1);
    CodePageWriteHook *hook = atomic_load(&write_hook);
    if (hook)
        hook(page << PAGE_SHIFT, atomic_load(&write_hook_opaque));
}

void code_pages_notify_write(const void *host, size_t len)
{
    if (!len || !atomic_load_explicit(&nr_marked, memory_order_relaxed))
        return;
    uintptr_t first = (uintptr_t)host >> PAGE_SHIFT;
    uintptr_t last = ((uintptr_t)host + (len - 1)) >> PAGE_SHIFT;
    if (last < first)
        last = UINTPTR_MAX >> PAGE_SHIFT;   /* host addresses do not wrap */
    for (uintptr_t page = first;;) {
        uint64_t bit;
        _Atomic uint64_t *w = mark_word(page, false, &bit);
        if (!w) {   /* no leaf: skip to the next chunk */
            page = (page | (LEAF_PAGES - 1));
        } else {
            uint64_t v = atomic_load_explicit(w, memory_order_relaxed);
            if (!v)
                page = (page | 63);   /* a word without marks: skip it */
            else if ((v & bit) && (atomic_fetch_and(w, ~bit) & bit))
                page_written(page);
        }
        if (page >= last)
            break;
        page++;
    }
}

void code_pages_clear(void)
{
    for (unsigned s = 0; s < TABLE_SIZE; s++) {
        Leaf *l = atomic_load_explicit(&leaves[s], memory_order_acquire);
        if (!l)
            continue;
        for (unsigned i = 0; i < LEAF_WORDS; i++) {
            if (!atomic_load_explicit(&l->word[i], memory_order_relaxed))
                continue;
            uint64_t old = atomic_exchange(&l->word[i], 0);
            atomic_fetch_sub(&nr_marked, __builtin_popcountll(old));
        }
    }
}
