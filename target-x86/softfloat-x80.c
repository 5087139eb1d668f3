/*
 * 80-bit extended-precision arithmetic in portable C: see softfloat-x80.h.
 * Internally a finite non-zero value is (sign, E, m) with m a 128-bit
 * significand normalised at bit 127: value = m / 2^127 * 2^E.
 */
#include "target-x86/softfloat-x80.h"

typedef unsigned __int128 u128;

#define BIAS 16383

const Float80 x80_indefinite = { 0xc000000000000000ull, 0xffff };

static Float80 x80_zero(bool s) { return (Float80){ 0, (uint16_t)(s << 15) }; }
static Float80 x80_inf(bool s) { return (Float80){ 1ull << 63, (uint16_t)((s << 15) | 0x7fff) }; }

bool x80_is_nan(Float80 a) { return (a.exp & 0x7fff) == 0x7fff && (a.mant << 1) != 0; }
bool x80_is_snan(Float80 a) { return x80_is_nan(a) && !(a.mant & (1ull << 62)); }
bool x80_is_inf(Float80 a) { return (a.exp & 0x7fff) == 0x7fff && (a.mant << 1) == 0; }
bool x80_is_zero(Float80 a) { return a.mant == 0 && (a.exp & 0x7fff) != 0x7fff; }

/* Unnormals (integer bit clear with a non-zero exponent) are invalid. */
bool x80_is_unsupported(Float80 a)
{
    unsigned e = a.exp & 0x7fff;
    return e != 0 && !(a.mant >> 63);
}

static int clz64(uint64_t v) { return __builtin_clzll(v); }

static u128 shift_right_sticky(u128 m, unsigned n)
{
    if (n == 0)
        return m;
    if (n >= 128)
        return m != 0;
    return (m >> n) | ((m & (((u128)1 << n) - 1)) != 0);
}

/* Unpack a finite non-zero value; DE for denormal operands. */
static void unpack(X80Ctx *c, Float80 a, int32_t *E, u128 *m)
{
    int32_t e = a.exp & 0x7fff;
    uint64_t mant = a.mant;
    if (e == 0) {
        c->flags |= FX_DE;
        e = 1;
    }
    int sh = clz64(mant);
    *m = (u128)(mant << sh) << 64;
    *E = e - BIAS - sh;
}

/* Round m (normalised at bit 127, or 0) to `prec` bits with exponent range
 * [emin, emax]; returns false on overflow. */
static bool round_core(X80Ctx *c, bool sign, int32_t *E, u128 *m, int prec, int32_t emin,
                       int32_t emax)
{
    bool tiny = false;
    if (*E < emin) {
        *m = shift_right_sticky(*m, (unsigned)(emin - *E) > 200 ? 200 : (unsigned)(emin - *E));
        *E = emin;
        tiny = true;
    }
    unsigned drop = 128 - (unsigned)prec;
    u128 mask = ((u128)1 << drop) - 1, half = (u128)1 << (drop - 1);
    u128 rem = *m & mask;
    u128 q = *m - rem;
    bool up = false;
    switch (c->rc) {
    case 0: up = rem > half || (rem == half && ((q >> drop) & 1)); break;
    case 1: up = rem && sign; break;
    case 2: up = rem && !sign; break;
    default: break;
    }
    if (up) {
        q += (u128)1 << drop;
        c->flags |= FX_C1;
        if (q == 0) {
            q = (u128)1 << 127;
            (*E)++;
        }
    }
    if (rem) {
        c->flags |= FX_PE;
        if (tiny)
            c->flags |= FX_UE;
    }
    *m = q;
    if (*E > emax) {
        c->flags |= FX_OE | FX_PE;
        return false;
    }
    return true;
}

static bool overflow_to_inf(X80Ctx *c, bool sign)
{
    return c->rc == 0 || (c->rc == 1 && sign) || (c->rc == 2 && !sign);
}

static Float80 pack80(X80Ctx *c, bool sign, int32_t E, u128 m, int prec)
{
    if (m == 0)
        return x80_zero(sign);
    if (!round_core(c, sign, &E, &m, prec, 1 - BIAS, BIAS)) {
        if (overflow_to_inf(c, sign))
            return x80_inf(sign);
        uint64_t mx = prec == 64 ? ~0ull : ~0ull << (64 - prec);
        return (Float80){ mx, (uint16_t)((sign << 15) | 0x7ffe) };
    }
    uint64_t mant = (uint64_t)(m >> 64);
    uint16_t e = (mant >> 63) ? (uint16_t)(E + BIAS) : 0;
    return (Float80){ mant, (uint16_t)((sign << 15) | e) };
}

static Float80 quiet(Float80 a) { a.mant |= 1ull << 62; return a; }

/* NaN operands: IE for SNaN; the larger-significand NaN wins. */
static Float80 propagate_nan(X80Ctx *c, Float80 a, Float80 b)
{
    bool an = x80_is_nan(a), bn = x80_is_nan(b);
    if ((an && x80_is_snan(a)) || (bn && x80_is_snan(b)))
        c->flags |= FX_IE;
    if (an && bn)
        return quiet((a.mant << 1) >= (b.mant << 1) ? a : b);
    return quiet(an ? a : b);
}

static Float80 invalid(X80Ctx *c)
{
    c->flags |= FX_IE;
    return x80_indefinite;
}

Float80 x80_arith(X80Ctx *c, int op, Float80 a, Float80 b)
{
    if (x80_is_nan(a) || x80_is_nan(b))
        return propagate_nan(c, a, b);
    if (x80_is_unsupported(a) || x80_is_unsupported(b))
        return invalid(c);
    bool sa = x80_sign(a), sb = x80_sign(b);
    if (op == X80_SUB) {
        sb = !sb;
        op = X80_ADD;
    }
    bool ia = x80_is_inf(a), ib = x80_is_inf(b), za = x80_is_zero(a), zb = x80_is_zero(b);
    int32_t ea = 0, eb = 0;
    u128 ma = 0, mb = 0;
    if (!ia && !za)
        unpack(c, a, &ea, &ma);
    if (!ib && !zb)
        unpack(c, b, &eb, &mb);
    switch (op) {
    case X80_ADD: {
        if (ia || ib) {
            if (ia && ib && sa != sb)
                return invalid(c);
            return x80_inf(ia ? sa : sb);
        }
        if (za && zb)
            return x80_zero(sa == sb ? sa : c->rc == 1);
        if (za)
            return pack80(c, sb, eb, mb, c->prec);
        if (zb)
            return pack80(c, sa, ea, ma, c->prec);
        /* significands at bit 126, one bit of headroom */
        ma >>= 1;
        mb >>= 1;
        if (ea < eb || (ea == eb && ma < mb)) {
            u128 tm = ma; ma = mb; mb = tm;
            int32_t te = ea; ea = eb; eb = te;
            bool ts = sa; sa = sb; sb = ts;
        }
        mb = shift_right_sticky(mb, (unsigned)(ea - eb) > 200 ? 200 : (unsigned)(ea - eb));
        u128 m = sa == sb ? ma + mb : ma - mb;
        int32_t E = ea + 1;
        if (m == 0)
            return x80_zero(c->rc == 1);
        while (!(m >> 127)) {
            m <<= 1;
            E--;
        }
        return pack80(c, sa, E, m, c->prec);
    }
    case X80_MUL: {
        bool s = sa != sb;
        if (ia || ib) {
            if (za || zb)
                return invalid(c);
            return x80_inf(s);
        }
        if (za || zb)
            return x80_zero(s);
        u128 m = (ma >> 64) * (mb >> 64);
        int32_t E = ea + eb + 1;
        while (!(m >> 127)) {
            m <<= 1;
            E--;
        }
        return pack80(c, s, E, m, c->prec);
    }
    default: {   /* X80_DIV */
        bool s = sa != sb;
        if (ia && ib)
            return invalid(c);
        if (ia)
            return x80_inf(s);
        if (ib)
            return x80_zero(s);
        if (zb) {
            if (za)
                return invalid(c);
            c->flags |= FX_ZE;
            return x80_inf(s);
        }
        if (za)
            return x80_zero(s);
        uint64_t na = (uint64_t)(ma >> 64), nb = (uint64_t)(mb >> 64);
        u128 num = (u128)na << 64;
        u128 q = num / nb, r = num % nb;
        /* q = na/nb * 2^64, in (2^63, 2^65) */
        /* a second step for 64 more quotient bits (rounding needs them) */
        u128 num2 = r << 64;
        u128 q2 = num2 / nb, r2 = num2 % nb;
        u128 m = (q << 62) | (q2 >> 2) | ((q2 & 3) != 0 || r2 != 0);
        int32_t E = ea - eb + 1;
        while (!(m >> 127)) {
            m <<= 1;
            E--;
        }
        return pack80(c, s, E, m, c->prec);
    }
    }
}

/* floor(sqrt(n)) of a 128-bit n, bit by bit. */
static uint64_t isqrt128(u128 n, u128 *rem)
{
    u128 res = 0, bit = (u128)1 << 126;
    while (bit > n)
        bit >>= 2;
    while (bit) {
        if (n >= res + bit) {
            n -= res + bit;
            res = (res >> 1) + bit;
        } else {
            res >>= 1;
        }
        bit >>= 2;
    }
    *rem = n;
    return (uint64_t)res;
}

Float80 x80_sqrt(X80Ctx *c, Float80 a)
{
    if (x80_is_nan(a))
        return propagate_nan(c, a, a);
    if (x80_is_unsupported(a))
        return invalid(c);
    if (x80_is_zero(a))
        return a;
    if (x80_sign(a))
        return invalid(c);
    if (x80_is_inf(a))
        return a;
    int32_t E;
    u128 m;
    unpack(c, a, &E, &m);
    /* value = mant * 2^(E-63); N = mant << s with E-63-s even */
    uint64_t mant = (uint64_t)(m >> 64);
    int s = ((E - 63 - 63) & 1) ? 64 : 63;
    u128 n = (u128)mant << s, rem;
    uint64_t r = isqrt128(n, &rem);
    bool half = rem > r;
    u128 out = ((u128)r << 64) | ((u128)half << 63) | (rem != 0);
    int32_t Er = (E - 63 - s) / 2 + 63;
    return pack80(c, false, Er, out, c->prec);
}

Float80 x80_round_int(X80Ctx *c, Float80 a)
{
    if (x80_is_nan(a))
        return propagate_nan(c, a, a);
    if (x80_is_unsupported(a))
        return invalid(c);
    if (x80_is_inf(a) || x80_is_zero(a))
        return a;
    int32_t E;
    u128 m;
    unpack(c, a, &E, &m);
    if (E >= 63)
        return a;
    bool s = x80_sign(a);
    if (E < 0) {
        /* |a| < 1 */
        bool one;
        switch (c->rc) {
        case 0: one = E == -1 && m > ((u128)1 << 127); break;
        case 1: one = s; break;
        case 2: one = !s; break;
        default: one = false; break;
        }
        c->flags |= FX_PE;
        if (one)
            return x80_from_int(s ? -1 : 1);
        return x80_zero(s);
    }
    if (!round_core(c, s, &E, &m, E + 1, -1000000, 1000000))
        return a;
    return pack80(c, s, E, m, 64);
}

int x80_compare(X80Ctx *c, Float80 a, Float80 b, bool signaling)
{
    if (x80_is_nan(a) || x80_is_nan(b) || x80_is_unsupported(a) || x80_is_unsupported(b)) {
        if (signaling || x80_is_snan(a) || x80_is_snan(b) || x80_is_unsupported(a) ||
            x80_is_unsupported(b))
            c->flags |= FX_IE;
        return 2;
    }
    if ((!(a.exp & 0x7fff) && a.mant) || (!(b.exp & 0x7fff) && b.mant))
        c->flags |= FX_DE;
    bool za = x80_is_zero(a), zb = x80_is_zero(b);
    if (za && zb)
        return 0;
    bool sa = x80_sign(a), sb = x80_sign(b);
    if (za)
        return sb ? 1 : -1;
    if (zb)
        return sa ? -1 : 1;
    if (sa != sb)
        return sa ? -1 : 1;
    /* same sign: compare magnitudes (denormals compare right as is) */
    unsigned ea = a.exp & 0x7fff, eb = b.exp & 0x7fff;
    int mag = ea != eb ? (ea < eb ? -1 : 1) : a.mant == b.mant ? 0 : a.mant < b.mant ? -1 : 1;
    return sa ? -mag : mag;
}

static Float80 from_ieee(X80Ctx *c, uint64_t v, int mbits, int ebits)
{
    bool s = v >> (mbits + ebits);
    uint64_t mant = v & ((1ull << mbits) - 1);
    int32_t e = (int32_t)((v >> mbits) & ((1u << ebits) - 1));
    int32_t bias = (1 << (ebits - 1)) - 1;
    if (e == (1 << ebits) - 1) {
        if (!mant)
            return x80_inf(s);
        Float80 r = { (1ull << 63) | (mant << (63 - mbits)), (uint16_t)((s << 15) | 0x7fff) };
        if (!(mant >> (mbits - 1)))
            c->flags |= FX_IE;
        return quiet(r);
    }
    if (e == 0) {
        if (!mant)
            return x80_zero(s);
        c->flags |= FX_DE;
        int sh = clz64(mant);
        /* value = mant * 2^(1-bias-mbits) */
        int32_t E = 1 - bias - mbits + (63 - sh);
        return (Float80){ mant << sh, (uint16_t)((s << 15) | (E + BIAS)) };
    }
    return (Float80){ (1ull << 63) | (mant << (63 - mbits)), (uint16_t)((s << 15) | (e - bias + BIAS)) };
}

Float80 x80_from_f32(X80Ctx *c, uint32_t v) { return from_ieee(c, v, 23, 8); }
Float80 x80_from_f64(X80Ctx *c, uint64_t v) { return from_ieee(c, v, 52, 11); }

Float80 x80_from_int(int64_t v)
{
    if (v == 0)
        return x80_zero(false);
    bool s = v < 0;
    uint64_t u = s ? 0 - (uint64_t)v : (uint64_t)v;
    int sh = clz64(u);
    return (Float80){ u << sh, (uint16_t)((s << 15) | (63 - sh + BIAS)) };
}

static uint64_t to_ieee(X80Ctx *c, Float80 a, int mbits, int ebits)
{
    bool s = x80_sign(a);
    uint64_t sign = (uint64_t)s << (mbits + ebits);
    uint64_t emaxf = (1ull << ebits) - 1;
    int32_t bias = (1 << (ebits - 1)) - 1;
    if (x80_is_nan(a)) {
        if (x80_is_snan(a))
            c->flags |= FX_IE;
        return sign | (emaxf << mbits) | (1ull << (mbits - 1)) | ((a.mant << 1) >> (64 - mbits));
    }
    if (x80_is_unsupported(a)) {
        c->flags |= FX_IE;
        return (1ull << (mbits + ebits)) | (emaxf << mbits) | (1ull << (mbits - 1));
    }
    if (x80_is_inf(a))
        return sign | (emaxf << mbits);
    if (x80_is_zero(a))
        return sign;
    int32_t E;
    u128 m;
    unpack(c, a, &E, &m);
    c->flags &= ~(unsigned)FX_DE;   /* a denormal 80-bit source is not a DE here */
    if (!round_core(c, s, &E, &m, mbits + 1, 1 - bias, bias)) {
        if (overflow_to_inf(c, s))
            return sign | (emaxf << mbits);
        return sign | ((emaxf - 1) << mbits) | ((1ull << mbits) - 1);
    }
    uint64_t frac = (uint64_t)(m >> (127 - mbits));
    if (frac >> mbits)
        return sign | ((uint64_t)(E + bias) << mbits) | (frac & ((1ull << mbits) - 1));
    return sign | frac;
}

uint32_t x80_to_f32(X80Ctx *c, Float80 a) { return (uint32_t)to_ieee(c, a, 23, 8); }
uint64_t x80_to_f64(X80Ctx *c, Float80 a) { return to_ieee(c, a, 52, 11); }

int64_t x80_to_int(X80Ctx *c, Float80 a, unsigned bits, bool truncate)
{
    int64_t indef = (int64_t)(~0ull << (bits - 1));
    if (x80_is_nan(a) || x80_is_inf(a) || x80_is_unsupported(a)) {
        c->flags |= FX_IE;
        return indef;
    }
    if (x80_is_zero(a))
        return 0;
    X80Ctx t = *c;
    if (truncate)
        t.rc = 3;
    Float80 r = x80_round_int(&t, a);
    c->flags |= t.flags & (FX_PE | FX_C1);
    if (x80_is_zero(r))
        return 0;
    int32_t E = (r.exp & 0x7fff) - BIAS;
    bool s = x80_sign(r);
    if (E > (int32_t)bits - 1 || (E == (int32_t)bits - 1 && !(s && r.mant == 1ull << 63))) {
        c->flags = (c->flags & ~(unsigned)(FX_PE | FX_C1)) | FX_IE;
        return indef;
    }
    uint64_t u = r.mant >> (63 - E);
    return s ? (int64_t)(0 - u) : (int64_t)u;
}

Float80 x80_scale(X80Ctx *c, Float80 a, Float80 b)
{
    if (x80_is_nan(a) || x80_is_nan(b))
        return propagate_nan(c, a, b);
    if (x80_is_unsupported(a) || x80_is_unsupported(b))
        return invalid(c);
    bool sb = x80_sign(b);
    if (x80_is_inf(b)) {
        if (x80_is_zero(a) && !sb)
            return invalid(c);
        if (x80_is_inf(a) && sb)
            return invalid(c);
        if (x80_is_zero(a) || x80_is_inf(a))
            return a;
        return sb ? x80_zero(x80_sign(a)) : x80_inf(x80_sign(a));
    }
    if (x80_is_zero(a) || x80_is_inf(a))
        return a;
    X80Ctx t = *c;
    t.rc = 3;
    int64_t n;
    int32_t eb = (b.exp & 0x7fff) - BIAS;
    if (x80_is_zero(b) || eb < 0)
        n = 0;
    else if (eb > 30)
        n = sb ? -(1 << 30) : (1 << 30);
    else
        n = x80_to_int(&t, b, 64, true);
    int32_t E;
    u128 m;
    unpack(c, a, &E, &m);
    return pack80(c, x80_sign(a), E + (int32_t)n, m, 64);
}

Float80 x80_extract(X80Ctx *c, Float80 a, Float80 *sig)
{
    if (x80_is_nan(a)) {
        *sig = propagate_nan(c, a, a);
        return *sig;
    }
    if (x80_is_unsupported(a)) {
        *sig = invalid(c);
        return *sig;
    }
    if (x80_is_inf(a)) {
        *sig = a;
        return x80_inf(false);
    }
    if (x80_is_zero(a)) {
        c->flags |= FX_ZE;
        *sig = a;
        return x80_inf(true);
    }
    int32_t E;
    u128 m;
    unpack(c, a, &E, &m);
    *sig = (Float80){ (uint64_t)(m >> 64), (uint16_t)((x80_sign(a) << 15) | BIAS) };
    return x80_from_int(E);
}

Float80 x80_rem(X80Ctx *c, Float80 a, Float80 b, bool nearest, unsigned *q_out, bool *partial)
{
    *q_out = 0;
    *partial = false;
    if (x80_is_nan(a) || x80_is_nan(b))
        return propagate_nan(c, a, b);
    if (x80_is_unsupported(a) || x80_is_unsupported(b) || x80_is_inf(a) || x80_is_zero(b))
        return invalid(c);
    if (x80_is_zero(a) || x80_is_inf(b))
        return a;
    int32_t ea, eb;
    u128 ma, mb;
    unpack(c, a, &ea, &ma);
    unpack(c, b, &eb, &mb);
    uint64_t A64 = (uint64_t)(ma >> 64), B64 = (uint64_t)(mb >> 64);
    bool s = x80_sign(a);
    int32_t d = ea - eb;
    if (d >= 64) {
        /* partial remainder: reduce the exponent difference by 32..63 */
        u128 A = (u128)A64 << 32;
        u128 r = A % B64;
        *partial = true;
        *q_out = (unsigned)(A / B64);
        if (r == 0)
            return x80_zero(s);
        int32_t E = ea - 32 + 64;
        while (!(r >> 127)) {
            r <<= 1;
            E--;
        }
        return pack80(c, s, E, r, 64);
    }
    if (d < -1)
        return a;
    /* a = A * 2^(eb-1-63), b = B * 2^(eb-1-63) */
    u128 A = (u128)A64 << (d + 1), B = (u128)B64 << 1;
    u128 q = A / B, r = A % B;
    if (nearest && (2 * r > B || (2 * r == B && (q & 1)))) {
        r = B - r;
        q++;
        s = !s;
    }
    *q_out = (unsigned)q;
    if (r == 0)
        return x80_zero(x80_sign(a));
    int32_t E = eb - 1 + 64;
    while (!(r >> 127)) {
        r <<= 1;
        E--;
    }
    return pack80(c, s, E, r, 64);
}

void x80_unpack(X80Ctx *c, Float80 a, int32_t *E, x80_u128 *m) { unpack(c, a, E, m); }

Float80 x80_pack(X80Ctx *c, bool sign, int32_t E, x80_u128 m, int prec)
{
    return pack80(c, sign, E, m, prec);
}

Float80 x80_propagate_nan(X80Ctx *c, Float80 a, Float80 b) { return propagate_nan(c, a, b); }
Float80 x80_invalid(X80Ctx *c) { return invalid(c); }
