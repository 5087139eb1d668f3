/*
 * Glue between a local APIC and an X86CPU: the LAPIC's CPU callbacks made
 * of the x86_cpu_* event functions, the CPU's INTA hook, and the CPU's side
 * of the APIC (IA32_APIC_BASE, IA32_TSC_DEADLINE, CR8 = TPR[7:4]). The
 * LAPIC is device state: the CPU side takes the big lock around it.
 */
#include "hw/intc/lapic.h"

#include "core/main-loop.h"
#include "target-x86/cpu.h"
#include "target-x86/cpu-internal.h"

static void x86_set_intr(void *cpu, int level) { x86_cpu_set_irq_level(cpu, level); }
static void x86_nmi(void *cpu) { x86_cpu_raise_event(cpu, CPU_INTERRUPT_NMI); }
static void x86_init(void *cpu) { x86_cpu_raise_event(cpu, CPU_INTERRUPT_INIT); }
static uint64_t x86_tsc(void *cpu) { return x86_rdtsc(cpu); }

static void x86_sipi(void *opaque, int vector)
{
    X86CPU *cpu = opaque;
    cpu->sipi_vector = vector & 0xff;
    x86_cpu_raise_event(cpu, CPU_INTERRUPT_SIPI);
}

static const LAPICCpuOps x86_lapic_ops = {
    .set_intr = x86_set_intr,
    .raise_nmi = x86_nmi,
    .raise_init = x86_init,
    .raise_sipi = x86_sipi,
    .read_tsc = x86_tsc,
};

LAPICState *lapic_new_for_x86_cpu(APICBus *bus, void *x86cpu, bool bsp)
{
    X86CPU *cpu = x86cpu;
    LAPICState *s = lapic_new(bus, (uint8_t)cpu->index, bsp, &x86_lapic_ops, cpu);
    if (!s)
        return NULL;
    cpu->apic = s;
    cpu->intr_ack = lapic_intr_ack;
    cpu->intr_opaque = s;
    return s;
}

/* ---- the CPU's side ---- */

static bool lock_if_needed(void)
{
    bool mine = big_lock_held();
    if (!mine)
        big_lock();
    return !mine;
}

static void unlock_if(bool taken)
{
    if (taken)
        big_unlock();
}

/* Bits 7:0, 9 and 10 (x2APIC, not advertised) and those above MAXPHYADDR
 * are reserved; BSP (bit 8) is read-only. */
#define APIC_BASE_RESERVED (0x6ffull | ~X86_PHYS_MASK)

uint64_t x86_apic_get_base(X86CPU *cpu)
{
    return cpu->apic_base;
}

bool x86_apic_set_base(X86CPU *cpu, uint64_t val)
{
    if (val & APIC_BASE_RESERVED)
        return false;
    uint64_t v = (val & ~APIC_BASE_BSP) | (cpu->apic_base & APIC_BASE_BSP);
    if (cpu->apic) {
        bool taken = lock_if_needed();
        lapic_set_base(cpu->apic, v);
        v = lapic_get_base(cpu->apic);
        unlock_if(taken);
    }
    cpu->apic_base = v;
    return true;
}

uint64_t x86_apic_get_tsc_deadline(X86CPU *cpu)
{
    if (!cpu->apic)
        return cpu->tsc_deadline;
    bool taken = lock_if_needed();
    uint64_t v = lapic_get_tsc_deadline(cpu->apic);
    unlock_if(taken);
    return v;
}

void x86_apic_set_tsc_deadline(X86CPU *cpu, uint64_t val)
{
    if (!cpu->apic) {
        cpu->tsc_deadline = val;
        return;
    }
    bool taken = lock_if_needed();
    lapic_set_tsc_deadline(cpu->apic, val);
    unlock_if(taken);
}

uint64_t x86_apic_get_cr8(X86CPU *cpu)
{
    if (!cpu->apic)
        return cpu->cr8;
    bool taken = lock_if_needed();
    uint64_t v = lapic_get_tpr(cpu->apic) >> 4;
    unlock_if(taken);
    return v;
}

void x86_apic_set_cr8(X86CPU *cpu, uint64_t val)
{
    cpu->cr8 = val & 0xf;
    if (!cpu->apic)
        return;
    bool taken = lock_if_needed();
    lapic_set_tpr(cpu->apic, (uint8_t)((val & 0xf) << 4));
    unlock_if(taken);
}
