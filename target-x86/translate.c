/*
 * The JIT front end's block loop (translate.h): the TB flags, the
 * globals, decoding a block's instructions with exec.c's fault and stop
 * rules, the entry check (pending requests, icount limit), the exits, and
 * the generic fallback that runs an instruction's interpreter handler as
 * a helper. The families of native translations are in translate-*.c.
 */
#include <stdatomic.h>
#include <string.h>

#include "accel/debug.h"
#include "target-x86/exec.h"
#include "target-x86/mem-inline.h"
#include "target-x86/translate-internal.h"

/* ---- TB flags ---- */

/* DS/ES/SS usable expand-up writable data segments with base 0 and a 4 GiB
 * limit: offsets are linear addresses and only the 4 GiB end can fault. */
static bool seg_flat(const SegmentCache *s)
{
    const uint32_t mask = SEG_ATTR_UNUSABLE | SEG_ATTR_S | SEG_ATTR_CODE | 0x4 | 0x2;
    return (s->attr & mask) == (SEG_ATTR_S | 0x2) && s->base == 0 && s->limit == 0xffffffffu;
}

uint32_t x86_tb_flags(X86CPU *cpu)
{
    uint32_t f = ((uint32_t)(cpu->cpl & 3) << X86_TB_CPL_SHIFT) |
                 ((uint32_t)x86_data_mmu_idx(cpu) << X86_TB_MMU_SHIFT);
    if (cpu->code64) {
        f |= X86_TB_CODE64 | X86_TB_CODE32;
    } else {
        if (cpu->code32)
            f |= X86_TB_CODE32;
        if ((cpu->cr0 & CR0_PE) && !(cpu->rflags & VM_MASK) && seg_flat(&cpu->seg[R_DS]) &&
            seg_flat(&cpu->seg[R_ES]) && seg_flat(&cpu->seg[R_SS]))
            f |= X86_TB_FLAT;
    }
    if (cpu->stack32)
        f |= X86_TB_STACK32;
    /* (gdb watchpoints need no slow memory: their pages are TLB_WATCH) */
    if (__builtin_expect((cpu->dr[7] & 0xff) ||
                         (cpu->cpl == 3 && (cpu->cr0 & CR0_AM) && (cpu->rflags & AC_MASK)), 0))
        f |= X86_TB_SLOWMEM;
    return f;
}

/* ---- globals ---- */

static void bind_globals(TCGContext *s, X86Globals *g)
{
    static const char *const names[16] = {
        "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
        "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
    };
    for (int i = 0; i < 16; i++)
        g->regs[i] = tcg_global(s, (int32_t)(offsetof(X86CPU, regs) + 8 * (size_t)i), names[i]);
    g->rip = tcg_global(s, offsetof(X86CPU, rip), "rip");
    g->cc_dst = tcg_global(s, offsetof(X86CPU, cc.dst), "cc_dst");
    g->cc_src = tcg_global(s, offsetof(X86CPU, cc.src), "cc_src");
    g->cc_src2 = tcg_global(s, offsetof(X86CPU, cc.src2), "cc_src2");
    g->rflags = tcg_global(s, offsetof(X86CPU, rflags), "rflags");
}

void x86_tcg_init(TCGContext *s)
{
    X86Globals g;
    bind_globals(s, &g);
    tr_mem_init(s);
}

/* ---- helpers ---- */

/* An instruction the block runs through the interpreter: the decoded form
 * and the handler exec.c would pick. */
typedef struct TrInsn {
    X86Insn insn;
    X86Handler handler;
    bool fast;          /* an interp-fast handler: needs cpu->fast_mem_idx */
} TrInsn;

static void helper_x86_insn(X86CPU *cpu, const TrInsn *t)
{
    if (t->fast)
        x86_fast_mem_setup(cpu);   /* the MMU index of their RAM fast path */
    t->handler(cpu, &t->insn);
}

static TCGHelperInfo info_x86_insn = {
    .func = (void *)helper_x86_insn, .name = "x86_insn", .ret = TCG_TYPE_VOID,
    .nargs = 2, .args = { TCG_TYPE_PTR, TCG_TYPE_PTR },
};

void tr_call(DisasContext *ctx, TCGHelperInfo *info, TCGv ret, TCGv a0, TCGv a1, TCGv a2)
{
    TCGv args[3] = { a0, a1, a2 };
    tcg_gen_call(ctx->s, info, ret, args);
}

/* ---- pieces of code ---- */

void tr_mark_start(DisasContext *ctx)
{
    if (ctx->start_stored)
        return;
    tcg_gen_st(ctx->s, INDEX_op_st64, tr_const(ctx, ctx->pc), offsetof(X86CPU, insn_start_rip));
    ctx->start_stored = true;
}

void tr_goto(DisasContext *ctx, unsigned slot, uint64_t dest)
{
    tcg_gen_movi(ctx->s, ctx->g.rip, dest);
    if (ctx->flags & X86_TB_NOCHAIN) {
        tcg_gen_exit_tb(ctx->s, 0);
    } else {
        tcg_gen_goto_tb(ctx->s, slot);
        tcg_gen_exit_tb(ctx->s, ctx->p->tb_id | slot);
    }
    ctx->ended = true;
}

void tr_exit_lookup(DisasContext *ctx)
{
    tcg_gen_exit_tb(ctx->s, 0);
    ctx->ended = true;
}

bool tr_branch_target(DisasContext *ctx, uint64_t target, uint64_t *out)
{
    if (ctx->insn->opsize != 8)
        target &= mask_for(ctx->insn->opsize);
    if (ctx->code64) {
        if ((uint64_t)((int64_t)(target << 16) >> 16) != target)
            return false;
    } else if (target > ctx->cpu->seg[R_CS].limit) {
        return false;
    }
    *out = target;
    return true;
}

static bool needs_bus_lock(const X86Insn *insn)
{
    return insn->is_mem && (insn->lock || (insn->row->attrs & A_XCHG));
}

/* The generic fallback: the interpreter's handler as a helper, with rip =
 * the next instruction as handlers expect. False if p->alloc failed. */
static bool tr_fallback(DisasContext *ctx)
{
    const X86TranslateParams *p = ctx->p;
    TrInsn *t = p->alloc ? p->alloc(p->alloc_opaque, sizeof(*t)) : NULL;
    if (!t)
        return false;
    memcpy(&t->insn, ctx->insn, sizeof(t->insn));
    X86Handler fast = interp_fast_handler(ctx->insn);
    t->fast = fast && !needs_bus_lock(ctx->insn);
    t->handler = needs_bus_lock(ctx->insn) ? x86_locked_handler : fast ? fast : ctx->insn->row->handler;
    tr_mark_start(ctx);
    tcg_gen_movi(ctx->s, ctx->g.rip, ctx->next_pc);
    tr_call(ctx, &info_x86_insn, TCG_NO_TEMP, tcg_env(), tr_const(ctx, (uintptr_t)t), TCG_NO_TEMP);
    ctx->cc_op = -1;
    if (!x86_insn_is_simple(ctx->insn) || (ctx->insn->row->attrs & A_BRANCH))
        tr_exit_lookup(ctx);
    return true;
}

/* Native translation by family, else the fallback. */
static bool tr_insn(DisasContext *ctx)
{
    const X86Insn *insn = ctx->insn;
    ctx->start_stored = false;
    tcg_gen_insn_start(ctx->s, ctx->pc);
    if (!needs_bus_lock(insn) && !insn->lock && x86_insn_is_simple(insn)) {
        if (tr_alu(ctx) || tr_move(ctx) || tr_branch(ctx) || tr_shift(ctx) || tr_mul(ctx) ||
            tr_rotate(ctx) || tr_bitops(ctx))
            return true;
    }
    return tr_fallback(ctx);
}

/* ---- decoding ---- */

static uint64_t next_ip(const DisasContext *ctx, uint64_t ip)
{
    if (ctx->code64)
        return ip;
    return ip & ((ctx->flags & X86_TB_CODE32) ? 0xffffffffull : 0xffff);
}

/* Decode the instruction at offset `off` of the block. The first faults as
 * exec.c's exec_decode would; the others give false instead (and must lie
 * within host[0..avail)). */
static bool tr_decode(DisasContext *ctx, X86Insn *insn, unsigned off, bool first)
{
    const X86TranslateParams *p = ctx->p;
    return x86_decode_code(ctx->cpu, insn, p->pc + off, p->host ? p->host + off : NULL,
                           p->avail - off, p->features, first);
}

/* ---- the block ---- */

/* On entry: the block id, then leave at once (requested exit) if an event
 * was raised since the loop last looked (cpu->tcg_exit_request: an event
 * the guest holds back, IF=0, does not stop blocks; the instructions that
 * unmask one are not simple and end their block) or the icount limit would
 * be passed. `count` is patched. */
static int tr_entry(DisasContext *ctx, TCGv count)
{
    TCGContext *s = ctx->s;
    int requested = tcg_new_label(s);
    TCGOpcode st_ptr = sizeof(uintptr_t) == 8 ? INDEX_op_st64 : INDEX_op_st32;
    tcg_gen_st(s, st_ptr, tr_const(ctx, ctx->p->tb_id), offsetof(X86CPU, tcg_tb));
    TCGv req = tr_temp(ctx);
    tcg_gen_ld(s, INDEX_op_ld32u, req, offsetof(X86CPU, tcg_exit_request));
    tcg_gen_brcond(s, TCG_COND_NE, req, tr_const(ctx, 0), requested);
    TCGv ic = tr_temp(ctx), sum = tr_temp(ctx), limit = tr_temp(ctx);
    tcg_gen_ld(s, INDEX_op_ld64, ic, offsetof(X86CPU, icount));
    tcg_gen_add(s, sum, ic, count);
    tcg_gen_ld(s, INDEX_op_ld64, limit, offsetof(X86CPU, tcg_icount_limit));
    tcg_gen_brcond(s, TCG_COND_GTU, sum, limit, requested);
    tcg_gen_st(s, INDEX_op_st64, sum, offsetof(X86CPU, icount));
    return requested;
}

static void ctx_init(DisasContext *ctx, TCGContext *s, const X86TranslateParams *p)
{
    memset(ctx, 0, sizeof(*ctx));
    ctx->s = s;
    ctx->cpu = p->cpu;
    ctx->p = p;
    ctx->flags = p->flags;
    ctx->code64 = (p->flags & X86_TB_CODE64) != 0;
    ctx->flat = (p->flags & X86_TB_FLAT) != 0;
    ctx->slowmem = (p->flags & X86_TB_SLOWMEM) != 0;
    ctx->mmu_idx = (int)((p->flags >> X86_TB_MMU_SHIFT) & 3);
    ctx->cc_op = -1;
    bind_globals(s, &ctx->g);
}

bool x86_translate_block(TCGContext *s, const X86TranslateParams *p, X86TranslateResult *r)
{
    DisasContext ctx;
    X86Insn insn;
    tcg_ctx_reset(s);
    ctx_init(&ctx, s, p);
    r->ninsns = r->nbytes = 0;
    unsigned max = p->max_insns < 1 ? 1 : p->max_insns > X86_TB_MAX_INSNS ? X86_TB_MAX_INSNS : p->max_insns;
    if (p->flags & X86_TB_SINGLE)
        max = 1;
    p->cpu->insn_start_rip = p->pc;   /* the boundary of a fetch fault */
    if (!tr_decode(&ctx, &insn, 0, true))
        return false;
    TCGv count = tr_const(&ctx, 0);
    int requested = tr_entry(&ctx, count);
    unsigned n = 0, off = 0;
    for (;;) {
        ctx.insn = &insn;
        ctx.index = n;
        ctx.pc = next_ip(&ctx, p->pc + off);
        ctx.next_pc = next_ip(&ctx, ctx.pc + insn.len);
        if (!tr_insn(&ctx)) {
            if (n == 0)
                return false;
            tr_goto(&ctx, 0, ctx.pc);   /* p->alloc exhausted: stop before it */
            break;
        }
        r->insn_pc[n++] = ctx.pc;
        off += insn.len;
        if (ctx.ended)
            break;
        if (ctx.next_pc != ctx.pc + insn.len || n >= max || off >= p->avail ||
            !tr_decode(&ctx, &insn, off, false) ||
            (p->breakpoint_at && p->breakpoint_at(p->cpu, ctx.next_pc))) {
            tr_goto(&ctx, 0, ctx.next_pc);
            break;
        }
    }
    s->temps[count].val = n;
    tcg_gen_set_label(s, requested);
    tcg_gen_exit_tb(s, p->tb_id | TB_EXIT_REQUESTED);
    r->ninsns = n;
    r->nbytes = off;
    return true;
}
