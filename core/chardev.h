/*
 * Character devices: the back ends (stdio, file, TCP socket, none) that a
 * front end such as the UART or the debug console talks to. Input arrives
 * on the I/O thread and is handed to the front end with the big lock held.
 */
#ifndef VESSEL_CORE_CHARDEV_H
#define VESSEL_CORE_CHARDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct Chardev Chardev;

/* Front-end callbacks: can_read says how many bytes the front end takes now
 * (0 = hold them), read delivers them. */
typedef int (*ChrCanReadFn)(void *opaque);
typedef void (*ChrReadFn)(void *opaque, const uint8_t *buf, int len);

typedef struct ChardevClass {
    const char *name;
    /* Write all of buf (blocking); returns len or -1. */
    int (*write)(Chardev *chr, const uint8_t *buf, int len);
    /* Called when the front end becomes able to take input again. */
    void (*accept_input)(Chardev *chr);
    void (*close)(Chardev *chr);
} ChardevClass;

struct Chardev {
    const ChardevClass *cls;
    char *label;
    ChrCanReadFn can_read;
    ChrReadFn read;
    void *opaque;
    void *priv;      /* back-end state */
};

/*
 * Create a back end from a QEMU-style spec: "stdio", "file:PATH",
 * "tcp:HOST:PORT[,server][,nowait]", "null", "none" (returns a null device).
 * On error returns NULL and sets *err to a one-line message (g_free it).
 * "stdio" puts the terminal in raw mode (restored at exit and on signals)
 * and handles Ctrl-A x (quit), Ctrl-A h (help) and Ctrl-A Ctrl-A (send
 * Ctrl-A); Ctrl-C still signals the emulator. "mon:stdio" is the same but
 * passes Ctrl-C to the guest (as QEMU does). Only one device may use stdio.
 */
Chardev *chardev_new(const char *label, const char *spec, char **err);

/* Attach a front end. */
void chardev_set_handlers(Chardev *chr, ChrCanReadFn can_read, ChrReadFn read, void *opaque);
/* Detach front end `opaque` from whichever back end it is attached to.
 * Safe after chardev_close_all (then there is nothing to do). */
void chardev_remove_frontend(void *opaque);
/* Write from the front end (guest output). */
int chardev_write(Chardev *chr, const uint8_t *buf, int len);
/* Front end says it can take more input now (after can_read returned 0). */
void chardev_accept_input(Chardev *chr);
/* Deliver bytes to the front end, honouring can_read (used by back ends
 * and by unit tests). Returns bytes taken. */
int chardev_feed(Chardev *chr, const uint8_t *buf, int len);
void chardev_close(Chardev *chr);
/* Close every back end (restores the terminal). Safe to call twice. */
void chardev_close_all(void);
/* Restore the terminal's mode only; async-signal-safe. */
void chardev_restore_terminal(void);

#endif
