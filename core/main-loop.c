/*
 * The I/O thread's main loop: a glib main context whose poll step is the only
 * time the big lock is released, so every source callback (character
 * devices, timers, the gdb stub) runs with it held. Signals and shutdown
 * requests end the loop.
 */
#include "core/main-loop.h"

#include <glib-unix.h>
#include <pthread.h>
#include <signal.h>

#include "core/clock.h"
#include "core/runstate.h"

static pthread_mutex_t big_mutex = PTHREAD_MUTEX_INITIALIZER;
static _Thread_local bool big_lock_mine;
static GMainContext *ctx;
static GPollFunc default_poll;

void big_lock(void)
{
    pthread_mutex_lock(&big_mutex);
    big_lock_mine = true;
}

void big_unlock(void)
{
    big_lock_mine = false;
    pthread_mutex_unlock(&big_mutex);
}

bool big_lock_held(void)
{
    return big_lock_mine;
}

GMainContext *main_loop_context(void)
{
    if (!ctx)
        ctx = g_main_context_default();
    return ctx;
}

void main_loop_wakeup(void)
{
    g_main_context_wakeup(main_loop_context());
}

/* Poll with the big lock dropped: vCPUs do their device work meanwhile. */
static gint poll_unlocked(GPollFD *fds, guint nfds, gint timeout)
{
    big_unlock();
    gint r = default_poll(fds, nfds, timeout);
    big_lock();
    return r;
}

/* ---- timers as a glib source ---- */
static int64_t next_timer_deadline_ns(void)
{
    int64_t best = -1;
    for (int c = 0; c < CLOCK_MAX; c++) {
        if (c == CLOCK_VIRTUAL && clock_icount_enabled())
            continue; /* the vCPU runs these at instruction boundaries */
        int64_t d = timers_deadline_ns((ClockType)c);
        if (d >= 0 && (best < 0 || d < best))
            best = d;
    }
    return best;
}

static gboolean timer_source_prepare(GSource *src, gint *timeout)
{
    int64_t d = next_timer_deadline_ns();
    if (d < 0) {
        *timeout = -1;
        return FALSE;
    }
    *timeout = (gint)((d + 999999) / 1000000);
    return d == 0;
}

static gboolean timer_source_check(GSource *src)
{
    return next_timer_deadline_ns() == 0;
}

static gboolean timer_source_dispatch(GSource *src, GSourceFunc cb, gpointer data)
{
    for (int c = 0; c < CLOCK_MAX; c++) {
        if (c == CLOCK_VIRTUAL && clock_icount_enabled())
            continue;
        timers_run_expired((ClockType)c);
    }
    return G_SOURCE_CONTINUE;
}

static GSourceFuncs timer_source_funcs = {
    .prepare = timer_source_prepare,
    .check = timer_source_check,
    .dispatch = timer_source_dispatch,
};

static gboolean on_terminate_signal(gpointer data)
{
    runstate_request_shutdown(SHUTDOWN_HOST_SIGNAL);
    return G_SOURCE_CONTINUE;
}

void main_loop_init(void)
{
    GMainContext *c = main_loop_context();
    default_poll = g_main_context_get_poll_func(c);
    g_main_context_set_poll_func(c, poll_unlocked);
    GSource *ts = g_source_new(&timer_source_funcs, sizeof(GSource));
    g_source_attach(ts, c);
    g_source_unref(ts);
    g_unix_signal_add(SIGINT, on_terminate_signal, NULL);
    g_unix_signal_add(SIGTERM, on_terminate_signal, NULL);
    g_unix_signal_add(SIGHUP, on_terminate_signal, NULL);
    signal(SIGPIPE, SIG_IGN);
    big_lock();
}

/* Iterate until some shutdown/reset request is pending; the caller
 * (core/main.c) takes it and decides. */
void main_loop_run(void)
{
    while (!runstate_shutdown_pending())
        g_main_context_iteration(main_loop_context(), TRUE);
}
