/*
 * vCPU threads shared by the accelerators that run guest code on host
 * threads (interp, tcg, kvm): start, pause, kick, wait for events, stop.
 */
#ifndef VESSEL_ACCEL_VCPU_THREAD_H
#define VESSEL_ACCEL_VCPU_THREAD_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct Machine Machine;
typedef struct X86CPU X86CPU;
typedef struct VCpuThread VCpuThread;

/* Runs one slice of guest code; returns to let the thread check requests. */
typedef void (*VCpuRunSlice)(VCpuThread *t);

struct VCpuThread {
    X86CPU *cpu;
    pthread_t thread;
    VCpuRunSlice run_slice;
    bool started;
};

/* Start one thread per vCPU of `m`, each calling run_slice until stopped. */
void vcpu_threads_start(Machine *m, VCpuRunSlice run_slice);
/* Ask every vCPU to leave guest code and wake halted ones. */
void vcpu_threads_kick_all(Machine *m);
/* Stop and join every vCPU thread. */
void vcpu_threads_stop(Machine *m);
/* Sleep until the vCPU has a pending event or a stop is requested. */
void vcpu_thread_wait_event(VCpuThread *t);
/* Deterministic mode (-icount), at a slice boundary of a vCPU thread:
 * advance the virtual clock by `executed` instructions and run the timers
 * that expired; and for a halted vCPU, jump the clock to the next timer
 * (time only passes by instructions: nothing else would wake it), true if
 * a timer ran. Both do nothing without -icount. */
void vcpu_icount_timers(uint64_t executed);
bool vcpu_icount_warp(void);
/* Pause/resume all vCPUs (gdb, -S, -no-shutdown); vCPUs sleep while paused. */
void vcpus_pause(void);
void vcpus_resume(void);
bool vcpus_paused(void);

#endif
