/*
 * Unit tests for the PC board's memory map: low RAM, the legacy window, the
 * BIOS below 4 GiB and its alias ending at 0xFFFFF, the PCI hole and RAM
 * above 4 GiB, and the firmware size rule; its wiring: ISA IRQs through the
 * 8259 to the CPU, the per-CPU local APIC page, the CMOS memory sizes, PAM
 * shadow RAM and the fw_cfg e820 table.
 */
#include <check.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hw/misc/fw_cfg.h"
#include "hw/timer/rtc.h"
#include "hw/x86/pc.h"
#include "hw/x86/pc-internal.h"
#include "target-x86/cpu.h"
#include "unit-test.h"

static char *write_bios(uint64_t size)
{
    char *path = g_strdup("/tmp/vessel-test-pc-XXXXXX");
    int fd = g_mkstemp(path);
    ck_assert_int_ge(fd, 0);
    uint8_t *img = g_malloc(size);
    for (uint64_t i = 0; i < size; i++)
        img[i] = (uint8_t)(i * 7 + (i >> 12));
    ck_assert(write(fd, img, size) == (ssize_t)size);
    close(fd);
    g_free(img);
    return path;
}

static uint8_t expected_bios_byte(uint64_t off)
{
    return (uint8_t)(off * 7 + (off >> 12));
}

static Machine *make_pc(VesselConfig *cfg, uint64_t ram, uint64_t bios_size, char **path)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->ram_size = ram;
    cfg->smp = 1;
    cfg->icount_shift = -1;
    cfg->serial[0] = "null";
    cfg->nr_serial = 1;
    *path = write_bios(bios_size);
    cfg->bios = *path;
    char *err = NULL;
    Machine *m = pc_machine_new(cfg, &err);
    ck_assert_msg(m, "pc_machine_new: %s", err ? err : "?");
    return m;
}

static uint8_t rd8(Machine *m, uint64_t addr)
{
    MemTxResult r;
    return (uint8_t)address_space_ld(&m->system_as, addr, 1, &r);
}

START_TEST(test_low_layout_64k_bios)
{
    VesselConfig cfg;
    char *path;
    Machine *m = make_pc(&cfg, 128ull << 20, 64 << 10, &path);
    /* RAM below 640K and above 1M is writable. */
    ck_assert_int_eq(address_space_st(&m->system_as, 0x9fffc, 0x11223344, 4), MEMTX_OK);
    ck_assert_uint_eq(address_space_ld(&m->system_as, 0x9fffc, 4, NULL), 0x11223344);
    address_space_st(&m->system_as, 0x100000, 0xab, 1);
    ck_assert_uint_eq(rd8(m, 0x100000), 0xab);
    /* No VGA: the window reads all ones and drops writes. */
    address_space_st(&m->system_as, 0xa0000, 0x12, 1);
    ck_assert_uint_eq(rd8(m, 0xa0000), 0xff);
    ck_assert_uint_eq(rd8(m, 0xbffff), 0xff);
    /* The whole 64K image at 4G-64K and aliased to end at 0xFFFFF. */
    for (uint64_t off = 0; off < (64 << 10); off += 0x1001) {
        ck_assert_uint_eq(rd8(m, 0x100000000ull - (64 << 10) + off), expected_bios_byte(off));
        ck_assert_uint_eq(rd8(m, 0xf0000 + off), expected_bios_byte(off));
    }
    ck_assert_uint_eq(rd8(m, 0xffff0), expected_bios_byte(0xfff0));
    /* ROM: writes are dropped. */
    address_space_st(&m->system_as, 0xffff0, (uint8_t)~expected_bios_byte(0xfff0), 1);
    ck_assert_uint_eq(rd8(m, 0xffff0), expected_bios_byte(0xfff0));
    /* Below the alias (0xE0000-0xEFFFF) is RAM for a 64K image. */
    address_space_st(&m->system_as, 0xe0000, 0x5a, 1);
    ck_assert_uint_eq(rd8(m, 0xe0000), 0x5a);
    /* The PCI hole is unassigned. */
    ck_assert_uint_eq(address_space_ld(&m->system_as, 0xd0000000, 4, NULL), 0xffffffff);
    pc_machine_free(m);
    unlink(path);
    g_free(path);
}
END_TEST

START_TEST(test_256k_bios_alias_is_last_128k)
{
    VesselConfig cfg;
    char *path;
    uint64_t size = 256 << 10;
    Machine *m = make_pc(&cfg, 64ull << 20, size, &path);
    ck_assert_uint_eq(rd8(m, 0xe0000), expected_bios_byte(size - (128 << 10)));
    ck_assert_uint_eq(rd8(m, 0xfffff), expected_bios_byte(size - 1));
    ck_assert_uint_eq(rd8(m, 0xfffc0000), expected_bios_byte(0));
    ck_assert_uint_eq(rd8(m, 0xffffffff), expected_bios_byte(size - 1));
    pc_machine_free(m);
    unlink(path);
    g_free(path);
}
END_TEST

START_TEST(test_ram_above_4g)
{
    uint64_t below, above;
    pc_ram_split(4ull << 30, &below, &above);
    ck_assert_uint_eq(below, 3ull << 30);
    ck_assert_uint_eq(above, 1ull << 30);
    pc_ram_split(512ull << 20, &below, &above);
    ck_assert_uint_eq(below, 512ull << 20);
    ck_assert_uint_eq(above, 0);

    VesselConfig cfg;
    char *path;
    Machine *m = make_pc(&cfg, 4ull << 30, 64 << 10, &path);
    address_space_st(&m->system_as, 0x100000000ull, 0x77, 1);
    ck_assert_uint_eq(rd8(m, 0x100000000ull), 0x77);
    address_space_st(&m->system_as, 0x13ffffff8ull, 0x0123456789abcdefull, 8);
    ck_assert_uint_eq(address_space_ld(&m->system_as, 0x13ffffff8ull, 8, NULL), 0x0123456789abcdefull);
    ck_assert_uint_eq(rd8(m, 0x140000000ull), 0xff);  /* past the end of RAM */
    ck_assert_uint_eq(rd8(m, 0xc0000000ull), 0xff);   /* the PCI hole */
    pc_machine_free(m);
    unlink(path);
    g_free(path);
}
END_TEST

START_TEST(test_bios_size_rule)
{
    ck_assert(pc_bios_size_ok(64 << 10));
    ck_assert(pc_bios_size_ok(256 << 10));
    ck_assert(pc_bios_size_ok(16 << 20));
    ck_assert(!pc_bios_size_ok(32 << 10));
    ck_assert(!pc_bios_size_ok(96 << 10));
    ck_assert(!pc_bios_size_ok(32 << 20));
    ck_assert(!pc_bios_size_ok(0));
}
END_TEST


static void free_pc(Machine *m, char *path)
{
    pc_machine_free(m);
    unlink(path);
    g_free(path);
}

static void outb(Machine *m, uint16_t port, uint8_t v)
{
    address_space_st(&m->io_as, port, v, 1);
}

static uint8_t inb(Machine *m, uint16_t port)
{
    return (uint8_t)address_space_ld(&m->io_as, port, 1, NULL);
}

/* Master PIC: vectors 0x20-0x27, only `unmasked` IRQs enabled. */
static void pic_setup(Machine *m, uint8_t mask)
{
    outb(m, 0x20, 0x11);
    outb(m, 0x21, 0x20);
    outb(m, 0x21, 0x04);
    outb(m, 0x21, 0x01);
    outb(m, 0x21, mask);
}

START_TEST(test_isa_irq_reaches_cpu)
{
    VesselConfig cfg;
    char *path;
    Machine *m = make_pc(&cfg, 32ull << 20, 64 << 10, &path);
    X86CPU *cpu = m->cpus[0];
    pic_setup(m, 0xef);     /* IRQ4 only */
    ck_assert(!(cpu->interrupt_request & CPU_INTERRUPT_HARD));
    /* COM1's THRE interrupt: OUT2 gates it onto IRQ4. */
    outb(m, 0x3fc, 0x08);
    outb(m, 0x3f9, 0x02);
    ck_assert(cpu->interrupt_request & CPU_INTERRUPT_HARD);
    ck_assert_int_eq(cpu->intr_ack(cpu->intr_opaque), 0x24);
    outb(m, 0x3f9, 0x00);
    outb(m, 0x20, 0x20);    /* EOI */
    ck_assert(!(cpu->interrupt_request & CPU_INTERRUPT_HARD));
    /* A masked IRQ (1, the keyboard) stays away from the CPU. */
    PCBoard *pc = m->board;
    irq_raise(&pc->isa_irq[1]);
    ck_assert(!(cpu->interrupt_request & CPU_INTERRUPT_HARD));
    irq_lower(&pc->isa_irq[1]);
    free_pc(m, path);
}
END_TEST

START_TEST(test_lapic_page_per_cpu)
{
    VesselConfig cfg;
    char *path;
    Machine *m = make_pc(&cfg, 32ull << 20, 64 << 10, &path);
    X86CPU *cpu = m->cpus[0];
    /* The CPU sees its local APIC (version register); devices do not. */
    ck_assert_uint_eq(address_space_ld(cpu->as, 0xfee00030, 4, NULL) & 0xff, 0x14);
    ck_assert_uint_eq(address_space_ld(&m->system_as, 0xfee00030, 4, NULL), 0xffffffff);
    /* Ordinary memory is the same through the CPU's view. */
    address_space_st(&m->system_as, 0x1000, 0x5a, 1);
    ck_assert_uint_eq(address_space_ld(cpu->as, 0x1000, 1, NULL), 0x5a);
    free_pc(m, path);
}
END_TEST

static unsigned cmos16(Machine *m, int lo)
{
    PCBoard *pc = m->board;
    return rtc_get_nvram(pc->rtc, lo) | rtc_get_nvram(pc->rtc, lo + 1) << 8;
}

START_TEST(test_cmos_memory_sizes)
{
    VesselConfig cfg;
    char *path;
    Machine *m = make_pc(&cfg, 128ull << 20, 64 << 10, &path);
    ck_assert_uint_eq(cmos16(m, 0x15), 640);
    ck_assert_uint_eq(cmos16(m, 0x17), 0xffff);          /* 127 MiB in KiB, capped */
    ck_assert_uint_eq(cmos16(m, 0x34), (112u << 20) >> 16);
    outb(m, 0x70, 0x35);                                  /* the guest sees the same */
    ck_assert_uint_eq(inb(m, 0x71), ((112u << 20) >> 16) >> 8);
    PCBoard *pc = m->board;
    ck_assert_uint_eq(rtc_get_nvram(pc->rtc, 0x5b), 0);
    ck_assert_uint_eq(rtc_get_nvram(pc->rtc, 0x5f), 0);
    free_pc(m, path);

    m = make_pc(&cfg, 8ull << 20, 64 << 10, &path);
    ck_assert_uint_eq(cmos16(m, 0x17), 7 * 1024);
    ck_assert_uint_eq(cmos16(m, 0x30), 7 * 1024);
    ck_assert_uint_eq(cmos16(m, 0x34), 0);
    free_pc(m, path);

    m = make_pc(&cfg, 4ull << 30, 64 << 10, &path);
    pc = m->board;
    ck_assert_uint_eq(cmos16(m, 0x34), ((3ull << 30) - (16 << 20)) >> 16);
    uint32_t high = rtc_get_nvram(pc->rtc, 0x5b) | rtc_get_nvram(pc->rtc, 0x5c) << 8 |
                    (uint32_t)rtc_get_nvram(pc->rtc, 0x5d) << 16;
    ck_assert_uint_eq(high, (1ull << 30) >> 16);
    free_pc(m, path);
}
END_TEST

/* i440FX (00:00.0) configuration byte write through 0xCF8/0xCFC. */
static void pci_write8(Machine *m, uint8_t reg, uint8_t v)
{
    address_space_st(&m->io_as, 0xcf8, 0x80000000u | (reg & 0xfc), 4);
    address_space_st(&m->io_as, 0xcfc + (reg & 3), v, 1);
}

START_TEST(test_pam_shadow_ram)
{
    VesselConfig cfg;
    char *path;
    Machine *m = make_pc(&cfg, 32ull << 20, 64 << 10, &path);
    uint8_t rom = expected_bios_byte(0x1234);
    /* Mode 0: the BIOS, read-only. */
    address_space_st(&m->system_as, 0xf1234, (uint8_t)~rom, 1);
    ck_assert_uint_eq(rd8(m, 0xf1234), rom);
    /* PAM0 = 0x30: 0xF0000-0xFFFFF is RAM; copy the BIOS byte in and change it. */
    pci_write8(m, 0x59, 0x30);
    address_space_st(&m->system_as, 0xf1234, 0xa5, 1);
    ck_assert_uint_eq(rd8(m, 0xf1234), 0xa5);
    /* 0x10: read-only RAM keeps the copy and drops writes. */
    pci_write8(m, 0x59, 0x10);
    address_space_st(&m->system_as, 0xf1234, 0x11, 1);
    ck_assert_uint_eq(rd8(m, 0xf1234), 0xa5);
    /* A machine reset puts every segment back to ROM. */
    pci_write8(m, 0x59, 0x30);
    machine_reset(m);
    ck_assert_uint_eq(rd8(m, 0xf1234), rom);
    /* PAM1 low nibble: 0xC0000-0xC3FFF. */
    pci_write8(m, 0x5a, 0x03);
    address_space_st(&m->system_as, 0xc0010, 0x42, 1);
    ck_assert_uint_eq(rd8(m, 0xc0010), 0x42);
    free_pc(m, path);
}
END_TEST

static uint64_t le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

START_TEST(test_fw_cfg_e820)
{
    VesselConfig cfg;
    char *path;
    Machine *m = make_pc(&cfg, 4ull << 30, 64 << 10, &path);
    PCBoard *pc = m->board;
    size_t len = 0;
    const uint8_t *e = fw_cfg_file_data(pc->fw_cfg, "etc/e820", &len);
    ck_assert_ptr_nonnull(e);
    ck_assert_uint_eq(len, 40);
    ck_assert_uint_eq(le(e, 8), 0);
    ck_assert_uint_eq(le(e + 8, 8), 3ull << 30);
    ck_assert_uint_eq(le(e + 16, 4), 1);
    ck_assert_uint_eq(le(e + 20, 8), 4ull << 30);
    ck_assert_uint_eq(le(e + 28, 8), 1ull << 30);
    ck_assert_uint_eq(le(e + 36, 4), 1);
    ck_assert_ptr_nonnull(fw_cfg_file_data(pc->fw_cfg, "etc/table-loader", &len));
    ck_assert_ptr_null(fw_cfg_file_data(pc->fw_cfg, "etc/sercon-port", &len));
    free_pc(m, path);

    m = make_pc(&cfg, 64ull << 20, 64 << 10, &path);
    pc = m->board;
    e = fw_cfg_file_data(pc->fw_cfg, "etc/e820", &len);
    ck_assert_uint_eq(len, 20);
    ck_assert_uint_eq(le(e + 8, 8), 64ull << 20);
    free_pc(m, path);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("pc");
    TCase *tc = unit_tcase(s, "memory-map", NULL, NULL, UNIT_TESTS(
        test_low_layout_64k_bios, test_256k_bios_alias_is_last_128k, test_ram_above_4g,
        test_bios_size_rule));
    tcase_set_timeout(tc, 30);
    TCase *wiring = unit_tcase(s, "wiring", NULL, NULL, UNIT_TESTS(
        test_isa_irq_reaches_cpu, test_lapic_page_per_cpu, test_cmos_memory_sizes,
        test_pam_shadow_ram, test_fw_cfg_e820));
    tcase_set_timeout(wiring, 30);
    return unit_run_suite(s);
}
