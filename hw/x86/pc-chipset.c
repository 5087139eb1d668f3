/*
 * The PC's chipset devices on the board: i8254 PIT (IRQ0), MC146818 RTC
 * (IRQ8), i8042 keyboard controller (IRQ1/12) and port 0x92 sharing the
 * A20 gate, the PCI host (i440FX at 00:00.0, whose PAM registers drive
 * pc-pam.c) with the PIIX3 ISA bridge (PIRQ routing, 0xCF9 reset control)
 * and the PIIX4 ACPI function (PM block at 0x600 once firmware enables it,
 * SCI on IRQ9, S5 power-off). The A20 gate (last writer of either wins,
 * as on the PIIX) goes to every vCPU's A20M mask.
 */
#include "hw/x86/pc-internal.h"

#include <glib.h>

#include "hw/acpi/pm.h"
#include "hw/input/i8042.h"
#include "hw/misc/port92.h"
#include "hw/pci/i440fx.h"
#include "hw/pci/pci.h"
#include "hw/pci/piix.h"
#include "hw/timer/pit.h"
#include "hw/timer/rtc.h"
#include "target-x86/cpu.h"

/* A fixed RTC start (2024-01-01 00:00:00 UTC) for -icount runs. */
#define PC_RTC_DETERMINISTIC_START 1704067200

static void pc_a20_set(void *opaque, int n, int level)
{
    (void)n;
    PCBoard *pc = opaque;
    for (int i = 0; i < pc->m->nr_cpus; i++)
        x86_cpu_set_a20(pc->m->cpus[i], level != 0);
}

static void pc_add_timers(Machine *m, PCBoard *pc)
{
    pc->pit = pit_new(&pc->pit_irq);
    pit_map(pc->pit, &m->io_root);
    machine_register_reset(m, pit_reset, pc->pit);
    int64_t start = m->cfg->icount_shift >= 0 ? PC_RTC_DETERMINISTIC_START : -1;
    pc->rtc = rtc_new(&pc->rtc_irq, start);
    rtc_map(pc->rtc, &m->io_root);
    machine_register_reset(m, rtc_reset, pc->rtc);
}

static void pc_add_kbc(Machine *m, PCBoard *pc)
{
    IRQLine a20;
    irq_init(&a20, pc_a20_set, pc, 0);
    pc->i8042 = i8042_new(&pc->isa_irq[1], &pc->isa_irq[12], &a20);
    i8042_map(pc->i8042, &m->io_root);
    machine_register_reset(m, i8042_reset, pc->i8042);
    pc->port92 = port92_new(&a20);
    port92_map(pc->port92, &m->io_root);
    machine_register_reset(m, port92_reset, pc->port92);
}

static void pc_add_pci(Machine *m, PCBoard *pc)
{
    pc->pci = pci_bus_new(&m->system_root, &m->io_root);
    pci_host_map(pc->pci, &m->io_root);
    machine_register_reset(m, pci_bus_reset, pc->pci);
    pc->i440fx = i440fx_new(pc->pci, pc_pam_update, pc);
    machine_register_reset(m, i440fx_reset, pc->i440fx);
    pc->pm = pm_new(&pc->isa_irq[PM_SCI_IRQ]);
    pm_map_apm(pc->pm, &m->io_root);
    machine_register_reset(m, pm_reset, pc->pm);
    /* The ISA bridge owns 0xCF9 (reset control) through the PCI host. */
    pc->piix = piix_new(pc->pci, pc->isa_irq, pc->pm, &m->io_root);
    machine_register_reset(m, piix_reset, pc->piix);
}

void pc_chipset_init(Machine *m, PCBoard *pc)
{
    pc_add_timers(m, pc);
    pc_add_kbc(m, pc);
    pc_add_pci(m, pc);
}

void pc_chipset_free(PCBoard *pc)
{
    if (pc->piix)
        piix_free(pc->piix);
    if (pc->pm)
        pm_free(pc->pm);
    if (pc->i440fx)
        i440fx_free(pc->i440fx);
    if (pc->pci)
        pci_bus_free(pc->pci);
    if (pc->port92)
        port92_free(pc->port92);
    if (pc->i8042)
        i8042_free(pc->i8042);
    if (pc->rtc)
        rtc_free(pc->rtc);
    if (pc->pit)
        pit_free(pc->pit);
}
