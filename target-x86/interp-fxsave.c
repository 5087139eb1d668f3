/*
 * FXSAVE/FXRSTOR (the 512-byte legacy area) and LDMXCSR/STMXCSR.
 * XSAVE/XRSTOR/XGETBV/XSETBV are not implemented (CPUID does not
 * advertise XSAVE/OSXSAVE, so the opcodes stay #UD).
 */
#include "target-x86/interp-sse.h"

static uint16_t fsw_with_top(const X87State *f)
{
    return (uint16_t)((f->fsw & ~0x3800u) | ((unsigned)(f->top & 7) << 11));
}

static uint64_t fxarea(X86CPU *cpu, const X86Insn *insn)
{
    if (cpu->cr0 & (CR0_EM | CR0_TS))
        x86_raise_exception(cpu, EXCP_NM);
    uint64_t ea = insn_ea(cpu, insn);
    sse_check_align(cpu, insn, ea, 16);
    return ea;
}

void h_fxsave(X86CPU *cpu, const X86Insn *insn)
{
    uint64_t ea = fxarea(cpu, insn), m = addr_mask(insn->addrsize);
    const X87State *f = &cpu->fpu;
    int seg = insn->seg;
    bool w64 = insn->rex & 8;
    /* probe the whole area's writability first (first and last byte) */
    mem_write(cpu, seg, (ea + 511) & m, mem_read(cpu, seg, (ea + 511) & m, 1), 1);
    mem_write(cpu, seg, ea, f->fcw, 2);
    mem_write(cpu, seg, (ea + 2) & m, fsw_with_top(f), 2);
    mem_write(cpu, seg, (ea + 4) & m, f->ftw, 1);
    mem_write(cpu, seg, (ea + 5) & m, 0, 1);
    mem_write(cpu, seg, (ea + 6) & m, f->fop, 2);
    if (w64) {
        mem_write(cpu, seg, (ea + 8) & m, f->fip, 8);
        mem_write(cpu, seg, (ea + 16) & m, f->fdp, 8);
    } else {
        mem_write(cpu, seg, (ea + 8) & m, (uint32_t)f->fip, 4);
        mem_write(cpu, seg, (ea + 12) & m, f->fcs, 4);
        mem_write(cpu, seg, (ea + 16) & m, (uint32_t)f->fdp, 4);
        mem_write(cpu, seg, (ea + 20) & m, f->fds, 4);
    }
    mem_write(cpu, seg, (ea + 24) & m, cpu->mxcsr, 4);
    mem_write(cpu, seg, (ea + 28) & m, MXCSR_MASK_VALUE, 4);
    for (int i = 0; i < 8; i++) {
        const Float80 *r = &f->st[(f->top + i) & 7];
        uint64_t a = ea + 32 + 16 * (uint64_t)i;
        mem_write(cpu, seg, a & m, r->mant, 8);
        mem_write(cpu, seg, (a + 8) & m, r->exp, 8);
    }
    int nx = cpu->code64 ? 16 : 8;
    for (int i = 0; i < nx; i++) {
        uint64_t a = ea + 160 + 16 * (uint64_t)i;
        mem_write(cpu, seg, a & m, cpu->xmm[i].q[0], 8);
        mem_write(cpu, seg, (a + 8) & m, cpu->xmm[i].q[1], 8);
    }
}

void h_fxrstor(X86CPU *cpu, const X86Insn *insn)
{
    uint64_t ea = fxarea(cpu, insn), m = addr_mask(insn->addrsize);
    int seg = insn->seg;
    bool w64 = insn->rex & 8;
    uint32_t mxcsr = (uint32_t)mem_read(cpu, seg, (ea + 24) & m, 4);
    if (mxcsr & ~MXCSR_MASK_VALUE)
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    X87State f = cpu->fpu;
    XMMReg x[16];
    int nx = cpu->code64 ? 16 : 8;
    f.fcw = (uint16_t)mem_read(cpu, seg, ea, 2);
    uint16_t fsw = (uint16_t)mem_read(cpu, seg, (ea + 2) & m, 2);
    f.fsw = fsw & ~0x3800u;
    f.top = (fsw >> 11) & 7;
    f.ftw = (uint8_t)mem_read(cpu, seg, (ea + 4) & m, 1);
    f.fop = (uint16_t)mem_read(cpu, seg, (ea + 6) & m, 2) & 0x7ff;
    if (w64) {
        f.fip = mem_read(cpu, seg, (ea + 8) & m, 8);
        f.fdp = mem_read(cpu, seg, (ea + 16) & m, 8);
    } else {
        f.fip = mem_read(cpu, seg, (ea + 8) & m, 4);
        f.fcs = (uint16_t)mem_read(cpu, seg, (ea + 12) & m, 2);
        f.fdp = mem_read(cpu, seg, (ea + 16) & m, 4);
        f.fds = (uint16_t)mem_read(cpu, seg, (ea + 20) & m, 2);
    }
    for (int i = 0; i < 8; i++) {
        uint64_t a = ea + 32 + 16 * (uint64_t)i;
        Float80 *r = &f.st[(f.top + i) & 7];
        r->mant = mem_read(cpu, seg, a & m, 8);
        r->exp = (uint16_t)mem_read(cpu, seg, (a + 8) & m, 2);
    }
    for (int i = 0; i < nx; i++) {
        uint64_t a = ea + 160 + 16 * (uint64_t)i;
        x[i].q[0] = mem_read(cpu, seg, a & m, 8);
        x[i].q[1] = mem_read(cpu, seg, (a + 8) & m, 8);
    }
    cpu->fpu = f;
    cpu->mxcsr = mxcsr;
    for (int i = 0; i < nx; i++)
        cpu->xmm[i] = x[i];
}

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
