/*
 * The tcg accelerator's internal interfaces: the code buffer, translation
 * blocks (TBs) and their cache, invalidation on writes to code pages, the
 * per-vCPU state and the execution loop.
 *
 * Locking: one mutex (tb_lock) guards the TB hash table, the per-page TB
 * lists, chaining and the code/data buffers; translation runs under it. A
 * flush of everything needs every vCPU out of generated code: see
 * tcg_exclusive_flush (code-buffer.c).
 */
#ifndef VESSEL_ACCEL_TCG_INTERNAL_H
#define VESSEL_ACCEL_TCG_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "target-x86/cpu.h"
#include "target-x86/translate.h"
#include "tcg/tcg.h"

typedef struct TranslationBlock TranslationBlock;

struct TranslationBlock {
    /* the key: what the code was translated from */
    uint64_t pc;                 /* offset in CS */
    uint64_t cs_base;
    uint32_t cs_limit;           /* (not 64-bit code) the limit the bytes were checked against */
    uint32_t flags;              /* X86_TB_* */
    uint64_t features;           /* decoder features */
    const uint8_t *host;         /* host address of the code at pc */
    uintptr_t host_page;         /* host address of its guest page */
    unsigned debug_gen;          /* X86_TB_NOCHAIN blocks: the breakpoint list they saw */
    /* what it holds */
    uint16_t ninsns, nbytes;
    uint64_t *insn_pc;           /* ninsns guest pcs */
    uint8_t *code;
    TCGCodeInfo info;
    atomic_bool invalid;         /* dropped: never entered through the caches again */
    /* lists (under tb_lock) */
    TranslationBlock *hash_next;
    TranslationBlock *page_next;
    TranslationBlock *jmp_dest[2];   /* where goto_tb slot n is chained to */
    uintptr_t jmp_next[2];           /* incoming list link of slot n: tb | slot */
    uintptr_t jmp_first;             /* incoming list head: tb | slot, 0 = none */
};

/* Per vCPU (cpu->accel_priv). */
#define TB_JMP_CACHE_BITS 14
#define TB_JMP_CACHE_SIZE (1u << TB_JMP_CACHE_BITS)

typedef struct TcgVCpu {
    X86CPU *cpu;
    TCGContext ctx;
    _Atomic(TranslationBlock *) jmp_cache[TB_JMP_CACHE_SIZE];
    uint64_t flush_seen;         /* tcg_flush_count when this vCPU last looked */
    uint64_t features;
} TcgVCpu;

extern const TCGBackend *tcg_backend;

/* ---- code-buffer.c ---- */
/* Map the buffers (code: mib MiB, 0 = the default 64; data: as much)
 * and emit the back end's prologue; false + *err. */
bool code_buffer_init(const TCGBackend *be, unsigned mib, char **err);
const uint8_t *code_buffer_prologue(void);
/* The free code space (under tb_lock). */
uint8_t *code_buffer_cur(size_t *left);
void code_buffer_commit(size_t used);
/* Data that lives until the next flush (under tb_lock); NULL if full. */
void *data_buffer_alloc(size_t size);
/* Reset both buffers (everything out of generated code, tb_lock held). */
void code_buffer_reset(void);

/* Every vCPU thread that runs generated code is inside a "region" (from the
 * start to the end of its slice, left while it waits for a flush). */
void tcg_region_enter(void);
void tcg_region_leave(void);
/* At a loop boundary: if a flush was requested, take part in it (leave the
 * region until it is done). True if a flush happened since the caller last
 * looked (its TB pointers are gone). */
bool tcg_region_check(TcgVCpu *v);
/* Drop every TB once every other vCPU is out of its region (called at a
 * loop boundary, not holding tb_lock). */
void tcg_exclusive_flush(void);
/* The machine whose vCPUs a flush kicks. */
typedef struct Machine Machine;
void tcg_exclusive_set_machine(Machine *m);
extern atomic_uint_fast64_t tcg_flush_count;

/* ---- tb-cache.c ---- */
void tb_lock(void);
void tb_unlock(void);
/* After a longjmp: release tb_lock if this thread held it. */
void tb_lock_reset(void);
void tb_cache_register_vcpu(TcgVCpu *v);
void tb_cache_unregister_vcpu(TcgVCpu *v);
/* The valid TB for this key, or NULL (takes tb_lock). */
TranslationBlock *tb_lookup(TcgVCpu *v, uint64_t pc, uint64_t cs_base, uint32_t cs_limit,
                            uint32_t flags, const uint8_t *host, unsigned debug_gen);
/* Under tb_lock: insert into the hash table (replacing a stale twin). */
void tb_hash_insert(TranslationBlock *tb);
void tb_hash_remove(TranslationBlock *tb);
/* Drop tb from every vCPU's jump cache. */
void tb_jmp_cache_remove(TranslationBlock *tb);
/* Under tb_lock: chain tb's goto_tb slot to dest; unchain every jump into tb
 * and tb's own outgoing jumps. */
void tb_add_jump(TranslationBlock *tb, int slot, TranslationBlock *dest);
void tb_unchain(TranslationBlock *tb);
/* Under tb_lock: forget everything (the buffers are reset by the caller). */
void tb_cache_clear(void);

/* ---- tb-invalidate.c ---- */
void tb_invalidate_init(void);
/* Under tb_lock, before translating: mark the page holding host (its
 * writes call the hook from now on). */
void tb_page_mark(const uint8_t *host);
/* Under tb_lock: record tb on its page. */
void tb_page_add(TranslationBlock *tb);
void tb_pages_clear(void);
/* Drop every TB of the page (the hook's work, also for tests). Returns
 * whether any was dropped. */
bool tb_invalidate_page(uintptr_t host_page);

/* ---- cpu-exec.c ---- */
/* Run up to max_insns guest instructions; returns EXEC_* (exec.h). */
int tcg_cpu_exec(TcgVCpu *v, uint64_t max_insns);
/* The vCPU this thread is running (NULL outside tcg_cpu_exec). */
TcgVCpu *tcg_current_vcpu(void);
/* The store being run by this thread's generated code hit the page of the
 * running TB: restart its instruction once the hook's work is done. */
void tcg_restart_if_running(uintptr_t host_page);

/* ---- tcg-accel.c ---- */
/* The breakpoint list generation (accel/debug.c) and the query passed to
 * the front end. */
bool tcg_breakpoint_at(X86CPU *cpu, uint64_t pc);

#endif
