/*
 * The firmware table loader script ("etc/table-loader") that SeaBIOS and
 * OVMF execute: 128-byte little-endian commands that allocate fw_cfg files
 * in guest memory, patch pointers between them and fix up checksums. The
 * same script is executed here for direct kernel boot.
 */
#ifndef VESSEL_HW_ACPI_LINKER_H
#define VESSEL_HW_ACPI_LINKER_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#define LINKER_ENTRY_SIZE   128
#define LINKER_FILE_NAME    56

enum {
    LINKER_CMD_ALLOCATE = 1,
    LINKER_CMD_ADD_POINTER = 2,
    LINKER_CMD_ADD_CHECKSUM = 3,
};
enum { LINKER_ZONE_HIGH = 1, LINKER_ZONE_FSEG = 2 };

/* Entry layout (offsets inside the 128 bytes). */
enum {
    LINKER_OFF_COMMAND = 0,
    /* ALLOCATE */
    LINKER_OFF_ALLOC_FILE = 4, LINKER_OFF_ALLOC_ALIGN = 60, LINKER_OFF_ALLOC_ZONE = 64,
    /* ADD_POINTER */
    LINKER_OFF_PTR_DEST = 4, LINKER_OFF_PTR_SRC = 60, LINKER_OFF_PTR_OFFSET = 116,
    LINKER_OFF_PTR_SIZE = 120,
    /* ADD_CHECKSUM */
    LINKER_OFF_CK_FILE = 4, LINKER_OFF_CK_OFFSET = 60, LINKER_OFF_CK_START = 64,
    LINKER_OFF_CK_LENGTH = 68,
};

/* Append commands to a script. */
void linker_allocate(GByteArray *script, const char *file, uint32_t align, uint8_t zone);
/* The `size`-byte little-endian value at dest_file + offset holds an offset
 * into src_file; the loader adds src_file's address to it. */
void linker_add_pointer(GByteArray *script, const char *dest_file, uint32_t offset,
                        uint8_t size, const char *src_file);
/* The byte at file + offset becomes the value that makes
 * [start, start + length) sum to zero. */
void linker_add_checksum(GByteArray *script, const char *file, uint32_t start,
                         uint32_t length, uint32_t offset);

/* A file as the executor sees it: host bytes and the guest address it was
 * placed at (chosen by the caller, honouring the ALLOCATE alignment). */
typedef struct LinkerFile {
    const char *name;
    uint8_t *data;
    size_t len;
    uint64_t addr;
} LinkerFile;

/* Run `script` over `files`, patching their data in place. Every command is
 * checked (known file, offsets and sizes inside it, alignment); on the first
 * bad one returns false with a one-line *err (g_free it). */
bool linker_execute(const uint8_t *script, size_t len, LinkerFile *files, int nr_files,
                    char **err);

#endif
