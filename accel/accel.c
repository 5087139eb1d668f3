/*
 * The accelerator registry: which ones exist, which are built, the default.
 */
#include "accel/accel.h"

#include <string.h>
#include <glib.h>

#include "accel/accel-list.h"

static const struct {
    const char *name;
    const AccelOps *ops;  /* NULL: known but not built yet */
} accels[] = {
    { "interp", ACCEL_INTERP_OPS },
    { "tcg", ACCEL_TCG_OPS },
    { "kvm", ACCEL_KVM_OPS },
};

const AccelOps *accel_find(const char *name, char **err)
{
    for (size_t i = 0; i < sizeof(accels) / sizeof(accels[0]); i++) {
        if (strcmp(accels[i].name, name) != 0)
            continue;
        if (!accels[i].ops)
            *err = g_strdup_printf("accelerator '%s' is not built yet in this version of vessel", name);
        return accels[i].ops;
    }
    *err = g_strdup_printf("unknown accelerator '%s' (choose interp, tcg or kvm)", name);
    return NULL;
}

const char *accel_default_name(void)
{
    return "interp";
}
