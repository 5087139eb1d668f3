; a20.asm - the A20 gate: with it off, physical address bit 20 reads as 0, so accesses at
; 1 MiB + X land on X (and at 3 MiB + X on 2 MiB + X). Driven through port 0x92 bit 1, the
; i8042 commands 0xDD (off) and 0xDF (on), and the i8042 output port (command 0xD1 + data),
; in real mode (FFFF:xxxx) and in 32-bit protected mode without paging.
%include "rom.inc"

LOW     equ 0x8000                  ; scratch RAM below 1 MiB
HIGH_OFF equ LOW + 0x10             ; FFFF:HIGH_OFF = 1 MiB + LOW

; SHOW label: print "label: [LOW] [1M+LOW]" (real mode, DS=0, ES=FFFF)
%macro SHOW 1
        PRINT %1, ": "
        H8 byte [LOW]
        PUTC ' '
        H8 byte [es:HIGH_OFF]
        NL
%endmacro

main:
        xor ax, ax
        mov ds, ax
        mov ax, 0xFFFF
        mov es, ax
        mov byte [LOW], 0x11
        mov byte [es:HIGH_OFF], 0x22
        SHOW "a20 on"

        in al, 0x92
        and al, ~3                  ; A20 off (and no fast reset)
        out 0x92, al
        SHOW "port92 off"
        mov byte [es:HIGH_OFF], 0x33  ; lands at LOW
        SHOW "port92 off, wrote 1M"
        in al, 0x92
        PRINT "port92 bit1: "
        and al, 2
        H8 al
        NL
        in al, 0x92
        or al, 2
        out 0x92, al
        SHOW "port92 on"

        mov al, 0xDD
        call kbc_command
        SHOW "i8042 0xDD"
        mov al, 0xDF
        call kbc_command
        SHOW "i8042 0xDF"
        mov al, 0xD1
        call kbc_command
        mov al, 0xDD                ; output port: reset line high, A20 low
        call kbc_data
        SHOW "i8042 outport A20=0"
        mov al, 0xD1
        call kbc_command
        mov al, 0xDF
        call kbc_data
        SHOW "i8042 outport A20=1"

        REAL_TO_PROT32
        mov byte [0x208000], 0x44
        mov byte [0x308000], 0x55
        PRINT "pm a20 on: "
        H8 byte [0x308000]
        NL
        in al, 0x92
        and al, ~3
        out 0x92, al
        PRINT "pm a20 off: "
        H8 byte [0x308000]
        PUTC ' '
        H8 byte [0x108000]
        NL
        mov byte [0x308001], 0x66
        PRINT "pm a20 off, wrote 3M+1: "
        H8 byte [0x208001]
        NL
        in al, 0x92
        or al, 2
        out 0x92, al
        PRINT "pm a20 on again: "
        H8 byte [0x308000]
        PUTC ' '
        H8 byte [0x308001]
        NL
        EXIT_OK

        bits 16
; kbc_command: AL to port 0x64 once the input buffer is empty
kbc_command:
        call kbc_wait
        out 0x64, al
        ret
; kbc_data: AL to port 0x60 once the input buffer is empty
kbc_data:
        call kbc_wait
        out 0x60, al
        ret
kbc_wait:
        push ax
.busy:  in al, 0x64
        test al, 2
        jnz .busy
        pop ax
        ret

%include "end.inc"
