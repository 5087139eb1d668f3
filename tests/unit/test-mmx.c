/*
 * MMX and XSAVE tests: single hand-assembled instructions run through
 * x86_exec_one in 32-bit protected mode. They check the 64-bit lane
 * results (shared SSE lane code), the x87 state effects of MMX (MMn in the
 * significand, exponent set to ones on a write, TOP=0 and all tags valid,
 * EMMS), the #UD/#NM/#MF/#GP rules with the state left untouched by a
 * fault, the MM<->XMM conversions, CPUID leaf 1/0xD, CR4.OSXSAVE, and
 * XGETBV/XSETBV/XSAVE/XSAVEOPT/XRSTOR (header, init, reserved-bit faults).
 * The decoder's MMX rows are checked against objdump: lengths, mnemonics
 * and register/memory/immediate operands of 5,000 random MMX encodings
 * (tests/unit/data/decode-ref-mmx-*.txt, made by gen-mmx-ref.sh).
 */
#include "tests/unit/x86-test-machine.h"

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "target-x86/decode.h"
#include "target-x86/exec.h"
#include "unit-test.h"

#define CODE 0x1000u
#define DATA 0x3000u
#define D32(a) (uint8_t)(a), (uint8_t)((a) >> 8), (uint8_t)((a) >> 16), (uint8_t)((a) >> 24)

static const uint64_t VA = 0x7fff8000ff017f80ull;
static const uint64_t VB = 0x80017fff01ff8081ull;

static void setup(void)
{
    tm_setup_flat32(CR4_OSFXSR | CR4_OSXMMEXCPT);
}

/* Run one instruction placed at physical CODE; -1 or the exception vector. */
static int exec1(const uint8_t *code, size_t len)
{
    return tm_exec1(CODE, code, len);
}

#define EXEC(...) ({ static const uint8_t c_[] = { __VA_ARGS__ }; exec1(c_, sizeof(c_)); })

static uint64_t mm(int n) { return cpu->fpu.st[n].mant; }

static void set_mm(int n, uint64_t v)
{
    cpu->fpu.st[n].mant = v;
    cpu->fpu.st[n].exp = 0x1234;
}

/* An x87 state that is not the MMX one: TOP=5, only R5 valid. */
static void x87_state(void)
{
    cpu->fpu.top = 5;
    cpu->fpu.ftw = 0x20;
    cpu->fpu.fsw = 0;
}

#define CHECK_MM(n, v) \
    ck_assert_msg(mm(n) == (v), "mm%d = %016llx", n, (unsigned long long)mm(n))

/* op mm0, mm1 with mm0 = VA, mm1 = VB (results cross-checked with QEMU in
 * tests/guest/mmx.expected) */
static uint64_t op01(uint8_t opc)
{
    set_mm(0, VA);
    set_mm(1, VB);
    uint8_t code[] = { 0x0f, opc, 0xc1 };
    ck_assert_int_eq(exec1(code, sizeof(code)), -1);
    return mm(0);
}

START_TEST(test_lanes)
{
    ck_assert_uint_eq(op01(0xdc), 0xffffffffffffffffull);   /* paddusb */
    ck_assert_uint_eq(op01(0xe8), 0x7ffe8001fe027fffull);   /* psubsb */
    ck_assert_uint_eq(op01(0x63), 0x807f7f807f80807full);   /* packsswb: mm0's words, then mm1's */
    ck_assert_uint_eq(op01(0x6b), 0x80007fff7fff8000ull);   /* packssdw */
    ck_assert_uint_eq(op01(0x67), 0x00ffff00ff0000ffull);   /* packuswb */
    ck_assert_uint_eq(op01(0x68), 0x807f01ff7f80ff00ull);   /* punpckhbw: upper halves */
    ck_assert_uint_eq(op01(0x6a), 0x80017fff7fff8000ull);   /* punpckhdq */
    ck_assert_uint_eq(op01(0x60), 0x01ffff01807f8180ull);   /* punpcklbw */
    ck_assert_uint_eq(op01(0xf5), 0x80017fffc07e427full);   /* pmaddwd */
    ck_assert_uint_eq(op01(0xf6), 0x3fdull);                /* psadbw: one sum */
    ck_assert_uint_eq(op01(0xe4), 0x3fff3fff01fd4000ull);   /* pmulhuw */
    ck_assert_uint_eq(op01(0xf4), 0x01fd83fec0013f80ull);   /* pmuludq */
    ck_assert_uint_eq(op01(0xd4), VA + VB);                 /* paddq */
    ck_assert_uint_eq(op01(0xe0), 0x8080808080808081ull);   /* pavgb */
    /* punpcklbw mm0, m32 reads only 4 bytes */
    set_mm(0, VA);
    put64(DATA, 0xaabbccdd11223344ull);
    ck_assert_int_eq(EXEC(0x0f, 0x60, 0x05, D32(DATA)), -1);
    CHECK_MM(0, 0x11ff2201337f4480ull);
    /* shifts: by mm (64-bit count), by immediate, out of range */
    set_mm(0, VA);
    set_mm(1, 0x100000004ull);
    ck_assert_int_eq(EXEC(0x0f, 0xd1, 0xc1), -1);           /* psrlw mm0, mm1: count > 15 */
    CHECK_MM(0, 0);
    set_mm(0, VA);
    set_mm(1, 4);
    ck_assert_int_eq(EXEC(0x0f, 0xe1, 0xc1), -1);           /* psraw mm0, 4 */
    CHECK_MM(0, 0x07fff800fff007f8ull);
    set_mm(3, VA);
    ck_assert_int_eq(EXEC(0x0f, 0x71, 0xe3, 99), -1);       /* psraw mm3, 99 */
    CHECK_MM(3, 0x0000ffffffff0000ull);
    set_mm(3, VA);
    ck_assert_int_eq(EXEC(0x0f, 0x73, 0xf3, 33), -1);       /* psllq mm3, 33 */
    CHECK_MM(3, 0xfe02ff0000000000ull);
    /* pshufw, pinsrw, pextrw, pmovmskb */
    set_mm(1, VB);
    ck_assert_int_eq(EXEC(0x0f, 0x70, 0xc1, 0x1b), -1);     /* pshufw mm0, mm1, 0x1b */
    CHECK_MM(0, 0x808101ff7fff8001ull);
    put16(DATA, 0xbeef);
    ck_assert_int_eq(EXEC(0x0f, 0xc4, 0x05, D32(DATA), 6), -1);  /* pinsrw mm0, [m], 6 -> word 2 */
    CHECK_MM(0, 0x8081beef7fff8001ull);
    cpu->regs[R_EAX] = ~0ull;
    ck_assert_int_eq(EXEC(0x0f, 0xc5, 0xc1, 0x07), -1);     /* pextrw eax, mm1, 7 -> word 3 */
    ck_assert_uint_eq(cpu->regs[R_EAX], 0x8001);
    ck_assert_int_eq(EXEC(0x0f, 0xd7, 0xc1), -1);           /* pmovmskb eax, mm1 */
    ck_assert_uint_eq(cpu->regs[R_EAX], 0x97);
    /* maskmovq mm0, mm1 to DS:EDI */
    set_mm(0, VA);
    set_mm(1, 0x80ff007f00800001ull);
    put64(DATA, 0);
    cpu->regs[R_EDI] = DATA;
    ck_assert_int_eq(EXEC(0x0f, 0xf7, 0xc1), -1);
    ck_assert_uint_eq(get64(DATA), 0x7fff000000010000ull);
}
END_TEST

START_TEST(test_state)
{
    /* a write: MMn = significand of Rn, exponent all ones, TOP 0, all valid */
    x87_state();
    set_mm(1, VB);
    ck_assert_int_eq(EXEC(0x0f, 0x6f, 0xd1), -1);           /* movq mm2, mm1 */
    CHECK_MM(2, VB);
    ck_assert_uint_eq(cpu->fpu.st[2].exp, 0xffff);
    ck_assert_uint_eq(cpu->fpu.st[1].exp, 0x1234);          /* source: unchanged */
    ck_assert_uint_eq(cpu->fpu.top, 0);
    ck_assert_uint_eq(cpu->fpu.ftw, 0xff);
    /* a read also switches to MMX state */
    x87_state();
    ck_assert_int_eq(EXEC(0x0f, 0x7e, 0xc8), -1);           /* movd eax, mm1 */
    ck_assert_uint_eq(cpu->regs[R_EAX], (uint32_t)VB);
    ck_assert_uint_eq(cpu->fpu.top, 0);
    ck_assert_uint_eq(cpu->fpu.ftw, 0xff);
    ck_assert_uint_eq(cpu->fpu.st[1].exp, 0x1234);
    /* EMMS: all empty, TOP unchanged */
    x87_state();
    ck_assert_int_eq(EXEC(0x0f, 0x77), -1);
    ck_assert_uint_eq(cpu->fpu.ftw, 0);
    ck_assert_uint_eq(cpu->fpu.top, 5);
    /* FXSAVE shows the abridged tag 0xff and the exponent */
    set_mm(4, VA);
    ck_assert_int_eq(EXEC(0x0f, 0xef, 0xe4), -1);           /* pxor mm4, mm4 */
    ck_assert_int_eq(EXEC(0x0f, 0xae, 0x05, D32(DATA)), -1);/* fxsave */
    ck_assert_uint_eq(get8(DATA + 4), 0xff);
    ck_assert_uint_eq(get16(DATA + 2) & 0x3800, 0);
    ck_assert_uint_eq(get64(DATA + 32 + 4 * 16), 0);
    ck_assert_uint_eq(get16(DATA + 40 + 4 * 16), 0xffff);
}
END_TEST

START_TEST(test_faults)
{
    /* CR0.EM: #UD (EMMS too), CR0.TS: #NM; the x87 state is untouched */
    x87_state();
    set_mm(0, VA);
    cpu->cr0 |= CR0_EM;
    ck_assert_int_eq(EXEC(0x0f, 0xfc, 0xc1), EXCP_UD);      /* paddb */
    ck_assert_int_eq(EXEC(0x0f, 0x77), EXCP_UD);            /* emms */
    ck_assert_int_eq(EXEC(0x0f, 0x70, 0xc1, 0), EXCP_UD);   /* pshufw */
    ck_assert_int_eq(EXEC(0x0f, 0x2a, 0xc1), EXCP_UD);      /* cvtpi2ps */
    cpu->cr0 &= ~(uint64_t)CR0_EM;
    cpu->cr0 |= CR0_TS;
    ck_assert_int_eq(EXEC(0x0f, 0xfc, 0xc1), EXCP_NM);
    ck_assert_int_eq(EXEC(0x0f, 0x77), EXCP_NM);
    ck_assert_int_eq(EXEC(0x0f, 0x2d, 0xc1), EXCP_NM);      /* cvtps2pi */
    cpu->cr0 &= ~(uint64_t)CR0_TS;
    ck_assert_uint_eq(cpu->fpu.top, 5);
    ck_assert_uint_eq(cpu->fpu.ftw, 0x20);
    CHECK_MM(0, VA);
    ck_assert_uint_eq(cpu->fpu.st[0].exp, 0x1234);
    /* CR4.OSFXSR=0: MMX and PSHUFW/MOVNTQ run, the other SSE/SSE2
     * additions on MM registers are #UD */
    cpu->cr4 &= ~(uint64_t)CR4_OSFXSR;
    ck_assert_int_eq(EXEC(0x0f, 0xfc, 0xc1), -1);           /* paddb */
    ck_assert_int_eq(EXEC(0x0f, 0x70, 0xc1, 0), -1);        /* pshufw */
    ck_assert_int_eq(EXEC(0x0f, 0xe7, 0x05, D32(DATA)), -1);/* movntq */
    ck_assert_int_eq(EXEC(0x0f, 0xe0, 0xc1), EXCP_UD);      /* pavgb */
    ck_assert_int_eq(EXEC(0x0f, 0xd4, 0xc1), EXCP_UD);      /* paddq */
    ck_assert_int_eq(EXEC(0x0f, 0xd7, 0xc1), EXCP_UD);      /* pmovmskb */
    ck_assert_int_eq(EXEC(0x0f, 0xc5, 0xc1, 0), EXCP_UD);   /* pextrw */
    ck_assert_int_eq(EXEC(0x0f, 0x2a, 0xc1), EXCP_UD);      /* cvtpi2ps */
    cpu->cr4 |= CR4_OSFXSR;
    x87_state();
    set_mm(0, VA);
    /* a pending unmasked x87 exception: #MF with CR0.NE (not for the SSE
     * form CVTPI2PS xmm, m64) */
    cpu->fpu.fsw = 0x0084;                                  /* ZE + ES */
    ck_assert_int_eq(EXEC(0x0f, 0xfc, 0xc1), EXCP_MF);
    ck_assert_int_eq(EXEC(0x0f, 0x77), EXCP_MF);
    ck_assert_int_eq(EXEC(0x0f, 0x2a, 0x05, D32(DATA)), -1);
    ck_assert_uint_eq(cpu->fpu.top, 5);
    cpu->cr0 &= ~(uint64_t)CR0_NE;                          /* FERR# not modelled */
    ck_assert_int_eq(EXEC(0x0f, 0xfc, 0xc1), -1);
    cpu->cr0 |= CR0_NE;
    cpu->fpu.fsw = 0;
    /* a memory fault leaves MMn and the x87 state */
    x87_state();
    set_mm(0, VA);
    x86_set_seg_cache(cpu, R_DS, 0x10, 0, 0xfff, 0x4093);
    ck_assert_int_eq(EXEC(0x0f, 0x6f, 0x05, D32(DATA)), EXCP_GP);   /* movq mm0, [DATA] */
    ck_assert_int_eq(EXEC(0x0f, 0xfc, 0x05, D32(DATA)), EXCP_GP);   /* paddb mm0, [DATA] */
    CHECK_MM(0, VA);
    ck_assert_uint_eq(cpu->fpu.top, 5);
    ck_assert_uint_eq(cpu->fpu.ftw, 0x20);
    /* MMX encodings that do not exist: #UD */
    x86_set_seg_cache(cpu, R_DS, 0x10, 0, 0xffffffff, 0xc093);
    ck_assert_int_eq(EXEC(0x0f, 0x73, 0xdb, 1), EXCP_UD);   /* psrldq has no MMX form */
    ck_assert_int_eq(EXEC(0x0f, 0xd7, 0x05, D32(DATA)), EXCP_UD);   /* pmovmskb needs a register */
    ck_assert_int_eq(EXEC(0x0f, 0xe7, 0xc1), EXCP_UD);      /* movntq needs memory */
}
END_TEST

START_TEST(test_conversions)
{
    x87_state();
    set_mm(1, ((uint64_t)123456789 << 32) | (uint32_t)-7);
    cpu->xmm[0].q[0] = 0;
    cpu->xmm[0].q[1] = 0x4080000040400000ull;
    ck_assert_int_eq(EXEC(0x0f, 0x2a, 0xc1), -1);           /* cvtpi2ps xmm0, mm1 */
    ck_assert_uint_eq(cpu->xmm[0].q[0], 0x4ceb79a3c0e00000ull);
    ck_assert_uint_eq(cpu->xmm[0].q[1], 0x4080000040400000ull);   /* upper half kept */
    ck_assert_uint_eq(cpu->mxcsr & 0x3f, 0x20);             /* inexact */
    ck_assert_uint_eq(cpu->fpu.ftw, 0xff);
    ck_assert_int_eq(EXEC(0x66, 0x0f, 0x2a, 0xc1), -1);     /* cvtpi2pd xmm0, mm1 */
    ck_assert_uint_eq(cpu->xmm[0].q[0], 0xc01c000000000000ull);
    ck_assert_uint_eq(cpu->xmm[0].q[1], 0x419d6f3454000000ull);
    /* cvtps2pi with each rounding mode, cvttps2pi, the indefinite value */
    cpu->xmm[1].q[0] = 0xc02000003fc00000ull;                /* -2.5, 1.5 */
    static const uint64_t want[4] = { 0xfffffffe00000002ull, 0xfffffffd00000001ull,
                                      0xfffffffe00000002ull, 0xfffffffe00000001ull };
    for (unsigned rc = 0; rc < 4; rc++) {
        cpu->mxcsr = 0x1f80 | rc << 13;
        ck_assert_int_eq(EXEC(0x0f, 0x2d, 0xc1), -1);
        CHECK_MM(0, want[rc]);
    }
    ck_assert_int_eq(EXEC(0x0f, 0x2c, 0xc1), -1);           /* cvttps2pi: truncates */
    CHECK_MM(0, 0xfffffffe00000001ull);
    cpu->mxcsr = 0x1f80;
    cpu->xmm[1].q[0] = 0x4f32d05e7fc00000ull;                /* 3e9, NaN */
    ck_assert_int_eq(EXEC(0x0f, 0x2d, 0xc1), -1);
    CHECK_MM(0, 0x8000000080000000ull);
    ck_assert_uint_eq(cpu->mxcsr, 0x1f81);
    /* unmasked invalid: #XM, MM0 and the x87 state unchanged */
    cpu->mxcsr = 0x1f80 & ~0x80u;
    x87_state();
    set_mm(0, VA);
    ck_assert_int_eq(EXEC(0x0f, 0x2d, 0xc1), EXCP_XM);
    CHECK_MM(0, VA);
    ck_assert_uint_eq(cpu->fpu.top, 5);
    /* cvtpd2pi: m128 must be aligned */
    cpu->mxcsr = 0x1f80;
    ck_assert_int_eq(EXEC(0x66, 0x0f, 0x2d, 0x05, D32(DATA + 8)), EXCP_GP);
    put64(DATA, 0x4004000000000000ull);                      /* 2.5 */
    put64(DATA + 8, 0xbffc000000000000ull);                  /* -1.75 */
    ck_assert_int_eq(EXEC(0x66, 0x0f, 0x2c, 0x05, D32(DATA)), -1);  /* cvttpd2pi */
    CHECK_MM(0, 0xffffffff00000002ull);
}
END_TEST

static void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
    x86_cpuid(cpu, leaf, sub, &r[0], &r[1], &r[2], &r[3]);
}

DEFINE_TRY(try_cr4, (uint64_t v), (x86_write_cr(cpu, 4, v), 0))

START_TEST(test_cpuid_cr4)
{
    uint32_t r[4];
    cpuid(0, 0, r);
    ck_assert_uint_ge(r[0], 0xd);
    cpuid(1, 0, r);
    ck_assert(r[2] & (1u << 26));                           /* XSAVE */
    ck_assert(!(r[2] & (1u << 27)));                        /* OSXSAVE follows CR4 */
    ck_assert(!(r[2] & (1u << 28)));                        /* never AVX */
    ck_assert(r[3] & (1u << 23));                           /* MMX */
    ck_assert_int_eq(try_cr4(cpu->cr4 | CR4_OSXSAVE).vector, -1);
    ck_assert(cpu->cr4 & CR4_OSXSAVE);
    cpuid(1, 0, r);
    ck_assert(r[2] & (1u << 27));
    cpuid(0xd, 0, r);
    ck_assert_uint_eq(r[0], 3);
    ck_assert_uint_eq(r[1], 576);
    ck_assert_uint_eq(r[2], 576);
    ck_assert_uint_eq(r[3], 0);
    cpuid(0xd, 1, r);
    ck_assert_uint_eq(r[0], 1);                             /* XSAVEOPT only */
    cpuid(0xd, 2, r);
    ck_assert_uint_eq(r[0] | r[1] | r[2] | r[3], 0);        /* no AVX component */
}
END_TEST

static void xmask(uint64_t m)
{
    cpu->regs[R_EAX] = (uint32_t)m;
    cpu->regs[R_EDX] = m >> 32;
}

START_TEST(test_xgetbv_xsetbv)
{
    ck_assert_int_eq(EXEC(0x0f, 0x01, 0xd0), EXCP_UD);      /* OSXSAVE = 0 */
    ck_assert_int_eq(EXEC(0x0f, 0x01, 0xd1), EXCP_UD);
    ck_assert_int_eq(EXEC(0x0f, 0xae, 0x25, D32(DATA)), EXCP_UD);   /* xsave */
    ck_assert_int_eq(EXEC(0x0f, 0xae, 0x2d, D32(DATA)), EXCP_UD);   /* xrstor */
    cpu->cr4 |= CR4_OSXSAVE;
    cpu->regs[R_ECX] = 0;
    ck_assert_int_eq(EXEC(0x0f, 0x01, 0xd0), -1);
    ck_assert_uint_eq(cpu->regs[R_EAX], 1);                 /* reset value */
    ck_assert_uint_eq(cpu->regs[R_EDX], 0);
    static const uint64_t bad[] = { 0, 2, 4, 5, 7, 1ull << 62 };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        xmask(bad[i]);
        ck_assert_int_eq(EXEC(0x0f, 0x01, 0xd1), EXCP_GP);
        ck_assert_uint_eq(cpu->xcr0, 1);
    }
    xmask(3);
    cpu->regs[R_ECX] = 1;
    ck_assert_int_eq(EXEC(0x0f, 0x01, 0xd1), EXCP_GP);      /* no XCR1 */
    ck_assert_int_eq(EXEC(0x0f, 0x01, 0xd0), EXCP_GP);
    cpu->regs[R_ECX] = 0;
    ck_assert_int_eq(EXEC(0x0f, 0x01, 0xd1), -1);
    ck_assert_uint_eq(cpu->xcr0, 3);
    ck_assert_int_eq(EXEC(0x66, 0x0f, 0x01, 0xd1), EXCP_UD);   /* prefix: no such form */
    /* CPL 3: XGETBV works, XSETBV #GP */
    x86_set_seg_cache(cpu, R_CS, 0x1b, 0, 0xffffffff, 0xc0fb);
    x86_set_seg_cache(cpu, R_SS, 0x23, 0, 0xffffffff, 0xc0f3);
    x86_update_hflags(cpu);
    ck_assert_int_eq(EXEC(0x0f, 0x01, 0xd0), -1);
    ck_assert_uint_eq(cpu->regs[R_EAX], 3);
    xmask(1);
    ck_assert_int_eq(EXEC(0x0f, 0x01, 0xd1), EXCP_GP);
    ck_assert_uint_eq(cpu->xcr0, 3);
}
END_TEST

/* Registers with recognisable contents. */
static void known_state(void)
{
    memset(&cpu->fpu, 0, sizeof(cpu->fpu));
    cpu->fpu.fcw = 0x027f;
    cpu->fpu.top = 6;
    cpu->fpu.ftw = 0xc0;
    cpu->fpu.st[6].mant = 0xc90fdaa22168c235ull;
    cpu->fpu.st[6].exp = 0x4000;
    cpu->fpu.st[7].mant = 1ull << 63;
    cpu->fpu.st[7].exp = 0x3fff;
    cpu->mxcsr = 0x5f80;
    for (int i = 0; i < 16; i++) {
        cpu->xmm[i].q[0] = 0x0101010101010101ull * (uint64_t)(i + 1);
        cpu->xmm[i].q[1] = ~cpu->xmm[i].q[0];
    }
}

START_TEST(test_xsave_xrstor)
{
    cpu->cr4 |= CR4_OSXSAVE;
    cpu->xcr0 = 3;
    known_state();
    memset(tm_ram.ram + DATA, 0xaa, 1024);
    xmask(~0ull);
    ck_assert_int_eq(EXEC(0x0f, 0xae, 0x25, D32(DATA + 16)), EXCP_GP);  /* misaligned */
    ck_assert_int_eq(EXEC(0x0f, 0xae, 0x25, D32(DATA)), -1);
    ck_assert_uint_eq(get16(DATA), 0x027f);
    ck_assert_uint_eq(get16(DATA + 2), 0x3000);             /* TOP = 6 */
    ck_assert_uint_eq(get8(DATA + 4), 0xc0);
    ck_assert_uint_eq(get32(DATA + 24), 0x5f80);
    ck_assert_uint_eq(get32(DATA + 28), 0xffff);
    ck_assert_uint_eq(get64(DATA + 32), 0xc90fdaa22168c235ull);   /* ST0 = R6 */
    ck_assert_uint_eq(get16(DATA + 40), 0x4000);
    ck_assert_uint_eq(get64(DATA + 160 + 16 * 7), 0x0808080808080808ull);
    ck_assert_uint_eq(get64(DATA + 160 + 16 * 8), 0xaaaaaaaaaaaaaaaaull);  /* 32-bit: XMM0-7 */
    ck_assert_uint_eq(get64(DATA + 464), 0xaaaaaaaaaaaaaaaaull);
    ck_assert_uint_eq(get64(DATA + 512), 0xaaaaaaaaaaaaaaabull);  /* XSTATE_BV |= RFBM */
    ck_assert_uint_eq(get64(DATA + 520), 0xaaaaaaaaaaaaaaaaull);  /* XCOMP_BV not written */
    /* RFBM = SSE only: no x87 bytes, MXCSR and XMM */
    memset(tm_ram.ram + DATA + 1024, 0x54, 1024);
    xmask(2);
    ck_assert_int_eq(EXEC(0x0f, 0xae, 0x35, D32(DATA + 1024)), -1);   /* xsaveopt */
    ck_assert_uint_eq(get16(DATA + 1024), 0x5454);
    ck_assert_uint_eq(get32(DATA + 1024 + 24), 0x5f80);
    ck_assert_uint_eq(get64(DATA + 1024 + 160), 0x0101010101010101ull);
    ck_assert_uint_eq(get64(DATA + 1024 + 512), 0x5454545454545456ull);

    /* XRSTOR the first image over changed registers */
    put64(DATA + 512, 3);
    put64(DATA + 520, 0);
    put64(DATA + 528, 0);
    memset(&cpu->fpu, 0, sizeof(cpu->fpu));
    memset(cpu->xmm, 0, sizeof(cpu->xmm));
    cpu->mxcsr = 0x1f80;
    xmask(3);
    ck_assert_int_eq(EXEC(0x0f, 0xae, 0x2d, D32(DATA)), -1);
    ck_assert_uint_eq(cpu->fpu.fcw, 0x027f);
    ck_assert_uint_eq(cpu->fpu.top, 6);
    ck_assert_uint_eq(cpu->fpu.ftw, 0xc0);
    ck_assert_uint_eq(cpu->fpu.st[6].mant, 0xc90fdaa22168c235ull);
    ck_assert_uint_eq(cpu->mxcsr, 0x5f80);
    ck_assert_uint_eq(cpu->xmm[7].q[0], 0x0808080808080808ull);
    ck_assert_uint_eq(cpu->xmm[8].q[0], 0);                 /* 32-bit: not restored */

    /* init: XSTATE_BV = 0 -> FNINIT state with zeroed registers, XMM = 0,
     * MXCSR still loaded from the image */
    known_state();
    put64(DATA + 512, 0);
    put32(DATA + 24, 0x3f80);
    ck_assert_int_eq(EXEC(0x0f, 0xae, 0x2d, D32(DATA)), -1);
    ck_assert_uint_eq(cpu->fpu.fcw, 0x037f);
    ck_assert_uint_eq(cpu->fpu.top, 0);
    ck_assert_uint_eq(cpu->fpu.ftw, 0);
    ck_assert_uint_eq(cpu->fpu.st[6].mant, 0);
    ck_assert_uint_eq(cpu->xmm[3].q[0] | cpu->xmm[3].q[1], 0);
    ck_assert_uint_eq(cpu->xmm[8].q[0], 0x0909090909090909ull);   /* outside 64-bit mode */
    ck_assert_uint_eq(cpu->mxcsr, 0x3f80);
    /* RFBM = x87 only: XMM and MXCSR untouched */
    known_state();
    xmask(1);
    ck_assert_int_eq(EXEC(0x0f, 0xae, 0x2d, D32(DATA)), -1);
    ck_assert_uint_eq(cpu->fpu.fcw, 0x037f);
    ck_assert_uint_eq(cpu->xmm[3].q[0], 0x0404040404040404ull);
    ck_assert_uint_eq(cpu->mxcsr, 0x5f80);

    /* faults, with the state left as it was */
    known_state();
    xmask(3);
    put64(DATA + 512, 4);                                   /* not in XCR0 */
    ck_assert_int_eq(EXEC(0x0f, 0xae, 0x2d, D32(DATA)), EXCP_GP);
    put64(DATA + 512, 3);
    put64(DATA + 520, 0x8000000000000003ull);               /* compacted */
    ck_assert_int_eq(EXEC(0x0f, 0xae, 0x2d, D32(DATA)), EXCP_GP);
    put64(DATA + 520, 0);
    put64(DATA + 528, 1);                                   /* header bytes 23:16 */
    ck_assert_int_eq(EXEC(0x0f, 0xae, 0x2d, D32(DATA)), EXCP_GP);
    put64(DATA + 528, 0);
    put64(DATA + 536, ~0ull);                               /* bytes 63:24: ignored */
    put32(DATA + 24, 0x11f80);                              /* reserved MXCSR bit */
    ck_assert_int_eq(EXEC(0x0f, 0xae, 0x2d, D32(DATA)), EXCP_GP);
    ck_assert_uint_eq(cpu->fpu.fcw, 0x027f);
    ck_assert_uint_eq(cpu->mxcsr, 0x5f80);
    ck_assert_uint_eq(cpu->xmm[3].q[0], 0x0404040404040404ull);
    xmask(1);                                               /* MXCSR not loaded */
    ck_assert_int_eq(EXEC(0x0f, 0xae, 0x2d, D32(DATA)), -1);
    cpu->cr0 |= CR0_TS;
    ck_assert_int_eq(EXEC(0x0f, 0xae, 0x25, D32(DATA)), EXCP_NM);
    ck_assert_int_eq(EXEC(0x0f, 0xae, 0x2d, D32(DATA)), EXCP_NM);
}
END_TEST

/* ---- the decoder's MMX forms against objdump ---- */

typedef struct RefBuf {
    const uint8_t *b;
} RefBuf;

static uint8_t ref_fetch(void *opaque, uint64_t pc, unsigned index)
{
    (void)pc;
    return ((RefBuf *)opaque)->b[index < 16 ? index : 15];
}

/* Skip objdump's prefix words (segments, addr32, rex.*); the mnemonic. */
static char *ref_mnemonic(char *text, char **ops)
{
    static const char *const words[] = { "es", "cs", "ss", "ds", "fs", "gs", "addr32",
                                         "addr16", "data16", NULL };
    char *save = NULL, *w = strtok_r(text, " ", &save);
    for (;;) {
        bool prefix = w && !strncmp(w, "rex", 3);
        for (int i = 0; w && words[i]; i++)
            prefix |= !strcmp(w, words[i]);
        if (!prefix)
            break;
        w = strtok_r(NULL, " ", &save);
    }
    *ops = save;
    return w;
}

static int gpr_number(const char *name)
{
    static const unsigned sizes[] = { 1, 2, 4, 8 };
    for (int r = 0; r < 16; r++)
        for (int i = 0; i < 4; i++)
            if (!strcmp(name, x86_reg_name(r, sizes[i], true)))
                return r;
    return -1;
}

/* Our operand i in objdump's terms: "mmN", "xmmN", "M" (memory), "gN" (general
 * register number N), "iN" (immediate byte). */
static void our_operand(const X86Insn *insn, unsigned i, char *buf, size_t len)
{
    uint8_t k = insn->row->op[i].kind;
    bool reg_field = k == OPK_P || k == OPK_V || k == OPK_G;
    int r = reg_field ? insn->reg : insn->rm;
    if ((k == OPK_Q || k == OPK_W || k == OPK_E || k == OPK_M) && insn->is_mem)
        snprintf(buf, len, "M");
    else if (k == OPK_P || k == OPK_Q || k == OPK_N)
        snprintf(buf, len, "mm%d", r & 7);
    else if (k == OPK_V || k == OPK_W || k == OPK_U)
        snprintf(buf, len, "xmm%d", r);
    else if (k == OPK_I)
        snprintf(buf, len, "i%u", (unsigned)(insn->imm & 0xff));
    else
        snprintf(buf, len, "g%d", r);
}

static void ref_operand(char *op, char *buf, size_t len)
{
    int n;
    if (strchr(op, '[') || strstr(op, "PTR"))
        snprintf(buf, len, "M");
    else if (!strncmp(op, "0x", 2))
        snprintf(buf, len, "i%u", (unsigned)(strtoul(op, NULL, 16) & 0xff));
    else if ((sscanf(op, "mm%d", &n) == 1 || sscanf(op, "xmm%d", &n) == 1))
        snprintf(buf, len, "%s", op);
    else
        snprintf(buf, len, "g%d", gpr_number(op));
}

/* One reference line: empty string if we agree, else why not. */
static void check_ref_line(const X86DecodeMode *mode, const uint8_t *bytes, unsigned ref_len,
                           char *text, char *why, size_t wlen)
{
    X86Insn insn;
    RefBuf b = { bytes };
    int r = x86_decode(&insn, mode, ref_fetch, &b, 0);
    char *ops = NULL, *mn = ref_mnemonic(text, &ops);
    why[0] = 0;
    if (!mn || strstr(mn, "(bad)") || (ops && strstr(ops, "(bad)"))) {
        if (r == DEC_OK)
            snprintf(why, wlen, "decoded, objdump says (bad)");
        return;
    }
    if (r != DEC_OK || insn.len != ref_len) {
        snprintf(why, wlen, "decode %d length %u", r, insn.len);
        return;
    }
    char m[24];
    x86_insn_mnemonic(&insn, m, sizeof(m));
    if (strcmp(m, mn)) {
        snprintf(why, wlen, "mnemonic %s", m);
        return;
    }
    char *save = NULL, *op = ops ? strtok_r(ops, ",", &save) : NULL;
    unsigned i = 0;
    for (; op; op = strtok_r(NULL, ",", &save), i++) {
        char ours[24], theirs[24];
        if (i >= insn.row->nops) {
            snprintf(why, wlen, "operand count");
            return;
        }
        our_operand(&insn, i, ours, sizeof(ours));
        ref_operand(op, theirs, sizeof(theirs));
        if (strcmp(ours, theirs)) {
            snprintf(why, wlen, "operand %u: %s vs %s", i, ours, theirs);
            return;
        }
    }
    if (i != insn.row->nops)
        snprintf(why, wlen, "operand count");
}

static void run_mmx_reference(const char *name, bool code64)
{
    X86DecodeMode mode = { .code64 = code64, .code32 = true, .features = ~0ull };
    FILE *f = fopen(unit_data_path(name), "r");
    ck_assert_msg(f != NULL, "cannot open %s", unit_data_path(name));
    char line[512];
    int lines = 0, failures = 0;
    while (fgets(line, sizeof(line), f)) {
        if (line[0] == '#')
            continue;
        line[strcspn(line, "\n")] = 0;
        char *save = NULL, *hex = strtok_r(line, "\t", &save), *len = strtok_r(NULL, "\t", &save);
        char *text = strtok_r(NULL, "\t", &save);
        uint8_t bytes[16];
        unsigned v;
        if (!hex || !len || !text || strlen(hex) != 32)
            continue;
        for (int i = 0; i < 16; i++) {
            ck_assert(sscanf(hex + 2 * i, "%2x", &v) == 1);
            bytes[i] = (uint8_t)v;
        }
        char copy[256], why[128];
        snprintf(copy, sizeof(copy), "%s", text);
        check_ref_line(&mode, bytes, (unsigned)atoi(len), copy, why, sizeof(why));
        lines++;
        if (why[0] && failures++ < 40)
            fprintf(stderr, "%s: %s %s '%s': %s\n", name, hex, len, text, why);
    }
    fclose(f);
    fprintf(stderr, "%s: %d lines, %d mismatches\n", name, lines, failures);
    ck_assert_int_gt(lines, 1000);
    ck_assert_int_eq(failures, 0);
}

START_TEST(test_decode_ref64) { run_mmx_reference("decode-ref-mmx-64.txt", true); }
END_TEST
START_TEST(test_decode_ref32) { run_mmx_reference("decode-ref-mmx-32.txt", false); }
END_TEST

int main(void)
{
    Suite *s = suite_create("mmx");
    TCase *tc = unit_tcase(s, "mmx", setup, tm_teardown, UNIT_TESTS(
        test_lanes, test_state, test_faults, test_conversions, test_cpuid_cr4, test_xgetbv_xsetbv,
        test_xsave_xrstor, test_decode_ref64, test_decode_ref32));
    tcase_set_timeout(tc, 60);
    return unit_run_suite(s);
}
