; bitops.asm - BT/BTS/BTR/BTC (register and memory bit strings, immediate and register bit
; offsets, offsets beyond the operand and negative), BSF/BSR, BSWAP in real mode (16-bit),
; protected mode (32-bit) and long mode (64-bit).  Printed flags: CF after BT*, ZF after BSF/BSR
; (the others are undefined).  BSF/BSR with a zero source print only ZF (the destination is
; undefined).  (POPCNT/LZCNT/TZCNT/MOVBE are not advertised by QEMU's default CPU model and are
; not tested here.)
%include "rom.inc"
%include "cases.inc"

BITS_BUF equ SCRATCH                ; 32-byte bit string, middle at BITS_BUF + 16

%macro BTR_REG 3                    ; op, value, bit (register forms)
        mov RA, %2
        mov RB, %3
        SETFLAGS 0
        %1 RA, RB
        GETFLAGS FL_CF
        PRINT %str(%1), " ", %str(%2), ",", %str(%3), " -> "
        HR RA
        PFLAGS
        NL
%endmacro

%macro BT_IMM 3                     ; op, value, imm bit
        mov RA, %2
        SETFLAGS FL_CF
        %1 RA, %3
        GETFLAGS FL_CF
        PRINT %str(%1), " ", %str(%2), ",#", %str(%3), " -> "
        HR RA
        PFLAGS
        NL
%endmacro

%macro BT_MEM 2                     ; op, bit offset (register, signed): bit string at BITS_BUF+16
 %if __?BITS?__ == 16
        call fill_bits
 %elif __?BITS?__ == 32
        call fill_bits32
 %else
        call fill_bits64
 %endif
        mov RB, %2
        SETFLAGS 0
        %1 [BITS_BUF + 16], RB
        GETFLAGS FL_CF
        PRINT %str(%1), " [mem],", %str(%2), " -> "
 %if __?BITS?__ == 16
        call dump_bits
 %elif __?BITS?__ == 32
        call dump_bits32
 %else
        call dump_bits64
 %endif
        PFLAGS
        NL
%endmacro

%macro BS 2                         ; bsf|bsr, value
        mov RB, %2
        mov RA, 0x55
        SETFLAGS 0
        %1 RA, RB
        GETFLAGS FL_ZF
        PRINT %str(%1), " ", %str(%2), " -> "
 %if %2 != 0
        HR RA
 %endif
        PFLAGS
        NL
%endmacro

%macro SUITE 0
        BTR_REG bt, 0x8001, 0
        BTR_REG bt, 0x8001, 1
        BTR_REG bts, 0x8001, 4
        BTR_REG btr, 0x8001, 15
        BTR_REG btc, 0x8001, 3
        BTR_REG bt, 0x8001, 0x40 + 15      ; register form: offset taken modulo the width
        BT_IMM bt, 0x0100, 8
        BT_IMM bts, 0x0100, 9
        BT_IMM btr, 0x0100, 8
        BT_IMM btc, 0x0100, 8
        BT_IMM bt, 0x0004, 0x42            ; immediate: modulo the width too
        BT_MEM bt, 3
        BT_MEM bts, 0
        BT_MEM btr, 1
        BT_MEM btc, 6
        BT_MEM bts, 69
        BT_MEM btr, -8
        BT_MEM bts, -1
        BT_MEM btc, -100
        BT_MEM bt, 100
        BS bsf, 0x0100
        BS bsf, 0x8000
        BS bsf, 1
        BS bsr, 0x0100
        BS bsr, 0x8001
        BS bsr, 1
        BS bsf, 0
        BS bsr, 0
%endmacro

main:
        PRINTLN "real mode, 16-bit"
        USE_WIDTH 16
        SUITE
        REAL_TO_PROT32
        PRINTLN "protected mode, 32-bit"
        USE_WIDTH 32
        SUITE
        BS bsr, 0x80000000
        mov eax, 0x12345678
        bswap eax
        PRINT "bswap eax 12345678 -> "
        H32 eax
        NL
        PROT32_TO_LONG
        PRINTLN "long mode, 64-bit"
        USE_WIDTH 64
        SUITE
        BS bsr, 0x8000000000000000
        BS bsf, 0x8000000000000000
        BTR_REG bts, 0, 63
        BT_MEM bts, 0x7F
        mov rax, 0x0123456789ABCDEF
        bswap rax
        PRINT "bswap rax 0123456789abcdef -> "
        H64 rax
        NL
        mov r9, 0x1122334455667788
        bswap r9d
        PRINT "bswap r9d -> "
        H64 r9
        NL
        EXIT_OK

; fill_bits: BITS_BUF = 00 01 02 .. 1f ; dump_bits: print all 32 bytes
        bits 16
fill_bits:
        push bx
        xor bx, bx
.l:     mov [BITS_BUF + bx], bl
        inc bx
        cmp bx, 32
        jb .l
        pop bx
        ret
dump_bits:
        push bx
        mov bx, 0
.l:     H8 byte [BITS_BUF + bx]
        inc bx
        cmp bx, 32
        jb .l
        pop bx
        ret
        bits 32
fill_bits32:
        push ebx
        xor ebx, ebx
.l:     mov [BITS_BUF + ebx], bl
        inc ebx
        cmp ebx, 32
        jb .l
        pop ebx
        ret
dump_bits32:
        push ebx
        mov ebx, 0
.l:     H8 byte [BITS_BUF + ebx]
        inc ebx
        cmp ebx, 32
        jb .l
        pop ebx
        ret
        bits 64
fill_bits64:
        push rbx
        xor ebx, ebx
.l:     mov [BITS_BUF + rbx], bl
        inc ebx
        cmp ebx, 32
        jb .l
        pop rbx
        ret
dump_bits64:
        push rbx
        mov ebx, 0
.l:     H8 byte [BITS_BUF + rbx]
        inc ebx
        cmp ebx, 32
        jb .l
        pop rbx
        ret

%include "end.inc"
