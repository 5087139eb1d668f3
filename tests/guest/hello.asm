; hello.asm - the smallest guest: real mode, prints a line over COM1 and exits.
%include "rom.inc"

main:
        PRINTLN "Hello from Vessel"
        EXIT_OK

%include "end.inc"
