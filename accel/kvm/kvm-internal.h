/*
 * Shared between the files of the KVM accelerator: the VM (kvm.c), the
 * vCPU run loop (kvm-cpu.c), the register transfer (kvm-regs.c) and gdb
 * support (kvm-debug.c).
 */
#ifndef VESSEL_ACCEL_KVM_INTERNAL_H
#define VESSEL_ACCEL_KVM_INTERNAL_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct Machine Machine;
typedef struct X86CPU X86CPU;
typedef struct VCpuThread VCpuThread;

/* The signal that kicks a vCPU thread out of KVM_RUN. It stays blocked in
 * the vCPU thread except inside KVM_RUN (KVM_SET_SIGNAL_MASK). */
#define KVM_KICK_SIGNAL SIGUSR1

typedef struct KVMState {
    int fd;                      /* /dev/kvm */
    int vm_fd;
    int run_size;                /* mmap size of struct kvm_run */
    struct kvm_cpuid2 *cpuid;    /* what every vCPU is given (APIC id patched) */
    bool have_msr_filter;        /* IA32_APIC_BASE goes to our local APIC model */
    bool have_xcrs;
    bool have_guest_debug;       /* KVM_SET_GUEST_DEBUG (gdb) */
    atomic_bool stopping;        /* vCPU threads are being stopped: no KVM_RUN */
} KVMState;

typedef struct KVMCpu {
    X86CPU *cpu;
    int fd;
    struct kvm_run *run;
    pthread_t thread;
    bool thread_live;            /* `thread` may be signalled (under kick_mutex) */
    bool sigmask_done;           /* KVM_KICK_SIGNAL blocked in this thread */
    bool dirty;                  /* X86CPU holds the truth: push it before KVM_RUN */
    bool dead;                   /* KVM refused to run it: never run again */
    bool ready_valid;            /* run->ready_for_interrupt_injection is current */
    bool io_pending;             /* an I/O, MMIO or MSR exit KVM completes on re-entry */
    uint64_t last_cr8;
    /* KVM-only event state kept across a round trip through X86CPU */
    uint64_t irq_bitmap[(KVM_NR_INTERRUPTS + 63) / 64];
    struct kvm_vcpu_events events;
    /* gdb (kvm-debug.c) */
    bool dbg_check;              /* run the debug hooks before the next KVM_RUN */
    bool dbg_enabled;            /* dbg_last is what KVM has */
    struct kvm_guest_debug dbg_last;
    int dr_type[4];              /* what DR0-DR3 hold: gdb Z type, -1 free */
    uint64_t dr_point[4];        /* the address of the point they belong to */
    uint8_t *watch_snap;         /* watched bytes before the step (write watchpoints) */
    size_t watch_snap_size;
} KVMCpu;

extern KVMState kvm_state;

/* kvm-cpu.c */
bool kvm_cpu_create(X86CPU *cpu, char **err);
/* The vCPU thread's slice (accel/vcpu-thread.h): KVM_RUN until kicked. */
void kvm_run_slice(VCpuThread *t);

/* Make X86CPU the truth again (pull the state out of KVM if needed). */
void kvm_cpu_sync_out(KVMCpu *kc);

/* kvm-debug.c: gdb's breakpoints, watchpoints and steps. Before a KVM_RUN
 * (at the start of a slice and after each debug exit): false = do not run,
 * a stop is being reported. After KVM_EXIT_DEBUG: true = leave the loop. */
bool kvm_debug_before_run(KVMCpu *kc);
bool kvm_debug_after_exit(KVMCpu *kc);

/* kvm-regs.c: the whole architectural state between X86CPU and KVM. */
/* The layout conversions (no ioctl; unit-tested in tests/unit/test-kvm-regs.c). */
typedef struct SegmentCache SegmentCache;
void kvm_regs_from_cpu(X86CPU *cpu, struct kvm_regs *r);
void kvm_regs_to_cpu(X86CPU *cpu, struct kvm_regs *r);
void kvm_seg_from_cache(const SegmentCache *sc, struct kvm_segment *k);
void kvm_seg_to_cache(SegmentCache *sc, const struct kvm_segment *k);
void kvm_fpu_from_cpu(const X86CPU *cpu, struct kvm_fpu *k);
void kvm_fpu_to_cpu(X86CPU *cpu, const struct kvm_fpu *k);
bool kvm_regs_put(KVMCpu *kc);
bool kvm_regs_get(KVMCpu *kc);
/* The MSRs worth moving, filtered by what KVM reports. */
void kvm_regs_init_msr_list(KVMState *s);

/* kvm.c */
void kvm_kick_cpu(X86CPU *cpu);
/* Called by a vCPU thread before its first KVM_RUN: block the kick signal,
 * make the thread kickable. */
void kvm_thread_register(KVMCpu *kc);
/* Whether kicks reach the vCPU threads yet (set once start_vcpus is done). */
bool kvm_hook_ready(void);

#endif
