/*
 * Specialised handlers for the commonest forms: ADD ADC SUB SBB OR AND
 * XOR CMP TEST with a register destination (8/16/32/64-bit) and a
 * register, immediate or memory source, the same with a memory
 * destination (read-modify-write in place when the page is plain
 * writable RAM, else the generic handler), MOV between registers,
 * immediates and memory, MOVZX from memory, LEA, INC/DEC of a register,
 * SHL/SHR/SAR of a register by an immediate or 1. Same effects as the
 * generic handlers (interp-alu.c, interp-move.c) without the operand
 * dispatch. Also IMUL r,r/m(,imm), Jcc, and PUSH/POP r, CALL/RET near with
 * 64-bit operands. The interpreter's decoded-instruction cache installs
 * them (interp_fast_handler).
 */
#include "accel/debug.h"
#include "target-x86/interp.h"
#include "target-x86/mem-inline.h"

enum { K_ADD, K_OR, K_AND, K_SUB, K_XOR, K_CMP, K_TEST, K_ADC, K_SBB, K_MOV };
enum { SRC_REG, SRC_IMM, SRC_MEM };

static inline bool is_reg(uint8_t opfast)
{
    return opfast - 1u < 16u;   /* a plain general register (X86Insn.opfast) */
}

/* The memory operand, as opnd_read would read it (mem_read: breakpoints,
 * watchpoints and every slow case). x86_fast_host_run: RAM through the
 * TLB when the run allows it (no DR0-DR3 breakpoint, no gdb watchpoint). */
static inline __attribute__((always_inline)) uint64_t fast_load(X86CPU *cpu, const X86Insn *insn,
                                                                unsigned size)
{
    uint64_t ea = insn_ea(cpu, insn);
    uint8_t *host = x86_fast_host_run(cpu, insn->seg, ea, size, ACC_READ);
    if (__builtin_expect(host != NULL, 1))
        return x86_host_ld(host, size);
    return mem_read(cpu, insn->seg, ea, size);
}

static inline __attribute__((always_inline)) void fast_store(X86CPU *cpu, const X86Insn *insn,
                                                             uint64_t v, unsigned size)
{
    uint64_t ea = insn_ea(cpu, insn);
    uint8_t *host = x86_fast_host_run(cpu, insn->seg, ea, size, ACC_WRITE);
    if (__builtin_expect(host != NULL, 1)) {
        x86_host_st(host, v, size);
        return;
    }
    mem_write(cpu, insn->seg, ea, v, size);
}

/* a OP b at `size`, with the flags recorded as alu() in interp-alu.c does. */
static inline __attribute__((always_inline)) uint64_t alu_op(X86CPU *cpu, int kind, unsigned size,
                                                             uint64_t a, uint64_t b)
{
    uint64_t m = mask_for(size);
    uint64_t carry = (kind == K_ADC || kind == K_SBB) ? cc_compute_c(cpu) : 0;
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
static inline __attribute__((always_inline)) void put_reg(uint64_t *d, unsigned size, uint64_t v)
{
    if (size == 1 || size == 2)
        *d = (*d & ~mask_for(size)) | (v & mask_for(size));
    else
        *d = size == 4 ? (uint32_t)v : v;
}

/* OP r, r/imm/m (MOV too). */
static inline __attribute__((always_inline)) void fast_to_reg(X86CPU *cpu, const X86Insn *insn,
                                                              int kind, int src, unsigned size)
{
    uint64_t *d = &cpu->regs[insn->opfast[0] - 1];
    uint64_t b = src == SRC_IMM ? insn->imm :
                 src == SRC_MEM ? fast_load(cpu, insn, size) : cpu->regs[insn->opfast[1] - 1];
    if (kind == K_MOV)
        put_reg(d, size, b);
    else if (kind == K_CMP || kind == K_TEST)
        alu_op(cpu, kind, size, *d, b);
    else
        put_reg(d, size, alu_op(cpu, kind, size, *d, b));
}

/* OP m, r/imm: MOV stores; CMP/TEST only read; the others modify the
 * memory in place when it is plain writable RAM without watchpoints and
 * otherwise take the generic handler (which raises the faults). */
static inline __attribute__((always_inline)) void fast_to_mem(X86CPU *cpu, const X86Insn *insn,
                                                              int kind, int src, unsigned size)
{
    uint64_t b = src == SRC_IMM ? insn->imm : cpu->regs[insn->opfast[1] - 1];
    if (kind == K_MOV) {
        fast_store(cpu, insn, b & mask_for(size), size);
        return;
    }
    if (kind == K_CMP || kind == K_TEST) {
        alu_op(cpu, kind, size, fast_load(cpu, insn, size), b);
        return;
    }
    uint8_t *host = x86_fast_host_run(cpu, insn->seg, insn_ea(cpu, insn), size, ACC_WRITE);
    if (!host) {
        insn->row->handler(cpu, insn);
        return;
    }
    x86_host_st(host, alu_op(cpu, kind, size, x86_host_ld(host, size), b), size);
}

/* Four handlers (operand sizes 1, 2, 4, 8) of fn(cpu, insn, args..., size). */
#define BY_SIZE(name, fn, ...)                                                                    \
    static void name##_8(X86CPU *cpu, const X86Insn *insn) { fn(cpu, insn, __VA_ARGS__, 1); }    \
    static void name##_16(X86CPU *cpu, const X86Insn *insn) { fn(cpu, insn, __VA_ARGS__, 2); }   \
    static void name##_32(X86CPU *cpu, const X86Insn *insn) { fn(cpu, insn, __VA_ARGS__, 4); }   \
    static void name##_64(X86CPU *cpu, const X86Insn *insn) { fn(cpu, insn, __VA_ARGS__, 8); }

/* The five forms of a two-operand instruction: to a register from a
 * register, an immediate, memory; to memory from a register, an immediate. */
#define TWO_OP(name, kind)                                                                        \
    BY_SIZE(name##_rr, fast_to_reg, kind, SRC_REG)                                                \
    BY_SIZE(name##_ri, fast_to_reg, kind, SRC_IMM)                                                \
    BY_SIZE(name##_rm, fast_to_reg, kind, SRC_MEM)                                                \
    BY_SIZE(name##_mr, fast_to_mem, kind, SRC_REG)                                                \
    BY_SIZE(name##_mi, fast_to_mem, kind, SRC_IMM)

TWO_OP(f_add, K_ADD)
TWO_OP(f_or, K_OR)
TWO_OP(f_and, K_AND)
TWO_OP(f_sub, K_SUB)
TWO_OP(f_xor, K_XOR)
TWO_OP(f_cmp, K_CMP)
TWO_OP(f_test, K_TEST)
TWO_OP(f_adc, K_ADC)
TWO_OP(f_sbb, K_SBB)
TWO_OP(f_mov, K_MOV)

#define SIZES(name) { name##_8, name##_16, name##_32, name##_64 }
#define FORMS(name) { SIZES(name##_rr), SIZES(name##_ri), SIZES(name##_rm), SIZES(name##_mr),     \
                      SIZES(name##_mi) }

enum { F_RR, F_RI, F_RM, F_MR, F_MI, NB_FORMS };

/* generic handler -> specialised ones by form and operand size */
static const struct {
    X86Handler generic;
    X86Handler fast[NB_FORMS][4];
} two_op[] = {
    { h_add, FORMS(f_add) }, { h_or, FORMS(f_or) }, { h_and, FORMS(f_and) },
    { h_sub, FORMS(f_sub) }, { h_xor, FORMS(f_xor) }, { h_cmp, FORMS(f_cmp) },
    { h_test, FORMS(f_test) }, { h_adc, FORMS(f_adc) }, { h_sbb, FORMS(f_sbb) },
    { h_mov, FORMS(f_mov) },
};

/* MOVZX r32/r64, m8/m16 (a 32-bit write zero-extends to 64 anyway) */
static void f_movzx_m8(X86CPU *cpu, const X86Insn *insn)
{
    cpu->regs[insn->opfast[0] - 1] = fast_load(cpu, insn, 1);
}

static void f_movzx_m16(X86CPU *cpu, const X86Insn *insn)
{
    cpu->regs[insn->opfast[0] - 1] = fast_load(cpu, insn, 2);
}

/* LEA r32/r64, m */
static void f_lea_32(X86CPU *cpu, const X86Insn *insn)
{
    cpu->regs[insn->opfast[0] - 1] = (uint32_t)insn_ea(cpu, insn);
}

static void f_lea_64(X86CPU *cpu, const X86Insn *insn)
{
    cpu->regs[insn->opfast[0] - 1] = insn_ea(cpu, insn);
}

/* SHL/SHR/SAR of a register by an immediate or by 1 (as interp-shift.c:
 * a masked count of 0 only zero-extends a 32-bit destination). */
enum { S_SHL, S_SHR, S_SAR };

static inline __attribute__((always_inline)) void fast_shift(X86CPU *cpu, const X86Insn *insn,
                                                             int kind, unsigned size, bool one)
{
    uint64_t m = size == 8 ? ~0ull : 0xffffffffull;
    uint64_t *d = &cpu->regs[insn->opfast[0] - 1];
    uint64_t a = *d & m;
    unsigned n = one ? 1 : (unsigned)insn->imm & (size == 8 ? 0x3f : 0x1f);
    if (!n) {
        *d = a;
        return;
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
        src2 = (a & (size == 8 ? 1ull << 63 : 1ull << 31)) != 0;
        op = CC_OP_SHR;
    } else {
        int64_t sa = size == 8 ? (int64_t)a : (int64_t)(int32_t)a;
        res = (uint64_t)(sa >> n) & m;
        src = (uint64_t)(sa >> (n - 1));
        op = CC_OP_SAR;
    }
    *d = res;
    cpu->cc.op = op + (size == 8 ? 3 : 2);
    cpu->cc.dst = res;
    cpu->cc.src = src;
    cpu->cc.src2 = src2;
}

#define FAST_SHIFT(name, kind)                                                                    \
    static void name##_i32(X86CPU *cpu, const X86Insn *insn) { fast_shift(cpu, insn, kind, 4, false); } \
    static void name##_i64(X86CPU *cpu, const X86Insn *insn) { fast_shift(cpu, insn, kind, 8, false); } \
    static void name##_1_32(X86CPU *cpu, const X86Insn *insn) { fast_shift(cpu, insn, kind, 4, true); } \
    static void name##_1_64(X86CPU *cpu, const X86Insn *insn) { fast_shift(cpu, insn, kind, 8, true); }

FAST_SHIFT(f_shl, S_SHL)
FAST_SHIFT(f_shr, S_SHR)
FAST_SHIFT(f_sar, S_SAR)

static const struct {
    X86Handler generic;
    X86Handler fast[4];   /* imm 32, imm 64, by 1 32, by 1 64 */
} shifts[] = {
    { h_shl, { f_shl_i32, f_shl_i64, f_shl_1_32, f_shl_1_64 } },
    { h_shr, { f_shr_i32, f_shr_i64, f_shr_1_32, f_shr_1_64 } },
    { h_sar, { f_sar_i32, f_sar_i64, f_sar_1_32, f_sar_1_64 } },
};

static X86Handler shift_handler(const X86Insn *insn, unsigned wide)
{
    int form;
    if (insn->opfast[1] == X86_OPFAST_IMM)
        form = (int)wide;
    else if (insn->row->op[1].kind == OPK_ONE)
        form = 2 + (int)wide;
    else
        return NULL;
    for (size_t i = 0; i < sizeof(shifts) / sizeof(shifts[0]); i++)
        if (shifts[i].generic == insn->row->handler)
            return shifts[i].fast[form];
    return NULL;
}

static inline __attribute__((always_inline)) void fast_inc_dec(X86CPU *cpu, const X86Insn *insn,
                                                               unsigned size, bool inc)
{
    uint64_t m = size == 8 ? ~0ull : 0xffffffffull;
    uint64_t *d = &cpu->regs[insn->opfast[0] - 1];
    uint64_t res = (*d + (inc ? 1 : -1)) & m;
    bool cf = cc_compute_c(cpu);
    *d = res;
    cpu->cc.op = (inc ? CC_OP_INC : CC_OP_DEC) + (size == 8 ? 3 : 2);
    cpu->cc.dst = res;
    cpu->cc.src = 1;
    cpu->cc.src2 = cf;
}

static void f_inc_32(X86CPU *cpu, const X86Insn *insn) { fast_inc_dec(cpu, insn, 4, true); }
static void f_inc_64(X86CPU *cpu, const X86Insn *insn) { fast_inc_dec(cpu, insn, 8, true); }
static void f_dec_32(X86CPU *cpu, const X86Insn *insn) { fast_inc_dec(cpu, insn, 4, false); }
static void f_dec_64(X86CPU *cpu, const X86Insn *insn) { fast_inc_dec(cpu, insn, 8, false); }

/* IMUL r, r/m (, imm) at 32/64 bits: the low half, CF = OF = the
 * product does not fit (CC_OP_MUL, as interp-muldiv.c records it). */
static inline __attribute__((always_inline)) void fast_imul(X86CPU *cpu, const X86Insn *insn,
                                                            int src, bool imm, unsigned size)
{
    uint64_t a = src == SRC_MEM ? fast_load(cpu, insn, size) : cpu->regs[insn->opfast[1] - 1];
    uint64_t b = imm ? insn->imm : cpu->regs[insn->opfast[0] - 1];
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
    cpu->regs[insn->opfast[0] - 1] = lo;
    cpu->cc.op = CC_OP_MUL + cc_size_index(size);
    cpu->cc.dst = lo;
    cpu->cc.src = ov;
    cpu->cc.src2 = 0;
}

static void f_imul_rr_32(X86CPU *cpu, const X86Insn *insn) { fast_imul(cpu, insn, SRC_REG, false, 4); }
static void f_imul_rr_64(X86CPU *cpu, const X86Insn *insn) { fast_imul(cpu, insn, SRC_REG, false, 8); }
static void f_imul_rm_32(X86CPU *cpu, const X86Insn *insn) { fast_imul(cpu, insn, SRC_MEM, false, 4); }
static void f_imul_rm_64(X86CPU *cpu, const X86Insn *insn) { fast_imul(cpu, insn, SRC_MEM, false, 8); }
static void f_imul_rri_32(X86CPU *cpu, const X86Insn *insn) { fast_imul(cpu, insn, SRC_REG, true, 4); }
static void f_imul_rri_64(X86CPU *cpu, const X86Insn *insn) { fast_imul(cpu, insn, SRC_REG, true, 8); }
static void f_imul_rmi_32(X86CPU *cpu, const X86Insn *insn) { fast_imul(cpu, insn, SRC_MEM, true, 4); }
static void f_imul_rmi_64(X86CPU *cpu, const X86Insn *insn) { fast_imul(cpu, insn, SRC_MEM, true, 8); }

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

/* Near branches and the stack with 64-bit operand size (64-bit mode:
 * flat SS, no stack-size wrap). Non-canonical targets, slow memory and
 * watchpoints take the generic handler, which raises the faults. */
static inline bool canonical(uint64_t a)
{
    return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

static inline uint8_t *stack_host(X86CPU *cpu, uint64_t sp, int access)
{
    return x86_fast_host_run(cpu, R_SS, sp, 8, access);
}

static void f_jcc_64(X86CPU *cpu, const X86Insn *insn)
{
    if (cc_condition(cpu, insn->opcode & 15)) {
        uint64_t target = cpu->rip + insn->imm;
        if (!canonical(target))
            x86_raise_exception_err(cpu, EXCP_GP, 0);
        cpu->rip = target;
    }
}

static void f_jcc_32(X86CPU *cpu, const X86Insn *insn)
{
    if (cc_condition(cpu, insn->opcode & 15)) {
        uint64_t target = (cpu->rip + insn->imm) & 0xffffffffull;
        if (target > cpu->seg[R_CS].limit)
            x86_raise_exception_err(cpu, EXCP_GP, 0);
        cpu->rip = target;
    }
}

static inline __attribute__((always_inline)) void fast_push(X86CPU *cpu, const X86Insn *insn,
                                                            uint64_t v)
{
    uint64_t sp = cpu->regs[R_ESP] - 8;
    uint8_t *host = stack_host(cpu, sp, ACC_WRITE);
    if (!host) {
        insn->row->handler(cpu, insn);
        return;
    }
    x86_host_st(host, v, 8);
    cpu->regs[R_ESP] = sp;
}

static void f_push_r64(X86CPU *cpu, const X86Insn *insn)
{
    fast_push(cpu, insn, cpu->regs[insn->opfast[0] - 1]);
}

static void f_push_i64(X86CPU *cpu, const X86Insn *insn)
{
    fast_push(cpu, insn, insn->imm);
}

static void f_pop_r64(X86CPU *cpu, const X86Insn *insn)
{
    uint64_t sp = cpu->regs[R_ESP];
    uint8_t *host = stack_host(cpu, sp, ACC_READ);
    if (!host) {
        h_pop(cpu, insn);
        return;
    }
    uint64_t v = x86_host_ld(host, 8);
    cpu->regs[R_ESP] = sp + 8;
    cpu->regs[insn->opfast[0] - 1] = v;   /* after rsp: POP RSP loads the value */
}

static inline __attribute__((always_inline)) void fast_call(X86CPU *cpu, const X86Insn *insn,
                                                            uint64_t target)
{
    uint64_t sp = cpu->regs[R_ESP] - 8;
    uint8_t *host = canonical(target) ? stack_host(cpu, sp, ACC_WRITE) : NULL;
    if (!host) {
        h_call(cpu, insn);
        return;
    }
    x86_host_st(host, cpu->rip, 8);
    cpu->regs[R_ESP] = sp;
    cpu->rip = target;
}

static void f_call_rel64(X86CPU *cpu, const X86Insn *insn)
{
    fast_call(cpu, insn, cpu->rip + insn->imm);
}

static void f_call_r64(X86CPU *cpu, const X86Insn *insn)
{
    fast_call(cpu, insn, cpu->regs[insn->opfast[0] - 1]);
}

static void f_ret_64(X86CPU *cpu, const X86Insn *insn)
{
    uint64_t sp = cpu->regs[R_ESP];
    uint8_t *host = stack_host(cpu, sp, ACC_READ);
    uint64_t target = host ? x86_host_ld(host, 8) : 0;
    if (!host || !canonical(target)) {
        h_ret(cpu, insn);
        return;
    }
    cpu->regs[R_ESP] = sp + 8 + (insn->row->nops ? (insn->imm & 0xffff) : 0);
    cpu->rip = target;
}

/* The branch and stack forms above, or NULL. */
static X86Handler branch_stack_handler(const X86Insn *insn)
{
    X86Handler h = insn->row->handler;
    uint8_t f0 = insn->row->nops ? insn->opfast[0] : 0;
    if (h == h_jcc)
        return insn->opsize == 8 ? f_jcc_64 : insn->opsize == 4 ? f_jcc_32 : NULL;
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

X86Handler interp_fast_handler(const X86Insn *insn)
{
    const X86InsnRow *row = insn->row;
    unsigned size = insn->opsz[0];
    if (insn->lock)
        return NULL;
    X86Handler bs = branch_stack_handler(insn);
    if (!bs)
        bs = imul_handler(insn);
    if (bs || row->nops < 1)
        return bs;
    if (row->nops == 2 && insn->is_mem && is_reg(insn->opfast[0])) {
        if (row->handler == h_movzx && (size == 4 || size == 8) && is_mem_kind(row->op[1].kind))
            return insn->opsz[1] == 1 ? f_movzx_m8 : insn->opsz[1] == 2 ? f_movzx_m16 : NULL;
        if (row->handler == h_lea && (size == 4 || size == 8))
            return size == 8 ? f_lea_64 : f_lea_32;
    }
    int slot = size_slot(size);
    if (row->nops == 2 && row->op[1].kind != OPK_ONE && slot >= 0) {
        int form = two_op_form(insn, size);
        for (size_t i = 0; form >= 0 && i < sizeof(two_op) / sizeof(two_op[0]); i++)
            if (two_op[i].generic == row->handler)
                return two_op[i].fast[form][slot];
    }
    if (size != 4 && size != 8)
        return NULL;
    unsigned wide = size == 8;
    if (row->nops == 1) {
        if (!is_reg(insn->opfast[0]))
            return NULL;
        if (row->handler == h_inc)
            return wide ? f_inc_64 : f_inc_32;
        if (row->handler == h_dec)
            return wide ? f_dec_64 : f_dec_32;
        return NULL;
    }
    if (row->nops == 2 && is_reg(insn->opfast[0]))
        return shift_handler(insn, wide);
    return NULL;
}
