; triple_reset.asm - a triple fault without -no-reboot resets the machine: the CPU restarts at
; the reset vector in real mode (CR0 back to its reset value) and the guest carries on. A CMOS
; RAM byte (kept across the reset) counts the boots. Run by run-reboot.py (no -no-reboot).
%include "rom.inc"
%include "reset.inc"

CMOS_BYTE equ 0x5F                  ; a general-purpose CMOS RAM byte

main:
        FIRST_BOOT CMOS_BYTE, 0xB1, .second
        PRINTLN "boot 1: triple fault"
        REAL_TO_PROT32
        TRIPLE_FAULT int3
        bits 16
.second:
        SECOND_BOOT CMOS_BYTE
        NL
        EXIT_OK

%include "end.inc"
