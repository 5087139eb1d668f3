/*
 * Unit tests for the native x86-64 JIT back end (tcg/x86_64/): encodings
 * of the encoder against known bytes, then IR programs compiled and run:
 * random arithmetic programs against a reference evaluator (register
 * pressure, immediates, two-address forms), branches and loops, helper
 * calls (6 arguments, live temps, global sync and reread), the inline TLB
 * fast path and the slow path of guest loads and stores, goto_tb chaining
 * through patch_jump, goto_ptr and a too small code buffer.
 */
#include <string.h>
#include <sys/mman.h>

#include "softmmu/tlb.h"
#include "tcg/tcg.h"
#include "tcg/x86_64/x86_64-emit.h"
#include "unit-test.h"

/* ---- encoder ---- */

#define EMIT_EXPECT(call, ...) do { \
        static const uint8_t want_[] = { __VA_ARGS__ }; \
        uint8_t buf_[32]; \
        X86Emit e_ = { .buf = buf_, .size = sizeof(buf_) }; \
        X86Emit *e = &e_; \
        call; \
        ck_assert_uint_eq(e_.pos, sizeof(want_)); \
        ck_assert_mem_eq(buf_, want_, sizeof(want_)); \
    } while (0)

START_TEST(test_encode_basic)
{
    EMIT_EXPECT(x86_mov_rr(e, X86_R12, X86_RAX), 0x4c, 0x8b, 0xe0);
    EMIT_EXPECT(x86_mov_rr(e, X86_RAX, X86_R13), 0x49, 0x8b, 0xc5);
    EMIT_EXPECT(x86_mov_ri(e, X86_RAX, 0, true), 0x31, 0xc0);
    EMIT_EXPECT(x86_mov_ri(e, X86_R9, 0x12345678, false), 0x41, 0xb9, 0x78, 0x56, 0x34, 0x12);
    EMIT_EXPECT(x86_mov_ri(e, X86_RBX, (uint64_t)-5, false),
                0x48, 0xc7, 0xc3, 0xfb, 0xff, 0xff, 0xff);
    EMIT_EXPECT(x86_mov_ri(e, X86_R15, 0x0123456789abcdefull, false),
                0x49, 0xbf, 0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01);
    EMIT_EXPECT(x86_alu_rr(e, X86_ALU_SUB, X86_RCX, X86_R14), 0x49, 0x2b, 0xce);
    EMIT_EXPECT(x86_alu_ri(e, X86_ALU_ADD, X86_R8, 5), 0x49, 0x83, 0xc0, 0x05);
    EMIT_EXPECT(x86_alu_ri(e, X86_ALU_CMP, X86_RDI, 0x1000),
                0x48, 0x81, 0xff, 0x00, 0x10, 0x00, 0x00);
    EMIT_EXPECT(x86_alu_rm(e, X86_ALU_CMP, X86_R11, X86_RBP, 0x10), 0x4c, 0x3b, 0x5d, 0x10);
    EMIT_EXPECT(x86_shift_ri(e, X86_SH_SHR, X86_R10, 12), 0x49, 0xc1, 0xea, 0x0c);
    EMIT_EXPECT(x86_shift_ri(e, X86_SH_SAR, X86_RAX, 1), 0x48, 0xd1, 0xf8);
    EMIT_EXPECT(x86_shift_cl(e, X86_SH_ROL, X86_R13), 0x49, 0xd3, 0xc5);
    EMIT_EXPECT(x86_grp3(e, X86_G3_NEG, X86_RSI), 0x48, 0xf7, 0xde);
    EMIT_EXPECT(x86_grp3(e, X86_G3_MUL, X86_R9), 0x49, 0xf7, 0xe1);
    EMIT_EXPECT(x86_imul_rr(e, X86_RDX, X86_R12), 0x49, 0x0f, 0xaf, 0xd4);
    EMIT_EXPECT(x86_imul_rri(e, X86_R10, X86_R10, 48), 0x4d, 0x6b, 0xd2, 0x30);
    EMIT_EXPECT(x86_imul_rri(e, X86_RAX, X86_RBX, 1000), 0x48, 0x69, 0xc3, 0xe8, 0x03, 0, 0);
    EMIT_EXPECT(x86_test_rr(e, X86_RAX, X86_R8), 0x4c, 0x85, 0xc0);
    EMIT_EXPECT(x86_test_ri(e, X86_RCX, 0x80), 0xf6, 0xc1, 0x80);
    EMIT_EXPECT(x86_test_ri(e, X86_RSI, 0x80), 0xf7, 0xc6, 0x80, 0, 0, 0);
    EMIT_EXPECT(x86_test_ri(e, X86_RSI, -2), 0x48, 0xf7, 0xc6, 0xfe, 0xff, 0xff, 0xff);
    EMIT_EXPECT(x86_bswap64(e, X86_R14), 0x49, 0x0f, 0xce);
    EMIT_EXPECT(x86_setcc(e, X86_CC_L, X86_RSI), 0x40, 0x0f, 0x9c, 0xc6);
    EMIT_EXPECT(x86_setcc(e, X86_CC_E, X86_R9), 0x41, 0x0f, 0x94, 0xc1);
    EMIT_EXPECT(x86_setcc(e, X86_CC_A, X86_RBX), 0x0f, 0x97, 0xc3);
    EMIT_EXPECT(x86_cmovcc(e, X86_CC_NE, X86_RAX, X86_R15), 0x49, 0x0f, 0x45, 0xc7);
    EMIT_EXPECT(x86_push(e, X86_R15), 0x41, 0x57);
    EMIT_EXPECT(x86_pop(e, X86_RBP), 0x5d);
    EMIT_EXPECT(x86_jmp_r(e, X86_R11), 0x41, 0xff, 0xe3);
    EMIT_EXPECT(x86_mov_rr32(e, X86_RAX, X86_RAX), 0x8b, 0xc0);
}
END_TEST

START_TEST(test_encode_memory)
{
    /* SIB for rsp/r12 bases, a displacement for rbp/r13, disp8 vs disp32 */
    EMIT_EXPECT(x86_op_m(e, X86_P_W | (X86_ALU_CMP << 3 | X86_OP_ALU_R_RM), X86_R11, X86_RBP,
                         X86_R10, 0, 0x1234),
                0x4e, 0x3b, 0x9c, 0x15, 0x34, 0x12, 0x00, 0x00);
    EMIT_EXPECT(x86_lea(e, X86_R11, X86_R13, X86_NO_REG, 0, 3), 0x4d, 0x8d, 0x5d, 0x03);
    EMIT_EXPECT(x86_lea(e, X86_RAX, X86_R12, X86_NO_REG, 0, 0), 0x49, 0x8d, 0x04, 0x24);
    EMIT_EXPECT(x86_lea(e, X86_RAX, X86_RSP, X86_R9, 3, 0x100),
                0x4a, 0x8d, 0x84, 0xcc, 0x00, 0x01, 0x00, 0x00);
    EMIT_EXPECT(x86_load(e, X86_RSI, X86_RSP, X86_NO_REG, 8, 0, false), 0x0f, 0xb6, 0x74, 0x24, 0x08);
    EMIT_EXPECT(x86_load(e, X86_R8, X86_R13, X86_R10, 0, 0, true), 0x4f, 0x0f, 0xbe, 0x44, 0x15, 0x00);
    EMIT_EXPECT(x86_load(e, X86_R8, X86_R13, X86_R10, 0, 1, true), 0x4f, 0x0f, 0xbf, 0x44, 0x15, 0x00);
    EMIT_EXPECT(x86_load(e, X86_RSI, X86_RSP, X86_NO_REG, 8, 2, false), 0x8b, 0x74, 0x24, 0x08);
    EMIT_EXPECT(x86_load(e, X86_R8, X86_R13, X86_R10, 0, 2, true), 0x4f, 0x63, 0x44, 0x15, 0x00);
    EMIT_EXPECT(x86_load(e, X86_RAX, X86_RBP, X86_NO_REG, 0, 3, false), 0x48, 0x8b, 0x45, 0x00);
    EMIT_EXPECT(x86_load(e, X86_RAX, X86_R12, X86_NO_REG, -200, 3, false),
                0x49, 0x8b, 0x84, 0x24, 0x38, 0xff, 0xff, 0xff);
    EMIT_EXPECT(x86_store(e, X86_RDI, X86_RBP, X86_NO_REG, 0x200, 0),
                0x40, 0x88, 0xbd, 0x00, 0x02, 0x00, 0x00);
    EMIT_EXPECT(x86_store(e, X86_R9, X86_R12, X86_R10, 0, 0), 0x47, 0x88, 0x0c, 0x14);
    EMIT_EXPECT(x86_store(e, X86_R9, X86_R12, X86_R10, 0, 1), 0x66, 0x47, 0x89, 0x0c, 0x14);
    EMIT_EXPECT(x86_store(e, X86_RDI, X86_RBP, X86_NO_REG, 0x200, 2), 0x89, 0xbd, 0x00, 0x02, 0, 0);
    EMIT_EXPECT(x86_store(e, X86_R9, X86_R12, X86_R10, 0, 3), 0x4f, 0x89, 0x0c, 0x14);
    EMIT_EXPECT(x86_ext(e, X86_RAX, X86_RSI, 0, false), 0x40, 0x0f, 0xb6, 0xc6);
    EMIT_EXPECT(x86_ext(e, X86_R10, X86_RDI, 0, true), 0x4c, 0x0f, 0xbe, 0xd7);
    EMIT_EXPECT(x86_ext(e, X86_RAX, X86_RSI, 1, false), 0x0f, 0xb7, 0xc6);
    EMIT_EXPECT(x86_ext(e, X86_R10, X86_RDI, 2, true), 0x4c, 0x63, 0xd7);
    EMIT_EXPECT(x86_ext(e, X86_RAX, X86_RSI, 2, false), 0x8b, 0xc6);
}
END_TEST

START_TEST(test_encode_jumps)
{
    uint8_t buf[64];
    X86Emit e = { .buf = buf, .size = sizeof(buf) };
    size_t j = x86_jcc32(&e, X86_CC_NE);
    x86_nops(&e, 3);
    size_t k = x86_jmp32(&e);
    x86_patch_rel32(&e, j, 0);          /* back to the jcc itself */
    x86_patch_rel32(&e, k, e.pos);      /* to the next instruction */
    static const uint8_t want[] = { 0x0f, 0x85, 0xfa, 0xff, 0xff, 0xff, 0x0f, 0x1f, 0x00,
                                    0xe9, 0x00, 0x00, 0x00, 0x00 };
    ck_assert_uint_eq(e.pos, sizeof(want));
    ck_assert_mem_eq(buf, want, sizeof(want));
    /* overflow: stops at the end, flags it */
    X86Emit small = { .buf = buf, .size = 3 };
    x86_mov_ri(&small, X86_R15, 0x0123456789abcdefull, false);
    ck_assert(small.overflow);
    ck_assert_uint_eq(small.pos, 3);
}
END_TEST

/* ---- running IR programs ---- */

#define NG 16
#define CODE_SIZE (4u << 20)
#define RAM_PAGE 0x7000u

typedef struct TestEnv {
    uint64_t g[NG];               /* the globals */
    uint64_t field[4];            /* ld/st op targets */
    uint64_t tlb[2][16 * 8];      /* a small TLB: 2 MMU indexes, 16 entries of tlb_esz <= 64
                                   * bytes, fields where TLBEntry has them */
} TestEnv;

static const TCGBackend *be;
static uint8_t *code;             /* prologue, then blocks */
static size_t prologue_size;
static TCGContext ctx;
static TestEnv env;
static TCGv G[NG];
static uint8_t ram[2 * 4096];     /* guest page RAM_PAGE is ram[0..4095] */

static unsigned slow_loads, slow_stores;
static uint64_t slow_addr, slow_val, slow_g9, slow_g3;
static uint32_t slow_memop;

static uint64_t t_load_slow(void *e, uint64_t addr, uint32_t memop_idx)
{
    TestEnv *te = e;
    slow_loads++;
    slow_addr = addr;
    slow_memop = memop_idx;
    slow_g9 = te->g[9];
    slow_g3 = te->g[3];
    te->g[9] += 1;                /* a slow path may change globals: reread */
    return 0x8877665544332211ull ^ addr;
}

static void t_store_slow(void *e, uint64_t addr, uint64_t val, uint32_t memop_idx)
{
    TestEnv *te = e;
    slow_stores++;
    slow_addr = addr;
    slow_val = val;
    slow_memop = memop_idx;
    slow_g9 = te->g[9];
}

static void tlb_set(int m, int i, uint64_t read, uint64_t write, uintptr_t addend)
{
    uint8_t *p = (uint8_t *)env.tlb[m] + (size_t)i * ctx.mem.tlb_entry_size;
    memcpy(p + offsetof(TLBEntry, addr_read), &read, 8);
    memcpy(p + offsetof(TLBEntry, addr_write), &write, 8);
    memcpy(p + offsetof(TLBEntry, addend), &addend, sizeof(addend));
}

/* Fill the TLB for entries of `esz` bytes. */
static void tlb_reset(uint32_t esz)
{
    ctx.mem.tlb_entry_size = esz;
    memset(env.tlb, 0, sizeof(env.tlb));
    for (int m = 0; m < 2; m++)
        for (int i = 0; i < 16; i++)
            tlb_set(m, i, TLB_INVALID, TLB_INVALID, 0);
    /* RAM_PAGE readable and writable for MMU index 1, read-only for 0 */
    int i = (RAM_PAGE >> 12) & 15;
    tlb_set(1, i, RAM_PAGE, RAM_PAGE, (uintptr_t)ram - RAM_PAGE);
    tlb_set(0, i, RAM_PAGE, TLB_INVALID, (uintptr_t)ram - RAM_PAGE);
    /* 0x8000: MMIO-flagged entry whose addend would work (must not be used) */
    tlb_set(1, 8, 0x8000 | TLB_MMIO, 0x8000 | TLB_MMIO, (uintptr_t)ram - 0x8000);
}

static void setup(void)
{
    be = tcg_backend_find("x86_64");
    ck_assert_ptr_eq(be, &tcg_backend_x86_64);
    ck_assert(be->native);
    code = mmap(NULL, CODE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ck_assert(code != MAP_FAILED);
    prologue_size = be->gen_prologue(code, 4096);
    ck_assert_uint_gt(prologue_size, 0);
    ck_assert_uint_eq(be->gen_prologue(code + 8192, 4), 0);   /* does not fit */
    tcg_ctx_init(&ctx);
    for (int i = 0; i < NG; i++)
        G[i] = tcg_global(&ctx, (int32_t)offsetof(TestEnv, g[i]), "g");
    ctx.mem = (struct TCGGuestMemInfo){
        .tlb_offset = (int32_t)offsetof(TestEnv, tlb), .tlb_mmu_stride = sizeof(env.tlb[0]),
        .tlb_size = 16,
        .off_addr_read = offsetof(TLBEntry, addr_read),
        .off_addr_write = offsetof(TLBEntry, addr_write),
        .off_addend = offsetof(TLBEntry, addend),
        .page_bits = 12, .load_slow = t_load_slow, .store_slow = t_store_slow,
    };
    memset(&env, 0, sizeof(env));
    tlb_reset(sizeof(TLBEntry));
    slow_loads = slow_stores = 0;
}

static void teardown(void)
{
    tcg_ctx_free(&ctx);
    munmap(code, CODE_SIZE);
}

/* Compile ctx's ops at code + at (at >= 4096). */
static uint8_t *compile_at(size_t at, TCGCodeInfo *info)
{
    TCGCodeInfo local;
    if (!info)
        info = &local;
    ck_assert(be->gen_code(&ctx, code + at, CODE_SIZE - at, info));
    ck_assert_uint_gt(info->size, 0);
    be->flush_icache(code + at, info->size);
    return code + at;
}

static uintptr_t run(const uint8_t *tb)
{
    return be->exec(code, &env, tb);
}

/* Compile and run the current ops once. */
static uintptr_t compile_run(void)
{
    return run(compile_at(4096, NULL));
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 0x2545f4914f6cdd1dull;
}

/* ---- a reference evaluator for straight-line arithmetic ---- */

static uint64_t rol64(uint64_t a, unsigned n)
{
    n &= 63;
    return n ? a << n | a >> (64 - n) : a;
}

static uint64_t eval_op(TCGOpcode opc, uint64_t a, uint64_t b)
{
    switch (opc) {
    case INDEX_op_mov: return a;
    case INDEX_op_add: return a + b;
    case INDEX_op_sub: return a - b;
    case INDEX_op_mul: return a * b;
    case INDEX_op_and: return a & b;
    case INDEX_op_or: return a | b;
    case INDEX_op_xor: return a ^ b;
    case INDEX_op_andc: return a & ~b;
    case INDEX_op_shl: return a << (b & 63);
    case INDEX_op_shr: return a >> (b & 63);
    case INDEX_op_sar: return (uint64_t)((int64_t)a >> (b & 63));
    case INDEX_op_rotl: return rol64(a, (unsigned)b);
    case INDEX_op_rotr: return rol64(a, (unsigned)(64 - (b & 63)));
    case INDEX_op_neg: return -a;
    case INDEX_op_not: return ~a;
    case INDEX_op_ext8s: return (uint64_t)(int8_t)a;
    case INDEX_op_ext8u: return (uint8_t)a;
    case INDEX_op_ext16s: return (uint64_t)(int16_t)a;
    case INDEX_op_ext16u: return (uint16_t)a;
    case INDEX_op_ext32s: return (uint64_t)(int32_t)a;
    case INDEX_op_ext32u: return (uint32_t)a;
    case INDEX_op_bswap64: return __builtin_bswap64(a);
    default: ck_abort_msg("no reference for op %d", opc);
    }
    return 0;
}

/* Run ctx's ops (no memory, calls or branches) on g. */
static void ref_run(uint64_t *g)
{
    uint64_t *v = calloc((size_t)ctx.nb_temps, sizeof(uint64_t));
    for (int t = 0; t < ctx.nb_temps; t++) {
        if (ctx.temps[t].kind == TEMP_GLOBAL)
            v[t] = g[(ctx.temps[t].offset - offsetof(TestEnv, g)) / 8];
        else if (ctx.temps[t].kind == TEMP_CONST)
            v[t] = ctx.temps[t].val;
    }
    for (int i = 0; i < ctx.nb_ops; i++) {
        const TCGOp *op = &ctx.ops[i];
        const uint64_t *a = op->args;
        switch (op->opc) {
        case INDEX_op_insn_start: case INDEX_op_discard: case INDEX_op_exit_tb: break;
        case INDEX_op_mulu2: case INDEX_op_muls2: {
            unsigned __int128 p;
            if (op->opc == INDEX_op_mulu2)
                p = (unsigned __int128)v[a[2]] * v[a[3]];
            else
                p = (unsigned __int128)((__int128)(int64_t)v[a[2]] * (int64_t)v[a[3]]);
            v[a[0]] = (uint64_t)p;
            v[a[1]] = (uint64_t)(p >> 64);
            break;
        }
        case INDEX_op_setcond:
            v[a[0]] = tcg_cond_eval((TCGCond)a[3], v[a[1]], v[a[2]]);
            break;
        case INDEX_op_movcond:
            v[a[0]] = tcg_cond_eval((TCGCond)a[5], v[a[1]], v[a[2]]) ? v[a[3]] : v[a[4]];
            break;
        default:
            v[a[0]] = eval_op((TCGOpcode)op->opc, v[a[1]], op->nb_iargs > 1 ? v[a[2]] : 0);
            break;
        }
    }
    for (int t = 0; t < ctx.nb_temps; t++)
        if (ctx.temps[t].kind == TEMP_GLOBAL)
            g[(ctx.temps[t].offset - offsetof(TestEnv, g)) / 8] = v[t];
    free(v);
}

/* dead_args as a liveness pass would set them for straight-line code:
 * a local or constant input not referenced by any later op. */
static void mark_dead_args(void)
{
    for (int i = 0; i < ctx.nb_ops; i++) {
        TCGOp *op = &ctx.ops[i];
        op->dead_args = 0;
        for (int k = 0; k < op->nb_iargs; k++) {
            TCGv t = (TCGv)op->args[op->nb_oargs + k];
            if (ctx.temps[t].kind == TEMP_GLOBAL || t == tcg_env())
                continue;
            bool used = false;
            for (int j = i + 1; j < ctx.nb_ops && !used; j++)
                for (int m = 0; m < ctx.ops[j].nb_oargs + ctx.ops[j].nb_iargs; m++)
                    used |= (TCGv)ctx.ops[j].args[m] == t;
            if (!used)
                op->dead_args |= (uint8_t)(1u << k);
        }
    }
}

static uint64_t rnd_value(void)
{
    switch (rnd() % 6) {
    case 0: return rnd() % 64;
    case 1: return (uint64_t)(int64_t)(int8_t)rnd();
    case 2: return (uint64_t)(int64_t)(int32_t)rnd();
    case 3: return (uint32_t)rnd();
    case 4: return 0;
    default: return rnd();
    }
}

static TCGv rnd_in(const TCGv *loc, int nloc)
{
    switch (rnd() % 4) {
    case 0: return G[rnd() % NG];
    case 1: return tcg_constant(&ctx, rnd_value());
    default: return loc[rnd() % nloc];
    }
}

static const TCGOpcode bin_ops[] = {
    INDEX_op_add, INDEX_op_sub, INDEX_op_mul, INDEX_op_and, INDEX_op_or, INDEX_op_xor,
    INDEX_op_andc, INDEX_op_shl, INDEX_op_shr, INDEX_op_sar, INDEX_op_rotl, INDEX_op_rotr,
};
static const TCGOpcode un_ops[] = {
    INDEX_op_mov, INDEX_op_neg, INDEX_op_not, INDEX_op_ext8s, INDEX_op_ext8u,
    INDEX_op_ext16s, INDEX_op_ext16u, INDEX_op_ext32s, INDEX_op_ext32u, INDEX_op_bswap64,
};

/* A random straight-line program on the globals and nloc locals. */
static void gen_random_program(int nloc, int nops)
{
    TCGv loc[64];
    tcg_ctx_reset(&ctx);
    for (int i = 0; i < nloc; i++) {
        loc[i] = tcg_temp_new(&ctx);
        tcg_gen_add(&ctx, loc[i], G[i % NG], tcg_constant(&ctx, rnd_value()));
    }
    for (int i = 0; i < nops; i++) {
        TCGv d = rnd() % 3 ? loc[rnd() % nloc] : G[rnd() % NG];
        TCGv a = rnd_in(loc, nloc), b = rnd_in(loc, nloc);
        unsigned k = rnd() % 10;
        if (k < 5) {
            TCGOpcode opc = bin_ops[rnd() % (sizeof(bin_ops) / sizeof(bin_ops[0]))];
            tcg_gen_binop(&ctx, opc, d, a, b);
        } else if (k < 7) {
            tcg_gen_unop(&ctx, un_ops[rnd() % (sizeof(un_ops) / sizeof(un_ops[0]))], d, a);
        } else if (k == 7) {
            TCGv d2 = loc[rnd() % nloc];
            if (d2 == d)
                d2 = G[rnd() % NG];
            tcg_gen_mul2(&ctx, rnd() & 1 ? INDEX_op_mulu2 : INDEX_op_muls2, d, d2, a, b);
        } else if (k == 8) {
            tcg_gen_setcond(&ctx, (TCGCond)(rnd() % 14), d, a, b);
        } else {
            tcg_gen_movcond(&ctx, (TCGCond)(rnd() % 14), d, a, b, rnd_in(loc, nloc),
                            rnd_in(loc, nloc));
        }
    }
    for (int i = 0; i < nloc; i++)      /* make every local observable */
        tcg_gen_xor(&ctx, G[i % NG], G[i % NG], loc[i]);
    tcg_gen_exit_tb(&ctx, 0);
}

static void check_random(int rounds, int nloc, int nops, int mode)
{
    for (int r = 0; r < rounds; r++) {
        gen_random_program(nloc, nops);
        if (mode == 1)
            mark_dead_args();
        else if (mode == 2)
            tcg_liveness(&ctx);
        uint64_t want[NG];
        for (int i = 0; i < NG; i++)
            env.g[i] = want[i] = rnd_value();
        ref_run(want);
        ck_assert_uint_eq(compile_run(), 0);
        for (int i = 0; i < NG; i++)
            ck_assert_msg(env.g[i] == want[i], "round %d mode %d: g%d = %#llx, want %#llx",
                          r, mode, i, (unsigned long long)env.g[i], (unsigned long long)want[i]);
    }
}

START_TEST(test_random_arith)
{
    check_random(400, 6, 30, 0);
}
END_TEST

START_TEST(test_random_pressure)
{
    /* more live locals than host registers */
    check_random(200, 40, 80, 0);
}
END_TEST

START_TEST(test_random_dead_args)
{
    check_random(300, 10, 40, 1);
    check_random(100, 40, 80, 1);
}
END_TEST

START_TEST(test_random_liveness)
{
    check_random(200, 12, 40, 2);
}
END_TEST

START_TEST(test_pressure_sum)
{
    TCGv loc[40];
    tcg_ctx_reset(&ctx);
    for (int i = 0; i < 40; i++) {
        loc[i] = tcg_temp_new(&ctx);
        tcg_gen_binop(&ctx, INDEX_op_mul, loc[i], G[0], tcg_constant(&ctx, (uint64_t)i + 3));
        tcg_gen_addi(&ctx, loc[i], loc[i], (uint64_t)i << 40);
    }
    tcg_gen_movi(&ctx, G[1], 0);
    for (int i = 39; i >= 0; i--) {
        tcg_gen_xor(&ctx, G[1], G[1], loc[i]);
        tcg_gen_shli(&ctx, G[1], G[1], 1);
    }
    tcg_gen_exit_tb(&ctx, 7);
    env.g[0] = 0x123456789;
    uint64_t want = 0;
    for (int i = 39; i >= 0; i--)
        want = (want ^ (env.g[0] * (uint64_t)(i + 3) + ((uint64_t)i << 40))) << 1;
    ck_assert_uint_eq(compile_run(), 7);
    ck_assert_uint_eq(env.g[1], want);
    ck_assert_uint_eq(env.g[0], 0x123456789);
}
END_TEST

/* ---- branches ---- */

START_TEST(test_brcond_all_conds)
{
    static const uint64_t vals[] = { 0, 1, 2, 0x7fffffffffffffffull, 0x8000000000000000ull,
                                     (uint64_t)-1, (uint64_t)-2, 0x100000000ull, 0xff };
    const int nv = sizeof(vals) / sizeof(vals[0]);
    for (int c = TCG_COND_NEVER; c <= TCG_COND_TSTNE; c++) {
        for (int imm = 0; imm < 2; imm++) {
            for (int j = 0; j < nv; j++) {
                tcg_ctx_reset(&ctx);
                int l = tcg_new_label(&ctx), end = tcg_new_label(&ctx);
                TCGv b = imm ? tcg_constant(&ctx, vals[j]) : G[1];
                tcg_gen_brcond(&ctx, (TCGCond)c, G[0], b, l);
                tcg_gen_movi(&ctx, G[2], 10);
                tcg_gen_br(&ctx, end);
                tcg_gen_set_label(&ctx, l);
                tcg_gen_movi(&ctx, G[2], 20);
                tcg_gen_set_label(&ctx, end);
                tcg_gen_setcond(&ctx, (TCGCond)c, G[3], G[0], b);
                tcg_gen_exit_tb(&ctx, 0);
                uint8_t *tb = compile_at(4096, NULL);
                for (int i = 0; i < nv; i++) {
                    env.g[0] = vals[i];
                    env.g[1] = vals[j];
                    run(tb);
                    bool want = tcg_cond_eval((TCGCond)c, vals[i], vals[j]);
                    ck_assert_msg(env.g[2] == (want ? 20u : 10u) && env.g[3] == want,
                                  "cond %d imm %d: %#llx ? %#llx", c, imm,
                                  (unsigned long long)vals[i], (unsigned long long)vals[j]);
                }
            }
        }
    }
}
END_TEST

START_TEST(test_loop)
{
    /* sum = 0; i = g0; do { sum += i * locals...; i -= 1 } while (i != 0): a backward branch,
     * with locals live across it */
    tcg_ctx_reset(&ctx);
    TCGv sum = tcg_temp_new(&ctx), i = tcg_temp_new(&ctx), k = tcg_temp_new(&ctx);
    int top = tcg_new_label(&ctx);
    tcg_gen_movi(&ctx, sum, 0);
    tcg_gen_mov(&ctx, i, G[0]);
    tcg_gen_movi(&ctx, k, 3);
    tcg_gen_set_label(&ctx, top);
    TCGv t = tcg_temp_new(&ctx);
    tcg_gen_binop(&ctx, INDEX_op_mul, t, i, k);
    tcg_gen_add(&ctx, sum, sum, t);
    tcg_gen_addi(&ctx, G[5], G[5], 1);          /* a global changed in the loop */
    tcg_gen_addi(&ctx, i, i, (uint64_t)-1);
    tcg_gen_brcond(&ctx, TCG_COND_NE, i, tcg_constant(&ctx, 0), top);
    tcg_gen_mov(&ctx, G[1], sum);
    tcg_gen_exit_tb(&ctx, 0x1234567890ull);     /* a 64-bit exit value */
    env.g[0] = 100;
    ck_assert_uint_eq(compile_run(), 0x1234567890ull);
    ck_assert_uint_eq(env.g[1], 3 * 5050);
    ck_assert_uint_eq(env.g[5], 100);
}
END_TEST

START_TEST(test_branch_temp_redefined)
{
    /* t is live into L on the taken path, dies and is rewritten on the
     * other: both paths must leave it in the same home (with liveness's
     * dead_args, while other temps take spill slots in between). */
    for (int taken = 0; taken < 2; taken++) {
        tcg_ctx_reset(&ctx);
        TCGv t = tcg_temp_new(&ctx), u = tcg_temp_new(&ctx);
        int l = tcg_new_label(&ctx), l2 = tcg_new_label(&ctx);
        tcg_gen_addi(&ctx, t, G[0], 1);
        tcg_gen_brcond(&ctx, TCG_COND_EQ, G[1], tcg_constant(&ctx, 0), l);
        tcg_gen_addi(&ctx, G[2], t, 5);
        tcg_gen_addi(&ctx, u, G[5], 1);
        tcg_gen_brcond(&ctx, TCG_COND_EQ, G[6], tcg_constant(&ctx, 0), l2);
        tcg_gen_set_label(&ctx, l2);
        tcg_gen_binop(&ctx, INDEX_op_mul, t, G[3], tcg_constant(&ctx, 2));
        tcg_gen_set_label(&ctx, l);
        tcg_gen_mov(&ctx, G[4], t);
        tcg_gen_add(&ctx, G[7], u, u);    /* u keeps its slot across L */
        tcg_gen_exit_tb(&ctx, 0);
        tcg_liveness(&ctx);
        env.g[0] = 10;
        env.g[1] = !taken;
        env.g[3] = 300;
        env.g[5] = 50;
        env.g[6] = 1;
        ck_assert_uint_eq(compile_run(), 0);
        ck_assert_uint_eq(env.g[4], taken ? 11 : 600);
        if (!taken) {
            ck_assert_uint_eq(env.g[2], 16);
            ck_assert_uint_eq(env.g[7], 102);
        }
    }
}
END_TEST

/* ---- helper calls ---- */

static uint64_t h_weights(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, uint64_t f)
{
    return a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f;
}

static uint64_t h_touch_seen;
static void h_touch(void *e)
{
    TestEnv *te = e;
    h_touch_seen = te->g[5];
    te->g[6] = te->g[5] * 3;
}

static uint64_t h_i32(uint64_t a)
{
    return 0xdeadbeef00000000ull | (uint32_t)(a + 1);
}

static TCGHelperInfo info_weights = {
    .func = (void *)h_weights, .name = "weights", .ret = TCG_TYPE_I64, .nargs = 6,
    .args = { TCG_TYPE_I64, TCG_TYPE_I64, TCG_TYPE_I64, TCG_TYPE_I64, TCG_TYPE_I64, TCG_TYPE_I64 },
};
static TCGHelperInfo info_touch = {
    .func = (void *)h_touch, .name = "touch", .ret = TCG_TYPE_VOID, .nargs = 1,
    .args = { TCG_TYPE_PTR },
};
static TCGHelperInfo info_i32 = {
    .func = (void *)h_i32, .name = "i32", .ret = TCG_TYPE_I32, .nargs = 1,
    .args = { TCG_TYPE_I64 }, .flags = TCG_CALL_NO_WRITE_GLOBALS,
};

START_TEST(test_call_six_args_live_temps)
{
    TCGv loc[24];
    tcg_ctx_reset(&ctx);
    for (int i = 0; i < 24; i++) {
        loc[i] = tcg_temp_new(&ctx);
        tcg_gen_binop(&ctx, INDEX_op_mul, loc[i], G[0], tcg_constant(&ctx, (uint64_t)i + 1));
    }
    TCGv r = tcg_temp_new(&ctx);
    TCGv args[6] = { G[1], loc[3], tcg_constant(&ctx, 7), G[2], loc[5],
                     tcg_constant(&ctx, 0x123456789abcull) };
    tcg_gen_addi(&ctx, G[1], G[1], 1);           /* dirty global passed as an argument */
    tcg_gen_call(&ctx, &info_weights, r, args);
    tcg_gen_mov(&ctx, G[4], r);
    tcg_gen_movi(&ctx, G[3], 0);
    for (int i = 0; i < 24; i++)
        tcg_gen_add(&ctx, G[3], G[3], loc[i]);
    tcg_gen_call(&ctx, &info_i32, G[7], (TCGv[]){ G[4] });
    tcg_gen_exit_tb(&ctx, 0);
    env.g[0] = 1000;
    env.g[1] = 11;
    env.g[2] = 22;
    ck_assert_uint_eq(compile_run(), 0);
    uint64_t want = h_weights(12, 4000, 7, 22, 6000, 0x123456789abcull);
    ck_assert_uint_eq(env.g[4], want);
    ck_assert_uint_eq(env.g[3], 1000u * 300);
    ck_assert_uint_eq(env.g[1], 12);
    ck_assert_uint_eq(env.g[7], (uint32_t)(want + 1));   /* I32: zero-extended */
}
END_TEST

START_TEST(test_call_globals_synced)
{
    tcg_ctx_reset(&ctx);
    tcg_gen_addi(&ctx, G[5], G[5], 100);        /* dirty in a register */
    tcg_gen_addi(&ctx, G[6], G[6], 1);          /* cached, then changed by the helper */
    tcg_gen_mov(&ctx, G[8], G[6]);
    tcg_gen_call(&ctx, &info_touch, TCG_NO_TEMP, (TCGv[]){ tcg_env() });
    tcg_gen_addi(&ctx, G[7], G[6], 1);          /* must see the helper's value */
    tcg_gen_exit_tb(&ctx, 0);
    env.g[5] = 5;
    env.g[6] = 50;
    ck_assert_uint_eq(compile_run(), 0);
    ck_assert_uint_eq(h_touch_seen, 105);
    ck_assert_uint_eq(env.g[6], 315);
    ck_assert_uint_eq(env.g[7], 316);
    ck_assert_uint_eq(env.g[8], 51);
}
END_TEST

/* ---- guest memory ---- */

START_TEST(test_qemu_ld_fast)
{
    for (int i = 0; i < 64; i++)
        ram[0x10 + i] = (uint8_t)(0x81 + i * 7);
    static const TCGMemOp mops[] = { MO_8, MO_8 | MO_SIGN, MO_16, MO_16 | MO_SIGN, MO_32,
                                     MO_32 | MO_SIGN, MO_64 };
    tcg_ctx_reset(&ctx);
    for (int i = 0; i < 7; i++) {
        TCGv a = tcg_temp_new(&ctx);
        tcg_gen_addi(&ctx, a, G[0], (uint64_t)i * 9);     /* unaligned inside the page */
        tcg_gen_qemu_ld(&ctx, G[1 + i], a, mops[i], 1);
    }
    tcg_gen_exit_tb(&ctx, 0);
    env.g[0] = RAM_PAGE + 0x10;
    ck_assert_uint_eq(compile_run(), 0);
    ck_assert_uint_eq(slow_loads, 0);
    for (int i = 0; i < 7; i++) {
        uint64_t raw = 0;
        memcpy(&raw, ram + 0x10 + i * 9, 8);
        unsigned bits = 8u << (mops[i] & MO_SIZE);
        uint64_t want = bits == 64 ? raw : raw & ((1ull << bits) - 1);
        if ((mops[i] & MO_SIGN) && bits < 64)
            want = (uint64_t)((int64_t)(want << (64 - bits)) >> (64 - bits));
        ck_assert_msg(env.g[1 + i] == want, "load %d: %#llx want %#llx", i,
                      (unsigned long long)env.g[1 + i], (unsigned long long)want);
    }
}
END_TEST

START_TEST(test_qemu_st_fast)
{
    tcg_ctx_reset(&ctx);
    for (int i = 0; i < 4; i++) {
        TCGv a = tcg_temp_new(&ctx);
        tcg_gen_addi(&ctx, a, G[0], (uint64_t)i * 16 + 1);
        tcg_gen_qemu_st(&ctx, G[1 + i], a, (TCGMemOp)i, 1);
    }
    tcg_gen_qemu_st(&ctx, tcg_constant(&ctx, 0xabcdef), G[5], MO_32, 1);
    tcg_gen_exit_tb(&ctx, 0);
    memset(ram, 0, sizeof(ram));
    env.g[0] = RAM_PAGE + 0x200;
    env.g[5] = RAM_PAGE + 0x100;
    for (int i = 0; i < 4; i++)
        env.g[1 + i] = 0x1122334455667788ull + (uint64_t)i;
    ck_assert_uint_eq(compile_run(), 0);
    ck_assert_uint_eq(slow_stores, 0);
    for (int i = 0; i < 4; i++) {
        uint64_t got = 0;
        memcpy(&got, ram + 0x200 + i * 16 + 1, 8);
        uint64_t want = i == 3 ? env.g[4] : env.g[1 + i] & ((1ull << (8 << i)) - 1);
        ck_assert_uint_eq(got, want);
    }
    uint32_t w;
    memcpy(&w, ram + 0x100, 4);
    ck_assert_uint_eq(w, 0xabcdef);
}
END_TEST

/* One load or store at address g0 (mmu index idx) with 20 live locals around it. */
static void gen_access_with_locals(bool store, TCGMemOp mop, int idx)
{
    TCGv loc[20];
    tcg_ctx_reset(&ctx);
    for (int i = 0; i < 20; i++) {
        loc[i] = tcg_temp_new(&ctx);
        tcg_gen_binop(&ctx, INDEX_op_mul, loc[i], G[1], tcg_constant(&ctx, (uint64_t)i + 2));
    }
    tcg_gen_addi(&ctx, G[9], G[9], 100);        /* dirty global: synced for the slow path */
    tcg_gen_addi(&ctx, G[3], G[3], 5);          /* the load's output, dirty: synced too (the
                                                 * access may fault, env must be up to date) */
    if (store)
        tcg_gen_qemu_st(&ctx, G[2], G[0], mop, idx);
    else
        tcg_gen_qemu_ld(&ctx, G[3], G[0], mop, idx);
    tcg_gen_mov(&ctx, G[10], G[9]);             /* reread after the slow path */
    tcg_gen_movi(&ctx, G[4], 0);
    for (int i = 0; i < 20; i++)
        tcg_gen_add(&ctx, G[4], G[4], loc[i]);
    tcg_gen_exit_tb(&ctx, 0);
}

static void check_locals(void)
{
    ck_assert_uint_eq(env.g[4], env.g[1] * 230);   /* sum of (i + 2), i < 20 */
}

START_TEST(test_qemu_ld_slow)
{
    static const struct { uint64_t addr; TCGMemOp mop; int idx; bool slow; } cases[] = {
        { 0x9000, MO_32, 1, true },                /* not mapped */
        { 0x8000, MO_64, 1, true },                /* MMIO flag */
        { 0x8002, MO_32, 1, true },                /* MMIO flag, unaligned */
        { 0x0001, MO_16, 1, true },                /* invalid entry (tag = TLB_INVALID) */
        { 0x0003, MO_32 | MO_SIGN, 0, true },
        { RAM_PAGE + 0xffc, MO_64, 1, true },      /* crosses the page end */
        { RAM_PAGE + 0xffd, MO_32, 1, true },
        { RAM_PAGE + 0xffc, MO_32, 1, false },     /* ends at the page end */
        { RAM_PAGE + 0xfff, MO_8 | MO_SIGN, 0, false },
        { RAM_PAGE + 0x1000 * 16, MO_8, 1, true }, /* same index, other page */
    };
    /* entry sizes: 3 * 16 (lea + shift), 32 (shift), 56 (imul) */
    static const uint32_t esz[] = { sizeof(TLBEntry), 32, 56 };
    for (int n = 0; n < 3 * (int)(sizeof(cases) / sizeof(cases[0])); n++) {
        int i = n % (int)(sizeof(cases) / sizeof(cases[0]));
        if (i == 0)
            tlb_reset(esz[n / (int)(sizeof(cases) / sizeof(cases[0]))]);
        gen_access_with_locals(false, cases[i].mop, cases[i].idx);
        uint8_t *tb = compile_at(4096, NULL);
        memset(ram, 0x5a, sizeof(ram));
        slow_loads = 0;
        env.g[0] = cases[i].addr;
        env.g[1] = 0x1234 + (uint64_t)i;
        env.g[9] = 1000;
        env.g[3] = 7;
        ck_assert_uint_eq(run(tb), 0);
        check_locals();
        ck_assert_uint_eq(slow_loads, cases[i].slow);
        uint64_t want;
        unsigned bits = 8u << (cases[i].mop & MO_SIZE);
        if (cases[i].slow) {
            ck_assert_uint_eq(slow_addr, cases[i].addr);
            ck_assert_uint_eq(slow_memop, cases[i].mop | (unsigned)cases[i].idx << 8);
            ck_assert_uint_eq(slow_g9, 1100);
            ck_assert_uint_eq(slow_g3, 12);
            ck_assert_uint_eq(env.g[10], 1101);
            want = 0x8877665544332211ull ^ cases[i].addr;
        } else {
            ck_assert_uint_eq(env.g[10], 1100);
            want = 0x5a5a5a5a5a5a5a5aull;
        }
        if (bits < 64) {
            want &= (1ull << bits) - 1;
            if (cases[i].mop & MO_SIGN)
                want = (uint64_t)((int64_t)(want << (64 - bits)) >> (64 - bits));
        }
        ck_assert_msg(env.g[3] == want, "case %d: %#llx want %#llx", i,
                      (unsigned long long)env.g[3], (unsigned long long)want);
    }
}
END_TEST

START_TEST(test_qemu_st_slow)
{
    /* mmu 0 maps RAM_PAGE read-only: stores take the slow path, loads do not */
    gen_access_with_locals(true, MO_16, 0);
    uint8_t *tb = compile_at(4096, NULL);
    env.g[0] = RAM_PAGE + 0x40;
    env.g[1] = 77;
    env.g[2] = 0x1234beef;
    env.g[9] = 5;
    memset(ram, 0, sizeof(ram));
    ck_assert_uint_eq(run(tb), 0);
    check_locals();
    ck_assert_uint_eq(slow_stores, 1);
    ck_assert_uint_eq(slow_addr, RAM_PAGE + 0x40);
    ck_assert_uint_eq(slow_val, 0xbeef);      /* zero-extended from the access size */
    ck_assert_uint_eq(slow_memop, MO_16);
    ck_assert_uint_eq(slow_g9, 105);
    ck_assert_uint_eq(ram[0x40], 0);
    /* mmu 1: fast */
    gen_access_with_locals(true, MO_16, 1);
    tb = compile_at(4096, NULL);
    ck_assert_uint_eq(run(tb), 0);
    ck_assert_uint_eq(slow_stores, 1);
    ck_assert_uint_eq(ram[0x40] | ram[0x41] << 8, 0xbeef);
    check_locals();
}
END_TEST

START_TEST(test_qemu_no_tlb)
{
    /* tlb_size 0: every access through the slow path */
    ctx.mem.tlb_size = 0;
    gen_access_with_locals(false, MO_64, 1);
    env.g[0] = RAM_PAGE;
    env.g[1] = 3;
    ck_assert_uint_eq(compile_run(), 0);
    ck_assert_uint_eq(slow_loads, 1);
    ck_assert_uint_eq(env.g[3], 0x8877665544332211ull ^ RAM_PAGE);
    check_locals();
}
END_TEST

/* ---- chaining, goto_ptr, buffer limits ---- */

START_TEST(test_goto_tb_chain)
{
    TCGCodeInfo ia, ib;
    tcg_ctx_reset(&ctx);
    tcg_gen_addi(&ctx, G[0], G[0], 1);
    tcg_gen_goto_tb(&ctx, 1);
    tcg_gen_exit_tb(&ctx, 0x101);
    uint8_t *a = compile_at(4097, &ia);           /* odd address: the jump still aligns */
    ck_assert_uint_eq(ia.jmp_insn_offset[0], UINT32_MAX);
    ck_assert_uint_ne(ia.jmp_insn_offset[1], UINT32_MAX);
    ck_assert_uint_eq(((uintptr_t)a + ia.jmp_insn_offset[1] + 1) % 4, 0);
    ck_assert_uint_eq(ia.jmp_reset_offset[1], ia.jmp_insn_offset[1] + 5);

    tcg_ctx_reset(&ctx);
    tcg_gen_addi(&ctx, G[1], G[0], 1000);
    tcg_gen_exit_tb(&ctx, 0x200);
    uint8_t *b = compile_at(8192, &ib);
    ck_assert_uint_eq(ib.jmp_insn_offset[0], UINT32_MAX);

    ck_assert_uint_eq(run(a), 0x101);                     /* unchained */
    ck_assert_uint_eq(env.g[0], 1);
    be->patch_jump(a + ia.jmp_insn_offset[1], b);
    ck_assert_uint_eq(run(a), 0x200);                     /* chained into b */
    ck_assert_uint_eq(env.g[0], 2);
    ck_assert_uint_eq(env.g[1], 1002);
    be->patch_jump(a + ia.jmp_insn_offset[1], a + ia.jmp_reset_offset[1]);
    ck_assert_uint_eq(run(a), 0x101);                     /* reset */
    ck_assert_uint_eq(env.g[0], 3);
}
END_TEST

START_TEST(test_goto_ptr)
{
    tcg_ctx_reset(&ctx);
    tcg_gen_addi(&ctx, G[2], G[2], 5);
    tcg_gen_exit_tb(&ctx, 0x300);
    uint8_t *b = compile_at(8192, NULL);
    tcg_ctx_reset(&ctx);
    tcg_gen_addi(&ctx, G[1], G[1], 1);
    tcg_gen_goto_ptr(&ctx, G[0]);
    uint8_t *a = compile_at(4096, NULL);
    env.g[0] = 0;
    ck_assert_uint_eq(run(a), 0);
    ck_assert_uint_eq(env.g[1], 1);
    env.g[0] = (uintptr_t)b;
    ck_assert_uint_eq(run(a), 0x300);
    ck_assert_uint_eq(env.g[1], 2);
    ck_assert_uint_eq(env.g[2], 5);
}
END_TEST

START_TEST(test_env_ld_st)
{
    tcg_ctx_reset(&ctx);
    static const TCGOpcode lds[] = { INDEX_op_ld8u, INDEX_op_ld8s, INDEX_op_ld16u,
                                     INDEX_op_ld16s, INDEX_op_ld32u, INDEX_op_ld32s, INDEX_op_ld64 };
    for (int i = 0; i < 7; i++)
        tcg_gen_ld(&ctx, lds[i], G[i], (int32_t)offsetof(TestEnv, field[0]));
    TCGv t = tcg_temp_new(&ctx);
    tcg_gen_ld(&ctx, INDEX_op_ld64, t, (int32_t)offsetof(TestEnv, field[0]));
    tcg_gen_st(&ctx, INDEX_op_st8, t, (int32_t)offsetof(TestEnv, field[1]));
    tcg_gen_st(&ctx, INDEX_op_st16, t, (int32_t)offsetof(TestEnv, field[1]) + 2);
    tcg_gen_st(&ctx, INDEX_op_st32, t, (int32_t)offsetof(TestEnv, field[1]) + 4);
    tcg_gen_st(&ctx, INDEX_op_st64, t, (int32_t)offsetof(TestEnv, field[2]));
    tcg_gen_st(&ctx, INDEX_op_st64, tcg_constant(&ctx, (uint64_t)-3),
               (int32_t)offsetof(TestEnv, field[3]));
    tcg_gen_st(&ctx, INDEX_op_st8, tcg_constant(&ctx, 0x99), (int32_t)offsetof(TestEnv, field[1]) + 1);
    tcg_gen_exit_tb(&ctx, 0);
    env.field[0] = 0xfedcba9887654321ull;
    ck_assert_uint_eq(compile_run(), 0);
    ck_assert_uint_eq(env.g[0], 0x21);
    ck_assert_uint_eq(env.g[1], 0x21);
    ck_assert_uint_eq(env.g[2], 0x4321);
    ck_assert_uint_eq(env.g[3], 0x4321);
    ck_assert_uint_eq(env.g[4], 0x87654321);
    ck_assert_uint_eq(env.g[5], 0xffffffff87654321ull);
    ck_assert_uint_eq(env.g[6], 0xfedcba9887654321ull);
    ck_assert_uint_eq(env.field[1], 0x8765432143219921ull);
    ck_assert_uint_eq(env.field[2], 0xfedcba9887654321ull);
    ck_assert_uint_eq(env.field[3], (uint64_t)-3);
}
END_TEST

START_TEST(test_fall_off_end)
{
    /* no exit_tb: the block returns 0 with env up to date; so does a branch
     * to a label that is never set (a malformed block) */
    for (int bad = 0; bad < 2; bad++) {
        tcg_ctx_reset(&ctx);
        TCGv t = tcg_temp_new(&ctx);
        tcg_gen_addi(&ctx, G[0], G[0], 1);
        tcg_gen_addi(&ctx, t, G[0], 1);
        if (bad)
            tcg_gen_brcond(&ctx, TCG_COND_ALWAYS, t, t, tcg_new_label(&ctx));
        tcg_gen_mov(&ctx, G[1], t);
        env.g[0] = 41;
        env.g[1] = 0;
        ck_assert_uint_eq(compile_run(), 0);
        ck_assert_uint_eq(env.g[0], 42);
        ck_assert_uint_eq(env.g[1], bad ? 0 : 43);
    }
}
END_TEST

START_TEST(test_small_buffer)
{
    gen_random_program(20, 60);
    uint8_t *buf = code + 4096;
    memset(buf, 0xcc, 256);
    TCGCodeInfo info;
    ck_assert(!be->gen_code(&ctx, buf, 64, &info));
    for (int i = 64; i < 256; i++)
        ck_assert_uint_eq(buf[i], 0xcc);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("tcg-x86_64");
    unit_tcase(s, "encode", NULL, NULL,
               UNIT_TESTS(test_encode_basic, test_encode_memory, test_encode_jumps));
    TCase *tc = unit_tcase(s, "run", setup, teardown,
        UNIT_TESTS(test_random_arith, test_random_pressure, test_random_dead_args,
                   test_random_liveness, test_pressure_sum, test_brcond_all_conds, test_loop,
                   test_branch_temp_redefined,
                   test_call_six_args_live_temps, test_call_globals_synced,
                   test_qemu_ld_fast, test_qemu_st_fast, test_qemu_ld_slow, test_qemu_st_slow,
                   test_qemu_no_tlb, test_goto_tb_chain, test_goto_ptr, test_env_ld_st, test_fall_off_end,
                   test_small_buffer));
    tcase_set_timeout(tc, 60);
    return unit_run_suite(s);
}
