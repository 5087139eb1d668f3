; sse_x87.asm - SSE/SSE2 and x87 basics: #UD with CR4.OSFXSR=0, #NM with CR0.TS / CR0.EM, SSE2
; integer arithmetic/logic/compare/shuffle/shift, scalar and packed float arithmetic with exact
; results, conversions under each MXCSR rounding mode, COMISD flags, MXCSR exception flags,
; x87 FNINIT state, loads/stores/arithmetic in 80-bit precision, FCOM condition codes, and
; FXSAVE/FXRSTOR of x87 and SSE state.
%include "rom.inc"

VBUF   equ SCRATCH                  ; 16-byte aligned result buffer
FXAREA equ SCRATCH + 0x400          ; 512-byte FXSAVE area (16-byte aligned)

%macro PX 2                         ; label, xmm register: print high:low qwords
        movdqu [VBUF], %2
        PRINT %1, " "
        H64 qword [VBUF + 8]
        PUTC ':'
        H64 qword [VBUF]
        NL
%endmacro

%macro LOADX 2                      ; xmm, label of 16 bytes in ROM
        movdqu %1, [rel %2]
%endmacro

main:
        REAL_TO_PROT32
        PRINTLN "protected mode, before enabling SSE"
        mov eax, cr0
        and eax, ~0x4               ; EM=0
        or eax, 0x2                 ; MP=1
        mov cr0, eax
        EXPECT_EXC .f1, .r1
.f1:    addps xmm0, xmm1            ; CR4.OSFXSR=0: #UD
.r1:    mov eax, cr4
        or eax, 0x600               ; OSFXSR, OSXMMEXCPT
        mov cr4, eax
        mov eax, cr0
        or eax, 0x8                 ; TS
        mov cr0, eax
        EXPECT_EXC .f2, .r2
.f2:    addps xmm0, xmm1            ; TS=1: #NM
.r2:    EXPECT_EXC .f3, .r3
.f3:    fld1                        ; TS=1, MP=1: #NM
.r3:    clts
        mov eax, cr0
        or eax, 0x4                 ; EM=1
        mov cr0, eax
        EXPECT_EXC .f4, .r4
.f4:    fld1                        ; EM=1: #NM
.r4:    EXPECT_EXC .f5, .r5
.f5:    addps xmm0, xmm1            ; EM=1: #UD
.r5:    mov eax, cr0
        and eax, ~0x4
        mov cr0, eax
        PRINTLN "x87"
        fninit
        fnstcw [VBUF]
        fnstsw [VBUF + 2]
        PRINT "after fninit: fcw="
        H16 word [VBUF]
        PRINT " fsw="
        H16 word [VBUF + 2]
        NL
        fld1
        fld1
        faddp                       ; 2
        fld dword [A(f_three)]      ; 3, 2
        fdivp                       ; st1 / st0 = 2/3
        fstp tword [VBUF]
        PRINT "2/3 as 80-bit: "
        H16 word [VBUF + 8]
        PUTC ':'
        H32 dword [VBUF + 4]
        H32 dword [VBUF]
        NL
        fld qword [A(d_two)]
        fsqrt
        fstp qword [VBUF]
        PRINT "sqrt(2) as double: "
        H32 dword [VBUF + 4]
        H32 dword [VBUF]
        NL
        fild dword [A(i_minus7)]
        fld dword [A(f_three)]
        fmulp                       ; -21
        fistp dword [VBUF]
        PRINT "-7*3 -> fistp: "
        H32 dword [VBUF]
        NL
        fld dword [A(f_three)]
        fld1
        fcom st1                    ; 1 < 3: C0=1
        fnstsw ax
        and ax, 0x4500
        PRINT "fcom 1,3: c3c2c0="
        H16 ax
        fxch
        fcom st1                    ; 3 > 1
        fnstsw ax
        and ax, 0x4500
        PRINT " fcom 3,1: "
        H16 ax
        fcom st0                    ; equal: C3=1
        fnstsw ax
        and ax, 0x4500
        PRINT " fcom 3,3: "
        H16 ax
        fcompp
        fnstsw ax
        shr ax, 11
        and ax, 7
        PRINT " top after pops="
        H8 al
        NL
        fnclex
        fld1
        fldz
        fdivp                       ; 1/0: ZE (masked) -> +inf
        fnstsw ax
        fstp qword [VBUF]
        and ax, 0x3F
        PRINT "1/0: fsw exceptions="
        H8 al
        PRINT " result="
        H32 dword [VBUF + 4]
        H32 dword [VBUF]
        NL
        fnclex

        PROT32_TO_LONG
        PRINTLN "SSE2 integer (long mode)"
        stmxcsr [VBUF]
        PRINT "mxcsr at start="
        H32 dword [VBUF]
        NL
        LOADX xmm0, v_a
        LOADX xmm1, v_b
        PX "a        ", xmm0
        PX "b        ", xmm1
        movdqa xmm2, xmm0
        paddd xmm2, xmm1
        PX "paddd    ", xmm2
        movdqa xmm2, xmm0
        psubw xmm2, xmm1
        PX "psubw    ", xmm2
        movdqa xmm2, xmm0
        paddusb xmm2, xmm1
        PX "paddusb  ", xmm2
        movdqa xmm2, xmm0
        pmullw xmm2, xmm1
        PX "pmullw   ", xmm2
        movdqa xmm2, xmm0
        pxor xmm2, xmm1
        PX "pxor     ", xmm2
        movdqa xmm2, xmm0
        pand xmm2, xmm1
        PX "pand     ", xmm2
        movdqa xmm2, xmm0
        pcmpeqb xmm2, xmm1
        PX "pcmpeqb  ", xmm2
        pmovmskb eax, xmm2
        PRINT "pmovmskb "
        H32 eax
        NL
        pshufd xmm2, xmm0, 0x1B
        PX "pshufd1b ", xmm2
        movdqa xmm2, xmm0
        punpcklbw xmm2, xmm1
        PX "punpcklbw", xmm2
        movdqa xmm2, xmm0
        psllq xmm2, 4
        PX "psllq 4  ", xmm2
        movdqa xmm2, xmm0
        psrldq xmm2, 3
        PX "psrldq 3 ", xmm2
        movdqa xmm2, xmm0
        psraw xmm2, 15
        PX "psraw 15 ", xmm2
        movq rax, xmm1
        PRINT "movq rax "
        H64 rax
        NL
        PRINTLN "SSE float"
        LOADX xmm0, v_f1
        LOADX xmm1, v_f2
        movaps xmm2, xmm0
        addps xmm2, xmm1
        PX "addps    ", xmm2
        movaps xmm2, xmm0
        mulps xmm2, xmm1
        PX "mulps    ", xmm2
        movaps xmm2, xmm0
        divps xmm2, xmm1
        PX "divps    ", xmm2
        movaps xmm2, xmm0
        minps xmm2, xmm1
        PX "minps    ", xmm2
        movaps xmm2, xmm0
        maxps xmm2, xmm1
        PX "maxps    ", xmm2
        movsd xmm3, [rel d_two]
        sqrtsd xmm3, xmm3
        PX "sqrtsd 2 ", xmm3
        mov eax, -5
        cvtsi2sd xmm4, eax
        PX "cvtsi2sd ", xmm4
        movsd xmm5, [rel d_m27]
        cvttsd2si eax, xmm5
        PRINT "cvttsd2si -2.7 -> "
        H32 eax
        NL
        ; rounding modes: 2.5 and -2.5 under nearest, down, up, toward zero
        mov ecx, 0
.rc:    mov eax, ecx
        shl eax, 13
        or eax, 0x1F80
        mov [VBUF], eax
        ldmxcsr [VBUF]
        movsd xmm5, [rel d_25]
        cvtsd2si eax, xmm5
        movsd xmm5, [rel d_m25]
        cvtsd2si edx, xmm5
        PRINT "rc="
        H8 cl
        PRINT " cvtsd2si 2.5 -> "
        H32 eax
        PRINT " -2.5 -> "
        H32 edx
        NL
        inc ecx
        cmp ecx, 4
        jb .rc
        mov dword [VBUF], 0x1F80
        ldmxcsr [VBUF]
        movsd xmm0, [rel d_two]
        movsd xmm1, [rel d_m27]
        comisd xmm0, xmm1
        pushfq
        pop rax
        and eax, FL_ARITH
        PRINT "comisd 2,-2.7 f="
        H16 ax
        comisd xmm1, xmm0
        pushfq
        pop rax
        and eax, FL_ARITH
        PRINT " comisd -2.7,2 f="
        H16 ax
        comisd xmm0, xmm0
        pushfq
        pop rax
        and eax, FL_ARITH
        PRINT " equal f="
        H16 ax
        movsd xmm1, [rel d_nan]
        ucomisd xmm0, xmm1
        pushfq
        pop rax
        and eax, FL_ARITH
        PRINT " nan f="
        H16 ax
        NL
        movsd xmm0, [rel d_two]
        xorpd xmm1, xmm1
        divsd xmm0, xmm1            ; masked divide by zero
        stmxcsr [VBUF + 0x20]
        PX "2/0      ", xmm0
        PRINT "mxcsr after 2/0="
        H32 dword [VBUF + 0x20]
        NL
        ; (an unmasked SIMD exception must raise #XM: QEMU 7.2 does not; see sdm_only.asm)
        PRINTLN "fxsave/fxrstor"
        fninit
        mov word [VBUF], 0x027F     ; precision control 53 bits
        fldcw [VBUF]
        mov dword [VBUF], 0x1F80 | 0x6000 ; round toward zero
        ldmxcsr [VBUF]
        LOADX xmm7, v_a
        fxsave [FXAREA]
        fninit
        pxor xmm7, xmm7
        mov dword [VBUF], 0x1F80
        ldmxcsr [VBUF]
        fxrstor [FXAREA]
        fnstcw [VBUF]
        stmxcsr [VBUF + 4]
        PRINT "restored fcw="
        H16 word [VBUF]
        PRINT " mxcsr="
        H32 dword [VBUF + 4]
        PRINT " image fcw="
        H16 word [FXAREA]
        PRINT " image mxcsr="
        H32 dword [FXAREA + 24]
        NL
        PX "xmm7     ", xmm7
        EXIT_OK

        align 16
v_a:    dq 0x8070605004030201, 0xFFFE00017FFF8000
v_b:    dq 0x0102030404030201, 0x0001000200030004
v_f1:   dd 1.5, -2.0, 10.0, 0.25
v_f2:   dd 2.0, 4.0, -2.5, 0.25
d_two:  dq 2.0
d_m27:  dq -2.7
d_25:   dq 2.5
d_m25:  dq -2.5
d_nan:  dq 0x7FF8000000000000
f_three: dd 3.0
i_minus7: dd -7

%include "end.inc"
