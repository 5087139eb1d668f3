/*
 * Native translation of data movement: MOV (registers, immediates,
 * memory), MOVZX/MOVSX/MOVSXD, LEA, the NOPs, SETcc and CMOVcc, XCHG of
 * registers, CBW/CWD and their wider forms, BSWAP, with the operand rules of
 * interp-move.c.
 */
#include "target-x86/translate-internal.h"

static bool two_ops_ok(DisasContext *ctx)
{
    return ctx->insn->row->nops == 2 && tr_operand_ok(ctx, 0) && tr_operand_ok(ctx, 1);
}

static bool tr_mov_like(DisasContext *ctx, X86Handler h)
{
    TCGv addr = TCG_NO_TEMP;
    if (!two_ops_ok(ctx))
        return false;
    TCGv v = tr_opnd_read(ctx, 1, &addr);
    if (h == h_movsx || h == h_movsxd) {
        unsigned from = h == h_movsxd ? 4 : ctx->insn->opsz[1];
        if (from != 8) {
            TCGv t = tr_temp(ctx);
            tcg_gen_unop(ctx->s, tr_ext_op(from, true), t, v);
            v = t;
        }
    }
    tr_opnd_write(ctx, 0, v, &addr);
    return true;
}

static bool tr_lea(DisasContext *ctx)
{
    const X86Insn *insn = ctx->insn;
    if (insn->row->nops != 2 || !insn->is_mem || !tr_operand_ok(ctx, 0))
        return false;
    tr_reg_write(ctx, insn->reg, insn->opsize, insn->rex != 0, tr_ea(ctx));
    return true;
}

static bool tr_setcc(DisasContext *ctx)
{
    TCGv addr = TCG_NO_TEMP;
    if (ctx->insn->row->nops != 1 || !tr_operand_ok(ctx, 0))
        return false;
    TCGv v = tr_cond_value(ctx, tr_cc_cond(ctx, ctx->insn->opcode & 15));
    tr_opnd_write(ctx, 0, v, &addr);
    return true;
}

static bool tr_cmovcc(DisasContext *ctx)
{
    const X86Insn *insn = ctx->insn;
    TCGv addr = TCG_NO_TEMP;
    if (!two_ops_ok(ctx) || insn->row->op[0].kind != OPK_G)
        return false;
    unsigned size = insn->opsize;
    TCGv src = tr_opnd_read(ctx, 1, &addr);   /* read (and fault) whatever the condition */
    DisasCond c = tr_cc_cond(ctx, insn->opcode & 15);
    TCGv old = tr_reg_read(ctx, insn->reg, size, insn->rex != 0);
    TCGv v = c.cond == TCG_COND_ALWAYS ? src : c.cond == TCG_COND_NEVER ? old : tr_temp(ctx);
    if (c.cond != TCG_COND_ALWAYS && c.cond != TCG_COND_NEVER)
        tcg_gen_movcond(ctx->s, c.cond, v, c.a, c.b, src, old);
    /* not taken: the same register value, zero-extended at 32 bits as the
     * interpreter does */
    tr_reg_write(ctx, insn->reg, size, insn->rex != 0, v);
    return true;
}

/* XCHG between registers (with memory it is bus-locked: the interpreter). */
static bool tr_xchg(DisasContext *ctx)
{
    TCGv addr = TCG_NO_TEMP;
    if (!two_ops_ok(ctx) || ctx->insn->is_mem)
        return false;
    TCGv a = tr_opnd_read(ctx, 0, &addr), b = tr_opnd_read(ctx, 1, &addr);
    tr_opnd_write(ctx, 0, b, &addr);
    tr_opnd_write(ctx, 1, a, &addr);
    return true;
}

/* CBW/CWDE/CDQE: rAX = the sign extension of its lower half. */
static bool tr_cbw(DisasContext *ctx)
{
    unsigned size = ctx->insn->opsize, half = size / 2;
    TCGv v = tr_reg_read(ctx, R_EAX, half, false);
    TCGv t = tr_temp(ctx);
    tcg_gen_unop(ctx->s, tr_ext_op(half, true), t, v);
    tr_reg_write(ctx, R_EAX, size, false, t);
    return true;
}

/* CWD/CDQ/CQO: rDX = the sign of rAX, all ones or zero. */
static bool tr_cwd(DisasContext *ctx)
{
    unsigned size = ctx->insn->opsize;
    TCGv v = tr_reg_read(ctx, R_EAX, size, false);
    TCGv t = tr_temp(ctx);
    if (size == 8)
        tcg_gen_mov(ctx->s, t, v);
    else
        tcg_gen_unop(ctx->s, tr_ext_op(size, true), t, v);
    tcg_gen_sari(ctx->s, t, t, 63);
    tr_reg_write(ctx, R_EDX, size, false, t);
    return true;
}

/* BSWAP r32/r64 (16-bit: undefined, the interpreter writes 0). */
static bool tr_bswap(DisasContext *ctx)
{
    TCGv addr = TCG_NO_TEMP;
    unsigned size = ctx->insn->opsz[0];
    if (ctx->insn->row->nops != 1 || !tr_operand_ok(ctx, 0))
        return false;
    TCGv v = tr_opnd_read(ctx, 0, &addr), t = tr_temp(ctx);
    if (size == 2) {
        tcg_gen_movi(ctx->s, t, 0);
    } else {
        tcg_gen_unop(ctx->s, INDEX_op_bswap64, t, v);
        if (size == 4)
            tcg_gen_shri(ctx->s, t, t, 32);
    }
    tr_opnd_write(ctx, 0, t, &addr);
    return true;
}

bool tr_move(DisasContext *ctx)
{
    X86Handler h = ctx->insn->row->handler;
    if (h == h_mov || h == h_movzx || h == h_movsx || h == h_movsxd)
        return tr_mov_like(ctx, h);
    if (h == h_lea)
        return tr_lea(ctx);
    if (h == h_nop)
        return true;
    if (h == h_setcc)
        return tr_setcc(ctx);
    if (h == h_cmovcc)
        return tr_cmovcc(ctx);
    if (h == h_xchg)
        return tr_xchg(ctx);
    if (h == h_cbw)
        return ctx->insn->opsize != 1 && tr_cbw(ctx);
    if (h == h_cwd)
        return tr_cwd(ctx);
    if (h == h_bswap)
        return tr_bswap(ctx);
    return false;
}
