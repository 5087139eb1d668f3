/*
 * The interpreter's specialised handlers (target-x86/interp-fast*.c)
 * against the generic ones: for each covered form, in 32-bit protected and
 * 64-bit mode, random register, flag (explicit, or any lazy kind at any
 * size) and memory states run through both the row's handler and the
 * specialised one; registers, RFLAGS, rip and memory must come out
 * identical (odd iterations with a DR0 breakpoint enabled, which sends the
 * memory forms down the checked path). Memory forms are checked at every
 * addressing form (base, base+index*scale, displacement sizes, absolute,
 * rip-relative, 32-bit addresses in 64-bit mode, an FS base); conditions
 * (Jcc, CMOVcc, SETcc) at all 16 codes; shifts at every size and count.
 * Also checks that each form is recognised (the comparison would otherwise
 * test nothing) and that other forms are not. Each specialised (and fused)
 * handler's chained form (block-cache.h) runs too, in a one-entry block
 * with rip stale: same effects, and the chain goes on to the sentinel
 * exactly when the instruction did not branch.
 */
#include "tests/unit/x86-test-machine.h"

#include <stdio.h>
#include <stdlib.h>

#include "target-x86/block-cache.h"
#include "target-x86/interp.h"

#define DATA 0x3000u
#define PML4 0x10000u

static void set_flat_segs(uint32_t code_attr, uint32_t data_attr)
{
    x86_set_seg_cache(cpu, R_CS, 0x08, 0, 0xffffffff, code_attr);
    for (int s = R_ES; s <= R_GS; s++)
        if (s != R_CS)
            x86_set_seg_cache(cpu, s, 0x10, 0, 0xffffffff, data_attr);
}

static void mode_prot32(void)
{
    cpu->cr0 = CR0_ET | CR0_PE;
    cpu->efer = 0;
    set_flat_segs(0xc09b, 0xc093);
    x86_update_hflags(cpu);
    tlb_flush(&cpu->tlb);
}

static void mode_long64(void)
{
    put64(PML4, (PML4 + 0x1000) | 3);
    put64(PML4 + 0x1000, (PML4 + 0x2000) | 3);
    for (uint64_t i = 0; i < 8; i++)
        put64(PML4 + 0x2000 + i * 8, (i << 21) | 0x83);
    cpu->cr3 = PML4;
    cpu->cr4 = CR4_PAE;
    cpu->efer = EFER_LME | EFER_LMA;
    cpu->cr0 = CR0_ET | CR0_PE | CR0_PG;
    set_flat_segs(0xa09b, 0xc093);
    x86_update_hflags(cpu);
    tlb_flush(&cpu->tlb);
}

static void setup(void)
{
    tm_setup();
    srand(12345);
}

typedef struct Bytes {
    const uint8_t *b;
    unsigned n;
} Bytes;

static uint8_t fetch(void *opaque, uint64_t pc, unsigned index)
{
    const Bytes *c = opaque;
    return index < c->n ? c->b[index] : 0x90;
}

static uint64_t rnd64(void)
{
    uint64_t v = 0;
    for (int i = 0; i < 4; i++)
        v = (v << 16) ^ (uint64_t)(rand() & 0xffff);
    /* small and boundary values often: shift counts, carries, zero results */
    switch (rand() % 8) {
    case 0: return v & 0x3f;
    case 1: return 0;
    case 2: return ~0ull;
    case 3: return 0x80000000ull | (v & 1);
    case 4: return 0x7fffffffffffffffull;
    default: return v;
    }
}

static bool addr32_garbage;   /* randomize: garbage in the upper halves of rsi, rdi */

typedef struct State {
    uint64_t regs[16];
    uint64_t rflags, rip;
    uint8_t mem[64];
} State;

static void save(State *s)
{
    memcpy(s->regs, cpu->regs, sizeof(s->regs));
    s->rflags = x86_get_rflags(cpu);
    s->rip = cpu->rip;
    memcpy(s->mem, tm_ram.ram + DATA, sizeof(s->mem));
}

/* A random state: registers (rsi points at DATA for memory forms), memory
 * at DATA, and flags either explicit or left lazy by an earlier SUB/ADD/
 * shift-like record. */
static void randomize(void)
{
    for (int r = 0; r < 16; r++)
        cpu->regs[r] = rnd64();
    cpu->regs[R_ESI] = DATA;
    cpu->regs[R_ESP] = DATA + 16;   /* stack forms: a return address at DATA + 16 */
    for (unsigned i = 0; i < 64; i++)
        put8(DATA + i, (uint8_t)rand());
    put64(DATA + 16, 0x2000 + (uint64_t)(rand() & 0xfff));
    cpu->regs[R_EDI] = (uint64_t)(rand() & 3);   /* the index of [rsi+rdi*scale+disp] */
    if (addr32_garbage) {   /* 32-bit addresses ignore the upper halves */
        cpu->regs[R_ESI] |= rnd64() << 32;
        cpu->regs[R_EDI] |= rnd64() << 32;
    }
    cpu->rflags = 2 | (rand() & (CC_O | CC_S | CC_Z | CC_A | CC_P | CC_C));
    cpu->cc.op = CC_OP_EFLAGS;
    if (rand() & 1) {
        /* any lazy kind at any size, SUB (CMP) most often */
        static const unsigned kinds[] = {
            CC_OP_SUB, CC_OP_SUB, CC_OP_SUB, CC_OP_ADD, CC_OP_ADC, CC_OP_SBB, CC_OP_LOGIC,
            CC_OP_INC, CC_OP_DEC, CC_OP_SHL, CC_OP_SHR, CC_OP_SAR, CC_OP_MUL,
        };
        unsigned kind = kinds[rand() % (sizeof(kinds) / sizeof(kinds[0]))];
        uint64_t a = rnd64(), b = (rand() % 4) ? rnd64() : a;   /* equal operands too */
        cc_set(cpu, kind, 1u << (rand() % 4), a - b, b, rand() & 1);
    }
}

/* The instruction bytes in hex, for messages. */
static const char *hex(const uint8_t *code, unsigned n)
{
    static char buf[3 * 16 + 1];
    buf[0] = 0;
    for (unsigned i = 0; i < n && i < 16; i++)
        snprintf(buf + 3 * i, 4, "%02x ", code[i]);
    return buf;
}

/* ---- chained handlers (block-cache.h) ---- */

static bool sentinel_reached;

static void test_sentinel(X86CPU *c, const X86Insn *insn)
{
    (void)c;
    (void)insn;
    sentinel_reached = true;
}

/* A block of one entry (copied from `x`, with `handler`) and a sentinel
 * that records whether the chain went on to it. */
static _Alignas(16) uint8_t test_block_mem[sizeof(Block) + 2 * sizeof(ExecInsn)];

static ExecInsn *test_block(const ExecInsn *x, X86Handler handler)
{
    Block *b = (Block *)test_block_mem;
    memset(test_block_mem, 0, sizeof(test_block_mem));
    b->pc = x->insn.pc;
    b->mode = (uint8_t)(cpu->code64 | (cpu->code32 << 1));
    b->ninsns = 1;
    b->nguest = x->span;
    b->insns[0] = *x;
    b->insns[0].handler = handler;
    b->insns[0].index = 0;
    b->insns[0].link = NULL;
    b->insns[1].handler = test_sentinel;
    return &b->insns[0];
}

/*
 * Run the chained form of entry x's handler in a test block, with cpu->rip
 * stale (a chain does not keep it), as a chain would: the chain goes on to
 * the sentinel (then rip is made next_rip, as chain_end does), or ends at
 * the entry (cpu->chain_last) after a branch or the generic handler.
 * Returns whether it went on.
 */
static bool run_chained(const ExecInsn *x, const char *what)
{
    X86Handler chained = interp_chain_handler(x->handler);
    if (!chained)
        ck_abort_msg("%s: no chained handler", what);
    ExecInsn *e = test_block(x, chained);
    sentinel_reached = false;
    cpu->chain_stop = 0;
    cpu->chain_last = NULL;
    cpu->rip = 0x7fff0000;   /* stale */
    e->handler(cpu, &e->insn);
    if (sentinel_reached) {
        cpu->rip = e->next_rip;
        return true;
    }
    if (cpu->chain_last != e)
        ck_abort_msg("%s: the chain ended without saying where", what);
    return false;
}

/* Decode `code`, check that a specialised handler exists iff `expect_fast`,
 * and compare it with the generic handler from many random states; the
 * same for its chained form. */
static void check_form(const uint8_t *code, unsigned n, bool expect_fast)
{
    Bytes c = { code, n };
    X86DecodeMode mode = { .code64 = cpu->code64, .code32 = cpu->code32, .features = ~0ull };
    X86Insn insn;
    if (x86_decode(&insn, &mode, fetch, &c, 0x1000) != DEC_OK)
        ck_abort_msg("form %s: decode", hex(code, n));
    if (insn.len != n)
        ck_abort_msg("form %s: length %u", hex(code, n), insn.len);
    X86Handler fast = interp_fast_handler(&insn);
    if ((fast != NULL) != expect_fast)
        ck_abort_msg("form %s: fast handler %s", hex(code, n), fast ? "present" : "missing");
    if (!fast)
        return;
    for (int iter = 0; iter < 300; iter++) {
        randomize();
        /* odd iterations: an enabled DR0 execution breakpoint elsewhere
         * sends memory forms down the checked (generic) path */
        cpu->dr[0] = 0xdead0000;
        cpu->dr[7] = (iter & 1) ? 0x1 : 0;
        x86_fast_mem_setup(cpu);   /* as the exec loop does before a run */
        LazyFlags cc = cpu->cc;
        uint64_t rflags = cpu->rflags;
        State before, generic, special;
        save(&before);
        cpu->rip = 0x1000 + n;
        insn.row->handler(cpu, &insn);
        save(&generic);
        memcpy(cpu->regs, before.regs, sizeof(before.regs));
        memcpy(tm_ram.ram + DATA, before.mem, sizeof(before.mem));
        cpu->cc = cc;
        cpu->rflags = rflags;
        cpu->rip = 0x1000 + n;
        fast(cpu, &insn);
        save(&special);
        /* (check's assertions are slow: made only on a difference) */
        for (int r = 0; r < 16; r++)
            if (generic.regs[r] != special.regs[r])
                ck_abort_msg("form %s: reg %d generic %llx fast %llx", hex(code, n), r,
                             (unsigned long long)generic.regs[r],
                             (unsigned long long)special.regs[r]);
        if (generic.rflags != special.rflags)
            ck_abort_msg("form %s: rflags %llx vs %llx (cc op %u)", hex(code, n),
                         (unsigned long long)generic.rflags, (unsigned long long)special.rflags,
                         cc.op);
        if (memcmp(generic.mem, special.mem, sizeof(generic.mem)) != 0)
            ck_abort_msg("form %s: memory", hex(code, n));
        if (generic.rip != special.rip)
            ck_abort_msg("form %s: rip %llx vs %llx", hex(code, n),
                         (unsigned long long)generic.rip, (unsigned long long)special.rip);
        /* the chained form, from the same state */
        memcpy(cpu->regs, before.regs, sizeof(before.regs));
        memcpy(tm_ram.ram + DATA, before.mem, sizeof(before.mem));
        cpu->cc = cc;
        cpu->rflags = rflags;
        ExecInsn x = { .insn = insn, .next_rip = 0x1000 + n, .simple = true, .span = 1,
                       .handler = fast };
        bool went_on = run_chained(&x, hex(code, n));
        save(&special);
        if (memcmp(generic.regs, special.regs, sizeof(generic.regs)) != 0 ||
            generic.rflags != special.rflags || generic.rip != special.rip ||
            memcmp(generic.mem, special.mem, sizeof(generic.mem)) != 0)
            ck_abort_msg("form %s: chained: rip %llx vs %llx", hex(code, n),
                         (unsigned long long)generic.rip, (unsigned long long)special.rip);
        /* it goes on unless it branched */
        if (went_on != (generic.rip == x.next_rip))
            ck_abort_msg("form %s: chained: went on %d, rip %llx", hex(code, n), went_on,
                         (unsigned long long)generic.rip);
    }
}

#define FORM(fast, ...) do {                                    \
        const uint8_t b_[] = { __VA_ARGS__ };                   \
        check_form(b_, sizeof(b_), fast);                       \
    } while (0)

/* Forms valid in 32-bit and 64-bit mode (32-bit operand size). */
static void forms32(void)
{
    for (uint8_t op = 0x01; op < 0x40; op += 8) {           /* ADD OR ADC SBB AND SUB XOR CMP r/m32, r32 */
        FORM(true, op, 0xd8);                                /* op eax, ebx */
        FORM(true, (uint8_t)(op + 2), 0x46, 0x04);           /* op eax, [esi+4] */
    }
    for (uint8_t r = 0; r < 8; r++) {
        FORM(true, 0x83, (uint8_t)(0xc1 | (r << 3)), 0x85);  /* op ecx, -123 */
        FORM(true, 0x81, (uint8_t)(0xc2 | (r << 3)), 0x78, 0x56, 0x34, 0x92);
    }
    FORM(true, 0x85, 0xca);                                  /* test edx, ecx */
    FORM(true, 0xa9, 0x00, 0x01, 0x00, 0x80);                /* test eax, imm32 */
    FORM(true, 0x39, 0x4e, 0x08);                            /* cmp [esi+8], ecx */
    FORM(true, 0x83, 0x7e, 0x04, 0xff);                      /* cmp dword [esi+4], -1 */
    FORM(true, 0x85, 0x56, 0x0c);                            /* test [esi+12], edx */
    FORM(true, 0xf7, 0x46, 0x04, 0xff, 0x00, 0xff, 0x00);    /* test dword [esi+4], imm */
    FORM(true, 0x89, 0xd9);                                  /* mov ecx, ebx */
    FORM(true, 0xbf, 0x11, 0x22, 0x33, 0x84);                /* mov edi, imm32 */
    FORM(true, 0x8b, 0x5e, 0x10);                            /* mov ebx, [esi+16] */
    FORM(true, 0x89, 0x4e, 0x14);                            /* mov [esi+20], ecx */
    FORM(true, 0x88, 0x46, 0x03);                            /* mov [esi+3], al */
    FORM(true, 0x0f, 0xb6, 0x6e, 0x05);                      /* movzx ebp, byte [esi+5] */
    FORM(true, 0x0f, 0xb7, 0x7e, 0x06);                      /* movzx edi, word [esi+6] */
    FORM(true, 0xff, 0xc1);                                  /* inc ecx */
    FORM(true, 0xff, 0xca);                                  /* dec edx */
    for (uint8_t r = 4; r < 8; r++) {
        if (r == 6)
            continue;
        FORM(true, 0xc1, (uint8_t)(0xc3 | (r << 3)), 0x03);  /* shl/shr/sar ebx, 3 */
        FORM(true, 0xc1, (uint8_t)(0xc3 | (r << 3)), 0x20);  /* count 32: masked to 0 */
        FORM(true, 0xd1, (uint8_t)(0xc2 | (r << 3)));        /* shl/shr/sar edx, 1 */
    }
    /* byte and word forms, memory destinations, MOV m,imm, LEA */
    FORM(true, 0x00, 0xd8);                                  /* add al, bl */
    FORM(true, 0x01, 0x46, 0x04);                            /* add [esi+4], eax */
    for (uint8_t op = 0x00; op < 0x40; op += 8) {            /* op [esi+5], dl ; op dl, [esi+5] */
        FORM(true, op, 0x56, 0x05);
        FORM(true, (uint8_t)(op + 2), 0x56, 0x05);
        FORM(true, 0x66, (uint8_t)(op + 1), 0x4e, 0x06);     /* op [esi+6], cx */
        FORM(true, 0x66, (uint8_t)(op + 3), 0x4e, 0x06);     /* op cx, [esi+6] */
        FORM(true, (uint8_t)(op + 4), 0x9c);                 /* op al, 0x9c */
        FORM(true, 0x66, (uint8_t)(op + 5), 0x34, 0x92);     /* op ax, 0x9234 */
    }
    for (uint8_t r = 0; r < 8; r++) {
        FORM(true, 0x80, (uint8_t)(0x46 | (r << 3)), 0x03, 0xf1);    /* op byte [esi+3], 0xf1 */
        FORM(true, 0x66, 0x83, (uint8_t)(0x46 | (r << 3)), 0x02, 0x80); /* op word [esi+2], -128 */
        FORM(true, 0x83, (uint8_t)(0x46 | (r << 3)), 0x08, 0x7f); /* op dword [esi+8], 127 */
        FORM(true, 0x66, 0x81, (uint8_t)(0xc3 | (r << 3)), 0x34, 0x12); /* op bx, 0x1234 */
        FORM(true, 0x80, (uint8_t)(0xc1 | (r << 3)), 0x80);  /* op cl, 0x80 */
    }
    FORM(true, 0x84, 0xd8);                                  /* test al, bl */
    FORM(true, 0x66, 0x85, 0x5e, 0x02);                      /* test [esi+2], bx */
    FORM(true, 0xf6, 0x46, 0x01, 0x81);                      /* test byte [esi+1], 0x81 */
    FORM(true, 0x66, 0x89, 0x5e, 0x0a);                      /* mov [esi+10], bx */
    FORM(true, 0x66, 0x8b, 0x5e, 0x0a);                      /* mov bx, [esi+10] */
    FORM(true, 0x8a, 0x56, 0x07);                            /* mov dl, [esi+7] */
    FORM(true, 0x88, 0xd9);                                  /* mov cl, bl */
    FORM(true, 0xb1, 0x7f);                                  /* mov cl, 0x7f */
    FORM(true, 0x66, 0xb9, 0x34, 0x12);                      /* mov cx, 0x1234 */
    FORM(true, 0xc6, 0x46, 0x09, 0xaa);                      /* mov byte [esi+9], 0xaa */
    FORM(true, 0x66, 0xc7, 0x46, 0x0a, 0x55, 0xaa);          /* mov word [esi+10], 0xaa55 */
    FORM(true, 0xc7, 0x46, 0x0c, 0x78, 0x56, 0x34, 0x92);    /* mov dword [esi+12], imm */
    FORM(true, 0x8d, 0x44, 0x8e, 0x7c);                      /* lea eax, [esi+ecx*4+0x7c] */
    FORM(true, 0x8d, 0x9c, 0x9b, 0x00, 0x00, 0x00, 0x80);    /* lea ebx, [ebx+ebx*4+0x80000000] */
    for (uint8_t cc = 0; cc < 16; cc++) {
        FORM(true, (uint8_t)(0x70 | cc), 0x10);              /* jcc +0x10 */
        FORM(true, 0x0f, (uint8_t)(0x80 | cc), 0x00, 0xf0, 0xff, 0xff);   /* jcc -0x1000 */
    }
    FORM(true, 0x0f, 0xaf, 0xc3);                            /* imul eax, ebx */
    FORM(true, 0x0f, 0xaf, 0x56, 0x04);                      /* imul edx, [esi+4] */
    FORM(true, 0x6b, 0xc9, 0x85);                            /* imul ecx, ecx, -123 */
    FORM(true, 0x69, 0x46, 0x08, 0x78, 0x56, 0x34, 0x92);    /* imul eax, [esi+8], imm32 */
    FORM(false, 0x66, 0x0f, 0xaf, 0xc3);                     /* imul ax, bx */
    /* not covered: the generic handlers run them */
    FORM(false, 0xf0, 0x01, 0x46, 0x04);                     /* lock add [esi+4], eax */
    FORM(false, 0x88, 0xe0);                                 /* mov al, ah */
    FORM(false, 0x00, 0xe6);                                 /* add dh, ah */
    FORM(false, 0x66, 0x8d, 0x46, 0x04);                     /* lea ax, [esi+4] */
    FORM(false, 0xc1, 0xc3, 0x03);                           /* rol ebx, 3 */
    FORM(true, 0xd3, 0xe3);                                  /* shl ebx, cl */
}

/* Addressing forms of a memory operand: ModRM (reg field 0), SIB and
 * displacement, with rsi = DATA and rdi = 0..3 (randomize). */
typedef struct Addr {
    unsigned n;
    uint8_t b[6];
    int mode;        /* 0: both modes, 32: 32-bit mode only, 64: 64-bit mode only */
    bool rip;        /* rip-relative: disp32 patched to reach DATA + 4 */
} Addr;

static const Addr addrs[] = {
    { 1, { 0x06 }, 0, false },                              /* [rsi] */
    { 2, { 0x46, 0x04 }, 0, false },                        /* [rsi+4] */
    { 5, { 0x86, 0x08, 0, 0, 0 }, 0, false },               /* [rsi+disp32 8] */
    { 3, { 0x44, 0xbe, 0x04 }, 0, false },                  /* [rsi+rdi*4+4] */
    { 2, { 0x04, 0x3e }, 0, false },                        /* [rsi+rdi] */
    { 6, { 0x84, 0x7e, 0x02, 0, 0, 0 }, 0, false },         /* [rsi+rdi*2+disp32 2] */
    { 5, { 0x05, 0x08, 0x30, 0, 0 }, 32, false },           /* [0x3008] */
    { 6, { 0x04, 0x25, 0x08, 0x30, 0, 0 }, 64, false },     /* [0x3008] (SIB, no base) */
    { 5, { 0x05, 0, 0, 0, 0 }, 64, true },                  /* [rip+disp32] */
};

/* prefixes + opcode, the memory operand `a` with ModRM.reg = reg, imm. */
static void check_mem(const uint8_t *op, unsigned nop, unsigned reg, const Addr *a,
                      const uint8_t *imm, unsigned nimm, bool expect_fast)
{
    uint8_t code[16];
    unsigned n = 0;
    memcpy(code, op, nop);
    n = nop;
    memcpy(code + n, a->b, a->n);
    code[n] |= (uint8_t)(reg << 3);
    unsigned disp_at = n + 1;
    n += a->n;
    memcpy(code + n, imm, nimm);
    n += nimm;
    if (a->rip) {
        uint32_t d = (uint32_t)(DATA + 4 - (0x1000 + n));
        memcpy(code + disp_at, &d, 4);
    }
    check_form(code, n, expect_fast);
}

#define MEM(fast, reg, a, imm, nimm, ...) do {                                  \
        const uint8_t op_[] = { __VA_ARGS__ };                                  \
        check_mem(op_, sizeof(op_), reg, a, imm, nimm, fast);                   \
    } while (0)

/* Every memory form at every addressing form; `pre` (0 = none): a prefix
 * for all of them (0x67: 32-bit addresses in 64-bit mode, 0x64: FS). */
static void mem_forms(uint8_t pre)
{
    static const uint8_t imm[4] = { 0x81, 0xff, 0x00, 0x80 };
    bool long64 = cpu->code64;
    uint8_t p = pre ? pre : 0x3e;   /* DS: the default segment here anyway */
    for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
        const Addr *a = &addrs[i];
        if ((a->mode == 32 && long64) || (a->mode == 64 && !long64))
            continue;
        if (a->rip && pre == 0x67)
            continue;
        unsigned r = (unsigned)i & 3;   /* eax..ebx: no AH..BH in the byte forms */
        for (uint8_t op = 0x00; op < 0x40; op += 8) {        /* ADD OR ADC SBB AND SUB XOR CMP */
            for (uint8_t d = 0; d < 4; d++)
                MEM(true, r, a, imm, 0, p, (uint8_t)(op + d));   /* Eb,Gb Ev,Gv Gb,Eb Gv,Ev */
            MEM(true, r, a, imm, 0, p, 0x66, (uint8_t)(op + 1));
            MEM(true, r, a, imm, 0, p, 0x66, (uint8_t)(op + 3));
            if (long64) {
                MEM(true, r, a, imm, 0, p, 0x48, (uint8_t)(op + 1));
                MEM(true, r, a, imm, 0, p, 0x48, (uint8_t)(op + 3));
            }
            unsigned k = op >> 3;
            MEM(true, k, a, imm, 1, p, 0x80);                /* op byte [m], ib */
            MEM(true, k, a, imm, 4, p, 0x81);                /* op dword [m], id */
            MEM(true, k, a, imm, 1, p, 0x83);                /* op dword [m], ib */
            MEM(true, k, a, imm, 2, p, 0x66, 0x81);          /* op word [m], iw */
            if (long64)
                MEM(true, k, a, imm, 4, p, 0x48, 0x81);      /* op qword [m], id */
        }
        for (uint8_t op = 0x84; op < 0x8c; op++)             /* TEST, MOV m,r / r,m */
            if (op != 0x86 && op != 0x87)                    /* not XCHG */
                MEM(true, r, a, imm, 0, p, op);
        MEM(true, r, a, imm, 0, p, 0x66, 0x89);
        MEM(true, r, a, imm, 0, p, 0x66, 0x8b);
        MEM(true, 0, a, imm, 1, p, 0xc6);                    /* mov byte [m], ib */
        MEM(true, 0, a, imm, 2, p, 0x66, 0xc7);              /* mov word [m], iw */
        MEM(true, 0, a, imm, 4, p, 0xc7);                    /* mov dword [m], id */
        MEM(true, 0, a, imm, 1, p, 0xf6);                    /* test byte [m], ib */
        MEM(true, 0, a, imm, 4, p, 0xf7);                    /* test dword [m], id */
        for (uint8_t op = 0xb6; op < 0xc0; op++) {           /* MOVZX, MOVSX */
            if (op == 0xb8)
                op = 0xbe;
            MEM(true, r, a, imm, 0, p, 0x0f, op);
            MEM(false, r, a, imm, 0, p, 0x66, 0x0f, op);     /* 16-bit destination */
            if (long64)
                MEM(true, r, a, imm, 0, p, 0x48, 0x0f, op);
        }
        MEM(true, r, a, imm, 0, p, 0x8d);                    /* lea */
        MEM(true, r, a, imm, 0, p, 0x0f, 0xaf);              /* imul r32, m */
        MEM(false, r, a, imm, 0, p, 0x0f, 0x44);             /* cmove r32, m */
        MEM(false, 0, a, imm, 0, p, 0x0f, 0x94);             /* sete byte [m] */
        if (long64) {
            MEM(true, r, a, imm, 0, p, 0x48, 0x89);
            MEM(true, r, a, imm, 0, p, 0x48, 0x8b);
            MEM(true, r, a, imm, 0, p, 0x48, 0x85);
            MEM(true, 0, a, imm, 4, p, 0x48, 0xc7);          /* mov qword [m], id */
            MEM(true, r, a, imm, 0, p, 0x48, 0x63);          /* movsxd */
            MEM(true, r, a, imm, 0, p, 0x4c, 0x63);          /* movsxd r8.. */
            MEM(true, r, a, imm, 0, p, 0x48, 0x8d);          /* lea r64 */
            MEM(true, r, a, imm, 0, p, 0x4c, 0x8b);          /* mov r8.., [m] */
            MEM(true, r, a, imm, 0, p, 0x40, 0x88);          /* mov [m], al (REX) */
        }
    }
}

/* Conditions (Jcc, CMOVcc, SETcc), JMP rel, shifts of every size by an
 * immediate, 1 and CL. */
static void cc_and_shift_forms(void)
{
    bool long64 = cpu->code64;
    for (uint8_t cc = 0; cc < 16; cc++) {
        FORM(true, 0x0f, (uint8_t)(0x40 | cc), 0xc3);                   /* cmovcc eax, ebx */
        FORM(true, 0x0f, (uint8_t)(0x40 | cc), 0xc8);                   /* cmovcc ecx, eax */
        FORM(false, 0x66, 0x0f, (uint8_t)(0x40 | cc), 0xc3);            /* cmovcc ax, bx */
        FORM(true, 0x0f, (uint8_t)(0x90 | cc), 0xc1);                   /* setcc cl */
        FORM(false, 0x0f, (uint8_t)(0x90 | cc), 0xc4);                  /* setcc ah */
        if (long64) {
            FORM(true, 0x48, 0x0f, (uint8_t)(0x40 | cc), 0xd1);         /* cmovcc rdx, rcx */
            FORM(true, 0x4d, 0x0f, (uint8_t)(0x40 | cc), 0xc7);         /* cmovcc r8, r15 */
            FORM(true, 0x40, 0x0f, (uint8_t)(0x90 | cc), 0xc6);         /* setcc sil */
            FORM(true, 0x41, 0x0f, (uint8_t)(0x90 | cc), 0xc1);         /* setcc r9b */
        }
    }
    for (uint8_t op = 0xb6; op < 0xc0; op++) {               /* MOVZX, MOVSX r, r */
        if (op == 0xb8)
            op = 0xbe;
        FORM(true, 0x0f, op, 0xc3);                          /* eax, bl / bx */
        FORM(true, 0x0f, op, 0xd2);                          /* edx, dl / dx */
        FORM(op & 1, 0x0f, op, 0xcc);                        /* ecx, ah (no) / sp */
        FORM(false, 0x66, 0x0f, op, 0xc3);                   /* 16-bit destination */
        if (long64) {
            FORM(true, 0x48, 0x0f, op, 0xc3);                /* rax, bl / bx */
            FORM(true, 0x4d, 0x0f, op, 0xc7);                /* r8, r15b / r15w */
            FORM(true, 0x40, 0x0f, op, 0xce);                /* ecx, sil / si */
        }
    }
    if (long64) {
        FORM(true, 0x48, 0x63, 0xc3);                        /* movsxd rax, ebx */
        FORM(true, 0x4d, 0x63, 0xc7);                        /* movsxd r8, r15d */
    }
    for (uint8_t r = 2; r < 4; r++) {                        /* NOT, NEG */
        FORM(true, 0xf6, (uint8_t)(0xc1 | (r << 3)));        /* cl */
        FORM(false, 0xf6, (uint8_t)(0xc4 | (r << 3)));       /* ah */
        FORM(true, 0x66, 0xf7, (uint8_t)(0xc2 | (r << 3)));  /* dx */
        FORM(true, 0xf7, (uint8_t)(0xc3 | (r << 3)));        /* ebx */
        FORM(false, 0xf7, (uint8_t)(0x46 | (r << 3)), 0x04); /* dword [esi+4] */
        if (long64)
            FORM(true, 0x49, 0xf7, (uint8_t)(0xc1 | (r << 3)));   /* r9 */
    }
    FORM(true, 0xeb, 0x10);                                  /* jmp +0x10 */
    FORM(true, 0xeb, 0x80);                                  /* jmp -0x80 */
    FORM(true, 0xe9, 0x00, 0xf0, 0xff, 0xff);                /* jmp -0x1000 */
    FORM(false, 0xff, 0xe3);                                 /* jmp ebx / rbx */
    static const uint8_t counts[] = { 0, 1, 3, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 0xff };
    for (uint8_t r = 4; r < 8; r++) {
        if (r == 6)
            continue;
        uint8_t m = (uint8_t)(0xc0 | (r << 3));
        for (size_t i = 0; i < sizeof(counts); i++) {
            FORM(true, 0xc0, (uint8_t)(m | 1), counts[i]);              /* op cl, n */
            FORM(true, 0x66, 0xc1, (uint8_t)(m | 2), counts[i]);        /* op dx, n */
            FORM(true, 0xc1, (uint8_t)(m | 3), counts[i]);              /* op ebx, n */
            if (long64)
                FORM(true, 0x49, 0xc1, (uint8_t)(m | 1), counts[i]);    /* op r9, n */
        }
        FORM(true, 0xd0, (uint8_t)(m | 3));                  /* op bl, 1 */
        FORM(true, 0x66, 0xd1, (uint8_t)(m | 3));            /* op bx, 1 */
        FORM(true, 0xd2, (uint8_t)(m | 2));                  /* op dl, cl */
        FORM(true, 0xd2, (uint8_t)(m | 1));                  /* op cl, cl */
        FORM(true, 0x66, 0xd3, (uint8_t)(m | 2));            /* op dx, cl */
        FORM(true, 0xd3, (uint8_t)(m | 0));                  /* op eax, cl */
        FORM(true, 0xd3, (uint8_t)(m | 1));                  /* op ecx, cl */
        FORM(false, 0xd2, (uint8_t)(m | 4));                 /* op ah, cl */
        FORM(false, 0xd3, (uint8_t)(0x40 | (r << 3) | 6), 0x04);   /* op dword [esi+4], cl */
        if (long64) {
            FORM(true, 0x48, 0xd3, (uint8_t)(m | 2));        /* op rdx, cl */
            FORM(true, 0x49, 0xd3, (uint8_t)(m | 1));        /* op r9, cl */
            FORM(true, 0x48, 0xd1, (uint8_t)(m | 1));        /* op rcx, 1 */
            FORM(true, 0x40, 0xd0, (uint8_t)(m | 6));        /* op sil, 1 */
        }
    }
}

START_TEST(test_fast_mem_prot32)
{
    mode_prot32();
    mem_forms(0);
    mem_forms(0x36);   /* SS: the same flat segment */
}
END_TEST

START_TEST(test_fast_mem_long64)
{
    mode_long64();
    mem_forms(0);
    addr32_garbage = true;
    mem_forms(0x67);
    addr32_garbage = false;
    /* FS with a base: not the flat 64-bit addressing forms */
    x86_set_seg_cache(cpu, R_FS, 0x10, 8, 0xffffffff, 0xc093);
    mem_forms(0x64);
}
END_TEST

START_TEST(test_fast_cc)
{
    mode_prot32();
    cc_and_shift_forms();
    mode_long64();
    cc_and_shift_forms();
}
END_TEST

/* ---- fused compare-and-branch entries (interp_fuse_jcc) ---- */

static X86Insn decode_at(const uint8_t *code, unsigned n, uint64_t pc)
{
    Bytes c = { code, n };
    X86DecodeMode mode = { .code64 = cpu->code64, .code32 = cpu->code32, .features = ~0ull };
    X86Insn insn;
    if (x86_decode(&insn, &mode, fetch, &c, pc) != DEC_OK || insn.len != n)
        ck_abort_msg("fuse %s: decode", hex(code, n));
    return insn;
}

static ExecInsn exec_entry(const X86Insn *insn)
{
    ExecInsn x = { .insn = *insn, .next_rip = insn->pc + insn->len, .simple = true, .span = 1 };
    X86Handler fast = interp_fast_handler(insn);
    x.handler = fast ? fast : insn->row->handler;
    return x;
}

/* `code` then Jcc `cond` (rel8 +0x10): fused iff `expect`, and the fused
 * entry has the effects of the two generic handlers in a row. */
static void check_fused(const uint8_t *code, unsigned n, unsigned cond, bool expect)
{
    const uint8_t jcc[2] = { (uint8_t)(0x70 + cond), 0x10 };
    X86Insn a = decode_at(code, n, 0x1000), j = decode_at(jcc, 2, 0x1000 + n);
    ExecInsn ea = exec_entry(&a), ej = exec_entry(&j);
    if (interp_fuse_jcc(&ea, &ej) != expect)
        ck_abort_msg("fuse %s + j%x: %s", hex(code, n), cond, expect ? "not fused" : "fused");
    if (!expect)
        return;
    for (int iter = 0; iter < 200; iter++) {
        randomize();
        if (iter & 1)
            cpu->regs[a.reg & 15] = cpu->regs[a.rm & 15];   /* equal operands */
        LazyFlags cc = cpu->cc;
        uint64_t rflags = cpu->rflags;
        State before, generic, fused;
        save(&before);
        cpu->rip = a.pc + a.len;
        a.row->handler(cpu, &a);
        cpu->rip = j.pc + j.len;
        j.row->handler(cpu, &j);
        save(&generic);
        memcpy(cpu->regs, before.regs, sizeof(before.regs));
        cpu->cc = cc;
        cpu->rflags = rflags;
        cpu->rip = ea.next_rip;
        ea.handler(cpu, &ea.insn);
        save(&fused);
        if (memcmp(generic.regs, fused.regs, sizeof(generic.regs)) != 0 ||
            generic.rflags != fused.rflags || generic.rip != fused.rip)
            ck_abort_msg("fuse %s + j%x: rflags %llx/%llx rip %llx/%llx", hex(code, n), cond,
                         (unsigned long long)generic.rflags, (unsigned long long)fused.rflags,
                         (unsigned long long)generic.rip, (unsigned long long)fused.rip);
        /* the chained form: goes on iff not taken */
        memcpy(cpu->regs, before.regs, sizeof(before.regs));
        cpu->cc = cc;
        cpu->rflags = rflags;
        bool went_on = run_chained(&ea, "fused");
        save(&fused);
        if (memcmp(generic.regs, fused.regs, sizeof(generic.regs)) != 0 ||
            generic.rflags != fused.rflags || generic.rip != fused.rip ||
            went_on != (generic.rip == ea.next_rip))
            ck_abort_msg("fuse %s + j%x: chained: rip %llx/%llx", hex(code, n), cond,
                         (unsigned long long)generic.rip, (unsigned long long)fused.rip);
    }
}

START_TEST(test_fused_jcc)
{
    mode_long64();
    static const struct { uint8_t b[7]; unsigned n; bool fuse; } firsts[] = {
        { { 0x39, 0xc8 }, 2, true },                          /* cmp eax,ecx */
        { { 0x48, 0x39, 0xc8 }, 3, true },                    /* cmp rax,rcx */
        { { 0x3b, 0xd3 }, 2, true },                          /* cmp edx,ebx */
        { { 0x83, 0xf8, 0x80 }, 3, true },                    /* cmp eax,-128 */
        { { 0x48, 0x83, 0xf9, 0x7f }, 4, true },              /* cmp rcx,127 */
        { { 0x48, 0x3d, 0x00, 0x00, 0x00, 0x80 }, 6, true },  /* cmp rax,-2^31 */
        { { 0x85, 0xc8 }, 2, true },                          /* test eax,ecx */
        { { 0x48, 0x85, 0xd2 }, 3, true },                    /* test rdx,rdx */
        { { 0xa9, 0x00, 0x00, 0x00, 0x80 }, 5, true },        /* test eax,0x80000000 */
        { { 0x29, 0xc8 }, 2, true },                          /* sub eax,ecx */
        { { 0x48, 0x83, 0xe9, 0x01 }, 4, true },              /* sub rcx,1 */
        { { 0x01, 0xc8 }, 2, false },                         /* add eax,ecx */
        { { 0x39, 0x06 }, 2, false },                         /* cmp [rsi],eax */
        { { 0x66, 0x39, 0xc8 }, 3, false },                   /* cmp ax,cx */
        { { 0x38, 0xc8 }, 2, false },                         /* cmp al,cl */
    };
    for (size_t i = 0; i < sizeof(firsts) / sizeof(firsts[0]); i++)
        for (unsigned cond = 0; cond < 16; cond++) {
            bool fusable = cond != 0 && cond != 1 && cond != 10 && cond != 11;   /* O, P */
            check_fused(firsts[i].b, firsts[i].n, cond, firsts[i].fuse && fusable);
        }
    /* a Jcc in 32-bit code is not fused */
    mode_prot32();
    static const uint8_t cmp32[] = { 0x39, 0xc8 };
    check_fused(cmp32, sizeof(cmp32), 4, false);
}
END_TEST

START_TEST(test_fast_prot32)
{
    mode_prot32();
    forms32();
    FORM(true, 0xa1, 0x04, 0x30, 0x00, 0x00);                /* mov eax, [0x3004] */
    FORM(true, 0xa2, 0x05, 0x30, 0x00, 0x00);                /* mov [0x3005], al */
}
END_TEST

START_TEST(test_fast_long64)
{
    mode_long64();
    forms32();
    FORM(true, 0x48, 0x01, 0xd8);                            /* add rax, rbx */
    FORM(true, 0x4d, 0x29, 0xc8);                            /* sub r8, r9 */
    FORM(true, 0x48, 0x83, 0xe1, 0xf0);                      /* and rcx, -16 */
    FORM(true, 0x48, 0x8b, 0x46, 0x08);                      /* mov rax, [rsi+8] */
    FORM(true, 0x48, 0x89, 0x5e, 0x10);                      /* mov [rsi+16], rbx */
    FORM(true, 0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 0x88);       /* mov rax, imm64 */
    FORM(true, 0x48, 0xc7, 0xc1, 0xf0, 0xff, 0xff, 0xff);    /* mov rcx, -16 */
    FORM(true, 0x48, 0x3b, 0x46, 0x04);                      /* cmp rax, [rsi+4] */
    FORM(true, 0x48, 0x13, 0x56, 0x08);                      /* adc rdx, [rsi+8] */
    FORM(true, 0x49, 0xff, 0xc7);                            /* inc r15 */
    FORM(true, 0x48, 0xc1, 0xf8, 0x3f);                      /* sar rax, 63 */
    FORM(true, 0x48, 0xd1, 0xe2);                            /* shl rdx, 1 */
    FORM(true, 0x40, 0x88, 0x76, 0x02);                      /* mov [rsi+2], sil */
    FORM(true, 0x66, 0x01, 0xd8);                            /* add ax, bx */
    FORM(true, 0x40, 0x00, 0xfe);                            /* add sil, dil */
    FORM(true, 0x48, 0x01, 0x4e, 0x08);                      /* add [rsi+8], rcx */
    FORM(true, 0x48, 0x83, 0x6e, 0x08, 0x01);                /* sub qword [rsi+8], 1 */
    FORM(true, 0x48, 0xc7, 0x46, 0x10, 0x00, 0x00, 0x00, 0x80); /* mov qword [rsi+16], -2^31 */
    FORM(true, 0x48, 0x19, 0x5e, 0x10);                      /* sbb [rsi+16], rbx */
    FORM(true, 0x48, 0x8d, 0x04, 0x49);                      /* lea rax, [rcx+rcx*2] */
    FORM(true, 0x4c, 0x8d, 0x05, 0x10, 0x00, 0x00, 0x00);    /* lea r8, [rip+0x10] */
    FORM(true, 0x48, 0xa1, 0x08, 0x30, 0, 0, 0, 0, 0, 0);    /* mov rax, [0x3008] */
    FORM(true, 0x48, 0x0f, 0xaf, 0xc3);                      /* imul rax, rbx */
    FORM(true, 0x4c, 0x0f, 0xaf, 0x46, 0x08);                /* imul r8, [rsi+8] */
    FORM(true, 0x48, 0x6b, 0xd2, 0x81);                      /* imul rdx, rdx, -127 */
    FORM(true, 0x48, 0x69, 0xc1, 0x00, 0x00, 0x00, 0x80);    /* imul rax, rcx, -2^31 */
    FORM(true, 0x53);                                        /* push rbx */
    FORM(true, 0x41, 0x54);                                  /* push r12 */
    FORM(true, 0x54);                                        /* push rsp */
    FORM(true, 0x6a, 0x80);                                  /* push -128 */
    FORM(true, 0x68, 0x78, 0x56, 0x34, 0x92);                /* push imm32 (sign-extended) */
    FORM(true, 0x5d);                                        /* pop rbp */
    FORM(true, 0x41, 0x5f);                                  /* pop r15 */
    FORM(true, 0x5c);                                        /* pop rsp */
    FORM(true, 0x8f, 0xc1);                                  /* pop rcx (8F /0) */
    FORM(true, 0xe8, 0x00, 0x01, 0x00, 0x00);                /* call +0x100 */
    FORM(true, 0xe8, 0x00, 0xf0, 0xff, 0xff);                /* call -0x1000 */
    FORM(true, 0xff, 0xd6);                                  /* call rsi */
    FORM(true, 0xc3);                                        /* ret */
    FORM(true, 0xc2, 0x08, 0x00);                            /* ret 8 */
    FORM(false, 0x66, 0x53);                                 /* push bx */
    FORM(false, 0xff, 0x76, 0x08);                           /* push qword [rsi+8] */
    FORM(true, 0x67, 0x48, 0x8d, 0x44, 0x0e, 0x80);          /* lea rax, [esi+ecx-128] */
}
END_TEST

int main(void)
{
    Suite *s = suite_create("interp-fast");
    TCase *tc = tcase_create("interp-fast");
    tcase_add_checked_fixture(tc, setup, tm_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_fast_prot32);
    tcase_add_test(tc, test_fast_long64);
    tcase_add_test(tc, test_fast_mem_prot32);
    tcase_add_test(tc, test_fast_mem_long64);
    tcase_add_test(tc, test_fast_cc);
    tcase_add_test(tc, test_fused_jcc);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
