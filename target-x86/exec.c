/*
 * The interpreter's execution loop: fetch through the code TLB, a
 * decoded-instruction cache, execute, debug traps (single-step, DR0-DR3),
 * LOCK atomicity between vCPU threads, pending events at instruction
 * boundaries and exception delivery after a longjmp. The fast path runs
 * cached blocks of simple instructions as chains of handlers
 * (block-cache.h), with the boundary checks done between blocks
 * (run_blocks); anything unusual takes the full path.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accel/debug.h"   /* gdb stub hooks (issue 5) */
#include "core/log.h"
#include "target-x86/block-cache.h"
#include "target-x86/exec.h"
#include "target-x86/lock-rmw.h"
#include "target-x86/mem-inline.h"
#include "target-x86/interp.h"
#include "target-x86/interp-fast.h"

/* ---- fetch ---- */

typedef struct FetchCtx {
    X86CPU *cpu;
    const uint8_t *host;   /* code bytes from pc, or NULL (MMIO) */
    unsigned avail;
    bool may_fault;        /* false: bytes past host[avail) read as 0, `beyond` set */
    bool beyond;
} FetchCtx;

static uint8_t exec_fetch(void *opaque, uint64_t pc, unsigned index)
{
    FetchCtx *f = opaque;
    if (index < f->avail && f->host)
        return f->host[index];
    if (!f->may_fault) {
        f->beyond = true;
        return 0;
    }
    uint64_t off = pc + index;
    if (!f->cpu->code64)
        off &= f->cpu->code32 ? 0xffffffffull : 0xffff;
    return x86_fetch_byte(f->cpu, off);
}

/*
 * Fast path of x86_code_ptr for the common case: the code page is in the
 * TLB as plain RAM, the offset is inside CS (or canonical in 64-bit mode).
 * Anything else goes to x86_code_ptr (mem.c), which also raises the faults.
 * The MMU index rule must match mem.c's code fetches.
 */
static inline __attribute__((always_inline)) const uint8_t *code_ptr(X86CPU *cpu, uint64_t pc, unsigned *avail)
{
    const SegmentCache *cs = &cpu->seg[R_CS];
    uint64_t lin, n;
    if (cpu->tlb.as_generation != cpu->as->generation)
        return x86_code_ptr(cpu, pc, avail);
    if (cpu->code64) {
        lin = pc;
        if ((uint64_t)((int64_t)(lin << 16) >> 16) != lin)
            return x86_code_ptr(cpu, pc, avail);
        n = TARGET_PAGE_SIZE - (lin & ~TARGET_PAGE_MASK);
    } else {
        if (pc > cs->limit)
            return x86_code_ptr(cpu, pc, avail);
        lin = (cs->base + pc) & 0xffffffffull;
        n = TARGET_PAGE_SIZE - (lin & ~TARGET_PAGE_MASK);
        if ((uint64_t)cs->limit - pc + 1 < n)
            n = (uint64_t)cs->limit - pc + 1;
    }
    int idx = !(cpu->cr0 & CR0_PG) ? MMU_PHYS_IDX : cpu->cpl == 3 ? MMU_USER_IDX : MMU_KSMAP_IDX;
    const TLBEntry *e = tlb_entry(&cpu->tlb, idx, lin);
    if ((e->addr_code & (TARGET_PAGE_MASK | TLB_FLAGS_MASK)) != (lin & TARGET_PAGE_MASK))
        return x86_code_ptr(cpu, pc, avail);
    *avail = (unsigned)n;
    return (const uint8_t *)(uintptr_t)(lin + e->addend);
}

/* ---- LOCK: one global lock makes locked read-modify-writes atomic
 * between vCPU threads. Released on exceptions by the exec loop. ---- */

static pthread_mutex_t locked_insn_mutex = PTHREAD_MUTEX_INITIALIZER;
static __thread bool holding_insn_lock;

static bool needs_bus_lock(const X86Insn *insn)
{
    return insn->is_mem && (insn->lock || (insn->row->attrs & A_XCHG));
}

void x86_release_bus_lock(void)
{
    if (holding_insn_lock) {
        holding_insn_lock = false;
        x86_lock_rmw_end();
        pthread_mutex_unlock(&locked_insn_mutex);
    }
}

/* The handler of LOCKed (and XCHG-with-memory) instructions in the cache:
 * the row's handler under the bus lock. */
void x86_locked_handler(X86CPU *cpu, const X86Insn *insn)
{
    pthread_mutex_lock(&locked_insn_mutex);
    holding_insn_lock = true;
    x86_lock_rmw_begin();
    insn->row->handler(cpu, insn);
    x86_release_bus_lock();
}

/* ---- the loop ---- */

uint64_t x86_decode_features(X86CPU *cpu)
{
    uint32_t a, b, c, d, a2, b2, c2, d2, a7, b7, c7, d7;
    x86_cpuid(cpu, 1, 0, &a, &b, &c, &d);
    x86_cpuid(cpu, 0x80000001, 0, &a2, &b2, &c2, &d2);
    x86_cpuid(cpu, 7, 0, &a7, &b7, &c7, &d7);
    static const struct { uint8_t feat; uint8_t reg; uint8_t bit; } bits[] = {
        { FEAT_FPU, 3, 0 }, { FEAT_CX8, 3, 8 }, { FEAT_SEP, 3, 11 }, { FEAT_CMOV, 3, 15 },
        { FEAT_CLFLUSH, 3, 19 }, { FEAT_SSE, 3, 25 }, { FEAT_SSE2, 3, 26 },
        { FEAT_SSE3, 2, 0 }, { FEAT_MONITOR, 2, 3 }, { FEAT_SSSE3, 2, 9 }, { FEAT_CX16, 2, 13 },
        { FEAT_SSE41, 2, 19 }, { FEAT_SSE42, 2, 20 }, { FEAT_MOVBE, 2, 22 },
        { FEAT_POPCNT, 2, 23 }, { FEAT_RDRAND, 2, 30 },
        { FEAT_SYSCALL, 7, 11 }, { FEAT_RDTSCP, 7, 27 }, { FEAT_LM, 7, 29 },
        { FEAT_LZCNT, 6, 5 }, { FEAT_FSGSBASE, 9, 0 }, { FEAT_BMI1, 9, 3 }, { FEAT_SMAP, 9, 20 },
    };
    uint32_t regs[10] = { a, b, c, d, a2, b2, c2, d2, 0, b7 };
    uint64_t f = 1ull << FEAT_NONE;
    for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
        if (regs[bits[i].reg] & (1u << bits[i].bit))
            f |= 1ull << bits[i].feat;
    return f;
}

static uint64_t next_ip(X86CPU *cpu, uint64_t ip)
{
    if (cpu->code64)
        return ip;
    return ip & (cpu->code32 ? 0xffffffffull : 0xffff);
}

/*
 * Decoded-instruction cache of the full path (exec_insn: single-step,
 * breakpoints, logging, the gdb stub), per vCPU thread: direct mapped on
 * the code offset, validated on every hit by comparing the instruction's
 * bytes with guest memory (so self-modifying code needs no invalidation).
 * The key is (offset, mode) plus the bytes themselves: the decoding
 * depends on nothing else (not on the CS base, which only selects the
 * bytes compared). The CPUID features are per cache (a change empties
 * it). The fast path runs blocks instead (block-cache.h).
 */
#define DCACHE_BITS 14
#define DCACHE_SIZE (1u << DCACHE_BITS)
#define DCACHE_INVALID 0xff   /* mode value of an empty entry */

typedef struct DecodeCacheEntry {
    ExecInsn x;                  /* x.insn.pc is the key, x.insn.bytes the check */
    uint8_t mode;                /* code64 | code32 << 1, or DCACHE_INVALID */
} __attribute__((aligned(128))) DecodeCacheEntry;

_Static_assert(sizeof(DecodeCacheEntry) == 256, "two aligned pairs of cache lines");

typedef struct DecodeCache {
    DecodeCacheEntry e[DCACHE_SIZE];
    uint64_t features;
} DecodeCache;

static __thread DecodeCache *dcache;
static pthread_key_t dcache_key;    /* frees a thread's cache when the thread ends */
static pthread_once_t dcache_key_once = PTHREAD_ONCE_INIT;

static void dcache_key_create(void)
{
    pthread_key_create(&dcache_key, free);
}

static void dcache_clear(DecodeCache *c, uint64_t features)
{
    c->features = features;
    for (unsigned i = 0; i < DCACHE_SIZE; i++)
        c->e[i].mode = DCACHE_INVALID;
}

/* This thread's cache, emptied if it was filled under other features. */
static DecodeCache *dcache_get(uint64_t features)
{
    if (!dcache) {
        dcache = aligned_alloc(128, sizeof(*dcache));
        if (!dcache) {
            fprintf(stderr, "vessel: out of memory for the interpreter's decode cache\n");
            exit(1);
        }
        memset(dcache, 0, sizeof(*dcache));
        dcache_clear(dcache, features);
        pthread_once(&dcache_key_once, dcache_key_create);
        pthread_setspecific(dcache_key, dcache);
    }
    if (dcache->features != features)
        dcache_clear(dcache, features);
    return dcache;
}

static inline DecodeCacheEntry *dcache_slot(DecodeCache *c, uint64_t pc)
{
    return &c->e[(pc ^ (pc >> DCACHE_BITS)) & (DCACHE_SIZE - 1)];
}

/* Masks of the first `len` bytes of two little-endian words. */
static const uint64_t len_mask[X86_MAX_INSN_LEN + 1][2] = {
#define M(n) ((n) >= 8 ? ~0ull : (1ull << (8 * (n))) - 1)
#define ROW(n) { M(n), (n) > 8 ? M((n) - 8) : 0 }
    ROW(0), ROW(1), ROW(2), ROW(3), ROW(4), ROW(5), ROW(6), ROW(7),
    ROW(8), ROW(9), ROW(10), ROW(11), ROW(12), ROW(13), ROW(14), ROW(15),
#undef ROW
#undef M
};

static inline bool same_bytes(const DecodeCacheEntry *e, const uint8_t *host, unsigned avail)
{
    const X86Insn *insn = &e->x.insn;
    if (__builtin_expect(avail >= 16, 1)) {
        uint64_t w[2], b[2];
        memcpy(w, host, 16);
        memcpy(b, insn->bytes, 16);
        const uint64_t *m = len_mask[insn->len];
        return (((w[0] ^ b[0]) & m[0]) | ((w[1] ^ b[1]) & m[1])) == 0;
    }
    return insn->len <= avail && memcmp(host, insn->bytes, insn->len) == 0;
}

static inline bool dcache_hit(const DecodeCacheEntry *e, const uint8_t *host, unsigned avail,
                              uint64_t pc, uint8_t mode)
{
    return e->x.insn.pc == pc && e->mode == mode && host && same_bytes(e, host, avail);
}

/*
 * Handlers of "simple" instructions: they change only general registers,
 * the arithmetic flags and DF, memory and rip (near branches). None of them
 * touches TF/RF/IF, debug or control registers, segments, the TLB, HLT or
 * pending events, so after one the fast loop may go on to the next
 * instruction without the per-boundary checks (see run_loop).
 */
static const X86Handler simple_handlers[] = {
    h_add, h_or, h_adc, h_sbb, h_and, h_sub, h_xor, h_cmp, h_test, h_inc, h_dec, h_not, h_neg,
    h_mov, h_lea, h_movzx, h_movsx, h_movsxd, h_xchg, h_cmovcc, h_setcc, h_bswap, h_cbw, h_cwd,
    h_jcc, h_jmp, h_call, h_ret, h_loop, h_jcxz, h_push, h_pop, h_leave, h_nop,
    h_shl, h_shr, h_sar, h_rol, h_ror, h_rcl, h_rcr, h_shld, h_shrd,
    h_bt, h_bts, h_btr, h_btc, h_bsf, h_bsr, h_imul1, h_imul2, h_imul3, h_mul, h_div, h_idiv,
    h_xadd, h_cmpxchg, h_clc, h_stc, h_cmc, h_cld, h_std,
};

static bool handler_is_simple(X86Handler h)
{
    for (size_t i = 0; i < sizeof(simple_handlers) / sizeof(simple_handlers[0]); i++)
        if (simple_handlers[i] == h)
            return true;
    return false;
}

/* is_simple per decoder row, computed once (the lookup runs on every
 * decode) */
static const X86InsnRow *simple_rows_base;
static size_t simple_rows_count;
static bool *simple_rows;
static pthread_once_t simple_rows_once = PTHREAD_ONCE_INIT;

static void simple_rows_init(void)
{
    simple_rows_base = x86_insn_rows(&simple_rows_count);
    simple_rows = calloc(simple_rows_count ? simple_rows_count : 1, sizeof(bool));
    if (!simple_rows)
        abort();
    for (size_t i = 0; i < simple_rows_count; i++)
        simple_rows[i] = handler_is_simple(simple_rows_base[i].handler);
}

static bool is_simple(const X86InsnRow *row)
{
    pthread_once(&simple_rows_once, simple_rows_init);
    size_t i = ((uintptr_t)row - (uintptr_t)simple_rows_base) / sizeof(*row);
    if ((uintptr_t)row >= (uintptr_t)simple_rows_base && i < simple_rows_count)
        return simple_rows[i];
    return handler_is_simple(row->handler);
}

bool x86_insn_is_simple(const X86Insn *insn)
{
    return is_simple(insn->row);
}

bool x86_decode_code(X86CPU *cpu, X86Insn *insn, uint64_t pc, const uint8_t *host,
                     unsigned avail, uint64_t features, bool may_fault)
{
    FetchCtx f = { .cpu = cpu, .host = host, .avail = avail, .may_fault = may_fault };
    X86DecodeMode mode = { .code64 = cpu->code64, .code32 = cpu->code32, .features = features };
    int r = x86_decode(insn, &mode, exec_fetch, &f, pc);
    if (!may_fault && (r != DEC_OK || f.beyond))
        return false;
    if (r == DEC_GP)
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    if (r != DEC_OK)
        x86_raise_exception(cpu, EXCP_UD);
    return host && insn->len <= avail;
}

/*
 * Decode the instruction at `pc` into `x` (x86_decode_code) with the
 * handler it runs with. Returns whether it was read entirely from
 * host[0..avail) (only those may be cached); without `may_fault`, false
 * also when it could not be decoded.
 */
static bool exec_decode(X86CPU *cpu, ExecInsn *x, uint64_t pc, const uint8_t *host,
                        unsigned avail, uint64_t features, bool may_fault)
{
    bool cacheable = x86_decode_code(cpu, &x->insn, pc, host, avail, features, may_fault);
    if (!cacheable && !may_fault)
        return false;
    x->next_rip = next_ip(cpu, pc + x->insn.len);
    X86Handler fast = interp_fast_handler(&x->insn);
    x->handler = needs_bus_lock(&x->insn) ? x86_locked_handler : fast ? fast : x->insn.row->handler;
    x->simple = is_simple(x->insn.row);
    x->ordinal = 0;
    x->span = 1;
    x->index = 0;
    x->link = NULL;
    return cacheable;
}

/* Decode the instruction at cpu->rip into `e` (a miss). Faults longjmp. */
static __attribute__((noinline)) DecodeCacheEntry *dcache_decode(X86CPU *cpu, DecodeCacheEntry *e,
                                                                const uint8_t *host, unsigned avail,
                                                                uint64_t features)
{
    e->mode = DCACHE_INVALID;
    /* only instructions read entirely from one RAM page are reused (an
     * entry that is not valid is still returned for this one execution) */
    if (exec_decode(cpu, &e->x, cpu->rip, host, avail, features, true))
        e->mode = (uint8_t)(cpu->code64 | (cpu->code32 << 1));
    return e;
}

static inline __attribute__((always_inline)) DecodeCacheEntry *dcache_lookup(X86CPU *cpu, DecodeCache *c, uint64_t features)
{
    uint64_t pc = cpu->rip;
    unsigned avail = 0;
    const uint8_t *host = code_ptr(cpu, pc, &avail);
    DecodeCacheEntry *e = dcache_slot(c, pc);
    uint8_t mode = (uint8_t)(cpu->code64 | (cpu->code32 << 1));
    if (__builtin_expect(dcache_hit(e, host, avail, pc, mode), 1))
        return e;
    return dcache_decode(cpu, e, host, avail, features);
}

/* -d exec: each instruction as it runs; -d cpu: the registers before it. */
static void log_insn(X86CPU *cpu, const X86Insn *insn)
{
    if (log_enabled(LOG_CPU)) {
        static const char *const names[16] = {
            "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
            "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
        };
        for (int r = 0; r < (cpu->code64 ? 16 : 8); r++)
            log_printf("%s=%016llx%s", names[r], (unsigned long long)cpu->regs[r],
                       (r & 3) == 3 ? "\n" : " ");
        log_printf("rflags=%08llx cpl=%d cs=%04x ss=%04x ds=%04x es=%04x\n",
                   (unsigned long long)x86_get_rflags(cpu), cpu->cpl, cpu->seg[R_CS].selector,
                   cpu->seg[R_SS].selector, cpu->seg[R_DS].selector, cpu->seg[R_ES].selector);
    }
    if (log_enabled(LOG_EXEC)) {
        char text[128];
        x86_insn_format(insn, text, sizeof(text));
        log_printf("cpu%d %04x:%08llx %s\n", cpu->index, cpu->seg[R_CS].selector,
                   (unsigned long long)insn->pc, text);
    }
}

static bool loads_ss(const X86Insn *insn)
{
    X86Handler h = insn->row->handler;
    return (h == h_mov_to_seg && (insn->reg & 7) == R_SS) ||
           (h == h_pop_seg && insn->row->op[0].reg == R_SS);
}

/* After the instruction: single-step (TF was set when it started) and data
 * breakpoints raise one #DB trap. */
static void debug_trap(X86CPU *cpu, bool single_step)
{
    cpu->dr[6] = (cpu->dr[6] & ~0xfull) | interp_pending_data_bps;
    if (single_step)
        cpu->dr[6] |= 1u << 14;   /* DR6.BS */
    interp_pending_data_bps = 0;
    cc_flush(cpu);
    cpu->insn_start_rip = cpu->rip;
    x86_do_interrupt(cpu, EXCP_DB, false, false, 0, cpu->rip);
}

/* DR0-DR3 execution breakpoints (R/W = 00) at CS:rip: a #DB fault unless
 * EFLAGS.RF is set. */
static void check_exec_breakpoints(X86CPU *cpu)
{
    uint64_t dr7 = cpu->dr[7];
    if (!(dr7 & 0xff) || (cpu->rflags & RF_MASK))
        return;
    uint64_t lin = cpu->seg[R_CS].base + cpu->rip;
    if (!cpu->code64)
        lin &= 0xffffffffull;
    for (int n = 0; n < 4; n++) {
        bool enabled = (dr7 >> (2 * n)) & 3;
        unsigned rw = (unsigned)(dr7 >> (16 + 4 * n)) & 3;
        if (enabled && rw == 0 && cpu->dr[n] == lin) {
            cpu->dr[6] = (cpu->dr[6] & ~0xfull) | (1u << n);
            x86_raise_exception(cpu, EXCP_DB);
        }
    }
}

void x86_fast_mem_setup(X86CPU *cpu)
{
    bool ok = !(cpu->dr[7] & 0xff) &&
              !atomic_load_explicit(&debug_watch_active, memory_order_relaxed) &&
              !(cpu->cpl == 3 && (cpu->cr0 & CR0_AM)) &&   /* #AC possible */
              cpu->tlb.as_generation == cpu->as->generation && !x86_lock_rmw_active;
    cpu->fast_mem_idx = ok ? x86_data_mmu_idx(cpu) : -1;
    cpu->fast_tlb = ok ? cpu->tlb.e[cpu->fast_mem_idx] : NULL;
}

/* Run one decoded instruction: rip moves past it first (handlers see the
 * next instruction's address). */
static inline void run_insn(X86CPU *cpu, const ExecInsn *x)
{
    cpu->rip = x->next_rip;
    x->handler(cpu, &x->insn);
    cpu->icount++;
}

/* The full path: debug traps, breakpoints, logging. */
static void exec_insn(X86CPU *cpu, uint64_t features)
{
    bool tf = cpu->rflags & TF_MASK, rf = cpu->rflags & RF_MASK;
    x86_release_bus_lock();   /* left held by a fault under x86_exec_one */
    cpu->insn_start_rip = cpu->rip;
    cpu->inhibit_irq = false;
    check_exec_breakpoints(cpu);
    interp_pending_data_bps = 0;
    const ExecInsn *x = &dcache_lookup(cpu, dcache_get(features), features)->x;
    x86_fast_mem_setup(cpu);
    if (log_enabled(LOG_CPU | LOG_EXEC))
        log_insn(cpu, &x->insn);
    run_insn(cpu, x);
    if (rf)
        cpu->rflags &= ~(uint64_t)RF_MASK;   /* RF covers one instruction */
    if ((tf || interp_pending_data_bps) && !loads_ss(&x->insn))   /* MOV SS / POP SS hold #DB */
        debug_trap(cpu, tf);
}

void x86_exec_one(X86CPU *cpu)
{
    exec_insn(cpu, x86_decode_features(cpu));
}

/*
 * True when the instruction needs none of the full path's work: no TF/RF,
 * no enabled DR0-DR3 breakpoint (so no data breakpoint can fire either),
 * no -d cpu/exec logging, no gdb stub.
 */
static inline bool needs_full_path(X86CPU *cpu)
{
    return ((cpu->rflags & (TF_MASK | RF_MASK)) | (cpu->dr[7] & 0xff) |
            (uint64_t)log_enabled(LOG_CPU | LOG_EXEC) |
            (uint64_t)atomic_load_explicit(&debug_active, memory_order_relaxed)) != 0;
}

#define RUN_MAX 256  /* instructions per run: bounds the latency of async requests */

/* Conditional branches (Jcc, LOOPcc, JrCXZ) do not end a block: when not
 * taken the block goes on (a taken one ends the chain, or links it on:
 * block-cache.h). */
static bool is_conditional_branch(const X86Insn *insn)
{
    if (insn->map == MAP_0F)
        return (insn->opcode & 0xf0) == 0x80;
    return insn->map == MAP_1B && ((insn->opcode & 0xf0) == 0x70 || (insn->opcode & 0xfc) == 0xe0);
}

static bool ends_block(const ExecInsn *x)
{
    return !x->simple || ((x->insn.row->attrs & A_BRANCH) && !is_conditional_branch(&x->insn));
}

/* ---- chained handlers (block-cache.h) ---- */

/* After a generic handler in a chain (rip was set before it): the chain
 * goes on only after a simple instruction that did not branch and broke
 * nothing. */
static inline void chain_after_generic(X86CPU *cpu, const ExecInsn *x)
{
    if (!x->simple || cpu->rip != x->next_rip || cpu->chain_stop || cpu->run_break) {
        cpu->chain_last = x;
        return;
    }
    const ExecInsn *n = x + 1;
    n->handler(cpu, &n->insn);
}

/* An entry without a specialised chained handler: the row's handler. */
static void chain_generic(X86CPU *cpu, const X86Insn *insn)
{
    const ExecInsn *x = exec_of(insn);
    cpu->insn_start_rip = insn->pc;
    cpu->rip = x->next_rip;
    insn->row->handler(cpu, insn);
    chain_after_generic(cpu, x);
}

static void chain_locked(X86CPU *cpu, const X86Insn *insn)
{
    const ExecInsn *x = exec_of(insn);
    cpu->insn_start_rip = insn->pc;
    cpu->rip = x->next_rip;
    x86_locked_handler(cpu, insn);
    chain_after_generic(cpu, x);
}

/* The sentinel after a block's last entry: on into the next block if it
 * can (chain_taken), or the end of the chain. */
static void chain_end(X86CPU *cpu, const X86Insn *insn)
{
    const ExecInsn *x = (const ExecInsn *)(uintptr_t)((uintptr_t)exec_of(insn) - sizeof(ExecInsn));
    cpu->rip = x->next_rip;
    chain_taken(cpu, &x->insn);
}

/* The entries of a decoded block get their chained handlers, and the
 * sentinel after them. */
static void chain_block(Block *s, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        ExecInsn *x = &s->insns[i];
        x->index = (uint8_t)i;
        X86Handler h = x->handler == x86_locked_handler ? chain_locked : interp_chain_handler(x->handler);
        if (!h && x->span != 1)
            abort();   /* a fused entry has its chained form (interp-fast-cc.c) */
        x->handler = h ? h : chain_generic;
    }
    s->insns[n].handler = chain_end;
}

/* Run b's entries one at a time up to `stop` (where the budget ends);
 * returns the last one run. */
static const ExecInsn *run_steps(X86CPU *cpu, const Block *b, const ExecInsn *stop)
{
    const ExecInsn *x = b->insns;
    for (;;) {
        cpu->chain_stop = CHAIN_STEP;
        x->handler(cpu, &x->insn);
        if (x == stop || cpu->rip != x->next_rip || cpu->run_break)
            return x;
        x++;
    }
}

/*
 * Decode the block at pc (its code: host[0..avail)) and cache it. The
 * block goes on while instructions are simple, in the page and decode
 * without error; it ends after an unconditional branch or a non-simple
 * instruction. Only its first instruction may fault here. If that one
 * cannot be cached (device memory, crosses the page), it is returned alone
 * in the scratch block, with no code bytes, to run once.
 */
static __attribute__((noinline)) Block *block_build(X86CPU *cpu, BlockCache *c, uint64_t pc,
                                                         uint8_t mode, const uint8_t *host,
                                                         unsigned avail, uint64_t features,
                                                         uint64_t epoch)
{
    Block *s = block_cache_scratch(c);
    unsigned n = 0, off = 0, guest = 0;
    s->pc = pc;
    s->mode = mode;
    s->checked_epoch = epoch;   /* decoded from the bytes now in memory */
    s->checked_host = host;
    for (;;) {
        ExecInsn *x = &s->insns[n];
        uint64_t at = pc + off;
        bool cacheable = exec_decode(cpu, x, at, host ? host + off : NULL, avail - off, features, n == 0);
        if (!cacheable) {
            if (n > 0)
                break;
            s->ninsns = 1;
            s->nguest = 1;
            s->nbytes = 0;
            chain_block(s, 1);
            return s;
        }
        off += x->insn.len;
        guest++;
        /* a compare and the conditional branch after it: one entry */
        if (!(n > 0 && interp_fuse_jcc(&s->insns[n - 1], x))) {
            x->ordinal = (uint8_t)(guest - 1);
            n++;
        }
        if (ends_block(x) || n == BLOCK_MAX_INSNS || x->next_rip != at + x->insn.len)
            break;   /* (the last: ip wrapped at the end of a 16- or 32-bit segment) */
    }
    s->ninsns = (uint8_t)n;
    s->nguest = (uint8_t)guest;
    s->nbytes = (uint16_t)off;
    chain_block(s, n);
    return block_cache_commit(c, s, host);
}

/* A fault (longjmp) at cpu->insn_start_rip: count the instructions of the
 * block being run (cpu->chain_block: cpu->icount counts its instructions when it
 * ends) that completed before it. */
static void exec_fault_icount(X86CPU *cpu, BlockCache *c)
{
    const Block *b = cpu->chain_block;
    (void)c;
    cpu->chain_block = NULL;
    if (!b)
        return;
    for (unsigned i = 0; i < b->ninsns; i++) {
        const ExecInsn *x = &b->insns[i];
        if (x->insn.pc == cpu->insn_start_rip) {
            cpu->icount += x->ordinal;
            return;
        }
        if (x->span == 2 && (uint64_t)x->insn.disp == cpu->insn_start_rip) {
            cpu->icount += x->ordinal + 1u;   /* the fused branch faulted */
            return;
        }
    }
}

/* The last entry of b that ends within `room` guest instructions (at least
 * the first: a fused pair there runs whole, one over the budget). */
static const ExecInsn *budget_stop(const Block *b, uint64_t room)
{
    const ExecInsn *stop = b->insns;
    for (unsigned i = 1; i < b->ninsns; i++)
        if (b->insns[i].ordinal + b->insns[i].span <= room)
            stop = &b->insns[i];
    return stop;
}

/*
 * Trust in cached blocks (block_hit): bytes compared in the current epoch
 * are not compared again. The epoch ends (c->epoch++) whenever code
 * may have changed unseen:
 *  - a run enters a code page that is not one of the hooked ones
 *    (cpu->code_pages, direct mapped on the page number: entering one
 *    evicts the page in its slot; this vCPU's stores into those end the run, with
 *    cpu->run_break, so the next run starts a new epoch);
 *  - the thread runs another vCPU than before (tests, tools);
 *  - a run starts after anything but a plain end of budget (events,
 *    non-simple instructions such as the serializing ones, the full path,
 *    faults): other vCPUs and DMA write code, and the x86 rule for
 *    cross-modifying code is that the executing processor serializes
 *    before running it.
 */
static inline void enter_code_page(X86CPU *cpu, BlockCache *c, const uint8_t *host, unsigned off)
{
    uintptr_t page = host ? (uintptr_t)host - off : 0;
    uintptr_t *slot = &cpu->code_pages[(page / TARGET_PAGE_SIZE) & (X86_CODE_PAGES - 1)];
    if (page && *slot == page)
        return;
    c->epoch++;   /* (an evicted page's blocks are not trusted any more either) */
    if (page)
        *slot = page;
}

/*
 * One run: blocks while their last instruction is simple, they touch no
 * device memory and store nothing into the code pages, no event is pending
 * and the budget lasts. Each block runs as a chain of handlers, which may
 * go on into the next blocks itself (block_link, interp-fast.h); events
 * are looked at between blocks. A block after a taken branch on the same
 * code page reuses the host pointer.
 */
static inline void run_blocks(X86CPU *cpu, BlockCache *c, uint64_t features, uint64_t limit)
{
    uint64_t pc = cpu->rip;
    unsigned avail = 0;
    cpu->insn_start_rip = pc;
    cpu->inhibit_irq = false;
    const uint8_t *host = code_ptr(cpu, pc, &avail);
    /* simple instructions change neither CS nor the mode */
    uint8_t mode = (uint8_t)(cpu->code64 | (cpu->code32 << 1));
    uint64_t lin_base = cpu->code64 ? 0 : cpu->seg[R_CS].base;
    uint64_t run_limit = limit - cpu->icount > RUN_MAX ? cpu->icount + RUN_MAX : limit;   /* soft */
    if (!c->trust_kept || cpu->run_break || cpu != c->trust_cpu)
        c->epoch++;   /* (the hooked pages are per vCPU, the blocks per thread) */
    c->trust_cpu = cpu;
    c->trust_kept = false;
    cpu->run_break = false;
    cpu->chain_limit = run_limit;
    x86_fast_mem_setup(cpu);   /* simple instructions change nothing it depends on */
    enter_code_page(cpu, c, host, (unsigned)((lin_base + pc) & ~TARGET_PAGE_MASK));
    /* chains look at requests between blocks only: one pending already
     * (not taken by run_loop) is looked at after the first instruction */
    bool held_irq = atomic_load_explicit(&cpu->interrupt_request, memory_order_relaxed) != 0;
    /* prev: the cached block run before (never the scratch block, which is
     * run once and neither chains nor is chained to) */
    Block *prev = NULL, *b;
    ExecInsn *last = NULL;   /* the entry of prev where its chain ended */
    for (;;) {
        if (prev && prev->pc == pc) {
            b = prev;   /* a loop onto itself: same bytes, same host, still trusted */
        } else {
            /* the block that ran after `last` the last time, else the table */
            b = last ? (Block *)(uintptr_t)last->link : NULL;
            if (!b || b->pc != pc)
                b = *block_cache_slot(c, pc);
            if (__builtin_expect(!block_hit(b, pc, mode, host, avail, c->epoch), 0)) {
                uint64_t flushes = c->flushes;
                b = block_build(cpu, c, pc, mode, host, avail, features, c->epoch);
                if (c->flushes != flushes)
                    last = NULL;   /* it was dropped with everything else */
            }
        }
        if (last && b != block_cache_scratch(c))
            last->link = b;
        /* the whole block as a chain, or up to where the budget ends */
        const ExecInsn *x;
        /* (the run ends at the first block boundary past run_limit: only
         * the budget's `limit` cuts blocks) */
        uint64_t room = limit - cpu->icount;   /* >= 1 */
        cpu->chain_block = b;   /* icount of a fault inside it: exec_fault_icount */
        if (__builtin_expect(b->nguest <= room && !held_irq, 1)) {
            cpu->chain_stop = 0;
            b->insns[0].handler(cpu, &b->insns[0].insn);
            x = cpu->chain_last;
        } else {
            /* a request held at the start (interrupt shadow, IF = 0) is
             * looked at again after one instruction, as the processor does */
            x = run_steps(cpu, b, held_irq ? b->insns : budget_stop(b, room));
            held_irq = false;
        }
        if (block_of(x) != b) {
            /* the chain went on into other blocks (block_link: 64-bit
             * code, same page): go on from the last one */
            b = (Block *)(uintptr_t)block_of(x);
            pc = b->pc;
            host = b->checked_host;
            avail = (unsigned)(TARGET_PAGE_SIZE - (pc & ~TARGET_PAGE_MASK));
        }
        cpu->icount += (uint64_t)x->ordinal + x->span;
        cpu->chain_block = NULL;
        prev = b != block_cache_scratch(c) ? b : NULL;
        last = prev ? (ExecInsn *)(uintptr_t)x : NULL;
        if (!x->simple || cpu->run_break ||
            atomic_load_explicit(&cpu->interrupt_request, memory_order_relaxed))
            return;   /* back to run_loop's checks at this boundary */
        if (cpu->icount >= run_limit) {
            c->trust_kept = true;
            return;
        }
        uint64_t rip = cpu->rip;
        unsigned back = (unsigned)((lin_base + pc) & ~TARGET_PAGE_MASK);   /* pc's page offset */
        /* a target in the same code page (and before the end of CS) reuses
         * the host pointer */
        if (host && (rip >= pc ? rip - pc < avail : pc - rip <= back)) {
            ptrdiff_t delta = (ptrdiff_t)(int64_t)(rip - pc);   /* negative: a jump back */
            host += delta;
            avail = (unsigned)((ptrdiff_t)avail - delta);
            pc = rip;
            cpu->insn_start_rip = pc;   /* for faults of block_build's decoding */
        } else {
            pc = rip;
            cpu->insn_start_rip = pc;   /* before the fetch, which may fault */
            host = code_ptr(cpu, pc, &avail);
            enter_code_page(cpu, c, host, (unsigned)((lin_base + pc) & ~TARGET_PAGE_MASK));
        }
    }
}

/* Run until cpu->icount reaches `limit`, a halt or an exit request. */
static __attribute__((noinline)) int run_loop(X86CPU *cpu, BlockCache *c, uint64_t features,
                                              uint64_t limit)
{
    while (cpu->icount < limit) {
        unsigned req = atomic_load_explicit(&cpu->interrupt_request, memory_order_relaxed);
        if (__builtin_expect(req != 0, 0)) {
            if (req & CPU_INTERRUPT_EXIT) {
                atomic_fetch_and(&cpu->interrupt_request, ~CPU_INTERRUPT_EXIT);
                return EXEC_EXIT;
            }
            c->trust_kept = false;
            cpu->insn_start_rip = cpu->rip;
            cc_flush(cpu);
            if (x86_handle_interrupts(cpu))
                cpu->halted = false;
        }
        if (cpu->halted)
            return EXEC_HALTED;
        if (__builtin_expect(needs_full_path(cpu), 0)) {
            c->trust_kept = false;
            /* gdb stub (accel/debug.h): breakpoints before, single-step
             * and watchpoints after the instruction. */
            if (atomic_load_explicit(&debug_active, memory_order_relaxed) && debug_before_insn(cpu))
                return EXEC_EXIT;
            exec_insn(cpu, features);
            if (atomic_load_explicit(&debug_active, memory_order_relaxed) && debug_after_insn(cpu))
                return EXEC_EXIT;
            continue;
        }
        run_blocks(cpu, c, features, limit);
    }
    return EXEC_BUDGET;
}

/*
 * The budget is counted on cpu->icount (an instruction that faults counts
 * too, so fault loops make progress towards the end of the slice).
 */
int x86_cpu_exec(X86CPU *cpu, uint64_t max_insns)
{
    uint64_t start = cpu->icount;
    volatile uint64_t limit = max_insns > UINT64_MAX - start ? UINT64_MAX : start + max_insns;
    uint64_t features = x86_decode_features(cpu);
    BlockCache *c = block_cache_get(features);
    c->trust_kept = false;   /* devices ran on this thread between slices */
    if (setjmp(cpu->jmp_env) != 0) {
        exec_fault_icount(cpu, c);
        x86_release_bus_lock();
        cpu->rip = cpu->insn_start_rip;
        cc_flush(cpu);
        x86_deliver_exception(cpu);
        if (cpu->icount < limit)
            limit--;   /* a fault counts as work: no livelock on fault loops */
    }
    return run_loop(cpu, c, features, limit);
}
