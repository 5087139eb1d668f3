/*
 * Specialised handlers for the commonest forms: ADD ADC SUB SBB OR AND
 * XOR CMP TEST MOV with a register destination (8/16/32/64-bit) and a
 * register or immediate source, MOVZX/MOVSX/MOVSXD between registers,
 * INC/DEC/NOT/NEG of a register, SHL/SHR/SAR of a register by an immediate, 1 or CL, IMUL r,r/m(,imm), and PUSH/POP r,
 * CALL/RET near with 64-bit operands. Same effects as the generic handlers
 * (interp-alu.c, interp-move.c...) without the operand dispatch. The forms
 * with a memory operand are in interp-fast-mem.c, Jcc/CMOVcc/SETcc/JMP in
 * interp-fast-cc.c. The interpreter's decoded-instruction cache installs
 * them (interp_fast_handler); each also has a chained form (name_c, for
 * the interpreter's blocks: block-cache.h), found by interp_chain_handler
 * (at the end of this file).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "accel/debug.h"
#include "target-x86/interp-fast.h"

/* OP r, r/imm (MOV too). */
FAST_INLINE bool fast_to_reg(X86CPU *cpu, const X86Insn *insn, int kind, int src, unsigned size)
{
    return reg_op(cpu, insn, kind, size, src == SRC_IMM ? insn->imm : *fast_reg(cpu, insn->opfast[1]));
}

/* A handler of fn(cpu, insn, args...) and its chained form (name_c). */
#define FAST_FN(name, fn, ...)                                                                    \
    PLAIN_FN(name, fn, __VA_ARGS__)                                                               \
    CHAIN_FN(name##_c, name, fn, __VA_ARGS__)

/* Four handlers (operand sizes 1, 2, 4, 8) of fn(cpu, insn, args..., size). */
#define BY_SIZE(name, fn, ...)                                                                    \
    FAST_FN(name##_8, fn, __VA_ARGS__, 1)                                                         \
    FAST_FN(name##_16, fn, __VA_ARGS__, 2)                                                        \
    FAST_FN(name##_32, fn, __VA_ARGS__, 4)                                                        \
    FAST_FN(name##_64, fn, __VA_ARGS__, 8)
#define SIZES(name) { name##_8, name##_16, name##_32, name##_64 }

/* The register-destination forms: from a register, from an immediate. */
#define REG_OPS(name, kind)                                                                       \
    BY_SIZE(name##_rr, fast_to_reg, kind, SRC_REG)                                                \
    BY_SIZE(name##_ri, fast_to_reg, kind, SRC_IMM)
#define REG_FORMS(name) { SIZES(name##_rr), SIZES(name##_ri) }

REG_OPS(f_add, K_ADD)
REG_OPS(f_or, K_OR)
REG_OPS(f_and, K_AND)
REG_OPS(f_sub, K_SUB)
REG_OPS(f_xor, K_XOR)
REG_OPS(f_cmp, K_CMP)
REG_OPS(f_test, K_TEST)
REG_OPS(f_adc, K_ADC)
REG_OPS(f_sbb, K_SBB)
REG_OPS(f_mov, K_MOV)

/* generic handler -> specialised ones by form (F_RR, F_RI) and operand size */
static const struct {
    X86Handler generic;
    X86Handler fast[2][4];
} two_op[] = {
    { h_add, REG_FORMS(f_add) }, { h_or, REG_FORMS(f_or) }, { h_and, REG_FORMS(f_and) },
    { h_sub, REG_FORMS(f_sub) }, { h_xor, REG_FORMS(f_xor) }, { h_cmp, REG_FORMS(f_cmp) },
    { h_test, REG_FORMS(f_test) }, { h_adc, REG_FORMS(f_adc) }, { h_sbb, REG_FORMS(f_sbb) },
    { h_mov, REG_FORMS(f_mov) },
};

/* MOVZX/MOVSX r32/r64, r8/r16 (no AH..BH: opfast) and MOVSXD r64, r32. */
FAST_INLINE bool fast_extend(X86CPU *cpu, const X86Insn *insn, bool sign, unsigned ssize,
                             unsigned dsize)
{
    uint64_t v = *fast_reg(cpu, insn->opfast[1]) & mask_for(ssize);
    if (sign)
        v = (uint64_t)sext(v, ssize);
    *fast_reg(cpu, insn->opfast[0]) = dsize == 4 ? (uint32_t)v : v;
    return true;
}

#define EXTEND(name, sign, ssize, dsize) FAST_FN(name, fast_extend, sign, ssize, dsize)
EXTEND(f_movzx_8_32, false, 1, 4)
EXTEND(f_movzx_8_64, false, 1, 8)
EXTEND(f_movzx_16_32, false, 2, 4)
EXTEND(f_movzx_16_64, false, 2, 8)
EXTEND(f_movsx_8_32, true, 1, 4)
EXTEND(f_movsx_8_64, true, 1, 8)
EXTEND(f_movsx_16_32, true, 2, 4)
EXTEND(f_movsx_16_64, true, 2, 8)
EXTEND(f_movsxd_64, true, 4, 8)

static X86Handler extend_handler(const X86Insn *insn)
{
    static const X86Handler by_form[2][2][2] = {   /* [sign][source 16][destination 64] */
        { { f_movzx_8_32, f_movzx_8_64 }, { f_movzx_16_32, f_movzx_16_64 } },
        { { f_movsx_8_32, f_movsx_8_64 }, { f_movsx_16_32, f_movsx_16_64 } },
    };
    X86Handler h = insn->row->handler;
    unsigned dsize = insn->opsz[0], ssize = insn->opsz[1];
    if (insn->row->nops != 2 || !is_reg(insn->opfast[0]) || !is_reg(insn->opfast[1]) ||
        (dsize != 4 && dsize != 8))
        return NULL;
    if (h == h_movsxd)
        return dsize == 8 && ssize == 4 ? f_movsxd_64 : NULL;
    if ((h != h_movzx && h != h_movsx) || (ssize != 1 && ssize != 2))
        return NULL;
    return by_form[h == h_movsx][ssize == 2][dsize == 8];
}

/* SHL/SHR/SAR of a register by an immediate, 1 or CL (as interp-shift.c:
 * a masked count of 0 only zero-extends a 32-bit destination). */
enum { S_SHL, S_SHR, S_SAR };
enum { N_IMM, N_ONE, N_CL };

FAST_INLINE bool fast_shift(X86CPU *cpu, const X86Insn *insn, int kind, int count,
                            unsigned size)
{
    uint64_t m = mask_for(size);
    uint64_t *d = fast_reg(cpu, insn->opfast[0]);
    uint64_t a = *d & m;
    unsigned n = count == N_ONE ? 1 :
                 (unsigned)(count == N_IMM ? insn->imm : cpu->regs[R_ECX]) & (size == 8 ? 0x3f : 0x1f);
    if (!n) {
        if (size == 4)
            *d = a;
        return true;
    }
    uint64_t res, src, src2 = 0;
    unsigned op;
    if (kind == S_SHL) {
        res = (a << n) & m;
        src = a << (n - 1);
        op = CC_OP_SHL;
    } else if (kind == S_SHR) {
        res = a >> n;
        src = a >> (n - 1);
        src2 = (a & sign_bit(size)) != 0;
        op = CC_OP_SHR;
    } else {
        int64_t sa = sext(a, size);
        res = (uint64_t)(sa >> n) & m;
        src = (uint64_t)(sa >> (n - 1));
        op = CC_OP_SAR;
    }
    put_reg(d, size, res);
    cpu->cc.op = op + cc_size_index(size);
    cpu->cc.dst = res;
    cpu->cc.src = src;
    cpu->cc.src2 = src2;
    return true;
}

#define SHIFT_COUNTS(name, kind)                                                                  \
    BY_SIZE(name##_i, fast_shift, kind, N_IMM)                                                    \
    BY_SIZE(name##_1, fast_shift, kind, N_ONE)                                                    \
    BY_SIZE(name##_cl, fast_shift, kind, N_CL)
#define SHIFT_FORMS(name) { SIZES(name##_i), SIZES(name##_1), SIZES(name##_cl) }

SHIFT_COUNTS(f_shl, S_SHL)
SHIFT_COUNTS(f_shr, S_SHR)
SHIFT_COUNTS(f_sar, S_SAR)

static const struct {
    X86Handler generic;
    X86Handler fast[3][4];   /* [N_IMM/N_ONE/N_CL][size 1, 2, 4, 8] */
} shifts[] = {
    { h_shl, SHIFT_FORMS(f_shl) },
    { h_shr, SHIFT_FORMS(f_shr) },
    { h_sar, SHIFT_FORMS(f_sar) },
};

static X86Handler shift_handler(const X86Insn *insn, int slot)
{
    int count;
    if (insn->opfast[1] == X86_OPFAST_IMM)
        count = N_IMM;
    else if (insn->row->op[1].kind == OPK_ONE)
        count = N_ONE;
    else if (insn->row->op[1].kind == OPK_REG && insn->opfast[1] == R_ECX + 1)
        count = N_CL;
    else
        return NULL;
    for (size_t i = 0; i < sizeof(shifts) / sizeof(shifts[0]); i++)
        if (shifts[i].generic == insn->row->handler)
            return shifts[i].fast[count][slot];
    return NULL;
}

FAST_INLINE bool fast_inc_dec(X86CPU *cpu, const X86Insn *insn, unsigned size, bool inc)
{
    uint64_t m = size == 8 ? ~0ull : 0xffffffffull;
    uint64_t *d = fast_reg(cpu, insn->opfast[0]);
    uint64_t res = (*d + (inc ? 1 : -1)) & m;
    int cf = fast_carry(cpu);   /* INC/DEC keep CF */
    if (__builtin_expect(cf < 0, 0)) {
        return false;
    }
    *d = res;
    cpu->cc.op = (inc ? CC_OP_INC : CC_OP_DEC) + (size == 8 ? 3 : 2);
    cpu->cc.dst = res;
    cpu->cc.src = 1;
    cpu->cc.src2 = (uint64_t)cf;
    return true;
}

FAST_FN(f_inc_32, fast_inc_dec, 4, true)
FAST_FN(f_inc_64, fast_inc_dec, 8, true)
FAST_FN(f_dec_32, fast_inc_dec, 4, false)
FAST_FN(f_dec_64, fast_inc_dec, 8, false)

/* NOT / NEG of a register (as interp-alu.c: NEG records 0 - b as a SUB). */
FAST_INLINE bool fast_not_neg(X86CPU *cpu, const X86Insn *insn, bool neg, unsigned size)
{
    uint64_t *d = fast_reg(cpu, insn->opfast[0]);
    uint64_t b = *d & mask_for(size);
    if (!neg) {
        put_reg(d, size, ~b);
        return true;
    }
    uint64_t res = (0 - b) & mask_for(size);
    put_reg(d, size, res);
    cpu->cc.op = CC_OP_SUB + cc_size_index(size);
    cpu->cc.dst = res;
    cpu->cc.src = b;
    cpu->cc.src2 = 0;
    return true;
}

BY_SIZE(f_not, fast_not_neg, false)
BY_SIZE(f_neg, fast_not_neg, true)
static const X86Handler not_neg[2][4] = { SIZES(f_not), SIZES(f_neg) };

/* IMUL r, r/m (, imm) at 32/64 bits: the low half, CF = OF = the
 * product does not fit (CC_OP_MUL, as interp-muldiv.c records it). */
FAST_INLINE bool fast_imul(X86CPU *cpu, const X86Insn *insn, int src, bool imm, unsigned size)
{
    uint64_t a;
    if (src == SRC_MEM) {
        const uint8_t *h = gen_host(cpu, insn, size, ACC_READ);
        if (__builtin_expect(h == NULL, 0)) {
            return false;
        }
        a = x86_host_ld(h, size);
    } else {
        a = *fast_reg(cpu, insn->opfast[1]);
    }
    uint64_t b = imm ? insn->imm : *fast_reg(cpu, insn->opfast[0]);
    uint64_t lo;
    bool ov;
    if (size == 4) {
        int64_t p = (int64_t)(int32_t)a * (int64_t)(int32_t)b;
        lo = (uint32_t)p;
        ov = p != (int64_t)(int32_t)lo;
    } else {
        int64_t p;
        ov = __builtin_mul_overflow((int64_t)a, (int64_t)b, &p);
        lo = (uint64_t)p;
    }
    *fast_reg(cpu, insn->opfast[0]) = lo;
    cpu->cc.op = CC_OP_MUL + cc_size_index(size);
    cpu->cc.dst = lo;
    cpu->cc.src = ov;
    cpu->cc.src2 = 0;
    return true;
}

/* fast_imul in a chain: the memory forms address through insn_ea, which
 * reads rip (rip-relative operands) */
FAST_INLINE bool chain_imul(X86CPU *cpu, const X86Insn *insn, int src, bool imm, unsigned size)
{
    if (src == SRC_MEM)
        cpu->rip = exec_of(insn)->next_rip;
    return fast_imul(cpu, insn, src, imm, size);
}

#define IMUL_FN(name, ...)                                                                        \
    PLAIN_FN(name, fast_imul, __VA_ARGS__)                                                        \
    CHAIN_FN(name##_c, name, chain_imul, __VA_ARGS__)
IMUL_FN(f_imul_rr_32, SRC_REG, false, 4)
IMUL_FN(f_imul_rr_64, SRC_REG, false, 8)
IMUL_FN(f_imul_rm_32, SRC_MEM, false, 4)
IMUL_FN(f_imul_rm_64, SRC_MEM, false, 8)
IMUL_FN(f_imul_rri_32, SRC_REG, true, 4)
IMUL_FN(f_imul_rri_64, SRC_REG, true, 8)
IMUL_FN(f_imul_rmi_32, SRC_MEM, true, 4)
IMUL_FN(f_imul_rmi_64, SRC_MEM, true, 8)

static X86Handler imul_handler(const X86Insn *insn)
{
    static const X86Handler by_form[2][2][2] = {   /* [imm][mem][wide] */
        { { f_imul_rr_32, f_imul_rr_64 }, { f_imul_rm_32, f_imul_rm_64 } },
        { { f_imul_rri_32, f_imul_rri_64 }, { f_imul_rmi_32, f_imul_rmi_64 } },
    };
    const X86InsnRow *row = insn->row;
    unsigned size = insn->opsz[0];
    bool imm = row->handler == h_imul3;
    if ((row->handler != h_imul2 && !imm) || (size != 4 && size != 8) ||
        row->nops != (imm ? 3 : 2) || !is_reg(insn->opfast[0]) || insn->opsz[1] != size ||
        (imm && insn->opfast[2] != X86_OPFAST_IMM))
        return NULL;
    bool mem = !is_reg(insn->opfast[1]);
    if (mem && !(insn->is_mem && row->op[1].kind == OPK_E))
        return NULL;
    return by_form[imm][mem][size == 8];
}

/* Near calls and the stack with 64-bit operand size (64-bit mode:
 * flat SS, no stack-size wrap). Non-canonical targets, slow memory and
 * watchpoints take the generic handler, which raises the faults. */
FAST_INLINE uint8_t *stack_host(X86CPU *cpu, uint64_t sp, int access)
{
    return x86_fast_host_run(cpu, R_SS, sp, 8, access);
}

FAST_INLINE bool fast_push(X86CPU *cpu, const X86Insn *insn, uint64_t v)
{
    uint64_t sp = cpu->regs[R_ESP] - 8;
    uint8_t *host = stack_host(cpu, sp, ACC_WRITE);
    if (__builtin_expect(host == NULL, 0)) {
        return false;
    }
    x86_host_st(host, v, 8);
    cpu->regs[R_ESP] = sp;
    return true;
}

FAST_INLINE bool push_r64(X86CPU *cpu, const X86Insn *insn, int unused)
{
    (void)unused;
    return fast_push(cpu, insn, *fast_reg(cpu, insn->opfast[0]));
}

FAST_INLINE bool push_i64(X86CPU *cpu, const X86Insn *insn, int unused)
{
    (void)unused;
    return fast_push(cpu, insn, insn->imm);
}

FAST_INLINE bool pop_r64(X86CPU *cpu, const X86Insn *insn, int unused)
{
    (void)unused;
    uint64_t sp = cpu->regs[R_ESP];
    uint8_t *host = stack_host(cpu, sp, ACC_READ);
    if (__builtin_expect(host == NULL, 0)) {
        return false;
    }
    uint64_t v = x86_host_ld(host, 8);
    cpu->regs[R_ESP] = sp + 8;
    *fast_reg(cpu, insn->opfast[0]) = v;   /* after rsp: POP RSP loads the value */
    return true;
}

FAST_FN(f_push_r64, push_r64, 0)
FAST_FN(f_push_i64, push_i64, 0)
FAST_FN(f_pop_r64, pop_r64, 0)

/* CALL to `target` returning to `ret` (the next instruction); false: the
 * generic handler is to run instead. */
FAST_INLINE bool fast_call(X86CPU *cpu, const X86Insn *insn, uint64_t target, uint64_t ret)
{
    uint64_t sp = cpu->regs[R_ESP] - 8;
    uint8_t *host = canonical(target) ? stack_host(cpu, sp, ACC_WRITE) : NULL;
    if (__builtin_expect(host == NULL, 0))
        return false;
    x86_host_st(host, ret, 8);
    cpu->regs[R_ESP] = sp;
    cpu->rip = target;
    return true;
}

/* RET: false: the generic handler is to run instead. */
FAST_INLINE bool fast_ret(X86CPU *cpu, const X86Insn *insn)
{
    uint64_t sp = cpu->regs[R_ESP];
    uint8_t *host = stack_host(cpu, sp, ACC_READ);
    uint64_t target = host ? x86_host_ld(host, 8) : 0;
    if (__builtin_expect(!host || !canonical(target), 0))
        return false;
    cpu->regs[R_ESP] = sp + 8 + (insn->row->nops ? (insn->imm & 0xffff) : 0);
    cpu->rip = target;
    return true;
}

static void f_call_rel64(X86CPU *cpu, const X86Insn *insn)
{
    if (!fast_call(cpu, insn, cpu->rip + insn->imm, cpu->rip))
        fast_fallback(cpu, insn);
}

static void f_call_r64(X86CPU *cpu, const X86Insn *insn)
{
    if (!fast_call(cpu, insn, *fast_reg(cpu, insn->opfast[0]), cpu->rip))
        fast_fallback(cpu, insn);
}

static void f_ret_64(X86CPU *cpu, const X86Insn *insn)
{
    if (!fast_ret(cpu, insn))
        fast_fallback(cpu, insn);
}

/* The chained forms: the chain goes on into the next block if it can
 * (chain_taken), or ends at the branch (or after the generic handler). */
static void f_call_rel64_c(X86CPU *cpu, const X86Insn *insn)
{
    uint64_t next = exec_of(insn)->next_rip;
    if (fast_call(cpu, insn, next + insn->imm, next))
        chain_taken(cpu, insn);
    else
        interp_chain_fallback(cpu, insn);
}

static void f_call_r64_c(X86CPU *cpu, const X86Insn *insn)
{
    if (fast_call(cpu, insn, *fast_reg(cpu, insn->opfast[0]), exec_of(insn)->next_rip))
        chain_taken(cpu, insn);
    else
        interp_chain_fallback(cpu, insn);
}

static void f_ret_64_c(X86CPU *cpu, const X86Insn *insn)
{
    if (fast_ret(cpu, insn))
        chain_taken(cpu, insn);
    else
        interp_chain_fallback(cpu, insn);
}

CHAIN_PAIR(f_call_rel64, f_call_rel64_c)
CHAIN_PAIR(f_call_r64, f_call_r64_c)
CHAIN_PAIR(f_ret_64, f_ret_64_c)

/* The stack forms above, or NULL. */
static X86Handler stack_handler(const X86Insn *insn)
{
    X86Handler h = insn->row->handler;
    uint8_t f0 = insn->row->nops ? insn->opfast[0] : 0;
    if (insn->opsize != 8)
        return NULL;
    if (h == h_ret)
        return f_ret_64;
    if (h == h_push)
        return is_reg(f0) ? f_push_r64 :
               f0 == X86_OPFAST_IMM ? f_push_i64 : NULL;
    if (h == h_pop)
        return is_reg(f0) ? f_pop_r64 : NULL;
    if (h == h_call)
        return insn->row->op[0].kind == OPK_J ? f_call_rel64 : is_reg(f0) ? f_call_r64 : NULL;
    return NULL;
}

static bool is_mem_kind(uint8_t kind)
{
    return kind == OPK_E || kind == OPK_M || kind == OPK_O;
}

/* F_* form of a two-operand instruction with operand size `size`, or -1. */
static int two_op_form(const X86Insn *insn, unsigned size)
{
    const X86InsnRow *row = insn->row;
    uint8_t dst = insn->opfast[0], src = insn->opfast[1];
    if (src != X86_OPFAST_IMM && insn->opsz[1] != size)
        return -1;   /* MOVSX-like size changes are not these rows, but be safe */
    if (is_reg(dst)) {
        if (src == X86_OPFAST_IMM)
            return F_RI;
        if (is_reg(src))
            return F_RR;
        return insn->is_mem && is_mem_kind(row->op[1].kind) ? F_RM : -1;
    }
    if (!insn->is_mem || !is_mem_kind(row->op[0].kind))
        return -1;
    if (src == X86_OPFAST_IMM)
        return F_MI;
    return is_reg(src) ? F_MR : -1;
}

static int size_slot(unsigned size)
{
    return size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : size == 8 ? 3 : -1;
}

/* ADD...MOV, the shifts, INC/DEC, or NULL. */
static X86Handler alu_handler(const X86Insn *insn)
{
    const X86InsnRow *row = insn->row;
    unsigned size = insn->opsz[0];
    int slot = size_slot(size);
    if (slot < 0)
        return NULL;
    if (row->nops == 2 && row->op[1].kind != OPK_ONE) {
        int form = two_op_form(insn, size);
        if (form >= F_RM)
            return interp_fast_mem_two_op(insn, form, size);
        for (size_t i = 0; form >= 0 && i < sizeof(two_op) / sizeof(two_op[0]); i++)
            if (two_op[i].generic == row->handler)
                return two_op[i].fast[form][slot];
    }
    if (row->nops == 2 && is_reg(insn->opfast[0]))
        return shift_handler(insn, slot);
    if (row->nops == 1 && is_reg(insn->opfast[0]) && (row->handler == h_not || row->handler == h_neg))
        return not_neg[row->handler == h_neg][slot];
    if (row->nops == 1 && is_reg(insn->opfast[0]) && (size == 4 || size == 8)) {
        if (row->handler == h_inc)
            return size == 8 ? f_inc_64 : f_inc_32;
        if (row->handler == h_dec)
            return size == 8 ? f_dec_64 : f_dec_32;
    }
    return NULL;
}

X86Handler interp_fast_handler(const X86Insn *insn)
{
    if (insn->lock)
        return NULL;
    X86Handler h = interp_fast_cc_handler(insn);
    if (!h)
        h = stack_handler(insn);
    if (!h)
        h = imul_handler(insn);
    if (!h && insn->row->nops >= 1)
        h = interp_fast_mem_other(insn);
    if (!h)
        h = extend_handler(insn);
    if (!h && insn->row->nops >= 1)
        h = alu_handler(insn);
    return h;
}

/* ---- chained handlers (block-cache.h) ---- */

void interp_chain_fallback(X86CPU *cpu, const X86Insn *insn)
{
    const ExecInsn *x = exec_of(insn);
    cpu->insn_start_rip = insn->pc;
    cpu->rip = x->next_rip;
    insn->row->handler(cpu, insn);
    /* on with the next entry unless it branched, touched device memory
     * (run_break) or the chain is to end anyway */
    if (__builtin_expect(cpu->rip != x->next_rip || cpu->run_break || cpu->chain_stop, 0)) {
        cpu->chain_last = x;
        return;
    }
    const ExecInsn *n = x + 1;
    n->handler(cpu, &n->insn);
}

void interp_chain_stopped(X86CPU *cpu, const X86Insn *insn)
{
    const ExecInsn *x = exec_of(insn);
    cpu->rip = x->next_rip;
    cpu->chain_last = x;
}

/* the pairs of all the interp-fast*.c files: a sorted copy, built once */
extern const ChainPair __start_vessel_chain[], __stop_vessel_chain[];
static ChainPair *chain_pairs;
static size_t chain_npairs;
static pthread_once_t chain_once = PTHREAD_ONCE_INIT;

static int pair_cmp(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t)((const ChainPair *)a)->plain;
    uintptr_t y = (uintptr_t)((const ChainPair *)b)->plain;
    return x < y ? -1 : x > y;
}

static void chain_init(void)
{
    chain_npairs = (size_t)(__stop_vessel_chain - __start_vessel_chain);
    chain_pairs = malloc((chain_npairs ? chain_npairs : 1) * sizeof(ChainPair));
    if (!chain_pairs)
        abort();
    memcpy(chain_pairs, __start_vessel_chain, chain_npairs * sizeof(ChainPair));
    qsort(chain_pairs, chain_npairs, sizeof(ChainPair), pair_cmp);
}

X86Handler interp_chain_handler(X86Handler plain)
{
    pthread_once(&chain_once, chain_init);
    ChainPair key = { plain, NULL };
    const ChainPair *p = bsearch(&key, chain_pairs, chain_npairs, sizeof(ChainPair), pair_cmp);
    return p ? p->chained : NULL;
}
