#include "exec.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>

#include "namespaces.h"
#include "process.h"
#include "report.h"
#include "seccomp.h"
#include "security.h"

#define EXIT_SETUP 125

struct exec_ctx
{
  struct plan plan;
  struct sock_fprog seccomp;
  pid_t init_pid;
  int *cgroup_fds;
  int cgroupns_fd;   /* joined by the child after the cgroup write, or -1 */
  int master, slave; /* pty, or -1 */
  int winsz;         /* resize FIFO (4-byte records: rows, columns, big-endian u16), or -1 */
  int sync[2], rep[2];
  int sigfd;
  pid_t child;
};

static void
ignore_warning (void *ctx, const char *msg)
{
  /* stderr belongs to the process; clamped limits are not worth a line. */
  (void) ctx;
  (void) msg;
}

static int
fail_exit (const struct shim_error *err, int code)
{
  char line[600];
  int n = snprintf (line, sizeof (line), "podlab-shim: %s\n", err->msg);

  write_all (2, line, (size_t) (n < (int) sizeof (line) ? n : (int) sizeof (line) - 1));
  return code;
}

static int
read_init_pid (const char *dir, pid_t *pid, struct shim_error *err)
{
  cleanup_free char *path = xasprintf ("%s/init.pid", dir);
  cleanup_free char *data = NULL;
  char *end;
  long v;

  if (path == NULL)
    return shim_fail (err, ENOMEM, "read init.pid");
  if (read_file_at (AT_FDCWD, path, &data, NULL, err) < 0)
    return -1;
  v = strtol (data, &end, 10);
  if (end == data || v <= 0)
    return shim_error_set (err, EINVAL, "failed to read `%s`: not a pid", path);
  *pid = (pid_t) v;
  return 0;
}

/* Applies every whole size record waiting on the resize FIFO; 1 once no writer is left. */
static int
apply_resizes (struct exec_ctx *x)
{
  unsigned char rec[4 * 16];
  ssize_t r = read (x->winsz, rec, sizeof (rec));

  if (r < 0)
    return errno == EAGAIN || errno == EINTR ? 0 : 1;
  if (r == 0)
    return 1;
  /* Writers send whole records of 4 bytes, well under PIPE_BUF, so reads never split one. */
  if (r >= 4)
    {
      const unsigned char *last = rec + (r / 4 - 1) * 4;
      struct winsize ws = { .ws_row = (unsigned short) (last[0] << 8 | last[1]),
                            .ws_col = (unsigned short) (last[2] << 8 | last[3]) };
      ioctl (x->master, TIOCSWINSZ, &ws);
    }
  return 0;
}

static _Noreturn void
child_run (struct exec_ctx *x)
{
  struct shim_error err = { 0 };
  uint64_t caps[CAPSET_COUNT];
  char *exe = NULL;
  char c;

  /* A killed exec shim (a caller's timeout) takes the process along. */
  prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  process_reset_signals ();
  close (x->sync[1]);
  close (x->rep[0]);
  if (read (x->sync[0], &c, 1) != 1)
    _exit (EXIT_SETUP); /* the exec shim died */
  if (x->cgroupns_fd >= 0 && setns (x->cgroupns_fd, CLONE_NEWCGROUP) < 0)
    {
      shim_fail (&err, errno, "join the cgroup namespace");
      goto fail;
    }
  if (x->slave >= 0)
    {
      if (setsid () < 0 || ioctl (x->slave, TIOCSCTTY, 0) < 0)
        {
          shim_fail (&err, errno, "set the controlling terminal");
          goto fail;
        }
      for (int i = 0; i < 3; i++)
        dup2 (x->slave, i);
    }
  memcpy (caps, x->plan.caps, sizeof (caps));
  if (rlimits_apply (&x->plan, ignore_warning, NULL, &err) < 0 || caps_check (caps, ignore_warning, NULL, &err) < 0
      || process_chdir (&x->plan, &err) < 0 || process_resolve (&x->plan, &exe, &err) < 0)
    goto fail;
  process_exec (&x->plan, caps, x->seccomp.filter ? &x->seccomp : NULL, exe, true, x->rep[1], &err);
fail:
  report_error (x->rep[1], &err);
  _exit (err.exit_code ? err.exit_code : EXIT_SETUP);
}

static int
prepare (struct exec_ctx *x, const char *dir, const char *plan_path, const char *winsz_path, struct shim_error *err)
{
  struct step compile;
  bool compiled;

  if (plan_load (plan_path, PLAN_EXEC, &x->plan, err) < 0 || read_init_pid (dir, &x->init_pid, err) < 0)
    return -1;
  /* The cache file is a host path too. */
  if (seccomp_prepare (&x->plan, &x->seccomp, &compiled, &compile, ignore_warning, NULL, err) < 0)
    return -1;
  /* Host paths: open them before the mount namespace changes. */
  x->cgroup_fds = calloc (x->plan.ncgroups + 1, sizeof (int));
  if (x->cgroup_fds == NULL)
    return shim_fail (err, ENOMEM, "open cgroups");
  for (size_t i = 0; i < x->plan.ncgroups; i++)
    {
      x->cgroup_fds[i] = open (x->plan.cgroups[i], O_WRONLY | O_CLOEXEC);
      if (x->cgroup_fds[i] < 0)
        return shim_fail (err, errno, "open `%s`", x->plan.cgroups[i]);
    }
  /* Non-blocking: the caller holds the FIFO open already and wrote the first size into it. */
  if (x->plan.terminal && winsz_path != NULL)
    {
      x->winsz = open (winsz_path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
      if (x->winsz < 0)
        return shim_fail (err, errno, "open the resize FIFO `%s`", winsz_path);
    }
  if (ns_join_process (x->init_pid, &x->cgroupns_fd, err) < 0)
    return -1;
  if (x->plan.terminal)
    {
      int unlock = 0;
      struct winsize ws;
      /* The container's /dev/ptmx: the slave shows up in its /dev/pts. */
      x->master = open ("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
      if (x->master < 0)
        return shim_fail (err, errno, "open `/dev/ptmx` in the container");
      if (ioctl (x->master, TIOCSPTLCK, &unlock) < 0)
        return shim_fail (err, errno, "unlock the pty");
      x->slave = ioctl (x->master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
      if (x->slave < 0)
        return shim_fail (err, errno, "open the pty slave");
      if (ioctl (0, TIOCGWINSZ, &ws) == 0)
        ioctl (x->master, TIOCSWINSZ, &ws);
      if (x->winsz >= 0)
        apply_resizes (x);
    }
  if (pipe2 (x->sync, O_CLOEXEC) < 0 || pipe2 (x->rep, O_CLOEXEC) < 0)
    return shim_fail (err, errno, "create a pipe");
  return 0;
}

static int
setup_signals (struct exec_ctx *x, struct shim_error *err)
{
  sigset_t set;

  sigemptyset (&set);
  sigaddset (&set, SIGCHLD);
  sigaddset (&set, SIGTERM);
  sigaddset (&set, SIGINT);
  sigaddset (&set, SIGHUP);
  sigaddset (&set, SIGQUIT);
  sigaddset (&set, SIGWINCH);
  if (sigprocmask (SIG_BLOCK, &set, NULL) < 0)
    return shim_fail (err, errno, "block signals");
  x->sigfd = signalfd (-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (x->sigfd < 0)
    return shim_fail (err, errno, "create a signalfd");
  signal (SIGPIPE, SIG_IGN);
  return 0;
}

/* Copy what is readable from one fd to another; 1 at EOF. */
static int
relay (int from, int to)
{
  char buf[4096];
  ssize_t r = read (from, buf, sizeof (buf));

  if (r < 0 && (errno == EINTR || errno == EAGAIN))
    return 0;
  if (r <= 0)
    return 1;
  write_all (to, buf, (size_t) r);
  return 0;
}

/* Forward signals and terminal data until the child is gone. */
static int
supervise (struct exec_ctx *x)
{
  struct termios saved;
  bool raw = false, stdin_open = x->master >= 0, master_open = x->master >= 0, winsz_open = x->winsz >= 0;
  int status = 0;

  if (x->master >= 0 && tcgetattr (0, &saved) == 0)
    {
      struct termios t = saved;
      cfmakeraw (&t);
      raw = tcsetattr (0, TCSANOW, &t) == 0;
    }
  for (;;)
    {
      struct pollfd pfd[4] = {
        { .fd = x->sigfd, .events = POLLIN },
        { .fd = stdin_open ? 0 : -1, .events = POLLIN },
        { .fd = master_open ? x->master : -1, .events = POLLIN },
        { .fd = winsz_open ? x->winsz : -1, .events = POLLIN },
      };
      struct signalfd_siginfo si;
      bool exited = false;

      if (poll (pfd, 4, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          break;
        }
      /* A size sent before some input takes effect before the process reads that input. */
      if (pfd[3].revents && apply_resizes (x))
        winsz_open = false;
      if (pfd[1].revents && relay (0, x->master))
        stdin_open = false;
      if (pfd[2].revents && relay (x->master, 1))
        master_open = false;
      while (read (x->sigfd, &si, sizeof (si)) == sizeof (si))
        {
          if (si.ssi_signo == SIGCHLD)
            exited |= waitpid (x->child, &status, WNOHANG) == x->child;
          else if (si.ssi_signo == SIGWINCH && x->master >= 0)
            {
              struct winsize ws;
              if (ioctl (0, TIOCGWINSZ, &ws) == 0)
                ioctl (x->master, TIOCSWINSZ, &ws);
            }
          else if (si.ssi_signo != SIGWINCH)
            kill (x->child, (int) si.ssi_signo);
        }
      if (exited)
        break;
    }
  /* Output the process wrote just before it exited. */
  if (master_open)
    {
      fcntl (x->master, F_SETFL, O_NONBLOCK);
      while (relay (x->master, 1) == 0)
        {
          struct pollfd p = { .fd = x->master, .events = POLLIN };
          if (poll (&p, 1, 0) <= 0)
            break;
        }
    }
  if (raw)
    tcsetattr (0, TCSANOW, &saved);
  return status;
}

int
exec_main (const char *dir, const char *plan_path, const char *winsz_path)
{
  struct exec_ctx x = { .cgroupns_fd = -1, .master = -1, .slave = -1, .sigfd = -1, .winsz = -1 };
  struct shim_error err = { 0 };
  struct linebuf rep = { 0 };
  char pid[24], *line;
  size_t n;
  int status;

  /* Nothing in the container may open /proc/<us>/exe or ptrace us. */
  prctl (PR_SET_DUMPABLE, 0, 0, 0, 0);
  if (prepare (&x, dir, plan_path, winsz_path, &err) < 0 || setup_signals (&x, &err) < 0)
    return fail_exit (&err, EXIT_SETUP);
  /* Fork: a pid namespace applies to children only. */
  x.child = fork ();
  if (x.child < 0)
    {
      shim_fail (&err, errno, "fork");
      return fail_exit (&err, EXIT_SETUP);
    }
  if (x.child == 0)
    child_run (&x);
  close (x.sync[0]);
  close (x.rep[1]);
  if (x.slave >= 0)
    close (x.slave);
  snprintf (pid, sizeof (pid), "%d", x.child);
  for (size_t i = 0; i < x.plan.ncgroups; i++)
    if (write_all (x.cgroup_fds[i], pid, strlen (pid)) < 0)
      {
        shim_fail (&err, errno, "write the pid to `%s`", x.plan.cgroups[i]);
        kill (x.child, SIGKILL);
        waitpid (x.child, NULL, 0);
        return fail_exit (&err, EXIT_SETUP);
      }
  if (write_all (x.sync[1], "c", 1) < 0)
    {
      shim_fail (&err, errno, "start the process");
      return fail_exit (&err, EXIT_SETUP);
    }
  status = supervise (&x);
  /* A setup error of the child is its last report line. */
  fcntl (x.rep[0], F_SETFL, O_NONBLOCK);
  while (linebuf_fill (&rep, x.rep[0]) > 0)
    ;
  while ((line = linebuf_next (&rep, &n)))
    {
      if (strncmp (line, "error ", 6) == 0)
        {
          char *msg = strchr (line + 6, ' ');
          int code = atoi (line + 6);
          shim_error_set (&err, 0, "%s", msg ? msg + 1 : line + 6);
          return fail_exit (&err, code == 126 || code == 127 ? code : EXIT_SETUP);
        }
      linebuf_consume (&rep, n);
    }
  if (WIFSIGNALED (status))
    return 128 + WTERMSIG (status);
  return WEXITSTATUS (status);
}
