/*
 * The code buffer: one region of host memory for the generated code of all
 * vCPU threads (executable for a native back end), the back end's prologue
 * at its start, bump allocation, and a second buffer for the data that
 * lives as long as the blocks (TBs, the decoded instructions the front end
 * keeps). Both are reset together when either is full.
 *
 * Flushing: every vCPU must be out of generated code. Each vCPU thread is
 * inside a "region" while it runs a slice; the thread that needs a flush
 * raises a request, kicks every vCPU (CPU_INTERRUPT_EXIT: their loops return
 * at the next block boundary, and between blocks they check the request),
 * waits until it is the only one inside, flushes, and lets the others in
 * again. Halted and paused vCPUs are outside their regions. We use this
 * instead of the pause machinery (vcpus_pause), which the I/O thread owns
 * and a vCPU thread cannot call on itself.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <glib.h>

#include "accel/tcg/tcg-internal.h"
#include "core/log.h"
#include "core/machine.h"
#include "softmmu/code-pages.h"

static size_t code_size = 64u << 20;   /* -accel tcg,tb-size=MiB */
static size_t data_size = 64u << 20;   /* as much: a block keeps about as many bytes
                                        * of data (decoded instructions) as of code */
#define CODE_BUFFER_SIZE code_size
#define DATA_BUFFER_SIZE data_size

static uint8_t *code_base, *data_base;
static size_t prologue_size, code_used, data_used;

bool code_buffer_init(const TCGBackend *be, unsigned mib, char **err)
{
    if (code_base)
        return true;
    if (mib) {
        code_size = (size_t)mib << 20;
        data_size = code_size;
    }
    int prot = PROT_READ | PROT_WRITE | (be->native ? PROT_EXEC : 0);
    void *c = mmap(NULL, CODE_BUFFER_SIZE, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (c == MAP_FAILED) {
        *err = g_strdup_printf("-accel tcg: the host refuses %s memory for the code buffer "
                               "(%zu MiB); try -accel tcg,backend=tci", be->native ?
                               "writable and executable" : "", CODE_BUFFER_SIZE >> 20);
        return false;
    }
    void *d = mmap(NULL, DATA_BUFFER_SIZE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (d == MAP_FAILED) {
        munmap(c, CODE_BUFFER_SIZE);
        *err = g_strdup_printf("-accel tcg: cannot map %zu MiB for the translation blocks",
                               DATA_BUFFER_SIZE >> 20);
        return false;
    }
    prologue_size = be->gen_prologue(c, CODE_BUFFER_SIZE);
    if (!prologue_size) {
        munmap(c, CODE_BUFFER_SIZE);
        munmap(d, DATA_BUFFER_SIZE);
        *err = g_strdup("-accel tcg: the back end's prologue does not fit the code buffer");
        return false;
    }
    be->flush_icache(c, prologue_size);
    prologue_size = (prologue_size + 63) & ~(size_t)63;
    code_base = c;
    data_base = d;
    code_used = prologue_size;
    return true;
}

const uint8_t *code_buffer_prologue(void)
{
    return code_base;
}

uint8_t *code_buffer_cur(size_t *left)
{
    *left = CODE_BUFFER_SIZE - code_used;
    return code_base + code_used;
}

void code_buffer_commit(size_t used)
{
    code_used += (used + 15) & ~(size_t)15;
    if (code_used > CODE_BUFFER_SIZE)
        code_used = CODE_BUFFER_SIZE;
}

void *data_buffer_alloc(size_t size)
{
    size = (size + 15) & ~(size_t)15;
    if (size > DATA_BUFFER_SIZE - data_used)
        return NULL;
    void *p = data_base + data_used;
    data_used += size;
    return p;
}

void code_buffer_reset(void)
{
    code_used = prologue_size;
    data_used = 0;
}

/* ---- regions and the exclusive flush ---- */

static pthread_mutex_t excl_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t excl_cond = PTHREAD_COND_INITIALIZER;
static int nr_inside;           /* vCPU threads inside their region */
static bool flush_pending;
static atomic_bool flush_requested; /* lock-free view of flush_pending */
atomic_uint_fast64_t tcg_flush_count;

void tcg_region_enter(void)
{
    pthread_mutex_lock(&excl_mutex);
    while (flush_pending)
        pthread_cond_wait(&excl_cond, &excl_mutex);
    nr_inside++;
    pthread_mutex_unlock(&excl_mutex);
}

void tcg_region_leave(void)
{
    pthread_mutex_lock(&excl_mutex);
    nr_inside--;
    pthread_cond_broadcast(&excl_cond);
    pthread_mutex_unlock(&excl_mutex);
}

bool tcg_region_check(TcgVCpu *v)
{
    if (atomic_load_explicit(&flush_requested, memory_order_acquire)) {
        tcg_region_leave();
        tcg_region_enter();
    }
    uint64_t n = atomic_load(&tcg_flush_count);
    if (n == v->flush_seen)
        return false;
    v->flush_seen = n;
    return true;
}

static void do_flush(void)
{
    log_mask(LOG_OUT_ASM, "tcg: buffers full (code %zu, data %zu bytes): flushing every block\n",
             code_used, data_used);
    tb_lock();
    tb_cache_clear();
    tb_pages_clear();
    code_buffer_reset();
    code_pages_clear();
    atomic_fetch_add(&tcg_flush_count, 1);
    tb_unlock();
}

static Machine *kick_machine;

void tcg_exclusive_set_machine(Machine *m)
{
    kick_machine = m;
}

void tcg_exclusive_flush(void)
{
    pthread_mutex_lock(&excl_mutex);
    nr_inside--;
    pthread_cond_broadcast(&excl_cond);
    if (flush_pending) {
        /* someone else flushes: wait for it, as at any loop boundary */
        while (flush_pending)
            pthread_cond_wait(&excl_cond, &excl_mutex);
    } else {
        flush_pending = true;
        atomic_store(&flush_requested, true);
        /* the others leave generated code; this vCPU's slice goes on (its
         * length decides when -icount timers run: no early end here) */
        TcgVCpu *self = tcg_current_vcpu();
        if (kick_machine)
            for (int i = 0; i < kick_machine->nr_cpus; i++)
                if (!self || kick_machine->cpus[i] != self->cpu)
                    x86_cpu_raise_event(kick_machine->cpus[i], CPU_INTERRUPT_EXIT);
        while (nr_inside > 0)
            pthread_cond_wait(&excl_cond, &excl_mutex);
        do_flush();
        flush_pending = false;
        atomic_store(&flush_requested, false);
        pthread_cond_broadcast(&excl_cond);
    }
    nr_inside++;
    pthread_mutex_unlock(&excl_mutex);
}
