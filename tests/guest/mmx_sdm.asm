; mmx_sdm.asm - MMX behaviour from the Intel SDM where QEMU TCG 7.2 differs, so the expected
; output is written from the manual (not cross-checked with QEMU):
;  - a write to MMn sets bits 79:64 of the x87 register to all ones (SDM vol. 1 9.5.1);
;  - EMMS, CVTPI2PS xmm,mm and CVTPS2PI raise #NM with CR0.TS and #UD with CR0.EM, and
;    CVTPD2PI's m128 must be aligned (#GP); QEMU executes them;
;  - an MMX instruction that faults does not enter MMX state (TOP and the tags unchanged;
;    QEMU switches before the fault);
;  - CVTPI2PS xmm,m64 is a plain SSE instruction: no MMX transition and no #MF;
;  - with CR4.OSFXSR=0 the SSE/SSE2 additions on MM registers are #UD, except PSHUFW and
;    MOVNTQ (SDM vol. 3 13.1.4); plain MMX runs;
;  - a pending unmasked x87 exception raises #MF at the next MMX instruction (CR0.NE=1),
;    EMMS included; QEMU never does;
;  - XSAVE/XRSTOR raise #NM with CR0.TS, and XRSTOR #GP for reserved MXCSR bits when it loads
;    MXCSR (RFBM[1]=1), not otherwise (QEMU raises neither).
%include "rom.inc"
        cpu all

VBUF   equ SCRATCH
FXAREA equ SCRATCH + 0x400          ; 64-byte aligned (FXSAVE and XSAVE)

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

        PRINTLN "exponent bits of MM registers"
        fninit
        movq mm1, [rel va]
        fxsave [FXAREA]
        PRINT "R1 after movq mm1: "
        H16 word [FXAREA + 32 + 16 + 8]
        PUTC ':'
        H64 qword [FXAREA + 32 + 16]
        NL
        fninit
        fldpi                       ; R7 = pi (exponent 4000)
        movd eax, mm7               ; a read leaves the exponent
        fxsave [FXAREA]
        PRINT "R7 after movd eax,mm7: "
        H16 word [FXAREA + 32 + 16 * 7 + 8]
        NL
        paddb mm7, mm7              ; a write sets it
        fxsave [FXAREA]
        PRINT "R7 after paddb mm7: "
        H16 word [FXAREA + 32 + 16 * 7 + 8]
        NL
        fninit
        fld1
        emms                        ; TOP unchanged, all empty
        FPSTATE "emms after fld1"

        PRINTLN "faults leave the x87 state"
        fninit
        fld1                        ; TOP=7, R7 valid
        mov rax, cr0
        or eax, 0x8                 ; TS
        mov cr0, rax
        EXPECT_EXC .f1, .r1
.f1:    paddb mm0, mm1
.r1:    EXPECT_EXC .f2, .r2
.f2:    emms
.r2:    EXPECT_EXC .f3, .r3
.f3:    cvtpi2ps xmm0, mm0
.r3:    EXPECT_EXC .f4, .r4
.f4:    cvttps2pi mm0, xmm0
.r4:    clts
        FPSTATE "after #NM"
        mov rax, cr0
        or eax, 0x4                 ; EM
        mov cr0, rax
        EXPECT_EXC .f5, .r5
.f5:    emms
.r5:    EXPECT_EXC .f6, .r6
.f6:    cvtpi2pd xmm0, mm0
.r6:    EXPECT_EXC .f7, .r7
.f7:    cvtpd2pi mm0, xmm0
.r7:    EXPECT_EXC .f8, .r8
.f8:    pavgb mm0, mm1
.r8:    mov rax, cr0
        and eax, ~0x4
        mov cr0, rax
        FPSTATE "after #UD"
        EXPECT_EXC .f9, .r9
.f9:    cvtpd2pi mm0, [VBUF + 8]    ; m128 not aligned
.r9:    FPSTATE "after #GP"
        mov rax, 0x8000000000000000
        EXPECT_EXC .f10, .r10
.f10:   movq mm0, [rax]             ; non-canonical
.r10:   FPSTATE "after #GP (memory)"
        cvtpi2ps xmm0, [rel va]
        FPSTATE "after cvtpi2ps xmm,m64"
        cvtpi2ps xmm0, mm1
        FPSTATE "after cvtpi2ps xmm,mm"

        PRINTLN "CR4.OSFXSR=0"
        mov rax, cr4
        and eax, ~0x200
        mov cr4, rax
        paddb mm0, mm1
        pshufw mm0, mm1, 0x1B
        movntq [VBUF], mm0
        PRINTLN "paddb, pshufw, movntq: ok"
        EXPECT_EXC .o1, .p1
.o1:    pavgb mm0, mm1
.p1:    EXPECT_EXC .o2, .p2
.o2:    paddq mm0, mm1
.p2:    EXPECT_EXC .o3, .p3
.o3:    pmovmskb eax, mm1
.p3:    EXPECT_EXC .o4, .p4
.o4:    maskmovq mm0, mm1
.p4:    mov rax, cr4
        or eax, 0x200
        mov cr4, rax
        emms

        PRINTLN "#MF"
        fninit
        fldcw [rel cw_zm]           ; zero-divide unmasked
        fld1
        fldz
        fdivp st1, st0              ; ZE pending (FSW.ES)
        EXPECT_EXC .f11, .r11
.f11:   paddb mm0, mm1
.r11:   EXPECT_EXC .f12, .r12
.f12:   emms
.r12:   EXPECT_EXC .f13, .r13
.f13:   cvtps2pi mm0, xmm0
.r13:   cvtpi2ps xmm0, [rel va]     ; SSE form: no #MF
        PRINTLN "cvtpi2ps xmm,m64: no #MF"
        fnclex
        paddb mm0, mm1
        emms
        PRINTLN "after fnclex: no #MF"

        PRINTLN "xsave"
        mov rax, cr4
        or eax, 1 << 18             ; OSXSAVE
        mov cr4, rax
        xor ecx, ecx
        mov eax, 3
        xor edx, edx
        xsetbv
        mov rdi, FXAREA
        mov ecx, 1024
        xor eax, eax
        rep stosb
        mov eax, 3
        xsave [FXAREA]
        mov rax, cr0
        or eax, 8                   ; TS
        mov cr0, rax
        mov eax, 3
        EXPECT_EXC .f14, .r14
.f14:   xsave [FXAREA]
.r14:   EXPECT_EXC .f15, .r15
.f15:   xrstor [FXAREA]
.r15:   EXPECT_EXC .f16, .r16
.f16:   xsaveopt [FXAREA]
.r16:   clts
        mov dword [FXAREA + 24], 0x11F80 ; reserved MXCSR bit
        mov eax, 3
        EXPECT_EXC .f17, .r17
.f17:   xrstor [FXAREA]
.r17:   mov eax, 1                  ; x87 only: MXCSR not loaded
        xrstor [FXAREA]
        PRINTLN "xrstor rfbm=1 with a bad MXCSR image: ok"
        EXIT_OK

        align 8
va:     dq 0x7FFF8000FF017F80
cw_zm:  dw 0x037B
%include "end.inc"
