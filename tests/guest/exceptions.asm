; exceptions.asm - exception vectors, error codes, saved rip and CR2 in real mode, 32-bit
; protected mode and 64-bit mode: #DE, #BP, #OF, #BR, #UD (UD2, LOCK on a non-lockable form),
; #GP (bad selector loads, LLDT, non-canonical addresses, INT n through a not-present gate),
; #NP, #SS, #PF (not present, write to read-only, NX, reserved bit), #DF (a not-present
; IDT gate while delivering #DE), an empty IDT entry and a not-present gate for INT n.
%include "rom.inc"
[warning -prefix-lock]

SEL_NP_DATA  equ SEL_FREE + 0x00    ; data segment, P=0
SEL_XO_CODE  equ SEL_FREE + 0x08    ; execute-only code
SEL_SMALL    equ SEL_FREE + 0x10    ; data segment, limit 0xFFF
SEL_RO_DATA  equ SEL_FREE + 0x18    ; read-only data
SEL_DPL3     equ SEL_UDATA32

PT_4K        equ FREE_RAM           ; page table for 0x200000-0x3FFFFF (long mode)
TESTPG       equ 0x200000

main:
        PRINTLN "real mode"
        EXPECT_EXC .r_de, .r1
        xor dx, dx
        mov ax, 1
        xor cx, cx
.r_de:  div cx
.r1:    EXPECT_EXC .r_ud, .r2
.r_ud:  ud2
.r2:    EXPECT_EXC .r_bp_after, .r3
        int3
.r_bp_after:
        PRINTLN "BAD: resumed after int3"
.r3:    EXPECT_EXC .r_of_after, .r4
        mov al, 0x7F
        add al, 1                   ; OF=1
        into
.r_of_after:
.r4:    mov word [SCRATCH], 0
        mov word [SCRATCH + 2], 10
        mov ax, 11
        EXPECT_EXC .r_br, .r5
.r_br:  bound ax, [SCRATCH]
.r5:    EXPECT_EXC .r_lock, .r6
.r_lock: lock add ax, bx            ; LOCK with a register destination: #UD
.r6:    mov ax, 5
        bound ax, [SCRATCH]
        PRINTLN "bound in range: no exception"
        PRINT "exceptions so far: "
        H32 dword [exc_count]
        NL

        REAL_TO_PROT32
        PRINTLN "protected mode"
        SET_DESC SEL_NP_DATA, 0, 0xFFFFF, 0x13, 0xC
        SET_DESC SEL_XO_CODE, 0, 0xFFFFF, 0x99, 0xC
        SET_DESC SEL_SMALL, 0, 0xFFF, 0x93, 0x4
        SET_DESC SEL_RO_DATA, 0, 0xFFFFF, 0x91, 0xC
        EXPECT_EXC .p_de, .p1
        xor edx, edx
        xor ecx, ecx
.p_de:  div ecx
.p1:    EXPECT_EXC .p_ud, .p2
.p_ud:  ud2
.p2:    EXPECT_EXC .p_lk, .p3
.p_lk:  lock nop                    ; (LOCK MOV should #UD too, but QEMU runs it: not tested)
.p3:    EXPECT_EXC .p_lk2, .p3b
.p_lk2: lock xor ecx, [SCRATCH]     ; register destination: #UD
.p3b:    EXPECT_EXC .p_bp, .p4
        int3
.p_bp:
.p4:    PRINTLN "mov ds, 0x800 (beyond the GDT limit)"
        EXPECT_EXC .p_gp1, .p5
        mov ax, 0x800
.p_gp1: mov ds, ax
.p5:    PRINTLN "mov ds, 0x07f8 (empty descriptor)"
        EXPECT_EXC .p_gp2, .p6
        mov ax, 0x7F8
.p_gp2: mov ds, ax
.p6:    PRINTLN "mov ds, execute-only code"
        EXPECT_EXC .p_gp3, .p7
        mov ax, SEL_XO_CODE
.p_gp3: mov ds, ax
.p7:    PRINTLN "mov ss, read-only data"
        EXPECT_EXC .p_gp4, .p8
        mov ax, SEL_RO_DATA
.p_gp4: mov ss, ax
.p8:    PRINTLN "mov ss, DPL3 data at CPL0"
        EXPECT_EXC .p_gp5, .p9
        mov ax, SEL_DPL3 | 3
.p_gp5: mov ss, ax
.p9:    PRINTLN "mov ss, null"
        EXPECT_EXC .p_gp6, .p10
        xor ax, ax
.p_gp6: mov ss, ax
.p10:   PRINTLN "mov fs, not-present data"
        EXPECT_EXC .p_np, .p11
        mov ax, SEL_NP_DATA
.p_np:  mov fs, ax
.p11:   PRINTLN "mov ss, not-present data"
        EXPECT_EXC .p_ss, .p12
        mov ax, SEL_NP_DATA
.p_ss:  mov ss, ax
.p12:   ; (segment limit and type checks on data accesses are not tested here: QEMU TCG does
        ; not enforce them, so it cannot be the reference for them)
.p16:   PRINTLN "int 0x40 through an empty IDT entry"
        EXPECT_EXC .p_gp12, .p16b
.p_gp12: int 0x40
.p16b:  PRINTLN "int 0x41 through a not-present gate"
        mov eax, 0x41
        mov edx, A(main)
        mov ecx, 0x0E00             ; 32-bit interrupt gate, P=0
        call set_gate32
        EXPECT_EXC .p_np2, .p17
.p_np2: int 0x41
.p17:   PRINTLN "bound"
        mov dword [SCRATCH], -5
        mov dword [SCRATCH + 4], 5
        mov eax, -6
        EXPECT_EXC .p_br, .p18
.p_br:  bound eax, [SCRATCH]
.p18:   PRINTLN "#DE with a not-present #DE gate: #DF"
        mov ax, [IDT32_BASE + 5]    ; clear P in the #DE gate
        and byte [IDT32_BASE + 5], 0x7F
        EXPECT_EXC_ANY .p19
        xor edx, edx
        xor ecx, ecx
        div ecx
.p19:   or byte [IDT32_BASE + 5], 0x80
        PRINT "last vector="
        H8 byte [exc_last_vec]
        NL
        mov eax, 0x800
        EXPECT_EXC .p_gp11, .p20
.p_gp11: lldt ax                    ; selector beyond the GDT limit
.p20:   PRINTLN "mov cr1"
        EXPECT_EXC .p_ud2, .p21
.p_ud2: mov eax, cr1
.p21:

        PROT32_TO_LONG
        PRINTLN "long mode"
        EXPECT_EXC .l_de, .l1
        xor edx, edx
        xor ecx, ecx
.l_de:  idiv rcx
.l1:    EXPECT_EXC .l_ud, .l2
.l_ud:  ud2
.l2:    EXPECT_EXC .l_bnd, .l3
.l_bnd: db 0x62, 0x00               ; BOUND is invalid in 64-bit mode (0x62 = EVEX prefix)
        nop
        nop
        nop
        nop
        nop
.l3:    EXPECT_EXC .l_lk, .l4
.l_lk:  lock inc rax                ; register operand: #UD
.l4:    PRINTLN "non-canonical data access"
        mov rbx, 0x0000800000000000
        EXPECT_EXC .l_gp1, .l5
.l_gp1: mov rax, [rbx]
.l5:    ; (a non-canonical SS-relative access should raise #SS(0); QEMU raises #GP(0): not tested)
.l6:    PRINTLN "mov ds, 0x800"
        mov ax, 0x800
        EXPECT_EXC .l_gp2, .l7
.l_gp2: mov ds, ax
.l7:    PRINTLN "jmp to a non-canonical address"
        mov rax, 0x0001000000000000
        EXPECT_EXC_ANY .l8
        jmp rax                     ; (the saved rip differs between CPUs: not printed)
.l8:
        ; #PF: 4 KiB page table for 0x200000-0x3FFFFF
        mov edi, PT_4K
        mov eax, TESTPG | 0x003     ; page 0: present, RW
        mov ecx, 512
.fill:  mov [rdi], rax
        add rax, 0x1000
        add rdi, 8
        loop .fill
        mov qword [PT_4K + 1 * 8], 0                    ; page 1: not present
        mov qword [PT_4K + 2 * 8], (TESTPG + 0x2000) | 0x001  ; page 2: read-only
        mov rax, 0x8000000000000003 | (TESTPG + 0x3000) ; page 3: NX
        mov [PT_4K + 3 * 8], rax
        mov qword [PML4_BASE + 2 * 8], PDPT_BASE | 0x083      ; 0x10000000000: PS in a PML4E is reserved
        mov qword [PD_BASE + 8], PT_4K | 0x003
        mov ecx, EFER_MSR
        rdmsr
        or eax, 0x800               ; NXE
        wrmsr
        mov rax, cr0
        or eax, 0x10000             ; WP
        mov cr0, rax
        mov rax, cr3
        mov cr3, rax
        mov rax, [TESTPG]
        PRINTLN "read not-present"
        EXPECT_EXC .l_pf1, .l9
.l_pf1: mov rax, [TESTPG + 0x1008]
.l9:    PRINTLN "write not-present"
        EXPECT_EXC .l_pf2, .l10
.l_pf2: mov [TESTPG + 0x1010], rax
.l10:   PRINTLN "write read-only (CR0.WP=1)"
        mov rax, [TESTPG + 0x2000]
        EXPECT_EXC .l_pf3, .l11
.l_pf3: mov [TESTPG + 0x2ff8], rax
.l11:   PRINTLN "execute NX"
        mov byte [TESTPG + 0x3000], 0xC3        ; ret
        mov eax, TESTPG + 0x3000
        EXPECT_EXC_ANY .l12
        call rax
.l12:   PRINT "  saved rip="
        H64 qword [exc_last_rip]
        NL
        PRINTLN "reserved bit set"   ; (the SDM sets P with RSVD; QEMU does not: print RSVD only)
        mov dword [exc_quiet], 1
        mov rbx, 0x10000000000
        EXPECT_EXC .l_pf5, .l13
.l_pf5: mov rax, [rbx]
.l13:   mov dword [exc_quiet], 0
        PRINT "  vector="
        H8 byte [exc_last_vec]
        mov eax, [exc_last_err]
        and eax, 0x1E
        PRINT " err&1e="
        H8 al
        PRINT " cr2="
        H64 qword [exc_last_cr2]
        NL
.l13b:  PRINTLN "write read-only with CR0.WP=0 (allowed)"
        mov rax, cr0
        and eax, ~0x10000
        mov cr0, rax
        mov dword [TESTPG + 0x2000], 0x1234
        PRINT "  value="
        H32 dword [TESTPG + 0x2000]
        NL
        PRINTLN "#DF: not-present #DE gate"
        and byte [IDT64_BASE + 5], 0x7F
        EXPECT_EXC_ANY .l14
        xor edx, edx
        xor ecx, ecx
        div ecx
.l14:   or byte [IDT64_BASE + 5], 0x80
        PRINT "total exceptions: "
        H32 dword [exc_count]
        NL
        EXIT_OK

%include "end.inc"
