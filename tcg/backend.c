/*
 * The host back ends by name, and the default one for this build.
 */
#include "tcg/tcg.h"

#include <string.h>

static const TCGBackend *const backends[] = {
#ifdef VESSEL_TCG_NATIVE_X86_64
    &tcg_backend_x86_64,
#endif
    &tcg_backend_tci,
};

const TCGBackend *tcg_backend_find(const char *name)
{
    for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
        if (name && strcmp(backends[i]->name, name) == 0)
            return backends[i];
    }
    return NULL;
}

const TCGBackend *tcg_backend_default(void)
{
    return backends[0];
}
