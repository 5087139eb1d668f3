; sysregs.asm - system instructions: SGDT/SIDT, SMSW/LMSW/CLTS, LLDT/SLDT with a segment loaded
; from the LDT, LTR/STR, LAR/LSL/VERR/VERW (with DPL/RPL checks), ARPL, MOV to/from DR0-3/DR6/
; DR7, CR4.PGE, #TS for a task
; switch to a too-small TSS, WBINVD/INVD/CLFLUSH, and in 64-bit mode SGDT/SIDT and CR8.
%include "rom.inc"
%include "user.inc"

LDT_BASE   equ TSS_AREA + 0x800     ; 0x4800
SEL_LDT    equ SEL_FREE + 0x00      ; LDT descriptor
SEL_XO     equ SEL_FREE + 0x08      ; execute-only code
SEL_TINY   equ SEL_FREE + 0x10      ; TSS with limit 0x20 (too small)
SEL_D3     equ SEL_UDATA32          ; DPL3 data

%macro CHECKSEL 1                   ; LAR/LSL/VERR/VERW on a selector
        mov bx, %1
        mov ecx, 0xDEAD
        lar ecx, bx
        setz dl
        mov esi, 0xDEAD
        lsl esi, bx
        setz dh
        verr bx
        setz al
        verw bx
        setz ah
        add ax, '00'
        add dx, '00'
        and ecx, 0x00F0FF00
        PRINT "sel ", %str(%1), ": lar zf="
        PUTC dl
        PUTC ' '
        H32 ecx
        PRINT " lsl zf="
        PUTC dh
        PUTC ' '
        H32 esi
        PRINT " verr="
        PUTC al
        PRINT " verw="
        PUTC ah
        NL
%endmacro

main:
        REAL_TO_PROT32
        USER_SETUP32
        PRINTLN "descriptor tables"
        sgdt [SCRATCH]
        sidt [SCRATCH + 8]
        PRINT "sgdt limit="
        H16 word [SCRATCH]
        PRINT " base="
        H32 dword [SCRATCH + 2]
        PRINT " sidt limit="
        H16 word [SCRATCH + 8]
        PRINT " base="
        H32 dword [SCRATCH + 10]
        NL
        str ax
        PRINT "str="
        H16 ax
        ; LDT with two entries: 0 = null-like, 1 = data with base 0x8000
        mov dword [LDT_BASE], 0
        mov dword [LDT_BASE + 4], 0
        mov dword [LDT_BASE + 8], 0x8000FFFF
        mov dword [LDT_BASE + 12], 0x00009300
        SET_DESC SEL_LDT, LDT_BASE, 0x0F, 0x82, 0x0
        mov ax, SEL_LDT
        lldt ax
        sldt bx
        PRINT " sldt="
        H16 bx
        mov dword [0x8000 + 0x40], 0x1DF00D
        mov ax, 0x0C                ; LDT index 1, RPL 0
        mov fs, ax
        PRINT " [ldt seg:40]="
        H32 dword [fs:0x40]
        NL
        mov ax, SEL_DATA32
        mov fs, ax
        PRINTLN "lar/lsl/verr/verw (zf value)"
        SET_DESC SEL_XO, 0, 0xFFFFF, 0x99, 0xC
        CHECKSEL SEL_CODE32
        CHECKSEL SEL_DATA16
        CHECKSEL SEL_XO
        CHECKSEL SEL_D3 | 3
        CHECKSEL SEL_DATA32 | 3
        CHECKSEL SEL_TSS32
        CHECKSEL SEL_LDT
        CHECKSEL 0
        CHECKSEL 0x0C
        CHECKSEL 0x7F8
        CHECKSEL 0x800
        PRINTLN "arpl"
        mov ax, 0x0010
        mov bx, 0x0033
        arpl ax, bx
        setz cl
        add cl, '0'
        PRINT "arpl 0010,0033 -> "
        H16 ax
        PRINT " zf="
        PUTC cl
        mov ax, 0x0013
        arpl ax, bx
        setz cl
        add cl, '0'
        PRINT "; arpl 0013,0033 -> "
        H16 ax
        PRINT " zf="
        PUTC cl
        NL
        PRINTLN "smsw/lmsw/clts"
        smsw eax
        PRINT "smsw="
        H16 ax
        mov ax, 0x000E              ; MP EM TS, PE=0: LMSW cannot clear PE
        lmsw ax
        mov eax, cr0
        PRINT " after lmsw 000e: cr0="
        H32 eax
        clts
        mov eax, cr0
        PRINT " after clts: cr0="
        H32 eax
        NL
        mov eax, cr0
        and eax, ~0xC               ; EM, TS off
        mov cr0, eax
        PRINTLN "debug registers"
        mov eax, 0x1000
        mov dr0, eax
        mov eax, 0x2000
        mov dr1, eax
        mov eax, 0x3000
        mov dr2, eax
        mov eax, 0x4000
        mov dr3, eax
        xor eax, eax
        mov dr7, eax
        mov eax, dr0
        PRINT "dr0-3="
        H32 eax
        PUTC ' '
        mov eax, dr1
        H32 eax
        PUTC ' '
        mov eax, dr2
        H32 eax
        PUTC ' '
        mov eax, dr3
        H32 eax
        mov eax, dr7
        PRINT " dr7="
        H32 eax
        mov eax, dr6
        PRINT " dr6="
        H32 eax
        NL
        PRINTLN "control register checks"
        ; (CR0 with NW=1 CD=0 or PG=1 PE=0 must #GP; QEMU accepts them: see sdm_only.asm)
        ; (and for a reserved CR4 bit; QEMU 7.2 hangs on that one: see sdm_only.asm)
        mov eax, cr4
        or eax, 0x80                ; PGE
        mov cr4, eax
        mov eax, cr4
        and eax, 0x80
        PRINT "cr4.pge after setting="
        H32 eax
        NL
        wbinvd
        invd
        clflush [SCRATCH]
        PRINTLN "wbinvd/invd/clflush ran"
        PRINTLN "task switch to a TSS with limit 0x20"
        SET_DESC SEL_TINY, TSS_AREA + 0x400, 0x20, 0x89, 0x0
        EXPECT_EXC .f4, .r4
.f4:    jmp SEL_TINY:0
.r4:    mov eax, cr4
        and eax, ~0x80
        mov cr4, eax

        PROT32_TO_LONG
        PRINTLN "long mode"
        sgdt [SCRATCH]
        sidt [SCRATCH + 16]
        PRINT "sgdt limit="
        H16 word [SCRATCH]
        PRINT " base="
        H64 qword [SCRATCH + 2]
        PRINT " sidt limit="
        H16 word [SCRATCH + 16]
        PRINT " base="
        H64 qword [SCRATCH + 18]
        NL
        mov eax, 5
        mov cr8, rax
        mov rax, cr8
        PRINT "cr8 after writing 5: "
        H64 rax
        NL
        xor eax, eax
        mov cr8, rax
        EXIT_OK

%include "end.inc"
