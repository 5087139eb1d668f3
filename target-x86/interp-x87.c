/*
 * x87 FPU: stack, tags, control/status words, loads and stores of every
 * format, arithmetic in 80-bit precision with precision and rounding
 * control (softfloat-x80.c), compares and condition codes, FCMOV, FCOMI,
 * environment save/restore. Rows in insn-table-x87.def; one handler per
 * opcode byte D8..DF, dispatching on ModRM.
 *
 * Unmasked exceptions set FSW.ES/B; the next waiting x87 instruction raises
 * #MF when CR0.NE=1 (the FERR# line of CR0.NE=0 is not modelled). The masked
 * responses are implemented; with an unmasked IE/ZE/DE the destination is
 * left unchanged. Transcendentals and packed BCD compute in
 * softfloat-x80-trans.c / softfloat-x80-bcd.c; their handlers are here.
 * The environment (FSTENV/FSAVE) has the protected-mode layout, or the
 * real-mode one (FIP/FDP as 20-bit linear addresses) in real and
 * virtual-8086 mode, in 14- or 28-byte forms by operand size.
 */
#include <string.h>

#include "target-x86/interp-sse.h"
#include "target-x86/softfloat-x80.h"

#define FSW_SF 0x0040
#define FSW_ES 0x0080
#define FSW_C0 0x0100
#define FSW_C1 0x0200
#define FSW_C2 0x0400
#define FSW_C3 0x4000
#define FSW_B  0x8000
#define FSW_CC (FSW_C0 | FSW_C1 | FSW_C2 | FSW_C3)

static X87State *F(X86CPU *cpu) { return &cpu->fpu; }

static int phys(X86CPU *cpu, int i) { return (F(cpu)->top + i) & 7; }
static bool st_valid(X86CPU *cpu, int i) { return F(cpu)->ftw & (1u << phys(cpu, i)); }
static Float80 *st(X86CPU *cpu, int i) { return &F(cpu)->st[phys(cpu, i)]; }

static X80Ctx ctx(X86CPU *cpu)
{
    static const int pc[4] = { 24, 64, 53, 64 };
    X80Ctx c = { .rc = (F(cpu)->fcw >> 10) & 3, .prec = pc[(F(cpu)->fcw >> 8) & 3], .flags = 0 };
    return c;
}

/* Merge exception flags; true if the result may be written (no unmasked
 * IE/ZE/DE). C1 follows the round-up indication. */
static bool raise_flags(X86CPU *cpu, unsigned flags)
{
    X87State *f = F(cpu);
    unsigned ex = flags & 0x7f;
    f->fsw = (uint16_t)((f->fsw & ~FSW_C1) | ex | ((flags & FX_C1) ? FSW_C1 : 0));
    unsigned unmasked = ex & 0x3f & ~f->fcw;
    if (unmasked) {
        f->fsw |= FSW_ES | FSW_B;
        if (unmasked & (FX_IE | FX_ZE | FX_DE))
            return false;
    }
    return true;
}

/* Before a waiting instruction: a pending unmasked exception raises #MF. */
static void fpu_enter(X86CPU *cpu, const X86Insn *insn, bool waiting)
{
    fpu_check(cpu);
    if (waiting && (F(cpu)->fsw & FSW_ES) && (cpu->cr0 & CR0_NE))
        x86_raise_exception(cpu, EXCP_MF);
}

static void note_insn(X86CPU *cpu, const X86Insn *insn)
{
    X87State *f = F(cpu);
    f->fop = (uint16_t)(((insn->opcode & 7) << 8) | insn->modrm);
    f->fip = insn->pc;
    f->fcs = cpu->seg[R_CS].selector;
    if (insn->is_mem) {
        f->fdp = insn_ea(cpu, insn);
        f->fds = cpu->seg[insn->seg].selector;
    }
}

/* A waiting, non-control instruction: #MF check, then FOP/FIP/FDP. */
static void fpu_begin(X86CPU *cpu, const X86Insn *insn)
{
    fpu_enter(cpu, insn, true);
    note_insn(cpu, insn);
}

/* Stack fault: IE + SF, C1 = overflow. Returns true if masked. */
static bool stack_fault(X86CPU *cpu, bool overflow)
{
    X87State *f = F(cpu);
    f->fsw = (uint16_t)((f->fsw & ~FSW_C1) | FX_IE | FSW_SF | (overflow ? FSW_C1 : 0));
    if (!(f->fcw & FX_IE)) {
        f->fsw |= FSW_ES | FSW_B;
        return false;
    }
    return true;
}

/* Push; C1 = 0, or 1 on a stack overflow (the loads' C1 rule). */
static void fpush(X86CPU *cpu, Float80 v)
{
    X87State *f = F(cpu);
    f->fsw &= ~FSW_C1;
    if (st_valid(cpu, -1)) {
        if (!stack_fault(cpu, true))
            return;
        v = x80_indefinite;
    }
    f->top = (f->top - 1) & 7;
    f->ftw |= 1u << f->top;
    f->st[f->top] = v;
}

static void fpop(X86CPU *cpu)
{
    X87State *f = F(cpu);
    f->ftw &= ~(1u << f->top);
    f->top = (f->top + 1) & 7;
}

/* Read ST(i); empty: stack underflow, false if the instruction must stop. */
static bool fget(X86CPU *cpu, int i, Float80 *v)
{
    if (st_valid(cpu, i)) {
        *v = *st(cpu, i);
        return true;
    }
    *v = x80_indefinite;
    return stack_fault(cpu, false);
}

static void fset(X86CPU *cpu, int i, Float80 v)
{
    *st(cpu, i) = v;
    F(cpu)->ftw |= 1u << phys(cpu, i);
}

/* ---- memory operands ---- */

static uint64_t ea_of(X86CPU *cpu, const X86Insn *insn) { return insn_ea(cpu, insn); }

static Float80 load_real(X86CPU *cpu, const X86Insn *insn, int size, X80Ctx *c)
{
    uint64_t ea = ea_of(cpu, insn);
    switch (size) {
    case 4: return x80_from_f32(c, (uint32_t)mem_read(cpu, insn->seg, ea, 4));
    case 8: return x80_from_f64(c, mem_read(cpu, insn->seg, ea, 8));
    default: {
        uint64_t m = mem_read(cpu, insn->seg, ea, 8);
        uint16_t e = (uint16_t)mem_read(cpu, insn->seg, (ea + 8) & addr_mask(insn->addrsize), 2);
        return (Float80){ m, e };
    }
    }
}

static Float80 load_int(X86CPU *cpu, const X86Insn *insn, int size)
{
    return x80_from_int(sext(mem_read(cpu, insn->seg, ea_of(cpu, insn), (unsigned)size), (unsigned)size));
}

static void store80(X86CPU *cpu, const X86Insn *insn, Float80 v)
{
    uint64_t ea = ea_of(cpu, insn);
    uint64_t a9 = (ea + 9) & addr_mask(insn->addrsize);
    mem_write(cpu, insn->seg, a9, mem_read(cpu, insn->seg, a9, 1), 1);
    mem_write(cpu, insn->seg, ea, v.mant, 8);
    mem_write(cpu, insn->seg, (ea + 8) & addr_mask(insn->addrsize), v.exp, 2);
}

/* FST/FSTP m32/m64/m80 */
static void fst_mem(X86CPU *cpu, const X86Insn *insn, int size, bool pop)
{
    Float80 v;
    if (!fget(cpu, 0, &v))
        return;
    X80Ctx c = ctx(cpu);
    if (size == 10) {
        store80(cpu, insn, v);
    } else {
        uint64_t bits = size == 4 ? x80_to_f32(&c, v) : x80_to_f64(&c, v);
        if ((c.flags & 0x3f & ~F(cpu)->fcw) & (FX_IE | FX_OE | FX_UE)) {
            raise_flags(cpu, c.flags);
            return;
        }
        mem_write(cpu, insn->seg, ea_of(cpu, insn), bits, (unsigned)size);
        raise_flags(cpu, c.flags);
    }
    if (pop)
        fpop(cpu);
}

/* FIST/FISTP/FISTTP m16/m32/m64 */
static void fist_mem(X86CPU *cpu, const X86Insn *insn, int size, bool pop, bool trunc)
{
    Float80 v;
    if (!fget(cpu, 0, &v))
        return;
    X80Ctx c = ctx(cpu);
    int64_t r = x80_to_int(&c, v, (unsigned)size * 8, trunc);
    if (!(c.flags & FX_IE) || (F(cpu)->fcw & FX_IE))
        mem_write(cpu, insn->seg, ea_of(cpu, insn), (uint64_t)r, (unsigned)size);
    if (!raise_flags(cpu, c.flags))
        return;
    if (pop)
        fpop(cpu);
}

/* ---- arithmetic ---- */

/* op: 0 add, 1 mul, 4 sub, 5 subr, 6 div, 7 divr (dest op src) */
static Float80 arith(X80Ctx *c, int op, Float80 d, Float80 s)
{
    switch (op) {
    case 0: return x80_arith(c, X80_ADD, d, s);
    case 1: return x80_arith(c, X80_MUL, d, s);
    case 4: return x80_arith(c, X80_SUB, d, s);
    case 5: return x80_arith(c, X80_SUB, s, d);
    case 6: return x80_arith(c, X80_DIV, d, s);
    default: return x80_arith(c, X80_DIV, s, d);
    }
}

static void set_cc_compare(X86CPU *cpu, int r)
{
    X87State *f = F(cpu);
    unsigned cc = r == 2 ? FSW_C3 | FSW_C2 | FSW_C0 : r == 0 ? FSW_C3 : r < 0 ? FSW_C0 : 0;
    f->fsw = (uint16_t)((f->fsw & ~FSW_CC) | cc);
}

/* FCOM-family: compare ST0 with v; pops `pops` times. */
static void fcom(X86CPU *cpu, Float80 s, bool src_ok, bool unordered_ok, int pops)
{
    Float80 d;
    bool ok = fget(cpu, 0, &d) && src_ok;
    if (!st_valid(cpu, 0) || !src_ok) {
        if (!ok && !(F(cpu)->fcw & FX_IE))
            return;
        set_cc_compare(cpu, 2);
    } else {
        X80Ctx c = ctx(cpu);
        int r = x80_compare(&c, d, s, !unordered_ok);
        if (!raise_flags(cpu, c.flags & ~(unsigned)FX_C1))
            return;
        set_cc_compare(cpu, r);
    }
    while (pops--)
        fpop(cpu);
}

/* ST(dst) = ST(dst) op v, for D8/DC/DA/DE memory and register forms. */
static void farith(X86CPU *cpu, int op, int dst, Float80 s, bool src_ok, bool pop, X80Ctx *c)
{
    Float80 d;
    if (!fget(cpu, dst, &d) || !src_ok) {
        if (!(F(cpu)->fcw & FX_IE))
            return;
        fset(cpu, dst, x80_indefinite);
    } else {
        Float80 r = arith(c, op, d, s);
        if (!raise_flags(cpu, c->flags))
            return;
        fset(cpu, dst, r);
    }
    if (pop)
        fpop(cpu);
}

/* D8 (m32 / ST0,ST(i)), DC (m64 / ST(i),ST0), DA (m32int), DE (m16int / ST(i),ST0 + pop). */
static void arith_group(X86CPU *cpu, const X86Insn *insn, int memsize, bool memint)
{
    fpu_begin(cpu, insn);
    int op = (insn->modrm >> 3) & 7;
    X80Ctx c = ctx(cpu);
    if (insn->is_mem) {
        Float80 s = memint ? load_int(cpu, insn, memsize) : load_real(cpu, insn, memsize, &c);
        if (op == 2 || op == 3) {
            if (!raise_flags(cpu, c.flags & FX_IE ? c.flags : 0))
                return;
            fcom(cpu, s, true, false, op == 3);
        } else {
            farith(cpu, op, 0, s, true, false, &c);
        }
        return;
    }
    int i = insn->modrm & 7;
    Float80 s;
    if (insn->opcode == 0xd8) {
        bool ok = fget(cpu, i, &s);
        if (op == 2 || op == 3)
            fcom(cpu, s, ok, false, op == 3);
        else
            farith(cpu, op, 0, s, ok, false, &c);
        return;
    }
    if (insn->opcode == 0xde && op == 3) {   /* FCOMPP */
        bool ok = fget(cpu, 1, &s);
        fcom(cpu, s, ok, false, 2);
        return;
    }
    if (op == 2 || op == 3) {   /* aliases FCOM2/FCOMP3 (DC), FCOMP5 (DE D0+i) */
        bool ok = fget(cpu, i, &s);
        fcom(cpu, s, ok, false, op == 3 || insn->opcode == 0xde);
        return;
    }
    /* DC / DE register forms: ST(i) = ST(i) op ST0, SUB/SUBR and DIV/DIVR swapped */
    static const int swap[8] = { 0, 1, 2, 3, 5, 4, 7, 6 };
    bool ok = fget(cpu, 0, &s);
    farith(cpu, swap[op], i, s, ok, insn->opcode == 0xde, &c);
}

void h_x87_d8(X86CPU *cpu, const X86Insn *insn) { arith_group(cpu, insn, 4, false); }
void h_x87_dc(X86CPU *cpu, const X86Insn *insn) { arith_group(cpu, insn, 8, false); }
void h_x87_da_mem(X86CPU *cpu, const X86Insn *insn) { arith_group(cpu, insn, 4, true); }
void h_x87_de(X86CPU *cpu, const X86Insn *insn) { arith_group(cpu, insn, 2, insn->is_mem); }

/* ---- loads and stores ---- */

static void fld_value(X86CPU *cpu, Float80 v, X80Ctx *c)
{
    if (!raise_flags(cpu, c->flags))
        return;
    fpush(cpu, v);
}

void h_fld_mem(X86CPU *cpu, const X86Insn *insn)
{
    fpu_begin(cpu, insn);
    X80Ctx c = ctx(cpu);
    int size = insn->opcode == 0xd9 ? 4 : insn->opcode == 0xdd ? 8 : 10;
    Float80 v = load_real(cpu, insn, size, &c);
    fld_value(cpu, v, &c);
}

void h_fild(X86CPU *cpu, const X86Insn *insn)
{
    fpu_begin(cpu, insn);
    int size = insn->opcode == 0xdb ? 4 : ((insn->modrm >> 3) & 7) == 5 ? 8 : 2;
    fpush(cpu, load_int(cpu, insn, size));
}

void h_fst_mem(X86CPU *cpu, const X86Insn *insn)
{
    fpu_begin(cpu, insn);
    int size = insn->opcode == 0xd9 ? 4 : insn->opcode == 0xdd ? 8 : 10;
    fst_mem(cpu, insn, size, ((insn->modrm >> 3) & 7) != 2);
}

void h_fist(X86CPU *cpu, const X86Insn *insn)
{
    fpu_begin(cpu, insn);
    int reg = (insn->modrm >> 3) & 7;
    int size = insn->opcode == 0xdb ? 4 : insn->opcode == 0xdd ? 8 : reg == 7 ? 8 : 2;
    fist_mem(cpu, insn, size, reg != 2, reg == 1);
}

void h_fld_sti(X86CPU *cpu, const X86Insn *insn)
{
    fpu_begin(cpu, insn);
    Float80 v;
    if (!fget(cpu, insn->modrm & 7, &v))
        return;
    fpush(cpu, v);
}

/* FST/FSTP ST(i) (DD D0+i / D8+i); the FSTP aliases D9 D8+i, DF D0+i, DF D8+i */
void h_fst_sti(X86CPU *cpu, const X86Insn *insn)
{
    fpu_begin(cpu, insn);
    Float80 v;
    if (!fget(cpu, 0, &v))
        return;
    fset(cpu, insn->modrm & 7, v);
    if (((insn->modrm >> 3) & 7) == 3 || insn->opcode == 0xdf)
        fpop(cpu);
}

void h_fxch(X86CPU *cpu, const X86Insn *insn)
{
    fpu_begin(cpu, insn);
    int i = insn->modrm & 7;
    Float80 a, b;
    bool oka = fget(cpu, 0, &a), okb = fget(cpu, i, &b);
    if (!oka || !okb) {
        if (!(F(cpu)->fcw & FX_IE))
            return;
    }
    fset(cpu, 0, b);
    fset(cpu, i, a);
    F(cpu)->fsw &= ~FSW_C1;
}

void h_ffree(X86CPU *cpu, const X86Insn *insn)
{
    fpu_begin(cpu, insn);
    F(cpu)->ftw &= ~(1u << phys(cpu, insn->modrm & 7));
    if (insn->opcode == 0xdf)   /* FFREEP */
        fpop(cpu);
}

void h_fincstp(X86CPU *cpu, const X86Insn *insn)
{
    fpu_begin(cpu, insn);
    int d = (insn->modrm & 7) == 7 ? 1 : -1;
    F(cpu)->top = (F(cpu)->top + d) & 7;
    F(cpu)->fsw &= ~FSW_C1;
}

void h_fnop(X86CPU *cpu, const X86Insn *insn) { fpu_begin(cpu, insn); }

void h_fld_const(X86CPU *cpu, const X86Insn *insn)
{
    fpu_begin(cpu, insn);
    /* FLD1, FLDL2T, FLDL2E, FLDPI, FLDLG2, FLDLN2, FLDZ; the last bit of the
     * irrational ones follows RC (nearest value is the table entry) */
    static const Float80 k[7] = {
        { 0x8000000000000000ull, 0x3fff }, { 0xd49a784bcd1b8afeull, 0x4000 },
        { 0xb8aa3b295c17f0bcull, 0x3fff }, { 0xc90fdaa22168c235ull, 0x4000 },
        { 0x9a209a84fbcff799ull, 0x3ffd }, { 0xb17217f7d1cf79acull, 0x3ffe },
        { 0, 0 },
    };
    /* rounded down under RC = down / toward zero: L2E, PI, LG2, LN2 (their
     * exact values lie below the nearest); L2T rounds up under RC = up */
    int idx = insn->modrm & 7;
    Float80 v = k[idx];
    unsigned rc = (F(cpu)->fcw >> 10) & 3;
    if ((idx == 2 || idx == 3 || idx == 4 || idx == 5) && (rc == 1 || rc == 3))
        v.mant--;
    if (idx == 1 && rc == 2)
        v.mant++;
    fpush(cpu, v);
}

/* ---- one-operand ST0 operations (D9 E0..FF) ---- */

static void st0_op(X86CPU *cpu, const X86Insn *insn)
{
    Float80 v;
    if (!st_valid(cpu, 0)) {   /* underflow: the masked result is the indefinite itself */
        if (stack_fault(cpu, false))
            fset(cpu, 0, x80_indefinite);
        return;
    }
    v = *st(cpu, 0);
    X80Ctx c = ctx(cpu);
    Float80 r;
    switch (insn->modrm) {
    case 0xe0: r = v; r.exp ^= 0x8000; F(cpu)->fsw &= ~FSW_C1; break;
    case 0xe1: r = v; r.exp &= 0x7fff; F(cpu)->fsw &= ~FSW_C1; break;
    case 0xfa: r = x80_sqrt(&c, v); break;
    default: r = x80_round_int(&c, v); break;  /* 0xfc FRNDINT */
    }
    if (!raise_flags(cpu, c.flags))
        return;
    fset(cpu, 0, r);
}

void h_fchs(X86CPU *cpu, const X86Insn *insn) { fpu_begin(cpu, insn); st0_op(cpu, insn); }

void h_ftst(X86CPU *cpu, const X86Insn *insn)
{
    fpu_begin(cpu, insn);
    Float80 zero = { 0, 0 };
    fcom(cpu, zero, true, false, 0);
}

void h_fxam(X86CPU *cpu, const X86Insn *insn)
{
    fpu_begin(cpu, insn);
    X87State *f = F(cpu);
    Float80 v = *st(cpu, 0);
    unsigned e = v.exp & 0x7fff, cc;
    if (!st_valid(cpu, 0))
        cc = FSW_C3 | FSW_C0;
    else if (x80_is_nan(v))
        cc = FSW_C0;
    else if (x80_is_inf(v))
        cc = FSW_C2 | FSW_C0;
    else if (v.mant == 0 && e == 0)
        cc = FSW_C3;
    else if (e == 0)
        cc = FSW_C3 | FSW_C2;
    else if (!(v.mant >> 63))
        cc = 0;
    else
        cc = FSW_C2;
    if (v.exp & 0x8000)
        cc |= FSW_C1;
    f->fsw = (uint16_t)((f->fsw & ~FSW_CC) | cc);
}

/* ---- compares into EFLAGS, FUCOM, FCMOV ---- */

/* FCOMI/FUCOMI (DB), FCOMIP/FUCOMIP (DF) */
void h_fcomi(X86CPU *cpu, const X86Insn *insn)
{
    fpu_begin(cpu, insn);
    Float80 a, b;
    bool ok = fget(cpu, 0, &a) & fget(cpu, insn->modrm & 7, &b);
    bool unordered_ok = ((insn->modrm >> 3) & 7) == 5;
    int r = 2;
    if (!ok) {
        if (!(F(cpu)->fcw & FX_IE))
            return;
    } else {
        X80Ctx c = ctx(cpu);
        r = x80_compare(&c, a, b, !unordered_ok);
        if (!raise_flags(cpu, c.flags & ~(unsigned)FX_C1))
            return;
    }
    cc_set_flags(cpu, r == 2 ? CC_Z | CC_P | CC_C : r == 0 ? CC_Z : r < 0 ? CC_C : 0);
    if (insn->opcode == 0xdf)
        fpop(cpu);
}

/* FUCOM/FUCOMP ST(i) (DD E0/E8), FUCOMPP (DA E9) */
void h_fucom(X86CPU *cpu, const X86Insn *insn)
{
    fpu_begin(cpu, insn);
    Float80 s;
    int pops = insn->opcode == 0xda ? 2 : ((insn->modrm >> 3) & 7) == 5 ? 1 : 0;
    bool ok = fget(cpu, insn->modrm & 7, &s);
    fcom(cpu, s, ok, true, pops);
}

void h_fcmov(X86CPU *cpu, const X86Insn *insn)
{
    fpu_begin(cpu, insn);
    uint64_t fl = x86_get_rflags(cpu);
    bool cond;
    switch ((insn->modrm >> 3) & 3) {
    case 0: cond = fl & CC_C; break;
    case 1: cond = fl & CC_Z; break;
    case 2: cond = fl & (CC_C | CC_Z); break;
    default: cond = fl & CC_P; break;
    }
    if (insn->opcode == 0xdb)
        cond = !cond;
    Float80 v;
    if (!fget(cpu, insn->modrm & 7, &v) || !st_valid(cpu, 0)) {
        if (!(F(cpu)->fcw & FX_IE))
            return;
        if (!st_valid(cpu, 0))
            fset(cpu, 0, x80_indefinite);
    }
    if (cond)
        fset(cpu, 0, v);
}

/* ---- control ---- */

static uint16_t fsw_full(X86CPU *cpu)
{
    return (uint16_t)((F(cpu)->fsw & ~0x3800u) | ((F(cpu)->top & 7u) << 11));
}

static void fninit(X86CPU *cpu)
{
    X87State *f = F(cpu);
    f->fcw = 0x37f;
    f->fsw = 0;
    f->top = 0;
    f->ftw = 0;
    f->fop = 0;
    f->fip = f->fdp = 0;
    f->fcs = f->fds = 0;
}

void h_fninit(X86CPU *cpu, const X86Insn *insn) { fpu_enter(cpu, insn, false); fninit(cpu); }

void h_fnclex(X86CPU *cpu, const X86Insn *insn)
{
    fpu_enter(cpu, insn, false);
    F(cpu)->fsw &= ~(0x7f | FSW_ES | FSW_B);
}

/* FENI/FDISI/FSETPM: no-ops on later CPUs. */
void h_fnop_ctl(X86CPU *cpu, const X86Insn *insn) { fpu_enter(cpu, insn, false); }

void h_fnstcw(X86CPU *cpu, const X86Insn *insn)
{
    fpu_enter(cpu, insn, false);
    mem_write(cpu, insn->seg, ea_of(cpu, insn), F(cpu)->fcw, 2);
}

void h_fldcw(X86CPU *cpu, const X86Insn *insn)
{
    fpu_enter(cpu, insn, true);
    uint16_t v = (uint16_t)mem_read(cpu, insn->seg, ea_of(cpu, insn), 2);
    X87State *f = F(cpu);
    f->fcw = (v & 0x1f3f) | 0x40;
    if (f->fsw & 0x3f & ~f->fcw)
        f->fsw |= FSW_ES | FSW_B;
    else
        f->fsw &= ~(FSW_ES | FSW_B);
}

void h_fnstsw(X86CPU *cpu, const X86Insn *insn)
{
    fpu_enter(cpu, insn, false);
    if (insn->is_mem)
        mem_write(cpu, insn->seg, ea_of(cpu, insn), fsw_full(cpu), 2);
    else
        reg_write(cpu, R_EAX, 2, fsw_full(cpu), false);
}

/* The full tag word from the abridged one and the register contents. */
static uint16_t full_tag(X86CPU *cpu)
{
    uint16_t t = 0;
    for (int r = 0; r < 8; r++) {
        unsigned tag;
        Float80 v = F(cpu)->st[r];
        unsigned e = v.exp & 0x7fff;
        if (!(F(cpu)->ftw & (1u << r)))
            tag = 3;
        else if (e == 0x7fff || (e == 0 && v.mant) || (e && !(v.mant >> 63)))
            tag = 2;
        else if (e == 0 && !v.mant)
            tag = 1;
        else
            tag = 0;
        t |= (uint16_t)(tag << (2 * r));
    }
    return t;
}

static unsigned env_size(const X86Insn *insn) { return insn->opsize == 2 ? 14 : 28; }

/* Real-address and virtual-8086 mode use the real-mode layout. */
static bool env_real(X86CPU *cpu) { return !(cpu->cr0 & CR0_PE) || (cpu->rflags & VM_MASK); }

/* SDM Vol.1 Figures 8-9..8-12. Protected mode: FIP offset, FCS (with FOP
 * in bits 26:16 in the 32-bit form), FDP offset, FDS. Real mode: the
 * linear FIP/FDP split into bits 15:0 and the upper bits at bit 12 of the
 * next field, FOP in bits 10:0 beside FIP's upper bits. */
static void store_env(X86CPU *cpu, const X86Insn *insn, uint64_t ea)
{
    X87State *f = F(cpu);
    unsigned w = insn->opsize == 2 ? 2 : 4;
    uint64_t m = addr_mask(insn->addrsize);
    uint64_t vals[7] = { f->fcw, fsw_full(cpu), full_tag(cpu), (uint32_t)f->fip,
                         f->fcs | ((uint64_t)(f->fop & 0x7ff) << 16), (uint32_t)f->fdp, f->fds };
    if (w == 2)
        vals[4] = f->fcs;
    if (env_real(cpu)) {
        uint32_t ip = (uint32_t)(((uint32_t)f->fcs << 4) + (uint32_t)f->fip);
        uint32_t dp = (uint32_t)(((uint32_t)f->fds << 4) + (uint32_t)f->fdp);
        vals[3] = ip & 0xffff;
        vals[4] = ((uint64_t)(ip >> 16) << 12) | (f->fop & 0x7ff);
        vals[5] = dp & 0xffff;
        vals[6] = (uint64_t)(dp >> 16) << 12;
    }
    for (int i = 0; i < 7; i++)
        mem_write(cpu, insn->seg, (ea + (uint64_t)i * w) & m, vals[i] & mask_for(w), w);
}

static void load_env(X86CPU *cpu, const X86Insn *insn, uint64_t ea)
{
    X87State *f = F(cpu);
    unsigned w = insn->opsize == 2 ? 2 : 4;
    uint64_t m = addr_mask(insn->addrsize);
    uint64_t v[7];
    for (int i = 0; i < 7; i++)
        v[i] = mem_read(cpu, insn->seg, (ea + (uint64_t)i * w) & m, w);
    f->fcw = (uint16_t)v[0];
    f->fsw = (uint16_t)v[1] & ~0x3800;
    f->top = (v[1] >> 11) & 7;
    f->ftw = 0;
    for (int r = 0; r < 8; r++)
        if (((v[2] >> (2 * r)) & 3) != 3)
            f->ftw |= 1u << r;
    if (env_real(cpu)) {   /* linear pointers: selectors read back as 0 */
        uint64_t hi = w == 2 ? 0xf : 0xffff;
        f->fip = (v[3] & 0xffff) | (((v[4] >> 12) & hi) << 16);
        f->fop = (uint16_t)(v[4] & 0x7ff);
        f->fdp = (v[5] & 0xffff) | (((v[6] >> 12) & hi) << 16);
        f->fcs = f->fds = 0;
    } else {
        f->fip = v[3];
        f->fcs = (uint16_t)v[4];
        if (w == 4)
            f->fop = (uint16_t)(v[4] >> 16) & 0x7ff;
        f->fdp = v[5];
        f->fds = (uint16_t)v[6];
    }
    if (f->fsw & 0x3f & ~f->fcw)
        f->fsw |= FSW_ES | FSW_B;
}

void h_fnstenv(X86CPU *cpu, const X86Insn *insn)
{
    fpu_enter(cpu, insn, false);
    store_env(cpu, insn, ea_of(cpu, insn));
    F(cpu)->fcw |= 0x3f;
}

void h_fldenv(X86CPU *cpu, const X86Insn *insn)
{
    fpu_enter(cpu, insn, false);
    load_env(cpu, insn, ea_of(cpu, insn));
}

void h_fnsave(X86CPU *cpu, const X86Insn *insn)
{
    fpu_enter(cpu, insn, false);
    uint64_t ea = ea_of(cpu, insn), m = addr_mask(insn->addrsize);
    unsigned base = env_size(insn);
    /* probe the end of the area first */
    uint64_t last = (ea + base + 79) & m;
    mem_write(cpu, insn->seg, last, mem_read(cpu, insn->seg, last, 1), 1);
    store_env(cpu, insn, ea);
    for (int i = 0; i < 8; i++) {
        Float80 v = *st(cpu, i);
        uint64_t a = ea + base + 10 * (uint64_t)i;
        mem_write(cpu, insn->seg, a & m, v.mant, 8);
        mem_write(cpu, insn->seg, (a + 8) & m, v.exp, 2);
    }
    fninit(cpu);
}

void h_frstor(X86CPU *cpu, const X86Insn *insn)
{
    fpu_enter(cpu, insn, false);
    uint64_t ea = ea_of(cpu, insn), m = addr_mask(insn->addrsize);
    unsigned base = env_size(insn);
    Float80 regs[8];
    for (int i = 0; i < 8; i++) {
        uint64_t a = ea + base + 10 * (uint64_t)i;
        regs[i].mant = mem_read(cpu, insn->seg, a & m, 8);
        regs[i].exp = (uint16_t)mem_read(cpu, insn->seg, (a + 8) & m, 2);
    }
    load_env(cpu, insn, ea);
    for (int i = 0; i < 8; i++)
        *st(cpu, i) = regs[i];
}

/* ---- FPREM/FPREM1, FSCALE, FXTRACT ---- */

void h_fprem(X86CPU *cpu, const X86Insn *insn)
{
    fpu_begin(cpu, insn);
    Float80 a, b;
    if (!(fget(cpu, 0, &a) & fget(cpu, 1, &b)) && !(F(cpu)->fcw & FX_IE))
        return;
    if (!st_valid(cpu, 0) || !st_valid(cpu, 1)) {
        fset(cpu, 0, x80_indefinite);
        return;
    }
    X80Ctx c = ctx(cpu);
    unsigned q;
    bool partial;
    Float80 r = x80_rem(&c, a, b, insn->modrm == 0xf5, &q, &partial);
    if (!raise_flags(cpu, c.flags & ~(unsigned)FX_C1))
        return;
    fset(cpu, 0, r);
    X87State *f = F(cpu);
    unsigned cc = partial ? FSW_C2
                          : ((q & 4) ? FSW_C0 : 0) | ((q & 2) ? FSW_C3 : 0) | ((q & 1) ? FSW_C1 : 0);
    f->fsw = (uint16_t)((f->fsw & ~FSW_CC) | cc);
}

void h_fscale(X86CPU *cpu, const X86Insn *insn)
{
    fpu_begin(cpu, insn);
    Float80 a, b;
    if (!(fget(cpu, 0, &a) & fget(cpu, 1, &b))) {
        if (F(cpu)->fcw & FX_IE)
            fset(cpu, 0, x80_indefinite);
        return;
    }
    X80Ctx c = ctx(cpu);
    Float80 r = x80_scale(&c, a, b);
    if (!raise_flags(cpu, c.flags))
        return;
    fset(cpu, 0, r);
}

void h_fxtract(X86CPU *cpu, const X86Insn *insn)
{
    fpu_begin(cpu, insn);
    Float80 a, sig;
    if (!fget(cpu, 0, &a)) {
        if (F(cpu)->fcw & FX_IE)
            fset(cpu, 0, x80_indefinite);
        return;
    }
    if (st_valid(cpu, -1)) {
        if (stack_fault(cpu, true)) {
            fset(cpu, 0, x80_indefinite);
            fpush(cpu, x80_indefinite);   /* overflow again: masked response */
        }
        return;
    }
    X80Ctx c = ctx(cpu);
    Float80 e = x80_extract(&c, a, &sig);
    if (!raise_flags(cpu, c.flags))
        return;
    fset(cpu, 0, e);
    fpush(cpu, sig);
}

/* ---- transcendentals (softfloat-x80-trans.c): always 64-bit precision ---- */

static X80Ctx ctx64(X86CPU *cpu)
{
    X80Ctx c = ctx(cpu);
    c.prec = 64;
    return c;
}

static void set_c2(X86CPU *cpu, bool on)
{
    X87State *f = F(cpu);
    f->fsw = (uint16_t)((f->fsw & ~FSW_C2) | (on ? FSW_C2 : 0));
}

/* Push without the overflow check (the caller made it). */
static void push_raw(X86CPU *cpu, Float80 v)
{
    X87State *f = F(cpu);
    f->top = (f->top - 1) & 7;
    f->ftw |= 1u << f->top;
    f->st[f->top] = v;
}

/* F2XM1, FSIN, FCOS: ST0 = f(ST0). FSIN/FCOS with |ST0| >= 2^63 set C2
 * and leave ST0 alone. */
void h_ftrans1(X86CPU *cpu, const X86Insn *insn)
{
    fpu_begin(cpu, insn);
    Float80 v, r = x80_indefinite;
    bool trig = insn->modrm != 0xf0;
    if (trig)
        set_c2(cpu, false);
    if (!fget(cpu, 0, &v))
        return;
    X80Ctx c = ctx64(cpu);
    bool in_range = true;
    if (!trig)
        r = x80_f2xm1(&c, v);
    else if (insn->modrm == 0xfe)
        in_range = x80_sincos(&c, v, &r, NULL);
    else
        in_range = x80_sincos(&c, v, NULL, &r);
    if (!in_range) {
        set_c2(cpu, true);
        F(cpu)->fsw &= ~FSW_C1;
        return;
    }
    if (!raise_flags(cpu, c.flags))
        return;
    fset(cpu, 0, r);
}

/* FYL2X, FYL2XP1, FPATAN: ST1 = f(ST0, ST1), then pop. */
void h_ftrans2(X86CPU *cpu, const X86Insn *insn)
{
    fpu_begin(cpu, insn);
    Float80 x, y;
    if (!(fget(cpu, 0, &x) & fget(cpu, 1, &y)))
        return;
    X80Ctx c = ctx64(cpu);
    Float80 r;
    switch (insn->modrm) {
    case 0xf1: r = x80_fyl2x(&c, x, y); break;
    case 0xf9: r = x80_fyl2xp1(&c, x, y); break;
    default: r = x80_fpatan(&c, y, x); break;   /* 0xf3: atan(ST1 / ST0) */
    }
    if (!raise_flags(cpu, c.flags))
        return;
    fset(cpu, 1, r);
    fpop(cpu);
}

/* FPTAN (ST0 = tan, push 1.0) and FSINCOS (ST0 = sin, push cos). Out of
 * range: C2 set, nothing else. A stack fault (empty ST0 or full ST7),
 * masked: both slots get the indefinite. */
void h_ftrans_push(X86CPU *cpu, const X86Insn *insn)
{
    fpu_begin(cpu, insn);
    set_c2(cpu, false);
    if (!st_valid(cpu, 0) || st_valid(cpu, -1)) {
        if (stack_fault(cpu, st_valid(cpu, 0))) {
            fset(cpu, 0, x80_indefinite);
            push_raw(cpu, x80_indefinite);
        }
        return;
    }
    Float80 v = *st(cpu, 0), a, b;
    X80Ctx c = ctx64(cpu);
    bool in_range;
    if (insn->modrm == 0xf2) {
        static const Float80 one = { 1ull << 63, 0x3fff };
        in_range = x80_tan(&c, v, &a);
        b = x80_is_nan(a) ? a : one;
    } else {
        in_range = x80_sincos(&c, v, &a, &b);
    }
    if (!in_range) {
        set_c2(cpu, true);
        F(cpu)->fsw &= ~FSW_C1;
        return;
    }
    if (!raise_flags(cpu, c.flags))
        return;
    fset(cpu, 0, a);
    push_raw(cpu, b);
}

/* ---- packed BCD (softfloat-x80-bcd.c) ---- */

/* FBLD m80bcd (DF /4) */
void h_fbld(X86CPU *cpu, const X86Insn *insn)
{
    fpu_begin(cpu, insn);
    uint64_t ea = ea_of(cpu, insn), m = addr_mask(insn->addrsize);
    uint8_t b[10];
    uint64_t lo = mem_read(cpu, insn->seg, ea, 8);
    uint64_t hi = mem_read(cpu, insn->seg, (ea + 8) & m, 2);
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(lo >> (8 * i));
    b[8] = (uint8_t)hi;
    b[9] = (uint8_t)(hi >> 8);
    fpush(cpu, x80_from_bcd(b));
}

/* FBSTP m80bcd (DF /6): unmasked IE stores nothing and does not pop. */
void h_fbstp(X86CPU *cpu, const X86Insn *insn)
{
    fpu_begin(cpu, insn);
    Float80 v;
    if (!fget(cpu, 0, &v))
        return;
    X80Ctx c = ctx(cpu);
    uint8_t b[10];
    x80_to_bcd(&c, v, b);
    if (!(c.flags & FX_IE) || (F(cpu)->fcw & FX_IE)) {
        uint64_t ea = ea_of(cpu, insn), m = addr_mask(insn->addrsize), lo = 0;
        uint64_t a9 = (ea + 9) & m;
        mem_write(cpu, insn->seg, a9, mem_read(cpu, insn->seg, a9, 1), 1);   /* probe */
        for (int i = 0; i < 8; i++)
            lo |= (uint64_t)b[i] << (8 * i);
        mem_write(cpu, insn->seg, ea, lo, 8);
        mem_write(cpu, insn->seg, (ea + 8) & m, b[8] | (uint64_t)b[9] << 8, 2);
    }
    if (!raise_flags(cpu, c.flags))
        return;
    fpop(cpu);
}
