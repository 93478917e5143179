/* Line protocol from the container's init (before execve) to the shim, and
 * from the shim to the `create` invocation:
 *   step NAME START DURATION     warn TEXT     ready
 *   exec START_UNIX_NS START_MONOTONIC_NS     error EXITCODE MESSAGE */
#ifndef SHIM_REPORT_H
#define SHIM_REPORT_H

#include "error.h"

/* Accumulates bytes read from a pipe and hands out complete lines. */
struct linebuf
{
  char *data;
  size_t len, cap;
};

void report_line (int fd, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
void report_step (int fd, const char *name, const struct step *s);
void report_error (int fd, const struct shim_error *err);

/* Lines held back and written in one go: every write wakes the reader
 * (and its reader in turn), so lines nobody needs before the outcome
 * travel with it. */
void report_hold (struct linebuf *lb, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
void report_hold_step (struct linebuf *lb, const char *name, const struct step *s);
void report_flush (int fd, struct linebuf *lb);

/* Read once from FD; returns bytes read, 0 at EOF, -1 on error (errno). */
ssize_t linebuf_fill (struct linebuf *lb, int fd);
/* Next complete line (NUL terminated, without '\n') or NULL. The pointer
 * is valid until the next call that modifies LB. */
char *linebuf_next (struct linebuf *lb, size_t *consumed);
void linebuf_consume (struct linebuf *lb, size_t n);
void linebuf_free (struct linebuf *lb);
/* Append bytes (used as a growable string buffer too). */
int linebuf_append (struct linebuf *lb, const char *data, size_t len);

#endif
