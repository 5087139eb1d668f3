/*
 * The main loop and the big lock. The I/O thread runs a glib main context
 * (character devices, the gdb stub, timers); vCPU threads run guest code.
 * Device state is protected by one big lock: vCPU threads take it around
 * MMIO/port-I/O dispatch, the I/O thread around every callback it runs.
 */
#ifndef VESSEL_CORE_MAIN_LOOP_H
#define VESSEL_CORE_MAIN_LOOP_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

void big_lock(void);
void big_unlock(void);
bool big_lock_held(void);

/* The glib context the I/O thread iterates. Sources added here run with
 * the big lock held. */
GMainContext *main_loop_context(void);
void main_loop_init(void);
/* Run until a shutdown is requested (see runstate.h). */
void main_loop_run(void);
/* Wake the main loop (from any thread). */
void main_loop_wakeup(void);

#endif
