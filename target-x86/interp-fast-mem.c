/*
 * Specialised handlers with a memory operand: ADD ADC SUB SBB OR AND XOR
 * CMP TEST and MOV between a register or an immediate and memory, MOVZX /
 * MOVSX / MOVSXD from memory, LEA. Loads, compares, MOV stores and LEA
 * exist per addressing form, chosen at decode: [base + disp] and
 * [base + index*scale + disp] at 64- and 32-bit address size, and the
 * generic insn_ea for the rest (rip-relative, no base, 16-bit addresses);
 * the rarer read-modify-write forms and ADC/SBB only with insn_ea (less
 * code). The RAM fast path is x86_fast_host_run; anything else (TLB
 * miss, device memory, segment checks, breakpoints, watchpoints)
 * tail-calls the row's generic handler.
 */
#include "target-x86/interp-fast.h"

enum { EA_GEN, EA_B64, EA_BI64, EA_B32, EA_BI32, NB_EA };

/* The effective address in addressing form `ea` (as insn_ea computes it). */
FAST_INLINE uint64_t ea_of(X86CPU *cpu, const X86Insn *insn, int ea)
{
    uint64_t disp = (uint64_t)insn->disp;
    switch (ea) {
    case EA_B64:
        return cpu->regs[(uint8_t)insn->base] + disp;
    case EA_BI64:
        return cpu->regs[(uint8_t)insn->base] + cpu->regs[(uint8_t)insn->index] * insn->scale + disp;
    case EA_B32:
        return (uint32_t)(cpu->regs[(uint8_t)insn->base] + disp);
    case EA_BI32:
        return (uint32_t)(cpu->regs[(uint8_t)insn->base] +
                          cpu->regs[(uint8_t)insn->index] * insn->scale + disp);
    default:
        return insn_ea(cpu, insn);
    }
}

/* Host pointer of the operand at offset `off`, or NULL. The 64-bit forms
 * are chosen only without an FS/GS override: in 64-bit mode (the only one
 * with 64-bit addresses, and the handlers run only in the mode they were
 * decoded in) the other segments have base 0. */
FAST_INLINE uint8_t *host_of(X86CPU *cpu, const X86Insn *insn, int ea, uint64_t off,
                             unsigned size, int access)
{
    if (ea == EA_B64 || ea == EA_BI64)
        return x86_fast_host_run64(cpu, off, size, access);
    return x86_fast_host_run(cpu, insn->seg, off, size, access);
}

/* OP r, m (MOV too). */
FAST_INLINE bool mem_to_reg(X86CPU *cpu, const X86Insn *insn, int ea, int kind, unsigned size)
{
    const uint8_t *h = host_of(cpu, insn, ea, ea_of(cpu, insn, ea), size, ACC_READ);
    if (__builtin_expect(h == NULL, 0)) {
        return false;
    }
    return reg_op(cpu, insn, kind, size, x86_host_ld(h, size));
}

/* OP m, r/imm: MOV stores, CMP/TEST read, the others modify in place. */
FAST_INLINE bool to_mem(X86CPU *cpu, const X86Insn *insn, int ea, int kind, int src,
                        unsigned size)
{
    bool rd = kind == K_CMP || kind == K_TEST;
    int carry = carry_in(cpu, kind);
    uint8_t *h = carry < 0 ? NULL :
                 host_of(cpu, insn, ea, ea_of(cpu, insn, ea), size, rd ? ACC_READ : ACC_WRITE);
    if (__builtin_expect(h == NULL, 0)) {
        return false;
    }
    uint64_t b = src == SRC_IMM ? insn->imm : *fast_reg(cpu, insn->opfast[1]);
    if (kind == K_MOV)
        x86_host_st(h, b, size);
    else if (rd)
        alu_op(cpu, kind, size, x86_host_ld(h, size), b, 0);
    else
        x86_host_st(h, alu_op(cpu, kind, size, x86_host_ld(h, size), b, (uint64_t)carry), size);
    return true;
}

/* mem_to_reg with to_mem's arguments (for the handler macros) */
FAST_INLINE bool mem_to_reg_f(X86CPU *cpu, const X86Insn *insn, int ea, int kind, int src,
                              unsigned size)
{
    (void)src;
    return mem_to_reg(cpu, insn, ea, kind, size);
}

/* MOVZX/MOVSX r32/r64, m8/m16 and MOVSXD r64, m32 (dsize: 4 or 8). */
FAST_INLINE bool mem_extend(X86CPU *cpu, const X86Insn *insn, int ea, bool sign, unsigned ssize,
                            unsigned dsize)
{
    const uint8_t *h = host_of(cpu, insn, ea, ea_of(cpu, insn, ea), ssize, ACC_READ);
    if (__builtin_expect(h == NULL, 0)) {
        return false;
    }
    uint64_t v = x86_host_ld(h, ssize);
    if (sign)
        v = (uint64_t)sext(v, ssize);
    *fast_reg(cpu, insn->opfast[0]) = dsize == 4 ? (uint32_t)v : v;
    return true;
}

/* LEA r32/r64, m */
FAST_INLINE bool fast_lea(X86CPU *cpu, const X86Insn *insn, int ea, unsigned size)
{
    uint64_t v = ea_of(cpu, insn, ea);
    *fast_reg(cpu, insn->opfast[0]) = size == 4 ? (uint32_t)v : v;
    return true;
}

/* fn in a chain (block-cache.h): the generic addressing form reads rip
 * (rip-relative operands). */
#define CHAINED(fn, cpu, insn, ea, ...)                                                           \
    ((ea) == EA_GEN ? (void)((cpu)->rip = exec_of(insn)->next_rip) : (void)0,                     \
     fn(cpu, insn, ea, __VA_ARGS__))
#define CHAINED_FN(cpu, insn, fn, ea, ...) CHAINED(fn, cpu, insn, ea, __VA_ARGS__)

/* One handler per addressing form of fn(cpu, insn, ea, args...), and its
 * chained form name_c. */
#define EA_FN(name, fn, ea, ...)                                                                  \
    PLAIN_FN(name, fn, ea, __VA_ARGS__)                                                           \
    CHAIN_FN(name##_c, name, CHAINED_FN, fn, ea, __VA_ARGS__)
#define BY_EA(name, fn, ...)                                                                      \
    EA_FN(name##_gen, fn, EA_GEN, __VA_ARGS__)                                                   \
    EA_FN(name##_b64, fn, EA_B64, __VA_ARGS__)                                                   \
    EA_FN(name##_bi64, fn, EA_BI64, __VA_ARGS__)                                                 \
    EA_FN(name##_b32, fn, EA_B32, __VA_ARGS__)                                                   \
    EA_FN(name##_bi32, fn, EA_BI32, __VA_ARGS__)
#define EAS(name) { name##_gen, name##_b64, name##_bi64, name##_b32, name##_bi32 }

#define BY_SIZE_EA(name, fn, ...)                                                                 \
    BY_EA(name##_8, fn, __VA_ARGS__, 1)                                                          \
    BY_EA(name##_16, fn, __VA_ARGS__, 2)                                                         \
    BY_EA(name##_32, fn, __VA_ARGS__, 4)                                                         \
    BY_EA(name##_64, fn, __VA_ARGS__, 8)
#define SIZES_EA(name) { EAS(name##_8), EAS(name##_16), EAS(name##_32), EAS(name##_64) }

/* The same at the generic addressing form only (rarer forms: less code). */
#define BY_SIZE_GEN(name, fn, ...)                                                                \
    EA_FN(name##_8_gen, fn, EA_GEN, __VA_ARGS__, 1)                                              \
    EA_FN(name##_16_gen, fn, EA_GEN, __VA_ARGS__, 2)                                             \
    EA_FN(name##_32_gen, fn, EA_GEN, __VA_ARGS__, 4)                                             \
    EA_FN(name##_64_gen, fn, EA_GEN, __VA_ARGS__, 8)
#define GEN5(name) { name##_gen, name##_gen, name##_gen, name##_gen, name##_gen }
#define SIZES_GEN(name) { GEN5(name##_8), GEN5(name##_16), GEN5(name##_32), GEN5(name##_64) }

/* Loads and compares at every addressing form; the read-modify-write
 * forms (and ADC/SBB) at the generic one. */
#define MEM_OPS_ALL(name, kind)                                                                   \
    BY_SIZE_EA(name##_rm, mem_to_reg_f, kind, SRC_MEM)                                           \
    BY_SIZE_EA(name##_mr, to_mem, kind, SRC_REG)                                                 \
    BY_SIZE_EA(name##_mi, to_mem, kind, SRC_IMM)
#define MEM_FORMS_ALL(name) { SIZES_EA(name##_rm), SIZES_EA(name##_mr), SIZES_EA(name##_mi) }
#define MEM_OPS_RM(name, kind)                                                                    \
    BY_SIZE_EA(name##_rm, mem_to_reg_f, kind, SRC_MEM)                                           \
    BY_SIZE_GEN(name##_mr, to_mem, kind, SRC_REG)                                                \
    BY_SIZE_GEN(name##_mi, to_mem, kind, SRC_IMM)
#define MEM_FORMS_RM(name) { SIZES_EA(name##_rm), SIZES_GEN(name##_mr), SIZES_GEN(name##_mi) }
#define MEM_OPS_GEN(name, kind)                                                                   \
    BY_SIZE_GEN(name##_rm, mem_to_reg_f, kind, SRC_MEM)                                          \
    BY_SIZE_GEN(name##_mr, to_mem, kind, SRC_REG)                                                \
    BY_SIZE_GEN(name##_mi, to_mem, kind, SRC_IMM)
#define MEM_FORMS_GEN(name) { SIZES_GEN(name##_rm), SIZES_GEN(name##_mr), SIZES_GEN(name##_mi) }

MEM_OPS_RM(m_add, K_ADD)
MEM_OPS_RM(m_or, K_OR)
MEM_OPS_RM(m_and, K_AND)
MEM_OPS_RM(m_sub, K_SUB)
MEM_OPS_RM(m_xor, K_XOR)
MEM_OPS_ALL(m_cmp, K_CMP)
MEM_OPS_ALL(m_test, K_TEST)
MEM_OPS_GEN(m_adc, K_ADC)
MEM_OPS_GEN(m_sbb, K_SBB)
MEM_OPS_ALL(m_mov, K_MOV)

/* generic handler -> specialised ones by form (F_RM, F_MR, F_MI), size, addressing */
static const struct {
    X86Handler generic;
    X86Handler fast[3][4][NB_EA];
} mem_ops[] = {
    { h_add, MEM_FORMS_RM(m_add) }, { h_or, MEM_FORMS_RM(m_or) }, { h_and, MEM_FORMS_RM(m_and) },
    { h_sub, MEM_FORMS_RM(m_sub) }, { h_xor, MEM_FORMS_RM(m_xor) },
    { h_cmp, MEM_FORMS_ALL(m_cmp) }, { h_test, MEM_FORMS_ALL(m_test) },
    { h_adc, MEM_FORMS_GEN(m_adc) }, { h_sbb, MEM_FORMS_GEN(m_sbb) },
    { h_mov, MEM_FORMS_ALL(m_mov) },
};

BY_EA(m_movzx_8_32, mem_extend, false, 1, 4)
BY_EA(m_movzx_8_64, mem_extend, false, 1, 8)
BY_EA(m_movzx_16_32, mem_extend, false, 2, 4)
BY_EA(m_movzx_16_64, mem_extend, false, 2, 8)
BY_EA(m_movsx_8_32, mem_extend, true, 1, 4)
BY_EA(m_movsx_8_64, mem_extend, true, 1, 8)
BY_EA(m_movsx_16_32, mem_extend, true, 2, 4)
BY_EA(m_movsx_16_64, mem_extend, true, 2, 8)
BY_EA(m_movsxd_64, mem_extend, true, 4, 8)
BY_EA(m_lea_32, fast_lea, 4)
BY_EA(m_lea_64, fast_lea, 8)

/* [sign][source 8/16][destination 32/64] */
static const X86Handler extend_ops[2][2][2][NB_EA] = {
    { { EAS(m_movzx_8_32), EAS(m_movzx_8_64) }, { EAS(m_movzx_16_32), EAS(m_movzx_16_64) } },
    { { EAS(m_movsx_8_32), EAS(m_movsx_8_64) }, { EAS(m_movsx_16_32), EAS(m_movsx_16_64) } },
};
static const X86Handler movsxd_ops[NB_EA] = EAS(m_movsxd_64);
static const X86Handler lea_ops[2][NB_EA] = { EAS(m_lea_32), EAS(m_lea_64) };

/* The addressing form of the memory operand (`access`: it is accessed,
 * not just computed as by LEA). */
static int ea_form(const X86Insn *insn, bool access)
{
    if (insn->rip_rel || insn->base < 0)
        return EA_GEN;
    if (insn->addrsize == 8 && (!access || (insn->seg != R_FS && insn->seg != R_GS)))
        return insn->index < 0 ? EA_B64 : EA_BI64;
    if (insn->addrsize == 4)
        return insn->index < 0 ? EA_B32 : EA_BI32;
    return EA_GEN;
}

X86Handler interp_fast_mem_two_op(const X86Insn *insn, int form, unsigned size)
{
    int slot = size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : size == 8 ? 3 : -1;
    if (slot < 0 || form < F_RM || form > F_MI)
        return NULL;
    int ea = ea_form(insn, true);
    for (size_t i = 0; i < sizeof(mem_ops) / sizeof(mem_ops[0]); i++)
        if (mem_ops[i].generic == insn->row->handler)
            return mem_ops[i].fast[form - F_RM][slot][ea];
    return NULL;
}

static bool is_mem_operand(const X86Insn *insn, unsigned i)
{
    uint8_t kind = insn->row->op[i].kind;
    return insn->is_mem && (kind == OPK_E || kind == OPK_M);
}

X86Handler interp_fast_mem_other(const X86Insn *insn)
{
    const X86InsnRow *row = insn->row;
    unsigned dsize = insn->opsz[0], ssize = insn->opsz[1];
    if (row->nops != 2 || !is_reg(insn->opfast[0]) || !is_mem_operand(insn, 1) ||
        (dsize != 4 && dsize != 8))
        return NULL;
    unsigned wide = dsize == 8;
    if (row->handler == h_lea)
        return lea_ops[wide][ea_form(insn, false)];
    int ea = ea_form(insn, true);
    if (row->handler == h_movzx || row->handler == h_movsx) {
        if (ssize != 1 && ssize != 2)
            return NULL;
        return extend_ops[row->handler == h_movsx][ssize == 2][wide][ea];
    }
    if (row->handler == h_movsxd && wide && ssize == 4)
        return movsxd_ops[ea];
    return NULL;
}
