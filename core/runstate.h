/*
 * Machine lifecycle: requests for shutdown and reset from devices and the
 * CPU, handled by the main loop; the process exit status users expect.
 */
#ifndef VESSEL_CORE_RUNSTATE_H
#define VESSEL_CORE_RUNSTATE_H

#include <stdbool.h>

typedef enum ShutdownCause {
    SHUTDOWN_NONE = 0,
    SHUTDOWN_GUEST_POWEROFF,   /* ACPI S5 and friends: exit 0 */
    SHUTDOWN_GUEST_RESET,      /* reset request: reset, or exit with -no-reboot */
    SHUTDOWN_GUEST_PANIC,      /* triple fault: reset or exit with -no-reboot */
    SHUTDOWN_HOST_SIGNAL,      /* SIGINT/SIGTERM */
    SHUTDOWN_HOST_QUIT,        /* Ctrl-A x, gdb 'k', monitor quit */
    SHUTDOWN_DEBUG_EXIT,       /* isa-debug-exit: exit status given */
    SHUTDOWN_ERROR,            /* fatal emulator error: exit 1 */
} ShutdownCause;

/* Thread-safe; may be called from signal handlers for SHUTDOWN_HOST_SIGNAL. */
void runstate_request_shutdown(ShutdownCause cause);
void runstate_request_reset(void);
/* isa-debug-exit: exit with `status` once the main loop sees it. */
void runstate_request_exit(int status);
/* The pending request, consumed by the main loop. */
ShutdownCause runstate_take_request(void);
bool runstate_shutdown_pending(void);
/* Called on every request but a host signal's, so that the vCPUs stop at
 * once (the guest runs nothing after the write that asked for a reset or
 * an exit); set by main.c to the accelerator's kick. */
void runstate_set_vcpu_kick(void (*kick)(void));
int runstate_exit_status(void);

extern bool runstate_no_reboot;    /* -no-reboot: reset requests exit */
extern bool runstate_no_shutdown;  /* -no-shutdown: power-off pauses */

#endif
