/*
 * The interpreter's execution loop: fetch (through the code TLB), decode,
 * execute, with exceptions delivered at instruction boundaries and pending
 * interrupts taken between instructions.
 */
#ifndef VESSEL_TARGET_X86_EXEC_H
#define VESSEL_TARGET_X86_EXEC_H

#include <stdbool.h>
#include <stdint.h>

#include "target-x86/cpu.h"
#include "target-x86/decode.h"

enum {
    EXEC_BUDGET = 0,  /* ran max_insns instructions */
    EXEC_HALTED = 1,  /* HLT (or shutdown) with no pending event */
    EXEC_EXIT = 2,    /* CPU_INTERRUPT_EXIT was requested (and is now cleared) */
};

/* Run up to max_insns instructions; returns why it stopped. */
int x86_cpu_exec(X86CPU *cpu, uint64_t max_insns);

/*
 * Decode the instruction at CS:pc, its bytes from host[0..avail) (the code
 * TLB's pointer, or NULL) and beyond through x86_fetch_byte. With
 * `may_fault` (the instruction is the next to run) decoding errors and
 * fetch faults are raised (#UD, #GP, #PF: longjmp); without, the result is
 * false instead and nothing is fetched beyond host[0..avail). Returns
 * whether it was read entirely from host[0..avail). Shared by the
 * interpreter's blocks and the JIT front end.
 */
bool x86_decode_code(X86CPU *cpu, X86Insn *insn, uint64_t pc, const uint8_t *host,
                     unsigned avail, uint64_t features, bool may_fault);

/* The CPUID features (FEAT_* bits) the decoder decodes with for this CPU:
 * the interpreter's and the JIT's blocks are decoded with the same set. */
uint64_t x86_decode_features(X86CPU *cpu);

/* Execute exactly one instruction (no event handling); for the JIT's
 * helper calls and tests. Exceptions longjmp to cpu->jmp_env. */
void x86_exec_one(X86CPU *cpu);

/* The handler LOCKed instructions (and XCHG with memory) run with: the
 * row's handler under the bus lock that makes them atomic between vCPU
 * threads; a fault inside leaves the lock held until the execution loop
 * calls x86_release_bus_lock (any loop that catches cpu->jmp_env must). */
void x86_locked_handler(X86CPU *cpu, const X86Insn *insn);
void x86_release_bus_lock(void);
/* A "simple" instruction changes only general registers, arithmetic flags
 * and DF, memory and rip (near branches): nothing the translation of the
 * following code depends on (mode, CPL, paging, TF/IF, pending events). */
bool x86_insn_is_simple(const X86Insn *insn);

/* Decide, for the instructions about to run, whether the specialised
 * handlers' RAM fast path may be used and with which MMU index
 * (cpu->fast_mem_idx): the CPU state it depends on (CPL, CR0, CR4, AC,
 * DR7, gdb watchpoints) is left alone by the instructions of one run. */
void x86_fast_mem_setup(X86CPU *cpu);

/* cpu->run_break, set by any access that leaves RAM (device memory, the
 * memory map may change) and by stores into the code pages the interpreter
 * trusts (cpu->code_pages; mem-inline.h, x86_note_code_write), ends the
 * interpreter's run of simple instructions after the current one. */

#endif
