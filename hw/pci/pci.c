/*
 * PCI bus 0: configuration mechanism #1, configuration space writes under
 * per-bit masks, BAR sizing and (un)mapping, INTx swizzling to PIRQ A-D.
 *
 * Defined behaviour for whatever the guest does: accesses with the enable
 * bit clear, to other buses, to absent devices or functions read all ones
 * and drop writes; read-only bits keep their value; a BAR whose address
 * is 0, wraps, lies past 4 GiB for a 32-bit BAR or past 64 KiB for an I/O
 * BAR stays unmapped; a mapped BAR sits below RAM (PCI_BAR_PRIORITY).
 */
#include "hw/pci/pci.h"

#include <glib.h>
#include <string.h>

#include "core/log.h"

#define PCI_DEVFN_MAX 256

struct PCIBus {
    PCIDevice *devices[PCI_DEVFN_MAX];
    MemoryRegion *mem_space, *io_space;
    uint32_t config_addr;
    MemoryRegion conf_mr, data_mr;
    MemoryRegion *io_parent;
    PCISetIRQ set_irq;
    void *irq_opaque;
    int pirq_count[PCI_NUM_PIRQS];
    uint64_t (*rc_read)(void *opaque);
    void (*rc_write)(void *opaque, uint8_t val);
    void *rc_opaque;
};

static bool ranges_overlap(uint32_t a, uint32_t alen, uint32_t b, uint32_t blen)
{
    return a < b + blen && b < a + alen;
}

/* ---- BARs ---- */

static unsigned bar_offset(int n)
{
    return PCI_BASE_ADDRESS_0 + 4 * n;
}

bool pci_register_bar(PCIDevice *d, int n, uint8_t type, MemoryRegion *mr)
{
    bool is64 = !(type & PCI_BASE_ADDRESS_SPACE_IO) && (type & PCI_BASE_ADDRESS_MEM_TYPE_64);
    uint64_t size = mr->size;
    uint64_t min = (type & PCI_BASE_ADDRESS_SPACE_IO) ? 4 : 16;
    if (n < 0 || n >= PCI_NUM_BARS - (is64 ? 1 : 0) || size < min || (size & (size - 1)) ||
        (!is64 && size > (1ull << 31)))
        return false;
    uint64_t mask = ~(size - 1) & ((type & PCI_BASE_ADDRESS_SPACE_IO) ? ~3ull : ~15ull);
    d->bars[n] = (PCIBar){ .mr = mr, .size = size, .type = type, .addr = PCI_BAR_UNMAPPED };
    pci_set_long(d->config, bar_offset(n), type);
    pci_set_long(d->wmask, bar_offset(n), (uint32_t)mask);
    if (is64) {
        pci_set_long(d->config, bar_offset(n + 1), 0);
        pci_set_long(d->wmask, bar_offset(n + 1), (uint32_t)(mask >> 32));
    }
    return true;
}

static uint64_t bar_decoded_address(const PCIDevice *d, int n)
{
    const PCIBar *b = &d->bars[n];
    uint16_t cmd = pci_get_word(d->config, PCI_COMMAND);
    uint32_t lo = pci_get_long(d->config, bar_offset(n));
    if (b->type & PCI_BASE_ADDRESS_SPACE_IO) {
        uint64_t addr = lo & ~3u, last = addr + b->size - 1;
        if (!(cmd & PCI_COMMAND_IO) || addr == 0 || last > 0xffff)
            return PCI_BAR_UNMAPPED;
        return addr;
    }
    if (!(cmd & PCI_COMMAND_MEMORY))
        return PCI_BAR_UNMAPPED;
    bool is64 = b->type & PCI_BASE_ADDRESS_MEM_TYPE_64;
    uint64_t addr = lo & ~15u;
    if (is64)
        addr |= (uint64_t)pci_get_long(d->config, bar_offset(n + 1)) << 32;
    uint64_t last = addr + b->size - 1;
    if (addr == 0 || last < addr || last == UINT64_MAX || (!is64 && last >= UINT32_MAX))
        return PCI_BAR_UNMAPPED;
    return addr;
}

static void update_bar_mappings(PCIDevice *d)
{
    if (!d->bus)
        return;
    memory_region_transaction_begin();
    for (int n = 0; n < PCI_NUM_BARS; n++) {
        PCIBar *b = &d->bars[n];
        if (!b->mr)
            continue;
        MemoryRegion *space = (b->type & PCI_BASE_ADDRESS_SPACE_IO) ? d->bus->io_space
                                                                    : d->bus->mem_space;
        uint64_t addr = bar_decoded_address(d, n);
        if (addr == b->addr || !space)
            continue;
        if (b->addr != PCI_BAR_UNMAPPED)
            memory_region_del_subregion(space, b->mr);
        if (addr != PCI_BAR_UNMAPPED)
            memory_region_add_subregion_overlap(space, addr, b->mr, PCI_BAR_PRIORITY);
        b->addr = addr;
    }
    memory_region_transaction_commit();
}

static void unmap_all_bars(PCIDevice *d)
{
    memory_region_transaction_begin();
    for (int n = 0; n < PCI_NUM_BARS; n++) {
        PCIBar *b = &d->bars[n];
        if (!b->mr || b->addr == PCI_BAR_UNMAPPED)
            continue;
        MemoryRegion *space = (b->type & PCI_BASE_ADDRESS_SPACE_IO) ? d->bus->io_space
                                                                    : d->bus->mem_space;
        memory_region_del_subregion(space, b->mr);
        b->addr = PCI_BAR_UNMAPPED;
    }
    memory_region_transaction_commit();
}

uint64_t pci_bar_address(const PCIDevice *d, int n)
{
    return n >= 0 && n < PCI_NUM_BARS ? d->bars[n].addr : PCI_BAR_UNMAPPED;
}

/* ---- interrupts ---- */

static int device_pirq(const PCIDevice *d)
{
    int pin = d->config[PCI_INTERRUPT_PIN];
    if (pin < 1 || pin > 4)
        return -1;
    return (PCI_SLOT(d->devfn) + pin - 1) & 3;
}

static int effective_level(const PCIDevice *d)
{
    return d->irq_level && !(pci_get_word(d->config, PCI_COMMAND) & PCI_COMMAND_INTX_DISABLE);
}

static void bus_change_pirq(PCIBus *bus, int pirq, int delta)
{
    int before = bus->pirq_count[pirq] > 0;
    bus->pirq_count[pirq] += delta;
    int after = bus->pirq_count[pirq] > 0;
    if (before != after && bus->set_irq)
        bus->set_irq(bus->irq_opaque, pirq, after);
}

/* Apply a change of the device's input level or its INTx-disable bit. */
static void update_irq(PCIDevice *d, int old_effective)
{
    int now = effective_level(d);
    if (d->irq_level)
        d->config[PCI_STATUS] |= PCI_STATUS_INTERRUPT;
    else
        d->config[PCI_STATUS] &= ~PCI_STATUS_INTERRUPT;
    int pirq = device_pirq(d);
    if (now != old_effective && pirq >= 0 && d->bus)
        bus_change_pirq(d->bus, pirq, now ? 1 : -1);
}

void pci_set_irq(PCIDevice *d, int level)
{
    int old = effective_level(d);
    d->irq_level = level != 0;
    update_irq(d, old);
}

/* ---- configuration space ---- */

void pci_device_init(PCIDevice *d, const char *name, uint16_t vendor, uint16_t device,
                     uint32_t class_code, uint8_t revision)
{
    memset(d, 0, sizeof(*d));
    d->name = name;
    d->devfn = -1;
    pci_set_word(d->config, PCI_VENDOR_ID, vendor);
    pci_set_word(d->config, PCI_DEVICE_ID, device);
    d->config[PCI_REVISION_ID] = revision;
    d->config[PCI_CLASS_PROG] = (uint8_t)class_code;
    pci_set_word(d->config, PCI_CLASS_DEVICE, (uint16_t)(class_code >> 8));
    pci_set_word(d->wmask, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
                                        0x0040 /* parity */ | 0x0100 /* SERR */ |
                                        PCI_COMMAND_INTX_DISABLE);
    d->w1cmask[PCI_STATUS + 1] = 0xf9;  /* error bits 8, 11-15 */
    d->wmask[PCI_INTERRUPT_LINE] = 0xff;
    d->wmask[0x0c] = 0xff;              /* cache line size */
    d->wmask[0x0d] = 0xff;              /* latency timer */
    for (int n = 0; n < PCI_NUM_BARS; n++)
        d->bars[n].addr = PCI_BAR_UNMAPPED;
}

uint32_t pci_config_read(PCIDevice *d, uint32_t addr, unsigned len)
{
    if (addr >= PCI_CONFIG_SPACE_SIZE || len > PCI_CONFIG_SPACE_SIZE - addr)
        return 0xffffffffu;
    if (d->config_read)
        return d->config_read(d, addr, len);
    uint32_t v = 0;
    for (unsigned i = 0; i < len; i++)
        v |= (uint32_t)d->config[addr + i] << (8 * i);
    return v;
}

void pci_config_write(PCIDevice *d, uint32_t addr, uint32_t val, unsigned len)
{
    if (addr >= PCI_CONFIG_SPACE_SIZE || len > PCI_CONFIG_SPACE_SIZE - addr)
        return;
    int old_irq = effective_level(d);
    for (unsigned i = 0; i < len; i++) {
        uint32_t a = addr + i;
        uint8_t b = (uint8_t)(val >> (8 * i));
        d->config[a] = (d->config[a] & ~d->wmask[a]) | (b & d->wmask[a]);
        d->config[a] &= ~(b & d->w1cmask[a]);
    }
    if (ranges_overlap(addr, len, PCI_COMMAND, 2) || ranges_overlap(addr, len, PCI_BASE_ADDRESS_0, 24))
        update_bar_mappings(d);
    if (ranges_overlap(addr, len, PCI_COMMAND, 2))
        update_irq(d, old_irq);
    if (d->config_write)
        d->config_write(d, addr, val, len);
}

/* ---- the bus ---- */

PCIBus *pci_bus_new(MemoryRegion *mem_space, MemoryRegion *io_space)
{
    PCIBus *bus = g_new0(PCIBus, 1);
    bus->mem_space = mem_space;
    bus->io_space = io_space;
    return bus;
}

void pci_bus_free(PCIBus *bus)
{
    if (!bus)
        return;
    for (int i = 0; i < PCI_DEVFN_MAX; i++)
        if (bus->devices[i])
            pci_bus_remove_device(bus, bus->devices[i]);
    if (bus->io_parent) {
        memory_region_del_subregion(bus->io_parent, &bus->conf_mr);
        memory_region_del_subregion(bus->io_parent, &bus->data_mr);
    }
    g_free(bus);
}

bool pci_bus_add_device(PCIBus *bus, PCIDevice *d, int devfn)
{
    if (devfn < 0 || devfn >= PCI_DEVFN_MAX || bus->devices[devfn])
        return false;
    d->bus = bus;
    d->devfn = devfn;
    bus->devices[devfn] = d;
    return true;
}

void pci_bus_remove_device(PCIBus *bus, PCIDevice *d)
{
    if (d->devfn < 0 || bus->devices[d->devfn] != d)
        return;
    pci_set_irq(d, 0);
    unmap_all_bars(d);
    bus->devices[d->devfn] = NULL;
    d->bus = NULL;
    d->devfn = -1;
}

PCIDevice *pci_bus_find_device(PCIBus *bus, int devfn)
{
    return devfn >= 0 && devfn < PCI_DEVFN_MAX ? bus->devices[devfn] : NULL;
}

void pci_bus_set_irq_handler(PCIBus *bus, PCISetIRQ handler, void *opaque)
{
    bus->set_irq = handler;
    bus->irq_opaque = opaque;
}

void pci_bus_set_reset_control(PCIBus *bus, uint64_t (*read)(void *opaque),
                               void (*write)(void *opaque, uint8_t val), void *opaque)
{
    bus->rc_read = read;
    bus->rc_write = write;
    bus->rc_opaque = opaque;
}

void pci_bus_reset(void *opaque)
{
    PCIBus *bus = opaque;
    bus->config_addr = 0;
    for (int i = 0; i < PCI_DEVFN_MAX; i++) {
        PCIDevice *d = bus->devices[i];
        if (!d)
            continue;
        pci_set_irq(d, 0);
        pci_set_word(d->config, PCI_COMMAND, 0);
        d->config[PCI_INTERRUPT_LINE] = 0;
        for (int n = 0; n < PCI_NUM_BARS; n++)
            if (d->bars[n].mr) {
                pci_set_long(d->config, bar_offset(n), d->bars[n].type);
                if (d->bars[n].type & PCI_BASE_ADDRESS_MEM_TYPE_64 &&
                    !(d->bars[n].type & PCI_BASE_ADDRESS_SPACE_IO))
                    pci_set_long(d->config, bar_offset(n + 1), 0);
            }
        update_bar_mappings(d);
    }
}

/* ---- configuration mechanism #1 ---- */

/* The device addressed by CONFIG_ADDRESS, or NULL (all ones). */
static PCIDevice *addressed_device(PCIBus *bus)
{
    uint32_t ca = bus->config_addr;
    if (!(ca & 0x80000000u) || ((ca >> 16) & 0xff) != 0)
        return NULL;
    int devfn = (ca >> 8) & 0xff;
    PCIDevice *d = bus->devices[devfn];
    /* Functions other than 0 exist only behind a multi-function device. */
    PCIDevice *f0 = bus->devices[devfn & ~7];
    if (d && PCI_FUNC(devfn) &&
        (!f0 || !(f0->config[PCI_HEADER_TYPE] & PCI_HEADER_TYPE_MULTI_FUNCTION)))
        return NULL;
    return d;
}

static uint64_t pci_host_conf_read(void *opaque, uint64_t addr, unsigned size)
{
    PCIBus *bus = opaque;
    if (addr == 0 && size == 4)
        return bus->config_addr;
    if (addr == 1 && size == 1 && bus->rc_read)
        return bus->rc_read(bus->rc_opaque);
    return size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

static void pci_host_conf_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    PCIBus *bus = opaque;
    if (addr == 0 && size == 4)
        bus->config_addr = (uint32_t)val & 0x80fffffcu;
    else if (addr == 1 && size == 1 && bus->rc_write)
        bus->rc_write(bus->rc_opaque, (uint8_t)val);
}

const MemoryRegionOps pci_host_conf_ops = {
    .read = pci_host_conf_read,
    .write = pci_host_conf_write,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 4 },
};

static uint64_t pci_host_data_read(void *opaque, uint64_t addr, unsigned size)
{
    PCIBus *bus = opaque;
    PCIDevice *d = addressed_device(bus);
    if (addr >= 4)
        return 0xffffffffu;
    size = MIN(size, 4 - (unsigned)addr);
    uint32_t ones = size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
    if (!d)
        return ones;
    return pci_config_read(d, (bus->config_addr & 0xfc) + (uint32_t)addr, size) & ones;
}

static void pci_host_data_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    PCIBus *bus = opaque;
    PCIDevice *d = addressed_device(bus);
    if (!d || addr >= 4)
        return;
    size = MIN(size, 4 - (unsigned)addr);
    pci_config_write(d, (bus->config_addr & 0xfc) + (uint32_t)addr, (uint32_t)val, size);
}

const MemoryRegionOps pci_host_data_ops = {
    .read = pci_host_data_read,
    .write = pci_host_data_write,
    .valid = { .min_access_size = 1, .max_access_size = 4, .unaligned = true },
    .impl = { .min_access_size = 1, .max_access_size = 4, .unaligned = true },
};

void pci_host_map(PCIBus *bus, MemoryRegion *io_root)
{
    memory_region_init_io(&bus->conf_mr, "pci-conf-addr", &pci_host_conf_ops, bus, 4);
    memory_region_init_io(&bus->data_mr, "pci-conf-data", &pci_host_data_ops, bus, 4);
    memory_region_add_subregion(io_root, 0xcf8, &bus->conf_mr);
    memory_region_add_subregion(io_root, 0xcfc, &bus->data_mr);
    bus->io_parent = io_root;
}
