/*
 * i8042 keyboard controller.
 *
 * One output buffer (port 0x60) is filled, in order of priority, from the
 * controller's own replies, the keyboard's queue (translated to set 1 when
 * the command byte's XLAT bit is set) and the aux device's queue. IRQ1 /
 * IRQ12 follow "output buffer full" for the keyboard / aux side, gated by
 * the command byte. The aux device is a minimal PS/2 mouse: it acknowledges
 * every command, answers reset with 0xaa 0x00, identify with 0x00 (standard
 * mouse) and status request with a plausible status, and sends 3-byte
 * stream-mode packets for i8042_mouse_event once reporting is enabled.
 */
#include "hw/input/i8042.h"

#include <glib.h>
#include <string.h>

#include "core/log.h"
#include "core/runstate.h"

#define CTRL_QUEUE_SIZE 8
#define AUX_QUEUE_SIZE 16
#define RESET_CTR (I8042_CTR_KBDINT | I8042_CTR_AUXINT | I8042_CTR_XLATE)
#define RESET_OUTPORT 0xcf

typedef struct ByteQueue {
    uint8_t data[AUX_QUEUE_SIZE];
    bool aux[AUX_QUEUE_SIZE];  /* controller queue: byte counts as aux data */
    int head;
    int count;
    int size;
} ByteQueue;

struct I8042State {
    uint8_t ram[32];           /* ram[0] is the command byte */
    uint8_t status;            /* SYS, CMD and UNLOCKED bits */
    uint8_t outport;
    uint8_t pending_cmd;       /* command waiting for a data byte, or 0 */
    uint8_t out_byte;
    bool obf;
    bool out_aux;
    bool xlat_break;           /* translation saw a 0xf0 break prefix */
    ByteQueue ctrl_q;
    ByteQueue aux_q;
    uint8_t aux_param_cmd;
    bool aux_reporting;        /* data reporting enabled (0xf4) */
    PS2Kbd *kbd;
    IRQLine irq1;
    IRQLine irq12;
    IRQLine a20;
    int irq1_level;
    int irq12_level;
    MemoryRegion io_data;
    MemoryRegion io_cmd;
    MemoryRegion *io_root;
};

/* ---- small queues ---- */

static void queue_init(ByteQueue *q, int size)
{
    q->head = 0;
    q->count = 0;
    q->size = size;
}

static void queue_push(ByteQueue *q, uint8_t b, bool aux)
{
    if (q->count >= q->size)
        return;
    int i = (q->head + q->count) % q->size;
    q->data[i] = b;
    q->aux[i] = aux;
    q->count++;
}

static uint8_t queue_pop(ByteQueue *q, bool *aux)
{
    uint8_t b = q->data[q->head];
    if (aux)
        *aux = q->aux[q->head];
    q->head = (q->head + 1) % q->size;
    q->count--;
    return b;
}

/* ---- output buffer and interrupts ---- */

static uint8_t *ctr(I8042State *s)
{
    return &s->ram[0];
}

static void i8042_set_irqs(I8042State *s)
{
    int l1 = s->obf && !s->out_aux && (*ctr(s) & I8042_CTR_KBDINT);
    int l12 = s->obf && s->out_aux && (*ctr(s) & I8042_CTR_AUXINT);
    if (l1 != s->irq1_level) {
        s->irq1_level = l1;
        irq_set(&s->irq1, l1);
    }
    if (l12 != s->irq12_level) {
        s->irq12_level = l12;
        irq_set(&s->irq12, l12);
    }
}

/* Next keyboard byte through the translator; false if none is ready. */
static bool i8042_pull_keyboard(I8042State *s, uint8_t *out)
{
    while (ps2kbd_has_data(s->kbd)) {
        uint8_t b = ps2kbd_read(s->kbd);
        if (!(*ctr(s) & I8042_CTR_XLATE)) {
            *out = b;
            return true;
        }
        if (b == 0xf0) {
            s->xlat_break = true;
            continue;
        }
        *out = ps2_translate_to_set1(b) | (s->xlat_break ? 0x80 : 0);
        s->xlat_break = false;
        return true;
    }
    return false;
}

static void i8042_fill(I8042State *s, uint8_t b, bool aux)
{
    s->out_byte = b;
    s->out_aux = aux;
    s->obf = true;
}

/* Refill the output buffer if it is empty, then update the IRQs. */
static void i8042_update(I8042State *s)
{
    uint8_t b;
    bool aux;
    if (!s->obf) {
        if (s->ctrl_q.count) {
            b = queue_pop(&s->ctrl_q, &aux);
            i8042_fill(s, b, aux);
        } else if (!(*ctr(s) & I8042_CTR_KBDDIS) && i8042_pull_keyboard(s, &b)) {
            i8042_fill(s, b, false);
        } else if (!(*ctr(s) & I8042_CTR_AUXDIS) && s->aux_q.count) {
            i8042_fill(s, queue_pop(&s->aux_q, NULL), true);
        }
    }
    i8042_set_irqs(s);
}

static void i8042_kbd_notify(void *opaque)
{
    i8042_update(opaque);
}

static void i8042_reply(I8042State *s, uint8_t b)
{
    queue_push(&s->ctrl_q, b, false);
}

/* ---- the aux device (a mouse that never moves) ---- */

static void aux_reply(I8042State *s, uint8_t b)
{
    queue_push(&s->aux_q, b, true);
}

static void aux_write(I8042State *s, uint8_t b)
{
    if (s->aux_param_cmd) {
        s->aux_param_cmd = 0;
        aux_reply(s, PS2_ACK);
        return;
    }
    aux_reply(s, PS2_ACK);
    switch (b) {
    case 0xff: /* reset */
        s->aux_reporting = false;
        aux_reply(s, PS2_BAT_OK);
        aux_reply(s, 0x00);
        break;
    case 0xf4: /* enable data reporting */
        s->aux_reporting = true;
        break;
    case 0xf5: /* disable data reporting */
    case 0xf6: /* set defaults */
        s->aux_reporting = false;
        break;
    case 0xf2: /* identify: standard mouse */
        aux_reply(s, 0x00);
        break;
    case 0xe9: /* status: stream mode, resolution 4/mm, 100 samples/s */
        aux_reply(s, 0x00);
        aux_reply(s, 0x02);
        aux_reply(s, 100);
        break;
    case 0xe8: /* set resolution */
    case 0xf3: /* set sample rate */
        s->aux_param_cmd = b;
        break;
    default:
        break;
    }
}

static int clamp_motion(int v, bool *overflow)
{
    if (v > 255 || v < -256) {
        *overflow = true;
        return v > 0 ? 255 : -256;
    }
    return v;
}

void i8042_mouse_event(I8042State *s, int dx, int dy, int buttons)
{
    if (!s->aux_reporting || s->aux_q.count + 3 > s->aux_q.size)
        return;
    bool xo = false, yo = false;
    dx = clamp_motion(dx, &xo);
    dy = clamp_motion(dy, &yo);
    uint8_t b0 = (uint8_t)(0x08 | (buttons & 7) | (dx < 0 ? 0x10 : 0) | (dy < 0 ? 0x20 : 0) |
                           (xo ? 0x40 : 0) | (yo ? 0x80 : 0));
    aux_reply(s, b0);
    aux_reply(s, (uint8_t)dx);
    aux_reply(s, (uint8_t)dy);
    i8042_update(s);
}

/* ---- output port ---- */

static void i8042_write_outport(I8042State *s, uint8_t val)
{
    uint8_t old = s->outport;
    s->outport = val;
    if ((old ^ val) & I8042_OUT_A20)
        irq_set(&s->a20, (val & I8042_OUT_A20) != 0);
    if (!(val & I8042_OUT_RESET)) {
        log_mask(LOG_RESET, "i8042: reset through the output port\n");
        runstate_request_reset();
    }
}

uint8_t i8042_output_port(const I8042State *s)
{
    uint8_t v = s->outport & ~0x30;
    if (s->obf)
        v |= s->out_aux ? 0x20 : 0x10;
    return v;
}

/* ---- commands (port 0x64) ---- */

static void i8042_write_ctr(I8042State *s, uint8_t val)
{
    *ctr(s) = val;
    s->status = (uint8_t)((s->status & ~I8042_STR_SYS) | (val & I8042_CTR_SYS));
}

/* Commands 0xf0-0xff pulse the output port bits that are 0 in the low nibble. */
static void i8042_pulse(I8042State *s, uint8_t cmd)
{
    if (!(cmd & I8042_OUT_RESET)) {
        log_mask(LOG_RESET, "i8042: reset pulse (0x%02x)\n", cmd);
        runstate_request_reset();
    }
}

static void i8042_command(I8042State *s, uint8_t cmd)
{
    if (cmd >= 0x20 && cmd < 0x40) {
        i8042_reply(s, s->ram[cmd & 0x1f]);
    } else if ((cmd >= 0x60 && cmd < 0x80) || (cmd >= 0xd1 && cmd <= 0xd4)) {
        s->pending_cmd = cmd;
    } else if (cmd >= 0xf0) {
        i8042_pulse(s, cmd);
    } else {
        switch (cmd) {
        case 0xa4: i8042_reply(s, 0xf1); break;         /* no password */
        case 0xa7: *ctr(s) |= I8042_CTR_AUXDIS; break;
        case 0xa8: *ctr(s) &= ~I8042_CTR_AUXDIS; break;
        case 0xa9: i8042_reply(s, 0x00); break;         /* aux interface ok */
        case 0xaa:                                       /* self test */
            s->status |= I8042_STR_SYS;
            i8042_reply(s, 0x55);
            break;
        case 0xab: i8042_reply(s, 0x00); break;         /* kbd interface ok */
        case 0xad: *ctr(s) |= I8042_CTR_KBDDIS; break;
        case 0xae: *ctr(s) &= ~I8042_CTR_KBDDIS; break;
        case 0xc0: i8042_reply(s, 0x80); break;         /* input port */
        case 0xd0: i8042_reply(s, i8042_output_port(s)); break;
        case 0xdd: i8042_write_outport(s, s->outport & ~I8042_OUT_A20); break;
        case 0xdf: i8042_write_outport(s, s->outport | I8042_OUT_A20); break;
        case 0xe0: i8042_reply(s, 0x00); break;         /* test inputs */
        default:
            log_mask(LOG_UNIMP, "i8042: unknown command 0x%02x\n", cmd);
            break;
        }
    }
}

/* A data byte (port 0x60) completing a command. */
static void i8042_command_data(I8042State *s, uint8_t cmd, uint8_t val)
{
    switch (cmd) {
    case 0x60:
        i8042_write_ctr(s, val);
        break;
    case 0xd1:
        i8042_write_outport(s, val);
        break;
    case 0xd2: /* as if from the keyboard */
        i8042_reply(s, val);
        break;
    case 0xd3: /* as if from the aux device */
        queue_push(&s->ctrl_q, val, true);
        break;
    case 0xd4:
        aux_write(s, val);
        break;
    default: /* 0x61-0x7f */
        s->ram[cmd & 0x1f] = val;
        break;
    }
}

/* ---- ports ---- */

static uint64_t i8042_data_read(void *opaque, uint64_t addr, unsigned size)
{
    I8042State *s = opaque;
    uint8_t b = s->out_byte;  /* an empty buffer repeats the last byte */
    s->obf = false;
    i8042_update(s);
    return b;
}

static void i8042_data_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    I8042State *s = opaque;
    uint8_t cmd = s->pending_cmd;
    s->status &= ~I8042_STR_CMD;
    s->pending_cmd = 0;
    if (cmd)
        i8042_command_data(s, cmd, (uint8_t)val);
    else
        ps2kbd_write(s->kbd, (uint8_t)val);
    i8042_update(s);
}

static uint64_t i8042_status_read(void *opaque, uint64_t addr, unsigned size)
{
    I8042State *s = opaque;
    uint8_t st = s->status;
    if (s->obf)
        st |= I8042_STR_OBF | (s->out_aux ? I8042_STR_AUXOBF : 0);
    return st;
}

static void i8042_cmd_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    I8042State *s = opaque;
    s->status |= I8042_STR_CMD;
    s->pending_cmd = 0;
    i8042_command(s, (uint8_t)val);
    i8042_update(s);
}

const MemoryRegionOps i8042_data_ops = {
    .read = i8042_data_read,
    .write = i8042_data_write,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

const MemoryRegionOps i8042_cmd_ops = {
    .read = i8042_status_read,
    .write = i8042_cmd_write,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

/* ---- API ---- */

PS2Kbd *i8042_keyboard(I8042State *s)
{
    return s->kbd;
}

void i8042_key_event(I8042State *s, int keycode, bool down)
{
    ps2kbd_key_event(s->kbd, keycode, down);
}

void i8042_reset(void *opaque)
{
    I8042State *s = opaque;
    memset(s->ram, 0, sizeof(s->ram));
    s->ram[0] = RESET_CTR;
    s->status = I8042_STR_CMD | I8042_STR_UNLOCKED;
    s->outport = RESET_OUTPORT;
    s->pending_cmd = 0;
    s->out_byte = 0;
    s->obf = false;
    s->out_aux = false;
    s->xlat_break = false;
    s->aux_param_cmd = 0;
    s->aux_reporting = false;
    queue_init(&s->ctrl_q, CTRL_QUEUE_SIZE);
    queue_init(&s->aux_q, AUX_QUEUE_SIZE);
    ps2kbd_reset(s->kbd);
    irq_set(&s->a20, 1);
    s->irq1_level = s->irq12_level = -1;
    i8042_update(s);
}

I8042State *i8042_new(const IRQLine *irq1, const IRQLine *irq12, const IRQLine *a20_out)
{
    I8042State *s = g_new0(I8042State, 1);
    if (irq1)
        s->irq1 = *irq1;
    if (irq12)
        s->irq12 = *irq12;
    if (a20_out)
        s->a20 = *a20_out;
    s->kbd = ps2kbd_new(i8042_kbd_notify, s);
    memory_region_init_io(&s->io_data, "i8042-data", &i8042_data_ops, s, 1);
    memory_region_init_io(&s->io_cmd, "i8042-cmd", &i8042_cmd_ops, s, 1);
    i8042_reset(s);
    return s;
}

void i8042_map(I8042State *s, MemoryRegion *io_root)
{
    s->io_root = io_root;
    memory_region_transaction_begin();
    memory_region_add_subregion(io_root, I8042_DATA_PORT, &s->io_data);
    memory_region_add_subregion(io_root, I8042_CMD_PORT, &s->io_cmd);
    memory_region_transaction_commit();
}

void i8042_free(I8042State *s)
{
    if (!s)
        return;
    if (s->io_root) {
        memory_region_transaction_begin();
        memory_region_del_subregion(s->io_root, &s->io_data);
        memory_region_del_subregion(s->io_root, &s->io_cmd);
        memory_region_transaction_commit();
    }
    ps2kbd_free(s->kbd);
    g_free(s);
}
