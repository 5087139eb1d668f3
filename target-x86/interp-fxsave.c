/*
 * FXSAVE/FXRSTOR (the 512-byte legacy area) and LDMXCSR/STMXCSR. The
 * legacy-region pieces (interp-xstate.h) are shared with XSAVE/XRSTOR
 * (interp-xsave.c).
 */
#include <string.h>

#include "target-x86/interp-xstate.h"

/* ---- the legacy region, by component ---- */

static uint16_t fsw_with_top(const X87State *f)
{
    return (uint16_t)((f->fsw & ~0x3800u) | ((unsigned)(f->top & 7) << 11));
}

XArea xarea_of(X86CPU *cpu, const X86Insn *insn, uint64_t ea)
{
    (void)cpu;
    XArea a = { .seg = insn->seg, .ea = ea, .mask = addr_mask(insn->addrsize),
                .w64 = (insn->rex & 8) != 0 };
    return a;
}

uint64_t xarea_read(X86CPU *cpu, const XArea *a, unsigned off, unsigned size)
{
    return mem_read(cpu, a->seg, (a->ea + off) & a->mask, size);
}

void xarea_write(X86CPU *cpu, const XArea *a, unsigned off, uint64_t val, unsigned size)
{
    mem_write(cpu, a->seg, (a->ea + off) & a->mask, val, size);
}

void xarea_probe_write(X86CPU *cpu, const XArea *a, unsigned len)
{
    xarea_write(cpu, a, len - 1, xarea_read(cpu, a, len - 1, 1), 1);
    xarea_write(cpu, a, 0, xarea_read(cpu, a, 0, 1), 1);
}

int xstate_nb_xmm(X86CPU *cpu)
{
    return cpu->code64 ? 16 : 8;
}

void xstate_save_x87(X86CPU *cpu, const XArea *a)
{
    const X87State *f = &cpu->fpu;
    xarea_write(cpu, a, 0, f->fcw, 2);
    xarea_write(cpu, a, 2, fsw_with_top(f), 2);
    xarea_write(cpu, a, 4, f->ftw, 1);
    xarea_write(cpu, a, 5, 0, 1);
    xarea_write(cpu, a, 6, f->fop, 2);
    if (a->w64) {
        xarea_write(cpu, a, 8, f->fip, 8);
        xarea_write(cpu, a, 16, f->fdp, 8);
    } else {
        xarea_write(cpu, a, 8, (uint32_t)f->fip, 4);
        xarea_write(cpu, a, 12, f->fcs, 4);
        xarea_write(cpu, a, 16, (uint32_t)f->fdp, 4);
        xarea_write(cpu, a, 20, f->fds, 4);
    }
    for (unsigned i = 0; i < 8; i++) {
        const Float80 *r = &f->st[(f->top + i) & 7];
        xarea_write(cpu, a, 32 + 16 * i, r->mant, 8);
        xarea_write(cpu, a, 40 + 16 * i, r->exp, 8);
    }
}

void xstate_load_x87(X86CPU *cpu, const XArea *a, X87State *f)
{
    *f = cpu->fpu;
    f->fcw = (uint16_t)xarea_read(cpu, a, 0, 2);
    uint16_t fsw = (uint16_t)xarea_read(cpu, a, 2, 2);
    f->fsw = fsw & ~0x3800u;
    f->top = (fsw >> 11) & 7;
    f->ftw = (uint8_t)xarea_read(cpu, a, 4, 1);
    f->fop = (uint16_t)xarea_read(cpu, a, 6, 2) & 0x7ff;
    if (a->w64) {
        f->fip = xarea_read(cpu, a, 8, 8);
        f->fdp = xarea_read(cpu, a, 16, 8);
    } else {
        f->fip = xarea_read(cpu, a, 8, 4);
        f->fcs = (uint16_t)xarea_read(cpu, a, 12, 2);
        f->fdp = xarea_read(cpu, a, 16, 4);
        f->fds = (uint16_t)xarea_read(cpu, a, 20, 2);
    }
    for (unsigned i = 0; i < 8; i++) {
        Float80 *r = &f->st[(f->top + i) & 7];
        r->mant = xarea_read(cpu, a, 32 + 16 * i, 8);
        r->exp = (uint16_t)xarea_read(cpu, a, 40 + 16 * i, 2);
    }
}

void xstate_init_x87(X87State *f)
{
    memset(f, 0, sizeof(*f));
    f->fcw = 0x37f;
}

void xstate_save_mxcsr(X86CPU *cpu, const XArea *a)
{
    xarea_write(cpu, a, 24, cpu->mxcsr, 4);
    xarea_write(cpu, a, 28, MXCSR_MASK_VALUE, 4);
}

uint32_t xstate_load_mxcsr(X86CPU *cpu, const XArea *a)
{
    uint32_t mxcsr = (uint32_t)xarea_read(cpu, a, 24, 4);
    if (mxcsr & ~MXCSR_MASK_VALUE)
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    return mxcsr;
}

void xstate_save_xmm(X86CPU *cpu, const XArea *a)
{
    for (int i = 0; i < xstate_nb_xmm(cpu); i++) {
        xarea_write(cpu, a, 160 + 16 * (unsigned)i, cpu->xmm[i].q[0], 8);
        xarea_write(cpu, a, 168 + 16 * (unsigned)i, cpu->xmm[i].q[1], 8);
    }
}

void xstate_load_xmm(X86CPU *cpu, const XArea *a, XMMReg x[16])
{
    for (int i = 0; i < xstate_nb_xmm(cpu); i++) {
        x[i].q[0] = xarea_read(cpu, a, 160 + 16 * (unsigned)i, 8);
        x[i].q[1] = xarea_read(cpu, a, 168 + 16 * (unsigned)i, 8);
    }
}

/* ---- FXSAVE / FXRSTOR ---- */

static XArea fxarea(X86CPU *cpu, const X86Insn *insn)
{
    if (cpu->cr0 & (CR0_EM | CR0_TS))
        x86_raise_exception(cpu, EXCP_NM);
    uint64_t ea = insn_ea(cpu, insn);
    sse_check_align(cpu, insn, ea, 16);
    return xarea_of(cpu, insn, ea);
}

void h_fxsave(X86CPU *cpu, const X86Insn *insn)
{
    XArea a = fxarea(cpu, insn);
    xarea_probe_write(cpu, &a, 512);
    xstate_save_x87(cpu, &a);
    xstate_save_mxcsr(cpu, &a);
    xstate_save_xmm(cpu, &a);
}

void h_fxrstor(X86CPU *cpu, const X86Insn *insn)
{
    XArea a = fxarea(cpu, insn);
    uint32_t mxcsr = xstate_load_mxcsr(cpu, &a);
    X87State f;
    XMMReg x[16];
    xstate_load_x87(cpu, &a, &f);
    xstate_load_xmm(cpu, &a, x);
    cpu->fpu = f;
    cpu->mxcsr = mxcsr;
    for (int i = 0; i < xstate_nb_xmm(cpu); i++)
        cpu->xmm[i] = x[i];
}

/* ---- LDMXCSR / STMXCSR ---- */

void h_ldmxcsr(X86CPU *cpu, const X86Insn *insn)
{
    sse_check(cpu);
    uint32_t v = (uint32_t)mem_read(cpu, insn->seg, insn_ea(cpu, insn), 4);
    if (v & ~MXCSR_MASK_VALUE)
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    cpu->mxcsr = v;
}

void h_stmxcsr(X86CPU *cpu, const X86Insn *insn)
{
    sse_check(cpu);
    mem_write(cpu, insn->seg, insn_ea(cpu, insn), cpu->mxcsr, 4);
}
