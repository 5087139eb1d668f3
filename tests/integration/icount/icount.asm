; icount.asm - a guest whose output depends on exactly when timer interrupts arrive: the PIT
; (channel 0, rate generator) on IRQ0 interrupts a loop that counts its iterations, and the
; handler records the count at each tick. The loop mixes memory, a store into its own code
; page (self-modifying code), a division by zero every 64 iterations (#DE, skipped by its
; handler) and a self-modifying immediate. With -icount the ticks come after a fixed number
; of instructions, so the recorded counts must be the same on every run and under every
; accelerator (test-icount.py).
%include "rom.inc"
%include "pic.inc"

NTICKS  equ 6
ticks   equ scratch_vars + 0x00     ; word
counts  equ scratch_vars + 0x10     ; NTICKS dwords
CODE    equ 0x9000                  ; RAM copy of the loop (segment 0x0900)

main:
        PIC_INIT 0xFE               ; only IRQ0
        mov word [0x20 * 4], tick
        mov word [0x20 * 4 + 2], 0xF000
        mov word [0x00 * 4], div0
        mov word [0x00 * 4 + 2], 0xF000
        mov word [ticks], 0
        ; copy the loop to RAM (it patches itself there)
        push ds
        pop es
        mov si, loop_tmpl
        mov di, CODE
        mov cx, loop_end - loop_tmpl
.copy:  mov al, [cs:si]
        mov [es:di], al
        inc si
        inc di
        loop .copy
        ; PIT channel 0, mode 2, divisor 2000
        mov al, 0x34
        out 0x43, al
        mov ax, 2000
        out 0x40, al
        mov al, ah
        out 0x40, al
        call 0x0900:0x0000
        cli
        PRINTLN "ticks recorded:"
        xor si, si
.print: H32 dword [counts + si]
        NL
        add si, 4
        cmp si, NTICKS * 4
        jb .print
        EXIT_OK

; IRQ0: counts[ticks++] = ecx (the loop's count), EOI
tick:
        push bx
        mov bx, [ticks]
        cmp bx, NTICKS
        jae .done
        shl bx, 2
        mov [counts + bx], ecx
        inc word [ticks]
.done:  mov al, 0x20
        out 0x20, al
        pop bx
        iret

; #DE: skip the 2-byte DIV
div0:
        push bp
        mov bp, sp
        add word [bp + 2], 2
        pop bp
        iret

; runs at 0900:0000 in RAM
loop_tmpl:
        xor ecx, ecx
        sti
.l:     inc ecx
        add dword [scratch_vars + 0x40], ecx
        mov eax, ecx
        and eax, 63
        jnz .nodiv
        xor dx, dx
        div ax                      ; #DE (ax = 0)
.nodiv: mov bx, cx
        and bx, 7
        mov byte [cs:(.imm - loop_tmpl) + 1], bl    ; patch the immediate below
.imm:   mov al, 0
        add byte [scratch_vars + 0x44], al
        cmp word [ticks], NTICKS
        jb .l
        retf
loop_end:

%include "end.inc"
