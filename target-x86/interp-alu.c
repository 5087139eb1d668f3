/*
 * Integer arithmetic and logic: ADD OR ADC SBB AND SUB XOR CMP TEST,
 * INC DEC NOT NEG. Memory is written before the flags are recorded, so a
 * faulting write leaves the state of the instruction boundary.
 */
#include "target-x86/interp.h"

enum { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP, ALU_TEST };

static inline __attribute__((always_inline)) void alu(X86CPU *cpu, const X86Insn *insn, int kind)
{
    unsigned size = insn->opsz[0];
    uint64_t m = mask_for(size);
    uint64_t a = opnd_read(cpu, insn, 0);
    uint64_t b = opnd_read(cpu, insn, 1) & m;
    uint64_t carry = (kind == ALU_ADC || kind == ALU_SBB) ? cc_compute_c(cpu) : 0;
    uint64_t res;
    unsigned op;
    switch (kind) {
    case ALU_ADD: res = a + b; op = CC_OP_ADD; break;
    case ALU_ADC: res = a + b + carry; op = CC_OP_ADC; break;
    case ALU_SUB: case ALU_CMP: res = a - b; op = CC_OP_SUB; break;
    case ALU_SBB: res = a - b - carry; op = CC_OP_SBB; break;
    case ALU_OR: res = a | b; op = CC_OP_LOGIC; break;
    case ALU_XOR: res = a ^ b; op = CC_OP_LOGIC; break;
    default: res = a & b; op = CC_OP_LOGIC; break;   /* AND, TEST */
    }
    res &= m;
    if (kind != ALU_CMP && kind != ALU_TEST)
        opnd_write(cpu, insn, 0, res);
    cc_set(cpu, op, size, res, b, carry);
}

void h_add(X86CPU *cpu, const X86Insn *insn) { alu(cpu, insn, ALU_ADD); }
void h_or(X86CPU *cpu, const X86Insn *insn) { alu(cpu, insn, ALU_OR); }
void h_adc(X86CPU *cpu, const X86Insn *insn) { alu(cpu, insn, ALU_ADC); }
void h_sbb(X86CPU *cpu, const X86Insn *insn) { alu(cpu, insn, ALU_SBB); }
void h_and(X86CPU *cpu, const X86Insn *insn) { alu(cpu, insn, ALU_AND); }
void h_sub(X86CPU *cpu, const X86Insn *insn) { alu(cpu, insn, ALU_SUB); }
void h_xor(X86CPU *cpu, const X86Insn *insn) { alu(cpu, insn, ALU_XOR); }
void h_cmp(X86CPU *cpu, const X86Insn *insn) { alu(cpu, insn, ALU_CMP); }
void h_test(X86CPU *cpu, const X86Insn *insn) { alu(cpu, insn, ALU_TEST); }

static inline __attribute__((always_inline)) void inc_dec(X86CPU *cpu, const X86Insn *insn, bool inc)
{
    unsigned size = insn->opsz[0];
    uint64_t res = (opnd_read(cpu, insn, 0) + (inc ? 1 : -1)) & mask_for(size);
    bool cf = cc_compute_c(cpu);
    opnd_write(cpu, insn, 0, res);
    cc_set(cpu, inc ? CC_OP_INC : CC_OP_DEC, size, res, 1, cf);
}

void h_inc(X86CPU *cpu, const X86Insn *insn) { inc_dec(cpu, insn, true); }
void h_dec(X86CPU *cpu, const X86Insn *insn) { inc_dec(cpu, insn, false); }

void h_not(X86CPU *cpu, const X86Insn *insn)
{
    opnd_write(cpu, insn, 0, ~opnd_read(cpu, insn, 0));
}

void h_neg(X86CPU *cpu, const X86Insn *insn)
{
    unsigned size = insn->opsz[0];
    uint64_t b = opnd_read(cpu, insn, 0);
    uint64_t res = (0 - b) & mask_for(size);
    opnd_write(cpu, insn, 0, res);
    cc_set(cpu, CC_OP_SUB, size, res, b, 0);   /* 0 - b: CF = (b != 0) */
}
