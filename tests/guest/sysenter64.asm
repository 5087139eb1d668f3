; sysenter64.asm - SYSENTER/SYSEXIT in IA-32e mode: 32-bit SYSEXIT from the 64-bit kernel to
; compatibility mode at CPL3 (CS = SYSENTER_CS+16, SS = +24), SYSENTER from compatibility mode
; into 64-bit code (CS = SYSENTER_CS, SS = +8, RSP/RIP = the full 64-bit MSRs, IF and VM clear),
; and REX.W SYSEXIT to 64-bit code (CS = +32, SS = +40). QEMU runs SYSENTER/SYSEXIT in long mode
; only with an Intel vendor (guest_qemu_args); #GP(0) for a non-canonical RDX is in edges_sdm.
%include "rom.inc"
%include "user.inc"

MSR_SYSENTER_CS  equ 0x174
MSR_SYSENTER_ESP equ 0x175
MSR_SYSENTER_EIP equ 0x176

K_CODE64 equ SEL_FREE + 0x00        ; SYSENTER CS (64-bit kernel code)
K_DATA   equ SEL_FREE + 0x08        ; SYSENTER SS
U_CODE32 equ SEL_FREE + 0x10        ; 32-bit SYSEXIT CS
U_DATA   equ SEL_FREE + 0x18        ; 32-bit SYSEXIT SS
U_CODE64 equ SEL_FREE + 0x20        ; 64-bit SYSEXIT CS
U_DATA64 equ SEL_FREE + 0x28        ; 64-bit SYSEXIT SS

seen     equ scratch_vars + 0x20    ; cs, ss (words), esp (dword) seen by the user code

%macro WRMSR64 2
        mov ecx, %1
        mov eax, (%2) & 0xFFFFFFFF
        mov edx, (%2) >> 32
        wrmsr
%endmacro

main:
        mov al, 0xFF                ; mask the PICs: the user code runs with IF=1
        out 0x21, al
        out 0xA1, al
        REAL_TO_PROT32
        PROT32_TO_LONG
        USER_SETUP64
        SET_DESC K_CODE64, 0, 0xFFFFF, 0x9B, 0xA
        SET_DESC K_DATA, 0, 0xFFFFF, 0x93, 0xC
        SET_DESC U_CODE32, 0, 0xFFFFF, 0xFB, 0xC
        SET_DESC U_DATA, 0, 0xFFFFF, 0xF3, 0xC
        SET_DESC U_CODE64, 0, 0xFFFFF, 0xFB, 0xA
        SET_DESC U_DATA64, 0, 0xFFFFF, 0xF3, 0xC
        WRMSR64 MSR_SYSENTER_CS, K_CODE64
        WRMSR64 MSR_SYSENTER_ESP, STACK_ALT
        WRMSR64 MSR_SYSENTER_EIP, A(entry64)
        mov byte [scratch_vars + 0x30], 0

        PRINTLN "32-bit sysexit to compatibility mode, sysenter back"
        mov rdx, A(user_compat)     ; EIP = EDX, ESP = ECX
        mov rcx, STACK_USER - 0x100
        sti                         ; SYSEXIT keeps RFLAGS: the user runs with IF=1
        sysexit                     ; (continues in entry64)

entry64:                            ; from user_compat (first) and user64 (second)
        mov rbx, rsp
        pushfq
        pop rdx
        PRINT "  sysenter: cs="
        mov ax, cs
        H16 ax
        mov ax, ss
        PRINT " ss="
        H16 ax
        PRINT " rsp="
        H64 rbx
        and edx, 0x20200            ; IF, VM
        PRINT " rflags&(if|vm)="
        H32 edx
        PRINT " user saw cs="
        H16 word [seen]
        PRINT " ss="
        H16 word [seen + 2]
        PRINT " esp="
        H32 dword [seen + 4]
        mov eax, [seen + 8]
        and eax, 0x200
        PRINT " if="
        H32 eax
        NL
        cmp byte [scratch_vars + 0x30], 0
        jne .second
        mov byte [scratch_vars + 0x30], 1
        PRINTLN "rex.w sysexit to 64-bit code, sysenter back"
        mov rdx, A(user64)
        mov rcx, STACK_USER - 0x200
        sti
        o64 sysexit
.second:
        mov rsp, STACK_TOP
        cli

        EXIT_OK

        bits 32
user_compat:
        mov ax, cs
        mov [seen], ax
        mov ax, ss
        mov [seen + 2], ax
        mov [seen + 4], esp
        pushfd
        pop dword [seen + 8]
        sysenter

        bits 64
user64:
        mov ax, cs
        mov [seen], ax
        mov ax, ss
        mov [seen + 2], ax
        mov [seen + 4], esp
        pushfq
        pop qword [seen + 8]
        sysenter

%include "end.inc"
