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
#include "softmmu/code-pages.h"   /* TLB flush when watchpoints change */
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

/* Per vCPU: a watchpoint hit waiting to be reported, and whether the step
 * being run has started its instruction (a second debug_before_insn then
 * means it faulted and the stop belongs at the handler). */
static DebugStopReason pending_watch[VESSEL_MAX_CPUS];
static uint64_t pending_watch_addr[VESSEL_MAX_CPUS];
static bool step_started;
static uint64_t step_start_lin;   /* the stepped vCPU's pc when the step began */
static atomic_uint sstep_flags = DEBUG_SSTEP_DEFAULT;

static bool cpu_ok(const X86CPU *cpu)
{
    return cpu->index >= 0 && cpu->index < VESSEL_MAX_CPUS;
}

static atomic_uint generation;   /* bumped on every change of the list */

static void update_active(void)
{
    int watch = 0;
    for (int i = 0; i < nr_points; i++)
        if (points[i].type >= DEBUG_WP_WRITE)
            watch = 1;
    atomic_store(&debug_watch_active, watch);
    atomic_store(&debug_active, nr_points > 0 || step_cpu >= 0 || atomic_load(&stop_pending));
}

/* Does [vaddr, vaddr + len) overlap a watchpoint? (tlb_watch_hook: the
 * list only changes while every vCPU is parked.) */
static bool watch_overlaps(uint64_t vaddr, uint64_t len)
{
    for (int i = 0; i < nr_points; i++) {
        const DebugPoint *p = &points[i];
        if (p->type >= DEBUG_WP_WRITE && (p->addr - vaddr < len || vaddr - p->addr < p->len))
            return true;
    }
    return false;
}

/* The watchpoints changed: TLB entries get TLB_WATCH from the new list
 * (slow path for the JIT's accesses to watched pages). */
static void watch_changed(void)
{
    tlb_watch_hook = atomic_load(&debug_watch_active) ? watch_overlaps : NULL;
    code_pages_flush_tlbs();
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
    atomic_fetch_add(&generation, 1);
    update_active();
    if (type >= DEBUG_WP_WRITE)
        watch_changed();
    return true;
}

bool debug_remove(int type, uint64_t addr, uint64_t len)
{
    for (int i = 0; i < nr_points; i++) {
        if (points[i].type == type && points[i].addr == addr &&
            (type < DEBUG_WP_WRITE || points[i].len == len)) {
            points[i] = points[--nr_points];
            atomic_fetch_add(&generation, 1);
            update_active();
            if (type >= DEBUG_WP_WRITE)
                watch_changed();
            return true;
        }
    }
    return false;
}

void debug_remove_all(void)
{
    bool had_watch = atomic_load(&debug_watch_active);
    nr_points = 0;
    step_cpu = -1;
    atomic_fetch_add(&generation, 1);
    update_active();
    if (had_watch)
        watch_changed();
}

int debug_get_points(int *types, uint64_t *addrs, uint64_t *lens, int max)
{
    for (int i = 0; i < nr_points && i < max; i++) {
        types[i] = points[i].type;
        addrs[i] = points[i].addr;
        lens[i] = points[i].len;
    }
    return nr_points;
}

int debug_get_step_cpu(void)
{
    return step_cpu;
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

bool debug_exec_point_at(uint64_t lin)
{
    return find_exec_point(lin) >= 0;
}

unsigned debug_generation(void)
{
    return atomic_load(&generation);
}

void debug_prepare_resume(X86CPU *const *cpus, int nr_cpus, int step)
{
    for (int i = 0; i < nr_cpus && i < VESSEL_MAX_CPUS; i++) {
        skip_lin[i] = cpu_pc_linear(cpus[i]);
        skip_valid[i] = find_exec_point(skip_lin[i]) >= 0;
    }
    step_cpu = step;
    step_started = false;
    if (step >= 0 && step < nr_cpus && step < VESSEL_MAX_CPUS)
        step_start_lin = skip_lin[step];
    memset(pending_watch, 0, sizeof(pending_watch));
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

/* A watchpoint hit recorded for this vCPU: report it. */
static bool take_watch(X86CPU *cpu)
{
    if (!cpu_ok(cpu) || pending_watch[cpu->index] == DEBUG_STOP_NONE)
        return false;
    DebugStopReason r = pending_watch[cpu->index];
    pending_watch[cpu->index] = DEBUG_STOP_NONE;
    report_stop(cpu, r, pending_watch_addr[cpu->index]);
    return true;
}

bool debug_before_insn(X86CPU *cpu)
{
    if (atomic_load(&stop_pending))
        return true;
    if (take_watch(cpu))   /* hit by interrupt or exception delivery */
        return true;
    int idx = cpu->index;
    if (step_cpu >= 0 && idx != step_cpu)
        return true;   /* only the stepped vCPU runs during a step */
    if (step_cpu == idx) {
        /* The stepped instruction faulted, or (steps with interrupts allowed)
         * an interrupt was delivered before it: stop at the handler. */
        if (step_started || cpu_pc_linear(cpu) != step_start_lin) {
            report_stop(cpu, DEBUG_STOP_STEP, 0);
            return true;
        }
        step_started = true;
    }
    if (!nr_points)
        return false;
    uint64_t lin = cpu_pc_linear(cpu);
    if (cpu_ok(cpu) && skip_valid[idx]) {
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
    if (cpu_ok(cpu))
        skip_valid[cpu->index] = false;
    if (take_watch(cpu))
        return true;
    if (step_cpu == cpu->index) {
        report_stop(cpu, DEBUG_STOP_STEP, 0);
        return true;
    }
    return atomic_load(&stop_pending);
}

void debug_set_sstep_flags(unsigned flags)
{
    atomic_store(&sstep_flags, flags & DEBUG_SSTEP_DEFAULT);
}

unsigned debug_sstep_flags(void)
{
    return atomic_load(&sstep_flags);
}

bool debug_before_slice(X86CPU *cpu)
{
    /* A stop is being reported: nothing runs (not even an interrupt
     * delivery, which would move the pc gdb is about to read) until the
     * vCPUs are paused. */
    if (atomic_load(&stop_pending))
        return false;
    if (step_cpu >= 0 && step_cpu != cpu->index)
        return false;   /* only the stepped vCPU runs during a step */
    if (step_cpu < 0)
        return true;
    if (!(atomic_load(&sstep_flags) & DEBUG_SSTEP_NOIRQ))
        return true;   /* interrupts may wake the vCPU and enter their handler */
    if (cpu->halted) {
        /* nothing may wake it during the step: the step ends here */
        report_stop(cpu, DEBUG_STOP_STEP, 0);
        return false;
    }
    cpu->inhibit_irq = true;   /* no delivery before the stepped instruction */
    return true;
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
        if (cpu_ok(cpu) && pending_watch[cpu->index] == DEBUG_STOP_NONE) {
            pending_watch[cpu->index] = p->type == DEBUG_WP_WRITE ? DEBUG_STOP_WATCH
                                      : p->type == DEBUG_WP_READ ? DEBUG_STOP_RWATCH
                                      : DEBUG_STOP_AWATCH;
            pending_watch_addr[cpu->index] = p->addr;
        }
    }
}
