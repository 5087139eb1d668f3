/*
 * PIIX3 ISA bridge and PIIX4 ACPI function: PIRQ routing registers, the
 * reset control register (0xCF9: bit 2 set requests a reset) and the
 * PMBA/PMREGMISC registers that move the PM I/O block.
 *
 * PIRQ route values outside the ISA IRQs the PIIX can drive (3-7, 9-12,
 * 14, 15) or with bit 7 set leave the PIRQ unconnected. The PM function's
 * DEVACTB reports APMC_EN so SeaBIOS skips its SMM set-up (no SMM here).
 */
#include "hw/pci/piix.h"

#include <glib.h>
#include <string.h>

#include "core/log.h"
#include "core/runstate.h"

#define ISA_IRQS 16

struct PIIXState {
    PCIDevice isa;
    PCIDevice pmdev;
    PCIBus *bus;
    PMState *pm;
    MemoryRegion *io_root;
    IRQLine isa_irqs[ISA_IRQS];
    int pirq_level[PCI_NUM_PIRQS];
    int isa_level[ISA_IRQS];   /* what we last drove each ISA IRQ to */
    uint8_t rcr;
};

/* ---- PIRQ routing ---- */

static bool routable_irq(int irq)
{
    static const uint16_t allowed = 0xdef8; /* 3-7, 9-12, 14, 15 */
    return irq >= 0 && irq < ISA_IRQS && (allowed >> irq & 1);
}

int piix_pirq_route(const PIIXState *s, int pirq)
{
    if (pirq < 0 || pirq >= PCI_NUM_PIRQS)
        return -1;
    uint8_t v = s->isa.config[PIIX_PIRQRC + pirq];
    int irq = v & 0x0f;
    return (v & PIIX_PIRQ_DISABLE) || !routable_irq(irq) ? -1 : irq;
}

static void update_isa_irqs(PIIXState *s)
{
    int level[ISA_IRQS] = { 0 };
    for (int p = 0; p < PCI_NUM_PIRQS; p++) {
        int irq = piix_pirq_route(s, p);
        if (irq >= 0 && s->pirq_level[p])
            level[irq] = 1;
    }
    for (int irq = 0; irq < ISA_IRQS; irq++) {
        if (level[irq] != s->isa_level[irq]) {
            s->isa_level[irq] = level[irq];
            irq_set(&s->isa_irqs[irq], level[irq]);
        }
    }
}

void piix_pci_irq(PIIXState *s, int pirq, int level)
{
    if (pirq < 0 || pirq >= PCI_NUM_PIRQS)
        return;
    s->pirq_level[pirq] = level != 0;
    update_isa_irqs(s);
}

static void bus_set_pirq(void *opaque, int pirq, int level)
{
    piix_pci_irq(opaque, pirq, level);
}

static void isa_config_write(PCIDevice *d, uint32_t addr, uint32_t val, unsigned len)
{
    if (addr < PIIX_PIRQRC + PCI_NUM_PIRQS && addr + len > PIIX_PIRQRC)
        update_isa_irqs(d->opaque);
}

/* ---- reset control (0xCF9) ---- */

static uint64_t rcr_read(void *opaque)
{
    PIIXState *s = opaque;
    return s->rcr;
}

static void rcr_write(void *opaque, uint8_t val)
{
    PIIXState *s = opaque;
    if (val & 0x04) {
        log_mask(LOG_RESET, "piix: reset requested through 0xcf9 (0x%02x)\n", val);
        runstate_request_reset();
    }
    s->rcr = val & 0x02;
}

/* ---- the ACPI function ---- */

static void pm_update_mapping(PIIXState *s)
{
    uint16_t base = pci_get_word(s->pmdev.config, PIIX_PMBA) & 0xffc0;
    if ((s->pmdev.config[PIIX_PMREGMISC] & 1) && base)
        pm_map(s->pm, s->io_root, base);
    else
        pm_unmap(s->pm);
}

static void pm_config_write(PCIDevice *d, uint32_t addr, uint32_t val, unsigned len)
{
    bool pmba = addr < PIIX_PMBA + 4 && addr + len > PIIX_PMBA;
    bool misc = addr <= PIIX_PMREGMISC && addr + len > PIIX_PMREGMISC;
    if (pmba || misc)
        pm_update_mapping(d->opaque);
}

/* ---- configuration defaults ---- */

static void init_isa_config(PIIXState *s)
{
    PCIDevice *d = &s->isa;
    pci_device_init(d, "piix3-isa", 0x8086, PIIX3_DEVICE_ID, 0x060100, 0x00);
    d->opaque = s;
    d->config_write = isa_config_write;
    d->config[PCI_HEADER_TYPE] = PCI_HEADER_TYPE_MULTI_FUNCTION;
    pci_set_word(d->config, PCI_COMMAND, 0x0007);
    pci_set_word(d->config, PCI_STATUS, 0x0200);   /* DEVSEL medium */
    for (int a = 0x40; a < PCI_CONFIG_SPACE_SIZE; a++)
        d->wmask[a] = 0xff;
    for (int p = 0; p < PCI_NUM_PIRQS; p++) {
        d->config[PIIX_PIRQRC + p] = PIIX_PIRQ_DISABLE;
        d->wmask[PIIX_PIRQRC + p] = 0x8f;
    }
}

static void init_pm_config(PIIXState *s)
{
    PCIDevice *d = &s->pmdev;
    pci_device_init(d, "piix4-pm", 0x8086, PIIX4_PM_DEVICE_ID, 0x068000, 0x03);
    d->opaque = s;
    d->config_write = pm_config_write;
    d->config[PCI_INTERRUPT_PIN] = 1;
    for (int a = 0x40; a < PCI_CONFIG_SPACE_SIZE; a++)
        d->wmask[a] = 0xff;
    d->config[PIIX_PMBA] = 0x01;          /* I/O space indicator */
    d->wmask[PIIX_PMBA] = 0xc0;
    d->wmask[PIIX_PMBA + 2] = d->wmask[PIIX_PMBA + 3] = 0;
    d->wmask[PIIX_PMREGMISC] = 0x01;
    d->config[PIIX_DEVACTB + 3] = 0x02;   /* APMC_EN: "SMM already set up" */
    d->config[0x90] = 0x01;               /* SMBus base: I/O indicator */
    d->wmask[0x90] = 0xf0;
}

static void add_functions(PIIXState *s, PCIBus *bus)
{
    int isa_devfn = PCI_DEVFN(1, 0), pm_devfn = PCI_DEVFN(1, 3);
    pci_bus_add_device(bus, &s->isa, isa_devfn);
    if (s->pm)
        pci_bus_add_device(bus, &s->pmdev, pm_devfn);
}

PIIXState *piix_new(PCIBus *bus, const IRQLine isa_irqs[16], PMState *pm, MemoryRegion *io_root)
{
    if (pci_bus_find_device(bus, PCI_DEVFN(1, 0)) || pci_bus_find_device(bus, PCI_DEVFN(1, 3)))
        return NULL;
    PIIXState *s = g_new0(PIIXState, 1);
    s->bus = bus;
    s->pm = pm;
    s->io_root = io_root;
    for (int i = 0; i < ISA_IRQS && isa_irqs; i++)
        s->isa_irqs[i] = isa_irqs[i];
    init_isa_config(s);
    init_pm_config(s);
    add_functions(s, bus);
    pci_bus_set_irq_handler(bus, bus_set_pirq, s);
    pci_bus_set_reset_control(bus, rcr_read, rcr_write, s);
    return s;
}

void piix_reset(void *opaque)
{
    PIIXState *s = opaque;
    memset(s->pirq_level, 0, sizeof(s->pirq_level));
    init_isa_config(s);
    s->isa.bus = s->bus;
    s->isa.devfn = PCI_DEVFN(1, 0);
    update_isa_irqs(s);
    s->rcr = 0;
    if (s->pm) {
        init_pm_config(s);
        s->pmdev.bus = s->bus;
        s->pmdev.devfn = PCI_DEVFN(1, 3);
        pm_unmap(s->pm);
    }
}

void piix_route_pirqs_default(PIIXState *s)
{
    pci_config_write(&s->isa, PIIX_PIRQRC, 0x0b0b0a0au, 4);
}

void piix_pm_enable(PIIXState *s, uint16_t base)
{
    if (!s->pm)
        return;
    pci_config_write(&s->pmdev, PIIX_PMBA, base | 1u, 4);
    pci_config_write(&s->pmdev, PIIX_PMREGMISC, 0x01, 1);
    pci_config_write(&s->pmdev, PCI_INTERRUPT_LINE, PM_SCI_IRQ, 1);
}

void piix_free(PIIXState *s)
{
    if (!s)
        return;
    for (int p = 0; p < PCI_NUM_PIRQS; p++)
        s->pirq_level[p] = 0;
    update_isa_irqs(s);
    if (s->isa.bus)
        pci_bus_remove_device(s->bus, &s->isa);
    if (s->pmdev.bus)
        pci_bus_remove_device(s->bus, &s->pmdev);
    pci_bus_set_irq_handler(s->bus, NULL, NULL);
    pci_bus_set_reset_control(s->bus, NULL, NULL, NULL);
    if (s->pm)
        pm_unmap(s->pm);
    g_free(s);
}

PCIDevice *piix_isa_device(PIIXState *s)
{
    return &s->isa;
}

PCIDevice *piix_pm_device(PIIXState *s)
{
    return s->pm ? &s->pmdev : NULL;
}
