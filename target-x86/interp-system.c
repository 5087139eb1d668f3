/*
 * System instructions: descriptor-table registers (LGDT LIDT SGDT SIDT
 * LLDT SLDT LTR STR), MOV CR/DR, CLTS LMSW SMSW, INVLPG, cache control,
 * CLFLUSH, CLI/STI, HLT, IN/OUT, CPUID, RDTSC/RDTSCP, RDMSR/WRMSR, RDPMC, SWAPGS,
 * LAR LSL VERR VERW, UD, FWAIT. Privilege checks here; the state work is
 * done by the system side (cpu.h).
 */
#include "softmmu/tlb.h"
#include "target-x86/interp.h"

enum { DR7_GD_BIT = 1u << 13, DR6_BD_BIT = 1u << 13 };

static bool protected_mode(X86CPU *cpu)
{
    return (cpu->cr0 & CR0_PE) && !(cpu->rflags & VM_MASK);
}

/* SLDT/STR/LLDT/LTR/LAR/LSL/VERR/VERW: #UD in real and virtual-8086 mode. */
static void require_protected(X86CPU *cpu)
{
    if (!protected_mode(cpu))
        x86_raise_exception(cpu, EXCP_UD);
}

/* UMIP: the store instructions are CPL 0 only. */
static void check_umip(X86CPU *cpu)
{
    if ((cpu->cr4 & CR4_UMIP) && cpu->cpl > 0)
        x86_raise_exception_err(cpu, EXCP_GP, 0);
}

static void set_zf(X86CPU *cpu, bool z)
{
    uint32_t f = cc_compute_all(cpu);
    cc_set_flags(cpu, (f & ~CC_Z) | (z ? CC_Z : 0));
}

void h_ud(X86CPU *cpu, const X86Insn *insn) { x86_raise_exception(cpu, EXCP_UD); }

void h_sldt(X86CPU *cpu, const X86Insn *insn)
{
    require_protected(cpu);
    check_umip(cpu);
    opnd_write(cpu, insn, 0, cpu->ldtr.selector);
}

void h_str(X86CPU *cpu, const X86Insn *insn)
{
    require_protected(cpu);
    check_umip(cpu);
    opnd_write(cpu, insn, 0, cpu->tr.selector);
}

void h_lldt(X86CPU *cpu, const X86Insn *insn)
{
    require_protected(cpu);
    require_cpl0(cpu);
    x86_lldt(cpu, (uint16_t)opnd_read(cpu, insn, 0));
}

void h_ltr(X86CPU *cpu, const X86Insn *insn)
{
    require_protected(cpu);
    require_cpl0(cpu);
    x86_ltr(cpu, (uint16_t)opnd_read(cpu, insn, 0));
}

void h_verr(X86CPU *cpu, const X86Insn *insn)
{
    require_protected(cpu);
    set_zf(cpu, x86_verr(cpu, (uint16_t)opnd_read(cpu, insn, 0)));
}

void h_verw(X86CPU *cpu, const X86Insn *insn)
{
    require_protected(cpu);
    set_zf(cpu, x86_verw(cpu, (uint16_t)opnd_read(cpu, insn, 0)));
}

void h_lar(X86CPU *cpu, const X86Insn *insn)
{
    require_protected(cpu);
    uint32_t attr;
    bool ok = x86_lar(cpu, (uint16_t)opnd_read(cpu, insn, 1), &attr);
    if (ok)
        opnd_write(cpu, insn, 0, attr);
    set_zf(cpu, ok);
}

void h_lsl(X86CPU *cpu, const X86Insn *insn)
{
    require_protected(cpu);
    uint32_t limit;
    bool ok = x86_lsl(cpu, (uint16_t)opnd_read(cpu, insn, 1), &limit);
    if (ok)
        opnd_write(cpu, insn, 0, limit);
    set_zf(cpu, ok);
}

/* SGDT/SIDT: limit then base (8 bytes in 64-bit mode, else 4). */
static void store_dtr(X86CPU *cpu, const X86Insn *insn, const DescTable *dt)
{
    check_umip(cpu);
    uint64_t ea = insn_ea(cpu, insn);
    unsigned bsize = cpu->code64 ? 8 : 4;
    mem_write(cpu, insn->seg, ea, dt->limit, 2);
    mem_write(cpu, insn->seg, (ea + 2) & addr_mask(insn->addrsize), dt->base, bsize);
}

static void load_dtr(X86CPU *cpu, const X86Insn *insn, DescTable *dt)
{
    require_cpl0(cpu);
    uint64_t ea = insn_ea(cpu, insn);
    unsigned bsize = cpu->code64 ? 8 : 4;
    uint16_t limit = (uint16_t)mem_read(cpu, insn->seg, ea, 2);
    uint64_t base = mem_read(cpu, insn->seg, (ea + 2) & addr_mask(insn->addrsize), bsize);
    if (insn->opsize == 2 && !cpu->code64)
        base &= 0xffffff;
    if (cpu->code64 && (uint64_t)((int64_t)(base << 16) >> 16) != base)
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    dt->base = base;
    dt->limit = limit;
}

void h_sgdt(X86CPU *cpu, const X86Insn *insn) { store_dtr(cpu, insn, &cpu->gdtr); }
void h_sidt(X86CPU *cpu, const X86Insn *insn) { store_dtr(cpu, insn, &cpu->idtr); }
void h_lgdt(X86CPU *cpu, const X86Insn *insn) { load_dtr(cpu, insn, &cpu->gdtr); }
void h_lidt(X86CPU *cpu, const X86Insn *insn) { load_dtr(cpu, insn, &cpu->idtr); }

void h_smsw(X86CPU *cpu, const X86Insn *insn)
{
    check_umip(cpu);
    opnd_write(cpu, insn, 0, cpu->cr0);
}

void h_lmsw(X86CPU *cpu, const X86Insn *insn)
{
    require_cpl0(cpu);
    uint64_t v = opnd_read(cpu, insn, 0) & 0xf;
    /* LMSW sets MP/EM/TS and may set, but never clear, PE */
    uint64_t cr0 = (cpu->cr0 & ~0xeull) | (v & 0xe) | ((cpu->cr0 | v) & 1);
    x86_write_cr(cpu, 0, cr0);
}

void h_clts(X86CPU *cpu, const X86Insn *insn)
{
    require_cpl0(cpu);
    x86_write_cr(cpu, 0, cpu->cr0 & ~(uint64_t)CR0_TS);
}

void h_invlpg(X86CPU *cpu, const X86Insn *insn)
{
    require_cpl0(cpu);
    uint64_t ea = insn_ea(cpu, insn);
    uint64_t lin = cpu->code64 ? (insn->seg >= R_FS ? cpu->seg[insn->seg].base : 0) + ea
                               : (cpu->seg[insn->seg].base + ea) & 0xffffffffull;
    tlb_flush_page(&cpu->tlb, lin);
}

void h_wbinvd(X86CPU *cpu, const X86Insn *insn) { require_cpl0(cpu); }

/*
 * CLFLUSH: there is no cache to flush, but the SDM gives it the segment and
 * paging checks and faults of a byte load (an execute-only code segment is
 * accepted too). Nothing is read, so a line in MMIO has no side effect.
 */
void h_clflush(X86CPU *cpu, const X86Insn *insn)
{
    uint64_t ea = insn_ea(cpu, insn);
    uint32_t attr = cpu->seg[insn->seg].attr;
    bool exec_only = (attr & (SEG_ATTR_S | SEG_ATTR_CODE)) == (SEG_ATTR_S | SEG_ATTR_CODE) &&
                     !(attr & 2);
    uint64_t lin = x86_seg_linear(cpu, insn->seg, ea, 1, exec_only ? ACC_EXEC : ACC_READ);
    if (cpu->cr0 & CR0_PG)
        x86_tlb_fill(cpu, lin, ACC_READ, x86_mmu_index(cpu, false));
}

void h_mov_from_cr(X86CPU *cpu, const X86Insn *insn)
{
    require_cpl0(cpu);
    set_greg(cpu, insn, insn->rm, insn->opsize, x86_read_cr(cpu, insn->reg));
}

void h_mov_to_cr(X86CPU *cpu, const X86Insn *insn)
{
    require_cpl0(cpu);
    x86_write_cr(cpu, insn->reg, greg(cpu, insn, insn->rm, insn->opsize));
}

/*
 * MOV DR checks in QEMU's order: CPL 0 (#GP), DR4/DR5 with CR4.DE=1 (#UD;
 * with DE=0 they alias DR6/DR7), then general detect: DR7.GD=1 makes any
 * debug-register access a #DB fault with DR6.BD set and GD cleared, so the
 * handler itself can use the debug registers.
 */
static void dr_access(X86CPU *cpu, const X86Insn *insn)
{
    if (insn->reg > 7)
        x86_raise_exception(cpu, EXCP_UD);
    require_cpl0(cpu);
    if ((insn->reg == 4 || insn->reg == 5) && (cpu->cr4 & CR4_DE))
        x86_raise_exception(cpu, EXCP_UD);
    if (cpu->dr[7] & DR7_GD_BIT) {
        cpu->dr[7] &= ~(uint64_t)DR7_GD_BIT;
        cpu->dr[6] |= DR6_BD_BIT;
        x86_raise_exception(cpu, EXCP_DB);
    }
}

void h_mov_from_dr(X86CPU *cpu, const X86Insn *insn)
{
    dr_access(cpu, insn);
    set_greg(cpu, insn, insn->rm, insn->opsize, x86_read_dr(cpu, insn->reg));
}

void h_mov_to_dr(X86CPU *cpu, const X86Insn *insn)
{
    dr_access(cpu, insn);
    x86_write_dr(cpu, insn->reg, greg(cpu, insn, insn->rm, insn->opsize));
}

/*
 * CLI/STI change IF when CPL <= IOPL (protected mode) or IOPL = 3 (vm86);
 * otherwise, with CR4.VME in vm86 mode or CR4.PVI at CPL 3 in protected
 * mode, they change VIF instead (STI raises #GP(0) while VIP is set so the
 * monitor can deliver the pending interrupt); else #GP(0).
 */
static bool if_is_virtual(X86CPU *cpu)
{
    if (!(cpu->cr0 & CR0_PE))
        return false;
    unsigned iopl = (cpu->rflags & IOPL_MASK) >> IOPL_SHIFT;
    if (cpu->rflags & VM_MASK) {
        if (iopl == 3)
            return false;
        if (cpu->cr4 & CR4_VME)
            return true;
    } else {
        if ((unsigned)cpu->cpl <= iopl)
            return false;
        if (cpu->cpl == 3 && (cpu->cr4 & CR4_PVI))
            return true;
    }
    x86_raise_exception_err(cpu, EXCP_GP, 0);
}

void h_cli(X86CPU *cpu, const X86Insn *insn)
{
    if (if_is_virtual(cpu))
        cpu->rflags &= ~(uint64_t)VIF_MASK;
    else
        cpu->rflags &= ~(uint64_t)IF_MASK;
}

void h_sti(X86CPU *cpu, const X86Insn *insn)
{
    if (if_is_virtual(cpu)) {
        if (cpu->rflags & VIP_MASK)
            x86_raise_exception_err(cpu, EXCP_GP, 0);
        cpu->rflags |= VIF_MASK;
        return;
    }
    if (!(cpu->rflags & IF_MASK))
        cpu->inhibit_irq = true;   /* interrupts wait one more instruction */
    cpu->rflags |= IF_MASK;
}

void h_hlt(X86CPU *cpu, const X86Insn *insn)
{
    require_cpl0(cpu);
    cpu->halted = true;
}

/*
 * I/O breakpoints (called for every IN/OUT/INS/OUTS access, from
 * x86_check_io): DRn with R/W = 10 and CR4.DE = 1 matches an access to
 * ports [port, port + size) overlapping [DRn, DRn + LEN) (DRn aligned
 * down to LEN); the hit sets the pending DR6.Bn bits that exec.c turns
 * into a #DB trap after the instruction, like data breakpoints.  R/W = 10
 * with CR4.DE = 0 is undefined in the SDM; QEMU 7.2 TCG still treats it as
 * an I/O breakpoint and so does Vessel (tests/guest/iobp.asm checks both
 * against QEMU).  A REP INS/OUTS traps after its chunk of iterations, not
 * after the hitting one.
 */
void x86_io_breakpoints(X86CPU *cpu, uint16_t port, unsigned size)
{
    static const unsigned len_of[4] = { 1, 2, 8, 4 };
    uint64_t dr7 = cpu->dr[7];
    if (!(dr7 & 0xff))
        return;
    for (int n = 0; n < 4; n++) {
        unsigned rw = (unsigned)(dr7 >> (16 + 4 * n)) & 3;
        unsigned len = len_of[(dr7 >> (18 + 4 * n)) & 3];
        uint64_t bp = cpu->dr[n] & ~(uint64_t)(len - 1);
        if (((dr7 >> (2 * n)) & 3) && rw == 2 && port < bp + len && bp < (uint64_t)port + size)
            interp_pending_data_bps |= 1u << n;
    }
}

static unsigned io_port(X86CPU *cpu, const X86Insn *insn, unsigned i)
{
    return insn->row->op[i].kind == OPK_I ? (unsigned)(insn->imm & 0xff)
                                          : (unsigned)(cpu->regs[R_EDX] & 0xffff);
}

void h_in(X86CPU *cpu, const X86Insn *insn)
{
    unsigned size = insn->opsz[0];
    uint16_t port = (uint16_t)io_port(cpu, insn, 1);
    x86_check_io(cpu, port, size);
    reg_write(cpu, R_EAX, size, x86_io_read(cpu, port, size), false);
}

void h_out(X86CPU *cpu, const X86Insn *insn)
{
    unsigned size = insn->opsz[1];
    uint16_t port = (uint16_t)io_port(cpu, insn, 0);
    x86_check_io(cpu, port, size);
    x86_io_write(cpu, port, (uint32_t)reg_read(cpu, R_EAX, size, false), size);
}

void h_cpuid(X86CPU *cpu, const X86Insn *insn)
{
    uint32_t a, b, c, d;
    x86_cpuid(cpu, (uint32_t)cpu->regs[R_EAX], (uint32_t)cpu->regs[R_ECX], &a, &b, &c, &d);
    cpu->regs[R_EAX] = a;
    cpu->regs[R_EBX] = b;
    cpu->regs[R_ECX] = c;
    cpu->regs[R_EDX] = d;
}

static void check_tsd(X86CPU *cpu)
{
    if ((cpu->cr4 & CR4_TSD) && cpu->cpl > 0 && (cpu->cr0 & CR0_PE))
        x86_raise_exception_err(cpu, EXCP_GP, 0);
}

void h_rdtsc(X86CPU *cpu, const X86Insn *insn)
{
    check_tsd(cpu);
    uint64_t t = x86_rdtsc(cpu);
    cpu->regs[R_EAX] = (uint32_t)t;
    cpu->regs[R_EDX] = t >> 32;
}

void h_rdtscp(X86CPU *cpu, const X86Insn *insn)
{
    h_rdtsc(cpu, insn);
    cpu->regs[R_ECX] = (uint32_t)cpu->tsc_aux;
}

void h_rdmsr(X86CPU *cpu, const X86Insn *insn)
{
    require_cpl0(cpu);
    uint64_t v;
    if (!x86_rdmsr(cpu, (uint32_t)cpu->regs[R_ECX], &v))
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    cpu->regs[R_EAX] = (uint32_t)v;
    cpu->regs[R_EDX] = v >> 32;
}

void h_wrmsr(X86CPU *cpu, const X86Insn *insn)
{
    require_cpl0(cpu);
    uint64_t v = (uint32_t)cpu->regs[R_EAX] | (cpu->regs[R_EDX] << 32);
    if (!x86_wrmsr(cpu, (uint32_t)cpu->regs[R_ECX], v))
        x86_raise_exception_err(cpu, EXCP_GP, 0);
}

void h_rdpmc(X86CPU *cpu, const X86Insn *insn)
{
    if (!(cpu->cr4 & CR4_PCE) && cpu->cpl > 0 && (cpu->cr0 & CR0_PE))
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    if ((uint32_t)cpu->regs[R_ECX] > 3)
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    cpu->regs[R_EAX] = 0;   /* no performance counters are modelled */
    cpu->regs[R_EDX] = 0;
}

void h_swapgs(X86CPU *cpu, const X86Insn *insn)
{
    require_cpl0(cpu);
    uint64_t t = cpu->seg[R_GS].base;
    cpu->seg[R_GS].base = cpu->kernel_gs_base;
    cpu->kernel_gs_base = t;
}

void h_fwait(X86CPU *cpu, const X86Insn *insn)
{
    if ((cpu->cr0 & (CR0_MP | CR0_TS)) == (CR0_MP | CR0_TS))
        x86_raise_exception(cpu, EXCP_NM);
}

/* CLAC/STAC: CPL 0 only (#UD otherwise). */
static void set_ac(X86CPU *cpu, bool ac)
{
    if (cpu->cpl != 0)
        x86_raise_exception(cpu, EXCP_UD);
    cpu->rflags = ac ? cpu->rflags | AC_MASK : cpu->rflags & ~(uint64_t)AC_MASK;
}

void h_clac(X86CPU *cpu, const X86Insn *insn) { set_ac(cpu, false); }
void h_stac(X86CPU *cpu, const X86Insn *insn) { set_ac(cpu, true); }
