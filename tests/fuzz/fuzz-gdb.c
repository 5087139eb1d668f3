/*
 * fuzz-gdb: feeds arbitrary bytes as a gdb client's stream to the gdb stub's
 * protocol engine (core/gdbstub-packet.c). Behind it: a fake machine with two
 * real X86CPUs whose registers go through the real register map
 * (target-x86/gdb-regs.c, x86-64 or i386 layout), 64 KiB of fake memory, and
 * fake run control (a resume is answered by a stop report after the next
 * chunk of input). Input byte 0 picks the layout (bit 0), raw or framed mode
 * (bit 7) and the chunk size; the rest is the client stream, sent as is (raw)
 * or (framed, to get past the checksums quickly) split into lines, each line
 * sent as one well-formed packet: its first byte picks a packet prefix, the
 * other bytes mostly map to hex digits and separators. Checked: no crash, hang or sanitizer report, and every
 * byte the stub sends is an ack or a well-formed packet with a correct
 * checksum, no longer than the advertised packet size allows.
 * Entry point: LLVMFuzzerTestOneInput (libFuzzer, or fuzz-main.c).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/gdbstub.h"
#include "core/machine.h"
#include "softmmu/memory.h"
#include "target-x86/cpu.h"
#include "target-x86/gdb-regs.h"

#define FAKE_MEM 0x10000u
#define NR_CPUS 2

static Machine fz_machine;
static MemoryRegion fz_ram;
static X86CPU *fz_cpus[NR_CPUS];
static uint8_t fz_mem[FAKE_MEM];
static int fz_points;
static bool fz_resumed, fz_ended;
static unsigned fz_sstep = 7;

static void fz_init(void)
{
    memory_region_init_container(&fz_machine.system_root, "system", 0);
    memory_region_init_container(&fz_machine.io_root, "io", 0x10000);
    address_space_init(&fz_machine.system_as, &fz_machine.system_root, "memory");
    address_space_init(&fz_machine.io_as, &fz_machine.io_root, "io");
    if (!memory_region_init_ram(&fz_ram, "ram", 1u << 20))
        abort();
    memory_region_add_subregion(&fz_machine.system_root, 0, &fz_ram);
    for (int i = 0; i < NR_CPUS; i++)
        if (!(fz_cpus[i] = x86_cpu_new(&fz_machine, i)))
            abort();
}

static X86CPU *cpu_of(int i)
{
    if (i < 0 || i >= NR_CPUS)
        abort();   /* the engine must only name vCPUs that exist */
    return fz_cpus[i];
}

static int f_nr_cpus(void *o) { return NR_CPUS; }
static int f_read64(void *o, int c, int r, uint8_t *b) { return gdb_reg_read(cpu_of(c), r, b); }
static int f_write64(void *o, int c, int r, const uint8_t *b) { return gdb_reg_write(cpu_of(c), r, b); }
static int f_read32(void *o, int c, int r, uint8_t *b) { return gdb_i386_reg_read(cpu_of(c), r, b); }
static int f_write32(void *o, int c, int r, const uint8_t *b) { return gdb_i386_reg_write(cpu_of(c), r, b); }
static const char *f_xml64(void *o) { return gdb_target_xml(); }
static const char *f_xml32(void *o) { return gdb_i386_target_xml(); }

static bool f_read_mem(void *o, int c, uint64_t a, uint8_t *buf, size_t len)
{
    cpu_of(c);
    if (a >= FAKE_MEM || len > FAKE_MEM - a)
        return false;
    memcpy(buf, fz_mem + a, len);
    return true;
}

static bool f_write_mem(void *o, int c, uint64_t a, const uint8_t *buf, size_t len)
{
    cpu_of(c);
    if (a >= FAKE_MEM || len > FAKE_MEM - a)
        return false;
    memcpy(fz_mem + a, buf, len);
    return true;
}

static bool f_insert(void *o, int t, uint64_t a, uint64_t k)
{
    if (t < 0 || t > 4 || fz_points >= 64)
        return false;
    fz_points++;
    return true;
}

static bool f_remove(void *o, int t, uint64_t a, uint64_t k)
{
    if (t < 0 || t > 4 || fz_points <= 0)
        return false;
    fz_points--;
    return true;
}

static void f_resume(void *o, int step)
{
    if (step >= NR_CPUS)
        abort();
    fz_resumed = true;
}

static void f_interrupt(void *o) { fz_resumed = true; }
static void f_detach(void *o) { fz_ended = true; }
static void f_kill(void *o) { fz_ended = true; }
static void f_monitor(void *o, const char *cmd, GString *out) { g_string_append(out, cmd); }
static unsigned f_get_sstep(void *o) { return fz_sstep; }
static void f_set_sstep(void *o, unsigned v) { fz_sstep = v; }

#define COMMON_OPS \
    .nr_cpus = f_nr_cpus, .read_mem = f_read_mem, .write_mem = f_write_mem, \
    .insert_point = f_insert, .remove_point = f_remove, .resume = f_resume, \
    .interrupt = f_interrupt, .detach = f_detach, .kill = f_kill, .monitor = f_monitor, \
    .get_sstep = f_get_sstep, .set_sstep = f_set_sstep

static const GdbTargetOps ops64 = { COMMON_OPS, .nr_regs = GDB_NUM_REGS, .reg_size = gdb_reg_size,
    .read_reg = f_read64, .write_reg = f_write64, .target_xml = f_xml64 };
static const GdbTargetOps ops32 = { COMMON_OPS, .nr_regs = GDB_I386_NUM_REGS,
    .reg_size = gdb_i386_reg_size, .read_reg = f_read32, .write_reg = f_write32,
    .target_xml = f_xml32 };

/* Every reply: '+', '-', or $payload#cs with a correct checksum. */
static void check_output(void *o, const char *buf, size_t len)
{
    if (getenv("FUZZ_GDB_TRACE"))   /* debugging a seed: show the stub's replies */
        fprintf(stderr, "%.*s\n", (int)(len > 200 ? 200 : len), buf);
    if (len == 1 && (buf[0] == '+' || buf[0] == '-'))
        return;
    if (len < 4 || buf[0] != '$' || buf[len - 3] != '#')
        abort();
    if (len > 2 * GDB_MAX_PACKET + 16)   /* escapes can at most double the payload */
        abort();
    uint8_t sum = 0;
    for (size_t i = 1; i < len - 3; i++) {
        if (buf[i] == '$' || buf[i] == '#')
            abort();   /* must have been escaped */
        sum += (uint8_t)buf[i];
    }
    unsigned want;
    char hex[3] = { buf[len - 2], buf[len - 1], 0 };
    if (sscanf(hex, "%2x", &want) != 1 || want != sum)
        abort();
}

/* Framed mode: one input line -> one packet with a correct checksum. */
static GString *frame_line(const uint8_t *p, size_t n)
{
    static const char *const prefixes[] = {
        "m", "M", "X", "g", "G", "p", "P", "Z", "z", "H", "T", "vCont;", "vCont?",
        "qXfer:features:read:target.xml:", "qRcmd,", "qSupported:", "c", "s", "C", "S", "?",
        "qC", "qfThreadInfo", "qsThreadInfo", "qAttached", "qThreadExtraInfo,", "qqemu.sstep",
        "qqemu.sstepbits", "Qqemu.sstep=", "QStartNoAckMode", "D", "k", "vKill", "",
    };
    static const char alphabet[] = "0123456789abcdef0123456789abcdef,,::;;=-}*";
    GString *g = g_string_new("$");
    g_string_append(g, prefixes[(n ? p[0] : 0) % (sizeof(prefixes) / sizeof(prefixes[0]))]);
    for (size_t i = 1; i < n; i++)
        g_string_append_c(g, p[i] < 0xc0 ? alphabet[p[i] % (sizeof(alphabet) - 1)] : (char)p[i]);
    uint8_t sum = 0;
    for (size_t i = 1; i < g->len; i++)
        sum += (uint8_t)g->str[i];
    g_string_append_printf(g, "#%02x", sum);
    return g;
}

static void stop_if_resumed(GdbSession *s, uint8_t r)
{
    if (!fz_resumed || !gdb_session_running(s))
        return;
    /* the vCPUs "stop": a reason from the data, cpu numbers out of range too */
    fz_resumed = false;
    gdb_session_report_stop(s, (int)(r & 3) - 1, r & 0x1f, (GdbStopKind)(r % 6), 0x1000ull * r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!fz_cpus[0])
        fz_init();
    if (size < 1)
        return 0;
    for (int i = 0; i < NR_CPUS; i++)
        x86_cpu_reset(fz_cpus[i]);
    memset(fz_mem, 0, sizeof(fz_mem));
    fz_points = 0;
    fz_resumed = fz_ended = false;
    fz_sstep = 7;
    uint8_t ctl = data[0];
    size_t chunk;   /* raw mode: 1..128 bytes per read() */
    GdbSession *s = gdb_session_new(ctl & 1 ? &ops32 : &ops64, NULL, check_output, NULL);
    if (ctl & 0x80) {
        for (size_t off = 1; off < size && !gdb_session_finished(s);) {
            const uint8_t *nl = memchr(data + off, '\n', size - off);
            size_t n = nl ? (size_t)(nl - (data + off)) : size - off;
            GString *g = frame_line(data + off, n);
            gdb_session_input(s, (const uint8_t *)g->str, g->len);
            g_string_free(g, TRUE);
            stop_if_resumed(s, n ? data[off] : 0);
            off += n + 1;
        }
    } else {
        chunk = 1 + (ctl & 0x7f);
        for (size_t off = 1; off < size && !gdb_session_finished(s); off += chunk) {
            size_t n = size - off < chunk ? size - off : chunk;
            gdb_session_input(s, data + off, n);
            stop_if_resumed(s, data[off]);
        }
    }
    gdb_session_free(s);
    return 0;
}
