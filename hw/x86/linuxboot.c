/*
 * Linux bzImage direct boot: parse and check the setup header of an
 * untrusted image, place the kernel, command line, initrd and boot_params
 * in guest RAM, and describe the 32-bit protected-mode entry.
 */
#include "hw/x86/linuxboot.h"

#include <glib.h>
#include <string.h>

/* What linux_load takes from the setup header, all checked against the file. */
typedef struct LinuxHeader {
    unsigned version;
    size_t setup_len;          /* real-mode part: (setup_sects + 1) * 512 */
    size_t kernel_len;         /* protected-mode part, the rest of the file */
    uint8_t loadflags;
    uint32_t initrd_max;       /* highest address the initrd may end at, inclusive */
    uint32_t cmdline_size;
    bool relocatable;
    uint64_t pref_address;
    uint32_t init_size;
    size_t hdr_end;            /* end of the header bytes to copy into boot_params */
} LinuxHeader;

static uint32_t rd16(const uint8_t *p) { return p[0] | (uint32_t)p[1] << 8; }
static uint32_t rd32(const uint8_t *p) { return rd16(p) | rd16(p + 2) << 16; }
static uint64_t rd64(const uint8_t *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }
static void wr16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void wr32(uint8_t *p, uint32_t v) { wr16(p, v); wr16(p + 2, v >> 16); }
static void wr64(uint8_t *p, uint64_t v) { wr32(p, (uint32_t)v); wr32(p + 4, (uint32_t)(v >> 32)); }

bool linux_probe(const uint8_t *buf, size_t len)
{
    return len >= LINUX_HDR_VERSION + 2 && memcmp(buf + LINUX_HDR_MAGIC, "HdrS", 4) == 0;
}

unsigned linux_protocol_version(const uint8_t *buf, size_t len)
{
    return linux_probe(buf, len) ? rd16(buf + LINUX_HDR_VERSION) : 0;
}

bool linux_kernel_version(const uint8_t *buf, size_t len, char *out, size_t outlen)
{
    if (outlen == 0 || linux_protocol_version(buf, len) < 0x200 ||
        len < LINUX_HDR_KERNEL_VERSION + 2)
        return false;
    uint32_t off = rd16(buf + LINUX_HDR_KERNEL_VERSION);
    if (off == 0 || (size_t)off + 0x200 >= len)
        return false;
    size_t i = 0, pos = off + 0x200;
    while (i + 1 < outlen && pos + i < len && buf[pos + i] >= 0x20 && buf[pos + i] < 0x7f) {
        out[i] = (char)buf[pos + i];
        i++;
    }
    out[i] = '\0';
    return i > 0;
}

/* Optional fields of protocol 2.10 and later, present only in long enough files. */
static void linux_parse_v210(const uint8_t *buf, size_t len, LinuxHeader *h)
{
    h->pref_address = LINUX_LOAD_ADDR;
    h->init_size = 0;
    if (h->version >= 0x20a && len >= LINUX_HDR_INIT_SIZE + 4) {
        h->pref_address = rd64(buf + LINUX_HDR_PREF_ADDRESS);
        h->init_size = rd32(buf + LINUX_HDR_INIT_SIZE);
    }
}

/* The real-mode and protected-mode parts must both lie inside the file. */
static bool linux_parse_sizes(const BootImage *img, LinuxHeader *h, char **err)
{
    const uint8_t *buf = img->kernel;
    size_t len = img->kernel_len;
    unsigned sects = buf[LINUX_HDR_SETUP_SECTS] ? buf[LINUX_HDR_SETUP_SECTS] : 4;
    h->setup_len = (size_t)(sects + 1) * 512;
    if (h->setup_len >= len) {
        *err = g_strdup_printf("kernel '%s': setup code (%zu bytes, setup_sects %u) extends "
                               "past the end of the file (%zu bytes)", img->name, h->setup_len, sects, len);
        return false;
    }
    h->kernel_len = len - h->setup_len;
    uint64_t syssize = (uint64_t)rd32(buf + LINUX_HDR_SYSSIZE) * 16;
    if (syssize > h->kernel_len) {
        *err = g_strdup_printf("kernel '%s': truncated: syssize says %" G_GUINT64_FORMAT
                               " bytes of kernel, the file has %zu", img->name, syssize, h->kernel_len);
        return false;
    }
    size_t end = LINUX_HDR_MAGIC + buf[LINUX_HDR_JUMP + 1];
    end = end > LINUX_HDR_END_MAX ? LINUX_HDR_END_MAX : end;
    h->hdr_end = end > len ? len : end;
    return true;
}

static bool linux_parse(const BootImage *img, LinuxHeader *h, char **err)
{
    const uint8_t *buf = img->kernel;
    size_t len = img->kernel_len;
    h->version = linux_protocol_version(buf, len);
    if (h->version < LINUX_MIN_VERSION) {
        *err = g_strdup_printf("kernel '%s': Linux boot protocol %u.%02u is too old (2.06 or later needed)",
                               img->name, h->version >> 8, h->version & 0xff);
        return false;
    }
    if (len < LINUX_HDR_CMDLINE_SIZE + 4) {
        *err = g_strdup_printf("kernel '%s': truncated setup header", img->name);
        return false;
    }
    if (!linux_parse_sizes(img, h, err))
        return false;
    h->loadflags = buf[LINUX_HDR_LOADFLAGS];
    if (!(h->loadflags & LINUX_LOADED_HIGH)) {
        *err = g_strdup_printf("kernel '%s': a zImage (not loaded high) is not supported", img->name);
        return false;
    }
    h->initrd_max = rd32(buf + LINUX_HDR_INITRD_MAX);
    h->cmdline_size = rd32(buf + LINUX_HDR_CMDLINE_SIZE);
    h->relocatable = buf[LINUX_HDR_RELOCATABLE] != 0;
    linux_parse_v210(buf, len, h);
    return true;
}

/* Bytes of RAM the kernel needs at its load address (init_size covers decompression). */
static uint64_t linux_need(const LinuxHeader *h)
{
    return h->init_size > h->kernel_len ? h->init_size : h->kernel_len;
}

/* 1 MiB, or the preferred address of a relocatable kernel if it fits in RAM. */
static bool linux_place_kernel(const BootImage *img, const LinuxHeader *h, uint64_t *load, char **err)
{
    uint64_t need = linux_need(h), pref = h->pref_address;
    if (h->relocatable && h->version >= 0x20a && pref > LINUX_LOAD_ADDR && pref < (1ull << 32) &&
        (pref & 0xfff) == 0 && e820_is_ram(img->e820, pref, need)) {
        *load = pref;
        return true;
    }
    *load = LINUX_LOAD_ADDR;
    if (e820_is_ram(img->e820, LINUX_LOAD_ADDR, need))
        return true;
    *err = g_strdup_printf("kernel '%s' needs %" G_GUINT64_FORMAT
                           " KiB of RAM at 1 MiB: not enough guest RAM", img->name, need >> 10);
    return false;
}

static bool linux_place_initrd(const BootImage *img, const LinuxHeader *h, uint64_t kernel_end,
                               uint64_t *addr, char **err)
{
    const BootModule *rd = &img->modules[0];
    uint64_t top = (uint64_t)h->initrd_max + 1;
    if (top > img->ram_below_4g)
        top = img->ram_below_4g;
    if (rd->len > 0 && e820_find_top(img->e820, kernel_end, top, rd->len, 4096, addr))
        return true;
    if (rd->len == 0) {
        *addr = 0;
        return true;
    }
    *err = g_strdup_printf("initrd (%zu bytes) does not fit in guest RAM between the kernel and 0x%"
                           G_GINT64_MODIFIER "x", rd->len, top);
    return false;
}

static bool linux_write_cmdline(AddressSpace *as, const BootImage *img, const LinuxHeader *h, char **err)
{
    const char *cmd = img->cmdline ? img->cmdline : "";
    size_t n = strlen(cmd);
    if (n > h->cmdline_size || n >= BOOT_CMDLINE_END - BOOT_CMDLINE_ADDR) {
        *err = g_strdup_printf("-append: command line of %zu bytes is too long (kernel limit %u)",
                               n, h->cmdline_size);
        return false;
    }
    return boot_write(as, BOOT_CMDLINE_ADDR, cmd, n + 1, "kernel command line", err);
}

static void linux_fill_e820(uint8_t *bp, const E820Map *map)
{
    int n = map->nr < E820_MAX_ENTRIES ? map->nr : E820_MAX_ENTRIES;
    for (int i = 0; i < n; i++) {
        uint8_t *e = bp + LINUX_BP_E820_TABLE + i * 20;
        wr64(e, map->e[i].addr);
        wr64(e + 8, map->e[i].size);
        wr32(e + 16, map->e[i].type);
    }
    bp[LINUX_BP_E820_ENTRIES] = (uint8_t)n;
}

static void linux_fill_params(uint8_t *bp, const BootImage *img, const LinuxHeader *h,
                              uint64_t load, uint64_t initrd)
{
    memset(bp, 0, LINUX_BP_SIZE);
    memcpy(bp + LINUX_HDR_SETUP_SECTS, img->kernel + LINUX_HDR_SETUP_SECTS,
           h->hdr_end - LINUX_HDR_SETUP_SECTS);
    wr16(bp + LINUX_HDR_VID_MODE, 0xffff);
    bp[LINUX_HDR_TYPE_OF_LOADER] = LINUX_LOADER_TYPE;
    bp[LINUX_HDR_LOADFLAGS] = h->loadflags | LINUX_CAN_USE_HEAP;
    wr16(bp + LINUX_HDR_HEAP_END_PTR, LINUX_HEAP_END);
    wr32(bp + LINUX_HDR_CODE32_START, (uint32_t)load);
    wr32(bp + LINUX_HDR_CMD_LINE_PTR, BOOT_CMDLINE_ADDR);
    if (img->nr_modules > 0) {
        wr32(bp + LINUX_HDR_RAMDISK_IMAGE, (uint32_t)initrd);
        wr32(bp + LINUX_HDR_RAMDISK_SIZE, (uint32_t)img->modules[0].len);
    }
    if (img->acpi_rsdp && h->version >= 0x20e)
        wr64(bp + LINUX_BP_ACPI_RSDP, img->acpi_rsdp);
    linux_fill_e820(bp, img->e820);
}

bool linux_image_info(const BootImage *img, LinuxImageInfo *info, char **err)
{
    LinuxHeader h;
    if (!linux_parse(img, &h, err))
        return false;
    *info = (LinuxImageInfo){ .version = h.version, .setup_len = h.setup_len, .kernel_len = h.kernel_len,
                              .need = linux_need(&h), .initrd_max = h.initrd_max,
                              .cmdline_size = h.cmdline_size };
    return true;
}

bool linux_load(AddressSpace *as, const BootImage *img, BootEntry *entry, char **err)
{
    LinuxHeader h;
    uint64_t load, initrd = 0;
    if (!linux_parse(img, &h, err) || !linux_place_kernel(img, &h, &load, err))
        return false;
    if (img->nr_modules > 1) {
        *err = g_strdup_printf("kernel '%s': a Linux kernel takes one -initrd file", img->name);
        return false;
    }
    if (img->nr_modules == 1 && !linux_place_initrd(img, &h, load + linux_need(&h), &initrd, err))
        return false;
    uint8_t *bp = g_malloc(LINUX_BP_SIZE);
    linux_fill_params(bp, img, &h, load, initrd);
    bool ok = linux_write_cmdline(as, img, &h, err) &&
              boot_write(as, load, img->kernel + h.setup_len, h.kernel_len, "kernel", err) &&
              (img->nr_modules == 0 ||
               boot_write(as, initrd, img->modules[0].data, img->modules[0].len, "initrd", err)) &&
              boot_write(as, BOOT_PARAMS_ADDR, bp, LINUX_BP_SIZE, "boot_params", err) &&
              boot_gdt_write(as, err);
    g_free(bp);
    if (!ok)
        return false;
    *entry = (BootEntry){ .eip = (uint32_t)load, .esi = BOOT_PARAMS_ADDR };
    return true;
}
