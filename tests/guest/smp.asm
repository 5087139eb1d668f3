; smp.asm - bringing up the application processors (run with -smp 4): the BSP software-enables
; its local APIC and sends INIT then SIPI twice to all excluding self (the second SIPI must be
; ignored by APs already running); each AP starts in real mode at the SIPI vector's page, records
; its APIC id (CPUID.1:EBX[31:24]) with LOCK OR, counts itself with LOCK INC and adds 1 to a
; shared sum 10000 times with LOCK INC while the BSP does the same (no increment may be lost).
%include "rom.inc"

TRAMP     equ FREE_RAM              ; SIPI vector TRAMP >> 12: CS = TRAMP >> 4, IP = 0
AP_IDS    equ scratch_vars          ; bit n set: APIC id n arrived
AP_COUNT  equ scratch_vars + 4
AP_SUM    equ scratch_vars + 8
AP_DONE   equ scratch_vars + 12
ITER      equ 10000
NR_APS    equ 3
APIC      equ 0xFEE00000

main:
        REAL_TO_PROT32
        xor eax, eax
        mov [AP_IDS], eax
        mov [AP_COUNT], eax
        mov [AP_SUM], eax
        mov [AP_DONE], eax
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
        mov dword [APIC + 0x300], 0x000C4600 | (TRAMP >> 12)   ; second SIPI: ignored
        mov ecx, ITER
.sum:   lock inc dword [AP_SUM]
        dec ecx
        jnz .sum
        mov ecx, 0x4000000                      ; bounded wait for the APs
.wait:  cmp dword [AP_DONE], NR_APS
        jae .done
        pause
        dec ecx
        jnz .wait
.done:
        PRINT "aps arrived: "
        H32 [AP_COUNT]
        NL
        PRINT "apic ids: "
        H32 [AP_IDS]
        NL
        PRINT "sum: "
        H32 [AP_SUM]
        NL
        PRINT "aps done: "
        H32 [AP_DONE]
        NL
        EXIT_OK

; ---- copied to TRAMP; runs in real mode on each AP ----
        bits 16
ap_tramp:
        cli
        xor ax, ax
        mov ds, ax
        mov eax, 1
        cpuid
        shr ebx, 24
        mov cl, bl
        mov eax, 1
        shl eax, cl
        lock or [AP_IDS], eax
        lock inc dword [AP_COUNT]
        mov ecx, ITER
.loop:  lock inc dword [AP_SUM]
        dec ecx
        jnz .loop
        lock inc dword [AP_DONE]
.halt:  cli
        hlt
        jmp .halt
ap_tramp_end:

%include "end.inc"
