/*
 * Guest memory access (qemu_ld/qemu_st) for the native x86-64 back end.
 *
 * Inline fast path through the software TLB described by s->mem:
 *   r10 = ((addr >> page_bits) & (tlb_size - 1)) * entry_size
 *   r11 = (addr + size - 1) & page_mask
 *   cmp r11, [env + r10 + tlb_offset + mmu_idx * stride + tag]; jne slow
 *   host = addr + [env + r10 + ... + addend]
 * The tag is compared with the address of the access's LAST byte: an
 * access that crosses into the next page misses, and since that value
 * has no bits below the page, so does every tag with a flag bit
 * (softmmu/tlb.h keeps its flags in bits 0..3, which an
 * `addr & (page_mask | (size - 1))` compare would let through for
 * unaligned addresses). Unaligned accesses inside one page stay fast.
 *
 * The slow path is emitted after the block: write back dirty globals,
 * save the live caller-saved registers, call load_slow/store_slow
 * (env, addr[, val], memop | mmu_idx << 8), restore, reread the globals
 * held in registers, and jump back.
 */
#include "tcg/x86_64/x86_64-gen.h"

#include <glib.h>

static bool is_pow2(uint64_t v)
{
    return v && !(v & (v - 1));
}

/* r *= n: a shift, lea + shift for 3/5/9 times a power of two (sizeof(TLBEntry)
 * is 48), else imul. */
static void gen_scale(X86Emit *e, int r, uint32_t n)
{
    unsigned sh = 0;
    while (!(n >> sh & 1))
        sh++;
    uint32_t k = n >> sh;
    if (k == 3 || k == 5 || k == 9) {
        x86_lea(e, r, r, r, k == 3 ? 1 : k == 5 ? 2 : 3, 0);
        x86_shift_ri(e, X86_SH_SHL, r, sh);
    } else if (k == 1) {
        x86_shift_ri(e, X86_SH_SHL, r, sh);
    } else {
        x86_imul_rri(e, r, r, (int32_t)n);
    }
}

/* Emit the TLB lookup; returns false if the layout needs the slow path always. */
static bool gen_tlb_lookup(X86Gen *g, int ra, unsigned lg, unsigned mmu_idx, bool store,
                           int32_t *addend_disp)
{
    const struct TCGGuestMemInfo *m = &g->s->mem;
    int64_t base = m->tlb_offset + (int64_t)mmu_idx * m->tlb_mmu_stride;
    int64_t tag = base + (store ? m->off_addr_write : m->off_addr_read);
    int64_t add = base + m->off_addend;
    if (!is_pow2(m->tlb_size) || m->tlb_size > (1u << 30) || m->tlb_entry_size == 0 ||
        m->tlb_entry_size > (1u << 20) || m->page_bits < 3 || m->page_bits > 30 ||
        !x86_fits_s32(tag) || !x86_fits_s32(add) || mmu_idx > 255)
        return false;
    X86Emit *e = &g->e;
    x86_mov_rr(e, X86_TMP0, ra);
    x86_shift_ri(e, X86_SH_SHR, X86_TMP0, m->page_bits);
    x86_alu_ri(e, X86_ALU_AND, X86_TMP0, (int32_t)(m->tlb_size - 1));
    gen_scale(e, X86_TMP0, m->tlb_entry_size);
    if (lg)
        x86_lea(e, X86_TMP1, ra, X86_NO_REG, 0, (1 << lg) - 1);
    else
        x86_mov_rr(e, X86_TMP1, ra);
    x86_alu_ri(e, X86_ALU_AND, X86_TMP1, (int32_t)-(INT32_C(1) << m->page_bits));
    x86_op_m(e, X86_P_W | (X86_ALU_CMP << 3 | X86_OP_ALU_R_RM), X86_TMP1,
             X86_ENV_REG, X86_TMP0, 0, (int32_t)tag);
    *addend_disp = (int32_t)add;
    return true;
}

static void add_slow(X86Gen *g, const X86SlowPath *sp)
{
    if (g->nb_slow == g->cap_slow) {
        g->cap_slow = g->cap_slow ? g->cap_slow * 2 : 8;
        g->slow = g_renew(X86SlowPath, g->slow, g->cap_slow);
    }
    g->slow[g->nb_slow++] = *sp;
}

/* Record the registers the slow path saves and restores. Every dirty global
 * goes home first (also the output's old value: the access may fault); what
 * is reloaded excludes the output and the inputs that die here. */
static void snapshot(X86Gen *g, const TCGOp *op, X86SlowPath *sp, int out_reg)
{
    sp->snap_store = sp->snap_reload = 0;
    for (int r = 0; r < 16; r++) {
        TCGv t = g->reg_temp[r];
        sp->snap[r] = t;
        if (t < 0)
            continue;
        bool keep = r != out_reg && !(op->nb_oargs && x86_arg_temp(op, 0) == t);
        for (int i = 0; i < op->nb_iargs; i++)
            if (x86_arg_temp(op, op->nb_oargs + i) == t && x86_in_dead(g, op, i))
                keep = false;
        bool clobbered = X86_REGS_CALLER_SAVED >> r & 1;
        int base;
        int32_t disp = 0;
        switch (x86_kind(g, t)) {
        case TEMP_GLOBAL:
            x86_temp_home(g, t, &base, &disp);
            if (!g->ts[t].coherent)
                sp->snap_store |= 1u << r;
            if (keep)
                sp->snap_reload |= 1u << r;
            break;
        case TEMP_LOCAL:
            if (keep && clobbered) {
                x86_temp_home(g, t, &base, &disp);
                sp->snap_store |= 1u << r;
                sp->snap_reload |= 1u << r;
            }
            break;
        default:
            if (keep && clobbered)
                sp->snap_reload |= 1u << r;
            break;
        }
        sp->snap_disp[r] = disp;
    }
}

static void gen_access(X86Gen *g, const TCGOp *op, bool store)
{
    TCGv d = store ? TCG_NO_TEMP : x86_arg_temp(op, 0);
    int ia = store ? 1 : 0;
    TCGv a = x86_arg_temp(op, op->nb_oargs + ia);
    uint64_t memop = op->args[op->nb_oargs + op->nb_iargs] & (MO_SIZE | MO_SIGN);
    uint64_t idx = op->args[op->nb_oargs + op->nb_iargs + 1];
    unsigned lg = memop & MO_SIZE;
    if (!(store ? (void *)g->s->mem.store_slow : (void *)g->s->mem.load_slow)) {
        g->failed = true;      /* the front end did not fill s->mem */
        return;
    }
    int rv = store ? x86_temp_in(g, x86_arg_temp(op, op->nb_oargs), X86_REGS_ALLOC) : -1;
    int ra = x86_temp_in(g, a, X86_REGS_ALLOC);
    if (!store)
        rv = x86_out_reg(g, d, x86_in_reusable(g, op, 0) ? ra : -1);

    X86SlowPath sp = {
        .is_store = store, .memop_idx = (uint32_t)memop | (uint32_t)(idx & 0xff) << 8,
        .addr_reg = ra, .val_reg = rv,
    };
    snapshot(g, op, &sp, store ? -1 : rv);
    int32_t addend;
    if (gen_tlb_lookup(g, ra, lg, (unsigned)idx, store, &addend)) {
        sp.jump_at = x86_jcc32(&g->e, X86_CC_NE);
        x86_load(&g->e, X86_TMP0, X86_ENV_REG, X86_TMP0, addend, 3, false);
        if (store)
            x86_store(&g->e, rv, ra, X86_TMP0, 0, lg);
        else
            x86_load(&g->e, rv, ra, X86_TMP0, 0, lg, memop & MO_SIGN);
    } else {
        sp.jump_at = x86_jmp32(&g->e);
    }
    sp.ret_pos = g->e.pos;
    add_slow(g, &sp);
    if (!store)
        x86_bind_out(g, d, rv);
}

void x86_gen_qemu_ld(X86Gen *g, const TCGOp *op)
{
    gen_access(g, op, false);
}

void x86_gen_qemu_st(X86Gen *g, const TCGOp *op)
{
    gen_access(g, op, true);
}

static void gen_slow_path(X86Gen *g, const X86SlowPath *sp)
{
    X86Emit *e = &g->e;
    const struct TCGGuestMemInfo *m = &g->s->mem;
    x86_patch_rel32(e, sp->jump_at, e->pos);
    for (int r = 0; r < 16; r++) {
        if (sp->snap_store >> r & 1)
            x86_store(e, r, x86_kind(g, sp->snap[r]) == TEMP_GLOBAL ? X86_ENV_REG : X86_RSP,
                      X86_NO_REG, sp->snap_disp[r], 3);
    }
    x86_mov_rr(e, X86_TMP0, sp->addr_reg);
    if (sp->is_store)   /* the value zero-extended from the access size, as tci passes it */
        x86_ext(e, X86_TMP1, sp->val_reg, sp->memop_idx & MO_SIZE, false);
    x86_mov_rr(e, X86_RDI, X86_ENV_REG);
    x86_mov_rr(e, X86_RSI, X86_TMP0);
    if (sp->is_store) {
        x86_mov_rr(e, X86_RDX, X86_TMP1);
        x86_mov_ri(e, X86_RCX, sp->memop_idx, false);
        x86_call_abs(e, (const void *)m->store_slow, X86_RAX);
    } else {
        x86_mov_ri(e, X86_RDX, sp->memop_idx, false);
        x86_call_abs(e, (const void *)m->load_slow, X86_RAX);
        x86_ext(e, sp->val_reg, X86_RAX, sp->memop_idx & MO_SIZE, sp->memop_idx & MO_SIGN);
    }
    for (int r = 0; r < 16; r++) {
        TCGv t = sp->snap[r];
        if (!(sp->snap_reload >> r & 1))
            continue;
        TCGTempKind k = x86_kind(g, t);
        if (k == TEMP_GLOBAL)
            x86_load(e, r, X86_ENV_REG, X86_NO_REG, sp->snap_disp[r], 3, false);
        else if (k == TEMP_LOCAL)
            x86_load(e, r, X86_RSP, X86_NO_REG, sp->snap_disp[r], 3, false);
        else
            x86_mov_ri(e, r, x86_const_val(g, t), false);
    }
    x86_patch_rel32(e, x86_jmp32(e), sp->ret_pos);
}

void x86_gen_slow_paths(X86Gen *g)
{
    for (int i = 0; i < g->nb_slow; i++)
        gen_slow_path(g, &g->slow[i]);
}
