/*
 * Native translation of BT BTS BTR BTC with a register operand (any bit
 * offset) or a memory operand and an immediate offset (a register offset
 * into memory addresses a bit string: the interpreter's handler). CF is
 * the bit, the other flags stay (explicit flags, as interp-bitops.c).
 */
#include "target-x86/translate-internal.h"

enum { BT_TEST, BT_SET, BT_RESET, BT_COMPLEMENT };

static int bt_kind(X86Handler h)
{
    return h == h_bt ? BT_TEST : h == h_bts ? BT_SET : h == h_btr ? BT_RESET :
           h == h_btc ? BT_COMPLEMENT : -1;
}

bool tr_bitops(DisasContext *ctx)
{
    TCGContext *s = ctx->s;
    const X86Insn *insn = ctx->insn;
    int kind = bt_kind(insn->row->handler);
    if (kind < 0 || insn->row->nops != 2 || !tr_operand_ok(ctx, 0) || !tr_operand_ok(ctx, 1))
        return false;
    bool imm = insn->row->op[1].kind == OPK_I;
    if (insn->is_mem && !imm)
        return false;
    unsigned size = insn->opsz[0], bits = size * 8;
    TCGv addr = TCG_NO_TEMP, bit = tr_temp(ctx);
    if (imm) {
        tcg_gen_movi(s, bit, insn->imm & 0xff & (bits - 1));
    } else {
        TCGv off = tr_opnd_read(ctx, 1, &addr);
        tcg_gen_andi(s, bit, off, bits - 1);
    }
    TCGv v = tr_opnd_read(ctx, 0, &addr);
    TCGv cf = tr_temp(ctx), one = tr_temp(ctx), nv = tr_temp(ctx);
    tcg_gen_binop(s, INDEX_op_shr, cf, v, bit);
    tcg_gen_andi(s, cf, cf, 1);
    if (kind != BT_TEST) {
        tcg_gen_binop(s, INDEX_op_shl, one, tr_const(ctx, 1), bit);
        if (kind == BT_SET)
            tcg_gen_or(s, nv, v, one);
        else if (kind == BT_RESET)
            tcg_gen_binop(s, INDEX_op_andc, nv, v, one);
        else
            tcg_gen_xor(s, nv, v, one);
        tr_opnd_write(ctx, 0, nv, &addr);
    }
    tr_cc_replace(ctx, CC_C, cf);
    return true;
}
