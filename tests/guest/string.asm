; string.asm - MOVS/STOS/LODS/CMPS/SCAS with and without REP/REPE/REPNE, DF=0 and DF=1,
; 16- and 32-bit address sizes in real mode, 32- and 16-bit address sizes in protected mode,
; 64- and 32-bit address sizes in long mode, a CS segment override on the source.
; Buffers hold ASCII so the dumps are readable; CMPS/SCAS print OF SF ZF AF PF CF.
%include "rom.inc"
%include "cases.inc"

SRC equ SCRATCH                     ; 0x8000
DST equ SCRATCH + 0x100             ; 0x8100
BUFLEN equ 16

; BUF: print "dst=<16 chars>" of DST
%macro BUF 0
 %if __?BITS?__ == 16
        call dump16
 %elif __?BITS?__ == 32
        call dump32
 %else
        call dump64
 %endif
%endmacro

; REGS width: print si, di, cx (16, 32 or 64 bits)
%macro REGS 1
        _REGS %1
        NL
%endmacro

; REGSF width: same plus " f=" and DX (flags captured with GETFLAGS FL_ARITH right after the
; instruction under test)
%macro REGSF 1
        _REGS %1
        PFLAGS
        NL
%endmacro

%macro _REGS 1
 %if %1 == 16
        PRINT " si="
        H16 si
        PRINT " di="
        H16 di
        PRINT " cx="
        H16 cx
 %elif %1 == 32
        PRINT " si="
        H32 esi
        PRINT " di="
        H32 edi
        PRINT " cx="
        H32 ecx
 %else
        PRINT " si="
        H64 rsi
        PRINT " di="
        H64 rdi
        PRINT " cx="
        H64 rcx
 %endif
%endmacro

%macro FILL 0                       ; DST = 16 dots (plain stores, not string instructions)
        mov dword [DST], '....'
        mov dword [DST + 4], '....'
        mov dword [DST + 8], '....'
        mov dword [DST + 12], '....'
%endmacro

main:
        ; SRC = "0123456789ABCDEF" copied from ROM with a CS override
        mov si, text
        mov di, SRC
        mov cx, BUFLEN
        cld
        cs rep movsb
        PRINT "cs rep movsb: di="
        H16 di
        PRINT " cx="
        H16 cx
        NL
        PRINTLN "real mode, a16"
        FILL
        mov si, SRC
        mov di, DST + 2
        mov cx, 5
        cld
        rep movsb
        BUF
        REGS 16
        FILL
        mov si, SRC + 14
        mov di, DST + 14
        mov cx, 3
        std
        rep movsw
        cld
        BUF
        REGS 16
        FILL
        mov al, 'x'
        mov di, DST + 15
        mov cx, 4
        std
        rep stosb
        cld
        BUF
        REGS 16
        mov ax, 'yz'
        mov di, DST
        mov cx, 2
        rep stosw
        BUF
        REGS 16
        mov si, SRC + 4
        lodsw
        PRINT "lodsw ax="
        H16 ax
        REGS 16
        ; REPE CMPSB: SRC "0123..." vs DST "yzyz" -> first compare differs
        mov si, SRC
        mov di, DST
        mov cx, 8
        repe cmpsb
        GETFLAGS FL_ARITH
        PRINT "repe cmpsb"
        REGSF 16
        ; compare SRC with a copy that differs at index 5
        mov si, SRC
        mov di, DST
        mov cx, BUFLEN
        rep movsb
        mov byte [DST + 5], '#'
        mov si, SRC
        mov di, DST
        mov cx, BUFLEN
        repe cmpsb
        GETFLAGS FL_ARITH
        PRINT "repe cmpsb mismatch"
        REGSF 16
        mov si, SRC
        mov di, DST
        mov cx, 5
        repe cmpsb
        GETFLAGS FL_ARITH
        PRINT "repe cmpsb equal"
        REGSF 16
        mov al, 'D'
        mov di, SRC
        mov cx, BUFLEN
        repne scasb
        GETFLAGS FL_ARITH
        PRINT "repne scasb 'D'"
        REGSF 16
        mov al, 'Z'
        mov di, SRC
        mov cx, BUFLEN
        repne scasb
        GETFLAGS FL_ARITH
        PRINT "repne scasb 'Z'"
        REGSF 16
        mov al, '9'
        mov di, SRC + 15
        mov cx, BUFLEN
        std
        repne scasb
        GETFLAGS FL_ARITH
        cld
        PRINT "std repne scasb '9'"
        REGSF 16
        ; CX = 0: no iteration, flags untouched
        mov si, SRC
        mov di, DST
        mov cx, 0
        SETFLAGS FL_ARITH
        repe cmpsb
        GETFLAGS FL_ARITH
        PRINT "repe cmpsb cx=0"
        REGSF 16
        ; 32-bit addressing in real mode: ESI/EDI/ECX
        PRINTLN "real mode, a32"
        FILL
        mov esi, SRC + 1
        mov edi, DST
        mov ecx, 3
        a32 rep movsw
        BUF
        REGS 32
        ; wrap-around of SI in 16-bit addressing: upper half of ESI is left alone
        mov esi, 0x12340000 + SRC
        mov edi, 0x56780000 + DST
        mov ecx, 0x9ABC0002
        rep movsb
        PRINT "a16 keeps upper halves:"
        REGS 32

        REAL_TO_PROT32
        PRINTLN "protected mode, a32"
        FILL
        mov esi, SRC
        mov edi, DST
        mov ecx, 3
        rep movsd
        BUF
        REGS 32
        FILL
        mov esi, SRC + 12
        mov edi, DST + 12
        mov ecx, 2
        std
        rep movsd
        cld
        BUF
        REGS 32
        mov eax, 'abcd'
        mov edi, DST
        mov ecx, 4
        rep stosd
        BUF
        REGS 32
        mov esi, SRC
        lodsd
        PRINT "lodsd eax="
        H32 eax
        REGS 32
        mov esi, SRC
        mov edi, DST
        mov ecx, BUFLEN
        rep movsb
        mov byte [DST + 9], 'z'
        mov esi, SRC
        mov edi, DST
        mov ecx, 4
        repe cmpsd
        GETFLAGS FL_ARITH
        PRINT "repe cmpsd"
        REGSF 32
        mov eax, '89AB'
        mov edi, SRC
        mov ecx, 4
        repne scasd
        GETFLAGS FL_ARITH
        PRINT "repne scasd"
        REGSF 32
        PRINTLN "protected mode, a16"
        mov esi, 0xFFFF0000 + SRC
        mov edi, 0xEEEE0000 + DST
        mov ecx, 0xDDDD0004
        FILL
        a16 rep movsb
        BUF
        REGS 32

        PROT32_TO_LONG
        PRINTLN "long mode, a64"
        FILL
        mov rsi, SRC
        mov rdi, DST
        mov rcx, 2
        rep movsq
        BUF
        REGS 64
        mov rax, 'ABCDEFGH'
        mov rdi, DST + 15
        mov rcx, 8
        std
        rep stosb
        cld
        BUF
        REGS 64
        mov rax, 'ABCDEFGH'
        mov rdi, DST
        mov rcx, 1
        stosq
        BUF
        REGS 64
        mov rsi, SRC
        mov rdi, DST
        mov rcx, 2
        repe cmpsq
        GETFLAGS FL_ARITH
        PRINT "repe cmpsq"
        REGSF 64
        mov rax, '89ABCDEF'
        mov rdi, SRC
        mov rcx, 2
        repne scasq
        GETFLAGS FL_ARITH
        PRINT "repne scasq"
        REGSF 64
        PRINTLN "long mode, a32 (zero-extends)"
        mov rsi, 0xFFFFFFFF00000000 + SRC
        mov rdi, 0xFFFFFFFF00000000 + DST
        mov rcx, 0xFFFFFFFF00000003
        FILL
        a32 rep movsb
        BUF
        REGS 64
        EXIT_OK

        bits 16
dump16:
        push si
        push cx
        PRINT "dst="
        mov si, DST
        mov cx, BUFLEN
.l:     PUTC [si]
        inc si
        loop .l
        pop cx
        pop si
        ret
        bits 32
dump32:
        push esi
        push ecx
        PRINT "dst="
        mov esi, DST
        mov ecx, BUFLEN
.l:     PUTC [esi]
        inc esi
        loop .l
        pop ecx
        pop esi
        ret
        bits 64
dump64:
        push rsi
        push rcx
        PRINT "dst="
        mov esi, DST
        mov ecx, BUFLEN
.l:     PUTC [rsi]
        inc esi
        loop .l
        pop rcx
        pop rsi
        ret

text:   db "0123456789ABCDEF"

%include "end.inc"
