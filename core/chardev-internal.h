/*
 * Private interface between the character-device registry (chardev.c) and
 * its back ends (stdio, file, socket): constructors, the shared fd reader
 * that throttles input to what the front end takes, and the pure Ctrl-A
 * escape filter of the stdio back end (exposed for unit tests).
 */
#ifndef VESSEL_CORE_CHARDEV_INTERNAL_H
#define VESSEL_CORE_CHARDEV_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

#include "core/chardev.h"

/* Allocate a Chardev of class `cls` and enter it in the registry. */
Chardev *chardev_alloc(const ChardevClass *cls, const char *label);
/* How many bytes the front end takes now; with no front end attached all
 * input is discarded, so any amount is fine (returns `max`). */
int chardev_room(Chardev *chr, int max);

/* Back-end constructors: `arg` is the spec after "name:". */
Chardev *chardev_stdio_open(const char *label, bool allow_signals, char **err);
Chardev *chardev_file_open(const char *label, const char *path, char **err);
Chardev *chardev_socket_open(const char *label, const char *spec, char **err);
Chardev *chardev_null_open(const char *label);

/* The local port a socket back end listens on or is connected from
 * (tests use it with port 0); -1 if chr is not a socket. */
int chardev_socket_local_port(Chardev *chr);
/* True while a socket back end has a connected peer. */
bool chardev_socket_connected(Chardev *chr);

/*
 * An fd watched on the main loop context. When readable, reads at most as
 * many bytes as the front end takes and passes them to on_input; when the
 * front end is full the watch is removed until chardev_fd_reader_resume.
 * on_eof runs once on end of file or a read error (the watch is gone then).
 */
typedef struct ChrFdReader {
    Chardev *chr;
    int fd;
    GSource *src;
    bool throttled;
    void (*on_input)(Chardev *chr, const uint8_t *buf, int len);
    void (*on_eof)(Chardev *chr);
} ChrFdReader;

void chardev_fd_reader_start(ChrFdReader *r, Chardev *chr, int fd,
                             void (*on_input)(Chardev *, const uint8_t *, int),
                             void (*on_eof)(Chardev *));
/* Re-arm after throttling (called from accept_input). */
void chardev_fd_reader_resume(ChrFdReader *r);
void chardev_fd_reader_stop(ChrFdReader *r);

/* Write all of buf to fd, retrying on EINTR/EAGAIN (waiting up to
 * timeout_ms for the fd to drain each time; -1 waits forever). Sockets are
 * written with send(MSG_NOSIGNAL). Returns len or -1. */
int chardev_write_fd(int fd, const uint8_t *buf, int len, int timeout_ms, bool is_socket);

/* ---- Ctrl-A escapes (stdio) ---- */
#define MUX_ESCAPE_CHAR 0x01 /* Ctrl-A */

enum {
    MUX_EVENT_QUIT = 1 << 0, /* Ctrl-A x */
    MUX_EVENT_HELP = 1 << 1, /* Ctrl-A h */
};

/*
 * Filter terminal input: copies ordinary bytes from in to out, turns
 * Ctrl-A Ctrl-A into one Ctrl-A, reports Ctrl-A x / Ctrl-A h in *events and
 * drops Ctrl-A followed by anything else. *escape carries a trailing
 * Ctrl-A over to the next call. out must hold len bytes; returns the number
 * of bytes written to out.
 */
int chardev_mux_filter(bool *escape, const uint8_t *in, int len, uint8_t *out, unsigned *events);
/* The text printed for Ctrl-A h. */
extern const char chardev_mux_help[];

#endif
