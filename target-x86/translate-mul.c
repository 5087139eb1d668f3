/*
 * Native translation of MUL and IMUL (one, two and three operands): the
 * products, cc recorded as interp-muldiv.c does (CC_OP_MUL: dst = the low
 * half, src = 1 when the high half is significant).
 */
#include "target-x86/translate-internal.h"

/* The high half a signed value of `size` bytes with low half `lo` would
 * have: all ones or zero by the sign of lo. */
static TCGv tr_sext_hi(DisasContext *ctx, TCGv lo, unsigned size)
{
    TCGv t = tr_temp(ctx);
    tcg_gen_unop(ctx->s, tr_ext_op(size, true), t, lo);
    tcg_gen_sari(ctx->s, t, t, 63);
    return t;
}

/* lo = a * b (signed, `size` bytes each), ov = the product does not fit. */
static void gen_signed_mul(DisasContext *ctx, unsigned size, TCGv a, TCGv b, TCGv *lo, TCGv *ov)
{
    TCGContext *s = ctx->s;
    *lo = tr_temp(ctx);
    *ov = tr_temp(ctx);
    if (size == 8) {
        TCGv hi = tr_temp(ctx), sign = tr_temp(ctx);
        tcg_gen_mul2(s, INDEX_op_muls2, *lo, hi, a, b);
        tcg_gen_sari(s, sign, *lo, 63);
        tcg_gen_setcond(s, TCG_COND_NE, *ov, hi, sign);
        return;
    }
    TCGv sa = tr_temp(ctx), sb = tr_temp(ctx), p = tr_temp(ctx), sp = tr_temp(ctx);
    tcg_gen_unop(s, tr_ext_op(size, true), sa, a);
    tcg_gen_unop(s, tr_ext_op(size, true), sb, b);
    tcg_gen_binop(s, INDEX_op_mul, p, sa, sb);   /* exact: both fit in 32 bits */
    tcg_gen_unop(s, tr_ext_op(size, true), sp, p);
    tcg_gen_setcond(s, TCG_COND_NE, *ov, p, sp);
    tcg_gen_unop(s, tr_ext_op(size, false), *lo, p);
}

/* MUL/IMUL r/m (one operand): rAX (AL) times the operand into the
 * accumulator pair (AX for bytes), CF = OF = the high half matters. */
static bool tr_mul_acc(DisasContext *ctx, bool sign)
{
    TCGContext *s = ctx->s;
    const X86Insn *insn = ctx->insn;
    unsigned size = insn->opsz[0], bits = size * 8;
    TCGv addr = TCG_NO_TEMP;
    if (insn->row->nops != 1 || !tr_operand_ok(ctx, 0))
        return false;
    TCGv b = tr_opnd_read(ctx, 0, &addr);
    TCGv a = tr_reg_read(ctx, R_EAX, size, false);
    TCGv lo = tr_temp(ctx), hi = tr_temp(ctx), flag = tr_temp(ctx);
    if (size == 8) {
        tcg_gen_mul2(s, sign ? INDEX_op_muls2 : INDEX_op_mulu2, lo, hi, a, b);
    } else {
        TCGv p = tr_temp(ctx);
        if (sign) {
            TCGv sa = tr_temp(ctx), sb = tr_temp(ctx);
            tcg_gen_unop(s, tr_ext_op(size, true), sa, a);
            tcg_gen_unop(s, tr_ext_op(size, true), sb, b);
            tcg_gen_binop(s, INDEX_op_mul, p, sa, sb);
        } else {
            tcg_gen_binop(s, INDEX_op_mul, p, a, b);
        }
        tcg_gen_unop(s, tr_ext_op(size, false), lo, p);
        tcg_gen_shri(s, hi, p, bits);
        tcg_gen_unop(s, tr_ext_op(size, false), hi, hi);
    }
    if (sign) {   /* the product differs from the sign extension of its low half */
        TCGv sl = tr_temp(ctx);
        if (size == 8)
            tcg_gen_sari(s, sl, lo, 63);
        else
            tcg_gen_unop(s, tr_ext_op(size, false), sl, tr_sext_hi(ctx, lo, size));
        tcg_gen_setcond(s, TCG_COND_NE, flag, hi, sl);
    } else {
        tcg_gen_setcond(s, TCG_COND_NE, flag, hi, tr_const(ctx, 0));
    }
    if (size == 1) {
        TCGv ax = tr_temp(ctx);
        tcg_gen_shli(s, ax, hi, 8);
        tcg_gen_or(s, ax, ax, lo);
        tr_reg_write(ctx, R_EAX, 2, false, ax);
    } else {
        tr_reg_write(ctx, R_EAX, size, false, lo);
        tr_reg_write(ctx, R_EDX, size, false, hi);
    }
    tr_cc_set(ctx, CC_OP_MUL, size, lo, flag, TCG_NO_TEMP);
    return true;
}

bool tr_mul(DisasContext *ctx)
{
    const X86Insn *insn = ctx->insn;
    X86Handler h = insn->row->handler;
    unsigned size = insn->opsz[0];
    TCGv addr = TCG_NO_TEMP, a, b, lo, ov;
    if (h == h_imul2) {
        if (insn->row->nops != 2 || !tr_operand_ok(ctx, 0) || !tr_operand_ok(ctx, 1))
            return false;
        a = tr_opnd_read(ctx, 0, &addr);
        b = tr_opnd_read(ctx, 1, &addr);
    } else if (h == h_imul3) {
        if (insn->row->nops != 3 || !tr_operand_ok(ctx, 0) || !tr_operand_ok(ctx, 1))
            return false;
        a = tr_opnd_read(ctx, 1, &addr);
        b = tr_const(ctx, insn->imm & mask_for(size));
    } else if (h == h_mul || h == h_imul1) {
        return tr_mul_acc(ctx, h == h_imul1);
    } else {
        return false;
    }
    gen_signed_mul(ctx, size, a, b, &lo, &ov);
    tr_opnd_write(ctx, 0, lo, &addr);
    tr_cc_set(ctx, CC_OP_MUL, size, lo, ov, TCG_NO_TEMP);
    return true;
}
