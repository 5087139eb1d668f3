/*
 * x86-64 instruction encoder for the native JIT back end: REX, ModRM/SIB,
 * displacements and immediates (Intel SDM vol. 2, chapter 2), and a few
 * instruction-level helpers the code generator uses. Every byte goes
 * through a bounds check: on overflow the emitter stops writing and sets
 * `overflow` (the caller retries with a fresh buffer).
 */
#ifndef VESSEL_TCG_X86_64_EMIT_H
#define VESSEL_TCG_X86_64_EMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct X86Emit {
    uint8_t *buf;
    size_t size, pos;
    bool overflow;
} X86Emit;

enum {
    X86_RAX, X86_RCX, X86_RDX, X86_RBX, X86_RSP, X86_RBP, X86_RSI, X86_RDI,
    X86_R8, X86_R9, X86_R10, X86_R11, X86_R12, X86_R13, X86_R14, X86_R15,
};
#define X86_NO_REG (-1)

/* Condition codes (the low nibble of Jcc/SETcc/CMOVcc). */
enum {
    X86_CC_O, X86_CC_NO, X86_CC_B, X86_CC_AE, X86_CC_E, X86_CC_NE, X86_CC_BE, X86_CC_A,
    X86_CC_S, X86_CC_NS, X86_CC_P, X86_CC_NP, X86_CC_L, X86_CC_GE, X86_CC_LE, X86_CC_G,
};

/* Opcode = low byte | prefix flags. */
#define X86_P_0F   0x100    /* two-byte opcode 0F xx */
#define X86_P_W    0x200    /* REX.W: 64-bit operand size */
#define X86_P_66   0x400    /* operand-size prefix: 16-bit */
#define X86_P_BREG 0x800    /* the ModRM.reg operand is a byte register */
#define X86_P_BRM  0x1000   /* the ModRM.rm register operand is a byte register */

/* Opcodes used with x86_op_r / x86_op_m (ModRM forms). */
#define X86_OP_ALU_RM_R   0x01   /* add r/m, r  (| ALU op << 3) */
#define X86_OP_ALU_R_RM   0x03   /* add r, r/m  (| ALU op << 3) */
#define X86_OP_GRP1_IB    0x83   /* alu r/m, imm8 (sign-extended), /op */
#define X86_OP_GRP1_ID    0x81   /* alu r/m, imm32, /op */
#define X86_OP_MOVSXD     0x63
#define X86_OP_IMUL_ID    0x69
#define X86_OP_IMUL_IB    0x6b
#define X86_OP_TEST       0x85
#define X86_OP_MOV_STB    0x88   /* mov r/m8, r8 */
#define X86_OP_MOV_ST     0x89   /* mov r/m, r */
#define X86_OP_MOV_LD     0x8b   /* mov r, r/m */
#define X86_OP_LEA        0x8d
#define X86_OP_SHIFT_IB   0xc1   /* /op ib */
#define X86_OP_MOV_STIB   0xc6   /* mov r/m8, imm8 */
#define X86_OP_MOV_STI    0xc7   /* mov r/m, imm32 (sign-extended for REX.W) */
#define X86_OP_SHIFT_1    0xd1
#define X86_OP_SHIFT_CL   0xd3
#define X86_OP_GRP3       0xf7   /* test ib/not/neg/mul/imul, /op */
#define X86_OP_GRP5       0xff   /* inc/dec/call/jmp, /op */
#define X86_OP_CMOVCC     (X86_P_0F | 0x40)
#define X86_OP_SETCC      (X86_P_0F | 0x90)
#define X86_OP_IMUL_R_RM  (X86_P_0F | 0xaf)
#define X86_OP_MOVZBL     (X86_P_0F | 0xb6)
#define X86_OP_MOVZWL     (X86_P_0F | 0xb7)
#define X86_OP_MOVSB      (X86_P_0F | 0xbe)
#define X86_OP_MOVSW      (X86_P_0F | 0xbf)

enum { X86_ALU_ADD = 0, X86_ALU_OR = 1, X86_ALU_AND = 4, X86_ALU_SUB = 5,
       X86_ALU_XOR = 6, X86_ALU_CMP = 7 };
enum { X86_SH_ROL = 0, X86_SH_ROR = 1, X86_SH_SHL = 4, X86_SH_SHR = 5, X86_SH_SAR = 7 };
enum { X86_G3_TEST = 0, X86_G3_NOT = 2, X86_G3_NEG = 3, X86_G3_MUL = 4, X86_G3_IMUL = 5 };
enum { X86_G5_CALL = 2, X86_G5_JMP = 4 };

static inline bool x86_fits_s8(int64_t v) { return v == (int8_t)v; }
static inline bool x86_fits_s32(int64_t v) { return v == (int32_t)v; }

void x86_emit_u8(X86Emit *e, uint8_t v);
void x86_emit_u16(X86Emit *e, uint16_t v);
void x86_emit_u32(X86Emit *e, uint32_t v);
void x86_emit_u64(X86Emit *e, uint64_t v);
/* Overwrite 4 bytes at `at` (already emitted). */
void x86_patch_u32(X86Emit *e, size_t at, uint32_t v);

/* opc with ModRM mod=3: reg field `r` (a register or an opcode extension), rm register `rm`. */
void x86_op_r(X86Emit *e, unsigned opc, int r, int rm);
/* opc with a memory operand [base + index << shift + disp]; index may be X86_NO_REG. */
void x86_op_m(X86Emit *e, unsigned opc, int r, int base, int index, int shift, int32_t disp);
/* opc + register in the low 3 bits (push, pop, bswap, mov imm): prefixes, REX.B. */
void x86_op_plus_r(X86Emit *e, unsigned opc, int r);

/* ---- instructions ---- */
void x86_mov_rr(X86Emit *e, int dst, int src);                 /* 64-bit */
void x86_mov_rr32(X86Emit *e, int dst, int src);               /* zero-extends */
/* dst = imm in the shortest form; xor (clobbers flags) for 0 only if allow_xor. */
void x86_mov_ri(X86Emit *e, int dst, uint64_t imm, bool allow_xor);
void x86_alu_rr(X86Emit *e, int alu, int dst, int src);        /* 64-bit dst op= src */
void x86_alu_ri(X86Emit *e, int alu, int dst, int32_t imm);    /* 64-bit, imm sign-extended */
void x86_alu_rm(X86Emit *e, int alu, int dst, int base, int32_t disp);  /* dst op= [base+disp] */
void x86_shift_ri(X86Emit *e, int sh, int dst, unsigned n);
void x86_shift_cl(X86Emit *e, int sh, int dst);
void x86_grp3(X86Emit *e, int op, int rm);                     /* 64-bit not/neg/mul/imul */
void x86_imul_rr(X86Emit *e, int dst, int src);
void x86_imul_rri(X86Emit *e, int dst, int src, int32_t imm);
void x86_test_rr(X86Emit *e, int a, int b);
void x86_test_ri(X86Emit *e, int a, int32_t imm);
void x86_lea(X86Emit *e, int dst, int base, int index, int shift, int32_t disp);
void x86_bswap64(X86Emit *e, int r);
void x86_setcc(X86Emit *e, int cc, int r);
void x86_cmovcc(X86Emit *e, int cc, int dst, int src);
void x86_push(X86Emit *e, int r);
void x86_pop(X86Emit *e, int r);
void x86_ret(X86Emit *e);
/* Load/store of 1, 2, 4 or 8 bytes (log2 size), loads zero- or sign-extending to 64 bits. */
void x86_load(X86Emit *e, int dst, int base, int index, int32_t disp, unsigned lg, bool sign);
void x86_store(X86Emit *e, int src, int base, int index, int32_t disp, unsigned lg);
/* Register extension: dst = extend(src) from 1/2/4 bytes. */
void x86_ext(X86Emit *e, int dst, int src, unsigned lg, bool sign);
void x86_nops(X86Emit *e, unsigned n);                         /* n <= 3 */
/* Jumps with a 32-bit displacement: return the offset of the displacement
 * (patch with x86_patch_rel32); the displacement is left 0. */
size_t x86_jcc32(X86Emit *e, int cc);
size_t x86_jmp32(X86Emit *e);
/* Point the rel32 at `at` to code offset `target`. */
void x86_patch_rel32(X86Emit *e, size_t at, size_t target);
/* Call or jump to an absolute host address: rel32 when in range, else through `scratch`. */
void x86_call_abs(X86Emit *e, const void *fn, int scratch);
void x86_jmp_r(X86Emit *e, int r);

#endif
