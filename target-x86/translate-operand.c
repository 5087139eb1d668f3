/*
 * Operands in translated code: general registers at 8/16/32/64 bits with
 * the interpreter's merge rules (AH..BH without REX, 32-bit writes
 * zero-extend), immediates, and memory operands through translate-mem.c.
 */
#include "target-x86/translate-internal.h"

TCGv tr_reg_read(DisasContext *ctx, int reg, unsigned size, bool rex)
{
    TCGContext *s = ctx->s;
    TCGv v = tr_temp(ctx);
    if (size == 8) {   /* a copy: the register may be written before v's last use */
        tcg_gen_mov(s, v, ctx->g.regs[reg]);
        return v;
    }
    if (size == 1 && !rex && reg >= 4 && reg < 8) {
        tcg_gen_shri(s, v, ctx->g.regs[reg - 4], 8);
        tcg_gen_unop(s, INDEX_op_ext8u, v, v);
        return v;
    }
    TCGOpcode ext = size == 1 ? INDEX_op_ext8u : size == 2 ? INDEX_op_ext16u : INDEX_op_ext32u;
    tcg_gen_unop(s, ext, v, ctx->g.regs[reg]);
    return v;
}

/* r = (r & ~(mask << shift)) | ((v & mask) << shift) */
static void deposit(DisasContext *ctx, TCGv r, TCGv v, uint64_t mask, unsigned shift)
{
    TCGContext *s = ctx->s;
    TCGv t = tr_temp(ctx);
    tcg_gen_andi(s, t, v, mask);
    if (shift)
        tcg_gen_shli(s, t, t, shift);
    tcg_gen_andi(s, r, r, ~(mask << shift));
    tcg_gen_or(s, r, r, t);
}

void tr_reg_write(DisasContext *ctx, int reg, unsigned size, bool rex, TCGv v)
{
    TCGContext *s = ctx->s;
    switch (size) {
    case 1:
        if (!rex && reg >= 4 && reg < 8)
            deposit(ctx, ctx->g.regs[reg - 4], v, 0xff, 8);
        else
            deposit(ctx, ctx->g.regs[reg], v, 0xff, 0);
        break;
    case 2:
        deposit(ctx, ctx->g.regs[reg], v, 0xffff, 0);
        break;
    case 4:
        tcg_gen_unop(s, INDEX_op_ext32u, ctx->g.regs[reg], v);
        break;
    default:
        tcg_gen_mov(s, ctx->g.regs[reg], v);
        break;
    }
}

int tr_opnd_reg(const X86Insn *insn, unsigned i)
{
    const X86OperandSpec *op = &insn->row->op[i];
    switch (op->kind) {
    case OPK_E: case OPK_M: case OPK_R: return insn->rm;
    case OPK_G: return insn->reg;
    case OPK_Z: return zreg(insn);
    case OPK_REG: return op->reg;
    default: return -1;
    }
}

static bool size_ok(unsigned size)
{
    return size == 1 || size == 2 || size == 4 || size == 8;
}

bool tr_operand_ok(DisasContext *ctx, unsigned i)
{
    const X86Insn *insn = ctx->insn;
    if (i >= insn->row->nops)
        return false;
    switch (insn->row->op[i].kind) {
    case OPK_E: case OPK_M: case OPK_R:
        return size_ok(insn->opsz[i]) && (!insn->is_mem || tr_mem_ok(ctx));
    case OPK_O:
        return size_ok(insn->opsz[i]) && tr_mem_ok(ctx);
    case OPK_G: case OPK_Z: case OPK_REG:
        return size_ok(insn->opsz[i]);
    case OPK_I: case OPK_ONE:
        return true;
    default:
        return false;
    }
}

/* The register-operand rex rule: OPK_REG names AL..BH/AX.. without REX. */
static bool opnd_rex(const X86Insn *insn, unsigned i)
{
    return insn->row->op[i].kind == OPK_REG ? false : insn->rex != 0;
}

static bool opnd_is_mem(const X86Insn *insn, unsigned i)
{
    uint8_t k = insn->row->op[i].kind;
    return k == OPK_O || ((k == OPK_E || k == OPK_M || k == OPK_R) && insn->is_mem);
}

static TCGv opnd_addr(DisasContext *ctx, TCGv *addr)
{
    if (*addr == TCG_NO_TEMP)
        *addr = tr_linear(ctx);
    return *addr;
}

TCGv tr_opnd_read(DisasContext *ctx, unsigned i, TCGv *addr)
{
    const X86Insn *insn = ctx->insn;
    unsigned size = insn->opsz[i];
    switch (insn->row->op[i].kind) {
    case OPK_I: return tr_const(ctx, insn->imm);
    case OPK_ONE: return tr_const(ctx, 1);
    default: break;
    }
    if (opnd_is_mem(insn, i))
        return tr_load(ctx, opnd_addr(ctx, addr), size);
    return tr_reg_read(ctx, tr_opnd_reg(insn, i), size, opnd_rex(insn, i));
}

void tr_opnd_write(DisasContext *ctx, unsigned i, TCGv v, TCGv *addr)
{
    const X86Insn *insn = ctx->insn;
    unsigned size = insn->opsz[i];
    if (opnd_is_mem(insn, i)) {
        tr_store(ctx, opnd_addr(ctx, addr), v, size);
        return;
    }
    tr_reg_write(ctx, tr_opnd_reg(insn, i), size, opnd_rex(insn, i), v);
}
