/*
 * Accelerators: what runs the vCPUs. One small interface (init, start the
 * vCPUs, kick, stop) with interp, tcg and kvm behind it, all sharing the
 * same machine and device model.
 */
#ifndef VESSEL_ACCEL_ACCEL_H
#define VESSEL_ACCEL_ACCEL_H

#include <stdbool.h>

typedef struct Machine Machine;

typedef struct AccelOps {
    const char *name;
    /* Prepare the accelerator for this machine; false + *err on failure. */
    bool (*init)(Machine *m, char **err);
    /* Start one thread per vCPU (paused if the machine starts stopped). */
    void (*start_vcpus)(Machine *m);
    /* Make every vCPU leave guest code soon (interrupt, stop request). */
    void (*kick_all)(Machine *m);
    /* Stop and join the vCPU threads. */
    void (*stop_vcpus)(Machine *m);
} AccelOps;

/* The accelerator called `name`, or NULL with a one-line *err saying
 * whether it is unknown or not built yet. */
const AccelOps *accel_find(const char *name, char **err);
/* The default accelerator's name. */
const char *accel_default_name(void);

#endif
