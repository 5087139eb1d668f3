/*
 * MMX: the NP 0F 6x/7x/Dx/Ex/Fx forms on the 64-bit MM registers, EMMS,
 * the SSE additions on MM registers (PSHUFW, PINSRW, PEXTRW, PMOVMSKB,
 * PAVGB/W, PMINUB/PMAXUB, PMINSW/PMAXSW, PMULHUW, PSADBW, MOVNTQ,
 * MASKMOVQ), the SSE2 ones (PADDQ, PSUBQ, PMULUDQ) and the conversions
 * between MM and XMM registers (CVT(T)PS2PI, CVT(T)PD2PI, CVTPI2PS/PD).
 *
 * Architectural state: MMn is the low 64 bits (significand) of physical
 * x87 register Rn; writing MMn sets its bits 79:64 to all ones. Every MMX
 * instruction but EMMS sets TOP to 0 and tags every register valid
 * (abridged tag 0xFF); EMMS tags them all empty. Faults: #UD if CR0.EM
 * (or, for the SSE/SSE2 additions but PSHUFW and MOVNTQ, CR4.OSFXSR=0),
 * #NM if CR0.TS, then #MF if an unmasked x87 exception is pending (FSW.ES
 * with CR0.NE; the FERR# line of CR0.NE=0 is not modelled, as for x87).
 * The lane arithmetic is the SSE code's (interp-lanes.h) on the low half.
 * Handlers read every operand before they change any state, so a fault
 * leaves the instruction without effect.
 */
#include <string.h>

#include "target-x86/interp-lanes.h"

#define FSW_ES 0x0080

/* ---- the MM register file and the x87 state it shares ---- */

static uint64_t mm_get(X86CPU *cpu, int n)
{
    return cpu->fpu.st[n & 7].mant;
}

/* Write MMn and enter MMX state (TOP = 0, all tags valid). */
static void mm_set(X86CPU *cpu, int n, uint64_t v)
{
    Float80 *r = &cpu->fpu.st[n & 7];
    r->mant = v;
    r->exp = 0xffff;
}

static void mmx_transition(X86CPU *cpu)
{
    cpu->fpu.top = 0;
    cpu->fpu.ftw = 0xff;
}

/* #MF for a pending unmasked x87 exception. */
static void mmx_check_mf(X86CPU *cpu)
{
    if ((cpu->fpu.fsw & FSW_ES) && (cpu->cr0 & CR0_NE))
        x86_raise_exception(cpu, EXCP_MF);
}

/* The MMX availability checks: #UD (EM), #NM (TS), #MF. */
static void mmx_check(X86CPU *cpu)
{
    if (cpu->cr0 & CR0_EM)
        x86_raise_exception(cpu, EXCP_UD);
    if (cpu->cr0 & CR0_TS)
        x86_raise_exception(cpu, EXCP_NM);
    mmx_check_mf(cpu);
}

/* The SSE and SSE2 additions on MM registers also need CR4.OSFXSR (#UD),
 * except PSHUFW and MOVNTQ (SDM vol. 3 13.1.4). */
static void mmx_check_sse(X86CPU *cpu)
{
    if (!(cpu->cr4 & CR4_OSFXSR) && !(cpu->cr0 & CR0_EM))
        x86_raise_exception(cpu, EXCP_UD);
    mmx_check(cpu);
}

/* Operand i when it is Q (MM register or memory of the operand's size). */
static uint64_t mmx_read_q(X86CPU *cpu, const X86Insn *insn, unsigned i)
{
    if (!insn->is_mem)
        return mm_get(cpu, insn->rm);
    return mem_read(cpu, insn->seg, insn_ea(cpu, insn), insn->opsz[i]);
}

/* Write MM register n and enter MMX state. */
static void mmx_result(X86CPU *cpu, int n, uint64_t v)
{
    mmx_transition(cpu);
    mm_set(cpu, n, v);
}

/* ---- lane operations on 64-bit operands ---- */

/* The 64-bit form of the packed-integer operation 66 0F `opc`. */
static uint64_t mmx_lane_op(uint8_t opc, uint64_t d, uint64_t s)
{
    XMMReg a = { .q = { d, 0 } }, b = { .q = { s, 0 } }, r;
    switch (opc) {
    case 0x68: case 0x69: case 0x6a:
        /* high unpacks: the low unpack of the upper doublewords */
        a.q[0] = d >> 32;
        b.q[0] = s >> 32;
        opc = (uint8_t)(opc - 8);
        break;
    case 0x63: case 0x67: case 0x6b:
        /* packs: d's lanes then s's, from one 128-bit source */
        a.q[1] = s;
        break;
    default:
        break;
    }
    sse_pint_op(opc, &a, &b, &r);
    return r.q[0];
}

/* NP 0F xx Pq,Qq (Pq,Qd for the low unpacks): MMn = MMn op src. */
void h_mmx_pint(X86CPU *cpu, const X86Insn *insn)
{
    if (insn->row->feature != FEAT_NONE)
        mmx_check_sse(cpu);
    else
        mmx_check(cpu);
    uint64_t s = mmx_read_q(cpu, insn, 1);
    mmx_result(cpu, insn->reg, mmx_lane_op(insn->opcode, mm_get(cpu, insn->reg), s));
}

/* NP 0F 71/72/73 /2 /4 /6 Nq,Ib: shifts by an immediate count. */
void h_mmx_shift_imm(X86CPU *cpu, const X86Insn *insn)
{
    static const uint8_t ops[3][8] = {
        { 0, 0, 0xd1, 0, 0xe1, 0, 0xf1, 0 },
        { 0, 0, 0xd2, 0, 0xe2, 0, 0xf2, 0 },
        { 0, 0, 0xd3, 0, 0, 0, 0xf3, 0 },
    };
    mmx_check(cpu);
    uint8_t opc = ops[insn->opcode - 0x71][(insn->modrm >> 3) & 7];
    mmx_result(cpu, insn->rm, mmx_lane_op(opc, mm_get(cpu, insn->rm), (uint8_t)insn->imm));
}

/* NP 0F 70 PSHUFW Pq,Qq,Ib */
void h_mmx_pshufw(X86CPU *cpu, const X86Insn *insn)
{
    mmx_check(cpu);
    XMMReg s = { .q = { mmx_read_q(cpu, insn, 1), 0 } }, r = s;
    sse_pshuf_words(&r, &s, (uint8_t)insn->imm, 0);
    mmx_result(cpu, insn->reg, r.q[0]);
}

/* ---- moves ---- */

/* NP 0F 6E MOVD/MOVQ Py,Ey: zero-extended. */
void h_mmx_movd_load(X86CPU *cpu, const X86Insn *insn)
{
    mmx_check(cpu);
    uint64_t v = opnd_read(cpu, insn, 1) & mask_for(insn->opsz[1]);
    mmx_result(cpu, insn->reg, v);
}

/* NP 0F 7E MOVD/MOVQ Ey,Py */
void h_mmx_movd_store(X86CPU *cpu, const X86Insn *insn)
{
    mmx_check(cpu);
    opnd_write(cpu, insn, 0, mm_get(cpu, insn->reg));
    mmx_transition(cpu);
}

/* NP 0F 6F MOVQ Pq,Qq */
void h_mmx_movq_load(X86CPU *cpu, const X86Insn *insn)
{
    mmx_check(cpu);
    mmx_result(cpu, insn->reg, mmx_read_q(cpu, insn, 1));
}

/* NP 0F 7F MOVQ Qq,Pq and NP 0F E7 MOVNTQ Mq,Pq */
void h_mmx_movq_store(X86CPU *cpu, const X86Insn *insn)
{
    mmx_check(cpu);
    uint64_t v = mm_get(cpu, insn->reg);
    if (insn->is_mem) {
        mem_write(cpu, insn->seg, insn_ea(cpu, insn), v, 8);
        mmx_transition(cpu);
    } else {
        mmx_result(cpu, insn->rm, v);
    }
}

/* NP 0F F7 MASKMOVQ Pq,Nq: the bytes of MMreg whose mask byte has its top
 * bit set go to DS:rDI (segment overridable). */
void h_mmx_maskmovq(X86CPU *cpu, const X86Insn *insn)
{
    mmx_check_sse(cpu);
    uint64_t v = mm_get(cpu, insn->reg), m = mm_get(cpu, insn->rm);
    int seg = insn->seg_override != SEG_NONE ? insn->seg_override : R_DS;
    uint64_t am = addr_mask(insn->addrsize), di = cpu->regs[R_EDI] & am;
    for (int i = 0; i < 8; i++)
        if ((m >> (8 * i + 7)) & 1)
            mem_write(cpu, seg, (di + (uint64_t)i) & am, (v >> (8 * i)) & 0xff, 1);
    mmx_transition(cpu);
}

/* ---- word insert/extract, mask ---- */

/* NP 0F C4 PINSRW Pq,Ew,Ib */
void h_mmx_pinsrw(X86CPU *cpu, const X86Insn *insn)
{
    mmx_check_sse(cpu);
    uint64_t w = opnd_read(cpu, insn, 1) & 0xffff;
    unsigned sh = 16 * (insn->imm & 3);
    uint64_t d = mm_get(cpu, insn->reg);
    mmx_result(cpu, insn->reg, (d & ~(0xffffull << sh)) | (w << sh));
}

/* NP 0F C5 PEXTRW Gd,Nq,Ib */
void h_mmx_pextrw(X86CPU *cpu, const X86Insn *insn)
{
    mmx_check_sse(cpu);
    uint64_t w = (mm_get(cpu, insn->rm) >> (16 * (insn->imm & 3))) & 0xffff;
    set_greg(cpu, insn, insn->reg, insn->opsz[0], w);
    mmx_transition(cpu);
}

/* NP 0F D7 PMOVMSKB Gd,Nq */
void h_mmx_pmovmskb(X86CPU *cpu, const X86Insn *insn)
{
    mmx_check_sse(cpu);
    uint64_t s = mm_get(cpu, insn->rm);
    uint32_t r = 0;
    for (int i = 0; i < 8; i++)
        r |= (uint32_t)((s >> (8 * i + 7)) & 1) << i;
    set_greg(cpu, insn, insn->reg, insn->opsz[0], r);
    mmx_transition(cpu);
}

/* NP 0F 77 EMMS: every x87 register tagged empty (TOP unchanged). */
void h_emms(X86CPU *cpu, const X86Insn *insn)
{
    (void)insn;
    mmx_check(cpu);
    cpu->fpu.ftw = 0;
}

/* ---- conversions between MM and XMM registers ---- */

/* SSE checks, then for an MM register operand the #MF check. */
static void cvt_check(X86CPU *cpu, bool mm_operand)
{
    sse_check(cpu);
    if (mm_operand)
        mmx_check_mf(cpu);
}

/* NP 0F 2A CVTPI2PS Vps,Qq / 66 0F 2A CVTPI2PD Vpd,Qq. With a memory
 * source they are plain SSE instructions (no MMX transition). */
void h_cvt_pi2f(X86CPU *cpu, const X86Insn *insn)
{
    bool mm = !insn->is_mem;
    cvt_check(cpu, mm);
    uint64_t s = mmx_read_q(cpu, insn, 1);
    XMMReg r = cpu->xmm[insn->reg];
    if (insn->row->prefix == PFX_66) {
        for (int i = 0; i < 2; i++) {
            double f = (double)(int32_t)(uint32_t)(s >> (32 * i));
            memcpy(&r.q[i], &f, 8);
        }
    } else {
        unsigned fl = 0;
        for (int i = 0; i < 2; i++)
            r.d[i] = sse_cvt_lane_i32f32(cpu, (int32_t)(uint32_t)(s >> (32 * i)), &fl);
        sse_raise_flags(cpu, fl);
    }
    if (mm)
        mmx_transition(cpu);
    cpu->xmm[insn->reg] = r;
}

/* 0F 2C/2D: CVTTPS2PI / CVTPS2PI Pq,Wq (NP), CVTTPD2PI / CVTPD2PI Pq,Wpd (66) */
void h_cvt_f2pi(X86CPU *cpu, const X86Insn *insn)
{
    cvt_check(cpu, true);
    bool dbl = insn->row->prefix == PFX_66, trunc = insn->opcode == 0x2c;
    XMMReg s;
    sse_read_rm(cpu, insn, &s, dbl ? 16 : 8, true);
    unsigned fl = 0;
    uint64_t r = 0;
    for (int i = 0; i < 2; i++)
        r |= (uint64_t)sse_cvt_lane_f2i32(cpu, &s, i, dbl, trunc, &fl) << (32 * i);
    sse_raise_flags(cpu, fl);
    mmx_result(cpu, insn->reg, r);
}
