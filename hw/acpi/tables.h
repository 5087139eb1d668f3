/*
 * The ACPI tables of the PC machine: RSDP, RSDT, XSDT, FADT + FACS, DSDT,
 * MADT and HPET, built as the three fw_cfg files SeaBIOS's table loader
 * consumes, or written straight into guest memory for direct kernel boot.
 */
#ifndef VESSEL_HW_ACPI_TABLES_H
#define VESSEL_HW_ACPI_TABLES_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "softmmu/memory.h"

#define ACPI_FILE_RSDP    "etc/acpi/rsdp"
#define ACPI_FILE_TABLES  "etc/acpi/tables"
#define ACPI_FILE_LOADER  "etc/table-loader"

#define ACPI_LAPIC_ADDR   0xfee00000u
#define ACPI_IOAPIC_ADDR  0xfec00000u
#define ACPI_HPET_ADDR    0xfed00000u
#define ACPI_RESET_PORT   0xcf9
#define ACPI_RESET_VALUE  0x06
#define ACPI_RSDP_SIZE    36
#define ACPI_TABLE_HEADER_SIZE 36

/* FADT field offsets (revision 3 layout, 244 bytes). */
enum {
    FADT_FIRMWARE_CTRL = 36, FADT_DSDT = 40, FADT_PM_PROFILE = 45, FADT_SCI_INT = 46,
    FADT_SMI_CMD = 48, FADT_ACPI_ENABLE = 52, FADT_ACPI_DISABLE = 53,
    FADT_PM1A_EVT_BLK = 56, FADT_PM1A_CNT_BLK = 64, FADT_PM_TMR_BLK = 76, FADT_GPE0_BLK = 80,
    FADT_PM1_EVT_LEN = 88, FADT_PM1_CNT_LEN = 89, FADT_PM_TMR_LEN = 91, FADT_GPE0_BLK_LEN = 92,
    FADT_P_LVL2_LAT = 96, FADT_P_LVL3_LAT = 98, FADT_CENTURY = 108, FADT_IAPC_BOOT_ARCH = 109,
    FADT_FLAGS = 112, FADT_RESET_REG = 116, FADT_RESET_VALUE = 128, FADT_X_FIRMWARE_CTRL = 132,
    FADT_X_DSDT = 140, FADT_X_PM1A_EVT_BLK = 148, FADT_X_PM1A_CNT_BLK = 172,
    FADT_X_PM_TMR_BLK = 208, FADT_X_GPE0_BLK = 220, FADT_SIZE = 244,
};
/* FADT flags. */
#define FADT_F_WBINVD             (1u << 0)
#define FADT_F_PROC_C1            (1u << 2)
#define FADT_F_PWR_BUTTON         (1u << 4)   /* set: NO fixed power button */
#define FADT_F_SLP_BUTTON         (1u << 5)   /* set: NO fixed sleep button */
#define FADT_F_RTC_S4             (1u << 7)
#define FADT_F_TMR_VAL_EXT        (1u << 8)
#define FADT_F_RESET_REG_SUP      (1u << 10)
#define FADT_F_USE_PLATFORM_CLOCK (1u << 15)

typedef struct AcpiConfig {
    int nr_cpus;               /* 1..255 */
    const uint8_t *apic_ids;   /* per CPU, NULL: 0..nr_cpus-1 */
    uint8_t ioapic_id;
    uint16_t pm_base;          /* PM1a block base (PM_DEFAULT_BASE) */
    uint8_t sci_irq;           /* 9 */
    uint8_t slp_typ_s5;        /* PM_SLP_TYP_S5 */
    bool hpet;                 /* HPET table and \_SB.HPET device */
    bool com1;                 /* \_SB.PCI0.ISA.COM1 (0x3F8, IRQ 4); the ISA bridge
                                * always has KBD (PNP0303), MOU (PNP0F13), RTC */
    uint32_t pci_hole_start;   /* 32-bit PCI memory window [start, end) */
    uint32_t pci_hole_end;
    /* ISA IRQ each PIRQ A-D is routed to (the PIIX routing the firmware
     * or the board programs; piix_route_pirqs_default uses the same).
     * The DSDT's _PRT sends slot S pin P to link LNK[A-D] (S + P) & 3. */
    uint8_t pirq_irqs[4];
} AcpiConfig;

/* The defaults for the PC machine (PIIX4 PM at 0x600, SCI 9, HPET) with
 * `nr_cpus` CPUs and low RAM ending at `below_4g_ram`. */
void acpi_config_default(AcpiConfig *cfg, int nr_cpus, uint64_t below_4g_ram);

/* The three fw_cfg files. Table checksums and pointers in `tables` and
 * `rsdp` are fixed up by the `loader` script (pointers hold offsets into
 * their target file until then). */
typedef struct AcpiBuild {
    GByteArray *rsdp;
    GByteArray *tables;
    GByteArray *loader;
} AcpiBuild;

void acpi_build(const AcpiConfig *cfg, AcpiBuild *out);
void acpi_build_free(AcpiBuild *b);

struct FWCfgState;
/* Build and add "etc/acpi/rsdp", "etc/acpi/tables" and "etc/table-loader"
 * to fw_cfg. False if fw_cfg refused a file. */
bool acpi_add_fw_cfg(const AcpiConfig *cfg, struct FWCfgState *fw);

/*
 * Direct kernel boot: build the tables, run the loader script with the
 * tables at `tables_addr` (64-byte aligned, RAM the e820 map should mark
 * ACPI reclaimable) and the RSDP at `rsdp_addr` (16-byte aligned, in
 * 0xE0000-0xFFFFF), and write both into guest memory (RAM or ROM).
 * *tables_len receives the size written at tables_addr. False with *err on
 * a bad placement or if guest memory is missing there.
 */
bool acpi_install_direct(const AcpiConfig *cfg, AddressSpace *as, uint64_t tables_addr,
                         uint64_t rsdp_addr, uint64_t *tables_len, char **err);

#endif
