/*
 * Shared state of the JIT front end (target-x86/translate*.c): the
 * per-block context, the guest-state globals and the building blocks the
 * instruction families use (operands, guest memory, lazy flags, exits).
 */
#ifndef VESSEL_TARGET_X86_TRANSLATE_INTERNAL_H
#define VESSEL_TARGET_X86_TRANSLATE_INTERNAL_H

#include <stddef.h>

#include "target-x86/cc.h"
#include "target-x86/interp.h"
#include "target-x86/translate.h"

/* The TCG globals bound to the CPU state (same indexes in every context:
 * x86_tcg_init creates them in a fixed order). */
typedef struct X86Globals {
    TCGv regs[16];
    TCGv rip;
    TCGv cc_dst, cc_src, cc_src2;
    TCGv rflags;
} X86Globals;

typedef struct DisasContext {
    TCGContext *s;
    X86CPU *cpu;
    const X86TranslateParams *p;
    X86Globals g;
    uint32_t flags;
    bool code64;
    bool flat;          /* X86_TB_FLAT */
    bool slowmem;       /* X86_TB_SLOWMEM: memory forms go to the interpreter */
    int mmu_idx;
    const X86Insn *insn;
    uint64_t pc;        /* the instruction's pc */
    uint64_t next_pc;   /* cpu->rip while its handler runs (masked like exec.c) */
    unsigned index;     /* the instruction's index in the block */
    bool ended;         /* an exit was emitted: the block stops here */
    int cc_op;          /* cc.op in env as set by this block's code, or -1 (unknown) */
    bool start_stored;  /* insn_start_rip already holds pc */
} DisasContext;

/* A condition as the operands of a brcond/setcond/movcond. */
typedef struct DisasCond {
    TCGCond cond;
    TCGv a, b;
} DisasCond;

/* ---- translate.c ---- */
/* cpu->insn_start_rip = pc (before the first op that may fault). */
void tr_mark_start(DisasContext *ctx);
/* Leave through goto_tb `slot` with rip = dest (exit_tb(0) under NOCHAIN). */
void tr_goto(DisasContext *ctx, unsigned slot, uint64_t dest);
/* Leave with rip already in env: exit_tb(0). */
void tr_exit_lookup(DisasContext *ctx);
/* The near-branch target the interpreter's checked_target gives, or false
 * if it would fault (the interpreter then runs the instruction). */
bool tr_branch_target(DisasContext *ctx, uint64_t target, uint64_t *out);
/* A call of the helper `info` with up to 3 arguments (TCG_NO_TEMP ends). */
void tr_call(DisasContext *ctx, TCGHelperInfo *info, TCGv ret, TCGv a0, TCGv a1, TCGv a2);
static inline TCGv tr_const(DisasContext *ctx, uint64_t v) { return tcg_constant(ctx->s, v); }
static inline TCGv tr_temp(DisasContext *ctx) { return tcg_temp_new(ctx->s); }
/* The ext op from `size` bytes (1, 2, else 4) to 64 bits, signed or not. */
static inline TCGOpcode tr_ext_op(unsigned size, bool sign)
{
    if (size == 1)
        return sign ? INDEX_op_ext8s : INDEX_op_ext8u;
    if (size == 2)
        return sign ? INDEX_op_ext16s : INDEX_op_ext16u;
    return sign ? INDEX_op_ext32s : INDEX_op_ext32u;
}
/* A new temp: v extended from `size` bytes (a copy for 8). */
TCGv tr_extend(DisasContext *ctx, TCGv v, unsigned size, bool sign);

/* ---- translate-operand.c: registers and operands ---- */
/* Can operand i be handled natively (register, immediate, memory when
 * allowed)? */
bool tr_operand_ok(DisasContext *ctx, unsigned i);
/* The value of general register `reg` at `size` (zero-extended; AH..BH
 * when !rex). */
TCGv tr_reg_read(DisasContext *ctx, int reg, unsigned size, bool rex);
/* Write register `reg` at `size` with the interpreter's merge rules. */
void tr_reg_write(DisasContext *ctx, int reg, unsigned size, bool rex, TCGv v);
/* Operand i read (masked to its size; immediates as decoded, sign-extended).
 * Memory: *addr caches the linear address (TCG_NO_TEMP = not computed yet). */
TCGv tr_opnd_read(DisasContext *ctx, unsigned i, TCGv *addr);
void tr_opnd_write(DisasContext *ctx, unsigned i, TCGv v, TCGv *addr);
/* The register number operand i names (OPK_E/R non-memory, G, Z, REG). */
int tr_opnd_reg(const X86Insn *insn, unsigned i);

/* ---- translate-mem.c: addresses and guest accesses ---- */
/* Does this mode/segment allow the inline memory path for the insn's
 * memory operand? */
bool tr_mem_ok(DisasContext *ctx);
/* The effective address (offset in insn->seg, masked to the address size). */
TCGv tr_ea(DisasContext *ctx);
/* The linear address of the memory operand. */
TCGv tr_linear(DisasContext *ctx);
/* Guest load/store of `size` bytes at linear `addr` (zero-extended). */
TCGv tr_load(DisasContext *ctx, TCGv addr, unsigned size);
void tr_store(DisasContext *ctx, TCGv addr, TCGv v, unsigned size);
/* The stack: natively only in 64-bit mode and on a flat 32-bit SS. */
bool tr_stack_ok(DisasContext *ctx, unsigned size);
/* (rsp + delta) masked to the stack size. */
TCGv tr_sp_offset(DisasContext *ctx, int64_t delta);
/* rsp = sp with set_rsp's rule (the bits above the stack size kept). */
void tr_set_rsp(DisasContext *ctx, TCGv sp);
/* Fill s->mem. */
void tr_mem_init(TCGContext *s);

/* ---- translate-cc.c: lazy flags ---- */
/* Record the flags of an instruction: cc.op = op + size index, dst, src, src2. */
void tr_cc_set(DisasContext *ctx, unsigned op, unsigned size, TCGv dst, TCGv src, TCGv src2);
/* The carry flag now (0/1). */
TCGv tr_cc_carry(DisasContext *ctx);
/* Condition code 0..15 of Jcc/SETcc/CMOVcc. */
DisasCond tr_cc_cond(DisasContext *ctx, unsigned code);
/* 0/1 of a condition. */
TCGv tr_cond_value(DisasContext *ctx, DisasCond c);
/* The flags become explicit (CC_OP_EFLAGS) with the `mask` bits (CC_*)
 * taken from `bits` (only those bits set), the others as they were. */
void tr_cc_replace(DisasContext *ctx, uint32_t mask, TCGv bits);

/* ---- the families: true = translated (ops emitted), false = nothing
 * emitted, run the interpreter's handler ---- */
bool tr_alu(DisasContext *ctx);        /* translate-alu.c: ADD..CMP TEST INC DEC NOT NEG */
bool tr_shift(DisasContext *ctx);      /* translate-alu.c: SHL SHR SAR by a constant or CL */
bool tr_mul(DisasContext *ctx);        /* translate-mul.c: MUL, IMUL */
bool tr_bitops(DisasContext *ctx);     /* translate-bitops.c: BT BTS BTR BTC */
bool tr_rotate(DisasContext *ctx);     /* translate-rotate.c: ROL ROR by a constant */
bool tr_move(DisasContext *ctx);       /* translate-move.c: MOV MOVZX MOVSX(D) LEA NOP SETcc CMOVcc */
bool tr_branch(DisasContext *ctx);     /* translate-branch.c: Jcc JMP/CALL rel, PUSH, POP */

#endif
