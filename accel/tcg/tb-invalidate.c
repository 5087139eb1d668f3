/*
 * Self-modifying code: the TBs of every guest page (by host address of the
 * page), the page marked through softmmu/code-pages.h before its bytes are
 * read for a translation, and the write hook that drops a page's TBs
 * before a write touches it: out of the hash table and the jump caches,
 * every jump into them unchained, so no thread enters them again.
 *
 * The TB running on the writing vCPU: the hook runs from the store's slow
 * path before the write; if the page holds the running TB and the store's
 * instruction is not the block's last, the instruction is restarted
 * (longjmp, state at its boundary, as for a #PF) and run by the
 * interpreter, so a store into the next instruction of the same block
 * takes effect (cpu-exec.c, tcg_restart_if_running).
 * Accepted windows: another vCPU already inside a dropped TB finishes it
 * (cross-modifying code needs the executing CPU to serialize, which ends
 * the block anyway); a device write under the big lock (DMA started by an
 * MMIO store) into the running block's page lets that block run to its end;
 * a translation that finds its page unmarked when it is done (a write came
 * while it read the bytes) is dropped, but a store already past its TLB
 * check when the page was marked is not seen.
 */
#include <glib.h>

#include "accel/tcg/tcg-internal.h"
#include "softmmu/code-pages.h"

static GHashTable *pages;   /* host page -> first TB (page_next list), under tb_lock */

static void hook(uintptr_t host_page, void *opaque)
{
    tb_invalidate_page(host_page);
    tcg_restart_if_running(host_page);
}

void tb_invalidate_init(void)
{
    tb_lock();
    if (!pages)
        pages = g_hash_table_new(g_direct_hash, g_direct_equal);
    tb_unlock();
    code_pages_set_hook(hook, NULL);
}

void tb_page_add(TranslationBlock *tb)
{
    gpointer key = (gpointer)tb->host_page;
    TranslationBlock *first = g_hash_table_lookup(pages, key);
    tb->page_next = first;
    g_hash_table_insert(pages, key, tb);
}

void tb_page_mark(const uint8_t *host)
{
    if (!code_pages_is_marked(host))
        code_pages_mark(host);
}

void tb_pages_clear(void)
{
    g_hash_table_remove_all(pages);
}

bool tb_invalidate_page(uintptr_t host_page)
{
    tb_lock();
    gpointer key = (gpointer)host_page;
    TranslationBlock *tb = pages ? g_hash_table_lookup(pages, key) : NULL;
    if (tb)
        g_hash_table_remove(pages, key);
    bool any = tb != NULL;
    for (; tb; tb = tb->page_next) {
        atomic_store_explicit(&tb->invalid, true, memory_order_release);
        tb_hash_remove(tb);
        tb_jmp_cache_remove(tb);
        tb_unchain(tb);
    }
    tb_unlock();
    return any;
}
