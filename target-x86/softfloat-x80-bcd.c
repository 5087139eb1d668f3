/*
 * Packed BCD for FBLD/FBSTP: 18 decimal digits, two per byte in bytes 0-8
 * (low nibble = less significant digit), the sign in bit 7 of byte 9.
 */
#include "target-x86/softfloat-x80.h"

#define BCD_LIMIT 1000000000000000000ll   /* 10^18 */

/* The SDM leaves invalid digits (A-F) undefined: they are weighted like
 * valid ones (as the 8087 microcode did), which stays below 2^63. */
Float80 x80_from_bcd(const uint8_t bcd[10])
{
    int64_t v = 0;
    for (int i = 8; i >= 0; i--)
        v = v * 100 + (bcd[i] >> 4) * 10 + (bcd[i] & 15);
    bool neg = bcd[9] & 0x80;
    Float80 r = x80_from_int(neg ? -v : v);
    if (neg)
        r.exp |= 0x8000;   /* -0 stays -0 */
    return r;
}

void x80_to_bcd(X80Ctx *c, Float80 a, uint8_t bcd[10])
{
    X80Ctx t = *c;
    t.flags = 0;
    int64_t v = x80_to_int(&t, a, 64, false);
    if ((t.flags & FX_IE) || v >= BCD_LIMIT || v <= -BCD_LIMIT) {
        static const uint8_t indefinite[10] = { 0, 0, 0, 0, 0, 0, 0, 0xc0, 0xff, 0xff };
        c->flags |= FX_IE;
        for (int i = 0; i < 10; i++)
            bcd[i] = indefinite[i];
        return;
    }
    c->flags |= t.flags;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    for (int i = 0; i < 9; i++) {
        unsigned lo = (unsigned)(u % 10);
        u /= 10;
        unsigned hi = (unsigned)(u % 10);
        u /= 10;
        bcd[i] = (uint8_t)(hi << 4 | lo);
    }
    bcd[9] = x80_sign(a) ? 0x80 : 0;
}
