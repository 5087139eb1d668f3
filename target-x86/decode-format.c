/*
 * Rendering decoded instructions as text in Intel syntax (for -d in_asm,
 * the gdb stub and the decoder tests): mnemonic, registers, immediates and
 * memory operands.
 */
#include <stdio.h>
#include <string.h>

#include "target-x86/cpu.h"
#include "target-x86/decode.h"

static const char *const reg64[16] = {
    "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
    "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
};
static const char *const reg32[16] = {
    "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
    "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d",
};
static const char *const reg16[16] = {
    "ax", "cx", "dx", "bx", "sp", "bp", "si", "di",
    "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w",
};
static const char *const reg8_rex[16] = {
    "al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil",
    "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b",
};
static const char *const reg8_legacy[8] = { "al", "cl", "dl", "bl", "ah", "ch", "dh", "bh" };
static const char *const seg_names[6] = { "es", "cs", "ss", "ds", "fs", "gs" };

const char *x86_reg_name(int reg, unsigned size, bool rex)
{
    if (reg < 0 || reg > 15)
        return "?";
    switch (size) {
    case 1: return rex || reg >= 8 ? reg8_rex[reg] : reg8_legacy[reg];
    case 2: return reg16[reg];
    case 4: return reg32[reg];
    default: return reg64[reg];
    }
}

const char *x86_insn_mnemonic(const X86Insn *insn, char *buf, size_t len)
{
    const char *mn = insn->row ? insn->row->mnemonic : "(bad)";
    if (!strchr(mn, '/')) {
        snprintf(buf, len, "%s", mn);
        return buf;
    }
    unsigned size = (insn->row->attrs & A_ASZ) ? insn->addrsize : insn->opsize;
    unsigned pick = size == 2 ? 0 : size == 4 ? 1 : 2;
    for (unsigned i = 0; i < pick && strchr(mn, '/'); i++)
        mn = strchr(mn, '/') + 1;
    size_t n = strcspn(mn, "/");
    snprintf(buf, len, "%.*s", (int)(n < len ? n : len - 1), mn);
    return buf;
}

static const char *ptr_name(unsigned size)
{
    switch (size) {
    case 1: return "BYTE PTR ";
    case 2: return "WORD PTR ";
    case 4: return "DWORD PTR ";
    case 8: return "QWORD PTR ";
    case 6: case 10: return "FWORD PTR ";
    case 16: return "XMMWORD PTR ";
    default: return "";
    }
}

static void format_mem(const X86Insn *insn, unsigned size, char *buf, size_t len)
{
    unsigned as = insn->addrsize;
    char seg[8] = "";
    if (insn->seg_override != SEG_NONE)
        snprintf(seg, sizeof(seg), "%s:", seg_names[insn->seg_override]);
    if (insn->base < 0 && insn->index < 0 && !insn->rip_rel) {
        if (!seg[0])
            strcpy(seg, "ds:");
        uint64_t mask = as == 8 ? ~0ull : as == 4 ? 0xffffffffull : 0xffff;
        snprintf(buf, len, "%s%s0x%llx", ptr_name(size), seg,
                 (unsigned long long)((uint64_t)insn->disp & mask));
        return;
    }
    char inner[64] = "";
    size_t n = 0;
    if (insn->rip_rel)
        n += (size_t)snprintf(inner + n, sizeof(inner) - n, as == 8 ? "rip" : "eip");
    else if (insn->base >= 0)
        n += (size_t)snprintf(inner + n, sizeof(inner) - n, "%s", x86_reg_name(insn->base, as, true));
    if (insn->index >= 0 && as == 2)
        n += (size_t)snprintf(inner + n, sizeof(inner) - n, "+%s", x86_reg_name(insn->index, as, true));
    else if (insn->index >= 0)
        n += (size_t)snprintf(inner + n, sizeof(inner) - n, "%s%s*%u", n ? "+" : "",
                              x86_reg_name(insn->index, as, true), insn->scale);
    if (insn->rip_rel)
        snprintf(inner + n, sizeof(inner) - n, "+0x%llx",
                 (unsigned long long)insn->disp);
    else if (insn->disp > 0 || (insn->disp == 0 && (insn->mod == 1 || insn->mod == 2)))
        snprintf(inner + n, sizeof(inner) - n, "+0x%llx", (unsigned long long)insn->disp);
    else if (insn->disp < 0)
        snprintf(inner + n, sizeof(inner) - n, "-0x%llx", (unsigned long long)-insn->disp);
    snprintf(buf, len, "%s%s[%s]", ptr_name(size), seg, inner);
}

static uint64_t size_mask(unsigned size)
{
    return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

static void format_operand(const X86Insn *insn, unsigned i, char *buf, size_t len)
{
    const X86OperandSpec *op = &insn->row->op[i];
    unsigned size = insn->opsz[i];
    bool rex = insn->rex != 0;
    switch (op->kind) {
    case OPK_E: case OPK_M: case OPK_R: case OPK_O:
        if (insn->is_mem)
            format_mem(insn, op->kind == OPK_M && (op->size == SZ_NONE || op->size == SZ_S) ? 0 : size,
                       buf, len);
        else
            snprintf(buf, len, "%s", x86_reg_name(insn->rm, size, rex));
        break;
    case OPK_G:
        snprintf(buf, len, "%s", x86_reg_name(insn->reg, size, rex));
        break;
    case OPK_Z:
        snprintf(buf, len, "%s", x86_reg_name((insn->opcode & 7) | ((insn->rex & 1) << 3), size, rex));
        break;
    case OPK_REG:
        snprintf(buf, len, "%s", x86_reg_name(op->reg, size, rex));
        break;
    case OPK_SEG:
        snprintf(buf, len, "%s", seg_names[op->reg]);
        break;
    case OPK_S:
        snprintf(buf, len, "%s", (insn->reg & 7) < 6 ? seg_names[insn->reg & 7] : "?");
        break;
    case OPK_C: case OPK_D:
        snprintf(buf, len, "%s%u", op->kind == OPK_C ? "cr" : "db", insn->reg);
        break;
    case OPK_ONE:
        snprintf(buf, len, "1");
        break;
    case OPK_I: {
        unsigned isize = size;
        if (op->size == SZ_Z || (insn->row->attrs & A_SXI))
            isize = i > 0 ? insn->opsz[0] : insn->opsize;
        uint64_t v = i > 0 && insn->row->op[0].kind == OPK_I ? insn->imm2 : insn->imm;
        snprintf(buf, len, "0x%llx", (unsigned long long)(v & size_mask(isize)));
        break;
    }
    case OPK_J: {
        uint64_t target = insn->pc + insn->len + insn->imm;
        snprintf(buf, len, "0x%llx", (unsigned long long)(target & size_mask(insn->opsize)));
        break;
    }
    case OPK_A:
        snprintf(buf, len, "0x%llx:0x%llx", (unsigned long long)insn->imm2,
                 (unsigned long long)insn->imm);
        break;
    case OPK_X: case OPK_Y: {
        const char *base = insn->addrsize == 8 ? (op->kind == OPK_X ? "rsi" : "rdi")
                         : insn->addrsize == 4 ? (op->kind == OPK_X ? "esi" : "edi")
                         : (op->kind == OPK_X ? "si" : "di");
        int seg = op->kind == OPK_Y ? R_ES : insn->seg_override != SEG_NONE ? insn->seg_override : R_DS;
        snprintf(buf, len, "%s%s:[%s]", ptr_name(size), seg_names[seg], base);
        break;
    }
    default:
        snprintf(buf, len, "?");
    }
}

void x86_insn_format(const X86Insn *insn, char *buf, size_t len)
{
    char mn[24];
    x86_insn_mnemonic(insn, mn, sizeof(mn));
    size_t n = (size_t)snprintf(buf, len, "%s", mn);
    if (!insn->row)
        return;
    for (unsigned i = 0; i < insn->row->nops && n < len; i++) {
        char op[96];
        format_operand(insn, i, op, sizeof(op));
        n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? "," : " ", op);
    }
}

void x86_insn_format_operand(const X86Insn *insn, unsigned i, char *buf, size_t len)
{
    if (!insn->row || i >= insn->row->nops) {
        snprintf(buf, len, "%s", "");
        return;
    }
    format_operand(insn, i, buf, len);
}
