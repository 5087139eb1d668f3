/*
 * The gdb remote protocol engine: packet framing ($...#cs), acks, and the
 * packets gdb sends, against the GdbTargetOps interface. Every length and
 * number from the client is checked: bad input gets an error or an empty
 * reply, never a crash.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/gdbstub.h"

enum { P_IDLE, P_DATA, P_CSUM1, P_CSUM2 };

#define MAX_MEM_XFER ((GDB_MAX_PACKET - 16) / 2)   /* bytes per m reply */
#define MAX_REG_BYTES 64

struct GdbSession {
    const GdbTargetOps *ops;
    void *target;
    GdbSendFn send;
    void *send_opaque;
    /* parser */
    int state;
    char buf[GDB_MAX_PACKET + 1];
    size_t len;
    bool overflow;
    uint8_t sum;
    int csum_hi;
    /* protocol state */
    bool no_ack;
    bool running;
    bool finished;
    int g_cpu, c_cpu;            /* Hg / Hc selections (cpu index) */
    int stop_cpu, stop_signal;
    GdbStopKind stop_kind;
    uint64_t stop_addr;
};

/* ---- helpers ---- */

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Parse a hex number up to a non-hex char; false if none or too long. */
static bool parse_hex(const char **p, uint64_t *out)
{
    const char *s = *p;
    uint64_t v = 0;
    int n = 0;
    while (hexval(*s) >= 0) {
        if (++n > 16)
            return false;
        v = (v << 4) | (uint64_t)hexval(*s++);
    }
    if (!n)
        return false;
    *p = s;
    *out = v;
    return true;
}

/* Thread id: "-1" (all), "0" (any) or hex; returns -1 for all, 0 for any. */
static bool parse_tid(const char **p, int64_t *tid)
{
    if ((*p)[0] == '-' && (*p)[1] == '1') {
        *p += 2;
        *tid = -1;
        return true;
    }
    uint64_t v;
    if (!parse_hex(p, &v) || v > 0x7fffffff)
        return false;
    *tid = (int64_t)v;
    return true;
}

static bool decode_hex(const char *s, size_t nchars, uint8_t *out)
{
    for (size_t i = 0; i + 1 < nchars + 1 && i < nchars; i += 2) {
        int hi = hexval(s[i]), lo = hexval(s[i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    return (nchars & 1) == 0;
}

static void append_hex(GString *g, const uint8_t *buf, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        g_string_append_c(g, digits[buf[i] >> 4]);
        g_string_append_c(g, digits[buf[i] & 15]);
    }
}

static void send_raw(GdbSession *s, const char *buf, size_t len)
{
    s->send(s->send_opaque, buf, len);
}

/* Frame and send one packet, escaping $ # } * in the payload. */
static void send_packet_len(GdbSession *s, const char *payload, size_t len)
{
    GString *g = g_string_sized_new(len + 8);
    uint8_t sum = 0;
    g_string_append_c(g, '$');
    for (size_t i = 0; i < len; i++) {
        char c = payload[i];
        if (c == '$' || c == '#' || c == '}' || c == '*') {
            g_string_append_c(g, '}');
            sum += '}';
            c ^= 0x20;
        }
        g_string_append_c(g, c);
        sum += (uint8_t)c;
    }
    g_string_append_printf(g, "#%02x", sum);
    send_raw(s, g->str, g->len);
    g_string_free(g, TRUE);
}

static void send_packet(GdbSession *s, const char *payload)
{
    send_packet_len(s, payload, strlen(payload));
}

static int nr_cpus(GdbSession *s)
{
    int n = s->ops->nr_cpus(s->target);
    return n > 0 ? n : 1;
}

static void send_stop_reply(GdbSession *s)
{
    static const char *const names[] = { NULL, "swbreak", "hwbreak", "watch", "rwatch", "awatch" };
    GString *g = g_string_new(NULL);
    g_string_append_printf(g, "T%02xthread:%x;", s->stop_signal & 0xff, s->stop_cpu + 1);
    if (s->stop_kind >= GDB_STOP_WATCH)
        g_string_append_printf(g, "%s:%llx;", names[s->stop_kind], (unsigned long long)s->stop_addr);
    else if (s->stop_kind != GDB_STOP_SIGNAL)
        g_string_append_printf(g, "%s:;", names[s->stop_kind]);
    send_packet(s, g->str);
    g_string_free(g, TRUE);
}

static void do_resume(GdbSession *s, int step_cpu)
{
    s->running = true;
    s->ops->resume(s->target, step_cpu);
}

/* ---- packets ---- */

static void handle_read_regs(GdbSession *s)
{
    GString *g = g_string_new(NULL);
    uint8_t buf[MAX_REG_BYTES];
    for (int r = 0; r < s->ops->nr_regs; r++) {
        int n = s->ops->read_reg(s->target, s->g_cpu, r, buf);
        if (n < 0 || n > MAX_REG_BYTES) {
            g_string_free(g, TRUE);
            send_packet(s, "E01");
            return;
        }
        append_hex(g, buf, (size_t)n);
    }
    send_packet(s, g->str);
    g_string_free(g, TRUE);
}

static void handle_write_regs(GdbSession *s, const char *p, size_t len)
{
    size_t need = 0;
    for (int r = 0; r < s->ops->nr_regs; r++)
        need += (size_t)s->ops->reg_size(r) * 2;
    if (len != need) {
        send_packet(s, "E01");
        return;
    }
    uint8_t *all = g_malloc(need / 2 + 1);
    if (!decode_hex(p, len, all)) {
        g_free(all);
        send_packet(s, "E01");
        return;
    }
    bool ok = true;
    size_t off = 0;
    for (int r = 0; r < s->ops->nr_regs; r++) {
        if (s->ops->write_reg(s->target, s->g_cpu, r, all + off) < 0)
            ok = false;
        off += (size_t)s->ops->reg_size(r);
    }
    g_free(all);
    send_packet(s, ok ? "OK" : "E02");
}

static void handle_read_reg(GdbSession *s, const char *p)
{
    uint64_t r;
    uint8_t buf[MAX_REG_BYTES];
    if (!parse_hex(&p, &r) || *p || r >= (uint64_t)s->ops->nr_regs) {
        send_packet(s, "E01");
        return;
    }
    int n = s->ops->read_reg(s->target, s->g_cpu, (int)r, buf);
    if (n < 0 || n > MAX_REG_BYTES) {
        send_packet(s, "E01");
        return;
    }
    GString *g = g_string_new(NULL);
    append_hex(g, buf, (size_t)n);
    send_packet(s, g->str);
    g_string_free(g, TRUE);
}

static void handle_write_reg(GdbSession *s, const char *p)
{
    uint64_t r;
    uint8_t buf[MAX_REG_BYTES];
    if (!parse_hex(&p, &r) || *p++ != '=' || r >= (uint64_t)s->ops->nr_regs) {
        send_packet(s, "E01");
        return;
    }
    int size = s->ops->reg_size((int)r);
    if (size <= 0 || size > MAX_REG_BYTES || strlen(p) != (size_t)size * 2 ||
        !decode_hex(p, strlen(p), buf)) {
        send_packet(s, "E01");
        return;
    }
    send_packet(s, s->ops->write_reg(s->target, s->g_cpu, (int)r, buf) < 0 ? "E02" : "OK");
}

/* "ADDR,LEN" followed by `end` (':' or NUL) */
static bool parse_addr_len(const char **p, uint64_t *addr, uint64_t *len, char end)
{
    if (!parse_hex(p, addr) || **p != ',')
        return false;
    (*p)++;
    if (!parse_hex(p, len) || **p != end)
        return false;
    if (end)
        (*p)++;
    return true;
}

static void handle_read_mem(GdbSession *s, const char *p)
{
    uint64_t addr, len;
    if (!parse_addr_len(&p, &addr, &len, '\0')) {
        send_packet(s, "E01");
        return;
    }
    if (len > MAX_MEM_XFER)
        len = MAX_MEM_XFER;   /* gdb asks again for the rest */
    uint8_t buf[MAX_MEM_XFER];
    if (len && !s->ops->read_mem(s->target, s->g_cpu, addr, buf, (size_t)len)) {
        send_packet(s, "E14");
        return;
    }
    GString *g = g_string_new(NULL);
    append_hex(g, buf, (size_t)len);
    send_packet(s, g->str);
    g_string_free(g, TRUE);
}

static void handle_write_mem(GdbSession *s, const char *p, size_t total, bool binary)
{
    const char *start = p;
    uint64_t addr, len;
    if (!parse_addr_len(&p, &addr, &len, ':') || len > GDB_MAX_PACKET) {
        send_packet(s, "E01");
        return;
    }
    size_t avail = total - (size_t)(p - start);
    uint8_t buf[GDB_MAX_PACKET];
    if (binary) {
        size_t n = 0;
        for (size_t i = 0; i < avail; i++) {
            uint8_t c = (uint8_t)p[i];
            if (c == '}') {
                if (++i >= avail) {
                    send_packet(s, "E01");
                    return;
                }
                c = (uint8_t)p[i] ^ 0x20;
            }
            if (n >= len) {
                send_packet(s, "E01");
                return;
            }
            buf[n++] = c;
        }
        if (n != len) {
            send_packet(s, "E01");
            return;
        }
    } else if (avail != len * 2 || !decode_hex(p, avail, buf)) {
        send_packet(s, "E01");
        return;
    }
    if (len && !s->ops->write_mem(s->target, s->g_cpu, addr, buf, (size_t)len)) {
        send_packet(s, "E14");
        return;
    }
    send_packet(s, "OK");
}

static void handle_point(GdbSession *s, const char *p, bool insert)
{
    uint64_t type, addr, kind;
    if (!parse_hex(&p, &type) || *p++ != ',' || !parse_hex(&p, &addr) || *p++ != ',' ||
        !parse_hex(&p, &kind) || (*p && *p != ';')) {
        send_packet(s, "E01");
        return;
    }
    if (type > 4) {
        send_packet(s, "");
        return;
    }
    bool ok = insert ? s->ops->insert_point(s->target, (int)type, addr, kind)
                     : s->ops->remove_point(s->target, (int)type, addr, kind);
    send_packet(s, ok ? "OK" : "E22");
}

/* tid -> cpu index for H/T; -1 (all) and 0 (any) select `fallback`. */
static bool tid_to_cpu(GdbSession *s, int64_t tid, int fallback, int *cpu)
{
    if (tid <= 0) {
        *cpu = fallback;
        return true;
    }
    if (tid > nr_cpus(s))
        return false;
    *cpu = (int)tid - 1;
    return true;
}

static void handle_H(GdbSession *s, const char *p)
{
    char op = *p++;
    int64_t tid;
    int cpu;
    if ((op != 'g' && op != 'c') || !parse_tid(&p, &tid) || *p ||
        !tid_to_cpu(s, tid, op == 'g' ? s->g_cpu : s->c_cpu, &cpu)) {
        send_packet(s, "E01");
        return;
    }
    if (op == 'g')
        s->g_cpu = cpu;
    else
        s->c_cpu = tid > 0 ? cpu : -1;
    send_packet(s, "OK");
}

/* vCont;ACTION[:TID];... : a step for one thread wins, else continue. */
static void handle_vcont(GdbSession *s, const char *p)
{
    int step_cpu = -1;
    bool any = false;
    while (*p == ';') {
        p++;
        char a = *p++;
        if (a == 'C' || a == 'S') {
            uint64_t sig;
            if (!parse_hex(&p, &sig)) {
                send_packet(s, "E01");
                return;
            }
        } else if (a != 'c' && a != 's') {
            send_packet(s, "E01");
            return;
        }
        int cpu = -1;
        if (*p == ':') {
            p++;
            int64_t tid;
            if (!parse_tid(&p, &tid) || !tid_to_cpu(s, tid, -1, &cpu)) {
                send_packet(s, "E01");
                return;
            }
        }
        if ((a == 's' || a == 'S') && step_cpu < 0)
            step_cpu = cpu >= 0 ? cpu : s->stop_cpu;
        any = true;
    }
    if (*p || !any) {
        send_packet(s, "E01");
        return;
    }
    do_resume(s, step_cpu);
}

static void handle_qxfer(GdbSession *s, const char *p)
{
    static const char prefix[] = "features:read:target.xml:";
    if (strncmp(p, prefix, sizeof(prefix) - 1) != 0) {
        send_packet(s, "");
        return;
    }
    p += sizeof(prefix) - 1;
    uint64_t off, len;
    if (!parse_addr_len(&p, &off, &len, '\0')) {
        send_packet(s, "E01");
        return;
    }
    const char *xml = s->ops->target_xml(s->target);
    size_t xlen = strlen(xml);
    if (off >= xlen) {
        send_packet(s, "l");
        return;
    }
    if (len > GDB_MAX_PACKET / 2)
        len = GDB_MAX_PACKET / 2;   /* leaves room for escapes */
    size_t n = xlen - (size_t)off < len ? xlen - (size_t)off : (size_t)len;
    GString *g = g_string_new(off + n >= xlen ? "l" : "m");
    g_string_append_len(g, xml + off, (gssize)n);
    send_packet_len(s, g->str, g->len);
    g_string_free(g, TRUE);
}

static void handle_rcmd(GdbSession *s, const char *hex)
{
    size_t n = strlen(hex);
    if (n % 2 || n / 2 > 1024) {
        send_packet(s, "E01");
        return;
    }
    char cmd[1025];
    if (!decode_hex(hex, n, (uint8_t *)cmd)) {
        send_packet(s, "E01");
        return;
    }
    cmd[n / 2] = 0;
    GString *out = g_string_new(NULL);
    s->ops->monitor(s->target, cmd, out);
    /* console output in O packets, each within the packet size */
    for (size_t off = 0; off < out->len; off += 1000) {
        size_t chunk = out->len - off < 1000 ? out->len - off : 1000;
        GString *g = g_string_new("O");
        append_hex(g, (const uint8_t *)out->str + off, chunk);
        send_packet(s, g->str);
        g_string_free(g, TRUE);
    }
    g_string_free(out, TRUE);
    send_packet(s, "OK");
}

/* QEMU's single-step flag packets (gdb: maintenance packet qqemu.sstep). */
static void handle_sstep(GdbSession *s, const char *p)
{
    if (!s->ops->get_sstep || !s->ops->set_sstep) {
        send_packet(s, "");
    } else if (!strcmp(p, "qqemu.sstepbits")) {
        send_packet(s, "ENABLE=1,NOIRQ=2,NOTIMER=4");
    } else if (!strcmp(p, "qqemu.sstep")) {
        char reply[16];
        snprintf(reply, sizeof(reply), "0x%x", s->ops->get_sstep(s->target) & 7);
        send_packet(s, reply);
    } else if (p[0] == 'Q') {
        const char *q = p + 12;
        uint64_t v;
        if (q[0] == '0' && (q[1] == 'x' || q[1] == 'X'))
            q += 2;
        if (!parse_hex(&q, &v) || *q || v > 7) {
            send_packet(s, "E22");
            return;
        }
        s->ops->set_sstep(s->target, (unsigned)v);
        send_packet(s, "OK");
    } else {
        send_packet(s, "");
    }
}

static void handle_query(GdbSession *s, const char *p)
{
    if (!strncmp(p, "qSupported", 10)) {
        char reply[160];
        snprintf(reply, sizeof(reply),
                 "PacketSize=%x;qXfer:features:read+;swbreak+;hwbreak+;vContSupported+;"
                 "QStartNoAckMode+", GDB_MAX_PACKET);
        send_packet(s, reply);
    } else if (!strcmp(p, "QStartNoAckMode")) {
        send_packet(s, "OK");
        s->no_ack = true;
    } else if (!strncmp(p, "qXfer:", 6)) {
        handle_qxfer(s, p + 6);
    } else if (!strcmp(p, "qC")) {
        char reply[32];
        snprintf(reply, sizeof(reply), "QC%x", s->g_cpu + 1);
        send_packet(s, reply);
    } else if (!strcmp(p, "qfThreadInfo")) {
        GString *g = g_string_new("m");
        for (int i = 0; i < nr_cpus(s); i++)
            g_string_append_printf(g, "%s%x", i ? "," : "", i + 1);
        send_packet(s, g->str);
        g_string_free(g, TRUE);
    } else if (!strcmp(p, "qsThreadInfo")) {
        send_packet(s, "l");
    } else if (!strncmp(p, "qAttached", 9)) {
        send_packet(s, "1");
    } else if (!strncmp(p, "qThreadExtraInfo,", 17)) {
        const char *q = p + 17;
        int64_t tid;
        int cpu;
        if (!parse_tid(&q, &tid) || tid <= 0 || !tid_to_cpu(s, tid, 0, &cpu)) {
            send_packet(s, "E01");
            return;
        }
        char text[32];
        snprintf(text, sizeof(text), "CPU#%d", cpu);
        GString *g = g_string_new(NULL);
        append_hex(g, (const uint8_t *)text, strlen(text));
        send_packet(s, g->str);
        g_string_free(g, TRUE);
    } else if (!strncmp(p, "qRcmd,", 6)) {
        handle_rcmd(s, p + 6);
    } else if (!strncmp(p, "qqemu.sstep", 11) || !strncmp(p, "Qqemu.sstep=", 12)) {
        handle_sstep(s, p);
    } else {
        send_packet(s, "");
    }
}

static void handle_packet(GdbSession *s, char *p, size_t len)
{
    if (s->running) {
        /* all-stop: gdb only talks to a stopped target */
        send_packet(s, "E05");
        return;
    }
    switch (p[0]) {
    case '?':
        send_stop_reply(s);
        break;
    case 'g':
        handle_read_regs(s);
        break;
    case 'G':
        handle_write_regs(s, p + 1, len - 1);
        break;
    case 'p':
        handle_read_reg(s, p + 1);
        break;
    case 'P':
        handle_write_reg(s, p + 1);
        break;
    case 'm':
        handle_read_mem(s, p + 1);
        break;
    case 'M':
        handle_write_mem(s, p + 1, len - 1, false);
        break;
    case 'X':
        handle_write_mem(s, p + 1, len - 1, true);
        break;
    case 'c':
    case 'C':
        do_resume(s, -1);
        break;
    case 's':
    case 'S':
        do_resume(s, s->c_cpu >= 0 ? s->c_cpu : s->stop_cpu);
        break;
    case 'Z':
    case 'z':
        handle_point(s, p + 1, p[0] == 'Z');
        break;
    case 'H':
        handle_H(s, p + 1);
        break;
    case 'T': {
        const char *q = p + 1;
        int64_t tid;
        int cpu;
        send_packet(s, parse_tid(&q, &tid) && !*q && tid > 0 && tid_to_cpu(s, tid, 0, &cpu)
                           ? "OK" : "E01");
        break;
    }
    case 'D':
        send_packet(s, "OK");
        s->finished = true;
        s->ops->detach(s->target);
        break;
    case 'k':
        s->finished = true;
        s->ops->kill(s->target);
        break;
    case 'v':
        if (!strcmp(p, "vCont?"))
            send_packet(s, "vCont;c;C;s;S");
        else if (!strncmp(p, "vCont;", 6))
            handle_vcont(s, p + 5);
        else if (!strncmp(p, "vKill", 5)) {
            send_packet(s, "OK");
            s->finished = true;
            s->ops->kill(s->target);
        } else
            send_packet(s, "");
        break;
    case 'q':
    case 'Q':
        handle_query(s, p);
        break;
    default:
        send_packet(s, "");
        break;
    }
}

/* ---- framing ---- */

void gdb_session_input(GdbSession *s, const uint8_t *in, size_t n)
{
    for (size_t i = 0; i < n && !s->finished; i++) {
        uint8_t c = in[i];
        switch (s->state) {
        case P_IDLE:
            if (c == '$') {
                s->state = P_DATA;
                s->len = 0;
                s->sum = 0;
                s->overflow = false;
            } else if (c == 0x03) {
                if (s->running)
                    s->ops->interrupt(s->target);
            }
            /* '+', '-' and noise between packets are ignored */
            break;
        case P_DATA:
            if (c == '#') {
                s->state = P_CSUM1;
            } else if (c == '$') {   /* a new packet restarts framing */
                s->len = 0;
                s->sum = 0;
                s->overflow = false;
            } else {
                s->sum += c;
                if (s->len < GDB_MAX_PACKET)
                    s->buf[s->len++] = (char)c;
                else
                    s->overflow = true;
            }
            break;
        case P_CSUM1:
            s->csum_hi = hexval(c);
            s->state = P_CSUM2;
            break;
        case P_CSUM2: {
            int lo = hexval(c);
            s->state = P_IDLE;
            bool good = s->csum_hi >= 0 && lo >= 0 && (uint8_t)(s->csum_hi << 4 | lo) == s->sum;
            if (!s->no_ack && (!good || s->overflow)) {
                send_raw(s, "-", 1);
                break;
            }
            if (!good && !s->no_ack)
                break;
            if (!s->no_ack)
                send_raw(s, "+", 1);
            if (s->overflow) {
                send_packet(s, "E01");
                break;
            }
            s->buf[s->len] = 0;
            if (s->len == 0) {
                send_packet(s, "");
                break;
            }
            handle_packet(s, s->buf, s->len);
            break;
        }
        }
    }
}

GdbSession *gdb_session_new(const GdbTargetOps *ops, void *target, GdbSendFn send, void *send_opaque)
{
    GdbSession *s = g_new0(GdbSession, 1);
    s->ops = ops;
    s->target = target;
    s->send = send;
    s->send_opaque = send_opaque;
    s->c_cpu = -1;
    s->stop_signal = 5;
    return s;
}

void gdb_session_free(GdbSession *s)
{
    g_free(s);
}

void gdb_session_report_stop(GdbSession *s, int cpu, int signal, GdbStopKind kind, uint64_t addr)
{
    if (cpu < 0 || cpu >= nr_cpus(s))
        cpu = 0;
    s->stop_cpu = cpu;
    s->g_cpu = cpu;
    s->stop_signal = signal;
    s->stop_kind = kind;
    s->stop_addr = addr;
    if (!s->running)
        return;
    s->running = false;
    send_stop_reply(s);
}

bool gdb_session_running(const GdbSession *s)
{
    return s->running;
}

bool gdb_session_finished(const GdbSession *s)
{
    return s->finished;
}
