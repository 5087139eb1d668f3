; atomics.asm - XCHG, XADD, CMPXCHG (equal and not equal; flags as CMP), CMPXCHG8B,
; CMPXCHG16B (and #GP for a misaligned operand), with and without LOCK, in real mode,
; 32-bit protected mode and 64-bit mode.
%include "rom.inc"
%include "cases.inc"

MEM equ SCRATCH                     ; 16-byte aligned

%macro XCHG_T 0
        mov RA, 0x11
        mov RB, 0x22
        xchg RA, RB
        PRINT "xchg reg,reg -> "
        HR RA
        PUTC ' '
        HR RB
        NL
        mov RA, 0x33
        mov [MEM], RB
        lock xchg [MEM], RA
        PRINT "lock xchg [mem],reg -> "
        HR RA
        PUTC ' '
        HR WSZ [MEM]
        NL
        mov RA, 5
        mov RB, 7
        SETFLAGS 0
        xadd RA, RB
        GETFLAGS FL_ARITH
        PRINT "xadd 5,7 -> "
        HR RA
        PUTC ' '
        HR RB
        PFLAGS
        NL
        mov RB, WMAX
        mov [MEM], RB
        mov RB, 1
        SETFLAGS 0
        lock xadd [MEM], RB
        GETFLAGS FL_ARITH
        PRINT "lock xadd [-1],1 -> "
        HR WSZ [MEM]
        PUTC ' '
        HR RB
        PFLAGS
        NL
        ; CMPXCHG: compare the accumulator with the destination
        mov RA, 0x44
        mov [MEM], RA
        mov RB, 0x55
        SETFLAGS 0
        lock cmpxchg [MEM], RB
        GETFLAGS FL_ARITH
        PRINT "cmpxchg equal -> mem="
        HR WSZ [MEM]
        PRINT " acc="
        HR RA
        PFLAGS
        NL
        mov RA, 0x40
        mov RB, 0x66
        SETFLAGS FL_ARITH
        cmpxchg [MEM], RB
        GETFLAGS FL_ARITH
        PRINT "cmpxchg not equal -> mem="
        HR WSZ [MEM]
        PRINT " acc="
        HR RA
        PFLAGS
        NL
        mov RA, 3
        mov RC, 3
        mov RB, 9
        cmpxchg RC, RB
        GETFLAGS FL_ARITH
        PRINT "cmpxchg reg equal -> "
        HR RC
        PFLAGS
        NL
%endmacro

%macro CX8 4                        ; mem hi, mem lo, edx, eax (ecx:ebx = 0xCCCCCCCC:0xBBBBBBBB)
        mov dword [MEM], %2
        mov dword [MEM + 4], %1
        mov edx, %3
        mov eax, %4
        mov ecx, 0xCCCCCCCC
        mov ebx, 0xBBBBBBBB
        SETFLAGS 0
        lock cmpxchg8b [MEM]
        GETFLAGS_SI FL_ZF
        PRINT "cmpxchg8b -> mem="
        H32 dword [MEM + 4]
        PUTC ':'
        H32 dword [MEM]
        PRINT " edx:eax="
        H32 edx
        PUTC ':'
        H32 eax
        PFLAGS_SI
        NL
%endmacro

main:
        PRINTLN "real mode"
        USE_WIDTH 16
        XCHG_T
        USE_WIDTH 8
        XCHG_T
        CX8 0x11111111, 0x22222222, 0x11111111, 0x22222222
        CX8 0x11111111, 0x22222222, 0x11111111, 0x33333333
        REAL_TO_PROT32
        PRINTLN "protected mode"
        USE_WIDTH 32
        XCHG_T
        CX8 0x11111111, 0x22222222, 0x11111111, 0x22222222
        CX8 0x11111111, 0x22222222, 0x44444444, 0x22222222
        PROT32_TO_LONG
        PRINTLN "long mode"
        USE_WIDTH 64
        XCHG_T
        mov qword [MEM], 1
        mov qword [MEM + 8], 2
        mov rdx, 2
        mov rax, 1
        mov rcx, 0xCCCC
        mov rbx, 0xBBBB
        lock cmpxchg16b [MEM]
        GETFLAGS FL_ZF
        PRINT "cmpxchg16b equal -> mem="
        H64 qword [MEM + 8]
        PUTC ':'
        H64 qword [MEM]
        PFLAGS
        NL
        mov rdx, 2
        mov rax, 1
        cmpxchg16b [MEM]
        GETFLAGS_SI FL_ZF
        PRINT "cmpxchg16b not equal -> rdx:rax="
        H64 rdx
        PUTC ':'
        H64 rax
        PFLAGS_SI
        NL
        EXPECT_EXC .f, .r
.f:     cmpxchg16b [MEM + 8]        ; not 16-byte aligned: #GP(0)
.r:     mov eax, 0x12345678
        mov ebx, 0xAAAAAAAA
        mov rcx, 0xFFFFFFFF00000000
        mov [MEM], rcx
        xchg [MEM], eax
        PRINT "xchg [mem],eax -> "
        H64 qword [MEM]
        NL
        EXIT_OK

%include "end.inc"
