#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mounts.h"
#include "namespaces.h"
#include "process.h"
#include "report.h"
#include "seccomp.h"
#include "security.h"

static void
warn_to_report (void *ctx, const char *msg)
{
  report_hold (ctx, "warn %s", msg);
}

static int
setup_stdio (const struct init_args *a, struct shim_error *err)
{
  if (a->tty)
    {
      if (setsid () < 0)
        return shim_fail (err, errno, "start a session");
      if (ioctl (a->stdio[0], TIOCSCTTY, 0) < 0)
        return shim_fail (err, errno, "set the controlling terminal");
    }
  for (int i = 0; i < 3; i++)
    if (dup2 (a->stdio[i], i) < 0)
      return shim_fail (err, errno, "set up stdio");
  for (int i = 0; i < 3; i++)
    if (a->stdio[i] > 2)
      close (a->stdio[i]);
  return 0;
}

/* Wait for one byte from the shim; EOF means it is gone. */
static int
wait_for (int fd, char expect)
{
  char c;
  ssize_t r;

  do
    r = read (fd, &c, 1);
  while (r < 0 && errno == EINTR);
  return r == 1 && c == expect ? 0 : -1;
}

static int
write_sysctls (const struct plan *plan, struct shim_error *err)
{
  for (size_t i = 0; i < plan->nsysctls; i++)
    {
      cleanup_free char *path = xasprintf ("/proc/sys/%s", plan->sysctls[i].key);
      if (path == NULL)
        return shim_fail (err, ENOMEM, "write sysctl %s", plan->sysctls[i].key);
      for (char *p = path + 10; *p; p++)
        if (*p == '.')
          *p = '/';
      if (write_file_at (AT_FDCWD, path, plan->sysctls[i].value, err) < 0)
        return -1;
    }
  return 0;
}

static int
create_phase (const struct init_args *a, struct linebuf *rep, struct sock_fprog *filter, char **exe,
              uint64_t caps[CAPSET_COUNT], struct shim_error *err)
{
  const struct plan *plan = a->plan;
  struct mount_steps ms;
  struct step s;
  bool compiled;

  /* First, while host paths (the filter's cache file) are still what
   * they are: before a mount namespace is joined, and before pivot_root. */
  if (seccomp_prepare (plan, filter, &compiled, &s, warn_to_report, rep, err) < 0)
    return -1;
  if (compiled)
    report_hold_step (rep, "seccomp-compile", &s);

  step_begin (&s);
  if (ns_enter (plan, err) < 0)
    return -1;
  /* Sysctls go in now, through the /proc/sys we still see: the namespaced
   * ones act on the writer's namespaces, and after the mounts a
   * `readonly /proc/sys` would refuse them. */
  if (write_sysctls (plan, err) < 0)
    return -1;
  if (oom_score_adj_apply (plan, warn_to_report, rep, err) < 0)
    return -1;
  step_end (&s);
  report_hold_step (rep, "namespaces", &s);

  umask (0); /* modes of mkdir and device directives are exact */
  if (mounts_setup (plan, &ms, err) < 0)
    return -1;
  report_hold_step (rep, "mounts", &ms.mounts);
  if (ms.devices.start)
    report_hold_step (rep, "devices", &ms.devices);
  report_hold_step (rep, "pivot_root", &ms.pivot_root);

  if (plan->hostname)
    {
      step_begin (&s);
      if (!plan->ns[NS_UTS].requested)
        return shim_error_set (err, EINVAL, "failed to set hostname: no uts namespace in the plan");
      if (sethostname (plan->hostname, strlen (plan->hostname)) < 0)
        return shim_fail (err, errno, "set hostname `%s`", plan->hostname);
      step_end (&s);
      report_hold_step (rep, "hostname", &s);
    }
  if (process_chdir (plan, err) < 0 || process_resolve (plan, exe, err) < 0)
    return -1;
  memcpy (caps, plan->caps, sizeof (plan->caps));
  if (caps_check (caps, warn_to_report, rep, err) < 0)
    return -1;
  /* Last, so that a low limit does not hinder the setup itself. */
  return rlimits_apply (plan, warn_to_report, rep, err);
}

_Noreturn void
init_run (const struct init_args *a)
{
  struct shim_error err = { 0 };
  struct linebuf held = { 0 }; /* step and warn lines, sent with the outcome */
  struct sock_fprog filter = { 0 };
  uint64_t caps[CAPSET_COUNT];
  char *exe = NULL;

  /* If the shim dies before start, so do we. */
  prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  /* Until execve nobody in the container may open /proc/1/exe (the shim
   * binary) or ptrace us (CVE-2019-5736). */
  prctl (PR_SET_DUMPABLE, 0, 0, 0, 0);
  process_reset_signals ();
  if (setup_stdio (a, &err) < 0)
    goto fail;
  if (wait_for (a->sync_fd, 'c') < 0)
    _exit (1);
  if (create_phase (a, &held, &filter, &exe, caps, &err) < 0)
    goto fail;
  report_hold (&held, "ready");
  report_flush (a->report_fd, &held);
  linebuf_free (&held);
  if (wait_for (a->sync_fd, 's') < 0)
    _exit (1);
  process_exec (a->plan, caps, filter.filter ? &filter : NULL, exe, false, a->report_fd, &err);
fail:
  report_flush (a->report_fd, &held);
  report_error (a->report_fd, &err);
  _exit (err.exit_code ? err.exit_code : 1);
}
