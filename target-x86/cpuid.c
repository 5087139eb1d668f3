/*
 * CPUID: one consistent model of a generic 64-bit Intel CPU that
 * advertises exactly the features Vessel implements. Feature words are
 * tables below; change them together with the implementation.
 */
#include <string.h>

#include "target-x86/cpu.h"
#include "target-x86/cpu-internal.h"

#define MAX_BASIC_LEAF 0xdu
#define MAX_EXT_LEAF   0x80000008u

/* CPUID.1:EDX */
enum {
    F1D_FPU = 1u << 0, F1D_VME = 1u << 1, F1D_DE = 1u << 2, F1D_PSE = 1u << 3, F1D_TSC = 1u << 4,
    F1D_MSR = 1u << 5, F1D_PAE = 1u << 6, F1D_CX8 = 1u << 8, F1D_APIC = 1u << 9,
    F1D_SEP = 1u << 11, F1D_MTRR = 1u << 12, F1D_PGE = 1u << 13, F1D_CMOV = 1u << 15,
    F1D_PAT = 1u << 16, F1D_CLFSH = 1u << 19, F1D_MMX = 1u << 23, F1D_FXSR = 1u << 24,
    F1D_SSE = 1u << 25, F1D_SSE2 = 1u << 26,
};
/* CPUID.1:ECX */
enum { F1C_CX16 = 1u << 13, F1C_PCID = 1u << 17, F1C_MOVBE = 1u << 22, F1C_POPCNT = 1u << 23,
       F1C_TSC_DEADLINE = 1u << 24,
       F1C_XSAVE = 1u << 26, F1C_OSXSAVE = 1u << 27, F1C_HYPERVISOR = 1u << 31 };
/* CPUID.7.0:EBX */
enum { F7B_SMEP = 1u << 7, F7B_SMAP = 1u << 20 };
/* CPUID.80000001:ECX / EDX */
enum { F81C_LAHF = 1u << 0, F81C_ABM = 1u << 5 };
enum { F81D_SYSCALL = 1u << 11, F81D_NX = 1u << 20, F81D_PDPE1GB = 1u << 26,
       F81D_RDTSCP = 1u << 27, F81D_LM = 1u << 29 };

static const uint32_t leaf1_edx = F1D_FPU | F1D_VME | F1D_DE | F1D_PSE | F1D_TSC | F1D_MSR |
                                  F1D_PAE | F1D_CX8 | F1D_APIC | F1D_SEP | F1D_MTRR | F1D_PGE |
                                  F1D_CMOV | F1D_PAT | F1D_CLFSH | F1D_MMX | F1D_FXSR |
                                  F1D_SSE | F1D_SSE2;
/* SSE3/SSSE3/SSE4.x: set here once the interpreter implements them. */
static const uint32_t leaf1_ecx = F1C_CX16 | F1C_PCID | F1C_MOVBE | F1C_POPCNT | F1C_XSAVE |
                                  F1C_HYPERVISOR | F1C_TSC_DEADLINE;
static const uint32_t leaf7_ebx = F7B_SMEP | F7B_SMAP;
static const uint32_t ext1_ecx = F81C_LAHF | F81C_ABM;
static const uint32_t ext1_edx = F81D_SYSCALL | F81D_NX | F81D_PDPE1GB | F81D_RDTSCP | F81D_LM;

static const char vendor[12] = "GenuineIntel";
static const char brand[48] = "Vessel Virtual CPU";

static uint32_t le32(const char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static void leaf_vendor(uint32_t max, uint32_t out[4])
{
    out[0] = max;
    out[1] = le32(vendor);
    out[3] = le32(vendor + 4);
    out[2] = le32(vendor + 8);
}

static void leaf_features(X86CPU *cpu, uint32_t out[4])
{
    out[0] = X86_CPUID_SIGNATURE;
    out[1] = ((uint32_t)cpu->index << 24) | (1u << 16) | (8u << 8);  /* APIC id, 1 thread, 64-byte lines */
    out[2] = leaf1_ecx;
    out[3] = leaf1_edx;
    if (!(cpu->apic_base & (1u << 11)))
        out[3] &= ~(uint32_t)F1D_APIC;
    if (!cpu->apic)
        out[2] &= ~(uint32_t)F1C_TSC_DEADLINE;   /* the LAPIC timer implements it */
    if (cpu->cr4 & CR4_OSXSAVE)
        out[2] |= F1C_OSXSAVE;
}

/*
 * Leaf 0xD, the XSAVE layout (interp-xsave.c): x87 and SSE only, both in
 * the 512-byte legacy region, then the 64-byte header; XSAVEOPT is the
 * only sub-leaf 1 feature (no XSAVEC, XGETBV ECX=1, XSAVES).
 */
#define XSTATE_SUPPORTED_MASK 0x3u
#define XSAVE_AREA_SIZE 576u
static void leaf_xsave(uint32_t subleaf, uint32_t out[4])
{
    if (subleaf == 0) {
        out[0] = XSTATE_SUPPORTED_MASK;
        out[1] = XSAVE_AREA_SIZE;   /* for the components enabled in XCR0 */
        out[2] = XSAVE_AREA_SIZE;   /* for every supported component */
    } else if (subleaf == 1) {
        out[0] = 1;                 /* XSAVEOPT */
        out[1] = XSAVE_AREA_SIZE;
    }
}

static void leaf_brand(uint32_t leaf, uint32_t out[4])
{
    const char *p = brand + (leaf - 0x80000002u) * 16;
    for (int i = 0; i < 4; i++)
        out[i] = le32(p + 4 * i);
}

void x86_cpuid(X86CPU *cpu, uint32_t leaf, uint32_t subleaf,
               uint32_t *eax, uint32_t *ebx, uint32_t *ecx, uint32_t *edx)
{
    uint32_t r[4] = { 0, 0, 0, 0 };
    switch (leaf) {
    case 0: leaf_vendor(MAX_BASIC_LEAF, r); break;
    case 1: leaf_features(cpu, r); break;
    case 7:
        if (subleaf == 0)
            r[1] = leaf7_ebx;
        break;
    case 0xd: leaf_xsave(subleaf, r); break;
    case 0x80000000: r[0] = MAX_EXT_LEAF; break;
    case 0x80000001: r[2] = ext1_ecx; r[3] = ext1_edx; break;
    case 0x80000002: case 0x80000003: case 0x80000004: leaf_brand(leaf, r); break;
    case 0x80000008: r[0] = (48u << 8) | X86_PHYS_BITS; break;
    default: break;
    }
    *eax = r[0];
    *ebx = r[1];
    *ecx = r[2];
    *edx = r[3];
}
