/*
 * Unit tests for the command-line parser: QEMU spellings, sizes, errors.
 */
#include <check.h>
#include <glib.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/log.h"
#include "unit-test.h"

static bool parse(VesselConfig *cfg, char **err, const char *first, ...)
{
    char *argv[32] = { "vessel" };
    int argc = 1;
    va_list ap;
    va_start(ap, first);
    for (const char *a = first; a && argc < 31; a = va_arg(ap, const char *))
        argv[argc++] = (char *)a;
    va_end(ap);
    bool exit_now;
    *err = NULL;
    return config_parse(cfg, argc, argv, err, &exit_now);
}

START_TEST(test_sizes)
{
    uint64_t b;
    ck_assert(parse_size_mb("128", &b) && b == 128ull << 20);
    ck_assert(parse_size_mb("128M", &b) && b == 128ull << 20);
    ck_assert(parse_size_mb("2G", &b) && b == 2ull << 30);
    ck_assert(parse_size_mb("1.5G", &b) && b == 3ull << 29);
    ck_assert(parse_size_mb("512k", &b) && b == 512ull << 10);
    ck_assert(parse_size_mb("4GiB", &b) && b == 4ull << 30);
    ck_assert(!parse_size_mb("", &b));
    ck_assert(!parse_size_mb("G", &b));
    ck_assert(!parse_size_mb("12Q", &b));
    ck_assert(!parse_size_mb("-1", &b));
    ck_assert(!parse_size_mb("99999999999999999999T", &b));
}
END_TEST

START_TEST(test_uint)
{
    uint64_t v;
    ck_assert(parse_uint("0x501", &v) && v == 0x501);
    ck_assert(parse_uint("10", &v) && v == 10);
    ck_assert(!parse_uint("0x", &v));
    ck_assert(!parse_uint("-3", &v));
    ck_assert(!parse_uint("3z", &v));
}
END_TEST

START_TEST(test_defaults_and_flags)
{
    VesselConfig cfg;
    char *err;
    ck_assert(parse(&cfg, &err, NULL));
    ck_assert_uint_eq(cfg.ram_size, 128ull << 20);
    ck_assert_int_eq(cfg.smp, 1);
    ck_assert_int_eq(cfg.icount_shift, -1);
    ck_assert(parse(&cfg, &err, "-m", "1G", "-smp", "4", "-bios", "x.rom", "-nographic", "-no-reboot",
                    "-serial", "file:out.txt", "-serial", "none", "-accel", "interp", "-s", "-S",
                    "-device", "isa-debug-exit,iobase=0xf4,iosize=4", NULL));
    ck_assert_uint_eq(cfg.ram_size, 1ull << 30);
    ck_assert_int_eq(cfg.smp, 4);
    ck_assert_str_eq(cfg.bios, "x.rom");
    ck_assert(cfg.nographic && cfg.no_reboot && cfg.start_stopped);
    ck_assert_int_eq(cfg.nr_serial, 2);
    ck_assert_str_eq(cfg.serial[0], "file:out.txt");
    ck_assert_str_eq(cfg.accel, "interp");
    ck_assert_str_eq(cfg.gdb, "tcp::1234");
    ck_assert_int_eq(cfg.nr_devices, 1);
    ck_assert_str_eq(cfg.devices[0].driver, "isa-debug-exit");
    ck_assert_str_eq(cfg.devices[0].options, "iobase=0xf4,iosize=4");
    config_free(&cfg);
}
END_TEST

static void expect_error(const char *needle, const char *a, const char *b)
{
    VesselConfig cfg;
    char *err;
    ck_assert(!parse(&cfg, &err, a, b, NULL));
    ck_assert_ptr_nonnull(err);
    ck_assert_msg(strstr(err, needle), "error '%s' lacks '%s'", err, needle);
    ck_assert(!strchr(err, '\n'));
    g_free(err);
    config_free(&cfg);
}

START_TEST(test_errors)
{
    expect_error("unknown option", "--frob", NULL);
    expect_error("requires an argument", "-bios", NULL);
    expect_error("invalid size", "-m", "x");
    expect_error("too small", "-m", "1k");
    expect_error("out of range", "-smp", "9");
    expect_error("unknown device", "-device", "ne2k");
    expect_error("unknown log item", "-d", "int,bogus");
    expect_error("not supported", "-display", "sdl");
    expect_error("requires -kernel", "-append", "quiet");
    expect_error("unexpected argument", "image.iso", NULL);
}
END_TEST

START_TEST(test_log_items)
{
    VesselConfig cfg;
    char *err;
    ck_assert(parse(&cfg, &err, "-d", "int,unimp", NULL));
    ck_assert(log_enabled(LOG_INT) && log_enabled(LOG_UNIMP) && !log_enabled(LOG_CPU));
    vessel_log_mask = 0;
}
END_TEST

int main(void)
{
    return unit_run_tcase("config", "parse", NULL, NULL, UNIT_TESTS(
        test_sizes, test_uint, test_defaults_and_flags, test_errors, test_log_items));
}
