/*
 * Interrupt wiring of the PC board. Each ISA IRQ (isa_irq[0..15]) fans
 * out to the 8259 pair and to the IOAPIC pin of the same number (IRQ0 to
 * pin 2, as the MADT's override says). The 8259's INTR output goes to
 * LINT0 of every local APIC (ExtINT in virtual-wire mode), whose
 * acknowledge reaches the 8259's INTA. Each vCPU sees its own local APIC
 * page at 0xFEE00000 through a per-CPU address space layered over the
 * system one. The PIT (IRQ0) and RTC (IRQ8) are disconnected while the
 * HPET's legacy replacement route is on.
 */
#include "hw/x86/pc-internal.h"

#include <glib.h>

#include "hw/intc/ioapic.h"
#include "hw/intc/lapic.h"
#include "hw/intc/pic.h"
#include "hw/timer/hpet.h"
#include "target-x86/cpu.h"

/* ---- ISA IRQ fan-out ---- */

static int isa_irq_to_gsi(int irq)
{
    return irq == 0 ? 2 : irq;
}

static void pc_isa_irq_set(void *opaque, int irq, int level)
{
    PCBoard *pc = opaque;
    pic_set_irq(pc->pic, irq, level);
    if (pc->ioapic)
        ioapic_set_irq(pc->ioapic, isa_irq_to_gsi(irq), level);
}

static void pc_gsi_set(void *opaque, int gsi, int level)
{
    PCBoard *pc = opaque;
    ioapic_set_irq(pc->ioapic, gsi, level);
}

/* PIT and RTC outputs: passed on unless the HPET replaces them. */
static void pc_legacy_timer_irq(void *opaque, int irq, int level)
{
    PCBoard *pc = opaque;
    if (irq == 0)
        pc->pit_level = level;
    else
        pc->rtc_level = level;
    if (!pc->hpet_legacy)
        irq_set(&pc->isa_irq[irq], level);
}

static void pc_hpet_legacy(void *opaque, bool legacy)
{
    PCBoard *pc = opaque;
    if (pc->hpet_legacy == legacy)
        return;
    pc->hpet_legacy = legacy;
    irq_set(&pc->isa_irq[0], legacy ? 0 : pc->pit_level);
    irq_set(&pc->isa_irq[8], legacy ? 0 : pc->rtc_level);
}

/* ---- 8259 output ---- */

static void pc_pic_intr(void *opaque, int n, int level)
{
    (void)n;
    PCBoard *pc = opaque;
    Machine *m = pc->m;
    if (!pc->lapic[0]) {
        x86_cpu_set_irq_level(m->cpus[0], level);
        return;
    }
    for (int i = 0; i < m->nr_cpus; i++)
        lapic_set_lint(pc->lapic[i], 0, level);
}

/* ---- per-CPU local APIC page ---- */

static uint64_t pc_apic_read(void *opaque, uint64_t addr, unsigned size)
{
    return lapic_mmio_read(opaque, addr, size);
}

static void pc_apic_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    lapic_mmio_write(opaque, addr, val, size);
}

static const MemoryRegionOps pc_apic_ops = {
    .read = pc_apic_read,
    .write = pc_apic_write,
    .valid = { .min_access_size = 1, .max_access_size = 8 },
    .impl = { .min_access_size = 4, .max_access_size = 4 },
};

/* IA32_APIC_BASE moved the page or turned the APIC off. */
static void pc_apic_base_changed(void *opaque, LAPICState *s, uint64_t base)
{
    (void)s;
    PCCpuSpace *cs = opaque;
    memory_region_transaction_begin();
    memory_region_set_address(&cs->apic, base & ~0xfffull);
    memory_region_set_enabled(&cs->apic, (base & APIC_BASE_ENABLE) != 0);
    memory_region_transaction_commit();
}

static void pc_cpu_space_init(Machine *m, PCCpuSpace *cs, X86CPU *cpu, LAPICState *lapic)
{
    g_snprintf(cs->name, sizeof(cs->name), "cpu-memory-%d", cpu->index);
    memory_region_init_container(&cs->root, cs->name, 0);
    memory_region_init_alias(&cs->system, "cpu-system", &m->system_root, 0, 0);
    memory_region_add_subregion(&cs->root, 0, &cs->system);
    memory_region_init_io(&cs->apic, "lapic", &pc_apic_ops, lapic, APIC_MMIO_SIZE);
    memory_region_add_subregion_overlap(&cs->root, APIC_DEFAULT_BASE, &cs->apic, 1);
    address_space_init(&cs->as, &cs->root, cs->name);
    cs->live = true;
    cpu->as = &cs->as;
    lapic_set_base_hook(lapic, pc_apic_base_changed, cs);
}

static void pc_lapic_reset(void *opaque)
{
    lapic_reset(opaque);
}

static void pc_add_lapics(Machine *m, PCBoard *pc)
{
    apic_bus_init(&pc->apic_bus);
    for (int i = 0; i < m->nr_cpus; i++) {
        X86CPU *cpu = m->cpus[i];
        pc->lapic[i] = lapic_new_for_x86_cpu(&pc->apic_bus, cpu, i == 0);
        lapic_set_extint_ack(pc->lapic[i], pic_intr_ack, pc->pic);
        pc_cpu_space_init(m, &pc->cpu_space[i], cpu, pc->lapic[i]);
        machine_register_reset(m, pc_lapic_reset, pc->lapic[i]);
    }
}

/* ---- IOAPIC and HPET ---- */

static void pc_ioapic_reset(void *opaque) { ioapic_reset(opaque); }
static void pc_hpet_reset(void *opaque) { hpet_reset(opaque); }

static void pc_add_ioapic(Machine *m, PCBoard *pc)
{
    pc->ioapic = ioapic_new(&pc->apic_bus, 0);
    ioapic_map(pc->ioapic, &m->system_root, IOAPIC_DEFAULT_BASE);
    machine_register_reset(m, pc_ioapic_reset, pc->ioapic);
}

static void pc_add_hpet(Machine *m, PCBoard *pc)
{
    IRQLine lines[PC_GSIS];
    for (int i = 0; i < PC_GSIS; i++)
        lines[i] = (i < PC_ISA_IRQS && i != 2) ? pc->isa_irq[i] : pc->gsi_irq[i];
    pc->hpet = hpet_new(lines, PC_GSIS);
    hpet_set_legacy_hook(pc->hpet, pc_hpet_legacy, pc);
    hpet_map(pc->hpet, &m->system_root, HPET_DEFAULT_BASE);
    machine_register_reset(m, pc_hpet_reset, pc->hpet);
}

void pc_irq_init(Machine *m, PCBoard *pc)
{
    for (int i = 0; i < PC_ISA_IRQS; i++)
        irq_init(&pc->isa_irq[i], pc_isa_irq_set, pc, i);
    for (int i = 0; i < PC_GSIS; i++)
        irq_init(&pc->gsi_irq[i], pc_gsi_set, pc, i);
    irq_init(&pc->pit_irq, pc_legacy_timer_irq, pc, 0);
    irq_init(&pc->rtc_irq, pc_legacy_timer_irq, pc, 8);

    IRQLine intr;
    irq_init(&intr, pc_pic_intr, pc, 0);
    pc->pic = pic_new(&intr);
    pic_map(pc->pic, &m->io_root);
    machine_register_reset(m, pic_reset, pc->pic);
    /* Without a LAPIC the 8259 answers INTA itself. */
    m->cpus[0]->intr_ack = pic_intr_ack;
    m->cpus[0]->intr_opaque = pc->pic;
    pc_add_lapics(m, pc);
    pc_add_ioapic(m, pc);
    pc_add_hpet(m, pc);
}

void pc_irq_free(Machine *m, PCBoard *pc)
{
    if (pc->hpet)
        hpet_free(pc->hpet);
    if (pc->ioapic)
        ioapic_free(pc->ioapic);
    for (int i = 0; i < VESSEL_MAX_CPUS; i++) {
        if (pc->lapic[i])
            lapic_free(pc->lapic[i]);
        if (pc->cpu_space[i].live) {
            if (i < m->nr_cpus && m->cpus[i])
                m->cpus[i]->as = &m->system_as;
            address_space_destroy(&pc->cpu_space[i].as);
            memory_region_destroy(&pc->cpu_space[i].root);
        }
    }
    if (pc->pic)
        pic_free(pc->pic);
}
