/*
 * Register allocator of the native x86-64 back end, local to basic
 * blocks: a temp's value is in a host register, in its memory home (a
 * GLOBAL's env field, a LOCAL's spill slot), or both (`coherent`).
 * Constants are rematerialized. Registers are taken free first, then from
 * coherent occupants, then by spilling the least recently used one.
 */
#include "tcg/x86_64/x86_64-gen.h"

#include <stdlib.h>

/* Allocation order: callee-saved registers first (they survive helper calls). */
static const int8_t alloc_order[] = {
    X86_RBX, X86_R12, X86_R13, X86_R14, X86_R15, X86_RSI, X86_RDI,
    X86_R8, X86_R9, X86_RAX, X86_RDX, X86_RCX,
};

static bool is_input(const TCGOp *op, TCGv t)
{
    for (int i = 0; i < op->nb_iargs; i++)
        if (x86_arg_temp(op, op->nb_oargs + i) == t)
            return true;
    return false;
}

bool x86_in_dead(X86Gen *g, const TCGOp *op, int i)
{
    TCGv t = x86_arg_temp(op, op->nb_oargs + i);
    if (t == tcg_env())
        return false;
    if (op->dead_args & (1u << i))
        return true;
    return x86_kind(g, t) != TEMP_GLOBAL && !g->loops && g->last_use[t] <= g->op_idx;
}

bool x86_dead_now(X86Gen *g, TCGv t)
{
    TCGTempKind k = x86_kind(g, t);
    if (k == TEMP_GLOBAL || k == TEMP_ENV || g->loops)
        return false;
    return g->last_use[t] <= g->op_idx;
}

static int32_t slot_alloc(X86Gen *g)
{
    if (g->nb_free_slots)
        return g->free_slots[--g->nb_free_slots];
    if (g->next_slot >= X86_FRAME_SLOTS) {
        g->failed = true;
        return 0;
    }
    return g->next_slot++;
}

bool x86_temp_home(X86Gen *g, TCGv t, int *base, int32_t *disp)
{
    const TCGTemp *tp = &g->s->temps[t];
    if (tp->kind == TEMP_GLOBAL) {
        *base = X86_ENV_REG;
        *disp = tp->offset;
        return true;
    }
    if (tp->kind != TEMP_LOCAL)
        return false;
    if (g->ts[t].slot < 0)
        g->ts[t].slot = slot_alloc(g);
    *base = X86_RSP;
    *disp = X86_SLOT_DISP(g->ts[t].slot);
    return true;
}

void x86_temp_store(X86Gen *g, TCGv t)
{
    X86TempState *ts = &g->ts[t];
    int base;
    int32_t disp;
    if (ts->reg < 0 || ts->coherent)
        return;
    if (x86_temp_home(g, t, &base, &disp))
        x86_store(&g->e, ts->reg, base, X86_NO_REG, disp, 3);
    ts->coherent = true;
}

void x86_temp_unbind(X86Gen *g, TCGv t)
{
    X86TempState *ts = &g->ts[t];
    if (ts->reg >= 0 && t != tcg_env()) {
        g->reg_temp[ts->reg] = -1;
        ts->reg = -1;
        ts->coherent = true;   /* the value is only in memory now */
    }
}

void x86_temp_free(X86Gen *g, TCGv t)
{
    X86TempState *ts = &g->ts[t];
    TCGTempKind k = x86_kind(g, t);
    if (k == TEMP_GLOBAL) {
        x86_temp_store(g, t);
        x86_temp_unbind(g, t);
        return;
    }
    if (k == TEMP_ENV)
        return;
    x86_temp_unbind(g, t);
    /* A slot is reused only once its temp is never referenced again: a temp
     * dead now (liveness) but written later must keep one home, which every
     * path to a label agrees on. */
    if (k == TEMP_LOCAL && ts->slot >= 0 && !g->loops && g->last_use[t] <= g->op_idx) {
        g->free_slots[g->nb_free_slots++] = ts->slot;
        ts->slot = -1;
    }
}

void x86_load_copy(X86Gen *g, TCGv t, int r)
{
    X86TempState *ts = &g->ts[t];
    int base;
    int32_t disp;
    if (t == tcg_env())
        x86_mov_rr(&g->e, r, X86_ENV_REG);
    else if (ts->reg >= 0)
        x86_mov_rr(&g->e, r, ts->reg);
    else if (x86_is_const(g, t))
        x86_mov_ri(&g->e, r, x86_const_val(g, t), false);
    else if (x86_temp_home(g, t, &base, &disp))
        x86_load(&g->e, r, base, X86_NO_REG, disp, 3, false);
}

/* Move a temp to another register (keeping its state). */
static void temp_move(X86Gen *g, TCGv t, int to)
{
    int from = g->ts[t].reg;
    x86_mov_rr(&g->e, to, from);
    g->reg_temp[from] = -1;
    g->reg_temp[to] = t;
    g->reg_stamp[to] = g->reg_stamp[from];
    g->ts[t].reg = to;
}

static int free_reg_in(X86Gen *g, X86RegSet set)
{
    for (unsigned i = 0; i < sizeof(alloc_order); i++) {
        int r = alloc_order[i];
        if ((set >> r & 1) && g->reg_temp[r] < 0)
            return r;
    }
    return -1;
}

/* Empty r: a dirty live occupant moves to a free register outside
 * `keep_out` if there is one, else is written to its home. */
static void evict(X86Gen *g, int r, X86RegSet keep_out)
{
    TCGv t = g->reg_temp[r];
    if (t < 0)
        return;
    X86TempState *ts = &g->ts[t];
    if (x86_dead_now(g, t) && g->op_idx < g->s->nb_ops && !is_input(&g->s->ops[g->op_idx], t)) {
        x86_temp_free(g, t);
        return;
    }
    if (!ts->coherent) {
        int to = free_reg_in(g, X86_REGS_ALLOC & ~g->locked & ~keep_out & ~(1u << r));
        if (to >= 0) {
            temp_move(g, t, to);
            return;
        }
        x86_temp_store(g, t);
    }
    x86_temp_unbind(g, t);
}

int x86_reg_alloc(X86Gen *g, X86RegSet allowed)
{
    X86RegSet cand = allowed & X86_REGS_ALLOC & ~g->locked;
    int r = free_reg_in(g, cand);
    if (r >= 0)
        return r;
    int best = -1;
    bool best_coh = false;
    for (int i = 0; i < 16; i++) {
        if (!(cand >> i & 1))
            continue;
        bool coh = g->ts[g->reg_temp[i]].coherent;
        if (best < 0 || (coh && !best_coh) ||
            (coh == best_coh && g->reg_stamp[i] < g->reg_stamp[best])) {
            best = i;
            best_coh = coh;
        }
    }
    if (best < 0)
        abort();   /* every allowed register locked: a code generator bug */
    evict(g, best, allowed);
    return best;
}

void x86_reg_take(X86Gen *g, int r)
{
    evict(g, r, 1u << r);
}

static void bind(X86Gen *g, TCGv t, int r, bool coherent)
{
    g->reg_temp[r] = t;
    g->reg_stamp[r] = g->op_idx;
    g->ts[t].reg = r;
    g->ts[t].coherent = coherent;
}

int x86_temp_in(X86Gen *g, TCGv t, X86RegSet allowed)
{
    X86TempState *ts = &g->ts[t];
    int r;
    if (t == tcg_env()) {
        r = x86_reg_alloc(g, allowed);
        x86_mov_rr(&g->e, r, X86_ENV_REG);
    } else if (ts->reg >= 0 && (allowed >> ts->reg & 1)) {
        r = ts->reg;
        g->reg_stamp[r] = g->op_idx;
    } else if (ts->reg >= 0 && (g->locked >> ts->reg & 1)) {
        r = x86_reg_alloc(g, allowed);      /* already an input elsewhere: copy */
        x86_mov_rr(&g->e, r, ts->reg);
    } else if (ts->reg >= 0) {
        r = x86_reg_alloc(g, allowed);
        temp_move(g, t, r);
    } else {
        r = x86_reg_alloc(g, allowed);
        x86_load_copy(g, t, r);
        bind(g, t, r, true);
    }
    g->locked |= 1u << r;
    return r;
}

bool x86_in_reusable(X86Gen *g, const TCGOp *op, int i)
{
    TCGv t = x86_arg_temp(op, op->nb_oargs + i);
    if (t == tcg_env() || g->ts[t].reg < 0)
        return false;
    for (int o = 0; o < op->nb_oargs; o++)
        if (x86_arg_temp(op, o) == t)
            return true;
    if (!x86_in_dead(g, op, i))
        return false;
    /* the value is overwritten: a dirty global goes home first */
    if (x86_kind(g, t) == TEMP_GLOBAL)
        x86_temp_store(g, t);
    return true;
}

int x86_out_reg(X86Gen *g, TCGv d, int reuse)
{
    int r;
    if (reuse >= 0)
        r = reuse;
    else if (d >= 0 && g->ts[d].reg >= 0 && !(g->locked >> g->ts[d].reg & 1))
        r = g->ts[d].reg;
    else
        r = x86_reg_alloc(g, X86_REGS_ALLOC);
    g->locked |= 1u << r;
    return r;
}

void x86_bind_out(X86Gen *g, TCGv d, int r)
{
    TCGTempKind k = d < 0 ? TEMP_CONST : x86_kind(g, d);
    int old = g->reg_temp[r];
    if (old >= 0 && old != d)
        x86_temp_unbind(g, old);
    if (k == TEMP_CONST || k == TEMP_ENV)
        return;   /* writing a constant or ENV: malformed, the value is dropped */
    if (g->ts[d].reg >= 0 && g->ts[d].reg != r)
        x86_temp_unbind(g, d);
    bind(g, d, r, false);
}

void x86_op_done(X86Gen *g, const TCGOp *op)
{
    for (int i = 0; i < op->nb_iargs; i++) {
        TCGv t = x86_arg_temp(op, op->nb_oargs + i);
        bool is_out = false;
        for (int o = 0; o < op->nb_oargs; o++)
            is_out |= x86_arg_temp(op, o) == t;
        if (t >= 0 && !is_out && x86_in_dead(g, op, i))
            x86_temp_free(g, t);
    }
    for (int o = 0; o < op->nb_oargs; o++) {
        TCGv d = x86_arg_temp(op, o);
        if (d >= 0 && x86_kind(g, d) == TEMP_LOCAL && x86_dead_now(g, d))
            x86_temp_free(g, d);
    }
    g->locked = 0;
}

void x86_sync_globals(X86Gen *g)
{
    for (int r = 0; r < 16; r++) {
        TCGv t = g->reg_temp[r];
        if (t >= 0 && x86_kind(g, t) == TEMP_GLOBAL)
            x86_temp_store(g, t);
    }
}

void x86_bb_end(X86Gen *g, bool drop)
{
    for (int r = 0; r < 16; r++) {
        TCGv t = g->reg_temp[r];
        if (t < 0)
            continue;
        if (x86_kind(g, t) == TEMP_LOCAL && x86_dead_now(g, t)) {
            x86_temp_free(g, t);
            continue;
        }
        x86_temp_store(g, t);
        if (drop)
            x86_temp_unbind(g, t);
    }
}

void x86_forget_globals(X86Gen *g)
{
    for (int r = 0; r < 16; r++) {
        TCGv t = g->reg_temp[r];
        if (t >= 0 && x86_kind(g, t) == TEMP_GLOBAL)
            x86_temp_unbind(g, t);
    }
}
