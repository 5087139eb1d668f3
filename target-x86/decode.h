/*
 * The x86 instruction decoder: one table row per instruction form
 * (target-x86/insn-table.def), lookup arrays built from the rows, and a
 * decoder that turns bytes read through a fetch callback into an X86Insn
 * shared by the interpreter and the JIT front end.
 */
#ifndef VESSEL_TARGET_X86_DECODE_H
#define VESSEL_TARGET_X86_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct X86CPU X86CPU;
typedef struct X86Insn X86Insn;
typedef void (*X86Handler)(X86CPU *cpu, const X86Insn *insn);

#define X86_MAX_INSN_LEN 15
#define X86_MAX_OPERANDS 4

/* Opcode maps. */
enum { MAP_1B, MAP_0F, MAP_0F38, MAP_0F3A, NB_MAPS };

/* Mandatory prefix of a row. PFX_ANY: 66/F2/F3 are not part of the opcode. */
enum { PFX_ANY, PFX_NP, PFX_66, PFX_F3, PFX_F2 };

/* ModRM.mod restriction of a row. */
enum { MOD_ANY, MOD_MEM, MOD_REG };

/* Row attributes. */
#define A_I64   (1u << 0)  /* invalid in 64-bit mode */
#define A_O64   (1u << 1)  /* valid only in 64-bit mode */
#define A_D64   (1u << 2)  /* default operand size 64 in 64-bit mode */
#define A_F64   (1u << 3)  /* operand size forced to 64 in 64-bit mode */
#define A_LOCK  (1u << 4)  /* LOCK allowed (with a memory destination) */
#define A_REP   (1u << 5)  /* string instruction honouring REP prefixes */
#define A_REPZ  (1u << 6)  /* REPE/REPNE distinguish (CMPS/SCAS) */
#define A_XCHG  (1u << 7)  /* implicitly locked (XCHG with memory) */
#define A_PRIV  (1u << 8)  /* CPL 0 only (checked by the handler) */
#define A_BRANCH (1u << 9) /* changes rip: ends a JIT block */
#define A_NOSEG (1u << 10) /* M operand is an address only (LEA): no segment */
#define A_ASZ   (1u << 11) /* mnemonic variants follow the address size */
#define A_NOREXB (1u << 12)/* row does not apply with REX.B (NOP vs XCHG r8) */
#define A_SXI   (1u << 13) /* Ib sign-extended to the operand size */

/* CPUID features a row may need. */
enum {
    FEAT_NONE, FEAT_CMOV, FEAT_CX8, FEAT_CX16, FEAT_POPCNT, FEAT_LZCNT,
    FEAT_BMI1, FEAT_MOVBE, FEAT_RDTSCP, FEAT_CLFLUSH, FEAT_FPU, FEAT_SSE,
    FEAT_SSE2, FEAT_SSE3, FEAT_SSSE3, FEAT_SSE41, FEAT_SSE42, FEAT_LM,
    FEAT_SYSCALL, FEAT_SEP, FEAT_MONITOR, FEAT_FSGSBASE, FEAT_RDRAND, FEAT_SMAP,
    NB_FEATS
};

/* Operand kinds, after the Intel manual's opcode-map notation. */
enum {
    OPK_NONE,
    OPK_E,     /* ModRM r/m: register or memory */
    OPK_G,     /* ModRM reg: general register */
    OPK_M,     /* ModRM r/m: memory only */
    OPK_R,     /* ModRM r/m: register only */
    OPK_I,     /* immediate */
    OPK_J,     /* relative branch offset */
    OPK_O,     /* moffs: absolute offset, address-size wide */
    OPK_A,     /* far pointer immediate sel:off */
    OPK_S,     /* ModRM reg: segment register */
    OPK_C,     /* ModRM reg: control register */
    OPK_D,     /* ModRM reg: debug register */
    OPK_X,     /* DS:rSI (overridable) */
    OPK_Y,     /* ES:rDI */
    OPK_Z,     /* register in opcode bits 2:0 (+ REX.B) */
    OPK_REG,   /* a fixed general register: AL, CL, DX, eAX ... */
    OPK_SEG,   /* a fixed segment register: ES ... GS */
    OPK_ONE,   /* the constant 1 */
    OPK_V,     /* ModRM reg: XMM (SSE rows, later) */
    OPK_W,     /* ModRM r/m: XMM or memory */
    OPK_U,     /* ModRM r/m: XMM only */
    OPK_P,     /* ModRM reg: MMX */
    OPK_Q,     /* ModRM r/m: MMX or memory */
    OPK_N,     /* ModRM r/m: MMX only */
};

/* Operand sizes in the manual's notation. */
enum {
    SZ_NONE, SZ_B, SZ_W, SZ_D, SZ_Q, SZ_V, SZ_Z, SZ_Y, SZ_P, SZ_S, SZ_A,
    SZ_DQ, SZ_PS, SZ_PD, SZ_SS, SZ_SD, SZ_X,
    SZ_QO,  /* "qo": 8 bytes, 16 with REX.W (CMPXCHG8B/16B) */
    SZ_WV,  /* "wv": 16 bits in memory, operand size in a register (MOV Sreg, LAR) */
};

typedef struct X86OperandSpec {
    uint8_t kind;   /* OPK_* */
    uint8_t size;   /* SZ_* */
    int8_t reg;     /* OPK_REG / OPK_SEG register number */
} X86OperandSpec;

typedef struct X86InsnRow {
    uint8_t map, opcode;
    int8_t reg;          /* ModRM.reg extension, -1 = any */
    int8_t rm;           /* ModRM.rm extension (with mod = 3), -1 = any */
    uint8_t prefix;      /* PFX_* */
    uint8_t mod;         /* MOD_* */
    const char *mnemonic;/* "a/b/c" = names for 16/32/64-bit operand size */
    const char *operands;/* Intel notation, e.g. "Eb,Gb" */
    uint8_t feature;     /* FEAT_* */
    uint16_t attrs;      /* A_* */
    uint16_t flags_read, flags_written;  /* CC_* masks */
    X86Handler handler;
    /* derived at table init */
    X86OperandSpec op[X86_MAX_OPERANDS];
    uint8_t nops;
    bool has_modrm;
} X86InsnRow;

/* The decoding environment. */
typedef struct X86DecodeMode {
    bool code64;        /* 64-bit mode */
    bool code32;        /* default operand/address size 32 (CS.D) */
    uint64_t features;  /* bit FEAT_x set = supported; FEAT_NONE always */
} X86DecodeMode;

/* Read the byte at `pc + index` (index < 15). May longjmp (#PF, #GP). */
typedef uint8_t (*X86FetchFn)(void *opaque, uint64_t pc, unsigned index);

struct X86Insn {
    /* the fields the interpreter's decoded-instruction cache checks on a
     * hit and its fast handlers read come first (one host cache line) */
    uint64_t pc;          /* address (offset in CS) of the first byte */
    /* the encoding; zero past len (16 bytes: compared as two words) */
    uint8_t bytes[X86_MAX_INSN_LEN + 1];
    /* interpreter fast path per operand: 1 + general register number for a
     * plain register operand (no AH..BH), X86_OPFAST_IMM for an immediate,
     * 0 = anything else (the general operand code) */
    uint8_t opfast[X86_MAX_OPERANDS];
    uint8_t opsz[X86_MAX_OPERANDS];  /* operand sizes in bytes (0 = none) */
    uint8_t len;
    uint8_t opsize;       /* 2, 4, 8 */
    uint8_t addrsize;     /* 2, 4, 8 */
    int8_t seg;           /* effective segment of the memory operand */
    /* memory operand: seg:[base + index*scale + disp], or rip-relative */
    int8_t base, index;   /* -1 = none */
    uint8_t scale;        /* 1, 2, 4, 8 */
    bool is_mem;
    bool rip_rel;         /* disp relative to the next instruction */
    int64_t disp;
    uint64_t imm, imm2;   /* imm2: ENTER's second immediate, far pointer selector */
    const X86InsnRow *row;
    uint8_t map, opcode;
    int8_t seg_override;  /* SEG_NONE (-1) or R_ES..R_GS */
    uint8_t rep;          /* 0, 0xf3, 0xf2 (the last one) */
    bool lock, opsize_prefix, addrsize_prefix;
    uint8_t rex;          /* 0 if none, else 0x40..0x4f */
    bool has_modrm;
    uint8_t modrm, mod, reg, rm;   /* reg and rm include REX.R / REX.B */
};

#define X86_OPFAST_IMM 0x80

/* Decoder results. */
enum { DEC_OK = 0, DEC_UD = 6, DEC_GP = 13 };

/*
 * Decode one instruction at `pc`. Returns DEC_OK, DEC_UD (invalid or
 * unsupported encoding) or DEC_GP (longer than 15 bytes). insn->len is the
 * number of bytes consumed (up to the point of failure otherwise).
 */
int x86_decode(X86Insn *insn, const X86DecodeMode *mode, X86FetchFn fetch, void *opaque,
               uint64_t pc);

/* Build the lookup arrays (idempotent, thread-safe; x86_decode calls it). */
void x86_decode_init(void);

/* The rows, for tests and tools. */
const X86InsnRow *x86_insn_rows(size_t *count);

/* Mnemonic for this instruction's operand size. */
const char *x86_insn_mnemonic(const X86Insn *insn, char *buf, size_t len);
/* Render in Intel syntax, e.g. "add eax,0x10". */
void x86_insn_format(const X86Insn *insn, char *buf, size_t len);
/* Register name for a size in bytes (1 uses rex to pick spl.. vs ah..). */
const char *x86_reg_name(int reg, unsigned size, bool rex);
/* Operand i alone, in the syntax of x86_insn_format ("" if none). */
void x86_insn_format_operand(const X86Insn *insn, unsigned i, char *buf, size_t len);

#endif
