/*
 * The gdb protocol engine (core/gdbstub-packet.c) against a fake target:
 * framing, acks, checksums, the packets, and hostile input.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/gdbstub.h"
#include "unit-test.h"

static GString *out;
static uint8_t mem[256];
static uint64_t regs[4];
static int resumed = -2, interrupted, detached, killed, points;

static void capture(void *o, const char *buf, size_t len) { g_string_append_len(out, buf, (gssize)len); }
static int f_nr_cpus(void *o) { return 2; }
static int f_reg_size(int r) { return r >= 0 && r < 4 ? 8 : -1; }
static int f_read_reg(void *o, int cpu, int r, uint8_t *buf)
{
    if (r < 0 || r >= 4)
        return -1;
    memcpy(buf, &regs[r], 8);
    return 8;
}
static int f_write_reg(void *o, int cpu, int r, const uint8_t *buf)
{
    if (r < 0 || r >= 4)
        return -1;
    memcpy(&regs[r], buf, 8);
    return 8;
}
static bool f_read_mem(void *o, int cpu, uint64_t a, uint8_t *buf, size_t len)
{
    if (a >= sizeof(mem) || len > sizeof(mem) - a)
        return false;
    memcpy(buf, mem + a, len);
    return true;
}
static bool f_write_mem(void *o, int cpu, uint64_t a, const uint8_t *buf, size_t len)
{
    if (a >= sizeof(mem) || len > sizeof(mem) - a)
        return false;
    memcpy(mem + a, buf, len);
    return true;
}
static const char *f_xml(void *o) { return "<target>fake</target>"; }
static bool f_insert(void *o, int t, uint64_t a, uint64_t k) { points++; return true; }
static bool f_remove(void *o, int t, uint64_t a, uint64_t k) { points--; return true; }
static void f_resume(void *o, int step) { resumed = step; }
static void f_interrupt(void *o) { interrupted++; }
static void f_detach(void *o) { detached++; }
static void f_kill(void *o) { killed++; }
static void f_monitor(void *o, const char *cmd, GString *o2) { g_string_append_printf(o2, "ran %s\n", cmd); }

static const GdbTargetOps fake_ops = {
    .nr_cpus = f_nr_cpus, .nr_regs = 4, .reg_size = f_reg_size, .read_reg = f_read_reg,
    .write_reg = f_write_reg, .read_mem = f_read_mem, .write_mem = f_write_mem,
    .target_xml = f_xml, .insert_point = f_insert, .remove_point = f_remove, .resume = f_resume,
    .interrupt = f_interrupt, .detach = f_detach, .kill = f_kill, .monitor = f_monitor,
};

static GdbSession *sess;

static void setup(void)
{
    out = g_string_new(NULL);
    memset(mem, 0, sizeof(mem));
    memset(regs, 0, sizeof(regs));
    resumed = -2;
    interrupted = detached = killed = points = 0;
    sess = gdb_session_new(&fake_ops, NULL, capture, NULL);
}

static void teardown(void)
{
    gdb_session_free(sess);
    g_string_free(out, TRUE);
}

static void feed(const char *s) { gdb_session_input(sess, (const uint8_t *)s, strlen(s)); }

/* Send one packet, return the reply payload (framing and acks stripped). */
static const char *cmd(const char *payload)
{
    static char reply[8192];
    unsigned sum = 0;
    for (const char *p = payload; *p; p++)
        sum += (uint8_t)*p;
    char *pkt = g_strdup_printf("$%s#%02x", payload, sum & 0xff);
    g_string_truncate(out, 0);
    feed(pkt);
    g_free(pkt);
    const char *d = strchr(out->str, '$'), *h = d ? strrchr(d, '#') : NULL;
    if (!d || !h)
        return out->str;
    size_t n = (size_t)(h - d - 1);
    if (n >= sizeof(reply))
        n = sizeof(reply) - 1;
    memcpy(reply, d + 1, n);
    reply[n] = 0;
    return reply;
}

START_TEST(test_framing)
{
    cmd("?");
    ck_assert_str_eq(out->str, "+$T05thread:1;#d7");
    g_string_truncate(out, 0);
    feed("$?#00");
    ck_assert_str_eq(out->str, "-");
    g_string_truncate(out, 0);
    feed("noise+-$?#zz");
    ck_assert_str_eq(out->str, "-");
    ck_assert_str_eq(cmd("QStartNoAckMode"), "OK");
    g_string_truncate(out, 0);
    feed("$qC#b4");
    ck_assert_str_eq(out->str, "$QC1#c5");
}
END_TEST

START_TEST(test_overlong)
{
    char *big = g_malloc(20000);
    memset(big, 'm', 19999);
    big[19999] = 0;
    g_string_truncate(out, 0);
    feed("$");
    feed(big);
    feed("#00");
    ck_assert_str_eq(out->str, "-");
    g_free(big);
    ck_assert_str_eq(cmd("qAttached"), "1");
}
END_TEST

START_TEST(test_regs)
{
    regs[1] = 0x1122334455667788ull;
    const char *g = cmd("g");
    ck_assert_uint_eq(strlen(g), 64);
    ck_assert(strncmp(g + 16, "8877665544332211", 16) == 0);
    ck_assert_str_eq(cmd("p1"), "8877665544332211");
    ck_assert_str_eq(cmd("P2=0100000000000000"), "OK");
    ck_assert_uint_eq(regs[2], 1);
    ck_assert_str_eq(cmd("P2=01"), "E01");
    ck_assert_str_eq(cmd("p99"), "E01");
    ck_assert_str_eq(cmd("pzz"), "E01");
    ck_assert_str_eq(cmd("Gabc"), "E01");
    char G[65];
    memset(G, '0', 64);
    G[64] = 0;
    G[1] = '5';
    ck_assert_str_eq(cmd(G), "");   /* no leading G: unknown packet */
    char G2[66] = "G";
    strcat(G2, G);
    ck_assert_str_eq(cmd(G2), "OK");
    ck_assert_uint_eq(regs[0], 5);
}
END_TEST

START_TEST(test_memory)
{
    ck_assert_str_eq(cmd("M10,2:abcd"), "OK");
    ck_assert_str_eq(cmd("m10,2"), "abcd");
    ck_assert_str_eq(cmd("m10,ffffffffffffffff"), "E14");
    ck_assert_str_eq(cmd("m1000,4"), "E14");
    ck_assert_str_eq(cmd("mzz,4"), "E01");
    ck_assert_str_eq(cmd("m11111111111111111111,4"), "E01");
    ck_assert_str_eq(cmd("M10,2:zz"), "E01");
    ck_assert_str_eq(cmd("M10,ffffffff:00"), "E01");
    /* X with an escaped byte: }] = '}' ^ 0x20 ... here 0x7d escaped as }\x5d */
    ck_assert_str_eq(cmd("X20,2:}]A"), "OK");
    ck_assert_uint_eq(mem[0x20], 0x7d);
    ck_assert_uint_eq(mem[0x21], 'A');
    ck_assert_str_eq(cmd("X20,3:A"), "E01");
}
END_TEST

START_TEST(test_run_control)
{
    ck_assert_str_eq(cmd("Z0,100,1"), "OK");
    ck_assert_int_eq(points, 1);
    ck_assert_str_eq(cmd("z0,100,1"), "OK");
    ck_assert_str_eq(cmd("Z7,100,1"), "");
    ck_assert_str_eq(cmd("vCont?"), "vCont;c;C;s;S");
    cmd("vCont;s:2;c");
    ck_assert_int_eq(resumed, 1);
    ck_assert(gdb_session_running(sess));
    feed("\x03");
    ck_assert_int_eq(interrupted, 1);
    g_string_truncate(out, 0);
    gdb_session_report_stop(sess, 1, 5, GDB_STOP_WATCH, 0x8200);
    ck_assert(strstr(out->str, "T05thread:2;watch:8200;") != NULL);
    ck_assert(!gdb_session_running(sess));
    ck_assert_str_eq(cmd("qC"), "QC2");
    ck_assert_str_eq(cmd("Hg1"), "OK");
    ck_assert_str_eq(cmd("Hg9"), "E01");
    ck_assert_str_eq(cmd("qfThreadInfo"), "m1,2");
    ck_assert_str_eq(cmd("qsThreadInfo"), "l");
    cmd("c");
    ck_assert_int_eq(resumed, -1);
    gdb_session_report_stop(sess, 0, 5, GDB_STOP_SWBREAK, 0);
    ck_assert(strstr(out->str, "T05thread:1;swbreak:;") != NULL);
    ck_assert_str_eq(cmd("vCont;x"), "E01");
    ck_assert_str_eq(cmd("D"), "OK");
    ck_assert_int_eq(detached, 1);
    ck_assert(gdb_session_finished(sess));
}
END_TEST

static unsigned sstep_flags = 7;
static unsigned f_get_sstep(void *o) { return sstep_flags; }
static void f_set_sstep(void *o, unsigned v) { sstep_flags = v; }

/* QEMU's single-step flag packets: offered only by targets that have them. */
START_TEST(test_sstep)
{
    ck_assert_str_eq(cmd("qqemu.sstep"), "");
    GdbTargetOps ops = fake_ops;
    ops.get_sstep = f_get_sstep;
    ops.set_sstep = f_set_sstep;
    gdb_session_free(sess);
    sess = gdb_session_new(&ops, NULL, capture, NULL);
    ck_assert_str_eq(cmd("qqemu.sstepbits"), "ENABLE=1,NOIRQ=2,NOTIMER=4");
    ck_assert_str_eq(cmd("qqemu.sstep"), "0x7");
    ck_assert_str_eq(cmd("Qqemu.sstep=0x1"), "OK");
    ck_assert_uint_eq(sstep_flags, 1);
    ck_assert_str_eq(cmd("qqemu.sstep"), "0x1");
    ck_assert_str_eq(cmd("Qqemu.sstep=5"), "OK");
    ck_assert_uint_eq(sstep_flags, 5);
    ck_assert_str_eq(cmd("Qqemu.sstep=8"), "E22");
    ck_assert_str_eq(cmd("Qqemu.sstep=zz"), "E22");
    ck_assert_str_eq(cmd("Qqemu.sstep="), "E22");
    ck_assert_uint_eq(sstep_flags, 5);
    gdb_session_free(sess);
    sess = gdb_session_new(&fake_ops, NULL, capture, NULL);
}
END_TEST

START_TEST(test_queries)
{
    ck_assert(strstr(cmd("qSupported:multiprocess+"), "qXfer:features:read+") != NULL);
    ck_assert_str_eq(cmd("qXfer:features:read:target.xml:0,5"), "m<targ");
    ck_assert_str_eq(cmd("qXfer:features:read:target.xml:5,100"), "let>fake</target>");
    ck_assert_str_eq(cmd("qXfer:features:read:target.xml:1000,10"), "l");
    ck_assert_str_eq(cmd("qXfer:features:read:other.xml:0,10"), "");
    cmd("qRcmd,6869");   /* "hi" */
    ck_assert(strstr(out->str, "$O72616e2068690a#") != NULL);
    ck_assert_str_eq(cmd("qRcmd,6"), "E01");
    ck_assert_str_eq(cmd("bogus"), "");
    cmd("k");
    ck_assert_int_eq(killed, 1);
}
END_TEST

int main(void)
{
    return unit_run_tcase("gdbstub", "engine", setup, teardown, UNIT_TESTS(
        test_framing, test_overlong, test_regs, test_memory, test_run_control, test_queries,
        test_sstep));
}
