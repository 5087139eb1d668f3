/*
 * Unit tests for the i8259 pair: initialisation, masking, priorities and
 * rotation, EOI forms, edge and level triggering through ELCR, auto-EOI,
 * poll mode, special mask and special fully nested modes, spurious
 * vectors, and hostile register values — all through the port space.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "hw/intc/pic.h"
#include "hw/irq.h"
#include "softmmu/memory.h"
#include "unit-test.h"
#include "unit-io.h"

static UnitIo pio;
static PICState *pic;
static int intr_level;
static int intr_changes;

static void record_intr(void *opaque, int n, int level)
{
    intr_level = level;
    intr_changes++;
}

UNIT_IO_PORT_HELPERS(pio)

/* The usual PC programming: vectors 0x08 / 0x70, cascade on IR2. */
static void init_pair(uint8_t icw4)
{
    outb(0x20, 0x11);
    outb(0x21, 0x08);
    outb(0x21, 0x04);
    outb(0x21, icw4);
    outb(0xa0, 0x11);
    outb(0xa1, 0x70);
    outb(0xa1, 0x02);
    outb(0xa1, icw4);
    outb(0x21, 0x00);
    outb(0xa1, 0x00);
}

static void setup(void)
{
    unit_io_init(&pio, "I/O");
    IRQLine intr;
    irq_init(&intr, record_intr, NULL, 0);
    intr_level = 0;
    intr_changes = 0;
    pic = pic_new(&intr);
    pic_map(pic, &pio.root);
    init_pair(0x01);
}

static void teardown(void)
{
    pic_free(pic);
    pic = NULL;
    unit_io_destroy(&pio);
}

static void eoi_master(void) { outb(0x20, 0x20); }
static void eoi_slave(void) { outb(0xa0, 0x20); }

START_TEST(test_basic_edge_interrupt)
{
    ck_assert_int_eq(intr_level, 0);
    pic_set_irq(pic, 1, 1);
    ck_assert_int_eq(intr_level, 1);
    ck_assert_int_eq(pic_get_output(pic), 1);
    ck_assert_uint_eq(inb(0x20), 0x02);       /* IRR */
    ck_assert_int_eq(pic_intr_ack(pic), 0x09);
    ck_assert_int_eq(intr_level, 0);
    outb(0x20, 0x0b);                          /* OCW3: read ISR */
    ck_assert_uint_eq(inb(0x20), 0x02);
    ck_assert_uint_eq(inb(0x20), 0x02);       /* selection sticks */
    eoi_master();
    ck_assert_uint_eq(inb(0x20), 0x00);
    outb(0x20, 0x0a);                          /* back to IRR */
    ck_assert_uint_eq(inb(0x20), 0x00);       /* edge: IRR cleared by INTA */
    /* Line still high: no new edge, no new interrupt. */
    ck_assert_int_eq(intr_level, 0);
    pic_set_irq(pic, 1, 0);
    pic_set_irq(pic, 1, 1);
    ck_assert_int_eq(intr_level, 1);
}
END_TEST

START_TEST(test_edge_pulse_is_latched)
{
    IRQLine *l = pic_irq(pic, 4);
    ck_assert_ptr_nonnull(l);
    irq_pulse(l);
    ck_assert_int_eq(intr_level, 1);
    ck_assert_int_eq(pic_intr_ack(pic), 0x0c);
    ck_assert_ptr_null(pic_irq(pic, 16));
    ck_assert_ptr_null(pic_irq(pic, -1));
}
END_TEST

START_TEST(test_mask)
{
    outb(0x21, 0xff);
    ck_assert_uint_eq(inb(0x21), 0xff);
    pic_set_irq(pic, 3, 1);
    ck_assert_int_eq(intr_level, 0);
    ck_assert_uint_eq(inb(0x20), 0x08);       /* IRR shows masked requests */
    outb(0x21, 0xf7);
    ck_assert_int_eq(intr_level, 1);
    ck_assert_int_eq(pic_intr_ack(pic), 0x0b);
}
END_TEST

START_TEST(test_priority_and_nesting)
{
    pic_set_irq(pic, 5, 1);
    pic_set_irq(pic, 3, 1);
    ck_assert_int_eq(pic_intr_ack(pic), 0x0b); /* 3 before 5 */
    ck_assert_int_eq(intr_level, 0);           /* 5 blocked by 3 in service */
    pic_set_irq(pic, 1, 1);
    ck_assert_int_eq(intr_level, 1);           /* 1 preempts 3 */
    ck_assert_int_eq(pic_intr_ack(pic), 0x09);
    eoi_master();                              /* ends 1 */
    ck_assert_int_eq(intr_level, 0);
    eoi_master();                              /* ends 3 */
    ck_assert_int_eq(intr_level, 1);
    ck_assert_int_eq(pic_intr_ack(pic), 0x0d);
}
END_TEST

START_TEST(test_specific_eoi_and_rotation)
{
    pic_set_irq(pic, 6, 1);
    ck_assert_int_eq(pic_intr_ack(pic), 0x0e);
    outb(0x20, 0x66);                          /* specific EOI for 6 */
    outb(0x20, 0x0b);
    ck_assert_uint_eq(inb(0x20), 0x00);
    /* Set priority: IR4 lowest -> IR5 highest. */
    outb(0x20, 0xc4);
    pic_set_irq(pic, 0, 1);
    pic_set_irq(pic, 5, 1);
    ck_assert_int_eq(pic_intr_ack(pic), 0x0d);
    /* Rotate on non-specific EOI: 5 becomes lowest, 6 highest; 0 next. */
    outb(0x20, 0xa0);
    ck_assert_int_eq(pic_intr_ack(pic), 0x08);
    /* Rotate on specific EOI for 0: 1 becomes highest. */
    outb(0x20, 0xe0);
    pic_set_irq(pic, 7, 1);
    pic_set_irq(pic, 1, 1);
    ck_assert_int_eq(pic_intr_ack(pic), 0x09);
}
END_TEST

START_TEST(test_cascade_and_slave)
{
    pic_set_irq(pic, 12, 1);
    ck_assert_int_eq(intr_level, 1);
    ck_assert_uint_eq(inb(0x20), 0x04);       /* master sees IR2 */
    ck_assert_uint_eq(inb(0xa0), 0x10);
    ck_assert_int_eq(pic_intr_ack(pic), 0x74);
    outb(0xa0, 0x0b);
    ck_assert_uint_eq(inb(0xa0), 0x10);
    outb(0x20, 0x0b);
    ck_assert_uint_eq(inb(0x20), 0x04);
    /* A lower slave IRQ waits for the EOIs (no SFNM): */
    pic_set_irq(pic, 14, 1);
    ck_assert_int_eq(intr_level, 0);
    eoi_slave();
    ck_assert_int_eq(intr_level, 0);           /* master IR2 still in service */
    eoi_master();
    ck_assert_int_eq(intr_level, 1);
    ck_assert_int_eq(pic_intr_ack(pic), 0x76);
    /* Writing IRQ 2 directly does nothing: the cascade is internal. */
    eoi_slave();
    eoi_master();
    pic_set_irq(pic, 2, 1);
    ck_assert_int_eq(intr_level, 0);
}
END_TEST

START_TEST(test_special_fully_nested)
{
    init_pair(0x11);                           /* SFNM + 8086 */
    pic_set_irq(pic, 14, 1);
    ck_assert_int_eq(pic_intr_ack(pic), 0x76);
    pic_set_irq(pic, 9, 1);                    /* higher slave priority */
    ck_assert_int_eq(intr_level, 1);
    ck_assert_int_eq(pic_intr_ack(pic), 0x71);
    /* Without SFNM, that would have waited: */
    eoi_slave();
    eoi_slave();
    eoi_master();
    init_pair(0x01);
    pic_set_irq(pic, 14, 0);
    pic_set_irq(pic, 9, 0);
    pic_set_irq(pic, 14, 1);
    ck_assert_int_eq(pic_intr_ack(pic), 0x76);
    pic_set_irq(pic, 9, 1);
    ck_assert_int_eq(intr_level, 0);
}
END_TEST

START_TEST(test_auto_eoi)
{
    init_pair(0x03);
    pic_set_irq(pic, 3, 1);
    ck_assert_int_eq(pic_intr_ack(pic), 0x0b);
    outb(0x20, 0x0b);
    ck_assert_uint_eq(inb(0x20), 0x00);       /* nothing in service */
    pic_set_irq(pic, 5, 1);
    ck_assert_int_eq(intr_level, 1);
    /* Rotate in auto-EOI mode: after 5, IR6 gets highest priority. */
    outb(0x20, 0x80);
    ck_assert_int_eq(pic_intr_ack(pic), 0x0d);
    pic_set_irq(pic, 4, 1);
    pic_set_irq(pic, 7, 1);
    ck_assert_int_eq(pic_intr_ack(pic), 0x0f);
    outb(0x20, 0x00);                          /* clear rotate in AEOI */
    ck_assert_int_eq(pic_intr_ack(pic), 0x0c);
}
END_TEST

START_TEST(test_level_triggered_elcr)
{
    outb(0x4d0, 0xff);
    outb(0x4d1, 0xff);
    ck_assert_uint_eq(inb(0x4d0), 0xf8);      /* 0, 1, 2 can't be level */
    ck_assert_uint_eq(inb(0x4d1), 0xde);      /* 8, 13 can't be level */
    pic_set_irq(pic, 11, 1);
    ck_assert_int_eq(pic_intr_ack(pic), 0x73);
    eoi_slave();
    eoi_master();
    /* Still asserted: interrupts again after EOI. */
    ck_assert_int_eq(intr_level, 1);
    ck_assert_int_eq(pic_intr_ack(pic), 0x73);
    pic_set_irq(pic, 11, 0);
    eoi_slave();
    eoi_master();
    ck_assert_int_eq(intr_level, 0);
    ck_assert_uint_eq(inb(0xa0), 0x00);
}
END_TEST

START_TEST(test_spurious_irq7)
{
    outb(0x4d0, 0x20);                         /* IRQ5 level */
    pic_set_irq(pic, 5, 1);
    ck_assert_int_eq(intr_level, 1);
    pic_set_irq(pic, 5, 0);                    /* gone before INTA */
    ck_assert_int_eq(intr_level, 0);
    ck_assert_int_eq(pic_intr_ack(pic), 0x0f);
    outb(0x20, 0x0b);
    ck_assert_uint_eq(inb(0x20), 0x00);       /* no ISR bit for a spurious one */
}
END_TEST

START_TEST(test_spurious_irq15)
{
    outb(0x4d1, 0x08);                         /* IRQ11 level */
    pic_set_irq(pic, 11, 1);
    ck_assert_int_eq(intr_level, 1);
    pic_set_irq(pic, 11, 0);
    /* The master latched the edge on IR2: INTA gives the slave's IR7. */
    ck_assert_int_eq(pic_intr_ack(pic), 0x77);
    outb(0xa0, 0x0b);
    ck_assert_uint_eq(inb(0xa0), 0x00);
    outb(0x20, 0x0b);
    ck_assert_uint_eq(inb(0x20), 0x04);       /* master needs its EOI */
    eoi_master();
    ck_assert_uint_eq(inb(0x20), 0x00);
}
END_TEST

START_TEST(test_poll_mode)
{
    outb(0x21, 0xff);
    pic_set_irq(pic, 6, 1);
    outb(0x20, 0x0c);                          /* poll */
    ck_assert_uint_eq(inb(0x20), 0x00);       /* masked: nothing */
    outb(0x21, 0x00);
    outb(0x20, 0x0c);
    ck_assert_uint_eq(inb(0x20), 0x86);
    outb(0x20, 0x0b);
    ck_assert_uint_eq(inb(0x20), 0x40);       /* acknowledged into ISR */
    ck_assert_uint_eq(inb(0x20), 0x40);       /* poll is for one read only */
}
END_TEST

START_TEST(test_special_mask_mode)
{
    pic_set_irq(pic, 2 + 1, 1);
    ck_assert_int_eq(pic_intr_ack(pic), 0x0b); /* 3 in service */
    pic_set_irq(pic, 6, 1);
    ck_assert_int_eq(intr_level, 0);
    outb(0x20, 0x68);                          /* set special mask mode */
    outb(0x21, 0x08);                          /* mask IR3 */
    ck_assert_int_eq(intr_level, 1);           /* lower IR6 now allowed */
    ck_assert_int_eq(pic_intr_ack(pic), 0x0e);
    outb(0x20, 0x48);                          /* reset special mask mode */
    outb(0x20, 0x66);
    outb(0x20, 0x63);
    outb(0x21, 0x00);
    outb(0x20, 0x0b);
    ck_assert_uint_eq(inb(0x20), 0x00);
}
END_TEST

START_TEST(test_icw1_resets_state)
{
    pic_set_irq(pic, 3, 1);
    outb(0x21, 0x55);
    ck_assert_int_eq(intr_level, 1);
    outb(0x20, 0x11);                          /* ICW1 */
    ck_assert_int_eq(intr_level, 0);           /* IRR cleared */
    outb(0x21, 0x20);                          /* ICW2 (vector base 0x20) */
    outb(0x21, 0x04);
    outb(0x21, 0x01);
    ck_assert_uint_eq(inb(0x21), 0x00);       /* IMR cleared */
    pic_set_irq(pic, 3, 0);
    pic_set_irq(pic, 3, 1);
    ck_assert_int_eq(pic_intr_ack(pic), 0x23);
    /* Single mode, no ICW4: ICW2 then operational. */
    outb(0xa0, 0x12);
    outb(0xa1, 0x40);
    outb(0xa1, 0xaa);
    ck_assert_uint_eq(inb(0xa1), 0xaa);
}
END_TEST

START_TEST(test_reset_power_on_state)
{
    outb(0x4d1, 0x0e);
    outb(0x21, 0x12);
    pic_set_irq(pic, 4, 1);
    pic_reset(pic);
    ck_assert_int_eq(intr_level, 0);
    ck_assert_uint_eq(inb(0x21), 0x00);
    ck_assert_uint_eq(inb(0x4d1), 0x00);
    ck_assert_uint_eq(inb(0x20), 0x00);
}
END_TEST

START_TEST(test_hostile_values)
{
    for (int v = 0; v < 256; v++) {
        outb(0x20, (uint8_t)v);
        outb(0x21, (uint8_t)(v * 7));
        outb(0xa0, (uint8_t)(v ^ 0x5a));
        outb(0xa1, (uint8_t)v);
        outb(0x4d0, (uint8_t)v);
        outb(0x4d1, (uint8_t)~v);
        pic_set_irq(pic, v % 20 - 2, v & 1);
        int vec = pic_intr_ack(pic);
        ck_assert_int_ge(vec, 0);
        ck_assert_int_le(vec, 255);
        (void)inb(0x20);
        (void)inb(0xa1);
    }
    /* Word access is split into bytes. */
    ck_assert_int_eq(address_space_st(&pio.as, 0x4d0, 0xffff, 2), MEMTX_OK);
    MemTxResult r;
    ck_assert_uint_eq(address_space_ld(&pio.as, 0x4d0, 2, &r), 0xdef8);
}
END_TEST

int main(void)
{
    return unit_run_tcase("pic", "i8259", setup, teardown, UNIT_TESTS(
        test_basic_edge_interrupt, test_edge_pulse_is_latched, test_mask, test_priority_and_nesting,
        test_specific_eoi_and_rotation, test_cascade_and_slave, test_special_fully_nested,
        test_auto_eoi, test_level_triggered_elcr, test_spurious_irq7, test_spurious_irq15,
        test_poll_mode, test_special_mask_mode, test_icw1_resets_state, test_reset_power_on_state,
        test_hostile_values));
}
