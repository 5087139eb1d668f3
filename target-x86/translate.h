/*
 * The JIT's x86 front end: one translation block (TB) of guest code, from
 * the decoder's X86Insn, turned into TCG IR (tcg/tcg.h). Common
 * instruction families are translated to IR ops (translate-*.c); every
 * other instruction calls its interpreter handler as a helper, so every
 * instruction the interpreter runs is covered.
 *
 * The contract between the generated code and the execution loop
 * (accel/tcg/) is here.
 *
 * Block shape
 *  - A TB covers instructions of one guest page only (pc .. pc+nbytes).
 *    It ends after a branch (Jcc: two goto_tb exits, taken and not
 *    taken), after any instruction that is not "simple"
 *    (x86_insn_is_simple: it may change the mode, CPL, paging, IF/TF, or
 *    raise events), before an instruction that crosses the page end,
 *    before a gdb breakpoint (p->breakpoint_at), at max_insns.
 *  - On entry the block stores its id in cpu->tcg_tb, then returns
 *    (tb_id | TB_EXIT_REQUESTED) without running anything if
 *    cpu->interrupt_request != 0 or cpu->icount + ninsns >
 *    cpu->tcg_icount_limit; else adds ninsns to cpu->icount.
 *  - Before each instruction that may fault (helper call, memory access)
 *    cpu->insn_start_rip holds its pc. A fault longjmps to cpu->jmp_env with
 *    the state of that instruction's boundary; the loop then subtracts the
 *    instructions not run from cpu->icount (r->insn_pc says which).
 *  - Globals (general registers, rip, the lazy flags cpu->cc, rflags) are
 *    in env at every exit, helper call and fault.
 *
 * Exit values (exit_tb):
 *  - tb_id | 0, tb_id | 1: left through goto_tb slot 0/1 with cpu->rip set
 *    to the next pc: the loop may chain that slot to the next block.
 *  - tb_id | TB_EXIT_REQUESTED: did not start (cpu->rip = the TB's pc).
 *  - 0: left with cpu->rip set (indirect branch, the end of a non-simple
 *    instruction): the loop looks the next block up.
 * Under gdb (X86_TB_NOCHAIN) blocks end with exit_tb(0) only.
 */
#ifndef VESSEL_TARGET_X86_TRANSLATE_H
#define VESSEL_TARGET_X86_TRANSLATE_H

#include <stdbool.h>
#include <stdint.h>

#include "target-x86/cpu.h"
#include "target-x86/decode.h"
#include "tcg/tcg.h"

#define X86_TB_MAX_INSNS 64

#define TB_EXIT_MASK 3u
#define TB_EXIT_REQUESTED 2u

/*
 * TB flags: what, besides pc and the CS base, the generated code depends
 * on. Blocks are looked up by (pc, cs_base, flags, code host address).
 */
#define X86_TB_CODE64    (1u << 0)   /* 64-bit code segment (CS.L, EFER.LMA) */
#define X86_TB_CODE32    (1u << 1)   /* CS.D (or 64-bit) */
#define X86_TB_STACK32   (1u << 2)   /* SS.B */
#define X86_TB_CPL_SHIFT 3           /* 2 bits: CPL */
#define X86_TB_MMU_SHIFT 5           /* 2 bits: the data MMU index (x86_mmu_index(cpu, false)) */
#define X86_TB_SLOWMEM   (1u << 7)   /* guest memory only through the slow path helpers */
#define X86_TB_SINGLE    (1u << 8)   /* one instruction per block (gdb single-step) */
#define X86_TB_NOCHAIN   (1u << 9)   /* no goto_tb: every block returns to the loop (gdb) */
#define X86_TB_FLAT      (1u << 10)  /* not 64-bit, but DS/ES/SS are flat 4 GiB
                                      * (base 0, limit 0xffffffff, usable, writable): no
                                      * segment checks needed for them */

/* The flags of the code the CPU is about to run (the loop adds
 * SINGLE/NOCHAIN while gdb needs them). */
uint32_t x86_tb_flags(X86CPU *cpu);

typedef struct X86TranslateParams {
    X86CPU *cpu;
    uint64_t pc;                /* offset in CS of the first instruction */
    uint64_t cs_base;
    uint32_t flags;             /* X86_TB_* */
    uint64_t features;          /* CPUID features for the decoder (X86DecodeMode) */
    const uint8_t *host;        /* the code bytes at pc (code TLB), `avail` of them */
    unsigned avail;             /* all in pc's guest page (and CS limit) */
    unsigned max_insns;         /* <= X86_TB_MAX_INSNS */
    uintptr_t tb_id;            /* the block's identity in exit values (4-byte aligned) */
    /* memory that lives as long as the block (decoded instructions the
     * helper calls read); NULL if exhausted */
    void *(*alloc)(void *opaque, size_t size);
    void *alloc_opaque;
    /* gdb: a breakpoint at this pc (the block stops before it unless it is
     * its first instruction); NULL: none */
    bool (*breakpoint_at)(X86CPU *cpu, uint64_t pc);
} X86TranslateParams;

typedef struct X86TranslateResult {
    unsigned ninsns;            /* guest instructions in the block */
    unsigned nbytes;            /* code bytes from pc */
    uint64_t insn_pc[X86_TB_MAX_INSNS];
} X86TranslateResult;

/* Once per TCGContext: the globals (registers, rip, flags state) and
 * s->mem (TLB layout and slow paths). */
void x86_tcg_init(TCGContext *s);

/*
 * Build the IR of the block at p->pc into s (reset first). The first
 * instruction is decoded with faults (#UD, #GP, #PF on fetch: longjmp, as
 * in the interpreter); false = no block (the first instruction crosses the
 * page end or p->alloc failed): the loop runs one instruction with the
 * interpreter instead.
 */
bool x86_translate_block(TCGContext *s, const X86TranslateParams *p, X86TranslateResult *r);

#endif
