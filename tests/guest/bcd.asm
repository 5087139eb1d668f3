; bcd.asm - DAA/DAS/AAA/AAS/AAM/AAD in real mode and 32-bit protected mode (#DE for AAM 0,
; #UD in 64-bit mode).  Flags printed: DAA/DAS SF ZF AF PF CF; AAA/AAS AF CF; AAM/AAD SF ZF PF.
%include "rom.inc"
%include "cases.inc"

DA_MASK equ FL_SF | FL_ZF | FL_AF | FL_PF | FL_CF
AA_MASK equ FL_AF | FL_CF
AM_MASK equ FL_SF | FL_ZF | FL_PF

; ADJ ax-in, pre-op, operand, adjust-instruction, flags-in, mask
%macro ADJ 6
        mov ax, %1
        SETFLAGS %5
        %2 al, %3
        %4
        GETFLAGS %6
        PRINT %str(%2), " ", %str(%1), ",", %str(%3), " ", %str(%4), " -> "
        H16 ax
        PFLAGS
        NL
%endmacro

; ADJ1 ax-in, adjust-instruction, flags-in, mask (no pre-op)
%macro ADJ1 4
        mov ax, %1
        SETFLAGS %3
        %2
        GETFLAGS %4
        PRINT %str(%2), " ", %str(%1), " -> "
        H16 ax
        PFLAGS
        NL
%endmacro

%macro SUITE 0
        ADJ 0x0028, add, 0x19, daa, 0, DA_MASK
        ADJ 0x0079, add, 0x35, daa, 0, DA_MASK
        ADJ 0x0099, add, 0x01, daa, 0, DA_MASK
        ADJ 0x0050, add, 0x50, daa, 0, DA_MASK
        ADJ1 0x009A, daa, 0, DA_MASK
        ADJ1 0x0012, daa, FL_AF | FL_CF, DA_MASK
        ADJ 0x0041, sub, 0x19, das, 0, DA_MASK
        ADJ 0x0010, sub, 0x20, das, 0, DA_MASK
        ADJ 0x0000, sub, 0x01, das, 0, DA_MASK
        ADJ1 0x00FF, das, 0, DA_MASK
        ADJ 0x0009, add, 0x05, aaa, 0, AA_MASK
        ADJ 0x0108, add, 0x01, aaa, 0, AA_MASK
        ADJ1 0x00FA, aaa, 0, AA_MASK
        ADJ 0x0102, sub, 0x05, aas, 0, AA_MASK
        ADJ 0x0208, sub, 0x03, aas, 0, AA_MASK
        ADJ1 0x0000, aas, FL_AF, AA_MASK
        ADJ1 0x004F, aam, 0, AM_MASK
        ADJ1 0x0000, aam, 0, AM_MASK
        ADJ1 0x00FF, {aam 16}, 0, AM_MASK
        ADJ1 0x0709, aad, 0, AM_MASK
        ADJ1 0x0F0F, {aad 16}, 0, AM_MASK
        ADJ1 0x0A80, aad, 0, AM_MASK
        EXPECT_EXC %%f, %%r
        mov ax, 0x1234
%%f:    aam 0
%%r:    PRINT "after aam 0: ax="
        H16 ax
        NL
%endmacro

main:
        PRINTLN "real mode"
        SUITE
        REAL_TO_PROT32
        PRINTLN "protected mode"
        SUITE
        PROT32_TO_LONG
        PRINTLN "long mode: invalid"
        EXPECT_EXC .f1, .r1
.f1:    db 0x27                     ; daa
.r1:    EXPECT_EXC .f2, .r2
.f2:    db 0xD4, 0x0A               ; aam
.r2:    EXIT_OK

%include "end.inc"
