/* The monitor: the long-lived part of the supervising shim. After
 * `create` the supervisor execs it (same pid: it stays init's parent and
 * the child subreaper) and hands over its descriptors on the command
 * line (see monitor.h). It answers the control socket, writes the CRI log
 * and the exit record. Built a second time with musl as a tiny static
 * binary embedded in podlab-shim; it needs nothing but libc basics. */
#include "monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/wait.h>

#include "attach.h"
#include "log.h"
#include "oci.h"
#include "record.h"
#include "report.h"
#include "watch.h"

#ifndef PR_SET_CHILD_SUBREAPER
#define PR_SET_CHILD_SUBREAPER 36
#endif
#ifndef PR_GET_CHILD_SUBREAPER
#define PR_GET_CHILD_SUBREAPER 37
#endif

/* How long output may still arrive after init exited: a process outside
 * the container holding the pipes open must not keep the shim forever. */
#define DRAIN_SECONDS 2
/* How long the exiting shim waits for the request line of a client that
 * connected just before the socket went away. */
#define LATE_REQUEST_MS 100
#define MAX_CGROUPS 48

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
  W_ATTACH
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
  const char *id;
  const char *dir;
  int dirfd;
  const char *oom_counter;
  const char *oci_runtime, *oci_root;  /* OCI mode: start runs `RUNTIME start` */
  const char *cgroups[MAX_CGROUPS];
  size_t ncgroups;
  enum state state;
  pid_t init_pid;
  int sync_fd;          /* to init: 's' */
  int report_fd;        /* from init, -1 when closed */
  struct linebuf report;
  int logfd;
  const char *log_path; /* NULL: no log file, output goes nowhere */
  struct log_stream streams[2];
  int nstreams;
  int epfd, sigfd, listenfd, timerfd;
  struct watch w_sig, w_listen, w_timer, w_report, w_stream[2];
  struct client *clients;
  struct client *graveyard;   /* freed after each epoll batch */
  int stdin_fd;               /* `stdin`: our end of the container's stdin, -1 without */
  bool stdin_once, tty;
  struct attach_hub *attach;  /* made on the first attach */
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

static void
exit_info (struct shim *s, int code, int sig, bool oom, char *buf, size_t len)
{
  struct exit_info e = {
    .pid = s->init_pid, .exit_code = code, .signal = sig, .oom = oom,
    .started_at = s->started_at, .finished_at = s->finished_at, .message = s->message,
  };
  exit_record (&e, buf, len);
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
  else if (strcmp (buf, "start") == 0 || strncmp (buf, "kill ", 5) == 0 || strcmp (buf, "reopen-log") == 0
           || strcmp (buf, "attach") == 0)
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
  if (s->oom_base_ok && read_oom_kill (s->oom_counter, &oom_now) == 0)
    oom = oom_now > s->oom_base;
  exit_info (s, code, sig, oom, record, sizeof (record));
  if (write_atomic (s->dirfd, s->dir, "exit.json", record, &err) < 0)
    shim_log ("%s", err.msg);
  snprintf (reply, sizeof (reply), "ok %s\n", record);
  attach_finish (s->attach, record);
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
  shim_log ("container %s exited: %s", s->id, record);
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
      for (size_t i = 0; i < s->ncgroups; i++)
        {
          struct shim_error err;
          cleanup_free char *procs = NULL;
          char *p, *end;

          if (read_file_at (AT_FDCWD, s->cgroups[i], &procs, NULL, &err) < 0)
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
        {
          /* strtoll, not sscanf: scanf would double the monitor's code. */
          char *end;
          s->exec_start = strtoll (line + 5, &end, 10);
          s->exec_mono = strtoll (end, NULL, 10);
        }
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

/* OCI mode: `RUNTIME start ID` lets the runtime's init exec; it returns
 * once the exec is under way. Blocking here is short and loses nothing:
 * signals queue in the signalfd, output in the pipes. */
static void
start_oci (struct shim *s, struct client *c)
{
  struct shim_error err = { 0 };
  struct step st;
  char line[700];

  step_begin (&st);
  if (oci_run (s->oci_runtime, s->oci_root, "start", s->id, &err) < 0)
    {
      snprintf (line, sizeof (line), "error %s\n", err.msg);
      client_reply (s, c, line);
      return;
    }
  step_end (&st);
  s->started_at = st.start;
  if (s->state == ST_CREATED)
    s->state = ST_RUNNING;
  snprintf (line, sizeof (line), "step oci-start %" PRId64 " %" PRId64 "\nok\n", st.start, st.duration);
  client_reply (s, c, line);
}

/* `reopen-log`: open the log path again and put it in place of the old
 * descriptor (same number, so nothing else changes). After a rename by a log
 * rotator the next lines land in a new file at the original path. Lines are
 * written whole (log.c), so no line is split between the two files. */
static void
reopen_log (struct shim *s, struct client *c)
{
  char line[600];
  int fd;

  if (s->state == ST_STOPPED)
    { client_reply (s, c, "error container is not running\n"); return; }
  if (s->log_path == NULL)
    { client_reply (s, c, "error the container has no log file\n"); return; }
  fd = open (s->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0 && errno == ENOENT)
    {
      /* In a kvm guest the log is on 9p: the dentry our descriptor holds still
       * names the file the host renamed, and the open walks to nothing. Letting
       * go of it (the dentry goes with its last reference) makes the next open
       * look the path up afresh and create the file. Not when the directory
       * itself is gone: then the old file is better than none. */
      cleanup_free char *dir = strdup (s->log_path);
      char *slash = dir ? strrchr (dir, '/') : NULL;
      struct stat st;
      int null = -1;

      if (slash && slash != dir)
        *slash = '\0';
      if (dir && stat (dir, &st) == 0 && S_ISDIR (st.st_mode))
        null = open ("/dev/null", O_WRONLY | O_CLOEXEC);
      if (null >= 0)
        {
          dup3 (null, s->logfd, O_CLOEXEC);
          close (null);
        }
      fd = open (s->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    }
  if (fd < 0)
    {
      snprintf (line, sizeof (line), "error failed to open log `%s`: %s\n", s->log_path, strerror (errno));
      client_reply (s, c, line);
      return;
    }
  if (dup3 (fd, s->logfd, O_CLOEXEC) < 0)
    {
      snprintf (line, sizeof (line), "error failed to replace the log descriptor: %s\n", strerror (errno));
      close (fd);
      client_reply (s, c, line);
      return;
    }
  close (fd);
  client_reply (s, c, "ok\n");
}

/* `attach`: the connection leaves the request/answer protocol and
 * becomes an attach stream (attach.h). */
static void
request_attach (struct shim *s, struct client *c)
{
  int fd;

  if (s->state == ST_STOPPED)
    {
      client_reply (s, c, "error container is not running\n");
      return;
    }
  if (s->attach == NULL)
    {
      s->attach = attach_hub_new (s->epfd, W_ATTACH, s->stdin_fd, s->stdin_once, s->tty ? s->streams[0].fd : -1);
      if (s->attach == NULL)
        {
          client_reply (s, c, "error out of memory\n");
          return;
        }
      for (int i = 0; i < s->nstreams; i++)
        {
          s->streams[i].tee = attach_output;
          s->streams[i].tee_ctx = s->attach;
        }
    }
  /* Hand the descriptor over: the client record goes, the fd stays open. */
  fd = c->fd;
  epoll_del (s, fd);
  c->fd = -1; /* client_drop's close then fails harmlessly */
  client_drop (s, c);
  attach_add (s->attach, fd);
}

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
      if (s->oci_runtime)
        { start_oci (s, c); return; }
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
  if (strcmp (req, "reopen-log") == 0)
    {
      reopen_log (s, c);
      return;
    }
  if (strcmp (req, "attach") == 0)
    {
      request_attach (s, c);
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

static _Noreturn void
event_loop (struct shim *s)
{
  struct epoll_event ev[8];

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
      for (int i = 0; i < n; i++)
        {
          struct watch *w = ev[i].data.ptr;
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
            case W_ATTACH:
              attach_event (s->attach, w->obj, ev[i].events);
              break;
            }
        }
      attach_reap (s->attach);
      while (s->graveyard)
        {
          struct client *c = s->graveyard;
          s->graveyard = c->next;
          free (c);
        }
    }
}


/* ---- handover --------------------------------------------------------------- */

static int
arg_fd (const char *v, int *out)
{
  char *end;
  long n = strtol (v, &end, 10);

  if (end == v || *end || n < 0 || n > 1 << 20)
    return -1;
  *out = (int) n;
  return 0;
}

static int
parse_args (struct shim *s, int argc, char **argv, struct shim_error *err)
{
  int stdout_fd = -1, stderr_fd = -1, pid = 0;

  for (int i = 1; i < argc; i++)
    {
      char *a = argv[i], *v = strchr (a, '=');
      size_t k;
      int r = 0;

      if (v == NULL)
        return shim_error_set (err, 0, "monitor: bad argument \"%s\"", a);
      k = (size_t) (v++ - a);
#define KEY(name) (k == sizeof (name) - 1 && strncmp (a, name, k) == 0)
      if (KEY ("dir"))
        s->dir = v;
      else if (KEY ("id"))
        s->id = v;
      else if (KEY ("oom-counter"))
        s->oom_counter = v;
      else if (KEY ("oci-runtime"))
        s->oci_runtime = v;
      else if (KEY ("oci-root"))
        s->oci_root = v;
      else if (KEY ("oom-base"))
        {
          s->oom_base = strtoull (v, NULL, 10);
          s->oom_base_ok = true;
        }
      else if (KEY ("cgroup") && s->ncgroups < MAX_CGROUPS)
        s->cgroups[s->ncgroups++] = v;
      else if (KEY ("dirfd"))
        r = arg_fd (v, &s->dirfd);
      else if (KEY ("init"))
        r = arg_fd (v, &pid);
      else if (KEY ("listen"))
        r = arg_fd (v, &s->listenfd);
      else if (KEY ("sync"))
        r = arg_fd (v, &s->sync_fd);
      else if (KEY ("report"))
        r = arg_fd (v, &s->report_fd);
      else if (KEY ("log"))
        r = arg_fd (v, &s->logfd);
      else if (KEY ("log-path"))
        s->log_path = v;
      else if (KEY ("stdout"))
        r = arg_fd (v, &stdout_fd);
      else if (KEY ("stderr"))
        r = arg_fd (v, &stderr_fd);
      else if (KEY ("stdin"))
        r = arg_fd (v, &s->stdin_fd);
      else if (KEY ("stdin-once"))
        s->stdin_once = strcmp (v, "1") == 0;
      else if (KEY ("tty"))
        s->tty = strcmp (v, "1") == 0;
      else
        r = -1;
#undef KEY
      if (r < 0)
        return shim_error_set (err, 0, "monitor: bad argument \"%s\"", a);
    }
  s->init_pid = pid;
  /* OCI mode has no init pipes: the runtime starts the container. */
  if (s->dir == NULL || s->dirfd < 0 || pid <= 0 || s->listenfd < 0
      || (s->oci_runtime == NULL && (s->sync_fd < 0 || s->report_fd < 0))
      || (s->oci_runtime != NULL && s->oci_root == NULL) || s->logfd < 0 || stdout_fd < 0)
    return shim_error_set (err, 0, "monitor: missing arguments");
  if (s->oom_counter == NULL)
    s->oom_base_ok = false;
  log_stream_init (&s->streams[s->nstreams++], "stdout", stdout_fd);
  if (stderr_fd >= 0)
    log_stream_init (&s->streams[s->nstreams++], "stderr", stderr_fd);
  return 0;
}

/* Close-on-exec again: the container's processes must never see them. */
static void
set_cloexec (struct shim *s)
{
  int fds[] = { s->dirfd, s->listenfd, s->sync_fd, s->report_fd, s->logfd, s->streams[0].fd,
                s->nstreams > 1 ? s->streams[1].fd : -1, s->stdin_fd };

  for (size_t i = 0; i < sizeof (fds) / sizeof (fds[0]); i++)
    if (fds[i] >= 0)
      fcntl (fds[i], F_SETFD, FD_CLOEXEC);
}

int
monitor_main (int argc, char **argv)
{
  struct shim s = {
    .id = "", .dirfd = -1, .sync_fd = -1, .report_fd = -1, .logfd = -1,
    .epfd = -1, .sigfd = -1, .listenfd = -1, .timerfd = -1, .stdin_fd = -1,
  };
  struct shim_error err = { 0 };
  sigset_t set;

  /* First thing: orphans of the container must come to us. The flag
   * survives execve (kernel/sys.c keeps it in the signal struct), but a
   * second prctl costs nothing and covers a kernel that would drop it. */
  prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  prctl (PR_SET_NAME, "podlab-shim", 0, 0, 0);
  if (parse_args (&s, argc, argv, &err) < 0)
    {
      shim_log ("%s", err.msg);
      return 2;
    }
  set_cloexec (&s);
  signal (SIGPIPE, SIG_IGN);
  sigemptyset (&set);
  sigaddset (&set, SIGCHLD);
  sigaddset (&set, SIGTERM);
  sigaddset (&set, SIGINT);
  sigaddset (&set, SIGHUP);
  sigaddset (&set, SIGQUIT);
  /* Already blocked by the supervisor (the mask survives execve, pending
   * signals too): the signalfd sees whatever happened meanwhile. */
  sigprocmask (SIG_BLOCK, &set, NULL);
  s.sigfd = signalfd (-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  s.epfd = epoll_create1 (EPOLL_CLOEXEC);
  if (s.sigfd < 0 || s.epfd < 0 || epoll_add (&s, s.sigfd, &s.w_sig, W_SIGNAL, NULL) < 0
      || epoll_add (&s, s.listenfd, &s.w_listen, W_LISTEN, NULL) < 0
      || (s.report_fd >= 0 && epoll_add (&s, s.report_fd, &s.w_report, W_REPORT, NULL) < 0))
    goto fail;
  for (int i = 0; i < s.nstreams; i++)
    if (epoll_add (&s, s.streams[i].fd, &s.w_stream[i], W_STREAM, &s.streams[i]) < 0)
      goto fail;
  /* Init may have died while we were exec'ing: the pending SIGCHLD is
   * reported by the signalfd, nothing to do here. */
  event_loop (&s);

fail:
  /* Cannot supervise: end the container, record it. */
  shim_log ("failed to set up the monitor: %m");
  kill (s.init_pid, SIGKILL);
  waitpid (s.init_pid, &s.status, 0);
  s.finished_at = now_realtime_ns ();
  s.state = ST_STOPPED;
  finish (&s);
}
