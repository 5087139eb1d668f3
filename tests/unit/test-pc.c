/*
 * Unit tests for the PC board's memory map: low RAM, the legacy window, the
 * BIOS below 4 GiB and its alias ending at 0xFFFFF, the PCI hole and RAM
 * above 4 GiB, and the firmware size rule.
 */
#include <check.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hw/x86/pc.h"

static char *write_bios(uint64_t size)
{
    char *path = g_strdup("/tmp/vessel-test-pc-XXXXXX");
    int fd = g_mkstemp(path);
    ck_assert_int_ge(fd, 0);
    uint8_t *img = g_malloc(size);
    for (uint64_t i = 0; i < size; i++)
        img[i] = (uint8_t)(i * 7 + (i >> 12));
    ck_assert(write(fd, img, size) == (ssize_t)size);
    close(fd);
    g_free(img);
    return path;
}

static uint8_t expected_bios_byte(uint64_t off)
{
    return (uint8_t)(off * 7 + (off >> 12));
}

static Machine *make_pc(VesselConfig *cfg, uint64_t ram, uint64_t bios_size, char **path)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->ram_size = ram;
    cfg->smp = 1;
    cfg->icount_shift = -1;
    cfg->serial[0] = "null";
    cfg->nr_serial = 1;
    *path = write_bios(bios_size);
    cfg->bios = *path;
    char *err = NULL;
    Machine *m = pc_machine_new(cfg, &err);
    ck_assert_msg(m, "pc_machine_new: %s", err ? err : "?");
    return m;
}

static uint8_t rd8(Machine *m, uint64_t addr)
{
    MemTxResult r;
    return (uint8_t)address_space_ld(&m->system_as, addr, 1, &r);
}

START_TEST(test_low_layout_64k_bios)
{
    VesselConfig cfg;
    char *path;
    Machine *m = make_pc(&cfg, 128ull << 20, 64 << 10, &path);
    /* RAM below 640K and above 1M is writable. */
    ck_assert_int_eq(address_space_st(&m->system_as, 0x9fffc, 0x11223344, 4), MEMTX_OK);
    ck_assert_uint_eq(address_space_ld(&m->system_as, 0x9fffc, 4, NULL), 0x11223344);
    address_space_st(&m->system_as, 0x100000, 0xab, 1);
    ck_assert_uint_eq(rd8(m, 0x100000), 0xab);
    /* No VGA: the window reads all ones and drops writes. */
    address_space_st(&m->system_as, 0xa0000, 0x12, 1);
    ck_assert_uint_eq(rd8(m, 0xa0000), 0xff);
    ck_assert_uint_eq(rd8(m, 0xbffff), 0xff);
    /* The whole 64K image at 4G-64K and aliased to end at 0xFFFFF. */
    for (uint64_t off = 0; off < (64 << 10); off += 0x1001) {
        ck_assert_uint_eq(rd8(m, 0x100000000ull - (64 << 10) + off), expected_bios_byte(off));
        ck_assert_uint_eq(rd8(m, 0xf0000 + off), expected_bios_byte(off));
    }
    ck_assert_uint_eq(rd8(m, 0xffff0), expected_bios_byte(0xfff0));
    /* ROM: writes are dropped. */
    address_space_st(&m->system_as, 0xffff0, (uint8_t)~expected_bios_byte(0xfff0), 1);
    ck_assert_uint_eq(rd8(m, 0xffff0), expected_bios_byte(0xfff0));
    /* Below the alias (0xE0000-0xEFFFF) is RAM for a 64K image. */
    address_space_st(&m->system_as, 0xe0000, 0x5a, 1);
    ck_assert_uint_eq(rd8(m, 0xe0000), 0x5a);
    /* The PCI hole is unassigned. */
    ck_assert_uint_eq(address_space_ld(&m->system_as, 0xd0000000, 4, NULL), 0xffffffff);
    pc_machine_free(m);
    unlink(path);
    g_free(path);
}
END_TEST

START_TEST(test_256k_bios_alias_is_last_128k)
{
    VesselConfig cfg;
    char *path;
    uint64_t size = 256 << 10;
    Machine *m = make_pc(&cfg, 64ull << 20, size, &path);
    ck_assert_uint_eq(rd8(m, 0xe0000), expected_bios_byte(size - (128 << 10)));
    ck_assert_uint_eq(rd8(m, 0xfffff), expected_bios_byte(size - 1));
    ck_assert_uint_eq(rd8(m, 0xfffc0000), expected_bios_byte(0));
    ck_assert_uint_eq(rd8(m, 0xffffffff), expected_bios_byte(size - 1));
    pc_machine_free(m);
    unlink(path);
    g_free(path);
}
END_TEST

START_TEST(test_ram_above_4g)
{
    uint64_t below, above;
    pc_ram_split(4ull << 30, &below, &above);
    ck_assert_uint_eq(below, 3ull << 30);
    ck_assert_uint_eq(above, 1ull << 30);
    pc_ram_split(512ull << 20, &below, &above);
    ck_assert_uint_eq(below, 512ull << 20);
    ck_assert_uint_eq(above, 0);

    VesselConfig cfg;
    char *path;
    Machine *m = make_pc(&cfg, 4ull << 30, 64 << 10, &path);
    address_space_st(&m->system_as, 0x100000000ull, 0x77, 1);
    ck_assert_uint_eq(rd8(m, 0x100000000ull), 0x77);
    address_space_st(&m->system_as, 0x13ffffff8ull, 0x0123456789abcdefull, 8);
    ck_assert_uint_eq(address_space_ld(&m->system_as, 0x13ffffff8ull, 8, NULL), 0x0123456789abcdefull);
    ck_assert_uint_eq(rd8(m, 0x140000000ull), 0xff);  /* past the end of RAM */
    ck_assert_uint_eq(rd8(m, 0xc0000000ull), 0xff);   /* the PCI hole */
    pc_machine_free(m);
    unlink(path);
    g_free(path);
}
END_TEST

START_TEST(test_bios_size_rule)
{
    ck_assert(pc_bios_size_ok(64 << 10));
    ck_assert(pc_bios_size_ok(256 << 10));
    ck_assert(pc_bios_size_ok(16 << 20));
    ck_assert(!pc_bios_size_ok(32 << 10));
    ck_assert(!pc_bios_size_ok(96 << 10));
    ck_assert(!pc_bios_size_ok(32 << 20));
    ck_assert(!pc_bios_size_ok(0));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("pc");
    TCase *tc = tcase_create("memory-map");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_low_layout_64k_bios);
    tcase_add_test(tc, test_256k_bios_alias_is_last_128k);
    tcase_add_test(tc, test_ram_above_4g);
    tcase_add_test(tc, test_bios_size_rule);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
