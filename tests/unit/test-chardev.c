/*
 * Unit tests for character devices: spec parsing and its error messages,
 * the null and file back ends, TCP server and client on 127.0.0.1 with an
 * ephemeral port (input throttling, reconnects, blocking wait), the stdio
 * back end on pipes, and the Ctrl-A escape filter.
 */
#include <check.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>
#include <glib.h>

#include "core/chardev-internal.h"
#include "core/chardev.h"
#include "core/main-loop.h"
#include "core/runstate.h"
#include "hw/char/serial.h"
#include "unit-test.h"

/* ---- a recording front end ---- */
static uint8_t rx[1024];
static int nrx;
static int room;

static int fe_can_read(void *opaque)
{
    return room;
}

static void fe_read(void *opaque, const uint8_t *buf, int len)
{
    ck_assert_int_le(len, room);
    for (int i = 0; i < len && nrx < (int)sizeof(rx); i++)
        rx[nrx++] = buf[i];
}

static void fe_reset(void)
{
    nrx = 0;
    room = 64;
}

static void attach(Chardev *chr)
{
    fe_reset();
    chardev_set_handlers(chr, fe_can_read, fe_read, NULL);
}

/* Run the main context until cond holds or timeout_ms pass. */
static bool pump_until(bool (*cond)(void *), void *arg, int timeout_ms)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    while (!cond(arg)) {
        if (g_get_monotonic_time() > deadline)
            return false;
        if (!g_main_context_iteration(main_loop_context(), FALSE))
            g_usleep(1000);
    }
    return true;
}

static bool got_bytes(void *arg)
{
    return nrx >= *(int *)arg;
}

static bool never(void *arg)
{
    return false;
}

static bool wait_rx(int n)
{
    return pump_until(got_bytes, &n, 5000);
}

static void pump_for(int ms)
{
    pump_until(never, NULL, ms);
}

/* ---- spec errors ---- */
static const struct { const char *spec; const char *err; } bad_specs[] = {
    { "", "empty chardev spec" },
    { "foo", "unknown chardev backend 'foo'" },
    { "foo:bar", "unknown chardev backend 'foo'" },
    { "pty,x", "unknown chardev backend 'pty'" },
    { "tcp:", "bad port in 'tcp:'" },
    { "tcp:localhost", "bad port in 'tcp:localhost'" },
    { "tcp:127.0.0.1:99999", "bad port in 'tcp:127.0.0.1:99999'" },
    { "tcp:127.0.0.1:12ab", "bad port in 'tcp:127.0.0.1:12ab'" },
    { "tcp:127.0.0.1:", "bad port in 'tcp:127.0.0.1:'" },
    { "tcp:127.0.0.1:0", "bad port in 'tcp:127.0.0.1:0'" },
    { "tcp:127.0.0.1:-5,server", "bad port in 'tcp:127.0.0.1:-5,server'" },
    { "tcp:[::1", "bad port in 'tcp:[::1'" },
    { "tcp:127.0.0.1:4444,server,bogus", "unknown option 'bogus' in 'tcp:127.0.0.1:4444,server,bogus'" },
    { "file:", "missing path in 'file:'" },
    { "file:/nonexistent-dir/x/serial.log",
      "could not open serial file '/nonexistent-dir/x/serial.log': No such file or directory" },
};

START_TEST(test_bad_specs)
{
    char *err = NULL;
    ck_assert_ptr_null(chardev_new("t", bad_specs[_i].spec, &err));
    ck_assert_ptr_nonnull(err);
    ck_assert_str_eq(err, bad_specs[_i].err);
    g_free(err);
}
END_TEST

START_TEST(test_null_backends)
{
    char *err = NULL;
    static const char *const specs[] = { "null", "none" };
    for (int i = 0; i < 2; i++) {
        Chardev *chr = chardev_new("n", specs[i], &err);
        ck_assert_ptr_nonnull(chr);
        attach(chr);
        ck_assert_int_eq(chardev_write(chr, (const uint8_t *)"abc", 3), 3);
        chardev_accept_input(chr);
        ck_assert_int_eq(nrx, 0);
        chardev_close(chr);
    }
}
END_TEST

START_TEST(test_feed_honours_can_read)
{
    char *err = NULL;
    Chardev *chr = chardev_new("n", "null", &err);
    attach(chr);
    room = 3;
    ck_assert_int_eq(chardev_feed(chr, (const uint8_t *)"abcdef", 6), 6); /* room stays 3 */
    room = 0;
    ck_assert_int_eq(chardev_feed(chr, (const uint8_t *)"gh", 2), 0);
    ck_assert_int_eq(nrx, 6);
    chardev_set_handlers(chr, NULL, NULL, NULL);
    ck_assert_int_eq(chardev_feed(chr, (const uint8_t *)"gh", 2), 2); /* dropped */
    ck_assert_int_eq(nrx, 6);
    chardev_close(chr);
    ck_assert_int_eq(chardev_write(NULL, (const uint8_t *)"x", 1), 1); /* no back end: dropped */
}
END_TEST

/* ---- file ---- */
START_TEST(test_file_backend)
{
    char *dir = g_dir_make_tmp("vessel-chr-XXXXXX", NULL);
    char *path = g_build_filename(dir, "out.txt", NULL);
    ck_assert(g_file_set_contents(path, "old contents that must go", -1, NULL));
    char *spec = g_strdup_printf("file:%s", path);
    char *err = NULL;
    Chardev *chr = chardev_new("f", spec, &err);
    ck_assert_ptr_nonnull(chr);
    ck_assert_int_eq(chardev_write(chr, (const uint8_t *)"hello\n", 6), 6);
    ck_assert_int_eq(chardev_write(chr, (const uint8_t *)"\0\xff", 2), 2);
    chardev_close(chr);
    gchar *data = NULL;
    gsize len = 0;
    ck_assert(g_file_get_contents(path, &data, &len, NULL));
    ck_assert_uint_eq(len, 8);
    ck_assert(!memcmp(data, "hello\n\0\xff", 8));
    g_free(data);
    unlink(path);
    rmdir(dir);
    g_free(spec);
    g_free(path);
    g_free(dir);
}
END_TEST

/* ---- TCP ---- */
static int tcp_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        close(fd);
        return -1;
    }
    struct timeval tv = { .tv_sec = 5 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    return fd;
}

static void recv_exact(int fd, const char *want)
{
    char buf[256];
    size_t n = strlen(want), got = 0;
    while (got < n) {
        ssize_t r = recv(fd, buf + got, n - got, 0);
        ck_assert_msg(r > 0, "recv: %zd (%s)", r, strerror(errno));
        got += (size_t)r;
    }
    ck_assert(!memcmp(buf, want, n));
}

static bool is_connected(void *arg)
{
    return chardev_socket_connected(arg);
}

static bool is_disconnected(void *arg)
{
    return !chardev_socket_connected(arg);
}

static void exchange(Chardev *chr, int fd, const char *out, const char *in)
{
    ck_assert_int_eq(chardev_write(chr, (const uint8_t *)out, (int)strlen(out)), (int)strlen(out));
    recv_exact(fd, out);
    fe_reset();
    ck_assert_int_eq(send(fd, in, strlen(in), 0), (ssize_t)strlen(in));
    ck_assert(wait_rx((int)strlen(in)));
    ck_assert_int_eq(nrx, (int)strlen(in));
    ck_assert(!memcmp(rx, in, strlen(in)));
}

START_TEST(test_tcp_server_nowait)
{
    char *err = NULL;
    Chardev *chr = chardev_new("s", "tcp:127.0.0.1:0,server,nowait", &err);
    ck_assert_msg(chr != NULL, "%s", err);
    attach(chr);
    int port = chardev_socket_local_port(chr);
    ck_assert_int_gt(port, 0);
    ck_assert(!chardev_socket_connected(chr));
    /* Nobody connected: output is dropped, not an error. */
    ck_assert_int_eq(chardev_write(chr, (const uint8_t *)"lost", 4), 4);

    int fd = tcp_connect(port);
    ck_assert_int_ge(fd, 0);
    ck_assert(pump_until(is_connected, chr, 5000));
    exchange(chr, fd, "from guest", "from host");

    /* Front end full: input waits in the socket until accept_input. */
    fe_reset();
    room = 0;
    ck_assert_int_eq(send(fd, "xyz", 3, 0), 3);
    pump_for(50);
    ck_assert_int_eq(nrx, 0);
    room = 2;
    chardev_accept_input(chr);
    ck_assert(wait_rx(2));
    room = 64;
    chardev_accept_input(chr);
    ck_assert(wait_rx(3));
    ck_assert(!memcmp(rx, "xyz", 3));

    /* The client leaves; the next one is accepted. */
    close(fd);
    ck_assert(pump_until(is_disconnected, chr, 5000));
    ck_assert_int_eq(chardev_write(chr, (const uint8_t *)"lost", 4), 4);
    fd = tcp_connect(port);
    ck_assert_int_ge(fd, 0);
    ck_assert(pump_until(is_connected, chr, 5000));
    exchange(chr, fd, "again", "second client");
    close(fd);
    chardev_close(chr);
}
END_TEST

START_TEST(test_tcp_one_client_at_a_time)
{
    char *err = NULL;
    Chardev *chr = chardev_new("s", "tcp:127.0.0.1:0,server=on,wait=off", &err);
    ck_assert_ptr_nonnull(chr);
    attach(chr);
    int port = chardev_socket_local_port(chr);
    int a = tcp_connect(port);
    ck_assert(pump_until(is_connected, chr, 5000));
    int b = tcp_connect(port); /* waits in the backlog */
    ck_assert_int_ge(b, 0);
    pump_for(30);
    exchange(chr, a, "to-a", "from-a");
    close(a);
    ck_assert(pump_until(is_disconnected, chr, 5000) || chardev_socket_connected(chr));
    ck_assert(pump_until(is_connected, chr, 5000));
    exchange(chr, b, "to-b", "from-b");
    close(b);
    chardev_close(chr);
}
END_TEST

START_TEST(test_tcp_client)
{
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET };
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    ck_assert_int_eq(listen(lfd, 1), 0);
    socklen_t sl = sizeof(sa);
    getsockname(lfd, (struct sockaddr *)&sa, &sl);
    char *spec = g_strdup_printf("tcp:127.0.0.1:%d", ntohs(sa.sin_port));
    char *err = NULL;
    Chardev *chr = chardev_new("c", spec, &err);
    ck_assert_msg(chr != NULL, "%s", err);
    attach(chr);
    int fd = accept(lfd, NULL, NULL);
    ck_assert_int_ge(fd, 0);
    struct timeval tv = { .tv_sec = 5 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    exchange(chr, fd, "client out", "client in");
    /* The server goes away: writes are dropped, no crash, no SIGPIPE. */
    close(fd);
    ck_assert(pump_until(is_disconnected, chr, 5000));
    ck_assert_int_eq(chardev_write(chr, (const uint8_t *)"x", 1), 1);
    chardev_close(chr);
    close(lfd);
    g_free(spec);
}
END_TEST

START_TEST(test_tcp_client_refused)
{
    /* A port that was free a moment ago: nobody listens there. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET };
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, (struct sockaddr *)&sa, sizeof(sa));
    socklen_t sl = sizeof(sa);
    getsockname(fd, (struct sockaddr *)&sa, &sl);
    close(fd);
    char *spec = g_strdup_printf("tcp:127.0.0.1:%d", ntohs(sa.sin_port));
    char *err = NULL;
    ck_assert_ptr_null(chardev_new("c", spec, &err));
    ck_assert_ptr_nonnull(strstr(err, "could not connect to"));
    g_free(err);
    g_free(spec);
}
END_TEST

typedef struct Connector {
    int port;
    int fd;
} Connector;

static void *connector_thread(void *arg)
{
    Connector *c = arg;
    for (int i = 0; i < 500 && c->fd < 0; i++) {
        c->fd = tcp_connect(c->port);
        if (c->fd < 0)
            g_usleep(10000);
    }
    return NULL;
}

START_TEST(test_tcp_server_waits_for_client)
{
    int probe = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET };
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(probe, (struct sockaddr *)&sa, sizeof(sa));
    socklen_t sl = sizeof(sa);
    getsockname(probe, (struct sockaddr *)&sa, &sl);
    close(probe);
    Connector c = { .port = ntohs(sa.sin_port), .fd = -1 };
    pthread_t th;
    pthread_create(&th, NULL, connector_thread, &c);
    char *spec = g_strdup_printf("tcp:127.0.0.1:%d,server", c.port);
    char *err = NULL;
    Chardev *chr = chardev_new("w", spec, &err);
    pthread_join(th, NULL);
    ck_assert_msg(chr != NULL, "%s", err);
    ck_assert(chardev_socket_connected(chr)); /* returned only once connected */
    attach(chr);
    exchange(chr, c.fd, "hello", "world");
    close(c.fd);
    chardev_close(chr);
    g_free(spec);
}
END_TEST

START_TEST(test_tcp_wait_ends_on_shutdown)
{
    char *err = NULL;
    runstate_request_shutdown(SHUTDOWN_HOST_SIGNAL); /* as Ctrl-C would */
    ck_assert_ptr_null(chardev_new("w", "tcp:127.0.0.1:0,server", &err));
    ck_assert_ptr_nonnull(strstr(err, "interrupted while waiting for a connection"));
    g_free(err);
    ck_assert_int_eq(runstate_take_request(), SHUTDOWN_HOST_SIGNAL);
}
END_TEST

/* A UART as the front end: 200 bytes through a 16-byte FIFO, so the
 * socket reader throttles and resumes many times; nothing is lost. */
START_TEST(test_tcp_into_uart_flow_control)
{
    char *err = NULL;
    Chardev *chr = chardev_new("s", "tcp:127.0.0.1:0,server,nowait", &err);
    ck_assert_ptr_nonnull(chr);
    SerialState *uart = serial_new(chr, NULL);
    serial_io_ops.write(uart, UART_FCR, 0x01, 1);
    int fd = tcp_connect(chardev_socket_local_port(chr));
    ck_assert(pump_until(is_connected, chr, 5000));
    char msg[200];
    for (int i = 0; i < 200; i++)
        msg[i] = (char)('!' + i % 90);
    ck_assert_int_eq(send(fd, msg, sizeof(msg), 0), (ssize_t)sizeof(msg));
    int got = 0;
    gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
    while (got < 200 && g_get_monotonic_time() < deadline) {
        g_main_context_iteration(main_loop_context(), FALSE);
        while (got < 200 && (serial_io_ops.read(uart, UART_LSR, 1) & UART_LSR_DR))
            ck_assert_uint_eq(serial_io_ops.read(uart, UART_RBR, 1), (uint8_t)msg[got++]);
    }
    ck_assert_int_eq(got, 200);
    ck_assert_uint_eq(serial_io_ops.read(uart, UART_LSR, 1) & UART_LSR_OE, 0);
    serial_io_ops.write(uart, UART_THR, 'k', 1);
    recv_exact(fd, "k");
    close(fd);
    serial_free(uart);
    chardev_close(chr);
}
END_TEST

/* ---- Ctrl-A escapes ---- */
static const struct {
    const char *in;
    int len;
    const char *out;
    int outlen;
    unsigned events;
    bool escape_after;
} mux_rows[] = {
    { "plain text", 10, "plain text", 10, 0, false },
    { "\x01x", 2, "", 0, MUX_EVENT_QUIT, false },
    { "\x01X", 2, "", 0, MUX_EVENT_QUIT, false },
    { "\x01\x01", 2, "\x01", 1, 0, false },
    { "a\x01hb", 4, "ab", 2, MUX_EVENT_HELP, false },
    { "\x01z", 2, "", 0, 0, false },
    { "ab\x01", 3, "ab", 2, 0, true },
    { "\x01\x01\x01x", 4, "\x01", 1, MUX_EVENT_QUIT, false },
    { "x\x01hq\x01x", 6, "xq", 2, MUX_EVENT_HELP | MUX_EVENT_QUIT, false },
    { "\x02\x03\x00", 3, "\x02\x03\x00", 3, 0, false },
};

START_TEST(test_mux_filter)
{
    bool esc = false;
    uint8_t out[16];
    unsigned ev = 0xdead;
    int n = chardev_mux_filter(&esc, (const uint8_t *)mux_rows[_i].in, mux_rows[_i].len, out, &ev);
    ck_assert_int_eq(n, mux_rows[_i].outlen);
    ck_assert(!memcmp(out, mux_rows[_i].out, (size_t)n));
    ck_assert_uint_eq(ev, mux_rows[_i].events);
    ck_assert_int_eq(esc, mux_rows[_i].escape_after);
}
END_TEST

START_TEST(test_mux_escape_across_calls)
{
    bool esc = false;
    uint8_t out[4];
    unsigned ev;
    ck_assert_int_eq(chardev_mux_filter(&esc, (const uint8_t *)"\x01", 1, out, &ev), 0);
    ck_assert(esc);
    ck_assert_uint_eq(ev, 0);
    ck_assert_int_eq(chardev_mux_filter(&esc, (const uint8_t *)"x", 1, out, &ev), 0);
    ck_assert_uint_eq(ev, MUX_EVENT_QUIT);
    ck_assert_int_eq(chardev_mux_filter(&esc, (const uint8_t *)"\x01", 1, out, &ev), 0);
    ck_assert_int_eq(chardev_mux_filter(&esc, (const uint8_t *)"\x01", 1, out, &ev), 1);
    ck_assert_uint_eq(out[0], 1);
    ck_assert(!esc);
}
END_TEST

/* ---- stdio on pipes (not a terminal) ---- */
static int saved_stdin = -1, saved_stdout = -1;
static int in_pipe[2], out_pipe[2];

static void stdio_setup(void)
{
    ck_assert_int_eq(pipe(in_pipe), 0);
    ck_assert_int_eq(pipe(out_pipe), 0);
    fcntl(out_pipe[0], F_SETFL, O_NONBLOCK);
    saved_stdin = dup(STDIN_FILENO);
    saved_stdout = dup(STDOUT_FILENO);
    fflush(stdout);
    dup2(in_pipe[0], STDIN_FILENO);
    dup2(out_pipe[1], STDOUT_FILENO);
    close(in_pipe[0]);
    close(out_pipe[1]);
    runstate_take_request();
}

static void stdio_teardown(void)
{
    dup2(saved_stdin, STDIN_FILENO);
    dup2(saved_stdout, STDOUT_FILENO);
    close(saved_stdin);
    close(saved_stdout);
    if (in_pipe[1] >= 0)
        close(in_pipe[1]);
    close(out_pipe[0]);
    runstate_take_request();
}

static bool shutdown_pending(void *arg)
{
    return runstate_shutdown_pending();
}

static GString *drain_stdout(void)
{
    GString *s = g_string_new(NULL);
    char buf[512];
    ssize_t n;
    while ((n = read(out_pipe[0], buf, sizeof(buf))) > 0)
        g_string_append_len(s, buf, n);
    return s;
}

START_TEST(test_stdio_pipes)
{
    char *err = NULL;
    Chardev *chr = chardev_new("stdio", "stdio", &err);
    ck_assert_msg(chr != NULL, "%s", err);
    ck_assert_ptr_null(chardev_new("again", "stdio", &err)); /* only one user */
    ck_assert_str_eq(err, "cannot use stdio by multiple character devices");
    g_free(err);
    attach(chr);
    ck_assert_int_eq(chardev_write(chr, (const uint8_t *)"guest says hi\n", 14), 14);
    ck_assert_int_eq(write(in_pipe[1], "ab\x01\x01" "c", 5), 5);
    ck_assert(wait_rx(4));
    ck_assert(!memcmp(rx, "ab\x01" "c", 4));
    ck_assert_int_eq(write(in_pipe[1], "\x01h", 2), 2);
    pump_for(30);
    ck_assert(!runstate_shutdown_pending());
    ck_assert_int_eq(write(in_pipe[1], "\x01x", 2), 2);
    ck_assert(pump_until(shutdown_pending, NULL, 5000));
    ck_assert_int_eq(runstate_take_request(), SHUTDOWN_HOST_QUIT);
    ck_assert_int_eq(nrx, 4);
    GString *out = drain_stdout();
    ck_assert_msg(strstr(out->str, "guest says hi\n"), "stdout: %s", out->str);
    ck_assert_ptr_nonnull(strstr(out->str, "C-a x    exit emulator"));
    ck_assert_ptr_nonnull(strstr(out->str, "vessel: terminated\n"));
    g_string_free(out, TRUE);
    /* End of file just stops reading. */
    close(in_pipe[1]);
    in_pipe[1] = -1;
    pump_for(30);
    ck_assert_int_eq(chardev_write(chr, (const uint8_t *)"still", 5), 5);
    chardev_close(chr);
    chr = chardev_new("stdio", "stdio", &err); /* free again after close */
    ck_assert_ptr_nonnull(chr);
    chardev_close_all();
    chardev_close_all(); /* twice is fine */
}
END_TEST

START_TEST(test_stdio_throttled)
{
    char *err = NULL;
    Chardev *chr = chardev_new("stdio", "stdio", &err);
    ck_assert_ptr_nonnull(chr);
    attach(chr);
    room = 0;
    ck_assert_int_eq(write(in_pipe[1], "held", 4), 4);
    pump_for(30);
    ck_assert_int_eq(nrx, 0);
    room = 64;
    chardev_accept_input(chr);
    ck_assert(wait_rx(4));
    ck_assert(!memcmp(rx, "held", 4));
    chardev_close(chr);
}
END_TEST

/* ---- stdio on a terminal: raw mode on, restored on close ---- */
static int open_pty_slave(int *master)
{
    *master = posix_openpt(O_RDWR | O_NOCTTY);
    if (*master < 0)
        return -1; /* no pseudo-terminals in this sandbox */
    ck_assert_int_eq(grantpt(*master), 0);
    ck_assert_int_eq(unlockpt(*master), 0);
    int slave = open(ptsname(*master), O_RDWR | O_NOCTTY);
    ck_assert_int_ge(slave, 0);
    return slave;
}

static const struct { const char *spec; bool isig; } tty_rows[] = {
    { "stdio", true },
    { "mon:stdio", false },
};

START_TEST(test_stdio_terminal_modes)
{
    int master, slave = open_pty_slave(&master);
    if (slave < 0) {
        fprintf(stderr, "test_stdio_terminal_modes: no pty, skipped\n");
        return;
    }
    int saved = dup(STDIN_FILENO);
    dup2(slave, STDIN_FILENO);
    struct termios before, raw, after;
    tcgetattr(STDIN_FILENO, &before);
    ck_assert(before.c_lflag & ICANON);
    char *err = NULL;
    Chardev *chr = chardev_new("tty", tty_rows[_i].spec, &err);
    ck_assert_ptr_nonnull(chr);
    tcgetattr(STDIN_FILENO, &raw);
    ck_assert(!(raw.c_lflag & (ICANON | ECHO)));
    ck_assert(!(raw.c_iflag & ICRNL));
    ck_assert(raw.c_oflag & OPOST);
    ck_assert_int_eq(!!(raw.c_lflag & ISIG), tty_rows[_i].isig);
    /* Input typed on the terminal reaches the front end unchanged. */
    attach(chr);
    ck_assert_int_eq(write(master, "a\rb", 3), 3);
    ck_assert(wait_rx(3));
    ck_assert(!memcmp(rx, "a\rb", 3));
    /* The async-signal-safe restore, then the normal close. */
    chardev_restore_terminal();
    tcgetattr(STDIN_FILENO, &after);
    ck_assert(after.c_lflag & ICANON);
    ck_assert(after.c_lflag & ECHO);
    chardev_close(chr);
    tcgetattr(STDIN_FILENO, &after);
    ck_assert_uint_eq(after.c_lflag, before.c_lflag);
    ck_assert_uint_eq(after.c_iflag, before.c_iflag);
    dup2(saved, STDIN_FILENO);
    close(saved);
    close(slave);
    close(master);
}
END_TEST

static Suite *chardev_suite(void)
{
    Suite *s = suite_create("chardev");
    TCase *tc = unit_tcase(s, "core", NULL, NULL, NULL);
    tcase_set_timeout(tc, 30);
    tcase_add_loop_test(tc, test_bad_specs, 0, (int)G_N_ELEMENTS(bad_specs));
    unit_add_tests(tc, UNIT_TESTS(test_null_backends, test_feed_honours_can_read,
                                  test_file_backend));
    tcase_add_loop_test(tc, test_mux_filter, 0, (int)G_N_ELEMENTS(mux_rows));
    unit_add_tests(tc, UNIT_TESTS(test_mux_escape_across_calls));

    TCase *tcp = unit_tcase(s, "tcp", NULL, NULL, UNIT_TESTS(
        test_tcp_server_nowait, test_tcp_one_client_at_a_time, test_tcp_client,
        test_tcp_client_refused, test_tcp_server_waits_for_client, test_tcp_wait_ends_on_shutdown,
        test_tcp_into_uart_flow_control));
    tcase_set_timeout(tcp, 30);

    TCase *st = unit_tcase(s, "stdio", stdio_setup, stdio_teardown, UNIT_TESTS(
        test_stdio_pipes, test_stdio_throttled));
    tcase_add_loop_test(st, test_stdio_terminal_modes, 0, (int)G_N_ELEMENTS(tty_rows));
    return s;
}

int main(void)
{
    signal(SIGPIPE, SIG_DFL); /* a write to a dead socket must not raise it */
    int rc = unit_run_suite(chardev_suite());
    chardev_close_all();
    return rc;
}
