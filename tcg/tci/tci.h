/*
 * The portable back end's bytecode (private to tcg/tci/).
 *
 * A block starts at the first 8-byte aligned address of the buffer it was
 * generated into: one word (uint32_t) with the number of frame slots it
 * needs, then instructions, then an 8-byte aligned constant pool. An
 * instruction is an opcode word (a TCGOpcode, or TCI_NOP) and operand
 * words. An operand word names a 64-bit location: its low 2 bits pick a
 * base, the rest (int32 >> 2) is a byte offset from it:
 *   0: the frame (slot n at 8 n); slot 0 holds the ENV pointer
 *   1: env (the globals live there)
 *   2: the block's start (its constants, in the pool)
 * Branch targets and other pool references (helper info, memory layout)
 * are byte offsets from the word that holds them. goto_tb's jump slot is
 * a pointer-size, 8-byte aligned field (NULL or the code right after it:
 * fall through).
 */
#ifndef VESSEL_TCG_TCI_TCI_H
#define VESSEL_TCG_TCI_TCI_H

#include <stdint.h>

#include "tcg/tcg.h"

enum { TCI_NOP = INDEX_op_nb };

#define TCI_LOC_FRAME 0u
#define TCI_LOC_ENV   1u
#define TCI_LOC_POOL  2u
#define TCI_LOC_NONE  0xffffffffu        /* call without an output */

/* Words of the instructions with a fixed length (call: 4 + nargs). */
#define TCI_LEN_GOTO_TB 3   /* op, 8-byte slot */
#define TCI_LEN_EXIT_TB 3   /* op, value low, value high */

/* The guest memory fast path's layout, one per block in the pool. */
typedef struct TCIMemDesc {
    int32_t tlb_offset, mmu_stride;
    uint32_t tlb_mask, entry_size;     /* tlb_mask 0 and tlb_size 0: always slow */
    int32_t off_read, off_write, off_addend;
    uint32_t page_bits;
    uint64_t load_slow, store_slow;    /* function pointers */
    uint32_t fast;                     /* 0: always the slow path */
    uint32_t pad;
} TCIMemDesc;

/* The libffi call interface of a helper, prepared once (thread-safe). */
void *tci_helper_cif(TCGHelperInfo *info);

#endif
