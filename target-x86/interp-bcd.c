/*
 * Decimal arithmetic on AL/AX: DAA DAS AAA AAS AAM AAD (invalid in 64-bit
 * mode, rejected by the decoder). Undefined flags: OF cleared, SF/ZF/PF
 * from AL where the manual leaves them undefined.
 */
#include "target-x86/interp.h"

static void set_al(X86CPU *cpu, uint64_t al) { reg_write(cpu, R_EAX, 1, al, false); }
static uint8_t get_al(X86CPU *cpu) { return (uint8_t)cpu->regs[R_EAX]; }

static void bcd_flags(X86CPU *cpu, uint8_t al, bool cf, bool af)
{
    cc_set_flags(cpu, cc_flags_szp(al, 1) | (cf ? CC_C : 0) | (af ? CC_A : 0));
}

void h_daa(X86CPU *cpu, const X86Insn *insn)
{
    uint32_t f = cc_compute_all(cpu);
    uint8_t old_al = get_al(cpu), al = old_al;
    bool old_cf = f & CC_C, cf = false, af = false;
    if ((al & 0xf) > 9 || (f & CC_A)) {
        cf = old_cf || al > 0xf9;
        al += 6;
        af = true;
    }
    if (old_al > 0x99 || old_cf) {
        al += 0x60;
        cf = true;
    } else {
        cf = false;
    }
    set_al(cpu, al);
    bcd_flags(cpu, al, cf, af);
}

void h_das(X86CPU *cpu, const X86Insn *insn)
{
    uint32_t f = cc_compute_all(cpu);
    uint8_t old_al = get_al(cpu), al = old_al;
    bool old_cf = f & CC_C, cf = false, af = false;
    if ((al & 0xf) > 9 || (f & CC_A)) {
        cf = old_cf || al < 6;
        al -= 6;
        af = true;
    }
    if (old_al > 0x99 || old_cf) {
        al -= 0x60;
        cf = true;
    }
    set_al(cpu, al);
    bcd_flags(cpu, al, cf, af);
}

void h_aaa(X86CPU *cpu, const X86Insn *insn)
{
    uint32_t f = cc_compute_all(cpu);
    uint16_t ax = (uint16_t)cpu->regs[R_EAX];
    bool adjust = (ax & 0xf) > 9 || (f & CC_A);
    if (adjust)
        ax += 0x106;
    ax &= 0xff0f;
    reg_write(cpu, R_EAX, 2, ax, false);
    bcd_flags(cpu, (uint8_t)ax, adjust, adjust);
}

void h_aas(X86CPU *cpu, const X86Insn *insn)
{
    uint32_t f = cc_compute_all(cpu);
    uint16_t ax = (uint16_t)cpu->regs[R_EAX];
    bool adjust = (ax & 0xf) > 9 || (f & CC_A);
    if (adjust)
        ax = (uint16_t)(ax - 6 - 0x100);   /* AX -= 6 (borrow into AH), then AH -= 1 */
    ax &= 0xff0f;
    reg_write(cpu, R_EAX, 2, ax, false);
    bcd_flags(cpu, (uint8_t)ax, adjust, adjust);
}

void h_aam(X86CPU *cpu, const X86Insn *insn)
{
    uint8_t base = (uint8_t)insn->imm, al = get_al(cpu);
    if (base == 0)
        x86_raise_exception(cpu, EXCP_DE);
    uint8_t q = al / base, r = al % base;
    reg_write(cpu, R_EAX, 2, ((uint16_t)q << 8) | r, false);
    bcd_flags(cpu, r, false, false);
}

void h_aad(X86CPU *cpu, const X86Insn *insn)
{
    uint8_t base = (uint8_t)insn->imm;
    uint8_t al = get_al(cpu), ah = (uint8_t)(cpu->regs[R_EAX] >> 8);
    uint8_t res = (uint8_t)(al + ah * base);
    reg_write(cpu, R_EAX, 2, res, false);
    bcd_flags(cpu, res, false, false);
}
