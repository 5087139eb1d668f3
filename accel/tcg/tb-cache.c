/*
 * The translation-block cache: a global hash table on (pc, host code
 * address, flags) guarded by tb_lock, a direct-mapped jump cache per vCPU
 * in front of it (read without the lock, validated on every hit), and the
 * direct jumps between blocks (goto_tb chaining) with the incoming-jump
 * lists that undo them when a block is dropped.
 */
#include <pthread.h>
#include <string.h>

#include "accel/tcg/tcg-internal.h"
#include "core/config.h"

#define TB_HASH_BITS 16
#define TB_HASH_SIZE (1u << TB_HASH_BITS)

static pthread_mutex_t tb_mutex = PTHREAD_MUTEX_INITIALIZER;
static __thread bool holding_tb_lock;
static TranslationBlock *tb_hash[TB_HASH_SIZE];
static TcgVCpu *vcpus[VESSEL_MAX_CPUS];

void tb_lock(void)
{
    pthread_mutex_lock(&tb_mutex);
    holding_tb_lock = true;
}

void tb_unlock(void)
{
    holding_tb_lock = false;
    pthread_mutex_unlock(&tb_mutex);
}

void tb_lock_reset(void)
{
    if (holding_tb_lock)
        tb_unlock();
}

void tb_cache_register_vcpu(TcgVCpu *v)
{
    tb_lock();
    for (int i = 0; i < VESSEL_MAX_CPUS; i++) {
        if (!vcpus[i]) {
            vcpus[i] = v;
            break;
        }
    }
    tb_unlock();
}

void tb_cache_unregister_vcpu(TcgVCpu *v)
{
    tb_lock();
    for (int i = 0; i < VESSEL_MAX_CPUS; i++)
        if (vcpus[i] == v)
            vcpus[i] = NULL;
    tb_unlock();
}

static unsigned tb_hash_of(uint64_t pc, const uint8_t *host, uint32_t flags)
{
    uint64_t h = pc * 0x9e3779b97f4a7c15ull ^ (uint64_t)(uintptr_t)host ^ ((uint64_t)flags << 40);
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 32;
    return (unsigned)h & (TB_HASH_SIZE - 1);
}

static unsigned jc_hash_of(uint64_t pc)
{
    return (unsigned)(pc ^ (pc >> TB_JMP_CACHE_BITS)) & (TB_JMP_CACHE_SIZE - 1);
}

static bool tb_matches(const TranslationBlock *tb, uint64_t pc, uint64_t cs_base,
                       uint32_t cs_limit, uint32_t flags, const uint8_t *host,
                       uint64_t features, unsigned debug_gen)
{
    return tb->pc == pc && tb->host == host && tb->flags == flags && tb->cs_base == cs_base &&
           tb->cs_limit == cs_limit && tb->features == features &&
           (!(flags & X86_TB_NOCHAIN) || tb->debug_gen == debug_gen) &&
           !atomic_load_explicit(&tb->invalid, memory_order_acquire);
}

TranslationBlock *tb_lookup(TcgVCpu *v, uint64_t pc, uint64_t cs_base, uint32_t cs_limit,
                            uint32_t flags, const uint8_t *host, unsigned debug_gen)
{
    unsigned j = jc_hash_of(pc);
    TranslationBlock *tb = atomic_load_explicit(&v->jmp_cache[j], memory_order_acquire);
    if (tb && tb_matches(tb, pc, cs_base, cs_limit, flags, host, v->features, debug_gen))
        return tb;
    tb_lock();
    for (tb = tb_hash[tb_hash_of(pc, host, flags)]; tb; tb = tb->hash_next)
        if (tb_matches(tb, pc, cs_base, cs_limit, flags, host, v->features, debug_gen))
            break;
    tb_unlock();
    if (tb)
        atomic_store_explicit(&v->jmp_cache[j], tb, memory_order_release);
    return tb;
}

void tb_hash_insert(TranslationBlock *tb)
{
    TranslationBlock **pp = &tb_hash[tb_hash_of(tb->pc, tb->host, tb->flags)];
    /* a twin translated under an older breakpoint list (or dropped and not
     * yet unlinked) goes */
    for (TranslationBlock **q = pp; *q; ) {
        TranslationBlock *o = *q;
        if (o->pc == tb->pc && o->host == tb->host && o->flags == tb->flags &&
            o->cs_base == tb->cs_base && o->cs_limit == tb->cs_limit &&
            o->features == tb->features) {
            *q = o->hash_next;
            o->hash_next = NULL;
            tb_jmp_cache_remove(o);
            continue;
        }
        q = &o->hash_next;
    }
    tb->hash_next = *pp;
    *pp = tb;
}

void tb_hash_remove(TranslationBlock *tb)
{
    for (TranslationBlock **q = &tb_hash[tb_hash_of(tb->pc, tb->host, tb->flags)]; *q;
         q = &(*q)->hash_next) {
        if (*q == tb) {
            *q = tb->hash_next;
            tb->hash_next = NULL;
            return;
        }
    }
}

void tb_jmp_cache_remove(TranslationBlock *tb)
{
    unsigned j = jc_hash_of(tb->pc);
    for (int i = 0; i < VESSEL_MAX_CPUS; i++) {
        TcgVCpu *v = vcpus[i];
        if (!v)
            continue;
        TranslationBlock *expected = tb;
        atomic_compare_exchange_strong(&v->jmp_cache[j], &expected, NULL);
    }
}

/* ---- chaining ---- */

static void patch(TranslationBlock *tb, int slot, const uint8_t *target)
{
    uint8_t *jump = tb->code + tb->info.jmp_insn_offset[slot];
    tcg_backend->patch_jump(jump, target);
    tcg_backend->flush_icache(jump, 16);
}

void tb_add_jump(TranslationBlock *tb, int slot, TranslationBlock *dest)
{
    if (slot < 0 || slot > 1 || tb->jmp_dest[slot] || tb->info.jmp_insn_offset[slot] == UINT32_MAX)
        return;
    if (atomic_load(&tb->invalid) || atomic_load(&dest->invalid))
        return;
    tb->jmp_dest[slot] = dest;
    tb->jmp_next[slot] = dest->jmp_first;
    dest->jmp_first = (uintptr_t)tb | (uintptr_t)slot;
    patch(tb, slot, dest->code);
}

/* Remove (src, slot) from dest's incoming list. */
static void jmp_list_remove(TranslationBlock *dest, TranslationBlock *src, int slot)
{
    uintptr_t want = (uintptr_t)src | (uintptr_t)slot;
    uintptr_t *link = &dest->jmp_first;
    while (*link) {
        TranslationBlock *t = (TranslationBlock *)(*link & ~(uintptr_t)3);
        int n = (int)(*link & 3);
        if (*link == want) {
            *link = t->jmp_next[n];
            return;
        }
        link = &t->jmp_next[n];
    }
}

void tb_unchain(TranslationBlock *tb)
{
    /* jumps into tb go back to their exits */
    uintptr_t e = tb->jmp_first;
    while (e) {
        TranslationBlock *src = (TranslationBlock *)(e & ~(uintptr_t)3);
        int n = (int)(e & 3);
        e = src->jmp_next[n];
        patch(src, n, src->code + src->info.jmp_reset_offset[n]);
        src->jmp_dest[n] = NULL;
    }
    tb->jmp_first = 0;
    /* and tb's own: a thread still inside it leaves through its exits */
    for (int n = 0; n < 2; n++) {
        TranslationBlock *dest = tb->jmp_dest[n];
        if (!dest)
            continue;
        jmp_list_remove(dest, tb, n);
        patch(tb, n, tb->code + tb->info.jmp_reset_offset[n]);
        tb->jmp_dest[n] = NULL;
    }
}

void tb_cache_clear(void)
{
    memset(tb_hash, 0, sizeof(tb_hash));
    for (int i = 0; i < VESSEL_MAX_CPUS; i++)
        if (vcpus[i])
            for (unsigned j = 0; j < TB_JMP_CACHE_SIZE; j++)
                atomic_store(&vcpus[i]->jmp_cache[j], NULL);
}
