/*
 * x86 vCPU lifecycle: allocation, the power-on (RESET#) and INIT states of
 * SDM vol. 3 table 9-1, derived mode flags, and thread-safe external events
 * (INTR pin, NMI, INIT, SIPI, kick).
 */
#include <stdlib.h>
#include <string.h>

#include "core/machine.h"
#include "softmmu/code-pages.h"
#include "target-x86/cpu.h"
#include "target-x86/cpu-internal.h"

void (*x86_cpu_kick_hook)(X86CPU *cpu) = NULL;

X86CPU *x86_cpu_new(Machine *m, int index)
{
    X86CPU *cpu = calloc(1, sizeof(*cpu));
    if (!cpu)
        return NULL;
    cpu->machine = m;
    cpu->index = index;
    cpu->as = &m->system_as;
    cpu->io_as = &m->io_as;
    cpu->a20_mask = ~0ull;
    x86_cpu_reset(cpu);
    code_pages_register_tlb(&cpu->tlb);   /* write tags follow the code pages */
    return cpu;
}

void x86_cpu_free(X86CPU *cpu)
{
    if (cpu)
        code_pages_unregister_tlb(&cpu->tlb);
    free(cpu);
}

/* Registers, segments, control registers: common to RESET and INIT. */
static void reset_core_state(X86CPU *cpu)
{
    memset(cpu->regs, 0, sizeof(cpu->regs));
    cpu->regs[R_EDX] = X86_CPUID_SIGNATURE;
    cpu->rip = 0xfff0;
    cpu->rflags = 0x2;
    memset(&cpu->cc, 0, sizeof(cpu->cc));  /* CC_OP_EFLAGS is 0 */
    x86_set_seg_cache(cpu, R_CS, 0xf000, 0xffff0000, 0xffff, 0x9b);
    for (int s = 0; s < 6; s++) {
        if (s != R_CS)
            x86_set_seg_cache(cpu, s, 0, 0, 0xffff, 0x93);
    }
    cpu->ldtr = (SegmentCache){ 0, 0, 0xffff, 0x82 };
    cpu->tr = (SegmentCache){ 0, 0, 0xffff, 0x8b };
    cpu->gdtr = (DescTable){ 0, 0xffff };
    cpu->idtr = (DescTable){ 0, 0xffff };
    cpu->cr0 = 0x60000010;
    cpu->cr2 = cpu->cr3 = cpu->cr4 = cpu->cr8 = 0;
    memset(cpu->dr, 0, sizeof(cpu->dr));
    cpu->dr[6] = 0xffff0ff0;
    cpu->dr[7] = 0x400;
    cpu->efer = 0;
    cpu->xcr0 = 1;
    memset(cpu->pdpte, 0, sizeof(cpu->pdpte));

    cpu->inhibit_irq = false;
    cpu->halted = false;
    cpu->wait_sipi = false;
    cpu->shutdown = false;
    cpu->nmi_blocked = false;
    cpu->exception_vector = -1;
    cpu->exception_depth = 0;
    cpu->delivering_vector = -1;
    cpu->tlb.pcid = 0;
    tlb_flush(&cpu->tlb);
    x86_update_hflags(cpu);
}

static void reset_fpu_state(X86CPU *cpu)
{
    memset(&cpu->fpu, 0, sizeof(cpu->fpu));
    cpu->fpu.fcw = 0x37f;
    memset(cpu->xmm, 0, sizeof(cpu->xmm));
    cpu->mxcsr = 0x1f80;
}

static bool cpu_is_bsp(X86CPU *cpu)
{
    return cpu->index == 0;
}

/* APs stay in wait-for-SIPI after RESET/INIT. */
static void enter_wait_for_sipi(X86CPU *cpu)
{
    if (!cpu_is_bsp(cpu)) {
        cpu->halted = true;
        cpu->wait_sipi = true;
    }
}

void x86_cpu_reset(X86CPU *cpu)
{
    atomic_store(&cpu->interrupt_request, 0);
    cpu->sipi_vector = 0;
    reset_core_state(cpu);
    reset_fpu_state(cpu);
    cpu->star = cpu->lstar = cpu->cstar = cpu->sfmask = cpu->kernel_gs_base = 0;
    cpu->sysenter_cs = cpu->sysenter_esp = cpu->sysenter_eip = 0;
    cpu->tsc_aux = 0;
    cpu->apic_base = 0xfee00000 | (1u << 11) | (cpu_is_bsp(cpu) ? (1u << 8) : 0);
    cpu->pat = 0x0007040600070406ull;
    cpu->misc_enable = 1;  /* fast strings */
    cpu->mtrr_deftype = 0;
    memset(cpu->mtrr_fixed, 0, sizeof(cpu->mtrr_fixed));
    memset(cpu->mtrr_var, 0, sizeof(cpu->mtrr_var));
    cpu->tsc_deadline = 0;
    x86_tsc_reset(cpu);
    enter_wait_for_sipi(cpu);
}

/* A SIPI that arrived while the INIT was pending stays pending, vector
 * included: the AP takes it as soon as it waits for one (INIT and SIPI
 * sent back to back). */
void x86_cpu_init_signal(X86CPU *cpu)
{
    x86_cpu_clear_event(cpu, CPU_INTERRUPT_NMI);
    reset_core_state(cpu);
    enter_wait_for_sipi(cpu);
}

void x86_update_hflags(X86CPU *cpu)
{
    const SegmentCache *cs = &cpu->seg[R_CS];
    cpu->lma = (cpu->efer & EFER_LMA) != 0;
    if (!(cpu->cr0 & CR0_PE))
        cpu->cpl = 0;
    else if (cpu->rflags & VM_MASK)
        cpu->cpl = 3;
    else
        cpu->cpl = (cpu->seg[R_SS].attr & SEG_ATTR_DPL) >> SEG_ATTR_DPL_SHIFT;
    cpu->code64 = cpu->lma && (cs->attr & SEG_ATTR_L);
    cpu->code32 = cpu->code64 || ((cpu->cr0 & CR0_PE) && !(cpu->rflags & VM_MASK) &&
                                  (cs->attr & SEG_ATTR_DB));
    /* Real mode keeps CS.D from the cache too (big real mode is rare but legal). */
    if (!(cpu->cr0 & CR0_PE))
        cpu->code32 = (cs->attr & SEG_ATTR_DB) != 0;
    cpu->stack32 = (cpu->seg[R_SS].attr & SEG_ATTR_DB) != 0;
}

/*
 * The A20 gate is board state (port 0x92, i8042), so RESET/INIT leave the
 * mask alone. The page walker and the TLB fill (mmu.c) apply it; bumping
 * the address space's generation makes the CPU drop its TLB before its
 * next access, also when the gate is moved from another vCPU's thread.
 */
void x86_cpu_set_a20(X86CPU *cpu, bool enabled)
{
    uint64_t mask = enabled ? ~0ull : ~(1ull << 20);
    if (cpu->a20_mask == mask)
        return;
    __atomic_store_n(&cpu->a20_mask, mask, __ATOMIC_RELEASE);
    if (cpu->as)
        __atomic_fetch_add(&cpu->as->generation, 1, __ATOMIC_RELEASE);
}

static void kick(X86CPU *cpu)
{
    if (x86_cpu_kick_hook)
        x86_cpu_kick_hook(cpu);
}

void x86_cpu_raise_event(X86CPU *cpu, unsigned mask)
{
    atomic_fetch_or(&cpu->interrupt_request, mask);
    atomic_store(&cpu->tcg_exit_request, 1);   /* after it: the JIT's blocks stop */
    kick(cpu);
}

void x86_cpu_clear_event(X86CPU *cpu, unsigned mask)
{
    atomic_fetch_and(&cpu->interrupt_request, ~mask);
}

void x86_cpu_set_irq_level(X86CPU *cpu, int level)
{
    if (level)
        x86_cpu_raise_event(cpu, CPU_INTERRUPT_HARD);
    else
        x86_cpu_clear_event(cpu, CPU_INTERRUPT_HARD);
}
