; paging.asm - 32-bit paging (4 KiB pages and PSE 4 MiB pages), PAE paging (4 KiB and 2 MiB
; pages, NX) and 4-level long-mode paging: translations, accessed/dirty bits read back from the
; page tables, #PF error codes and CR2 (not present, write to read-only with CR0.WP, user
; access to a supervisor page, user write to read-only, NX fetch), INVLPG and CR3 reloads.
%include "rom.inc"
%include "user.inc"

PD32    equ FREE_RAM + 0x0000       ; 32-bit paging: page directory
PT32A   equ FREE_RAM + 0x1000       ;   identity map of 0-4 MiB
PT32B   equ FREE_RAM + 0x2000       ;   test pages at 0x00800000
PDPTP   equ FREE_RAM + 0x3000       ; PAE: PDPT
PDP     equ FREE_RAM + 0x4000       ;   page directory for 0-1 GiB
PTPA    equ FREE_RAM + 0x5000       ;   identity map of 0-2 MiB
PTPB    equ FREE_RAM + 0x6000       ;   test pages at 0x00400000
PDPT4   equ FREE_RAM + 0x7000       ; 4-level: PDPT for 0x8000000000
PD4     equ FREE_RAM + 0x8000
PT4     equ FREE_RAM + 0x9000
FRAME0  equ 0x30000                 ; physical frames used as test pages
FRAME1  equ 0x31000
FRAME2  equ 0x32000
FRAME3  equ 0x33000

P  equ 1
RW equ 2
US equ 4
PS equ 0x80

; PFLAGS32 addr: print the low 7 bits of a page-table entry (P RW US PWT PCD A D)
%macro PTE 2                        ; label, address of the entry
        PRINT %1, "="
 %if __?BITS?__ == 64
        mov eax, [%2]
 %else
        mov eax, [%2]
 %endif
        and eax, 0x7F
        H8 al
%endmacro

main:
        REAL_TO_PROT32
        USER_SETUP32
        PRINTLN "32-bit paging"
        ; clear the tables
        mov edi, FREE_RAM
        mov ecx, 0xA000 / 4
        xor eax, eax
        rep stosd
        ; identity map 0-4 MiB with 4 KiB pages, user, writable
        mov edi, PT32A
        mov eax, P | RW | US
        mov ecx, 1024
.id32:  mov [edi], eax
        add eax, 0x1000
        add edi, 4
        loop .id32
        mov dword [PD32], PT32A | P | RW | US
        mov dword [PD32 + 2 * 4], PT32B | P | RW | US           ; 0x00800000
        mov dword [PD32 + 0x100 * 4], 0x00000000 | P | RW | PS  ; 0x40000000: 4 MiB page -> 0
        mov dword [PT32B + 0 * 4], FRAME0 | P | RW | US
        mov dword [PT32B + 1 * 4], 0                            ; not present
        mov dword [PT32B + 2 * 4], FRAME2 | P | US              ; read-only, user
        mov dword [PT32B + 3 * 4], FRAME3 | P | RW              ; supervisor only
        mov dword [FRAME0], 0x11111111
        mov dword [FRAME1], 0x22222222
        mov dword [FRAME2], 0x33333333
        mov dword [FRAME3], 0x44444444
        mov eax, PD32
        mov cr3, eax
        mov eax, cr4
        or eax, 0x10                ; PSE
        mov cr4, eax
        mov eax, cr0
        or eax, 0x80000000          ; PG
        mov cr0, eax
        PTE "before: pde", PD32 + 2 * 4
        PTE " pte", PT32B
        NL
        mov eax, [0x00800000]
        PRINT "read 00800000 -> "
        H32 eax
        PTE " pde", PD32 + 2 * 4
        PTE " pte", PT32B
        NL
        mov dword [0x00800004], 0x5555AAAA
        PRINT "write 00800004 -> frame "
        H32 dword [FRAME0 + 4]
        PTE " pte", PT32B
        NL
        mov dword [0x40008000 + 0x100], 0x600DF00D
        PRINT "4 MiB page: wrote 40008100, phys 8100 = "
        H32 dword [0x8100]
        PTE " pde", PD32 + 0x100 * 4
        NL
        EXPECT_EXC .pf1, .a1
.pf1:   mov eax, [0x00801000]
.a1:    EXPECT_EXC .pf2, .a2
.pf2:   mov [0x00801ffc], eax
.a2:    mov eax, [0x00802000]       ; read-only page: reading is fine
        mov [0x00802000], eax       ; CR0.WP=0: supervisor writes are allowed
        PRINT "CR0.WP=0 write to read-only: ok, pte"
        PTE "", PT32B + 2 * 4
        NL
        mov eax, cr0
        or eax, 0x10000             ; WP
        mov cr0, eax
        EXPECT_EXC .pf3, .a3
.pf3:   mov [0x00802008], eax
.a3:    ; remap page 0 to FRAME1 and INVLPG
        mov dword [PT32B], FRAME1 | P | RW | US
        invlpg [0x00800000]
        PRINT "after remap+invlpg: "
        H32 dword [0x00800000]
        NL
        mov dword [PT32B], FRAME0 | P | RW | US
        mov eax, cr3
        mov cr3, eax
        PRINT "after remap+cr3 reload: "
        H32 dword [0x00800000]
        NL
        PRINTLN "user mode"
        ENTER_USER32 user32
        PRINTLN "back in kernel"
        mov eax, cr0
        and eax, 0x7FFFFFFF
        mov cr0, eax
        mov eax, cr4
        and eax, ~0x10
        mov cr4, eax

        PRINTLN "PAE paging"
        mov edi, PTPA
        mov eax, P | RW | US
        mov ecx, 512
.idp:   mov [edi], eax
        mov dword [edi + 4], 0
        add eax, 0x1000
        add edi, 8
        loop .idp
        mov dword [PDPTP], PDP | P
        mov dword [PDP], PTPA | P | RW | US
        mov dword [PDP + 2 * 8], PTPB | P | RW | US             ; 0x00400000
        mov dword [PDP + 3 * 8], 0x00000000 | P | RW | PS       ; 0x00600000: 2 MiB page -> 0
        mov dword [PTPB + 0 * 8], FRAME0 | P | RW
        mov dword [PTPB + 1 * 8], FRAME1 | P | RW
        mov dword [PTPB + 1 * 8 + 4], 0x80000000                ; NX
        mov dword [PTPB + 2 * 8], FRAME2 | P | RW
        mov ecx, EFER_MSR
        rdmsr
        or eax, 0x800               ; NXE
        wrmsr
        mov eax, PDPTP
        mov cr3, eax
        mov eax, cr4
        or eax, 0x20                ; PAE
        mov cr4, eax
        mov eax, cr0
        or eax, 0x80000000
        mov cr0, eax
        PRINT "read 00400000 -> "
        H32 dword [0x00400000]
        PTE " pde", PDP + 2 * 8
        PTE " pte", PTPB
        NL
        mov dword [0x00600000 + 0x8200], 0xD00DFEED
        PRINT "2 MiB page: wrote 00608200, phys 8200 = "
        H32 dword [0x8200]
        PTE " pde", PDP + 3 * 8
        NL
        mov byte [FRAME1], 0xC3     ; ret
        mov byte [FRAME2], 0xC3
        mov eax, 0x00402000
        call eax
        PRINTLN "executed at 00402000 (NX clear)"
        EXPECT_EXC_ANY .a4
        mov eax, 0x00401000
        call eax
.a4:    PRINT "  saved rip="
        H32 dword [exc_last_rip]
        NL
        mov eax, cr0
        and eax, 0x7FFFFFFF
        mov cr0, eax

        PROT32_TO_LONG
        USER_SETUP64
        PRINTLN "4-level paging"
        mov qword [PML4_BASE + 1 * 8], PDPT4 | P | RW | US      ; 0x0000008000000000
        mov qword [PDPT4], PD4 | P | RW | US
        mov qword [PD4], PT4 | P | RW | US
        mov qword [PT4 + 0 * 8], FRAME0 | P | RW | US
        mov qword [PT4 + 1 * 8], FRAME1 | P | RW                ; supervisor
        mov qword [PT4 + 2 * 8], FRAME2 | P | US                ; read-only user
        mov rax, cr3
        mov cr3, rax
        mov rbx, 0x0000008000000000
        PTE "before: pml4e", PML4_BASE + 8
        PTE " pdpte", PDPT4
        PTE " pde", PD4
        PTE " pte", PT4
        NL
        mov eax, [rbx]
        PRINT "read 8000000000 -> "
        H32 eax
        NL
        PTE "after read: pml4e", PML4_BASE + 8
        PTE " pdpte", PDPT4
        PTE " pde", PD4
        PTE " pte", PT4
        NL
        mov dword [rbx + 8], 0x77777777
        PTE "after write: pte", PT4
        PRINT " frame="
        H32 dword [FRAME0 + 8]
        NL
        mov dword [PT4 + 3 * 8], 0
        EXPECT_EXC .pf5, .a5
.pf5:   mov [rbx + 0x3010], eax
.a5:    PRINTLN "user mode"
        ENTER_USER64 user64
        PRINTLN "back in kernel"
        PRINT "exceptions: "
        H32 dword [exc_count]
        NL
        EXIT_OK

        bits 32
user32:
        mov eax, [0x00800000]       ; user page: fine
        EXPECT_EXC .u1, .u2
.u1:    mov eax, [0x00803000]       ; supervisor page: #PF 5
.u2:    EXPECT_EXC .u3, .u4
.u3:    mov [0x00802000], eax       ; read-only page: #PF 7
.u4:    EXPECT_EXC .u5, .u6
.u5:    mov eax, [0x00801000]       ; not present: #PF 4
.u6:    USER_RETURN

        bits 64
user64:
        mov rbx, 0x0000008000000000
        mov eax, [rbx]
        EXPECT_EXC .u1, .u2
.u1:    mov eax, [rbx + 0x1000]     ; supervisor: #PF 5
.u2:    EXPECT_EXC .u3, .u4
.u3:    mov [rbx + 0x2000], eax     ; read-only: #PF 7
.u4:    EXPECT_EXC_ANY .u6
        lea rax, [rbx + 0x1000]
        call rax                    ; fetch from a supervisor page: #PF 0x15
.u6:    USER_RETURN

%include "end.inc"
