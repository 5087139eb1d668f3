; xsave.asm - the XSAVE feature set for x87 and SSE state: CPUID.1:ECX.XSAVE/OSXSAVE, leaf 0xD,
; #UD with CR4.OSXSAVE=0, XSETBV/XGETBV (invalid values, ECX, CPL3: #GP), XSAVE/XSAVEOPT
; (legacy region, XSTATE_BV, requested-feature bitmap, XMM0-7 only outside 64-bit mode, what
; is left untouched), XRSTOR (full restore, init of components whose XSTATE_BV bit is clear,
; MXCSR loaded whatever XSTATE_BV says), #GP for a misaligned area and reserved header bits.
; #NM with CR0.TS and #GP for reserved MXCSR bits are in mmx_sdm.asm (QEMU 7.2 misses them).
; Needs a CPU model with XSAVE: the QEMU reference runs with -cpu max (guest_qemu_args in
; meson.build); only model-independent values are printed.
%include "rom.inc"
%include "user.inc"
        cpu all

AREA   equ SCRATCH + 0x1000         ; 64-byte aligned XSAVE area (576 bytes used)
AREA2  equ SCRATCH + 0x2000         ; a second area
VBUF   equ SCRATCH + 0x3000

%macro FILL 2                       ; area, byte: fill 1024 bytes
        push rdi
        push rcx
        push rax
        mov rdi, %1
        mov ecx, 1024
        mov al, %2
        rep stosb
        pop rax
        pop rcx
        pop rdi
%endmacro

%macro XMASK 1                      ; EDX:EAX = requested-feature mask
        mov eax, %1
        xor edx, edx
%endmacro

%macro PQ 2                         ; label, qword operand
        PRINT %1, "="
        H64 %2
%endmacro

%macro PX 2
        movdqu [VBUF], %2
        PRINT %1, "="
        H64 qword [VBUF + 8]
        PUTC ':'
        H64 qword [VBUF]
%endmacro

; CPUIDBIT32 leaf, subleaf, reg, bit: print 0/1
%macro CPUIDBIT 4
        push rbx
        mov eax, %1
        mov ecx, %2
        cpuid
        xor eax, eax
        bt %3, %4
        setc al
        pop rbx
        H8 al
%endmacro

main:
        REAL_TO_PROT32
        bits 32
        mov eax, cr0
        and eax, ~0xC
        or eax, 0x22
        mov cr0, eax
        mov eax, cr4
        or eax, 0x600
        mov cr4, eax
        PRINTLN "protected mode, CR4.OSXSAVE=0"
        push ebx
        mov eax, 1
        cpuid
        mov eax, ecx
        pop ebx
        shr eax, 26
        and eax, 3
        PRINT "cpuid.1:ecx xsave,osxsave="
        H8 al
        NL
        EXPECT_EXC .u1, .v1
.u1:    xgetbv
.v1:    EXPECT_EXC .u2, .v2
.u2:    xsetbv
.v2:    EXPECT_EXC .u3, .v3
.u3:    xsave [AREA]
.v3:    EXPECT_EXC .u4, .v4
.u4:    xrstor [AREA]
.v4:    EXPECT_EXC .u5, .v5
.u5:    xsaveopt [AREA]
.v5:    mov eax, cr4
        or eax, 1 << 18
        mov cr4, eax
        push ebx
        mov eax, 1
        cpuid
        mov eax, ecx
        pop ebx
        shr eax, 26
        and eax, 3
        PRINT "OSXSAVE=1: cpuid.1:ecx xsave,osxsave="
        H8 al
        xor ecx, ecx
        xgetbv
        PRINT " xcr0 at reset="
        H32 edx
        H32 eax
        NL
        xor ecx, ecx
        XMASK 3
        xsetbv
        mov edi, AREA
        mov ecx, 1024
        mov al, 0xEE
        rep stosb
        mov eax, 0x11111111
        movd xmm7, eax
        XMASK 3
        xsave [AREA]
        PRINT "32-bit xsave: xmm7 slot="
        H32 dword [AREA + 160 + 16 * 7]
        PRINT " xmm8 slot="
        H32 dword [AREA + 160 + 16 * 8]
        PRINT " xstate_bv="
        H32 dword [AREA + 516]
        H32 dword [AREA + 512]
        NL

        PROT32_TO_LONG
        bits 64
        PRINTLN "long mode"
        mov rax, cr0
        and eax, ~0xC
        or eax, 0x22
        mov cr0, rax
        push rbx
        mov eax, 0xD
        xor ecx, ecx
        cpuid
        mov [VBUF], eax
        mov [VBUF + 4], ebx
        mov eax, 0xD
        mov ecx, 1
        cpuid
        mov [VBUF + 8], eax
        pop rbx
        mov eax, [VBUF]
        and eax, 3
        PRINT "cpuid.d.0: x87+sse="
        H8 al
        PRINT " size for xcr0="
        H32 dword [VBUF + 4]
        mov eax, [VBUF + 8]
        and eax, 1
        PRINT " cpuid.d.1 xsaveopt="
        H8 al
        NL

        PRINTLN "xsetbv/xgetbv faults"
        mov ecx, 0
        XMASK 2                     ; no x87
        EXPECT_EXC .g1, .h1
.g1:    xsetbv
.h1:    XMASK 0
        EXPECT_EXC .g2, .h2
.g2:    xsetbv
.h2:    mov eax, 3
        mov edx, 0x40000000         ; bit 62
        EXPECT_EXC .g3, .h3
.g3:    xsetbv
.h3:    mov ecx, 1
        XMASK 3
        EXPECT_EXC .g4, .h4
.g4:    xsetbv
.h4:    mov ecx, 5
        EXPECT_EXC .g5, .h5
.g5:    xgetbv
.h5:    xor ecx, ecx
        mov rax, 0xFFFFFFFF00000003 ; upper halves ignored
        mov rdx, 0xFFFFFFFF00000000
        xsetbv
        xgetbv
        PRINT "xcr0 after xsetbv 3: "
        H64 rdx
        PUTC ':'
        H64 rax
        NL
        USER_SETUP64
        ENTER_USER64 user
        PRINTLN "back from CPL3"

        PRINTLN "xsave"
        fninit
        fld1
        fldpi                       ; st0 = pi, st1 = 1, TOP = 6
        fldcw [rel cw]
        ldmxcsr [rel mx1]
        call load_xmm
        FILL AREA, 0xAA
        XMASK 3
        xsave [AREA]
        call dump_legacy
        XMASK 3
        xsaveopt [AREA2]            ; the same image (area starts zeroed: 0x00 fill)
        mov rsi, AREA
        mov rdi, AREA2
        mov ecx, 160 / 8
        repe cmpsq
        PRINT "xsaveopt image x87 part equal="
        setz al
        H8 al
        mov rsi, AREA + 160
        mov rdi, AREA2 + 160
        mov ecx, 256 / 8
        repe cmpsq
        PRINT " xmm part equal="
        setz al
        H8 al
        PQ " xstate_bv", qword [AREA2 + 512]
        NL
        FILL AREA, 0x54
        XMASK 1                     ; x87 only
        xsave [AREA]
        PRINT "rfbm=1:"
        call dump_short
        FILL AREA, 0x54
        XMASK 2                     ; SSE only
        xsave [AREA]
        PRINT "rfbm=2:"
        call dump_short
        FILL AREA, 0x54
        mov eax, 0xFFFFFFFF         ; all, but XCR0 limits it
        mov edx, 0xFFFFFFFF
        xsave [AREA]
        PRINT "rfbm=-1:"
        call dump_short
        FILL AREA, 0x54
        XMASK 0
        xsave [AREA]
        PRINT "rfbm=0:"
        call dump_short

        PRINTLN "xrstor"
        FILL AREA, 0
        XMASK 3
        xsave [AREA]
        fninit
        ldmxcsr [rel mx0]
        call clear_xmm
        XMASK 3
        xrstor [AREA]
        call dump_regs
        ; init: XSTATE_BV = 0 -> x87 and XMM initialised, MXCSR still loaded
        mov qword [AREA + 512], 0
        mov dword [AREA + 24], 0x3F80  ; MXCSR in the image: RC=01
        call load_xmm
        XMASK 3
        xrstor [AREA]
        PRINT "xstate_bv=0:"
        call dump_regs
        ; XSTATE_BV = 1: x87 loaded, XMM initialised
        call load_xmm
        mov qword [AREA + 512], 1
        XMASK 3
        xrstor [AREA]
        PRINT "xstate_bv=1:"
        call dump_regs
        ; RFBM = 1 with XSTATE_BV = 0: x87 initialised, XMM and MXCSR untouched
        call load_xmm
        ldmxcsr [rel mx1]
        fld1
        mov qword [AREA + 512], 0
        XMASK 1
        xrstor [AREA]
        PRINT "rfbm=1 bv=0:"
        call dump_regs
        ; bytes 24-63 of the header are ignored
        mov qword [AREA + 512], 3
        mov qword [AREA + 512 + 24], -1
        mov qword [AREA + 512 + 56], -1
        XMASK 3
        xrstor [AREA]
        PRINTLN "header bytes 24-63 set: restored"
        mov qword [AREA + 512 + 24], 0
        mov qword [AREA + 512 + 56], 0

        PRINTLN "xsave/xrstor faults"
        mov qword [AREA + 512], 4   ; AVX bit, not in XCR0
        XMASK 3
        EXPECT_EXC .x1, .y1
.x1:    xrstor [AREA]
.y1:    mov qword [AREA + 512], 3
        mov rax, 0x8000000000000003
        mov [AREA + 512 + 8], rax   ; XCOMP_BV: compacted form
        XMASK 3
        EXPECT_EXC .x2, .y2
.x2:    xrstor [AREA]
.y2:    mov qword [AREA + 512 + 8], 0
        mov qword [AREA + 512 + 16], 1  ; header bytes 23:16
        EXPECT_EXC .x3, .y3
.x3:    xrstor [AREA]
.y3:    mov qword [AREA + 512 + 16], 0
        EXPECT_EXC .x4, .y4
.x4:    xrstor [AREA + 16]          ; misaligned
.y4:    EXPECT_EXC .x5, .y5
.x5:    xsave [AREA + 32]
.y5:    EXPECT_EXC .x6, .y6
.x6:    xsaveopt [AREA + 48]
.y6:    XMASK 3
        xrstor [AREA]               ; still a valid image
        PRINTLN "valid image restored"
        EXIT_OK

user:
        xor ecx, ecx
        xgetbv                      ; allowed at CPL3
        EXPECT_EXC .uf, .ur
.uf:    xsetbv
.ur:    USER_RETURN

; xmm0..xmm15 = distinct patterns
load_xmm:
        mov rax, 0x0102030405060708
        mov rdx, 0x1111111111111111
%assign i 0
%rep 16
        movq xmm %+ i, rax
        pinsrw xmm %+ i, edx, 7
        add rax, rdx
%assign i i + 1
%endrep
        ret

clear_xmm:
%assign i 0
%rep 16
        pxor xmm %+ i, xmm %+ i
%assign i i + 1
%endrep
        ret

; fcw fsw ftw mxcsr mxcsr_mask st0 xmm0 xmm15 slots, untouched bytes, xstate_bv
dump_legacy:
        PRINT "fcw="
        H16 word [AREA]
        PRINT " fsw="
        H16 word [AREA + 2]
        PRINT " ftw="
        H8 byte [AREA + 4]
        PRINT " mxcsr="
        H32 dword [AREA + 24]
        PRINT " mask="
        H32 dword [AREA + 28]
        NL
        PRINT "st0="
        H16 word [AREA + 40]
        PUTC ':'
        H64 qword [AREA + 32]
        PRINT " st1="
        H16 word [AREA + 56]
        PUTC ':'
        H64 qword [AREA + 48]
        NL
        PQ "xmm0 slot", qword [AREA + 160]
        PQ " xmm15 slot hi", qword [AREA + 160 + 16 * 15 + 8]
        NL
        PQ "bytes 416", qword [AREA + 416]
        PQ " 464", qword [AREA + 464]
        PQ " xstate_bv", qword [AREA + 512]
        PQ " xcomp_bv", qword [AREA + 520]
        NL
        ret

dump_short:
        PRINT " fcw="
        H16 word [AREA]
        PRINT " mxcsr="
        H32 dword [AREA + 24]
        PRINT " st0 exp="
        H16 word [AREA + 40]
        PRINT " xmm1="
        H64 qword [AREA + 160 + 16]
        PRINT " bv="
        H64 qword [AREA + 512]
        NL
        ret

dump_regs:
        fxsave [AREA2]
        PRINT " fcw="
        H16 word [AREA2]
        PRINT " fsw="
        H16 word [AREA2 + 2]
        PRINT " ftw="
        H8 byte [AREA2 + 4]
        stmxcsr [VBUF + 32]
        PRINT " mxcsr="
        H32 dword [VBUF + 32]
        NL
        PRINT "  st0="
        H16 word [AREA2 + 40]
        PUTC ':'
        H64 qword [AREA2 + 32]
        PX " xmm3", xmm3
        PX " xmm15", xmm15
        NL
        ret

        align 4
cw:     dw 0x027F
mx0:    dd 0x1F80
mx1:    dd 0x5F80                   ; RC=10
%include "end.inc"
