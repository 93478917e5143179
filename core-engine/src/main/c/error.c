#include "error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static int
vset (struct shim_error *err, int errnum, const char *prefix, const char *fmt, va_list ap)
{
  size_t n = strlen (prefix);
  int r;

  memcpy (err->msg, prefix, n);
  r = vsnprintf (err->msg + n, sizeof (err->msg) - n, fmt, ap);
  if (r < 0)
    err->msg[n] = '\0';
  err->errnum = errnum;
  err->exit_code = 0;
  return -1;
}

int
shim_fail (struct shim_error *err, int errnum, const char *fmt, ...)
{
  va_list ap;
  size_t n;

  va_start (ap, fmt);
  vset (err, errnum, "failed to ", fmt, ap);
  va_end (ap);
  if (errnum != 0)
    {
      n = strlen (err->msg);
      snprintf (err->msg + n, sizeof (err->msg) - n, ": %s", strerror (errnum));
    }
  return -1;
}

int
shim_error_set (struct shim_error *err, int errnum, const char *fmt, ...)
{
  va_list ap;

  va_start (ap, fmt);
  vset (err, errnum, "", fmt, ap);
  va_end (ap);
  return -1;
}

void
cleanup_fdp (int *fd)
{
  if (*fd >= 0)
    {
      int saved = errno;
      close (*fd);
      errno = saved;
    }
}

void
cleanup_freep (void *p)
{
  free (*(void **) p);
}

int
write_all (int fd, const void *buf, size_t len)
{
  const char *p = buf;

  while (len > 0)
    {
      ssize_t w = write (fd, p, len);
      if (w < 0)
        {
          if (errno == EINTR)
            continue;
          return -1;
        }
      p += w;
      len -= (size_t) w;
    }
  return 0;
}

ssize_t
read_all (int fd, void *buf, size_t len)
{
  size_t got = 0;

  while (got < len)
    {
      ssize_t r = read (fd, (char *) buf + got, len - got);
      if (r < 0)
        {
          if (errno == EINTR)
            continue;
          return -1;
        }
      if (r == 0)
        break;
      got += (size_t) r;
    }
  return (ssize_t) got;
}

int
read_file_at (int dirfd, const char *path, char **out, size_t *len, struct shim_error *err)
{
  cleanup_fd int fd = openat (dirfd, path, O_RDONLY | O_CLOEXEC);
  cleanup_free char *buf = NULL;
  size_t cap = 0, used = 0;

  if (fd < 0)
    return shim_fail (err, errno, "open `%s`", path);
  for (;;)
    {
      ssize_t r;
      if (cap - used < 512)
        {
          char *n = realloc (buf, cap ? cap * 2 : 1024);
          if (n == NULL)
            return shim_fail (err, ENOMEM, "read `%s`", path);
          buf = n;
          cap = cap ? cap * 2 : 1024;
        }
      r = read (fd, buf + used, cap - used - 1);
      if (r < 0)
        {
          if (errno == EINTR)
            continue;
          return shim_fail (err, errno, "read `%s`", path);
        }
      if (r == 0)
        break;
      used += (size_t) r;
    }
  buf[used] = '\0';
  if (len)
    *len = used;
  *out = buf;
  buf = NULL;
  return 0;
}

int
write_file_at (int dirfd, const char *path, const char *data, struct shim_error *err)
{
  cleanup_fd int fd = openat (dirfd, path, O_WRONLY | O_CLOEXEC);

  if (fd < 0)
    return shim_fail (err, errno, "open `%s`", path);
  if (write_all (fd, data, strlen (data)) < 0)
    return shim_fail (err, errno, "write `%s`", path);
  return 0;
}

char *
xasprintf (const char *fmt, ...)
{
  va_list ap;
  char *s = NULL;
  int r;

  va_start (ap, fmt);
  r = vasprintf (&s, fmt, ap);
  va_end (ap);
  return r < 0 ? NULL : s;
}

static int64_t
clock_ns (clockid_t id)
{
  struct timespec ts;

  clock_gettime (id, &ts);
  return (int64_t) ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int64_t
now_realtime_ns (void)
{
  return clock_ns (CLOCK_REALTIME);
}

int64_t
now_monotonic_ns (void)
{
  return clock_ns (CLOCK_MONOTONIC);
}

void
step_begin (struct step *s)
{
  s->start = now_realtime_ns ();
  s->mono = now_monotonic_ns ();
  s->duration = 0;
}

void
step_end (struct step *s)
{
  s->duration = now_monotonic_ns () - s->mono;
}

void
shim_log (const char *fmt, ...)
{
  char buf[600];
  va_list ap;
  int n;

  n = snprintf (buf, sizeof (buf), "%lld podlab-shim[%d]: ", (long long) (now_realtime_ns () / 1000000), getpid ());
  va_start (ap, fmt);
  n += vsnprintf (buf + n, sizeof (buf) - (size_t) n - 1, fmt, ap);
  va_end (ap);
  if (n > (int) sizeof (buf) - 2)
    n = (int) sizeof (buf) - 2;
  buf[n++] = '\n';
  write_all (2, buf, (size_t) n);
}
