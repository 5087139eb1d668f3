/*
 * The interpreter's instruction handlers (one per row of insn-table.def,
 * implemented by family in interp-*.c) and the operand access helpers
 * they share.
 */
#ifndef VESSEL_TARGET_X86_INTERP_H
#define VESSEL_TARGET_X86_INTERP_H

#include "target-x86/cpu.h"
#include "target-x86/decode.h"
#include "target-x86/cc.h"

/* Handler prototypes, generated from the table. */
#define X(map_, opc_, reg_, rm_, pfx_, mod_, mn_, ops_, feat_, attrs_, fr_, fw_, h_) \
    void h_(X86CPU *cpu, const X86Insn *insn);
#include "target-x86/insn-table.def"
#include "target-x86/insn-table-x87.def"
#include "target-x86/insn-table-sse.def"
#undef X

/* ---- operand access shared by the handlers ---- */

static inline uint64_t mask_for(unsigned size)
{
    return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

static inline uint64_t sign_bit(unsigned size)
{
    return 1ull << (size * 8 - 1);
}

static inline int64_t sext(uint64_t v, unsigned size)
{
    unsigned shift = 64 - 8 * size;
    return size >= 8 ? (int64_t)v : (int64_t)(v << shift) >> shift;
}

static inline uint64_t reg_read(X86CPU *cpu, int reg, unsigned size, bool rex)
{
    if (size == 1 && !rex && reg >= 4 && reg < 8)
        return (cpu->regs[reg - 4] >> 8) & 0xff;
    return cpu->regs[reg] & mask_for(size);
}

static inline void reg_write(X86CPU *cpu, int reg, unsigned size, uint64_t v, bool rex)
{
    uint64_t *r = &cpu->regs[reg];
    switch (size) {
    case 1:
        if (!rex && reg >= 4 && reg < 8) {
            r = &cpu->regs[reg - 4];
            *r = (*r & ~0xff00ull) | ((v & 0xff) << 8);
        } else {
            *r = (*r & ~0xffull) | (v & 0xff);
        }
        break;
    case 2: *r = (*r & ~0xffffull) | (v & 0xffff); break;
    case 4: *r = (uint32_t)v; break;
    default: *r = v; break;
    }
}

/* General register of the ModRM.reg / r/m field or of the opcode. */
static inline uint64_t greg(X86CPU *cpu, const X86Insn *insn, int reg, unsigned size)
{
    return reg_read(cpu, reg, size, insn->rex != 0);
}

static inline void set_greg(X86CPU *cpu, const X86Insn *insn, int reg, unsigned size, uint64_t v)
{
    reg_write(cpu, reg, size, v, insn->rex != 0);
}

static inline uint64_t addr_mask(unsigned addrsize)
{
    return mask_for(addrsize);
}

/* Effective address (offset in insn->seg) of the memory operand. Call
 * from a handler: cpu->rip is then the next instruction's address. */
static inline uint64_t insn_ea(X86CPU *cpu, const X86Insn *insn)
{
    uint64_t ea = (uint64_t)insn->disp;
    if (insn->rip_rel)
        ea += cpu->rip;
    if (insn->base >= 0)
        ea += cpu->regs[insn->base];
    if (insn->index >= 0)
        ea += cpu->regs[insn->index] * insn->scale;
    return ea & addr_mask(insn->addrsize);
}

/* Register number of an OPK_Z operand. */
static inline int zreg(const X86Insn *insn)
{
    return (insn->opcode & 7) | ((insn->rex & 1) << 3);
}

/* DR6.Bn bits of data breakpoints hit by the current instruction. */
extern __thread unsigned interp_pending_data_bps;
/* x86_write / x86_read plus the DR0-DR3 data-breakpoint checks (a #DB trap
 * after the instruction): handlers use these for explicit accesses. */
void mem_write(X86CPU *cpu, int seg, uint64_t off, uint64_t val, unsigned size);
uint64_t mem_read(X86CPU *cpu, int seg, uint64_t off, unsigned size);
/* Operand i of the instruction (register, memory, immediate...): the
 * general code, and inline fast paths for plain registers and immediates
 * (insn->opfast, set by the decoder). */
uint64_t opnd_read_slow(X86CPU *cpu, const X86Insn *insn, unsigned i);
void opnd_write_slow(X86CPU *cpu, const X86Insn *insn, unsigned i, uint64_t v);

static inline uint64_t opnd_read(X86CPU *cpu, const X86Insn *insn, unsigned i)
{
    unsigned f = insn->opfast[i];
    if (__builtin_expect(f - 1u < 16u, 1))
        return cpu->regs[f - 1] & mask_for(insn->opsz[i]);
    if (f == X86_OPFAST_IMM)
        return insn->imm;   /* sign-extended; consumers mask */
    return opnd_read_slow(cpu, insn, i);
}

static inline void opnd_write(X86CPU *cpu, const X86Insn *insn, unsigned i, uint64_t v)
{
    unsigned f = insn->opfast[i];
    if (__builtin_expect(f - 1u < 16u, 1)) {
        uint64_t *r = &cpu->regs[f - 1];
        switch (insn->opsz[i]) {
        case 1: *r = (*r & ~0xffull) | (v & 0xff); break;
        case 2: *r = (*r & ~0xffffull) | (v & 0xffff); break;
        case 4: *r = (uint32_t)v; break;
        default: *r = v; break;
        }
        return;
    }
    opnd_write_slow(cpu, insn, i, v);
}
/* The stack: push/pop of `size` bytes through SS with the stack-size wrap;
 * push writes memory before updating rsp (precise exceptions). */
void stack_push(X86CPU *cpu, uint64_t val, unsigned size);
uint64_t stack_pop(X86CPU *cpu, unsigned size);
/* Read at rsp + offset without changing rsp. */
uint64_t stack_peek(X86CPU *cpu, unsigned offset, unsigned size);
uint64_t stack_mask(X86CPU *cpu);
void set_rsp(X86CPU *cpu, uint64_t sp);
/* #GP(0) unless CPL 0. */
void require_cpl0(X86CPU *cpu);
/* A specialised handler with the same effects as insn->row->handler for
 * this instruction (common register forms, interp-fast.c), or NULL. */
X86Handler interp_fast_handler(const X86Insn *insn);

#endif
