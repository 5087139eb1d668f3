/*
 * The tcg accelerator: the JIT. One host thread per vCPU (as interp) runs
 * slices through the tcg execution loop (cpu-exec.c). `-accel tcg` uses the
 * native back end where built, `-accel tcg,backend=tci` the portable one.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#include "accel/accel.h"
#include "accel/debug.h"
#include "accel/tcg/tcg-internal.h"
#include "accel/vcpu-thread.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/machine.h"
#include "core/main-loop.h"
#include "softmmu/code-pages.h"
#include "target-x86/exec.h"

#define SLICE_INSNS 100000

const TCGBackend *tcg_backend;

bool tcg_breakpoint_at(X86CPU *cpu, uint64_t pc)
{
    uint64_t lin = cpu->code64 ? pc : (cpu->seg[R_CS].base + pc) & 0xffffffffull;
    return debug_exec_point_at(lin);
}

static void tcg_run_slice(VCpuThread *t)
{
    X86CPU *cpu = t->cpu;
    if (atomic_load_explicit(&debug_active, memory_order_relaxed) && !debug_before_slice(cpu)) {
        g_usleep(200);
        return;
    }
    uint64_t before = cpu->icount;
    tcg_region_enter();
    int r = tcg_cpu_exec(cpu->accel_priv, SLICE_INSNS);
    tcg_region_leave();
    vcpu_icount_timers(cpu->icount - before);
    if (r == EXEC_HALTED && !vcpu_icount_warp())
        vcpu_thread_wait_event(t);
}

/* -accel tcg,PROP=VALUE,...: backend=x86_64|tci, tb-size=MiB (the code
 * buffer, as QEMU's), thread=multi|single (QEMU's; one thread per vCPU here). */
static bool parse_props(const char *props, const TCGBackend **be, unsigned *tb_mib, char **err)
{
    *be = NULL;
    *tb_mib = 0;
    if (!props)
        return true;
    char **items = g_strsplit(props, ",", -1);
    bool ok = true;
    for (char **p = items; *p && ok; p++) {
        if (!**p)
            continue;
        if (g_str_has_prefix(*p, "backend=")) {
            const char *name = *p + 8;
            *be = tcg_backend_find(name);
            if (!*be) {
                *err = g_strdup_printf("-accel tcg: unknown backend '%s' (choose %s)", name,
#ifdef VESSEL_TCG_NATIVE_X86_64
                                       "x86_64 or tci"
#else
                                       "tci"
#endif
                                       );
                ok = false;
            }
        } else if (g_str_has_prefix(*p, "tb-size=")) {
            uint64_t n;
            if (!parse_uint(*p + 8, &n) || n < 1 || n > 2048) {
                *err = g_strdup_printf("-accel tcg: tb-size must be 1 to 2048 (MiB), not '%s'", *p + 8);
                ok = false;
            } else {
                *tb_mib = (unsigned)n;
            }
        } else if (!strcmp(*p, "thread=multi") || !strcmp(*p, "thread=single")) {
            /* QEMU's: accepted, one thread per vCPU here */
        } else {
            *err = g_strdup_printf("-accel tcg: unknown property '%s' (known: backend=, tb-size=, thread=)", *p);
            ok = false;
        }
    }
    g_strfreev(items);
    return ok;
}

static bool tcg_accel_init(Machine *m, char **err)
{
    const TCGBackend *be;
    unsigned tb_mib;
    if (!parse_props(m->cfg->accel_props, &be, &tb_mib, err))
        return false;
    tcg_backend = be ? be : tcg_backend_default();
    if (!code_buffer_init(tcg_backend, tb_mib, err))
        return false;
    tb_invalidate_init();
    tcg_exclusive_set_machine(m);
    for (int i = 0; i < m->nr_cpus; i++) {
        X86CPU *cpu = m->cpus[i];
        TcgVCpu *v = g_new0(TcgVCpu, 1);
        v->cpu = cpu;
        tcg_ctx_init(&v->ctx);
        x86_tcg_init(&v->ctx);
        cpu->accel_priv = v;
        tb_cache_register_vcpu(v);
        code_pages_register_tlb(&cpu->tlb);
    }
    return true;
}

static void tcg_start(Machine *m)
{
    vcpu_threads_start(m, tcg_run_slice);
}

const AccelOps accel_tcg_ops = {
    .name = "tcg",
    .init = tcg_accel_init,
    .start_vcpus = tcg_start,
    .kick_all = vcpu_threads_kick_all,
    .stop_vcpus = vcpu_threads_stop,
};
