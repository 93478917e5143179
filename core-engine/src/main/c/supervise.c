#include "supervise.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "init.h"
#include "log.h"
#include "monitor.h"
#include "namespaces.h"
#include "oci.h"
#include "record.h"
#include "report.h"

/* The monitor binary (podlab-shim-monitor, static musl), embedded by
 * monitor-blob.S. */
extern const unsigned char monitor_blob[];
extern const unsigned char monitor_blob_end[];

/* The supervising shim until the container is created; then it execs the
 * monitor (monitor.h) and only that stays resident. */
struct shim
{
  const struct plan *plan;
  const char *dir;
  int dirfd;
  int out;              /* progress lines to `create`; -1 once created */
  struct linebuf held;  /* progress lines, sent with the outcome */
  pid_t init_pid;
  int sync_fd;          /* to init: 'c', 's' */
  int report_fd;        /* from init */
  struct linebuf report;
  int logfd;
  struct log_stream streams[2];
  int nstreams;
  int listenfd;
  int stdin_fd;         /* our end of the container's stdin (pipe or pty master), -1 without `stdin` */
  bool sock_created;
  int64_t finished_at;
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
setup_signals (struct shim_error *err)
{
  sigset_t set;

  signal (SIGPIPE, SIG_IGN);
  sigemptyset (&set);
  sigaddset (&set, SIGCHLD);
  sigaddset (&set, SIGTERM);
  sigaddset (&set, SIGINT);
  sigaddset (&set, SIGHUP);
  sigaddset (&set, SIGQUIT);
  /* Blocked before clone, so an early death of init is not missed; the
   * mask and pending signals survive the exec of the monitor, which reads
   * them from a signalfd. */
  if (sigprocmask (SIG_BLOCK, &set, NULL) < 0)
    return shim_fail (err, errno, "block signals");
  return 0;
}

static int setup_stdin_pipe (struct shim *s, int io[3], struct shim_error *err);
static int setup_output_pipes (struct shim *s, int io[3], struct shim_error *err);

/* Container stdio: /dev/null (or a pipe with `stdin`) + two pipes, or a
 * pty. Child ends in io[]. */
static int
setup_stdio (struct shim *s, int io[3], struct shim_error *err)
{
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
      if (s->plan->stdin_open)
        s->stdin_fd = master;
      return 0;
    }
  if (s->plan->stdin_open)
    return setup_stdin_pipe (s, io, err) < 0 ? -1 : setup_output_pipes (s, io, err);
  io[0] = open ("/dev/null", O_RDONLY | O_CLOEXEC);
  if (io[0] < 0)
    return shim_fail (err, errno, "open `/dev/null`");
  return setup_output_pipes (s, io, err);
}

/* `stdin`: the container reads a pipe whose write end attach clients
 * feed (non-blocking: a container that does not read must not stall the
 * monitor). */
static int
setup_stdin_pipe (struct shim *s, int io[3], struct shim_error *err)
{
  int p[2];

  if (pipe2 (p, O_CLOEXEC) < 0)
    return shim_fail (err, errno, "create a pipe");
  fcntl (p[1], F_SETFL, O_NONBLOCK);
  io[0] = p[0];
  s->stdin_fd = p[1];
  return 0;
}

static int
setup_output_pipes (struct shim *s, int io[3], struct shim_error *err)
{
  int p[2];

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

/* OCI mode: the runtime creates the container with our pipes as its
 * stdio; we are already the child subreaper, so its init becomes ours. */
static int
create_oci (struct shim *s, int io[3], struct shim_error *err)
{
  struct step st;
  int ret;

  step_begin (&st);
  ret = oci_create (s->plan, s->dir, s->dirfd, io, s->nstreams > 1 ? s->streams[1].fd : -1, &s->init_pid, err);
  close_child_ends (io);
  if (ret < 0)
    return -1;
  step_end (&st);
  report_hold_step (&s->held, "oci-create", &st);
  return 0;
}

static int
create (struct shim *s, struct shim_error *err)
{
  int io[3] = { -1, -1, -1 };
  char buf[64];
  int ret;

  if (detach (s, err) < 0 || setup_signals (err) < 0)
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
  if (ret == 0 && s->plan->oci_runtime)
    ret = create_oci (s, io, err);
  else if (ret == 0)
    ret = clone_init (s, io, err);
  close_child_ends (io);
  if (ret < 0)
    return -1;
  if (!s->plan->oci_runtime)
    {
      if (join_cgroups (s, err) < 0)
        return -1;
      if (write_all (s->sync_fd, "c", 1) < 0)
        return shim_fail (err, errno, "signal the container init");
    }

  /* While init sets itself up (on another CPU, with luck): the pid files,
   * the control socket and the event sources. Nobody looks at them before
   * "created", and a rollback removes them. */
  snprintf (buf, sizeof (buf), "%d\n", getpid ());
  if (write_atomic (s->dirfd, s->dir, "shim.pid", buf, err) < 0)
    return -1;
  snprintf (buf, sizeof (buf), "%d\n", s->init_pid);
  if (write_atomic (s->dirfd, s->dir, "init.pid", buf, err) < 0 || listen_ctl (s, err) < 0)
    return -1;

  if (s->plan->oci_runtime)
    return 0; /* created by the runtime, waiting in its own way for start */
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
      struct exit_info e = {
        .pid = s->init_pid, .exit_code = err->exit_code, .finished_at = now_realtime_ns (), .message = err->msg,
      };

      exit_record (&e, record, sizeof (record));
      write_atomic (s->dirfd, s->dir, "exit.json", record, &e2);
    }
  if (s->sock_created)
    unlinkat (s->dirfd, "ctl.sock", 0);
  unlinkat (s->dirfd, "init.pid", 0);
  unlinkat (s->dirfd, "shim.pid", 0);
  shim_log ("create failed: %s", err->msg);
  snprintf (line, sizeof (line), "error %s", err->msg);
  out_outcome (s, line);
}

/* ---- handover to the monitor ------------------------------------------------- */

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

/* The embedded monitor in a sealed memfd: nobody can rewrite the code the
 * long-lived shim runs (CVE-2019-5736 class), and nothing is installed. */
static int
monitor_memfd (struct shim_error *err)
{
  const unsigned int flags = MFD_CLOEXEC | MFD_ALLOW_SEALING;
  size_t len = (size_t) (monitor_blob_end - monitor_blob);
  cleanup_fd int fd = -1;

  /* MFD_EXEC: executable even with vm.memfd_noexec=1 (Linux >= 6.3). */
  fd = memfd_create (MONITOR_ARGV0, flags | MFD_EXEC);
  if (fd < 0 && errno == EINVAL)
    fd = memfd_create (MONITOR_ARGV0, flags);
  if (fd < 0)
    return shim_fail (err, errno, "create a memfd for the monitor");
  if (write_all (fd, monitor_blob, len) < 0)
    return shim_fail (err, errno, "write the monitor to a memfd");
  if (fcntl (fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
    return shim_fail (err, errno, "seal the monitor memfd");
  return steal_fd (&fd);
}

static int
inherit_fd (int fd)
{
  return fd < 0 ? 0 : fcntl (fd, F_SETFD, 0);
}

/* Become the monitor: same pid (still init's parent, still the child
 * subreaper), a small static binary instead of this one. The descriptors
 * it needs lose close-on-exec; everything else closes. When the exec
 * fails the monitor runs here, from the copy linked into this binary. */
static _Noreturn void
handover (struct shim *s)
{
  const struct plan *p = s->plan;
  char *argv[64];
  char *envp[] = { NULL };
  struct shim_error err = { 0 };
  size_t argc = 0;
  cleanup_fd int fd = -1;

#define ARG(...) (argv[argc++] = xasprintf (__VA_ARGS__))
  argv[argc++] = (char *) MONITOR_ARGV0;
  ARG ("dir=%s", s->dir);
  ARG ("dirfd=%d", s->dirfd);
  ARG ("id=%s", p->id ? p->id : "");
  ARG ("init=%d", (int) s->init_pid);
  ARG ("listen=%d", s->listenfd);
  if (p->oci_runtime)
    {
      ARG ("oci-runtime=%s", p->oci_runtime);
      ARG ("oci-root=%s", p->oci_root);
    }
  else
    {
      ARG ("sync=%d", s->sync_fd);
      ARG ("report=%d", s->report_fd);
    }
  ARG ("log=%d", s->logfd);
  if (p->log)
    ARG ("log-path=%s", p->log);
  ARG ("stdout=%d", s->streams[0].fd);
  if (s->nstreams > 1)
    ARG ("stderr=%d", s->streams[1].fd);
  if (s->stdin_fd >= 0)
    ARG ("stdin=%d", s->stdin_fd);
  if (p->stdin_once)
    ARG ("stdin-once=1");
  if (p->terminal)
    ARG ("tty=1");
  if (p->oom_counter)
    ARG ("oom-counter=%s", p->oom_counter);
  if (p->oom_counter && s->oom_base_ok)
    ARG ("oom-base=%" PRIu64, s->oom_base);
  for (size_t i = 0; i < p->ncgroups && argc < 62; i++)
    ARG ("cgroup=%s", p->cgroups[i]);
#undef ARG
  argv[argc] = NULL;
  for (size_t i = 0; i < argc; i++)
    if (argv[i] == NULL)
      {
        shim_log ("failed to hand over to the monitor: out of memory");
        kill (s->init_pid, SIGKILL);
        _exit (1);
      }

  if (inherit_fd (s->dirfd) < 0 || inherit_fd (s->listenfd) < 0 || inherit_fd (s->sync_fd) < 0
      || inherit_fd (s->report_fd) < 0 || inherit_fd (s->logfd) < 0 || inherit_fd (s->streams[0].fd) < 0
      || (s->nstreams > 1 && inherit_fd (s->streams[1].fd) < 0) || inherit_fd (s->stdin_fd) < 0)
    shim_fail (&err, errno, "pass descriptors to the monitor");
  else if ((fd = monitor_memfd (&err)) >= 0)
    {
      syscall (SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH);
      shim_fail (&err, errno, "exec the monitor");
    }
  shim_log ("%s; monitoring in place", err.msg);
  _exit (monitor_main ((int) argc, argv));
}

int
supervise_main (struct plan *plan, const char *dir, int out)
{
  struct shim s = {
    .plan = plan, .dir = dir, .out = out, .sync_fd = -1, .report_fd = -1, .logfd = -1,
    .listenfd = -1, .stdin_fd = -1,
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
  handover (&s);
}
