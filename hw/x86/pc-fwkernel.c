/*
 * -kernel through the firmware, as QEMU boots every -kernel: the board does
 * not load the kernel itself but puts its parts into the standard fw_cfg
 * items (QEMU docs/specs/fw_cfg.rst): the real-mode setup (FW_CFG_SETUP_*),
 * the protected-mode kernel (FW_CFG_KERNEL_*), the initrd (FW_CFG_INITRD_*)
 * and the NUL-terminated command line (FW_CFG_CMDLINE_*), each with the
 * address it belongs at, plus the option ROM genroms/linuxboot.bin
 * (hw/x86/optionrom/linuxboot.asm) and a bootorder file that makes SeaBIOS
 * boot it first. The ROM copies the parts in, fills the setup header and
 * enters the kernel through its real-mode entry, so the kernel sees the
 * firmware's e820 map, ACPI tables and BIOS services.
 */
#include "hw/x86/pc-fwkernel.h"

#include <glib.h>
#include <string.h>

#include "hw/misc/fw_cfg.h"
#include "hw/x86/kernel-loader.h"
#include "hw/x86/linuxboot.h"
#include "hw/x86/optionrom/optionrom.h"

/* One of the (address, size, data) triples; copies `len` bytes of `data`. */
static bool fwk_add_part(FWCfgState *fw, const uint16_t keys[3], uint32_t addr,
                         const void *data, size_t len)
{
    return fw_cfg_add_i32(fw, keys[0], addr) &&
           fw_cfg_add_i32(fw, keys[1], (uint32_t)len) &&
           fw_cfg_add_bytes(fw, keys[2], g_memdup2(data, len ? len : 1), len);
}

static const uint16_t setup_keys[3] = { FW_CFG_SETUP_ADDR, FW_CFG_SETUP_SIZE, FW_CFG_SETUP_DATA };
static const uint16_t kernel_keys[3] = { FW_CFG_KERNEL_ADDR, FW_CFG_KERNEL_SIZE, FW_CFG_KERNEL_DATA };
static const uint16_t initrd_keys[3] = { FW_CFG_INITRD_ADDR, FW_CFG_INITRD_SIZE, FW_CFG_INITRD_DATA };
static const uint16_t cmdline_keys[3] = { FW_CFG_CMDLINE_ADDR, FW_CFG_CMDLINE_SIZE, FW_CFG_CMDLINE_DATA };

/* The kernel from 1 MiB on must fit below the firmware's reserved top. */
static bool fwk_check_kernel(const PCBoard *pc, const BootImage *img, const LinuxImageInfo *li,
                             uint64_t *kernel_end, char **err)
{
    if (li->setup_len > FWK_SETUP_MAX) {
        *err = g_strdup_printf("kernel '%s': real-mode setup of %zu bytes is too large for the "
                               "firmware boot (at most %u)", img->name, li->setup_len, FWK_SETUP_MAX);
        return false;
    }
    *kernel_end = FWK_KERNEL_ADDR + ((li->need + 0xfff) & ~0xfffull);
    if (*kernel_end + FWK_FW_RESERVED > pc->below_4g) {
        *err = g_strdup_printf("kernel '%s' needs %" G_GUINT64_FORMAT
                               " KiB of RAM at 1 MiB: not enough guest RAM", img->name, li->need >> 10);
        return false;
    }
    return true;
}

static bool fwk_add_cmdline(FWCfgState *fw, const LinuxImageInfo *li, const char *append, char **err)
{
    const char *cmd = append ? append : "";
    size_t n = strlen(cmd);
    if (n > li->cmdline_size || n + 1 > FWK_CMDLINE_MAX) {
        *err = g_strdup_printf("-append: command line of %zu bytes is too long (kernel limit %u)",
                               n, li->cmdline_size);
        return false;
    }
    return fwk_add_part(fw, cmdline_keys, FWK_CMDLINE_ADDR, cmd, n + 1);
}

/* The initrd as high as the kernel allows, below the firmware's reserved top,
 * page aligned, above the kernel. */
static bool fwk_add_initrd(PCBoard *pc, const LinuxImageInfo *li, const char *path,
                           uint64_t kernel_end, char **err)
{
    if (!path)
        return fwk_add_part(pc->fw_cfg, initrd_keys, 0, "", 0);
    uint8_t *data;
    size_t len;
    if (!boot_read_file("-initrd", path, pc->below_4g, &data, &len, err))
        return false;
    uint64_t top = (uint64_t)li->initrd_max + 1;
    if (top > pc->below_4g - FWK_FW_RESERVED)
        top = pc->below_4g - FWK_FW_RESERVED;
    uint64_t addr = top >= len ? (top - len) & ~0xfffull : 0;
    bool ok = addr >= kernel_end;
    if (!ok)
        *err = g_strdup_printf("initrd (%zu bytes) does not fit in guest RAM between the kernel and 0x%"
                               G_GINT64_MODIFIER "x", len, top);
    else
        ok = fwk_add_part(pc->fw_cfg, initrd_keys, (uint32_t)addr, data, len);
    g_free(data);
    return ok;
}

static bool fwk_add_rom(FWCfgState *fw)
{
    static const char order[] = "/rom@" FWK_ROM_NAME "\n";
    return fw_cfg_add_file(fw, FWK_ROM_NAME, g_memdup2(linuxboot_rom, linuxboot_rom_size),
                           linuxboot_rom_size) >= 0 &&
           fw_cfg_add_file(fw, "bootorder", g_memdup2(order, sizeof(order)), sizeof(order)) >= 0;
}

static bool fwk_load(PCBoard *pc, const BootImage *img, const char *initrd, char **err)
{
    if (!linux_probe(img->kernel, img->kernel_len)) {
        *err = g_strdup_printf("-kernel with -bios: '%s' is not a Linux bzImage (only Linux boots "
                               "through the firmware; without -bios it boots directly)", img->name);
        return false;
    }
    LinuxImageInfo li;
    uint64_t kernel_end;
    if (!linux_image_info(img, &li, err) || !fwk_check_kernel(pc, img, &li, &kernel_end, err))
        return false;
    FWCfgState *fw = pc->fw_cfg;
    bool ok = fwk_add_part(fw, setup_keys, FWK_SETUP_ADDR, img->kernel, li.setup_len) &&
              fwk_add_part(fw, kernel_keys, FWK_KERNEL_ADDR, img->kernel + li.setup_len, li.kernel_len);
    if (!ok) {
        *err = g_strdup("fw_cfg: cannot add the kernel items");
        return false;
    }
    if (!fwk_add_cmdline(fw, &li, img->cmdline, err) || !fwk_add_initrd(pc, &li, initrd, kernel_end, err))
        return false;
    if (!fwk_add_rom(fw)) {
        *err = g_strdup("fw_cfg: cannot add the linuxboot option ROM");
        return false;
    }
    return true;
}

bool pc_fw_kernel_init(Machine *m, PCBoard *pc, char **err)
{
    const VesselConfig *cfg = m->cfg;
    if (pc->below_4g < (32ull << 20)) {
        *err = g_strdup("-kernel with -bios: needs at least 32 MiB of guest RAM");
        return false;
    }
    BootImage img = { .name = cfg->kernel, .cmdline = cfg->append };
    uint8_t *kernel;
    if (!boot_read_file("-kernel", cfg->kernel, pc->below_4g, &kernel, &img.kernel_len, err))
        return false;
    img.kernel = kernel;
    bool ok = fwk_load(pc, &img, cfg->initrd, err);
    g_free(kernel);
    return ok;
}
