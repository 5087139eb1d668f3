/*
 * Logging: `-d ITEM,...` selects what is logged and `-D FILE` where.
 */
#ifndef VESSEL_CORE_LOG_H
#define VESSEL_CORE_LOG_H

#include <stdbool.h>
#include <stdio.h>

enum {
    LOG_UNIMP = 1 << 0,     /* unassigned accesses, unimplemented device features */
    LOG_GUEST_ERROR = 1 << 1,
    LOG_INT = 1 << 2,       /* interrupts and exceptions */
    LOG_CPU = 1 << 3,       /* CPU state before each block/instruction */
    LOG_IN_ASM = 1 << 4,    /* guest code as it is translated */
    LOG_EXEC = 1 << 5,
    LOG_PCALL = 1 << 6,     /* protected-mode far calls/returns/task switches */
    LOG_RESET = 1 << 7,
    LOG_IOPORT = 1 << 8,
    LOG_BIOS = 1 << 9,      /* firmware debug output (port 0x402) */
    LOG_MMU = 1 << 10,
    LOG_OUT_ASM = 1 << 11,
    LOG_OP = 1 << 12,
};

extern int vessel_log_mask;

/* Parse "a,b,c"; returns false and sets *bad to the first unknown item. */
bool log_parse_items(const char *items, int *mask, const char **bad, size_t *badlen);
/* Print the list of items for `-d help`. */
void log_print_items(FILE *out);
/* Open the log file (-D); NULL means stderr. Returns false on error. */
bool log_set_file(const char *path);
static inline bool log_enabled(int mask) { return (vessel_log_mask & mask) != 0; }
void log_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define log_mask(mask, ...) do { if (log_enabled(mask)) log_printf(__VA_ARGS__); } while (0)
void log_flush(void);

#endif
