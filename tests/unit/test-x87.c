/*
 * x87 tests: the transcendentals against mpmath reference values
 * (tests/unit/data/x87-trans-ref.inc, made by gen-x87-ref.py) within 1 ulp
 * under three rounding modes, their special operands, C1/C2 and stack
 * faults; FBLD/FBSTP; the FSTENV/FSAVE layouts in protected and real
 * mode at both operand sizes; the remaining opcodes (FFREEP, aliases,
 * FCMOVcc, integer arithmetic). Instructions are hand-assembled and run
 * one at a time through x86_exec_one.
 */
#include "tests/unit/x86-test-machine.h"

#include <stdlib.h>

#include "target-x86/exec.h"
#include "target-x86/softfloat-x80.h"
#include "unit-test.h"

#define CODE 0x1000u
#define DATA 0x3000u
#define D32(a) (uint8_t)(a), (uint8_t)((a) >> 8), (uint8_t)((a) >> 16), (uint8_t)((a) >> 24)

#define S_IE 0x0001
#define S_DE 0x0002
#define S_ZE 0x0004
#define S_PE 0x0020
#define S_SF 0x0040
#define S_ES 0x0080
#define S_C0 0x0100
#define S_C1 0x0200
#define S_C2 0x0400
#define S_C3 0x4000

enum { T_SIN, T_COS, T_TAN, T_F2XM1, T_FYL2X, T_FYL2XP1, T_FPATAN };

typedef struct RefCase {
    int op;
    Float80 a, b;
    Float80 r[3];   /* correctly rounded: nearest, down, up */
} RefCase;

static const RefCase ref_cases[] = {
#include "tests/unit/data/x87-trans-ref.inc"
};
#define NREF (sizeof(ref_cases) / sizeof(ref_cases[0]))

static void setup(void)
{
    tm_setup_flat32(CR4_OSFXSR);
}

/* Run one instruction placed at physical CODE; -1 or the exception vector. */
static int exec1(const uint8_t *code, size_t len)
{
    return tm_exec1(CODE, code, len);
}

#define EXEC(...) ({ static const uint8_t c_[] = { __VA_ARGS__ }; exec1(c_, sizeof(c_)); })

static Float80 f80(uint64_t m, uint16_t e) { return (Float80){ m, e }; }

static void fld80(Float80 v)
{
    put64(DATA + 0x100, v.mant);
    put16(DATA + 0x108, v.exp);
    ck_assert_int_eq(EXEC(0xdb, 0x2d, D32(DATA + 0x100)), -1);   /* fld tword */
}

static Float80 st(int i) { return cpu->fpu.st[(cpu->fpu.top + i) & 7]; }
static bool st_tag(int i) { return cpu->fpu.ftw & (1u << ((cpu->fpu.top + i) & 7)); }
static unsigned fsw(void) { return cpu->fpu.fsw; }

static void fninit(void) { ck_assert_int_eq(EXEC(0xdb, 0xe3), -1); }

static void set_fcw(uint16_t v)
{
    put16(DATA + 0x1f0, v);
    ck_assert_int_eq(EXEC(0xd9, 0x2d, D32(DATA + 0x1f0)), -1);   /* fldcw */
}

/* position of a value on a monotone integer scale (ulp distance) */
static __int128 ordkey(Float80 v)
{
    __int128 k = ((__int128)(v.exp & 0x7fff) << 64) | v.mant;
    return (v.exp & 0x8000) ? -k : k;
}

static bool same(Float80 a, Float80 b) { return a.mant == b.mant && a.exp == b.exp; }

#define CHECK_F80(v, m, e)                                                                   \
    ck_assert_msg((v).mant == (m) && (v).exp == (e), "got %04x %016llx want %04x %016llx",    \
                  (v).exp, (unsigned long long)(v).mant, (unsigned)(e), (unsigned long long)(m))

static Float80 eval(const RefCase *rc, X80Ctx *c)
{
    Float80 r = { 0, 0 };
    switch (rc->op) {
    case T_SIN: ck_assert(x80_sincos(c, rc->a, &r, NULL)); break;
    case T_COS: ck_assert(x80_sincos(c, rc->a, NULL, &r)); break;
    case T_TAN: ck_assert(x80_tan(c, rc->a, &r)); break;
    case T_F2XM1: r = x80_f2xm1(c, rc->a); break;
    case T_FYL2X: r = x80_fyl2x(c, rc->a, rc->b); break;
    case T_FYL2XP1: r = x80_fyl2xp1(c, rc->a, rc->b); break;
    default: r = x80_fpatan(c, rc->a, rc->b); break;
    }
    return r;
}

/* Every reference case, three rounding modes: within 1 ulp of the correctly
 * rounded value, inexact, and round-down <= round-up. */
START_TEST(test_reference_accuracy)
{
    unsigned exact = 0;
    for (unsigned i = 0; i < NREF; i++) {
        const RefCase *rc = &ref_cases[i];
        Float80 got[3];
        for (int mode = 0; mode < 3; mode++) {
            X80Ctx c = { .rc = mode, .prec = 64, .flags = 0 };
            got[mode] = eval(rc, &c);
            __int128 d = ordkey(got[mode]) - ordkey(rc->r[mode]);
            ck_assert_msg(d >= -1 && d <= 1, "case %u mode %d: got %04x %016llx want %04x %016llx",
                          i, mode, got[mode].exp, (unsigned long long)got[mode].mant,
                          rc->r[mode].exp, (unsigned long long)rc->r[mode].mant);
            ck_assert_msg(c.flags & FX_PE, "case %u: PE", i);
            ck_assert_msg(!(c.flags & (FX_IE | FX_ZE | FX_OE)), "case %u: flags %x", i, c.flags);
            exact += d == 0;
        }
        ck_assert(ordkey(got[1]) <= ordkey(got[2]));
    }
    /* the implementation is correctly rounded on this set */
    ck_assert_uint_eq(exact, 3 * NREF);
}
END_TEST

/* The same cases through the instructions (nearest): operand order, the
 * stack effect and C1 = rounded up (magnitude increased). */
START_TEST(test_reference_instructions)
{
    for (unsigned i = 0; i < NREF; i++) {
        const RefCase *rc = &ref_cases[i];
        fninit();
        switch (rc->op) {
        case T_FYL2X:
        case T_FYL2XP1:
            fld80(rc->b);
            fld80(rc->a);
            break;
        case T_FPATAN:
            fld80(rc->a);
            fld80(rc->b);
            break;
        default:
            fld80(rc->a);
        }
        static const uint8_t modrm[] = { 0xfe, 0xff, 0xf2, 0xf0, 0xf1, 0xf9, 0xf3 };
        uint8_t code[2] = { 0xd9, modrm[rc->op] };
        ck_assert_int_eq(exec1(code, 2), -1);
        int pos = 0;
        if (rc->op == T_TAN) {   /* FPTAN pushed 1.0 */
            CHECK_F80(st(0), 1ull << 63, 0x3fff);
            ck_assert_uint_eq(cpu->fpu.top, 6);
            pos = 1;
        } else {
            ck_assert_uint_eq(cpu->fpu.top, 7);
        }
        Float80 r = st(pos);
        ck_assert_msg(same(r, rc->r[0]), "case %u: got %04x %016llx", i, r.exp,
                      (unsigned long long)r.mant);
        bool up = (rc->r[0].exp & 0x8000) ? same(r, rc->r[1]) : same(r, rc->r[2]);
        ck_assert_msg(!!(fsw() & S_C1) == up, "case %u: C1", i);
        ck_assert_uint_eq(fsw() & (S_PE | S_IE | S_C2), S_PE);
    }
}
END_TEST

START_TEST(test_trig_range_and_specials)
{
    static const Float80 two63 = { 1ull << 63, 0x403e };
    static const uint8_t ops[][2] = { { 0xd9, 0xfe }, { 0xd9, 0xff }, { 0xd9, 0xf2 }, { 0xd9, 0xfb } };
    for (int k = 0; k < 4; k++) {
        fninit();
        fld80(two63);
        ck_assert_int_eq(exec1(ops[k], 2), -1);
        ck_assert_uint_eq(fsw() & (S_C2 | 0x3f), S_C2);   /* out of range: C2, no flags */
        ck_assert_uint_eq(cpu->fpu.top, 7);               /* no push */
        CHECK_F80(st(0), 1ull << 63, 0x403e);
        /* the next in-range one clears C2 */
        fld80(f80(1ull << 63, 0x3fff));
        ck_assert_int_eq(exec1(ops[k], 2), -1);
        ck_assert_uint_eq(fsw() & S_C2, 0);
    }
    /* fsin +inf: IE, indefinite; unmasked: ST0 kept, ES */
    fninit();
    fld80(f80(1ull << 63, 0x7fff));
    ck_assert_int_eq(EXEC(0xd9, 0xfe), -1);
    CHECK_F80(st(0), 0xc000000000000000ull, 0xffff);
    ck_assert_uint_eq(fsw() & (S_IE | S_C2), S_IE);
    fninit();
    set_fcw(0x037e);
    fld80(f80(1ull << 63, 0x7fff));
    ck_assert_int_eq(EXEC(0xd9, 0xff), -1);
    CHECK_F80(st(0), 1ull << 63, 0x7fff);
    ck_assert_uint_eq(fsw() & (S_IE | S_ES), S_IE | S_ES);
    /* sin(-0) = -0, cos(-0) = 1: exact */
    fninit();
    fld80(f80(0, 0x8000));
    ck_assert_int_eq(EXEC(0xd9, 0xfb), -1);   /* fsincos: ST0 = cos, ST1 = sin */
    CHECK_F80(st(0), 1ull << 63, 0x3fff);
    CHECK_F80(st(1), 0, 0x8000);
    ck_assert_uint_eq(fsw() & 0x3f, 0);
    /* fsincos of 1: ST1 = sin(1), ST0 = cos(1) */
    fninit();
    fld80(f80(1ull << 63, 0x3fff));
    ck_assert_int_eq(EXEC(0xd9, 0xfb), -1);
    X80Ctx c = { 0, 64, 0 };
    Float80 s, co;
    x80_sincos(&c, f80(1ull << 63, 0x3fff), &s, &co);
    ck_assert(same(st(0), co) && same(st(1), s));
    ck_assert_uint_eq(s.mant, 0xd76aa47848677021ull);   /* sin(1) = 0.84147098480789650665 */
    /* sin of a denormal: DE, UE (tiny and inexact), PE; result within 1 ulp of x */
    fninit();
    fld80(f80(0x123, 0));
    ck_assert_int_eq(EXEC(0xd9, 0xfe), -1);
    ck_assert_uint_eq(fsw() & 0x3f, S_DE | 0x10 | S_PE);
    CHECK_F80(st(0), 0x123, 0);
    /* QNaN passes through fptan, pushed twice */
    fninit();
    fld80(f80(0xc000000000001234ull, 0x7fff));
    ck_assert_int_eq(EXEC(0xd9, 0xf2), -1);
    CHECK_F80(st(0), 0xc000000000001234ull, 0x7fff);
    CHECK_F80(st(1), 0xc000000000001234ull, 0x7fff);
    ck_assert_uint_eq(fsw() & S_IE, 0);
}
END_TEST

START_TEST(test_trans_stack_faults)
{
    /* underflow: IE + SF, C1 = 0, masked result = indefinite */
    fninit();
    ck_assert_int_eq(EXEC(0xd9, 0xfe), -1);   /* fsin on empty */
    ck_assert_uint_eq(fsw() & (S_IE | S_SF | S_C1), S_IE | S_SF);
    ck_assert(st_tag(0));
    CHECK_F80(st(0), 0xc000000000000000ull, 0xffff);
    fninit();
    fld80(f80(1ull << 63, 0x3fff));
    ck_assert_int_eq(EXEC(0xd9, 0xf1), -1);   /* fyl2x with ST1 empty */
    ck_assert_uint_eq(fsw() & (S_IE | S_SF), S_IE | S_SF);
    ck_assert_uint_eq(cpu->fpu.top, 0);       /* popped: ST1 -> ST0 */
    CHECK_F80(st(7), 1ull << 63, 0x3fff);
    CHECK_F80(st(0), 0xc000000000000000ull, 0xffff);
    /* overflow: fptan with 8 registers in use: IE + SF + C1, both indefinite */
    fninit();
    for (int i = 0; i < 8; i++)
        ck_assert_int_eq(EXEC(0xd9, 0xe8), -1);
    ck_assert_int_eq(EXEC(0xd9, 0xf2), -1);
    ck_assert_uint_eq(fsw() & (S_IE | S_SF | S_C1), S_IE | S_SF | S_C1);
    CHECK_F80(st(0), 0xc000000000000000ull, 0xffff);
    CHECK_F80(st(1), 0xc000000000000000ull, 0xffff);
    /* unmasked IE: nothing changes */
    fninit();
    set_fcw(0x037e);
    for (int i = 0; i < 8; i++)
        ck_assert_int_eq(EXEC(0xd9, 0xe8), -1);
    ck_assert_int_eq(EXEC(0xd9, 0xfb), -1);
    ck_assert_uint_eq(fsw() & (S_IE | S_SF | S_C1 | S_ES), S_IE | S_SF | S_C1 | S_ES);
    ck_assert_uint_eq(cpu->fpu.top, 0);
    CHECK_F80(st(0), 1ull << 63, 0x3fff);
}
END_TEST

/* y * log2(x) and friends: exact cases and the SDM tables. */
START_TEST(test_log_exp_specials)
{
    static const Float80 one = { 1ull << 63, 0x3fff }, three = { 0xc000000000000000ull, 0x4000 };
    static const Float80 eight = { 1ull << 63, 0x4002 }, zero = { 0, 0 };
    /* fyl2x(8, 3) = 9, exact */
    fninit();
    fld80(three);
    fld80(eight);
    ck_assert_int_eq(EXEC(0xd9, 0xf1), -1);
    CHECK_F80(st(0), 0x9000000000000000ull, 0x4002);
    ck_assert_uint_eq(fsw() & 0x3f, 0);
    ck_assert_uint_eq(cpu->fpu.top, 7);
    /* fyl2x(1, -3) = -0 */
    fninit();
    fld80(f80(three.mant, 0xc000));
    fld80(one);
    ck_assert_int_eq(EXEC(0xd9, 0xf1), -1);
    CHECK_F80(st(0), 0, 0x8000);
    /* fyl2x(0, 3): ZE, -inf */
    fninit();
    fld80(three);
    fld80(zero);
    ck_assert_int_eq(EXEC(0xd9, 0xf1), -1);
    CHECK_F80(st(0), 1ull << 63, 0xffff);
    ck_assert_uint_eq(fsw() & 0x3f, S_ZE);
    /* fyl2x(0, 0) and fyl2x(-1, 3): invalid */
    fninit();
    fld80(zero);
    fld80(zero);
    ck_assert_int_eq(EXEC(0xd9, 0xf1), -1);
    CHECK_F80(st(0), 0xc000000000000000ull, 0xffff);
    ck_assert_uint_eq(fsw() & 0x3f, S_IE);
    fninit();
    fld80(three);
    fld80(f80(1ull << 63, 0xbfff));
    ck_assert_int_eq(EXEC(0xd9, 0xf1), -1);
    ck_assert_uint_eq(fsw() & 0x3f, S_IE);
    /* fyl2x(+inf, -3) = -inf; fyl2xp1(-0, 3) = -0 */
    fninit();
    fld80(f80(three.mant, 0xc000));
    fld80(f80(1ull << 63, 0x7fff));
    ck_assert_int_eq(EXEC(0xd9, 0xf1), -1);
    CHECK_F80(st(0), 1ull << 63, 0xffff);
    fninit();
    fld80(three);
    fld80(f80(0, 0x8000));
    ck_assert_int_eq(EXEC(0xd9, 0xf9), -1);
    CHECK_F80(st(0), 0, 0x8000);
    ck_assert_uint_eq(fsw() & 0x3f, 0);
    /* f2xm1: 1 -> 1, -1 -> -0.5, -0 -> -0, -inf -> -1, all exact */
    static const Float80 in[4] = { { 1ull << 63, 0x3fff }, { 1ull << 63, 0xbfff }, { 0, 0x8000 },
                                   { 1ull << 63, 0xffff } };
    static const Float80 out[4] = { { 1ull << 63, 0x3fff }, { 1ull << 63, 0xbffe }, { 0, 0x8000 },
                                    { 1ull << 63, 0xbfff } };
    for (int i = 0; i < 4; i++) {
        fninit();
        fld80(in[i]);
        ck_assert_int_eq(EXEC(0xd9, 0xf0), -1);
        CHECK_F80(st(0), out[i].mant, out[i].exp);
        ck_assert_uint_eq(fsw() & 0x3f, 0);
    }
    /* fpatan: atan2(+0, -0) = pi (inexact, rounded up to the table pi);
     * atan2(-3, +inf) = -0; atan2(+inf, -inf) = 3pi/4 */
    fninit();
    fld80(zero);
    fld80(f80(0, 0x8000));
    ck_assert_int_eq(EXEC(0xd9, 0xf3), -1);
    CHECK_F80(st(0), 0xc90fdaa22168c235ull, 0x4000);
    ck_assert_uint_eq(fsw() & (0x3f | S_C1), S_PE | S_C1);
    fninit();
    fld80(f80(three.mant, 0xc000));
    fld80(f80(1ull << 63, 0x7fff));
    ck_assert_int_eq(EXEC(0xd9, 0xf3), -1);
    CHECK_F80(st(0), 0, 0x8000);
    fninit();
    fld80(f80(1ull << 63, 0x7fff));
    fld80(f80(1ull << 63, 0xffff));
    ck_assert_int_eq(EXEC(0xd9, 0xf3), -1);
    CHECK_F80(st(0), 0x96cbe3f9990e91a8ull, 0x4000);   /* 3pi/4 = 2.35619449019234492885 */
    /* directed rounding of pi from fpatan: down is the table value - 1 */
    fninit();
    set_fcw(0x077f);
    fld80(zero);
    fld80(f80(0, 0x8000));
    ck_assert_int_eq(EXEC(0xd9, 0xf3), -1);
    CHECK_F80(st(0), 0xc90fdaa22168c234ull, 0x4000);
    ck_assert_uint_eq(fsw() & S_C1, 0);
}
END_TEST

static void put_bcd(uint64_t lo, uint16_t hi)
{
    put64(DATA + 0x40, lo);
    put16(DATA + 0x48, hi);
}

START_TEST(test_bcd)
{
    /* fbld 123456789012345678 then fistp qword */
    fninit();
    put_bcd(0x9012345678ull | (0x345678ull << 40), 0x0012);
    ck_assert_int_eq(EXEC(0xdf, 0x25, D32(DATA + 0x40)), -1);   /* fbld */
    ck_assert_int_eq(EXEC(0xdf, 0x3d, D32(DATA + 0x50)), -1);   /* fistp qword */
    ck_assert_uint_eq(get64(DATA + 0x50), 123456789012345678ull);
    /* -0 stays -0; a load clears C1 (set here by fxam of a negative value) */
    ck_assert_int_eq(EXEC(0xd9, 0xe8), -1);                     /* fld1 */
    ck_assert_int_eq(EXEC(0xd9, 0xe0), -1);                     /* fchs */
    ck_assert_int_eq(EXEC(0xd9, 0xe5), -1);                     /* fxam: C1 = sign */
    ck_assert_uint_eq(fsw() & S_C1, S_C1);
    ck_assert_int_eq(EXEC(0xdd, 0xd8), -1);                     /* fstp st0 */
    put_bcd(0, 0x8000);
    ck_assert_int_eq(EXEC(0xdf, 0x25, D32(DATA + 0x40)), -1);
    CHECK_F80(st(0), 0, 0x8000);
    ck_assert_uint_eq(fsw() & S_C1, 0);
    /* fbstp: -999999999999999999 round trip */
    put_bcd(0x9999999999999999ull, 0x8099);
    ck_assert_int_eq(EXEC(0xdf, 0x25, D32(DATA + 0x40)), -1);
    ck_assert_int_eq(EXEC(0xdf, 0x35, D32(DATA + 0x60)), -1);   /* fbstp */
    ck_assert_uint_eq(get64(DATA + 0x60), 0x9999999999999999ull);
    ck_assert_uint_eq(get16(DATA + 0x68), 0x8099);
    /* 2.5 -> 2 (nearest even), C1 = 0, PE; round up -> 3, C1 = 1 */
    fninit();
    fld80(f80(0xa000000000000000ull, 0x4000));
    ck_assert_int_eq(EXEC(0xdf, 0x35, D32(DATA + 0x60)), -1);
    ck_assert_uint_eq(get64(DATA + 0x60), 2);
    ck_assert_uint_eq(get16(DATA + 0x68), 0);
    ck_assert_uint_eq(fsw() & (S_PE | S_C1), S_PE);
    ck_assert_uint_eq(cpu->fpu.top, 0);
    set_fcw(0x0b7f);
    fld80(f80(0xa000000000000000ull, 0x4000));
    ck_assert_int_eq(EXEC(0xdf, 0x35, D32(DATA + 0x60)), -1);
    ck_assert_uint_eq(get64(DATA + 0x60), 3);
    ck_assert_uint_eq(fsw() & (S_PE | S_C1), S_PE | S_C1);
    /* -0.25 rounds to -0: the sign is kept */
    fninit();
    fld80(f80(1ull << 63, 0xbffd));
    ck_assert_int_eq(EXEC(0xdf, 0x35, D32(DATA + 0x60)), -1);
    ck_assert_uint_eq(get64(DATA + 0x60), 0);
    ck_assert_uint_eq(get16(DATA + 0x68), 0x8000);
    /* 10^18 is out of range: IE, BCD indefinite, popped */
    fninit();
    put64(DATA + 0x70, 1000000000000000000ull);
    ck_assert_int_eq(EXEC(0xdf, 0x2d, D32(DATA + 0x70)), -1);   /* fild qword */
    ck_assert_int_eq(EXEC(0xdf, 0x35, D32(DATA + 0x60)), -1);
    ck_assert_uint_eq(get64(DATA + 0x60), 0xc000000000000000ull);
    ck_assert_uint_eq(get16(DATA + 0x68), 0xffff);
    ck_assert_uint_eq(fsw() & 0x3f, S_IE);
    ck_assert_uint_eq(cpu->fpu.top, 0);
    /* unmasked: nothing stored, not popped */
    fninit();
    set_fcw(0x037e);
    put64(DATA + 0x60, 0x1111);
    ck_assert_int_eq(EXEC(0xdf, 0x2d, D32(DATA + 0x70)), -1);
    ck_assert_int_eq(EXEC(0xdf, 0x35, D32(DATA + 0x60)), -1);
    ck_assert_uint_eq(get64(DATA + 0x60), 0x1111);
    ck_assert_uint_eq(cpu->fpu.top, 7);
    ck_assert_uint_eq(fsw() & (S_IE | S_ES), S_IE | S_ES);
    /* empty ST0 (masked underflow): indefinite stored */
    fninit();
    ck_assert_int_eq(EXEC(0xdf, 0x35, D32(DATA + 0x60)), -1);
    ck_assert_uint_eq(get16(DATA + 0x68), 0xffff);
    ck_assert_uint_eq(fsw() & (S_IE | S_SF), S_IE | S_SF);
}
END_TEST

/* fld dword [DATA] then the store under test; protected-mode layouts */
START_TEST(test_env_protected)
{
    fninit();
    put32(DATA, 0x3f800000);
    ck_assert_int_eq(EXEC(0xd9, 0x05, D32(DATA)), -1);          /* fld dword [DATA] */
    ck_assert_int_eq(EXEC(0xd9, 0x35, D32(DATA + 0x200)), -1);  /* fnstenv (28 bytes) */
    ck_assert_uint_eq(get32(DATA + 0x200), 0x037f);
    ck_assert_uint_eq(get32(DATA + 0x204), 0x3800);
    ck_assert_uint_eq(get32(DATA + 0x208), 0x3fff);             /* R7 valid */
    ck_assert_uint_eq(get32(DATA + 0x20c), CODE);
    ck_assert_uint_eq(get32(DATA + 0x210), 0x08 | (0x105u << 16));
    ck_assert_uint_eq(get32(DATA + 0x214), DATA);
    ck_assert_uint_eq(get32(DATA + 0x218), 0x10);
    ck_assert_uint_eq(cpu->fpu.fcw, 0x037f);                    /* fnstenv masks all */
    /* 16-bit form: 14 bytes, no FOP */
    ck_assert_int_eq(EXEC(0xd9, 0x05, D32(DATA)), -1);
    ck_assert_int_eq(EXEC(0x66, 0xd9, 0x35, D32(DATA + 0x240)), -1);
    ck_assert_uint_eq(get16(DATA + 0x240), 0x037f);
    ck_assert_uint_eq(get16(DATA + 0x242), 0x3000);
    ck_assert_uint_eq(get16(DATA + 0x244), 0x0fff);
    ck_assert_uint_eq(get16(DATA + 0x246), CODE);
    ck_assert_uint_eq(get16(DATA + 0x248), 0x08);
    ck_assert_uint_eq(get16(DATA + 0x24a), DATA);
    ck_assert_uint_eq(get16(DATA + 0x24c), 0x10);
    /* fnsave 16-bit: 94 bytes, registers at 14; frstor brings them back */
    put32(DATA + 0x2ff, 0xeeeeeeee);
    ck_assert_int_eq(EXEC(0x66, 0xdd, 0x35, D32(DATA + 0x2a0)), -1);
    ck_assert_uint_eq(get64(DATA + 0x2a0 + 14), 1ull << 63);
    ck_assert_uint_eq(get16(DATA + 0x2a0 + 22), 0x3fff);
    ck_assert_uint_eq(get8(DATA + 0x2ff), 0xee);                /* 0x2a0 + 94 = 0x2fe */
    ck_assert_uint_eq(cpu->fpu.ftw, 0);                         /* reinitialised */
    ck_assert_int_eq(EXEC(0x66, 0xdd, 0x25, D32(DATA + 0x2a0)), -1);
    ck_assert_uint_eq(cpu->fpu.top, 6);
    CHECK_F80(st(0), 1ull << 63, 0x3fff);
    ck_assert(st_tag(1));
}
END_TEST

static void mode_real(void)
{
    cpu->cr0 = CR0_ET;
    tm_load_segs(0x80, 0x800, 0x9b, 0x1234, 0x12340, 0x93, 0xffff);
    x86_update_hflags(cpu);
    tlb_flush(&cpu->tlb);
}

/* Real mode: FIP/FDP stored as 20-bit linear addresses (SDM Figs 8-10, 8-12). */
START_TEST(test_env_real)
{
    mode_real();
    fninit();
    put32(0x12350, 0x3f800000);
    ck_assert_int_eq(EXEC(0xd9, 0x06, 0x10, 0x00), -1);         /* fld dword [0x10] */
    ck_assert_int_eq(EXEC(0xd9, 0x36, 0x20, 0x00), -1);         /* fnstenv [0x20] (14 bytes) */
    uint32_t b = 0x12360;
    ck_assert_uint_eq(get16(b + 0), 0x037f);
    ck_assert_uint_eq(get16(b + 2), 0x3800);
    ck_assert_uint_eq(get16(b + 4), 0x3fff);
    ck_assert_uint_eq(get16(b + 6), 0x1000);                    /* linear 0x01000, low 16 */
    ck_assert_uint_eq(get16(b + 8), 0x0000 | 0x106);            /* IP 19:16 = 0, FOP d9 06 */
    ck_assert_uint_eq(get16(b + 10), 0x2350);                   /* linear 0x12350 */
    ck_assert_uint_eq(get16(b + 12), 0x1000);                   /* DP 19:16 = 1 at bit 12 */
    /* 32-bit form (66 prefix): 28 bytes */
    ck_assert_int_eq(EXEC(0xd9, 0x06, 0x10, 0x00), -1);
    ck_assert_int_eq(EXEC(0x66, 0xd9, 0x36, 0x40, 0x00), -1);
    b = 0x12380;
    ck_assert_uint_eq(get32(b + 0), 0x037f);
    ck_assert_uint_eq(get32(b + 4), 0x3000);
    ck_assert_uint_eq(get32(b + 12), 0x1000);
    ck_assert_uint_eq(get32(b + 16), 0x106);
    ck_assert_uint_eq(get32(b + 20), 0x2350);
    ck_assert_uint_eq(get32(b + 24), 0x1000);
    /* fldenv of an edited image, stored again: the pointers survive */
    put16(0x12360 + 6, 0xbeef);
    put16(0x12360 + 8, 0x7000 | 0x5a5);
    put16(0x12360 + 10, 0x4321);
    put16(0x12360 + 12, 0xa000);
    ck_assert_int_eq(EXEC(0xd9, 0x26, 0x20, 0x00), -1);         /* fldenv [0x20] */
    ck_assert_uint_eq(cpu->fpu.fop, 0x5a5);
    ck_assert_uint_eq(cpu->fpu.fip, 0x7beef);
    ck_assert_uint_eq(cpu->fpu.fdp, 0xa4321);
    ck_assert_int_eq(EXEC(0xd9, 0x36, 0x60, 0x00), -1);         /* fnstenv [0x60] */
    ck_assert_uint_eq(get16(0x123a0 + 6), 0xbeef);
    ck_assert_uint_eq(get16(0x123a0 + 8), 0x75a5);
    ck_assert_uint_eq(get16(0x123a0 + 10), 0x4321);
    ck_assert_uint_eq(get16(0x123a0 + 12), 0xa000);
    /* fnsave in real mode, 16-bit: 94 bytes, the same header */
    ck_assert_int_eq(EXEC(0xdd, 0x36, 0x00, 0x01), -1);         /* fnsave [0x100] */
    ck_assert_uint_eq(get16(0x12440 + 6), 0xbeef);
    ck_assert_uint_eq(get16(0x12440 + 4), 0x3fff);              /* tag word from the fldenv */
    ck_assert_uint_eq(get64(0x12440 + 14), 1ull << 63);         /* ST0 at 14 */
    ck_assert_uint_eq(get16(0x12440 + 22), 0x3fff);
}
END_TEST

START_TEST(test_other_opcodes)
{
    /* fchs/fabs on an empty ST0 (masked): the indefinite, not its negation */
    fninit();
    ck_assert_int_eq(EXEC(0xd9, 0xe1), -1);                     /* fabs */
    CHECK_F80(st(0), 0xc000000000000000ull, 0xffff);
    ck_assert_uint_eq(fsw() & (S_IE | S_SF), S_IE | S_SF);
    /* FFREEP ST0: free, then pop */
    fninit();
    ck_assert_int_eq(EXEC(0xd9, 0xe8), -1);                     /* fld1 */
    ck_assert_int_eq(EXEC(0xd9, 0xee), -1);                     /* fldz */
    ck_assert_int_eq(EXEC(0xdf, 0xc0), -1);                     /* ffreep st0 */
    ck_assert_uint_eq(cpu->fpu.top, 7);
    ck_assert_uint_eq(cpu->fpu.ftw, 0x80);
    CHECK_F80(st(0), 1ull << 63, 0x3fff);
    /* FSTP1 (D9 D8+i), FSTP8 (DF D0+i), FSTP9 (DF D8+i) pop */
    static const uint8_t fstp_alias[3][2] = { { 0xd9, 0xd9 }, { 0xdf, 0xd1 }, { 0xdf, 0xd9 } };
    for (int k = 0; k < 3; k++) {
        fninit();
        ck_assert_int_eq(EXEC(0xd9, 0xe8), -1);
        ck_assert_int_eq(EXEC(0xd9, 0xee), -1);
        ck_assert_int_eq(exec1(fstp_alias[k], 2), -1);           /* st1 = st0 = 0, pop */
        ck_assert_uint_eq(cpu->fpu.top, 7);
        CHECK_F80(st(0), 0, 0);
    }
    /* FXCH4 (DD C8+i), FXCH7 (DF C8+i) */
    static const uint8_t fxch_alias[2][2] = { { 0xdd, 0xc9 }, { 0xdf, 0xc9 } };
    for (int k = 0; k < 2; k++) {
        fninit();
        ck_assert_int_eq(EXEC(0xd9, 0xe8), -1);
        ck_assert_int_eq(EXEC(0xd9, 0xee), -1);
        ck_assert_int_eq(exec1(fxch_alias[k], 2), -1);
        CHECK_F80(st(0), 1ull << 63, 0x3fff);
        CHECK_F80(st(1), 0, 0);
    }
    /* FCOM2 (DC D0+i) keeps, FCOMP3 (DC D8+i), FCOMP5 (DE D0+i) pop: 0 < 1 -> C0 */
    static const uint8_t fcom_alias[3][2] = { { 0xdc, 0xd1 }, { 0xdc, 0xd9 }, { 0xde, 0xd1 } };
    for (int k = 0; k < 3; k++) {
        fninit();
        ck_assert_int_eq(EXEC(0xd9, 0xe8), -1);
        ck_assert_int_eq(EXEC(0xd9, 0xee), -1);
        ck_assert_int_eq(exec1(fcom_alias[k], 2), -1);
        ck_assert_uint_eq(fsw() & (S_C0 | S_C2 | S_C3), S_C0);
        ck_assert_uint_eq(cpu->fpu.top, k == 0 ? 6 : 7);
    }
    /* FCMOVB st0,st1 with CF=1 copies; FCMOVNB does not */
    fninit();
    ck_assert_int_eq(EXEC(0xd9, 0xe8), -1);
    ck_assert_int_eq(EXEC(0xd9, 0xee), -1);
    ck_assert_int_eq(EXEC(0xf9), -1);                           /* stc */
    ck_assert_int_eq(EXEC(0xdb, 0xc1), -1);                     /* fcmovnb: no */
    CHECK_F80(st(0), 0, 0);
    ck_assert_int_eq(EXEC(0xda, 0xc1), -1);                     /* fcmovb: yes */
    CHECK_F80(st(0), 1ull << 63, 0x3fff);
    /* fiadd word, fimul dword, fisubr word, fidiv dword */
    fninit();
    put16(DATA + 0x80, (uint16_t)-3);
    put32(DATA + 0x84, 10);
    ck_assert_int_eq(EXEC(0xd9, 0xe8), -1);
    ck_assert_int_eq(EXEC(0xde, 0x05, D32(DATA + 0x80)), -1);   /* 1 + -3 = -2 */
    ck_assert_int_eq(EXEC(0xda, 0x0d, D32(DATA + 0x84)), -1);   /* * 10 = -20 */
    ck_assert_int_eq(EXEC(0xde, 0x2d, D32(DATA + 0x80)), -1);   /* -3 - -20 = 17 */
    ck_assert_int_eq(EXEC(0xda, 0x35, D32(DATA + 0x84)), -1);   /* / 10 = 1.7 */
    ck_assert_int_eq(EXEC(0xdb, 0x15, D32(DATA + 0x88)), -1);   /* fist dword: 2 */
    ck_assert_uint_eq(get32(DATA + 0x88), 2);
    /* FISTTP is SSE3, not advertised: #UD */
    ck_assert_int_eq(EXEC(0xdb, 0x0d, D32(DATA + 0x88)), EXCP_UD);
    ck_assert_int_eq(EXEC(0xdd, 0x0d, D32(DATA + 0x88)), EXCP_UD);
    ck_assert_int_eq(EXEC(0xdf, 0x0d, D32(DATA + 0x88)), EXCP_UD);
    /* still-undefined encodings */
    ck_assert_int_eq(EXEC(0xd9, 0xd1), EXCP_UD);
    ck_assert_int_eq(EXEC(0xd9, 0xe2), EXCP_UD);
    ck_assert_int_eq(EXEC(0xde, 0xd8), EXCP_UD);
    /* FOP/FIP follow register-form instructions too */
    ck_assert_int_eq(EXEC(0xd9, 0xfe), -1);
    ck_assert_uint_eq(cpu->fpu.fop, 0x1fe);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("x87");
    TCase *tc = unit_tcase(s, "x87", setup, tm_teardown, UNIT_TESTS(
        test_reference_accuracy, test_reference_instructions, test_trig_range_and_specials,
        test_trans_stack_faults, test_log_exp_specials, test_bcd, test_env_protected, test_env_real,
        test_other_opcodes));
    tcase_set_timeout(tc, 60);
    return unit_run_suite(s);
}
