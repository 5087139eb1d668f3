/*
 * Hardware task switching through 32-bit and 16-bit TSSs (JMP, CALL, INT
 * through a task gate, IRET with NT) with the busy-bit and NT rules of SDM
 * vol. 3 section 7.3, and the inner-level stack lookup in the current TSS.
 */
#include "core/log.h"
#include "softmmu/tlb.h"
#include "target-x86/cpu.h"
#include "target-x86/cpu-internal.h"

/* Offsets of the fields of a 32-bit and a 16-bit TSS. */
typedef struct TSSLayout {
    unsigned min_limit;
    unsigned size;        /* register size */
    unsigned cr3;         /* 0: none */
    unsigned ip, flags, regs, segs, ldt;
    unsigned sp0, ss0, stride;
} TSSLayout;

static const TSSLayout tss32 = { 0x67, 4, 28, 32, 36, 40, 72, 96, 4, 8, 8 };
static const TSSLayout tss16 = { 0x2b, 2, 0, 14, 16, 18, 34, 42, 2, 4, 4 };

static const TSSLayout *layout_of_type(unsigned type)
{
    return (type & 8) ? &tss32 : &tss16;
}

void x86_tss_get_stack(X86CPU *cpu, int dpl, uint16_t *ss, uint64_t *sp)
{
    const TSSLayout *l = layout_of_type(cpu->tr.attr & 0xf);
    unsigned sp_off = l->sp0 + l->stride * (unsigned)dpl;
    unsigned ss_off = l->ss0 + l->stride * (unsigned)dpl;
    if (!(cpu->tr.attr & SEG_ATTR_P) || ss_off + 1 > cpu->tr.limit)
        x86_raise_exception_err(cpu, EXCP_TS, cpu->tr.selector & 0xfffc);
    *sp = x86_read_lin(cpu, cpu->tr.base + sp_off, l->size, false);
    *ss = (uint16_t)x86_read_lin(cpu, cpu->tr.base + ss_off, 2, false);
}

static void set_busy(X86CPU *cpu, Desc *d, bool busy)
{
    if (busy)
        d->hi |= 2u << 8;
    else
        d->hi &= ~(2u << 8);
    x86_write_lin(cpu, d->addr + 4, d->hi, 4, false);
}

/* Save the outgoing task's dynamic state into its TSS. */
static void save_task(X86CPU *cpu, const TSSLayout *l, uint64_t next_rip, uint64_t flags)
{
    uint64_t base = cpu->tr.base;
    x86_write_lin(cpu, base + l->ip, next_rip, l->size, false);
    x86_write_lin(cpu, base + l->flags, flags, l->size, false);
    for (unsigned i = 0; i < 8; i++)
        x86_write_lin(cpu, base + l->regs + i * l->size, cpu->regs[i], l->size, false);
    for (unsigned i = 0; i < (l == &tss32 ? 6u : 4u); i++)
        x86_write_lin(cpu, base + l->segs + i * l->size, cpu->seg[i].selector, 2, false);
}

typedef struct NewTask {
    uint64_t cr3, ip, flags, regs[8];
    uint16_t segs[6], ldt;
} NewTask;

static void read_task(X86CPU *cpu, uint64_t base, const TSSLayout *l, NewTask *t)
{
    t->cr3 = l->cr3 ? x86_read_lin(cpu, base + l->cr3, 4, false) : 0;
    t->ip = x86_read_lin(cpu, base + l->ip, l->size, false);
    t->flags = x86_read_lin(cpu, base + l->flags, l->size, false);
    for (unsigned i = 0; i < 8; i++)
        t->regs[i] = x86_read_lin(cpu, base + l->regs + i * l->size, l->size, false);
    for (unsigned i = 0; i < 6; i++) {
        bool has = l == &tss32 || i < 4;
        t->segs[i] = has ? (uint16_t)x86_read_lin(cpu, base + l->segs + i * l->size, 2, false) : 0;
    }
    t->ldt = (uint16_t)x86_read_lin(cpu, base + l->ldt, 2, false);
}

noreturn static void ts_fault(X86CPU *cpu, uint16_t sel)
{
    x86_raise_exception_err(cpu, EXCP_TS, sel & 0xfffc);
}

static void load_task_ldt(X86CPU *cpu, uint16_t sel)
{
    Desc d;
    if (!(sel & 0xfffc)) {
        cpu->ldtr = (SegmentCache){ sel, 0, 0, SEG_ATTR_UNUSABLE };
        return;
    }
    if ((sel & 4) || !x86_read_desc(cpu, sel, &d) || desc_s(&d) || desc_type(&d) != 2)
        ts_fault(cpu, sel);
    if (!desc_present(&d))
        ts_fault(cpu, sel);
    cpu->ldtr = x86_desc_to_cache(&d, sel);
}

static void load_task_cs(X86CPU *cpu, uint16_t sel)
{
    Desc d;
    unsigned rpl = sel & 3;
    if (!(sel & 0xfffc) || !x86_read_desc(cpu, sel, &d) || !desc_is_code(&d))
        ts_fault(cpu, sel);
    bool conforming = desc_type(&d) & 4;
    if (conforming ? desc_dpl(&d) > rpl : desc_dpl(&d) != rpl)
        ts_fault(cpu, sel);
    if (!desc_present(&d))
        x86_raise_exception_err(cpu, EXCP_NP, sel & 0xfffc);
    x86_desc_set_accessed(cpu, &d);
    x86_load_cs_desc(cpu, sel, &d, (int)rpl);
}

static void load_task_data(X86CPU *cpu, int seg, uint16_t sel, int cpl)
{
    Desc d;
    if (!(sel & 0xfffc)) {
        if (seg == R_SS)
            ts_fault(cpu, sel);
        x86_set_seg_cache(cpu, seg, sel, 0, 0, SEG_ATTR_UNUSABLE);
        return;
    }
    if (seg == R_SS) {
        x86_check_new_ss(cpu, sel, cpl, &d, EXCP_TS);
        x86_desc_set_accessed(cpu, &d);
        x86_load_ss_desc(cpu, sel, &d, cpl);
        return;
    }
    if (!x86_read_desc(cpu, sel, &d) || !desc_s(&d) ||
        (desc_is_code(&d) && !(desc_type(&d) & 2)))
        ts_fault(cpu, sel);
    bool conforming_code = desc_is_code(&d) && (desc_type(&d) & 4);
    if (!conforming_code && ((sel & 3u) > desc_dpl(&d) || (unsigned)cpl > desc_dpl(&d)))
        ts_fault(cpu, sel);
    if (!desc_present(&d))
        x86_raise_exception_err(cpu, EXCP_NP, sel & 0xfffc);
    x86_desc_set_accessed(cpu, &d);
    SegmentCache c = x86_desc_to_cache(&d, sel);
    x86_set_seg_cache(cpu, seg, sel, c.base, c.limit, c.attr);
}

/* Load the new task's segment registers (faults now belong to the new task). */
static void load_task_segments(X86CPU *cpu, const NewTask *t)
{
    if (t->flags & VM_MASK) {
        for (int s = 0; s < 6; s++)
            x86_set_seg_cache(cpu, s, t->segs[s], (uint64_t)t->segs[s] << 4, 0xffff,
                              0xf3 | (s == R_CS ? SEG_ATTR_CODE : 0));
        load_task_ldt(cpu, t->ldt);
        return;
    }
    /* Selectors first, so that a fault leaves no stale hidden parts. */
    for (int s = 0; s < 6; s++)
        cpu->seg[s].selector = t->segs[s];
    load_task_ldt(cpu, t->ldt);
    int cpl = t->segs[R_CS] & 3;
    load_task_cs(cpu, t->segs[R_CS]);
    load_task_data(cpu, R_SS, t->segs[R_SS], cpl);
    static const int data_segs[] = { R_ES, R_DS, R_FS, R_GS };
    for (unsigned i = 0; i < 4; i++)
        load_task_data(cpu, data_segs[i], t->segs[data_segs[i]], cpl);
}

void x86_task_switch(X86CPU *cpu, uint16_t sel, const Desc *tss_in, int source,
                     uint64_t next_rip)
{
    Desc tss = *tss_in;
    unsigned type = desc_type(&tss);
    if (desc_s(&tss) || (type != 1 && type != 3 && type != 9 && type != 0xb))
        x86_raise_exception_err(cpu, EXCP_GP, sel & 0xfffc);
    if (!desc_present(&tss))
        x86_raise_exception_err(cpu, EXCP_NP, sel & 0xfffc);
    const TSSLayout *nl = layout_of_type(type);
    SegmentCache nc = x86_desc_to_cache(&tss, sel);
    if (nc.limit < nl->min_limit)
        ts_fault(cpu, sel);
    bool busy = type & 2;
    if (source == TASK_IRET ? !busy : busy)
        x86_raise_exception_err(cpu, source == TASK_IRET ? EXCP_TS : EXCP_GP, sel & 0xfffc);
    log_mask(LOG_PCALL, "cpu%d: task switch to %#x (source %d)\n", cpu->index, sel, source);

    NewTask t;
    read_task(cpu, nc.base, nl, &t);
    const TSSLayout *ol = layout_of_type(cpu->tr.attr & 0xf);
    if (cpu->tr.limit < ol->min_limit)
        ts_fault(cpu, cpu->tr.selector);
    uint64_t old_flags = x86_get_rflags(cpu);
    if (source == TASK_IRET)
        old_flags &= ~(uint64_t)NT_MASK;
    if (source == TASK_JMP || source == TASK_IRET) {
        Desc old;
        if (x86_read_desc(cpu, cpu->tr.selector, &old))
            set_busy(cpu, &old, false);
    }
    save_task(cpu, ol, next_rip, old_flags);
    if (source == TASK_CALL || source == TASK_INT) {
        x86_write_lin(cpu, nc.base, cpu->tr.selector, 2, false);
        t.flags |= NT_MASK;
    }
    if (source != TASK_IRET)
        set_busy(cpu, &tss, true);

    /* commit: the new task */
    nc.attr |= 2;
    cpu->tr = nc;
    cpu->cr0 |= CR0_TS;
    if (nl->cr3 && (cpu->cr0 & CR0_PG)) {
        cpu->cr3 = t.cr3;
        if ((cpu->cr4 & CR4_PAE) && !x86_load_pdptes(cpu, t.cr3))
            x86_raise_exception_err(cpu, EXCP_GP, 0);
        tlb_flush_nonglobal(&cpu->tlb);
    }
    cpu->rip = nl == &tss16 ? (t.ip & 0xffff) : (t.ip & 0xffffffffull);
    uint64_t fmask = nl == &tss16 ? 0xffffull : 0x3f7fd7ull;
    x86_set_rflags(cpu, t.flags | 2, fmask);
    for (int i = 0; i < 8; i++) {
        if (nl == &tss16)
            cpu->regs[i] = (cpu->regs[i] & ~0xffffull) | (t.regs[i] & 0xffff);
        else
            cpu->regs[i] = t.regs[i] & 0xffffffffull;
    }
    x86_update_hflags(cpu);
    load_task_segments(cpu, &t);
    if (cpu->rip > cpu->seg[R_CS].limit)
        x86_raise_exception_err(cpu, EXCP_GP, 0);
}
