/*
 * The PC board: guest RAM laid out as on a PC (low 640 KiB, the legacy
 * 0xA0000-0xFFFFF window, the PCI hole below 4 GiB, the rest above 4 GiB),
 * the firmware ROM mapped whole just below 4 GiB with its last 128 KiB
 * aliased to end at 0xFFFFF, the vCPUs, and the devices in a fixed order:
 * interrupt controllers (pc-irq.c), shadow RAM (pc-pam.c), the UARTs and
 * debug ports, the chipset (pc-chipset.c), then what the firmware reads
 * (pc-firmware.c).
 */
#include "hw/x86/pc.h"
#include "hw/x86/pc-internal.h"

#include <errno.h>
#include <string.h>
#include <glib.h>

#include "core/chardev.h"
#include "core/machine.h"
#include "hw/char/debugcon.h"
#include "hw/char/serial.h"
#include "hw/misc/debugexit.h"
#include "hw/misc/post.h"
#include "target-x86/cpu.h"

static const uint16_t serial_ports[VESSEL_MAX_SERIAL] = { 0x3f8, 0x2f8, 0x3e8, 0x2e8 };
static const int serial_irqs[VESSEL_MAX_SERIAL] = { 4, 3, 4, 3 };

void pc_ram_split(uint64_t ram_size, uint64_t *below_4g, uint64_t *above_4g)
{
    *below_4g = ram_size >= PC_BELOW_4G_LIMIT ? PC_PCI_HOLE_START : ram_size;
    *above_4g = ram_size - *below_4g;
}

bool pc_bios_size_ok(uint64_t size)
{
    return size >= (64ull << 10) && size <= (16ull << 20) && (size & (size - 1)) == 0;
}

static bool pc_map_ram(Machine *m, PCBoard *pc, char **err)
{
    uint64_t below, above;
    pc_ram_split(m->cfg->ram_size, &below, &above);
    pc->below_4g = below;
    pc->above_4g = above;
    if (!memory_region_init_ram(&pc->ram, "pc.ram", m->cfg->ram_size)) {
        *err = g_strdup_printf("cannot allocate %" G_GUINT64_FORMAT " MiB of guest RAM",
                               m->cfg->ram_size >> 20);
        return false;
    }
    memory_region_init_alias(&pc->ram_below_4g, "ram-below-4g", &pc->ram, 0, below);
    memory_region_add_subregion(&m->system_root, 0, &pc->ram_below_4g);
    if (above) {
        memory_region_init_alias(&pc->ram_above_4g, "ram-above-4g", &pc->ram, below, above);
        memory_region_add_subregion(&m->system_root, PC_4G, &pc->ram_above_4g);
    }
    /* No VGA: the VGA window hides RAM and reads all ones. */
    static const MemoryRegionOps unassigned_ops = { 0 };
    memory_region_init_io(&pc->legacy_vga, "vga-window", &unassigned_ops, NULL, 0x20000);
    memory_region_add_subregion_overlap(&m->system_root, PC_LOW_RAM_END, &pc->legacy_vga, 1);
    return true;
}

static bool pc_load_bios(Machine *m, PCBoard *pc, char **err)
{
    const char *path = m->cfg->bios ? m->cfg->bios : PC_DEFAULT_BIOS;
    gchar *data = NULL;
    gsize size = 0;
    GError *gerr = NULL;
    if (!g_file_get_contents(path, &data, &size, &gerr)) {
        *err = m->cfg->bios
            ? g_strdup_printf("-bios: cannot read '%s': %s", path, gerr->message)
            : g_strdup_printf("cannot read the default firmware '%s' (apt-get install seabios, or use -bios)",
                              path);
        g_error_free(gerr);
        return false;
    }
    if (!pc_bios_size_ok(size)) {
        *err = g_strdup_printf("-bios: '%s' is %" G_GSIZE_FORMAT " bytes; a BIOS image must be a power of two "
                               "between 64 KiB and 16 MiB", path, size);
        g_free(data);
        return false;
    }
    if (!memory_region_init_rom(&pc->bios, "pc.bios", size)) {
        *err = g_strdup("cannot allocate memory for the firmware image");
        g_free(data);
        return false;
    }
    memcpy(pc->bios.ram, data, size);
    g_free(data);
    memory_region_add_subregion(&m->system_root, PC_4G - size, &pc->bios);
    uint64_t alias = size < PC_BIOS_ALIAS_MAX ? size : PC_BIOS_ALIAS_MAX;
    memory_region_init_alias(&pc->isa_bios, "isa-bios", &pc->bios, size - alias, alias);
    memory_region_add_subregion_overlap(&m->system_root, PC_LEGACY_END - alias, &pc->isa_bios, 1);
    return true;
}

static bool pc_add_serial(Machine *m, PCBoard *pc, char **err)
{
    int n = m->cfg->nr_serial;
    const char *const *specs = m->cfg->serial;
    static const char *const default_serial[] = { "stdio" };
    if (n == 0) {
        n = 1;
        specs = default_serial;
    }
    for (int i = 0; i < n; i++) {
        if (!strcmp(specs[i], "none"))
            continue;
        char *label = g_strdup_printf("serial%d", i);
        char *cerr = NULL;
        Chardev *chr = chardev_new(label, specs[i], &cerr);
        g_free(label);
        if (!chr) {
            *err = g_strdup_printf("-serial %s: %s", specs[i], cerr);
            g_free(cerr);
            return false;
        }
        pc->serial[i] = serial_new(chr, &pc->isa_irq[serial_irqs[i]]);
        serial_map(pc->serial[i], &m->io_root, serial_ports[i]);
        machine_register_reset(m, (void (*)(void *))serial_reset, pc->serial[i]);
    }
    return true;
}

static bool pc_add_devices(Machine *m, PCBoard *pc, char **err)
{
    if (!pc_add_serial(m, pc, err))
        return false;
    pc->post = post_create(&m->io_root);
    pc_biosdbg_init(m, pc);
    if (m->cfg->debugcon) {
        char *cerr = NULL;
        Chardev *chr = chardev_new("debugcon", m->cfg->debugcon, &cerr);
        if (!chr) {
            *err = g_strdup_printf("-debugcon %s: %s", m->cfg->debugcon, cerr);
            g_free(cerr);
            return false;
        }
        pc->debugcon = debugcon_create(&m->io_root, 0xe9, chr);
    }
    for (int i = 0; i < m->cfg->nr_devices; i++) {
        const DeviceSpec *d = &m->cfg->devices[i];
        char *derr = NULL;
        if (strcmp(d->driver, "isa-debug-exit"))
            continue;
        DebugExit *dev = debugexit_create(&m->io_root, d->options, &derr);
        if (!dev) {
            *err = g_strdup_printf("-device %s: %s", d->driver, derr);
            g_free(derr);
            return false;
        }
        pc->debugexit = g_slist_prepend(pc->debugexit, dev);
    }
    return true;
}

static void pc_reset_cpu(void *opaque)
{
    x86_cpu_reset(opaque);
}

static void pc_add_cpus(Machine *m)
{
    for (int i = 0; i < m->cfg->smp; i++) {
        m->cpus[i] = x86_cpu_new(m, i);
        machine_register_reset(m, pc_reset_cpu, m->cpus[i]);
    }
    m->nr_cpus = m->cfg->smp;
}

static void pc_init_address_spaces(Machine *m)
{
    memory_region_init_container(&m->system_root, "system", 0);
    memory_region_init_container(&m->io_root, "io", 0x10000);
    address_space_init(&m->system_as, &m->system_root, "memory");
    address_space_init(&m->io_as, &m->io_root, "I/O");
}

static bool pc_build(Machine *m, PCBoard *pc, char **err)
{
    if (!pc_map_ram(m, pc, err))
        return false;
    /* -kernel without -bios boots with no firmware at all. */
    if ((!m->cfg->kernel || m->cfg->bios) && !pc_load_bios(m, pc, err))
        return false;
    pc_add_cpus(m);
    pc_irq_init(m, pc);
    if (pc->below_4g >= PC_LEGACY_END)
        pc_pam_init(m, pc);
    if (!pc_add_devices(m, pc, err))
        return false;
    pc_chipset_init(m, pc);
    pc_cmos_init(m, pc);
    if (!pc_fw_cfg_init(m, pc, err))
        return false;
    return !m->cfg->kernel || pc_direct_init(m, pc, err);
}

Machine *pc_machine_new(const VesselConfig *cfg, char **err)
{
    Machine *m = g_new0(Machine, 1);
    PCBoard *pc = g_new0(PCBoard, 1);
    m->cfg = cfg;
    m->board = pc;
    pc->m = m;
    pc_init_address_spaces(m);
    if (!pc_build(m, pc, err)) {
        pc_machine_free(m);
        return NULL;
    }
    machine_reset(m);
    return m;
}

void pc_machine_free(Machine *m)
{
    if (!m)
        return;
    PCBoard *pc = m->board;
    pc_firmware_free(pc);
    pc_chipset_free(pc);
    for (int i = 0; i < VESSEL_MAX_SERIAL; i++)
        if (pc->serial[i])
            serial_free(pc->serial[i]);
    if (pc->post)
        post_free(pc->post);
    if (pc->debugcon)
        debugcon_free(pc->debugcon);
    g_slist_free_full(pc->debugexit, (GDestroyNotify)debugexit_free);
    pc->debugexit = NULL;
    pc_pam_free(pc);
    pc_irq_free(m, pc);
    for (int i = 0; i < m->nr_cpus; i++)
        x86_cpu_free(m->cpus[i]);
    address_space_destroy(&m->system_as);
    address_space_destroy(&m->io_as);
    memory_region_destroy(&pc->ram);
    memory_region_destroy(&pc->bios);
    memory_region_destroy(&m->system_root);
    memory_region_destroy(&m->io_root);
    g_free(m->reset_handlers);
    g_free(pc);
    g_free(m);
}
