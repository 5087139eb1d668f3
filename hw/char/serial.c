/*
 * A 16550A UART.
 *
 * Model choices (all guest-visible behaviour is defined):
 * - Transmission is immediate: a THR write goes to the character device at
 *   once, so THR and the TX FIFO are always empty (LSR.THRE and LSR.TEMT
 *   read 1). The THRE interrupt is cleared by the THR write and raised
 *   again right after it, which the IRQ line sees as a pulse.
 * - Input: can_read offers the free RX space (FIFO mode: 16 - level;
 *   otherwise 1 when RBR is empty). Bytes beyond that (or looped back onto
 *   a full receiver) overrun: LSR.OE is set; in FIFO mode the new byte is
 *   lost, without FIFO it replaces the unread one.
 * - Character timeout: in FIFO mode, when the RX FIFO holds data and
 *   nothing has been received or read for four character times (from the
 *   divisor and LCR frame format, on the virtual clock), IIR reports CTI
 *   (0x0c) until the next RBR read or received byte.
 * - Modem inputs not in loopback: CTS, DSR and DCD asserted, RI not.
 *   Loopback: DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD; host input is held
 *   back and TX goes to the receiver.
 * - IRQ output: asserted when IIR has a source and MCR.OUT2 is set, as on
 *   PCs where OUT2 gates the interrupt. In loopback the chip drives its
 *   modem outputs (OUT2 included) inactive, so the line stays low.
 * - LSR and MSR writes are ignored; reading an empty RBR returns the last
 *   byte read.
 */
#include "hw/char/serial.h"

#include <glib.h>

#include "core/clock.h"
#include "core/log.h"

struct SerialState {
    Chardev *chr;
    IRQLine irq;
    int irq_level;
    uint16_t divisor;
    uint8_t ier, lcr, mcr, scr;
    uint8_t lsr_errors;          /* OE/PE/FE/BI, cleared by reading LSR */
    uint8_t msr_deltas;          /* DCTS/DDSR/TERI/DDCD, cleared by reading MSR */
    uint8_t modem_in;            /* CTS/DSR/RI/DCD as MSR bits 4-7 */
    bool fifo_enabled;
    uint8_t rx_trigger;          /* 1, 4, 8 or 14 */
    uint8_t rx_fifo[UART_FIFO_SIZE];
    unsigned rx_head, rx_count;
    uint8_t rbr;                 /* last byte read */
    bool thr_ipending;
    bool timeout_pending;
    Timer rx_timeout;
    MemoryRegion io;
    MemoryRegion *io_parent;
};

static const uint8_t rx_trigger_levels[4] = { 1, 4, 8, 14 };

/* ---- interrupts ---- */
static bool rx_data_ready(const SerialState *s)
{
    return s->fifo_enabled ? s->rx_count >= s->rx_trigger : s->rx_count > 0;
}

/* The highest-priority pending source as its IIR code, or UART_IIR_NO_INT. */
static uint8_t serial_int_source(const SerialState *s)
{
    if ((s->ier & UART_IER_ELSI) && s->lsr_errors)
        return UART_IIR_RLSI;
    if ((s->ier & UART_IER_ERBFI) && rx_data_ready(s))
        return UART_IIR_RDI;
    if ((s->ier & UART_IER_ERBFI) && s->timeout_pending && s->rx_count > 0)
        return UART_IIR_CTI;
    if ((s->ier & UART_IER_ETBEI) && s->thr_ipending)
        return UART_IIR_THRI;
    if ((s->ier & UART_IER_EDSSI) && s->msr_deltas)
        return UART_IIR_MSI;
    return UART_IIR_NO_INT;
}

static void serial_update_irq(SerialState *s)
{
    bool gate = (s->mcr & UART_MCR_OUT2) && !(s->mcr & UART_MCR_LOOP);
    int level = gate && serial_int_source(s) != UART_IIR_NO_INT;
    if (level != s->irq_level) {
        s->irq_level = level;
        irq_set(&s->irq, level);
    }
}

/* ---- receive path ---- */
static int64_t serial_char_time_ns(const SerialState *s)
{
    unsigned bits = 1 + 5 + (s->lcr & 3) + ((s->lcr & 0x08) ? 1 : 0) + ((s->lcr & 0x04) ? 2 : 1);
    int64_t div = s->divisor ? s->divisor : 1;
    return (int64_t)bits * div * 1000000000 / 115200;
}

static void serial_rx_activity(SerialState *s)
{
    s->timeout_pending = false;
    if (s->fifo_enabled && s->rx_count > 0)
        timer_mod(&s->rx_timeout, clock_get_ns(CLOCK_VIRTUAL) + 4 * serial_char_time_ns(s));
    else
        timer_del(&s->rx_timeout);
}

static void serial_rx_timeout_cb(void *opaque)
{
    SerialState *s = opaque;
    if (s->fifo_enabled && s->rx_count > 0) {
        s->timeout_pending = true;
        serial_update_irq(s);
    }
}

static void serial_rx_push(SerialState *s, uint8_t byte)
{
    unsigned depth = s->fifo_enabled ? UART_FIFO_SIZE : 1;
    if (s->rx_count >= depth) {
        s->lsr_errors |= UART_LSR_OE;
        if (!s->fifo_enabled)
            s->rx_fifo[s->rx_head] = byte; /* the unread byte is destroyed */
    } else {
        s->rx_fifo[(s->rx_head + s->rx_count) % UART_FIFO_SIZE] = byte;
        s->rx_count++;
    }
    serial_rx_activity(s);
    serial_update_irq(s);
}

static void serial_rx_clear(SerialState *s)
{
    s->rx_head = 0;
    s->rx_count = 0;
    s->timeout_pending = false;
    timer_del(&s->rx_timeout);
}

static int serial_can_read(void *opaque)
{
    SerialState *s = opaque;
    if (s->mcr & UART_MCR_LOOP)
        return 0;
    unsigned depth = s->fifo_enabled ? UART_FIFO_SIZE : 1;
    return (int)(depth - s->rx_count);
}

static void serial_chr_read(void *opaque, const uint8_t *buf, int len)
{
    SerialState *s = opaque;
    if (s->mcr & UART_MCR_LOOP)
        return; /* the receiver input is disconnected */
    for (int i = 0; i < len; i++)
        serial_rx_push(s, buf[i]);
}

static uint8_t serial_read_rbr(SerialState *s)
{
    if (s->rx_count > 0) {
        s->rbr = s->rx_fifo[s->rx_head];
        s->rx_head = (s->rx_head + 1) % UART_FIFO_SIZE;
        s->rx_count--;
        serial_rx_activity(s);
        serial_update_irq(s);
        chardev_accept_input(s->chr);
    }
    return s->rbr;
}

/* ---- transmit path ---- */
static void serial_write_thr(SerialState *s, uint8_t byte)
{
    s->thr_ipending = false;
    serial_update_irq(s);
    if (s->mcr & UART_MCR_LOOP)
        serial_rx_push(s, byte);
    else
        chardev_write(s->chr, &byte, 1);
    /* Sent at once: THR is empty again. */
    s->thr_ipending = true;
    serial_update_irq(s);
}

/* ---- control registers ---- */
static void serial_write_ier(SerialState *s, uint8_t val)
{
    uint8_t old = s->ier;
    s->ier = val & 0x0f;
    /* Enabling ETBEI while THR is empty (always, here) raises THRE. */
    if (!(old & UART_IER_ETBEI) && (s->ier & UART_IER_ETBEI))
        s->thr_ipending = true;
    serial_update_irq(s);
}

static uint8_t serial_read_iir(SerialState *s)
{
    uint8_t src = serial_int_source(s);
    if (src == UART_IIR_THRI) {
        s->thr_ipending = false;
        serial_update_irq(s);
    }
    return src | (s->fifo_enabled ? UART_IIR_FIFO_ON : 0);
}

static void serial_write_fcr(SerialState *s, uint8_t val)
{
    bool enable = val & UART_FCR_ENABLE;
    if (enable != s->fifo_enabled)
        serial_rx_clear(s); /* toggling FCR0 empties both FIFOs */
    s->fifo_enabled = enable;
    if (enable) {
        /* The other bits are programmed only together with FCR0. */
        if (val & UART_FCR_CLEAR_RX)
            serial_rx_clear(s);
        /* UART_FCR_CLEAR_TX: the TX FIFO is always empty. */
        s->rx_trigger = rx_trigger_levels[(val & UART_FCR_TRIGGER_MASK) >> 6];
    }
    serial_update_irq(s);
    chardev_accept_input(s->chr);
}

static uint8_t serial_modem_inputs(const SerialState *s)
{
    if (!(s->mcr & UART_MCR_LOOP))
        return UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD;
    uint8_t in = 0;
    if (s->mcr & UART_MCR_DTR)
        in |= UART_MSR_DSR;
    if (s->mcr & UART_MCR_RTS)
        in |= UART_MSR_CTS;
    if (s->mcr & UART_MCR_OUT1)
        in |= UART_MSR_RI;
    if (s->mcr & UART_MCR_OUT2)
        in |= UART_MSR_DCD;
    return in;
}

static void serial_set_modem_inputs(SerialState *s, uint8_t in)
{
    uint8_t changed = s->modem_in ^ in;
    if (changed & UART_MSR_CTS)
        s->msr_deltas |= UART_MSR_DCTS;
    if (changed & UART_MSR_DSR)
        s->msr_deltas |= UART_MSR_DDSR;
    if (changed & UART_MSR_DCD)
        s->msr_deltas |= UART_MSR_DDCD;
    if ((s->modem_in & UART_MSR_RI) && !(in & UART_MSR_RI))
        s->msr_deltas |= UART_MSR_TERI; /* trailing edge of RI */
    s->modem_in = in;
}

static void serial_write_mcr(SerialState *s, uint8_t val)
{
    bool was_loop = s->mcr & UART_MCR_LOOP;
    s->mcr = val & 0x1f;
    serial_set_modem_inputs(s, serial_modem_inputs(s));
    serial_update_irq(s);
    if (was_loop && !(s->mcr & UART_MCR_LOOP))
        chardev_accept_input(s->chr);
}

static uint8_t serial_read_lsr(SerialState *s)
{
    uint8_t lsr = s->lsr_errors | UART_LSR_THRE | UART_LSR_TEMT;
    if (s->rx_count > 0)
        lsr |= UART_LSR_DR;
    s->lsr_errors = 0;
    serial_update_irq(s);
    return lsr;
}

static uint8_t serial_read_msr(SerialState *s)
{
    uint8_t msr = s->modem_in | s->msr_deltas;
    s->msr_deltas = 0;
    serial_update_irq(s);
    return msr;
}

/* ---- port I/O ---- */
static bool dlab(const SerialState *s)
{
    return s->lcr & UART_LCR_DLAB;
}

static uint64_t serial_io_read(void *opaque, uint64_t addr, unsigned size)
{
    SerialState *s = opaque;
    switch (addr & 7) {
    case UART_RBR:
        return dlab(s) ? (s->divisor & 0xff) : serial_read_rbr(s);
    case UART_IER:
        return dlab(s) ? (s->divisor >> 8) : s->ier;
    case UART_IIR:
        return serial_read_iir(s);
    case UART_LCR:
        return s->lcr;
    case UART_MCR:
        return s->mcr;
    case UART_LSR:
        return serial_read_lsr(s);
    case UART_MSR:
        return serial_read_msr(s);
    default:
        return s->scr;
    }
}

static void serial_io_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    SerialState *s = opaque;
    uint8_t v = (uint8_t)val;
    switch (addr & 7) {
    case UART_THR:
        if (dlab(s))
            s->divisor = (uint16_t)((s->divisor & 0xff00) | v);
        else
            serial_write_thr(s, v);
        break;
    case UART_IER:
        if (dlab(s))
            s->divisor = (uint16_t)((s->divisor & 0x00ff) | (v << 8));
        else
            serial_write_ier(s, v);
        break;
    case UART_FCR:
        serial_write_fcr(s, v);
        break;
    case UART_LCR:
        s->lcr = v;
        break;
    case UART_MCR:
        serial_write_mcr(s, v);
        break;
    case UART_LSR:
    case UART_MSR:
        log_mask(LOG_GUEST_ERROR, "serial: write 0x%02x to read-only register %u ignored\n", v,
                 (unsigned)(addr & 7));
        break;
    default:
        s->scr = v;
        break;
    }
}

const MemoryRegionOps serial_io_ops = {
    .read = serial_io_read,
    .write = serial_io_write,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

/* ---- life cycle ---- */
void serial_reset(SerialState *s)
{
    timer_del(&s->rx_timeout);
    s->divisor = 12; /* 9600 baud */
    s->ier = s->lcr = s->mcr = s->scr = 0;
    s->lsr_errors = 0;
    s->msr_deltas = 0;
    s->modem_in = serial_modem_inputs(s);
    s->fifo_enabled = false;
    s->rx_trigger = 1;
    serial_rx_clear(s);
    s->rbr = 0;
    s->thr_ipending = false;
    serial_update_irq(s);
    chardev_accept_input(s->chr);
}

SerialState *serial_new(Chardev *chr, IRQLine *irq)
{
    SerialState *s = g_new0(SerialState, 1);
    s->chr = chr;
    if (irq)
        s->irq = *irq;
    timer_init(&s->rx_timeout, CLOCK_VIRTUAL, serial_rx_timeout_cb, s);
    serial_reset(s);
    chardev_set_handlers(chr, serial_can_read, serial_chr_read, s);
    return s;
}

void serial_set_irq(SerialState *s, const IRQLine *irq)
{
    s->irq = *irq;
    s->irq_level = 0;
    serial_update_irq(s);
}

void serial_map(SerialState *s, MemoryRegion *io_root, uint16_t base)
{
    memory_region_init_io(&s->io, "serial", &serial_io_ops, s, 8);
    memory_region_add_subregion(io_root, base, &s->io);
    s->io_parent = io_root;
}

void serial_free(SerialState *s)
{
    if (!s)
        return;
    timer_del(&s->rx_timeout);
    chardev_remove_frontend(s);
    if (s->io_parent)
        memory_region_del_subregion(s->io_parent, &s->io);
    g_free(s);
}
