#include "record.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Write DIR/NAME through a temp file and rename, so readers never see a
 * half-written record. No fsync: these files describe processes that do
 * not survive a machine crash, so losing them in one loses nothing. */
int
write_atomic (int dirfd, const char *dir, const char *name, const char *data, struct shim_error *err)
{
  char tmp[64];
  cleanup_fd int fd = -1;

  snprintf (tmp, sizeof (tmp), ".%s.tmp", name);
  fd = openat (dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return shim_fail (err, errno, "create `%s/%s`", dir, tmp);
  if (write_all (fd, data, strlen (data)) < 0)
    return shim_fail (err, errno, "write `%s/%s`", dir, tmp);
  if (renameat (dirfd, tmp, dirfd, name) < 0)
    return shim_fail (err, errno, "rename `%s/%s`", dir, tmp);
  return 0;
}

int
read_oom_kill (const char *path, uint64_t *out)
{
  struct shim_error err;
  cleanup_free char *data = NULL;
  const char *p;

  if (read_file_at (AT_FDCWD, path, &data, NULL, &err) < 0)
    return -1;
  for (p = data; p; p = strchr (p, '\n') ? strchr (p, '\n') + 1 : NULL)
    if (strncmp (p, "oom_kill ", 9) == 0)
      {
        *out = strtoull (p + 9, NULL, 10);
        return 0;
      }
  return -1;
}

static void
json_escape (char *dst, size_t len, const char *src)
{
  size_t o = 0;

  for (; *src && o + 7 < len; src++)
    {
      unsigned char c = (unsigned char) *src;
      if (c == '"' || c == '\\')
        {
          dst[o++] = '\\';
          dst[o++] = (char) c;
        }
      else if (c < 0x20)
        o += (size_t) snprintf (dst + o, len - o, "\\u%04x", c);
      else
        dst[o++] = (char) c;
    }
  dst[o] = '\0';
}

void
exit_record (const struct exit_info *e, char *buf, size_t len)
{
  char msg[1100];

  json_escape (msg, sizeof (msg), e->message ? e->message : "");
  snprintf (buf, len,
            "{\"pid\":%d,\"exitCode\":%d,\"signal\":%d,\"oomKilled\":%s,\"startedAt\":%" PRId64
            ",\"finishedAt\":%" PRId64 ",\"message\":\"%s\"}",
            (int) e->pid, e->exit_code, e->signal, e->oom ? "true" : "false", e->started_at, e->finished_at, msg);
}
