/*
 * x87 transcendentals (F2XM1, FYL2X, FYL2XP1, FPATAN, FSIN, FCOS, FSINCOS,
 * FPTAN) in portable integer arithmetic. Values are carried in a wide
 * float "XF" with a 128-bit significand (about 125 good bits after the
 * series), then rounded once to 64 bits by softfloat-x80.c, so results are
 * within 1 ulp (almost always correctly rounded). Sine/cosine/tangent
 * reduce the argument exactly against a 384-bit pi/2 (Payne-Hanek style
 * fixed point), so they stay accurate near multiples of pi/2 for every
 * |x| < 2^63. Special operands follow the SDM tables for each instruction.
 */
#include "target-x86/softfloat-x80.h"

typedef x80_u128 u128;

/* value = m / 2^127 * 2^e; m normalised at bit 127, or m == 0 for zero */
typedef struct XF {
    bool s;
    int32_t e;
    u128 m;
} XF;

#define U128(hi, lo) (((u128)(hi) << 64) | (lo))

static const XF K_PIO2 = { false, 0, U128(0xc90fdaa22168c234ull, 0xc4c6628b80dc1cd1ull) };
static const XF K_PI = { false, 1, U128(0xc90fdaa22168c234ull, 0xc4c6628b80dc1cd1ull) };
static const XF K_PIO4 = { false, -1, U128(0xc90fdaa22168c234ull, 0xc4c6628b80dc1cd1ull) };
static const XF K_LN2 = { false, -1, U128(0xb17217f7d1cf79abull, 0xc9e3b39803f2f6afull) };
static const XF K_LOG2E = { false, 0, U128(0xb8aa3b295c17f0bbull, 0xbe87fed0691d3e88ull) };
static const XF K_2OPI = { false, -1, U128(0xa2f9836e4e441529ull, 0xfc2757d1f534ddc0ull) };
static const XF K_ONE = { false, 0, (u128)1 << 127 };
/* pi/2 truncated to 384 fraction bits, limbs little-endian (limb 6 = integer part) */
static const uint64_t FIX_PIO2[7] = {
    0xdf2a33679a748636ull, 0xa29410f31c6809bbull, 0x04177d4c76273644ull, 0x52049c1114cf98e8ull,
    0x898cc51701b839a2ull, 0x921fb54442d18469ull, 0x0000000000000001ull,
};
#define FIX_LIMBS 7
#define FIX_FRAC_BITS 384

/* ---- the wide float ---- */

static int clz128(u128 m)
{
    uint64_t hi = (uint64_t)(m >> 64);
    return hi ? __builtin_clzll(hi) : 64 + __builtin_clzll((uint64_t)m);
}

static XF xf_norm(bool s, int32_t e, u128 m)
{
    if (!m)
        return (XF){ s, 0, 0 };
    int sh = clz128(m);
    return (XF){ s, e - sh, m << sh };
}

static XF xf_int(int64_t v)
{
    bool s = v < 0;
    uint64_t u = s ? 0 - (uint64_t)v : (uint64_t)v;
    return xf_norm(s, 127, (u128)u);
}

static XF xf_neg(XF a) { a.s = !a.s; return a; }
static XF xf_abs(XF a) { a.s = false; return a; }

/* 128 x 128 -> 256-bit product */
static u128 mul128(u128 a, u128 b, u128 *lo)
{
    uint64_t a1 = (uint64_t)(a >> 64), a0 = (uint64_t)a, b1 = (uint64_t)(b >> 64), b0 = (uint64_t)b;
    u128 p00 = (u128)a0 * b0, p01 = (u128)a0 * b1, p10 = (u128)a1 * b0, p11 = (u128)a1 * b1;
    u128 mid = (p00 >> 64) + (uint64_t)p01 + (uint64_t)p10;
    *lo = (mid << 64) | (uint64_t)p00;
    return p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
}

static XF xf_mul(XF a, XF b)
{
    if (!a.m || !b.m)
        return (XF){ a.s != b.s, 0, 0 };
    u128 lo, hi = mul128(a.m, b.m, &lo);
    int32_t e = a.e + b.e + 1;
    if (!(hi >> 127)) {
        hi = (hi << 1) | (lo >> 127);
        lo <<= 1;
        e--;
    }
    return (XF){ a.s != b.s, e, hi | (lo != 0) };
}

static u128 shr_sticky(u128 m, int64_t n)
{
    if (n <= 0)
        return m;
    if (n >= 128)
        return m != 0;
    return (m >> n) | ((m & (((u128)1 << n) - 1)) != 0);
}

/* |a| < |b| */
static bool xf_less_abs(XF a, XF b)
{
    if (!a.m || !b.m)
        return b.m != 0;
    return a.e < b.e || (a.e == b.e && a.m < b.m);
}

/* Sum with a sticky bit: a tiny addend still moves the result off an exact
 * value in the right direction (for directed rounding). */
static XF xf_add(XF a, XF b)
{
    if (!a.m)
        return b;
    if (!b.m)
        return a;
    if (xf_less_abs(a, b)) {
        XF t = a;
        a = b;
        b = t;
    }
    if ((int64_t)a.e - b.e > 129) {
        /* b lies wholly below a's last bit: m is kept as the truncated
         * value with bit 0 sticky, so only that bit (or a borrow into an
         * exact a) changes */
        if (a.s == b.s || (a.m & 1))
            return (XF){ a.s, a.e, a.m | 1 };
        if (a.m == (u128)1 << 127)
            return (XF){ a.s, a.e - 1, ~(u128)0 };
        return (XF){ a.s, a.e, a.m - 1 };
    }
    u128 ma = shr_sticky(a.m, 1), mb = shr_sticky(b.m, (int64_t)a.e - b.e + 1);
    u128 m = a.s == b.s ? ma + mb : ma - mb;
    return xf_norm(a.s, a.e + 1, m);
}

static XF xf_sub(XF a, XF b) { return xf_add(a, xf_neg(b)); }

/* Restoring division, 128 quotient bits plus a sticky bit. */
static XF xf_div(XF a, XF b)
{
    if (!a.m)
        return (XF){ a.s != b.s, 0, 0 };
    int32_t e = a.e - b.e;
    u128 r = a.m, q = 0;
    bool top = false;
    if (r < b.m) {
        top = r >> 127;
        r <<= 1;
        e--;
    }
    for (int i = 0; i < 128; i++) {
        q <<= 1;
        if (top || r >= b.m) {
            r -= b.m;
            q |= 1;
        }
        top = r >> 127;
        r <<= 1;
    }
    return (XF){ a.s != b.s, e, q | (r != 0 || top) };
}

/* a / k for a small positive integer k */
static XF xf_div_small(XF a, uint32_t k)
{
    if (!a.m)
        return a;
    u128 q = a.m / k, r = a.m % k;
    int sh = clz128(q);
    u128 r2 = r << sh;
    q = (q << sh) | (r2 / k);
    return (XF){ a.s, a.e - sh, q | (r2 % k != 0) };
}

static XF xf_scale(XF a, int32_t n) { a.e += n; return a; }

static XF xf_from80(X80Ctx *c, Float80 a)
{
    XF r = { x80_sign(a), 0, 0 };
    if (!x80_is_zero(a))
        x80_unpack(c, a, &r.e, &r.m);
    return r;
}

/* Round to the 80-bit format; every value reaching here is inexact
 * (transcendental of a non-trivial operand), hence the sticky bit. */
static Float80 xf_to80(X80Ctx *c, XF v)
{
    if (!v.m)   /* not reached: the callers' values are non-zero */
        return (Float80){ 0, (uint16_t)(v.s << 15) };
    return x80_pack(c, v.s, v.e, v.m | 1, 64);
}

static Float80 f80_zero(bool s) { return (Float80){ 0, (uint16_t)(s << 15) }; }
static Float80 f80_inf(bool s) { return (Float80){ 1ull << 63, (uint16_t)((s << 15) | 0x7fff) }; }
static Float80 f80_one(bool s) { return (Float80){ 1ull << 63, (uint16_t)((s << 15) | 0x3fff) }; }

/* Terms smaller than this many bits below the sum no longer matter. */
#define SERIES_BITS 132

/* ---- logarithms ---- */

/* 2 * atanh(t) = ln((1 + t) / (1 - t)), |t| <= 0.18 */
static XF xf_ln_series(XF t)
{
    if (!t.m)
        return t;
    XF t2 = xf_mul(t, t), p = t, sum = t;
    for (uint32_t k = 3; k < 200; k += 2) {
        p = xf_mul(p, t2);
        XF term = xf_div_small(p, k);
        bool last = term.e < sum.e - SERIES_BITS;
        sum = xf_add(sum, term);   /* a negligible term still sets the direction */
        if (last)
            break;
    }
    return xf_scale(sum, 1);
}

/* log2 of a positive value */
static XF xf_log2(XF x)
{
    int32_t k = x.e;
    XF m = { false, 0, x.m };
    if ((uint64_t)(m.m >> 64) > 0xb504f333f9de6484ull) {   /* m > sqrt(2) */
        m.e = -1;
        k++;
    }
    XF t = xf_div(xf_sub(m, K_ONE), xf_add(m, K_ONE));
    return xf_add(xf_int(k), xf_mul(xf_ln_series(t), K_LOG2E));
}

/* log2(1 + x), x > -1 */
static XF xf_log2p1(XF x)
{
    if (x.e <= -3) {   /* |x| < 1/4: ln(1+x) = 2 atanh(x / (2 + x)) */
        XF t = xf_div(x, xf_add(xf_int(2), x));
        return xf_mul(xf_ln_series(t), K_LOG2E);
    }
    return xf_log2(xf_add(K_ONE, x));
}

/* Power of two: the exponent in *k. */
static bool is_pow2(XF x, int32_t *k)
{
    *k = x.e;
    return x.m == (u128)1 << 127;
}

/* y * log2(x) once log2(x) is known to be +-inf (x = 0: -inf, ZE for a
 * finite non-zero y; x = +inf: +inf); y * inf with y = 0 is invalid. */
static Float80 times_inf(X80Ctx *c, Float80 y, bool log_neg, bool divide_by_zero)
{
    if (x80_is_zero(y))
        return x80_invalid(c);
    if (!x80_is_inf(y)) {
        xf_from80(c, y);   /* DE */
        if (divide_by_zero)
            c->flags |= FX_ZE;
    }
    return f80_inf(x80_sign(y) != log_neg);
}

/* y * L for a finite non-zero irrational L */
static Float80 times_log(X80Ctx *c, Float80 y, XF L)
{
    if (x80_is_inf(y))
        return f80_inf(x80_sign(y) != L.s);
    if (x80_is_zero(y))
        return f80_zero(x80_sign(y) != L.s);
    return xf_to80(c, xf_mul(xf_from80(c, y), L));
}

Float80 x80_fyl2x(X80Ctx *c, Float80 x, Float80 y)
{
    if (x80_is_nan(x) || x80_is_nan(y))
        return x80_propagate_nan(c, x, y);
    if (x80_is_unsupported(x) || x80_is_unsupported(y))
        return x80_invalid(c);
    if (x80_is_zero(x))
        return times_inf(c, y, true, true);
    if (x80_sign(x))
        return x80_invalid(c);
    if (x80_is_inf(x))
        return times_inf(c, y, false, false);
    XF xv = xf_from80(c, x);
    int32_t k;
    if (is_pow2(xv, &k)) {   /* log2(x) = k exactly */
        if (x80_is_inf(y) || x80_is_zero(y)) {
            if (k == 0 && x80_is_inf(y))
                return x80_invalid(c);
            return x80_is_inf(y) ? f80_inf(x80_sign(y) != (k < 0)) : f80_zero(x80_sign(y) != (k < 0));
        }
        X80Ctx t = *c;
        t.prec = 64;
        Float80 r = x80_arith(&t, X80_MUL, y, x80_from_int(k));
        c->flags |= t.flags;
        return r;
    }
    return times_log(c, y, xf_log2(xv));
}

Float80 x80_fyl2xp1(X80Ctx *c, Float80 x, Float80 y)
{
    if (x80_is_nan(x) || x80_is_nan(y))
        return x80_propagate_nan(c, x, y);
    if (x80_is_unsupported(x) || x80_is_unsupported(y))
        return x80_invalid(c);
    if (x80_is_zero(x)) {
        if (x80_is_inf(y))
            return x80_invalid(c);
        if (!x80_is_zero(y))
            xf_from80(c, y);
        return f80_zero(x80_sign(x) != x80_sign(y));
    }
    if (x80_is_inf(x)) {
        if (x80_sign(x))
            return x80_invalid(c);
        return times_inf(c, y, false, false);
    }
    XF xv = xf_from80(c, x);
    /* outside the architectural domain |x| < 1 - sqrt(2)/2 the result is
     * undefined; this gives log2(1 + x) where it exists */
    if (xv.s && xv.e >= 0) {
        if (xv.e == 0 && xv.m == (u128)1 << 127)
            return times_inf(c, y, true, true);
        return x80_invalid(c);
    }
    return times_log(c, y, xf_log2p1(xv));
}

/* ---- 2^x - 1 ---- */

/* e^z - 1, |z| <= 0.35 */
static XF xf_expm1_series(XF z)
{
    XF term = z, sum = z;
    for (uint32_t k = 2; k < 100 && z.m; k++) {
        term = xf_div_small(xf_mul(term, z), k);
        bool last = term.e < sum.e - SERIES_BITS;
        sum = xf_add(sum, term);
        if (last)
            break;
    }
    return sum;
}

Float80 x80_f2xm1(X80Ctx *c, Float80 x)
{
    if (x80_is_nan(x))
        return x80_propagate_nan(c, x, x);
    if (x80_is_unsupported(x))
        return x80_invalid(c);
    if (x80_is_zero(x))
        return x;
    if (x80_is_inf(x))
        return x80_sign(x) ? f80_one(true) : x;
    XF xv = xf_from80(c, x);
    /* The SDM defines -1 <= x <= 1; larger |x| get 2^x - 1 as well. */
    if (xv.e >= 15) {
        if (!xv.s)
            return xf_to80(c, (XF){ false, 40000, (u128)1 << 127 });   /* overflow */
        return xf_to80(c, xf_add(xf_int(-1), (XF){ false, -40000, (u128)1 << 127 }));
    }
    /* x = n + f, n = round(x), |f| <= 1/2: 2^x - 1 = 2^n (e^(f ln2) - 1) + (2^n - 1) */
    int32_t n = 0;
    if (xv.e == -1) {
        n = xv.s ? -1 : 1;
    } else if (xv.e >= 0) {
        int sh = 127 - xv.e;
        u128 ip = xv.m >> sh;
        n = (int32_t)(ip + ((xv.m >> (sh - 1)) & 1));
        if (xv.s)
            n = -n;
    }
    XF f = xf_sub(xv, xf_int(n));
    XF pow_m1 = xf_sub((XF){ false, n, (u128)1 << 127 }, K_ONE);
    if (!f.m) {   /* integer x: exact unless 2^n - 1 needs more than 64 bits */
        return x80_pack(c, pow_m1.s, pow_m1.e, pow_m1.m, 64);
    }
    XF a = xf_scale(xf_expm1_series(xf_mul(f, K_LN2)), n);
    return xf_to80(c, xf_add(a, pow_m1));
}

/* ---- arctangent ---- */

/* atan(z), 0 < z <= 1 */
static XF xf_atan01(XF z)
{
    /* tan(pi/8) < z: atan(z) = pi/4 + atan((z - 1) / (z + 1)) */
    bool shifted = false;
    if (z.e > -2 || (z.e == -2 && (uint64_t)(z.m >> 64) > 0xd413cccfe7799211ull)) {
        z = xf_div(xf_sub(z, K_ONE), xf_add(z, K_ONE));
        shifted = true;
    }
    XF sum = z;
    if (z.m) {
        XF z2 = xf_neg(xf_mul(z, z)), p = z;
        for (uint32_t k = 3; k < 400; k += 2) {
            p = xf_mul(p, z2);
            XF term = xf_div_small(p, k);
            bool last = term.e < sum.e - SERIES_BITS;
            sum = xf_add(sum, term);
            if (last)
                break;
        }
    }
    return shifted ? xf_add(K_PIO4, sum) : sum;
}

Float80 x80_fpatan(X80Ctx *c, Float80 y, Float80 x)
{
    if (x80_is_nan(x) || x80_is_nan(y))
        return x80_propagate_nan(c, x, y);
    if (x80_is_unsupported(x) || x80_is_unsupported(y))
        return x80_invalid(c);
    bool sy = x80_sign(y), sx = x80_sign(x);
    XF yv = x80_is_inf(y) ? (XF){ sy, 0, 0 } : xf_from80(c, y);
    XF xv = x80_is_inf(x) ? (XF){ sx, 0, 0 } : xf_from80(c, x);
    XF r;
    if (x80_is_zero(y) || (x80_is_inf(x) && !x80_is_inf(y))) {
        if (!sx)
            return f80_zero(sy);   /* +-0, exact */
        r = K_PI;
    } else if (x80_is_inf(y)) {
        if (x80_is_inf(x))
            r = sx ? xf_add(K_PIO2, K_PIO4) : K_PIO4;
        else
            r = K_PIO2;
    } else if (x80_is_zero(x)) {
        r = K_PIO2;
    } else {
        XF a = xf_abs(yv), b = xf_abs(xv);
        if (xf_less_abs(b, a))
            r = xf_sub(K_PIO2, xf_atan01(xf_div(b, a)));
        else
            r = xf_atan01(xf_div(a, b));
        if (sx)
            r = xf_sub(K_PI, r);
    }
    r.s = sy;
    return xf_to80(c, r);
}

/* ---- sine, cosine, tangent ---- */

/* Fixed point with FIX_FRAC_BITS fraction bits, little-endian limbs. */
static bool fix_sub(uint64_t r[FIX_LIMBS], const uint64_t a[FIX_LIMBS])
{
    unsigned borrow = 0;
    for (int i = 0; i < FIX_LIMBS; i++) {
        u128 d = (u128)r[i] - a[i] - borrow;
        r[i] = (uint64_t)d;
        borrow = (unsigned)(d >> 127);
    }
    return borrow;
}

static void fix_add(uint64_t r[FIX_LIMBS], const uint64_t a[FIX_LIMBS])
{
    u128 carry = 0;
    for (int i = 0; i < FIX_LIMBS; i++) {
        carry += (u128)r[i] + a[i];
        r[i] = (uint64_t)carry;
        carry >>= 64;
    }
}

static int fix_cmp(const uint64_t a[FIX_LIMBS], const uint64_t b[FIX_LIMBS])
{
    for (int i = FIX_LIMBS - 1; i >= 0; i--)
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
    return 0;
}

static XF fix_to_xf(const uint64_t r[FIX_LIMBS], bool neg)
{
    int top = FIX_LIMBS - 1;
    while (top >= 0 && !r[top])
        top--;
    if (top < 0)   /* cannot happen for x != 0 (pi is irrational): keep a tiny value */
        return (XF){ neg, -FIX_FRAC_BITS, (u128)1 << 127 };
    int lz = __builtin_clzll(r[top]);
    uint64_t w1 = top >= 1 ? r[top - 1] : 0, w2 = top >= 2 ? r[top - 2] : 0;
    u128 hi = U128(r[top], w1);
    uint64_t rest = w2;
    if (lz) {
        hi = (hi << lz) | (w2 >> (64 - lz));
        rest = w2 << lz;
    }
    bool sticky = rest != 0;
    for (int i = 0; i < top - 2; i++)
        sticky |= r[i] != 0;
    return (XF){ neg, top * 64 + 63 - lz - FIX_FRAC_BITS, hi | sticky };
}

/* x = n * pi/2 + r with |r| <= pi/4, for 0 <= x < 2^63; returns n mod 4. */
static unsigned reduce(XF x, XF *r)
{
    if (x.e < -1) {
        *r = x;
        return 0;
    }
    uint64_t X[FIX_LIMBS] = { 0 }, P[FIX_LIMBS];
    uint64_t M = (uint64_t)(x.m >> 64);   /* exact: x came from 80 bits */
    int shift = FIX_FRAC_BITS - 63 + x.e;      /* 320..383 */
    X[shift / 64] = M << (shift % 64);
    if (shift % 64)
        X[shift / 64 + 1] = M >> (64 - shift % 64);
    XF q = xf_mul(x, K_2OPI);
    uint64_t n = q.e < 0 ? 0 : (uint64_t)(q.m >> (127 - q.e));
    u128 carry = 0;
    for (int i = 0; i < FIX_LIMBS; i++) {
        carry += (u128)FIX_PIO2[i] * n;
        P[i] = (uint64_t)carry;
        carry >>= 64;
    }
    fix_sub(X, P);   /* modulo 2^448: the top bit is the sign */
    while (X[FIX_LIMBS - 1] >> 63) {   /* the estimate was too high */
        fix_add(X, FIX_PIO2);
        n--;
    }
    while (fix_cmp(X, FIX_PIO2) >= 0) {
        fix_sub(X, FIX_PIO2);
        n++;
    }
    uint64_t half[FIX_LIMBS];
    for (int i = 0; i < FIX_LIMBS; i++)
        half[i] = (FIX_PIO2[i] >> 1) | (i + 1 < FIX_LIMBS ? FIX_PIO2[i + 1] << 63 : 0);
    bool neg = false;
    if (fix_cmp(X, half) > 0) {   /* r - pi/2 */
        uint64_t t[FIX_LIMBS];
        for (int i = 0; i < FIX_LIMBS; i++)
            t[i] = FIX_PIO2[i];
        fix_sub(t, X);
        for (int i = 0; i < FIX_LIMBS; i++)
            X[i] = t[i];
        neg = true;
        n++;
    }
    *r = fix_to_xf(X, neg);
    return (unsigned)(n & 3);
}

/* sin(r), cos(r) for |r| <= pi/4 */
static void xf_sincos_series(XF r, XF *s, XF *co)
{
    XF r2 = xf_neg(xf_mul(r, r));
    XF ts = r, tc = K_ONE;
    *s = r;
    *co = K_ONE;
    for (uint32_t k = 1; k < 60 && r.m; k++) {
        ts = xf_div_small(xf_mul(ts, r2), (2 * k) * (2 * k + 1));
        tc = xf_div_small(xf_mul(tc, r2), (2 * k - 1) * (2 * k));
        bool ds = ts.e < s->e - SERIES_BITS, dc = tc.e < co->e - SERIES_BITS;
        *s = xf_add(*s, ts);
        *co = xf_add(*co, tc);
        if (ds && dc)
            break;
    }
}

/* Common operand screening: 1 = result(s) set, 0 = compute, -1 = out of range. */
static int trig_special(X80Ctx *c, Float80 x, Float80 *res)
{
    if (x80_is_nan(x)) {
        *res = x80_propagate_nan(c, x, x);
        return 1;
    }
    if (x80_is_unsupported(x) || x80_is_inf(x)) {
        *res = x80_invalid(c);
        return 1;
    }
    if ((x.exp & 0x7fff) >= 0x3fff + 63)
        return -1;
    return 0;
}

bool x80_sincos(X80Ctx *c, Float80 x, Float80 *sin, Float80 *cos)
{
    Float80 sp;
    int k = trig_special(c, x, &sp);
    if (k < 0)
        return false;
    if (k > 0 || x80_is_zero(x)) {
        if (sin)
            *sin = k ? sp : x;
        if (cos)
            *cos = k ? sp : f80_one(false);
        return true;
    }
    XF r, s, co;
    unsigned q = reduce(xf_abs(xf_from80(c, x)), &r);
    xf_sincos_series(r, &s, &co);
    XF sv = (q & 1) ? co : s, cv = (q & 1) ? s : co;
    if (q & 2)
        sv = xf_neg(sv);
    if ((q + 1) & 2)
        cv = xf_neg(cv);
    if (x80_sign(x))
        sv = xf_neg(sv);
    if (sin)
        *sin = xf_to80(c, sv);
    if (cos)
        *cos = xf_to80(c, cv);
    return true;
}

bool x80_tan(X80Ctx *c, Float80 x, Float80 *tan)
{
    int k = trig_special(c, x, tan);
    if (k < 0)
        return false;
    if (k > 0 || x80_is_zero(x)) {
        if (!k)
            *tan = x;
        return true;
    }
    XF r, s, co, t;
    unsigned q = reduce(xf_abs(xf_from80(c, x)), &r);
    if (!(q & 1) && r.e < -40) {
        /* tiny r: r + r^3/3 + 2r^5/15 directly, so that the direction of
         * the tail survives (a quotient of two sticky values loses it) */
        XF r2 = xf_mul(r, r), r3 = xf_mul(r2, r);
        XF t5 = xf_div_small(xf_scale(xf_mul(r3, r2), 1), 15);
        t = xf_add(r, xf_add(xf_div_small(r3, 3), t5));
    } else {
        xf_sincos_series(r, &s, &co);
        t = (q & 1) ? xf_neg(xf_div(co, s)) : xf_div(s, co);
    }
    if (x80_sign(x))
        t = xf_neg(t);
    *tan = xf_to80(c, t);
    return true;
}
