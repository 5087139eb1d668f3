/*
 * Helpers shared by the interpreter's handlers: register and memory
 * operands, explicit memory accesses with the data-breakpoint check, the
 * stack, privilege checks.
 */
#include "accel/debug.h"   /* gdb watchpoints (issue 5) */
#include "target-x86/interp.h"
#include "target-x86/mem-inline.h"

/* ---- data breakpoints ---- */

__thread unsigned interp_pending_data_bps;

static void check_data_breakpoints(X86CPU *cpu, int seg, uint64_t off, unsigned size, bool write)
{
    static const unsigned len_of[4] = { 1, 2, 8, 4 };
    uint64_t dr7 = cpu->dr[7];
    uint64_t lin = (cpu->code64 && seg < R_FS ? 0 : cpu->seg[seg].base) + off;
    if (!cpu->code64)
        lin &= 0xffffffffull;
    for (int n = 0; n < 4; n++) {
        unsigned rw = (unsigned)(dr7 >> (16 + 4 * n)) & 3;
        unsigned len = len_of[(dr7 >> (18 + 4 * n)) & 3];
        uint64_t bp = cpu->dr[n] & ~(uint64_t)(len - 1);
        if (((dr7 >> (2 * n)) & 3) && (rw == 3 || (rw == 1 && write)) && lin < bp + len &&
            bp < lin + size)
            interp_pending_data_bps |= 1u << n;
    }
}

/* No DR0-DR3 breakpoint enabled and no gdb watchpoint: plain accesses. */
static inline bool no_data_watch(X86CPU *cpu)
{
    return !(cpu->dr[7] & 0xff) && !atomic_load_explicit(&debug_watch_active, memory_order_relaxed);
}

static inline __attribute__((always_inline)) void mem_write_inl(X86CPU *cpu, int seg,
                                                                uint64_t off, uint64_t val,
                                                                unsigned size)
{
    if (__builtin_expect(no_data_watch(cpu), 1)) {
        uint8_t *host = x86_fast_host(cpu, seg, off, size, ACC_WRITE);
        if (host)
            x86_host_st(host, val, size);
        else
            x86_write(cpu, seg, off, val, size);
        return;
    }
    mem_write(cpu, seg, off, val, size);
}

static inline __attribute__((always_inline)) uint64_t mem_read_inl(X86CPU *cpu, int seg,
                                                                   uint64_t off, unsigned size)
{
    if (__builtin_expect(no_data_watch(cpu), 1)) {
        uint8_t *host = x86_fast_host(cpu, seg, off, size, ACC_READ);
        return host ? x86_host_ld(host, size) : x86_read(cpu, seg, off, size);
    }
    return mem_read(cpu, seg, off, size);
}

void mem_write(X86CPU *cpu, int seg, uint64_t off, uint64_t val, unsigned size)
{
    x86_write(cpu, seg, off, val, size);
    if (atomic_load_explicit(&debug_watch_active, memory_order_relaxed))   /* gdb stub */
        debug_check_access(cpu, x86_seg_linear(cpu, seg, off, size, ACC_WRITE), size, true);
    if (cpu->dr[7] & 0xff)
        check_data_breakpoints(cpu, seg, off, size, true);
}

uint64_t mem_read(X86CPU *cpu, int seg, uint64_t off, unsigned size)
{
    uint64_t v = x86_read(cpu, seg, off, size);
    if (atomic_load_explicit(&debug_watch_active, memory_order_relaxed))   /* gdb stub */
        debug_check_access(cpu, x86_seg_linear(cpu, seg, off, size, ACC_READ), size, false);
    if (cpu->dr[7] & 0xff)
        check_data_breakpoints(cpu, seg, off, size, false);
    return v;
}

/* ---- operands ---- */

uint64_t opnd_read_slow(X86CPU *cpu, const X86Insn *insn, unsigned i)
{
    const X86OperandSpec *op = &insn->row->op[i];
    unsigned size = insn->opsz[i];
    switch (op->kind) {
    case OPK_E: case OPK_M: case OPK_R:
        if (insn->is_mem)
            return mem_read_inl(cpu, insn->seg, insn_ea(cpu, insn), size);
        return greg(cpu, insn, insn->rm, size);
    case OPK_G: return greg(cpu, insn, insn->reg, size);
    case OPK_Z: return greg(cpu, insn, zreg(insn), size);
    case OPK_REG: return reg_read(cpu, op->reg, size, false);
    case OPK_I: return insn->imm;   /* sign-extended; consumers mask */
    case OPK_ONE: return 1;
    case OPK_O: return mem_read_inl(cpu, insn->seg, insn_ea(cpu, insn), size);
    default: x86_raise_exception(cpu, EXCP_UD);
    }
}

void opnd_write_slow(X86CPU *cpu, const X86Insn *insn, unsigned i, uint64_t v)
{
    const X86OperandSpec *op = &insn->row->op[i];
    unsigned size = insn->opsz[i];
    switch (op->kind) {
    case OPK_E: case OPK_M: case OPK_R: case OPK_O:
        if (insn->is_mem)
            mem_write_inl(cpu, insn->seg, insn_ea(cpu, insn), v, size);
        else
            set_greg(cpu, insn, insn->rm, size, v);
        break;
    case OPK_G: set_greg(cpu, insn, insn->reg, size, v); break;
    case OPK_Z: set_greg(cpu, insn, zreg(insn), size, v); break;
    case OPK_REG: reg_write(cpu, op->reg, size, v, false); break;
    default: x86_raise_exception(cpu, EXCP_UD);
    }
}

/* ---- stack ---- */

uint64_t stack_mask(X86CPU *cpu)
{
    return cpu->code64 ? ~0ull : cpu->stack32 ? 0xffffffffull : 0xffff;
}

void set_rsp(X86CPU *cpu, uint64_t sp)
{
    uint64_t m = stack_mask(cpu);
    cpu->regs[R_ESP] = (cpu->regs[R_ESP] & ~m) | (sp & m);
}

void stack_push(X86CPU *cpu, uint64_t val, unsigned size)
{
    uint64_t m = stack_mask(cpu);
    uint64_t sp = (cpu->regs[R_ESP] - size) & m;
    mem_write_inl(cpu, R_SS, sp, val, size);
    set_rsp(cpu, sp);
}

uint64_t stack_pop(X86CPU *cpu, unsigned size)
{
    uint64_t m = stack_mask(cpu);
    uint64_t sp = cpu->regs[R_ESP] & m;
    uint64_t v = mem_read_inl(cpu, R_SS, sp, size);
    set_rsp(cpu, sp + size);
    return v;
}

uint64_t stack_peek(X86CPU *cpu, unsigned offset, unsigned size)
{
    uint64_t m = stack_mask(cpu);
    return mem_read_inl(cpu, R_SS, (cpu->regs[R_ESP] + offset) & m, size);
}

void require_cpl0(X86CPU *cpu)
{
    if (cpu->cpl != 0)
        x86_raise_exception_err(cpu, EXCP_GP, 0);
}
