/*
 * The x86-64 CPU state shared by the interpreter, the JIT front end, the
 * gdb register map and the KVM accelerator, and the entry points between
 * the families of target-x86/ (decoder/interpreter, segmentation,
 * exceptions, paging, MSRs, CPUID).
 */
#ifndef VESSEL_TARGET_X86_CPU_H
#define VESSEL_TARGET_X86_CPU_H

#include <setjmp.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdnoreturn.h>

#include "softmmu/memory.h"
#include "softmmu/tlb.h"

typedef struct Machine Machine;

/* ---- general registers ---- */
enum { R_EAX, R_ECX, R_EDX, R_EBX, R_ESP, R_EBP, R_ESI, R_EDI,
       R_R8, R_R9, R_R10, R_R11, R_R12, R_R13, R_R14, R_R15 };

/* ---- segment registers, in encoding order ---- */
enum { R_ES, R_CS, R_SS, R_DS, R_FS, R_GS, SEG_NONE = -1 };

/*
 * A segment register's hidden part. `attr` uses the VMX access-rights
 * layout: bits 3:0 type, 4 S, 6:5 DPL, 7 P, 12 AVL, 13 L, 14 D/B, 15 G,
 * 16 unusable (null selector loaded in protected mode).
 */
typedef struct SegmentCache {
    uint16_t selector;
    uint64_t base;
    uint32_t limit;   /* byte granular (G already applied) */
    uint32_t attr;
} SegmentCache;

#define SEG_ATTR_TYPE      0x000f
#define SEG_ATTR_ACCESSED  0x0001
#define SEG_ATTR_CODE      0x0008  /* with S: code segment */
#define SEG_ATTR_S         0x0010
#define SEG_ATTR_DPL_SHIFT 5
#define SEG_ATTR_DPL       0x0060
#define SEG_ATTR_P         0x0080
#define SEG_ATTR_AVL       0x1000
#define SEG_ATTR_L         0x2000
#define SEG_ATTR_DB        0x4000
#define SEG_ATTR_G         0x8000
#define SEG_ATTR_UNUSABLE  0x10000

typedef struct DescTable {
    uint64_t base;
    uint32_t limit;
} DescTable;

/* ---- RFLAGS ---- */
#define CC_C  0x0001
#define CC_P  0x0004
#define CC_A  0x0010
#define CC_Z  0x0040
#define CC_S  0x0080
#define CC_O  0x0800
#define CC_ALL (CC_C | CC_P | CC_A | CC_Z | CC_S | CC_O)
#define TF_MASK   0x00000100
#define IF_MASK   0x00000200
#define DF_MASK   0x00000400
#define IOPL_MASK 0x00003000
#define IOPL_SHIFT 12
#define NT_MASK   0x00004000
#define RF_MASK   0x00010000
#define VM_MASK   0x00020000
#define AC_MASK   0x00040000
#define VIF_MASK  0x00080000
#define VIP_MASK  0x00100000
#define ID_MASK   0x00200000

/* ---- control registers ---- */
#define CR0_PE (1u << 0)
#define CR0_MP (1u << 1)
#define CR0_EM (1u << 2)
#define CR0_TS (1u << 3)
#define CR0_ET (1u << 4)
#define CR0_NE (1u << 5)
#define CR0_WP (1u << 16)
#define CR0_AM (1u << 18)
#define CR0_NW (1u << 29)
#define CR0_CD (1u << 30)
#define CR0_PG (1u << 31)

#define CR4_VME        (1u << 0)
#define CR4_PVI        (1u << 1)
#define CR4_TSD        (1u << 2)
#define CR4_DE         (1u << 3)
#define CR4_PSE        (1u << 4)
#define CR4_PAE        (1u << 5)
#define CR4_MCE        (1u << 6)
#define CR4_PGE        (1u << 7)
#define CR4_PCE        (1u << 8)
#define CR4_OSFXSR     (1u << 9)
#define CR4_OSXMMEXCPT (1u << 10)
#define CR4_UMIP       (1u << 11)
#define CR4_FSGSBASE   (1u << 16)
#define CR4_PCIDE      (1u << 17)
#define CR4_OSXSAVE    (1u << 18)
#define CR4_SMEP       (1u << 20)
#define CR4_SMAP       (1u << 21)

#define EFER_SCE (1u << 0)
#define EFER_LME (1u << 8)
#define EFER_LMA (1u << 10)
#define EFER_NXE (1u << 11)

/* ---- exceptions ---- */
enum {
    EXCP_DE = 0, EXCP_DB = 1, EXCP_NMI = 2, EXCP_BP = 3, EXCP_OF = 4, EXCP_BR = 5,
    EXCP_UD = 6, EXCP_NM = 7, EXCP_DF = 8, EXCP_TS = 10, EXCP_NP = 11, EXCP_SS = 12,
    EXCP_GP = 13, EXCP_PF = 14, EXCP_MF = 16, EXCP_AC = 17, EXCP_MC = 18, EXCP_XM = 19,
};

/* Page-fault error code bits. */
#define PF_P    (1u << 0)
#define PF_W    (1u << 1)
#define PF_U    (1u << 2)
#define PF_RSVD (1u << 3)
#define PF_I    (1u << 4)
#define PF_PK   (1u << 5)

/* Pending external events, cpu->interrupt_request. */
#define CPU_INTERRUPT_HARD  (1u << 0)  /* INTR pin (PIC / LAPIC) asserted */
#define CPU_INTERRUPT_NMI   (1u << 1)
#define CPU_INTERRUPT_INIT  (1u << 2)
#define CPU_INTERRUPT_SIPI  (1u << 3)  /* set cpu->sipi_vector first */
#define CPU_INTERRUPT_EXIT  (1u << 4)  /* leave the execution loop (stop/kick) */
#define CPU_INTERRUPT_RESET (1u << 5)

/* ---- x87 / SSE state ---- */
typedef struct Float80 {
    uint64_t mant;
    uint16_t exp;   /* sign in bit 15 */
} Float80;

typedef union XMMReg {
    uint8_t b[16];
    uint16_t w[8];
    uint32_t d[4];
    uint64_t q[2];
    float s[4];
    double f[2];
} XMMReg;

typedef struct X87State {
    Float80 st[8];       /* physical registers R0..R7 */
    uint16_t fcw, fsw;   /* fsw TOP kept in `top` below, bits 13:11 synthesised */
    uint8_t top;
    uint8_t ftw;         /* abridged: bit i set = register Ri valid */
    uint16_t fop;
    uint64_t fip, fdp;
    uint16_t fcs, fds;
} X87State;

/* Lazy condition codes: see target-x86/cc.h for cc_op values. */
typedef struct LazyFlags {
    uint64_t dst, src, src2;
    uint32_t op;
} LazyFlags;

/* size of X86CPU.code_pages (a power of two) */
#define X86_CODE_PAGES 8

typedef struct X86CPU {
    /* architectural state */
    uint64_t regs[16];
    uint64_t rip;
    uint64_t rflags;     /* all flags except the arithmetic ones while cc.op != CC_OP_EFLAGS */
    LazyFlags cc;
    SegmentCache seg[6];
    SegmentCache ldtr, tr;
    DescTable gdtr, idtr;
    uint64_t cr0, cr2, cr3, cr4, cr8;
    uint64_t dr[8];      /* dr[4], dr[5] unused (aliases of 6 and 7) */
    uint64_t efer;
    uint64_t xcr0;

    /* MSRs */
    uint64_t star, lstar, cstar, sfmask, kernel_gs_base;
    uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
    uint64_t tsc_offset;   /* guest TSC = host-derived counter + offset */
    uint64_t tsc_aux, apic_base, pat, misc_enable, mtrr_deftype;
    uint64_t mtrr_fixed[11], mtrr_var[16];
    uint64_t tsc_deadline;

    /* FPU / SSE */
    X87State fpu;
    XMMReg xmm[16];
    uint32_t mxcsr;

    /* derived from the above by x86_update_hflags() */
    int cpl;
    bool code64;         /* CS.L with EFER.LMA */
    bool code32;         /* CS.D (or code64) */
    bool stack32;        /* SS.B */
    bool lma;

    /* execution */
    uint64_t insn_start_rip;   /* rip of the instruction being executed */
    bool inhibit_irq;          /* MOV SS / POP SS / STI shadow for the next insn */
    bool halted;
    int sipi_vector;
    atomic_uint interrupt_request;
    jmp_buf jmp_env;           /* exceptions longjmp here from deep in an instruction */
    int exception_vector;      /* set before longjmp */
    uint32_t exception_error;
    bool exception_has_error;
    int exception_depth;       /* for #DF / triple fault detection */
    int delivering_vector;     /* exception being delivered by x86_deliver_exception, or -1 */
    bool wait_sipi;            /* AP after INIT: only SIPI (or INIT) wakes it */
    bool shutdown;             /* triple fault: only INIT/RESET wake it */
    bool nmi_blocked;          /* NMI handler running: blocked until IRET */
    uint64_t pdpte[4];         /* PAE PDPTEs loaded on CR3/CR0/CR4 writes */
    uint64_t icount;           /* instructions retired */
    int fast_mem_idx;          /* MMU index of the specialised handlers' RAM fast
                                * path for this run, or -1 (exec.c) */
    TLBEntry *fast_tlb;        /* its TLB table (tlb.e[fast_mem_idx]), or NULL */
    bool run_break;            /* end the interpreter's run at this instruction:
                                * device memory touched, or a store into
                                * code_pages (exec.c, mem-inline.h) */
    uintptr_t code_pages[X86_CODE_PAGES];   /* host code pages whose cached
                                * blocks the interpreter trusts, direct mapped on
                                * the page number (0 = none) */
    uint8_t chain_stop;        /* the interpreter's chained handlers: end the
                                * chain after this entry (CHAIN_*, block-cache.h) */
    const void *chain_last;    /* the entry the chain ended at (an ExecInsn) */
    const void *chain_block;   /* the block running (a Block), or NULL */
    uint64_t chain_limit;      /* a chain goes on into another block only while
                                * icount stays within this */
    /* the JIT (accel/tcg, target-x86/translate*.c) */
    uintptr_t tcg_tb;          /* the translation block running (set on entry) */
    uint64_t tcg_icount_limit; /* blocks start only while icount + their size <= this */
    atomic_uint tcg_exit_request; /* set with every raised event: blocks do not start
                                   * while it is set (the loop clears it at a block
                                   * boundary, then looks at interrupt_request) */

    /* softmmu */
    CPUTLB tlb;
    AddressSpace *as;          /* physical memory */
    uint64_t a20_mask;         /* ~(1 << 20) while the A20 gate is off, else ~0 */
    AddressSpace *io_as;       /* port space */
    Machine *machine;
    int index;                 /* vCPU number = initial APIC id */

    /* interrupt controller glue: the vector of the highest pending INTR,
     * acknowledging it (PIC INTA or LAPIC), or -1 if it went away */
    int (*intr_ack)(void *opaque);
    void *intr_opaque;
    /* the local APIC, if any */
    void *apic;

    /* accelerator-private state */
    void *accel_priv;
} X86CPU;

/* ---- lifecycle (cpu.c) ---- */
X86CPU *x86_cpu_new(Machine *m, int index);
void x86_cpu_free(X86CPU *cpu);
/* Power-on / RESET# state (SDM vol. 3 table 9-1). */
void x86_cpu_reset(X86CPU *cpu);
/* INIT: like reset but keeps x87/SSE state, MSRs such as APIC base. */
void x86_cpu_init_signal(X86CPU *cpu);
/* Recompute cpl/code64/code32/stack32/lma after CS, SS, CR0, EFER change. */
void x86_update_hflags(X86CPU *cpu);

/* ---- external events (thread-safe) ---- */
void x86_cpu_set_irq_level(X86CPU *cpu, int level);    /* INTR pin */
void x86_cpu_raise_event(X86CPU *cpu, unsigned mask); /* NMI/INIT/SIPI/EXIT */
void x86_cpu_clear_event(X86CPU *cpu, unsigned mask);
/* Called by raise_event etc. to wake a halted or running vCPU; set by the
 * accelerator. */
extern void (*x86_cpu_kick_hook)(X86CPU *cpu);

/* ---- the local APIC seen from the CPU (hw/intc/lapic-x86.c); without a
 * LAPIC (cpu->apic NULL) they use the plain fields of the CPU ---- */
uint64_t x86_apic_get_base(X86CPU *cpu);
bool x86_apic_set_base(X86CPU *cpu, uint64_t val);     /* false: reserved bits (#GP) */
uint64_t x86_apic_get_tsc_deadline(X86CPU *cpu);
void x86_apic_set_tsc_deadline(X86CPU *cpu, uint64_t val);
uint64_t x86_apic_get_cr8(X86CPU *cpu);                 /* TPR[7:4] */
void x86_apic_set_cr8(X86CPU *cpu, uint64_t val);
/* The A20 gate (cpu.c): off masks physical address bit 20 (wrap at 1 MiB). */
void x86_cpu_set_a20(X86CPU *cpu, bool enabled);

/* ---- flags (cc.c) ---- */
uint64_t x86_get_rflags(X86CPU *cpu);
/* Write the bits in `mask` from `val` (no privilege checks here). */
void x86_set_rflags(X86CPU *cpu, uint64_t val, uint64_t mask);

/* ---- exceptions (excp.c) ---- */
/* Leave the current instruction: state is that of its boundary. */
noreturn void x86_raise_exception(X86CPU *cpu, int vector);
noreturn void x86_raise_exception_err(X86CPU *cpu, int vector, uint32_t error_code);
/*
 * Deliver an interrupt or exception through the IVT/IDT in the current mode
 * (real, protected, vm86, long), with privilege and stack switches, task
 * gates, error codes and #DF / triple-fault escalation. `is_soft` for INT n,
 * INT3, INTO (DPL check, return to next_rip); otherwise the return address
 * is the current rip (faults) or next_rip (traps).
 */
void x86_do_interrupt(X86CPU *cpu, int vector, bool is_soft, bool has_error,
                      uint32_t error_code, uint64_t next_rip);
/*
 * Called by the execution loop after a longjmp to cpu->jmp_env (rip already
 * restored to the faulting instruction): delivers the exception recorded by
 * x86_raise_exception with the #DF / triple-fault rules. Delivery itself may
 * fault and longjmp again; just call this again. x86_handle_interrupts must
 * also run inside the setjmp.
 */
void x86_deliver_exception(X86CPU *cpu);
/* At an instruction boundary: take a pending INIT/SIPI/NMI/INTR if allowed.
 * Returns true if an event was delivered. */
bool x86_handle_interrupts(X86CPU *cpu);
/* INTA: the vector the interrupt controllers hand out (they are device
 * state: taken under the big lock), or -1 (none, or no controller). */
int x86_acknowledge_intr(X86CPU *cpu);

/* ---- segmentation (seg.c) ---- */
/* MOV/POP to a segment register (not CS), with every protected-mode check. */
void x86_load_seg(X86CPU *cpu, int seg, uint16_t selector);
/* Set a segment's hidden part directly (reset, real mode, SYSCALL...). */
void x86_set_seg_cache(X86CPU *cpu, int seg, uint16_t sel, uint64_t base, uint32_t limit, uint32_t attr);
void x86_far_jmp(X86CPU *cpu, uint16_t sel, uint64_t offset, uint64_t next_rip);
void x86_far_call(X86CPU *cpu, uint16_t sel, uint64_t offset, int opsize, uint64_t next_rip);
void x86_far_ret(X86CPU *cpu, int opsize, uint16_t pop_bytes);
void x86_iret(X86CPU *cpu, int opsize);
void x86_syscall(X86CPU *cpu, uint64_t next_rip);
void x86_sysret(X86CPU *cpu, int opsize);
void x86_sysenter(X86CPU *cpu);
void x86_sysexit(X86CPU *cpu, int opsize);
void x86_lldt(X86CPU *cpu, uint16_t sel);
void x86_ltr(X86CPU *cpu, uint16_t sel);
/* LAR/LSL/VERR/VERW: result and ZF. */
bool x86_lar(X86CPU *cpu, uint16_t sel, uint32_t *attr_out);
bool x86_lsl(X86CPU *cpu, uint16_t sel, uint32_t *limit_out);
bool x86_verr(X86CPU *cpu, uint16_t sel);
bool x86_verw(X86CPU *cpu, uint16_t sel);

/* ---- system registers (sysreg.c) ---- */
void x86_write_cr(X86CPU *cpu, int cr, uint64_t val);   /* checks, flushes, mode changes */
uint64_t x86_read_cr(X86CPU *cpu, int cr);
void x86_write_dr(X86CPU *cpu, int dr, uint64_t val);
uint64_t x86_read_dr(X86CPU *cpu, int dr);
/* RDMSR/WRMSR: false for an unknown MSR or a reserved value (caller raises #GP). */
bool x86_rdmsr(X86CPU *cpu, uint32_t msr, uint64_t *val);
bool x86_wrmsr(X86CPU *cpu, uint32_t msr, uint64_t val);
void x86_cpuid(X86CPU *cpu, uint32_t leaf, uint32_t subleaf,
               uint32_t *eax, uint32_t *ebx, uint32_t *ecx, uint32_t *edx);
uint64_t x86_rdtsc(X86CPU *cpu);
/* IN/OUT permission (IOPL, TSS I/O bitmap): raises #GP if denied. */
void x86_check_io(X86CPU *cpu, uint16_t port, unsigned size);
/* INT n (CD ib): the vm86 IOPL / VME redirection rules, then the IDT (excp.c). */
void x86_do_int_n(X86CPU *cpu, int vector, uint64_t next_rip);
/* I/O breakpoints (DR7 R/W=10, CR4.DE=1) hit by an access: pending #DB trap. */
void x86_io_breakpoints(X86CPU *cpu, uint16_t port, unsigned size);
uint32_t x86_io_read(X86CPU *cpu, uint16_t port, unsigned size);
void x86_io_write(X86CPU *cpu, uint16_t port, uint32_t val, unsigned size);

/* ---- guest memory (mem.c): segmentation, then paging through the TLB ---- */
enum { ACC_READ = 0, ACC_WRITE = 1, ACC_EXEC = 2 };
/* Linear address of seg:offset for an access of `size` bytes, with the
 * limit/type checks of the mode (#GP, or #SS for SS). */
uint64_t x86_seg_linear(X86CPU *cpu, int seg, uint64_t offset, unsigned size, int access);
uint64_t x86_read(X86CPU *cpu, int seg, uint64_t offset, unsigned size);
void x86_write(X86CPU *cpu, int seg, uint64_t offset, uint64_t val, unsigned size);
/* Linear-address accesses; `user` false = supervisor (implicit) access. */
uint64_t x86_read_lin(X86CPU *cpu, uint64_t lin, unsigned size, bool user);
void x86_write_lin(X86CPU *cpu, uint64_t lin, uint64_t val, unsigned size, bool user);
/* The JIT's guest-memory slow paths: final linear address, explicit MMU
 * index; MMIO, code pages (TLB_NOTDIRTY) and gdb watchpoints handled. */
uint64_t x86_ld_mmu(X86CPU *cpu, uint64_t lin, unsigned size, int mmu_idx);
void x86_st_mmu(X86CPU *cpu, uint64_t lin, uint64_t val, unsigned size, int mmu_idx);
/* Instruction fetch of one byte at CS:offset (the decoder's callback). */
uint8_t x86_fetch_byte(X86CPU *cpu, uint64_t offset);
/*
 * Fast fetch: a host pointer to the code byte at linear address `lin` (which
 * must be CS.base + an offset the caller checked), with *page_end = the
 * linear address where this host mapping ends (end of the 4 KiB page).
 * Raises #PF like a fetch. NULL if the page is not RAM/ROM (MMIO): use
 * x86_fetch_byte then.
 */
const uint8_t *x86_code_page(X86CPU *cpu, uint64_t lin, uint64_t *page_end);
/*
 * Like x86_code_page but from CS:offset with the CS limit check (#GP(0)) and
 * 64-bit canonical check: *avail = bytes readable from the pointer (to the
 * end of the page or of the segment limit, at least 1). NULL for MMIO.
 */
const uint8_t *x86_code_ptr(X86CPU *cpu, uint64_t offset, unsigned *avail);
/* MMU index of an access: an explicit data access follows paging, CPL and
 * EFLAGS.AC; an implicit supervisor access (descriptor tables, TSS, IDT)
 * always enforces SMAP. */
int x86_mmu_index(X86CPU *cpu, bool implicit_supervisor);
/* Translate a linear address for gdb / debugging: no fault, no A/D update. */
bool x86_debug_translate(X86CPU *cpu, uint64_t lin, uint64_t *phys);

/* ---- paging (mmu.c) ---- */
/* Fill the TLB for `lin` or raise #PF with the exact error code and CR2. */
void x86_tlb_fill(X86CPU *cpu, uint64_t lin, int access, int mmu_idx);
/* INVLPG: drop the cached translations of the page holding `lin`. */
void x86_invlpg(X86CPU *cpu, uint64_t lin);

#endif
