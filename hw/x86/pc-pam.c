/*
 * Shadow RAM for 0xC0000-0xFFFFF, switched by the i440FX's PAM registers.
 * Each of the 13 PAM segments has two overlays of the guest RAM behind it,
 * above the BIOS alias: a read-write alias (modes 3 "RAM" and 2 "write
 * only", the latter simplified to RAM) and a read-only view (mode 1: reads
 * from RAM, writes dropped like ROM). Mode 0 shows what lies below: the
 * BIOS alias, or RAM where the BIOS image does not reach.
 */
#include "hw/x86/pc-internal.h"

#include <glib.h>

#define PC_PAM_PRIORITY 2   /* above the isa-bios alias (1) */

void pc_pam_init(Machine *m, PCBoard *pc)
{
    memory_region_transaction_begin();
    for (int i = 0; i < I440FX_PAM_SEGMENTS; i++) {
        uint64_t start, size;
        i440fx_pam_segment_range(i, &start, &size);
        memory_region_init_alias(&pc->pam_rw[i], "pam-ram", &pc->ram, start, size);
        memory_region_init_ram_ptr(&pc->pam_ro[i], "pam-rom", size, pc->ram.ram + start);
        pc->pam_ro[i].kind = MR_ROM;    /* the same bytes, guest writes dropped */
        memory_region_set_enabled(&pc->pam_rw[i], false);
        memory_region_set_enabled(&pc->pam_ro[i], false);
        memory_region_add_subregion_overlap(&m->system_root, start, &pc->pam_rw[i],
                                            PC_PAM_PRIORITY);
        memory_region_add_subregion_overlap(&m->system_root, start, &pc->pam_ro[i],
                                            PC_PAM_PRIORITY);
    }
    memory_region_transaction_commit();
}

void pc_pam_update(void *opaque, int segment, uint64_t start, uint64_t size, int mode)
{
    (void)start;
    (void)size;
    PCBoard *pc = opaque;
    if (segment < 0 || segment >= I440FX_PAM_SEGMENTS || !pc->pam_rw[segment].name)
        return;
    memory_region_transaction_begin();
    memory_region_set_enabled(&pc->pam_rw[segment],
                              mode == PAM_MODE_RAM || mode == PAM_MODE_WRITE_RAM);
    memory_region_set_enabled(&pc->pam_ro[segment], mode == PAM_MODE_READ_RAM);
    memory_region_transaction_commit();
}

void pc_pam_free(PCBoard *pc)
{
    (void)pc;   /* the regions live in PCBoard and own no memory */
}
