/*
 * Unit tests for -kernel through the firmware (-kernel with -bios): the
 * embedded linuxboot option ROM is a valid PnP option ROM, and the board puts
 * the kernel's setup and protected-mode parts, the initrd and the command
 * line into the standard fw_cfg items (read back through ports 0x510/0x511)
 * with the ROM and a bootorder naming it, instead of loading the kernel.
 */
#include <check.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hw/misc/fw_cfg.h"
#include "hw/x86/linuxboot.h"
#include "hw/x86/optionrom/optionrom.h"
#include "hw/x86/pc-fwkernel.h"
#include "hw/x86/pc.h"
#include "hw/x86/pc-internal.h"
#include "unit-test.h"

#define SETUP_SECTS 3
#define SETUP_LEN ((SETUP_SECTS + 1) * 512)
#define KERNEL_LEN 12288
#define INITRD_LEN 10000
#define RAM (128ull << 20)

static char *tmpdir;

static char *write_file(const char *name, const void *data, size_t len)
{
    char *path = g_build_filename(tmpdir, name, NULL);
    ck_assert(g_file_set_contents(path, data, (gssize)len, NULL));
    return path;
}

static void p16(uint8_t *b, size_t o, uint16_t v) { b[o] = (uint8_t)v; b[o + 1] = (uint8_t)(v >> 8); }
static void p32(uint8_t *b, size_t o, uint32_t v) { p16(b, o, (uint16_t)v); p16(b, o + 2, (uint16_t)(v >> 16)); }
static unsigned r16(const uint8_t *b, size_t o) { return b[o] | b[o + 1] << 8; }

/* A minimal bzImage: protocol 2.15, loaded high, with recognisable bytes. */
static char *make_kernel(void)
{
    uint8_t *b = g_malloc0(SETUP_LEN + KERNEL_LEN);
    b[LINUX_HDR_SETUP_SECTS] = SETUP_SECTS;
    p32(b, LINUX_HDR_SYSSIZE, KERNEL_LEN / 16);
    p16(b, LINUX_HDR_BOOT_FLAG, 0xaa55);
    b[LINUX_HDR_JUMP] = 0xeb;
    b[LINUX_HDR_JUMP + 1] = 0x66;
    memcpy(b + LINUX_HDR_MAGIC, "HdrS", 4);
    p16(b, LINUX_HDR_VERSION, 0x20f);
    b[LINUX_HDR_LOADFLAGS] = LINUX_LOADED_HIGH;
    p32(b, LINUX_HDR_INITRD_MAX, 0x37ffffff);
    p32(b, LINUX_HDR_CMDLINE_SIZE, 255);
    p32(b, LINUX_HDR_INIT_SIZE, 0x400000);
    for (size_t i = 0; i < KERNEL_LEN; i++)
        b[SETUP_LEN + i] = (uint8_t)(i * 13 + 5);
    char *path = write_file("bzImage", b, SETUP_LEN + KERNEL_LEN);
    g_free(b);
    return path;
}

static char *make_bios(void)
{
    uint8_t *b = g_malloc0(64 << 10);
    memset(b, 0xf4, 64 << 10);    /* never run here */
    char *path = write_file("bios.bin", b, 64 << 10);
    g_free(b);
    return path;
}

static void setup(void)
{
    tmpdir = g_dir_make_tmp("vessel-test-fwkernel-XXXXXX", NULL);
    ck_assert_ptr_nonnull(tmpdir);
}

static void teardown(void)
{
    const char *names[] = { "bzImage", "bios.bin", "initrd", "garbage" };
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        char *p = g_build_filename(tmpdir, names[i], NULL);
        unlink(p);
        g_free(p);
    }
    rmdir(tmpdir);
    g_free(tmpdir);
}

static void base_config(VesselConfig *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->ram_size = RAM;
    cfg->smp = 1;
    cfg->icount_shift = -1;
    cfg->serial[0] = "null";
    cfg->nr_serial = 1;
}

/* Item `key` as the firmware reads it, through the selector and data ports. */
static void read_item(Machine *m, uint16_t key, uint8_t *buf, size_t len)
{
    address_space_st(&m->io_as, FW_CFG_IO_BASE, key, 2);
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)address_space_ld(&m->io_as, FW_CFG_IO_BASE + 1, 1, NULL);
}

static uint32_t read32(Machine *m, uint16_t key)
{
    uint8_t b[4];
    read_item(m, key, b, 4);
    return b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24;
}

START_TEST(test_rom_image)
{
    const uint8_t *rom = linuxboot_rom;
    unsigned size = linuxboot_rom_size;
    ck_assert_uint_eq(rom[0], 0x55);
    ck_assert_uint_eq(rom[1], 0xaa);
    ck_assert_uint_eq(rom[2] * 512u, size);
    ck_assert(rom[3] == 0xe9 || rom[3] == 0xeb);    /* jump to the init entry */
    unsigned sum = 0;
    for (unsigned i = 0; i < size; i++)
        sum += rom[i];
    ck_assert_uint_eq(sum & 0xff, 0);
    unsigned pnp = r16(rom, 0x1a);
    ck_assert_uint_lt(pnp + 32, size);
    ck_assert_mem_eq(rom + pnp, "$PnP", 4);
    unsigned len = rom[pnp + 5] * 16u;
    ck_assert_uint_eq(len, 32);
    sum = 0;
    for (unsigned i = 0; i < len; i++)
        sum += rom[pnp + i];
    ck_assert_uint_eq(sum & 0xff, 0);
    unsigned bev = r16(rom, pnp + 0x1a);
    ck_assert_uint_gt(bev, pnp + len);
    ck_assert_uint_lt(bev, size);
    ck_assert_uint_eq(r16(rom, pnp + 0x16), 0);     /* no BCV: SeaBIOS registers the BEV */
    unsigned product = r16(rom, pnp + 0x10);
    ck_assert_str_eq((const char *)rom + product, "Linux loader (fw_cfg)");
}
END_TEST

START_TEST(test_kernel_in_fw_cfg)
{
    VesselConfig cfg;
    base_config(&cfg);
    uint8_t rd[INITRD_LEN];
    for (size_t i = 0; i < INITRD_LEN; i++)
        rd[i] = (uint8_t)(i * 7 + 1);
    char *kernel = make_kernel(), *bios = make_bios(), *initrd = write_file("initrd", rd, sizeof(rd));
    cfg.kernel = kernel;
    cfg.bios = bios;
    cfg.initrd = initrd;
    cfg.append = "console=ttyS0 quiet";
    char *err = NULL;
    Machine *m = pc_machine_new(&cfg, &err);
    ck_assert_msg(m, "%s", err);
    PCBoard *pc = m->board;

    gchar *file;
    gsize flen;
    ck_assert(g_file_get_contents(kernel, &file, &flen, NULL));
    uint8_t *buf = g_malloc(KERNEL_LEN);
    ck_assert_uint_eq(read32(m, FW_CFG_SETUP_ADDR), FWK_SETUP_ADDR);
    ck_assert_uint_eq(read32(m, FW_CFG_SETUP_SIZE), SETUP_LEN);
    read_item(m, FW_CFG_SETUP_DATA, buf, SETUP_LEN);
    ck_assert_mem_eq(buf, file, SETUP_LEN);
    ck_assert_uint_eq(read32(m, FW_CFG_KERNEL_ADDR), FWK_KERNEL_ADDR);
    ck_assert_uint_eq(read32(m, FW_CFG_KERNEL_SIZE), KERNEL_LEN);
    read_item(m, FW_CFG_KERNEL_DATA, buf, KERNEL_LEN);
    ck_assert_mem_eq(buf, file + SETUP_LEN, KERNEL_LEN);

    /* The initrd: page aligned, above the kernel's init_size, below the
     * firmware's reserved top of RAM. */
    uint32_t ia = read32(m, FW_CFG_INITRD_ADDR);
    ck_assert_uint_eq(read32(m, FW_CFG_INITRD_SIZE), INITRD_LEN);
    ck_assert_uint_eq(ia & 0xfff, 0);
    ck_assert_uint_ge(ia, FWK_KERNEL_ADDR + 0x400000);
    ck_assert_uint_le(ia + INITRD_LEN, RAM - FWK_FW_RESERVED);
    ck_assert_uint_gt(ia + INITRD_LEN + 4096, RAM - FWK_FW_RESERVED);   /* as high as it goes */
    read_item(m, FW_CFG_INITRD_DATA, buf, INITRD_LEN);
    ck_assert_mem_eq(buf, rd, INITRD_LEN);

    ck_assert_uint_eq(read32(m, FW_CFG_CMDLINE_ADDR), FWK_CMDLINE_ADDR);
    ck_assert_uint_eq(read32(m, FW_CFG_CMDLINE_SIZE), strlen(cfg.append) + 1);
    read_item(m, FW_CFG_CMDLINE_DATA, buf, strlen(cfg.append) + 1);
    ck_assert_str_eq((char *)buf, cfg.append);

    size_t len;
    const uint8_t *rom = fw_cfg_file_data(pc->fw_cfg, FWK_ROM_NAME, &len);
    ck_assert_ptr_nonnull(rom);
    ck_assert_uint_eq(len, linuxboot_rom_size);
    ck_assert_mem_eq(rom, linuxboot_rom, len);
    const char *order = fw_cfg_file_data(pc->fw_cfg, "bootorder", &len);
    ck_assert_ptr_nonnull(order);
    ck_assert_str_eq(order, "/rom@genroms/linuxboot.bin\n");

    /* The board itself loaded nothing: the firmware's ROM will. */
    ck_assert_uint_eq(address_space_ld(&m->system_as, FWK_KERNEL_ADDR, 4, NULL), 0);
    ck_assert_uint_eq(address_space_ld(&m->system_as, ia, 4, NULL), 0);
    pc_machine_free(m);
    g_free(buf);
    g_free(file);
    g_free(kernel);
    g_free(bios);
    g_free(initrd);
}
END_TEST

static void expect_error(VesselConfig *cfg, const char *needle)
{
    char *err = NULL;
    Machine *m = pc_machine_new(cfg, &err);
    ck_assert_ptr_null(m);
    ck_assert_msg(err && strstr(err, needle), "error '%s' lacks '%s'", err ? err : "(none)", needle);
    ck_assert_ptr_null(strchr(err, '\n'));
    g_free(err);
}

START_TEST(test_errors)
{
    VesselConfig cfg;
    base_config(&cfg);
    char *bios = make_bios(), *kernel = make_kernel();
    static const char garbage[4096] = "not a kernel";
    char *junk = write_file("garbage", garbage, sizeof(garbage));
    cfg.bios = bios;
    cfg.kernel = junk;
    expect_error(&cfg, "not a Linux bzImage");
    cfg.kernel = kernel;
    char *longline = g_strnfill(300, 'x');     /* the kernel allows 255 */
    cfg.append = longline;
    expect_error(&cfg, "too long");
    cfg.append = NULL;
    cfg.ram_size = 16ull << 20;
    expect_error(&cfg, "32 MiB");
    g_free(longline);
    g_free(junk);
    g_free(kernel);
    g_free(bios);
}
END_TEST

START_TEST(test_direct_boot_has_no_rom)
{
    VesselConfig cfg;
    base_config(&cfg);
    char *kernel = make_kernel();
    cfg.kernel = kernel;
    char *err = NULL;
    Machine *m = pc_machine_new(&cfg, &err);
    ck_assert_msg(m, "%s", err);
    PCBoard *pc = m->board;
    size_t len;
    ck_assert_ptr_null(fw_cfg_file_data(pc->fw_cfg, FWK_ROM_NAME, &len));
    ck_assert_uint_eq(read32(m, FW_CFG_KERNEL_SIZE), 0);
    /* Loaded directly at its preferred place instead. */
    ck_assert_uint_eq(address_space_ld(&m->system_as, FWK_KERNEL_ADDR, 1, NULL), 5);
    pc_machine_free(m);
    g_free(kernel);
}
END_TEST

int main(void)
{
    return unit_run_tcase("fwkernel", "fwkernel", setup, teardown, UNIT_TESTS(
        test_rom_image, test_kernel_in_fw_cfg, test_errors, test_direct_boot_has_no_rom));
}
