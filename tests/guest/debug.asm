; debug.asm - #DB: single-stepping with EFLAGS.TF (the trap comes after the instruction, the
; instruction that sets TF does not trap, MOV SS suppresses the trap after itself), DR6.BS,
; an execution breakpoint (fault, resumed with RF) and a data write breakpoint (trap) through
; DR0-DR3/DR7 with the DR6.Bn bits, in 32-bit protected mode.
%include "rom.inc"

db_count equ scratch_vars + 0x00
db_log   equ SCRATCH + 0x100        ; one dword per #DB: DR6 & 0x400F
WATCH    equ SCRATCH + 0x40

%macro REPORT 1
        PRINT %1, ": #DB count="
        H32 dword [db_count]
        PRINT " dr6:"
        mov ecx, [db_count]
        mov esi, db_log
%%l:    jecxz %%d
        PUTC ' '
        H16 word [esi]
        add esi, 4
        dec ecx
        jmp %%l
%%d:    NL
        mov dword [db_count], 0
%endmacro

%macro TF_ON 0
        pushfd
        or dword [esp], FL_TF
        popfd
%endmacro
%macro TF_OFF 0
        pushfd
        and dword [esp], ~FL_TF
        popfd
%endmacro

main:
        REAL_TO_PROT32
        mov eax, 1
        mov edx, A(db_handler)
        mov ecx, 0x8E00
        call set_gate32
        xor eax, eax
        mov dr6, eax
        mov dword [db_count], 0
        TF_ON                       ; no trap after this popfd
        nop                         ; 1
        nop                         ; 2
        mov eax, 1                  ; 3
        TF_OFF                      ; pushfd 4, and 5, popfd 6
        REPORT "single-step"
        mov ax, ss
        TF_ON
        nop                         ; 1
        mov ss, ax                  ; no trap here (MOV SS shadow)
        nop                         ; 2 (covers both)
        TF_OFF                      ; 3 4 5
        REPORT "mov ss shadow"
        ; execution breakpoint on bp_target
        mov eax, A(bp_target)
        mov dr0, eax
        mov eax, 0x00000301         ; L0, LE, GE; RW0=00 LEN0=00: execute
        mov dr7, eax
        nop
bp_target:
        nop                         ; fault before it executes, resumed with RF
        nop
        ; data write breakpoint on WATCH (4 bytes)
        mov eax, WATCH
        mov dr1, eax
        mov eax, 0x00D00304         ; L1, LE, GE; RW1=01 (write) LEN1=11 (4 bytes)
        mov dr7, eax
        mov eax, [WATCH]            ; a read: no #DB
        mov dword [WATCH], 7        ; trap after the write
        mov byte [WATCH + 2], 1     ; inside the watched dword: trap
        mov dword [WATCH + 4], 1    ; outside: nothing
        xor eax, eax
        mov dr7, eax
        REPORT "breakpoints"
        mov eax, dr6
        PRINT "dr6 now="
        H32 eax
        NL
        EXIT_OK

db_handler:                         ; [esp] eip, +4 cs, +8 eflags
        push eax
        push ebx
        mov eax, dr6
        and eax, 0x400F
        mov ebx, [db_count]
        mov [db_log + ebx * 4], eax
        inc dword [db_count]
        test eax, 0xF
        jz .nobp
        mov ebx, dr7                ; instruction breakpoint (fault): set RF to continue
        test eax, 1
        jz .nobp
        or dword [esp + 8 + 8], 0x10000
.nobp:  xor eax, eax
        mov dr6, eax
        pop ebx
        pop eax
        iretd

%include "end.inc"
