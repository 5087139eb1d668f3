/*
 * vCPU threads: each runs slices of guest code until asked to stop, parks
 * while the machine is paused and sleeps while its CPU is halted with no
 * pending event.
 */
#include "accel/vcpu-thread.h"

#include <stdatomic.h>
#include <time.h>
#include <glib.h>

#include "core/clock.h"
#include "core/machine.h"
#include "core/main-loop.h"
#include "core/runstate.h"
#include "target-x86/cpu.h"

static pthread_mutex_t vcpu_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t vcpu_cond = PTHREAD_COND_INITIALIZER;   /* events for vCPUs */
static pthread_cond_t parked_cond = PTHREAD_COND_INITIALIZER; /* vCPUs parked */
static atomic_bool stop_requested;
static bool pause_requested;
static int nr_running, nr_parked;
static VCpuThread threads[VESSEL_MAX_CPUS];
static int nr_threads;

static void vcpu_kick(X86CPU *cpu)
{
    pthread_mutex_lock(&vcpu_mutex);
    pthread_cond_broadcast(&vcpu_cond);
    pthread_mutex_unlock(&vcpu_mutex);
}

/* Park while paused; returns false when the thread must end. */
static bool vcpu_wait_unpaused(void)
{
    pthread_mutex_lock(&vcpu_mutex);
    if (pause_requested && !atomic_load(&stop_requested)) {
        nr_parked++;
        pthread_cond_broadcast(&parked_cond);
        while (pause_requested && !atomic_load(&stop_requested))
            pthread_cond_wait(&vcpu_cond, &vcpu_mutex);
        nr_parked--;
    }
    pthread_mutex_unlock(&vcpu_mutex);
    return !atomic_load(&stop_requested);
}

/* A shutdown, reset or exit request is pending: the main loop acts on it
 * soon (and stops or pauses the vCPUs); until then no guest code runs. */
static void vcpu_wait_request_taken(void)
{
    pthread_mutex_lock(&vcpu_mutex);
    if (runstate_shutdown_pending() && !atomic_load(&stop_requested)) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 1000000;   /* re-check every millisecond */
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&vcpu_cond, &vcpu_mutex, &ts);
    }
    pthread_mutex_unlock(&vcpu_mutex);
}

static void *vcpu_thread_main(void *opaque)
{
    VCpuThread *t = opaque;
    while (vcpu_wait_unpaused()) {
        if (runstate_shutdown_pending()) {
            vcpu_wait_request_taken();
            continue;
        }
        t->run_slice(t);
    }
    pthread_mutex_lock(&vcpu_mutex);
    nr_running--;
    pthread_cond_broadcast(&parked_cond);
    pthread_mutex_unlock(&vcpu_mutex);
    return NULL;
}

void vcpu_threads_start(Machine *m, VCpuRunSlice run_slice)
{
    atomic_store(&stop_requested, false);
    x86_cpu_kick_hook = vcpu_kick;
    nr_threads = m->nr_cpus;
    for (int i = 0; i < m->nr_cpus; i++) {
        VCpuThread *t = &threads[i];
        t->cpu = m->cpus[i];
        t->run_slice = run_slice;
        pthread_mutex_lock(&vcpu_mutex);
        nr_running++;
        pthread_mutex_unlock(&vcpu_mutex);
        if (pthread_create(&t->thread, NULL, vcpu_thread_main, t) != 0)
            g_error("vessel: cannot create a vCPU thread");
        t->started = true;
    }
}

void vcpu_threads_kick_all(Machine *m)
{
    for (int i = 0; i < m->nr_cpus; i++)
        x86_cpu_raise_event(m->cpus[i], CPU_INTERRUPT_EXIT);
    vcpu_kick(NULL);
}

void vcpu_threads_stop(Machine *m)
{
    atomic_store(&stop_requested, true);
    vcpu_threads_kick_all(m);
    for (int i = 0; i < nr_threads; i++) {
        if (threads[i].started)
            pthread_join(threads[i].thread, NULL);
        threads[i].started = false;
    }
    nr_threads = 0;
}

/* Whether the pending events can end the halt of `cpu` (called on its own
 * thread): an interrupt that IF=0 holds back, or an NMI/INTR while the AP
 * waits for SIPI, must not keep the thread spinning. */
static bool events_wake(const X86CPU *cpu, unsigned req)
{
    if (req & (CPU_INTERRUPT_EXIT | CPU_INTERRUPT_RESET | CPU_INTERRUPT_INIT))
        return true;
    if (cpu->wait_sipi)
        return req & CPU_INTERRUPT_SIPI;
    if (cpu->shutdown)
        return false;
    if (req & (CPU_INTERRUPT_NMI | CPU_INTERRUPT_SIPI))
        return true;
    return (req & CPU_INTERRUPT_HARD) && (cpu->rflags & IF_MASK);
}

void vcpu_thread_wait_event(VCpuThread *t)
{
    struct timespec ts;
    pthread_mutex_lock(&vcpu_mutex);
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 50 * 1000 * 1000;  /* safety net: re-check every 50 ms */
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    if (!events_wake(t->cpu, atomic_load(&t->cpu->interrupt_request)) &&
        !atomic_load(&stop_requested) && !pause_requested)
        pthread_cond_timedwait(&vcpu_cond, &vcpu_mutex, &ts);
    pthread_mutex_unlock(&vcpu_mutex);
}

/* Called with the big lock held by the I/O thread; waits until every vCPU
 * thread has parked (or ended). */
void vcpus_pause(void)
{
    pthread_mutex_lock(&vcpu_mutex);
    pause_requested = true;
    pthread_cond_broadcast(&vcpu_cond);
    pthread_mutex_unlock(&vcpu_mutex);
    for (int i = 0; i < nr_threads; i++)
        x86_cpu_raise_event(threads[i].cpu, CPU_INTERRUPT_EXIT);
    /* A vCPU may be waiting for the big lock inside a device access. */
    bool relock = big_lock_held();
    if (relock)
        big_unlock();
    pthread_mutex_lock(&vcpu_mutex);
    while (nr_parked < nr_running)
        pthread_cond_wait(&parked_cond, &vcpu_mutex);
    pthread_mutex_unlock(&vcpu_mutex);
    if (relock)
        big_lock();
}

void vcpus_resume(void)
{
    pthread_mutex_lock(&vcpu_mutex);
    pause_requested = false;
    pthread_cond_broadcast(&vcpu_cond);
    pthread_mutex_unlock(&vcpu_mutex);
}

bool vcpus_paused(void)
{
    return pause_requested;
}

void vcpu_icount_timers(uint64_t executed)
{
    if (!clock_icount_enabled())
        return;
    big_lock();
    clock_icount_advance(executed);
    timers_run_expired(CLOCK_VIRTUAL);
    big_unlock();
}

bool vcpu_icount_warp(void)
{
    if (!clock_icount_enabled())
        return false;
    big_lock();
    int64_t d = timers_deadline_ns(CLOCK_VIRTUAL);
    if (d > 0)
        clock_icount_warp(d);
    bool ran = d >= 0 && timers_run_expired(CLOCK_VIRTUAL);
    big_unlock();
    return ran;
}
