/*
 * Multiboot v1 direct boot: find and check the header of an untrusted
 * image, load it by ELF program headers or the a.out-kludge address
 * fields, place the modules, and build the info structure.
 */
#include "hw/x86/multiboot.h"

#include <glib.h>
#include <string.h>

#define MB_MIN_ADDR BOOT_MBINFO_END   /* below: boot GDT and info area */
#define MB_1M       0x100000ull
#define MB_4G       0x100000000ull
#define MB_MAX_SEGS 64

typedef struct MbHeader {
    size_t offset;             /* of the magic in the file */
    uint32_t flags;
    uint32_t header_addr, load_addr, load_end, bss_end, entry;
} MbHeader;

/* One piece to copy into guest RAM: file bytes, then zeros up to memsz. */
typedef struct MbSegment {
    uint64_t paddr, offset, filesz, memsz;
} MbSegment;

typedef struct MbKernel {
    MbSegment seg[MB_MAX_SEGS];
    int nr;
    uint64_t entry;
    uint64_t end;              /* highest byte loaded + 1 */
} MbKernel;

/* Host-side image of the info area, with a bump allocator. */
typedef struct MbInfo {
    uint8_t buf[BOOT_MBINFO_END - BOOT_MBINFO_ADDR];
    size_t used;
} MbInfo;

static uint32_t rd16(const uint8_t *p) { return p[0] | (uint32_t)p[1] << 8; }
static uint32_t rd32(const uint8_t *p) { return rd16(p) | rd16(p + 2) << 16; }
static uint64_t rd64(const uint8_t *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }
static void wr32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static void wr64(uint8_t *p, uint64_t v) { wr32(p, (uint32_t)v); wr32(p + 4, (uint32_t)(v >> 32)); }

static bool mb_find_header(const uint8_t *buf, size_t len, MbHeader *h)
{
    size_t limit = len < MULTIBOOT_SEARCH ? len : MULTIBOOT_SEARCH;
    for (size_t off = 0; off + 12 <= limit; off += 4) {
        uint32_t magic = rd32(buf + off), flags = rd32(buf + off + 4);
        if (magic != MULTIBOOT_HEADER_MAGIC || (uint32_t)(magic + flags + rd32(buf + off + 8)) != 0)
            continue;
        memset(h, 0, sizeof(*h));
        h->offset = off;
        h->flags = flags;
        if ((flags & MULTIBOOT_AOUT_KLUDGE) && off + 32 <= len) {
            h->header_addr = rd32(buf + off + 12);
            h->load_addr = rd32(buf + off + 16);
            h->load_end = rd32(buf + off + 20);
            h->bss_end = rd32(buf + off + 24);
            h->entry = rd32(buf + off + 28);
        }
        return true;
    }
    return false;
}

bool multiboot_probe(const uint8_t *buf, size_t len)
{
    MbHeader h;
    return mb_find_header(buf, len, &h);
}

/* A segment's target range must be RAM in [1 MiB, 4 GiB). */
static bool mb_check_target(const BootImage *img, uint64_t addr, uint64_t size, char **err)
{
    if (addr >= MB_MIN_ADDR && addr < MB_4G && size <= MB_4G - addr &&
        e820_is_ram(img->e820, addr, size))
        return true;
    *err = g_strdup_printf("kernel '%s': Multiboot segment at 0x%" G_GINT64_MODIFIER "x (%" G_GUINT64_FORMAT
                           " bytes) is outside guest RAM (or below 0x20000)", img->name, addr, size);
    return false;
}

static bool mb_add_segment(const BootImage *img, MbKernel *k, const MbSegment *s, char **err)
{
    if (k->nr >= MB_MAX_SEGS) {
        *err = g_strdup_printf("kernel '%s': too many loadable segments", img->name);
        return false;
    }
    if (!mb_check_target(img, s->paddr, s->memsz, err))
        return false;
    k->seg[k->nr++] = *s;
    if (s->paddr + s->memsz > k->end)
        k->end = s->paddr + s->memsz;
    return true;
}

static bool mb_bad(const BootImage *img, const char *why, char **err)
{
    *err = g_strdup_printf("kernel '%s': bad Multiboot header: %s", img->name, why);
    return false;
}

/* Flag 16: the header's address fields say where the file goes. */
static bool mb_parse_aout(const BootImage *img, const MbHeader *h, MbKernel *k, char **err)
{
    if (h->offset + 32 > img->kernel_len)
        return mb_bad(img, "address fields past the end of the file", err);
    if (h->header_addr < h->load_addr || h->header_addr - h->load_addr > h->offset)
        return mb_bad(img, "header_addr/load_addr do not match the header's file offset", err);
    uint64_t file_off = h->offset - (h->header_addr - h->load_addr);
    uint64_t avail = img->kernel_len - file_off, size = avail;
    if (h->load_end) {
        if (h->load_end < h->load_addr || h->load_end - h->load_addr > avail)
            return mb_bad(img, "load_end_addr is outside the file", err);
        size = h->load_end - h->load_addr;
    }
    uint64_t memsz = size;
    if (h->bss_end) {
        if (h->bss_end < h->load_addr + size)
            return mb_bad(img, "bss_end_addr is below load_end_addr", err);
        memsz = h->bss_end - h->load_addr;
    }
    MbSegment s = { h->load_addr, file_off, size, memsz };
    k->entry = h->entry;
    return mb_add_segment(img, k, &s, err);
}

/* The fields of one ELF32 or ELF64 program header. */
static void mb_read_phdr(const uint8_t *p, bool is64, uint32_t *type, MbSegment *s, uint64_t *vaddr)
{
    *type = rd32(p);
    if (is64) {
        *s = (MbSegment){ rd64(p + 24), rd64(p + 8), rd64(p + 32), rd64(p + 40) };
        *vaddr = rd64(p + 16);
    } else {
        *s = (MbSegment){ rd32(p + 12), rd32(p + 4), rd32(p + 16), rd32(p + 20) };
        *vaddr = rd32(p + 8);
    }
}

static bool mb_elf_segment(const BootImage *img, const uint8_t *ph, bool is64, MbKernel *k,
                           uint64_t *entry, char **err)
{
    uint32_t type;
    uint64_t vaddr;
    MbSegment s;
    mb_read_phdr(ph, is64, &type, &s, &vaddr);
    if (type != 1 || s.memsz == 0)
        return true;
    if (s.filesz > s.memsz ||
        (s.filesz && (s.offset > img->kernel_len || s.filesz > img->kernel_len - s.offset))) {
        *err = g_strdup_printf("kernel '%s': ELF program header points outside the file", img->name);
        return false;
    }
    /* A virtual entry point inside this segment becomes physical. */
    if (*entry >= vaddr && *entry - vaddr < s.memsz && vaddr != s.paddr)
        *entry = s.paddr + (*entry - vaddr);
    return mb_add_segment(img, k, &s, err);
}

static bool mb_parse_elf(const BootImage *img, MbKernel *k, char **err)
{
    const uint8_t *b = img->kernel;
    size_t len = img->kernel_len;
    if (len < 52 || memcmp(b, "\x7f" "ELF", 4) != 0)
        return mb_bad(img, "not an ELF file and no address fields (flag 16)", err);
    bool is64 = b[4] == 2;
    unsigned machine = rd16(b + 18);
    if ((b[4] != 1 && b[4] != 2) || b[5] != 1 || (is64 && len < 64) ||
        machine != (is64 ? 62u : 3u))
        return mb_bad(img, "ELF file is not little-endian i386 or x86-64", err);
    uint64_t entry = is64 ? rd64(b + 24) : rd32(b + 24);
    uint64_t phoff = is64 ? rd64(b + 32) : rd32(b + 28);
    unsigned phentsize = rd16(b + (is64 ? 54 : 42)), phnum = rd16(b + (is64 ? 56 : 44));
    if (phnum == 0 || phentsize < (is64 ? 56u : 32u) || phoff > len ||
        (uint64_t)phnum * phentsize > len - phoff)
        return mb_bad(img, "ELF program headers are outside the file", err);
    for (unsigned i = 0; i < phnum; i++) {
        if (!mb_elf_segment(img, b + phoff + (uint64_t)i * phentsize, is64, k, &entry, err))
            return false;
    }
    if (k->nr == 0)
        return mb_bad(img, "ELF file has no loadable segment", err);
    k->entry = entry;
    return true;
}

static bool mb_check_entry(const BootImage *img, const MbKernel *k, char **err)
{
    for (int i = 0; i < k->nr; i++) {
        if (k->entry >= k->seg[i].paddr && k->entry - k->seg[i].paddr < k->seg[i].memsz)
            return true;
    }
    *err = g_strdup_printf("kernel '%s': Multiboot entry point 0x%" G_GINT64_MODIFIER
                           "x is not inside the loaded image", img->name, k->entry);
    return false;
}

static bool mb_write_kernel(AddressSpace *as, const BootImage *img, const MbKernel *k, char **err)
{
    for (int i = 0; i < k->nr; i++) {
        const MbSegment *s = &k->seg[i];
        if (!boot_write(as, s->paddr, img->kernel + s->offset, s->filesz, "kernel", err) ||
            !boot_zero(as, s->paddr + s->filesz, s->memsz - s->filesz, "kernel bss", err))
            return false;
    }
    return true;
}

/* Reserve `size` bytes (aligned) in the info area; its guest address or 0. */
static uint32_t mb_alloc(MbInfo *mi, size_t size, size_t align)
{
    size_t at = (mi->used + align - 1) & ~(align - 1);
    if (at > sizeof(mi->buf) || size > sizeof(mi->buf) - at)
        return 0;
    mi->used = at + size;
    return BOOT_MBINFO_ADDR + (uint32_t)at;
}

static uint8_t *mb_ptr(MbInfo *mi, uint32_t addr)
{
    return mi->buf + (addr - BOOT_MBINFO_ADDR);
}

static uint32_t mb_string(MbInfo *mi, const char *s)
{
    size_t n = strlen(s) + 1;
    uint32_t a = mb_alloc(mi, n, 1);
    if (a)
        memcpy(mb_ptr(mi, a), s, n);
    return a;
}

/* mem_lower: KiB of RAM at 0 (max 640); mem_upper: KiB of RAM from 1 MiB. */
static void mb_mem_sizes(const E820Map *map, uint32_t *lower, uint32_t *upper)
{
    *lower = *upper = 0;
    for (int i = 0; i < map->nr; i++) {
        const E820Entry *e = &map->e[i];
        if (e->type != E820_RAM)
            continue;
        if (e->addr == 0)
            *lower = (uint32_t)((e->size > 0xa0000 ? 0xa0000 : e->size) >> 10);
        if (e->addr == MB_1M)
            *upper = (uint32_t)((e->size >> 10) > 0xffffffffu ? 0xffffffffu : e->size >> 10);
    }
}

static bool mb_fill_mmap(MbInfo *mi, const E820Map *map, uint8_t *info)
{
    uint32_t a = mb_alloc(mi, (size_t)map->nr * MB_MMAP_SIZE, 4);
    if (!a && map->nr)
        return false;
    for (int i = 0; i < map->nr; i++) {
        uint8_t *e = mb_ptr(mi, a) + i * MB_MMAP_SIZE;
        wr32(e, MB_MMAP_SIZE - 4);
        wr64(e + 4, map->e[i].addr);
        wr64(e + 12, map->e[i].size);
        wr32(e + 20, map->e[i].type);
    }
    wr32(info + MBI_MMAP_LENGTH, (uint32_t)map->nr * MB_MMAP_SIZE);
    wr32(info + MBI_MMAP_ADDR, a);
    return true;
}

/* Place the modules page-aligned after the kernel and list them. */
static bool mb_load_modules(AddressSpace *as, const BootImage *img, MbInfo *mi, uint64_t start,
                            uint8_t *info, char **err)
{
    uint32_t list = mb_alloc(mi, (size_t)img->nr_modules * MB_MOD_SIZE, 4);
    uint64_t at = (start + 0xfff) & ~0xfffull;
    for (int i = 0; i < img->nr_modules; i++) {
        const BootModule *m = &img->modules[i];
        uint32_t str = mb_string(mi, m->cmdline ? m->cmdline : "");
        if (!list || !str) {
            *err = g_strdup("Multiboot: module command lines too long for the info area");
            return false;
        }
        if (at >= MB_4G || m->len > MB_4G - at || !e820_is_ram(img->e820, at, m->len)) {
            *err = g_strdup_printf("Multiboot module '%s' (%zu bytes) does not fit in guest RAM below 4 GiB",
                                   m->cmdline ? m->cmdline : "", m->len);
            return false;
        }
        if (!boot_write(as, at, m->data, m->len, "Multiboot module", err))
            return false;
        uint8_t *e = mb_ptr(mi, list) + i * MB_MOD_SIZE;
        wr32(e, (uint32_t)at);
        wr32(e + 4, (uint32_t)(at + m->len));
        wr32(e + 8, str);
        at = (at + m->len + 0xfff) & ~0xfffull;
    }
    wr32(info + MBI_MODS_COUNT, (uint32_t)img->nr_modules);
    wr32(info + MBI_MODS_ADDR, img->nr_modules ? list : 0);
    return true;
}

static bool mb_build_info(AddressSpace *as, const BootImage *img, const MbKernel *k, MbInfo *mi,
                          char **err)
{
    uint32_t ia = mb_alloc(mi, MBI_SIZE, 4);
    uint8_t *info = mb_ptr(mi, ia);
    uint32_t lower, upper;
    mb_mem_sizes(img->e820, &lower, &upper);
    wr32(info + MBI_MEM_LOWER, lower);
    wr32(info + MBI_MEM_UPPER, upper);
    char *cmd = img->cmdline && *img->cmdline ? g_strdup_printf("%s %s", img->name, img->cmdline)
                                              : g_strdup(img->name);
    uint32_t cmd_addr = mb_string(mi, cmd), name_addr = mb_string(mi, "vessel");
    g_free(cmd);
    if (!cmd_addr || !name_addr || !mb_fill_mmap(mi, img->e820, info)) {
        *err = g_strdup("-append: command line too long for the Multiboot info area");
        return false;
    }
    wr32(info + MBI_CMDLINE, cmd_addr);
    wr32(info + MBI_LOADER_NAME, name_addr);
    wr32(info + MBI_FLAGS, MBI_FLAG_MEM | MBI_FLAG_CMDLINE | MBI_FLAG_MODS | MBI_FLAG_MMAP |
                           MBI_FLAG_LOADER);
    return mb_load_modules(as, img, mi, k->end, info, err);
}

static bool mb_parse(const BootImage *img, MbKernel *k, char **err)
{
    MbHeader h;
    if (!mb_find_header(img->kernel, img->kernel_len, &h))
        return mb_bad(img, "no valid header in the first 8192 bytes", err);
    if (h.flags & 0xfff8u) {
        *err = g_strdup_printf("kernel '%s': Multiboot header requires unsupported features (flags 0x%x)",
                               img->name, h.flags);
        return false;
    }
    memset(k, 0, sizeof(*k));
    bool ok = (h.flags & MULTIBOOT_AOUT_KLUDGE) ? mb_parse_aout(img, &h, k, err)
                                                : mb_parse_elf(img, k, err);
    return ok && mb_check_entry(img, k, err);
}

bool multiboot_load(AddressSpace *as, const BootImage *img, BootEntry *entry, char **err)
{
    if (img->nr_modules > BOOT_MAX_MODULES) {
        *err = g_strdup_printf("Multiboot: at most %d modules", BOOT_MAX_MODULES);
        return false;
    }
    MbKernel *k = g_new(MbKernel, 1);
    MbInfo *mi = g_new0(MbInfo, 1);
    bool ok = mb_parse(img, k, err) && mb_write_kernel(as, img, k, err) &&
              mb_build_info(as, img, k, mi, err) &&
              boot_write(as, BOOT_MBINFO_ADDR, mi->buf, mi->used, "Multiboot info", err) &&
              boot_gdt_write(as, err);
    if (ok)
        *entry = (BootEntry){ .eip = (uint32_t)k->entry, .eax = MULTIBOOT_BOOTLOADER_MAGIC,
                              .ebx = BOOT_MBINFO_ADDR };
    g_free(k);
    g_free(mi);
    return ok;
}
