#include "process.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/close_range.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "report.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static int
mkdir_p (char *path, struct shim_error *err)
{
  for (char *p = path + 1;; p++)
    {
      if (*p != '/' && *p != '\0')
        continue;
      char saved = *p;
      *p = '\0';
      if (mkdir (path, 0755) < 0 && errno != EEXIST)
        return shim_fail (err, errno, "create working directory `%s`", path);
      *p = saved;
      if (saved == '\0')
        return 0;
    }
}

int
process_chdir (const struct plan *plan, struct shim_error *err)
{
  const char *cwd = plan->cwd ? plan->cwd : "/";

  /* Runs after pivot_root: whatever the path holds, it stays inside. */
  if (chdir (cwd) == 0)
    return 0;
  if (errno == ENOENT)
    {
      cleanup_free char *copy = strdup (cwd);
      if (copy == NULL)
        return shim_fail (err, ENOMEM, "chdir to `%s`", cwd);
      if (mkdir_p (copy, err) < 0)
        return -1;
      if (chdir (cwd) == 0)
        return 0;
    }
  return shim_fail (err, errno, "chdir to `%s`", cwd);
}

/* 0 if executable, else the errno execve would give. */
static int
check_exec (const char *path)
{
  struct stat st;

  if (stat (path, &st) < 0)
    return errno;
  if (S_ISDIR (st.st_mode) || !S_ISREG (st.st_mode) || !(st.st_mode & 0111))
    return EACCES;
  return 0;
}

int
process_resolve (const struct plan *plan, char **out, struct shim_error *err)
{
  const char *arg0 = plan->args[0];
  const char *path = DEFAULT_PATH;
  bool denied = false;
  int e;

  if (strchr (arg0, '/'))
    {
      e = check_exec (arg0);
      if (e == ENOENT || e == ENOTDIR)
        {
          shim_error_set (err, e, "executable \"%s\" not found", arg0);
          err->exit_code = 127;
          return -1;
        }
      if (e)
        {
          shim_fail (err, e, "exec \"%s\"", arg0);
          err->exit_code = 126;
          return -1;
        }
      *out = strdup (arg0);
      return *out ? 0 : shim_fail (err, ENOMEM, "resolve \"%s\"", arg0);
    }
  for (size_t i = 0; i < plan->nenv; i++)
    if (strncmp (plan->env[i], "PATH=", 5) == 0)
      path = plan->env[i] + 5;
  for (const char *p = path;;)
    {
      const char *end = strchrnul (p, ':');
      cleanup_free char *cand = NULL;
      int len = (int) (end - p);

      /* An empty entry means the working directory, as for execvp. */
      cand = len ? xasprintf ("%.*s/%s", len, p, arg0) : xasprintf ("%s", arg0);
      if (cand == NULL)
        return shim_fail (err, ENOMEM, "resolve \"%s\"", arg0);
      e = check_exec (cand);
      if (e == 0)
        {
          *out = cand;
          cand = NULL;
          return 0;
        }
      if (e == EACCES)
        denied = true;
      if (*end == '\0')
        break;
      p = end + 1;
    }
  if (denied)
    {
      shim_error_set (err, EACCES, "executable \"%s\" found in $PATH is not executable", arg0);
      err->exit_code = 126;
      return -1;
    }
  shim_error_set (err, ENOENT, "executable \"%s\" not found in $PATH", arg0);
  err->exit_code = 127;
  return -1;
}

void
process_reset_signals (void)
{
  sigset_t all;

  for (int s = 1; s < NSIG; s++)
    signal (s, SIG_DFL); /* fails harmlessly for SIGKILL, SIGSTOP, internals */
  sigemptyset (&all);
  sigprocmask (SIG_SETMASK, &all, NULL);
}

int
process_exec (const struct plan *plan, const uint64_t caps[CAPSET_COUNT], const struct sock_fprog *filter,
              const char *path, bool keep_pdeathsig, int report_fd, struct shim_error *err)
{
  struct step sc = { 0 };
  struct step ex;
  char lines[128];
  int n = 0;

  umask (plan->umask);
  /* Nothing of the shim may reach the container: every descriptor above
   * stderr closes at execve (the report pipe is how we see it happen). It
   * runs before seccomp so that a filter without close_range cannot
   * prevent it. */
  if (syscall (SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
    return shim_fail (err, errno, "mark descriptors close-on-exec");
  if (privileges_drop (plan, caps, filter, &sc, err) < 0)
    return -1;
  /* The container outlives a crashed shim (it is not the engine's child
   * either); exec'd processes do not, their caller waits for them. */
  if (!keep_pdeathsig)
    prctl (PR_SET_PDEATHSIG, 0, 0, 0, 0);
  /* Both lines in one write (one wakeup of the shim), from the stack: the
   * filter may allow little more than write and execve now. */
  if (filter)
    n = snprintf (lines, sizeof (lines), "step seccomp %" PRId64 " %" PRId64 "\n", sc.start, sc.duration);
  step_begin (&ex);
  n += snprintf (lines + n, sizeof (lines) - (size_t) n, "exec %" PRId64 " %" PRId64 "\n", ex.start, ex.mono);
  write_all (report_fd, lines, (size_t) n);
  execve (path, plan->args, plan->env);
  shim_fail (err, errno, "exec \"%s\"", path);
  err->exit_code = (errno == ENOENT || errno == ENOTDIR) ? 127 : 126;
  return -1;
}
