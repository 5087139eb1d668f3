/*
 * Model-specific registers: RDMSR/WRMSR with the reserved-value checks of
 * the SDM. An unknown MSR or an invalid value makes x86_rdmsr/x86_wrmsr
 * return false; the interpreter raises #GP(0).
 */
#include "core/log.h"
#include "softmmu/tlb.h"
#include "target-x86/cpu.h"
#include "target-x86/cpu-internal.h"

#define EFER_VALID (EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE)
#define MTRR_CAP_VALUE 0x508ull   /* 8 variable ranges, fixed ranges, WC */
#define NR_VAR_MTRRS 8

/* Fixed-range MTRR MSR -> index in cpu->mtrr_fixed (11 registers). */
static int fixed_mtrr_index(uint32_t msr)
{
    if (msr == MSR_MTRR_FIX64K)
        return 0;
    if (msr == MSR_MTRR_FIX16K_80000 || msr == MSR_MTRR_FIX16K_A0000)
        return 1 + (int)(msr - MSR_MTRR_FIX16K_80000);
    if (msr >= MSR_MTRR_FIX4K_C0000 && msr < MSR_MTRR_FIX4K_C0000 + 8)
        return 3 + (int)(msr - MSR_MTRR_FIX4K_C0000);
    return -1;
}

static bool is_var_mtrr(uint32_t msr)
{
    return msr >= MSR_MTRR_PHYSBASE0 && msr < MSR_MTRR_PHYSBASE0 + 2 * NR_VAR_MTRRS;
}

/* Memory types valid in MTRRs (0 UC, 1 WC, 4 WT, 5 WP, 6 WB); PAT adds 7 UC-. */
static bool valid_mem_type(unsigned t, bool pat)
{
    return t == 0 || t == 1 || t == 4 || t == 5 || t == 6 || (pat && t == 7);
}

static bool valid_type_bytes(uint64_t v, bool pat)
{
    for (int i = 0; i < 8; i++) {
        if (!valid_mem_type((v >> (8 * i)) & 0xff, pat))
            return false;
    }
    return true;
}

static bool valid_var_mtrr(uint32_t msr, uint64_t v)
{
    bool is_mask = (msr - MSR_MTRR_PHYSBASE0) & 1;
    if (v & ~X86_PHYS_MASK)
        return false;
    if (is_mask)
        return (v & 0x7ffull) == 0;
    return (v & 0xf00ull) == 0 && valid_mem_type(v & 0xff, false);
}

bool x86_rdmsr(X86CPU *cpu, uint32_t msr, uint64_t *val)
{
    int fix = fixed_mtrr_index(msr);
    if (fix >= 0) {
        *val = cpu->mtrr_fixed[fix];
        return true;
    }
    if (is_var_mtrr(msr)) {
        *val = cpu->mtrr_var[msr - MSR_MTRR_PHYSBASE0];
        return true;
    }
    switch (msr) {
    case MSR_IA32_TSC: *val = x86_rdtsc(cpu); break;
    case MSR_IA32_PLATFORM_ID: *val = 0; break;
    case MSR_IA32_APIC_BASE: *val = x86_apic_get_base(cpu); break;
    case MSR_IA32_FEATURE_CONTROL: *val = 1; break;   /* locked, VMX off */
    case MSR_IA32_BIOS_SIGN_ID: *val = 0; break;
    case MSR_PLATFORM_INFO: *val = 0; break;
    case MSR_MTRRcap: *val = MTRR_CAP_VALUE; break;
    case MSR_IA32_SYSENTER_CS: *val = cpu->sysenter_cs; break;
    case MSR_IA32_SYSENTER_ESP: *val = cpu->sysenter_esp; break;
    case MSR_IA32_SYSENTER_EIP: *val = cpu->sysenter_eip; break;
    case MSR_IA32_MISC_ENABLE: *val = cpu->misc_enable; break;
    case MSR_IA32_DEBUGCTL: *val = 0; break;   /* no LBR/BTF support */
    case MSR_IA32_PAT: *val = cpu->pat; break;
    case MSR_MTRR_DEF_TYPE: *val = cpu->mtrr_deftype; break;
    case MSR_IA32_TSC_DEADLINE: *val = x86_apic_get_tsc_deadline(cpu); break;
    case MSR_EFER: *val = cpu->efer; break;
    case MSR_STAR: *val = cpu->star; break;
    case MSR_LSTAR: *val = cpu->lstar; break;
    case MSR_CSTAR: *val = cpu->cstar; break;
    case MSR_SFMASK: *val = cpu->sfmask; break;
    case MSR_FS_BASE: *val = cpu->seg[R_FS].base; break;
    case MSR_GS_BASE: *val = cpu->seg[R_GS].base; break;
    case MSR_KERNEL_GS_BASE: *val = cpu->kernel_gs_base; break;
    case MSR_TSC_AUX: *val = cpu->tsc_aux; break;
    default:
        log_mask(LOG_UNIMP, "cpu%d: rdmsr %#x unknown\n", cpu->index, msr);
        return false;
    }
    return true;
}

static bool write_efer(X86CPU *cpu, uint64_t val)
{
    if (val & ~(uint64_t)EFER_VALID)
        return false;
    if ((cpu->cr0 & CR0_PG) && ((val ^ cpu->efer) & EFER_LME))
        return false;
    uint64_t nv = (val & ~(uint64_t)EFER_LMA) | (cpu->efer & EFER_LMA);
    if ((nv ^ cpu->efer) & EFER_NXE)
        tlb_flush(&cpu->tlb);
    cpu->efer = nv;
    x86_update_hflags(cpu);
    return true;
}

static bool write_canonical(uint64_t *dst, uint64_t val)
{
    if (!x86_is_canonical(val))
        return false;
    *dst = val;
    return true;
}

static bool write_mtrr(X86CPU *cpu, uint32_t msr, uint64_t val)
{
    int fix = fixed_mtrr_index(msr);
    if (fix >= 0) {
        if (!valid_type_bytes(val, false))
            return false;
        cpu->mtrr_fixed[fix] = val;
        return true;
    }
    if (!valid_var_mtrr(msr, val))
        return false;
    cpu->mtrr_var[msr - MSR_MTRR_PHYSBASE0] = val;
    return true;
}

bool x86_wrmsr(X86CPU *cpu, uint32_t msr, uint64_t val)
{
    if (fixed_mtrr_index(msr) >= 0 || is_var_mtrr(msr))
        return write_mtrr(cpu, msr, val);
    switch (msr) {
    case MSR_IA32_TSC: x86_tsc_write(cpu, val); return true;
    case MSR_IA32_APIC_BASE: return x86_apic_set_base(cpu, val);
    case MSR_IA32_BIOS_SIGN_ID: return true;
    case MSR_IA32_SYSENTER_CS: cpu->sysenter_cs = val & 0xffff; return true;
    case MSR_IA32_SYSENTER_ESP: return write_canonical(&cpu->sysenter_esp, val);
    case MSR_IA32_SYSENTER_EIP: return write_canonical(&cpu->sysenter_eip, val);
    case MSR_IA32_MISC_ENABLE: cpu->misc_enable = val; return true;
    case MSR_IA32_DEBUGCTL: return val == 0;
    case MSR_IA32_PAT:
        if (!valid_type_bytes(val, true))
            return false;
        cpu->pat = val;
        return true;
    case MSR_MTRR_DEF_TYPE:
        if ((val & ~0xcffull) || !valid_mem_type(val & 0xff, false))
            return false;
        cpu->mtrr_deftype = val;
        return true;
    case MSR_IA32_TSC_DEADLINE: x86_apic_set_tsc_deadline(cpu, val); return true;
    case MSR_EFER: return write_efer(cpu, val);
    case MSR_STAR: cpu->star = val; return true;
    case MSR_LSTAR: return write_canonical(&cpu->lstar, val);
    case MSR_CSTAR: return write_canonical(&cpu->cstar, val);
    case MSR_SFMASK:
        if (val >> 32)
            return false;
        cpu->sfmask = val;
        return true;
    case MSR_FS_BASE: return write_canonical(&cpu->seg[R_FS].base, val);
    case MSR_GS_BASE: return write_canonical(&cpu->seg[R_GS].base, val);
    case MSR_KERNEL_GS_BASE: return write_canonical(&cpu->kernel_gs_base, val);
    case MSR_TSC_AUX:
        if (val >> 32)
            return false;
        cpu->tsc_aux = val;
        return true;
    default:
        log_mask(LOG_UNIMP, "cpu%d: wrmsr %#x <- %#llx unknown\n", cpu->index, msr,
                 (unsigned long long)val);
        return false;
    }
}
