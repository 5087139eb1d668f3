; apic_cpu.asm - the CPU's side of the local APIC: IA32_APIC_BASE (reset value, BSP bit
; read-only, clearing the enable bit clears CPUID.1:EDX.APIC), and CR8 as TPR[7:4] in 64-bit
; mode (the xAPIC page mapped with a 2 MiB page). Re-enabling is not shown: QEMU refuses it,
; the SDM allows it on FSB processors (tests/unit/test-apic-cpu.c covers it).
%include "rom.inc"

APIC    equ 0xFEE00000
APIC_PD equ FREE_RAM                ; page directory for 3-4 GiB (the APIC page)

main:
        REAL_TO_PROT32
        mov ecx, 0x1B
        rdmsr
        PRINT "apic base: "
        H32 eax
        NL
        mov dword [APIC + 0xF0], 0x1FF      ; software-enable
        mov dword [APIC + 0x80], 0x20       ; TPR
        PRINT "svr tpr: "
        H32 [APIC + 0xF0]
        PUTC ' '
        H32 [APIC + 0x80]
        NL
        PROT32_TO_LONG
        mov rdi, APIC_PD                    ; map 3-4 GiB: the APIC page, uncached
        xor eax, eax
        mov ecx, 512
        rep stosq
        mov rax, APIC | 0x9B                ; P RW PWT PCD PS
        mov [APIC_PD + ((APIC >> 21) & 511) * 8], rax
        mov rax, APIC_PD | 3
        mov [PDPT_BASE + 3 * 8], rax
        mov rax, cr3
        mov cr3, rax
        mov eax, 5
        mov cr8, rax
        mov rbx, APIC
        PRINT "cr8=5 -> tpr: "
        H32 [rbx + 0x80]
        NL
        mov dword [rbx + 0x80], 0x7C
        mov rax, cr8
        PRINT "tpr=7c -> cr8: "
        H8 al
        NL
        xor eax, eax
        mov cr8, rax
        PRINT "cr8=0 -> tpr: "
        H32 [rbx + 0x80]
        NL
        mov ecx, 0x1B
        mov eax, APIC                       ; EN = 0, BSP written as 0
        xor edx, edx
        wrmsr
        rdmsr
        PRINT "disabled base: "
        H32 eax
        NL
        mov eax, 1
        cpuid
        PRINT "cpuid apic bit: "
        shr edx, 9
        and edx, 1
        H8 dl
        NL
        EXIT_OK

%include "end.inc"
