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
    X86Handler handler;      /* the row's, a specialised one, or the bus-lock wrapper;
                              * in a cached block its chained form (exec.c) */
    uint64_t next_rip;       /* pc + len, wrapped to the mode's width */
    bool simple;             /* may continue a run (exec.c: simple_handlers) */
    uint8_t ordinal;         /* guest instructions before it in its block */
    uint8_t span;            /* guest instructions it runs: 1, or 2 when fused */
    uint8_t index;           /* its place in its block's insns[] */
    /* in a cached block: the block that ran after the chain ended here
     * last time (exec.c), or NULL; a hint, checked like any other
     * (block_link, interp-fast.h) */
    const struct Block *link;
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

/*
 * Chained handlers: in a cached block, each entry's handler runs the
 * instruction and then tail-calls the next entry's handler, so a block runs
 * without going back to the loop between instructions (exec.c). A block's
 * entries are followed by a sentinel (only its handler: chain_end) that
 * ends the chain. While a chain runs, cpu->rip and cpu->insn_start_rip are
 * not kept up to date: a chained handler sets them before anything that
 * may fault or read them (the generic handler, rip-relative addresses,
 * branches). A chain ends at a taken branch and at the sentinel (in 64-bit
 * code it may go on into the next block there instead: block_link,
 * interp-fast.h), after a generic handler that changed rip, touched device
 * memory (run_break) or is not simple, and whenever cpu->chain_stop is set
 * after an entry. cpu->rip is then right and cpu->chain_last is the last
 * entry that ran (cpu->chain_block its block).
 */
#define CHAIN_STEP 1u      /* set by the loop: end after one entry */
#define CHAIN_WRITE 2u     /* a store into a trusted code page (mem-inline.h) */

/* The chained handler of a specialised (interp_fast_handler) or fused
 * handler, or NULL. */
X86Handler interp_chain_handler(X86Handler plain);

/* Registration of a pair (interp-fast*.c): a linker section of them, which
 * interp_chain_handler sorts once and searches. */
typedef struct ChainPair {
    X86Handler plain, chained;
} ChainPair;
#define CHAIN_PAIR(p, t)                                                                          \
    static const ChainPair p##_chain_pair __attribute__((used, section("vessel_chain"),            \
                                                         aligned(sizeof(void *)))) = { p, t };

/* The entry whose insn is `insn` (chained handlers are only given those). */
static inline const ExecInsn *exec_of(const X86Insn *insn)
{
    return (const ExecInsn *)(const void *)((const char *)insn - __builtin_offsetof(ExecInsn, insn));
}

#define BLOCK_MAX_INSNS 32

typedef struct Block {
    uint64_t pc;             /* offset in CS of the first instruction */
    uint8_t mode;            /* code64 | code32 << 1 */
    uint8_t ninsns;          /* entries in insns[] */
    uint8_t nguest;          /* guest instructions they run */
    uint16_t nbytes;         /* code bytes covered, all in one page */
    uint64_t checked_epoch;  /* epoch (exec.c) in which the bytes were last compared */
    const uint8_t *checked_host;   /* ... with the guest bytes there */
    const uint8_t *code;     /* copy of those bytes (after insns[] and the sentinel) */
    ExecInsn insns[];
} Block;

#define BLOCK_TABLE_BITS 16
#define BLOCK_TABLE_SIZE (1u << BLOCK_TABLE_BITS)
/* the sentinel after a block's entries: the handler of insns[ninsns] */
#define BLOCK_SENTINEL_SIZE 16
#define BLOCK_SCRATCH_SIZE (sizeof(Block) + BLOCK_MAX_INSNS * sizeof(ExecInsn) + \
                            BLOCK_SENTINEL_SIZE + BLOCK_MAX_INSNS * X86_MAX_INSN_LEN + 8)

typedef struct BlockCache {
    Block *table[BLOCK_TABLE_SIZE];
    uint64_t features;
    uint64_t flushes;            /* times everything was dropped */
    size_t used;                 /* bytes of arena in use */
    uint8_t *arena;
    /* the interpreter's state for this thread (exec.c) */
    uint64_t epoch;              /* trust epoch */
    bool trust_kept;
    const void *trust_cpu;
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

/* The block of an entry. */
static inline const Block *block_of(const ExecInsn *x)
{
    return (const Block *)(const void *)((const char *)(x - x->index) - __builtin_offsetof(Block, insns));
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
