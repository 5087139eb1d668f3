/*
 * fuzz-tcg: differential fuzzing of the JIT against the interpreter. Each
 * input is set up exactly as fuzz-cpu.c does (that file is included, its
 * run redirected) and run twice by the interpreter, then by the tcg
 * accelerator's loop (accel/tcg/cpu-exec.c: translation, generated code,
 * faults, icount) with every block dropped first; the architectural state
 * and the RAM must be the same. Inputs the interpreter does not run the same
 * way twice (RDTSC, RDRAND...) are skipped. FUZZ_TCG_BACKEND=tci picks the
 * portable back end. A difference prints both states and aborts.
 */
#include "accel/tcg/tcg-internal.h"
#include "core/log.h"
#include "softmmu/code-pages.h"
#include "target-x86/exec.h"

static int fz_exec(X86CPU *cpu, uint64_t max_insns);
#define x86_cpu_exec fz_exec
#define LLVMFuzzerTestOneInput fuzz_cpu_run_one
#include "fuzz-cpu.c"
#undef x86_cpu_exec
#undef LLVMFuzzerTestOneInput

static bool use_tcg;
static TcgVCpu *tv;

static void tcg_setup(X86CPU *cpu)
{
    const char *name = getenv("FUZZ_TCG_BACKEND");
    tcg_backend = name ? tcg_backend_find(name) : tcg_backend_default();
    char *err = NULL;
    if (!tcg_backend || !code_buffer_init(tcg_backend, 16, &err)) {
        fprintf(stderr, "fuzz-tcg: no JIT: %s\n", err ? err : "unknown back end");
        abort();
    }
    tb_invalidate_init();
    if (getenv("FUZZ_TCG_LOG"))   /* -d in_asm,op,out_asm for the JIT run */
        vessel_log_mask |= LOG_IN_ASM | LOG_OP | LOG_OUT_ASM;
    tv = calloc(1, sizeof(*tv));
    if (!tv)
        abort();
    tv->cpu = cpu;
    tcg_ctx_init(&tv->ctx);
    x86_tcg_init(&tv->ctx);
    cpu->accel_priv = tv;
    tb_cache_register_vcpu(tv);
    code_pages_register_tlb(&cpu->tlb);
}

static int fz_exec(X86CPU *cpu, uint64_t max_insns)
{
    if (!use_tcg)
        return x86_cpu_exec(cpu, max_insns);
    if (!tv)
        tcg_setup(cpu);
    tcg_region_enter();
    tcg_exclusive_flush();   /* RAM was rewritten behind the code pages' back */
    int r = tcg_cpu_exec(tv, max_insns);
    tcg_region_leave();
    return r;
}

typedef struct FzState {
    uint64_t regs[16], rip, rflags, icount, cr0, cr2, cr3, cr4;
    uint16_t sel[6];
    int cpl, halted, shutdown;
} FzState;

static uint8_t *ram_copy;

static void take_state(FzState *s, uint64_t icount0)
{
    memset(s, 0, sizeof(*s));
    memcpy(s->regs, fz_cpu->regs, sizeof(s->regs));
    s->rip = fz_cpu->rip;
    s->rflags = x86_get_rflags(fz_cpu);
    s->icount = fz_cpu->icount - icount0;
    s->cr0 = fz_cpu->cr0;
    s->cr2 = fz_cpu->cr2;
    s->cr3 = fz_cpu->cr3;
    s->cr4 = fz_cpu->cr4;
    for (int i = 0; i < 6; i++)
        s->sel[i] = fz_cpu->seg[i].selector;
    s->cpl = fz_cpu->cpl;
    s->halted = fz_cpu->halted;
    s->shutdown = fz_cpu->shutdown;
}

static void print_state(const char *who, const FzState *s)
{
    fprintf(stderr, "%s: rip %#llx rflags %#llx icount %llu cpl %d halted %d shutdown %d "
            "cr0 %#llx cr2 %#llx cs %#x ss %#x\n", who, (unsigned long long)s->rip,
            (unsigned long long)s->rflags, (unsigned long long)s->icount, s->cpl, s->halted,
            s->shutdown, (unsigned long long)s->cr0, (unsigned long long)s->cr2, s->sel[R_CS],
            s->sel[R_SS]);
    for (int i = 0; i < 16; i++)
        fprintf(stderr, "  r%d %#llx%s", i, (unsigned long long)s->regs[i], i % 4 == 3 ? "\n" : "");
}

/* Run the input once; the state after it (and the RAM in `ram`, if given). */
static void run_once(const uint8_t *data, size_t size, bool tcg, FzState *s, uint8_t *ram)
{
    use_tcg = tcg;
    uint64_t icount0 = fz_cpu ? fz_cpu->icount : 0;
    fuzz_cpu_run_one(data, size);
    take_state(s, icount0);
    if (ram)
        memcpy(ram, fz_ram.ram, RAM_SIZE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (!ram_copy && !(ram_copy = malloc(RAM_SIZE)))
        abort();
    FzState a, a2, b;
    run_once(data, size, false, &a, ram_copy);
    run_once(data, size, false, &a2, NULL);
    if (memcmp(&a, &a2, sizeof(a)) || memcmp(ram_copy, fz_ram.ram, RAM_SIZE))
        return 0;   /* not deterministic under the interpreter itself */
    run_once(data, size, true, &b, NULL);
    bool same_state = !memcmp(&a, &b, sizeof(a));
    bool same_ram = !memcmp(ram_copy, fz_ram.ram, RAM_SIZE);
    if (same_state && same_ram)
        return 0;
    fprintf(stderr, "fuzz-tcg: the JIT differs from the interpreter (mode byte %#x, %zu bytes)%s\n",
            data[0], size, same_ram ? "" : " (RAM differs)");
    for (size_t i = 0; !same_ram && i < RAM_SIZE; i++) {
        if (ram_copy[i] != fz_ram.ram[i]) {
            fprintf(stderr, "  first RAM difference at %#zx: interp %#x, tcg %#x\n", i,
                    ram_copy[i], fz_ram.ram[i]);
            break;
        }
    }
    print_state("interp", &a);
    print_state("tcg", &b);
    fprintf(stderr, "input:");
    for (size_t i = 0; i < size && i < 256; i++)
        fprintf(stderr, " %02x", data[i]);
    fprintf(stderr, "\n");
    const char *save = getenv("FUZZ_TCG_SAVE");
    FILE *f = save ? fopen(save, "wb") : NULL;
    if (f) {
        fwrite(data, 1, size, f);
        fclose(f);
    }
    abort();
}
