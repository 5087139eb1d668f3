/*
 * The software TLB: filling entries from a translation (host addend for
 * RAM, TLB_MMIO for everything else) and the flushes the target needs
 * (everything, one MMU index, one page, non-global entries, memory-map
 * changes). RAM write tags carry TLB_NOTDIRTY while their page holds
 * translated code (code-pages.h), read and write tags TLB_WATCH while a gdb
 * watchpoint overlaps the page (tlb_watch_hook).
 */
#include <string.h>

#include "softmmu/code-pages.h"
#include "softmmu/memory-internal.h"
#include "softmmu/tlb.h"

static const TLBEntry empty_entry = {
    .addr_read = UINT64_MAX, .addr_write = UINT64_MAX, .addr_code = UINT64_MAX,
};

static void flush_idx(CPUTLB *tlb, int idx)
{
    for (unsigned i = 0; i < TLB_SIZE; i++)
        tlb->e[idx][i] = empty_entry;
}

void tlb_flush(CPUTLB *tlb)
{
    for (int idx = 0; idx < NB_MMU_MODES; idx++)
        flush_idx(tlb, idx);
    tlb->large_page_addr = UINT64_MAX;
    tlb->large_page_mask = 0;
}

void tlb_flush_mmuidx(CPUTLB *tlb, unsigned idxmask)
{
    for (int idx = 0; idx < NB_MMU_MODES; idx++) {
        if (idxmask & (1u << idx))
            flush_idx(tlb, idx);
    }
}

static bool in_large_page(const CPUTLB *tlb, uint64_t vaddr)
{
    return tlb->large_page_mask && (vaddr & tlb->large_page_mask) == tlb->large_page_addr;
}

void tlb_flush_page(CPUTLB *tlb, uint64_t vaddr)
{
    if (in_large_page(tlb, vaddr)) {
        tlb_flush(tlb);
        return;
    }
    for (int idx = 0; idx < NB_MMU_MODES; idx++) {
        TLBEntry *e = tlb_entry(tlb, idx, vaddr);
        if (tlb_hit_page(e->addr_read, vaddr) || tlb_hit_page(e->addr_write, vaddr) ||
            tlb_hit_page(e->addr_code, vaddr))
            *e = empty_entry;
    }
}

void tlb_flush_nonglobal(CPUTLB *tlb)
{
    for (int idx = 0; idx < NB_MMU_MODES; idx++) {
        for (unsigned i = 0; i < TLB_SIZE; i++) {
            if (!tlb->e[idx][i].global)
                tlb->e[idx][i] = empty_entry;
        }
    }
}

void tlb_check_generation(CPUTLB *tlb, AddressSpace *as)
{
    if (tlb->as_generation != as->generation) {
        tlb_flush(tlb);
        tlb->as_generation = as->generation;
    }
}

/* Grow the remembered large-page range to cover [vaddr, vaddr + size). */
static void note_large_page(CPUTLB *tlb, uint64_t vaddr, uint64_t size)
{
    uint64_t mask = ~(size - 1);
    if (!tlb->large_page_mask) {
        tlb->large_page_addr = vaddr & mask;
        tlb->large_page_mask = mask;
        return;
    }
    mask &= tlb->large_page_mask;
    while ((tlb->large_page_addr & mask) != (vaddr & mask))
        mask <<= 1;
    tlb->large_page_mask = mask;
    tlb->large_page_addr &= mask;
}

/* Host pointer of the 4 KiB page at `ppage` if all of it is RAM (or ROM
 * when !is_write). Unlike address_space_map_ram this reports no write
 * (code pages): filling a TLB entry writes nothing. */
static uint8_t *page_host(AddressSpace *as, uint64_t ppage, bool is_write)
{
    const FlatRange *fr = address_space_lookup(as, ppage);
    if (!fr || (fr->mr->kind != MR_RAM && !(fr->mr->kind == MR_ROM && !is_write)))
        return NULL;
    if (flat_range_last(fr) - ppage < TARGET_PAGE_SIZE - 1)
        return NULL;   /* the page does not lie in this range only */
    return fr->mr->ram + fr->offset_in_region + (ppage - fr->start);
}

/* A page of translated code overlaps the 4 KiB at host address `host`. */
static bool host_marked(uintptr_t host)
{
    if (code_pages_is_marked((const void *)host))
        return true;
    return (host & (TARGET_PAGE_SIZE - 1)) &&
           code_pages_is_marked((const void *)(host + TARGET_PAGE_SIZE - 1));
}

/*
 * Store a RAM write tag, then look at the code-page marks: the store comes
 * first (sequentially consistent) so that a concurrent code_pages_mark
 * either sees this entry in its scan or is seen here.
 */
static void set_ram_write_tag(TLBEntry *e, uint64_t tag, uintptr_t host)
{
    __atomic_store_n(&e->addr_write, tag, __ATOMIC_SEQ_CST);
    if (host_marked(host))
        __atomic_fetch_or(&e->addr_write, (uint64_t)TLB_NOTDIRTY, __ATOMIC_SEQ_CST);
}

void tlb_clear_notdirty(CPUTLB *tlb, int mmu_idx, uint64_t vaddr)
{
    TLBEntry *e = tlb_entry(tlb, mmu_idx, vaddr);
    uint64_t tag = __atomic_load_n(&e->addr_write, __ATOMIC_RELAXED);
    if (!tlb_hit_page(tag, vaddr) || !(tag & TLB_NOTDIRTY) || (tag & TLB_MMIO))
        return;
    uintptr_t host = (uintptr_t)(tag & TARGET_PAGE_MASK) + e->addend;
    if (!host_marked(host))
        set_ram_write_tag(e, tag & ~(uint64_t)TLB_NOTDIRTY, host);
}

bool (*tlb_watch_hook)(uint64_t vaddr, uint64_t len);

void tlb_set_page(CPUTLB *tlb, AddressSpace *as, int mmu_idx, uint64_t vaddr, uint64_t paddr,
                  int prot, uint64_t page_size, bool global)
{
    uint64_t vpage = vaddr & TARGET_PAGE_MASK;
    uint64_t ppage = paddr & TARGET_PAGE_MASK;
    TLBEntry *e = tlb_entry(tlb, mmu_idx, vaddr);
    uint8_t *host_r = page_host(as, ppage, false);
    bool ram_r = host_r != NULL;
    /* a read-only entry needs no write lookup */
    bool ram_w = (prot & TLB_PROT_WRITE) && ram_r && page_host(as, ppage, true) == host_r;
    bool (*watch)(uint64_t, uint64_t) = tlb_watch_hook;
    unsigned wflag = watch && watch(vpage, TARGET_PAGE_SIZE) ? TLB_WATCH : 0;

    if (page_size > TARGET_PAGE_SIZE)
        note_large_page(tlb, vaddr, page_size);
    __atomic_store_n(&e->addr_write, UINT64_MAX, __ATOMIC_RELAXED);
    e->addr_read = e->addr_code = UINT64_MAX;
    e->phys = ppage;
    e->global = global;
    e->pcid = tlb->pcid;
    __atomic_store_n(&e->addend, ram_r ? (uintptr_t)host_r - (uintptr_t)vpage : 0,
                     __ATOMIC_RELAXED);
    if (prot & TLB_PROT_READ)
        e->addr_read = vpage | (ram_r ? wflag : TLB_MMIO);
    if (prot & TLB_PROT_EXEC)
        e->addr_code = vpage | (ram_r ? 0 : TLB_MMIO);
    if (ram_w)
        set_ram_write_tag(e, vpage | wflag, (uintptr_t)host_r);
    else if (prot & TLB_PROT_WRITE)
        __atomic_store_n(&e->addr_write, vpage | TLB_MMIO, __ATOMIC_RELAXED);
}
