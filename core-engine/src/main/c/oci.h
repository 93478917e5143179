/* OCI mode: an OCI runtime binary (runc, crun, youki) creates and starts
 * the container by its command-line contract; the shim only supervises it
 * (child subreaper: the runtime's init is reparented to it), as conmon
 * does. Plan directives `oci-runtime BINARY` and `oci-root DIR`; the
 * bundle is the container directory (its config.json). */
#ifndef SHIM_OCI_H
#define SHIM_OCI_H

#include <stddef.h>
#include <sys/types.h>

#include "error.h"
#include "plan.h"

/* An OCI plan holds only `id`, `oci-runtime`, `oci-root`, `cgroup`,
 * `oom-counter` and `log`: the runtime reads everything else from
 * config.json. Returns -1 with ERR set for anything else. */
int oci_plan_check (const struct plan *plan, struct shim_error *err);

/* `RUNTIME --root ROOT create --bundle DIR --pid-file DIR/oci.pid ID` with
 * IO as its stdio (the container inherits them). The caller must be a
 * child subreaper. On success *INIT is the container's init (now our
 * child). On failure the runtime's words are read from ERRFD (the read
 * end of IO[2], non-blocking) into the message. */
int oci_create (const struct plan *plan, const char *dir, int dirfd, const int io[3], int errfd, pid_t *init,
                struct shim_error *err);

/* Run `RUNTIME --root ROOT VERB ID` with stdin and stdout on /dev/null,
 * waiting for it. Returns 0 when it exited 0; otherwise -1 with its
 * stderr (first line) in ERR. */
int oci_run (const char *runtime, const char *root, const char *verb, const char *id, struct shim_error *err);

#endif
