; multiboot-probe.asm - a tiny Multiboot v1 kernel for test-direct-boot.py: checks the
; boot magic, prints the command line from the info structure, checks that the board put
; the ACPI RSDP at 0xF0000, and leaves through isa-debug-exit at port 0xf4 (value 0x10).
bits 32
section .text
global _start
align 4
        dd 0x1BADB002, 0x00000003, -(0x1BADB002 + 3)
_start:
        mov esp, 0x90000
        cmp eax, 0x2BADB002
        jne fail
        mov esi, hello
        call puts
        test dword [ebx], 4             ; flags: cmdline present
        jz fail
        mov esi, [ebx + 16]
        call puts
        mov esi, newline
        call puts
        cmp dword [0xf0000], 'RSD '
        jne fail
        cmp dword [0xf0004], 'PTR '
        jne fail
        mov esi, rsdp_ok
        call puts
        mov al, 0x10
        out 0xf4, al
fail:
        mov esi, failed
        call puts
.halt:  cli
        hlt
        jmp .halt

puts:   mov dx, 0x3f8
.next:  lodsb
        test al, al
        jz .done
        out dx, al
        jmp .next
.done:  ret

section .data
hello:   db "multiboot: cmdline=", 0
newline: db 10, 0
rsdp_ok: db "rsdp at 0xf0000", 10, 0
failed:  db "FAILED", 10, 0
