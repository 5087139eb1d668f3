; triple_reset.asm - a triple fault without -no-reboot resets the machine: the CPU restarts at
; the reset vector in real mode (CR0 back to its reset value) and the guest carries on. A CMOS
; RAM byte (kept across the reset) counts the boots. Run by run-reboot.py (no -no-reboot).
%include "rom.inc"

CMOS_BYTE equ 0x5F                  ; a general-purpose CMOS RAM byte

main:
        mov al, CMOS_BYTE
        out 0x70, al
        in al, 0x71
        cmp al, 0xB1
        je .second
        mov al, CMOS_BYTE
        out 0x70, al
        mov al, 0xB1
        out 0x71, al
        PRINTLN "boot 1: triple fault"
        REAL_TO_PROT32
        mov word [SCRATCH], 0       ; empty IDT: every exception escalates
        mov dword [SCRATCH + 2], 0
        lidt [SCRATCH]
        int3
        PRINTLN "BAD: still running"
        EXIT_FAIL
        bits 16
.second:
        mov al, CMOS_BYTE
        out 0x70, al
        xor al, al
        out 0x71, al
        mov eax, cr0
        PRINT "boot 2 after the reset: cr0="
        H32 eax
        NL
        EXIT_OK

%include "end.inc"
