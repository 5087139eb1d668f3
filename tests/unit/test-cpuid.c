/*
 * CPUID advertises exactly what Vessel implements (issue 3, item 6): the
 * feature words are compared with the audited list below, and every
 * advertised bit is probed (the instruction decodes, the CR4 bit can be
 * set, the MSR exists), while features that are not advertised are absent
 * (their instructions are #UD or decode as the older instruction, their CR4
 * bits and MSRs #GP). The instruction gating is stated here independently
 * of the decoder's own CPUID-to-feature mapping in exec.c.
 */
#include "tests/unit/x86-test-machine.h"

#include "target-x86/cpu-internal.h"
#include "target-x86/decode.h"
#include "unit-test.h"

/* The audited CPU model (see .notes/issue3-audit.md): change together with cpuid.c. */
#define L1_EDX 0x0789bb7fu  /* FPU VME DE PSE TSC MSR PAE CX8 APIC SEP MTRR PGE CMOV PAT CLFSH
                               MMX FXSR SSE SSE2 */
#define L1_ECX 0x85c22000u  /* CX16 PCID MOVBE POPCNT TSC-deadline XSAVE hypervisor (+OSXSAVE) */
#define L7_EBX 0x00100080u  /* SMEP SMAP */
#define E1_ECX 0x00000021u  /* LAHF/SAHF in 64-bit mode, ABM (LZCNT) */
#define E1_EDX 0x2c100800u  /* SYSCALL NX 1 GiB pages RDTSCP LM */

static uint32_t reg(uint32_t leaf, uint32_t sub, int r)
{
    uint32_t v[4];
    x86_cpuid(cpu, leaf, sub, &v[0], &v[1], &v[2], &v[3]);
    return v[r];
}
enum { EAX, EBX, ECX, EDX };

static bool has(uint32_t leaf, int r, int bit)
{
    return (reg(leaf, 0, r) >> bit) & 1;
}

START_TEST(test_feature_words_are_the_audited_model)
{
    ck_assert_uint_eq(reg(1, 0, EDX), L1_EDX);
    /* OSXSAVE follows CR4; TSC-deadline needs the LAPIC timer (none in this machine) */
    ck_assert_uint_eq(reg(1, 0, ECX) & ~(1u << 27), L1_ECX & ~(cpu->apic ? 0 : 1u << 24));
    ck_assert(!has(1, ECX, 27));
    ck_assert_uint_eq(reg(7, 0, EBX), L7_EBX);
    ck_assert_uint_eq(reg(7, 0, ECX), 0);                 /* no RDPID, UMIP, LA57 ... */
    ck_assert_uint_eq(reg(7, 0, EDX), 0);
    ck_assert_uint_eq(reg(0x80000001, 0, ECX), E1_ECX);
    ck_assert_uint_eq(reg(0x80000001, 0, EDX), E1_EDX);
    ck_assert_uint_eq(reg(1, 0, EBX) >> 8 & 0xff, 8);     /* CLFLUSH line: 64 bytes */
    ck_assert_uint_eq(reg(0xd, 0, EAX), 3);               /* XCR0: x87 and SSE */
    ck_assert_uint_eq(reg(0xd, 1, EAX), 1);               /* XSAVEOPT only */
}
END_TEST

/* ---- instructions: decode with the features the CPUID words give ---- */

static X86DecodeMode model_mode(bool code64)
{
    static const struct { uint8_t feat; uint32_t leaf; int r; int bit; } map[] = {
        { FEAT_FPU, 1, EDX, 0 }, { FEAT_CX8, 1, EDX, 8 }, { FEAT_SEP, 1, EDX, 11 },
        { FEAT_CMOV, 1, EDX, 15 }, { FEAT_CLFLUSH, 1, EDX, 19 }, { FEAT_SSE, 1, EDX, 25 },
        { FEAT_SSE2, 1, EDX, 26 }, { FEAT_SSE3, 1, ECX, 0 }, { FEAT_MONITOR, 1, ECX, 3 },
        { FEAT_SSSE3, 1, ECX, 9 }, { FEAT_CX16, 1, ECX, 13 }, { FEAT_SSE41, 1, ECX, 19 },
        { FEAT_SSE42, 1, ECX, 20 }, { FEAT_MOVBE, 1, ECX, 22 }, { FEAT_POPCNT, 1, ECX, 23 },
        { FEAT_RDRAND, 1, ECX, 30 }, { FEAT_FSGSBASE, 7, EBX, 0 }, { FEAT_BMI1, 7, EBX, 3 },
        { FEAT_SMAP, 7, EBX, 20 }, { FEAT_LZCNT, 0x80000001, ECX, 5 },
        { FEAT_SYSCALL, 0x80000001, EDX, 11 }, { FEAT_RDTSCP, 0x80000001, EDX, 27 },
        { FEAT_LM, 0x80000001, EDX, 29 },
    };
    X86DecodeMode m = { .code64 = code64, .code32 = true, .features = 1ull << FEAT_NONE };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (has(map[i].leaf, map[i].r, map[i].bit))
            m.features |= 1ull << map[i].feat;
    return m;
}

typedef struct { const uint8_t *b; size_t n; } Bytes;

static uint8_t fetch(void *opaque, uint64_t pc, unsigned index)
{
    const Bytes *b = opaque;
    return index < b->n ? b->b[index] : 0x90;
}

/* Decode `n` bytes in 64-bit mode; returns the mnemonic (operand size 32) or NULL on #UD. */
static const char *decode64(const uint8_t *bytes, size_t n)
{
    static X86Insn insn;
    X86DecodeMode m = model_mode(true);
    Bytes b = { bytes, n };
    if (x86_decode(&insn, &m, fetch, &b, 0x1000) != DEC_OK)
        return NULL;
    ck_assert_uint_eq(insn.len, n);
    static char text[64];
    x86_insn_format(&insn, text, sizeof(text));
    return text;
}

#define DEC(...) decode64((const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ }))

static void assert_mnemonic(const char *text, const char *mn)
{
    ck_assert_ptr_nonnull(text);
    ck_assert_msg(!strncmp(text, mn, strlen(mn)), "decoded '%s', expected %s", text, mn);
}

START_TEST(test_advertised_instructions_decode)
{
    assert_mnemonic(DEC(0x0f, 0x01, 0xf9), "rdtscp");                 /* 80000001:EDX.27 */
    assert_mnemonic(DEC(0xf3, 0x0f, 0xb8, 0xc1), "popcnt");           /* 1:ECX.23 */
    assert_mnemonic(DEC(0xf3, 0x0f, 0xbd, 0xc1), "lzcnt");            /* 80000001:ECX.5 */
    assert_mnemonic(DEC(0x0f, 0x38, 0xf0, 0x07), "movbe");            /* 1:ECX.22 */
    assert_mnemonic(DEC(0x48, 0x0f, 0xc7, 0x0f), "cmpxchg16b");       /* 1:ECX.13 */
    assert_mnemonic(DEC(0x0f, 0xc7, 0x0f), "cmpxchg8b");              /* 1:EDX.8 */
    assert_mnemonic(DEC(0x0f, 0xae, 0x3f), "clflush");                /* 1:EDX.19 */
    assert_mnemonic(DEC(0x0f, 0x34), "sysenter");                     /* 1:EDX.11 */
    assert_mnemonic(DEC(0x0f, 0x05), "syscall");                      /* 80000001:EDX.11 */
    assert_mnemonic(DEC(0x0f, 0x44, 0xc1), "cmov");                   /* 1:EDX.15 */
    assert_mnemonic(DEC(0x0f, 0xae, 0x27), "xsave");                  /* 1:ECX.26 */
    assert_mnemonic(DEC(0x0f, 0xae, 0x37), "xsaveopt");               /* 0xD.1:EAX.0 */
    assert_mnemonic(DEC(0x0f, 0x01, 0xd0), "xgetbv");
    assert_mnemonic(DEC(0x0f, 0x01, 0xcb), "stac");                   /* 7:EBX.20 */
    assert_mnemonic(DEC(0x0f, 0xfc, 0xc1), "paddb");                  /* 1:EDX.23 MMX */
    assert_mnemonic(DEC(0x66, 0x0f, 0xfe, 0xc1), "paddd");            /* 1:EDX.26 SSE2 */
    assert_mnemonic(DEC(0x0f, 0xae, 0x07), "fxsave");                 /* 1:EDX.24 */
    assert_mnemonic(DEC(0x9f), "lahf");                               /* 80000001:ECX.0 */
    assert_mnemonic(DEC(0x9e), "sahf");
}
END_TEST

START_TEST(test_unadvertised_instructions_are_absent)
{
    ck_assert_ptr_null(DEC(0xf3, 0x0f, 0xc7, 0xf8));                  /* RDPID: 7:ECX.22 */
    ck_assert_ptr_null(DEC(0x66, 0x0f, 0x38, 0x82, 0x07));            /* INVPCID: 7:EBX.10 */
    ck_assert_ptr_null(DEC(0xf3, 0x0f, 0xae, 0xc0));                  /* RDFSBASE: 7:EBX.0 */
    ck_assert_ptr_null(DEC(0x0f, 0xc7, 0xf0));                        /* RDRAND: 1:ECX.30 */
    ck_assert_ptr_null(DEC(0x0f, 0x01, 0xc8));                        /* MONITOR: 1:ECX.3 */
    ck_assert_ptr_null(DEC(0x66, 0x0f, 0x38, 0x00, 0xc1));            /* PSHUFB: SSSE3 */
    ck_assert_ptr_null(DEC(0xc4, 0xe2, 0x78, 0xf2, 0xc1));            /* ANDN (VEX): BMI1/AVX */
    assert_mnemonic(DEC(0xf3, 0x0f, 0xbc, 0xc1), "bsf");              /* TZCNT without BMI1 */
}
END_TEST

/* ---- control registers and MSRs ---- */

static bool cr4_accepts(uint64_t bit)
{
    Outcome o = t_write_cr(4, cpu->cr4 | bit);
    return o.vector == -1 && (cpu->cr4 & bit);
}

START_TEST(test_cr4_bits_follow_cpuid)
{
    ck_assert(has(1, EDX, 1) && cr4_accepts(CR4_VME) && cr4_accepts(CR4_PVI));
    ck_assert(has(1, EDX, 2) && cr4_accepts(CR4_DE));
    ck_assert(has(1, EDX, 3) && cr4_accepts(CR4_PSE));
    ck_assert(has(1, EDX, 6) && cr4_accepts(CR4_PAE));
    ck_assert(has(1, EDX, 13) && cr4_accepts(CR4_PGE));
    ck_assert(has(1, EDX, 24) && cr4_accepts(CR4_OSFXSR));
    ck_assert(has(1, EDX, 25) && cr4_accepts(CR4_OSXMMEXCPT));
    ck_assert(has(1, ECX, 26) && cr4_accepts(CR4_OSXSAVE));
    ck_assert(has(1, ECX, 27));                                       /* now OSXSAVE */
    ck_assert(has(7, EBX, 7) && cr4_accepts(CR4_SMEP));
    ck_assert(has(7, EBX, 20) && cr4_accepts(CR4_SMAP));
    ck_assert(cr4_accepts(CR4_TSD) && cr4_accepts(CR4_PCE));
    /* PCIDE: 1:ECX.17, settable only in long mode (CR3[11:0] = 0) */
    ck_assert(has(1, ECX, 17));
    ck_assert_int_eq(t_write_cr(4, cpu->cr4 | CR4_PCIDE).vector, EXCP_GP);
    /* not advertised: MCE (1:EDX.7), UMIP (7:ECX.2), FSGSBASE (7:EBX.0), LA57, bit 31 */
    ck_assert(!has(1, EDX, 7) && !cr4_accepts(CR4_MCE));
    ck_assert(!has(7, ECX, 2) && !cr4_accepts(CR4_UMIP));
    ck_assert(!has(7, EBX, 0) && !cr4_accepts(CR4_FSGSBASE));
    ck_assert(!has(7, ECX, 16) && !cr4_accepts(1u << 12));
    ck_assert(!cr4_accepts(1u << 31));
}
END_TEST

static bool msr_exists(uint32_t msr)
{
    uint64_t v;
    return x86_rdmsr(cpu, msr, &v);
}

START_TEST(test_msrs_follow_cpuid)
{
    ck_assert(has(1, EDX, 4) && msr_exists(0x10));                    /* TSC */
    ck_assert(has(1, EDX, 9) && msr_exists(0x1b));                    /* APIC_BASE */
    ck_assert(has(1, EDX, 11) && msr_exists(0x174) && msr_exists(0x175) && msr_exists(0x176));
    ck_assert(has(1, EDX, 12) && msr_exists(0xfe) && msr_exists(0x2ff) && msr_exists(0x200) &&
              msr_exists(0x20f) && msr_exists(0x250) && msr_exists(0x258) && msr_exists(0x259) &&
              msr_exists(0x268) && msr_exists(0x26f));                /* MTRRs */
    ck_assert(has(1, EDX, 16) && msr_exists(0x277));                  /* PAT */
    ck_assert(!has(1, ECX, 24) || msr_exists(0x6e0));                 /* TSC deadline */
    ck_assert(has(0x80000001, EDX, 27) && msr_exists(0xc0000103));    /* TSC_AUX */
    ck_assert(has(0x80000001, EDX, 29) && msr_exists(0xc0000080) && msr_exists(0xc0000081) &&
              msr_exists(0xc0000082) && msr_exists(0xc0000083) && msr_exists(0xc0000084) &&
              msr_exists(0xc0000100) && msr_exists(0xc0000101) && msr_exists(0xc0000102));
    ck_assert(msr_exists(0x1a0));                                     /* MISC_ENABLE */
    /* not advertised: MCA/MCE (MCG_CAP, MC0_CTL), x2APIC, PMU v2+ */
    ck_assert(!has(1, EDX, 14) && !msr_exists(0x179) && !msr_exists(0x400));
    ck_assert(!has(1, ECX, 21) && !msr_exists(0x802));
    ck_assert(!msr_exists(0x38f));
    /* MTRRcap: 8 variable ranges (0x200-0x20f), fixed ranges, no SMRR */
    uint64_t cap;
    ck_assert(x86_rdmsr(cpu, 0xfe, &cap));
    ck_assert_uint_eq(cap & 0xff, 8);
    ck_assert(cap & (1u << 8));
    ck_assert(!(cap & (1u << 11)));
    ck_assert(!msr_exists(0x210));                                    /* a 9th range */
    /* TSC_AUX round trip (RDTSCP and RDPID read it) */
    ck_assert(x86_wrmsr(cpu, 0xc0000103, 0x1234));
    uint64_t aux;
    ck_assert(x86_rdmsr(cpu, 0xc0000103, &aux));
    ck_assert_uint_eq(aux, 0x1234);
}
END_TEST

int main(void)
{
    return unit_run_tcase("cpuid", "model", tm_setup, tm_teardown, UNIT_TESTS(
        test_feature_words_are_the_audited_model, test_advertised_instructions_decode,
        test_unadvertised_instructions_are_absent, test_cr4_bits_follow_cpuid,
        test_msrs_follow_cpuid));
}
