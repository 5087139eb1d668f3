/*
 * Character devices: the registry of back ends, the spec parser that picks
 * one ("stdio", "file:PATH", "tcp:...", "null"/"none"), the front-end
 * plumbing (handlers, write, feed, accept_input), the null back end and the
 * fd reader the stdio and socket back ends share.
 */
#include "core/chardev.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <glib.h>
#include <glib-unix.h>

#include "core/chardev-internal.h"
#include "core/main-loop.h"

static GPtrArray *registry;

Chardev *chardev_alloc(const ChardevClass *cls, const char *label)
{
    Chardev *chr = g_new0(Chardev, 1);
    chr->cls = cls;
    chr->label = g_strdup(label ? label : "chardev");
    if (!registry)
        registry = g_ptr_array_new();
    g_ptr_array_add(registry, chr);
    return chr;
}

/* ---- null back end ---- */
static int null_write(Chardev *chr, const uint8_t *buf, int len)
{
    return len;
}

static const ChardevClass null_class = {
    .name = "null",
    .write = null_write,
};

Chardev *chardev_null_open(const char *label)
{
    return chardev_alloc(&null_class, label);
}

/* ---- spec parsing ---- */
static char *backend_name(const char *spec)
{
    size_t n = strcspn(spec, ":,");
    return g_strndup(spec, n);
}

Chardev *chardev_new(const char *label, const char *spec, char **err)
{
    if (!spec || !*spec) {
        *err = g_strdup("empty chardev spec");
        return NULL;
    }
    if (!strcmp(spec, "null") || !strcmp(spec, "none"))
        return chardev_null_open(label);
    if (!strcmp(spec, "stdio"))
        return chardev_stdio_open(label, true, err);
    if (!strcmp(spec, "mon:stdio"))
        return chardev_stdio_open(label, false, err);
    if (g_str_has_prefix(spec, "file:")) {
        if (!spec[5]) {
            *err = g_strdup("missing path in 'file:'");
            return NULL;
        }
        return chardev_file_open(label, spec + 5, err);
    }
    if (g_str_has_prefix(spec, "tcp:"))
        return chardev_socket_open(label, spec, err);
    char *name = backend_name(spec);
    *err = g_strdup_printf("unknown chardev backend '%s'", name);
    g_free(name);
    return NULL;
}

/* ---- front-end plumbing ---- */
void chardev_set_handlers(Chardev *chr, ChrCanReadFn can_read, ChrReadFn read, void *opaque)
{
    if (!chr)
        return;
    chr->can_read = can_read;
    chr->read = read;
    chr->opaque = opaque;
    if (read)
        chardev_accept_input(chr);
}

void chardev_remove_frontend(void *opaque)
{
    for (unsigned i = 0; registry && i < registry->len; i++) {
        Chardev *chr = g_ptr_array_index(registry, i);
        if (chr->opaque == opaque && opaque)
            chardev_set_handlers(chr, NULL, NULL, NULL);
    }
}

int chardev_write(Chardev *chr, const uint8_t *buf, int len)
{
    if (len < 0)
        return -1;
    if (!chr || len == 0)
        return len; /* no back end: output dropped */
    return chr->cls->write ? chr->cls->write(chr, buf, len) : len;
}

void chardev_accept_input(Chardev *chr)
{
    if (chr && chr->cls->accept_input)
        chr->cls->accept_input(chr);
}

int chardev_room(Chardev *chr, int max)
{
    if (!chr->read)
        return max;
    if (!chr->can_read)
        return max;
    int n = chr->can_read(chr->opaque);
    if (n < 0)
        n = 0;
    return n < max ? n : max;
}

int chardev_feed(Chardev *chr, const uint8_t *buf, int len)
{
    if (!chr || len <= 0)
        return 0;
    if (!chr->read)
        return len; /* nobody listens: input is dropped */
    int done = 0;
    while (done < len) {
        int n = chardev_room(chr, len - done);
        if (n <= 0)
            break;
        chr->read(chr->opaque, buf + done, n);
        done += n;
    }
    return done;
}

void chardev_close(Chardev *chr)
{
    if (!chr)
        return;
    if (registry)
        g_ptr_array_remove(registry, chr);
    if (chr->cls->close)
        chr->cls->close(chr);
    g_free(chr->label);
    g_free(chr);
}

void chardev_close_all(void)
{
    while (registry && registry->len)
        chardev_close(g_ptr_array_index(registry, registry->len - 1));
    if (registry) {
        g_ptr_array_free(registry, TRUE);
        registry = NULL;
    }
    chardev_restore_terminal();
}

/* ---- shared fd reader ---- */
static gboolean fd_reader_ready(gint fd, GIOCondition cond, gpointer opaque)
{
    ChrFdReader *r = opaque;
    uint8_t buf[4096];
    int room = chardev_room(r->chr, (int)sizeof(buf));
    if (room <= 0) {
        /* The front end is full: stop watching until it asks for more. */
        g_source_unref(r->src);
        r->src = NULL;
        r->throttled = true;
        return G_SOURCE_REMOVE;
    }
    ssize_t n = read(fd, buf, (size_t)room);
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
        return G_SOURCE_CONTINUE;
    if (n <= 0) {
        g_source_unref(r->src);
        r->src = NULL;
        if (r->on_eof)
            r->on_eof(r->chr);
        return G_SOURCE_REMOVE;
    }
    r->on_input(r->chr, buf, (int)n);
    return G_SOURCE_CONTINUE;
}

static void fd_reader_attach(ChrFdReader *r)
{
    r->throttled = false;
    r->src = g_unix_fd_source_new(r->fd, G_IO_IN | G_IO_HUP | G_IO_ERR);
    g_source_set_callback(r->src, (GSourceFunc)(void (*)(void))fd_reader_ready, r, NULL);
    g_source_attach(r->src, main_loop_context());
}

void chardev_fd_reader_start(ChrFdReader *r, Chardev *chr, int fd,
                             void (*on_input)(Chardev *, const uint8_t *, int),
                             void (*on_eof)(Chardev *))
{
    r->chr = chr;
    r->fd = fd;
    r->on_input = on_input;
    r->on_eof = on_eof;
    fd_reader_attach(r);
}

void chardev_fd_reader_resume(ChrFdReader *r)
{
    if (r->throttled && r->fd >= 0 && !r->src)
        fd_reader_attach(r);
}

void chardev_fd_reader_stop(ChrFdReader *r)
{
    if (r->src) {
        g_source_destroy(r->src);
        g_source_unref(r->src);
        r->src = NULL;
    }
    r->throttled = false;
    r->fd = -1;
}

int chardev_write_fd(int fd, const uint8_t *buf, int len, int timeout_ms, bool is_socket)
{
    int done = 0;
    while (done < len) {
        size_t want = (size_t)(len - done);
        /* MSG_NOSIGNAL: a peer that went away is an error, not a SIGPIPE. */
        ssize_t n = is_socket ? send(fd, buf + done, want, MSG_NOSIGNAL) : write(fd, buf + done, want);
        if (n > 0) {
            done += (int)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            struct pollfd p = { .fd = fd, .events = POLLOUT };
            int r = poll(&p, 1, timeout_ms);
            if (r > 0 || (r < 0 && errno == EINTR))
                continue;
        }
        return -1;
    }
    return len;
}
