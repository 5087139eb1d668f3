/*
 * The PIIX south bridge functions a PC needs: the PIIX3 PCI-to-ISA bridge
 * (00:01.0, 8086:7000) with PIRQ A-D routing to ISA IRQs and the reset
 * control register 0xCF9, and the PIIX4 ACPI function (00:01.3,
 * 8086:7113) whose PMBA/PMREGMISC registers place the PM block (pm.h).
 */
#ifndef VESSEL_HW_PCI_PIIX_H
#define VESSEL_HW_PCI_PIIX_H

#include <stdint.h>

#include "hw/acpi/pm.h"
#include "hw/irq.h"
#include "hw/pci/pci.h"

#define PIIX3_DEVICE_ID     0x7000
#define PIIX4_PM_DEVICE_ID  0x7113
#define PIIX_PIRQRC         0x60     /* 0x60-0x63: PIRQA-D route control */
#define PIIX_PIRQ_DISABLE   0x80
#define PIIX_PMBA           0x40     /* PM function: PM I/O base */
#define PIIX_PMREGMISC      0x80     /* PM function: bit 0 enables the PM I/O space */
#define PIIX_DEVACTB        0x58
#define PIIX_RCR_PORT       0xcf9

typedef struct PIIXState PIIXState;

/*
 * Add the ISA bridge at 00:01.0 and, when `pm` is given, the ACPI function
 * at 00:01.3 (it maps `pm` into `io_root` when the guest enables it).
 * `isa_irqs` are the 16 ISA interrupt inputs (PIC and IOAPIC, as the board
 * wired them) that routed PIRQs drive. Installs itself as the bus's PIRQ
 * handler and as the 0xCF9 reset control register.
 */
PIIXState *piix_new(PCIBus *bus, const IRQLine isa_irqs[16], PMState *pm, MemoryRegion *io_root);
void piix_free(PIIXState *s);
/* Machine reset: PIRQs disabled (lines lowered), PM block unmapped. */
void piix_reset(void *opaque);

/* PIRQ `pirq` (0-3 = A-D) input level: raises/lowers the ISA IRQ it is
 * routed to (OR of all PIRQs routed to the same IRQ). */
void piix_pci_irq(PIIXState *s, int pirq, int level);
/* The ISA IRQ PIRQ `pirq` is routed to, or -1 when disabled. */
int piix_pirq_route(const PIIXState *s, int pirq);

/* Route PIRQ A-D to ISA IRQs 10, 10, 11, 11 as SeaBIOS does (and as the
 * DSDT's link devices say), for direct kernel boot. */
void piix_route_pirqs_default(PIIXState *s);
/* Program the ACPI function as SeaBIOS does (PMBA = base, PM I/O on), for
 * direct kernel boot where no firmware runs. */
void piix_pm_enable(PIIXState *s, uint16_t base);

PCIDevice *piix_isa_device(PIIXState *s);
PCIDevice *piix_pm_device(PIIXState *s);

#endif
