/*
 * Option ROMs built from hw/x86/optionrom/ (nasm sources) at build time (nasm, then
 * mkrom.py for the size byte and checksums) and embedded in the binary.
 */
#ifndef VESSEL_HW_X86_OPTIONROM_H
#define VESSEL_HW_X86_OPTIONROM_H

/* linuxboot.bin: boots the kernel found in fw_cfg (-kernel with -bios). */
extern const unsigned char linuxboot_rom[];
extern const unsigned int linuxboot_rom_size;

#endif
