/*
 * The interpreter accelerator: one host thread per vCPU running the
 * fetch-decode-execute loop (target-x86/exec.c) in slices, sleeping while
 * the vCPU is halted, and stopping on request. gdb single-steps go
 * through debug_before_slice (accel/debug.h) first.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <glib.h>

#include "accel/accel.h"
#include "accel/debug.h"
#include "accel/vcpu-thread.h"
#include "core/clock.h"
#include "core/machine.h"
#include "core/main-loop.h"
#include "target-x86/cpu.h"
#include "target-x86/exec.h"

#define SLICE_INSNS 100000

static void interp_run_slice(VCpuThread *t)
{
    X86CPU *cpu = t->cpu;
    /* gdb single-step: a halted vCPU's step may end without running */
    if (atomic_load_explicit(&debug_active, memory_order_relaxed) && !debug_before_slice(cpu)) {
        g_usleep(200);   /* the pause that follows a stop parks the thread */
        return;
    }
    uint64_t before = cpu->icount;
    int r = x86_cpu_exec(cpu, SLICE_INSNS);
    vcpu_icount_timers(cpu->icount - before);
    if (r == EXEC_HALTED && !vcpu_icount_warp())
        vcpu_thread_wait_event(t);
}

static bool interp_init(Machine *m, char **err)
{
    return true;
}

static void interp_start(Machine *m)
{
    vcpu_threads_start(m, interp_run_slice);
}

const AccelOps accel_interp_ops = {
    .name = "interp",
    .init = interp_init,
    .start_vcpus = interp_start,
    .kick_all = vcpu_threads_kick_all,
    .stop_vcpus = vcpu_threads_stop,
};
