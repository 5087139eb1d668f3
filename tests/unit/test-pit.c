/*
 * Unit tests for the i8254 PIT: the OUT waveform of each mode against the
 * virtual clock (in -icount mode), IRQ0 edges from the timer, count reads,
 * the counter-latch and read-back commands, BCD counting, count 0, access
 * modes, gate handling and port 0x61.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "hw/irq.h"
#include "hw/timer/pit.h"
#include "softmmu/memory.h"
#include "unit-test.h"
#include "unit-io.h"

static UnitIo pio;
static PITState *pit;
static UnitIrq irq_rec;

UNIT_IO_PORT_HELPERS(pio)

/* ns at which PIT tick k begins. */
static int64_t tick_ns(int64_t k)
{
    return (k * 1000000000 + PIT_FREQ_HZ - 1) / PIT_FREQ_HZ;
}

/* Advance the virtual clock to the start of tick k and run timers. */
static void run_to_tick(int64_t k)
{
    int64_t now = clock_get_ns(CLOCK_VIRTUAL);
    int64_t target = tick_ns(k);
    unit_clock_advance(target - now);
}

static void setup(void)
{
    unit_clock_start();
    unit_io_init(&pio, "I/O");
    IRQLine irq;
    irq_init(&irq, unit_irq_record, &irq_rec, 0);
    irq_rec = (UnitIrq){ .n = 0 };
    pit = pit_new(&irq);
    pit_map(pit, &pio.root);
}

static void teardown(void)
{
    pit_free(pit);
    pit = NULL;
    ck_assert_int_eq(timers_deadline_ns(CLOCK_VIRTUAL), -1); /* timer deleted */
    unit_io_destroy(&pio);
}

static void program(int ch, int mode, uint16_t count)
{
    outb(0x43, (uint8_t)(ch << 6 | 0x30 | mode << 1));
    outb(0x40 + ch, (uint8_t)count);
    outb(0x40 + ch, (uint8_t)(count >> 8));
}

static uint16_t read_count(int ch)
{
    uint16_t lo = inb(0x40 + ch);
    return (uint16_t)(lo | inb(0x40 + ch) << 8);
}

static int out2(void)
{
    return (inb(0x61) >> 5) & 1;
}

START_TEST(test_reset_state)
{
    ck_assert_int_eq(irq_rec.level, 0);
    ck_assert_int_eq(pit_get_out(pit, 0), 0);
    ck_assert_uint_eq(inb(0x61) & 0x2f, 0x00);
    ck_assert_uint_eq(inb(0x43), 0xff);
    ck_assert_int_eq(pit_get_out(pit, 7), 0);
    outb(0x43, 0xe2);                           /* read-back status, ch0 */
    ck_assert_uint_eq(inb(0x40), 0x70);         /* OUT 0, null count, rw 3, mode 0 */
}
END_TEST

START_TEST(test_mode0_interrupt_on_terminal_count)
{
    program(0, 0, 100);
    ck_assert_int_eq(irq_rec.level, 0);
    run_to_tick(40);
    ck_assert_uint_eq(read_count(0), 60);
    run_to_tick(99);
    ck_assert_int_eq(irq_rec.level, 0);
    run_to_tick(100);
    ck_assert_int_eq(irq_rec.level, 1);
    ck_assert_int_eq(irq_rec.rises, 1);
    run_to_tick(105);
    ck_assert_uint_eq(read_count(0), 0xfffb);   /* keeps counting, wrapped */
    ck_assert_int_eq(irq_rec.level, 1);             /* and OUT stays high */
    ck_assert_int_eq(timers_deadline_ns(CLOCK_VIRTUAL), -1);
    /* A new count (first byte) drops OUT at once. */
    outb(0x40, 10);
    ck_assert_int_eq(irq_rec.level, 0);
    outb(0x40, 0);
    run_to_tick(115);
    ck_assert_int_eq(irq_rec.level, 1);
    ck_assert_int_eq(irq_rec.rises, 2);
}
END_TEST

START_TEST(test_mode1_hardware_one_shot)
{
    program(2, 1, 50);
    ck_assert_int_eq(out2(), 1);
    run_to_tick(10);
    ck_assert_int_eq(out2(), 1);                /* waits for the gate */
    outb(0x61, 0x01);                           /* gate rises: trigger */
    ck_assert_int_eq(out2(), 0);
    run_to_tick(59);
    ck_assert_int_eq(out2(), 0);
    run_to_tick(60);
    ck_assert_int_eq(out2(), 1);
    /* Retrigger during the pulse restarts it. */
    run_to_tick(100);
    outb(0x61, 0x00);
    outb(0x61, 0x01);
    run_to_tick(130);
    outb(0x61, 0x00);
    outb(0x61, 0x01);
    run_to_tick(179);
    ck_assert_int_eq(out2(), 0);
    run_to_tick(180);
    ck_assert_int_eq(out2(), 1);
}
END_TEST

START_TEST(test_mode2_rate_generator)
{
    program(0, 2, 10);
    ck_assert_int_eq(irq_rec.level, 1);
    int rises_before = irq_rec.rises;
    for (int t = 1; t <= 1000; t++) {
        run_to_tick(t);
        ck_assert_int_eq(irq_rec.level, t % 10 != 9);
        ck_assert_int_eq(pit_get_out(pit, 0), t % 10 != 9);
    }
    ck_assert_int_eq(irq_rec.rises - rises_before, 100);
    run_to_tick(1003);
    ck_assert_uint_eq(read_count(0), 7);
    run_to_tick(1009);
    ck_assert_uint_eq(read_count(0), 1);
}
END_TEST

START_TEST(test_mode2_late_timer_still_gives_edge)
{
    program(0, 2, 10);
    int rises = irq_rec.rises;
    /* Jump past the whole low pulse in one step. */
    clock_icount_advance((uint64_t)tick_ns(10) + 300);
    timers_run_expired(CLOCK_VIRTUAL);
    run_to_tick(14);
    ck_assert_int_eq(irq_rec.rises - rises, 1);
    ck_assert_int_eq(irq_rec.level, 1);
    /* A long jump coalesces edges but the waveform stays in phase. */
    run_to_tick(100005);
    ck_assert_int_eq(irq_rec.level, 1);
    run_to_tick(100009);
    ck_assert_int_eq(irq_rec.level, 0);
    run_to_tick(100010);
    ck_assert_int_eq(irq_rec.level, 1);
}
END_TEST

START_TEST(test_mode2_new_count_at_period_end)
{
    program(0, 2, 100);
    run_to_tick(30);
    outb(0x40, 20);
    outb(0x40, 0);
    run_to_tick(50);
    ck_assert_uint_eq(read_count(0), 50);       /* old count still running */
    outb(0x43, 0xe2);
    ck_assert_uint_eq(inb(0x40) & 0x40, 0x40);  /* null count until loaded */
    run_to_tick(99);
    ck_assert_int_eq(irq_rec.level, 0);
    run_to_tick(100);
    ck_assert_int_eq(irq_rec.level, 1);
    ck_assert_uint_eq(read_count(0), 20);
    run_to_tick(119);
    ck_assert_int_eq(irq_rec.level, 0);
    run_to_tick(120);
    ck_assert_int_eq(irq_rec.level, 1);
    outb(0x43, 0xe2);
    ck_assert_uint_eq(inb(0x40), 0x80 | 0x34);
}
END_TEST

START_TEST(test_mode3_square_wave)
{
    program(0, 3, 10);
    for (int t = 1; t <= 100; t++) {
        run_to_tick(t);
        ck_assert_int_eq(irq_rec.level, t % 10 < 5);
    }
    run_to_tick(102);
    ck_assert_uint_eq(read_count(0), 6);        /* decrements by two */
    /* Odd count: high (n+1)/2, low (n-1)/2. */
    program(0, 3, 11);
    int64_t t0 = 102;
    for (int t = 1; t <= 44; t++) {
        run_to_tick(t0 + t);
        ck_assert_int_eq(irq_rec.level, t % 11 < 6);
    }
    ck_assert_uint_eq(read_count(0) & 1, 0);    /* even values only */
}
END_TEST

START_TEST(test_mode3_gate_and_speaker)
{
    program(2, 3, 4);
    ck_assert_int_eq(out2(), 1);                /* gate low: OUT high */
    outb(0x61, 0x03);
    ck_assert_uint_eq(inb(0x61) & 0x03, 0x03);
    run_to_tick(2);
    ck_assert_int_eq(out2(), 0);
    run_to_tick(4);
    ck_assert_int_eq(out2(), 1);
    run_to_tick(6);
    ck_assert_int_eq(out2(), 0);
    outb(0x61, 0x02);                           /* gate low forces OUT high */
    ck_assert_int_eq(out2(), 1);
    run_to_tick(20);
    ck_assert_int_eq(out2(), 1);
    outb(0x61, 0x03);                           /* rising gate reloads */
    run_to_tick(21);
    ck_assert_int_eq(out2(), 1);
    run_to_tick(22);
    ck_assert_int_eq(out2(), 0);
}
END_TEST

START_TEST(test_mode4_software_strobe)
{
    program(0, 4, 20);
    ck_assert_int_eq(irq_rec.level, 1);
    run_to_tick(19);
    ck_assert_int_eq(irq_rec.level, 1);
    run_to_tick(20);
    ck_assert_int_eq(irq_rec.level, 0);
    run_to_tick(21);
    ck_assert_int_eq(irq_rec.level, 1);
    run_to_tick(70000);
    ck_assert_int_eq(irq_rec.level, 1);             /* one strobe only */
    ck_assert_int_eq(timers_deadline_ns(CLOCK_VIRTUAL), -1);
}
END_TEST

START_TEST(test_mode5_hardware_strobe)
{
    program(2, 5, 20);
    run_to_tick(5);
    outb(0x61, 0x01);
    run_to_tick(24);
    ck_assert_int_eq(out2(), 1);
    run_to_tick(25);
    ck_assert_int_eq(out2(), 0);
    run_to_tick(26);
    ck_assert_int_eq(out2(), 1);
}
END_TEST

START_TEST(test_mode0_gate_pauses)
{
    program(2, 0, 30);                          /* gate 2 low: loaded, paused */
    run_to_tick(10);
    ck_assert_uint_eq(read_count(2), 30);
    outb(0x61, 0x01);
    run_to_tick(20);
    ck_assert_uint_eq(read_count(2), 20);
    outb(0x61, 0x00);
    run_to_tick(50);
    ck_assert_uint_eq(read_count(2), 20);
    ck_assert_int_eq(out2(), 0);
    outb(0x61, 0x01);
    run_to_tick(69);
    ck_assert_int_eq(out2(), 0);
    run_to_tick(70);
    ck_assert_int_eq(out2(), 1);
}
END_TEST

START_TEST(test_counter_latch)
{
    program(1, 2, 1000);
    run_to_tick(100);
    outb(0x43, 0x40);                           /* latch ch1 */
    run_to_tick(300);
    outb(0x43, 0x40);                           /* ignored: already latched */
    ck_assert_uint_eq(read_count(1), 900);
    ck_assert_uint_eq(read_count(1), 700);      /* live again */
    /* LSB-only and MSB-only access modes. */
    outb(0x43, 0x54);                           /* ch1, LSB only, mode 2 */
    outb(0x41, 0x80);
    run_to_tick(310);
    ck_assert_uint_eq(inb(0x41), 0x80 - 10);
    ck_assert_uint_eq(inb(0x41), 0x80 - 10);
    outb(0x43, 0x64);                           /* MSB only */
    outb(0x41, 0x02);                           /* 0x200, loaded at once */
    outb(0x43, 0xe4);
    ck_assert_uint_eq(inb(0x41) & 0x40, 0x00);
    run_to_tick(310 + 0x10);
    ck_assert_uint_eq(inb(0x41), 0x01);         /* 0x1f0 >> 8 */
    outb(0x41, 0x01);                           /* mid-period: waits for its end */
    outb(0x43, 0xe4);
    ck_assert_uint_eq(inb(0x41) & 0x40, 0x40);
    run_to_tick(310 + 0x1ff);
    ck_assert_uint_eq(inb(0x41), 0x00);         /* old count: 1 */
    run_to_tick(310 + 0x200 + 0x10);
    outb(0x43, 0x40);
    ck_assert_uint_eq(inb(0x41), 0x00);         /* 0xf0 >> 8 */
    run_to_tick(310 + 0x200 + 0x100);
    ck_assert_uint_eq(inb(0x41), 0x01);         /* reloaded 0x100 */
}
END_TEST

START_TEST(test_read_back)
{
    program(0, 2, 0x1234);
    program(2, 0, 0x100);
    run_to_tick(16);
    /* Latch count and status of channels 0 and 2. */
    outb(0x43, 0xc0 | 0x08 | 0x02);
    run_to_tick(32);
    ck_assert_uint_eq(inb(0x40), 0x80 | 0x34);  /* status first */
    ck_assert_uint_eq(read_count(0), 0x1234 - 16);
    ck_assert_uint_eq(inb(0x42), 0x30);         /* OUT 0, count loaded */
    ck_assert_uint_eq(read_count(2), 0x100);    /* gate low: not counting */
    ck_assert_uint_eq(read_count(0), 0x1234 - 32);
    /* Count only, then status only. */
    outb(0x43, 0xd2);
    outb(0x43, 0xe2);
    ck_assert_uint_eq(inb(0x40), 0x80 | 0x34);
    ck_assert_uint_eq(read_count(0), 0x1234 - 32);
    /* Status after a control word: null count set. */
    outb(0x43, 0x7a);                           /* ch1 LSB/MSB mode 5 */
    outb(0x43, 0xe4);
    ck_assert_uint_eq(inb(0x41), 0x80 | 0x40 | 0x3a);
}
END_TEST

START_TEST(test_bcd)
{
    outb(0x43, 0x31);                           /* ch0 mode 0 BCD */
    outb(0x40, 0x00);
    outb(0x40, 0x01);                           /* 100 decimal */
    run_to_tick(1);
    ck_assert_uint_eq(read_count(0), 0x0099);
    run_to_tick(100);
    ck_assert_int_eq(irq_rec.level, 1);
    run_to_tick(101);
    ck_assert_uint_eq(read_count(0), 0x9999);   /* wraps in BCD */
    /* Count 0 in BCD is 10000. */
    outb(0x43, 0x35);                           /* mode 2 BCD */
    outb(0x40, 0);
    outb(0x40, 0);
    run_to_tick(102);
    ck_assert_uint_eq(read_count(0), 0x9999);
    run_to_tick(101 + 9999);
    ck_assert_int_eq(irq_rec.level, 0);
    run_to_tick(101 + 10000);
    ck_assert_int_eq(irq_rec.level, 1);
    /* Invalid digits: defined, no crash. */
    outb(0x43, 0x37);
    outb(0x40, 0xff);
    outb(0x40, 0xff);
    for (int i = 0; i < 50; i++) {
        run_to_tick(20000 + i * 997);
        uint16_t v = read_count(0);
        for (int d = 0; d < 4; d++)
            ck_assert_uint_le((v >> (4 * d)) & 15, 9);
    }
}
END_TEST

START_TEST(test_count_zero_is_65536)
{
    program(0, 2, 0);
    run_to_tick(1);
    ck_assert_uint_eq(read_count(0), 65535);
    run_to_tick(65534);
    ck_assert_int_eq(irq_rec.level, 1);
    run_to_tick(65535);
    ck_assert_int_eq(irq_rec.level, 0);
    run_to_tick(65536);
    ck_assert_int_eq(irq_rec.level, 1);
    ck_assert_uint_eq(read_count(0), 0);
}
END_TEST

START_TEST(test_port61_refresh_toggle)
{
    int seen[2] = { 0, 0 };
    int toggles = 0;
    int last = (inb(0x61) >> 4) & 1;
    for (int i = 0; i < 200; i++) {
        clock_icount_advance(1000);             /* 1 us steps */
        int r = (inb(0x61) >> 4) & 1;
        seen[r] = 1;
        toggles += r != last;
        last = r;
    }
    ck_assert(seen[0] && seen[1]);
    ck_assert_int_ge(toggles, 12);              /* ~200/15 */
    ck_assert_int_le(toggles, 14);
    outb(0x61, 0xfc);                           /* upper bits read-only */
    ck_assert_uint_eq(inb(0x61) & 0xcf, 0x0c);
}
END_TEST

START_TEST(test_reset_stops_everything)
{
    program(0, 2, 10);
    outb(0x61, 0x03);
    pit_reset(pit);
    ck_assert_int_eq(irq_rec.level, 0);
    ck_assert_int_eq(timers_deadline_ns(CLOCK_VIRTUAL), -1);
    ck_assert_uint_eq(inb(0x61) & 0x03, 0);
}
END_TEST

START_TEST(test_hostile_values)
{
    uint32_t x = 12345;
    for (int i = 0; i < 5000; i++) {
        x = x * 1103515245 + 12345;
        uint16_t port = (x >> 8) % 5 == 4 ? 0x61 : 0x40 + (x >> 8) % 4;
        outb(port, (uint8_t)(x >> 16));
        (void)inb(0x40 + (x >> 24) % 4);
        if (i % 7 == 0) {
            clock_icount_advance((x >> 20) & 0xfff);
            timers_run_expired(CLOCK_VIRTUAL);
        }
    }
    ck_assert_int_eq(address_space_st(&pio.as, 0x40, 0xffffffff, 4), MEMTX_OK);
}
END_TEST

int main(void)
{
    return unit_run_tcase("pit", "i8254", setup, teardown, UNIT_TESTS(
        test_reset_state, test_mode0_interrupt_on_terminal_count, test_mode1_hardware_one_shot,
        test_mode2_rate_generator, test_mode2_late_timer_still_gives_edge,
        test_mode2_new_count_at_period_end, test_mode3_square_wave, test_mode3_gate_and_speaker,
        test_mode4_software_strobe, test_mode5_hardware_strobe, test_mode0_gate_pauses,
        test_counter_latch, test_read_back, test_bcd, test_count_zero_is_65536,
        test_port61_refresh_toggle, test_reset_stops_everything, test_hostile_values));
}
