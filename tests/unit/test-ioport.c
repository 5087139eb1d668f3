/*
 * Unit tests for the I/O-port space: the same AddressSpace machinery as
 * memory, on a 64 KiB container. Byte-only devices receive wider port
 * accesses as byte accesses, unassigned ports float high, and accesses
 * running past port 0xffff are defined.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "softmmu/memory.h"

typedef struct PortLog {
    uint64_t addr;
    uint64_t val;
    unsigned size;
    bool write;
} PortLog;

typedef struct PortDev {
    uint8_t regs[16];
    PortLog log[16];
    unsigned nlog;
} PortDev;

static void dev_record(PortDev *d, uint64_t addr, uint64_t val, unsigned size, bool write)
{
    if (d->nlog < 16)
        d->log[d->nlog++] = (PortLog){ addr, val, size, write };
}

static uint64_t dev_read(void *opaque, uint64_t addr, unsigned size)
{
    PortDev *d = opaque;
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)d->regs[(addr + i) % 16] << (8 * i);
    dev_record(d, addr, v, size, false);
    return v;
}

static void dev_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    PortDev *d = opaque;
    for (unsigned i = 0; i < size; i++)
        d->regs[(addr + i) % 16] = (uint8_t)(val >> (8 * i));
    dev_record(d, addr, val, size, true);
}

static const MemoryRegionOps byte_ops = {
    .read = dev_read,
    .write = dev_write,
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

static MemoryRegion io_root;
static AddressSpace io_as;

static void setup(void)
{
    memory_region_init_container(&io_root, "io", 0x10000);
    address_space_init(&io_as, &io_root, "I/O");
}

static void teardown(void)
{
    address_space_destroy(&io_as);
    memory_region_destroy(&io_root);
}

START_TEST(test_byte_device_gets_split_word)
{
    static PortDev uart;
    MemoryRegion mr;
    memset(&uart, 0, sizeof(uart));
    memory_region_init_io(&mr, "serial", &byte_ops, &uart, 8);
    memory_region_add_subregion(&io_root, 0x3f8, &mr);

    ck_assert_int_eq(address_space_st(&io_as, 0x3f8, 0x4241, 2), MEMTX_OK);
    ck_assert_uint_eq(uart.nlog, 2);
    ck_assert(uart.log[0].write && uart.log[0].addr == 0 && uart.log[0].size == 1);
    ck_assert_uint_eq(uart.log[0].val, 0x41);
    ck_assert(uart.log[1].write && uart.log[1].addr == 1 && uart.log[1].size == 1);
    ck_assert_uint_eq(uart.log[1].val, 0x42);

    uart.nlog = 0;
    uart.regs[4] = 0x60;
    uart.regs[5] = 0x7f;
    MemTxResult r;
    ck_assert_uint_eq(address_space_ld(&io_as, 0x3fc, 2, &r), 0x7f60);
    ck_assert_int_eq(r, MEMTX_OK);
    ck_assert_uint_eq(uart.nlog, 2);
    ck_assert(!uart.log[0].write && uart.log[0].addr == 4 && uart.log[0].size == 1);
    ck_assert(!uart.log[1].write && uart.log[1].addr == 5 && uart.log[1].size == 1);

    /* default valid rules: unaligned accesses are refused, not split */
    uart.nlog = 0;
    ck_assert_uint_eq(address_space_ld(&io_as, 0x3fd, 2, &r), 0xffff);
    ck_assert_int_eq(r, MEMTX_ERROR);
    ck_assert_uint_eq(uart.nlog, 0);

    memory_region_del_subregion(&io_root, &mr);
    memory_region_destroy(&mr);
}
END_TEST

START_TEST(test_unassigned_ports_float_high)
{
    MemTxResult r;
    ck_assert_uint_eq(address_space_ld(&io_as, 0x80, 1, &r), 0xff);
    ck_assert_int_eq(r, MEMTX_UNASSIGNED);
    ck_assert_uint_eq(address_space_ld(&io_as, 0x80, 2, &r), 0xffff);
    ck_assert_uint_eq(address_space_ld(&io_as, 0x80, 4, &r), 0xffffffffu);
    ck_assert_int_eq(r, MEMTX_UNASSIGNED);
    ck_assert_int_eq(address_space_st(&io_as, 0x80, 0x12, 1), MEMTX_UNASSIGNED);
}
END_TEST

START_TEST(test_access_running_past_port_space)
{
    MemTxResult r;
    /* nothing mapped: all ones, also for the two bytes beyond 0xffff */
    ck_assert_uint_eq(address_space_ld(&io_as, 0xfffe, 4, &r), 0xffffffffu);
    ck_assert_int_eq(r, MEMTX_UNASSIGNED);
    ck_assert_ptr_null(address_space_lookup(&io_as, 0x10000));

    static PortDev top;
    MemoryRegion mr;
    memset(&top, 0, sizeof(top));
    top.regs[14] = 0x11;
    top.regs[15] = 0x22;
    memory_region_init_io(&mr, "top", &byte_ops, &top, 0x10);
    memory_region_add_subregion(&io_root, 0xfff0, &mr);
    ck_assert_uint_eq(address_space_ld(&io_as, 0xfffe, 4, &r), 0xffff2211u);
    ck_assert_int_eq(r, MEMTX_UNASSIGNED);
    ck_assert_uint_eq(top.nlog, 2);

    top.nlog = 0;
    ck_assert_int_eq(address_space_st(&io_as, 0xfffe, 0xaabbccdd, 4), MEMTX_UNASSIGNED);
    ck_assert_uint_eq(top.nlog, 2);
    ck_assert_uint_eq(top.regs[14], 0xdd);
    ck_assert_uint_eq(top.regs[15], 0xcc);
    ck_assert_uint_eq(top.regs[0], 0); /* nothing wrapped around to 0xfff0 */

    memory_region_del_subregion(&io_root, &mr);
    memory_region_destroy(&mr);
}
END_TEST

START_TEST(test_port_device_replaced_by_priority)
{
    static PortDev a, b;
    MemoryRegion ma, mb;
    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    a.regs[0] = 0xaa;
    b.regs[0] = 0xbb;
    memory_region_init_io(&ma, "a", &byte_ops, &a, 8);
    memory_region_init_io(&mb, "b", &byte_ops, &b, 8);
    memory_region_add_subregion(&io_root, 0x60, &ma);
    memory_region_add_subregion_overlap(&io_root, 0x60, &mb, 1);
    ck_assert_uint_eq(address_space_ld(&io_as, 0x60, 1, NULL), 0xbb);
    memory_region_set_enabled(&mb, false);
    ck_assert_uint_eq(address_space_ld(&io_as, 0x60, 1, NULL), 0xaa);
    memory_region_del_subregion(&io_root, &ma);
    ck_assert_uint_eq(address_space_ld(&io_as, 0x60, 1, NULL), 0xff);
    memory_region_del_subregion(&io_root, &mb);
}
END_TEST

static Suite *ioport_suite(void)
{
    Suite *s = suite_create("ioport");
    TCase *tc = tcase_create("ports");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_byte_device_gets_split_word);
    tcase_add_test(tc, test_unassigned_ports_float_high);
    tcase_add_test(tc, test_access_running_past_port_space);
    tcase_add_test(tc, test_port_device_replaced_by_priority);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(ioport_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
