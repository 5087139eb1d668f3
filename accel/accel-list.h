/*
 * Which accelerators this build has: each implementation defines its ops;
 * the ones not built yet are NULL.
 */
#ifndef VESSEL_ACCEL_LIST_H
#define VESSEL_ACCEL_LIST_H

#include "accel/accel.h"

#ifdef VESSEL_HAVE_INTERP
extern const AccelOps accel_interp_ops;
#define ACCEL_INTERP_OPS (&accel_interp_ops)
#else
#define ACCEL_INTERP_OPS NULL
#endif
#ifdef VESSEL_HAVE_TCG
extern const AccelOps accel_tcg_ops;
#define ACCEL_TCG_OPS (&accel_tcg_ops)
#else
#define ACCEL_TCG_OPS NULL
#endif
#ifdef VESSEL_HAVE_KVM
extern const AccelOps accel_kvm_ops;
#define ACCEL_KVM_OPS (&accel_kvm_ops)
#else
#define ACCEL_KVM_OPS NULL
#endif

#endif
