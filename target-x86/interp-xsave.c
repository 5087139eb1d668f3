/*
 * The XSAVE feature set for the x87 and SSE state components (XCR0 bits 0
 * and 1; no AVX): XGETBV/XSETBV, and XSAVE/XSAVEOPT/XRSTOR in the standard
 * form (the compacted form, XSAVEC/XSAVES, is not supported: XRSTOR of a
 * compacted area is #GP). The legacy region is FXSAVE's (interp-xstate.h);
 * the XSAVE header follows at byte 512. XINUSE is not tracked: XSAVE
 * reports every requested component in use, and XSAVEOPT saves like XSAVE
 * (the SDM allows both). CPUID leaf 0xD (cpuid.c) describes this layout.
 */
#include <string.h>

#include "target-x86/interp-xstate.h"

#define XSTATE_X87 1ull
#define XSTATE_SSE 2ull
#define XSTATE_SUPPORTED (XSTATE_X87 | XSTATE_SSE)
#define XSAVE_HDR 512u   /* XSTATE_BV at +0, XCOMP_BV at +8 */

/* #UD unless CR4.OSXSAVE, then #NM if CR0.TS. */
static void xsave_check(X86CPU *cpu)
{
    if (!(cpu->cr4 & CR4_OSXSAVE))
        x86_raise_exception(cpu, EXCP_UD);
    if (cpu->cr0 & CR0_TS)
        x86_raise_exception(cpu, EXCP_NM);
}

/* The checked XSAVE area operand: 64-byte aligned or #GP(0). */
static XArea xsave_area(X86CPU *cpu, const X86Insn *insn)
{
    xsave_check(cpu);
    uint64_t ea = insn_ea(cpu, insn);
    sse_check_align(cpu, insn, ea, 64);
    return xarea_of(cpu, insn, ea);
}

/* The requested-feature bitmap: EDX:EAX AND XCR0. */
static uint64_t xsave_rfbm(X86CPU *cpu)
{
    uint64_t mask = (cpu->regs[R_EDX] << 32) | (uint32_t)cpu->regs[R_EAX];
    return mask & cpu->xcr0;
}

static void do_xsave(X86CPU *cpu, const X86Insn *insn)
{
    XArea a = xsave_area(cpu, insn);
    uint64_t rfbm = xsave_rfbm(cpu);
    xarea_probe_write(cpu, &a, XSAVE_HDR + 8);
    uint64_t bv = xarea_read(cpu, &a, XSAVE_HDR, 8);
    if (rfbm & XSTATE_X87)
        xstate_save_x87(cpu, &a);
    if (rfbm & XSTATE_SSE) {
        xstate_save_mxcsr(cpu, &a);
        xstate_save_xmm(cpu, &a);
    }
    /* XSTATE_BV: requested components in use (= all), others unchanged */
    xarea_write(cpu, &a, XSAVE_HDR, bv | rfbm, 8);
}

void h_xsave(X86CPU *cpu, const X86Insn *insn)
{
    do_xsave(cpu, insn);
}

void h_xsaveopt(X86CPU *cpu, const X86Insn *insn)
{
    do_xsave(cpu, insn);
}

void h_xrstor(X86CPU *cpu, const X86Insn *insn)
{
    XArea a = xsave_area(cpu, insn);
    uint64_t rfbm = xsave_rfbm(cpu);
    uint64_t bv = xarea_read(cpu, &a, XSAVE_HDR, 8);
    uint64_t comp = xarea_read(cpu, &a, XSAVE_HDR + 8, 8);
    uint64_t rsvd = xarea_read(cpu, &a, XSAVE_HDR + 16, 8);
    /* standard form only: XCOMP_BV and header bytes 23:16 zero, and
     * XSTATE_BV within XCR0 */
    if (comp || rsvd || (bv & ~cpu->xcr0))
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    X87State f = cpu->fpu;
    XMMReg x[16];
    memcpy(x, cpu->xmm, sizeof(x));
    uint32_t mxcsr = cpu->mxcsr;
    int nx = xstate_nb_xmm(cpu);
    if (rfbm & XSTATE_X87) {
        if (bv & XSTATE_X87)
            xstate_load_x87(cpu, &a, &f);
        else
            xstate_init_x87(&f);
    }
    if (rfbm & XSTATE_SSE) {
        /* the standard form loads MXCSR whatever XSTATE_BV[1] says */
        mxcsr = xstate_load_mxcsr(cpu, &a);
        if (bv & XSTATE_SSE)
            xstate_load_xmm(cpu, &a, x);
        else
            memset(x, 0, sizeof(XMMReg) * (size_t)nx);
    }
    cpu->fpu = f;
    cpu->mxcsr = mxcsr;
    memcpy(cpu->xmm, x, sizeof(XMMReg) * (size_t)nx);
}

/* 0F 01 D0 XGETBV: EDX:EAX = XCR[ECX]; only XCR0 exists. */
void h_xgetbv(X86CPU *cpu, const X86Insn *insn)
{
    (void)insn;
    if (!(cpu->cr4 & CR4_OSXSAVE))
        x86_raise_exception(cpu, EXCP_UD);
    if ((uint32_t)cpu->regs[R_ECX] != 0)
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    cpu->regs[R_EAX] = (uint32_t)cpu->xcr0;
    cpu->regs[R_EDX] = (uint32_t)(cpu->xcr0 >> 32);
}

/* 0F 01 D1 XSETBV: XCR[ECX] = EDX:EAX at CPL 0; XCR0 needs bit 0 (x87)
 * and no unsupported bit. */
void h_xsetbv(X86CPU *cpu, const X86Insn *insn)
{
    (void)insn;
    if (!(cpu->cr4 & CR4_OSXSAVE))
        x86_raise_exception(cpu, EXCP_UD);
    require_cpl0(cpu);
    uint64_t v = (cpu->regs[R_EDX] << 32) | (uint32_t)cpu->regs[R_EAX];
    if ((uint32_t)cpu->regs[R_ECX] != 0 || !(v & XSTATE_X87) || (v & ~XSTATE_SUPPORTED))
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    cpu->xcr0 = v;
}
