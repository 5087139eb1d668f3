/*
 * SSE/SSE2 scalar and packed floating point: arithmetic, MIN/MAX, SQRT,
 * CMPcc, (U)COMIS, conversions.
 *
 * Arithmetic uses the host's IEEE float/double with the host rounding mode
 * set from MXCSR.RC (fesetround) and the IEEE exception flags read back with
 * fetestexcept. Everything where hosts differ from x86 is done in software
 * around it, so the result is the same on any IEEE host: NaN propagation
 * (first operand's NaN wins, quieted), the negative "QNaN indefinite" for
 * invalid operations, DAZ (denormal inputs read as zero), DE (denormal
 * operand, which IEEE has no flag for), FTZ, and float->integer conversions
 * with the "integer indefinite" result. Tininess is detected by the host
 * (after rounding on x86 and ARM, as on x86 hardware).
 */
#include <fenv.h>
#include <math.h>
#include <string.h>

#include "target-x86/interp-lanes.h"

enum { OP_SQRT = 0x51, OP_ADD = 0x58, OP_MUL = 0x59, OP_SUB = 0x5c, OP_MIN = 0x5d,
       OP_DIV = 0x5e, OP_MAX = 0x5f };

static const int fe_round[4] = { FE_TONEAREST, FE_DOWNWARD, FE_UPWARD, FE_TOWARDZERO };

static void fp_begin(X86CPU *cpu)
{
    fesetround(fe_round[(cpu->mxcsr >> MXCSR_RC_SHIFT) & 3]);
    feclearexcept(FE_ALL_EXCEPT);
}

static unsigned fp_end(void)
{
    int e = fetestexcept(FE_ALL_EXCEPT);
    fesetround(FE_TONEAREST);
    unsigned f = 0;
    if (e & FE_INVALID) f |= MXCSR_IE;
    if (e & FE_DIVBYZERO) f |= MXCSR_ZE;
    if (e & FE_OVERFLOW) f |= MXCSR_OE;
    if (e & FE_UNDERFLOW) f |= MXCSR_UE;
    if (e & FE_INEXACT) f |= MXCSR_PE;
    return f;
}

#define DEFINE_FP(N, UT, FT, EXPM, MANTM, QBIT, SIGN, INDEF)                          \
    static bool N##_isnan(UT x) { return (x & ~(UT)SIGN) > (UT)EXPM; }                 \
    static bool N##_issnan(UT x) { return N##_isnan(x) && !(x & (UT)QBIT); }           \
    static bool N##_isden(UT x) { return (x & (UT)EXPM) == 0 && (x & (UT)MANTM); }     \
    static UT N##_in(X86CPU *cpu, UT x, unsigned *fl)                                  \
    {                                                                                  \
        if (N##_isden(x)) {                                                            \
            if (cpu->mxcsr & MXCSR_DAZ)                                                \
                return x & (UT)SIGN;                                                   \
            *fl |= MXCSR_DE;                                                           \
        }                                                                              \
        return x;                                                                      \
    }                                                                                  \
    static FT N##_f(UT x) { FT f; memcpy(&f, &x, sizeof(f)); return f; }               \
    static UT N##_u(FT f) { UT x; memcpy(&x, &f, sizeof(x)); return x; }               \
    static UT N##_out(X86CPU *cpu, UT r, unsigned *fl)                                 \
    {                                                                                  \
        if (N##_isnan(r))                                                              \
            return (UT)INDEF;                                                          \
        if ((cpu->mxcsr & MXCSR_FTZ) && N##_isden(r) && (cpu->mxcsr & (MXCSR_UE << 7))) { \
            *fl |= MXCSR_UE | MXCSR_PE;                                                \
            return r & (UT)SIGN;                                                       \
        }                                                                              \
        return r;                                                                      \
    }                                                                                  \
    static UT N##_arith(X86CPU *cpu, int op, UT a, UT b, unsigned *fl)                 \
    {                                                                                  \
        bool an = op != OP_SQRT && N##_isnan(a), bn = N##_isnan(b);                    \
        if (op == OP_MIN || op == OP_MAX) {                                            \
            if (an || bn) {                                                            \
                *fl |= MXCSR_IE;                                                       \
                return b;                                                              \
            }                                                                          \
            a = N##_in(cpu, a, fl);                                                    \
            b = N##_in(cpu, b, fl);                                                    \
            FT x = N##_f(a), y = N##_f(b);                                             \
            return (op == OP_MIN ? x < y : x > y) ? a : b;                             \
        }                                                                              \
        if (an || bn) {                                                                \
            if ((an && N##_issnan(a)) || N##_issnan(b))                                \
                *fl |= MXCSR_IE;                                                       \
            return (an ? a : b) | (UT)QBIT;                                            \
        }                                                                              \
        if (op != OP_SQRT)                                                             \
            a = N##_in(cpu, a, fl);                                                    \
        b = N##_in(cpu, b, fl);                                                        \
        volatile FT x = N##_f(a), y = N##_f(b);                                        \
        volatile FT r;                                                                 \
        fp_begin(cpu);                                                                 \
        switch (op) {                                                                  \
        case OP_ADD: r = x + y; break;                                                 \
        case OP_SUB: r = x - y; break;                                                 \
        case OP_MUL: r = x * y; break;                                                 \
        case OP_DIV: r = x / y; break;                                                 \
        default: r = N##_sqrt(y); break;                                                \
        }                                                                              \
        *fl |= fp_end();                                                               \
        return N##_out(cpu, N##_u(r), fl);                                             \
    }                                                                                  \
    static UT N##_cmp(X86CPU *cpu, UT a, UT b, unsigned pred, unsigned *fl)            \
    {                                                                                  \
        bool signaling = pred == 1 || pred == 2 || pred == 5 || pred == 6;             \
        bool res;                                                                      \
        if (N##_isnan(a) || N##_isnan(b)) {                                            \
            if (signaling || N##_issnan(a) || N##_issnan(b))                           \
                *fl |= MXCSR_IE;                                                       \
            res = pred >= 3 && pred <= 6;                                              \
        } else {                                                                       \
            FT x = N##_f(N##_in(cpu, a, fl)), y = N##_f(N##_in(cpu, b, fl));          \
            switch (pred) {                                                            \
            case 0: res = x == y; break;                                               \
            case 1: res = x < y; break;                                                \
            case 2: res = x <= y; break;                                               \
            case 3: res = false; break;                                                \
            case 4: res = x != y; break;                                               \
            case 5: res = !(x < y); break;                                             \
            case 6: res = !(x <= y); break;                                            \
            default: res = true; break;                                                \
            }                                                                          \
        }                                                                              \
        return res ? (UT)~(UT)0 : 0;                                                   \
    }

static float f32_sqrt(float x) { return sqrtf(x); }
static double f64_sqrt(double x) { return sqrt(x); }
DEFINE_FP(f32, uint32_t, float, 0x7f800000u, 0x007fffffu, 0x00400000u, 0x80000000u, 0xffc00000u)
DEFINE_FP(f64, uint64_t, double, 0x7ff0000000000000ull, 0x000fffffffffffffull,
          0x0008000000000000ull, 0x8000000000000000ull, 0xfff8000000000000ull)

static XMMReg *vreg(X86CPU *cpu, const X86Insn *insn)
{
    return &cpu->xmm[insn->reg];
}

/* Element width and count of the row's form. */
static void form(const X86Insn *insn, bool *dbl, int *n)
{
    switch (insn->row->prefix) {
    case PFX_66: *dbl = true; *n = 2; break;
    case PFX_F3: *dbl = false; *n = 1; break;
    case PFX_F2: *dbl = true; *n = 1; break;
    default: *dbl = false; *n = 4; break;
    }
}

static void read_src(X86CPU *cpu, const X86Insn *insn, XMMReg *s, bool dbl, int n)
{
    sse_read_rm(cpu, insn, s, n == 1 ? (dbl ? 8 : 4) : 16, true);
}

/* ADD/SUB/MUL/DIV/MIN/MAX/SQRT PS/PD/SS/SD */
void h_sse_arith(X86CPU *cpu, const X86Insn *insn)
{
    sse_check(cpu);
    bool dbl;
    int n;
    form(insn, &dbl, &n);
    XMMReg s, r = *vreg(cpu, insn);
    read_src(cpu, insn, &s, dbl, n);
    unsigned fl = 0;
    for (int i = 0; i < n; i++) {
        if (dbl)
            r.q[i] = f64_arith(cpu, insn->opcode, r.q[i], s.q[i], &fl);
        else
            r.d[i] = f32_arith(cpu, insn->opcode, r.d[i], s.d[i], &fl);
    }
    sse_raise_flags(cpu, fl);
    *vreg(cpu, insn) = r;
}

/* CMPPS/CMPPD/CMPSS/CMPSD Vx,Wx,Ib */
void h_sse_cmp(X86CPU *cpu, const X86Insn *insn)
{
    sse_check(cpu);
    bool dbl;
    int n;
    form(insn, &dbl, &n);
    XMMReg s, r = *vreg(cpu, insn);
    read_src(cpu, insn, &s, dbl, n);
    unsigned fl = 0, pred = insn->imm & 7;
    for (int i = 0; i < n; i++) {
        if (dbl)
            r.q[i] = f64_cmp(cpu, r.q[i], s.q[i], pred, &fl);
        else
            r.d[i] = f32_cmp(cpu, r.d[i], s.d[i], pred, &fl);
    }
    sse_raise_flags(cpu, fl);
    *vreg(cpu, insn) = r;
}

/* (U)COMISS/(U)COMISD: ZF,PF,CF from the comparison, OF/SF/AF cleared. */
void h_sse_comi(X86CPU *cpu, const X86Insn *insn)
{
    sse_check(cpu);
    bool dbl = insn->row->prefix == PFX_66, ordered = insn->opcode == 0x2f;
    XMMReg s;
    sse_read_rm(cpu, insn, &s, dbl ? 8 : 4, false);
    const XMMReg *d = vreg(cpu, insn);
    unsigned fl = 0;
    uint32_t flags;
    bool unord = dbl ? (f64_isnan(d->q[0]) || f64_isnan(s.q[0]))
                     : (f32_isnan(d->d[0]) || f32_isnan(s.d[0]));
    if (unord) {
        bool snan = dbl ? (f64_issnan(d->q[0]) || f64_issnan(s.q[0]))
                        : (f32_issnan(d->d[0]) || f32_issnan(s.d[0]));
        if (ordered || snan)
            fl |= MXCSR_IE;
        flags = CC_Z | CC_P | CC_C;
    } else {
        double x, y;
        if (dbl) {
            x = f64_f(f64_in(cpu, d->q[0], &fl));
            y = f64_f(f64_in(cpu, s.q[0], &fl));
        } else {
            x = f32_f(f32_in(cpu, d->d[0], &fl));
            y = f32_f(f32_in(cpu, s.d[0], &fl));
        }
        flags = x == y ? CC_Z : x < y ? CC_C : 0;
    }
    sse_raise_flags(cpu, fl);
    cc_set_flags(cpu, flags);
}

/* ---- conversions ---- */

/* double -> integer of `bits` with the x86 rules; `trunc` or MXCSR.RC. */
static int64_t to_int(X86CPU *cpu, double x, bool nan, unsigned bits, bool trunc, unsigned *fl)
{
    int64_t indef = (int64_t)(1ull << (bits - 1));
    if (nan) {
        *fl |= MXCSR_IE;
        return indef;
    }
    double r;
    switch (trunc ? 3 : (cpu->mxcsr >> MXCSR_RC_SHIFT) & 3) {
    case 0: r = nearbyint(x); break;   /* host default mode: nearest-even */
    case 1: r = floor(x); break;
    case 2: r = ceil(x); break;
    default: r = (double)(x < 0 ? ceil(x) : floor(x)); break;
    }
    double lim = bits == 64 ? 9223372036854775808.0 : 2147483648.0;
    if (!(r >= -lim && r < lim)) {
        *fl |= MXCSR_IE;
        return indef;
    }
    if (r != x)
        *fl |= MXCSR_PE;
    return (int64_t)r;
}

static double elem_as_double(X86CPU *cpu, const XMMReg *s, int i, bool dbl, bool *nan)
{
    unsigned dummy = 0;
    if (dbl) {
        *nan = f64_isnan(s->q[i]);
        return f64_f(f64_in(cpu, s->q[i], &dummy));
    }
    *nan = f32_isnan(s->d[i]);
    return f32_f(f32_in(cpu, s->d[i], &dummy));
}

/* CVT(T)SS2SI / CVT(T)SD2SI Gy, Wss/Wsd */
void h_cvt_f2si(X86CPU *cpu, const X86Insn *insn)
{
    sse_check(cpu);
    bool dbl = insn->row->prefix == PFX_F2, nan;
    XMMReg s;
    sse_read_rm(cpu, insn, &s, dbl ? 8 : 4, false);
    unsigned fl = 0, bits = insn->opsz[0] * 8;
    double x = elem_as_double(cpu, &s, 0, dbl, &nan);
    int64_t r = to_int(cpu, x, nan, bits, insn->opcode == 0x2c, &fl);
    sse_raise_flags(cpu, fl);
    set_greg(cpu, insn, insn->reg, insn->opsz[0], (uint64_t)r);
}

/* CVTSI2SS / CVTSI2SD Vx, Ey */
void h_cvt_si2f(X86CPU *cpu, const X86Insn *insn)
{
    sse_check(cpu);
    int64_t v = sext(opnd_read(cpu, insn, 1), insn->opsz[1]);
    XMMReg *d = vreg(cpu, insn);
    fp_begin(cpu);
    volatile int64_t vv = v;
    if (insn->row->prefix == PFX_F2) {
        volatile double r = (double)vv;
        unsigned fl = fp_end();
        sse_raise_flags(cpu, fl);
        d->q[0] = f64_u(r);
    } else {
        volatile float r = (float)vv;
        unsigned fl = fp_end();
        sse_raise_flags(cpu, fl);
        d->d[0] = f32_u(r);
    }
}

static uint32_t cvt_d2s(X86CPU *cpu, uint64_t a, unsigned *fl)
{
    if (f64_isnan(a)) {
        if (f64_issnan(a))
            *fl |= MXCSR_IE;
        return (uint32_t)(a >> 32 & 0x80000000u) | 0x7fc00000u | (uint32_t)((a >> 29) & 0x3fffff);
    }
    volatile double x = f64_f(f64_in(cpu, a, fl));
    fp_begin(cpu);
    volatile float r = (float)x;
    *fl |= fp_end();
    return f32_out(cpu, f32_u(r), fl);
}

static uint64_t cvt_s2d(X86CPU *cpu, uint32_t a, unsigned *fl)
{
    if (f32_isnan(a)) {
        if (f32_issnan(a))
            *fl |= MXCSR_IE;
        return (uint64_t)(a & 0x80000000u) << 32 | 0x7ff8000000000000ull |
               (uint64_t)(a & 0x3fffff) << 29;
    }
    return f64_u((double)f32_f(f32_in(cpu, a, fl)));
}

/* 0F 5A: CVTPS2PD / CVTPD2PS / CVTSS2SD / CVTSD2SS */
void h_cvt_fpfp(X86CPU *cpu, const X86Insn *insn)
{
    sse_check(cpu);
    XMMReg s, r = *vreg(cpu, insn);
    unsigned fl = 0;
    switch (insn->row->prefix) {
    case PFX_NP:
        sse_read_rm(cpu, insn, &s, 8, false);
        r.q[0] = cvt_s2d(cpu, s.d[0], &fl);
        r.q[1] = cvt_s2d(cpu, s.d[1], &fl);
        break;
    case PFX_66:
        sse_read_rm(cpu, insn, &s, 16, true);
        r.d[0] = cvt_d2s(cpu, s.q[0], &fl);
        r.d[1] = cvt_d2s(cpu, s.q[1], &fl);
        r.q[1] = 0;
        break;
    case PFX_F3:
        sse_read_rm(cpu, insn, &s, 4, false);
        r.q[0] = cvt_s2d(cpu, s.d[0], &fl);
        break;
    default:
        sse_read_rm(cpu, insn, &s, 8, false);
        r.d[0] = cvt_d2s(cpu, s.q[0], &fl);
        break;
    }
    sse_raise_flags(cpu, fl);
    *vreg(cpu, insn) = r;
}

/* 0F 5B: CVTDQ2PS (NP) / CVTPS2DQ (66) / CVTTPS2DQ (F3) */
void h_cvt_5b(X86CPU *cpu, const X86Insn *insn)
{
    sse_check(cpu);
    XMMReg s, r;
    unsigned fl = 0;
    sse_read_rm(cpu, insn, &s, 16, true);
    if (insn->row->prefix == PFX_NP) {
        for (int i = 0; i < 4; i++) {
            volatile int32_t v = (int32_t)s.d[i];
            fp_begin(cpu);
            volatile float f = (float)v;
            fl |= fp_end();
            r.d[i] = f32_u(f);
        }
    } else {
        for (int i = 0; i < 4; i++) {
            bool nan;
            double x = elem_as_double(cpu, &s, i, false, &nan);
            r.d[i] = (uint32_t)to_int(cpu, x, nan, 32, insn->row->prefix == PFX_F3, &fl);
        }
    }
    sse_raise_flags(cpu, fl);
    *vreg(cpu, insn) = r;
}

/* 0F E6: CVTTPD2DQ (66) / CVTPD2DQ (F2) / CVTDQ2PD (F3) */
void h_cvt_e6(X86CPU *cpu, const X86Insn *insn)
{
    sse_check(cpu);
    XMMReg s, r;
    unsigned fl = 0;
    if (insn->row->prefix == PFX_F3) {
        sse_read_rm(cpu, insn, &s, 8, false);
        r.q[0] = f64_u((double)(int32_t)s.d[0]);
        r.q[1] = f64_u((double)(int32_t)s.d[1]);
    } else {
        sse_read_rm(cpu, insn, &s, 16, true);
        for (int i = 0; i < 2; i++) {
            bool nan;
            double x = elem_as_double(cpu, &s, i, true, &nan);
            r.d[i] = (uint32_t)to_int(cpu, x, nan, 32, insn->row->prefix == PFX_66, &fl);
        }
        r.q[1] = 0;
    }
    sse_raise_flags(cpu, fl);
    *vreg(cpu, insn) = r;
}

/* ---- lane conversions shared with the MMX forms (interp-lanes.h) ---- */

uint32_t sse_cvt_lane_f2i32(X86CPU *cpu, const XMMReg *s, int i, bool dbl, bool trunc,
                            unsigned *fl)
{
    bool nan;
    double x = elem_as_double(cpu, s, i, dbl, &nan);
    return (uint32_t)to_int(cpu, x, nan, 32, trunc, fl);
}

uint32_t sse_cvt_lane_i32f32(X86CPU *cpu, int32_t v, unsigned *fl)
{
    volatile int32_t vv = v;
    fp_begin(cpu);
    volatile float f = (float)vv;
    *fl |= fp_end();
    return f32_u(f);
}
