; modes.asm - mode switches: real -> 32-bit protected -> 16-bit protected -> 32-bit -> long
; -> compatibility -> long -> 32-bit protected -> real, twice, and unreal mode.  In each mode it
; prints CR0 (reset value first), CR4.PAE, EFER.LME/LMA, CS, the width of a PUSH imm8 and
; whether byte 0x40 is INC EAX (legacy modes) or a REX prefix (64-bit mode).
%include "rom.inc"

; PROBE: EBX = PUSH width in bytes, ECX = 1 if 0x40 acted as INC (0 if it was REX)
%macro PROBE 0
 %if __?BITS?__ == 16
        mov [scratch_vars], esp
        push byte 0
        mov ebx, [scratch_vars]
        sub ebx, esp
        add sp, bx
        xor ecx, ecx
        db 0x41                     ; inc cx
        nop
 %elif __?BITS?__ == 32
        mov [scratch_vars], esp
        push byte 0
        mov ebx, [scratch_vars]
        sub ebx, esp
        add esp, ebx
        xor ecx, ecx
        db 0x41                     ; inc ecx
        nop
 %else
        mov [scratch_vars], rsp
        push byte 0
        mov rbx, [scratch_vars]
        sub rbx, rsp
        add rsp, rbx
        xor ecx, ecx
        db 0x41                     ; REX.B
        nop
 %endif
%endmacro

%macro STATE 1                      ; label
        PROBE
        PRINT %1, ": cr0="
 %if __?BITS?__ == 64
        mov rax, cr0
 %else
        mov eax, cr0
 %endif
        H32 eax
 %if __?BITS?__ == 64
        mov rax, cr4
 %else
        mov eax, cr4
 %endif
        and eax, 0x20
        PRINT " pae="
        H8 al
        mov esi, ecx
        mov ecx, EFER_MSR
        rdmsr
        mov ecx, esi
        and eax, 0x500
        PRINT " efer(lme,lma)="
        H16 ax
        mov ax, cs
        PRINT " cs="
        H16 ax
        PRINT " push="
        H8 bl
        PRINT " inc="
        H8 cl
        NL
%endmacro

%macro ROUND 0
        STATE "real"
        REAL_TO_PROT32
        STATE "prot32"
        jmp SEL_CODE16:%%pm16
        bits 16
%%pm16: mov ax, SEL_DATA16
        mov ss, ax
        STATE "prot16"
        jmp dword SEL_CODE32:A(%%back32)
        bits 32
%%back32:
        mov ax, SEL_DATA32
        mov ss, ax
        mov esp, STACK_TOP
        PROT32_TO_LONG
        STATE "long"
        LONG_TO_COMPAT
        STATE "compat"
        COMPAT_TO_LONG
        STATE "long"
        LONG_TO_PROT32
        STATE "prot32"
        PROT32_TO_REAL
%endmacro

SEL_BIG equ SEL_FREE                ; 4 GiB data segment for unreal mode

main:
        mov dword [exc_count], 0
        ROUND
        ROUND
        STATE "real"
        ; unreal mode: FS keeps a 4 GiB limit after returning to real mode
        REAL_TO_PROT32
        SET_DESC SEL_BIG, 0, 0xFFFFF, 0x93, 0xC
        PROT32_TO_REAL
        ; the classic unreal switch: set PE, load FS from the 4 GiB descriptor, clear PE
        ; (CS keeps its real-mode cache meanwhile); the PROT32_TO_REAL path above reloads
        ; every data segment with a 64 KiB descriptor, so it cannot be used for this
        cli
        mov eax, cr0
        or al, 1
        mov cr0, eax
        mov ax, SEL_BIG
        mov fs, ax
        mov eax, cr0
        and al, 0xFE
        mov cr0, eax
        xor ax, ax
        mov fs, ax                  ; real-mode load: base 0, the cached limit stays
        mov dword [fs:dword 0x30000], 0xCAFEF00D
        mov ax, 0x3000
        mov es, ax
        PRINT "unreal: wrote via fs:30000, read via 3000:0 -> "
        H32 dword [es:0]
        NL
        xor ax, ax
        mov es, ax
        ; segment arithmetic in real mode
        mov ax, 0x0800
        mov ds, ax
        mov word [0x0010], 0xBEEF   ; linear 0x8010
        xor ax, ax
        mov ds, ax
        PRINT "real: 0800:0010 = linear 8010 -> "
        H16 word [0x8010]
        NL
        PRINT "exceptions: "
        H32 dword [exc_count]
        NL
        EXIT_OK

%include "end.inc"
