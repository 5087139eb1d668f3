/*
 * Lazy condition codes: arithmetic instructions record (op, result,
 * operands) in cpu->cc and the flags are computed only when read (Jcc,
 * PUSHF, ADC...). cc.op = CC_OP_<kind> + size index (0 = byte .. 3 = quad).
 * Every lazy kind takes ZF, SF and PF from dst (cc_condition relies on it).
 */
#ifndef VESSEL_TARGET_X86_CC_H
#define VESSEL_TARGET_X86_CC_H

#include "target-x86/cpu.h"

enum {
    CC_OP_EFLAGS = 0,   /* flags are in cpu->rflags (must be 0: reset state) */
    CC_OP_ADD = 1,      /* dst = result, src = second operand */
    CC_OP_ADC = 5,      /* src2 = carry in */
    CC_OP_SUB = 9,      /* dst = result, src = second operand */
    CC_OP_SBB = 13,     /* src2 = borrow in */
    CC_OP_LOGIC = 17,   /* dst = result; CF = OF = AF = 0 */
    CC_OP_INC = 21,     /* dst = result, src2 = previous CF */
    CC_OP_DEC = 25,
    CC_OP_SHL = 29,     /* dst = result, src = value shifted by count - 1 */
    CC_OP_SHR = 33,     /* dst = result, src = value shifted by count - 1 */
    CC_OP_SAR = 37,
    CC_OP_MUL = 41,     /* dst = low result, src = 1 if the high half is significant */
    CC_OP_NB = 45,
};

static inline unsigned cc_size_index(unsigned size)
{
    return size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : 3;
}

static inline void cc_set(X86CPU *cpu, unsigned op, unsigned size, uint64_t dst, uint64_t src,
                          uint64_t src2)
{
    cpu->cc.op = op + cc_size_index(size);
    cpu->cc.dst = dst;
    cpu->cc.src = src;
    cpu->cc.src2 = src2;
}

/* The six arithmetic flags (CC_C|CC_P|CC_A|CC_Z|CC_S|CC_O bits). */
uint32_t cc_compute_all(X86CPU *cpu);
static inline uint64_t cc_mask_of(unsigned sz)   /* sz: size index 0..3 */
{
    return sz == 3 ? ~0ull : (1ull << (8u << sz)) - 1;
}

static inline uint64_t cc_sign_of(unsigned sz)
{
    return 1ull << ((8u << sz) - 1);
}

/* CF alone (cheaper for ADC/SBB/RCL/Jb...). */
static inline bool cc_compute_c(X86CPU *cpu)
{
    unsigned op = cpu->cc.op;
    if (op == CC_OP_EFLAGS || op >= CC_OP_NB)
        return cc_compute_all(cpu) & CC_C;
    unsigned kind = (op - 1) & ~3u, sz = (op - 1) & 3;
    uint64_t m = cc_mask_of(sz), dst = cpu->cc.dst & m, src = cpu->cc.src & m;
    switch (kind + 1) {
    case CC_OP_ADD: return dst < src;
    case CC_OP_ADC: return cpu->cc.src2 ? dst <= src : dst < src;
    case CC_OP_SUB: return ((dst + src) & m) < src;
    case CC_OP_SBB: {
        uint64_t a = (dst + src + cpu->cc.src2) & m;
        return cpu->cc.src2 ? a <= src : a < src;
    }
    case CC_OP_LOGIC: return false;
    case CC_OP_INC: case CC_OP_DEC: return cpu->cc.src2 != 0;
    case CC_OP_SHL: return (cpu->cc.src & cc_sign_of(sz)) != 0;
    case CC_OP_SHR: case CC_OP_SAR: return cpu->cc.src & 1;
    case CC_OP_MUL: return cpu->cc.src != 0;
    default: return cc_compute_all(cpu) & CC_C;
    }
}
/* Store explicit arithmetic flags (switches to CC_OP_EFLAGS). */
void cc_set_flags(X86CPU *cpu, uint32_t flags);
/* Move lazily held flags into cpu->rflags (CC_OP_EFLAGS): call before the
 * system side (interrupts, IRET, SYSCALL, far transfers, task switches)
 * reads or writes cpu->rflags directly. */
static inline void cc_flush(X86CPU *cpu)
{
    if (cpu->cc.op != CC_OP_EFLAGS)
        cc_set_flags(cpu, cc_compute_all(cpu));
}
/* Evaluate condition code 0..15 from the flags (any lazy state). */
bool cc_condition_full(X86CPU *cpu, unsigned cond);

/*
 * Evaluate condition code 0..15 (the low nibble of Jcc/SETcc/CMOVcc).
 * Common cases straight from the lazy state: every lazy kind sets ZF and
 * SF from dst, so E/NE/S/NS need no flag computation; after SUB/CMP,
 * B/BE/L/LE are unsigned/signed compares of the operands.
 */
static inline bool cc_condition(X86CPU *cpu, unsigned cond)
{
    unsigned op = cpu->cc.op;
    if (op == CC_OP_EFLAGS || op >= CC_OP_NB)
        return cc_condition_full(cpu, cond);
    unsigned kind = (op - 1) & ~3u, sz = (op - 1) & 3, neg = cond & 1;
    uint64_t m = cc_mask_of(sz), dst = cpu->cc.dst & m;
    switch (cond >> 1) {
    case 1: return cc_compute_c(cpu) ^ neg;                       /* B */
    case 2: return (dst == 0) ^ neg;                              /* E */
    case 4: return ((dst & cc_sign_of(sz)) != 0) ^ neg;           /* S */
    default: break;
    }
    if (kind + 1 != CC_OP_SUB)
        return cc_condition_full(cpu, cond);
    uint64_t b = cpu->cc.src & m, a = (dst + b) & m;
    unsigned shift = 64 - (8u << sz);
    int64_t sa = (int64_t)(a << shift), sb = (int64_t)(b << shift);
    switch (cond >> 1) {
    case 3: return (a <= b) ^ neg;                                /* BE */
    case 6: return (sa < sb) ^ neg;                               /* L */
    case 7: return (sa <= sb) ^ neg;                              /* LE */
    default: return cc_condition_full(cpu, cond);
    }
}
/* Parity of the low byte: true if even number of set bits. */
static inline bool cc_parity(uint64_t v)
{
    return !__builtin_parity((unsigned)(v & 0xff));
}

/* ZF, SF, PF of a result of `size` bytes. */
static inline uint32_t cc_flags_szp(uint64_t res, unsigned size)
{
    uint64_t m = size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
    uint32_t f = (res & m) == 0 ? CC_Z : 0;
    if ((res >> (8 * size - 1)) & 1)
        f |= CC_S;
    if (cc_parity(res))
        f |= CC_P;
    return f;
}

#endif
