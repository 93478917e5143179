/* The supervising shim of one container: clones the init, answers the
 * control socket, logs the output, records the exit. */
#ifndef SHIM_SUPERVISE_H
#define SHIM_SUPERVISE_H

#include "plan.h"

/* Runs in the process forked by `create`. Progress lines (step, warn,
 * created, error) go to OUT. Returns the shim's exit status. */
int supervise_main (struct plan *plan, const char *dir, int out);

#endif
