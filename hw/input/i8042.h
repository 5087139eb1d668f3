/*
 * The i8042 keyboard controller at ports 0x60 (data) and 0x64 (status /
 * command), with a PS/2 keyboard on its first port and a minimal PS/2
 * auxiliary (mouse) device on the second. Its output port carries the A20
 * gate and the system reset line.
 */
#ifndef VESSEL_HW_INPUT_I8042_H
#define VESSEL_HW_INPUT_I8042_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/input/ps2kbd.h"
#include "hw/irq.h"
#include "softmmu/memory.h"

#define I8042_DATA_PORT 0x60
#define I8042_CMD_PORT 0x64

/* Status register */
#define I8042_STR_OBF 0x01
#define I8042_STR_IBF 0x02
#define I8042_STR_SYS 0x04
#define I8042_STR_CMD 0x08      /* last write went to 0x64 */
#define I8042_STR_UNLOCKED 0x10
#define I8042_STR_AUXOBF 0x20
/* Command byte */
#define I8042_CTR_KBDINT 0x01
#define I8042_CTR_AUXINT 0x02
#define I8042_CTR_SYS 0x04
#define I8042_CTR_KBDDIS 0x10
#define I8042_CTR_AUXDIS 0x20
#define I8042_CTR_XLATE 0x40
/* Output port */
#define I8042_OUT_RESET 0x01    /* 0 = hold the system in reset */
#define I8042_OUT_A20 0x02

typedef struct I8042State I8042State;

/*
 * irq1, irq12: interrupt lines (copied; may be NULL). a20_out: the A20 gate
 * (copied; may be NULL), driven to the output port's bit 1 at reset and on
 * every change. Resets go to runstate_request_reset().
 */
I8042State *i8042_new(const IRQLine *irq1, const IRQLine *irq12, const IRQLine *a20_out);
void i8042_free(I8042State *s);
/* Power-on state: command byte 0x43 (interrupts on, translation on),
 * output port 0xcf (A20 enabled, as the board expects for direct kernel
 * boot), queues empty, keyboard reset. Drives A20 high and the IRQs low. */
void i8042_reset(void *opaque);  /* opaque: I8042State; fits machine_register_reset */
/* Maps 0x60 and 0x64. */
void i8042_map(I8042State *s, MemoryRegion *io_root);

/* The keyboard, for key events (ps2kbd_key_event). Input events from a UI
 * thread must be injected with the big lock held, like any device access. */
PS2Kbd *i8042_keyboard(I8042State *s);
/* Convenience: inject a key (set-1 code, see ps2kbd.h). */
void i8042_key_event(I8042State *s, int keycode, bool down);
/* Mouse motion (dx right, dy up, clamped to -256..255 with the overflow
 * bits) and buttons (bit 0 left, 1 right, 2 middle): one stream packet on
 * IRQ12, if the guest enabled reporting (0xf4); dropped when the queue is full. */
void i8042_mouse_event(I8042State *s, int dx, int dy, int buttons);
uint8_t i8042_output_port(const I8042State *s);

extern const MemoryRegionOps i8042_data_ops;  /* opaque: I8042State, 1 port */
extern const MemoryRegionOps i8042_cmd_ops;   /* opaque: I8042State, 1 port */

#endif
