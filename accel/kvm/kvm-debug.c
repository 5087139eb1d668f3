/*
 * gdb under kvm: the breakpoints, watchpoints and single-steps that the gdb
 * stub keeps in accel/debug.h, given to KVM with KVM_SET_GUEST_DEBUG. Guest
 * memory is never patched: Z0 and Z1 breakpoints both go to the debug
 * registers (DR0-DR3, linear addresses) while they fit next to the
 * watchpoints; with more than fit, the vCPU single-steps and
 * debug_before_insn finds them at each instruction, like interp. A
 * breakpoint at the pc being resumed is stepped over first, then armed.
 * Watchpoints use DR7 R/W=01 (write) or 11 (read/write: x86 has no
 * read-only data breakpoint, so a "read" watchpoint also fires on writes),
 * split into naturally aligned pieces of at most 8 bytes. Not every KVM
 * backend honours data breakpoints of KVM_SET_GUEST_DEBUG (the nested
 * software one some CI machines have does not), so while a write or access
 * watchpoint exists the vCPU also single-steps and compares the watched RAM
 * after each instruction: a write that changes it is reported on any
 * backend (the condition gdb's "watch" stops on); reads are seen only
 * where the debug registers work.
 *
 * While gdb has breakpoints in KVM's debug registers the guest's own DR0-DR7
 * do not take effect (they are kept and read back as the guest wrote them).
 */
#include "accel/kvm/kvm-internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "accel/debug.h"
#include <glib.h>

#include "target-x86/cpu.h"

static uint64_t pc_linear(const X86CPU *cpu)
{
    if (cpu->code64)
        return cpu->rip;
    return (cpu->seg[R_CS].base + cpu->rip) & 0xffffffffull;
}

typedef struct DebugPlan {
    struct kvm_guest_debug g;
    int nr_dr;
} DebugPlan;

/* DR7 LEN encoding for 1, 2, 4, 8 bytes. */
static unsigned dr7_len(unsigned size)
{
    return size == 1 ? 0 : size == 2 ? 1 : size == 8 ? 2 : 3;
}

static bool plan_dr(DebugPlan *p, KVMCpu *kc, uint64_t addr, unsigned rw, unsigned size,
                    int type, uint64_t point)
{
    if (p->nr_dr >= 4)
        return false;
    int i = p->nr_dr++;
    p->g.arch.debugreg[i] = addr;
    p->g.arch.debugreg[7] |= (2ull << (2 * i)) | ((uint64_t)rw << (16 + 4 * i)) |
                             ((uint64_t)dr7_len(size) << (18 + 4 * i));
    kc->dr_type[i] = type;
    kc->dr_point[i] = point;
    return true;
}

/* A watchpoint as naturally aligned pieces; false if it does not fit. */
static bool plan_watch(DebugPlan *p, KVMCpu *kc, int type, uint64_t addr, uint64_t len)
{
    unsigned rw = type == DEBUG_WP_WRITE ? 1 : 3;
    uint64_t a = addr, left = len;
    while (left) {
        unsigned size = 8;
        while (size > 1 && ((a & (size - 1)) || size > left))
            size >>= 1;
        if (!plan_dr(p, kc, a, rw, size, type, addr))
            return false;
        a += size;
        left -= size;
    }
    return true;
}

/* ---- watched RAM, compared across a step ---- */

static bool watch_bytes(X86CPU *cpu, uint64_t lin, uint8_t *out)
{
    uint64_t phys, len = 1;
    if (!x86_debug_translate(cpu, lin, &phys))
        return false;
    const uint8_t *p = address_space_map_ram(cpu->as, phys, &len, false);
    if (!p || len < 1)
        return false;
    *out = *p;
    return true;
}

/* Snapshot (take=true) or compare with the snapshot: the address of the
 * first write or access watchpoint whose bytes changed, in *hit. */
static bool watch_scan(KVMCpu *kc, bool take, uint64_t *hit)
{
    int types[DEBUG_MAX_POINTS];
    uint64_t addrs[DEBUG_MAX_POINTS], lens[DEBUG_MAX_POINTS];
    int n = debug_get_points(types, addrs, lens, DEBUG_MAX_POINTS);
    size_t need = 0;
    for (int i = 0; i < n && i < DEBUG_MAX_POINTS; i++)
        if (types[i] == DEBUG_WP_WRITE || types[i] == DEBUG_WP_ACCESS)
            need += lens[i] * 2;   /* value, and whether it could be read */
    if (take && need > kc->watch_snap_size) {
        kc->watch_snap = g_realloc(kc->watch_snap, need);
        kc->watch_snap_size = need;
    }
    if (need > kc->watch_snap_size)
        return false;
    size_t at = 0;
    bool changed = false;
    for (int i = 0; i < n && i < DEBUG_MAX_POINTS; i++) {
        if (types[i] != DEBUG_WP_WRITE && types[i] != DEBUG_WP_ACCESS)
            continue;
        for (uint64_t b = 0; b < lens[i]; b++, at += 2) {
            uint8_t v = 0;
            bool ok = watch_bytes(kc->cpu, addrs[i] + b, &v);
            if (take) {
                kc->watch_snap[at] = v;
                kc->watch_snap[at + 1] = ok;
            } else if (!changed && ok && kc->watch_snap[at + 1] && kc->watch_snap[at] != v) {
                changed = true;
                *hit = addrs[i];
            }
        }
    }
    return take ? need > 0 : changed;
}

static void warn_once(bool *done, const char *msg)
{
    if (!*done)
        fprintf(stderr, "vessel: kvm: %s\n", msg);
    *done = true;
}

/* Work out the guest-debug setup for the next run of this vCPU. */
static void plan(KVMCpu *kc, DebugPlan *p)
{
    static bool warned_watch;
    X86CPU *cpu = kc->cpu;
    int types[DEBUG_MAX_POINTS];
    uint64_t addrs[DEBUG_MAX_POINTS], lens[DEBUG_MAX_POINTS];
    int n = debug_get_points(types, addrs, lens, DEBUG_MAX_POINTS);
    if (n > DEBUG_MAX_POINTS)
        n = DEBUG_MAX_POINTS;
    uint64_t pc = pc_linear(cpu);
    bool step = debug_get_step_cpu() == cpu->index;

    memset(p, 0, sizeof(*p));
    p->g.arch.debugreg[7] = 0x400;
    memset(kc->dr_type, 0xff, sizeof(kc->dr_type));
    for (int i = 0; i < n; i++) {
        if (types[i] >= DEBUG_WP_WRITE && !plan_watch(p, kc, types[i], addrs[i], lens[i]))
            warn_once(&warned_watch, "more watchpoints than the 4 debug registers hold: "
                                     "some are not watched");
    }
    int first_exec = p->nr_dr;
    for (int i = 0; i < n; i++) {
        if (types[i] >= DEBUG_WP_WRITE)
            continue;
        if (addrs[i] == pc) {
            step = true;   /* step over it first; it is armed again after */
            continue;
        }
        bool dup = false;
        for (int d = first_exec; d < p->nr_dr && !dup; d++)
            dup = p->g.arch.debugreg[d] == addrs[i];
        if (dup)
            continue;
        if (!plan_dr(p, kc, addrs[i], 0, 1, types[i], addrs[i])) {
            /* too many: drop the execution DRs and single-step instead */
            for (int d = first_exec; d < 4; d++) {
                p->g.arch.debugreg[d] = 0;
                p->g.arch.debugreg[7] &= ~((3ull << (2 * d)) | (0xfull << (16 + 4 * d)));
                kc->dr_type[d] = -1;
            }
            p->nr_dr = first_exec;
            step = true;
            break;
        }
    }
    p->g.control = KVM_GUESTDBG_ENABLE | (p->nr_dr ? KVM_GUESTDBG_USE_HW_BP : 0) |
                   (step ? KVM_GUESTDBG_SINGLESTEP : 0);
}

static bool set_guest_debug(KVMCpu *kc, const struct kvm_guest_debug *g)
{
    if (kc->dbg_enabled && !memcmp(&kc->dbg_last, g, sizeof(*g)))
        return true;
    if (ioctl(kc->fd, KVM_SET_GUEST_DEBUG, g) != 0) {
        fprintf(stderr, "vessel: kvm: KVM_SET_GUEST_DEBUG on vCPU %d: %s\n", kc->cpu->index,
                strerror(errno));
        return false;
    }
    kc->dbg_last = *g;
    kc->dbg_enabled = g->control != 0;
    return true;
}

bool kvm_debug_before_run(KVMCpu *kc)
{
    static bool warned;
    X86CPU *cpu = kc->cpu;
    if (!atomic_load_explicit(&debug_active, memory_order_relaxed)) {
        if (kc->dbg_enabled) {
            struct kvm_guest_debug off;
            memset(&off, 0, sizeof(off));
            set_guest_debug(kc, &off);
        }
        return true;
    }
    if (!kvm_state.have_guest_debug) {
        warn_once(&warned, "this KVM has no guest debugging: gdb breakpoints and steps are "
                           "ignored");
        return true;
    }
    kvm_cpu_sync_out(kc);
    if (!debug_before_slice(cpu))
        return false;
    if (!cpu->halted && !cpu->wait_sipi && !cpu->shutdown && debug_before_insn(cpu))
        return false;
    DebugPlan p;
    plan(kc, &p);
    uint64_t unused;
    if (watch_scan(kc, true, &unused))
        p.g.control |= KVM_GUESTDBG_SINGLESTEP;
    return set_guest_debug(kc, &p.g);
}

bool kvm_debug_after_exit(KVMCpu *kc)
{
    X86CPU *cpu = kc->cpu;
    const struct kvm_debug_exit_arch *a = &kc->run->debug.arch;
    uint64_t dr6 = a->dr6;
    bool is_db = a->exception == EXCP_DB;
    kvm_cpu_sync_out(kc);
    uint64_t hit;
    if (watch_scan(kc, false, &hit))
        debug_check_access(cpu, hit, 1, true);
    if (is_db) {
        for (int i = 0; i < 4; i++) {
            int type = kc->dr_type[i];
            if ((dr6 & (1ull << i)) && type >= DEBUG_WP_WRITE)
                debug_check_access(cpu, kc->dr_point[i], 1, type == DEBUG_WP_WRITE);
        }
    }
    return debug_after_insn(cpu);
}
