/*
 * Native x86-64 code generation: one pass over the op list, each op
 * loading its inputs through the register allocator (x86_64-regalloc.c)
 * and emitting host instructions; branches to labels are patched at the
 * end, after the out-of-line guest memory slow paths (x86_64-ldst.c).
 */
#include "tcg/x86_64/x86_64-gen.h"

#include <glib.h>
#include <stdlib.h>
#include <string.h>

#define ALL X86_REGS_ALLOC

static TCGv arg(const TCGOp *op, int i) { return x86_arg_temp(op, i); }
static TCGv in_t(const TCGOp *op, int i) { return x86_arg_temp(op, op->nb_oargs + i); }
static uint64_t cargv(const TCGOp *op, int i) { return op->args[op->nb_oargs + op->nb_iargs + i]; }

/* TCG condition -> x86 condition code (after cmp a, b or test a, b). */
static const int8_t cond_cc[] = {
    [TCG_COND_EQ] = X86_CC_E, [TCG_COND_NE] = X86_CC_NE,
    [TCG_COND_LT] = X86_CC_L, [TCG_COND_GE] = X86_CC_GE,
    [TCG_COND_LE] = X86_CC_LE, [TCG_COND_GT] = X86_CC_G,
    [TCG_COND_LTU] = X86_CC_B, [TCG_COND_GEU] = X86_CC_AE,
    [TCG_COND_LEU] = X86_CC_BE, [TCG_COND_GTU] = X86_CC_A,
    [TCG_COND_TSTEQ] = X86_CC_E, [TCG_COND_TSTNE] = X86_CC_NE,
};

static bool const_s32(X86Gen *g, TCGv t)
{
    return x86_is_const(g, t) && x86_fits_s32((int64_t)x86_const_val(g, t));
}

/* Load the second compared value: -1 when it is an immediate (gen_compare). */
static int cmp_in(X86Gen *g, TCGv b)
{
    return const_s32(g, b) ? -1 : x86_temp_in(g, b, ALL);
}

/* Set the flags for condition c on ra and b (in rb, or an immediate when
 * rb < 0); returns the x86 cc. */
static int gen_compare(X86Gen *g, TCGCond c, int ra, TCGv b, int rb)
{
    bool tst = c == TCG_COND_TSTEQ || c == TCG_COND_TSTNE;
    if (rb < 0) {
        int32_t imm = (int32_t)x86_const_val(g, b);
        if (tst)
            x86_test_ri(&g->e, ra, imm);
        else if (imm == 0)
            x86_test_rr(&g->e, ra, ra);   /* same flags as cmp ra, 0 */
        else
            x86_alu_ri(&g->e, X86_ALU_CMP, ra, imm);
    } else {
        if (tst)
            x86_test_rr(&g->e, ra, rb);
        else
            x86_alu_rr(&g->e, X86_ALU_CMP, ra, rb);
    }
    return cond_cc[c];
}

static bool cond_valid(uint64_t c)
{
    return c <= TCG_COND_TSTNE;
}

/* ---- moves, arithmetic ---- */

static void gen_mov(X86Gen *g, const TCGOp *op)
{
    TCGv d = arg(op, 0), a = in_t(op, 0);
    if (d == a)
        return;
    int rd;
    if (x86_is_const(g, a) && g->ts[a].reg < 0) {
        rd = x86_out_reg(g, d, -1);
        x86_mov_ri(&g->e, rd, x86_const_val(g, a), true);
    } else {
        int ra = x86_temp_in(g, a, ALL);
        rd = x86_out_reg(g, d, x86_in_reusable(g, op, 0) ? ra : -1);
        x86_mov_rr(&g->e, rd, ra);
    }
    x86_bind_out(g, d, rd);
}

enum { K_ALU, K_MUL, K_ANDC };

static void gen_binop(X86Gen *g, const TCGOp *op, int kind, int alu)
{
    TCGv d = arg(op, 0);
    int ia = 0, ib = 1;
    bool commut = kind == K_MUL || (kind == K_ALU && alu != X86_ALU_SUB);
    if (commut && x86_is_const(g, in_t(op, 0)) && !x86_is_const(g, in_t(op, 1))) {
        ia = 1;
        ib = 0;
    }
    TCGv a = in_t(op, ia), b = in_t(op, ib);
    bool bimm = const_s32(g, b);
    int64_t imm = (int64_t)x86_const_val(g, b);
    if (kind == K_ANDC && x86_is_const(g, b)) {
        bimm = x86_fits_s32(~imm);
        imm = ~imm;
    }
    int rb = bimm ? -1 : x86_temp_in(g, b, ALL);
    int ra = x86_temp_in(g, a, ALL);
    int rd;
    if (x86_in_reusable(g, op, ia))
        rd = x86_out_reg(g, d, ra);
    else if (commut && rb >= 0 && x86_in_reusable(g, op, ib))
        rd = x86_out_reg(g, d, rb);
    else
        rd = x86_out_reg(g, d, -1);
    if (bimm) {
        if (kind == K_MUL) {
            x86_imul_rri(&g->e, rd, ra, (int32_t)imm);
        } else if (kind == K_ALU && alu == X86_ALU_ADD && rd != ra) {
            x86_lea(&g->e, rd, ra, X86_NO_REG, 0, (int32_t)imm);
        } else {
            x86_mov_rr(&g->e, rd, ra);
            x86_alu_ri(&g->e, alu, rd, (int32_t)imm);
        }
    } else if (kind == K_ANDC) {
        x86_mov_rr(&g->e, X86_TMP0, rb);
        x86_grp3(&g->e, X86_G3_NOT, X86_TMP0);
        x86_mov_rr(&g->e, rd, ra);
        x86_alu_rr(&g->e, X86_ALU_AND, rd, X86_TMP0);
    } else {
        int src = rb;
        if (rd == rb && rd != ra)
            src = ra;      /* commutative, the output took b's register */
        else
            x86_mov_rr(&g->e, rd, ra);
        if (kind == K_MUL)
            x86_imul_rr(&g->e, rd, src);
        else
            x86_alu_rr(&g->e, alu, rd, src);
    }
    x86_bind_out(g, d, rd);
}

static void gen_shift(X86Gen *g, const TCGOp *op, int sh)
{
    TCGv d = arg(op, 0), a = in_t(op, 0), b = in_t(op, 1);
    if (x86_is_const(g, b)) {
        int ra = x86_temp_in(g, a, ALL);
        int rd = x86_out_reg(g, d, x86_in_reusable(g, op, 0) ? ra : -1);
        x86_mov_rr(&g->e, rd, ra);
        x86_shift_ri(&g->e, sh, rd, (unsigned)x86_const_val(g, b) & 63);
        x86_bind_out(g, d, rd);
        return;
    }
    x86_temp_in(g, b, 1u << X86_RCX);
    int ra = x86_temp_in(g, a, ALL);
    int rd = (ra != X86_RCX && x86_in_reusable(g, op, 0)) ? ra : -1;
    if (rd < 0)
        rd = x86_out_reg(g, d, x86_reg_alloc(g, ALL & ~(1u << X86_RCX)));
    else
        rd = x86_out_reg(g, d, rd);
    x86_mov_rr(&g->e, rd, ra);
    x86_shift_cl(&g->e, sh, rd);
    x86_bind_out(g, d, rd);
}

static void gen_mul2(X86Gen *g, const TCGOp *op, bool sign)
{
    TCGv lo = arg(op, 0), hi = arg(op, 1), a = in_t(op, 0), b = in_t(op, 1);
    x86_reg_take(g, X86_RAX);
    g->locked |= 1u << X86_RAX;
    x86_reg_take(g, X86_RDX);
    g->locked |= 1u << X86_RDX;
    int rb;
    if (x86_is_const(g, b) || b == tcg_env()) {
        rb = X86_TMP0;
        x86_load_copy(g, b, rb);
    } else {
        rb = x86_temp_in(g, b, ALL);
    }
    x86_load_copy(g, a, X86_RAX);
    x86_grp3(&g->e, sign ? X86_G3_IMUL : X86_G3_MUL, rb);
    x86_bind_out(g, lo, X86_RAX);
    if (hi != lo)
        x86_bind_out(g, hi, X86_RDX);
}

static void gen_unop(X86Gen *g, const TCGOp *op)
{
    TCGv d = arg(op, 0), a = in_t(op, 0);
    int ra = x86_temp_in(g, a, ALL);
    int rd = x86_out_reg(g, d, x86_in_reusable(g, op, 0) ? ra : -1);
    switch (op->opc) {
    case INDEX_op_neg: x86_mov_rr(&g->e, rd, ra); x86_grp3(&g->e, X86_G3_NEG, rd); break;
    case INDEX_op_not: x86_mov_rr(&g->e, rd, ra); x86_grp3(&g->e, X86_G3_NOT, rd); break;
    case INDEX_op_bswap64: x86_mov_rr(&g->e, rd, ra); x86_bswap64(&g->e, rd); break;
    case INDEX_op_ext8s: x86_ext(&g->e, rd, ra, 0, true); break;
    case INDEX_op_ext8u: x86_ext(&g->e, rd, ra, 0, false); break;
    case INDEX_op_ext16s: x86_ext(&g->e, rd, ra, 1, true); break;
    case INDEX_op_ext16u: x86_ext(&g->e, rd, ra, 1, false); break;
    case INDEX_op_ext32s: x86_ext(&g->e, rd, ra, 2, true); break;
    default: x86_ext(&g->e, rd, ra, 2, false); break;   /* ext32u */
    }
    x86_bind_out(g, d, rd);
}

static void gen_setcond(X86Gen *g, const TCGOp *op)
{
    TCGv d = arg(op, 0), a = in_t(op, 0), b = in_t(op, 1);
    uint64_t c = cargv(op, 0);
    if (!cond_valid(c) || c == TCG_COND_NEVER || c == TCG_COND_ALWAYS) {
        int rd = x86_out_reg(g, d, -1);
        x86_mov_ri(&g->e, rd, c == TCG_COND_ALWAYS, true);
        x86_bind_out(g, d, rd);
        return;
    }
    int ra = x86_temp_in(g, a, ALL);
    int rb = cmp_in(g, b);
    int rd = x86_out_reg(g, d, x86_in_reusable(g, op, 0) ? ra : -1);
    int cc = gen_compare(g, (TCGCond)c, ra, b, rb);
    x86_setcc(&g->e, cc, rd);
    x86_ext(&g->e, rd, rd, 0, false);
    x86_bind_out(g, d, rd);
}

static void gen_movcond(X86Gen *g, const TCGOp *op)
{
    TCGv d = arg(op, 0), a = in_t(op, 0), b = in_t(op, 1), v1 = in_t(op, 2), v2 = in_t(op, 3);
    uint64_t c = cargv(op, 0);
    if (!cond_valid(c))
        c = TCG_COND_NEVER;
    int ra = x86_temp_in(g, a, ALL);
    int rb = cmp_in(g, b);
    int r1 = x86_temp_in(g, v1, ALL);
    int r2 = x86_temp_in(g, v2, ALL);
    int rd;
    if (c == TCG_COND_ALWAYS || c == TCG_COND_NEVER) {
        int src = c == TCG_COND_ALWAYS ? r1 : r2;
        rd = x86_out_reg(g, d, -1);
        x86_mov_rr(&g->e, rd, src);
    } else {
        rd = x86_out_reg(g, d, x86_in_reusable(g, op, 3) ? r2 : -1);
        x86_mov_rr(&g->e, rd, r2);
        int cc = gen_compare(g, (TCGCond)c, ra, b, rb);
        x86_cmovcc(&g->e, cc, rd, r1);
    }
    x86_bind_out(g, d, rd);
}

/* ---- env loads and stores ---- */

static void gen_ld(X86Gen *g, const TCGOp *op, unsigned lg, bool sign)
{
    TCGv d = arg(op, 0);
    int rd = x86_out_reg(g, d, -1);
    x86_load(&g->e, rd, X86_ENV_REG, X86_NO_REG, (int32_t)cargv(op, 0), lg, sign);
    x86_bind_out(g, d, rd);
}

static void gen_st(X86Gen *g, const TCGOp *op, unsigned lg)
{
    TCGv a = in_t(op, 0);
    int32_t disp = (int32_t)cargv(op, 0);
    if (const_s32(g, a) && g->ts[a].reg < 0) {
        static const unsigned opc[4] = { X86_OP_MOV_STIB, X86_P_66 | X86_OP_MOV_STI,
                                         X86_OP_MOV_STI, X86_P_W | X86_OP_MOV_STI };
        uint64_t v = x86_const_val(g, a);
        x86_op_m(&g->e, opc[lg], 0, X86_ENV_REG, X86_NO_REG, 0, disp);
        if (lg == 0)
            x86_emit_u8(&g->e, v);
        else if (lg == 1)
            x86_emit_u16(&g->e, v);
        else
            x86_emit_u32(&g->e, v);
        return;
    }
    int ra = x86_temp_in(g, a, ALL);
    x86_store(&g->e, ra, X86_ENV_REG, X86_NO_REG, disp, lg);
}

/* ---- helper calls ---- */

static const int8_t call_arg_regs[TCG_MAX_CALL_ARGS] = {
    X86_RDI, X86_RSI, X86_RDX, X86_RCX, X86_R8, X86_R9,
};

static void gen_call(X86Gen *g, const TCGOp *op)
{
    const TCGHelperInfo *info = (const TCGHelperInfo *)(uintptr_t)cargv(op, 0);
    TCGv d = op->nb_oargs ? arg(op, 0) : TCG_NO_TEMP;
    int nargs = op->nb_iargs < TCG_MAX_CALL_ARGS ? op->nb_iargs : TCG_MAX_CALL_ARGS;
    x86_sync_globals(g);
    /* Empty the caller-saved registers, keeping what lives on (and the arguments). */
    for (int r = 0; r < 16; r++) {
        TCGv t = g->reg_temp[r];
        if (t < 0 || !(X86_REGS_CALLER_SAVED >> r & 1))
            continue;
        bool needed = !x86_dead_now(g, t);
        for (int i = 0; i < op->nb_iargs; i++)
            if (in_t(op, i) == t)
                needed = true;
        if (needed)
            x86_temp_store(g, t);
        x86_temp_unbind(g, t);
    }
    for (int i = 0; i < nargs; i++)
        x86_load_copy(g, in_t(op, i), call_arg_regs[i]);
    x86_call_abs(&g->e, info->func, X86_TMP1);
    if (!(info->flags & TCG_CALL_NO_WRITE_GLOBALS))
        x86_forget_globals(g);
    if (d >= 0 && info->ret != TCG_TYPE_VOID) {
        if (info->ret == TCG_TYPE_I32)
            x86_mov_rr32(&g->e, X86_RAX, X86_RAX);
        g->locked |= 1u << X86_RAX;
        x86_bind_out(g, d, X86_RAX);
    }
}

/* ---- control flow ---- */

static void add_reloc(X86Gen *g, size_t at, uint64_t label)
{
    if (label >= (uint64_t)g->s->nb_labels) {
        g->failed = true;
        return;
    }
    if (g->nb_relocs == g->cap_relocs) {
        g->cap_relocs = g->cap_relocs ? g->cap_relocs * 2 : 16;
        g->relocs = g_renew(X86Reloc, g->relocs, g->cap_relocs);
    }
    g->relocs[g->nb_relocs++] = (X86Reloc){ at, (int)label };
}

static void gen_brcond(X86Gen *g, const TCGOp *op)
{
    TCGv a = in_t(op, 0), b = in_t(op, 1);
    uint64_t c = cargv(op, 0);
    if (!cond_valid(c))
        c = TCG_COND_NEVER;
    if (c == TCG_COND_NEVER || c == TCG_COND_ALWAYS) {
        x86_bb_end(g, c == TCG_COND_ALWAYS);
        if (c == TCG_COND_ALWAYS)
            add_reloc(g, x86_jmp32(&g->e), cargv(op, 1));
        return;
    }
    int ra = x86_temp_in(g, a, ALL);
    int rb = cmp_in(g, b);
    x86_bb_end(g, false);    /* stores only: the registers keep their values */
    int cc = gen_compare(g, (TCGCond)c, ra, b, rb);
    add_reloc(g, x86_jcc32(&g->e, cc), cargv(op, 1));
}

static void gen_set_label(X86Gen *g, const TCGOp *op)
{
    uint64_t l = cargv(op, 0);
    x86_bb_end(g, true);
    if (l < (uint64_t)g->s->nb_labels)
        g->label_pos[l] = (int64_t)g->e.pos;
    else
        g->failed = true;
}

static void gen_goto_tb(X86Gen *g, const TCGOp *op, TCGCodeInfo *info)
{
    unsigned slot = cargv(op, 0) & 1;
    x86_bb_end(g, true);
    /* the rel32 (after the 1-byte opcode) must be 4-byte aligned for patch_jump */
    x86_nops(&g->e, (4 - ((uintptr_t)g->e.buf + g->e.pos + 1) % 4) % 4);
    info->jmp_insn_offset[slot] = (uint32_t)g->e.pos;
    x86_jmp32(&g->e);
    info->jmp_reset_offset[slot] = (uint32_t)g->e.pos;
}

static void gen_exit_tb(X86Gen *g, uint64_t val)
{
    x86_bb_end(g, true);
    x86_mov_ri(&g->e, X86_RAX, val, true);
    x86_ret(&g->e);
}

static void gen_goto_ptr(X86Gen *g, const TCGOp *op)
{
    int ra = x86_temp_in(g, in_t(op, 0), ALL);
    x86_bb_end(g, true);
    x86_test_rr(&g->e, ra, ra);
    x86_emit_u8(&g->e, 0x74);          /* je +3: over the jmp */
    x86_emit_u8(&g->e, ra >= 8 ? 3 : 2);
    x86_jmp_r(&g->e, ra);
    x86_mov_ri(&g->e, X86_RAX, 0, true);
    x86_ret(&g->e);
}

/* ---- the op dispatcher ---- */

static void gen_op(X86Gen *g, const TCGOp *op, TCGCodeInfo *info)
{
    switch ((TCGOpcode)op->opc) {
    case INDEX_op_insn_start: break;
    case INDEX_op_mov: gen_mov(g, op); break;
    case INDEX_op_add: gen_binop(g, op, K_ALU, X86_ALU_ADD); break;
    case INDEX_op_sub: gen_binop(g, op, K_ALU, X86_ALU_SUB); break;
    case INDEX_op_and: gen_binop(g, op, K_ALU, X86_ALU_AND); break;
    case INDEX_op_or: gen_binop(g, op, K_ALU, X86_ALU_OR); break;
    case INDEX_op_xor: gen_binop(g, op, K_ALU, X86_ALU_XOR); break;
    case INDEX_op_mul: gen_binop(g, op, K_MUL, 0); break;
    case INDEX_op_andc: gen_binop(g, op, K_ANDC, X86_ALU_AND); break;
    case INDEX_op_shl: gen_shift(g, op, X86_SH_SHL); break;
    case INDEX_op_shr: gen_shift(g, op, X86_SH_SHR); break;
    case INDEX_op_sar: gen_shift(g, op, X86_SH_SAR); break;
    case INDEX_op_rotl: gen_shift(g, op, X86_SH_ROL); break;
    case INDEX_op_rotr: gen_shift(g, op, X86_SH_ROR); break;
    case INDEX_op_mulu2: gen_mul2(g, op, false); break;
    case INDEX_op_muls2: gen_mul2(g, op, true); break;
    case INDEX_op_neg: case INDEX_op_not: case INDEX_op_bswap64:
    case INDEX_op_ext8s: case INDEX_op_ext8u: case INDEX_op_ext16s:
    case INDEX_op_ext16u: case INDEX_op_ext32s: case INDEX_op_ext32u:
        gen_unop(g, op);
        break;
    case INDEX_op_setcond: gen_setcond(g, op); break;
    case INDEX_op_movcond: gen_movcond(g, op); break;
    case INDEX_op_ld8u: gen_ld(g, op, 0, false); break;
    case INDEX_op_ld8s: gen_ld(g, op, 0, true); break;
    case INDEX_op_ld16u: gen_ld(g, op, 1, false); break;
    case INDEX_op_ld16s: gen_ld(g, op, 1, true); break;
    case INDEX_op_ld32u: gen_ld(g, op, 2, false); break;
    case INDEX_op_ld32s: gen_ld(g, op, 2, true); break;
    case INDEX_op_ld64: gen_ld(g, op, 3, false); break;
    case INDEX_op_st8: gen_st(g, op, 0); break;
    case INDEX_op_st16: gen_st(g, op, 1); break;
    case INDEX_op_st32: gen_st(g, op, 2); break;
    case INDEX_op_st64: gen_st(g, op, 3); break;
    case INDEX_op_qemu_ld: x86_gen_qemu_ld(g, op); break;
    case INDEX_op_qemu_st: x86_gen_qemu_st(g, op); break;
    case INDEX_op_call: gen_call(g, op); break;
    case INDEX_op_br:
        x86_bb_end(g, true);
        add_reloc(g, x86_jmp32(&g->e), cargv(op, 0));
        break;
    case INDEX_op_brcond: gen_brcond(g, op); break;
    case INDEX_op_set_label: gen_set_label(g, op); break;
    case INDEX_op_goto_tb: gen_goto_tb(g, op, info); break;
    case INDEX_op_exit_tb: gen_exit_tb(g, cargv(op, 0)); break;
    case INDEX_op_goto_ptr: gen_goto_ptr(g, op); break;
    case INDEX_op_discard:
        if (x86_kind(g, in_t(op, 0)) == TEMP_LOCAL)
            x86_temp_free(g, in_t(op, 0));
        break;
    default:
        g->failed = true;
        break;
    }
    x86_op_done(g, op);
}

/* ---- whole-block analysis and driver ---- */

/* Last use of each temp; backward branches (loops) make it meaningless. */
static bool analyze(X86Gen *g)
{
    TCGContext *s = g->s;
    int64_t *label_at = g->label_pos;     /* reused as the op index of set_label */
    for (int l = 0; l < s->nb_labels; l++)
        label_at[l] = -1;
    for (int i = 0; i < s->nb_ops; i++) {
        const TCGOp *op = &s->ops[i];
        if (op->nb_oargs + op->nb_iargs + op->nb_cargs > TCG_MAX_OP_ARGS)
            return false;
        for (int k = 0; k < op->nb_oargs + op->nb_iargs; k++) {
            TCGv t = arg(op, k);
            if (t == TCG_NO_TEMP && op->opc == INDEX_op_call && k < op->nb_oargs)
                continue;
            if (t < 0 || t >= s->nb_temps)
                return false;
            g->last_use[t] = i;
        }
        uint64_t l = op->nb_cargs ? cargv(op, op->opc == INDEX_op_brcond ? 1 : 0) : 0;
        if (op->opc == INDEX_op_set_label && l < (uint64_t)s->nb_labels)
            label_at[l] = i;
        if ((op->opc == INDEX_op_br || op->opc == INDEX_op_brcond) &&
            l < (uint64_t)s->nb_labels && label_at[l] >= 0)
            g->loops = true;
    }
    for (int l = 0; l < s->nb_labels; l++)
        label_at[l] = -1;
    return true;
}

static void gen_free(X86Gen *g)
{
    g_free(g->ts);
    g_free(g->last_use);
    g_free(g->label_pos);
    g_free(g->relocs);
    g_free(g->slow);
    g_free(g->free_slots);
}

static bool x86_64_gen_code(TCGContext *s, uint8_t *buf, size_t size, TCGCodeInfo *info)
{
    X86Gen g = { .e = { .buf = buf, .size = size }, .s = s };
    g.ts = g_new(X86TempState, s->nb_temps);
    for (int t = 0; t < s->nb_temps; t++)
        g.ts[t] = (X86TempState){ .reg = -1, .coherent = true, .slot = -1 };
    g.ts[0].reg = X86_ENV_REG;
    g.last_use = g_new0(int32_t, s->nb_temps);
    g.label_pos = g_new(int64_t, s->nb_labels + 1);
    g.free_slots = g_new(int32_t, s->nb_temps + 1);
    memset(g.reg_temp, -1, sizeof(g.reg_temp));
    for (int i = 0; i < 2; i++)
        info->jmp_insn_offset[i] = info->jmp_reset_offset[i] = UINT32_MAX;

    g.failed = !analyze(&g);
    for (int i = 0; i < s->nb_ops && !g.failed && !g.e.overflow; i++) {
        g.op_idx = i;
        gen_op(&g, &s->ops[i], info);
    }
    /* falling off the end: leave with 0 (env up to date) */
    g.op_idx = s->nb_ops;
    TCGOpcode last = s->nb_ops ? (TCGOpcode)s->ops[s->nb_ops - 1].opc : INDEX_op_nb;
    if (last != INDEX_op_exit_tb && last != INDEX_op_goto_ptr && last != INDEX_op_br)
        gen_exit_tb(&g, 0);
    x86_gen_slow_paths(&g);
    int64_t nowhere = -1;          /* target of branches to labels never set */
    for (int i = 0; i < g.nb_relocs; i++) {
        int64_t pos = g.label_pos[g.relocs[i].label];
        if (pos < 0 && nowhere < 0) {
            nowhere = (int64_t)g.e.pos;
            x86_mov_ri(&g.e, X86_RAX, 0, true);
            x86_ret(&g.e);
        }
        x86_patch_rel32(&g.e, g.relocs[i].at, (size_t)(pos >= 0 ? pos : nowhere));
    }
    /* failed: a malformed op list or more live temps than spill slots */
    bool ok = !g.failed && !g.e.overflow;
    info->size = (uint32_t)g.e.pos;
    gen_free(&g);
    return ok;
}

/* ---- prologue, execution, chaining ---- */

static const int8_t saved_regs[] = { X86_RBP, X86_RBX, X86_R12, X86_R13, X86_R14, X86_R15 };

/*
 * uintptr_t prologue(void *env, const uint8_t *code): save the callee-saved
 * registers (6 pushes keep rsp = 8 mod 16), ENV = env, reserve the spill
 * frame, `call code` (so the block's [rsp] is the return address and
 * rsp = 0 mod 16 at its helper calls); the blocks leave with `ret`, into
 * the epilogue below.
 */
static size_t x86_64_gen_prologue(uint8_t *buf, size_t size)
{
    X86Emit e = { .buf = buf, .size = size };
    for (unsigned i = 0; i < sizeof(saved_regs); i++)
        x86_push(&e, saved_regs[i]);
    x86_mov_rr(&e, X86_ENV_REG, X86_RDI);
    x86_op_r(&e, X86_P_W | X86_OP_GRP1_ID, X86_ALU_SUB, X86_RSP);
    x86_emit_u32(&e, X86_FRAME_BYTES);
    x86_op_r(&e, X86_OP_GRP5, X86_G5_CALL, X86_RSI);
    x86_op_r(&e, X86_P_W | X86_OP_GRP1_ID, X86_ALU_ADD, X86_RSP);
    x86_emit_u32(&e, X86_FRAME_BYTES);
    for (int i = (int)sizeof(saved_regs) - 1; i >= 0; i--)
        x86_pop(&e, saved_regs[i]);
    x86_ret(&e);
    return e.overflow ? 0 : e.pos;
}

static uintptr_t x86_64_exec(const uint8_t *prologue, void *env, const uint8_t *code)
{
    uintptr_t (*entry)(void *, const uint8_t *);
    entry = (uintptr_t (*)(void *, const uint8_t *))(uintptr_t)prologue;
    return entry(env, code);
}

static void x86_64_patch_jump(uint8_t *jump, const uint8_t *target)
{
    int64_t disp = (intptr_t)target - (intptr_t)(jump + 5);
    if (!x86_fits_s32(disp))
        abort();   /* the code buffer is smaller than 2 GiB */
    /* aligned 4-byte store: atomic for the other vCPU threads */
    __atomic_store_n((uint32_t *)(void *)(jump + 1), (uint32_t)disp, __ATOMIC_RELEASE);
}

static void x86_64_flush_icache(uint8_t *start, size_t len)
{
    (void)start;
    (void)len;      /* x86 keeps instruction fetch coherent with stores */
}

const TCGBackend tcg_backend_x86_64 = {
    .name = "x86_64",
    .gen_prologue = x86_64_gen_prologue,
    .gen_code = x86_64_gen_code,
    .exec = x86_64_exec,
    .patch_jump = x86_64_patch_jump,
    .flush_icache = x86_64_flush_icache,
    .native = true,
};
