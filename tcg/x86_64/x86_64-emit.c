/*
 * x86-64 instruction encoder (see x86_64-emit.h). Encoding facts from the
 * Intel SDM vol. 2: legacy prefixes, then REX (0100WRXB), the opcode
 * (0F escape for two-byte opcodes), ModRM (mod:2 reg:3 rm:3), SIB
 * (scale:2 index:3 base:3) and the displacement. rm=100 means a SIB
 * follows (so rsp/r12 as a base need one); mod=00 rm=101 is RIP-relative
 * (so rbp/r13 as a base need a displacement).
 */
#include "tcg/x86_64/x86_64-emit.h"

#include <string.h>

void x86_emit_u8(X86Emit *e, uint8_t v)
{
    if (e->pos < e->size)
        e->buf[e->pos++] = v;
    else
        e->overflow = true;
}

void x86_emit_u16(X86Emit *e, uint16_t v)
{
    x86_emit_u8(e, v);
    x86_emit_u8(e, v >> 8);
}

void x86_emit_u32(X86Emit *e, uint32_t v)
{
    x86_emit_u16(e, v);
    x86_emit_u16(e, v >> 16);
}

void x86_emit_u64(X86Emit *e, uint64_t v)
{
    x86_emit_u32(e, v);
    x86_emit_u32(e, v >> 32);
}

void x86_patch_u32(X86Emit *e, size_t at, uint32_t v)
{
    if (at + 4 <= e->pos)
        memcpy(e->buf + at, &v, 4);
}

/* Prefixes, REX and opcode bytes. r, x, b: the registers whose high bit goes
 * into REX.R/X/B (-1 = none); byte_r/byte_b: that operand is a byte register
 * (spl/bpl/sil/dil need a REX prefix to be addressed). */
static void emit_opc(X86Emit *e, unsigned opc, int r, int x, int b, bool byte_r, bool byte_b)
{
    if (opc & X86_P_66)
        x86_emit_u8(e, 0x66);
    unsigned rex = 0;
    if (opc & X86_P_W)
        rex |= 8;
    if (r >= 8)
        rex |= 4;
    if (x >= 8)
        rex |= 2;
    if (b >= 8)
        rex |= 1;
    bool need = rex || (byte_r && r >= 4) || (byte_b && b >= 4);
    if (need)
        x86_emit_u8(e, 0x40 | rex);
    if (opc & X86_P_0F)
        x86_emit_u8(e, 0x0f);
    x86_emit_u8(e, opc & 0xff);
}

void x86_op_r(X86Emit *e, unsigned opc, int r, int rm)
{
    emit_opc(e, opc, r, -1, rm, (opc & X86_P_BREG) != 0, (opc & X86_P_BRM) != 0);
    x86_emit_u8(e, 0xc0 | (r & 7) << 3 | (rm & 7));
}

void x86_op_m(X86Emit *e, unsigned opc, int r, int base, int index, int shift, int32_t disp)
{
    emit_opc(e, opc, r, index, base, (opc & X86_P_BREG) != 0, false);
    unsigned mod;
    if (disp == 0 && (base & 7) != X86_RBP)
        mod = 0;
    else if (x86_fits_s8(disp))
        mod = 1;
    else
        mod = 2;
    if (index == X86_NO_REG && (base & 7) != X86_RSP) {
        x86_emit_u8(e, mod << 6 | (r & 7) << 3 | (base & 7));
    } else {
        /* SIB; index 100 without REX.X = no index */
        unsigned idx = index == X86_NO_REG ? 4 : (index & 7);
        x86_emit_u8(e, mod << 6 | (r & 7) << 3 | 4);
        x86_emit_u8(e, (shift & 3) << 6 | idx << 3 | (base & 7));
    }
    if (mod == 1)
        x86_emit_u8(e, (uint8_t)disp);
    else if (mod == 2)
        x86_emit_u32(e, (uint32_t)disp);
}

void x86_op_plus_r(X86Emit *e, unsigned opc, int r)
{
    emit_opc(e, (opc & ~0xffu) | ((opc + (r & 7)) & 0xff), -1, -1, r, false,
             (opc & X86_P_BRM) != 0);
}

void x86_mov_rr(X86Emit *e, int dst, int src)
{
    if (dst != src)
        x86_op_r(e, X86_P_W | X86_OP_MOV_LD, dst, src);
}

void x86_mov_rr32(X86Emit *e, int dst, int src)
{
    x86_op_r(e, X86_OP_MOV_LD, dst, src);
}

void x86_mov_ri(X86Emit *e, int dst, uint64_t imm, bool allow_xor)
{
    if (imm == 0 && allow_xor) {
        x86_op_r(e, X86_ALU_XOR << 3 | X86_OP_ALU_RM_R, dst, dst);
    } else if (imm <= UINT32_MAX) {
        x86_op_plus_r(e, 0xb8, dst);                 /* mov r32, imm32 */
        x86_emit_u32(e, (uint32_t)imm);
    } else if (x86_fits_s32((int64_t)imm)) {
        x86_op_r(e, X86_P_W | X86_OP_MOV_STI, 0, dst);   /* mov r/m64, simm32 */
        x86_emit_u32(e, (uint32_t)imm);
    } else {
        x86_op_plus_r(e, X86_P_W | 0xb8, dst);       /* movabs r64, imm64 */
        x86_emit_u64(e, imm);
    }
}

void x86_alu_rr(X86Emit *e, int alu, int dst, int src)
{
    x86_op_r(e, X86_P_W | (alu << 3 | X86_OP_ALU_R_RM), dst, src);
}

void x86_alu_ri(X86Emit *e, int alu, int dst, int32_t imm)
{
    if (x86_fits_s8(imm)) {
        x86_op_r(e, X86_P_W | X86_OP_GRP1_IB, alu, dst);
        x86_emit_u8(e, (uint8_t)imm);
    } else {
        x86_op_r(e, X86_P_W | X86_OP_GRP1_ID, alu, dst);
        x86_emit_u32(e, (uint32_t)imm);
    }
}

void x86_alu_rm(X86Emit *e, int alu, int dst, int base, int32_t disp)
{
    x86_op_m(e, X86_P_W | (alu << 3 | X86_OP_ALU_R_RM), dst, base, X86_NO_REG, 0, disp);
}

void x86_shift_ri(X86Emit *e, int sh, int dst, unsigned n)
{
    n &= 63;
    if (n == 0)
        return;
    if (n == 1) {
        x86_op_r(e, X86_P_W | X86_OP_SHIFT_1, sh, dst);
    } else {
        x86_op_r(e, X86_P_W | X86_OP_SHIFT_IB, sh, dst);
        x86_emit_u8(e, n);
    }
}

void x86_shift_cl(X86Emit *e, int sh, int dst)
{
    x86_op_r(e, X86_P_W | X86_OP_SHIFT_CL, sh, dst);
}

void x86_grp3(X86Emit *e, int op, int rm)
{
    x86_op_r(e, X86_P_W | X86_OP_GRP3, op, rm);
}

void x86_imul_rr(X86Emit *e, int dst, int src)
{
    x86_op_r(e, X86_P_W | X86_OP_IMUL_R_RM, dst, src);
}

void x86_imul_rri(X86Emit *e, int dst, int src, int32_t imm)
{
    if (x86_fits_s8(imm)) {
        x86_op_r(e, X86_P_W | X86_OP_IMUL_IB, dst, src);
        x86_emit_u8(e, (uint8_t)imm);
    } else {
        x86_op_r(e, X86_P_W | X86_OP_IMUL_ID, dst, src);
        x86_emit_u32(e, (uint32_t)imm);
    }
}

void x86_test_rr(X86Emit *e, int a, int b)
{
    x86_op_r(e, X86_P_W | X86_OP_TEST, b, a);
}

void x86_test_ri(X86Emit *e, int a, int32_t imm)
{
    if (imm >= 0 && imm <= 0xff && a < 4) {          /* test r8, imm8 (al..bl) */
        x86_op_r(e, 0xf6, X86_G3_TEST, a);
        x86_emit_u8(e, imm);
    } else if (imm >= 0) {                           /* test r32, imm32: high half is 0 */
        x86_op_r(e, X86_OP_GRP3, X86_G3_TEST, a);
        x86_emit_u32(e, imm);
    } else {
        x86_op_r(e, X86_P_W | X86_OP_GRP3, X86_G3_TEST, a);
        x86_emit_u32(e, (uint32_t)imm);
    }
}

void x86_lea(X86Emit *e, int dst, int base, int index, int shift, int32_t disp)
{
    x86_op_m(e, X86_P_W | X86_OP_LEA, dst, base, index, shift, disp);
}

void x86_bswap64(X86Emit *e, int r)
{
    x86_op_plus_r(e, X86_P_W | X86_P_0F | 0xc8, r);
}

void x86_setcc(X86Emit *e, int cc, int r)
{
    x86_op_r(e, X86_P_BRM | (X86_OP_SETCC + cc), 0, r);
}

void x86_cmovcc(X86Emit *e, int cc, int dst, int src)
{
    x86_op_r(e, X86_P_W | (X86_OP_CMOVCC + cc), dst, src);
}

void x86_push(X86Emit *e, int r)
{
    x86_op_plus_r(e, 0x50, r);
}

void x86_pop(X86Emit *e, int r)
{
    x86_op_plus_r(e, 0x58, r);
}

void x86_ret(X86Emit *e)
{
    x86_emit_u8(e, 0xc3);
}

void x86_load(X86Emit *e, int dst, int base, int index, int32_t disp, unsigned lg, bool sign)
{
    static const unsigned opc[2][4] = {
        { X86_OP_MOVZBL, X86_OP_MOVZWL, X86_OP_MOV_LD, X86_P_W | X86_OP_MOV_LD },
        { X86_P_W | X86_OP_MOVSB, X86_P_W | X86_OP_MOVSW, X86_P_W | X86_OP_MOVSXD,
          X86_P_W | X86_OP_MOV_LD },
    };
    x86_op_m(e, opc[sign][lg & 3], dst, base, index, 0, disp);
}

void x86_store(X86Emit *e, int src, int base, int index, int32_t disp, unsigned lg)
{
    static const unsigned opc[4] = {
        X86_P_BREG | X86_OP_MOV_STB, X86_P_66 | X86_OP_MOV_ST, X86_OP_MOV_ST,
        X86_P_W | X86_OP_MOV_ST,
    };
    x86_op_m(e, opc[lg & 3], src, base, index, 0, disp);
}

void x86_ext(X86Emit *e, int dst, int src, unsigned lg, bool sign)
{
    static const unsigned opc[2][3] = {
        { X86_P_BRM | X86_OP_MOVZBL, X86_OP_MOVZWL, X86_OP_MOV_LD },
        { X86_P_W | X86_P_BRM | X86_OP_MOVSB, X86_P_W | X86_OP_MOVSW, X86_P_W | X86_OP_MOVSXD },
    };
    if (lg >= 3) {
        x86_mov_rr(e, dst, src);
        return;
    }
    x86_op_r(e, opc[sign][lg], dst, src);
}

void x86_nops(X86Emit *e, unsigned n)
{
    switch (n) {
    case 1: x86_emit_u8(e, 0x90); break;
    case 2: x86_emit_u8(e, 0x66); x86_emit_u8(e, 0x90); break;
    case 3: x86_emit_u8(e, 0x0f); x86_emit_u8(e, 0x1f); x86_emit_u8(e, 0x00); break;
    default: break;
    }
}

size_t x86_jcc32(X86Emit *e, int cc)
{
    x86_emit_u8(e, 0x0f);
    x86_emit_u8(e, 0x80 + cc);
    size_t at = e->pos;
    x86_emit_u32(e, 0);
    return at;
}

size_t x86_jmp32(X86Emit *e)
{
    x86_emit_u8(e, 0xe9);
    size_t at = e->pos;
    x86_emit_u32(e, 0);
    return at;
}

void x86_patch_rel32(X86Emit *e, size_t at, size_t target)
{
    x86_patch_u32(e, at, (uint32_t)((int64_t)target - (int64_t)(at + 4)));
}

void x86_call_abs(X86Emit *e, const void *fn, int scratch)
{
    intptr_t next = (intptr_t)(e->buf + e->pos + 5);
    intptr_t disp = (intptr_t)fn - next;
    if (x86_fits_s32(disp)) {
        x86_emit_u8(e, 0xe8);
        x86_emit_u32(e, (uint32_t)disp);
    } else {
        x86_mov_ri(e, scratch, (uintptr_t)fn, false);
        x86_op_r(e, X86_OP_GRP5, X86_G5_CALL, scratch);
    }
}

void x86_jmp_r(X86Emit *e, int r)
{
    x86_op_r(e, X86_OP_GRP5, X86_G5_JMP, r);
}
