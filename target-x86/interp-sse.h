/*
 * Helpers shared by the SSE, x87 and FXSAVE handlers (interp-sse*.c,
 * interp-x87.c, interp-fxsave.c): availability checks (CR0.EM/TS,
 * CR4.OSFXSR), XMM operand access with the legacy-SSE alignment rule,
 * MXCSR bits and SIMD exception delivery.
 */
#ifndef VESSEL_TARGET_X86_INTERP_SSE_H
#define VESSEL_TARGET_X86_INTERP_SSE_H

#include "target-x86/interp.h"

#define MXCSR_IE  0x0001
#define MXCSR_DE  0x0002
#define MXCSR_ZE  0x0004
#define MXCSR_OE  0x0008
#define MXCSR_UE  0x0010
#define MXCSR_PE  0x0020
#define MXCSR_DAZ 0x0040
#define MXCSR_FTZ 0x8000
#define MXCSR_RC_SHIFT 13
/* MXCSR_MASK reported by FXSAVE: every defined bit, DAZ included. */
#define MXCSR_MASK_VALUE 0xffffu

/* #UD unless SSE is enabled (CR0.EM = 0, CR4.OSFXSR = 1); #NM if CR0.TS. */
static inline void sse_check(X86CPU *cpu)
{
    if ((cpu->cr0 & CR0_EM) || !(cpu->cr4 & CR4_OSFXSR))
        x86_raise_exception(cpu, EXCP_UD);
    if (cpu->cr0 & CR0_TS)
        x86_raise_exception(cpu, EXCP_NM);
}

/* x87 instructions: #NM if CR0.EM or CR0.TS. */
static inline void fpu_check(X86CPU *cpu)
{
    if (cpu->cr0 & (CR0_EM | CR0_TS))
        x86_raise_exception(cpu, EXCP_NM);
}

/* Linear address of the memory operand's offset (for alignment checks). */
static inline uint64_t sse_linear(X86CPU *cpu, const X86Insn *insn, uint64_t ea)
{
    uint64_t base = (cpu->code64 && insn->seg < R_FS) ? 0 : cpu->seg[insn->seg].base;
    return base + ea;
}

/* #GP(0) unless the memory operand is `align`-byte aligned. */
static inline void sse_check_align(X86CPU *cpu, const X86Insn *insn, uint64_t ea, unsigned align)
{
    if (sse_linear(cpu, insn, ea) & (align - 1))
        x86_raise_exception_err(cpu, EXCP_GP, 0);
}

/* Read `size` bytes (4, 8, 16) at seg:ea into v (zero-extended). */
void sse_mem_load(X86CPU *cpu, int seg, uint64_t ea, XMMReg *v, unsigned size);
/* Store `size` bytes; a 16-byte store probes its last byte for writability
 * first so a fault leaves memory unchanged. */
void sse_mem_store(X86CPU *cpu, int seg, uint64_t ea, const XMMReg *v, unsigned size);
/* The r/m operand (XMM register or memory of `size` bytes). `align`: 16-byte
 * memory operands must be aligned (legacy SSE rule) unless false. */
void sse_read_rm(X86CPU *cpu, const X86Insn *insn, XMMReg *v, unsigned size, bool align);

/* Merge SIMD exception flags into MXCSR; raise #XM (CR4.OSXMMEXCPT) or #UD
 * if one is unmasked. Call before writing the destination. */
void sse_raise_flags(X86CPU *cpu, unsigned flags);

#endif
