/*
 * Bit instructions: BT BTS BTR BTC (register offsets address a bit
 * string in memory), BSF BSR, TZCNT LZCNT POPCNT.
 */
#include "target-x86/interp.h"

enum { BT_TEST, BT_SET, BT_RESET, BT_COMPLEMENT };

static void set_flags_keep(X86CPU *cpu, uint32_t clear, uint32_t set)
{
    cc_set_flags(cpu, (cc_compute_all(cpu) & ~clear) | set);
}

static void bit_op(X86CPU *cpu, const X86Insn *insn, int kind)
{
    unsigned size = insn->opsz[0], bits = size * 8;
    bool imm = insn->row->op[1].kind == OPK_I;
    uint64_t off = imm ? insn->imm & 0xff : opnd_read(cpu, insn, 1);
    unsigned bit = (unsigned)(off & (bits - 1));
    uint64_t v, ea = 0;
    if (insn->is_mem) {
        ea = insn_ea(cpu, insn);
        if (!imm)   /* signed bit offset: whole operand-size units before/after */
            ea = (ea + (uint64_t)((sext(off, size) >> __builtin_ctz(bits)) * (int64_t)size)) &
                 addr_mask(insn->addrsize);
        v = mem_read(cpu, insn->seg, ea, size);
    } else {
        v = greg(cpu, insn, insn->rm, size);
    }
    bool cf = (v >> bit) & 1;
    uint64_t nv = v;
    switch (kind) {
    case BT_SET: nv |= 1ull << bit; break;
    case BT_RESET: nv &= ~(1ull << bit); break;
    case BT_COMPLEMENT: nv ^= 1ull << bit; break;
    default: break;
    }
    if (kind != BT_TEST) {
        if (insn->is_mem)
            mem_write(cpu, insn->seg, ea, nv, size);
        else
            set_greg(cpu, insn, insn->rm, size, nv);
    }
    set_flags_keep(cpu, CC_C, cf ? CC_C : 0);
}

void h_bt(X86CPU *cpu, const X86Insn *insn) { bit_op(cpu, insn, BT_TEST); }
void h_bts(X86CPU *cpu, const X86Insn *insn) { bit_op(cpu, insn, BT_SET); }
void h_btr(X86CPU *cpu, const X86Insn *insn) { bit_op(cpu, insn, BT_RESET); }
void h_btc(X86CPU *cpu, const X86Insn *insn) { bit_op(cpu, insn, BT_COMPLEMENT); }

/* BSF/BSR: source 0 sets ZF and leaves the destination unchanged. */
void h_bsf(X86CPU *cpu, const X86Insn *insn)
{
    uint64_t src = opnd_read(cpu, insn, 1);
    if (src)
        opnd_write(cpu, insn, 0, (uint64_t)__builtin_ctzll(src));
    set_flags_keep(cpu, CC_Z, src ? 0 : CC_Z);
}

void h_bsr(X86CPU *cpu, const X86Insn *insn)
{
    uint64_t src = opnd_read(cpu, insn, 1);
    if (src)
        opnd_write(cpu, insn, 0, (uint64_t)(63 - __builtin_clzll(src)));
    set_flags_keep(cpu, CC_Z, src ? 0 : CC_Z);
}

void h_tzcnt(X86CPU *cpu, const X86Insn *insn)
{
    unsigned size = insn->opsz[0];
    uint64_t src = opnd_read(cpu, insn, 1);
    uint64_t n = src ? (uint64_t)__builtin_ctzll(src) : size * 8;
    opnd_write(cpu, insn, 0, n);
    set_flags_keep(cpu, CC_C | CC_Z, (src ? 0 : CC_C) | (n ? 0 : CC_Z));
}

void h_lzcnt(X86CPU *cpu, const X86Insn *insn)
{
    unsigned size = insn->opsz[0];
    uint64_t src = opnd_read(cpu, insn, 1);
    uint64_t n = src ? (uint64_t)(__builtin_clzll(src) - (64 - 8 * size)) : size * 8;
    opnd_write(cpu, insn, 0, n);
    set_flags_keep(cpu, CC_C | CC_Z, (src ? 0 : CC_C) | (n ? 0 : CC_Z));
}

void h_popcnt(X86CPU *cpu, const X86Insn *insn)
{
    uint64_t src = opnd_read(cpu, insn, 1);
    opnd_write(cpu, insn, 0, (uint64_t)__builtin_popcountll(src));
    cc_set_flags(cpu, src ? 0 : CC_Z);
}
