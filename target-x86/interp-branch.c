/*
 * Control transfer: Jcc, JMP/CALL/RET near, LOOP/LOOPcc/JrCXZ, INT n,
 * INT3, INTO, INT1, IRET, far JMP/CALL/RET, SYSCALL/SYSRET,
 * SYSENTER/SYSEXIT. The branch target is checked before anything
 * (stack, rcx) is committed.
 */
#include "target-x86/interp.h"

/* Truncate and validate a near branch target (#GP(0) if outside CS or
 * non-canonical). */
static uint64_t checked_target(X86CPU *cpu, const X86Insn *insn, uint64_t target)
{
    if (insn->opsize != 8)
        target &= mask_for(insn->opsize);
    if (cpu->code64) {
        if ((uint64_t)((int64_t)(target << 16) >> 16) != target)
            x86_raise_exception_err(cpu, EXCP_GP, 0);
    } else if (target > cpu->seg[R_CS].limit) {
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    }
    return target;
}

static uint64_t near_target(X86CPU *cpu, const X86Insn *insn)
{
    if (insn->row->op[0].kind == OPK_J)
        return cpu->rip + insn->imm;
    return opnd_read(cpu, insn, 0);
}

void h_jcc(X86CPU *cpu, const X86Insn *insn)
{
    if (cc_condition(cpu, insn->opcode & 15))
        cpu->rip = checked_target(cpu, insn, cpu->rip + insn->imm);
}

void h_jmp(X86CPU *cpu, const X86Insn *insn)
{
    cpu->rip = checked_target(cpu, insn, near_target(cpu, insn));
}

void h_call(X86CPU *cpu, const X86Insn *insn)
{
    uint64_t target = checked_target(cpu, insn, near_target(cpu, insn));
    stack_push(cpu, cpu->rip, insn->opsize);
    cpu->rip = target;
}

void h_ret(X86CPU *cpu, const X86Insn *insn)
{
    unsigned size = insn->opsize;
    uint64_t target = checked_target(cpu, insn, stack_peek(cpu, 0, size));
    unsigned extra = insn->row->nops ? (unsigned)(insn->imm & 0xffff) : 0;
    set_rsp(cpu, cpu->regs[R_ESP] + size + extra);
    cpu->rip = target;
}

void h_loop(X86CPU *cpu, const X86Insn *insn)
{
    uint64_t m = addr_mask(insn->addrsize);
    uint64_t count = (cpu->regs[R_ECX] - 1) & m;
    bool taken = count != 0;
    if (insn->opcode == 0xe0)
        taken = taken && !(cc_compute_all(cpu) & CC_Z);
    else if (insn->opcode == 0xe1)
        taken = taken && (cc_compute_all(cpu) & CC_Z);
    uint64_t target = taken ? checked_target(cpu, insn, cpu->rip + insn->imm) : cpu->rip;
    reg_write(cpu, R_ECX, insn->addrsize, count, false);
    cpu->rip = target;
}

void h_jcxz(X86CPU *cpu, const X86Insn *insn)
{
    if ((cpu->regs[R_ECX] & addr_mask(insn->addrsize)) == 0)
        cpu->rip = checked_target(cpu, insn, cpu->rip + insn->imm);
}

void h_int(X86CPU *cpu, const X86Insn *insn)
{
    cc_flush(cpu);
    x86_do_int_n(cpu, (int)(insn->imm & 0xff), cpu->rip);   /* vm86 rules: excp.c */
}

void h_int3(X86CPU *cpu, const X86Insn *insn)
{
    cc_flush(cpu);
    x86_do_interrupt(cpu, EXCP_BP, true, false, 0, cpu->rip);
}

void h_into(X86CPU *cpu, const X86Insn *insn)
{
    cc_flush(cpu);
    if (cpu->rflags & CC_O)
        x86_do_interrupt(cpu, EXCP_OF, true, false, 0, cpu->rip);
}

void h_int1(X86CPU *cpu, const X86Insn *insn)
{
    /* ICEBP: a #DB trap without the DPL check of INT n */
    cc_flush(cpu);
    x86_do_interrupt(cpu, EXCP_DB, false, false, 0, cpu->rip);
}

void h_iret(X86CPU *cpu, const X86Insn *insn)
{
    cc_flush(cpu);
    x86_iret(cpu, insn->opsize);
}

/* sel:offset of a far CALL/JMP: immediate (Ap) or memory (Mp). */
static void far_pointer(X86CPU *cpu, const X86Insn *insn, uint16_t *sel, uint64_t *off)
{
    if (insn->row->op[0].kind == OPK_A) {
        *sel = (uint16_t)insn->imm2;
        *off = insn->imm & mask_for(insn->opsize == 2 ? 2 : 4);
        return;
    }
    unsigned size = insn->opsize;
    uint64_t ea = insn_ea(cpu, insn);
    *off = mem_read(cpu, insn->seg, ea, size);
    *sel = (uint16_t)mem_read(cpu, insn->seg, (ea + size) & addr_mask(insn->addrsize), 2);
}

void h_callf(X86CPU *cpu, const X86Insn *insn)
{
    uint16_t sel;
    uint64_t off;
    far_pointer(cpu, insn, &sel, &off);
    cc_flush(cpu);
    x86_far_call(cpu, sel, off, insn->opsize, cpu->rip);
}

void h_jmpf(X86CPU *cpu, const X86Insn *insn)
{
    uint16_t sel;
    uint64_t off;
    far_pointer(cpu, insn, &sel, &off);
    cc_flush(cpu);
    x86_far_jmp(cpu, sel, off, cpu->rip);
}

void h_retf(X86CPU *cpu, const X86Insn *insn)
{
    uint16_t extra = insn->row->nops ? (uint16_t)insn->imm : 0;
    cc_flush(cpu);
    x86_far_ret(cpu, insn->opsize, extra);
}

void h_syscall(X86CPU *cpu, const X86Insn *insn)
{
    cc_flush(cpu);
    x86_syscall(cpu, cpu->rip);
}

void h_sysret(X86CPU *cpu, const X86Insn *insn)
{
    cc_flush(cpu);
    x86_sysret(cpu, insn->opsize);
}

void h_sysenter(X86CPU *cpu, const X86Insn *insn)
{
    cc_flush(cpu);
    x86_sysenter(cpu);
}

void h_sysexit(X86CPU *cpu, const X86Insn *insn)
{
    cc_flush(cpu);
    x86_sysexit(cpu, insn->opsize);
}
