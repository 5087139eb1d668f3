/*
 * Unit tests for the code-page marks (softmmu/code-pages.c) and the TLB
 * flags they and the gdb watchpoints drive: TLB_NOTDIRTY on the write tags
 * of every registered TLB (entries filled before and after the mark, the
 * race with a concurrent fill), CPU stores (plain, page-crossing, the
 * JIT's slow path) and device writes calling the write hook once before
 * the bytes land, no hook for unmarked pages, TLB_WATCH on watched pages
 * only and gone after the watchpoint is removed.
 */
#include "tests/unit/x86-test-machine.h"

#include <pthread.h>
#include <time.h>

#include "accel/debug.h"
#include "softmmu/code-pages.h"
#include "target-x86/cpu-internal.h"
#include "unit-test.h"

#define MAX_CALLS 16

static X86CPU *cpu2;
static unsigned nr_calls;
static uintptr_t call_page[MAX_CALLS];
static const uint8_t *probe;       /* a byte the hook records ... */
static uint8_t probe_seen[MAX_CALLS]; /* ... as it was when the hook ran */

static void hook(uintptr_t host_page, void *opaque)
{
    ck_assert_ptr_eq(opaque, &nr_calls);
    if (nr_calls < MAX_CALLS) {
        call_page[nr_calls] = host_page;
        probe_seen[nr_calls] = probe ? *probe : 0;
    }
    nr_calls++;
}

static uint8_t *host(uint64_t pa)
{
    return tm_ram.ram + pa;
}

static uintptr_t host_page(uint64_t pa)
{
    return (uintptr_t)host(pa & ~0xfffull);
}

static void setup(void)
{
    tm_setup();
    cpu2 = x86_cpu_new(&tm_machine, 1);
    ck_assert_ptr_nonnull(cpu2);
    code_pages_clear();
    code_pages_set_hook(hook, &nr_calls);
    nr_calls = 0;
    probe = NULL;
}

static void teardown(void)
{
    code_pages_set_hook(NULL, NULL);
    code_pages_clear();
    x86_cpu_free(cpu2);
    cpu2 = NULL;
    tm_teardown();
}

/* Paging is off: linear == physical, MMU_PHYS_IDX. */
static uint64_t wtag(X86CPU *c, uint64_t lin)
{
    return tlb_entry(&c->tlb, MMU_PHYS_IDX, lin)->addr_write;
}

static uint64_t rtag(X86CPU *c, uint64_t lin)
{
    return tlb_entry(&c->tlb, MMU_PHYS_IDX, lin)->addr_read;
}

/* Enter lin's page in c's TLB for reading and writing. */
static void fill(X86CPU *c, uint64_t lin)
{
    tlb_set_page(&c->tlb, c->as, MMU_PHYS_IDX, lin, lin,
                 TLB_PROT_READ | TLB_PROT_WRITE | TLB_PROT_EXEC, TARGET_PAGE_SIZE, false);
}

START_TEST(test_mark_flags_existing_and_new_entries)
{
    code_pages_register_tlb(&cpu2->tlb);   /* again: still one registration */
    fill(cpu, 0x5000);
    fill(cpu2, 0x5000);
    fill(cpu, 0x6000);
    ck_assert_uint_eq(wtag(cpu, 0x5000), 0x5000);   /* plain RAM: no flag */
    ck_assert(!code_pages_is_marked(host(0x5000)));

    code_pages_mark(host(0x5123));
    ck_assert(code_pages_is_marked(host(0x5000)));
    ck_assert(code_pages_is_marked(host(0x5fff)));
    ck_assert(!code_pages_is_marked(host(0x6000)));
    ck_assert(!code_pages_is_marked(host(0x4fff)));
    /* existing entries of both CPUs: write tags flagged, read tags not */
    ck_assert_uint_eq(wtag(cpu, 0x5000), 0x5000 | TLB_NOTDIRTY);
    ck_assert_uint_eq(wtag(cpu2, 0x5000), 0x5000 | TLB_NOTDIRTY);
    ck_assert_uint_eq(rtag(cpu, 0x5000), 0x5000);
    ck_assert_uint_eq(wtag(cpu, 0x6000), 0x6000);
    /* an entry filled after the mark, and one of another vaddr aliasing
     * the same RAM (paging maps two linear pages onto it) */
    tlb_flush(&cpu2->tlb);
    fill(cpu2, 0x5000);
    ck_assert_uint_eq(wtag(cpu2, 0x5000), 0x5000 | TLB_NOTDIRTY);
    tlb_set_page(&cpu2->tlb, cpu2->as, MMU_KSMAP_IDX, 0x40000000, 0x5000,
                 TLB_PROT_READ | TLB_PROT_WRITE, TARGET_PAGE_SIZE, false);
    ck_assert_uint_eq(tlb_entry(&cpu2->tlb, MMU_KSMAP_IDX, 0x40000000)->addr_write,
                      0x40000000 | TLB_NOTDIRTY);
    ck_assert_uint_eq(nr_calls, 0);

    code_pages_clear();
    ck_assert(!code_pages_is_marked(host(0x5000)));
    tlb_flush(&cpu2->tlb);
    fill(cpu2, 0x5000);
    ck_assert_uint_eq(wtag(cpu2, 0x5000), 0x5000);
}
END_TEST

START_TEST(test_cpu_store_calls_hook_once_then_lands)
{
    put32(0x5010, 0x11111111);
    fill(cpu, 0x5000);
    code_pages_mark(host(0x5000));
    probe = host(0x5010);
    ASSERT_OK(t_write_lin(0x5010, 0xcafef00d, 4, false));
    ck_assert_uint_eq(nr_calls, 1);
    ck_assert_uint_eq(call_page[0], host_page(0x5000));
    ck_assert_uint_eq(probe_seen[0], 0x11);             /* the hook ran before the store */
    ck_assert_uint_eq(get32(0x5010), 0xcafef00d);       /* and the store reached RAM */
    ck_assert(!code_pages_is_marked(host(0x5000)));
    ck_assert_uint_eq(wtag(cpu, 0x5000), 0x5000);       /* fast path again */
    ASSERT_OK(t_write_lin(0x5014, 0x22, 1, false));
    ck_assert_uint_eq(nr_calls, 1);
    ck_assert_uint_eq(get8(0x5014), 0x22);

    /* marked again: flagged again, one more call */
    code_pages_mark(host(0x5fff));
    ck_assert_uint_eq(wtag(cpu, 0x5000), 0x5000 | TLB_NOTDIRTY);
    ASSERT_OK(t_write_lin(0x5ff8, 0x0123456789abcdefull, 8, false));
    ck_assert_uint_eq(nr_calls, 2);
    ck_assert_uint_eq(get64(0x5ff8), 0x0123456789abcdefull);
}
END_TEST

/* A flat 32-bit data segment: x86_write's inline fast path must leave a
 * flagged page to the slow path. */
START_TEST(test_interpreter_fast_path_defers_to_slow_path)
{
    cpu->cr0 = CR0_ET | CR0_PE;
    tm_load_segs(0x08, 0, 0xc09b, 0x10, 0, 0xc093, 0xffffffff);
    x86_update_hflags(cpu);
    ck_assert_uint_eq(t_write(R_DS, 0x5020, 0x1234, 2).vector, -1);   /* fills the entry */
    code_pages_mark(host(0x5000));
    ck_assert_uint_eq(t_write(R_DS, 0x5020, 0xabcd, 2).vector, -1);
    ck_assert_uint_eq(nr_calls, 1);
    ck_assert_uint_eq(get16(0x5020), 0xabcd);
    ck_assert_uint_eq(t_write(R_DS, 0x5022, 0x55, 1).vector, -1);
    ck_assert_uint_eq(nr_calls, 1);
    /* reads of a marked page stay plain */
    code_pages_mark(host(0x5000));
    ck_assert_uint_eq(ASSERT_OK(t_read(R_DS, 0x5020, 4)), 0x0055abcd);
    ck_assert_uint_eq(nr_calls, 1);
    ck_assert(code_pages_is_marked(host(0x5000)));
}
END_TEST

START_TEST(test_page_crossing_store)
{
    put32(0x5ffe, 0);
    code_pages_mark(host(0x6000));   /* only the second page holds code */
    probe = host(0x6000);
    put8(0x6000, 0x77);
    ASSERT_OK(t_write_lin(0x5ffe, 0xa1b2c3d4, 4, false));
    ck_assert_uint_eq(nr_calls, 1);
    ck_assert_uint_eq(call_page[0], host_page(0x6000));
    ck_assert_uint_eq(probe_seen[0], 0x77);
    ck_assert_uint_eq(get32(0x5ffe), 0xa1b2c3d4);

    /* both pages: one call each, before any byte lands */
    code_pages_mark(host(0x5000));
    code_pages_mark(host(0x6000));
    probe = host(0x5ffc);
    put8(0x5ffc, 0x99);
    ASSERT_OK(t_write_lin(0x5ffc, 0x1122334455667788ull, 8, false));
    ck_assert_uint_eq(nr_calls, 3);
    ck_assert(call_page[1] != call_page[2]);
    ck_assert(call_page[1] == host_page(0x5000) || call_page[1] == host_page(0x6000));
    ck_assert(call_page[2] == host_page(0x5000) || call_page[2] == host_page(0x6000));
    ck_assert_uint_eq(probe_seen[1], 0x99);
    ck_assert_uint_eq(probe_seen[2], 0x99);
    ck_assert_uint_eq(get64(0x5ffc), 0x1122334455667788ull);
}
END_TEST

/* The JIT's slow paths: x86_st_mmu / x86_ld_mmu in an explicit MMU index. */
START_TEST(test_jit_slow_paths)
{
    code_pages_mark(host(0x9000));
    x86_st_mmu(cpu, 0x9100, 0xfeedface, 4, MMU_PHYS_IDX);
    ck_assert_uint_eq(nr_calls, 1);
    ck_assert_uint_eq(get32(0x9100), 0xfeedface);
    ck_assert_uint_eq(x86_ld_mmu(cpu, 0x9100, 4, MMU_PHYS_IDX), 0xfeedface);
    x86_st_mmu(cpu, 0x9104, 1, 1, MMU_PHYS_IDX);
    ck_assert_uint_eq(nr_calls, 1);
}
END_TEST

START_TEST(test_device_writes_call_hook)
{
    uint8_t buf[64];
    memset(buf, 0x5a, sizeof(buf));
    code_pages_mark(host(0x7000));
    probe = host(0x7ff0);
    put8(0x7ff0, 0x01);
    /* DMA across the end of the page: the marked page once */
    ck_assert_int_eq(address_space_write(&tm_machine.system_as, 0x7ff0, buf, 32), MEMTX_OK);
    ck_assert_uint_eq(nr_calls, 1);
    ck_assert_uint_eq(call_page[0], host_page(0x7000));
    ck_assert_uint_eq(probe_seen[0], 0x01);
    ck_assert_uint_eq(get8(0x800f), 0x5a);
    ck_assert_uint_eq(get8(0x7ff0), 0x5a);
    /* a CPU-style store from a device */
    code_pages_mark(host(0x7000));
    ck_assert_int_eq(address_space_st(&tm_machine.system_as, 0x7004, 0xdead, 2), MEMTX_OK);
    ck_assert_uint_eq(nr_calls, 2);
    ck_assert_uint_eq(get16(0x7004), 0xdead);
    /* loaders (write_rom) and RAM mapped for writing */
    code_pages_mark(host(0x7000));
    ck_assert_int_eq(address_space_write_rom(&tm_machine.system_as, 0x7100, buf, 4), MEMTX_OK);
    ck_assert_uint_eq(nr_calls, 3);
    code_pages_mark(host(0x7000));
    code_pages_mark(host(0xa000));
    uint64_t len = 0x4000;
    uint8_t *p = address_space_map_ram(&tm_machine.system_as, 0x7000, &len, true);
    ck_assert_ptr_eq(p, host(0x7000));
    ck_assert_uint_eq(nr_calls, 5);   /* 0x7000 and 0xa000: the whole mapped range */
    ck_assert(!code_pages_is_marked(host(0xa000)));
    /* mapped for reading: nothing */
    code_pages_mark(host(0x7000));
    len = 0x1000;
    ck_assert_ptr_nonnull(address_space_map_ram(&tm_machine.system_as, 0x7000, &len, false));
    ck_assert_uint_eq(nr_calls, 5);
    ck_assert(code_pages_is_marked(host(0x7000)));
}
END_TEST

START_TEST(test_unmarked_pages_cost_no_hook)
{
    uint8_t buf[0x3000] = { 0 };
    for (int i = 0; i < 64; i++) {
        ASSERT_OK(t_write_lin(0x3000 + i * 8, i, 8, false));
        address_space_write(&tm_machine.system_as, 0x20000, buf, sizeof(buf));
    }
    ck_assert_uint_eq(nr_calls, 0);
    code_pages_mark(host(0x100000));   /* something elsewhere is marked */
    for (int i = 0; i < 64; i++) {
        ASSERT_OK(t_write_lin(0x3000 + i * 8, i, 8, false));
        address_space_write(&tm_machine.system_as, 0x20000, buf, sizeof(buf));
    }
    ck_assert_uint_eq(wtag(cpu, 0x3000), 0x3000);
    ck_assert_uint_eq(nr_calls, 0);
    /* a huge write over unmarked pages with marks elsewhere */
    ck_assert_int_eq(address_space_write(&tm_machine.system_as, 0x200000, host(0x800000), 0x400000),
                     MEMTX_OK);
    ck_assert_uint_eq(nr_calls, 0);
    ck_assert(code_pages_is_marked(host(0x100000)));
}
END_TEST

/* ---- the race between a mark and a concurrent fill ---- */

static pthread_barrier_t race_barrier;

/* A few hundred nanoseconds at most, different every round, so that over
 * the rounds the fill lands before, inside and after the mark. */
static void spin(unsigned n)
{
    for (volatile unsigned i = 0; i < n; i++)
        ;
}

static void *filler(void *arg)
{
    pthread_barrier_wait(&race_barrier);
    spin(*(unsigned *)arg);
    fill(cpu2, 0x5000);
    return NULL;
}

START_TEST(test_mark_races_with_fill)
{
    uint64_t rng = 0x9e3779b97f4a7c15ull;
    pthread_barrier_init(&race_barrier, NULL, 2);
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int round = 0; round < 10000; round++) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - t0.tv_sec >= 2)
            break;   /* a loaded machine: enough rounds */
        code_pages_clear();
        tlb_flush(&cpu2->tlb);
        unsigned delay[2] = { (unsigned)(tm_xorshift64(&rng) % 2048),
                              (unsigned)(tm_xorshift64(&rng) % 2048) };
        pthread_t t;
        ck_assert_int_eq(pthread_create(&t, NULL, filler, &delay[0]), 0);
        pthread_barrier_wait(&race_barrier);
        spin(delay[1]);
        code_pages_mark(host(0x5000));
        pthread_join(t, NULL);
        ck_assert_msg(wtag(cpu2, 0x5000) == (0x5000 | TLB_NOTDIRTY), "round %d: tag %#llx",
                      round, (unsigned long long)wtag(cpu2, 0x5000));
    }
    pthread_barrier_destroy(&race_barrier);
}
END_TEST

/* ---- TLB_WATCH ---- */

START_TEST(test_watch_flag_follows_watchpoints)
{
    fill(cpu, 0x7000);
    fill(cpu2, 0x7000);
    ck_assert(debug_insert(DEBUG_WP_WRITE, 0x7ffe, 4));   /* straddles 0x7000/0x8000 */
    ck_assert(!tlb_hit_page(wtag(cpu, 0x7000), 0x7000));  /* every TLB flushed */
    ck_assert(!tlb_hit_page(wtag(cpu2, 0x7000), 0x7000));
    fill(cpu, 0x7000);
    fill(cpu, 0x8000);
    fill(cpu, 0x9000);
    ck_assert_uint_eq(wtag(cpu, 0x7000), 0x7000 | TLB_WATCH);
    ck_assert_uint_eq(rtag(cpu, 0x7000), 0x7000 | TLB_WATCH);
    ck_assert_uint_eq(wtag(cpu, 0x8000), 0x8000 | TLB_WATCH);
    ck_assert_uint_eq(wtag(cpu, 0x9000), 0x9000);
    ck_assert_uint_eq(rtag(cpu, 0x9000), 0x9000);
    ck_assert_uint_eq(tlb_entry(&cpu->tlb, MMU_PHYS_IDX, 0x7000)->addr_code, 0x7000);

    /* watched RAM is still RAM: a store elsewhere in the page lands
     * without a hit, one on the watched bytes lands and hits */
    x86_st_mmu(cpu, 0x7100, 0xabcd, 2, MMU_PHYS_IDX);
    ck_assert_uint_eq(get16(0x7100), 0xabcd);
    ck_assert(!debug_after_insn(cpu));
    put32(0x7ffc, 0x13572468);
    ck_assert_uint_eq(x86_ld_mmu(cpu, 0x7ffc, 4, MMU_PHYS_IDX), 0x13572468);
    ck_assert(!debug_after_insn(cpu));   /* a write watchpoint: reads pass */
    x86_st_mmu(cpu, 0x7ffc, 0x99887766, 4, MMU_PHYS_IDX);
    ck_assert_uint_eq(get32(0x7ffc), 0x99887766);
    ck_assert(debug_after_insn(cpu));
    DebugStop stop;
    ck_assert(debug_take_stop(&stop));
    ck_assert_int_eq(stop.reason, DEBUG_STOP_WATCH);
    ck_assert_uint_eq(stop.addr, 0x7ffe);
    X86CPU *cpus[2] = { cpu, cpu2 };
    debug_prepare_resume(cpus, 2, -1);

    /* a code page under a watchpoint: both flags, both behaviours */
    code_pages_mark(host(0x7000));
    ck_assert_uint_eq(wtag(cpu, 0x7000), 0x7000 | TLB_WATCH | TLB_NOTDIRTY);
    ASSERT_OK(t_write_lin(0x7200, 0x42, 1, false));
    ck_assert_uint_eq(nr_calls, 1);
    ck_assert_uint_eq(get8(0x7200), 0x42);
    ck_assert_uint_eq(wtag(cpu, 0x7000), 0x7000 | TLB_WATCH);

    ck_assert(debug_remove(DEBUG_WP_WRITE, 0x7ffe, 4));
    ck_assert(!tlb_hit_page(wtag(cpu, 0x7000), 0x7000));
    fill(cpu, 0x7000);
    ck_assert_uint_eq(wtag(cpu, 0x7000), 0x7000);
    ck_assert_uint_eq(rtag(cpu, 0x7000), 0x7000);
    debug_remove_all();
    debug_prepare_resume(cpus, 2, -1);
}
END_TEST

/* Breakpoints alone leave the TLBs and their tags alone. */
START_TEST(test_breakpoints_do_not_watch)
{
    fill(cpu, 0x7000);
    ck_assert(debug_insert(DEBUG_BP_SW, 0x7000, 1));
    ck_assert_uint_eq(wtag(cpu, 0x7000), 0x7000);
    fill(cpu, 0x7000);
    ck_assert_uint_eq(wtag(cpu, 0x7000), 0x7000);
    ck_assert(debug_remove(DEBUG_BP_SW, 0x7000, 1));
    debug_remove_all();
}
END_TEST

int main(void)
{
    return unit_run_tcase("code-pages", "code-pages", setup, teardown, UNIT_TESTS(
        test_mark_flags_existing_and_new_entries, test_cpu_store_calls_hook_once_then_lands,
        test_interpreter_fast_path_defers_to_slow_path, test_page_crossing_store,
        test_jit_slow_paths, test_device_writes_call_hook, test_unmarked_pages_cost_no_hook,
        test_mark_races_with_fill, test_watch_flag_follows_watchpoints,
        test_breakpoints_do_not_watch));
}
