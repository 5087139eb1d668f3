/*
 * The legacy region of the FXSAVE / XSAVE area (the 512-byte FXSAVE
 * layout), in pieces per state component so that FXSAVE/FXRSTOR
 * (interp-fxsave.c) and XSAVE/XRSTOR (interp-xsave.c) share one
 * implementation. Loads read into caller-provided copies and never change
 * the CPU, so a fault leaves the state untouched; the caller commits.
 */
#ifndef VESSEL_TARGET_X86_INTERP_XSTATE_H
#define VESSEL_TARGET_X86_INTERP_XSTATE_H

#include "target-x86/interp-sse.h"

/* Where the area is: seg:ea, offsets wrapped with `mask` (address size);
 * `w64` = REX.W form (64-bit FPU instruction/data pointers). */
typedef struct XArea {
    int seg;
    uint64_t ea, mask;
    bool w64;
} XArea;

XArea xarea_of(X86CPU *cpu, const X86Insn *insn, uint64_t ea);

/* Guest memory of the area at byte offset `off`. */
uint64_t xarea_read(X86CPU *cpu, const XArea *a, unsigned off, unsigned size);
void xarea_write(X86CPU *cpu, const XArea *a, unsigned off, uint64_t val, unsigned size);
/* Fault now (#PF/#GP) unless bytes [0, len) are writable (first and last
 * byte probed: the area spans at most two pages). */
void xarea_probe_write(X86CPU *cpu, const XArea *a, unsigned len);

/* Number of XMM registers in the area: 16 in 64-bit mode, else 8. */
int xstate_nb_xmm(X86CPU *cpu);

/* x87 component: bytes 0-23 and 32-159 (FCW ... FDS, ST0-ST7). */
void xstate_save_x87(X86CPU *cpu, const XArea *a);
void xstate_load_x87(X86CPU *cpu, const XArea *a, X87State *f);
/* The x87 initial configuration (FNINIT plus zeroed registers, FIP, FDP). */
void xstate_init_x87(X87State *f);
/* MXCSR and MXCSR_MASK, bytes 24-31; the load raises #GP(0) for reserved
 * MXCSR bits. */
void xstate_save_mxcsr(X86CPU *cpu, const XArea *a);
uint32_t xstate_load_mxcsr(X86CPU *cpu, const XArea *a);
/* XMM0-7 (XMM0-15 in 64-bit mode), bytes 160-415. */
void xstate_save_xmm(X86CPU *cpu, const XArea *a);
void xstate_load_xmm(X86CPU *cpu, const XArea *a, XMMReg x[16]);

#endif
