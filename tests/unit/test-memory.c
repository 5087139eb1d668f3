/*
 * Unit tests for the memory core: region tree flattening (priority,
 * aliases, nesting, enable/disable), listeners, and accesses through an
 * address space (RAM, ROM, MMIO access-size rules, unassigned space,
 * region-crossing and 2^64-crossing accesses, map_ram).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "softmmu/memory.h"
#include "unit-io.h"
#include "unit-test.h"

/* ---- a recording test device ---- */

static const MemoryRegionOps byte_ops = {
    .read = unit_dev_read, .write = unit_dev_write,
    .valid = { .max_access_size = 8, .unaligned = true },
    .impl = { .max_access_size = 1 },
};

static const MemoryRegionOps dword_only_ops = {
    .read = unit_dev_read, .write = unit_dev_write,
    .valid = { .min_access_size = 4, .max_access_size = 4 },
    .impl = { .min_access_size = 4, .max_access_size = 4 },
};

static const MemoryRegionOps widen_ops = {
    .read = unit_dev_read, .write = unit_dev_write,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 4, .max_access_size = 4 },
};

static const MemoryRegionOps default_ops = { .read = unit_dev_read, .write = unit_dev_write };
static const MemoryRegionOps write_only_ops = { .write = unit_dev_write };

/* ---- fixture: a full 2^64 root container and its address space ---- */

static MemoryRegion root;
static AddressSpace as;

static void setup(void)
{
    memory_region_init_container(&root, "system", 0);
    address_space_init(&as, &root, "memory");
}

static void teardown(void)
{
    address_space_destroy(&as);
    memory_region_destroy(&root);
}

static uint64_t flat_last(const FlatRange *fr)
{
    return fr->start + (fr->size - 1);
}

static MemoryRegion *mr_at(uint64_t addr)
{
    const FlatRange *fr = address_space_lookup(&as, addr);
    return fr ? fr->mr : NULL;
}

/* ---- flattening ---- */

START_TEST(test_priority_overlap)
{
    MemoryRegion a, b, c, d;
    ck_assert(memory_region_init_ram(&a, "a", 0x10000));
    ck_assert(memory_region_init_ram(&b, "b", 0x1000));
    ck_assert(memory_region_init_ram(&c, "c", 0x1000));
    ck_assert(memory_region_init_ram(&d, "d", 0x100));
    memory_region_add_subregion(&root, 0, &a);
    memory_region_add_subregion_overlap(&root, 0x2000, &b, 1);
    ck_assert_ptr_eq(mr_at(0x1fff), &a);
    ck_assert_ptr_eq(mr_at(0x2000), &b);
    ck_assert_ptr_eq(mr_at(0x2fff), &b);
    ck_assert_ptr_eq(mr_at(0x3000), &a);
    /* equal priority: the later-added one wins */
    memory_region_add_subregion_overlap(&root, 0x2800, &c, 1);
    ck_assert_ptr_eq(mr_at(0x27ff), &b);
    ck_assert_ptr_eq(mr_at(0x2800), &c);
    ck_assert_ptr_eq(mr_at(0x37ff), &c);
    ck_assert_ptr_eq(mr_at(0x3800), &a);
    /* lower priority added later stays hidden */
    memory_region_add_subregion_overlap(&root, 0, &d, -1);
    ck_assert_ptr_eq(mr_at(0x10), &a);
    ck_assert_ptr_null(mr_at(0x10000));
    /* offsets inside the winners are right */
    const FlatRange *fr = address_space_lookup(&as, 0x2900);
    ck_assert_uint_eq(fr->offset_in_region + (0x2900 - fr->start), 0x100);
    fr = address_space_lookup(&as, 0x3900);
    ck_assert_uint_eq(fr->offset_in_region + (0x3900 - fr->start), 0x3900);
    /* stores land in the visible region */
    address_space_st(&as, 0x2900, 0x5a, 1);
    ck_assert_uint_eq(c.ram[0x100], 0x5a);
    ck_assert_uint_eq(a.ram[0x2900], 0);
    /* a, then b, c, a again: 4 ranges (d fully hidden) */
    ck_assert_uint_eq(as.view->nr, 4);

    memory_region_destroy(&d);
    memory_region_destroy(&c);
    memory_region_destroy(&b);
    memory_region_destroy(&a);
    ck_assert_uint_eq(as.view->nr, 0);
}
END_TEST

START_TEST(test_nested_container_clips)
{
    MemoryRegion box, ram, inner;
    memory_region_init_container(&box, "box", 0x1000);
    memory_region_init_container(&inner, "inner", 0);
    ck_assert(memory_region_init_ram(&ram, "ram", 0x2000));
    memory_region_add_subregion(&box, 0x800, &inner);
    memory_region_add_subregion(&inner, 0, &ram);
    memory_region_add_subregion(&root, 0x10000, &box);
    ck_assert_ptr_null(mr_at(0x107ff));
    ck_assert_ptr_eq(mr_at(0x10800), &ram);
    ck_assert_ptr_eq(mr_at(0x10fff), &ram);
    ck_assert_ptr_null(mr_at(0x11000));
    ck_assert_uint_eq(as.view->nr, 1);
    ck_assert_uint_eq(as.view->ranges[0].size, 0x800);

    memory_region_destroy(&box);
    memory_region_destroy(&inner);
    memory_region_destroy(&ram);
}
END_TEST

START_TEST(test_bios_alias_over_ram)
{
    MemoryRegion ram, bios, isa_bios;
    ck_assert(memory_region_init_ram(&ram, "pc.ram", 0x100000));
    ck_assert(memory_region_init_rom(&bios, "pc.bios", 0x20000));
    memory_region_init_alias(&isa_bios, "isa-bios", &bios, 0, 0x20000);
    memory_region_add_subregion(&root, 0, &ram);
    memory_region_add_subregion(&root, 0xfffe0000, &bios);
    memory_region_add_subregion_overlap(&root, 0xe0000, &isa_bios, 1);

    const uint8_t sig[4] = { 0xea, 0x5b, 0xe0, 0x00 };
    ck_assert_int_eq(address_space_write_rom(&as, 0xfffffff0, sig, 4), MEMTX_OK);
    ck_assert_uint_eq(address_space_ld(&as, 0xffff0, 4, NULL), 0x00e05bea);
    ck_assert_ptr_eq(mr_at(0xdffff), &ram);
    ck_assert_ptr_eq(mr_at(0xe0000), &bios);
    ck_assert_ptr_eq(mr_at(0xfffff), &bios);
    /* guest writes through the alias hit ROM: dropped, RAM untouched */
    ck_assert_int_eq(address_space_st(&as, 0xffff0, 0x11223344, 4), MEMTX_OK);
    ck_assert_uint_eq(address_space_ld(&as, 0xffff0, 4, NULL), 0x00e05bea);
    ck_assert_uint_eq(ram.ram[0xffff0], 0);
    /* disabling the alias uncovers the RAM below */
    memory_region_set_enabled(&isa_bios, false);
    ck_assert_ptr_eq(mr_at(0xffff0), &ram);
    ck_assert_int_eq(address_space_st(&as, 0xffff0, 0x11223344, 4), MEMTX_OK);
    ck_assert_uint_eq(address_space_ld(&as, 0xffff0, 4, NULL), 0x11223344);
    /* destroying the ROM also removes it where only the alias shows it */
    memory_region_set_enabled(&isa_bios, true);
    ck_assert_ptr_eq(mr_at(0xe0000), &bios);
    memory_region_destroy(&bios);
    ck_assert_ptr_null(mr_at(0xfffe0000));
    ck_assert_ptr_eq(mr_at(0xe0000), &ram);

    memory_region_destroy(&isa_bios);
    memory_region_destroy(&ram);
}
END_TEST

START_TEST(test_alias_of_container)
{
    static UnitDev dev;
    MemoryRegion box, ram, io, late, win;
    memset(&dev, 0, sizeof(dev));
    memory_region_init_container(&box, "box", 0x1000);
    ck_assert(memory_region_init_ram(&ram, "ram", 0x100));
    memory_region_init_io(&io, "io", &byte_ops, &dev, 0x10);
    memory_region_add_subregion(&box, 0, &ram);
    memory_region_add_subregion(&box, 0x100, &io);
    memory_region_init_alias(&win, "win", &box, 0x80, 0x200);
    memory_region_add_subregion(&root, 0x10000, &win);

    ck_assert_ptr_eq(mr_at(0x10000), &ram);
    ck_assert_uint_eq(address_space_lookup(&as, 0x10000)->offset_in_region, 0x80);
    ck_assert_ptr_eq(mr_at(0x10080), &io);
    ck_assert_ptr_null(mr_at(0x10090));
    ck_assert_ptr_null(mr_at(0x10200));
    address_space_st(&as, 0x10082, 0x77, 1);
    ck_assert_uint_eq(dev.regs[2], 0x77);

    /* a region added to the alias target later shows through the alias */
    ck_assert(memory_region_init_ram(&late, "late", 0x10));
    unsigned gen = as.generation;
    memory_region_add_subregion(&box, 0x180, &late);
    ck_assert_uint_gt(as.generation, gen);
    ck_assert_ptr_eq(mr_at(0x10100), &late);

    /* moving the window */
    memory_region_set_alias_offset(&win, 0);
    ck_assert_ptr_eq(mr_at(0x10100), &io);
    ck_assert_uint_eq(address_space_lookup(&as, 0x10000)->offset_in_region, 0);

    ck_assert_ptr_eq(mr_at(0x10180), &late);
    memory_region_destroy(&late);
    ck_assert_ptr_null(mr_at(0x10180));
    memory_region_destroy(&win);
    memory_region_destroy(&box);
    memory_region_destroy(&io);
    memory_region_destroy(&ram);
}
END_TEST

START_TEST(test_alias_cycle_terminates)
{
    MemoryRegion box, loop1, loop2, ram;
    memory_region_init_container(&box, "box", 0x1000);
    memory_region_init_alias(&loop1, "loop1", &box, 0, 0x1000);
    memory_region_init_alias(&loop2, "loop2", &box, 0, 0x1000);
    ck_assert(memory_region_init_ram(&ram, "ram", 0x10));
    memory_region_add_subregion(&box, 0, &loop1);
    memory_region_add_subregion(&box, 0x100, &loop2);
    memory_region_add_subregion(&box, 0x20, &ram);
    memory_region_add_subregion(&root, 0, &box);
    ck_assert_ptr_eq(mr_at(0x20), &ram);
    memory_region_destroy(&box);
    memory_region_destroy(&loop1);
    memory_region_destroy(&loop2);
    memory_region_destroy(&ram);
}
END_TEST

START_TEST(test_disable_and_delete_reflatten)
{
    MemoryRegion low, high;
    ck_assert(memory_region_init_ram(&low, "low", 0x1000));
    ck_assert(memory_region_init_ram(&high, "high", 0x1000));
    memory_region_add_subregion(&root, 0, &low);
    memory_region_add_subregion_overlap(&root, 0, &high, 2);
    ck_assert_ptr_eq(mr_at(0), &high);
    unsigned gen = as.generation;
    memory_region_set_enabled(&high, false);
    ck_assert_uint_eq(as.generation, gen + 1);
    ck_assert_ptr_eq(mr_at(0), &low);
    memory_region_set_enabled(&high, false); /* no change, no re-flatten */
    ck_assert_uint_eq(as.generation, gen + 1);
    memory_region_set_enabled(&high, true);
    ck_assert_ptr_eq(mr_at(0), &high);
    memory_region_set_address(&high, 0x800);
    ck_assert_ptr_eq(mr_at(0x7ff), &low);
    ck_assert_ptr_eq(mr_at(0x800), &high);
    ck_assert_ptr_eq(mr_at(0x17ff), &high);
    memory_region_del_subregion(&root, &high);
    ck_assert_ptr_eq(mr_at(0x800), &low);
    ck_assert_ptr_null(mr_at(0x1000));
    ck_assert_ptr_null(high.parent);
    memory_region_del_subregion(&root, &low);
    ck_assert_ptr_null(mr_at(0));
    memory_region_destroy(&low);
    memory_region_destroy(&high);
}
END_TEST

static int commits;
static unsigned last_nr;

static void on_commit(void *opaque, AddressSpace *a, const FlatView *view)
{
    ck_assert_ptr_eq(opaque, &commits);
    ck_assert_ptr_eq(a, &as);
    ck_assert_ptr_eq(view, a->view);
    commits++;
    last_nr = view->nr;
}

START_TEST(test_listener_commit)
{
    MemoryListener l = { .commit = on_commit, .opaque = &commits };
    MemoryRegion ram, detached, child;
    commits = 0;
    address_space_add_listener(&as, &l);
    ck_assert_int_eq(commits, 1); /* the current view right away */
    ck_assert(memory_region_init_ram(&ram, "ram", 0x1000));
    memory_region_add_subregion(&root, 0, &ram);
    ck_assert_int_eq(commits, 2);
    ck_assert_uint_eq(last_nr, 1);
    /* changes outside the address space do not commit */
    memory_region_init_container(&detached, "detached", 0x1000);
    ck_assert(memory_region_init_ram(&child, "child", 0x10));
    memory_region_add_subregion(&detached, 0, &child);
    ck_assert_int_eq(commits, 2);
    address_space_remove_listener(&as, &l);
    memory_region_del_subregion(&root, &ram);
    ck_assert_int_eq(commits, 2);
    memory_region_destroy(&detached);
    memory_region_destroy(&child);
    memory_region_destroy(&ram);
}
END_TEST

START_TEST(test_transaction_batches_reflatten)
{
    MemoryListener l = { .commit = on_commit, .opaque = &commits };
    MemoryRegion a, b, c;
    commits = 0;
    address_space_add_listener(&as, &l);
    ck_assert(memory_region_init_ram(&a, "a", 0x1000));
    ck_assert(memory_region_init_ram(&b, "b", 0x1000));
    ck_assert(memory_region_init_ram(&c, "c", 0x1000));
    unsigned gen = as.generation;
    memory_region_transaction_begin();
    memory_region_add_subregion(&root, 0, &a);
    memory_region_transaction_begin(); /* nested */
    memory_region_add_subregion(&root, 0x1000, &b);
    memory_region_transaction_commit();
    memory_region_add_subregion(&root, 0x2000, &c);
    ck_assert_ptr_null(mr_at(0)); /* old view until the outermost commit */
    ck_assert_uint_eq(as.generation, gen);
    memory_region_transaction_commit();
    ck_assert_uint_eq(as.generation, gen + 1);
    ck_assert_int_eq(commits, 2);
    ck_assert_uint_eq(last_nr, 3);
    ck_assert_ptr_eq(mr_at(0x2000), &c);
    memory_region_transaction_commit(); /* unbalanced: ignored */
    ck_assert_uint_eq(as.generation, gen + 1);
    address_space_remove_listener(&as, &l);
    memory_region_destroy(&a);
    memory_region_destroy(&b);
    memory_region_destroy(&c);
}
END_TEST

START_TEST(test_two_address_spaces_share_region)
{
    MemoryRegion root2, ram;
    AddressSpace as2;
    memory_region_init_container(&root2, "root2", 0x10000);
    address_space_init(&as2, &root2, "second");
    ck_assert_ptr_eq(root2.owner_as, &as2);
    ck_assert(memory_region_init_ram(&ram, "ram", 0x100));
    /* an alias in each space onto the same RAM */
    MemoryRegion a1, a2;
    memory_region_init_alias(&a1, "a1", &ram, 0, 0x100);
    memory_region_init_alias(&a2, "a2", &ram, 0, 0x100);
    memory_region_add_subregion(&root, 0x1000, &a1);
    memory_region_add_subregion(&root2, 0x2000, &a2);
    address_space_st(&as, 0x1004, 0xcafe, 2);
    ck_assert_uint_eq(address_space_ld(&as2, 0x2004, 2, NULL), 0xcafe);
    unsigned g1 = as.generation, g2 = as2.generation;
    memory_region_set_enabled(&ram, false); /* visible in both */
    ck_assert_uint_eq(as.generation, g1 + 1);
    ck_assert_uint_eq(as2.generation, g2 + 1);
    ck_assert_ptr_null(address_space_lookup(&as2, 0x2004));
    address_space_destroy(&as2);
    ck_assert_ptr_null(root2.owner_as);
    memory_region_destroy(&a1);
    memory_region_destroy(&a2);
    memory_region_destroy(&root2);
    memory_region_destroy(&ram);
}
END_TEST

/* ---- accesses ---- */

START_TEST(test_subpage_mmio_in_ram_page)
{
    static UnitDev dev;
    MemoryRegion ram, io;
    memset(&dev, 0, sizeof(dev));
    ck_assert(memory_region_init_ram(&ram, "ram", 0x10000));
    memory_region_init_io(&io, "sub", &byte_ops, &dev, 0x10);
    memory_region_add_subregion(&root, 0, &ram);
    memory_region_add_subregion_overlap(&root, 0x1008, &io, 1);
    ck_assert_uint_eq(as.view->nr, 3);
    ck_assert_ptr_eq(mr_at(0x1007), &ram);
    ck_assert_ptr_eq(mr_at(0x1008), &io);
    ck_assert_ptr_eq(mr_at(0x1017), &io);
    ck_assert_ptr_eq(mr_at(0x1018), &ram);

    ram.ram[0x1006] = 0x01;
    ram.ram[0x1007] = 0x02;
    ram.ram[0x1018] = 0x99;
    dev.regs[0] = 0x03;
    dev.regs[1] = 0x04;
    dev.regs[15] = 0x55;
    MemTxResult r;
    ck_assert_uint_eq(address_space_ld(&as, 0x1006, 4, &r), 0x04030201);
    ck_assert_int_eq(r, MEMTX_OK);
    ck_assert_uint_eq(address_space_ld(&as, 0x1017, 2, &r), 0x9955);
    /* a store over the device leaves the RAM below it alone */
    address_space_st(&as, 0x1008, 0x1122334455667788ull, 8);
    ck_assert_uint_eq(ram.ram[0x1008], 0);
    ck_assert_uint_eq(dev.regs[0], 0x88);
    ck_assert_uint_eq(dev.regs[7], 0x11);

    memory_region_destroy(&io);
    memory_region_destroy(&ram);
}
END_TEST

START_TEST(test_access_half_ram_half_mmio)
{
    static UnitDev dev;
    MemoryRegion ram, io;
    memset(&dev, 0, sizeof(dev));
    ck_assert(memory_region_init_ram(&ram, "ram", 0x1000));
    memory_region_init_io(&io, "mmio", &byte_ops, &dev, 0x10);
    memory_region_add_subregion(&root, 0, &ram);
    memory_region_add_subregion(&root, 0x1000, &io);
    ram.ram[0xffe] = 0xaa;
    ram.ram[0xfff] = 0xbb;
    dev.regs[0] = 0xcc;
    dev.regs[1] = 0xdd;
    MemTxResult r;
    ck_assert_uint_eq(address_space_ld(&as, 0xffe, 4, &r), 0xddccbbaa);
    ck_assert_int_eq(r, MEMTX_OK);
    dev.nlog = 0;
    ck_assert_int_eq(address_space_st(&as, 0xffe, 0x44332211, 4), MEMTX_OK);
    ck_assert_uint_eq(ram.ram[0xffe], 0x11);
    ck_assert_uint_eq(ram.ram[0xfff], 0x22);
    ck_assert_uint_eq(dev.regs[0], 0x33);
    ck_assert_uint_eq(dev.regs[1], 0x44);
    ck_assert_uint_eq(dev.nlog, 2);
    memory_region_destroy(&io);
    memory_region_destroy(&ram);
}
END_TEST

START_TEST(test_access_crossing_two_rams)
{
    MemoryRegion a, b;
    ck_assert(memory_region_init_ram(&a, "a", 0x1000));
    ck_assert(memory_region_init_ram(&b, "b", 0x1000));
    memory_region_add_subregion(&root, 0, &a);
    memory_region_add_subregion(&root, 0x1000, &b);
    ck_assert_int_eq(address_space_st(&as, 0xffd, 0x0807060504030201ull, 8), MEMTX_OK);
    ck_assert_uint_eq(a.ram[0xffd], 0x01);
    ck_assert_uint_eq(a.ram[0xfff], 0x03);
    ck_assert_uint_eq(b.ram[0], 0x04);
    ck_assert_uint_eq(b.ram[4], 0x08);
    MemTxResult r;
    ck_assert_uint_eq(address_space_ld(&as, 0xffd, 8, &r), 0x0807060504030201ull);
    ck_assert_int_eq(r, MEMTX_OK);
    ck_assert_uint_eq(address_space_ld(&as, 0xfff, 2, &r), 0x0403);
    memory_region_destroy(&a);
    memory_region_destroy(&b);
}
END_TEST

START_TEST(test_unassigned_space)
{
    MemTxResult r;
    ck_assert_uint_eq(address_space_ld(&as, 0x1234, 1, &r), 0xff);
    ck_assert_int_eq(r, MEMTX_UNASSIGNED);
    ck_assert_uint_eq(address_space_ld(&as, 0x1234, 2, &r), 0xffff);
    ck_assert_uint_eq(address_space_ld(&as, 0x1234, 4, &r), 0xffffffffu);
    ck_assert_uint_eq(address_space_ld(&as, 0x1233, 8, &r), UINT64_MAX);
    ck_assert_int_eq(r, MEMTX_UNASSIGNED);
    ck_assert_int_eq(address_space_st(&as, 0x1234, 0, 4), MEMTX_UNASSIGNED);
    ck_assert_uint_eq(address_space_ld(&as, 0x1234, 4, &r), 0xffffffffu);
    ck_assert_uint_eq(address_space_ld(&as, 0x1234, 3, &r), UINT64_MAX);
    ck_assert_int_eq(r, MEMTX_ERROR); /* not an access size */

    /* a RAM access that runs off the end into nothing */
    MemoryRegion ram;
    as.log_unassigned = true;
    ck_assert(memory_region_init_ram(&ram, "ram", 0x1000));
    memory_region_add_subregion(&root, 0, &ram);
    ram.ram[0xffe] = 0x12;
    ram.ram[0xfff] = 0x34;
    ck_assert_uint_eq(address_space_ld(&as, 0xffe, 4, &r), 0xffff3412);
    ck_assert_int_eq(r, MEMTX_UNASSIGNED);
    as.log_unassigned = false;
    memory_region_destroy(&ram);
}
END_TEST

START_TEST(test_valid_rules_reject)
{
    static UnitDev dev;
    MemoryRegion io;
    memset(&dev, 0xab, sizeof(dev.regs));
    dev.nlog = 0;
    memory_region_init_io(&io, "dw", &dword_only_ops, &dev, 0x40);
    memory_region_add_subregion(&root, 0x1000, &io);
    MemTxResult r;
    ck_assert_uint_eq(address_space_ld(&as, 0x1000, 1, &r), 0xff);
    ck_assert_int_eq(r, MEMTX_ERROR);
    ck_assert_uint_eq(address_space_ld(&as, 0x1000, 8, &r), UINT64_MAX);
    ck_assert_int_eq(r, MEMTX_ERROR);
    ck_assert_uint_eq(address_space_ld(&as, 0x1002, 4, &r), 0xffffffffu); /* unaligned */
    ck_assert_int_eq(r, MEMTX_ERROR);
    ck_assert_int_eq(address_space_st(&as, 0x1001, 1, 4), MEMTX_ERROR);
    ck_assert_uint_eq(dev.nlog, 0);
    ck_assert_uint_eq(address_space_ld(&as, 0x1004, 4, &r), 0xabababab);
    ck_assert_int_eq(r, MEMTX_OK);
    ck_assert_uint_eq(dev.nlog, 1);
    memory_region_destroy(&io);
}
END_TEST

START_TEST(test_impl_split_and_widen)
{
    static UnitDev bytes, wide;
    MemoryRegion bio, wio;
    memset(&bytes, 0, sizeof(bytes));
    memset(&wide, 0, sizeof(wide));
    memory_region_init_io(&bio, "bytes", &byte_ops, &bytes, 0x40);
    memory_region_init_io(&wio, "wide", &widen_ops, &wide, 0x40);
    memory_region_add_subregion(&root, 0x1000, &bio);
    memory_region_add_subregion(&root, 0x2000, &wio);

    /* wider than impl.max: split into byte accesses, little endian */
    for (int i = 0; i < 8; i++)
        bytes.regs[8 + i] = (uint8_t)(0x10 + i);
    ck_assert_uint_eq(address_space_ld(&as, 0x1008, 8, NULL), 0x1716151413121110ull);
    ck_assert_uint_eq(bytes.nlog, 8);
    for (unsigned i = 0; i < 8; i++) {
        ck_assert_uint_eq(bytes.log[i].addr, 8 + i);
        ck_assert_uint_eq(bytes.log[i].size, 1);
    }
    /* unaligned is valid for this device */
    bytes.nlog = 0;
    ck_assert_uint_eq(address_space_ld(&as, 0x1009, 2, NULL), 0x1211);

    /* narrower than impl.min: one aligned 4-byte access, shifted */
    wide.regs[0] = 0x11;
    wide.regs[1] = 0x22;
    wide.regs[2] = 0x33;
    wide.regs[3] = 0x44;
    ck_assert_uint_eq(address_space_ld(&as, 0x2002, 1, NULL), 0x33);
    ck_assert_uint_eq(wide.nlog, 1);
    ck_assert_uint_eq(wide.log[0].addr, 0);
    ck_assert_uint_eq(wide.log[0].size, 4);
    ck_assert_uint_eq(address_space_ld(&as, 0x2002, 2, NULL), 0x4433);
    wide.nlog = 0;
    ck_assert_int_eq(address_space_st(&as, 0x2002, 0xab, 1), MEMTX_OK);
    ck_assert_uint_eq(wide.nlog, 1);
    ck_assert_uint_eq(wide.log[0].addr, 0);
    ck_assert_uint_eq(wide.log[0].size, 4);
    ck_assert_uint_eq(wide.log[0].val, 0xab0000);

    memory_region_destroy(&bio);
    memory_region_destroy(&wio);
}
END_TEST

START_TEST(test_default_rules_and_null_callbacks)
{
    static UnitDev dev;
    MemoryRegion io, wo;
    memset(&dev, 0, sizeof(dev));
    memory_region_init_io(&io, "def", &default_ops, &dev, 0x40);
    memory_region_init_io(&wo, "wo", &write_only_ops, &dev, 0x10);
    memory_region_add_subregion(&root, 0x1000, &io);
    memory_region_add_subregion(&root, 0x2000, &wo);
    MemTxResult r;
    /* defaults: 1..4 bytes, aligned, impl 1..4 */
    ck_assert_uint_eq(address_space_ld(&as, 0x1000, 8, &r), UINT64_MAX);
    ck_assert_int_eq(r, MEMTX_ERROR);
    ck_assert_uint_eq(dev.nlog, 0);
    ck_assert_int_eq(address_space_st(&as, 0x1004, 0xdeadbeef, 4), MEMTX_OK);
    ck_assert_uint_eq(dev.nlog, 1);
    ck_assert_uint_eq(dev.log[0].size, 4);
    /* NULL read: all ones; the write callback still works */
    ck_assert_uint_eq(address_space_ld(&as, 0x2000, 2, &r), 0xffff);
    ck_assert_int_ne(r, MEMTX_OK);
    ck_assert_int_eq(address_space_st(&as, 0x2000, 0x99, 1), MEMTX_OK);
    ck_assert_uint_eq(dev.regs[0], 0x99);
    /* an IO region without ops: reads all ones, writes dropped */
    MemoryRegion none;
    memory_region_init_io(&none, "none", NULL, NULL, 0x10);
    memory_region_add_subregion(&root, 0x3000, &none);
    ck_assert_uint_eq(address_space_ld(&as, 0x3000, 4, &r), 0xffffffffu);
    address_space_st(&as, 0x3000, 1, 4);
    memory_region_destroy(&none);
    memory_region_destroy(&io);
    memory_region_destroy(&wo);
}
END_TEST

START_TEST(test_rom_write_dropped_write_rom_works)
{
    MemoryRegion rom;
    ck_assert(memory_region_init_rom(&rom, "rom", 0x1000));
    memory_region_add_subregion(&root, 0xf0000, &rom);
    const uint8_t data[6] = { 1, 2, 3, 4, 5, 6 };
    ck_assert_int_eq(address_space_write(&as, 0xf0010, data, sizeof(data)), MEMTX_OK);
    ck_assert_uint_eq(rom.ram[0x10], 0);
    address_space_st(&as, 0xf0010, 0x1234, 2);
    ck_assert_uint_eq(rom.ram[0x10], 0);
    ck_assert_int_eq(address_space_write_rom(&as, 0xf0010, data, sizeof(data)), MEMTX_OK);
    uint8_t back[6];
    ck_assert_int_eq(address_space_read(&as, 0xf0010, back, sizeof(back)), MEMTX_OK);
    ck_assert_mem_eq(back, data, sizeof(data));
    ck_assert_uint_eq(address_space_ld(&as, 0xf0010, 4, NULL), 0x04030201);
    memory_region_destroy(&rom);
}
END_TEST

START_TEST(test_read_write_across_ranges)
{
    static UnitDev dev, dw;
    MemoryRegion ram, io, ram2, dwio;
    memset(&dev, 0, sizeof(dev));
    memset(&dw, 0, sizeof(dw));
    ck_assert(memory_region_init_ram(&ram, "ram", 0x1000));
    memory_region_init_io(&io, "io", &byte_ops, &dev, 0x10);
    ck_assert(memory_region_init_ram(&ram2, "ram2", 0x1000));
    memory_region_add_subregion(&root, 0, &ram);
    memory_region_add_subregion(&root, 0x1000, &io);
    memory_region_add_subregion(&root, 0x2000, &ram2);

    /* 0xff0..0x200f: RAM, IO, a hole, RAM */
    uint64_t len = 0x2010 - 0xff0;
    uint8_t *out = malloc(len), *in = malloc(len);
    for (uint64_t i = 0; i < len; i++)
        out[i] = (uint8_t)(i * 7 + 1);
    ck_assert_int_eq(address_space_write(&as, 0xff0, out, len), MEMTX_UNASSIGNED);
    ck_assert_uint_eq(ram.ram[0xff0], out[0]);
    ck_assert_uint_eq(dev.regs[0], out[0x10]);
    ck_assert_uint_eq(dev.regs[15], out[0x1f]);
    ck_assert_uint_eq(ram2.ram[0], out[0x1010]);
    ck_assert_uint_eq(ram2.ram[0xf], out[len - 1]);
    ck_assert_int_eq(address_space_read(&as, 0xff0, in, len), MEMTX_UNASSIGNED);
    ck_assert_mem_eq(in, out, 0x20);
    for (uint64_t i = 0x20; i < 0x1010; i++)
        ck_assert_uint_eq(in[i], 0xff);
    ck_assert_mem_eq(in + 0x1010, out + 0x1010, 0x10);
    free(out);
    free(in);

    /* a device that only takes aligned dwords gets aligned dwords */
    memory_region_init_io(&dwio, "dw", &dword_only_ops, &dw, 0x10);
    memory_region_add_subregion(&root, 0x3000, &dwio);
    uint8_t buf[16];
    for (int i = 0; i < 16; i++)
        buf[i] = (uint8_t)i;
    ck_assert_int_eq(address_space_write(&as, 0x3000, buf, 16), MEMTX_OK);
    ck_assert_uint_eq(dw.nlog, 4);
    for (unsigned i = 0; i < 4; i++) {
        ck_assert_uint_eq(dw.log[i].size, 4);
        ck_assert_uint_eq(dw.log[i].addr, 4 * i);
    }
    ck_assert_mem_eq(dw.regs, buf, 16);
    /* 2 bytes are not acceptable to it */
    ck_assert_int_eq(address_space_read(&as, 0x3000, buf, 2), MEMTX_ERROR);
    ck_assert_uint_eq(buf[0], 0xff);
    ck_assert_uint_eq(buf[1], 0xff);

    memory_region_destroy(&dwio);
    memory_region_destroy(&ram2);
    memory_region_destroy(&io);
    memory_region_destroy(&ram);
}
END_TEST

START_TEST(test_near_top_of_address_space)
{
    MemoryRegion top, stick;
    ck_assert(memory_region_init_ram(&top, "top", 0x1000));
    memory_region_add_subregion(&root, 0xfffffffffffff000ull, &top);
    ck_assert_ptr_eq(mr_at(UINT64_MAX), &top);
    top.ram[0xfff] = 0x42;

    uint8_t buf[0x20];
    memset(buf, 0, sizeof(buf));
    ck_assert_int_eq(address_space_read(&as, 0xfffffffffffffff0ull, buf, 0x20), MEMTX_UNASSIGNED);
    ck_assert_uint_eq(buf[0xf], 0x42);
    for (int i = 0x10; i < 0x20; i++)
        ck_assert_uint_eq(buf[i], 0xff);
    memset(buf, 0x5c, sizeof(buf));
    ck_assert_int_eq(address_space_write(&as, 0xfffffffffffffff0ull, buf, 0x20), MEMTX_UNASSIGNED);
    ck_assert_uint_eq(top.ram[0xfff], 0x5c);
    MemTxResult r;
    ck_assert_uint_eq(address_space_ld(&as, UINT64_MAX - 1, 4, &r), 0xffff5c5c);
    ck_assert_int_eq(r, MEMTX_UNASSIGNED);
    ck_assert_uint_eq(address_space_ld(&as, UINT64_MAX - 7, 8, &r), 0x5c5c5c5c5c5c5c5cull);
    ck_assert_int_eq(r, MEMTX_OK);
    ck_assert_int_eq(address_space_st(&as, UINT64_MAX, 0x1234, 8), MEMTX_UNASSIGNED);
    ck_assert_uint_eq(top.ram[0xfff], 0x34);
    memory_region_del_subregion(&root, &top);

    /* a region sticking out past 2^64 is clipped there */
    ck_assert(memory_region_init_ram(&stick, "stick", 0x2000));
    memory_region_add_subregion(&root, 0xfffffffffffff000ull, &stick);
    ck_assert_uint_eq(as.view->nr, 1);
    ck_assert_uint_eq(as.view->ranges[0].size, 0x1000);
    uint64_t len = 0x5000;
    uint8_t *p = address_space_map_ram(&as, 0xfffffffffffff800ull, &len, true);
    ck_assert_ptr_eq(p, stick.ram + 0x800);
    ck_assert_uint_eq(len, 0x800);

    memory_region_destroy(&stick);
    memory_region_destroy(&top);
}
END_TEST

START_TEST(test_map_ram_clamps)
{
    static UnitDev dev;
    MemoryRegion ram, rom, io;
    ck_assert(memory_region_init_ram(&ram, "ram", 0x1000));
    ck_assert(memory_region_init_rom(&rom, "rom", 0x1000));
    memory_region_init_io(&io, "io", &byte_ops, &dev, 0x10);
    memory_region_add_subregion(&root, 0x10000, &ram);
    memory_region_add_subregion(&root, 0x11000, &rom);
    memory_region_add_subregion(&root, 0x12000, &io);
    uint64_t len = 0x2000;
    ck_assert_ptr_eq(address_space_map_ram(&as, 0x10800, &len, true), ram.ram + 0x800);
    ck_assert_uint_eq(len, 0x800);
    len = 0x10;
    ck_assert_ptr_eq(address_space_map_ram(&as, 0x10800, &len, false), ram.ram + 0x800);
    ck_assert_uint_eq(len, 0x10);
    len = 0x10;
    ck_assert_ptr_null(address_space_map_ram(&as, 0x11000, &len, true));
    ck_assert_ptr_eq(address_space_map_ram(&as, 0x11000, &len, false), rom.ram);
    len = 0x10;
    ck_assert_ptr_null(address_space_map_ram(&as, 0x12000, &len, false));
    ck_assert_ptr_null(address_space_map_ram(&as, 0x20000, &len, false));
    memory_region_destroy(&io);
    memory_region_destroy(&rom);
    memory_region_destroy(&ram);
}
END_TEST

/* Resident set size in pages, or -1 if /proc is not there. */
static long resident_pages(void)
{
    long size, rss = -1;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return -1;
    if (fscanf(f, "%ld %ld", &size, &rss) != 2)
        rss = -1;
    fclose(f);
    return rss;
}

START_TEST(test_big_ram_is_lazy)
{
    MemoryRegion sysmem, ram;
    long before = resident_pages();
    memory_region_init_container(&sysmem, "sysmem", 0x400000000ull);
    ck_assert(memory_region_init_ram(&ram, "big", 8ull << 30));
    memory_region_add_subregion(&sysmem, 0, &ram);
    memory_region_add_subregion(&root, 0x100000000ull, &sysmem);
    /* 8 GiB of RAM at 0 inside a 16 GiB container placed at 4 GiB */
    ck_assert_ptr_eq(mr_at(0x100000000ull), &ram);
    ck_assert_ptr_eq(mr_at(0x2ffffffffull), &ram);
    ck_assert_ptr_null(mr_at(0x300000000ull));
    ck_assert_int_eq(address_space_st(&as, 0x2fffffff8ull, 0x0123456789abcdefull, 8), MEMTX_OK);
    ck_assert_uint_eq(address_space_ld(&as, 0x2fffffff8ull, 8, NULL), 0x0123456789abcdefull);
    long after = resident_pages();
    if (before >= 0 && after >= 0)
        ck_assert_int_lt(after - before, 16384); /* far less than 64 MiB touched */
    memory_region_destroy(&sysmem);
    memory_region_destroy(&ram);
}
END_TEST

START_TEST(test_huge_allocation_fails_cleanly)
{
    MemoryRegion mr;
    ck_assert(!memory_region_init_ram(&mr, "too-big", UINT64_MAX & ~0xfffull));
    ck_assert_ptr_null(mr.ram);
    memory_region_destroy(&mr);
}
END_TEST

/* ---- random trees against a direct reference resolver ---- */

typedef struct Resolved {
    MemoryRegion *mr;
    uint64_t offset;
} Resolved;

/* What is at local address `addr` of `mr`, by walking the tree directly:
 * the first child (in priority order) that has something there wins. */
static Resolved reference_resolve(MemoryRegion *mr, uint64_t addr)
{
    Resolved none = { NULL, 0 };
    if (!mr->enabled)
        return none;
    if (mr->size != 0 && addr >= mr->size)
        return none;
    if (mr->size == 0 && mr->kind != MR_CONTAINER && mr->kind != MR_ALIAS)
        return none;
    switch (mr->kind) {
    case MR_CONTAINER:
        for (unsigned i = 0; i < mr->nr_subregions; i++) {
            MemoryRegion *c = mr->subregions[i];
            if (addr < c->addr)
                continue;
            Resolved r = reference_resolve(c, addr - c->addr);
            if (r.mr)
                return r;
        }
        return none;
    case MR_ALIAS:
        if (addr + mr->alias_offset < addr)
            return none;
        return reference_resolve(mr->alias, addr + mr->alias_offset);
    default:
        return (Resolved){ mr, addr };
    }
}

#define RANDOM_REGIONS 14
#define RANDOM_SPAN 0x200

static uint32_t rng_state, rng_seed;

static uint32_t rng(uint32_t n)
{
    rng_state = rng_state * 1103515245u + 12345u;
    return (rng_state >> 8) % n;
}

/* Mostly small offsets; sometimes offsets just below 2^64, so that
 * regions and alias windows run past the end of the address space. */
static uint64_t random_offset(void)
{
    return rng(4) == 0 ? UINT64_MAX - rng(RANDOM_SPAN) : rng(0x180);
}

static uint64_t random_alias_offset(void)
{
    return rng(6) == 0 ? UINT64_MAX - rng(RANDOM_SPAN) : rng(0x80);
}

/* Addresses checked: the bottom and the top of the address space. */
static uint64_t check_address(uint64_t i)
{
    return i < RANDOM_SPAN + 0x100 ? i : UINT64_MAX - (i - (RANDOM_SPAN + 0x100));
}

static void check_view_matches_reference(void)
{
    static const uint64_t far[] = { 0xffffffffffffff00ull, UINT64_MAX, 0x100000000ull };
    /* plain comparisons first: a ck_assert per address is slow */
    for (uint64_t i = 0; i < 2 * (RANDOM_SPAN + 0x100); i++) {
        uint64_t a = check_address(i);
        Resolved want = reference_resolve(&root, a);
        const FlatRange *fr = address_space_lookup(&as, a);
        MemoryRegion *got = fr ? fr->mr : NULL;
        if (got != want.mr || (fr && fr->offset_in_region + (a - fr->start) != want.offset))
            ck_abort_msg("seed %u: address 0x%llx maps to %p, reference %p", rng_seed,
                         (unsigned long long)a,
                         (void *)got, (void *)want.mr);
    }
    for (unsigned i = 0; i < 3; i++) {
        Resolved want = reference_resolve(&root, far[i]);
        const FlatRange *fr = address_space_lookup(&as, far[i]);
        ck_assert_ptr_eq(fr ? fr->mr : NULL, want.mr);
    }
    /* the view is sorted and non-overlapping */
    for (unsigned i = 1; i < as.view->nr; i++)
        ck_assert_uint_gt(as.view->ranges[i].start, flat_last(&as.view->ranges[i - 1]));
}

/* A device whose every byte is a function of its offset and of which
 * region it is, however the core splits the access. */
static uint8_t pattern_byte(const MemoryRegion *mr, uint64_t off)
{
    return (uint8_t)(off * 3 + (uintptr_t)mr / sizeof(MemoryRegion));
}

static uint64_t pattern_read(void *opaque, uint64_t addr, unsigned size)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)pattern_byte(opaque, addr + i) << (8 * i);
    return v;
}

static const MemoryRegionOps pattern_ops = {
    .read = pattern_read,
    .valid = { .max_access_size = 8, .unaligned = true },
    .impl = { .max_access_size = 2 },
};

static uint8_t reference_byte(uint64_t base, uint64_t i)
{
    uint64_t addr = base + i;
    if (addr < base)
        return 0xff; /* past 2^64: no wrap-around */
    Resolved r = reference_resolve(&root, addr);
    if (!r.mr)
        return 0xff;
    if (r.mr->kind == MR_IO)
        return pattern_byte(r.mr, r.offset);
    return r.mr->ram[r.offset];
}

static void check_reads_match_reference(void)
{
    uint8_t buf[0x80];
    for (unsigned k = 0; k < 16; k++) {
        uint64_t a = rng(2) ? rng(RANDOM_SPAN + 0x80) : UINT64_MAX - rng(RANDOM_SPAN + 0x80);
        uint64_t len = 1 + rng(sizeof(buf));
        address_space_read(&as, a, buf, len);
        for (uint64_t i = 0; i < len; i++)
            if (buf[i] != reference_byte(a, i))
                ck_abort_msg("seed %u: read at 0x%llx+0x%x", rng_seed, (unsigned long long)a,
                             (unsigned)i);
        unsigned size = 1u << rng(4);
        uint64_t v = address_space_ld(&as, a, size, NULL);
        for (unsigned i = 0; i < size; i++)
            if ((uint8_t)(v >> (8 * i)) != reference_byte(a, i))
                ck_abort_msg("seed %u: ld%u at 0x%llx", rng_seed, size, (unsigned long long)a);
    }
}

static uint64_t random_size(void)
{
    return rng(6) == 0 ? 0 : 1 + rng(0x100);
}

/* Region i only refers to regions with smaller indexes, so the graph has
 * no cycles and the reference resolver terminates. */
static void build_random_tree(MemoryRegion *r, uint8_t *backing)
{
    for (unsigned i = 0; i < RANDOM_REGIONS; i++) {
        unsigned kind = i < 3 ? 0 : rng(4);
        if (kind == 0) {
            memory_region_init_ram_ptr(&r[i], "ram", 1 + rng(0x100), backing + i * 0x100);
        } else if (kind == 1) {
            memory_region_init_io(&r[i], "io", &pattern_ops, &r[i], random_size());
        } else if (kind == 2) {
            memory_region_init_container(&r[i], "box", random_size());
            for (unsigned j = 0; j < i; j++)
                if (!r[j].parent && rng(3) == 0)
                    memory_region_add_subregion_overlap(&r[i], random_offset(), &r[j], (int)rng(3) - 1);
        } else {
            memory_region_init_alias(&r[i], "alias", &r[rng(i)], random_alias_offset(), random_size());
        }
        r[i].enabled = rng(10) != 0;
    }
    for (unsigned i = 0; i < RANDOM_REGIONS; i++)
        if (!r[i].parent && rng(2) == 0)
            memory_region_add_subregion_overlap(&root, random_offset(), &r[i], (int)rng(3) - 1);
}

static void mutate_random_tree(MemoryRegion *r)
{
    MemoryRegion *m = &r[rng(RANDOM_REGIONS)];
    switch (rng(4)) {
    case 0:
        memory_region_set_enabled(m, !m->enabled);
        break;
    case 1:
        memory_region_set_address(m, random_offset());
        break;
    case 2:
        if (m->parent)
            memory_region_del_subregion(m->parent, m);
        else
            memory_region_add_subregion_overlap(&root, random_offset(), m, (int)rng(3) - 1);
        break;
    case 3:
        if (m->kind == MR_ALIAS)
            memory_region_set_alias_offset(m, random_alias_offset());
        break;
    }
}

START_TEST(test_random_trees_match_reference)
{
    static uint8_t backing[RANDOM_REGIONS * 0x100];
    for (unsigned seed = 1; seed <= 300; seed++) {
        MemoryRegion r[RANDOM_REGIONS];
        rng_state = rng_seed = seed;
        for (unsigned i = 0; i < sizeof(backing); i++)
            backing[i] = (uint8_t)(i * 7 + i / 0x100);
        build_random_tree(r, backing);
        check_view_matches_reference();
        check_reads_match_reference();
        for (unsigned k = 0; k < 8; k++) {
            mutate_random_tree(r);
            check_view_matches_reference();
            check_reads_match_reference();
        }
        for (unsigned i = 0; i < RANDOM_REGIONS; i++)
            memory_region_destroy(&r[i]);
        ck_assert_uint_eq(root.nr_subregions, 0);
    }
}
END_TEST

static Suite *memory_suite(void)
{
    Suite *s = suite_create("memory");
    unit_tcase(s, "flatten", setup, teardown, UNIT_TESTS(
        test_priority_overlap, test_nested_container_clips, test_bios_alias_over_ram,
        test_alias_of_container, test_alias_cycle_terminates, test_disable_and_delete_reflatten,
        test_listener_commit, test_transaction_batches_reflatten,
        test_two_address_spaces_share_region, test_random_trees_match_reference));

    unit_tcase(s, "access", setup, teardown, UNIT_TESTS(
        test_subpage_mmio_in_ram_page, test_access_half_ram_half_mmio,
        test_access_crossing_two_rams, test_unassigned_space, test_valid_rules_reject,
        test_impl_split_and_widen, test_default_rules_and_null_callbacks,
        test_rom_write_dropped_write_rom_works, test_read_write_across_ranges,
        test_near_top_of_address_space, test_map_ram_clamps, test_big_ram_is_lazy,
        test_huge_allocation_fails_cleanly));
    return s;
}

int main(void)
{
    return unit_run_suite(memory_suite());
}
