/*
 * The interpreter's block cache: straight runs of decoded instructions
 * ("blocks"), per vCPU thread, looked up by (code offset, mode) and
 * validated on entry by comparing the block's code bytes with guest memory
 * (so writes to code need no invalidation hooks from other vCPUs or DMA).
 * A block is decoded once and then run as an array: no per-instruction
 * lookup. Stores into the code pages being run end the run
 * (x86_note_code_write, mem-inline.h), so self-modifying code takes effect
 * at the next instruction as on the processor.
 */
#ifndef VESSEL_TARGET_X86_BLOCK_CACHE_H
#define VESSEL_TARGET_X86_BLOCK_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "target-x86/decode.h"

/* One decoded instruction, ready to run. */
typedef struct ExecInsn {
    X86Handler handler;      /* the row's, a specialised one, or the bus-lock wrapper */
    uint64_t next_rip;       /* pc + len, wrapped to the mode's width */
    bool simple;             /* may continue a run (exec.c: simple_handlers) */
    uint8_t ordinal;         /* guest instructions before it in its block */
    uint8_t span;            /* guest instructions it runs: 1, or 2 when fused */
    X86Insn insn;
} ExecInsn;

/*
 * Fuse `a` with the Jcc `b` that follows it, if `a` is CMP, TEST or SUB of
 * a register with a register or an immediate (32/64-bit) and b a 64-bit
 * mode Jcc of a condition other than O/NO/P/NP (interp-fast-cc.c): a's
 * handler then runs both (b's offset in a->insn.imm2, b's address in
 * a->insn.disp, both unused by those forms), a->next_rip becomes b's and
 * a->span 2. Returns whether it did.
 */
bool interp_fuse_jcc(ExecInsn *a, const ExecInsn *b);

#define BLOCK_MAX_INSNS 32

typedef struct Block {
    uint64_t pc;             /* offset in CS of the first instruction */
    uint8_t mode;            /* code64 | code32 << 1 */
    uint8_t ninsns;          /* entries in insns[] */
    uint8_t nguest;          /* guest instructions they run */
    uint16_t nbytes;         /* code bytes covered, all in one page */
    struct Block *chain;     /* the block that ran after this one last time (a
                              * hint: checked like any other) */
    uint64_t checked_epoch;  /* epoch (exec.c) in which the bytes were last compared */
    const uint8_t *checked_host;   /* ... with the guest bytes there */
    const uint8_t *code;     /* copy of those bytes (after insns[]) */
    ExecInsn insns[];
} Block;

#define BLOCK_TABLE_BITS 16
#define BLOCK_TABLE_SIZE (1u << BLOCK_TABLE_BITS)
#define BLOCK_SCRATCH_SIZE (sizeof(Block) + BLOCK_MAX_INSNS * sizeof(ExecInsn) + \
                            BLOCK_MAX_INSNS * X86_MAX_INSN_LEN + 8)

typedef struct BlockCache {
    Block *table[BLOCK_TABLE_SIZE];
    uint64_t features;
    uint64_t flushes;            /* times everything was dropped */
    size_t used;                 /* bytes of arena in use */
    uint8_t *arena;
    /* the interpreter's state for this thread (exec.c) */
    uint64_t epoch;              /* trust epoch */
    bool trust_kept;
    unsigned code_page_next;
    const void *trust_cpu;
    const Block *running;
    _Alignas(16) uint8_t scratch[BLOCK_SCRATCH_SIZE];
} BlockCache;

/* This thread's cache, emptied if it was filled under other CPUID features. */
BlockCache *block_cache_get(uint64_t features);
/* A scratch block with room for BLOCK_MAX_INSNS instructions, to decode into. */
static inline Block *block_cache_scratch(BlockCache *c)
{
    return (Block *)c->scratch;
}
/* Copy the scratch block (ninsns >= 1, nbytes set) into the cache, with its
 * code bytes from `host`; returns the cached copy. */
Block *block_cache_commit(BlockCache *c, const Block *scratch, const uint8_t *host);

/* The table slot for pc. */
static inline Block **block_cache_slot(BlockCache *c, uint64_t pc)
{
    return &c->table[(pc ^ (pc >> BLOCK_TABLE_BITS)) & (BLOCK_TABLE_SIZE - 1)];
}

static inline bool block_code_equal(const uint8_t *a, const uint8_t *b, unsigned n)
{
    uint64_t x, y, diff = 0;
    if (n < 8) {
        for (unsigned i = 0; i < n; i++)
            diff |= (uint64_t)(a[i] ^ b[i]);
        return diff == 0;
    }
    unsigned i = 0;
    for (; i + 8 <= n; i += 8) {
        __builtin_memcpy(&x, a + i, 8);
        __builtin_memcpy(&y, b + i, 8);
        diff |= x ^ y;
    }
    __builtin_memcpy(&x, a + n - 8, 8);   /* the tail, overlapping */
    __builtin_memcpy(&y, b + n - 8, 8);
    return (diff | (x ^ y)) == 0;
}

/*
 * The cached block for pc, if its code bytes are still those in guest
 * memory at host. Within one trust epoch (exec.c: it ends whenever a store
 * may have changed code unseen) bytes compared once are not compared again.
 */
static inline bool block_hit(Block *b, uint64_t pc, uint8_t mode, const uint8_t *host,
                             unsigned avail, uint64_t epoch)
{
    if (!b || b->pc != pc || b->mode != mode || !host)
        return false;
    if (b->checked_epoch == epoch && b->checked_host == host)
        return true;
    if (b->nbytes > avail || !block_code_equal(b->code, host, b->nbytes))
        return false;
    b->checked_epoch = epoch;
    b->checked_host = host;
    return true;
}

#endif
