; kvm_reset.asm - a triple fault in 64-bit long mode resets the machine (written for -accel kvm,
; where the fault happens inside the hypervisor): with -no-reboot the emulator exits, without it
; the CPU restarts at the reset vector in real mode (CR0, EFER back to their reset values) and the
; guest carries on. A CMOS RAM byte (kept across the reset) counts the boots.
%include "rom.inc"

CMOS_BYTE equ 0x5E                  ; a general-purpose CMOS RAM byte

main:
        mov al, CMOS_BYTE
        out 0x70, al
        in al, 0x71
        cmp al, 0xB2
        je .second
        mov al, CMOS_BYTE
        out 0x70, al
        mov al, 0xB2
        out 0x71, al
        PRINTLN "boot 1: triple fault in long mode"
        REAL_TO_PROT32
        PROT32_TO_LONG
        mov word [SCRATCH], 0       ; empty IDT: every exception escalates
        mov qword [SCRATCH + 2], 0
        lidt [SCRATCH]
        ud2
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
        mov ecx, EFER_MSR
        rdmsr
        PRINT " efer="
        H32 eax
        NL
        EXIT_OK

%include "end.inc"
