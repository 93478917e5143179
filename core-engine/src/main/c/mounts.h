/* Root filesystem of the container: mounts, devices, pivot_root. */
#ifndef SHIM_MOUNTS_H
#define SHIM_MOUNTS_H

#include "error.h"
#include "plan.h"

struct mount_steps
{
  struct step mounts;
  struct step devices;   /* start of the first device, summed duration */
  struct step pivot_root;
};

/* Make / rprivate, bind the rootfs, carry out the plan's filesystem
 * directives in order, pivot_root into the rootfs and apply
 * readonly-rootfs. Runs in the container's mount namespace. */
int mounts_setup (const struct plan *plan, struct mount_steps *steps, struct shim_error *err);

#endif
