/*
 * Unit tests for the ACPI tables: the AML encodings, the table loader
 * script (every command in range, checksums and pointers as a firmware
 * would apply them), the parsed fields of the RSDP, RSDT/XSDT, FADT, MADT,
 * HPET and the DSDT's \_S5_, the fw_cfg files and the direct install into
 * guest memory.
 */
#include <check.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "hw/acpi/aml.h"
#include "hw/acpi/linker.h"
#include "hw/acpi/pm.h"
#include "hw/acpi/tables.h"
#include "hw/misc/fw_cfg.h"
#include "softmmu/memory.h"
#include "unit-test.h"

#define TABLES_ADDR 0x7fe0000ull
#define RSDP_ADDR   0xf5a40ull

static AcpiBuild build;
static AcpiConfig cfg;

static uint32_t le32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint64_t le64(const uint8_t *p) { return le32(p) | (uint64_t)le32(p + 4) << 32; }

static uint8_t sum(const uint8_t *p, size_t len)
{
    uint8_t s = 0;
    for (size_t i = 0; i < len; i++)
        s += p[i];
    return s;
}

/* Build for `ncpus` and apply the loader script at fixed addresses. */
static void build_and_link(int ncpus)
{
    acpi_config_default(&cfg, ncpus, 128u << 20);
    acpi_build(&cfg, &build);
    LinkerFile files[2] = {
        { ACPI_FILE_TABLES, build.tables->data, build.tables->len, TABLES_ADDR },
        { ACPI_FILE_RSDP, build.rsdp->data, build.rsdp->len, RSDP_ADDR },
    };
    char *err = NULL;
    ck_assert_msg(linker_execute(build.loader->data, build.loader->len, files, 2, &err), "%s", err);
}

static void teardown(void)
{
    acpi_build_free(&build);
}

/* Guest address -> host bytes of the linked blob. */
static const uint8_t *at(uint64_t addr)
{
    if (addr >= TABLES_ADDR && addr < TABLES_ADDR + build.tables->len)
        return build.tables->data + (addr - TABLES_ADDR);
    ck_abort_msg("address 0x%llx outside the tables", (unsigned long long)addr);
    abort();
}

/* The table with `sig` through the XSDT. */
static const uint8_t *find_table(const char *sig)
{
    const uint8_t *xsdt = at(le64(build.rsdp->data + 24));
    uint32_t n = (le32(xsdt + 4) - 36) / 8;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *t = at(le64(xsdt + 36 + 8 * i));
        if (!memcmp(t, sig, 4))
            return t;
    }
    return NULL;
}

/* ---- AML encodings ---- */

START_TEST(test_aml_encoding)
{
    GByteArray *b = g_byte_array_new();
    aml_encode_pkglen(b, 62);              /* 63 total: one byte */
    ck_assert_int_eq(b->len, 1);
    ck_assert_int_eq(b->data[0], 63);
    g_byte_array_set_size(b, 0);
    aml_encode_pkglen(b, 63);              /* 65 total with two bytes */
    ck_assert_int_eq(b->len, 2);
    ck_assert_int_eq(b->data[0], 0x40 | (65 & 0xf));
    ck_assert_int_eq(b->data[1], 65 >> 4);
    g_byte_array_set_size(b, 0);
    aml_encode_pkglen(b, 5000);            /* 5003 total, three bytes */
    ck_assert_int_eq(b->len, 3);
    ck_assert_int_eq(b->data[0] >> 6, 2);
    ck_assert_int_eq((b->data[0] & 0xf) | b->data[1] << 4 | b->data[2] << 12, 5003);

    g_byte_array_set_size(b, 0);
    aml_encode_name(b, "\\_SB.PCI0");
    ck_assert_int_eq(b->len, 10);
    ck_assert(!memcmp(b->data, "\\\x2e_SB_PCI0", 10));
    g_byte_array_set_size(b, 0);
    aml_encode_name(b, "ISA");
    ck_assert(!memcmp(b->data, "ISA_", 4));
    ck_assert_uint_eq(aml_eisaid_value("PNP0A03"), 0x030ad041u);

    g_byte_array_set_size(b, 0);
    aml_emit(b, aml_int(0));
    aml_emit(b, aml_int(1));
    aml_emit(b, aml_int(0x12));
    aml_emit(b, aml_int(0x1234));
    aml_emit(b, aml_int(0x12345678));
    aml_emit(b, aml_int(0x100000000ull));
    static const uint8_t want[] = { 0x00, 0x01, 0x0a, 0x12, 0x0b, 0x34, 0x12, 0x0c, 0x78, 0x56,
                                    0x34, 0x12, 0x0e, 0, 0, 0, 0, 1, 0, 0, 0 };
    ck_assert_int_eq(b->len, sizeof(want));
    ck_assert(!memcmp(b->data, want, sizeof(want)));

    /* Method(_STA) { Return (0x0F) } */
    g_byte_array_set_size(b, 0);
    Aml *m = aml_method("_STA", 0, false);
    aml_append(m, aml_return(aml_int(0x0f)));
    aml_emit(b, m);
    static const uint8_t sta[] = { 0x14, 0x09, '_', 'S', 'T', 'A', 0x00, 0xa4, 0x0a, 0x0f };
    ck_assert_int_eq(b->len, sizeof(sta));
    ck_assert(!memcmp(b->data, sta, sizeof(sta)));
    g_byte_array_free(b, TRUE);
}
END_TEST

/* ---- loader script ---- */

START_TEST(test_loader_script)
{
    acpi_config_default(&cfg, 2, 128u << 20);
    acpi_build(&cfg, &build);
    const uint8_t *s = build.loader->data;
    ck_assert_int_eq(build.loader->len % 128, 0);
    const char *files[] = { ACPI_FILE_TABLES, ACPI_FILE_RSDP };
    size_t lens[] = { build.tables->len, build.rsdp->len };
    bool allocated[2] = { false, false };
    for (size_t at_ = 0; at_ < build.loader->len; at_ += 128) {
        const uint8_t *e = s + at_;
        uint32_t cmd = le32(e);
        int f1 = -1, f2 = -1;
        for (int i = 0; i < 2; i++) {
            if (!strncmp((const char *)e + 4, files[i], 56))
                f1 = i;
            if (!strncmp((const char *)e + 60, files[i], 56))
                f2 = i;
        }
        ck_assert_int_ge(f1, 0);
        if (cmd == LINKER_CMD_ALLOCATE) {
            allocated[f1] = true;
            ck_assert_int_eq(e[64], f1 == 1 ? LINKER_ZONE_FSEG : LINKER_ZONE_HIGH);
        } else if (cmd == LINKER_CMD_ADD_POINTER) {
            ck_assert_int_ge(f2, 0);
            ck_assert(allocated[f1] && allocated[f2]);
            uint32_t off = le32(e + 116);
            uint8_t size = e[120];
            ck_assert(size == 4 || size == 8);
            ck_assert_uint_le(off + size, lens[f1]);
        } else {
            ck_assert_int_eq(cmd, LINKER_CMD_ADD_CHECKSUM);
            ck_assert(allocated[f1]);
            ck_assert_uint_lt(le32(e + 60), lens[f1]);
            ck_assert_uint_le(le32(e + 64) + le32(e + 68), lens[f1]);
        }
    }
    /* Bad scripts are refused, not executed out of bounds. */
    GByteArray *bad = g_byte_array_new();
    linker_add_pointer(bad, ACPI_FILE_TABLES, (uint32_t)build.tables->len - 2, 4, ACPI_FILE_TABLES);
    LinkerFile lf[1] = { { ACPI_FILE_TABLES, build.tables->data, build.tables->len, 0 } };
    char *err = NULL;
    ck_assert(!linker_execute(bad->data, bad->len, lf, 1, &err));
    g_free(err);
    g_byte_array_set_size(bad, 0);
    linker_add_checksum(bad, "etc/nothing", 0, 4, 0);
    ck_assert(!linker_execute(bad->data, bad->len, lf, 1, &err));
    g_free(err);
    g_byte_array_free(bad, TRUE);
}
END_TEST

/* ---- the tables ---- */

START_TEST(test_rsdp_and_checksums)
{
    build_and_link(4);
    const uint8_t *r = build.rsdp->data;
    ck_assert(!memcmp(r, "RSD PTR ", 8));
    ck_assert_int_eq(r[15], 2);
    ck_assert_int_eq(sum(r, 20), 0);
    ck_assert_int_eq(sum(r, 36), 0);
    ck_assert_uint_eq(le32(r + 20), 36);
    const uint8_t *rsdt = at(le32(r + 16));
    const uint8_t *xsdt = at(le64(r + 24));
    ck_assert(!memcmp(rsdt, "RSDT", 4));
    ck_assert(!memcmp(xsdt, "XSDT", 4));
    uint32_t n = (le32(rsdt + 4) - 36) / 4;
    ck_assert_uint_eq(n, 3);
    ck_assert_uint_eq((le32(xsdt + 4) - 36) / 8, n);
    for (uint32_t i = 0; i < n; i++) {
        ck_assert_uint_eq(le32(rsdt + 36 + 4 * i), le64(xsdt + 36 + 8 * i));
        const uint8_t *t = at(le32(rsdt + 36 + 4 * i));
        ck_assert_int_eq(sum(t, le32(t + 4)), 0);
    }
    ck_assert_int_eq(sum(rsdt, le32(rsdt + 4)), 0);
    ck_assert_int_eq(sum(xsdt, le32(xsdt + 4)), 0);
    const uint8_t *fadt = find_table("FACP");
    const uint8_t *dsdt = at(le32(fadt + FADT_DSDT));
    ck_assert(!memcmp(dsdt, "DSDT", 4));
    ck_assert_int_eq(sum(dsdt, le32(dsdt + 4)), 0);
    const uint8_t *facs = at(le32(fadt + FADT_FIRMWARE_CTRL));
    ck_assert(!memcmp(facs, "FACS", 4));
    ck_assert_int_eq(le32(fadt + FADT_FIRMWARE_CTRL) % 64, 0);
}
END_TEST

START_TEST(test_fadt)
{
    build_and_link(1);
    const uint8_t *f = find_table("FACP");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(le32(f + 4), FADT_SIZE);
    ck_assert_int_eq(f[8], 3);
    ck_assert_uint_eq(le16(f + FADT_SCI_INT), 9);
    ck_assert_uint_eq(le32(f + FADT_PM1A_EVT_BLK), 0x600);
    ck_assert_uint_eq(le32(f + FADT_PM1A_CNT_BLK), 0x604);
    ck_assert_uint_eq(le32(f + FADT_PM_TMR_BLK), 0x608);
    ck_assert_uint_eq(le32(f + FADT_GPE0_BLK), 0x60c);
    ck_assert_int_eq(f[FADT_PM1_EVT_LEN], 4);
    ck_assert_int_eq(f[FADT_PM1_CNT_LEN], 2);
    ck_assert_int_eq(f[FADT_PM_TMR_LEN], 4);
    ck_assert_uint_eq(le32(f + FADT_SMI_CMD), 0xb2);
    ck_assert_int_eq(f[FADT_ACPI_ENABLE], 0xf1);
    uint32_t flags = le32(f + FADT_FLAGS);
    ck_assert(flags & FADT_F_RESET_REG_SUP);
    ck_assert(!(flags & FADT_F_PWR_BUTTON));      /* fixed-feature power button */
    ck_assert(!(flags & FADT_F_TMR_VAL_EXT));     /* 24-bit timer */
    ck_assert_int_eq(f[FADT_RESET_REG], 1);       /* system I/O */
    ck_assert_int_eq(f[FADT_RESET_REG + 1], 8);
    ck_assert_uint_eq(le64(f + FADT_RESET_REG + 4), 0xcf9);
    ck_assert_int_eq(f[FADT_RESET_VALUE], 6);
    ck_assert_uint_eq(le64(f + FADT_X_DSDT), le32(f + FADT_DSDT));
    ck_assert_uint_eq(le64(f + FADT_X_PM1A_EVT_BLK + 4), 0x600);
    ck_assert_int_eq(f[FADT_X_PM1A_EVT_BLK + 1], 32);
    ck_assert_uint_eq(le64(f + FADT_X_PM_TMR_BLK + 4), 0x608);
    ck_assert_uint_eq(le16(f + FADT_IAPC_BOOT_ARCH) & 2, 2);
}
END_TEST

START_TEST(test_madt)
{
    build_and_link(4);
    const uint8_t *m = find_table("APIC");
    ck_assert_ptr_nonnull(m);
    ck_assert_uint_eq(le32(m + 36), 0xfee00000u);
    ck_assert_uint_eq(le32(m + 40) & 1, 1);
    uint32_t len = le32(m + 4);
    int lapics = 0, ioapics = 0, nmis = 0;
    bool irq0 = false, irq9 = false;
    for (uint32_t off = 44; off < len; off += m[off + 1]) {
        const uint8_t *e = m + off;
        ck_assert_int_ge(e[1], 2);
        switch (e[0]) {
        case 0:
            ck_assert_int_eq(e[3], lapics);       /* APIC id */
            ck_assert_uint_eq(le32(e + 4), 1);
            lapics++;
            break;
        case 1:
            ioapics++;
            ck_assert_uint_eq(le32(e + 4), 0xfec00000u);
            ck_assert_uint_eq(le32(e + 8), 0);
            break;
        case 2:
            if (e[3] == 0) {
                irq0 = true;
                ck_assert_uint_eq(le32(e + 4), 2);
            }
            if (e[3] == 9) {
                irq9 = true;
                ck_assert_uint_eq(le32(e + 4), 9);
                ck_assert_uint_eq(le16(e + 8), 0x000d);   /* active high, level */
            }
            break;
        case 4:
            nmis++;
            ck_assert_int_eq(e[2], 0xff);
            ck_assert_int_eq(e[5], 1);            /* LINT1 */
            break;
        }
    }
    ck_assert_int_eq(lapics, 4);
    ck_assert_int_eq(ioapics, 1);
    ck_assert_int_eq(nmis, 1);
    ck_assert(irq0 && irq9);
    const uint8_t *h = find_table("HPET");
    ck_assert_ptr_nonnull(h);
    ck_assert_uint_eq(le64(h + 44), 0xfed00000u);
}
END_TEST

/* Find Name(\_S5_, Package...) in the DSDT and parse it. */
START_TEST(test_dsdt_s5)
{
    build_and_link(1);
    const uint8_t *f = find_table("FACP");
    const uint8_t *d = at(le32(f + FADT_DSDT));
    if (!d)
        abort();
    uint32_t len = le32(d + 4);
    const uint8_t *p = NULL;
    for (uint32_t i = 36; i + 6 < len; i++)
        if (d[i] == 0x08 && d[i + 1] == '\\' && !memcmp(d + i + 2, "_S5_", 4)) {
            p = d + i + 6;
            break;
        }
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(p[0], 0x12);                    /* PackageOp */
    ck_assert_int_eq(p[1] >> 6, 0);                  /* one-byte PkgLength */
    uint32_t pkglen = p[1] & 0x3f;
    ck_assert_uint_le((uint32_t)(p - d) + 1 + pkglen, len);
    ck_assert_int_eq(p[2], 4);                       /* NumElements */
    /* First element: SLP_TYPa as Zero/One/BytePrefix. */
    int typ = p[3] == 0x0a ? p[4] : p[3];
    ck_assert_int_eq(typ, PM_SLP_TYP_S5);
    /* The PCI root bridge and its _HID are there. */
    bool pci0 = false;
    for (uint32_t i = 36; i + 4 < len; i++)
        if (!memcmp(d + i, "PCI0", 4))
            pci0 = true;
    ck_assert(pci0);
    uint8_t hid[] = { 0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x0a, 0x03 };
    ck_assert_ptr_nonnull(memmem(d, len, hid, sizeof(hid)));
    /* _PRT with 32 slots x 4 pins, and the four links with their IRQs. */
    const uint8_t *prt = memmem(d, len, "\x08_PRT\x12", 6);
    ck_assert_ptr_nonnull(prt);
    int lenbytes = 1 + (prt[6] >> 6);
    ck_assert_int_eq(prt[6 + lenbytes], 128);
    uint8_t lnkb_irq[] = { 0x89, 0x06, 0x00, 0x09, 0x01, 10, 0, 0, 0 };
    uint8_t lnkc_irq[] = { 0x89, 0x06, 0x00, 0x09, 0x01, 11, 0, 0, 0 };
    ck_assert_ptr_nonnull(memmem(d, len, "LNKB", 4));
    ck_assert_ptr_nonnull(memmem(d, len, lnkb_irq, sizeof(lnkb_irq)));
    ck_assert_ptr_nonnull(memmem(d, len, lnkc_irq, sizeof(lnkc_irq)));
}
END_TEST

/* The DSDT's device `name` (4 chars) holds _HID `hid` and, after it, the
 * resource bytes `crs`; returns false if any is missing. */
static bool dsdt_device_has(const uint8_t *d, uint32_t len, const char *name, const char *hid,
                            const uint8_t *crs, size_t crs_len)
{
    const uint8_t *dev = memmem(d, len, name, 4);
    if (!dev || dev[-1] == '\\')
        return false;
    size_t rest = len - (size_t)(dev - d);
    uint8_t hid_bytes[6] = { 0x08, '_', 'H', 'I', 'D', 0x0c };
    const uint8_t *h = memmem(dev, rest, hid_bytes, sizeof(hid_bytes));
    uint32_t id = aml_eisaid_value(hid);
    if (!h || memcmp(h + 6, &id, 4) != 0 || h - dev > 16)
        return false;
    const uint8_t *r = memmem(h, rest - (size_t)(h - dev), crs, crs_len);
    return r && r - h < 64;
}

static const uint8_t *dsdt_of_build(uint32_t *len)
{
    const uint8_t *f = find_table("FACP");
    const uint8_t *d = at(le32(f + FADT_DSDT));
    *len = le32(d + 4);
    return d;
}

START_TEST(test_dsdt_isa_devices)
{
    build_and_link(1);
    uint32_t len;
    const uint8_t *d = dsdt_of_build(&len);
    /* The ISA bridge at 00:01.0 under PCI0. */
    const uint8_t *isa = memmem(d, len, "ISA_", 4);
    ck_assert_ptr_nonnull(isa);
    static const uint8_t adr[] = { 0x08, '_', 'A', 'D', 'R', 0x0c, 0x00, 0x00, 0x01, 0x00 };
    ck_assert_ptr_nonnull(memmem(isa, len - (size_t)(isa - d), adr, sizeof(adr)));
    /* i8042 keyboard: I/O 0x60 and 0x64, IRQ 1. */
    static const uint8_t kbd[] = { 0x47, 0x01, 0x60, 0x00, 0x60, 0x00, 0x01, 0x01,
                                   0x47, 0x01, 0x64, 0x00, 0x64, 0x00, 0x01, 0x01,
                                   0x22, 0x02, 0x00 };
    ck_assert(dsdt_device_has(d, len, "KBD_", "PNP0303", kbd, sizeof(kbd)));
    static const uint8_t mou[] = { 0x22, 0x00, 0x10 };                    /* IRQ 12 */
    ck_assert(dsdt_device_has(d, len, "MOU_", "PNP0F13", mou, sizeof(mou)));
    static const uint8_t rtc[] = { 0x47, 0x01, 0x70, 0x00, 0x70, 0x00, 0x01, 0x02,
                                   0x22, 0x00, 0x01 };                    /* IRQ 8 */
    ck_assert(dsdt_device_has(d, len, "RTC_", "PNP0B00", rtc, sizeof(rtc)));
    static const uint8_t com1[] = { 0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x01, 0x08,
                                    0x22, 0x10, 0x00 };                   /* IRQ 4 */
    ck_assert(dsdt_device_has(d, len, "COM1", "PNP0501", com1, sizeof(com1)));
    /* The HPET device stays. */
    static const uint8_t hpet[] = { 0x86, 0x09, 0x00, 0x00 };
    ck_assert(dsdt_device_has(d, len, "HPET", "PNP0103", hpet, sizeof(hpet)));
    /* Without COM1 the device is gone and the table still checks out. */
    acpi_build_free(&build);
    acpi_config_default(&cfg, 1, 128u << 20);
    cfg.com1 = false;
    acpi_build(&cfg, &build);
    ck_assert_ptr_null(memmem(build.tables->data, build.tables->len, "COM1", 4));
    ck_assert_ptr_nonnull(memmem(build.tables->data, build.tables->len, "KBD_", 4));
}
END_TEST

START_TEST(test_fw_cfg_files)
{
    FWCfgState *fw = fw_cfg_new(NULL);
    acpi_config_default(&cfg, 2, 128u << 20);
    ck_assert(acpi_add_fw_cfg(&cfg, fw));
    size_t len;
    ck_assert_ptr_nonnull(fw_cfg_file_data(fw, ACPI_FILE_TABLES, &len));
    ck_assert_ptr_nonnull(fw_cfg_file_data(fw, ACPI_FILE_RSDP, &len));
    ck_assert_int_eq(len, 36);
    ck_assert_ptr_nonnull(fw_cfg_file_data(fw, ACPI_FILE_LOADER, &len));
    ck_assert_int_eq(len % 128, 0);
    fw_cfg_free(fw);
}
END_TEST

START_TEST(test_install_direct)
{
    MemoryRegion root, ram;
    AddressSpace as;
    memory_region_init_container(&root, "system", 0);
    ck_assert(memory_region_init_ram(&ram, "ram", 2u << 20));
    memory_region_add_subregion(&root, 0, &ram);
    address_space_init(&as, &root, "memory");
    acpi_config_default(&cfg, 2, 2u << 20);
    char *err = NULL;
    uint64_t tlen = 0;
    ck_assert_msg(acpi_install_direct(&cfg, &as, 0x180000, 0xf0000, &tlen, &err), "%s", err);
    ck_assert_uint_gt(tlen, 0);
    /* Find the RSDP the way an OS does: 16-byte steps through 0xE0000-0xFFFFF. */
    const uint8_t *rsdp = NULL;
    for (uint32_t a = 0xe0000; a < 0x100000; a += 16)
        if (!memcmp(ram.ram + a, "RSD PTR ", 8) && sum(ram.ram + a, 20) == 0) {
            rsdp = ram.ram + a;
            break;
        }
    ck_assert_ptr_nonnull(rsdp);
    ck_assert_int_eq(sum(rsdp, 36), 0);
    uint32_t rsdt = le32(rsdp + 16);
    ck_assert_uint_ge(rsdt, 0x180000);
    ck_assert_uint_lt(rsdt, 0x180000 + tlen);
    ck_assert(!memcmp(ram.ram + rsdt, "RSDT", 4));
    ck_assert_int_eq(sum(ram.ram + rsdt, le32(ram.ram + rsdt + 4)), 0);
    uint32_t fadt = le32(ram.ram + rsdt + 36);
    ck_assert(!memcmp(ram.ram + fadt, "FACP", 4));
    ck_assert_int_eq(sum(ram.ram + fadt, FADT_SIZE), 0);
    /* Bad placements and missing memory are errors. */
    ck_assert(!acpi_install_direct(&cfg, &as, 0x180000, 0x9fc00, NULL, &err));
    g_free(err);
    ck_assert(!acpi_install_direct(&cfg, &as, 0x1ffff00ull, 0xf0000, NULL, &err));
    g_free(err);
    address_space_destroy(&as);
    memory_region_del_subregion(&root, &ram);
    memory_region_destroy(&ram);
    memory_region_destroy(&root);
}
END_TEST

int main(void)
{
    return unit_run_tcase("acpi", "core", NULL, teardown, UNIT_TESTS(
        test_aml_encoding, test_loader_script, test_rsdp_and_checksums, test_fadt, test_madt,
        test_dsdt_s5, test_dsdt_isa_devices, test_fw_cfg_files, test_install_direct));
}
