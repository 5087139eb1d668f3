/*
 * Board-private state of the PC machine, shared by the files of hw/x86/
 * that build it: pc.c (RAM, firmware, CPUs, order of construction),
 * pc-irq.c (PIC, local APICs, IOAPIC, HPET and the ISA IRQ fan-out),
 * pc-chipset.c (PIT, RTC, i8042, port 0x92, PCI host, PIIX, PM),
 * pc-pam.c (shadow RAM at 0xC0000-0xFFFFF), pc-firmware.c (CMOS
 * NVRAM, fw_cfg content, the 0x402 BIOS debug port) and pc-direct.c
 * (direct kernel boot).
 */
#ifndef VESSEL_HW_X86_PC_INTERNAL_H
#define VESSEL_HW_X86_PC_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

#include "core/machine.h"
#include "hw/irq.h"
#include "hw/intc/lapic.h"
#include "hw/pci/i440fx.h"
#include "hw/x86/e820.h"
#include "hw/x86/boot-entry.h"

typedef struct PICState PICState;
typedef struct IOAPICState IOAPICState;
typedef struct HPETState HPETState;
typedef struct PITState PITState;
typedef struct RTCState RTCState;
typedef struct I8042State I8042State;
typedef struct Port92State Port92State;
typedef struct FWCfgState FWCfgState;
typedef struct PCIBus PCIBus;
typedef struct PIIXState PIIXState;
typedef struct PMState PMState;
typedef struct SerialState SerialState;
typedef struct PostState PostState;
typedef struct DebugconState DebugconState;

#define PC_ISA_IRQS 16
#define PC_GSIS 24

/* Per-vCPU view of memory: the system address space with the CPU's own
 * local APIC page on top. */
typedef struct PCCpuSpace {
    MemoryRegion root;
    MemoryRegion system;   /* alias of Machine.system_root */
    MemoryRegion apic;     /* the LAPIC's 4 KiB page */
    AddressSpace as;
    char name[24];
    bool live;
} PCCpuSpace;

typedef struct PCBoard {
    Machine *m;
    uint64_t below_4g, above_4g;
    MemoryRegion ram;           /* all guest RAM, one host block */
    MemoryRegion ram_below_4g;  /* alias [0, below_4g) */
    MemoryRegion ram_above_4g;  /* alias [below_4g, ram_size) at 4 GiB */
    MemoryRegion legacy_vga;    /* 0xA0000-0xBFFFF: no VGA, unassigned */
    MemoryRegion bios;          /* the ROM below 4 GiB */
    MemoryRegion isa_bios;      /* its tail, ending at 0xFFFFF */
    MemoryRegion pam_rw[I440FX_PAM_SEGMENTS];  /* RAM aliases over the BIOS */
    MemoryRegion pam_ro[I440FX_PAM_SEGMENTS];  /* the same RAM, read-only */
    MemoryRegion biosdbg;       /* port 0x402 */
    char biosdbg_line[256];
    unsigned biosdbg_len;

    /* interrupts */
    IRQLine isa_irq[PC_ISA_IRQS];  /* fan out to the PIC and the IOAPIC */
    IRQLine gsi_irq[PC_GSIS];      /* IOAPIC pins only */
    IRQLine pit_irq, rtc_irq;      /* gated by HPET legacy replacement */
    int pit_level, rtc_level;
    bool hpet_legacy;
    PICState *pic;
    APICBus apic_bus;
    LAPICState *lapic[VESSEL_MAX_CPUS];
    PCCpuSpace cpu_space[VESSEL_MAX_CPUS];
    IOAPICState *ioapic;
    HPETState *hpet;

    /* chipset and ISA devices */
    SerialState *serial[VESSEL_MAX_SERIAL];
    PostState *post;
    DebugconState *debugcon;
    GSList *debugexit;          /* DebugExit *, one per -device isa-debug-exit */
    PITState *pit;
    RTCState *rtc;
    I8042State *i8042;
    Port92State *port92;
    PCIBus *pci;
    I440FXState *i440fx;
    PIIXState *piix;
    PMState *pm;
    FWCfgState *fw_cfg;

    /* direct kernel boot */
    E820Map e820;
    bool direct_boot;
    bool direct_loaded;         /* memory already loaded for the first reset */
    BootEntry boot_entry;
} PCBoard;

/* pc-irq.c: PIC (to the BSP's INTR or LAPIC LINT0), LAPICs, IOAPIC, HPET,
 * the isa_irq[] fan-out. Needs the CPUs. */
void pc_irq_init(Machine *m, PCBoard *pc);
void pc_irq_free(Machine *m, PCBoard *pc);

/* pc-chipset.c: PIT, RTC, i8042, port 0x92, PCI host + PIIX + PM. */
void pc_chipset_init(Machine *m, PCBoard *pc);
void pc_chipset_free(PCBoard *pc);

/* pc-pam.c: the PAM shadow-RAM regions and the i440FX callback. */
void pc_pam_init(Machine *m, PCBoard *pc);
void pc_pam_update(void *opaque, int segment, uint64_t start, uint64_t size, int mode);
void pc_pam_free(PCBoard *pc);

/* pc-firmware.c: CMOS NVRAM, fw_cfg items and files, the 0x402 port. */
void pc_cmos_init(Machine *m, PCBoard *pc);
bool pc_fw_cfg_init(Machine *m, PCBoard *pc, char **err);
void pc_biosdbg_init(Machine *m, PCBoard *pc);
void pc_firmware_free(PCBoard *pc);

/* pc-direct.c: -kernel: ACPI tables, e820, kernel loading, BSP entry,
 * redone after every reset. */
bool pc_direct_init(Machine *m, PCBoard *pc, char **err);

#endif
