/* OCI mode of the shim (oci.h). Linked into podlab-shim (create) and the
 * monitor (start): plain libc only. */
#include "oci.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

extern char **environ;

int
oci_plan_check (const struct plan *p, struct shim_error *err)
{
  if (p->oci_runtime == NULL || p->oci_root == NULL)
    return shim_error_set (err, EINVAL, "failed to parse plan: \"oci-runtime\" and \"oci-root\" go together");
  if (p->id == NULL)
    return shim_error_set (err, EINVAL, "failed to parse plan: an OCI plan needs an \"id\"");
  if (p->terminal)
    return shim_error_set (err, EINVAL,
                           "failed to parse plan: terminal containers are not supported on OCI runtimes "
                           "(they need --console-socket)");
  if (p->rootfs || p->nargs || p->nfs || p->nenv || p->has_seccomp || p->has_user || p->cwd || p->hostname)
    return shim_error_set (err, EINVAL,
                           "failed to parse plan: an OCI plan takes no container directives "
                           "(the runtime reads config.json)");
  return 0;
}

/* The runtime starts with a clean signal state: we block SIGCHLD and
 * friends for our signalfd, ignore SIGPIPE, and both survive execve. */
static void
reset_signals (void)
{
  sigset_t none;

  sigemptyset (&none);
  for (int sig = 1; sig < NSIG; sig++)
    signal (sig, SIG_DFL);
  sigprocmask (SIG_SETMASK, &none, NULL);
}

/* fork + exec ARGV with IO as stdio; returns the pid or -1. */
static pid_t
spawn (char *const argv[], const int io[3], struct shim_error *err)
{
  pid_t pid = fork ();

  if (pid < 0)
    return shim_fail (err, errno, "fork to run `%s`", argv[0]);
  if (pid == 0)
    {
      for (int i = 0; i < 3; i++)
        if (dup2 (io[i], i) < 0)
          _exit (125);
      reset_signals ();
      execve (argv[0], argv, environ);
      dprintf (2, "failed to execute `%s`: %s\n", argv[0], strerror (errno));
      _exit (127);
    }
  return pid;
}

static int
wait_for (pid_t pid, int *status)
{
  while (waitpid (pid, status, 0) < 0)
    if (errno != EINTR)
      return -1;
  return 0;
}

/* What the runtime wrote to stderr, on one line and kept verbatim: it is
 * what the user needs to see (e.g. crun's refusal of hybrid cgroups). */
static void
read_complaint (int fd, char *buf, size_t len)
{
  size_t n = 0;
  ssize_t r;

  while (n < len - 1 && (r = read (fd, buf + n, len - 1 - n)) > 0)
    n += (size_t) r;
  buf[n] = '\0';
  while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
    buf[--n] = '\0';
  for (char *c = buf; *c; c++)
    if (*c == '\n')
      *c = ' ';
}

static int
failed_status (const char *runtime, const char *verb, int status, const char *said, struct shim_error *err)
{
  if (WIFSIGNALED (status))
    return shim_error_set (err, 0, "%s %s was killed by signal %d%s%s", runtime, verb, WTERMSIG (status),
                           *said ? ": " : "", said);
  return shim_error_set (err, 0, "%s %s exited with status %d%s%s", runtime, verb, WEXITSTATUS (status),
                         *said ? ": " : "", said);
}

int
oci_create (const struct plan *p, const char *dir, int dirfd, const int io[3], int errfd, pid_t *init,
            struct shim_error *err)
{
  cleanup_free char *pidfile = xasprintf ("%s/oci.pid", dir);
  cleanup_free char *text = NULL;
  char said[400];
  int status;
  long pid;
  pid_t child;

  if (pidfile == NULL)
    return shim_fail (err, ENOMEM, "run the OCI runtime");
  {
    char *argv[] = { (char *) p->oci_runtime, "--root", (char *) p->oci_root, "create", "--bundle", (char *) dir,
                     "--pid-file", pidfile, (char *) p->id, NULL };
    unlinkat (dirfd, "oci.pid", 0);
    child = spawn (argv, io, err);
  }
  if (child < 0)
    return -1;
  if (wait_for (child, &status) < 0)
    return shim_fail (err, errno, "wait for `%s create`", p->oci_runtime);
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    {
      read_complaint (errfd, said, sizeof (said));
      return failed_status (p->oci_runtime, "create", status, said, err);
    }
  if (read_file_at (dirfd, "oci.pid", &text, NULL, err) < 0)
    return -1;
  pid = strtol (text, NULL, 10);
  if (pid <= 0)
    return shim_error_set (err, 0, "failed to read `%s`: no pid in it", pidfile);
  /* The runtime has exited, so its init was reparented to us (the child
   * subreaper); a pid that is not our child would never be reaped. */
  siginfo_t si;
  if (waitid (P_PID, (id_t) pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0 && errno == ECHILD)
    return shim_error_set (err, 0, "failed to adopt the container init %ld: it is not a child of the shim", pid);
  *init = (pid_t) pid;
  return 0;
}

int
oci_run (const char *runtime, const char *root, const char *verb, const char *id, struct shim_error *err)
{
  char said[400];
  int status, p[2], io[3];
  pid_t child;
  cleanup_fd int null = open ("/dev/null", O_RDWR | O_CLOEXEC);

  if (null < 0)
    return shim_fail (err, errno, "open `/dev/null`");
  if (pipe2 (p, O_CLOEXEC) < 0)
    return shim_fail (err, errno, "create a pipe");
  io[0] = io[1] = null;
  io[2] = p[1];
  {
    char *argv[] = { (char *) runtime, "--root", (char *) root, (char *) verb, (char *) id, NULL };
    child = spawn (argv, io, err);
  }
  close (p[1]);
  if (child < 0)
    {
      close (p[0]);
      return -1;
    }
  read_complaint (p[0], said, sizeof (said));
  close (p[0]);
  if (wait_for (child, &status) < 0)
    return shim_fail (err, errno, "wait for `%s %s`", runtime, verb);
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    return failed_status (runtime, verb, status, said, err);
  return 0;
}
