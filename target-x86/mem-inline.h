/*
 * The inline fast path of guest data accesses, shared by mem.c and the
 * interpreter's operand code: a protected-mode expand-up writable data
 * segment (or 64-bit mode), the access inside one page, a TLB hit on
 * plain RAM and no alignment check to make. Anything else returns NULL
 * and the caller takes the full path (x86_read / x86_write), which also
 * raises the faults.
 */
#ifndef VESSEL_TARGET_X86_MEM_INLINE_H
#define VESSEL_TARGET_X86_MEM_INLINE_H

#include <string.h>

#include "softmmu/memory.h"
#include "softmmu/tlb.h"
#include "target-x86/block-cache.h"
#include "target-x86/cpu.h"
#include "target-x86/lock-rmw.h"

/* A store into one of the host code pages the interpreter trusts its
 * cached blocks on (cpu->code_pages, exec.c) ends the run (cpu->run_break),
 * so the code is compared with the cached blocks again before it runs
 * (self-modifying code). */
static inline __attribute__((always_inline)) void x86_note_code_write(X86CPU *cpu,
                                                                     const uint8_t *host,
                                                                     unsigned size)
{
    /* [host, host + size) is inside one page (the callers check) */
    uintptr_t page = (uintptr_t)host & ~(uintptr_t)(TARGET_PAGE_SIZE - 1);
    (void)size;
    if (cpu->code_pages[(page / TARGET_PAGE_SIZE) & (X86_CODE_PAGES - 1)] == page) {
        cpu->run_break = true;
        cpu->chain_stop |= CHAIN_WRITE;   /* and the chain of handlers (block-cache.h) */
    }
}

/* Segment offset -> linear address when no check can fail; false = full path. */
static inline __attribute__((always_inline)) bool x86_seg_linear_fast(X86CPU *cpu, int seg,
                                                                    uint64_t offset,
                                                                    unsigned size, uint64_t *lin)
{
    const SegmentCache *s = &cpu->seg[seg];
    if (cpu->code64) {
        uint64_t l = offset + ((seg == R_FS || seg == R_GS) ? s->base : 0);
        if ((uint64_t)((int64_t)(l << 16) >> 16) != l)
            return false;
        *lin = l;   /* the end is canonical too when the access stays in the page */
        return true;
    }
    const uint32_t mask = SEG_ATTR_UNUSABLE | SEG_ATTR_S | SEG_ATTR_CODE | 0x4 | 0x2;
    if ((s->attr & mask) != (SEG_ATTR_S | 0x2))
        return false;
    if (offset > s->limit || offset + size - 1 > s->limit)
        return false;
    if (!(cpu->cr0 & CR0_PE) || (cpu->rflags & VM_MASK))
        return false;
    *lin = (s->base + offset) & 0xffffffffull;
    return true;
}

/* The MMU index of explicit data accesses. */
static inline __attribute__((always_inline)) int x86_data_mmu_idx(const X86CPU *cpu)
{
    if (!(cpu->cr0 & CR0_PG))
        return MMU_PHYS_IDX;
    if (cpu->cpl == 3)
        return MMU_USER_IDX;
    if ((cpu->cr4 & CR4_SMAP) && (cpu->rflags & AC_MASK))
        return MMU_KNOSMAP_IDX;
    return MMU_KSMAP_IDX;
}

/* The host pointer of lin (the access inside one page) on a hit of its
 * TLB entry e on plain RAM, or NULL. */
static inline __attribute__((always_inline)) uint8_t *x86_tlb_entry_host(X86CPU *cpu,
                                                                       const TLBEntry *e,
                                                                       uint64_t lin,
                                                                       unsigned size,
                                                                       int access)
{
    uint64_t tag = access == ACC_WRITE ? e->addr_write : e->addr_read;
    if ((tag & (TARGET_PAGE_MASK | TLB_FLAGS_MASK)) != (lin & TARGET_PAGE_MASK))
        return NULL;
    uint8_t *host = (uint8_t *)(uintptr_t)(lin + e->addend);
    if (access == ACC_WRITE)
        x86_note_code_write(cpu, host, size);
    return host;
}

/* The same in table idx. */
static inline __attribute__((always_inline)) uint8_t *x86_tlb_host(X86CPU *cpu, int idx,
                                                                 uint64_t lin, unsigned size,
                                                                 int access)
{
    return x86_tlb_entry_host(cpu, tlb_entry(&cpu->tlb, idx, lin), lin, size, access);
}

/* Host pointer for a data access of seg:offset, or NULL (full path). */
static inline __attribute__((always_inline)) uint8_t *x86_fast_host(X86CPU *cpu, int seg,
                                                                  uint64_t offset,
                                                                  unsigned size, int access)
{
    uint64_t lin;
    if (x86_lock_rmw_active)
        return NULL;   /* a LOCKed read-modify-write: lock-rmw.h */
    if (!x86_seg_linear_fast(cpu, seg, offset, size, &lin))
        return NULL;
    if ((lin & ~TARGET_PAGE_MASK) + size > TARGET_PAGE_SIZE)
        return NULL;
    if (cpu->cpl == 3 && (cpu->cr0 & CR0_AM))
        return NULL;   /* #AC possible */
    if (cpu->tlb.as_generation != cpu->as->generation)
        return NULL;
    return x86_tlb_host(cpu, x86_data_mmu_idx(cpu), lin, size, access);
}

/*
 * x86_fast_host for the interpreter's specialised handlers
 * (interp-fast.c): the MMU index, #AC, watchpoint, LOCK and memory-map
 * checks were made once for the run (cpu->fast_mem_idx and its table
 * cpu->fast_tlb, set by x86_fast_mem_setup; NULL = always the full path).
 */
static inline __attribute__((always_inline)) uint8_t *x86_fast_host_run(X86CPU *cpu, int seg,
                                                                      uint64_t offset,
                                                                      unsigned size, int access)
{
    uint64_t lin;
    const TLBEntry *t = cpu->fast_tlb;
    if (!t || !x86_seg_linear_fast(cpu, seg, offset, size, &lin))
        return NULL;
    if ((lin & ~TARGET_PAGE_MASK) + size > TARGET_PAGE_SIZE)
        return NULL;
    return x86_tlb_entry_host(cpu, &t[tlb_index(lin)], lin, size, access);
}

/* x86_fast_host_run in 64-bit mode for a segment with base 0 (not FS or
 * GS): the caller knows the mode (the handlers of 64-bit addresses). */
static inline __attribute__((always_inline)) uint8_t *x86_fast_host_run64(X86CPU *cpu,
                                                                        uint64_t lin,
                                                                        unsigned size,
                                                                        int access)
{
    const TLBEntry *t = cpu->fast_tlb;
    if (!t || (uint64_t)((int64_t)(lin << 16) >> 16) != lin ||
        (lin & ~TARGET_PAGE_MASK) + size > TARGET_PAGE_SIZE)
        return NULL;
    return x86_tlb_entry_host(cpu, &t[tlb_index(lin)], lin, size, access);
}

/* Little-endian load/store of 1, 2, 4 or 8 bytes at a host pointer. */
static inline uint64_t x86_host_ld(const uint8_t *p, unsigned size)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint8_t b; uint16_t w; uint32_t l; uint64_t q = 0;
    switch (size) {
    case 1: memcpy(&b, p, 1); return b;
    case 2: memcpy(&w, p, 2); return w;
    case 4: memcpy(&l, p, 4); return l;
    default: memcpy(&q, p, size < 8 ? size : 8); return q;
    }
#else
    uint64_t v = 0;
    for (unsigned i = 0; i < size && i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
#endif
}

static inline void x86_host_st(uint8_t *p, uint64_t val, unsigned size)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint16_t w = (uint16_t)val;
    uint32_t l = (uint32_t)val;
    switch (size) {
    case 1: *p = (uint8_t)val; return;
    case 2: memcpy(p, &w, 2); return;
    case 4: memcpy(p, &l, 4); return;
    default: memcpy(p, &val, size < 8 ? size : 8); return;
    }
#else
    for (unsigned i = 0; i < size && i < 8; i++)
        p[i] = (uint8_t)(val >> (8 * i));
#endif
}

#endif
