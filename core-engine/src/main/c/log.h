/* Container output to a Kubernetes CRI log file:
 *   2024-01-02T03:04:05.123456789Z stdout F text */
#ifndef SHIM_LOG_H
#define SHIM_LOG_H

#include <stdbool.h>
#include <stddef.h>

#define LOG_LINE_MAX (16 * 1024)

struct log_stream
{
  const char *name;  /* "stdout" or "stderr" */
  int fd;            /* read end, non-blocking; -1 once closed */
  char *buf;         /* LOG_LINE_MAX bytes, allocated on first read */
  size_t len;
  /* Called with every chunk read, before it is logged (attached clients
   * see the output as it comes); NULL for none. */
  void (*tee) (void *ctx, const struct log_stream *s, const char *data, size_t len);
  void *tee_ctx;
};

void log_stream_init (struct log_stream *s, const char *name, int fd);

/* Read what is available and log complete lines (and full buffers as
 * partial lines). Returns 1 at end of stream, 0 otherwise. */
int log_stream_read (struct log_stream *s, int logfd);

/* Log a pending last line as F and close the stream. */
void log_stream_close (struct log_stream *s, int logfd);

#endif
