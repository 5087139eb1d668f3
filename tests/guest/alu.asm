; alu.asm - ADD/ADC/SUB/SBB/AND/OR/XOR/CMP/INC/DEC/NEG/NOT with their flags, in real mode
; (8- and 16-bit), 32-bit protected mode (32-bit) and 64-bit mode (64- and 32-bit forms).
; Each line: "op a b -> result f=flags" with flags masked to the bits the instruction
; defines (AF is undefined after AND/OR/XOR).
%include "rom.inc"
%include "cases.inc"

LOGIC_MASK equ FL_OF | FL_SF | FL_ZF | FL_PF | FL_CF

; BIN op, a, b, flags-in, mask
%macro BIN 5
        mov RA, %2
        mov RB, %3
        mov RC, RA
        SETFLAGS %4
        %1 RA, RB
        GETFLAGS %5
        PRINT %str(%1), " "
        HR RC
        PUTC ' '
        HR RB
        PRINT " -> "
        HR RA
        PFLAGS
        NL
%endmacro

; UN op, a, flags-in, mask
%macro UN 4
        mov RA, %2
        mov RC, RA
        SETFLAGS %3
        %1 RA
        GETFLAGS %4
        PRINT %str(%1), " "
        HR RC
        PRINT " -> "
        HR RA
        PFLAGS
        NL
%endmacro

%macro SUITE 0
        BIN add, 1, 2, 0, FL_ARITH
        BIN add, WMAX, 1, 0, FL_ARITH
        BIN add, WSMAX, 1, 0, FL_ARITH
        BIN add, WSMIN, WSMIN, 0, FL_ARITH
        BIN add, 0x0F, 0x01, 0, FL_ARITH
        BIN adc, 1, 2, FL_CF, FL_ARITH
        BIN adc, WMAX, 0, FL_CF, FL_ARITH
        BIN adc, WSMAX, 0, FL_CF, FL_ARITH
        BIN adc, 0x10, 0x20, 0, FL_ARITH
        BIN sub, 3, 5, 0, FL_ARITH
        BIN sub, WSMIN, 1, 0, FL_ARITH
        BIN sub, 5, 5, 0, FL_ARITH
        BIN sub, 0x10, 0x01, 0, FL_ARITH
        BIN sbb, 5, 5, FL_CF, FL_ARITH
        BIN sbb, 0, 0, FL_CF, FL_ARITH
        BIN sbb, WSMIN, 0, FL_CF, FL_ARITH
        BIN sbb, 9, 3, 0, FL_ARITH
        BIN and, 0x5A, 0x0F, FL_ARITH, LOGIC_MASK
        BIN and, WSMIN, WMAX, 0, LOGIC_MASK
        BIN and, 0x55, 0x2A, 0, LOGIC_MASK
        BIN or, 0x50, 0x03, FL_ARITH, LOGIC_MASK
        BIN or, WSMIN, 1, 0, LOGIC_MASK
        BIN xor, 0x5A, 0x5A, FL_CF | FL_OF, LOGIC_MASK
        BIN xor, WMAX, 0x0F, 0, LOGIC_MASK
        BIN cmp, 1, 2, 0, FL_ARITH
        BIN cmp, WSMIN, WSMAX, 0, FL_ARITH
        BIN cmp, 7, 7, 0, FL_ARITH
        UN inc, WMAX, FL_CF, FL_ARITH
        UN inc, WSMAX, 0, FL_ARITH
        UN inc, 0x0F, 0, FL_ARITH
        UN dec, 0, 0, FL_ARITH
        UN dec, WSMIN, FL_CF, FL_ARITH
        UN dec, 1, 0, FL_ARITH
        UN neg, 0, FL_CF, FL_ARITH
        UN neg, 1, 0, FL_ARITH
        UN neg, WSMIN, 0, FL_ARITH
        UN not, 0x55, FL_ARITH, FL_ARITH
        UN not, 0, 0, FL_ARITH
%endmacro

main:
        PRINTLN "real mode, 8-bit"
        USE_WIDTH 8
        SUITE
        PRINTLN "real mode, 16-bit"
        USE_WIDTH 16
        SUITE
        ; memory destination forms
        mov word [SCRATCH], 0x7FFF
        SETFLAGS 0
        add word [SCRATCH], 1
        GETFLAGS FL_ARITH
        PRINT "add [mem],1 -> "
        H16 word [SCRATCH]
        PFLAGS
        NL

        REAL_TO_PROT32
        PRINTLN "protected mode, 32-bit"
        USE_WIDTH 32
        SUITE
        mov dword [SCRATCH], 0xFFFFFFFF
        SETFLAGS 0
        sub dword [SCRATCH], 0xFFFFFFFF
        GETFLAGS FL_ARITH
        PRINT "sub [mem],-1 -> "
        H32 dword [SCRATCH]
        PFLAGS
        NL

        PROT32_TO_LONG
        PRINTLN "long mode, 64-bit"
        USE_WIDTH 64
        SUITE
        PRINTLN "long mode, 32-bit (zero-extends)"
        mov rax, 0xFFFFFFFFFFFFFFFF
        SETFLAGS 0
        add eax, 1
        GETFLAGS FL_ARITH
        PRINT "add eax,1 -> "
        H64 rax
        PFLAGS
        NL
        mov rax, 0x123456789ABCDEF0
        xor ah, 0xFF
        PRINT "xor ah,ff -> "
        H64 rax
        NL
        mov r8, 0x8000000000000000
        mov r9, -1
        SETFLAGS 0
        adc r8, r9
        GETFLAGS FL_ARITH
        PRINT "adc r8,r9 -> "
        H64 r8
        PFLAGS
        NL
        EXIT_OK

%include "end.inc"
