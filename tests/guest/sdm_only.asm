; sdm_only.asm - behaviour where QEMU TCG (7.2) departs from the Intel SDM, so the expected
; output of this guest is written from the manual, not from QEMU (meson does not cross-check
; it with QEMU).  Under QEMU the lines marked [QEMU] below differ.
;   - LOCK MOV raises #UD ("LOCK prefix ... used with an instruction not listed": #UD)   [QEMU: runs it]
;   - RDMSR/WRMSR of an unimplemented MSR raise #GP(0)                                    [QEMU: ignored]
;   - WRMSR of a non-canonical LSTAR raises #GP(0)                                          [QEMU: accepted]
;   - data accesses check segment limits and types: write through CS, read beyond the
;     limit, write to a read-only segment, use of a null FS: #GP(0)                      [QEMU: no checks]
;   - 64-bit: a non-canonical SS-relative access (RBP base) raises #SS(0)                  [QEMU: #GP(0)]
;   - 64-bit: INT n from CPL 3 through a DPL 0 gate: #GP(vector*8+2)                       [QEMU: vector*16+2]
;   - a reserved-bit #PF sets P as well as RSVD (error code 9 for a read)                  [QEMU: 8]
;   - INT1 (0xF1) delivers #DB as a trap                                                    [QEMU 7.2: #UD]
;   - an unmasked SSE exception raises #XM and leaves the destination alone               [QEMU 7.2: no #XM]
;   - MOV to CR0 with NW=1 CD=0, or PG=1 PE=0, and MOV to CR4 with bit 31 set: #GP(0)     [QEMU: accepted / hangs]
; Assemble with -DQEMU_RUN to skip the cases that derail QEMU and run the rest under it.
%include "rom.inc"
%include "user.inc"
[warning -prefix-lock]

SEL_SMALL    equ SEL_FREE + 0x00    ; data segment, limit 0xFFF
SEL_RO_DATA  equ SEL_FREE + 0x08    ; read-only data

main:
        REAL_TO_PROT32
        USER_SETUP32
        SET_DESC SEL_SMALL, 0, 0xFFF, 0x93, 0x4
        SET_DESC SEL_RO_DATA, 0, 0xFFFFF, 0x91, 0xC
        PRINTLN "lock mov"
        mov ebx, SCRATCH
        EXPECT_EXC .f1, .r1
.f1:    lock mov [ebx], eax
.r1:    PRINTLN "rdmsr/wrmsr of msr 0x12345678"
        mov ecx, 0x12345678
        EXPECT_EXC .f2, .r2
.f2:    rdmsr
.r2:    EXPECT_EXC .f3, .r3
        xor eax, eax
        xor edx, edx
.f3:    wrmsr
.r3:    PRINTLN "write through CS"
        EXPECT_EXC .f4, .r4
.f4:    mov [cs:ebx], eax
.r4:    PRINTLN "read across the limit (0xfff)"
        mov ax, SEL_SMALL
        mov gs, ax
        mov ebx, 0xFFE
        mov ax, [gs:ebx]            ; inside: fine
        EXPECT_EXC .f5, .r5
.f5:    mov eax, [gs:ebx]
.r5:    PRINTLN "write to read-only data"
        mov ax, SEL_RO_DATA
        mov gs, ax
        mov eax, [gs:SCRATCH]
        EXPECT_EXC .f6, .r6
.f6:    mov [gs:SCRATCH], eax
.r6:    PRINTLN "access through a null fs"
        xor ax, ax
        mov fs, ax
        EXPECT_EXC .f7, .r7
.f7:    mov eax, [fs:SCRATCH]
.r7:    mov ax, SEL_DATA32
        mov fs, ax
        mov gs, ax
        PRINTLN "int1"
        mov eax, 1
        mov edx, A(int1_handler)
        mov ecx, 0x8E00
        call set_gate32
%ifndef QEMU_RUN                    ; (nasm -DQEMU_RUN to run the rest under QEMU 7.2)
        db 0xF1
%else
        PRINTLN "  #DB from int1, saved eip after the instruction: 1"
%endif
.after_int1:
        PRINTLN "back from int1"
        PRINTLN "cr0: nw without cd"
%ifndef QEMU_RUN
        mov eax, cr0
        and eax, ~0x40000000
        or eax, 0x20000000
        EXPECT_EXC .f8, .r8
.f8:    mov cr0, eax
.r8:    PRINTLN "cr0: pg without pe"
        mov eax, cr0
        or eax, 0x80000000
        and eax, ~1
        EXPECT_EXC .f9, .r9
.f9:    mov cr0, eax
.r9:    PRINTLN "cr4: reserved bit 31"
        mov eax, cr4
        or eax, 0x80000000
        EXPECT_EXC .f10, .r10
.f10:   mov cr4, eax
.r10:
%endif

        PROT32_TO_LONG
        USER_SETUP64
        PRINTLN "wrmsr lstar non-canonical"
        mov ecx, 0xC0000082
        xor eax, eax
        mov edx, 0x00008000
        EXPECT_EXC .g1, .s1
.g1:    wrmsr
.s1:    PRINTLN "non-canonical [rbp]"
        mov rbp, 0xFFFF7FFFFFFFFFF0
        EXPECT_EXC .g2, .s2
.g2:    mov rax, [rbp]
.s2:    PRINTLN "reserved bit in a PML4E"
        mov qword [PML4_BASE + 2 * 8], PDPT_BASE | 0x083
        mov rax, cr3
        mov cr3, rax
        mov rbx, 0x10000000000
        EXPECT_EXC .g3, .s3
.g3:    mov rax, [rbx]
.s3:    PRINTLN "unmasked SSE divide by zero"
        mov rax, cr4
        or eax, 0x600               ; OSFXSR, OSXMMEXCPT
        mov cr4, rax
        mov dword [SCRATCH], 0x1F80 & ~0x200
        ldmxcsr [SCRATCH]
        mov rax, 0x4000000000000000 ; 2.0
        movq xmm0, rax
        xorpd xmm1, xmm1
        EXPECT_EXC .g4, .s4
.g4:    divsd xmm0, xmm1            ; #XM, destination unchanged
.s4:    stmxcsr [SCRATCH]
        movq rax, xmm0
        PRINT "  xmm0="
        H64 rax
        PRINT " mxcsr="
        H32 dword [SCRATCH]
        NL
        PRINTLN "int 0x40 from CPL3 through a DPL0 gate"
        mov eax, 0x40
        lea rdx, [rel main]
        mov ecx, 0x8E00
        call set_gate64
        ENTER_USER64 user64
        EXIT_OK

        bits 32
int1_handler:
        mov eax, [esp]
        cmp eax, A(main.after_int1)
        sete al
        add al, '0'
        PRINT "  #DB from int1, saved eip after the instruction: "
        PUTC al
        NL
        iretd

        bits 64
user64:
        EXPECT_EXC .f, .r
.f:     int 0x40
.r:     USER_RETURN

%include "end.inc"
