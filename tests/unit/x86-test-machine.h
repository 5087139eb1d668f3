/*
 * A minimal machine for the x86 system-side unit tests (mmu, seg, the
 * instruction tests, linuxboot): 16 MiB (or a given size) of RAM at 0 in a
 * hand-built Machine, one CPU, a flat 32-bit FPU/SSE start state, helpers
 * to poke guest physical memory, to run one instruction or a CPU call
 * catching its exception longjmp, and a xorshift generator.
 */
#ifndef VESSEL_TESTS_X86_TEST_MACHINE_H
#define VESSEL_TESTS_X86_TEST_MACHINE_H

#include <check.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "core/machine.h"
#include "softmmu/memory.h"
#include "target-x86/cpu.h"
#include "target-x86/exec.h"

#define TM_RAM_SIZE (16u << 20)

static Machine tm_machine;
static MemoryRegion tm_ram;
static X86CPU *cpu;

/* The machine with ram_size bytes of RAM at 0 and CPU 0. */
static inline void tm_setup_ram(uint64_t ram_size)
{
    memset(&tm_machine, 0, sizeof(tm_machine));
    memset(&tm_ram, 0, sizeof(tm_ram));
    memory_region_init_container(&tm_machine.system_root, "system", 0);
    memory_region_init_container(&tm_machine.io_root, "io", 0x10000);
    address_space_init(&tm_machine.system_as, &tm_machine.system_root, "memory");
    address_space_init(&tm_machine.io_as, &tm_machine.io_root, "io");
    ck_assert(memory_region_init_ram(&tm_ram, "ram", ram_size));
    memory_region_add_subregion(&tm_machine.system_root, 0, &tm_ram);
    cpu = x86_cpu_new(&tm_machine, 0);
    ck_assert_ptr_nonnull(cpu);
}

static inline void tm_setup(void)
{
    tm_setup_ram(TM_RAM_SIZE);
}

static inline void tm_teardown(void)
{
    x86_cpu_free(cpu);
    cpu = NULL;
    address_space_destroy(&tm_machine.system_as);
    address_space_destroy(&tm_machine.io_as);
    memory_region_destroy(&tm_machine.system_root);
    memory_region_destroy(&tm_machine.io_root);
    memory_region_destroy(&tm_ram);
}

static inline void put8(uint64_t pa, uint8_t v) { tm_ram.ram[pa] = v; }
static inline void put16(uint64_t pa, uint16_t v) { memcpy(tm_ram.ram + pa, &v, 2); }
static inline void put32(uint64_t pa, uint32_t v) { memcpy(tm_ram.ram + pa, &v, 4); }
static inline void put64(uint64_t pa, uint64_t v) { memcpy(tm_ram.ram + pa, &v, 8); }
static inline uint8_t get8(uint64_t pa) { return tm_ram.ram[pa]; }
static inline uint16_t get16(uint64_t pa) { uint16_t v; memcpy(&v, tm_ram.ram + pa, 2); return v; }
static inline uint32_t get32(uint64_t pa) { uint32_t v; memcpy(&v, tm_ram.ram + pa, 4); return v; }
static inline uint64_t get64(uint64_t pa) { uint64_t v; memcpy(&v, tm_ram.ram + pa, 8); return v; }

/* Load CS with (code_sel, code_base, code_attr) and ES, SS, DS, FS, GS
 * with (data_sel, data_base, data_attr), all with the same limit. */
static inline void tm_load_segs(uint16_t code_sel, uint64_t code_base, uint32_t code_attr,
                                uint16_t data_sel, uint64_t data_base, uint32_t data_attr,
                                uint32_t limit)
{
    x86_set_seg_cache(cpu, R_CS, code_sel, code_base, limit, code_attr);
    for (int s = R_ES; s <= R_GS; s++)
        if (s != R_CS)
            x86_set_seg_cache(cpu, s, data_sel, data_base, limit, data_attr);
}

/* Flat 32-bit protected mode with a native FPU (CR0.NE/MP) and the given
 * CR4: the starting state of the x87/MMX/SSE instruction tests. */
static inline void tm_setup_flat32(uint64_t cr4)
{
    tm_setup();
    cpu->cr0 = CR0_ET | CR0_PE | CR0_NE | CR0_MP;
    cpu->cr4 = cr4;
    cpu->efer = 0;
    tm_load_segs(0x08, 0, 0xc09b, 0x10, 0, 0xc093, 0xffffffff);
    x86_update_hflags(cpu);
    tlb_flush(&cpu->tlb);
    cpu->rflags = 2;
    cpu->cc.op = 0;
}

/* Copy one instruction to physical pa and run it there; -1 or the
 * exception vector it raised. */
static inline int tm_exec1(uint64_t pa, const uint8_t *code, size_t len)
{
    memcpy(tm_ram.ram + pa, code, len);
    cpu->rip = pa - cpu->seg[R_CS].base;
    volatile int v = -1;
    if (setjmp(cpu->jmp_env) == 0)
        x86_exec_one(cpu);
    else
        v = cpu->exception_vector;
    return v;
}

/* One xorshift64 step on *state: the reproducible generator of the
 * hostile-input tests. */
static inline uint64_t tm_xorshift64(uint64_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return *state;
}

/* The outcome of a CPU call: vector -1 if it returned (with its value),
 * else the exception it raised. */
typedef struct Outcome {
    int vector;
    uint32_t error;
    uint64_t value;
} Outcome;

/* Define `name(params)` running `call` with cpu->jmp_env caught. */
#define DEFINE_TRY(name, params, call)                                    \
    static __attribute__((unused)) Outcome name params                   \
    {                                                                     \
        volatile Outcome o = { -1, 0, 0 };                                \
        if (setjmp(cpu->jmp_env) == 0) {                                  \
            o.value = (uint64_t)(call);                                   \
        } else {                                                          \
            o.vector = cpu->exception_vector;                             \
            o.error = cpu->exception_error;                               \
        }                                                                 \
        return o;                                                         \
    }

static __attribute__((unused)) unsigned tm_avail;

DEFINE_TRY(t_read_lin, (uint64_t lin, unsigned size, bool user), x86_read_lin(cpu, lin, size, user))
DEFINE_TRY(t_write_lin, (uint64_t lin, uint64_t val, unsigned size, bool user),
           (x86_write_lin(cpu, lin, val, size, user), 0))
DEFINE_TRY(t_read, (int seg, uint64_t off, unsigned size), x86_read(cpu, seg, off, size))
DEFINE_TRY(t_write, (int seg, uint64_t off, uint64_t val, unsigned size),
           (x86_write(cpu, seg, off, val, size), 0))
DEFINE_TRY(t_seg_linear, (int seg, uint64_t off, unsigned size, int access),
           x86_seg_linear(cpu, seg, off, size, access))
DEFINE_TRY(t_fetch, (uint64_t off), x86_fetch_byte(cpu, off))
DEFINE_TRY(t_code_page, (uint64_t lin, uint64_t *end), (uintptr_t)x86_code_page(cpu, lin, end))
DEFINE_TRY(t_code_ptr, (uint64_t off), (uintptr_t)x86_code_ptr(cpu, off, &tm_avail))
DEFINE_TRY(t_write_cr, (int cr, uint64_t val), (x86_write_cr(cpu, cr, val), 0))
DEFINE_TRY(t_load_seg, (int seg, uint16_t sel), (x86_load_seg(cpu, seg, sel), 0))

static inline uint64_t check_ok(Outcome o, int line)
{
    ck_assert_msg(o.vector == -1, "line %d: unexpected exception %d err %#x", line, o.vector,
                  o.error);
    return o.value;
}

static inline void check_fault(Outcome o, int vec, uint32_t err, int line)
{
    ck_assert_msg(o.vector == vec, "line %d: vector %d, expected %d", line, o.vector, vec);
    ck_assert_msg(o.error == err, "line %d: error %#x, expected %#x", line, o.error, err);
}

#define ASSERT_OK(o) check_ok((o), __LINE__)
#define ASSERT_FAULT(o, vec, err) check_fault((o), (vec), (uint32_t)(err), __LINE__)

#endif
