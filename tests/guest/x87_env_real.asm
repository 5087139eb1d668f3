; x87_env_real.asm - FNSTENV/FLDENV/FNSAVE in real mode: the real-mode layouts of the Intel SDM
; Vol.1 Figures 8-10 (32-bit) and 8-12 (16-bit), where FIP and FDP are 20-bit linear addresses
; split into bits 15:0 and bits 19:16 (at bit 12 of the next field, beside FOP). QEMU TCG stores
; the protected-mode layout in every mode, so this guest is not cross-checked with QEMU: the
; expected output is written from the SDM figures.
%include "rom.inc"

ENV     equ 0x0020                  ; offsets in DS = 0x1234 (linear 0x12360)
OPND    equ 0x0010                  ; linear 0x12350

%macro IPCHK 3                      ; %1 = low 16 bits, %2 = high field (dword, bits 27:12 used)
        ; prints 01 when the stored FIP is the linear address of label %3 (F000:%3)
        movzx eax, word %1
        mov ebx, dword %2
        shr ebx, 12
        and ebx, 0xffff
        shl ebx, 16
        or eax, ebx
        cmp eax, 0xF0000 + %3
        sete al
        H8 al
%endmacro

main:
        mov ax, 0x1234
        mov ds, ax
        mov dword [OPND], 0x3f800000     ; 1.0f
        fninit
.fi:    fld dword [OPND]                 ; FOP = d9 06 -> 0x106
        fnstenv [ENV]
        PRINT "env16 cw="
        H16 word [ENV]
        PRINT " sw="
        H16 word [ENV + 2]
        PRINT " tw="
        H16 word [ENV + 4]
        PRINT " fop="
        mov ax, [ENV + 8]
        and ax, 0x7ff
        H16 ax
        PRINT " ip-ok="
        movzx ecx, word [ENV + 8]         ; 16-bit form: bits 15:12 only
        mov [ENV + 0x80], ecx
        IPCHK [ENV + 6], [ENV + 0x80], .fi
        PRINT " dp="
        H16 word [ENV + 12]
        PUTC ':'
        H16 word [ENV + 10]
        NL
        fninit
.fi2:   fld dword [OPND]
        o32 fnstenv [ENV]
        PRINT "env32 cw="
        H32 dword [ENV]
        PRINT " sw="
        H32 dword [ENV + 4]
        PRINT " tw="
        H32 dword [ENV + 8]
        PRINT " ip-ok="
        IPCHK [ENV + 12], [ENV + 16], .fi2
        PRINT " ip-hi/fop="
        H32 dword [ENV + 16]
        PRINT " dp="
        H32 dword [ENV + 24]
        PUTC ':'
        H32 dword [ENV + 20]
        NL
        ; FLDENV of an edited 16-bit image, stored again: the linear pointers and FOP survive
        fnstenv [ENV]
        mov word [ENV + 6], 0xbeef
        mov word [ENV + 8], 0x75a5
        mov word [ENV + 10], 0x4321
        mov word [ENV + 12], 0xa000
        fldenv [ENV]
        fnstenv [ENV + 0x40]
        PRINT "fldenv/fnstenv ip="
        H16 word [ENV + 0x40 + 8]
        PUTC ':'
        H16 word [ENV + 0x40 + 6]
        PRINT " dp="
        H16 word [ENV + 0x40 + 12]
        PUTC ':'
        H16 word [ENV + 0x40 + 10]
        NL
        ; FNSAVE (94 bytes in 16-bit form): the same header, ST0 at offset 14
        fninit
        fldpi
        fnsave [ENV]
        PRINT "fnsave16 tw="
        H16 word [ENV + 4]
        PRINT " st0="
        H16 word [ENV + 14 + 8]
        PUTC ':'
        H32 dword [ENV + 14 + 4]
        H32 dword [ENV + 14]
        NL
        frstor [ENV]
        fnstsw ax
        PRINT "frstor sw="
        H16 ax
        NL
        EXIT_OK

%include "end.inc"
