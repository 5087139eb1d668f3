/*
 * The gdb register map: amd64 core + SSE + segment bases + a system feature
 * with the control registers and EFER, always in the same order.
 */
#include "target-x86/gdb-regs.h"

#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#include "target-x86/cpu.h"

static const char *const reg_names[GDB_NUM_REGS] = {
    "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp",
    "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
    "rip", "eflags", "cs", "ss", "ds", "es", "fs", "gs",
    "st0", "st1", "st2", "st3", "st4", "st5", "st6", "st7",
    "fctrl", "fstat", "ftag", "fiseg", "fioff", "foseg", "fooff", "fop",
    "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
    "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15",
    "mxcsr", "fs_base", "gs_base", "cr0", "cr2", "cr3", "cr4", "cr8", "efer",
};

/* gdb's order rax rbx rcx rdx rsi rdi rbp rsp -> our register numbers */
static const int gpr_index[16] = {
    R_EAX, R_EBX, R_ECX, R_EDX, R_ESI, R_EDI, R_EBP, R_ESP,
    R_R8, R_R9, R_R10, R_R11, R_R12, R_R13, R_R14, R_R15,
};
/* gdb's order cs ss ds es fs gs */
static const int seg_index[6] = { R_CS, R_SS, R_DS, R_ES, R_FS, R_GS };

const char *gdb_reg_name(int regno)
{
    return regno >= 0 && regno < GDB_NUM_REGS ? reg_names[regno] : NULL;
}

int gdb_reg_size(int regno)
{
    if (regno < 0 || regno >= GDB_NUM_REGS)
        return -1;
    if (regno < GDB_REG_RIP + 1)
        return 8;
    if (regno < GDB_REG_ST0)
        return 4;
    if (regno < GDB_REG_FCTRL)
        return 10;
    if (regno < GDB_REG_XMM0)
        return 4;
    if (regno < GDB_REG_MXCSR)
        return 16;
    if (regno == GDB_REG_MXCSR)
        return 4;
    return 8;
}

size_t gdb_regs_total_size(void)
{
    size_t n = 0;
    for (int i = 0; i < GDB_NUM_REGS; i++)
        n += (size_t)gdb_reg_size(i);
    return n;
}

static void put_le(uint8_t *buf, uint64_t v, int size)
{
    for (int i = 0; i < size; i++)
        buf[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *buf, int size)
{
    uint64_t v = 0;
    for (int i = 0; i < size && i < 8; i++)
        v |= (uint64_t)buf[i] << (8 * i);
    return v;
}

static uint64_t pc_mask(const X86CPU *cpu)
{
    return cpu->code64 ? ~0ull : 0xffffffffull;
}

/* The full x87 tag word from the abridged one and the register contents. */
static unsigned fpu_tag_word(const X86CPU *cpu)
{
    unsigned tw = 0;
    for (int r = 0; r < 8; r++) {
        unsigned tag;
        const Float80 *f = &cpu->fpu.st[r];
        unsigned exp = f->exp & 0x7fff;
        if (!(cpu->fpu.ftw & (1u << r)))
            tag = 3;
        else if (exp == 0 && f->mant == 0)
            tag = 1;
        else if (exp == 0x7fff || exp == 0 || !(f->mant >> 63))
            tag = 2;
        else
            tag = 0;
        tw |= tag << (2 * r);
    }
    return tw;
}

int gdb_reg_read(X86CPU *cpu, int regno, uint8_t *buf)
{
    int size = gdb_reg_size(regno);
    if (size < 0)
        return -1;
    uint64_t v = 0;
    if (regno < 16) {
        v = cpu->regs[gpr_index[regno]];
    } else if (regno == GDB_REG_RIP) {
        v = cpu->code64 ? cpu->rip : (cpu->seg[R_CS].base + cpu->rip) & pc_mask(cpu);
    } else if (regno == GDB_REG_EFLAGS) {
        v = x86_get_rflags(cpu);
    } else if (regno < GDB_REG_ST0) {
        v = cpu->seg[seg_index[regno - GDB_REG_CS]].selector;
    } else if (regno < GDB_REG_FCTRL) {
        const Float80 *f = &cpu->fpu.st[(cpu->fpu.top + regno - GDB_REG_ST0) & 7];
        put_le(buf, f->mant, 8);
        put_le(buf + 8, f->exp, 2);
        return size;
    } else if (regno < GDB_REG_XMM0) {
        const X87State *x = &cpu->fpu;
        switch (regno - GDB_REG_FCTRL) {
        case 0: v = x->fcw; break;
        case 1: v = (x->fsw & ~0x3800u) | ((unsigned)(x->top & 7) << 11); break;
        case 2: v = fpu_tag_word(cpu); break;
        case 3: v = x->fcs; break;
        case 4: v = x->fip; break;
        case 5: v = x->fds; break;
        case 6: v = x->fdp; break;
        default: v = x->fop; break;
        }
    } else if (regno < GDB_REG_MXCSR) {
        memcpy(buf, cpu->xmm[regno - GDB_REG_XMM0].b, 16);
        return size;
    } else {
        switch (regno) {
        case GDB_REG_MXCSR: v = cpu->mxcsr; break;
        case GDB_REG_FS_BASE: v = cpu->seg[R_FS].base; break;
        case GDB_REG_GS_BASE: v = cpu->seg[R_GS].base; break;
        case GDB_REG_CR0: v = cpu->cr0; break;
        case GDB_REG_CR2: v = cpu->cr2; break;
        case GDB_REG_CR3: v = cpu->cr3; break;
        case GDB_REG_CR4: v = cpu->cr4; break;
        case GDB_REG_CR8: v = cpu->cr8; break;
        default: v = cpu->efer; break;
        }
    }
    put_le(buf, v, size);
    return size;
}

/* Control registers go through the CPU's own checks; a value that would
 * fault is refused and the CPU state left as it was. The vCPU is parked
 * outside its execution loop, so borrowing its jmp_env is safe. */
static bool write_cr_checked(X86CPU *cpu, int cr, uint64_t v)
{
    X86CPU *saved = malloc(sizeof(*cpu));
    if (!saved)
        return false;
    memcpy(saved, cpu, sizeof(*cpu));
    bool ok;
    if (setjmp(cpu->jmp_env) == 0) {
        if (cr == 9) {
            if (!x86_wrmsr(cpu, 0xc0000080, v))
                x86_raise_exception_err(cpu, EXCP_GP, 0);
        } else {
            x86_write_cr(cpu, cr, v);
        }
        ok = true;
    } else {
        memcpy(cpu, saved, sizeof(*cpu));
        ok = false;
    }
    free(saved);
    return ok;
}

static void write_segment(X86CPU *cpu, int seg, uint16_t sel)
{
    SegmentCache *s = &cpu->seg[seg];
    if (s->selector == sel)
        return;
    /* Real mode and vm86: the base follows the selector. Protected-mode
     * descriptor loads from gdb are not supported (the value is ignored). */
    if (!(cpu->cr0 & CR0_PE) || (cpu->rflags & VM_MASK)) {
        uint64_t linear_pc = (cpu->seg[R_CS].base + cpu->rip) & 0xffffffffull;
        x86_set_seg_cache(cpu, seg, sel, (uint64_t)sel << 4, s->limit, s->attr);
        if (seg == R_CS)   /* keep the linear pc gdb sees */
            cpu->rip = (linear_pc - s->base) & 0xffff;
    }
}

int gdb_reg_write(X86CPU *cpu, int regno, const uint8_t *buf)
{
    int size = gdb_reg_size(regno);
    if (size < 0)
        return -1;
    uint64_t v = get_le(buf, size < 8 ? size : 8);
    if (regno < 16) {
        cpu->regs[gpr_index[regno]] = v;
    } else if (regno == GDB_REG_RIP) {
        cpu->rip = cpu->code64 ? v : (v - cpu->seg[R_CS].base) & (cpu->code32 ? 0xffffffffull : 0xffff);
    } else if (regno == GDB_REG_EFLAGS) {
        x86_set_rflags(cpu, v, 0x3f7fd5);
        x86_update_hflags(cpu);
    } else if (regno < GDB_REG_ST0) {
        write_segment(cpu, seg_index[regno - GDB_REG_CS], (uint16_t)v);
    } else if (regno < GDB_REG_FCTRL) {
        Float80 *f = &cpu->fpu.st[(cpu->fpu.top + regno - GDB_REG_ST0) & 7];
        f->mant = get_le(buf, 8);
        f->exp = (uint16_t)get_le(buf + 8, 2);
    } else if (regno < GDB_REG_XMM0) {
        X87State *x = &cpu->fpu;
        switch (regno - GDB_REG_FCTRL) {
        case 0: x->fcw = (uint16_t)v; break;
        case 1: x->fsw = (uint16_t)v; x->top = (v >> 11) & 7; break;
        case 2:
            x->ftw = 0;
            for (int r = 0; r < 8; r++)
                if (((v >> (2 * r)) & 3) != 3)
                    x->ftw |= (uint8_t)(1u << r);
            break;
        case 3: x->fcs = (uint16_t)v; break;
        case 4: x->fip = v; break;
        case 5: x->fds = (uint16_t)v; break;
        case 6: x->fdp = v; break;
        default: x->fop = (uint16_t)v & 0x7ff; break;
        }
    } else if (regno < GDB_REG_MXCSR) {
        memcpy(cpu->xmm[regno - GDB_REG_XMM0].b, buf, 16);
    } else {
        switch (regno) {
        case GDB_REG_MXCSR: cpu->mxcsr = (uint32_t)v & 0xffff; break;
        case GDB_REG_FS_BASE: cpu->seg[R_FS].base = v; break;
        case GDB_REG_GS_BASE: cpu->seg[R_GS].base = v; break;
        case GDB_REG_CR0: if (v != cpu->cr0 && !write_cr_checked(cpu, 0, v)) return -1; break;
        case GDB_REG_CR2: cpu->cr2 = v; break;
        case GDB_REG_CR3: if (v != cpu->cr3 && !write_cr_checked(cpu, 3, v)) return -1; break;
        case GDB_REG_CR4: if (v != cpu->cr4 && !write_cr_checked(cpu, 4, v)) return -1; break;
        case GDB_REG_CR8: if (v != cpu->cr8 && !write_cr_checked(cpu, 8, v)) return -1; break;
        default: if (v != cpu->efer && !write_cr_checked(cpu, 9, v)) return -1; break;
        }
    }
    return size;
}

/* The description of a layout: n registers, each the x86-64 register base[r]
 * (NULL: identity) named names[r] with size size_of(r). */
static char *build_xml(const char *arch, int n, const int *base, const char *const *names,
                       int (*size_of)(int))
{
    static const char head[] =
        "<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
        "<target version=\"1.0\">\n<architecture>%s</architecture>\n"
        "<feature name=\"org.gnu.gdb.i386.core\">\n"
        "<flags id=\"i386_eflags\" size=\"4\">"
        "<field name=\"CF\" start=\"0\" end=\"0\"/><field name=\"\" start=\"1\" end=\"1\"/>"
        "<field name=\"PF\" start=\"2\" end=\"2\"/><field name=\"AF\" start=\"4\" end=\"4\"/>"
        "<field name=\"ZF\" start=\"6\" end=\"6\"/><field name=\"SF\" start=\"7\" end=\"7\"/>"
        "<field name=\"TF\" start=\"8\" end=\"8\"/><field name=\"IF\" start=\"9\" end=\"9\"/>"
        "<field name=\"DF\" start=\"10\" end=\"10\"/><field name=\"OF\" start=\"11\" end=\"11\"/>"
        "<field name=\"NT\" start=\"14\" end=\"14\"/><field name=\"RF\" start=\"16\" end=\"16\"/>"
        "<field name=\"VM\" start=\"17\" end=\"17\"/><field name=\"AC\" start=\"18\" end=\"18\"/>"
        "<field name=\"VIF\" start=\"19\" end=\"19\"/><field name=\"VIP\" start=\"20\" end=\"20\"/>"
        "<field name=\"ID\" start=\"21\" end=\"21\"/></flags>\n";
    static const char sse_types[] =
        ""
        "<vector id=\"v4f\" type=\"ieee_single\" count=\"4\"/>"
        "<vector id=\"v2d\" type=\"ieee_double\" count=\"2\"/>"
        "<vector id=\"v16i8\" type=\"int8\" count=\"16\"/>"
        "<vector id=\"v8i16\" type=\"int16\" count=\"8\"/>"
        "<vector id=\"v4i32\" type=\"int32\" count=\"4\"/>"
        "<vector id=\"v2i64\" type=\"int64\" count=\"2\"/>"
        "<union id=\"vec128\"><field name=\"v4_float\" type=\"v4f\"/>"
        "<field name=\"v2_double\" type=\"v2d\"/><field name=\"v16_int8\" type=\"v16i8\"/>"
        "<field name=\"v8_int16\" type=\"v8i16\"/><field name=\"v4_int32\" type=\"v4i32\"/>"
        "<field name=\"v2_int64\" type=\"v2i64\"/><field name=\"uint128\" type=\"uint128\"/></union>\n"
        "<flags id=\"i386_mxcsr\" size=\"4\">"
        "<field name=\"IE\" start=\"0\" end=\"0\"/><field name=\"DE\" start=\"1\" end=\"1\"/>"
        "<field name=\"ZE\" start=\"2\" end=\"2\"/><field name=\"OE\" start=\"3\" end=\"3\"/>"
        "<field name=\"UE\" start=\"4\" end=\"4\"/><field name=\"PE\" start=\"5\" end=\"5\"/>"
        "<field name=\"DAZ\" start=\"6\" end=\"6\"/><field name=\"IM\" start=\"7\" end=\"7\"/>"
        "<field name=\"DM\" start=\"8\" end=\"8\"/><field name=\"ZM\" start=\"9\" end=\"9\"/>"
        "<field name=\"OM\" start=\"10\" end=\"10\"/><field name=\"UM\" start=\"11\" end=\"11\"/>"
        "<field name=\"PM\" start=\"12\" end=\"12\"/><field name=\"FZ\" start=\"15\" end=\"15\"/></flags>\n";
    GString *s = g_string_new(NULL);
    g_string_append_printf(s, head, arch);
    for (int i = 0; i < n; i++) {
        int r = base ? base[i] : i;
        const char *type = "int", *group = NULL;
        int bits = size_of(i) * 8;
        if (r == GDB_REG_XMM0) {
            g_string_append(s, "</feature>\n<feature name=\"org.gnu.gdb.i386.sse\">\n");
            g_string_append(s, sse_types);
        } else if (r == GDB_REG_FS_BASE) {
            /* gdb's i386 (Linux ABI) numbering has no slot for the segments
             * feature: there fs_base/gs_base join the system feature. */
            g_string_append_printf(s, "</feature>\n<feature name=\"%s\">\n",
                                   base ? "org.vessel.x86.system" : "org.gnu.gdb.i386.segments");
        } else if (r == GDB_REG_CR0 && !base) {
            g_string_append(s, "</feature>\n<feature name=\"org.vessel.x86.system\">\n");
        }
        if (r < 16)
            type = (r == 6 || r == 7) ? "data_ptr" : bits == 32 ? "int32" : "int64";
        else if (r == GDB_REG_RIP)
            type = "code_ptr";
        else if (r == GDB_REG_EFLAGS)
            type = "i386_eflags";
        else if (r < GDB_REG_ST0)
            type = "int32";
        else if (r < GDB_REG_FCTRL)
            type = "i387_ext";
        else if (r < GDB_REG_XMM0)
            group = "float";
        else if (r < GDB_REG_MXCSR)
            type = "vec128";
        else if (r == GDB_REG_MXCSR)
            type = "i386_mxcsr", group = "vector";
        else
            type = bits == 32 ? "int32" : "int64", group = r >= GDB_REG_CR0 ? "system" : NULL;
        g_string_append_printf(s, "<reg name=\"%s\" bitsize=\"%d\" type=\"%s\"%s%s%s/>\n",
                               names[i], bits, type, group ? " group=\"" : "",
                               group ? group : "", group ? "\"" : "");
    }
    g_string_append(s, "</feature>\n</target>\n");
    return g_string_free(s, FALSE);
}

const char *gdb_target_xml(void)
{
    static char *xml;
    if (!xml)
        xml = build_xml("i386:x86-64", GDB_NUM_REGS, NULL, reg_names, gdb_reg_size);
    return xml;
}

/* ---- the i386 layout ---- */

static const char *const i386_names[GDB_I386_NUM_REGS] = {
    "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi", "eip", "eflags",
    "cs", "ss", "ds", "es", "fs", "gs",
    "st0", "st1", "st2", "st3", "st4", "st5", "st6", "st7",
    "fctrl", "fstat", "ftag", "fiseg", "fioff", "foseg", "fooff", "fop",
    "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
    "mxcsr", "fs_base", "gs_base", "cr0", "cr2", "cr3", "cr4", "cr8", "efer",
};

/* i386 register -> the x86-64 layout's register it shows */
static const int i386_base[GDB_I386_NUM_REGS] = {
    0, 2, 3, 1, 7, 6, 4, 5, GDB_REG_RIP, GDB_REG_EFLAGS,
    18, 19, 20, 21, 22, 23,
    24, 25, 26, 27, 28, 29, 30, 31,
    32, 33, 34, 35, 36, 37, 38, 39,
    40, 41, 42, 43, 44, 45, 46, 47,
    GDB_REG_MXCSR, GDB_REG_FS_BASE, GDB_REG_GS_BASE, GDB_REG_CR0, GDB_REG_CR2, GDB_REG_CR3,
    GDB_REG_CR4, GDB_REG_CR8, GDB_REG_EFER,
};

int gdb_i386_reg_size(int regno)
{
    if (regno < 0 || regno >= GDB_I386_NUM_REGS)
        return -1;
    int full = gdb_reg_size(i386_base[regno]);
    return regno == GDB_I386_NUM_REGS - 1 ? full : full == 8 ? 4 : full;   /* efer stays 64 */
}

int gdb_i386_reg_read(X86CPU *cpu, int regno, uint8_t *buf)
{
    uint8_t full[16];
    int size = gdb_i386_reg_size(regno);
    if (size < 0 || gdb_reg_read(cpu, i386_base[regno], full) < 0)
        return -1;
    memcpy(buf, full, (size_t)size);   /* little endian: the low bytes */
    return size;
}

/* Narrow registers replace the low 32 bits and keep the rest. */
int gdb_i386_reg_write(X86CPU *cpu, int regno, const uint8_t *buf)
{
    uint8_t full[16];
    int size = gdb_i386_reg_size(regno);
    if (size < 0 || gdb_reg_read(cpu, i386_base[regno], full) < 0)
        return -1;
    memcpy(full, buf, (size_t)size);
    return gdb_reg_write(cpu, i386_base[regno], full) < 0 ? -1 : size;
}

const char *gdb_i386_target_xml(void)
{
    static char *xml;
    if (!xml)
        xml = build_xml("i386", GDB_I386_NUM_REGS, i386_base, i386_names, gdb_i386_reg_size);
    return xml;
}
