; io.asm - IN/OUT at CPL 3: the TSS I/O permission bitmap (allowed ports, denied ports, an
; access that straddles an allowed and a denied port), IOPL 3 bypassing the bitmap, CLI/STI
; and POPF's IF/IOPL rules at CPL 3, in 32-bit protected mode and 64-bit mode; REP OUTSB/INSB.  The user code
; prints through COM1 itself: the bitmap allows 0x3F8-0x3FF and 0x501.
%include "rom.inc"
%include "user.inc"

IOMAP_LEN equ 0x501 / 8 + 2         ; bitmap bytes up to port 0x501, plus the 0xFF terminator

; SET_IOMAP tss-base: bitmap at tss+0x68 denying all but 0x3F8-0x3FF and 0x501
%macro SET_IOMAP 1
        mov edi, (%1) + 0x68
        mov ecx, IOMAP_LEN
        mov al, 0xFF
        rep stosb
        mov byte [(%1) + 0x68 + 0x3F8 / 8], 0x00
        and byte [(%1) + 0x68 + 0x501 / 8], ~(1 << (0x501 & 7))
        mov word [(%1) + 0x66], 0x68
%endmacro

main:
        mov al, 0xFF                ; mask the PICs: the IOPL3 user code executes STI
        out 0x21, al
        out 0xA1, al
        REAL_TO_PROT32
        USER_SETUP32
        SET_IOMAP TSS32_BASE
        SET_DESC SEL_TSS32, TSS32_BASE, 0x68 + IOMAP_LEN - 1, 0x89, 0x0
        mov ax, SEL_TSS32
        ltr ax
        PRINTLN "string I/O at CPL0"
        mov dx, COM1 + 5
.temt:  in al, dx                   ; wait until the transmitter is empty (16-byte FIFO)
        test al, 0x40
        jz .temt
        mov esi, A(outs_text)
        mov dx, COM1
        mov ecx, outs_len
        cld
        rep outsb
        mov dx, COM1 + 7            ; scratch register
        mov al, 0x5A
        out dx, al
        mov edi, SCRATCH
        mov dword [edi], 0
        mov ecx, 3
        rep insb
        PRINT "rep insb from the scratch register: "
        H32 dword [SCRATCH]
        PRINT " edi-start="
        sub edi, SCRATCH
        H32 edi
        NL
        PRINTLN "protected mode, CPL3, IOPL0"
        mov dword [user_eflags], 0
        ENTER_USER32 user32
        PRINTLN "protected mode, CPL3, IOPL3"
        mov dword [user_eflags], 0x3000
        ENTER_USER32 user32_iopl3

        PROT32_TO_LONG
        USER_SETUP64
        SET_IOMAP TSS64_BASE
        SET_DESC SEL_TSS64, TSS64_BASE, 0x68 + IOMAP_LEN - 1, 0x89, 0x0
        mov ax, SEL_TSS64
        ltr ax
        PRINTLN "long mode, CPL3, IOPL0"
        mov dword [user_eflags], 0
        ENTER_USER64 user64
        PRINTLN "back in kernel"
        EXIT_OK

        bits 32
user32:
        PRINTLN "  user: printing through the allowed serial ports"
        EXPECT_EXC .f1, .r1
.f1:    in al, 0x80                 ; denied
.r1:    EXPECT_EXC .f2, .r2
        mov dx, 0x70
        mov al, 0
.f2:    out dx, al
.r2:    PRINTLN "  user: word read at 0x3ff (0x400 denied)"
        EXPECT_EXC .f3, .r3
        mov dx, 0x3FF
.f3:    in ax, dx
.r3:    mov dx, 0x3FC
        in ax, dx                   ; 0x3FC-0x3FD: allowed
        PRINTLN "  user: word read at 0x3fc allowed"
        mov dx, 0x80
        mov esi, A(outs_text)
        EXPECT_EXC .f5, .r5
.f5:    outsb                       ; string I/O is checked too
.r5:    mov dx, COM1 + 7
        mov edi, SCRATCH
        insb                        ; allowed
        PRINTLN "  user: insb from 0x3ff allowed"
        EXPECT_EXC .f4, .r4
.f4:    cli                         ; IOPL0 < CPL3
.r4:    pushfd
        pop eax
        or eax, FL_IF | 0x3000      ; POPF at CPL3 cannot change IF or IOPL
        push eax
        popfd
        pushfd
        pop eax
        and eax, FL_IF | 0x3000
        PRINT "  user: eflags IF/IOPL after popf="
        H32 eax
        NL
        USER_RETURN

user32_iopl3:
        in al, 0x80                 ; IOPL3: the bitmap is not consulted
        out 0x80, al
        cli
        sti
        cli
        PRINTLN "  user: in/out 0x80, cli/sti: no exception"
        USER_RETURN

outs_text: db "rep outsb ok", 10
outs_len equ $ - outs_text

        bits 64
user64:
        PRINTLN "  user: printing through the allowed serial ports"
        EXPECT_EXC .f1, .r1
.f1:    in al, 0x80
.r1:    EXPECT_EXC .f2, .r2
        mov dx, 0x3FE
.f2:    in eax, dx                  ; 0x3FE-0x401: 0x400 denied
.r2:    mov dx, 0x3FC
        in eax, dx
        PRINTLN "  user: dword read at 0x3fc allowed"
        USER_RETURN

%include "end.inc"
