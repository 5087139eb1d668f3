; CPU-bound guest loop for the speed benchmark: switches to 32-bit protected
; mode, runs ITER iterations of a loop of LOOP_INSNS integer instructions,
; prints "bench done" on COM1 and exits through isa-debug-exit.
; Build: nasm -f bin -DITER=N cpu-loop.asm -o cpu-loop.rom (a 64 KiB ROM).
%ifndef ITER
%define ITER 1000000
%endif
LOOP_INSNS equ 16

        org 0xf0000
        bits 16
start:
        cli
        mov ax, cs
        mov ds, ax
        o32 lgdt [gdt_desc - $$]
        mov eax, cr0
        or al, 1
        mov cr0, eax
        jmp dword 0x08:pm_entry

        bits 32
pm_entry:
        mov ax, 0x10
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov esp, 0x90000
        mov ecx, ITER
        xor eax, eax
        mov ebx, 0x12345
        xor edx, edx
        mov esi, 0x1000
.loop:                          ; LOOP_INSNS instructions per iteration
        add eax, ebx
        xor edx, eax
        rol ebx, 3
        lea edi, [eax + edx*2 + 7]
        sub edi, ecx
        and edi, 0xff
        mov [esi + edi], al
        movzx ebp, byte [esi + edi]
        add eax, ebp
        shr edx, 1
        adc eax, 0
        cmp eax, ebx
        setb bl
        or ebx, 0x100
        dec ecx
        jnz .loop
        mov esi, done_msg
.print:
        mov al, [esi]
        test al, al
        jz .exit
        mov dx, 0x3f8
        out dx, al
        inc esi
        jmp .print
.exit:
        mov dx, 0x501
        xor al, al
        out dx, al
        hlt
        jmp .exit

done_msg: db "bench done", 13, 10, 0

        align 8
gdt:    dq 0
        dq 0x00cf9a000000ffff    ; 0x08: flat 32-bit code
        dq 0x00cf92000000ffff    ; 0x10: flat 32-bit data
gdt_desc:
        dw gdt_desc - gdt - 1
        dd gdt

        times 0xfff0 - ($ - $$) db 0
        bits 16
reset:  jmp 0xf000:(start - 0xf0000)
        times 0x10000 - ($ - $$) db 0
