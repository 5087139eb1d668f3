/*
 * The JIT's passes: tcg_optimize (folding, identities, branch folding,
 * copy propagation across a call barrier) by op counts and results, and
 * tcg_liveness (dead ops dropped, dead_args); then random IR programs
 * (loops, branches, calls, guest memory) run on every back end, raw and
 * optimized, against tci as built, plus a check of every dead_args bit
 * (dead locals overwritten with garbage must not change the results).
 */
#include "tcg-test.h"

/* ---- optimizer and liveness ---- */

static int count_ops(const TCGContext *s, TCGOpcode opc)
{
    int n = 0;
    for (int i = 0; i < s->nb_ops; i++)
        n += s->ops[i].opc == opc;
    return n;
}

/* Build into a fresh context, optimize + liveness; the caller frees it. */
static void build_opt(TCGContext *s, BuildFn *build, const void *opaque)
{
    TCGv g[NGLOB];
    ctx_init(s, g);
    build(s, g, opaque);
    tcg_optimize(s);
    tcg_liveness(s);
}

static void build_fold(TCGContext *s, const TCGv *g, const void *opaque)
{
    TCGv t0 = tcg_temp_new(s), t1 = tcg_temp_new(s), t2 = tcg_temp_new(s), t3 = tcg_temp_new(s);
    TCGv lo = tcg_temp_new(s), hi = tcg_temp_new(s);
    tcg_gen_movi(s, t0, 5);
    tcg_gen_addi(s, t1, t0, 3);
    tcg_gen_shli(s, t2, t1, 2);
    tcg_gen_unop(s, INDEX_op_bswap64, t3, t2);
    tcg_gen_mov(s, g[0], t2);                       /* 32 */
    tcg_gen_unop(s, INDEX_op_ext8s, g[1], tcg_constant(s, 0x80));
    tcg_gen_setcond(s, TCG_COND_LTU, g[2], t0, t1);  /* 1 */
    tcg_gen_mul2(s, INDEX_op_muls2, lo, hi, tcg_constant(s, (uint64_t)-3), t1);
    tcg_gen_mov(s, g[3], lo);                       /* -24 */
    tcg_gen_mov(s, g[4], hi);                       /* -1 */
    tcg_gen_movcond(s, TCG_COND_GT, g[5], t0, t1, t3, t2);   /* 32 */
    tcg_gen_exit_tb(s, 0);
}

START_TEST(test_opt_constant_folding)
{
    TCGContext s;
    build_opt(&s, build_fold, NULL);
    /* only the movs into the globals and the exit remain */
    ck_assert_int_eq(s.nb_ops, 7);
    ck_assert_int_eq(count_ops(&s, INDEX_op_mov), 6);
    for (int i = 0; i < 6; i++)
        ck_assert_int_eq(s.temps[s.ops[i].args[1]].kind, TEMP_CONST);
    tcg_ctx_free(&s);
    for (int c = 0; c < ncfgs; c++) {
        FakeEnv env = { 0 };
        run1(&cfgs[c], build_fold, NULL, &env);
        ck_assert_uint_eq(env.g[0], 32);
        ck_assert_uint_eq(env.g[1], (uint64_t)-128);
        ck_assert_uint_eq(env.g[2], 1);
        ck_assert_uint_eq(env.g[3], (uint64_t)-24);
        ck_assert_uint_eq(env.g[4], ~0ull);
        ck_assert_uint_eq(env.g[5], 32);
    }
}
END_TEST

static void build_identities(TCGContext *s, const TCGv *g, const void *opaque)
{
    TCGv t = tcg_temp_new(s);
    tcg_gen_mov(s, t, g[0]);                                    /* copy of g0 */
    tcg_gen_addi(s, g[1], t, 0);
    tcg_gen_andi(s, g[2], t, ~0ull);
    tcg_gen_andi(s, g[3], g[0], 0);
    tcg_gen_binop(s, INDEX_op_mul, g[4], tcg_constant(s, 1), t);
    tcg_gen_xor(s, g[5], t, g[0]);                              /* x ^ x */
    tcg_gen_shli(s, g[6], t, 0);
    tcg_gen_sari(s, g[7], t, 0);
    tcg_gen_exit_tb(s, 0);
}

START_TEST(test_opt_identities)
{
    TCGContext s;
    build_opt(&s, build_identities, NULL);
    ck_assert_int_eq(s.nb_ops, 8);
    ck_assert_int_eq(count_ops(&s, INDEX_op_mov), 7);
    /* the copy through t is gone: every mov reads g0 or a constant */
    for (int i = 0; i < 7; i++)
        ck_assert_int_ne(s.temps[s.ops[i].args[1]].kind, TEMP_LOCAL);
    tcg_ctx_free(&s);
    for (int c = 0; c < ncfgs; c++) {
        FakeEnv env = { .g = { 0x8123456789abcdefull } };
        run1(&cfgs[c], build_identities, NULL, &env);
        uint64_t v = env.g[0];
        ck_assert_uint_eq(env.g[1], v);
        ck_assert_uint_eq(env.g[2], v);
        ck_assert_uint_eq(env.g[3], 0);
        ck_assert_uint_eq(env.g[4], v);
        ck_assert_uint_eq(env.g[5], 0);
        ck_assert_uint_eq(env.g[6], v);
        ck_assert_uint_eq(env.g[7], v);
    }
}
END_TEST

/* Extensions and masks of values whose upper bits are known to be 0 go. */
static void build_known_bits(TCGContext *s, const TCGv *g, const void *opaque)
{
    TCGv t = tcg_temp_new(s), b = tcg_temp_new(s), h = tcg_temp_new(s);
    tcg_gen_unop(s, INDEX_op_ext32u, t, g[0]);                 /* needed */
    tcg_gen_unop(s, INDEX_op_ext32u, g[1], t);
    tcg_gen_ld(s, INDEX_op_ld8u, b, (int32_t)offsetof(FakeEnv, res[0]));
    tcg_gen_unop(s, INDEX_op_ext8u, g[2], b);
    tcg_gen_andi(s, g[3], b, 0x1ff);
    tcg_gen_unop(s, INDEX_op_ext16s, g[5], b);
    tcg_gen_shri(s, h, t, 16);
    tcg_gen_unop(s, INDEX_op_ext16u, g[4], h);
    tcg_gen_unop(s, INDEX_op_ext8s, g[6], b);                  /* needed: bit 7 may be 1 */
    tcg_gen_exit_tb(s, 0);
}

START_TEST(test_opt_known_bits)
{
    TCGContext s;
    build_opt(&s, build_known_bits, NULL);
    ck_assert_int_eq(count_ops(&s, INDEX_op_ext32u), 1);
    ck_assert_int_eq(count_ops(&s, INDEX_op_ext8u) + count_ops(&s, INDEX_op_ext16u) +
                     count_ops(&s, INDEX_op_ext16s) + count_ops(&s, INDEX_op_and), 0);
    ck_assert_int_eq(count_ops(&s, INDEX_op_ext8s), 1);
    tcg_ctx_free(&s);
    for (int c = 0; c < ncfgs; c++) {
        FakeEnv env = { .g = { 0xfedcba9876543210ull }, .res = { 0x1234567890abcdf1ull } };
        run1(&cfgs[c], build_known_bits, NULL, &env);
        ck_assert_uint_eq(env.g[1], 0x76543210);
        ck_assert_uint_eq(env.g[2], 0xf1);
        ck_assert_uint_eq(env.g[3], 0xf1);
        ck_assert_uint_eq(env.g[5], 0xf1);
        ck_assert_uint_eq(env.g[4], 0x7654);
        ck_assert_uint_eq(env.g[6], 0xfffffffffffffff1ull);
    }
}
END_TEST

/* brcond always -> br (and the code after it up to the label goes),
 * never -> gone; a br to the very next label goes too. */
static void build_branches(TCGContext *s, const TCGv *g, const void *opaque)
{
    int l1 = tcg_new_label(s), l2 = tcg_new_label(s), l3 = tcg_new_label(s);
    TCGv one = tcg_constant(s, 1);
    tcg_gen_brcond(s, TCG_COND_NE, one, one, l1);       /* never */
    tcg_gen_movi(s, g[0], 11);
    tcg_gen_brcond(s, TCG_COND_GEU, g[1], g[1], l2);    /* always */
    tcg_gen_movi(s, g[0], 22);                          /* unreachable */
    tcg_gen_addi(s, g[2], g[2], 1);                     /* unreachable */
    tcg_gen_set_label(s, l1);                           /* nothing jumps here any more */
    tcg_gen_movi(s, g[3], 33);                          /* unreachable */
    tcg_gen_set_label(s, l2);
    tcg_gen_movi(s, g[4], 44);
    tcg_gen_br(s, l3);
    tcg_gen_set_label(s, l3);
    tcg_gen_exit_tb(s, 0);
}

START_TEST(test_opt_branches)
{
    TCGContext s;
    build_opt(&s, build_branches, NULL);
    /* mov g0; (br l2 then only dead code: gone) set_label l2; mov g4; set_label l3; exit */
    ck_assert_int_eq(count_ops(&s, INDEX_op_brcond), 0);
    ck_assert_int_eq(count_ops(&s, INDEX_op_br), 0);
    ck_assert_int_eq(count_ops(&s, INDEX_op_mov), 2);
    ck_assert_int_eq(count_ops(&s, INDEX_op_add), 0);
    ck_assert_int_le(s.nb_ops, 5);
    tcg_ctx_free(&s);
    for (int c = 0; c < ncfgs; c++) {
        FakeEnv env = { .g = { 0, 0, 5, 0 } };
        run1(&cfgs[c], build_branches, NULL, &env);
        ck_assert_uint_eq(env.g[0], 11);
        ck_assert_uint_eq(env.g[2], 5);
        ck_assert_uint_eq(env.g[3], 0);
        ck_assert_uint_eq(env.g[4], 44);
    }
}
END_TEST

/* Known global values do not survive a helper call that may write them. */
static void build_call_barrier(TCGContext *s, const TCGv *g, const void *opaque)
{
    tcg_gen_movi(s, g[4], 7);
    tcg_gen_movi(s, g[0], 1);
    tcg_gen_movi(s, g[0], 2);           /* the first store is dead */
    tcg_gen_call(s, &hiv, TCG_NO_TEMP, (TCGv[]){ tcg_env(), g[1] });
    tcg_gen_addi(s, g[6], g[4], 1);
    tcg_gen_movi(s, g[0], 3);
    tcg_gen_exit_tb(s, 0);
}

START_TEST(test_opt_call_barrier)
{
    TCGContext s;
    build_opt(&s, build_call_barrier, NULL);
    ck_assert_int_eq(count_ops(&s, INDEX_op_add), 1);
    ck_assert_int_eq(count_ops(&s, INDEX_op_mov), 3);   /* g4 = 7, g0 = 2, g0 = 3 */
    tcg_ctx_free(&s);
    for (int c = 0; c < ncfgs; c++) {
        FakeEnv env = { .g = { 0, 100 } };
        run1(&cfgs[c], build_call_barrier, NULL, &env);
        ck_assert_uint_eq(env.g[5], 7 * 2 + 100);
        ck_assert_uint_eq(env.g[6], 0xdead + 1);
        ck_assert_uint_eq(env.g[0], 3);
    }
}
END_TEST

static void build_dead(TCGContext *s, const TCGv *g, const void *opaque)
{
    TCGv a = tcg_temp_new(s), b = tcg_temp_new(s), u = tcg_temp_new(s);
    tcg_gen_add(s, a, g[0], g[1]);
    tcg_gen_sub(s, b, g[0], g[1]);
    tcg_gen_binop(s, INDEX_op_mul, u, a, b); /* never read: removed */
    tcg_gen_ld(s, INDEX_op_ld64, u, (int32_t)offsetof(FakeEnv, res[0]));   /* removed */
    tcg_gen_add(s, g[2], a, b);              /* a and b die here */
    tcg_gen_exit_tb(s, 0);
}

START_TEST(test_liveness)
{
    TCGContext s;
    build_opt(&s, build_dead, NULL);
    ck_assert_int_eq(s.nb_ops, 4);
    ck_assert_int_eq(count_ops(&s, INDEX_op_mul), 0);
    ck_assert_int_eq(count_ops(&s, INDEX_op_ld64), 0);
    ck_assert_uint_eq(s.ops[0].dead_args, 0);     /* g0, g1 are globals */
    ck_assert_uint_eq(s.ops[2].opc, INDEX_op_add);
    ck_assert_uint_eq(s.ops[2].dead_args, 3);
    tcg_ctx_free(&s);

    /* the loop: i and acc live around the back edge */
    TCGContext l;
    build_opt(&l, build_loop, NULL);
    for (int i = 0; i < l.nb_ops; i++) {
        const TCGOp *op = &l.ops[i];
        for (int k = 0; k < op->nb_iargs; k++) {
            TCGv t = (TCGv)op->args[op->nb_oargs + k];
            bool writes_it = op->nb_oargs && (TCGv)op->args[0] == t;
            if (l.temps[t].kind == TEMP_LOCAL && op->opc != INDEX_op_mov && !writes_it)
                ck_assert_msg(!(op->dead_args & (1u << k)), "op %d (%s) arg %d dead", i,
                              tcg_op_defs[op->opc].name, k);
        }
    }
    tcg_ctx_free(&l);
}
END_TEST

/* A helper that reads globals and an env field, and writes a global. */
static uint64_t hmix(void *env, uint64_t a, uint32_t b)
{
    FakeEnv *e = env;
    uint64_t r = (e->g[0] * 31) ^ e->g[3] ^ (a + b) ^ e->res[1];   /* sees env stores */
    e->g[2] += a;
    return r;
}
static TCGHelperInfo himix = { .func = (void *)hmix, .name = "hmix", .ret = I64, .nargs = 3,
                               .args = { PTR, I64, I32 } };

/* env stores overwritten before anything reads env are dropped; a helper
 * call reads env (so do loads and the guest memory ops' slow paths). */
static void build_env_stores(TCGContext *s, const TCGv *g, const void *opaque)
{
    int32_t r1 = (int32_t)offsetof(FakeEnv, res[1]), r2 = r1 + 8, r3 = r1 + 16;
    tcg_gen_st(s, INDEX_op_st64, tcg_constant(s, 0x11), r1);     /* dead */
    tcg_gen_st(s, INDEX_op_st64, tcg_constant(s, 0x22), r1);
    tcg_gen_call(s, &himix, g[5], (TCGv[]){ tcg_env(), tcg_constant(s, 0), tcg_constant(s, 0) });
    tcg_gen_st(s, INDEX_op_st64, tcg_constant(s, 0x33), r1);
    tcg_gen_st(s, INDEX_op_st32, tcg_constant(s, 0x44), r2);     /* dead */
    tcg_gen_st(s, INDEX_op_st64, tcg_constant(s, 0x55), r2);
    tcg_gen_st(s, INDEX_op_st64, tcg_constant(s, 0x66), r3);     /* partly overwritten: kept */
    tcg_gen_st(s, INDEX_op_st32, tcg_constant(s, 0x77), r3);
    tcg_gen_ld(s, INDEX_op_ld64, g[6], r3);
    tcg_gen_st(s, INDEX_op_st64, tcg_constant(s, 0x88), r3);
    tcg_gen_exit_tb(s, 0);
}

START_TEST(test_dead_env_stores)
{
    TCGContext s;
    build_opt(&s, build_env_stores, NULL);
    int st = count_ops(&s, INDEX_op_st32) + count_ops(&s, INDEX_op_st64);
    ck_assert_int_eq(st, 6);
    tcg_ctx_free(&s);
    for (int c = 0; c < ncfgs; c++) {
        FakeEnv env = { .g = { 3, 0, 0, 0x100 } };
        run1(&cfgs[c], build_env_stores, NULL, &env);
        ck_assert_uint_eq(env.g[5], (3 * 31) ^ 0x100 ^ 0x22);
        ck_assert_uint_eq(env.res[1], 0x33);
        ck_assert_uint_eq(env.res[2], 0x55);
        ck_assert_uint_eq(env.g[6], 0x77);
        ck_assert_uint_eq(env.res[3], 0x88);
    }
}
END_TEST

/* ---- random programs: every configuration agrees with tci as built ---- */

typedef struct Rng { uint64_t x; } Rng;

static uint64_t rnd(Rng *r)
{
    r->x ^= r->x << 13;
    r->x ^= r->x >> 7;
    r->x ^= r->x << 17;
    return r->x;
}

static unsigned rndn(Rng *r, unsigned n) { return (unsigned)(rnd(r) % n); }

static uint64_t rnd_val(Rng *r)
{
    switch (rndn(r, 4)) {
    case 0: return vals[rndn(r, NVALS)];
    case 1: return rndn(r, 16);
    case 2: return (uint64_t)-(int64_t)rndn(r, 16);
    default: return rnd(r);
    }
}

#define NLOC 6

typedef struct RProg {
    TCGContext *s;
    const TCGv *g;
    TCGv loc[NLOC];
    Rng rng;
    int pending[8], npending;
} RProg;

static TCGv r_dst(RProg *p)
{
    unsigned k = rndn(&p->rng, NLOC + 4);
    return k < NLOC ? p->loc[k] : p->g[k - NLOC];
}

static TCGv r_src(RProg *p)
{
    unsigned k = rndn(&p->rng, NLOC + 6);
    if (k < NLOC)
        return p->loc[k];
    if (k < NLOC + 4)
        return p->g[k - NLOC];
    return tcg_constant(p->s, rnd_val(&p->rng));
}

/* A shift count in 0..63. */
static TCGv r_count(RProg *p)
{
    if (rndn(&p->rng, 2))
        return tcg_constant(p->s, rndn(&p->rng, 3) ? rndn(&p->rng, 64) : 63 * rndn(&p->rng, 2));
    TCGv t = tcg_temp_new(p->s);
    tcg_gen_andi(p->s, t, r_src(p), 63);
    return t;
}

/* An 8-byte aligned guest address: in the mapped page, or in the next one (slow path). */
static TCGv r_addr(RProg *p)
{
    TCGv t = tcg_temp_new(p->s);
    tcg_gen_andi(p->s, t, r_src(p), 0xff8);
    tcg_gen_addi(p->s, t, t, GVA + (rndn(&p->rng, 4) == 0 ? PAGE : 0));
    return t;
}

static void flush_labels(RProg *p)
{
    while (p->npending)
        tcg_gen_set_label(p->s, p->pending[--p->npending]);
}

static void r_op(RProg *p)
{
    TCGContext *s = p->s;
    unsigned kind = rndn(&p->rng, 17);
    TCGOpcode op;
    switch (kind) {
    case 0: case 1: case 2: case 3:
        op = binops[rndn(&p->rng, NBINOPS)];
        tcg_gen_binop(s, op, r_dst(p), r_src(p), is_shift(op) ? r_count(p) : r_src(p));
        break;
    case 4: case 5:
        tcg_gen_unop(s, unops[rndn(&p->rng, NUNOPS)], r_dst(p), r_src(p));
        break;
    case 6: {
        TCGv lo = r_dst(p), hi = r_dst(p);
        if (lo != hi)
            tcg_gen_mul2(s, rndn(&p->rng, 2) ? INDEX_op_mulu2 : INDEX_op_muls2, lo, hi, r_src(p), r_src(p));
        break;
    }
    case 7:
        tcg_gen_setcond(s, (TCGCond)rndn(&p->rng, NCONDS), r_dst(p), r_src(p), r_src(p));
        break;
    case 8:
        tcg_gen_movcond(s, (TCGCond)rndn(&p->rng, NCONDS), r_dst(p), r_src(p), r_src(p), r_src(p), r_src(p));
        break;
    case 9: {
        int k = (int)rndn(&p->rng, 8);
        if (rndn(&p->rng, 2))
            tcg_gen_st(s, INDEX_op_st8 + rndn(&p->rng, 4), r_src(p), (int32_t)offsetof(FakeEnv, res[k]));
        else
            tcg_gen_ld(s, INDEX_op_ld8u + rndn(&p->rng, 7), r_dst(p), (int32_t)offsetof(FakeEnv, res[k]));
        break;
    }
    case 10:
        if (rndn(&p->rng, 2))
            tcg_gen_qemu_ld(s, r_dst(p), r_addr(p), rndn(&p->rng, 7), (int)rndn(&p->rng, 2));
        else
            tcg_gen_qemu_st(s, r_src(p), r_addr(p), rndn(&p->rng, 4), (int)rndn(&p->rng, 2));
        break;
    case 11: {
        TCGv d = rndn(&p->rng, 3) ? r_dst(p) : TCG_NO_TEMP;
        if (rndn(&p->rng, 2))
            tcg_gen_call(s, &himix, d == TCG_NO_TEMP ? r_dst(p) : d, (TCGv[]){ tcg_env(), r_src(p), r_src(p) });
        else
            tcg_gen_call(s, &hiv, TCG_NO_TEMP, (TCGv[]){ tcg_env(), r_src(p) });
        break;
    }
    case 12:
        if (p->npending < 8) {
            int l = tcg_new_label(s);
            tcg_gen_brcond(s, (TCGCond)rndn(&p->rng, NCONDS), r_src(p), r_src(p), l);
            p->pending[p->npending++] = l;
        }
        break;
    case 13:
        if (p->npending)
            tcg_gen_set_label(s, p->pending[--p->npending]);
        break;
    case 14: {
        /* extension chains and masks (known-bits simplifications) */
        static const uint64_t masks[] = { 0xff, 0x7f, 0xffff, 0x7fff, 0xffffffff, 0x1ff, ~0ull };
        TCGv t = tcg_temp_new(s), u = r_dst(p);
        tcg_gen_unop(s, INDEX_op_ext8s + rndn(&p->rng, 6), t, r_src(p));
        if (rndn(&p->rng, 2))
            tcg_gen_shri(s, t, t, rndn(&p->rng, 20));
        tcg_gen_unop(s, INDEX_op_ext8s + rndn(&p->rng, 6), u, t);
        tcg_gen_andi(s, r_dst(p), u, masks[rndn(&p->rng, 7)]);
        break;
    }
    default:
        tcg_gen_mov(s, r_dst(p), r_src(p));
        break;
    }
}

static void build_random(TCGContext *s, const TCGv *g, const void *opaque)
{
    RProg p = { .s = s, .g = g, .rng = { *(const uint64_t *)opaque } };
    for (int i = 0; i < NLOC; i++) {
        p.loc[i] = tcg_temp_new(s);
        tcg_gen_movi(s, p.loc[i], rnd_val(&p.rng));
    }
    for (int part = 0; part < 3; part++) {
        int n = 5 + (int)rndn(&p.rng, 15);
        if (rndn(&p.rng, 2)) {
            /* a loop running 1..4 times around random code */
            TCGv cnt = tcg_temp_new(s);
            int top = tcg_new_label(s);
            tcg_gen_movi(s, cnt, 1 + rndn(&p.rng, 4));
            tcg_gen_set_label(s, top);
            for (int i = 0; i < n; i++)
                r_op(&p);
            flush_labels(&p);
            tcg_gen_addi(s, cnt, cnt, (uint64_t)-1);
            tcg_gen_brcond(s, TCG_COND_NE, cnt, tcg_constant(s, 0), top);
        } else {
            for (int i = 0; i < n; i++)
                r_op(&p);
        }
        flush_labels(&p);
    }
    for (int i = 0; i < NLOC; i++)
        tcg_gen_st(s, INDEX_op_st64, p.loc[i], (int32_t)offsetof(FakeEnv, res[16 + i]));
    tcg_gen_exit_tb(s, 0x100 + rndn(&p.rng, 16) * 4);
}

/* After every op, overwrite the locals liveness says are dead after it with
 * garbage (a wrong dead bit then changes the results). */
static void poison_dead_locals(TCGContext *s)
{
    int n = s->nb_ops;
    TCGOp *old = malloc(sizeof(TCGOp) * (size_t)n);
    memcpy(old, s->ops, sizeof(TCGOp) * (size_t)n);
    s->nb_ops = 0;
    for (int i = 0; i < n; i++) {
        const TCGOp *op = &old[i];
        if (s->nb_ops == s->ops_cap) {
            s->ops_cap *= 2;
            s->ops = realloc(s->ops, sizeof(TCGOp) * (size_t)s->ops_cap);
            ck_assert_ptr_nonnull(s->ops);
        }
        s->ops[s->nb_ops++] = *op;
        if (op->opc == INDEX_op_br || op->opc == INDEX_op_brcond)
            continue;
        for (int k = 0; k < op->nb_iargs; k++) {
            TCGv t = (TCGv)op->args[op->nb_oargs + k];
            bool is_out = false;
            for (int j = 0; j < op->nb_oargs; j++)
                is_out |= (TCGv)op->args[j] == t;
            if ((op->dead_args & (1u << k)) && s->temps[t].kind == TEMP_LOCAL && !is_out)
                tcg_gen_movi(s, t, 0x5a5a5a5a00000000ull + (uint64_t)i);
        }
    }
    free(old);
}

static uintptr_t run_poisoned(uint64_t x, FakeEnv *env)
{
    TCGContext s;
    TCGv g[NGLOB];
    ctx_init(&s, g);
    build_random(&s, g, &x);
    tcg_optimize(&s);
    tcg_liveness(&s);
    poison_dead_locals(&s);
    Cfg c = { .be = &tcg_backend_tci, .name = "tci+poison" };
    buf_start(&c);
    uint8_t *code = compile(&c, &s, NULL);
    tcg_ctx_free(&s);
    return exec(&c, env, code);
}

START_TEST(test_random_programs)
{
    static uint8_t page0[PAGE], page_ref[PAGE];
    for (unsigned i = 0; i < PAGE; i++)
        page0[i] = (uint8_t)(i * 13 + 5);
    const char *n = getenv("TEST_TCG_SEEDS");     /* more programs on demand */
    uint64_t nseeds = n ? strtoull(n, NULL, 0) : 400;
    for (uint64_t seed = 1; seed <= nseeds; seed++) {
        uint64_t x = seed * 0x9e3779b97f4a7c15ull;
        Rng r = { x };
        FakeEnv init = { .slow_ret = rnd(&r) };
        for (int i = 0; i < NGLOB; i++)
            init.g[i] = rnd_val(&r);
        for (int i = 0; i < 16; i++)
            init.res[i] = rnd(&r);
        tlb_map(&init, 0, 0, 0);
        tlb_map(&init, 1, 0, 0);
        FakeEnv ref;
        uintptr_t ref_ret = 0;
        for (int c = 0; c <= ncfgs; c++) {
            const char *name = c < ncfgs ? name : "tci+poison";
            FakeEnv env = init;
            memcpy(guest_page, page0, PAGE);
            uintptr_t ret = c < ncfgs ? run1(&cfgs[c], build_random, &x, &env) : run_poisoned(x, &env);
            if (c == 0) {
                ref = env;
                ref_ret = ret;
                memcpy(page_ref, guest_page, PAGE);
                continue;
            }
            ck_assert_msg(ret == ref_ret, "seed %llu: %s returned %#lx, tci %#lx", (unsigned long long)seed,
                          name, (unsigned long)ret, (unsigned long)ref_ret);
            for (int i = 0; i < NGLOB; i++)
                ck_assert_msg(env.g[i] == ref.g[i], "seed %llu: %s g%d = %#llx, tci %#llx",
                              (unsigned long long)seed, name, i, (unsigned long long)env.g[i],
                              (unsigned long long)ref.g[i]);
            for (int i = 0; i < NRES; i++)
                ck_assert_msg(env.res[i] == ref.res[i], "seed %llu: %s res[%d] = %#llx, tci %#llx",
                              (unsigned long long)seed, name, i, (unsigned long long)env.res[i],
                              (unsigned long long)ref.res[i]);
            ck_assert_msg(memcmp(guest_page, page_ref, PAGE) == 0, "seed %llu: %s guest page",
                          (unsigned long long)seed, name);
            ck_assert_int_eq(env.slow_loads, ref.slow_loads);
            ck_assert_int_eq(env.slow_stores, ref.slow_stores);
            ck_assert_uint_eq(env.slow_val, ref.slow_val);
        }
    }
}
END_TEST

int main(void)
{
    return unit_run_tcase("tcg-opt", "passes", setup, teardown, UNIT_TESTS(
        test_opt_constant_folding, test_opt_identities, test_opt_known_bits, test_opt_branches, test_opt_call_barrier,
        test_liveness, test_dead_env_stores, test_random_programs));
}
