/*
 * Unit tests for the PCI bus, the i440FX host bridge and the PIIX
 * functions, through configuration mechanism #1 on ports 0xCF8/0xCFC as a
 * guest uses it.
 */
#include <check.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "core/runstate.h"
#include "hw/acpi/pm.h"
#include "hw/pci/i440fx.h"
#include "hw/pci/piix.h"
#include "hw/pci/pci.h"
#include "softmmu/memory.h"
#include "unit-test.h"
#include "unit-io.h"

static UnitMem mem;
static UnitIo pio;
static PCIBus *bus;
static I440FXState *host;
static PIIXState *piix;
static PMState *pm;
static int isa_level[16];
static int isa_calls;
static int pam_calls, last_pam_seg, last_pam_mode;

static void record_isa(void *opaque, int n, int level)
{
    isa_level[n] = level;
    isa_calls++;
}

static void record_pam(void *opaque, int seg, uint64_t start, uint64_t size, int mode)
{
    pam_calls++;
    last_pam_seg = seg;
    last_pam_mode = mode;
}

static void setup(void)
{
    unit_mem_init(&mem, 1 << 20);
    unit_io_init(&pio, "io");
    IRQLine irqs[16];
    for (int i = 0; i < 16; i++)
        irq_init(&irqs[i], record_isa, NULL, i);
    memset(isa_level, 0, sizeof(isa_level));
    isa_calls = pam_calls = 0;
    bus = pci_bus_new(&mem.root, &pio.root);
    pci_host_map(bus, &pio.root);
    host = i440fx_new(bus, record_pam, NULL);
    pm = pm_new(NULL);
    piix = piix_new(bus, irqs, pm, &pio.root);
    ck_assert_ptr_nonnull(host);
    ck_assert_ptr_nonnull(piix);
    runstate_take_request();
}

static void teardown(void)
{
    piix_free(piix);
    pm_free(pm);
    i440fx_free(host);
    pci_bus_free(bus);
    unit_io_destroy(&pio);
    unit_mem_destroy(&mem);
}

static uint32_t cfg_addr(int dev, int fn, int reg)
{
    return 0x80000000u | (uint32_t)dev << 11 | (uint32_t)fn << 8 | (uint32_t)(reg & 0xfc);
}

static uint32_t cfg_read(int dev, int fn, int reg, unsigned size)
{
    address_space_st(&pio.as, 0xcf8, cfg_addr(dev, fn, reg), 4);
    return (uint32_t)address_space_ld(&pio.as, 0xcfc + (reg & 3), size, NULL);
}

static void cfg_write(int dev, int fn, int reg, uint32_t val, unsigned size)
{
    address_space_st(&pio.as, 0xcf8, cfg_addr(dev, fn, reg), 4);
    address_space_st(&pio.as, 0xcfc + (reg & 3), val, size);
}

START_TEST(test_ids)
{
    ck_assert_uint_eq(cfg_read(0, 0, 0, 4), 0x12378086u);
    ck_assert_uint_eq(cfg_read(1, 0, 0, 4), 0x70008086u);
    ck_assert_uint_eq(cfg_read(1, 3, 0, 4), 0x71138086u);
    ck_assert_uint_eq(cfg_read(1, 0, 0x0a, 2), 0x0601);          /* ISA bridge class */
    ck_assert_uint_eq(cfg_read(1, 0, 0x0e, 1) & 0x80, 0x80);     /* multi-function */
    /* Byte and word accesses at any offset inside the dword. */
    ck_assert_uint_eq(cfg_read(0, 0, 2, 1), 0x37);
    ck_assert_uint_eq(cfg_read(0, 0, 3, 1), 0x12);
    ck_assert_uint_eq(cfg_read(0, 0, 2, 2), 0x1237);
    ck_assert_uint_eq(cfg_read(0, 0, 1, 2), 0x3780);            /* unaligned word */
    /* CONFIG_ADDRESS reads back. */
    address_space_st(&pio.as, 0xcf8, 0x80000800u, 4);
    ck_assert_uint_eq(address_space_ld(&pio.as, 0xcf8, 4, NULL), 0x80000800u);
}
END_TEST

START_TEST(test_absent)
{
    ck_assert_uint_eq(cfg_read(5, 0, 0, 4), 0xffffffffu);
    ck_assert_uint_eq(cfg_read(5, 0, 2, 2), 0xffff);
    ck_assert_uint_eq(cfg_read(0, 1, 0, 4), 0xffffffffu);   /* fn 1 of a single-function dev */
    ck_assert_uint_eq(cfg_read(1, 2, 0, 4), 0xffffffffu);
    /* Other bus. */
    address_space_st(&pio.as, 0xcf8, 0x80010000u, 4);
    ck_assert_uint_eq(address_space_ld(&pio.as, 0xcfc, 4, NULL), 0xffffffffu);
    /* Enable bit clear. */
    address_space_st(&pio.as, 0xcf8, 0x00000000u, 4);
    ck_assert_uint_eq(address_space_ld(&pio.as, 0xcfc, 4, NULL), 0xffffffffu);
    address_space_st(&pio.as, 0xcfc, 0, 4);
    ck_assert_uint_eq(cfg_read(0, 0, 0, 4), 0x12378086u);
    /* Writes to absent devices and read-only registers are ignored. */
    cfg_write(5, 0, 0x3c, 0x55, 1);
    cfg_write(0, 0, 0, 0xdeadbeef, 4);
    ck_assert_uint_eq(cfg_read(0, 0, 0, 4), 0x12378086u);
    ck_assert_uint_eq(cfg_read(1, 3, 0x3d, 1), 1);            /* pin read-only */
    cfg_write(1, 3, 0x3d, 3, 1);
    ck_assert_uint_eq(cfg_read(1, 3, 0x3d, 1), 1);
}
END_TEST

/* A test device with a 4 KiB memory BAR, a 64-bit BAR and an I/O BAR. */
static uint64_t bar_read(void *opaque, uint64_t addr, unsigned size) { return 0x5a; }
static void bar_write(void *opaque, uint64_t addr, uint64_t val, unsigned size) {}
static const MemoryRegionOps bar_ops = { .read = bar_read, .write = bar_write };

START_TEST(test_bar_sizing)
{
    PCIDevice dev;
    MemoryRegion mmio, mmio64, io;
    memory_region_init_io(&mmio, "bar0", &bar_ops, NULL, 0x1000);
    memory_region_init_io(&mmio64, "bar2", &bar_ops, NULL, 0x4000);
    memory_region_init_io(&io, "bar4", &bar_ops, NULL, 0x20);
    pci_device_init(&dev, "test", 0x1234, 0x5678, 0xff0000, 1);
    dev.config[PCI_INTERRUPT_PIN] = 1;
    ck_assert(pci_register_bar(&dev, 0, 0, &mmio));
    ck_assert(pci_register_bar(&dev, 2, PCI_BASE_ADDRESS_MEM_TYPE_64, &mmio64));
    ck_assert(pci_register_bar(&dev, 4, PCI_BASE_ADDRESS_SPACE_IO, &io));
    ck_assert(!pci_register_bar(&dev, 5, PCI_BASE_ADDRESS_MEM_TYPE_64, &mmio));
    ck_assert(pci_bus_add_device(bus, &dev, PCI_DEVFN(3, 0)));

    cfg_write(3, 0, 0x10, 0xffffffffu, 4);
    ck_assert_uint_eq(cfg_read(3, 0, 0x10, 4), 0xfffff000u);
    cfg_write(3, 0, 0x18, 0xffffffffu, 4);
    cfg_write(3, 0, 0x1c, 0xffffffffu, 4);
    ck_assert_uint_eq(cfg_read(3, 0, 0x18, 4), 0xffffc004u);
    ck_assert_uint_eq(cfg_read(3, 0, 0x1c, 4), 0xffffffffu);
    cfg_write(3, 0, 0x20, 0xffffffffu, 4);
    ck_assert_uint_eq(cfg_read(3, 0, 0x20, 4), 0xffffffe1u);
    ck_assert_uint_eq(cfg_read(3, 0, 0x24, 4), 0);          /* unimplemented BAR */

    /* Sized values are not decoded even with decoding on. */
    cfg_write(3, 0, 0x04, PCI_COMMAND_IO | PCI_COMMAND_MEMORY, 2);
    ck_assert_uint_eq(pci_bar_address(&dev, 0), PCI_BAR_UNMAPPED);
    ck_assert_uint_eq(pci_bar_address(&dev, 2), PCI_BAR_UNMAPPED);

    /* Program addresses: mapped. */
    cfg_write(3, 0, 0x10, 0xfebf0000u, 4);
    cfg_write(3, 0, 0x18, 0x0, 4);
    cfg_write(3, 0, 0x1c, 0x1, 4);
    cfg_write(3, 0, 0x20, 0xc000, 4);
    ck_assert_uint_eq(pci_bar_address(&dev, 0), 0xfebf0000u);
    ck_assert_uint_eq(pci_bar_address(&dev, 2), 0x100000000ull);
    ck_assert_uint_eq(pci_bar_address(&dev, 4), 0xc000);
    ck_assert_uint_eq(address_space_ld(&mem.as, 0xfebf0000u, 1, NULL), 0x5a);
    ck_assert_uint_eq(address_space_ld(&pio.as, 0xc010, 1, NULL), 0x5a);

    /* A BAR over RAM does not hide RAM. */
    mem.ram.ram[0x8000] = 0x11;
    cfg_write(3, 0, 0x10, 0x8000, 4);
    ck_assert_uint_eq(pci_bar_address(&dev, 0), 0x8000);
    ck_assert_uint_eq(address_space_ld(&mem.as, 0x8000, 1, NULL), 0x11);
    ck_assert_uint_eq(address_space_ld(&mem.as, 0xfebf0000u, 1, NULL), 0xff);

    /* Memory decoding off: unmapped. */
    cfg_write(3, 0, 0x04, PCI_COMMAND_IO, 2);
    ck_assert_uint_eq(pci_bar_address(&dev, 0), PCI_BAR_UNMAPPED);
    ck_assert_uint_eq(pci_bar_address(&dev, 4), 0xc000);
    /* An I/O BAR past 64 KiB is not decoded. */
    cfg_write(3, 0, 0x20, 0xfffe0, 4);
    ck_assert_uint_eq(pci_bar_address(&dev, 4), PCI_BAR_UNMAPPED);

    pci_bus_remove_device(bus, &dev);
    memory_region_destroy(&mmio);
    memory_region_destroy(&mmio64);
    memory_region_destroy(&io);
}
END_TEST

START_TEST(test_pirq_routing)
{
    PCIDevice dev;
    pci_device_init(&dev, "test", 0x1234, 0x5678, 0xff0000, 1);
    dev.config[PCI_INTERRUPT_PIN] = 1;   /* INTA# in slot 3: PIRQ (3 + 0) & 3 = D */
    ck_assert(pci_bus_add_device(bus, &dev, PCI_DEVFN(3, 0)));
    ck_assert_int_eq(piix_pirq_route(piix, 3), -1);
    pci_set_irq(&dev, 1);                /* not routed yet */
    for (int i = 0; i < 16; i++)
        ck_assert_int_eq(isa_level[i], 0);
    cfg_write(1, 0, 0x63, 11, 1);        /* PIRQD -> IRQ 11 */
    ck_assert_int_eq(piix_pirq_route(piix, 3), 11);
    ck_assert_int_eq(isa_level[11], 1);
    ck_assert_uint_eq(cfg_read(3, 0, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT, PCI_STATUS_INTERRUPT);
    pci_set_irq(&dev, 0);
    ck_assert_int_eq(isa_level[11], 0);
    pci_set_irq(&dev, 1);
    ck_assert_int_eq(isa_level[11], 1);
    /* INTx disable masks it. */
    cfg_write(3, 0, PCI_COMMAND, PCI_COMMAND_INTX_DISABLE, 2);
    ck_assert_int_eq(isa_level[11], 0);
    cfg_write(3, 0, PCI_COMMAND, 0, 2);
    ck_assert_int_eq(isa_level[11], 1);
    /* Re-routing moves the level. */
    cfg_write(1, 0, 0x60, 0x0a0a0a0au, 4);   /* all PIRQs -> 10 */
    ck_assert_int_eq(isa_level[11], 0);
    ck_assert_int_eq(isa_level[10], 1);
    /* Disabled / reserved targets. */
    cfg_write(1, 0, 0x63, 0x80 | 10, 1);
    ck_assert_int_eq(isa_level[10], 0);
    cfg_write(1, 0, 0x63, 2, 1);             /* IRQ 2 is not routable */
    for (int i = 0; i < 16; i++)
        ck_assert_int_eq(isa_level[i], 0);
    piix_route_pirqs_default(piix);          /* 10, 10, 11, 11 */
    ck_assert_int_eq(piix_pirq_route(piix, 0), 10);
    ck_assert_int_eq(piix_pirq_route(piix, 3), 11);
    ck_assert_int_eq(isa_level[11], 1);      /* PIRQD still asserted */
    piix_pci_irq(piix, 7, 1);                /* bad PIRQ: ignored */
    piix_pci_irq(piix, -1, 1);
    pci_bus_remove_device(bus, &dev);
}
END_TEST

START_TEST(test_pam_and_pm_function)
{
    ck_assert_int_eq(i440fx_pam_mode(host, 0), PAM_MODE_ROM);
    cfg_write(0, 0, I440FX_PAM0, 0x30, 1);
    ck_assert_int_eq(last_pam_seg, 0);
    ck_assert_int_eq(last_pam_mode, PAM_MODE_RAM);
    ck_assert_uint_eq(cfg_read(0, 0, I440FX_PAM0, 1), 0x30);
    cfg_write(0, 0, I440FX_PAM0 + 1, 0x11, 1);   /* C0000 and C4000 read-only RAM */
    ck_assert_int_eq(i440fx_pam_mode(host, 1), PAM_MODE_READ_RAM);
    ck_assert_int_eq(i440fx_pam_mode(host, 2), PAM_MODE_READ_RAM);
    ck_assert_uint_eq(cfg_read(0, 0, I440FX_PAM0, 1) & 0x10, 0x10);
    /* SeaBIOS's PM set-up: PMBA, PMREGMISC. */
    ck_assert_uint_eq(cfg_read(1, 3, 0x5b, 1) & 0x02, 0x02);   /* APMC_EN */
    cfg_write(1, 3, PIIX_PMBA, 0x601, 4);
    uint16_t base = 0;
    ck_assert(!pm_is_mapped(pm, &base));
    cfg_write(1, 3, PIIX_PMREGMISC, 1, 1);
    ck_assert(pm_is_mapped(pm, &base));
    ck_assert_uint_eq(base, 0x600);
    ck_assert_uint_eq(cfg_read(1, 3, PIIX_PMBA, 4), 0x601);
    /* The reset control register at 0xCF9. */
    address_space_st(&pio.as, 0xcf9, 0x02, 1);
    ck_assert_int_eq(runstate_take_request(), SHUTDOWN_NONE);
    ck_assert_uint_eq(address_space_ld(&pio.as, 0xcf9, 1, NULL), 0x02);
    address_space_st(&pio.as, 0xcf9, 0x06, 1);
    ck_assert_int_eq(runstate_take_request(), SHUTDOWN_GUEST_RESET);
    /* Reset puts it all back. */
    i440fx_reset(host);
    piix_reset(piix);
    ck_assert_int_eq(i440fx_pam_mode(host, 0), PAM_MODE_ROM);
    ck_assert(!pm_is_mapped(pm, NULL));
    ck_assert_uint_eq(cfg_read(1, 0, 0x60, 4), 0x80808080u);
}
END_TEST

int main(void)
{
    return unit_run_tcase("pci", "core", setup, teardown, UNIT_TESTS(
        test_ids, test_absent, test_bar_sizing, test_pirq_routing, test_pam_and_pm_function));
}
