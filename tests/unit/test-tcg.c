/*
 * The JIT core: small IR programs built with the tcg.h builders, run
 * through every back end this build has (tci, x86_64), each both as built
 * and after tcg_optimize + tcg_liveness, checking the results left in a
 * fake CPU state against values computed here in plain C (tcg-test.h).
 * The passes themselves and random programs: test-tcg-opt.c.
 */
#include <setjmp.h>
#include <stdarg.h>

#include "tcg-test.h"

/* ---- arithmetic ---- */

typedef struct Pair { uint64_t a, b; } Pair;

/* res[3k..3k+2] = op_k(g0, g1), op_k(g0, $b), op_k($a, $b); unops after. */
static void build_alu(TCGContext *s, const TCGv *g, const void *opaque)
{
    const Pair *p = opaque;
    int r = 0;
    for (size_t k = 0; k < NBINOPS; k++) {
        uint64_t b = is_shift(binops[k]) ? p->b & 63 : p->b;
        TCGv t0 = tcg_temp_new(s), t1 = tcg_temp_new(s), t2 = tcg_temp_new(s);
        TCGv gb = g[1];
        if (is_shift(binops[k])) {
            gb = tcg_temp_new(s);
            tcg_gen_andi(s, gb, g[1], 63);
        }
        tcg_gen_binop(s, binops[k], t0, g[0], gb);
        tcg_gen_binop(s, binops[k], t1, g[0], tcg_constant(s, b));
        tcg_gen_binop(s, binops[k], t2, tcg_constant(s, p->a), tcg_constant(s, b));
        tcg_gen_st(s, INDEX_op_st64, t0, (int32_t)offsetof(FakeEnv, res[r++]));
        tcg_gen_st(s, INDEX_op_st64, t1, (int32_t)offsetof(FakeEnv, res[r++]));
        tcg_gen_st(s, INDEX_op_st64, t2, (int32_t)offsetof(FakeEnv, res[r++]));
    }
    for (size_t k = 0; k < NUNOPS; k++) {
        TCGv t0 = tcg_temp_new(s), t1 = tcg_temp_new(s);
        tcg_gen_unop(s, unops[k], t0, g[0]);
        tcg_gen_unop(s, unops[k], t1, tcg_constant(s, p->a));
        tcg_gen_st(s, INDEX_op_st64, t0, (int32_t)offsetof(FakeEnv, res[r++]));
        tcg_gen_st(s, INDEX_op_st64, t1, (int32_t)offsetof(FakeEnv, res[r++]));
    }
    /* in place on a global: g2 = g2 op g0 */
    tcg_gen_sub(s, g[2], g[2], g[0]);
    tcg_gen_exit_tb(s, 7);
}

START_TEST(test_alu_ops)
{
    for (int c = 0; c < ncfgs; c++) {
        for (size_t i = 0; i < NVALS; i++) {
            for (size_t j = 0; j < NVALS; j++) {
                Pair p = { vals[i], vals[j] };
                FakeEnv env = { .g = { p.a, p.b, 1000 } };
                ck_assert_uint_eq(run1(&cfgs[c], build_alu, &p, &env), 7);
                int r = 0;
                for (size_t k = 0; k < NBINOPS; k++) {
                    uint64_t want = ref_binop(binops[k], p.a, is_shift(binops[k]) ? p.b & 63 : p.b);
                    for (int v = 0; v < 3; v++, r++)
                        ck_assert_msg(env.res[r] == want, "%s: %s(%#llx, %#llx) variant %d = %#llx, want %#llx",
                                      cfgs[c].name, tcg_op_defs[binops[k]].name, (unsigned long long)p.a,
                                      (unsigned long long)p.b, v, (unsigned long long)env.res[r],
                                      (unsigned long long)want);
                }
                for (size_t k = 0; k < NUNOPS; k++) {
                    uint64_t want = ref_unop(unops[k], p.a);
                    for (int v = 0; v < 2; v++, r++)
                        ck_assert_msg(env.res[r] == want, "%s: %s(%#llx) = %#llx, want %#llx", cfgs[c].name,
                                      tcg_op_defs[unops[k]].name, (unsigned long long)p.a,
                                      (unsigned long long)env.res[r], (unsigned long long)want);
                }
                ck_assert_uint_eq(env.g[2], 1000 - p.a);
                ck_assert_uint_eq(env.g[0], p.a);
                ck_assert_uint_eq(env.g[1], p.b);
            }
        }
    }
}
END_TEST

static void build_mul2(TCGContext *s, const TCGv *g, const void *opaque)
{
    const Pair *p = opaque;
    TCGv lo = tcg_temp_new(s), hi = tcg_temp_new(s);
    tcg_gen_mul2(s, INDEX_op_mulu2, g[2], g[3], g[0], g[1]);
    tcg_gen_mul2(s, INDEX_op_muls2, g[4], g[5], g[0], g[1]);
    tcg_gen_mul2(s, INDEX_op_muls2, lo, hi, tcg_constant(s, p->a), tcg_constant(s, p->b));
    tcg_gen_mov(s, g[6], lo);
    tcg_gen_mov(s, g[7], hi);
    tcg_gen_exit_tb(s, 0);
}

START_TEST(test_mul2)
{
    for (int c = 0; c < ncfgs; c++) {
        for (size_t i = 0; i < NVALS; i++) {
            for (size_t j = 0; j < NVALS; j++) {
                Pair p = { vals[i], vals[j] };
                FakeEnv env = { .g = { p.a, p.b } };
                run1(&cfgs[c], build_mul2, &p, &env);
                unsigned __int128 u = (unsigned __int128)p.a * p.b;
                __int128 sgn = (__int128)(int64_t)p.a * (int64_t)p.b;
                ck_assert_uint_eq(env.g[2], (uint64_t)u);
                ck_assert_uint_eq(env.g[3], (uint64_t)(u >> 64));
                ck_assert_msg(env.g[5] == (uint64_t)((unsigned __int128)sgn >> 64), "%s: muls2 %#llx * %#llx",
                              cfgs[c].name, (unsigned long long)p.a, (unsigned long long)p.b);
                ck_assert_uint_eq(env.g[4], (uint64_t)sgn);
                ck_assert_uint_eq(env.g[6], (uint64_t)sgn);
                ck_assert_uint_eq(env.g[7], (uint64_t)((unsigned __int128)sgn >> 64));
            }
        }
    }
}
END_TEST

/* ---- conditions ---- */

/* Per condition k: res[4k] = setcond(g0, g1), res[4k+1] = movcond(g0, g1, g2, g3),
 * res[4k+2] = the brcond outcome, res[4k+3] = setcond with constants. */
static void build_conds(TCGContext *s, const TCGv *g, const void *opaque)
{
    const Pair *p = opaque;
    for (int k = 0; k < NCONDS; k++) {
        TCGv t = tcg_temp_new(s), m = tcg_temp_new(s), b = tcg_temp_new(s), kc = tcg_temp_new(s);
        int l = tcg_new_label(s);
        tcg_gen_setcond(s, (TCGCond)k, t, g[0], g[1]);
        tcg_gen_movcond(s, (TCGCond)k, m, g[0], g[1], g[2], g[3]);
        tcg_gen_movi(s, b, 1);
        tcg_gen_brcond(s, (TCGCond)k, g[0], g[1], l);
        tcg_gen_movi(s, b, 0);
        tcg_gen_set_label(s, l);
        tcg_gen_setcond(s, (TCGCond)k, kc, tcg_constant(s, p->a), tcg_constant(s, p->b));
        tcg_gen_st(s, INDEX_op_st64, t, (int32_t)offsetof(FakeEnv, res[4 * k]));
        tcg_gen_st(s, INDEX_op_st64, m, (int32_t)offsetof(FakeEnv, res[4 * k + 1]));
        tcg_gen_st(s, INDEX_op_st64, b, (int32_t)offsetof(FakeEnv, res[4 * k + 2]));
        tcg_gen_st(s, INDEX_op_st64, kc, (int32_t)offsetof(FakeEnv, res[4 * k + 3]));
    }
    tcg_gen_exit_tb(s, 0);
}

START_TEST(test_conditions)
{
    for (int c = 0; c < ncfgs; c++) {
        for (size_t i = 0; i < NVALS; i++) {
            for (size_t j = 0; j < NVALS; j += (i % 3) + 1) {
                Pair p = { vals[i], vals[j] };
                FakeEnv env = { .g = { p.a, p.b, 0x1111, 0x2222 } };
                run1(&cfgs[c], build_conds, &p, &env);
                for (int k = 0; k < NCONDS; k++) {
                    bool want = ref_cond((TCGCond)k, p.a, p.b);
                    ck_assert_msg(env.res[4 * k] == want && env.res[4 * k + 2] == want &&
                                  env.res[4 * k + 3] == want &&
                                  env.res[4 * k + 1] == (want ? 0x1111u : 0x2222u),
                                  "%s: cond %d (%#llx, %#llx): %llu %llu %llu %#llx", cfgs[c].name, k,
                                  (unsigned long long)p.a, (unsigned long long)p.b,
                                  (unsigned long long)env.res[4 * k], (unsigned long long)env.res[4 * k + 2],
                                  (unsigned long long)env.res[4 * k + 3], (unsigned long long)env.res[4 * k + 1]);
                }
            }
        }
    }
}
END_TEST

/* ---- control flow ---- */

START_TEST(test_loop)
{
    static const uint64_t ns[] = { 0, 1, 2, 10, 1000 };
    for (int c = 0; c < ncfgs; c++) {
        for (size_t k = 0; k < sizeof(ns) / sizeof(ns[0]); k++) {
            FakeEnv env = { .g = { ns[k] } };
            ck_assert_uint_eq(run1(&cfgs[c], build_loop, NULL, &env), 0x40);
            ck_assert_uint_eq(env.g[1], ns[k] * (ns[k] + 1) / 2);
            ck_assert_uint_eq(env.g[2], ns[k]);
        }
    }
}
END_TEST

/* exit_tb's value is returned whole; code after an exit does not run */
static void build_exit(TCGContext *s, const TCGv *g, const void *opaque)
{
    int l = tcg_new_label(s);
    tcg_gen_brcond(s, TCG_COND_NE, g[0], tcg_constant(s, 0), l);
    tcg_gen_exit_tb(s, (uintptr_t)0xfedcba9876543210ull);
    tcg_gen_set_label(s, l);
    tcg_gen_movi(s, g[1], 5);
    tcg_gen_exit_tb(s, 0x1235);
    tcg_gen_movi(s, g[1], 6);
    tcg_gen_exit_tb(s, 3);
}

START_TEST(test_exit_tb)
{
    for (int c = 0; c < ncfgs; c++) {
        FakeEnv env = { .g = { 0 } };
        ck_assert_uint_eq(run1(&cfgs[c], build_exit, NULL, &env), (uintptr_t)0xfedcba9876543210ull);
        ck_assert_uint_eq(env.g[1], 0);
        env.g[0] = 1;
        ck_assert_uint_eq(run1(&cfgs[c], build_exit, NULL, &env), 0x1235);
        ck_assert_uint_eq(env.g[1], 5);
    }
}
END_TEST

/* Block A: g0 += 1, goto_tb 0, exit 0xa0. Block B: g1 += 10, exit 0xb0. */
START_TEST(test_goto_tb_chaining)
{
    for (int c = 0; c < ncfgs; c++) {
        const Cfg *cf = &cfgs[c];
        TCGContext s;
        TCGv g[NGLOB];
        TCGCodeInfo ia, ib;
        buf_start(cf);
        ctx_init(&s, g);
        tcg_gen_addi(&s, g[0], g[0], 1);
        tcg_gen_goto_tb(&s, 0);
        tcg_gen_exit_tb(&s, 0xa0);
        uint8_t *a = compile(cf, &s, &ia);
        tcg_ctx_reset(&s);
        tcg_gen_addi(&s, g[1], g[1], 10);
        tcg_gen_goto_tb(&s, 1);
        tcg_gen_exit_tb(&s, 0xb1);
        uint8_t *b = compile(cf, &s, &ib);
        tcg_ctx_free(&s);
        ck_assert_uint_ne(ia.jmp_insn_offset[0], UINT32_MAX);
        ck_assert_uint_eq(ia.jmp_insn_offset[1], UINT32_MAX);
        ck_assert_uint_ne(ib.jmp_insn_offset[1], UINT32_MAX);
        ck_assert_uint_lt(ia.jmp_reset_offset[0], ia.size);

        FakeEnv env = { .g = { 0 } };
        ck_assert_uint_eq(exec(cf, &env, a), 0xa0);
        ck_assert_uint_eq(env.g[0], 1);
        ck_assert_uint_eq(env.g[1], 0);
        cf->be->patch_jump(a + ia.jmp_insn_offset[0], b);
        cf->be->flush_icache(a, ia.size);
        ck_assert_uint_eq(exec(cf, &env, a), 0xb1);
        ck_assert_uint_eq(env.g[0], 2);
        ck_assert_uint_eq(env.g[1], 10);
        /* unchained again: A's slot jumps to the code right after it */
        cf->be->patch_jump(a + ia.jmp_insn_offset[0], a + ia.jmp_reset_offset[0]);
        ck_assert_uint_eq(exec(cf, &env, a), 0xa0);
        ck_assert_uint_eq(env.g[0], 3);
        ck_assert_uint_eq(env.g[1], 10);
        ck_assert_uint_eq(exec(cf, &env, b), 0xb1);
        ck_assert_uint_eq(env.g[1], 20);
    }
}
END_TEST

/* goto_ptr to the address in g0 (0: back to the loop). */
START_TEST(test_goto_ptr)
{
    for (int c = 0; c < ncfgs; c++) {
        const Cfg *cf = &cfgs[c];
        TCGContext s;
        TCGv g[NGLOB];
        buf_start(cf);
        ctx_init(&s, g);
        tcg_gen_addi(&s, g[1], g[1], 1);
        tcg_gen_goto_ptr(&s, g[0]);
        uint8_t *a = compile(cf, &s, NULL);
        tcg_ctx_reset(&s);
        tcg_gen_addi(&s, g[2], g[2], 1);
        tcg_gen_exit_tb(&s, 0x77);
        uint8_t *b = compile(cf, &s, NULL);
        tcg_ctx_free(&s);

        FakeEnv env = { .g = { 0 } };
        ck_assert_uint_eq(exec(cf, &env, a), 0);
        ck_assert_uint_eq(env.g[1], 1);
        env.g[0] = (uintptr_t)b;
        ck_assert_uint_eq(exec(cf, &env, a), 0x77);
        ck_assert_uint_eq(env.g[1], 2);
        ck_assert_uint_eq(env.g[2], 1);
    }
}
END_TEST

/* ---- helper calls ---- */

static uint64_t h0(void) { return 0x0123456789abcdefull; }
static uint32_t h1(uint32_t a) { return a * 3 + 0x80000000u; }
static uint64_t h2(uint64_t a, void *env) { return a + ((FakeEnv *)env)->g[0]; }
static uint64_t h3(uint32_t a, uint64_t b, uint32_t c) { return (uint64_t)a << 40 ^ b ^ c; }
static uint64_t h4(void *env, uint64_t a, uint64_t b, uint32_t c)
{
    return ((FakeEnv *)env)->g[1] * 7 + a - b + c;
}
static uint64_t h5(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e)
{
    return a * 1 + b * 3 + c * 5 + d * 7 + e * 11;
}
static uint64_t h6(uint32_t a, uint64_t b, void *p, uint32_t c, uint64_t d, uint32_t e)
{
    return (a ^ b) + (uint64_t)(uintptr_t)p + c * 13ull + d * 17 + e * 19ull;
}
static TCGHelperInfo hi0 = { .func = (void *)h0, .name = "h0", .ret = I64, .nargs = 0 };
static TCGHelperInfo hi1 = { .func = (void *)h1, .name = "h1", .ret = I32, .nargs = 1, .args = { I32 } };
static TCGHelperInfo hi2 = { .func = (void *)h2, .name = "h2", .ret = I64, .nargs = 2, .args = { I64, PTR } };
static TCGHelperInfo hi3 = { .func = (void *)h3, .name = "h3", .ret = I64, .nargs = 3, .args = { I32, I64, I32 } };
static TCGHelperInfo hi4 = { .func = (void *)h4, .name = "h4", .ret = I64, .nargs = 4,
                             .args = { PTR, I64, I64, I32 } };
static TCGHelperInfo hi5 = { .func = (void *)h5, .name = "h5", .ret = I64, .nargs = 5,
                             .args = { I64, I64, I64, I64, I64 } };
static TCGHelperInfo hi6 = { .func = (void *)h6, .name = "h6", .ret = I64, .nargs = 6,
                             .args = { I32, I64, PTR, I32, I64, I32 } };
static void build_calls(TCGContext *s, const TCGv *g, const void *opaque)
{
    const uint64_t *a = opaque;   /* 3 values */
    TCGv r[8], env = tcg_env();
    for (int i = 0; i < 8; i++)
        r[i] = tcg_temp_new(s);
    TCGv c0 = tcg_constant(s, a[0]), c1 = tcg_constant(s, a[1]);
    tcg_gen_call(s, &hi0, r[0], NULL);
    tcg_gen_call(s, &hi1, r[1], (TCGv[]){ c0 });
    tcg_gen_call(s, &hi2, r[2], (TCGv[]){ g[2], env });
    tcg_gen_call(s, &hi3, r[3], (TCGv[]){ g[2], g[3], c1 });
    tcg_gen_call(s, &hi4, r[4], (TCGv[]){ env, c0, g[2], g[3] });
    tcg_gen_call(s, &hi5, r[5], (TCGv[]){ g[2], g[3], c0, c1, r[0] });
    tcg_gen_call(s, &hi6, r[6], (TCGv[]){ g[3], g[2], tcg_constant(s, 0x1000), c0, c1, g[2] });
    for (int i = 0; i < 7; i++)
        tcg_gen_st(s, INDEX_op_st64, r[i], (int32_t)offsetof(FakeEnv, res[i]));
    /* globals written just before the call, read just after it */
    tcg_gen_addi(s, g[4], g[0], 5);
    tcg_gen_call(s, &hiv, TCG_NO_TEMP, (TCGv[]){ env, g[1] });
    tcg_gen_addi(s, g[6], g[4], 1);
    tcg_gen_add(s, g[7], g[5], g[4]);
    tcg_gen_exit_tb(s, 0);
}

START_TEST(test_calls)
{
    static const uint64_t sets[][4] = {
        { 1, 2, 3, 4 },
        { 0xffffffff00000001ull, 0x8000000000000000ull, 0xfffffffffffffff0ull, 0x1234567800000000ull },
        { 0x87654321ull, 0, 0xffffffffull, 0x7fffffffffffffffull },
    };
    for (int c = 0; c < ncfgs; c++) {
        for (size_t k = 0; k < sizeof(sets) / sizeof(sets[0]); k++) {
            const uint64_t *v = sets[k];
            uint64_t ca[2] = { v[0], v[1] };
            FakeEnv env = { .g = { 100, 3, v[2], v[3] } };
            run1(&cfgs[c], build_calls, ca, &env);
            uint32_t a0 = (uint32_t)v[0];
            ck_assert_uint_eq(env.res[0], 0x0123456789abcdefull);
            ck_assert_uint_eq(env.res[1], (uint32_t)(a0 * 3 + 0x80000000u));
            ck_assert_uint_eq(env.res[2], v[2] + 100);
            ck_assert_uint_eq(env.res[3], (uint64_t)(uint32_t)v[2] << 40 ^ v[3] ^ (uint32_t)v[1]);
            ck_assert_uint_eq(env.res[4], 3 * 7 + v[0] - v[2] + (uint32_t)v[3]);
            ck_assert_uint_eq(env.res[5], v[2] + v[3] * 3 + v[0] * 5 + v[1] * 7 + 0x0123456789abcdefull * 11);
            ck_assert_msg(env.res[6] == (((uint32_t)v[3] ^ v[2]) + 0x1000 + a0 * 13ull + v[1] * 17 +
                                         (uint32_t)v[2] * 19ull), "%s: h6", cfgs[c].name);
            ck_assert_uint_eq(env.g[5], (100 + 5) * 2 + 3);
            ck_assert_uint_eq(env.g[4], 0xdead);
            ck_assert_uint_eq(env.g[6], 0xdead + 1);
            ck_assert_uint_eq(env.g[7], 0xdead + (100 + 5) * 2 + 3);
        }
    }
}
END_TEST

/* ---- env loads and stores ---- */

static void build_ldst(TCGContext *s, const TCGv *g, const void *opaque)
{
    int32_t b = (int32_t)offsetof(FakeEnv, bytes);
    static const TCGOpcode lds[] = { INDEX_op_ld8u, INDEX_op_ld8s, INDEX_op_ld16u, INDEX_op_ld16s,
                                     INDEX_op_ld32u, INDEX_op_ld32s, INDEX_op_ld64 };
    for (int i = 0; i < 7; i++) {
        TCGv t = tcg_temp_new(s);
        tcg_gen_ld(s, lds[i], t, b);
        tcg_gen_st(s, INDEX_op_st64, t, (int32_t)offsetof(FakeEnv, res[i]));
    }
    tcg_gen_st(s, INDEX_op_st8, g[0], (int32_t)offsetof(FakeEnv, res[10]));
    tcg_gen_st(s, INDEX_op_st16, g[0], (int32_t)offsetof(FakeEnv, res[11]));
    tcg_gen_st(s, INDEX_op_st32, g[0], (int32_t)offsetof(FakeEnv, res[12]));
    tcg_gen_st(s, INDEX_op_st64, g[0], (int32_t)offsetof(FakeEnv, res[13]));
    tcg_gen_st(s, INDEX_op_st32, g[0], b + 8);   /* unaligned env field */
    tcg_gen_ld(s, INDEX_op_ld32s, g[1], b + 8);
    tcg_gen_exit_tb(s, 0);
}

START_TEST(test_env_ld_st)
{
    for (int c = 0; c < ncfgs; c++) {
        FakeEnv env = { .g = { 0x8899aabbccddeeffull } };
        uint64_t pat = 0x8182838485868788ull;
        memcpy(env.bytes, &pat, 8);
        for (int i = 10; i < 14; i++)
            env.res[i] = 0x5555555555555555ull;
        run1(&cfgs[c], build_ldst, NULL, &env);
        ck_assert_uint_eq(env.res[0], 0x88);
        ck_assert_uint_eq(env.res[1], 0xffffffffffffff88ull);
        ck_assert_uint_eq(env.res[2], 0x8788);
        ck_assert_uint_eq(env.res[3], 0xffffffffffff8788ull);
        ck_assert_uint_eq(env.res[4], 0x85868788);
        ck_assert_uint_eq(env.res[5], 0xffffffff85868788ull);
        ck_assert_uint_eq(env.res[6], pat);
        ck_assert_uint_eq(env.res[10], 0x55555555555555ffull);
        ck_assert_uint_eq(env.res[11], 0x555555555555eeffull);
        ck_assert_uint_eq(env.res[12], 0x55555555ccddeeffull);
        ck_assert_uint_eq(env.res[13], 0x8899aabbccddeeffull);
        ck_assert_uint_eq(env.g[1], 0xffffffffccddeeffull);
    }
}
END_TEST

/* ---- guest memory through the fake TLB ---- */

typedef struct MemProg { TCGMemOp mop; int idx; bool store; } MemProg;

/* load: g1 = [g0]; store: [g0] = g1 */
static void build_mem(TCGContext *s, const TCGv *g, const void *opaque)
{
    const MemProg *m = opaque;
    if (m->store) {
        tcg_gen_qemu_st(s, g[1], g[0], m->mop, m->idx);
    } else {
        tcg_gen_qemu_ld(s, g[1], g[0], m->mop, m->idx);
    }
    tcg_gen_addi(s, g[2], g[2], 1);    /* runs after the access */
    tcg_gen_exit_tb(s, 0);
}

static uint64_t page_le(unsigned off, unsigned size)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)guest_page[off + i] << (8 * i);
    return v;
}

/* path: FAST, SLOW, or EITHER (an unaligned access inside one page: a back end may
 * serve it inline or through the slow path; the result must match the path taken). */
enum { FAST, SLOW, EITHER };

static void check_load(const Cfg *c, TCGMemOp mop, int idx, uint64_t addr, int flags_read, int path)
{
    MemProg m = { mop, idx, false };
    FakeEnv env = { .g = { addr, 0x1234 }, .slow_ret = 0x8877665544332211ull };
    tlb_map(&env, idx, (uint64_t)flags_read, 0);
    run1(c, build_mem, &m, &env);
    unsigned size = 1u << (mop & MO_SIZE);
    bool slow = env.slow_loads > 0;
    uint64_t raw = slow ? env.slow_ret : page_le((unsigned)(addr & (PAGE - 1)), size);
    uint64_t want = size == 8 ? raw : (mop & MO_SIGN) ? sext(raw, 8 * size) : raw & ((1ull << (8 * size)) - 1);
    ck_assert_msg(env.slow_loads <= 1 && (path == EITHER || slow == (path == SLOW)), "%s: load mop %d addr %#llx: slow %d", c->name, mop,
                  (unsigned long long)addr, env.slow_loads);
    ck_assert_msg(env.g[1] == want, "%s: load mop %d addr %#llx = %#llx want %#llx", c->name, mop,
                  (unsigned long long)addr, (unsigned long long)env.g[1], (unsigned long long)want);
    if (slow) {
        ck_assert_uint_eq(env.slow_addr, addr);
        ck_assert_uint_eq(env.slow_memop, (uint32_t)mop | (uint32_t)idx << 8);
    }
    ck_assert_uint_eq(env.g[2], 1);
}

static void check_store(const Cfg *c, TCGMemOp mop, int idx, uint64_t addr, int flags_write, int path)
{
    MemProg m = { mop, idx, true };
    uint64_t val = 0xf1e2d3c4b5a69788ull;
    FakeEnv env = { .g = { addr, val } };
    tlb_map(&env, idx, 0, (uint64_t)flags_write);
    memset(guest_page, 0xee, sizeof(guest_page));
    run1(c, build_mem, &m, &env);
    unsigned size = 1u << (mop & MO_SIZE);
    uint64_t mask = size == 8 ? ~0ull : (1ull << (8 * size)) - 1;
    unsigned off = (unsigned)(addr & (PAGE - 1));
    bool slow = env.slow_stores > 0;
    ck_assert_msg(env.slow_stores <= 1 && (path == EITHER || slow == (path == SLOW)), "%s: store mop %d addr %#llx: slow %d", c->name, mop,
                  (unsigned long long)addr, env.slow_stores);
    if (slow) {
        ck_assert_uint_eq(env.slow_addr, addr);
        ck_assert_uint_eq(env.slow_val & mask, val & mask);
        ck_assert_uint_eq(env.slow_memop, (uint32_t)mop | (uint32_t)idx << 8);
        if (off + size <= PAGE)
            ck_assert_uint_eq(page_le(off, size), 0xeeeeeeeeeeeeeeeeull & mask);
    } else {
        ck_assert_uint_eq(page_le(off, size), val & mask);
        if (off + size < PAGE)
            ck_assert_uint_eq(guest_page[off + size], 0xee);
    }
    ck_assert_uint_eq(env.g[2], 1);
}

START_TEST(test_guest_memory)
{
    for (unsigned i = 0; i < PAGE; i++)
        guest_page[i] = (uint8_t)(i * 7 + 0x81);
    for (int c = 0; c < ncfgs; c++) {
        const Cfg *cf = &cfgs[c];
        for (int mop = 0; mop < 8; mop++) {
            unsigned size = 1u << (mop & MO_SIZE);
            if (mop == (MO_64 | MO_SIGN))
                continue;
            for (int idx = 0; idx < 2; idx++) {
                /* hit: aligned, start and end of the page */
                check_load(cf, mop, idx, GVA + 8 * 5, 0, FAST);
                check_load(cf, mop, idx, GVA + PAGE - size, 0, FAST);
                /* miss: another page with the same index, the next page */
                check_load(cf, mop, idx, GVA + PAGE * TLB_N, 0, SLOW);
                check_load(cf, mop, idx, GVA + PAGE, 0, SLOW);
                if (size > 1) {
                    /* unaligned inside the page; crossing into the next one */
                    check_load(cf, mop, idx, GVA + 1, 0, EITHER);
                    check_load(cf, mop, idx, GVA + size / 2 + 8, 0, EITHER);
                    check_load(cf, mop, idx, GVA + PAGE - 1, 0, SLOW);
                    check_load(cf, mop, idx, GVA + PAGE - size + 1, 0, SLOW);
                }
                /* flag bits, invalid entry */
                for (int f = 1; f <= 8; f <<= 1)
                    check_load(cf, mop, idx, GVA + 8, f, SLOW);
                if (mop & MO_SIGN)
                    continue;
                check_store(cf, mop, idx, GVA + 16, 0, FAST);
                check_store(cf, mop, idx, GVA + PAGE - size, 0, FAST);
                check_store(cf, mop, idx, GVA + PAGE * 3, 0, SLOW);
                if (size > 1) {
                    check_store(cf, mop, idx, GVA + 3, 0, EITHER);
                    check_store(cf, mop, idx, GVA + PAGE - 1, 0, SLOW);
                }
                /* flags on the write tag (the read tag is clean) */
                for (int f = 1; f <= 8; f <<= 1)
                    check_store(cf, mop, idx, GVA + 16, f, SLOW);
            }
        }
    }
}
END_TEST

/* Flag bits are the low bits an unaligned address also has: a 2-byte
 * access at page+1 with tag page|TLB_INVALID(1) must not match. */
START_TEST(test_guest_memory_flag_alias)
{
    for (int c = 0; c < ncfgs; c++) {
        check_load(&cfgs[c], MO_16, 0, GVA + 1, 1, SLOW);
        check_load(&cfgs[c], MO_32, 0, GVA + 2, 2, SLOW);
        check_load(&cfgs[c], MO_32, 0, GVA + 3, 3, SLOW);
        check_load(&cfgs[c], MO_64, 0, GVA + 4, 4, SLOW);
        check_load(&cfgs[c], MO_64, 1, GVA + 9, 9, SLOW);
        check_store(&cfgs[c], MO_64, 1, GVA + 3, 3, SLOW);
        check_store(&cfgs[c], MO_16, 0, GVA + 1, 1, SLOW);
    }
}
END_TEST

/* No TLB layout (tlb_size 0): every access takes the slow path. */
static void build_mem_noTLB(TCGContext *s, const TCGv *g, const void *opaque)
{
    s->mem.tlb_size = 0;
    tcg_gen_qemu_ld(s, g[1], g[0], MO_32 | MO_SIGN, 0);
    tcg_gen_qemu_st(s, g[1], g[0], MO_8, 1);
    tcg_gen_exit_tb(s, 0);
}

START_TEST(test_guest_memory_no_tlb)
{
    for (int c = 0; c < ncfgs; c++) {
        FakeEnv env = { .g = { GVA }, .slow_ret = 0x80000000u };
        tlb_map(&env, 0, 0, 0);
        tlb_map(&env, 1, 0, 0);
        run1(&cfgs[c], build_mem_noTLB, NULL, &env);
        ck_assert_int_eq(env.slow_loads, 1);
        ck_assert_int_eq(env.slow_stores, 1);
        ck_assert_uint_eq(env.g[1], 0xffffffff80000000ull);
        ck_assert_uint_eq(env.slow_memop, MO_8 | 1u << 8);
    }
}
END_TEST

/* Many temps: frames larger than a back end's fast storage. */
static void build_many(TCGContext *s, const TCGv *g, const void *opaque)
{
    enum { N = 600 };
    static TCGv t[N];
    for (int i = 0; i < N; i++) {
        t[i] = tcg_temp_new(s);
        tcg_gen_addi(s, t[i], g[0], (uint64_t)i);
    }
    int l = tcg_new_label(s);
    tcg_gen_set_label(s, l);      /* every temp lives across it */
    tcg_gen_movi(s, g[1], 0);
    for (int i = 0; i < N; i++)
        tcg_gen_add(s, g[1], g[1], t[i]);
    tcg_gen_exit_tb(s, 0);
}

START_TEST(test_many_temps)
{
    for (int c = 0; c < ncfgs; c++) {
        FakeEnv env = { .g = { 3 } };
        run1(&cfgs[c], build_many, NULL, &env);
        ck_assert_uint_eq(env.g[1], 600 * 3 + 599 * 600 / 2);
    }
}
END_TEST

/* ---- leaving generated code by longjmp (guest faults) ---- */

static jmp_buf fault_env;
static int fault_seen_g0;

static void hfault(void *env, uint64_t doit)
{
    fault_seen_g0 = (int)((FakeEnv *)env)->g[0];
    if (doit)
        longjmp(fault_env, 1);
}
static TCGHelperInfo hifault = { .func = (void *)hfault, .name = "hfault", .ret = TCG_TYPE_VOID, .nargs = 2,
                                 .args = { PTR, I64 } };

static uint64_t fault_load_slow(void *env, uint64_t addr, uint32_t memop_idx)
{
    fault_seen_g0 = (int)((FakeEnv *)env)->g[0];
    longjmp(fault_env, 2);
}

/* g0 = 1; helper(g1) [may longjmp]; g0 = 2; g0 = 3 + [g2] (slow path longjmps) */
static void build_fault(TCGContext *s, const TCGv *g, const void *opaque)
{
    TCGv t = tcg_temp_new(s);
    s->mem.load_slow = fault_load_slow;
    tcg_gen_movi(s, g[0], 1);
    tcg_gen_call(s, &hifault, TCG_NO_TEMP, (TCGv[]){ tcg_env(), g[1] });
    tcg_gen_movi(s, g[0], 2);
    tcg_gen_qemu_ld(s, t, g[2], MO_64, 0);
    tcg_gen_addi(s, g[0], t, 3);
    tcg_gen_exit_tb(s, 0x5c);
}

START_TEST(test_longjmp_out)
{
    for (volatile int c = 0; c < ncfgs; c++) {
        for (volatile int round = 0; round < 3; round++) {
            volatile FakeEnv env = { .g = { 0, round == 0, round == 1 ? GVA + PAGE : GVA } };
            tlb_map((FakeEnv *)&env, 0, 0, 0);
            memcpy(guest_page, &(uint64_t){ 40 }, 8);
            fault_seen_g0 = -1;
            int r = setjmp(fault_env);
            if (r == 0) {
                ck_assert_uint_eq(run1(&cfgs[c], build_fault, NULL, (FakeEnv *)&env), 0x5c);
                ck_assert_int_eq(round, 2);
                ck_assert_uint_eq(env.g[0], 43);
            } else {
                /* the globals written before the call/access are in env */
                ck_assert_int_eq(r, round + 1);
                ck_assert_int_eq(fault_seen_g0, round + 1);
                ck_assert_uint_eq(env.g[0], (uint64_t)round + 1);
            }
        }
    }
}
END_TEST

/* The dump names ops, temps and labels. */
static char dumped[4096];
static size_t dumped_len;
static void dump_out(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(dumped + dumped_len, sizeof(dumped) - dumped_len, fmt, ap);
    va_end(ap);
    if (n > 0)
        dumped_len += (size_t)n < sizeof(dumped) - dumped_len ? (size_t)n : sizeof(dumped) - dumped_len - 1;
}

START_TEST(test_dump)
{
    TCGContext s;
    TCGv g[NGLOB];
    ctx_init(&s, g);
    build_loop(&s, g, NULL);
    dumped_len = 0;
    tcg_dump_ops(&s, dump_out);
    ck_assert_ptr_nonnull(strstr(dumped, "brcond"));
    ck_assert_ptr_nonnull(strstr(dumped, "add g2, g2, $0x1"));
    ck_assert_ptr_nonnull(strstr(dumped, "set_label L0"));
    ck_assert_ptr_nonnull(strstr(dumped, "exit_tb $0x40"));
    tcg_ctx_free(&s);
}
END_TEST

int main(void)
{
    return unit_run_tcase("tcg", "core", setup, teardown, UNIT_TESTS(
        test_alu_ops, test_mul2, test_conditions, test_loop, test_exit_tb, test_goto_tb_chaining,
        test_goto_ptr, test_calls, test_env_ld_st, test_guest_memory, test_guest_memory_flag_alias,
        test_guest_memory_no_tlb, test_many_temps, test_longjmp_out, test_dump));
}
