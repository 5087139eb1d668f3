/*
 * -kernel on the PC board. With -bios FILE the kernel boots through that
 * firmware (pc-fwkernel.c: fw_cfg and the linuxboot option ROM, as QEMU
 * does). Without -bios it boots directly (-kernel, -initrd, -append): no
 * firmware runs, so the board does what SeaBIOS would have done: the ACPI
 * tables go to the top of low RAM (marked ACPI in the e820 map) with the
 * RSDP at 0xF0000, the PIIX PIRQs are routed and the PM block enabled, and
 * the kernel loader (kernel-loader.h) puts the kernel, initrd and command
 * line in RAM and says where the BSP starts. All of it is redone after
 * every machine reset, so a reboot boots the same kernel again.
 */
#include "hw/x86/pc-internal.h"

#include <glib.h>

#include "core/log.h"
#include "hw/acpi/pm.h"
#include "hw/acpi/tables.h"
#include "hw/pci/piix.h"
#include "hw/x86/kernel-loader.h"
#include "hw/x86/pc-fwkernel.h"
#include "target-x86/cpu.h"

#define PC_ACPI_AREA_SIZE (64ull << 10)   /* at the top of low RAM */
#define PC_DIRECT_RSDP    0xf0000ull

static uint64_t pc_acpi_area(const PCBoard *pc)
{
    return pc->below_4g - PC_ACPI_AREA_SIZE;
}

/* Tables, RSDP, kernel: guest memory as the kernel expects to find it. */
static bool pc_direct_load(Machine *m, PCBoard *pc, char **err)
{
    AcpiConfig acpi;
    acpi_config_default(&acpi, m->nr_cpus, pc->below_4g);
    uint64_t tables_len;
    if (!acpi_install_direct(&acpi, &m->system_as, pc_acpi_area(pc), PC_DIRECT_RSDP,
                             &tables_len, err))
        return false;
    DirectBootConfig dc = {
        .kernel = m->cfg->kernel,
        .initrd = m->cfg->initrd,
        .append = m->cfg->append,
        .e820 = &pc->e820,
        .ram_below_4g = pc->below_4g,
        .acpi_rsdp = PC_DIRECT_RSDP,
    };
    return pc_direct_boot(&m->system_as, &dc, &pc->boot_entry, err);
}

/* After the CPUs and devices reset: chipset set up as firmware leaves it,
 * memory reloaded, the BSP at the kernel's entry point. */
static void pc_direct_reset(void *opaque)
{
    PCBoard *pc = opaque;
    Machine *m = pc->m;
    piix_route_pirqs_default(pc->piix);
    piix_pm_enable(pc->piix, PM_DEFAULT_BASE);
    char *err = NULL;
    if (pc->direct_loaded) {
        pc->direct_loaded = false;      /* loaded by pc_direct_init just now */
    } else if (!pc_direct_load(m, pc, &err)) {
        log_printf("vessel: reloading the kernel after reset failed: %s\n", err);
        g_free(err);
    }
    boot_entry_apply(m->cpus[0], &pc->boot_entry);
}

bool pc_direct_init(Machine *m, PCBoard *pc, char **err)
{
    if (m->cfg->bios)
        return pc_fw_kernel_init(m, pc, err);
    if (pc->below_4g < (16ull << 20)) {
        *err = g_strdup("-kernel: needs at least 16 MiB of guest RAM");
        return false;
    }
    e820_init_pc(&pc->e820, pc->below_4g, pc->above_4g);
    if (!e820_add(&pc->e820, pc_acpi_area(pc), PC_ACPI_AREA_SIZE, E820_ACPI)) {
        *err = g_strdup("-kernel: cannot reserve the ACPI tables in the e820 map");
        return false;
    }
    if (!pc_direct_load(m, pc, err))
        return false;
    pc->direct_boot = true;
    pc->direct_loaded = true;
    machine_register_reset(m, pc_direct_reset, pc);
    return true;
}
