; gdbsys.asm - the guest of the gdb tests on system-side accesses and stepping edge
; cases, all in long mode: an INT n and a #UD whose delivery pushes the return address
; to a known stack slot (gdb watches it), a UART interrupt pending while gdb steps
; (it must not be entered by default), and a CLI; HLT that gdb steps into and over.
; Labels for the test driver at ROM offset 0xFF00 (dwords, linear addresses):
;   0 int_bp  1 after_int  2 int_handler  3 ud_insn  4 ud_handler  5 irq_bp
;   6 irq_handler  7 hlt_bp  8 after_hlt  9 watch_slot
%include "rom.inc"
%include "pic.inc"

IRQ_VEC    equ 0x24                 ; PIC1 base 0x20 + IRQ4 (COM1)
irq_count  equ scratch_vars + 0x00
WATCH_SLOT equ STACK_TOP - 40       ; where a 64-bit delivery at RSP=STACK_TOP puts RIP

%macro THRE_IRQ_ON 0                ; UART: THRE interrupt enabled -> IRQ4 pending at once
        mov dx, COM1 + 1
        mov al, 0x02
        out dx, al
%endmacro

main:
        REAL_TO_PROT32
        ; virtual-wire mode (as a BIOS leaves it): the PIC's INTR reaches the CPU
        mov dword [0xFEE000F0], 0x1FF
        mov dword [0xFEE00350], 0x700
        ; PIC1: vectors 0x20-0x27, only IRQ4 unmasked; PIC2 masked
        PIC_INIT 0xEF
        mov dx, COM1 + 4
        mov al, 0x0B                ; DTR RTS OUT2
        out dx, al
        PROT32_TO_LONG
        mov eax, 0x40
        mov edx, A(int_handler)
        mov ecx, 0x8E00
        call set_gate64
        mov eax, 6
        mov edx, A(ud_handler)
        call set_gate64
        mov eax, IRQ_VEC
        mov edx, A(irq_handler)
        call set_gate64
        PRINTLN "long mode"

        mov rsp, STACK_TOP
int_bp:
        nop
        int 0x40                    ; pushes its return address to WATCH_SLOT
after_int:
        mov rsp, STACK_TOP
ud_insn:
        ud2                         ; #UD delivery pushes ud_insn to WATCH_SLOT
        PRINTLN "int and ud done"

        mov dword [irq_count], 0
        THRE_IRQ_ON                 ; IRQ4 pending from now on (IF=0)
irq_bp:
        sti
        nop
        nop
        nop
.wait:  cmp dword [irq_count], 0
        je .wait
        PRINT "irqs="
        H32 dword [irq_count]
        NL
hlt_bp:
        cli
        hlt
after_hlt:
        PRINTLN "woken"
        EXIT_FAIL

int_handler:
        iretq
ud_handler:
        add qword [rsp], 2          ; skip the ud2
        iretq
irq_handler:
        push rax
        push rdx
        mov dx, COM1 + 1
        xor al, al                  ; THRE interrupt off
        out dx, al
        mov dx, COM1 + 2
        in al, dx                   ; IIR read acknowledges it
        inc dword [irq_count]
        mov al, 0x20
        out 0x20, al                ; EOI
        pop rdx
        pop rax
        iretq

        times 0xFF00 - ($ - $$) db 0
label_table:
        dd A(int_bp), A(after_int), A(int_handler), A(ud_insn), A(ud_handler), A(irq_bp)
        dd A(irq_handler), A(hlt_bp), A(after_hlt), WATCH_SLOT

%include "end.inc"
