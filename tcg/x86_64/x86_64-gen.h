/*
 * Internal state of the native x86-64 code generator, shared by its
 * files: the register allocator (x86_64-regalloc.c), the op code
 * generation (x86_64-gen.c) and the guest memory fast/slow paths
 * (x86_64-ldst.c).
 *
 * Host register roles
 *  - rbp: ENV (the CPU state), set by the prologue, never allocated.
 *  - rsp: the stack; at block entry [rsp] is the return address into the
 *    prologue's epilogue (exit = `ret`), and the spill frame starts at
 *    rsp + 8: one 8-byte slot per spilled LOCAL temp.
 *  - r10, r11: scratch for the code generator, never hold a temp.
 *  - the other 12 registers hold temps.
 */
#ifndef VESSEL_TCG_X86_64_GEN_H
#define VESSEL_TCG_X86_64_GEN_H

#include "tcg/tcg.h"
#include "tcg/x86_64/x86_64-emit.h"

typedef uint16_t X86RegSet;

#define X86_ENV_REG   X86_RBP
#define X86_TMP0      X86_R10
#define X86_TMP1      X86_R11
#define X86_REGS_ALLOC ((X86RegSet)(0xffffu & ~(1u << X86_RSP | 1u << X86_RBP | \
                                                1u << X86_R10 | 1u << X86_R11)))
#define X86_REGS_CALLER_SAVED ((X86RegSet)(1u << X86_RAX | 1u << X86_RCX | 1u << X86_RDX | \
    1u << X86_RSI | 1u << X86_RDI | 1u << X86_R8 | 1u << X86_R9 | 1u << X86_R10 | 1u << X86_R11))

/* Spill frame: reserved by the prologue below the return address. */
#define X86_FRAME_SLOTS 8192
#define X86_FRAME_BYTES (X86_FRAME_SLOTS * 8)       /* a multiple of 16 */
#define X86_SLOT_DISP(slot) (8 + 8 * (int32_t)(slot))

typedef struct X86TempState {
    int8_t reg;          /* host register holding the value, or -1 */
    bool coherent;       /* the memory home (env field, spill slot) holds the value too */
    int32_t slot;        /* LOCAL: spill slot, -1 = none yet */
} X86TempState;

/* A guest memory access whose TLB miss path is emitted after the block. */
typedef struct X86SlowPath {
    bool is_store;
    uint32_t memop_idx;          /* TCGMemOp | mmu index << 8 */
    int8_t addr_reg, val_reg;    /* val_reg: the loaded value (ld) or the one stored (st) */
    size_t jump_at;              /* rel32 of the branch to the slow path */
    size_t ret_pos;              /* where the slow path returns */
    int32_t snap[16];            /* the temp in each register then (-1: none) */
    int32_t snap_disp[16];       /* its home then (env offset or spill slot) */
    uint16_t snap_store;         /* registers written to their homes before the call:
                                  * dirty globals, caller-saved live locals */
    uint16_t snap_reload;        /* registers reloaded after it: live globals (reread),
                                  * caller-saved live locals and constants */
} X86SlowPath;

typedef struct X86Reloc {
    size_t at;                   /* rel32 offset */
    int label;
} X86Reloc;

typedef struct X86Gen {
    X86Emit e;
    TCGContext *s;
    X86TempState *ts;
    int32_t reg_temp[16];        /* temp in each register, -1 = free */
    uint32_t reg_stamp[16];      /* op index of the last use (LRU eviction) */
    X86RegSet locked;            /* registers the current op reads or built */
    int op_idx;
    int32_t *last_use;           /* per temp: last op referencing it */
    bool loops;                  /* a backward branch: last_use does not mean dead */
    int64_t *label_pos;          /* per label: code offset or -1 */
    X86Reloc *relocs;
    int nb_relocs, cap_relocs;
    X86SlowPath *slow;
    int nb_slow, cap_slow;
    int32_t *free_slots;
    int nb_free_slots, next_slot;
    bool failed;                 /* out of spill slots or a malformed op list */
} X86Gen;

static inline TCGTempKind x86_kind(X86Gen *g, TCGv t) { return g->s->temps[t].kind; }
static inline bool x86_is_const(X86Gen *g, TCGv t) { return x86_kind(g, t) == TEMP_CONST; }
static inline uint64_t x86_const_val(X86Gen *g, TCGv t) { return g->s->temps[t].val; }
static inline TCGv x86_arg_temp(const TCGOp *op, int i) { return (TCGv)(int64_t)op->args[i]; }

/* ---- register allocator (x86_64-regalloc.c) ---- */
/* True if input i of op is dead after it (liveness or the last use). */
bool x86_in_dead(X86Gen *g, const TCGOp *op, int i);
/* True if t holds no value needed after the current op. */
bool x86_dead_now(X86Gen *g, TCGv t);
/* Home of a GLOBAL/LOCAL (allocating a LOCAL's slot); false for CONST/ENV. */
bool x86_temp_home(X86Gen *g, TCGv t, int *base, int32_t *disp);
void x86_temp_store(X86Gen *g, TCGv t);          /* write the register to the home */
void x86_temp_unbind(X86Gen *g, TCGv t);         /* forget the register (no code) */
void x86_temp_free(X86Gen *g, TCGv t);           /* dead: register and slot released */
void x86_load_copy(X86Gen *g, TCGv t, int r);    /* put t's value in r, no binding */
/* A register from `allowed` (not locked), evicting its occupant; not bound, not locked. */
int x86_reg_alloc(X86Gen *g, X86RegSet allowed);
/* Make register r free (moving or spilling its occupant). */
void x86_reg_take(X86Gen *g, int r);
/* t's value in a register from `allowed`, locked for the current op. */
int x86_temp_in(X86Gen *g, TCGv t, X86RegSet allowed);
/* The register for output d: `reuse` (an input register the op may
 * overwrite, -1 = none), else d's own register if free to clobber, else a new one. */
int x86_out_reg(X86Gen *g, TCGv d, int reuse);
/* Can input i's register become the output's (storing a dead dirty global first)? */
bool x86_in_reusable(X86Gen *g, const TCGOp *op, int i);
/* d now lives (dirty) in r; r's previous occupant is dropped. */
void x86_bind_out(X86Gen *g, TCGv d, int r);
/* After the op: free its dead inputs (except those moved into outputs), unlock. */
void x86_op_done(X86Gen *g, const TCGOp *op);
/* Write back dirty globals (kept in their registers). */
void x86_sync_globals(X86Gen *g);
/* Basic-block end: globals and live locals to memory; drop = forget all registers. */
void x86_bb_end(X86Gen *g, bool drop);
/* After a helper call: registers holding globals are stale. */
void x86_forget_globals(X86Gen *g);

/* ---- guest memory (x86_64-ldst.c) ---- */
void x86_gen_qemu_ld(X86Gen *g, const TCGOp *op);
void x86_gen_qemu_st(X86Gen *g, const TCGOp *op);
void x86_gen_slow_paths(X86Gen *g);

#endif
