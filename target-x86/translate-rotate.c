/*
 * Native translation of ROL/ROR by a constant count (C0/C1/D0/D1 /0 /1):
 * the rotation in IR; CF and OF as interp-shift.c computes them, merged
 * into the other flags (which become explicit, CC_OP_EFLAGS, as in the
 * interpreter: tr_cc_replace).
 */
#include "target-x86/translate-internal.h"

/* bit `n` of v as 0/1 */
static TCGv bit_of(DisasContext *ctx, TCGv v, unsigned n)
{
    TCGv t = tr_temp(ctx);
    tcg_gen_shri(ctx->s, t, v, n);
    tcg_gen_andi(ctx->s, t, t, 1);
    return t;
}

/* a rotated left by c (0 < c < bits) within `bits` bits */
static TCGv rotate_left(DisasContext *ctx, TCGv a, unsigned c, unsigned bits)
{
    TCGContext *s = ctx->s;
    TCGv res = tr_temp(ctx);
    if (bits == 64) {
        tcg_gen_binop(s, INDEX_op_rotl, res, a, tr_const(ctx, c));
        return res;
    }
    TCGv hi = tr_temp(ctx), lo = tr_temp(ctx);
    tcg_gen_shli(s, hi, a, c);
    tcg_gen_shri(s, lo, a, bits - c);
    tcg_gen_or(s, res, hi, lo);
    tcg_gen_andi(s, res, res, bits == 32 ? 0xffffffffull : (1ull << bits) - 1);
    return res;
}

static void gen_rotate(DisasContext *ctx, bool left, unsigned n)
{
    TCGContext *s = ctx->s;
    const X86Insn *insn = ctx->insn;
    unsigned size = insn->opsz[0], bits = size * 8;
    TCGv addr = TCG_NO_TEMP;
    TCGv a = tr_opnd_read(ctx, 0, &addr);
    if (!n) {   /* as a shift by 0: a register is rewritten, nothing else */
        if (!insn->is_mem)
            tr_opnd_write(ctx, 0, a, &addr);
        return;
    }
    unsigned c = n % bits;
    TCGv res = c ? rotate_left(ctx, a, left ? c : bits - c, bits) : a;
    tr_opnd_write(ctx, 0, res, &addr);
    TCGv cf, of = tr_temp(ctx), msb = bit_of(ctx, res, bits - 1);
    if (left) {
        cf = bit_of(ctx, res, 0);
        tcg_gen_xor(s, of, msb, cf);
    } else {
        cf = msb;
        tcg_gen_xor(s, of, msb, bit_of(ctx, res, bits - 2));
    }
    TCGv co = tr_temp(ctx);
    tcg_gen_shli(s, of, of, 11);   /* CC_O */
    tcg_gen_or(s, co, cf, of);
    tr_cc_replace(ctx, CC_C | CC_O, co);
}

bool tr_rotate(DisasContext *ctx)
{
    const X86Insn *insn = ctx->insn;
    X86Handler h = insn->row->handler;
    if (h != h_rol && h != h_ror)
        return false;
    if (insn->row->nops != 2 || !tr_operand_ok(ctx, 0))
        return false;
    uint8_t k = insn->row->op[1].kind;
    if (k != OPK_I && k != OPK_ONE)
        return false;
    unsigned n = (unsigned)(k == OPK_ONE ? 1 : insn->imm) & (insn->opsz[0] == 8 ? 0x3f : 0x1f);
    gen_rotate(ctx, h == h_rol, n);
    return true;
}
