/*
 * SSE/SSE2 data movement, logic, packed-integer arithmetic, compares,
 * shuffles, unpacks, shifts and mask extraction (the forms glibc's string
 * functions use). Rows in insn-table-sse.def. The lane operations are
 * shared with the MMX forms (interp-mmx.c) through interp-lanes.h.
 */
#include <string.h>

#include "target-x86/interp-lanes.h"

/* ---- shared helpers ---- */

void sse_mem_load(X86CPU *cpu, int seg, uint64_t ea, XMMReg *v, unsigned size)
{
    memset(v, 0, sizeof(*v));
    if (size == 16) {
        uint64_t lo = mem_read(cpu, seg, ea, 8);
        uint64_t hi = mem_read(cpu, seg, ea + 8, 8);
        v->q[0] = lo;
        v->q[1] = hi;
    } else {
        v->q[0] = mem_read(cpu, seg, ea, size);
    }
}

void sse_mem_store(X86CPU *cpu, int seg, uint64_t ea, const XMMReg *v, unsigned size)
{
    if (size == 16) {
        uint64_t last = mem_read(cpu, seg, ea + 15, 1);
        mem_write(cpu, seg, ea + 15, last, 1);
        mem_write(cpu, seg, ea, v->q[0], 8);
        mem_write(cpu, seg, ea + 8, v->q[1], 8);
    } else {
        mem_write(cpu, seg, ea, size == 8 ? v->q[0] : v->d[0], size);
    }
}

void sse_read_rm(X86CPU *cpu, const X86Insn *insn, XMMReg *v, unsigned size, bool align)
{
    if (!insn->is_mem) {
        *v = cpu->xmm[insn->rm];
        return;
    }
    uint64_t ea = insn_ea(cpu, insn);
    if (align && size == 16)
        sse_check_align(cpu, insn, ea, 16);
    sse_mem_load(cpu, insn->seg, ea, v, size);
}

void sse_raise_flags(X86CPU *cpu, unsigned flags)
{
    flags &= 0x3f;
    cpu->mxcsr |= flags;
    if (flags & ~(cpu->mxcsr >> 7) & 0x3f)
        x86_raise_exception(cpu, (cpu->cr4 & CR4_OSXMMEXCPT) ? EXCP_XM : EXCP_UD);
}

static XMMReg *vreg(X86CPU *cpu, const X86Insn *insn)
{
    return &cpu->xmm[insn->reg];
}

/* ---- moves ---- */

/* Full 128-bit load/store: MOVAPS/MOVUPS/MOVAPD/MOVUPD/MOVDQA/MOVDQU/MOVNTxx. */
static void move128(X86CPU *cpu, const X86Insn *insn, bool to_rm, bool align)
{
    sse_check(cpu);
    if (!to_rm) {
        XMMReg v;
        sse_read_rm(cpu, insn, &v, 16, align);
        *vreg(cpu, insn) = v;
    } else if (insn->is_mem) {
        uint64_t ea = insn_ea(cpu, insn);
        if (align)
            sse_check_align(cpu, insn, ea, 16);
        sse_mem_store(cpu, insn->seg, ea, vreg(cpu, insn), 16);
    } else {
        cpu->xmm[insn->rm] = *vreg(cpu, insn);
    }
}

void h_movu_load(X86CPU *cpu, const X86Insn *insn) { move128(cpu, insn, false, false); }
void h_movu_store(X86CPU *cpu, const X86Insn *insn) { move128(cpu, insn, true, false); }
void h_mova_load(X86CPU *cpu, const X86Insn *insn) { move128(cpu, insn, false, true); }
void h_mova_store(X86CPU *cpu, const X86Insn *insn) { move128(cpu, insn, true, true); }

/* MOVSS/MOVSD: register form merges the low element, load zero-extends. */
static void move_scalar(X86CPU *cpu, const X86Insn *insn, unsigned size, bool to_rm)
{
    sse_check(cpu);
    XMMReg *d = to_rm ? (insn->is_mem ? NULL : &cpu->xmm[insn->rm]) : vreg(cpu, insn);
    const XMMReg *s = to_rm ? vreg(cpu, insn) : (insn->is_mem ? NULL : &cpu->xmm[insn->rm]);
    if (!d) {
        sse_mem_store(cpu, insn->seg, insn_ea(cpu, insn), s, size);
    } else if (!s) {
        XMMReg v;
        sse_mem_load(cpu, insn->seg, insn_ea(cpu, insn), &v, size);
        *d = v;
    } else {
        memcpy(d->b, s->b, size);
    }
}

void h_movss_load(X86CPU *cpu, const X86Insn *insn) { move_scalar(cpu, insn, 4, false); }
void h_movss_store(X86CPU *cpu, const X86Insn *insn) { move_scalar(cpu, insn, 4, true); }
void h_movsd_load(X86CPU *cpu, const X86Insn *insn) { move_scalar(cpu, insn, 8, false); }
void h_movsd_store(X86CPU *cpu, const X86Insn *insn) { move_scalar(cpu, insn, 8, true); }

/* MOVLPS/MOVLPD/MOVHPS/MOVHPD: one qword between memory and a half. */
static void move_half(X86CPU *cpu, const X86Insn *insn, int half, bool store)
{
    sse_check(cpu);
    uint64_t ea = insn_ea(cpu, insn);
    if (store)
        mem_write(cpu, insn->seg, ea, vreg(cpu, insn)->q[half], 8);
    else
        vreg(cpu, insn)->q[half] = mem_read(cpu, insn->seg, ea, 8);
}

void h_movlp_load(X86CPU *cpu, const X86Insn *insn) { move_half(cpu, insn, 0, false); }
void h_movlp_store(X86CPU *cpu, const X86Insn *insn) { move_half(cpu, insn, 0, true); }
void h_movhp_load(X86CPU *cpu, const X86Insn *insn) { move_half(cpu, insn, 1, false); }
void h_movhp_store(X86CPU *cpu, const X86Insn *insn) { move_half(cpu, insn, 1, true); }

void h_movhlps(X86CPU *cpu, const X86Insn *insn)
{
    sse_check(cpu);
    vreg(cpu, insn)->q[0] = cpu->xmm[insn->rm].q[1];
}

void h_movlhps(X86CPU *cpu, const X86Insn *insn)
{
    sse_check(cpu);
    vreg(cpu, insn)->q[1] = cpu->xmm[insn->rm].q[0];
}

/* MOVD/MOVQ xmm <- r/m32/64 (zero-extended). */
void h_movd_to_xmm(X86CPU *cpu, const X86Insn *insn)
{
    sse_check(cpu);
    uint64_t v = opnd_read(cpu, insn, 1);
    XMMReg *d = vreg(cpu, insn);
    memset(d, 0, sizeof(*d));
    d->q[0] = v & mask_for(insn->opsz[1]);
}

/* MOVD/MOVQ r/m32/64 <- xmm. */
void h_movd_from_xmm(X86CPU *cpu, const X86Insn *insn)
{
    sse_check(cpu);
    opnd_write(cpu, insn, 0, vreg(cpu, insn)->q[0]);
}

/* F3 0F 7E MOVQ xmm, xmm/m64 (zero-extends). */
void h_movq_load(X86CPU *cpu, const X86Insn *insn)
{
    sse_check(cpu);
    XMMReg v;
    sse_read_rm(cpu, insn, &v, 8, false);
    v.q[1] = 0;
    *vreg(cpu, insn) = v;
}

/* 66 0F D6 MOVQ xmm/m64, xmm: register destination zero-extends. */
void h_movq_store(X86CPU *cpu, const X86Insn *insn)
{
    sse_check(cpu);
    if (insn->is_mem) {
        mem_write(cpu, insn->seg, insn_ea(cpu, insn), vreg(cpu, insn)->q[0], 8);
    } else {
        cpu->xmm[insn->rm].q[0] = vreg(cpu, insn)->q[0];
        cpu->xmm[insn->rm].q[1] = 0;
    }
}

/* MOVNTI: a plain store of a general register. */
void h_movnti(X86CPU *cpu, const X86Insn *insn)
{
    opnd_write(cpu, insn, 0, opnd_read(cpu, insn, 1));
}

/* MASKMOVDQU: byte stores to DS:rDI selected by the mask's top bits. */
void h_maskmovdqu(X86CPU *cpu, const X86Insn *insn)
{
    sse_check(cpu);
    const XMMReg *v = vreg(cpu, insn), *m = &cpu->xmm[insn->rm];
    int seg = insn->seg_override != SEG_NONE ? insn->seg_override : R_DS;
    uint64_t di = cpu->regs[R_EDI] & addr_mask(insn->addrsize);
    for (int i = 0; i < 16; i++)
        if (m->b[i] & 0x80)
            mem_write(cpu, seg, (di + i) & addr_mask(insn->addrsize), v->b[i], 1);
}

/* ---- mask extraction, word insert/extract ---- */

void h_pmovmskb(X86CPU *cpu, const X86Insn *insn)
{
    sse_check(cpu);
    const XMMReg *s = &cpu->xmm[insn->rm];
    uint32_t r = 0;
    for (int i = 0; i < 16; i++)
        r |= (uint32_t)(s->b[i] >> 7) << i;
    set_greg(cpu, insn, insn->reg, insn->opsz[0], r);
}

void h_movmskps(X86CPU *cpu, const X86Insn *insn)
{
    sse_check(cpu);
    const XMMReg *s = &cpu->xmm[insn->rm];
    uint32_t r = 0;
    for (int i = 0; i < 4; i++)
        r |= (s->d[i] >> 31) << i;
    set_greg(cpu, insn, insn->reg, insn->opsz[0], r);
}

void h_movmskpd(X86CPU *cpu, const X86Insn *insn)
{
    sse_check(cpu);
    const XMMReg *s = &cpu->xmm[insn->rm];
    uint32_t r = (uint32_t)(s->q[0] >> 63) | (uint32_t)(s->q[1] >> 63) << 1;
    set_greg(cpu, insn, insn->reg, insn->opsz[0], r);
}

void h_pextrw(X86CPU *cpu, const X86Insn *insn)
{
    sse_check(cpu);
    uint16_t w = cpu->xmm[insn->rm].w[insn->imm & 7];
    set_greg(cpu, insn, insn->reg, insn->opsz[0], w);
}

void h_pinsrw(X86CPU *cpu, const X86Insn *insn)
{
    sse_check(cpu);
    uint16_t w = (uint16_t)opnd_read(cpu, insn, 1);
    vreg(cpu, insn)->w[insn->imm & 7] = w;
}

/* ---- packed integer binary operations (66 0F xx Vx,Wx) ---- */

static int8_t sat8(int v) { return v > 127 ? 127 : v < -128 ? -128 : (int8_t)v; }
static uint8_t satu8(int v) { return v > 255 ? 255 : v < 0 ? 0 : (uint8_t)v; }
static int16_t sat16(int v) { return v > 32767 ? 32767 : v < -32768 ? -32768 : (int16_t)v; }
static uint16_t satu16(int v) { return v > 65535 ? 65535 : v < 0 ? 0 : (uint16_t)v; }

static void pack_unpack(uint8_t opc, XMMReg *d, const XMMReg *s, XMMReg *r)
{
    switch (opc) {
    case 0x60: for (int i = 0; i < 8; i++) { r->b[2 * i] = d->b[i]; r->b[2 * i + 1] = s->b[i]; } break;
    case 0x61: for (int i = 0; i < 4; i++) { r->w[2 * i] = d->w[i]; r->w[2 * i + 1] = s->w[i]; } break;
    case 0x62: for (int i = 0; i < 2; i++) { r->d[2 * i] = d->d[i]; r->d[2 * i + 1] = s->d[i]; } break;
    case 0x68: for (int i = 0; i < 8; i++) { r->b[2 * i] = d->b[8 + i]; r->b[2 * i + 1] = s->b[8 + i]; } break;
    case 0x69: for (int i = 0; i < 4; i++) { r->w[2 * i] = d->w[4 + i]; r->w[2 * i + 1] = s->w[4 + i]; } break;
    case 0x6a: for (int i = 0; i < 2; i++) { r->d[2 * i] = d->d[2 + i]; r->d[2 * i + 1] = s->d[2 + i]; } break;
    case 0x6c: r->q[0] = d->q[0]; r->q[1] = s->q[0]; break;
    case 0x6d: r->q[0] = d->q[1]; r->q[1] = s->q[1]; break;
    case 0x63:
        for (int i = 0; i < 8; i++) {
            r->b[i] = (uint8_t)sat8((int16_t)d->w[i]);
            r->b[8 + i] = (uint8_t)sat8((int16_t)s->w[i]);
        }
        break;
    case 0x67:
        for (int i = 0; i < 8; i++) {
            r->b[i] = satu8((int16_t)d->w[i]);
            r->b[8 + i] = satu8((int16_t)s->w[i]);
        }
        break;
    case 0x6b:
        for (int i = 0; i < 4; i++) {
            r->w[i] = (uint16_t)sat16((int32_t)d->d[i]);
            r->w[4 + i] = (uint16_t)sat16((int32_t)s->d[i]);
        }
        break;
    }
}

/* Shift counts from an XMM/m128 operand: the low 64 bits. */
static void shift_by(uint8_t opc, XMMReg *r, uint64_t n)
{
    switch (opc) {
    case 0xd1: for (int i = 0; i < 8; i++) r->w[i] = n > 15 ? 0 : (uint16_t)(r->w[i] >> n); break;
    case 0xd2: for (int i = 0; i < 4; i++) r->d[i] = n > 31 ? 0 : r->d[i] >> n; break;
    case 0xd3: for (int i = 0; i < 2; i++) r->q[i] = n > 63 ? 0 : r->q[i] >> n; break;
    case 0xe1: for (int i = 0; i < 8; i++) r->w[i] = (uint16_t)((int16_t)r->w[i] >> (n > 15 ? 15 : n)); break;
    case 0xe2: for (int i = 0; i < 4; i++) r->d[i] = (uint32_t)((int32_t)r->d[i] >> (n > 31 ? 31 : n)); break;
    case 0xf1: for (int i = 0; i < 8; i++) r->w[i] = n > 15 ? 0 : (uint16_t)(r->w[i] << n); break;
    case 0xf2: for (int i = 0; i < 4; i++) r->d[i] = n > 31 ? 0 : r->d[i] << n; break;
    case 0xf3: for (int i = 0; i < 2; i++) r->q[i] = n > 63 ? 0 : r->q[i] << n; break;
    }
}

void sse_pint_op(uint8_t opc, const XMMReg *d, const XMMReg *s, XMMReg *r)
{
    *r = *d;
    switch (opc) {
    case 0x60: case 0x61: case 0x62: case 0x63: case 0x67: case 0x68: case 0x69:
    case 0x6a: case 0x6b: case 0x6c: case 0x6d:
        pack_unpack(opc, (XMMReg *)d, s, r);
        break;
    case 0x64: for (int i = 0; i < 16; i++) r->b[i] = (int8_t)d->b[i] > (int8_t)s->b[i] ? 0xff : 0; break;
    case 0x65: for (int i = 0; i < 8; i++) r->w[i] = (int16_t)d->w[i] > (int16_t)s->w[i] ? 0xffff : 0; break;
    case 0x66: for (int i = 0; i < 4; i++) r->d[i] = (int32_t)d->d[i] > (int32_t)s->d[i] ? ~0u : 0; break;
    case 0x74: for (int i = 0; i < 16; i++) r->b[i] = d->b[i] == s->b[i] ? 0xff : 0; break;
    case 0x75: for (int i = 0; i < 8; i++) r->w[i] = d->w[i] == s->w[i] ? 0xffff : 0; break;
    case 0x76: for (int i = 0; i < 4; i++) r->d[i] = d->d[i] == s->d[i] ? ~0u : 0; break;
    case 0xd1: case 0xd2: case 0xd3: case 0xe1: case 0xe2: case 0xf1: case 0xf2: case 0xf3:
        shift_by(opc, r, s->q[0]);
        break;
    case 0xd4: for (int i = 0; i < 2; i++) r->q[i] = d->q[i] + s->q[i]; break;
    case 0xd5: for (int i = 0; i < 8; i++) r->w[i] = (uint16_t)((int16_t)d->w[i] * (int16_t)s->w[i]); break;
    case 0xd8: for (int i = 0; i < 16; i++) r->b[i] = satu8(d->b[i] - s->b[i]); break;
    case 0xd9: for (int i = 0; i < 8; i++) r->w[i] = satu16(d->w[i] - s->w[i]); break;
    case 0xda: for (int i = 0; i < 16; i++) r->b[i] = d->b[i] < s->b[i] ? d->b[i] : s->b[i]; break;
    case 0xdb: for (int i = 0; i < 2; i++) r->q[i] = d->q[i] & s->q[i]; break;
    case 0xdc: for (int i = 0; i < 16; i++) r->b[i] = satu8(d->b[i] + s->b[i]); break;
    case 0xdd: for (int i = 0; i < 8; i++) r->w[i] = satu16(d->w[i] + s->w[i]); break;
    case 0xde: for (int i = 0; i < 16; i++) r->b[i] = d->b[i] > s->b[i] ? d->b[i] : s->b[i]; break;
    case 0xdf: for (int i = 0; i < 2; i++) r->q[i] = ~d->q[i] & s->q[i]; break;
    case 0xe0: for (int i = 0; i < 16; i++) r->b[i] = (uint8_t)((d->b[i] + s->b[i] + 1) >> 1); break;
    case 0xe3: for (int i = 0; i < 8; i++) r->w[i] = (uint16_t)((d->w[i] + s->w[i] + 1) >> 1); break;
    case 0xe4: for (int i = 0; i < 8; i++) r->w[i] = (uint16_t)(((uint32_t)d->w[i] * s->w[i]) >> 16); break;
    case 0xe5: for (int i = 0; i < 8; i++) r->w[i] = (uint16_t)(((int32_t)(int16_t)d->w[i] * (int16_t)s->w[i]) >> 16); break;
    case 0xe8: for (int i = 0; i < 16; i++) r->b[i] = (uint8_t)sat8((int8_t)d->b[i] - (int8_t)s->b[i]); break;
    case 0xe9: for (int i = 0; i < 8; i++) r->w[i] = (uint16_t)sat16((int16_t)d->w[i] - (int16_t)s->w[i]); break;
    case 0xea: for (int i = 0; i < 8; i++) r->w[i] = (int16_t)d->w[i] < (int16_t)s->w[i] ? d->w[i] : s->w[i]; break;
    case 0xeb: for (int i = 0; i < 2; i++) r->q[i] = d->q[i] | s->q[i]; break;
    case 0xec: for (int i = 0; i < 16; i++) r->b[i] = (uint8_t)sat8((int8_t)d->b[i] + (int8_t)s->b[i]); break;
    case 0xed: for (int i = 0; i < 8; i++) r->w[i] = (uint16_t)sat16((int16_t)d->w[i] + (int16_t)s->w[i]); break;
    case 0xee: for (int i = 0; i < 8; i++) r->w[i] = (int16_t)d->w[i] > (int16_t)s->w[i] ? d->w[i] : s->w[i]; break;
    case 0xef: for (int i = 0; i < 2; i++) r->q[i] = d->q[i] ^ s->q[i]; break;
    case 0xf4: for (int i = 0; i < 2; i++) r->q[i] = (uint64_t)d->d[2 * i] * s->d[2 * i]; break;
    case 0xf5:
        for (int i = 0; i < 4; i++)
            r->d[i] = (uint32_t)((int32_t)(int16_t)d->w[2 * i] * (int16_t)s->w[2 * i] +
                                 (int32_t)(int16_t)d->w[2 * i + 1] * (int16_t)s->w[2 * i + 1]);
        break;
    case 0xf6:
        for (int h = 0; h < 2; h++) {
            unsigned sum = 0;
            for (int i = 0; i < 8; i++) {
                int x = d->b[8 * h + i] - s->b[8 * h + i];
                sum += (unsigned)(x < 0 ? -x : x);
            }
            r->q[h] = sum;
        }
        break;
    case 0xf8: for (int i = 0; i < 16; i++) r->b[i] = (uint8_t)(d->b[i] - s->b[i]); break;
    case 0xf9: for (int i = 0; i < 8; i++) r->w[i] = (uint16_t)(d->w[i] - s->w[i]); break;
    case 0xfa: for (int i = 0; i < 4; i++) r->d[i] = d->d[i] - s->d[i]; break;
    case 0xfb: for (int i = 0; i < 2; i++) r->q[i] = d->q[i] - s->q[i]; break;
    case 0xfc: for (int i = 0; i < 16; i++) r->b[i] = (uint8_t)(d->b[i] + s->b[i]); break;
    case 0xfd: for (int i = 0; i < 8; i++) r->w[i] = (uint16_t)(d->w[i] + s->w[i]); break;
    case 0xfe: for (int i = 0; i < 4; i++) r->d[i] = d->d[i] + s->d[i]; break;
    /* ANDPS/ANDNPS/ORPS/XORPS and the PD forms */
    case 0x54: for (int i = 0; i < 2; i++) r->q[i] = d->q[i] & s->q[i]; break;
    case 0x55: for (int i = 0; i < 2; i++) r->q[i] = ~d->q[i] & s->q[i]; break;
    case 0x56: for (int i = 0; i < 2; i++) r->q[i] = d->q[i] | s->q[i]; break;
    case 0x57: for (int i = 0; i < 2; i++) r->q[i] = d->q[i] ^ s->q[i]; break;
    case 0x14: r->d[0] = d->d[0]; r->d[1] = s->d[0]; r->d[2] = d->d[1]; r->d[3] = s->d[1]; break;
    case 0x15: r->d[0] = d->d[2]; r->d[1] = s->d[2]; r->d[2] = d->d[3]; r->d[3] = s->d[3]; break;
    }
}

/* Packed-integer / logic / unpack Vx,Wx (66 0F ...; NP/66 0F 14/15/54-57). */
void h_pint(X86CPU *cpu, const X86Insn *insn)
{
    sse_check(cpu);
    XMMReg s, r;
    sse_read_rm(cpu, insn, &s, 16, true);
    uint8_t opc = insn->opcode;
    /* UNPCKLPD/UNPCKHPD are the qword unpacks */
    if (insn->opsize_prefix && (opc == 0x14 || opc == 0x15))
        opc = opc == 0x14 ? 0x6c : 0x6d;
    sse_pint_op(opc, vreg(cpu, insn), &s, &r);
    *vreg(cpu, insn) = r;
}

/* Shifts by immediate: 66 0F 71/72/73 /n Ux,Ib. */
void h_pshift_imm(X86CPU *cpu, const X86Insn *insn)
{
    sse_check(cpu);
    XMMReg *r = &cpu->xmm[insn->rm];
    unsigned n = (uint8_t)insn->imm;
    static const uint8_t ops[3][8] = {
        { 0, 0, 0xd1, 0, 0xe1, 0, 0xf1, 0 },
        { 0, 0, 0xd2, 0, 0xe2, 0, 0xf2, 0 },
        { 0, 0, 0xd3, 0, 0, 0, 0xf3, 0 },
    };
    unsigned ext = (insn->modrm >> 3) & 7;
    if (insn->opcode == 0x73 && (ext == 3 || ext == 7)) {
        XMMReg v = *r, o;
        memset(&o, 0, sizeof(o));
        if (n > 16)
            n = 16;
        for (int i = 0; i < 16; i++) {
            int src = ext == 3 ? i + (int)n : i - (int)n;
            if (src >= 0 && src < 16)
                o.b[i] = v.b[src];
        }
        *r = o;
        return;
    }
    shift_by(ops[insn->opcode - 0x71][ext], r, n);
}

/* ---- shuffles ---- */

void sse_pshuf_words(XMMReg *r, const XMMReg *s, unsigned imm, int base)
{
    XMMReg t = *s;
    for (int i = 0; i < 4; i++)
        r->w[base + i] = t.w[base + ((imm >> (2 * i)) & 3)];
}

void h_pshufd(X86CPU *cpu, const X86Insn *insn)
{
    sse_check(cpu);
    XMMReg s, r;
    sse_read_rm(cpu, insn, &s, 16, true);
    unsigned imm = (uint8_t)insn->imm;
    r = s;
    switch (insn->rep ? insn->rep : (insn->row->prefix == PFX_F3 ? 0xf3 : insn->row->prefix == PFX_F2 ? 0xf2 : 0x66)) {
    default:
        for (int i = 0; i < 4; i++)
            r.d[i] = s.d[(imm >> (2 * i)) & 3];
        break;
    case 0xf3:
        sse_pshuf_words(&r, &s, imm, 4);
        break;
    case 0xf2:
        sse_pshuf_words(&r, &s, imm, 0);
        break;
    }
    *vreg(cpu, insn) = r;
}

void h_shufps(X86CPU *cpu, const X86Insn *insn)
{
    sse_check(cpu);
    XMMReg s, r, *d = vreg(cpu, insn);
    sse_read_rm(cpu, insn, &s, 16, true);
    unsigned imm = (uint8_t)insn->imm;
    if (insn->row->prefix == PFX_66) {
        r.q[0] = d->q[imm & 1];
        r.q[1] = s.q[(imm >> 1) & 1];
    } else {
        r.d[0] = d->d[imm & 3];
        r.d[1] = d->d[(imm >> 2) & 3];
        r.d[2] = s.d[(imm >> 4) & 3];
        r.d[3] = s.d[(imm >> 6) & 3];
    }
    *d = r;
}
