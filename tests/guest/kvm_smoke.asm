; kvm_smoke.asm - the whole machine seen by a small guest, kept to what any accelerator runs
; (written for -accel kvm): serial output, port I/O both ways, PIT timer interrupts through
; the 8259 PIC and the local APIC (virtual wire) woken by HLT in real mode and in long mode,
; a local APIC register read (MMIO), the switch real -> protected -> long mode, and power-off
; through isa-debug-exit.  The timer is only counted (at least 3 ticks), never timed.
%include "rom.inc"
%include "pic.inc"

TIMER_VEC equ 0x20                  ; PIC1 base 0x20 + IRQ0
ticks     equ scratch_vars + 0x00
WANT      equ 3

main:
        PRINTLN "real mode"
        ; local APIC: software-enabled, LINT0 = ExtINT (virtual wire), as a BIOS does
        REAL_TO_PROT32
        mov dword [0xFEE000F0], 0x1FF
        mov dword [0xFEE00350], 0x700
        mov eax, [0xFEE00030]       ; version register: MMIO read
        mov [scratch_vars + 0x10], eax
        PROT32_TO_REAL
        PRINT "lapic: max lvt entry >= 3: "
        mov eax, [scratch_vars + 0x10]
        shr eax, 16
        cmp al, 3
        setae al
        add al, '0'
        PUTC al
        NL
        ; PIC1: vectors 0x20-0x27, only IRQ0 unmasked; PIC2 all masked
        PIC_INIT 0xFE
        in al, 0x21                 ; port read back
        PRINT "pic mask: "
        H8 al
        NL
        ; PIT channel 0, mode 2, about 1 kHz
        mov al, 0x34
        out 0x43, al
        mov al, 0xA9
        out 0x40, al
        mov al, 0x04
        out 0x40, al
        mov word [TIMER_VEC * 4], tick_real
        mov word [TIMER_VEC * 4 + 2], 0xF000
        mov dword [ticks], 0
        mov eax, [cs:0]
        mov [scratch_vars + 0x14], eax
.wait16:
        sti
        hlt
        cli
        cmp dword [ticks], WANT
        jb .wait16
        PRINTLN "real mode: timer interrupts woke hlt"
        mov eax, [cs:0]
        cmp eax, [scratch_vars + 0x14]
        sete al
        add al, '0'
        PRINT "rom writes dropped: "
        PUTC al
        NL

        REAL_TO_PROT32
        PRINTLN "protected mode"
        PROT32_TO_LONG
        mov ecx, EFER_MSR
        rdmsr
        and eax, 0x500
        PRINT "long mode: efer.lme/lma="
        H16 ax
        NL
        mov eax, TIMER_VEC
        lea rdx, [rel tick64]
        mov ecx, 0x8E00
        call set_gate64
        mov dword [ticks], 0
.wait64:
        sti
        hlt
        cli
        cmp dword [ticks], WANT
        jb .wait64
        PRINTLN "long mode: timer interrupts woke hlt"
        mov al, 0xFF                ; mask the timer again
        out 0x21, al
        PRINTLN "bye"
        EXIT_OK

        bits 16
tick_real:
        push ax
        inc dword [cs:0]            ; harmless ROM write: dropped
        inc dword [ticks]
        mov al, 0x20                ; EOI
        out 0x20, al
        pop ax
        iret

        bits 64
tick64:
        push rax
        inc dword [ticks]
        mov al, 0x20
        out 0x20, al
        pop rax
        iretq

%include "end.inc"
