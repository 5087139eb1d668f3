/*
 * The page-table walker: 32-bit paging (4 KiB / 4 MiB PSE pages), PAE
 * (PDPTEs held in the CPU, loaded on CR3/CR0/CR4 writes as the SDM says),
 * and 4-level long-mode paging (4 KiB / 2 MiB / 1 GiB pages). Computes the
 * combined U/S, R/W and XD rights, applies WP, SMEP, SMAP, sets accessed and
 * dirty bits with compare-and-exchange, raises #PF with the exact error code
 * and CR2, and fills the software TLB.
 */
#include "softmmu/tlb.h"
#include "target-x86/cpu.h"
#include "target-x86/cpu-internal.h"

#define PTE_P    (1ull << 0)
#define PTE_RW   (1ull << 1)
#define PTE_US   (1ull << 2)
#define PTE_A    (1ull << 5)
#define PTE_D    (1ull << 6)
#define PTE_PS   (1ull << 7)
#define PTE_G    (1ull << 8)
#define PTE_XD   (1ull << 63)

/* Address bits of a 64-bit entry (up to MAXPHYADDR) and the bits above it. */
#define PTE64_ADDR   (X86_PHYS_MASK & ~0xfffull)
#define PTE64_HIGH_RSVD (((1ull << 52) - 1) & ~X86_PHYS_MASK)

/* One level of a walk: where the entry lives and what it holds. */
typedef struct WalkLevel {
    uint64_t addr;
    uint64_t pte;
    unsigned size;   /* 4 or 8 bytes */
} WalkLevel;

typedef struct Walk {
    WalkLevel lv[4];
    int nr;                 /* levels read from memory */
    uint64_t page_base;     /* physical base of the (possibly large) page */
    uint64_t page_size;
    bool user, writable, xd, global;
    uint32_t fault;         /* error code if faulted */
    bool faulted;
} Walk;

enum { PAGING_NONE, PAGING_32, PAGING_PAE, PAGING_4LEVEL };

static int paging_mode(const X86CPU *cpu)
{
    if (!(cpu->cr0 & CR0_PG))
        return PAGING_NONE;
    if (cpu->efer & EFER_LMA)
        return PAGING_4LEVEL;
    return (cpu->cr4 & CR4_PAE) ? PAGING_PAE : PAGING_32;
}

static bool nx_enabled(const X86CPU *cpu)
{
    return (cpu->efer & EFER_NXE) != 0;
}

/* Reserved bits of a present 64-bit entry at `level` (4 = PML4E ... 1 = PTE). */
static uint64_t rsvd_mask64(const X86CPU *cpu, int level, uint64_t pte)
{
    uint64_t m = PTE64_HIGH_RSVD;
    if (!nx_enabled(cpu))
        m |= PTE_XD;
    if (level == 4)
        m |= PTE_PS;
    else if (level == 3 && (pte & PTE_PS))
        m |= 0x3fffe000ull;              /* bits 29:13 of a 1 GiB page */
    else if (level == 2 && (pte & PTE_PS))
        m |= 0x1fe000ull;                /* bits 20:13 of a 2 MiB page */
    return m;
}

static void record_level(Walk *w, uint64_t addr, uint64_t pte, unsigned size)
{
    w->lv[w->nr++] = (WalkLevel){ addr, pte, size };
}

static void combine_rights(Walk *w, uint64_t pte, bool has_xd)
{
    w->user &= (pte & PTE_US) != 0;
    w->writable &= (pte & PTE_RW) != 0;
    if (has_xd)
        w->xd |= (pte & PTE_XD) != 0;
}

static void walk_fault(Walk *w, uint32_t err)
{
    w->faulted = true;
    w->fault = err;
}

/* Physical address bit 20 is forced to 0 while the A20 gate is off (the
 * mask is written by other threads: read it once per use). */
static uint64_t a20(const X86CPU *cpu, uint64_t phys)
{
    return phys & __atomic_load_n(&cpu->a20_mask, __ATOMIC_ACQUIRE);
}

/* 4-level and PAE walks share the 64-bit entry format below the PDPT. */
static void walk_64(X86CPU *cpu, uint64_t lin, Walk *w, uint64_t table, int top)
{
    for (int level = top; level >= 1; level--) {
        int shift = 12 + 9 * (level - 1);
        uint64_t addr = a20(cpu, table + ((lin >> shift) & 0x1ff) * 8);
        uint64_t pte = x86_phys_ld(cpu, addr, 8);
        record_level(w, addr, pte, 8);
        if (!(pte & PTE_P))
            return walk_fault(w, 0);
        if (pte & rsvd_mask64(cpu, level, pte))
            return walk_fault(w, PF_P | PF_RSVD);
        combine_rights(w, pte, nx_enabled(cpu));
        if (level == 1 || ((level == 2 || level == 3) && (pte & PTE_PS))) {
            w->page_size = 1ull << shift;
            w->page_base = pte & PTE64_ADDR & ~(w->page_size - 1);
            w->global = (pte & PTE_G) != 0;
            return;
        }
        table = pte & PTE64_ADDR;
    }
}

static void walk_pae(X86CPU *cpu, uint64_t lin, Walk *w)
{
    uint64_t pdpte = cpu->pdpte[(lin >> 30) & 3];
    if (!(pdpte & PTE_P))
        return walk_fault(w, 0);
    walk_64(cpu, lin, w, pdpte & PTE64_ADDR, 2);
}

static void walk_32(X86CPU *cpu, uint64_t lin, Walk *w)
{
    uint64_t pde_addr = a20(cpu, (cpu->cr3 & 0xfffff000ull) + ((lin >> 22) & 0x3ff) * 4);
    uint64_t pde = x86_phys_ld(cpu, pde_addr, 4);
    record_level(w, pde_addr, pde, 4);
    if (!(pde & PTE_P))
        return walk_fault(w, 0);
    combine_rights(w, pde, false);
    if ((pde & PTE_PS) && (cpu->cr4 & CR4_PSE)) {
        if (pde & 0x3fe000ull)            /* bits 21:13: no PSE-36 */
            return walk_fault(w, PF_P | PF_RSVD);
        w->page_size = 1ull << 22;
        w->page_base = pde & 0xffc00000ull;
        w->global = (pde & PTE_G) != 0;
        return;
    }
    uint64_t pte_addr = a20(cpu, (pde & 0xfffff000ull) + ((lin >> 12) & 0x3ff) * 4);
    uint64_t pte = x86_phys_ld(cpu, pte_addr, 4);
    record_level(w, pte_addr, pte, 4);
    if (!(pte & PTE_P))
        return walk_fault(w, 0);
    combine_rights(w, pte, false);
    w->page_size = 1ull << 12;
    w->page_base = pte & 0xfffff000ull;
    w->global = (pte & PTE_G) != 0;
}

static void do_walk(X86CPU *cpu, uint64_t lin, Walk *w)
{
    *w = (Walk){ .user = true, .writable = true };
    switch (paging_mode(cpu)) {
    case PAGING_4LEVEL:
        walk_64(cpu, lin, w, cpu->cr3 & PTE64_ADDR, 4);
        break;
    case PAGING_PAE:
        walk_pae(cpu, lin, w);
        break;
    default:
        walk_32(cpu, lin, w);
        break;
    }
}

static bool is_supervisor(int mmu_idx)
{
    return mmu_idx != MMU_USER_IDX;
}

/* May `access` in `mmu_idx` use a page with these combined rights? */
static bool access_allowed(const X86CPU *cpu, const Walk *w, int access, int mmu_idx)
{
    if (!is_supervisor(mmu_idx)) {
        if (!w->user)
            return false;
        if (access == ACC_WRITE)
            return w->writable;
        return access != ACC_EXEC || !w->xd;
    }
    if (access == ACC_EXEC)
        return !w->xd && !(w->user && (cpu->cr4 & CR4_SMEP));
    if (w->user && (cpu->cr4 & CR4_SMAP) && mmu_idx == MMU_KSMAP_IDX)
        return false;
    if (access == ACC_WRITE)
        return w->writable || !(cpu->cr0 & CR0_WP);
    return true;
}

static uint32_t fault_access_bits(const X86CPU *cpu, int access, int mmu_idx)
{
    uint32_t err = 0;
    if (access == ACC_WRITE)
        err |= PF_W;
    if (mmu_idx == MMU_USER_IDX)
        err |= PF_U;
    if (access == ACC_EXEC && ((cpu->cr4 & CR4_SMEP) ||
                               (nx_enabled(cpu) && paging_mode(cpu) != PAGING_32)))
        err |= PF_I;
    return err;
}

noreturn static void raise_pf(X86CPU *cpu, uint64_t lin, uint32_t err)
{
    cpu->cr2 = lin;
    x86_raise_exception_err(cpu, EXCP_PF, err);
}

/* Set A on every level and D on the leaf for writes, atomically per entry. */
static void update_ad_bits(X86CPU *cpu, Walk *w, bool write)
{
    for (int i = 0; i < w->nr; i++) {
        WalkLevel *l = &w->lv[i];
        uint64_t set = PTE_A | ((write && i == w->nr - 1) ? PTE_D : 0);
        while ((l->pte & set) != set) {
            if (x86_phys_cmpxchg(cpu, l->addr, l->pte, l->pte | set, l->size)) {
                l->pte |= set;
                break;
            }
            l->pte = x86_phys_ld(cpu, l->addr, l->size);
        }
    }
}

static int tlb_prot_for(const X86CPU *cpu, const Walk *w, int mmu_idx)
{
    int prot = 0;
    bool dirty = (w->lv[w->nr - 1].pte & PTE_D) != 0;
    if (access_allowed(cpu, w, ACC_READ, mmu_idx))
        prot |= TLB_PROT_READ;
    if (dirty && access_allowed(cpu, w, ACC_WRITE, mmu_idx))
        prot |= TLB_PROT_WRITE;
    if (access_allowed(cpu, w, ACC_EXEC, mmu_idx))
        prot |= TLB_PROT_EXEC;
    return prot;
}

void x86_tlb_fill(X86CPU *cpu, uint64_t lin, int access, int mmu_idx)
{
    CPUTLB *tlb = &cpu->tlb;
    if (mmu_idx == MMU_PHYS_IDX || paging_mode(cpu) == PAGING_NONE) {
        tlb_set_page(tlb, cpu->as, mmu_idx, lin, a20(cpu, lin & 0xffffffffull),
                     TLB_PROT_READ | TLB_PROT_WRITE | TLB_PROT_EXEC, TARGET_PAGE_SIZE, false);
        return;
    }
    if (cpu->lma && !x86_is_canonical(lin))
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    if (!cpu->lma)
        lin &= 0xffffffffull;
    Walk w;
    do_walk(cpu, lin, &w);
    uint32_t bits = fault_access_bits(cpu, access, mmu_idx);
    if (w.faulted)
        raise_pf(cpu, lin, w.fault | bits);
    if (!access_allowed(cpu, &w, access, mmu_idx))
        raise_pf(cpu, lin, PF_P | bits);
    update_ad_bits(cpu, &w, access == ACC_WRITE);
    uint64_t paddr = a20(cpu, w.page_base + (lin & (w.page_size - 1) & TARGET_PAGE_MASK));
    bool global = w.global && (cpu->cr4 & CR4_PGE);
    tlb_set_page(tlb, cpu->as, mmu_idx, lin, paddr, tlb_prot_for(cpu, &w, mmu_idx),
                 w.page_size, global);
}

bool x86_debug_translate(X86CPU *cpu, uint64_t lin, uint64_t *phys)
{
    if (paging_mode(cpu) == PAGING_NONE) {
        *phys = a20(cpu, lin & 0xffffffffull);
        return true;
    }
    if (!cpu->lma)
        lin &= 0xffffffffull;
    else if (!x86_is_canonical(lin))
        return false;
    Walk w;
    do_walk(cpu, lin, &w);
    if (w.faulted)
        return false;
    *phys = a20(cpu, w.page_base + (lin & (w.page_size - 1)));
    return true;
}

/* PAE PDPTE reserved bits: 2:1, 8:5 and everything above MAXPHYADDR. */
#define PDPTE_RSVD (0x1e6ull | ~X86_PHYS_MASK)

bool x86_load_pdptes(X86CPU *cpu, uint64_t cr3)
{
    uint64_t base = cr3 & 0xffffffe0ull;
    uint64_t e[4];
    for (int i = 0; i < 4; i++) {
        e[i] = x86_phys_ld(cpu, base + 8 * i, 8);
        if ((e[i] & PTE_P) && (e[i] & PDPTE_RSVD))
            return false;
    }
    for (int i = 0; i < 4; i++)
        cpu->pdpte[i] = e[i];
    return true;
}

void x86_invlpg(X86CPU *cpu, uint64_t lin)
{
    tlb_flush_page(&cpu->tlb, cpu->lma ? lin : (lin & 0xffffffffull));
}
