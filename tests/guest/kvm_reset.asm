; kvm_reset.asm - a triple fault in 64-bit long mode resets the machine (written for -accel kvm,
; where the fault happens inside the hypervisor): with -no-reboot the emulator exits, without it
; the CPU restarts at the reset vector in real mode (CR0, EFER back to their reset values) and the
; guest carries on. A CMOS RAM byte (kept across the reset) counts the boots.
%include "rom.inc"
%include "reset.inc"

CMOS_BYTE equ 0x5E                  ; a general-purpose CMOS RAM byte

main:
        FIRST_BOOT CMOS_BYTE, 0xB2, .second
        PRINTLN "boot 1: triple fault in long mode"
        REAL_TO_PROT32
        PROT32_TO_LONG
        TRIPLE_FAULT ud2
        bits 16
.second:
        SECOND_BOOT CMOS_BYTE
        mov ecx, EFER_MSR
        rdmsr
        PRINT " efer="
        H32 eax
        NL
        EXIT_OK

%include "end.inc"
