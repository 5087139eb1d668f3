/*
 * LOCKed read-modify-writes made atomic against every other vCPU's
 * accesses, plain stores included (a spin-lock release is a plain MOV).
 * The bus-lock mutex alone only orders locked instructions among
 * themselves; here the locked instruction's RAM read records the aligned
 * host word it saw, its write is a host compare-and-swap against that word,
 * and if another vCPU changed the word in between, the instruction restarts
 * from a snapshot of the registers taken at its first read.
 *
 * Wiring: the exec loop calls x86_lock_rmw_begin/end around a bus-locked
 * instruction; the RAM fast paths of the guest read and write call
 * x86_lock_rmw_load/store instead of a plain host access while
 * x86_lock_rmw_active is set.
 */
#ifndef VESSEL_TARGET_X86_LOCK_RMW_H
#define VESSEL_TARGET_X86_LOCK_RMW_H

#include <stdbool.h>
#include <stdint.h>

typedef struct X86CPU X86CPU;

extern _Thread_local bool x86_lock_rmw_active;

void x86_lock_rmw_begin(void);
void x86_lock_rmw_end(void);
/* Read `size` bytes of guest RAM at `host` for the locked instruction. */
uint64_t x86_lock_rmw_load(X86CPU *cpu, const uint8_t *host, unsigned size);
/* Write them back: atomic against other vCPUs, or restart the instruction
 * (longjmp to cpu->jmp_env with no exception pending). */
void x86_lock_rmw_store(X86CPU *cpu, uint8_t *host, uint64_t val, unsigned size);
/* Restarts so far on this thread (tests, statistics). */
uint64_t x86_lock_rmw_restarts(void);

#endif
