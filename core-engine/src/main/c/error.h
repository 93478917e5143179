/* Error reporting and small helpers shared by every part of the shim.
 *
 * Every function that can fail returns a negative value and fills one
 * struct shim_error; callers add nothing and just propagate the -1, so the
 * first (innermost, most precise) message wins. */
#ifndef SHIM_ERROR_H
#define SHIM_ERROR_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

struct shim_error
{
  int errnum;      /* errno of the failure, 0 when not a syscall failure */
  int exit_code;   /* exit status the failure maps to (126, 127), 0 = none */
  char msg[512];
};

/* "failed to <what>: <strerror(errnum)>"; returns -1. */
int shim_fail (struct shim_error *err, int errnum, const char *fmt, ...)
  __attribute__ ((format (printf, 3, 4)));

/* A message used as is (e.g. `executable "x" not found in $PATH`). */
int shim_error_set (struct shim_error *err, int errnum, const char *fmt, ...)
  __attribute__ ((format (printf, 3, 4)));

/* Cleanup helpers: variables marked with these are released on scope exit. */
void cleanup_fdp (int *fd);
void cleanup_freep (void *p);
#define cleanup_fd __attribute__ ((cleanup (cleanup_fdp)))
#define cleanup_free __attribute__ ((cleanup (cleanup_freep)))

/* Hand ownership out of a cleanup variable. */
static inline int
steal_fd (int *fd)
{
  int r = *fd;
  *fd = -1;
  return r;
}

/* I/O that retries on EINTR and short counts. */
int write_all (int fd, const void *buf, size_t len);
ssize_t read_all (int fd, void *buf, size_t len);

/* Read a whole (small) file, NUL terminated; *out is malloc'd. */
int read_file_at (int dirfd, const char *path, char **out, size_t *len, struct shim_error *err);
/* Write a string to an existing file (cgroup, sysctl, proc files). */
int write_file_at (int dirfd, const char *path, const char *data, struct shim_error *err);

/* Format into a malloc'd string; NULL on allocation failure. */
char *xasprintf (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

int64_t now_realtime_ns (void);
int64_t now_monotonic_ns (void);

/* A step of the lifecycle trace: wall-clock start, monotonic duration. */
struct step
{
  int64_t start;     /* unix ns */
  int64_t mono;      /* monotonic ns at start */
  int64_t duration;  /* ns */
};
void step_begin (struct step *s);
void step_end (struct step *s);

/* Diagnostics of the detached shim (stderr is DIR/shim.log there). */
void shim_log (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

#endif
