; edges.asm - decoder and system-instruction edge cases (issue 3 audit), checked against QEMU:
;   - in real mode, 16-bit protected mode, 32-bit protected mode, virtual-8086 mode, long mode and
;     compatibility mode: LOCK on a register destination -> #UD, the 15-byte limit (16 bytes ->
;     #GP(0), 15 bytes run), DIV by zero -> #DE, UD2 -> #UD; in vm86 with paging also #PF with
;     U/S set in the error code (read and write to a supervisor page) and CR2;
;   - 16-bit protected mode: INT through a 16-bit interrupt gate (16-bit frame, IF cleared, IRET);
;   - string instructions: a segment override changes the source only, ES:DI is fixed (real and
;     64-bit mode); a #PF in the middle of REP MOVSB / STD REP STOSD leaves RCX/RSI/RDI counting
;     the iterations done;
;   - an instruction fetch crossing into a not-present page: #PF, CR2 = the page, RIP at the
;     instruction, the I/D error bit only with EFER.NXE;
;   - precise exceptions in 64-bit mode: a #PF in PUSH, POP m, CALL, far CALL, ENTER, MOVSQ
;     leaves RSP/RBP/RSI/RDI unchanged;
;   - POPF: IOPL and IF at CPL0, IF only at CPL3 with IOPL 3, IOPL kept in vm86; PUSHFD in vm86
;     pushes VM=0;
;   - CPL3: the privileged instructions raise #GP(0) (RDTSC/RDTSCP with CR4.TSD, RDPMC without
;     CR4.PCE), SMSW/SGDT/SIDT/STR/SLDT run (no UMIP); SWAPGS at CPL3 -> #GP(0);
;   - a DPL3 call gate with 2 parameters from CPL3, RETF 8 back: the parameters are copied, both
;     stacks released, DS/ES/FS holding DPL0 data are nulled, GS (DPL3) kept;
;   - 64-bit mode: null SS at CPL0, a gate to a non-64-bit CS -> #GP(sel), IRETQ to CPL3 with a
;     null SS -> #GP(0); LAR/LSL of a 64-bit TSS, a 64-bit call gate and code segments;
;   - SYSRET and SWAPGS in compatibility mode -> #UD;
;   - LAHF/SAHF in 64-bit mode, a 1 GiB page, RDTSCP: each only when CPUID advertises it, so
;     the output is the same on every CPU model (QEMU's default and -cpu max).
%include "rom.inc"
%include "user.inc"

VM_FLAG   equ 0x20000
SEL_CG    equ SEL_FREE + 0x30       ; 32-bit call gate, DPL3, 2 parameters
IOMAP_LEN equ 0x501 / 8 + 2

; LOCK ADD r/m, reg with a register destination: #UD; resumes after it
%macro LOCK_REG_UD 0
        EXPECT_EXC %%f, %%r
%%f:    db 0xF0, 0x01, 0xD8         ; lock add ax/eax/rax, bx/ebx/rbx
%%r:
%endmacro

; 16 bytes (15 ES prefixes + NOP) -> #GP(0); 15 bytes (14 + NOP) run
%macro LEN_LIMIT 0
        EXPECT_EXC %%f, %%r
%%f:    times 15 db 0x26
        nop
%%r:    times 14 db 0x26
        nop
%endmacro

; DIV by zero -> #DE; UD2 -> #UD
%macro DE_UD 0
        xor cx, cx
        mov ax, 1
        xor dx, dx
        EXPECT_EXC %%f1, %%r1
%%f1:   div cx
%%r1:   EXPECT_EXC %%f2, %%r2
%%f2:   ud2
%%r2:
%endmacro

%macro ALL_CASES 0
        LOCK_REG_UD
        LEN_LIMIT
        DE_UD
%endmacro

main:
        mov al, 0xFF                ; mask the PICs
        out 0x21, al
        out 0xA1, al
        PRINTLN "real mode"
        ALL_CASES
        mov word [SCRATCH], 5
        lock add word [SCRATCH], 3  ; a lockable memory form runs
        PRINT "lock add [mem]: "
        H16 word [SCRATCH]
        NL
        call strseg16

        REAL_TO_PROT32
        PRINTLN "16-bit protected mode"
        jmp SEL_CODE16:pm16
        bits 16
pm16:   mov ax, SEL_DATA16
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov esp, 0x7000
        ALL_CASES
        ; INT through a 16-bit interrupt gate (type 6): a 16-bit frame, IF cleared, IRET back
        mov word [IDT32_BASE + 0x70 * 8], handler16
        mov word [IDT32_BASE + 0x70 * 8 + 2], SEL_CODE16
        mov word [IDT32_BASE + 0x70 * 8 + 4], 0x8600
        mov word [IDT32_BASE + 0x70 * 8 + 6], 0
        mov dx, sp
        sti
        mov ax, 0x1234
        int 0x70
pm16_after_int:
        cli
        sub dx, sp
        PRINT "  16-bit gate: sp delta after iret="
        H16 dx
        PRINT " handler saw ip ok="
        H8 byte [scratch_vars + 0x50]
        PRINT " flags&if="
        H16 word [scratch_vars + 0x52]
        PRINT " pushed if="
        H16 word [scratch_vars + 0x54]
        NL
        jmp dword SEL_CODE32:A(pm32)
handler16:
        mov bp, sp                  ; [bp] ip, [bp+2] cs, [bp+4] flags
        cmp word [bp], pm16_after_int
        sete byte [scratch_vars + 0x50]
        pushf
        pop ax
        and ax, 0x200
        mov [scratch_vars + 0x52], ax
        mov ax, [bp + 4]
        and ax, 0x200
        mov [scratch_vars + 0x54], ax
        iret
        bits 32
pm32:   mov ax, SEL_DATA32
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov esp, STACK_TOP
        PRINTLN "32-bit protected mode"
        ALL_CASES

        PRINTLN "popf rules"
        push dword 0x3202           ; CPL0: IOPL and IF change
        popfd
        pushfd
        pop eax
        and eax, 0x3200
        PRINT "  cpl0 popf 3202: "
        H32 eax
        push dword 0x0002
        popfd
        pushfd
        pop eax
        and eax, 0x3200
        PRINT " popf 0002: "
        H32 eax
        NL
        USER_SETUP32
        mov dword [user_eflags], 0x3000
        ENTER_USER32 user_popf_iopl3
        PRINTLN "privileged instructions at CPL3 (IOPL 3): #GP(0)"
        mov eax, 0x80000001
        cpuid
        shr edx, 27                 ; RDTSCP advertised
        and edx, 1
        mov [scratch_vars], edx
        mov eax, cr4
        or eax, 1 << 2              ; CR4.TSD
        mov cr4, eax
        ENTER_USER32 user_priv
        mov eax, cr4
        and eax, ~(1 << 2)
        mov cr4, eax
        PRINTLN "unprivileged at CPL3 (TSD clear, no UMIP)"
        ENTER_USER32 user_unpriv
        PRINTLN "call gate from CPL3 (2 params), RETF 8 back to CPL3"
        mov dword [GDT_BASE + SEL_CG], (SEL_CODE32 << 16) | (A(gate_kfunc) & 0xFFFF)
        mov dword [GDT_BASE + SEL_CG + 4], (A(gate_kfunc) & 0xFFFF0000) | 0xEC02
        ENTER_USER32 user_gate
        mov dword [user_eflags], 0

        PRINTLN "virtual-8086 mode"
        USER_SETUP32
        mov edi, TSS32_BASE + 0x68  ; I/O bitmap: allow COM1 and the debug-exit port
        mov ecx, IOMAP_LEN
        mov al, 0xFF
        rep stosb
        mov byte [TSS32_BASE + 0x68 + 0x3F8 / 8], 0
        and byte [TSS32_BASE + 0x68 + 0x501 / 8], ~(1 << (0x501 & 7))
        mov word [TSS32_BASE + 0x66], 0x68
        SET_DESC SEL_TSS32, TSS32_BASE, 0x68 + IOMAP_LEN - 1, 0x89, 0x0
        mov ax, SEL_TSS32
        ltr ax
        call paging_vm86
        mov dword [user_cont], A(.back)
        push dword 0                ; GS
        push dword 0                ; FS
        push dword 0                ; DS
        push dword 0                ; ES
        push dword 0                ; SS
        push dword 0x6000           ; SP
        push dword VM_FLAG | 0x3002 ; IOPL 3
        push dword 0xF000           ; CS
        push dword vm86_code        ; IP
        iretd
.back:  mov ax, SEL_DATA32
        mov ds, ax
        mov es, ax
        mov eax, cr0
        and eax, 0x7FFFFFFF         ; paging off again
        mov cr0, eax
        PRINTLN "back in protected mode"

        PROT32_TO_LONG
        PRINTLN "long mode"
        ALL_CASES
        EXPECT_EXC .f0, .r0
.f0:    db 0xF0, 0x48, 0x01, 0xD8   ; lock add rax, rbx: #UD
.r0:
        call lahf64
        call strseg64
        call rep_fault
        call fetch_fault
        call seg64
        call larlsl64
        call page1g
        PRINTLN "swapgs at CPL3"
        USER_SETUP64
        ENTER_USER64 user_swapgs
        call rollback64

        LONG_TO_COMPAT
        PRINTLN "compatibility mode"
        ALL_CASES
        PRINTLN "sysret and swapgs in compatibility mode"
        EXPECT_EXC .f2, .r2
.f2:    sysret
.r2:    EXPECT_EXC .f3, .r3
.f3:    db 0x0F, 0x01, 0xF8         ; swapgs: #UD outside 64-bit mode
.r3:    COMPAT_TO_LONG
        PRINT "exceptions: "
        H32 dword [exc_count]
        NL
        EXIT_OK

        bits 16
; String instructions: a segment override applies to the source (DS:SI) only; the ES:DI
; destination of MOVS/STOS/SCAS/CMPS/INS cannot be overridden.
strseg16:
        PRINTLN "string segments (real mode)"
        mov ax, 0x0800              ; ES -> 0x8000
        mov es, ax
        mov ax, 0x0900              ; FS -> 0x9000
        mov fs, ax
        xor ax, ax
        mov ds, ax
        cld
        mov dword [0x8010], 0x44434241          ; "ABCD" at ES/DS-relative 0x10 of 0x8000
        mov dword [0x9010], 0x64636261          ; "abcd" at FS:0x10
        mov dword [0x8020], 0
        mov dword [0x9020], 0
        mov si, 0x10
        mov di, 0x20
        fs movsb                    ; FS:0x10 -> ES:0x20
        mov al, 'x'
        fs stosb                    ; ES:0x21 (the override is ignored)
        mov si, 0x11
        fs lodsb                    ; AL = FS:0x11 = 'b'
        PRINT "  es:[20]="
        H32 dword [0x8020]
        PRINT " fs:[20]="
        H32 dword [0x9020]
        PRINT " al="
        H8 al
        mov si, 0x10
        mov di, 0x10
        fs cmpsb                    ; FS:0x10 'a' vs ES:0x10 'A'
        setz al
        PRINT " cmps fs:si,es:di equal="
        H8 al
        mov al, 'A'
        mov di, 0x10
        fs scasb                    ; AL vs ES:0x10 'A'
        setz al
        PRINT " scas es:di equal="
        H8 al
        NL
        xor ax, ax
        mov es, ax
        mov fs, ax
        ret

        bits 64
; In 64-bit mode FS/GS overrides apply to the source; the destination uses ES (base 0).
strseg64:
        PRINTLN "string segments (64-bit)"
        mov ecx, 0xC0000100         ; FS_BASE = 0x9000
        mov eax, 0x9000
        xor edx, edx
        wrmsr
        mov dword [0x9030], 0x33323130          ; "0123" at FS:0x30
        mov dword [0x8030], 0
        mov dword [0x9040], 0
        mov esi, 0x30
        mov edi, 0x8030
        mov ecx, 4
        fs rep movsb                ; FS:0x30 -> ES:0x8030
        mov edi, 0x40
        mov al, 'y'
        fs stosb                    ; ES:0x40 (linear 0x40), not FS:0x40
        PRINT "  [8030]="
        H32 dword [0x8030]
        PRINT " fs:[40]="
        H32 dword [0x9040]
        PRINT " [40]="
        H8 byte [0x40]
        NL
        mov ecx, 0xC0000100
        xor eax, eax
        xor edx, edx
        wrmsr
        ret

; A #PF in the middle of REP MOVSB / STD REP STOSD: RCX, RSI, RDI count the iterations done
rep_fault:
        PRINTLN "rep string #PF mid-way"
        mov qword [PD_BASE + 8], 0              ; 2-4 MiB and 4-6 MiB not present
        mov qword [PD_BASE + 16], 0
        mov rax, cr3
        mov cr3, rax
        mov dword [exc_quiet], 1
        mov rsi, SCRATCH
        mov rdi, 0x1FFFF8
        mov rcx, 16
        cld
        EXPECT_EXC .f1, .r1
.f1:    rep movsb
.r1:    call .show
        mov rdi, 0x600004
        mov rcx, 4
        mov eax, 0x11223344
        std
        EXPECT_EXC .f2, .r2
.f2:    rep stosd
.r2:    cld
        call .show
        mov dword [exc_quiet], 0
        mov qword [PD_BASE + 8], 0x200000 | 0x87
        mov qword [PD_BASE + 16], 0x400000 | 0x87
        mov rax, cr3
        mov cr3, rax
        ret
.show:  PRINT "  vec="
        H8 byte [exc_last_vec]
        PRINT " err="
        H8 byte [exc_last_err]
        PRINT " cr2="
        H64 qword [exc_last_cr2]
        PRINT " rcx="
        H64 rcx
        PRINT " rsi-scratch="
        mov rax, rsi
        sub rax, SCRATCH
        H64 rax
        PRINT " rdi="
        H64 rdi
        NL
        ret

; An instruction that crosses into a not-present page: #PF with CR2 = the second page and the
; saved RIP at the instruction; the I/D bit only with EFER.NXE (or CR4.SMEP)
fetch_fault:
        PRINTLN "instruction fetch across into a not-present page (NXE=0, then NXE=1)"
        mov qword [PD_BASE + 8], 0
        mov rax, cr3
        mov cr3, rax
        mov byte [0x1FFFFE], 0x90   ; nop
        mov byte [0x1FFFFF], 0x89   ; mov eax, ebx: the ModRM byte is on the next page
        call .run
        mov ecx, EFER_MSR
        rdmsr
        or eax, 1 << 11             ; NXE
        wrmsr
        call .run
        mov ecx, EFER_MSR
        rdmsr
        and eax, ~(1 << 11)
        wrmsr
        mov qword [PD_BASE + 8], 0x200000 | 0x87
        mov rax, cr3
        mov cr3, rax
        ret
.run:   mov qword [exc_expect], 0x1FFFFF
        mov rax, A(.back)
        mov [exc_resume], rax
        mov eax, 0x1FFFFE
        jmp rax
.back:  ret

; Precise exceptions: a faulting stack or memory access leaves RSP/RBP/RSI/RDI as they were
; (#PF on IST1 so that the handler has a stack)
%macro RB_SHOW 1
        mov rbx, rsp
        mov rcx, rbp
        mov rsp, [scratch_vars + 0x48]
        PRINT %1
        PRINT " rsp="
        H64 rbx
        PRINT " rbp="
        H64 rcx
        PRINT " cr2="
        H64 qword [exc_last_cr2]
        NL
%endmacro
rollback64:
        PRINTLN "precise exceptions: faulting pushes and stores leave the registers"
        mov qword [TSS64_BASE + 0x24], STACK_ALT    ; IST1
        mov byte [IDT64_BASE + 14 * 16 + 4], 1      ; #PF on IST1
        mov qword [PD_BASE + 8], 0                  ; 2-4 MiB not present
        mov rax, cr3
        mov cr3, rax
        mov dword [exc_quiet], 1
        mov [scratch_vars + 0x48], rsp
        mov rbp, 0x12345
        mov rsp, 0x200004
        EXPECT_EXC .f1, .r1
.f1:    push rax                    ; crosses into the not-present page
.r1:    RB_SHOW "  push"
        mov rsp, 0x1FFF00
        mov qword [rsp], 0x55
        EXPECT_EXC .f2, .r2
.f2:    pop qword [0x200010]        ; the store faults: RSP is not incremented
.r2:    RB_SHOW "  pop [m]"
        mov rsp, 0x200010
        EXPECT_EXC .f3, .r3
.f3:    call .never
.r3:    RB_SHOW "  call"
        mov qword [SCRATCH + 16], A(.never)
        mov word [SCRATCH + 24], SEL_CODE64
        mov rsp, 0x200010
        EXPECT_EXC .f4, .r4
.f4:    call far [SCRATCH + 16]
.r4:    RB_SHOW "  call far m16:64"
        mov rsp, 0x200018
        EXPECT_EXC .f5, .r5
.f5:    enter 0x20, 0
.r5:    RB_SHOW "  enter"
        mov rsi, SCRATCH
        mov rdi, 0x200000
        EXPECT_EXC .f6, .r6
.f6:    movsq
.r6:    sub rsi, SCRATCH
        PRINT "  movsq: rsi-scratch="
        H64 rsi
        PRINT " rdi="
        H64 rdi
        NL
        mov dword [exc_quiet], 0
        mov byte [IDT64_BASE + 14 * 16 + 4], 0
        mov qword [PD_BASE + 8], 0x200000 | 0x87
        mov rax, cr3
        mov cr3, rax
        ret
.never: PRINTLN "BAD: the call went through"
        EXIT_FAIL

; 64-bit mode segment and gate rules
seg64:
        PRINTLN "64-bit: null ss at cpl0, gate to a non-64-bit cs, iretq to cpl3 with null ss"
        xor eax, eax
        mov ss, ax                  ; allowed at CPL0 (RPL 0)
        mov ax, ss
        PRINT "  ss="
        H16 ax
        NL
        mov ax, SEL_DATA32
        mov ss, ax
        mov dword [IDT64_BASE + 0x60 * 16], SEL_CODE32 << 16
        mov dword [IDT64_BASE + 0x60 * 16 + 4], 0x8E00
        mov qword [IDT64_BASE + 0x60 * 16 + 8], 0
        EXPECT_EXC .f1, .r1
.f1:    int 0x60                    ; target CS is not 64-bit: #GP(0x08)
.r1:    mov rax, rsp
        mov [scratch_vars + 0x40], rax
        push 0                      ; SS = null
        push rax
        pushfq
        push SEL_UCODE64 | 3
        push A(.r1)
        EXPECT_EXC .f2, .r2
.f2:    iretq                       ; to CPL3 with a null SS: #GP(0)
.r2:    mov rsp, [scratch_vars + 0x40]
        ret

; LAR/LSL in long mode: 64-bit TSS (16-byte descriptor), 64-bit call gate (LAR only),
; 64-bit and 32-bit code
SEL_T64  equ SEL_FREE + 0x10
SEL_CG64 equ SEL_FREE + 0x20
%macro LARLSL 1
        mov eax, 0xdead
        mov ebx, 0xdead
        mov ecx, %1
        lar rax, rcx
        setz dl
        lsl rbx, rcx
        setz dh
        PRINT "  sel "
        H16 cx
        PRINT ": lar zf="
        H8 dl
        PUTC ' '
        H64 rax
        PRINT " lsl zf="
        H8 dh
        PUTC ' '
        H64 rbx
        NL
%endmacro
larlsl64:
        PRINTLN "lar/lsl in long mode"
        SET_DESC SEL_T64, 0x4800, 0x67, 0x89, 0x0
        mov qword [GDT_BASE + SEL_T64 + 8], 0
        mov dword [GDT_BASE + SEL_CG64], (SEL_CODE64 << 16) | 0x1234
        mov dword [GDT_BASE + SEL_CG64 + 4], 0x8C00
        mov qword [GDT_BASE + SEL_CG64 + 8], 0
        LARLSL SEL_T64
        LARLSL SEL_CG64
        LARLSL SEL_CODE64
        LARLSL SEL_CODE32
        ret

; LAHF/SAHF in 64-bit mode when CPUID.80000001:ECX[0] says so
lahf64:
        mov eax, 0x80000001
        cpuid
        test cl, 1
        jz .skip
        mov ah, 0xD7                ; SF ZF AF PF CF
        sahf
        mov ah, 0
        lahf
        cmp ah, 0xD7
        jne .bad
        mov ah, 0x02
        sahf
        lahf
        cmp ah, 0x02
        jne .bad
.skip:  PRINTLN "lahf/sahf in 64-bit mode: ok"
        ret
.bad:   PRINT "lahf/sahf in 64-bit mode: ah="
        H8 ah
        NL
        ret

; A 1 GiB page at 1 GiB mapping physical 0, when CPUID.80000001:EDX[26] says so
page1g:
        mov eax, 0x80000001
        cpuid
        bt edx, 26
        jnc .skip
        mov qword [PDPT_BASE + 8], 0x83          ; P RW PS, frame 0
        invlpg [0x40000000 + SCRATCH]
        mov qword [SCRATCH], 0x1234abcd
        mov rax, [0x40000000 + SCRATCH]
        cmp rax, 0x1234abcd
        jne .bad
        mov qword [0x40000000 + SCRATCH + 8], 0x5678
        cmp qword [SCRATCH + 8], 0x5678
        jne .bad
        mov rax, [PDPT_BASE + 8]
        and eax, 0x60                             ; accessed and dirty set
        cmp eax, 0x60
        jne .bad
        mov qword [PDPT_BASE + 8], 0
        invlpg [0x40000000 + SCRATCH]
.skip:  PRINTLN "1 GiB page: ok"
        ret
.bad:   PRINTLN "1 GiB page: wrong"
        ret

user_swapgs:
        EXPECT_EXC .f, .r
.f:     swapgs                      ; CPL3: #GP(0)
.r:     USER_RETURN

        bits 32
user_popf_iopl3:                    ; CPL3, IOPL3: IF changes, IOPL does not
        push dword 0x0202
        popfd
        pushfd
        pop ebx
        push dword 0x0002
        popfd
        pushfd
        pop ecx
        and ebx, 0x3200
        and ecx, 0x3200
        PRINT "  cpl3 iopl3 popf 0202: "
        H32 ebx
        PRINT " popf 0002: "
        H32 ecx
        NL
        USER_RETURN

; each one: #GP(0) at CPL3
%macro GP3 1+
        EXPECT_EXC %%f, %%r
%%f:    %1
%%r:
%endmacro

user_priv:
        GP3 hlt
        GP3 clts
        GP3 lgdt [SCRATCH]
        GP3 lidt [SCRATCH]
        GP3 lldt ax
        GP3 ltr ax
        GP3 lmsw ax
        GP3 mov eax, cr0
        GP3 mov cr3, eax
        GP3 mov eax, dr7
        GP3 mov dr0, eax
        GP3 invlpg [SCRATCH]
        GP3 wbinvd
        GP3 invd
        GP3 wrmsr
        GP3 rdtsc
        GP3 rdpmc
        cmp dword [scratch_vars], 0
        je .no_rdtscp
        mov dword [exc_quiet], 1
        mov dword [exc_last_vec], 0
        EXPECT_EXC .f, .r
.f:     rdtscp                      ; with CR4.TSD: #GP(0) (only when advertised)
.r:     mov dword [exc_quiet], 0
        cmp dword [exc_last_vec], 13
        jne .bad
        dec dword [exc_count]       ; the same count with and without RDTSCP
.no_rdtscp:
        PRINTLN "  rdtscp with TSD: #GP when advertised"
        USER_RETURN
.bad:   PRINTLN "  rdtscp with TSD: no #GP"
        USER_RETURN

; the gate's CPL0 code loads DPL0 data into DS/ES/FS and DPL3 data into GS; RETF 8 to CPL3
; releases the parameters on both stacks and nulls DS/ES/FS (DPL < CPL) but keeps GS
gate_kfunc:
        mov eax, [esp + 8]          ; the copied parameters: [esp+8] = 2nd pushed, [esp+12] = 1st
        mov ebx, [esp + 12]
        mov [scratch_vars + 0x40], eax
        mov [scratch_vars + 0x44], ebx
        mov ax, SEL_DATA32
        mov ds, ax
        mov es, ax
        mov fs, ax
        mov ax, SEL_UDATA32 | 3
        mov gs, ax
        retf 8

user_gate:
        mov esi, esp
        push dword 0x1111
        push dword 0x2222
        call SEL_CG | 3:0
        sub esi, esp
        mov ax, ds
        mov bx, es
        mov cx, fs
        mov dx, gs
        mov di, SEL_UDATA32 | 3
        mov ds, di
        mov es, di
        PRINT "  params="
        H32 dword [scratch_vars + 0x44]
        PUTC ' '
        H32 dword [scratch_vars + 0x40]
        PRINT " user esp delta="
        H32 esi
        PRINT " ds="
        H16 ax
        PRINT " es="
        H16 bx
        PRINT " fs="
        H16 cx
        PRINT " gs="
        H16 dx
        NL
        USER_RETURN

user_unpriv:
        rdtsc
        smsw ax
        sgdt [SCRATCH]
        sidt [SCRATCH]
        str ax
        sldt ax
        PRINT "  ran rdtsc smsw sgdt sidt str sldt; sgdt limit="
        H16 word [SCRATCH]
        NL
        USER_RETURN

; 32-bit paging for the vm86 test: the first 4 MiB identity-mapped with user pages, except
; the supervisor page at 0x9000 (a vm86 access to it: #PF with U/S set in the error code)
VM_PD equ FREE_RAM
VM_PT equ FREE_RAM + 0x1000
paging_vm86:
        mov edi, VM_PT
        mov eax, 7
        mov ecx, 1024
.pte:   stosd
        add eax, 0x1000
        loop .pte
        mov dword [VM_PT + 9 * 4], 0x9000 | 3
        mov edi, VM_PD
        xor eax, eax
        mov ecx, 1024
        rep stosd
        mov dword [VM_PD], VM_PT | 7
        mov eax, VM_PD
        mov cr3, eax
        mov eax, cr0
        or eax, 0x80000000
        mov cr0, eax
        ret

        bits 16
vm86_code:
        PRINTLN "  vm86:"
        ALL_CASES
        mov ax, 0x0900
        mov es, ax
        EXPECT_EXC .pf, .pr
.pf:    mov al, [es:0]              ; linear 0x9000: supervisor page, #PF(U=1)
.pr:    EXPECT_EXC .pf2, .pr2
.pf2:   mov byte [es:4], 1          ; write: #PF(U=1 W=1)
.pr2:   xor ax, ax
        mov es, ax
        push word 0x0202            ; IOPL 3: IF changes, IOPL does not
        popf
        pushf
        pop bx
        pushfd
        pop ecx                     ; VM and RF are pushed as 0
        and bx, 0x3200
        and ecx, 0x33200
        PRINT "  vm86 popf 0202: "
        H16 bx
        PRINT " pushfd&(vm|iopl|if): "
        H32 ecx
        NL
        USER_RETURN

%include "end.inc"
