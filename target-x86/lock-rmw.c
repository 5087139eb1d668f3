/*
 * Atomic LOCKed read-modify-writes for the interpreter (see lock-rmw.h):
 * compare-and-swap on the aligned 8-byte host word holding the operand,
 * restart of the instruction when another vCPU wrote that word meanwhile.
 */
#include "target-x86/lock-rmw.h"

#include <setjmp.h>
#include <string.h>

#include "target-x86/cpu.h"

typedef struct RMWEntry {
    uint8_t *host;       /* the operand */
    uint64_t *word;      /* the aligned host word holding it, NULL: not atomic */
    unsigned size, shift;
    uint64_t seen;       /* the word as read (or as written last) */
} RMWEntry;

typedef struct RMWState {
    bool snapped;
    uint64_t regs[16];
    uint64_t rflags;
    LazyFlags cc;
    int n;
    RMWEntry e[2];       /* CMPXCHG16B touches two words */
    uint64_t restarts;
} RMWState;

_Thread_local bool x86_lock_rmw_active;
static _Thread_local RMWState st;

void x86_lock_rmw_begin(void)
{
    st.snapped = false;
    st.n = 0;
    x86_lock_rmw_active = true;
}

void x86_lock_rmw_end(void)
{
    x86_lock_rmw_active = false;
    st.snapped = false;
    st.n = 0;
}

uint64_t x86_lock_rmw_restarts(void)
{
    return st.restarts;
}

static uint64_t size_mask(unsigned size)
{
    return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

/* Guest RAM is little-endian; the word trick needs a little-endian host
 * and an operand inside one aligned 8-byte word. */
static uint64_t *word_of(uint8_t *host, unsigned size)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uintptr_t off = (uintptr_t)host & 7;
    if (size >= 1 && size <= 8 && off + size <= 8)
        return (uint64_t *)((uintptr_t)host - off);
#endif
    return NULL;
}

static uint64_t plain_ld(const uint8_t *host, unsigned size)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < size && i < 8; i++)
        v |= (uint64_t)host[i] << (8 * i);
    return v;
}

static void plain_st(uint8_t *host, uint64_t val, unsigned size)
{
    for (unsigned i = 0; i < size && i < 8; i++)
        host[i] = (uint8_t)(val >> (8 * i));
}

static RMWEntry *find_entry(const uint8_t *host, unsigned size)
{
    for (int i = 0; i < st.n; i++)
        if (st.e[i].host == host && st.e[i].size == size)
            return &st.e[i];
    return NULL;
}

static void snapshot(X86CPU *cpu)
{
    memcpy(st.regs, cpu->regs, sizeof(st.regs));
    st.rflags = cpu->rflags;
    st.cc = cpu->cc;
    st.snapped = true;
}

uint64_t x86_lock_rmw_load(X86CPU *cpu, const uint8_t *host, unsigned size)
{
    if (!st.snapped)
        snapshot(cpu);
    RMWEntry *e = find_entry(host, size);
    if (!e && st.n < 2) {
        e = &st.e[st.n++];
        e->host = (uint8_t *)host;
        e->size = size;
        e->word = word_of(e->host, size);
        e->shift = e->word ? (unsigned)(((uintptr_t)host & 7) * 8) : 0;
        if (e->word)
            e->seen = __atomic_load_n(e->word, __ATOMIC_SEQ_CST);
    }
    if (!e || !e->word)
        return plain_ld(host, size);
    return (e->seen >> e->shift) & size_mask(size);
}

noreturn static void restart(X86CPU *cpu)
{
    memcpy(cpu->regs, st.regs, sizeof(st.regs));
    cpu->rflags = st.rflags;
    cpu->cc = st.cc;
    cpu->exception_vector = -1;
    st.restarts++;
    st.snapped = false;
    st.n = 0;
    longjmp(cpu->jmp_env, 1);
}

void x86_lock_rmw_store(X86CPU *cpu, uint8_t *host, uint64_t val, unsigned size)
{
    RMWEntry *e = find_entry(host, size);
    if (!e || !e->word) {
        plain_st(host, val, size);
        return;
    }
    uint64_t mask = size_mask(size) << e->shift;
    uint64_t expected = e->seen;
    uint64_t desired = (expected & ~mask) | ((val << e->shift) & mask);
    if (!__atomic_compare_exchange_n(e->word, &expected, desired, false, __ATOMIC_SEQ_CST,
                                     __ATOMIC_SEQ_CST))
        restart(cpu);
    e->seen = desired;
}
