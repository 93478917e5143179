/* podlab-shim: executes launch plans (docs/shim.md).
 *   podlab-shim create DIR        set a container up, supervise it
 *   podlab-shim exec DIR PLAN     run one more process inside it
 *   podlab-shim seccomp-compile PLAN  write the plan's filter to its seccomp-bpf file
 *   /init (as PID 1, no arguments) the guest agent of a KVM sandbox (docs/kvm.md) */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/close_range.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "agent.h"
#include "error.h"
#include "exec.h"
#include "plan.h"
#include "report.h"
#include "seccomp.h"
#include "supervise.h"

static int
usage (void)
{
  static const char text[] = "usage: podlab-shim create DIR\n       podlab-shim exec DIR PLAN [WINSZ]\n"
                             "       podlab-shim seccomp-compile PLAN\n";
  write_all (2, text, sizeof (text) - 1);
  return 2;
}

/* The `create` invocation: parse, fork the shim, print its progress lines
 * and exit 0 on "created", 1 otherwise. */
static int
create_main (const char *dir_arg)
{
  struct shim_error err = { 0 };
  struct linebuf lb = { 0 };
  char dir[PATH_MAX];
  struct plan plan;
  int p[2];
  pid_t pid;

  if (realpath (dir_arg, dir) == NULL)
    {
      shim_fail (&err, errno, "resolve container directory `%s`", dir_arg);
      report_line (1, "error %s", err.msg);
      return 1;
    }
  {
    cleanup_free char *plan_path = xasprintf ("%s/plan", dir);
    if (plan_path == NULL || plan_load (plan_path, PLAN_CREATE, &plan, &err) < 0)
      {
        report_line (1, "error %s", plan_path ? err.msg : "out of memory");
        return 1;
      }
  }
  if (pipe2 (p, O_CLOEXEC) < 0 || (pid = fork ()) < 0)
    {
      shim_fail (&err, errno, "fork the shim");
      report_line (1, "error %s", err.msg);
      return 1;
    }
  if (pid == 0)
    {
      close (p[0]);
      _exit (supervise_main (&plan, dir, p[1]));
    }
  close (p[1]);
  /* Not until EOF: init holds a copy of the pipe until it execs. The lines
   * up to the outcome go out in one write (the shim sends them so too). */
  for (;;)
    {
      size_t off = 0;
      char *nl;
      ssize_t r = linebuf_fill (&lb, p[0]);

      if (r <= 0)
        {
          report_line (1, "error the shim exited during setup");
          return 1;
        }
      while ((nl = memchr (lb.data + off, '\n', lb.len - off)))
        {
          const char *line = lb.data + off;
          bool created = strncmp (line, "created ", 8) == 0;
          bool failed = strncmp (line, "error ", 6) == 0;

          off = (size_t) (nl - lb.data) + 1;
          if (created || failed)
            {
              write_all (1, lb.data, off);
              if (failed)
                waitpid (pid, NULL, 0); /* the shim has cleaned up once it is gone */
              return created ? 0 : 1;
            }
        }
      write_all (1, lb.data, off);
      linebuf_consume (&lb, off);
    }
}

static void
warn_to_stderr (void *ctx, const char *msg)
{
  (void) ctx;
  report_line (2, "warn %s", msg);
}

/* The `seccomp-compile` invocation: the engine compiles a kvm guest's filter
 * here, natively, instead of in the emulated guest; PLAN is an exec plan
 * with the seccomp lines and the seccomp-bpf file to write. */
static int
seccomp_compile_main (const char *plan_path)
{
  struct shim_error err = { 0 };
  struct sock_fprog prog;
  struct step s;
  struct plan plan;
  bool compiled;

  if (plan_load (plan_path, PLAN_EXEC, &plan, &err) < 0)
    {
      report_line (2, "error %s", err.msg);
      return 1;
    }
  if (!plan.has_seccomp || plan.sc_bpf_path == NULL)
    {
      report_line (2, "error failed to compile the seccomp filter of %s: no seccomp rules or no seccomp-bpf file",
                   plan_path);
      return 1;
    }
  if (seccomp_prepare (&plan, &prog, &compiled, &s, warn_to_stderr, NULL, &err) < 0)
    {
      report_line (2, "error %s", err.msg);
      return 1;
    }
  seccomp_program_free (&prog);
  return 0;
}

int
main (int argc, char **argv)
{
  /* Descriptors of whoever started us (a JVM has many) stay out. */
  syscall (SYS_close_range, 3, ~0U, 0);
  if (argc == 1 && getpid () == 1)
    return agent_main ();
  if (argc == 3 && strcmp (argv[1], "create") == 0)
    return create_main (argv[2]);
  if ((argc == 4 || argc == 5) && strcmp (argv[1], "exec") == 0)
    return exec_main (argv[2], argv[3], argc == 5 ? argv[4] : NULL);
  if (argc == 3 && strcmp (argv[1], "seccomp-compile") == 0)
    return seccomp_compile_main (argv[2]);
  return usage ();
}
