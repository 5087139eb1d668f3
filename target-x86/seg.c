/*
 * Segmentation: descriptor fetch from the GDT/LDT, segment-register loads
 * with the protected-mode checks, LLDT/LTR, LAR/LSL/VERR/VERW, and the
 * stack helpers used by interrupt delivery and far control transfers.
 */
#include "target-x86/cpu.h"
#include "target-x86/cpu-internal.h"

void x86_set_seg_cache(X86CPU *cpu, int seg, uint16_t sel, uint64_t base, uint32_t limit,
                       uint32_t attr)
{
    cpu->seg[seg] = (SegmentCache){ sel, base, limit, attr };
    if (seg == R_CS || seg == R_SS)
        x86_update_hflags(cpu);
}

/* ---- descriptors ---- */

static bool desc_table(X86CPU *cpu, uint16_t sel, uint64_t *base, uint32_t *limit)
{
    if (sel & 4) {
        if (cpu->ldtr.attr & SEG_ATTR_UNUSABLE || !(cpu->ldtr.attr & SEG_ATTR_P))
            return false;
        *base = cpu->ldtr.base;
        *limit = cpu->ldtr.limit;
    } else {
        *base = cpu->gdtr.base;
        *limit = cpu->gdtr.limit;
    }
    return true;
}

bool x86_read_desc(X86CPU *cpu, uint16_t sel, Desc *d)
{
    uint64_t base;
    uint32_t limit;
    uint32_t off = sel & 0xfff8;
    if (!desc_table(cpu, sel, &base, &limit) || off + 7 > limit)
        return false;
    d->addr = base + off;
    d->lo = (uint32_t)x86_read_lin(cpu, d->addr, 4, false);
    d->hi = (uint32_t)x86_read_lin(cpu, d->addr + 4, 4, false);
    return true;
}

bool x86_read_desc_high(X86CPU *cpu, uint16_t sel, uint32_t *hi_lo, uint32_t *hi_hi)
{
    uint64_t base;
    uint32_t limit;
    uint32_t off = (sel & 0xfff8) + 8;
    if (!desc_table(cpu, sel, &base, &limit) || off + 7 > limit)
        return false;
    *hi_lo = (uint32_t)x86_read_lin(cpu, base + off, 4, false);
    *hi_hi = (uint32_t)x86_read_lin(cpu, base + off + 4, 4, false);
    return true;
}

SegmentCache x86_desc_to_cache(const Desc *d, uint16_t sel)
{
    uint32_t limit = (d->lo & 0xffff) | (d->hi & 0xf0000);
    if (d->hi & (1u << 23))
        limit = (limit << 12) | 0xfff;
    return (SegmentCache){
        .selector = sel,
        .base = (d->lo >> 16) | ((d->hi & 0xff) << 16) | (d->hi & 0xff000000u),
        .limit = limit,
        .attr = ((d->hi >> 8) & 0xff) | (((d->hi >> 20) & 0xf) << 12),
    };
}

void x86_desc_set_accessed(X86CPU *cpu, Desc *d)
{
    if (d->hi & (1u << 8))
        return;
    d->hi |= 1u << 8;
    x86_write_lin(cpu, d->addr + 4, d->hi, 4, false);
}

noreturn static void fault_sel(X86CPU *cpu, int vector, uint16_t sel)
{
    x86_raise_exception_err(cpu, vector, sel & 0xfffc);
}

/* ---- segment register loads ---- */

static void load_real_or_vm86(X86CPU *cpu, int seg, uint16_t sel)
{
    SegmentCache *s = &cpu->seg[seg];
    if (cpu->rflags & VM_MASK) {
        x86_set_seg_cache(cpu, seg, sel, (uint64_t)sel << 4, 0xffff,
                          0xf3 | (seg == R_CS ? SEG_ATTR_CODE : 0));
        return;
    }
    /* Real mode keeps the cached limit and D/B, G ("unreal" mode) and marks
     * the segment a present read/write data segment; one left unusable by a
     * null load in protected mode gets the real-mode default limit. */
    uint32_t limit = (s->attr & SEG_ATTR_UNUSABLE) ? 0xffff : s->limit;
    uint32_t keep = (s->attr & SEG_ATTR_UNUSABLE) ? 0 : (s->attr & (SEG_ATTR_DB | SEG_ATTR_G));
    x86_set_seg_cache(cpu, seg, sel, (uint64_t)sel << 4, limit, 0x93 | keep);
}

void x86_load_ss_desc(X86CPU *cpu, uint16_t sel, const Desc *d, int cpl)
{
    if (!d) {  /* null SS in 64-bit mode */
        x86_set_seg_cache(cpu, R_SS, sel, 0, 0,
                          SEG_ATTR_UNUSABLE | ((unsigned)cpl << SEG_ATTR_DPL_SHIFT) |
                          SEG_ATTR_DB);
        return;
    }
    SegmentCache c = x86_desc_to_cache(d, sel);
    x86_set_seg_cache(cpu, R_SS, sel, c.base, c.limit, c.attr);
}

void x86_check_new_ss(X86CPU *cpu, uint16_t sel, int cpl, Desc *d, int vector)
{
    if (!(sel & 0xfffc))
        fault_sel(cpu, vector, 0);
    if (!x86_read_desc(cpu, sel, d) || (sel & 3) != cpl)
        fault_sel(cpu, vector, sel);
    if (!desc_is_data(d) || !(desc_type(d) & 2) || (int)desc_dpl(d) != cpl)
        fault_sel(cpu, vector, sel);
    if (!desc_present(d))
        fault_sel(cpu, vector == EXCP_TS ? EXCP_SS : vector, sel);
}

static void load_ss_protected(X86CPU *cpu, uint16_t sel)
{
    Desc d;
    if (!(sel & 0xfffc)) {
        if (!cpu->code64 || cpu->cpl == 3 || (sel & 3) != cpu->cpl)
            fault_sel(cpu, EXCP_GP, 0);
        x86_load_ss_desc(cpu, sel, NULL, cpu->cpl);
        return;
    }
    if (!x86_read_desc(cpu, sel, &d) || (sel & 3) != cpu->cpl)
        fault_sel(cpu, EXCP_GP, sel);
    if (!desc_is_data(&d) || !(desc_type(&d) & 2) || (int)desc_dpl(&d) != cpu->cpl)
        fault_sel(cpu, EXCP_GP, sel);
    if (!desc_present(&d))
        fault_sel(cpu, EXCP_SS, sel);
    x86_desc_set_accessed(cpu, &d);
    x86_load_ss_desc(cpu, sel, &d, cpu->cpl);
}

static void load_data_protected(X86CPU *cpu, int seg, uint16_t sel)
{
    Desc d;
    if (!(sel & 0xfffc)) {
        x86_set_seg_cache(cpu, seg, sel, 0, 0, SEG_ATTR_UNUSABLE);
        return;
    }
    if (!x86_read_desc(cpu, sel, &d))
        fault_sel(cpu, EXCP_GP, sel);
    if (!desc_s(&d) || (desc_is_code(&d) && !(desc_type(&d) & 2)))
        fault_sel(cpu, EXCP_GP, sel);
    bool conforming_code = desc_is_code(&d) && (desc_type(&d) & 4);
    if (!conforming_code && ((sel & 3) > desc_dpl(&d) || (unsigned)cpu->cpl > desc_dpl(&d)))
        fault_sel(cpu, EXCP_GP, sel);
    if (!desc_present(&d))
        fault_sel(cpu, EXCP_NP, sel);
    x86_desc_set_accessed(cpu, &d);
    SegmentCache c = x86_desc_to_cache(&d, sel);
    x86_set_seg_cache(cpu, seg, sel, c.base, c.limit, c.attr);
}

void x86_load_seg(X86CPU *cpu, int seg, uint16_t selector)
{
    if (!(cpu->cr0 & CR0_PE) || (cpu->rflags & VM_MASK)) {
        load_real_or_vm86(cpu, seg, selector);
        return;
    }
    if (seg == R_SS)
        load_ss_protected(cpu, selector);
    else
        load_data_protected(cpu, seg, selector);
}

void x86_load_cs_desc(X86CPU *cpu, uint16_t sel, const Desc *d, int cpl)
{
    SegmentCache c = x86_desc_to_cache(d, sel);
    sel = (uint16_t)((sel & 0xfffc) | cpl);
    cpu->seg[R_CS] = (SegmentCache){ sel, c.base, c.limit, c.attr };
    x86_update_hflags(cpu);
}

/* A data or non-conforming code segment whose DPL < CPL must not stay loaded. */
void x86_null_inaccessible_segs(X86CPU *cpu)
{
    static const int segs[] = { R_ES, R_DS, R_FS, R_GS };
    for (unsigned i = 0; i < 4; i++) {
        SegmentCache *s = &cpu->seg[segs[i]];
        bool conforming_code = (s->attr & SEG_ATTR_CODE) && (s->attr & 4);
        unsigned dpl = (s->attr & SEG_ATTR_DPL) >> SEG_ATTR_DPL_SHIFT;
        if (s->attr & SEG_ATTR_UNUSABLE)
            continue;
        if (!conforming_code && dpl < (unsigned)cpu->cpl)
            x86_set_seg_cache(cpu, segs[i], 0, 0, 0, SEG_ATTR_UNUSABLE);
    }
}

/* ---- LDTR and TR ---- */

/* Build the cache for a system descriptor, 16 bytes in long mode. */
static SegmentCache system_desc_cache(X86CPU *cpu, uint16_t sel, const Desc *d)
{
    SegmentCache c = x86_desc_to_cache(d, sel);
    if (cpu->lma) {
        uint32_t hl, hh;
        if (!x86_read_desc_high(cpu, sel, &hl, &hh))
            fault_sel(cpu, EXCP_GP, sel);
        if ((hh >> 8) & 0x1f)
            fault_sel(cpu, EXCP_GP, sel);
        if (!x86_is_canonical(((uint64_t)hl << 32) | c.base))
            fault_sel(cpu, EXCP_GP, sel);
        c.base |= (uint64_t)hl << 32;
    }
    return c;
}

void x86_lldt(X86CPU *cpu, uint16_t sel)
{
    Desc d;
    if (cpu->cpl != 0)
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    if (!(sel & 0xfffc)) {
        cpu->ldtr = (SegmentCache){ sel, 0, 0, SEG_ATTR_UNUSABLE };
        return;
    }
    if ((sel & 4) || !x86_read_desc(cpu, sel, &d))
        fault_sel(cpu, EXCP_GP, sel);
    if (desc_s(&d) || desc_type(&d) != 2)
        fault_sel(cpu, EXCP_GP, sel);
    if (!desc_present(&d))
        fault_sel(cpu, EXCP_NP, sel);
    cpu->ldtr = system_desc_cache(cpu, sel, &d);
}

void x86_ltr(X86CPU *cpu, uint16_t sel)
{
    Desc d;
    if (cpu->cpl != 0)
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    if (!(sel & 0xfffc))
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    if ((sel & 4) || !x86_read_desc(cpu, sel, &d))
        fault_sel(cpu, EXCP_GP, sel);
    unsigned type = desc_type(&d);
    bool ok = cpu->lma ? type == 9 : (type == 1 || type == 9);
    if (desc_s(&d) || !ok)
        fault_sel(cpu, EXCP_GP, sel);
    if (!desc_present(&d))
        fault_sel(cpu, EXCP_NP, sel);
    SegmentCache c = system_desc_cache(cpu, sel, &d);
    d.hi |= 2u << 8;   /* busy */
    x86_write_lin(cpu, d.addr + 4, d.hi, 4, false);
    c.attr |= 2;
    cpu->tr = c;
}

/* ---- LAR / LSL / VERR / VERW ---- */

/* Is a descriptor visible at the current CPL and the selector's RPL? */
static bool visible(X86CPU *cpu, uint16_t sel, const Desc *d)
{
    bool conforming_code = desc_is_code(d) && (desc_type(d) & 4);
    if (conforming_code)
        return true;
    return desc_dpl(d) >= (unsigned)cpu->cpl && desc_dpl(d) >= (sel & 3u);
}

/* System types LAR (lar=true) or LSL accept, in legacy and long mode. */
static bool system_type_ok(X86CPU *cpu, unsigned type, bool lar)
{
    if (cpu->lma)
        return type == 2 || type == 9 || type == 0xb || (lar && type == 0xc);
    switch (type) {
    case 1: case 2: case 3: case 9: case 0xb:
        return true;
    case 4: case 5: case 0xc:
        return lar;
    default:
        return false;
    }
}

static bool lookup_for_query(X86CPU *cpu, uint16_t sel, Desc *d, bool lar)
{
    if (!(sel & 0xfffc) || !x86_read_desc(cpu, sel, d))
        return false;
    if (!desc_s(d) && !system_type_ok(cpu, desc_type(d), lar))
        return false;
    return visible(cpu, sel, d);
}

bool x86_lar(X86CPU *cpu, uint16_t sel, uint32_t *attr_out)
{
    Desc d;
    if (!lookup_for_query(cpu, sel, &d, true))
        return false;
    *attr_out = d.hi & 0x00f0ff00u;
    return true;
}

bool x86_lsl(X86CPU *cpu, uint16_t sel, uint32_t *limit_out)
{
    Desc d;
    if (!lookup_for_query(cpu, sel, &d, false))
        return false;
    *limit_out = x86_desc_to_cache(&d, sel).limit;
    return true;
}

bool x86_verr(X86CPU *cpu, uint16_t sel)
{
    Desc d;
    if (!(sel & 0xfffc) || !x86_read_desc(cpu, sel, &d) || !desc_s(&d))
        return false;
    if (desc_is_code(&d) && !(desc_type(&d) & 2))
        return false;
    return visible(cpu, sel, &d);
}

bool x86_verw(X86CPU *cpu, uint16_t sel)
{
    Desc d;
    if (!(sel & 0xfffc) || !x86_read_desc(cpu, sel, &d) || !desc_is_data(&d))
        return false;
    if (!(desc_type(&d) & 2))
        return false;
    return visible(cpu, sel, &d);
}

/* ---- stacks ---- */

StackPtr x86_stack_seg(X86CPU *cpu, const SegmentCache *ss, uint64_t sp, bool user,
                       uint32_t fault_err)
{
    uint64_t mask = (ss->attr & SEG_ATTR_DB) ? 0xffffffffull : 0xffffull;
    bool check = (cpu->cr0 & CR0_PE) && !(cpu->rflags & VM_MASK);
    return (StackPtr){ ss->base, sp & mask, mask, user, check, *ss, fault_err };
}

StackPtr x86_stack_flat(uint64_t sp, bool user)
{
    return (StackPtr){ .base = 0, .sp = sp, .mask = ~0ull, .user = user };
}

static void check_stack_limit(X86CPU *cpu, const StackPtr *s, uint64_t sp, unsigned size)
{
    if (s->check && !x86_seg_within_limit(&s->seg, sp, size))
        x86_raise_exception_err(cpu, EXCP_SS, s->fault_err);
}

void x86_stack_push(X86CPU *cpu, StackPtr *s, uint64_t val, unsigned size)
{
    uint64_t sp = (s->sp - size) & s->mask;
    check_stack_limit(cpu, s, sp, size);
    s->sp = sp;
    x86_write_lin(cpu, s->base + s->sp, val, size, s->user);
}

uint64_t x86_stack_pop(X86CPU *cpu, StackPtr *s, unsigned size)
{
    check_stack_limit(cpu, s, s->sp, size);
    uint64_t v = x86_read_lin(cpu, s->base + s->sp, size, s->user);
    s->sp = (s->sp + size) & s->mask;
    return v;
}

void x86_set_sp(X86CPU *cpu, uint64_t sp, uint64_t mask)
{
    cpu->regs[R_ESP] = (cpu->regs[R_ESP] & ~mask) | (sp & mask);
}
