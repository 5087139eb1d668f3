; syscall.asm - SYSENTER/SYSEXIT in 32-bit protected mode and SYSCALL/SYSRET (to 64-bit and
; to compatibility mode) in long mode: CS/SS after each transition, RCX/R11 on SYSCALL, the
; SFMASK mask, SYSENTER_ESP/EIP, #GP for SYSENTER with SYSENTER_CS=0, #UD for SYSCALL with
; EFER.SCE=0.
%include "rom.inc"
%include "user.inc"

MSR_SYSENTER_CS  equ 0x174
MSR_SYSENTER_ESP equ 0x175
MSR_SYSENTER_EIP equ 0x176
MSR_STAR         equ 0xC0000081
MSR_LSTAR        equ 0xC0000082
MSR_SFMASK       equ 0xC0000084

; GDT layout that SYSENTER/SYSEXIT and SYSCALL/SYSRET need
SK_CODE32 equ SEL_FREE + 0x00       ; 0x60 sysenter CS          | syscall CS (64-bit)
SK_DATA   equ SEL_FREE + 0x08       ; 0x68 sysenter SS          | syscall SS
SU_CODE32 equ SEL_FREE + 0x10       ; 0x70 sysexit CS (32-bit)  | sysret CS (32-bit)
SU_DATA   equ SEL_FREE + 0x18       ; 0x78 sysexit SS           | sysret SS
SU_CODE64 equ SEL_FREE + 0x20       ; 0x80                      | sysret CS (64-bit)

saved_rsp equ scratch_vars + 0x10

%macro WRMSR64 2
        mov ecx, %1
        mov eax, (%2) & 0xFFFFFFFF
        mov edx, (%2) >> 32
        wrmsr
%endmacro

main:
        REAL_TO_PROT32
        USER_SETUP32
        PRINTLN "sysenter/sysexit"
        SET_DESC SK_CODE32, 0, 0xFFFFF, 0x9B, 0xC
        SET_DESC SK_DATA, 0, 0xFFFFF, 0x93, 0xC
        SET_DESC SU_CODE32, 0, 0xFFFFF, 0xFB, 0xC
        SET_DESC SU_DATA, 0, 0xFFFFF, 0xF3, 0xC
        WRMSR64 MSR_SYSENTER_CS, SK_CODE32
        WRMSR64 MSR_SYSENTER_ESP, STACK_ALT
        WRMSR64 MSR_SYSENTER_EIP, A(sysenter_entry)
        mov dword [user_cont], A(.back)
        mov edx, A(user_sysexit)    ; SYSEXIT: EIP = EDX, ESP = ECX
        mov ecx, STACK_USER - 0x100
        sysexit
.back:  PRINT "back in kernel; user saw after sysexit: cs="
        H16 word [scratch_vars + 0x20]
        PRINT " ss="
        H16 word [scratch_vars + 0x22]
        PRINT " esp="
        H32 dword [scratch_vars + 8]
        NL
        WRMSR64 MSR_SYSENTER_CS, 0
        ENTER_USER32 user_sysenter_gp

        PROT32_TO_LONG
        USER_SETUP64
        PRINTLN "syscall/sysret"
        SET_DESC SK_CODE32, 0, 0xFFFFF, 0x9B, 0xA   ; now: 64-bit kernel code
        SET_DESC SU_CODE64, 0, 0xFFFFF, 0xFB, 0xA
        WRMSR64 MSR_STAR, ((SU_CODE32 | 3) << 48) | (SK_CODE32 << 32)
        WRMSR64 MSR_LSTAR, A(syscall_entry)
        WRMSR64 MSR_SFMASK, FL_DF | FL_TF | FL_IF | FL_AC_BIT | FL_CF
        mov ecx, EFER_MSR
        rdmsr
        or eax, 1                   ; SCE
        wrmsr
        mov qword [user_cont], A(.back64)
        mov rcx, A(user_syscall64)  ; SYSRET: RIP = RCX, RFLAGS = R11
        mov r11, 0x2 | FL_CF
        o64 sysret
.back64:
        PRINT "back in kernel; user saw after sysret: cs="
        H16 word [scratch_vars + 0x20]
        NL
        mov rcx, A(user_compat)     ; 32-bit SYSRET: compatibility mode, EIP = ECX
        mov r11, 0x2
        sysret                      ; (returns through USER_RETURN)
.back32:
        PRINT "back in kernel; user saw after 32-bit sysret: cs="
        H16 word [scratch_vars + 0x20]
        PRINT " ss="
        H16 word [scratch_vars + 0x22]
        NL
        mov ecx, EFER_MSR
        rdmsr
        and eax, ~1                 ; SCE off
        wrmsr
        EXPECT_EXC .f, .r
.f:     syscall
.r:     EXIT_OK

FL_AC_BIT equ 0x40000

        bits 32
sysenter_entry:
        mov [scratch_vars + 8], esp
        PRINT "  sysenter: cs="
        mov ax, cs
        H16 ax
        mov ax, ss
        PRINT " ss="
        H16 ax
        PRINT " esp="
        H32 dword [scratch_vars + 8]
        PRINT " user ebx="
        H32 ebx
        NL
        mov edx, A(user_sysexit.after)
        mov ecx, STACK_USER - 0x200
        sysexit

user_sysexit:
        mov ebx, 0x5EE
        sysenter
.after: mov [scratch_vars + 8], esp
        mov ax, cs
        mov [scratch_vars + 0x20], ax
        mov ax, ss
        mov [scratch_vars + 0x22], ax
        USER_RETURN

user_sysenter_gp:
        EXPECT_EXC .f, .r
.f:     sysenter                    ; SYSENTER_CS = 0: #GP(0)
.r:     USER_RETURN

        bits 64
syscall_entry:
        mov [saved_rsp], rsp
        mov rsp, STACK_ALT
        push rcx
        push r11
        pushfq
        PRINT "  syscall: cs="
        mov ax, cs
        H16 ax
        mov ax, ss
        PRINT " ss="
        H16 ax
        PRINT " rcx=return:"
        mov rax, A(user_syscall64.after)
        cmp rax, [rsp + 16]
        sete al
        add al, '0'
        PUTC al
        mov rax, [rsp + 8]
        and eax, FL_DF | FL_CF
        PRINT " r11&(df|cf)="
        H16 ax
        pop rax
        and eax, FL_DF | FL_CF
        PRINT " rflags&(df|cf)="
        H16 ax
        PRINT " rbx="
        H64 rbx
        NL
        pop r11
        pop rcx
        mov rsp, [saved_rsp]
        o64 sysret

user_syscall64:
        mov ax, cs
        mov [scratch_vars + 0x20], ax
        mov rbx, 0x5CA11
        std
        syscall
.after: cld
        mov ax, cs
        mov [scratch_vars + 0x20], ax
        USER_RETURN

        bits 32
user_compat:
        mov ax, cs
        mov [scratch_vars + 0x20], ax
        mov ax, ss
        mov [scratch_vars + 0x22], ax
        mov dword [user_cont], A(main.back32)
        mov dword [user_cont + 4], 0
        int USER_VEC

%include "end.inc"
