; irq.asm - hardware interrupts through the 8259 PIC: the COM1 THRE interrupt on IRQ4, the STI
; interrupt shadow (an interrupt pending at STI is taken after the next instruction), HLT woken
; by an interrupt (the return address is after HLT), a masked IRQ not delivered, EOI, in real
; mode and 32-bit protected mode.  Needs the PIC, the UART's interrupt output and the local
; APIC in virtual-wire mode (LVT LINT0 = ExtINT, programmed at 0xFEE00000).
%include "rom.inc"
%include "pic.inc"

IRQ_VEC   equ 0x24                  ; PIC1 base 0x20 + IRQ4
irq_count equ scratch_vars + 0x00
flag      equ scratch_vars + 0x04
seen      equ scratch_vars + 0x08   ; flag value when the interrupt arrived
ret_ip    equ scratch_vars + 0x0C   ; return address in the interrupt frame

%macro THRE_IRQ_ON 0                ; UART: THRE interrupt enabled -> IRQ4 pending at once
        mov dx, COM1 + 1
        mov al, 0x02
        out dx, al
%endmacro

main:
        ; The local APIC masks LINT0 after reset: program it as a BIOS does (virtual wire
        ; mode: APIC software-enabled, LINT0 = ExtINT) so the PIC's INTR reaches the CPU.
        REAL_TO_PROT32
        mov dword [0xFEE000F0], 0x1FF       ; spurious-interrupt vector register: enable
        mov dword [0xFEE00350], 0x700       ; LVT LINT0: ExtINT, unmasked
        PROT32_TO_REAL
        ; PIC1: vectors 0x20-0x27, only IRQ4 unmasked; PIC2: vectors 0x28-0x2F, all masked
        PIC_INIT 0xEF
        mov dx, COM1 + 4
        mov al, 0x0B                ; DTR RTS OUT2 (OUT2 gates the IRQ line on a PC)
        out dx, al
        PRINTLN "real mode"
        mov word [IRQ_VEC * 4], irq_real
        mov word [IRQ_VEC * 4 + 2], 0xF000
        call phases16

        REAL_TO_PROT32
        PRINTLN "protected mode"
        mov eax, IRQ_VEC
        mov edx, A(irq_p32)
        mov ecx, 0x8E00
        call set_gate32
        call phases32
        EXIT_OK

        bits 16
phases16:
        mov dword [irq_count], 0
        mov byte [flag], 0
        THRE_IRQ_ON
        sti
        mov byte [flag], 1          ; runs before the pending interrupt (STI shadow)
        nop
        cli
        PRINT "sti shadow: flag seen by the handler="
        H8 byte [seen]
        PRINT " irqs="
        H32 dword [irq_count]
        NL
        THRE_IRQ_ON
        sti
        hlt
.after_hlt:
        cli
        mov ax, [ret_ip]
        cmp ax, .after_hlt
        sete al
        add al, '0'
        PRINT "hlt woken: return address after hlt="
        PUTC al
        PRINT " irqs="
        H32 dword [irq_count]
        NL
        in al, 0x21                 ; mask IRQ4
        or al, 0x10
        out 0x21, al
        THRE_IRQ_ON
        sti
        nop
        nop
        cli
        PRINT "masked: irqs="
        H32 dword [irq_count]
        NL
        in al, 0x21                 ; unmask: the still-pending request is delivered
        and al, ~0x10
        out 0x21, al
        sti
        nop
        cli
        PRINT "unmasked: irqs="
        H32 dword [irq_count]
        NL
        ret

irq_real:
        push ax
        push dx
        push bp
        mov bp, sp
        mov al, [flag]
        mov [seen], al
        mov ax, [bp + 6]
        mov [ret_ip], ax
        inc dword [irq_count]
        mov dx, COM1 + 1            ; IER off: the THRE interrupt goes away
        xor al, al
        out dx, al
        mov dx, COM1 + 2
        in al, dx                   ; IIR
        mov al, 0x20                ; EOI
        out 0x20, al
        pop bp
        pop dx
        pop ax
        iret

        bits 32
phases32:
        mov dword [irq_count], 0
        mov byte [flag], 0
        THRE_IRQ_ON
        sti
        mov byte [flag], 1
        nop
        cli
        PRINT "sti shadow: flag seen by the handler="
        H8 byte [seen]
        PRINT " irqs="
        H32 dword [irq_count]
        NL
        THRE_IRQ_ON
        sti
        hlt
.after_hlt:
        cli
        mov eax, [ret_ip]
        cmp eax, A(.after_hlt)
        sete al
        add al, '0'
        PRINT "hlt woken: return address after hlt="
        PUTC al
        PRINT " irqs="
        H32 dword [irq_count]
        NL
        mov dx, COM1 + 1
        xor al, al
        out dx, al
        ret

irq_p32:
        push eax
        push edx
        mov al, [flag]
        mov [seen], al
        mov eax, [esp + 8]
        mov [ret_ip], eax
        inc dword [irq_count]
        mov dx, COM1 + 1
        xor al, al
        out dx, al
        mov dx, COM1 + 2
        in al, dx
        mov al, 0x20
        out 0x20, al
        pop edx
        pop eax
        iretd

%include "end.inc"
