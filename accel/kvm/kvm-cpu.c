/*
 * The KVM accelerator, vCPU side: creating a vCPU (KVM_CREATE_VCPU, its
 * CPUID and signal mask) and the vCPU thread's loop: take INIT/SIPI/RESET
 * and the halted state in Vessel's own terms, inject NMIs and interrupts
 * from our interrupt controllers, KVM_RUN, and dispatch the exits: port
 * I/O to the machine's port space, MMIO to this CPU's memory map (local
 * APIC page included), HLT, triple fault to the machine's reset path,
 * IA32_APIC_BASE to our LAPIC, entry failures to one error line and exit.
 *
 * X86CPU holds the truth whenever `dirty` is set (start, reset, a stop
 * for gdb or the monitor); it is pushed into KVM before the next KVM_RUN
 * and pulled back when the thread leaves its loop.
 */
#include "accel/kvm/kvm-internal.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <glib.h>

#include "accel/debug.h"
#include "accel/vcpu-thread.h"
#include "core/config.h"
#include "core/log.h"
#include "core/main-loop.h"
#include "core/runstate.h"
#include "target-x86/cpu.h"

/* ---- creation ---- */

static bool set_cpuid(KVMCpu *kc, int index)
{
    const struct kvm_cpuid2 *src = kvm_state.cpuid;
    size_t sz = sizeof(*src) + src->nent * sizeof(struct kvm_cpuid_entry2);
    struct kvm_cpuid2 *c = g_memdup2(src, sz);
    for (uint32_t i = 0; i < c->nent; i++) {
        struct kvm_cpuid_entry2 *e = &c->entries[i];
        if (e->function == 1)
            e->ebx = (e->ebx & 0x00ffffffu) | ((uint32_t)index << 24);
        if (e->function == 0xb || e->function == 0x1f)
            e->edx = (uint32_t)index;   /* x2APIC id of the topology leaves */
    }
    bool ok = ioctl(kc->fd, KVM_SET_CPUID2, c) == 0;
    g_free(c);
    return ok;
}

/* Inside KVM_RUN the thread's usual mask, minus the kick signal. */
static bool set_signal_mask(KVMCpu *kc)
{
    sigset_t cur;
    pthread_sigmask(SIG_BLOCK, NULL, &cur);
    sigdelset(&cur, KVM_KICK_SIGNAL);
    struct {
        struct kvm_signal_mask hdr;
        uint8_t set[8];   /* the kernel's sigset_t on x86-64 */
    } m;
    m.hdr.len = 8;
    memcpy(m.set, &cur, 8);
    return ioctl(kc->fd, KVM_SET_SIGNAL_MASK, &m) == 0;
}

/* Every vCPU ever created (the KVM fds live as long as the process). */
static KVMCpu *all_cpus[VESSEL_MAX_CPUS];

bool kvm_cpu_create(X86CPU *cpu, char **err)
{
    KVMCpu *kc = g_new0(KVMCpu, 1);
    kc->cpu = cpu;
    kc->fd = ioctl(kvm_state.vm_fd, KVM_CREATE_VCPU, (unsigned long)cpu->index);
    if (kc->fd < 0)
        goto fail;
    kc->run = mmap(NULL, (size_t)kvm_state.run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
                   kc->fd, 0);
    if (kc->run == MAP_FAILED)
        goto fail;
    if (!set_cpuid(kc, cpu->index) || !set_signal_mask(kc))
        goto fail;
    kc->dirty = true;
    cpu->accel_priv = kc;
    if (cpu->index >= 0 && cpu->index < VESSEL_MAX_CPUS)
        all_cpus[cpu->index] = kc;
    return true;
fail:
    *err = g_strdup_printf("kvm is not available: cannot create vCPU %d: %s", cpu->index,
                           g_strerror(errno));
    g_free(kc);
    return false;
}

/* ---- state transfer ---- */

static void fatal(KVMCpu *kc)
{
    kc->dead = true;
    runstate_request_shutdown(SHUTDOWN_ERROR);
}

/* KVM finishes an I/O, MMIO or MSR instruction (rip, the loaded value)
 * only when KVM_RUN is entered again: enter it once without running. */
static void complete_pending_io(KVMCpu *kc)
{
    if (!kc->io_pending)
        return;
    kc->run->immediate_exit = 1;
    if (ioctl(kc->fd, KVM_RUN, 0) != 0 && errno != EINTR && errno != EAGAIN) {
        fprintf(stderr, "vessel: kvm: cannot complete an I/O exit of vCPU %d: %s\n",
                kc->cpu->index, g_strerror(errno));
        fatal(kc);
    }
    kc->run->immediate_exit = 0;
    kc->io_pending = false;
}

/* Make X86CPU the truth (before Vessel code reads or changes the CPU). */
void kvm_cpu_sync_out(KVMCpu *kc)
{
    if (kc->dirty || kc->dead)
        return;
    complete_pending_io(kc);
    if (!kvm_regs_get(kc))
        fatal(kc);
    kc->dirty = true;
}

static bool sync_in(KVMCpu *kc)
{
    if (!kc->dirty)
        return true;
    if (!kvm_regs_put(kc)) {
        fatal(kc);
        return false;
    }
    kc->dirty = false;
    kc->ready_valid = false;
    return true;
}

/* ---- events handled by Vessel ---- */

static bool take_event(X86CPU *cpu, unsigned mask)
{
    return (atomic_fetch_and(&cpu->interrupt_request, ~mask) & mask) != 0;
}

static void forget_kvm_events(KVMCpu *kc)
{
    memset(kc->irq_bitmap, 0, sizeof(kc->irq_bitmap));
    memset(&kc->events, 0, sizeof(kc->events));
}

/* RESET, INIT and SIPI change the CPU state as interp does (cpu.c). */
static void handle_init_sipi(KVMCpu *kc)
{
    X86CPU *cpu = kc->cpu;
    unsigned req = atomic_load(&cpu->interrupt_request);
    if (!(req & (CPU_INTERRUPT_RESET | CPU_INTERRUPT_INIT | CPU_INTERRUPT_SIPI)))
        return;
    kvm_cpu_sync_out(kc);
    if (take_event(cpu, CPU_INTERRUPT_RESET)) {
        x86_cpu_reset(cpu);
        forget_kvm_events(kc);
    }
    if (take_event(cpu, CPU_INTERRUPT_INIT)) {
        x86_cpu_init_signal(cpu);
        forget_kvm_events(kc);
    }
    if ((atomic_load(&cpu->interrupt_request) & CPU_INTERRUPT_SIPI) &&
        take_event(cpu, CPU_INTERRUPT_SIPI) && cpu->wait_sipi) {
        uint16_t sel = (uint16_t)(cpu->sipi_vector << 8);
        const SegmentCache *cs = &cpu->seg[R_CS];
        x86_set_seg_cache(cpu, R_CS, sel, (uint64_t)sel << 4, cs->limit, cs->attr);
        cpu->rip = 0;
        cpu->wait_sipi = false;
        cpu->halted = false;
    }
}

/* A halted vCPU wakes for an NMI, or an interrupt with IF set. */
static bool halt_ends(X86CPU *cpu)
{
    unsigned req = atomic_load(&cpu->interrupt_request);
    return (req & CPU_INTERRUPT_NMI) ||
           ((req & CPU_INTERRUPT_HARD) && (cpu->rflags & IF_MASK));
}

static void inject_events(KVMCpu *kc)
{
    X86CPU *cpu = kc->cpu;
    struct kvm_run *run = kc->run;
    unsigned req = atomic_load(&cpu->interrupt_request);
    if ((req & CPU_INTERRUPT_NMI) && ioctl(kc->fd, KVM_NMI) == 0)
        take_event(cpu, CPU_INTERRUPT_NMI);
    run->request_interrupt_window = 0;
    if (!(req & CPU_INTERRUPT_HARD))
        return;
    if (!kc->ready_valid || !run->ready_for_interrupt_injection || !run->if_flag) {
        run->request_interrupt_window = 1;
        return;
    }
    int vec = x86_acknowledge_intr(cpu);
    if (vec < 0)
        return;
    log_mask(LOG_INT, "cpu%d: interrupt %#x (kvm)\n", cpu->index, vec & 0xff);
    struct kvm_interrupt irq = { .irq = (uint32_t)(vec & 0xff) };
    if (ioctl(kc->fd, KVM_INTERRUPT, &irq) != 0) {
        fprintf(stderr, "vessel: kvm: cannot inject interrupt %#x into vCPU %d: %s\n",
                irq.irq, cpu->index, g_strerror(errno));
        fatal(kc);
    }
    /* the next injection waits for KVM to report the vector delivered */
    kc->ready_valid = false;
}

/* ---- exits ---- */

static void exit_io(KVMCpu *kc)
{
    struct kvm_run *run = kc->run;
    unsigned size = run->io.size;
    uint64_t off = run->io.data_offset, count = run->io.count;
    if ((size != 1 && size != 2 && size != 4) || off > (uint64_t)kvm_state.run_size ||
        count * size > (uint64_t)kvm_state.run_size - off)
        return;
    uint8_t *p = (uint8_t *)run + off;
    for (uint64_t i = 0; i < count; i++, p += size) {
        uint32_t v = 0;
        if (run->io.direction == KVM_EXIT_IO_OUT) {
            memcpy(&v, p, size);
            x86_io_write(kc->cpu, run->io.port, v, size);
        } else {
            v = x86_io_read(kc->cpu, run->io.port, size);
            memcpy(p, &v, size);
        }
    }
}

/* MMIO through this CPU's address space (its local APIC page on top). */
static void exit_mmio(KVMCpu *kc)
{
    struct kvm_run *run = kc->run;
    AddressSpace *as = kc->cpu->as;
    uint64_t addr = run->mmio.phys_addr;
    unsigned len = run->mmio.len > 8 ? 8 : run->mmio.len;
    bool whole = len == 1 || len == 2 || len == 4 || len == 8;
    bool locked = big_lock_held();
    if (!locked)
        big_lock();
    MemTxResult res;
    if (run->mmio.is_write) {
        uint64_t v = 0;
        memcpy(&v, run->mmio.data, len);
        if (whole)
            address_space_st(as, addr, v, len);
        else
            for (unsigned i = 0; i < len; i++)
                address_space_st(as, addr + i, (v >> (8 * i)) & 0xff, 1);
    } else {
        uint64_t v = 0;
        if (whole)
            v = address_space_ld(as, addr, len, &res);
        else
            for (unsigned i = 0; i < len; i++)
                v |= address_space_ld(as, addr + i, 1, &res) << (8 * i);
        memcpy(run->mmio.data, &v, len);
    }
    if (!locked)
        big_unlock();
}

/* KVM keeps its own copy of IA32_APIC_BASE for CPUID.1:EDX.APIC: tell it. */
static void mirror_apic_base(KVMCpu *kc)
{
    struct {
        struct kvm_msrs hdr;
        struct kvm_msr_entry e;
    } m;
    memset(&m, 0, sizeof(m));
    m.hdr.nmsrs = 1;
    m.e.index = 0x1b;
    m.e.data = x86_apic_get_base(kc->cpu);
    ioctl(kc->fd, KVM_SET_MSRS, &m);
}

static void exit_msr(KVMCpu *kc, bool write)
{
    struct kvm_run *run = kc->run;
    bool ok;
    if (write) {
        ok = x86_wrmsr(kc->cpu, run->msr.index, run->msr.data);
        if (ok && run->msr.index == 0x1b)
            mirror_apic_base(kc);
    } else {
        uint64_t v = 0;
        ok = x86_rdmsr(kc->cpu, run->msr.index, &v);
        run->msr.data = v;
    }
    run->msr.error = ok ? 0 : 1;   /* KVM injects #GP */
}

static void exit_triple_fault(KVMCpu *kc)
{
    X86CPU *cpu = kc->cpu;
    log_mask(LOG_INT | LOG_GUEST_ERROR, "cpu%d: triple fault (kvm)\n", cpu->index);
    kvm_cpu_sync_out(kc);
    cpu->shutdown = true;
    cpu->halted = true;
    runstate_request_shutdown(SHUTDOWN_GUEST_PANIC);
}

static void exit_fatal(KVMCpu *kc, const char *what, unsigned long long code)
{
    struct kvm_regs r;
    struct kvm_sregs sr;
    bool have = ioctl(kc->fd, KVM_GET_REGS, &r) == 0 && ioctl(kc->fd, KVM_GET_SREGS, &sr) == 0;
    fprintf(stderr, "vessel: kvm: vCPU %d stopped: %s %#llx at %04x:%#llx\n", kc->cpu->index,
            what, code, have ? sr.cs.selector : 0, have ? (unsigned long long)r.rip : 0ull);
    fatal(kc);
}

static void exit_system_event(KVMCpu *kc)
{
    switch (kc->run->system_event.type) {
    case KVM_SYSTEM_EVENT_RESET:
        runstate_request_reset();
        break;
    case KVM_SYSTEM_EVENT_SHUTDOWN:
        runstate_request_shutdown(SHUTDOWN_GUEST_POWEROFF);
        break;
    default:
        exit_fatal(kc, "system event", kc->run->system_event.type);
    }
}

static void dispatch_exit(KVMCpu *kc)
{
    struct kvm_run *run = kc->run;
    switch (run->exit_reason) {
    case KVM_EXIT_IO:
        exit_io(kc);
        kc->io_pending = true;
        break;
    case KVM_EXIT_MMIO:
        exit_mmio(kc);
        kc->io_pending = true;
        break;
    case KVM_EXIT_HLT:
        kc->cpu->halted = true;
        kc->cpu->rflags = (kc->cpu->rflags & ~(uint64_t)IF_MASK) | (run->if_flag ? IF_MASK : 0);
        break;
    case KVM_EXIT_IRQ_WINDOW_OPEN:
    case KVM_EXIT_INTR:
    case KVM_EXIT_SET_TPR:  /* CR8 lowered: run->cr8 went to our LAPIC above */
    case KVM_EXIT_DEBUG:    /* kvm_debug_after_exit */
        break;
    case KVM_EXIT_X86_RDMSR:
    case KVM_EXIT_X86_WRMSR:
        exit_msr(kc, run->exit_reason == KVM_EXIT_X86_WRMSR);
        kc->io_pending = true;
        break;
    case KVM_EXIT_SHUTDOWN:
        exit_triple_fault(kc);
        break;
    case KVM_EXIT_SYSTEM_EVENT:
        exit_system_event(kc);
        break;
    case KVM_EXIT_FAIL_ENTRY:
        exit_fatal(kc, "VM entry failed, hardware reason",
                   run->fail_entry.hardware_entry_failure_reason);
        break;
    case KVM_EXIT_INTERNAL_ERROR:
        exit_fatal(kc, "KVM internal error, suberror", run->internal.suberror);
        break;
    default:
        exit_fatal(kc, "unhandled exit reason", run->exit_reason);
        break;
    }
}

/* ---- the loop ---- */

/* Consume kicks that arrived while the signal was blocked. */
static void drain_kicks(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, KVM_KICK_SIGNAL);
    struct timespec zero = { 0, 0 };
    while (sigtimedwait(&set, NULL, &zero) > 0) {
    }
}

static bool run_once(KVMCpu *kc)
{
    X86CPU *cpu = kc->cpu;
    if (!sync_in(kc))
        return false;
    inject_events(kc);
    if (kc->dead)
        return false;
    kc->run->cr8 = x86_apic_get_cr8(cpu);
    int r = ioctl(kc->fd, KVM_RUN, 0);
    if (r < 0) {
        if (errno != EINTR && errno != EAGAIN) {
            fprintf(stderr, "vessel: kvm: KVM_RUN failed on vCPU %d: %s\n", cpu->index,
                    g_strerror(errno));
            fatal(kc);
            return false;
        }
        drain_kicks();
        kc->ready_valid = true;
        return true;
    }
    kc->ready_valid = true;
    kc->io_pending = false;
    if (kc->run->cr8 != kc->last_cr8) {
        kc->last_cr8 = kc->run->cr8;
        x86_apic_set_cr8(cpu, kc->run->cr8);
    }
    dispatch_exit(kc);
    return true;
}

static bool must_leave(X86CPU *cpu)
{
    if (atomic_load(&kvm_state.stopping))
        return true;
    return take_event(cpu, CPU_INTERRUPT_EXIT);
}

void kvm_run_slice(VCpuThread *t)
{
    X86CPU *cpu = t->cpu;
    KVMCpu *kc = cpu->accel_priv;
    if (!kvm_hook_ready() || atomic_load(&kvm_state.stopping) || kc->dead) {
        g_usleep(1000);
        return;
    }
    if (!kc->sigmask_done)
        kvm_thread_register(kc);
    kc->dbg_check = true;
    while (!must_leave(cpu) && !kc->dead) {
        handle_init_sipi(kc);
        if (kc->dbg_check) {
            kc->dbg_check = false;
            if (!kvm_debug_before_run(kc)) {
                g_usleep(200);   /* the pause that follows a stop parks the thread */
                break;
            }
        }
        if (cpu->wait_sipi || cpu->shutdown) {
            vcpu_thread_wait_event(t);
            continue;
        }
        if (cpu->halted) {
            if (!halt_ends(cpu)) {
                vcpu_thread_wait_event(t);
                continue;
            }
            cpu->halted = false;
        }
        if (!run_once(kc))
            break;
        if (kc->run->exit_reason == KVM_EXIT_DEBUG) {
            kc->dbg_check = true;
            if (kvm_debug_after_exit(kc))
                break;
        }
    }
    kvm_cpu_sync_out(kc);
}
