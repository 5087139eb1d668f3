; stack.asm - PUSH/POP of registers, immediates, memory and segment registers, PUSH SP/POP SP,
; PUSHA/POPA, PUSHF/POPF, ENTER/LEAVE (with nesting levels), far CALL/RET with an immediate,
; in real mode, 32-bit protected mode and 64-bit mode.
%include "rom.inc"

%macro PSP 0
 %if __?BITS?__ == 16
        mov [scratch_vars], sp
        PRINT " sp="
        H16 word [scratch_vars]
 %elif __?BITS?__ == 32
        mov [scratch_vars], esp
        PRINT " esp="
        H32 dword [scratch_vars]
 %else
        mov [scratch_vars], rsp
        PRINT " rsp="
        H64 qword [scratch_vars]
 %endif
%endmacro

main:
        PRINTLN "real mode"
        mov sp, 0x6000
        mov ax, 0x1234
        push ax
        PRINT "push ax:"
        PSP
        PRINT " [sp]="
        mov bx, sp
        H16 word [bx]
        NL
        push sp
        pop ax
        PRINT "push sp pushed "
        H16 ax
        PSP
        NL
        push byte -2
        pop ax
        PRINT "push byte -2 -> "
        H16 ax
        NL
        push dword 0x89ABCDEF
        PRINT "push dword:"
        PSP
        pop eax
        PRINT " eax="
        H32 eax
        NL
        mov word [SCRATCH], 0x5555
        push word [SCRATCH]
        pop word [SCRATCH + 2]
        PRINT "push/pop mem -> "
        H16 word [SCRATCH + 2]
        NL
        push cs
        pop ax
        PRINT "push cs -> "
        H16 ax
        NL
        ; pop sp loads the popped value
        mov word [0x5FF0], 0x5A00
        mov sp, 0x5FF0
        pop sp
        PRINT "pop sp:"
        PSP
        NL
        mov sp, 0x6000
        mov ax, 0x1111
        mov cx, 0x2222
        mov dx, 0x3333
        mov bx, 0x4444
        mov bp, 0x5555
        mov si, 0x6666
        mov di, 0x7777
        pusha
        PRINT "pusha:"
        PSP
        PRINT " ["
        mov bp, sp
        mov cx, 8
.pa:    PUTC ' '
        H16 word [bp]
        add bp, 2
        loop .pa
        PRINTLN " ]"
        mov word [esp + 6], 0xBAD       ; POPA skips the saved SP
        mov word [esp + 4], 0xAAAA      ; ... but loads BP
        xor ax, ax
        popa
        PRINT "popa: ax="
        H16 ax
        PRINT " bp="
        H16 bp
        PSP
        NL
        mov bp, 0xB0B0
        enter 8, 0
        PRINT "enter 8,0: bp="
        H16 bp
        PSP
        PRINT " [bp]="
        H16 word [bp]
        NL
        mov word [bp - 2], 0x1111       ; copied by the next ENTER's nesting level
        enter 4, 2
        PRINT "enter 4,2: bp="
        H16 bp
        PSP
        PRINT " frame="
        H16 word [bp]
        PUTC ' '
        H16 word [bp - 2]
        PUTC ' '
        H16 word [bp - 4]
        NL
        leave
        PRINT "leave: bp="
        H16 bp
        PSP
        NL
        leave
        PRINT "leave: bp="
        H16 bp
        PSP
        NL
        push word 0x08FF                ; reserved bits 3 and 5 read as 0, bit 1 as 1
        popf
        pushf
        pop ax
        push word 2
        popf
        PRINT "popf/pushf 08ff -> "
        H16 ax
        NL
        push word 0x7777                ; argument for retf 2
        call 0xF000:farfunc16
        PRINT "far call/retf 2:"
        PSP
        NL

        REAL_TO_PROT32
        PRINTLN "protected mode"
        mov esp, 0x60000
        push dword 0x12345678
        push word 0xABCD
        PRINT "push dword, push word:"
        PSP
        pop ax
        pop ebx
        PRINT " "
        H16 ax
        PUTC ' '
        H32 ebx
        NL
        push esp
        pop eax
        PRINT "push esp pushed "
        H32 eax
        NL
        push byte -3
        pop eax
        PRINT "push byte -3 -> "
        H32 eax
        NL
        push ds
        PRINT "push ds:"
        PSP
        pop eax
        PRINT " low16="
        H16 ax
        NL
        mov dword [0x5FF0], 0x5A000
        mov esp, 0x5FF0
        pop esp
        PRINT "pop esp:"
        PSP
        NL
        mov esp, 0x60000
        mov eax, 0x11111111
        mov ecx, 0x22222222
        mov edx, 0x33333333
        mov ebx, 0x44444444
        mov ebp, 0x55555555
        mov esi, 0x66666666
        mov edi, 0x77777777
        pushad
        PRINT "pushad:"
        PSP
        PRINT " ["
        mov ebp, esp
        mov ecx, 8
.pd:    PUTC ' '
        H32 dword [ebp]
        add ebp, 4
        loop .pd
        PRINTLN " ]"
        mov dword [esp + 12], 0xBAD
        popad
        PRINT "popad: eax="
        H32 eax
        PRINT " edi="
        H32 edi
        PSP
        NL
        mov ebp, 0xB0B0B0B0
        enter 12, 0
        PRINT "enter 12,0: ebp="
        H32 ebp
        PSP
        NL
        mov dword [ebp - 4], 0x11111111 ; copied by the next ENTER's nesting level
        mov dword [ebp - 8], 0x22222222
        enter 8, 3
        PRINT "enter 8,3: ebp="
        H32 ebp
        PSP
        PRINT " frame="
        H32 dword [ebp]
        PUTC ' '
        H32 dword [ebp - 4]
        PUTC ' '
        H32 dword [ebp - 8]
        PUTC ' '
        H32 dword [ebp - 12]
        NL
        leave
        leave
        PRINT "leave x2: ebp="
        H32 ebp
        PSP
        NL
        push dword 0x8888
        push dword 0x9999
        call SEL_CODE32:A(farfunc32)
        PRINT "far call/retf 8:"
        PSP
        NL
        mov dword [SCRATCH], A(farfunc32b)
        mov word [SCRATCH + 4], SEL_CODE32
        call far [SCRATCH]
        PRINT "call far [m16:32]:"
        PSP
        NL

        PROT32_TO_LONG
        PRINTLN "long mode"
        mov rsp, 0x60000
        push qword -5
        pop rax
        PRINT "push -5 -> "
        H64 rax
        NL
        mov r12, 0x0123456789ABCDEF
        push r12
        pop r13
        PRINT "push r12/pop r13 -> "
        H64 r13
        PSP
        NL
        push word 0x4321
        PRINT "push word:"
        PSP
        pop ax
        NL
        push rsp
        pop rax
        PRINT "push rsp pushed "
        H64 rax
        NL
        push fs
        PRINT "push fs:"
        PSP
        pop rax
        NL
        mov qword [SCRATCH], 0x77
        push qword [SCRATCH]
        pop qword [SCRATCH + 8]
        PRINT "push/pop [mem] -> "
        H64 qword [SCRATCH + 8]
        NL
        mov rbp, 0xB0B0B0B0B0B0B0B0
        enter 16, 0
        PRINT "enter 16,0: rbp="
        H64 rbp
        PSP
        NL
        mov qword [rbp - 8], 0x1111     ; copied by the next ENTER's nesting level
        enter 0, 2
        PRINT "enter 0,2: rbp="
        H64 rbp
        PSP
        PRINT " frame="
        H64 qword [rbp]
        PUTC ' '
        H64 qword [rbp - 8]
        PUTC ' '
        H64 qword [rbp - 16]
        NL
        leave
        leave
        PRINT "leave x2: rbp="
        H64 rbp
        PSP
        NL
        pushfq
        pop rax
        and eax, 0x3FFFFF & ~FL_ARITH
        PRINT "pushfq (non-arith bits) -> "
        H64 rax
        NL
        mov qword [SCRATCH], A(farfunc64)
        mov word [SCRATCH + 8], SEL_CODE64
        call far qword [SCRATCH]
        PRINT "call far [m16:64]/retfq:"
        PSP
        NL
        EXIT_OK

        bits 16
farfunc16:
        PRINT "in farfunc16:"
        PSP
        mov bp, sp
        PRINT " cs="
        H16 word [bp + 2]
        PRINT " arg="
        H16 word [bp + 4]
        NL
        retf 2

        bits 32
farfunc32:
        PRINT "in farfunc32:"
        PSP
        mov ebp, esp
        PRINT " cs="
        H16 word [ebp + 4]
        PRINT " args="
        H32 dword [ebp + 8]
        PUTC ' '
        H32 dword [ebp + 12]
        NL
        retf 8
farfunc32b:
        PRINT "in farfunc32b:"
        PSP
        NL
        retf

        bits 64
farfunc64:
        PRINT "in farfunc64:"
        PSP
        mov rbp, rsp
        PRINT " cs="
        H16 word [rbp + 8]
        NL
        o64 retf

%include "end.inc"
