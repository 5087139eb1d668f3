/*
 * A PS/2 keyboard: the device at the far end of the i8042's keyboard port.
 * It answers the keyboard command set (reset, identify, LEDs, typematic,
 * scan code sets 1 and 2, enable/disable, echo) and turns key events into
 * scan codes in its output queue, which the controller drains.
 */
#ifndef VESSEL_HW_INPUT_PS2KBD_H
#define VESSEL_HW_INPUT_PS2KBD_H

#include <stdbool.h>
#include <stdint.h>

#define PS2KBD_QUEUE_SIZE 64

/* Replies */
#define PS2_ACK 0xfa
#define PS2_RESEND 0xfe
#define PS2_BAT_OK 0xaa
#define PS2_ECHO 0xee

/*
 * Key codes for ps2kbd_key_event are set-1 make codes: 0x01 (Esc) to 0x7f,
 * or 0xe000 | code for the E0-prefixed keys (0xe048 = cursor up). A few
 * names for convenience:
 */
#define PS2_KEY_ESC 0x01
#define PS2_KEY_A 0x1e
#define PS2_KEY_ENTER 0x1c
#define PS2_KEY_LSHIFT 0x2a
#define PS2_KEY_SPACE 0x39
#define PS2_KEY_F7 0x41
#define PS2_KEY_EXTENDED 0xe000
#define PS2_KEY_UP (PS2_KEY_EXTENDED | 0x48)
#define PS2_KEY_RCTRL (PS2_KEY_EXTENDED | 0x1d)

typedef struct PS2Kbd PS2Kbd;

/* `notify(opaque)` runs whenever bytes were added to the output queue. */
PS2Kbd *ps2kbd_new(void (*notify)(void *opaque), void *opaque);
void ps2kbd_free(PS2Kbd *k);
/* Power-on state: scan code set 2, scanning enabled, LEDs off, queue empty. */
void ps2kbd_reset(PS2Kbd *k);

/* A byte from the host (controller) to the keyboard. */
void ps2kbd_write(PS2Kbd *k, uint8_t byte);
bool ps2kbd_has_data(const PS2Kbd *k);
/* Pops the next byte; 0 when empty (callers check has_data first). */
uint8_t ps2kbd_read(PS2Kbd *k);

/* A key went down or up. Ignored while scanning is disabled, for codes
 * outside the ranges above, and when the queue is full. */
void ps2kbd_key_event(PS2Kbd *k, int keycode, bool down);

int ps2kbd_scancode_set(const PS2Kbd *k);
uint8_t ps2kbd_leds(const PS2Kbd *k);   /* bit 0 scroll, 1 num, 2 caps */

/* The i8042's set-2 to set-1 translation of one byte (break prefix 0xf0
 * handled by the caller). */
uint8_t ps2_translate_to_set1(uint8_t set2);

#endif
