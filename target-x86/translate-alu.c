/*
 * Native translation of the integer arithmetic family: ADD OR ADC SBB AND
 * SUB XOR CMP TEST, INC DEC NOT NEG, and SHL/SHR/SAR (by a constant, or a
 * register by CL),
 * with memory written before the flags and cc recorded exactly as
 * interp-alu.c / interp-shift.c record it.
 */
#include "target-x86/translate-internal.h"

enum { K_ADD, K_OR, K_ADC, K_SBB, K_AND, K_SUB, K_XOR, K_CMP, K_TEST };

static const struct {
    X86Handler h;
    int kind;
} alu_kinds[] = {
    { h_add, K_ADD }, { h_or, K_OR }, { h_adc, K_ADC }, { h_sbb, K_SBB }, { h_and, K_AND },
    { h_sub, K_SUB }, { h_xor, K_XOR }, { h_cmp, K_CMP }, { h_test, K_TEST },
};

/* v masked to `size` bytes (in place into a new temp; v itself for 8). */
static TCGv masked(DisasContext *ctx, TCGv v, unsigned size)
{
    if (size == 8)
        return v;
    TCGv t = tr_temp(ctx);
    TCGOpcode ext = size == 1 ? INDEX_op_ext8u : size == 2 ? INDEX_op_ext16u : INDEX_op_ext32u;
    tcg_gen_unop(ctx->s, ext, t, v);
    return t;
}

/* Operand i, with an immediate masked to the operation size. */
static TCGv read_masked(DisasContext *ctx, unsigned i, unsigned size, TCGv *addr)
{
    uint8_t k = ctx->insn->row->op[i].kind;
    if (k == OPK_I)
        return tr_const(ctx, ctx->insn->imm & mask_for(size));
    return tr_opnd_read(ctx, i, addr);
}

static int alu_kind(X86Handler h)
{
    for (size_t i = 0; i < sizeof(alu_kinds) / sizeof(alu_kinds[0]); i++)
        if (alu_kinds[i].h == h)
            return alu_kinds[i].kind;
    return -1;
}

static void gen_two_op(DisasContext *ctx, int kind)
{
    TCGContext *s = ctx->s;
    unsigned size = ctx->insn->opsz[0];
    TCGv addr = TCG_NO_TEMP;
    TCGv a = read_masked(ctx, 0, size, &addr);
    TCGv b = read_masked(ctx, 1, size, &addr);
    TCGv carry = (kind == K_ADC || kind == K_SBB) ? tr_cc_carry(ctx) : TCG_NO_TEMP;
    TCGv res = tr_temp(ctx);
    unsigned op;
    switch (kind) {
    case K_ADD: tcg_gen_add(s, res, a, b); op = CC_OP_ADD; break;
    case K_ADC: tcg_gen_add(s, res, a, b); tcg_gen_add(s, res, res, carry); op = CC_OP_ADC; break;
    case K_SUB: case K_CMP: tcg_gen_sub(s, res, a, b); op = CC_OP_SUB; break;
    case K_SBB: tcg_gen_sub(s, res, a, b); tcg_gen_sub(s, res, res, carry); op = CC_OP_SBB; break;
    case K_OR: tcg_gen_or(s, res, a, b); op = CC_OP_LOGIC; break;
    case K_XOR: tcg_gen_xor(s, res, a, b); op = CC_OP_LOGIC; break;
    default: tcg_gen_and(s, res, a, b); op = CC_OP_LOGIC; break;
    }
    res = masked(ctx, res, size);
    if (kind != K_CMP && kind != K_TEST)
        tr_opnd_write(ctx, 0, res, &addr);
    tr_cc_set(ctx, op, size, res, b, carry);
}

static void gen_inc_dec(DisasContext *ctx, bool inc)
{
    unsigned size = ctx->insn->opsz[0];
    TCGv addr = TCG_NO_TEMP;
    TCGv a = tr_opnd_read(ctx, 0, &addr);
    TCGv res = tr_temp(ctx);
    tcg_gen_addi(ctx->s, res, a, inc ? 1 : ~0ull);
    res = masked(ctx, res, size);
    TCGv cf = tr_cc_carry(ctx);
    tr_opnd_write(ctx, 0, res, &addr);
    tr_cc_set(ctx, inc ? CC_OP_INC : CC_OP_DEC, size, res, tr_const(ctx, 1), cf);
}

static void gen_not(DisasContext *ctx)
{
    TCGv addr = TCG_NO_TEMP;
    TCGv a = tr_opnd_read(ctx, 0, &addr);
    TCGv res = tr_temp(ctx);
    tcg_gen_unop(ctx->s, INDEX_op_not, res, a);
    tr_opnd_write(ctx, 0, masked(ctx, res, ctx->insn->opsz[0]), &addr);
}

static void gen_neg(DisasContext *ctx)
{
    unsigned size = ctx->insn->opsz[0];
    TCGv addr = TCG_NO_TEMP;
    TCGv b = tr_opnd_read(ctx, 0, &addr);
    TCGv res = tr_temp(ctx);
    tcg_gen_unop(ctx->s, INDEX_op_neg, res, b);
    res = masked(ctx, res, size);
    tr_opnd_write(ctx, 0, res, &addr);
    tr_cc_set(ctx, CC_OP_SUB, size, res, b, TCG_NO_TEMP);
}

bool tr_alu(DisasContext *ctx)
{
    const X86Insn *insn = ctx->insn;
    X86Handler h = insn->row->handler;
    int kind = alu_kind(h);
    if (kind >= 0) {
        if (insn->row->nops != 2 || !tr_operand_ok(ctx, 0) || !tr_operand_ok(ctx, 1))
            return false;
        gen_two_op(ctx, kind);
        return true;
    }
    if (h != h_inc && h != h_dec && h != h_not && h != h_neg)
        return false;
    if (insn->row->nops != 1 || !tr_operand_ok(ctx, 0))
        return false;
    if (h == h_inc || h == h_dec)
        gen_inc_dec(ctx, h == h_inc);
    else if (h == h_not)
        gen_not(ctx);
    else
        gen_neg(ctx);
    return true;
}

/* ---- shifts by a constant ---- */

static void gen_shift(DisasContext *ctx, X86Handler h, unsigned n)
{
    TCGContext *s = ctx->s;
    const X86Insn *insn = ctx->insn;
    unsigned size = insn->opsz[0], bits = size * 8;
    TCGv addr = TCG_NO_TEMP;
    TCGv a = tr_opnd_read(ctx, 0, &addr);
    if (!n) {   /* rewrites a register operand (zero-extension), nothing else */
        if (!insn->is_mem)
            tr_opnd_write(ctx, 0, a, &addr);
        return;
    }
    TCGv res = tr_temp(ctx), src = tr_temp(ctx), src2 = TCG_NO_TEMP;
    unsigned op;
    if (h == h_shl) {
        tcg_gen_shli(s, res, a, n);
        res = masked(ctx, res, size);
        tcg_gen_shli(s, src, a, n - 1);
        op = CC_OP_SHL;
    } else if (h == h_shr) {
        tcg_gen_shri(s, res, a, n);
        tcg_gen_shri(s, src, a, n - 1);
        src2 = tr_temp(ctx);
        tcg_gen_shri(s, src2, a, bits - 1);
        op = CC_OP_SHR;
    } else {
        TCGv sa = tr_extend(ctx, a, size, true);
        tcg_gen_sari(s, res, sa, n);
        res = masked(ctx, res, size);
        tcg_gen_sari(s, src, sa, n - 1);
        op = CC_OP_SAR;
    }
    tr_opnd_write(ctx, 0, res, &addr);
    tr_cc_set(ctx, op, size, res, src, src2);
}

/* x = (n == 0) ? old : new */
static TCGv keep_if_zero(DisasContext *ctx, TCGv n, TCGv old, TCGv v)
{
    TCGv t = tr_temp(ctx);
    tcg_gen_movcond(ctx->s, TCG_COND_EQ, t, n, tr_const(ctx, 0), old, v);
    return t;
}

/* SHL/SHR/SAR of a register by CL: a masked count of 0 keeps the flags
 * (cc.op included, so it is no longer known here) and only rewrites the
 * register (zero-extension). */
static void gen_shift_cl(DisasContext *ctx, X86Handler h)
{
    TCGContext *s = ctx->s;
    const X86Insn *insn = ctx->insn;
    unsigned size = insn->opsz[0], bits = size * 8;
    TCGv addr = TCG_NO_TEMP;
    TCGv a = tr_opnd_read(ctx, 0, &addr);
    TCGv n = tr_temp(ctx), nm1 = tr_temp(ctx);
    tcg_gen_andi(s, n, ctx->g.regs[R_ECX], size == 8 ? 0x3f : 0x1f);
    tcg_gen_addi(s, nm1, n, ~0ull);
    tcg_gen_andi(s, nm1, nm1, 63);
    TCGv res = tr_temp(ctx), src = tr_temp(ctx), src2 = tr_const(ctx, 0);
    unsigned op;
    if (h == h_shl) {
        tcg_gen_binop(s, INDEX_op_shl, res, a, n);
        res = masked(ctx, res, size);
        tcg_gen_binop(s, INDEX_op_shl, src, a, nm1);
        op = CC_OP_SHL;
    } else if (h == h_shr) {
        tcg_gen_binop(s, INDEX_op_shr, res, a, n);
        tcg_gen_binop(s, INDEX_op_shr, src, a, nm1);
        src2 = tr_temp(ctx);
        tcg_gen_shri(s, src2, a, bits - 1);
        op = CC_OP_SHR;
    } else {
        TCGv sa = tr_extend(ctx, a, size, true);
        tcg_gen_binop(s, INDEX_op_sar, res, sa, n);
        res = masked(ctx, res, size);
        tcg_gen_binop(s, INDEX_op_sar, src, sa, nm1);
        op = CC_OP_SAR;
    }
    tr_opnd_write(ctx, 0, keep_if_zero(ctx, n, a, res), &addr);
    TCGv old_op = tr_temp(ctx);
    tcg_gen_ld(s, INDEX_op_ld32u, old_op, offsetof(X86CPU, cc.op));
    TCGv new_op = keep_if_zero(ctx, n, old_op, tr_const(ctx, op + cc_size_index(size)));
    TCGv dst2 = keep_if_zero(ctx, n, ctx->g.cc_dst, res);
    TCGv src_2 = keep_if_zero(ctx, n, ctx->g.cc_src, src);
    TCGv src2_2 = keep_if_zero(ctx, n, ctx->g.cc_src2, src2);
    tcg_gen_mov(s, ctx->g.cc_dst, dst2);
    tcg_gen_mov(s, ctx->g.cc_src, src_2);
    tcg_gen_mov(s, ctx->g.cc_src2, src2_2);
    tcg_gen_st(s, INDEX_op_st32, new_op, offsetof(X86CPU, cc.op));
    ctx->cc_op = -1;
}

bool tr_shift(DisasContext *ctx)
{
    const X86Insn *insn = ctx->insn;
    X86Handler h = insn->row->handler;
    if (h != h_shl && h != h_shr && h != h_sar)
        return false;
    if (insn->row->nops != 2 || !tr_operand_ok(ctx, 0))
        return false;
    uint8_t k = insn->row->op[1].kind;
    if (k == OPK_REG && insn->row->op[1].reg == R_ECX && !insn->is_mem) {
        gen_shift_cl(ctx, h);
        return true;
    }
    if (k != OPK_I && k != OPK_ONE)
        return false;
    unsigned n = (unsigned)(k == OPK_ONE ? 1 : insn->imm) & (insn->opsz[0] == 8 ? 0x3f : 0x1f);
    gen_shift(ctx, h, n);
    return true;
}
