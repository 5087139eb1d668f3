/*
 * The interpreter's block cache (block-cache.h): a direct-mapped table of
 * block pointers into a bump-allocated arena per vCPU thread. When the
 * arena is full, or the CPUID features change, everything is dropped and
 * decoded again on demand (blocks are only referenced from the table and
 * from the loop running one, which never spans a commit).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "target-x86/block-cache.h"

#define ARENA_SIZE (48u << 20)   /* ~400K instructions: the Linux boot's code fits */

static __thread BlockCache *cache;
static pthread_key_t cache_key;   /* frees a thread's cache when the thread ends */
static pthread_once_t cache_key_once = PTHREAD_ONCE_INIT;

static void cache_free(void *p)
{
    BlockCache *c = p;
    free(c->arena);
    free(c);
}

static void cache_key_create(void)
{
    pthread_key_create(&cache_key, cache_free);
}

static void cache_flush(BlockCache *c, uint64_t features)
{
    memset(c->table, 0, sizeof(c->table));
    c->features = features;
    c->used = 0;
    c->flushes++;
}

BlockCache *block_cache_get(uint64_t features)
{
    if (!cache) {
        BlockCache *c = calloc(1, sizeof(*c));
        uint8_t *arena = malloc(ARENA_SIZE);   /* pages are touched as blocks fill it */
        if (!c || !arena) {
            fprintf(stderr, "vessel: out of memory for the interpreter's block cache\n");
            exit(1);
        }
        c->arena = arena;
        cache_flush(c, features);
        pthread_once(&cache_key_once, cache_key_create);
        pthread_setspecific(cache_key, c);
        cache = c;
    }
    if (cache->features != features)
        cache_flush(cache, features);
    return cache;
}

Block *block_cache_commit(BlockCache *c, const Block *s, const uint8_t *host)
{
    size_t head = sizeof(Block) + s->ninsns * sizeof(ExecInsn) + BLOCK_SENTINEL_SIZE;
    size_t size = (head + s->nbytes + 15) & ~(size_t)15;
    if (c->used + size > ARENA_SIZE)
        cache_flush(c, c->features);
    Block *b = (Block *)(c->arena + c->used);
    c->used += size;
    memcpy(b, s, head);
    memcpy((uint8_t *)b + head, host, s->nbytes);
    b->code = (const uint8_t *)b + head;
    *block_cache_slot(c, b->pc) = b;
    return b;
}
