; x87_ext.asm - the rest of the x87 set: FBLD/FBSTP (rounding, -0, out of range, NaN, real
; and protected mode), FFREEP and the register-form aliases, FCMOVcc, FCOMI/FUCOMI(P), FIST/
; FISTP of every size with overflow, FIADD..FIDIVR m16/m32, FNSTENV/FNSAVE/FRSTOR headers
; (protected mode, 32- and 16-bit operand size), and the transcendentals where the result is
; exact (QEMU computes the inexact ones through host doubles: those are checked by the unit
; test tests/unit/test-x87.c against mpmath): FSIN/FCOS/FPTAN/FSINCOS of 0 and their C2
; out-of-range case, F2XM1(+-1), FYL2X(8, 3), FYL2XP1(0, 3), FPATAN(0, 1).
%include "rom.inc"

VBUF   equ SCRATCH                  ; result buffer
ENV    equ SCRATCH + 0x100          ; FNSTENV / FNSAVE area

%macro PST 1                        ; pop ST0, print it as sign/exponent:significand
        fstp tword [VBUF]
        PRINT %1, " "
        H16 word [VBUF + 8]
        PUTC ':'
        H32 dword [VBUF + 4]
        H32 dword [VBUF]
        NL
%endmacro

%macro PSW 1                        ; print FSW (TOP, C bits, exceptions), then clear exceptions
        fnstsw ax
        PRINT %1, " sw="
        H16 ax
        NL
        fnclex
%endmacro

%macro PBCD 1                       ; print the 10 bytes at VBUF as BCD
        PRINT %1, " "
        H16 word [VBUF + 8]
        PUTC ':'
        H32 dword [VBUF + 4]
        H32 dword [VBUF]
        NL
%endmacro

%macro CM 2                         ; fcmovcc st0(=0), st1(=1), result to VBUF + %2
        fninit
        fld1
        fldz
        %1 st0, st1
        fistp dword [VBUF + %2]
%endmacro

main:
        xor ax, ax
        mov ds, ax
        PRINTLN "real mode"
        fninit
        fbld [cs:bcd_a]
        fld st0
        fbstp [VBUF]
        PBCD "fbld/fbstp"
        fistp qword [VBUF]
        PRINT "as int64 "
        H32 dword [VBUF + 4]
        H32 dword [VBUF]
        NL
        fnstenv [ENV]
        PRINT "fnstenv16 cw="
        H16 word [ENV]
        PRINT " sw="
        H16 word [ENV + 2]
        PRINT " tw="
        H16 word [ENV + 4]
        NL

        REAL_TO_PROT32
        PRINTLN "packed BCD"
        fninit
        fbld [A(bcd_b)]                 ; -999999999999999999
        fbstp [VBUF]
        PBCD "max negative"
        fbld [A(bcd_z)]                 ; -0
        fxam
        PSW "fbld -0 fxam"
        fbstp [VBUF]
        PBCD "-0"
        fld1                            ; clear C1 (QEMU leaves C1 alone in FBSTP, the SDM
        fxam                            ; clears it when not rounded up)
        fstp st0
        fld qword [A(d_25)]
        fbstp [VBUF]
        PBCD "2.5 nearest"
        PSW "2.5"
        fld qword [A(d_m25)]
        fldcw [A(cw_up)]
        fbstp [VBUF]
        PBCD "-2.5 up"
        PSW "-2.5 up"
        fld qword [A(d_m025)]
        fldcw [A(cw_near)]
        fbstp [VBUF]
        PBCD "-0.25"
        fild qword [A(q_1e18)]
        fbstp [VBUF]
        PBCD "1e18"
        PSW "1e18"
        fld qword [A(d_nan)]
        fbstp [VBUF]
        PBCD "nan"
        PSW "nan"
        ; an unmasked IE stores nothing and does not pop (SDM); QEMU stores and pops, so
        ; that case is in the unit test only
        fninit

        PRINTLN "ffreep and aliases"
        fld1
        fldz
        ffreep st0
        PSW "ffreep"
        PST "st0"
        fld1
        fldz
        db 0xd9, 0xd9                   ; fstp1 st1
        PSW "fstp1"
        PST "st0"
        fld1
        fldz
        db 0xdf, 0xd1                   ; fstp8 st1
        db 0xdf, 0xd8                   ; fstp9 st0
        PSW "fstp8/9"
        fld1
        fldz
        db 0xdd, 0xc9                   ; fxch4 st1
        PST "fxch4"
        fld1
        db 0xdf, 0xc9                   ; fxch7 st1
        PST "fxch7"
        fld1
        fldz
        db 0xdc, 0xd1                   ; fcom2 st1
        PSW "fcom2"
        db 0xdc, 0xd9                   ; fcomp3 st1
        PSW "fcomp3"
        fldz
        db 0xde, 0xd1                   ; fcomp5 st1
        PSW "fcomp5"
        fninit

        PRINTLN "fcmov"
        mov esi, 0
.cmov:
        mov eax, [A(cm_flags) + esi * 4]
        push eax
        popfd
        CM fcmovb, 0
        CM fcmove, 4
        CM fcmovbe, 8
        CM fcmovu, 12
        CM fcmovnb, 16
        CM fcmovne, 20
        CM fcmovnbe, 24
        CM fcmovnu, 28
        PRINT "flags "
        H32 dword [A(cm_flags) + esi * 4]
        PRINT " b/e/be/u/nb/ne/nbe/nu="
        mov edi, 0
.cm2:   H8 byte [VBUF + edi * 4]
        inc edi
        cmp edi, 8
        jne .cm2
        NL
        inc esi
        cmp esi, 4
        jne .cmov

        PRINTLN "fcomi"
        fninit
        fld qword [A(d_25)]
        fld1
        fcomi st0, st1
        pushfd
        pop eax
        and eax, 0x45
        PRINT "1 vs 2.5 "
        H8 al
        NL
        fucomip st0, st1
        pushfd
        pop eax
        and eax, 0x45
        PRINT "fucomip "
        H8 al
        NL
        fld qword [A(d_nan)]
        fucomi st0, st1
        pushfd
        pop eax
        and eax, 0x45
        PRINT "qnan fucomi "
        H8 al
        NL
        PSW "qnan fucomi"
        fcomip st0, st1
        pushfd
        pop eax
        and eax, 0x45
        PRINT "qnan fcomip "
        H8 al
        NL
        PSW "qnan fcomip"

        PRINTLN "fist"
        fninit
        fld qword [A(d_m27)]
        fist word [VBUF]
        fist dword [VBUF + 2]
        fistp qword [VBUF + 6]
        PRINT "-2.7 m16/m32/m64 "
        H16 word [VBUF]
        PUTC ' '
        H32 dword [VBUF + 2]
        PUTC ' '
        H32 dword [VBUF + 10]
        H32 dword [VBUF + 6]
        NL
        fild dword [A(i_big)]
        fist word [VBUF]
        PSW "70000 to m16"
        fistp word [VBUF + 2]
        PRINT "m16 indefinite "
        H16 word [VBUF]
        PUTC ' '
        H16 word [VBUF + 2]
        NL
        fld qword [A(d_1e19)]
        fistp qword [VBUF]
        PSW "1e19 to m64"
        PRINT "m64 indefinite "
        H32 dword [VBUF + 4]
        H32 dword [VBUF]
        NL

        PRINTLN "integer arithmetic"
        fninit
        fld qword [A(d_25)]
        fiadd word [A(w_m3)]
        fimul dword [A(i_big)]
        fisub word [A(w_m3)]
        fisubr dword [A(i_big)]
        fidiv word [A(w_m3)]
        fidivr dword [A(i_big)]
        PST "chain16/32"
        fld qword [A(d_25)]
        fiadd dword [A(i_big)]
        fimul word [A(w_m3)]
        fisub dword [A(i_big)]
        fisubr word [A(w_m3)]
        fidiv dword [A(i_big)]
        fidivr word [A(w_m3)]
        PST "chain32/16"
        fld qword [A(d_25)]
        ficom word [A(w_m3)]
        PSW "2.5 ficom -3"
        ficomp dword [A(i_big)]
        PSW "2.5 ficomp 70000"

        PRINTLN "environment"
        fninit
        fld1
        fldpi
        fld dword [A(f_three)]
.envi:  fdiv dword [A(f_three)]
        fnstenv [ENV]
        PRINT "env32 cw="
        H16 word [ENV]
        PRINT " sw="
        H16 word [ENV + 4]
        PRINT " tw="
        H16 word [ENV + 8]
        PRINT " ip-ok="
        mov eax, [ENV + 12]
        cmp eax, A(.envi)
        sete al
        H8 al
        PRINT " cs="
        H16 word [ENV + 16]
        PRINT " dp-ok="
        mov eax, [ENV + 20]
        cmp eax, A(f_three)
        sete al
        H8 al
        PRINT " ds="
        H16 word [ENV + 24]
        NL
        fldcw [A(cw_near)]
        o16 fnstenv [ENV]
        PRINT "env16 cw="
        H16 word [ENV]
        PRINT " sw="
        H16 word [ENV + 2]
        PRINT " tw="
        H16 word [ENV + 4]
        PRINT " cs="
        H16 word [ENV + 8]
        PRINT " ds="
        H16 word [ENV + 12]
        NL
        fnsave [ENV]
        fnstsw ax
        PRINT "after fnsave sw="
        H16 ax
        PRINT " image tw="
        H16 word [ENV + 8]
        PRINT " st0="
        H16 word [ENV + 28 + 8]
        PUTC ':'
        H32 dword [ENV + 28 + 4]
        H32 dword [ENV + 28]
        NL
        frstor [ENV]
        PST "restored st0"
        PST "restored st1"
        fninit
        fldpi
        o16 fnsave [ENV]
        PRINT "fnsave16 st0="
        H16 word [ENV + 14 + 8]
        PUTC ':'
        H32 dword [ENV + 14 + 4]
        H32 dword [ENV + 14]
        NL
        fld1
        o16 frstor [ENV]
        PST "o16 frstor st0"
        PSW "after"

        PRINTLN "transcendentals, exact cases"
        fninit
        fldz
        fsin
        PSW "fsin 0"
        PST "fsin 0"
        fldz
        fcos
        PST "fcos 0"
        fldz
        fptan
        PSW "fptan 0"
        PST "fptan st0"
        PST "fptan st1"
        fldz
        fsincos
        PST "fsincos st0"
        PST "fsincos st1"
        fld tword [A(t_2p64)]
        fsin
        PSW "fsin 2^64"
        fcos
        PSW "fcos 2^64"
        fptan
        PSW "fptan 2^64"
        fsincos
        PSW "fsincos 2^64"
        PST "unchanged"
        fld1
        f2xm1
        PST "f2xm1 1"
        fld1
        fchs
        f2xm1
        PST "f2xm1 -1"
        fld dword [A(f_three)]
        fld dword [A(f_eight)]
        fyl2x
        PSW "fyl2x 8,3"
        PST "fyl2x 8,3"
        fld dword [A(f_three)]
        fldz
        fyl2xp1
        PST "fyl2xp1 0,3"
        fldz
        fld1
        fpatan
        PST "fpatan 0,1"
        PSW "end"
        EXIT_OK

bcd_a:  db 0x78, 0x56, 0x34, 0x12, 0x90, 0x78, 0x56, 0x34, 0x12, 0x00
bcd_b:  db 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x80
bcd_z:  db 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80
        align 8
d_25:   dq 2.5
d_m25:  dq -2.5
d_m025: dq -0.25
d_m27:  dq -2.7
d_1e19: dq 1.0e19
d_nan:  dq 0x7FF8000000000000
q_1e18: dq 1000000000000000000
t_2p64: dq 0x8000000000000000         ; 2^64 (QEMU computes 2^63 itself; the SDM range is
        dw 0x403f                       ; |x| < 2^63, checked at 2^63 by the unit test)
i_big:  dd 70000
w_m3:   dw -3
f_three: dd 3.0
f_eight: dd 8.0
cw_up:  dw 0x0b7f
cw_near: dw 0x037f
cm_flags: dd 0x002, 0x003, 0x042, 0x006       ; none, CF, ZF, PF

%include "end.inc"
