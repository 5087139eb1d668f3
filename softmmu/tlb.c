/*
 * The software TLB: filling entries from a translation (host addend for
 * RAM, TLB_MMIO for everything else) and the flushes the target needs
 * (everything, one MMU index, one page, non-global entries, memory-map
 * changes).
 */
#include <string.h>

#include "softmmu/memory.h"
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

void tlb_set_page(CPUTLB *tlb, AddressSpace *as, int mmu_idx, uint64_t vaddr, uint64_t paddr,
                  int prot, uint64_t page_size, bool global)
{
    uint64_t vpage = vaddr & TARGET_PAGE_MASK;
    uint64_t ppage = paddr & TARGET_PAGE_MASK;
    TLBEntry *e = tlb_entry(tlb, mmu_idx, vaddr);
    uint64_t len = TARGET_PAGE_SIZE;
    uint8_t *host_r = address_space_map_ram(as, ppage, &len, false);
    bool ram_r = host_r && len == TARGET_PAGE_SIZE;
    bool ram_w = false;
    if (prot & TLB_PROT_WRITE) {   /* a read-only entry needs no write lookup */
        len = TARGET_PAGE_SIZE;
        uint8_t *host_w = address_space_map_ram(as, ppage, &len, true);
        ram_w = host_w && len == TARGET_PAGE_SIZE && host_w == host_r;
    }

    if (page_size > TARGET_PAGE_SIZE)
        note_large_page(tlb, vaddr, page_size);
    *e = empty_entry;
    e->phys = ppage;
    e->global = global;
    e->pcid = tlb->pcid;
    e->addend = ram_r ? (uintptr_t)host_r - (uintptr_t)vpage : 0;
    if (prot & TLB_PROT_READ)
        e->addr_read = vpage | (ram_r ? 0 : TLB_MMIO);
    if (prot & TLB_PROT_EXEC)
        e->addr_code = vpage | (ram_r ? 0 : TLB_MMIO);
    if (prot & TLB_PROT_WRITE)
        e->addr_write = vpage | (ram_w ? 0 : TLB_MMIO);
}
