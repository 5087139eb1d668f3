/*
 * fw_cfg device model: a table of items (standard keys, x86 arch-local keys,
 * named files) read a byte at a time through port 0x511 or in bulk through
 * the DMA interface at 0x514.
 *
 * Behaviour on guest mistakes (all defined, none fatal):
 * - an unknown selector selects nothing: data reads return 0, DMA reads
 *   zero-fill the guest buffer;
 * - data reads past the end of an item return 0 and do not advance;
 * - a DMA read longer than what remains of the item copies what is there
 *   and zero-fills the rest of the guest buffer (as QEMU does);
 * - a DMA access whose guest buffer is not (entirely) RAM stops at the first
 *   unassigned byte and sets the error bit; at most `length` bytes of the
 *   guest are touched, in fixed-size chunks, so no host allocation grows
 *   with guest-supplied values;
 * - DMA writes are allowed to writable files only and never past their
 *   end (error bit otherwise); data-port writes are ignored (as in QEMU
 *   since 2.4).
 * The DMA address register is 8 bytes big endian; a write that covers its
 * last byte (the low half at 0x518) starts the transfer.
 */
#include "hw/misc/fw_cfg.h"

#include <glib.h>
#include <string.h>

#include "core/log.h"

typedef struct FWCfgEntry {
    uint8_t *data;
    uint32_t len;
    bool writable;
    FWCfgWriteCb write_cb;
    void *opaque;
} FWCfgEntry;

typedef struct FWCfgFile {
    char name[FW_CFG_MAX_FILE_NAME];
    FWCfgEntry entry;
} FWCfgFile;

struct FWCfgState {
    FWCfgEntry std[FW_CFG_FILE_FIRST];
    FWCfgEntry arch[FW_CFG_ARCH_KEYS];
    FWCfgFile files[FW_CFG_MAX_FILES];   /* sorted by name */
    unsigned nr_files;
    uint16_t cur_key;
    uint32_t cur_offset;
    uint8_t dma_reg[8];                 /* big-endian DMA address */
    AddressSpace *dma_as;
    MemoryRegion io, dma;
    MemoryRegion *io_parent;
};

enum { FW_CFG_ID_TRADITIONAL = 1, FW_CFG_ID_DMA = 2 };
static const char dma_signature[8] = "QEMU CFG";

/* ---- items ---- */

static void entry_set(FWCfgEntry *e, void *data, uint32_t len)
{
    g_free(e->data);
    memset(e, 0, sizeof(*e));
    e->data = data;
    e->len = len;
}

static FWCfgEntry *entry_for_key(FWCfgState *s, uint16_t key)
{
    uint16_t idx = key & FW_CFG_ENTRY_MASK;
    if (key & FW_CFG_ARCH_LOCAL)
        return idx < FW_CFG_ARCH_KEYS ? &s->arch[idx] : NULL;
    if (idx < FW_CFG_FILE_FIRST)
        return &s->std[idx];
    idx -= FW_CFG_FILE_FIRST;
    return idx < s->nr_files ? &s->files[idx].entry : NULL;
}

static FWCfgEntry *current_entry(FWCfgState *s)
{
    FWCfgEntry *e = entry_for_key(s, s->cur_key);
    return e && e->data ? e : NULL;
}

bool fw_cfg_add_bytes(FWCfgState *s, uint16_t key, void *data, size_t len)
{
    bool arch = key & FW_CFG_ARCH_LOCAL;
    uint16_t idx = key & FW_CFG_ENTRY_MASK;
    bool ok_key = (key & FW_CFG_WRITE_CHANNEL) == 0 &&
                  (arch ? idx < FW_CFG_ARCH_KEYS : idx < FW_CFG_FILE_FIRST);
    if (!ok_key || len > UINT32_MAX || key == FW_CFG_FILE_DIR) {
        g_free(data);
        return false;
    }
    entry_set(arch ? &s->arch[idx] : &s->std[idx], data, (uint32_t)len);
    return true;
}

bool fw_cfg_add_i16(FWCfgState *s, uint16_t key, uint16_t value)
{
    uint16_t *p = g_new(uint16_t, 1);
    *p = GUINT16_TO_LE(value);
    return fw_cfg_add_bytes(s, key, p, sizeof(*p));
}

bool fw_cfg_add_i32(FWCfgState *s, uint16_t key, uint32_t value)
{
    uint32_t *p = g_new(uint32_t, 1);
    *p = GUINT32_TO_LE(value);
    return fw_cfg_add_bytes(s, key, p, sizeof(*p));
}

bool fw_cfg_add_i64(FWCfgState *s, uint16_t key, uint64_t value)
{
    uint64_t *p = g_new(uint64_t, 1);
    *p = GUINT64_TO_LE(value);
    return fw_cfg_add_bytes(s, key, p, sizeof(*p));
}

bool fw_cfg_add_string(FWCfgState *s, uint16_t key, const char *value)
{
    return fw_cfg_add_bytes(s, key, g_strdup(value), strlen(value) + 1);
}

/* ---- the file directory ---- */

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = v >> 24;
    p[1] = v >> 16;
    p[2] = v >> 8;
    p[3] = v;
}

static void rebuild_directory(FWCfgState *s)
{
    enum { ENTRY_SIZE = 8 + FW_CFG_MAX_FILE_NAME };
    uint32_t len = 4 + s->nr_files * ENTRY_SIZE;
    uint8_t *dir = g_malloc0(len);
    put_be32(dir, s->nr_files);
    for (unsigned i = 0; i < s->nr_files; i++) {
        uint8_t *e = dir + 4 + i * ENTRY_SIZE;
        uint16_t select = FW_CFG_FILE_FIRST + i;
        put_be32(e, s->files[i].entry.len);
        e[4] = select >> 8;
        e[5] = select & 0xff;
        memcpy(e + 8, s->files[i].name, FW_CFG_MAX_FILE_NAME);
    }
    entry_set(&s->std[FW_CFG_FILE_DIR], dir, len);
}

static int find_file(const FWCfgState *s, const char *name)
{
    for (unsigned i = 0; i < s->nr_files; i++)
        if (!strcmp(s->files[i].name, name))
            return (int)i;
    return -1;
}

int fw_cfg_add_file_writable(FWCfgState *s, const char *name, void *data, size_t len,
                             FWCfgWriteCb cb, void *opaque)
{
    if (strlen(name) >= FW_CFG_MAX_FILE_NAME || len > UINT32_MAX ||
        s->nr_files >= FW_CFG_MAX_FILES || find_file(s, name) >= 0) {
        g_free(data);
        return -1;
    }
    unsigned pos = 0;
    while (pos < s->nr_files && strcmp(s->files[pos].name, name) < 0)
        pos++;
    memmove(&s->files[pos + 1], &s->files[pos], (s->nr_files - pos) * sizeof(FWCfgFile));
    FWCfgFile *f = &s->files[pos];
    memset(f, 0, sizeof(*f));
    strcpy(f->name, name);
    f->entry.data = data;
    f->entry.len = (uint32_t)len;
    f->entry.writable = true;
    f->entry.write_cb = cb;
    f->entry.opaque = opaque;
    s->nr_files++;
    rebuild_directory(s);
    return FW_CFG_FILE_FIRST + (int)pos;
}

int fw_cfg_add_file(FWCfgState *s, const char *name, void *data, size_t len)
{
    int sel = fw_cfg_add_file_writable(s, name, data, len, NULL, NULL);
    if (sel >= 0)
        s->files[sel - FW_CFG_FILE_FIRST].entry.writable = false;
    return sel;
}

int fw_cfg_file_select(const FWCfgState *s, const char *name)
{
    int i = find_file(s, name);
    return i < 0 ? -1 : FW_CFG_FILE_FIRST + i;
}

const void *fw_cfg_file_data(const FWCfgState *s, const char *name, size_t *len)
{
    int i = find_file(s, name);
    if (i < 0)
        return NULL;
    if (len)
        *len = s->files[i].entry.len;
    return s->files[i].entry.data;
}

/* ---- selector and data port ---- */

static void fw_cfg_select(FWCfgState *s, uint16_t key)
{
    s->cur_key = key;
    s->cur_offset = 0;
}

static uint8_t fw_cfg_read_byte(FWCfgState *s)
{
    FWCfgEntry *e = current_entry(s);
    if (!e || s->cur_offset >= e->len)
        return 0;
    return e->data[s->cur_offset++];
}

/* Offset 0 (0x510): 16-bit selector writes. Offset 1 (0x511): data. Reads
 * at either offset return the next data byte (as QEMU's combined port). */
static uint64_t fw_cfg_io_read(void *opaque, uint64_t addr, unsigned size)
{
    return fw_cfg_read_byte(opaque);
}

static void fw_cfg_io_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    FWCfgState *s = opaque;
    if (addr == 0 && size == 2)
        fw_cfg_select(s, (uint16_t)val);
    else
        log_mask(LOG_GUEST_ERROR, "fw_cfg: ignored %u-byte write at offset %u\n", size,
                 (unsigned)addr);
}

const MemoryRegionOps fw_cfg_io_ops = {
    .read = fw_cfg_io_read,
    .write = fw_cfg_io_write,
    .valid = { .min_access_size = 1, .max_access_size = 2 },
    .impl = { .min_access_size = 1, .max_access_size = 2 },
};

/* ---- DMA ---- */

typedef struct DmaRequest {
    uint32_t control;
    uint32_t length;
    uint64_t address;
} DmaRequest;

static bool dma_zero_fill(FWCfgState *s, uint64_t addr, uint32_t len)
{
    static const uint8_t zeros[4096];
    while (len) {
        uint32_t n = MIN(len, (uint32_t)sizeof(zeros));
        if (address_space_write(s->dma_as, addr, zeros, n) != MEMTX_OK)
            return false;
        addr += n;
        len -= n;
    }
    return true;
}

/* One step of a read: copy the rest of the item or zero-fill. Returns the
 * bytes consumed, 0 on error. */
static uint32_t dma_read_step(FWCfgState *s, FWCfgEntry *e, DmaRequest *r)
{
    if (!e || s->cur_offset >= e->len)
        return dma_zero_fill(s, r->address, r->length) ? r->length : 0;
    uint32_t n = MIN(r->length, e->len - s->cur_offset);
    if (address_space_write(s->dma_as, r->address, e->data + s->cur_offset, n) != MEMTX_OK)
        return 0;
    return n;
}

static bool dma_write(FWCfgState *s, FWCfgEntry *e, DmaRequest *r)
{
    if (!e || !e->writable || s->cur_offset > e->len || r->length > e->len - s->cur_offset)
        return false;
    uint32_t off = s->cur_offset;
    if (address_space_read(s->dma_as, r->address, e->data + off, r->length) != MEMTX_OK)
        return false;
    s->cur_offset += r->length;
    if (e->write_cb)
        e->write_cb(e->opaque, off, r->length);
    return true;
}

static void dma_skip(FWCfgState *s, FWCfgEntry *e, DmaRequest *r)
{
    uint32_t room = e && s->cur_offset < e->len ? e->len - s->cur_offset : 0;
    s->cur_offset += MIN(r->length, room);
}

/* Runs the transfer; returns false when the error bit must be set. */
static bool dma_transfer(FWCfgState *s, DmaRequest *r)
{
    if (r->control & FW_CFG_DMA_CTL_SELECT)
        fw_cfg_select(s, (uint16_t)(r->control >> 16));
    FWCfgEntry *e = current_entry(s);
    if (r->control & FW_CFG_DMA_CTL_READ) {
        while (r->length) {
            uint32_t n = dma_read_step(s, e, r);
            if (!n)
                return false;
            s->cur_offset = (e && s->cur_offset < e->len) ? s->cur_offset + n : s->cur_offset;
            r->address += n;
            r->length -= n;
        }
        return true;
    }
    if (r->control & FW_CFG_DMA_CTL_WRITE)
        return r->length == 0 || dma_write(s, e, r);
    if (r->control & FW_CFG_DMA_CTL_SKIP)
        dma_skip(s, e, r);
    return true;
}

static void fw_cfg_dma_run(FWCfgState *s, uint64_t desc_addr)
{
    uint8_t raw[16];
    if (!s->dma_as)
        return;
    if (address_space_read(s->dma_as, desc_addr, raw, sizeof(raw)) != MEMTX_OK) {
        log_mask(LOG_GUEST_ERROR, "fw_cfg: DMA descriptor at 0x%llx is not in RAM\n",
                 (unsigned long long)desc_addr);
        return;
    }
    DmaRequest r;
    memcpy(&r.control, raw, 4);
    memcpy(&r.length, raw + 4, 4);
    memcpy(&r.address, raw + 8, 8);
    r.control = GUINT32_FROM_BE(r.control);
    r.length = GUINT32_FROM_BE(r.length);
    r.address = GUINT64_FROM_BE(r.address);
    bool ok = dma_transfer(s, &r);
    if (!ok)
        log_mask(LOG_GUEST_ERROR, "fw_cfg: DMA error (key 0x%x, address 0x%llx)\n", s->cur_key,
                 (unsigned long long)r.address);
    uint32_t result = GUINT32_TO_BE(ok ? 0 : FW_CFG_DMA_CTL_ERROR);
    address_space_write(s->dma_as, desc_addr, &result, 4);
}

static uint64_t fw_cfg_dma_read(void *opaque, uint64_t addr, unsigned size)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < size && addr + i < 8; i++)
        v |= (uint64_t)(uint8_t)dma_signature[addr + i] << (8 * i);
    return v;
}

static void fw_cfg_dma_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    FWCfgState *s = opaque;
    for (unsigned i = 0; i < size && addr + i < 8; i++)
        s->dma_reg[addr + i] = (uint8_t)(val >> (8 * i));
    if (addr + size < 8)
        return;
    uint64_t desc = 0;
    for (int i = 0; i < 8; i++)
        desc = (desc << 8) | s->dma_reg[i];
    memset(s->dma_reg, 0, sizeof(s->dma_reg));
    fw_cfg_dma_run(s, desc);
}

const MemoryRegionOps fw_cfg_dma_ops = {
    .read = fw_cfg_dma_read,
    .write = fw_cfg_dma_write,
    .valid = { .min_access_size = 1, .max_access_size = 8 },
    .impl = { .min_access_size = 1, .max_access_size = 8 },
};

/* ---- lifecycle ---- */

FWCfgState *fw_cfg_new(AddressSpace *dma_as)
{
    FWCfgState *s = g_new0(FWCfgState, 1);
    s->dma_as = dma_as;
    fw_cfg_add_bytes(s, FW_CFG_SIGNATURE, g_memdup2("QEMU", 4), 4);
    fw_cfg_add_i32(s, FW_CFG_ID, FW_CFG_ID_TRADITIONAL | (dma_as ? FW_CFG_ID_DMA : 0));
    rebuild_directory(s);
    return s;
}

void fw_cfg_map(FWCfgState *s, MemoryRegion *io_root)
{
    memory_region_init_io(&s->io, "fw_cfg", &fw_cfg_io_ops, s, 2);
    memory_region_init_io(&s->dma, "fw_cfg-dma", &fw_cfg_dma_ops, s, 8);
    memory_region_add_subregion(io_root, FW_CFG_IO_BASE, &s->io);
    if (s->dma_as)
        memory_region_add_subregion(io_root, FW_CFG_DMA_IO_BASE, &s->dma);
    s->io_parent = io_root;
}

void fw_cfg_reset(void *opaque)
{
    FWCfgState *s = opaque;
    fw_cfg_select(s, FW_CFG_SIGNATURE);
    memset(s->dma_reg, 0, sizeof(s->dma_reg));
}

void fw_cfg_free(FWCfgState *s)
{
    if (!s)
        return;
    if (s->io_parent) {
        memory_region_del_subregion(s->io_parent, &s->io);
        if (s->dma_as)
            memory_region_del_subregion(s->io_parent, &s->dma);
    }
    for (unsigned i = 0; i < FW_CFG_FILE_FIRST; i++)
        g_free(s->std[i].data);
    for (unsigned i = 0; i < FW_CFG_ARCH_KEYS; i++)
        g_free(s->arch[i].data);
    for (unsigned i = 0; i < s->nr_files; i++)
        g_free(s->files[i].entry.data);
    g_free(s);
}
