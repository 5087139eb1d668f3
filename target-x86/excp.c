/*
 * Exceptions and interrupts: leaving an instruction by longjmp, delivering
 * the recorded exception with the double-fault / triple-fault rules, and
 * interrupt delivery through the IVT (real mode), the 32-bit IDT (protected
 * mode and vm86, with privilege changes and task gates) and the 64-bit IDT
 * (long mode, with IST). Also the pending-event dispatch at instruction
 * boundaries (INIT, SIPI, NMI, INTR).
 */
#include <setjmp.h>

#include "core/log.h"
#include "core/main-loop.h"
#include "core/runstate.h"
#include "target-x86/cpu.h"
#include "target-x86/cpu-internal.h"

/* ---- raising ---- */

bool x86_excp_has_error(int vector)
{
    switch (vector) {
    case EXCP_DF: case EXCP_TS: case EXCP_NP: case EXCP_SS:
    case EXCP_GP: case EXCP_PF: case EXCP_AC:
        return true;
    default:
        return false;
    }
}

noreturn void x86_raise_exception_err(X86CPU *cpu, int vector, uint32_t error_code)
{
    cpu->exception_vector = vector;
    cpu->exception_error = error_code;
    cpu->exception_has_error = x86_excp_has_error(vector);
    longjmp(cpu->jmp_env, 1);
}

noreturn void x86_raise_exception(X86CPU *cpu, int vector)
{
    x86_raise_exception_err(cpu, vector, 0);
}

/* ---- #DF / triple fault ---- */

static bool is_contributory(int v)
{
    return v == EXCP_DE || (v >= EXCP_TS && v <= EXCP_GP);
}

/* SDM vol. 3 table 6-5: does `second` during delivery of `first` give #DF? */
static bool makes_double_fault(int first, int second)
{
    if (is_contributory(first))
        return is_contributory(second);
    if (first == EXCP_PF)
        return is_contributory(second) || second == EXCP_PF;
    return false;
}

static void triple_fault(X86CPU *cpu)
{
    log_mask(LOG_INT | LOG_GUEST_ERROR, "cpu%d: triple fault at rip=%#llx\n", cpu->index,
             (unsigned long long)cpu->rip);
    cpu->delivering_vector = -1;
    cpu->exception_vector = -1;
    cpu->shutdown = true;
    cpu->halted = true;
    runstate_request_shutdown(SHUTDOWN_GUEST_PANIC);
}

static void do_interrupt_ext(X86CPU *cpu, int vector, bool is_soft, bool has_error,
                             uint32_t error_code, uint64_t next_rip);

void x86_deliver_exception(X86CPU *cpu)
{
    int vec = cpu->exception_vector;
    uint32_t err = cpu->exception_error;
    bool has_err = cpu->exception_has_error;
    int prev = cpu->delivering_vector;

    if (vec < 0)
        return;
    if (prev >= 0) {
        if (prev == EXCP_DF) {
            triple_fault(cpu);
            return;
        }
        if (makes_double_fault(prev, vec)) {
            vec = EXCP_DF;
            err = 0;
            has_err = true;
        }
    }
    log_mask(LOG_INT, "cpu%d: exception %d err=%#x rip=%#llx\n", cpu->index, vec, err,
             (unsigned long long)cpu->rip);
    cpu->exception_vector = -1;
    cpu->delivering_vector = vec;
    do_interrupt_ext(cpu, vec, false, has_err, err, cpu->rip);
    cpu->delivering_vector = -1;
    cpu->inhibit_irq = false;
}

/* ---- real mode ---- */

static void push16_real(X86CPU *cpu, uint64_t *sp, uint16_t v)
{
    uint64_t mask = cpu->stack32 ? 0xffffffffull : 0xffff;
    *sp = (*sp - 2) & mask;
    x86_write_lin(cpu, cpu->seg[R_SS].base + *sp, v, 2, false);
}

static void interrupt_real(X86CPU *cpu, int vector, uint64_t ret_ip)
{
    uint32_t off = (uint32_t)vector * 4;
    if (off + 3 > cpu->idtr.limit)
        x86_raise_exception_err(cpu, EXCP_GP, off + 2);
    uint32_t ent = (uint32_t)x86_read_lin(cpu, cpu->idtr.base + off, 4, false);
    uint64_t sp = cpu->regs[R_ESP];
    push16_real(cpu, &sp, (uint16_t)x86_get_rflags(cpu));
    push16_real(cpu, &sp, cpu->seg[R_CS].selector);
    push16_real(cpu, &sp, (uint16_t)ret_ip);
    x86_set_sp(cpu, sp, cpu->stack32 ? 0xffffffffull : 0xffff);
    x86_set_rflags(cpu, 0, IF_MASK | TF_MASK | AC_MASK | RF_MASK);
    uint16_t cs = (uint16_t)(ent >> 16);
    SegmentCache *c = &cpu->seg[R_CS];
    x86_set_seg_cache(cpu, R_CS, cs, (uint64_t)cs << 4, c->limit, c->attr);
    cpu->rip = ent & 0xffff;
}

/* ---- protected mode (legacy IDT) ---- */

typedef struct Gate {
    uint16_t sel;
    uint64_t offset;
    unsigned type, dpl, ist;
    bool present;
} Gate;

static uint32_t idt_err(int vector, bool ext)
{
    return (uint32_t)vector * 8 + 2 + (ext ? 1 : 0);
}

static Gate read_gate32(X86CPU *cpu, int vector, bool ext)
{
    uint32_t off = (uint32_t)vector * 8;
    if (off + 7 > cpu->idtr.limit)
        x86_raise_exception_err(cpu, EXCP_GP, idt_err(vector, ext));
    uint32_t lo = (uint32_t)x86_read_lin(cpu, cpu->idtr.base + off, 4, false);
    uint32_t hi = (uint32_t)x86_read_lin(cpu, cpu->idtr.base + off + 4, 4, false);
    return (Gate){
        .sel = (uint16_t)(lo >> 16),
        .offset = (lo & 0xffff) | (hi & 0xffff0000u),
        .type = (hi >> 8) & 0x1f,   /* includes S (bit 4), which must be 0 */
        .dpl = (hi >> 13) & 3,
        .present = (hi >> 15) & 1,
    };
}

static Gate read_gate64(X86CPU *cpu, int vector, bool ext)
{
    uint32_t off = (uint32_t)vector * 16;
    if (off + 15 > cpu->idtr.limit)
        x86_raise_exception_err(cpu, EXCP_GP, idt_err(vector, ext));
    uint64_t base = cpu->idtr.base + off;
    uint32_t lo = (uint32_t)x86_read_lin(cpu, base, 4, false);
    uint32_t hi = (uint32_t)x86_read_lin(cpu, base + 4, 4, false);
    uint32_t hi2 = (uint32_t)x86_read_lin(cpu, base + 8, 4, false);
    return (Gate){
        .sel = (uint16_t)(lo >> 16),
        .offset = (lo & 0xffff) | (hi & 0xffff0000u) | ((uint64_t)hi2 << 32),
        .type = (hi >> 8) & 0x1f,
        .dpl = (hi >> 13) & 3,
        .ist = hi & 7,
        .present = (hi >> 15) & 1,
    };
}

/* Common gate checks: type, DPL for software interrupts, presence. */
static void check_gate(X86CPU *cpu, const Gate *g, int vector, bool is_soft, bool ext,
                       bool long_mode)
{
    bool type_ok = long_mode ? (g->type == 0xe || g->type == 0xf)
                             : (g->type == 5 || g->type == 6 || g->type == 7 ||
                                g->type == 0xe || g->type == 0xf);
    if (!type_ok)
        x86_raise_exception_err(cpu, EXCP_GP, idt_err(vector, ext));
    if (is_soft && g->dpl < (unsigned)cpu->cpl)
        x86_raise_exception_err(cpu, EXCP_GP, idt_err(vector, false));
    if (!g->present)
        x86_raise_exception_err(cpu, EXCP_NP, idt_err(vector, ext));
}

/* The handler's code segment: checks of SDM INT n "interrupt gate". */
static void read_handler_cs(X86CPU *cpu, uint16_t sel, Desc *d, bool ext)
{
    uint32_t e = ext ? 1 : 0;
    if (!(sel & 0xfffc))
        x86_raise_exception_err(cpu, EXCP_GP, e);
    if (!x86_read_desc(cpu, sel, d) || !desc_is_code(d) || desc_dpl(d) > (unsigned)cpu->cpl)
        x86_raise_exception_err(cpu, EXCP_GP, (sel & 0xfffc) | e);
    if (!desc_present(d))
        x86_raise_exception_err(cpu, EXCP_NP, (sel & 0xfffc) | e);
}

/* Clear the flags every interrupt/trap gate clears; IF for interrupt gates. */
static void clear_gate_flags(X86CPU *cpu, unsigned gate_type)
{
    uint64_t mask = TF_MASK | VM_MASK | RF_MASK | NT_MASK;
    if (!(gate_type & 1))
        mask |= IF_MASK;
    x86_set_rflags(cpu, 0, mask);
}

static void interrupt_protected(X86CPU *cpu, int vector, bool is_soft, bool has_error,
                                uint32_t error_code, uint64_t ret_ip)
{
    bool ext = !is_soft;
    Gate g = read_gate32(cpu, vector, ext);
    check_gate(cpu, &g, vector, is_soft, ext, false);
    if (g.type == 5) {
        Desc tss;
        if ((g.sel & 4) || !x86_read_desc(cpu, g.sel, &tss))
            x86_raise_exception_err(cpu, EXCP_GP, (g.sel & 0xfffc) | ext);
        x86_task_switch(cpu, g.sel, &tss, TASK_INT, ret_ip);
        if (has_error) {
            StackPtr s = x86_stack_seg(cpu, &cpu->seg[R_SS], cpu->regs[R_ESP], cpu->cpl == 3, 0);
            x86_stack_push(cpu, &s, error_code, (cpu->seg[R_CS].attr & SEG_ATTR_DB) ? 4 : 2);
            x86_set_sp(cpu, s.sp, s.mask);
        }
        return;
    }
    Desc cd;
    read_handler_cs(cpu, g.sel, &cd, ext);
    unsigned dpl = desc_dpl(&cd);
    bool conforming = desc_type(&cd) & 4;
    bool vm86 = (cpu->rflags & VM_MASK) != 0;
    bool inner = !conforming && dpl < (unsigned)cpu->cpl;
    unsigned size = (g.type & 8) ? 4 : 2;
    uint64_t flags = x86_get_rflags(cpu);
    StackPtr s;
    Desc ssd;
    uint16_t new_ss = 0;

    if (vm86 && (!inner || dpl != 0))
        x86_raise_exception_err(cpu, EXCP_GP, (g.sel & 0xfffc) | ext);
    uint64_t new_rip = size == 2 ? (g.offset & 0xffff) : (g.offset & 0xffffffffull);
    if (new_rip > x86_desc_to_cache(&cd, g.sel).limit)
        x86_raise_exception_err(cpu, EXCP_GP, ext);
    if (inner) {
        uint64_t sp;
        x86_tss_get_stack(cpu, (int)dpl, &new_ss, &sp);
        x86_check_new_ss(cpu, new_ss, (int)dpl, &ssd, EXCP_TS);
        SegmentCache ssc = x86_desc_to_cache(&ssd, new_ss);
        s = x86_stack_seg(cpu, &ssc, sp, false, (new_ss & 0xfffc) | ext);
        if (vm86) {
            x86_stack_push(cpu, &s, cpu->seg[R_GS].selector, size);
            x86_stack_push(cpu, &s, cpu->seg[R_FS].selector, size);
            x86_stack_push(cpu, &s, cpu->seg[R_DS].selector, size);
            x86_stack_push(cpu, &s, cpu->seg[R_ES].selector, size);
        }
        x86_stack_push(cpu, &s, cpu->seg[R_SS].selector, size);
        x86_stack_push(cpu, &s, cpu->regs[R_ESP], size);
    } else {
        s = x86_stack_seg(cpu, &cpu->seg[R_SS], cpu->regs[R_ESP], cpu->cpl == 3, ext);
    }
    x86_stack_push(cpu, &s, flags, size);
    x86_stack_push(cpu, &s, cpu->seg[R_CS].selector, size);
    x86_stack_push(cpu, &s, ret_ip, size);
    if (has_error)
        x86_stack_push(cpu, &s, error_code, size);

    /* commit */
    int new_cpl = inner ? (int)dpl : cpu->cpl;
    if (inner) {
        x86_desc_set_accessed(cpu, &ssd);
        x86_load_ss_desc(cpu, new_ss, &ssd, new_cpl);
    }
    x86_set_sp(cpu, s.sp, s.mask);
    clear_gate_flags(cpu, g.type);
    if (vm86) {
        for (int seg = R_ES; seg <= R_GS; seg++) {
            if (seg != R_CS && seg != R_SS)
                x86_set_seg_cache(cpu, seg, 0, 0, 0, SEG_ATTR_UNUSABLE);
        }
    }
    x86_desc_set_accessed(cpu, &cd);
    x86_load_cs_desc(cpu, g.sel, &cd, new_cpl);
    cpu->rip = new_rip;
}

/* ---- long mode ---- */

static uint64_t tss64_read(X86CPU *cpu, uint32_t off)
{
    if (off + 7 > cpu->tr.limit)
        x86_raise_exception_err(cpu, EXCP_TS, cpu->tr.selector & 0xfffc);
    return x86_read_lin(cpu, cpu->tr.base + off, 8, false);
}

static void interrupt_long(X86CPU *cpu, int vector, bool is_soft, bool has_error,
                           uint32_t error_code, uint64_t ret_ip)
{
    bool ext = !is_soft;
    Gate g = read_gate64(cpu, vector, ext);
    check_gate(cpu, &g, vector, is_soft, ext, true);
    Desc cd;
    read_handler_cs(cpu, g.sel, &cd, ext);
    if (!(cd.hi & (1u << 21)) || (cd.hi & (1u << 22)))
        x86_raise_exception_err(cpu, EXCP_GP, (g.sel & 0xfffc) | ext);
    if (!x86_is_canonical(g.offset))
        x86_raise_exception_err(cpu, EXCP_GP, ext);
    unsigned dpl = desc_dpl(&cd);
    bool inner = !(desc_type(&cd) & 4) && dpl < (unsigned)cpu->cpl;
    int new_cpl = inner ? (int)dpl : cpu->cpl;
    uint64_t rsp = cpu->regs[R_ESP];
    if (g.ist)
        rsp = tss64_read(cpu, 36 + 8 * (g.ist - 1));
    else if (inner)
        rsp = tss64_read(cpu, 4 + 8 * dpl);
    if (!x86_is_canonical(rsp))
        x86_raise_exception_err(cpu, EXCP_SS, ext);
    StackPtr s = x86_stack_flat(rsp & ~0xfull, !inner && cpu->cpl == 3);
    x86_stack_push(cpu, &s, cpu->seg[R_SS].selector, 8);
    x86_stack_push(cpu, &s, cpu->regs[R_ESP], 8);
    x86_stack_push(cpu, &s, x86_get_rflags(cpu), 8);
    x86_stack_push(cpu, &s, cpu->seg[R_CS].selector, 8);
    x86_stack_push(cpu, &s, ret_ip, 8);
    if (has_error)
        x86_stack_push(cpu, &s, error_code, 8);

    if (inner)
        x86_load_ss_desc(cpu, (uint16_t)new_cpl, NULL, new_cpl);
    cpu->regs[R_ESP] = s.sp;
    clear_gate_flags(cpu, g.type);
    x86_desc_set_accessed(cpu, &cd);
    x86_load_cs_desc(cpu, g.sel, &cd, new_cpl);
    cpu->rip = g.offset;
}

/* ---- dispatch ---- */

static void do_interrupt_ext(X86CPU *cpu, int vector, bool is_soft, bool has_error,
                             uint32_t error_code, uint64_t ret_ip)
{
    cpu->halted = false;
    if (!(cpu->cr0 & CR0_PE))
        interrupt_real(cpu, vector, ret_ip);
    else if (cpu->lma)
        interrupt_long(cpu, vector, is_soft, has_error, error_code, ret_ip);
    else
        interrupt_protected(cpu, vector, is_soft, has_error, error_code, ret_ip);
}

void x86_do_interrupt(X86CPU *cpu, int vector, bool is_soft, bool has_error,
                      uint32_t error_code, uint64_t next_rip)
{
    uint64_t ret_ip = is_soft ? next_rip : cpu->rip;
    do_interrupt_ext(cpu, vector, is_soft, has_error, error_code, ret_ip);
}

/* ---- INT n in virtual-8086 mode (SDM vol. 3 20.3.3, table 20-2) ---- */

/* Bit `vector` of the TSS interrupt redirection bitmap (the 32 bytes
 * below the I/O map base): set = through the IDT, clear = redirected. */
static bool redirect_bit(X86CPU *cpu, int vector)
{
    unsigned type = cpu->tr.attr & 0xf;
    if (!(cpu->tr.attr & SEG_ATTR_P) || (type != 9 && type != 0xb) || cpu->tr.limit < 0x67)
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    uint32_t iomap = (uint32_t)x86_read_lin(cpu, cpu->tr.base + 0x66, 2, false);
    uint32_t off = iomap - 32 + (uint32_t)vector / 8;
    if (iomap < 32 || off > cpu->tr.limit)
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    return (x86_read_lin(cpu, cpu->tr.base + off, 1, false) >> (vector & 7)) & 1;
}

/* Methods 5 and 6: a real-mode style interrupt through the vm86 task's own
 * vector table at linear 0, without leaving vm86 mode.  With IOPL < 3 the
 * pushed FLAGS carry VIF in the IF position and IOPL = 3, and VIF rather
 * than IF is cleared. */
static void interrupt_vm86_redirect(X86CPU *cpu, int vector, uint64_t ret_ip)
{
    bool virt = (cpu->rflags & IOPL_MASK) != IOPL_MASK;
    uint32_t ent = (uint32_t)x86_read_lin(cpu, (uint32_t)vector * 4, 4, true);
    uint64_t fl = x86_get_rflags(cpu) & 0xffff;
    if (virt)
        fl = (fl & ~(uint64_t)IF_MASK) | ((cpu->rflags & VIF_MASK) ? IF_MASK : 0) | IOPL_MASK;
    StackPtr s = x86_stack_seg(cpu, &cpu->seg[R_SS], cpu->regs[R_ESP], true, 0);
    x86_stack_push(cpu, &s, fl, 2);
    x86_stack_push(cpu, &s, cpu->seg[R_CS].selector, 2);
    x86_stack_push(cpu, &s, ret_ip & 0xffff, 2);
    x86_set_sp(cpu, s.sp, s.mask);
    x86_set_rflags(cpu, 0, TF_MASK | (virt ? VIF_MASK : IF_MASK));
    uint16_t cs = (uint16_t)(ent >> 16);
    SegmentCache *c = &cpu->seg[R_CS];
    x86_set_seg_cache(cpu, R_CS, cs, (uint64_t)cs << 4, c->limit, c->attr);
    cpu->rip = ent & 0xffff;
}

void x86_do_int_n(X86CPU *cpu, int vector, uint64_t next_rip)
{
    if (cpu->rflags & VM_MASK) {
        bool iopl3 = (cpu->rflags & IOPL_MASK) == IOPL_MASK;
        if ((cpu->cr4 & CR4_VME) && !redirect_bit(cpu, vector)) {
            cpu->halted = false;
            interrupt_vm86_redirect(cpu, vector, next_rip);
            return;
        }
        if (!iopl3)     /* methods 2 and 3: to the monitor's #GP handler */
            x86_raise_exception_err(cpu, EXCP_GP, 0);
    }
    do_interrupt_ext(cpu, vector, true, false, 0, next_rip);
}

/* ---- pending events at an instruction boundary ---- */

static bool take_event(X86CPU *cpu, unsigned mask)
{
    return (atomic_fetch_and(&cpu->interrupt_request, ~mask) & mask) != 0;
}

static void start_from_sipi(X86CPU *cpu)
{
    uint16_t sel = (uint16_t)(cpu->sipi_vector << 8);
    SegmentCache *cs = &cpu->seg[R_CS];
    x86_set_seg_cache(cpu, R_CS, sel, (uint64_t)sel << 4, cs->limit, cs->attr);
    cpu->rip = 0;
    cpu->wait_sipi = false;
    cpu->halted = false;
}

static bool handle_init_sipi(X86CPU *cpu, unsigned req)
{
    /* After RESET/INIT an AP waits for SIPI: report "nothing to run". */
    if ((req & CPU_INTERRUPT_RESET) && take_event(cpu, CPU_INTERRUPT_RESET)) {
        x86_cpu_reset(cpu);
        return !cpu->halted;
    }
    if ((req & CPU_INTERRUPT_INIT) && take_event(cpu, CPU_INTERRUPT_INIT)) {
        x86_cpu_init_signal(cpu);
        return !cpu->halted;
    }
    if ((req & CPU_INTERRUPT_SIPI) && take_event(cpu, CPU_INTERRUPT_SIPI)) {
        if (cpu->wait_sipi) {
            start_from_sipi(cpu);
            return true;
        }
    }
    return false;
}

int x86_acknowledge_intr(X86CPU *cpu)
{
    if (!cpu->intr_ack)
        return -1;
    bool locked = big_lock_held();
    if (!locked)
        big_lock();
    int vec = cpu->intr_ack(cpu->intr_opaque);
    if (!locked)
        big_unlock();
    return vec;
}

bool x86_handle_interrupts(X86CPU *cpu)
{
    unsigned req = atomic_load(&cpu->interrupt_request);
    if (handle_init_sipi(cpu, req))
        return true;
    if (cpu->shutdown || cpu->wait_sipi || cpu->inhibit_irq)
        return false;
    if ((req & CPU_INTERRUPT_NMI) && !cpu->nmi_blocked) {
        take_event(cpu, CPU_INTERRUPT_NMI);
        cpu->nmi_blocked = true;
        do_interrupt_ext(cpu, EXCP_NMI, false, false, 0, cpu->rip);
        return true;
    }
    if ((req & CPU_INTERRUPT_HARD) && (x86_get_rflags(cpu) & IF_MASK) && cpu->intr_ack) {
        int vec = x86_acknowledge_intr(cpu);
        if (vec < 0)
            return false;
        log_mask(LOG_INT, "cpu%d: interrupt %#x rip=%#llx\n", cpu->index, vec,
                 (unsigned long long)cpu->rip);
        do_interrupt_ext(cpu, vec & 0xff, false, false, 0, cpu->rip);
        return true;
    }
    return false;
}
