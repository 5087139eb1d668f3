/*
 * The gdb stub. Two layers:
 *  - the protocol engine (core/gdbstub-packet.c): framing, acks and
 *    checksums, and every packet, against a small target interface so it
 *    can be tested with a fake target;
 *  - the transport and the x86 machine glue (core/gdbstub.c): a TCP or
 *    Unix socket on the main loop, one client at a time, vCPU pause/resume
 *    and the debug hooks of accel/debug.h.
 * Thread ids are vCPU index + 1.
 */
#ifndef VESSEL_CORE_GDBSTUB_H
#define VESSEL_CORE_GDBSTUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>

typedef struct Machine Machine;

#define GDB_MAX_PACKET 4096     /* advertised PacketSize (payload bytes) */

/* Stop reasons of a stop reply. */
typedef enum GdbStopKind {
    GDB_STOP_SIGNAL = 0,   /* plain signal (interrupt, step, initial) */
    GDB_STOP_SWBREAK,
    GDB_STOP_HWBREAK,
    GDB_STOP_WATCH,
    GDB_STOP_RWATCH,
    GDB_STOP_AWATCH,
} GdbStopKind;

typedef struct GdbTargetOps {
    int (*nr_cpus)(void *opaque);
    int nr_regs;
    int (*reg_size)(int regno);
    /* Register access; size in bytes or -1. */
    int (*read_reg)(void *opaque, int cpu, int regno, uint8_t *buf);
    int (*write_reg)(void *opaque, int cpu, int regno, const uint8_t *buf);
    /* Guest memory at a virtual (or, in phys mode, physical) address. */
    bool (*read_mem)(void *opaque, int cpu, uint64_t addr, uint8_t *buf, size_t len);
    bool (*write_mem)(void *opaque, int cpu, uint64_t addr, const uint8_t *buf, size_t len);
    const char *(*target_xml)(void *opaque);
    /* Z/z type 0..4; false = error. */
    bool (*insert_point)(void *opaque, int type, uint64_t addr, uint64_t kind);
    bool (*remove_point)(void *opaque, int type, uint64_t addr, uint64_t kind);
    /* Resume every vCPU; step_cpu >= 0 steps that one instruction. */
    void (*resume)(void *opaque, int step_cpu);
    /* Ctrl-C while running: stop the vCPUs (then call gdb_session_report_stop). */
    void (*interrupt)(void *opaque);
    /* D: drop breakpoints and let the guest run. */
    void (*detach)(void *opaque);
    /* k: end the emulator. */
    void (*kill)(void *opaque);
    /* qRcmd: run a monitor command, append its text output. */
    void (*monitor)(void *opaque, const char *cmd, GString *out);
    /* qqemu.sstep / Qqemu.sstep=N: single-step flags, QEMU's bits (ENABLE=1,
     * NOIRQ=2, NOTIMER=4); NULL = packets not offered. */
    unsigned (*get_sstep)(void *opaque);
    void (*set_sstep)(void *opaque, unsigned flags);
} GdbTargetOps;

typedef void (*GdbSendFn)(void *opaque, const char *buf, size_t len);

typedef struct GdbSession GdbSession;

/* A new session for a freshly attached client; the target is stopped. */
GdbSession *gdb_session_new(const GdbTargetOps *ops, void *target, GdbSendFn send, void *send_opaque);
void gdb_session_free(GdbSession *s);
/* Bytes from the client. */
void gdb_session_input(GdbSession *s, const uint8_t *buf, size_t len);
/* The target stopped while running: send the stop reply. */
void gdb_session_report_stop(GdbSession *s, int cpu, int signal, GdbStopKind kind, uint64_t addr);
bool gdb_session_running(const GdbSession *s);
/* After D or k: the transport closes the connection. */
bool gdb_session_finished(const GdbSession *s);

/* ---- transport (core/gdbstub.c) ---- */
/* Start listening on "tcp::PORT", "tcp:HOST:PORT" or "unix:PATH,server".
 * With start_stopped the vCPUs stay paused until gdb continues. */
bool gdbstub_start(Machine *m, const char *spec, char **err);
void gdbstub_stop(void);

#endif
