/*
 * The x86 decoder: builds per-(map, opcode) lookup lists from the rows of
 * insn-table.def, then decodes prefixes, REX, opcode, ModRM/SIB/disp and
 * immediates into an X86Insn, reading bytes through a fetch callback.
 */
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "target-x86/cpu.h"
#include "target-x86/decode.h"
#include "target-x86/interp.h"

/* ---- the table ---- */

#define _ (-1)
#define M1 MAP_1B
#define M0F MAP_0F
#define M38 MAP_0F38
#define M3A MAP_0F3A
#define ANY PFX_ANY
#define OSZAPC CC_ALL
#define OSZAP (CC_ALL & ~CC_C)
#define OC (CC_O | CC_C)
#define C CC_C
#define Z CC_Z
#define D 0

static X86InsnRow rows[] = {
#define X(map_, opc_, reg_, rm_, pfx_, mod_, mn_, ops_, feat_, attrs_, fr_, fw_, h_) \
    { .map = (map_), .opcode = (opc_), .reg = (reg_), .rm = (rm_), .prefix = (pfx_),  \
      .mod = (mod_), .mnemonic = (mn_), .operands = (ops_), .feature = (feat_),       \
      .attrs = (attrs_), .flags_read = (fr_), .flags_written = (fw_), .handler = h_ },
#include "target-x86/insn-table.def"
#include "target-x86/insn-table-x87.def"
#include "target-x86/insn-table-sse.def"
#undef X
};

#undef _
#undef C
#undef Z
#undef D

#define NB_ROWS (sizeof(rows) / sizeof(rows[0]))

/* rows of each (map, opcode), in table order */
static uint16_t row_start[NB_MAPS * 256 + 1];
static uint16_t row_index[NB_ROWS];
static bool opcode_has_modrm[NB_MAPS * 256];

const X86InsnRow *x86_insn_rows(size_t *count)
{
    x86_decode_init();
    *count = NB_ROWS;
    return rows;
}

/* ---- operand notation parsing ---- */

static const struct { const char *name; uint8_t kind, size; int8_t reg; } fixed_operands[] = {
    { "AL", OPK_REG, SZ_B, R_EAX }, { "CL", OPK_REG, SZ_B, R_ECX },
    { "DX", OPK_REG, SZ_W, R_EDX }, { "AX", OPK_REG, SZ_W, R_EAX },
    { "eAX", OPK_REG, SZ_Z, R_EAX }, { "rAX", OPK_REG, SZ_V, R_EAX },
    { "ES", OPK_SEG, SZ_W, R_ES }, { "CS", OPK_SEG, SZ_W, R_CS },
    { "SS", OPK_SEG, SZ_W, R_SS }, { "DS", OPK_SEG, SZ_W, R_DS },
    { "FS", OPK_SEG, SZ_W, R_FS }, { "GS", OPK_SEG, SZ_W, R_GS },
    { "1", OPK_ONE, SZ_B, -1 },
};

static const char kind_letters[] = "EGMRIJOASCDXYZVWUPQN";
static const uint8_t kind_of_letter[] = {
    OPK_E, OPK_G, OPK_M, OPK_R, OPK_I, OPK_J, OPK_O, OPK_A, OPK_S, OPK_C,
    OPK_D, OPK_X, OPK_Y, OPK_Z, OPK_V, OPK_W, OPK_U, OPK_P, OPK_Q, OPK_N,
};

static const struct { const char *name; uint8_t size; } size_names[] = {
    { "", SZ_NONE }, { "b", SZ_B }, { "w", SZ_W }, { "d", SZ_D }, { "q", SZ_Q },
    { "v", SZ_V }, { "z", SZ_Z }, { "y", SZ_Y }, { "p", SZ_P }, { "s", SZ_S },
    { "a", SZ_A }, { "dq", SZ_DQ }, { "ps", SZ_PS }, { "pd", SZ_PD }, { "ss", SZ_SS },
    { "sd", SZ_SD }, { "x", SZ_X }, { "wv", SZ_WV }, { "qo", SZ_QO },
};

static bool parse_size(const char *s, size_t n, uint8_t *size)
{
    for (size_t i = 0; i < sizeof(size_names) / sizeof(size_names[0]); i++) {
        if (strlen(size_names[i].name) == n && !strncmp(size_names[i].name, s, n)) {
            *size = size_names[i].size;
            return true;
        }
    }
    return false;
}

static bool parse_operand(const char *s, size_t n, X86OperandSpec *op)
{
    for (size_t i = 0; i < sizeof(fixed_operands) / sizeof(fixed_operands[0]); i++) {
        if (strlen(fixed_operands[i].name) == n && !strncmp(fixed_operands[i].name, s, n)) {
            op->kind = fixed_operands[i].kind;
            op->size = fixed_operands[i].size;
            op->reg = fixed_operands[i].reg;
            return true;
        }
    }
    const char *k = strchr(kind_letters, s[0]);
    if (!k || !s[0])
        return false;
    op->kind = kind_of_letter[k - kind_letters];
    op->reg = -1;
    return parse_size(s + 1, n - 1, &op->size);
}

static bool kind_uses_modrm(uint8_t kind)
{
    switch (kind) {
    case OPK_E: case OPK_G: case OPK_M: case OPK_R: case OPK_S: case OPK_C: case OPK_D:
    case OPK_V: case OPK_W: case OPK_U: case OPK_P: case OPK_Q: case OPK_N:
        return true;
    default:
        return false;
    }
}

static void parse_row(X86InsnRow *r)
{
    const char *s = r->operands;
    r->nops = 0;
    r->has_modrm = r->reg >= 0 || r->mod != MOD_ANY;
    while (*s && r->nops < X86_MAX_OPERANDS) {
        size_t n = strcspn(s, ",");
        X86OperandSpec *op = &r->op[r->nops++];
        if (!parse_operand(s, n, op)) {
            fprintf(stderr, "insn-table: bad operand '%.*s' in %s %s\n", (int)n, s,
                    r->mnemonic, r->operands);
            abort();
        }
        if (kind_uses_modrm(op->kind))
            r->has_modrm = true;
        s += n;
        if (*s == ',')
            s++;
    }
}

static void build_tables(void)
{
    for (size_t i = 0; i < NB_ROWS; i++) {
        parse_row(&rows[i]);
        unsigned key = rows[i].map * 256 + rows[i].opcode;
        row_start[key + 1]++;
        if (rows[i].has_modrm)
            opcode_has_modrm[key] = true;
    }
    for (unsigned k = 0; k < NB_MAPS * 256; k++)
        row_start[k + 1] += row_start[k];
    uint16_t fill[NB_MAPS * 256];
    memcpy(fill, row_start, sizeof(fill));
    for (size_t i = 0; i < NB_ROWS; i++) {
        unsigned key = rows[i].map * 256 + rows[i].opcode;
        row_index[fill[key]++] = (uint16_t)i;
    }
}

static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

void x86_decode_init(void)
{
    pthread_once(&tables_once, build_tables);
}

/* ---- decoding ---- */

typedef struct DecodeState {
    X86Insn *insn;
    const X86DecodeMode *mode;
    X86FetchFn fetch;
    void *opaque;
    bool too_long;
} DecodeState;

static inline int next_byte(DecodeState *d, uint8_t *b)
{
    X86Insn *insn = d->insn;
    if (insn->len >= X86_MAX_INSN_LEN)
        return DEC_GP;
    *b = d->fetch(d->opaque, insn->pc, insn->len);
    insn->bytes[insn->len++] = *b;
    return DEC_OK;
}

static int fetch_le(DecodeState *d, unsigned size, uint64_t *val)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        uint8_t b;
        int r = next_byte(d, &b);
        if (r)
            return r;
        v |= (uint64_t)b << (8 * i);
    }
    *val = v;
    return DEC_OK;
}

static int64_t sign_extend(uint64_t v, unsigned size)
{
    unsigned shift = 64 - 8 * size;
    return shift >= 64 ? 0 : (int64_t)(v << shift) >> shift;
}

/* Legacy prefixes and REX. Leaves the opcode byte in *op. */
static int decode_prefixes(DecodeState *d, uint8_t *op)
{
    X86Insn *insn = d->insn;
    for (;;) {
        uint8_t b;
        int r = next_byte(d, &b);
        if (r)
            return r;
        switch (b) {
        case 0x66: insn->opsize_prefix = true; break;
        case 0x67: insn->addrsize_prefix = true; break;
        case 0xf0: insn->lock = true; break;
        case 0xf2: case 0xf3: insn->rep = b; break;
        case 0x26: case 0x2e: case 0x36: case 0x3e:
            /* null prefixes in 64-bit mode: they do not undo FS/GS */
            if (!d->mode->code64)
                insn->seg_override = (int8_t)((b >> 3) & 3);
            break;
        case 0x64: insn->seg_override = R_FS; break;
        case 0x65: insn->seg_override = R_GS; break;
        default:
            if (d->mode->code64 && (b & 0xf0) == 0x40) {
                insn->rex = b;
                continue;   /* REX counts only right before the opcode */
            }
            *op = b;
            return DEC_OK;
        }
        insn->rex = 0;
    }
}

static int decode_opcode(DecodeState *d, uint8_t first)
{
    X86Insn *insn = d->insn;
    uint8_t b = first;
    insn->map = MAP_1B;
    if (b == 0x0f) {
        int r = next_byte(d, &b);
        if (r)
            return r;
        insn->map = MAP_0F;
        if (b == 0x38 || b == 0x3a) {
            insn->map = b == 0x38 ? MAP_0F38 : MAP_0F3A;
            r = next_byte(d, &b);
            if (r)
                return r;
        }
    }
    insn->opcode = b;
    return DEC_OK;
}

/* The mandatory-prefix class the instruction carries: F2/F3 win over 66. */
static uint8_t insn_prefix_class(const X86Insn *insn)
{
    if (insn->rep == 0xf3)
        return PFX_F3;
    if (insn->rep == 0xf2)
        return PFX_F2;
    return insn->opsize_prefix ? PFX_66 : PFX_NP;
}

static bool row_matches(const X86InsnRow *r, const X86Insn *insn, bool exact_prefix)
{
    if (exact_prefix ? (r->prefix == PFX_ANY || r->prefix != insn_prefix_class(insn))
                     : r->prefix != PFX_ANY)
        return false;
    if (!r->has_modrm)
        return true;
    unsigned mod = insn->modrm >> 6, reg = (insn->modrm >> 3) & 7, rm = insn->modrm & 7;
    if (r->reg >= 0 && r->reg != (int)reg)
        return false;
    if (r->mod == MOD_MEM && mod == 3)
        return false;
    if (r->mod == MOD_REG && mod != 3)
        return false;
    if (r->rm >= 0 && (mod != 3 || r->rm != (int)rm))
        return false;
    return true;
}

static const X86InsnRow *select_row(const X86Insn *insn, const X86DecodeMode *mode)
{
    unsigned key = insn->map * 256 + insn->opcode;
    for (int pass = 0; pass < 2; pass++) {
        for (unsigned i = row_start[key]; i < row_start[key + 1]; i++) {
            const X86InsnRow *r = &rows[row_index[i]];
            if (!row_matches(r, insn, pass == 0))
                continue;
            if ((r->attrs & A_I64) && mode->code64)
                continue;
            if ((r->attrs & A_O64) && !mode->code64)
                continue;
            if ((r->attrs & A_NOREXB) && (insn->rex & 1))
                continue;
            /* a row the CPU model lacks does not exist: F3 0F BC without
             * BMI1 is BSF, 0F B8 without POPCNT is #UD */
            if (r->feature != FEAT_NONE && !(mode->features & (1ull << r->feature)))
                continue;
            return r;
        }
    }
    return NULL;
}

static bool row_has_kind(const X86InsnRow *r, uint8_t kind)
{
    for (unsigned i = 0; i < r->nops; i++)
        if (r->op[i].kind == kind)
            return true;
    return false;
}

static void compute_sizes(X86Insn *insn, const X86DecodeMode *mode)
{
    const X86InsnRow *r = insn->row;
    bool w = insn->rex & 8;
    if (mode->code64) {
        if (w || (r->attrs & A_F64))
            insn->opsize = 8;
        else if (insn->opsize_prefix)
            insn->opsize = 2;
        else
            insn->opsize = (r->attrs & A_D64) ? 8 : 4;
        insn->addrsize = insn->addrsize_prefix ? 4 : 8;
    } else {
        insn->opsize = (mode->code32 ^ insn->opsize_prefix) ? 4 : 2;
        insn->addrsize = (mode->code32 ^ insn->addrsize_prefix) ? 4 : 2;
    }
    if (row_has_kind(r, OPK_C) || row_has_kind(r, OPK_D))
        insn->opsize = mode->code64 ? 8 : 4;  /* MOV CR/DR ignore 66 and REX.W */
}

static uint8_t operand_bytes(const X86Insn *insn, const X86OperandSpec *op)
{
    switch (op->size) {
    case SZ_B: return 1;
    case SZ_W: return 2;
    case SZ_D: return 4;
    case SZ_Q: return 8;
    case SZ_V: return insn->opsize;
    case SZ_Z: return insn->opsize == 2 ? 2 : 4;
    case SZ_Y: return insn->opsize == 8 ? 8 : 4;
    case SZ_P: return (insn->opsize == 2 ? 2 : insn->opsize) + 2;
    case SZ_S: return insn->opsize == 8 || insn->addrsize == 8 ? 10 : 6;
    case SZ_A: return insn->opsize * 2;
    case SZ_DQ: case SZ_PS: case SZ_PD: case SZ_X: return 16;
    case SZ_SS: return 4;
    case SZ_SD: return 8;
    case SZ_QO: return insn->opsize == 8 ? 16 : 8;
    case SZ_WV: return insn->is_mem ? 2 : insn->opsize;
    default: return 0;
    }
}

static const int8_t modrm16_base[8] = { R_EBX, R_EBX, R_EBP, R_EBP, R_ESI, R_EDI, R_EBP, R_EBX };
static const int8_t modrm16_index[8] = { R_ESI, R_EDI, R_ESI, R_EDI, -1, -1, -1, -1 };

static int decode_mem16(DecodeState *d, unsigned mod, unsigned rm)
{
    X86Insn *insn = d->insn;
    insn->base = modrm16_base[rm];
    insn->index = modrm16_index[rm];
    insn->scale = 1;
    unsigned disp_size = mod == 1 ? 1 : mod == 2 ? 2 : 0;
    if (mod == 0 && rm == 6) {
        insn->base = -1;
        disp_size = 2;
    }
    uint64_t v = 0;
    int r = fetch_le(d, disp_size, &v);
    if (r)
        return r;
    insn->disp = disp_size ? sign_extend(v, disp_size) : 0;
    return DEC_OK;
}

static int decode_mem32(DecodeState *d, unsigned mod, unsigned rm)
{
    X86Insn *insn = d->insn;
    unsigned rex_b = (insn->rex & 1) << 3, rex_x = (insn->rex & 2) << 2;
    int r;
    insn->scale = 1;
    insn->index = -1;
    insn->base = (int8_t)(rm | rex_b);
    unsigned disp_size = mod == 1 ? 1 : mod == 2 ? 4 : 0;
    if (rm == 4) {
        uint8_t sib;
        if ((r = next_byte(d, &sib)))
            return r;
        unsigned idx = ((sib >> 3) & 7) | rex_x;
        insn->scale = (uint8_t)(1u << (sib >> 6));
        insn->index = idx == 4 ? -1 : (int8_t)idx;
        insn->base = (int8_t)((sib & 7) | rex_b);
        if ((sib & 7) == 5 && mod == 0) {
            insn->base = -1;
            disp_size = 4;
        }
    } else if (rm == 5 && mod == 0) {
        insn->base = -1;
        disp_size = 4;
        insn->rip_rel = d->mode->code64;
    }
    uint64_t v = 0;
    if ((r = fetch_le(d, disp_size, &v)))
        return r;
    insn->disp = disp_size ? sign_extend(v, disp_size) : 0;
    return DEC_OK;
}

static int decode_modrm(DecodeState *d)
{
    X86Insn *insn = d->insn;
    const X86InsnRow *row = insn->row;
    unsigned mod = insn->modrm >> 6, rm = insn->modrm & 7;
    insn->reg = (uint8_t)(((insn->modrm >> 3) & 7) | ((insn->rex & 4) << 1));
    if (row_has_kind(row, OPK_C) || row_has_kind(row, OPK_D))
        mod = 3;   /* MOV CR/DR: the mod field is ignored */
    insn->mod = (uint8_t)mod;
    if (mod == 3) {
        insn->rm = (uint8_t)(rm | ((insn->rex & 1) << 3));
        return DEC_OK;
    }
    insn->is_mem = true;
    insn->rm = (uint8_t)rm;
    return insn->addrsize == 2 ? decode_mem16(d, mod, rm) : decode_mem32(d, mod, rm);
}

static int8_t default_segment(const X86Insn *insn)
{
    if (insn->base == R_EBP || insn->base == R_ESP)
        return R_SS;
    return R_DS;
}

static int decode_immediates(DecodeState *d)
{
    X86Insn *insn = d->insn;
    const X86InsnRow *row = insn->row;
    bool first = true;
    for (unsigned i = 0; i < row->nops; i++) {
        const X86OperandSpec *op = &row->op[i];
        unsigned size;
        uint64_t v;
        int r;
        switch (op->kind) {
        case OPK_I: case OPK_J:
            size = op->size == SZ_V ? insn->opsize : operand_bytes(insn, op);
            if (op->kind == OPK_J && insn->opsize == 2 && op->size == SZ_Z)
                size = 2;
            break;
        case OPK_O:
            size = insn->addrsize;
            break;
        case OPK_A:
            if ((r = fetch_le(d, insn->opsize == 2 ? 2 : 4, &v)))
                return r;
            insn->imm = v;
            if ((r = fetch_le(d, 2, &v)))
                return r;
            insn->imm2 = v;
            continue;
        default:
            continue;
        }
        if ((r = fetch_le(d, size, &v)))
            return r;
        if (op->kind == OPK_O) {
            insn->disp = (int64_t)v;
            insn->is_mem = true;
            insn->base = insn->index = -1;
            insn->scale = 1;
            continue;
        }
        if (first)
            insn->imm = (uint64_t)sign_extend(v, size);
        else
            insn->imm2 = (uint64_t)sign_extend(v, size);
        first = false;
    }
    return DEC_OK;
}

static int check_lock(const X86Insn *insn)
{
    if (!insn->lock)
        return DEC_OK;
    if (!(insn->row->attrs & A_LOCK) || !insn->is_mem)
        return DEC_UD;
    return DEC_OK;
}

static int check_operand_mod(const X86Insn *insn)
{
    const X86InsnRow *row = insn->row;
    for (unsigned i = 0; i < row->nops; i++) {
        uint8_t k = row->op[i].kind;
        if ((k == OPK_M && !insn->is_mem) ||
            ((k == OPK_R || k == OPK_U || k == OPK_N) && insn->is_mem && !row_has_kind(row, OPK_C) &&
             !row_has_kind(row, OPK_D)))
            return DEC_UD;
        if (k == OPK_S && (insn->reg & 7) > R_GS)
            return DEC_UD;
    }
    return DEC_OK;
}

static void init_insn(X86Insn *insn, uint64_t pc)
{
    insn->row = NULL;
    insn->pc = pc;
    insn->len = 0;
    insn->rep = 0;
    insn->lock = insn->opsize_prefix = insn->addrsize_prefix = false;
    insn->rex = 0;
    insn->has_modrm = false;
    insn->modrm = insn->mod = insn->reg = insn->rm = 0;
    insn->is_mem = false;
    insn->base = insn->index = -1;
    insn->scale = 1;
    insn->rip_rel = false;
    insn->disp = 0;
    insn->imm = insn->imm2 = 0;
    insn->seg_override = SEG_NONE;
    insn->seg = R_DS;
    memset(insn->opfast, 0, sizeof(insn->opfast));
    memset(insn->bytes, 0, sizeof(insn->bytes));
}

/* insn->opfast: which operands the interpreter may access directly. */
static void compute_fast_operands(X86Insn *insn)
{
    for (unsigned i = 0; i < X86_MAX_OPERANDS; i++) {
        const X86OperandSpec *op = &insn->row->op[i];
        unsigned size = insn->opsz[i];
        int r = -1;
        insn->opfast[i] = 0;
        if (i >= insn->row->nops)
            continue;
        switch (op->kind) {
        case OPK_E: case OPK_M: case OPK_R: if (!insn->is_mem) r = insn->rm; break;
        case OPK_G: r = insn->reg; break;
        case OPK_Z: r = (insn->opcode & 7) | ((insn->rex & 1) << 3); break;
        case OPK_REG: r = op->reg; break;
        case OPK_I: insn->opfast[i] = X86_OPFAST_IMM; continue;
        default: continue;
        }
        if (r < 0 || r > 15 || !(size == 1 || size == 2 || size == 4 || size == 8))
            continue;
        if (size == 1 && r >= 4 && r < 8 && (op->kind == OPK_REG || !insn->rex))
            continue;   /* AH..BH */
        insn->opfast[i] = (uint8_t)(r + 1);
    }
}

static int decode_body(DecodeState *d)
{
    X86Insn *insn = d->insn;
    uint8_t b;
    int r;
    if ((r = decode_prefixes(d, &b)) || (r = decode_opcode(d, b)))
        return r;
    unsigned key = insn->map * 256 + insn->opcode;
    insn->has_modrm = opcode_has_modrm[key];
    if (insn->has_modrm && (r = next_byte(d, &insn->modrm)))
        return r;
    insn->row = select_row(insn, d->mode);
    if (!insn->row)
        return DEC_UD;
    if (insn->row->prefix == PFX_F3 || insn->row->prefix == PFX_F2)
        insn->rep = 0;
    compute_sizes(insn, d->mode);
    if (insn->has_modrm && (r = decode_modrm(d)))
        return r;
    if ((r = decode_immediates(d)))
        return r;
    insn->seg = insn->seg_override != SEG_NONE ? insn->seg_override : default_segment(insn);
    for (unsigned i = 0; i < X86_MAX_OPERANDS; i++)
        insn->opsz[i] = i < insn->row->nops ? operand_bytes(insn, &insn->row->op[i]) : 0;
    if ((r = check_operand_mod(insn)))
        return r;
    compute_fast_operands(insn);
    return check_lock(insn);
}

int x86_decode(X86Insn *insn, const X86DecodeMode *mode, X86FetchFn fetch, void *opaque,
               uint64_t pc)
{
    x86_decode_init();
    init_insn(insn, pc);
    DecodeState d = { .insn = insn, .mode = mode, .fetch = fetch, .opaque = opaque };
    int r = decode_body(&d);
    if (r != DEC_OK)
        insn->row = r == DEC_UD ? insn->row : NULL;
    return r;
}
