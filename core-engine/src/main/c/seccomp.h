/* The seccomp filter as a classic BPF program (docs/shim.md, seccomp-bpf).
 *
 * It is made ready in host context, at create (or before an exec shim
 * joins the container): read from the plan's cache file, or compiled from
 * the rules with libseccomp and written to that file for the next
 * container. The process then only loads it with seccomp(2). Only this
 * file uses libseccomp. */
#ifndef SHIM_SECCOMP_H
#define SHIM_SECCOMP_H

#include <linux/filter.h>
#include <stdbool.h>

#include "error.h"
#include "plan.h"
#include "security.h"

/* Fill PROG with the plan's filter (PROG->filter stays NULL without one).
 * *COMPILED tells whether libseccomp compiled it (COMPILE then holds the
 * time taken); an unusable cache file is rebuilt with a warning. */
int seccomp_prepare (const struct plan *plan, struct sock_fprog *prog, bool *compiled, struct step *compile,
                     warn_fn warn, void *ctx, struct shim_error *err);

void seccomp_program_free (struct sock_fprog *prog);

#endif
