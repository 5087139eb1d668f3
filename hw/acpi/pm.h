/*
 * ACPI power management registers of the PIIX4 (the fixed-hardware block
 * the FADT describes): PM1a event and control, the 3.579545 MHz PM timer,
 * GPE0, the SCI line, plus the APM control port (0xB2) that switches to
 * ACPI mode.
 */
#ifndef VESSEL_HW_ACPI_PM_H
#define VESSEL_HW_ACPI_PM_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/irq.h"
#include "softmmu/memory.h"

#define PM_IO_SIZE          0x40     /* PIIX4 PM I/O block */
#define PM_DEFAULT_BASE     0x600    /* what SeaBIOS programs when it finds etc/table-loader */
#define PM_SCI_IRQ          9        /* hard-wired ISA IRQ of the SCI */
#define PM_TIMER_HZ         3579545u

/* Register offsets inside the block. */
enum {
    PM1_STS = 0x00,   /* 16-bit, write 1 to clear */
    PM1_EN = 0x02,    /* 16-bit */
    PM1_CNT = 0x04,   /* 16-bit */
    PM_TMR = 0x08,    /* 32-bit read-only, 24 bits significant */
    PM_GPE0_STS = 0x0c, /* 16-bit, write 1 to clear */
    PM_GPE0_EN = 0x0e,  /* 16-bit */
};
#define PM_GPE0_LEN 4     /* FADT GPE0_BLK_LEN */

/* PM1 status/enable bits. */
#define PM1_TMR       0x0001
#define PM1_BM_STS    0x0010
#define PM1_GBL       0x0020
#define PM1_PWRBTN    0x0100
#define PM1_SLPBTN    0x0200
#define PM1_RTC       0x0400
#define PM1_WAK_STS   0x8000
/* PM1 control bits. */
#define PM1_CNT_SCI_EN    0x0001
#define PM1_CNT_SLP_TYP_SHIFT 10
#define PM1_CNT_SLP_TYP   (7u << 10)
#define PM1_CNT_SLP_EN    0x2000
/* The SLP_TYP value for soft-off (S5), as the DSDT's \_S5_ package says. */
#define PM_SLP_TYP_S5     0

/* APM control/status ports and the FADT's ACPI_ENABLE/ACPI_DISABLE values. */
#define APM_CNT_PORT      0xb2
#define APM_STS_PORT      0xb3
#define APM_ACPI_ENABLE   0xf1
#define APM_ACPI_DISABLE  0xf0

#define PM_TIMER_BITS     24

typedef struct PMState PMState;

/* Registers at reset; `sci` is raised while an enabled event is pending. */
PMState *pm_new(const IRQLine *sci);
/* Unmaps and frees. */
void pm_free(PMState *pm);
/* Map (or move) the register block to `base` in `io_root`; pm_unmap
 * removes it (the PIIX4 function does this as PMBA/PMREGMISC change). */
void pm_map(PMState *pm, MemoryRegion *io_root, uint16_t base);
void pm_unmap(PMState *pm);
bool pm_is_mapped(const PMState *pm, uint16_t *base);
/* Map the APM ports 0xB2/0xB3 (writing 0xF1/0xF0 to 0xB2 sets/clears SCI_EN). */
void pm_map_apm(PMState *pm, MemoryRegion *io_root);
/* Machine reset: all registers 0, SCI lowered. */
void pm_reset(void *opaque);

/* Fixed-feature power button pressed: PWRBTN_STS, SCI if enabled. */
void pm_power_button(PMState *pm);
/* RTC alarm wake event (PM1 RTC_STS). */
void pm_rtc_event(PMState *pm);
/* Set GPE0 status bit `bit` (0-15), SCI if enabled. */
void pm_gpe_event(PMState *pm, int bit);
/* The current PM timer value (24 bits), from the virtual clock. */
uint32_t pm_timer_value(const PMState *pm);

/* The register-block callbacks (offsets relative to the base), for tests. */
extern const MemoryRegionOps pm_io_ops;

#endif
