; smp_spinlock.asm - a test-and-set spin lock shared by 4 CPUs (run with -smp 4): acquired with
; LOCK BTS, released with a plain MOV (as SeaBIOS and Linux release theirs), protecting a plain,
; non-atomic counter. A LOCKed read-modify-write must be atomic against the other CPUs' plain
; stores too: a release that lands between the BTS's read and write must not be lost (the lock
; would then stay taken forever; every spin here is bounded and reports a timeout instead).
%include "rom.inc"

TRAMP     equ FREE_RAM
LOCKW     equ scratch_vars          ; the lock word (bit 0)
COUNTER   equ scratch_vars + 4      ; protected by the lock
AP_DONE   equ scratch_vars + 8
TIMEOUTS  equ scratch_vars + 12
ITER      equ 3000
NR_APS    equ 3
SPIN      equ 0x1000000
APIC      equ 0xFEE00000

; CRITICAL: ITER rounds of acquire / counter += 1 / release (16- or 32-bit code, DS base 0)
%macro CRITICAL 0
        mov ecx, ITER
%%round:
        mov edx, SPIN
%%try:  lock bts dword [LOCKW], 0
        jnc %%got
        pause
        dec edx
        jnz %%try
        lock inc dword [TIMEOUTS]
        jmp %%out
%%got:  mov eax, [COUNTER]
        inc eax
        mov [COUNTER], eax
        mov dword [LOCKW], 0
        dec ecx
        jnz %%round
%%out:
%endmacro

main:
        REAL_TO_PROT32
        xor eax, eax
        mov [LOCKW], eax
        mov [COUNTER], eax
        mov [AP_DONE], eax
        mov [TIMEOUTS], eax
        mov esi, A(ap_tramp)
        mov edi, TRAMP
        mov ecx, ap_tramp_end - ap_tramp
        cld
        rep movsb
        mov dword [APIC + 0xF0], 0x1FF
        mov dword [APIC + 0x310], 0
        mov dword [APIC + 0x300], 0x000C4500    ; INIT to all excluding self
        mov dword [APIC + 0x300], 0x000C4600 | (TRAMP >> 12)   ; SIPI
        CRITICAL
        mov ecx, SPIN * 4
.wait:  cmp dword [AP_DONE], NR_APS
        jae .done
        pause
        dec ecx
        jnz .wait
.done:
        PRINT "aps done: "
        H32 [AP_DONE]
        NL
        PRINT "timeouts: "
        H32 [TIMEOUTS]
        NL
        PRINT "counter: "
        H32 [COUNTER]
        NL
        EXIT_OK

        bits 16
ap_tramp:
        cli
        xor ax, ax
        mov ds, ax
        CRITICAL
        lock inc dword [AP_DONE]
.halt:  cli
        hlt
        jmp .halt
ap_tramp_end:

%include "end.inc"
