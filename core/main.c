/*
 * vessel: parse the command line, build the PC, start the accelerator and
 * run the main loop until the guest or the user ends the run; then exit
 * with the status QEMU users expect.
 */
#include <stdio.h>
#include <stdlib.h>
#include <glib.h>

#include "accel/accel.h"
#include "accel/vcpu-thread.h"
#include "core/chardev.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/gdbstub.h"
#include "core/log.h"
#include "core/main-loop.h"
#include "core/runstate.h"
#include "hw/x86/pc.h"

static G_NORETURN void die(char *msg)
{
    fprintf(stderr, "vessel: %s\n", msg);
    g_free(msg);
    chardev_close_all();
    exit(1);
}

static void stop_machine(Machine *m)
{
    /* vCPUs may be waiting for the big lock in a device access. */
    big_unlock();
    m->accel->stop_vcpus(m);
    big_lock();
}

/* runstate's kick: every vCPU leaves guest code at its next instruction
 * boundary and waits for the main loop (vcpu-thread.c). */
static Machine *kick_machine;

static void kick_vcpus(void)
{
    if (kick_machine && kick_machine->accel)
        kick_machine->accel->kick_all(kick_machine);
}

static void reset_machine(Machine *m)
{
    stop_machine(m);
    machine_reset(m);
    m->accel->start_vcpus(m);
}

/* Act on one shutdown request; returns true when the process should exit. */
static bool handle_request(Machine *m, ShutdownCause cause, int *status)
{
    switch (cause) {
    case SHUTDOWN_GUEST_RESET:
    case SHUTDOWN_GUEST_PANIC:
        if (runstate_no_reboot) {
            *status = 0;
            return true;
        }
        reset_machine(m);
        return false;
    case SHUTDOWN_GUEST_POWEROFF:
        if (runstate_no_shutdown) {
            vcpus_pause();
            clock_virtual_stop();
            return false;
        }
        *status = 0;
        return true;
    case SHUTDOWN_DEBUG_EXIT:
        *status = runstate_exit_status();
        return true;
    case SHUTDOWN_HOST_SIGNAL:
        fprintf(stderr, "vessel: terminating on signal\n");
        *status = 0;
        return true;
    case SHUTDOWN_HOST_QUIT:
        *status = 0;
        return true;
    case SHUTDOWN_ERROR:
        *status = 1;
        return true;
    case SHUTDOWN_NONE:
    default:
        return false;
    }
}

static Machine *setup(VesselConfig *cfg, int argc, char **argv)
{
    char *err = NULL;
    bool exit_now = false;
    if (!config_parse(cfg, argc, argv, &err, &exit_now))
        die(err);
    if (exit_now)
        exit(0);
    if (cfg->log_file && !log_set_file(cfg->log_file))
        die(g_strdup_printf("-D: cannot open log file '%s'", cfg->log_file));
    const AccelOps *accel = accel_find(cfg->accel ? cfg->accel : accel_default_name(), &err);
    if (!accel)
        die(err);
    runstate_no_reboot = cfg->no_reboot;
    runstate_no_shutdown = cfg->no_shutdown;
    main_loop_init();
    clock_init();
    if (cfg->icount_shift >= 0)
        clock_set_icount(cfg->icount_shift);
    Machine *m = pc_machine_new(cfg, &err);
    if (!m)
        die(err);
    m->accel = accel;
    if (!accel->init(m, &err))
        die(err);
    return m;
}

int main(int argc, char **argv)
{
    static VesselConfig cfg;
    atexit(chardev_restore_terminal);
    Machine *m = setup(&cfg, argc, argv);
    if (cfg.start_stopped)
        vcpus_pause();
    /* gdb stub (issue 5): listen before the vCPUs start */
    char *gdb_err = NULL;
    if (cfg.gdb && !gdbstub_start(m, cfg.gdb, &gdb_err))
        die(gdb_err);
    clock_virtual_start();
    kick_machine = m;
    runstate_set_vcpu_kick(kick_vcpus);
    m->accel->start_vcpus(m);
    int status = 0;
    for (;;) {
        main_loop_run();
        if (handle_request(m, runstate_take_request(), &status))
            break;
    }
    stop_machine(m);
    runstate_set_vcpu_kick(NULL);   /* the machine goes away below */
    gdbstub_stop();
    chardev_close_all();
    pc_machine_free(m);
    log_flush();
    config_free(&cfg);
    return status;
}
