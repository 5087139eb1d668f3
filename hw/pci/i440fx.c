/*
 * i440FX PCI host bridge (PMC): identification, PAM shadow-RAM control
 * registers and the SMRAM register as plain storage. Chipset registers
 * 0x40-0xff the guest may write are stored so firmware reads back what it
 * wrote; the PAM decoding is handed to the board's callback.
 */
#include "hw/pci/i440fx.h"

#include <glib.h>

struct I440FXState {
    PCIDevice dev;
    I440FXPamUpdate pam_update;
    void *opaque;
    int pam_mode[I440FX_PAM_SEGMENTS];
};

void i440fx_pam_segment_range(int segment, uint64_t *start, uint64_t *size)
{
    if (segment == 0) {
        *start = 0xf0000;
        *size = 0x10000;
    } else {
        *start = 0xc0000 + (uint64_t)(segment - 1) * 0x4000;
        *size = 0x4000;
    }
}

static int decode_pam_mode(const uint8_t *config, int segment)
{
    if (segment == 0)
        return (config[I440FX_PAM0] >> 4) & 3;
    int reg = I440FX_PAM0 + 1 + (segment - 1) / 2;
    int shift = ((segment - 1) & 1) ? 4 : 0;
    return (config[reg] >> shift) & 3;
}

static void update_pam(I440FXState *s, bool force)
{
    for (int seg = 0; seg < I440FX_PAM_SEGMENTS; seg++) {
        int mode = decode_pam_mode(s->dev.config, seg);
        if (mode == s->pam_mode[seg] && !force)
            continue;
        s->pam_mode[seg] = mode;
        if (s->pam_update) {
            uint64_t start, size;
            i440fx_pam_segment_range(seg, &start, &size);
            s->pam_update(s->opaque, seg, start, size, mode);
        }
    }
}

static void i440fx_config_write(PCIDevice *d, uint32_t addr, uint32_t val, unsigned len)
{
    I440FXState *s = d->opaque;
    if (addr < I440FX_PAM0 + I440FX_PAM_REGS && addr + len > I440FX_PAM0)
        update_pam(s, false);
}

static void init_config(I440FXState *s)
{
    PCIDevice *d = &s->dev;
    PCIBus *bus = d->bus;
    int devfn = d->devfn;
    pci_device_init(d, "i440fx", I440FX_VENDOR_ID, I440FX_DEVICE_ID, 0x060000, 0x02);
    d->bus = bus;
    d->devfn = devfn;
    d->opaque = s;
    d->config_write = i440fx_config_write;
    for (int a = 0x40; a < PCI_CONFIG_SPACE_SIZE; a++)
        d->wmask[a] = 0xff;
    d->wmask[I440FX_PAM0] = 0x30;
    for (int i = 1; i < I440FX_PAM_REGS; i++)
        d->wmask[I440FX_PAM0 + i] = 0x33;
    d->config[I440FX_SMRAM] = 0x02;           /* C_BASE_SEG: 0xA0000 */
    d->wmask[I440FX_SMRAM] = 0x78;
}

I440FXState *i440fx_new(PCIBus *bus, I440FXPamUpdate pam_update, void *opaque)
{
    I440FXState *s = g_new0(I440FXState, 1);
    s->pam_update = pam_update;
    s->opaque = opaque;
    s->dev.devfn = -1;
    init_config(s);
    if (!pci_bus_add_device(bus, &s->dev, PCI_DEVFN(0, 0))) {
        g_free(s);
        return NULL;
    }
    update_pam(s, true);
    return s;
}

void i440fx_reset(void *opaque)
{
    I440FXState *s = opaque;
    init_config(s);
    update_pam(s, true);
}

void i440fx_free(I440FXState *s)
{
    if (!s)
        return;
    if (s->dev.bus)
        pci_bus_remove_device(s->dev.bus, &s->dev);
    g_free(s);
}

PCIDevice *i440fx_pci_device(I440FXState *s)
{
    return &s->dev;
}

int i440fx_pam_mode(const I440FXState *s, int segment)
{
    return segment >= 0 && segment < I440FX_PAM_SEGMENTS ? s->pam_mode[segment] : -1;
}
