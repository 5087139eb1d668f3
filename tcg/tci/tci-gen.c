/*
 * The portable back end's code generator: the op list of a context turned
 * into the bytecode described in tci.h. Local temps get frame slots; a
 * temp used inside one basic block only shares slots with others whose
 * lifetimes do not overlap.
 */
#include "tcg/tci/tci.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct PoolRef {
    uint32_t word;       /* word index of the reference */
    uint32_t off;        /* byte offset in the pool */
    uint32_t kind;       /* TCI_LOC_POOL for an operand, else a raw byte offset */
} PoolRef;

typedef struct Gen {
    TCGContext *s;
    uint32_t *code;      /* 8-byte aligned start */
    uint32_t cap;        /* words available */
    uint32_t n;          /* words used */
    bool overflow;
    uint32_t *loc;       /* per temp: its operand word (pool ones fixed up) */
    int32_t *pool_idx;   /* per temp: byte offset in the pool, or -1 */
    uint8_t *pool;
    uint32_t pool_len, pool_cap;
    PoolRef *refs;
    uint32_t nrefs, refs_cap;
    int32_t *label_pos;  /* word index, -1 unset */
    uint32_t (*br_fix)[2];   /* word index, label */
    uint32_t nbr;
    int32_t mem_desc;    /* pool offset of the TCIMemDesc, -1 none yet */
    uint32_t nslots;
} Gen;

static void emit(Gen *g, uint32_t w)
{
    if (g->n < g->cap)
        g->code[g->n] = w;
    else
        g->overflow = true;
    g->n++;
}

static uint32_t pool_add(Gen *g, const void *data, uint32_t len)
{
    uint32_t off = (g->pool_len + 7) & ~7u;
    if (off + len > g->pool_cap) {
        g->pool_cap = (off + len) * 2 + 64;
        g->pool = realloc(g->pool, g->pool_cap);
        if (!g->pool)
            abort();
    }
    memset(g->pool + g->pool_len, 0, off - g->pool_len);
    memcpy(g->pool + off, data, len);
    g->pool_len = off + len;
    return off;
}

/* Emit a word that refers to pool offset `off` (patched at the end). */
static void emit_pool_ref(Gen *g, uint32_t off, uint32_t kind)
{
    if (g->nrefs == g->refs_cap) {
        g->refs_cap = g->refs_cap ? g->refs_cap * 2 : 32;
        g->refs = realloc(g->refs, sizeof(PoolRef) * g->refs_cap);
        if (!g->refs)
            abort();
    }
    g->refs[g->nrefs++] = (PoolRef){ g->n, off, kind };
    emit(g, 0);
}

static void emit_temp(Gen *g, uint64_t t)
{
    if (g->pool_idx[t] == -2) {         /* a constant's first use */
        uint64_t v = g->s->temps[t].val;
        g->pool_idx[t] = (int32_t)pool_add(g, &v, sizeof(v));
    }
    if (g->pool_idx[t] >= 0)
        emit_pool_ref(g, (uint32_t)g->pool_idx[t], TCI_LOC_POOL);
    else
        emit(g, g->loc[t]);
}

/* ---- frame slots ---- */

typedef struct Range { int first, last; bool def_first; } Range;

static void note_use(Range *r, int i, bool is_out)
{
    if (r->first < 0) {
        r->first = i;
        r->def_first = is_out;
    }
    r->last = i;
}

static bool op_splits_bb(const TCGOp *op)
{
    return op->opc == INDEX_op_set_label || op->opc == INDEX_op_br || op->opc == INDEX_op_brcond;
}

/* Slot numbers for the LOCAL temps: those living inside one basic block
 * (written first, no label or branch strictly between their first and last
 * op) share slots; the others each get their own. */
static void assign_slots(Gen *g)
{
    TCGContext *s = g->s;
    int nt = s->nb_temps;
    Range *r = malloc(sizeof(Range) * (size_t)nt);
    int *splits = malloc(sizeof(int) * (size_t)(s->nb_ops + 1));   /* splitting ops before i */
    int *free_list = malloc(sizeof(int) * (size_t)nt);
    if (!r || !splits || !free_list)
        abort();
    for (int t = 0; t < nt; t++)
        r[t] = (Range){ -1, -1, false };
    splits[0] = 0;
    for (int i = 0; i < s->nb_ops; i++) {
        const TCGOp *op = &s->ops[i];
        for (int k = 0; k < op->nb_oargs + op->nb_iargs; k++)
            note_use(&r[op->args[k]], i, k < op->nb_oargs);
        splits[i + 1] = splits[i] + op_splits_bb(op);
    }
    uint32_t next = 1;          /* slot 0: ENV */
    for (int t = s->nb_globals; t < nt; t++) {
        bool local_bb = r[t].first >= 0 && r[t].def_first &&
                        splits[r[t].last] == splits[r[t].first + 1];
        if (s->temps[t].kind == TEMP_LOCAL && r[t].first >= 0 && !local_bb) {
            g->loc[t] = next++ << 5 | TCI_LOC_FRAME;
            r[t].first = -1;    /* done */
        } else if (s->temps[t].kind != TEMP_LOCAL) {
            r[t].first = -1;
        }
    }
    uint32_t base = next, top = 0;
    int nfree = 0;
    for (int i = 0; i < s->nb_ops; i++) {
        const TCGOp *op = &s->ops[i];
        for (int k = 0; k < op->nb_oargs; k++) {
            uint64_t t = op->args[k];
            if ((int)t >= s->nb_globals && r[t].first == i && g->loc[t] == TCI_LOC_NONE) {
                uint32_t slot = nfree ? (uint32_t)free_list[--nfree] : base + top++;
                g->loc[t] = slot << 5 | TCI_LOC_FRAME;
            }
        }
        for (int k = 0; k < op->nb_oargs + op->nb_iargs; k++) {
            uint64_t t = op->args[k];
            if ((int)t >= s->nb_globals && r[t].first >= 0 && r[t].last == i) {
                free_list[nfree++] = (int)(g->loc[t] >> 5);
                r[t].first = -1;     /* freed once */
            }
        }
    }
    g->nslots = base + top;
    free(r);
    free(splits);
    free(free_list);
}

/* Operand words of ENV, globals and constants. */
static void assign_fixed_locs(Gen *g)
{
    TCGContext *s = g->s;
    for (int t = 0; t < s->nb_temps; t++) {
        const TCGTemp *tp = &s->temps[t];
        g->pool_idx[t] = -1;
        switch (tp->kind) {
        case TEMP_ENV:
            g->loc[t] = TCI_LOC_FRAME;
            break;
        case TEMP_GLOBAL:
            g->loc[t] = (uint32_t)tp->offset << 2 | TCI_LOC_ENV;
            break;
        case TEMP_CONST:
            g->pool_idx[t] = -2;        /* added to the pool at first use */
            break;
        case TEMP_LOCAL:
            g->loc[t] = TCI_LOC_NONE;   /* unused temp */
            break;
        }
    }
}

/* ---- instructions ---- */

static void emit_ptr_aligned_op(Gen *g, uint32_t opc)
{
    /* the word after the opcode must be 8-byte aligned */
    if ((g->n & 1) == 0)
        emit(g, TCI_NOP);
    emit(g, opc);
}

static uint32_t mem_desc(Gen *g)
{
    if (g->mem_desc < 0) {
        const struct TCGGuestMemInfo *m = &g->s->mem;
        TCIMemDesc d;
        memset(&d, 0, sizeof(d));
        d.fast = m->tlb_size != 0 && (m->tlb_size & (m->tlb_size - 1)) == 0 && m->page_bits > 0 &&
                 m->page_bits < 64;
        d.tlb_offset = m->tlb_offset;
        d.mmu_stride = m->tlb_mmu_stride;
        d.tlb_mask = m->tlb_size - 1;
        d.entry_size = m->tlb_entry_size;
        d.off_read = m->off_addr_read;
        d.off_write = m->off_addr_write;
        d.off_addend = m->off_addend;
        d.page_bits = m->page_bits;
        d.load_slow = (uint64_t)(uintptr_t)m->load_slow;
        d.store_slow = (uint64_t)(uintptr_t)m->store_slow;
        g->mem_desc = (int32_t)pool_add(g, &d, sizeof(d));
    }
    return (uint32_t)g->mem_desc;
}

static void gen_call(Gen *g, const TCGOp *op)
{
    TCGHelperInfo *info = (TCGHelperInfo *)(uintptr_t)op->args[op->nb_oargs + op->nb_iargs];
    uint64_t p = (uint64_t)(uintptr_t)info;
    tci_helper_cif(info);
    emit(g, INDEX_op_call);
    if (op->nb_oargs)
        emit_temp(g, op->args[0]);
    else
        emit(g, TCI_LOC_NONE);
    emit_pool_ref(g, pool_add(g, &p, sizeof(p)), 0);
    emit(g, op->nb_iargs);
    for (int k = 0; k < op->nb_iargs; k++)
        emit_temp(g, op->args[op->nb_oargs + k]);
}

static void emit_label_ref(Gen *g, uint64_t label)
{
    g->br_fix[g->nbr][0] = g->n;
    g->br_fix[g->nbr][1] = (uint32_t)label;
    g->nbr++;
    emit(g, 0);
}

static void gen_op(Gen *g, const TCGOp *op, TCGCodeInfo *info, uint32_t base_off)
{
    int nt = op->nb_oargs + op->nb_iargs;
    switch (op->opc) {
    case INDEX_op_insn_start:
    case INDEX_op_discard:
        return;
    case INDEX_op_set_label:
        g->label_pos[op->args[0]] = (int32_t)g->n;
        return;
    case INDEX_op_br:
        emit(g, op->opc);
        emit_label_ref(g, op->args[0]);
        return;
    case INDEX_op_brcond:
        emit(g, op->opc);
        emit_temp(g, op->args[0]);
        emit_temp(g, op->args[1]);
        emit(g, (uint32_t)op->args[2]);
        emit_label_ref(g, op->args[3]);
        return;
    case INDEX_op_call:
        gen_call(g, op);
        return;
    case INDEX_op_goto_tb: {
        unsigned slot = (unsigned)op->args[0];
        emit_ptr_aligned_op(g, op->opc);
        info->jmp_insn_offset[slot] = base_off + g->n * 4;
        emit(g, 0);
        emit(g, 0);
        info->jmp_reset_offset[slot] = base_off + g->n * 4;
        return;
    }
    case INDEX_op_exit_tb:
        emit(g, op->opc);
        emit(g, (uint32_t)op->args[0]);
        emit(g, (uint32_t)(op->args[0] >> 32));
        return;
    case INDEX_op_qemu_ld:
    case INDEX_op_qemu_st:
        emit(g, op->opc);
        emit_temp(g, op->args[0]);
        emit_temp(g, op->args[1]);
        emit(g, (uint32_t)((op->args[2] & 0xff) | (op->args[3] & 0xff) << 8));
        emit_pool_ref(g, mem_desc(g), 0);
        return;
    default:
        /* temps, then the constant arguments (offsets, conditions) */
        emit(g, op->opc);
        for (int k = 0; k < nt; k++)
            emit_temp(g, op->args[k]);
        for (int k = 0; k < op->nb_cargs; k++)
            emit(g, (uint32_t)op->args[nt + k]);
        return;
    }
}

static bool finish(Gen *g)
{
    for (uint32_t i = 0; i < g->nbr; i++) {
        int32_t pos = g->label_pos[g->br_fix[i][1]];
        if (pos < 0) {
            fprintf(stderr, "tcg/tci: branch to label %u that is never set\n", g->br_fix[i][1]);
            abort();
        }
        g->code[g->br_fix[i][0]] = (uint32_t)((pos - (int32_t)g->br_fix[i][0]) * 4);
    }
    uint32_t pool_word = (g->n + 1) & ~1u;
    if (pool_word + (g->pool_len + 3) / 4 > g->cap)
        return false;
    if (pool_word > g->n)
        g->code[g->n] = TCI_NOP;
    if (g->pool_len)
        memcpy(g->code + pool_word, g->pool, g->pool_len);
    for (uint32_t i = 0; i < g->nrefs; i++) {
        const PoolRef *r = &g->refs[i];
        uint32_t rel = (pool_word - r->word) * 4 + r->off;
        uint32_t from_start = pool_word * 4 + r->off;
        g->code[r->word] = r->kind == TCI_LOC_POOL ? from_start << 2 | TCI_LOC_POOL : rel;
    }
    g->n = pool_word + (g->pool_len + 3) / 4;
    return true;
}

static bool tci_gen_code(TCGContext *s, uint8_t *buf, size_t size, TCGCodeInfo *info)
{
    uintptr_t start = ((uintptr_t)buf + 7) & ~(uintptr_t)7;
    uint32_t base_off = (uint32_t)(start - (uintptr_t)buf);
    if (size < base_off + 8)
        return false;
    size_t words = (size - base_off) / 4;
    Gen g = {
        .s = s, .code = (uint32_t *)start, .cap = words > UINT32_MAX / 8 ? UINT32_MAX / 8 : (uint32_t)words,
        .mem_desc = -1,
    };
    size_t nt = (size_t)s->nb_temps, nl = (size_t)s->nb_labels + 1;
    g.loc = malloc(sizeof(uint32_t) * nt);
    g.pool_idx = malloc(sizeof(int32_t) * nt);
    g.label_pos = malloc(sizeof(int32_t) * nl);
    g.br_fix = malloc(sizeof(*g.br_fix) * (size_t)(s->nb_ops + 1));
    if (!g.loc || !g.pool_idx || !g.label_pos || !g.br_fix)
        abort();
    for (size_t i = 0; i < nl; i++)
        g.label_pos[i] = -1;
    info->jmp_insn_offset[0] = info->jmp_insn_offset[1] = UINT32_MAX;
    info->jmp_reset_offset[0] = info->jmp_reset_offset[1] = UINT32_MAX;

    assign_fixed_locs(&g);
    assign_slots(&g);
    emit(&g, g.nslots);
    for (int i = 0; i < s->nb_ops; i++)
        gen_op(&g, &s->ops[i], info, base_off);
    bool ok = !g.overflow && finish(&g);
    if (ok)
        info->size = base_off + g.n * 4;
    free(g.loc);
    free(g.pool_idx);
    free(g.pool);
    free(g.refs);
    free(g.label_pos);
    free(g.br_fix);
    return ok;
}

static size_t tci_gen_prologue(uint8_t *buf, size_t size)
{
    static const char tag[8] = "tci";
    if (size < sizeof(tag))
        return 0;
    memcpy(buf, tag, sizeof(tag));
    return sizeof(tag);
}

static void tci_patch_jump(uint8_t *jump, const uint8_t *target)
{
    __atomic_store_n((const uint8_t **)(void *)jump, target, __ATOMIC_RELEASE);
}

static void tci_flush_icache(uint8_t *start, size_t len)
{
    (void)start;
    (void)len;
}

uintptr_t tci_exec(const uint8_t *prologue, void *env, const uint8_t *code);

const TCGBackend tcg_backend_tci = {
    .name = "tci",
    .gen_prologue = tci_gen_prologue,
    .gen_code = tci_gen_code,
    .exec = tci_exec,
    .patch_jump = tci_patch_jump,
    .flush_icache = tci_flush_icache,
    .native = false,
};
