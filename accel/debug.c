/*
 * Debug hooks: breakpoints and watchpoints kept by the emulator, single-step
 * and the stop a vCPU reports to the gdb stub. The lists change only while
 * every vCPU is parked (the pause is the synchronisation point); the stop
 * record is guarded by a mutex because vCPU threads write it.
 */
#include "accel/debug.h"

#include <pthread.h>
#include <string.h>

#include "core/config.h"
#include "target-x86/cpu.h"

typedef struct DebugPoint {
    int type;
    uint64_t addr, len;
} DebugPoint;

atomic_int debug_active;
atomic_int debug_watch_active;
void (*debug_stop_notify)(void);

static DebugPoint points[DEBUG_MAX_POINTS];
static int nr_points;
static int step_cpu = -1;
static bool skip_valid[VESSEL_MAX_CPUS];
static uint64_t skip_lin[VESSEL_MAX_CPUS];

static pthread_mutex_t stop_mutex = PTHREAD_MUTEX_INITIALIZER;
static atomic_bool stop_pending;
static DebugStop stop_info;

static __thread DebugStopReason pending_watch;
static __thread uint64_t pending_watch_addr;

static void update_active(void)
{
    int watch = 0;
    for (int i = 0; i < nr_points; i++)
        if (points[i].type >= DEBUG_WP_WRITE)
            watch = 1;
    atomic_store(&debug_watch_active, watch);
    atomic_store(&debug_active, nr_points > 0 || step_cpu >= 0 || atomic_load(&stop_pending));
}

bool debug_insert(int type, uint64_t addr, uint64_t len)
{
    if (type < DEBUG_BP_SW || type > DEBUG_WP_ACCESS)
        return false;
    if (type >= DEBUG_WP_WRITE && (len == 0 || len > 4096))
        return false;
    for (int i = 0; i < nr_points; i++)
        if (points[i].type == type && points[i].addr == addr && points[i].len == len)
            return true;
    if (nr_points >= DEBUG_MAX_POINTS)
        return false;
    points[nr_points++] = (DebugPoint){ type, addr, len };
    update_active();
    return true;
}

bool debug_remove(int type, uint64_t addr, uint64_t len)
{
    for (int i = 0; i < nr_points; i++) {
        if (points[i].type == type && points[i].addr == addr &&
            (type < DEBUG_WP_WRITE || points[i].len == len)) {
            points[i] = points[--nr_points];
            update_active();
            return true;
        }
    }
    return false;
}

void debug_remove_all(void)
{
    nr_points = 0;
    step_cpu = -1;
    update_active();
}

static uint64_t cpu_pc_linear(X86CPU *cpu)
{
    uint64_t lin = cpu->rip;
    if (!cpu->code64)
        lin = (cpu->seg[R_CS].base + lin) & 0xffffffffull;
    return lin;
}

static int find_exec_point(uint64_t lin)
{
    for (int i = 0; i < nr_points; i++)
        if (points[i].type <= DEBUG_BP_HW && points[i].addr == lin)
            return i;
    return -1;
}

void debug_prepare_resume(X86CPU *const *cpus, int nr_cpus, int step)
{
    for (int i = 0; i < nr_cpus && i < VESSEL_MAX_CPUS; i++) {
        skip_lin[i] = cpu_pc_linear(cpus[i]);
        skip_valid[i] = find_exec_point(skip_lin[i]) >= 0;
    }
    step_cpu = step;
    pthread_mutex_lock(&stop_mutex);
    atomic_store(&stop_pending, false);
    stop_info = (DebugStop){ .reason = DEBUG_STOP_NONE };
    pthread_mutex_unlock(&stop_mutex);
    update_active();
}

bool debug_take_stop(DebugStop *out)
{
    pthread_mutex_lock(&stop_mutex);
    bool have = stop_info.reason != DEBUG_STOP_NONE;
    if (have)
        *out = stop_info;
    pthread_mutex_unlock(&stop_mutex);
    return have;
}

/* First reporter wins; the others just leave their loops. */
static void report_stop(X86CPU *cpu, DebugStopReason reason, uint64_t addr)
{
    bool first = false;
    pthread_mutex_lock(&stop_mutex);
    if (!atomic_load(&stop_pending)) {
        stop_info = (DebugStop){ cpu->index, reason, addr };
        atomic_store(&stop_pending, true);
        atomic_store(&debug_active, 1);
        first = true;
    }
    pthread_mutex_unlock(&stop_mutex);
    if (first && debug_stop_notify)
        debug_stop_notify();
}

bool debug_before_insn(X86CPU *cpu)
{
    if (atomic_load(&stop_pending))
        return true;
    int idx = cpu->index;
    if (step_cpu >= 0 && idx != step_cpu)
        return true;   /* only the stepped vCPU runs during a step */
    if (!nr_points)
        return false;
    uint64_t lin = cpu_pc_linear(cpu);
    if (idx >= 0 && idx < VESSEL_MAX_CPUS && skip_valid[idx]) {
        skip_valid[idx] = false;
        if (skip_lin[idx] == lin)
            return false;
    }
    int i = find_exec_point(lin);
    if (i < 0)
        return false;
    report_stop(cpu, points[i].type == DEBUG_BP_SW ? DEBUG_STOP_SWBREAK : DEBUG_STOP_HWBREAK, lin);
    return true;
}

bool debug_after_insn(X86CPU *cpu)
{
    if (cpu->index >= 0 && cpu->index < VESSEL_MAX_CPUS)
        skip_valid[cpu->index] = false;
    if (pending_watch != DEBUG_STOP_NONE) {
        DebugStopReason r = pending_watch;
        pending_watch = DEBUG_STOP_NONE;
        report_stop(cpu, r, pending_watch_addr);
        return true;
    }
    if (step_cpu == cpu->index) {
        report_stop(cpu, DEBUG_STOP_STEP, 0);
        return true;
    }
    return atomic_load(&stop_pending);
}

void debug_check_access(X86CPU *cpu, uint64_t lin, unsigned size, bool write)
{
    for (int i = 0; i < nr_points; i++) {
        const DebugPoint *p = &points[i];
        if (p->type < DEBUG_WP_WRITE || lin >= p->addr + p->len || p->addr >= lin + size)
            continue;
        if (p->type == DEBUG_WP_WRITE && !write)
            continue;
        if (p->type == DEBUG_WP_READ && write)
            continue;
        if (pending_watch == DEBUG_STOP_NONE) {
            pending_watch = p->type == DEBUG_WP_WRITE ? DEBUG_STOP_WATCH
                          : p->type == DEBUG_WP_READ ? DEBUG_STOP_RWATCH : DEBUG_STOP_AWATCH;
            pending_watch_addr = p->addr;
        }
    }
}
