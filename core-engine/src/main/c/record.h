/* The files a supervising shim writes into the container directory and
 * the exit record; shared by the create code and the monitor. */
#ifndef SHIM_RECORD_H
#define SHIM_RECORD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

/* Write DIR/NAME (DIRFD) through a temp file and rename. */
int write_atomic (int dirfd, const char *dir, const char *name, const char *data, struct shim_error *err);

/* The oom_kill counter of a memory.oom_control / memory.events file. */
int read_oom_kill (const char *path, uint64_t *out);

struct exit_info
{
  pid_t pid;
  int exit_code, signal;
  bool oom;
  int64_t started_at, finished_at;
  const char *message;
};

/* One line of JSON (docs/shim.md, exit.json), without newline. */
void exit_record (const struct exit_info *e, char *buf, size_t len);

#endif
