/*
 * Unit tests for the local APIC and the APIC bus: register reset values,
 * priorities and EOI, ESR, IPIs, LINT0 ExtINT, and the timer in one-shot,
 * periodic and TSC-deadline modes on the -icount virtual clock.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "hw/intc/lapic.h"
#include "unit-test.h"

typedef struct FakeCpu {
    int intr, nmi, init, sipi, sipi_vector;
} FakeCpu;

static void fake_intr(void *c, int level) { ((FakeCpu *)c)->intr = level; }
static void fake_nmi(void *c) { ((FakeCpu *)c)->nmi++; }
static void fake_init(void *c) { ((FakeCpu *)c)->init++; }
static void fake_sipi(void *c, int v) { ((FakeCpu *)c)->sipi++; ((FakeCpu *)c)->sipi_vector = v; }
static uint64_t fake_tsc(void *c) { return (uint64_t)clock_get_ns(CLOCK_VIRTUAL) + 1000000; }

static const LAPICCpuOps fake_ops = { fake_intr, fake_nmi, fake_init, fake_sipi, fake_tsc };

static APICBus bus;
static FakeCpu cpus[3];
static LAPICState *ap[3];
static int eoi_vectors[8], nr_eoi;

static void on_eoi(void *opaque, int vector) { eoi_vectors[nr_eoi++ & 7] = vector; }

static void setup(void)
{
    clock_init();
    clock_set_icount(0);
    apic_bus_init(&bus);
    memset(cpus, 0, sizeof(cpus));
    nr_eoi = 0;
    for (int i = 0; i < 3; i++)
        ap[i] = lapic_new(&bus, (uint8_t)i, i == 0, &fake_ops, &cpus[i]);
    apic_bus_add_eoi_listener(&bus, on_eoi, NULL);
}

static void teardown(void)
{
    for (int i = 0; i < 3; i++)
        lapic_free(ap[i]);
    clock_set_icount(-1);
}

static uint32_t rd(LAPICState *s, uint32_t off) { return (uint32_t)lapic_mmio_read(s, off, 4); }
static void wr(LAPICState *s, uint32_t off, uint32_t v) { lapic_mmio_write(s, off, v, 4); }
static void enable(LAPICState *s) { wr(s, APIC_REG_SVR, 0x1ff); }

static void advance(int64_t ns)
{
    clock_icount_advance((uint64_t)ns);
    timers_run_expired(CLOCK_VIRTUAL);
}

static void send_ipi(LAPICState *s, uint8_t dest, uint32_t lo)
{
    wr(s, APIC_REG_ICR_HI, (uint32_t)dest << 24);
    wr(s, APIC_REG_ICR_LO, lo);
}

START_TEST(test_reset_values)
{
    ck_assert_uint_eq(rd(ap[1], APIC_REG_ID), 1u << 24);
    ck_assert_uint_eq(rd(ap[0], APIC_REG_VERSION), 0x50014);
    ck_assert_uint_eq(rd(ap[0], APIC_REG_SVR), 0xff);
    ck_assert_uint_eq(rd(ap[0], APIC_REG_DFR), 0xffffffff);
    ck_assert_uint_eq(rd(ap[0], APIC_REG_LVT_TIMER), APIC_LVT_MASKED);
    ck_assert_uint_eq(rd(ap[0], APIC_REG_LVT_LINT0), 0x700);
    ck_assert_uint_eq(rd(ap[1], APIC_REG_LVT_LINT0), APIC_LVT_MASKED);
    ck_assert_uint_eq(lapic_get_base(ap[0]), 0xfee00900);
    ck_assert_uint_eq(lapic_get_base(ap[1]), 0xfee00800);
}
END_TEST

START_TEST(test_priority_ack_eoi)
{
    enable(ap[0]);
    lapic_accept_irq(ap[0], 0x40, false, APIC_DM_FIXED);
    lapic_accept_irq(ap[0], 0x80, false, APIC_DM_FIXED);
    ck_assert_int_eq(cpus[0].intr, 1);
    ck_assert_uint_eq(rd(ap[0], APIC_REG_IRR + 0x40), 1u);   /* vector 0x80 = word 4 bit 0 */
    ck_assert_int_eq(lapic_intr_ack(ap[0]), 0x80);
    ck_assert_uint_eq(rd(ap[0], APIC_REG_PPR), 0x80);
    ck_assert_int_eq(cpus[0].intr, 0);                         /* 0x40 blocked by ISR 0x80 */
    ck_assert_int_eq(lapic_intr_ack(ap[0]), -1);
    wr(ap[0], APIC_REG_EOI, 0);
    ck_assert_int_eq(cpus[0].intr, 1);
    wr(ap[0], APIC_REG_TPR, 0x40);                             /* same class: masked */
    ck_assert_int_eq(cpus[0].intr, 0);
    ck_assert_uint_eq(rd(ap[0], APIC_REG_PPR), 0x40);
    wr(ap[0], APIC_REG_TPR, 0x3f);
    ck_assert_int_eq(lapic_intr_ack(ap[0]), 0x40);
    wr(ap[0], APIC_REG_EOI, 0);
    ck_assert_int_eq(nr_eoi, 0);                               /* edge: no broadcast */
    ck_assert_int_eq(cpus[0].intr, 0);
}
END_TEST

START_TEST(test_level_eoi_broadcast)
{
    enable(ap[0]);
    lapic_accept_irq(ap[0], 0x61, true, APIC_DM_FIXED);
    ck_assert_uint_eq(rd(ap[0], APIC_REG_TMR + 0x30), 1u << 1);
    ck_assert_int_eq(lapic_intr_ack(ap[0]), 0x61);
    wr(ap[0], APIC_REG_EOI, 0);
    ck_assert_int_eq(nr_eoi, 1);
    ck_assert_int_eq(eoi_vectors[0], 0x61);
}
END_TEST

START_TEST(test_software_disabled_drops_fixed)
{
    lapic_accept_irq(ap[0], 0x40, false, APIC_DM_FIXED);
    ck_assert_int_eq(cpus[0].intr, 0);
    wr(ap[0], APIC_REG_LVT_ERROR, 0x33);
    ck_assert_uint_eq(rd(ap[0], APIC_REG_LVT_ERROR), APIC_LVT_MASKED | 0x33);
    lapic_accept_irq(ap[0], 0, false, APIC_DM_NMI);
    ck_assert_int_eq(cpus[0].nmi, 1);
}
END_TEST

START_TEST(test_esr_illegal_vectors)
{
    enable(ap[0]);
    wr(ap[0], APIC_REG_LVT_ERROR, 0xfe);
    lapic_accept_irq(ap[0], 5, false, APIC_DM_FIXED);
    ck_assert_uint_eq(rd(ap[0], APIC_REG_ESR), 0);             /* not yet latched */
    wr(ap[0], APIC_REG_ESR, 0);
    ck_assert_uint_eq(rd(ap[0], APIC_REG_ESR), APIC_ESR_RECV_ILLEGAL_VECTOR);
    ck_assert_int_eq(lapic_intr_ack(ap[0]), 0xfe);             /* error LVT fired */
    wr(ap[0], APIC_REG_EOI, 0);
    send_ipi(ap[0], 1, 0x000003);
    wr(ap[0], APIC_REG_ESR, 0);
    ck_assert_uint_eq(rd(ap[0], APIC_REG_ESR), APIC_ESR_SEND_ILLEGAL_VECTOR);
    wr(ap[0], APIC_REG_ESR, 0);
    ck_assert_uint_eq(rd(ap[0], APIC_REG_ESR), 0);
    rd(ap[0], 0x2f0);                                          /* reserved register */
    wr(ap[0], APIC_REG_ESR, 0);
    ck_assert_uint_eq(rd(ap[0], APIC_REG_ESR), APIC_ESR_ILLEGAL_REGISTER);
}
END_TEST

START_TEST(test_ipi_physical_and_shorthands)
{
    for (int i = 0; i < 3; i++)
        enable(ap[i]);
    send_ipi(ap[0], 2, 0x4051);                                /* fixed, assert */
    ck_assert_int_eq(cpus[2].intr, 1);
    ck_assert_int_eq(cpus[1].intr, 0);
    ck_assert_uint_eq(rd(ap[0], APIC_REG_ICR_LO) & (1u << 12), 0);  /* delivered */
    ck_assert_int_eq(lapic_intr_ack(ap[2]), 0x51);
    wr(ap[2], APIC_REG_EOI, 0);
    send_ipi(ap[0], 0, 0xc0052);                               /* all but self */
    ck_assert_int_eq(cpus[0].intr, 0);
    ck_assert_int_eq(lapic_intr_ack(ap[1]), 0x52);
    wr(ap[1], APIC_REG_EOI, 0);
    ck_assert_int_eq(cpus[2].intr, 1);
    send_ipi(ap[1], 0, 0x40053);                               /* self */
    ck_assert_int_eq(lapic_intr_ack(ap[1]), 0x53);
    send_ipi(ap[0], 0, 0x80054);                               /* all incl. self */
    ck_assert_int_eq(lapic_intr_ack(ap[0]), 0x54);
    send_ipi(ap[0], 0xff, 0x4400);                             /* NMI broadcast */
    ck_assert_int_eq(cpus[0].nmi + cpus[1].nmi + cpus[2].nmi, 3);
}
END_TEST

START_TEST(test_ipi_init_sipi)
{
    send_ipi(ap[0], 1, 0xc500);                                /* INIT assert, level */
    ck_assert_int_eq(cpus[1].init, 1);
    send_ipi(ap[0], 1, 0x8500);                                /* INIT level de-assert */
    ck_assert_int_eq(cpus[1].init, 1);
    send_ipi(ap[0], 1, 0x469a);                                /* SIPI */
    ck_assert_int_eq(cpus[1].sipi, 1);
    ck_assert_int_eq(cpus[1].sipi_vector, 0x9a);
    ck_assert_int_eq(cpus[2].sipi, 0);
    send_ipi(ap[0], 0, 0xc4608);                               /* SIPI all but self */
    ck_assert_int_eq(cpus[2].sipi_vector, 0x08);
    ck_assert_int_eq(cpus[0].sipi, 0);
    send_ipi(ap[0], 1, 0x4200);                                /* SMI: ignored */
    ck_assert_int_eq(cpus[1].nmi + cpus[1].init, 1);
}
END_TEST

START_TEST(test_ipi_logical)
{
    for (int i = 0; i < 3; i++) {
        enable(ap[i]);
        wr(ap[i], APIC_REG_LDR, (1u << i) << 24);              /* flat */
    }
    send_ipi(ap[0], 0x06, 0x4860);                             /* logical to 1 and 2 */
    ck_assert_int_eq(cpus[0].intr, 0);
    ck_assert_int_eq(lapic_intr_ack(ap[1]), 0x60);
    ck_assert_int_eq(lapic_intr_ack(ap[2]), 0x60);
    wr(ap[1], APIC_REG_EOI, 0);
    wr(ap[2], APIC_REG_EOI, 0);
    /* lowest priority: picks the lower TPR */
    wr(ap[1], APIC_REG_TPR, 0x20);
    send_ipi(ap[0], 0x06, 0x4961);
    ck_assert_int_eq(cpus[1].intr, 0);
    ck_assert_int_eq(lapic_intr_ack(ap[2]), 0x61);
    wr(ap[2], APIC_REG_EOI, 0);
    /* cluster model: cluster 1, member bit 0 */
    wr(ap[2], APIC_REG_DFR, 0x0fffffff);
    wr(ap[2], APIC_REG_LDR, 0x11000000);
    ck_assert_uint_eq(rd(ap[2], APIC_REG_DFR), 0x0fffffff);
    send_ipi(ap[0], 0x11, 0x4862);
    ck_assert_int_eq(lapic_intr_ack(ap[2]), 0x62);
    wr(ap[2], APIC_REG_EOI, 0);
    send_ipi(ap[0], 0x21, 0x4863);
    ck_assert_int_eq(cpus[2].intr, 0);
}
END_TEST

static int pic_vector = 0x08;
static int pic_ack(void *opaque) { return pic_vector; }

START_TEST(test_lint0_extint)
{
    lapic_set_extint_ack(ap[0], pic_ack, NULL);
    lapic_set_lint(ap[0], 0, 1);                               /* virtual wire at reset */
    ck_assert_int_eq(cpus[0].intr, 1);
    ck_assert_int_eq(lapic_intr_ack(ap[0]), 0x08);
    lapic_set_lint(ap[0], 0, 0);
    ck_assert_int_eq(cpus[0].intr, 0);
    enable(ap[0]);
    wr(ap[0], APIC_REG_LVT_LINT0, APIC_LVT_MASKED | 0x700);
    lapic_set_lint(ap[0], 0, 1);
    ck_assert_int_eq(cpus[0].intr, 0);
    wr(ap[0], APIC_REG_LVT_LINT0, 0x700);
    ck_assert_int_eq(cpus[0].intr, 1);
    wr(ap[0], APIC_REG_LVT_LINT1, 0x400);                      /* LINT1 NMI */
    lapic_set_lint(ap[0], 1, 1);
    ck_assert_int_eq(cpus[0].nmi, 1);
    /* APIC globally disabled: LINT0 is INTR */
    lapic_set_base(ap[0], 0xfee00000);
    ck_assert_int_eq(cpus[0].intr, 1);
    ck_assert_int_eq(lapic_intr_ack(ap[0]), 0x08);
}
END_TEST

START_TEST(test_timer_oneshot)
{
    enable(ap[0]);
    wr(ap[0], APIC_REG_TIMER_DCR, 0xb);                        /* divide by 1 */
    wr(ap[0], APIC_REG_LVT_TIMER, 0x30);
    wr(ap[0], APIC_REG_TIMER_ICR, 1000);
    advance(400);
    ck_assert_uint_eq(rd(ap[0], APIC_REG_TIMER_CCR), 600);
    ck_assert_int_eq(cpus[0].intr, 0);
    advance(600);
    ck_assert_int_eq(cpus[0].intr, 1);
    ck_assert_uint_eq(rd(ap[0], APIC_REG_TIMER_CCR), 0);
    ck_assert_int_eq(lapic_intr_ack(ap[0]), 0x30);
    wr(ap[0], APIC_REG_EOI, 0);
    advance(5000);
    ck_assert_int_eq(cpus[0].intr, 0);
    /* divide by 16: 100 counts = 1600 ns */
    wr(ap[0], APIC_REG_TIMER_DCR, 0x3);
    wr(ap[0], APIC_REG_TIMER_ICR, 100);
    advance(800);
    ck_assert_uint_eq(rd(ap[0], APIC_REG_TIMER_CCR), 50);
    advance(799);
    ck_assert_int_eq(cpus[0].intr, 0);
    advance(1);
    ck_assert_int_eq(cpus[0].intr, 1);
}
END_TEST

START_TEST(test_timer_periodic_and_masked)
{
    enable(ap[0]);
    wr(ap[0], APIC_REG_TIMER_DCR, 0x0);                        /* divide by 2 */
    wr(ap[0], APIC_REG_LVT_TIMER, APIC_LVT_TIMER_PERIODIC | 0x31);
    wr(ap[0], APIC_REG_TIMER_ICR, 100);                        /* 200 ns period */
    for (int i = 0; i < 3; i++) {
        advance(200);
        ck_assert_int_eq(lapic_intr_ack(ap[0]), 0x31);
        wr(ap[0], APIC_REG_EOI, 0);
    }
    advance(50);
    ck_assert_uint_eq(rd(ap[0], APIC_REG_TIMER_CCR), 75);
    wr(ap[0], APIC_REG_LVT_TIMER, APIC_LVT_TIMER_PERIODIC | APIC_LVT_MASKED | 0x31);
    advance(1000);
    ck_assert_int_eq(cpus[0].intr, 0);
    ck_assert_uint_ne(rd(ap[0], APIC_REG_TIMER_CCR), 0);       /* still counting */
    wr(ap[0], APIC_REG_TIMER_ICR, 0);                          /* stop */
    ck_assert_uint_eq(rd(ap[0], APIC_REG_TIMER_CCR), 0);
}
END_TEST

START_TEST(test_timer_tsc_deadline)
{
    enable(ap[0]);
    lapic_set_tsc_deadline(ap[0], 12345);                      /* not in deadline mode */
    ck_assert_uint_eq(lapic_get_tsc_deadline(ap[0]), 0);
    wr(ap[0], APIC_REG_LVT_TIMER, APIC_LVT_TIMER_TSCDEADLINE | 0x32);
    wr(ap[0], APIC_REG_TIMER_ICR, 50);                         /* ignored */
    ck_assert_uint_eq(rd(ap[0], APIC_REG_TIMER_ICR), 0);
    uint64_t tsc = fake_tsc(NULL);
    lapic_set_tsc_deadline(ap[0], tsc + 500);
    ck_assert_uint_eq(lapic_get_tsc_deadline(ap[0]), tsc + 500);
    advance(499);
    ck_assert_int_eq(cpus[0].intr, 0);
    advance(1);
    ck_assert_int_eq(cpus[0].intr, 1);
    ck_assert_uint_eq(lapic_get_tsc_deadline(ap[0]), 0);
    ck_assert_int_eq(lapic_intr_ack(ap[0]), 0x32);
    wr(ap[0], APIC_REG_EOI, 0);
    lapic_set_tsc_deadline(ap[0], 1);                          /* in the past: fires */
    advance(0);
    ck_assert_int_eq(cpus[0].intr, 1);
    lapic_intr_ack(ap[0]);
    wr(ap[0], APIC_REG_EOI, 0);
    lapic_set_tsc_deadline(ap[0], fake_tsc(NULL) + 100);
    wr(ap[0], APIC_REG_LVT_TIMER, 0x32);                       /* mode change disarms */
    advance(1000);
    ck_assert_int_eq(cpus[0].intr, 0);
}
END_TEST

START_TEST(test_base_msr)
{
    lapic_set_base(ap[1], 0xfed00800);
    ck_assert_uint_eq(lapic_get_base(ap[1]), 0xfed00800);
    enable(ap[1]);
    wr(ap[1], APIC_REG_TPR, 0x20);
    lapic_set_base(ap[1], 0xfee00000);                         /* disable: state lost */
    lapic_set_base(ap[1], 0xfee00800);
    ck_assert_uint_eq(rd(ap[1], APIC_REG_SVR), 0xff);
    ck_assert_uint_eq(rd(ap[1], APIC_REG_TPR), 0);
    ck_assert_uint_eq(lapic_get_id(ap[1]), 1);
}
END_TEST

START_TEST(test_hostile_registers)
{
    srand(1);
    for (int i = 0; i < 3; i++)
        enable(ap[i]);
    for (int iter = 0; iter < 20000; iter++) {
        uint64_t off = (uint64_t)rand() % 0x2000;
        unsigned size = 1u << (rand() % 4);
        uint32_t val = (uint32_t)rand() ^ ((uint32_t)rand() << 16);
        LAPICState *s = ap[rand() % 3];
        if (rand() & 1)
            lapic_mmio_write(s, off & ~0xfull, val, 4);
        else
            lapic_mmio_write(s, off, val, size);
        lapic_mmio_read(s, off, size);
        if ((iter & 63) == 0) {
            lapic_intr_ack(s);
            advance(rand() % 1000);
        }
        lapic_accept_irq(s, rand() & 0xff, rand() & 1, rand() & 7);
        lapic_set_lint(s, rand() % 4 - 1, rand() & 1);
    }
    apic_bus_deliver_msi(&bus, 0xfee01000, 0x4041);
}
END_TEST

int main(void)
{
    return unit_run_tcase("lapic", "core", setup, teardown, UNIT_TESTS(
        test_reset_values, test_priority_ack_eoi, test_level_eoi_broadcast,
        test_software_disabled_drops_fixed, test_esr_illegal_vectors,
        test_ipi_physical_and_shorthands, test_ipi_init_sipi, test_ipi_logical, test_lint0_extint,
        test_timer_oneshot, test_timer_periodic_and_masked, test_timer_tsc_deadline, test_base_msr,
        test_hostile_registers));
}
