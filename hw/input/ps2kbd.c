/*
 * PS/2 keyboard: command set and scan code generation (sets 1 and 2).
 * Key events are given as set-1 codes; set 2 codes come from the inverse
 * of the 8042 translation table, which maps every set-2 key code to its
 * set-1 code. Set 3 is refused (RESEND), as the few guests that try it
 * fall back to set 2.
 */
#include "hw/input/ps2kbd.h"

#include <glib.h>

#include "core/log.h"

struct PS2Kbd {
    uint8_t queue[PS2KBD_QUEUE_SIZE];
    int head;
    int count;
    uint8_t param_cmd;        /* command waiting for its parameter, or 0 */
    bool scanning;
    int set;
    uint8_t leds;
    uint8_t typematic;
    uint8_t last_read;        /* for the resend command */
    uint8_t set1_to_set2[128];
    void (*notify)(void *opaque);
    void *opaque;
};

/* The 8042 translation table for set-2 codes 0x00-0x7f (IBM PC/AT). */
static const uint8_t set2_to_set1[128] = {
    0xff, 0x43, 0x41, 0x3f, 0x3d, 0x3b, 0x3c, 0x58, 0x64, 0x44, 0x42, 0x40, 0x3e, 0x0f, 0x29, 0x59,
    0x65, 0x38, 0x2a, 0x70, 0x1d, 0x10, 0x02, 0x5a, 0x66, 0x71, 0x2c, 0x1f, 0x1e, 0x11, 0x03, 0x5b,
    0x67, 0x2e, 0x2d, 0x20, 0x12, 0x05, 0x04, 0x5c, 0x68, 0x39, 0x2f, 0x21, 0x14, 0x13, 0x06, 0x5d,
    0x69, 0x31, 0x30, 0x23, 0x22, 0x15, 0x07, 0x5e, 0x6a, 0x72, 0x32, 0x24, 0x16, 0x08, 0x09, 0x5f,
    0x6b, 0x33, 0x25, 0x17, 0x18, 0x0b, 0x0a, 0x60, 0x6c, 0x34, 0x35, 0x26, 0x27, 0x19, 0x0c, 0x61,
    0x6d, 0x73, 0x28, 0x74, 0x1a, 0x0d, 0x62, 0x6e, 0x3a, 0x36, 0x1c, 0x1b, 0x75, 0x2b, 0x63, 0x76,
    0x55, 0x56, 0x77, 0x78, 0x79, 0x7a, 0x0e, 0x7b, 0x7c, 0x4f, 0x7d, 0x4b, 0x47, 0x7e, 0x7f, 0x6f,
    0x52, 0x53, 0x50, 0x4c, 0x4d, 0x48, 0x01, 0x45, 0x57, 0x4e, 0x51, 0x4a, 0x37, 0x49, 0x46, 0x54,
};

#define SET2_F7 0x83      /* the one set-2 key code above 0x7f */
#define SET2_SYSRQ 0x84   /* Alt+PrintScreen */

uint8_t ps2_translate_to_set1(uint8_t b)
{
    if (b < 0x80)
        return set2_to_set1[b];
    if (b == SET2_F7)
        return 0x41;
    if (b == SET2_SYSRQ)
        return 0x54;
    return b;
}

static void kbd_build_inverse(PS2Kbd *k)
{
    for (int c = 0; c < 128; c++)
        k->set1_to_set2[set2_to_set1[c] & 0x7f] = (uint8_t)c;
    k->set1_to_set2[0x41] = SET2_F7;
    k->set1_to_set2[0x54] = SET2_SYSRQ;
}

/* ---- output queue ---- */

static void kbd_push(PS2Kbd *k, uint8_t b)
{
    if (k->count >= PS2KBD_QUEUE_SIZE) {
        log_mask(LOG_GUEST_ERROR, "ps2kbd: queue full, byte 0x%02x dropped\n", b);
        return;
    }
    k->queue[(k->head + k->count) % PS2KBD_QUEUE_SIZE] = b;
    k->count++;
}

static void kbd_notify(PS2Kbd *k)
{
    if (k->notify && k->count)
        k->notify(k->opaque);
}

static void kbd_clear_queue(PS2Kbd *k)
{
    k->head = 0;
    k->count = 0;
}

bool ps2kbd_has_data(const PS2Kbd *k)
{
    return k->count > 0;
}

uint8_t ps2kbd_read(PS2Kbd *k)
{
    if (!k->count)
        return 0;
    uint8_t b = k->queue[k->head];
    k->head = (k->head + 1) % PS2KBD_QUEUE_SIZE;
    k->count--;
    k->last_read = b;
    return b;
}

/* ---- commands ---- */

static void kbd_set_defaults(PS2Kbd *k)
{
    k->set = 2;
    k->typematic = 0x2b;  /* 10.9 characters/s, 500 ms delay */
    k->leds = 0;
}

static void kbd_param(PS2Kbd *k, uint8_t cmd, uint8_t val)
{
    switch (cmd) {
    case 0xed: /* set LEDs */
        k->leds = val & 7;
        kbd_push(k, PS2_ACK);
        break;
    case 0xf3: /* typematic rate/delay */
        k->typematic = val & 0x7f;
        kbd_push(k, PS2_ACK);
        break;
    default: /* 0xf0: get/set scan code set */
        if (val == 0) {
            kbd_push(k, PS2_ACK);
            kbd_push(k, (uint8_t)k->set);
        } else if (val == 1 || val == 2) {
            k->set = val;
            kbd_push(k, PS2_ACK);
        } else {
            kbd_push(k, PS2_RESEND);
        }
        break;
    }
}

static void kbd_command(PS2Kbd *k, uint8_t cmd)
{
    switch (cmd) {
    case 0xed: case 0xf0: case 0xf3:
        k->param_cmd = cmd;
        kbd_push(k, PS2_ACK);
        break;
    case 0xee:
        kbd_push(k, PS2_ECHO);
        break;
    case 0xf2: /* identify: MF2 keyboard */
        kbd_push(k, PS2_ACK);
        kbd_push(k, 0xab);
        kbd_push(k, 0x83);
        break;
    case 0xf4: /* enable scanning */
        kbd_clear_queue(k);
        k->scanning = true;
        kbd_push(k, PS2_ACK);
        break;
    case 0xf5: /* default and disable */
        kbd_clear_queue(k);
        kbd_set_defaults(k);
        k->scanning = false;
        kbd_push(k, PS2_ACK);
        break;
    case 0xf6: /* set defaults */
        kbd_clear_queue(k);
        kbd_set_defaults(k);
        kbd_push(k, PS2_ACK);
        break;
    case 0xf7: case 0xf8: case 0xf9: case 0xfa: case 0xfb: case 0xfc: case 0xfd:
        kbd_push(k, PS2_ACK);  /* set-3 key types: accepted, no effect */
        break;
    case 0xfe: /* resend */
        kbd_push(k, k->last_read);
        break;
    case 0xff: /* reset and self-test */
        kbd_clear_queue(k);
        kbd_set_defaults(k);
        k->scanning = true;
        kbd_push(k, PS2_ACK);
        kbd_push(k, PS2_BAT_OK);
        break;
    default:
        kbd_push(k, PS2_RESEND);
        break;
    }
}

void ps2kbd_write(PS2Kbd *k, uint8_t byte)
{
    uint8_t cmd = k->param_cmd;
    k->param_cmd = 0;
    /* A command byte where a parameter was due aborts the first command. */
    if (cmd && byte < 0xed)
        kbd_param(k, cmd, byte);
    else
        kbd_command(k, byte);
    kbd_notify(k);
}

/* ---- key events ---- */

void ps2kbd_key_event(PS2Kbd *k, int keycode, bool down)
{
    bool extended = (keycode & ~0x7f) == PS2_KEY_EXTENDED;
    int code = keycode & 0x7f;
    if ((keycode & ~0x7f) && !extended)
        return;
    if (!k->scanning || code == 0 || k->count + 3 > PS2KBD_QUEUE_SIZE)
        return;
    if (extended)
        kbd_push(k, 0xe0);
    if (k->set == 1) {
        kbd_push(k, (uint8_t)(code | (down ? 0 : 0x80)));
    } else {
        if (!down)
            kbd_push(k, 0xf0);
        kbd_push(k, k->set1_to_set2[code]);
    }
    kbd_notify(k);
}

int ps2kbd_scancode_set(const PS2Kbd *k)
{
    return k->set;
}

uint8_t ps2kbd_leds(const PS2Kbd *k)
{
    return k->leds;
}

/* ---- lifecycle ---- */

void ps2kbd_reset(PS2Kbd *k)
{
    kbd_clear_queue(k);
    kbd_set_defaults(k);
    k->param_cmd = 0;
    k->scanning = true;
    k->last_read = 0;
}

PS2Kbd *ps2kbd_new(void (*notify)(void *opaque), void *opaque)
{
    PS2Kbd *k = g_new0(PS2Kbd, 1);
    k->notify = notify;
    k->opaque = opaque;
    kbd_build_inverse(k);
    ps2kbd_reset(k);
    return k;
}

void ps2kbd_free(PS2Kbd *k)
{
    g_free(k);
}
