; movbe16.asm - reproducer (differential test, real mode and 16-bit protected mode): MOVBE
; (0F 38 F0/F1) in 16-bit code.  Its operand size follows the code segment like any other
; instruction: 16 bits without a 66 prefix, 32 with it.  QEMU 7.2 TCG takes the size from
; the 66 prefix alone (66 -> 16, none -> 32), which is right only in 32/64-bit code, so in
; 16-bit code it swaps the two sizes.  Vessel follows the SDM.
; Vessel: EAX = 44332211, scratch+0 = 12 34 00 00 44 33 22 11.
; QEMU:   EAX = 55554433 (`movbe eax, [0x104]` loads only AX), scratch+0 = aa aa 12 34 ...
;         (`movbe word [0x100], dx` stores four bytes).  Dump: EAX at 0, scratch at 0x100.
;   nasm -f bin -I.. -o movbe16.rom movbe16.asm
;   vessel -bios movbe16.rom -nographic -device isa-debug-exit -no-reboot -accel interp
;   qemu-system-x86_64 -cpu qemu64,+movbe -bios movbe16.rom -display none -serial stdio \
;       -device isa-debug-exit -no-reboot -nodefaults
%define MODE_REAL
%include "harness.inc"
bits 16
cases:
        mov dword [0x100], 0
        mov dword [0x104], 0x11223344
        mov edx, 0xaaaa1234
        mov eax, 0x55555555
        movbe word [0x100], dx          ; 0F 38 F1 16 00 01: 16-bit store 34 12
        movbe eax, [0x104]              ; 66 0F 38 F0 06 04 01: EAX = 44332211
        mov [0], eax
        mov [8], edx
        pushfd
        pop dword [0x80]
        call dump
        jmp finish
        times 0xFFF0 - ($ - $$) db 0xF4
        bits 16
        jmp 0xF000:start
        times 0x10000 - ($ - $$) db 0xF4
