/* The container's init between clone and execve. */
#ifndef SHIM_INIT_H
#define SHIM_INIT_H

#include "plan.h"

struct init_args
{
  const struct plan *plan;
  int sync_fd;     /* read: 'c' after the cgroup write, 's' on start */
  int report_fd;   /* write: report lines, close-on-exec */
  int stdio[3];    /* become 0, 1, 2 */
  bool tty;        /* stdio[0] is a pty slave: make it the controlling tty */
};

_Noreturn void init_run (const struct init_args *a);

#endif
