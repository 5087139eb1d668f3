/*
 * The JIT's intermediate representation (IR): a list of ops on 64-bit
 * temps, built by a front end (target-x86/translate*.c) for one
 * translation block, optimized (tcg/optimize.c), then turned into host
 * code by one of the back ends behind TCGBackend (tcg/tci/: portable
 * bytecode, tcg/x86_64/: native).
 *
 * Conventions
 *  - Every temp and every op is 64-bit. 32/16/8-bit guest operations are
 *    built from the 64-bit ops plus the ext* ops.
 *  - Shift and rotate ops take counts in 0..63 (the front end masks);
 *    other counts give an unspecified value but never trap.
 *  - Temps are GLOBAL (a 64-bit field of the CPU state, at `env + offset`),
 *    LOCAL (valid across labels and branches inside the block, like a
 *    variable) or CONST. All temps are dead at the end of the block.
 *  - ENV is a fixed pointer temp: the CPU state (X86CPU *), first argument
 *    of the generated code. Back ends keep it in a register.
 *  - Globals may be cached in host registers between ops, but are written
 *    back to env before every CALL, QEMU_LD/QEMU_ST (their slow path calls
 *    C), BR/BRCOND/SET_LABEL (basic-block ends), GOTO_TB and EXIT_TB; and
 *    reread from env after a CALL or QEMU_LD/ST slow path (a helper may
 *    change any of them). So a helper that longjmps sees env up to date.
 *  - LD/ST ops address env fields directly (offset relative to ENV); they
 *    must not alias a GLOBAL's field (use the global instead).
 */
#ifndef VESSEL_TCG_TCG_H
#define VESSEL_TCG_TCG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- temps ---- */

typedef int32_t TCGv;          /* index into TCGContext.temps; -1 = none */
#define TCG_NO_TEMP (-1)

typedef enum TCGTempKind {
    TEMP_ENV,      /* the CPU state pointer (one per context, index 0) */
    TEMP_GLOBAL,   /* 64-bit field at env + offset */
    TEMP_LOCAL,    /* block-local variable */
    TEMP_CONST,    /* constant value */
} TCGTempKind;

typedef struct TCGTemp {
    TCGTempKind kind;
    int32_t offset;            /* GLOBAL: byte offset in env */
    uint64_t val;              /* CONST: the value */
    const char *name;          /* GLOBAL: for dumps ("rax", "cc_dst") */
} TCGTemp;

/* ---- conditions (brcond, setcond) ---- */
typedef enum TCGCond {
    TCG_COND_NEVER, TCG_COND_ALWAYS,
    TCG_COND_EQ, TCG_COND_NE,
    TCG_COND_LT, TCG_COND_GE, TCG_COND_LE, TCG_COND_GT,       /* signed */
    TCG_COND_LTU, TCG_COND_GEU, TCG_COND_LEU, TCG_COND_GTU,   /* unsigned */
    TCG_COND_TSTEQ, TCG_COND_TSTNE,   /* (a & b) == 0, (a & b) != 0 */
} TCGCond;

/* ---- guest memory operations (QEMU_LD / QEMU_ST) ---- */
typedef enum TCGMemOp {
    MO_8 = 0, MO_16 = 1, MO_32 = 2, MO_64 = 3,
    MO_SIZE = 3,
    MO_SIGN = 4,     /* loads: sign-extend to 64 bits (else zero-extend) */
} TCGMemOp;

/* ---- ops ----
 * Argument order: outputs first, then inputs, then constant arguments
 * (cargs). In the comments d = output temp, a/b/c = input temps,
 * k = constant argument. */
typedef enum TCGOpcode {
    INDEX_op_insn_start,   /* k0 = guest pc: a guest instruction starts (no code) */
    INDEX_op_mov,          /* d = a */
    INDEX_op_add, INDEX_op_sub, INDEX_op_mul,              /* d = a op b */
    INDEX_op_and, INDEX_op_or, INDEX_op_xor,
    INDEX_op_andc,                                         /* d = a & ~b */
    INDEX_op_shl, INDEX_op_shr, INDEX_op_sar,              /* d = a op (b & 63) */
    INDEX_op_rotl, INDEX_op_rotr,
    INDEX_op_mulu2,        /* d0 (low), d1 (high) = a * b unsigned 128-bit */
    INDEX_op_muls2,        /* ... signed */
    INDEX_op_neg, INDEX_op_not,                            /* d = op a */
    INDEX_op_ext8s, INDEX_op_ext8u, INDEX_op_ext16s,       /* d = extend(a) */
    INDEX_op_ext16u, INDEX_op_ext32s, INDEX_op_ext32u,
    INDEX_op_bswap64,      /* d = byte-reversed a */
    INDEX_op_setcond,      /* d = (a k0:cond b) ? 1 : 0 */
    INDEX_op_movcond,      /* d = (a k0:cond b) ? c1 : c2   (inputs a, b, c1, c2) */
    INDEX_op_ld8u, INDEX_op_ld8s, INDEX_op_ld16u,          /* d = *(env + k0) */
    INDEX_op_ld16s, INDEX_op_ld32u, INDEX_op_ld32s, INDEX_op_ld64,
    INDEX_op_st8, INDEX_op_st16, INDEX_op_st32, INDEX_op_st64, /* *(env + k0) = a */
    INDEX_op_qemu_ld,      /* d = guest load at linear address a; k0 = TCGMemOp, k1 = MMU index */
    INDEX_op_qemu_st,      /* guest store of a at linear address b; k0 = TCGMemOp, k1 = MMU index */
    INDEX_op_call,         /* d (or none) = helper(k0: TCGHelperInfo *)(inputs...) */
    INDEX_op_br,           /* goto label k0 */
    INDEX_op_brcond,       /* if (a k0:cond b) goto label k1 */
    INDEX_op_set_label,    /* label k0 is here */
    INDEX_op_goto_tb,      /* k0 = slot 0/1: patchable direct jump to the next block
                            * (initially: falls through to the ops after it) */
    INDEX_op_exit_tb,      /* return k0 to the execution loop */
    INDEX_op_goto_ptr,     /* jump to host code address a (a block found at run time),
                            * or return 0 to the loop when a is 0 */
    INDEX_op_discard,      /* a is dead from here (optimizer hint, no code) */
    INDEX_op_nb,
} TCGOpcode;

#define TCG_MAX_OP_ARGS 8          /* call: output + up to 6 inputs + info */
#define TCG_MAX_CALL_ARGS 6

typedef struct TCGOpDef {
    const char *name;
    uint8_t nb_oargs, nb_iargs, nb_cargs;   /* call: see TCGOp.nb_* */
    uint8_t flags;
} TCGOpDef;

#define TCG_OPF_BB_END     0x01   /* ends a basic block (br, brcond, set_label, goto_tb, exit_tb, goto_ptr) */
#define TCG_OPF_SIDE_EFFECTS 0x02 /* not removable even if outputs are dead */
#define TCG_OPF_CALLS      0x04   /* may call C (call, qemu_ld/st slow path): globals synced */

extern const TCGOpDef tcg_op_defs[INDEX_op_nb];

typedef struct TCGOp {
    uint16_t opc;                 /* TCGOpcode */
    uint8_t nb_oargs, nb_iargs;   /* per op (calls vary) */
    uint8_t nb_cargs;
    uint8_t dead_args;            /* liveness: bit i = input arg i is dead after this op */
    uint64_t args[TCG_MAX_OP_ARGS];   /* outputs (TCGv), inputs (TCGv), constants */
} TCGOp;

/* ---- helpers callable from generated code ---- */
typedef enum TCGType {
    TCG_TYPE_VOID,   /* returns nothing */
    TCG_TYPE_I32,    /* uint32_t: zero-extended to 64 bits when returned */
    TCG_TYPE_I64,    /* uint64_t */
    TCG_TYPE_PTR,    /* a pointer (the ENV temp, or a constant host address) */
} TCGType;

#define TCG_CALL_NO_WRITE_GLOBALS 0x01   /* the helper does not write globals:
                                          * no reread afterwards (still synced before) */

typedef struct TCGHelperInfo {
    void *func;               /* the C function */
    const char *name;
    TCGType ret;
    uint8_t nargs;            /* <= TCG_MAX_CALL_ARGS */
    TCGType args[TCG_MAX_CALL_ARGS];
    uint8_t flags;            /* TCG_CALL_* */
    void *priv;               /* back end's cache (tci: the libffi call interface) */
} TCGHelperInfo;

/* ---- the context of one translation ---- */
typedef struct TCGContext {
    TCGTemp *temps;
    int nb_temps, nb_globals, temps_cap;     /* temps[0] = ENV, then globals, then the rest */
    /* (nb_globals counts ENV too: temps[0 .. nb_globals) survive tcg_ctx_reset) */
    TCGOp *ops;
    int nb_ops, ops_cap;
    int nb_labels;
    /* host-side information the back ends need for the inline guest
     * memory fast path (filled by the front end: target-x86 knows the
     * CPU state layout; NULL tlb_mask fields = always call the slow path).
     * The flag bits of a tag are its low bits, which an unaligned address
     * also has: the fast path is taken only when the entry of addr's page
     * has `tag == ((addr + size - 1) & page_mask)` (inline unaligned access
     * inside the page) or `(tag | (addr & (size - 1))) == (addr & page_mask)`
     * (aligned only); never `tag == (addr & (page_mask | (size - 1)))`. */
    struct TCGGuestMemInfo {
        int32_t tlb_offset;         /* offset of TLB entry [0][0] in env */
        int32_t tlb_mmu_stride;     /* bytes between MMU indexes' tables */
        uint32_t tlb_size;          /* entries per MMU index (power of two) */
        uint32_t tlb_entry_size;    /* sizeof(TLBEntry) */
        int32_t off_addr_read, off_addr_write, off_addend;   /* inside an entry */
        unsigned page_bits;         /* guest page size (12) */
        /* the slow paths, called with env, the address (and value) and
         * the TCGMemOp | (MMU index << 8); they may longjmp (faults) */
        uint64_t (*load_slow)(void *env, uint64_t addr, uint32_t memop_idx);
        void (*store_slow)(void *env, uint64_t addr, uint64_t val, uint32_t memop_idx);
    } mem;
} TCGContext;

/* Start a new context (globals survive tcg_ctx_reset; everything else is
 * dropped by it). */
void tcg_ctx_init(TCGContext *s);
void tcg_ctx_free(TCGContext *s);
/* Drop the ops, labels, locals and constants of the previous block. */
void tcg_ctx_reset(TCGContext *s);

/* The ENV temp. */
static inline TCGv tcg_env(void) { return 0; }
/* A global bound to the 64-bit field at env + offset (once, before
 * translating anything; returns the same temp for the same offset). */
TCGv tcg_global(TCGContext *s, int32_t offset, const char *name);
TCGv tcg_temp_new(TCGContext *s);
/* A new constant temp each call (its TCGTemp.val may still be changed
 * before tcg_optimize: e.g. a count known only at the end of the block). */
TCGv tcg_constant(TCGContext *s, uint64_t val);
int tcg_new_label(TCGContext *s);

/* ---- op builders: one per op (tcg.c) ---- */
void tcg_gen_op(TCGContext *s, TCGOpcode opc, const uint64_t *args, int nargs);

void tcg_gen_insn_start(TCGContext *s, uint64_t pc);
void tcg_gen_mov(TCGContext *s, TCGv d, TCGv a);
void tcg_gen_movi(TCGContext *s, TCGv d, uint64_t v);
void tcg_gen_binop(TCGContext *s, TCGOpcode opc, TCGv d, TCGv a, TCGv b);
void tcg_gen_add(TCGContext *s, TCGv d, TCGv a, TCGv b);
void tcg_gen_sub(TCGContext *s, TCGv d, TCGv a, TCGv b);
void tcg_gen_addi(TCGContext *s, TCGv d, TCGv a, uint64_t v);
void tcg_gen_and(TCGContext *s, TCGv d, TCGv a, TCGv b);
void tcg_gen_andi(TCGContext *s, TCGv d, TCGv a, uint64_t v);
void tcg_gen_or(TCGContext *s, TCGv d, TCGv a, TCGv b);
void tcg_gen_xor(TCGContext *s, TCGv d, TCGv a, TCGv b);
void tcg_gen_shli(TCGContext *s, TCGv d, TCGv a, unsigned n);
void tcg_gen_shri(TCGContext *s, TCGv d, TCGv a, unsigned n);
void tcg_gen_sari(TCGContext *s, TCGv d, TCGv a, unsigned n);
void tcg_gen_unop(TCGContext *s, TCGOpcode opc, TCGv d, TCGv a);
void tcg_gen_mul2(TCGContext *s, TCGOpcode opc, TCGv lo, TCGv hi, TCGv a, TCGv b);
void tcg_gen_setcond(TCGContext *s, TCGCond c, TCGv d, TCGv a, TCGv b);
void tcg_gen_movcond(TCGContext *s, TCGCond c, TCGv d, TCGv a, TCGv b, TCGv v1, TCGv v2);
void tcg_gen_ld(TCGContext *s, TCGOpcode opc, TCGv d, int32_t offset);   /* ld8u..ld64 */
void tcg_gen_st(TCGContext *s, TCGOpcode opc, TCGv a, int32_t offset);   /* st8..st64 */
void tcg_gen_qemu_ld(TCGContext *s, TCGv d, TCGv addr, TCGMemOp mop, int mmu_idx);
void tcg_gen_qemu_st(TCGContext *s, TCGv val, TCGv addr, TCGMemOp mop, int mmu_idx);
/* d may be TCG_NO_TEMP for a helper returning void. */
void tcg_gen_call(TCGContext *s, TCGHelperInfo *info, TCGv d, const TCGv *args);
void tcg_gen_br(TCGContext *s, int label);
void tcg_gen_brcond(TCGContext *s, TCGCond c, TCGv a, TCGv b, int label);
void tcg_gen_set_label(TCGContext *s, int label);
void tcg_gen_goto_tb(TCGContext *s, unsigned slot);
void tcg_gen_exit_tb(TCGContext *s, uintptr_t val);
void tcg_gen_goto_ptr(TCGContext *s, TCGv host_addr);
void tcg_gen_discard(TCGContext *s, TCGv a);

/* ---- shared evaluation (tcg.c): the reference semantics of the ops,
 * used by the optimizer's constant folding and the portable back end ---- */
static inline bool tcg_cond_eval(TCGCond c, uint64_t a, uint64_t b)
{
    switch (c) {
    case TCG_COND_NEVER: return false;
    case TCG_COND_ALWAYS: return true;
    case TCG_COND_EQ: return a == b;
    case TCG_COND_NE: return a != b;
    case TCG_COND_LT: return (int64_t)a < (int64_t)b;
    case TCG_COND_GE: return (int64_t)a >= (int64_t)b;
    case TCG_COND_LE: return (int64_t)a <= (int64_t)b;
    case TCG_COND_GT: return (int64_t)a > (int64_t)b;
    case TCG_COND_LTU: return a < b;
    case TCG_COND_GEU: return a >= b;
    case TCG_COND_LEU: return a <= b;
    case TCG_COND_GTU: return a > b;
    case TCG_COND_TSTEQ: return (a & b) == 0;
    case TCG_COND_TSTNE: return (a & b) != 0;
    }
    return false;
}
/* d = a op b for the 1-output ops with 1 or 2 inputs and no constant
 * argument (add..rotr, neg..bswap64; b ignored for 1-input ops). false if
 * opc is not such an op. */
bool tcg_op_eval(TCGOpcode opc, uint64_t a, uint64_t b, uint64_t *d);
/* The low and high halves of the 128-bit product (mulu2: unsigned, muls2: signed). */
void tcg_mul2_eval(TCGOpcode opc, uint64_t a, uint64_t b, uint64_t *lo, uint64_t *hi);

/* ---- passes ---- */
/* Constant folding, copy propagation, dead-op removal, branch folding. */
void tcg_optimize(TCGContext *s);
/* Fill TCGOp.dead_args (and drop ops whose outputs are all unused).
 * Bit k set: input k's value is not needed after the op (for an input that
 * is also the op's output: its old value). Globals are never dead at block
 * ends or ops that may call C. Run after tcg_optimize, before gen_code. */
void tcg_liveness(TCGContext *s);
/* Print the ops (-d op) with `printf`-like `out`. */
void tcg_dump_ops(const TCGContext *s, void (*out)(const char *fmt, ...));

/* ---- host back ends ---- */

/* What the back end reports about the code it generated for a block. */
typedef struct TCGCodeInfo {
    /* per goto_tb slot: offset (from the code start) of the patchable jump,
     * and of the code right after it (where the unchained jump goes);
     * UINT32_MAX if the block has no such slot */
    uint32_t jmp_insn_offset[2];
    uint32_t jmp_reset_offset[2];
    uint32_t size;              /* bytes used */
} TCGCodeInfo;

typedef struct TCGBackend {
    const char *name;           /* "tci", "x86_64" */
    /* Emit the entry trampoline at `buf` (once per code buffer, before any
     * block); returns the bytes used, or 0 if it does not fit. */
    size_t (*gen_prologue)(uint8_t *buf, size_t size);
    /* Generate the code of s's ops at `buf`; false if it does not fit
     * (the caller flushes the buffer and translates again). */
    bool (*gen_code)(TCGContext *s, uint8_t *buf, size_t size, TCGCodeInfo *info);
    /* Run the code at `code` with `env`; returns the value of the
     * exit_tb (or 0 from goto_ptr) that ended it. `prologue` is the
     * buffer gen_prologue filled. */
    uintptr_t (*exec)(const uint8_t *prologue, void *env, const uint8_t *code);
    /* Make the jump at `jump` (code + jmp_insn_offset) go to `target`
     * (atomically: other threads may be running that code). */
    void (*patch_jump)(uint8_t *jump, const uint8_t *target);
    /* Host code must be made visible to execution after writing (icache). */
    void (*flush_icache)(uint8_t *start, size_t len);
    bool native;                /* generates host machine code (buffer must be executable) */
} TCGBackend;

extern const TCGBackend tcg_backend_tci;
#ifdef VESSEL_TCG_NATIVE_X86_64   /* set by tcg/meson.build on x86-64 hosts */
extern const TCGBackend tcg_backend_x86_64;
#endif

/* The back end by name ("tci", "x86_64"), or NULL. */
const TCGBackend *tcg_backend_find(const char *name);
/* The default: the native one where built, else tci. */
const TCGBackend *tcg_backend_default(void);

#endif
