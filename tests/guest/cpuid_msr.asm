; cpuid_msr.asm - CPUID sanity (feature booleans only: CPU models differ), RDMSR/WRMSR of
; EFER, STAR, LSTAR, CSTAR, SFMASK, FS_BASE, GS_BASE, KERNEL_GS_BASE (SWAPGS), SYSENTER_*, #GP
; for RDMSR at CPL 3, and RDTSC monotonicity.  (#GP for unknown MSRs: sdm_only.asm.)
%include "rom.inc"
%include "user.inc"

MSR_SYSENTER_CS  equ 0x174
MSR_SYSENTER_ESP equ 0x175
MSR_SYSENTER_EIP equ 0x176
MSR_STAR         equ 0xC0000081
MSR_LSTAR        equ 0xC0000082
MSR_CSTAR        equ 0xC0000083
MSR_SFMASK       equ 0xC0000084
MSR_FS_BASE      equ 0xC0000100
MSR_GS_BASE      equ 0xC0000101
MSR_KGS_BASE     equ 0xC0000102

%macro FEAT 3                       ; name, register, bit
        PRINT " ", %1, "="
        bt %2, %3
        setc al
        add al, '0'
        PUTC al
%endmacro

%macro WRRD 3                       ; name, msr, 64-bit value: write, read back, print
        mov ecx, %2
        mov eax, (%3) & 0xFFFFFFFF
        mov edx, (%3) >> 32
        wrmsr
        xor eax, eax
        xor edx, edx
        rdmsr
        PRINT %1, "="
        H32 edx
        PUTC ':'
        H32 eax
        NL
%endmacro

main:
        REAL_TO_PROT32
        PRINTLN "cpuid"
        xor eax, eax
        cpuid
        cmp eax, 1
        setae al
        add al, '0'
        PRINT "max basic leaf >= 1: "
        PUTC al
        NL
        mov eax, 0x80000000
        cpuid
        cmp eax, 0x80000001
        setae al
        add al, '0'
        PRINT "max extended leaf >= 80000001: "
        PUTC al
        NL
        mov eax, 1
        cpuid
        PRINT "leaf 1 edx:"
        FEAT "fpu", edx, 0
        FEAT "tsc", edx, 4
        FEAT "msr", edx, 5
        FEAT "pae", edx, 6
        FEAT "cx8", edx, 8
        FEAT "sep", edx, 11
        FEAT "pge", edx, 13
        FEAT "cmov", edx, 15
        FEAT "pat", edx, 16
        FEAT "pse", edx, 3
        FEAT "fxsr", edx, 24
        FEAT "sse", edx, 25
        FEAT "sse2", edx, 26
        NL
        mov eax, 1
        cpuid
        PRINT "leaf 1 ecx:"            ; (SSE3 and later are not required by the CPU issue)
        FEAT "cx16", ecx, 13
        NL
        mov eax, 0x80000001
        cpuid
        PRINT "leaf 80000001 edx:"
        FEAT "syscall", edx, 11
        FEAT "nx", edx, 20
        FEAT "lm", edx, 29
        NL
        PRINTLN "msrs (protected mode)"
        WRRD "sysenter_cs", MSR_SYSENTER_CS, 0x0000000000000008
        WRRD "sysenter_esp", MSR_SYSENTER_ESP, 0x0000000000012340
        WRRD "sysenter_eip", MSR_SYSENTER_EIP, 0x00000000000F0000
        WRRD "star", MSR_STAR, 0x0023001000000000
        mov ecx, EFER_MSR
        rdmsr
        and eax, 0xD01
        PRINT "efer at start (sce lme lma nxe)="
        H32 eax
        NL
        mov ecx, EFER_MSR
        rdmsr
        or eax, 0x801               ; SCE, NXE
        wrmsr
        rdmsr
        and eax, 0xD01
        PRINT "efer after setting sce,nxe="
        H32 eax
        NL
        ; (#GP for an unknown MSR and for a non-canonical LSTAR: QEMU TCG does not raise it;
        ; see sdm_only.asm)
        PRINTLN "rdmsr at CPL3"
        USER_SETUP32
        ENTER_USER32 user32
        ; RDTSC moves forward
        rdtsc
        mov esi, eax
        mov edi, edx
        mov ecx, 1000
.spin:  loop .spin
        rdtsc
        sub eax, esi
        sbb edx, edi
        setnc al
        add al, '0'
        PRINT "rdtsc does not go backwards: "
        PUTC al
        NL

        PROT32_TO_LONG
        PRINTLN "msrs (long mode)"
        WRRD "lstar", MSR_LSTAR, 0xFFFFFFFF81000000
        WRRD "cstar", MSR_CSTAR, 0x0000000000F00000
        WRRD "sfmask", MSR_SFMASK, 0x0000000000000700
        mov dword [SCRATCH + 0x100], 0xFEEDC0DE
        WRRD "fs_base", MSR_FS_BASE, 0x0000000000008000
        mov eax, [fs:0x100]
        PRINT "[fs:100] -> "
        H32 eax
        NL
        WRRD "gs_base", MSR_GS_BASE, 0x0000000000001000
        WRRD "kernel_gs_base", MSR_KGS_BASE, 0x0000000000008000
        swapgs
        mov ecx, MSR_GS_BASE
        rdmsr
        PRINT "after swapgs: gs_base="
        H32 edx
        PUTC ':'
        H32 eax
        mov ecx, MSR_KGS_BASE
        rdmsr
        PRINT " kernel_gs_base="
        H32 edx
        PUTC ':'
        H32 eax
        NL
        mov eax, [gs:0x100]
        PRINT "[gs:100] -> "
        H32 eax
        NL
        mov ax, SEL_DATA32          ; loading GS in 64-bit mode sets its base from the descriptor
        mov fs, ax
        mov ecx, MSR_FS_BASE
        rdmsr
        PRINT "fs_base after mov fs="
        H32 edx
        PUTC ':'
        H32 eax
        NL
        EXIT_OK

        bits 32
user32:
        EXPECT_EXC .f, .r
        mov ecx, EFER_MSR
.f:     rdmsr
.r:     USER_RETURN

%include "end.inc"
