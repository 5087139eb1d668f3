/*
 * Debug hooks between the gdb stub and the accelerators: the breakpoint and
 * watchpoint lists kept by the emulator (guest memory is never patched),
 * single-step requests per vCPU, and the stop reason a vCPU reports when it
 * hits one of them. The execution loop calls debug_before_insn /
 * debug_after_insn only while debug_active is nonzero, so a run without gdb
 * pays one relaxed load per instruction.
 */
#ifndef VESSEL_ACCEL_DEBUG_H
#define VESSEL_ACCEL_DEBUG_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct X86CPU X86CPU;

/* gdb's Z/z types */
enum { DEBUG_BP_SW = 0, DEBUG_BP_HW = 1, DEBUG_WP_WRITE = 2, DEBUG_WP_READ = 3,
       DEBUG_WP_ACCESS = 4 };

typedef enum DebugStopReason {
    DEBUG_STOP_NONE = 0,
    DEBUG_STOP_SWBREAK,
    DEBUG_STOP_HWBREAK,
    DEBUG_STOP_WATCH,     /* addr: the watched address */
    DEBUG_STOP_RWATCH,
    DEBUG_STOP_AWATCH,
    DEBUG_STOP_STEP,
} DebugStopReason;

typedef struct DebugStop {
    int cpu_index;
    DebugStopReason reason;
    uint64_t addr;
} DebugStop;

#define DEBUG_MAX_POINTS 64

/* Nonzero while any breakpoint, watchpoint, step or pending stop exists. */
extern atomic_int debug_active;
/* Nonzero while any watchpoint exists (memory accesses check only then). */
extern atomic_int debug_watch_active;

/* Breakpoints/watchpoints on linear addresses; false when the list is full
 * or (remove) the point is unknown. Call with the vCPUs paused. */
bool debug_insert(int type, uint64_t addr, uint64_t len);
bool debug_remove(int type, uint64_t addr, uint64_t len);
void debug_remove_all(void);

/* Called with the vCPUs paused before resuming them: vCPU `cpu_index` runs one
 * instruction then stops (step), or runs freely. A vCPU whose current pc holds
 * a breakpoint executes that instruction first instead of stopping again. */
void debug_prepare_resume(X86CPU *const *cpus, int nr_cpus, int step_cpu);

/* For accelerators that put the points in debug registers (kvm): copies up to
 * `max` points (gdb Z type, linear address, length) and returns how many exist;
 * and the vCPU being single-stepped, or -1. The list only changes while every
 * vCPU is parked, so a vCPU thread may read it between resumes. */
int debug_get_points(int *types, uint64_t *addrs, uint64_t *lens, int max);
int debug_get_step_cpu(void);

/* For accelerators that translate code (tcg): whether an execution breakpoint
 * (gdb Z0/Z1) is at linear address `lin`, and a counter that changes whenever
 * the breakpoint list does (blocks translated under another list are stale). */
bool debug_exec_point_at(uint64_t lin);
unsigned debug_generation(void);

/* The stop reported by a vCPU since the last resume; false if none. */
bool debug_take_stop(DebugStop *out);
/* Called (from a vCPU thread) when a vCPU stops; set by the gdb stub. */
extern void (*debug_stop_notify)(void);

/* ---- hooks for the execution loops ---- */
/* Before an instruction at the current CS:rip: true = do not execute, leave
 * the loop (breakpoint hit, or another vCPU's stop is being handled). */
bool debug_before_insn(X86CPU *cpu);
/* After an instruction: true = leave the loop (step done, watchpoint hit). */
bool debug_after_insn(X86CPU *cpu);
/* A data access of the interpreter (linear address). */
void debug_check_access(X86CPU *cpu, uint64_t lin, unsigned size, bool write);

/* An access the CPU makes itself (pushes of interrupt and exception delivery,
 * far-call stack switches, task-state saves): checked against the
 * watchpoints like an instruction's access. A hit during delivery outside an
 * instruction stops before the handler's first instruction. */
static inline void debug_sys_access(X86CPU *cpu, uint64_t lin, unsigned size, bool write)
{
    if (atomic_load_explicit(&debug_watch_active, memory_order_relaxed))
        debug_check_access(cpu, lin, size, write);
}

/* ---- single-step behaviour (QEMU's qqemu.sstep bits) ---- */
enum { DEBUG_SSTEP_ENABLE = 1, DEBUG_SSTEP_NOIRQ = 2, DEBUG_SSTEP_NOTIMER = 4,
       DEBUG_SSTEP_DEFAULT = 7 };
void debug_set_sstep_flags(unsigned flags);
unsigned debug_sstep_flags(void);

/* Called by an accelerator before a slice of guest code while debug_active:
 * false = do not run, wait a little: a stop is being reported (the vCPUs are
 * about to be paused), or a step of a halted vCPU ended at once because no
 * interrupt may wake it during the step (the vCPU stays halted). A step without
 * DEBUG_SSTEP_NOIRQ lets interrupts in; with it (the default) no
 * interrupt is delivered before the stepped instruction. */
bool debug_before_slice(X86CPU *cpu);

#endif
