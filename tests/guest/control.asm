; control.asm - Jcc/SETcc/CMOVcc for every condition under several flag values, LOOP/LOOPE/
; LOOPNE, JCXZ/JECXZ/JRCXZ, near CALL/RET (imm), indirect JMP/CALL through register and
; memory, in real mode, 32-bit protected mode and 64-bit mode.
; A row prints one character per condition in the order
;   o no b ae e ne be a s ns p np l ge le g
; '1' = condition true.
%include "rom.inc"
%include "cases.inc"

%macro JONE 2                       ; cc, flags
        SETFLAGS %2
        j%1 %%t
        PUTC '0'
        jmp %%n
%%t:    PUTC '1'
%%n:
%endmacro

%macro SONE 2
        SETFLAGS %2
        set%1 al
        add al, '0'
        PUTC al
%endmacro

%macro CONE 2
        mov ebx, '1'
        mov eax, '0'
        SETFLAGS %2
        cmov%1 eax, ebx
        PUTC al
%endmacro

%macro ROW 2                        ; JONE|SONE|CONE, flags
        %1 o, %2
        %1 no, %2
        %1 b, %2
        %1 ae, %2
        %1 e, %2
        %1 ne, %2
        %1 be, %2
        %1 a, %2
        %1 s, %2
        %1 ns, %2
        %1 p, %2
        %1 np, %2
        %1 l, %2
        %1 ge, %2
        %1 le, %2
        %1 g, %2
%endmacro

%macro TABLE 1                      ; JONE|SONE|CONE
%assign i 0
%rep 11
 %if i == 0
  %assign fl 0
 %elif i == 1
  %assign fl FL_CF
 %elif i == 2
  %assign fl FL_ZF
 %elif i == 3
  %assign fl FL_SF
 %elif i == 4
  %assign fl FL_OF
 %elif i == 5
  %assign fl FL_PF
 %elif i == 6
  %assign fl FL_SF | FL_OF
 %elif i == 7
  %assign fl FL_ZF | FL_SF
 %elif i == 8
  %assign fl FL_CF | FL_ZF
 %elif i == 9
  %assign fl FL_OF | FL_ZF
 %else
  %assign fl FL_ARITH
 %endif
        PRINT %str(%1), " "
        mov dx, fl
        H16 dx
        PUTC ' '
        ROW %1, fl
        NL
%assign i i + 1
%endrep
%endmacro

main:
        PRINTLN "real mode"
        TABLE JONE
        TABLE SONE
        TABLE CONE
        ; LOOP family (CX)
        xor bx, bx
        mov cx, 5
.l1:    inc bx
        loop .l1
        PRINT "loop x5: bx="
        H16 bx
        PRINT " cx="
        H16 cx
        NL
        xor bx, bx
        mov cx, 10
.l2:    inc bx
        cmp bx, 3
        loopne .l2
        PRINT "loopne until bx=3: bx="
        H16 bx
        PRINT " cx="
        H16 cx
        NL
        xor bx, bx
        mov cx, 10
.l3:    inc bx
        cmp bx, 1
        loope .l3
        PRINT "loope: bx="
        H16 bx
        PRINT " cx="
        H16 cx
        NL
        mov ecx, 0x10000
        xor bx, bx
.l4:    inc bx
        loop .l4                    ; CX=0 -> 0xFFFF: runs 65536 times, ECX upper half kept
        PRINT "loop with cx=0: bx="
        H16 bx
        PRINT " ecx="
        H32 ecx
        NL
        mov ecx, 0x10002
        xor bx, bx
.l5:    inc bx
        a32 loop .l5
        PRINT "a32 loop: bx="
        H16 bx
        PRINT " ecx="
        H32 ecx
        NL
        mov ecx, 0x10000
        jcxz .z1
        PRINTLN "jcxz not taken (BAD)"
        jmp .z2
.z1:    PRINTLN "jcxz taken with cx=0, ecx=10000"
.z2:    a32 jecxz .z3
        PRINTLN "jecxz not taken with ecx=10000"
.z3:    push word 0x1234
        push word 0x5678
        mov [scratch_vars], sp
        call near_ret4_16
        PRINT "call/ret 4: sp delta="
        mov ax, [scratch_vars]
        sub ax, sp
        H16 ax
        NL
        mov ax, near_plain16
        call ax
        mov word [SCRATCH], near_plain16
        call [SCRATCH]
        mov bx, 2
        jmp [cs:jtab16 + bx]
.j0:    PRINTLN "jmp table -> 0 (BAD)"
        jmp .jd
.j1:    PRINTLN "jmp table -> 1"
.jd:

        REAL_TO_PROT32
        PRINTLN "protected mode"
        TABLE JONE
        TABLE CONE
        xor ebx, ebx
        mov ecx, 7
.p1:    inc ebx
        loop .p1
        PRINT "loop x7: ebx="
        H32 ebx
        PRINT " ecx="
        H32 ecx
        NL
        mov ecx, 0xABCD0003
        xor ebx, ebx
.p2:    inc ebx
        a16 loop .p2
        PRINT "a16 loop: ebx="
        H32 ebx
        PRINT " ecx="
        H32 ecx
        NL
        xor ecx, ecx
        jecxz .p3
        PRINTLN "jecxz not taken (BAD)"
.p3:    mov ecx, 0x10000
        a16 jcxz .p4
        PRINTLN "jcxz not taken (BAD)"
        jmp .p5
.p4:    PRINTLN "a16 jcxz taken with ecx=10000"
.p5:    push dword 1
        push dword 2
        push dword 3
        mov [scratch_vars], esp
        call near_ret12_32
        mov eax, esp
        sub eax, [scratch_vars]
        PRINT "call/ret 12: esp delta="
        H32 eax
        NL
        mov eax, A(near_plain32)
        call eax
        mov dword [SCRATCH], A(near_plain32)
        call [SCRATCH]
        mov ebx, 1
        jmp [A(jtab32) + ebx * 4]
.q0:    PRINTLN "jmp table -> 0 (BAD)"
        jmp .qd
.q1:    PRINTLN "jmp table -> 1"
.qd:

        PROT32_TO_LONG
        PRINTLN "long mode"
        TABLE JONE
        TABLE SONE
        mov rcx, 0x100000001        ; LOOP counts with all of RCX: no stop at ECX=0
        xor ebx, ebx
.r1:    inc ebx
        cmp ebx, 3
        je .r1x
        loop .r1
.r1x:   PRINT "loop rcx=100000001: ebx="
        H32 ebx
        PRINT " rcx="
        H64 rcx
        NL
        mov rcx, 0x100000003
        xor ebx, ebx
.r2:    inc ebx
        a32 loop .r2                ; counts with ECX only
        PRINT "a32 loop: ebx="
        H32 ebx
        PRINT " ecx="
        H32 ecx
        NL
        mov rcx, 0x100000000
        jrcxz .r3
        a32 jecxz .r4
.r3:    PRINTLN "jrcxz taken (BAD)"
        jmp .r5
.r4:    PRINTLN "jecxz taken with rcx=100000000"
.r5:    push 7
        mov [scratch_vars], rsp
        call near_ret8_64
        mov rax, rsp
        sub rax, [scratch_vars]
        PRINT "call/ret 8: rsp delta="
        H64 rax
        NL
        lea rax, [rel near_plain64]
        call rax
        lea rax, [rel jtab64]
        mov rbx, 1
        jmp [rax + rbx * 8]
.s0:    PRINTLN "jmp table -> 0 (BAD)"
        jmp .sd
.s1:    PRINTLN "jmp table -> 1"
.sd:    EXIT_OK

        bits 16
near_ret4_16:
        PRINTLN "in near_ret4_16"
        ret 4
near_plain16:
        PRINTLN "in near_plain16"
        ret
jtab16: dw main.j0, main.j1

        bits 32
near_ret12_32:
        PRINTLN "in near_ret12_32"
        ret 12
near_plain32:
        PRINTLN "in near_plain32"
        ret
        align 4
jtab32: dd A(main.q0), A(main.q1)

        bits 64
near_ret8_64:
        PRINTLN "in near_ret8_64"
        ret 8
near_plain64:
        PRINTLN "in near_plain64"
        ret
        align 8
jtab64: dq A(main.s0), A(main.s1)

%include "end.inc"
