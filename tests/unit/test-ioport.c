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
#include "unit-test.h"
#include "unit-io.h"

static const MemoryRegionOps byte_ops = {
    .read = unit_dev_read,
    .write = unit_dev_write,
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

static UnitIo pio;

static void setup(void)
{
    unit_io_init(&pio, "I/O");
}

static void teardown(void)
{
    unit_io_destroy(&pio);
}

START_TEST(test_byte_device_gets_split_word)
{
    static UnitDev uart;
    MemoryRegion mr;
    uart = (UnitDev){ .span = 16 };
    memory_region_init_io(&mr, "serial", &byte_ops, &uart, 8);
    memory_region_add_subregion(&pio.root, 0x3f8, &mr);

    ck_assert_int_eq(address_space_st(&pio.as, 0x3f8, 0x4241, 2), MEMTX_OK);
    ck_assert_uint_eq(uart.nlog, 2);
    ck_assert(uart.log[0].write && uart.log[0].addr == 0 && uart.log[0].size == 1);
    ck_assert_uint_eq(uart.log[0].val, 0x41);
    ck_assert(uart.log[1].write && uart.log[1].addr == 1 && uart.log[1].size == 1);
    ck_assert_uint_eq(uart.log[1].val, 0x42);

    uart.nlog = 0;
    uart.regs[4] = 0x60;
    uart.regs[5] = 0x7f;
    MemTxResult r;
    ck_assert_uint_eq(address_space_ld(&pio.as, 0x3fc, 2, &r), 0x7f60);
    ck_assert_int_eq(r, MEMTX_OK);
    ck_assert_uint_eq(uart.nlog, 2);
    ck_assert(!uart.log[0].write && uart.log[0].addr == 4 && uart.log[0].size == 1);
    ck_assert(!uart.log[1].write && uart.log[1].addr == 5 && uart.log[1].size == 1);

    /* default valid rules: unaligned accesses are refused, not split */
    uart.nlog = 0;
    ck_assert_uint_eq(address_space_ld(&pio.as, 0x3fd, 2, &r), 0xffff);
    ck_assert_int_eq(r, MEMTX_ERROR);
    ck_assert_uint_eq(uart.nlog, 0);

    memory_region_del_subregion(&pio.root, &mr);
    memory_region_destroy(&mr);
}
END_TEST

START_TEST(test_unassigned_ports_float_high)
{
    MemTxResult r;
    ck_assert_uint_eq(address_space_ld(&pio.as, 0x80, 1, &r), 0xff);
    ck_assert_int_eq(r, MEMTX_UNASSIGNED);
    ck_assert_uint_eq(address_space_ld(&pio.as, 0x80, 2, &r), 0xffff);
    ck_assert_uint_eq(address_space_ld(&pio.as, 0x80, 4, &r), 0xffffffffu);
    ck_assert_int_eq(r, MEMTX_UNASSIGNED);
    ck_assert_int_eq(address_space_st(&pio.as, 0x80, 0x12, 1), MEMTX_UNASSIGNED);
}
END_TEST

START_TEST(test_access_running_past_port_space)
{
    MemTxResult r;
    /* nothing mapped: all ones, also for the two bytes beyond 0xffff */
    ck_assert_uint_eq(address_space_ld(&pio.as, 0xfffe, 4, &r), 0xffffffffu);
    ck_assert_int_eq(r, MEMTX_UNASSIGNED);
    ck_assert_ptr_null(address_space_lookup(&pio.as, 0x10000));

    static UnitDev top;
    MemoryRegion mr;
    top = (UnitDev){ .span = 16 };
    top.regs[14] = 0x11;
    top.regs[15] = 0x22;
    memory_region_init_io(&mr, "top", &byte_ops, &top, 0x10);
    memory_region_add_subregion(&pio.root, 0xfff0, &mr);
    ck_assert_uint_eq(address_space_ld(&pio.as, 0xfffe, 4, &r), 0xffff2211u);
    ck_assert_int_eq(r, MEMTX_UNASSIGNED);
    ck_assert_uint_eq(top.nlog, 2);

    top.nlog = 0;
    ck_assert_int_eq(address_space_st(&pio.as, 0xfffe, 0xaabbccdd, 4), MEMTX_UNASSIGNED);
    ck_assert_uint_eq(top.nlog, 2);
    ck_assert_uint_eq(top.regs[14], 0xdd);
    ck_assert_uint_eq(top.regs[15], 0xcc);
    ck_assert_uint_eq(top.regs[0], 0); /* nothing wrapped around to 0xfff0 */

    memory_region_del_subregion(&pio.root, &mr);
    memory_region_destroy(&mr);
}
END_TEST

START_TEST(test_port_device_replaced_by_priority)
{
    static UnitDev a, b;
    MemoryRegion ma, mb;
    a = (UnitDev){ .span = 16 };
    b = (UnitDev){ .span = 16 };
    a.regs[0] = 0xaa;
    b.regs[0] = 0xbb;
    memory_region_init_io(&ma, "a", &byte_ops, &a, 8);
    memory_region_init_io(&mb, "b", &byte_ops, &b, 8);
    memory_region_add_subregion(&pio.root, 0x60, &ma);
    memory_region_add_subregion_overlap(&pio.root, 0x60, &mb, 1);
    ck_assert_uint_eq(address_space_ld(&pio.as, 0x60, 1, NULL), 0xbb);
    memory_region_set_enabled(&mb, false);
    ck_assert_uint_eq(address_space_ld(&pio.as, 0x60, 1, NULL), 0xaa);
    memory_region_del_subregion(&pio.root, &ma);
    ck_assert_uint_eq(address_space_ld(&pio.as, 0x60, 1, NULL), 0xff);
    memory_region_del_subregion(&pio.root, &mb);
}
END_TEST

int main(void)
{
    return unit_run_tcase("ioport", "ports", setup, teardown, UNIT_TESTS(
        test_byte_device_gets_split_word, test_unassigned_ports_float_high,
        test_access_running_past_port_space, test_port_device_replaced_by_priority));
}
