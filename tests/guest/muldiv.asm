; muldiv.asm - MUL/IMUL (1-, 2- and 3-operand)/DIV/IDIV in 8/16-bit (real mode), 32-bit
; (protected mode) and 64-bit (long mode), and #DE for a zero divisor and for a quotient
; that does not fit.  Only CF and OF are printed after MUL/IMUL (SF/ZF/AF/PF are undefined);
; no flags after DIV/IDIV (all undefined).
%include "rom.inc"
%include "cases.inc"

MUL_MASK equ FL_CF | FL_OF

; MUL8 op, a, b : AX = AL * BL
%macro MUL8 3
        mov al, %2
        mov bl, %3
        PRINT %str(%1), " "
        H8 al
        PUTC ' '
        H8 bl
        PRINT " -> "
        SETFLAGS 0
        %1 bl
        GETFLAGS_SI MUL_MASK
        H16 ax
        PFLAGS_SI
        NL
%endmacro

; DIV8 op, ax, b : AL = AX / BL, AH = AX % BL
%macro DIV8 3
        mov ax, %2
        mov bl, %3
        PRINT %str(%1), " "
        H16 ax
        PUTC ' '
        H8 bl
        PRINT " -> q="
        %1 bl
        H8 al
        PRINT " r="
        H8 ah
        NL
%endmacro

; MULW op, a, b : RD:RA = RA * RB
%macro MULW 3
        mov RA, %2
        mov RB, %3
        PRINT %str(%1), " "
        HR RA
        PUTC ' '
        HR RB
        PRINT " -> "
        SETFLAGS 0
        %1 RB
        GETFLAGS_SI MUL_MASK
        HR RD
        PUTC ':'
        HR RA
        PFLAGS_SI
        NL
%endmacro

; IMUL2 a, b : RA = RA * RB ; IMUL3 b, imm : RA = RB * imm
%macro IMUL2 2
        mov RA, %1
        mov RB, %2
        PRINT "imul2 "
        HR RA
        PUTC ' '
        HR RB
        PRINT " -> "
        SETFLAGS 0
        imul RA, RB
        GETFLAGS_SI MUL_MASK
        HR RA
        PFLAGS_SI
        NL
%endmacro
%macro IMUL3 2
        mov RB, %1
        PRINT "imul3 "
        HR RB
        PRINT " ", %str(%2), " -> "
        SETFLAGS 0
        imul RA, RB, %2
        GETFLAGS_SI MUL_MASK
        HR RA
        PFLAGS_SI
        NL
%endmacro

; DIVW op, hi, lo, divisor : RA = RD:RA / RB, RD = remainder
%macro DIVW 4
        mov RD, %2
        mov RA, %3
        mov RB, %4
        PRINT %str(%1), " "
        HR RD
        PUTC ':'
        HR RA
        PUTC ' '
        HR RB
        PRINT " -> q="
        %1 RB
        HR RA
        PRINT " r="
        HR RD
        NL
%endmacro

; DE op, hi, lo, divisor : expect #DE at the division, registers unchanged
%macro DE 4
        EXPECT_EXC %%div, %%after
        mov RD, %2
        mov RA, %3
        mov RB, %4
        PRINT %str(%1), " "
        HR RD
        PUTC ':'
        HR RA
        PUTC ' '
        HR RB
        PRINT " -> "
%%div:  %1 RB
        PRINTLN "no exception"
%%after:
        PRINT "   after #DE: "
        HR RD
        PUTC ':'
        HR RA
        NL
%endmacro

%macro SUITE 0
        MULW mul, 3, 5
        MULW mul, WMAX, WMAX
        MULW mul, WSMIN, 2
        MULW imul, WMAX, WMAX
        MULW imul, WSMAX, 2
        MULW imul, WSMIN, WMAX
        MULW imul, 7, WMAX
        IMUL2 3, WMAX
        IMUL2 WSMAX, 2
        IMUL2 0x100, 0x100
        IMUL3 WMAX, -7
        IMUL3 WSMIN, 2
        IMUL3 0x1234, 0x10
        DIVW div, 0, 100, 7
        DIVW div, 1, 0, 0x10
        DIVW div, 0, WMAX, WMAX
        DIVW idiv, WMAX, -7, 2
        DIVW idiv, 0, 7, -2
        DIVW idiv, WMAX, WSMIN, 2
        DE div, 0, 1, 0
        DE div, 1, 0, 1
        DE idiv, WMAX, WSMIN, -1
        DE idiv, 0, WSMIN, 1
%endmacro

main:
        PRINTLN "real mode, 8-bit"
        MUL8 mul, 0x10, 0x10
        MUL8 mul, 3, 5
        MUL8 mul, 0xFF, 0xFF
        MUL8 imul, 0xFF, 0xFF
        MUL8 imul, 0x40, 2
        MUL8 imul, 0x80, 1
        MUL8 imul, 0x80, 0xFF
        DIV8 div, 100, 7
        DIV8 div, 0x1FF, 0xFF
        DIV8 idiv, -7, 2
        DIV8 idiv, 7, -2
        DIV8 idiv, -128, 1
        EXPECT_EXC .d8, .a8
        mov ax, 0x200
        mov bl, 2
.d8:    div bl
        PRINTLN "no exception"
.a8:    PRINT "div 0200 02 -> #DE, ax="
        H16 ax
        NL
        PRINTLN "real mode, 16-bit"
        USE_WIDTH 16
        SUITE
        REAL_TO_PROT32
        PRINTLN "protected mode, 32-bit"
        USE_WIDTH 32
        SUITE
        PROT32_TO_LONG
        PRINTLN "long mode, 64-bit"
        USE_WIDTH 64
        SUITE
        EXIT_OK

%include "end.inc"
