/*
 * Unit tests for the CPU's side of SMP and the platform: IA32_APIC_BASE
 * (enable, BSP bit, relocation, reserved bits, CPUID.1:EDX.APIC),
 * IA32_TSC_DEADLINE reaching the LAPIC timer, CR8 = TPR[7:4], INIT and SIPI
 * sent back to back to an AP, the A20 mask, and the atomic LOCKed
 * read-modify-write (lock-rmw.c) against other threads.
 */
#include <check.h>
#include <pthread.h>

#include "core/clock.h"
#include "hw/intc/lapic.h"
#include "target-x86/cpu-internal.h"
#include "target-x86/lock-rmw.h"
#include "x86-test-machine.h"
#include "unit-test.h"

#define MSR_APIC_BASE 0x1b
#define MSR_DEADLINE 0x6e0

static APICBus bus;
static LAPICState *lapic;
static uint64_t hook_base;
static int hook_calls;

static void on_base(void *opaque, LAPICState *s, uint64_t base)
{
    hook_base = base;
    hook_calls++;
}

static void setup(void)
{
    clock_init();
    clock_set_icount(0);
    tm_setup();
    apic_bus_init(&bus);
    lapic = lapic_new_for_x86_cpu(&bus, cpu, true);
    ck_assert_ptr_nonnull(lapic);
    lapic_set_base_hook(lapic, on_base, NULL);
    hook_calls = 0;
}

static void teardown(void)
{
    lapic_free(lapic);
    tm_teardown();
    clock_set_icount(-1);
}

static uint64_t rdmsr(uint32_t msr)
{
    uint64_t v = 0;
    ck_assert(x86_rdmsr(cpu, msr, &v));
    return v;
}

static uint32_t cpuid_reg(uint32_t leaf, int reg)
{
    uint32_t r[4];
    x86_cpuid(cpu, leaf, 0, &r[0], &r[1], &r[2], &r[3]);
    return r[reg];
}

static void advance(int64_t ns)
{
    clock_icount_advance((uint64_t)ns);
    timers_run_expired(CLOCK_VIRTUAL);
}

static bool intr_pending(void)
{
    return atomic_load(&cpu->interrupt_request) & CPU_INTERRUPT_HARD;
}

START_TEST(test_apic_base_msr)
{
    ck_assert_uint_eq(rdmsr(MSR_APIC_BASE), 0xfee00900);
    ck_assert(cpuid_reg(1, 3) & (1u << 9));
    ck_assert(!x86_wrmsr(cpu, MSR_APIC_BASE, 0xfee00900 | (1u << 10)));   /* x2APIC: reserved */
    ck_assert(!x86_wrmsr(cpu, MSR_APIC_BASE, 0xfee00901));
    ck_assert(!x86_wrmsr(cpu, MSR_APIC_BASE, 0xfee00900 | (1ull << 60)));
    ck_assert_int_eq(hook_calls, 0);
    /* Globally disabled: BSP stays, CPUID drops the APIC, the page goes. */
    lapic_mmio_write(lapic, APIC_REG_SVR, 0x1ff, 4);
    ck_assert(x86_wrmsr(cpu, MSR_APIC_BASE, 0xfee00000));
    ck_assert_uint_eq(rdmsr(MSR_APIC_BASE), 0xfee00100);
    ck_assert_uint_eq(lapic_get_base(lapic), 0xfee00100);
    ck_assert(!(cpuid_reg(1, 3) & (1u << 9)));
    ck_assert_int_eq(hook_calls, 1);
    ck_assert(!(hook_base & APIC_BASE_ENABLE));
    /* Re-enabled elsewhere: relocated, registers back to reset values. */
    ck_assert(x86_wrmsr(cpu, MSR_APIC_BASE, 0xfed00800));
    ck_assert_uint_eq(rdmsr(MSR_APIC_BASE), 0xfed00900);
    ck_assert_uint_eq(hook_base, 0xfed00900);
    ck_assert_uint_eq(lapic_mmio_read(lapic, APIC_REG_SVR, 4), 0xff);
    ck_assert(cpuid_reg(1, 3) & (1u << 9));
    /* Machine reset moves the page back. */
    lapic_reset(lapic);
    ck_assert_uint_eq(hook_base, 0xfee00900);
}
END_TEST

START_TEST(test_tsc_deadline_msr)
{
    ck_assert(cpuid_reg(1, 2) & (1u << 24));
    void *saved = cpu->apic;
    cpu->apic = NULL;
    ck_assert(!(cpuid_reg(1, 2) & (1u << 24)));     /* only with a LAPIC timer */
    cpu->apic = saved;

    lapic_mmio_write(lapic, APIC_REG_SVR, 0x1ff, 4);
    ck_assert(x86_wrmsr(cpu, MSR_DEADLINE, x86_rdtsc(cpu) + 1000));   /* one-shot mode: ignored */
    ck_assert_uint_eq(rdmsr(MSR_DEADLINE), 0);
    lapic_mmio_write(lapic, APIC_REG_LVT_TIMER, APIC_LVT_TIMER_TSCDEADLINE | 0x40, 4);
    uint64_t deadline = x86_rdtsc(cpu) + 1000;
    ck_assert(x86_wrmsr(cpu, MSR_DEADLINE, deadline));
    ck_assert_uint_eq(rdmsr(MSR_DEADLINE), deadline);
    advance(990);
    ck_assert(!intr_pending());
    advance(20);
    ck_assert(intr_pending());
    ck_assert_int_eq(lapic_intr_ack(lapic), 0x40);
    ck_assert_uint_eq(rdmsr(MSR_DEADLINE), 0);      /* disarmed once it fired */
    /* Writing 0 disarms. */
    ck_assert(x86_wrmsr(cpu, MSR_DEADLINE, x86_rdtsc(cpu) + 100));
    ck_assert(x86_wrmsr(cpu, MSR_DEADLINE, 0));
    advance(1000);
    ck_assert_int_eq(lapic_intr_ack(lapic), -1);
}
END_TEST

START_TEST(test_cr8_is_tpr)
{
    ASSERT_OK(t_write_cr(8, 5));
    ck_assert_uint_eq(lapic_mmio_read(lapic, APIC_REG_TPR, 4), 0x50);
    lapic_mmio_write(lapic, APIC_REG_TPR, 0x7f, 4);
    ck_assert_uint_eq(x86_read_cr(cpu, 8), 7);
    ASSERT_FAULT(t_write_cr(8, 0x10), EXCP_GP, 0);
    ck_assert_uint_eq(x86_read_cr(cpu, 8), 7);
    /* CR8 masks by priority class: vector 0x45 waits while CR8 >= 4. */
    lapic_mmio_write(lapic, APIC_REG_SVR, 0x1ff, 4);
    ASSERT_OK(t_write_cr(8, 4));
    lapic_accept_irq(lapic, 0x45, false, APIC_DM_FIXED);
    ck_assert(!intr_pending());
    ASSERT_OK(t_write_cr(8, 3));
    ck_assert(intr_pending());
    ck_assert_int_eq(lapic_intr_ack(lapic), 0x45);
}
END_TEST

START_TEST(test_init_sipi_back_to_back)
{
    X86CPU *ap = x86_cpu_new(&tm_machine, 1);
    LAPICState *ap_lapic = lapic_new_for_x86_cpu(&bus, ap, false);
    ck_assert(ap->halted && ap->wait_sipi);
    /* As SeaBIOS does: INIT then SIPI to all but self, no delay between. */
    lapic_mmio_write(lapic, APIC_REG_SVR, 0x1ff, 4);
    lapic_mmio_write(lapic, APIC_REG_ICR_LO, 0x000c4500, 4);
    lapic_mmio_write(lapic, APIC_REG_ICR_LO, 0x000c4610, 4);
    bool started = false;
    for (int i = 0; i < 4 && !started; i++)
        started = x86_handle_interrupts(ap);
    ck_assert(started);
    ck_assert(!ap->halted && !ap->wait_sipi);
    ck_assert_uint_eq(ap->seg[R_CS].selector, 0x1000);
    ck_assert_uint_eq(ap->seg[R_CS].base, 0x10000);
    ck_assert_uint_eq(ap->rip, 0);
    /* The BSP was not affected by its own all-excluding-self IPIs. */
    ck_assert(!cpu->halted);
    ck_assert_uint_eq(ap->apic_base, 0xfee00800);
    lapic_free(ap_lapic);
    x86_cpu_free(ap);
}
END_TEST

START_TEST(test_a20_mask)
{
    put8(0x100500, 0xaa);
    put8(0x000500, 0x55);
    ck_assert_uint_eq(ASSERT_OK(t_read_lin(0x100500, 1, false)), 0xaa);
    x86_cpu_set_a20(cpu, false);
    ck_assert_uint_eq(ASSERT_OK(t_read_lin(0x100500, 1, false)), 0x55);   /* wraps at 1 MiB */
    ASSERT_OK(t_write_lin(0x100501, 0x66, 1, false));
    ck_assert_uint_eq(get8(0x000501), 0x66);
    ck_assert_uint_eq(get8(0x100501), 0);
    put8(0x200500, 0x77);
    ck_assert_uint_eq(ASSERT_OK(t_read_lin(0x200500, 1, false)), 0x77);   /* even MiB: itself */
    ck_assert_uint_eq(ASSERT_OK(t_read_lin(0x300500, 1, false)), 0x77);   /* odd MiB: one lower */
    x86_cpu_set_a20(cpu, true);
    ck_assert_uint_eq(ASSERT_OK(t_read_lin(0x100500, 1, false)), 0xaa);
    /* The gate survives a CPU reset (it is board state). */
    x86_cpu_set_a20(cpu, false);
    x86_cpu_reset(cpu);
    ck_assert_uint_eq(cpu->a20_mask, ~(1ull << 20));
}
END_TEST

/* ---- LOCKed read-modify-write ---- */

START_TEST(test_lock_rmw_commit_keeps_neighbours)
{
    uint8_t *word = tm_ram.ram + 0x1000;
    put64(0x1000, 0x1122334455667788ull);
    if (setjmp(cpu->jmp_env) != 0)
        ck_abort_msg("unexpected restart");
    x86_lock_rmw_begin();
    uint64_t v = x86_lock_rmw_load(cpu, word + 2, 2);
    ck_assert_uint_eq(v, 0x5566);
    x86_lock_rmw_store(cpu, word + 2, 0xabcd, 2);
    x86_lock_rmw_end();
    ck_assert_uint_eq(get64(0x1000), 0x11223344abcd7788ull);
}
END_TEST

START_TEST(test_lock_rmw_restarts_after_plain_store)
{
    uint8_t *word = tm_ram.ram + 0x2000;
    put32(0x2000, 1);                    /* a lock held by "another CPU" */
    cpu->regs[R_EAX] = 7;
    cpu->rflags = 0x2;
    volatile int restarts = 0;
    if (setjmp(cpu->jmp_env) != 0) {
        restarts++;
        ck_assert_int_eq(cpu->exception_vector, -1);
        ck_assert_uint_eq(cpu->regs[R_EAX], 7);          /* registers as before */
        ck_assert_uint_eq(cpu->rflags, 0x2);
    }
    x86_lock_rmw_begin();
    uint64_t old = x86_lock_rmw_load(cpu, word, 4);     /* LOCK BTS: reads the lock */
    cpu->regs[R_EAX] = 99;                               /* the handler's partial work */
    cpu->rflags |= 1;                                    /* CF = old bit */
    if (restarts == 0)
        put32(0x2000, 0);                                /* the owner releases meanwhile */
    x86_lock_rmw_store(cpu, word, old | 1, 4);
    x86_lock_rmw_end();
    ck_assert_int_eq(restarts, 1);
    ck_assert_uint_eq(old, 0);                           /* the retry saw the release */
    ck_assert_uint_eq(get32(0x2000), 1);
}
END_TEST

#define RMW_ITERS 200000

typedef struct RmwThread {
    X86CPU cpu;
    uint8_t *counter;
} RmwThread;

static void *rmw_increments(void *opaque)
{
    RmwThread *t = opaque;
    volatile int i = 0;
    setjmp(t->cpu.jmp_env);              /* restarts land here and redo iteration i */
    while (i < RMW_ITERS) {
        x86_lock_rmw_begin();
        uint64_t v = x86_lock_rmw_load(&t->cpu, t->counter, 4);
        x86_lock_rmw_store(&t->cpu, t->counter, v + 1, 4);
        x86_lock_rmw_end();
        i++;
    }
    return NULL;
}

START_TEST(test_lock_rmw_threads_lose_nothing)
{
    static RmwThread th[2];
    pthread_t tid[2];
    put32(0x3000, 0);
    for (int i = 0; i < 2; i++) {
        memset(&th[i], 0, sizeof(th[i]));
        th[i].counter = tm_ram.ram + 0x3000;
        ck_assert_int_eq(pthread_create(&tid[i], NULL, rmw_increments, &th[i]), 0);
    }
    for (int i = 0; i < 2; i++)
        pthread_join(tid[i], NULL);
    ck_assert_uint_eq(get32(0x3000), 2 * RMW_ITERS);
}
END_TEST

static Suite *apic_cpu_suite(void)
{
    Suite *s = suite_create("apic-cpu");
    TCase *tc = unit_tcase(s, "core", setup, teardown, UNIT_TESTS(
        test_apic_base_msr, test_tsc_deadline_msr, test_cr8_is_tpr, test_init_sipi_back_to_back,
        test_a20_mask, test_lock_rmw_commit_keeps_neighbours,
        test_lock_rmw_restarts_after_plain_store, test_lock_rmw_threads_lose_nothing));
    tcase_set_timeout(tc, 60);
    return s;
}

int main(void)
{
    return unit_run_suite(apic_cpu_suite());
}
