#include "seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

static uint32_t
sc_action (enum sc_action a, int errnum)
{
  switch (a)
    {
    case SC_ALLOW:
      return SCMP_ACT_ALLOW;
    case SC_ERRNO:
      return SCMP_ACT_ERRNO ((uint32_t) errnum);
    case SC_KILL_THREAD:
      return SCMP_ACT_KILL_THREAD;
    case SC_KILL_PROCESS:
      return SCMP_ACT_KILL_PROCESS;
    case SC_TRAP:
      return SCMP_ACT_TRAP;
    case SC_LOG:
      return SCMP_ACT_LOG;
    }
  return SCMP_ACT_KILL_PROCESS;
}

static const enum scmp_compare sc_ops[] = {
  [SC_NE] = SCMP_CMP_NE, [SC_LT] = SCMP_CMP_LT, [SC_LE] = SCMP_CMP_LE, [SC_EQ] = SCMP_CMP_EQ,
  [SC_GE] = SCMP_CMP_GE, [SC_GT] = SCMP_CMP_GT, [SC_MASKED_EQ] = SCMP_CMP_MASKED_EQ,
};

static void
seccomp_releasep (scmp_filter_ctx *ctx)
{
  if (*ctx)
    seccomp_release (*ctx);
}

/* The plan's rules as a libseccomp filter. */
static int
build (const struct plan *plan, scmp_filter_ctx *out, struct shim_error *err)
{
  __attribute__ ((cleanup (seccomp_releasep))) scmp_filter_ctx ctx = NULL;
  uint32_t def;
  int r;

  def = sc_action (plan->sc_default, plan->sc_default_errno);
  ctx = seccomp_init (def);
  if (ctx == NULL)
    return shim_fail (err, EINVAL, "create the seccomp filter");
  /* no_new_privs is a directive of its own; libseccomp would set it. */
  r = seccomp_attr_set (ctx, SCMP_FLTATR_CTL_NNP, 0);
  /* A binary tree over the syscall numbers instead of a chain of ifs: a
   * longer program, but the kernel runs every syscall number through it
   * when loading (its action cache: ~0.45 instead of ~0.9 ms here for a
   * Docker-like profile) and each uncached syscall takes log n steps.
   * Generating it takes longer (~18 instead of ~10 ms), so only for a
   * program that is cached. Only for more than a few rules, as runc does:
   * libseccomp < 2.5.4 ignored the default action of a tree without rules. */
  if (r == 0 && plan->sc_bpf_path && plan->nsc_rules >= 8)
    r = seccomp_attr_set (ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
  if (r < 0)
    return shim_fail (err, -r, "configure the seccomp filter");
  for (size_t i = 0; i < plan->nsc_arches; i++)
    {
      uint32_t arch = seccomp_arch_resolve_name (plan->sc_arches[i]);
      if (arch == 0)
        return shim_fail (err, EINVAL, "add seccomp architecture `%s`", plan->sc_arches[i]);
      r = seccomp_arch_add (ctx, arch);
      if (r < 0 && r != -EEXIST)
        return shim_fail (err, -r, "add seccomp architecture `%s`", plan->sc_arches[i]);
    }
  for (size_t i = 0; i < plan->nsc_rules; i++)
    {
      const struct sc_rule *rule = &plan->sc_rules[i];
      struct scmp_arg_cmp args[SC_MAX_ARGS];
      uint32_t act = sc_action (rule->action, rule->errnum);
      int nr = seccomp_syscall_resolve_name (rule->syscall);

      /* Kernels and architectures differ: unknown names are skipped. */
      if (nr == __NR_SCMP_ERROR)
        continue;
      /* libseccomp refuses rules that repeat the default action. */
      if (act == def)
        continue;
      for (int c = 0; c < rule->ncond; c++)
        {
          args[c].arg = rule->cond[c].index;
          args[c].op = sc_ops[rule->cond[c].op];
          args[c].datum_a = rule->cond[c].value;
          args[c].datum_b = rule->cond[c].op == SC_MASKED_EQ ? rule->cond[c].value2 : 0;
        }
      r = seccomp_rule_add_array (ctx, act, nr, (unsigned int) rule->ncond, args);
      if (r < 0)
        return shim_fail (err, -r, "add seccomp rule for `%s` (plan line %d)", rule->syscall, rule->line);
    }
  *out = ctx;
  ctx = NULL;
  return 0;
}

/* What the kernel checks first (bpf_check_classic): jumps stay inside the
 * program and it ends with a return. Catches a damaged cache file at
 * create rather than at start, where it could no longer be rebuilt. */
static bool
program_valid (const struct sock_filter *insns, size_t n)
{
  if (n == 0 || n > BPF_MAXINSNS || BPF_CLASS (insns[n - 1].code) != BPF_RET)
    return false;
  for (size_t pc = 0; pc < n; pc++)
    {
      const struct sock_filter *f = &insns[pc];
      size_t left = n - pc - 1;

      if (BPF_CLASS (f->code) != BPF_JMP)
        continue;
      if (BPF_OP (f->code) == BPF_JA ? f->k >= left : (f->jt >= left || f->jf >= left))
        return false;
    }
  return true;
}

/* Read a whole program from FD (a regular file of SIZE bytes); WHY says
 * what is wrong with it otherwise. */
static int
read_program (int fd, off_t size, struct sock_fprog *prog, char *why, size_t len)
{
  cleanup_free struct sock_filter *insns = NULL;
  size_t n = (size_t) size / sizeof (struct sock_filter);
  ssize_t r;

  if (size <= 0 || size % (off_t) sizeof (struct sock_filter) != 0 || n > BPF_MAXINSNS)
    {
      snprintf (why, len, "%lld bytes are not a whole program", (long long) size);
      return -1;
    }
  insns = malloc ((size_t) size);
  if (insns == NULL)
    {
      snprintf (why, len, "%s", strerror (ENOMEM));
      return -1;
    }
  do
    r = pread (fd, insns, (size_t) size, 0);
  while (r < 0 && errno == EINTR);
  if (r != (ssize_t) size)
    {
      snprintf (why, len, "read %s", r < 0 ? strerror (errno) : "short");
      return -1;
    }
  if (!program_valid (insns, n))
    {
      snprintf (why, len, "not a valid program");
      return -1;
    }
  prog->len = (unsigned short) n;
  prog->filter = insns;
  insns = NULL;
  return 0;
}

/* 0: PROG read from the cache file. -1: none usable; WHY is empty when
 * the file is simply missing, else it says why it is not used. */
static int
cache_read (const char *path, struct sock_fprog *prog, char *why, size_t len)
{
  cleanup_fd int fd = -1;
  struct stat st;

  why[0] = '\0';
  fd = open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0)
    {
      if (errno != ENOENT)
        snprintf (why, len, "open: %s", strerror (errno));
      return -1;
    }
  if (fstat (fd, &st) < 0)
    {
      snprintf (why, len, "stat: %s", strerror (errno));
      return -1;
    }
  if (!S_ISREG (st.st_mode))
    {
      snprintf (why, len, "not a regular file");
      return -1;
    }
  /* The filter is a security boundary: only a file that nobody but us
   * could have written is trusted. */
  if (st.st_uid != geteuid () || (st.st_mode & (S_IWGRP | S_IWOTH)))
    {
      snprintf (why, len, "not owned by uid %u or writable by others", (unsigned) geteuid ());
      return -1;
    }
  return read_program (fd, st.st_size, prog, why, len);
}

/* Compile CTX into FD (empty, at offset 0) and read the program back. */
static int
export_program (scmp_filter_ctx ctx, int fd, struct sock_fprog *prog, struct shim_error *err)
{
  struct stat st;
  char why[160];
  int r;

  r = seccomp_export_bpf (ctx, fd);
  if (r < 0)
    return shim_fail (err, -r, "compile the seccomp filter");
  if (fstat (fd, &st) < 0)
    return shim_fail (err, errno, "compile the seccomp filter");
  if (read_program (fd, st.st_size, prog, why, sizeof (why)) < 0)
    return shim_error_set (err, EINVAL, "failed to compile the seccomp filter: %s", why);
  return 0;
}

/* A new file next to PATH (same directory, so that rename replaces PATH
 * atomically): PATH.XXXXXX.tmp, O_EXCL, mode 0600. */
static int
cache_temp (const char *path, char **tmp)
{
  *tmp = xasprintf ("%s.XXXXXX.tmp", path);
  if (*tmp == NULL)
    {
      errno = ENOMEM;
      return -1;
    }
  return mkostemps (*tmp, 4, O_CLOEXEC);
}

static void
warnf (warn_fn warn, void *ctx, const char *path, const char *what, int errnum)
{
  char msg[600];

  snprintf (msg, sizeof (msg), "seccomp-bpf %s: %s%s%s", path, what, errnum ? ": " : "",
            errnum ? strerror (errnum) : "");
  warn (ctx, msg);
}

/* Compile the rules; write the cache file when the plan names one. No
 * fsync: a cache file lost in a crash is simply compiled again. */
static int
compile (const struct plan *plan, struct sock_fprog *prog, warn_fn warn, void *ctx, struct shim_error *err)
{
  __attribute__ ((cleanup (seccomp_releasep))) scmp_filter_ctx filter = NULL;
  const char *path = plan->sc_bpf_path;
  cleanup_free char *tmp = NULL;
  cleanup_fd int fd = -1;

  if (build (plan, &filter, err) < 0)
    return -1;
  if (path)
    {
      fd = cache_temp (path, &tmp);
      if (fd < 0)
        /* The engine creates the cache directory; without it we still run. */
        warnf (warn, ctx, path, errno == ENOENT ? "directory missing, filter not cached" : "filter not cached",
               errno == ENOENT ? 0 : errno);
      else if (export_program (filter, fd, prog, err) < 0)
        {
          warnf (warn, ctx, path, err->msg, 0);
          unlink (tmp);
          close (steal_fd (&fd));
        }
      else
        {
          if (rename (tmp, path) < 0)
            {
              warnf (warn, ctx, path, "filter not cached: rename", errno);
              unlink (tmp);
            }
          return 0;
        }
    }
  /* Not cached: compile into memory. */
  fd = memfd_create ("podlab-seccomp", MFD_CLOEXEC);
  if (fd < 0)
    return shim_fail (err, errno, "create a memfd for the seccomp filter");
  return export_program (filter, fd, prog, err);
}

int
seccomp_prepare (const struct plan *plan, struct sock_fprog *prog, bool *compiled, struct step *compile_step,
                 warn_fn warn, void *ctx, struct shim_error *err)
{
  prog->len = 0;
  prog->filter = NULL;
  *compiled = false;
  if (!plan->has_seccomp)
    return 0;
  if (plan->sc_bpf_path)
    {
      char why[200];
      if (cache_read (plan->sc_bpf_path, prog, why, sizeof (why)) == 0)
        return 0;
      if (why[0])
        {
          char what[260];
          snprintf (what, sizeof (what), "%s, rebuilt", why);
          warnf (warn, ctx, plan->sc_bpf_path, what, 0);
        }
    }
  step_begin (compile_step);
  if (compile (plan, prog, warn, ctx, err) < 0)
    return -1;
  step_end (compile_step);
  *compiled = true;
  return 0;
}

void
seccomp_program_free (struct sock_fprog *prog)
{
  free (prog->filter);
  prog->filter = NULL;
  prog->len = 0;
}
