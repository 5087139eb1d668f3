; interrupts.asm - INT n / INT3 / INT1 / INTO and IRET in real mode, 32-bit protected mode
; (interrupt vs trap gates, DPL checks, stack switch from CPL 3 through the TSS) and 64-bit
; mode (frame layout, stack alignment, IST, IRETQ), with the PIC masked so IF can be set.
; (INT1/ICEBP is left out: QEMU raises #UD for 0xF1.)  The handlers print the pushed SF ZF PF CF
; IF TF only: OF and AF may be left undefined by the code before the INT.
%include "rom.inc"
%include "user.inc"

expect_ip equ scratch_vars + 0x00   ; return address the handler should see
HVEC      equ 0x40                  ; test vectors
HVEC_TRAP equ 0x41
HVEC_USER equ 0x42

main:
        mov al, 0xFF                ; mask both PICs: no hardware interrupts
        out 0x21, al
        out 0xA1, al
        PRINTLN "real mode"
        mov word [HVEC * 4], int_real
        mov word [HVEC * 4 + 2], 0xF000
        mov word [expect_ip], .r1
        push word FL_CF | FL_ZF | 2
        popf
        sti
        int HVEC
.r1:    pushf
        pop ax
        cli
        and ax, FL_ARITH | FL_IF
        PRINT "after iret: flags="
        H16 ax
        NL
        ; IRET restores the flags image from the stack
        pushf
        push cs
        push word .r2
        mov bp, sp
        mov word [bp + 4], FL_OF | FL_SF | 2
        iret
.r2:    pushf
        pop ax
        and ax, FL_ARITH
        PRINT "iret with a built frame: flags="
        H16 ax
        NL
        ; vector 4 via INTO when OF=1, nothing when OF=0
        mov word [4 * 4], int_real
        mov word [expect_ip], .r3
        mov al, 0x7F
        add al, 1
        into
.r3:    mov word [expect_ip], 0
        xor al, al
        into
        PRINTLN "into with OF=0: no interrupt"
        ; INT 3 (CD 03) and INT3 (CC) both use vector 3
        mov word [3 * 4], int_real
        mov word [expect_ip], .r4
        int 3
.r4:    mov word [expect_ip], .r5
        int3
.r5:    mov word [3 * 4], exc_stubs16 + 3 * 16
        mov word [4 * 4], exc_stubs16 + 4 * 16

        REAL_TO_PROT32
        USER_SETUP32
        PRINTLN "protected mode"
        mov eax, HVEC
        mov edx, A(int_p32)
        mov ecx, 0x8E00             ; interrupt gate
        call set_gate32
        mov eax, HVEC_TRAP
        mov ecx, 0x8F00             ; trap gate
        call set_gate32
        mov eax, HVEC_USER
        mov ecx, 0xEE00             ; DPL3 interrupt gate
        call set_gate32
        mov dword [expect_ip], A(.p1)
        sti
        int HVEC
.p1:    mov dword [expect_ip], A(.p2)
        int HVEC_TRAP
.p2:    cli
        mov dword [expect_ip], A(.p3)
        push dword FL_CF | FL_PF | 2
        popfd
        int HVEC
.p3:    pushfd
        pop eax
        and eax, FL_ARITH
        PRINT "flags after iretd="
        H16 ax
        NL
        ; (INT1/ICEBP, 0xF1, is not tested: QEMU raises #UD for it)
        PRINTLN "user mode: int to a DPL3 gate, then to a DPL0 gate"
        ENTER_USER32 user32
        PRINTLN "back in kernel"

        PROT32_TO_LONG
        USER_SETUP64
        PRINTLN "long mode"
        mov eax, HVEC
        lea rdx, [rel int_l64]
        mov ecx, 0x8E00
        call set_gate64
        mov eax, HVEC_USER
        mov ecx, 0xEE00
        call set_gate64
        mov eax, HVEC_TRAP
        mov ecx, 0x8E01             ; IST1
        call set_gate64
        mov qword [TSS64_BASE + 0x24], STACK_ALT   ; IST1
        mov rsp, STACK_TOP - 8      ; misaligned: the CPU aligns RSP to 16 before pushing
        mov qword [expect_ip], A(.l1)
        int HVEC
.l1:    mov [scratch_vars + 8], rsp
        PRINT "rsp after iretq="
        H64 qword [scratch_vars + 8]
        NL
        mov qword [expect_ip], A(.l2)
        int HVEC_TRAP
.l2:    EXPECT_EXC .l_into, .l3
.l_into: db 0xCE                    ; INTO: invalid in 64-bit mode
.l3:    PRINTLN "user mode"
        ENTER_USER64 user64
        PRINT "back in kernel: int 0x40 from CPL3 -> vector "
        H8 byte [exc_last_vec]
        mov eax, [exc_last_err]
        and eax, 7
        PRINT " err&7="
        H8 al
        NL
        EXIT_OK

        bits 16
int_real:                           ; [bp+2] IP, [bp+4] CS, [bp+6] FLAGS
        push bp
        mov bp, sp
        push ax
        PRINT "  int: cs="
        H16 word [bp + 4]
        mov ax, [bp + 2]
        cmp ax, [expect_ip]
        jne .bad
        PRINT " ip=ok"
        jmp .f
.bad:   PRINT " ip=BAD "
        H16 ax
.f:     mov ax, [bp + 6]
        and ax, FL_SF | FL_ZF | FL_PF | FL_CF | FL_IF | FL_TF
        PRINT " pushed flags="
        H16 ax
        pushf
        pop ax
        and ax, FL_IF | FL_TF
        PRINT " IF/TF in handler="
        H16 ax
        NL
        pop ax
        pop bp
        iret

        bits 32
int_p32:                            ; [ebp+4] EIP, +8 CS, +12 EFLAGS, (+16 ESP, +20 SS)
        push ebp
        mov ebp, esp
        push eax
        push ds
        mov ax, SEL_DATA32
        mov ds, ax
        PRINT "  int: cs="
        H16 word [ebp + 8]
        mov eax, [ebp + 4]
        cmp eax, [expect_ip]
        jne .bad
        PRINT " eip=ok"
        jmp .f
.bad:   PRINT " eip=BAD "
        H32 eax
.f:     mov eax, [ebp + 12]
        and eax, FL_SF | FL_ZF | FL_PF | FL_CF | FL_IF | FL_TF
        PRINT " pushed flags="
        H16 ax
        pushfd
        pop eax
        and eax, FL_IF
        PRINT " IF in handler="
        H16 ax
        mov ax, cs
        PRINT " now cs="
        H16 ax
        test byte [ebp + 8], 3
        jz .same
        PRINT " user ss:esp="
        H16 word [ebp + 20]
        PUTC ':'
        H32 dword [ebp + 16]
        mov [scratch_vars + 8], ebp
        PRINT " kernel ebp="
        H32 dword [scratch_vars + 8]
.same:  NL
        pop ds
        pop eax
        pop ebp
        iretd

user32:
        mov dword [expect_ip], A(.u1)
        int HVEC_USER
.u1:    EXPECT_EXC .u2, .u3
.u2:    int HVEC                    ; DPL0 gate from CPL3: #GP(vector*8+2)
.u3:    EXPECT_EXC .u4, .u5
.u4:    int3                        ; IDT gate 3 has DPL0: #GP(0x1a)
.u5:    USER_RETURN

        bits 64
int_l64:                            ; [rbp+8] RIP, +16 CS, +24 RFLAGS, +32 RSP, +40 SS
        push rbp
        mov rbp, rsp
        push rax
        PRINT "  int: cs="
        H16 word [rbp + 16]
        mov rax, [rbp + 8]
        cmp rax, [expect_ip]
        jne .bad
        PRINT " rip=ok"
        jmp .f
.bad:   PRINT " rip=BAD "
        H64 rax
.f:     PRINT " ss:rsp="
        H16 word [rbp + 40]
        PUTC ':'
        H64 qword [rbp + 32]
        lea rax, [rbp + 8]
        mov [scratch_vars + 8], rax
        PRINT " frame at "
        H64 qword [scratch_vars + 8]
        NL
        pop rax
        pop rbp
        iretq

user64:
        mov qword [expect_ip], A(.u1)
        int HVEC_USER
.u1:    mov dword [exc_quiet], 1    ; (QEMU 7.2 reports vector*16+2 here, the SDM vector*8+2:
        EXPECT_EXC .u2, .u3         ;  only the vector and the IDT/EXT bits are printed)
.u2:    int HVEC
.u3:    mov dword [exc_quiet], 0
        USER_RETURN


%include "end.inc"
