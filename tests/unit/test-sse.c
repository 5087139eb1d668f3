/*
 * SSE/SSE2, x87 and FXSAVE tests: single hand-assembled instructions run
 * through x86_exec_one in 32-bit protected mode; the tests check XMM and
 * x87 results bit-exactly, MXCSR/FSW flags, and #UD/#NM/#GP/#XM.
 */
#include "tests/unit/x86-test-machine.h"

#include <stdlib.h>

#include "target-x86/exec.h"
#include "unit-test.h"

#define FSW_C0_T 0x0100
#define CODE 0x1000u
#define DATA 0x3000u
#define D32(a) (uint8_t)(a), (uint8_t)((a) >> 8), (uint8_t)((a) >> 16), (uint8_t)((a) >> 24)

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

static void set_xmm(int r, uint64_t hi, uint64_t lo)
{
    cpu->xmm[r].q[0] = lo;
    cpu->xmm[r].q[1] = hi;
}

#define CHECK_XMM(r, hi, lo)                                                             \
    ck_assert_msg(cpu->xmm[r].q[1] == (hi) && cpu->xmm[r].q[0] == (lo),                  \
                  "xmm%d = %016llx:%016llx", r, (unsigned long long)cpu->xmm[r].q[1],    \
                  (unsigned long long)cpu->xmm[r].q[0])

START_TEST(test_moves_and_alignment)
{
    put64(DATA + 1, 0x0807060504030201ull);
    put64(DATA + 9, 0x100f0e0d0c0b0a09ull);
    ck_assert_int_eq(EXEC(0xf3, 0x0f, 0x6f, 0x05, D32(DATA + 1)), -1);   /* movdqu xmm0,[DATA+1] */
    CHECK_XMM(0, 0x100f0e0d0c0b0a09ull, 0x0807060504030201ull);
    ck_assert_int_eq(EXEC(0x66, 0x0f, 0x6f, 0x0d, D32(DATA + 1)), EXCP_GP); /* movdqa: unaligned */
    ck_assert_int_eq(EXEC(0x0f, 0x29, 0x05, D32(DATA + 8)), EXCP_GP);       /* movaps store */
    ck_assert_int_eq(EXEC(0x0f, 0x29, 0x05, D32(DATA + 0x20)), -1);
    ck_assert_uint_eq(get64(DATA + 0x28), 0x100f0e0d0c0b0a09ull);
    /* movss xmm1,xmm0 merges; movss xmm1,[m] zero-extends */
    set_xmm(1, ~0ull, ~0ull);
    ck_assert_int_eq(EXEC(0xf3, 0x0f, 0x10, 0xc8), -1);
    CHECK_XMM(1, ~0ull, 0xffffffff04030201ull);
    ck_assert_int_eq(EXEC(0xf3, 0x0f, 0x10, 0x0d, D32(DATA + 0x20)), -1);
    CHECK_XMM(1, 0, 0x04030201ull);
    /* movd eax,xmm0 / movq xmm2,xmm0 */
    ck_assert_int_eq(EXEC(0x66, 0x0f, 0x7e, 0xc0), -1);
    ck_assert_uint_eq((uint32_t)cpu->regs[R_EAX], 0x04030201);
    ck_assert_int_eq(EXEC(0xf3, 0x0f, 0x7e, 0xd0), -1);
    CHECK_XMM(2, 0, 0x0807060504030201ull);
}
END_TEST

START_TEST(test_integer_ops)
{
    set_xmm(0, 0xfffe00017fff8000ull, 0x8070605004030201ull);
    set_xmm(1, 0x0001000200030004ull, 0x0102030404030201ull);
    ck_assert_int_eq(EXEC(0x66, 0x0f, 0xfe, 0xc1), -1);          /* paddd xmm0,xmm1 */
    CHECK_XMM(0, 0xffff000380028004ull, 0x8172635408060402ull);
    ck_assert_int_eq(EXEC(0x66, 0x0f, 0xd7, 0xc0), -1);          /* pmovmskb eax,xmm0 */
    ck_assert_uint_eq((uint32_t)cpu->regs[R_EAX], 0xca80);
    ck_assert_int_eq(EXEC(0x66, 0x0f, 0x70, 0xd1, 0x1b), -1);    /* pshufd xmm2,xmm1,0x1b */
    CHECK_XMM(2, 0x0403020101020304ull, 0x0003000400010002ull);
    ck_assert_int_eq(EXEC(0x66, 0x0f, 0x74, 0xd2), -1);          /* pcmpeqb xmm2,xmm2 */
    CHECK_XMM(2, ~0ull, ~0ull);
    set_xmm(3, 0x7fff800000010002ull, 0x00ff7f80fffe0100ull);
    ck_assert_int_eq(EXEC(0x66, 0x0f, 0xed, 0xdb), -1);          /* paddsw xmm3,xmm3 */
    CHECK_XMM(3, 0x7fff800000020004ull, 0x01fe7ffffffc0200ull);
    ck_assert_int_eq(EXEC(0x66, 0x0f, 0x73, 0xdb, 0x03), -1);    /* psrldq xmm3,3 */
    CHECK_XMM(3, 0x0000007fff800000ull, 0x02000401fe7fffffull);
}
END_TEST

START_TEST(test_availability)
{
    cpu->cr4 &= ~(uint64_t)CR4_OSFXSR;
    ck_assert_int_eq(EXEC(0x0f, 0x58, 0xc1), EXCP_UD);           /* addps */
    cpu->cr4 |= CR4_OSFXSR;
    cpu->cr0 |= CR0_TS;
    ck_assert_int_eq(EXEC(0x0f, 0x58, 0xc1), EXCP_NM);
    ck_assert_int_eq(EXEC(0xd9, 0xe8), EXCP_NM);                 /* fld1 */
    ck_assert_int_eq(EXEC(0x0f, 0xae, 0x05, D32(DATA)), EXCP_NM); /* fxsave */
    cpu->cr0 &= ~(uint64_t)CR0_TS;
    cpu->cr0 |= CR0_EM;
    ck_assert_int_eq(EXEC(0x0f, 0x58, 0xc1), EXCP_UD);
    ck_assert_int_eq(EXEC(0xd9, 0xe8), EXCP_NM);
}
END_TEST

START_TEST(test_float_and_mxcsr)
{
    set_xmm(0, 0, 0x3f800000);   /* 1.0f */
    set_xmm(1, 0, 0x40400000);   /* 3.0f */
    ck_assert_int_eq(EXEC(0xf3, 0x0f, 0x5e, 0xc1), -1);          /* divss xmm0,xmm1 */
    ck_assert_uint_eq(cpu->xmm[0].d[0], 0x3eaaaaab);
    ck_assert_uint_eq(cpu->mxcsr, 0x1f80 | 0x20);
    cpu->mxcsr = 0x1f80 | (1u << 13);                            /* round down */
    cpu->xmm[0].d[0] = 0x3f800000;
    ck_assert_int_eq(EXEC(0xf3, 0x0f, 0x5e, 0xc1), -1);
    ck_assert_uint_eq(cpu->xmm[0].d[0], 0x3eaaaaaa);
    /* 1/0 masked: +inf and ZE; unmasked: #XM, or #UD without OSXMMEXCPT */
    cpu->mxcsr = 0x1f80;
    cpu->xmm[0].d[0] = 0x3f800000;
    cpu->xmm[1].d[0] = 0;
    ck_assert_int_eq(EXEC(0xf3, 0x0f, 0x5e, 0xc1), -1);
    ck_assert_uint_eq(cpu->xmm[0].d[0], 0x7f800000);
    ck_assert_uint_eq(cpu->mxcsr, 0x1f84);
    cpu->mxcsr = 0x1f80 & ~0x200u;
    cpu->xmm[0].d[0] = 0x3f800000;
    ck_assert_int_eq(EXEC(0xf3, 0x0f, 0x5e, 0xc1), EXCP_XM);
    ck_assert_uint_eq(cpu->xmm[0].d[0], 0x3f800000);
    cpu->cr4 &= ~(uint64_t)CR4_OSXMMEXCPT;
    ck_assert_int_eq(EXEC(0xf3, 0x0f, 0x5e, 0xc1), EXCP_UD);
    /* 0/0: negative QNaN indefinite, IE */
    cpu->mxcsr = 0x1f80;
    cpu->xmm[0].d[0] = 0;
    ck_assert_int_eq(EXEC(0xf3, 0x0f, 0x5e, 0xc1), -1);
    ck_assert_uint_eq(cpu->xmm[0].d[0], 0xffc00000);
    ck_assert_uint_eq(cpu->mxcsr, 0x1f81);
    /* cvttsd2si of NaN and of 1e10: integer indefinite; of -2.7: -2 */
    set_xmm(2, 0, 0x7ff8000000000000ull);
    ck_assert_int_eq(EXEC(0xf2, 0x0f, 0x2c, 0xc2), -1);
    ck_assert_uint_eq((uint32_t)cpu->regs[R_EAX], 0x80000000u);
    set_xmm(2, 0, 0x4202a05f20000000ull);
    ck_assert_int_eq(EXEC(0xf2, 0x0f, 0x2c, 0xc2), -1);
    ck_assert_uint_eq((uint32_t)cpu->regs[R_EAX], 0x80000000u);
    set_xmm(2, 0, 0xc00599999999999aull);
    ck_assert_int_eq(EXEC(0xf2, 0x0f, 0x2c, 0xc2), -1);
    ck_assert_uint_eq((uint32_t)cpu->regs[R_EAX], 0xfffffffeu);
    /* ucomisd with a NaN: ZF PF CF */
    ck_assert_int_eq(EXEC(0x66, 0x0f, 0x2e, 0xd0), -1);         /* ucomisd xmm2,xmm0 (0xffc00000 is not NaN as double) */
    ck_assert_uint_eq(x86_get_rflags(cpu) & (CC_Z | CC_P | CC_C), CC_C);
    /* ldmxcsr with a reserved bit: #GP */
    put32(DATA, 0x10000);
    ck_assert_int_eq(EXEC(0x0f, 0xae, 0x15, D32(DATA)), EXCP_GP);
    put32(DATA, 0x9fc0);
    ck_assert_int_eq(EXEC(0x0f, 0xae, 0x15, D32(DATA)), -1);
    ck_assert_uint_eq(cpu->mxcsr, 0x9fc0);
}
END_TEST

START_TEST(test_x87)
{
    ck_assert_int_eq(EXEC(0xdb, 0xe3), -1);                      /* fninit */
    ck_assert_int_eq(EXEC(0xd9, 0xe8), -1);                      /* fld1 */
    put32(DATA, 0x40400000);
    ck_assert_int_eq(EXEC(0xd9, 0x05, D32(DATA)), -1);           /* fld dword [DATA] */
    ck_assert_int_eq(EXEC(0xde, 0xf9), -1);                      /* fdivp: 1/3 */
    ck_assert_int_eq(EXEC(0xdb, 0x3d, D32(DATA + 0x10)), -1);    /* fstp tword */
    ck_assert_uint_eq(get64(DATA + 0x10), 0xaaaaaaaaaaaaaaabull);
    ck_assert_uint_eq(get16(DATA + 0x18), 0x3ffd);
    ck_assert_uint_eq(cpu->fpu.top, 0);
    /* precision control 24 bits, round up */
    put16(DATA, 0x087f);
    ck_assert_int_eq(EXEC(0xd9, 0x2d, D32(DATA)), -1);           /* fldcw */
    ck_assert_int_eq(EXEC(0xd9, 0xe8), -1);
    put32(DATA, 0x40400000);
    ck_assert_int_eq(EXEC(0xd9, 0x05, D32(DATA)), -1);
    ck_assert_int_eq(EXEC(0xde, 0xf9), -1);
    ck_assert_int_eq(EXEC(0xdb, 0x3d, D32(DATA + 0x10)), -1);
    ck_assert_uint_eq(get64(DATA + 0x10), 0xaaaaab0000000000ull);
    /* stack underflow: IE + SF, C1 = 0, masked result = indefinite */
    ck_assert_int_eq(EXEC(0xdb, 0xe3), -1);
    ck_assert_int_eq(EXEC(0xd9, 0xe0), -1);                      /* fchs on empty */
    ck_assert_int_eq(EXEC(0xdf, 0xe0), -1);                      /* fnstsw ax */
    ck_assert_uint_eq((uint16_t)cpu->regs[R_EAX], 0x0041);
    /* fistp m16 of 2.5 (round to even) and fcomi */
    ck_assert_int_eq(EXEC(0xdb, 0xe3), -1);
    put64(DATA, 0x4004000000000000ull);
    ck_assert_int_eq(EXEC(0xdd, 0x05, D32(DATA)), -1);           /* fld qword 2.5 */
    ck_assert_int_eq(EXEC(0xd9, 0xe8), -1);                      /* fld1 */
    ck_assert_int_eq(EXEC(0xdb, 0xf1), -1);                      /* fcomi st0,st1: 1 < 2.5 */
    ck_assert_uint_eq(x86_get_rflags(cpu) & (CC_Z | CC_P | CC_C), CC_C);
    ck_assert_int_eq(EXEC(0xdd, 0xd8), -1);                      /* fstp st0 */
    ck_assert_int_eq(EXEC(0xdf, 0x1d, D32(DATA + 0x20)), -1);    /* fistp word */
    ck_assert_uint_eq(get16(DATA + 0x20), 2);
    /* unmasked ZE: ES set, the next waiting instruction raises #MF */
    put16(DATA, 0x037b);
    ck_assert_int_eq(EXEC(0xd9, 0x2d, D32(DATA)), -1);
    ck_assert_int_eq(EXEC(0xd9, 0xe8), -1);
    ck_assert_int_eq(EXEC(0xd9, 0xee), -1);                      /* fldz */
    ck_assert_int_eq(EXEC(0xde, 0xf9), -1);                      /* fdivp: 1/0 */
    ck_assert_uint_eq(cpu->fpu.fsw & 0x8084, 0x8084);
    ck_assert_int_eq(EXEC(0xd9, 0xe8), EXCP_MF);
    ck_assert_int_eq(EXEC(0xdb, 0xe2), -1);                      /* fnclex */
    ck_assert_int_eq(EXEC(0xd9, 0xe8), -1);
    /* fprem: 7 rem 3 = 1, quotient 2 (C3); fscale: 1 * 2^3 */
    ck_assert_int_eq(EXEC(0xdb, 0xe3), -1);
    put32(DATA, 0x40400000);
    put32(DATA + 4, 0x40e00000);
    ck_assert_int_eq(EXEC(0xd9, 0x05, D32(DATA)), -1);           /* 3 */
    ck_assert_int_eq(EXEC(0xd9, 0x05, D32(DATA + 4)), -1);       /* 7 */
    ck_assert_int_eq(EXEC(0xd9, 0xf8), -1);                      /* fprem */
    ck_assert_uint_eq(cpu->fpu.st[cpu->fpu.top].mant, 1ull << 63);
    ck_assert_uint_eq(cpu->fpu.st[cpu->fpu.top].exp, 0x3fff);
    ck_assert_uint_eq(cpu->fpu.fsw & (FSW_C0_T | 0x4000 | 0x0200 | 0x0400), 0x4000);
    ck_assert_int_eq(EXEC(0xd9, 0xfd), -1);                      /* fscale: 1 * 2^3 */
    ck_assert_uint_eq(cpu->fpu.st[cpu->fpu.top].exp, 0x4002);
}
END_TEST

START_TEST(test_fxsave_fxrstor)
{
    ck_assert_int_eq(EXEC(0xdb, 0xe3), -1);
    ck_assert_int_eq(EXEC(0xd9, 0xeb), -1);                      /* fldpi */
    set_xmm(5, 0x1122334455667788ull, 0x99aabbccddeeff00ull);
    cpu->mxcsr = 0x1fa0;
    ck_assert_int_eq(EXEC(0x0f, 0xae, 0x05, D32(DATA + 8)), EXCP_GP);   /* unaligned */
    ck_assert_int_eq(EXEC(0x0f, 0xae, 0x05, D32(DATA)), -1);
    ck_assert_uint_eq(get16(DATA), 0x037f);
    ck_assert_uint_eq(get16(DATA + 2), 0x3800);                  /* TOP = 7 */
    ck_assert_uint_eq(get8(DATA + 4), 0x80);
    ck_assert_uint_eq(get32(DATA + 24), 0x1fa0);
    ck_assert_uint_eq(get32(DATA + 28), 0xffff);
    ck_assert_uint_eq(get64(DATA + 32), 0xc90fdaa22168c235ull);
    ck_assert_uint_eq(get16(DATA + 40), 0x4000);
    ck_assert_uint_eq(get64(DATA + 160 + 5 * 16 + 8), 0x1122334455667788ull);
    ck_assert_int_eq(EXEC(0xdb, 0xe3), -1);
    set_xmm(5, 0, 0);
    cpu->mxcsr = 0x1f80;
    ck_assert_int_eq(EXEC(0x0f, 0xae, 0x0d, D32(DATA)), -1);     /* fxrstor */
    CHECK_XMM(5, 0x1122334455667788ull, 0x99aabbccddeeff00ull);
    ck_assert_uint_eq(cpu->mxcsr, 0x1fa0);
    ck_assert_uint_eq(cpu->fpu.top, 7);
    ck_assert_uint_eq(cpu->fpu.st[7].mant, 0xc90fdaa22168c235ull);
    put32(DATA + 24, 0x12345678);                                /* reserved MXCSR bits */
    ck_assert_int_eq(EXEC(0x0f, 0xae, 0x0d, D32(DATA)), EXCP_GP);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sse");
    TCase *tc = unit_tcase(s, "sse", setup, tm_teardown, UNIT_TESTS(
        test_moves_and_alignment, test_integer_ops, test_availability, test_float_and_mxcsr,
        test_x87, test_fxsave_fxrstor));
    tcase_set_timeout(tc, 60);
    return unit_run_suite(s);
}
