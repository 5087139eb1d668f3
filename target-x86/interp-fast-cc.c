/*
 * Specialised handlers by condition code: Jcc (rel8/rel32, 32- and 64-bit
 * operand size), CMOVcc r32/r64, r and SETcc r8, one per condition so that
 * the condition is no run-time switch; also JMP rel. The commonest lazy
 * flag states (SUB/CMP, logic ops) are evaluated here directly, the others
 * by the generic handler (cc_condition, cc.h). Also fused compare-and-
 * branch entries for the interpreter's blocks (interp_fuse_jcc).
 */
#include "target-x86/block-cache.h"
#include "target-x86/interp-fast.h"

/*
 * Condition `cond` (a constant 0..15) as cc_condition computes it, or -1
 * where the caller is to take the generic handler (flags in rflags, O, P,
 * the ordered conditions after anything but SUB/CMP or a logic op): no
 * call here, so the handlers need no stack frame. Values of any size are
 * moved to the top of 64 bits, so one 64-bit compare serves all four
 * sizes. Every lazy kind takes ZF and SF from dst; after SUB, dst = a - b
 * and src = b; after a logic op CF = OF = 0.
 */
FAST_INLINE int fast_cond(X86CPU *cpu, unsigned cond)
{
    unsigned op = cpu->cc.op, neg = cond & 1, group = cond >> 1;
    static const uint8_t top_shift[4] = { 56, 48, 32, 0 };   /* 64 - bits, by size index */
    unsigned shift = top_shift[(op - 1) & 3];
    uint64_t d = cpu->cc.dst << shift;
    if (op - 1u >= CC_OP_NB - 1u || group == 0 || group == 5)
        return -1;                                          /* rflags; O, P */
    if (group == 2)
        return (d == 0) ^ neg;                              /* E */
    if (group == 4)
        return ((int64_t)d < 0) ^ neg;                      /* S */
    if (op - CC_OP_SUB < 4) {                               /* the commonest: CMP */
        uint64_t b = cpu->cc.src << shift, a = d + b;
        switch (group) {
        case 1: return (a < b) ^ neg;                       /* B */
        case 3: return (a <= b) ^ neg;                      /* BE */
        case 6: return ((int64_t)a < (int64_t)b) ^ neg;     /* L */
        default: return ((int64_t)a <= (int64_t)b) ^ neg;   /* LE */
        }
    }
    if (op - CC_OP_LOGIC >= 4)
        return -1;
    switch (group) {
    case 1: return neg;                                     /* B: CF = 0 */
    case 3: return (d == 0) ^ neg;                          /* BE: ZF */
    case 6: return ((int64_t)d < 0) ^ neg;                  /* L: SF != OF = 0 */
    default: return (d == 0 || (int64_t)d < 0) ^ neg;       /* LE */
    }
}

/* A near branch to next + imm (next: the next instruction's address; as
 * checked_target in interp-branch.c). A fault is the instruction's. */
static __attribute__((noinline, __noreturn__)) void jump_fault(X86CPU *cpu, const X86Insn *insn)
{
    cpu->insn_start_rip = insn->pc;
    x86_raise_exception_err(cpu, EXCP_GP, 0);
}

FAST_INLINE void jump64_from(X86CPU *cpu, const X86Insn *insn, uint64_t next)
{
    uint64_t target = next + insn->imm;
    if (__builtin_expect(!canonical(target), 0))
        jump_fault(cpu, insn);
    cpu->rip = target;
}

FAST_INLINE void jump32_from(X86CPU *cpu, const X86Insn *insn, uint64_t next)
{
    uint64_t target = (next + insn->imm) & 0xffffffffull;
    if (__builtin_expect(target > cpu->seg[R_CS].limit, 0))
        jump_fault(cpu, insn);
    cpu->rip = target;
}

FAST_INLINE void jump64(X86CPU *cpu, const X86Insn *insn)
{
    jump64_from(cpu, insn, cpu->rip);
}

FAST_INLINE void jump32(X86CPU *cpu, const X86Insn *insn)
{
    jump32_from(cpu, insn, cpu->rip);
}

/* The chained forms (block-cache.h) take next from the entry. */
FAST_INLINE void chain_jump64(X86CPU *cpu, const X86Insn *insn)
{
    jump64_from(cpu, insn, exec_of(insn)->next_rip);
}

FAST_INLINE void chain_jump32(X86CPU *cpu, const X86Insn *insn)
{
    jump32_from(cpu, insn, exec_of(insn)->next_rip);
}

/* CMOVcc r, r at 32/64 bits: a 32-bit destination is zero-extended
 * whether the condition holds or not. */
FAST_INLINE bool fast_cmov(X86CPU *cpu, const X86Insn *insn, unsigned cond, unsigned size)
{
    int c = fast_cond(cpu, cond);
    if (__builtin_expect(c < 0, 0)) {
        return false;
    }
    uint64_t *d = fast_reg(cpu, insn->opfast[0]);
    uint64_t v = c ? *fast_reg(cpu, insn->opfast[1]) : *d;
    *d = size == 4 ? (uint32_t)v : v;
    return true;
}

/* SETcc r8 (a low byte: opfast excludes AH..BH) */
FAST_INLINE bool fast_setcc(X86CPU *cpu, const X86Insn *insn, unsigned cond)
{
    int c = fast_cond(cpu, cond);
    if (__builtin_expect(c < 0, 0)) {
        return false;
    }
    uint64_t *d = fast_reg(cpu, insn->opfast[0]);
    *d = (*d & ~0xffull) | (unsigned)c;
    return true;
}

/* Jcc: `jump` is jump64 or jump32 */
#define FAST_JCC(cpu, insn, cond, jump) do {                                                     \
        int c_ = fast_cond(cpu, cond);                                                            \
        if (__builtin_expect(c_ < 0, 0))                                                          \
            fast_fallback(cpu, insn);                                                             \
        else if (c_)                                                                              \
            jump(cpu, insn);                                                                      \
    } while (0)

/* Jcc in a chain: `taken` (chain_taken or chain_branched) when taken */
#define CHAIN_JCC(cpu, insn, cond, jump, taken) do {                                             \
        int c_ = fast_cond(cpu, cond);                                                            \
        if (__builtin_expect(c_ < 0, 0)) {                                                        \
            interp_chain_fallback(cpu, insn);                                                     \
        } else if (c_) {                                                                          \
            jump(cpu, insn);                                                                      \
            taken(cpu, insn);                                                                     \
        } else {                                                                                  \
            chain_next(cpu, insn);                                                                \
        }                                                                                         \
    } while (0)

#define CC_FNS(cc)                                                                                \
    static void f_jcc64_##cc(X86CPU *cpu, const X86Insn *insn) { FAST_JCC(cpu, insn, cc, jump64); } \
    static void f_jcc32_##cc(X86CPU *cpu, const X86Insn *insn) { FAST_JCC(cpu, insn, cc, jump32); } \
    PLAIN_FN(f_cmov32_##cc, fast_cmov, cc, 4)                                                     \
    PLAIN_FN(f_cmov64_##cc, fast_cmov, cc, 8)                                                     \
    PLAIN_FN(f_setcc_##cc, fast_setcc, cc)                                                        \
    static void f_jcc64_##cc##_c(X86CPU *cpu, const X86Insn *insn)                                \
    { CHAIN_JCC(cpu, insn, cc, chain_jump64, chain_taken); }                                      \
    static void f_jcc32_##cc##_c(X86CPU *cpu, const X86Insn *insn)                                \
    { CHAIN_JCC(cpu, insn, cc, chain_jump32, chain_branched); }                                   \
    CHAIN_FN(f_cmov32_##cc##_c, f_cmov32_##cc, fast_cmov, cc, 4)                                  \
    CHAIN_FN(f_cmov64_##cc##_c, f_cmov64_##cc, fast_cmov, cc, 8)                                  \
    CHAIN_FN(f_setcc_##cc##_c, f_setcc_##cc, fast_setcc, cc)                                      \
    CHAIN_PAIR(f_jcc64_##cc, f_jcc64_##cc##_c)                                                    \
    CHAIN_PAIR(f_jcc32_##cc, f_jcc32_##cc##_c)

CC_FNS(0) CC_FNS(1) CC_FNS(2) CC_FNS(3) CC_FNS(4) CC_FNS(5) CC_FNS(6) CC_FNS(7)
CC_FNS(8) CC_FNS(9) CC_FNS(10) CC_FNS(11) CC_FNS(12) CC_FNS(13) CC_FNS(14) CC_FNS(15)

#define BY_CC(p) { p##0, p##1, p##2, p##3, p##4, p##5, p##6, p##7, p##8, p##9, p##10, p##11,    \
                   p##12, p##13, p##14, p##15 }

static const X86Handler jcc64[16] = BY_CC(f_jcc64_);
static const X86Handler jcc32[16] = BY_CC(f_jcc32_);
static const X86Handler cmov[2][16] = { BY_CC(f_cmov32_), BY_CC(f_cmov64_) };
static const X86Handler setcc[16] = BY_CC(f_setcc_);

static void f_jmp_64(X86CPU *cpu, const X86Insn *insn)
{
    jump64(cpu, insn);
}

static void f_jmp_32(X86CPU *cpu, const X86Insn *insn)
{
    jump32(cpu, insn);
}

static void f_jmp_64_c(X86CPU *cpu, const X86Insn *insn)
{
    chain_jump64(cpu, insn);
    chain_taken(cpu, insn);
}

static void f_jmp_32_c(X86CPU *cpu, const X86Insn *insn)
{
    chain_jump32(cpu, insn);
    chain_branched(cpu, insn);
}

CHAIN_PAIR(f_jmp_64, f_jmp_64_c)
CHAIN_PAIR(f_jmp_32, f_jmp_32_c)

X86Handler interp_fast_cc_handler(const X86Insn *insn)
{
    const X86InsnRow *row = insn->row;
    X86Handler h = row->handler;
    unsigned cond = insn->opcode & 15, size = insn->opsize;
    if (h == h_jcc || (h == h_jmp && row->op[0].kind == OPK_J)) {
        /* 64-bit operand size: 64-bit mode; 32: a 32-bit code segment */
        if (size == 8)
            return h == h_jcc ? jcc64[cond] : f_jmp_64;
        if (size == 4)
            return h == h_jcc ? jcc32[cond] : f_jmp_32;
        return NULL;
    }
    if (row->nops != 2 && !(h == h_setcc && row->nops == 1))
        return NULL;
    if (h == h_cmovcc && (size == 4 || size == 8) && is_reg(insn->opfast[0]) &&
        is_reg(insn->opfast[1]))
        return cmov[size == 8][cond];
    if (h == h_setcc && is_reg(insn->opfast[0]) && insn->opsz[0] == 1)
        return setcc[cond];
    return NULL;
}

/* ---- fused compare-and-branch (block-cache.h, interp_fuse_jcc) ---- */

/*
 * `kind` (CMP, TEST, SUB) of register operand 0 with a register or the
 * immediate (form F_RR, F_RI) at `size`, with the flags recorded as the
 * instruction's own handler does, then the 64-bit Jcc of condition `cond`
 * (not O/NO/P/NP: fast_cond answers the others after these kinds) whose
 * offset is in insn->imm2 and address in insn->disp. rip is the Jcc's
 * next_rip already.
 */
static __attribute__((noinline, __noreturn__)) void fused_fault(X86CPU *cpu, const X86Insn *insn)
{
    cpu->insn_start_rip = (uint64_t)insn->disp;   /* the compare is done */
    x86_raise_exception_err(cpu, EXCP_GP, 0);
}

/* Returns whether the branch was taken (rip set); `next`: the Jcc's next
 * instruction. */
FAST_INLINE bool fused_jcc(X86CPU *cpu, const X86Insn *insn, int kind, int form, unsigned size,
                           unsigned cond, uint64_t next)
{
    uint64_t b = form == F_RR ? *fast_reg(cpu, insn->opfast[1]) : insn->imm;
    reg_op(cpu, insn, kind, size, b);
    if (fast_cond(cpu, cond) > 0) {
        uint64_t target = next + insn->imm2;
        if (__builtin_expect(!canonical(target), 0))
            fused_fault(cpu, insn);
        cpu->rip = target;
        return true;
    }
    return false;
}

/* In a chain (block-cache.h): chain_taken when the branch is taken */
FAST_INLINE void chain_fused(X86CPU *cpu, const X86Insn *insn, int kind, int form, unsigned size,
                             unsigned cond)
{
    if (fused_jcc(cpu, insn, kind, form, size, cond, exec_of(insn)->next_rip))
        chain_taken(cpu, insn);
    else
        chain_next(cpu, insn);
}

#define FUSE_FN(kind, form, size, cc)                                                             \
    static void fz_##kind##_##form##_##size##_##cc(X86CPU *cpu, const X86Insn *insn)               \
    { fused_jcc(cpu, insn, K_##kind, F_##form, size, cc, cpu->rip); }                             \
    static void fz_##kind##_##form##_##size##_##cc##_c(X86CPU *cpu, const X86Insn *insn)           \
    { chain_fused(cpu, insn, K_##kind, F_##form, size, cc); }                                     \
    CHAIN_PAIR(fz_##kind##_##form##_##size##_##cc, fz_##kind##_##form##_##size##_##cc##_c)
#define FUSE_SIZES(kind, form, cc) FUSE_FN(kind, form, 4, cc) FUSE_FN(kind, form, 8, cc)
#define FUSE_CC(cc) FUSE_SIZES(CMP, RR, cc) FUSE_SIZES(CMP, RI, cc) FUSE_SIZES(TEST, RR, cc)     \
    FUSE_SIZES(TEST, RI, cc) FUSE_SIZES(SUB, RR, cc) FUSE_SIZES(SUB, RI, cc)

/* conditions 2-9, 12-15 (0/1 = O/NO and 10/11 = P/NP are not fused) */
FUSE_CC(2) FUSE_CC(3) FUSE_CC(4) FUSE_CC(5) FUSE_CC(6) FUSE_CC(7) FUSE_CC(8) FUSE_CC(9)
FUSE_CC(12) FUSE_CC(13) FUSE_CC(14) FUSE_CC(15)

#define FUSE_ROW(kind, form, size)                                                                \
    { NULL, NULL, fz_##kind##_##form##_##size##_2, fz_##kind##_##form##_##size##_3,               \
      fz_##kind##_##form##_##size##_4, fz_##kind##_##form##_##size##_5,                           \
      fz_##kind##_##form##_##size##_6, fz_##kind##_##form##_##size##_7,                           \
      fz_##kind##_##form##_##size##_8, fz_##kind##_##form##_##size##_9, NULL, NULL,               \
      fz_##kind##_##form##_##size##_12, fz_##kind##_##form##_##size##_13,                         \
      fz_##kind##_##form##_##size##_14, fz_##kind##_##form##_##size##_15 }
/* [kind: CMP, TEST, SUB][form: RR, RI][size: 4, 8][cond] */
static const X86Handler fused[3][2][2][16] = {
    { { FUSE_ROW(CMP, RR, 4), FUSE_ROW(CMP, RR, 8) }, { FUSE_ROW(CMP, RI, 4), FUSE_ROW(CMP, RI, 8) } },
    { { FUSE_ROW(TEST, RR, 4), FUSE_ROW(TEST, RR, 8) }, { FUSE_ROW(TEST, RI, 4), FUSE_ROW(TEST, RI, 8) } },
    { { FUSE_ROW(SUB, RR, 4), FUSE_ROW(SUB, RR, 8) }, { FUSE_ROW(SUB, RI, 4), FUSE_ROW(SUB, RI, 8) } },
};

bool interp_fuse_jcc(ExecInsn *a, const ExecInsn *b)
{
    X86Insn *i = &a->insn;
    const X86Insn *j = &b->insn;
    X86Handler h = i->row->handler;
    int kind = h == h_cmp ? 0 : h == h_test ? 1 : h == h_sub ? 2 : -1;
    if (kind < 0 || a->span != 1 || j->row->handler != h_jcc || j->opsize != 8 ||
        b->handler != jcc64[j->opcode & 15])
        return false;
    if ((i->opsize != 4 && i->opsize != 8) || i->row->nops != 2 || i->is_mem ||
        !is_reg(i->opfast[0]) || i->opsz[0] != i->opsize)
        return false;
    int form;
    if (is_reg(i->opfast[1]) && i->opsz[1] == i->opsize)
        form = 0;
    else if (i->opfast[1] == X86_OPFAST_IMM)
        form = 1;
    else
        return false;
    X86Handler f = fused[kind][form][i->opsize == 8][j->opcode & 15];
    if (!f)
        return false;
    a->handler = f;
    a->next_rip = b->next_rip;
    a->span = 2;
    i->imm2 = j->imm;
    i->disp = (int64_t)j->pc;
    return true;
}
