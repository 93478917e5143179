#include "log.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "error.h"

/* Civil date from days since 1970-01-01 (proleptic Gregorian); done by
 * hand so the idle shim does not pull in the time zone machinery. */
static void
civil_from_days (int64_t z, int *y, unsigned *m, unsigned *d)
{
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  unsigned doe = (unsigned) (z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = (int) (yoe + era * 400 + (*m <= 2));
}

static char *
put_num (char *p, unsigned long v, int digits)
{
  for (int i = digits - 1; i >= 0; i--, v /= 10)
    p[i] = (char) ('0' + v % 10);
  return p + digits;
}

/* "2024-01-02T03:04:05.123456789Z stdout F " (hand-formatted: the
 * printf machinery is large and this runs for every line). */
static size_t
header (char *buf, const char *stream, char tag)
{
  struct timespec ts;
  int64_t days, rem;
  unsigned mo, d;
  char *p = buf;
  int y;

  clock_gettime (CLOCK_REALTIME, &ts);
  days = ts.tv_sec / 86400;
  rem = ts.tv_sec % 86400;
  if (rem < 0)
    {
      rem += 86400;
      days--;
    }
  civil_from_days (days, &y, &mo, &d);
  p = put_num (p, (unsigned long) y, 4);
  *p++ = '-';
  p = put_num (p, mo, 2);
  *p++ = '-';
  p = put_num (p, d, 2);
  *p++ = 'T';
  p = put_num (p, (unsigned long) (rem / 3600), 2);
  *p++ = ':';
  p = put_num (p, (unsigned long) (rem / 60 % 60), 2);
  *p++ = ':';
  p = put_num (p, (unsigned long) (rem % 60), 2);
  *p++ = '.';
  p = put_num (p, (unsigned long) ts.tv_nsec, 9);
  *p++ = 'Z';
  *p++ = ' ';
  for (const char *s = stream; *s; s++)
    *p++ = *s;
  *p++ = ' ';
  *p++ = tag;
  *p++ = ' ';
  return (size_t) (p - buf);
}

static void
emit (struct log_stream *s, int logfd, const char *text, size_t len, char tag)
{
  char head[64];
  struct iovec iov[3];

  iov[0].iov_base = head;
  iov[0].iov_len = header (head, s->name, tag);
  iov[1].iov_base = (void *) text;
  iov[1].iov_len = len;
  iov[2].iov_base = (void *) "\n";
  iov[2].iov_len = 1;
  /* O_APPEND: one writev is one record even with other writers. */
  if (writev (logfd, iov, 3) < 0)
    shim_log ("failed to write the container log: %m");
}

void
log_stream_init (struct log_stream *s, const char *name, int fd)
{
  s->name = name;
  s->fd = fd;
  s->buf = NULL;
  s->len = 0;
  s->tee = NULL;
  s->tee_ctx = NULL;
}

static void
flush_lines (struct log_stream *s, int logfd)
{
  size_t start = 0;

  for (size_t i = 0; i < s->len; i++)
    if (s->buf[i] == '\n')
      {
        emit (s, logfd, s->buf + start, i - start, 'F');
        start = i + 1;
      }
  if (start == 0 && s->len == LOG_LINE_MAX)
    {
      /* A line longer than the buffer goes out in partial pieces. */
      emit (s, logfd, s->buf, s->len, 'P');
      s->len = 0;
      return;
    }
  s->len -= start;
  memmove (s->buf, s->buf + start, s->len);
}

int
log_stream_read (struct log_stream *s, int logfd)
{
  if (s->buf == NULL)
    {
      s->buf = malloc (LOG_LINE_MAX);
      if (s->buf == NULL)
        return 0; /* try again on the next wakeup */
    }
  for (;;)
    {
      ssize_t r = read (s->fd, s->buf + s->len, LOG_LINE_MAX - s->len);
      if (r < 0)
        {
          if (errno == EINTR)
            continue;
          if (errno == EAGAIN)
            return 0;
          return 1; /* EIO: the pty's last slave is gone */
        }
      if (r == 0)
        return 1;
      if (s->tee)
        s->tee (s->tee_ctx, s, s->buf + s->len, (size_t) r);
      s->len += (size_t) r;
      flush_lines (s, logfd);
    }
}

void
log_stream_close (struct log_stream *s, int logfd)
{
  if (s->len > 0)
    emit (s, logfd, s->buf, s->len, 'F');
  s->len = 0;
  free (s->buf);
  s->buf = NULL;
  if (s->fd >= 0)
    close (s->fd);
  s->fd = -1;
}
