/*
 * Guest memory in translated code: effective and linear addresses in
 * 64-bit mode and in flat 32-bit mode (X86_TB_FLAT), the stack pointer
 * arithmetic, guest loads/stores (the back end's inline TLB path) and
 * their slow paths, which do what the interpreter's accesses do:
 * segment-limit / canonical checks, paging, #PF with its error code and
 * CR2, device memory.
 */
#include "accel/debug.h"
#include "target-x86/cpu-internal.h"
#include "target-x86/translate-internal.h"

/* ---- addresses ---- */

bool tr_mem_ok(DisasContext *ctx)
{
    if (ctx->slowmem)
        return false;
    if (ctx->code64)
        return true;
    int seg = ctx->insn->seg;
    return ctx->flat && (seg == R_DS || seg == R_ES || seg == R_SS);
}

static unsigned log2_scale(unsigned scale)
{
    return scale == 8 ? 3 : scale == 4 ? 2 : scale == 2 ? 1 : 0;
}

TCGv tr_ea(DisasContext *ctx)
{
    const X86Insn *insn = ctx->insn;
    TCGContext *s = ctx->s;
    uint64_t disp = (uint64_t)insn->disp + (insn->rip_rel ? ctx->next_pc : 0);
    TCGv ea = tr_temp(ctx);
    if (insn->base >= 0)
        tcg_gen_addi(s, ea, ctx->g.regs[insn->base], disp);
    else
        tcg_gen_movi(s, ea, disp);
    if (insn->index >= 0) {
        TCGv t = tr_temp(ctx);
        tcg_gen_shli(s, t, ctx->g.regs[insn->index], log2_scale(insn->scale));
        tcg_gen_add(s, ea, ea, t);
    }
    if (insn->addrsize == 4)
        tcg_gen_unop(s, INDEX_op_ext32u, ea, ea);
    else if (insn->addrsize == 2)
        tcg_gen_unop(s, INDEX_op_ext16u, ea, ea);
    return ea;
}

TCGv tr_linear(DisasContext *ctx)
{
    TCGv ea = tr_ea(ctx);
    int seg = ctx->insn->seg;
    if (ctx->code64 && (seg == R_FS || seg == R_GS)) {
        TCGv base = tr_temp(ctx);
        tcg_gen_ld(ctx->s, INDEX_op_ld64, base,
                   (int32_t)(offsetof(X86CPU, seg) + (size_t)seg * sizeof(SegmentCache) +
                             offsetof(SegmentCache, base)));
        tcg_gen_add(ctx->s, ea, ea, base);
    }
    return ea;
}

static TCGMemOp memop_of(unsigned size)
{
    return size == 1 ? MO_8 : size == 2 ? MO_16 : size == 4 ? MO_32 : MO_64;
}

TCGv tr_load(DisasContext *ctx, TCGv addr, unsigned size)
{
    TCGv v = tr_temp(ctx);
    tr_mark_start(ctx);
    tcg_gen_qemu_ld(ctx->s, v, addr, memop_of(size), ctx->mmu_idx);
    return v;
}

void tr_store(DisasContext *ctx, TCGv addr, TCGv v, unsigned size)
{
    tr_mark_start(ctx);
    tcg_gen_qemu_st(ctx->s, v, addr, memop_of(size), ctx->mmu_idx);
}

/* ---- the stack ---- */

bool tr_stack_ok(DisasContext *ctx, unsigned size)
{
    if (ctx->slowmem || (size != 2 && size != 4 && size != 8))
        return false;
    return ctx->code64 || (ctx->flat && (ctx->flags & X86_TB_STACK32));
}

TCGv tr_sp_offset(DisasContext *ctx, int64_t delta)
{
    TCGv sp = tr_temp(ctx);
    tcg_gen_addi(ctx->s, sp, ctx->g.regs[R_ESP], (uint64_t)delta);
    if (!ctx->code64)
        tcg_gen_unop(ctx->s, INDEX_op_ext32u, sp, sp);
    return sp;
}

void tr_set_rsp(DisasContext *ctx, TCGv sp)
{
    TCGContext *s = ctx->s;
    TCGv rsp = ctx->g.regs[R_ESP];
    if (ctx->code64) {
        tcg_gen_mov(s, rsp, sp);
        return;
    }
    TCGv lo = tr_temp(ctx);
    tcg_gen_unop(s, INDEX_op_ext32u, lo, sp);
    tcg_gen_andi(s, rsp, rsp, ~0xffffffffull);
    tcg_gen_or(s, rsp, rsp, lo);
}

/* ---- slow paths ---- */

/* The segment of the current instruction's access, for the vector of a
 * limit / canonical fault (#SS for the stack, else #GP): decoded again
 * from its bytes (only on that fault). */
static uint8_t fault_fetch(void *opaque, uint64_t pc, unsigned index)
{
    X86CPU *cpu = opaque;
    uint64_t off = pc + index;
    if (!cpu->code64)
        off &= cpu->code32 ? 0xffffffffull : 0xffff;
    return x86_fetch_byte(cpu, off);
}

static int fault_seg(X86CPU *cpu)
{
    X86Insn insn;
    X86DecodeMode mode = { .code64 = cpu->code64, .code32 = cpu->code32, .features = ~0ull };
    if (x86_decode(&insn, &mode, fault_fetch, cpu, cpu->insn_start_rip) != DEC_OK)
        return R_DS;
    X86Handler h = insn.row->handler;
    if (h == h_push || h == h_pop || h == h_call || h == h_ret)
        return R_SS;   /* the stack forms translate-branch.c handles */
    return insn.seg;
}

/* The checks x86_seg_linear makes on a translated access (the others
 * cannot fail there): the canonical form in 64-bit mode, the 4 GiB limit
 * of the flat segments. */
static void seg_check(X86CPU *cpu, uint64_t lin, unsigned size)
{
    bool ok = cpu->code64 ? x86_is_canonical(lin) && x86_is_canonical(lin + size - 1)
                          : lin + size - 1 <= 0xffffffffull;
    if (!ok)
        x86_raise_exception_err(cpu, fault_seg(cpu) == R_SS ? EXCP_SS : EXCP_GP, 0);
}

static uint64_t load_slow(void *env, uint64_t addr, uint32_t memop_idx)
{
    X86CPU *cpu = env;
    unsigned size = 1u << (memop_idx & MO_SIZE);
    seg_check(cpu, addr, size);
    /* DS: no base in 64-bit mode (FS/GS bases are in addr), flat otherwise */
    uint64_t v = x86_read(cpu, R_DS, addr, size);
    /* gdb watchpoints: their pages carry TLB_WATCH, so the inline fast path
     * sends every access to them here (blocks are one instruction long
     * while watchpoints exist: the stop comes right after it) */
    if (atomic_load_explicit(&debug_watch_active, memory_order_relaxed))
        debug_check_access(cpu, addr, size, false);
    if (memop_idx & MO_SIGN)
        v = (uint64_t)sext(v, size);
    return v;
}

static void store_slow(void *env, uint64_t addr, uint64_t val, uint32_t memop_idx)
{
    X86CPU *cpu = env;
    unsigned size = 1u << (memop_idx & MO_SIZE);
    seg_check(cpu, addr, size);
    x86_write(cpu, R_DS, addr, val, size);
    if (atomic_load_explicit(&debug_watch_active, memory_order_relaxed))
        debug_check_access(cpu, addr, size, true);
}

void tr_mem_init(TCGContext *s)
{
    s->mem.tlb_offset = (int32_t)offsetof(X86CPU, tlb.e);
    s->mem.tlb_mmu_stride = (int32_t)sizeof(((CPUTLB *)0)->e[0]);
    s->mem.tlb_size = TLB_SIZE;
    s->mem.tlb_entry_size = sizeof(TLBEntry);
    s->mem.off_addr_read = offsetof(TLBEntry, addr_read);
    s->mem.off_addr_write = offsetof(TLBEntry, addr_write);
    s->mem.off_addend = offsetof(TLBEntry, addend);
    s->mem.page_bits = TARGET_PAGE_BITS;
    s->mem.load_slow = load_slow;
    s->mem.store_slow = store_slow;
}
