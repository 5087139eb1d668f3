/*
 * The command line: QEMU's flag spellings parsed into a VesselConfig, with
 * one clear error line for anything wrong.
 */
#include "core/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#include "core/log.h"

#define VESSEL_VERSION "0.1.0"

static const char usage_text[] =
    "usage: vessel [options]\n"
    "\n"
    "Machine:\n"
    "  -m SIZE[M|G]        guest RAM (default 128M; plain numbers are MiB)\n"
    "  -smp N              number of vCPUs, 1-8 (default 1)\n"
    "  -accel NAME         interp | tcg | kvm (default interp); -enable-kvm = -accel kvm\n"
    "  -accel tcg,backend=B,tb-size=MIB  the JIT: back end x86_64 (native, default where built)\n"
    "                      or tci; code buffer size (default 64 MiB)\n"
    "  -icount SHIFT       deterministic clock: each instruction is 2^SHIFT ns\n"
    "Firmware and boot:\n"
    "  -bios FILE          firmware image (power of two, 64 KiB - 16 MiB)\n"
    "  -kernel FILE        Linux bzImage or Multiboot kernel: direct boot, or through -bios FILE if given\n"
    "  -initrd FILE        initial ram disk (with -kernel)\n"
    "  -append CMDLINE     kernel command line (with -kernel)\n"
    "Devices and console:\n"
    "  -serial DEV         stdio | file:PATH | tcp:HOST:PORT[,server][,nowait] | null | none\n"
    "                      (repeat for COM2..COM4)\n"
    "  -debugcon DEV       debug console on port 0xe9, same DEV syntax as -serial\n"
    "  -device isa-debug-exit[,iobase=N][,iosize=N]\n"
    "                      writing V to the port exits with status (V << 1) | 1\n"
    "  -nographic          no display; serial on stdio\n"
    "  -display none       no display\n"
    "Run control:\n"
    "  -no-reboot          exit instead of rebooting\n"
    "  -no-shutdown        pause instead of exiting on guest power-off\n"
    "  -S                  start with the vCPUs stopped (continue from gdb)\n"
    "  -s                  shorthand for -gdb tcp::1234\n"
    "  -gdb DEV            gdb stub on tcp::PORT or unix:PATH,server\n"
    "Debugging:\n"
    "  -d ITEM[,ITEM...]   log items (-d help lists them)\n"
    "  -D FILE             write the log to FILE instead of stderr\n"
    "Other:\n"
    "  --version           print the version and exit\n"
    "  -h, --help          print this help and exit\n"
    "\n"
    "Ctrl-A x quits from the serial console on stdio.\n";

/* Flags that take an argument, and those that do not. */
static const char *const flags_with_arg[] = {
    "m", "smp", "bios", "kernel", "initrd", "append", "serial", "accel", "device", "d", "D",
    "gdb", "display", "debugcon", "icount", NULL,
};
static const char *const flags_without_arg[] = {
    "nographic", "no-reboot", "no-shutdown", "s", "S", "enable-kvm", "version", "help", "h", NULL,
};

static bool in_list(const char *const *list, const char *name)
{
    for (; *list; list++)
        if (!strcmp(*list, name))
            return true;
    return false;
}

bool parse_uint(const char *s, uint64_t *out)
{
    if (!s || !*s || *s == '-' || *s == '+' || isspace((unsigned char)*s))
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

bool parse_size_mb(const char *s, uint64_t *bytes)
{
    if (!s || !*s || !isdigit((unsigned char)*s))
        return false;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || v < 0)
        return false;
    uint64_t mult = 1ull << 20;
    if (*end) {
        switch (toupper((unsigned char)*end)) {
        case 'B': mult = 1; break;
        case 'K': mult = 1ull << 10; break;
        case 'M': mult = 1ull << 20; break;
        case 'G': mult = 1ull << 30; break;
        case 'T': mult = 1ull << 40; break;
        default: return false;
        }
        end++;
        if (*end == 'i' || *end == 'I')
            end++;
        if (*end == 'B' || *end == 'b')
            end++;
        if (*end)
            return false;
    }
    double b = v * (double)mult;
    if (b >= 18446744073709551616.0)
        return false;
    *bytes = (uint64_t)b;
    return true;
}

static bool set_err(char **err, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static bool set_err(char **err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    *err = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    return false;
}

static bool parse_ram(VesselConfig *cfg, const char *arg, char **err)
{
    const char *v = g_str_has_prefix(arg, "size=") ? arg + 5 : arg;
    uint64_t bytes;
    if (!parse_size_mb(v, &bytes))
        return set_err(err, "-m: invalid size '%s'", arg);
    if (bytes < (1ull << 20))
        return set_err(err, "-m: RAM size '%s' is too small (at least 1M)", arg);
    if (bytes > (1ull << 40))
        return set_err(err, "-m: RAM size '%s' is too large (at most 1T)", arg);
    cfg->ram_size = bytes & ~0xfffull;
    return true;
}

static bool parse_smp(VesselConfig *cfg, const char *arg, char **err)
{
    const char *v = g_str_has_prefix(arg, "cpus=") ? arg + 5 : arg;
    uint64_t n;
    if (!parse_uint(v, &n))
        return set_err(err, "-smp: invalid CPU count '%s'", arg);
    if (n < 1 || n > VESSEL_MAX_CPUS)
        return set_err(err, "-smp: CPU count %s is out of range (1-%d)", v, VESSEL_MAX_CPUS);
    cfg->smp = (int)n;
    return true;
}

static bool parse_accel(VesselConfig *cfg, const char *arg, char **err)
{
    const char *name = arg;
    if (g_str_has_prefix(name, "accel="))
        name = name + 6;
    size_t len = strcspn(name, ",:");
    char *n = g_strndup(name, len);
    if (!*n) {
        g_free(n);
        return set_err(err, "-accel: missing accelerator name");
    }
    cfg->accel = g_intern_string(n);
    g_free(n);
    /* properties (e.g. tcg's backend=): checked by the accelerator */
    cfg->accel_props = name[len] == ',' && name[len + 1] ? g_intern_string(name + len + 1) : NULL;
    return true;
}

static bool parse_device(VesselConfig *cfg, const char *arg, char **err)
{
    if (cfg->nr_devices >= VESSEL_MAX_DEVICES)
        return set_err(err, "-device: too many devices (at most %d)", VESSEL_MAX_DEVICES);
    size_t len = strcspn(arg, ",");
    DeviceSpec *d = &cfg->devices[cfg->nr_devices];
    d->driver = g_strndup(arg, len);
    d->options = arg[len] ? g_strdup(arg + len + 1) : NULL;
    if (!strcmp(d->driver, "help")) {
        g_free(d->driver);
        g_free(d->options);
        d->driver = d->options = NULL;
        return set_err(err, "-device: available devices: isa-debug-exit");
    }
    if (strcmp(d->driver, "isa-debug-exit") != 0) {
        char *name = d->driver;
        g_free(d->options);
        d->driver = d->options = NULL;
        set_err(err, "-device: unknown device '%s'", name);
        g_free(name);
        return false;
    }
    cfg->nr_devices++;
    return true;
}

static bool parse_serial(VesselConfig *cfg, const char *arg, char **err)
{
    if (cfg->nr_serial >= VESSEL_MAX_SERIAL)
        return set_err(err, "-serial: too many serial ports (at most %d)", VESSEL_MAX_SERIAL);
    cfg->serial[cfg->nr_serial++] = arg;
    return true;
}

static bool parse_display(VesselConfig *cfg, const char *arg, char **err)
{
    if (strcmp(arg, "none") != 0)
        return set_err(err, "-display: '%s' is not supported (only 'none')", arg);
    cfg->display = arg;
    return true;
}

static bool parse_log(VesselConfig *cfg, const char *arg, char **err, bool *exit_now)
{
    if (!strcmp(arg, "help")) {
        log_print_items(stdout);
        *exit_now = true;
        return true;
    }
    int mask;
    const char *bad;
    size_t badlen;
    if (!log_parse_items(arg, &mask, &bad, &badlen))
        return set_err(err, "-d: unknown log item '%.*s' (-d help lists them)", (int)badlen, bad);
    cfg->log_items = arg;
    vessel_log_mask = mask;
    return true;
}

static bool parse_icount(VesselConfig *cfg, const char *arg, char **err)
{
    const char *v = g_str_has_prefix(arg, "shift=") ? arg + 6 : arg;
    uint64_t n;
    if (!parse_uint(v, &n) || n > 10)
        return set_err(err, "-icount: invalid shift '%s' (0-10)", arg);
    cfg->icount_shift = (int)n;
    return true;
}

static bool apply_flag(VesselConfig *cfg, const char *name, const char *arg, char **err,
                       bool *exit_now)
{
    if (!strcmp(name, "m")) return parse_ram(cfg, arg, err);
    if (!strcmp(name, "smp")) return parse_smp(cfg, arg, err);
    if (!strcmp(name, "bios")) { cfg->bios = arg; return true; }
    if (!strcmp(name, "kernel")) { cfg->kernel = arg; return true; }
    if (!strcmp(name, "initrd")) { cfg->initrd = arg; return true; }
    if (!strcmp(name, "append")) { cfg->append = arg; return true; }
    if (!strcmp(name, "serial")) return parse_serial(cfg, arg, err);
    if (!strcmp(name, "debugcon")) { cfg->debugcon = arg; return true; }
    if (!strcmp(name, "accel")) return parse_accel(cfg, arg, err);
    if (!strcmp(name, "enable-kvm")) { cfg->accel = "kvm"; return true; }
    if (!strcmp(name, "device")) return parse_device(cfg, arg, err);
    if (!strcmp(name, "d")) return parse_log(cfg, arg, err, exit_now);
    if (!strcmp(name, "D")) { cfg->log_file = arg; return true; }
    if (!strcmp(name, "gdb")) { cfg->gdb = arg; return true; }
    if (!strcmp(name, "s")) { cfg->gdb = "tcp::1234"; return true; }
    if (!strcmp(name, "S")) { cfg->start_stopped = true; return true; }
    if (!strcmp(name, "display")) return parse_display(cfg, arg, err);
    if (!strcmp(name, "nographic")) { cfg->nographic = true; return true; }
    if (!strcmp(name, "no-reboot")) { cfg->no_reboot = true; return true; }
    if (!strcmp(name, "no-shutdown")) { cfg->no_shutdown = true; return true; }
    if (!strcmp(name, "icount")) return parse_icount(cfg, arg, err);
    if (!strcmp(name, "version")) {
        printf("Vessel emulator version " VESSEL_VERSION "\n");
        *exit_now = true;
        return true;
    }
    /* -h / -help / --help */
    fputs(usage_text, stdout);
    *exit_now = true;
    return true;
}

static void config_defaults(VesselConfig *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->ram_size = 128ull << 20;
    cfg->smp = 1;
    cfg->icount_shift = -1;
}

static bool check_combinations(VesselConfig *cfg, char **err)
{
    if ((cfg->initrd || cfg->append) && !cfg->kernel)
        return set_err(err, "%s requires -kernel", cfg->initrd ? "-initrd" : "-append");
    return true;
}

bool config_parse(VesselConfig *cfg, int argc, char **argv, char **err, bool *exit_now)
{
    config_defaults(cfg);
    *exit_now = false;
    for (int i = 1; i < argc && !*exit_now; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || !a[1])
            return set_err(err, "unexpected argument '%s' (options start with '-'; see --help)", a);
        const char *name = a + 1 + (a[1] == '-');
        const char *arg = NULL;
        if (in_list(flags_with_arg, name)) {
            if (i + 1 >= argc)
                return set_err(err, "option '%s' requires an argument", a);
            arg = argv[++i];
        } else if (!in_list(flags_without_arg, name)) {
            return set_err(err, "unknown option '%s' (see --help)", a);
        }
        if (!apply_flag(cfg, name, arg, err, exit_now))
            return false;
    }
    return *exit_now || check_combinations(cfg, err);
}

void config_free(VesselConfig *cfg)
{
    for (int i = 0; i < cfg->nr_devices; i++) {
        g_free(cfg->devices[i].driver);
        g_free(cfg->devices[i].options);
    }
    cfg->nr_devices = 0;
}
