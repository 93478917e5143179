/* The guest agent's control protocol (docs/kvm.md): one request per line
 *   TAG VERB ARG...
 * answered by lines TAG KIND ..., the last of which is TAG ok ... or
 * TAG error MESSAGE. Every request but `shutdown` runs in a child process of
 * its own, so a long `exec` never holds up the others; a child writes each
 * answer line with one write(2), so lines of different requests never mix. */
#include "agent.h"

#include <errno.h>
#include <fcntl.h>
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

  if ((mkdir (dir, 0700) < 0 && errno != EEXIST && shim_fail (&err, errno, "create %s", dir))
      || read_file_at (AT_FDCWD, shared_plan, &plan, &len, &err) < 0
      || write_new (plan_path, plan, len, &err) < 0 || apply_cgroup (id, &err) < 0)
    return send_error (tag, &err);
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
      int null = open ("/dev/null", O_RDONLY);
      dup2 (null, 0);
      dup2 (out[1], 1);
      dup2 (errp[1], 2);
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
  if (n == 4 && strcmp (tok[1], "exec") == 0 && safe_name (tok[3]))
    return req_exec (tok[0], tok[2], tok[3]);
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
      struct pollfd fds[2] = { { port, POLLIN, 0 }, { sfd, POLLIN, 0 } };
      char *line;
      size_t used;

      if (poll (fds, 2, -1) < 0)
        continue;
      if (fds[1].revents & POLLIN)
        {
          struct signalfd_siginfo si;
          if (read (sfd, &si, sizeof (si)) < 0)
            pause_ms (1);
          /* PID 1 reaps every orphan (detached shims end up here). */
          while (waitpid (-1, NULL, WNOHANG) > 0)
            ;
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
          pid = fork ();
          if (pid == 0)
            {
              sigprocmask (SIG_SETMASK, old_mask, NULL);
              close (sfd);
              _exit (handle (line));
            }
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
    char hello[256];
    int n = snprintf (hello, sizeof (hello), "hello %d %s %lld\n", AGENT_PROTOCOL, u.release,
                      (long long) boot.tv_sec * 1000 + boot.tv_nsec / 1000000);
    /* Until the host has connected the port refuses writes. */
    while (write (port, hello, (size_t) n) < 0)
      pause_ms (50);
  }
  serve (&old_mask);
  power_off (NULL);
  return 1;
}
