/*
 * 80-bit extended-precision arithmetic for the x87, in portable C (no host
 * long double): IEEE rounding modes, x87 precision control, the exception
 * flags of the FSW. Uses the compiler's unsigned __int128 (GCC and Clang on
 * every 64-bit host).
 */
#ifndef VESSEL_TARGET_X86_SOFTFLOAT_X80_H
#define VESSEL_TARGET_X86_SOFTFLOAT_X80_H

#include <stdbool.h>
#include <stdint.h>

#include "target-x86/cpu.h"

/* FSW exception bits. */
#define FX_IE 0x01
#define FX_DE 0x02
#define FX_ZE 0x04
#define FX_OE 0x08
#define FX_UE 0x10
#define FX_PE 0x20
#define FX_C1 0x200   /* result rounded up (for FSW.C1) */

typedef struct X80Ctx {
    int rc;          /* 0 nearest, 1 down, 2 up, 3 toward zero (FCW.RC) */
    int prec;        /* 24, 53 or 64 (FCW.PC) */
    unsigned flags;  /* FX_* accumulated */
} X80Ctx;

enum { X80_ADD, X80_SUB, X80_MUL, X80_DIV };

extern const Float80 x80_indefinite;   /* negative QNaN: FFFF C000000000000000 */

bool x80_is_nan(Float80 a);
bool x80_is_snan(Float80 a);
bool x80_is_inf(Float80 a);
bool x80_is_zero(Float80 a);
static inline bool x80_sign(Float80 a) { return a.exp >> 15; }

Float80 x80_arith(X80Ctx *c, int op, Float80 a, Float80 b);
Float80 x80_sqrt(X80Ctx *c, Float80 a);
Float80 x80_round_int(X80Ctx *c, Float80 a);
/* -1 less, 0 equal, 1 greater, 2 unordered; IE for SNaN, or any NaN if
 * `signaling`. */
int x80_compare(X80Ctx *c, Float80 a, Float80 b, bool signaling);

Float80 x80_from_f32(X80Ctx *c, uint32_t v);
Float80 x80_from_f64(X80Ctx *c, uint64_t v);
Float80 x80_from_int(int64_t v);
uint32_t x80_to_f32(X80Ctx *c, Float80 a);
uint64_t x80_to_f64(X80Ctx *c, Float80 a);
/* To a `bits`-wide integer (16/32/64) rounded by c->rc, or truncated. Out
 * of range or NaN: IE and the integer indefinite. */
int64_t x80_to_int(X80Ctx *c, Float80 a, unsigned bits, bool truncate);

/* FSCALE: a * 2^trunc(b). */
Float80 x80_scale(X80Ctx *c, Float80 a, Float80 b);
/* FXTRACT: returns the unbiased exponent, *sig the significand (exp 0). */
Float80 x80_extract(X80Ctx *c, Float80 a, Float80 *sig);
/* FPREM (truncating quotient) / FPREM1 (nearest): remainder of a / b, the
 * low quotient bits in *q, *partial when the exponent difference is >= 64
 * (only a partial reduction was done). */
Float80 x80_rem(X80Ctx *c, Float80 a, Float80 b, bool nearest, unsigned *q, bool *partial);

/* Transcendentals (softfloat-x80-trans.c): always 64-bit precision, within
 * 1 ulp (computed with ~125 bits, then rounded by c->rc). */
Float80 x80_f2xm1(X80Ctx *c, Float80 x);                 /* 2^x - 1 */
Float80 x80_fyl2x(X80Ctx *c, Float80 x, Float80 y);      /* y * log2(x) */
Float80 x80_fyl2xp1(X80Ctx *c, Float80 x, Float80 y);    /* y * log2(x + 1) */
Float80 x80_fpatan(X80Ctx *c, Float80 y, Float80 x);     /* atan2(y, x) */
/* sin/cos (either pointer may be NULL) and tan of x; false, nothing
 * computed and no flags, if |x| >= 2^63 (FSW.C2 case). */
bool x80_sincos(X80Ctx *c, Float80 x, Float80 *sin, Float80 *cos);
bool x80_tan(X80Ctx *c, Float80 x, Float80 *tan);

/* Packed BCD (softfloat-x80-bcd.c): 18 digits and a sign in 10 bytes. */
Float80 x80_from_bcd(const uint8_t bcd[10]);
/* Rounded by c->rc; out of range or NaN/inf/unsupported: IE and the BCD
 * indefinite (FFFF C000 0000 0000 0000). */
void x80_to_bcd(X80Ctx *c, Float80 a, uint8_t bcd[10]);

/* Internals shared by the softfloat-x80*.c files: a finite non-zero value
 * is m / 2^127 * 2^E with m normalised at bit 127. */
typedef unsigned __int128 x80_u128;
bool x80_is_unsupported(Float80 a);
void x80_unpack(X80Ctx *c, Float80 a, int32_t *E, x80_u128 *m);   /* DE if denormal */
Float80 x80_pack(X80Ctx *c, bool sign, int32_t E, x80_u128 m, int prec);
Float80 x80_propagate_nan(X80Ctx *c, Float80 a, Float80 b);
Float80 x80_invalid(X80Ctx *c);

#endif
