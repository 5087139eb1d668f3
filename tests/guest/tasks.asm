; tasks.asm - hardware task switches through task gates (32-bit protected mode): INT n through
; an IDT task gate (NT and the back link in the new task, busy bits, IRET back), an exception
; with an error code through a task gate (the error code on the new task's stack, the faulting
; EIP saved in the old TSS), CALL through a GDT task gate, #TS(SS0) from a CPL3 INT delivered
; through a task gate; a 16-bit TSS (CALL, 16-bit state, IRET back); CR3 loaded from the TSS
; with paging on (and not saved); far-transfer faults (#NP/#GP/#TS with selector error codes).
%include "rom.inc"
%include "user.inc"

SEL_TSSC   equ SEL_FREE + 0x00      ; TSS of task C
SEL_TGATE  equ SEL_FREE + 0x08      ; GDT task gate -> SEL_TSSC
TSSC       equ TSS_AREA + 0x100
VTASK      equ 0x50
SEL_NPC    equ SEL_FREE + 0x10      ; not-present code segment

%macro TSS_BUSY 1                   ; print the busy bit of a TSS descriptor
        mov al, [GDT_BASE + (%1) + 5]
        shr al, 1
        and al, 1
        add al, '0'
        PUTC al
%endmacro

%macro TASK_GATE_IDT 2              ; vector, TSS selector
        mov dword [IDT32_BASE + (%1) * 8], (%2) << 16
        mov dword [IDT32_BASE + (%1) * 8 + 4], 0x8500
%endmacro

main:
        REAL_TO_PROT32
        USER_SETUP32
        SET_DESC SEL_TGATE, 0, 0, 0x85, 0x0     ; overwritten below
        mov dword [GDT_BASE + SEL_TGATE], SEL_TSSC << 16
        mov dword [GDT_BASE + SEL_TGATE + 4], 0x8500

        PRINTLN "int through a task gate"
        mov eax, A(task_int)
        call init_tssc
        TASK_GATE_IDT VTASK, SEL_TSSC
        mov eax, 0xA0A0
        int VTASK
        call show_back

        PRINTLN "#GP through a task gate"
        mov eax, A(task_gp)
        call init_tssc
        TASK_GATE_IDT 13, SEL_TSSC
        mov eax, 0x800
.f:     mov ds, ax                  ; beyond the GDT limit: #GP(0x800) -> task C
        mov ax, SEL_DATA32
        mov ds, ax
        mov eax, 0x1234
        PRINTLN "back in task A after the fault"
        call show_back

        PRINTLN "call through a GDT task gate"
        mov eax, A(task_int)
        call init_tssc
        mov eax, 0xA1A1
        call SEL_TGATE:0
        call show_back

        PRINTLN "#TS through a task gate: int from CPL3 with SS0 beyond the GDT limit"
        mov eax, A(task_ts)
        call init_tssc
        TASK_GATE_IDT 10, SEL_TSSC
        mov eax, VPRIV
        mov edx, A(priv_handler)
        mov ecx, 0xEE00             ; DPL3 interrupt gate to CPL0 code: needs SS0
        call set_gate32
        mov dword [TSS32_BASE + 8], 0x800
        ENTER_USER32 user_int
        PRINT "back in the kernel: ss0="
        H16 word [TSS32_BASE + 8]
        PRINT " handler ran="
        H8 byte [scratch_vars + 8]
        NL

        PRINTLN "call to a 16-bit TSS (type 1), IRET back"
        call task16_test

        PRINTLN "task switch with paging: CR3 from the TSS"
        call task_cr3_test

        PRINTLN "far transfer faults: jmp to a not-present code segment (#NP), to data (#GP),"
        PRINTLN "call to the busy current TSS (#GP), mov ss with RPL != CPL (#GP), iret with NT"
        PRINTLN "to a TSS that is not busy (#TS)"
        mov eax, 10                 ; #TS and #GP back to the library handlers
        mov edx, A(exc_stubs32) + 10 * 16
        mov ecx, 0x8E00
        call set_gate32
        mov eax, 13
        mov edx, A(exc_stubs32) + 13 * 16
        call set_gate32
        SET_DESC SEL_NPC, 0, 0xFFFFF, 0x1B, 0xC  ; not-present code
        SET_DESC SEL_TSSC, TSSC, 0x67, 0x89, 0x0 ; available, not busy
        EXPECT_EXC .f1, .r1
.f1:    jmp SEL_NPC:0
.r1:    EXPECT_EXC .f2, .r2
.f2:    jmp SEL_DATA32:0
.r2:    EXPECT_EXC .f3, .r3
.f3:    call SEL_TSS32:0
.r3:    mov ax, SEL_DATA32 | 1
        EXPECT_EXC .f4, .r4
.f4:    mov ss, ax
.r4:    mov word [TSS32_BASE], SEL_TSSC
        pushfd
        or dword [esp], 0x4000
        popfd
        EXPECT_EXC .f5, .r5
.f5:    iretd
.r5:    pushfd
        and dword [esp], ~0x4000
        popfd
        EXIT_OK

; a 16-bit TSS: 44 bytes (link, SP0/SS0.., IP, FLAGS, AX CX DX BX SP BP SI DI, ES CS SS DS, LDT)
SEL_TSS16 equ SEL_FREE + 0x18
TSS16     equ TSS_AREA + 0x300
task16_test:
        mov edi, TSS16
        mov ecx, 0x2C / 2
        xor eax, eax
        rep stosw
        mov word [TSS16 + 0x0E], task16 ; IP (offset in the F000 code segment)
        mov word [TSS16 + 0x10], 0x2    ; FLAGS
        mov word [TSS16 + 0x12], 0x1616 ; AX
        mov word [TSS16 + 0x1A], 0x6000 ; SP
        mov word [TSS16 + 0x22], SEL_DATA16
        mov word [TSS16 + 0x24], SEL_CODE16
        mov word [TSS16 + 0x26], SEL_DATA16
        mov word [TSS16 + 0x28], SEL_DATA16
        SET_DESC SEL_TSS16, TSS16, 0x2B, 0x81, 0x0
        mov eax, 0xA2A2
        call SEL_TSS16:0
        mov [scratch_vars], eax
        PRINT "  back in task A: eax="
        H32 dword [scratch_vars]
        PRINT " busy A="
        TSS_BUSY SEL_TSS32
        PRINT " 16-bit TSS type="
        mov al, [GDT_BASE + SEL_TSS16 + 5]
        and al, 0x0F
        H8 al
        PRINT " its saved ax="
        H16 word [TSS16 + 0x12]
        PRINT " ip ok="
        cmp word [TSS16 + 0x0E], task16.after
        sete al
        H8 al
        NL
        ret

        bits 16
task16:
        mov [scratch_vars + 0x20], ax
        mov bp, sp
        pushf
        pop bx
        and bx, 0x4000
        str cx
        PRINT "  in the 16-bit task: ax="
        H16 word [scratch_vars + 0x20]
        PRINT " sp="
        H16 bp
        PRINT " NT="
        H16 bx
        PRINT " tr="
        H16 cx
        PRINT " link="
        H16 word [TSS16]
        PRINT " type="
        mov al, [GDT_BASE + SEL_TSS16 + 5]
        and al, 0x0F
        H8 al
        NL
        mov ax, 0x6161
        iret                        ; NT=1: back to task A through the link
.after:
        jmp task16
        bits 32

; 32-bit paging; task C's page directory maps linear 0x9000 to physical 0xA000
PD_A equ FREE_RAM
PT_A equ FREE_RAM + 0x1000
PD_C equ FREE_RAM + 0x2000
PT_C equ FREE_RAM + 0x3000
task_cr3_test:
        mov edi, PT_A
        mov eax, 7
        mov ecx, 1024
.pte:   stosd
        add eax, 0x1000
        loop .pte
        mov esi, PT_A
        mov edi, PT_C
        mov ecx, 1024
        rep movsd
        mov dword [PT_C + 9 * 4], 0xA000 | 7
        mov edi, PD_A
        xor eax, eax
        mov ecx, 1024
        rep stosd
        mov dword [PD_A], PT_A | 7
        mov edi, PD_C
        xor eax, eax
        mov ecx, 1024
        rep stosd
        mov dword [PD_C], PT_C | 7
        mov dword [0x9000], 0xAAAA
        mov dword [0xA000], 0xCCCC
        mov eax, A(task_cr3)
        call init_tssc
        mov dword [TSSC + 0x1C], PD_C
        mov dword [TSS32_BASE + 0x1C], PD_A     ; not saved by a task switch: the OS sets it
        mov eax, PD_A
        mov cr3, eax
        mov eax, cr0
        or eax, 0x80000000
        mov cr0, eax
        call SEL_TSSC:0
        mov ebx, [0x9000]
        mov ecx, cr3
        mov eax, cr0
        and eax, 0x7FFFFFFF
        mov cr0, eax
        PRINT "  task C read [9000]="
        H32 dword [scratch_vars + 0x10]
        PRINT " with cr3="
        H32 dword [scratch_vars + 0x14]
        PRINT "; back in A: [9000]="
        H32 ebx
        PRINT " cr3="
        H32 ecx
        NL
        ret

task_cr3:
        mov eax, [0x9000]
        mov [scratch_vars + 0x10], eax
        mov eax, cr3
        mov [scratch_vars + 0x14], eax
        iretd

VPRIV equ 0x51
user_int:
.f:     int VPRIV                   ; #TS(0x800) -> task C, which fixes SS0
        USER_RETURN

priv_handler:
        mov byte [scratch_vars + 8], 1
        iretd

task_ts:
        call task_status
        pop eax
        PRINT " err="
        H32 eax
        mov eax, [TSS32_BASE + 0x20]
        cmp eax, A(user_int.f)
        sete al
        add al, '0'
        PRINT " A's saved eip=int:"
        PUTC al
        mov ax, [TSS32_BASE + 0x4C]
        PRINT " A's saved cs="
        H16 ax
        NL
        mov dword [TSS32_BASE + 8], SEL_DATA32  ; retry the INT with a good SS0
        iretd

; eax = entry point of task C
init_tssc:
        push eax
        mov edi, TSSC
        mov ecx, 0x68 / 4
        xor eax, eax
        rep stosd
        pop eax
        mov [TSSC + 0x20], eax                  ; EIP
        mov dword [TSSC + 0x24], 0x2            ; EFLAGS
        mov dword [TSSC + 0x28], 0xC000         ; EAX
        mov dword [TSSC + 0x38], 0x60000        ; ESP
        mov dword [TSSC + 0x48], SEL_DATA32     ; ES
        mov dword [TSSC + 0x4C], SEL_CODE32     ; CS
        mov dword [TSSC + 0x50], SEL_DATA32     ; SS
        mov dword [TSSC + 0x54], SEL_DATA32     ; DS
        mov dword [TSSC + 0x58], SEL_DATA32     ; FS
        mov dword [TSSC + 0x5C], SEL_DATA32     ; GS
        mov word [TSSC + 0x66], 0x68
        SET_DESC SEL_TSSC, TSSC, 0x67, 0x89, 0x0
        ret

show_back:
        mov [scratch_vars], eax
        pushfd
        pop eax
        and eax, 0x4000
        PRINT "  back in task A: eax="
        H32 dword [scratch_vars]
        PRINT " NT="
        H32 eax
        PRINT " busy A="
        TSS_BUSY SEL_TSS32
        PRINT " C="
        TSS_BUSY SEL_TSSC
        str ax
        PRINT " tr="
        H16 ax
        NL
        ret

task_status:                        ; print NT, back link, busy bits, TR, ESP of task C
        pushfd
        pop eax
        and eax, 0x4000
        PRINT "  in task C: NT="
        H32 eax
        PRINT " link="
        H16 word [TSSC]
        PRINT " busy A="
        TSS_BUSY SEL_TSS32
        PRINT " C="
        TSS_BUSY SEL_TSSC
        str ax
        PRINT " tr="
        H16 ax
        mov eax, esp
        PRINT " esp="
        H32 eax
        ret

task_int:
        mov [scratch_vars + 4], eax
        call task_status
        PRINT " eax="
        H32 dword [scratch_vars + 4]
        PRINT " A's saved eax="
        H32 dword [TSS32_BASE + 0x28]
        NL
        mov eax, 0xC0C0
        iretd                       ; NT=1: back to task A

task_gp:
        call task_status
        pop eax                     ; the error code, pushed on task C's stack
        PRINT " err="
        H32 eax
        mov eax, [TSS32_BASE + 0x20]
        cmp eax, A(main.f)
        sete al
        add al, '0'
        PRINT " A's saved eip=fault:"
        PUTC al
        NL
        add dword [TSS32_BASE + 0x20], 2        ; skip the 2-byte mov ds, ax
        mov eax, 0xC1C1
        iretd

%include "end.inc"
