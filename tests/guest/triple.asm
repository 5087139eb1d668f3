; triple.asm - a triple fault: with -no-reboot the emulator exits with status 0 (QEMU
; semantics: the machine "shuts down").  Expected exit status: 0.
%include "rom.inc"

main:
        REAL_TO_PROT32
        PRINTLN "before the triple fault"
        mov word [SCRATCH], 0       ; empty IDT: every exception escalates
        mov dword [SCRATCH + 2], 0
        lidt [SCRATCH]
        int3
        PRINTLN "BAD: still running"
        EXIT_FAIL

%include "end.inc"
