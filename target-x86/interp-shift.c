/*
 * Shifts and rotates: SHL/SAL SHR SAR (lazy flags), ROL ROR RCL RCR and
 * SHLD/SHRD (flags computed here). A masked count of 0 changes nothing
 * but still zero-extends a 32-bit register destination.
 */
#include "target-x86/interp.h"

static unsigned shift_count(X86CPU *cpu, const X86Insn *insn, unsigned i)
{
    return (unsigned)opnd_read(cpu, insn, i) & (insn->opsz[0] == 8 ? 0x3f : 0x1f);
}

/* Count 0: rewrite a register operand (zero-extension), nothing else. */
static void no_shift(X86CPU *cpu, const X86Insn *insn, uint64_t a)
{
    if (!insn->is_mem)
        opnd_write(cpu, insn, 0, a);
}

void h_shl(X86CPU *cpu, const X86Insn *insn)
{
    unsigned size = insn->opsz[0], n = shift_count(cpu, insn, 1);
    uint64_t a = opnd_read(cpu, insn, 0);
    if (!n)
        return no_shift(cpu, insn, a);
    uint64_t res = (a << n) & mask_for(size);
    opnd_write(cpu, insn, 0, res);
    cc_set(cpu, CC_OP_SHL, size, res, a << (n - 1), 0);
}

void h_shr(X86CPU *cpu, const X86Insn *insn)
{
    unsigned size = insn->opsz[0], n = shift_count(cpu, insn, 1);
    uint64_t a = opnd_read(cpu, insn, 0);
    if (!n)
        return no_shift(cpu, insn, a);
    uint64_t res = n >= 64 ? 0 : a >> n;
    opnd_write(cpu, insn, 0, res);
    cc_set(cpu, CC_OP_SHR, size, res, a >> (n - 1), (a & sign_bit(size)) != 0);
}

void h_sar(X86CPU *cpu, const X86Insn *insn)
{
    unsigned size = insn->opsz[0], n = shift_count(cpu, insn, 1);
    uint64_t a = opnd_read(cpu, insn, 0);
    if (!n)
        return no_shift(cpu, insn, a);
    int64_t sa = sext(a, size);
    uint64_t res = (uint64_t)(sa >> n) & mask_for(size);
    opnd_write(cpu, insn, 0, res);
    cc_set(cpu, CC_OP_SAR, size, res, (uint64_t)(sa >> (n - 1)), 0);
}

/* Replace CF and OF in the current flags. */
static void set_cf_of(X86CPU *cpu, bool cf, bool of)
{
    uint32_t f = cc_compute_all(cpu) & ~(uint32_t)(CC_C | CC_O);
    cc_set_flags(cpu, f | (cf ? CC_C : 0) | (of ? CC_O : 0));
}

static bool msb(uint64_t v, unsigned size) { return (v & sign_bit(size)) != 0; }

void h_rol(X86CPU *cpu, const X86Insn *insn)
{
    unsigned size = insn->opsz[0], bits = size * 8, n = shift_count(cpu, insn, 1);
    uint64_t a = opnd_read(cpu, insn, 0), m = mask_for(size);
    if (!n)
        return no_shift(cpu, insn, a);
    unsigned c = n % bits;
    uint64_t res = c ? ((a << c) | (a >> (bits - c))) & m : a;
    opnd_write(cpu, insn, 0, res);
    bool cf = res & 1;
    set_cf_of(cpu, cf, msb(res, size) ^ cf);
}

void h_ror(X86CPU *cpu, const X86Insn *insn)
{
    unsigned size = insn->opsz[0], bits = size * 8, n = shift_count(cpu, insn, 1);
    uint64_t a = opnd_read(cpu, insn, 0), m = mask_for(size);
    if (!n)
        return no_shift(cpu, insn, a);
    unsigned c = n % bits;
    uint64_t res = c ? ((a >> c) | (a << (bits - c))) & m : a;
    opnd_write(cpu, insn, 0, res);
    set_cf_of(cpu, msb(res, size), msb(res, size) ^ ((res >> (bits - 2)) & 1));
}

void h_rcl(X86CPU *cpu, const X86Insn *insn)
{
    unsigned size = insn->opsz[0], n = shift_count(cpu, insn, 1);
    uint64_t a = opnd_read(cpu, insn, 0), m = mask_for(size);
    if (size < 4)
        n %= size * 8 + 1;
    if (!n)
        return no_shift(cpu, insn, a);
    bool cf = cc_compute_c(cpu);
    for (unsigned i = 0; i < n; i++) {
        bool out = msb(a, size);
        a = ((a << 1) | cf) & m;
        cf = out;
    }
    opnd_write(cpu, insn, 0, a);
    set_cf_of(cpu, cf, msb(a, size) ^ cf);
}

void h_rcr(X86CPU *cpu, const X86Insn *insn)
{
    unsigned size = insn->opsz[0], n = shift_count(cpu, insn, 1);
    uint64_t a = opnd_read(cpu, insn, 0);
    if (size < 4)
        n %= size * 8 + 1;
    if (!n)
        return no_shift(cpu, insn, a);
    bool cf = cc_compute_c(cpu);
    for (unsigned i = 0; i < n; i++) {
        bool out = a & 1;
        a = (a >> 1) | ((uint64_t)cf << (size * 8 - 1));
        cf = out;
    }
    opnd_write(cpu, insn, 0, a);
    set_cf_of(cpu, cf, msb(a, size) ^ ((a >> (size * 8 - 2)) & 1));
}

/* SHLD/SHRD: flags SF ZF PF from the result, CF the last bit out, OF a
 * sign change, AF undefined (cleared). */
static void double_shift_flags(X86CPU *cpu, uint64_t res, uint64_t dest, unsigned size, bool cf)
{
    uint32_t f = cc_flags_szp(res, size) | (cf ? CC_C : 0);
    if (msb(res, size) != msb(dest, size))
        f |= CC_O;
    cc_set_flags(cpu, f);
}

void h_shld(X86CPU *cpu, const X86Insn *insn)
{
    unsigned size = insn->opsz[0], bits = size * 8, n = shift_count(cpu, insn, 2);
    uint64_t dest = opnd_read(cpu, insn, 0), src = opnd_read(cpu, insn, 1);
    if (!n)
        return no_shift(cpu, insn, dest);
    unsigned __int128 v = ((unsigned __int128)dest << bits) | src;
    uint64_t res = (uint64_t)((v << n) >> bits) & mask_for(size);
    opnd_write(cpu, insn, 0, res);
    double_shift_flags(cpu, res, dest, size, (uint64_t)(v >> (2 * bits - n)) & 1);
}

void h_shrd(X86CPU *cpu, const X86Insn *insn)
{
    unsigned size = insn->opsz[0], bits = size * 8, n = shift_count(cpu, insn, 2);
    uint64_t dest = opnd_read(cpu, insn, 0), src = opnd_read(cpu, insn, 1);
    if (!n)
        return no_shift(cpu, insn, dest);
    unsigned __int128 v = ((unsigned __int128)src << bits) | dest;
    uint64_t res = (uint64_t)(v >> n) & mask_for(size);
    opnd_write(cpu, insn, 0, res);
    double_shift_flags(cpu, res, dest, size, (uint64_t)(v >> (n - 1)) & 1);
}
