/*
 * The interpreter's execution loop: fetch through the code TLB, a
 * decoded-instruction cache, execute, debug traps (single-step, DR0-DR3),
 * LOCK atomicity between vCPU threads, pending events at instruction
 * boundaries and exception delivery after a longjmp. The fast path runs
 * straight "runs" of simple instructions with the boundary checks done
 * once per run (run_simple); anything unusual takes the full path.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "accel/debug.h"   /* gdb stub hooks (issue 5) */
#include "core/log.h"
#include "target-x86/exec.h"
#include "target-x86/lock-rmw.h"
#include "target-x86/interp.h"

/* ---- fetch ---- */

typedef struct FetchCtx {
    X86CPU *cpu;
    const uint8_t *host;   /* code bytes from pc, or NULL (MMIO) */
    unsigned avail;
} FetchCtx;

static uint8_t exec_fetch(void *opaque, uint64_t pc, unsigned index)
{
    FetchCtx *f = opaque;
    if (index < f->avail && f->host)
        return f->host[index];
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

static void release_bus_lock(void)
{
    if (holding_insn_lock) {
        holding_insn_lock = false;
        x86_lock_rmw_end();
        pthread_mutex_unlock(&locked_insn_mutex);
    }
}

/* The handler of LOCKed (and XCHG-with-memory) instructions in the cache:
 * the row's handler under the bus lock. */
static void locked_handler(X86CPU *cpu, const X86Insn *insn)
{
    pthread_mutex_lock(&locked_insn_mutex);
    holding_insn_lock = true;
    x86_lock_rmw_begin();
    insn->row->handler(cpu, insn);
    release_bus_lock();
}

/* ---- the loop ---- */

static uint64_t cpu_features(X86CPU *cpu)
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
 * Decoded-instruction cache, per vCPU thread: direct mapped on the code
 * offset, validated on every hit by comparing the instruction's bytes with
 * guest memory (so self-modifying code needs no invalidation). The key is
 * (offset, mode) plus the bytes themselves: the decoding depends on
 * nothing else (not on the CS base, which only selects the bytes
 * compared). The CPUID features are per cache (a change empties it). An
 * entry also keeps what the fast loop needs: the handler (a specialised
 * one from interp-fast.c, or the bus-lock wrapper), the next rip and
 * whether the instruction is simple. Entries are 128 bytes, aligned, so a
 * hit touches one pair of host cache lines (the check only the first);
 * 64K of them (8 MiB per vCPU thread) keep conflict misses of the Linux
 * boot's working set low.
 */
#define DCACHE_BITS 16
#define DCACHE_SIZE (1u << DCACHE_BITS)
#define DCACHE_INVALID 0xff   /* mode value of an empty entry */
#define DCACHE_ALIGN (2u << 20) /* the table is 2 MiB aligned for huge pages */

typedef struct DecodeCacheEntry {
    X86Handler handler;          /* the row's, or locked_handler */
    uint64_t next_rip;           /* pc + len, wrapped to the mode's width */
    uint8_t mode;                /* code64 | code32 << 1, or DCACHE_INVALID */
    bool simple;                 /* is_simple(): may continue a run */
    X86Insn insn;                /* insn.pc is the key, insn.bytes the check */
} __attribute__((aligned(128))) DecodeCacheEntry;

_Static_assert(sizeof(DecodeCacheEntry) == 128, "one aligned pair of cache lines");

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
        size_t size = (sizeof(*dcache) + DCACHE_ALIGN - 1) & ~(size_t)(DCACHE_ALIGN - 1);
        dcache = aligned_alloc(DCACHE_ALIGN, size);
        if (!dcache)
            abort();
#ifdef MADV_HUGEPAGE
        madvise(dcache, size, MADV_HUGEPAGE);   /* fewer host TLB misses */
#endif
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
    if (__builtin_expect(avail >= 16, 1)) {
        uint64_t w[2], b[2];
        memcpy(w, host, 16);
        memcpy(b, e->insn.bytes, 16);
        const uint64_t *m = len_mask[e->insn.len];
        return (((w[0] ^ b[0]) & m[0]) | ((w[1] ^ b[1]) & m[1])) == 0;
    }
    return e->insn.len <= avail && memcmp(host, e->insn.bytes, e->insn.len) == 0;
}

static inline bool dcache_hit(const DecodeCacheEntry *e, const uint8_t *host, unsigned avail,
                              uint64_t pc, uint8_t mode)
{
    return e->insn.pc == pc && e->mode == mode && host && same_bytes(e, host, avail);
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

/* Decode the instruction at cpu->rip into `e` (a miss). Faults longjmp. */
static __attribute__((noinline)) DecodeCacheEntry *dcache_decode(X86CPU *cpu, DecodeCacheEntry *e, const uint8_t *host,
                                       unsigned avail, uint64_t features)
{
    FetchCtx f = { .cpu = cpu, .host = host, .avail = avail };
    uint64_t pc = cpu->rip;
    X86DecodeMode mode = { .code64 = cpu->code64, .code32 = cpu->code32, .features = features };
    e->mode = DCACHE_INVALID;
    int r = x86_decode(&e->insn, &mode, exec_fetch, &f, pc);
    if (r == DEC_GP)
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    if (r != DEC_OK)
        x86_raise_exception(cpu, EXCP_UD);
    e->next_rip = next_ip(cpu, pc + e->insn.len);
    X86Handler fast = interp_fast_handler(&e->insn);
    e->handler = needs_bus_lock(&e->insn) ? locked_handler : fast ? fast : e->insn.row->handler;
    e->simple = is_simple(e->insn.row);
    /* only instructions read entirely from one RAM page are reused (an
     * entry that is not valid is still returned for this one execution) */
    if (f.host && e->insn.len <= f.avail)
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

/* Run one decoded instruction: rip moves past it first (handlers see the
 * next instruction's address). */
static inline void run_entry(X86CPU *cpu, const DecodeCacheEntry *e)
{
    cpu->rip = e->next_rip;
    e->handler(cpu, &e->insn);
    cpu->icount++;
}

/* The full path: debug traps, breakpoints, logging. */
static void exec_insn(X86CPU *cpu, uint64_t features)
{
    bool tf = cpu->rflags & TF_MASK, rf = cpu->rflags & RF_MASK;
    release_bus_lock();   /* left held by a fault under x86_exec_one */
    cpu->insn_start_rip = cpu->rip;
    cpu->inhibit_irq = false;
    check_exec_breakpoints(cpu);
    interp_pending_data_bps = 0;
    const DecodeCacheEntry *e = dcache_lookup(cpu, dcache_get(features), features);
    if (log_enabled(LOG_CPU | LOG_EXEC))
        log_insn(cpu, &e->insn);
    run_entry(cpu, e);
    if (rf)
        cpu->rflags &= ~(uint64_t)RF_MASK;   /* RF covers one instruction */
    if ((tf || interp_pending_data_bps) && !loads_ss(&e->insn))   /* MOV SS / POP SS hold #DB */
        debug_trap(cpu, tf);
}

void x86_exec_one(X86CPU *cpu)
{
    exec_insn(cpu, cpu_features(cpu));
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

#define RUN_MAX 64   /* instructions per run: bounds the latency of async requests */

/*
 * One run: an instruction, then more while they are simple (is_simple),
 * touch no device memory, no event is pending and the budget lasts. Successors on
 * the same code page (fall-through or branch target) reuse the host pointer.
 */
static inline void run_simple(X86CPU *cpu, DecodeCache *c, uint64_t features, uint64_t limit)
{
    uint64_t pc = cpu->rip;
    unsigned avail = 0;
    cpu->insn_start_rip = pc;
    cpu->inhibit_irq = false;
    const uint8_t *host = code_ptr(cpu, pc, &avail);
    /* simple instructions change neither CS nor the mode */
    uint8_t mode = (uint8_t)(cpu->code64 | (cpu->code32 << 1));
    uint64_t lin_base = cpu->code64 ? 0 : cpu->seg[R_CS].base;
    uint64_t run_limit = limit - cpu->icount > RUN_MAX ? cpu->icount + RUN_MAX : limit;
    x86_mmio_touched = false;
    for (;;) {
        DecodeCacheEntry *e = dcache_slot(c, pc);
        if (__builtin_expect(!dcache_hit(e, host, avail, pc, mode), 0))
            e = dcache_decode(cpu, e, host, avail, features);
        run_entry(cpu, e);
        if (!e->simple || cpu->icount >= run_limit || x86_mmio_touched ||
            atomic_load_explicit(&cpu->interrupt_request, memory_order_relaxed))
            return;   /* back to run_loop's checks at this boundary */
        uint64_t rip = cpu->rip;
        unsigned back = (unsigned)((lin_base + pc) & ~TARGET_PAGE_MASK);   /* pc's page offset */
        /* a target in the same code page (and before the end of CS) reuses
         * the host pointer */
        if (host && (rip >= pc ? rip - pc < avail : pc - rip <= back)) {
            ptrdiff_t delta = (ptrdiff_t)(int64_t)(rip - pc);   /* negative: a jump back */
            host += delta;
            avail = (unsigned)((ptrdiff_t)avail - delta);
            pc = rip;
            cpu->insn_start_rip = pc;
        } else {
            pc = cpu->rip;
            cpu->insn_start_rip = pc;   /* before the fetch, which may fault */
            host = code_ptr(cpu, pc, &avail);
        }
    }
}

/* Run until cpu->icount reaches `limit`, a halt or an exit request. */
static __attribute__((noinline)) int run_loop(X86CPU *cpu, uint64_t features, uint64_t limit)
{
    DecodeCache *c = dcache_get(features);
    while (cpu->icount < limit) {
        unsigned req = atomic_load_explicit(&cpu->interrupt_request, memory_order_relaxed);
        if (__builtin_expect(req != 0, 0)) {
            if (req & CPU_INTERRUPT_EXIT) {
                atomic_fetch_and(&cpu->interrupt_request, ~CPU_INTERRUPT_EXIT);
                return EXEC_EXIT;
            }
            cpu->insn_start_rip = cpu->rip;
            cc_flush(cpu);
            if (x86_handle_interrupts(cpu))
                cpu->halted = false;
        }
        if (cpu->halted)
            return EXEC_HALTED;
        if (__builtin_expect(needs_full_path(cpu), 0)) {
            /* gdb stub (accel/debug.h): breakpoints before, single-step
             * and watchpoints after the instruction. */
            if (atomic_load_explicit(&debug_active, memory_order_relaxed) && debug_before_insn(cpu))
                return EXEC_EXIT;
            exec_insn(cpu, features);
            if (atomic_load_explicit(&debug_active, memory_order_relaxed) && debug_after_insn(cpu))
                return EXEC_EXIT;
            continue;
        }
        run_simple(cpu, c, features, limit);
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
    uint64_t features = cpu_features(cpu);
    if (setjmp(cpu->jmp_env) != 0) {
        release_bus_lock();
        cpu->rip = cpu->insn_start_rip;
        cc_flush(cpu);
        x86_deliver_exception(cpu);
        if (cpu->icount < limit)
            limit--;   /* a fault counts as work: no livelock on fault loops */
    }
    return run_loop(cpu, features, limit);
}
