; reset_ports.asm - the machine's reset lines, without -no-reboot: the keyboard controller's
; pulse (command 0xFE to port 0x64), the PIIX reset control register (0xCF9: a 0 -> 1 edge of
; bit 2, with bit 1 for a hard reset) and port 0x92's fast reset (a 0 -> 1 edge of bit 0) each
; restart the machine at the reset vector; a CMOS RAM byte (kept across resets) counts the boots.
; Run by run-reboot.py (no -no-reboot), also under QEMU.
%include "rom.inc"

CMOS_BYTE equ 0x5E                  ; a general-purpose CMOS RAM byte

; CMOS_SET value: CMOS_BYTE = value.  Clobbers AL.
%macro CMOS_SET 1
        mov al, CMOS_BYTE
        out 0x70, al
        mov al, %1
        out 0x71, al
%endmacro

; STILL_RUNNING: give the reset a moment to take effect, then fail.
%macro STILL_RUNNING 0
        mov ecx, 100000
%%wait: loop %%wait
        PRINTLN "BAD: still running after the reset"
        EXIT_FAIL
%endmacro

main:
        mov al, CMOS_BYTE
        out 0x70, al
        in al, 0x71
        cmp al, 0xB1
        je boot2
        cmp al, 0xB2
        je boot3
        cmp al, 0xB3
        je boot4
        CMOS_SET 0xB1
        PRINTLN "boot 1: keyboard controller reset (0xFE to port 0x64)"
.kbc:   in al, 0x64                 ; wait for an empty input buffer
        test al, 2
        jnz .kbc
        mov al, 0xFE
        out 0x64, al
        STILL_RUNNING

boot2:
        CMOS_SET 0xB2
        PRINTLN "boot 2: reset control register (0x02 then 0x06 to port 0xCF9)"
        mov dx, 0xCF9
        mov al, 0x02
        out dx, al
        mov al, 0x06
        out dx, al
        STILL_RUNNING

boot3:
        CMOS_SET 0xB3
        PRINTLN "boot 3: fast reset (bit 0 of port 0x92)"
        in al, 0x92
        and al, ~1
        out 0x92, al
        or al, 1
        out 0x92, al
        STILL_RUNNING

boot4:
        CMOS_SET 0
        PRINTLN "boot 4: every reset line restarted the machine"
        EXIT_OK

%include "end.inc"
