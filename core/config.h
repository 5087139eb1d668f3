/*
 * The parsed command line: everything `vessel` was asked to do.
 */
#ifndef VESSEL_CORE_CONFIG_H
#define VESSEL_CORE_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#define VESSEL_MAX_CPUS 8
#define VESSEL_MAX_DEVICES 16
#define VESSEL_MAX_SERIAL 4

typedef struct DeviceSpec {
    char *driver;      /* e.g. "isa-debug-exit" */
    char *options;     /* the rest after the first comma, or NULL */
} DeviceSpec;

typedef struct VesselConfig {
    uint64_t ram_size;          /* -m, bytes (default 128 MiB) */
    int smp;                    /* -smp N */
    const char *bios;           /* -bios FILE (NULL: the default firmware) */
    const char *kernel;         /* -kernel */
    const char *initrd;         /* -initrd */
    const char *append;         /* -append */
    const char *serial[VESSEL_MAX_SERIAL]; /* -serial specs, COM1.. */
    int nr_serial;
    const char *debugcon;       /* -debugcon SPEC (port 0xe9) */
    bool nographic;
    const char *display;        /* -display */
    const char *accel;          /* -accel interp|tcg|kvm */
    const char *accel_props;    /* -accel NAME,PROPS: what follows the first comma, or NULL */
    DeviceSpec devices[VESSEL_MAX_DEVICES];
    int nr_devices;
    bool no_reboot;
    bool no_shutdown;
    const char *log_items;      /* -d */
    const char *log_file;       /* -D */
    const char *gdb;            /* -gdb DEV, or "tcp::1234" for -s */
    bool start_stopped;         /* -S */
    int icount_shift;           /* -icount N (-1: off) */
} VesselConfig;

/*
 * Parse argv into cfg. On a bad command line returns false with a one-line
 * message in *err (g_free it). Sets *exit_now for --version / --help after
 * printing them (status 0).
 */
bool config_parse(VesselConfig *cfg, int argc, char **argv, char **err, bool *exit_now);
void config_free(VesselConfig *cfg);
/* "128", "128M", "1G", "512k": bytes; MiB when no suffix. False if bad. */
bool parse_size_mb(const char *s, uint64_t *bytes);
/* Decimal or 0x-prefixed number for device properties. */
bool parse_uint(const char *s, uint64_t *out);

#endif
