/*
 * The JIT front end (target-x86/translate*.c) against the interpreter:
 * random sequences of the natively translated forms (and some that take
 * the generic fallback) run once under x86_cpu_exec and once through
 * x86_translate_block + tcg_optimize + tcg_liveness + a back end (tci, and
 * x86_64 where built) in a small loop following translate.h's exit
 * protocol, from identical states, in 64-bit mode with paging (CPL 0 and
 * 3) and in flat 32-bit protected mode; registers, rip, RFLAGS, the lazy
 * flags state, icount, CR2 and all of RAM must come out identical. Also: faults in the middle of a block
 * (#PF, #GP, #SS delivered through the IDT), the entry check (pending
 * request, icount limit), the stop rules.
 */
#include "tests/unit/x86-test-machine.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "target-x86/cc.h"
#include "target-x86/translate.h"
#include "unit-test.h"

#define RAM_SIZE   0x100000u
#define GDT        0x0000u
#define IDT        0x1000u
#define HANDLER    0x2000u
#define PML4       0x3000u
#define CODE       0x10000u
#define DATA       0x20000u      /* .. 0x30000 */
#define STACK      0x38000u
#define HOLE       0x50000u      /* a page left unmapped (64-bit mode) */
#define TB_ID      0x1000u

/* ---- machine state ---- */

static uint8_t *ram_ref;          /* RAM after the interpreter's run */
static uint8_t *ram_start;        /* RAM of the starting state */
static X86CPU *cpu_start, *cpu_ref;
static uint64_t rng;

static void setup(void)
{
    tm_setup_ram(RAM_SIZE);
    ram_ref = malloc(RAM_SIZE);
    ram_start = malloc(RAM_SIZE);
    cpu_start = malloc(sizeof(X86CPU));
    cpu_ref = malloc(sizeof(X86CPU));
    ck_assert(ram_ref && ram_start && cpu_start && cpu_ref);
    rng = 0x9e3779b97f4a7c15ull;
}

static void teardown(void)
{
    free(ram_ref);
    free(ram_start);
    free(cpu_start);
    free(cpu_ref);
    tm_teardown();
}

static uint64_t rnd(void)
{
    return tm_xorshift64(&rng);
}

static unsigned rndn(unsigned n)
{
    return (unsigned)(rnd() % n);
}

/* Operand values: boundaries and small numbers often. */
static uint64_t rnd_value(void)
{
    static const uint64_t special[] = {
        0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000,
        0xffffffff, 0x7fffffffffffffffull, 0x8000000000000000ull, ~0ull, 0x100, 63, 64,
    };
    switch (rndn(4)) {
    case 0: return special[rndn(sizeof(special) / sizeof(special[0]))];
    case 1: return rndn(300);
    default: return rnd();
    }
}

/* Vector v's handler: a HLT at HANDLER + v. */
static void idt_gate(unsigned v, bool long_mode)
{
    uint64_t h = HANDLER + v;
    uint64_t lo = (h & 0xffff) | (0x08ull << 16) | (0x8eull << 40) | ((h >> 16) << 48);
    put64(IDT + v * (long_mode ? 16 : 8), lo);
    if (long_mode)
        put64(IDT + v * 16 + 8, 0);
    put8(h, 0xf4);
}

static void common_setup(bool long_mode)
{
    memset(tm_ram.ram, 0, RAM_SIZE);
    for (unsigned v = 0; v < 32; v++)
        idt_gate(v, long_mode);
    cpu->idtr.base = IDT;
    cpu->idtr.limit = long_mode ? 32 * 16 - 1 : 32 * 8 - 1;
    cpu->gdtr.base = GDT;
    cpu->gdtr.limit = 3 * 8 - 1;
    for (int r = 0; r < 16; r++)
        cpu->regs[r] = 0;
    cpu->rflags = 2;
    cpu->cc.op = CC_OP_EFLAGS;
    cpu->halted = false;
    cpu->icount = 0;
    cpu->dr[7] = 0x400;
}

/* Long mode, identity map of the first 2 MiB in 4 KiB pages but HOLE. */
static void mode_long64(void)
{
    common_setup(true);
    put64(GDT + 8, 0x00209a0000000000ull);
    put64(GDT + 16, 0x00cf92000000ffffull);
    put64(PML4, (PML4 + 0x1000) | 3);
    put64(PML4 + 0x1000, (PML4 + 0x2000) | 3);
    put64(PML4 + 0x2000, (PML4 + 0x3000) | 3);
    for (uint64_t i = 0; i < 512; i++)
        put64(PML4 + 0x3000 + i * 8, i * 0x1000 == HOLE ? 0 : (i * 0x1000) | 3);
    cpu->cr3 = PML4;
    cpu->cr4 = CR4_PAE;
    cpu->efer = EFER_LME | EFER_LMA;
    cpu->cr0 = CR0_ET | CR0_PE | CR0_PG;
    tm_load_segs(0x08, 0, 0xa09b, 0x10, 0, 0xc093, 0xffffffff);
    x86_update_hflags(cpu);
    tlb_flush(&cpu->tlb);
}

/* The same at CPL 3: user pages and segments, a 64-bit TSS whose RSP0 the
 * exception delivery switches to. */
#define TSS 0x7000u
#define KSTACK 0x3f000u

static void mode_long64_user(void)
{
    mode_long64();
    put64(GDT + 24, 0x0020fa0000000000ull);
    put64(GDT + 32, 0x00cff2000000ffffull);
    put64(GDT + 40, 0x67 | ((uint64_t)TSS << 16) | (0x89ull << 40));
    put64(GDT + 48, 0);
    cpu->gdtr.limit = 7 * 8 - 1;
    put64(TSS + 4, KSTACK);
    for (uint64_t i = 0; i < 3; i++)
        put64(PML4 + i * 0x1000, get64(PML4 + i * 0x1000) | 4);
    for (uint64_t i = 0; i < 512; i++)
        if (get64(PML4 + 0x3000 + i * 8) && i * 0x1000 != HOLE + 0x1000)   /* one supervisor page */
            put64(PML4 + 0x3000 + i * 8, get64(PML4 + 0x3000 + i * 8) | 4);
    cpu->tr = (SegmentCache){ .selector = 0x28, .base = TSS, .limit = 0x67, .attr = 0x8b };
    tm_load_segs(0x1b, 0, 0xa0fb, 0x23, 0, 0xc0f3, 0xffffffff);
    x86_update_hflags(cpu);
    tlb_flush(&cpu->tlb);
    ck_assert_int_eq(cpu->cpl, 3);
}

/* Flat 32-bit protected mode without paging. */
static void mode_flat32(void)
{
    common_setup(false);
    put64(GDT + 8, 0x00cf9a000000ffffull);
    put64(GDT + 16, 0x00cf92000000ffffull);
    cpu->cr0 = CR0_ET | CR0_PE;
    cpu->cr4 = 0;
    cpu->efer = 0;
    tm_load_segs(0x08, 0, 0xc09b, 0x10, 0, 0xc093, 0xffffffff);
    x86_update_hflags(cpu);
    tlb_flush(&cpu->tlb);
}

/* ---- the JIT side: translate, optimize, generate, run ---- */

/* TRANSLATE_DUMP=1: print the IR of every block (debugging). */
static void dump_out(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
}

static void maybe_dump(TCGContext *s, const char *when)
{
    if (getenv("TRANSLATE_DUMP")) {
        fprintf(stderr, "---- %s\n", when);
        tcg_dump_ops(s, dump_out);
    }
}

typedef struct Jit {
    const TCGBackend *be;
    TCGContext s;
    uint8_t *buf;
    size_t buf_size, prologue_size;
    uint8_t arena[1 << 16];
    size_t arena_used;
    X86TranslateResult r;
    bool running;          /* r describes the block running */
    unsigned blocks, requested;
} Jit;


static void *arena_alloc(void *opaque, size_t size)
{
    Jit *j = opaque;
    size = (size + 15) & ~(size_t)15;
    if (j->arena_used + size > sizeof(j->arena))
        return NULL;
    void *p = j->arena + j->arena_used;
    j->arena_used += size;
    return p;
}

static Jit *jit_new(const TCGBackend *be)
{
    Jit *j = calloc(1, sizeof(*j));
    ck_assert_ptr_nonnull(j);
    j->be = be;
    j->buf_size = 1 << 20;
    if (be->native) {
        j->buf = mmap(NULL, j->buf_size, PROT_READ | PROT_WRITE | PROT_EXEC,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        ck_assert(j->buf != MAP_FAILED);
    } else {
        j->buf = malloc(j->buf_size);
        ck_assert_ptr_nonnull(j->buf);
    }
    j->prologue_size = be->gen_prologue(j->buf, j->buf_size);
    ck_assert_uint_gt(j->prologue_size, 0);
    if (be->flush_icache)
        be->flush_icache(j->buf, j->prologue_size);
    tcg_ctx_init(&j->s);
    x86_tcg_init(&j->s);
    return j;
}

static void jit_free(Jit *j)
{
    tcg_ctx_free(&j->s);
    if (j->be->native)
        munmap(j->buf, j->buf_size);
    else
        free(j->buf);
    free(j);
}

/* The instructions of the running block not run when a fault left it. */
static void jit_fault_icount(Jit *j)
{
    if (!j->running)
        return;
    j->running = false;
    for (unsigned i = 0; i < j->r.ninsns; i++) {
        if (j->r.insn_pc[i] == cpu->insn_start_rip) {
            cpu->icount -= j->r.ninsns - i;
            return;
        }
    }
    ck_abort_msg("fault at %#llx outside the block", (unsigned long long)cpu->insn_start_rip);
}

/* Translate and run the block at cpu->rip; its exit value, or -1 when no
 * block was made (one interpreted instruction instead). */
static int64_t jit_block(Jit *j, uint64_t limit, uint32_t extra_flags)
{
    unsigned avail = 0;
    const uint8_t *host = x86_code_ptr(cpu, cpu->rip, &avail);
    uint64_t room = limit - cpu->icount;
    X86TranslateParams p = {
        .cpu = cpu, .pc = cpu->rip, .cs_base = cpu->seg[R_CS].base,
        .flags = x86_tb_flags(cpu) | extra_flags, .features = ~0ull, .host = host, .avail = avail,
        .max_insns = room < X86_TB_MAX_INSNS ? (unsigned)room : X86_TB_MAX_INSNS,
        .tb_id = TB_ID, .alloc = arena_alloc, .alloc_opaque = j,
    };
    j->arena_used = 0;
    if (!host || !x86_translate_block(&j->s, &p, &j->r)) {
        x86_exec_one(cpu);
        return -1;
    }
    maybe_dump(&j->s, "translated");
    tcg_optimize(&j->s);
    tcg_liveness(&j->s);
    maybe_dump(&j->s, "optimized");
    TCGCodeInfo info;
    uint8_t *code = j->buf + ((j->prologue_size + 63) & ~(size_t)63);
    ck_assert(j->be->gen_code(&j->s, code, j->buf_size - (size_t)(code - j->buf), &info));
    if (j->be->flush_icache)
        j->be->flush_icache(code, info.size);
    cpu->tcg_icount_limit = limit;
    j->running = true;
    j->blocks++;
    uintptr_t ret = j->be->exec(j->buf, cpu, code);
    j->running = false;
    return (int64_t)ret;
}

/* Run until HLT or `max` instructions, blocks only (as x86_cpu_exec: a
 * fault is delivered and the run goes on). */
static void jit_run(Jit *j, uint64_t max)
{
    volatile uint64_t limit = cpu->icount + max;
    if (setjmp(cpu->jmp_env) != 0) {
        jit_fault_icount(j);
        x86_release_bus_lock();
        cpu->rip = cpu->insn_start_rip;
        cc_flush(cpu);
        x86_deliver_exception(cpu);
    }
    while (!cpu->halted && cpu->icount < limit) {
        int64_t ret = jit_block(j, limit, 0);
        if (ret < 0)
            continue;
        unsigned kind = (unsigned)ret & TB_EXIT_MASK;
        ck_assert_msg(ret == 0 || (uintptr_t)(ret & ~(int64_t)TB_EXIT_MASK) == TB_ID,
                      "exit value %#llx", (unsigned long long)ret);
        ck_assert_uint_eq(cpu->tcg_tb, TB_ID);
        if (ret != 0 && kind == TB_EXIT_REQUESTED)
            j->requested++;
    }
}

/* ---- comparing the two runs ---- */

static void snapshot(X86CPU *to)
{
    memcpy(to, cpu, sizeof(*cpu));
}

static void restore(const X86CPU *from)
{
    memcpy(cpu, from, sizeof(*cpu));
}

static void dump_code(const uint8_t *code, size_t len)
{
    fprintf(stderr, "code:");
    for (size_t i = 0; i < len; i++)
        fprintf(stderr, " %02x", code[i]);
    fprintf(stderr, "\n");
}

/* TRANSLATE_TRACE=n: the n-th compared program runs one instruction at a
 * time under both engines, printing where they part (debugging). */
static void trace_steps(Jit *j)
{
    X86CPU *a = malloc(sizeof(*a));
    ck_assert_ptr_nonnull(a);
    for (int step = 0; step < 200 && !cpu->halted; step++) {
        snapshot(cpu_start);
        memcpy(ram_start, tm_ram.ram, RAM_SIZE);
        x86_cpu_exec(cpu, 1);
        snapshot(a);
        memcpy(ram_ref, tm_ram.ram, RAM_SIZE);
        restore(cpu_start);
        memcpy(tm_ram.ram, ram_start, RAM_SIZE);
        if (setjmp(cpu->jmp_env) != 0) {
            jit_fault_icount(j);
            cpu->rip = cpu->insn_start_rip;
            cc_flush(cpu);
            x86_deliver_exception(cpu);
        } else {
            jit_block(j, cpu->icount + 1, X86_TB_SINGLE);
        }
        bool same = memcmp(a->regs, cpu->regs, sizeof(a->regs)) == 0 && a->rip == cpu->rip &&
                    memcmp(ram_ref, tm_ram.ram, RAM_SIZE) == 0;
        fprintf(stderr, "step %d: rip %#llx/%#llx%s\n", step, (unsigned long long)cpu->rip,
                (unsigned long long)a->rip, same ? "" : " DIFFERENT");
        if (!same) {
            for (int r = 0; r < 16; r++)
                fprintf(stderr, "  r%d %#llx/%#llx\n", r, (unsigned long long)cpu->regs[r],
                        (unsigned long long)a->regs[r]);
            break;
        }
    }
    free(a);
}

/* Run the code at CODE from the current state with both engines and
 * compare. */
static void compare_runs(Jit *j, const uint8_t *code, size_t len, const char *what)
{
    static int count;
    memcpy(tm_ram.ram + CODE, code, len);
    cpu->rip = CODE;
    if (getenv("TRANSLATE_TRACE") && atoi(getenv("TRANSLATE_TRACE")) == count++) {
        dump_code(code, len);
        trace_steps(j);
        return;
    }
    snapshot(cpu_start);
    memcpy(ram_start, tm_ram.ram, RAM_SIZE);

    int rc = x86_cpu_exec(cpu, 10000);
    if (rc != EXEC_HALTED) {
        dump_code(code, len);
        fprintf(stderr, "rip %#llx\n", (unsigned long long)cpu->rip);
    }
    ck_assert_msg(rc == EXEC_HALTED, "%s: interpreter did not halt (%d)", what, rc);
    snapshot(cpu_ref);
    uint64_t ref_rflags = x86_get_rflags(cpu);
    memcpy(ram_ref, tm_ram.ram, RAM_SIZE);

    restore(cpu_start);
    memcpy(tm_ram.ram, ram_start, RAM_SIZE);
    tlb_flush(&cpu->tlb);
    jit_run(j, 10000);

    bool ok = cpu->halted && cpu->rip == cpu_ref->rip && x86_get_rflags(cpu) == ref_rflags &&
              cpu->icount == cpu_ref->icount && cpu->cr2 == cpu_ref->cr2 &&
              memcmp(cpu->regs, cpu_ref->regs, sizeof(cpu->regs)) == 0 &&
              /* the lazy flags too, exactly as the interpreter records them */
              cpu->cc.op == cpu_ref->cc.op && cpu->cc.dst == cpu_ref->cc.dst &&
              cpu->cc.src == cpu_ref->cc.src && cpu->cc.src2 == cpu_ref->cc.src2;
    if (!ok) {
        dump_code(code, len);
        for (int r = 0; r < 16; r++)
            if (cpu->regs[r] != cpu_ref->regs[r])
                fprintf(stderr, "r%d: jit %#llx interp %#llx\n", r,
                        (unsigned long long)cpu->regs[r], (unsigned long long)cpu_ref->regs[r]);
        fprintf(stderr, "cc op %u/%u dst %#llx/%#llx src %#llx/%#llx src2 %#llx/%#llx\n",
                cpu->cc.op, cpu_ref->cc.op, (unsigned long long)cpu->cc.dst,
                (unsigned long long)cpu_ref->cc.dst, (unsigned long long)cpu->cc.src,
                (unsigned long long)cpu_ref->cc.src, (unsigned long long)cpu->cc.src2,
                (unsigned long long)cpu_ref->cc.src2);
        fprintf(stderr, "rip %#llx/%#llx rflags %#llx/%#llx icount %llu/%llu cr2 %#llx/%#llx "
                "halted %d\n", (unsigned long long)cpu->rip, (unsigned long long)cpu_ref->rip,
                (unsigned long long)x86_get_rflags(cpu), (unsigned long long)ref_rflags,
                (unsigned long long)cpu->icount, (unsigned long long)cpu_ref->icount,
                (unsigned long long)cpu->cr2, (unsigned long long)cpu_ref->cr2, cpu->halted);
    }
    ck_assert_msg(ok, "%s (%s): state differs", what, j->be->name);
    if (memcmp(tm_ram.ram, ram_ref, RAM_SIZE) == 0)
        return;
    for (size_t a = 0; a < RAM_SIZE; a++) {
        if (tm_ram.ram[a] != ram_ref[a]) {
            dump_code(code, len);
            ck_abort_msg("%s (%s): RAM differs at %#zx: jit %#x interp %#x", what, j->be->name, a,
                         tm_ram.ram[a], ram_ref[a]);
        }
    }
}

/* ---- a small encoder of the forms under test ---- */

typedef struct Enc {
    uint8_t b[512];
    unsigned n;
    int rip_disp;          /* offset of a rip-relative disp32 to patch, or -1 */
    uint64_t rip_target;
} Enc;

typedef struct Gen {
    bool m64;
    uint8_t code[4096];
    size_t len;
    int pushes;            /* net pushes (kept >= 0: pops read what was pushed) */
    int depth;             /* nesting of branches over the next instruction */
} Gen;

/* A memory operand or a register. */
typedef struct RM {
    bool mem;
    int reg;               /* register operand */
    int form;              /* memory form */
    int32_t disp;
} RM;

enum { M_BASE8, M_BASE_INDEX, M_ABS, M_RIP, M_FS, M_A32, M_RSP, M_A16, NB_MFORMS };

static void put(Enc *e, uint8_t v) { e->b[e->n++] = v; }

static void put_le(Enc *e, uint64_t v, unsigned size)
{
    for (unsigned i = 0; i < size; i++)
        put(e, (uint8_t)(v >> (8 * i)));
}

/* May a random value land in register `reg` at `size`? (not RBX: base,
 * RSI: index, RSP: stack) */
static bool dest_ok(int reg, unsigned size, bool rex)
{
    if (size == 1 && !rex)
        return reg != 3 && reg != 7;   /* BL, BH */
    return reg != 3 && reg != 4 && reg != 6;
}

static int pick_reg(bool rex, bool dest, unsigned size)
{
    for (;;) {
        int r = (int)rndn(rex ? 16 : 8);
        if (!dest || dest_ok(r, size, rex))
            return r;
    }
}

static RM pick_rm(Gen *g, bool rex, bool dest, unsigned size, bool allow_mem)
{
    RM rm = { 0 };
    if (allow_mem && rndn(2)) {
        rm.mem = true;
        do
            rm.form = (int)rndn(NB_MFORMS);
        while (g->m64 ? rm.form == M_A16
                      : (rm.form == M_RIP || rm.form == M_FS || rm.form == M_A32));
        rm.disp = (int32_t)rndn(0x100) - 0x80;
        return rm;
    }
    rm.reg = pick_reg(rex, dest, size);
    return rm;
}

/*
 * One instruction: [66] [seg] [67] [REX] opcode modrm [sib] [disp] [imm].
 * `regf`: the ModRM.reg field (a register or an opcode extension).
 */
static void encode(Gen *g, Enc *e, unsigned size, bool rex, const uint8_t *op, unsigned oplen,
                   int regf, const RM *rm, uint64_t imm, unsigned immsize)
{
    if (size == 2)
        put(e, 0x66);
    if (rm->mem && rm->form == M_FS)
        put(e, 0x64);
    if (rm->mem && (rm->form == M_A32 || rm->form == M_A16))
        put(e, 0x67);
    if (rex) {
        uint8_t r = 0x40 | (size == 8 ? 8 : 0) | ((regf & 8) ? 4 : 0);
        if (!rm->mem && (rm->reg & 8))
            r |= 1;
        put(e, r);
    }
    for (unsigned i = 0; i < oplen; i++)
        put(e, op[i]);
    uint8_t rf = (uint8_t)((regf & 7) << 3);
    if (!rm->mem) {
        put(e, 0xc0 | rf | (rm->reg & 7));
    } else {
        switch (rm->form) {
        case M_BASE8: case M_FS: case M_A32:
            put(e, 0x40 | rf | 3);                 /* [rbx + disp8] */
            put(e, (uint8_t)rm->disp);
            break;
        case M_BASE_INDEX:
            put(e, 0x80 | rf | 4);                 /* [rbx + rsi*s + disp32] */
            put(e, (uint8_t)((rndn(4) << 6) | (6 << 3) | 3));
            put_le(e, (uint32_t)(rm->disp + 0x100), 4);
            break;
        case M_ABS:
            if (g->m64) {
                put(e, rf | 4);
                put(e, 0x25);                      /* SIB: no base, no index */
            } else {
                put(e, rf | 5);
            }
            put_le(e, DATA + 0x1000 + (uint32_t)rm->disp, 4);
            break;
        case M_RIP:
            put(e, rf | 5);
            e->rip_disp = (int)e->n;
            e->rip_target = DATA + 0x2000 + (uint32_t)rm->disp;
            put_le(e, 0, 4);
            break;
        case M_A16:                                /* [bx + disp8], [si + disp8], [bx + si + disp16] */
            switch (rndn(3)) {
            case 0: put(e, 0x40 | rf | 7); put(e, (uint8_t)rm->disp); break;
            case 1: put(e, 0x40 | rf | 4); put(e, (uint8_t)rm->disp); break;
            default: put(e, 0x80 | rf | 0); put_le(e, (uint16_t)(rm->disp + 0x100), 2); break;
            }
            break;
        default:                                   /* M_RSP: [rsp + disp8] (SS) */
            put(e, 0x40 | rf | 4);
            put(e, 0x24);
            put(e, (uint8_t)rm->disp);
            break;
        }
    }
    put_le(e, imm, immsize);
}

static void append(Gen *g, Enc *e)
{
    if (e->rip_disp >= 0) {
        uint64_t next = CODE + g->len + e->n;
        uint32_t d = (uint32_t)(e->rip_target - next);
        memcpy(e->b + e->rip_disp, &d, 4);
    }
    memcpy(g->code + g->len, e->b, e->n);
    g->len += e->n;
}

static unsigned pick_size(Gen *g, bool bytes)
{
    static const unsigned sizes[] = { 1, 2, 4, 8 };
    for (;;) {
        unsigned s = sizes[rndn(4)];
        if ((s != 8 || g->m64) && (s != 1 || bytes))
            return s;
    }
}

static bool pick_rex(Gen *g, unsigned size)
{
    return g->m64 && (size == 8 || rndn(2));
}

static uint64_t imm_of(unsigned immsize)
{
    uint64_t v = rnd_value();
    return immsize == 8 ? v : v & ((1ull << (8 * immsize)) - 1);
}

/* ---- the forms ---- */

static void gen_alu(Gen *g, Enc *e)
{
    unsigned size = pick_size(g, true), aop = rndn(8);
    bool rex = pick_rex(g, size);
    unsigned w = size != 1;
    uint8_t op;
    RM rm;
    switch (rndn(4)) {
    case 0:   /* op r/m, r */
        rm = pick_rm(g, rex, aop != 7, size, true);
        op = (uint8_t)((aop << 3) | w);
        encode(g, e, size, rex, &op, 1, pick_reg(rex, false, size), &rm, 0, 0);
        break;
    case 1:   /* op r, r/m */
        rm = pick_rm(g, rex, false, size, true);
        op = (uint8_t)((aop << 3) | 2 | w);
        encode(g, e, size, rex, &op, 1, pick_reg(rex, aop != 7, size), &rm, 0, 0);
        break;
    case 2: { /* op r/m, imm (80, 81, 83) */
        rm = pick_rm(g, rex, aop != 7, size, true);
        bool sx = size != 1 && rndn(2);
        op = size == 1 ? 0x80 : sx ? 0x83 : 0x81;
        unsigned is = size == 1 || sx ? 1 : size == 2 ? 2 : 4;
        encode(g, e, size, rex, &op, 1, (int)aop, &rm, imm_of(is), is);
        break;
    }
    default: { /* op al/eax, imm */
        unsigned is = size == 1 ? 1 : size == 2 ? 2 : 4;
        op = (uint8_t)((aop << 3) | 4 | w);
        if (size == 2)
            put(e, 0x66);
        if (size == 8)
            put(e, 0x48);
        put(e, op);
        put_le(e, imm_of(is), is);
        break;
    }
    }
}

static void gen_unary(Gen *g, Enc *e)
{
    unsigned size = pick_size(g, true);
    bool rex = pick_rex(g, size);
    static const struct { uint8_t op8, op, ext; } forms[] = {
        { 0xfe, 0xff, 0 }, { 0xfe, 0xff, 1 }, { 0xf6, 0xf7, 2 }, { 0xf6, 0xf7, 3 },
        { 0x84, 0x85, 8 } /* TEST r/m, r */, { 0xf6, 0xf7, 0 } /* TEST r/m, imm */,
    };
    unsigned f = rndn(6);
    uint8_t op = size == 1 ? forms[f].op8 : forms[f].op;
    RM rm = pick_rm(g, rex, f < 4, size, true);
    if (f == 4) {
        encode(g, e, size, rex, &op, 1, pick_reg(rex, false, size), &rm, 0, 0);
    } else if (f == 5) {
        unsigned is = size == 1 ? 1 : size == 2 ? 2 : 4;
        encode(g, e, size, rex, &op, 1, 0, &rm, imm_of(is), is);
    } else {
        encode(g, e, size, rex, &op, 1, forms[f].ext, &rm, 0, 0);
    }
}

static void gen_mov(Gen *g, Enc *e)
{
    unsigned size = pick_size(g, true);
    bool rex = pick_rex(g, size);
    unsigned w = size != 1;
    uint8_t op;
    RM rm;
    switch (rndn(5)) {
    case 0:
        rm = pick_rm(g, rex, true, size, true);
        op = (uint8_t)(0x88 | w);
        encode(g, e, size, rex, &op, 1, pick_reg(rex, false, size), &rm, 0, 0);
        break;
    case 1:
        rm = pick_rm(g, rex, false, size, true);
        op = (uint8_t)(0x8a | w);
        encode(g, e, size, rex, &op, 1, pick_reg(rex, true, size), &rm, 0, 0);
        break;
    case 2: {
        rm = pick_rm(g, rex, true, size, true);
        op = (uint8_t)(0xc6 | w);
        unsigned is = size == 1 ? 1 : size == 2 ? 2 : 4;
        encode(g, e, size, rex, &op, 1, 0, &rm, imm_of(is), is);
        break;
    }
    case 3: {    /* A0-A3: AL/rAX from/to an absolute address (moffs) */
        if (size == 2)
            put(e, 0x66);
        if (size == 8)
            put(e, 0x48);
        put(e, (uint8_t)(0xa0 | (rndn(2) << 1) | w));
        put_le(e, DATA + 0x3000 + rndn(0x100), g->m64 ? 8 : 4);
        break;
    }
    default: {   /* B0+r / B8+r */
        int r = pick_reg(rex, true, size);
        unsigned is = size == 1 ? 1 : size == 2 ? 2 : size == 4 ? 4 : 8;
        if (size == 2)
            put(e, 0x66);
        if (rex)
            put(e, (uint8_t)(0x40 | (size == 8 ? 8 : 0) | ((r & 8) ? 1 : 0)));
        put(e, (uint8_t)((size == 1 ? 0xb0 : 0xb8) | (r & 7)));
        put_le(e, imm_of(is), is);
        break;
    }
    }
}

static void gen_extend(Gen *g, Enc *e)
{
    unsigned size = pick_size(g, false);
    bool rex = pick_rex(g, size);
    unsigned kind = rndn(g->m64 ? 5 : 4);
    uint8_t op[2] = { 0x0f, 0 };
    if (kind == 4) {   /* MOVSXD r64, r/m32 */
        RM rm = pick_rm(g, true, false, 4, true);
        op[0] = 0x63;
        encode(g, e, 8, true, op, 1, pick_reg(true, true, 8), &rm, 0, 0);
        return;
    }
    static const uint8_t ops[4] = { 0xb6, 0xb7, 0xbe, 0xbf };
    op[1] = ops[kind];
    unsigned ssize = (kind & 1) ? 2 : 1;
    RM rm = pick_rm(g, rex, false, ssize, true);
    encode(g, e, size, rex, op, 2, pick_reg(rex, true, size), &rm, 0, 0);
}

static void gen_lea(Gen *g, Enc *e)
{
    unsigned size = pick_size(g, false);
    bool rex = pick_rex(g, size);
    RM rm = pick_rm(g, rex, false, size, true);
    rm.mem = true;
    if (rm.form == M_FS)
        rm.form = M_BASE8;
    uint8_t op = 0x8d;
    encode(g, e, size, rex, &op, 1, pick_reg(rex, true, size), &rm, 0, 0);
}

static void gen_shift(Gen *g, Enc *e)
{
    unsigned size = pick_size(g, true);
    bool rex = pick_rex(g, size);
    static const int exts[] = { 4, 5, 6, 7, 0, 1 };   /* SHL SHR SAL SAR ROL ROR */
    int ext = exts[rndn(6)];
    RM rm = pick_rm(g, rex, true, size, true);
    uint8_t op;
    unsigned f = rndn(6);
    if (f == 0) {
        op = size == 1 ? 0xd0 : 0xd1;
        encode(g, e, size, rex, &op, 1, ext, &rm, 0, 0);
    } else if (f == 1) {   /* by CL */
        op = size == 1 ? 0xd2 : 0xd3;
        encode(g, e, size, rex, &op, 1, ext, &rm, 0, 0);
    } else {
        op = size == 1 ? 0xc0 : 0xc1;
        encode(g, e, size, rex, &op, 1, ext, &rm, rndn(4) ? rndn(66) : rndn(256), 1);
    }
}

static void gen_stack(Gen *g, Enc *e)
{
    unsigned size = g->m64 ? (rndn(8) ? 8 : 2) : (rndn(8) ? 4 : 2);
    if (size == 2)
        put(e, 0x66);
    switch (g->pushes > 0 ? rndn(3) : rndn(2)) {
    case 0: {   /* PUSH r */
        int r = (int)rndn(g->m64 ? 16 : 8);
        if (r & 8)
            put(e, 0x41);
        put(e, (uint8_t)(0x50 | (r & 7)));
        break;
    }
    case 1:     /* PUSH imm */
        if (rndn(2)) {
            put(e, 0x6a);
            put(e, (uint8_t)rnd());
        } else {
            put(e, 0x68);
            put_le(e, rnd_value(), size == 2 ? 2 : 4);
        }
        break;
    default: {  /* POP r */
        int r = pick_reg(g->m64, true, size);
        if (r & 8)
            put(e, 0x41);
        put(e, (uint8_t)(0x58 | (r & 7)));
        g->pushes -= 2;
        break;
    }
    }
    g->pushes++;
}

/* IMUL r, r/m; IMUL r, r/m, imm8/imm */
static void gen_imul(Gen *g, Enc *e)
{
    unsigned size = pick_size(g, false);
    bool rex = pick_rex(g, size);
    RM rm = pick_rm(g, rex, false, size, true);
    int r = pick_reg(rex, true, size);
    uint8_t op[2] = { 0x0f, 0xaf };
    switch (rndn(3)) {
    case 0: encode(g, e, size, rex, op, 2, r, &rm, 0, 0); break;
    case 1: op[0] = 0x6b; encode(g, e, size, rex, op, 1, r, &rm, imm_of(1), 1); break;
    default: op[0] = 0x69; encode(g, e, size, rex, op, 1, r, &rm, imm_of(size == 2 ? 2 : 4),
                                  size == 2 ? 2 : 4); break;
    }
}

/* BT BTS BTR BTC (register offsets only into registers); MUL/IMUL r/m */
static void gen_bit_mul(Gen *g, Enc *e)
{
    unsigned size = pick_size(g, false);
    bool rex = pick_rex(g, size);
    uint8_t op[2] = { 0x0f, 0 };
    switch (rndn(3)) {
    case 0: {
        RM rm = pick_rm(g, rex, true, size, false);
        op[1] = (uint8_t)(0xa3 + 8 * rndn(4));
        encode(g, e, size, rex, op, 2, pick_reg(rex, false, size), &rm, 0, 0);
        break;
    }
    case 1: {
        RM rm = pick_rm(g, rex, true, size, true);
        op[1] = 0xba;
        encode(g, e, size, rex, op, 2, 4 + (int)rndn(4), &rm, rnd() & 0xff, 1);
        break;
    }
    default: {
        size = pick_size(g, true);
        rex = pick_rex(g, size);
        RM rm = pick_rm(g, rex, false, size, true);
        op[0] = size == 1 ? 0xf6 : 0xf7;
        encode(g, e, size, rex, op, 1, 4 + (int)rndn(2), &rm, 0, 0);
        break;
    }
    }
}

static void gen_setcc_cmov(Gen *g, Enc *e)
{
    uint8_t op[2] = { 0x0f, 0 };
    if (rndn(2)) {
        bool rex = pick_rex(g, 1);
        RM rm = pick_rm(g, rex, true, 1, true);
        op[1] = (uint8_t)(0x90 | rndn(16));
        encode(g, e, 1, rex, op, 2, 0, &rm, 0, 0);
    } else {
        unsigned size = pick_size(g, false);
        bool rex = pick_rex(g, size);
        RM rm = pick_rm(g, rex, false, size, true);
        op[1] = (uint8_t)(0x40 | rndn(16));
        encode(g, e, size, rex, op, 2, pick_reg(rex, true, size), &rm, 0, 0);
    }
}

/* Instructions left to the interpreter's handlers (the generic fallback). */
static void gen_fallback(Gen *g, Enc *e)
{
    unsigned size = pick_size(g, false);
    bool rex = pick_rex(g, size);
    int r = pick_reg(rex, true, size);
    RM rm = { .reg = pick_reg(rex, true, size) };
    RM mem = pick_rm(g, rex, true, size, true);
    uint8_t op[2] = { 0x0f, 0 };
    switch (rndn(10)) {
    case 0: op[1] = (uint8_t)(0xbc + rndn(2)); encode(g, e, size, rex, op, 2, r, &rm, 0, 0); break;   /* BSF BSR */
    case 1: op[1] = (uint8_t)(0xa4 + 8 * rndn(2));                                 /* SHLD SHRD imm */
            encode(g, e, size, rex, op, 2, r, &mem, rndn(70), 1); break;
    case 2: op[1] = (uint8_t)(0xc1 - 0x10 * rndn(2));                              /* XADD CMPXCHG */
            encode(g, e, size, rex, op, 2, r, &rm, 0, 0); break;
    case 3: op[0] = 0xd3; encode(g, e, size, rex, op, 1, (int)rndn(4), &mem, 0, 0); break;   /* rotates by CL */
    case 4: op[0] = 0xc1; encode(g, e, size, rex, op, 1, 2 + (int)rndn(2), &mem, rndn(40), 1); break;   /* RCL RCR */
    case 5: put(e, (const uint8_t[]){ 0xf5, 0xf8, 0xf9, 0xfc }[rndn(4)]); break;   /* CMC CLC STC CLD */
    case 6: put(e, 0x53); put(e, 0x0f); put(e, 0xa2); put(e, 0x5b); break;   /* CPUID, RBX kept */
    case 7: put(e, 0x9c); g->pushes++; break;                          /* PUSHF (ends the block) */
    case 8: op[0] = 0xd3; encode(g, e, size, rex, op, 1, 4 + (int)rndn(2), &mem, 0, 0); break;   /* SHL/SHR [mem], CL */
    default: op[0] = 0x11; encode(g, e, size, rex, op, 1, r, &mem, 0, 0); break;   /* ADC (memory: native) */
    }
}

static void gen_one(Gen *g, Enc *e);
static void gen_misc(Gen *g, Enc *e);

/* Jcc/JMP over the next instruction, CALL/RET. */
static void gen_branch(Gen *g, Enc *e)
{
    Enc next = { .rip_disp = -1 };
    switch (rndn(4)) {
    case 0: case 1: {
        if (g->depth > 4) {
            put(e, 0x90);
            return;
        }
        g->depth++;
        gen_one(g, &next);
        g->depth--;
        if (next.rip_disp >= 0 || next.n > 100) {
            put(e, 0x90);
            return;
        }
        put(e, rndn(4) ? (uint8_t)(0x70 | rndn(16)) : 0xeb);
        put(e, (uint8_t)next.n);
        memcpy(e->b + e->n, next.b, next.n);
        e->n += next.n;
        break;
    }
    case 2: {   /* Jcc rel32 (0F 8x) over nothing */
        put(e, 0x0f);
        put(e, (uint8_t)(0x80 | rndn(16)));
        put_le(e, 0, 4);
        break;
    }
    default: {  /* call L; jmp +1; L: ret */
        static const uint8_t seq[] = { 0xe8, 2, 0, 0, 0, 0xeb, 1, 0xc3 };
        memcpy(e->b + e->n, seq, sizeof(seq));
        e->n += sizeof(seq);
        break;
    }
    }
}

static void gen_one(Gen *g, Enc *e)
{
    switch (rndn(23)) {
    case 22: gen_bit_mul(g, e); break;
    case 20: gen_imul(g, e); break;
    case 21: gen_misc(g, e); break;
    case 0: case 1: case 2: case 3: gen_alu(g, e); break;
    case 4: case 5: gen_unary(g, e); break;
    case 6: case 7: case 8: gen_mov(g, e); break;
    case 9: gen_extend(g, e); break;
    case 10: gen_lea(g, e); break;
    case 11: case 12: gen_shift(g, e); break;
    case 13: case 14: gen_stack(g, e); break;
    case 15: case 16: gen_setcc_cmov(g, e); break;
    case 17: gen_fallback(g, e); break;
    default: gen_branch(g, e); break;
    }
}

/* XCHG r, r; CBW/CWD families; a LEAVE frame. */
static void gen_misc(Gen *g, Enc *e)
{
    unsigned size = pick_size(g, true);
    bool rex = pick_rex(g, size);
    switch (rndn(5)) {
    case 4: {   /* BSWAP */
        if (size == 1)
            size = 4;
        int r = pick_reg(rex, true, size);
        if (size == 2)
            put(e, 0x66);
        if (rex || size == 8)
            put(e, (uint8_t)(0x40 | (size == 8 ? 8 : 0) | ((r & 8) ? 1 : 0)));
        put(e, 0x0f);
        put(e, (uint8_t)(0xc8 | (r & 7)));
        break;
    }
    case 0: {
        RM rm = { .reg = pick_reg(rex, true, size) };
        uint8_t op = size == 1 ? 0x86 : 0x87;
        encode(g, e, size, rex, &op, 1, pick_reg(rex, true, size), &rm, 0, 0);
        break;
    }
    case 1: case 2:
        if (size == 1)
            size = 2;
        if (size == 2)
            put(e, 0x66);
        if (size == 8)
            put(e, 0x48);
        put(e, rndn(2) ? 0x98 : 0x99);
        break;
    default:   /* push rbp; mov rbp, rsp; leave */
        put(e, 0x55);
        if (g->m64)
            put(e, 0x48);
        put(e, 0x89);
        put(e, 0xe5);
        put(e, 0xc9);
        break;
    }
}

/* An indirect JMP/CALL (register or memory) to the next instruction
 * (positions are absolute: only at the top level). */
static void gen_indirect(Gen *g)
{
    Enc e = { .rip_disp = -1 };
    unsigned kind = rndn(4);
    unsigned len = kind < 2 ? 5 + 2 + (g->m64 ? 1 : 0) : (g->m64 ? 8 : 7) + 3;
    uint32_t target = CODE + (uint32_t)g->len + len;
    if (kind < 2) {            /* mov eax, T; jmp/call rax */
        put(&e, 0xb8);
        put_le(&e, target, 4);
        if (g->m64)
            put(&e, 0x40);
        put(&e, 0xff);
        put(&e, kind ? 0xd0 : 0xe0);
    } else {                   /* mov [rbx+8], T; jmp/call [rbx+8] */
        if (g->m64)
            put(&e, 0x48);
        put(&e, 0xc7);
        put(&e, 0x43);
        put(&e, 0x08);
        put_le(&e, target, 4);
        put(&e, 0xff);
        put(&e, kind == 3 ? 0x53 : 0x63);
        put(&e, 0x08);
    }
    ck_assert_uint_eq(e.n, len);
    if (kind == 1 || kind == 3)
        g->pushes++;
    append(g, &e);
}

/* A random program of n instructions (and branches) ending in HLT. */
static void gen_program(Gen *g, unsigned n)
{
    g->len = 0;
    g->pushes = 0;
    for (unsigned i = 0; i < n && g->len < sizeof(g->code) - 128; i++) {
        Enc e = { .rip_disp = -1 };
        if (rndn(30) == 0) {
            gen_indirect(g);
            continue;
        }
        gen_one(g, &e);
        append(g, &e);
    }
    g->code[g->len++] = 0xf4;
}

/* Random registers, flags (explicit or any lazy kind) and data. */
static void random_state(bool m64)
{
    for (int r = 0; r < 16; r++)
        cpu->regs[r] = m64 ? rnd_value() : (rnd_value() | (rnd() << 32));
    cpu->regs[R_EBX] = DATA + 0x800;
    cpu->regs[R_ESI] = rndn(0x100);
    cpu->regs[R_ESP] = STACK - 8 * rndn(16);
    if (!m64) {
        cpu->regs[R_EBX] |= rnd() << 32;   /* upper halves are kept in 32-bit mode */
        cpu->regs[R_ESI] |= rnd() << 32;
        cpu->regs[R_ESP] |= rnd() << 32;
    }
    if (rndn(2)) {
        cpu->cc.op = CC_OP_EFLAGS;
        cpu->rflags = 2 | (rnd() & CC_ALL);
    } else {
        cpu->cc.op = 1 + rndn(CC_OP_NB - 1);
        cpu->cc.dst = rnd_value();
        cpu->cc.src = rnd_value();
        cpu->cc.src2 = rndn(2);
        cpu->rflags = 2;
    }
    cpu->seg[R_FS].base = rndn(2) ? 0 : 0x1000;
    for (unsigned a = DATA; a < DATA + 0x10000; a += 8)
        put64(a, rnd());
}

enum { MODE_64, MODE_32, MODE_64_USER };

static void random_programs(int mode, const TCGBackend *be, unsigned count)
{
    Gen *g = calloc(1, sizeof(*g));
    ck_assert_ptr_nonnull(g);
    bool m64 = mode != MODE_32;
    g->m64 = m64;
    Jit *j = jit_new(be);
    for (unsigned i = 0; i < count; i++) {
        if (mode == MODE_64)
            mode_long64();
        else if (mode == MODE_64_USER)
            mode_long64_user();
        else
            mode_flat32();
        random_state(m64);
        if (i % 4 == 3) {
            /* an enabled data breakpoint nothing touches: X86_TB_SLOWMEM,
             * the memory forms run through the interpreter's handlers */
            cpu->dr[0] = 0xdead0000;
            cpu->dr[7] = 1 | (3u << 16) | (3u << 18);
        }
        if (mode == MODE_64_USER && (i & 1)) {
            /* alignment checks armed (CR0.AM), and on (EFLAGS.AC) every
             * fourth program: misaligned accesses raise #AC */
            cpu->cr0 |= CR0_AM;
            if (i & 2)
                cpu->rflags |= AC_MASK;
            ck_assert(!(x86_tb_flags(cpu) & X86_TB_SLOWMEM) == !(i & 2));
        }
        if (i % 4 == 3)
            ck_assert(x86_tb_flags(cpu) & X86_TB_SLOWMEM);
        else
            ck_assert(m64 || (x86_tb_flags(cpu) & X86_TB_FLAT));
        gen_program(g, 4 + rndn(60));
        char what[64];
        snprintf(what, sizeof(what), "%s program %u%s",
                 mode == MODE_64 ? "64-bit" : mode == MODE_32 ? "32-bit" : "64-bit user", i,
                 i % 4 == 3 ? " (slow memory)" : "");
        compare_runs(j, g->code, g->len, what);
    }
    ck_assert_uint_gt(j->blocks, count);
    jit_free(j);
    free(g);
}

/* The back ends to test: tci always, x86_64 where built. */
static const TCGBackend *backend(int i)
{
    return tcg_backend_find(i == 0 ? "tci" : "x86_64");
}

START_TEST(test_random_64)
{
    ck_assert_ptr_nonnull(backend(0));
    fprintf(stderr, "translate: back ends tci%s\n", backend(1) ? " x86_64" : "");
    for (int b = 0; b < 2; b++)
        if (backend(b))
            random_programs(MODE_64, backend(b), 1500);
}
END_TEST

START_TEST(test_random_32)
{
    for (int b = 0; b < 2; b++)
        if (backend(b))
            random_programs(MODE_32, backend(b), 1500);
}
END_TEST

START_TEST(test_random_64_user)
{
    for (int b = 0; b < 2; b++)
        if (backend(b))
            random_programs(MODE_64_USER, backend(b), 500);
}
END_TEST

/* ---- faults in the middle of a block ---- */

static void fault_case(int mode, const uint8_t *code, size_t len, void (*prep)(void),
                       int vector, const char *what)
{
    bool m64 = mode != MODE_32;
    for (int b = 0; b < 2; b++) {
        if (!backend(b))
            continue;
        Jit *j = jit_new(backend(b));
        if (mode == MODE_64)
            mode_long64();
        else if (mode == MODE_64_USER)
            mode_long64_user();
        else
            mode_flat32();
        random_state(m64);
        cpu->cc.op = CC_OP_EFLAGS;
        prep();
        compare_runs(j, code, len, what);
        /* the handler's HLT ran after the delivery of `vector` */
        ck_assert_msg(cpu->rip == HANDLER + (unsigned)vector + 1, "%s: vector %d expected, rip %#llx",
                      what, vector, (unsigned long long)cpu->rip);
        uint64_t sp = cpu->regs[R_ESP] & (m64 ? ~0ull : 0xffffffffull);
        uint64_t pushed_rip = m64 ? get64(sp + 8) : get32(sp + 4);
        ck_assert_msg(pushed_rip > CODE && pushed_rip < CODE + len, "%s: rip pushed %#llx", what,
                      (unsigned long long)pushed_rip);
        ck_assert_uint_lt(cpu->icount, 12);
        jit_free(j);
    }
}

static void prep_hole(void) { cpu->regs[R_EDI] = HOLE + 8; }
static void prep_none(void) { }
static void prep_supervisor(void) { cpu->regs[R_EDI] = HOLE + 0x1008; }
static void prep_noncanonical(void) { cpu->regs[R_EDI] = 0x0000800000000000ull; }
static void prep_limit(void) { cpu->regs[R_EDI] = 0xfffffffe; cpu->regs[R_ESP] = STACK; }

START_TEST(test_fault_mid_block)
{
    /* add eax,1; mov ecx,[rbx]; inc edx; mov rax,[rdi] (#PF); inc eax; hlt */
    static const uint8_t pf64[] = { 0x83, 0xc0, 0x01, 0x8b, 0x0b, 0xff, 0xc2, 0x48, 0x8b, 0x07,
                                    0xff, 0xc0, 0xf4 };
    fault_case(MODE_64, pf64, sizeof(pf64), prep_hole, EXCP_PF, "#PF load");
    ck_assert_uint_eq(cpu->cr2, HOLE + 8);
    ck_assert_uint_eq(cpu->icount, 3 + 1);   /* three before it, then the HLT */
    /* a store: sub eax,ecx; mov [rdi],eax (#PF, write); hlt */
    static const uint8_t pfw[] = { 0x29, 0xc8, 0x89, 0x07, 0xf4 };
    fault_case(MODE_64, pfw, sizeof(pfw), prep_hole, EXCP_PF, "#PF store");
    ck_assert_uint_eq(get64(cpu->regs[R_ESP]) & 0xf, PF_W);
    /* non-canonical: xor eax,eax; add [rdi],eax (#GP); hlt */
    static const uint8_t gp64[] = { 0x31, 0xc0, 0x01, 0x07, 0xf4 };
    fault_case(MODE_64, gp64, sizeof(gp64), prep_noncanonical, EXCP_GP, "#GP non-canonical");
    /* branch targets: mov rax, 1 << 47; jmp rax / push rax; ret (#GP) */
    static const uint8_t jmp_nc[] = { 0xff, 0xc1, 0x48, 0xb8, 0, 0, 0, 0, 0, 0x80, 0, 0, 0xff, 0xe0,
                                      0xf4 };
    fault_case(MODE_64, jmp_nc, sizeof(jmp_nc), prep_none, EXCP_GP, "#GP jmp target");
    ck_assert_uint_eq(get64(cpu->regs[R_ESP] + 8), CODE + 12);
    static const uint8_t ret_nc[] = { 0x48, 0xb8, 0, 0, 0, 0, 0, 0x80, 0, 0, 0x50, 0xc3, 0xf4 };
    fault_case(MODE_64, ret_nc, sizeof(ret_nc), prep_none, EXCP_GP, "#GP ret target");
    ck_assert_uint_eq(get64(cpu->regs[R_ESP] + 8), CODE + 11);
    /* at CPL 3: a supervisor page (#PF P|U), a store to it (P|W|U) */
    fault_case(MODE_64_USER, pf64, sizeof(pf64), prep_supervisor, EXCP_PF, "#PF user read");
    ck_assert_uint_eq(get64(cpu->regs[R_ESP]), PF_P | PF_U);
    ck_assert_uint_eq(cpu->cr2, HOLE + 0x1008);
    fault_case(MODE_64_USER, pfw, sizeof(pfw), prep_supervisor, EXCP_PF, "#PF user write");
    ck_assert_uint_eq(get64(cpu->regs[R_ESP]), PF_P | PF_W | PF_U);
    /* 32-bit flat: mov eax,[edi] at 0xfffffffe: #GP; mov eax,[esp+0xffffeffe]... #SS */
    static const uint8_t gp32[] = { 0x40, 0x8b, 0x07, 0xf4 };
    fault_case(MODE_32, gp32, sizeof(gp32), prep_limit, EXCP_GP, "#GP limit");
    static const uint8_t ss32[] = { 0x40, 0x8b, 0x84, 0x24, 0xfe, 0x7f, 0xfc, 0xff, 0xf4 };
    fault_case(MODE_32, ss32, sizeof(ss32), prep_limit, EXCP_SS, "#SS limit");
}
END_TEST

/* ---- the entry check ---- */

/* Translate the block at CODE (up to max instructions) and generate its
 * code at j->buf + 4096, without running it. */
static uint8_t *jit_gen_only(Jit *j, unsigned max)
{
    unsigned avail;
    const uint8_t *host = x86_code_ptr(cpu, CODE, &avail);
    X86TranslateParams q = {
        .cpu = cpu, .pc = CODE, .flags = x86_tb_flags(cpu), .features = ~0ull,
        .host = host, .avail = avail, .max_insns = max, .tb_id = TB_ID,
        .alloc = arena_alloc, .alloc_opaque = j,
    };
    j->arena_used = 0;
    ck_assert(x86_translate_block(&j->s, &q, &j->r));
    maybe_dump(&j->s, "translated");
    tcg_optimize(&j->s);
    tcg_liveness(&j->s);
    maybe_dump(&j->s, "optimized");
    TCGCodeInfo info;
    uint8_t *c = j->buf + 4096;
    ck_assert(j->be->gen_code(&j->s, c, j->buf_size - 4096, &info));
    if (j->be->flush_icache)
        j->be->flush_icache(c, info.size);
    return c;
}

START_TEST(test_entry_check)
{
    /* inc eax; inc ecx; inc edx; jmp $ (a block of four) */
    static const uint8_t code[] = { 0xff, 0xc0, 0xff, 0xc1, 0xff, 0xc2, 0xeb, 0xfe };
    for (int b = 0; b < 2; b++) {
        if (!backend(b))
            continue;
        Jit *j = jit_new(backend(b));
        mode_long64();
        memcpy(tm_ram.ram + CODE, code, sizeof(code));
        cpu->rip = CODE;
        cpu->icount = 100;
        uint8_t *c = jit_gen_only(j, 64);
        ck_assert_uint_eq(j->r.ninsns, 4);
        ck_assert_uint_eq(j->r.nbytes, sizeof(code));
        ck_assert_uint_eq(j->r.insn_pc[3], CODE + 6);
        /* an event raised since the loop looked: nothing runs */
        cpu->tcg_icount_limit = 1000;
        x86_cpu_raise_event(cpu, CPU_INTERRUPT_NMI);
        ck_assert_uint_eq(j->be->exec(j->buf, cpu, c), TB_ID | TB_EXIT_REQUESTED);
        ck_assert_uint_eq(cpu->tcg_tb, TB_ID);
        ck_assert_uint_eq(cpu->icount, 100);
        ck_assert_uint_eq(cpu->rip, CODE);
        ck_assert_uint_eq(cpu->regs[R_EAX], 0);
        atomic_store(&cpu->interrupt_request, 0);
        atomic_store(&cpu->tcg_exit_request, 0);
        /* an event the loop saw and left pending (masked): blocks run */
        atomic_store(&cpu->interrupt_request, CPU_INTERRUPT_HARD);
        uint64_t saved[3] = { cpu->regs[R_EAX], cpu->regs[R_ECX], cpu->regs[R_EDX] };
        ck_assert_uint_eq(j->be->exec(j->buf, cpu, c), TB_ID | 0);
        ck_assert_uint_eq(cpu->icount, 104);
        ck_assert_uint_eq(cpu->regs[R_EAX], saved[0] + 1);
        atomic_store(&cpu->interrupt_request, 0);
        cpu->icount = 100;
        cpu->rip = CODE;
        cpu->regs[R_EAX] = saved[0];
        cpu->regs[R_ECX] = saved[1];
        cpu->regs[R_EDX] = saved[2];
        /* the icount limit one short of the block: nothing runs */
        cpu->tcg_icount_limit = 103;
        ck_assert_uint_eq(j->be->exec(j->buf, cpu, c), TB_ID | TB_EXIT_REQUESTED);
        ck_assert_uint_eq(cpu->icount, 100);
        ck_assert_uint_eq(cpu->regs[R_EAX], 0);
        /* exactly enough: the block runs and leaves through goto_tb 0 */
        cpu->tcg_icount_limit = 104;
        ck_assert_uint_eq(j->be->exec(j->buf, cpu, c), TB_ID | 0);
        ck_assert_uint_eq(cpu->icount, 104);
        ck_assert_uint_eq(cpu->regs[R_EAX], 1);
        ck_assert_uint_eq(cpu->regs[R_ECX], 1);
        ck_assert_uint_eq(cpu->regs[R_EDX], 1);
        ck_assert_uint_eq(cpu->rip, CODE + 6);
        /* max_insns 3: a block of three, then goto_tb 0 to the fourth */
        cpu->rip = CODE;
        c = jit_gen_only(j, 3);
        ck_assert_uint_eq(j->r.ninsns, 3);
        cpu->tcg_icount_limit = 107;
        ck_assert_uint_eq(j->be->exec(j->buf, cpu, c), TB_ID | 0);
        ck_assert_uint_eq(cpu->icount, 107);
        ck_assert_uint_eq(cpu->rip, CODE + 6);
        ck_assert_uint_eq(cpu->regs[R_EAX], 2);
        jit_free(j);
    }
}
END_TEST

/* ---- stop rules ---- */

static bool bp_at_code2(X86CPU *c, uint64_t pc)
{
    (void)c;
    return pc == CODE + 2;
}

START_TEST(test_block_shape)
{
    Jit *j = jit_new(backend(0));
    mode_long64();
    /* nop; cpuid (not simple: ends the block, exit 0); nop */
    static const uint8_t code[] = { 0x90, 0x0f, 0xa2, 0x90, 0xf4 };
    memcpy(tm_ram.ram + CODE, code, sizeof(code));
    cpu->rip = CODE;
    ck_assert_int_eq(jit_block(j, 1000, 0), 0);
    ck_assert_uint_eq(j->r.ninsns, 2);
    ck_assert_uint_eq(j->r.nbytes, 3);
    ck_assert_uint_eq(cpu->rip, CODE + 3);
    ck_assert_uint_eq(cpu->icount, 2);
    /* an instruction crossing the page end: the block stops before it;
     * alone it is no block (the interpreter runs it) */
    uint64_t at = 0x11ffe;
    put8(0x11ffc, 0x90);
    put8(0x11ffd, 0x90);
    put8(at, 0xb8);          /* mov eax, imm32 across the page */
    put32(at + 1, 0x12345678);
    put8(at + 5, 0xf4);
    cpu->rip = 0x11ffc;
    ck_assert_int_eq(jit_block(j, 1000, 0), TB_ID | 0);
    ck_assert_uint_eq(j->r.ninsns, 2);
    ck_assert_uint_eq(cpu->rip, at);
    ck_assert_int_eq(jit_block(j, 1000, 0), -1);
    ck_assert_uint_eq(cpu->regs[R_EAX], 0x12345678);
    /* a gdb breakpoint at the third instruction: the block stops before it
     * (but a block may start at one) */
    static const uint8_t nops[] = { 0x90, 0x90, 0x90, 0x90, 0xf4 };
    memcpy(tm_ram.ram + CODE, nops, sizeof(nops));
    unsigned avail;
    const uint8_t *host = x86_code_ptr(cpu, CODE, &avail);
    X86TranslateParams q = {
        .cpu = cpu, .pc = CODE, .flags = x86_tb_flags(cpu), .features = ~0ull, .host = host,
        .avail = avail, .max_insns = 64, .tb_id = TB_ID, .alloc = arena_alloc, .alloc_opaque = j,
        .breakpoint_at = bp_at_code2,
    };
    ck_assert(x86_translate_block(&j->s, &q, &j->r));
    ck_assert_uint_eq(j->r.ninsns, 2);
    q.pc = CODE + 2;
    q.host = host + 2;
    q.avail = avail - 2;
    ck_assert(x86_translate_block(&j->s, &q, &j->r));
    ck_assert_uint_eq(j->r.ninsns, 3);
    ck_assert_uint_eq(j->r.insn_pc[2], CODE + 4);
    /* NOCHAIN: exit 0 with rip set; SINGLE: one instruction */
    cpu->rip = CODE + 3;
    put8(CODE + 4, 0x90);
    ck_assert_int_eq(jit_block(j, 1000, X86_TB_NOCHAIN | X86_TB_SINGLE), 0);
    ck_assert_uint_eq(j->r.ninsns, 1);
    ck_assert_uint_eq(cpu->rip, CODE + 4);
    jit_free(j);
}
END_TEST

int main(void)
{
    return unit_run_tcase("translate", "translate", setup, teardown,
                          UNIT_TESTS(test_block_shape, test_entry_check, test_fault_mid_block,
                                     test_random_64, test_random_32, test_random_64_user));
}
