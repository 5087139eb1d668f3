/*
 * Multiplication and division: MUL, IMUL (one, two and three operands),
 * DIV, IDIV with #DE on a zero divisor or a quotient that does not fit.
 * Results are committed only after every check.
 */
#include "target-x86/interp.h"

typedef unsigned __int128 u128;
typedef __int128 s128;

/* The double-width accumulator: AX, DX:AX, EDX:EAX or RDX:RAX. */
static u128 read_acc_pair(X86CPU *cpu, unsigned size)
{
    if (size == 1)
        return cpu->regs[R_EAX] & 0xffff;
    uint64_t lo = reg_read(cpu, R_EAX, size, false), hi = reg_read(cpu, R_EDX, size, false);
    return ((u128)hi << (8 * size)) | lo;
}

static void write_acc_pair(X86CPU *cpu, unsigned size, uint64_t lo, uint64_t hi)
{
    if (size == 1) {
        reg_write(cpu, R_EAX, 2, (lo & 0xff) | ((hi & 0xff) << 8), false);
        return;
    }
    reg_write(cpu, R_EAX, size, lo, false);
    reg_write(cpu, R_EDX, size, hi, false);
}

void h_mul(X86CPU *cpu, const X86Insn *insn)
{
    unsigned size = insn->opsz[0];
    uint64_t src = opnd_read(cpu, insn, 0);
    u128 p = (u128)reg_read(cpu, R_EAX, size, false) * src;
    uint64_t lo = (uint64_t)p & mask_for(size);
    uint64_t hi = (uint64_t)(p >> (8 * size)) & mask_for(size);
    write_acc_pair(cpu, size, lo, hi);
    cc_set(cpu, CC_OP_MUL, size, lo, hi != 0, 0);
}

/* Signed product of a and b (size bytes each): low part and overflow. */
static uint64_t signed_mul(uint64_t a, uint64_t b, unsigned size, uint64_t *hi, bool *overflow)
{
    s128 p = (s128)sext(a, size) * (s128)sext(b, size);
    uint64_t lo = (uint64_t)p & mask_for(size);
    *hi = (uint64_t)(p >> (8 * size)) & mask_for(size);
    *overflow = p != (s128)sext(lo, size);
    return lo;
}

void h_imul1(X86CPU *cpu, const X86Insn *insn)
{
    unsigned size = insn->opsz[0];
    uint64_t hi;
    bool ov;
    uint64_t lo = signed_mul(reg_read(cpu, R_EAX, size, false), opnd_read(cpu, insn, 0), size,
                             &hi, &ov);
    write_acc_pair(cpu, size, lo, hi);
    cc_set(cpu, CC_OP_MUL, size, lo, ov, 0);
}

void h_imul2(X86CPU *cpu, const X86Insn *insn)
{
    unsigned size = insn->opsz[0];
    uint64_t hi;
    bool ov;
    uint64_t lo = signed_mul(opnd_read(cpu, insn, 0), opnd_read(cpu, insn, 1), size, &hi, &ov);
    opnd_write(cpu, insn, 0, lo);
    cc_set(cpu, CC_OP_MUL, size, lo, ov, 0);
}

void h_imul3(X86CPU *cpu, const X86Insn *insn)
{
    unsigned size = insn->opsz[0];
    uint64_t hi;
    bool ov;
    uint64_t lo = signed_mul(opnd_read(cpu, insn, 1), insn->imm & mask_for(size), size, &hi, &ov);
    opnd_write(cpu, insn, 0, lo);
    cc_set(cpu, CC_OP_MUL, size, lo, ov, 0);
}

void h_div(X86CPU *cpu, const X86Insn *insn)
{
    unsigned size = insn->opsz[0];
    uint64_t d = opnd_read(cpu, insn, 0);
    if (d == 0)
        x86_raise_exception(cpu, EXCP_DE);
    u128 n = read_acc_pair(cpu, size);
    u128 q = n / d;
    if (q > mask_for(size))
        x86_raise_exception(cpu, EXCP_DE);
    write_acc_pair(cpu, size, (uint64_t)q, (uint64_t)(n % d));
}

void h_idiv(X86CPU *cpu, const X86Insn *insn)
{
    unsigned size = insn->opsz[0], bits = size * 8;
    int64_t d = sext(opnd_read(cpu, insn, 0), size);
    if (d == 0)
        x86_raise_exception(cpu, EXCP_DE);
    u128 raw = read_acc_pair(cpu, size);
    /* sign-extend the 2*bits-wide dividend */
    s128 n = (s128)(raw << (128 - 2 * bits)) >> (128 - 2 * bits);
    s128 min = (s128)(~(u128)0 << (2 * bits - 1));
    if (d == -1 && n == min)
        x86_raise_exception(cpu, EXCP_DE);
    s128 q = n / d, r = n % d;
    s128 qmin = (s128)(~(u128)0 << (bits - 1)), qmax = -(qmin + 1);
    if (q > qmax || q < qmin)
        x86_raise_exception(cpu, EXCP_DE);
    write_acc_pair(cpu, size, (uint64_t)q & mask_for(size), (uint64_t)r & mask_for(size));
}
