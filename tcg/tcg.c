/*
 * The IR's context: temps (ENV, globals, locals, constants), labels, the
 * op definition table and one builder per op. Back ends and passes read
 * the op list these builders append to.
 */
#include "tcg/tcg.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BB  TCG_OPF_BB_END
#define SE  TCG_OPF_SIDE_EFFECTS
#define CL  TCG_OPF_CALLS
#define DEF(op, o, i, c, f) [INDEX_op_##op] = { #op, o, i, c, f }

const TCGOpDef tcg_op_defs[INDEX_op_nb] = {
    DEF(insn_start, 0, 0, 1, SE),
    DEF(mov, 1, 1, 0, 0),
    DEF(add, 1, 2, 0, 0), DEF(sub, 1, 2, 0, 0), DEF(mul, 1, 2, 0, 0),
    DEF(and, 1, 2, 0, 0), DEF(or, 1, 2, 0, 0), DEF(xor, 1, 2, 0, 0),
    DEF(andc, 1, 2, 0, 0),
    DEF(shl, 1, 2, 0, 0), DEF(shr, 1, 2, 0, 0), DEF(sar, 1, 2, 0, 0),
    DEF(rotl, 1, 2, 0, 0), DEF(rotr, 1, 2, 0, 0),
    DEF(mulu2, 2, 2, 0, 0), DEF(muls2, 2, 2, 0, 0),
    DEF(neg, 1, 1, 0, 0), DEF(not, 1, 1, 0, 0),
    DEF(ext8s, 1, 1, 0, 0), DEF(ext8u, 1, 1, 0, 0), DEF(ext16s, 1, 1, 0, 0),
    DEF(ext16u, 1, 1, 0, 0), DEF(ext32s, 1, 1, 0, 0), DEF(ext32u, 1, 1, 0, 0),
    DEF(bswap64, 1, 1, 0, 0),
    DEF(setcond, 1, 2, 1, 0),
    DEF(movcond, 1, 4, 1, 0),
    DEF(ld8u, 1, 0, 1, 0), DEF(ld8s, 1, 0, 1, 0), DEF(ld16u, 1, 0, 1, 0),
    DEF(ld16s, 1, 0, 1, 0), DEF(ld32u, 1, 0, 1, 0), DEF(ld32s, 1, 0, 1, 0),
    DEF(ld64, 1, 0, 1, 0),
    DEF(st8, 0, 1, 1, SE), DEF(st16, 0, 1, 1, SE), DEF(st32, 0, 1, 1, SE),
    DEF(st64, 0, 1, 1, SE),
    DEF(qemu_ld, 1, 1, 2, SE | CL),
    DEF(qemu_st, 0, 2, 2, SE | CL),
    DEF(call, 0, 0, 1, SE | CL),       /* nb_oargs/nb_iargs: per op */
    DEF(br, 0, 0, 1, BB | SE),
    DEF(brcond, 0, 2, 2, BB | SE),
    DEF(set_label, 0, 0, 1, BB | SE),
    DEF(goto_tb, 0, 0, 1, BB | SE),
    DEF(exit_tb, 0, 0, 1, BB | SE),
    DEF(goto_ptr, 0, 1, 0, BB | SE),
    DEF(discard, 0, 1, 0, SE),
};

/* ---- context and temps ---- */

static TCGv temp_alloc(TCGContext *s, TCGTempKind kind)
{
    if (s->nb_temps == s->temps_cap) {
        s->temps_cap = s->temps_cap ? s->temps_cap * 2 : 256;
        s->temps = realloc(s->temps, sizeof(TCGTemp) * (size_t)s->temps_cap);
        if (!s->temps)
            abort();
    }
    TCGTemp *t = &s->temps[s->nb_temps];
    memset(t, 0, sizeof(*t));
    t->kind = kind;
    return s->nb_temps++;
}

void tcg_ctx_init(TCGContext *s)
{
    memset(s, 0, sizeof(*s));
    TCGv env = temp_alloc(s, TEMP_ENV);
    s->temps[env].name = "env";
    s->nb_globals = s->nb_temps;
}

void tcg_ctx_free(TCGContext *s)
{
    free(s->temps);
    free(s->ops);
    memset(s, 0, sizeof(*s));
}

void tcg_ctx_reset(TCGContext *s)
{
    s->nb_temps = s->nb_globals;
    s->nb_ops = 0;
    s->nb_labels = 0;
}

TCGv tcg_global(TCGContext *s, int32_t offset, const char *name)
{
    for (int i = 0; i < s->nb_globals; i++) {
        if (s->temps[i].kind == TEMP_GLOBAL && s->temps[i].offset == offset)
            return i;
    }
    /* globals come before every other temp: only between blocks */
    assert(s->nb_temps == s->nb_globals);
    TCGv t = temp_alloc(s, TEMP_GLOBAL);
    s->temps[t].offset = offset;
    s->temps[t].name = name;
    s->nb_globals = s->nb_temps;
    return t;
}

TCGv tcg_temp_new(TCGContext *s)
{
    return temp_alloc(s, TEMP_LOCAL);
}

TCGv tcg_constant(TCGContext *s, uint64_t val)
{
    TCGv t = temp_alloc(s, TEMP_CONST);
    s->temps[t].val = val;
    return t;
}

int tcg_new_label(TCGContext *s)
{
    return s->nb_labels++;
}

/* ---- ops ---- */

static TCGOp *op_append(TCGContext *s, TCGOpcode opc, int no, int ni, int nc)
{
    assert(no + ni + nc <= TCG_MAX_OP_ARGS);
    if (s->nb_ops == s->ops_cap) {
        s->ops_cap = s->ops_cap ? s->ops_cap * 2 : 256;
        s->ops = realloc(s->ops, sizeof(TCGOp) * (size_t)s->ops_cap);
        if (!s->ops)
            abort();
    }
    TCGOp *op = &s->ops[s->nb_ops++];
    memset(op, 0, sizeof(*op));
    op->opc = (uint16_t)opc;
    op->nb_oargs = (uint8_t)no;
    op->nb_iargs = (uint8_t)ni;
    op->nb_cargs = (uint8_t)nc;
    return op;
}

void tcg_gen_op(TCGContext *s, TCGOpcode opc, const uint64_t *args, int nargs)
{
    const TCGOpDef *def = &tcg_op_defs[opc];
    assert(opc != INDEX_op_call);
    assert(nargs == def->nb_oargs + def->nb_iargs + def->nb_cargs);
    TCGOp *op = op_append(s, opc, def->nb_oargs, def->nb_iargs, def->nb_cargs);
    memcpy(op->args, args, sizeof(uint64_t) * (size_t)nargs);
}

#define GEN(opc, ...) do { \
        const uint64_t a_[] = { __VA_ARGS__ }; \
        tcg_gen_op(s, opc, a_, (int)(sizeof(a_) / sizeof(a_[0]))); \
    } while (0)

/* Temps are stored in the args as their index (never -1 in an op). */
#define T(v) ((uint64_t)(uint32_t)(v))

void tcg_gen_insn_start(TCGContext *s, uint64_t pc) { GEN(INDEX_op_insn_start, pc); }
void tcg_gen_mov(TCGContext *s, TCGv d, TCGv a) { GEN(INDEX_op_mov, T(d), T(a)); }
void tcg_gen_movi(TCGContext *s, TCGv d, uint64_t v) { tcg_gen_mov(s, d, tcg_constant(s, v)); }

void tcg_gen_binop(TCGContext *s, TCGOpcode opc, TCGv d, TCGv a, TCGv b)
{
    assert(tcg_op_defs[opc].nb_oargs == 1 && tcg_op_defs[opc].nb_iargs == 2 &&
           tcg_op_defs[opc].nb_cargs == 0);
    GEN(opc, T(d), T(a), T(b));
}

void tcg_gen_add(TCGContext *s, TCGv d, TCGv a, TCGv b) { tcg_gen_binop(s, INDEX_op_add, d, a, b); }
void tcg_gen_sub(TCGContext *s, TCGv d, TCGv a, TCGv b) { tcg_gen_binop(s, INDEX_op_sub, d, a, b); }
void tcg_gen_and(TCGContext *s, TCGv d, TCGv a, TCGv b) { tcg_gen_binop(s, INDEX_op_and, d, a, b); }
void tcg_gen_or(TCGContext *s, TCGv d, TCGv a, TCGv b) { tcg_gen_binop(s, INDEX_op_or, d, a, b); }
void tcg_gen_xor(TCGContext *s, TCGv d, TCGv a, TCGv b) { tcg_gen_binop(s, INDEX_op_xor, d, a, b); }

void tcg_gen_addi(TCGContext *s, TCGv d, TCGv a, uint64_t v)
{
    tcg_gen_add(s, d, a, tcg_constant(s, v));
}

void tcg_gen_andi(TCGContext *s, TCGv d, TCGv a, uint64_t v)
{
    tcg_gen_and(s, d, a, tcg_constant(s, v));
}

void tcg_gen_shli(TCGContext *s, TCGv d, TCGv a, unsigned n)
{
    tcg_gen_binop(s, INDEX_op_shl, d, a, tcg_constant(s, n & 63));
}

void tcg_gen_shri(TCGContext *s, TCGv d, TCGv a, unsigned n)
{
    tcg_gen_binop(s, INDEX_op_shr, d, a, tcg_constant(s, n & 63));
}

void tcg_gen_sari(TCGContext *s, TCGv d, TCGv a, unsigned n)
{
    tcg_gen_binop(s, INDEX_op_sar, d, a, tcg_constant(s, n & 63));
}

void tcg_gen_unop(TCGContext *s, TCGOpcode opc, TCGv d, TCGv a)
{
    assert(tcg_op_defs[opc].nb_oargs == 1 && tcg_op_defs[opc].nb_iargs == 1 &&
           tcg_op_defs[opc].nb_cargs == 0);
    GEN(opc, T(d), T(a));
}

void tcg_gen_mul2(TCGContext *s, TCGOpcode opc, TCGv lo, TCGv hi, TCGv a, TCGv b)
{
    assert(opc == INDEX_op_mulu2 || opc == INDEX_op_muls2);
    GEN(opc, T(lo), T(hi), T(a), T(b));
}

void tcg_gen_setcond(TCGContext *s, TCGCond c, TCGv d, TCGv a, TCGv b)
{
    GEN(INDEX_op_setcond, T(d), T(a), T(b), (uint64_t)c);
}

void tcg_gen_movcond(TCGContext *s, TCGCond c, TCGv d, TCGv a, TCGv b, TCGv v1, TCGv v2)
{
    GEN(INDEX_op_movcond, T(d), T(a), T(b), T(v1), T(v2), (uint64_t)c);
}

void tcg_gen_ld(TCGContext *s, TCGOpcode opc, TCGv d, int32_t offset)
{
    assert(opc >= INDEX_op_ld8u && opc <= INDEX_op_ld64);
    GEN(opc, T(d), (uint64_t)(int64_t)offset);
}

void tcg_gen_st(TCGContext *s, TCGOpcode opc, TCGv a, int32_t offset)
{
    assert(opc >= INDEX_op_st8 && opc <= INDEX_op_st64);
    GEN(opc, T(a), (uint64_t)(int64_t)offset);
}

void tcg_gen_qemu_ld(TCGContext *s, TCGv d, TCGv addr, TCGMemOp mop, int mmu_idx)
{
    GEN(INDEX_op_qemu_ld, T(d), T(addr), (uint64_t)mop, (uint64_t)mmu_idx);
}

void tcg_gen_qemu_st(TCGContext *s, TCGv val, TCGv addr, TCGMemOp mop, int mmu_idx)
{
    GEN(INDEX_op_qemu_st, T(val), T(addr), (uint64_t)mop, (uint64_t)mmu_idx);
}

void tcg_gen_call(TCGContext *s, TCGHelperInfo *info, TCGv d, const TCGv *args)
{
    int no = d != TCG_NO_TEMP;
    assert(info->nargs <= TCG_MAX_CALL_ARGS);
    assert(!no || info->ret != TCG_TYPE_VOID);
    TCGOp *op = op_append(s, INDEX_op_call, no, info->nargs, 1);
    int n = 0;
    if (no)
        op->args[n++] = T(d);
    for (int i = 0; i < info->nargs; i++)
        op->args[n++] = T(args[i]);
    op->args[n] = (uint64_t)(uintptr_t)info;
}

void tcg_gen_br(TCGContext *s, int label) { GEN(INDEX_op_br, (uint64_t)label); }

void tcg_gen_brcond(TCGContext *s, TCGCond c, TCGv a, TCGv b, int label)
{
    GEN(INDEX_op_brcond, T(a), T(b), (uint64_t)c, (uint64_t)label);
}

void tcg_gen_set_label(TCGContext *s, int label) { GEN(INDEX_op_set_label, (uint64_t)label); }
void tcg_gen_goto_tb(TCGContext *s, unsigned slot) { assert(slot < 2); GEN(INDEX_op_goto_tb, slot); }
void tcg_gen_exit_tb(TCGContext *s, uintptr_t val) { GEN(INDEX_op_exit_tb, (uint64_t)val); }
void tcg_gen_goto_ptr(TCGContext *s, TCGv host_addr) { GEN(INDEX_op_goto_ptr, T(host_addr)); }
void tcg_gen_discard(TCGContext *s, TCGv a) { GEN(INDEX_op_discard, T(a)); }

/* ---- helpers shared by passes and back ends ---- */

static uint64_t rotl64(uint64_t a, unsigned n)
{
    n &= 63;
    return n ? (a << n) | (a >> (64 - n)) : a;
}

bool tcg_op_eval(TCGOpcode opc, uint64_t a, uint64_t b, uint64_t *d)
{
    uint64_t r;
    switch (opc) {
    case INDEX_op_mov: r = a; break;
    case INDEX_op_add: r = a + b; break;
    case INDEX_op_sub: r = a - b; break;
    case INDEX_op_mul: r = a * b; break;
    case INDEX_op_and: r = a & b; break;
    case INDEX_op_or: r = a | b; break;
    case INDEX_op_xor: r = a ^ b; break;
    case INDEX_op_andc: r = a & ~b; break;
    case INDEX_op_shl: r = a << (b & 63); break;
    case INDEX_op_shr: r = a >> (b & 63); break;
    case INDEX_op_sar: r = (uint64_t)((int64_t)a >> (b & 63)); break;
    case INDEX_op_rotl: r = rotl64(a, (unsigned)b); break;
    case INDEX_op_rotr: r = rotl64(a, (unsigned)(64 - (b & 63))); break;
    case INDEX_op_neg: r = -a; break;
    case INDEX_op_not: r = ~a; break;
    case INDEX_op_ext8s: r = (uint64_t)(int64_t)(int8_t)a; break;
    case INDEX_op_ext8u: r = (uint8_t)a; break;
    case INDEX_op_ext16s: r = (uint64_t)(int64_t)(int16_t)a; break;
    case INDEX_op_ext16u: r = (uint16_t)a; break;
    case INDEX_op_ext32s: r = (uint64_t)(int64_t)(int32_t)a; break;
    case INDEX_op_ext32u: r = (uint32_t)a; break;
    case INDEX_op_bswap64: r = __builtin_bswap64(a); break;
    default: return false;
    }
    *d = r;
    return true;
}

void tcg_mul2_eval(TCGOpcode opc, uint64_t a, uint64_t b, uint64_t *lo, uint64_t *hi)
{
    /* schoolbook on 32-bit halves: no 128-bit type needed */
    uint64_t al = (uint32_t)a, ah = a >> 32, bl = (uint32_t)b, bh = b >> 32;
    uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
    uint64_t mid = (ll >> 32) + (uint32_t)lh + (uint32_t)hl;
    uint64_t h = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
    if (opc == INDEX_op_muls2) {
        /* signed = unsigned product minus the other operand for each negative one */
        if ((int64_t)a < 0)
            h -= b;
        if ((int64_t)b < 0)
            h -= a;
    }
    *lo = a * b;
    *hi = h;
}
