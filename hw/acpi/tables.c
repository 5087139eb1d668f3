/*
 * ACPI table builder for the PC machine. All tables go into one blob
 * ("etc/acpi/tables", FACS first so it is 64-byte aligned) and the RSDP
 * into its own file; pointers between tables are written as offsets into
 * the target file and patched, together with every checksum, by the table
 * loader script (linker.h) - by SeaBIOS, or by acpi_install_direct.
 */
#include "hw/acpi/tables.h"

#include <string.h>

#include "hw/acpi/aml.h"
#include "hw/acpi/linker.h"
#include "hw/acpi/pm.h"
#include "hw/misc/fw_cfg.h"

#define OEM_ID       "VESSEL"
#define OEM_TABLE_ID "VESSELPC"
#define CREATOR_ID   "VSL "

/* ---- byte helpers ---- */

static void append_le(GByteArray *b, uint64_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++) {
        uint8_t c = (uint8_t)(v >> (8 * i));
        g_byte_array_append(b, &c, 1);
    }
}

static void append_str(GByteArray *b, const char *s, unsigned len)
{
    for (unsigned i = 0; i < len; i++) {
        uint8_t c = (uint8_t)(i < strlen(s) ? s[i] : ' ');
        g_byte_array_append(b, &c, 1);
    }
}

static void set_le(GByteArray *b, unsigned off, uint64_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++)
        b->data[off + i] = (uint8_t)(v >> (8 * i));
}

/* Generic Address Structure. */
static void append_gas(GByteArray *b, uint8_t space, uint8_t width, uint8_t access, uint64_t addr)
{
    append_le(b, space, 1);
    append_le(b, width, 1);
    append_le(b, 0, 1);
    append_le(b, access, 1);
    append_le(b, addr, 8);
}

static void set_gas(GByteArray *b, unsigned off, uint8_t space, uint8_t width, uint64_t addr)
{
    set_le(b, off, space, 1);
    set_le(b, off + 1, width, 1);
    set_le(b, off + 2, 0, 2);
    set_le(b, off + 4, addr, 8);
}

/* ---- table framing ---- */

typedef struct Builder {
    GByteArray *tables;
    GByteArray *pointers;    /* ADD_POINTER commands */
    GByteArray *checksums;   /* ADD_CHECKSUM commands, run after the pointers */
} Builder;

static unsigned table_begin(Builder *b, const char *sig, uint8_t rev)
{
    unsigned off = b->tables->len;
    append_str(b->tables, sig, 4);
    append_le(b->tables, 0, 4);           /* length, set by table_end */
    append_le(b->tables, rev, 1);
    append_le(b->tables, 0, 1);           /* checksum, set by the loader */
    append_str(b->tables, OEM_ID, 6);
    append_str(b->tables, OEM_TABLE_ID, 8);
    append_le(b->tables, 1, 4);
    append_str(b->tables, CREATOR_ID, 4);
    append_le(b->tables, 1, 4);
    return off;
}

static void table_end(Builder *b, unsigned off)
{
    uint32_t len = b->tables->len - off;
    set_le(b->tables, off + 4, len, 4);
    linker_add_checksum(b->checksums, ACPI_FILE_TABLES, off, len, off + 9);
}

/* A pointer field at `field` in the tables blob to the table at `target`. */
static void table_pointer(Builder *b, unsigned field, unsigned size, unsigned target)
{
    set_le(b->tables, field, target, size);
    linker_add_pointer(b->pointers, ACPI_FILE_TABLES, field, (uint8_t)size, ACPI_FILE_TABLES);
}

/* ---- FACS ---- */

static unsigned build_facs(Builder *b)
{
    unsigned off = b->tables->len;
    append_str(b->tables, "FACS", 4);
    append_le(b->tables, 64, 4);
    g_byte_array_set_size(b->tables, off + 64);
    memset(b->tables->data + off + 8, 0, 56);
    b->tables->data[off + 32] = 1;        /* version */
    return off;
}

/* ---- DSDT ---- */

static Aml *pci_root_crs(const AcpiConfig *cfg)
{
    Aml *crs = aml_resource_template();
    aml_append(crs, aml_word_bus_number(0x00, 0xff));
    aml_append(crs, aml_io(0x0cf8, 0x0cf8, 0x01, 0x08));
    aml_append(crs, aml_word_io(0x0000, 0x0cf7));
    aml_append(crs, aml_word_io(0x0d00, 0xffff));
    aml_append(crs, aml_dword_memory(0x000a0000, 0x000bffff, true));
    if (cfg->pci_hole_end > cfg->pci_hole_start)
        aml_append(crs, aml_dword_memory(cfg->pci_hole_start, cfg->pci_hole_end - 1, false));
    return crs;
}

/* _PRT: every slot's INTA-D to the link of its swizzled PIRQ. */
static Aml *pci_routing_table(void)
{
    Aml *prt = aml_package();
    for (int slot = 0; slot < 32; slot++) {
        for (int pin = 0; pin < 4; pin++) {
            char link[5] = { 'L', 'N', 'K', (char)('A' + ((slot + pin) & 3)), 0 };
            Aml *entry = aml_package();
            aml_append(entry, aml_int(((uint64_t)slot << 16) | 0xffff));
            aml_append(entry, aml_int((uint64_t)pin));
            aml_append(entry, aml_name_ref(link));
            aml_append(entry, aml_int(0));
            aml_append(prt, entry);
        }
    }
    return prt;
}

/* PCI interrupt link LNKx with the fixed IRQ the PIIX routes it to: _PRS
 * and _CRS name that IRQ, _SRS accepts it, _STA says enabled. */
static Aml *pci_link_device(int n, uint8_t irq)
{
    char name[5] = { 'L', 'N', 'K', (char)('A' + n), 0 };
    Aml *dev = aml_device(name);
    aml_append(dev, aml_name_decl("_HID", aml_eisaid("PNP0C0F")));
    aml_append(dev, aml_name_decl("_UID", aml_int((uint64_t)n + 1)));
    Aml *sta = aml_method("_STA", 0, false);
    aml_append(sta, aml_return(aml_int(0x0b)));
    aml_append(dev, sta);
    Aml *prs = aml_resource_template();
    aml_append(prs, aml_interrupt_level_high(irq));
    aml_append(dev, aml_name_decl("_PRS", prs));
    Aml *crs = aml_resource_template();
    aml_append(crs, aml_interrupt_level_high(irq));
    aml_append(dev, aml_name_decl("_CRS", crs));
    aml_append(dev, aml_method("_SRS", 1, false));
    aml_append(dev, aml_method("_DIS", 0, false));
    return dev;
}

/* ---- the ISA bridge (PIIX 00:01.0) and its legacy devices ---- */

/* One ISA device: _HID, optional _UID, _STA "present and working", _CRS
 * with up to two I/O ranges and one IRQ. */
typedef struct IsaDevice {
    const char *name, *hid;
    int uid;                   /* < 0: none */
    struct { uint16_t base; uint8_t len; } io[2];
    uint8_t irq;
} IsaDevice;

static const IsaDevice isa_devices[] = {
    { "KBD", "PNP0303", -1, { { 0x60, 1 }, { 0x64, 1 } }, 1 },   /* i8042 keyboard */
    { "MOU", "PNP0F13", -1, { { 0 }, { 0 } }, 12 },              /* i8042 aux port */
    { "RTC", "PNP0B00", -1, { { 0x70, 2 }, { 0 } }, 8 },
    { "COM1", "PNP0501", 1, { { 0x3f8, 8 }, { 0 } }, 4 },
};

static Aml *isa_device(const IsaDevice *d)
{
    Aml *dev = aml_device(d->name);
    aml_append(dev, aml_name_decl("_HID", aml_eisaid(d->hid)));
    if (d->uid >= 0)
        aml_append(dev, aml_name_decl("_UID", aml_int((uint64_t)d->uid)));
    Aml *sta = aml_method("_STA", 0, false);
    aml_append(sta, aml_return(aml_int(0x0f)));
    aml_append(dev, sta);
    Aml *crs = aml_resource_template();
    for (int i = 0; i < 2; i++)
        if (d->io[i].len)
            aml_append(crs, aml_io(d->io[i].base, d->io[i].base, 1, d->io[i].len));
    aml_append(crs, aml_irq_no_flags(d->irq));
    aml_append(dev, aml_name_decl("_CRS", crs));
    return dev;
}

static Aml *isa_bridge_device(const AcpiConfig *cfg)
{
    Aml *dev = aml_device("ISA");
    aml_append(dev, aml_name_decl("_ADR", aml_int(0x00010000)));   /* 00:01.0 */
    for (size_t i = 0; i < sizeof(isa_devices) / sizeof(isa_devices[0]); i++) {
        if (!strcmp(isa_devices[i].name, "COM1") && !cfg->com1)
            continue;
        aml_append(dev, isa_device(&isa_devices[i]));
    }
    return dev;
}

static Aml *pci_root_device(const AcpiConfig *cfg)
{
    Aml *dev = aml_device("PCI0");
    aml_append(dev, aml_name_decl("_HID", aml_eisaid("PNP0A03")));
    aml_append(dev, aml_name_decl("_UID", aml_int(0)));
    aml_append(dev, aml_name_decl("_CRS", pci_root_crs(cfg)));
    aml_append(dev, aml_name_decl("_PRT", pci_routing_table()));
    aml_append(dev, isa_bridge_device(cfg));
    return dev;
}

static Aml *hpet_device(void)
{
    Aml *dev = aml_device("HPET");
    aml_append(dev, aml_name_decl("_HID", aml_eisaid("PNP0103")));
    aml_append(dev, aml_name_decl("_UID", aml_int(0)));
    Aml *crs = aml_resource_template();
    aml_append(crs, aml_memory32_fixed(ACPI_HPET_ADDR, 0x400, false));
    aml_append(dev, aml_name_decl("_CRS", crs));
    return dev;
}

static Aml *s5_package(const AcpiConfig *cfg)
{
    Aml *pkg = aml_package();
    aml_append(pkg, aml_int(cfg->slp_typ_s5));   /* PM1a_CNT.SLP_TYP */
    aml_append(pkg, aml_int(cfg->slp_typ_s5));   /* PM1b_CNT.SLP_TYP */
    aml_append(pkg, aml_int(0));
    aml_append(pkg, aml_int(0));
    return pkg;
}

static unsigned build_dsdt(Builder *b, const AcpiConfig *cfg)
{
    unsigned off = table_begin(b, "DSDT", 1);
    Aml *sb = aml_scope("\\_SB");
    aml_append(sb, pci_root_device(cfg));
    for (int n = 0; n < 4; n++)
        aml_append(sb, pci_link_device(n, cfg->pirq_irqs[n]));
    if (cfg->hpet)
        aml_append(sb, hpet_device());
    aml_emit(b->tables, sb);
    aml_emit(b->tables, aml_name_decl("\\_S5_", s5_package(cfg)));
    table_end(b, off);
    return off;
}

/* ---- FADT ---- */

static void fill_fadt_pm(GByteArray *t, unsigned off, const AcpiConfig *cfg)
{
    uint32_t pm = cfg->pm_base;
    set_le(t, off + FADT_PM_PROFILE, 0, 1);
    set_le(t, off + FADT_SCI_INT, cfg->sci_irq, 2);
    set_le(t, off + FADT_SMI_CMD, APM_CNT_PORT, 4);
    set_le(t, off + FADT_ACPI_ENABLE, APM_ACPI_ENABLE, 1);
    set_le(t, off + FADT_ACPI_DISABLE, APM_ACPI_DISABLE, 1);
    set_le(t, off + FADT_PM1A_EVT_BLK, pm + PM1_STS, 4);
    set_le(t, off + FADT_PM1A_CNT_BLK, pm + PM1_CNT, 4);
    set_le(t, off + FADT_PM_TMR_BLK, pm + PM_TMR, 4);
    set_le(t, off + FADT_GPE0_BLK, pm + PM_GPE0_STS, 4);
    set_le(t, off + FADT_PM1_EVT_LEN, 4, 1);
    set_le(t, off + FADT_PM1_CNT_LEN, 2, 1);
    set_le(t, off + FADT_PM_TMR_LEN, 4, 1);
    set_le(t, off + FADT_GPE0_BLK_LEN, PM_GPE0_LEN, 1);
    set_gas(t, off + FADT_X_PM1A_EVT_BLK, 1, 32, pm + PM1_STS);
    set_gas(t, off + FADT_X_PM1A_CNT_BLK, 1, 16, pm + PM1_CNT);
    set_gas(t, off + FADT_X_PM_TMR_BLK, 1, 32, pm + PM_TMR);
    set_gas(t, off + FADT_X_GPE0_BLK, 1, PM_GPE0_LEN * 8, pm + PM_GPE0_STS);
}

static void fill_fadt_misc(GByteArray *t, unsigned off)
{
    set_le(t, off + FADT_P_LVL2_LAT, 0x0fff, 2);      /* no C2 */
    set_le(t, off + FADT_P_LVL3_LAT, 0x0fff, 2);      /* no C3 */
    set_le(t, off + FADT_CENTURY, 0x32, 1);           /* RTC century register */
    set_le(t, off + FADT_IAPC_BOOT_ARCH, 0x0003, 2);  /* legacy devices, 8042 */
    set_le(t, off + FADT_FLAGS, FADT_F_WBINVD | FADT_F_PROC_C1 | FADT_F_SLP_BUTTON |
                                FADT_F_RTC_S4 | FADT_F_RESET_REG_SUP |
                                FADT_F_USE_PLATFORM_CLOCK, 4);
    set_gas(t, off + FADT_RESET_REG, 1, 8, ACPI_RESET_PORT);
    set_le(t, off + FADT_RESET_VALUE, ACPI_RESET_VALUE, 1);
}

static unsigned build_fadt(Builder *b, const AcpiConfig *cfg, unsigned facs, unsigned dsdt)
{
    unsigned off = table_begin(b, "FACP", 3);
    g_byte_array_set_size(b->tables, off + FADT_SIZE);
    memset(b->tables->data + off + ACPI_TABLE_HEADER_SIZE, 0, FADT_SIZE - ACPI_TABLE_HEADER_SIZE);
    fill_fadt_pm(b->tables, off, cfg);
    fill_fadt_misc(b->tables, off);
    table_pointer(b, off + FADT_FIRMWARE_CTRL, 4, facs);
    table_pointer(b, off + FADT_DSDT, 4, dsdt);
    table_pointer(b, off + FADT_X_DSDT, 8, dsdt);
    table_end(b, off);
    return off;
}

/* ---- MADT ---- */

static void madt_override(GByteArray *t, uint8_t irq, uint32_t gsi, uint16_t flags)
{
    append_le(t, 2, 1);     /* Interrupt Source Override */
    append_le(t, 10, 1);
    append_le(t, 0, 1);     /* ISA bus */
    append_le(t, irq, 1);
    append_le(t, gsi, 4);
    append_le(t, flags, 2);
}

static unsigned build_madt(Builder *b, const AcpiConfig *cfg)
{
    GByteArray *t = b->tables;
    unsigned off = table_begin(b, "APIC", 1);
    append_le(t, ACPI_LAPIC_ADDR, 4);
    append_le(t, 1, 4);                         /* PCAT_COMPAT: dual 8259s */
    for (int i = 0; i < cfg->nr_cpus; i++) {
        append_le(t, 0, 1);                     /* Processor Local APIC */
        append_le(t, 8, 1);
        append_le(t, (uint64_t)i, 1);           /* ACPI processor UID */
        append_le(t, cfg->apic_ids ? cfg->apic_ids[i] : (uint64_t)i, 1);
        append_le(t, 1, 4);                     /* enabled */
    }
    append_le(t, 1, 1);                         /* I/O APIC */
    append_le(t, 12, 1);
    append_le(t, cfg->ioapic_id, 1);
    append_le(t, 0, 1);
    append_le(t, ACPI_IOAPIC_ADDR, 4);
    append_le(t, 0, 4);                         /* GSI base */
    madt_override(t, 0, 2, 0);                  /* PIT on pin 2, bus-default flags */
    static const uint8_t level_high_irqs[] = { 5, 9, 10, 11 };  /* SCI and PCI */
    for (unsigned i = 0; i < sizeof(level_high_irqs); i++)
        madt_override(t, level_high_irqs[i], level_high_irqs[i], 0x000d);
    append_le(t, 4, 1);                         /* Local APIC NMI */
    append_le(t, 6, 1);
    append_le(t, 0xff, 1);                      /* all processors */
    append_le(t, 0, 2);
    append_le(t, 1, 1);                         /* LINT1 */
    table_end(b, off);
    return off;
}

/* ---- HPET ---- */

static unsigned build_hpet(Builder *b)
{
    GByteArray *t = b->tables;
    unsigned off = table_begin(b, "HPET", 1);
    append_le(t, 0x8086a201u, 4);   /* vendor 8086, legacy route, 64-bit, 3 timers, rev 1 */
    append_gas(t, 0, 64, 0, ACPI_HPET_ADDR);
    append_le(t, 0, 1);             /* HPET number */
    append_le(t, 0, 2);             /* minimum clock tick in periodic mode */
    append_le(t, 0, 1);             /* no page protection */
    table_end(b, off);
    return off;
}

/* ---- RSDT, XSDT, RSDP ---- */

static unsigned build_sdt(Builder *b, const char *sig, unsigned entry_size,
                          const unsigned *entries, int n)
{
    unsigned off = table_begin(b, sig, 1);
    for (int i = 0; i < n; i++) {
        unsigned field = b->tables->len;
        append_le(b->tables, 0, entry_size);
        table_pointer(b, field, entry_size, entries[i]);
    }
    table_end(b, off);
    return off;
}

static void build_rsdp(AcpiBuild *out, unsigned rsdt, unsigned xsdt)
{
    GByteArray *r = out->rsdp;
    append_str(r, "RSD PTR ", 8);
    append_le(r, 0, 1);                 /* checksum of the first 20 bytes */
    append_str(r, OEM_ID, 6);
    append_le(r, 2, 1);                 /* revision: ACPI 2.0+ */
    append_le(r, rsdt, 4);
    append_le(r, ACPI_RSDP_SIZE, 4);
    append_le(r, xsdt, 8);
    append_le(r, 0, 1);                 /* extended checksum */
    append_le(r, 0, 3);
    linker_add_pointer(out->loader, ACPI_FILE_RSDP, 16, 4, ACPI_FILE_TABLES);
    linker_add_pointer(out->loader, ACPI_FILE_RSDP, 24, 8, ACPI_FILE_TABLES);
    linker_add_checksum(out->loader, ACPI_FILE_RSDP, 0, 20, 8);
    linker_add_checksum(out->loader, ACPI_FILE_RSDP, 0, ACPI_RSDP_SIZE, 32);
}

void acpi_config_default(AcpiConfig *cfg, int nr_cpus, uint64_t below_4g_ram)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->nr_cpus = nr_cpus;
    cfg->ioapic_id = 0;
    cfg->pm_base = PM_DEFAULT_BASE;
    cfg->sci_irq = PM_SCI_IRQ;
    cfg->slp_typ_s5 = PM_SLP_TYP_S5;
    cfg->hpet = true;
    cfg->com1 = true;
    cfg->pci_hole_start = (uint32_t)MIN(MAX(below_4g_ram, 0x10000000ull), 0xe0000000ull);
    cfg->pci_hole_end = ACPI_IOAPIC_ADDR;
    static const uint8_t pirqs[4] = { 10, 10, 11, 11 };   /* as SeaBIOS programs them */
    memcpy(cfg->pirq_irqs, pirqs, sizeof(pirqs));
}

void acpi_build(const AcpiConfig *cfg, AcpiBuild *out)
{
    Builder b = { g_byte_array_new(), g_byte_array_new(), g_byte_array_new() };
    out->rsdp = g_byte_array_new();
    out->loader = g_byte_array_new();
    linker_allocate(out->loader, ACPI_FILE_TABLES, 64, LINKER_ZONE_HIGH);
    linker_allocate(out->loader, ACPI_FILE_RSDP, 16, LINKER_ZONE_FSEG);

    unsigned facs = build_facs(&b);
    unsigned dsdt = build_dsdt(&b, cfg);
    unsigned tables[3];
    int n = 0;
    tables[n++] = build_fadt(&b, cfg, facs, dsdt);
    tables[n++] = build_madt(&b, cfg);
    if (cfg->hpet)
        tables[n++] = build_hpet(&b);
    unsigned rsdt = build_sdt(&b, "RSDT", 4, tables, n);
    unsigned xsdt = build_sdt(&b, "XSDT", 8, tables, n);

    g_byte_array_append(out->loader, b.pointers->data, b.pointers->len);
    g_byte_array_append(out->loader, b.checksums->data, b.checksums->len);
    g_byte_array_free(b.pointers, TRUE);
    g_byte_array_free(b.checksums, TRUE);
    out->tables = b.tables;
    build_rsdp(out, rsdt, xsdt);
}

void acpi_build_free(AcpiBuild *b)
{
    if (b->rsdp)
        g_byte_array_free(b->rsdp, TRUE);
    if (b->tables)
        g_byte_array_free(b->tables, TRUE);
    if (b->loader)
        g_byte_array_free(b->loader, TRUE);
    memset(b, 0, sizeof(*b));
}

/* ---- installing ---- */

static bool add_file(struct FWCfgState *fw, const char *name, GByteArray **arr)
{
    size_t len = (*arr)->len;
    void *data = g_byte_array_free(*arr, FALSE);
    *arr = NULL;
    return fw_cfg_add_file(fw, name, data, len) >= 0;
}

bool acpi_add_fw_cfg(const AcpiConfig *cfg, struct FWCfgState *fw)
{
    AcpiBuild b;
    acpi_build(cfg, &b);
    bool ok = add_file(fw, ACPI_FILE_TABLES, &b.tables);
    ok = add_file(fw, ACPI_FILE_RSDP, &b.rsdp) && ok;
    ok = add_file(fw, ACPI_FILE_LOADER, &b.loader) && ok;
    acpi_build_free(&b);
    return ok;
}

bool acpi_install_direct(const AcpiConfig *cfg, AddressSpace *as, uint64_t tables_addr,
                         uint64_t rsdp_addr, uint64_t *tables_len, char **err)
{
    if (rsdp_addr < 0xe0000 || rsdp_addr + ACPI_RSDP_SIZE > 0x100000 || (rsdp_addr & 15) ||
        (tables_addr & 63) || tables_addr + (1ull << 20) < tables_addr) {
        *err = g_strdup("acpi: bad placement of the RSDP or the tables");
        return false;
    }
    AcpiBuild b;
    acpi_build(cfg, &b);
    LinkerFile files[2] = {
        { ACPI_FILE_TABLES, b.tables->data, b.tables->len, tables_addr },
        { ACPI_FILE_RSDP, b.rsdp->data, b.rsdp->len, rsdp_addr },
    };
    bool ok = linker_execute(b.loader->data, b.loader->len, files, 2, err);
    if (ok && (address_space_write_rom(as, tables_addr, b.tables->data, b.tables->len) != MEMTX_OK ||
               address_space_write_rom(as, rsdp_addr, b.rsdp->data, b.rsdp->len) != MEMTX_OK)) {
        *err = g_strdup("acpi: no guest memory where the tables go");
        ok = false;
    }
    if (ok && tables_len)
        *tables_len = b.tables->len;
    acpi_build_free(&b);
    return ok;
}
