/*
 * Hostile guest code in the less common modes, as a deterministic unit test: virtual-8086
 * mode (IOPL 0/3, with and without CR4.VME/PVI, VIF), compatibility mode at CPL0 and CPL3,
 * 32-bit protected mode at CPL3 and 64-bit mode at CPL3. (The libFuzzer harness
 * tests/fuzz/fuzz-cpu.c now starts in most of these too, with its own copy of the table
 * and mode set-up; sharing one set-up between the two is left to do.) Seeded random bytes run for a bounded number of instructions; every
 * exception vector leads to a HLT. Checked: the run ends (no host hang), CPL stays 0..3,
 * RIP stays canonical in 64-bit mode and below 4 GiB elsewhere, VM=1 implies CPL 3, and
 * (under the ASan/UBSan build) no sanitizer report.
 */
#include "tests/unit/x86-test-machine.h"

#include <stdio.h>

#include "core/runstate.h"
#include "target-x86/cpu-internal.h"
#include "target-x86/exec.h"
#include "unit-test.h"

#define HANDLER_PA 0x0500u      /* HLT; JMP back to the HLT */
#define GDT_PA     0x1000u
#define IDT32_PA   0x2000u
#define IDT64_PA   0x3000u
#define TSS32_PA   0x4000u
#define TSS64_PA   0x4200u
#define CODE_PA    0x10000u
#define CODE_LEN   256u
#define STACK_TOP  0x80000u
#define USTACK_TOP 0x70000u
#define PT_PA      0x200000u
#define BUDGET     400
#define CASES      4000

enum { M_VM86, M_COMPAT0, M_COMPAT3, M_PROT3, M_LONG3, NB_MODES };

static uint64_t rng_state;
static uint64_t rng(void) { return tm_xorshift64(&rng_state); }

static uint64_t desc(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
    return (limit & 0xffff) | ((uint64_t)(base & 0xffffff) << 16) | ((uint64_t)access << 40) |
           ((uint64_t)((limit >> 16) & 0xf) << 48) | ((uint64_t)(flags & 0xf) << 52) |
           ((uint64_t)(base >> 24) << 56);
}

static void build_tables(void)
{
    memset(tm_ram.ram, 0, 0x300000);
    put8(HANDLER_PA, 0xf4);                     /* hlt */
    put8(HANDLER_PA + 1, 0xeb);                 /* jmp $-3 */
    put8(HANDLER_PA + 2, 0xfd);
    for (int v = 0; v < 256; v++) {
        put32(IDT32_PA + v * 8, (0x08u << 16) | HANDLER_PA);
        put32(IDT32_PA + v * 8 + 4, 0xee00);    /* DPL3 32-bit interrupt gate */
        put32(IDT64_PA + v * 16, (0x18u << 16) | HANDLER_PA);
        put32(IDT64_PA + v * 16 + 4, 0xee00);
    }
    put64(GDT_PA + 0x08, desc(0, 0xfffff, 0x9b, 0xc));   /* code32 */
    put64(GDT_PA + 0x10, desc(0, 0xfffff, 0x93, 0xc));   /* data32 */
    put64(GDT_PA + 0x18, desc(0, 0xfffff, 0x9b, 0xa));   /* code64 */
    put64(GDT_PA + 0x30, desc(0, 0xfffff, 0xfb, 0xc));   /* user code32 */
    put64(GDT_PA + 0x38, desc(0, 0xfffff, 0xf3, 0xc));   /* user data32 */
    put64(GDT_PA + 0x40, desc(0, 0xfffff, 0xfb, 0xa));   /* user code64 */
    put64(GDT_PA + 0x48, desc(TSS32_PA, 0x67, 0x8b, 0));  /* busy 32-bit TSS */
    put64(GDT_PA + 0x50, desc(TSS64_PA, 0x67, 0x8b, 0));  /* busy 64-bit TSS */
    put32(TSS32_PA + 4, STACK_TOP);                      /* ESP0 */
    put32(TSS32_PA + 8, 0x10);                           /* SS0 */
    put16(TSS32_PA + 0x66, 0x68);                        /* no I/O bitmap */
    put64(TSS64_PA + 4, STACK_TOP);                      /* RSP0 */
    put16(TSS64_PA + 0x66, 0x68);
    put64(PT_PA, (PT_PA + 0x1000) | 7);
    put64(PT_PA + 0x1000, (PT_PA + 0x2000) | 7);
    for (uint64_t i = 0; i < (TM_RAM_SIZE >> 21); i++)
        put64(PT_PA + 0x2000 + i * 8, (i << 21) | 0x87);
}

static void flat_segs(uint16_t cs, uint32_t cs_attr, uint16_t ds, uint32_t ds_attr)
{
    x86_set_seg_cache(cpu, R_CS, cs, 0, 0xffffffff, cs_attr);
    for (int s = R_ES; s <= R_GS; s++)
        if (s != R_CS)
            x86_set_seg_cache(cpu, s, ds, 0, 0xffffffff, ds_attr);
}

static void set_mode(int mode, uint64_t opt)
{
    cpu->gdtr.base = GDT_PA;
    cpu->gdtr.limit = 0x57;
    cpu->cr0 = CR0_ET | CR0_PE | CR0_NE;
    cpu->cr4 = (opt & 1) ? (CR4_OSFXSR | CR4_OSXMMEXCPT) : 0;
    cpu->efer = 0;
    cpu->rflags = 0x2;
    cpu->tr = (SegmentCache){ 0x48, TSS32_PA, 0x67, 0x8b };
    cpu->idtr.base = IDT32_PA;
    cpu->idtr.limit = 0x7ff;
    if (mode != M_VM86 && mode != M_PROT3) {
        cpu->cr0 |= CR0_PG;
        cpu->cr3 = PT_PA;
        cpu->cr4 |= CR4_PAE;
        cpu->efer = EFER_LME | EFER_LMA | ((opt & 2) ? EFER_NXE | EFER_SCE : 0);
        cpu->idtr.base = IDT64_PA;
        cpu->idtr.limit = 0xfff;
        cpu->tr = (SegmentCache){ 0x50, TSS64_PA, 0x67, 0x8b };
    }
    switch (mode) {
    case M_VM86:
        if (opt & 4)
            cpu->cr4 |= CR4_VME | ((opt & 8) ? CR4_PVI : 0);
        cpu->rflags |= VM_MASK | ((opt & 16) ? (3u << 12) : 0) | ((opt & 32) ? VIF_MASK : 0);
        for (int s = R_ES; s <= R_GS; s++)
            x86_set_seg_cache(cpu, s, 0, 0, 0xffff, 0xf3);
        x86_set_seg_cache(cpu, R_CS, CODE_PA >> 4, CODE_PA, 0xffff, 0xf3);
        x86_set_seg_cache(cpu, R_SS, USTACK_TOP >> 4, USTACK_TOP, 0xffff, 0xf3);
        cpu->regs[R_ESP] = 0xfff0;
        cpu->rip = 0;
        break;
    case M_COMPAT0:
        flat_segs(0x08, 0xc09b, 0x10, 0xc093);
        cpu->regs[R_ESP] = STACK_TOP;
        cpu->rip = CODE_PA;
        break;
    case M_COMPAT3:
    case M_PROT3:
        flat_segs(0x33, 0xc0fb, 0x3b, 0xc0f3);
        cpu->regs[R_ESP] = USTACK_TOP;
        cpu->rip = CODE_PA;
        cpu->rflags |= (opt & 16) ? (3u << 12) : 0;
        break;
    default:
        flat_segs(0x43, 0xa0fb, 0x3b, 0xc0f3);
        cpu->regs[R_ESP] = USTACK_TOP;
        cpu->rip = CODE_PA;
        break;
    }
    cpu->regs[R_EBX] = 0x20000;
    cpu->regs[R_ESI] = 0x30000;
    cpu->regs[R_EDI] = 0x38000;
    cpu->regs[R_ECX] = (opt & 64) ? 0x10 : 0x3;
    x86_update_hflags(cpu);
    tlb_flush(&cpu->tlb);
}

static void check_invariants(int mode, int c)
{
    ck_assert_msg(cpu->cpl >= 0 && cpu->cpl <= 3, "mode %d case %d: cpl %d", mode, c, cpu->cpl);
    if (cpu->rflags & VM_MASK)
        ck_assert_msg(cpu->cpl == 3, "mode %d case %d: VM=1 at cpl %d", mode, c, cpu->cpl);
    if (cpu->lma && cpu->code64)
        ck_assert_msg(x86_is_canonical(cpu->rip), "mode %d case %d: rip %#llx", mode, c,
                      (unsigned long long)cpu->rip);
    else
        ck_assert_msg(!(cpu->rip >> 32), "mode %d case %d: rip %#llx", mode, c,
                      (unsigned long long)cpu->rip);
}

static void run_mode(int mode, uint64_t seed)
{
    rng_state = seed;
    uint64_t executed = 0;
    for (int c = 0; c < CASES; c++) {
        build_tables();
        for (unsigned i = 0; i < CODE_LEN; i += 8) {
            uint64_t r = rng();
            memcpy(tm_ram.ram + CODE_PA + i, &r, 8);
        }
        x86_cpu_reset(cpu);
        set_mode(mode, rng());
        uint64_t icount0 = cpu->icount;
        x86_cpu_exec(cpu, BUDGET);
        executed += cpu->icount - icount0;
        check_invariants(mode, c);
        (void)runstate_take_request();   /* a triple fault asks for a reset: forget it */
    }
    if (getenv("HOSTILE_VERBOSE"))
        fprintf(stderr, "mode %d: %llu instructions in %d cases\n", mode,
                (unsigned long long)executed, CASES);
    /* the random code did run (not every case died on its first byte) */
    ck_assert_msg(executed > CASES, "mode %d: only %llu instructions", mode,
                  (unsigned long long)executed);
}

START_TEST(test_random_code_vm86) { run_mode(M_VM86, 0x9e3779b97f4a7c15ull); }
END_TEST
START_TEST(test_random_code_compat_cpl0) { run_mode(M_COMPAT0, 0xd1b54a32d192ed03ull); }
END_TEST
START_TEST(test_random_code_compat_cpl3) { run_mode(M_COMPAT3, 0xabcdef0123456789ull); }
END_TEST
START_TEST(test_random_code_prot32_cpl3) { run_mode(M_PROT3, 0x0123456789abcdefull); }
END_TEST
START_TEST(test_random_code_long64_cpl3) { run_mode(M_LONG3, 0x5851f42d4c957f2dull); }
END_TEST

static Suite *hostile_suite(void)
{
    Suite *s = suite_create("hostile-modes");
    TCase *tc = unit_tcase(s, "random", tm_setup, tm_teardown, UNIT_TESTS(
        test_random_code_vm86, test_random_code_compat_cpl0, test_random_code_compat_cpl3,
        test_random_code_prot32_cpl3, test_random_code_long64_cpl3));
    tcase_set_timeout(tc, 120);
    return s;
}

int main(void)
{
    return unit_run_suite(hostile_suite());
}
