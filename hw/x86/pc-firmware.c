/*
 * What the PC board tells its firmware: the CMOS NVRAM fields a BIOS reads
 * (memory sizes, CPU count, equipment byte, boot order), the fw_cfg items
 * and files SeaBIOS consumes (RAM size, CPUs, etc/e820, bootorder,
 * etc/sercon-port, the ACPI tables and their loader script), and the
 * 0x402 debug port where SeaBIOS writes its log (shown with -d bios).
 */
#include "hw/x86/pc-internal.h"

#include <glib.h>
#include <string.h>

#include "core/log.h"
#include "hw/acpi/tables.h"
#include "hw/misc/fw_cfg.h"
#include "hw/timer/rtc.h"
#include "hw/x86/pc.h"

#define PC_BIOS_DEBUG_PORT 0x402
#define PC_SERCON_PORT     0x3f8
#define KiB 1024ull
#define MiB (1024ull * KiB)

/* ---- CMOS NVRAM ---- */

static void cmos_set16(RTCState *rtc, int lo, uint64_t value)
{
    uint16_t v = value > 0xffff ? 0xffff : (uint16_t)value;
    rtc_set_nvram(rtc, lo, (uint8_t)v);
    rtc_set_nvram(rtc, lo + 1, (uint8_t)(v >> 8));
}

static void cmos_memory_sizes(RTCState *rtc, uint64_t below_4g, uint64_t above_4g)
{
    cmos_set16(rtc, 0x15, 640);                         /* base memory, KiB */
    uint64_t ext_kib = below_4g > MiB ? (below_4g - MiB) / KiB : 0;
    cmos_set16(rtc, 0x17, ext_kib);                     /* extended memory, KiB */
    cmos_set16(rtc, 0x30, ext_kib);                     /* the same, POST copy */
    uint64_t above_16m = below_4g > 16 * MiB ? (below_4g - 16 * MiB) >> 16 : 0;
    cmos_set16(rtc, 0x34, above_16m);                   /* 16 MiB-4 GiB, 64 KiB units */
    uint64_t high = above_4g >> 16;                     /* above 4 GiB, 64 KiB units */
    if (high > 0xffffff)
        high = 0xffffff;
    rtc_set_nvram(rtc, 0x5b, (uint8_t)high);
    rtc_set_nvram(rtc, 0x5c, (uint8_t)(high >> 8));
    rtc_set_nvram(rtc, 0x5d, (uint8_t)(high >> 16));
}

void pc_cmos_init(Machine *m, PCBoard *pc)
{
    RTCState *rtc = pc->rtc;
    cmos_memory_sizes(rtc, pc->below_4g, pc->above_4g);
    rtc_set_nvram(rtc, 0x5f, (uint8_t)(m->nr_cpus - 1));
    rtc_set_nvram(rtc, 0x10, 0x00);     /* no floppy drives */
    rtc_set_nvram(rtc, 0x14, 0x06);     /* equipment: FPU, PS/2 mouse, EGA/VGA display */
    /* Boot order "cad" as QEMU encodes it: hard disk, floppy, CD-ROM;
     * 0x38 bit 0 clear = check the floppy boot signature. */
    rtc_set_nvram(rtc, 0x3d, 0x12);
    rtc_set_nvram(rtc, 0x38, 0x30);
}

/* ---- fw_cfg ---- */

static void *e820_fw_cfg_table(const PCBoard *pc, size_t *len)
{
    /* QEMU's etc/e820: packed {le64 address, le64 length, le32 type}. */
    uint8_t *buf = g_malloc0(40);
    uint64_t ranges[2][2] = { { 0, pc->below_4g }, { PC_4G, pc->above_4g } };
    int n = 0;
    for (int i = 0; i < 2; i++) {
        if (!ranges[i][1])
            continue;
        uint8_t *e = buf + n * 20;
        for (int b = 0; b < 8; b++) {
            e[b] = (uint8_t)(ranges[i][0] >> (8 * b));
            e[8 + b] = (uint8_t)(ranges[i][1] >> (8 * b));
        }
        e[16] = 1;      /* E820_RAM */
        n++;
    }
    *len = (size_t)n * 20;
    return buf;
}

static bool fw_cfg_add_le16_file(FWCfgState *fw, const char *name, uint16_t v)
{
    uint8_t *d = g_malloc(2);
    d[0] = (uint8_t)v;
    d[1] = (uint8_t)(v >> 8);
    return fw_cfg_add_file(fw, name, d, 2) >= 0;
}

static bool pc_fw_cfg_files(Machine *m, PCBoard *pc, FWCfgState *fw)
{
    size_t len;
    void *e820 = e820_fw_cfg_table(pc, &len);
    if (fw_cfg_add_file(fw, "etc/e820", e820, len) < 0)
        return false;
    if (m->cfg->nographic && !fw_cfg_add_le16_file(fw, "etc/sercon-port", PC_SERCON_PORT))
        return false;
    AcpiConfig acpi;
    acpi_config_default(&acpi, m->nr_cpus, pc->below_4g);
    return acpi_add_fw_cfg(&acpi, fw);
}

bool pc_fw_cfg_init(Machine *m, PCBoard *pc, char **err)
{
    FWCfgState *fw = fw_cfg_new(&m->system_as);
    pc->fw_cfg = fw;
    fw_cfg_map(fw, &m->io_root);
    machine_register_reset(m, fw_cfg_reset, fw);
    bool ok = fw_cfg_add_i64(fw, FW_CFG_RAM_SIZE, m->cfg->ram_size) &&
              fw_cfg_add_i16(fw, FW_CFG_NB_CPUS, (uint16_t)m->nr_cpus) &&
              fw_cfg_add_i16(fw, FW_CFG_MAX_CPUS, (uint16_t)m->nr_cpus) &&
              fw_cfg_add_i16(fw, FW_CFG_NOGRAPHIC, m->cfg->nographic) &&
              fw_cfg_add_i16(fw, FW_CFG_BOOT_MENU, 0) &&
              pc_fw_cfg_files(m, pc, fw);
    if (!ok)
        *err = g_strdup("fw_cfg: cannot add the firmware configuration items");
    return ok;
}

/* ---- 0x402: SeaBIOS's debug console ---- */

static void biosdbg_flush(PCBoard *pc)
{
    if (pc->biosdbg_len) {
        log_printf("%.*s\n", (int)pc->biosdbg_len, pc->biosdbg_line);
        pc->biosdbg_len = 0;
    }
}

static void biosdbg_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    (void)addr;
    (void)size;
    PCBoard *pc = opaque;
    if (!log_enabled(LOG_BIOS))
        return;
    char c = (char)val;
    if (c == '\n') {
        biosdbg_flush(pc);
        return;
    }
    if (c == '\r')
        return;
    pc->biosdbg_line[pc->biosdbg_len++] = c;
    if (pc->biosdbg_len == sizeof(pc->biosdbg_line))
        biosdbg_flush(pc);
}

static uint64_t biosdbg_read(void *opaque, uint64_t addr, unsigned size)
{
    (void)opaque;
    (void)addr;
    (void)size;
    return 0xe9;    /* QEMU's debugcon read-back value */
}

static const MemoryRegionOps biosdbg_ops = {
    .read = biosdbg_read,
    .write = biosdbg_write,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

void pc_biosdbg_init(Machine *m, PCBoard *pc)
{
    memory_region_init_io(&pc->biosdbg, "bios-debug", &biosdbg_ops, pc, 1);
    memory_region_add_subregion(&m->io_root, PC_BIOS_DEBUG_PORT, &pc->biosdbg);
}

void pc_firmware_free(PCBoard *pc)
{
    if (pc->biosdbg.name) {
        biosdbg_flush(pc);
        memory_region_del_subregion(pc->m ? &pc->m->io_root : NULL, &pc->biosdbg);
    }
    if (pc->fw_cfg)
        fw_cfg_free(pc->fw_cfg);
}
