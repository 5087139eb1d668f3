/*
 * The KVM accelerator's register layouts (accel/kvm/kvm-regs.c), checked
 * without /dev/kvm: struct kvm_regs order (rax rbx rcx rdx rsi rdi rsp rbp
 * r8-r15), kvm_segment fields against the VMX access-rights bits of
 * SegmentCache, and the FXSAVE image of struct kvm_fpu (ST(i) in stack
 * order = physical register (TOP + i) mod 8, TOP in FSW bits 13:11, the
 * abridged tag word per physical register: Intel SDM vol. 1, 10.5.1).
 */
#include "tests/unit/x86-test-machine.h"

#include <string.h>

#include "accel/kvm/kvm-internal.h"
#include "unit-test.h"

START_TEST(test_gpr_order)
{
    for (int i = 0; i < 16; i++)
        cpu->regs[i] = 0x1000 + i;
    cpu->rip = 0xfeed;
    x86_set_rflags(cpu, 0x2c3, ~0ull);   /* CF ZF SF IF + fixed bit 1 */
    struct kvm_regs r;
    kvm_regs_from_cpu(cpu, &r);
    ck_assert_uint_eq(r.rax, 0x1000 + R_EAX);
    ck_assert_uint_eq(r.rbx, 0x1000 + R_EBX);
    ck_assert_uint_eq(r.rcx, 0x1000 + R_ECX);
    ck_assert_uint_eq(r.rdx, 0x1000 + R_EDX);
    ck_assert_uint_eq(r.rsi, 0x1000 + R_ESI);
    ck_assert_uint_eq(r.rdi, 0x1000 + R_EDI);
    ck_assert_uint_eq(r.rsp, 0x1000 + R_ESP);
    ck_assert_uint_eq(r.rbp, 0x1000 + R_EBP);
    ck_assert_uint_eq(r.r8, 0x1008);
    ck_assert_uint_eq(r.r15, 0x100f);
    ck_assert_uint_eq(r.rip, 0xfeed);
    ck_assert_uint_eq(r.rflags, 0x2c3);

    r.rbx = 0xb0b;
    r.rsp = 0x5a5a;
    r.rflags = 0x246;
    kvm_regs_to_cpu(cpu, &r);
    ck_assert_uint_eq(cpu->regs[R_EBX], 0xb0b);
    ck_assert_uint_eq(cpu->regs[R_ESP], 0x5a5a);
    ck_assert_uint_eq(cpu->regs[R_ECX], 0x1000 + R_ECX);
    ck_assert_uint_eq(x86_get_rflags(cpu), 0x246);
}
END_TEST

START_TEST(test_segments)
{
    /* 64-bit code, DPL0, present, G, accessed; type 0xb */
    SegmentCache cs = { 0x10, 0, 0xffffffff, 0xa09b };
    struct kvm_segment k;
    kvm_seg_from_cache(&cs, &k);
    ck_assert_uint_eq(k.selector, 0x10);
    ck_assert_uint_eq(k.limit, 0xffffffff);
    ck_assert_uint_eq(k.type, 0xb);
    ck_assert(k.s && k.present && k.l && k.g && !k.db && !k.unusable && !k.avl);
    ck_assert_uint_eq(k.dpl, 0);

    /* DPL3 32-bit data with AVL; a null selector loaded in protected mode */
    SegmentCache ds = { 0x2b, 0x12345000, 0xfffff, 0x50f3 };
    kvm_seg_from_cache(&ds, &k);
    ck_assert_uint_eq(k.dpl, 3);
    ck_assert(k.db && k.avl && !k.g && !k.l);
    ck_assert_uint_eq(k.base, 0x12345000);
    SegmentCache back;
    kvm_seg_to_cache(&back, &k);
    ck_assert_uint_eq(back.attr, 0x50f3);
    ck_assert_uint_eq(back.base, 0x12345000);
    ck_assert_uint_eq(back.limit, 0xfffff);
    ck_assert_uint_eq(back.selector, 0x2b);

    SegmentCache null = { 0, 0, 0, SEG_ATTR_UNUSABLE };
    kvm_seg_from_cache(&null, &k);
    ck_assert(k.unusable && !k.present);
    kvm_seg_to_cache(&back, &k);
    ck_assert_uint_eq(back.attr, SEG_ATTR_UNUSABLE);

    /* the reset CS (SDM vol. 3 table 9-1): F000, base FFFF0000, limit FFFF */
    kvm_seg_from_cache(&cpu->seg[R_CS], &k);
    ck_assert_uint_eq(k.selector, 0xf000);
    ck_assert_uint_eq(k.base, 0xffff0000);
    ck_assert_uint_eq(k.limit, 0xffff);
    ck_assert(k.present && k.s && (k.type & 8));
}
END_TEST

START_TEST(test_fpu_stack_order)
{
    X87State *f = &cpu->fpu;
    f->top = 6;
    f->st[6] = (Float80){ 0x8000000000000000ull, 0x3fff };   /* ST0 = 1.0 */
    f->st[7] = (Float80){ 0xc90fdaa22168c235ull, 0x4000 };   /* ST1 = pi */
    f->st[0] = (Float80){ 0xa000000000000000ull, 0xc001 };   /* ST2 = -5.0 */
    f->ftw = 0xc1;          /* R0, R6, R7 valid */
    f->fcw = 0x27f;
    f->fsw = 0x0001;        /* IE */
    f->fop = 0x5e9;
    cpu->xmm[3].q[0] = 0x1122334455667788ull;
    cpu->xmm[3].q[1] = 0x99aabbccddeeff00ull;
    cpu->mxcsr = 0x7f80;

    struct kvm_fpu k;
    kvm_fpu_from_cpu(cpu, &k);
    uint64_t mant;
    uint16_t exp;
    memcpy(&mant, &k.fpr[0][0], 8);
    memcpy(&exp, &k.fpr[0][8], 2);
    ck_assert_uint_eq(mant, 0x8000000000000000ull);
    ck_assert_uint_eq(exp, 0x3fff);
    memcpy(&mant, &k.fpr[1][0], 8);
    ck_assert_uint_eq(mant, 0xc90fdaa22168c235ull);
    memcpy(&exp, &k.fpr[2][8], 2);
    ck_assert_uint_eq(exp, 0xc001);
    ck_assert_uint_eq(k.fsw, 0x3001);       /* TOP=6 in bits 13:11 */
    ck_assert_uint_eq(k.ftwx, 0xc1);        /* per physical register */
    ck_assert_uint_eq(k.fcw, 0x27f);
    ck_assert_uint_eq(k.last_opcode, 0x5e9);
    ck_assert_uint_eq(k.mxcsr, 0x7f80);
    ck_assert_mem_eq(k.xmm[3], cpu->xmm[3].b, 16);

    /* KVM's view after a push: TOP=5, ST0 = 2.0 */
    k.fsw = (uint16_t)((k.fsw & ~0x3800) | (5 << 11));
    memmove(&k.fpr[1], &k.fpr[0], 7 * sizeof(k.fpr[0]));
    mant = 0x8000000000000000ull;
    exp = 0x4000;
    memcpy(&k.fpr[0][0], &mant, 8);
    memcpy(&k.fpr[0][8], &exp, 2);
    k.ftwx |= 0x20;
    memset(cpu->xmm, 0, sizeof(cpu->xmm));
    kvm_fpu_to_cpu(cpu, &k);
    ck_assert_uint_eq(f->top, 5);
    ck_assert_uint_eq(f->st[5].exp, 0x4000);
    ck_assert_uint_eq(f->st[6].exp, 0x3fff);
    ck_assert_uint_eq(f->st[7].mant, 0xc90fdaa22168c235ull);
    ck_assert_uint_eq(f->st[0].exp, 0xc001);
    ck_assert_uint_eq(f->ftw, 0xe1);
    ck_assert_uint_eq(f->fsw & 0x3800, 0);  /* TOP lives in f->top */
    ck_assert_uint_eq(f->fsw & 1, 1);
    ck_assert_uint_eq(cpu->xmm[3].q[1], 0x99aabbccddeeff00ull);
}
END_TEST

int main(void)
{
    return unit_run_tcase("kvm-regs", "layouts", tm_setup, tm_teardown, UNIT_TESTS(
        test_gpr_order, test_segments, test_fpu_stack_order));
}
