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

/*
 * PUSHF/POPF in vm86 mode with IOPL < 3: #GP(0), unless CR4.VME is set and
 * the operand size is 16.  Then PUSHF pushes FLAGS with VIF in the IF
 * position and IOPL = 3, and POPF loads VIF from the popped IF and leaves
 * IF and IOPL alone; popping TF = 1, or IF = 1 while VIP is set, is
 * #GP(0) (SDM vol. 3 20.3.2, PUSHF/POPF).
 */
static bool vm86_virtual_flags(X86CPU *cpu, unsigned size)
{
    if (!(cpu->rflags & VM_MASK) || ((cpu->rflags & IOPL_MASK) >> IOPL_SHIFT) == 3)
        return false;
    if (!(cpu->cr4 & CR4_VME) || size != 2)
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    return true;
}

void h_pushf(X86CPU *cpu, const X86Insn *insn)
{
    uint64_t f = x86_get_rflags(cpu) & ~(uint64_t)(VM_MASK | RF_MASK);
    if (vm86_virtual_flags(cpu, insn->opsize))
        f = (f & ~(uint64_t)IF_MASK) | ((f & VIF_MASK) ? IF_MASK : 0) | IOPL_MASK;
    stack_push(cpu, f, insn->opsize);
}

static void popf_virtual(X86CPU *cpu, uint64_t v)
{
    if ((v & TF_MASK) || ((v & IF_MASK) && (cpu->rflags & VIP_MASK)))
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    set_rsp(cpu, cpu->regs[R_ESP] + 2);
    x86_set_rflags(cpu, v, 0x7fd5 & ~(uint64_t)(IOPL_MASK | IF_MASK));
    x86_set_rflags(cpu, (v & IF_MASK) ? VIF_MASK : 0, VIF_MASK);
    cpu->rflags &= ~(uint64_t)RF_MASK;
}

void h_popf(X86CPU *cpu, const X86Insn *insn)
{
    unsigned size = insn->opsize;
    bool virt = vm86_virtual_flags(cpu, size);
    uint64_t v = stack_peek(cpu, 0, size);
    if (virt) {
        popf_virtual(cpu, v);
        return;
    }
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
