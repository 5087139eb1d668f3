/*
 * Unit tests for direct kernel boot: a synthetic bzImage (boot_params
 * fields, command line, e820, kernel and initrd placement, CPU entry
 * state), Debian's kernel if installed, a synthetic Multiboot ELF and
 * a.out-kludge image (EAX/EBX, info structure, mmap, modules), the e820
 * builder, and hostile images that must fail with one error line.
 */
#include <check.h>
#include <glib.h>
#include <glob.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/machine.h"
#include "hw/x86/kernel-loader.h"
#include "hw/x86/linuxboot.h"
#include "hw/x86/multiboot.h"
#include "softmmu/memory.h"
#include "target-x86/cpu.h"
#include "tests/unit/x86-test-machine.h"
#include "unit-test.h"

#define RAM_SIZE (64u << 20)
#define ACPI_RESERVED 0x3fe0000ull   /* board-reserved tail: 64 MiB - 128 KiB */

static E820Map e820;
static char *tmpdir;

static void machine_up(uint64_t ram_size)
{
    tm_setup_ram(ram_size);
    e820_init_pc(&e820, ram_size, 0);
}

static void setup(void)
{
    machine_up(RAM_SIZE);
    ck_assert(e820_add(&e820, ACPI_RESERVED, RAM_SIZE - ACPI_RESERVED, E820_ACPI));
    tmpdir = g_dir_make_tmp("vessel-linuxboot-XXXXXX", NULL);
    ck_assert_ptr_nonnull(tmpdir);
}

static void remove_tmpdir(void)
{
    GDir *d = g_dir_open(tmpdir, 0, NULL);
    const char *n;
    while (d && (n = g_dir_read_name(d))) {
        char *p = g_build_filename(tmpdir, n, NULL);
        unlink(p);
        g_free(p);
    }
    if (d)
        g_dir_close(d);
    rmdir(tmpdir);
    g_free(tmpdir);
}

static void teardown(void)
{
    tm_teardown();
    remove_tmpdir();
}

static void p16(uint8_t *b, size_t o, uint16_t v) { memcpy(b + o, &v, 2); }
static void p32(uint8_t *b, size_t o, uint32_t v) { memcpy(b + o, &v, 4); }
static void p64(uint8_t *b, size_t o, uint64_t v) { memcpy(b + o, &v, 8); }

static char *write_file(const char *name, const void *data, size_t len)
{
    char *p = g_build_filename(tmpdir, name, NULL);
    ck_assert(g_file_set_contents(p, data, (gssize)len, NULL));
    return p;
}

/* ---- synthetic bzImage ---- */
#define BZ_SETUP_SECTS 2
#define BZ_SETUP_LEN ((BZ_SETUP_SECTS + 1) * 512)
#define BZ_KERNEL_LEN 8192
#define BZ_LEN (BZ_SETUP_LEN + BZ_KERNEL_LEN)

static uint8_t *make_bzimage(void)
{
    uint8_t *b = g_malloc0(BZ_LEN);
    b[LINUX_HDR_SETUP_SECTS] = BZ_SETUP_SECTS;
    p32(b, LINUX_HDR_SYSSIZE, BZ_KERNEL_LEN / 16);
    p16(b, LINUX_HDR_BOOT_FLAG, 0xaa55);
    b[LINUX_HDR_JUMP] = 0xeb;
    b[LINUX_HDR_JUMP + 1] = 0x66;          /* header ends at 0x268 */
    memcpy(b + LINUX_HDR_MAGIC, "HdrS", 4);
    p16(b, LINUX_HDR_VERSION, 0x20f);
    p16(b, LINUX_HDR_KERNEL_VERSION, 0x100);
    strcpy((char *)b + 0x300, "6.1.0-vessel (test@vessel) #1 SMP");
    b[LINUX_HDR_LOADFLAGS] = LINUX_LOADED_HIGH;
    p32(b, LINUX_HDR_CODE32_START, 0x100000);
    p32(b, LINUX_HDR_INITRD_MAX, 0x37ffffff);
    p32(b, LINUX_HDR_KERNEL_ALIGN, 0x200000);
    p16(b, LINUX_HDR_XLOADFLAGS, LINUX_XLF_KERNEL_64);
    p32(b, LINUX_HDR_CMDLINE_SIZE, 2047);
    p64(b, LINUX_HDR_PREF_ADDRESS, 0x1000000);
    p32(b, LINUX_HDR_INIT_SIZE, 0x40000);
    for (size_t i = 0; i < BZ_KERNEL_LEN; i++)
        b[BZ_SETUP_LEN + i] = (uint8_t)(i * 13 + 5);
    return b;
}

static BootImage image_of(const uint8_t *buf, size_t len, const BootModule *mods, int nr)
{
    return (BootImage){ .name = "test-kernel", .kernel = buf, .kernel_len = len,
                        .cmdline = "console=ttyS0 quiet", .modules = mods, .nr_modules = nr,
                        .e820 = &e820, .ram_below_4g = RAM_SIZE, .acpi_rsdp = 0xf5a10 };
}

/* A failing load: false, one line of error text. */
static void expect_fail(bool ok, char **errp, const char *needle)
{
    char *err = *errp;
    *errp = NULL;
    ck_assert_msg(!ok, "load succeeded, expected failure '%s'", needle);
    ck_assert_ptr_nonnull(err);
    ck_assert_msg(strchr(err, '\n') == NULL, "multi-line error: %s", err);
    ck_assert_msg(strstr(err, needle), "error '%s' lacks '%s'", err, needle);
    g_free(err);
}

START_TEST(test_linux_header_probe)
{
    uint8_t *b = make_bzimage();
    char ver[64];
    ck_assert(linux_probe(b, BZ_LEN));
    ck_assert_uint_eq(linux_protocol_version(b, BZ_LEN), 0x20f);
    ck_assert(linux_kernel_version(b, BZ_LEN, ver, sizeof(ver)));
    ck_assert_str_eq(ver, "6.1.0-vessel (test@vessel) #1 SMP");
    ck_assert(!multiboot_probe(b, BZ_LEN));
    ck_assert(!linux_probe(b, 0x205));
    g_free(b);
}
END_TEST

static void check_boot_params(const uint8_t *b, uint64_t initrd, uint32_t initrd_len)
{
    const uint64_t bp = BOOT_PARAMS_ADDR;
    ck_assert_int_eq(memcmp(tm_ram.ram + bp + LINUX_HDR_MAGIC, "HdrS", 4), 0);
    ck_assert_uint_eq(get16(bp + LINUX_HDR_VERSION), 0x20f);
    ck_assert_uint_eq(tm_ram.ram[bp + LINUX_HDR_SETUP_SECTS], BZ_SETUP_SECTS);
    ck_assert_uint_eq(get16(bp + LINUX_HDR_VID_MODE), 0xffff);
    ck_assert_uint_eq(tm_ram.ram[bp + LINUX_HDR_TYPE_OF_LOADER], 0xff);
    ck_assert_uint_eq(tm_ram.ram[bp + LINUX_HDR_LOADFLAGS], LINUX_LOADED_HIGH | LINUX_CAN_USE_HEAP);
    ck_assert_uint_eq(get16(bp + LINUX_HDR_HEAP_END_PTR), 0xfe00 - 0x200);
    ck_assert_uint_eq(get32(bp + LINUX_HDR_CODE32_START), 0x100000);
    ck_assert_uint_eq(get32(bp + LINUX_HDR_CMD_LINE_PTR), BOOT_CMDLINE_ADDR);
    ck_assert_uint_eq(get32(bp + LINUX_HDR_RAMDISK_IMAGE), initrd);
    ck_assert_uint_eq(get32(bp + LINUX_HDR_RAMDISK_SIZE), initrd_len);
    ck_assert_uint_eq(get64(bp + LINUX_BP_ACPI_RSDP), 0xf5a10);
    ck_assert_uint_eq(get32(bp + LINUX_BP_EXT_RAMDISK_IMG), 0);
    /* nothing past the copied header (0x268) */
    ck_assert_uint_eq(tm_ram.ram[bp + 0x270], 0);
    ck_assert_str_eq((const char *)tm_ram.ram + BOOT_CMDLINE_ADDR, "console=ttyS0 quiet");
    (void)b;
}

static void check_e820(void)
{
    const uint64_t t = BOOT_PARAMS_ADDR + LINUX_BP_E820_TABLE;
    static const uint64_t want[][3] = {
        { 0, 0x9fc00, E820_RAM }, { 0x9fc00, 0x400, E820_RESERVED },
        { 0xf0000, 0x10000, E820_RESERVED }, { 0x100000, ACPI_RESERVED - 0x100000, E820_RAM },
        { ACPI_RESERVED, RAM_SIZE - ACPI_RESERVED, E820_ACPI },
    };
    ck_assert_uint_eq(tm_ram.ram[BOOT_PARAMS_ADDR + LINUX_BP_E820_ENTRIES], 5);
    for (int i = 0; i < 5; i++) {
        ck_assert_uint_eq(get64(t + i * 20), want[i][0]);
        ck_assert_uint_eq(get64(t + i * 20 + 8), want[i][1]);
        ck_assert_uint_eq(get32(t + i * 20 + 16), want[i][2]);
    }
}

static void check_entry_state(const BootEntry *e, uint32_t eip)
{
    boot_entry_apply(cpu, e);
    ck_assert_uint_eq(cpu->rip, eip);
    ck_assert_uint_eq(cpu->seg[R_CS].selector, BOOT_CS);
    ck_assert_uint_eq(cpu->seg[R_CS].base, 0);
    ck_assert_uint_eq(cpu->seg[R_CS].limit, 0xffffffff);
    for (int s = R_ES; s <= R_GS; s++) {
        if (s != R_CS)
            ck_assert_uint_eq(cpu->seg[s].selector, BOOT_DS);
    }
    ck_assert(cpu->cr0 & CR0_PE);
    ck_assert(!(cpu->cr0 & CR0_PG));
    ck_assert(!(x86_get_rflags(cpu) & IF_MASK));
    ck_assert(cpu->code32 && !cpu->code64 && cpu->stack32 && cpu->cpl == 0);
    ck_assert_uint_eq(cpu->gdtr.base, BOOT_GDT_ADDR);
    /* The GDT in guest RAM holds what the caches say: reload DS from it. */
    ck_assert_uint_eq(get64(BOOT_GDT_ADDR + BOOT_CS), 0x00cf9b000000ffffull);
    ck_assert_uint_eq(get64(BOOT_GDT_ADDR + BOOT_DS), 0x00cf93000000ffffull);
    if (setjmp(cpu->jmp_env) == 0)
        x86_load_seg(cpu, R_DS, BOOT_DS);
    else
        ck_abort_msg("reloading DS from the boot GDT faulted");
    ck_assert_uint_eq(cpu->seg[R_DS].limit, 0xffffffff);
}

START_TEST(test_linux_synthetic)
{
    uint8_t *b = make_bzimage();
    uint8_t initrd[10000];
    for (size_t i = 0; i < sizeof(initrd); i++)
        initrd[i] = (uint8_t)(i ^ 0x5a);
    char *kpath = write_file("bzImage", b, BZ_LEN), *ipath = write_file("initrd", initrd, sizeof(initrd));
    DirectBootConfig dc = { kpath, ipath, "console=ttyS0 quiet", &e820, RAM_SIZE, 0xf5a10 };
    BootEntry e;
    char *err = NULL;
    ck_assert_msg(pc_direct_boot(&tm_machine.system_as, &dc, &e, &err), "%s", err);
    /* initrd as high as possible below the ACPI range, page aligned */
    uint64_t want_initrd = (ACPI_RESERVED - sizeof(initrd)) & ~0xfffull;
    check_boot_params(b, want_initrd, sizeof(initrd));
    check_e820();
    ck_assert_int_eq(memcmp(tm_ram.ram + want_initrd, initrd, sizeof(initrd)), 0);
    ck_assert_int_eq(memcmp(tm_ram.ram + 0x100000, b + BZ_SETUP_LEN, BZ_KERNEL_LEN), 0);
    ck_assert_uint_eq(e.esi, BOOT_PARAMS_ADDR);
    check_entry_state(&e, 0x100000);
    ck_assert_uint_eq(cpu->regs[R_ESI], BOOT_PARAMS_ADDR);
    ck_assert_uint_eq(cpu->regs[R_EBX] | cpu->regs[R_EBP] | cpu->regs[R_EDI], 0);
    g_free(kpath);
    g_free(ipath);
    g_free(b);
}
END_TEST

START_TEST(test_linux_relocatable_pref_address)
{
    uint8_t *b = make_bzimage();
    b[LINUX_HDR_RELOCATABLE] = 1;
    BootImage img = image_of(b, BZ_LEN, NULL, 0);
    BootEntry e;
    char *err = NULL;
    ck_assert_msg(linux_load(&tm_machine.system_as, &img, &e, &err), "%s", err);
    ck_assert_uint_eq(e.eip, 0x1000000);
    ck_assert_uint_eq(get32(BOOT_PARAMS_ADDR + LINUX_HDR_CODE32_START), 0x1000000);
    ck_assert_uint_eq(get32(BOOT_PARAMS_ADDR + LINUX_HDR_RAMDISK_IMAGE), 0);
    ck_assert_int_eq(memcmp(tm_ram.ram + 0x1000000, b + BZ_SETUP_LEN, BZ_KERNEL_LEN), 0);
    /* a preferred address beyond RAM falls back to 1 MiB */
    p64(b, LINUX_HDR_PREF_ADDRESS, 0x80000000);
    ck_assert_msg(linux_load(&tm_machine.system_as, &img, &e, &err), "%s", err);
    ck_assert_uint_eq(e.eip, 0x100000);
    g_free(b);
}
END_TEST

/* $VESSEL_TEST_KERNEL, else the newest-sorting /boot/vmlinuz-*; NULL if none. */
static char *find_debian_kernel(void)
{
    const char *env = getenv("VESSEL_TEST_KERNEL");
    if (env && *env)
        return g_strdup(env);
    glob_t g;
    if (glob("/boot/vmlinuz-*", 0, NULL, &g) != 0)
        return NULL;
    char *p = g_strdup(g.gl_pathv[g.gl_pathc - 1]);
    globfree(&g);
    return p;
}

static void check_debian_header(const uint8_t *data, size_t len)
{
    char ver[256];
    ck_assert(linux_probe(data, len));
    ck_assert_uint_ge(linux_protocol_version(data, len), 0x206);
    ck_assert(linux_kernel_version(data, len, ver, sizeof(ver)));
    ck_assert_msg(strchr(ver, '.') != NULL, "version '%s'", ver);
    printf("linuxboot: Debian kernel %s, boot protocol %#x\n", ver, linux_protocol_version(data, len));
}

START_TEST(test_linux_debian_kernel)
{
    char *path = find_debian_kernel();
    if (!path) {
        printf("linuxboot: no /boot/vmlinuz-* installed, skipping the Debian kernel case\n");
        return;
    }
    uint8_t *data;
    size_t len;
    char *err = NULL;
    ck_assert_msg(boot_read_file("-kernel", path, 1ull << 30, &data, &len, &err), "%s", err);
    check_debian_header(data, len);
    /* a fresh 512 MiB machine */
    teardown();
    machine_up(512u << 20);
    tmpdir = g_dir_make_tmp("vessel-linuxboot-XXXXXX", NULL);
    uint8_t rd[4096] = { 0x37 };
    BootModule m = { rd, sizeof(rd), "initrd" };
    BootImage img = { .name = path, .kernel = data, .kernel_len = len, .cmdline = "console=ttyS0",
                      .modules = &m, .nr_modules = 1, .e820 = &e820, .ram_below_4g = 512u << 20 };
    BootEntry e;
    ck_assert_msg(linux_load(&tm_machine.system_as, &img, &e, &err), "%s", err);
    ck_assert_uint_ge(e.eip, 0x100000);
    ck_assert_uint_eq(tm_ram.ram[BOOT_PARAMS_ADDR + LINUX_HDR_TYPE_OF_LOADER], 0xff);
    uint64_t initrd = get32(BOOT_PARAMS_ADDR + LINUX_HDR_RAMDISK_IMAGE);
    uint32_t init_size = get32(BOOT_PARAMS_ADDR + LINUX_HDR_INIT_SIZE);
    ck_assert_uint_ge(initrd, e.eip + init_size);
    ck_assert_uint_eq(initrd & 0xfff, 0);
    ck_assert_uint_eq(tm_ram.ram[initrd], 0x37);
    g_free(data);
    g_free(path);
}
END_TEST

START_TEST(test_linux_too_small_ram)
{
    uint8_t *b = make_bzimage();
    p32(b, LINUX_HDR_INIT_SIZE, 0x8000000);   /* 128 MiB of RAM needed */
    BootImage img = image_of(b, BZ_LEN, NULL, 0);
    BootEntry e;
    char *err = NULL;
    expect_fail(linux_load(&tm_machine.system_as, &img, &e, &err), &err, "not enough guest RAM");
    g_free(b);
}
END_TEST

/* ---- synthetic Multiboot ---- */
#define MB_FILE_LEN 0x1400
#define MB_PADDR 0x200000u
#define MB_VADDR 0xc0200000u

static void put_mb_header(uint8_t *b, size_t off, uint32_t flags)
{
    p32(b, off, MULTIBOOT_HEADER_MAGIC);
    p32(b, off + 4, flags);
    p32(b, off + 8, -(MULTIBOOT_HEADER_MAGIC + flags));
}

/* ELF32 with one PT_LOAD: file 0x1000..0x1100 -> paddr 0x200000, memsz 0x2000. */
static uint8_t *make_mb_elf(void)
{
    uint8_t *b = g_malloc0(MB_FILE_LEN);
    memcpy(b, "\x7f" "ELF", 4);
    b[4] = 1; b[5] = 1; b[6] = 1;
    p16(b, 16, 2);           /* ET_EXEC */
    p16(b, 18, 3);           /* EM_386 */
    p32(b, 20, 1);
    p32(b, 24, MB_VADDR + 0x10);
    p32(b, 28, 52);          /* phoff */
    p16(b, 40, 52);
    p16(b, 42, 32);          /* phentsize */
    p16(b, 44, 1);           /* phnum */
    uint8_t *ph = b + 52;
    p32(ph, 0, 1);
    p32(ph, 4, 0x1000);
    p32(ph, 8, MB_VADDR);
    p32(ph, 12, MB_PADDR);
    p32(ph, 16, 0x100);
    p32(ph, 20, 0x2000);
    put_mb_header(b, 0x1000, MULTIBOOT_PAGE_ALIGN | MULTIBOOT_MEMORY_INFO);
    for (int i = 0x10; i < 0x100; i++)
        b[0x1000 + i] = (uint8_t)(0x90 + i);
    return b;
}

static void check_mb_info(const char *kpath)
{
    const uint64_t i = BOOT_MBINFO_ADDR;
    ck_assert_uint_eq(get32(i + MBI_FLAGS), MBI_FLAG_MEM | MBI_FLAG_CMDLINE | MBI_FLAG_MODS |
                                           MBI_FLAG_MMAP | MBI_FLAG_LOADER);
    ck_assert_uint_eq(get32(i + MBI_MEM_LOWER), 0x9fc00 >> 10);
    ck_assert_uint_eq(get32(i + MBI_MEM_UPPER), (ACPI_RESERVED - 0x100000) >> 10);
    char *want = g_strdup_printf("%s console=ttyS0", kpath);
    ck_assert_str_eq((const char *)tm_ram.ram + get32(i + MBI_CMDLINE), want);
    g_free(want);
    ck_assert_str_eq((const char *)tm_ram.ram + get32(i + MBI_LOADER_NAME), "vessel");
    uint32_t mm = get32(i + MBI_MMAP_ADDR);
    ck_assert_uint_eq(get32(i + MBI_MMAP_LENGTH), 5 * MB_MMAP_SIZE);
    ck_assert_uint_eq(get32(mm), 20);
    ck_assert_uint_eq(get64(mm + 4), 0);
    ck_assert_uint_eq(get64(mm + 12), 0x9fc00);
    ck_assert_uint_eq(get32(mm + 20), E820_RAM);
    ck_assert_uint_eq(get64(mm + 3 * MB_MMAP_SIZE + 4), 0x100000);
    ck_assert_uint_eq(get32(mm + 4 * MB_MMAP_SIZE + 20), E820_ACPI);
}

static void check_mb_modules(const char *m1path, const uint8_t *m1, size_t l1, const uint8_t *m2,
                             size_t l2)
{
    const uint64_t i = BOOT_MBINFO_ADDR;
    ck_assert_uint_eq(get32(i + MBI_MODS_COUNT), 2);
    uint32_t ml = get32(i + MBI_MODS_ADDR);
    uint32_t s1 = get32(ml), e1 = get32(ml + 4), s2 = get32(ml + 16), e2 = get32(ml + 20);
    ck_assert_uint_eq(s1 & 0xfff, 0);
    ck_assert_uint_eq(s2 & 0xfff, 0);
    ck_assert_uint_ge(s1, MB_PADDR + 0x2000);
    ck_assert_uint_eq(e1 - s1, l1);
    ck_assert_uint_ge(s2, e1);
    ck_assert_uint_eq(e2 - s2, l2);
    ck_assert_int_eq(memcmp(tm_ram.ram + s1, m1, l1), 0);
    ck_assert_int_eq(memcmp(tm_ram.ram + s2, m2, l2), 0);
    char *want = g_strdup_printf("%s arg=1 x", m1path);
    ck_assert_str_eq((const char *)tm_ram.ram + get32(ml + 8), want);
    g_free(want);
    ck_assert(g_str_has_suffix((const char *)tm_ram.ram + get32(ml + 24), "mod2"));
}

START_TEST(test_multiboot_elf)
{
    uint8_t *b = make_mb_elf();
    uint8_t m1[5000], m2[3];
    memset(m1, 0x11, sizeof(m1));
    memcpy(m2, "abc", 3);
    memset(tm_ram.ram + MB_PADDR, 0xaa, 0x3000);   /* bss must be cleared */
    char *kpath = write_file("mbkernel", b, MB_FILE_LEN);
    char *p1 = write_file("mod1", m1, sizeof(m1)), *p2 = write_file("mod2", m2, sizeof(m2));
    char *mods = g_strdup_printf("%s arg=1 x,%s", p1, p2);
    DirectBootConfig dc = { kpath, mods, "console=ttyS0", &e820, RAM_SIZE, 0 };
    BootEntry e;
    char *err = NULL;
    ck_assert(multiboot_probe(b, MB_FILE_LEN));
    ck_assert(!linux_probe(b, MB_FILE_LEN));
    ck_assert_msg(pc_direct_boot(&tm_machine.system_as, &dc, &e, &err), "%s", err);
    ck_assert_int_eq(memcmp(tm_ram.ram + MB_PADDR, b + 0x1000, 0x100), 0);
    for (int k = 0x100; k < 0x2000; k++)
        ck_assert_uint_eq(tm_ram.ram[MB_PADDR + k], 0);
    check_mb_info(kpath);
    check_mb_modules(p1, m1, sizeof(m1), m2, sizeof(m2));
    check_entry_state(&e, MB_PADDR + 0x10);
    ck_assert_uint_eq(cpu->regs[R_EAX], MULTIBOOT_BOOTLOADER_MAGIC);
    ck_assert_uint_eq(cpu->regs[R_EBX], BOOT_MBINFO_ADDR);
    g_free(mods); g_free(kpath); g_free(p1); g_free(p2); g_free(b);
}
END_TEST

/* Raw image with the a.out kludge: loaded at 1 MiB + header offset rules. */
static uint8_t *make_mb_aout(size_t *len)
{
    *len = 0x800;
    uint8_t *b = g_malloc0(*len);
    put_mb_header(b, 0x40, MULTIBOOT_AOUT_KLUDGE | MULTIBOOT_PAGE_ALIGN);
    p32(b, 0x4c, 0x100040);   /* header_addr */
    p32(b, 0x50, 0x100000);   /* load_addr */
    p32(b, 0x54, 0x100600);   /* load_end_addr */
    p32(b, 0x58, 0x103000);   /* bss_end_addr */
    p32(b, 0x5c, 0x100080);   /* entry_addr */
    for (int i = 0x80; i < 0x800; i++)
        b[i] = (uint8_t)i;
    return b;
}

START_TEST(test_multiboot_aout)
{
    size_t len;
    uint8_t *b = make_mb_aout(&len);
    memset(tm_ram.ram + 0x100000, 0xcc, 0x4000);
    BootImage img = image_of(b, len, NULL, 0);
    BootEntry e;
    char *err = NULL;
    ck_assert_msg(multiboot_load(&tm_machine.system_as, &img, &e, &err), "%s", err);
    ck_assert_uint_eq(e.eip, 0x100080);
    ck_assert_uint_eq(e.eax, MULTIBOOT_BOOTLOADER_MAGIC);
    ck_assert_int_eq(memcmp(tm_ram.ram + 0x100000, b, 0x600), 0);
    ck_assert_uint_eq(tm_ram.ram[0x100600], 0);
    ck_assert_uint_eq(tm_ram.ram[0x102fff], 0);
    ck_assert_uint_eq(tm_ram.ram[0x103000], 0xcc);
    ck_assert_uint_eq(get32(BOOT_MBINFO_ADDR + MBI_MODS_COUNT), 0);
    ck_assert_str_eq((const char *)tm_ram.ram + get32(BOOT_MBINFO_ADDR + MBI_CMDLINE),
                     "test-kernel console=ttyS0 quiet");
    g_free(b);
}
END_TEST

START_TEST(test_e820_builder)
{
    E820Map m;
    e820_init_pc(&m, 0xc0000000, 0x40000000);
    ck_assert_int_eq(m.nr, 5);
    ck_assert_uint_eq(m.e[4].addr, 0x100000000ull);
    ck_assert(e820_add(&m, 0xfee00000, 0x1000, E820_RESERVED));  /* outside RAM */
    ck_assert(e820_add(&m, 0x200000, 0x1000, E820_NVS));         /* splits RAM */
    ck_assert_int_eq(m.nr, 8);
    ck_assert_uint_eq(m.e[3].addr, 0x100000);
    ck_assert_uint_eq(m.e[3].size, 0x100000);
    ck_assert_uint_eq(m.e[4].type, E820_NVS);
    ck_assert_uint_eq(m.e[5].addr, 0x201000);
    ck_assert(!e820_is_ram(&m, 0x1ff000, 0x2000));
    ck_assert(e820_is_ram(&m, 0x100000, 0x100000));
    ck_assert(!e820_add(&m, ~0ull - 5, 100, E820_RESERVED));
    uint64_t a;
    ck_assert(e820_find_top(&m, 0x100000, 0x300000, 0x1800, 0x1000, &a));
    ck_assert_uint_eq(a, 0x2fe000);
    ck_assert(!e820_find_top(&m, 0x1ff800, 0x201000, 0x1000, 0x1000, &a));
}
END_TEST

/* ---- hostile images ---- */
static bool try_linux(const uint8_t *b, size_t len, char **err)
{
    BootImage img = image_of(b, len, NULL, 0);
    BootEntry e;
    return linux_load(&tm_machine.system_as, &img, &e, err);
}

static bool try_mb(const uint8_t *b, size_t len, char **err)
{
    BootImage img = image_of(b, len, NULL, 0);
    BootEntry e;
    return multiboot_load(&tm_machine.system_as, &img, &e, err);
}

static bool try_file(const void *data, size_t len, char **err)
{
    char *p = write_file("hostile", data, len);
    DirectBootConfig dc = { p, NULL, NULL, &e820, RAM_SIZE, 0 };
    BootEntry e;
    bool ok = pc_direct_boot(&tm_machine.system_as, &dc, &e, err);
    g_free(p);
    return ok;
}

START_TEST(test_hostile_linux)
{
    uint8_t *b = make_bzimage();
    char *err = NULL;
    expect_fail(try_linux(b, 0x210, &err), &err, "truncated setup header");
    p16(b, LINUX_HDR_VERSION, 0x204);
    expect_fail(try_linux(b, BZ_LEN, &err), &err, "2.04 is too old");
    p16(b, LINUX_HDR_VERSION, 0x20f);
    b[LINUX_HDR_SETUP_SECTS] = 255;
    expect_fail(try_linux(b, BZ_LEN, &err), &err, "past the end of the file");
    b[LINUX_HDR_SETUP_SECTS] = BZ_SETUP_SECTS;
    p32(b, LINUX_HDR_SYSSIZE, 0xffffffff);
    expect_fail(try_linux(b, BZ_LEN, &err), &err, "truncated: syssize");
    p32(b, LINUX_HDR_SYSSIZE, BZ_KERNEL_LEN / 16);
    b[LINUX_HDR_LOADFLAGS] = 0;
    expect_fail(try_linux(b, BZ_LEN, &err), &err, "zImage");
    b[LINUX_HDR_LOADFLAGS] = LINUX_LOADED_HIGH;
    p32(b, LINUX_HDR_CMDLINE_SIZE, 4);
    expect_fail(try_linux(b, BZ_LEN, &err), &err, "too long");
    p32(b, LINUX_HDR_CMDLINE_SIZE, 2047);
    p32(b, LINUX_HDR_INITRD_MAX, 0);   /* initrd can go nowhere */
    uint8_t rd[16] = { 0 };
    BootModule m = { rd, sizeof(rd), "rd" };
    BootImage img = image_of(b, BZ_LEN, &m, 1);
    BootEntry e;
    expect_fail(linux_load(&tm_machine.system_as, &img, &e, &err), &err, "initrd");
    g_free(b);
}
END_TEST

START_TEST(test_hostile_multiboot)
{
    uint8_t *b = make_mb_elf();
    char *err = NULL;
    p32(b + 52, 4, 0x100000);                       /* p_offset past the file */
    expect_fail(try_mb(b, MB_FILE_LEN, &err), &err, "outside the file");
    p32(b + 52, 4, 0x1000);
    p32(b + 52, 16, 0xffffffff);                    /* filesz past the file */
    expect_fail(try_mb(b, MB_FILE_LEN, &err), &err, "outside the file");
    p32(b + 52, 16, 0x100);
    p32(b, 28, 0xfffffff0);                         /* phoff */
    expect_fail(try_mb(b, MB_FILE_LEN, &err), &err, "program headers");
    p32(b, 28, 52);
    p16(b, 44, 0xffff);                             /* phnum */
    expect_fail(try_mb(b, MB_FILE_LEN, &err), &err, "program headers");
    p16(b, 44, 1);
    p32(b + 52, 12, 0xf0000000);                    /* paddr outside RAM */
    expect_fail(try_mb(b, MB_FILE_LEN, &err), &err, "outside guest RAM");
    p32(b + 52, 12, 0x10000);                       /* over the info area */
    expect_fail(try_mb(b, MB_FILE_LEN, &err), &err, "outside guest RAM");
    p32(b + 52, 12, MB_PADDR);
    p32(b + 52, 20, 0xffffffff);                    /* memsz wraps */
    expect_fail(try_mb(b, MB_FILE_LEN, &err), &err, "outside guest RAM");
    p32(b + 52, 20, 0x2000);
    p32(b, 24, 0x12345678);                         /* entry outside */
    expect_fail(try_mb(b, MB_FILE_LEN, &err), &err, "entry point");
    p32(b, 24, MB_VADDR + 0x10);
    put_mb_header(b, 0x1000, 0x8);                  /* unknown required flag */
    expect_fail(try_mb(b, MB_FILE_LEN, &err), &err, "unsupported");
    put_mb_header(b, 0x1000, MULTIBOOT_PAGE_ALIGN);
    p32(b + 52, 4, 0xffffffff);                     /* bss-only: offset unused */
    p32(b + 52, 16, 0);
    ck_assert_msg(try_mb(b, MB_FILE_LEN, &err), "%s", err);
    g_free(b);
    size_t len;
    b = make_mb_aout(&len);
    p32(b, 0x54, 0x200000);                         /* load_end past the file */
    expect_fail(try_mb(b, len, &err), &err, "load_end_addr");
    p32(b, 0x54, 0x100600);
    p32(b, 0x4c, 0x200000);                         /* header_addr inconsistent */
    expect_fail(try_mb(b, len, &err), &err, "header_addr");
    p32(b, 0x4c, 0x100040);
    p32(b, 0x58, 0x100100);                         /* bss below load_end */
    expect_fail(try_mb(b, len, &err), &err, "bss_end_addr");
    expect_fail(try_mb(b, 0x4c, &err), &err, "address fields");
    expect_fail(try_mb(b, 0x40, &err), &err, "no valid header");
    g_free(b);
}
END_TEST

START_TEST(test_hostile_files)
{
    char *err = NULL;
    expect_fail(try_file("", 0, &err), &err, "is neither a Linux bzImage nor a Multiboot kernel");
    uint8_t rnd[4096];
    GRand *r = g_rand_new_with_seed(42);
    for (size_t i = 0; i < sizeof(rnd); i++)
        rnd[i] = (uint8_t)g_rand_int(r);
    g_rand_free(r);
    expect_fail(try_file(rnd, sizeof(rnd), &err), &err, "is neither");
    DirectBootConfig dc = { "/nonexistent/vmlinuz", NULL, NULL, &e820, RAM_SIZE, 0 };
    BootEntry e;
    expect_fail(pc_direct_boot(&tm_machine.system_as, &dc, &e, &err), &err, "cannot read");
    dc.kernel = tmpdir;
    expect_fail(pc_direct_boot(&tm_machine.system_as, &dc, &e, &err), &err, "not a regular file");
    uint8_t *data;
    size_t len;
    char *p = write_file("big", rnd, sizeof(rnd));
    expect_fail(boot_read_file("-kernel", p, 100, &data, &len, &err), &err, "does not fit");
    uint8_t *b = make_bzimage();
    char *kp = write_file("bz", b, BZ_LEN);
    g_free(p);
    uint8_t *big = g_malloc0(65536);
    p = write_file("bigrd", big, 65536);
    g_free(big);
    dc = (DirectBootConfig){ kp, p, NULL, &e820, 20000, 0 };
    expect_fail(pc_direct_boot(&tm_machine.system_as, &dc, &e, &err), &err, "-initrd");
    g_free(kp); g_free(p); g_free(b);
}
END_TEST

/* Random mutations of valid images: any result, but no crash (run under ASan). */
static void fuzz_one(const uint8_t *orig, size_t len, GRand *r, bool mb)
{
    uint8_t *b = g_memdup2(orig, len);
    int n = g_rand_int_range(r, 1, 8);
    for (int k = 0; k < n; k++)
        b[g_rand_int_range(r, 0, (gint32)len)] = (uint8_t)g_rand_int(r);
    size_t cut = g_rand_boolean(r) ? len : (size_t)g_rand_int_range(r, 0, (gint32)len + 1);
    char *err = NULL;
    bool ok = mb ? try_mb(b, cut, &err) : try_linux(b, cut, &err);
    if (!ok) {
        ck_assert_ptr_nonnull(err);
        ck_assert(strchr(err, '\n') == NULL);
    }
    g_free(err);
    g_free(b);
}

START_TEST(test_fuzz_headers)
{
    GRand *r = g_rand_new_with_seed(7);
    uint8_t *bz = make_bzimage(), *mb = make_mb_elf();
    size_t alen;
    uint8_t *ao = make_mb_aout(&alen);
    for (int i = 0; i < 3000; i++) {
        fuzz_one(bz, BZ_LEN, r, false);
        fuzz_one(mb, MB_FILE_LEN, r, true);
        fuzz_one(ao, alen, r, true);
    }
    g_free(bz); g_free(mb); g_free(ao);
    g_rand_free(r);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("linuxboot");
    TCase *tc = unit_tcase(s, "core", setup, teardown, UNIT_TESTS(
        test_linux_header_probe, test_linux_synthetic, test_linux_relocatable_pref_address,
        test_linux_debian_kernel, test_linux_too_small_ram, test_multiboot_elf, test_multiboot_aout,
        test_e820_builder, test_hostile_linux, test_hostile_multiboot, test_hostile_files,
        test_fuzz_headers));
    tcase_set_timeout(tc, 120);
    return unit_run_suite(s);
}
