/*
 * Machine lifecycle helpers: device reset hooks run on every reset.
 */
#include "core/machine.h"

#include <glib.h>

void machine_register_reset(Machine *m, void (*fn)(void *opaque), void *opaque)
{
    m->reset_handlers = g_renew(ResetHandler, m->reset_handlers, m->nr_reset_handlers + 1);
    m->reset_handlers[m->nr_reset_handlers++] = (ResetHandler){ fn, opaque };
}

void machine_reset(Machine *m)
{
    for (int i = 0; i < m->nr_reset_handlers; i++)
        m->reset_handlers[i].fn(m->reset_handlers[i].opaque);
}
