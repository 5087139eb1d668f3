; smc.asm - self-modifying and RAM-resident code: code copied to RAM and run, patched between
; runs (immediates and opcodes), a store that patches the very next instruction, code that
; rewrites itself inside a loop, in real mode, 32-bit protected mode and 64-bit mode (where the
; patched page is also reached through a second virtual alias).
%include "rom.inc"

CODE equ 0x9000                     ; RAM code buffer (segment 0x0900 in real mode)

main:
        PRINTLN "real mode"
        ; template: mov ax, imm16 ; retf
        mov byte [CODE], 0xB8
        mov word [CODE + 1], 0x1111
        mov byte [CODE + 3], 0xCB
        call 0x0900:0x0000
        PRINT "ram code -> "
        H16 ax
        mov word [CODE + 1], 0x2222     ; patch the immediate
        call 0x0900:0x0000
        PRINT ", patched -> "
        H16 ax
        NL
        ; the store patches the next instruction (no jump in between)
        mov byte [CODE], 0xC6           ; mov byte [cs:bx+...]: build in RAM:
        ; RAM code:  mov byte [cs:next+1], 0x77 ; next: mov al, 0x00 ; retf
        mov byte [CODE + 0], 0x2E       ; cs:
        mov byte [CODE + 1], 0xC6       ; mov byte [disp16], imm8
        mov byte [CODE + 2], 0x06
        mov word [CODE + 3], 7          ; offset of the imm8 of the next instruction
        mov byte [CODE + 5], 0x77
        mov byte [CODE + 6], 0xB0       ; mov al, imm8
        mov byte [CODE + 7], 0x00
        mov byte [CODE + 8], 0xCB       ; retf
        call 0x0900:0x0000
        PRINT "store to the next instruction -> al="
        H8 al
        NL

        REAL_TO_PROT32
        PRINTLN "protected mode"
        ; a loop whose body rewrites its own add immediate: sum = 1 + 2 + 3 + 4
        mov edi, CODE
        mov esi, A(loop_tmpl)
        mov ecx, loop_tmpl_end - loop_tmpl
        rep movsb
        mov eax, CODE
        call eax
        PRINT "self-rewriting loop -> "
        H32 eax
        NL
        ; patch an opcode: add -> sub
        mov byte [CODE], 0xB8           ; mov eax, 100
        mov dword [CODE + 1], 100
        mov word [CODE + 5], 0xC083     ; add eax, imm8
        mov byte [CODE + 7], 5
        mov byte [CODE + 8], 0xC3
        mov eax, CODE
        call eax
        PRINT "add -> "
        H32 eax
        mov byte [CODE + 6], 0xE8       ; /5 = sub
        mov eax, CODE
        call eax
        PRINT ", patched to sub -> "
        H32 eax
        NL

        PROT32_TO_LONG
        PRINTLN "long mode"
        ; map the code page a second time at 0x40000000 + CODE (2 MiB page alias of 0-2 MiB)
        mov qword [PDPT_BASE + 8], PD_BASE | 7      ; PDPT[1] -> the same PD: 0x40000000 aliases 0
        mov rax, cr3
        mov cr3, rax
        mov byte [CODE], 0xB8           ; mov eax, imm32 ; ret
        mov dword [CODE + 1], 0xAAAA
        mov byte [CODE + 5], 0xC3
        mov rbx, 0x40000000 + CODE
        call rbx
        PRINT "via alias -> "
        H32 eax
        mov dword [CODE + 1], 0xBBBB    ; write through the identity mapping
        call rbx
        PRINT ", patched via the other mapping -> "
        H32 eax
        mov rcx, 0x40000000 + CODE + 1
        mov dword [rcx], 0xCCCC         ; write through the alias, run through identity
        mov eax, CODE
        call rax
        PRINT ", and back -> "
        H32 eax
        NL
        EXIT_OK

        bits 32
; copied to CODE: eax = 1 + 2 + 3 + 4, by patching the add immediate inside the loop
loop_tmpl:
        xor eax, eax
        mov ecx, 1
.l:     add eax, strict dword 1         ; (opcode 05 id) the immediate is rewritten each time
        inc ecx
        mov [CODE + (.l - loop_tmpl) + 1], ecx
        cmp ecx, 5
        jb .l
        ret
loop_tmpl_end:

%include "end.inc"
