/*
 * Far control transfers: JMP/CALL to code segments, call gates (with
 * privilege change and parameter copy), task gates and TSSs; far RET and
 * IRET (real, vm86, protected, to vm86, nested task, long mode); and the
 * fast system calls SYSCALL/SYSRET and SYSENTER/SYSEXIT.
 */
#include "core/log.h"
#include "target-x86/cpu.h"
#include "target-x86/cpu-internal.h"

noreturn static void gp_sel(X86CPU *cpu, uint16_t sel)
{
    x86_raise_exception_err(cpu, EXCP_GP, sel & 0xfffc);
}

noreturn static void np_sel(X86CPU *cpu, uint16_t sel)
{
    x86_raise_exception_err(cpu, EXCP_NP, sel & 0xfffc);
}

static bool protected_mode(const X86CPU *cpu)
{
    return (cpu->cr0 & CR0_PE) && !(cpu->rflags & VM_MASK);
}

static StackPtr current_stack(X86CPU *cpu)
{
    if (cpu->code64)
        return x86_stack_flat(cpu->regs[R_ESP], cpu->cpl == 3);
    return x86_stack_seg(cpu, &cpu->seg[R_SS], cpu->regs[R_ESP], cpu->cpl == 3, 0);
}

/* Real-mode / vm86 CS load. */
static void load_cs_real(X86CPU *cpu, uint16_t sel)
{
    SegmentCache *cs = &cpu->seg[R_CS];
    uint32_t attr = (cpu->rflags & VM_MASK) ? 0xfb : cs->attr;
    uint32_t limit = (cpu->rflags & VM_MASK) ? 0xffff : cs->limit;
    x86_set_seg_cache(cpu, R_CS, sel, (uint64_t)sel << 4, limit, attr);
}

static bool desc_is_64bit_code(const Desc *d)
{
    return (d->hi & (1u << 21)) && !(d->hi & (1u << 22));
}

/* Checks for a direct JMP/CALL to a code segment (SDM JMP/CALL). */
static void check_direct_code(X86CPU *cpu, uint16_t sel, const Desc *d)
{
    unsigned dpl = desc_dpl(d);
    if (desc_type(d) & 4) {
        if (dpl > (unsigned)cpu->cpl)
            gp_sel(cpu, sel);
    } else if ((sel & 3u) > (unsigned)cpu->cpl || dpl != (unsigned)cpu->cpl) {
        gp_sel(cpu, sel);
    }
    if (!desc_present(d))
        np_sel(cpu, sel);
    if (cpu->lma && (d->hi & (1u << 21)) && (d->hi & (1u << 22)))
        gp_sel(cpu, sel);
}

/* Limit check of the new rip against a (not 64-bit) target segment. */
static void check_target_limit(X86CPU *cpu, const Desc *d, uint64_t rip)
{
    if (cpu->lma && desc_is_64bit_code(d)) {
        if (!x86_is_canonical(rip))
            x86_raise_exception_err(cpu, EXCP_GP, 0);
        return;
    }
    if (rip > x86_desc_to_cache(d, 0).limit)
        x86_raise_exception_err(cpu, EXCP_GP, 0);
}

typedef struct CallGate {
    uint16_t sel;
    uint64_t offset;
    unsigned params;
    bool is32;   /* 32-bit (or 64-bit) gate */
} CallGate;

static CallGate read_call_gate(X86CPU *cpu, uint16_t gsel, const Desc *g)
{
    CallGate c = {
        .sel = (uint16_t)(g->lo >> 16),
        .offset = (g->lo & 0xffff) | (desc_type(g) & 8 ? (g->hi & 0xffff0000u) : 0),
        .params = g->hi & 0x1f,
        .is32 = (desc_type(g) & 8) != 0,
    };
    if (cpu->lma) {
        uint32_t hl, hh;
        if (!x86_read_desc_high(cpu, gsel, &hl, &hh) || ((hh >> 8) & 0x1f))
            gp_sel(cpu, gsel);
        c.offset |= (uint64_t)hl << 32;
        c.params = 0;
    }
    return c;
}

static bool gate_type_ok(X86CPU *cpu, unsigned type)
{
    if (cpu->lma)
        return type == 0xc;
    return type == 4 || type == 0xc || type == 5 || type == 1 || type == 9;
}

/* The code segment a call gate points to. */
static void read_gate_target(X86CPU *cpu, const CallGate *cg, Desc *cd)
{
    if (!(cg->sel & 0xfffc))
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    if (!x86_read_desc(cpu, cg->sel, cd) || !desc_is_code(cd) ||
        desc_dpl(cd) > (unsigned)cpu->cpl)
        gp_sel(cpu, cg->sel);
    if (cpu->lma && !desc_is_64bit_code(cd))
        gp_sel(cpu, cg->sel);
    if (!desc_present(cd))
        np_sel(cpu, cg->sel);
}

static void task_via_gate_or_tss(X86CPU *cpu, uint16_t sel, const Desc *d, int source,
                                 uint64_t next_rip)
{
    Desc tss;
    uint16_t tsel = sel;
    if (desc_type(d) == 5) {
        tsel = (uint16_t)(d->lo >> 16);
        if ((tsel & 4) || !x86_read_desc(cpu, tsel, &tss))
            gp_sel(cpu, tsel);
    } else {
        tss = *d;
    }
    x86_task_switch(cpu, tsel, &tss, source, next_rip);
}

/* Fetch and check the descriptor of a far JMP/CALL target selector. */
static void read_far_target(X86CPU *cpu, uint16_t sel, Desc *d)
{
    if (!(sel & 0xfffc))
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    if (!x86_read_desc(cpu, sel, d))
        gp_sel(cpu, sel);
    if (desc_s(d)) {
        if (!desc_is_code(d))
            gp_sel(cpu, sel);
        return;
    }
    if (!gate_type_ok(cpu, desc_type(d)))
        gp_sel(cpu, sel);
    if (desc_dpl(d) < (unsigned)cpu->cpl || desc_dpl(d) < (sel & 3u))
        gp_sel(cpu, sel);
    if (!desc_present(d))
        np_sel(cpu, sel);
}

/* ---- JMP ---- */

void x86_far_jmp(X86CPU *cpu, uint16_t sel, uint64_t offset, uint64_t next_rip)
{
    Desc d;
    if (!protected_mode(cpu)) {
        load_cs_real(cpu, sel);
        cpu->rip = offset;
        return;
    }
    read_far_target(cpu, sel, &d);
    if (desc_s(&d)) {
        check_direct_code(cpu, sel, &d);
        check_target_limit(cpu, &d, offset);
        x86_desc_set_accessed(cpu, &d);
        x86_load_cs_desc(cpu, sel, &d, cpu->cpl);
        cpu->rip = offset;
        return;
    }
    unsigned type = desc_type(&d);
    if (type == 4 || type == 0xc) {
        CallGate cg = read_call_gate(cpu, sel, &d);
        Desc cd;
        read_gate_target(cpu, &cg, &cd);
        bool conforming = desc_type(&cd) & 4;
        if (!conforming && desc_dpl(&cd) != (unsigned)cpu->cpl)
            gp_sel(cpu, cg.sel);
        uint64_t rip = cg.is32 ? cg.offset : (cg.offset & 0xffff);
        check_target_limit(cpu, &cd, rip);
        x86_desc_set_accessed(cpu, &cd);
        x86_load_cs_desc(cpu, cg.sel, &cd, cpu->cpl);
        cpu->rip = rip;
        return;
    }
    task_via_gate_or_tss(cpu, sel, &d, TASK_JMP, next_rip);
}

/* ---- CALL ---- */

static void call_gate_inner(X86CPU *cpu, const CallGate *cg, Desc *cd, uint64_t next_rip)
{
    int dpl = (int)desc_dpl(cd);
    unsigned size = cpu->lma ? 8 : (cg->is32 ? 4 : 2);
    uint16_t new_ss;
    uint64_t new_sp;
    Desc ssd;
    StackPtr s;
    StackPtr old = current_stack(cpu);

    if (cpu->lma) {
        new_sp = x86_read_lin(cpu, cpu->tr.base + 4 + 8 * (unsigned)dpl, 8, false);
        if (!x86_is_canonical(new_sp))
            x86_raise_exception_err(cpu, EXCP_SS, 0);
        new_ss = (uint16_t)dpl;
        s = x86_stack_flat(new_sp, false);
    } else {
        x86_tss_get_stack(cpu, dpl, &new_ss, &new_sp);
        x86_check_new_ss(cpu, new_ss, dpl, &ssd, EXCP_TS);
        SegmentCache c = x86_desc_to_cache(&ssd, new_ss);
        s = x86_stack_seg(cpu, &c, new_sp, false, new_ss & 0xfffc);
    }
    x86_stack_push(cpu, &s, cpu->seg[R_SS].selector, size);
    x86_stack_push(cpu, &s, cpu->regs[R_ESP], size);
    for (unsigned i = cg->params; i-- > 0;) {
        uint64_t v = x86_read_lin(cpu, old.base + ((old.sp + i * size) & old.mask), size,
                                  old.user);
        x86_stack_push(cpu, &s, v, size);
    }
    x86_stack_push(cpu, &s, cpu->seg[R_CS].selector, size);
    x86_stack_push(cpu, &s, next_rip, size);

    if (cpu->lma) {
        x86_load_ss_desc(cpu, new_ss, NULL, dpl);
    } else {
        x86_desc_set_accessed(cpu, &ssd);
        x86_load_ss_desc(cpu, new_ss, &ssd, dpl);
    }
    x86_set_sp(cpu, s.sp, s.mask);
    x86_desc_set_accessed(cpu, cd);
    x86_load_cs_desc(cpu, cg->sel, cd, dpl);
}

static void far_call_gate(X86CPU *cpu, uint16_t sel, const Desc *d, int opsize,
                          uint64_t next_rip)
{
    CallGate cg = read_call_gate(cpu, sel, d);
    Desc cd;
    read_gate_target(cpu, &cg, &cd);
    uint64_t rip = cg.is32 ? cg.offset : (cg.offset & 0xffff);
    check_target_limit(cpu, &cd, rip);
    bool conforming = desc_type(&cd) & 4;
    log_mask(LOG_PCALL, "cpu%d: call gate %#x -> %#x:%#llx\n", cpu->index, sel, cg.sel,
             (unsigned long long)rip);
    if (!conforming && desc_dpl(&cd) < (unsigned)cpu->cpl) {
        call_gate_inner(cpu, &cg, &cd, next_rip);
    } else {
        unsigned size = cpu->lma ? 8 : (cg.is32 ? 4 : 2);
        StackPtr s = current_stack(cpu);
        x86_stack_push(cpu, &s, cpu->seg[R_CS].selector, size);
        x86_stack_push(cpu, &s, next_rip, size);
        x86_set_sp(cpu, s.sp, s.mask);
        x86_desc_set_accessed(cpu, &cd);
        x86_load_cs_desc(cpu, cg.sel, &cd, cpu->cpl);
    }
    cpu->rip = rip;
}

void x86_far_call(X86CPU *cpu, uint16_t sel, uint64_t offset, int opsize, uint64_t next_rip)
{
    Desc d;
    if (!protected_mode(cpu)) {
        StackPtr s = current_stack(cpu);
        x86_stack_push(cpu, &s, cpu->seg[R_CS].selector, (unsigned)opsize);
        x86_stack_push(cpu, &s, next_rip, (unsigned)opsize);
        x86_set_sp(cpu, s.sp, s.mask);
        load_cs_real(cpu, sel);
        cpu->rip = offset;
        return;
    }
    read_far_target(cpu, sel, &d);
    if (desc_s(&d)) {
        check_direct_code(cpu, sel, &d);
        check_target_limit(cpu, &d, offset);
        StackPtr s = current_stack(cpu);
        x86_stack_push(cpu, &s, cpu->seg[R_CS].selector, (unsigned)opsize);
        x86_stack_push(cpu, &s, next_rip, (unsigned)opsize);
        x86_set_sp(cpu, s.sp, s.mask);
        x86_desc_set_accessed(cpu, &d);
        x86_load_cs_desc(cpu, sel, &d, cpu->cpl);
        cpu->rip = offset;
        return;
    }
    unsigned type = desc_type(&d);
    if (type == 4 || type == 0xc)
        far_call_gate(cpu, sel, &d, opsize, next_rip);
    else
        task_via_gate_or_tss(cpu, sel, &d, TASK_CALL, next_rip);
}

/* ---- RET / IRET to protected mode ---- */

/* Checks on the code segment a RET/IRET returns to; returns its RPL. */
static int check_return_cs(X86CPU *cpu, uint16_t sel, Desc *d)
{
    unsigned rpl = sel & 3;
    if (!(sel & 0xfffc))
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    if (!x86_read_desc(cpu, sel, d) || !desc_is_code(d) || rpl < (unsigned)cpu->cpl)
        gp_sel(cpu, sel);
    if ((desc_type(d) & 4) ? desc_dpl(d) > rpl : desc_dpl(d) != rpl)
        gp_sel(cpu, sel);
    if (!desc_present(d))
        np_sel(cpu, sel);
    if (cpu->lma && (d->hi & (1u << 21)) && (d->hi & (1u << 22)))
        gp_sel(cpu, sel);
    return (int)rpl;
}

/* The outer SS of a return to lower privilege: #GP(sel) on failure. A null
 * SS is allowed when returning to 64-bit code at CPL < 3. */
static bool check_return_ss(X86CPU *cpu, uint16_t sel, int rpl, const Desc *cd, Desc *ssd)
{
    if (!(sel & 0xfffc)) {
        if (cpu->lma && desc_is_64bit_code(cd) && rpl != 3)
            return false;
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    }
    if (!x86_read_desc(cpu, sel, ssd) || (int)(sel & 3) != rpl || !desc_is_data(ssd) ||
        !(desc_type(ssd) & 2) || (int)desc_dpl(ssd) != rpl)
        gp_sel(cpu, sel);
    if (!desc_present(ssd))
        x86_raise_exception_err(cpu, EXCP_SS, sel & 0xfffc);
    return true;
}

/* Common tail: load CS (and, for outer returns, SS:SP) after a RET/IRET. */
static void finish_return(X86CPU *cpu, uint16_t cs_sel, Desc *cd, int rpl, uint64_t rip,
                          StackPtr *s, bool pop_ss, uint16_t ss_sel, uint64_t sp)
{
    check_target_limit(cpu, cd, rip);
    if (pop_ss) {
        Desc ssd;
        bool has = check_return_ss(cpu, ss_sel, rpl, cd, &ssd);
        x86_desc_set_accessed(cpu, cd);
        x86_load_cs_desc(cpu, cs_sel, cd, rpl);
        if (has) {
            x86_desc_set_accessed(cpu, &ssd);
            x86_load_ss_desc(cpu, ss_sel, &ssd, rpl);
        } else {
            x86_load_ss_desc(cpu, ss_sel, NULL, rpl);
        }
        uint64_t m = cpu->code64 ? ~0ull : (cpu->stack32 ? 0xffffffffull : 0xffffull);
        x86_set_sp(cpu, sp, m);
        x86_null_inaccessible_segs(cpu);
    } else {
        x86_desc_set_accessed(cpu, cd);
        x86_load_cs_desc(cpu, cs_sel, cd, rpl);
        x86_set_sp(cpu, s->sp, s->mask);
    }
    cpu->rip = rip;
}

void x86_far_ret(X86CPU *cpu, int opsize, uint16_t pop_bytes)
{
    unsigned size = (unsigned)opsize;
    StackPtr s = current_stack(cpu);
    uint64_t rip = x86_stack_pop(cpu, &s, size);
    uint16_t cs = (uint16_t)x86_stack_pop(cpu, &s, size);
    if (!protected_mode(cpu)) {
        s.sp = (s.sp + pop_bytes) & s.mask;
        x86_set_sp(cpu, s.sp, s.mask);
        load_cs_real(cpu, cs);
        cpu->rip = rip;
        return;
    }
    Desc cd;
    int rpl = check_return_cs(cpu, cs, &cd);
    s.sp = (s.sp + pop_bytes) & s.mask;
    if (rpl == cpu->cpl) {
        finish_return(cpu, cs, &cd, rpl, rip, &s, false, 0, 0);
        return;
    }
    uint64_t sp = x86_stack_pop(cpu, &s, size);
    uint16_t ss = (uint16_t)x86_stack_pop(cpu, &s, size);
    finish_return(cpu, cs, &cd, rpl, rip, &s, true, ss, sp + pop_bytes);
}

/* ---- IRET ---- */

/* Flags an IRET/POPF may change at the given privilege (SDM IRET). */
static uint64_t iret_flag_mask(X86CPU *cpu, int cpl, unsigned size)
{
    uint64_t mask = CC_ALL | TF_MASK | DF_MASK | NT_MASK | RF_MASK | AC_MASK | ID_MASK |
                    IF_MASK | IOPL_MASK | VIF_MASK | VIP_MASK;
    unsigned iopl = (unsigned)((cpu->rflags & IOPL_MASK) >> IOPL_SHIFT);
    if (cpl > 0)
        mask &= ~(uint64_t)(IOPL_MASK | VIF_MASK | VIP_MASK);
    if ((unsigned)cpl > iopl)
        mask &= ~(uint64_t)IF_MASK;
    if (size == 2)
        mask &= 0xffff;
    return mask;
}

static void iret_real(X86CPU *cpu, unsigned size)
{
    StackPtr s = current_stack(cpu);
    uint64_t rip = x86_stack_pop(cpu, &s, size);
    uint16_t cs = (uint16_t)x86_stack_pop(cpu, &s, size);
    uint64_t fl = x86_stack_pop(cpu, &s, size);
    uint64_t mask = size == 4 ? 0x257fd5ull : 0xffffull;
    if (cpu->rflags & VM_MASK)
        mask &= ~(uint64_t)(IOPL_MASK | VIF_MASK | VIP_MASK);
    x86_set_sp(cpu, s.sp, s.mask);
    load_cs_real(cpu, cs);
    cpu->rip = rip;
    x86_set_rflags(cpu, fl, mask);
}

/* 16-bit IRET in vm86 mode with IOPL < 3 and CR4.VME (SDM IRET): the popped
 * IF goes to VIF, IF and IOPL stay; popping TF = 1, or IF = 1 while VIP is
 * set, is #GP(0) with nothing changed. */
static void iret_vm86_virtual(X86CPU *cpu)
{
    StackPtr s = current_stack(cpu);
    uint64_t rip = x86_stack_pop(cpu, &s, 2);
    uint16_t cs = (uint16_t)x86_stack_pop(cpu, &s, 2);
    uint64_t fl = x86_stack_pop(cpu, &s, 2);
    if ((fl & TF_MASK) || ((fl & IF_MASK) && (cpu->rflags & VIP_MASK)))
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    x86_set_sp(cpu, s.sp, s.mask);
    load_cs_real(cpu, cs);
    cpu->rip = rip;
    x86_set_rflags(cpu, fl, 0x7fd5 & ~(uint64_t)(IOPL_MASK | IF_MASK));
    x86_set_rflags(cpu, (fl & IF_MASK) ? VIF_MASK : 0, VIF_MASK);
}

static void iret_to_vm86(X86CPU *cpu, StackPtr *s, uint16_t cs, uint64_t rip, uint64_t fl)
{
    uint64_t esp = x86_stack_pop(cpu, s, 4);
    uint16_t ss = (uint16_t)x86_stack_pop(cpu, s, 4);
    uint16_t es = (uint16_t)x86_stack_pop(cpu, s, 4);
    uint16_t ds = (uint16_t)x86_stack_pop(cpu, s, 4);
    uint16_t fs = (uint16_t)x86_stack_pop(cpu, s, 4);
    uint16_t gs = (uint16_t)x86_stack_pop(cpu, s, 4);
    x86_set_rflags(cpu, fl, 0x3f7fd5ull | VM_MASK);
    static const int order[] = { R_ES, R_CS, R_SS, R_DS, R_FS, R_GS };
    uint16_t sels[] = { es, cs, ss, ds, fs, gs };
    for (int i = 0; i < 6; i++)
        x86_set_seg_cache(cpu, order[i], sels[i], (uint64_t)sels[i] << 4, 0xffff,
                          0xf3 | (order[i] == R_CS ? SEG_ATTR_CODE : 0));
    cpu->regs[R_ESP] = esp & 0xffffffffull;
    cpu->rip = rip & 0xffff;
    x86_update_hflags(cpu);
}

static void iret_task_return(X86CPU *cpu)
{
    Desc tss;
    uint16_t link = (uint16_t)x86_read_lin(cpu, cpu->tr.base, 2, false);
    if ((link & 4) || !x86_read_desc(cpu, link, &tss))
        x86_raise_exception_err(cpu, EXCP_TS, link & 0xfffc);
    unsigned type = desc_type(&tss);
    if (desc_s(&tss) || (type != 3 && type != 0xb))
        x86_raise_exception_err(cpu, EXCP_TS, link & 0xfffc);
    x86_task_switch(cpu, link, &tss, TASK_IRET, cpu->rip);
}

static void iret_protected(X86CPU *cpu, unsigned size)
{
    StackPtr s = current_stack(cpu);
    uint64_t rip = x86_stack_pop(cpu, &s, size);
    uint16_t cs = (uint16_t)x86_stack_pop(cpu, &s, size);
    uint64_t fl = x86_stack_pop(cpu, &s, size);
    if ((fl & VM_MASK) && cpu->cpl == 0 && size == 4 && !cpu->lma) {
        iret_to_vm86(cpu, &s, cs, rip, fl);
        return;
    }
    Desc cd;
    int old_cpl = cpu->cpl;
    int rpl = check_return_cs(cpu, cs, &cd);
    bool pop_ss = rpl != cpu->cpl || cpu->code64;
    uint64_t sp = 0;
    uint16_t ss = 0;
    if (pop_ss) {
        sp = x86_stack_pop(cpu, &s, size);
        ss = (uint16_t)x86_stack_pop(cpu, &s, size);
    }
    uint64_t mask = iret_flag_mask(cpu, old_cpl, size);
    finish_return(cpu, cs, &cd, rpl, rip, &s, pop_ss, ss, sp);
    x86_set_rflags(cpu, fl, mask);
    x86_update_hflags(cpu);
}

void x86_iret(X86CPU *cpu, int opsize)
{
    unsigned size = (unsigned)opsize;
    cpu->nmi_blocked = false;
    if (!(cpu->cr0 & CR0_PE)) {
        iret_real(cpu, size);
        return;
    }
    if (cpu->rflags & VM_MASK) {
        if (((cpu->rflags & IOPL_MASK) >> IOPL_SHIFT) == 3)
            iret_real(cpu, size);
        else if ((cpu->cr4 & CR4_VME) && size == 2)
            iret_vm86_virtual(cpu);
        else
            x86_raise_exception_err(cpu, EXCP_GP, 0);
        return;
    }
    if (cpu->rflags & NT_MASK) {
        if (cpu->lma)
            x86_raise_exception_err(cpu, EXCP_GP, 0);
        iret_task_return(cpu);
        return;
    }
    iret_protected(cpu, size);
}

/* ---- SYSCALL / SYSRET / SYSENTER / SYSEXIT ---- */

#define FLAT_CODE64(dpl) (0x9b | ((dpl) << SEG_ATTR_DPL_SHIFT) | SEG_ATTR_L | SEG_ATTR_G)
#define FLAT_CODE32(dpl) (0x9b | ((dpl) << SEG_ATTR_DPL_SHIFT) | SEG_ATTR_DB | SEG_ATTR_G)
#define FLAT_DATA(dpl)   (0x93 | ((dpl) << SEG_ATTR_DPL_SHIFT) | SEG_ATTR_DB | SEG_ATTR_G)

static void load_flat(X86CPU *cpu, uint16_t cs, uint32_t cs_attr, uint16_t ss, uint32_t ss_attr)
{
    cpu->seg[R_CS] = (SegmentCache){ cs, 0, 0xffffffff, cs_attr };
    cpu->seg[R_SS] = (SegmentCache){ ss, 0, 0xffffffff, ss_attr };
    x86_update_hflags(cpu);
}

void x86_syscall(X86CPU *cpu, uint64_t next_rip)
{
    if (!(cpu->efer & EFER_SCE) || !cpu->code64)
        x86_raise_exception(cpu, EXCP_UD);
    uint16_t sel = (uint16_t)(cpu->star >> 32) & 0xfffc;
    cpu->regs[R_ECX] = next_rip;
    cpu->regs[R_R11] = x86_get_rflags(cpu) & ~(uint64_t)RF_MASK;
    x86_set_rflags(cpu, 0, (cpu->sfmask & 0x3f7fd5ull) | RF_MASK);
    load_flat(cpu, sel, FLAT_CODE64(0), (uint16_t)(sel + 8), FLAT_DATA(0));
    cpu->rip = cpu->lstar;
}

void x86_sysret(X86CPU *cpu, int opsize)
{
    if (!(cpu->efer & EFER_SCE) || !cpu->code64)
        x86_raise_exception(cpu, EXCP_UD);
    if (cpu->cpl != 0)
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    uint16_t base = (uint16_t)(cpu->star >> 48);
    uint64_t rip = cpu->regs[R_ECX];
    if (opsize == 8 && !x86_is_canonical(rip))
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    x86_set_rflags(cpu, (cpu->regs[R_R11] & 0x3c7fd7ull) | 2, 0x3f7fd7ull);
    uint16_t ss = (uint16_t)((base + 8) | 3);
    if (opsize == 8) {
        load_flat(cpu, (uint16_t)((base + 16) | 3), FLAT_CODE64(3), ss, FLAT_DATA(3));
        cpu->rip = rip;
    } else {
        load_flat(cpu, (uint16_t)(base | 3), FLAT_CODE32(3), ss, FLAT_DATA(3));
        cpu->rip = rip & 0xffffffffull;
    }
}

void x86_sysenter(X86CPU *cpu)
{
    uint16_t sel = (uint16_t)cpu->sysenter_cs & 0xfffc;
    if (!(cpu->cr0 & CR0_PE) || !sel)
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    x86_set_rflags(cpu, 0, VM_MASK | IF_MASK | RF_MASK);
    uint32_t cs_attr = cpu->lma ? FLAT_CODE64(0) : FLAT_CODE32(0);
    load_flat(cpu, sel, cs_attr, (uint16_t)(sel + 8), FLAT_DATA(0));
    cpu->regs[R_ESP] = cpu->lma ? cpu->sysenter_esp : (cpu->sysenter_esp & 0xffffffffull);
    cpu->rip = cpu->lma ? cpu->sysenter_eip : (cpu->sysenter_eip & 0xffffffffull);
}

void x86_sysexit(X86CPU *cpu, int opsize)
{
    uint16_t sel = (uint16_t)cpu->sysenter_cs & 0xfffc;
    if (!(cpu->cr0 & CR0_PE) || !sel || cpu->cpl != 0 || (cpu->rflags & VM_MASK))
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    if (opsize == 8) {
        if (!x86_is_canonical(cpu->regs[R_EDX]) || !x86_is_canonical(cpu->regs[R_ECX]))
            x86_raise_exception_err(cpu, EXCP_GP, 0);
        load_flat(cpu, (uint16_t)((sel + 32) | 3), FLAT_CODE64(3), (uint16_t)((sel + 40) | 3),
                  FLAT_DATA(3));
        cpu->regs[R_ESP] = cpu->regs[R_ECX];
        cpu->rip = cpu->regs[R_EDX];
    } else {
        load_flat(cpu, (uint16_t)((sel + 16) | 3), FLAT_CODE32(3), (uint16_t)((sel + 24) | 3),
                  FLAT_DATA(3));
        cpu->regs[R_ESP] = cpu->regs[R_ECX] & 0xffffffffull;
        cpu->rip = cpu->regs[R_EDX] & 0xffffffffull;
    }
}
