/*
 * The tcg execution loop: events at block boundaries as in the interpreter
 * (target-x86/exec.c run_loop), TB lookup (jump cache, hash table) or
 * translation (front end -> optimizer -> liveness -> back end), running the
 * generated code, chaining goto_tb exits within one guest page, faults
 * (longjmp to cpu->jmp_env: the icount of the instructions not run is taken
 * back, the exception delivered) and the cases the interpreter runs
 * instead: code outside RAM, an instruction that crosses its page, the
 * interrupt shadow, the end of an -icount budget smaller than the next
 * block, EFLAGS.TF/RF, DR7 breakpoints, -d cpu/exec logging. Under gdb
 * (accel/debug.h) blocks are translated with the breakpoint list, without
 * chaining, one instruction long while stepping or watching.
 */
#include <setjmp.h>
#include <string.h>

#include "accel/debug.h"
#include "accel/tcg/tcg-internal.h"
#include "core/log.h"
#include "core/main-loop.h"
#include "softmmu/code-pages.h"
#include "target-x86/cc.h"
#include "target-x86/decode.h"
#include "target-x86/exec.h"

#define TCG_JMP_RESTART 0x5e   /* longjmp value: restart the instruction (SMC) */
#define INTERP_CHUNK 1024      /* instructions run by the interpreter per fallback */

/* The state of one tcg_cpu_exec call (thread-local: it survives longjmp). */
typedef struct TcgLoop {
    TcgVCpu *v;
    uint64_t limit;
    TranslationBlock *last_tb;   /* left through goto_tb slot last_slot: may chain */
    unsigned last_slot;
    bool restart;                /* run one instruction with the interpreter first */
    uint64_t interp_n;           /* RUN_INTERP: how many */
} TcgLoop;

enum { RUN_INTERP = -1 };

static __thread TcgLoop loop;
static __thread TcgVCpu *cur_vcpu;
static __thread bool in_exec;    /* inside generated code */

TcgVCpu *tcg_current_vcpu(void)
{
    return cur_vcpu;
}

/* ---- logging of translated blocks (-d in_asm, op, out_asm) ---- */

typedef struct LogFetch {
    const uint8_t *host;
    unsigned avail;
    uint64_t pc0;
} LogFetch;

static uint8_t log_fetch(void *opaque, uint64_t pc, unsigned index)
{
    LogFetch *f = opaque;
    uint64_t off = pc - f->pc0 + index;
    return off < f->avail ? f->host[off] : 0;
}

static void log_in_asm(X86CPU *cpu, const TranslationBlock *tb, unsigned avail)
{
    log_printf("IN: cpu%d cs_base=%#llx pc=%#llx flags=%#x (%u insns)\n", cpu->index,
               (unsigned long long)tb->cs_base, (unsigned long long)tb->pc, tb->flags, tb->ninsns);
    LogFetch f = { tb->host, avail, tb->pc };
    X86DecodeMode mode = { .code64 = cpu->code64, .code32 = cpu->code32, .features = tb->features };
    for (unsigned i = 0; i < tb->ninsns; i++) {
        X86Insn insn;
        char text[128] = "?";
        if (x86_decode(&insn, &mode, log_fetch, &f, tb->insn_pc[i]) == DEC_OK)
            x86_insn_format(&insn, text, sizeof(text));
        log_printf("  %#llx: %s\n", (unsigned long long)tb->insn_pc[i], text);
    }
}

static void log_out_asm(const TranslationBlock *tb)
{
    log_printf("OUT: [%s] %u bytes at %p\n", tcg_backend->name, tb->info.size, (void *)tb->code);
    for (uint32_t i = 0; i < tb->info.size; i += 16) {
        log_printf("  %04x:", i);
        for (uint32_t j = i; j < tb->info.size && j < i + 16; j++)
            log_printf(" %02x", tb->code[j]);
        log_printf("\n");
    }
}

/* ---- translation ---- */

typedef struct TbKey {
    uint64_t pc, cs_base;
    uint32_t cs_limit, flags;
    const uint8_t *host;
    unsigned avail;
    uintptr_t host_page;
    unsigned debug_gen;
} TbKey;

static void *tb_alloc_cb(void *opaque, size_t size)
{
    tb_lock();
    void *p = data_buffer_alloc(size);
    tb_unlock();
    if (!p)
        *(bool *)opaque = true;
    return p;
}

static void (*const log_out)(const char *fmt, ...) = log_printf;

typedef enum { GEN_OK, GEN_NONE, GEN_FULL } GenResult;

static TranslationBlock *tb_new(TcgVCpu *v, const TbKey *k)
{
    tb_lock();
    TranslationBlock *tb = data_buffer_alloc(sizeof(*tb));
    tb_unlock();
    if (!tb)
        return NULL;
    memset(tb, 0, sizeof(*tb));
    tb->pc = k->pc;
    tb->cs_base = k->cs_base;
    tb->cs_limit = k->cs_limit;
    tb->flags = k->flags;
    tb->features = v->features;
    tb->host = k->host;
    tb->host_page = k->host_page;
    tb->debug_gen = k->debug_gen;
    return tb;
}

/* Host code for tb from v->ctx's ops, and tb in the cache (tb_lock held). */
static GenResult tb_commit_locked(TranslationBlock *tb, TCGContext *s, const X86TranslateResult *r)
{
    size_t left;
    uint8_t *code = code_buffer_cur(&left);
    if (!tcg_backend->gen_code(s, code, left, &tb->info))
        return GEN_FULL;
    tb->insn_pc = data_buffer_alloc(r->ninsns * sizeof(uint64_t));
    if (!tb->insn_pc)
        return GEN_FULL;
    memcpy(tb->insn_pc, r->insn_pc, r->ninsns * sizeof(uint64_t));
    code_buffer_commit(tb->info.size);
    tcg_backend->flush_icache(code, tb->info.size);
    tb->code = code;
    tb->ninsns = (uint16_t)r->ninsns;
    tb->nbytes = (uint16_t)r->nbytes;
    /* a write into the page since it was marked (the hook has run or is
     * about to): these bytes may be old, the block is not kept */
    if (!code_pages_is_marked(tb->host))
        return GEN_NONE;
    tb_hash_insert(tb);
    tb_page_add(tb);
    return GEN_OK;
}

/*
 * Translate the block of key k. The page is marked before its bytes are
 * read, translation runs without tb_lock (the first instruction's decode
 * may fault or touch device memory), the host code and the cache entries
 * are made under it.
 */
static GenResult tb_gen_once(TcgVCpu *v, const TbKey *k, TranslationBlock **out)
{
    tb_page_mark(k->host);
    TranslationBlock *tb = tb_new(v, k);
    if (!tb)
        return GEN_FULL;
    bool alloc_failed = false;
    X86TranslateParams p = {
        .cpu = v->cpu, .pc = k->pc, .cs_base = k->cs_base, .flags = k->flags,
        .features = v->features, .host = k->host, .avail = k->avail,
        .max_insns = (k->flags & X86_TB_SINGLE) ? 1 : X86_TB_MAX_INSNS,
        .tb_id = (uintptr_t)tb, .alloc = tb_alloc_cb, .alloc_opaque = &alloc_failed,
        .breakpoint_at = (k->flags & X86_TB_NOCHAIN) ? tcg_breakpoint_at : NULL,
    };
    X86TranslateResult r;
    if (!x86_translate_block(&v->ctx, &p, &r) || r.ninsns == 0)
        return alloc_failed ? GEN_FULL : GEN_NONE;
    tcg_optimize(&v->ctx);
    tcg_liveness(&v->ctx);
    tb_lock();
    GenResult g = tb_commit_locked(tb, &v->ctx, &r);
    tb_unlock();
    if (g != GEN_OK)
        return g;
    if (log_enabled(LOG_IN_ASM))
        log_in_asm(v->cpu, tb, k->avail);
    if (log_enabled(LOG_OP)) {
        log_printf("OP: pc=%#llx\n", (unsigned long long)tb->pc);
        tcg_dump_ops(&v->ctx, log_out);
    }
    if (log_enabled(LOG_OUT_ASM))
        log_out_asm(tb);
    *out = tb;
    return GEN_OK;
}

/* A new TB for key k, or NULL: the interpreter runs the instruction. A full
 * buffer is flushed (every vCPU out of generated code) and the block
 * translated again. */
static TranslationBlock *tb_gen(TcgVCpu *v, const TbKey *k)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        TranslationBlock *tb = NULL;
        GenResult g = tb_gen_once(v, k, &tb);
        if (g == GEN_OK)
            return tb;
        if (g == GEN_NONE)
            return NULL;
        tcg_exclusive_flush();
        loop.last_tb = NULL;
        v->flush_seen = atomic_load(&tcg_flush_count);
    }
    return NULL;   /* does not fit an empty buffer */
}

/* ---- the loop ---- */

/* The interpreter's full path: guest debug traps and per-instruction logs. */
static bool needs_interp(X86CPU *cpu)
{
    return ((cpu->rflags & (TF_MASK | RF_MASK)) | (cpu->dr[7] & 0xff)) != 0 ||
           log_enabled(LOG_CPU | LOG_EXEC);
}

static uint64_t remaining(X86CPU *cpu)
{
    return loop.limit - cpu->icount;
}

static int run_interp(uint64_t n)
{
    loop.interp_n = n ? n : 1;
    loop.last_tb = NULL;
    return RUN_INTERP;
}

/* The key of the code at CS:rip; false: no RAM/ROM there (the interpreter
 * runs it). Fetch faults longjmp. */
static bool make_key(TcgVCpu *v, TbKey *k, bool debug)
{
    X86CPU *cpu = v->cpu;
    k->pc = cpu->rip;
    k->cs_base = cpu->code64 ? 0 : cpu->seg[R_CS].base;
    k->cs_limit = cpu->code64 ? 0 : cpu->seg[R_CS].limit;
    cpu->insn_start_rip = cpu->rip;
    k->host = x86_code_ptr(cpu, cpu->rip, &k->avail);
    if (!k->host)
        return false;
    /* the host page, as code-pages.h names pages (guest RAM is page aligned) */
    k->host_page = (uintptr_t)k->host & ~(uintptr_t)(TARGET_PAGE_SIZE - 1);
    k->flags = x86_tb_flags(cpu);
    k->debug_gen = 0;
    if (debug) {
        k->flags |= X86_TB_NOCHAIN;
        k->debug_gen = debug_generation();
        /* watched pages are TLB_WATCH: their accesses take the slow path,
         * which checks them; one instruction per block stops right after it */
        if (atomic_load(&debug_watch_active))
            k->flags |= X86_TB_SINGLE;
        if (debug_get_step_cpu() == cpu->index)
            k->flags |= X86_TB_SINGLE;
    }
    return true;
}

static void try_chain(TranslationBlock *tb)
{
    TranslationBlock *last = loop.last_tb;
    loop.last_tb = NULL;
    if (!last || (tb->flags & X86_TB_NOCHAIN))
        return;
    if (last->host_page != tb->host_page || last->flags != tb->flags ||
        last->cs_base != tb->cs_base || last->cs_limit != tb->cs_limit ||
        ((last->cs_base + last->pc) >> TARGET_PAGE_BITS) != ((tb->cs_base + tb->pc) >> TARGET_PAGE_BITS))
        return;
    tb_lock();
    tb_add_jump(last, (int)loop.last_slot, tb);
    tb_unlock();
}

enum { TB_RAN = 0, TB_NOT_RUN = 1 };

/* Run tb (and whatever it chains to); TB_NOT_RUN: it did not start (an
 * event, or the budget ends inside it). */
static int exec_tb(X86CPU *cpu, TranslationBlock *tb)
{
    if (cpu->icount + tb->ninsns > loop.limit)
        return TB_NOT_RUN;
    cpu->tcg_tb = 0;
    cpu->tcg_icount_limit = loop.limit;
    uint64_t before = cpu->icount;
    in_exec = true;
    uintptr_t ret = tcg_backend->exec(code_buffer_prologue(), cpu, tb->code);
    in_exec = false;
    TranslationBlock *last = (TranslationBlock *)(ret & ~(uintptr_t)TB_EXIT_MASK);
    unsigned slot = (unsigned)(ret & TB_EXIT_MASK);
    if (!last)
        return TB_RAN;
    if (slot == TB_EXIT_REQUESTED)   /* (a block chained to itself may have run) */
        return last == tb && cpu->icount == before ? TB_NOT_RUN : TB_RAN;
    loop.last_tb = last;
    loop.last_slot = slot;
    return TB_RAN;
}

/* The block at CS:rip (looked up or translated), or NULL: the interpreter
 * runs the instruction. */
static TranslationBlock *find_tb(TcgVCpu *v, bool debug)
{
    TbKey k;
    if (!make_key(v, &k, debug))
        return NULL;
    TranslationBlock *tb = tb_lookup(v, k.pc, k.cs_base, k.cs_limit, k.flags, k.host,
                                     k.debug_gen);
    return tb ? tb : tb_gen(v, &k);
}

/* Under gdb: one block between debug_before_insn and debug_after_insn, as
 * the interpreter brackets one instruction; a block that does not start is
 * replaced by the interpreter's single instruction (x86_exec_one), so the
 * hooks always see exactly one run. */
static int debug_step(TcgVCpu *v)
{
    X86CPU *cpu = v->cpu;
    if (debug_before_insn(cpu))
        return EXEC_EXIT;
    TranslationBlock *tb = find_tb(v, true);
    if (!tb || exec_tb(cpu, tb) == TB_NOT_RUN)
        x86_exec_one(cpu);
    return debug_after_insn(cpu) ? EXEC_EXIT : 0;
}

/* Events at a block boundary, as the interpreter's run_loop: returns EXEC_*
 * to leave, RUN_INTERP, or 0 to run a block. */
static int boundary(TcgVCpu *v)
{
    X86CPU *cpu = v->cpu;
    if (tcg_region_check(v))
        loop.last_tb = NULL;
    if (loop.restart) {
        loop.restart = false;
        return run_interp(1);
    }
    /* cleared before interrupt_request is read: an event raised after
     * this sets it again and stops the next block (the full barrier only
     * when it was set: raise_event writes interrupt_request first) */
    if (atomic_load_explicit(&cpu->tcg_exit_request, memory_order_acquire))
        atomic_store(&cpu->tcg_exit_request, 0);
    unsigned req = atomic_load_explicit(&cpu->interrupt_request, memory_order_acquire);
    if (req) {
        if (req & CPU_INTERRUPT_EXIT) {
            atomic_fetch_and(&cpu->interrupt_request, ~CPU_INTERRUPT_EXIT);
            return EXEC_EXIT;
        }
        cpu->insn_start_rip = cpu->rip;
        cc_flush(cpu);
        if (x86_handle_interrupts(cpu)) {
            cpu->halted = false;
            loop.last_tb = NULL;   /* not where the last block left off */
        }
    }
    if (cpu->halted)
        return EXEC_HALTED;
    if (needs_interp(cpu))
        return run_interp(remaining(cpu) < INTERP_CHUNK ? remaining(cpu) : INTERP_CHUNK);
    /* the interrupt shadow: one instruction before events are looked at */
    if (cpu->inhibit_irq)
        return run_interp(1);
    /* an event the guest holds back (IF=0, NMI blocked...) stays pending in
     * interrupt_request while blocks run: the instruction that unmasks it
     * (STI, POPF, IRET...) ends its block and the next boundary takes it */
    return 0;
}

static int tcg_loop(TcgVCpu *v)
{
    X86CPU *cpu = v->cpu;
    while (cpu->icount < loop.limit) {
        int r = boundary(v);
        if (r)
            return r;
        if (atomic_load_explicit(&debug_active, memory_order_relaxed)) {
            r = debug_step(v);
            if (r)
                return r;
            continue;
        }
        TranslationBlock *tb = find_tb(v, false);
        if (!tb)
            return run_interp(1);
        try_chain(tb);
        if (exec_tb(cpu, tb) == TB_NOT_RUN) {
            /* the end of the budget, or an event (the next boundary takes it) */
            if (cpu->icount + tb->ninsns > loop.limit)
                return run_interp(remaining(cpu));
            if (!atomic_load(&cpu->tcg_exit_request) && atomic_load(&cpu->interrupt_request))
                /* blocks that refuse to start on any pending event (a front
                 * end reading interrupt_request): the interpreter goes on */
                return run_interp(remaining(cpu) < INTERP_CHUNK ? remaining(cpu) : INTERP_CHUNK);
        }
    }
    return EXEC_BUDGET;
}

/* After a longjmp out of a block: take back the icount of its instructions
 * that did not run (cpu->tcg_tb is the block running, insn_start_rip the
 * instruction that left). */
static void fault_icount(X86CPU *cpu)
{
    TranslationBlock *tb = (TranslationBlock *)(cpu->tcg_tb & ~(uintptr_t)TB_EXIT_MASK);
    if (!tb)
        return;
    for (unsigned i = 0; i < tb->ninsns; i++) {
        if (tb->insn_pc[i] == cpu->insn_start_rip) {
            cpu->icount -= tb->ninsns - i;
            return;
        }
    }
}

/*
 * Restart only a plain store of this vCPU's generated code (no device in
 * the middle of an access: they run under the big lock and their writes
 * must not be done twice), and only when more of the block follows: the
 * last instruction of a block (every non-simple one is) needs none, the
 * block ends after it and the next lookup translates the new bytes.
 */
void tcg_restart_if_running(uintptr_t host_page)
{
    TcgVCpu *v = cur_vcpu;
    if (!v || !in_exec || big_lock_held())
        return;
    TranslationBlock *tb = (TranslationBlock *)(v->cpu->tcg_tb & ~(uintptr_t)TB_EXIT_MASK);
    if (!tb || tb->host_page != host_page || !tb->ninsns)
        return;
    if (v->cpu->insn_start_rip == tb->insn_pc[tb->ninsns - 1])
        return;
    longjmp(v->cpu->jmp_env, TCG_JMP_RESTART);
}

static void after_longjmp(X86CPU *cpu, int why)
{
    tb_lock_reset();
    bool was_exec = in_exec;
    in_exec = false;
    if (was_exec)
        fault_icount(cpu);
    cpu->tcg_tb = 0;
    loop.last_tb = NULL;
    x86_release_bus_lock();
    cpu->rip = cpu->insn_start_rip;
    cc_flush(cpu);
    if (why == TCG_JMP_RESTART && was_exec) {
        loop.restart = true;   /* the store runs in the interpreter, then retranslation */
        return;
    }
    x86_deliver_exception(cpu);
    if (cpu->icount < loop.limit)
        loop.limit--;   /* a fault counts as work, as in the interpreter */
}

int tcg_cpu_exec(TcgVCpu *v, uint64_t max_insns)
{
    X86CPU *cpu = v->cpu;
    uint64_t start = cpu->icount;
    cur_vcpu = v;
    loop = (TcgLoop){ .v = v };
    loop.limit = max_insns > UINT64_MAX - start ? UINT64_MAX : start + max_insns;
    v->features = x86_decode_features(cpu);
    int r;
    for (;;) {
        int why = setjmp(cpu->jmp_env);
        if (why != 0)
            after_longjmp(cpu, why);
        r = tcg_loop(v);
        if (r != RUN_INTERP)
            break;
        /* the interpreter sets cpu->jmp_env for itself: ours is set again */
        uint64_t before = cpu->icount, n = loop.interp_n;
        r = x86_cpu_exec(cpu, n);
        if (r != EXEC_BUDGET)
            break;
        uint64_t ran = cpu->icount - before;
        if (ran < n)
            loop.limit -= n - ran;   /* its faults counted as work */
    }
    cur_vcpu = NULL;
    return r;
}
