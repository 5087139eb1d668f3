; riprel-imm.asm - reproducer (differential test, long mode): SHLD/SHRD r/m32, r32, imm8
; (0F A4 / 0F AC ib) with a RIP-relative memory operand.  RIP-relative addresses are based
; on the next instruction, i.e. after the imm8.  The ADD/MOV forms below agree with QEMU;
; the SHRD/SHLD ones differ: QEMU 7.2 computes the address from the end of the
; displacement, one byte before the end of the instruction, and so accesses one byte low.
; Vessel follows the SDM. QEMU: scratch+16 = 40302000 01141312; Vessel: 00302010 00141312.
;   nasm -f bin -I.. -o riprel-imm.rom riprel-imm.asm
;   vessel -bios riprel-imm.rom -nographic -device isa-debug-exit -no-reboot -accel interp
%define MODE_LONG
%include "harness.inc"
bits 64
cases:
        mov dword [SCRATCH], 0
        mov dword [SCRATCH + 4], 0x11
        add dword [rel $$ - (0xF0000 - SCRATCH)], 5     ; 83 05 disp32 imm8
        mov dword [rel $$ - (0xF0000 - SCRATCH - 8)], 7 ; C7 05 disp32 imm32
        mov dword [SCRATCH + 16], 0x01020304
        mov dword [SCRATCH + 20], 0x11121314
        mov ecx, 0x80000000
        shrd dword [rel $$ - (0xF0000 - SCRATCH - 16)], ecx, 4  ; 0F AC 0D disp32 imm8
        call dump
        jmp finish
        times 0xFFF0 - ($ - $$) db 0xF4
        bits 16
        jmp 0xF000:start
        times 0x10000 - ($ - $$) db 0xF4
