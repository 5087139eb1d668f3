; vme.asm - virtual-8086 mode extensions and protected-mode virtual interrupts (CR4.VME,
; CR4.PVI; SDM vol. 3 20.3 and 20.4), entered from 32-bit protected mode:
;   - VME with IOPL 3: CLI/STI/PUSHF act on IF; INT n whose bit in the TSS interrupt
;     redirection bitmap is clear goes to the vm86 program's own vector table (method 5),
;     a set bit goes through the IDT (method 4);
;   - VME with IOPL 0: CLI/STI/16-bit PUSHF/POPF/IRET act on VIF (PUSHF shows VIF as IF and
;     IOPL as 3), 32-bit PUSHFD/POPFD and POPF/IRET of TF=1 are #GP, INT n with a clear bit is
;     redirected with VIF (method 6), with a set bit #GP (method 3);
;   - VIP set: STI, and POPF of IF=1, are #GP; CLI is not;
;   - without VME at IOPL 0: CLI, PUSHF and INT n are #GP, INT3 is not (SDM INT n);
;   - PVI at CPL 3 in protected mode with IOPL 0: CLI/STI act on VIF (STI #GP with VIP),
;     POPFD does not (IF silently unchanged); without PVI CLI is #GP.
; Expected output from the SDM: QEMU 7.2 TCG has no VME/PVI ("TCG doesn't support requested
; feature: CPUID.01H:EDX.vme"), so this guest is in guests_sdm.
; The "[fl=...]" probes are UD2s whose #UD handler prints EFLAGS & (VIP VIF IOPL IF TF CF)
; from the exception frame and skips the UD2.
%include "rom.inc"
%include "user.inc"

IOMAP      equ 0x88                 ; I/O map base; redirection bitmap at 0x68-0x87
IOMAP_LEN  equ 0x501 / 8 + 2
VM_FLAG    equ 0x20000
VIF        equ 0x80000
VIP        equ 0x100000
RVEC       equ 0x40                 ; redirection bit clear: the vm86 vector table
PVEC       equ 0x41                 ; redirection bit set: the IDT (DPL3 gate)
PROBE_MASK equ VIP | VIF | 0x3000 | 0x200 | 0x100 | 1

%macro ENTER_VM86 2                 ; vm86 code label (offset in segment F000), EFLAGS bits
        mov dword [user_cont], A(%%back)
        push dword 0                ; GS
        push dword 0                ; FS
        push dword 0                ; DS
        push dword 0                ; ES
        push dword 0                ; SS
        push dword 0x6000           ; SP
        push dword VM_FLAG | (%2) | 2
        push dword 0xF000           ; CS
        push dword %1               ; IP
        iretd
%%back:
%endmacro

%macro SET_CR4 2                    ; bits to set, bits to clear
        mov eax, cr4
        or eax, %1
        and eax, ~(%2)
        mov cr4, eax
%endmacro

rvec_ret   equ scratch_vars + 0x00  ; word: the return IP the INT RVEC handler should see

%macro INT_RVEC 0                   ; INT RVEC from vm86 code (DS = 0)
        mov word [rvec_ret], %%next
        int RVEC
%%next:
%endmacro

%macro PROBE 0
        ud2
%endmacro

%macro LEAVE86 0                    ; #DE: back to protected mode
        xor cx, cx
        div cx
%endmacro

main:
        mov al, 0xFF                ; mask the PICs: the guest code sets IF
        out 0x21, al
        out 0xA1, al
        REAL_TO_PROT32
        mov eax, 1
        cpuid
        bt edx, 1
        setc al
        PRINT "cpuid.1:edx.vme="
        H8 al
        NL
        USER_SETUP32
        mov word [TSS32_BASE + 0x66], IOMAP
        mov edi, TSS32_BASE + 0x68  ; redirection bitmap: all set but RVEC
        mov ecx, 32
        mov al, 0xFF
        rep stosb
        and byte [TSS32_BASE + 0x68 + RVEC / 8], ~(1 << (RVEC & 7))
        mov edi, TSS32_BASE + IOMAP ; I/O bitmap: COM1 and the debug-exit port only
        mov ecx, IOMAP_LEN
        rep stosb
        mov byte [TSS32_BASE + IOMAP + 0x3F8 / 8], 0
        and byte [TSS32_BASE + IOMAP + 0x501 / 8], ~(1 << (0x501 & 7))
        SET_DESC SEL_TSS32, TSS32_BASE, IOMAP + IOMAP_LEN - 1, 0x89, 0x0
        mov ax, SEL_TSS32
        ltr ax
        mov dword [RVEC * 4], 0xF0000000 + (v86_int_rvec - $$)  ; vm86 vector table entry
        mov eax, PVEC
        mov edx, A(pvec_handler)
        mov ecx, 0xEE00
        call set_gate32
        mov eax, 6
        mov edx, A(probe_handler)
        mov ecx, 0x8E00
        call set_gate32
        mov eax, 0
        mov edx, A(user_return32)
        mov ecx, 0x8E00
        call set_gate32

        SET_CR4 1, 2
        PRINTLN "VME, IOPL 3"
        ENTER_VM86 vm86_iopl3, 0x3000 | 0x200
        PRINTLN "VME, IOPL 0, VIF 0"
        ENTER_VM86 vm86_iopl0, 0x200
        PRINTLN "VME, IOPL 0, VIP 1"
        ENTER_VM86 vm86_vip, 0x200 | VIP
        SET_CR4 0, 1
        PRINTLN "no VME, IOPL 0"
        mov eax, 3                  ; INT3 is not IOPL-sensitive: a DPL3 gate for #BP
        mov edx, A(exc_stubs32) + 3 * 16
        mov ecx, 0xEE00
        call set_gate32
        ENTER_VM86 vm86_novme, 0x200

        SET_CR4 2, 1
        PRINTLN "PVI, CPL 3, IOPL 0"
        mov dword [user_eflags], 0x200
        ENTER_USER32 user_pvi
        PRINTLN "PVI, CPL 3, IOPL 0, VIP 1"
        mov dword [user_eflags], 0x200 | VIP
        ENTER_USER32 user_pvi_vip
        SET_CR4 0, 2
        PRINTLN "no PVI, CPL 3, IOPL 0"
        mov dword [user_eflags], 0x200
        ENTER_USER32 user_nopvi
        EXIT_OK

probe_handler:                      ; #UD: [esp] eip, +4 cs, +8 eflags
        pushad
        push ds
        mov ax, SEL_DATA32
        mov ds, ax
        mov eax, [esp + 36 + 8]
        and eax, PROBE_MASK
        PRINT " [fl="
        H32 eax
        PUTC ']'
        add dword [esp + 36], 2
        pop ds
        popad
        iretd

pvec_handler:                       ; INT PVEC through the IDT
        push eax
        push ds
        mov ax, SEL_DATA32
        mov ds, ax
        mov eax, [esp + 8 + 8]
        and eax, PROBE_MASK | VM_FLAG
        PRINT " [int41 via IDT fl="
        H32 eax
        PUTC ']'
        pop ds
        pop eax
        iretd

user_pvi:
        cli
        call show32
        sti
        call show32
        push dword 0x3000           ; POPFD at CPL 3 > IOPL: IF, IOPL unchanged
        popfd
        call show32
        cli
        push dword 0x200            ; POPFD does not touch VIF either
        popfd
        call show32
        NL
        USER_RETURN

user_pvi_vip:
        cli
        call show32
        EXPECT_EXC .f, .r
.f:     sti                         ; VIP: #GP
.r:     call show32
        NL
        USER_RETURN

user_nopvi:
        EXPECT_EXC .f, .r
.f:     cli
.r:     USER_RETURN

show32:                             ; print EFLAGS & PROBE_MASK
        push eax
        pushfd
        pop eax
        and eax, PROBE_MASK
        PRINT " ["
        H32 eax
        PUTC ']'
        pop eax
        ret

        bits 16
pushf16:                            ; print the 16-bit PUSHF image
        push ax
        pushf
        pop ax
        PRINT " {"
        H16 ax
        PUTC '}'
        pop ax
        ret

v86_int_rvec:                       ; the vm86 program's handler for INT RVEC
        push bp
        mov bp, sp
        mov ax, [bp + 2]
        cmp ax, [rvec_ret]
        sete al
        PRINT " (int40 ip ok="
        H8 al
        PRINT " cs="
        H16 word [bp + 4]
        PRINT " flags="
        H16 word [bp + 6]
        PUTC ')'
        call pushf16
        PROBE
        pop bp
        iret

vm86_iopl3:
        call pushf16
        cli
        PROBE
        sti
        PROBE
        INT_RVEC
        PROBE
        int PVEC
        NL
        LEAVE86

vm86_iopl0:
        PROBE
        call pushf16
        sti
        PROBE
        call pushf16
        cli
        PROBE
        push word 0x0200            ; POPF IF=1: VIF=1
        popf
        PROBE
        push word 0x3001            ; IF=0 CF=1, IOPL 3: VIF=0, IOPL stays 0
        popf
        PROBE
        NL
        push word 0x0100            ; TF=1: #GP
        EXPECT_EXC .f1, .r1
.f1:    popf
.r1:    pop ax
        EXPECT_EXC .f2, .r2
.f2:    pushfd                      ; 32-bit: #GP
.r2:    push dword 0
        EXPECT_EXC .f3, .r3
.f3:    popfd
.r3:    pop eax
        sti
        INT_RVEC                    ; method 6, VIF=1 pushed as IF, VIF restored by IRET
        PROBE
        cli
        INT_RVEC                    ; with VIF=0
        PROBE
        NL
        EXPECT_EXC .f4, .r4
.f4:    int PVEC                    ; method 3: #GP
.r4:    pushf                       ; IRET of TF=1: #GP
        or word [esp], 0x100
        push cs
        push word .r5
        EXPECT_EXC .f5, .r5
.f5:    iret
.r5:    add sp, 6
        push word 0x0200            ; IRET of IF=1: VIF=1
        push cs
        push word .r6
        iret
.r6:    PROBE
        NL
        LEAVE86

vm86_vip:
        PROBE
        EXPECT_EXC .f1, .r1
.f1:    sti                         ; VIP: #GP
.r1:    cli
        PROBE
        push word 0x0200
        EXPECT_EXC .f2, .r2
.f2:    popf                        ; IF=1 with VIP: #GP
.r2:    pop ax
        push word 0x0001
        popf                        ; IF=0: fine
        PROBE
        INT_RVEC
        PROBE
        NL
        LEAVE86

vm86_novme:
        EXPECT_EXC .f1, .r1
.f1:    cli
.r1:    EXPECT_EXC .f2, .r2
.f2:    pushf
.r2:    EXPECT_EXC .f3, .r3
.f3:    int RVEC
.r3:    EXPECT_EXC .r4, .r4
        int3                        ; through the IDT, no #GP (only INT n checks IOPL)
.r4:    LEAVE86

%include "end.inc"
