; xmodify.asm - cross-modifying code (run with -smp 2): the AP spins in a loop in RAM whose
; exit test reads an immediate operand (mov eax, imm32 / test / jz back), and the BSP patches
; that immediate with plain stores while the AP runs it. The AP must see the new value,
; leave the loop and report it; then the BSP turns the jmp that closes a second loop into
; two NOPs and the AP must leave that one too. Each loop serializes with CPUID before it
; runs the patched bytes again (the SDM's protocol for cross-modifying code). A JIT that keeps
; running the old translation (not invalidated when another vCPU writes the page) never ends.
; xmodify.expected is what qemu-system-x86_64 -accel tcg -smp 2 prints; QEMU itself hangs in
; about 1 of 30 runs here, so the guest is in guests_sdm (not cross-checked with QEMU).
%include "rom.inc"

TRAMP     equ FREE_RAM              ; SIPI vector TRAMP >> 12: CS = TRAMP >> 4, IP = 0
AP_STATE  equ scratch_vars          ; 1: in the first loop, 2: in the second, 3: done
AP_SEEN   equ scratch_vars + 4      ; the immediate the AP left the first loop with
AP_LAPS   equ scratch_vars + 8      ; laps of the second loop (nonzero: it did spin)
APIC      equ 0xFEE00000

main:
        REAL_TO_PROT32
        xor eax, eax
        mov [AP_STATE], eax
        mov [AP_SEEN], eax
        mov [AP_LAPS], eax
        mov esi, A(ap_tramp)
        mov edi, TRAMP
        mov ecx, ap_tramp_end - ap_tramp
        cld
        rep movsb
        mov dword [APIC + 0xF0], 0x1FF          ; software-enable the BSP's APIC
        mov dword [APIC + 0x310], 0
        mov dword [APIC + 0x300], 0x000C4500    ; INIT, level assert, all excluding self
        mov dword [APIC + 0x300], 0x000C4600 | (TRAMP >> 12)   ; SIPI
        mov ecx, 100000
.delay: pause
        dec ecx
        jnz .delay
        mov dword [APIC + 0x300], 0x000C4600 | (TRAMP >> 12)   ; second SIPI (MP spec)
        ; wait until the AP is in the first loop, let it spin a while, then patch
        mov ecx, 0x4000000
.w1:    cmp dword [AP_STATE], 1
        je .in1
        pause
        dec ecx
        jnz .w1
.in1:   mov ecx, 200000
.d1:    pause
        dec ecx
        jnz .d1
        mov dword [TRAMP + (ap_imm - ap_tramp) + 2], 0x12345678   ; after 66 B8
        ; the second loop: "jmp short .spin2" becomes two NOPs
        mov ecx, 0x4000000
.w2:    cmp dword [AP_STATE], 2
        je .in2
        pause
        dec ecx
        jnz .w2
.in2:   mov ecx, 0x4000000
.w2b:   cmp dword [AP_LAPS], 1000               ; it is looping
        jae .patch2
        pause
        dec ecx
        jnz .w2b
.patch2:
        mov word [TRAMP + (ap_jmp - ap_tramp)], 0x9090
        mov ecx, 0x4000000
.w3:    cmp dword [AP_STATE], 3
        je .done
        pause
        dec ecx
        jnz .w3
.done:
        PRINT "ap state: "
        H32 [AP_STATE]
        NL
        PRINT "immediate seen by the ap: "
        H32 [AP_SEEN]
        NL
        PRINT "second loop spun: "
        cmp dword [AP_LAPS], 1000
        setae al
        add al, '0'
        PUTC al
        NL
        EXIT_OK

; ---- copied to TRAMP; runs in real mode on the AP ----
        bits 16
ap_tramp:
        cli
        xor ax, ax
        mov ds, ax
        mov dword [AP_STATE], 1
ap_spin:
        xor eax, eax
        cpuid                                   ; serialize
ap_imm: mov eax, strict dword 0                 ; patched by the BSP
        test eax, eax
        jz ap_spin
        mov [AP_SEEN], eax
        mov dword [AP_STATE], 2
ap_loop2:
        inc dword [AP_LAPS]
        xor eax, eax
        cpuid                                   ; serialize
ap_jmp: jmp short ap_loop2                      ; becomes NOP NOP
        mov dword [AP_STATE], 3
.halt:  cli
        hlt
        jmp .halt
ap_tramp_end:

%include "end.inc"
