#include "report.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* One message, one line, whatever the message holds; returns its length
 * with the '\n', or -1. */
static int
format_line (char *buf, size_t cap, const char *fmt, va_list ap)
{
  int n = vsnprintf (buf, cap - 1, fmt, ap);

  if (n < 0)
    return -1;
  if (n > (int) cap - 2)
    n = (int) cap - 2;
  for (int i = 0; i < n; i++)
    if (buf[i] == '\n' || buf[i] == '\r')
      buf[i] = ' ';
  buf[n++] = '\n';
  return n;
}

void
report_line (int fd, const char *fmt, ...)
{
  char buf[700];
  va_list ap;
  int n;

  va_start (ap, fmt);
  n = format_line (buf, sizeof (buf), fmt, ap);
  va_end (ap);
  if (n > 0)
    write_all (fd, buf, (size_t) n);
}

void
report_hold (struct linebuf *lb, const char *fmt, ...)
{
  char buf[700];
  va_list ap;
  int n;

  va_start (ap, fmt);
  n = format_line (buf, sizeof (buf), fmt, ap);
  va_end (ap);
  if (n > 0)
    linebuf_append (lb, buf, (size_t) n);
}

void
report_hold_step (struct linebuf *lb, const char *name, const struct step *s)
{
  report_hold (lb, "step %s %" PRId64 " %" PRId64, name, s->start, s->duration);
}

void
report_flush (int fd, struct linebuf *lb)
{
  if (lb->len > 0)
    write_all (fd, lb->data, lb->len);
  lb->len = 0;
}

void
report_step (int fd, const char *name, const struct step *s)
{
  report_line (fd, "step %s %" PRId64 " %" PRId64, name, s->start, s->duration);
}

void
report_error (int fd, const struct shim_error *err)
{
  report_line (fd, "error %d %s", err->exit_code ? err->exit_code : 1, err->msg);
}

ssize_t
linebuf_fill (struct linebuf *lb, int fd)
{
  ssize_t r;

  if (lb->cap - lb->len < 256)
    {
      size_t ncap = lb->cap ? lb->cap * 2 : 1024;
      char *n = realloc (lb->data, ncap);
      if (n == NULL)
        {
          errno = ENOMEM;
          return -1;
        }
      lb->data = n;
      lb->cap = ncap;
    }
  do
    r = read (fd, lb->data + lb->len, lb->cap - lb->len - 1);
  while (r < 0 && errno == EINTR);
  if (r > 0)
    lb->len += (size_t) r;
  return r;
}

char *
linebuf_next (struct linebuf *lb, size_t *consumed)
{
  char *nl;

  if (lb->len == 0)
    return NULL;
  nl = memchr (lb->data, '\n', lb->len);
  if (nl == NULL)
    return NULL;
  *nl = '\0';
  *consumed = (size_t) (nl - lb->data) + 1;
  return lb->data;
}

void
linebuf_consume (struct linebuf *lb, size_t n)
{
  memmove (lb->data, lb->data + n, lb->len - n);
  lb->len -= n;
}

void
linebuf_free (struct linebuf *lb)
{
  free (lb->data);
  lb->data = NULL;
  lb->len = lb->cap = 0;
}

int
linebuf_append (struct linebuf *lb, const char *data, size_t len)
{
  if (lb->cap - lb->len < len + 1)
    {
      size_t ncap = lb->cap ? lb->cap : 256;
      char *n;
      while (ncap - lb->len < len + 1)
        ncap *= 2;
      n = realloc (lb->data, ncap);
      if (n == NULL)
        return -1;
      lb->data = n;
      lb->cap = ncap;
    }
  memcpy (lb->data + lb->len, data, len);
  lb->len += len;
  lb->data[lb->len] = '\0';
  return 0;
}
