/*
 * The lazy flags in translated code: recording cc exactly as the
 * interpreter's handlers do, and reading CF or a condition. Where this
 * block set cc.op itself (ctx->cc_op) the common kinds are evaluated in
 * IR from cc.dst/src/src2; anything else calls cc.h's evaluation.
 */
#include "target-x86/translate-internal.h"

void tr_cc_set(DisasContext *ctx, unsigned op, unsigned size, TCGv dst, TCGv src, TCGv src2)
{
    TCGContext *s = ctx->s;
    int value = (int)(op + cc_size_index(size));
    tcg_gen_mov(s, ctx->g.cc_dst, dst);
    tcg_gen_mov(s, ctx->g.cc_src, src);
    if (src2 == TCG_NO_TEMP)
        tcg_gen_movi(s, ctx->g.cc_src2, 0);
    else
        tcg_gen_mov(s, ctx->g.cc_src2, src2);
    if (ctx->cc_op != value)
        tcg_gen_st(s, INDEX_op_st32, tr_const(ctx, (uint64_t)value), offsetof(X86CPU, cc.op));
    ctx->cc_op = value;
}

/* ---- helpers (they read the flags only) ---- */

static uint32_t helper_cc_carry(X86CPU *cpu)
{
    return cc_compute_c(cpu);
}

static uint32_t helper_cc_cond(X86CPU *cpu, uint32_t code)
{
    return cc_condition(cpu, code & 15);
}

static TCGHelperInfo info_cc_carry = {
    .func = (void *)helper_cc_carry, .name = "cc_carry", .ret = TCG_TYPE_I32,
    .nargs = 1, .args = { TCG_TYPE_PTR }, .flags = TCG_CALL_NO_WRITE_GLOBALS,
};

static TCGHelperInfo info_cc_cond = {
    .func = (void *)helper_cc_cond, .name = "cc_cond", .ret = TCG_TYPE_I32,
    .nargs = 2, .args = { TCG_TYPE_PTR, TCG_TYPE_I32 }, .flags = TCG_CALL_NO_WRITE_GLOBALS,
};

/* ---- pieces ---- */

TCGv tr_extend(DisasContext *ctx, TCGv v, unsigned size, bool sign)
{
    TCGv t = tr_temp(ctx);
    if (size == 8)
        tcg_gen_mov(ctx->s, t, v);
    else
        tcg_gen_unop(ctx->s, tr_ext_op(size, sign), t, v);
    return t;
}

/* The first operand of a SUB/CMP: (dst + src) masked. */
static TCGv sub_first(DisasContext *ctx, unsigned sz)
{
    TCGv a = tr_temp(ctx);
    tcg_gen_add(ctx->s, a, ctx->g.cc_dst, ctx->g.cc_src);
    return sz == 3 ? a : tr_extend(ctx, a, 1u << sz, false);
}

static DisasCond cond_of(TCGCond c, TCGv a, TCGv b)
{
    return (DisasCond){ c, a, b };
}

static TCGCond invert(TCGCond c)
{
    switch (c) {
    case TCG_COND_NEVER: return TCG_COND_ALWAYS;
    case TCG_COND_ALWAYS: return TCG_COND_NEVER;
    case TCG_COND_EQ: return TCG_COND_NE;
    case TCG_COND_NE: return TCG_COND_EQ;
    case TCG_COND_LT: return TCG_COND_GE;
    case TCG_COND_GE: return TCG_COND_LT;
    case TCG_COND_LE: return TCG_COND_GT;
    case TCG_COND_GT: return TCG_COND_LE;
    case TCG_COND_LTU: return TCG_COND_GEU;
    case TCG_COND_GEU: return TCG_COND_LTU;
    case TCG_COND_LEU: return TCG_COND_GTU;
    case TCG_COND_GTU: return TCG_COND_LEU;
    case TCG_COND_TSTEQ: return TCG_COND_TSTNE;
    default: return TCG_COND_TSTEQ;
    }
}

/* The known kind (CC_OP_ADD...) and size index of this block's flags, or false. */
static bool known_kind(const DisasContext *ctx, unsigned *kind, unsigned *sz)
{
    int op = ctx->cc_op;
    if (op <= CC_OP_EFLAGS || op >= CC_OP_NB)
        return false;
    *kind = (((unsigned)op - 1) & ~3u) + 1;
    *sz = ((unsigned)op - 1) & 3;
    return true;
}

TCGv tr_cc_carry(DisasContext *ctx)
{
    TCGContext *s = ctx->s;
    unsigned kind, sz;
    TCGv c = tr_temp(ctx);
    if (!known_kind(ctx, &kind, &sz)) {
        tr_call(ctx, &info_cc_carry, c, tcg_env(), TCG_NO_TEMP, TCG_NO_TEMP);
        return c;
    }
    switch (kind) {
    case CC_OP_ADD:
        tcg_gen_setcond(s, TCG_COND_LTU, c, ctx->g.cc_dst, ctx->g.cc_src);
        return c;
    case CC_OP_SUB:
        tcg_gen_setcond(s, TCG_COND_LTU, c, sub_first(ctx, sz), ctx->g.cc_src);
        return c;
    case CC_OP_LOGIC:
        return tr_const(ctx, 0);
    case CC_OP_INC: case CC_OP_DEC:
        tcg_gen_setcond(s, TCG_COND_NE, c, ctx->g.cc_src2, tr_const(ctx, 0));
        return c;
    case CC_OP_SHL:
        tcg_gen_setcond(s, TCG_COND_TSTNE, c, ctx->g.cc_src, tr_const(ctx, cc_sign_of(sz)));
        return c;
    case CC_OP_SHR: case CC_OP_SAR:
        tcg_gen_andi(s, c, ctx->g.cc_src, 1);
        return c;
    default:
        tr_call(ctx, &info_cc_carry, c, tcg_env(), TCG_NO_TEMP, TCG_NO_TEMP);
        return c;
    }
}

/* Condition (code >> 1) from a known kind, or false. */
static bool cond_known(DisasContext *ctx, unsigned test, DisasCond *out)
{
    unsigned kind, sz;
    if (!known_kind(ctx, &kind, &sz))
        return false;
    TCGv dst = ctx->g.cc_dst, zero = tr_const(ctx, 0);
    if (test == 2) {          /* E: every kind takes ZF from dst (stored masked) */
        *out = cond_of(TCG_COND_EQ, dst, zero);
        return true;
    }
    if (test == 4) {          /* S */
        *out = cond_of(TCG_COND_TSTNE, dst, tr_const(ctx, cc_sign_of(sz)));
        return true;
    }
    if (test == 1 && kind != CC_OP_SUB && kind != CC_OP_LOGIC) {   /* B */
        TCGv c = tr_cc_carry(ctx);
        *out = cond_of(TCG_COND_NE, c, zero);
        return true;
    }
    if (kind == CC_OP_SUB) {
        TCGv b = ctx->g.cc_src, a = sub_first(ctx, sz);
        switch (test) {
        case 1: *out = cond_of(TCG_COND_LTU, a, b); return true;
        case 3: *out = cond_of(TCG_COND_LEU, a, b); return true;
        case 6: *out = cond_of(TCG_COND_LT, tr_extend(ctx, a, 1u << sz, true), tr_extend(ctx, b, 1u << sz, true)); return true;
        case 7: *out = cond_of(TCG_COND_LE, tr_extend(ctx, a, 1u << sz, true), tr_extend(ctx, b, 1u << sz, true)); return true;
        default: return false;
        }
    }
    if (kind == CC_OP_LOGIC) {   /* CF = OF = 0 */
        switch (test) {
        case 0: case 1: *out = cond_of(TCG_COND_NEVER, zero, zero); return true;
        case 3: *out = cond_of(TCG_COND_EQ, dst, zero); return true;
        case 6: *out = cond_of(TCG_COND_LT, tr_extend(ctx, dst, 1u << sz, true), zero); return true;
        case 7: *out = cond_of(TCG_COND_LE, tr_extend(ctx, dst, 1u << sz, true), zero); return true;
        default: return false;
        }
    }
    return false;
}

DisasCond tr_cc_cond(DisasContext *ctx, unsigned code)
{
    DisasCond c;
    code &= 15;
    if (!cond_known(ctx, code >> 1, &c)) {
        TCGv t = tr_temp(ctx);
        tr_call(ctx, &info_cc_cond, t, tcg_env(), tr_const(ctx, code), TCG_NO_TEMP);
        return cond_of(TCG_COND_NE, t, tr_const(ctx, 0));
    }
    if (code & 1)
        c.cond = invert(c.cond);
    return c;
}

TCGv tr_cond_value(DisasContext *ctx, DisasCond c)
{
    if (c.cond == TCG_COND_ALWAYS || c.cond == TCG_COND_NEVER)
        return tr_const(ctx, c.cond == TCG_COND_ALWAYS);
    TCGv v = tr_temp(ctx);
    tcg_gen_setcond(ctx->s, c.cond, v, c.a, c.b);
    return v;
}

/* ---- explicit flags ---- */

static void helper_cc_replace(X86CPU *cpu, uint32_t mask, uint32_t bits)
{
    cc_set_flags(cpu, (cc_compute_all(cpu) & ~mask) | (bits & mask));
}

static TCGHelperInfo info_cc_replace = {
    .func = (void *)helper_cc_replace, .name = "cc_replace", .ret = TCG_TYPE_VOID,
    .nargs = 3, .args = { TCG_TYPE_PTR, TCG_TYPE_I32, TCG_TYPE_I32 },
};

/* Parity flag (CC_P) of the low byte of v. */
static TCGv parity_flag(DisasContext *ctx, TCGv v)
{
    TCGContext *s = ctx->s;
    TCGv t = tr_temp(ctx), u = tr_temp(ctx);
    tcg_gen_andi(s, t, v, 0xff);
    for (unsigned sh = 4; sh; sh >>= 1) {
        tcg_gen_shri(s, u, t, sh);
        tcg_gen_xor(s, t, t, u);
    }
    tcg_gen_andi(s, t, t, 1);
    tcg_gen_xor(s, t, t, tr_const(ctx, 1));   /* even number of ones */
    tcg_gen_shli(s, t, t, 2);
    return t;
}

void tr_cc_replace(DisasContext *ctx, uint32_t mask, TCGv bits)
{
    TCGContext *s = ctx->s;
    TCGv rf = ctx->g.rflags;
    int op = ctx->cc_op;
    if (op == CC_OP_EFLAGS) {
        tcg_gen_andi(s, rf, rf, ~(uint64_t)mask);
        tcg_gen_or(s, rf, rf, bits);
    } else if (op >= CC_OP_LOGIC && op < CC_OP_LOGIC + 4) {
        /* ZF SF PF from the result, AF CF OF clear */
        unsigned sz = (unsigned)op - CC_OP_LOGIC;
        TCGv dst = ctx->g.cc_dst, f = tr_temp(ctx), t = tr_temp(ctx);
        tcg_gen_setcond(s, TCG_COND_EQ, f, dst, tr_const(ctx, 0));
        tcg_gen_shli(s, f, f, 6);                              /* CC_Z */
        tcg_gen_setcond(s, TCG_COND_TSTNE, t, dst, tr_const(ctx, cc_sign_of(sz)));
        tcg_gen_shli(s, t, t, 7);                              /* CC_S */
        tcg_gen_or(s, f, f, t);
        tcg_gen_or(s, f, f, parity_flag(ctx, dst));
        tcg_gen_andi(s, f, f, ~(uint64_t)mask);
        tcg_gen_or(s, f, f, bits);
        tcg_gen_andi(s, rf, rf, ~(uint64_t)CC_ALL);
        tcg_gen_or(s, rf, rf, f);
        tcg_gen_st(s, INDEX_op_st32, tr_const(ctx, CC_OP_EFLAGS), offsetof(X86CPU, cc.op));
    } else {
        tr_call(ctx, &info_cc_replace, TCG_NO_TEMP, tcg_env(), tr_const(ctx, mask), bits);
    }
    ctx->cc_op = CC_OP_EFLAGS;
}
