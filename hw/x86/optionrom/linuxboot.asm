; linuxboot.bin: the option ROM that boots a Linux kernel handed over in fw_cfg
; when -kernel is given together with -bios. SeaBIOS finds it as the fw_cfg
; file "genroms/linuxboot.bin", runs its init entry (which does nothing) and
; registers its PnP boot entry vector (BEV). When SeaBIOS boots that entry, the
; code below reads the kernel's real-mode setup, its protected-mode part, the
; initrd and the command line from fw_cfg through the DMA interface straight
; to the addresses the board chose (FW_CFG_*_ADDR), fills the setup header as
; a boot loader must (Linux Documentation/arch/x86/boot.rst) and jumps to the
; real-mode kernel entry, setup segment + 0x20 : 0.
;
; Written from the PnP BIOS option ROM header layout, the fw_cfg interface
; (QEMU docs/specs/fw_cfg.rst) and the Linux x86 boot protocol. The size byte,
; the PnP header checksum and the ROM checksum are set by mkrom.py.

bits 16
cpu 686
org 0

FW_CFG_PORT_SEL     equ 0x510
FW_CFG_PORT_DATA    equ 0x511
FW_CFG_PORT_DMA     equ 0x514
FW_CFG_ID           equ 0x01
FW_CFG_KERNEL_ADDR  equ 0x07
FW_CFG_KERNEL_SIZE  equ 0x08
FW_CFG_INITRD_ADDR  equ 0x0a
FW_CFG_INITRD_SIZE  equ 0x0b
FW_CFG_KERNEL_DATA  equ 0x11
FW_CFG_INITRD_DATA  equ 0x12
FW_CFG_CMDLINE_ADDR equ 0x13
FW_CFG_CMDLINE_SIZE equ 0x14
FW_CFG_CMDLINE_DATA equ 0x15
FW_CFG_SETUP_ADDR   equ 0x16
FW_CFG_SETUP_SIZE   equ 0x17
FW_CFG_SETUP_DATA   equ 0x18
FW_CFG_ID_DMA       equ 0x02
DMA_CTL_ERROR       equ 0x01
DMA_CTL_READ        equ 0x02
DMA_CTL_SELECT      equ 0x08

; Setup header fields, as offsets from the start of the real-mode part.
HDR_TYPE_OF_LOADER  equ 0x210
HDR_LOADFLAGS       equ 0x211
HDR_RAMDISK_IMAGE   equ 0x218
HDR_RAMDISK_SIZE    equ 0x21c
HDR_HEAP_END_PTR    equ 0x224
HDR_CMD_LINE_PTR    equ 0x228
LOADER_TYPE         equ 0xff        ; boot loader without an assigned id
CAN_USE_HEAP        equ 0x80
SETUP_STACK_TOP     equ 0xfe00      ; real-mode stack top inside the setup segment
SETUP_HEAP_END      equ SETUP_STACK_TOP - 0x200

; ---- option ROM header ----
rom_start:
    db 0x55, 0xaa
    db 0                            ; size in 512-byte blocks (mkrom.py)
    jmp init                        ; offset 3: initialisation entry
    times 0x18 - ($ - $$) db 0
    dw 0                            ; 0x18: no PCI data structure
    dw pnp_header                   ; 0x1a: PnP expansion header

    align 16
pnp_header:
    db '$PnP'
    db 1                            ; structure revision
    db 2                            ; length in 16-byte units
    dw 0                            ; next header: none
    db 0                            ; reserved
    db 0                            ; checksum (mkrom.py)
    dd 0                            ; device identifier
    dw manufacturer                 ; manufacturer string
    dw product                      ; product name string
    db 0, 0, 0                      ; device type code
    db 0x20                         ; device indicators: IPL device
    dw 0                            ; boot connection vector: none
    dw 0                            ; disconnect vector: none
    dw boot                         ; bootstrap entry vector
    dw 0                            ; reserved
    dw 0                            ; static resource information vector

manufacturer: db 'Vessel', 0
product:      db 'Linux loader (fw_cfg)', 0
msg_nodma:    db 'linuxboot: fw_cfg has no DMA interface', 13, 10, 0
msg_dmaerr:   db 'linuxboot: fw_cfg DMA transfer failed', 13, 10, 0

; Initialisation: nothing to set up; the BEV does the work at boot time.
init:
    retf

; ---- fw_cfg helpers ----

; eax = the little-endian 32-bit item `ax`. Clobbers ebx, dx.
fw_read32:
    mov dx, FW_CFG_PORT_SEL
    out dx, ax
    inc dx                          ; data port
%rep 4
    in al, dx
    shrd ebx, eax, 8                ; byte 0 ends up lowest
%endrep
    mov eax, ebx
    ret

; Read ecx bytes of item `ax` to guest-physical edi through the DMA
; interface; jumps to dma_failed on error. Clobbers eax, ebx, dx.
; The FWCfgDmaAccess descriptor (big endian: control, length, address)
; lives on the stack, which is RAM.
fw_dma_read:
    push bp
    sub sp, 16
    mov bp, sp
    movzx eax, ax
    shl eax, 16
    or eax, DMA_CTL_SELECT | DMA_CTL_READ
    bswap eax
    mov [bp], eax
    mov eax, ecx
    bswap eax
    mov [bp + 4], eax
    mov dword [bp + 8], 0
    mov eax, edi
    bswap eax
    mov [bp + 12], eax
    xor eax, eax                    ; physical address of the descriptor
    mov ax, ss
    shl eax, 4
    movzx ebx, bp
    add eax, ebx
    bswap eax
    mov ebx, eax
    xor eax, eax
    mov dx, FW_CFG_PORT_DMA
    out dx, eax                     ; high half: 0
    mov eax, ebx
    add dx, 4
    out dx, eax                     ; low half: starts the transfer
.wait:
    mov eax, [bp]
    bswap eax
    test eax, ~DMA_CTL_ERROR
    jnz .wait
    add sp, 16
    pop bp
    test al, DMA_CTL_ERROR
    jnz dma_failed
    ret

; Load item `data` of ecx bytes at the address in item `addr` (skipped when
; ecx is 0). Returns the address in edi.
%macro load_item 3                  ; size key, address key, data key
    mov ax, %1
    call fw_read32
    mov ecx, eax
    mov ax, %2
    call fw_read32
    mov edi, eax
    jecxz %%skip
    mov ax, %3
    call fw_dma_read
%%skip:
%endmacro

; Print the NUL-terminated string at cs:si through the video BIOS (SeaBIOS
; copies it to the serial console with -nographic).
print:
    cs lodsb
    test al, al
    jz .done
    mov ah, 0x0e
    mov bx, 7
    int 0x10
    jmp print
.done:
    ret

dma_failed:
    mov si, msg_dmaerr
fail:
    call print
    int 0x18                        ; boot failure: SeaBIOS tries the next entry
    jmp fail.hang
fail.hang:
    hlt
    jmp fail.hang

; ---- bootstrap entry vector ----
boot:
    cld
    mov ax, FW_CFG_ID
    call fw_read32
    mov si, msg_nodma
    test al, FW_CFG_ID_DMA
    jz fail

    load_item FW_CFG_SETUP_SIZE, FW_CFG_SETUP_ADDR, FW_CFG_SETUP_DATA
    mov esi, edi                    ; setup address, below 1 MiB, 16-byte aligned
    load_item FW_CFG_KERNEL_SIZE, FW_CFG_KERNEL_ADDR, FW_CFG_KERNEL_DATA
    load_item FW_CFG_CMDLINE_SIZE, FW_CFG_CMDLINE_ADDR, FW_CFG_CMDLINE_DATA

    ; Fill the setup header as the boot loader.
    shr esi, 4
    mov es, si
    mov [es:HDR_CMD_LINE_PTR], edi
    mov byte [es:HDR_TYPE_OF_LOADER], LOADER_TYPE
    or byte [es:HDR_LOADFLAGS], CAN_USE_HEAP
    mov word [es:HDR_HEAP_END_PTR], SETUP_HEAP_END

    load_item FW_CFG_INITRD_SIZE, FW_CFG_INITRD_ADDR, FW_CFG_INITRD_DATA
    jecxz .no_initrd
    mov [es:HDR_RAMDISK_IMAGE], edi
    mov [es:HDR_RAMDISK_SIZE], ecx
.no_initrd:

    ; Real-mode kernel entry: ds = es = fs = gs = ss = setup segment,
    ; sp at the top of the heap, cs = setup segment + 0x20, ip = 0.
    cli
    mov ax, es
    mov ds, ax
    mov fs, ax
    mov gs, ax
    mov ss, ax
    mov sp, SETUP_STACK_TOP
    add ax, 0x20
    push ax
    push word 0
    retf
