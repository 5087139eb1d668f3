/*
 * A conventional PCI bus (bus 0 only) with configuration mechanism #1 on
 * ports 0xCF8 (address) and 0xCFC-0xCFF (data), 256-byte configuration
 * spaces with per-bit write masks, BAR sizing and mapping, and INTx lines
 * swizzled onto four PIRQ lines that the ISA bridge routes.
 */
#ifndef VESSEL_HW_PCI_PCI_H
#define VESSEL_HW_PCI_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "softmmu/memory.h"

#define PCI_CONFIG_SPACE_SIZE 256
#define PCI_NUM_BARS          6
#define PCI_DEVFN(slot, fn)   ((((slot) & 0x1f) << 3) | ((fn) & 7))
#define PCI_SLOT(devfn)       (((devfn) >> 3) & 0x1f)
#define PCI_FUNC(devfn)       ((devfn) & 7)
#define PCI_NUM_PIRQS         4

/* Priority of mapped BARs in their container: below RAM and the board's
 * fixed devices (priority 0), so a BAR placed over RAM never hides RAM
 * (QEMU gets the same effect by mapping the PCI space at priority -1). */
#define PCI_BAR_PRIORITY      (-1)

/* Configuration space offsets. */
enum {
    PCI_VENDOR_ID = 0x00,
    PCI_DEVICE_ID = 0x02,
    PCI_COMMAND = 0x04,
    PCI_STATUS = 0x06,
    PCI_REVISION_ID = 0x08,
    PCI_CLASS_PROG = 0x09,
    PCI_CLASS_DEVICE = 0x0a,
    PCI_HEADER_TYPE = 0x0e,
    PCI_BASE_ADDRESS_0 = 0x10,
    PCI_SUBSYSTEM_VENDOR_ID = 0x2c,
    PCI_SUBSYSTEM_ID = 0x2e,
    PCI_ROM_ADDRESS = 0x30,
    PCI_INTERRUPT_LINE = 0x3c,
    PCI_INTERRUPT_PIN = 0x3d,
};

#define PCI_COMMAND_IO            0x0001
#define PCI_COMMAND_MEMORY        0x0002
#define PCI_COMMAND_MASTER        0x0004
#define PCI_COMMAND_INTX_DISABLE  0x0400
#define PCI_STATUS_INTERRUPT      0x0008
#define PCI_HEADER_TYPE_MULTI_FUNCTION 0x80

#define PCI_BASE_ADDRESS_SPACE_IO     0x01
#define PCI_BASE_ADDRESS_MEM_TYPE_64  0x04
#define PCI_BASE_ADDRESS_MEM_PREFETCH 0x08
#define PCI_BAR_UNMAPPED              UINT64_MAX

typedef struct PCIBus PCIBus;
typedef struct PCIDevice PCIDevice;

typedef struct PCIBar {
    MemoryRegion *mr;     /* NULL: BAR not implemented (reads 0) */
    uint64_t size;
    uint8_t type;         /* low bits as in the BAR: IO, 64-bit, prefetch */
    uint64_t addr;        /* where it is mapped, or PCI_BAR_UNMAPPED */
} PCIBar;

struct PCIDevice {
    uint8_t config[PCI_CONFIG_SPACE_SIZE];
    uint8_t wmask[PCI_CONFIG_SPACE_SIZE];   /* bits the guest may write */
    uint8_t w1cmask[PCI_CONFIG_SPACE_SIZE]; /* write-1-to-clear bits */
    PCIBus *bus;
    int devfn;
    const char *name;
    PCIBar bars[PCI_NUM_BARS];
    int irq_level;        /* the device's INTx input as it last set it */
    /* Optional hooks: `config_write` runs after the generic write (masks,
     * BAR remapping) so it sees the new values. `config_read` replaces the
     * generic little-endian read. `addr` + `len` stay within 256 bytes. */
    void (*config_write)(PCIDevice *d, uint32_t addr, uint32_t val, unsigned len);
    uint32_t (*config_read)(PCIDevice *d, uint32_t addr, unsigned len);
    void *opaque;
};

/* Called when the OR of the INTx lines swizzled onto PIRQ `pirq` (0-3)
 * changes. */
typedef void (*PCISetIRQ)(void *opaque, int pirq, int level);

/* A bus whose memory BARs go into `mem_space` and I/O BARs into
 * `io_space` (normally Machine.system_root and Machine.io_root). */
PCIBus *pci_bus_new(MemoryRegion *mem_space, MemoryRegion *io_space);
/* Unmaps everything it mapped and frees the bus (not the devices). */
void pci_bus_free(PCIBus *bus);
/* Map configuration mechanism #1 (0xCF8-0xCFF) into `io_root`. The 0xCF9
 * byte inside it is the reset control register: byte accesses there go to
 * the hook set by pci_bus_set_reset_control (the PIIX3 installs one). */
void pci_host_map(PCIBus *bus, MemoryRegion *io_root);
void pci_bus_set_reset_control(PCIBus *bus, uint64_t (*read)(void *opaque),
                               void (*write)(void *opaque, uint8_t val), void *opaque);
void pci_bus_set_irq_handler(PCIBus *bus, PCISetIRQ handler, void *opaque);
/* Device reset of every device: BARs unmapped, command cleared (the device
 * resets its own registers through its machine reset hook). */
void pci_bus_reset(void *opaque);

/* Zero `d`'s configuration, set the IDs, class code (24 bits: class,
 * subclass, prog-if) and revision, and give the command register, the
 * interrupt line and the status bits their standard write masks. */
void pci_device_init(PCIDevice *d, const char *name, uint16_t vendor, uint16_t device,
                     uint32_t class_code, uint8_t revision);
/* Put `d` on the bus at `devfn`; false if the slot is taken or invalid. */
bool pci_bus_add_device(PCIBus *bus, PCIDevice *d, int devfn);
void pci_bus_remove_device(PCIBus *bus, PCIDevice *d);
PCIDevice *pci_bus_find_device(PCIBus *bus, int devfn);

/*
 * Declare BAR `n` backed by `mr` (its size must be a power of two, at
 * least 16 bytes for memory and 4 for I/O). `type` is
 * PCI_BASE_ADDRESS_SPACE_IO or a memory type (0, MEM_TYPE_64 which also
 * uses BAR n+1, PREFETCH). The region is mapped when the guest programs an
 * address and enables the matching command bit.
 */
bool pci_register_bar(PCIDevice *d, int n, uint8_t type, MemoryRegion *mr);
/* The mapped address of BAR n or PCI_BAR_UNMAPPED. */
uint64_t pci_bar_address(const PCIDevice *d, int n);

/* Raise or lower the device's INTx pin (from config[PCI_INTERRUPT_PIN]). */
void pci_set_irq(PCIDevice *d, int level);

/* Configuration space access as the host bridge performs it (also for the
 * board and tests): `addr` 0-255, `len` 1, 2 or 4, not crossing 256. */
uint32_t pci_config_read(PCIDevice *d, uint32_t addr, unsigned len);
void pci_config_write(PCIDevice *d, uint32_t addr, uint32_t val, unsigned len);

/* Little-endian helpers on a configuration array. */
static inline void pci_set_byte(uint8_t *c, unsigned off, uint8_t v) { c[off] = v; }
static inline void pci_set_word(uint8_t *c, unsigned off, uint16_t v)
{
    c[off] = (uint8_t)v;
    c[off + 1] = (uint8_t)(v >> 8);
}
static inline void pci_set_long(uint8_t *c, unsigned off, uint32_t v)
{
    pci_set_word(c, off, (uint16_t)v);
    pci_set_word(c, off + 2, (uint16_t)(v >> 16));
}
static inline uint16_t pci_get_word(const uint8_t *c, unsigned off)
{
    return (uint16_t)(c[off] | c[off + 1] << 8);
}
static inline uint32_t pci_get_long(const uint8_t *c, unsigned off)
{
    return pci_get_word(c, off) | (uint32_t)pci_get_word(c, off + 2) << 16;
}

/* The ports' callbacks, for unit tests: 0xCF8 (4 bytes) and 0xCFC (4 bytes). */
extern const MemoryRegionOps pci_host_conf_ops;
extern const MemoryRegionOps pci_host_data_ops;

#endif
