/* The guest agent's control protocol (docs/kvm.md): one request per line
 *   TAG VERB ARG...
 * answered by lines TAG KIND ..., the last of which is TAG ok ... or
 * TAG error MESSAGE. Every request but `shutdown` runs in a child process of
 * its own, so a long `exec` never holds up the others; a child writes each
 * answer line with one write(2), so lines of different requests never mix. */
#include "agent.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <dirent.h>
#include <time.h>

#include "report.h"

#define MAX_TOKENS 8
#define CHUNK 8192 /* escaped, an output chunk stays under virtio-serial's 32 KiB per write */

static int port = -1;

/* An exec's side channels, set by PID 1 just before it forks the request's
 * child: the read end of the stdin pipe (-1: /dev/null) and the resize FIFO
 * (NULL without a terminal). */
static int exec_stdin = -1;
static const char *exec_winsz = NULL;

/* PID 1's table of running exec requests (docs/kvm.md, "Interactive exec"):
 * the host's stdin/eof/resize/cancel lines for TAG are served inline, the way
 * ping is, because only PID 1 reads the port. */
#define MAX_SESSIONS 64
/* Stdin flow control: the host keeps at most STDIN_WINDOW bytes of a
 * session's input unacknowledged; PID 1 acknowledges what the pipe took, in
 * steps of STDIN_ACK_STEP or when its buffer runs dry. */
#define STDIN_WINDOW (256 * 1024)
#define STDIN_ACK_STEP (32 * 1024)
struct session
{
  bool used;
  char tag[64];
  pid_t pid;      /* the request's child (a process group of its own) */
  int in;         /* write end of the process's stdin pipe, non-blocking, or -1 */
  int winsz;      /* the resize FIFO held read-write, or -1 */
  char fifo[96];
  char *pending;  /* stdin bytes the pipe did not take yet */
  size_t plen;
  bool eof;       /* close `in` once pending is written */
  size_t unacked; /* bytes the pipe took that the host was not told of yet */
};
static struct session sessions[MAX_SESSIONS];

static void
send_line (const char *tag, const char *kind, const char *fmt, ...)
{
  char buf[64 * 1024];
  int n = snprintf (buf, sizeof (buf), "%s %s", tag, kind);
  va_list ap;

  if (fmt && *fmt && n < (int) sizeof (buf) - 2)
    {
      buf[n++] = ' ';
      va_start (ap, fmt);
      n += vsnprintf (buf + n, sizeof (buf) - (size_t) n - 1, fmt, ap);
      va_end (ap);
    }
  if (n > (int) sizeof (buf) - 2)
    n = (int) sizeof (buf) - 2;
  buf[n++] = '\n';
  write_all (port, buf, (size_t) n);
}

static void
send_step (const char *tag, const char *name, const struct step *st)
{
  send_line (tag, "step", "%s %" PRId64 " %" PRId64, name, st->start, st->duration);
}

static int
send_error (const char *tag, const struct shim_error *err)
{
  send_line (tag, "error", "%s", err->msg);
  return 1;
}

char *
agent_escape (const char *data, size_t len)
{
  static const char hex[] = "0123456789ABCDEF";
  char *out = malloc (len * 3 + 4), *p = out;

  if (out == NULL)
    return NULL;
  if (len == 0)
    return strcpy (out, "%00");
  for (size_t i = 0; i < len; i++)
    {
      unsigned char c = (unsigned char) data[i];
      if (c <= 0x20 || c == 0x7f || c == '%')
        {
          *p++ = '%';
          *p++ = hex[c >> 4];
          *p++ = hex[c & 15];
        }
      else
        *p++ = (char) c;
    }
  *p = '\0';
  return out;
}

static int
hexval (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

int
agent_unescape (char *s)
{
  char *w = s;

  if (strcmp (s, "%00") == 0)
    {
      *s = '\0';
      return 0;
    }
  for (char *r = s; *r; r++)
    {
      if (*r != '%')
        {
          *w++ = *r;
          continue;
        }
      if (hexval (r[1]) < 0 || hexval (r[2]) < 0 || (r[1] == '0' && r[2] == '0'))
        return -1;
      *w++ = (char) (hexval (r[1]) * 16 + hexval (r[2]));
      r += 2;
    }
  *w = '\0';
  return 0;
}

/* Container ids and file names from the host: one plain path component. */
static bool
safe_name (const char *s)
{
  size_t n = strlen (s);

  if (n == 0 || n > 128 || s[0] == '.')
    return false;
  for (size_t i = 0; i < n; i++)
    if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')
          || s[i] == '-' || s[i] == '_' || s[i] == '.'))
      return false;
  return true;
}

static int
write_new (const char *path, const char *data, size_t len, struct shim_error *err)
{
  cleanup_fd int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

  if (fd < 0 || write_all (fd, data, len) < 0)
    return shim_fail (err, errno, "write %s", path);
  return 0;
}

/* Connects to a container's ctl.sock, sends REQUEST and relays the answer:
 * step lines as they are, the final ok/error line under TAG. */
static int
forward (const char *tag, const char *id, const char *request, struct linebuf *answer)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  cleanup_fd int s = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct shim_error err;
  struct linebuf lb = { 0 };
  char *line;
  size_t used;
  ssize_t r;

  snprintf (addr.sun_path, sizeof (addr.sun_path), AGENT_RUN "/%s/ctl.sock", id);
  if (s < 0 || connect (s, (struct sockaddr *) &addr, sizeof (addr)) < 0)
    {
      shim_fail (&err, errno, "reach the shim of container %s", id);
      return send_error (tag, &err);
    }
  write_all (s, request, strlen (request));
  write_all (s, "\n", 1);
  while ((r = linebuf_fill (&lb, s)) > 0)
    ;
  linebuf_append (&lb, "", 0);
  while ((line = linebuf_next (&lb, &used)))
    {
      if (answer)
        {
          linebuf_append (answer, line, strlen (line));
          linebuf_append (answer, "\n", 1);
        }
      else if (strncmp (line, "step ", 5) == 0)
        send_line (tag, "step", "%s", line + 5);
      else if (strcmp (line, "ok") == 0)
        send_line (tag, "ok", NULL);
      else if (strncmp (line, "ok ", 3) == 0)
        send_line (tag, "ok", "%s", line + 3);
      else if (strncmp (line, "error ", 6) == 0)
        send_line (tag, "error", "%s", line + 6);
      linebuf_consume (&lb, used);
    }
  linebuf_free (&lb);
  return 0;
}

/* After `created`: wait for the exit and copy exit.json into the share, where
 * the host reads it as for a native container (atomically: temp + rename). */
static void
copy_exit_record (const char *id)
{
  struct linebuf ignored = { 0 };
  struct shim_error err;
  cleanup_free char *src = xasprintf (AGENT_RUN "/%s/exit.json", id);
  cleanup_free char *tmp = xasprintf (AGENT_SHARE "/c/%s/.exit.json.tmp", id);
  cleanup_free char *dst = xasprintf (AGENT_SHARE "/c/%s/exit.json", id);
  cleanup_free char *data = NULL;
  size_t len;

  forward ("-", id, "wait", &ignored);
  linebuf_free (&ignored);
  if (read_file_at (AT_FDCWD, src, &data, &len, &err) == 0 && write_new (tmp, data, len, &err) == 0)
    rename (tmp, dst);
}

static int
apply_cgroup (const char *id, struct shim_error *err)
{
  cleanup_free char *cg = xasprintf (AGENT_CGROUP "/%s", id);
  cleanup_free char *settings = xasprintf (AGENT_SHARE "/c/%s/guest.cgroup", id);
  cleanup_free char *text = NULL;
  char *save = NULL;
  size_t len;

  if (mkdir (cg, 0755) < 0 && errno != EEXIST)
    return shim_fail (err, errno, "create cgroup %s", cg);
  if (read_file_at (AT_FDCWD, settings, &text, &len, err) < 0)
    return errno == ENOENT ? 0 : -1;
  for (char *line = strtok_r (text, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      char *value = strchr (line, ' ');
      cleanup_free char *file = NULL;

      if (value == NULL)
        continue;
      *value++ = '\0';
      if (!safe_name (line))
        return shim_error_set (err, EINVAL, "failed to set cgroup file \"%s\": not a plain name", line);
      file = xasprintf ("%s/%s", cg, line);
      if (write_file_at (AT_FDCWD, file, value, err) < 0)
        return -1;
    }
  return 0;
}

static int
req_create (const char *tag, const char *id)
{
  struct shim_error err;
  cleanup_free char *dir = xasprintf (AGENT_RUN "/%s", id);
  cleanup_free char *shared_plan = xasprintf (AGENT_SHARE "/c/%s/guest.plan", id);
  cleanup_free char *plan_path = xasprintf (AGENT_RUN "/%s/plan", id);
  cleanup_free char *plan = NULL;
  struct linebuf lb = { 0 };
  bool created = false, answered = false;
  size_t len, used;
  char *line;
  int p[2];
  pid_t pid;

  struct step plan_step, limits_step, create_step;

  /* The agent's own part of a create, as guest steps beside the shim's. */
  step_begin (&plan_step);
  if ((mkdir (dir, 0700) < 0 && errno != EEXIST && shim_fail (&err, errno, "create %s", dir))
      || read_file_at (AT_FDCWD, shared_plan, &plan, &len, &err) < 0
      || write_new (plan_path, plan, len, &err) < 0)
    return send_error (tag, &err);
  step_end (&plan_step);
  step_begin (&limits_step);
  if (apply_cgroup (id, &err) < 0)
    return send_error (tag, &err);
  step_end (&limits_step);
  send_step (tag, "agent:read-plan", &plan_step);
  send_step (tag, "agent:cgroup-limits", &limits_step);
  step_begin (&create_step);
  if (pipe2 (p, O_CLOEXEC) < 0 || (pid = fork ()) < 0)
    {
      shim_fail (&err, errno, "run podlab-shim create");
      return send_error (tag, &err);
    }
  if (pid == 0)
    {
      dup2 (p[1], 1);
      dup2 (p[1], 2);
      execl ("/init", "/init", "create", dir, (char *) NULL);
      _exit (127);
    }
  close (p[1]);
  while (linebuf_fill (&lb, p[0]) > 0)
    ;
  close (p[0]);
  waitpid (pid, NULL, 0);
  step_end (&create_step);
  send_step (tag, "agent:run-shim-create", &create_step);
  linebuf_append (&lb, "", 0);
  while ((line = linebuf_next (&lb, &used)))
    {
      if (strncmp (line, "step ", 5) == 0)
        send_line (tag, "step", "%s", line + 5);
      else if (strncmp (line, "warn ", 5) == 0)
        send_line (tag, "warn", "%s", line + 5);
      else if (strncmp (line, "created ", 8) == 0)
        {
          send_line (tag, "ok", "%s", line + 8);
          created = answered = true;
        }
      else if (strncmp (line, "error ", 6) == 0)
        {
          send_line (tag, "error", "%s", line + 6);
          answered = true;
        }
      linebuf_consume (&lb, used);
    }
  if (!answered)
    {
      linebuf_free (&lb);
      send_line (tag, "error", "podlab-shim create gave no outcome");
      return 1;
    }
  linebuf_free (&lb);
  if (created)
    copy_exit_record (id);
  return 0;
}

static void
send_chunk (const char *tag, const char *kind, const char *data, size_t len)
{
  cleanup_free char *esc = agent_escape (data, len);

  if (esc)
    send_line (tag, kind, "%s", esc);
}

static int
req_exec (const char *tag, const char *id, const char *plan_name)
{
  struct shim_error err;
  cleanup_free char *dir = xasprintf (AGENT_RUN "/%s", id);
  cleanup_free char *plan = xasprintf (AGENT_SHARE "/c/%s/%s", id, plan_name);
  int out[2], errp[2], status;
  pid_t pid;

  if (pipe2 (out, O_CLOEXEC) < 0 || pipe2 (errp, O_CLOEXEC) < 0 || (pid = fork ()) < 0)
    {
      shim_fail (&err, errno, "run podlab-shim exec");
      return send_error (tag, &err);
    }
  if (pid == 0)
    {
      int in = exec_stdin >= 0 ? exec_stdin : open ("/dev/null", O_RDONLY);
      dup2 (in, 0);
      dup2 (out[1], 1);
      dup2 (errp[1], 2);
      if (exec_winsz)
        execl ("/init", "/init", "exec", dir, plan, exec_winsz, (char *) NULL);
      else
        execl ("/init", "/init", "exec", dir, plan, (char *) NULL);
      _exit (127);
    }
  close (out[1]);
  close (errp[1]);
  {
    struct pollfd fds[2] = { { out[0], POLLIN, 0 }, { errp[0], POLLIN, 0 } };
    int open_fds = 2;
    char buf[CHUNK];

    while (open_fds > 0)
      {
        if (poll (fds, 2, -1) < 0)
          {
            if (errno == EINTR)
              continue;
            break;
          }
        for (int i = 0; i < 2; i++)
          if (fds[i].fd >= 0 && fds[i].revents)
            {
              ssize_t r = read (fds[i].fd, buf, sizeof (buf));
              if (r > 0)
                send_chunk (tag, i == 0 ? "out" : "err", buf, (size_t) r);
              else if (r == 0 || errno != EINTR)
                {
                  close (fds[i].fd);
                  fds[i].fd = -1;
                  open_fds--;
                }
            }
      }
  }
  if (waitpid (pid, &status, 0) < 0)
    {
      shim_fail (&err, errno, "wait for podlab-shim exec");
      return send_error (tag, &err);
    }
  send_line (tag, "ok", "%d", WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status));
  return 0;
}

/* One attach frame to the guest shim: type, 4-byte big-endian length, payload. */
static int
attach_frame (int s, char type, const void *data, size_t len)
{
  unsigned char head[5] = { (unsigned char) type, (unsigned char) (len >> 24), (unsigned char) (len >> 16),
                            (unsigned char) (len >> 8), (unsigned char) len };

  return write_all (s, head, sizeof (head)) < 0 || (len && write_all (s, data, len) < 0) ? -1 : 0;
}

/* Output frames of the guest shim as TAG out/err/exit lines, in CHUNK pieces. */
static void
attach_output (const char *tag, char type, const char *p, size_t len)
{
  const char *kind = type == 'o' ? "out" : type == 'e' ? "err" : type == 'x' ? "exit" : NULL;

  if (kind == NULL)
    return;
  if (type == 'x')
    {
      send_chunk (tag, kind, p, len);
      return;
    }
  for (size_t off = 0; off < len; off += CHUNK)
    send_chunk (tag, kind, p + off, len - off < CHUNK ? len - off : CHUNK);
}

/* attach ID: the guest shim's attach (docs/shim.md) relayed as lines. Input
 * comes from PID 1 through this request's stdin pipe (EOF: a `c` frame) and
 * resize FIFO; `cancel` (the host detaching) kills this child, which closes
 * the connection: the shim sees the client go. */
static int
req_attach (const char *tag, const char *id)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  cleanup_fd int s = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  cleanup_fd int winsz = exec_winsz ? open (exec_winsz, O_RDONLY | O_NONBLOCK | O_CLOEXEC) : -1;
  struct shim_error err;
  char answer[512], buf[32 * 1024];
  struct linebuf frames = { 0 };
  bool in_open = exec_stdin >= 0, sock_open = true;
  size_t n = 0;

  snprintf (addr.sun_path, sizeof (addr.sun_path), AGENT_RUN "/%s/ctl.sock", id);
  if (s < 0 || connect (s, (struct sockaddr *) &addr, sizeof (addr)) < 0)
    {
      shim_fail (&err, errno, "reach the shim of container %s", id);
      return send_error (tag, &err);
    }
  write_all (s, "attach\n", 7);
  /* The answer line byte by byte: frames may follow it at once. */
  while (n < sizeof (answer) - 1 && read (s, answer + n, 1) == 1 && answer[n] != '\n')
    n++;
  answer[n] = '\0';
  if (strcmp (answer, "ok") != 0)
    {
      send_line (tag, "error", "%s", strncmp (answer, "error ", 6) == 0 ? answer + 6 : "the shim closed the connection");
      return 1;
    }
  send_line (tag, "attached", NULL);
  while (sock_open)
    {
      struct pollfd fds[3] = { { s, POLLIN, 0 }, { in_open ? exec_stdin : -1, POLLIN, 0 }, { winsz, POLLIN, 0 } };
      ssize_t r;

      if (poll (fds, 3, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          break;
        }
      if (fds[2].revents & POLLIN)
        {
          unsigned char rec[4];
          while (read (winsz, rec, sizeof (rec)) == (ssize_t) sizeof (rec))
            attach_frame (s, 'r', rec, sizeof (rec));
        }
      if (fds[1].revents)
        {
          r = read (exec_stdin, buf, sizeof (buf));
          if (r > 0)
            attach_frame (s, 'i', buf, (size_t) r);
          else if (r == 0 || errno != EINTR)
            {
              attach_frame (s, 'c', NULL, 0);
              in_open = false;
            }
        }
      if (fds[0].revents)
        {
          r = read (s, buf, sizeof (buf));
          if (r <= 0 && (r == 0 || errno != EINTR))
            sock_open = false;
          else if (r > 0)
            linebuf_append (&frames, buf, (size_t) r);
          while (frames.len >= 5)
            {
              const unsigned char *h = (const unsigned char *) frames.data;
              size_t len = (size_t) h[1] << 24 | (size_t) h[2] << 16 | (size_t) h[3] << 8 | h[4];
              if (frames.len < 5 + len)
                break;
              attach_output (tag, (char) h[0], frames.data + 5, len);
              linebuf_consume (&frames, 5 + len);
            }
        }
    }
  linebuf_free (&frames);
  send_line (tag, "ok", NULL);
  return 0;
}

/* Reads one cgroup value ("max" and missing files as -1). */
static long long
cg_value (const char *id, const char *file, const char *key)
{
  cleanup_free char *path = xasprintf (AGENT_CGROUP "/%s/%s", id, file);
  cleanup_free char *text = NULL;
  struct shim_error err;
  size_t len;
  const char *p;

  if (path == NULL || read_file_at (AT_FDCWD, path, &text, &len, &err) < 0)
    return -1;
  if (key == NULL)
    return strncmp (text, "max", 3) == 0 ? -1 : strtoll (text, NULL, 10);
  for (p = text; p && *p; p = strchr (p, '\n') ? strchr (p, '\n') + 1 : NULL)
    if (strncmp (p, key, strlen (key)) == 0 && p[strlen (key)] == ' ')
      return strtoll (p + strlen (key) + 1, NULL, 10);
  return -1;
}

static int
req_stats (const char *tag, const char *id)
{
  /* The first six keys are protocol 1's original answer; the rest were appended (readers ignore
     keys they do not know), so the line stays one protocol. */
  send_line (tag, "ok",
             "memory.current=%lld memory.max=%lld memory.oom_kill=%lld cpu.usage_usec=%lld pids.current=%lld "
             "pids.max=%lld cpu.user_usec=%lld cpu.system_usec=%lld cpu.nr_periods=%lld cpu.nr_throttled=%lld "
             "cpu.throttled_usec=%lld memory.anon=%lld memory.file=%lld memory.inactive_file=%lld "
             "memory.peak=%lld memory.events_max=%lld memory.oom=%lld",
             cg_value (id, "memory.current", NULL), cg_value (id, "memory.max", NULL),
             cg_value (id, "memory.events", "oom_kill"), cg_value (id, "cpu.stat", "usage_usec"),
             cg_value (id, "pids.current", NULL), cg_value (id, "pids.max", NULL),
             cg_value (id, "cpu.stat", "user_usec"), cg_value (id, "cpu.stat", "system_usec"),
             cg_value (id, "cpu.stat", "nr_periods"), cg_value (id, "cpu.stat", "nr_throttled"),
             cg_value (id, "cpu.stat", "throttled_usec"), cg_value (id, "memory.stat", "anon"),
             cg_value (id, "memory.stat", "file"), cg_value (id, "memory.stat", "inactive_file"),
             cg_value (id, "memory.peak", NULL), cg_value (id, "memory.events", "max"),
             cg_value (id, "memory.events", "oom"));
  return 0;
}

static void
pause_ms (long ms)
{
  struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
  nanosleep (&ts, NULL);
}

static int
req_delete (const char *tag, const char *id)
{
  cleanup_free char *cg = xasprintf (AGENT_CGROUP "/%s", id);
  cleanup_free char *kill_file = xasprintf (AGENT_CGROUP "/%s/cgroup.kill", id);
  cleanup_free char *dir = xasprintf (AGENT_RUN "/%s", id);
  struct shim_error err;
  DIR *d;

  /* Expected failures (already gone) are ignored: delete is idempotent. */
  write_file_at (AT_FDCWD, kill_file, "1", &err);
  for (int tries = 0; rmdir (cg) < 0 && errno == EBUSY && tries < 100; tries++)
    pause_ms (20);
  if ((d = opendir (dir)))
    {
      struct dirent *e;
      while ((e = readdir (d)))
        if (e->d_name[0] != '.' || (e->d_name[1] && strcmp (e->d_name, "..") != 0))
          unlinkat (dirfd (d), e->d_name, 0);
      closedir (d);
      rmdir (dir);
    }
  send_line (tag, "ok", NULL);
  return 0;
}

static int
handle (char *line)
{
  char *tok[MAX_TOKENS];
  char *save = NULL;
  int n = 0;

  for (char *t = strtok_r (line, " ", &save); t && n < MAX_TOKENS; t = strtok_r (NULL, " ", &save))
    {
      if (agent_unescape (t) < 0)
        {
          send_line (n > 0 ? tok[0] : "-", "error", "malformed escape in request");
          return 1;
        }
      tok[n++] = t;
    }
  if (n < 2)
    {
      send_line (n ? tok[0] : "-", "error", "malformed request");
      return 1;
    }
  if (n >= 3 && !safe_name (tok[2]))
    {
      send_line (tok[0], "error", "failed to find container \"%s\": not a valid id", tok[2]);
      return 1;
    }
  if (n == 3 && strcmp (tok[1], "create") == 0)
    return req_create (tok[0], tok[2]);
  if (n == 3 && strcmp (tok[1], "start") == 0)
    return forward (tok[0], tok[2], "start", NULL);
  if (n == 3 && strcmp (tok[1], "reopen-log") == 0)
    return forward (tok[0], tok[2], "reopen-log", NULL);
  if (n == 4 && strcmp (tok[1], "kill") == 0)
    {
      char req[32];
      snprintf (req, sizeof (req), "kill %d", atoi (tok[3]));
      return forward (tok[0], tok[2], req, NULL);
    }
  if ((n == 4 || n == 5) && strcmp (tok[1], "exec") == 0 && safe_name (tok[3]))
    return req_exec (tok[0], tok[2], tok[3]);
  if (n == 3 && strcmp (tok[1], "attach") == 0)
    return req_attach (tok[0], tok[2]);
  if (n == 3 && strcmp (tok[1], "stats") == 0)
    return req_stats (tok[0], tok[2]);
  if (n == 3 && strcmp (tok[1], "delete") == 0)
    return req_delete (tok[0], tok[2]);
  send_line (tok[0], "error", "unknown request \"%s\" with %d argument(s)", tok[1], n - 2);
  return 1;
}

static void
power_off (const char *tag)
{
  if (tag)
    send_line (tag, "ok", NULL);
  kill (-1, SIGKILL);
  sync ();
  umount2 (AGENT_SHARE, MNT_DETACH);
  reboot (RB_POWER_OFF);
}

/* ---- interactive exec: PID 1's side (docs/kvm.md, "Interactive exec") ---- */

static struct session *
session_find (const char *tag)
{
  for (int i = 0; i < MAX_SESSIONS; i++)
    if (sessions[i].used && strcmp (sessions[i].tag, tag) == 0)
      return &sessions[i];
  return NULL;
}

static void
session_close_in (struct session *s)
{
  if (s->in >= 0)
    close (s->in);
  s->in = -1;
  free (s->pending);
  s->pending = NULL;
  s->plen = 0;
}

/* The request's child was reaped. It answers `ok CODE` itself unless a
 * signal (a cancel) killed it: then PID 1 answers for it. */
static void
session_end (struct session *s, int status)
{
  if (WIFSIGNALED (status))
    send_line (s->tag, "ok", "%d", 128 + WTERMSIG (status));
  session_close_in (s);
  if (s->winsz >= 0)
    {
      close (s->winsz);
      unlink (s->fifo);
    }
  memset (s, 0, sizeof (*s));
  s->in = s->winsz = -1;
}

/* Tells the host how much more input it may send. */
static void
session_ack (struct session *s, size_t bytes)
{
  if (bytes > 0)
    send_line (s->tag, "ack", "%zu", bytes);
}

/* Writes what the pipe takes now; the rest waits for POLLOUT, so a process
 * that does not read its stdin never blocks PID 1, and the host's window
 * bounds what waits here. */
static void
session_flush (struct session *s)
{
  while (s->in >= 0 && s->plen > 0)
    {
      ssize_t w = write (s->in, s->pending, s->plen);
      if (w < 0 && errno == EINTR)
        continue;
      if (w < 0 && errno == EAGAIN)
        break;
      if (w < 0)
        {
          /* EPIPE: the process closed its stdin; later input has nowhere to
           * go, and what waited is dropped: the host may send on. */
          session_ack (s, s->unacked + s->plen);
          s->unacked = 0;
          session_close_in (s);
          return;
        }
      memmove (s->pending, s->pending + w, s->plen - (size_t) w);
      s->plen -= (size_t) w;
      s->unacked += (size_t) w;
    }
  if (s->unacked >= STDIN_ACK_STEP || (s->plen == 0 && s->unacked > 0))
    {
      session_ack (s, s->unacked);
      s->unacked = 0;
    }
  if (s->eof && s->plen == 0)
    session_close_in (s);
}

/* Before an exec request's fork: its table entry, and with FLAGS "stdin" a
 * pipe, with "tty" a resize FIFO; exec_stdin/exec_winsz hand them to the child.
 * NULL (errno set) when the table is full or the tag is in use. */
static struct session *
session_open (const char *tag, const char *flags)
{
  static unsigned counter;
  struct session *s = NULL;

  for (int i = 0; i < MAX_SESSIONS && s == NULL; i++)
    if (!sessions[i].used)
      s = &sessions[i];
  if (s == NULL || strlen (tag) >= sizeof (s->tag) || session_find (tag))
    {
      errno = s == NULL ? EMFILE : EEXIST;
      return NULL;
    }
  memset (s, 0, sizeof (*s));
  s->in = s->winsz = -1;
  snprintf (s->tag, sizeof (s->tag), "%s", tag);
  if (strstr (flags, "stdin"))
    {
      int p[2];
      if (pipe2 (p, O_CLOEXEC) < 0)
        return NULL;
      fcntl (p[1], F_SETFL, O_NONBLOCK);
      exec_stdin = p[0];
      s->in = p[1];
      send_line (tag, "window", "%d", STDIN_WINDOW);
    }
  if (strstr (flags, "tty"))
    {
      snprintf (s->fifo, sizeof (s->fifo), AGENT_RUN "/exec-%u.winsz", ++counter);
      unlink (s->fifo);
      if (mkfifo (s->fifo, 0600) < 0 || (s->winsz = open (s->fifo, O_RDWR | O_NONBLOCK | O_CLOEXEC)) < 0)
        {
          int saved = errno;
          if (exec_stdin >= 0)
            close (exec_stdin);
          exec_stdin = -1;
          session_close_in (s);
          unlink (s->fifo);
          errno = saved;
          return NULL;
        }
      exec_winsz = s->fifo;
    }
  s->used = true;
  return s;
}

/* The payload of a stdin line: never empty, %00 is a NUL byte (as in out/err). */
static ssize_t
unescape_data (char *s)
{
  char *w = s;

  for (char *r = s; *r; r++)
    {
      if (*r != '%')
        {
          *w++ = *r;
          continue;
        }
      if (hexval (r[1]) < 0 || hexval (r[2]) < 0)
        return -1;
      *w++ = (char) (hexval (r[1]) * 16 + hexval (r[2]));
      r += 2;
    }
  return w - s;
}

static bool
verb_is (const char *verb, size_t len, const char *name)
{
  return len == strlen (name) && memcmp (verb, name, len) == 0;
}

/* TAG stdin DATA | TAG eof | TAG resize ROWS COLS | TAG cancel, served inline
 * and never answered (input for an exec that has ended is dropped); false when
 * LINE is none of these (then it is left as it was). */
static bool
session_input (char *line)
{
  const char *v = strchr (line, ' ');
  char *save = NULL, *tag, *verb, *a, *b;
  struct session *s;
  size_t vlen;

  if (v == NULL)
    return false;
  vlen = strcspn (++v, " ");
  if (!verb_is (v, vlen, "stdin") && !verb_is (v, vlen, "eof") && !verb_is (v, vlen, "resize")
      && !verb_is (v, vlen, "cancel"))
    return false;
  tag = strtok_r (line, " ", &save);
  verb = strtok_r (NULL, " ", &save);
  a = strtok_r (NULL, " ", &save);
  b = strtok_r (NULL, " ", &save);
  if ((s = session_find (tag)) == NULL)
    return true;
  if (strcmp (verb, "stdin") == 0 && a && s->in >= 0 && !s->eof)
    {
      ssize_t n = unescape_data (a);
      char *more = n > 0 ? realloc (s->pending, s->plen + (size_t) n) : NULL;
      if (more)
        {
          memcpy (more + s->plen, a, (size_t) n);
          s->pending = more;
          s->plen += (size_t) n;
          session_flush (s);
        }
    }
  else if (strcmp (verb, "eof") == 0)
    {
      s->eof = true;
      session_flush (s);
    }
  else if (strcmp (verb, "resize") == 0 && a && b && s->winsz >= 0)
    {
      long r = strtol (a, NULL, 10), c = strtol (b, NULL, 10);
      unsigned char rec[4];
      r = r < 1 ? 1 : r > 0xffff ? 0xffff : r;
      c = c < 1 ? 1 : c > 0xffff ? 0xffff : c;
      rec[0] = (unsigned char) (r >> 8);
      rec[1] = (unsigned char) r;
      rec[2] = (unsigned char) (c >> 8);
      rec[3] = (unsigned char) c;
      /* One 4-byte write: the exec shim never reads half a record. */
      if (write (s->winsz, rec, sizeof (rec)) < 0)
        (void) 0; /* the FIFO is full of sizes nobody read: the last ones win anyway */
    }
  else if (strcmp (verb, "cancel") == 0)
    /* The child's process group: the request, its exec shim and (through the
     * shim's PR_SET_PDEATHSIG) the process in the container. */
    kill (-s->pid, SIGKILL);
  return true;
}

/* An exec request's FLAGS token (the fifth), "-" when there is none. */
static void
exec_flags (const char *line, char *flags, size_t size)
{
  const char *p = line;

  snprintf (flags, size, "-");
  for (int i = 0; i < 4 && p; i++)
    {
      p = strchr (p, ' ');
      if (p)
        p++;
    }
  if (p && *p)
    snprintf (flags, size, "%.*s", (int) strcspn (p, " "), p);
}

static bool
is_exec (const char *line)
{
  const char *v = strchr (line, ' ');
  return v && strncmp (v + 1, "exec ", 5) == 0;
}

static bool
is_attach (const char *line)
{
  const char *v = strchr (line, ' ');
  return v && strncmp (v + 1, "attach ", 7) == 0;
}

/* Decodes N tokens in place; false when one is malformed. */
static bool
unescape_all (char **tok, int n)
{
  for (int i = 0; i < n; i++)
    if (agent_unescape (tok[i]) < 0)
      return false;
  return true;
}

static void
serve (sigset_t *old_mask)
{
  struct linebuf lb = { 0 };
  sigset_t chld;
  int sfd;

  sigemptyset (&chld);
  sigaddset (&chld, SIGCHLD);
  sfd = signalfd (-1, &chld, SFD_CLOEXEC);
  for (;;)
    {
      struct pollfd fds[2 + MAX_SESSIONS] = { { port, POLLIN, 0 }, { sfd, POLLIN, 0 } };
      struct session *waiting[MAX_SESSIONS];
      nfds_t nfds = 2;
      char *line;
      size_t used;
      pid_t gone;
      int status;

      /* Sessions with stdin bytes the pipe did not take yet. */
      for (int i = 0; i < MAX_SESSIONS; i++)
        if (sessions[i].used && sessions[i].in >= 0 && sessions[i].plen > 0)
          {
            waiting[nfds - 2] = &sessions[i];
            fds[nfds++] = (struct pollfd) { sessions[i].in, POLLOUT, 0 };
          }
      if (poll (fds, nfds, -1) < 0)
        continue;
      for (nfds_t i = 2; i < nfds; i++)
        if (fds[i].revents)
          session_flush (waiting[i - 2]);
      if (fds[1].revents & POLLIN)
        {
          struct signalfd_siginfo si;
          if (read (sfd, &si, sizeof (si)) < 0)
            pause_ms (1);
          /* PID 1 reaps every orphan (detached shims end up here). */
          while ((gone = waitpid (-1, &status, WNOHANG)) > 0)
            for (int i = 0; i < MAX_SESSIONS; i++)
              if (sessions[i].used && sessions[i].pid == gone)
                session_end (&sessions[i], status);
        }
      if (!(fds[0].revents & (POLLIN | POLLHUP)))
        continue;
      if (linebuf_fill (&lb, port) <= 0)
        {
          /* No host on the other end (yet, or any more): nothing to read. */
          pause_ms (100);
          continue;
        }
      while ((line = linebuf_next (&lb, &used)))
        {
          const char *verb = strchr (line, ' ');
          struct session *session = NULL;
          pid_t pid;

          if (verb && strcmp (verb + 1, "shutdown") == 0)
            {
              char tag[64];
              snprintf (tag, sizeof (tag), "%.*s", (int) (verb - line), line);
              power_off (tag);
            }
          if (verb && strcmp (verb + 1, "ping") == 0)
            {
              /* The host's liveness check, every few seconds: answered here
               * without a fork, so it costs one line each way and proves the
               * guest kernel schedules PID 1 and the port still works. */
              char tag[64];
              snprintf (tag, sizeof (tag), "%.*s", (int) (verb - line), line);
              send_line (tag, "ok", NULL);
              linebuf_consume (&lb, used);
              continue;
            }
          if (verb && strncmp (verb + 1, "setup ", 6) == 0)
            {
              char tag[64], phases[128];
              char *tok[8], *save = NULL;
              int n = 0;
              struct shim_error err = { 0 };

              snprintf (tag, sizeof (tag), "%.*s", (int) (verb - line), line);
              for (char *t = strtok_r ((char *) verb + 7, " ", &save); t && n < 8; t = strtok_r (NULL, " ", &save))
                tok[n++] = t;
              if (n != 6 || !unescape_all (tok, n))
                send_line (tag, "error", "failed to set the guest up: malformed setup request");
              else if (agent_setup (atoll (tok[0]), tok[1], tok[2], tok[3], tok[4], tok[5], phases, sizeof (phases),
                                    &err)
                       < 0)
                send_error (tag, &err);
              else
                send_line (tag, "ok", "%s", phases);
              linebuf_consume (&lb, used);
              continue;
            }
          if (session_input (line))
            {
              linebuf_consume (&lb, used);
              continue;
            }
          if (is_exec (line) || is_attach (line))
            {
              char flags[32], tag[64];
              if (is_attach (line))
                snprintf (flags, sizeof (flags), "stdin,tty");
              else
                exec_flags (line, flags, sizeof (flags));
              snprintf (tag, sizeof (tag), "%.*s", (int) (verb - line), line);
              session = session_open (tag, flags);
              if (session == NULL)
                {
                  send_line (tag, "error", "failed to start exec: %s", strerror (errno));
                  linebuf_consume (&lb, used);
                  continue;
                }
            }
          pid = fork ();
          if (pid == 0)
            {
              sigprocmask (SIG_SETMASK, old_mask, NULL);
              close (sfd);
              /* A group of its own, so cancel reaches the exec shim too; no
               * other session's stdin may stay open here (no EOF otherwise). */
              setpgid (0, 0);
              for (int i = 0; i < MAX_SESSIONS; i++)
                if (sessions[i].used)
                  {
                    if (sessions[i].in >= 0)
                      close (sessions[i].in);
                    if (sessions[i].winsz >= 0)
                      close (sessions[i].winsz);
                  }
              _exit (handle (line));
            }
          if (pid < 0 && verb)
            {
              char tag[64];
              snprintf (tag, sizeof (tag), "%.*s", (int) (verb - line), line);
              send_line (tag, "error", "failed to fork for the request: %s", strerror (errno));
            }
          if (session)
            {
              if (pid < 0)
                session_end (session, 0);
              else
                {
                  setpgid (pid, pid);
                  session->pid = pid;
                }
            }
          if (exec_stdin >= 0)
            close (exec_stdin);
          exec_stdin = -1;
          exec_winsz = NULL;
          linebuf_consume (&lb, used);
        }
    }
}

int
agent_main (void)
{
  struct shim_error err = { 0 };
  struct utsname u;
  struct timespec boot;
  sigset_t chld, old_mask;

  sigemptyset (&chld);
  sigaddset (&chld, SIGCHLD);
  sigprocmask (SIG_BLOCK, &chld, &old_mask);
  if (agent_boot (&port, &err) < 0)
    {
      /* Reaches the serial console; PID 1 exiting panics the guest, and with
       * panic=-1 and -no-reboot QEMU exits: the host sees the VM fail. */
      dprintf (2, "podlab-agent: %s\n", err.msg);
      if (port >= 0)
        send_line ("-", "fatal", "%s", err.msg);
      return 1;
    }
  uname (&u);
  clock_gettime (CLOCK_BOOTTIME, &boot);
  {
    char hello[512];
    int n = snprintf (hello, sizeof (hello), "hello %d %s %lld %s\n", AGENT_PROTOCOL, u.release,
                      (long long) boot.tv_sec * 1000 + boot.tv_nsec / 1000000, agent_boot_phases ());
    /* Until the host has connected the port refuses writes. */
    while (write (port, hello, (size_t) n) < 0)
      pause_ms (50);
  }
  agent_load_late_modules ();
  serve (&old_mask);
  power_off (NULL);
  return 1;
}
