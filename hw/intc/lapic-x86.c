/*
 * Glue between a local APIC and an X86CPU: the LAPIC's CPU callbacks made
 * of the x86_cpu_* event functions, and the CPU's INTA hook.
 */
#include "hw/intc/lapic.h"

#include "target-x86/cpu.h"

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
