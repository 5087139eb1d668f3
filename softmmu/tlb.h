/*
 * The software TLB: per vCPU and per MMU index, guest virtual page ->
 * host pointer (RAM) or physical address (MMIO and other slow cases).
 * The interpreter and the JIT's inline fast path compare the page tag and
 * add `addend`; any low flag bit in the tag sends the access to the slow
 * path (softmmu/tlb.c), which asks the target to walk the page tables.
 */
#ifndef VESSEL_SOFTMMU_TLB_H
#define VESSEL_SOFTMMU_TLB_H

#include <stdbool.h>
#include <stdint.h>

#define TARGET_PAGE_BITS 12
#define TARGET_PAGE_SIZE (1ull << TARGET_PAGE_BITS)
#define TARGET_PAGE_MASK (~(TARGET_PAGE_SIZE - 1))

#define TLB_BITS 10
#define TLB_SIZE (1u << TLB_BITS)

/* MMU indexes for x86. */
enum {
    MMU_KSMAP_IDX = 0,  /* supervisor, SMAP enforced for user pages */
    MMU_USER_IDX = 1,   /* CPL 3 */
    MMU_KNOSMAP_IDX = 2,/* supervisor with EFLAGS.AC or implicit-access rules off */
    MMU_PHYS_IDX = 3,   /* paging disabled: linear == physical */
    NB_MMU_MODES = 4,
};

/* Flag bits in the low part of a tag (page offset bits, unused by the tag). */
#define TLB_INVALID  (1u << 0)  /* no mapping for this access type */
#define TLB_MMIO     (1u << 1)  /* not RAM: go through the address space */
#define TLB_NOTDIRTY (1u << 2)  /* page holds translated code: writes must invalidate */
#define TLB_WATCH    (1u << 3)  /* a watchpoint covers this page */
#define TLB_FLAGS_MASK 0xfffu

typedef struct TLBEntry {
    uint64_t addr_read;   /* page | flags, or TLB_INVALID */
    uint64_t addr_write;
    uint64_t addr_code;
    uintptr_t addend;     /* host = guest virtual + addend, for RAM pages */
    uint64_t phys;        /* physical page address (slow path, MMIO) */
    bool global;          /* PTE.G: kept across CR3 writes without PCID */
    uint16_t pcid;
} TLBEntry;

typedef struct CPUTLB {
    TLBEntry e[NB_MMU_MODES][TLB_SIZE];
    unsigned as_generation;   /* flushed when the memory map changes */
    /* union of the large pages (> 4 KiB) entered since the last full flush:
     * a page flush inside it flushes everything */
    uint64_t large_page_addr, large_page_mask;
    uint16_t pcid;            /* current PCID (CR4.PCIDE), tags new entries */
} CPUTLB;

static inline unsigned tlb_index(uint64_t vaddr)
{
    return (unsigned)(vaddr >> TARGET_PAGE_BITS) & (TLB_SIZE - 1);
}

typedef struct AddressSpace AddressSpace;

/* Page protections for tlb_set_page. */
#define TLB_PROT_READ  1
#define TLB_PROT_WRITE 2
#define TLB_PROT_EXEC  4

/* Drop every entry, of all MMU indexes. */
void tlb_flush(CPUTLB *tlb);
/* Drop every entry of the MMU indexes in `idxmask` (bit i = index i). */
void tlb_flush_mmuidx(CPUTLB *tlb, unsigned idxmask);
/* Drop the entries for the page holding `vaddr` (all MMU indexes). If it
 * lies in a large page entered earlier, everything is flushed. */
void tlb_flush_page(CPUTLB *tlb, uint64_t vaddr);
/* Drop all entries except global ones (CR3 write without PCID no-flush). */
void tlb_flush_nonglobal(CPUTLB *tlb);
/* Flush if `as`'s memory map changed since the TLB was filled. */
void tlb_check_generation(CPUTLB *tlb, AddressSpace *as);
/*
 * Enter the 4 KiB page of `vaddr` -> `paddr` for `mmu_idx` with TLB_PROT_*
 * rights. `page_size` is the guest mapping's size (4K, 2M, 4M, 1G) for the
 * large-page flush rule. RAM (and ROM for reads/fetches) gets a host addend,
 * anything else TLB_MMIO; ROM writes are TLB_MMIO (dropped by the core).
 */
void tlb_set_page(CPUTLB *tlb, AddressSpace *as, int mmu_idx, uint64_t vaddr, uint64_t paddr,
                  int prot, uint64_t page_size, bool global);

/*
 * After a write through a TLB_NOTDIRTY write tag (code-pages.h): drop the
 * flag from `vaddr`'s entry in `mmu_idx` if its page holds no translated
 * code any more, so later stores take the fast path again.
 */
void tlb_clear_notdirty(CPUTLB *tlb, int mmu_idx, uint64_t vaddr);

/* gdb watchpoints (set by accel/debug.c while any exists, NULL otherwise):
 * true if [vaddr, vaddr + len) overlaps one. tlb_set_page then puts
 * TLB_WATCH on the page's read and write tags. */
extern bool (*tlb_watch_hook)(uint64_t vaddr, uint64_t len);

/* The entry for `vaddr` in `mmu_idx`. */
static inline TLBEntry *tlb_entry(CPUTLB *tlb, int mmu_idx, uint64_t vaddr)
{
    return &tlb->e[mmu_idx][tlb_index(vaddr)];
}

/* True if `tag` (addr_read/write/code) maps `vaddr`'s page, possibly with
 * slow-path flags (but not TLB_INVALID). */
static inline bool tlb_hit_page(uint64_t tag, uint64_t vaddr)
{
    return (tag & (TARGET_PAGE_MASK | TLB_INVALID)) == (vaddr & TARGET_PAGE_MASK);
}

#endif
