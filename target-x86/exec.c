/*
 * The interpreter's execution loop: fetch through the code TLB, a
 * decoded-instruction cache, execute, debug traps (single-step, DR0-DR3),
 * LOCK atomicity between vCPU threads, pending events at instruction
 * boundaries and exception delivery after a longjmp.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "accel/debug.h"   /* gdb stub hooks (issue 5) */
#include "core/log.h"
#include "target-x86/exec.h"
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
static const uint8_t *code_ptr(X86CPU *cpu, uint64_t pc, unsigned *avail)
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
        pthread_mutex_unlock(&locked_insn_mutex);
    }
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
 * guest memory (so self-modifying code needs no invalidation).
 */
#define DCACHE_BITS 10
#define DCACHE_SIZE (1u << DCACHE_BITS)

typedef struct DecodeCacheEntry {
    bool valid;
    uint8_t mode;
    uint64_t pc, cs_base, features;
    uint64_t word[2], mask[2];   /* the instruction bytes, for a quick compare */
    X86Insn insn;
} DecodeCacheEntry;

static __thread DecodeCacheEntry *dcache;
static pthread_key_t dcache_key;    /* frees a thread's cache when the thread ends */
static pthread_once_t dcache_key_once = PTHREAD_ONCE_INIT;

static void dcache_key_create(void)
{
    pthread_key_create(&dcache_key, free);
}

static DecodeCacheEntry *dcache_slot(uint64_t pc)
{
    if (!dcache) {
        dcache = calloc(DCACHE_SIZE, sizeof(*dcache));
        if (!dcache)
            abort();
        pthread_once(&dcache_key_once, dcache_key_create);
        pthread_setspecific(dcache_key, dcache);
    }
    return &dcache[(pc ^ (pc >> DCACHE_BITS)) & (DCACHE_SIZE - 1)];
}

static bool same_bytes(const DecodeCacheEntry *e, const FetchCtx *f)
{
    if (f->avail >= 16) {
        uint64_t w[2];
        memcpy(w, f->host, 16);
        return (((w[0] ^ e->word[0]) & e->mask[0]) | ((w[1] ^ e->word[1]) & e->mask[1])) == 0;
    }
    return e->insn.len <= f->avail && memcmp(f->host, e->insn.bytes, e->insn.len) == 0;
}

static bool dcache_hit(const DecodeCacheEntry *e, const FetchCtx *f, uint64_t pc, uint8_t mode,
                       uint64_t cs_base, uint64_t features)
{
    return e->valid && e->pc == pc && e->mode == mode && e->cs_base == cs_base &&
           e->features == features && f->host && same_bytes(e, f);
}

static void dcache_fill_words(DecodeCacheEntry *e)
{
    uint8_t b[16] = { 0 }, m[16] = { 0 };
    memcpy(b, e->insn.bytes, e->insn.len);
    memset(m, 0xff, e->insn.len);
    memcpy(e->word, b, 16);
    memcpy(e->mask, m, 16);
}

static const X86Insn *fetch_decode(X86CPU *cpu, uint64_t features)
{
    FetchCtx f = { .cpu = cpu };
    uint64_t pc = cpu->rip, cs_base = cpu->seg[R_CS].base;
    uint8_t mode_bits = (uint8_t)(cpu->code64 | (cpu->code32 << 1));
    f.host = code_ptr(cpu, pc, &f.avail);
    DecodeCacheEntry *e = dcache_slot(pc);
    if (dcache_hit(e, &f, pc, mode_bits, cs_base, features))
        return &e->insn;
    X86DecodeMode mode = { .code64 = cpu->code64, .code32 = cpu->code32, .features = features };
    e->valid = false;
    int r = x86_decode(&e->insn, &mode, exec_fetch, &f, pc);
    if (r == DEC_GP)
        x86_raise_exception_err(cpu, EXCP_GP, 0);
    if (r != DEC_OK)
        x86_raise_exception(cpu, EXCP_UD);
    /* only instructions read entirely from one RAM page are reused */
    e->valid = f.host && e->insn.len <= f.avail;
    dcache_fill_words(e);
    e->pc = pc;
    e->mode = mode_bits;
    e->cs_base = cs_base;
    e->features = features;
    return &e->insn;
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

static void exec_insn(X86CPU *cpu, uint64_t features)
{
    bool tf = cpu->rflags & TF_MASK, rf = cpu->rflags & RF_MASK;
    release_bus_lock();   /* left held by a fault under x86_exec_one */
    cpu->insn_start_rip = cpu->rip;
    cpu->inhibit_irq = false;
    check_exec_breakpoints(cpu);
    interp_pending_data_bps = 0;
    const X86Insn *insn = fetch_decode(cpu, features);
    if (log_enabled(LOG_CPU | LOG_EXEC))
        log_insn(cpu, insn);
    cpu->rip = next_ip(cpu, cpu->rip + insn->len);
    if (needs_bus_lock(insn)) {
        pthread_mutex_lock(&locked_insn_mutex);
        holding_insn_lock = true;
        insn->row->handler(cpu, insn);
        release_bus_lock();
    } else {
        insn->row->handler(cpu, insn);
    }
    cpu->icount++;
    if (rf)
        cpu->rflags &= ~(uint64_t)RF_MASK;   /* RF covers one instruction */
    if ((tf || interp_pending_data_bps) && !loads_ss(insn))   /* MOV SS / POP SS hold #DB */
        debug_trap(cpu, tf);
}

void x86_exec_one(X86CPU *cpu)
{
    exec_insn(cpu, cpu_features(cpu));
}

static int run_loop(X86CPU *cpu, uint64_t features, volatile uint64_t *budget)
{
    while (*budget) {
        unsigned req = atomic_load_explicit(&cpu->interrupt_request, memory_order_relaxed);
        if (req) {
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
        /* gdb stub (accel/debug.h): breakpoints before, single-step and
         * watchpoints after the instruction. */
        if (atomic_load_explicit(&debug_active, memory_order_relaxed) && debug_before_insn(cpu))
            return EXEC_EXIT;
        exec_insn(cpu, features);
        (*budget)--;
        if (atomic_load_explicit(&debug_active, memory_order_relaxed) && debug_after_insn(cpu))
            return EXEC_EXIT;
    }
    return EXEC_BUDGET;
}

int x86_cpu_exec(X86CPU *cpu, uint64_t max_insns)
{
    volatile uint64_t budget = max_insns;
    uint64_t features = cpu_features(cpu);
    if (setjmp(cpu->jmp_env) != 0) {
        release_bus_lock();
        cpu->rip = cpu->insn_start_rip;
        cc_flush(cpu);
        x86_deliver_exception(cpu);
        if (budget)
            budget--;   /* a fault counts as work: no livelock on fault loops */
    }
    return run_loop(cpu, features, &budget);
}
