/*
 * The harness of the JIT unit tests (test-tcg*.c): a fake CPU state with
 * globals, result fields and a small TLB, the configurations (every back
 * end, raw and after tcg_optimize + tcg_liveness), compile-and-run, and
 * the reference semantics of the ops written independently of tcg.c.
 */
#ifndef VESSEL_TESTS_UNIT_TCG_TEST_H
#define VESSEL_TESTS_UNIT_TCG_TEST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "tcg/tcg.h"
#include "unit-test.h"

/* ---- the fake CPU state ---- */

#define NGLOB 8
#define NRES 64
#define TLB_N 16
#define PAGE 4096u

typedef struct FakeTLB {
    uint64_t addr_read, addr_write, addr_code;
    uintptr_t addend;
    uint64_t pad;
} FakeTLB;

typedef struct FakeEnv {
    uint64_t g[NGLOB];          /* the globals */
    uint64_t res[NRES];         /* st64 targets */
    uint8_t bytes[16];          /* ld/st of each width */
    FakeTLB tlb[2][TLB_N];
    /* slow path record */
    int slow_loads, slow_stores;
    uint64_t slow_addr, slow_val;
    uint32_t slow_memop;
    uint64_t slow_ret;
} FakeEnv;

static const char *const gnames[NGLOB] = { "g0", "g1", "g2", "g3", "g4", "g5", "g6", "g7" };

static inline uint64_t fake_load_slow(void *env, uint64_t addr, uint32_t memop_idx)
{
    FakeEnv *e = env;
    e->slow_loads++;
    e->slow_addr = addr;
    e->slow_memop = memop_idx;
    return e->slow_ret;
}

static inline void fake_store_slow(void *env, uint64_t addr, uint64_t val, uint32_t memop_idx)
{
    FakeEnv *e = env;
    e->slow_stores++;
    e->slow_addr = addr;
    e->slow_val = val;
    e->slow_memop = memop_idx;
}

/* ---- configurations: back end x (raw | optimized) ---- */

typedef struct Cfg {
    const TCGBackend *be;
    bool opt;
    char name[32];
} Cfg;

static Cfg cfgs[8];
static int ncfgs;
static uint8_t *buf;
static size_t buf_size = 1u << 20, buf_used;

static inline void setup(void)
{
    static const char *const names[] = { "tci", "x86_64" };
    /* TEST_TCG_BACKENDS=x86_64 (say): also check only those (tci is the reference) */
    const char *only = getenv("TEST_TCG_BACKENDS");
    ncfgs = 0;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        const TCGBackend *be = tcg_backend_find(names[i]);
        if (!be || (i > 0 && only && !strstr(only, names[i])))
            continue;
        for (int opt = 0; opt < 2; opt++) {
            Cfg *c = &cfgs[ncfgs++];
            c->be = be;
            c->opt = opt;
            snprintf(c->name, sizeof(c->name), "%s%s", names[i], opt ? "+opt" : "");
        }
    }
    ck_assert_int_ge(ncfgs, 2);
    buf = mmap(NULL, buf_size, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ck_assert_ptr_ne(buf, MAP_FAILED);
}

static inline void teardown(void)
{
    munmap(buf, buf_size);
}

static inline void ctx_init(TCGContext *s, TCGv *g)
{
    tcg_ctx_init(s);
    for (int i = 0; i < NGLOB; i++)
        g[i] = tcg_global(s, (int32_t)offsetof(FakeEnv, g[i]), gnames[i]);
    s->mem.tlb_offset = (int32_t)offsetof(FakeEnv, tlb);
    s->mem.tlb_mmu_stride = (int32_t)sizeof(((FakeEnv *)0)->tlb[0]);
    s->mem.tlb_size = TLB_N;
    s->mem.tlb_entry_size = sizeof(FakeTLB);
    s->mem.off_addr_read = offsetof(FakeTLB, addr_read);
    s->mem.off_addr_write = offsetof(FakeTLB, addr_write);
    s->mem.off_addend = offsetof(FakeTLB, addend);
    s->mem.page_bits = 12;
    s->mem.load_slow = fake_load_slow;
    s->mem.store_slow = fake_store_slow;
}

static inline void buf_start(const Cfg *c)
{
    size_t p = c->be->gen_prologue(buf, buf_size);
    ck_assert_uint_gt(p, 0);
    buf_used = (p + 63) & ~(size_t)63;
}

/* Generate s's code after what the buffer holds; returns its address. */
static inline uint8_t *compile(const Cfg *c, TCGContext *s, TCGCodeInfo *info)
{
    TCGCodeInfo dummy;
    if (!info)
        info = &dummy;
    if (c->opt) {
        tcg_optimize(s);
        tcg_liveness(s);
    }
    uint8_t *code = buf + buf_used;
    ck_assert_msg(c->be->gen_code(s, code, buf_size - buf_used, info), "%s: gen_code", c->name);
    ck_assert_uint_le(info->size, buf_size - buf_used);
    c->be->flush_icache(code, info->size);
    buf_used = (buf_used + info->size + 63) & ~(size_t)63;
    return code;
}

static inline uintptr_t exec(const Cfg *c, FakeEnv *env, const uint8_t *code)
{
    return c->be->exec(buf, env, code);
}

typedef void BuildFn(TCGContext *s, const TCGv *g, const void *opaque);

/* Build, compile and run one block in configuration c. */
static inline uintptr_t run1(const Cfg *c, BuildFn *build, const void *opaque, FakeEnv *env)
{
    TCGContext s;
    TCGv g[NGLOB];
    ctx_init(&s, g);
    build(&s, g, opaque);
    buf_start(c);
    uint8_t *code = compile(c, &s, NULL);
    tcg_ctx_free(&s);
    return exec(c, env, code);
}

/* ---- reference semantics (independent of tcg.c) ---- */

static const uint64_t vals[] = {
    0, 1, 2, 63, 64, 0x7f, 0x80, 0xff, 0x8000, 0xffffffff, 0x80000000,
    0x7fffffffffffffffull, 0x8000000000000000ull, 0xffffffffffffffffull,
    0x123456789abcdef0ull, 0xfedcba9876543210ull, (uint64_t)-5,
};
#define NVALS (sizeof(vals) / sizeof(vals[0]))

static const TCGOpcode binops[] = {
    INDEX_op_add, INDEX_op_sub, INDEX_op_mul, INDEX_op_and, INDEX_op_or, INDEX_op_xor,
    INDEX_op_andc, INDEX_op_shl, INDEX_op_shr, INDEX_op_sar, INDEX_op_rotl, INDEX_op_rotr,
};
#define NBINOPS (sizeof(binops) / sizeof(binops[0]))

static inline bool is_shift(TCGOpcode op)
{
    return op >= INDEX_op_shl && op <= INDEX_op_rotr;
}

static inline uint64_t ref_binop(TCGOpcode op, uint64_t a, uint64_t b)
{
    unsigned n = b & 63;
    switch (op) {
    case INDEX_op_add: return a + b;
    case INDEX_op_sub: return a - b;
    case INDEX_op_mul: return a * b;
    case INDEX_op_and: return a & b;
    case INDEX_op_or: return a | b;
    case INDEX_op_xor: return a ^ b;
    case INDEX_op_andc: return a & ~b;
    case INDEX_op_shl: return a << n;
    case INDEX_op_shr: return a >> n;
    case INDEX_op_sar: return n ? (a >> n) | ((a >> 63) ? ~0ull << (64 - n) : 0) : a;
    case INDEX_op_rotl: return n ? a << n | a >> (64 - n) : a;
    case INDEX_op_rotr: return n ? a >> n | a << (64 - n) : a;
    default: return 0xbad;
    }
}

static const TCGOpcode unops[] = {
    INDEX_op_neg, INDEX_op_not, INDEX_op_ext8s, INDEX_op_ext8u, INDEX_op_ext16s,
    INDEX_op_ext16u, INDEX_op_ext32s, INDEX_op_ext32u, INDEX_op_bswap64, INDEX_op_mov,
};
#define NUNOPS (sizeof(unops) / sizeof(unops[0]))

static inline uint64_t sext(uint64_t v, unsigned bits)
{
    uint64_t m = 1ull << (bits - 1);
    v &= (m << 1) - 1;
    return (v ^ m) - m;
}

static inline uint64_t ref_unop(TCGOpcode op, uint64_t a)
{
    uint64_t r = 0;
    switch (op) {
    case INDEX_op_neg: return 0 - a;
    case INDEX_op_not: return ~a;
    case INDEX_op_ext8s: return sext(a, 8);
    case INDEX_op_ext8u: return a & 0xff;
    case INDEX_op_ext16s: return sext(a, 16);
    case INDEX_op_ext16u: return a & 0xffff;
    case INDEX_op_ext32s: return sext(a, 32);
    case INDEX_op_ext32u: return a & 0xffffffff;
    case INDEX_op_bswap64:
        for (int i = 0; i < 8; i++)
            r |= ((a >> (8 * i)) & 0xff) << (8 * (7 - i));
        return r;
    case INDEX_op_mov: return a;
    default: return 0xbad;
    }
}

static inline bool ref_cond(TCGCond c, uint64_t a, uint64_t b)
{
    int64_t sa = (int64_t)a, sb = (int64_t)b;
    switch (c) {
    case TCG_COND_NEVER: return false;
    case TCG_COND_ALWAYS: return true;
    case TCG_COND_EQ: return a == b;
    case TCG_COND_NE: return a != b;
    case TCG_COND_LT: return sa < sb;
    case TCG_COND_GE: return sa >= sb;
    case TCG_COND_LE: return sa <= sb;
    case TCG_COND_GT: return sa > sb;
    case TCG_COND_LTU: return a < b;
    case TCG_COND_GEU: return a >= b;
    case TCG_COND_LEU: return a <= b;
    case TCG_COND_GTU: return a > b;
    case TCG_COND_TSTEQ: return !(a & b);
    case TCG_COND_TSTNE: return (a & b) != 0;
    }
    return false;
}
#define NCONDS 14

static uint8_t guest_page[PAGE] __attribute__((aligned(4096)));
#define GVA 0x7000123000ull      /* the guest page the TLB maps */

static inline void tlb_map(FakeEnv *env, int idx, uint64_t read_flags, uint64_t write_flags)
{
    FakeTLB *e = &env->tlb[idx][(GVA >> 12) & (TLB_N - 1)];
    e->addr_read = GVA | read_flags;
    e->addr_write = GVA | write_flags;
    e->addend = (uintptr_t)guest_page - (uintptr_t)GVA;
}

/* sees the globals as written before the call, changes two of them */
static inline void hvoid(void *env, uint64_t k)
{
    FakeEnv *e = env;
    e->g[5] = e->g[4] * 2 + k;
    e->g[4] = 0xdead;
}

#define I32 TCG_TYPE_I32
#define I64 TCG_TYPE_I64
#define PTR TCG_TYPE_PTR
#define I32 TCG_TYPE_I32
#define I64 TCG_TYPE_I64
#define PTR TCG_TYPE_PTR
static TCGHelperInfo hiv = { .func = (void *)hvoid, .name = "hvoid", .ret = TCG_TYPE_VOID, .nargs = 2,
                             .args = { PTR, I64 } };

/* g1 = sum of 1..g0, g2 = number of iterations, a while loop with br. */
static inline void build_loop(TCGContext *s, const TCGv *g, const void *opaque)
{
    TCGv i = tcg_temp_new(s), acc = tcg_temp_new(s);
    int top = tcg_new_label(s), done = tcg_new_label(s);
    tcg_gen_mov(s, i, g[0]);
    tcg_gen_movi(s, acc, 0);
    tcg_gen_movi(s, g[2], 0);
    tcg_gen_set_label(s, top);
    tcg_gen_brcond(s, TCG_COND_EQ, i, tcg_constant(s, 0), done);
    tcg_gen_add(s, acc, acc, i);
    tcg_gen_addi(s, i, i, (uint64_t)-1);
    tcg_gen_addi(s, g[2], g[2], 1);
    tcg_gen_br(s, top);
    tcg_gen_set_label(s, done);
    tcg_gen_mov(s, g[1], acc);
    tcg_gen_exit_tb(s, 0x40);
}

#endif
