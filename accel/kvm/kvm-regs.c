/*
 * Moving a vCPU's architectural state between X86CPU (target-x86/cpu.h,
 * the truth while the vCPU is not inside KVM) and KVM's view of it:
 * general registers, segments and control registers, x87/SSE, XCR0, the
 * MSRs of the table below, debug registers, and the interrupt shadow / NMI
 * mask. The KVM-only parts of the event state (an injected but not yet
 * delivered interrupt or exception) are kept in KVMCpu and handed back
 * unchanged, so a round trip through X86CPU loses nothing.
 */
#include "accel/kvm/kvm-internal.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <glib.h>

#include "target-x86/cpu.h"

/* ---- general registers ---- */

/* Where each of our general registers lives in struct kvm_regs. */
static void gpr_slots(struct kvm_regs *r, __u64 *slot[16])
{
    __u64 *const s[16] = {
        [R_EAX] = &r->rax, [R_ECX] = &r->rcx, [R_EDX] = &r->rdx, [R_EBX] = &r->rbx,
        [R_ESP] = &r->rsp, [R_EBP] = &r->rbp, [R_ESI] = &r->rsi, [R_EDI] = &r->rdi,
        [R_R8] = &r->r8, [R_R9] = &r->r9, [R_R10] = &r->r10, [R_R11] = &r->r11,
        [R_R12] = &r->r12, [R_R13] = &r->r13, [R_R14] = &r->r14, [R_R15] = &r->r15,
    };
    memcpy(slot, s, sizeof(s));
}

void kvm_regs_from_cpu(X86CPU *cpu, struct kvm_regs *r)
{
    __u64 *slot[16];
    memset(r, 0, sizeof(*r));
    gpr_slots(r, slot);
    for (int i = 0; i < 16; i++)
        *slot[i] = cpu->regs[i];
    r->rip = cpu->rip;
    r->rflags = x86_get_rflags(cpu);
}

void kvm_regs_to_cpu(X86CPU *cpu, struct kvm_regs *r)
{
    __u64 *slot[16];
    gpr_slots(r, slot);
    for (int i = 0; i < 16; i++)
        cpu->regs[i] = *slot[i];
    cpu->rip = r->rip;
    x86_set_rflags(cpu, r->rflags, ~0ull);
}

static bool put_regs(KVMCpu *kc)
{
    struct kvm_regs r;
    kvm_regs_from_cpu(kc->cpu, &r);
    return ioctl(kc->fd, KVM_SET_REGS, &r) == 0;
}

static bool get_regs(KVMCpu *kc)
{
    struct kvm_regs r;
    if (ioctl(kc->fd, KVM_GET_REGS, &r) != 0)
        return false;
    kvm_regs_to_cpu(kc->cpu, &r);
    return true;
}

/* ---- segments and control registers ---- */

void kvm_seg_from_cache(const SegmentCache *sc, struct kvm_segment *k)
{
    uint32_t a = sc->attr;
    *k = (struct kvm_segment){
        .base = sc->base, .limit = sc->limit, .selector = sc->selector,
        .type = a & SEG_ATTR_TYPE, .s = (a & SEG_ATTR_S) != 0,
        .dpl = (a & SEG_ATTR_DPL) >> SEG_ATTR_DPL_SHIFT, .present = (a & SEG_ATTR_P) != 0,
        .avl = (a & SEG_ATTR_AVL) != 0, .l = (a & SEG_ATTR_L) != 0,
        .db = (a & SEG_ATTR_DB) != 0, .g = (a & SEG_ATTR_G) != 0,
        .unusable = (a & SEG_ATTR_UNUSABLE) != 0,
    };
}

void kvm_seg_to_cache(SegmentCache *sc, const struct kvm_segment *k)
{
    sc->base = k->base;
    sc->limit = k->limit;
    sc->selector = k->selector;
    sc->attr = (k->type & SEG_ATTR_TYPE) | (k->s ? SEG_ATTR_S : 0) |
               ((uint32_t)(k->dpl & 3) << SEG_ATTR_DPL_SHIFT) | (k->present ? SEG_ATTR_P : 0) |
               (k->avl ? SEG_ATTR_AVL : 0) | (k->l ? SEG_ATTR_L : 0) |
               (k->db ? SEG_ATTR_DB : 0) | (k->g ? SEG_ATTR_G : 0) |
               (k->unusable ? SEG_ATTR_UNUSABLE : 0);
}

static struct kvm_segment *kvm_seg(struct kvm_sregs *s, int seg)
{
    switch (seg) {
    case R_ES: return &s->es;
    case R_CS: return &s->cs;
    case R_SS: return &s->ss;
    case R_DS: return &s->ds;
    case R_FS: return &s->fs;
    default:   return &s->gs;
    }
}

static bool put_sregs(KVMCpu *kc)
{
    X86CPU *cpu = kc->cpu;
    struct kvm_sregs s;
    memset(&s, 0, sizeof(s));
    for (int i = 0; i < 6; i++)
        kvm_seg_from_cache(&cpu->seg[i], kvm_seg(&s, i));
    kvm_seg_from_cache(&cpu->ldtr, &s.ldt);
    kvm_seg_from_cache(&cpu->tr, &s.tr);
    s.gdt = (struct kvm_dtable){ .base = cpu->gdtr.base, .limit = (uint16_t)cpu->gdtr.limit };
    s.idt = (struct kvm_dtable){ .base = cpu->idtr.base, .limit = (uint16_t)cpu->idtr.limit };
    s.cr0 = cpu->cr0;
    s.cr2 = cpu->cr2;
    s.cr3 = cpu->cr3;
    s.cr4 = cpu->cr4;
    s.cr8 = x86_apic_get_cr8(cpu);
    s.efer = cpu->efer;
    s.apic_base = x86_apic_get_base(cpu);
    memcpy(s.interrupt_bitmap, kc->irq_bitmap, sizeof(s.interrupt_bitmap));
    kc->last_cr8 = s.cr8;
    return ioctl(kc->fd, KVM_SET_SREGS, &s) == 0;
}

static bool get_sregs(KVMCpu *kc)
{
    X86CPU *cpu = kc->cpu;
    struct kvm_sregs s;
    if (ioctl(kc->fd, KVM_GET_SREGS, &s) != 0)
        return false;
    for (int i = 0; i < 6; i++)
        kvm_seg_to_cache(&cpu->seg[i], kvm_seg(&s, i));
    kvm_seg_to_cache(&cpu->ldtr, &s.ldt);
    kvm_seg_to_cache(&cpu->tr, &s.tr);
    cpu->gdtr = (DescTable){ s.gdt.base, s.gdt.limit };
    cpu->idtr = (DescTable){ s.idt.base, s.idt.limit };
    cpu->cr0 = s.cr0;
    cpu->cr2 = s.cr2;
    cpu->cr3 = s.cr3;
    cpu->cr4 = s.cr4;
    cpu->efer = s.efer;
    memcpy(kc->irq_bitmap, s.interrupt_bitmap, sizeof(kc->irq_bitmap));
    return true;
}

/* ---- x87 / SSE (the FXSAVE image: ST(i) in stack order, abridged tags
 * per physical register) ---- */

void kvm_fpu_from_cpu(const X86CPU *cpu, struct kvm_fpu *k)
{
    const X87State *f = &cpu->fpu;
    memset(k, 0, sizeof(*k));
    for (int i = 0; i < 8; i++) {
        const Float80 *r = &f->st[(f->top + i) & 7];
        memcpy(&k->fpr[i][0], &r->mant, 8);
        memcpy(&k->fpr[i][8], &r->exp, 2);
    }
    k->fcw = f->fcw;
    k->fsw = (uint16_t)((f->fsw & ~0x3800u) | ((f->top & 7u) << 11));
    k->ftwx = f->ftw;
    k->last_opcode = f->fop;
    k->last_ip = f->fip;
    k->last_dp = f->fdp;
    memcpy(k->xmm, cpu->xmm, sizeof(k->xmm));
    k->mxcsr = cpu->mxcsr;
}

void kvm_fpu_to_cpu(X86CPU *cpu, const struct kvm_fpu *k)
{
    X87State *f = &cpu->fpu;
    f->top = (k->fsw >> 11) & 7;
    for (int i = 0; i < 8; i++) {
        Float80 *r = &f->st[(f->top + i) & 7];
        memcpy(&r->mant, &k->fpr[i][0], 8);
        memcpy(&r->exp, &k->fpr[i][8], 2);
    }
    f->fcw = k->fcw;
    f->fsw = k->fsw & ~0x3800u;
    f->ftw = k->ftwx;
    f->fop = k->last_opcode;
    f->fip = k->last_ip;
    f->fdp = k->last_dp;
    memcpy(cpu->xmm, k->xmm, sizeof(cpu->xmm));
    cpu->mxcsr = k->mxcsr;
}

static bool put_fpu(KVMCpu *kc)
{
    struct kvm_fpu k;
    kvm_fpu_from_cpu(kc->cpu, &k);
    return ioctl(kc->fd, KVM_SET_FPU, &k) == 0;
}

static bool get_fpu(KVMCpu *kc)
{
    struct kvm_fpu k;
    if (ioctl(kc->fd, KVM_GET_FPU, &k) != 0)
        return false;
    kvm_fpu_to_cpu(kc->cpu, &k);
    return true;
}

/* ---- XCR0 ---- */

static bool put_xcrs(KVMCpu *kc)
{
    if (!kvm_state.have_xcrs)
        return true;
    struct kvm_xcrs x;
    memset(&x, 0, sizeof(x));
    x.nr_xcrs = 1;
    x.xcrs[0].xcr = 0;
    x.xcrs[0].value = kc->cpu->xcr0;
    return ioctl(kc->fd, KVM_SET_XCRS, &x) == 0;
}

static bool get_xcrs(KVMCpu *kc)
{
    if (!kvm_state.have_xcrs)
        return true;
    struct kvm_xcrs x;
    if (ioctl(kc->fd, KVM_GET_XCRS, &x) != 0)
        return false;
    for (unsigned i = 0; i < x.nr_xcrs && i < KVM_MAX_XCRS; i++)
        if (x.xcrs[i].xcr == 0)
            kc->cpu->xcr0 = x.xcrs[i].value;
    return true;
}

/* ---- MSRs ---- */

typedef struct MsrField {
    uint32_t index;
    size_t offset;   /* of a uint64_t in X86CPU */
} MsrField;

#define F(i, field) { i, offsetof(X86CPU, field) }
static const MsrField msr_fields[] = {
    F(0x174, sysenter_cs), F(0x175, sysenter_esp), F(0x176, sysenter_eip),
    F(0xc0000081, star), F(0xc0000082, lstar), F(0xc0000083, cstar),
    F(0xc0000084, sfmask), F(0xc0000102, kernel_gs_base), F(0xc0000103, tsc_aux),
    F(0x277, pat), F(0x1a0, misc_enable), F(0x2ff, mtrr_deftype),
    F(0x250, mtrr_fixed[0]), F(0x258, mtrr_fixed[1]), F(0x259, mtrr_fixed[2]),
    F(0x268, mtrr_fixed[3]), F(0x269, mtrr_fixed[4]), F(0x26a, mtrr_fixed[5]),
    F(0x26b, mtrr_fixed[6]), F(0x26c, mtrr_fixed[7]), F(0x26d, mtrr_fixed[8]),
    F(0x26e, mtrr_fixed[9]), F(0x26f, mtrr_fixed[10]),
    F(0x200, mtrr_var[0]), F(0x201, mtrr_var[1]), F(0x202, mtrr_var[2]),
    F(0x203, mtrr_var[3]), F(0x204, mtrr_var[4]), F(0x205, mtrr_var[5]),
    F(0x206, mtrr_var[6]), F(0x207, mtrr_var[7]), F(0x208, mtrr_var[8]),
    F(0x209, mtrr_var[9]), F(0x20a, mtrr_var[10]), F(0x20b, mtrr_var[11]),
    F(0x20c, mtrr_var[12]), F(0x20d, mtrr_var[13]), F(0x20e, mtrr_var[14]),
    F(0x20f, mtrr_var[15]),
};
#undef F
#define NR_MSR_FIELDS (sizeof(msr_fields) / sizeof(msr_fields[0]))

/* Indices into msr_fields of the MSRs KVM can move. */
static int usable_msrs[NR_MSR_FIELDS];
static int nr_usable_msrs;

void kvm_regs_init_msr_list(KVMState *s)
{
    struct kvm_msr_list probe = { .nmsrs = 0 };
    nr_usable_msrs = 0;
    if (ioctl(s->fd, KVM_GET_MSR_INDEX_LIST, &probe) != 0 && errno != E2BIG)
        return;
    struct kvm_msr_list *l = g_malloc0(sizeof(*l) + probe.nmsrs * sizeof(uint32_t));
    l->nmsrs = probe.nmsrs;
    if (ioctl(s->fd, KVM_GET_MSR_INDEX_LIST, l) == 0) {
        for (size_t f = 0; f < NR_MSR_FIELDS; f++)
            for (uint32_t i = 0; i < l->nmsrs; i++)
                if (l->indices[i] == msr_fields[f].index) {
                    usable_msrs[nr_usable_msrs++] = (int)f;
                    break;
                }
    }
    g_free(l);
}

static uint64_t *msr_slot(X86CPU *cpu, int f)
{
    return (uint64_t *)((char *)cpu + msr_fields[f].offset);
}

typedef struct MsrBuf {
    struct kvm_msrs hdr;
    struct kvm_msr_entry e[NR_MSR_FIELDS];
} MsrBuf;

static void msr_buf_fill(MsrBuf *b, X86CPU *cpu)
{
    memset(b, 0, sizeof(*b));
    b->hdr.nmsrs = (uint32_t)nr_usable_msrs;
    for (int i = 0; i < nr_usable_msrs; i++) {
        b->e[i].index = msr_fields[usable_msrs[i]].index;
        b->e[i].data = *msr_slot(cpu, usable_msrs[i]);
    }
}

/* A value KVM refuses (reserved bits) is not fatal: it is reported once
 * and the rest of the state still goes in. */
static bool put_msrs(KVMCpu *kc)
{
    MsrBuf b;
    msr_buf_fill(&b, kc->cpu);
    int n = ioctl(kc->fd, KVM_SET_MSRS, &b);
    if (n < 0)
        return false;
    if (n < nr_usable_msrs)
        g_warning("kvm: MSR %#x not accepted", b.e[n].index);
    return true;
}

static bool get_msrs(KVMCpu *kc)
{
    MsrBuf b;
    msr_buf_fill(&b, kc->cpu);
    int n = ioctl(kc->fd, KVM_GET_MSRS, &b);
    if (n < 0)
        return false;
    for (int i = 0; i < n && i < nr_usable_msrs; i++)
        *msr_slot(kc->cpu, usable_msrs[i]) = b.e[i].data;
    return true;
}

/* ---- debug registers ---- */

static bool put_debugregs(KVMCpu *kc)
{
    X86CPU *cpu = kc->cpu;
    struct kvm_debugregs d;
    memset(&d, 0, sizeof(d));
    for (int i = 0; i < 4; i++)
        d.db[i] = cpu->dr[i];
    d.dr6 = cpu->dr[6];
    d.dr7 = cpu->dr[7];
    return ioctl(kc->fd, KVM_SET_DEBUGREGS, &d) == 0;
}

static bool get_debugregs(KVMCpu *kc)
{
    X86CPU *cpu = kc->cpu;
    struct kvm_debugregs d;
    if (ioctl(kc->fd, KVM_GET_DEBUGREGS, &d) != 0)
        return false;
    for (int i = 0; i < 4; i++)
        cpu->dr[i] = d.db[i];
    cpu->dr[6] = d.dr6;
    cpu->dr[7] = d.dr7;
    return true;
}

/* ---- interrupt shadow and NMI mask ---- */

static bool put_events(KVMCpu *kc)
{
    X86CPU *cpu = kc->cpu;
    struct kvm_vcpu_events e = kc->events;
    e.flags = KVM_VCPUEVENT_VALID_SHADOW | KVM_VCPUEVENT_VALID_NMI_PENDING;
    e.interrupt.shadow = cpu->inhibit_irq ? KVM_X86_SHADOW_INT_MOV_SS : 0;
    e.nmi.masked = cpu->nmi_blocked;
    e.nmi.pending = 0;
    e.sipi_vector = 0;
    return ioctl(kc->fd, KVM_SET_VCPU_EVENTS, &e) == 0;
}

static bool get_events(KVMCpu *kc)
{
    X86CPU *cpu = kc->cpu;
    struct kvm_vcpu_events *e = &kc->events;
    if (ioctl(kc->fd, KVM_GET_VCPU_EVENTS, e) != 0)
        return false;
    cpu->inhibit_irq = e->interrupt.shadow != 0;
    cpu->nmi_blocked = e->nmi.masked;
    if (e->nmi.pending)   /* not delivered yet: keep it as our request */
        x86_cpu_raise_event(cpu, CPU_INTERRUPT_NMI);
    return true;
}

/* ---- all of it ---- */

typedef struct RegsStep {
    const char *what;
    bool (*put)(KVMCpu *kc);
    bool (*get)(KVMCpu *kc);
} RegsStep;

/* Order matters on the way in: the mode (sregs) before what depends on it,
 * the events last. */
static const RegsStep regs_steps[] = {
    { "sregs", put_sregs, get_sregs },
    { "regs", put_regs, get_regs },
    { "fpu", put_fpu, get_fpu },
    { "xcrs", put_xcrs, get_xcrs },
    { "msrs", put_msrs, get_msrs },
    { "debugregs", put_debugregs, get_debugregs },
    { "events", put_events, get_events },
};

static bool regs_fail(KVMCpu *kc, const char *dir, const char *what)
{
    fprintf(stderr, "vessel: kvm: cannot %s the %s of vCPU %d: %s\n", dir, what,
            kc->cpu->index, g_strerror(errno));
    return false;
}

bool kvm_regs_put(KVMCpu *kc)
{
    for (size_t i = 0; i < sizeof(regs_steps) / sizeof(regs_steps[0]); i++)
        if (!regs_steps[i].put(kc))
            return regs_fail(kc, "set", regs_steps[i].what);
    return true;
}

bool kvm_regs_get(KVMCpu *kc)
{
    for (size_t i = 0; i < sizeof(regs_steps) / sizeof(regs_steps[0]); i++)
        if (!regs_steps[i].get(kc))
            return regs_fail(kc, "read", regs_steps[i].what);
    x86_update_hflags(kc->cpu);
    return true;
}
