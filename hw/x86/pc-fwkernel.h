/*
 * -kernel through the firmware (-kernel together with -bios FILE): the board
 * hands the kernel to the firmware through fw_cfg with the linuxboot option
 * ROM, as QEMU does, instead of loading it itself (pc-direct.c).
 */
#ifndef VESSEL_HW_X86_PC_FWKERNEL_H
#define VESSEL_HW_X86_PC_FWKERNEL_H

#include <stdbool.h>

#include "hw/x86/pc-internal.h"

/* Where the ROM loads what (the FW_CFG_*_ADDR items). */
#define FWK_SETUP_ADDR    0x10000u   /* real-mode part: setup segment 0x1000 */
#define FWK_SETUP_MAX     0x8000u    /* its heap and stack follow, up to 0xfe00 */
#define FWK_CMDLINE_ADDR  0x20000u
#define FWK_CMDLINE_MAX   0x10000u   /* bytes with the NUL, up to 0x30000 */
#define FWK_KERNEL_ADDR   0x100000u
#define FWK_FW_RESERVED   (1u << 20) /* top of low RAM kept for the firmware's tables */
#define FWK_ROM_NAME      "genroms/linuxboot.bin"

/* Read -kernel/-initrd/-append and fill pc->fw_cfg (after pc_fw_cfg_init):
 * the kernel items, the ROM and a bootorder naming it. A Linux bzImage only;
 * false with a one-line *err (g_free it). */
bool pc_fw_kernel_init(Machine *m, PCBoard *pc, char **err);

#endif
