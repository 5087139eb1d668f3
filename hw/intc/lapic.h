/*
 * Local APIC (xAPIC mode, one per vCPU) and the APIC bus that connects the
 * local APICs with each other (IPIs) and with the IOAPIC and MSI sources.
 *
 * The LAPIC talks to its CPU through LAPICCpuOps (INTR pin, NMI, INIT,
 * SIPI, TSC) so it can be tested without an X86CPU; lapic_attach_x86_cpu()
 * fills them with the x86_cpu_* functions and hooks cpu->intr_ack.
 */
#ifndef VESSEL_HW_INTC_LAPIC_H
#define VESSEL_HW_INTC_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

#define APIC_DEFAULT_BASE 0xfee00000ull
#define APIC_MMIO_SIZE 0x1000
#define APIC_BASE_BSP (1ull << 8)
#define APIC_BASE_ENABLE (1ull << 11)
#define APIC_BUS_MAX 16

/* Delivery modes (ICR, LVT, IOAPIC redirection entries, MSI data). */
enum {
    APIC_DM_FIXED = 0, APIC_DM_LOWEST = 1, APIC_DM_SMI = 2, APIC_DM_NMI = 4,
    APIC_DM_INIT = 5, APIC_DM_SIPI = 6, APIC_DM_EXTINT = 7,
};

/* Register offsets in the 4 KiB xAPIC page. */
enum {
    APIC_REG_ID = 0x20, APIC_REG_VERSION = 0x30, APIC_REG_TPR = 0x80, APIC_REG_APR = 0x90,
    APIC_REG_PPR = 0xa0, APIC_REG_EOI = 0xb0, APIC_REG_RRD = 0xc0, APIC_REG_LDR = 0xd0,
    APIC_REG_DFR = 0xe0, APIC_REG_SVR = 0xf0, APIC_REG_ISR = 0x100, APIC_REG_TMR = 0x180,
    APIC_REG_IRR = 0x200, APIC_REG_ESR = 0x280, APIC_REG_ICR_LO = 0x300,
    APIC_REG_ICR_HI = 0x310, APIC_REG_LVT_TIMER = 0x320, APIC_REG_LVT_THERMAL = 0x330,
    APIC_REG_LVT_PERF = 0x340, APIC_REG_LVT_LINT0 = 0x350, APIC_REG_LVT_LINT1 = 0x360,
    APIC_REG_LVT_ERROR = 0x370, APIC_REG_TIMER_ICR = 0x380, APIC_REG_TIMER_CCR = 0x390,
    APIC_REG_TIMER_DCR = 0x3e0,
};

#define APIC_VERSION_VALUE 0x00050014u  /* version 0x14, max LVT entry 5 */
#define APIC_SVR_ENABLE (1u << 8)
#define APIC_LVT_MASKED (1u << 16)
#define APIC_LVT_LEVEL (1u << 15)
#define APIC_LVT_REMOTE_IRR (1u << 14)
#define APIC_LVT_ACTIVE_LOW (1u << 13)
#define APIC_LVT_TIMER_PERIODIC (1u << 17)
#define APIC_LVT_TIMER_TSCDEADLINE (2u << 17)

/* ESR bits. */
enum {
    APIC_ESR_SEND_ILLEGAL_VECTOR = 1u << 5,
    APIC_ESR_RECV_ILLEGAL_VECTOR = 1u << 6,
    APIC_ESR_ILLEGAL_REGISTER = 1u << 7,
};

typedef struct LAPICState LAPICState;

/* How a LAPIC reaches its CPU. `cpu` is passed back to every callback. */
typedef struct LAPICCpuOps {
    void (*set_intr)(void *cpu, int level);     /* INTR pin */
    void (*raise_nmi)(void *cpu);
    void (*raise_init)(void *cpu);
    void (*raise_sipi)(void *cpu, int vector);
    uint64_t (*read_tsc)(void *cpu);            /* for TSC-deadline mode */
} LAPICCpuOps;

/* Called for every EOI of a level-triggered vector (the IOAPIC listens). */
typedef void (*APICEOIListener)(void *opaque, int vector);

typedef struct APICBus {
    LAPICState *lapics[APIC_BUS_MAX];
    int nr_lapics;
    struct {
        APICEOIListener fn;
        void *opaque;
    } eoi_listeners[4];
    int nr_eoi_listeners;
} APICBus;

void apic_bus_init(APICBus *bus);
/* Returns false if all four listener slots are taken. */
bool apic_bus_add_eoi_listener(APICBus *bus, APICEOIListener fn, void *opaque);
/*
 * Deliver an interrupt message (IOAPIC, MSI) to the LAPICs selected by
 * `dest` (8-bit xAPIC destination; 0xff broadcasts) in physical or logical
 * mode. Lowest priority picks the matching LAPIC with the lowest TPR
 * (ties: the lowest APIC id).
 */
void apic_bus_deliver(APICBus *bus, uint8_t dest, bool logical, int delivery_mode,
                      int vector, bool level_trigger);
/* An MSI write: address 0xFEExxxxx, data as on Intel (vector, mode, trigger). */
void apic_bus_deliver_msi(APICBus *bus, uint64_t addr, uint32_t data);

/* ---- LAPIC lifecycle ---- */
/* Registers on `bus` (NULL if the bus is full). APIC id = `id`. */
LAPICState *lapic_new(APICBus *bus, uint8_t id, bool bsp, const LAPICCpuOps *ops, void *cpu);
void lapic_free(LAPICState *s);
/* Power-on / RESET state (machine reset). */
void lapic_reset(LAPICState *s);
/* TSC frequency used to turn a TSC deadline into virtual-clock time (default 1 GHz). */
void lapic_set_tsc_hz(LAPICState *s, uint64_t hz);
/* The 8259's INTA for ExtINT deliveries (LINT0 in ExtINT mode, IOAPIC ExtINT). */
void lapic_set_extint_ack(LAPICState *s, int (*ack)(void *opaque), void *opaque);

/* ---- register access ---- */
/* xAPIC page access by the CPU that owns this LAPIC; offset is taken mod 4 KiB. */
uint64_t lapic_mmio_read(LAPICState *s, uint64_t offset, unsigned size);
void lapic_mmio_write(LAPICState *s, uint64_t offset, uint64_t val, unsigned size);
/* IA32_APIC_BASE: the MSR code validates reserved bits and calls this. */
void lapic_set_base(LAPICState *s, uint64_t val);
uint64_t lapic_get_base(const LAPICState *s);
/* Optional: told when the base address or the enable bit changes. */
void lapic_set_base_hook(LAPICState *s, void (*fn)(void *opaque, LAPICState *s, uint64_t base),
                         void *opaque);
/* IA32_TSC_DEADLINE: ignored (reads 0) unless the LVT timer is in TSC-deadline mode. */
void lapic_set_tsc_deadline(LAPICState *s, uint64_t deadline);
uint64_t lapic_get_tsc_deadline(const LAPICState *s);
/* CR8 is TPR[7:4]. */
void lapic_set_tpr(LAPICState *s, uint8_t tpr);
uint8_t lapic_get_tpr(const LAPICState *s);
uint8_t lapic_get_id(const LAPICState *s);

/* ---- interrupts ---- */
/* INTA: the highest-priority deliverable vector (IRR -> ISR), else the PIC's
 * vector for a pending ExtINT, else -1. Usable as X86CPU.intr_ack. */
int lapic_intr_ack(void *opaque);
/* An interrupt message for this LAPIC (IOAPIC, MSI, IPI). */
void lapic_accept_irq(LAPICState *s, int vector, bool level_trigger, int delivery_mode);
/* IRQHandler for the LINT0 (n = 0) and LINT1 (n = 1) pins; the board wires
 * the 8259's INTR output to LINT0 of the BSP. */
void lapic_set_lint(void *opaque, int n, int level);

/* Fill the ops with x86_cpu_* and set cpu->apic, cpu->intr_ack/opaque.
 * `cpu` is an X86CPU *; declared void to keep this header target-free. */
LAPICState *lapic_new_for_x86_cpu(APICBus *bus, void *x86cpu, bool bsp);

#endif
