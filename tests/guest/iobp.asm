; iobp.asm - debug-register extensions in 32-bit protected mode: I/O breakpoints (DR7 R/W=10
; with CR4.DE=1: a #DB trap after IN/OUT/INS/OUTS touching a port in [DRn, DRn+LEN), DR6.Bn),
; R/W=10 with CR4.DE=0 (undefined in the SDM; QEMU 7.2 and Vessel still break) and MOV DR4/DR5
; (aliases of DR6/DR7 with CR4.DE=0, #UD with CR4.DE=1).  DR7.GD is in debug_gd.asm (QEMU
; lacks it).  Each #DB is logged as DR6 & 0xE00F and the low 16 bits of the saved EIP (ROM
; offsets, the same for every emulator).
%include "rom.inc"

db_count equ scratch_vars + 0x00
db_log   equ SCRATCH + 0x100        ; two words per #DB: DR6 & 0xE00F, saved EIP & 0xFFFF

%macro REPORT 1
        PRINT %1, ": #DB count="
        H32 dword [db_count]
        mov ecx, [db_count]
        mov esi, db_log
%%l:    jecxz %%d
        PRINT " dr6="
        H16 word [esi]
        PRINT "@"
        H16 word [esi + 2]
        add esi, 4
        dec ecx
        jmp %%l
%%d:    NL
        mov dword [db_count], 0
%endmacro

%macro CR4_DE 1                     ; 1 = set CR4.DE, 0 = clear it
        mov eax, cr4
 %if %1
        or eax, 8
 %else
        and eax, ~8
 %endif
        mov cr4, eax
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
        ; DR0 = port 0x80, 1 byte; DR1 = ports 0x84-0x87 (LEN 4); DR2 = 0x8A, 2 bytes, R/W=10
        ; but disabled (L2=G2=0); DR3 = data write breakpoint (R/W=01), never hit
        mov eax, 0x80
        mov dr0, eax
        mov eax, 0x84
        mov dr1, eax
        mov eax, 0x8A
        mov dr2, eax
        mov eax, SCRATCH + 0x40
        mov dr3, eax
        mov eax, 0x56E20345         ; L0 L1 L3 LE GE; RW0=10 LEN0=00, RW1=10 LEN1=11,
        mov dr7, eax                ; RW2=10 LEN2=01, RW3=01 LEN3=01
        CR4_DE 1
        mov al, 0x55
        out 0x80, al                ; B0
t1:     in al, 0x80                 ; B0
t2:     out 0x81, al                ; no
        mov dx, 0x7F
        out dx, ax                  ; 0x7F-0x80: B0
t3:     in al, 0x86                 ; B1
t4:     mov dx, 0x83
        in eax, dx                  ; 0x83-0x86: B1
t5:     mov dx, 0x88
        in eax, dx                  ; 0x88-0x8B: DR2 disabled, no
        mov dx, 0x87
        mov esi, SCRATCH
        outsb                       ; B1
t6:     mov edi, SCRATCH + 0x20
        mov dx, 0x80
        insb                        ; B0
t7:     mov eax, 0x80
        mov dr0, eax                ; DR0 and DR1 both cover 0x80 if DR1 = 0x80
        mov dr1, eax
        out 0x80, al                ; B0 B1
t8:     REPORT "io cr4.de=1"
        CR4_DE 0
        xor eax, eax
        mov dr7, eax
        mov eax, 0x56E20345         ; DR7 written again with CR4.DE=0
        mov dr7, eax
        mov al, 0x55
        out 0x80, al                ; R/W=10 without CR4.DE: no breakpoint
        in al, 0x86
        mov dx, 0x80
        outsb
        REPORT "io cr4.de=0"
        xor eax, eax
        mov dr7, eax
        ; DR4/DR5 alias DR6/DR7 while CR4.DE=0
        mov eax, 0x00000301
        mov dr5, eax                ; = DR7
        mov eax, dr7
        PRINT "dr5->dr7="
        H32 eax
        mov eax, 0x0000000F
        mov dr4, eax                ; = DR6 (reserved bits forced)
        mov eax, dr6
        PRINT " dr4->dr6="
        H32 eax
        mov eax, dr4
        PRINT " dr4="
        H32 eax
        mov eax, dr5
        PRINT " dr5="
        H32 eax
        NL
        xor eax, eax
        mov dr7, eax
        mov dr6, eax
        CR4_DE 1
        EXPECT_EXC ud1, ud1_end
ud1:    mov eax, dr4                ; #UD with CR4.DE=1
ud1_end:
        EXPECT_EXC ud2, ud2_end
ud2:    mov dr5, eax                ; #UD
ud2_end:
        mov eax, dr6
        PRINT "dr6 after #UD="
        H32 eax
        NL
        mov eax, dr6
        PRINT "dr6 now="
        H32 eax
        NL
        EXIT_OK

db_handler:                         ; [esp] eip, +4 cs, +8 eflags
        push eax
        push ebx
        mov eax, dr6
        and eax, 0xE00F
        mov ebx, [db_count]
        mov [db_log + ebx * 4], ax
        mov ax, [esp + 8]
        mov [db_log + ebx * 4 + 2], ax
        inc dword [db_count]
        xor eax, eax
        mov dr6, eax
        pop ebx
        pop eax
        iretd

%include "end.inc"
