/*
 * Unit tests for the IOAPIC: register window, version, redirection entry
 * masks, edge and level delivery through the APIC bus, remote IRR and EOI.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "hw/intc/ioapic.h"
#include "unit-test.h"

typedef struct FakeCpu { int intr, nmi, init; } FakeCpu;

static void fake_intr(void *c, int level) { ((FakeCpu *)c)->intr = level; }
static void fake_nmi(void *c) { ((FakeCpu *)c)->nmi++; }
static void fake_init(void *c) { ((FakeCpu *)c)->init++; }
static const LAPICCpuOps fake_ops = { .set_intr = fake_intr, .raise_nmi = fake_nmi,
                                      .raise_init = fake_init };

static APICBus bus;
static FakeCpu cpus[2];
static LAPICState *ap[2];
static IOAPICState *io;

static void lapic_wr(LAPICState *s, uint32_t off, uint32_t v) { lapic_mmio_write(s, off, v, 4); }

static void setup(void)
{
    clock_init();
    apic_bus_init(&bus);
    memset(cpus, 0, sizeof(cpus));
    for (int i = 0; i < 2; i++) {
        ap[i] = lapic_new(&bus, (uint8_t)i, i == 0, &fake_ops, &cpus[i]);
        lapic_wr(ap[i], APIC_REG_SVR, 0x1ff);
    }
    io = ioapic_new(&bus, 2);
}

static void teardown(void)
{
    ioapic_free(io);
    for (int i = 0; i < 2; i++)
        lapic_free(ap[i]);
}

static uint32_t io_rd(uint32_t index)
{
    ioapic_mmio_ops.write(io, IOAPIC_IOREGSEL, index, 4);
    return (uint32_t)ioapic_mmio_ops.read(io, IOAPIC_IOWIN, 4);
}

static void io_wr(uint32_t index, uint32_t val)
{
    ioapic_mmio_ops.write(io, IOAPIC_IOREGSEL, index, 4);
    ioapic_mmio_ops.write(io, IOAPIC_IOWIN, val, 4);
}

static void set_rte(int pin, uint32_t lo, uint8_t dest)
{
    io_wr(0x11 + 2 * pin, (uint32_t)dest << 24);
    io_wr(0x10 + 2 * pin, lo);
}

START_TEST(test_id_version_reset)
{
    ck_assert_uint_eq(io_rd(IOAPIC_REG_ID), 2u << 24);
    ck_assert_uint_eq(io_rd(IOAPIC_REG_VER), 0x00170020);
    ck_assert_uint_eq(io_rd(IOAPIC_REG_ARB), 2u << 24);
    for (int pin = 0; pin < 24; pin++) {
        ck_assert_uint_eq(io_rd(0x10 + 2 * pin), IOAPIC_RTE_MASKED);
        ck_assert_uint_eq(io_rd(0x11 + 2 * pin), 0);
    }
    io_wr(IOAPIC_REG_ID, 0xff000000);
    ck_assert_uint_eq(io_rd(IOAPIC_REG_ID), 0x0f000000);
    io_wr(IOAPIC_REG_VER, 0);
    ck_assert_uint_eq(io_rd(IOAPIC_REG_VER), 0x00170020);
    ck_assert_uint_eq(io_rd(0x40), 0);                           /* past the table */
    io_wr(0x10, 0xffffffff);                                      /* RO bits stay clear */
    ck_assert_uint_eq(io_rd(0x10), 0x1afff);
    io_wr(0x11, 0xffffffff);
    ck_assert_uint_eq(io_rd(0x11), 0xff000000);
}
END_TEST

START_TEST(test_edge_delivery)
{
    set_rte(4, 0x34, 1);                                          /* fixed, physical 1, edge */
    ioapic_set_irq(io, 4, 1);
    ck_assert_int_eq(cpus[1].intr, 1);
    ck_assert_int_eq(cpus[0].intr, 0);
    ck_assert_int_eq(lapic_intr_ack(ap[1]), 0x34);
    lapic_wr(ap[1], APIC_REG_EOI, 0);
    ioapic_set_irq(io, 4, 1);                                     /* no new edge */
    ck_assert_int_eq(cpus[1].intr, 0);
    ioapic_set_irq(io, 4, 0);
    ioapic_set_irq(io, 4, 1);
    ck_assert_int_eq(cpus[1].intr, 1);
    ck_assert_int_eq(lapic_intr_ack(ap[1]), 0x34);
    lapic_wr(ap[1], APIC_REG_EOI, 0);
    /* masked edges are lost */
    set_rte(4, 0x34 | IOAPIC_RTE_MASKED, 1);
    ioapic_set_irq(io, 4, 0);
    ioapic_set_irq(io, 4, 1);
    set_rte(4, 0x34, 1);
    ck_assert_int_eq(cpus[1].intr, 0);
}
END_TEST

START_TEST(test_level_remote_irr)
{
    set_rte(10, IOAPIC_RTE_LEVEL | 0x45, 0);
    ioapic_set_irq(io, 10, 1);
    ck_assert(io_rd(0x10 + 20) & IOAPIC_RTE_REMOTE_IRR);
    ck_assert_int_eq(lapic_intr_ack(ap[0]), 0x45);
    lapic_wr(ap[0], APIC_REG_EOI, 0);                             /* still asserted: again */
    ck_assert(io_rd(0x10 + 20) & IOAPIC_RTE_REMOTE_IRR);
    ck_assert_int_eq(lapic_intr_ack(ap[0]), 0x45);
    ioapic_set_irq(io, 10, 0);
    lapic_wr(ap[0], APIC_REG_EOI, 0);
    ck_assert(!(io_rd(0x10 + 20) & IOAPIC_RTE_REMOTE_IRR));
    ck_assert_int_eq(cpus[0].intr, 0);
    /* masked while asserted, delivered when unmasked */
    set_rte(10, IOAPIC_RTE_LEVEL | IOAPIC_RTE_MASKED | 0x45, 0);
    ioapic_set_irq(io, 10, 1);
    ck_assert_int_eq(cpus[0].intr, 0);
    set_rte(10, IOAPIC_RTE_LEVEL | 0x45, 0);
    ck_assert_int_eq(cpus[0].intr, 1);
    /* the EOI register clears remote IRR too */
    ck_assert_int_eq(lapic_intr_ack(ap[0]), 0x45);
    ioapic_set_irq(io, 10, 0);
    ioapic_mmio_ops.write(io, IOAPIC_EOI, 0x45, 4);
    ck_assert(!(io_rd(0x10 + 20) & IOAPIC_RTE_REMOTE_IRR));
}
END_TEST

START_TEST(test_logical_lowest_nmi_init)
{
    lapic_wr(ap[0], APIC_REG_LDR, 0x01000000);
    lapic_wr(ap[1], APIC_REG_LDR, 0x02000000);
    lapic_wr(ap[0], APIC_REG_TPR, 0x30);
    set_rte(1, (APIC_DM_LOWEST << 8) | IOAPIC_RTE_DEST_LOGICAL | 0x51, 0x03);
    ioapic_set_irq(io, 1, 1);
    ck_assert_int_eq(cpus[0].intr, 0);
    ck_assert_int_eq(lapic_intr_ack(ap[1]), 0x51);
    set_rte(2, (APIC_DM_NMI << 8), 0xff);
    ioapic_set_irq(io, 2, 1);
    ck_assert_int_eq(cpus[0].nmi, 1);
    ck_assert_int_eq(cpus[1].nmi, 1);
    set_rte(3, (APIC_DM_INIT << 8) | IOAPIC_RTE_LEVEL, 1);        /* INIT is edge only */
    ioapic_set_irq(io, 3, 1);
    ioapic_set_irq(io, 3, 1);
    ck_assert_int_eq(cpus[1].init, 1);
    ck_assert(!(io_rd(0x10 + 6) & IOAPIC_RTE_REMOTE_IRR));
}
END_TEST

START_TEST(test_hostile)
{
    srand(2);
    for (int i = 0; i < 20000; i++) {
        uint64_t addr = (uint64_t)rand() % IOAPIC_MMIO_SIZE;
        unsigned size = 1u << (rand() % 3);
        uint32_t val = (uint32_t)rand() ^ ((uint32_t)rand() << 16);
        if (rand() & 1)
            ioapic_mmio_ops.write(io, addr & 0x50, val, 4);
        else
            ioapic_mmio_ops.write(io, addr, val, size);
        ioapic_mmio_ops.read(io, addr, size);
        ioapic_set_irq(io, rand() % 40 - 8, rand() & 1);
        if ((i & 15) == 0) {
            lapic_intr_ack(ap[i & 1]);
            lapic_wr(ap[i & 1], APIC_REG_EOI, 0);
        }
    }
    ck_assert_uint_eq(ioapic_get_entry(io, 99), 0);
}
END_TEST

int main(void)
{
    return unit_run_tcase("ioapic", "core", setup, teardown, UNIT_TESTS(
        test_id_version_reset, test_edge_delivery, test_level_remote_irr,
        test_logical_lowest_nmi_init, test_hostile));
}
