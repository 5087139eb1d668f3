/*
 * fuzz-cpu: feeds arbitrary bytes to the x86 interpreter as guest code.
 * Input byte 0 picks the mode (bits 2:0: real, 16-bit protected, 32-bit
 * protected, 64-bit long mode with identity paging, virtual-8086, compatibility
 * mode, 32-bit protected at CPL3, 64-bit at CPL3) and a few CPU options; the rest is
 * loaded at CODE_PA and run for a bounded number of instructions. Every
 * exception vector points at a HLT, so a fault ends the run (or escalates to
 * a triple fault if the guest wrecked its tables). Invariants checked after
 * the run: no host crash or sanitizer report, RIP canonical in 64-bit mode,
 * RIP within 32 bits outside long mode, CPL 0..3.
 * Entry point: LLVMFuzzerTestOneInput (libFuzzer, or fuzz-main.c).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/machine.h"
#include "core/runstate.h"
#include "softmmu/memory.h"
#include "target-x86/cpu.h"
#include "target-x86/exec.h"

#define RAM_SIZE   (4u << 20)
#define HANDLER_PA 0x0500u      /* HLT; JMP back to the HLT */
#define GDT_PA     0x1000u
#define IDT32_PA   0x2000u
#define IDT64_PA   0x3000u
#define TSS32_PA   0x4000u      /* ESP0/SS0 for exceptions from vm86 and CPL3 */
#define TSS64_PA   0x4200u
#define USTACK_TOP 0x70000u
#define CODE_PA    0x10000u
#define CODE_MAX   0x8000u
#define STACK_TOP  0x80000u
#define PT_PA      0x200000u    /* PML4, PDPT, PD: identity map of the RAM in 2 MiB pages */
#define BUDGET     500     /* a REP instruction counts once per 4096-iteration chunk */

static Machine fz_machine;
static MemoryRegion fz_ram;
static X86CPU *fz_cpu;

static void fz_init(void)
{
    memory_region_init_container(&fz_machine.system_root, "system", 0);
    memory_region_init_container(&fz_machine.io_root, "io", 0x10000);
    address_space_init(&fz_machine.system_as, &fz_machine.system_root, "memory");
    address_space_init(&fz_machine.io_as, &fz_machine.io_root, "io");
    if (!memory_region_init_ram(&fz_ram, "ram", RAM_SIZE))
        abort();
    memory_region_add_subregion(&fz_machine.system_root, 0, &fz_ram);
    fz_cpu = x86_cpu_new(&fz_machine, 0);
    if (!fz_cpu)
        abort();
}

static void put32(uint32_t pa, uint32_t v) { memcpy(fz_ram.ram + pa, &v, 4); }
static void put64(uint32_t pa, uint64_t v) { memcpy(fz_ram.ram + pa, &v, 8); }

/* A GDT descriptor from base, limit (20 bits), access byte and flags nibble. */
static uint64_t desc(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
    return (limit & 0xffff) | ((uint64_t)(base & 0xffffff) << 16) | ((uint64_t)access << 40) |
           ((uint64_t)((limit >> 16) & 0xf) << 48) | ((uint64_t)(flags & 0xf) << 52) |
           ((uint64_t)(base >> 24) << 56);
}

static void build_tables(void)
{
    uint8_t *ram = fz_ram.ram;
    ram[HANDLER_PA] = 0xf4;                 /* hlt */
    ram[HANDLER_PA + 1] = 0xeb;             /* jmp $-3 (back to hlt) */
    ram[HANDLER_PA + 2] = 0xfd;
    for (int v = 0; v < 256; v++) {
        put32(v * 4, HANDLER_PA);           /* real-mode IVT: 0000:0500 */
        /* 32-bit interrupt gate, selector 0x08, DPL 3 so INT n from any CPL works */
        put32(IDT32_PA + v * 8, (0x08u << 16) | (HANDLER_PA & 0xffff));
        put32(IDT32_PA + v * 8 + 4, (HANDLER_PA & 0xffff0000u) | 0xee00);
        /* 64-bit interrupt gate, selector 0x18 */
        put32(IDT64_PA + v * 16, (0x18u << 16) | (HANDLER_PA & 0xffff));
        put32(IDT64_PA + v * 16 + 4, (HANDLER_PA & 0xffff0000u) | 0xee00);
        put32(IDT64_PA + v * 16 + 8, 0);
        put32(IDT64_PA + v * 16 + 12, 0);
    }
    put64(GDT_PA + 0x00, 0);
    put64(GDT_PA + 0x08, desc(0, 0xfffff, 0x9b, 0xc));   /* code32 */
    put64(GDT_PA + 0x10, desc(0, 0xfffff, 0x93, 0xc));   /* data32 */
    put64(GDT_PA + 0x18, desc(0, 0xfffff, 0x9b, 0xa));   /* code64 */
    put64(GDT_PA + 0x20, desc(0, 0xffff, 0x9b, 0x0));    /* code16 */
    put64(GDT_PA + 0x28, desc(0, 0xffff, 0x93, 0x0));    /* data16 */
    put64(GDT_PA + 0x30, desc(0, 0xfffff, 0xfb, 0xc));   /* user code32 */
    put64(GDT_PA + 0x38, desc(0, 0xfffff, 0xf3, 0xc));   /* user data32 */
    put64(GDT_PA + 0x40, desc(0, 0xfffff, 0xfb, 0xa));   /* user code64 */
    put64(GDT_PA + 0x48, desc(TSS32_PA, 0x67, 0x8b, 0));  /* busy 32-bit TSS */
    put64(GDT_PA + 0x50, desc(TSS64_PA, 0x67, 0x8b, 0));  /* busy 64-bit TSS (low half) */
    put32(TSS32_PA + 4, STACK_TOP);                      /* ESP0 */
    put32(TSS32_PA + 8, 0x10);                           /* SS0 */
    put32(TSS32_PA + 0x64, 0x68u << 16);                 /* no I/O bitmap */
    put64(TSS64_PA + 4, STACK_TOP);                      /* RSP0 */
    put32(TSS64_PA + 0x64, 0x68u << 16);
    put64(PT_PA, (PT_PA + 0x1000) | 7);                  /* user pages: CPL3 modes run too */
    put64(PT_PA + 0x1000, (PT_PA + 0x2000) | 7);
    /* only RAM is mapped: random addresses fault quickly instead of crawling through
     * unassigned space under REP (slow with sanitizers) */
    for (uint64_t i = 0; i < RAM_SIZE >> 21; i++)
        put64(PT_PA + 0x2000 + i * 8, (i << 21) | 0x87);
}

static void set_segs(uint16_t cs, uint32_t cs_attr, uint16_t ds, uint32_t ds_attr, uint32_t limit)
{
    x86_set_seg_cache(fz_cpu, R_CS, cs, 0, limit, cs_attr);
    for (int s = R_ES; s <= R_GS; s++)
        if (s != R_CS)
            x86_set_seg_cache(fz_cpu, s, ds, 0, limit, ds_attr);
}

static void set_long_paging(X86CPU *cpu, uint8_t opt)
{
    cpu->cr0 = CR0_ET | CR0_PE | CR0_NE | CR0_PG;
    cpu->cr3 = PT_PA;
    cpu->cr4 |= CR4_PAE;
    cpu->efer = EFER_LME | EFER_LMA | ((opt & 0x40) ? EFER_NXE | EFER_SCE : 0);
    cpu->idtr.base = IDT64_PA;
    cpu->idtr.limit = 0xfff;
    cpu->tr = (SegmentCache){ 0x50, TSS64_PA, 0x67, 0x8b };
}

/* Modes 4-7: vm86, compat CPL0, prot32 CPL3, long64 CPL3 (IOPL 3 when opt bit 3). */
static void set_mode_more(X86CPU *cpu, unsigned mode, uint8_t opt)
{
    uint32_t iopl = (opt & 0x08) ? 3u << 12 : 0;
    cpu->cr0 = CR0_ET | CR0_PE | CR0_NE;
    cpu->efer = 0;
    cpu->idtr.base = IDT32_PA;
    cpu->idtr.limit = 0x7ff;
    cpu->tr = (SegmentCache){ 0x48, TSS32_PA, 0x67, 0x8b };
    switch (mode) {
    case 4:
        if (opt & 0x40)
            cpu->cr4 |= CR4_VME | CR4_PVI;
        cpu->rflags |= VM_MASK | iopl;
        for (int s = R_ES; s <= R_GS; s++)
            x86_set_seg_cache(cpu, s, 0, 0, 0xffff, 0xf3);
        x86_set_seg_cache(cpu, R_CS, CODE_PA >> 4, CODE_PA, 0xffff, 0xf3);
        x86_set_seg_cache(cpu, R_SS, USTACK_TOP >> 4, USTACK_TOP, 0xffff, 0xf3);
        cpu->regs[R_ESP] = 0xfff0;
        cpu->rip = 0;
        return;
    case 5:
        set_long_paging(cpu, opt);
        set_segs(0x08, 0xc09b, 0x10, 0xc093, 0xffffffff);
        cpu->regs[R_ESP] = STACK_TOP;
        break;
    case 6:
        cpu->rflags |= iopl;
        set_segs(0x33, 0xc0fb, 0x3b, 0xc0f3, 0xffffffff);
        cpu->regs[R_ESP] = USTACK_TOP;
        break;
    default:
        set_long_paging(cpu, opt);
        cpu->rflags |= iopl;
        set_segs(0x43, 0xa0fb, 0x3b, 0xc0f3, 0xffffffff);
        cpu->regs[R_ESP] = USTACK_TOP;
        break;
    }
    cpu->rip = CODE_PA;
}

/* Set up the CPU for mode (0 real, 1 prot16, 2 prot32, 3 long64, 4-7: set_mode_more) and
 * options. */
static void set_mode(unsigned mode, uint8_t opt)
{
    X86CPU *cpu = fz_cpu;
    cpu->gdtr.base = GDT_PA;
    cpu->gdtr.limit = 0x5f;
    cpu->cr4 = (opt & 0x10) ? (CR4_OSFXSR | CR4_OSXMMEXCPT) : 0;
    cpu->rflags = 0x2 | ((opt & 0x20) ? IF_MASK : 0);
    switch (mode) {
    case 0:
        cpu->cr0 = CR0_ET;
        cpu->efer = 0;
        cpu->idtr.base = 0;
        cpu->idtr.limit = 0x3ff;
        x86_set_seg_cache(cpu, R_CS, CODE_PA >> 4, CODE_PA, 0xffff, 0x9b);
        for (int s = R_ES; s <= R_GS; s++)
            if (s != R_CS)
                x86_set_seg_cache(cpu, s, 0, 0, 0xffff, 0x93);
        x86_set_seg_cache(cpu, R_SS, STACK_TOP >> 4, STACK_TOP, 0xffff, 0x93);
        cpu->regs[R_ESP] = 0xfff0;
        cpu->rip = 0;
        break;
    case 1:
        cpu->cr0 = CR0_ET | CR0_PE | CR0_NE;
        cpu->efer = 0;
        cpu->idtr.base = IDT32_PA;
        cpu->idtr.limit = 0x7ff;
        set_segs(0x20, 0x9b, 0x28, 0x93, 0xffff);
        x86_set_seg_cache(cpu, R_CS, 0x20, CODE_PA, 0xffff, 0x9b);  /* base at the code */
        x86_set_seg_cache(cpu, R_SS, 0x10, 0, 0xffffffff, 0xc093);
        cpu->regs[R_ESP] = STACK_TOP;
        cpu->rip = 0;
        break;
    case 2:
        cpu->cr0 = CR0_ET | CR0_PE | CR0_NE;
        cpu->efer = 0;
        cpu->idtr.base = IDT32_PA;
        cpu->idtr.limit = 0x7ff;
        set_segs(0x08, 0xc09b, 0x10, 0xc093, 0xffffffff);
        cpu->regs[R_ESP] = STACK_TOP;
        cpu->rip = CODE_PA;
        break;
    case 3:
        set_long_paging(cpu, opt);
        set_segs(0x18, 0xa09b, 0x10, 0xc093, 0xffffffff);
        cpu->regs[R_ESP] = STACK_TOP;
        cpu->rip = CODE_PA;
        break;
    default:
        set_mode_more(cpu, mode, opt);
        break;
    }
    /* a few registers from the option byte, so code can start with pointers */
    cpu->regs[R_EBX] = 0x20000;
    cpu->regs[R_ESI] = 0x30000;
    cpu->regs[R_EDI] = 0x38000;
    cpu->regs[R_ECX] = (opt & 0x80) ? 0x10 : 0x3;
    x86_update_hflags(cpu);
    tlb_flush(&cpu->tlb);
}

static void check_invariants(const X86CPU *cpu)
{
    if (cpu->cpl < 0 || cpu->cpl > 3 || ((cpu->rflags & VM_MASK) && cpu->cpl != 3)) {
        fprintf(stderr, "fuzz-cpu: invariant: cpl %d\n", cpu->cpl);
        abort();
    }
    if (cpu->lma && cpu->code64) {
        uint64_t r = cpu->rip;
        if ((uint64_t)((int64_t)(r << 16) >> 16) != r) {
            fprintf(stderr, "fuzz-cpu: invariant: non-canonical rip %#llx\n",
                    (unsigned long long)cpu->rip);
            abort();
        }
    } else if (cpu->rip >> 32) {
        fprintf(stderr, "fuzz-cpu: invariant: rip %#llx above 4 GiB outside 64-bit mode\n",
                (unsigned long long)cpu->rip);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!fz_cpu)
        fz_init();
    if (size < 1)
        return 0;
    memset(fz_ram.ram, 0, RAM_SIZE);
    build_tables();
    size_t n = size - 1 > CODE_MAX ? CODE_MAX : size - 1;
    memcpy(fz_ram.ram + CODE_PA, data + 1, n);
    x86_cpu_reset(fz_cpu);
    set_mode(data[0] & 7, data[0]);
    uint64_t icount0 = fz_cpu->icount;
    int why = x86_cpu_exec(fz_cpu, BUDGET);
    if (getenv("FUZZ_CPU_VERBOSE"))
        fprintf(stderr, "fuzz-cpu: mode %u exit %d icount %llu rip %#llx cs %#x cpl %d "
                "halted %d shutdown %d rcx %#llx rsi %#llx rdi %#llx\n", data[0] & 7u, why,
                (unsigned long long)(fz_cpu->icount - icount0), (unsigned long long)fz_cpu->rip,
                fz_cpu->seg[R_CS].selector, fz_cpu->cpl, fz_cpu->halted, fz_cpu->shutdown,
                (unsigned long long)fz_cpu->regs[R_ECX], (unsigned long long)fz_cpu->regs[R_ESI],
                (unsigned long long)fz_cpu->regs[R_EDI]);
    check_invariants(fz_cpu);
    (void)runstate_take_request();  /* a triple fault asks for shutdown: forget it */
    return 0;
}
