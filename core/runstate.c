/*
 * Machine lifecycle requests: devices and vCPUs ask for shutdown, reset or a
 * specific exit status; the main loop takes the request and acts on it.
 */
#include "core/runstate.h"

#include <stdatomic.h>

#include "core/main-loop.h"

bool runstate_no_reboot;
bool runstate_no_shutdown;

static atomic_int pending_cause;
static atomic_int exit_status;
static void (*vcpu_kick)(void);

void runstate_set_vcpu_kick(void (*kick)(void))
{
    vcpu_kick = kick;
}

void runstate_request_shutdown(ShutdownCause cause)
{
    int none = SHUTDOWN_NONE;
    /* The first request wins, except that a fatal error overrides a reset. */
    if (!atomic_compare_exchange_strong(&pending_cause, &none, (int)cause) &&
        cause == SHUTDOWN_ERROR)
        atomic_store(&pending_cause, (int)cause);
    if (cause == SHUTDOWN_ERROR)
        atomic_store(&exit_status, 1);
    if (cause != SHUTDOWN_HOST_SIGNAL) {
        if (vcpu_kick)
            vcpu_kick();
        main_loop_wakeup();
    }
}

void runstate_request_reset(void)
{
    runstate_request_shutdown(SHUTDOWN_GUEST_RESET);
}

void runstate_request_exit(int status)
{
    atomic_store(&exit_status, status);
    runstate_request_shutdown(SHUTDOWN_DEBUG_EXIT);
}

ShutdownCause runstate_take_request(void)
{
    return (ShutdownCause)atomic_exchange(&pending_cause, SHUTDOWN_NONE);
}

bool runstate_shutdown_pending(void)
{
    return atomic_load(&pending_cause) != SHUTDOWN_NONE;
}

int runstate_exit_status(void)
{
    return atomic_load(&exit_status);
}
