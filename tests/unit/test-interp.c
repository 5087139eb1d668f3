/*
 * Interpreter tests: hand-assembled code runs under x86_cpu_exec in real,
 * 32-bit protected and 64-bit mode on a small machine, and the tests
 * check registers, flags and memory: arithmetic flags, shifts/rotates,
 * multiply/divide and #DE, BCD, bit ops, CMPXCHG, string instructions with
 * REP in every address size, the stack, branches, all 16 conditions, and
 * that a faulting instruction leaves the state of its boundary.
 */
#include "tests/unit/x86-test-machine.h"

#include <stdlib.h>

#include "target-x86/exec.h"
#include "unit-test.h"

#define CODE 0x1000u
#define DATA 0x3000u
#define STACK 0x8000u
#define PML4 0x10000u

#define OSZAPC (CC_O | CC_S | CC_Z | CC_A | CC_P | CC_C)

static void set_flat_segs(uint32_t code_attr, uint32_t data_attr, uint32_t limit)
{
    tm_load_segs(0x08, 0, code_attr, 0x10, 0, data_attr, limit);
}

static void mode_real(void)
{
    cpu->cr0 = CR0_ET;
    cpu->efer = 0;
    tm_load_segs(0, 0, 0x9b, 0, 0, 0x93, 0xffff);
    x86_update_hflags(cpu);
    tlb_flush(&cpu->tlb);
}

static void mode_prot32(void)
{
    cpu->cr0 = CR0_ET | CR0_PE;
    cpu->efer = 0;
    set_flat_segs(0xc09b, 0xc093, 0xffffffff);
    x86_update_hflags(cpu);
    tlb_flush(&cpu->tlb);
}

/* Long mode with identity-mapped 2 MiB pages over the first 16 MiB. */
static void mode_long64(void)
{
    put64(PML4, (PML4 + 0x1000) | 3);
    put64(PML4 + 0x1000, (PML4 + 0x2000) | 3);
    for (uint64_t i = 0; i < 8; i++)
        put64(PML4 + 0x2000 + i * 8, (i << 21) | 0x83);
    cpu->cr3 = PML4;
    cpu->cr4 = CR4_PAE;
    cpu->efer = EFER_LME | EFER_LMA;
    cpu->cr0 = CR0_ET | CR0_PE | CR0_PG;
    set_flat_segs(0xa09b, 0xc093, 0xffffffff);
    x86_update_hflags(cpu);
    tlb_flush(&cpu->tlb);
}

static void setup(void)
{
    tm_setup();
    for (int r = 0; r < 16; r++)
        cpu->regs[r] = 0;
    cpu->rflags = 2;
    cpu->cc.op = 0;
}

/* Load `code` at CODE, run until HLT; returns the exec result. */
static int run(const uint8_t *code, size_t len)
{
    memcpy(tm_ram.ram + CODE, code, len);
    cpu->rip = CODE;
    cpu->halted = false;
    if (!cpu->regs[R_ESP])
        cpu->regs[R_ESP] = STACK;
    int r = x86_cpu_exec(cpu, 1000000);
    return r;
}

#define RUN(...)                                                          \
    do {                                                                  \
        static const uint8_t code_[] = { __VA_ARGS__, 0xf4 };             \
        ck_assert_int_eq(run(code_, sizeof(code_)), EXEC_HALTED);         \
    } while (0)

static uint32_t flags(void) { return (uint32_t)x86_get_rflags(cpu) & OSZAPC; }

#define CHECK_FLAGS(expect) ck_assert_msg(flags() == (expect), "flags %#x expected %#x", \
                                          flags(), (unsigned)(expect))
#define EAX ((uint32_t)cpu->regs[R_EAX])
#define AL ((uint8_t)cpu->regs[R_EAX])

/* ---- arithmetic flags ---- */

START_TEST(test_add_sub_flags)
{
    mode_prot32();
    RUN(0xb0, 0x7f, 0x04, 0x01);                  /* mov al,0x7f; add al,1 */
    ck_assert_uint_eq(AL, 0x80);
    CHECK_FLAGS(CC_O | CC_S | CC_A);
    RUN(0xb8, 0xff, 0xff, 0xff, 0xff, 0x83, 0xc0, 0x01);   /* mov eax,-1; add eax,1 */
    ck_assert_uint_eq(EAX, 0);
    CHECK_FLAGS(CC_Z | CC_A | CC_P | CC_C);
    RUN(0xf9, 0xb0, 0xff, 0x14, 0x00);            /* stc; mov al,0xff; adc al,0 */
    ck_assert_uint_eq(AL, 0);
    CHECK_FLAGS(CC_Z | CC_A | CC_P | CC_C);
    RUN(0xf9, 0xb0, 0x0e, 0x14, 0x01);            /* stc; mov al,0xe; adc al,1 */
    ck_assert_uint_eq(AL, 0x10);
    CHECK_FLAGS(CC_A);
    RUN(0xb0, 0x00, 0x2c, 0x01);                  /* mov al,0; sub al,1 */
    ck_assert_uint_eq(AL, 0xff);
    CHECK_FLAGS(CC_S | CC_A | CC_P | CC_C);
    RUN(0xb0, 0x80, 0x2c, 0x01);                  /* mov al,0x80; sub al,1 */
    ck_assert_uint_eq(AL, 0x7f);
    CHECK_FLAGS(CC_O | CC_A);
    RUN(0xf9, 0xb0, 0x00, 0x1c, 0x00);            /* stc; mov al,0; sbb al,0 */
    ck_assert_uint_eq(AL, 0xff);
    CHECK_FLAGS(CC_S | CC_A | CC_P | CC_C);
    RUN(0xf9, 0xb0, 0x05, 0x1c, 0x04);            /* stc; mov al,5; sbb al,4 */
    ck_assert_uint_eq(AL, 0);
    CHECK_FLAGS(CC_Z | CC_P);
    RUN(0xb0, 0x05, 0x3c, 0x05);                  /* cmp al,5 */
    CHECK_FLAGS(CC_Z | CC_P);
    RUN(0xb0, 0xf0, 0x24, 0x0f);                  /* and al,0x0f: CF=OF=0 */
    CHECK_FLAGS(CC_Z | CC_P);
    /* inc keeps CF; dec to 0x7f sets OF */
    RUN(0xf9, 0xb0, 0xff, 0xfe, 0xc0);            /* stc; mov al,0xff; inc al */
    CHECK_FLAGS(CC_Z | CC_A | CC_P | CC_C);
    RUN(0xf8, 0xb0, 0x80, 0xfe, 0xc8);            /* clc; mov al,0x80; dec al */
    CHECK_FLAGS(CC_O | CC_A);
    RUN(0xb0, 0x01, 0xf6, 0xd8);                  /* mov al,1; neg al */
    ck_assert_uint_eq(AL, 0xff);
    CHECK_FLAGS(CC_S | CC_A | CC_P | CC_C);
}
END_TEST

/* ---- shifts and rotates ---- */

START_TEST(test_shifts)
{
    mode_prot32();
    RUN(0xb0, 0x81, 0xd0, 0xe0);                  /* shl al,1 */
    ck_assert_uint_eq(AL, 0x02);
    ck_assert(flags() & CC_C);
    ck_assert(flags() & CC_O);
    RUN(0xb0, 0x81, 0xd0, 0xe8);                  /* shr al,1 */
    ck_assert_uint_eq(AL, 0x40);
    ck_assert_uint_eq(flags() & (CC_C | CC_O), CC_C | CC_O);
    RUN(0xb0, 0x81, 0xd0, 0xf8);                  /* sar al,1 */
    ck_assert_uint_eq(AL, 0xc0);
    ck_assert_uint_eq(flags() & (CC_C | CC_O | CC_S), CC_C | CC_S);
    /* count 0: flags unchanged */
    RUN(0xf9, 0xb8, 0x01, 0, 0, 0, 0xb1, 0x00, 0xd3, 0xe0);   /* stc; mov eax,1; mov cl,0; shl eax,cl */
    ck_assert_uint_eq(EAX, 1);
    ck_assert(flags() & CC_C);
    /* count N */
    RUN(0xb8, 0x78, 0x56, 0x34, 0x12, 0xc1, 0xe0, 0x04);      /* shl eax,4 */
    ck_assert_uint_eq(EAX, 0x23456780);
    ck_assert(flags() & CC_C);
    RUN(0xb8, 0x00, 0x00, 0x00, 0x80, 0xc1, 0xf8, 0x1f);      /* sar eax,31 */
    ck_assert_uint_eq(EAX, 0xffffffff);
    /* count masked to 5 bits: shl eax,33 == shl eax,1 */
    RUN(0xb8, 0x01, 0, 0, 0, 0xb1, 0x21, 0xd3, 0xe0);
    ck_assert_uint_eq(EAX, 2);
    /* rotates */
    RUN(0xb0, 0x81, 0xd0, 0xc0);                  /* rol al,1 */
    ck_assert_uint_eq(AL, 0x03);
    ck_assert_uint_eq(flags() & (CC_C | CC_O), CC_C | CC_O);
    RUN(0xb0, 0x01, 0xd0, 0xc8);                  /* ror al,1 */
    ck_assert_uint_eq(AL, 0x80);
    ck_assert_uint_eq(flags() & (CC_C | CC_O), CC_C | CC_O);
    RUN(0xf8, 0xb0, 0x80, 0xd0, 0xd0);            /* clc; mov al,0x80; rcl al,1 */
    ck_assert_uint_eq(AL, 0x00);
    ck_assert_uint_eq(flags() & (CC_C | CC_O), CC_C | CC_O);
    RUN(0xf9, 0xb0, 0x01, 0xd0, 0xd8);            /* stc; mov al,1; rcr al,1 */
    ck_assert_uint_eq(AL, 0x80);
    ck_assert_uint_eq(flags() & (CC_C | CC_O), CC_C | CC_O);
    RUN(0xf9, 0xb0, 0x00, 0xc0, 0xd0, 0x09);      /* stc; mov al,0; rcl al,9: 9-bit rotate = 0 */
    ck_assert_uint_eq(AL, 0x00);
    ck_assert(flags() & CC_C);
    /* shld/shrd */
    RUN(0xb8, 0x78, 0x56, 0x34, 0x12, 0xbb, 0xf0, 0xde, 0xbc, 0x9a,
        0x0f, 0xa4, 0xd8, 0x04);                  /* shld eax,ebx,4 */
    ck_assert_uint_eq(EAX, 0x23456789);
    ck_assert(flags() & CC_C);
    RUN(0xb8, 0x78, 0x56, 0x34, 0x12, 0xbb, 0xf0, 0xde, 0xbc, 0x9a,
        0x0f, 0xac, 0xd8, 0x04);                  /* shrd eax,ebx,4 */
    ck_assert_uint_eq(EAX, 0x01234567);
    ck_assert(flags() & CC_C);
}
END_TEST

/* ---- multiply / divide ---- */

START_TEST(test_muldiv)
{
    mode_prot32();
    RUN(0xb8, 0, 0, 1, 0, 0xb9, 0, 0, 1, 0, 0xf7, 0xe1);      /* mul ecx */
    ck_assert_uint_eq(EAX, 0);
    ck_assert_uint_eq((uint32_t)cpu->regs[R_EDX], 1);
    ck_assert_uint_eq(flags() & (CC_C | CC_O), CC_C | CC_O);
    RUN(0xb8, 0xfe, 0xff, 0xff, 0xff, 0xb9, 3, 0, 0, 0, 0xf7, 0xe9);   /* imul ecx: -2*3 */
    ck_assert_uint_eq(EAX, (uint32_t)-6);
    ck_assert_uint_eq((uint32_t)cpu->regs[R_EDX], 0xffffffff);
    ck_assert_uint_eq(flags() & (CC_C | CC_O), 0);
    RUN(0xb9, 7, 0, 0, 0, 0x6b, 0xc1, 0x05);      /* imul eax,ecx,5 */
    ck_assert_uint_eq(EAX, 35);
    RUN(0xb8, 0, 0, 0, 0x40, 0x0f, 0xaf, 0xc0);   /* imul eax,eax: overflow */
    ck_assert_uint_eq(flags() & (CC_C | CC_O), CC_C | CC_O);
    RUN(0xba, 0, 0, 0, 0, 0xb8, 100, 0, 0, 0, 0xb9, 7, 0, 0, 0, 0xf7, 0xf1);  /* div ecx */
    ck_assert_uint_eq(EAX, 14);
    ck_assert_uint_eq((uint32_t)cpu->regs[R_EDX], 2);
    RUN(0xb8, 0x9c, 0xff, 0xff, 0xff, 0x99, 0xb9, 7, 0, 0, 0, 0xf7, 0xf9);     /* cdq; idiv ecx */
    ck_assert_uint_eq(EAX, (uint32_t)-14);
    ck_assert_uint_eq((uint32_t)cpu->regs[R_EDX], (uint32_t)-2);
    RUN(0x66, 0xb8, 0x64, 0x00, 0xb1, 0x0a, 0xf6, 0xf1);      /* mov ax,100; mov cl,10; div cl */
    ck_assert_uint_eq(cpu->regs[R_EAX] & 0xffff, 0x000a);
}
END_TEST

/* Real mode with IVT handlers that halt: vector v at 0000:(0x2000 + 16*v). */
static void install_ivt(void)
{
    for (int v = 0; v < 32; v++) {
        put16(v * 4, (uint16_t)(0x2000 + 16 * v));
        put16(v * 4 + 2, 0);
        put8(0x2000 + 16 * v, 0xf4);
    }
    cpu->idtr = (DescTable){ 0, 0x3ff };
}

START_TEST(test_divide_error_is_precise)
{
    mode_real();
    install_ivt();
    cpu->regs[R_ESP] = STACK;
    /* mov ax,0x1234; mov dx,0x5678; xor cx,cx (flags!); div cx */
    RUN(0xb8, 0x34, 0x12, 0xba, 0x78, 0x56, 0x31, 0xc9, 0xf7, 0xf1);
    ck_assert_uint_eq(cpu->rip, 0x2000 + 1);          /* #DE handler ran */
    ck_assert_uint_eq(cpu->regs[R_EAX] & 0xffff, 0x1234);
    ck_assert_uint_eq(cpu->regs[R_EDX] & 0xffff, 0x5678);
    ck_assert_uint_eq(cpu->regs[R_ESP] & 0xffff, STACK - 6);
    ck_assert_uint_eq(get16(STACK - 6), CODE + 8);      /* return IP = the DIV */
    /* idiv overflow: -32768 / -1 in 8-bit form: ax=0x8000, cl=0xff */
    cpu->regs[R_ESP] = STACK;
    RUN(0xb8, 0x00, 0x80, 0xb1, 0xff, 0xf6, 0xf9);
    ck_assert_uint_eq(cpu->rip, 0x2000 + 1);
    ck_assert_uint_eq(cpu->regs[R_EAX] & 0xffff, 0x8000);
    /* aam 0 */
    cpu->regs[R_ESP] = STACK;
    RUN(0xb0, 0x05, 0xd4, 0x00);
    ck_assert_uint_eq(cpu->rip, 0x2000 + 1);
}
END_TEST

START_TEST(test_faulting_write_keeps_state)
{
    mode_real();
    install_ivt();
    cpu->regs[R_ESP] = STACK;
    /* mov bx,0xffff; mov ax,7; add [bx],ax -> word at 0xffff crosses the limit: #GP */
    RUN(0xbb, 0xff, 0xff, 0xb8, 0x07, 0x00, 0x01, 0x07);
    ck_assert_uint_eq(cpu->rip, 0x2000 + 16 * EXCP_GP + 1);
    ck_assert_uint_eq(get16(STACK - 6), CODE + 6);
    ck_assert_uint_eq(cpu->regs[R_EAX] & 0xffff, 7);
    /* pop [0xffff]: the pop must not move sp when the write faults */
    cpu->regs[R_ESP] = STACK;
    put16(STACK - 2, 0xabcd);
    RUN(0xbc, (STACK - 2) & 0xff, (STACK - 2) >> 8, 0x8f, 0x06, 0xff, 0xff);
    ck_assert_uint_eq(cpu->rip, 0x2000 + 16 * EXCP_GP + 1);
    ck_assert_uint_eq(cpu->regs[R_ESP] & 0xffff, STACK - 2 - 6);
    ck_assert_uint_eq(get16(STACK - 2 - 6), CODE + 3);
    /* undefined opcode: #UD with ip of the instruction */
    cpu->regs[R_ESP] = STACK;
    RUN(0x90, 0x0f, 0x0b);
    ck_assert_uint_eq(cpu->rip, 0x2000 + 16 * EXCP_UD + 1);
    ck_assert_uint_eq(get16(STACK - 6), CODE + 1);
}
END_TEST

/* ---- BCD ---- */

START_TEST(test_bcd)
{
    mode_prot32();
    RUN(0xb0, 0x19, 0x04, 0x28, 0x27);            /* 19 + 28 = 47 */
    ck_assert_uint_eq(AL, 0x47);
    ck_assert_uint_eq(flags() & CC_C, 0);
    RUN(0xb0, 0x79, 0x04, 0x35, 0x27);            /* 79 + 35 = 114 */
    ck_assert_uint_eq(AL, 0x14);
    ck_assert(flags() & CC_C);
    RUN(0xb0, 0x47, 0x2c, 0x19, 0x2f);            /* 47 - 19 = 28 */
    ck_assert_uint_eq(AL, 0x28);
    ck_assert_uint_eq(flags() & CC_C, 0);
    RUN(0xb0, 0x19, 0x2c, 0x47, 0x2f);            /* 19 - 47 = -28 -> 72 borrow */
    ck_assert_uint_eq(AL, 0x72);
    ck_assert(flags() & CC_C);
    RUN(0x66, 0xb8, 0x09, 0x00, 0x04, 0x03, 0x37);    /* ax=9; add al,3; aaa */
    ck_assert_uint_eq(cpu->regs[R_EAX] & 0xffff, 0x0102);
    ck_assert_uint_eq(flags() & (CC_C | CC_A), CC_C | CC_A);
    RUN(0x66, 0xb8, 0x02, 0x01, 0x2c, 0x03, 0x3f);    /* ax=0x102; sub al,3; aas */
    ck_assert_uint_eq(cpu->regs[R_EAX] & 0xffff, 0x0009);
    ck_assert(flags() & CC_C);
    RUN(0xb0, 47, 0xd4, 0x0a);                    /* aam */
    ck_assert_uint_eq(cpu->regs[R_EAX] & 0xffff, 0x0407);
    RUN(0x66, 0xb8, 0x07, 0x04, 0xd5, 0x0a);      /* aad */
    ck_assert_uint_eq(cpu->regs[R_EAX] & 0xffff, 47);
}
END_TEST

/* ---- bit operations ---- */

START_TEST(test_bitops)
{
    mode_prot32();
    RUN(0xb8, 0xf0, 0, 0, 0, 0x0f, 0xbc, 0xc8, 0x0f, 0xbd, 0xd0);   /* bsf ecx,eax; bsr edx,eax */
    ck_assert_uint_eq((uint32_t)cpu->regs[R_ECX], 4);
    ck_assert_uint_eq((uint32_t)cpu->regs[R_EDX], 7);
    ck_assert_uint_eq(flags() & CC_Z, 0);
    cpu->regs[R_ECX] = 0x99;
    RUN(0x31, 0xc0, 0x0f, 0xbc, 0xc8);            /* xor eax,eax; bsf ecx,eax */
    ck_assert(flags() & CC_Z);
    ck_assert_uint_eq((uint32_t)cpu->regs[R_ECX], 0x99);
    RUN(0xb8, 0xf0, 0, 0, 0, 0x0f, 0xba, 0xe0, 0x04);   /* bt eax,4 */
    ck_assert(flags() & CC_C);
    /* bts eax,0; btr eax,4; btc eax,8 */
    RUN(0xb8, 0xf0, 0, 0, 0, 0x0f, 0xba, 0xe8, 0x00, 0x0f, 0xba, 0xf0, 0x04, 0x0f, 0xba, 0xf8, 0x08);
    ck_assert_uint_eq(EAX, 0x1e1);
    ck_assert_uint_eq(flags() & CC_C, 0);
    /* bit string: mov ebx,DATA; mov ecx,35; bts [ebx],ecx -> bit 3 of DATA+4 */
    put32(DATA + 4, 0);
    RUN(0xbb, 0x00, 0x30, 0, 0, 0xb9, 35, 0, 0, 0, 0x0f, 0xab, 0x0b);
    ck_assert_uint_eq(get32(DATA + 4), 8);
    /* negative offset: ecx=-1 -> bit 31 of DATA-4 */
    put32(DATA - 4, 0);
    RUN(0xbb, 0x00, 0x30, 0, 0, 0xb9, 0xff, 0xff, 0xff, 0xff, 0x0f, 0xab, 0x0b);
    ck_assert_uint_eq(get32(DATA - 4), 0x80000000u);
    RUN(0xb8, 0xf0, 0xf0, 0, 0, 0xf3, 0x0f, 0xb8, 0xc8);   /* popcnt ecx,eax */
    ck_assert_uint_eq((uint32_t)cpu->regs[R_ECX], 8);
}
END_TEST

/* ---- CMPXCHG / XADD / XCHG ---- */

START_TEST(test_cmpxchg)
{
    mode_prot32();
    put32(DATA, 5);
    /* mov eax,5; mov ecx,9; lock cmpxchg [DATA],ecx */
    RUN(0xb8, 5, 0, 0, 0, 0xb9, 9, 0, 0, 0, 0xf0, 0x0f, 0xb1, 0x0d, 0x00, 0x30, 0, 0);
    ck_assert_uint_eq(get32(DATA), 9);
    ck_assert(flags() & CC_Z);
    RUN(0xb8, 5, 0, 0, 0, 0xb9, 7, 0, 0, 0, 0x0f, 0xb1, 0x0d, 0x00, 0x30, 0, 0);
    ck_assert_uint_eq(get32(DATA), 9);
    ck_assert_uint_eq(EAX, 9);
    ck_assert_uint_eq(flags() & CC_Z, 0);
    /* cmpxchg8b [DATA]: edx:eax = 0:9 matches, store ecx:ebx */
    put64(DATA, 9);
    RUN(0xb8, 9, 0, 0, 0, 0x31, 0xd2, 0xbb, 0x44, 0x33, 0x22, 0x11, 0xb9, 0x88, 0x77, 0x66, 0x55,
        0x0f, 0xc7, 0x0d, 0x00, 0x30, 0, 0);
    ck_assert_uint_eq(get64(DATA), 0x5566778811223344ull);
    ck_assert(flags() & CC_Z);
    /* xadd [DATA],ecx */
    put32(DATA, 10);
    RUN(0xb9, 3, 0, 0, 0, 0x0f, 0xc1, 0x0d, 0x00, 0x30, 0, 0);
    ck_assert_uint_eq(get32(DATA), 13);
    ck_assert_uint_eq((uint32_t)cpu->regs[R_ECX], 10);
    /* xchg eax,[DATA] */
    RUN(0xb8, 1, 0, 0, 0, 0x87, 0x05, 0x00, 0x30, 0, 0);
    ck_assert_uint_eq(EAX, 13);
    ck_assert_uint_eq(get32(DATA), 1);
}
END_TEST

/* ---- strings ---- */

START_TEST(test_string_32)
{
    mode_prot32();
    for (int i = 0; i < 32; i++)
        put8(DATA + i, (uint8_t)(i + 1));
    /* mov esi,DATA; mov edi,DATA+0x100; mov ecx,16; cld; rep movsb */
    RUN(0xbe, 0x00, 0x30, 0, 0, 0xbf, 0x00, 0x31, 0, 0, 0xb9, 16, 0, 0, 0, 0xfc, 0xf3, 0xa4);
    ck_assert_uint_eq((uint32_t)cpu->regs[R_ECX], 0);
    ck_assert_uint_eq((uint32_t)cpu->regs[R_ESI], DATA + 16);
    ck_assert_uint_eq((uint32_t)cpu->regs[R_EDI], DATA + 0x110);
    ck_assert_uint_eq(get8(DATA + 0x10f), 16);
    ck_assert_uint_eq(get8(DATA + 0x110), 0);
    /* repe cmpsb: differ at index 5 */
    put8(DATA + 0x105, 0xee);
    RUN(0xbe, 0x00, 0x30, 0, 0, 0xbf, 0x00, 0x31, 0, 0, 0xb9, 16, 0, 0, 0, 0xf3, 0xa6);
    ck_assert_uint_eq((uint32_t)cpu->regs[R_ECX], 10);
    ck_assert_uint_eq((uint32_t)cpu->regs[R_ESI], DATA + 6);
    ck_assert_uint_eq(flags() & CC_Z, 0);
    /* repne scasb for value 4 */
    RUN(0xbf, 0x00, 0x30, 0, 0, 0xb9, 32, 0, 0, 0, 0xb0, 4, 0xf2, 0xae);
    ck_assert_uint_eq((uint32_t)cpu->regs[R_EDI], DATA + 4);
    ck_assert(flags() & CC_Z);
    /* std; rep stosd backwards, 3 dwords ending at DATA+0x208 */
    RUN(0xbf, 0x08, 0x32, 0, 0, 0xb9, 3, 0, 0, 0, 0xb8, 0x78, 0x56, 0x34, 0x12, 0xfd, 0xf3, 0xab,
        0xfc);
    ck_assert_uint_eq(get32(DATA + 0x200), 0x12345678);
    ck_assert_uint_eq(get32(DATA + 0x208), 0x12345678);
    ck_assert_uint_eq((uint32_t)cpu->regs[R_EDI], DATA + 0x1fc);
    /* lodsw */
    put16(DATA + 0x300, 0xbeef);
    RUN(0xbe, 0x00, 0x33, 0, 0, 0x66, 0xad);
    ck_assert_uint_eq(cpu->regs[R_EAX] & 0xffff, 0xbeef);
    ck_assert_uint_eq((uint32_t)cpu->regs[R_ESI], DATA + 0x302);
    /* a long rep stosb runs in chunks: 20000 bytes */
    RUN(0xbf, 0x00, 0x00, 0x10, 0, 0xb9, 0x20, 0x4e, 0, 0, 0xb0, 0xaa, 0xf3, 0xaa);
    ck_assert_uint_eq((uint32_t)cpu->regs[R_ECX], 0);
    ck_assert_uint_eq(get8(0x100000 + 19999), 0xaa);
    ck_assert_uint_eq(get8(0x100000 + 20000), 0);
    /* rep with ecx=0 does nothing */
    RUN(0xbf, 0x00, 0x34, 0, 0, 0x31, 0xc9, 0xf3, 0xaa);
    ck_assert_uint_eq((uint32_t)cpu->regs[R_EDI], DATA + 0x400);
    /* 67: 16-bit addressing uses cx/si/di */
    cpu->regs[R_ESI] = 0xabcd0000 | DATA;
    cpu->regs[R_EDI] = 0xabcd0000 | (DATA + 0x500);
    cpu->regs[R_ECX] = 0xabcd0002;
    RUN(0x67, 0xf3, 0xa4);
    ck_assert_uint_eq((uint32_t)cpu->regs[R_ECX], 0xabcd0000);
    ck_assert_uint_eq((uint32_t)cpu->regs[R_EDI], 0xabcd0000 | (DATA + 0x502));
    ck_assert_uint_eq(get8(DATA + 0x501), 2);
}
END_TEST

START_TEST(test_string_16_and_64)
{
    mode_real();
    for (int i = 0; i < 16; i++)
        put8(DATA + i, (uint8_t)(0x40 + i));
    /* mov si,DATA; mov di,DATA+0x100; mov cx,8; rep movsw */
    RUN(0xbe, 0x00, 0x30, 0xbf, 0x00, 0x31, 0xb9, 8, 0, 0xf3, 0xa5);
    ck_assert_uint_eq(cpu->regs[R_ECX] & 0xffff, 0);
    ck_assert_uint_eq(cpu->regs[R_ESI] & 0xffff, DATA + 16);
    ck_assert_uint_eq(get8(DATA + 0x10f), 0x4f);
    /* segment override on the source: es: movsb with ES base 0x10000 */
    x86_set_seg_cache(cpu, R_ES, 0x1000, 0x10000, 0xffff, 0x93);
    put8(0x10000 + 0x50, 0x77);
    RUN(0xbe, 0x50, 0x00, 0xbf, 0x00, 0x32, 0x26, 0xa4);   /* es movsb: ES:SI -> ES:DI */
    ck_assert_uint_eq(get8(0x10000 + 0x3200), 0x77);

    mode_long64();
    /* mov rdi,DATA; mov rcx,4; mov rax,imm64; rep stosq */
    RUN(0x48, 0xbf, 0x00, 0x30, 0, 0, 0, 0, 0, 0, 0x48, 0xc7, 0xc1, 4, 0, 0, 0,
        0x48, 0xb8, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0xf3, 0x48, 0xab);
    ck_assert_uint_eq(get64(DATA + 24), 0x1122334455667788ull);
    ck_assert_uint_eq(cpu->regs[R_EDI], DATA + 32);
    ck_assert_uint_eq(cpu->regs[R_ECX], 0);
}
END_TEST

/* ---- stack, calls, loops ---- */

START_TEST(test_stack)
{
    mode_prot32();
    cpu->regs[R_ESP] = STACK;
    RUN(0x68, 0x34, 0x12, 0, 0, 0x58);            /* push 0x1234; pop eax */
    ck_assert_uint_eq(EAX, 0x1234);
    ck_assert_uint_eq((uint32_t)cpu->regs[R_ESP], STACK);
    RUN(0x6a, 0xff, 0x5b);                        /* push -1; pop ebx */
    ck_assert_uint_eq((uint32_t)cpu->regs[R_EBX], 0xffffffff);
    /* push esp pushes the old value */
    RUN(0x54, 0x59);
    ck_assert_uint_eq((uint32_t)cpu->regs[R_ECX], STACK);
    /* pusha / popa */
    cpu->regs[R_EBP] = 0x55;
    RUN(0xb8, 1, 0, 0, 0, 0x60, 0x31, 0xc0, 0x31, 0xed, 0x61);
    ck_assert_uint_eq(EAX, 1);
    ck_assert_uint_eq((uint32_t)cpu->regs[R_EBP], 0x55);
    ck_assert_uint_eq((uint32_t)cpu->regs[R_ESP], STACK);
    /* enter 8,0; leave */
    cpu->regs[R_EBP] = 0x1111;
    RUN(0xc8, 0x08, 0x00, 0x00);
    ck_assert_uint_eq((uint32_t)cpu->regs[R_EBP], STACK - 4);
    ck_assert_uint_eq((uint32_t)cpu->regs[R_ESP], STACK - 12);
    ck_assert_uint_eq(get32(STACK - 4), 0x1111);
    RUN(0xc9);
    ck_assert_uint_eq((uint32_t)cpu->regs[R_EBP], 0x1111);
    ck_assert_uint_eq((uint32_t)cpu->regs[R_ESP], STACK);
    /* enter 0,2: pushes ebp, the previous frame pointer and the new one */
    put32(0x1111 - 4, 0xfeed);
    RUN(0xc8, 0x00, 0x00, 0x02);
    ck_assert_uint_eq((uint32_t)cpu->regs[R_EBP], STACK - 4);
    ck_assert_uint_eq(get32(STACK - 8), 0xfeed);
    ck_assert_uint_eq(get32(STACK - 12), STACK - 4);
    ck_assert_uint_eq((uint32_t)cpu->regs[R_ESP], STACK - 12);
    cpu->regs[R_ESP] = STACK;
    /* pushf/popf round trip with DF */
    RUN(0xfd, 0x9c, 0xfc, 0x9d);
    ck_assert(cpu->rflags & DF_MASK);
    /* 16-bit operand push in 32-bit mode */
    RUN(0x66, 0x6a, 0x05, 0x66, 0x58);   /* push word 5; pop ax */
    ck_assert_uint_eq(cpu->regs[R_EAX] & 0xffff, 5);
    ck_assert_uint_eq((uint32_t)cpu->regs[R_ESP], STACK);
}
END_TEST

START_TEST(test_call_ret_loop)
{
    mode_prot32();
    cpu->regs[R_ESP] = STACK;
    /* call +6; hlt-free tail: call sub; add eax,1; hlt; sub: mov eax,41; ret */
    RUN(0xe8, 0x04, 0, 0, 0, 0x40, 0xf4, 0x90, 0x90, 0xb8, 41, 0, 0, 0, 0xc3);
    ck_assert_uint_eq(EAX, 42);
    ck_assert_uint_eq((uint32_t)cpu->regs[R_ESP], STACK);
    /* ret imm16 pops extra */
    RUN(0x6a, 0x00, 0xe8, 0x01, 0, 0, 0, 0xf4, 0xc2, 0x04, 0x00);
    ck_assert_uint_eq((uint32_t)cpu->regs[R_ESP], STACK);
    /* indirect call through a register: mov ecx,CODE+9; call ecx; hlt; ... ; mov al,7; ret */
    RUN(0xb9, 0x09, 0x10, 0, 0, 0xff, 0xd1, 0xf4, 0x90, 0xb0, 0x07, 0xc3);
    ck_assert_uint_eq(AL, 7);
    /* loop: mov ecx,5; xor eax,eax; inc eax; loop -3 */
    RUN(0xb9, 5, 0, 0, 0, 0x31, 0xc0, 0x40, 0xe2, 0xfd);
    ck_assert_uint_eq(EAX, 5);
    ck_assert_uint_eq((uint32_t)cpu->regs[R_ECX], 0);
    /* loope stops when ZF=0: ecx=5; cmp eax,eax (ZF=1) first iter ... */
    RUN(0xb9, 5, 0, 0, 0, 0x31, 0xc0, 0x40, 0x83, 0xf8, 0x02, 0xe1, 0xfa);  /* inc; cmp eax,2; loopne */
    ck_assert_uint_eq(EAX, 1);
    RUN(0xb9, 5, 0, 0, 0, 0x31, 0xc0, 0x40, 0x83, 0xf8, 0x02, 0xe0, 0xfa);  /* loopne until eax==2 */
    ck_assert_uint_eq(EAX, 2);
    ck_assert_uint_eq((uint32_t)cpu->regs[R_ECX], 3);
    /* jecxz taken */
    RUN(0x31, 0xc9, 0xb0, 0x00, 0xe3, 0x02, 0xb0, 0x01);
    ck_assert_uint_eq(AL, 0);
    /* jmp short over */
    RUN(0xb0, 0x00, 0xeb, 0x02, 0xb0, 0x01);
    ck_assert_uint_eq(AL, 0);
}
END_TEST

/* ---- all 16 conditions: SETcc, Jcc and CMOVcc agree with the formula ---- */

static bool expected_condition(unsigned cc, uint32_t f)
{
    bool cf = f & CC_C, zf = f & CC_Z, sf = f & CC_S, of = f & CC_O, pf = f & CC_P;
    bool r;
    switch (cc >> 1) {
    case 0: r = of; break;
    case 1: r = cf; break;
    case 2: r = zf; break;
    case 3: r = cf || zf; break;
    case 4: r = sf; break;
    case 5: r = pf; break;
    case 6: r = sf != of; break;
    default: r = zf || (sf != of); break;
    }
    return (cc & 1) ? !r : r;
}

START_TEST(test_conditions)
{
    static const uint32_t patterns[] = {
        0, CC_C, CC_Z, CC_S, CC_O, CC_P, CC_S | CC_O, CC_Z | CC_S, CC_C | CC_Z, OSZAPC,
    };
    mode_prot32();
    cpu->regs[R_ESP] = STACK;
    for (unsigned p = 0; p < sizeof(patterns) / sizeof(patterns[0]); p++) {
        for (unsigned cc = 0; cc < 16; cc++) {
            uint32_t f = patterns[p] | 2;
            uint8_t code[] = {
                0xb3, 0x00,                                   /* mov bl,0 */
                0xb9, 0x55, 0, 0, 0, 0x31, 0xd2,              /* mov ecx,0x55; xor edx,edx */
                0x68, (uint8_t)f, (uint8_t)(f >> 8), 0, 0,    /* push flags */
                0x9d,                                         /* popfd */
                0x0f, (uint8_t)(0x90 + cc), 0xc0,             /* setcc al */
                0x0f, (uint8_t)(0x40 + cc), 0xd1,             /* cmovcc edx,ecx */
                (uint8_t)(0x70 + cc), 0x02,                   /* jcc +2 */
                0xb3, 0x01,                                   /* mov bl,1 */
                0x0f, (uint8_t)(0x80 + cc), 0x02, 0, 0, 0,    /* jcc near +2 */
                0xb7, 0x01,                                   /* mov bh,1 */
                0xf4,
            };
            cpu->regs[R_EBX] = 0;
            ck_assert_int_eq(run(code, sizeof(code)), EXEC_HALTED);
            bool e = expected_condition(cc, f);
            ck_assert_msg(AL == e, "setcc %u flags %#x", cc, f);
            ck_assert_msg(((uint32_t)cpu->regs[R_EDX] == 0x55) == e, "cmovcc %u", cc);
            ck_assert_msg((cpu->regs[R_EBX] & 0xff) == !e, "jcc short %u flags %#x", cc, f);
            ck_assert_msg(((cpu->regs[R_EBX] >> 8) & 0xff) == !e, "jcc near %u", cc);
        }
    }
}
END_TEST

/* ---- 64-bit mode ---- */

START_TEST(test_long_mode)
{
    mode_long64();
    cpu->regs[R_ESP] = STACK;
    /* mov r9,imm64; add r9,r9; mov eax,r9d (zero-extends) */
    RUN(0x49, 0xb9, 0, 0, 0, 0, 0x01, 0, 0, 0, 0x4d, 0x01, 0xc9, 0x44, 0x89, 0xc8);
    ck_assert_uint_eq(cpu->regs[R_R9], 0x200000000ull);
    ck_assert_uint_eq(cpu->regs[R_EAX], 0);
    /* rip-relative: lea rax,[rip+0x10]; mov rbx,[rip+data] */
    put64(CODE + 0x40, 0xdeadbeefcafef00dull);
    RUN(0x48, 0x8d, 0x05, 0x10, 0, 0, 0, 0x48, 0x8b, 0x1d, 0x32, 0, 0, 0);
    ck_assert_uint_eq(cpu->regs[R_EAX], CODE + 7 + 0x10);
    ck_assert_uint_eq(cpu->regs[R_EBX], 0xdeadbeefcafef00dull);
    /* push/pop are 64-bit; push r12 */
    cpu->regs[R_R12] = 0x123456789abcdefull;
    RUN(0x41, 0x54, 0x58);
    ck_assert_uint_eq(cpu->regs[R_EAX], 0x123456789abcdefull);
    ck_assert_uint_eq(cpu->regs[R_ESP], STACK);
    /* movsxd rax,ecx; cqo */
    cpu->regs[R_ECX] = 0x80000000u;
    RUN(0x48, 0x63, 0xc1, 0x48, 0x99);
    ck_assert_uint_eq(cpu->regs[R_EAX], 0xffffffff80000000ull);
    ck_assert_uint_eq(cpu->regs[R_EDX], ~0ull);
    /* 64-bit mul and div */
    RUN(0x48, 0xc7, 0xc0, 0xff, 0xff, 0xff, 0xff, 0x48, 0xf7, 0xe0);   /* mov rax,-1; mul rax */
    ck_assert_uint_eq(cpu->regs[R_EAX], 1);
    ck_assert_uint_eq(cpu->regs[R_EDX], 0xfffffffffffffffeull);
    /* sil/dil with REX, ah without */
    cpu->regs[R_ESI] = 0;
    RUN(0x40, 0xb6, 0x12, 0xb4, 0x34);            /* mov sil,0x12; mov ah,0x34 */
    ck_assert_uint_eq(cpu->regs[R_ESI], 0x12);
    ck_assert_uint_eq((cpu->regs[R_EAX] >> 8) & 0xff, 0x34);
    /* cmpxchg16b */
    put64(DATA, 1);
    put64(DATA + 8, 2);
    cpu->regs[R_EAX] = 1;
    cpu->regs[R_EDX] = 2;
    cpu->regs[R_EBX] = 3;
    cpu->regs[R_ECX] = 4;
    RUN(0x48, 0x0f, 0xc7, 0x0c, 0x25, 0x00, 0x30, 0, 0);
    ck_assert_uint_eq(get64(DATA), 3);
    ck_assert_uint_eq(get64(DATA + 8), 4);
    /* shl with count 0 on a 32-bit register still zero-extends */
    cpu->regs[R_EAX] = 0xffffffff00000001ull;
    RUN(0x31, 0xc9, 0xd3, 0xe0);
    ck_assert_uint_eq(cpu->regs[R_EAX], 1);
}
END_TEST

/* ---- moves, conversions, flags, system ---- */

START_TEST(test_moves_and_conversions)
{
    mode_prot32();
    cpu->regs[R_ECX] = 0xff80;
    RUN(0x0f, 0xb6, 0xc1, 0x0f, 0xbe, 0xd1, 0x0f, 0xbf, 0xd9);   /* movzx eax,cl; movsx edx,cl; movsx ebx,cx */
    ck_assert_uint_eq(EAX, 0x80);
    ck_assert_uint_eq((uint32_t)cpu->regs[R_EDX], 0xffffff80);
    ck_assert_uint_eq((uint32_t)cpu->regs[R_EBX], 0xffffff80);
    RUN(0xb8, 0x80, 0, 0, 0, 0x66, 0x98);         /* cbw */
    ck_assert_uint_eq(EAX, 0xff80);
    RUN(0x98, 0x99);                              /* cwde; cdq */
    ck_assert_uint_eq(EAX, 0xffffff80);
    ck_assert_uint_eq((uint32_t)cpu->regs[R_EDX], 0xffffffff);
    RUN(0xf9, 0x9f);                              /* stc; lahf */
    ck_assert_uint_eq((cpu->regs[R_EAX] >> 8) & 0xff, 0x03);
    RUN(0xb4, 0xd5, 0x9e);                        /* mov ah,0xd5; sahf */
    CHECK_FLAGS(CC_S | CC_Z | CC_A | CC_P | CC_C);
    put8(DATA + 3, 0x5a);
    RUN(0xbb, 0x00, 0x30, 0, 0, 0xb0, 0x03, 0xd7);    /* xlat */
    ck_assert_uint_eq(AL, 0x5a);
    RUN(0xb8, 0x78, 0x56, 0x34, 0x12, 0x0f, 0xc8);   /* bswap eax */
    ck_assert_uint_eq(EAX, 0x78563412);
    RUN(0x31, 0xc0, 0x0f, 0x94, 0x05, 0x00, 0x30, 0, 0);   /* xor eax,eax; sete [DATA] */
    ck_assert_uint_eq(get8(DATA), 1);
    cpu->regs[R_EBX] = 0x100;
    cpu->regs[R_ECX] = 3;
    RUN(0x8d, 0x44, 0x8b, 0x08);                  /* lea eax,[ebx+ecx*4+8] */
    ck_assert_uint_eq(EAX, 0x114);
    RUN(0x66, 0x8d, 0x44, 0x8b, 0xf8);            /* lea ax,[ebx+ecx*4-8]: 16-bit result */
    ck_assert_uint_eq(cpu->regs[R_EAX] & 0xffff, 0x104);
    RUN(0x0f, 0x20, 0xc0);                        /* mov eax,cr0 */
    ck_assert_uint_eq(EAX, (uint32_t)cpu->cr0);
    RUN(0x31, 0xc0, 0x0f, 0xa2);                  /* cpuid leaf 0 */
    ck_assert_uint_gt(EAX, 0);
    /* lgdt / sgdt */
    put16(DATA, 0x27);
    put32(DATA + 2, 0x01234567);
    RUN(0x0f, 0x01, 0x15, 0x00, 0x30, 0, 0, 0x0f, 0x01, 0x05, 0x10, 0x30, 0, 0);
    ck_assert_uint_eq(cpu->gdtr.base, 0x01234567);
    ck_assert_uint_eq(cpu->gdtr.limit, 0x27);
    ck_assert_uint_eq(get16(DATA + 0x10), 0x27);
    ck_assert_uint_eq(get32(DATA + 0x12), 0x01234567);
}
END_TEST

START_TEST(test_real_mode_segments_and_far)
{
    mode_real();
    install_ivt();
    cpu->regs[R_ESP] = STACK;
    /* mov ax,0x1234; mov ds,ax; mov bx,ds */
    RUN(0xb8, 0x34, 0x12, 0x8e, 0xd8, 0x8c, 0xdb);
    ck_assert_uint_eq(cpu->seg[R_DS].base, 0x12340);
    ck_assert_uint_eq(cpu->regs[R_EBX] & 0xffff, 0x1234);
    mode_real();
    /* lds si,[DATA] */
    put16(DATA, 0x5678);
    put16(DATA + 2, 0x2000);
    RUN(0xc5, 0x36, 0x00, 0x30);
    ck_assert_uint_eq(cpu->regs[R_ESI] & 0xffff, 0x5678);
    ck_assert_uint_eq(cpu->seg[R_DS].selector, 0x2000);
    ck_assert_uint_eq(cpu->seg[R_DS].base, 0x20000);
    mode_real();
    /* ds: override with a memory operand: mov ax,[es:0x10] with ES=0x100 */
    x86_set_seg_cache(cpu, R_ES, 0x100, 0x1000, 0xffff, 0x93);
    put16(0x1010, 0x4321);
    RUN(0x26, 0xa1, 0x10, 0x00);
    ck_assert_uint_eq(cpu->regs[R_EAX] & 0xffff, 0x4321);
    /* far call 0000:CODE+0x20, target: mov al,5; retf */
    static const uint8_t far[] = { 0x9a, 0x20, 0x10, 0x00, 0x00, 0xf4 };
    static const uint8_t target[] = { 0xb0, 0x05, 0xcb };
    memcpy(tm_ram.ram + CODE + 0x20, target, sizeof(target));
    cpu->regs[R_ESP] = STACK;
    ck_assert_int_eq(run(far, sizeof(far)), EXEC_HALTED);
    ck_assert_uint_eq(AL, 5);
    ck_assert_uint_eq(cpu->rip, CODE + 6);
    ck_assert_uint_eq(cpu->regs[R_ESP] & 0xffff, STACK);
    /* int 0x80 to a handler doing mov bl,9; iret */
    put16(0x80 * 4, 0x2800);
    put16(0x80 * 4 + 2, 0);
    put8(0x2800, 0xb3);
    put8(0x2801, 0x09);
    put8(0x2802, 0xcf);
    RUN(0xcd, 0x80);
    ck_assert_uint_eq(cpu->regs[R_EBX] & 0xff, 9);
    ck_assert_uint_eq(cpu->rip, CODE + 3);
    ck_assert_uint_eq(cpu->regs[R_ESP] & 0xffff, STACK);
}
END_TEST

/* ---- instruction fetch faults and single-step ---- */

DEFINE_TRY(t_exec_one, (void), (x86_exec_one(cpu), 0))

START_TEST(test_fetch_fault_on_page_crossing)
{
    mode_long64();
    /* 4 KiB pages for the first 2 MiB: 0x5000 present, 0x6000 not */
    uint64_t pt = PML4 + 0x3000;
    for (uint64_t i = 0; i < 512; i++)
        put64(pt + i * 8, (i << 12) | 3);
    put64(pt + 6 * 8, 0);
    put64(PML4 + 0x2000, pt | 3);
    tlb_flush(&cpu->tlb);
    static const uint8_t movabs[] = { 0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8 };
    memcpy(tm_ram.ram + 0x5ffc, movabs, sizeof(movabs));
    cpu->rip = 0x5ffc;
    cpu->regs[R_EAX] = 0x77;
    Outcome o = t_exec_one();
    ck_assert_int_eq(o.vector, EXCP_PF);
    ck_assert_uint_eq(cpu->cr2, 0x6000);
    ck_assert_uint_eq(cpu->insn_start_rip, 0x5ffc);
    ck_assert_uint_eq(cpu->regs[R_EAX], 0x77);
    /* the same bytes inside one page execute */
    memcpy(tm_ram.ram + 0x5000, movabs, sizeof(movabs));
    cpu->rip = 0x5000;
    ASSERT_OK(t_exec_one());
    ck_assert_uint_eq(cpu->regs[R_EAX], 0x0807060504030201ull);
    ck_assert_uint_eq(cpu->rip, 0x500a);
}
END_TEST

START_TEST(test_cs_limit_and_length_limit)
{
    mode_prot32();
    x86_set_seg_cache(cpu, R_CS, 0x08, 0, 0x1003, 0x409b);
    x86_update_hflags(cpu);
    static const uint8_t mov[] = { 0x90, 0xb8, 1, 2, 3, 4 };
    memcpy(tm_ram.ram + CODE, mov, sizeof(mov));
    cpu->rip = CODE + 1;   /* mov eax,imm32 runs past the limit 0x1003 */
    Outcome o = t_exec_one();
    ck_assert_int_eq(o.vector, EXCP_GP);
    ck_assert_uint_eq(cpu->insn_start_rip, CODE + 1);
    /* 16 bytes of prefixes: #GP(0) */
    mode_prot32();
    memset(tm_ram.ram + CODE, 0x66, 16);
    tm_ram.ram[CODE + 16] = 0x90;
    cpu->rip = CODE;
    o = t_exec_one();
    ck_assert_int_eq(o.vector, EXCP_GP);
    ck_assert_uint_eq(o.error, 0);
    /* LOCK on a register destination: #UD */
    static const uint8_t lock_add[] = { 0xf0, 0x01, 0xc0 };
    memcpy(tm_ram.ram + CODE, lock_add, sizeof(lock_add));
    cpu->rip = CODE;
    o = t_exec_one();
    ck_assert_int_eq(o.vector, EXCP_UD);
}
END_TEST

START_TEST(test_single_step)
{
    mode_real();
    install_ivt();
    cpu->regs[R_ESP] = STACK;
    /* pushf; pop ax; or ah,1; push ax; popf; nop (traps after); nop */
    RUN(0x9c, 0x58, 0x80, 0xcc, 0x01, 0x50, 0x9d, 0x90, 0x90);
    ck_assert_uint_eq(cpu->rip, 0x2000 + 16 * EXCP_DB + 1);
    ck_assert_uint_eq(get16(STACK - 6), CODE + 8);
    ck_assert_uint_eq(cpu->rflags & TF_MASK, 0);   /* cleared on delivery */
}
END_TEST

START_TEST(test_debug_breakpoints)
{
    mode_real();
    install_ivt();
    /* execution breakpoint on the second instruction: a fault before it */
    cpu->regs[R_ESP] = STACK;
    cpu->dr[0] = CODE + 1;
    cpu->dr[7] = 0x1;
    RUN(0x90, 0xb0, 0x01);
    ck_assert_uint_eq(cpu->rip, 0x2000 + 16 * EXCP_DB + 1);
    ck_assert_uint_eq(get16(STACK - 6), CODE + 1);
    ck_assert_uint_eq(cpu->dr[6] & 0xf, 1);
    ck_assert_uint_eq(AL, 0);
    /* data write breakpoint on DATA..DATA+3: a trap after the write */
    cpu->regs[R_ESP] = STACK;
    cpu->dr[1] = DATA;
    cpu->dr[7] = 0x00d00004;
    RUN(0xa1, 0x00, 0x30, 0xc7, 0x06, 0x02, 0x30, 0x05, 0x00, 0x90);  /* mov ax,[DATA]; mov word [DATA+2],5 */
    ck_assert_uint_eq(cpu->rip, 0x2000 + 16 * EXCP_DB + 1);
    ck_assert_uint_eq(get16(STACK - 6), CODE + 9);
    ck_assert_uint_eq(get16(DATA + 2), 5);
    ck_assert_uint_eq(cpu->dr[6] & 0xf, 2);
    cpu->dr[7] = 0;
}
END_TEST

/* ---- self-modifying code ---- */

START_TEST(test_self_modifying_code)
{
    mode_prot32();
    /* loop twice over "mov al,1"; the first pass rewrites its immediate to 2 */
    static const uint8_t code[] = {
        0xb9, 0x02, 0, 0, 0,               /* mov ecx,2 */
        0xb0, 0x01,                        /* L: mov al,1 */
        0xc6, 0x05, 0x06, 0x10, 0, 0, 0x02,/* mov byte [CODE+6],2 */
        0xe2, 0xf5,                        /* loop L */
        0xf4,
    };
    ck_assert_int_eq(run(code, sizeof(code)), EXEC_HALTED);
    ck_assert_uint_eq(AL, 2);
}
END_TEST

/* ---- the block cache: code across pages, code written from other pages ---- */

/* Emit little-endian bytes at guest address *at. */
static void emit(uint32_t *at, const uint8_t *b, size_t n)
{
    memcpy(tm_ram.ram + *at, b, n);
    *at += (uint32_t)n;
}

static void emit_call(uint32_t *at, uint32_t target)
{
    uint32_t rel = target - (*at + 5);
    uint8_t b[5] = { 0xe8, (uint8_t)rel, (uint8_t)(rel >> 8), (uint8_t)(rel >> 16), (uint8_t)(rel >> 24) };
    emit(at, b, sizeof(b));
}

START_TEST(test_block_cache_pages)
{
    mode_prot32();
    /* a loop whose body has an instruction straddling 0x3000 (it is run
     * without being cached, each time) */
    static const uint8_t straddle[] = {
        0xb9, 100, 0, 0, 0,                /* 2ff0: mov ecx,100 */
        0x31, 0xdb,                        /* 2ff5: xor ebx,ebx */
        0x90, 0x90, 0x90, 0x90, 0x90, 0x90,/* 2ff7: L: nop x6 */
        0xb8, 0x04, 0x03, 0x02, 0x01,      /* 2ffd: mov eax,0x01020304 (to 3002) */
        0x01, 0xc3,                        /* 3002: add ebx,eax */
        0xe2, 0xf1,                        /* 3004: loop L */
        0xf4,                              /* 3006: hlt */
    };
    memcpy(tm_ram.ram + 0x2ff0, straddle, sizeof(straddle));
    cpu->rip = 0x2ff0;
    cpu->regs[R_ESP] = STACK;
    ck_assert_int_eq(x86_cpu_exec(cpu, 1000000), EXEC_HALTED);
    ck_assert_uint_eq((uint32_t)cpu->regs[R_EBX], (uint32_t)(100u * 0x01020304u));

    /* F at 0x6000 returns an immediate that the loop at 0x5000 rewrites
     * after each call, with G (0x9000) called in between or not: the
     * store hits a code page that is hooked (the run ends) or one that is
     * not (the next entry into F compares the bytes) */
    for (int with_g = 0; with_g < 2; with_g++) {
        static const uint8_t f[] = { 0xb8, 1, 0, 0, 0, 0xc3 };   /* mov eax,1; ret */
        static const uint8_t g[] = { 0x90, 0xc3 };               /* nop; ret */
        memcpy(tm_ram.ram + 0x6000, f, sizeof(f));
        memcpy(tm_ram.ram + 0x9000, g, sizeof(g));
        uint32_t at = 0x5000;
        static const uint8_t head[] = { 0x31, 0xdb, 0xb9, 4, 0, 0, 0 };   /* xor ebx,ebx; mov ecx,4 */
        emit(&at, head, sizeof(head));
        uint32_t loop = at;
        emit_call(&at, 0x6000);
        static const uint8_t add[] = { 0x01, 0xc3, 0x83, 0x05, 0x01, 0x60, 0, 0, 0x10 };
        emit(&at, add, sizeof(add));                     /* add ebx,eax; add dword [0x6001],16 */
        if (with_g)
            emit_call(&at, 0x9000);
        uint8_t tail[] = { 0xe2, (uint8_t)(loop - (at + 2)), 0xf4 };   /* loop; hlt */
        emit(&at, tail, sizeof(tail));
        cpu->rip = 0x5000;
        cpu->halted = false;
        cpu->regs[R_ESP] = STACK;
        ck_assert_int_eq(x86_cpu_exec(cpu, 1000000), EXEC_HALTED);
        ck_assert_msg((uint32_t)cpu->regs[R_EBX] == 1 + 17 + 33 + 49, "with_g %d: ebx %u", with_g,
                      (unsigned)(uint32_t)cpu->regs[R_EBX]);
    }
}
END_TEST

/* ---- external interrupts: STI shadow, HLT wake-up ---- */

#define FLAG 0x3000u
#define SEEN 0x3001u
#define COUNT 0x3002u

static int test_ack(void *opaque)
{
    x86_cpu_set_irq_level(cpu, 0);   /* edge: one interrupt per raise */
    return 0x20;
}

START_TEST(test_external_interrupts)
{
    mode_real();
    install_ivt();
    /* IRQ handler at 0x2400: seen = flag; count++; iret */
    static const uint8_t handler[] = { 0xa0, 0x00, 0x30, 0xa2, 0x01, 0x30, 0xfe, 0x06, 0x02, 0x30,
                                       0xcf };
    memcpy(tm_ram.ram + 0x2400, handler, sizeof(handler));
    put16(0x20 * 4, 0x2400);
    put16(0x20 * 4 + 2, 0);
    cpu->intr_ack = test_ack;
    cpu->regs[R_ESP] = STACK;
    /* pending while IF=0: nothing; after STI one more instruction runs first */
    x86_cpu_set_irq_level(cpu, 1);
    RUN(0xfa, 0x90, 0xfb, 0xc6, 0x06, 0x00, 0x30, 0x01, 0x90, 0xfa);   /* cli; nop; sti; mov [FLAG],1; nop; cli */
    ck_assert_uint_eq(get8(COUNT), 1);
    ck_assert_uint_eq(get8(SEEN), 1);   /* the STI shadow let the MOV run first */
    ck_assert_uint_eq(cpu->regs[R_ESP] & 0xffff, STACK);
    /* HLT with IF=1 and nothing pending halts; an interrupt wakes it up and
     * returns after the HLT */
    put8(COUNT, 0);
    static const uint8_t code[] = { 0xfb, 0xf4, 0xb0, 0x42, 0xf4 };   /* sti; hlt; mov al,0x42; hlt */
    memcpy(tm_ram.ram + CODE, code, sizeof(code));
    cpu->rip = CODE;
    cpu->halted = false;
    ck_assert_int_eq(x86_cpu_exec(cpu, 1000), EXEC_HALTED);
    ck_assert_uint_eq(cpu->rip, CODE + 2);
    ck_assert_int_eq(x86_cpu_exec(cpu, 1000), EXEC_HALTED);   /* still nothing */
    x86_cpu_set_irq_level(cpu, 1);
    ck_assert_int_eq(x86_cpu_exec(cpu, 1000), EXEC_HALTED);
    ck_assert_uint_eq(get8(COUNT), 1);
    ck_assert_uint_eq(AL, 0x42);
    ck_assert_uint_eq(cpu->rip, CODE + 5);
    cpu->intr_ack = NULL;
}
END_TEST

/* ---- the execution loop ---- */

START_TEST(test_exec_loop)
{
    mode_prot32();
    /* jmp $ : the budget ends the run */
    static const uint8_t spin[] = { 0xeb, 0xfe };
    memcpy(tm_ram.ram + CODE, spin, sizeof(spin));
    cpu->rip = CODE;
    uint64_t before = cpu->icount;
    ck_assert_int_eq(x86_cpu_exec(cpu, 1000), EXEC_BUDGET);
    ck_assert_uint_eq(cpu->icount - before, 1000);
    /* an exit request */
    x86_cpu_raise_event(cpu, CPU_INTERRUPT_EXIT);
    ck_assert_int_eq(x86_cpu_exec(cpu, 1000), EXEC_EXIT);
    ck_assert_uint_eq(atomic_load(&cpu->interrupt_request) & CPU_INTERRUPT_EXIT, 0);
    /* cli; hlt with nothing pending halts */
    RUN(0xfa);
    ck_assert(cpu->halted);
}
END_TEST

int main(void)
{
    (void)check_fault;
    Suite *s = suite_create("interp");
    TCase *tc = unit_tcase(s, "interp", setup, tm_teardown, UNIT_TESTS(
        test_add_sub_flags, test_shifts, test_muldiv, test_divide_error_is_precise,
        test_faulting_write_keeps_state, test_bcd, test_bitops, test_cmpxchg, test_string_32,
        test_string_16_and_64, test_stack, test_call_ret_loop, test_conditions, test_long_mode,
        test_exec_loop, test_external_interrupts, test_moves_and_conversions,
        test_real_mode_segments_and_far, test_fetch_fault_on_page_crossing,
        test_cs_limit_and_length_limit, test_single_step, test_self_modifying_code,
        test_block_cache_pages,
        test_debug_breakpoints));
    tcase_set_timeout(tc, 60);
    return unit_run_suite(s);
}
