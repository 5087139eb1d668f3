/*
 * The KVM accelerator, VM side: open /dev/kvm (or $VESSEL_KVM_DEVICE),
 * create the VM, keep its memslots equal to the RAM and ROM ranges of the
 * machine's physical memory map (a MemoryListener on the system address
 * space: ROM ranges, the BIOS and the read-only PAM views, become
 * KVM_MEM_READONLY slots whose writes come back as MMIO exits and are
 * dropped by the memory map like under interp), and kick vCPU threads out
 * of KVM_RUN with a signal.
 *
 * Interrupt controllers: Vessel's own PIC, IOAPIC and local APICs stay in
 * charge (no in-kernel irqchip). They are the same models interp uses, so
 * the guest sees the same machine under both accelerators, and no second
 * copy of the interrupt state has to be kept in step with the kernel's.
 * The vCPU loop (kvm-cpu.c) injects the vector our LAPIC/PIC hands out
 * with KVM_INTERRUPT when KVM says the guest can take one, and asks for an
 * interrupt-window exit otherwise; HLT exits to us and the vCPU thread
 * sleeps like interp's. IA32_APIC_BASE accesses are sent to our LAPIC
 * model through KVM's MSR filter when the kernel has one.
 *
 * Kicks: KVM_KICK_SIGNAL is blocked in vCPU threads except inside KVM_RUN
 * (KVM_SET_SIGNAL_MASK), so a kick that arrives while the thread runs
 * device code stays pending and makes the next KVM_RUN return at once;
 * the thread then consumes it with sigtimedwait. Nothing is ever lost and
 * device code is never interrupted by the signal.
 */
#include "accel/kvm/kvm-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <glib.h>

#include "accel/accel.h"
#include "accel/vcpu-thread.h"
#include "core/clock.h"
#include "core/machine.h"
#include "core/runstate.h"
#include "target-x86/cpu.h"

KVMState kvm_state = { .fd = -1, .vm_fd = -1 };

#define PAGE 4096ull
#define MAX_SLOTS 256

/* ---- memslots from the physical memory map ---- */

typedef struct Slot {
    uint64_t gpa, size;
    uint8_t *hva;
    bool ro;
    int id;
} Slot;

static Slot slots[MAX_SLOTS];
static int nr_slots;
static bool slot_id_used[MAX_SLOTS];

static bool slot_same(const Slot *a, const Slot *b)
{
    return a->gpa == b->gpa && a->size == b->size && a->hva == b->hva && a->ro == b->ro;
}

static bool slot_set(const Slot *s, bool remove)
{
    struct kvm_userspace_memory_region r = {
        .slot = (uint32_t)s->id,
        .flags = s->ro ? KVM_MEM_READONLY : 0,
        .guest_phys_addr = s->gpa,
        .memory_size = remove ? 0 : s->size,
        .userspace_addr = (uint64_t)(uintptr_t)s->hva,
    };
    return ioctl(kvm_state.vm_fd, KVM_SET_USER_MEMORY_REGION, &r) == 0;
}

/* The page-aligned part of a RAM/ROM range, merged with the previous one
 * when both guest and host addresses continue it. Unaligned edges stay
 * out of the slots and are reached through MMIO exits. */
static void add_wanted(Slot *want, int *nw, const FlatRange *r)
{
    MemoryRegion *mr = r->mr;
    if ((mr->kind != MR_RAM && mr->kind != MR_ROM) || !mr->ram || r->size == 0)
        return;
    uint64_t a = (r->start + PAGE - 1) & ~(PAGE - 1);
    uint64_t b = (r->start + r->size) & ~(PAGE - 1);
    if (r->start + r->size < r->start)    /* ends at 2^64 */
        b = ~(PAGE - 1);
    if (b <= a)
        return;
    uint8_t *hva = mr->ram + r->offset_in_region + (a - r->start);
    if ((uintptr_t)hva & (PAGE - 1))
        return;
    Slot s = { a, b - a, hva, mr->kind == MR_ROM, -1 };
    if (*nw > 0) {
        Slot *p = &want[*nw - 1];
        if (p->ro == s.ro && p->gpa + p->size == s.gpa && p->hva + p->size == s.hva) {
            p->size += s.size;
            return;
        }
    }
    if (*nw < MAX_SLOTS)
        want[(*nw)++] = s;
}

static int alloc_slot_id(void)
{
    for (int i = 0; i < MAX_SLOTS; i++)
        if (!slot_id_used[i]) {
            slot_id_used[i] = true;
            return i;
        }
    return -1;
}

static void slot_error(const Slot *s)
{
    fprintf(stderr, "vessel: kvm: cannot map guest memory at %#llx (+%#llx): %s\n",
            (unsigned long long)s->gpa, (unsigned long long)s->size, g_strerror(errno));
    runstate_request_shutdown(SHUTDOWN_ERROR);
}

/* Old slots that are gone are deleted first (KVM slots may not overlap). */
static void kvm_mem_commit(void *opaque, AddressSpace *as, const FlatView *view)
{
    static Slot want[MAX_SLOTS];
    int nw = 0;
    for (unsigned i = 0; i < view->nr; i++)
        add_wanted(want, &nw, &view->ranges[i]);
    int kept = 0;
    for (int i = 0; i < nr_slots; i++) {
        bool found = false;
        for (int j = 0; j < nw && !found; j++)
            found = slot_same(&slots[i], &want[j]);
        if (found) {
            slots[kept++] = slots[i];
            continue;
        }
        slot_set(&slots[i], true);
        slot_id_used[slots[i].id] = false;
    }
    nr_slots = kept;
    for (int j = 0; j < nw; j++) {
        bool found = false;
        for (int i = 0; i < nr_slots && !found; i++)
            found = slot_same(&slots[i], &want[j]);
        if (found)
            continue;
        Slot s = want[j];
        s.id = alloc_slot_id();
        if (s.id < 0 || !slot_set(&s, false)) {
            if (s.id >= 0)
                slot_id_used[s.id] = false;
            slot_error(&s);
            continue;
        }
        slots[nr_slots++] = s;
    }
}

static MemoryListener kvm_listener = { .commit = kvm_mem_commit };

/* ---- opening KVM ---- */

static const char *kvm_device_path(void)
{
    const char *p = getenv("VESSEL_KVM_DEVICE");
    return p && *p ? p : "/dev/kvm";
}

static bool kvm_need_cap(int cap, const char *name, char **err)
{
    if (ioctl(kvm_state.fd, KVM_CHECK_EXTENSION, cap) > 0)
        return true;
    *err = g_strdup_printf("kvm is not available: %s lacks %s", kvm_device_path(), name);
    return false;
}

static bool kvm_open(char **err)
{
    const char *path = kvm_device_path();
    kvm_state.fd = open(path, O_RDWR | O_CLOEXEC);
    if (kvm_state.fd < 0) {
        *err = g_strdup_printf("kvm is not available: cannot open %s: %s", path, g_strerror(errno));
        return false;
    }
    int api = ioctl(kvm_state.fd, KVM_GET_API_VERSION, 0);
    if (api != KVM_API_VERSION) {
        *err = g_strdup_printf("kvm is not available: %s is not a KVM device with API version %d",
                               path, KVM_API_VERSION);
        return false;
    }
    if (!kvm_need_cap(KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY", err) ||
        !kvm_need_cap(KVM_CAP_READONLY_MEM, "KVM_CAP_READONLY_MEM", err) ||
        !kvm_need_cap(KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID", err) ||
        !kvm_need_cap(KVM_CAP_VCPU_EVENTS, "KVM_CAP_VCPU_EVENTS", err) ||
        !kvm_need_cap(KVM_CAP_DEBUGREGS, "KVM_CAP_DEBUGREGS", err))
        return false;
    kvm_state.have_xcrs = ioctl(kvm_state.fd, KVM_CHECK_EXTENSION, KVM_CAP_XCRS) > 0;
    kvm_state.have_guest_debug =
        ioctl(kvm_state.fd, KVM_CHECK_EXTENSION, KVM_CAP_SET_GUEST_DEBUG) > 0;
    kvm_state.run_size = ioctl(kvm_state.fd, KVM_GET_VCPU_MMAP_SIZE, 0);
    kvm_state.vm_fd = ioctl(kvm_state.fd, KVM_CREATE_VM, 0);
    if (kvm_state.vm_fd < 0 || kvm_state.run_size < (int)sizeof(struct kvm_run)) {
        *err = g_strdup_printf("kvm is not available: cannot create a VM: %s", g_strerror(errno));
        return false;
    }
    return true;
}

/* The CPUID KVM can give, minus what our device model does not back: the
 * x2APIC and TSC-deadline modes of the local APIC, and KVM's paravirtual
 * leaves (the guest keeps using our PIT/HPET/RTC/LAPIC timers). */
static bool kvm_init_cpuid(char **err)
{
    int n = 256;
    for (;;) {
        struct kvm_cpuid2 *c = g_malloc0(sizeof(*c) + n * sizeof(struct kvm_cpuid_entry2));
        c->nent = (uint32_t)n;
        if (ioctl(kvm_state.fd, KVM_GET_SUPPORTED_CPUID, c) == 0) {
            kvm_state.cpuid = c;
            break;
        }
        g_free(c);
        if (errno != E2BIG || n >= 4096) {
            *err = g_strdup_printf("kvm is not available: KVM_GET_SUPPORTED_CPUID: %s",
                                   g_strerror(errno));
            return false;
        }
        n *= 2;
    }
    struct kvm_cpuid2 *c = kvm_state.cpuid;
    uint32_t kept = 0;
    for (uint32_t i = 0; i < c->nent; i++) {
        struct kvm_cpuid_entry2 e = c->entries[i];
        if ((e.function & 0xffffff00u) == 0x40000000u)
            continue;
        if (e.function == 1)
            e.ecx &= ~((1u << 21) | (1u << 24));
        c->entries[kept++] = e;
    }
    c->nent = kept;
    return true;
}

/* IA32_APIC_BASE (0x1b) exits to us, where the LAPIC model handles it. */
static void kvm_init_msr_filter(void)
{
    if (ioctl(kvm_state.fd, KVM_CHECK_EXTENSION, KVM_CAP_X86_USER_SPACE_MSR) <= 0 ||
        ioctl(kvm_state.fd, KVM_CHECK_EXTENSION, KVM_CAP_X86_MSR_FILTER) <= 0)
        return;
    struct kvm_enable_cap cap = { .cap = KVM_CAP_X86_USER_SPACE_MSR,
                                  .args = { KVM_MSR_EXIT_REASON_FILTER } };
    if (ioctl(kvm_state.vm_fd, KVM_ENABLE_CAP, &cap) != 0)
        return;
    static uint8_t deny[1] = { 0 };
    struct kvm_msr_filter f;
    memset(&f, 0, sizeof(f));
    f.flags = KVM_MSR_FILTER_DEFAULT_ALLOW;
    f.ranges[0] = (struct kvm_msr_filter_range){
        .flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE, .nmsrs = 1, .base = 0x1b,
        .bitmap = deny };
    kvm_state.have_msr_filter = ioctl(kvm_state.vm_fd, KVM_X86_SET_MSR_FILTER, &f) == 0;
}

/* ---- kicking vCPU threads ---- */

static pthread_mutex_t kick_mutex = PTHREAD_MUTEX_INITIALIZER;
static void (*prev_kick_hook)(X86CPU *cpu);
static atomic_bool hook_ready;

static void kick_signal_handler(int sig)
{
    (void)sig;   /* its only job is to make KVM_RUN return */
}

void kvm_kick_cpu(X86CPU *cpu)
{
    KVMCpu *kc = cpu ? cpu->accel_priv : NULL;
    if (!kc)
        return;
    pthread_mutex_lock(&kick_mutex);
    if (kc->thread_live && !pthread_equal(kc->thread, pthread_self()))
        pthread_kill(kc->thread, KVM_KICK_SIGNAL);
    pthread_mutex_unlock(&kick_mutex);
}

static void kvm_kick_hook(X86CPU *cpu)
{
    if (prev_kick_hook)
        prev_kick_hook(cpu);   /* wakes halted vCPU threads */
    kvm_kick_cpu(cpu);
}

void kvm_thread_register(KVMCpu *kc)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, KVM_KICK_SIGNAL);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    pthread_mutex_lock(&kick_mutex);
    kc->thread = pthread_self();
    kc->thread_live = true;
    pthread_mutex_unlock(&kick_mutex);
    kc->sigmask_done = true;
}

bool kvm_hook_ready(void)
{
    return atomic_load(&hook_ready);
}

/* ---- AccelOps ---- */

static bool kvm_init(Machine *m, char **err)
{
    if (clock_icount_enabled()) {
        *err = g_strdup("-icount is not supported with -accel kvm (the guest runs in real time)");
        return false;
    }
    if (!kvm_open(err) || !kvm_init_cpuid(err))
        return false;
    kvm_init_msr_filter();
    kvm_regs_init_msr_list(&kvm_state);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = kick_signal_handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(KVM_KICK_SIGNAL, &sa, NULL);
    address_space_add_listener(&m->system_as, &kvm_listener);
    for (int i = 0; i < m->nr_cpus; i++)
        if (!kvm_cpu_create(m->cpus[i], err))
            return false;
    return true;
}

static void kvm_start(Machine *m)
{
    atomic_store(&kvm_state.stopping, false);
    for (int i = 0; i < m->nr_cpus; i++) {
        KVMCpu *kc = m->cpus[i]->accel_priv;
        kc->dirty = true;   /* a fresh start or a reset: X86CPU is the truth */
        kc->dead = false;
        kc->sigmask_done = false;
        kc->ready_valid = false;
        kc->io_pending = false;
        memset(kc->irq_bitmap, 0, sizeof(kc->irq_bitmap));
        memset(&kc->events, 0, sizeof(kc->events));
    }
    vcpu_threads_start(m, kvm_run_slice);
    if (x86_cpu_kick_hook != kvm_kick_hook)
        prev_kick_hook = x86_cpu_kick_hook;
    x86_cpu_kick_hook = kvm_kick_hook;
    atomic_store(&hook_ready, true);
}

/* Threads leave KVM_RUN on the kick (their state goes back to X86CPU), then
 * idle without entering it again until vcpu_threads_stop ends them. */
static void kvm_stop(Machine *m)
{
    atomic_store(&kvm_state.stopping, true);
    for (int i = 0; i < m->nr_cpus; i++)
        x86_cpu_raise_event(m->cpus[i], CPU_INTERRUPT_EXIT);
    vcpu_threads_stop(m);
    pthread_mutex_lock(&kick_mutex);
    for (int i = 0; i < m->nr_cpus; i++) {
        KVMCpu *kc = m->cpus[i]->accel_priv;
        kc->thread_live = false;
    }
    pthread_mutex_unlock(&kick_mutex);
    atomic_store(&hook_ready, false);
}

const AccelOps accel_kvm_ops = {
    .name = "kvm",
    .init = kvm_init,
    .start_vcpus = kvm_start,
    .kick_all = vcpu_threads_kick_all,
    .stop_vcpus = kvm_stop,
};
