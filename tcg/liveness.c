/*
 * Liveness: which temps hold a value still needed, op by op. Basic blocks
 * (split at labels and after branches/exits) get live-in/live-out sets by
 * the usual backward data-flow iteration; then each block is walked
 * backwards to fill TCGOp.dead_args and to drop ops without side effects
 * whose outputs nobody reads, and env stores overwritten later in the block
 * before anything can read env (a load, a helper, a fault). Globals are
 * live at every block end and at every op that may call C (helpers read
 * them in env); ENV always is.
 */
#include "tcg/tcg.h"

#include <stdlib.h>
#include <string.h>

typedef uint64_t Word;

typedef struct Live {
    TCGContext *s;
    int nw;                 /* words per set */
    int nbb;
    int *bb_start;          /* first op of each block; bb_start[nbb] = nb_ops */
    int *label_bb;          /* label -> block starting with it, -1 */
    Word *use, *def, *in, *out, *globals;
} Live;

static Word *set_at(Word *sets, int nw, int i) { return sets + (size_t)i * (size_t)nw; }
static bool bit(const Word *s, uint64_t t) { return (s[t / 64] >> (t % 64)) & 1; }
static void bit_set(Word *s, uint64_t t) { s[t / 64] |= 1ull << (t % 64); }
static void bit_clr(Word *s, uint64_t t) { s[t / 64] &= ~(1ull << (t % 64)); }

static void *zalloc(size_t n)
{
    void *p = calloc(n ? n : 1, 1);
    if (!p)
        abort();
    return p;
}

static bool starts_bb(const TCGContext *s, int i)
{
    if (i == 0 || s->ops[i].opc == INDEX_op_set_label)
        return true;
    const TCGOp *prev = &s->ops[i - 1];
    return (tcg_op_defs[prev->opc].flags & TCG_OPF_BB_END) && prev->opc != INDEX_op_set_label;
}

static void split_blocks(Live *l)
{
    TCGContext *s = l->s;
    l->bb_start = zalloc(sizeof(int) * (size_t)(s->nb_ops + 1));
    l->label_bb = zalloc(sizeof(int) * (size_t)(s->nb_labels + 1));
    for (int i = 0; i <= s->nb_labels; i++)
        l->label_bb[i] = -1;
    l->nbb = 0;
    for (int i = 0; i < s->nb_ops; i++) {
        if (starts_bb(s, i))
            l->bb_start[l->nbb++] = i;
        if (s->ops[i].opc == INDEX_op_set_label && s->ops[i].args[0] < (uint64_t)s->nb_labels)
            l->label_bb[s->ops[i].args[0]] = l->nbb - 1;
    }
    l->bb_start[l->nbb] = s->nb_ops;
}

/* Is temp t's liveness tracked (not ENV)? */
static bool tracked(const TCGContext *s, uint64_t t)
{
    return s->temps[t].kind != TEMP_ENV;
}

/* Per block: temps read before any write (use) and temps written (def). */
static void local_sets(Live *l)
{
    TCGContext *s = l->s;
    for (int b = 0; b < l->nbb; b++) {
        Word *use = set_at(l->use, l->nw, b), *def = set_at(l->def, l->nw, b);
        for (int i = l->bb_start[b]; i < l->bb_start[b + 1]; i++) {
            const TCGOp *op = &s->ops[i];
            if (op->opc == INDEX_op_discard)
                continue;
            for (int k = op->nb_oargs; k < op->nb_oargs + op->nb_iargs; k++) {
                uint64_t t = op->args[k];
                if (tracked(s, t) && !bit(def, t))
                    bit_set(use, t);
            }
            if (tcg_op_defs[op->opc].flags & TCG_OPF_CALLS) {
                for (int w = 0; w < l->nw; w++)
                    use[w] |= l->globals[w] & ~def[w];
            }
            for (int k = 0; k < op->nb_oargs; k++)
                bit_set(def, op->args[k]);
        }
    }
}

/* The blocks control can go to from the end of block b (-1: none). */
static void successors(const Live *l, int b, int succ[2])
{
    const TCGContext *s = l->s;
    const TCGOp *last = &s->ops[l->bb_start[b + 1] - 1];
    int next = b + 1 < l->nbb ? b + 1 : -1;
    succ[0] = succ[1] = -1;
    switch (last->opc) {
    case INDEX_op_br:
        succ[0] = l->label_bb[last->args[0]];
        break;
    case INDEX_op_brcond:
        succ[0] = next;
        succ[1] = l->label_bb[last->args[3]];
        break;
    case INDEX_op_exit_tb:
    case INDEX_op_goto_ptr:
        break;
    default:
        succ[0] = next;
        break;
    }
}

static void dataflow(Live *l)
{
    bool changed = true;
    while (changed) {
        changed = false;
        for (int b = l->nbb - 1; b >= 0; b--) {
            Word *out = set_at(l->out, l->nw, b), *in = set_at(l->in, l->nw, b);
            const Word *use = set_at(l->use, l->nw, b), *def = set_at(l->def, l->nw, b);
            int succ[2];
            successors(l, b, succ);
            for (int w = 0; w < l->nw; w++) {
                Word o = l->globals[w];
                for (int k = 0; k < 2; k++) {
                    if (succ[k] >= 0)
                        o |= set_at(l->in, l->nw, succ[k])[w];
                }
                Word n = use[w] | (o & ~def[w]);
                out[w] = o;
                if (n != in[w]) {
                    in[w] = n;
                    changed = true;
                }
            }
        }
    }
}

/* The env bytes stored later in the block with nothing reading env in
 * between (walking backwards): a store inside them is dead. */
#define NSTORED 8
typedef struct Stored {
    int64_t off[NSTORED];
    unsigned size[NSTORED];
    int n;
} Stored;

/* Is st op dead (its bytes overwritten before env is read)? Else remember it. */
static bool store_dead(Stored *st, const TCGOp *op)
{
    int64_t off = (int32_t)op->args[1];
    unsigned size = 1u << (op->opc - INDEX_op_st8);
    for (int k = 0; k < st->n; k++) {
        if (off >= st->off[k] && off + size <= st->off[k] + st->size[k])
            return true;
    }
    int k = st->n < NSTORED ? st->n++ : NSTORED - 1;
    st->off[k] = off;
    st->size[k] = size;
    return false;
}

/* Walk block b backwards from its live-out set; returns ops dropped. */
static int walk_block(Live *l, int b, Word *live, bool *drop)
{
    TCGContext *s = l->s;
    int dropped = 0;
    Stored st = { .n = 0 };
    memcpy(live, set_at(l->out, l->nw, b), sizeof(Word) * (size_t)l->nw);
    for (int i = l->bb_start[b + 1] - 1; i >= l->bb_start[b]; i--) {
        TCGOp *op = &s->ops[i];
        const TCGOpDef *def = &tcg_op_defs[op->opc];
        op->dead_args = 0;
        if (op->opc >= INDEX_op_st8 && op->opc <= INDEX_op_st64) {
            if (store_dead(&st, op)) {
                drop[i] = true;
                dropped++;
                continue;
            }
        } else if ((def->flags & TCG_OPF_CALLS) || (op->opc >= INDEX_op_ld8u && op->opc <= INDEX_op_ld64)) {
            st.n = 0;       /* env may be read here (helpers, faults, loads) */
        }
        if (op->opc == INDEX_op_discard) {
            if (s->temps[op->args[0]].kind == TEMP_LOCAL)
                bit_clr(live, op->args[0]);
            continue;
        }
        if (!(def->flags & TCG_OPF_SIDE_EFFECTS) && op->nb_oargs) {
            bool any = false;
            for (int k = 0; k < op->nb_oargs; k++)
                any |= bit(live, op->args[k]);
            if (!any) {
                drop[i] = true;
                dropped++;
                continue;
            }
        }
        for (int k = 0; k < op->nb_oargs; k++) {
            if (tracked(s, op->args[k]))
                bit_clr(live, op->args[k]);
        }
        if (def->flags & TCG_OPF_CALLS) {
            for (int w = 0; w < l->nw; w++)
                live[w] |= l->globals[w];
        }
        for (int k = 0; k < op->nb_iargs; k++) {
            uint64_t t = op->args[op->nb_oargs + k];
            if (tracked(s, t) && !bit(live, t))
                op->dead_args |= (uint8_t)(1u << k);
        }
        for (int k = 0; k < op->nb_iargs; k++) {
            uint64_t t = op->args[op->nb_oargs + k];
            if (tracked(s, t))
                bit_set(live, t);
        }
    }
    return dropped;
}

void tcg_liveness(TCGContext *s)
{
    if (s->nb_ops == 0)
        return;
    Live l = { .s = s, .nw = (s->nb_temps + 63) / 64 };
    split_blocks(&l);
    size_t setsz = sizeof(Word) * (size_t)l.nw * (size_t)l.nbb;
    l.use = zalloc(setsz);
    l.def = zalloc(setsz);
    l.in = zalloc(setsz);
    l.out = zalloc(setsz);
    l.globals = zalloc(sizeof(Word) * (size_t)l.nw);
    for (int t = 0; t < s->nb_globals; t++) {
        if (s->temps[t].kind == TEMP_GLOBAL)
            bit_set(l.globals, (uint64_t)t);
    }
    local_sets(&l);
    dataflow(&l);

    Word *live = zalloc(sizeof(Word) * (size_t)l.nw);
    bool *drop = zalloc(sizeof(bool) * (size_t)s->nb_ops);
    int dropped = 0;
    for (int b = 0; b < l.nbb; b++)
        dropped += walk_block(&l, b, live, drop);
    if (dropped) {
        int n = 0;
        for (int i = 0; i < s->nb_ops; i++) {
            if (!drop[i])
                s->ops[n++] = s->ops[i];
        }
        s->nb_ops = n;
    }
    free(live);
    free(drop);
    free(l.use);
    free(l.def);
    free(l.in);
    free(l.out);
    free(l.globals);
    free(l.bb_start);
    free(l.label_bb);
}
