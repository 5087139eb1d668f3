; decode.asm - decoder corner cases: 16-bit addressing forms and offset wrap-around, BP-based
; forms defaulting to SS, 32-bit SIB forms (scale, no base, EBP/ESP bases), prefixes (operand
; and address size, segment overrides, repeated prefixes), the 15-byte limit (#GP), MOVZX/
; MOVSX/MOVSXD, and in 64-bit mode RIP-relative addressing, REX.W over 0x66, REX vs AH/SPL,
; zero-extension of 32-bit results (also CMOVcc with a false condition, XCHG EAX,EAX), 16/8-bit
; writes preserving the rest, MOV r64, imm64 and MOV AL, moffs64.
%include "rom.inc"
[warning -prefix-seg]

DATA equ 0x9000

main:
        PRINTLN "real mode: 16-bit addressing"
        mov dword [DATA], 0x44332211
        mov dword [DATA + 4], 0x88776655
        mov bx, DATA
        mov si, 2
        mov di, 4
        mov ax, [bx + si]
        PRINT "[bx+si]="
        H16 ax
        mov ax, [bx + di + 1]
        PRINT " [bx+di+1]="
        H16 ax
        mov bp, DATA
        mov ax, [bp + si + 3]       ; SS (= 0 here) by default
        PRINT " [bp+si+3]="
        H16 ax
        ; BP-based forms use SS: make SS differ from DS
        mov word [0x0100 * 16 + DATA], 0xABCD
        mov ax, 0x0100
        mov ss, ax
        mov ax, [bp]                ; SS:BP = 0x1000 + DATA
        mov cx, [ds:bp]             ; DS override
        xor dx, dx
        mov ss, dx
        mov sp, REAL_SP
        PRINT " ss:[bp]="
        H16 ax
        PRINT " ds:[bp]="
        H16 cx
        NL
        ; offset wrap-around: bx + si = 0x1_0010 -> 0x0010 in 16-bit addressing
        mov word [0x0010], 0x5A5A
        mov bx, 0xFFF0
        mov si, 0x0020
        mov ax, [bx + si]
        PRINT "[bx+si] wraps to 0010: "
        H16 ax
        ; operand-size and address-size prefixes in 16-bit code
        mov eax, [DATA]
        PRINT " o32 load="
        H32 eax
        mov ebx, DATA
        mov ecx, 1
        mov eax, [ebx + ecx * 2]
        PRINT " a32 [ebx+ecx*2]="
        H32 eax
        NL

        REAL_TO_PROT32
        PRINTLN "protected mode: 32-bit addressing"
        mov ebx, DATA
        mov ecx, 2
        mov eax, [ebx + ecx * 2 - 2]
        PRINT "[ebx+ecx*2-2]="
        H32 eax
        mov eax, [ecx * 4 + DATA - 4] ; SIB without base
        PRINT " [ecx*4+disp32]="
        H32 eax
        mov ebp, DATA
        mov eax, [ebp + 1]          ; EBP base (mod 01)
        PRINT " [ebp+1]="
        H32 eax
        mov [SCRATCH + 0x80], esp
        mov esp, DATA
        mov eax, [esp + 3]          ; ESP base (SIB)
        mov esp, [SCRATCH + 0x80]
        PRINT " [esp+3]="
        H32 eax
        NL
        mov ax, [DATA + 1]          ; operand-size prefix
        PRINT "o16 load="
        H16 ax
        mov bx, DATA & 0xFFFF
        mov si, 0
        a16 mov eax, [bx + si]      ; 16-bit addressing in 32-bit code
        PRINT " a16 [bx+si]="
        H32 eax
        db 0x66, 0x66, 0x66         ; repeated operand-size prefixes
        mov eax, [DATA]             ; (A1 moffs32): 66 66 66 A1 is a 16-bit load
        PRINT " 66 66 66 mov eax -> ax="
        H16 ax
        NL
        movzx eax, byte [DATA + 7]
        PRINT "movzx="
        H32 eax
        movsx eax, byte [DATA + 7]
        PRINT " movsx b="
        H32 eax
        movsx eax, word [DATA + 6]
        PRINT " movsx w="
        H32 eax
        NL
        PRINTLN "15-byte limit"
        EXPECT_EXC .f1, .r1
.f1:    db 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66
        add dword [eax + 0x12345678], 0x12345678    ; 11 prefixes + 10 bytes: #GP(0)
.r1:    mov eax, 1
        db 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66
        db 0x05, 0x02, 0x00         ; 12 prefixes + add ax, 2 = 15 bytes: fine
        PRINT "15-byte instruction ran: ax="
        H16 ax
        NL

        PROT32_TO_LONG
        PRINTLN "long mode"
        mov eax, [rel rodata]
        PRINT "rip-relative="
        H32 eax
        lea rax, [rel rodata]
        lea rbx, [A(rodata)]
        cmp rax, rbx
        sete al
        add al, '0'
        PRINT " lea rip-rel ok="
        PUTC al
        NL
        mov rax, 0x1122334455667788
        mov rbx, 0xFFFFFFFFFFFFFFFF
        db 0x66, 0x48, 0x89, 0xC3   ; 66 REX.W mov rbx, rax: 64-bit
        PRINT "66+rex.w mov rbx,rax -> "
        H64 rbx
        NL
        mov rax, 0x1122334455667788
        mov ah, 0xAA                ; no REX: AH
        PRINT "mov ah -> "
        H64 rax
        mov rsp, STACK_TOP - 0x100
        mov rsp, 0x0000000000070000
        mov rcx, rsp
        db 0x40, 0xB4, 0xBB         ; REX mov spl, 0xBB
        mov rdx, rsp
        mov rsp, rcx
        PRINT " rex mov spl -> rsp="
        H64 rdx
        NL
        mov rax, -1
        mov eax, 5                  ; 32-bit write zero-extends
        PRINT "mov eax -> "
        H64 rax
        mov rax, -1
        mov ax, 5                   ; 16-bit write preserves
        PRINT " mov ax -> "
        H64 rax
        mov rax, -1
        mov al, 5
        PRINT " mov al -> "
        H64 rax
        NL
        mov rax, -1
        mov rbx, 7
        xor ecx, ecx                ; ZF=1
        cmovnz eax, ebx             ; false condition: EAX still written (zero-extended)
        PRINT "cmovnz false -> "
        H64 rax
        mov rax, -1
        xchg eax, eax               ; 0x87 form zero-extends; 0x90 is NOP
        PRINT " xchg eax,eax(87) -> "
        H64 rax
        mov rax, -1
        nop                         ; 0x90: RAX unchanged
        PRINT " nop -> "
        H64 rax
        NL
        mov rcx, -3
        movsxd rax, ecx
        PRINT "movsxd -> "
        H64 rax
        mov rax, 0x123456789ABCDEF0
        PRINT " mov r64,imm64 -> "
        H64 rax
        mov al, [qword DATA + 3]    ; A0 moffs64
        PRINT " mov al,[moffs64] -> "
        H8 al
        NL
        mov rax, 0x8000000000000000
        mov ds, ax                  ; (null in 64-bit: fine)
        mov ebx, DATA
        mov eax, [es:rbx]           ; ES/DS/SS overrides are ignored in 64-bit mode
        PRINT "es: override -> "
        H32 eax
        mov ax, SEL_DATA32
        mov ds, ax
        NL
        EXIT_OK

rodata: dd 0xC0DEC0DE

%include "end.inc"
