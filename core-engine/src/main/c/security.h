/* Privileges of the container process: rlimits, capabilities, user,
 * no_new_privs, seccomp. */
#ifndef SHIM_SECURITY_H
#define SHIM_SECURITY_H

#include <linux/filter.h>

#include "error.h"
#include "plan.h"

typedef void (*warn_fn) (void *ctx, const char *msg);

/* Apply the plan's rlimits, clamping hard limits we cannot raise. */
int rlimits_apply (const struct plan *plan, warn_fn warn, void *ctx, struct shim_error *err);

/* Write oom_score_adj; a refusal is only a warning. */
int oom_score_adj_apply (const struct plan *plan, warn_fn warn, void *ctx, struct shim_error *err);

/* Remove capabilities the shim does not hold itself from CAPS (copy of
 * the plan's sets), with a warning each: asking for them would fail. */
int caps_check (uint64_t caps[CAPSET_COUNT], warn_fn warn, void *ctx, struct shim_error *err);

/* Drop to the plan's user, capabilities, no_new_privs and seccomp FILTER
 * (NULL: none; see seccomp.h), in the order the kernel requires.
 * SECCOMP_STEP gets the time of the load. */
int privileges_drop (const struct plan *plan, const uint64_t caps[CAPSET_COUNT], const struct sock_fprog *filter,
                     struct step *seccomp_step, struct shim_error *err);

#endif
