/*
 * Native translation of near control transfer and the stack: Jcc, JMP
 * rel and CALL rel (direct exits through goto_tb), JMP/CALL r/m and RET
 * near (exit to the loop), PUSH of a register or an immediate, POP to a
 * register, LEAVE (interp-branch.c,
 * interp-stack.c: memory before rsp, the target checked first).
 */
#include "target-x86/translate-internal.h"

static bool tr_jcc(DisasContext *ctx)
{
    uint64_t target;
    if (!tr_branch_target(ctx, ctx->next_pc + ctx->insn->imm, &target))
        return false;   /* taken would fault: the interpreter decides */
    DisasCond c = tr_cc_cond(ctx, ctx->insn->opcode & 15);
    if (c.cond == TCG_COND_ALWAYS) {
        tr_goto(ctx, 0, target);
        return true;
    }
    if (c.cond == TCG_COND_NEVER) {
        tr_goto(ctx, 1, ctx->next_pc);
        return true;
    }
    int taken = tcg_new_label(ctx->s);
    tcg_gen_brcond(ctx->s, c.cond, c.a, c.b, taken);
    tr_goto(ctx, 1, ctx->next_pc);
    tcg_gen_set_label(ctx->s, taken);
    tr_goto(ctx, 0, target);
    return true;
}

static bool tr_indirect(DisasContext *ctx, bool call);

static bool tr_jmp(DisasContext *ctx)
{
    uint64_t target;
    if (ctx->insn->row->op[0].kind != OPK_J)
        return tr_indirect(ctx, false);
    if (!tr_branch_target(ctx, ctx->next_pc + ctx->insn->imm, &target))
        return false;
    tr_goto(ctx, 0, target);
    return true;
}

/* Push v (`size` bytes) as stack_push does: memory, then rsp. */
static void gen_push(DisasContext *ctx, TCGv v, unsigned size)
{
    TCGv sp = tr_sp_offset(ctx, -(int64_t)size);
    tr_store(ctx, sp, v, size);
    tr_set_rsp(ctx, sp);
}

static bool tr_call_rel(DisasContext *ctx)
{
    uint64_t target;
    unsigned size = ctx->insn->opsize;
    if (ctx->insn->row->op[0].kind != OPK_J || !tr_stack_ok(ctx, size) ||
        !tr_branch_target(ctx, ctx->next_pc + ctx->insn->imm, &target))
        return false;
    gen_push(ctx, tr_const(ctx, ctx->next_pc), size);
    tr_goto(ctx, 0, target);
    return true;
}

static void helper_raise_gp0(X86CPU *cpu)
{
    x86_raise_exception_err(cpu, EXCP_GP, 0);
}

static TCGHelperInfo info_raise_gp0 = {
    .func = (void *)helper_raise_gp0, .name = "raise_gp0", .ret = TCG_TYPE_VOID,
    .nargs = 1, .args = { TCG_TYPE_PTR },
};

/* Operand sizes of indirect branches done natively: the mode's natural
 * one (the target needs no truncation). */
static bool natural_size(DisasContext *ctx, unsigned size)
{
    return size == (ctx->code64 ? 8u : 4u);
}

/* checked_target at run time: #GP(0) unless canonical (64-bit mode) or
 * inside CS (the CS limit is part of the block's key). */
static void gen_check_target(DisasContext *ctx, TCGv target)
{
    TCGContext *s = ctx->s;
    int ok = tcg_new_label(s);
    /* on the path both ways take: tr_mark_start stores only once per
     * instruction, and the push or load after this may fault too */
    tr_mark_start(ctx);
    if (ctx->code64) {
        TCGv t = tr_temp(ctx);
        tcg_gen_shli(s, t, target, 16);
        tcg_gen_sari(s, t, t, 16);
        tcg_gen_brcond(s, TCG_COND_EQ, t, target, ok);
    } else {
        tcg_gen_brcond(s, TCG_COND_LEU, target, tr_const(ctx, ctx->cpu->seg[R_CS].limit), ok);
    }
    tr_call(ctx, &info_raise_gp0, TCG_NO_TEMP, tcg_env(), TCG_NO_TEMP, TCG_NO_TEMP);
    tcg_gen_set_label(s, ok);
}

/* RET / RET imm16. */
static bool tr_ret(DisasContext *ctx)
{
    const X86Insn *insn = ctx->insn;
    unsigned size = insn->opsize;
    if (!tr_stack_ok(ctx, size) || !natural_size(ctx, size))
        return false;
    unsigned extra = insn->row->nops ? (unsigned)(insn->imm & 0xffff) : 0;
    TCGv target = tr_load(ctx, tr_sp_offset(ctx, 0), size);
    gen_check_target(ctx, target);
    tr_set_rsp(ctx, tr_sp_offset(ctx, (int64_t)(size + extra)));
    tcg_gen_mov(ctx->s, ctx->g.rip, target);
    tr_exit_lookup(ctx);
    return true;
}

/* JMP r/m, CALL r/m (near, indirect): the target checked before the push. */
static bool tr_indirect(DisasContext *ctx, bool call)
{
    const X86Insn *insn = ctx->insn;
    unsigned size = insn->opsize;
    TCGv addr = TCG_NO_TEMP;
    uint8_t k = insn->row->op[0].kind;
    if (insn->row->nops != 1 || (k != OPK_E && k != OPK_M && k != OPK_R) ||
        !tr_operand_ok(ctx, 0) || !natural_size(ctx, size) || (call && !tr_stack_ok(ctx, size)))
        return false;
    TCGv target = tr_opnd_read(ctx, 0, &addr);
    gen_check_target(ctx, target);
    if (call) {
        TCGv sp = tr_sp_offset(ctx, -(int64_t)size);
        tr_store(ctx, sp, tr_const(ctx, ctx->next_pc), size);
        tr_set_rsp(ctx, sp);
    }
    tcg_gen_mov(ctx->s, ctx->g.rip, target);
    tr_exit_lookup(ctx);
    return true;
}

/* LEAVE: rsp = rbp, pop rbp (the load first). */
static bool tr_leave(DisasContext *ctx)
{
    TCGContext *s = ctx->s;
    unsigned size = ctx->insn->opsize;
    if (!tr_stack_ok(ctx, size))
        return false;
    TCGv bp = tr_temp(ctx);
    if (ctx->code64)
        tcg_gen_mov(s, bp, ctx->g.regs[R_EBP]);
    else
        tcg_gen_unop(s, INDEX_op_ext32u, bp, ctx->g.regs[R_EBP]);
    TCGv v = tr_load(ctx, bp, size);
    TCGv sp = tr_temp(ctx);
    tcg_gen_addi(s, sp, bp, size);
    tr_set_rsp(ctx, sp);
    tr_reg_write(ctx, R_EBP, size, false, v);
    return true;
}

static bool tr_push(DisasContext *ctx)
{
    const X86Insn *insn = ctx->insn;
    TCGv addr = TCG_NO_TEMP;
    unsigned size = insn->opsize;
    if (insn->row->nops != 1 || insn->is_mem || !tr_operand_ok(ctx, 0) || !tr_stack_ok(ctx, size))
        return false;
    gen_push(ctx, tr_opnd_read(ctx, 0, &addr), size);
    return true;
}

static bool tr_pop(DisasContext *ctx)
{
    const X86Insn *insn = ctx->insn;
    TCGv addr = TCG_NO_TEMP;
    unsigned size = insn->opsize;
    if (insn->row->nops != 1 || insn->is_mem || !tr_operand_ok(ctx, 0) || !tr_stack_ok(ctx, size))
        return false;
    TCGv v = tr_load(ctx, tr_sp_offset(ctx, 0), size);
    tr_set_rsp(ctx, tr_sp_offset(ctx, size));
    tr_opnd_write(ctx, 0, v, &addr);   /* after rsp: POP rsp loads the value */
    return true;
}

bool tr_branch(DisasContext *ctx)
{
    X86Handler h = ctx->insn->row->handler;
    if (h == h_jcc)
        return tr_jcc(ctx);
    if (h == h_jmp)
        return tr_jmp(ctx);
    if (h == h_call)
        return ctx->insn->row->op[0].kind == OPK_J ? tr_call_rel(ctx) : tr_indirect(ctx, true);
    if (h == h_leave)
        return tr_leave(ctx);
    if (h == h_ret)
        return tr_ret(ctx);
    if (h == h_push)
        return tr_push(ctx);
    if (h == h_pop)
        return tr_pop(ctx);
    return false;
}
