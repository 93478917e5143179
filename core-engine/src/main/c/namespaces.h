/* Namespaces: new ones through clone flags, existing ones through setns. */
#ifndef SHIM_NAMESPACES_H
#define SHIM_NAMESPACES_H

#include <sys/types.h>

#include "error.h"
#include "plan.h"

/* CLONE_NEW* flags for the init's clone: namespaces requested without a
 * path, except cgroup (unshared later, after the cgroup write). */
unsigned long ns_clone_flags (const struct plan *plan);

/* In the shim, before clone: a pid namespace given by path applies to
 * children only, so the shim itself joins it and clones into it. */
int ns_join_pid (const struct plan *plan, struct shim_error *err);

/* In the init, after the cgroup write: join the namespaces given by path
 * (but pid) and unshare a new cgroup namespace if asked. */
int ns_enter (const struct plan *plan, struct shim_error *err);

/* exec: join the namespaces of PID that differ from our own, except the
 * cgroup one: *CGROUPNS_FD gets it (or -1) for the child to join after it
 * was moved into the container's cgroup. */
int ns_join_process (pid_t pid, int *cgroupns_fd, struct shim_error *err);

#endif
