/*
 * Data movement: MOV (incl. segment registers), MOVZX/MOVSX/MOVSXD, LEA,
 * XCHG, CMPXCHG, CMPXCHG8B/16B, XADD, BSWAP, MOVBE, SETcc, CMOVcc,
 * CBW/CWD families, LAHF/SAHF, XLAT, flag instructions, far-pointer loads,
 * BOUND, ARPL, NOP.
 */
#include "target-x86/interp.h"

static void set_zf(X86CPU *cpu, bool z)
{
    uint32_t f = cc_compute_all(cpu);
    cc_set_flags(cpu, (f & ~CC_Z) | (z ? CC_Z : 0));
}

void h_nop(X86CPU *cpu, const X86Insn *insn) { }

void h_mov(X86CPU *cpu, const X86Insn *insn)
{
    opnd_write(cpu, insn, 0, opnd_read(cpu, insn, 1));
}

void h_mov_from_seg(X86CPU *cpu, const X86Insn *insn)
{
    opnd_write(cpu, insn, 0, cpu->seg[insn->reg & 7].selector);
}

void h_mov_to_seg(X86CPU *cpu, const X86Insn *insn)
{
    int seg = insn->reg & 7;
    if (seg == R_CS)
        x86_raise_exception(cpu, EXCP_UD);
    x86_load_seg(cpu, seg, (uint16_t)opnd_read(cpu, insn, 1));
    if (seg == R_SS)
        cpu->inhibit_irq = true;
}

void h_lea(X86CPU *cpu, const X86Insn *insn)
{
    set_greg(cpu, insn, insn->reg, insn->opsize, insn_ea(cpu, insn));
}

void h_movzx(X86CPU *cpu, const X86Insn *insn)
{
    opnd_write(cpu, insn, 0, opnd_read(cpu, insn, 1));
}

void h_movsx(X86CPU *cpu, const X86Insn *insn)
{
    opnd_write(cpu, insn, 0, (uint64_t)sext(opnd_read(cpu, insn, 1), insn->opsz[1]));
}

void h_movsxd(X86CPU *cpu, const X86Insn *insn)
{
    opnd_write(cpu, insn, 0, (uint64_t)sext(opnd_read(cpu, insn, 1), 4));
}

void h_xchg(X86CPU *cpu, const X86Insn *insn)
{
    uint64_t a = opnd_read(cpu, insn, 0), b = opnd_read(cpu, insn, 1);
    opnd_write(cpu, insn, 0, b);   /* memory (if any) first */
    opnd_write(cpu, insn, 1, a);
}

void h_cmpxchg(X86CPU *cpu, const X86Insn *insn)
{
    unsigned size = insn->opsz[0];
    uint64_t dest = opnd_read(cpu, insn, 0);
    uint64_t src = opnd_read(cpu, insn, 1);
    uint64_t acc = reg_read(cpu, R_EAX, size, false);
    uint64_t res = (acc - dest) & mask_for(size);
    if (acc == dest) {
        opnd_write(cpu, insn, 0, src);
    } else {
        if (insn->is_mem)
            opnd_write(cpu, insn, 0, dest);   /* the processor always writes */
        reg_write(cpu, R_EAX, size, dest, false);
    }
    cc_set(cpu, CC_OP_SUB, size, res, dest, 0);
}

void h_cmpxchg8b(X86CPU *cpu, const X86Insn *insn)
{
    uint64_t ea = insn_ea(cpu, insn);
    if (insn->opsize == 8) {   /* CMPXCHG16B */
        uint32_t a, b, c, d;
        x86_cpuid(cpu, 1, 0, &a, &b, &c, &d);
        if (!(c & (1u << 13)))
            x86_raise_exception(cpu, EXCP_UD);
        if (ea & 15)
            x86_raise_exception_err(cpu, EXCP_GP, 0);
        uint64_t lo = mem_read(cpu, insn->seg, ea, 8);
        uint64_t hi = mem_read(cpu, insn->seg, ea + 8, 8);
        bool eq = lo == cpu->regs[R_EAX] && hi == cpu->regs[R_EDX];
        uint64_t nlo = eq ? cpu->regs[R_EBX] : lo, nhi = eq ? cpu->regs[R_ECX] : hi;
        mem_write(cpu, insn->seg, ea, nlo, 8);
        mem_write(cpu, insn->seg, ea + 8, nhi, 8);
        if (!eq) {
            cpu->regs[R_EAX] = lo;
            cpu->regs[R_EDX] = hi;
        }
        set_zf(cpu, eq);
        return;
    }
    uint64_t q = mem_read(cpu, insn->seg, ea, 8);
    uint64_t expect = (uint32_t)cpu->regs[R_EAX] | (cpu->regs[R_EDX] << 32);
    bool eq = q == expect;
    uint64_t repl = (uint32_t)cpu->regs[R_EBX] | (cpu->regs[R_ECX] << 32);
    mem_write(cpu, insn->seg, ea, eq ? repl : q, 8);
    if (!eq) {
        cpu->regs[R_EAX] = (uint32_t)q;
        cpu->regs[R_EDX] = q >> 32;
    }
    set_zf(cpu, eq);
}

void h_xadd(X86CPU *cpu, const X86Insn *insn)
{
    unsigned size = insn->opsz[0];
    uint64_t dest = opnd_read(cpu, insn, 0), src = opnd_read(cpu, insn, 1);
    uint64_t sum = (dest + src) & mask_for(size);
    if (insn->is_mem) {
        opnd_write(cpu, insn, 0, sum);
        opnd_write(cpu, insn, 1, dest);
    } else {
        opnd_write(cpu, insn, 1, dest);
        opnd_write(cpu, insn, 0, sum);
    }
    cc_set(cpu, CC_OP_ADD, size, sum, src, 0);
}

static uint64_t byte_swap(uint64_t v, unsigned size)
{
    switch (size) {
    case 2: return __builtin_bswap16((uint16_t)v);
    case 4: return __builtin_bswap32((uint32_t)v);
    default: return __builtin_bswap64(v);
    }
}

void h_bswap(X86CPU *cpu, const X86Insn *insn)
{
    unsigned size = insn->opsz[0];
    uint64_t v = opnd_read(cpu, insn, 0);
    opnd_write(cpu, insn, 0, size == 2 ? 0 : byte_swap(v, size));   /* 16-bit: undefined, 0 */
}

void h_movbe(X86CPU *cpu, const X86Insn *insn)
{
    opnd_write(cpu, insn, 0, byte_swap(opnd_read(cpu, insn, 1), insn->opsz[0]));
}

void h_setcc(X86CPU *cpu, const X86Insn *insn)
{
    opnd_write(cpu, insn, 0, cc_condition(cpu, insn->opcode & 15));
}

void h_cmovcc(X86CPU *cpu, const X86Insn *insn)
{
    uint64_t src = opnd_read(cpu, insn, 1);
    if (cc_condition(cpu, insn->opcode & 15))
        opnd_write(cpu, insn, 0, src);
    else if (insn->opsize == 4)
        set_greg(cpu, insn, insn->reg, 4, greg(cpu, insn, insn->reg, 4));   /* zero-extends */
}

void h_cbw(X86CPU *cpu, const X86Insn *insn)
{
    unsigned half = insn->opsize / 2;
    reg_write(cpu, R_EAX, insn->opsize, (uint64_t)sext(reg_read(cpu, R_EAX, half, false), half),
              false);
}

void h_cwd(X86CPU *cpu, const X86Insn *insn)
{
    unsigned size = insn->opsize;
    bool neg = reg_read(cpu, R_EAX, size, false) & sign_bit(size);
    reg_write(cpu, R_EDX, size, neg ? ~0ull : 0, false);
}

#define SAHF_MASK (CC_S | CC_Z | CC_A | CC_P | CC_C)

void h_lahf(X86CPU *cpu, const X86Insn *insn)
{
    uint64_t f = (x86_get_rflags(cpu) & SAHF_MASK) | 2;
    reg_write(cpu, R_ESP, 1, f, false);   /* AH */
}

void h_sahf(X86CPU *cpu, const X86Insn *insn)
{
    uint32_t ah = (uint32_t)(cpu->regs[R_EAX] >> 8);
    uint32_t f = cc_compute_all(cpu);
    cc_set_flags(cpu, (f & ~SAHF_MASK) | (ah & SAHF_MASK));
}

void h_xlat(X86CPU *cpu, const X86Insn *insn)
{
    uint64_t ea = (cpu->regs[R_EBX] + (cpu->regs[R_EAX] & 0xff)) & addr_mask(insn->addrsize);
    reg_write(cpu, R_EAX, 1, mem_read(cpu, insn->seg, ea, 1), false);
}

void h_clc(X86CPU *cpu, const X86Insn *insn) { cc_set_flags(cpu, cc_compute_all(cpu) & ~CC_C); }
void h_stc(X86CPU *cpu, const X86Insn *insn) { cc_set_flags(cpu, cc_compute_all(cpu) | CC_C); }
void h_cmc(X86CPU *cpu, const X86Insn *insn) { cc_set_flags(cpu, cc_compute_all(cpu) ^ CC_C); }
void h_cld(X86CPU *cpu, const X86Insn *insn) { cpu->rflags &= ~(uint64_t)DF_MASK; }
void h_std(X86CPU *cpu, const X86Insn *insn) { cpu->rflags |= DF_MASK; }

/* CLI/STI (with the VME/PVI virtual interrupt flag): interp-system.c */

/* LES LDS LSS LFS LGS */
void h_lfp(X86CPU *cpu, const X86Insn *insn)
{
    int seg;
    switch (insn->opcode) {
    case 0xc4: seg = R_ES; break;
    case 0xc5: seg = R_DS; break;
    case 0xb2: seg = R_SS; break;
    case 0xb4: seg = R_FS; break;
    default: seg = R_GS; break;
    }
    unsigned size = insn->opsz[0];
    uint64_t ea = insn_ea(cpu, insn);
    uint64_t off = mem_read(cpu, insn->seg, ea, size);
    uint16_t sel = (uint16_t)mem_read(cpu, insn->seg, (ea + size) & addr_mask(insn->addrsize), 2);
    x86_load_seg(cpu, seg, sel);
    set_greg(cpu, insn, insn->reg, size, off);
}

void h_bound(X86CPU *cpu, const X86Insn *insn)
{
    unsigned size = insn->opsize;
    uint64_t ea = insn_ea(cpu, insn);
    int64_t lo = sext(mem_read(cpu, insn->seg, ea, size), size);
    int64_t hi = sext(mem_read(cpu, insn->seg, (ea + size) & addr_mask(insn->addrsize), size), size);
    int64_t idx = sext(greg(cpu, insn, insn->reg, size), size);
    if (idx < lo || idx > hi)
        x86_raise_exception(cpu, EXCP_BR);
}

void h_arpl(X86CPU *cpu, const X86Insn *insn)
{
    if (!(cpu->cr0 & CR0_PE) || (cpu->rflags & VM_MASK))
        x86_raise_exception(cpu, EXCP_UD);
    uint64_t dest = opnd_read(cpu, insn, 0), src = opnd_read(cpu, insn, 1);
    bool adjust = (dest & 3) < (src & 3);
    if (adjust)
        opnd_write(cpu, insn, 0, (dest & ~3ull) | (src & 3));
    set_zf(cpu, adjust);
}
