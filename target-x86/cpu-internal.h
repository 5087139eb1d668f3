/*
 * Helpers shared by the system side of target-x86 (cpu.c, mem.c, mmu.c,
 * excp.c, seg.c, far.c, task.c, sysreg.c); not for the interpreter.
 */
#ifndef VESSEL_TARGET_X86_CPU_INTERNAL_H
#define VESSEL_TARGET_X86_CPU_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "target-x86/cpu.h"

/* CPUID.1:EAX and EDX after reset: family 6, model 6, stepping 3. */
#define X86_CPUID_SIGNATURE 0x00000663u

/* MSR numbers */
#define MSR_IA32_TSC            0x10
#define MSR_IA32_PLATFORM_ID    0x17
#define MSR_IA32_APIC_BASE      0x1b
#define MSR_IA32_FEATURE_CONTROL 0x3a
#define MSR_IA32_TSC_ADJUST     0x3b
#define MSR_IA32_BIOS_SIGN_ID   0x8b
#define MSR_PLATFORM_INFO       0xce
#define MSR_MTRRcap             0xfe
#define MSR_IA32_SYSENTER_CS    0x174
#define MSR_IA32_SYSENTER_ESP   0x175
#define MSR_IA32_SYSENTER_EIP   0x176
#define MSR_IA32_MCG_CAP        0x179
#define MSR_IA32_MCG_STATUS     0x17a
#define MSR_IA32_MISC_ENABLE    0x1a0
#define MSR_IA32_DEBUGCTL       0x1d9
#define MSR_MTRR_PHYSBASE0      0x200
#define MSR_MTRR_FIX64K         0x250
#define MSR_MTRR_FIX16K_80000   0x258
#define MSR_MTRR_FIX16K_A0000   0x259
#define MSR_MTRR_FIX4K_C0000    0x268
#define MSR_IA32_PAT            0x277
#define MSR_MTRR_DEF_TYPE       0x2ff
#define MSR_IA32_TSC_DEADLINE   0x6e0
#define MSR_EFER                0xc0000080
#define MSR_STAR                0xc0000081
#define MSR_LSTAR               0xc0000082
#define MSR_CSTAR               0xc0000083
#define MSR_SFMASK              0xc0000084
#define MSR_FS_BASE             0xc0000100
#define MSR_GS_BASE             0xc0000101
#define MSR_KERNEL_GS_BASE      0xc0000102
#define MSR_TSC_AUX             0xc0000103

/* Physical address width advertised in CPUID 0x80000008 and enforced as
 * reserved bits in page-table entries and MTRR/APIC base values. */
#define X86_PHYS_BITS 40
#define X86_PHYS_MASK ((1ull << X86_PHYS_BITS) - 1)

/* mem.c */
bool x86_is_canonical(uint64_t lin);
/* Guest-physical access for page walks and descriptors: RAM directly,
 * anything else through the address space (unassigned reads all ones). */
uint64_t x86_phys_ld(X86CPU *cpu, uint64_t phys, unsigned size);
void x86_phys_st(X86CPU *cpu, uint64_t phys, uint64_t val, unsigned size);
/* Atomic compare-and-exchange of a 4- or 8-byte page-table entry. */
bool x86_phys_cmpxchg(X86CPU *cpu, uint64_t phys, uint64_t old, uint64_t new, unsigned size);

/* sysreg.c */
void x86_tsc_reset(X86CPU *cpu);
void x86_tsc_write(X86CPU *cpu, uint64_t val);
/* Reload the PAE PDPTEs from CR3; false if one has reserved bits set. */
bool x86_load_pdptes(X86CPU *cpu, uint64_t cr3);

/* excp.c */
/* Does this exception vector push an error code? */
bool x86_excp_has_error(int vector);

/* seg.c: descriptors */
typedef struct Desc {
    uint32_t lo, hi;      /* the 8 bytes of a descriptor */
    uint64_t addr;        /* its linear address (for the accessed/busy bits) */
} Desc;

/* Read the descriptor for `sel` from the GDT/LDT; false if outside the table
 * limit (the caller raises the fault it needs). Implicit supervisor reads. */
bool x86_read_desc(X86CPU *cpu, uint16_t sel, Desc *d);
/* Read the upper 8 bytes of a 16-byte system descriptor in long mode. */
bool x86_read_desc_high(X86CPU *cpu, uint16_t sel, uint32_t *hi_lo, uint32_t *hi_hi);
/* Hidden-part image of a descriptor. */
SegmentCache x86_desc_to_cache(const Desc *d, uint16_t sel);
static inline unsigned desc_dpl(const Desc *d) { return (d->hi >> 13) & 3; }
static inline unsigned desc_type(const Desc *d) { return (d->hi >> 8) & 0xf; }
static inline bool desc_s(const Desc *d) { return (d->hi >> 12) & 1; }
static inline bool desc_present(const Desc *d) { return (d->hi >> 15) & 1; }
static inline bool desc_is_code(const Desc *d) { return desc_s(d) && (d->hi & (1u << 11)); }
static inline bool desc_is_data(const Desc *d) { return desc_s(d) && !(d->hi & (1u << 11)); }
/* Set the accessed bit in memory if clear. */
void x86_desc_set_accessed(X86CPU *cpu, Desc *d);
/* Load CS from a checked code descriptor, RPL forced to `cpl`. */
void x86_load_cs_desc(X86CPU *cpu, uint16_t sel, const Desc *d, int cpl);
/* Load SS from a checked descriptor (or null in 64-bit mode). */
void x86_load_ss_desc(X86CPU *cpu, uint16_t sel, const Desc *d, int cpl);
/* On return to an outer level: null DS/ES/FS/GS that the new CPL may not use. */
void x86_null_inaccessible_segs(X86CPU *cpu);
/* Validate a new SS for a stack switch (checks of SDM CALL/INT/IRET): raises
 * `vector`(sel) (usually #TS or #SS) on failure. */
void x86_check_new_ss(X86CPU *cpu, uint16_t sel, int rpl_cpl, Desc *d, int vector);

/* excp.c / far.c: stack pushes on an explicit stack (not SS cache) */
typedef struct StackPtr {
    uint64_t base;        /* segment base (0 in 64-bit mode) */
    uint64_t sp;
    uint64_t mask;        /* 0xffff, 0xffffffff or ~0 */
    bool user;            /* CPL 3 access */
    bool check;           /* protected mode: check accesses against `seg`'s limit */
    SegmentCache seg;
    uint32_t fault_err;   /* #SS error code when the limit check fails */
} StackPtr;
/* A stack in segment `ss` (legacy modes, limit-checked in protected mode). */
StackPtr x86_stack_seg(X86CPU *cpu, const SegmentCache *ss, uint64_t sp, bool user,
                       uint32_t fault_err);
/* A flat 64-bit stack. */
StackPtr x86_stack_flat(uint64_t sp, bool user);
/* Is [offset, offset + size) inside the segment's limit (expand-down aware)? */
bool x86_seg_within_limit(const SegmentCache *s, uint64_t offset, unsigned size);
void x86_stack_push(X86CPU *cpu, StackPtr *s, uint64_t val, unsigned size);
uint64_t x86_stack_pop(X86CPU *cpu, StackPtr *s, unsigned size);
/* Write back an updated rsp respecting the stack size. */
void x86_set_sp(X86CPU *cpu, uint64_t sp, uint64_t mask);

/* task.c */
enum { TASK_JMP, TASK_CALL, TASK_IRET, TASK_INT };
void x86_task_switch(X86CPU *cpu, uint16_t sel, const Desc *tss, int source, uint64_t next_rip);
/* Inner-level stack from the current TSS for `dpl`: raises #TS on errors. */
void x86_tss_get_stack(X86CPU *cpu, int dpl, uint16_t *ss, uint64_t *sp);

#endif
