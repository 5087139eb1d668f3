; vm86.asm - virtual-8086 mode entered by IRETD from 32-bit protected mode: real-mode style
; segments, I/O through the TSS bitmap, INT n with IOPL 3 through a DPL3 gate (the vm86 frame
; with ES/DS/FS/GS and the segment registers zeroed in the handler), #GP for a privileged
; instruction; with IOPL 0: #GP for INT n and CLI; leaving through #UD.
%include "rom.inc"
%include "user.inc"

IOMAP_LEN equ 0x501 / 8 + 2
VM_FLAG   equ 0x20000
VINT      equ 0x31

%macro ENTER_VM86 2                 ; vm86 code label (offset in segment F000), IOPL
        mov dword [user_cont], A(%%back)
        push dword 0                ; GS
        push dword 0x0100           ; FS
        push dword 0                ; DS
        push dword 0x0800           ; ES
        push dword 0                ; SS
        push dword 0x6000           ; SP
        push dword VM_FLAG | ((%2) << 12) | 2
        push dword 0xF000           ; CS
        push dword %1               ; IP
        iretd
%%back:
%endmacro

main:
        mov al, 0xFF                ; mask the PICs: the vm86 code executes STI
        out 0x21, al
        out 0xA1, al
        REAL_TO_PROT32
        USER_SETUP32
        mov edi, TSS32_BASE + 0x68  ; I/O bitmap: allow COM1 and the debug-exit port
        mov ecx, IOMAP_LEN
        mov al, 0xFF
        rep stosb
        mov byte [TSS32_BASE + 0x68 + 0x3F8 / 8], 0
        and byte [TSS32_BASE + 0x68 + 0x501 / 8], ~(1 << (0x501 & 7))
        SET_DESC SEL_TSS32, TSS32_BASE, 0x68 + IOMAP_LEN - 1, 0x89, 0x0
        mov ax, SEL_TSS32
        ltr ax
        mov eax, VINT
        mov edx, A(vint_handler)
        mov ecx, 0xEE00
        call set_gate32
        PRINTLN "vm86 with IOPL 3"
        ENTER_VM86 vm86_iopl3, 3
        PRINT "back in protected mode: [0x8020]="
        H16 word [0x8020]
        NL
        PRINTLN "vm86 with IOPL 0"
        mov eax, 6                  ; #UD leaves vm86 in this test
        mov edx, A(user_return32)
        mov ecx, 0x8E00
        call set_gate32
        ENTER_VM86 vm86_iopl0, 0
        PRINTLN "back in protected mode"
        EXIT_OK

vint_handler:                       ; [ebp+4] eip +8 cs +12 eflags +16 esp +20 ss +24 es +28 ds +32 fs +36 gs
        push ebp
        mov ebp, esp
        mov bx, ds
        mov cx, es
        mov ax, SEL_DATA32
        mov ds, ax
        mov es, ax
        PRINT "  int 31 from vm86: cs="
        H16 word [ebp + 8]
        mov eax, [ebp + 12]
        and eax, VM_FLAG | 0x3000
        PRINT " eflags(vm,iopl)="
        H32 eax
        PRINT " ss:sp="
        H16 word [ebp + 20]
        PUTC ':'
        H16 word [ebp + 16]
        PRINT " es="
        H16 word [ebp + 24]
        PRINT " ds="
        H16 word [ebp + 28]
        PRINT " fs="
        H16 word [ebp + 32]
        PRINT " handler ds,es="
        H16 bx
        PUTC ','
        H16 cx
        NL
        pop ebp
        iretd

        bits 16
vm86_iopl3:
        PRINTLN "  vm86: printing through the I/O bitmap"
        mov ax, 0x0800
        mov ds, ax
        mov word [0x20], 0x1234     ; linear 0x8020
        mov ax, [es:0x20]           ; ES=0x0800 too
        xor bx, bx
        mov ds, bx
        PRINT "  vm86: es:0020="
        H16 ax
        mov ax, cs
        PRINT " cs="
        H16 ax
        pushf
        pop ax
        and ax, 0x3000
        PRINT " iopl="
        H16 ax
        NL
        int VINT
        PRINTLN "  vm86: back from int 31"
        EXPECT_EXC .f, .r
.f:     mov eax, cr0                ; privileged: #GP(0)
.r:     cli
        sti
        cli
        USER_RETURN

vm86_iopl0:
        PRINTLN "  vm86: IOPL 0"
        EXPECT_EXC .f1, .r1
.f1:    int VINT                    ; IOPL < 3: #GP(0)
.r1:    EXPECT_EXC .f2, .r2
.f2:    cli                         ; #GP(0)
.r2:    ud2

%include "end.inc"
