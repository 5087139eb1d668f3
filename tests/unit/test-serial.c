/*
 * Unit tests for the 16550A UART register model (through its port
 * callbacks and through the port space), and for the small ISA devices:
 * isa-debug-exit, the POST-code port and the 0xe9 debug console.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#include "core/chardev.h"
#include "core/clock.h"
#include "core/runstate.h"
#include "hw/char/debugcon.h"
#include "hw/char/serial.h"
#include "hw/irq.h"
#include "hw/misc/debugexit.h"
#include "hw/misc/post.h"
#include "softmmu/memory.h"
#include "unit-test.h"
#include "unit-io.h"

/* ---- a capturing chardev and an IRQ recorder ---- */
static uint8_t captured[256];
static int ncaptured;

static int cap_write(Chardev *chr, const uint8_t *buf, int len)
{
    for (int i = 0; i < len && ncaptured < (int)sizeof(captured); i++)
        captured[ncaptured++] = buf[i];
    return len;
}

static int accept_calls;
static void cap_accept_input(Chardev *chr)
{
    accept_calls++;
}

static const ChardevClass cap_class = { .name = "capture", .write = cap_write,
                                        .accept_input = cap_accept_input };
static Chardev chr;

static int levels[64];
static int nlevels;
static int irq_level = -1;

static void record_irq(void *opaque, int n, int level)
{
    ck_assert_int_eq(n, 4);
    if (nlevels < 64)
        levels[nlevels++] = level;
    irq_level = level;
}

static SerialState *s;

static void setup(void)
{
    memset(&chr, 0, sizeof(chr));
    chr.cls = &cap_class;
    chr.label = "test";
    ncaptured = 0;
    nlevels = 0;
    irq_level = -1;
    accept_calls = 0;
    IRQLine irq;
    irq_init(&irq, record_irq, NULL, 4);
    s = serial_new(&chr, &irq);
}

static void teardown(void)
{
    serial_free(s);
    s = NULL;
}

static uint8_t in8(unsigned reg)
{
    return (uint8_t)serial_io_ops.read(s, reg, 1);
}

static void out8(unsigned reg, uint8_t v)
{
    serial_io_ops.write(s, reg, v, 1);
}

static int feed(const char *str)
{
    return chardev_feed(&chr, (const uint8_t *)str, (int)strlen(str));
}

/* Deliver bytes ignoring can_read, as a misbehaving back end would. */
static void force_rx(const char *str)
{
    chr.read(chr.opaque, (const uint8_t *)str, (int)strlen(str));
}

/* ---- registers ---- */
START_TEST(test_reset_values)
{
    ck_assert_uint_eq(in8(UART_IER), 0);
    ck_assert_uint_eq(in8(UART_IIR), 0x01);
    ck_assert_uint_eq(in8(UART_LCR), 0);
    ck_assert_uint_eq(in8(UART_MCR), 0);
    ck_assert_uint_eq(in8(UART_LSR), 0x60);
    ck_assert_uint_eq(in8(UART_MSR), 0xb0);
    ck_assert_uint_eq(in8(UART_SCR), 0);
}
END_TEST

START_TEST(test_divisor_latch)
{
    out8(UART_LCR, 0x83);
    out8(UART_DLL, 0x01);
    out8(UART_DLM, 0x02);
    ck_assert_uint_eq(in8(UART_DLL), 0x01);
    ck_assert_uint_eq(in8(UART_DLM), 0x02);
    ck_assert_int_eq(ncaptured, 0); /* DLL write is not a transmit */
    out8(UART_LCR, 0x03);
    ck_assert_uint_eq(in8(UART_IER), 0); /* IER, not DLM */
    out8(UART_IER, 0x05);
    out8(UART_THR, 'A');
    ck_assert_int_eq(ncaptured, 1);
    ck_assert_uint_eq(captured[0], 'A');
    out8(UART_LCR, 0x83);
    ck_assert_uint_eq(in8(UART_DLL), 0x01); /* unchanged by THR/IER writes */
    ck_assert_uint_eq(in8(UART_DLM), 0x02);
    out8(UART_LCR, 0x03);
    ck_assert_uint_eq(in8(UART_IER), 0x05);
}
END_TEST

START_TEST(test_readback_lcr_mcr_scr_ier)
{
    out8(UART_LCR, 0x1b);
    ck_assert_uint_eq(in8(UART_LCR), 0x1b);
    out8(UART_MCR, 0xff);
    ck_assert_uint_eq(in8(UART_MCR), 0x1f); /* bits 5-7 read 0 */
    out8(UART_MCR, 0x0b);
    ck_assert_uint_eq(in8(UART_MCR), 0x0b);
    out8(UART_SCR, 0x5a);
    ck_assert_uint_eq(in8(UART_SCR), 0x5a);
    out8(UART_IER, 0xff);
    ck_assert_uint_eq(in8(UART_IER), 0x0f);
    /* LSR and MSR ignore writes */
    out8(UART_LSR, 0x00);
    ck_assert_uint_eq(in8(UART_LSR) & 0x60, 0x60);
}
END_TEST

/* ---- THRE ---- */
START_TEST(test_thre_raise_on_enable_and_clear_on_iir_read)
{
    out8(UART_MCR, UART_MCR_OUT2);
    ck_assert_int_ne(irq_level, 1);
    out8(UART_IER, UART_IER_ETBEI);
    ck_assert_int_eq(irq_level, 1);
    ck_assert_uint_eq(in8(UART_IIR), 0x02);
    ck_assert_int_eq(irq_level, 0);
    ck_assert_uint_eq(in8(UART_IIR), 0x01);
    /* Writing IER with ETBEI still set does not re-raise it. */
    out8(UART_IER, UART_IER_ETBEI);
    ck_assert_uint_eq(in8(UART_IIR), 0x01);
    /* Toggling it off and on does. */
    out8(UART_IER, 0);
    out8(UART_IER, UART_IER_ETBEI);
    ck_assert_uint_eq(in8(UART_IIR), 0x02);
}
END_TEST

START_TEST(test_thre_cleared_by_thr_write_then_raised)
{
    out8(UART_MCR, UART_MCR_OUT2);
    out8(UART_IER, UART_IER_ETBEI);
    ck_assert_int_eq(irq_level, 1);
    nlevels = 0;
    out8(UART_THR, 'x');
    /* cleared by the write, raised again once the byte has gone */
    ck_assert_int_eq(nlevels, 2);
    ck_assert_int_eq(levels[0], 0);
    ck_assert_int_eq(levels[1], 1);
    ck_assert_uint_eq(in8(UART_IIR), 0x02);
    ck_assert_uint_eq(in8(UART_LSR) & 0x60, 0x60);
    ck_assert_int_eq(ncaptured, 1);
    ck_assert_uint_eq(captured[0], 'x');
}
END_TEST

START_TEST(test_thr_write_without_chardev)
{
    SerialState *t = serial_new(NULL, NULL);
    serial_io_ops.write(t, UART_THR, 'z', 1);
    ck_assert_uint_eq(serial_io_ops.read(t, UART_LSR, 1), 0x60);
    serial_free(t);
}
END_TEST

/* ---- interrupt priorities ---- */
START_TEST(test_iir_priorities)
{
    /* Modem status deltas: enter and leave loopback with no outputs set. */
    out8(UART_MCR, UART_MCR_LOOP);
    out8(UART_MCR, UART_MCR_OUT2);
    force_rx("ab"); /* overrun without FIFO */
    out8(UART_IER, 0x0f);
    ck_assert_int_eq(irq_level, 1);
    ck_assert_uint_eq(in8(UART_IIR), 0x06); /* receiver line status */
    ck_assert_uint_eq(in8(UART_LSR), 0x63);  /* DR | OE | THRE | TEMT */
    ck_assert_uint_eq(in8(UART_IIR), 0x04); /* data available */
    ck_assert_uint_eq(in8(UART_RBR), 'b');
    ck_assert_uint_eq(in8(UART_IIR), 0x02); /* THRE, cleared by this read */
    ck_assert_uint_eq(in8(UART_IIR), 0x00); /* modem status */
    ck_assert_int_eq(irq_level, 1);
    ck_assert_uint_eq(in8(UART_MSR), 0xbb);  /* lines up, all deltas */
    ck_assert_uint_eq(in8(UART_IIR), 0x01);
    ck_assert_int_eq(irq_level, 0);
    ck_assert_uint_eq(in8(UART_MSR), 0xb0);
}
END_TEST

START_TEST(test_ier_masks_sources)
{
    out8(UART_MCR, UART_MCR_OUT2);
    feed("q");
    ck_assert_uint_eq(in8(UART_IIR), 0x01);
    ck_assert_int_ne(irq_level, 1);
    out8(UART_IER, UART_IER_ERBFI);
    ck_assert_uint_eq(in8(UART_IIR), 0x04);
    ck_assert_int_eq(irq_level, 1);
    in8(UART_RBR);
    ck_assert_int_eq(irq_level, 0);
}
END_TEST

/* ---- receive without FIFO ---- */
START_TEST(test_rx_no_fifo)
{
    ck_assert_uint_eq(in8(UART_LSR) & UART_LSR_DR, 0);
    ck_assert_int_eq(feed("hi"), 1); /* holding register takes one */
    ck_assert_uint_eq(in8(UART_LSR), 0x61);
    ck_assert_int_eq(chr.can_read(chr.opaque), 0);
    int before = accept_calls;
    ck_assert_uint_eq(in8(UART_RBR), 'h');
    ck_assert_int_gt(accept_calls, before); /* the back end is told */
    ck_assert_uint_eq(in8(UART_LSR), 0x60);
    ck_assert_int_eq(feed("i"), 1);
    ck_assert_uint_eq(in8(UART_RBR), 'i');
    ck_assert_uint_eq(in8(UART_RBR), 'i'); /* empty RBR: last byte again */
    ck_assert_uint_eq(in8(UART_LSR), 0x60);
}
END_TEST

/* ---- FIFO ---- */
START_TEST(test_fifo_enabled_iir_bits)
{
    out8(UART_FCR, 0x01);
    ck_assert_uint_eq(in8(UART_IIR), 0xc1);
    out8(UART_IER, UART_IER_ETBEI);
    ck_assert_uint_eq(in8(UART_IIR), 0xc2);
    out8(UART_FCR, 0x00);
    ck_assert_uint_eq(in8(UART_IIR), 0x01);
}
END_TEST

static const struct { uint8_t fcr; int trigger; } trigger_rows[] = {
    { 0x01, 1 }, { 0x41, 4 }, { 0x81, 8 }, { 0xc1, 14 },
};

START_TEST(test_fifo_trigger_levels)
{
    out8(UART_MCR, UART_MCR_OUT2);
    out8(UART_IER, UART_IER_ERBFI);
    out8(UART_FCR, trigger_rows[_i].fcr);
    int trig = trigger_rows[_i].trigger;
    for (int i = 0; i < trig - 1; i++)
        ck_assert_int_eq(feed("."), 1);
    if (trig > 1) {
        ck_assert_uint_eq(in8(UART_IIR), 0xc1);
        ck_assert_uint_eq(in8(UART_LSR) & UART_LSR_DR, UART_LSR_DR);
        ck_assert_int_ne(irq_level, 1);
    }
    feed("!");
    ck_assert_uint_eq(in8(UART_IIR), 0xc4);
    ck_assert_int_eq(irq_level, 1);
    in8(UART_RBR); /* below the trigger again */
    ck_assert_int_eq(irq_level, 0);
    ck_assert_uint_eq(in8(UART_IIR), 0xc1);
}
END_TEST

START_TEST(test_fifo_fill_and_overrun)
{
    out8(UART_FCR, 0xc1);
    ck_assert_int_eq(chr.can_read(chr.opaque), 16);
    ck_assert_int_eq(feed("0123456789abc"), 13);
    ck_assert_int_eq(chr.can_read(chr.opaque), 3);
    ck_assert_int_eq(feed("defgh"), 3); /* only the free space is taken */
    ck_assert_int_eq(chr.can_read(chr.opaque), 0);
    ck_assert_uint_eq(in8(UART_LSR), 0x61);
    force_rx("X"); /* past a full FIFO: overrun, byte lost */
    out8(UART_IER, UART_IER_ELSI);
    ck_assert_uint_eq(in8(UART_IIR), 0xc6);
    ck_assert_uint_eq(in8(UART_LSR), 0x63);
    ck_assert_uint_eq(in8(UART_LSR), 0x61); /* OE cleared by the read */
    ck_assert_uint_eq(in8(UART_IIR), 0xc1);
    const char *want = "0123456789abcdef";
    for (int i = 0; i < 16; i++)
        ck_assert_uint_eq(in8(UART_RBR), (uint8_t)want[i]);
    ck_assert_uint_eq(in8(UART_LSR), 0x60);
    ck_assert_int_eq(chr.can_read(chr.opaque), 16);
}
END_TEST

START_TEST(test_fifo_reset_bits)
{
    out8(UART_FCR, 0x01);
    feed("abcde");
    ck_assert_uint_eq(in8(UART_LSR) & UART_LSR_DR, UART_LSR_DR);
    out8(UART_FCR, 0x05); /* TX reset only: RX kept */
    ck_assert_uint_eq(in8(UART_LSR) & UART_LSR_DR, UART_LSR_DR);
    out8(UART_FCR, 0x03); /* RX reset */
    ck_assert_uint_eq(in8(UART_LSR) & UART_LSR_DR, 0);
    ck_assert_int_eq(chr.can_read(chr.opaque), 16);
    feed("xyz");
    out8(UART_FCR, 0x00); /* disabling empties the FIFOs too */
    ck_assert_uint_eq(in8(UART_LSR), 0x60);
    ck_assert_int_eq(chr.can_read(chr.opaque), 1);
    feed("k");
    out8(UART_FCR, 0x01); /* and so does enabling */
    ck_assert_uint_eq(in8(UART_LSR), 0x60);
}
END_TEST

START_TEST(test_char_timeout)
{
    clock_set_icount(0);
    out8(UART_MCR, UART_MCR_OUT2);
    out8(UART_IER, UART_IER_ERBFI);
    out8(UART_LCR, 0x83);
    out8(UART_DLL, 1); /* 115200 baud: 8N1 is 10 bits = ~86.8 us */
    out8(UART_DLM, 0);
    out8(UART_LCR, 0x03);
    out8(UART_FCR, 0xc1);
    feed("ab");
    ck_assert_uint_eq(in8(UART_IIR), 0xc1);
    clock_icount_warp(300000); /* < 4 character times */
    timers_run_expired(CLOCK_VIRTUAL);
    ck_assert_uint_eq(in8(UART_IIR), 0xc1);
    clock_icount_warp(100000);
    timers_run_expired(CLOCK_VIRTUAL);
    ck_assert_uint_eq(in8(UART_IIR), 0xcc);
    ck_assert_int_eq(irq_level, 1);
    ck_assert_uint_eq(in8(UART_RBR), 'a'); /* clears the timeout */
    ck_assert_uint_eq(in8(UART_IIR), 0xc1);
    ck_assert_int_eq(irq_level, 0);
    clock_icount_warp(400000);
    timers_run_expired(CLOCK_VIRTUAL);
    ck_assert_uint_eq(in8(UART_IIR), 0xcc);
    ck_assert_uint_eq(in8(UART_RBR), 'b');
    clock_icount_warp(400000);
    timers_run_expired(CLOCK_VIRTUAL);
    ck_assert_uint_eq(in8(UART_IIR), 0xc1); /* empty: no timeout */
    ck_assert_int_eq(irq_level, 0);
    clock_set_icount(-1);
}
END_TEST

/* ---- loopback and modem status ---- */
START_TEST(test_loopback_data)
{
    out8(UART_MCR, UART_MCR_LOOP);
    out8(UART_THR, 'Q');
    ck_assert_int_eq(ncaptured, 0); /* not sent out */
    ck_assert_uint_eq(in8(UART_LSR), 0x61);
    ck_assert_uint_eq(in8(UART_RBR), 'Q');
    ck_assert_int_eq(chr.can_read(chr.opaque), 0); /* host input held */
    ck_assert_int_eq(feed("h"), 0);
    out8(UART_FCR, 0x01);
    for (int i = 0; i < 17; i++)
        out8(UART_THR, (uint8_t)('A' + i));
    ck_assert_uint_eq(in8(UART_LSR), 0x63); /* 17th byte overran */
    for (int i = 0; i < 16; i++)
        ck_assert_uint_eq(in8(UART_RBR), (uint8_t)('A' + i));
    out8(UART_MCR, 0);
    ck_assert_int_eq(feed("h"), 1);
    ck_assert_uint_eq(in8(UART_RBR), 'h');
}
END_TEST

static const struct { uint8_t mcr; uint8_t msr_lines; } loop_rows[] = {
    { UART_MCR_DTR, UART_MSR_DSR },
    { UART_MCR_RTS, UART_MSR_CTS },
    { UART_MCR_OUT1, UART_MSR_RI },
    { UART_MCR_OUT2, UART_MSR_DCD },
    { 0x0f, 0xf0 },
    { 0, 0 },
};

START_TEST(test_loopback_modem_lines)
{
    out8(UART_MCR, UART_MCR_LOOP);
    in8(UART_MSR); /* drop the deltas from entering loopback */
    out8(UART_MCR, UART_MCR_LOOP | loop_rows[_i].mcr);
    ck_assert_uint_eq(in8(UART_MSR) & 0xf0, loop_rows[_i].msr_lines);
}
END_TEST

START_TEST(test_msr_delta_bits)
{
    out8(UART_MCR, UART_MCR_LOOP);
    ck_assert_uint_eq(in8(UART_MSR), 0x0b); /* CTS, DSR, DCD dropped */
    ck_assert_uint_eq(in8(UART_MSR), 0x00);
    out8(UART_MCR, UART_MCR_LOOP | UART_MCR_RTS);
    ck_assert_uint_eq(in8(UART_MSR), UART_MSR_CTS | UART_MSR_DCTS);
    out8(UART_MCR, UART_MCR_LOOP | UART_MCR_RTS | UART_MCR_OUT1);
    ck_assert_uint_eq(in8(UART_MSR), UART_MSR_CTS | UART_MSR_RI); /* RI rising: no delta */
    out8(UART_MCR, UART_MCR_LOOP | UART_MCR_RTS);
    ck_assert_uint_eq(in8(UART_MSR), UART_MSR_CTS | UART_MSR_TERI); /* trailing edge */
    out8(UART_MCR, UART_MCR_LOOP | UART_MCR_RTS | UART_MCR_DTR);
    ck_assert_uint_eq(in8(UART_MSR), UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DDSR);
    out8(UART_MCR, UART_MCR_LOOP | UART_MCR_RTS | UART_MCR_DTR | UART_MCR_OUT2);
    ck_assert_uint_eq(in8(UART_MSR), 0xb0 | UART_MSR_DDCD);
    out8(UART_MCR, UART_MCR_RTS | UART_MCR_DTR | UART_MCR_OUT2); /* same lines outside */
    ck_assert_uint_eq(in8(UART_MSR), 0xb0);
}
END_TEST

START_TEST(test_modem_status_interrupt)
{
    out8(UART_MCR, UART_MCR_OUT2);
    out8(UART_IER, UART_IER_EDSSI);
    ck_assert_uint_eq(in8(UART_IIR), 0x01);
    out8(UART_MCR, UART_MCR_OUT2 | UART_MCR_LOOP);
    ck_assert_uint_eq(in8(UART_IIR), 0x00);
    in8(UART_MSR);
    ck_assert_uint_eq(in8(UART_IIR), 0x01);
}
END_TEST

/* ---- IRQ gating ---- */
START_TEST(test_out2_gates_irq)
{
    out8(UART_IER, UART_IER_ETBEI);
    ck_assert_uint_eq(in8(UART_IIR), 0x02); /* pending ... */
    out8(UART_IER, 0);
    out8(UART_IER, UART_IER_ETBEI);
    ck_assert_int_ne(irq_level, 1); /* ... but the line stays low */
    out8(UART_MCR, UART_MCR_OUT2);
    ck_assert_int_eq(irq_level, 1);
    out8(UART_MCR, 0);
    ck_assert_int_eq(irq_level, 0);
    out8(UART_MCR, UART_MCR_OUT2);
    ck_assert_int_eq(irq_level, 1);
    out8(UART_MCR, UART_MCR_OUT2 | UART_MCR_LOOP); /* outputs forced inactive */
    ck_assert_int_eq(irq_level, 0);
    out8(UART_MCR, UART_MCR_OUT2 | UART_MCR_OUT1 | UART_MCR_DTR | UART_MCR_RTS);
    ck_assert_int_eq(irq_level, 1);
}
END_TEST

START_TEST(test_reset_clears_state)
{
    out8(UART_MCR, UART_MCR_OUT2);
    out8(UART_IER, 0x0f);
    out8(UART_FCR, 0xc1);
    out8(UART_SCR, 0x77);
    feed("abc");
    ck_assert_int_eq(irq_level, 1);
    serial_reset(s);
    ck_assert_int_eq(irq_level, 0);
    ck_assert_uint_eq(in8(UART_IIR), 0x01);
    ck_assert_uint_eq(in8(UART_LSR), 0x60);
    ck_assert_uint_eq(in8(UART_IER), 0);
    ck_assert_uint_eq(in8(UART_MCR), 0);
    ck_assert_uint_eq(in8(UART_SCR), 0);
    ck_assert_int_eq(chr.can_read(chr.opaque), 1);
}
END_TEST

/* ---- through the port space ---- */
static UnitIo pio;

static void io_setup(void)
{
    setup();
    unit_io_init(&pio, "I/O");
}

static void io_teardown(void)
{
    teardown();
    unit_io_destroy(&pio);
}

static uint64_t pin(uint16_t port, unsigned size)
{
    return address_space_ld(&pio.as, port, size, NULL);
}

static void pout(uint16_t port, uint64_t v, unsigned size)
{
    address_space_st(&pio.as, port, v, size);
}

START_TEST(test_serial_mapped)
{
    serial_map(s, &pio.root, 0x3f8);
    pout(0x3fb, 0x80, 1);
    pout(0x3f8, 0x0c, 1);
    pout(0x3f9, 0x00, 1);
    ck_assert_uint_eq(pin(0x3f8, 2), 0x000c); /* word read split into DLL, DLM */
    pout(0x3fb, 0x03, 1);
    pout(0x3f8, 'P', 1);
    ck_assert_int_eq(ncaptured, 1);
    ck_assert_uint_eq(captured[0], 'P');
    ck_assert_uint_eq(pin(0x3fd, 1), 0x60);
    ck_assert_uint_eq(pin(0x400, 1), 0xff); /* past the 8 registers */
    serial_free(s);
    s = NULL;
    ck_assert_uint_eq(pin(0x3fd, 1), 0xff); /* unmapped */
}
END_TEST

START_TEST(test_debugexit_default)
{
    char *err = NULL;
    runstate_take_request();
    DebugExit *d = debugexit_create(&pio.root, NULL, &err);
    ck_assert_ptr_nonnull(d);
    ck_assert_ptr_null(err);
    ck_assert_uint_eq(pin(0x501, 1), 0);
    ck_assert(!runstate_shutdown_pending());
    pout(0x501, 0x10, 1);
    ck_assert_int_eq(runstate_take_request(), SHUTDOWN_DEBUG_EXIT);
    ck_assert_int_eq(runstate_exit_status(), 0x21);
    pout(0x502, 0x00, 1); /* iosize 2 */
    ck_assert_int_eq(runstate_take_request(), SHUTDOWN_DEBUG_EXIT);
    ck_assert_int_eq(runstate_exit_status(), 1);
    pout(0x503, 0x05, 1); /* outside */
    ck_assert_int_eq(runstate_take_request(), SHUTDOWN_NONE);
    debugexit_free(d);
    ck_assert_uint_eq(pin(0x501, 1), 0xff);   /* unmapped once freed */
}
END_TEST

START_TEST(test_debugexit_options)
{
    char *err = NULL;
    runstate_take_request();
    DebugExit *a = debugexit_create(&pio.root, "iobase=0xf4,iosize=0x04", &err);
    ck_assert_ptr_nonnull(a);
    pout(0xf7, 0x31, 1);
    ck_assert_int_eq(runstate_take_request(), SHUTDOWN_DEBUG_EXIT);
    ck_assert_int_eq(runstate_exit_status(), 0x63);
    pout(0x501, 1, 1); /* default port not mapped now */
    ck_assert_int_eq(runstate_take_request(), SHUTDOWN_NONE);
    DebugExit *b = debugexit_create(&pio.root, "iobase=1280", &err);
    ck_assert_ptr_nonnull(b);
    pout(1280, 2, 2);
    ck_assert_int_eq(runstate_take_request(), SHUTDOWN_DEBUG_EXIT);
    ck_assert_int_eq(runstate_exit_status(), 5);
    debugexit_free(a);
    debugexit_free(b);
}
END_TEST

static const struct { const char *opts; const char *err_part; } bad_debugexit[] = {
    { "iobase=zz", "bad value 'zz'" },
    { "iobase=0x10000", "bad value" },
    { "iosize=0", "bad value" },
    { "iobase=0xfffe,iosize=4", "do not fit" },
    { "color=red", "unknown option 'color'" },
    { "iobase", "bad option" },
    { "iobase=", "bad value" },
    { "iobase=-1", "bad value" },
};

START_TEST(test_debugexit_bad_options)
{
    char *err = NULL;
    ck_assert_ptr_null(debugexit_create(&pio.root, bad_debugexit[_i].opts, &err));
    ck_assert_ptr_nonnull(err);
    ck_assert_msg(strstr(err, bad_debugexit[_i].err_part), "'%s' gave '%s'", bad_debugexit[_i].opts, err);
    ck_assert_ptr_null(strchr(err, '\n'));
    g_free(err);
    ck_assert_uint_eq(pin(0x501, 1), 0xff); /* nothing mapped */
}
END_TEST

START_TEST(test_post_port)
{
    PostState *p = post_create(&pio.root);
    ck_assert_uint_eq(pin(0x80, 1), 0);
    pout(0x80, 0x5a, 1);
    ck_assert_uint_eq(post_last_code(p), 0x5a);
    ck_assert_uint_eq(pin(0x80, 1), 0x5a);
    pout(0x80, 0x1234, 2); /* low byte to 0x80; 0x81 is not ours */
    ck_assert_uint_eq(pin(0x80, 1), 0x34);
    post_free(p);
    ck_assert_uint_eq(pin(0x80, 1), 0xff);
}
END_TEST

START_TEST(test_debugcon)
{
    DebugconState *d = debugcon_create(&pio.root, 0xe9, &chr);
    ck_assert_uint_eq(pin(0xe9, 1), 0xe9);
    pout(0xe9, 'o', 1);
    pout(0xe9, 'k', 1);
    ck_assert_int_eq(ncaptured, 2);
    ck_assert(!memcmp(captured, "ok", 2));
    debugcon_free(d);
    DebugconState *quiet = debugcon_create(&pio.root, 0x402, NULL);
    pout(0x402, 'z', 1); /* no chardev: dropped */
    ck_assert_int_eq(ncaptured, 2);
    debugcon_free(quiet);
}
END_TEST

static Suite *serial_suite(void)
{
    Suite *su = suite_create("serial");
    TCase *tc = unit_tcase(su, "registers", setup, teardown, UNIT_TESTS(
        test_reset_values, test_divisor_latch, test_readback_lcr_mcr_scr_ier,
        test_thre_raise_on_enable_and_clear_on_iir_read, test_thre_cleared_by_thr_write_then_raised,
        test_thr_write_without_chardev, test_iir_priorities, test_ier_masks_sources,
        test_rx_no_fifo, test_fifo_enabled_iir_bits));
    tcase_add_loop_test(tc, test_fifo_trigger_levels, 0, 4);
    unit_add_tests(tc, UNIT_TESTS(test_fifo_fill_and_overrun, test_fifo_reset_bits,
                                  test_char_timeout, test_loopback_data));
    tcase_add_loop_test(tc, test_loopback_modem_lines, 0, (int)(sizeof(loop_rows) / sizeof(loop_rows[0])));
    unit_add_tests(tc, UNIT_TESTS(test_msr_delta_bits, test_modem_status_interrupt,
                                  test_out2_gates_irq, test_reset_clears_state));

    TCase *io = unit_tcase(su, "port-space", io_setup, io_teardown, UNIT_TESTS(
        test_serial_mapped, test_debugexit_default, test_debugexit_options));
    tcase_add_loop_test(io, test_debugexit_bad_options, 0,
                        (int)(sizeof(bad_debugexit) / sizeof(bad_debugexit[0])));
    unit_add_tests(io, UNIT_TESTS(test_post_port, test_debugcon));
    return su;
}

int main(void)
{
    return unit_run_suite(serial_suite());
}
