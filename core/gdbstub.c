/*
 * The gdb stub's transport and machine glue: a listening TCP (127.0.0.1 by
 * default) or Unix socket on the main loop, one client at a time (another
 * is accepted and closed at once), vCPU pause/resume, the debug hooks of
 * accel/debug.h and the monitor commands of qRcmd. Everything here runs on
 * the I/O thread with the big lock held, except stop_notify (vCPU thread).
 */
#include "core/gdbstub.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <glib-unix.h>

#include "accel/debug.h"
#include "accel/vcpu-thread.h"
#include "core/machine.h"
#include "core/main-loop.h"
#include "core/runstate.h"
#include "target-x86/cpu.h"
#include "target-x86/gdb-regs.h"

typedef struct GdbStub {
    Machine *m;
    int listen_fd;
    GSource *listen_src;
    int client_fd;
    GSource *client_src;
    GdbSession *session;
    bool phys_mode;          /* monitor "phys on": m/M/X use physical addresses */
    bool i386;               /* the next session's layout: i386 instead of x86-64 */
    char *unix_path;
} GdbStub;

static GdbStub stub = { .listen_fd = -1, .client_fd = -1 };

/* ---- target ops ---- */

static X86CPU *cpu_of(int idx)
{
    if (idx < 0 || idx >= stub.m->nr_cpus)
        idx = 0;
    return stub.m->cpus[idx];
}

static int t_nr_cpus(void *o)
{
    return stub.m->nr_cpus;
}

static int t_read_reg(void *o, int cpu, int regno, uint8_t *buf)
{
    return gdb_reg_read(cpu_of(cpu), regno, buf);
}

static int t_write_reg(void *o, int cpu, int regno, const uint8_t *buf)
{
    return gdb_reg_write(cpu_of(cpu), regno, buf);
}

/* Virtual (linear) addresses page by page through the current paging mode,
 * or physical addresses in phys mode. RAM and ROM only for writes. */
static bool access_mem(int cpu_idx, uint64_t addr, uint8_t *buf, size_t len, bool write)
{
    X86CPU *cpu = cpu_of(cpu_idx);
    while (len) {
        uint64_t phys = addr;
        size_t chunk = 4096 - (addr & 4095);
        if (chunk > len)
            chunk = len;
        if (!stub.phys_mode && !x86_debug_translate(cpu, addr, &phys))
            return false;
        MemTxResult r = write ? address_space_write_rom(cpu->as, phys, buf, chunk)
                              : address_space_read(cpu->as, phys, buf, chunk);
        if (r != MEMTX_OK)
            return false;
        addr += chunk;
        buf += chunk;
        len -= chunk;
    }
    return true;
}

static bool t_read_mem(void *o, int cpu, uint64_t addr, uint8_t *buf, size_t len)
{
    return access_mem(cpu, addr, buf, len, false);
}

static bool t_write_mem(void *o, int cpu, uint64_t addr, const uint8_t *buf, size_t len)
{
    return access_mem(cpu, addr, (uint8_t *)buf, len, true);
}

static const char *t_target_xml(void *o)
{
    return gdb_target_xml();
}

static int t_read_reg32(void *o, int cpu, int regno, uint8_t *buf)
{
    return gdb_i386_reg_read(cpu_of(cpu), regno, buf);
}

static int t_write_reg32(void *o, int cpu, int regno, const uint8_t *buf)
{
    return gdb_i386_reg_write(cpu_of(cpu), regno, buf);
}

static const char *t_target_xml32(void *o)
{
    return gdb_i386_target_xml();
}

static bool t_insert(void *o, int type, uint64_t addr, uint64_t kind)
{
    return debug_insert(type, addr, type >= DEBUG_WP_WRITE ? kind : 1);
}

static bool t_remove(void *o, int type, uint64_t addr, uint64_t kind)
{
    return debug_remove(type, addr, type >= DEBUG_WP_WRITE ? kind : 1);
}

static void t_resume(void *o, int step_cpu)
{
    debug_prepare_resume(stub.m->cpus, stub.m->nr_cpus, step_cpu);
    vcpus_resume();
}

static void t_interrupt(void *o)
{
    vcpus_pause();
    gdb_session_report_stop(stub.session, 0, 2, GDB_STOP_SIGNAL, 0);
}

static void t_detach(void *o)
{
    debug_remove_all();
    t_resume(o, -1);
}

static void t_kill(void *o)
{
    runstate_request_shutdown(SHUTDOWN_HOST_QUIT);
}

static unsigned t_get_sstep(void *o)
{
    return debug_sstep_flags();
}

static void t_set_sstep(void *o, unsigned flags)
{
    debug_set_sstep_flags(flags);
}

static void info_registers(X86CPU *cpu, GString *out)
{
    static const char *const gpr[16] = { "RAX", "RCX", "RDX", "RBX", "RSP", "RBP", "RSI", "RDI",
                                         "R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15" };
    static const char *const segs[6] = { "ES", "CS", "SS", "DS", "FS", "GS" };
    g_string_append_printf(out, "CPU#%d\n", cpu->index);
    for (int r = 0; r < 16; r++)
        g_string_append_printf(out, "%-3s=%016llx%s", gpr[r], (unsigned long long)cpu->regs[r],
                               (r & 3) == 3 ? "\n" : " ");
    g_string_append_printf(out, "RIP=%016llx RFL=%08llx CPL=%d HLT=%d\n",
                           (unsigned long long)cpu->rip,
                           (unsigned long long)x86_get_rflags(cpu), cpu->cpl, cpu->halted);
    for (int s = 0; s < 6; s++)
        g_string_append_printf(out, "%s =%04x %016llx %08x %05x\n", segs[s], cpu->seg[s].selector,
                               (unsigned long long)cpu->seg[s].base, cpu->seg[s].limit,
                               cpu->seg[s].attr);
    g_string_append_printf(out, "LDT=%04x %016llx TR =%04x %016llx\n", cpu->ldtr.selector,
                           (unsigned long long)cpu->ldtr.base, cpu->tr.selector,
                           (unsigned long long)cpu->tr.base);
    g_string_append_printf(out, "GDT=     %016llx %08x\nIDT=     %016llx %08x\n",
                           (unsigned long long)cpu->gdtr.base, cpu->gdtr.limit,
                           (unsigned long long)cpu->idtr.base, cpu->idtr.limit);
    g_string_append_printf(out, "CR0=%08llx CR2=%016llx CR3=%016llx CR4=%08llx CR8=%llx\n",
                           (unsigned long long)cpu->cr0, (unsigned long long)cpu->cr2,
                           (unsigned long long)cpu->cr3, (unsigned long long)cpu->cr4,
                           (unsigned long long)cpu->cr8);
    g_string_append_printf(out, "DR0=%016llx DR1=%016llx DR2=%016llx DR3=%016llx\n"
                           "DR6=%016llx DR7=%016llx\n",
                           (unsigned long long)cpu->dr[0], (unsigned long long)cpu->dr[1],
                           (unsigned long long)cpu->dr[2], (unsigned long long)cpu->dr[3],
                           (unsigned long long)cpu->dr[6], (unsigned long long)cpu->dr[7]);
    g_string_append_printf(out, "EFER=%016llx\n", (unsigned long long)cpu->efer);
}

static void t_monitor(void *o, const char *cmd, GString *out)
{
    while (*cmd == ' ')
        cmd++;
    if (!strcmp(cmd, "info registers")) {
        for (int i = 0; i < stub.m->nr_cpus; i++)
            info_registers(stub.m->cpus[i], out);
    } else if (!strcmp(cmd, "phys on")) {
        stub.phys_mode = true;
        g_string_append(out, "gdb memory accesses use physical addresses\n");
    } else if (!strcmp(cmd, "phys off")) {
        stub.phys_mode = false;
        g_string_append(out, "gdb memory accesses use virtual addresses\n");
    } else if (!strcmp(cmd, "phys")) {
        g_string_append_printf(out, "phys %s\n", stub.phys_mode ? "on" : "off");
    } else if (!strcmp(cmd, "system_reset")) {
        runstate_request_reset();
        g_string_append(out, "resetting the machine\n");
    } else if (!strcmp(cmd, "arch")) {
        g_string_append_printf(out, "register layout: %s\n", stub.i386 ? "i386" : "i386:x86-64");
    } else if (!strcmp(cmd, "arch i386") || !strcmp(cmd, "arch x86-64")) {
        stub.i386 = !strcmp(cmd, "arch i386");
        g_string_append_printf(out, "the next gdb connection gets the %s layout "
                               "(disconnect and reconnect)\n", stub.i386 ? "i386" : "i386:x86-64");
    } else {
        g_string_append(out, "commands: info registers, phys on|off, system_reset, "
                        "arch [i386|x86-64]\n");
    }
}

/* Members both register layouts share: memory, breakpoints, run control. */
#define X86_TARGET_COMMON_OPS                                                   \
    .nr_cpus = t_nr_cpus, .read_mem = t_read_mem, .write_mem = t_write_mem,    \
    .insert_point = t_insert, .remove_point = t_remove, .resume = t_resume,    \
    .interrupt = t_interrupt, .detach = t_detach, .kill = t_kill,              \
    .monitor = t_monitor, .get_sstep = t_get_sstep, .set_sstep = t_set_sstep

static const GdbTargetOps x86_target_ops = {
    X86_TARGET_COMMON_OPS,
    .nr_regs = GDB_NUM_REGS,
    .reg_size = gdb_reg_size,
    .read_reg = t_read_reg,
    .write_reg = t_write_reg,
    .target_xml = t_target_xml,
};

/* The same target with the i386 register layout (-gdb ...,arch=i386). */
static const GdbTargetOps i386_target_ops = {
    X86_TARGET_COMMON_OPS,
    .nr_regs = GDB_I386_NUM_REGS,
    .reg_size = gdb_i386_reg_size,
    .read_reg = t_read_reg32,
    .write_reg = t_write_reg32,
    .target_xml = t_target_xml32,
};

/* ---- vCPU stops ---- */

static gboolean on_vcpu_stop(gpointer data)
{
    DebugStop st;
    if (!stub.session || !gdb_session_running(stub.session))
        return G_SOURCE_REMOVE;
    vcpus_pause();
    if (!debug_take_stop(&st))
        return G_SOURCE_REMOVE;
    static const GdbStopKind kinds[] = {
        [DEBUG_STOP_NONE] = GDB_STOP_SIGNAL, [DEBUG_STOP_SWBREAK] = GDB_STOP_SWBREAK,
        [DEBUG_STOP_HWBREAK] = GDB_STOP_HWBREAK, [DEBUG_STOP_WATCH] = GDB_STOP_WATCH,
        [DEBUG_STOP_RWATCH] = GDB_STOP_RWATCH, [DEBUG_STOP_AWATCH] = GDB_STOP_AWATCH,
        [DEBUG_STOP_STEP] = GDB_STOP_SIGNAL,
    };
    gdb_session_report_stop(stub.session, st.cpu_index, 5, kinds[st.reason], st.addr);
    return G_SOURCE_REMOVE;
}

/* vCPU thread: hand the stop to the I/O thread. */
static void stop_notify(void)
{
    GSource *src = g_idle_source_new();
    g_source_set_callback(src, on_vcpu_stop, NULL, NULL);
    g_source_attach(src, main_loop_context());
    g_source_unref(src);
}

/* ---- client connection ---- */

/* Stop watching a socket and close it (the client's or the listener's). */
static void close_watched_fd(GSource **src, int *fd)
{
    if (*src) {
        g_source_destroy(*src);
        g_source_unref(*src);
        *src = NULL;
    }
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

static void close_client(void)
{
    close_watched_fd(&stub.client_src, &stub.client_fd);
    if (stub.session) {
        bool finished = gdb_session_finished(stub.session);
        gdb_session_free(stub.session);
        stub.session = NULL;
        if (!finished) {   /* connection lost: behave like a detach */
            debug_remove_all();
            t_resume(NULL, -1);
        }
    }
    stub.phys_mode = false;
}

/* Blocking send with a time limit: a client that stops reading is dropped. */
static void client_send(void *opaque, const char *buf, size_t len)
{
    while (len && stub.client_fd >= 0) {
        ssize_t n = send(stub.client_fd, buf, len, MSG_NOSIGNAL);
        if (n > 0) {
            buf += n;
            len -= (size_t)n;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            struct pollfd p = { .fd = stub.client_fd, .events = POLLOUT };
            if (poll(&p, 1, 5000) > 0)
                continue;
        }
        shutdown(stub.client_fd, SHUT_RDWR);   /* noticed by on_client_io */
        return;
    }
}

static gboolean on_client_io(gint fd, GIOCondition cond, gpointer data)
{
    uint8_t buf[4096];
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return G_SOURCE_CONTINUE;
    if (n <= 0) {
        g_source_unref(stub.client_src);
        stub.client_src = NULL;
        close_client();
        return G_SOURCE_REMOVE;
    }
    gdb_session_input(stub.session, buf, (size_t)n);
    if (gdb_session_finished(stub.session)) {
        g_source_unref(stub.client_src);
        stub.client_src = NULL;
        close_client();
        return G_SOURCE_REMOVE;
    }
    return G_SOURCE_CONTINUE;
}

static gboolean on_accept(gint fd, GIOCondition cond, gpointer data)
{
    int c = accept(fd, NULL, NULL);
    if (c < 0)
        return G_SOURCE_CONTINUE;
    if (stub.client_fd >= 0) {
        /* one client at a time: refuse the second cleanly */
        static const char msg[] = "$E10#a6";
        (void)!send(c, msg, sizeof(msg) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
        close(c);
        return G_SOURCE_CONTINUE;
    }
    int one = 1;
    setsockopt(c, IPPROTO_TCP, 1 /* TCP_NODELAY */, &one, sizeof(one));
    fcntl(c, F_SETFL, fcntl(c, F_GETFL) | O_NONBLOCK);
    stub.client_fd = c;
    vcpus_pause();   /* gdb attaches to a stopped machine */
    debug_set_sstep_flags(DEBUG_SSTEP_DEFAULT);   /* each session starts with QEMU's default */
    stub.session = gdb_session_new(stub.i386 ? &i386_target_ops : &x86_target_ops, NULL,
                                   client_send, NULL);
    stub.client_src = g_unix_fd_source_new(c, G_IO_IN | G_IO_HUP | G_IO_ERR);
    g_source_set_callback(stub.client_src, (GSourceFunc)(void (*)(void))on_client_io, NULL, NULL);
    g_source_attach(stub.client_src, main_loop_context());
    return G_SOURCE_CONTINUE;
}

/* ---- listening ---- */

static int listen_tcp(const char *host, const char *port, char **err)
{
    char *end;
    long p = strtol(port, &end, 10);
    if (!*port || *end || p <= 0 || p > 65535) {
        *err = g_strdup_printf("-gdb: bad port '%s'", port);
        return -1;
    }
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)p) };
    if (!*host || !strcmp(host, "localhost"))
        host = "127.0.0.1";
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
        *err = g_strdup_printf("-gdb: bad address '%s' (use an IPv4 address)", host);
        return -1;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd >= 0)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0) {
        *err = g_strdup_printf("-gdb: cannot listen on %s:%ld: %s", host, p, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

static int listen_unix(const char *spec, char **err)
{
    char **parts = g_strsplit(spec, ",", -1);
    bool server = false;
    for (int i = 1; parts[i]; i++)
        if (!strcmp(parts[i], "server") || !strcmp(parts[i], "server=on"))
            server = true;
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd = -1;
    if (!server) {
        *err = g_strdup("-gdb unix:PATH needs ',server'");
    } else if (!parts[0][0] || strlen(parts[0]) >= sizeof(sa.sun_path)) {
        *err = g_strdup("-gdb: bad unix socket path");
    } else {
        strcpy(sa.sun_path, parts[0]);
        unlink(sa.sun_path);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0) {
            *err = g_strdup_printf("-gdb: cannot listen on %s: %s", parts[0], strerror(errno));
            if (fd >= 0)
                close(fd);
            fd = -1;
        } else {
            stub.unix_path = g_strdup(parts[0]);
        }
    }
    g_strfreev(parts);
    return fd;
}

/* Takes the stub's own options (arch=i386|x86-64) out of the device spec. */
static char *strip_options(const char *spec, char **err)
{
    char **parts = g_strsplit(spec, ",", -1);
    GString *rest = g_string_new(parts[0]);
    for (int i = 1; parts[i]; i++) {
        if (!strcmp(parts[i], "arch=i386") || !strcmp(parts[i], "arch=x86-64")) {
            stub.i386 = !strcmp(parts[i], "arch=i386");
        } else if (!strncmp(parts[i], "arch=", 5)) {
            *err = g_strdup_printf("-gdb: unknown arch '%s' (use i386 or x86-64)", parts[i] + 5);
        } else {
            g_string_append_printf(rest, ",%s", parts[i]);
        }
    }
    g_strfreev(parts);
    if (*err) {
        g_string_free(rest, TRUE);
        return NULL;
    }
    return g_string_free(rest, FALSE);
}

/* A listening socket for "tcp:[HOST]:PORT" or "unix:PATH,server"; -1 on error. */
static int listen_spec(const char *spec, char **err)
{
    if (!strncmp(spec, "tcp:", 4)) {
        const char *hp = spec + 4, *colon = strrchr(hp, ':');
        if (!colon) {
            *err = g_strdup_printf("-gdb: expected tcp::PORT, got '%s'", spec);
            return -1;
        }
        char *host = g_strndup(hp, (gsize)(colon - hp));
        int fd = listen_tcp(host, colon + 1, err);
        g_free(host);
        return fd;
    }
    if (!strncmp(spec, "unix:", 5))
        return listen_unix(spec + 5, err);
    *err = g_strdup_printf("-gdb: unsupported device '%s' (use tcp::PORT or unix:PATH,server)", spec);
    return -1;
}

bool gdbstub_start(Machine *m, const char *full_spec, char **err)
{
    *err = NULL;
    char *spec = strip_options(full_spec, err);
    if (!spec)
        return false;
    int fd = listen_spec(spec, err);
    g_free(spec);
    if (fd < 0)
        return false;
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    stub.m = m;
    stub.listen_fd = fd;
    debug_stop_notify = stop_notify;
    stub.listen_src = g_unix_fd_source_new(fd, G_IO_IN);
    g_source_set_callback(stub.listen_src, (GSourceFunc)(void (*)(void))on_accept, NULL, NULL);
    g_source_attach(stub.listen_src, main_loop_context());
    return true;
}

void gdbstub_stop(void)
{
    if (stub.session) {
        gdb_session_free(stub.session);
        stub.session = NULL;
    }
    close_watched_fd(&stub.client_src, &stub.client_fd);
    close_watched_fd(&stub.listen_src, &stub.listen_fd);
    if (stub.unix_path) {
        unlink(stub.unix_path);
        g_free(stub.unix_path);
        stub.unix_path = NULL;
    }
    debug_stop_notify = NULL;
}
