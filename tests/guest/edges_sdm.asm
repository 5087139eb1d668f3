; edges_sdm.asm - edge cases where QEMU TCG 7.2 departs from the Intel SDM, so the expected
; output is written from the SDM (guests_sdm in meson.build; not cross-checked with QEMU):
;   - LOCK on a non-lockable instruction (NOP, MOV to memory, CMP and BT with a memory
;     destination) raises #UD in every mode                               [QEMU: runs them]
;   - real mode: a word access at offset 0xFFFF crosses the 64 KiB limit: #GP through DS,
;     #SS through SS (BP base)                                            [QEMU: no limit checks]
;   - 32-bit protected mode: an SS-relative access beyond the SS limit: #SS(0)
;                                                                         [QEMU: no limit checks]
;   - SYSRET with a non-canonical RCX at CPL0: #GP(0), CS unchanged      [QEMU: returns to it]
;   - long mode: LAR of a 16-bit call gate (type 4, reserved in IA-32e mode) fails (ZF=0)
;                                                                         [QEMU: ZF=1]
;   - REX.W SYSEXIT with a non-canonical RDX: #GP(0) at CPL0            [QEMU: returns to it]
;   - SYSCALL in compatibility mode (Intel CPU model): #UD             [QEMU: runs it]
;   - CLFLUSH has the checks of a byte load: #GP(0) for a non-canonical address, #PF (read,
;     supervisor: err 0) with CR2 for a not-present page; fine on a mapped page and the ROM
;                                                                         [QEMU: never faults]
;   - 64-bit mode: MOV SS with a null selector whose RPL differs from CPL: #GP(0)
;                                                                         [QEMU: loads it]
%include "rom.inc"

; LOCK + each non-lockable form: #UD (resumes after it); memory at [SCRATCH] via bx/ebx/rbx
%macro LOCK_UD 0
        EXPECT_EXC %%f1, %%r1
%%f1:   db 0xF0, 0x90               ; lock nop
%%r1:   EXPECT_EXC %%f2, %%r2
%%f2:   db 0xF0, 0x89, 0x07         ; lock mov [bx]/[rdi]/[edi], ax/eax
%%r2:   EXPECT_EXC %%f3, %%r3
%%f3:   db 0xF0, 0x39, 0x07         ; lock cmp [..], ax/eax
%%r3:   EXPECT_EXC %%f4, %%r4
%%f4:   db 0xF0, 0x0F, 0xA3, 0x07   ; lock bt [..], ax/eax
%%r4:
%endmacro

main:
        PRINTLN "real mode: lock on non-lockable forms"
        mov bx, SCRATCH
        mov di, SCRATCH
        LOCK_UD
        PRINTLN "real mode: word access at offset ffff"
        mov bx, 0xFFFF
        EXPECT_EXC .f1, .r1
.f1:    mov ax, [bx]                ; DS: #GP
.r1:    mov bp, 0xFFFF
        EXPECT_EXC .f2, .r2
.f2:    mov ax, [bp]                ; SS: #SS
.r2:    mov bx, 0xFFFE
        mov ax, [bx]                ; within the limit: no exception
        PRINTLN "word at fffe: no exception"

        REAL_TO_PROT32
        PRINTLN "32-bit protected mode: lock on non-lockable forms"
        mov edi, SCRATCH
        LOCK_UD
        PRINTLN "access beyond the SS limit"
        mov esp, 0x7000
        mov ax, SEL_DATA16          ; limit 0xFFFF
        mov ss, ax
        mov ebp, 0x10000
        EXPECT_EXC .f3, .r3
.f3:    mov eax, [ebp]              ; #SS(0)
.r3:    mov ax, SEL_DATA32
        mov ss, ax
        mov esp, STACK_TOP

        PROT32_TO_LONG
        PRINTLN "long mode: lock on non-lockable forms"
        mov edi, SCRATCH
        LOCK_UD
        PRINTLN "sysret with a non-canonical rcx"
        mov ecx, EFER_MSR
        rdmsr
        or eax, 1                   ; SCE
        wrmsr
        mov rcx, 0x0000800000000000
        mov r11, 2
        EXPECT_EXC .f4, .r4
.f4:    o64 sysret
.r4:    mov ax, cs
        PRINT "cs after the #GP: "
        H16 ax
        NL
        PRINTLN "mov ss, 3 (null, rpl 3) at cpl0"
        mov eax, 3
        EXPECT_EXC .f5, .r5
.f5:    mov ss, ax
.r5:    mov ax, ss
        PRINT "ss after the #GP: "
        H16 ax
        NL
        PRINTLN "rex.w sysexit with a non-canonical rdx"
        mov ecx, 0x174              ; SYSENTER_CS
        mov eax, SEL_FREE
        xor edx, edx
        wrmsr
        mov rdx, 0x0000800000000000
        mov rcx, STACK_USER
        EXPECT_EXC .f6, .r6
.f6:    o64 sysexit
.r6:    mov ax, cs
        PRINT "cs after the #GP: "
        H16 ax
        NL
        PRINTLN "clflush"
        clflush [SCRATCH]
        clflush [A(main)]
        mov rax, 0x0000800000000000
        EXPECT_EXC .f8, .r8
.f8:    clflush [rax]
.r8:    mov qword [PD_BASE + 8], 0  ; 2-4 MiB not present
        mov rax, cr3
        mov cr3, rax
        EXPECT_EXC .f9, .r9
.f9:    clflush [0x200040]
.r9:    mov qword [PD_BASE + 8], 0x200000 | 0x87
        mov rax, cr3
        mov cr3, rax
        PRINTLN "lar of a 16-bit call gate in long mode"
        mov dword [GDT_BASE + SEL_FREE], SEL_CODE16 << 16
        mov dword [GDT_BASE + SEL_FREE + 4], 0x8400
        mov eax, 0xdead
        mov ecx, SEL_FREE
        lar eax, ecx
        setz dl
        PRINT "zf="
        H8 dl
        PRINT " eax="
        H32 eax
        NL
        LONG_TO_COMPAT
        PRINTLN "compatibility mode: lock on non-lockable forms"
        mov edi, SCRATCH
        LOCK_UD
        PRINTLN "syscall in compatibility mode"
        EXPECT_EXC .f7, .r7
.f7:    syscall
.r7:    COMPAT_TO_LONG
        PRINT "exceptions: "
        H32 dword [exc_count]
        NL
        EXIT_OK

%include "end.inc"
