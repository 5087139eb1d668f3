/*
 * Stack instructions: PUSH/POP (registers, memory, immediates, segment
 * registers), PUSHA/POPA, ENTER/LEAVE, PUSHF/POPF. Memory is accessed
 * before rsp or any register is committed.
 */
#include "target-x86/interp.h"

void h_push(X86CPU *cpu, const X86Insn *insn)
{
    stack_push(cpu, opnd_read(cpu, insn, 0), insn->opsize);
}

void h_pop(X86CPU *cpu, const X86Insn *insn)
{
    unsigned size = insn->opsize;
    uint64_t v = stack_peek(cpu, 0, size);
    uint64_t old_sp = cpu->regs[R_ESP];
    set_rsp(cpu, old_sp + size);
    if (insn->is_mem) {
        /* the address is computed with the incremented rsp */
        uint64_t ea = insn_ea(cpu, insn);
        cpu->regs[R_ESP] = old_sp;
        mem_write(cpu, insn->seg, ea, v, size);
        set_rsp(cpu, old_sp + size);
        return;
    }
    opnd_write(cpu, insn, 0, v);
}

void h_push_seg(X86CPU *cpu, const X86Insn *insn)
{
    unsigned size = insn->opsize;
    uint64_t sp = (cpu->regs[R_ESP] - size) & stack_mask(cpu);
    /* recent processors write only the 16-bit selector */
    mem_write(cpu, R_SS, sp, cpu->seg[insn->row->op[0].reg].selector, 2);
    set_rsp(cpu, sp);
}

void h_pop_seg(X86CPU *cpu, const X86Insn *insn)
{
    unsigned size = insn->opsize;
    int seg = insn->row->op[0].reg;
    uint16_t sel = (uint16_t)stack_peek(cpu, 0, size);
    x86_load_seg(cpu, seg, sel);
    set_rsp(cpu, cpu->regs[R_ESP] + size);
    if (seg == R_SS)
        cpu->inhibit_irq = true;
}

void h_pusha(X86CPU *cpu, const X86Insn *insn)
{
    unsigned size = insn->opsize;
    uint64_t m = stack_mask(cpu), sp = cpu->regs[R_ESP];
    for (int r = R_EAX; r <= R_EDI; r++)
        mem_write(cpu, R_SS, (sp - (uint64_t)(r + 1) * size) & m, cpu->regs[r], size);
    set_rsp(cpu, sp - 8 * size);
}

void h_popa(X86CPU *cpu, const X86Insn *insn)
{
    unsigned size = insn->opsize;
    uint64_t v[8];
    for (int r = R_EAX; r <= R_EDI; r++)
        v[r] = stack_peek(cpu, (unsigned)(R_EDI - r) * size, size);
    for (int r = R_EAX; r <= R_EDI; r++)
        if (r != R_ESP)
            reg_write(cpu, r, size, v[r], false);
    set_rsp(cpu, cpu->regs[R_ESP] + 8 * size);
}

void h_enter(X86CPU *cpu, const X86Insn *insn)
{
    unsigned size = insn->opsize;
    unsigned alloc = (unsigned)(insn->imm & 0xffff), level = (unsigned)(insn->imm2 & 0x1f);
    uint64_t m = stack_mask(cpu);
    uint64_t sp = (cpu->regs[R_ESP] - size) & m;
    mem_write(cpu, R_SS, sp, cpu->regs[R_EBP], size);
    uint64_t frame = sp, bp = cpu->regs[R_EBP];
    if (level > 0) {
        for (unsigned i = 1; i < level; i++) {
            bp = (bp - size) & m;
            uint64_t v = mem_read(cpu, R_SS, bp, size);
            sp = (sp - size) & m;
            mem_write(cpu, R_SS, sp, v, size);
        }
        sp = (sp - size) & m;
        mem_write(cpu, R_SS, sp, frame, size);
    }
    sp = (sp - alloc) & m;
    if (!cpu->code64)   /* the new stack top must be inside SS */
        x86_seg_linear(cpu, R_SS, sp, 1, ACC_WRITE);
    reg_write(cpu, R_EBP, size, frame, false);
    set_rsp(cpu, sp);
}

void h_leave(X86CPU *cpu, const X86Insn *insn)
{
    unsigned size = insn->opsize;
    uint64_t m = stack_mask(cpu);
    uint64_t bp = cpu->regs[R_EBP] & m;
    uint64_t v = mem_read(cpu, R_SS, bp, size);
    set_rsp(cpu, bp + size);
    reg_write(cpu, R_EBP, size, v, false);
}

static bool vm86_needs_gp(X86CPU *cpu)
{
    return (cpu->rflags & VM_MASK) && ((cpu->rflags & IOPL_MASK) >> IOPL_SHIFT) < 3;
}

void h_pushf(X86CPU *cpu, const X86Insn *insn)
{
    if (vm86_needs_gp(cpu))
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    uint64_t f = x86_get_rflags(cpu) & ~(uint64_t)(VM_MASK | RF_MASK);
    stack_push(cpu, f, insn->opsize);
}

void h_popf(X86CPU *cpu, const X86Insn *insn)
{
    unsigned size = insn->opsize;
    if (vm86_needs_gp(cpu))
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    uint64_t v = stack_peek(cpu, 0, size);
    uint64_t mask = 0x7fd5 | AC_MASK | ID_MASK;
    unsigned iopl = (cpu->rflags & IOPL_MASK) >> IOPL_SHIFT;
    if (cpu->rflags & VM_MASK) {
        mask &= ~(uint64_t)IOPL_MASK;
    } else if ((cpu->cr0 & CR0_PE) && cpu->cpl > 0) {
        mask &= ~(uint64_t)IOPL_MASK;
        if ((unsigned)cpu->cpl > iopl)
            mask &= ~(uint64_t)IF_MASK;
    }
    if (size == 2)
        mask &= 0xffff;
    set_rsp(cpu, cpu->regs[R_ESP] + size);
    x86_set_rflags(cpu, v, mask);
    cpu->rflags &= ~(uint64_t)RF_MASK;
}
