/* What the init and exec'd processes share: working directory, command
 * lookup, signal state, and the final privilege drop + execve. */
#ifndef SHIM_PROCESS_H
#define SHIM_PROCESS_H

#include <stdbool.h>

#include "error.h"
#include "plan.h"
#include "security.h"

/* chdir into the plan's cwd ("/" by default), creating it when missing. */
int process_chdir (const struct plan *plan, struct shim_error *err);

/* Look ARG0 up like execvp does, in the plan's PATH. On failure
 * err->exit_code is 127 (not found) or 126 (not executable). */
int process_resolve (const struct plan *plan, char **path, struct shim_error *err);

/* Unblock every signal and restore default dispositions: a clone or fork
 * of the shim inherits its signalfd mask and SIG_IGN of SIGPIPE. */
void process_reset_signals (void);

/* Set the umask, mark every fd but 0-2 close-on-exec, drop privileges and
 * execve PATH. Steps and the exec start go to REPORT_FD. Returns only on
 * failure (err->exit_code 127 or 126 for an execve failure). */
int process_exec (const struct plan *plan, const uint64_t caps[CAPSET_COUNT], const struct sock_fprog *filter,
                  const char *path, bool keep_pdeathsig, int report_fd, struct shim_error *err);

#endif
