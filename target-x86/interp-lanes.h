/*
 * Packed-lane operations shared by the SSE (128-bit) and MMX (64-bit)
 * handlers: interp-sse.c and interp-sse-fp.c implement them on XMMReg
 * values; MMX calls them with its 64-bit operands in the low quadword
 * (every lane of the low half depends only on the low halves of the
 * inputs, except for the forms noted at each helper).
 */
#ifndef VESSEL_TARGET_X86_INTERP_LANES_H
#define VESSEL_TARGET_X86_INTERP_LANES_H

#include "target-x86/interp-sse.h"

/*
 * The packed-integer operation of 66 0F `opc` (unpacks, packs, compares,
 * add/sub with and without saturation, multiplies, averages, min/max,
 * logic, PSADBW, PMADDWD, PMULUDQ, shifts by s->q[0]) on 128 bits:
 * r = d op s. The high unpacks (68-6A) read the upper halves and the packs
 * (63, 67, 6B) put d's lanes then s's lanes in the result.
 */
void sse_pint_op(uint8_t opc, const XMMReg *d, const XMMReg *s, XMMReg *r);

/* PSHUFLW/PSHUFW lane selection: r->w[base + i] = s->w[base + imm[2i+1:2i]]
 * for i in 0..3; the other words of r are left as they are. */
void sse_pshuf_words(XMMReg *r, const XMMReg *s, unsigned imm, int base);

/* Packed conversions for one lane, with MXCSR rounding (or truncation),
 * DAZ, and the flags accumulated in *fl (interp-sse-fp.c):
 * lane i of s (a float, or a double if `dbl`) to int32 ("integer
 * indefinite" 0x80000000 when invalid), and int32 to float. */
uint32_t sse_cvt_lane_f2i32(X86CPU *cpu, const XMMReg *s, int i, bool dbl, bool trunc,
                            unsigned *fl);
uint32_t sse_cvt_lane_i32f32(X86CPU *cpu, int32_t v, unsigned *fl);

#endif
