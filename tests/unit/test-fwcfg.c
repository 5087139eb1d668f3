/*
 * Unit tests for fw_cfg: what a guest reads through ports 0x510/0x511 and
 * the DMA interface at 0x514, on a small machine with 1 MiB of RAM.
 */
#include <check.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "hw/misc/fw_cfg.h"
#include "softmmu/memory.h"
#include "unit-test.h"
#include "unit-io.h"

#define RAM_SIZE (1u << 20)

static UnitMem mem;
static UnitIo pio;
static FWCfgState *fw;

static void setup(void)
{
    unit_mem_init(&mem, RAM_SIZE);
    unit_io_init(&pio, "io");
    fw = fw_cfg_new(&mem.as);
    fw_cfg_map(fw, &pio.root);
}

static void teardown(void)
{
    fw_cfg_free(fw);
    unit_io_destroy(&pio);
    unit_mem_destroy(&mem);
}

static void outw(uint16_t port, uint16_t v) { address_space_st(&pio.as, port, v, 2); }
static void outl(uint16_t port, uint32_t v) { address_space_st(&pio.as, port, v, 4); }
static uint8_t inb(uint16_t port) { return (uint8_t)address_space_ld(&pio.as, port, 1, NULL); }

static void read_item(uint16_t key, uint8_t *buf, size_t len)
{
    outw(0x510, key);
    for (size_t i = 0; i < len; i++)
        buf[i] = inb(0x511);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Write a FWCfgDmaAccess at `desc` and start it the way SeaBIOS does
 * (only the low half of the address, byte-swapped, at 0x518). */
static uint32_t dma(uint64_t desc, uint32_t control, uint32_t len, uint64_t addr)
{
    uint8_t d[16];
    uint32_t c = GUINT32_TO_BE(control), l = GUINT32_TO_BE(len);
    uint64_t a = GUINT64_TO_BE(addr);
    memcpy(d, &c, 4);
    memcpy(d + 4, &l, 4);
    memcpy(d + 8, &a, 8);
    ck_assert_int_eq(address_space_write(&mem.as, desc, d, 16), MEMTX_OK);
    outl(0x514, GUINT32_TO_BE((uint32_t)(desc >> 32)));
    outl(0x518, GUINT32_TO_BE((uint32_t)desc));
    uint32_t res;
    address_space_read(&mem.as, desc, &res, 4);
    return GUINT32_FROM_BE(res);
}

START_TEST(test_signature_and_id)
{
    uint8_t buf[8];
    read_item(FW_CFG_SIGNATURE, buf, 4);
    ck_assert(!memcmp(buf, "QEMU", 4));
    read_item(FW_CFG_ID, buf, 4);
    ck_assert_int_eq(buf[0] & 3, 3); /* traditional + DMA */
    /* The DMA port reads back "QEMU CFG". */
    for (int i = 0; i < 8; i++)
        buf[i] = inb(0x514 + i);
    ck_assert(!memcmp(buf, "QEMU CFG", 8));
    /* Past the end: zeros. */
    read_item(FW_CFG_SIGNATURE, buf, 6);
    ck_assert_int_eq(buf[4], 0);
    ck_assert_int_eq(buf[5], 0);
}
END_TEST

START_TEST(test_integers)
{
    uint8_t buf[8];
    fw_cfg_add_i64(fw, FW_CFG_RAM_SIZE, 0x123456789aull);
    fw_cfg_add_i16(fw, FW_CFG_NB_CPUS, 4);
    read_item(FW_CFG_RAM_SIZE, buf, 8);
    ck_assert_int_eq(buf[0], 0x9a);
    ck_assert_int_eq(buf[4], 0x12);
    read_item(FW_CFG_NB_CPUS, buf, 2);
    ck_assert_int_eq(buf[0], 4);
    ck_assert_int_eq(buf[1], 0);
    ck_assert(!fw_cfg_add_i32(fw, 0x25, 1));            /* file range: refused */
    ck_assert(!fw_cfg_add_i32(fw, FW_CFG_FILE_DIR, 1)); /* the directory is ours */
    ck_assert(fw_cfg_add_i32(fw, FW_CFG_E820_TABLE, 7));
    read_item(FW_CFG_E820_TABLE, buf, 4);
    ck_assert_int_eq(buf[0], 7);
}
END_TEST

START_TEST(test_unknown_selector)
{
    uint8_t buf[4] = { 1, 1, 1, 1 };
    read_item(0x3fff, buf, 4);
    ck_assert(!buf[0] && !buf[1] && !buf[2] && !buf[3]);
    read_item(0x8015, buf, 4);
    ck_assert(!buf[0] && !buf[3]);
    /* DMA read of an unknown item zero-fills. */
    memset(mem.ram.ram + 0x2000, 0xaa, 64);
    ck_assert_int_eq(dma(0x1000, (0x1234u << 16) | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ,
                         32, 0x2000), 0);
    for (int i = 0; i < 32; i++)
        ck_assert_int_eq(mem.ram.ram[0x2000 + i], 0);
    ck_assert_int_eq(mem.ram.ram[0x2020], 0xaa);
}
END_TEST

static void add_files(void)
{
    ck_assert_int_ge(fw_cfg_add_file(fw, "etc/zeta", g_strdup("zz"), 2), 0);
    ck_assert_int_ge(fw_cfg_add_file(fw, "bootorder", g_strdup("/pci@i0cf8/x\n"), 13), 0);
    ck_assert_int_ge(fw_cfg_add_file(fw, "etc/alpha", g_strdup("hello world"), 11), 0);
}

START_TEST(test_directory)
{
    add_files();
    ck_assert_int_eq(fw_cfg_add_file(fw, "bootorder", g_strdup("x"), 1), -1);
    char longname[80];
    memset(longname, 'a', sizeof(longname) - 1);
    longname[79] = 0;
    ck_assert_int_eq(fw_cfg_add_file(fw, longname, g_strdup("x"), 1), -1);

    uint8_t buf[4 + 3 * 64];
    read_item(FW_CFG_FILE_DIR, buf, sizeof(buf));
    ck_assert_uint_eq(be32(buf), 3);
    const char *expect[] = { "bootorder", "etc/alpha", "etc/zeta" };
    uint32_t sizes[] = { 13, 11, 2 };
    for (int i = 0; i < 3; i++) {
        const uint8_t *e = buf + 4 + 64 * i;
        ck_assert_uint_eq(be32(e), sizes[i]);
        ck_assert_int_eq((e[4] << 8) | e[5], 0x20 + i);
        ck_assert_str_eq((const char *)e + 8, expect[i]);
    }
    /* Read a file by its selector through the data port. */
    char data[12] = { 0 };
    read_item((uint16_t)fw_cfg_file_select(fw, "etc/alpha"), (uint8_t *)data, 11);
    ck_assert_str_eq(data, "hello world");
}
END_TEST

START_TEST(test_dma_read_skip_select)
{
    add_files();
    int sel = fw_cfg_file_select(fw, "etc/alpha");
    uint32_t ctl = ((uint32_t)sel << 16) | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_SKIP;
    ck_assert_int_eq(dma(0x1000, ctl, 6, 0), 0);
    ck_assert_int_eq(dma(0x1000, FW_CFG_DMA_CTL_READ, 5, 0x3000), 0);
    ck_assert(!memcmp(mem.ram.ram + 0x3000, "world", 5));
    /* Oversized read: the rest of the item is zero-filled. */
    memset(mem.ram.ram + 0x4000, 0xee, 64);
    ctl = ((uint32_t)sel << 16) | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ;
    ck_assert_int_eq(dma(0x1000, ctl, 40, 0x4000), 0);
    ck_assert(!memcmp(mem.ram.ram + 0x4000, "hello world", 11));
    for (int i = 11; i < 40; i++)
        ck_assert_int_eq(mem.ram.ram[0x4000 + i], 0);
    ck_assert_int_eq(mem.ram.ram[0x4000 + 40], 0xee);
    /* A data-port read continues after the DMA transfer (at the end: 0). */
    ck_assert_int_eq(inb(0x511), 0);
}
END_TEST

START_TEST(test_dma_bad_address)
{
    add_files();
    int sel = fw_cfg_file_select(fw, "etc/alpha");
    uint32_t ctl = ((uint32_t)sel << 16) | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ;
    /* Destination outside RAM. */
    ck_assert_int_eq(dma(0x1000, ctl, 11, 0xfff00000ull) & FW_CFG_DMA_CTL_ERROR, 1);
    /* Huge length running off the end of RAM: error, RAM before the end filled. */
    ck_assert_int_eq(dma(0x1000, ctl, 0xffffffffu, RAM_SIZE - 0x100) & FW_CFG_DMA_CTL_ERROR, 1);
    ck_assert(!memcmp(mem.ram.ram + RAM_SIZE - 0x100, "hello world", 11));
    /* Address that would wrap past 2^64. */
    ck_assert_int_eq(dma(0x1000, ctl, 0x1000, UINT64_MAX - 4) & FW_CFG_DMA_CTL_ERROR, 1);
    /* Descriptor itself outside RAM: nothing happens, no crash. */
    outl(0x514, 0);
    outl(0x518, GUINT32_TO_BE(0xfee00000u));
    /* Write to a read-only file: error. */
    ctl = ((uint32_t)sel << 16) | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_WRITE;
    ck_assert_int_eq(dma(0x1000, ctl, 4, 0x3000) & FW_CFG_DMA_CTL_ERROR, 1);
}
END_TEST

static uint32_t cb_off, cb_len;
static int cb_calls;
static void on_write(void *opaque, uint32_t off, uint32_t len)
{
    cb_off = off;
    cb_len = len;
    cb_calls++;
}

START_TEST(test_dma_write)
{
    int sel = fw_cfg_add_file_writable(fw, "etc/wr", g_malloc0(8), 8, on_write, NULL);
    ck_assert_int_ge(sel, 0);
    memcpy(mem.ram.ram + 0x5000, "ABCDEFGHIJ", 10);
    uint32_t ctl = ((uint32_t)sel << 16) | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_SKIP;
    ck_assert_int_eq(dma(0x1000, ctl, 2, 0), 0);
    ck_assert_int_eq(dma(0x1000, FW_CFG_DMA_CTL_WRITE, 4, 0x5000), 0);
    ck_assert_int_eq(cb_calls, 1);
    ck_assert_int_eq(cb_off, 2);
    ck_assert_int_eq(cb_len, 4);
    size_t len;
    const uint8_t *d = fw_cfg_file_data(fw, "etc/wr", &len);
    ck_assert_int_eq(len, 8);
    ck_assert(!memcmp(d + 2, "ABCD", 4));
    /* Past the end: error, nothing written. */
    ck_assert_int_eq(dma(0x1000, FW_CFG_DMA_CTL_WRITE, 4, 0x5000) & 1, 1);
    ck_assert_int_eq(cb_calls, 1);
}
END_TEST

int main(void)
{
    return unit_run_tcase("fwcfg", "core", setup, teardown, UNIT_TESTS(
        test_signature_and_id, test_integers, test_unknown_selector, test_directory,
        test_dma_read_skip_select, test_dma_bad_address, test_dma_write));
}
