/*
 * The IR optimizer, one forward pass: copy and constant propagation inside
 * a basic block, constant folding, algebraic identities (x+0, x&-1, x&0,
 * x*1, x^x, shifts by 0, ...), conditions with known outcome (setcond,
 * movcond, brcond: always -> br, never -> gone), and removal of code that
 * cannot run (after br/exit_tb/goto_ptr up to the next referenced label).
 *
 * What is known about a temp (a copy of another temp, constants being
 * copies of CONST temps) is dropped at labels; knowledge involving a
 * global is also dropped after calls and guest memory ops (their slow
 * paths may change any global).
 */
#include "tcg/tcg.h"

#include <stdlib.h>
#include <string.h>

typedef struct Info {
    uint32_t epoch, gepoch;   /* valid while they match the pass's */
    TCGv src;                 /* this temp holds the value of src */
    uint32_t src_ver;         /* src's version when copied */
    uint64_t z;               /* the bits that may be 1 */
} Info;

typedef struct Opt {
    TCGContext *s;
    Info *info;
    uint32_t *ver;            /* bumped on every write of a temp */
    int ntemps_cap;
    uint32_t epoch, gepoch;
    TCGOp *out;
    int nout, out_cap;
    int *label_refs;
} Opt;

static bool is_global(const Opt *o, TCGv t)
{
    return o->s->temps[t].kind == TEMP_GLOBAL;
}

static void grow_temps(Opt *o)
{
    int n = o->s->nb_temps;
    if (n <= o->ntemps_cap)
        return;
    int cap = n * 2;
    o->info = realloc(o->info, sizeof(Info) * (size_t)cap);
    o->ver = realloc(o->ver, sizeof(uint32_t) * (size_t)cap);
    if (!o->info || !o->ver)
        abort();
    memset(o->info + o->ntemps_cap, 0, sizeof(Info) * (size_t)(cap - o->ntemps_cap));
    memset(o->ver + o->ntemps_cap, 0, sizeof(uint32_t) * (size_t)(cap - o->ntemps_cap));
    o->ntemps_cap = cap;
}

static TCGv new_const(Opt *o, uint64_t v)
{
    TCGv t = tcg_constant(o->s, v);
    grow_temps(o);
    return t;
}

/* Does what we know about t still hold? */
static bool info_valid(const Opt *o, TCGv t)
{
    const Info *i = &o->info[t];
    return i->epoch == o->epoch && (!is_global(o, t) || i->gepoch == o->gepoch);
}

/* The temp whose value t holds now (t itself if nothing is known). */
static TCGv resolve(const Opt *o, TCGv t)
{
    const Info *i = &o->info[t];
    if (!info_valid(o, t) || i->src == t)
        return t;
    if (is_global(o, i->src) && i->gepoch != o->gepoch)
        return t;
    if (o->ver[i->src] != i->src_ver)
        return t;
    return i->src;
}

static bool const_val(const Opt *o, TCGv t, uint64_t *v)
{
    if (o->s->temps[t].kind != TEMP_CONST)
        return false;
    *v = o->s->temps[t].val;
    return true;
}

/* The bits of t that may be 1. */
static uint64_t z_of(const Opt *o, TCGv t)
{
    uint64_t v;
    if (const_val(o, t, &v))
        return v;
    return info_valid(o, t) ? o->info[t].z : ~0ull;
}

/* d is written with a value whose bits outside z are 0: forget the rest. */
static void wrote_z(Opt *o, TCGv d, uint64_t z)
{
    o->ver[d]++;
    o->info[d] = (Info){ o->epoch, o->gepoch, d, 0, z };
}

static void wrote(Opt *o, TCGv d)
{
    wrote_z(o, d, ~0ull);
}

/* d now holds src's value. */
static void copied(Opt *o, TCGv d, TCGv src)
{
    if (d == src)
        return;
    wrote_z(o, d, z_of(o, src));
    o->info[d].src = src;
    o->info[d].src_ver = o->ver[src];
}

static TCGOp *emit(Opt *o, const TCGOp *op)
{
    if (o->nout == o->out_cap) {
        o->out_cap = o->out_cap ? o->out_cap * 2 : 256;
        o->out = realloc(o->out, sizeof(TCGOp) * (size_t)o->out_cap);
        if (!o->out)
            abort();
    }
    o->out[o->nout] = *op;
    return &o->out[o->nout++];
}

static void emit_mov(Opt *o, TCGv d, TCGv a)
{
    if (d == a)
        return;
    TCGOp op = { .opc = INDEX_op_mov, .nb_oargs = 1, .nb_iargs = 1 };
    op.args[0] = (uint64_t)d;
    op.args[1] = (uint64_t)a;
    emit(o, &op);
    copied(o, d, a);
}

static void emit_movi(Opt *o, TCGv d, uint64_t v)
{
    emit_mov(o, d, new_const(o, v));
}

/* ---- simplification of one-output arithmetic ---- */

/* Identities with one constant operand or both operands the same temp;
 * true if op was replaced. */
static bool identity(Opt *o, TCGOpcode opc, TCGv d, TCGv a, TCGv b)
{
    uint64_t ka = 0, kb = 0;
    bool ca = const_val(o, a, &ka), cb = const_val(o, b, &kb);
    switch (opc) {
    case INDEX_op_add: case INDEX_op_or: case INDEX_op_xor:
        if (cb && kb == 0) { emit_mov(o, d, a); return true; }
        if (ca && ka == 0) { emit_mov(o, d, b); return true; }
        if (a == b && opc == INDEX_op_or) { emit_mov(o, d, a); return true; }
        if (a == b && opc == INDEX_op_xor) { emit_movi(o, d, 0); return true; }
        return false;
    case INDEX_op_sub:
        if (cb && kb == 0) { emit_mov(o, d, a); return true; }
        if (a == b) { emit_movi(o, d, 0); return true; }
        return false;
    case INDEX_op_and:
        if ((cb && kb == 0) || (ca && ka == 0)) { emit_movi(o, d, 0); return true; }
        if (cb && kb == ~0ull) { emit_mov(o, d, a); return true; }
        if (ca && ka == ~0ull) { emit_mov(o, d, b); return true; }
        if (a == b) { emit_mov(o, d, a); return true; }
        return false;
    case INDEX_op_andc:
        if (cb && kb == 0) { emit_mov(o, d, a); return true; }
        if ((cb && kb == ~0ull) || (ca && ka == 0) || a == b) { emit_movi(o, d, 0); return true; }
        return false;
    case INDEX_op_mul:
        if ((cb && kb == 0) || (ca && ka == 0)) { emit_movi(o, d, 0); return true; }
        if (cb && kb == 1) { emit_mov(o, d, a); return true; }
        if (ca && ka == 1) { emit_mov(o, d, b); return true; }
        return false;
    case INDEX_op_shl: case INDEX_op_shr: case INDEX_op_sar:
    case INDEX_op_rotl: case INDEX_op_rotr:
        if (cb && (kb & 63) == 0) { emit_mov(o, d, a); return true; }
        if (ca && ka == 0) { emit_movi(o, d, 0); return true; }
        if (ca && ka == ~0ull && opc != INDEX_op_shl && opc != INDEX_op_shr) {
            emit_movi(o, d, ~0ull);
            return true;
        }
        return false;
    default:
        return false;
    }
}

/* A condition's outcome from constants or equal operands: 0, 1, or -1. */
static int cond_known(const Opt *o, TCGCond c, TCGv a, TCGv b)
{
    uint64_t ka, kb;
    if (c == TCG_COND_ALWAYS)
        return 1;
    if (c == TCG_COND_NEVER)
        return 0;
    if (const_val(o, a, &ka) && const_val(o, b, &kb))
        return tcg_cond_eval(c, ka, kb);
    if (a == b) {
        switch (c) {
        case TCG_COND_EQ: case TCG_COND_GE: case TCG_COND_LE:
        case TCG_COND_GEU: case TCG_COND_LEU:
            return 1;
        case TCG_COND_NE: case TCG_COND_LT: case TCG_COND_GT:
        case TCG_COND_LTU: case TCG_COND_GTU:
            return 0;
        default:
            return -1;
        }
    }
    if ((c == TCG_COND_TSTEQ || c == TCG_COND_TSTNE) &&
        ((const_val(o, a, &ka) && ka == 0) || (const_val(o, b, &kb) && kb == 0)))
        return c == TCG_COND_TSTEQ;
    return -1;
}

/* Extensions and masks that change nothing, given the bits that may be 1;
 * true if op was replaced. */
static bool known_bits(Opt *o, TCGOpcode opc, TCGv d, TCGv a, TCGv b)
{
    uint64_t za = z_of(o, a), keep, k;
    switch (opc) {
    case INDEX_op_ext8u: keep = 0xff; break;
    case INDEX_op_ext16u: keep = 0xffff; break;
    case INDEX_op_ext32u: keep = 0xffffffff; break;
    case INDEX_op_ext8s: keep = 0x7f; break;          /* sign bit known 0 */
    case INDEX_op_ext16s: keep = 0x7fff; break;
    case INDEX_op_ext32s: keep = 0x7fffffff; break;
    case INDEX_op_and:
        if (const_val(o, b, &k) && !(za & ~k)) {
            emit_mov(o, d, a);
            return true;
        }
        if (const_val(o, a, &k) && !(z_of(o, b) & ~k)) {
            emit_mov(o, d, b);
            return true;
        }
        return false;
    default:
        return false;
    }
    if (za & ~keep)
        return false;
    emit_mov(o, d, a);
    return true;
}

/* The bits of the result of d = a op b that may be 1. */
static uint64_t z_result(const Opt *o, TCGOpcode opc, TCGv a, TCGv b)
{
    uint64_t za = z_of(o, a), zb = z_of(o, b), k;
    switch (opc) {
    case INDEX_op_and: return za & zb;
    case INDEX_op_or: case INDEX_op_xor: return za | zb;
    case INDEX_op_andc: return za;
    case INDEX_op_ext8u: return za & 0xff;
    case INDEX_op_ext16u: return za & 0xffff;
    case INDEX_op_ext32u: return za & 0xffffffff;
    case INDEX_op_shr: return const_val(o, b, &k) ? za >> (k & 63) : ~0ull;
    case INDEX_op_shl: return const_val(o, b, &k) ? za << (k & 63) : ~0ull;
    default: return ~0ull;
    }
}

/* Ops with one output and inputs only (after their inputs were resolved). */
static void opt_arith(Opt *o, TCGOp *op)
{
    TCGOpcode opc = op->opc;
    TCGv d = (TCGv)op->args[0], a = (TCGv)op->args[1];
    TCGv b = op->nb_iargs > 1 ? (TCGv)op->args[2] : a;
    uint64_t ka, kb = 0, r;
    if (opc == INDEX_op_mov) {
        emit_mov(o, d, a);
        return;
    }
    if (const_val(o, a, &ka) && (op->nb_iargs == 1 || const_val(o, b, &kb)) &&
        tcg_op_eval(opc, ka, kb, &r)) {
        emit_movi(o, d, r);
        return;
    }
    if (op->nb_iargs == 2 && identity(o, opc, d, a, b))
        return;
    if (known_bits(o, opc, d, a, b))
        return;
    uint64_t z = z_result(o, opc, a, b);
    emit(o, op);
    wrote_z(o, d, z);
}

static void opt_setcond(Opt *o, TCGOp *op)
{
    TCGv d = (TCGv)op->args[0];
    int k = cond_known(o, (TCGCond)op->args[3], (TCGv)op->args[1], (TCGv)op->args[2]);
    if (k >= 0) {
        emit_movi(o, d, (uint64_t)k);
        return;
    }
    emit(o, op);
    wrote_z(o, d, 1);
}

static void opt_movcond(Opt *o, TCGOp *op)
{
    TCGv d = (TCGv)op->args[0], v1 = (TCGv)op->args[3], v2 = (TCGv)op->args[4];
    int k = cond_known(o, (TCGCond)op->args[5], (TCGv)op->args[1], (TCGv)op->args[2]);
    if (k >= 0 || v1 == v2) {
        emit_mov(o, d, k == 0 ? v2 : v1);
        return;
    }
    uint64_t z = z_of(o, v1) | z_of(o, v2);
    emit(o, op);
    wrote_z(o, d, z);
}

static void opt_mul2(Opt *o, TCGOp *op)
{
    TCGv lo = (TCGv)op->args[0], hi = (TCGv)op->args[1];
    uint64_t ka, kb, rl, rh;
    if (lo != hi && const_val(o, (TCGv)op->args[2], &ka) && const_val(o, (TCGv)op->args[3], &kb)) {
        tcg_mul2_eval(op->opc, ka, kb, &rl, &rh);
        emit_movi(o, lo, rl);
        emit_movi(o, hi, rh);
        return;
    }
    emit(o, op);
    wrote(o, lo);
    wrote(o, hi);
}

/* ---- control flow ---- */

static void forget_all(Opt *o)
{
    o->epoch++;
    o->gepoch++;
}

static void label_unref(Opt *o, uint64_t label)
{
    if (label < (uint64_t)o->s->nb_labels)
        o->label_refs[label]--;
}

/* Returns true if the code after op cannot run (until a label). */
static bool opt_control(Opt *o, TCGOp *op)
{
    switch (op->opc) {
    case INDEX_op_brcond: {
        int k = cond_known(o, (TCGCond)op->args[2], (TCGv)op->args[0], (TCGv)op->args[1]);
        if (k == 0) {
            label_unref(o, op->args[3]);
            return false;
        }
        if (k == 1) {
            TCGOp br = { .opc = INDEX_op_br, .nb_cargs = 1 };
            br.args[0] = op->args[3];
            emit(o, &br);
            return true;
        }
        emit(o, op);
        return false;
    }
    case INDEX_op_set_label:
        /* a br right before its own label does nothing */
        if (o->nout && o->out[o->nout - 1].opc == INDEX_op_br &&
            o->out[o->nout - 1].args[0] == op->args[0]) {
            o->nout--;
            label_unref(o, op->args[0]);
        }
        emit(o, op);
        forget_all(o);
        return false;
    default:
        emit(o, op);
        return op->opc == INDEX_op_br || op->opc == INDEX_op_exit_tb || op->opc == INDEX_op_goto_ptr;
    }
}

static void count_label_refs(Opt *o)
{
    TCGContext *s = o->s;
    o->label_refs = calloc((size_t)s->nb_labels + 1, sizeof(int));
    if (!o->label_refs)
        abort();
    for (int i = 0; i < s->nb_ops; i++) {
        const TCGOp *op = &s->ops[i];
        uint64_t l = op->opc == INDEX_op_br ? op->args[0] : op->opc == INDEX_op_brcond ? op->args[3] : ~0ull;
        if (l < (uint64_t)s->nb_labels)
            o->label_refs[l]++;
    }
}

/* The bits a load may set (unsigned loads of less than 64 bits). */
static uint64_t load_z(const TCGOp *op)
{
    switch (op->opc) {
    case INDEX_op_ld8u: return 0xff;
    case INDEX_op_ld16u: return 0xffff;
    case INDEX_op_ld32u: return 0xffffffff;
    case INDEX_op_qemu_ld:
        if (!(op->args[2] & MO_SIGN) && (op->args[2] & MO_SIZE) != MO_64)
            return (2ull << ((8u << (op->args[2] & MO_SIZE)) - 1)) - 1;
        return ~0ull;
    default:
        return ~0ull;
    }
}

static void opt_op(Opt *o, TCGOp *op)
{
    const TCGOpDef *def = &tcg_op_defs[op->opc];
    switch (op->opc) {
    case INDEX_op_mov: case INDEX_op_add: case INDEX_op_sub: case INDEX_op_mul:
    case INDEX_op_and: case INDEX_op_or: case INDEX_op_xor: case INDEX_op_andc:
    case INDEX_op_shl: case INDEX_op_shr: case INDEX_op_sar: case INDEX_op_rotl:
    case INDEX_op_rotr: case INDEX_op_neg: case INDEX_op_not: case INDEX_op_ext8s:
    case INDEX_op_ext8u: case INDEX_op_ext16s: case INDEX_op_ext16u: case INDEX_op_ext32s:
    case INDEX_op_ext32u: case INDEX_op_bswap64:
        opt_arith(o, op);
        return;
    case INDEX_op_setcond:
        opt_setcond(o, op);
        return;
    case INDEX_op_movcond:
        opt_movcond(o, op);
        return;
    case INDEX_op_mulu2: case INDEX_op_muls2:
        opt_mul2(o, op);
        return;
    case INDEX_op_discard:
        emit(o, op);
        wrote(o, (TCGv)op->args[0]);
        return;
    default:
        break;
    }
    /* everything else: kept; outputs written; calls may change globals */
    emit(o, op);
    for (int k = 0; k < op->nb_oargs; k++)
        wrote_z(o, (TCGv)op->args[k], k == 0 ? load_z(op) : ~0ull);
    if (def->flags & TCG_OPF_CALLS) {
        const TCGHelperInfo *info = op->opc == INDEX_op_call
            ? (const TCGHelperInfo *)(uintptr_t)op->args[op->nb_oargs + op->nb_iargs] : NULL;
        if (!info || !(info->flags & TCG_CALL_NO_WRITE_GLOBALS))
            o->gepoch++;
    }
}

void tcg_optimize(TCGContext *s)
{
    Opt o = { .s = s, .epoch = 1, .gepoch = 1 };
    grow_temps(&o);
    count_label_refs(&o);
    bool unreachable = false;
    for (int i = 0; i < s->nb_ops; i++) {
        TCGOp op = s->ops[i];
        if (op.opc == INDEX_op_set_label && op.args[0] < (uint64_t)s->nb_labels &&
            o.label_refs[op.args[0]] <= 0) {
            continue;           /* nothing jumps here: not a block boundary */
        }
        if (unreachable && op.opc != INDEX_op_set_label) {
            if (op.opc == INDEX_op_br)
                label_unref(&o, op.args[0]);
            else if (op.opc == INDEX_op_brcond)
                label_unref(&o, op.args[3]);
            continue;
        }
        unreachable = false;
        if (op.opc != INDEX_op_discard) {
            for (int k = op.nb_oargs; k < op.nb_oargs + op.nb_iargs; k++)
                op.args[k] = (uint64_t)resolve(&o, (TCGv)op.args[k]);
        }
        if (tcg_op_defs[op.opc].flags & TCG_OPF_BB_END)
            unreachable = opt_control(&o, &op);
        else
            opt_op(&o, &op);
    }
    free(s->ops);
    s->ops = o.out;
    s->nb_ops = o.nout;
    s->ops_cap = o.out_cap;
    free(o.info);
    free(o.ver);
    free(o.label_refs);
}
