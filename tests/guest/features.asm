; features.asm - self-checking tests of optional instructions, run only when CPUID advertises
; them: POPCNT, LZCNT, TZCNT, MOVBE, RDTSCP/RDPID (TSC_AUX), XSAVE/XRSTOR/XGETBV/XSETBV,
; PCID + INVPCID, SMEP and SMAP.  Each line is "<feature>: ok" both when the feature works and
; when it is not advertised, so the output does not depend on the CPU model; a failure prints
; the values.  (The expected file comes from QEMU's default model; the checks themselves were
; validated with qemu-system-x86_64 -cpu max, which advertises all of them: assemble with
; -DVERBOSE to see which ones ran.)
%include "rom.inc"
        cpu all

fails equ scratch_vars + 0x00
MSR_TSC_AUX equ 0xC0000103
XAREA equ SCRATCH + 0x1000          ; 64-byte aligned XSAVE area
UPAGE equ 0x200000                  ; a user page for SMEP/SMAP

; CPUIDBIT leaf, subleaf, reg, bit -> CF = feature bit
%macro CPUIDBIT 4
        push rbx
        mov eax, %1
        mov ecx, %2
        cpuid
        bt %3, %4
        pop rbx
%endmacro

; EXPECT64 value-reg, expected: on mismatch print and count a failure
%macro EXPECT64 2
        mov r15, %2
        cmp %1, r15
        je %%ok
        PRINT " [", %str(%1), "="
        H64 %1
        PRINT " want "
        H64 r15
        PUTC ']'
        inc dword [fails]
%%ok:
%endmacro

%macro TESTED 0                     ; nasm -DVERBOSE: show which features were exercised
%ifdef VERBOSE
        PRINT " (advertised)"
%endif
%endmacro

%macro BEGIN 1
        mov dword [fails], 0
        PRINT %1, ":"
%endmacro
%macro END 0
        cmp dword [fails], 0
        jne %%bad
        PRINT " ok"
%%bad:  NL
%endmacro

%macro SETFLAGS_64 1
        push qword ((%1) | 2)
        popfq
%endmacro

%macro FLAGS_TO 2                   ; reg, mask
        pushfq
        pop %1
        and %1, %2
%endmacro

main:
        REAL_TO_PROT32
        PROT32_TO_LONG
        BEGIN "popcnt"
        CPUIDBIT 1, 0, ecx, 23
        jnc .no_popcnt
        TESTED
        mov rbx, 0xF0F0F0F0F0F0F0F1
        popcnt rax, rbx
        EXPECT64 rax, 33
        xor ebx, ebx
        SETFLAGS_64 FL_ARITH
        popcnt rax, rbx
        FLAGS_TO rdx, FL_ARITH
        EXPECT64 rax, 0
        EXPECT64 rdx, FL_ZF
        mov bx, 0x8001
        popcnt ax, bx
        movzx eax, ax
        EXPECT64 rax, 2
.no_popcnt:
        END

        BEGIN "lzcnt"
        CPUIDBIT 0x80000001, 0, ecx, 5
        jnc .no_lzcnt
        TESTED
        xor ebx, ebx
        lzcnt eax, ebx
        FLAGS_TO rdx, FL_CF | FL_ZF
        EXPECT64 rax, 32
        EXPECT64 rdx, FL_CF
        mov ebx, 0x80000000
        lzcnt eax, ebx
        FLAGS_TO rdx, FL_CF | FL_ZF
        EXPECT64 rax, 0
        EXPECT64 rdx, FL_ZF
        mov rbx, 0x10000
        lzcnt rax, rbx
        EXPECT64 rax, 47
.no_lzcnt:
        END

        BEGIN "tzcnt"
        CPUIDBIT 7, 0, ebx, 3
        jnc .no_tzcnt
        TESTED
        xor ebx, ebx
        tzcnt rax, rbx
        FLAGS_TO rdx, FL_CF | FL_ZF
        EXPECT64 rax, 64
        EXPECT64 rdx, FL_CF
        mov ebx, 0x100
        tzcnt eax, ebx
        EXPECT64 rax, 8
        mov ebx, 1
        tzcnt eax, ebx
        FLAGS_TO rdx, FL_CF | FL_ZF
        EXPECT64 rdx, FL_ZF
.no_tzcnt:
        END

        BEGIN "movbe"
        CPUIDBIT 1, 0, ecx, 22
        jnc .no_movbe
        TESTED
        mov dword [SCRATCH], 0x11223344
        movbe eax, [SCRATCH]
        EXPECT64 rax, 0x44332211
        mov rbx, 0x0102030405060708
        movbe [SCRATCH], rbx
        mov rax, [SCRATCH]
        EXPECT64 rax, 0x0807060504030201
        movbe ax, [SCRATCH]
        movzx eax, ax
        EXPECT64 rax, 0x0102
.no_movbe:
        END

        BEGIN "rdtscp"
        CPUIDBIT 0x80000001, 0, edx, 27
        jnc .no_rdtscp
        TESTED
        mov ecx, MSR_TSC_AUX
        mov eax, 0x42
        xor edx, edx
        wrmsr
        rdtscp
        mov eax, ecx
        EXPECT64 rax, 0x42
.no_rdtscp:
        END

        BEGIN "rdpid"
        CPUIDBIT 7, 0, ecx, 22
        jnc .no_rdpid
        TESTED
        mov ecx, MSR_TSC_AUX
        mov eax, 0x77
        xor edx, edx
        wrmsr
        rdpid rax
        EXPECT64 rax, 0x77
.no_rdpid:
        END

        BEGIN "xsave"
        CPUIDBIT 1, 0, ecx, 26
        jnc .no_xsave
        TESTED
        mov rax, cr4
        or eax, (1 << 18) | 0x600   ; OSXSAVE, OSFXSR, OSXMMEXCPT
        mov cr4, rax
        CPUIDBIT 1, 0, ecx, 27      ; OSXSAVE is now reflected in CPUID
        setc al
        movzx eax, al
        EXPECT64 rax, 1
        xor ecx, ecx
        mov eax, 3                  ; XCR0 = x87 | SSE
        xor edx, edx
        xsetbv
        xor ecx, ecx
        xgetbv
        EXPECT64 rax, 3
        mov rax, 0x1234567890ABCDEF
        movq xmm3, rax
        mov edi, XAREA
        mov ecx, 1024 / 4
        xor eax, eax
        rep stosd
        mov eax, 3
        xor edx, edx
        xsave [XAREA]
        pxor xmm3, xmm3
        mov eax, 3
        xor edx, edx
        xrstor [XAREA]
        movq rax, xmm3
        mov rbx, 0x1234567890ABCDEF
        EXPECT64 rax, rbx
        mov rax, [XAREA + 512]      ; XSTATE_BV: x87 and SSE in use
        and eax, 2
        EXPECT64 rax, 2
        mov dword [exc_quiet], 1
        mov dword [exc_last_vec], 0
        EXPECT_EXC .xf, .xr
        xor ecx, ecx
        mov eax, 2                  ; XCR0 without x87: #GP
        xor edx, edx
.xf:    xsetbv
.xr:    mov dword [exc_quiet], 0
        mov eax, [exc_last_vec]
        EXPECT64 rax, 13
.no_xsave:
        END

        BEGIN "pcid"
        CPUIDBIT 1, 0, ecx, 17
        jnc .no_pcid
        TESTED
        mov rax, cr4
        or eax, 1 << 17             ; PCIDE (CR3[11:0] = 0)
        mov cr4, rax
        mov rax, cr3
        or rax, 5                   ; PCID 5
        mov cr3, rax
        mov rax, cr3
        and eax, 0xFFF
        EXPECT64 rax, 5
        mov eax, [SCRATCH]          ; translations still work
        CPUIDBIT 7, 0, ebx, 10
        jnc .no_invpcid
        mov qword [SCRATCH + 0x100], 5
        mov qword [SCRATCH + 0x108], 0
        mov eax, 1                  ; single-context
        invpcid rax, [SCRATCH + 0x100]
        mov eax, 2                  ; all contexts including globals
        invpcid rax, [SCRATCH + 0x100]
.no_invpcid:
        mov rax, cr3
        and rax, ~0xFFF
        mov cr3, rax
        mov rax, cr4
        and eax, ~(1 << 17)
        mov cr4, rax
.no_pcid:
        END

        ; SMEP/SMAP: make 0-2 MiB supervisor-only and 2-4 MiB a user page
        mov qword [PD_BASE], 0x83
        mov qword [PD_BASE + 8], 0x200000 | 0x87
        mov rax, cr3
        mov cr3, rax
        mov byte [UPAGE], 0xC3      ; ret

        BEGIN "smep"
        CPUIDBIT 7, 0, ebx, 7
        jnc .no_smep
        TESTED
        mov rax, cr4
        or eax, 1 << 20
        mov cr4, rax
        mov dword [exc_quiet], 1
        mov dword [exc_last_err], 0
        EXPECT_EXC_ANY .smep_r
        mov eax, UPAGE
        call rax                    ; supervisor fetch from a user page: #PF
.smep_r:
        mov dword [exc_quiet], 0
        mov eax, [exc_last_err]
        EXPECT64 rax, 0x11
        mov rax, cr4
        and eax, ~(1 << 20)
        mov cr4, rax
        mov eax, UPAGE
        call rax                    ; fine again
.no_smep:
        END

        BEGIN "smap"
        CPUIDBIT 7, 0, ebx, 20
        jnc .no_smap
        TESTED
        mov rax, cr4
        or eax, 1 << 21
        mov cr4, rax
        mov dword [exc_quiet], 1
        mov dword [exc_last_err], 0
        EXPECT_EXC .smap_f, .smap_r
.smap_f: mov eax, [UPAGE]           ; supervisor read of a user page, AC=0: #PF
.smap_r: mov dword [exc_quiet], 0
        mov eax, [exc_last_err]
        EXPECT64 rax, 0x01
        stac
        mov eax, [UPAGE]            ; AC=1: allowed
        clac
        mov rax, cr4
        and eax, ~(1 << 21)
        mov cr4, rax
.no_smap:
        END
        EXIT_OK

%include "end.inc"
