; gates.asm - call gates (32-bit: same privilege, CPL3 -> CPL0 with a stack switch and parameter
; copy, #GP for a gate with DPL < CPL; 64-bit: CPL3 -> CPL0) and hardware task switches through
; a TSS (CALL + IRET with NT and the back link, JMP there and back, busy bits, saved state).
%include "rom.inc"
%include "user.inc"

SEL_GATE0  equ SEL_FREE + 0x00      ; 32-bit call gate, DPL0 -> gate_same
SEL_GATE3  equ SEL_FREE + 0x08      ; 32-bit call gate, DPL3, 2 params -> gate_priv
SEL_TSSB   equ SEL_FREE + 0x10      ; TSS of task B
SEL_GATE64 equ SEL_FREE + 0x20      ; 64-bit call gate (16 bytes), DPL3 -> gate64
TSSB       equ TSS_AREA + 0x100

; CALL_GATE sel, target-linear, code-sel, dpl, params (32-bit gate)
%macro CALL_GATE 5
        mov dword [GDT_BASE + (%1)], ((%2) & 0xFFFF) | ((%3) << 16)
        mov dword [GDT_BASE + (%1) + 4], ((%2) & 0xFFFF0000) | 0x8C00 | ((%4) << 13) | (%5)
%endmacro

%macro TSS_BUSY 1                   ; print the busy bit of a TSS descriptor
        mov al, [GDT_BASE + (%1) + 5]
        shr al, 1
        and al, 1
        add al, '0'
        PUTC al
%endmacro

main:
        REAL_TO_PROT32
        USER_SETUP32
        PRINTLN "32-bit call gates"
        CALL_GATE SEL_GATE0, A(gate_same), SEL_CODE32, 0, 0
        CALL_GATE SEL_GATE3, A(gate_priv), SEL_CODE32, 3, 2
        call SEL_GATE0:0xDEAD       ; the offset is ignored
        PRINTLN "back from gate_same"
        ENTER_USER32 user32
        PRINTLN "back in kernel"

        PRINTLN "task switches"
        mov edi, TSSB
        mov ecx, 0x68 / 4
        xor eax, eax
        rep stosd
        mov dword [TSSB + 0x1C], 0              ; CR3 (paging is off)
        mov dword [TSSB + 0x20], A(task_b)      ; EIP
        mov dword [TSSB + 0x24], 0x2            ; EFLAGS
        mov dword [TSSB + 0x28], 0xB000         ; EAX
        mov dword [TSSB + 0x38], 0x60000        ; ESP
        mov dword [TSSB + 0x48], SEL_DATA32     ; ES
        mov dword [TSSB + 0x4C], SEL_CODE32     ; CS
        mov dword [TSSB + 0x50], SEL_DATA32     ; SS
        mov dword [TSSB + 0x54], SEL_DATA32     ; DS
        mov dword [TSSB + 0x58], SEL_DATA32     ; FS
        mov dword [TSSB + 0x5C], SEL_DATA32     ; GS
        mov word [TSSB + 0x66], 0x68
        SET_DESC SEL_TSSB, TSSB, 0x67, 0x89, 0x0
        PRINT "busy before: A="
        TSS_BUSY SEL_TSS32
        PRINT " B="
        TSS_BUSY SEL_TSSB
        NL
        mov eax, 0xA0A0
        call SEL_TSSB:0
        ; back from task B through IRET (NT)
        mov [scratch_vars], eax
        pushfd
        pop eax
        and eax, 0x4000
        PRINT "back in task A: eax="
        H32 dword [scratch_vars]
        PRINT " NT="
        H32 eax
        PRINT " busy A="
        TSS_BUSY SEL_TSS32
        PRINT " B="
        TSS_BUSY SEL_TSSB
        PRINT " B's saved eax="
        H32 dword [TSSB + 0x28]
        NL
        ; JMP to B: no back link, no NT, A is no longer busy
        mov dword [TSSB + 0x20], A(task_b_jmp)
        mov dword [TSSB + 0x38], 0x60000
        jmp SEL_TSSB:0
.jback: PRINT "back in task A after jmp: busy A="
        TSS_BUSY SEL_TSS32
        PRINT " B="
        TSS_BUSY SEL_TSSB
        NL

        PROT32_TO_LONG
        USER_SETUP64
        PRINTLN "64-bit call gate"
        mov rax, A(gate64)
        mov edx, eax
        and edx, 0xFFFF
        or edx, SEL_CODE64 << 16
        mov [GDT_BASE + SEL_GATE64], edx
        mov edx, eax
        and edx, 0xFFFF0000
        or edx, 0xEC00              ; present, DPL3, type 0xC
        mov [GDT_BASE + SEL_GATE64 + 4], edx
        mov qword [GDT_BASE + SEL_GATE64 + 8], 0
        ENTER_USER64 user64
        PRINTLN "back in kernel"
        EXIT_OK

        bits 32
gate_same:
        mov ax, cs
        PRINT "  in gate_same: cs="
        H16 ax
        mov ax, [esp + 4]
        PRINT " caller cs="
        H16 ax
        NL
        retf

gate_priv:                          ; [esp] eip, +4 cs, +8 param2, +12 param1, +16 esp, +20 ss
        mov ebp, esp
        mov [scratch_vars], esp
        PRINT "  in gate_priv: esp="
        H32 dword [scratch_vars]
        PRINT " caller cs="
        H16 word [ebp + 4]
        PRINT " params="
        H32 dword [ebp + 12]
        PUTC ' '
        H32 dword [ebp + 8]
        PRINT " caller ss:esp="
        H16 word [ebp + 20]
        PUTC ':'
        H32 dword [ebp + 16]
        NL
        retf 8

user32:
        push dword 0x1111           ; param 1
        push dword 0x2222           ; param 2
        call SEL_GATE3 | 3:0
        mov [scratch_vars + 4], esp
        mov ax, cs
        mov [scratch_vars + 8], ax
        EXPECT_EXC .f, .r
.f:     call SEL_GATE0 | 3:0        ; gate DPL0 < CPL3: #GP(gate selector)
.r:     USER_RETURN

task_b:
        mov [scratch_vars], eax
        pushfd
        pop eax
        and eax, 0x4000
        PRINT "  in task B: eax="
        H32 dword [scratch_vars]
        PRINT " NT="
        H32 eax
        PRINT " link="
        H16 word [TSSB]
        PRINT " busy A="
        TSS_BUSY SEL_TSS32
        PRINT " B="
        TSS_BUSY SEL_TSSB
        str ax
        PRINT " tr="
        H16 ax
        NL
        mov eax, 0xB0B0
        iretd                       ; NT=1: return to task A
        jmp task_b

task_b_jmp:
        pushfd
        pop eax
        and eax, 0x4000
        PRINT "  in task B (jmp): NT="
        H32 eax
        PRINT " busy A="
        TSS_BUSY SEL_TSS32
        PRINT " B="
        TSS_BUSY SEL_TSSB
        NL
        mov dword [TSS32_BASE + 0x20], A(main.jback)
        jmp SEL_TSS32:0

        bits 64
gate64:                             ; [rsp] rip, +8 cs, +16 rsp, +24 ss
        mov rbp, rsp
        mov [scratch_vars], rsp
        PRINT "  in gate64: rsp="
        H64 qword [scratch_vars]
        PRINT " caller cs="
        H16 word [rbp + 8]
        PRINT " caller ss:rsp="
        H16 word [rbp + 24]
        PUTC ':'
        H64 qword [rbp + 16]
        NL
        o64 retf

user64:
        mov rax, SEL_GATE64 | 3
        mov [SCRATCH], rax          ; m16:64 far pointer: offset ignored, selector
        mov qword [SCRATCH], 0
        mov word [SCRATCH + 8], SEL_GATE64 | 3
        call far qword [SCRATCH]
        mov ax, cs
        mov [scratch_vars + 8], ax
        USER_RETURN

%include "end.inc"
