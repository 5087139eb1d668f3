; shifts.asm - SHL/SHR/SAR/ROL/ROR/RCL/RCR/SHLD/SHRD with counts 0, 1 and N in real mode
; (8/16-bit), protected mode (32-bit) and long mode (64-bit).
; Line: "op value count -> result f=flags".  Masks: count 0 leaves every flag alone; OF is
; printed only for count 1; AF is never printed for shifts; rotates leave SF/ZF/AF/PF alone.
%include "rom.inc"
%include "cases.inc"

SH1_MASK equ FL_OF | FL_SF | FL_ZF | FL_PF | FL_CF          ; shifts, count 1
SHN_MASK equ FL_SF | FL_ZF | FL_PF | FL_CF                  ; shifts, count > 1
RO1_MASK equ FL_ARITH                                       ; rotates, count 1
RON_MASK equ FL_ARITH & ~FL_OF                              ; rotates, count > 1
OTHERS   equ FL_SF | FL_ZF | FL_AF | FL_PF                  ; flags rotates must preserve

; SH op, value, count, flags-in, mask   (count in CL)
%macro SH 5
        mov RA, %2
        mov RB, RA
        mov cl, %3
        SETFLAGS %4
        %1 RA, cl
        GETFLAGS %5
        PRINT %str(%1), " "
        HR RB
        PUTC ' '
        H8 cl
        PRINT " -> "
        HR RA
        PFLAGS
        NL
%endmacro

; SHI op, value, imm-count, flags-in, mask   (immediate count; 1 uses the D0/D1 form)
%macro SHI 5
        mov RA, %2
        mov RB, RA
        SETFLAGS %4
        %1 RA, %3
        GETFLAGS %5
        PRINT %str(%1), " "
        HR RB
        PRINT " #", %str(%3), " -> "
        HR RA
        PFLAGS
        NL
%endmacro

; DSH op, a, b, count, flags-in, mask   (SHLD/SHRD a, b, cl)
%macro DSH 6
        mov RA, %2
        mov RS, RA
        mov RB, %3
        mov cl, %4
        SETFLAGS %5
        %1 RA, RB, cl
        GETFLAGS %6
        PRINT %str(%1), " "
        HR RS
        PUTC ' '
        HR RB
        PUTC ' '
        H8 cl
        PRINT " -> "
        HR RA
        PFLAGS
        NL
%endmacro

%macro SUITE 0
        SH shl, WSMIN | 1, 0, FL_ARITH, FL_ARITH
        SH shl, WSMIN | 1, 1, 0, SH1_MASK
        SH shl, WSMIN | 1, 4, 0, SHN_MASK
        SH shl, WSMIN >> 1, 1, 0, SH1_MASK
        SH shl, (WSMIN >> 1) | WSMIN, 1, 0, SH1_MASK
        SH shr, WSMIN | 1, 0, 0, FL_ARITH
        SH shr, WSMIN | 1, 1, 0, SH1_MASK
        SH shr, WSMIN | 1, 4, 0, SHN_MASK
        SH shr, 1, 1, 0, SH1_MASK
        SH sar, WSMIN | 1, 1, 0, SH1_MASK
        SH sar, WSMIN | 0x10, 4, 0, SHN_MASK
        SH sar, WSMAX, 3, 0, SHN_MASK
        SH rol, WSMIN | 1, 0, OTHERS, FL_ARITH
        SH rol, WSMIN | 1, 1, OTHERS, RO1_MASK
        SH rol, WSMIN | 1, 4, 0, RON_MASK
        SH rol, WSMAX, 1, 0, RO1_MASK
        SH ror, 1, 1, OTHERS, RO1_MASK
        SH ror, 3, 4, 0, RON_MASK
        SH ror, 2, 1, 0, RO1_MASK
        SH rcl, WSMIN | 1, 1, FL_CF, RO1_MASK
        SH rcl, WSMIN | 1, 1, OTHERS, RO1_MASK
        SH rcl, WSMIN | 1, 4, FL_CF, RON_MASK
        SH rcr, 1, 1, 0, RO1_MASK
        SH rcr, 1, 1, FL_CF | OTHERS, RO1_MASK
        SH rcr, 5, 3, FL_CF, RON_MASK
        SHI shl, 0x11, 1, 0, SH1_MASK
        SHI shr, WSMIN, 3, 0, SHN_MASK
        SHI sar, WSMIN, 1, 0, SH1_MASK
        SHI rol, 0x11, 3, 0, RON_MASK
        SHI rcr, 0x10, 1, FL_CF, RO1_MASK
%endmacro

%macro DSUITE 0
        DSH shld, WSMIN | 1, WMAX, 0, FL_ARITH, FL_ARITH
        DSH shld, WSMIN | 1, WMAX, 1, 0, SH1_MASK
        DSH shld, WSMIN | 1, WMAX, 4, 0, SHN_MASK
        DSH shld, 0x1234, WSMIN, 1, 0, SH1_MASK
        DSH shrd, WSMIN | 1, WMAX, 1, 0, SH1_MASK
        DSH shrd, WSMIN | 1, 0, 4, 0, SHN_MASK
        DSH shrd, 0x10, 0x3, 4, 0, SHN_MASK
%endmacro

main:
        PRINTLN "real mode, 8-bit"
        USE_WIDTH 8
        SUITE
        PRINTLN "real mode, 16-bit"
        USE_WIDTH 16
        SUITE
        DSUITE
        REAL_TO_PROT32
        PRINTLN "protected mode, 32-bit"
        USE_WIDTH 32
        SUITE
        DSUITE
        SH shl, 3, 33, 0, SH1_MASK          ; count masked to 5 bits: 1
        SH shr, 3, 32, FL_ARITH, FL_ARITH   ; masked to 0: nothing changes
        PROT32_TO_LONG
        PRINTLN "long mode, 64-bit"
        USE_WIDTH 64
        SUITE
        DSUITE
        SH shl, 3, 33, 0, SHN_MASK          ; 64-bit: count 33
        SH shr, 3, 64, FL_ARITH, FL_ARITH   ; masked to 0
        SH shl, 3, 65, 0, SH1_MASK          ; masked to 1
        EXIT_OK

%include "end.inc"
