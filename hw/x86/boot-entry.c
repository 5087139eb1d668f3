/*
 * The flat 32-bit protected-mode hand-over shared by the Linux and
 * Multiboot direct boot loaders, and their guest-memory write helpers.
 */
#include "hw/x86/boot-entry.h"

#include <glib.h>
#include <string.h>

#include "softmmu/tlb.h"
#include "target-x86/cpu.h"

/* A flat 4 GiB descriptor with the given access byte, G=1, D=1. */
static uint64_t flat_desc(uint8_t access)
{
    return 0xffffull | (0xfull << 48) | ((uint64_t)access << 40) | (0xcull << 52);
}

bool boot_gdt_write(AddressSpace *as, char **err)
{
    uint64_t gdt[4] = { 0, 0, flat_desc(0x9b), flat_desc(0x93) };
    uint8_t le[sizeof(gdt)];
    for (int i = 0; i < 4; i++) {
        for (int b = 0; b < 8; b++)
            le[i * 8 + b] = (uint8_t)(gdt[i] >> (8 * b));
    }
    return boot_write(as, BOOT_GDT_ADDR, le, sizeof(le), "boot GDT", err);
}

void boot_entry_apply(X86CPU *cpu, const BootEntry *e)
{
    const uint32_t code = 0x9b | SEG_ATTR_DB | SEG_ATTR_G;
    const uint32_t data = 0x93 | SEG_ATTR_DB | SEG_ATTR_G;
    cpu->cr0 = (cpu->cr0 | CR0_PE) & ~(uint64_t)CR0_PG;
    cpu->cr4 = 0;
    cpu->efer = 0;
    cpu->gdtr.base = BOOT_GDT_ADDR;
    cpu->gdtr.limit = 4 * 8 - 1;
    cpu->idtr.base = 0;
    cpu->idtr.limit = 0;
    x86_set_seg_cache(cpu, R_CS, BOOT_CS, 0, 0xffffffff, code);
    for (int s = R_ES; s <= R_GS; s++) {
        if (s != R_CS)
            x86_set_seg_cache(cpu, s, BOOT_DS, 0, 0xffffffff, data);
    }
    memset(cpu->regs, 0, sizeof(cpu->regs));
    cpu->regs[R_EAX] = e->eax;
    cpu->regs[R_EBX] = e->ebx;
    cpu->regs[R_ESI] = e->esi;
    x86_set_rflags(cpu, 0x2, ~0ull);
    cpu->rip = e->eip;
    cpu->halted = false;
    x86_update_hflags(cpu);
    tlb_flush(&cpu->tlb);
}

bool boot_write(AddressSpace *as, uint64_t addr, const void *buf, uint64_t len,
                const char *what, char **err)
{
    if (address_space_write(as, addr, buf, len) == MEMTX_OK)
        return true;
    *err = g_strdup_printf("%s: guest range 0x%" G_GINT64_MODIFIER "x-0x%" G_GINT64_MODIFIER
                           "x is not RAM", what, addr, addr + len);
    return false;
}

bool boot_zero(AddressSpace *as, uint64_t addr, uint64_t len, const char *what, char **err)
{
    static const uint8_t zeros[4096];
    while (len > 0) {
        uint64_t n = len < sizeof(zeros) ? len : sizeof(zeros);
        if (!boot_write(as, addr, zeros, n, what, err))
            return false;
        addr += n;
        len -= n;
    }
    return true;
}
