/*
 * The "stdio" character device: guest output to stdout, host input from
 * stdin. On a terminal, stdin is put in raw mode (restored at exit, on
 * fatal signals and around Ctrl-Z) and the Ctrl-A escapes work:
 * Ctrl-A x quits, Ctrl-A h prints help, Ctrl-A Ctrl-A sends one Ctrl-A.
 * When stdin is not a terminal (pipes, CI) input is still read, termios is
 * left alone, and end of file just stops reading.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>
#include <glib.h>

#include "core/chardev-internal.h"
#include "core/chardev.h"
#include "core/runstate.h"

const char chardev_mux_help[] =
    "\n"
    "C-a h    print this help\n"
    "C-a x    exit emulator\n"
    "C-a C-a  sends C-a\n";

/* ---- the escape filter (pure) ---- */
static void mux_escaped_byte(uint8_t ch, uint8_t *out, int *n, unsigned *events)
{
    switch (ch) {
    case 'x':
    case 'X':
        *events |= MUX_EVENT_QUIT;
        break;
    case 'h':
    case 'H':
    case '?':
        *events |= MUX_EVENT_HELP;
        break;
    case MUX_ESCAPE_CHAR:
        out[(*n)++] = MUX_ESCAPE_CHAR;
        break;
    default:
        break; /* unknown escape: dropped */
    }
}

int chardev_mux_filter(bool *escape, const uint8_t *in, int len, uint8_t *out, unsigned *events)
{
    int n = 0;
    *events = 0;
    for (int i = 0; i < len; i++) {
        if (*escape) {
            *escape = false;
            mux_escaped_byte(in[i], out, &n, events);
        } else if (in[i] == MUX_ESCAPE_CHAR) {
            *escape = true;
        } else {
            out[n++] = in[i];
        }
    }
    return n;
}

/* ---- terminal mode; everything touched from signal handlers is static ---- */
static struct termios saved_tio, raw_tio;
static volatile sig_atomic_t tio_saved;
static volatile sig_atomic_t tio_raw_active;

void chardev_restore_terminal(void)
{
    if (tio_saved && tio_raw_active) {
        tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
        tio_raw_active = 0;
    }
}

static void apply_raw_terminal(void)
{
    if (tio_saved && tcsetattr(STDIN_FILENO, TCSANOW, &raw_tio) == 0)
        tio_raw_active = 1;
}

/* Raw input (no echo, no line editing, no CR translation), output
 * processing kept so "\n" still starts a new line. */
static void make_raw(struct termios *t, bool allow_signals)
{
    t->c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    t->c_oflag |= OPOST;
    t->c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | IEXTEN);
    if (!allow_signals)
        t->c_lflag &= ~(tcflag_t)ISIG;
    t->c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
    t->c_cflag |= CS8;
    t->c_cc[VMIN] = 1;
    t->c_cc[VTIME] = 0;
}

static void on_fatal_signal(int sig)
{
    int saved_errno = errno;
    chardev_restore_terminal();
    errno = saved_errno;
    raise(sig); /* SA_RESETHAND put the default action back */
}

/* Ctrl-Z: give the shell a sane terminal, then go raw again on resume. */
static void on_stop_signal(int sig)
{
    int saved_errno = errno;
    chardev_restore_terminal();
    raise(SIGSTOP);
    apply_raw_terminal();
    errno = saved_errno;
}

static void install_if_default(int sig, void (*fn)(int), int flags)
{
    struct sigaction old;
    if (sigaction(sig, NULL, &old) != 0 || old.sa_handler != SIG_DFL || (old.sa_flags & SA_SIGINFO))
        return; /* someone (a sanitizer, a test harness) already handles it */
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = fn;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

static void install_signal_handlers(bool allow_signals)
{
    static const int fatal[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGQUIT };
    for (size_t i = 0; i < G_N_ELEMENTS(fatal); i++)
        install_if_default(fatal[i], on_fatal_signal, SA_RESETHAND | SA_NODEFER);
    if (allow_signals)
        install_if_default(SIGTSTP, on_stop_signal, SA_RESTART);
}

static void enter_raw_mode(bool allow_signals)
{
    if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_tio) != 0)
        return;
    raw_tio = saved_tio;
    make_raw(&raw_tio, allow_signals);
    tio_saved = 1;
    install_signal_handlers(allow_signals);
    apply_raw_terminal();
}

/* ---- the back end ---- */
typedef struct StdioChardev {
    ChrFdReader reader;
    bool escape;
} StdioChardev;

static bool stdio_in_use;

static int stdio_write(Chardev *chr, const uint8_t *buf, int len)
{
    return chardev_write_fd(STDOUT_FILENO, buf, len, -1, false);
}

static void stdio_print(const char *s)
{
    chardev_write_fd(STDOUT_FILENO, (const uint8_t *)s, (int)strlen(s), -1, false);
}

static void stdio_on_input(Chardev *chr, const uint8_t *buf, int len)
{
    StdioChardev *s = chr->priv;
    uint8_t out[4096];
    unsigned events;
    while (len > 0) {
        int chunk = len < (int)sizeof(out) ? len : (int)sizeof(out);
        int n = chardev_mux_filter(&s->escape, buf, chunk, out, &events);
        chardev_feed(chr, out, n);
        if (events & MUX_EVENT_HELP)
            stdio_print(chardev_mux_help);
        if (events & MUX_EVENT_QUIT) {
            stdio_print("\nvessel: terminated\n");
            runstate_request_shutdown(SHUTDOWN_HOST_QUIT);
        }
        buf += chunk;
        len -= chunk;
    }
}

static void stdio_on_eof(Chardev *chr)
{
    /* Nothing more will come; the reader has stopped watching stdin. */
}

static void stdio_accept_input(Chardev *chr)
{
    StdioChardev *s = chr->priv;
    chardev_fd_reader_resume(&s->reader);
}

static void stdio_close(Chardev *chr)
{
    StdioChardev *s = chr->priv;
    chardev_fd_reader_stop(&s->reader);
    chardev_restore_terminal();
    g_free(s);
    stdio_in_use = false;
}

static const ChardevClass stdio_class = {
    .name = "stdio",
    .write = stdio_write,
    .accept_input = stdio_accept_input,
    .close = stdio_close,
};

static bool stdin_readable(void)
{
    struct stat st;
    return fstat(STDIN_FILENO, &st) == 0;
}

Chardev *chardev_stdio_open(const char *label, bool allow_signals, char **err)
{
    if (stdio_in_use) {
        *err = g_strdup("cannot use stdio by multiple character devices");
        return NULL;
    }
    Chardev *chr = chardev_alloc(&stdio_class, label);
    StdioChardev *s = g_new0(StdioChardev, 1);
    s->reader.fd = -1;
    chr->priv = s;
    stdio_in_use = true;
    enter_raw_mode(allow_signals);
    if (stdin_readable())
        chardev_fd_reader_start(&s->reader, chr, STDIN_FILENO, stdio_on_input, stdio_on_eof);
    return chr;
}
