/*
 * Port 0x80, the POST-code port: firmware writes progress codes there (and
 * old code uses it as an I/O delay). Reads return the last code written.
 */
#ifndef VESSEL_HW_MISC_POST_H
#define VESSEL_HW_MISC_POST_H

#include <stdint.h>

#include "softmmu/memory.h"

#define POST_PORT 0x80

typedef struct PostState PostState;

/* Map the POST-code port at 0x80. The board keeps the device for the
 * machine's lifetime; post_free unmaps and frees it. */
PostState *post_create(MemoryRegion *io_root);
/* The last byte written (0 after creation). */
uint8_t post_last_code(const PostState *p);
void post_free(PostState *p);

#endif
