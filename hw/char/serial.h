/*
 * The 16550A UART (COM1..COM4 on the PC): eight byte-wide registers in the
 * port space, 16-byte FIFOs, interrupts through one IRQ line gated by
 * MCR.OUT2 as on PCs, input and output through a character device.
 */
#ifndef VESSEL_HW_CHAR_SERIAL_H
#define VESSEL_HW_CHAR_SERIAL_H

#include <stdint.h>

#include "core/chardev.h"
#include "hw/irq.h"
#include "softmmu/memory.h"

typedef struct SerialState SerialState;

/* Register offsets from the base port. */
enum {
    UART_RBR = 0, /* read, DLAB=0 */
    UART_THR = 0, /* write, DLAB=0 */
    UART_DLL = 0, /* DLAB=1 */
    UART_IER = 1, /* DLAB=0 */
    UART_DLM = 1, /* DLAB=1 */
    UART_IIR = 2, /* read */
    UART_FCR = 2, /* write */
    UART_LCR = 3,
    UART_MCR = 4,
    UART_LSR = 5,
    UART_MSR = 6,
    UART_SCR = 7,
};

/* Register bits (16550A data sheet names). */
enum {
    UART_IER_ERBFI = 0x01, UART_IER_ETBEI = 0x02, UART_IER_ELSI = 0x04, UART_IER_EDSSI = 0x08,
    UART_IIR_NO_INT = 0x01, UART_IIR_MSI = 0x00, UART_IIR_THRI = 0x02, UART_IIR_RDI = 0x04,
    UART_IIR_RLSI = 0x06, UART_IIR_CTI = 0x0c, UART_IIR_FIFO_ON = 0xc0,
    UART_FCR_ENABLE = 0x01, UART_FCR_CLEAR_RX = 0x02, UART_FCR_CLEAR_TX = 0x04,
    UART_FCR_TRIGGER_MASK = 0xc0,
    UART_LCR_DLAB = 0x80,
    UART_MCR_DTR = 0x01, UART_MCR_RTS = 0x02, UART_MCR_OUT1 = 0x04, UART_MCR_OUT2 = 0x08,
    UART_MCR_LOOP = 0x10,
    UART_LSR_DR = 0x01, UART_LSR_OE = 0x02, UART_LSR_PE = 0x04, UART_LSR_FE = 0x08,
    UART_LSR_BI = 0x10, UART_LSR_THRE = 0x20, UART_LSR_TEMT = 0x40, UART_LSR_FIFO_ERR = 0x80,
    UART_MSR_DCTS = 0x01, UART_MSR_DDSR = 0x02, UART_MSR_TERI = 0x04, UART_MSR_DDCD = 0x08,
    UART_MSR_CTS = 0x10, UART_MSR_DSR = 0x20, UART_MSR_RI = 0x40, UART_MSR_DCD = 0x80,
};

#define UART_FIFO_SIZE 16

/* chr may be NULL (output dropped, no input); irq may be NULL (copied). */
SerialState *serial_new(Chardev *chr, IRQLine *irq);
void serial_set_irq(SerialState *s, const IRQLine *irq);
/* Byte-wide register callbacks; wider guest accesses are split. */
extern const MemoryRegionOps serial_io_ops;
/* Map the eight registers at `base` in the port space. */
void serial_map(SerialState *s, MemoryRegion *io_root, uint16_t base);
void serial_reset(SerialState *s);
/* Unmaps and frees the UART; the chardev belongs to the chardev registry. */
void serial_free(SerialState *s);

#endif
