/*
 * Table loader script: building the commands and executing them (for
 * direct kernel boot and for checking the script in tests).
 */
#include "hw/acpi/linker.h"

#include <string.h>

static uint8_t *new_entry(GByteArray *script, uint32_t command)
{
    guint at = script->len;
    g_byte_array_set_size(script, at + LINKER_ENTRY_SIZE);
    uint8_t *e = script->data + at;
    memset(e, 0, LINKER_ENTRY_SIZE);
    for (int i = 0; i < 4; i++)
        e[LINKER_OFF_COMMAND + i] = (uint8_t)(command >> (8 * i));
    return e;
}

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_le32(const uint8_t *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_name(uint8_t *p, const char *name)
{
    g_strlcpy((char *)p, name, LINKER_FILE_NAME);
}

void linker_allocate(GByteArray *script, const char *file, uint32_t align, uint8_t zone)
{
    uint8_t *e = new_entry(script, LINKER_CMD_ALLOCATE);
    put_name(e + LINKER_OFF_ALLOC_FILE, file);
    put_le32(e + LINKER_OFF_ALLOC_ALIGN, align);
    e[LINKER_OFF_ALLOC_ZONE] = zone;
}

void linker_add_pointer(GByteArray *script, const char *dest_file, uint32_t offset,
                        uint8_t size, const char *src_file)
{
    uint8_t *e = new_entry(script, LINKER_CMD_ADD_POINTER);
    put_name(e + LINKER_OFF_PTR_DEST, dest_file);
    put_name(e + LINKER_OFF_PTR_SRC, src_file);
    put_le32(e + LINKER_OFF_PTR_OFFSET, offset);
    e[LINKER_OFF_PTR_SIZE] = size;
}

void linker_add_checksum(GByteArray *script, const char *file, uint32_t start,
                         uint32_t length, uint32_t offset)
{
    uint8_t *e = new_entry(script, LINKER_CMD_ADD_CHECKSUM);
    put_name(e + LINKER_OFF_CK_FILE, file);
    put_le32(e + LINKER_OFF_CK_OFFSET, offset);
    put_le32(e + LINKER_OFF_CK_START, start);
    put_le32(e + LINKER_OFF_CK_LENGTH, length);
}

/* ---- executor ---- */

static LinkerFile *find(LinkerFile *files, int n, const uint8_t *name_field)
{
    char name[LINKER_FILE_NAME + 1];
    memcpy(name, name_field, LINKER_FILE_NAME);
    name[LINKER_FILE_NAME] = 0;
    for (int i = 0; i < n; i++)
        if (!strcmp(files[i].name, name))
            return &files[i];
    return NULL;
}

static bool in_file(const LinkerFile *f, uint64_t off, uint64_t len)
{
    return off <= f->len && len <= f->len - off;
}

static bool exec_allocate(const uint8_t *e, LinkerFile *files, int n, char **err)
{
    LinkerFile *f = find(files, n, e + LINKER_OFF_ALLOC_FILE);
    uint32_t align = get_le32(e + LINKER_OFF_ALLOC_ALIGN);
    if (!f || (align & (align - 1)) || (align && f->addr % align)) {
        *err = g_strdup("table-loader: bad ALLOCATE (unknown file or misaligned)");
        return false;
    }
    return true;
}

static bool exec_add_pointer(const uint8_t *e, LinkerFile *files, int n, char **err)
{
    LinkerFile *dst = find(files, n, e + LINKER_OFF_PTR_DEST);
    LinkerFile *src = find(files, n, e + LINKER_OFF_PTR_SRC);
    uint32_t off = get_le32(e + LINKER_OFF_PTR_OFFSET);
    uint8_t size = e[LINKER_OFF_PTR_SIZE];
    if (!dst || !src || (size != 1 && size != 2 && size != 4 && size != 8) ||
        !in_file(dst, off, size)) {
        *err = g_strdup("table-loader: bad ADD_POINTER");
        return false;
    }
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)dst->data[off + i] << (8 * i);
    if (v >= src->len) {
        *err = g_strdup("table-loader: ADD_POINTER target outside its file");
        return false;
    }
    v += src->addr;
    for (unsigned i = 0; i < size; i++)
        dst->data[off + i] = (uint8_t)(v >> (8 * i));
    return true;
}

static bool exec_add_checksum(const uint8_t *e, LinkerFile *files, int n, char **err)
{
    LinkerFile *f = find(files, n, e + LINKER_OFF_CK_FILE);
    uint32_t off = get_le32(e + LINKER_OFF_CK_OFFSET);
    uint32_t start = get_le32(e + LINKER_OFF_CK_START);
    uint32_t length = get_le32(e + LINKER_OFF_CK_LENGTH);
    if (!f || !in_file(f, off, 1) || !in_file(f, start, length)) {
        *err = g_strdup("table-loader: bad ADD_CHECKSUM");
        return false;
    }
    uint8_t sum = 0;
    for (uint32_t i = 0; i < length; i++)
        sum += f->data[start + i];
    f->data[off] -= sum;
    return true;
}

bool linker_execute(const uint8_t *script, size_t len, LinkerFile *files, int nr_files,
                    char **err)
{
    if (len % LINKER_ENTRY_SIZE) {
        *err = g_strdup("table-loader: script length is not a multiple of 128");
        return false;
    }
    for (size_t at = 0; at < len; at += LINKER_ENTRY_SIZE) {
        const uint8_t *e = script + at;
        bool ok = true;
        switch (get_le32(e + LINKER_OFF_COMMAND)) {
        case LINKER_CMD_ALLOCATE:
            ok = exec_allocate(e, files, nr_files, err);
            break;
        case LINKER_CMD_ADD_POINTER:
            ok = exec_add_pointer(e, files, nr_files, err);
            break;
        case LINKER_CMD_ADD_CHECKSUM:
            ok = exec_add_checksum(e, files, nr_files, err);
            break;
        default:
            break;   /* unknown commands are skipped, as SeaBIOS does */
        }
        if (!ok)
            return false;
    }
    return true;
}
