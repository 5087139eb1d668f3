/*
 * Guest memory accesses from the CPU: segmentation checks (real, protected,
 * 64-bit), then paging through the software TLB, RAM by host pointer and
 * everything else through the address space under the big lock. Accesses
 * that cross a page check both pages before touching either. Stores into
 * RAM holding translated code (TLB_NOTDIRTY) report to the code pages
 * before they land; watched RAM (TLB_WATCH) is RAM for the access itself.
 */
#include <string.h>

#include "core/main-loop.h"
#include "accel/debug.h"   /* gdb watchpoints on system accesses */
#include "softmmu/code-pages.h"
#include "softmmu/memory.h"
#include "softmmu/tlb.h"
#include "target-x86/cpu.h"
#include "target-x86/lock-rmw.h"
#include "target-x86/cpu-internal.h"
#include "target-x86/exec.h"
#include "target-x86/mem-inline.h"

/* ---- MMU index ---- */

static inline int mmu_index(X86CPU *cpu, bool implicit_supervisor)
{
    if (implicit_supervisor && (cpu->cr0 & CR0_PG))
        return MMU_KSMAP_IDX;
    return x86_data_mmu_idx(cpu);
}

int x86_mmu_index(X86CPU *cpu, bool implicit_supervisor)
{
    return mmu_index(cpu, implicit_supervisor);
}

static int code_mmu_index(X86CPU *cpu)
{
    if (!(cpu->cr0 & CR0_PG))
        return MMU_PHYS_IDX;
    return cpu->cpl == 3 ? MMU_USER_IDX : MMU_KSMAP_IDX;
}

/* ---- segmentation ---- */

bool x86_is_canonical(uint64_t lin)
{
    uint64_t top = lin >> 47;   /* bits 63:47 must be all equal */
    return top == 0 || top == 0x1ffff;
}

noreturn static void seg_fault(X86CPU *cpu, int seg)
{
    x86_raise_exception_err(cpu, seg == R_SS ? EXCP_SS : EXCP_GP, 0);
}

/* Limit check for [offset, offset + size - 1] in a protected/real-mode segment. */
bool x86_seg_within_limit(const SegmentCache *s, uint64_t offset, unsigned size)
{
    uint64_t last = offset + size - 1;
    bool data = !(s->attr & SEG_ATTR_CODE);
    if ((s->attr & SEG_ATTR_S) && data && (s->attr & 0x4)) {
        uint64_t upper = (s->attr & SEG_ATTR_DB) ? 0xffffffffull : 0xffffull;
        return offset > s->limit && last <= upper && last >= offset;
    }
    return last <= s->limit && last >= offset;
}

static bool type_allows(const SegmentCache *s, int access)
{
    bool code = (s->attr & SEG_ATTR_CODE) != 0;
    if (!(s->attr & SEG_ATTR_S))
        return false;
    if (access == ACC_WRITE)
        return !code && (s->attr & 0x2);
    if (access == ACC_READ)
        return !code || (s->attr & 0x2);
    return code;
}

uint64_t x86_seg_linear(X86CPU *cpu, int seg, uint64_t offset, unsigned size, int access)
{
    const SegmentCache *s = &cpu->seg[seg];
    uint64_t fast;
    if (access != ACC_EXEC && x86_seg_linear_fast(cpu, seg, offset, size, &fast) &&
        (!cpu->code64 || x86_is_canonical(fast + size - 1)))
        return fast;
    if (cpu->code64) {
        uint64_t lin = offset + ((seg == R_FS || seg == R_GS) ? s->base : 0);
        if (!x86_is_canonical(lin) || !x86_is_canonical(lin + size - 1))
            seg_fault(cpu, seg);
        return lin;
    }
    if ((cpu->cr0 & CR0_PE) && !(cpu->rflags & VM_MASK)) {
        if ((s->attr & SEG_ATTR_UNUSABLE) || !type_allows(s, access))
            seg_fault(cpu, seg);
    }
    if (!x86_seg_within_limit(s, offset, size))
        seg_fault(cpu, seg);
    return (s->base + offset) & 0xffffffffull;
}

/* ---- paging through the TLB ---- */

static uint64_t tag_of(const TLBEntry *e, int access)
{
    if (access == ACC_WRITE)
        return e->addr_write;
    return access == ACC_EXEC ? e->addr_code : e->addr_read;
}

/*
 * Translate one linear address for `access` in `idx`: a host pointer for
 * RAM, or NULL with *phys set for the slow path (MMIO, ROM writes). RAM
 * stays RAM under TLB_WATCH (the callers check watchpoints) and
 * TLB_NOTDIRTY (*notdirty set: the writer reports the write to the code
 * pages first). Faults longjmp.
 */
static uint8_t *translate_flags(X86CPU *cpu, uint64_t lin, int access, int idx, uint64_t *phys,
                                bool *notdirty)
{
    TLBEntry *e = tlb_entry(&cpu->tlb, idx, lin);
    uint64_t tag = tag_of(e, access);
    if (!tlb_hit_page(tag, lin)) {
        x86_tlb_fill(cpu, lin, access, idx);
        tag = tag_of(e, access);
        if (!tlb_hit_page(tag, lin)) {   /* cannot happen: fill always enters */
            *phys = lin;
            return NULL;
        }
    }
    *phys = e->phys | (lin & ~TARGET_PAGE_MASK);
    *notdirty = (tag & TLB_NOTDIRTY) != 0;
    if (tag & (TLB_MMIO | TLB_INVALID))
        return NULL;
    return (uint8_t *)(uintptr_t)(lin + e->addend);
}

static uint8_t *translate(X86CPU *cpu, uint64_t lin, int access, int idx, uint64_t *phys)
{
    bool notdirty;
    return translate_flags(cpu, lin, access, idx, phys, &notdirty);
}


static uint64_t mmio_ld(X86CPU *cpu, uint64_t phys, unsigned size)
{
    cpu->run_break = true;
    MemTxResult res;
    bool locked = big_lock_held();
    if (!locked)
        big_lock();
    uint64_t v = address_space_ld(cpu->as, phys, size, &res);
    if (!locked)
        big_unlock();
    return v;
}

static void mmio_st(X86CPU *cpu, uint64_t phys, uint64_t val, unsigned size)
{
    cpu->run_break = true;
    bool locked = big_lock_held();
    if (!locked)
        big_lock();
    address_space_st(cpu->as, phys, val, size);
    if (!locked)
        big_unlock();
}

static uint64_t wrap_lin(X86CPU *cpu, uint64_t lin)
{
    return cpu->lma ? lin : (lin & 0xffffffffull);
}

static bool crosses_page(uint64_t lin, unsigned size)
{
    return (lin & ~TARGET_PAGE_MASK) + size > TARGET_PAGE_SIZE;
}

/* One page's worth of a split access: host pointer or physical address. */
typedef struct PagePart {
    uint8_t *host;
    uint64_t phys;
    unsigned len;
    bool notdirty;   /* RAM holding translated code (TLB_NOTDIRTY) */
} PagePart;

/* Translate both pages of a page-crossing access before touching memory. */
static void translate_split(X86CPU *cpu, uint64_t lin, unsigned size, int access, int idx,
                            PagePart part[2])
{
    unsigned first = (unsigned)(TARGET_PAGE_SIZE - (lin & ~TARGET_PAGE_MASK));
    uint64_t lin2 = wrap_lin(cpu, lin + first);
    part[0].host = translate_flags(cpu, lin, access, idx, &part[0].phys, &part[0].notdirty);
    part[0].len = first;
    part[1].host = translate_flags(cpu, lin2, access, idx, &part[1].phys, &part[1].notdirty);
    part[1].len = size - first;
    /* the second fill may have evicted nothing of the first (different
     * index), but re-translate the first in case both share a slot */
    if (tlb_index(lin) == tlb_index(lin2))
        part[0].host = translate_flags(cpu, lin, access, idx, &part[0].phys,
                                       &part[0].notdirty);
}

static uint64_t part_ld(X86CPU *cpu, const PagePart *p, unsigned off)
{
    if (p->host)
        return p->host[off];
    return mmio_ld(cpu, p->phys + off, 1);
}

static void part_st(X86CPU *cpu, const PagePart *p, unsigned off, uint8_t b)
{
    if (p->host) {
        x86_note_code_write(cpu, p->host + off, 1);
        p->host[off] = b;
    }
    else
        mmio_st(cpu, p->phys + off, b, 1);
}

static uint64_t read_idx(X86CPU *cpu, uint64_t lin, unsigned size, int access, int idx)
{
    tlb_check_generation(&cpu->tlb, cpu->as);
    if (!crosses_page(lin, size)) {
        uint64_t phys;
        uint8_t *host = translate(cpu, lin, access, idx, &phys);
        if (host && x86_lock_rmw_active)
            return x86_lock_rmw_load(cpu, host, size);
        return host ? x86_host_ld(host, size) : mmio_ld(cpu, phys, size);
    }
    PagePart part[2];
    translate_split(cpu, lin, size, access, idx, part);
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        const PagePart *p = i < part[0].len ? &part[0] : &part[1];
        unsigned off = i < part[0].len ? i : i - part[0].len;
        v |= part_ld(cpu, p, off) << (8 * i);
    }
    return v;
}

/* A store into RAM holding translated code: report it to the code pages
 * (the JIT drops the page's blocks) before it lands. */
static void notdirty_before(const PagePart *p)
{
    if (p->host && p->notdirty)
        code_pages_notify_write(p->host, p->len);
}

/* ... and after it, let later stores to the page take the fast path again
 * unless it holds code again. */
static void notdirty_after(X86CPU *cpu, const PagePart *p, uint64_t lin, int idx)
{
    if (p->host && p->notdirty)
        tlb_clear_notdirty(&cpu->tlb, idx, lin);
}

static void write_idx(X86CPU *cpu, uint64_t lin, uint64_t val, unsigned size, int idx)
{
    tlb_check_generation(&cpu->tlb, cpu->as);
    if (!crosses_page(lin, size)) {
        PagePart p = { .len = size };
        p.host = translate_flags(cpu, lin, ACC_WRITE, idx, &p.phys, &p.notdirty);
        if (!p.host) {
            mmio_st(cpu, p.phys, val, size);
            return;
        }
        notdirty_before(&p);
        x86_note_code_write(cpu, p.host, size);
        if (x86_lock_rmw_active)
            x86_lock_rmw_store(cpu, p.host, val, size);
        else
            x86_host_st(p.host, val, size);
        notdirty_after(cpu, &p, lin, idx);
        return;
    }
    PagePart part[2];
    translate_split(cpu, lin, size, ACC_WRITE, idx, part);
    notdirty_before(&part[0]);
    notdirty_before(&part[1]);
    for (unsigned i = 0; i < size; i++) {
        const PagePart *p = i < part[0].len ? &part[0] : &part[1];
        unsigned off = i < part[0].len ? i : i - part[0].len;
        part_st(cpu, p, off, (uint8_t)(val >> (8 * i)));
    }
    notdirty_after(cpu, &part[0], lin, idx);
    notdirty_after(cpu, &part[1], wrap_lin(cpu, lin + part[0].len), idx);
}

/* #AC(0): misaligned data access at CPL 3 with CR0.AM and EFLAGS.AC. */
static void check_alignment(X86CPU *cpu, uint64_t lin, unsigned size)
{
    if (cpu->cpl == 3 && (lin & (size - 1)) && (cpu->cr0 & CR0_AM) && (cpu->rflags & AC_MASK))
        x86_raise_exception_err(cpu, EXCP_AC, 0);
}

uint64_t x86_read(X86CPU *cpu, int seg, uint64_t offset, unsigned size)
{
    uint8_t *host = x86_fast_host(cpu, seg, offset, size, ACC_READ);
    if (host)
        return x86_host_ld(host, size);
    uint64_t lin = x86_seg_linear(cpu, seg, offset, size, ACC_READ);
    check_alignment(cpu, lin, size);
    return read_idx(cpu, lin, size, ACC_READ, mmu_index(cpu, false));
}

void x86_write(X86CPU *cpu, int seg, uint64_t offset, uint64_t val, unsigned size)
{
    uint8_t *host = x86_fast_host(cpu, seg, offset, size, ACC_WRITE);
    if (host) {
        x86_host_st(host, val, size);
        return;
    }
    uint64_t lin = x86_seg_linear(cpu, seg, offset, size, ACC_WRITE);
    check_alignment(cpu, lin, size);
    write_idx(cpu, lin, val, size, mmu_index(cpu, false));
}

static int lin_mmu_index(X86CPU *cpu, bool user)
{
    if (!(cpu->cr0 & CR0_PG))
        return MMU_PHYS_IDX;
    return user ? MMU_USER_IDX : MMU_KSMAP_IDX;
}

/* The CPU's own accesses (descriptor tables, stacks of event delivery, TSS):
 * gdb watchpoints see them too (debug_sys_access). */
uint64_t x86_read_lin(X86CPU *cpu, uint64_t lin, unsigned size, bool user)
{
    lin = wrap_lin(cpu, lin);
    uint64_t v = read_idx(cpu, lin, size, ACC_READ, lin_mmu_index(cpu, user));
    debug_sys_access(cpu, lin, size, false);
    return v;
}

void x86_write_lin(X86CPU *cpu, uint64_t lin, uint64_t val, unsigned size, bool user)
{
    lin = wrap_lin(cpu, lin);
    write_idx(cpu, lin, val, size, lin_mmu_index(cpu, user));
    debug_sys_access(cpu, lin, size, true);
}

/* The JIT's slow paths: the linear address is final (segmentation and #AC
 * were checked by the generated code), the MMU index is the block's. Every
 * page flag is handled here (TLB_MMIO, TLB_NOTDIRTY, TLB_WATCH: the gdb
 * watchpoints are checked like the CPU's own accesses). */
uint64_t x86_ld_mmu(X86CPU *cpu, uint64_t lin, unsigned size, int mmu_idx)
{
    lin = wrap_lin(cpu, lin);
    uint64_t v = read_idx(cpu, lin, size, ACC_READ, mmu_idx);
    debug_sys_access(cpu, lin, size, false);
    return v;
}

void x86_st_mmu(X86CPU *cpu, uint64_t lin, uint64_t val, unsigned size, int mmu_idx)
{
    lin = wrap_lin(cpu, lin);
    write_idx(cpu, lin, val, size, mmu_idx);
    debug_sys_access(cpu, lin, size, true);
}

/* ---- instruction fetch ---- */

static uint64_t code_linear(X86CPU *cpu, uint64_t offset)
{
    const SegmentCache *cs = &cpu->seg[R_CS];
    if (cpu->code64) {
        if (!x86_is_canonical(offset))
            x86_raise_exception_err(cpu, EXCP_GP, 0);
        return offset;
    }
    if (offset > cs->limit)
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    return (cs->base + offset) & 0xffffffffull;
}

uint8_t x86_fetch_byte(X86CPU *cpu, uint64_t offset)
{
    uint64_t lin = code_linear(cpu, offset);
    return (uint8_t)read_idx(cpu, lin, 1, ACC_EXEC, code_mmu_index(cpu));
}

const uint8_t *x86_code_page(X86CPU *cpu, uint64_t lin, uint64_t *page_end)
{
    uint64_t phys;
    tlb_check_generation(&cpu->tlb, cpu->as);
    uint8_t *host = translate(cpu, lin, ACC_EXEC, code_mmu_index(cpu), &phys);
    *page_end = (lin & TARGET_PAGE_MASK) + TARGET_PAGE_SIZE;
    return host;
}

const uint8_t *x86_code_ptr(X86CPU *cpu, uint64_t offset, unsigned *avail)
{
    uint64_t lin = code_linear(cpu, offset);
    uint64_t page_end;
    const uint8_t *host = x86_code_page(cpu, lin, &page_end);
    uint64_t n = page_end - lin;
    if (!cpu->code64) {
        uint64_t left = (uint64_t)cpu->seg[R_CS].limit - offset + 1;
        if (left < n)
            n = left;
    }
    *avail = (unsigned)n;
    return host;
}

/* ---- physical helpers for the page walker and the descriptor code ---- */

uint64_t x86_phys_ld(X86CPU *cpu, uint64_t phys, unsigned size)
{
    uint64_t len = size;
    const uint8_t *host = address_space_map_ram(cpu->as, phys, &len, false);
    if (host && len == size)
        return x86_host_ld(host, size);
    return mmio_ld(cpu, phys, size);
}

bool x86_phys_cmpxchg(X86CPU *cpu, uint64_t phys, uint64_t old, uint64_t new, unsigned size)
{
    uint64_t len = size;
    uint8_t *host = address_space_map_ram(cpu->as, phys, &len, true);
    if (!host || len != size || ((uintptr_t)host & (size - 1))) {
        if (x86_phys_ld(cpu, phys, size) != old)
            return false;
        x86_phys_st(cpu, phys, new, size);
        return true;
    }
    x86_note_code_write(cpu, host, size);
    if (size == 8)
        return __atomic_compare_exchange_n((uint64_t *)host, &old, new, false,
                                           __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    uint32_t o32 = (uint32_t)old;
    return __atomic_compare_exchange_n((uint32_t *)host, &o32, (uint32_t)new, false,
                                       __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

void x86_phys_st(X86CPU *cpu, uint64_t phys, uint64_t val, unsigned size)
{
    mmio_st(cpu, phys, val, size);
}
