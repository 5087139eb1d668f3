; gdbguest.asm - the guest the gdb integration tests debug: real mode, then
; protected mode, then long mode, with the interesting addresses listed in a
; table at ROM offset 0xFF00 (dwords, linear addresses) for the test driver:
;   0 real_bp  1 prot_bp  2 long_bp  3 reg_bp  4 watch_store  5 spin  6 hw_bp
%include "rom.inc"

VALUE   equ 0x8100          ; gdb writes a qword here, the guest prints it
WATCHED equ 0x8200          ; the guest writes it (watchpoint)
GO      equ 0x8300          ; the guest spins until gdb sets it nonzero

main:
        mov dword [GO], 0
real_bp:
        nop
        PRINTLN "real mode"
        REAL_TO_PROT32
prot_bp:
        nop
        PRINTLN "protected mode"
        PROT32_TO_LONG
long_bp:
        nop
        PRINTLN "long mode"
        PRINT "value="
        mov rax, [VALUE]
        H64 rax
        NL
        xor ebx, ebx
reg_bp:
        nop
        PRINT "rbx="
        H64 rbx
        NL
watch_store:
        mov dword [WATCHED], 0x1234
        nop
hw_bp:
        nop
        PRINTLN "spinning"
spin:
        cmp dword [GO], 0
        je spin
        PRINTLN "done"
        EXIT_OK

        times 0xFF00 - ($ - $$) db 0
label_table:
        dd A(real_bp), A(prot_bp), A(long_bp), A(reg_bp), A(watch_store), A(spin), A(hw_bp)

%include "end.inc"
