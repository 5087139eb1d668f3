; mmx.asm - MMX in long mode: every NP 0F form on MM registers (register and memory sources),
; shifts by register and immediate with out-of-range counts, saturation, the SSE additions on
; MM registers (PSHUFW PINSRW PEXTRW PMOVMSKB PAVGB/W PMINUB PMAXUB PMINSW PMAXSW PMULHUW PSADBW
; MOVNTQ MASKMOVQ) and the SSE2 ones (PADDQ PSUBQ PMULUDQ), MOVD/MOVQ to and from general
; registers and memory, CVTPI2PS/PD and CVT(T)PS2PI/CVT(T)PD2PI with rounding modes and MXCSR
; flags; the x87 state effects (TOP=0 and all tags valid, EMMS empties the tags, MMn aliases
; the registers' significand), and #UD (CR0.EM) / #NM (CR0.TS) / #GP.  Where QEMU TCG 7.2
; departs from the SDM (exponent bits 79:64 set by MMX writes, EMMS and CVT*PI* faults, no
; MMX transition on a faulting instruction, #MF) the cases are in mmx_sdm.asm.
%include "rom.inc"

VBUF   equ SCRATCH                  ; result buffer
FXAREA equ SCRATCH + 0x400          ; FXSAVE area (16-byte aligned)
MASKB  equ SCRATCH + 0x200          ; MASKMOVQ target

; MM2OP insn: mm0 = va op vb (register source) and va op [vb] (memory source)
%macro MM2OP 1
        movq mm0, [rel va]
        movq mm1, [rel vb]
        %1 mm0, mm1
        movq [VBUF], mm0
        movq mm2, [rel va]
        %1 mm2, [rel vb]
        movq [VBUF + 8], mm2
        PRINT %str(%1), " "
        H64 qword [VBUF]
        PUTC ' '
        H64 qword [VBUF + 8]
        NL
%endmacro

; MMSHIFT insn, count-label: register count and memory count
%macro MMSHIFT 2
        movq mm0, [rel va]
        movq mm1, [rel %2]
        %1 mm0, mm1
        movq [VBUF], mm0
        movq mm0, [rel va]
        %1 mm0, [rel %2]
        movq [VBUF + 8], mm0
        PRINT %str(%1), " ", %str(%2), " "
        H64 qword [VBUF]
        PUTC ' '
        H64 qword [VBUF + 8]
        NL
%endmacro

; MMSHIFTI insn, imm
%macro MMSHIFTI 2
        movq mm3, [rel va]
        %1 mm3, %2
        movq [VBUF], mm3
        PRINT %str(%1), " imm ", %str(%2), " "
        H64 qword [VBUF]
        NL
%endmacro

; PMM label, mm: print an MM register
%macro PMM 2
        movq [VBUF], %2
        PRINT %1, " "
        H64 qword [VBUF]
        NL
%endmacro

; PX label, xmm
%macro PX 2
        movdqu [VBUF], %2
        PRINT %1, " "
        H64 qword [VBUF + 8]
        PUTC ':'
        H64 qword [VBUF]
        NL
%endmacro

; FPSTATE label: TOP, abridged tag, ST0's exponent word (physical R0 with TOP=0)
%macro FPSTATE 1
        fxsave [FXAREA]
        PRINT %1, " top="
        movzx eax, word [FXAREA + 2]
        shr eax, 11
        and eax, 7
        H8 al
        PRINT " ftw="
        H8 byte [FXAREA + 4]
        NL
%endmacro

main:
        REAL_TO_PROT32
        PROT32_TO_LONG
        mov rax, cr0
        and eax, ~0xC               ; EM=0, TS=0
        or eax, 0x22                ; MP, NE
        mov cr0, rax
        mov rax, cr4
        or eax, 0x600               ; OSFXSR, OSXMMEXCPT
        mov cr4, rax
        PRINTLN "MMX arithmetic (long mode)"
        MM2OP paddb
        MM2OP paddw
        MM2OP paddd
        MM2OP paddq
        MM2OP paddsb
        MM2OP paddsw
        MM2OP paddusb
        MM2OP paddusw
        MM2OP psubb
        MM2OP psubw
        MM2OP psubd
        MM2OP psubq
        MM2OP psubsb
        MM2OP psubsw
        MM2OP psubusb
        MM2OP psubusw
        MM2OP pmullw
        MM2OP pmulhw
        MM2OP pmulhuw
        MM2OP pmuludq
        MM2OP pmaddwd
        MM2OP pavgb
        MM2OP pavgw
        MM2OP pminub
        MM2OP pmaxub
        MM2OP pminsw
        MM2OP pmaxsw
        MM2OP psadbw
        MM2OP pand
        MM2OP pandn
        MM2OP por
        MM2OP pxor
        MM2OP pcmpeqb
        MM2OP pcmpeqw
        MM2OP pcmpeqd
        MM2OP pcmpgtb
        MM2OP pcmpgtw
        MM2OP pcmpgtd
        PRINTLN "pack/unpack"
        MM2OP packsswb
        MM2OP packssdw
        MM2OP packuswb
        MM2OP punpckhbw
        MM2OP punpckhwd
        MM2OP punpckhdq
        MM2OP punpcklbw             ; the memory form reads 32 bits
        MM2OP punpcklwd
        MM2OP punpckldq
        PRINTLN "shifts"
        MMSHIFT psrlw, c4
        MMSHIFT psrlw, c16
        MMSHIFT psrld, c4
        MMSHIFT psrld, c32
        MMSHIFT psrlq, c4
        MMSHIFT psrlq, c64
        MMSHIFT psraw, c4
        MMSHIFT psraw, cbig
        MMSHIFT psrad, c4
        MMSHIFT psrad, c32
        MMSHIFT psllw, c4
        MMSHIFT psllw, cbig
        MMSHIFT pslld, c4
        MMSHIFT pslld, c32
        MMSHIFT psllq, c4
        MMSHIFT psllq, c64
        MMSHIFTI psrlw, 3
        MMSHIFTI psrlw, 16
        MMSHIFTI psrld, 7
        MMSHIFTI psrld, 200
        MMSHIFTI psrlq, 13
        MMSHIFTI psrlq, 64
        MMSHIFTI psraw, 5
        MMSHIFTI psraw, 99
        MMSHIFTI psrad, 9
        MMSHIFTI psrad, 32
        MMSHIFTI psllw, 1
        MMSHIFTI psllw, 16
        MMSHIFTI pslld, 31
        MMSHIFTI pslld, 255
        MMSHIFTI psllq, 33
        MMSHIFTI psllq, 64
        PRINTLN "shuffles, inserts, extracts"
        movq mm1, [rel vb]
        pshufw mm0, mm1, 0x1B
        PMM "pshufw 1b", mm0
        pshufw mm0, [rel va], 0xD8
        PMM "pshufw [va] d8", mm0
        movq mm0, [rel va]
        mov eax, 0xABCD1234
        pinsrw mm0, eax, 1
        PMM "pinsrw eax,1", mm0
        pinsrw mm0, [rel vb + 2], 6   ; imm 6 selects word 2
        PMM "pinsrw [m],6", mm0
        mov rax, -1
        pextrw eax, mm1, 3
        PRINT "pextrw 3 "
        H64 rax
        NL
        mov rax, -1
        db 0x48, 0x0F, 0xC5, 0xC1, 5 ; pextrw rax, mm1, 5 (word 1)
        PRINT "pextrw 5 "
        H64 rax
        NL
        mov rax, -1
        pmovmskb eax, mm1
        PRINT "pmovmskb "
        H64 rax
        NL
        PRINTLN "moves"
        mov rax, 0xFEDCBA9876543210
        movd mm0, eax
        PMM "movd mm,eax", mm0
        movq mm0, rax
        PMM "movq mm,rax", mm0
        movd mm0, [rel va]
        PMM "movd mm,[m]", mm0
        mov rax, -1
        movd eax, mm1
        PRINT "movd eax,mm "
        H64 rax
        NL
        movq rax, mm1
        PRINT "movq rax,mm "
        H64 rax
        NL
        mov qword [VBUF + 16], -1
        movd [VBUF + 16], mm1
        PRINT "movd [m],mm "
        H64 qword [VBUF + 16]
        NL
        movq mm2, [rel va]
        db 0x0F, 0x7F, 0xCA         ; movq mm2, mm1 (0F 7F register form)
        PMM "movq mm2,mm1 (7f)", mm2
        movq mm2, mm0               ; 0F 6F register form
        PMM "movq mm2,mm0 (6f)", mm2
        db 0x0F, 0x7F, 0x0C, 0x25   ; movq [VBUF + 24], mm1 (0F 7F memory form)
        dd VBUF + 24
        PRINT "movq [m],mm "
        H64 qword [VBUF + 24]
        NL
        movntq [VBUF + 32], mm0
        PRINT "movntq "
        H64 qword [VBUF + 32]
        NL
        mov qword [MASKB], 0
        movq mm2, [rel va]
        movq mm3, [rel vmask]
        mov edi, MASKB
        maskmovq mm2, mm3
        PRINT "maskmovq "
        H64 qword [MASKB]
        NL

        PRINTLN "x87 state"
        fninit
        fld1
        fld1
        FPSTATE "two fld1"
        movq mm1, [rel va]
        FPSTATE "after movq"
        fxsave [FXAREA]
        PRINT "mm1 in the fxsave image "
        H64 qword [FXAREA + 32 + 16]
        NL
        emms
        FPSTATE "after emms"
        fninit
        fld1
        fldz
        movd eax, mm1               ; a read also enters MMX state
        FPSTATE "after movd eax,mm1"
        emms
        fninit
        fldpi                       ; R7 = pi
        fld1                        ; R6 = 1
        emms
        fninit
        fldpi
        movq [VBUF], mm7            ; mm7 = pi's significand
        PRINT "mm7 after fldpi "
        H64 qword [VBUF]
        NL
        emms

        PRINTLN "conversions"
        ldmxcsr [rel mx_near]
        movq mm1, [rel vi]
        movdqu xmm0, [rel vones]
        cvtpi2ps xmm0, mm1
        PX "cvtpi2ps mm", xmm0
        movdqu xmm0, [rel vones]
        cvtpi2ps xmm0, [rel vbig]
        PX "cvtpi2ps [m]", xmm0
        stmxcsr [VBUF]
        PRINT "mxcsr "
        H32 dword [VBUF]
        NL
        ldmxcsr [rel mx_near]
        cvtpi2pd xmm0, mm1
        PX "cvtpi2pd mm", xmm0
        cvtpi2pd xmm0, [rel vbig]
        PX "cvtpi2pd [m]", xmm0
        movdqu xmm1, [rel vps]
        movdqu xmm2, [rel vpd]
        mov ebx, 0
.rc:    mov eax, ebx
        shl eax, 13
        or eax, 0x1F80
        mov [VBUF + 64], eax
        ldmxcsr [VBUF + 64]
        PRINT "rc="
        H8 bl
        cvtps2pi mm0, xmm1
        movq [VBUF], mm0
        PRINT " cvtps2pi "
        H64 qword [VBUF]
        cvttps2pi mm0, xmm1
        movq [VBUF], mm0
        PRINT " cvttps2pi "
        H64 qword [VBUF]
        cvtpd2pi mm0, xmm2
        movq [VBUF], mm0
        PRINT " cvtpd2pi "
        H64 qword [VBUF]
        cvttpd2pi mm0, [rel vpd]
        movq [VBUF], mm0
        PRINT " cvttpd2pi "
        H64 qword [VBUF]
        NL
        inc ebx
        cmp ebx, 4
        jb .rc
        ldmxcsr [rel mx_near]
        cvtps2pi mm0, [rel vpsbad]
        movq [VBUF], mm0
        stmxcsr [VBUF + 8]
        PRINT "cvtps2pi nan/overflow "
        H64 qword [VBUF]
        PRINT " mxcsr "
        H32 dword [VBUF + 8]
        NL
        ldmxcsr [rel mx_near]
        cvttpd2pi mm0, [rel vpdbad]
        movq [VBUF], mm0
        stmxcsr [VBUF + 8]
        PRINT "cvttpd2pi nan/overflow "
        H64 qword [VBUF]
        PRINT " mxcsr "
        H32 dword [VBUF + 8]
        NL
        ldmxcsr [rel mx_near]
        emms

        PRINTLN "faults"
        mov rax, cr0
        or eax, 0x8                 ; TS
        mov cr0, rax
        EXPECT_EXC .f1, .r1
.f1:    paddb mm0, mm1
.r1:    EXPECT_EXC .f2, .r2
.f2:    movd eax, mm0
.r2:    clts
        mov rax, cr0
        or eax, 0x4                 ; EM
        mov cr0, rax
        EXPECT_EXC .f3, .r3
.f3:    paddb mm0, mm1
.r3:    EXPECT_EXC .f4, .r4
.f4:    pshufw mm0, mm1, 0
.r4:    mov rax, cr0
        and eax, ~0x4
        mov cr0, rax
        mov rax, 0x8000000000000000
        EXPECT_EXC .f5, .r5
.f5:    movq mm0, [rax]             ; non-canonical: #GP
.r5:    emms
        EXIT_OK

        align 8
va:     dq 0x7FFF8000FF017F80
vb:     dq 0x80017FFF01FF8081
vmask:  dq 0x80FF007F00800001
c4:     dq 4
c16:    dq 16
c32:    dq 32
c64:    dq 64
cbig:   dq 0x100000002
vi:     dd -7, 123456789
vbig:   dd 0x7FFFFFFF, -3
mx_near: dd 0x1F80
        align 16
vones:  dd 1.0, 2.0, 3.0, 4.0
vps:    dd 1.5, -2.5, 0.0, 0.0
vpd:    dq 2.5, -1.75
vpsbad: dd 0x7FC00000, 3.0e9
        align 16
vpdbad: dq -5.0e9, 0x7FF8000000000000
%include "end.inc"
