/*
 * Unit tests for the x86 system side beyond paging: segment-register loads
 * and their exceptions, LLDT/LTR/LAR/LSL/VERR/VERW, interrupt delivery in
 * real, protected and long mode (pushed frames, new CS:RIP and SS:RSP),
 * #DF escalation and triple fault, far JMP/CALL/RET/IRET through call gates
 * and privilege changes, SYSCALL/SYSRET, SYSENTER/SYSEXIT, task switches,
 * CPUID, MSR and control-register #GP rules.
 */
#include "tests/unit/x86-test-machine.h"

#include "core/runstate.h"
#include "target-x86/cpu-internal.h"
#include "unit-test.h"

#define GDT  0x1000u
#define IDT  0x2000u
#define TSS  0x3000u
#define LDT  0x4000u
#define TSS2 0x5000u
#define TSS64 0x6000u

/* Selectors of the test GDT. */
enum {
    SEL_CODE0 = 0x08, SEL_DATA0 = 0x10, SEL_CODE3 = 0x18, SEL_DATA3 = 0x20,
    SEL_NP = 0x28, SEL_XONLY = 0x30, SEL_TSS = 0x38, SEL_CODE64 = 0x40, SEL_RODATA = 0x48,
    SEL_LDT = 0x50, SEL_GATE = 0x58, SEL_TSS2 = 0x60, SEL_CODE64_3 = 0x68, SEL_TSS64 = 0x70,
    SEL_TASKGATE = 0x80, SEL_CODE16 = 0x88,
};

static uint64_t desc(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
    return (limit & 0xffff) | ((uint64_t)(base & 0xffffff) << 16) | ((uint64_t)access << 40) |
           ((uint64_t)((limit >> 16) & 0xf) << 48) | ((uint64_t)(flags & 0xf) << 52) |
           ((uint64_t)(base >> 24) << 56);
}

static uint64_t gate(uint16_t sel, uint32_t off, uint8_t access, uint8_t params)
{
    return (off & 0xffff) | ((uint64_t)sel << 16) | ((uint64_t)params << 32) |
           ((uint64_t)access << 40) | ((uint64_t)(off >> 16) << 48);
}

static void set_idt32(int vec, uint64_t g)
{
    put64(IDT + vec * 8, g);
}

static void set_idt64(int vec, uint16_t sel, uint64_t off, uint8_t access, int ist)
{
    put64(IDT + vec * 16, gate(sel, (uint32_t)off, access, (uint8_t)ist));
    put64(IDT + vec * 16 + 8, off >> 32);
}

static void build_gdt(void)
{
    put64(GDT + SEL_CODE0, desc(0, 0xfffff, 0x9a, 0xc));
    put64(GDT + SEL_DATA0, desc(0, 0xfffff, 0x92, 0xc));
    put64(GDT + SEL_CODE3, desc(0, 0xfffff, 0xfa, 0xc));
    put64(GDT + SEL_DATA3, desc(0, 0xfffff, 0xf2, 0xc));
    put64(GDT + SEL_NP, desc(0, 0xfffff, 0x12, 0xc));
    put64(GDT + SEL_XONLY, desc(0, 0xfffff, 0x98, 0xc));
    put64(GDT + SEL_TSS, desc(TSS, 0x67, 0x89, 0));
    put64(GDT + SEL_CODE64, desc(0, 0xfffff, 0x9a, 0xa));
    put64(GDT + SEL_RODATA, desc(0x100000, 0xff, 0x90, 0x4));
    put64(GDT + SEL_LDT, desc(LDT, 0xff, 0x82, 0));
    put64(GDT + SEL_GATE, gate(SEL_CODE0, 0x2000, 0xec, 2));        /* 32-bit call gate, DPL 3 */
    put64(GDT + SEL_TSS2, desc(TSS2, 0x67, 0x89, 0));
    put64(GDT + SEL_CODE64_3, desc(0, 0xfffff, 0xfa, 0xa));
    put64(GDT + SEL_TSS64, desc(TSS64, 0x67, 0x89, 0));
    put64(GDT + SEL_TSS64 + 8, 0);
    put64(GDT + SEL_TASKGATE, gate(SEL_TSS2, 0, 0xe5, 0));
    put64(GDT + SEL_CODE16, desc(0x10000, 0xffff, 0x9a, 0));
    put64(LDT + 8, desc(0x20000, 0xffff, 0x92, 0x4));
}

/* Protected mode, CPL 0, flat 32-bit CS/SS/DS, GDT and IDT loaded. */
static void enter_protected(void)
{
    build_gdt();
    cpu->gdtr = (DescTable){ GDT, 0xff };
    cpu->idtr = (DescTable){ IDT, 0x7ff };
    ASSERT_OK(t_write_cr(0, CR0_PE | CR0_ET));
    x86_set_seg_cache(cpu, R_CS, SEL_CODE0, 0, 0xffffffff, 0x9b | SEG_ATTR_DB | SEG_ATTR_G);
    x86_set_seg_cache(cpu, R_SS, SEL_DATA0, 0, 0xffffffff, 0x93 | SEG_ATTR_DB | SEG_ATTR_G);
    x86_set_seg_cache(cpu, R_DS, SEL_DATA0, 0, 0xffffffff, 0x93 | SEG_ATTR_DB | SEG_ATTR_G);
    ck_assert_int_eq(cpu->cpl, 0);
    ck_assert(cpu->code32);
}

static void to_cpl3(uint32_t esp)
{
    x86_set_seg_cache(cpu, R_CS, SEL_CODE3 | 3, 0, 0xffffffff, 0xfb | SEG_ATTR_DB | SEG_ATTR_G);
    x86_set_seg_cache(cpu, R_SS, SEL_DATA3 | 3, 0, 0xffffffff, 0xf3 | SEG_ATTR_DB | SEG_ATTR_G);
    cpu->regs[R_ESP] = esp;
    ck_assert_int_eq(cpu->cpl, 3);
}

DEFINE_TRY(t_lldt, (uint16_t sel), (x86_lldt(cpu, sel), 0))
DEFINE_TRY(t_ltr, (uint16_t sel), (x86_ltr(cpu, sel), 0))
DEFINE_TRY(t_int, (int vec, bool soft, bool has_err, uint32_t err, uint64_t next),
           (x86_do_interrupt(cpu, vec, soft, has_err, err, next), 0))
DEFINE_TRY(t_far_jmp, (uint16_t sel, uint64_t off), (x86_far_jmp(cpu, sel, off, cpu->rip + 7), 0))
DEFINE_TRY(t_far_call, (uint16_t sel, uint64_t off, int opsize, uint64_t next),
           (x86_far_call(cpu, sel, off, opsize, next), 0))
DEFINE_TRY(t_far_ret, (int opsize, uint16_t pop), (x86_far_ret(cpu, opsize, pop), 0))
DEFINE_TRY(t_iret, (int opsize), (x86_iret(cpu, opsize), 0))
DEFINE_TRY(t_syscall, (uint64_t next), (x86_syscall(cpu, next), 0))
DEFINE_TRY(t_sysret, (int opsize), (x86_sysret(cpu, opsize), 0))
DEFINE_TRY(t_sysenter, (void), (x86_sysenter(cpu), 0))
DEFINE_TRY(t_sysexit, (int opsize), (x86_sysexit(cpu, opsize), 0))
DEFINE_TRY(t_write_dr, (int dr, uint64_t val), (x86_write_dr(cpu, dr, val), 0))
DEFINE_TRY(t_read_dr, (int dr), x86_read_dr(cpu, dr))
DEFINE_TRY(t_check_io, (uint16_t port, unsigned size), (x86_check_io(cpu, port, size), 0))

/* What the execution loop does after a longjmp: deliver, maybe again. */
static void run_exception(int vec, uint32_t err)
{
    cpu->exception_vector = vec;
    cpu->exception_error = err;
    cpu->exception_has_error = x86_excp_has_error(vec);
    for (volatile int i = 0; i < 6 && cpu->exception_vector >= 0; i++) {
        if (setjmp(cpu->jmp_env) == 0)
            x86_deliver_exception(cpu);
    }
}

/* ---- segment loads ---- */

START_TEST(test_load_seg_checks)
{
    enter_protected();
    ASSERT_OK(t_load_seg(R_ES, SEL_DATA0));
    ck_assert_uint_eq(cpu->seg[R_ES].limit, 0xffffffff);
    ck_assert_uint_eq(cpu->seg[R_ES].attr, 0x93 | SEG_ATTR_DB | SEG_ATTR_G);
    ck_assert(get64(GDT + SEL_DATA0) & (1ull << 40));        /* accessed bit written */
    ASSERT_OK(t_load_seg(R_ES, 0));
    ck_assert(cpu->seg[R_ES].attr & SEG_ATTR_UNUSABLE);
    ASSERT_FAULT(t_load_seg(R_SS, 0), EXCP_GP, 0);
    ASSERT_FAULT(t_load_seg(R_DS, 0x100), EXCP_GP, 0x100);     /* beyond GDT limit */
    ASSERT_FAULT(t_load_seg(R_DS, SEL_NP), EXCP_NP, SEL_NP);
    ASSERT_FAULT(t_load_seg(R_SS, SEL_NP), EXCP_SS, SEL_NP);
    ASSERT_FAULT(t_load_seg(R_DS, SEL_XONLY), EXCP_GP, SEL_XONLY);
    ASSERT_OK(t_load_seg(R_DS, SEL_CODE0));                    /* readable code */
    ASSERT_FAULT(t_load_seg(R_DS, SEL_TSS), EXCP_GP, SEL_TSS); /* system */
    ASSERT_FAULT(t_load_seg(R_SS, SEL_RODATA), EXCP_GP, SEL_RODATA);
    ASSERT_FAULT(t_load_seg(R_SS, SEL_DATA3 | 3), EXCP_GP, SEL_DATA3);
    ASSERT_FAULT(t_load_seg(R_SS, SEL_DATA0 | 3), EXCP_GP, SEL_DATA0);
    ASSERT_FAULT(t_load_seg(R_SS, SEL_CODE0), EXCP_GP, SEL_CODE0);
    ASSERT_OK(t_load_seg(R_SS, SEL_DATA0));
    /* data with DPL < RPL */
    ASSERT_FAULT(t_load_seg(R_DS, SEL_DATA0 | 3), EXCP_GP, SEL_DATA0);
    /* an LDT selector without an LDT, then with one */
    ASSERT_FAULT(t_load_seg(R_DS, 0x0c), EXCP_GP, 0x0c);
    ASSERT_OK(t_lldt(SEL_LDT));
    ASSERT_OK(t_load_seg(R_DS, 0x0c));
    ck_assert_uint_eq(cpu->seg[R_DS].base, 0x20000);
    /* at CPL 3 */
    to_cpl3(0x8000);
    ASSERT_FAULT(t_load_seg(R_DS, SEL_DATA0), EXCP_GP, SEL_DATA0);
    ASSERT_OK(t_load_seg(R_DS, SEL_DATA3 | 3));
    ASSERT_FAULT(t_lldt(SEL_LDT), EXCP_GP, 0);
    /* real mode: base = selector * 16, limit kept */
    enter_protected();
    ASSERT_OK(t_write_cr(0, CR0_ET));
    ASSERT_OK(t_load_seg(R_DS, 0x1234));
    ck_assert_uint_eq(cpu->seg[R_DS].base, 0x12340);
    ck_assert_uint_eq(cpu->seg[R_DS].limit, 0xffffffff);
    /* a segment nulled in protected mode is usable again in real mode */
    x86_set_seg_cache(cpu, R_ES, 0, 0, 0, SEG_ATTR_UNUSABLE);
    ASSERT_OK(t_load_seg(R_ES, 0x100));
    ck_assert_uint_eq(cpu->seg[R_ES].limit, 0xffff);
    ASSERT_OK(t_read(R_ES, 0xfffe, 2));
    ASSERT_FAULT(t_read(R_ES, 0xffff, 2), EXCP_GP, 0);
}
END_TEST

START_TEST(test_ltr_lldt_and_queries)
{
    uint32_t v = 0;
    enter_protected();
    ASSERT_FAULT(t_ltr(0), EXCP_GP, 0);
    ASSERT_FAULT(t_ltr(SEL_DATA0), EXCP_GP, SEL_DATA0);
    ASSERT_OK(t_ltr(SEL_TSS));
    ck_assert_uint_eq(cpu->tr.base, TSS);
    ck_assert_uint_eq(cpu->tr.attr & 0xf, 0xb);
    ck_assert_uint_eq((get64(GDT + SEL_TSS) >> 40) & 0xf, 0xb);   /* busy in memory */
    ASSERT_FAULT(t_ltr(SEL_TSS), EXCP_GP, SEL_TSS);
    ASSERT_FAULT(t_lldt(SEL_DATA0), EXCP_GP, SEL_DATA0);
    ASSERT_FAULT(t_lldt(0x54), EXCP_GP, 0x54);                      /* TI set */
    ASSERT_OK(t_lldt(0));
    ck_assert(cpu->ldtr.attr & SEG_ATTR_UNUSABLE);

    ck_assert(x86_lar(cpu, SEL_CODE0, &v));
    ck_assert_uint_eq(v & 0x00f0ff00, 0x00c09a00);
    ck_assert(x86_lar(cpu, SEL_NP, &v));                 /* LAR does not check P */
    ck_assert(!x86_lar(cpu, 0, &v));
    ck_assert(x86_lsl(cpu, SEL_DATA0, &v));
    ck_assert_uint_eq(v, 0xffffffff);
    ck_assert(x86_lsl(cpu, SEL_RODATA, &v));
    ck_assert_uint_eq(v, 0xff);
    ck_assert(!x86_lsl(cpu, SEL_GATE, &v));              /* gates have no limit */
    ck_assert(x86_lar(cpu, SEL_GATE, &v));
    ck_assert(!x86_verr(cpu, SEL_XONLY));
    ck_assert(x86_verr(cpu, SEL_CODE0));
    ck_assert(!x86_verw(cpu, SEL_RODATA));
    ck_assert(x86_verw(cpu, SEL_DATA0));
    ck_assert(!x86_verw(cpu, 0x200));                    /* beyond limit */
    to_cpl3(0x8000);
    ck_assert(!x86_lar(cpu, SEL_DATA0, &v));
    ck_assert(!x86_verw(cpu, SEL_DATA0));
    ck_assert(x86_verw(cpu, SEL_DATA3 | 3));
}
END_TEST

/* ---- interrupts ---- */

START_TEST(test_interrupt_real_mode)
{
    put32(0x21 * 4, (0x1234u << 16) | 0x5678);
    x86_set_seg_cache(cpu, R_SS, 0x100, 0x1000, 0xffff, 0x93);
    x86_set_seg_cache(cpu, R_CS, 0xf000, 0xf0000, 0xffff, 0x9b);
    cpu->regs[R_ESP] = 0x2000;
    cpu->rip = 0x100;
    cpu->rflags = 0x2 | IF_MASK | TF_MASK;
    ASSERT_OK(t_int(0x21, true, false, 0, 0x102));
    ck_assert_uint_eq(cpu->regs[R_ESP], 0x1ffa);
    ck_assert_uint_eq(get16(0x1000 + 0x1ffa), 0x102);
    ck_assert_uint_eq(get16(0x1000 + 0x1ffc), 0xf000);
    ck_assert_uint_eq(get16(0x1000 + 0x1ffe), 0x302);
    ck_assert_uint_eq(cpu->seg[R_CS].selector, 0x1234);
    ck_assert_uint_eq(cpu->seg[R_CS].base, 0x12340);
    ck_assert_uint_eq(cpu->rip, 0x5678);
    ck_assert_uint_eq(cpu->rflags & (IF_MASK | TF_MASK), 0);
    /* a fault pushes the faulting rip */
    put32(0 * 4, (0x2000u << 16) | 0x10);
    ASSERT_OK(t_int(0, false, false, 0, 0x9999));
    ck_assert_uint_eq(get16(0x1000 + 0x1ff4), 0x5678);
    ck_assert_uint_eq(cpu->rip, 0x10);
}
END_TEST

START_TEST(test_interrupt_protected_privilege_change)
{
    enter_protected();
    put32(TSS + 4, 0x9000);
    put32(TSS + 8, SEL_DATA0);
    ASSERT_OK(t_ltr(SEL_TSS));
    set_idt32(EXCP_GP, gate(SEL_CODE0, 0x12345678, 0x8e, 0));   /* 32-bit interrupt gate */
    to_cpl3(0x8000);
    cpu->rip = 0x400;
    cpu->rflags = 0x2 | IF_MASK;
    run_exception(EXCP_GP, 0x1234);
    ck_assert_int_eq(cpu->cpl, 0);
    ck_assert_uint_eq(cpu->seg[R_CS].selector, SEL_CODE0);
    ck_assert_uint_eq(cpu->rip, 0x12345678);
    ck_assert_uint_eq(cpu->seg[R_SS].selector, SEL_DATA0);
    ck_assert_uint_eq(cpu->regs[R_ESP], 0x9000 - 24);
    ck_assert_uint_eq(get32(0x9000 - 24), 0x1234);              /* error code */
    ck_assert_uint_eq(get32(0x9000 - 20), 0x400);               /* EIP */
    ck_assert_uint_eq(get32(0x9000 - 16), SEL_CODE3 | 3);       /* CS */
    ck_assert_uint_eq(get32(0x9000 - 12), 0x202);               /* EFLAGS */
    ck_assert_uint_eq(get32(0x9000 - 8), 0x8000);               /* ESP */
    ck_assert_uint_eq(get32(0x9000 - 4), SEL_DATA3 | 3);        /* SS */
    ck_assert_uint_eq(cpu->rflags & IF_MASK, 0);
    ck_assert_int_eq(cpu->exception_vector, -1);
}
END_TEST

START_TEST(test_interrupt_16bit_gate_and_tss)
{
    enter_protected();
    put64(GDT + SEL_TSS, desc(TSS, 0x2b, 0x81, 0));   /* 16-bit TSS */
    put16(TSS + 2, 0x9000);                             /* SP0 */
    put16(TSS + 4, SEL_DATA0);                          /* SS0 */
    ASSERT_OK(t_ltr(SEL_TSS));
    ck_assert_uint_eq(cpu->tr.attr & 0xf, 3);
    set_idt32(0x50, gate(SEL_CODE0, 0x12345678, 0xe6, 0)); /* 16-bit interrupt gate, DPL 3 */
    to_cpl3(0x8000);
    cpu->rflags = 0x2 | IF_MASK;
    ASSERT_OK(t_int(0x50, true, false, 0, 0x1234));
    ck_assert_uint_eq(cpu->rip, 0x5678);                /* 16-bit offset */
    ck_assert_uint_eq(cpu->regs[R_ESP], 0x9000 - 10);
    ck_assert_uint_eq(get16(0x9000 - 10), 0x1234);
    ck_assert_uint_eq(get16(0x9000 - 8), SEL_CODE3 | 3);
    ck_assert_uint_eq(get16(0x9000 - 6), 0x202);
    ck_assert_uint_eq(get16(0x9000 - 4), 0x8000);
    ck_assert_uint_eq(get16(0x9000 - 2), SEL_DATA3 | 3);
    ck_assert_uint_eq(cpu->rflags & IF_MASK, 0);
    /* 16-bit IRET back */
    ASSERT_OK(t_iret(2));
    ck_assert_int_eq(cpu->cpl, 3);
    ck_assert_uint_eq(cpu->rip, 0x1234);
    ck_assert_uint_eq(cpu->regs[R_ESP], 0x8000);
    ck_assert(cpu->rflags & IF_MASK);
}
END_TEST

START_TEST(test_interrupt_protected_gate_checks)
{
    enter_protected();
    set_idt32(0x80, gate(SEL_CODE0, 0x1000, 0x8e, 0));   /* DPL 0 */
    set_idt32(0x81, gate(SEL_CODE3, 0x1000, 0xef, 0));   /* DPL 3 trap gate to DPL 3 code */
    set_idt32(0x30, gate(SEL_CODE0, 0x1000, 0x0e, 0));   /* not present */
    set_idt32(0x31, gate(SEL_CODE0, 0x1000, 0x8c, 0));   /* call gate type: invalid */
    set_idt32(0x32, gate(SEL_NP, 0x1000, 0x8e, 0));      /* data "code" segment */
    to_cpl3(0x8000);
    cpu->rflags = 0x2 | IF_MASK;
    ASSERT_FAULT(t_int(0x80, true, false, 0, 0x10), EXCP_GP, 0x80 * 8 + 2);
    ASSERT_FAULT(t_int(0x30, false, false, 0, 0x10), EXCP_NP, 0x30 * 8 + 3);
    ASSERT_FAULT(t_int(0x31, true, false, 0, 0x10), EXCP_GP, 0x31 * 8 + 2);
    ASSERT_FAULT(t_int(0x32, false, false, 0, 0x10), EXCP_GP, SEL_NP + 1);
    ASSERT_FAULT(t_int(0x100, false, false, 0, 0x10), EXCP_GP, 0x100 * 8 + 3);
    /* same-privilege trap gate: no stack switch, IF kept */
    cpu->rip = 0x50;
    ASSERT_OK(t_int(0x81, true, false, 0, 0x52));
    ck_assert_uint_eq(cpu->regs[R_ESP], 0x8000 - 12);
    ck_assert_uint_eq(get32(0x8000 - 12), 0x52);
    ck_assert(cpu->rflags & IF_MASK);
    ck_assert_int_eq(cpu->cpl, 3);
    /* no room on the stack: #SS */
    x86_set_seg_cache(cpu, R_SS, SEL_DATA3 | 3, 0, 0x7ff5, 0xf3 | SEG_ATTR_DB);
    cpu->regs[R_ESP] = 0x8000;
    ASSERT_FAULT(t_int(0x81, true, false, 0, 0x52), EXCP_SS, 0);
    ck_assert_uint_eq(cpu->regs[R_ESP], 0x8000);
    /* alignment check at CPL 3 */
    x86_set_seg_cache(cpu, R_DS, SEL_DATA3 | 3, 0, 0xffffffff, 0xf3 | SEG_ATTR_DB | SEG_ATTR_G);
    ASSERT_OK(t_read(R_DS, 0x101, 4));
    cpu->rflags |= AC_MASK;
    ASSERT_OK(t_read(R_DS, 0x101, 4));
    ASSERT_OK(t_write_cr(0, cpu->cr0 | CR0_AM));
    to_cpl3(0x8000);
    ASSERT_FAULT(t_read(R_DS, 0x101, 4), EXCP_AC, 0);
    ASSERT_OK(t_read(R_DS, 0x104, 4));
}
END_TEST

/* Identity-map the first 16 MiB with 2 MiB pages and enter long mode. */
static void enter_long(void)
{
    enter_protected();
    put64(0x60000, 0x61000 | 7);
    put64(0x61000, 0x62000 | 7);
    for (int i = 0; i < 8; i++)
        put64(0x62000 + i * 8, (uint64_t)i << 21 | 0x87);
    ASSERT_OK(t_write_cr(4, CR4_PAE));
    ASSERT_OK(t_write_cr(3, 0x60000));
    ck_assert(x86_wrmsr(cpu, MSR_EFER, EFER_LME | EFER_SCE));
    ASSERT_OK(t_write_cr(0, CR0_PE | CR0_ET | CR0_PG));
    x86_set_seg_cache(cpu, R_CS, SEL_CODE64, 0, 0xffffffff, 0x9b | SEG_ATTR_L | SEG_ATTR_G);
    ck_assert(cpu->code64);
    cpu->idtr = (DescTable){ IDT, 0xfff };
}

START_TEST(test_interrupt_long_mode)
{
    enter_long();
    put64(TSS64 + 4, 0x9000);                 /* RSP0 */
    put64(TSS64 + 36, 0xa008);                /* IST1 */
    ASSERT_OK(t_ltr(SEL_TSS64));
    ck_assert_uint_eq(cpu->tr.base, TSS64);
    set_idt64(EXCP_PF, SEL_CODE64, 0xffffffff80001000ull, 0x8e, 0);
    set_idt64(EXCP_NMI, SEL_CODE64, 0x3000, 0x8e, 1);
    x86_set_seg_cache(cpu, R_CS, SEL_CODE64_3 | 3, 0, 0xffffffff, 0xfb | SEG_ATTR_L | SEG_ATTR_G);
    x86_set_seg_cache(cpu, R_SS, SEL_DATA3 | 3, 0, 0xffffffff, 0xf3 | SEG_ATTR_DB | SEG_ATTR_G);
    ck_assert_int_eq(cpu->cpl, 3);
    cpu->regs[R_ESP] = 0x8008;
    cpu->rip = 0x401000;
    cpu->rflags = 0x2 | IF_MASK;
    run_exception(EXCP_PF, 6);
    ck_assert_int_eq(cpu->cpl, 0);
    ck_assert_uint_eq(cpu->rip, 0xffffffff80001000ull);
    ck_assert_uint_eq(cpu->regs[R_ESP], 0x9000 - 48);
    ck_assert_uint_eq(get64(0x9000 - 48), 6);
    ck_assert_uint_eq(get64(0x9000 - 40), 0x401000);
    ck_assert_uint_eq(get64(0x9000 - 32), SEL_CODE64_3 | 3);
    ck_assert_uint_eq(get64(0x9000 - 24), 0x202);
    ck_assert_uint_eq(get64(0x9000 - 16), 0x8008);
    ck_assert_uint_eq(get64(0x9000 - 8), SEL_DATA3 | 3);
    ck_assert_uint_eq(cpu->seg[R_SS].selector, 0);
    ck_assert(cpu->seg[R_SS].attr & SEG_ATTR_UNUSABLE);
    /* the handler pops the error code, then IRETQ back to user */
    cpu->regs[R_ESP] += 8;
    ASSERT_OK(t_iret(8));
    ck_assert_int_eq(cpu->cpl, 3);
    ck_assert_uint_eq(cpu->rip, 0x401000);
    ck_assert_uint_eq(cpu->regs[R_ESP], 0x8008);
    ck_assert(cpu->code64);
    /* NMI through IST1: aligned to 16, pushed even at the same level */
    x86_set_seg_cache(cpu, R_CS, SEL_CODE64, 0, 0xffffffff, 0x9b | SEG_ATTR_L | SEG_ATTR_G);
    x86_set_seg_cache(cpu, R_SS, SEL_DATA0, 0, 0xffffffff, 0x93 | SEG_ATTR_DB | SEG_ATTR_G);
    cpu->regs[R_ESP] = 0x7777;
    x86_cpu_raise_event(cpu, CPU_INTERRUPT_NMI);
    ck_assert(x86_handle_interrupts(cpu));
    ck_assert_uint_eq(cpu->rip, 0x3000);
    ck_assert_uint_eq(cpu->regs[R_ESP], 0xa000 - 40);
    ck_assert_uint_eq(get64(0xa000 - 16), 0x7777);
    ck_assert(cpu->nmi_blocked);
    x86_cpu_raise_event(cpu, CPU_INTERRUPT_NMI);
    ck_assert(!x86_handle_interrupts(cpu));       /* blocked until IRET */
    ASSERT_OK(t_iret(8));
    ck_assert(!cpu->nmi_blocked);
    ck_assert_uint_eq(cpu->regs[R_ESP], 0x7777);
    /* a 32-bit gate type is invalid in long mode */
    set_idt64(0x40, SEL_CODE64, 0x3000, 0x86, 0);
    ASSERT_FAULT(t_int(0x40, false, false, 0, 0), EXCP_GP, 0x40 * 8 + 3);
}
END_TEST

static int ack_vector = -1;
static int test_intr_ack(void *opaque)
{
    return ack_vector;
}

START_TEST(test_handle_interrupts_intr_and_sipi)
{
    enter_protected();
    set_idt32(0x20, gate(SEL_CODE0, 0x4444, 0x8e, 0));
    cpu->intr_ack = test_intr_ack;
    cpu->regs[R_ESP] = 0x8000;
    cpu->rflags = 0x2;
    cpu->halted = true;
    x86_cpu_set_irq_level(cpu, 1);
    ck_assert(!x86_handle_interrupts(cpu));       /* IF = 0 */
    ck_assert(cpu->halted);
    cpu->rflags |= IF_MASK;
    ack_vector = -1;
    ck_assert(!x86_handle_interrupts(cpu));       /* spurious: went away */
    ack_vector = 0x20;
    ck_assert(x86_handle_interrupts(cpu));
    ck_assert(!cpu->halted);
    ck_assert_uint_eq(cpu->rip, 0x4444);
    x86_cpu_set_irq_level(cpu, 0);
    ck_assert_uint_eq(atomic_load(&cpu->interrupt_request) & CPU_INTERRUPT_HARD, 0);

    /* an AP waits for SIPI after INIT */
    X86CPU *ap = x86_cpu_new(&tm_machine, 1);
    ck_assert(ap->halted && ap->wait_sipi);
    ck_assert_uint_eq(ap->apic_base, 0xfee00800);
    ck_assert_uint_eq(cpu->apic_base, 0xfee00900);
    x86_cpu_raise_event(ap, CPU_INTERRUPT_HARD);
    ck_assert(!x86_handle_interrupts(ap));
    ap->sipi_vector = 0x9a;
    x86_cpu_raise_event(ap, CPU_INTERRUPT_SIPI);
    ck_assert(x86_handle_interrupts(ap));
    ck_assert(!ap->halted);
    ck_assert_uint_eq(ap->seg[R_CS].selector, 0x9a00);
    ck_assert_uint_eq(ap->seg[R_CS].base, 0x9a000);
    ck_assert_uint_eq(ap->rip, 0);
    x86_cpu_free(ap);
}
END_TEST

START_TEST(test_double_and_triple_fault)
{
    enter_protected();
    set_idt32(EXCP_GP, gate(SEL_CODE0, 0x1000, 0x0e, 0));     /* not present */
    set_idt32(EXCP_DF, gate(SEL_CODE0, 0xdf00, 0x8e, 0));
    cpu->regs[R_ESP] = 0x8000;
    cpu->rip = 0x123;
    run_exception(EXCP_GP, 0);
    ck_assert_uint_eq(cpu->rip, 0xdf00);
    ck_assert_uint_eq(get32(0x8000 - 16), 0);        /* #DF error code is 0 */
    ck_assert_uint_eq(get32(0x8000 - 12), 0x123);
    ck_assert(!cpu->shutdown);
    /* benign first exception: the second is just delivered */
    set_idt32(EXCP_BR, gate(SEL_CODE0, 0x1000, 0x0e, 0));
    set_idt32(EXCP_NP, gate(SEL_CODE0, 0x2200, 0x8e, 0));
    cpu->regs[R_ESP] = 0x8000;
    run_exception(EXCP_BR, 0);
    ck_assert_uint_eq(cpu->rip, 0x2200);
    ck_assert_uint_eq(get32(0x8000 - 16), EXCP_BR * 8 + 3);
    /* a fault while delivering #DF shuts the CPU down */
    set_idt32(EXCP_DF, gate(SEL_CODE0, 0xdf00, 0x0e, 0));
    cpu->regs[R_ESP] = 0x8000;
    run_exception(EXCP_GP, 0);
    ck_assert(cpu->shutdown);
    ck_assert(cpu->halted);
    ck_assert(runstate_shutdown_pending());
    ck_assert_int_eq(runstate_take_request(), SHUTDOWN_GUEST_PANIC);
    x86_cpu_raise_event(cpu, CPU_INTERRUPT_NMI);
    ck_assert(!x86_handle_interrupts(cpu));
    /* INIT brings the CPU back */
    x86_cpu_raise_event(cpu, CPU_INTERRUPT_INIT);
    ck_assert(x86_handle_interrupts(cpu));
    ck_assert(!cpu->shutdown);
    ck_assert_uint_eq(cpu->rip, 0xfff0);
}
END_TEST

/* ---- far transfers ---- */

START_TEST(test_call_gate_and_far_ret)
{
    enter_protected();
    put32(TSS + 4, 0x9000);
    put32(TSS + 8, SEL_DATA0);
    ASSERT_OK(t_ltr(SEL_TSS));
    x86_set_seg_cache(cpu, R_ES, SEL_DATA0, 0, 0xffffffff, 0x93 | SEG_ATTR_DB | SEG_ATTR_G);
    to_cpl3(0x8000);
    put32(0x8000, 0x11111111);
    put32(0x8004, 0x22222222);
    ASSERT_OK(t_far_call(SEL_GATE | 3, 0xdead, 4, 0x777));
    ck_assert_int_eq(cpu->cpl, 0);
    ck_assert_uint_eq(cpu->rip, 0x2000);
    ck_assert_uint_eq(cpu->seg[R_SS].selector, SEL_DATA0);
    ck_assert_uint_eq(cpu->regs[R_ESP], 0x9000 - 24);
    ck_assert_uint_eq(get32(0x9000 - 24), 0x777);
    ck_assert_uint_eq(get32(0x9000 - 20), SEL_CODE3 | 3);
    ck_assert_uint_eq(get32(0x9000 - 16), 0x11111111);
    ck_assert_uint_eq(get32(0x9000 - 12), 0x22222222);
    ck_assert_uint_eq(get32(0x9000 - 8), 0x8000);
    ck_assert_uint_eq(get32(0x9000 - 4), SEL_DATA3 | 3);
    /* RET 8 to the outer level: ES (DPL 0) is nulled */
    ASSERT_OK(t_far_ret(4, 8));
    ck_assert_int_eq(cpu->cpl, 3);
    ck_assert_uint_eq(cpu->rip, 0x777);
    ck_assert_uint_eq(cpu->regs[R_ESP], 0x8008);
    ck_assert_uint_eq(cpu->seg[R_SS].selector, SEL_DATA3 | 3);
    ck_assert(cpu->seg[R_ES].attr & SEG_ATTR_UNUSABLE);
    /* direct far call to a more privileged nonconforming segment */
    ASSERT_FAULT(t_far_call(SEL_CODE0, 0, 4, 0), EXCP_GP, SEL_CODE0);
    ASSERT_FAULT(t_far_jmp(SEL_NP | 3, 0), EXCP_GP, SEL_NP);
    ASSERT_FAULT(t_far_jmp(0, 0), EXCP_GP, 0);
}
END_TEST

START_TEST(test_far_jmp_call_same_level_and_iret)
{
    enter_protected();
    cpu->regs[R_ESP] = 0x8000;
    ASSERT_OK(t_far_call(SEL_CODE16, 0x1234, 4, 0x55));
    ck_assert_uint_eq(cpu->seg[R_CS].base, 0x10000);
    ck_assert(!cpu->code32);
    ck_assert_uint_eq(get32(0x8000 - 4), SEL_CODE0);
    ck_assert_uint_eq(get32(0x8000 - 8), 0x55);
    ASSERT_FAULT(t_far_jmp(SEL_CODE16, 0x10000), EXCP_GP, 0);   /* beyond limit */
    ASSERT_OK(t_far_ret(4, 0));
    ck_assert(cpu->code32);
    ck_assert_uint_eq(cpu->rip, 0x55);
    /* IRET to the same level */
    cpu->regs[R_ESP] = 0x7000 - 12;
    put32(0x7000 - 12, 0x999);
    put32(0x7000 - 8, SEL_CODE0);
    put32(0x7000 - 4, 0x2 | IF_MASK | IOPL_MASK);
    cpu->rflags = 0x2;
    ASSERT_OK(t_iret(4));
    ck_assert_uint_eq(cpu->rip, 0x999);
    ck_assert_uint_eq(cpu->regs[R_ESP], 0x7000);
    ck_assert_uint_eq(cpu->rflags & (IF_MASK | IOPL_MASK), IF_MASK | IOPL_MASK);
    /* IRET to CPL 3 may not change IOPL from CPL 3 later */
    cpu->regs[R_ESP] = 0x7000 - 20;
    put32(0x7000 - 20, 0x1000);
    put32(0x7000 - 16, SEL_CODE3 | 3);
    put32(0x7000 - 12, 0x2);
    put32(0x7000 - 8, 0x6000);
    put32(0x7000 - 4, SEL_DATA3 | 3);
    ASSERT_OK(t_iret(4));
    ck_assert_int_eq(cpu->cpl, 3);
    ck_assert_uint_eq(cpu->regs[R_ESP], 0x6000);
    ck_assert(cpu->seg[R_DS].attr & SEG_ATTR_UNUSABLE);
    ck_assert_uint_eq(cpu->rflags & IOPL_MASK, 0);
    /* return to a higher privilege level is refused */
    cpu->regs[R_ESP] = 0x5000;
    put32(0x5000, 0x1);
    put32(0x5004, SEL_CODE0);
    put32(0x5008, 0x2);
    ASSERT_FAULT(t_iret(4), EXCP_GP, SEL_CODE0);
}
END_TEST

START_TEST(test_iret_to_vm86_and_back)
{
    enter_protected();
    put32(TSS + 4, 0x9000);
    put32(TSS + 8, SEL_DATA0);
    ASSERT_OK(t_ltr(SEL_TSS));
    set_idt32(0x0d, gate(SEL_CODE0, 0x3333, 0x8e, 0));
    cpu->regs[R_ESP] = 0x7000 - 36;
    uint32_t frame[9] = { 0x100, 0x2000, 0x2 | VM_MASK | IOPL_MASK, 0xfffe, 0x3000,
                          0x4000, 0x5000, 0x6000, 0x7000 };
    for (int i = 0; i < 9; i++)
        put32(0x7000 - 36 + i * 4, frame[i]);
    ASSERT_OK(t_iret(4));
    ck_assert(cpu->rflags & VM_MASK);
    ck_assert_int_eq(cpu->cpl, 3);
    ck_assert_uint_eq(cpu->seg[R_CS].base, 0x20000);
    ck_assert_uint_eq(cpu->seg[R_SS].base, 0x30000);
    ck_assert_uint_eq(cpu->seg[R_GS].selector, 0x7000);
    ck_assert_uint_eq(cpu->regs[R_ESP], 0xfffe);
    ck_assert(!cpu->code32);
    /* #GP from vm86 goes to ring 0 and pushes the data segments */
    run_exception(EXCP_GP, 0);
    ck_assert_int_eq(cpu->cpl, 0);
    ck_assert(!(cpu->rflags & VM_MASK));
    ck_assert_uint_eq(cpu->rip, 0x3333);
    ck_assert_uint_eq(get32(0x9000 - 4), 0x7000);    /* GS */
    ck_assert_uint_eq(get32(0x9000 - 16), 0x4000);   /* ES */
    ck_assert_uint_eq(get32(0x9000 - 20), 0x3000);   /* SS */
    ck_assert_uint_eq(get32(0x9000 - 32), 0x2000);   /* CS */
    ck_assert_uint_eq(get32(0x9000 - 40), 0);        /* error code */
    ck_assert(cpu->seg[R_DS].attr & SEG_ATTR_UNUSABLE);
}
END_TEST

START_TEST(test_syscall_sysret_sysenter)
{
    enter_long();
    cpu->star = ((uint64_t)0x13 << 48) | ((uint64_t)SEL_CODE64 << 32);
    cpu->lstar = 0xffffffff81000000ull;
    cpu->sfmask = IF_MASK;
    cpu->rflags = 0x2 | IF_MASK;
    ASSERT_OK(t_syscall(0x401234));
    ck_assert_uint_eq(cpu->rip, 0xffffffff81000000ull);
    ck_assert_uint_eq(cpu->regs[R_ECX], 0x401234);
    ck_assert_uint_eq(cpu->regs[R_R11], 0x202);
    ck_assert_uint_eq(cpu->seg[R_CS].selector, SEL_CODE64);
    ck_assert_uint_eq(cpu->seg[R_SS].selector, SEL_CODE64 + 8);
    ck_assert_uint_eq(cpu->rflags & IF_MASK, 0);
    ck_assert(cpu->code64);
    ASSERT_OK(t_sysret(8));
    ck_assert_int_eq(cpu->cpl, 3);
    ck_assert_uint_eq(cpu->seg[R_CS].selector, 0x13 + 16);
    ck_assert_uint_eq(cpu->seg[R_SS].selector, 0x1b);
    ck_assert_uint_eq(cpu->rip, 0x401234);
    ck_assert(cpu->rflags & IF_MASK);
    ASSERT_FAULT(t_sysret(8), EXCP_GP, 0);
    cpu->efer &= ~(uint64_t)EFER_SCE;
    ASSERT_FAULT(t_syscall(0), EXCP_UD, 0);
    /* SYSENTER / SYSEXIT (64-bit forms) */
    ASSERT_FAULT(t_sysenter(), EXCP_GP, 0);
    cpu->sysenter_cs = SEL_CODE64;
    cpu->sysenter_esp = 0x9000;
    cpu->sysenter_eip = 0xffffffff81002000ull;
    ASSERT_OK(t_sysenter());
    ck_assert_int_eq(cpu->cpl, 0);
    ck_assert(cpu->code64);
    ck_assert_uint_eq(cpu->rip, 0xffffffff81002000ull);
    cpu->regs[R_ECX] = 0x7000;
    cpu->regs[R_EDX] = 0x400000;
    ASSERT_OK(t_sysexit(8));
    ck_assert_uint_eq(cpu->seg[R_CS].selector, (SEL_CODE64 + 32) | 3);
    ck_assert_uint_eq(cpu->rip, 0x400000);
    ck_assert_uint_eq(cpu->regs[R_ESP], 0x7000);
    ASSERT_FAULT(t_sysexit(8), EXCP_GP, 0);
}
END_TEST

START_TEST(test_task_switch_jmp_and_call)
{
    enter_protected();
    ASSERT_OK(t_ltr(SEL_TSS));
    /* the new task's state */
    put32(TSS2 + 32, 0x4567);                   /* EIP */
    put32(TSS2 + 36, 0x2 | IF_MASK);            /* EFLAGS */
    put32(TSS2 + 40, 0xaaaa);                   /* EAX */
    put32(TSS2 + 56, 0x6000);                   /* ESP */
    put16(TSS2 + 72, SEL_DATA0);                /* ES */
    put16(TSS2 + 76, SEL_CODE0);                /* CS */
    put16(TSS2 + 80, SEL_DATA0);                /* SS */
    put16(TSS2 + 84, SEL_DATA0);                /* DS */
    cpu->regs[R_EAX] = 0x1111;
    cpu->rip = 0x100;
    ASSERT_OK(t_far_call(SEL_TASKGATE, 0, 4, 0x107));
    ck_assert_uint_eq(cpu->tr.selector, SEL_TSS2);
    ck_assert_uint_eq(cpu->rip, 0x4567);
    ck_assert_uint_eq(cpu->regs[R_EAX], 0xaaaa);
    ck_assert_uint_eq(cpu->regs[R_ESP], 0x6000);
    ck_assert(cpu->rflags & NT_MASK);
    ck_assert(cpu->cr0 & CR0_TS);
    ck_assert_uint_eq(get16(TSS2), SEL_TSS);                      /* back link */
    ck_assert_uint_eq(get32(TSS + 32), 0x107);                    /* old EIP saved */
    ck_assert_uint_eq(get32(TSS + 40), 0x1111);
    ck_assert_uint_eq((get64(GDT + SEL_TSS) >> 40) & 0xf, 0xb);   /* caller stays busy */
    ck_assert_uint_eq((get64(GDT + SEL_TSS2) >> 40) & 0xf, 0xb);
    /* calling a busy task is refused */
    ASSERT_FAULT(t_far_call(SEL_TSS2, 0, 4, 0), EXCP_GP, SEL_TSS2);
    /* IRET with NT returns to the caller and frees the callee */
    ASSERT_OK(t_iret(4));
    ck_assert_uint_eq(cpu->tr.selector, SEL_TSS);
    ck_assert_uint_eq(cpu->rip, 0x107);
    ck_assert_uint_eq(cpu->regs[R_EAX], 0x1111);
    ck_assert_uint_eq((get64(GDT + SEL_TSS2) >> 40) & 0xf, 0x9);
    ck_assert(!(get32(TSS2 + 36) & NT_MASK));
}
END_TEST

static void setup_task2(void)
{
    put32(TSS2 + 32, 0x4567);                   /* EIP */
    put32(TSS2 + 36, 0x2);                      /* EFLAGS */
    put32(TSS2 + 40, 0xaaaa);                   /* EAX */
    put32(TSS2 + 56, 0x6000);                   /* ESP */
    put16(TSS2 + 72, SEL_DATA0);                /* ES */
    put16(TSS2 + 76, SEL_CODE0);                /* CS */
    put16(TSS2 + 80, SEL_DATA0);                /* SS */
    put16(TSS2 + 84, SEL_DATA0);                /* DS */
}

START_TEST(test_task_switch_jmp_and_double_fault_task_gate)
{
    enter_protected();
    ASSERT_OK(t_ltr(SEL_TSS));
    setup_task2();
    ASSERT_OK(t_far_jmp(SEL_TSS2, 0));
    ck_assert_uint_eq(cpu->tr.selector, SEL_TSS2);
    ck_assert(!(cpu->rflags & NT_MASK));
    ck_assert_uint_eq((get64(GDT + SEL_TSS) >> 40) & 0xf, 0x9);   /* old task freed */
    ck_assert_uint_eq((get64(GDT + SEL_TSS2) >> 40) & 0xf, 0xb);
    ck_assert_uint_eq(cpu->rip, 0x4567);
    /* a #DF through a task gate: the error code lands on the new task's stack */
    enter_protected();
    put64(GDT + SEL_TSS2, desc(TSS2, 0x67, 0x89, 0));
    ASSERT_OK(t_ltr(SEL_TSS));
    setup_task2();
    set_idt32(EXCP_DF, gate(SEL_TSS2, 0, 0x85, 0));
    set_idt32(EXCP_GP, gate(SEL_CODE0, 0x1000, 0x0e, 0));         /* not present */
    cpu->rip = 0x321;
    run_exception(EXCP_GP, 0);
    ck_assert_uint_eq(cpu->tr.selector, SEL_TSS2);
    ck_assert_uint_eq(cpu->rip, 0x4567);
    ck_assert_uint_eq(cpu->regs[R_ESP], 0x6000 - 4);
    ck_assert_uint_eq(get32(0x6000 - 4), 0);
    ck_assert(cpu->rflags & NT_MASK);
    ck_assert_uint_eq(get16(TSS2), SEL_TSS);
    ck_assert_uint_eq(get32(TSS + 32), 0x321);                    /* faulting EIP saved */
    /* a task gate to a TSS that is not present */
    put64(GDT + SEL_TSS2, desc(TSS2, 0x67, 0x09, 0));
    set_idt32(0x40, gate(SEL_TSS2, 0, 0xe5, 0));
    ASSERT_FAULT(t_int(0x40, true, false, 0, 0), EXCP_NP, SEL_TSS2);
}
END_TEST

/* ---- system registers ---- */

START_TEST(test_cr_dr_rules)
{
    ASSERT_FAULT(t_write_cr(0, CR0_PG | CR0_ET), EXCP_GP, 0);
    ASSERT_FAULT(t_write_cr(0, CR0_PE | CR0_NW), EXCP_GP, 0);
    ASSERT_FAULT(t_write_cr(0, 1ull << 32), EXCP_GP, 0);
    ASSERT_FAULT(t_write_cr(4, 1u << 12), EXCP_GP, 0);             /* LA57 */
    ASSERT_FAULT(t_write_cr(4, 1u << 22), EXCP_GP, 0);             /* PKE: no protection keys */
    ASSERT_FAULT(t_write_cr(4, CR4_MCE), EXCP_GP, 0);              /* no machine check */
    ASSERT_OK(t_write_cr(4, CR4_VME | CR4_PVI));                    /* VME/PVI implemented */
    ASSERT_OK(t_write_cr(4, 0));
    ASSERT_FAULT(t_write_cr(4, CR4_PCIDE), EXCP_GP, 0);            /* needs long mode */
    ASSERT_FAULT(t_write_cr(8, 16), EXCP_GP, 0);
    ASSERT_OK(t_write_cr(8, 5));
    ck_assert_uint_eq(cpu->cr8, 5);
    ASSERT_FAULT(t_write_cr(5, 0), EXCP_UD, 0);
    /* long mode needs PAE */
    ck_assert(x86_wrmsr(cpu, MSR_EFER, EFER_LME));
    ASSERT_FAULT(t_write_cr(0, CR0_PE | CR0_PG | CR0_ET), EXCP_GP, 0);
    ck_assert(!(cpu->efer & EFER_LMA));
    /* CR0.ET is hardwired */
    ASSERT_OK(t_write_cr(0, CR0_PE));
    ck_assert_uint_eq(cpu->cr0, CR0_PE | CR0_ET);
    /* DR4/DR5 alias DR6/DR7 unless CR4.DE */
    ASSERT_OK(t_write_dr(7, 0x1));
    ck_assert_uint_eq(ASSERT_OK(t_read_dr(5)), 0x401);
    ASSERT_OK(t_write_cr(4, CR4_DE));
    ASSERT_FAULT(t_read_dr(4), EXCP_UD, 0);
    ASSERT_FAULT(t_write_dr(7, 1ull << 32), EXCP_GP, 0);
    ck_assert_uint_eq(ASSERT_OK(t_read_dr(6)), 0xffff0ff0);
}
END_TEST

START_TEST(test_msr_rules)
{
    uint64_t v = 0;
    ck_assert(!x86_rdmsr(cpu, 0x12345, &v));
    ck_assert(!x86_wrmsr(cpu, 0x12345, 0));
    ck_assert(!x86_wrmsr(cpu, MSR_EFER, 1u << 1));
    ck_assert(x86_wrmsr(cpu, MSR_EFER, EFER_SCE | EFER_NXE));
    ck_assert(x86_rdmsr(cpu, MSR_EFER, &v));
    ck_assert_uint_eq(v, EFER_SCE | EFER_NXE);
    ck_assert(!x86_wrmsr(cpu, MSR_LSTAR, 0x0000800000000000ull));
    ck_assert(x86_wrmsr(cpu, MSR_LSTAR, 0xffff800000000000ull));
    ck_assert(!x86_wrmsr(cpu, MSR_FS_BASE, 0x1234567812345678ull));
    ck_assert(x86_wrmsr(cpu, MSR_FS_BASE, 0x7f0000001000ull));
    ck_assert_uint_eq(cpu->seg[R_FS].base, 0x7f0000001000ull);
    ck_assert(!x86_wrmsr(cpu, MSR_IA32_PAT, 0x0007040600070402ull));   /* type 2 */
    ck_assert(!x86_wrmsr(cpu, MSR_IA32_PAT, 0x0807040600070406ull));   /* type 8 */
    ck_assert(x86_wrmsr(cpu, MSR_IA32_PAT, 0x0007010600070406ull));
    ck_assert(x86_rdmsr(cpu, MSR_IA32_PAT, &v));
    ck_assert_uint_eq(v, 0x0007010600070406ull);
    ck_assert(x86_rdmsr(cpu, MSR_MTRRcap, &v));
    ck_assert_uint_eq(v & 0xff, 8);
    ck_assert(!x86_wrmsr(cpu, MSR_MTRRcap, 0));
    ck_assert(!x86_wrmsr(cpu, MSR_MTRR_DEF_TYPE, 0x2));
    ck_assert(x86_wrmsr(cpu, MSR_MTRR_DEF_TYPE, 0xc06));
    ck_assert(!x86_wrmsr(cpu, MSR_MTRR_PHYSBASE0 + 1, 0x400));          /* mask low bits */
    ck_assert(x86_wrmsr(cpu, MSR_MTRR_PHYSBASE0 + 1, 0xff80000800ull));
    ck_assert(x86_wrmsr(cpu, MSR_MTRR_PHYSBASE0, 0x80000006));
    ck_assert(x86_wrmsr(cpu, MSR_MTRR_FIX64K, 0x0606060606060606ull));
    ck_assert(!x86_wrmsr(cpu, MSR_MTRR_FIX64K, 0x0606060606060603ull));
    ck_assert(!x86_wrmsr(cpu, MSR_IA32_APIC_BASE, 0xfee00000ull | (1u << 10)));
    ck_assert(x86_wrmsr(cpu, MSR_IA32_APIC_BASE, 0xfec00800ull));
    ck_assert(x86_rdmsr(cpu, MSR_IA32_APIC_BASE, &v));
    ck_assert_uint_eq(v, 0xfec00900ull);                                 /* BSP kept */
    ck_assert(!x86_wrmsr(cpu, MSR_TSC_AUX, 1ull << 32));
    ck_assert(!x86_wrmsr(cpu, MSR_SFMASK, 1ull << 32));
    ck_assert(x86_wrmsr(cpu, MSR_IA32_TSC, 1000000));
    ck_assert(x86_rdmsr(cpu, MSR_IA32_TSC, &v));
    ck_assert(v >= 1000000 && v < 1000000 + 1000000000ull);
    /* EFER.LME cannot change while paging is on */
    ASSERT_OK(t_write_cr(0, CR0_PE | CR0_PG | CR0_ET));
    ck_assert(!x86_wrmsr(cpu, MSR_EFER, EFER_LME));
}
END_TEST

START_TEST(test_cpuid_model)
{
    uint32_t a, b, c, d;
    char vendor[13] = { 0 };
    x86_cpuid(cpu, 0, 0, &a, &b, &c, &d);
    memcpy(vendor, &b, 4);
    memcpy(vendor + 4, &d, 4);
    memcpy(vendor + 8, &c, 4);
    ck_assert_str_eq(vendor, "GenuineIntel");
    ck_assert_uint_ge(a, 7);
    x86_cpuid(cpu, 1, 0, &a, &b, &c, &d);
    ck_assert_uint_eq(a, X86_CPUID_SIGNATURE);
    ck_assert(d & (1u << 26));                 /* SSE2 */
    ck_assert(d & (1u << 13));                 /* PGE */
    ck_assert(c & (1u << 31));                 /* hypervisor */
    ck_assert(c & (1u << 26));                 /* XSAVE (x87 and SSE state) */
    ck_assert(!(c & (1u << 28)));              /* no AVX */
    x86_cpuid(cpu, 7, 0, &a, &b, &c, &d);
    ck_assert(b & (1u << 7));                  /* SMEP */
    ck_assert(b & (1u << 20));                 /* SMAP */
    x86_cpuid(cpu, 0x80000000, 0, &a, &b, &c, &d);
    ck_assert_uint_ge(a, 0x80000008);
    x86_cpuid(cpu, 0x80000001, 0, &a, &b, &c, &d);
    ck_assert(d & (1u << 29));                 /* LM */
    ck_assert(d & (1u << 20));                 /* NX */
    x86_cpuid(cpu, 0x80000008, 0, &a, &b, &c, &d);
    ck_assert_uint_eq(a & 0xffff, 0x3028);
}
END_TEST

START_TEST(test_reset_state)
{
    ck_assert_uint_eq(cpu->rip, 0xfff0);
    ck_assert_uint_eq(cpu->seg[R_CS].selector, 0xf000);
    ck_assert_uint_eq(cpu->seg[R_CS].base, 0xffff0000);
    ck_assert_uint_eq(cpu->cr0, 0x60000010);
    ck_assert_uint_eq(cpu->rflags, 2);
    ck_assert_uint_eq(cpu->regs[R_EDX], X86_CPUID_SIGNATURE);
    ck_assert_uint_eq(cpu->fpu.fcw, 0x37f);
    ck_assert_uint_eq(cpu->mxcsr, 0x1f80);
    ck_assert_uint_eq(cpu->dr[7], 0x400);
    ck_assert_int_eq(cpu->cpl, 0);
    ck_assert(!cpu->code32);
    ck_assert(cpu->as == &tm_machine.system_as);
    ck_assert(cpu->io_as == &tm_machine.io_as);
}
END_TEST

START_TEST(test_io_permission)
{
    enter_protected();
    put16(TSS + 0x66, 0x68);              /* I/O bitmap right after the TSS */
    put8(TSS + 0x68 + 0x60 / 8, 0x01);    /* port 0x60 denied, 0x61 allowed */
    put64(GDT + SEL_TSS, desc(TSS, 0x68 + 0x1000, 0x89, 0));
    ASSERT_OK(t_ltr(SEL_TSS));
    cpu->rflags = 0x2;                    /* IOPL 0 */
    ASSERT_OK(t_check_io(0x60, 1));       /* CPL 0 <= IOPL */
    to_cpl3(0x8000);
    ASSERT_FAULT(t_check_io(0x60, 1), EXCP_GP, 0);
    ASSERT_OK(t_check_io(0x61, 1));
    ASSERT_FAULT(t_check_io(0x5f, 2), EXCP_GP, 0);
    ASSERT_FAULT(t_check_io(0xffff, 1), EXCP_GP, 0);   /* beyond the TSS limit */
    cpu->rflags |= IOPL_MASK;
    ASSERT_OK(t_check_io(0x60, 4));
}
END_TEST

/* ---- hostile tables: random descriptors never crash or hang ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rng(void) { return tm_xorshift64(&rng_state); }

/* A random descriptor that is valid-looking often enough to go deep. */
static uint64_t random_desc(void)
{
    static const uint8_t access[] = { 0x9a, 0x92, 0xfa, 0xf2, 0x89, 0x8b, 0x82, 0x8c, 0xec,
                                      0x85, 0xe5, 0x8e, 0xef, 0x9e, 0x96, 0x00, 0x81, 0x84 };
    uint64_t r = rng();
    if (r & 1)
        return rng();
    uint64_t d = desc((uint32_t)(rng() & 0xffff0), (uint32_t)rng() & 0xfffff,
                      access[(r >> 8) % sizeof(access)], (uint8_t)((r >> 16) & 0xf));
    if (r & 2)   /* gates: point at a random selector */
        d = (d & ~0xffff0000ull) | ((rng() & 0xff) << 16);
    return d;
}

static void randomize_tables(void)
{
    for (unsigned i = 0; i < 32; i++)
        put64(GDT + i * 8, random_desc());
    for (unsigned i = 0; i < 256; i++)
        put64(IDT + i * 8, random_desc());
    for (unsigned i = 0; i < 0x68; i += 4)
        put32(TSS + i, (uint32_t)rng());
    for (unsigned i = 0; i < 0x68; i += 4)
        put32(TSS2 + i, (uint32_t)rng());
}

static void random_mode(void)
{
    static const uint32_t cs_attr[] = { 0x9b | SEG_ATTR_DB, 0xfb | SEG_ATTR_DB, 0x9b, 0xfb };
    uint64_t r = rng();
    cpu->rflags = 0x2 | (rng() & (IF_MASK | IOPL_MASK | NT_MASK | ((r & 0x100) ? VM_MASK : 0)));
    unsigned i = (unsigned)(r % 4);
    uint32_t ss = (cs_attr[i] & ~SEG_ATTR_CODE & ~2u) | 2u;
    x86_set_seg_cache(cpu, R_CS, (uint16_t)(rng() & 0xff), 0, 0xffffffff, cs_attr[i]);
    x86_set_seg_cache(cpu, R_SS, (uint16_t)(rng() & 0xff), 0, 0xffffffff, ss);
    cpu->regs[R_ESP] = rng() & 0xfffff;
    cpu->tr = (SegmentCache){ SEL_TSS, (r & 0x200) ? TSS : TSS2, (uint32_t)(rng() & 0xff),
                              (r & 0x400) ? 0x8b : 0x83 };
    cpu->idtr.limit = (uint32_t)(rng() & 0x7ff);
}

START_TEST(test_hostile_tables)
{
    enter_protected();
    for (int iter = 0; iter < 20000; iter++) {
        if (iter % 64 == 0)
            randomize_tables();
        random_mode();
        uint16_t sel = (uint16_t)(rng() & 0xff);
        Outcome o;
        switch (rng() % 9) {
        case 0: o = t_load_seg((int)(rng() % 6), sel); break;
        case 1: o = t_far_jmp(sel, rng() & 0xffff); break;
        case 2: o = t_far_call(sel, rng() & 0xffff, (rng() & 1) ? 4 : 2, 0x10); break;
        case 3: o = t_far_ret((rng() & 1) ? 4 : 2, (uint16_t)(rng() & 0xf)); break;
        case 4: o = t_iret((rng() & 1) ? 4 : 2); break;
        case 5: o = t_int((int)(rng() & 0xff), rng() & 1, rng() & 1, 0, 0x10); break;
        case 6: o = t_ltr(sel); break;
        case 7: o = t_lldt(sel); break;
        default:
            run_exception((int)(rng() % 20), 0);
            o.vector = -1;
            break;
        }
        ck_assert(o.vector >= -1 && o.vector < 32);
        cpu->shutdown = false;
        cpu->halted = false;
        cpu->delivering_vector = -1;
        ASSERT_OK(t_write_cr(0, CR0_PE | CR0_ET));
        cpu->efer = 0;
        cpu->ldtr = (SegmentCache){ 0, 0, 0, SEG_ATTR_UNUSABLE };
    }
    runstate_take_request();
}
END_TEST

int main(void)
{
    return unit_run_tcase("seg", "system", tm_setup, tm_teardown, UNIT_TESTS(
        test_reset_state, test_load_seg_checks, test_ltr_lldt_and_queries, test_interrupt_real_mode,
        test_interrupt_protected_privilege_change, test_interrupt_protected_gate_checks,
        test_interrupt_16bit_gate_and_tss, test_interrupt_long_mode,
        test_handle_interrupts_intr_and_sipi, test_double_and_triple_fault,
        test_call_gate_and_far_ret, test_far_jmp_call_same_level_and_iret,
        test_iret_to_vm86_and_back, test_syscall_sysret_sysenter, test_task_switch_jmp_and_call,
        test_task_switch_jmp_and_double_fault_task_gate, test_cr_dr_rules, test_msr_rules,
        test_cpuid_model, test_io_permission, test_hostile_tables));
}
