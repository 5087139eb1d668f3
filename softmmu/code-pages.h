/*
 * Guest RAM pages that hold translated code (the JIT's blocks), by host
 * address of the RAM behind them. While a page is marked, every write into
 * it (a CPU store: its TLB write tags carry TLB_NOTDIRTY so stores take the
 * slow path; DMA and other address_space writes; RAM mapped for writing)
 * calls the write hook first, which drops the page's blocks and unmarks
 * it. Nothing is marked unless the tcg accelerator runs, so the other
 * accelerators pay one bitmap test per TLB fill at most.
 */
#ifndef VESSEL_SOFTMMU_CODE_PAGES_H
#define VESSEL_SOFTMMU_CODE_PAGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "softmmu/tlb.h"

/* Called (from any thread, possibly holding no lock) for each marked page a
 * write is about to touch, after the page was unmarked: host_page is the
 * host address of the page's first byte. */
typedef void CodePageWriteHook(uintptr_t host_page, void *opaque);
void code_pages_set_hook(CodePageWriteHook *hook, void *opaque);

/* TLBs whose write tags must follow the marks (each vCPU's, while it lives). */
void code_pages_register_tlb(CPUTLB *tlb);
void code_pages_unregister_tlb(CPUTLB *tlb);
/* Flush every registered TLB (gdb watchpoints changed; vCPUs paused). */
void code_pages_flush_tlbs(void);

/* Mark the page holding host address `host` (guest RAM, not ROM): the
 * registered TLBs' entries for it get TLB_NOTDIRTY on their write tags. */
void code_pages_mark(const void *host);
bool code_pages_is_marked(const void *host);
/* A write of len bytes at host address `host` (guest RAM) is about to
 * happen: runs the hook for every marked page it touches. */
void code_pages_notify_write(const void *host, size_t len);
/* Unmark everything (the JIT dropped all its blocks). */
void code_pages_clear(void);

#endif
