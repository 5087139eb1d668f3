/*
 * Control and debug registers (with the SDM's reserved-bit and mode
 * checks, paging-mode transitions and TLB flush rules), the time-stamp
 * counter and port I/O (IOPL / TSS I/O-permission bitmap, dispatch).
 */
#include "core/clock.h"
#include "core/main-loop.h"
#include "softmmu/tlb.h"
#include "target-x86/cpu.h"
#include "target-x86/cpu-internal.h"

noreturn static void gp0(X86CPU *cpu)
{
    x86_raise_exception_err(cpu, EXCP_GP, 0);
}

/* CR4 bits this CPU implements (and advertises through CPUID). */
#define CR4_SUPPORTED (CR4_VME | CR4_PVI | CR4_TSD | CR4_DE | CR4_PSE | CR4_PAE | CR4_PGE | CR4_PCE | \
                       CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_PCIDE | CR4_OSXSAVE | CR4_SMEP | \
                       CR4_SMAP)
#define CR0_WRITABLE (CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_NE | CR0_WP | CR0_AM | \
                      CR0_NW | CR0_CD | CR0_PG)
/* CR0/CR4 bits whose change invalidates every cached translation. */
#define CR0_FLUSH_BITS (CR0_PG | CR0_WP | CR0_PE)
#define CR4_FLUSH_BITS (CR4_PSE | CR4_PAE | CR4_PGE | CR4_PCIDE | CR4_SMEP | CR4_SMAP)

static bool pae_paging_active(uint64_t cr0, uint64_t cr4, uint64_t efer)
{
    return (cr0 & CR0_PG) && (cr4 & CR4_PAE) && !(efer & EFER_LMA);
}

static void write_cr0(X86CPU *cpu, uint64_t val)
{
    uint64_t old = cpu->cr0;
    if (val >> 32)
        gp0(cpu);
    val = (val & CR0_WRITABLE) | CR0_ET;
    if ((val & CR0_PG) && !(val & CR0_PE))
        gp0(cpu);
    if ((val & CR0_NW) && !(val & CR0_CD))
        gp0(cpu);
    uint64_t efer = cpu->efer;
    if ((val & CR0_PG) && !(old & CR0_PG) && (efer & EFER_LME)) {
        if (!(cpu->cr4 & CR4_PAE) || (cpu->seg[R_CS].attr & SEG_ATTR_L))
            gp0(cpu);
        efer |= EFER_LMA;
    }
    if (!(val & CR0_PG) && (old & CR0_PG) && (efer & EFER_LMA)) {
        if (cpu->code64 || (cpu->cr4 & CR4_PCIDE))
            gp0(cpu);
        efer &= ~(uint64_t)EFER_LMA;
    }
    if (pae_paging_active(val, cpu->cr4, efer) && ((val ^ old) & (CR0_PG | CR0_CD | CR0_NW)) &&
        !x86_load_pdptes(cpu, cpu->cr3))
        gp0(cpu);
    cpu->cr0 = val;
    cpu->efer = efer;
    if ((val ^ old) & CR0_FLUSH_BITS)
        tlb_flush(&cpu->tlb);
    x86_update_hflags(cpu);
}

static void write_cr3(X86CPU *cpu, uint64_t val)
{
    bool pcide = (cpu->cr4 & CR4_PCIDE) != 0;
    bool noflush = pcide && (val >> 63);
    if (pcide)
        val &= ~(1ull << 63);
    if (cpu->lma && (val & ~X86_PHYS_MASK))
        gp0(cpu);
    if (!cpu->lma)
        val &= 0xffffffffull;
    if (pae_paging_active(cpu->cr0, cpu->cr4, cpu->efer) && !x86_load_pdptes(cpu, val))
        gp0(cpu);
    cpu->cr3 = val;
    if (pcide) {
        uint16_t new_pcid = val & 0xfff;
        /* Entries are kept per PCID only while it stays current: switching
         * PCID drops the non-global entries (allowed: a TLB may forget). */
        if (!noflush || new_pcid != cpu->tlb.pcid)
            tlb_flush_nonglobal(&cpu->tlb);
        cpu->tlb.pcid = new_pcid;
    } else {
        tlb_flush_nonglobal(&cpu->tlb);
    }
}

static void write_cr4(X86CPU *cpu, uint64_t val)
{
    uint64_t old = cpu->cr4;
    if (val & ~(uint64_t)CR4_SUPPORTED)
        gp0(cpu);
    if (cpu->lma && !(val & CR4_PAE))
        gp0(cpu);
    if ((val & CR4_PCIDE) && !(old & CR4_PCIDE) && (!cpu->lma || (cpu->cr3 & 0xfff)))
        gp0(cpu);
    if (pae_paging_active(cpu->cr0, val, cpu->efer) &&
        ((val ^ old) & (CR4_PAE | CR4_PGE | CR4_PSE | CR4_SMEP)) &&
        !x86_load_pdptes(cpu, cpu->cr3))
        gp0(cpu);
    cpu->cr4 = val;
    if ((val ^ old) & CR4_FLUSH_BITS)
        tlb_flush(&cpu->tlb);
    if (!(val & CR4_PCIDE))
        cpu->tlb.pcid = 0;
}

void x86_write_cr(X86CPU *cpu, int cr, uint64_t val)
{
    switch (cr) {
    case 0:
        write_cr0(cpu, val);
        break;
    case 2:
        cpu->cr2 = val;
        break;
    case 3:
        write_cr3(cpu, val);
        break;
    case 4:
        write_cr4(cpu, val);
        break;
    case 8:
        if (val & ~0xfull)
            gp0(cpu);
        x86_apic_set_cr8(cpu, val);
        break;
    default:
        x86_raise_exception(cpu, EXCP_UD);
    }
}

uint64_t x86_read_cr(X86CPU *cpu, int cr)
{
    switch (cr) {
    case 0: return cpu->cr0;
    case 2: return cpu->cr2;
    case 3: return cpu->cr3;
    case 4: return cpu->cr4;
    case 8: return x86_apic_get_cr8(cpu);
    default: x86_raise_exception(cpu, EXCP_UD);
    }
}

/* ---- debug registers ---- */

static int dr_alias(X86CPU *cpu, int dr)
{
    if (dr == 4 || dr == 5) {
        if (cpu->cr4 & CR4_DE)
            x86_raise_exception(cpu, EXCP_UD);
        return dr + 2;
    }
    if (dr < 0 || dr > 7)
        x86_raise_exception(cpu, EXCP_UD);
    return dr;
}

void x86_write_dr(X86CPU *cpu, int dr, uint64_t val)
{
    dr = dr_alias(cpu, dr);
    if (cpu->cpl != 0)
        gp0(cpu);
    if (dr >= 6 && (val >> 32))
        gp0(cpu);
    if (dr == 6)
        val = (val & 0xe00full) | 0xffff0ff0ull;
    else if (dr == 7)
        val = (val & ~0xd800ull) | 0x400;
    else if (!cpu->lma)
        val &= 0xffffffffull;
    cpu->dr[dr] = val;
}

uint64_t x86_read_dr(X86CPU *cpu, int dr)
{
    dr = dr_alias(cpu, dr);
    if (cpu->cpl != 0)
        gp0(cpu);
    return cpu->dr[dr];
}

/* ---- time-stamp counter: 1 GHz, from the virtual clock ---- */

static uint64_t tsc_base(void)
{
    return (uint64_t)clock_get_ns(CLOCK_VIRTUAL);
}

uint64_t x86_rdtsc(X86CPU *cpu)
{
    return tsc_base() + cpu->tsc_offset;
}

void x86_tsc_reset(X86CPU *cpu)
{
    cpu->tsc_offset = 0 - tsc_base();
}

void x86_tsc_write(X86CPU *cpu, uint64_t val)
{
    cpu->tsc_offset = val - tsc_base();
}

/* ---- port I/O ---- */

static bool io_bitmap_allows(X86CPU *cpu, uint16_t port, unsigned size)
{
    unsigned type = cpu->tr.attr & 0xf;
    if (!(cpu->tr.attr & SEG_ATTR_P) || (type != 9 && type != 0xb) || cpu->tr.limit < 0x67)
        return false;
    uint32_t iomap = (uint32_t)x86_read_lin(cpu, cpu->tr.base + 0x66, 2, false);
    uint32_t off = iomap + port / 8;
    if (off + 1 > cpu->tr.limit)
        return false;
    uint32_t bits = (uint32_t)x86_read_lin(cpu, cpu->tr.base + off, 2, false);
    uint32_t mask = ((1u << size) - 1) << (port & 7);
    return (bits & mask) == 0;
}

void x86_check_io(X86CPU *cpu, uint16_t port, unsigned size)
{
    if (cpu->dr[7] & 0xff)
        x86_io_breakpoints(cpu, port, size);   /* interp-system.c */
    if (!(cpu->cr0 & CR0_PE))
        return;
    unsigned iopl = (unsigned)((cpu->rflags & IOPL_MASK) >> IOPL_SHIFT);
    if (!(cpu->rflags & VM_MASK) && (unsigned)cpu->cpl <= iopl)
        return;
    if (!io_bitmap_allows(cpu, port, size))
        gp0(cpu);
}

uint32_t x86_io_read(X86CPU *cpu, uint16_t port, unsigned size)
{
    MemTxResult res;
    bool locked = big_lock_held();
    if (!locked)
        big_lock();
    uint32_t v = (uint32_t)address_space_ld(cpu->io_as, port, size, &res);
    if (!locked)
        big_unlock();
    return v;
}

void x86_io_write(X86CPU *cpu, uint16_t port, uint32_t val, unsigned size)
{
    bool locked = big_lock_held();
    if (!locked)
        big_lock();
    address_space_st(cpu->io_as, port, val, size);
    if (!locked)
        big_unlock();
}
