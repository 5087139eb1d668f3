/*
 * The "tcp:HOST:PORT[,server][,nowait]" character device. Client mode
 * connects once. Server mode listens and serves one client at a time,
 * accepting the next one after the previous disconnects; guest output is
 * dropped while nobody is connected. Without `nowait` opening blocks until
 * the first client connects. Input arrives through main-loop watches.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <glib.h>
#include <glib-unix.h>

#include "core/chardev-internal.h"
#include "core/chardev.h"
#include "core/main-loop.h"
#include "core/runstate.h"

/* A peer that takes no output for this long is dropped. */
#define SOCKET_WRITE_TIMEOUT_MS 5000

typedef struct SocketOpts {
    char *host;  /* "" for any / loopback */
    char *port;
    bool server;
    bool wait;
} SocketOpts;

typedef struct SocketChardev {
    SocketOpts opts;
    char *spec;
    int listen_fd;
    int fd;             /* connected peer, -1 when none */
    GSource *listen_src;
    ChrFdReader reader;
} SocketChardev;

/* ---- spec parsing ---- */
static bool parse_port(const char *s, bool server)
{
    if (!*s || strlen(s) > 5 || strspn(s, "0123456789") != strlen(s))
        return false;
    long v = strtol(s, NULL, 10);
    return v <= 65535 && (v > 0 || server);
}

/* Split "HOST:PORT" or "[V6]:PORT". */
static bool split_host_port(const char *addr, SocketOpts *o)
{
    const char *colon;
    if (addr[0] == '[') {
        const char *close = strchr(addr, ']');
        if (!close || close[1] != ':')
            return false;
        o->host = g_strndup(addr + 1, (gsize)(close - addr - 1));
        colon = close + 1;
    } else {
        colon = strrchr(addr, ':');
        if (!colon)
            return false;
        o->host = g_strndup(addr, (gsize)(colon - addr));
    }
    o->port = g_strdup(colon + 1);
    return true;
}

static bool parse_flag(const char *opt, SocketOpts *o)
{
    if (!strcmp(opt, "server") || !strcmp(opt, "server=on"))
        o->server = true;
    else if (!strcmp(opt, "server=off"))
        o->server = false;
    else if (!strcmp(opt, "nowait") || !strcmp(opt, "wait=off"))
        o->wait = false;
    else if (!strcmp(opt, "wait") || !strcmp(opt, "wait=on"))
        o->wait = true;
    else if (strcmp(opt, "nodelay") && strcmp(opt, "nodelay=on"))
        return false;
    return true;
}

static void socket_opts_free(SocketOpts *o)
{
    g_free(o->host);
    g_free(o->port);
    o->host = o->port = NULL;
}

static bool parse_socket_spec(const char *spec, SocketOpts *o, char **err)
{
    gchar **parts = g_strsplit(spec + strlen("tcp:"), ",", -1);
    bool ok = false;
    o->wait = true;
    if (!parts[0] || !split_host_port(parts[0], o)) {
        *err = g_strdup_printf("bad port in '%s'", spec);
        goto out;
    }
    for (int i = 1; parts[i]; i++) {
        if (!parse_flag(parts[i], o)) {
            *err = g_strdup_printf("unknown option '%s' in '%s'", parts[i], spec);
            goto out;
        }
    }
    if (!parse_port(o->port, o->server)) {
        *err = g_strdup_printf("bad port in '%s'", spec);
        goto out;
    }
    ok = true;
out:
    g_strfreev(parts);
    if (!ok)
        socket_opts_free(o);
    return ok;
}

/* ---- sockets ---- */
static struct addrinfo *resolve(const SocketOpts *o, char **err)
{
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
    struct addrinfo *res = NULL;
    if (o->server)
        hints.ai_flags = AI_PASSIVE;
    int rc = getaddrinfo(*o->host ? o->host : NULL, o->port, &hints, &res);
    if (rc != 0) {
        *err = g_strdup_printf("cannot resolve '%s': %s", o->host, gai_strerror(rc));
        return NULL;
    }
    return res;
}

static int open_listener(const SocketOpts *o, const char *spec, char **err)
{
    struct addrinfo *res = resolve(o, err);
    if (!res)
        return -1;
    int fd = -1, last_errno = 0;
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
        if (fd < 0) {
            last_errno = errno;
            continue;
        }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 1) != 0) {
            last_errno = errno;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0)
        *err = g_strdup_printf("could not listen on '%s': %s", spec, g_strerror(last_errno));
    return fd;
}

static int connect_to(const SocketOpts *o, const char *spec, char **err)
{
    struct addrinfo *res = resolve(o, err);
    if (!res)
        return -1;
    int fd = -1, last_errno = 0;
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            last_errno = errno;
            continue;
        }
        int rc;
        do {
            rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
        } while (rc != 0 && errno == EINTR);
        if (rc != 0) {
            last_errno = errno;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0) {
        *err = g_strdup_printf("could not connect to '%s': %s", spec, g_strerror(last_errno));
        return -1;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    return fd;
}

/* ---- connection life cycle ---- */
static void socket_listen_start(Chardev *chr);

static void socket_on_input(Chardev *chr, const uint8_t *buf, int len)
{
    chardev_feed(chr, buf, len);
}

static void socket_disconnect(Chardev *chr)
{
    SocketChardev *s = chr->priv;
    if (s->fd < 0)
        return;
    chardev_fd_reader_stop(&s->reader);
    close(s->fd);
    s->fd = -1;
    if (s->listen_fd >= 0)
        socket_listen_start(chr);
}

static void socket_attach_peer(Chardev *chr, int fd)
{
    SocketChardev *s = chr->priv;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    s->fd = fd;
    chardev_fd_reader_start(&s->reader, chr, fd, socket_on_input, socket_disconnect);
}

static gboolean socket_on_listen_ready(gint lfd, GIOCondition cond, gpointer opaque)
{
    Chardev *chr = opaque;
    SocketChardev *s = chr->priv;
    int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
        return G_SOURCE_CONTINUE; /* EAGAIN, or a client that already left */
    g_source_unref(s->listen_src);
    s->listen_src = NULL;
    socket_attach_peer(chr, fd);
    return G_SOURCE_REMOVE; /* one client at a time */
}

static void socket_listen_start(Chardev *chr)
{
    SocketChardev *s = chr->priv;
    if (s->listen_src)
        return;
    s->listen_src = g_unix_fd_source_new(s->listen_fd, G_IO_IN);
    g_source_set_callback(s->listen_src, (GSourceFunc)(void (*)(void))socket_on_listen_ready, chr, NULL);
    g_source_attach(s->listen_src, main_loop_context());
}

static void socket_listen_stop(SocketChardev *s)
{
    if (s->listen_src) {
        g_source_destroy(s->listen_src);
        g_source_unref(s->listen_src);
        s->listen_src = NULL;
    }
}

/* Without nowait: run the main context until a client arrives (signals
 * still end the wait). */
static bool socket_wait_for_client(Chardev *chr, char **err)
{
    SocketChardev *s = chr->priv;
    fprintf(stderr, "vessel: waiting for connection on tcp:%s:%s,server\n", s->opts.host, s->opts.port);
    while (s->fd < 0) {
        if (runstate_shutdown_pending()) {
            *err = g_strdup_printf("interrupted while waiting for a connection on '%s'", s->spec);
            return false;
        }
        g_main_context_iteration(main_loop_context(), TRUE);
    }
    return true;
}

/* ---- the back end ---- */
static int socket_write(Chardev *chr, const uint8_t *buf, int len)
{
    SocketChardev *s = chr->priv;
    if (s->fd < 0)
        return len; /* nobody connected: dropped */
    if (chardev_write_fd(s->fd, buf, len, SOCKET_WRITE_TIMEOUT_MS, true) < 0) {
        socket_disconnect(chr);
        return -1;
    }
    return len;
}

static void socket_accept_input(Chardev *chr)
{
    SocketChardev *s = chr->priv;
    chardev_fd_reader_resume(&s->reader);
}

static void socket_close(Chardev *chr)
{
    SocketChardev *s = chr->priv;
    socket_listen_stop(s);
    int lfd = s->listen_fd;
    s->listen_fd = -1; /* so disconnect does not listen again */
    socket_disconnect(chr);
    if (lfd >= 0)
        close(lfd);
    socket_opts_free(&s->opts);
    g_free(s->spec);
    g_free(s);
}

static const ChardevClass socket_class = {
    .name = "socket",
    .write = socket_write,
    .accept_input = socket_accept_input,
    .close = socket_close,
};

static bool socket_start(Chardev *chr, char **err)
{
    SocketChardev *s = chr->priv;
    if (!s->opts.server) {
        int fd = connect_to(&s->opts, s->spec, err);
        if (fd < 0)
            return false;
        socket_attach_peer(chr, fd);
        return true;
    }
    s->listen_fd = open_listener(&s->opts, s->spec, err);
    if (s->listen_fd < 0)
        return false;
    socket_listen_start(chr);
    return !s->opts.wait || socket_wait_for_client(chr, err);
}

Chardev *chardev_socket_open(const char *label, const char *spec, char **err)
{
    SocketOpts opts = { 0 };
    if (!parse_socket_spec(spec, &opts, err))
        return NULL;
    Chardev *chr = chardev_alloc(&socket_class, label);
    SocketChardev *s = g_new0(SocketChardev, 1);
    s->opts = opts;
    s->spec = g_strdup(spec);
    s->listen_fd = -1;
    s->fd = -1;
    s->reader.fd = -1;
    chr->priv = s;
    if (!socket_start(chr, err)) {
        chardev_close(chr);
        return NULL;
    }
    return chr;
}

int chardev_socket_local_port(Chardev *chr)
{
    if (!chr || chr->cls != &socket_class)
        return -1;
    SocketChardev *s = chr->priv;
    int fd = s->listen_fd >= 0 ? s->listen_fd : s->fd;
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    if (fd < 0 || getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
        return -1;
    if (ss.ss_family == AF_INET)
        return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return -1;
}

bool chardev_socket_connected(Chardev *chr)
{
    return chr && chr->cls == &socket_class && ((SocketChardev *)chr->priv)->fd >= 0;
}
