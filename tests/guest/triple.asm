; triple.asm - a triple fault: with -no-reboot the emulator exits with status 0 (QEMU
; semantics: the machine "shuts down").  Expected exit status: 0.
%include "rom.inc"
%include "reset.inc"

main:
        REAL_TO_PROT32
        PRINTLN "before the triple fault"
        TRIPLE_FAULT int3

%include "end.inc"
