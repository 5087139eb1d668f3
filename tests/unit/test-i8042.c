/*
 * Unit tests for the i8042 keyboard controller and its PS/2 keyboard and
 * aux device, through ports 0x60/0x64: self tests, the command byte, the
 * output port (A20, reset), keyboard commands, scan codes with and without
 * set-1 translation, IRQ1/IRQ12; and for port 0x92 and the 0xcf9 reset
 * control register.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/runstate.h"
#include "hw/input/i8042.h"
#include "hw/input/ps2kbd.h"
#include "hw/irq.h"
#include "hw/misc/port92.h"
#include "hw/misc/resetctl.h"
#include "softmmu/memory.h"
#include "unit-test.h"
#include "unit-io.h"

static UnitIo pio;
static I8042State *kbc;
static Port92State *p92;
static ResetCtlState *rc;
static int level[3];      /* irq1, irq12, a20 */
static int changes[3];

static void record(void *opaque, int n, int l)
{
    ck_assert_int_ge(n, 0);
    ck_assert_int_lt(n, 3);
    level[n] = l;
    changes[n]++;
}

UNIT_IO_PORT_HELPERS(pio)

static bool obf(void)
{
    return inb(0x64) & I8042_STR_OBF;
}

/* Read the next byte, which must be there. */
static uint8_t next_byte(void)
{
    ck_assert_msg(obf(), "output buffer empty");
    return inb(0x60);
}

static void expect_bytes(const uint8_t *want, int n)
{
    for (int i = 0; i < n; i++)
        ck_assert_uint_eq(next_byte(), want[i]);
    ck_assert(!obf());
}

#define EXPECT(...) do { \
    const uint8_t want_[] = { __VA_ARGS__ }; \
    expect_bytes(want_, (int)sizeof(want_)); \
} while (0)

static void write_ctr(uint8_t v)
{
    outb(0x64, 0x60);
    outb(0x60, v);
}

static void setup(void)
{
    unit_io_init(&pio, "I/O");
    IRQLine irq1, irq12, a20;
    irq_init(&irq1, record, NULL, 0);
    irq_init(&irq12, record, NULL, 1);
    irq_init(&a20, record, NULL, 2);
    memset(level, 0, sizeof(level));
    memset(changes, 0, sizeof(changes));
    kbc = i8042_new(&irq1, &irq12, &a20);
    i8042_map(kbc, &pio.root);
    p92 = port92_new(&a20);
    port92_map(p92, &pio.root);
    rc = resetctl_new();
    resetctl_map(rc, &pio.root);
    (void)runstate_take_request();
}

static void teardown(void)
{
    i8042_free(kbc);
    port92_free(p92);
    resetctl_free(rc);
    (void)runstate_take_request();
    unit_io_destroy(&pio);
}

START_TEST(test_power_on_state)
{
    ck_assert_int_eq(level[2], 1);                      /* A20 enabled */
    ck_assert_int_eq(level[0], 0);
    ck_assert_uint_eq(inb(0x64), I8042_STR_CMD | I8042_STR_UNLOCKED);
    outb(0x64, 0x20);
    EXPECT(0x43);
    outb(0x64, 0xd0);
    EXPECT(0xcf);
}
END_TEST

START_TEST(test_self_tests)
{
    outb(0x64, 0xaa);
    ck_assert_uint_eq(inb(0x64) & (I8042_STR_OBF | I8042_STR_SYS), I8042_STR_OBF | I8042_STR_SYS);
    EXPECT(0x55);
    outb(0x64, 0xab);
    EXPECT(0x00);
    outb(0x64, 0xa9);
    EXPECT(0x00);
    outb(0x64, 0xa4);
    EXPECT(0xf1);
}
END_TEST

START_TEST(test_command_byte)
{
    write_ctr(0x65);
    ck_assert_uint_eq(inb(0x64) & I8042_STR_CMD, 0);   /* last write: data */
    outb(0x64, 0x20);
    ck_assert_uint_eq(inb(0x64) & I8042_STR_CMD, I8042_STR_CMD);
    ck_assert_uint_eq(inb(0x64) & I8042_STR_SYS, I8042_STR_SYS);
    EXPECT(0x65);
    outb(0x64, 0xa8);                                   /* enable aux */
    outb(0x64, 0xae);                                   /* enable kbd */
    outb(0x64, 0x20);
    EXPECT(0x45);
    outb(0x64, 0xa7);
    outb(0x64, 0xad);
    outb(0x64, 0x20);
    EXPECT(0x75);
    write_ctr(0x00);
    ck_assert_uint_eq(inb(0x64) & I8042_STR_SYS, 0);
    /* Internal RAM 0x01-0x1f. */
    outb(0x64, 0x65);
    outb(0x60, 0x99);
    outb(0x64, 0x25);
    EXPECT(0x99);
}
END_TEST

START_TEST(test_output_port_a20)
{
    int c = changes[2];
    outb(0x64, 0xd1);
    outb(0x60, 0xcd);                                   /* A20 off */
    ck_assert_int_eq(level[2], 0);
    ck_assert_int_eq(changes[2], c + 1);
    outb(0x64, 0xd0);
    EXPECT(0xcd);
    outb(0x64, 0xd1);
    outb(0x60, 0xcf);
    ck_assert_int_eq(level[2], 1);
    outb(0x64, 0xdd);
    ck_assert_int_eq(level[2], 0);
    outb(0x64, 0xdf);
    ck_assert_int_eq(level[2], 1);
    ck_assert_int_eq(runstate_take_request(), SHUTDOWN_NONE);
    /* OBF shows in the output port's bit 4. */
    outb(0x64, 0xab);
    ck_assert_uint_eq(i8042_output_port(kbc) & 0x30, 0x10);
    EXPECT(0x00);
}
END_TEST

START_TEST(test_reset_commands)
{
    outb(0x64, 0xff);                                   /* pulse nothing */
    ck_assert_int_eq(runstate_take_request(), SHUTDOWN_NONE);
    outb(0x64, 0xfe);
    ck_assert_int_eq(runstate_take_request(), SHUTDOWN_GUEST_RESET);
    outb(0x64, 0xf0);
    ck_assert_int_eq(runstate_take_request(), SHUTDOWN_GUEST_RESET);
    outb(0x64, 0xd1);
    outb(0x60, 0xce);                                   /* bit 0 = 0: reset */
    ck_assert_int_eq(runstate_take_request(), SHUTDOWN_GUEST_RESET);
}
END_TEST

START_TEST(test_keyboard_replies_translated)
{
    outb(0x60, 0xf2);                                   /* identify */
    ck_assert_int_eq(level[0], 1);
    EXPECT(0xfa, 0xab, 0x41);                           /* 0x83 translates */
    ck_assert_int_eq(level[0], 0);
    outb(0x60, 0xee);
    EXPECT(0xee);
    outb(0x60, 0xff);
    EXPECT(0xfa, 0xaa);
    outb(0x60, 0x01);                                   /* not a command */
    EXPECT(0xfe);
}
END_TEST

START_TEST(test_keyboard_commands_untranslated)
{
    write_ctr(0x03);
    outb(0x60, 0xf2);
    EXPECT(0xfa, 0xab, 0x83);
    outb(0x60, 0xed);
    EXPECT(0xfa);
    outb(0x60, 0x07);
    EXPECT(0xfa);
    ck_assert_uint_eq(ps2kbd_leds(i8042_keyboard(kbc)), 7);
    outb(0x60, 0xf3);
    outb(0x60, 0x20);
    EXPECT(0xfa, 0xfa);
    outb(0x60, 0xf0);
    outb(0x60, 0x00);
    EXPECT(0xfa, 0xfa, 0x02);
    outb(0x60, 0xf0);
    outb(0x60, 0x03);                                   /* set 3: refused */
    EXPECT(0xfa, 0xfe);
    outb(0x60, 0xf5);                                   /* disable scanning */
    EXPECT(0xfa);
    i8042_key_event(kbc, PS2_KEY_A, true);
    ck_assert(!obf());
    outb(0x60, 0xf4);
    EXPECT(0xfa);
    i8042_key_event(kbc, PS2_KEY_A, true);
    EXPECT(0x1c);
    /* A command where the LED parameter was due. */
    outb(0x60, 0xed);
    outb(0x60, 0xee);
    EXPECT(0xfa, 0xee);
    outb(0x60, 0xfe);                                   /* resend */
    EXPECT(0xee);
}
END_TEST

START_TEST(test_key_events_translated_to_set1)
{
    i8042_key_event(kbc, PS2_KEY_A, true);
    ck_assert_int_eq(level[0], 1);
    EXPECT(0x1e);
    i8042_key_event(kbc, PS2_KEY_A, false);
    EXPECT(0x9e);
    i8042_key_event(kbc, PS2_KEY_UP, true);
    i8042_key_event(kbc, PS2_KEY_UP, false);
    EXPECT(0xe0, 0x48, 0xe0, 0xc8);
    i8042_key_event(kbc, PS2_KEY_F7, true);
    i8042_key_event(kbc, PS2_KEY_F7, false);
    EXPECT(0x41, 0xc1);
    /* Every set-1 code survives set 2 and the translation. */
    for (int code = 1; code < 0x80; code++) {
        i8042_key_event(kbc, code, true);
        ck_assert_uint_eq(next_byte(), code);
        i8042_key_event(kbc, code, false);
        ck_assert_uint_eq(next_byte(), code | 0x80);
    }
}
END_TEST

START_TEST(test_key_events_raw_set2_and_set1)
{
    write_ctr(0x01);
    i8042_key_event(kbc, PS2_KEY_A, true);
    i8042_key_event(kbc, PS2_KEY_A, false);
    EXPECT(0x1c, 0xf0, 0x1c);
    i8042_key_event(kbc, PS2_KEY_RCTRL, false);
    EXPECT(0xe0, 0xf0, 0x14);
    outb(0x60, 0xf0);
    outb(0x60, 0x01);
    EXPECT(0xfa, 0xfa);
    i8042_key_event(kbc, PS2_KEY_A, true);
    i8042_key_event(kbc, PS2_KEY_A, false);
    i8042_key_event(kbc, PS2_KEY_UP, true);
    EXPECT(0x1e, 0x9e, 0xe0, 0x48);
    /* Invalid codes are ignored. */
    i8042_key_event(kbc, 0, true);
    i8042_key_event(kbc, 0x1234, true);
    i8042_key_event(kbc, -1, true);
    ck_assert(!obf());
}
END_TEST

START_TEST(test_queue_and_disable)
{
    outb(0x64, 0xad);                                   /* keyboard disabled */
    for (int i = 0; i < 20; i++)
        i8042_key_event(kbc, 0x10 + i, true);
    ck_assert(!obf());
    ck_assert_int_eq(level[0], 0);
    outb(0x64, 0xae);
    for (int i = 0; i < 20; i++)
        ck_assert_uint_eq(next_byte(), 0x10 + i);
    ck_assert(!obf());
    /* Without KBDINT: data, no IRQ1. */
    write_ctr(0x40);
    i8042_key_event(kbc, PS2_KEY_ESC, true);
    ck_assert(obf());
    ck_assert_int_eq(level[0], 0);
    write_ctr(0x41);
    ck_assert_int_eq(level[0], 1);
    EXPECT(0x01);
    /* Overflow drops, never overruns memory. */
    for (int i = 0; i < 200; i++)
        i8042_key_event(kbc, PS2_KEY_UP, i & 1);
    int n = 0;
    while (obf() && n < 1000) {
        (void)inb(0x60);
        n++;
    }
    ck_assert_int_ge(n, 16);
    ck_assert_int_le(n, PS2KBD_QUEUE_SIZE + 1);
}
END_TEST

START_TEST(test_aux_device)
{
    write_ctr(0x47);
    outb(0x64, 0xd4);
    outb(0x60, 0xff);
    ck_assert_uint_eq(inb(0x64) & (I8042_STR_OBF | I8042_STR_AUXOBF),
                      I8042_STR_OBF | I8042_STR_AUXOBF);
    ck_assert_int_eq(level[1], 1);
    ck_assert_int_eq(level[0], 0);
    EXPECT(0xfa, 0xaa, 0x00);
    ck_assert_int_eq(level[1], 0);
    outb(0x64, 0xd4);
    outb(0x60, 0xf2);
    EXPECT(0xfa, 0x00);
    outb(0x64, 0xd4);
    outb(0x60, 0xf3);
    outb(0x64, 0xd4);
    outb(0x60, 100);
    EXPECT(0xfa, 0xfa);
    /* Loopback through 0xd3, and 0xd2 for the keyboard side. */
    outb(0x64, 0xd3);
    outb(0x60, 0x5a);
    ck_assert_uint_eq(inb(0x64) & I8042_STR_AUXOBF, I8042_STR_AUXOBF);
    EXPECT(0x5a);
    outb(0x64, 0xd2);
    outb(0x60, 0xa5);
    ck_assert_uint_eq(inb(0x64) & I8042_STR_AUXOBF, 0);
    ck_assert_int_eq(level[0], 1);
    EXPECT(0xa5);
}
END_TEST

START_TEST(test_mouse_packets)
{
    write_ctr(0x47);
    i8042_mouse_event(kbc, 5, 5, 1);                    /* reporting off */
    ck_assert(!obf());
    outb(0x64, 0xd4);
    outb(0x60, 0xf4);
    EXPECT(0xfa);
    i8042_mouse_event(kbc, 5, -3, 1);
    ck_assert_int_eq(level[1], 1);
    EXPECT(0x29, 0x05, 0xfd);
    i8042_mouse_event(kbc, 1000, -1000, 6);
    EXPECT(0xee, 0xff, 0x00);                           /* overflow, clamped */
    for (int i = 0; i < 100; i++)
        i8042_mouse_event(kbc, 1, 1, 0);
    int n = 0;
    while (obf() && n < 1000) {
        (void)inb(0x60);
        n++;
    }
    ck_assert_int_le(n, 16);
    ck_assert_int_eq(n % 3, 0);
    outb(0x64, 0xd4);
    outb(0x60, 0xf5);
    EXPECT(0xfa);
    i8042_mouse_event(kbc, 1, 1, 0);
    ck_assert(!obf());
}
END_TEST

START_TEST(test_controller_reset)
{
    write_ctr(0x00);
    outb(0x64, 0xdd);
    i8042_key_event(kbc, PS2_KEY_A, true);
    i8042_reset(kbc);
    ck_assert_int_eq(level[2], 1);
    ck_assert(!obf());
    outb(0x64, 0x20);
    EXPECT(0x43);
}
END_TEST

START_TEST(test_port92)
{
    ck_assert_uint_eq(inb(0x92), 0x02);
    outb(0x92, 0x00);
    ck_assert_int_eq(level[2], 0);
    ck_assert_uint_eq(inb(0x92), 0x00);
    outb(0x92, 0x02);
    ck_assert_int_eq(level[2], 1);
    ck_assert_int_eq(runstate_take_request(), SHUTDOWN_NONE);
    outb(0x92, 0x03);
    ck_assert_int_eq(runstate_take_request(), SHUTDOWN_GUEST_RESET);
    outb(0x92, 0x03);                                   /* no 0->1 transition */
    ck_assert_int_eq(runstate_take_request(), SHUTDOWN_NONE);
    port92_reset(p92);
    ck_assert_uint_eq(inb(0x92), 0x02);
}
END_TEST

START_TEST(test_reset_control_cf9)
{
    outb(0xcf9, 0x02);
    ck_assert_int_eq(runstate_take_request(), SHUTDOWN_NONE);
    ck_assert_uint_eq(inb(0xcf9), 0x02);
    outb(0xcf9, 0x06);                                  /* hard reset */
    ck_assert_int_eq(runstate_take_request(), SHUTDOWN_GUEST_RESET);
    ck_assert_uint_eq(inb(0xcf9), 0x02);
    resetctl_write(rc, 0x04);                           /* soft, via the hook */
    ck_assert_int_eq(runstate_take_request(), SHUTDOWN_GUEST_RESET);
    ck_assert_uint_eq(resetctl_read(rc), 0x00);
    resetctl_write(rc, 0x0a);
    resetctl_reset(rc);
    ck_assert_uint_eq(resetctl_read(rc), 0x00);
}
END_TEST

START_TEST(test_hostile_values)
{
    uint32_t x = 7;
    for (int i = 0; i < 20000; i++) {
        x = x * 1103515245 + 12345;
        uint8_t v = (uint8_t)(x >> 16);
        if ((x >> 8) & 1) {
            if (v >= 0xf0 || v == 0xd1)
                v = 0xd0;                               /* keep resets rare */
            outb(0x64, v);
        } else {
            outb(0x60, v);
        }
        (void)inb(0x64);
        if ((x >> 9) & 1)
            (void)inb(0x60);
        if ((x >> 10) & 1)
            i8042_key_event(kbc, (int)(x >> 12) & 0xe07f, (x >> 11) & 1);
    }
    (void)runstate_take_request();
}
END_TEST

int main(void)
{
    return unit_run_tcase("i8042", "i8042", setup, teardown, UNIT_TESTS(
        test_power_on_state, test_self_tests, test_command_byte, test_output_port_a20,
        test_reset_commands, test_keyboard_replies_translated, test_keyboard_commands_untranslated,
        test_key_events_translated_to_set1, test_key_events_raw_set2_and_set1,
        test_queue_and_disable, test_aux_device, test_mouse_packets, test_controller_reset,
        test_port92, test_reset_control_cf9, test_hostile_values));
}
