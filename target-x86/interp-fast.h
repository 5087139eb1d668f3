/*
 * Shared pieces of the interpreter's specialised handlers: interp-fast.c
 * (register forms, shifts, IMUL, stack, selection), interp-fast-mem.c
 * (memory operands by addressing form), interp-fast-cc.c (Jcc, CMOVcc,
 * SETcc and JMP by condition). Every specialised handler has the effects
 * of the row's generic handler; where its fast path does not apply it
 * tail-calls that handler (kept out of the fast path so that the fast
 * path needs no stack frame). The bodies return false for those cases,
 * with nothing done; PLAIN_FN and CHAIN_FN make the plain and the chained
 * handler (block-cache.h) of a body.
 */
#ifndef VESSEL_TARGET_X86_INTERP_FAST_H
#define VESSEL_TARGET_X86_INTERP_FAST_H

#include <stdatomic.h>

#include "target-x86/block-cache.h"
#include "target-x86/interp.h"
#include "target-x86/mem-inline.h"

#define FAST_INLINE static inline __attribute__((always_inline))

enum { K_ADD, K_OR, K_AND, K_SUB, K_XOR, K_CMP, K_TEST, K_ADC, K_SBB, K_MOV };
enum { SRC_REG, SRC_IMM, SRC_MEM };
/* forms of a two-operand instruction: to a register from a register, an
 * immediate, memory; to memory from a register, an immediate */
enum { F_RR, F_RI, F_RM, F_MR, F_MI, NB_FORMS };

static inline bool is_reg(uint8_t opfast)
{
    return opfast - 1u < 16u;   /* a plain general register (X86Insn.opfast) */
}

/* A canonical 64-bit address (near branch targets in 64-bit mode). */
static inline bool canonical(uint64_t a)
{
    return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

/* The register of an opfast value that is_reg accepted. */
FAST_INLINE uint64_t *fast_reg(X86CPU *cpu, uint8_t opfast)
{
    return &cpu->regs[(size_t)opfast - 1];
}

/* The generic handler: the whole instruction again from the start, for
 * every case the fast path does not take. (The instruction bodies below
 * return false for those, with nothing done.) */
FAST_INLINE void fast_fallback(X86CPU *cpu, const X86Insn *insn)
{
    insn->row->handler(cpu, insn);
}

/* The end of a chain at the entry of insn (block-cache.h). */
void interp_chain_stopped(X86CPU *cpu, const X86Insn *insn);
/* fast_fallback in a chain: rip and insn_start_rip are set first, and the
 * chain goes on after it as after chain_generic (exec.c). (Fused entries
 * never get here: their compare has no slow path.) */
void interp_chain_fallback(X86CPU *cpu, const X86Insn *insn);

/* After a chained entry that went on to the next instruction: the next
 * entry's handler, or the end of the chain if cpu->chain_stop. */
FAST_INLINE void chain_next(X86CPU *cpu, const X86Insn *insn)
{
    if (__builtin_expect(cpu->chain_stop != 0, 0)) {
        interp_chain_stopped(cpu, insn);
        return;
    }
    const ExecInsn *n = exec_of(insn) + 1;
    n->handler(cpu, &n->insn);
}

/*
 * A chained branch (block-cache.h, chained handlers) taken to cpu->rip from
 * entry x in 64-bit code: the block to go on with without going back to
 * the loop, or NULL. That is x->link (the block that ran after x last
 * time) if it starts there, in the same page, and was compared with
 * the bytes there in the trust epoch of the block running (so it is
 * trusted now: exec.c), nothing ends the chain (cpu->chain_stop, a
 * pending request) and it fits in cpu->chain_limit whole. The caller
 * counts x's instructions then.
 */
static inline const Block *block_link(const X86CPU *cpu, const ExecInsn *x, unsigned pending)
{
    const Block *b = block_of(x), *n = x->link;
    uint64_t target = cpu->rip;
    if (!n || n->pc != target || ((target ^ b->pc) & TARGET_PAGE_MASK) != 0 || !(b->mode & 1) ||
        n->mode != b->mode || n->checked_epoch != b->checked_epoch ||
        (uintptr_t)n->checked_host != (uintptr_t)b->checked_host + (uintptr_t)(target - b->pc) || (cpu->chain_stop | pending) ||
        cpu->icount + x->ordinal + x->span + n->nguest > cpu->chain_limit)
        return NULL;
    return n;
}

/* A chained entry that branched (cpu->rip set): the end of the chain. */
FAST_INLINE void chain_branched(X86CPU *cpu, const X86Insn *insn)
{
    cpu->chain_last = exec_of(insn);
}

/* A chained entry that branched in 64-bit code: on into the next block if
 * block_link allows, else the end of the chain. */
FAST_INLINE void chain_taken(X86CPU *cpu, const X86Insn *insn)
{
    const ExecInsn *x = exec_of(insn);
    const Block *n = block_link(cpu, x, atomic_load_explicit(&cpu->interrupt_request,
                                                             memory_order_relaxed));
    if (!n) {
        cpu->chain_last = x;
        return;
    }
    cpu->icount += (uint64_t)x->ordinal + x->span;
    cpu->chain_block = n;
    n->insns[0].handler(cpu, &n->insns[0].insn);
}

/* A handler `name` running the body fn(cpu, insn, args...) (false: the
 * generic handler is to run instead). */
#define PLAIN_FN(name, fn, ...)                                                                   \
    static void name(X86CPU *cpu, const X86Insn *insn)                                            \
    {                                                                                             \
        if (__builtin_expect(!fn(cpu, insn, __VA_ARGS__), 0))                                     \
            fast_fallback(cpu, insn);                                                             \
    }

/* A chained handler `name` running the body fn(cpu, insn, args...) then
 * the next entry (fn: a non-branching instruction that reads no rip),
 * registered as the chained form of the plain handler `plain`. */
#define CHAIN_FN(name, plain, fn, ...)                                                            \
    static void name(X86CPU *cpu, const X86Insn *insn)                                            \
    {                                                                                             \
        if (__builtin_expect(!fn(cpu, insn, __VA_ARGS__), 0)) {                                   \
            interp_chain_fallback(cpu, insn);                                                     \
            return;                                                                               \
        }                                                                                         \
        chain_next(cpu, insn);                                                                    \
    }                                                                                             \
    CHAIN_PAIR(plain, name)

/* CF of the lazy flags as cc_compute_c computes it, or -1 where the
 * caller is to take the generic handler (ADC/SBB records): no call, so the
 * handlers that read CF need no stack frame either. */
FAST_INLINE int fast_carry(const X86CPU *cpu)
{
    unsigned op = cpu->cc.op;
    if (op == CC_OP_EFLAGS)
        return (cpu->rflags & CC_C) != 0;
    if (op >= CC_OP_NB)
        return -1;
    unsigned kind = (op - 1) & ~3u, sz = (op - 1) & 3;
    uint64_t m = cc_mask_of(sz), dst = cpu->cc.dst & m, src = cpu->cc.src & m;
    switch (kind + 1) {
    case CC_OP_ADD: return dst < src;
    case CC_OP_SUB: return ((dst + src) & m) < src;
    case CC_OP_LOGIC: return 0;
    case CC_OP_INC: case CC_OP_DEC: return cpu->cc.src2 != 0;
    case CC_OP_SHL: return (cpu->cc.src & cc_sign_of(sz)) != 0;
    case CC_OP_SHR: case CC_OP_SAR: return cpu->cc.src & 1;
    case CC_OP_MUL: return cpu->cc.src != 0;
    default: return -1;
    }
}

/* The carry-in of `kind` (0 but for ADC/SBB), or -1: see fast_carry. */
FAST_INLINE int carry_in(const X86CPU *cpu, int kind)
{
    return kind == K_ADC || kind == K_SBB ? fast_carry(cpu) : 0;
}

/* a OP b at `size` (carry: carry_in), with the flags recorded as alu() in
 * interp-alu.c does. */
FAST_INLINE uint64_t alu_op(X86CPU *cpu, int kind, unsigned size, uint64_t a, uint64_t b,
                            uint64_t carry)
{
    uint64_t m = mask_for(size);
    uint64_t res;
    unsigned op;
    a &= m;
    b &= m;
    switch (kind) {
    case K_ADD: res = a + b; op = CC_OP_ADD; break;
    case K_ADC: res = a + b + carry; op = CC_OP_ADC; break;
    case K_SBB: res = a - b - carry; op = CC_OP_SBB; break;
    case K_SUB: case K_CMP: res = a - b; op = CC_OP_SUB; break;
    case K_OR: res = a | b; op = CC_OP_LOGIC; break;
    case K_XOR: res = a ^ b; op = CC_OP_LOGIC; break;
    default: res = a & b; op = CC_OP_LOGIC; break;
    }
    res &= m;
    cpu->cc.op = op + cc_size_index(size);
    cpu->cc.dst = res;
    cpu->cc.src = b;
    cpu->cc.src2 = carry;
    return res;
}

/* Write a register operand of `size` bytes (8/16-bit: merge; 32: zero-extend). */
FAST_INLINE void put_reg(uint64_t *d, unsigned size, uint64_t v)
{
    if (size == 1 || size == 2)
        *d = (*d & ~mask_for(size)) | (v & mask_for(size));
    else
        *d = size == 4 ? (uint32_t)v : v;
}

/* OP r, b (MOV too): the destination is operand 0, a plain register
 * (false: ADC/SBB with a carry fast_carry does not know). */
FAST_INLINE bool reg_op(X86CPU *cpu, const X86Insn *insn, int kind, unsigned size, uint64_t b)
{
    uint64_t *d = fast_reg(cpu, insn->opfast[0]);
    int carry = carry_in(cpu, kind);
    if (__builtin_expect(carry < 0, 0))
        return false;
    if (kind == K_MOV)
        put_reg(d, size, b);
    else if (kind == K_CMP || kind == K_TEST)
        alu_op(cpu, kind, size, *d, b, 0);
    else
        put_reg(d, size, alu_op(cpu, kind, size, *d, b, (uint64_t)carry));
    return true;
}

/* Host pointer of the memory operand on the RAM fast path, or NULL
 * (the address computed by the generic insn_ea). */
FAST_INLINE uint8_t *gen_host(X86CPU *cpu, const X86Insn *insn, unsigned size, int access)
{
    return x86_fast_host_run(cpu, insn->seg, insn_ea(cpu, insn), size, access);
}

/* Handlers of the memory forms of MOV and the ALU ops (form F_RM, F_MR or
 * F_MI, size 1/2/4/8), of MOVZX/MOVSX/MOVSXD from memory and of LEA, or
 * NULL (interp-fast-mem.c). */
X86Handler interp_fast_mem_two_op(const X86Insn *insn, int form, unsigned size);
X86Handler interp_fast_mem_other(const X86Insn *insn);
/* Jcc, CMOVcc r,r, SETcc r and JMP rel handlers, or NULL (interp-fast-cc.c). */
X86Handler interp_fast_cc_handler(const X86Insn *insn);

#endif
