; debug_gd.asm - DR7.GD general detect in 32-bit protected mode (Intel SDM vol. 3 17.2.4):
; with GD set, the next MOV to or from any debug register is a #DB fault (saved EIP = the MOV)
; with DR6.BD (bit 13) set, and the processor clears GD so the handler can use the debug
; registers; the MOV then re-executes normally.  Expected output from the SDM: QEMU 7.2 TCG
; does not implement general detect (the MOVs just execute), so this guest is in guests_sdm.
; Each #DB is logged as DR6 & 0xE00F and the saved EIP relative to the MOV that faulted.
%include "rom.inc"

db_count equ scratch_vars + 0x00
db_eip   equ scratch_vars + 0x04
db_log   equ SCRATCH + 0x100        ; two dwords per #DB: DR6 & 0xE00F, DR7 seen by the handler

main:
        REAL_TO_PROT32
        mov eax, 1
        mov edx, A(db_handler)
        mov ecx, 0x8E00
        call set_gate32
        xor eax, eax
        mov dr6, eax
        mov dword [db_count], 0
        mov eax, 0x12345678
        mov dr0, eax
        mov eax, 0x2400             ; GD
        mov dr7, eax
gd1:    mov ebx, dr0                ; #DB fault, then re-executed: EBX = DR0
        cmp dword [db_eip], A(gd1)
        sete cl
        PRINT "read: ebx="
        H32 ebx
        PRINT " eip ok="
        H8 cl
        mov eax, dr7
        PRINT " dr7="
        H32 eax
        NL
        mov eax, 0x2400
        mov dr7, eax
        mov eax, 0x1000
gd2:    mov dr3, eax                ; #DB fault on a write too
        cmp dword [db_eip], A(gd2)
        sete cl
        mov eax, dr3
        PRINT "write: dr3="
        H32 eax
        PRINT " eip ok="
        H8 cl
        NL
        ; DR7 itself with GD set: the access faults before it is made
        mov eax, 0x2400
        mov dr7, eax
        mov eax, 0x0401             ; after the #DB the write is made: DR7 = 0x401
gd3:    mov dr7, eax
        cmp dword [db_eip], A(gd3)
        sete cl
        mov eax, dr7
        PRINT "dr7 write: dr7="
        H32 eax
        PRINT " eip ok="
        H8 cl
        NL
        xor eax, eax
        mov dr7, eax
        PRINT "#DB count="
        H32 dword [db_count]
        mov ecx, [db_count]
        mov esi, db_log
.l:     jecxz .d
        PRINT " dr6="
        H16 word [esi]
        PRINT " dr7="
        H16 word [esi + 4]
        add esi, 8
        dec ecx
        jmp .l
.d:     NL
        EXIT_OK

db_handler:                         ; [esp] eip, +4 cs, +8 eflags
        push eax
        push ebx
        mov eax, [esp + 8]
        mov [db_eip], eax
        mov ebx, [db_count]
        mov eax, dr6                ; GD is clear: no second #DB
        and eax, 0xE00F
        mov [db_log + ebx * 8], eax
        mov eax, dr7
        mov [db_log + ebx * 8 + 4], eax
        inc dword [db_count]
        xor eax, eax
        mov dr6, eax
        pop ebx
        pop eax
        iretd

%include "end.inc"
