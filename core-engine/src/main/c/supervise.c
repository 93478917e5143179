#include "supervise.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <malloc.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "init.h"
#include "log.h"
#include "namespaces.h"
#include "report.h"

/* How long output may still arrive after init exited: a process outside
 * the container holding the pipes open must not keep the shim forever. */
#define DRAIN_SECONDS 2
/* Quiet time after which the shim drops its resident code pages. */
#define TRIM_SECONDS 1
/* How long the exiting shim waits for the request line of a client that
 * connected just before the socket went away. */
#define LATE_REQUEST_MS 100

enum state
{
  ST_CREATED,
  ST_STARTING,
  ST_RUNNING,
  ST_STOPPED
};

enum watch_kind
{
  W_SIGNAL,
  W_LISTEN,
  W_CLIENT,
  W_STREAM,
  W_REPORT,
  W_TIMER,
  W_TRIM
};

struct watch
{
  enum watch_kind kind;
  void *obj;
};

struct client
{
  struct watch w;
  int fd;
  bool waiting;
  struct client *next;
  size_t len;
  char buf[128];
};

struct shim
{
  const struct plan *plan;
  const char *dir;
  int dirfd;
  int out;              /* progress lines to `create`; -1 once created */
  struct linebuf held;  /* progress lines, sent with the outcome */
  enum state state;
  pid_t init_pid;
  int sync_fd;          /* to init: 'c', 's' */
  int report_fd;        /* from init, -1 when closed */
  struct linebuf report;
  int logfd;
  struct log_stream streams[2];
  int nstreams;
  int epfd, sigfd, listenfd, timerfd;
  int trimfd;           /* one-shot: trim resident code after activity */
  bool trim_armed;
  bool sock_created;
  struct watch w_sig, w_listen, w_timer, w_trim, w_report, w_stream[2];
  struct client *clients;
  struct client *graveyard;   /* freed after each epoll batch */
  struct client *start_client;
  struct linebuf start_reply;
  int64_t exec_start, exec_mono;
  bool exec_failed;
  char message[512];
  int64_t started_at, finished_at;
  int status;
  bool oom_base_ok;
  uint64_t oom_base;
};

/* ---- small helpers ------------------------------------------------------ */

static void
out_line (struct shim *s, const char *line)
{
  if (s->out >= 0)
    report_hold (&s->held, "%s", line);
}

/* The outcome of create: one write with every progress line, so that
 * `create` (and whoever reads its output) wakes up once. */
static void
out_outcome (struct shim *s, const char *line)
{
  out_line (s, line);
  if (s->out >= 0)
    report_flush (s->out, &s->held);
  linebuf_free (&s->held);
}

/* Write DIR/NAME through a temp file and rename, so readers never see a
 * half-written record. No fsync: these files describe processes that do
 * not survive a machine crash, so losing them in one loses nothing. */
static int
write_atomic (struct shim *s, const char *name, const char *data, struct shim_error *err)
{
  char tmp[64];
  cleanup_fd int fd = -1;

  snprintf (tmp, sizeof (tmp), ".%s.tmp", name);
  fd = openat (s->dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return shim_fail (err, errno, "create `%s/%s`", s->dir, tmp);
  if (write_all (fd, data, strlen (data)) < 0)
    return shim_fail (err, errno, "write `%s/%s`", s->dir, tmp);
  if (renameat (s->dirfd, tmp, s->dirfd, name) < 0)
    return shim_fail (err, errno, "rename `%s/%s`", s->dir, tmp);
  return 0;
}

static int
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

static void
exit_record (struct shim *s, int exit_code, int sig, bool oom, char *buf, size_t len)
{
  char msg[1100];

  json_escape (msg, sizeof (msg), s->message);
  snprintf (buf, len,
            "{\"pid\":%d,\"exitCode\":%d,\"signal\":%d,\"oomKilled\":%s,\"startedAt\":%" PRId64
            ",\"finishedAt\":%" PRId64 ",\"message\":\"%s\"}",
            s->init_pid, exit_code, sig, oom ? "true" : "false", s->started_at, s->finished_at, msg);
}

static int
epoll_add (struct shim *s, int fd, struct watch *w, enum watch_kind kind, void *obj)
{
  struct epoll_event ev = { .events = EPOLLIN, .data.ptr = w };

  w->kind = kind;
  w->obj = obj;
  return epoll_ctl (s->epfd, EPOLL_CTL_ADD, fd, &ev);
}

static void
epoll_del (struct shim *s, int fd)
{
  epoll_ctl (s->epfd, EPOLL_CTL_DEL, fd, NULL);
}

/* ---- clients ------------------------------------------------------------ */

static void
client_drop (struct shim *s, struct client *c)
{
  struct client **pp;

  for (pp = &s->clients; *pp; pp = &(*pp)->next)
    if (*pp == c)
      {
        *pp = c->next;
        break;
      }
  if (s->start_client == c)
    s->start_client = NULL;
  epoll_del (s, c->fd);
  close (c->fd);
  c->fd = -1;
  /* An event for it may still be pending in the current batch. */
  c->next = s->graveyard;
  s->graveyard = c;
}

static void
client_send (struct client *c, const char *msg)
{
  /* Answers are small; a client that does not read loses them rather
   * than blocking the shim. */
  send (c->fd, msg, strlen (msg), MSG_NOSIGNAL | MSG_DONTWAIT);
}

static void
client_reply (struct shim *s, struct client *c, const char *msg)
{
  client_send (c, msg);
  client_drop (s, c);
}

/* ---- exit ---------------------------------------------------------------- */

static bool
streams_open (struct shim *s)
{
  for (int i = 0; i < s->nstreams; i++)
    if (s->streams[i].fd >= 0)
      return true;
  return false;
}

/* After the exit: the answer to a request that came too late for the
 * event loop. BUF holds what was read of it already (LEN bytes). */
static void
answer_late (struct shim *s, int fd, char *buf, size_t len, size_t cap, const char *wait_reply, int64_t deadline)
{
  char state[64];
  const char *reply;
  char *nl;

  while ((nl = memchr (buf, '\n', len)) == NULL && len < cap - 1)
    {
      struct pollfd p = { .fd = fd, .events = POLLIN };
      int64_t left = (deadline - now_monotonic_ns ()) / 1000000;
      ssize_t r;

      if (left <= 0 || poll (&p, 1, (int) left) <= 0)
        return;
      r = read (fd, buf + len, cap - 1 - len);
      if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
        return;
      if (r > 0)
        len += (size_t) r;
    }
  if (nl == NULL)
    return;
  *nl = '\0';
  if (strcmp (buf, "wait") == 0)
    reply = wait_reply;
  else if (strcmp (buf, "state") == 0)
    {
      snprintf (state, sizeof (state), "ok stopped %d\n", s->init_pid);
      reply = state;
    }
  else if (strcmp (buf, "start") == 0 || strncmp (buf, "kill ", 5) == 0)
    reply = "error container is not running\n";
  else
    reply = "error unknown request\n";
  send (fd, reply, strlen (reply), MSG_NOSIGNAL | MSG_DONTWAIT);
}

static _Noreturn void
finish (struct shim *s)
{
  struct shim_error err;
  char record[2048], reply[2100];
  int code = 0, sig = 0;
  uint64_t oom_now;
  bool oom = false;

  for (int i = 0; i < s->nstreams; i++)
    log_stream_close (&s->streams[i], s->logfd);
  if (WIFEXITED (s->status))
    code = WEXITSTATUS (s->status);
  else if (WIFSIGNALED (s->status))
    {
      sig = WTERMSIG (s->status);
      code = 128 + sig;
    }
  if (s->oom_base_ok && read_oom_kill (s->plan->oom_counter, &oom_now) == 0)
    oom = oom_now > s->oom_base;
  exit_record (s, code, sig, oom, record, sizeof (record));
  if (write_atomic (s, "exit.json", record, &err) < 0)
    shim_log ("%s", err.msg);
  snprintf (reply, sizeof (reply), "ok %s\n", record);
  for (struct client *c = s->clients; c; c = c->next)
    if (c->waiting)
      client_send (c, reply);
  unlinkat (s->dirfd, "ctl.sock", 0);
  /* Clients that connected meanwhile (accepted, request not read yet, or
   * still in the listen backlog) would have their connection reset when
   * we exit: answer them too. No new ones come, the name is gone. */
  {
    int64_t deadline = now_monotonic_ns () + LATE_REQUEST_MS * 1000000LL;
    int fd;

    for (struct client *c = s->clients; c; c = c->next)
      if (!c->waiting && c->fd >= 0)
        answer_late (s, c->fd, c->buf, c->len, sizeof (c->buf), reply, deadline);
    while (s->listenfd >= 0 && (fd = accept4 (s->listenfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0)
      {
        char buf[128];
        answer_late (s, fd, buf, 0, sizeof (buf), reply, deadline);
        close (fd);
      }
  }
  shim_log ("container %s exited: %s", s->plan->id ? s->plan->id : "", record);
  _exit (0);
}

/* Kill what is left in the container's cgroups (relevant when it shares a
 * pid namespace: a new one dies with its init). */
static void
kill_leftovers (struct shim *s)
{
  pid_t self = getpid ();

  /* A few passes catch processes forked while we were killing. */
  for (int pass = 0; pass < 3; pass++)
    {
      bool found = false;
      for (size_t i = 0; i < s->plan->ncgroups; i++)
        {
          struct shim_error err;
          cleanup_free char *procs = NULL;
          char *p, *end;

          if (read_file_at (AT_FDCWD, s->plan->cgroups[i], &procs, NULL, &err) < 0)
            continue; /* cgroup already gone: nothing left to kill */
          for (p = procs; *p; p = end)
            {
              long pid = strtol (p, &end, 10);
              if (end == p)
                break;
              if (pid > 0 && pid != self && kill ((pid_t) pid, SIGKILL) == 0)
                found = true;
            }
        }
      if (!found)
        break;
    }
}

static void
arm_drain_timer (struct shim *s)
{
  struct itimerspec its = { .it_value = { .tv_sec = DRAIN_SECONDS } };

  s->timerfd = timerfd_create (CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
  if (s->timerfd < 0 || timerfd_settime (s->timerfd, 0, &its, NULL) < 0
      || epoll_add (s, s->timerfd, &s->w_timer, W_TIMER, NULL) < 0)
    {
      shim_log ("failed to arm the drain timer: %m");
      finish (s);
    }
}

/* ---- start ---------------------------------------------------------------- */

static void
report_lines (struct shim *s)
{
  char *line;
  size_t n;

  while ((line = linebuf_next (&s->report, &n)))
    {
      if (strncmp (line, "step ", 5) == 0)
        {
          linebuf_append (&s->start_reply, line, strlen (line));
          linebuf_append (&s->start_reply, "\n", 1);
        }
      else if (strncmp (line, "exec ", 5) == 0)
        sscanf (line + 5, "%" SCNd64 " %" SCNd64, &s->exec_start, &s->exec_mono);
      else if (strncmp (line, "error ", 6) == 0)
        {
          char *msg = strchr (line + 6, ' ');
          s->exec_failed = true;
          snprintf (s->message, sizeof (s->message), "%s", msg ? msg + 1 : line + 6);
        }
      linebuf_consume (&s->report, n);
    }
}

/* The report pipe closed: execve succeeded (close-on-exec) or init
 * failed or died before it. */
static void
start_done (struct shim *s)
{
  struct linebuf *r = &s->start_reply;
  char line[700];

  report_lines (s);
  epoll_del (s, s->report_fd);
  close (s->report_fd);
  s->report_fd = -1;
  if (!s->exec_failed && s->exec_start)
    {
      struct step ex = { .start = s->exec_start, .duration = now_monotonic_ns () - s->exec_mono };
      snprintf (line, sizeof (line), "step exec %" PRId64 " %" PRId64 "\nok\n", ex.start, ex.duration);
      s->started_at = s->exec_start;
      if (s->state == ST_STARTING)
        s->state = ST_RUNNING;
    }
  else if (s->exec_failed)
    snprintf (line, sizeof (line), "error %s\n", s->message);
  else
    snprintf (line, sizeof (line), "error container exited before it started\n");
  linebuf_append (r, line, strlen (line));
  if (s->start_client)
    client_reply (s, s->start_client, r->data);
  linebuf_free (r);
}

static void
on_report (struct shim *s)
{
  for (;;)
    {
      ssize_t r = linebuf_fill (&s->report, s->report_fd);
      if (r > 0)
        continue;
      if (r < 0 && errno == EAGAIN)
        {
          report_lines (s);
          return;
        }
      start_done (s);
      return;
    }
}

static void
on_init_exit (struct shim *s, int status)
{
  s->status = status;
  s->finished_at = now_realtime_ns ();
  s->state = ST_STOPPED;
  /* init is gone, so is the write end of the report pipe. */
  if (s->report_fd >= 0)
    on_report (s);
  if (s->report_fd >= 0)
    start_done (s);
  kill_leftovers (s);
  if (!streams_open (s))
    finish (s);
  arm_drain_timer (s);
}

/* ---- control requests ------------------------------------------------------ */

static void
request (struct shim *s, struct client *c, char *req)
{
  char reply[128];

  if (strcmp (req, "start") == 0)
    {
      if (s->state == ST_STARTING)
        { client_reply (s, c, "error container is being started\n"); return; }
      if (s->state == ST_RUNNING)
        { client_reply (s, c, "error container is already running\n"); return; }
      if (s->state == ST_STOPPED)
        { client_reply (s, c, "error container is not running\n"); return; }
      if (write_all (s->sync_fd, "s", 1) < 0)
        { client_reply (s, c, "error container is not running\n"); return; }
      close (s->sync_fd);
      s->sync_fd = -1;
      s->state = ST_STARTING;
      s->start_client = c;
      return;
    }
  if (strncmp (req, "kill ", 5) == 0)
    {
      char *end;
      long sig = strtol (req + 5, &end, 10);
      if (end == req + 5 || *end || sig < 1 || sig > 64)
        { client_reply (s, c, "error bad signal number\n"); return; }
      if (s->state == ST_STOPPED || kill (s->init_pid, (int) sig) < 0)
        { client_reply (s, c, "error container is not running\n"); return; }
      { client_reply (s, c, "ok\n"); return; }
    }
  if (strcmp (req, "state") == 0)
    {
      static const char *const names[] = {
        [ST_CREATED] = "created", [ST_STARTING] = "created", [ST_RUNNING] = "running", [ST_STOPPED] = "stopped",
      };
      snprintf (reply, sizeof (reply), "ok %s %d\n", names[s->state], s->init_pid);
      { client_reply (s, c, reply); return; }
    }
  if (strcmp (req, "wait") == 0)
    {
      c->waiting = true;
      return;
    }
  client_reply (s, c, "error unknown request\n");
}

static void
on_client (struct shim *s, struct client *c)
{
  char *nl;
  ssize_t r;

  if (c->waiting || s->start_client == c)
    {
      /* Only a hang-up matters now. */
      char sink[64];
      r = read (c->fd, sink, sizeof (sink));
      if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
        client_drop (s, c);
      return;
    }
  r = read (c->fd, c->buf + c->len, sizeof (c->buf) - 1 - c->len);
  if (r < 0)
    {
      if (errno != EAGAIN && errno != EINTR)
        client_drop (s, c);
      return;
    }
  c->len += (size_t) r;
  c->buf[c->len] = '\0';
  nl = strchr (c->buf, '\n');
  if (nl)
    *nl = '\0';
  else if (r > 0 && c->len < sizeof (c->buf) - 1)
    return; /* wait for the rest of the line */
  else if (r > 0)
    { client_reply (s, c, "error request too long\n"); return; }
  else if (c->len == 0)
    { client_drop (s, c); return; }
  request (s, c, c->buf);
}

static void
on_accept (struct shim *s)
{
  for (;;)
    {
      int fd = accept4 (s->listenfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
      struct client *c;

      if (fd < 0)
        return;
      c = calloc (1, sizeof (*c));
      if (c == NULL)
        {
          close (fd);
          return;
        }
      c->fd = fd;
      if (epoll_add (s, fd, &c->w, W_CLIENT, c) < 0)
        {
          close (fd);
          free (c);
          continue;
        }
      c->next = s->clients;
      s->clients = c;
    }
}

static void
on_signal (struct shim *s)
{
  struct signalfd_siginfo si;

  while (read (s->sigfd, &si, sizeof (si)) == sizeof (si))
    {
      if (si.ssi_signo == SIGCHLD)
        {
          int status;
          pid_t pid;
          /* As subreaper we also inherit orphans: reap them all. */
          while ((pid = waitpid (-1, &status, WNOHANG)) > 0)
            if (pid == s->init_pid)
              on_init_exit (s, status);
        }
      else if ((si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) && s->state != ST_STOPPED)
        kill (s->init_pid, (int) si.ssi_signo); /* stopping the shim means stopping the container */
    }
}

static void
on_stream (struct shim *s, struct log_stream *ls)
{
  if (log_stream_read (ls, s->logfd) == 0)
    return;
  epoll_del (s, ls->fd);
  log_stream_close (ls, s->logfd);
  if (s->state == ST_STOPPED && !streams_open (s))
    finish (s);
}

/* Give back the resident pages of our read-only segments (code and
 * constants). A static binary's startup and the create path touch most of
 * them, and the page cache keeps executables in large folios that are
 * mapped whole on a fault, so any request maps in hundreds of KiB again.
 * The pages stay in the page cache and fault back in cheaply, so dropping
 * them a moment after activity keeps a waiting shim small. Writable
 * segments (data, RELRO) are left alone: dropping those would lose
 * their content. */
static void
trim_resident_code (void)
{
  const ElfW (Phdr) *ph = (const ElfW (Phdr) *) getauxval (AT_PHDR);
  size_t n = getauxval (AT_PHNUM);
  long page = sysconf (_SC_PAGESIZE);
  uintptr_t bias = 0;

  if (ph == NULL || page <= 0)
    return;
  for (size_t i = 0; i < n; i++)
    if (ph[i].p_type == PT_PHDR)
      bias = (uintptr_t) ph - ph[i].p_vaddr;
  for (size_t i = 0; i < n; i++)
    {
      uintptr_t start, end;
      if (ph[i].p_type != PT_LOAD || (ph[i].p_flags & PF_W))
        continue;
      start = (bias + ph[i].p_vaddr) & ~((uintptr_t) page - 1);
      end = (bias + ph[i].p_vaddr + ph[i].p_memsz + (uintptr_t) page - 1) & ~((uintptr_t) page - 1);
      madvise ((void *) start, end - start, MADV_DONTNEED);
    }
}

static _Noreturn void
event_loop (struct shim *s)
{
  struct itimerspec later = { .it_value = { .tv_sec = TRIM_SECONDS } };
  struct epoll_event ev[8];
  bool active;

  trim_resident_code ();
  for (;;)
    {
      int n = epoll_wait (s->epfd, ev, 8, -1);
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          /* Cannot supervise any more: end the container, record it. */
          shim_log ("failed to wait for events: %m");
          kill (s->init_pid, SIGKILL);
          waitpid (s->init_pid, &s->status, 0);
          s->finished_at = now_realtime_ns ();
          finish (s);
        }
      active = false;
      for (int i = 0; i < n; i++)
        {
          struct watch *w = ev[i].data.ptr;
          active |= w->kind != W_TRIM;
          switch (w->kind)
            {
            case W_SIGNAL:
              on_signal (s);
              break;
            case W_LISTEN:
              on_accept (s);
              break;
            case W_CLIENT:
              if (((struct client *) w->obj)->fd >= 0)
                on_client (s, w->obj);
              break;
            case W_STREAM:
              if (((struct log_stream *) w->obj)->fd >= 0)
                on_stream (s, w->obj);
              break;
            case W_REPORT:
              if (s->report_fd >= 0)
                on_report (s);
              break;
            case W_TIMER:
              shim_log ("output still open %d s after the container exited, stop logging", DRAIN_SECONDS);
              finish (s);
            case W_TRIM:
              {
                uint64_t ticks;
                if (read (s->trimfd, &ticks, sizeof (ticks)) < 0 && errno != EAGAIN)
                  break;
                trim_resident_code ();
                s->trim_armed = false;
              }
              break;
            }
        }
      /* Re-arm after real activity, not after our own wakeup. */
      if (active && !s->trim_armed && s->trimfd >= 0)
        s->trim_armed = timerfd_settime (s->trimfd, 0, &later, NULL) == 0;
      while (s->graveyard)
        {
          struct client *c = s->graveyard;
          s->graveyard = c->next;
          free (c);
        }
    }
}

/* ---- creation ----------------------------------------------------------------- */

static int
detach (struct shim *s, struct shim_error *err)
{
  cleanup_fd int null = -1;
  cleanup_fd int logfd = -1;

  if (setsid () < 0)
    return shim_fail (err, errno, "start a new session");
  /* Nothing may keep the caller's directory (or its mount) busy. */
  if (chdir ("/") < 0)
    return shim_fail (err, errno, "chdir to `/`");
  null = open ("/dev/null", O_RDWR | O_CLOEXEC);
  if (null < 0)
    return shim_fail (err, errno, "open `/dev/null`");
  logfd = openat (s->dirfd, "shim.log", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (logfd < 0)
    return shim_fail (err, errno, "open `%s/shim.log`", s->dir);
  /* The caller reads our stdout until EOF: it must not wait for us. */
  if (dup2 (null, 0) < 0 || dup2 (null, 1) < 0 || dup2 (logfd, 2) < 0)
    return shim_fail (err, errno, "redirect stdio");
  /* Orphans of the container are ours to reap, not the host init's. */
  if (prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
    return shim_fail (err, errno, "become a child subreaper");
  return 0;
}

static int
setup_signals (struct shim *s, struct shim_error *err)
{
  sigset_t set;

  signal (SIGPIPE, SIG_IGN);
  sigemptyset (&set);
  sigaddset (&set, SIGCHLD);
  sigaddset (&set, SIGTERM);
  sigaddset (&set, SIGINT);
  sigaddset (&set, SIGHUP);
  sigaddset (&set, SIGQUIT);
  /* Blocked before clone, so an early death of init is not missed. */
  if (sigprocmask (SIG_BLOCK, &set, NULL) < 0)
    return shim_fail (err, errno, "block signals");
  s->sigfd = signalfd (-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (s->sigfd < 0)
    return shim_fail (err, errno, "create a signalfd");
  return 0;
}

/* Container stdio: /dev/null + two pipes, or a pty. Child ends in io[]. */
static int
setup_stdio (struct shim *s, int io[3], struct shim_error *err)
{
  int p[2];

  if (s->plan->terminal)
    {
      int master = open ("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK), unlock = 0, slave;
      if (master < 0)
        return shim_fail (err, errno, "open `/dev/ptmx`");
      log_stream_init (&s->streams[s->nstreams++], "stdout", master);
      if (ioctl (master, TIOCSPTLCK, &unlock) < 0)
        return shim_fail (err, errno, "unlock the pty");
      slave = ioctl (master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
      if (slave < 0)
        return shim_fail (err, errno, "open the pty slave");
      io[0] = io[1] = io[2] = slave;
      return 0;
    }
  io[0] = open ("/dev/null", O_RDONLY | O_CLOEXEC);
  if (io[0] < 0)
    return shim_fail (err, errno, "open `/dev/null`");
  for (int i = 1; i <= 2; i++)
    {
      if (pipe2 (p, O_CLOEXEC) < 0)
        return shim_fail (err, errno, "create a pipe");
      fcntl (p[0], F_SETFL, O_NONBLOCK);
      log_stream_init (&s->streams[s->nstreams++], i == 1 ? "stdout" : "stderr", p[0]);
      io[i] = p[1];
    }
  return 0;
}

static void
close_child_ends (int io[3])
{
  for (int i = 0; i < 3; i++)
    if (io[i] >= 0 && (i == 0 || io[i] != io[i - 1]))
      close (io[i]);
  io[0] = io[1] = io[2] = -1;
}

static int
clone_init (struct shim *s, int io[3], struct shim_error *err)
{
  int sync[2], rep[2];
  struct step st;
  pid_t pid;

  if (pipe2 (sync, O_CLOEXEC) < 0 || pipe2 (rep, O_CLOEXEC) < 0)
    return shim_fail (err, errno, "create a pipe");
  if (ns_join_pid (s->plan, err) < 0)
    return -1;
  step_begin (&st);
  /* Raw clone: fork semantics (the child continues here on a copy of the
   * stack) plus namespace flags. */
  pid = (pid_t) syscall (SYS_clone, ns_clone_flags (s->plan) | SIGCHLD, NULL, NULL, NULL, 0);
  if (pid < 0)
    return shim_fail (err, errno, "clone the container init");
  if (pid == 0)
    {
      struct init_args a = {
        .plan = s->plan, .sync_fd = sync[0], .report_fd = rep[1],
        .stdio = { io[0], io[1], io[2] }, .tty = s->plan->terminal,
      };
      init_run (&a);
    }
  step_end (&st);
  report_hold_step (&s->held, "clone", &st);
  s->init_pid = pid;
  close (sync[0]);
  close (rep[1]);
  s->sync_fd = sync[1];
  s->report_fd = rep[0];
  close_child_ends (io);
  return 0;
}

static int
join_cgroups (struct shim *s, struct shim_error *err)
{
  char pid[24];
  struct step st;

  step_begin (&st);
  snprintf (pid, sizeof (pid), "%d", s->init_pid);
  for (size_t i = 0; i < s->plan->ncgroups; i++)
    if (write_file_at (AT_FDCWD, s->plan->cgroups[i], pid, err) < 0)
      return -1;
  step_end (&st);
  report_hold_step (&s->held, "cgroup", &st);
  return 0;
}

/* Relay init's report lines to `create` until it is ready or failed. */
static int
await_ready (struct shim *s, struct shim_error *err)
{
  for (;;)
    {
      char *line;
      size_t n;
      ssize_t r;

      while ((line = linebuf_next (&s->report, &n)))
        {
          if (strcmp (line, "ready") == 0)
            {
              linebuf_consume (&s->report, n);
              return 0;
            }
          if (strncmp (line, "error ", 6) == 0)
            {
              char *msg = strchr (line + 6, ' ');
              shim_error_set (err, 0, "%s", msg ? msg + 1 : line + 6);
              err->exit_code = atoi (line + 6);
              if (err->exit_code != 126 && err->exit_code != 127)
                err->exit_code = 0;
              return -1;
            }
          out_line (s, line);
          linebuf_consume (&s->report, n);
        }
      r = linebuf_fill (&s->report, s->report_fd);
      if (r == 0)
        return shim_error_set (err, 0, "container init exited during setup");
      if (r < 0)
        return shim_fail (err, errno, "read from the container init");
    }
}

static int
listen_ctl (struct shim *s, struct shim_error *err)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  mode_t old;
  int r;

  s->listenfd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (s->listenfd < 0)
    return shim_fail (err, errno, "create the control socket");
  /* A relative name keeps us clear of sun_path's 108 bytes. */
  strcpy (addr.sun_path, "ctl.sock");
  unlinkat (s->dirfd, "ctl.sock", 0);
  if (fchdir (s->dirfd) < 0)
    return shim_fail (err, errno, "chdir to `%s`", s->dir);
  old = umask (0177); /* born 0600 */
  r = bind (s->listenfd, (struct sockaddr *) &addr, sizeof (addr));
  umask (old);
  if (chdir ("/") < 0 && r == 0)
    r = -1;
  if (r < 0)
    return shim_fail (err, errno, "bind `%s/ctl.sock`", s->dir);
  s->sock_created = true;
  if (listen (s->listenfd, 16) < 0)
    return shim_fail (err, errno, "listen on `%s/ctl.sock`", s->dir);
  return 0;
}

static int
create (struct shim *s, struct shim_error *err)
{
  int io[3] = { -1, -1, -1 };
  char buf[64];
  int ret;

  if (detach (s, err) < 0 || setup_signals (s, err) < 0)
    return -1;
  s->logfd = open (s->plan->log ? s->plan->log : "/dev/null", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (s->logfd < 0)
    return shim_fail (err, errno, "open the container log `%s`", s->plan->log);
  if (s->plan->oom_counter)
    s->oom_base_ok = read_oom_kill (s->plan->oom_counter, &s->oom_base) == 0;
  if (s->plan->oom_counter && !s->oom_base_ok)
    report_hold (&s->held, "warn oom-counter %s: no oom_kill counter, OOM kills will not be detected",
                 s->plan->oom_counter);
  ret = setup_stdio (s, io, err);
  if (ret == 0)
    ret = clone_init (s, io, err);
  close_child_ends (io);
  if (ret < 0 || join_cgroups (s, err) < 0)
    return -1;
  if (write_all (s->sync_fd, "c", 1) < 0)
    return shim_fail (err, errno, "signal the container init");

  /* While init sets itself up (on another CPU, with luck): the pid files,
   * the control socket and the event sources. Nobody looks at them before
   * "created", and a rollback removes them. */
  snprintf (buf, sizeof (buf), "%d\n", getpid ());
  if (write_atomic (s, "shim.pid", buf, err) < 0)
    return -1;
  snprintf (buf, sizeof (buf), "%d\n", s->init_pid);
  if (write_atomic (s, "init.pid", buf, err) < 0 || listen_ctl (s, err) < 0)
    return -1;
  s->epfd = epoll_create1 (EPOLL_CLOEXEC);
  if (s->epfd < 0)
    return shim_fail (err, errno, "create an epoll instance");
  if (epoll_add (s, s->sigfd, &s->w_sig, W_SIGNAL, NULL) < 0
      || epoll_add (s, s->listenfd, &s->w_listen, W_LISTEN, NULL) < 0
      || epoll_add (s, s->report_fd, &s->w_report, W_REPORT, NULL) < 0)
    return shim_fail (err, errno, "watch descriptors");
  for (int i = 0; i < s->nstreams; i++)
    if (epoll_add (s, s->streams[i].fd, &s->w_stream[i], W_STREAM, &s->streams[i]) < 0)
      return shim_fail (err, errno, "watch descriptors");
  /* Only an optimisation: without it the shim just stays bigger. */
  s->trimfd = timerfd_create (CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
  if (s->trimfd >= 0 && epoll_add (s, s->trimfd, &s->w_trim, W_TRIM, NULL) < 0)
    {
      close (s->trimfd);
      s->trimfd = -1;
    }

  if (await_ready (s, err) < 0)
    return -1;
  fcntl (s->report_fd, F_SETFL, O_NONBLOCK);
  return 0;
}

/* Undo a failed create: nothing may be left behind but shim.log (and the
 * exit record of a command that could not be found or run). */
static void
rollback (struct shim *s, const struct shim_error *err)
{
  char line[600];

  if (s->init_pid > 0)
    {
      kill (s->init_pid, SIGKILL);
      waitpid (s->init_pid, &s->status, 0);
    }
  if (err->exit_code && s->init_pid > 0)
    {
      struct shim_error e2;
      char record[2048];
      s->finished_at = now_realtime_ns ();
      snprintf (s->message, sizeof (s->message), "%s", err->msg);
      exit_record (s, err->exit_code, 0, false, record, sizeof (record));
      write_atomic (s, "exit.json", record, &e2);
    }
  if (s->sock_created)
    unlinkat (s->dirfd, "ctl.sock", 0);
  unlinkat (s->dirfd, "init.pid", 0);
  unlinkat (s->dirfd, "shim.pid", 0);
  shim_log ("create failed: %s", err->msg);
  snprintf (line, sizeof (line), "error %s", err->msg);
  out_outcome (s, line);
}

int
supervise_main (struct plan *plan, const char *dir, int out)
{
  struct shim s = {
    .plan = plan, .dir = dir, .out = out, .sync_fd = -1, .report_fd = -1, .logfd = -1,
    .epfd = -1, .sigfd = -1, .listenfd = -1, .timerfd = -1, .trimfd = -1,
  };
  struct shim_error err = { 0 };
  char line[64];

  s.dirfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (s.dirfd < 0)
    {
      shim_fail (&err, errno, "open `%s`", dir);
      report_line (out, "error %s", err.msg);
      return 1;
    }
  if (create (&s, &err) < 0)
    {
      rollback (&s, &err);
      return 1;
    }
  snprintf (line, sizeof (line), "created %d %d", s.init_pid, getpid ());
  out_outcome (&s, line);
  close (s.out);
  s.out = -1;
  shim_log ("container %s created, init %d", plan->id ? plan->id : "", s.init_pid);
  /* init has its copy; ours would only weigh on a long-lived process. */
  plan_release_process_parts (plan);
  malloc_trim (0);
  event_loop (&s);
}
