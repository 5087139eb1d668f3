/*
 * Specialised handlers for the commonest forms: ADD ADC SUB SBB OR AND
 * XOR CMP TEST with a 32/64-bit register destination and a register, immediate or
 * memory source, CMP/TEST of memory, MOV register/immediate/memory to
 * register and register to memory, INC/DEC of a register, SHL/SHR/SAR of
 * a register by an immediate or 1. Same effects as the generic handlers (interp-alu.c,
 * interp-move.c) without the operand dispatch; the interpreter's
 * decoded-instruction cache installs them (interp_fast_handler).
 */
#include "accel/debug.h"
#include "target-x86/interp.h"
#include "target-x86/mem-inline.h"

enum { K_ADD, K_OR, K_AND, K_SUB, K_XOR, K_CMP, K_TEST, K_ADC, K_SBB };
enum { SRC_REG, SRC_IMM, SRC_MEM };

/* The memory operand, as opnd_read would read it (mem_read: breakpoints,
 * watchpoints and every slow case). */
static inline __attribute__((always_inline)) uint64_t fast_load(X86CPU *cpu, const X86Insn *insn,
                                                                unsigned size)
{
    uint64_t ea = insn_ea(cpu, insn);
    if (!(cpu->dr[7] & 0xff) && !atomic_load_explicit(&debug_watch_active, memory_order_relaxed)) {
        uint8_t *host = x86_fast_host(cpu, insn->seg, ea, size, ACC_READ);
        if (host)
            return x86_host_ld(host, size);
    }
    return mem_read(cpu, insn->seg, ea, size);
}

static inline __attribute__((always_inline)) void fast_store(X86CPU *cpu, const X86Insn *insn,
                                                             uint64_t v, unsigned size)
{
    uint64_t ea = insn_ea(cpu, insn);
    if (!(cpu->dr[7] & 0xff) && !atomic_load_explicit(&debug_watch_active, memory_order_relaxed)) {
        uint8_t *host = x86_fast_host(cpu, insn->seg, ea, size, ACC_WRITE);
        if (host) {
            x86_host_st(host, v, size);
            return;
        }
    }
    mem_write(cpu, insn->seg, ea, v, size);
}

static inline __attribute__((always_inline)) void fast_alu(X86CPU *cpu, const X86Insn *insn,
                                                           int kind, unsigned size, int src)
{
    uint64_t m = size == 8 ? ~0ull : 0xffffffffull;
    uint64_t *d = &cpu->regs[insn->opfast[0] - 1];
    uint64_t a = *d & m;
    uint64_t b = (src == SRC_IMM ? insn->imm :
                  src == SRC_MEM ? fast_load(cpu, insn, size) : cpu->regs[insn->opfast[1] - 1]) & m;
    uint64_t carry = (kind == K_ADC || kind == K_SBB) ? cc_compute_c(cpu) : 0;
    uint64_t res;
    unsigned op;
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
    if (kind != K_CMP && kind != K_TEST)
        *d = res;
    cpu->cc.op = op + (size == 8 ? 3 : 2);
    cpu->cc.dst = res;
    cpu->cc.src = b;
    cpu->cc.src2 = carry;
}

#define FAST_ALU(name, kind)                                                                      \
    static void name##_r32(X86CPU *cpu, const X86Insn *insn) { fast_alu(cpu, insn, kind, 4, SRC_REG); } \
    static void name##_r64(X86CPU *cpu, const X86Insn *insn) { fast_alu(cpu, insn, kind, 8, SRC_REG); } \
    static void name##_i32(X86CPU *cpu, const X86Insn *insn) { fast_alu(cpu, insn, kind, 4, SRC_IMM); } \
    static void name##_i64(X86CPU *cpu, const X86Insn *insn) { fast_alu(cpu, insn, kind, 8, SRC_IMM); } \
    static void name##_m32(X86CPU *cpu, const X86Insn *insn) { fast_alu(cpu, insn, kind, 4, SRC_MEM); } \
    static void name##_m64(X86CPU *cpu, const X86Insn *insn) { fast_alu(cpu, insn, kind, 8, SRC_MEM); }

FAST_ALU(f_add, K_ADD)
FAST_ALU(f_or, K_OR)
FAST_ALU(f_and, K_AND)
FAST_ALU(f_sub, K_SUB)
FAST_ALU(f_xor, K_XOR)
FAST_ALU(f_cmp, K_CMP)
FAST_ALU(f_test, K_TEST)
FAST_ALU(f_adc, K_ADC)
FAST_ALU(f_sbb, K_SBB)

static void f_mov_r32(X86CPU *cpu, const X86Insn *insn)
{
    cpu->regs[insn->opfast[0] - 1] = (uint32_t)cpu->regs[insn->opfast[1] - 1];
}

static void f_mov_r64(X86CPU *cpu, const X86Insn *insn)
{
    cpu->regs[insn->opfast[0] - 1] = cpu->regs[insn->opfast[1] - 1];
}

static void f_mov_i32(X86CPU *cpu, const X86Insn *insn)
{
    cpu->regs[insn->opfast[0] - 1] = (uint32_t)insn->imm;
}

static void f_mov_i64(X86CPU *cpu, const X86Insn *insn)
{
    cpu->regs[insn->opfast[0] - 1] = insn->imm;
}

static void f_mov_m32(X86CPU *cpu, const X86Insn *insn)
{
    cpu->regs[insn->opfast[0] - 1] = fast_load(cpu, insn, 4);
}

static void f_mov_m64(X86CPU *cpu, const X86Insn *insn)
{
    cpu->regs[insn->opfast[0] - 1] = fast_load(cpu, insn, 8);
}

/* MOV m, r */
static void f_store_r32(X86CPU *cpu, const X86Insn *insn)
{
    fast_store(cpu, insn, (uint32_t)cpu->regs[insn->opfast[1] - 1], 4);
}

static void f_store_r64(X86CPU *cpu, const X86Insn *insn)
{
    fast_store(cpu, insn, cpu->regs[insn->opfast[1] - 1], 8);
}

/* MOV m8, r8 (not AH..BH: opfast) */
static void f_store_r8(X86CPU *cpu, const X86Insn *insn)
{
    fast_store(cpu, insn, cpu->regs[insn->opfast[1] - 1] & 0xff, 1);
}

/* MOVZX r32/r64, m8/m16 (a 32-bit write zero-extends to 64 anyway) */
static void f_movzx_m8(X86CPU *cpu, const X86Insn *insn)
{
    cpu->regs[insn->opfast[0] - 1] = fast_load(cpu, insn, 1);
}

static void f_movzx_m16(X86CPU *cpu, const X86Insn *insn)
{
    cpu->regs[insn->opfast[0] - 1] = fast_load(cpu, insn, 2);
}

/* CMP/TEST m, r/imm: flags only. */
static inline __attribute__((always_inline)) void fast_cmp_mem(X86CPU *cpu, const X86Insn *insn,
                                                               bool test, unsigned size, bool imm)
{
    uint64_t m = size == 8 ? ~0ull : 0xffffffffull;
    uint64_t a = fast_load(cpu, insn, size);
    uint64_t b = (imm ? insn->imm : cpu->regs[insn->opfast[1] - 1]) & m;
    uint64_t res = (test ? a & b : a - b) & m;
    cpu->cc.op = (test ? CC_OP_LOGIC : CC_OP_SUB) + (size == 8 ? 3 : 2);
    cpu->cc.dst = res;
    cpu->cc.src = b;
    cpu->cc.src2 = 0;
}

static void f_cmpm_r32(X86CPU *cpu, const X86Insn *insn) { fast_cmp_mem(cpu, insn, false, 4, false); }
static void f_cmpm_r64(X86CPU *cpu, const X86Insn *insn) { fast_cmp_mem(cpu, insn, false, 8, false); }
static void f_cmpm_i32(X86CPU *cpu, const X86Insn *insn) { fast_cmp_mem(cpu, insn, false, 4, true); }
static void f_cmpm_i64(X86CPU *cpu, const X86Insn *insn) { fast_cmp_mem(cpu, insn, false, 8, true); }
static void f_testm_r32(X86CPU *cpu, const X86Insn *insn) { fast_cmp_mem(cpu, insn, true, 4, false); }
static void f_testm_r64(X86CPU *cpu, const X86Insn *insn) { fast_cmp_mem(cpu, insn, true, 8, false); }
static void f_testm_i32(X86CPU *cpu, const X86Insn *insn) { fast_cmp_mem(cpu, insn, true, 4, true); }
static void f_testm_i64(X86CPU *cpu, const X86Insn *insn) { fast_cmp_mem(cpu, insn, true, 8, true); }

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

/* generic handler -> specialised ones by source (reg, imm, mem) x size
 * (32, 64), register destination; and for a memory destination (CMP and
 * TEST: reg/imm source; MOV: reg source). */
static const struct {
    X86Handler generic;
    X86Handler to_reg[6];
    X86Handler to_mem[4];
} two_op[] = {
    { h_add, { f_add_r32, f_add_r64, f_add_i32, f_add_i64, f_add_m32, f_add_m64 }, { 0 } },
    { h_or, { f_or_r32, f_or_r64, f_or_i32, f_or_i64, f_or_m32, f_or_m64 }, { 0 } },
    { h_and, { f_and_r32, f_and_r64, f_and_i32, f_and_i64, f_and_m32, f_and_m64 }, { 0 } },
    { h_sub, { f_sub_r32, f_sub_r64, f_sub_i32, f_sub_i64, f_sub_m32, f_sub_m64 }, { 0 } },
    { h_xor, { f_xor_r32, f_xor_r64, f_xor_i32, f_xor_i64, f_xor_m32, f_xor_m64 }, { 0 } },
    { h_cmp, { f_cmp_r32, f_cmp_r64, f_cmp_i32, f_cmp_i64, f_cmp_m32, f_cmp_m64 },
      { f_cmpm_r32, f_cmpm_r64, f_cmpm_i32, f_cmpm_i64 } },
    { h_test, { f_test_r32, f_test_r64, f_test_i32, f_test_i64, f_test_m32, f_test_m64 },
      { f_testm_r32, f_testm_r64, f_testm_i32, f_testm_i64 } },
    { h_adc, { f_adc_r32, f_adc_r64, f_adc_i32, f_adc_i64, f_adc_m32, f_adc_m64 }, { 0 } },
    { h_sbb, { f_sbb_r32, f_sbb_r64, f_sbb_i32, f_sbb_i64, f_sbb_m32, f_sbb_m64 }, { 0 } },
    { h_mov, { f_mov_r32, f_mov_r64, f_mov_i32, f_mov_i64, f_mov_m32, f_mov_m64 },
      { f_store_r32, f_store_r64, NULL, NULL } },
};

static bool is_mem_kind(uint8_t kind)
{
    return kind == OPK_E || kind == OPK_M || kind == OPK_O;
}

/* Index into to_reg / to_mem for this instruction, or -1. */
static int fast_form(const X86Insn *insn, unsigned size)
{
    const X86InsnRow *row = insn->row;
    unsigned wide = size == 8, dst = insn->opfast[0], src = insn->opfast[1];
    if (dst - 1u < 16u) {
        if (src == X86_OPFAST_IMM)
            return 2 + wide;
        if (insn->opsz[1] != size)
            return -1;
        if (src - 1u < 16u)
            return wide;
        if (insn->is_mem && is_mem_kind(row->op[1].kind))
            return 4 + wide;
        return -1;
    }
    if (!insn->is_mem || !is_mem_kind(row->op[0].kind))
        return -1;
    if (src == X86_OPFAST_IMM)
        return 16 + 2 + wide;
    if (src - 1u < 16u && insn->opsz[1] == size)
        return 16 + wide;
    return -1;
}

X86Handler interp_fast_handler(const X86Insn *insn)
{
    const X86InsnRow *row = insn->row;
    unsigned size = insn->opsz[0];
    if (insn->lock || row->nops < 1)
        return NULL;
    if (row->nops == 2 && insn->is_mem) {
        if (row->handler == h_mov && size == 1 && insn->opsz[1] == 1 &&
            is_mem_kind(row->op[0].kind) && insn->opfast[1] - 1u < 16u)
            return f_store_r8;
        if (row->handler == h_movzx && (size == 4 || size == 8) && insn->opfast[0] - 1u < 16u &&
            is_mem_kind(row->op[1].kind))
            return insn->opsz[1] == 1 ? f_movzx_m8 : insn->opsz[1] == 2 ? f_movzx_m16 : NULL;
    }
    if (size != 4 && size != 8)
        return NULL;
    unsigned wide = size == 8;
    if (row->nops == 1) {
        if (insn->opfast[0] - 1u >= 16u)
            return NULL;
        if (row->handler == h_inc)
            return wide ? f_inc_64 : f_inc_32;
        if (row->handler == h_dec)
            return wide ? f_dec_64 : f_dec_32;
        return NULL;
    }
    if (row->nops == 2 && insn->opfast[0] - 1u < 16u) {
        X86Handler sh = shift_handler(insn, wide);
        if (sh)
            return sh;
    }
    int form = row->nops == 2 ? fast_form(insn, size) : -1;
    if (form < 0)
        return NULL;
    for (size_t i = 0; i < sizeof(two_op) / sizeof(two_op[0]); i++)
        if (two_op[i].generic == row->handler)
            return form >= 16 ? two_op[i].to_mem[form - 16] : two_op[i].to_reg[form];
    return NULL;
}
