/*
 * Lazy condition-code evaluation and RFLAGS access (x86_get_rflags /
 * x86_set_rflags from cpu.h).
 */
#include "target-x86/cc.h"

static inline uint64_t mask_of(unsigned sz)
{
    return sz == 3 ? ~0ull : (1ull << (8u << sz)) - 1;
}

static inline uint64_t sign_of(unsigned sz)
{
    return 1ull << ((8u << sz) - 1);
}

static uint32_t szp(uint64_t res, unsigned sz)
{
    uint64_t m = mask_of(sz);
    uint32_t f = 0;
    if ((res & m) == 0)
        f |= CC_Z;
    if (res & sign_of(sz))
        f |= CC_S;
    if (cc_parity(res))
        f |= CC_P;
    return f;
}

static uint32_t flags_add(uint64_t res, uint64_t b, uint64_t carry, unsigned sz)
{
    uint64_t m = mask_of(sz);
    res &= m;
    b &= m;
    uint64_t a = (res - b - carry) & m;
    uint32_t f = szp(res, sz);
    if (carry ? res <= b : res < b)
        f |= CC_C;
    if ((res ^ a ^ b) & 0x10)
        f |= CC_A;
    if ((a ^ res) & (b ^ res) & sign_of(sz))
        f |= CC_O;
    return f;
}

static uint32_t flags_sub(uint64_t res, uint64_t b, uint64_t borrow, unsigned sz)
{
    uint64_t m = mask_of(sz);
    res &= m;
    b &= m;
    uint64_t a = (res + b + borrow) & m;
    uint32_t f = szp(res, sz);
    if (borrow ? a <= b : a < b)
        f |= CC_C;
    if ((res ^ a ^ b) & 0x10)
        f |= CC_A;
    if ((a ^ b) & (a ^ res) & sign_of(sz))
        f |= CC_O;
    return f;
}

static uint32_t flags_inc_dec(uint64_t res, uint64_t old_cf, unsigned sz, bool inc)
{
    uint64_t m = mask_of(sz);
    res &= m;
    uint32_t f = szp(res, sz) | (old_cf ? CC_C : 0);
    if (inc ? (res & 0xf) == 0 : (res & 0xf) == 0xf)
        f |= CC_A;
    if (res == (inc ? sign_of(sz) : sign_of(sz) - 1))
        f |= CC_O;
    return f;
}

uint32_t cc_compute_all(X86CPU *cpu)
{
    unsigned op = cpu->cc.op;
    if (op == CC_OP_EFLAGS)
        return (uint32_t)cpu->rflags & CC_ALL;
    unsigned kind = (op - 1) & ~3u, sz = (op - 1) & 3;
    uint64_t dst = cpu->cc.dst, src = cpu->cc.src, src2 = cpu->cc.src2;
    uint32_t f;
    switch (kind + 1) {
    case CC_OP_ADD: return flags_add(dst, src, 0, sz);
    case CC_OP_ADC: return flags_add(dst, src, src2, sz);
    case CC_OP_SUB: return flags_sub(dst, src, 0, sz);
    case CC_OP_SBB: return flags_sub(dst, src, src2, sz);
    case CC_OP_LOGIC: return szp(dst, sz);
    case CC_OP_INC: return flags_inc_dec(dst, src2, sz, true);
    case CC_OP_DEC: return flags_inc_dec(dst, src2, sz, false);
    case CC_OP_SHL:
        f = szp(dst, sz);
        if (src & sign_of(sz))
            f |= CC_C;
        if (((dst ^ (f & CC_C ? sign_of(sz) : 0)) & sign_of(sz)))
            f |= CC_O;
        return f;
    case CC_OP_SHR:
        /* OF = MSB of the original operand (src2; defined for count 1) */
        return szp(dst, sz) | (src & 1 ? CC_C : 0) | (src2 ? CC_O : 0);
    case CC_OP_SAR:
        return szp(dst, sz) | (src & 1 ? CC_C : 0);
    case CC_OP_MUL:
        return szp(dst, sz) | (src ? CC_C | CC_O : 0);
    default:
        return (uint32_t)cpu->rflags & CC_ALL;
    }
}

void cc_set_flags(X86CPU *cpu, uint32_t flags)
{
    cpu->rflags = (cpu->rflags & ~(uint64_t)CC_ALL) | (flags & CC_ALL);
    cpu->cc.op = CC_OP_EFLAGS;
}

bool cc_condition_full(X86CPU *cpu, unsigned cond)
{
    bool r;
    uint32_t f;
    switch (cond >> 1) {
    case 1: r = cc_compute_c(cpu); break;                                    /* B */
    default:
        f = cc_compute_all(cpu);
        switch (cond >> 1) {
        case 0: r = f & CC_O; break;                                        /* O */
        case 2: r = f & CC_Z; break;                                        /* E */
        case 3: r = f & (CC_C | CC_Z); break;                               /* BE */
        case 4: r = f & CC_S; break;                                        /* S */
        case 5: r = f & CC_P; break;                                        /* P */
        case 6: r = !(f & CC_S) != !(f & CC_O); break;                      /* L */
        default: r = (f & CC_Z) || (!(f & CC_S) != !(f & CC_O)); break;     /* LE */
        }
    }
    return (cond & 1) ? !r : r;
}

uint64_t x86_get_rflags(X86CPU *cpu)
{
    return (cpu->rflags & ~(uint64_t)CC_ALL) | cc_compute_all(cpu) | 2;
}

void x86_set_rflags(X86CPU *cpu, uint64_t val, uint64_t mask)
{
    uint64_t cur = x86_get_rflags(cpu);
    cpu->rflags = ((cur & ~mask) | (val & mask)) | 2;
    cpu->cc.op = CC_OP_EFLAGS;
}
